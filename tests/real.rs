//! The real extensions' policies in `policies/real/` (issue 17): each says where its practices come from, passes
//! its own `expect` lines, and decides alike through the compiled matcher and the reference interpreter in every
//! state, region and event it declares.

mod common;

use policyc::interp::Interpreter;
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use policyc::report::{ItemReport, Report, Settings};
use std::process::Command;

#[test]
fn the_four_real_policies_are_there() {
    let names: Vec<String> =
        common::real_policies().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["capital-one-shopping.policy", "honey.policy", "rakuten.policy", "shoptimate.policy"]);
}

/// A real policy begins with one `// source: ADDRESS (DATE)` line per public text it encodes, so that every
/// practice in it can be traced to what its publisher said.
#[test]
fn each_real_policy_begins_with_its_sources() {
    for path in common::real_policies() {
        let text = std::fs::read_to_string(&path).unwrap();
        let sources: Vec<&str> = text.lines().take_while(|l| l.starts_with("// source: ")).collect();
        assert!(!sources.is_empty(), "{} does not begin with a `// source:` line", path.display());
        for line in sources {
            let rest = &line["// source: ".len()..];
            let (address, date) = rest.split_once(" (").unwrap_or_else(|| panic!("{line}: no `(DATE)`"));
            assert!(address.starts_with("https://") && !address.contains(' '), "{line}: not an address");
            assert!(date.ends_with(')') && date.len() > 1, "{line}: the date is not in parentheses");
        }
    }
}

#[test]
fn each_real_policy_passes_its_own_tests() {
    for path in common::real_policies() {
        let o =
            Command::new(env!("CARGO_BIN_EXE_policyc")).arg("test").arg(&path).env("NO_COLOR", "1").output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{}: {out}", path.display());
        let summary = out.lines().last().unwrap_or_default();
        assert!(summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "), "{}: {out}", path.display());
    }
}

/// Every URL a real policy names (its `expect` lines, and examples and patterns of its sites), in every state of
/// its signals and features, every declared region and none, and on a page view and every declared event: the
/// matcher decides what the interpreter decides.
#[test]
fn real_policies_decide_alike_in_the_matcher_and_the_interpreter() {
    for path in common::real_policies() {
        let policy = common::check_path(&path).checked.policy.unwrap();
        let bytes = compile(&policy, &Limits::default()).unwrap();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let interp = Interpreter::new(&policy);
        let vars: Vec<String> = m.meta().vars.iter().map(|v| v.name.clone()).collect();
        let mut urls: Vec<String> = policy.expects.iter().filter_map(|e| e.url.clone()).collect();
        for c in &policy.sites {
            urls.extend(c.examples.iter().chain(c.patterns.iter().take(20)).map(|p| p.witness_url()));
        }
        urls.sort();
        urls.dedup();
        let mut regions: Vec<Option<String>> = vec![None];
        regions.extend(policy.regions.iter().cloned().map(Some));
        let mut events: Vec<Option<String>> = vec![None];
        events.extend(policy.events.iter().map(|e| Some(e.name.clone())));
        let mut collected = 0;
        for k in 0..1u32 << vars.len() {
            let set: Vec<(String, bool)> = vars.iter().enumerate().map(|(i, n)| (n.clone(), k >> i & 1 == 1)).collect();
            for region in &regions {
                for event in &events {
                    let settings = Settings { set: set.clone(), region: region.clone(), event: event.clone() };
                    let cx = settings.context(&m).unwrap();
                    for url in &urls {
                        let a = Report::decide(&m, url, &cx);
                        let decision = m.decide(url, &cx);
                        let (b, items) = interp.decide_items(url, &settings).unwrap();
                        assert_eq!(a, b, "{}: {url} {settings:?}", path.display());
                        assert_eq!(ItemReport::of(&m, &decision), items, "{}: {url} {settings:?}", path.display());
                        collected += usize::from(!a.collect.is_empty());
                    }
                }
            }
        }
        // A policy whose sources state collection on pages collects somewhere; Capital One Shopping's stored texts
        // state none.
        assert_eq!(collected > 0, !policy.collect.is_empty(), "{}", path.display());
    }
}
