//! `policyc explain`: one URL's decision, and why.

use super::decide::{with_matcher, StateArgs};
use super::TextOrJson;
use policyc::matcher::{Decision, Matcher};
use policyc::report::Report;
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

pub fn run(args: Args) -> i32 {
    with_matcher(&args.source, Some(&args.state), |matcher, state| {
        let decision = matcher.decide(&args.url, &state);
        let report = Report::from_decision(matcher, &args.url, &decision);
        match args.format {
            TextOrJson::Json => outln!("{}", serde_json::to_string_pretty(&report).expect("reports serialise")),
            TextOrJson::Text => out!("{}", text(&report, &args.state, &rule_notes(matcher, &decision))),
        }
        0
    })
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
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
                let regions: Vec<&str> = (0..64)
                    .filter(|b| row.regions >> b & 1 == 1)
                    .filter_map(|b| m.meta().regions.get(b).map(String::as_str))
                    .collect();
                only.push(format!("in {}", regions.join(", ")));
            }
            let why = format!("collects there only {}", only.join(" and "));
            notes.push(format!("not fired: `{name}` at {} {why}", row.origin));
        }
    }
    notes
}

/// The decision in a few plain lines, rule evidence last.
fn text(r: &Report, state: &StateArgs, notes: &[String]) -> String {
    let mut out = format!("url:      {}\n", r.url);
    if let Some(e) = &r.error {
        out += &format!("decision: collect nothing, because {e}\n");
        return out;
    }
    let host = r.host.as_deref().unwrap_or("");
    out += &format!("host:     {host}\n");
    let set: Vec<String> = state.set.iter().map(|(n, on)| format!("{n}={}", if *on { "on" } else { "off" })).collect();
    out += &format!(
        "state:    {}{}{}\n",
        if set.is_empty() { "defaults".to_string() } else { set.join(", ") },
        state.region.as_ref().map(|r| format!(", region {r}")).unwrap_or_default(),
        r.event.as_ref().map(|e| format!(", event {e}")).unwrap_or_default()
    );
    out += &format!(
        "sites:    {}\n",
        if r.sites.is_empty() { "in no site category".to_string() } else { r.sites.join(", ") }
    );
    out += &format!("collect:  {}\n", list(&r.collect));
    out += &format!("linked:   {}\n", list(&r.linked));
    if !r.purposes.is_empty() {
        out += &format!("purposes: {}\n", r.purposes.join(", "));
    }
    for (d, keep) in &r.retention {
        // A period reads "for 90 days"; a criterion says its own preposition ("until uninstall").
        let sep = if keep.starts_with(|c: char| c.is_ascii_digit()) { "for " } else { "" };
        out += &format!("keep:     {d} {sep}{keep}\n");
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
