"""`policyc.Auditor` finds exactly the violations `policyc audit` finds, line for line."""

import json

import pyarrow as pa
import pytest

import policyc
from conftest import ROOT, run
from eventlog import generate

FIXTURE = ROOT / "tests/fixtures/audit/shop.ndjson"


def cli_audit(binary, artifacts, log):
    p = run(binary, "audit", *artifacts, log, "--format", "json", ok=(0, 1, 2))
    violations = [json.loads(line) for line in p.stdout.splitlines()]
    malformed = sorted(
        (int(line.split(":")[0].split()[1]), line.split(": malformed: ", 1)[1])
        for line in p.stderr.splitlines() if ": malformed: " in line
    )
    return violations, malformed, p.returncode


def arrow_audit(auditor, log):
    lines = log.read_text().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = auditor.audit_arrow(pa.array(lines)).to_pylist()
    violations = [{"line": r.pop("row") + 1, **r} for r in rows if r["kind"] != "malformed"]
    malformed = sorted((r["row"] + 1, r["detail"]) for r in rows if r["kind"] == "malformed")
    return violations, malformed


def test_the_fixture_log_line_for_line(policyc_bin, artifacts):
    path, _ = artifacts["shop"]
    auditor = policyc.Auditor([path.read_bytes()])
    want, want_malformed, code = cli_audit(policyc_bin, [path], FIXTURE)
    assert code == 2 and len(want) == 10 and len(want_malformed) == 2
    got, got_malformed = arrow_audit(auditor, FIXTURE)
    assert got == want
    assert got_malformed == want_malformed
    # One line at a time, as dicts.
    line4 = FIXTURE.read_text().splitlines()[3]
    assert auditor.audit_line(line4) == [{k: v for k, v in want[0].items() if k != "line"}]
    with pytest.raises(ValueError, match="not a collection event"):
        auditor.audit_line("this is not json")


def test_a_generated_log_spanning_two_policy_versions(policyc_bin, artifacts, tmp_path):
    shop, _ = artifacts["shop"]
    other, _ = artifacts["shopping-assistant"]
    m = policyc.Matcher.open(shop)
    log = tmp_path / "log.ndjson"
    expected = generate(log, m, 20_000)
    malformed_lines = expected.pop("malformed")
    # Two artifacts: the events name the first or a hash of neither (decided with the first, as a mismatch).
    want, want_malformed, code = cli_audit(policyc_bin, [shop, other], log)
    assert code == 2
    assert {(v["line"], v["kind"]): v["data"] for v in want} == expected
    assert [line for line, _ in want_malformed] == malformed_lines
    got, got_malformed = arrow_audit(policyc.Auditor([policyc.Matcher.open(shop), other.read_bytes()]), log)
    assert got == want
    assert got_malformed == want_malformed


def test_an_auditor_needs_valid_artifacts(artifacts):
    with pytest.raises(ValueError, match="at least one artifact"):
        policyc.Auditor([])
    with pytest.raises(ValueError, match="artifact 2"):
        policyc.Auditor([artifacts["shop"][0].read_bytes(), b"junk"])
    with pytest.raises(TypeError):
        policyc.Auditor(["a string is not bytes"])


def test_events_in_typed_columns_audit_as_their_json_lines(artifacts, tmp_path):
    """`audit_columns` reads Arrow columns without JSON and finds what `audit_arrow` finds in the same events."""
    path, _ = artifacts["shop"]
    auditor = policyc.Auditor([path.read_bytes()])
    log = tmp_path / "log.ndjson"
    generate(log, policyc.Matcher.open(path), 20_000, seed=7)
    lines = [line for line in log.read_text().splitlines() if line.startswith('{"')]
    events = [json.loads(line) for line in lines]
    columns = {name: [e.get(name) for e in events] for name in ("ts", "url", "collect", "data", "linked", "region",
                                                                 "policy")}
    batch = pa.RecordBatch.from_pydict({
        **columns,
        "state": pa.array([list(e["state"].items()) for e in events], pa.map_(pa.string(), pa.bool_())),
    })
    by_columns = auditor.audit_columns(batch).to_pylist()
    by_lines = auditor.audit_arrow(pa.array(lines)).to_pylist()
    assert by_columns == by_lines
    assert sum(r["kind"] == "malformed" for r in by_columns) > 0  # the `dark_mode` events

    odd = pa.RecordBatch.from_pydict({
        "url": ["https://www.walmart.com/", None, "https://www.walmart.com/", "https://www.ebay.de/"],
        "collect": [["page_url"], None, ["page_url"], ["page_url"]],
        "data": [["page_url"], None, None, None],
        "state": pa.array([[], [], [("signed_in", None)], [("price_compare", False), ("price_compare", True)]],
                          pa.map_(pa.string(), pa.bool_())),
    })
    details = [r["detail"] for r in auditor.audit_columns(odd).to_pylist()]
    # A switch given twice is malformed, as in a JSON line: the last value must not silently win.
    assert details == ["the event has both `collect` and its old name `data`", "the event has no url",
                       "state `signed_in` is neither true nor false",
                       "switch `price_compare` is given twice in `state`"]
    with pytest.raises(TypeError, match="`url`"):
        auditor.audit_columns(pa.RecordBatch.from_pydict({"ts": ["x"]}))
    with pytest.raises(TypeError, match="`state`"):
        auditor.audit_columns(pa.RecordBatch.from_pydict({"url": ["u"], "state": [1]}))


def test_lines_the_cli_reports_are_never_dropped(policyc_bin, artifacts, tmp_path):
    """A line of Unicode spaces, and a line that is not UTF-8 (as Spark hands it over, as bytes), are malformed
    rows, as `policyc audit` reports them; only ASCII white space is a blank line."""
    path, _ = artifacts["shop"]
    auditor = policyc.Auditor([path.read_bytes()])
    lines = [b"\xc2\xa0", b"  ", b'{"url": "https://shop.example/\xff", "collect": []}']
    log = tmp_path / "log.ndjson"
    log.write_bytes(b"\n".join(lines) + b"\n")
    _, want_malformed, code = cli_audit(policyc_bin, [path], log)
    assert code == 2
    rows = auditor.audit_arrow(pa.array(lines, type=pa.binary())).to_pylist()
    got = sorted((r["row"] + 1, r["detail"]) for r in rows if r["kind"] == "malformed")
    assert got == want_malformed
    assert [n for n, _ in got] == [1, 3]
    assert "not UTF-8 (invalid byte at offset 30)" in got[1][1]
    # As text, the same: the line of no-break spaces is malformed, not skipped.
    text_rows = auditor.audit_arrow(pa.array(["\u00a0", "  "])).to_pylist()
    assert [(r["row"], r["kind"]) for r in text_rows] == [(0, "malformed")]


# A click that collects what a click may, a page view that collects what only a click may, a click that collects
# what only a page view may, and an event the policy does not declare.
CLICKS = [
    {"url": "https://shop.example/p/1", "collect": ["offer_id"], "linked": ["offer_id"], "event": "offer_click"},
    {"url": "https://shop.example/p/1", "collect": ["offer_id"], "event": None},
    {"url": "https://shop.example/p/1", "collect": ["page_url"], "event": "offer_click"},
    {"url": "https://shop.example/p/1", "collect": [], "event": "install"},
]


def test_an_event_column_means_what_the_event_field_of_a_line_means(policyc_bin, cashback, tmp_path):
    """A click stored in typed columns is audited as a click, as its NDJSON line is by `policyc audit`."""
    auditor = policyc.Auditor([cashback.read_bytes()])
    log = tmp_path / "clicks.ndjson"
    log.write_text("".join(json.dumps(e) + "\n" for e in CLICKS))
    want, want_malformed, code = cli_audit(policyc_bin, [cashback], log)
    assert code == 2
    assert [(v["line"], v["kind"], v["data"]) for v in want] == [
        (2, "collected_not_allowed", ["offer_id"]), (3, "collected_not_allowed", ["page_url"])]
    batch = pa.RecordBatch.from_pydict({k: [e.get(k) for e in CLICKS] for k in ("url", "collect", "linked", "event")})
    rows = auditor.audit_columns(batch).to_pylist()
    got = [{"line": r.pop("row") + 1, **r} for r in rows if r["kind"] != "malformed"]
    assert got == want
    assert [(r["row"] + 1, r["detail"]) for r in rows if r["kind"] == "malformed"] == want_malformed
    assert want_malformed[0][1].startswith("`install` is not an event of this policy; ")


def test_a_misspelt_column_is_refused_and_a_column_of_the_tables_own_is_not_read(cashback):
    """A misspelt column would otherwise be skipped, and `colect` audit as collecting nothing; a table's own
    columns (an id, a partition column such as `date` beside `collect`) are not fields and are left alone."""
    auditor = policyc.Auditor([cashback.read_bytes()])
    typo = pa.RecordBatch.from_pydict({"url": ["https://shop.example/p/1"], "colect": [["offer_id"]]})
    with pytest.raises(ValueError) as e:
        auditor.audit_columns(typo)
    assert str(e.value) == "`colect` is not a field of a collection event; did you mean `collect`?"
    own = {"url": ["https://shop.example/p/1"], "collect": [["offer_id"]]}
    plain = auditor.audit_columns(pa.RecordBatch.from_pydict(own)).to_pylist()
    wider = pa.RecordBatch.from_pydict({**own, "user_id": ["u1"], "date": ["2026-12-01"]})
    assert auditor.audit_columns(wider).to_pylist() == plain
    assert [r["kind"] for r in plain] == ["collected_not_allowed"], plain
    # Without `data` or `collect`, `date` may be `data` misspelt.
    no_items = pa.RecordBatch.from_pydict({"url": ["https://shop.example/p/1"], "date": ["2026-12-01"]})
    with pytest.raises(ValueError, match=r"^`date` is not a field of a collection event; did you mean `data`\?$"):
        auditor.audit_columns(no_items)


# Names a policy of none of the artifacts, and a switch the artifact it is then read with does not declare.
MISMATCH_AND_UNKNOWN_SWITCH = json.dumps(
    {"url": "https://www.walmart.com/", "state": {"dark_mode": True}, "policy": "f" * 64})


def test_a_line_its_fallback_artifact_cannot_read_keeps_its_mismatch(policyc_bin, artifacts, tmp_path):
    """The mismatch is a violation row, as `policyc audit` prints it, and the malformed row's reason says which
    artifact read the line and why; `audit_line` raises with that reason."""
    path, _ = artifacts["shop"]
    auditor = policyc.Auditor([path.read_bytes()])
    log = tmp_path / "log.ndjson"
    log.write_text(MISMATCH_AND_UNKNOWN_SWITCH + "\n")
    want, want_malformed, code = cli_audit(policyc_bin, [path], log)
    assert code == 2
    assert [(v["line"], v["kind"]) for v in want] == [(1, "policy_mismatch")]
    (line, reason), = want_malformed
    assert reason.endswith(f"because the event names policy {'f' * 64}, which no artifact has")
    assert reason.startswith("`dark_mode` is not a signal or feature of this policy; ")
    got, got_malformed = arrow_audit(auditor, log)
    assert got == want
    assert got_malformed == want_malformed
    with pytest.raises(ValueError) as e:
        auditor.audit_line(MISMATCH_AND_UNKNOWN_SWITCH)
    assert str(e.value) == reason


def violation_schema():
    import jsonschema

    schema = json.loads((ROOT / "schemas/violation.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_cli_s_lines_and_the_table_s_rows_follow_the_violation_schema(policyc_bin, artifacts, tmp_path):
    """`policyc audit --format json`'s lines, and `audit_arrow`'s rows with their malformed ones (`row` read as
    `line`), of the fixture and of a line that is both a mismatch and malformed."""
    path, _ = artifacts["shop"]
    validator = violation_schema()
    log = tmp_path / "log.ndjson"
    log.write_text(FIXTURE.read_text() + MISMATCH_AND_UNKNOWN_SWITCH + "\n")
    p = run(policyc_bin, "audit", path, log, "--format", "json", ok=(2,))
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    rows = policyc.Auditor([path.read_bytes()]).audit_arrow(pa.array(log.read_text().splitlines())).to_pylist()
    rows = [{"line": r.pop("row") + 1, **r} for r in rows]
    assert sum(r["kind"] == "malformed" for r in rows) == 3
    for record in lines + rows:
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, (record, errors)
    # The schema is not one that anything passes: a malformed row names no URL, a violation always one.
    assert not validator.is_valid({**rows[0], "kind": "malformed"})
    assert not validator.is_valid({**next(r for r in rows if r["kind"] == "malformed"), "kind": "policy_mismatch"})


def test_a_blank_line_has_no_violations_in_every_engine(policyc_bin, artifacts, tmp_path):
    """`audit_line` skips a blank line as `policyc audit` and `audit_arrow` do, so that a log fed to it line by line
    gives what the CLI gives; a line of no-break spaces is not blank, and is malformed in all of them."""
    path, _ = artifacts["shop"]
    auditor = policyc.Auditor([path.read_bytes()])
    blank = ["", " ", "\t", "  \t ", "\r"]
    line4 = FIXTURE.read_text().splitlines()[3]
    log = tmp_path / "log.ndjson"
    log.write_text("\n".join(blank[:-1] + [line4]) + "\n")
    want, want_malformed, code = cli_audit(policyc_bin, [path], log)
    assert (code, want_malformed) == (1, []) and len(want) == 1
    for line in blank:
        assert auditor.audit_line(line) == []
    assert auditor.audit_line(line4) == [{k: v for k, v in want[0].items() if k != "line"}]
    assert auditor.audit_arrow(pa.array(blank)).num_rows == 0
    with pytest.raises(ValueError, match="not a collection event|JSON"):
        auditor.audit_line("\u00a0")


def test_one_artifact_needs_no_list(artifacts):
    """`Auditor(artifact)` is the audit of that one policy, as `policyc audit ARTIFACT LOG` and
    `policyc.spark.audit(df, artifact)` take it, whether the artifact is given as bytes or as a Matcher."""
    path, _ = artifacts["shop"]
    data = path.read_bytes()
    line4 = FIXTURE.read_text().splitlines()[3]
    want = policyc.Auditor([data]).audit_line(line4)
    assert want
    for one in (data, bytearray(data), memoryview(data), policyc.Matcher.open(path)):
        auditor = policyc.Auditor(one)
        assert auditor.policy_hashes == [policyc.Matcher.open(path).policy_hash]
        assert auditor.audit_line(line4) == want
    # What is not an artifact says what is expected, and what it was given.
    with pytest.raises(TypeError, match="not a path: load it with policyc.Matcher.open"):
        policyc.Auditor(str(path))
    with pytest.raises(TypeError, match="Auditor takes a list of artifacts .* not `int`"):
        policyc.Auditor(42)
    with pytest.raises(TypeError, match="not as `str`"):
        policyc.Auditor([data, str(path)])
    with pytest.raises(ValueError, match="^artifact is truncated|^not a policyc matcher artifact"):
        policyc.Auditor(b"junk")


def test_an_event_that_links_what_it_does_not_collect_is_malformed_in_every_engine(policyc_bin, artifacts, tmp_path):
    """The record is at odds with itself whatever the policy: the runtime's auditor refuses it for every engine."""
    path, _ = artifacts["shop"]
    auditor = policyc.Auditor([path.read_bytes()])
    event = {"url": "https://www.walmart.com/ip/1", "collect": [], "linked": ["page_url"]}
    line = json.dumps(event)
    log = tmp_path / "log.ndjson"
    log.write_text(line + "\n")
    want, want_malformed, code = cli_audit(policyc_bin, [path], log)
    assert (code, want) == (2, [])
    reason = want_malformed[0][1]
    assert reason.startswith("`page_url` is in `linked` but not in `collect`")
    with pytest.raises(ValueError, match="is in `linked` but not in `collect`"):
        auditor.audit_line(line)
    rows = auditor.audit_arrow(pa.array([line])).to_pylist()
    assert [(r["kind"], r["detail"]) for r in rows] == [("malformed", reason)]
    batch = pa.RecordBatch.from_pydict({
        "url": [event["url"]],
        "collect": pa.array([[]], pa.list_(pa.string())),
        "linked": pa.array([["page_url"]], pa.list_(pa.string())),
    })
    rows = auditor.audit_columns(batch).to_pylist()
    assert [(r["kind"], r["detail"]) for r in rows] == [("malformed", reason)]
