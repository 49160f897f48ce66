"""Audit collection logs with Spark: the same violations as ``policyc audit``, on every executor.

``audit(events_df, artifacts)`` evaluates each event with ``mapInArrow`` over Arrow batches, the artifacts broadcast
once, and returns a DataFrame of violations with the columns of ``policyc audit --format json``, plus ``file``,
the input file where Spark knows it::

    line bigint, ts string, url string, kind string, data array<string>, detail string, policy string, file string

``line`` is the line's number in its file, from 1, for logs read as lines (``read_events`` of NDJSON,
``spark.read.text``); null for events in typed columns, which are rows of a table, not lines.

Run over files (NDJSON or Parquet) from the command line, locally or with ``spark-submit``::

    python -m policyc.spark v2.matcher v1.matcher 'logs/2019-07-01/*.ndjson' --output violations/

Supported: Spark 3.5 and 4.x (``mapInArrow`` and Arrow batches as used here exist since 3.3); tested with
pyspark 4.3 on CPython 3.11.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from typing import Iterable, Iterator, List, Sequence, Union

# Absolute, so that this file also runs as the script `spark-submit` is given.
from policyc import Auditor, Matcher

#: The fields of a collection event (``schemas/event.schema.json``), in the order they are serialised.
EVENT_FIELDS = ("ts", "url", "collect", "data", "linked", "state", "region", "event", "policy")

#: The violations' schema: the fields of ``policyc audit --format json``, plus the input ``file``.
VIOLATION_SCHEMA = (
    "line bigint, ts string, url string, kind string, data array<string>, detail string, policy string, file string"
)

#: The columns of ``VIOLATION_SCHEMA``, in order.
VIOLATION_COLUMNS = ("line", "ts", "url", "kind", "data", "detail", "policy", "file")

# What the audit of a batch of lines yields: the violations without `line`, the input file and split each came
# from (Spark's `input_file_name()` and `input_file_block_start()`) and the line's index in that split; and for
# each split one row of null `kind` whose `_index` is the number of lines in the split, from which the lines
# before a split are summed.
_FOUND_SCHEMA = (
    "ts string, url string, kind string, data array<string>, detail string, policy string, file string, "
    "_source string, _block bigint, _index bigint"
)
_TYPED_SCHEMA = "ts string, url string, kind string, data array<string>, detail string, policy string, file string"

#: The Spark schema of an NDJSON event, for reading logs into typed columns (``state`` as a map, as in JSON).
EVENT_SCHEMA = (
    "ts string, url string, collect array<string>, data array<string>, linked array<string>, "
    "state map<string,boolean>, region string, event string, policy string"
)

ArtifactArg = Union[bytes, Matcher]

# Auditors by the key broadcast with the artifacts, so that each Python worker loads the artifacts once, not once per batch.
_AUDITORS: dict = {}


def _artifact_bytes(artifacts: Union[ArtifactArg, Sequence[ArtifactArg]]) -> List[bytes]:
    items = [artifacts] if isinstance(artifacts, (bytes, bytearray, Matcher)) else list(artifacts)
    if not items:
        raise ValueError("an audit needs at least one artifact")
    out = []
    for a in items:
        if isinstance(a, Matcher):
            raise TypeError("give the artifacts' bytes (a Matcher does not travel to executors)")
        out.append(bytes(a))
    # Validate on the driver, so that a bad artifact fails before any task starts.
    Auditor(out)
    return out


def audit(events_df, artifacts: Union[ArtifactArg, Sequence[ArtifactArg]]):
    """The violations of every event in ``events_df`` against ``artifacts`` (bytes, or a list of bytes with the
    newest policy first), as a DataFrame with ``VIOLATION_SCHEMA``.

    ``events_df`` is either raw log lines (one string column, ``value``, as ``spark.read.text`` gives), audited
    as ``policyc audit`` reads lines, or events in columns named as in ``EVENT_FIELDS`` (as
    ``spark.read.json(..., schema=EVENT_SCHEMA)`` or a Parquet table gives), which the runtime reads from the
    Arrow columns directly (``state`` as a map of booleans, ``event`` as a string, null for a page view; a ``ts``
    of timestamp type is cast to Spark's string form). A column that looks like a misspelt field the table lacks
    (``colect`` without ``collect``) raises ``ValueError`` before any task runs, as an unknown field makes a
    JSON line malformed; other columns (a partition column such as ``date``, an id) are not read. A ``file`` column is
    carried through; otherwise Spark's input file name is used. A malformed line is
    a row of kind ``malformed`` whose ``detail`` says why (``policyc audit`` reports the same on standard error).

    ``line`` numbers raw lines as ``policyc audit`` does, from 1 in each file, blank lines included, however
    Spark splits a file across tasks: each task counts the lines of each split it reads, and a line's number
    adds the lines of the file's earlier splits. That holds for lines as Spark's text reader reads them from
    files (``read_events``, ``spark.read.text``) and passed on unfiltered; Spark splits a line at a bare carriage
    return too, where ``policyc audit`` does not, so in a log with one the numbers differ after it. ``line`` is
    null where Spark reads no file (a DataFrame made in memory) and for events in typed columns.
    """
    from pyspark.sql import functions as F

    blobs = _artifact_bytes(artifacts)
    spark = events_df.sparkSession
    # The key names this set of artifacts in each worker's cache of loaded auditors.
    shared = spark.sparkContext.broadcast((uuid.uuid4().hex, blobs))
    columns = events_df.columns
    file = (F.col("file") if "file" in columns else F.input_file_name()).cast("string").alias("file")
    if "url" not in columns and "value" in columns:
        # As bytes: a line that is not UTF-8 then reaches the runtime as it is, and comes back as a `malformed`
        # row, instead of failing the batch that holds it.
        prepared = events_df.select(
            F.col("value").cast("binary").alias("line"), file, F.input_file_name().alias("_source"),
            F.expr("input_file_block_start()").cast("long").alias("_block"),
        )
        return _number_lines(prepared.mapInArrow(_audit_batches(shared, "lines"), _FOUND_SCHEMA))
    _refuse_unknown_columns(Auditor(blobs), columns)
    # Events in columns reach the runtime as Arrow columns of fixed types; a missing column is all nulls.
    fields = []
    for name, kind in _EVENT_TYPES:
        if name not in columns:
            fields.append(F.lit(None).cast(kind).alias(name))
        elif name == "state" and events_df.schema["state"].dataType.typeName() == "struct":
            # JSON read without a schema infers `state` as a struct; as a map it keeps only the names given.
            fields.append(F.from_json(F.to_json(F.col("state")), kind).alias(name))
        else:
            fields.append(F.col(name).cast(kind).alias(name))
    prepared = events_df.select(*fields, file)
    found = prepared.mapInArrow(_audit_batches(shared, "columns"), _TYPED_SCHEMA)
    # A row of a table is no line of a log: see the docstring.
    return found.select(F.lit(None).cast("long").alias("line"), *found.columns)


def _number_lines(found):
    """Violations of ``_FOUND_SCHEMA`` with their line numbers: the lines of the file's earlier splits, summed
    over the splits' count rows (one per split, so the window sums a few rows per file besides the violations),
    plus the line's index in its own split, plus one."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    earlier = Window.partitionBy("_source").orderBy("_block").rangeBetween(Window.unboundedPreceding, -1)
    before = F.coalesce(F.sum(F.when(F.col("kind").isNull(), F.col("_index"))).over(earlier), F.lit(0))
    from_a_file = (F.col("_source") != "") & (F.col("_block") >= 0)
    line = F.when(from_a_file, before + F.col("_index") + 1).cast("long").alias("line")
    numbered = found.select(line, *VIOLATION_COLUMNS[1:], F.col("kind").isNull().alias("_count"))
    return numbered.where(~F.col("_count")).drop("_count")


# The columns `Auditor.audit_columns` reads, with the types Spark hands them over in.
_EVENT_TYPES = (
    ("ts", "string"), ("url", "string"), ("collect", "array<string>"), ("data", "array<string>"),
    ("linked", "array<string>"), ("state", "map<string,boolean>"), ("region", "string"), ("event", "string"),
    ("policy", "string"),
)


def _refuse_unknown_columns(auditor: Auditor, columns: Sequence[str]) -> None:
    """Raises ``ValueError`` for a column that looks like a misspelt field the table lacks, in the runtime's
    words, on the driver: the select in ``audit`` would drop it, and a misspelt ``colect`` would then audit as
    "collected nothing" and hide every collection violation (in a JSON line the same field is malformed)."""
    import pyarrow as pa

    arrow = {"string": pa.string(), "array<string>": pa.list_(pa.string()),
             "map<string,boolean>": pa.map_(pa.string(), pa.bool_())}
    types = {name: arrow[kind] for name, kind in _EVENT_TYPES}
    names = [c for c in columns if c != "file"]
    # An empty batch of these names: `audit_columns` checks the names before anything else; `url` is added when
    # missing because a missing `url` is audited here as a null one, not refused.
    names += [] if "url" in names else ["url"]
    batch = pa.RecordBatch.from_arrays([pa.array([], types.get(n, pa.string())) for n in names], names=names)
    auditor.audit_columns(batch)


def _audit_batches(shared, form: str):
    def run(batches: Iterator) -> Iterator:
        import pyarrow as pa
        import pyarrow.compute as pc

        key, blobs = shared.value
        auditor = _AUDITORS.get(key)
        if auditor is None:
            auditor = _AUDITORS[key] = Auditor(blobs)
        names = list(VIOLATION_COLUMNS[1:])
        split_names = names + ["_source", "_block", "_index"]
        # Lines read so far of each split (input file, start) of this task's partition, in which a split's
        # lines come in order and one after another.
        counts: dict = {}
        for batch in batches:
            if form == "lines":
                found = auditor.audit_arrow(batch.column(0))
                files = pc.take(batch.column(1), found.column("row"))
                split = _split_index(batch.column(2), batch.column(3), found.column("row"), counts)
                yield pa.RecordBatch.from_arrays([found.column(n) for n in names[:-1]] + [files, *split],
                                                 names=split_names)
            else:
                # The last column is the input file, which is no field of an event.
                events = pa.RecordBatch.from_arrays(batch.columns[:-1], names=batch.schema.names[:-1])
                found = auditor.audit_columns(events)
                files = pc.take(batch.column(batch.num_columns - 1), found.column("row"))
                yield pa.RecordBatch.from_arrays([found.column(n) for n in names[:-1]] + [files], names=names)
        if form == "lines" and counts:
            # One row of null `kind` per split: how many lines it has.
            n, keys = len(counts), list(counts)
            text = pa.nulls(n, pa.string())
            yield pa.RecordBatch.from_arrays(
                [text, text, text, pa.nulls(n, pa.list_(pa.string())), text, text, text,
                 pa.array([k[0] for k in keys], pa.string()), pa.array([k[1] for k in keys], pa.int64()),
                 pa.array(list(counts.values()), pa.int64())],
                names=split_names,
            )

    return run


def _split_index(sources, blocks, rows, counts: dict):
    """The split (input file, start) of each of ``rows`` of a batch whose lines come from the splits ``sources``
    and ``blocks``, and its line's index in the split, counting the lines of earlier batches in ``counts``, to
    which this batch's lines are then added. A split's lines are consecutive, so a batch is a few runs of one
    split each."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(blocks)
    blk = blocks.to_numpy(zero_copy_only=False).astype(np.int64)
    codes = pc.dictionary_encode(sources).indices.to_numpy(zero_copy_only=False)
    changes = (codes[1:] != codes[:-1]) | (blk[1:] != blk[:-1])
    starts = np.flatnonzero(np.concatenate(([n > 0], changes)))
    ends = np.append(starts[1:], n)
    base = np.zeros(len(starts), np.int64)
    for j, (start, end) in enumerate(zip(starts, ends)):
        key = (sources[int(start)].as_py(), int(blk[start]))
        base[j] = counts.get(key, 0)
        counts[key] = int(base[j] + (end - start))
    r = rows.to_numpy(zero_copy_only=False).astype(np.int64)
    run = np.searchsorted(starts, r, side="right") - 1
    index = r - starts[run] + base[run]
    return pc.take(sources, rows), pa.array(blk[r], pa.int64()), pa.array(index, pa.int64())


def read_events(spark, paths: Sequence[str], fmt: str = "auto"):
    """Reads logs for ``audit``: NDJSON files as raw lines (so a malformed line is reported, not guessed at),
    Parquet as typed columns. ``fmt`` is ``ndjson``, ``parquet`` or ``auto`` (by the first path's extension)."""
    if fmt == "auto":
        first = paths[0].lower().rstrip("/")
        for ext in (".gz", ".bz2", ".zst"):
            first = first[: -len(ext)] if first.endswith(ext) else first
        fmt = "ndjson" if first.endswith((".ndjson", ".jsonl", ".json")) else "parquet"
    if fmt == "ndjson":
        return spark.read.text(list(paths))
    if fmt == "parquet":
        return spark.read.parquet(*paths)
    raise ValueError(f"`{fmt}` is not ndjson, parquet or auto")


def main(argv: Iterable[str] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m policyc.spark",
        description="Audit collection logs (NDJSON or Parquet) against the artifacts that were live, with Spark.",
    )
    p.add_argument("paths", nargs="+", metavar="ARTIFACT... INPUT...",
                   help="the artifacts (files ending in .matcher, newest first), then the logs (files, directories "
                        "or globs Spark reads)")
    p.add_argument("--format", choices=["auto", "ndjson", "parquet"], default="auto", help="the logs' format")
    p.add_argument("--output", metavar="DIR", help="write the violations as Parquet here instead of printing them")
    p.add_argument("--master", help="the Spark master when not under spark-submit, such as local[*]")
    args = p.parse_args(None if argv is None else list(argv))

    artifacts = [x for x in args.paths if x.endswith(".matcher")]
    inputs = [x for x in args.paths if not x.endswith(".matcher")]
    if not artifacts or not inputs:
        print("error: give at least one artifact (`.matcher`) and one log", file=sys.stderr)
        return 2
    try:
        blobs = []
        for a in artifacts:
            with open(a, "rb") as f:
                blobs.append(f.read())
        _artifact_bytes(blobs)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    from pyspark.sql import SparkSession

    if args.master and args.master.startswith("local"):
        # Local workers run this interpreter, which has the package (spark-submit sets PYSPARK_PYTHON itself).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("policyc audit")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    events = read_events(spark, inputs, args.format)
    violations = audit(events, blobs).cache()
    if args.output:
        violations.write.mode("errorifexists").parquet(args.output)
    else:
        import json

        for row in violations.toLocalIterator():
            print(json.dumps(row.asDict(), separators=(",", ":")))
    counts = {r["kind"]: r["count"] for r in violations.groupBy("kind").count().collect()}
    malformed = counts.pop("malformed", 0)
    total = sum(counts.values())
    by_kind = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    print(
        f"audited {events.count()} lines against "
        f"{'policy' if len(blobs) == 1 else 'policies'} {', '.join(Auditor(blobs).policy_hashes)}: "
        f"{total} violations" + (f" ({by_kind})" if by_kind else "")
        + (f", {malformed} malformed lines" if malformed else ""),
        file=sys.stderr,
    )
    spark.stop()
    return 2 if malformed else 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
