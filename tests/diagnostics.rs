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

/// Aggregated data must outlast the data it is made from in every reading of the two periods: one period written
/// two ways (`12 months`, `1 year`) is not longer, whichever way round; a month may be 28 days, so it does not
/// outlast 30 days; and 31 days does not outlast a month of 31 days.
#[test]
fn aggregated_data_outlasts_the_retention_in_every_reading_of_its_periods() {
    let fixture = std::fs::read_to_string("tests/fixtures/diagnostics/E0016-aggregated-not-longer.policy").unwrap();
    let rejected = |keep: &str, aggregated: &str| {
        let text = fixture
            .replace("keep 1 year then aggregated 6 months", &format!("keep {keep} then aggregated {aggregated}"));
        assert!(text.contains(&format!("then aggregated {aggregated} ")), "the fixture changed");
        codes_of(&text).iter().any(|(c, m)| *c == Code::BadValue && m.contains("does not outlast"))
    };
    for (keep, aggregated) in [
        ("12 months", "1 year"),
        ("1 year", "12 months"),
        ("4 weeks", "28 days"),
        ("30 days", "1 month"),
        ("1 month", "31 days"),
        ("365 days", "1 year"),
        ("1 year", "366 days"),
        ("2 months", "8 weeks"),
    ] {
        assert!(rejected(keep, aggregated), "keep {keep} then aggregated {aggregated} is accepted");
    }
    for (keep, aggregated) in [
        ("12 months", "13 months"),
        ("1 year", "2 years"),
        ("11 months", "1 year"),
        ("4 weeks", "29 days"),
        ("27 days", "1 month"),
        ("1 month", "32 days"),
        ("1 year", "367 days"),
        ("364 days", "1 year"),
        ("2 months", "9 weeks"),
    ] {
        assert!(!rejected(keep, aggregated), "keep {keep} then aggregated {aggregated} is rejected");
    }
}

/// A link condition that can hold, under a `when` that can hold, but never both together: the rule never links
/// (W0012); one that holds in some state where the rule collects is no warning.
#[test]
fn a_link_condition_that_never_holds_while_the_rule_collects_is_reported() {
    let fixture = std::fs::read_to_string("tests/fixtures/diagnostics/W0012-condition-never-holds.policy").unwrap();
    let head = &fixture[..fixture.find("// A typo").unwrap()];
    let never = |rule: &str| {
        codes_of(&format!("{head}{rule}\n"))
            .iter()
            .any(|(c, m)| *c == Code::NeverHolds && m.contains("never holds when the rule collects"))
    };
    let rule = "collect page_url on shops when COND for analytics keep 30 days link to account when LINK";
    let with = |cond: &str, link: &str| rule.replace("COND", cond).replace("LINK", link);
    assert!(never(&with("not signed_in", "signed_in")));
    assert!(never(&with("offers and not signed_in", "signed_in or not offers")));
    assert!(!never(&with("offers", "signed_in")));
    assert!(!never(&with("not signed_in or offers", "signed_in")));
}

/// The codes a policy text gets, in order.
fn codes_of(text: &str) -> Vec<(Code, String)> {
    let out = policyc::check_source("t.policy", text, &mut policyc::NoLists, Default::default());
    out.checked.diagnostics.iter().map(|d| (d.code, d.message.clone())).collect()
}

/// `never sell`, `never share` and `never disclose` are held against every recipient that collected data reaches,
/// whatever the rule's region, and only against those: a recipient no collected data reaches breaks nothing.
#[test]
fn promises_about_recipients_are_checked_against_every_recipient_data_reaches() {
    let base = std::fs::read_to_string("tests/fixtures/diagnostics/E0062-sold-despite-never-sell.policy").unwrap();
    let broken = |text: &str| -> Vec<String> {
        codes_of(text).into_iter().filter(|(c, _)| *c == Code::BrokenPromise).map(|(_, m)| m).collect()
    };
    assert_eq!(broken(&base), ["recipient `partners` is `sold`, but the policy promises never to sell"]);
    // Sharing for cross-context behavioral advertising.
    let shared = base.replace("partners sold", "partners shared").replace("never sell", "never share");
    assert_eq!(
        broken(&shared),
        ["recipient `partners` is `shared` (cross-context behavioral advertising), but the policy promises never to \
          share"]
    );
    assert!(broken(&shared.replace("never share", "never sell")).is_empty(), "sharing is no sale");
    // `never sell or share` holds both promises.
    assert_eq!(broken(&shared.replace("never share", "never sell or share")).len(), 1);
    // Disclosure to anyone but a processor: a recipient on its own account, and one whose role is not said.
    let own = base.replace("partners sold", "partners own purposes").replace("never sell", "never disclose");
    assert_eq!(
        broken(&own),
        ["recipient `partners` is not a processor, but the policy promises never to disclose data to anyone but \
          processors"]
    );
    assert_eq!(broken(&base.replace("partners sold", "partners").replace("never sell", "never disclose")).len(), 1);
    assert!(
        broken(&base.replace("partners sold", "partners processor").replace("never sell", "never disclose")).is_empty()
    );
    // A rule scoped to a region still discloses: a promise holds everywhere.
    assert_eq!(broken(&base.replace("keep 1 year", "keep 1 year region US")).len(), 1);
    // No collected data reaches the recipient: its purpose collects nothing.
    let unused =
        base.replace("for offers", "for other") + "purpose other basis contract en \"showing you other offers\"\n";
    assert!(broken(&unused).is_empty(), "{:?}", codes_of(&unused));
    // A purpose declared a sale to the extension stores sells too.
    let store = base.replace("partners sold", "partners") + "store sale for offers\n";
    assert_eq!(
        broken(&store),
        ["purpose `offers` is declared a sale to the extension stores, but the policy promises never to sell"]
    );
}

/// The diagnostic points at what breaks the promise, and shows the promise and the purpose that discloses.
#[test]
fn a_broken_promise_shows_the_recipient_the_promise_and_the_purpose() {
    let text = std::fs::read_to_string("tests/fixtures/diagnostics/E0062-sold-despite-never-sell.policy").unwrap();
    let out = policyc::check_source("p.policy", &text, &mut policyc::NoLists, Default::default());
    let d = out.checked.diagnostics.iter().find(|d| d.code == Code::BrokenPromise).unwrap();
    let at = |s: policyc::source::Span| &text[s.start..s.end];
    assert_eq!(at(d.span), "sold");
    let labels: Vec<(&str, &str)> = d.labels.iter().map(|l| (at(l.span), l.message.as_str())).collect();
    assert_eq!(labels, [("sell", "promised here"), ("partners", "purpose `offers` discloses collected data to it")]);
    let help = d.help.as_deref().unwrap();
    assert!(help.contains("remove `sold`") && help.contains("remove the promise `never sell`"), "{help}");
}

/// A processor acts only on the controller's behalf: it cannot also use the data for its own purposes, nor can
/// disclosing to it be a sale or sharing.
#[test]
fn a_processor_has_no_purposes_of_its_own_and_buys_nothing() {
    let base = std::fs::read_to_string("tests/fixtures/diagnostics/E0061-processor-own-purposes.policy").unwrap();
    let roles = |text: &str| -> Vec<String> {
        codes_of(text).into_iter().filter(|(c, _)| *c == Code::ConflictingRecipientRoles).map(|(_, m)| m).collect()
    };
    assert_eq!(roles(&base).len(), 1);
    assert_eq!(
        roles(&base.replace("own purposes", "sold shared")),
        [
            "recipient `merchant` is a processor, but `sold` says it is one to whom disclosing data is a sale",
            "recipient `merchant` is a processor, but `shared` says it is one to whom disclosing data is sharing for \
             cross-context behavioral advertising"
        ]
    );
    assert!(roles(&base.replace("processor own purposes", "own purposes")).is_empty());
    assert!(roles(&base.replace("processor own purposes", "processor")).is_empty());
}

/// A recipient on its own account in California is a third party: unless it is marked `sold` or `shared`, the
/// author is asked whether disclosing to it is a sale, and can accept the answer "no" with a reason.
#[test]
fn a_third_party_in_california_is_asked_about_sale() {
    let base = std::fs::read_to_string("tests/fixtures/diagnostics/W0063-own-purposes-not-sold.policy").unwrap();
    let warned = |text: &str| codes_of(text).iter().filter(|(c, _)| *c == Code::ThirdPartyNotSold).count();
    assert_eq!(warned(&base), 1);
    assert_eq!(warned(&base.replace("own purposes", "own purposes sold")), 0);
    assert_eq!(warned(&base.replace("own purposes", "own purposes shared")), 0);
    assert_eq!(warned(&base.replace("US-CA", "US")), 0, "the CCPA notice is for California");
    let allowed = base.replace(
        "  regions    US-CA\n",
        "  regions    US-CA\n  allow W0063 \"the consumer directs the disclosure by ordering\"\n",
    );
    let out = policyc::check_source("a.policy", &allowed, &mut policyc::NoLists, Default::default());
    assert!(out.checked.diagnostics.is_empty(), "{:#?}", out.checked.diagnostics);
    assert_eq!(out.checked.allowed.len(), 1);
}

/// A typo in a collect rule of a policy with `store` lines is one error, with its suggestion: the misspelt
/// name is not also reported as a collected item without a store data type.
#[test]
fn a_misspelt_data_item_is_reported_once() {
    let text = std::fs::read_to_string("policies/price-tracker.policy").unwrap().replacen(
        "collect product_url, product_price",
        "collect product_urls, product_price",
        1,
    );
    assert!(text.contains("store "), "the policy maps its data to store types");
    let mut loader = common::DirLoader("policies".into());
    let result = policyc::check_source("price-tracker.policy", &text, &mut loader, Default::default());
    let codes: Vec<(Code, String)> = result.checked.diagnostics.iter().map(|d| (d.code, d.message.clone())).collect();
    assert_eq!(codes.len(), 1, "{codes:#?}");
    assert_eq!(codes[0].0, Code::Undefined);
    assert_eq!(result.checked.diagnostics[0].help.as_deref().map(|h| h.contains("`product_url`")), Some(true));
}

/// A file with old Mac line endings (a lone `\r`) is one line to every position the checker gives; the snippet
/// numbers it so too, rather than line 0 beside `1:8`, and sends no carriage return to the terminal.
#[test]
fn a_snippet_numbers_lines_as_its_location_does_with_carriage_returns_alone() {
    let text = "policy x {\r  name \"x\"\r}\r";
    let result = policyc::check_source("cr.policy", text, &mut policyc::NoLists, policyc::CheckOptions::default());
    let out = common::render(&result);
    assert!(out.contains("--> cr.policy:1:8"), "{out}");
    assert!(out.contains(" 1 │ policy x {   name \"x\" } "), "{out}");
    assert!(!out.contains(" 0 │"), "{out}");
    assert!(!out.contains('\r'), "{out}");
}
