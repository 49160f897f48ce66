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
