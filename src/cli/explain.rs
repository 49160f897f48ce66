//! `policyc explain`: one URL's decision, and why.

use super::decide::{with_matcher, StateArgs};
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
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> i32 {
    with_matcher(&args.source, Some(&args.state), |matcher, state| {
        let report = Report::from_decision(matcher, &args.url, &matcher.decide(&args.url, &state));
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&report).expect("reports serialise")),
            Format::Text => print!("{}", text(&report, &args.state)),
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

/// The decision in a few plain lines, rule evidence last.
fn text(r: &Report, state: &StateArgs) -> String {
    let mut out = format!("url:      {}\n", r.url);
    if let Some(e) = &r.error {
        out += &format!("decision: collect nothing, because {e}\n");
        return out;
    }
    let host = r.host.as_deref().unwrap_or("");
    out += &format!("host:     {host}\n");
    let set: Vec<String> = state.set.iter().map(|(n, on)| format!("{n}={}", if *on { "on" } else { "off" })).collect();
    out += &format!(
        "state:    {}{}\n",
        if set.is_empty() { "defaults".to_string() } else { set.join(", ") },
        state.region.as_ref().map(|r| format!(", region {r}")).unwrap_or_default()
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
        out += &format!("keep:     {d} for {keep}\n");
    }
    for b in &r.blocked_by {
        out += &format!("blocked:  by `{}` at {}\n", b.rule, b.origin);
    }
    for f in &r.rules {
        out += &format!("fired:    `{}` at {}\n", f.rule, f.origin);
    }
    if r.sites.is_empty() {
        out += "why:      no collect rule covers this host and path, so nothing is collected (default deny)\n";
    } else if r.rules.is_empty() && r.blocked_by.is_empty() {
        out += "why:      the site is in scope, but no collect rule's condition or region holds in this state\n";
    }
    out += &format!("policy:   {}\n", r.policy_hash);
    out
}
