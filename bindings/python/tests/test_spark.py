"""`policyc.spark.audit` finds exactly the violations `policyc audit` finds: the same rows, not only as many.

Spark runs in local mode. The generated log has a million events by default; `POLICYC_SPARK_EVENTS` changes
that (BENCHMARKS.md has the timings).
"""

import json
import os
import subprocess
import sys

import pytest

pyspark = pytest.importorskip("pyspark")

import policyc  # noqa: E402
from policyc import spark as pspark  # noqa: E402
from conftest import ROOT  # noqa: E402
from eventlog import generate  # noqa: E402
from test_audit import CLICKS, FIXTURE, MISMATCH_AND_UNKNOWN_SWITCH, cli_audit, violation_schema  # noqa: E402

EVENTS = int(os.environ.get("POLICYC_SPARK_EVENTS", "1000000"))
COLUMNS = ("line", "ts", "url", "kind", "data", "detail", "policy")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The Python workers must import the package under test, as this interpreter does.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (SparkSession.builder.master("local[2]").appName("policyc-tests")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def rows(violations, line=True):
    """Violations as sorted tuples, with `line` or (for events in typed columns, which have none) without."""
    return sorted(tuple(json.dumps(v[c]) for c in (COLUMNS if line else COLUMNS[1:])) for v in violations)


def spark_rows(df, line=True):
    """The violations and the malformed rows (`(line, detail)`, or the detail alone without `line`)."""
    found = [r.asDict() for r in df.collect()]
    malformed = [(v["line"], v["detail"]) if line else v["detail"] for v in found if v["kind"] == "malformed"]
    return rows([v for v in found if v["kind"] != "malformed"], line), sorted(malformed), found


def test_the_fixture_log(spark, policyc_bin, artifacts):
    path, _ = artifacts["shop"]
    want, want_malformed, _ = cli_audit(policyc_bin, [path], FIXTURE)
    df = pspark.audit(pspark.read_events(spark, [str(FIXTURE)]), path.read_bytes())
    assert [(f.name, f.dataType.simpleString()) for f in df.schema.fields] == [
        tuple(column.split(" ")) for column in pspark.VIOLATION_SCHEMA.split(", ")]
    assert tuple(df.columns) == pspark.VIOLATION_COLUMNS
    got, got_malformed, found = spark_rows(df)
    # The same rows, line numbers included, for violations and malformed lines alike.
    assert got == rows(want)
    assert got_malformed == want_malformed
    assert {v["file"] for v in found} == {FIXTURE.as_uri()}
    # Every row, the malformed ones included, follows schemas/violation.schema.json.
    validator = violation_schema()
    assert any(v["kind"] == "malformed" for v in found)
    for v in found:
        assert not [e.message for e in validator.iter_errors(v)], v


def test_a_line_that_is_not_utf8_is_a_malformed_row(spark, policyc_bin, artifacts, tmp_path):
    """Spark reads a log's bytes as they are; one line that is not UTF-8 is one `malformed` row with the CLI's
    reason, not a failed job."""
    path, _ = artifacts["shop"]
    log = tmp_path / "bytes.ndjson"
    log.write_bytes(FIXTURE.read_bytes() + b'{"url": "https://shop.example/\xff", "collect": []}\n'
                    + MISMATCH_AND_UNKNOWN_SWITCH.encode() + b"\n")
    want, want_malformed, _ = cli_audit(policyc_bin, [path], log)
    got, got_malformed, _ = spark_rows(pspark.audit(pspark.read_events(spark, [str(log)]), path.read_bytes()))
    assert got == rows(want)
    assert got_malformed == want_malformed
    assert any("not UTF-8" in m for _, m in got_malformed)
    # The last line names another policy and a switch its fallback does not declare: a mismatch row and a
    # malformed one, as the CLI reports it.
    last = len(log.read_bytes().splitlines())
    assert [v["kind"] for v in want if v["line"] == last] == ["policy_mismatch"]
    assert got_malformed[-1][0] == last and got_malformed[-1][1].endswith("which no artifact has")


def test_a_generated_log_as_ndjson_and_as_parquet(spark, policyc_bin, artifacts, tmp_path):
    shop, _ = artifacts["shop"]
    other, _ = artifacts["shopping-assistant"]
    log = tmp_path / "events.ndjson"
    expected = generate(log, policyc.Matcher.open(shop), EVENTS)
    malformed_lines = expected.pop("malformed")
    want, want_malformed, code = cli_audit(policyc_bin, [shop, other], log)
    # A short log (`POLICYC_SPARK_EVENTS=2000`) may have no malformed line seeded, and then exits 1.
    assert code == (2 if malformed_lines else 1)
    # The seeded violations, and nothing else.
    assert {(v["line"], v["kind"]): v["data"] for v in want} == expected
    assert [line for line, _ in want_malformed] == malformed_lines
    blobs = [shop.read_bytes(), other.read_bytes()]

    got, got_malformed, _ = spark_rows(pspark.audit(pspark.read_events(spark, [str(log)]), blobs))
    assert got == rows(want)
    assert got_malformed == want_malformed

    # The same events in typed columns, as a data lake stores them (malformed lines cannot be typed: dropped).
    parquet = tmp_path / "events.parquet"
    (spark.read.schema(pspark.EVENT_SCHEMA).option("mode", "DROPMALFORMED").json(str(log))
     .write.parquet(str(parquet)))
    typed = pspark.read_events(spark, [str(parquet)])
    got, got_malformed, found = spark_rows(pspark.audit(typed, blobs), line=False)
    assert got == rows(want, line=False)
    # The typed columns keep the state map, so its unknown switch is still refused, as the CLI words it.
    assert got_malformed == sorted(m for _, m in want_malformed if "dark_mode" in m)
    assert all(m.startswith("`dark_mode` is not a signal or feature of this policy; ") for m in got_malformed)
    assert all(v["file"].endswith(".parquet") and v["line"] is None for v in found)


def test_the_command_line(policyc_bin, artifacts, tmp_path):
    path, _ = artifacts["shop"]
    out = tmp_path / "violations"
    p = subprocess.run([sys.executable, "-m", "policyc.spark", str(path), str(FIXTURE), "--master", "local[1]",
                        "--output", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    assert "10 violations (7 collected_not_allowed, 2 linked_not_allowed, 1 policy_mismatch), 2 malformed" in p.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 12
    assert table.schema.names == list(pspark.VIOLATION_COLUMNS)
    assert sorted(table.column("line").to_pylist()) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 17, 17]
    p = subprocess.run([sys.executable, "-m", "policyc.spark", str(FIXTURE)], capture_output=True, text=True)
    assert p.returncode == 2 and "at least one artifact" in p.stderr


def test_typed_events_with_an_event_column_and_a_misspelt_column(spark, policyc_bin, cashback, tmp_path):
    """Parquet events with an `event` column are audited as their NDJSON lines are, partitioned or not; a
    misspelt column stops the job on the driver with the runtime's message, before any task runs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    log = tmp_path / "clicks.ndjson"
    log.write_text("".join(json.dumps(e) + "\n" for e in CLICKS))
    want, want_malformed, _ = cli_audit(policyc_bin, [cashback], log)
    table = pa.table({k: [e.get(k) for e in CLICKS] for k in ("url", "collect", "linked", "event")})
    pq.write_table(table, tmp_path / "clicks.parquet")
    typed = pspark.read_events(spark, [str(tmp_path / "clicks.parquet")])
    got, got_malformed, _ = spark_rows(pspark.audit(typed, cashback.read_bytes()), line=False)
    assert got == rows(want, line=False)
    assert got_malformed == sorted(m for _, m in want_malformed)

    # A partitioned table: Spark adds the partition column `date`, which is the table's own, not a field.
    (tmp_path / "logs" / "date=2026-12-01").mkdir(parents=True)
    pq.write_table(table, tmp_path / "logs" / "date=2026-12-01" / "part-0.parquet")
    partitioned = pspark.read_events(spark, [str(tmp_path / "logs")])
    assert "date" in partitioned.columns
    got, got_malformed, _ = spark_rows(pspark.audit(partitioned, cashback.read_bytes()), line=False)
    assert got == rows(want, line=False)
    assert got_malformed == sorted(m for _, m in want_malformed)

    pq.write_table(table.rename_columns(["url", "colect", "linked", "event"]), tmp_path / "typo.parquet")
    with pytest.raises(ValueError, match=r"^`colect` is not a field of a collection event; did you mean `collect`\?$"):
        pspark.audit(pspark.read_events(spark, [str(tmp_path / "typo.parquet")]), cashback.read_bytes())


def test_line_numbers_hold_however_spark_splits_the_files(spark, policyc_bin, artifacts, tmp_path):
    """Two logs, one of them split over dozens of tasks: every row's `line` is the line `policyc audit` names in
    that file, blank lines counted, for violations and malformed lines alike."""
    shop, _ = artifacts["shop"]
    m = policyc.Matcher.open(shop)
    logs = [tmp_path / "a.ndjson", tmp_path / "b.ndjson"]
    for seed, (log, n) in enumerate(zip(logs, (3000, 400))):
        generate(log, m, n, seed=seed)
        lines = log.read_text().splitlines()
        # Malformed lines and blank ones, far into the file, where only the lines of earlier splits number them.
        for at in (n - 5, n // 2, n // 3, 7):
            lines[at:at] = ["this is not json", ""]
        log.write_text("".join(line + "\n" for line in lines))
    previous = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16384")
    try:
        events = pspark.read_events(spark, [str(log) for log in logs])
        assert events.rdd.getNumPartitions() > 20
        found = [r.asDict() for r in pspark.audit(events, shop.read_bytes()).collect()]
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", previous)
    for log in logs:
        want, want_malformed, _ = cli_audit(policyc_bin, [shop], log)
        mine = [v for v in found if v["file"] == log.as_uri()]
        assert len(want) > 10 and len(want_malformed) >= 4
        assert rows([v for v in mine if v["kind"] != "malformed"]) == rows(want)
        assert sorted((v["line"], v["detail"]) for v in mine if v["kind"] == "malformed") == want_malformed
