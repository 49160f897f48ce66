//! The review tools' audit: a realistic log with seeded violations of every kind; the audit finds each of them
//! and nothing else.

mod common;

use policyc::audit::{audit_line, Kind};
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use std::path::Path;
use std::process::Command;

const LOG: &str = "tests/fixtures/audit/shop.ndjson";

fn artifact() -> Vec<u8> {
    let policy = common::check_path(Path::new("tests/fixtures/audit/shop.policy")).checked.policy.unwrap();
    compile(&policy, &Limits::default()).unwrap()
}

#[test]
fn finds_every_seeded_violation_and_nothing_else() {
    let bytes = artifact();
    let m = Matcher::from_bytes(&bytes).unwrap();
    let log = std::fs::read_to_string(LOG).unwrap();
    // The fixture was collected under this exact policy: its lines name the policy's hash.
    assert!(log.contains(&m.policy_hash()), "the audit fixture policy changed; regenerate the log's hashes");
    let mut found = Vec::new();
    let mut malformed = Vec::new();
    for (i, line) in log.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match audit_line(&m, i as u64 + 1, line) {
            Ok(vs) => found.extend(vs.into_iter().map(|v| (v.line, v.kind, v.data))),
            Err(e) => malformed.push(e.line),
        }
    }
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    use Kind::*;
    let expected = vec![
        (4, CollectedNotAllowed, s(&["page_url"])),      // a bank: `never` wins
        (5, CollectedNotAllowed, s(&["product_price"])), // prices off a product page
        (6, LinkedNotAllowed, s(&["page_url"])),         // linked while not signed in
        (7, CollectedNotAllowed, s(&["page_url"])),      // collected with the feature switched off
        (8, PolicyMismatch, s(&[])),                     // another policy's hash
        (9, CollectedNotAllowed, s(&["email"])),         // a data item the policy does not know
        (12, CollectedNotAllowed, s(&["page_url"])),     // an IP-address host
        (14, CollectedNotAllowed, s(&["page_url"])),     // a private-section suffix, not `ebay.*`
        (17, CollectedNotAllowed, s(&["page_title"])),   // a near miss of a listed domain
        (17, LinkedNotAllowed, s(&["page_title"])),
    ];
    assert_eq!(found, expected);
    assert_eq!(malformed, [10, 11], "not JSON; an unknown state name");
}

#[test]
fn cli_reports_json_counts_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    let run = |log: &Path, format: &str| {
        Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(["audit", artifact_path.to_str().unwrap(), log.to_str().unwrap(), "--format", format])
            .output()
            .unwrap()
    };
    let o = run(Path::new(LOG), "json");
    assert_eq!(o.status.code(), Some(2), "malformed lines make the exit code 2");
    let lines: Vec<serde_json::Value> =
        String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 10);
    for v in &lines {
        for key in ["line", "url", "kind", "detail"] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
    }
    assert_eq!(lines[0]["kind"], "collected_not_allowed");
    assert!(lines[0]["detail"].as_str().unwrap().contains("never 1"));
    // A link violation names the rule whose link clause did not hold, so that the auditor sees which condition.
    let linked = lines.iter().find(|v| v["kind"] == "linked_not_allowed" && v["line"] == 6).unwrap();
    assert!(
        linked["detail"].as_str().unwrap().ends_with(
            "`page_url`: `collect 1` at shop.policy:21 links it only when assistant_active \
             and signed_in, which does not hold here"
        ),
        "{linked}"
    );
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("line 10: malformed") && err.contains("line 11: malformed"), "{err}");
    assert!(err.contains("10 violations (7 collected_not_allowed, 2 linked_not_allowed, 1 policy_mismatch)"), "{err}");

    // Without the malformed lines: violations give exit 1; a clean log gives 0.
    let log = std::fs::read_to_string(LOG).unwrap();
    let wellformed: String =
        log.lines().filter(|l| l.starts_with('{') && !l.contains("dark_mode")).map(|l| format!("{l}\n")).collect();
    let p = dir.path().join("wellformed.ndjson");
    std::fs::write(&p, &wellformed).unwrap();
    assert_eq!(run(&p, "text").status.code(), Some(1));
    let clean: String = wellformed.lines().take(3).map(|l| format!("{l}\n")).collect();
    let p = dir.path().join("clean.ndjson");
    std::fs::write(&p, clean).unwrap();
    let o = run(&p, "text");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
}

fn schema(path: &str) -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is valid")
}

#[test]
fn the_log_and_the_violations_follow_their_schemas() {
    let events = schema("schemas/event.schema.json");
    let log = std::fs::read_to_string(LOG).unwrap();
    let mut checked = 0;
    for line in log.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(events.is_valid(&v), "{line}");
        checked += 1;
    }
    assert_eq!(checked, 15);
    // The old name and the new one are both events; both at once is not, for the schema as for the audit.
    let both: serde_json::Value = serde_json::json!({"url": "https://a.example/", "collect": [], "data": []});
    assert!(!events.is_valid(&both));
    assert!(!events.is_valid(&serde_json::json!({"url": "https://a.example/", "collected": []})));

    let violations = schema("schemas/violation.schema.json");
    let bytes = artifact();
    let m = Matcher::from_bytes(&bytes).unwrap();
    let mut n = 0;
    for (i, line) in log.lines().enumerate() {
        for v in audit_line(&m, i as u64 + 1, line).unwrap_or_default() {
            let json = serde_json::to_value(&v).unwrap();
            assert!(violations.is_valid(&json), "{json}");
            n += 1;
        }
    }
    assert_eq!(n, 10);
    assert!(!violations.is_valid(&serde_json::json!({"line": 1, "url": "u", "kind": "other"})));
    // A violation names its event and policy; a malformed row of the Python and Spark tables names neither, as
    // the line it stands for could not be read. (bindings/python/tests validates those tables' real rows.)
    let hash = m.policy_hash();
    let row = |kind: &str, url: serde_json::Value, policy: serde_json::Value| serde_json::json!({"line": 3, "ts": null, "url": url, "kind": kind, "data": [], "detail": "d", "policy": policy});
    assert!(violations.is_valid(&row("policy_mismatch", "u".into(), hash.as_str().into())));
    assert!(!violations.is_valid(&row("policy_mismatch", serde_json::Value::Null, hash.as_str().into())));
    assert!(violations.is_valid(&row("malformed", serde_json::Value::Null, serde_json::Value::Null)));
    assert!(!violations.is_valid(&row("malformed", "u".into(), serde_json::Value::Null)));
}

/// The fixture policy with `product_price` allowed on every retail site: a second version of the policy.
fn artifact_v2() -> Vec<u8> {
    let text = std::fs::read_to_string("tests/fixtures/audit/shop.policy")
        .unwrap()
        .replace("version    \"1\"", "version    \"2\"")
        .replace("on product_pages when", "on retail when");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("shop-v2.policy");
    std::fs::write(&p, text).unwrap();
    compile(&common::check_path(&p).checked.policy.unwrap(), &Limits::default()).unwrap()
}

#[test]
fn cli_audits_a_log_that_spans_policy_versions() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (artifact(), artifact_v2());
    let (h1, h2) = (Matcher::from_bytes(&v1).unwrap().policy_hash(), Matcher::from_bytes(&v2).unwrap().policy_hash());
    assert_ne!(h1, h2);
    let p1 = dir.path().join("v1.matcher");
    let p2 = dir.path().join("v2.matcher");
    std::fs::write(&p1, &v1).unwrap();
    std::fs::write(&p2, &v2).unwrap();
    // Prices off a cart page: a violation under version 1, allowed under version 2. `collect` and its old name
    // `data` are read alike.
    let cart = |field: &str, policy: &str| {
        format!(
            r#"{{"url": "https://www.walmart.com/cart", "{field}": ["page_url", "product_price"], "policy": "{policy}"}}"#
        )
    };
    let unknown = "f".repeat(64);
    let log = [cart("collect", &h1), cart("data", &h2), cart("collect", &h2), cart("data", &unknown)].join("\n");
    let log_path = dir.path().join("log.ndjson");
    std::fs::write(&log_path, log + "\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", p1.to_str().unwrap(), p2.to_str().unwrap(), log_path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let found: Vec<(u64, String, String)> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (v["line"].as_u64().unwrap(), v["kind"].as_str().unwrap().into(), v["policy"].as_str().unwrap().into())
        })
        .collect();
    let s = |k: &str, h: &str| (k.to_string(), h.to_string());
    let expected: Vec<(u64, String, String)> = [
        (1, s("collected_not_allowed", &h1)),
        // Lines 2 and 3 name version 2, which allows them.
        (4, s("policy_mismatch", &h1)),
        (4, s("collected_not_allowed", &h1)),
    ]
    .into_iter()
    .map(|(l, (k, h))| (l, k, h))
    .collect();
    assert_eq!(found, expected);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains(&format!("against policies {h1}, {h2}: 3 violations")), "{err}");

    // With version 1 alone, the lines naming version 2 are mismatches decided with version 1.
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", p1.to_str().unwrap(), log_path.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("7 violations (4 collected_not_allowed, 3 policy_mismatch)"), "{err}");

    // One path is not enough: the log is missing.
    let o = Command::new(env!("CARGO_BIN_EXE_policyc")).args(["audit", p1.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// `audit --jobs N` audits on N threads and reports exactly what one thread reports, in the log's order, with
/// the same line numbers, summary and exit code.
#[test]
fn cli_audits_on_many_threads_as_on_one() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    // The fixture 2,000 times over: many chunks per thread, violations and malformed lines throughout.
    let log = std::fs::read_to_string(LOG).unwrap().repeat(2_000);
    let p = dir.path().join("big.ndjson");
    std::fs::write(&p, log).unwrap();
    let run = |jobs: &str, format: &str| {
        Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(["audit", artifact_path.to_str().unwrap(), p.to_str().unwrap(), "--format", format, "--jobs", jobs])
            .output()
            .unwrap()
    };
    for format in ["json", "text"] {
        let one = run("1", format);
        assert_eq!(one.status.code(), Some(2));
        assert!(one.stdout.iter().filter(|b| **b == b'\n').count() == 20_000, "10 violations per copy");
        for jobs in ["2", "4"] {
            let many = run(jobs, format);
            assert_eq!(many.status.code(), one.status.code());
            assert!(many.stdout == one.stdout, "--jobs {jobs} --format {format}: other output than one thread");
            assert!(many.stderr == one.stderr, "--jobs {jobs}: other malformed lines or summary");
        }
    }
}

#[test]
fn cli_names_swapped_arguments_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    // A log without the `.ndjson` name still reads as one by its first line.
    let log_path = dir.path().join("collected.log");
    std::fs::copy(LOG, &log_path).unwrap();
    let run = |args: [&Path; 2]| Command::new(env!("CARGO_BIN_EXE_policyc")).arg("audit").args(args).output().unwrap();
    for (args, what) in [
        ([log_path.as_path(), artifact_path.as_path()], "collected.log` is a collection log, not an artifact"),
        ([artifact_path.as_path(), artifact_path.as_path()], "shop.matcher` is an artifact, not a collection log"),
    ] {
        let o = run(args);
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "one line, no syntax error dump: {err}");
        assert!(err.contains(what) && err.contains("the log comes last"), "{err}");
        assert!(o.stdout.is_empty());
    }
    // The right order still audits.
    let o = run([artifact_path.as_path(), log_path.as_path()]);
    assert_eq!(o.status.code(), Some(2), "the fixture has malformed lines");
    assert!(!o.stdout.is_empty());
}

/// Text output is one violation a line, whatever a URL in the log holds: a line break in it cannot forge a line.
#[test]
fn cli_text_output_cannot_be_forged_by_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    let log = dir.path().join("forged.ndjson");
    std::fs::write(
        &log,
        "{\"url\": \"https://unknown.example/\\nline 2: collected_not_allowed: forged\", \"collect\": [\"page_url\"]}\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", artifact_path.to_str().unwrap(), log.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(r"https://unknown.example/\nline 2"), "{out}");
}

/// A reader that stops reading (`policyc audit … | head -1`) leaves the rest of the log unaudited: the exit code
/// is not 0, which would tell a script under `pipefail` that the log is clean.
#[test]
fn cli_audit_cut_short_by_its_reader_does_not_exit_clean() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    let log = dir.path().join("many.ndjson");
    let line = "{\"url\": \"https://unknown.example/\", \"collect\": [\"page_url\"]}\n";
    std::fs::write(&log, line.repeat(50_000)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", artifact_path.to_str().unwrap(), log.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed here, as `head` closes it.
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the rest of the log was not audited"));

    // A malformed line read before the reader went away makes it 2, as it does at the end of a log.
    std::fs::write(&log, format!("not json\n{}", line.repeat(50_000))).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", artifact_path.to_str().unwrap(), log.to_str().unwrap(), "-j", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 1: malformed") && err.contains("the rest of the log was not audited"), "{err}");
    assert_eq!(o.status.code(), Some(2), "{err}");
}

/// Output that cannot be written (a full disk) is an error that names the cause, with exit code 2, in both
/// formats: for a short log whose violations all wait in the buffer until the end, and for a long one that fails
/// mid-stream (which is no reader closing the pipe).
#[test]
#[cfg(target_os = "linux")]
fn cli_audit_output_that_cannot_be_written_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    let long = dir.path().join("many.ndjson");
    let line = "{\"url\": \"https://unknown.example/\", \"collect\": [\"page_url\"]}\n";
    std::fs::write(&long, line.repeat(5_000)).unwrap();
    for log in [LOG, long.to_str().unwrap()] {
        for format in ["text", "json"] {
            let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
            let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
                .args(["audit", artifact_path.to_str().unwrap(), log, "--format", format])
                .stdout(full)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{log} {format}: {err}");
            assert!(err.contains("error: cannot write to standard output: No space left on device"), "{err}");
            assert!(!err.contains("the output was closed") && !err.contains("audited "), "{log} {format}: {err}");
        }
    }
}

/// `policyc audit --help` says what its exit codes mean, as `audit_log` returns them.
#[test]
fn cli_help_names_the_exit_codes() {
    let o = Command::new(env!("CARGO_BIN_EXE_policyc")).args(["audit", "--help"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8(o.stdout).unwrap();
    let codes = &help[help.find("Exit codes:").unwrap_or_else(|| panic!("no exit codes in {help}"))..];
    for (code, meaning) in [
        ("0", "the whole log was audited: no violation, no malformed line"),
        ("1", "violations"),
        ("2", "a malformed line"),
    ] {
        assert!(codes.contains(&format!("  {code}  {meaning}")), "{codes}");
    }
}

/// A line that names a policy of none of the artifacts and a switch the fallback artifact does not declare is
/// both: its mismatch is a violation like any other, and the line is malformed, with a reason that says which
/// artifact read it and why.
#[test]
fn cli_keeps_the_mismatch_of_a_line_its_fallback_artifact_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = artifact();
    let hash = Matcher::from_bytes(&bytes).unwrap().policy_hash();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, &bytes).unwrap();
    let other = "f".repeat(64);
    let log = dir.path().join("log.ndjson");
    std::fs::write(
        &log,
        format!(
            "{{\"url\": \"https://www.walmart.com/\", \"state\": {{\"dark_mode\": true}}, \"policy\": \"{other}\"}}\n"
        ),
    )
    .unwrap();
    for format in ["json", "text"] {
        let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(["audit", artifact_path.to_str().unwrap(), log.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let out = String::from_utf8(o.stdout).unwrap();
        let err = String::from_utf8(o.stderr).unwrap();
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
            assert_eq!((v["line"].as_u64(), v["kind"].as_str()), (Some(1), Some("policy_mismatch")), "{out}");
        } else {
            assert!(out.starts_with("line 1: policy_mismatch: https://www.walmart.com/: "), "{out}");
        }
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(err.contains("line 1: malformed: `dark_mode` is not a signal or feature of this policy; "), "{err}");
        assert!(
            err.contains(&format!(
                "; read with policy {hash} because the event names policy {other}, which no artifact has"
            )),
            "{err}"
        );
        assert!(err.contains("1 violation (1 policy_mismatch), 1 malformed line"), "{err}");
    }
}

/// What a malformed line says when several artifacts are audited: which policy it was read with, a link the
/// record contradicts, and both names of `collect`.
#[test]
fn cli_malformed_lines_say_what_is_wrong_and_with_which_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (artifact(), artifact_v2());
    let h2 = Matcher::from_bytes(&v2).unwrap().policy_hash();
    let p1 = dir.path().join("v1.matcher");
    let p2 = dir.path().join("v2.matcher");
    std::fs::write(&p1, &v1).unwrap();
    std::fs::write(&p2, &v2).unwrap();
    let log = [
        format!(r#"{{"url": "https://www.walmart.com/", "state": {{"beta": true}}, "policy": "{h2}"}}"#),
        format!(r#"{{"url": "https://www.walmart.com/", "collect": [], "linked": ["page_url"], "policy": "{h2}"}}"#),
        format!(r#"{{"url": "https://www.walmart.com/", "collect": [], "data": [], "policy": "{h2}"}}"#),
    ]
    .join("\n");
    let log_path = dir.path().join("log.ndjson");
    std::fs::write(&log_path, log + "\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", p1.to_str().unwrap(), p2.to_str().unwrap(), log_path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8(o.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[..3],
        [
            format!(
                "line 1: malformed: `beta` is not a signal or feature of this policy; its signals and features are \
                 `assistant_active`, `signed_in`, `price_compare`; read with policy {h2}, which the event names"
            ),
            "line 2: malformed: `page_url` is in `linked` but not in `collect`: an event links only data it \
             collects, so list it in both or in neither"
                .to_string(),
            "line 3: malformed: not a collection event: the event has both `collect` and its old name `data`"
                .to_string(),
        ],
        "{err}"
    );
}

/// The 1 MiB limit is on a line's content: a line of exactly 1 MiB is audited whether `\n` or `\r\n` ends it or
/// the log does, and one byte more is malformed however it ends.
#[test]
fn cli_line_limit_leaves_out_the_line_break() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    let event = |len: usize| {
        let head = r#"{"url": "https://www.walmart.com/ip/1", "ts": ""#;
        let line = format!("{head}{}\"}}", "a".repeat(len - head.len() - 2));
        assert_eq!(line.len(), len);
        line
    };
    let (max, over) = (event(1 << 20), event((1 << 20) + 1));
    let log = format!("{max}\n{max}\r\n{over}\n{over}\r\n{over}\n{max}");
    let log_path = dir.path().join("log.ndjson");
    std::fs::write(&log_path, log).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", artifact_path.to_str().unwrap(), log_path.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    let malformed: Vec<&str> = err.lines().filter(|l| l.contains("malformed:")).collect();
    assert_eq!(malformed, [3, 4, 5].map(|n| format!("line {n}: malformed: the line is longer than 1 MiB")), "{err}");
    assert!(err.contains("audited 3 events"), "{err}");
    // The same line as the last one, without a line break after it, is too long too.
    std::fs::write(&log_path, &over).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["audit", artifact_path.to_str().unwrap(), log_path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8(o.stderr).unwrap().contains("line 1: malformed: the line is longer than 1 MiB"));
}

/// `audit --help` says what a clean audit does not show: when each artifact was live, and collection from a
/// source, which a log line cannot express.
#[test]
fn cli_help_says_what_the_audit_does_not_check() {
    let o = Command::new(env!("CARGO_BIN_EXE_policyc")).args(["audit", "--help"]).output().unwrap();
    let help = String::from_utf8(o.stdout).unwrap();
    let not_checked = &help[help.find("Not checked:").unwrap_or_else(|| panic!("nothing said in {help}"))..];
    assert!(not_checked.contains("`ts` is compared with nothing"), "{help}");
    assert!(not_checked.contains("collection from a source (`collect ... from SOURCE`"), "{help}");
    assert!(not_checked.contains("check it with `policyc sources`"), "{help}");
    let docs = std::fs::read_to_string("docs/audit.md").unwrap();
    assert!(docs.contains("## What the audit does not check"));
}

/// A log or an artifact given as a pipe (`/dev/stdin`, `<(…)`, a FIFO) can be read once only: telling logs from
/// artifacts by a look at their head must not take that head away from the audit.
#[test]
fn cli_audits_a_log_and_reads_an_artifact_given_as_pipes() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("shop.matcher");
    std::fs::write(&artifact_path, artifact()).unwrap();
    let log = "{\"url\": \"https://www.walmart.com/ip/1\", \"collect\": [\"page_url\"]}\n\
               {\"url\": \"https://www.chase.com/\", \"collect\": [\"page_url\"]}\n";
    let run = |args: &[&str], stdin: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .arg("audit")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    };
    // The log on a pipe: both lines are audited, the first one whole.
    let o = run(&[artifact_path.to_str().unwrap(), "/dev/stdin"], log.as_bytes());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(!err.contains("malformed"), "{err}");
    assert!(err.contains("audited 2 events"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
    // The artifact on a pipe: read whole, so it loads.
    let log_path = dir.path().join("log.ndjson");
    std::fs::write(&log_path, log).unwrap();
    let o = run(&["/dev/stdin", log_path.to_str().unwrap()], &artifact());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("audited 2 events"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
}
