//! `policyc explain`: one URL's decision, and why.

use super::decide::{list_text, regions_text, with_matcher_and_policy, StateArgs};
use super::TextOrJson;
use policyc::audit::one_line;
use policyc::ir::Policy;
use policyc::matcher::{Decision, Matcher};
use policyc::report::{ItemReport, Report};
use policyc::urlnorm::UrlError;
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A policy file or a compiled `.matcher` artifact.
    source: PathBuf,
    /// The URL to decide.
    url: String,
    #[command(flatten)]
    state: StateArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

/// The decision as `match` reports it, and each collected item apart.
#[derive(Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    report: &'a Report,
    items: Vec<Item>,
}

/// A collected item: its purposes, retention, linkage and rules, and, when the source is a policy, the
/// recipients it goes to (an artifact does not carry recipients).
#[derive(Serialize)]
struct Item {
    #[serde(flatten)]
    item: ItemReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipients: Option<Vec<String>>,
    /// What each rule that collects the item collects it for and how long it keeps it: the item's `purposes`
    /// are all of theirs together and its `retention` the longest, which alone would say that data collected
    /// for a 30-day purpose is kept for the year another rule keeps it.
    by_rule: Vec<RuleUse>,
}

#[derive(Serialize)]
struct RuleUse {
    rule: String,
    origin: String,
    purposes: Vec<String>,
    retention: String,
}

pub fn run(args: Args) -> i32 {
    with_matcher_and_policy(&args.source, Some(&args.state), |matcher, state, policy| {
        let decision = matcher.decide(&args.url, &state);
        // Text that is no URL at all is a mistake on the command line, not a page to decide: say so and fail.
        // A URL that parses but cannot be matched (another scheme, an IP address) is a decision, below.
        if let Some(e @ (UrlError::Unparsable(_) | UrlError::TooLong(_))) = &decision.error {
            errln!("error: `{}` is {e}", shown(&args.url));
            let guess = format!("https://{}", args.url);
            if matches!(e, UrlError::TooLong(_)) {
                errln!("help: the matcher decides nothing for so long a URL, so a component collects nothing there");
            } else if !args.url.contains("://") && matcher.decide(&guess, &state).error.is_none() {
                errln!("help: a URL starts with its scheme; did you mean `{}`?", shown(&guess));
            } else {
                errln!("help: give a whole address such as `https://www.example.com/products/1`");
            }
            return super::EXIT_USAGE;
        }
        let report = Report::from_decision(matcher, &args.url, &decision);
        let items = items(matcher, &decision, policy);
        match args.format {
            TextOrJson::Json => outln!(
                "{}",
                serde_json::to_string_pretty(&Explained { report: &report, items }).expect("reports serialise")
            ),
            TextOrJson::Text => out!("{}", text(&report, &items, &args.state, &rule_notes(matcher, &decision))),
        }
        0
    })
}

fn items(m: &Matcher<'_>, d: &Decision, policy: Option<&Policy>) -> Vec<Item> {
    ItemReport::of(m, d)
        .into_iter()
        .map(|item| {
            let recipients =
                policy.map(|p| p.recipients_for(&item.purposes).into_iter().map(|r| r.name.clone()).collect());
            // The rules `item.rules` names, one by one; data names are unique, so the item's index is its name's.
            let by_rule = m
                .meta()
                .data
                .iter()
                .position(|n| *n == item.data)
                .into_iter()
                .flat_map(|di| m.rules_collecting(d, di))
                .zip(&item.rules)
                .map(|((_, row), r)| RuleUse {
                    rule: r.rule.clone(),
                    origin: r.origin.clone(),
                    purposes: m.purpose_names(row.purposes).map(str::to_string).collect(),
                    retention: row.keep.to_string(),
                })
                .collect();
            Item { item, recipients, by_rule }
        })
        .collect()
}

/// Why each rule that concerns the URL's sites did what it did: the conditions of rules that did not fire
/// (although the site is theirs), and the link clause of rules that did.
fn rule_notes(m: &Matcher<'_>, d: &Decision) -> Vec<String> {
    let mut notes = Vec::new();
    if d.blocked_by != 0 {
        return notes;
    }
    for (i, row) in m.meta().collect.iter().enumerate() {
        let name = format!("collect {}", i + 1);
        if d.rules >> i & 1 == 1 {
            notes.push(format!("linking:  `{name}` links to the account {}", row.link_text));
        } else if row.sites & d.sites != 0 {
            let mut only = Vec::new();
            if row.events >> d.event & 1 == 0 {
                let events: Vec<String> = (0..64u8)
                    .filter(|b| row.events >> b & 1 == 1)
                    .map(|b| if b == 0 { "page views".to_string() } else { format!("`{}`", m.event_name(b)) })
                    .collect();
                only.push(format!("on {}", events.join(" or ")));
            }
            if let Some(w) = &row.when_text {
                only.push(format!("when {w}"));
            }
            if row.regions != 0 {
                only.push(format!("in {}", regions_text(m, row.regions)));
            }
            let why = format!("collects there only {}", only.join(" and "));
            notes.push(format!("not fired: `{name}` at {} {why}", row.origin));
        }
    }
    notes
}

/// The decision in a few plain lines, rule evidence last.
fn text(r: &Report, items: &[Item], state: &StateArgs, notes: &[String]) -> String {
    // A line break in a URL (which the URL parser drops) would start a line of its own: escape it.
    let mut out = format!("url:      {}\n", one_line(&r.url));
    if let Some(e) = &r.error {
        out += &format!("decision: collect nothing, because {e}\n");
        return out;
    }
    let host = r.host.as_deref().unwrap_or("");
    out += &format!("host:     {host}\n");
    out += &format!(
        "state:    {}{}{}\n",
        state.switches_text(),
        state.region.as_ref().map(|r| format!(", region {r}")).unwrap_or_default(),
        r.event.as_ref().map(|e| format!(", event {e}")).unwrap_or_default()
    );
    out += &format!(
        "sites:    {}\n",
        if r.sites.is_empty() { "in no site category".to_string() } else { r.sites.join(", ") }
    );
    out += &format!("collect:  {}\n", list_text(&r.collect));
    out += &format!("linked:   {}\n", list_text(&r.linked));
    // Per item, what concerns it alone: an item collected by two rules for different purposes shows the purposes
    // of both, and another item on the same URL only its own.
    for Item { item, recipients, by_rule } in items {
        // Rules that collect the item for different purposes or periods are shown one by one below.
        let differ = by_rule
            .windows(2)
            .any(|w| matches!(w, [a, b] if (&a.purposes, &a.retention) != (&b.purposes, &b.retention)));
        out += &format!("item:     {}\n", item.data);
        out += &format!("  for:    {}\n", list_text(&item.purposes));
        let longest = if differ { " (the longest; each rule's below)" } else { "" };
        out += &format!("  keep:   {}{longest}\n", kept(&item.retention));
        out += &format!("  link:   {}\n", if item.linked { "linked to the account" } else { "not linked" });
        out += &match recipients {
            Some(v) if v.is_empty() => "  shared: with nobody\n".to_string(),
            Some(v) => format!("  shared: with {}\n", v.join(", ")),
            None => "  shared: not in the artifact (explain the policy file to see recipients)\n".to_string(),
        };
        let name = |rule: &str, origin: &str| {
            if origin.is_empty() {
                format!("`{rule}`")
            } else {
                format!("`{rule}` at {origin}")
            }
        };
        if differ {
            for (i, u) in by_rule.iter().enumerate() {
                let label = if i == 0 { "  by:     " } else { "          " };
                let rule = name(&u.rule, &u.origin);
                out += &format!("{label}{rule}: for {}; keep: {}\n", list_text(&u.purposes), kept(&u.retention));
            }
        } else {
            let by: Vec<String> = item.rules.iter().map(|r| name(&r.rule, &r.origin)).collect();
            out += &format!("  by:     {}\n", by.join(", "));
        }
    }
    for b in &r.blocked_by {
        out += &format!("blocked:  by `{}` at {}\n", b.rule, b.origin);
    }
    for f in &r.rules {
        out += &format!("fired:    `{}` at {}\n", f.rule, f.origin);
    }
    if r.sites.is_empty() {
        out += "why:      no collect rule covers this host and path, so nothing is collected (default deny)\n";
    } else if r.rules.is_empty() && r.blocked_by.is_empty() && r.event.is_some() {
        out += "why:      the site is in scope, but no collect rule's event, condition or region holds in this state\n";
    } else if r.rules.is_empty() && r.blocked_by.is_empty() {
        out += "why:      the site is in scope, but no collect rule's condition or region holds in this state\n";
    }
    for n in notes {
        out += &format!("{n}\n");
    }
    out += &format!("policy:   {}\n", r.policy_hash);
    out
}

/// A retention as a phrase: a period reads "for 90 days"; a criterion says its own preposition ("until
/// uninstall", "not stated").
fn kept(retention: &str) -> String {
    let sep = if retention.starts_with(|c: char| c.is_ascii_digit()) { "for " } else { "" };
    format!("{sep}{retention}")
}

/// A URL in an error: on one line (`one_line`), and a very long one cut, with its length, so that the error
/// stays one readable line.
fn shown(url: &str) -> String {
    const MAX: usize = 200;
    let text = one_line(url);
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", text.get(..cut).unwrap_or_default(), url.len()),
        None => text,
    }
}
