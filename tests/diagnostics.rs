//! Stage 2, checking: one fixture per diagnostic code, named after the code, with its rendering as a
//! snapshot. A new code without a fixture fails `every_code_has_a_fixture`.

mod common;

use policyc::diagnostic::JsonDiagnostic;
use policyc::Code;
use std::collections::BTreeSet;

fn fixture_code(path: &std::path::Path) -> String {
    path.file_name().unwrap().to_str().unwrap()[..5].to_string()
}

#[test]
fn each_fixture_reports_its_code() {
    insta::glob!("fixtures/diagnostics/*.{policy,yaml}", |path| {
        let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        // A fixture may come with a list for `check --sensitive` and with limits, in files named after it.
        let mut options = policyc::CheckOptions::default();
        let sensitive = rel.with_extension("sensitive.txt");
        if let Ok(list) = std::fs::read_to_string(&sensitive) {
            options.sensitive.push((sensitive.display().to_string(), list));
        }
        if let Ok(limits) = std::fs::read_to_string(rel.with_extension("limits.txt")) {
            for line in limits.lines().filter(|l| !l.starts_with('#')) {
                if let Some(n) = line.strip_prefix("max_patterns ") {
                    options.limits.max_patterns = n.trim().parse().unwrap();
                }
            }
        }
        let text = std::fs::read_to_string(rel).unwrap();
        let mut loader = common::DirLoader(rel.parent().unwrap().into());
        let result = policyc::check_source(&rel.display().to_string(), &text, &mut loader, options);
        let code = fixture_code(path);
        let d = &result.checked.diagnostics;
        assert!(d.iter().any(|d| d.code.as_str() == code), "{} does not report {code}: {d:#?}", rel.display());
        for diag in d {
            assert!(diag.help.is_some(), "every diagnostic has a help line: {diag:?}");
            let first = diag.message.chars().next().unwrap();
            assert!(!first.is_uppercase(), "messages are lowercase: {}", diag.message);
            assert!(!diag.message.contains('\n'), "messages are one line: {}", diag.message);
        }
        // Warnings alone never make a policy fail.
        assert_eq!(result.checked.has_errors(), code.starts_with('E'), "{d:#?}");
        let json: Vec<JsonDiagnostic> = d.iter().map(|x| JsonDiagnostic::new(x, &result.sources)).collect();
        insta::assert_snapshot!(format!(
            "{}\n---- json ----\n{}",
            common::render(&result),
            serde_json::to_string_pretty(&json).unwrap()
        ));
    });
}

#[test]
fn every_code_has_a_fixture() {
    let fixtures: BTreeSet<String> = std::fs::read_dir("tests/fixtures/diagnostics")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file() && !e.path().to_string_lossy().ends_with(".txt"))
        .map(|e| fixture_code(&e.path()))
        .collect();
    let missing: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).filter(|c| !fixtures.contains(*c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string("docs/diagnostics.md").unwrap();
    for code in Code::ALL {
        let row = format!("| `{}` |", code.as_str());
        assert!(doc.contains(&row), "docs/diagnostics.md does not list {code}");
        assert!(doc.contains(code.summary()), "docs/diagnostics.md has an old summary for {code}");
    }
}

#[test]
fn all_problems_are_reported_in_one_run_sorted_by_position() {
    let text = std::fs::read_to_string("tests/fixtures/diagnostics/E0002-undefined-data.policy").unwrap()
        + "collect page_url on shps for analytcs\nexpect \"https://x.example/\" collects nothin_g\n";
    let out = policyc::check_source("many.policy", &text, &mut policyc::NoLists, Default::default());
    let d = &out.checked.diagnostics;
    let codes: Vec<&str> = d.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.iter().filter(|c| **c == "E0002").count() >= 3, "{codes:?}");
    assert!(codes.contains(&"E0009") && codes.contains(&"E0012"), "{codes:?}");
    let starts: Vec<usize> = d.iter().map(|d| d.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    let typo = d.iter().find(|d| d.message.contains("`shps`")).unwrap();
    assert_eq!(typo.help.as_deref(), Some("did you mean `shops`?"));
}

#[test]
fn strict_lists_turn_skipped_entries_into_errors() {
    let path = std::path::Path::new("tests/fixtures/diagnostics/W0007-bad-list-entry.policy");
    let text = std::fs::read_to_string(path).unwrap();
    let mut loader = common::DirLoader(path.parent().unwrap().into());
    let lenient = policyc::check_source("p.policy", &text, &mut loader, Default::default());
    let p = lenient.checked.policy.expect("warnings do not stop the check");
    let shops: Vec<String> = p.site_category("shops").unwrap().patterns.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        shops,
        ["shop.example", "shop-two.example", "shop-three.example"],
        "bad entries are skipped, good ones kept"
    );
    let strict = policyc::check_source(
        "p.policy",
        &text,
        &mut loader,
        policyc::CheckOptions { strict_lists: true, ..Default::default() },
    );
    assert!(strict.checked.has_errors());
    assert_eq!(strict.checked.diagnostics.iter().filter(|d| d.is_error()).count(), 2);
}

/// `never collect DATA` is checked against every source of data: a collect rule (the fixture of E0050) and an
/// incentive asking for the item in exchange, each reported where the item is named, with the promise.
#[test]
fn a_promise_not_to_collect_is_checked_against_incentives() {
    let text = std::fs::read_to_string("tests/fixtures/diagnostics/E0050-collects-promised-data.policy")
        .unwrap()
        .replace("collect page_url, card_number on", "collect page_url on")
        + "incentive credit region US en \"a credit\" in exchange for page_url, card_number value en \"US$3 per user\" \
           method en \"revenue per user\" opt in en \"accept the offer\" withdraw en \"uninstall\"\n";
    let out = policyc::check_source("promise.policy", &text, &mut policyc::NoLists, Default::default());
    let d: Vec<_> = out.checked.diagnostics.iter().filter(|d| d.code == Code::CollectsPromisedData).collect();
    assert_eq!(d.len(), 1, "{:#?}", out.checked.diagnostics);
    assert_eq!(d[0].message, "incentive `credit` collects `card_number`, which the policy promises never to collect");
    let file = out.sources.get(d[0].span.file);
    assert_eq!(&file.text[d[0].span.start..d[0].span.end], "card_number");
    assert!(file.text[..d[0].span.start].contains("in exchange for page_url, "));
    assert_eq!(d[0].labels.len(), 1, "the promise is shown");
}
