//! `policyc sources`: what may be collected independently of the page in one state, from the device, the
//! account and the sources the policy declares, and why.

use super::decide::{list_text, parse_setting, regions_text, with_matcher, StateArgs};
use super::TextOrJson;
use policyc::matcher::{Matcher, SourceDecision};
use policyc::report::SourceReport;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A policy file or a compiled `.matcher` artifact.
    source: PathBuf,
    /// Set a signal or feature: `--set signed_in=on`. Signals default to off, features to their default.
    #[arg(long = "set", value_name = "NAME=on|off", value_parser = parse_setting)]
    set: Vec<(String, bool)>,
    /// The region to decide in, such as `DE`.
    #[arg(long)]
    region: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

pub fn run(args: Args) -> i32 {
    // Collection from a source does not depend on what the user does, so this command takes no `--event`.
    let state = StateArgs { set: args.set.clone(), region: args.region.clone(), event: None };
    with_matcher(&args.source, Some(&state), |matcher, cx| {
        let decision = matcher.decide_sources(&cx);
        let report = SourceReport::build(matcher, &decision);
        match args.format {
            TextOrJson::Json => outln!("{}", serde_json::to_string_pretty(&report).expect("reports serialise")),
            TextOrJson::Text => out!("{}", text(&report, &state, &notes(matcher, &decision))),
        }
        0
    })
}

/// Why each rule from a source that does not hold in this state does not: its condition or its regions.
fn notes(m: &Matcher<'_>, d: &SourceDecision) -> Vec<String> {
    let meta = m.meta();
    let mut notes = Vec::new();
    for (i, row) in meta.independent.iter().enumerate() {
        if d.rules >> i & 1 == 1 {
            continue;
        }
        let mut only = Vec::new();
        if let Some(w) = &row.when_text {
            only.push(format!("when {w}"));
        }
        if row.regions != 0 {
            only.push(format!("in {}", regions_text(m, row.regions)));
        }
        let source = meta.sources.get(usize::from(row.source)).map_or("", String::as_str);
        notes.push(format!(
            "not in force: `from {}` at {} collects from `{source}` only {}",
            i + 1,
            row.origin,
            only.join(" and ")
        ));
    }
    notes
}

/// The report in a few plain lines, per source and item, rule evidence last.
fn text(r: &SourceReport, state: &StateArgs, notes: &[String]) -> String {
    let mut out = format!(
        "state:    {}{}\n",
        state.switches_text(),
        state.region.as_ref().map(|r| format!(", region {r}")).unwrap_or_default(),
    );
    out += &format!("collect:  {}\n", list_text(&r.collect));
    out += &format!("linked:   {}\n", list_text(&r.linked));
    for item in &r.items {
        out += &format!("item:     {} from {}\n", item.data, item.source);
        out += &format!("  for:    {}\n", list_text(&item.purposes));
        let sep = if item.retention.starts_with(|c: char| c.is_ascii_digit()) { "for " } else { "" };
        out += &format!("  keep:   {sep}{}\n", item.retention);
        out += &format!("  link:   {}\n", if item.linked { "linked to the account" } else { "not linked" });
        let by: Vec<String> = item
            .rules
            .iter()
            .map(
                |r| if r.origin.is_empty() { format!("`{}`", r.rule) } else { format!("`{}` at {}", r.rule, r.origin) },
            )
            .collect();
        out += &format!("  by:     {}\n", by.join(", "));
    }
    if r.items.is_empty() {
        if notes.is_empty() {
            out += "why:      the policy collects nothing independently of the websites you visit\n";
        } else {
            out += "why:      no rule from a source holds in this state\n";
        }
    }
    for n in notes {
        out += &format!("{n}\n");
    }
    out += &format!("policy:   {}\n", r.policy_hash);
    out
}
