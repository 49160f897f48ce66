"""Audit throughput per core, for BENCHMARKS.md: `policyc audit`, the package's Arrow calls, and the Spark job in
local mode over Parquet, on one generated log, in one run.

    python bindings/python/bench/audit_bench.py --events 10000000 --policyc target/release/policyc

It compiles the audit fixture policy, writes the log (seeded violations, as the tests use), converts it to Parquet
with Spark, and prints one row per engine. Spark runs `local[1]`, so its events/s is per core; the bare runtime's
figure comes from `cargo run --release -p policyc-runtime --example audit_throughput`.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "tests"))

import pyarrow as pa  # noqa: E402

import policyc  # noqa: E402
from eventlog import generate  # noqa: E402


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--policyc", default=str(ROOT / "target/release/policyc"))
    p.add_argument("--no-spark", action="store_true")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policyc-bench-"))
    try:
        run(args, work)
    finally:
        # The log of ten million events is 2.5 GB.
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path):
    subprocess.run([args.policyc, "compile", ROOT / "tests/fixtures/audit/shop.policy", "-o", work], check=True,
                   capture_output=True)
    (artifact,) = work.glob("*.matcher")  # named after the policy's id
    m = policyc.Matcher.open(artifact)
    log = work / "events.ndjson"
    _, gen = timed(lambda: generate(log, m, args.events))
    print(f"generated {args.events} events in {gen:.1f} s ({log.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)
    n = args.events
    rows = []

    with open(os.devnull, "w") as null:
        _, cli = timed(lambda: subprocess.run([args.policyc, "audit", artifact, log, "--format", "json"],
                                              stdout=null, stderr=subprocess.DEVNULL))
    rows.append(("policyc audit (CLI, NDJSON file to stdout)", n / cli))

    runtime = subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "policyc-runtime", "--example",
                              "audit_throughput", "--", artifact, log], cwd=ROOT, capture_output=True, text=True)
    print(runtime.stdout.strip() or runtime.stderr.strip(), file=sys.stderr)

    # Batches of a million lines, as a reader hands them over (one array holds at most 2 GiB of strings).
    text = log.read_text().splitlines()
    batches = [pa.array(text[i:i + 1_000_000], pa.string()) for i in range(0, len(text), 1_000_000)]
    del text
    auditor = policyc.Auditor([artifact.read_bytes()])
    _, t = timed(lambda: [auditor.audit_arrow(b) for b in batches])
    rows.append(("Auditor.audit_arrow (lines in memory)", n / t))
    import json

    def url(line):
        try:
            return json.loads(line)["url"]
        except ValueError:
            return None

    urls = [pa.array([url(line) for line in b.to_pylist()], pa.string()) for b in batches]
    del batches
    _, t = timed(lambda: [m.decide_arrow(u) for u in urls])
    rows.append(("Matcher.decide_arrow (URLs in memory)", sum(len(u) for u in urls) / t))
    print(rows, file=sys.stderr)

    if not args.no_spark:
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

        from policyc import spark as pspark

        spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "4g").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        # Spark's own conversion first: it is not part of the audit.
        parquet = str(work / "events.parquet")
        (spark.read.schema(pspark.EVENT_SCHEMA).option("mode", "DROPMALFORMED").json(str(log))
         .write.parquet(parquet))
        events = spark.read.parquet(parquet)
        blob = artifact.read_bytes()
        sink = lambda df: df.write.format("noop").mode("overwrite").save()  # noqa: E731

        def best(f):
            # The faster of two runs: the first also warms up the JVM's JIT and the Python workers.
            return min(timed(f)[1], timed(f)[1])

        t = best(lambda: sink(pspark.audit(events, blob)))
        rows.append(("Spark local[1], Parquet, audit (typed columns, mapInArrow)", n / t))
        # Spark's floor: reading the columns into Python workers as Arrow batches and back, auditing nothing.
        t = best(lambda: sink(events.mapInArrow(lambda it: (b.slice(0, 0) for b in it), events.schema)))
        rows.append(("Spark local[1], Parquet, mapInArrow doing nothing", n / t))
        text = pspark.read_events(spark, [str(log)])
        t = best(lambda: sink(pspark.audit(text, blob)))
        rows.append(("Spark local[1], NDJSON as text, audit", n / t))
        spark.stop()

    print(f"| engine ({n:,} events) | events/s per core |\n|---|---|")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
