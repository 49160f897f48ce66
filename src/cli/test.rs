//! `policyc test`: run a policy's `expect` lines against its compiled matcher: a URL line against the page
//! decision, an `expect from SOURCE` line against what the source gives in the line's state.

use super::load::load_policy;
use policyc::coverage::Coverage;
use policyc::ir;
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use policyc::report::{ItemReport, Report, Settings, SourceReport};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The policy whose `expect` lines to run.
    policy: PathBuf,
    /// Also report which rules and site categories no `expect` line exercises.
    #[arg(long)]
    coverage: bool,
}

pub fn run(args: Args) -> i32 {
    let policy = match load_policy(&args.policy, true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let policy = &policy;
    let bytes = match compile(policy, &Limits::default()) {
        Ok(b) => b,
        Err(e) => return super::fail(format!("{} ({})", e.message, e.help)),
    };
    let matcher = Matcher::from_bytes(&bytes).expect("a freshly compiled artifact loads");
    let mut failed = 0;
    let mut reports = Vec::new();
    let mut from_rules = Vec::new();
    for e in &policy.expects {
        let at = e.origin.as_ref().map(|o| o.to_string()).unwrap_or_else(|| args.policy.display().to_string());
        let settings = Settings::from_expect(&e.with, e.region.as_deref()).at(e.event.as_deref());
        let state = match settings.state(&matcher) {
            Ok(s) => s,
            Err(err) => {
                failed += 1;
                errln!("FAIL {at}: {err}");
                continue;
            }
        };
        // A URL line compares with the page decision; a `from` line with what the source gives in the state.
        let (collect, linked, items, report) = match (&e.url, &e.from) {
            (Some(url), _) => {
                let report = Report::decide(&matcher, url, &state);
                let items = ItemReport::of(&matcher, &matcher.decide(url, &state));
                reports.push(report.clone());
                (report.collect.clone(), report.linked.clone(), items, Some(report))
            }
            (None, Some(source)) => {
                let items: Vec<ItemReport> = SourceReport::decide(&matcher, &state)
                    .items
                    .into_iter()
                    .filter(|i| &i.source == source)
                    .map(|i| ItemReport {
                        data: i.data,
                        purposes: i.purposes,
                        retention: i.retention,
                        linked: i.linked,
                        rules: i.rules,
                    })
                    .collect();
                from_rules.extend(items.iter().flat_map(|i| i.rules.iter().cloned()));
                let collect = items.iter().map(|i| i.data.clone()).collect();
                let linked = items.iter().filter(|i| i.linked).map(|i| i.data.clone()).collect();
                (collect, linked, items, None)
            }
            // The checker refuses a line with neither.
            (None, None) => continue,
        };
        let mut problems = Vec::new();
        if let Some(want) = &e.collects {
            if !same(want, &collect) {
                problems.push(mismatch("collect", "collects", want, &collect));
            }
        }
        if let Some(want) = &e.links {
            if !same(want, &linked) {
                problems.push(mismatch("link", "links", want, &linked));
            }
        }
        problems.extend(item_problems(policy, e, &items));
        // The event is named after the URL, as the `expect` line writes it; a page view is not.
        let target = match (&e.url, &e.from) {
            (Some(url), _) => url.clone(),
            (None, from) => format!("from {}", from.as_deref().unwrap_or_default()),
        };
        let what = match &e.event {
            Some(ev) => format!("{target} at {ev}"),
            None => target,
        };
        if problems.is_empty() {
            outln!("ok   {at}: {what}");
        } else {
            failed += 1;
            outln!("FAIL {at}: {what}: {}", problems.join("; "));
            if let Some(report) = &report {
                if let Some(err) = &report.error {
                    outln!("     the URL was not decided: {err}");
                }
                for b in &report.blocked_by {
                    outln!("     blocked by `{}` at {}", b.rule, b.origin);
                }
            }
        }
    }
    if args.coverage {
        let c = Coverage::of(policy, &reports, &from_rules);
        let covered = |total: usize, missing: usize| format!("{}/{total}", total - missing);
        // Rules from a source are counted only where the policy has some, so that other policies read as before.
        let from = if c.from_total > 0 {
            format!(", rules from a source {}", covered(c.from_total, c.from_unexercised.len()))
        } else {
            String::new()
        };
        outln!(
            "coverage: collect rules {}, never rules {}, site categories {}{from}",
            covered(c.collect_total, c.collect_unexercised.len()),
            covered(c.never_total, c.never_unexercised.len()),
            covered(c.sites_total, c.sites_unexercised.len())
        );
        for r in c.collect_unexercised.iter().chain(&c.never_unexercised).chain(&c.from_unexercised) {
            outln!("  not exercised: `{}` at {}", r.rule, r.origin);
        }
        for s in &c.sites_unexercised {
            outln!("  no URL in site category `{s}`");
        }
    }
    let total = policy.expects.len();
    outln!("{} passed, {failed} failed", total - failed);
    if failed > 0 {
        super::EXIT_FAIL
    } else {
        0
    }
}

/// What the `uses`, `keeps` and `shares` outcomes of `e` find wrong with the decision's items: per item, both
/// sides, or that the item is not collected at all.
fn item_problems(policy: &ir::Policy, e: &ir::Expect, items: &[ItemReport]) -> Vec<String> {
    let mut problems = Vec::new();
    let item = |d: &str| items.iter().find(|i| i.data == d);
    for u in &e.uses {
        for d in &u.data {
            match item(d) {
                None => {
                    problems.push(format!("expected to use `{d}` for {}, but does not collect it", words(&u.purposes)))
                }
                Some(i) if !same(&u.purposes, &i.purposes) => {
                    problems.push(mismatch(&format!("use `{d}` for"), "uses it for", &u.purposes, &i.purposes))
                }
                Some(_) => {}
            }
        }
    }
    for k in &e.keeps {
        let want = k.keep.to_string();
        for d in &k.data {
            match item(d) {
                None => problems.push(format!("expected to keep `{d}` {}, but does not collect it", keep_words(&want))),
                Some(i) if i.retention != want => problems.push(format!(
                    "expected to keep `{d}` {}, but keeps it {}",
                    keep_words(&want),
                    keep_words(&i.retention)
                )),
                Some(_) => {}
            }
        }
    }
    for s in &e.shares {
        for d in &s.data {
            match item(d) {
                None => {
                    problems.push(format!("expected to share `{d}` with {}, but does not collect it", who(&s.with)))
                }
                Some(i) => {
                    let got =
                        policy.recipients_for(&i.purposes).into_iter().map(|r| r.name.clone()).collect::<Vec<_>>();
                    if !same(&s.with, &got) {
                        let what = format!("share `{d}` with");
                        problems.push(mismatch_of(&what, "shares it with", &s.with, &got, "nobody"));
                    }
                }
            }
        }
    }
    problems
}

/// A retention as a sentence ends with it: "for 90 days", "until uninstall".
fn keep_words(keep: &str) -> String {
    if keep.starts_with(|c: char| c.is_ascii_digit()) {
        format!("for {keep}")
    } else {
        keep.to_string()
    }
}

/// Recipients in words: "nobody" for none.
fn who(v: &[String]) -> String {
    if v.is_empty() {
        "nobody".into()
    } else {
        words(v)
    }
}

fn same(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// "expected to link `a`, `b`, but links `a`, `c` (`b` missing, `c` not expected)": names in backticks, so that
/// where one list ends and the other begins is visible, and the difference spelt out.
fn mismatch(verb: &str, verbs: &str, want: &[String], got: &[String]) -> String {
    mismatch_of(verb, verbs, want, got, "nothing")
}

/// [`mismatch`], with the word for an empty list ("nothing", or "nobody" for recipients).
fn mismatch_of(verb: &str, verbs: &str, want: &[String], got: &[String], empty: &str) -> String {
    let missing: Vec<String> = want.iter().filter(|w| !got.contains(w)).cloned().collect();
    let extra: Vec<String> = got.iter().filter(|g| !want.contains(g)).cloned().collect();
    let mut diff = Vec::new();
    if !missing.is_empty() && !got.is_empty() {
        diff.push(format!("{} missing", words(&missing)));
    }
    if !extra.is_empty() && !want.is_empty() {
        diff.push(format!("{} not expected", words(&extra)));
    }
    let diff = if diff.is_empty() { String::new() } else { format!(" ({})", diff.join(", ")) };
    let list = |v: &[String]| if v.is_empty() { empty.to_string() } else { words(v) };
    format!("expected to {verb} {}, but {verbs} {}{diff}", list(want), list(got))
}

fn words(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
    }
}
