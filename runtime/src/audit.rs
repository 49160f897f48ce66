//! Auditing collection logs against the artifact that was live: did the collector do what the policy allowed?
//!
//! Each log line is one observed collection event (NDJSON):
//! `{"ts": "...", "url": "...", "data": [...], "linked": [...], "state": {"signed_in": true}, "region": "DE",
//! "policy": "<hash>"}`. The event is decided again with the artifact, and every difference between what was
//! done and what was allowed is a [`Violation`]. The module holds the logic for one line; streaming the file,
//! the progress bar and the output live in the CLI.

use crate::matcher::{Matcher, UnknownName};
use crate::report::{Report, Settings};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One observed collection event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    #[serde(default)]
    pub ts: Option<String>,
    pub url: String,
    #[serde(default)]
    pub data: Vec<String>,
    #[serde(default)]
    pub linked: Vec<String>,
    #[serde(default)]
    pub state: BTreeMap<String, bool>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub policy: Option<String>,
}

/// The kinds of violation, as they appear in reports and counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Data collected where the policy allows none of it, or not that item.
    CollectedNotAllowed,
    /// Data linked to the account when the policy does not allow linking it.
    LinkedNotAllowed,
    /// The event names a policy hash other than the artifact's.
    PolicyMismatch,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CollectedNotAllowed => "collected_not_allowed",
            Kind::LinkedNotAllowed => "linked_not_allowed",
            Kind::PolicyMismatch => "policy_mismatch",
        }
    }
}

/// One thing an event did that the policy did not allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub line: u64,
    pub ts: Option<String>,
    pub url: String,
    pub kind: Kind,
    /// The data items concerned.
    pub data: Vec<String>,
    /// Why, in words: what the policy allows there and the rule that decided it.
    pub detail: String,
}

/// Why a log line could not be audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub line: u64,
    pub message: String,
}

fn words(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

/// Audits one log line (without its line break) against the matcher.
pub fn audit_line(m: &Matcher<'_>, line_no: u64, line: &str) -> Result<Vec<Violation>, Malformed> {
    let malformed = |message: String| Malformed { line: line_no, message };
    let event: Event = serde_json::from_str(line).map_err(|e| malformed(format!("not a collection event: {e}")))?;
    let settings =
        Settings { set: event.state.iter().map(|(k, v)| (k.clone(), *v)).collect(), region: event.region.clone() };
    let state = settings.context(m).map_err(|UnknownName(n)| {
        malformed(format!("`{n}` is not a signal, feature or region of the audited policy"))
    })?;
    let report = Report::decide(m, &event.url, &state);
    let mut out = Vec::new();
    let violation = |kind, data: Vec<String>, detail: String| Violation {
        line: line_no,
        ts: event.ts.clone(),
        url: event.url.clone(),
        kind,
        data,
        detail,
    };
    if let Some(hash) = &event.policy {
        if *hash != report.policy_hash {
            out.push(violation(
                Kind::PolicyMismatch,
                vec![],
                format!("event names policy {hash}, the artifact is {}", report.policy_hash),
            ));
        }
    }
    let why = || {
        if let Some(e) = &report.error {
            format!("the URL collects nothing ({e})")
        } else if let Some(b) = report.blocked_by.first() {
            format!("`{}` at {} forbids collecting anything there", b.rule, b.origin)
        } else if report.sites.is_empty() {
            "the site is in no category the policy collects on".to_string()
        } else if report.collect.is_empty() {
            format!(
                "the site is in {}, but no collect rule's condition or region holds in this state",
                report.sites.join(", ")
            )
        } else {
            let rules: Vec<String> = report.rules.iter().map(|r| format!("`{}` at {}", r.rule, r.origin)).collect();
            format!(
                "in this state the policy allows collecting {} there{}",
                words(&report.collect),
                if rules.is_empty() { String::new() } else { format!(" ({})", rules.join(", ")) }
            )
        }
    };
    let extra: Vec<String> = event.data.iter().filter(|d| !report.collect.contains(d)).cloned().collect();
    if !extra.is_empty() {
        out.push(violation(Kind::CollectedNotAllowed, extra, why()));
    }
    let extra_linked: Vec<String> = event.linked.iter().filter(|d| !report.linked.contains(d)).cloned().collect();
    if !extra_linked.is_empty() {
        let detail = if report.collect.is_empty() {
            why()
        } else {
            format!("in this state the policy allows linking {} there", words(&report.linked))
        };
        out.push(violation(Kind::LinkedNotAllowed, extra_linked, detail));
    }
    Ok(out)
}
