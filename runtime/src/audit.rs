//! Auditing collection logs against the artifacts that were live: did the collector do what the policy allowed?
//!
//! Each log line is one observed collection event (NDJSON; `schemas/event.schema.json`):
//! `{"ts": "...", "url": "...", "collect": [...], "linked": [...], "state": {"signed_in": true}, "region": "DE",
//! "policy": "<hash>"}`. `collect` and `linked` are named as in a decision; logs written before that name
//! `collect` `data`, which is read the same. The event is decided again with the artifact whose policy hash it
//! names, and every difference between what was done and what was allowed is a [`Violation`]
//! (`schemas/violation.schema.json`).
//!
//! Logs span policy versions, so an [`Auditor`] holds several artifacts. An event is decided with the artifact
//! whose hash it names. An event naming none of them, or naming no policy while several are audited, is a
//! [`Kind::PolicyMismatch`] and is decided with the first artifact (the one an audit of a single artifact always
//! uses, where an event that names no policy is simply that artifact's).
//!
//! The module holds the logic for one event; streaming a file, the progress bar and the output live in the
//! CLI, and the bindings feed events from their own tables, so that every engine finds the same violations.

use crate::matcher::{Decision, LinkRow, Matcher, UnknownName};
use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One observed collection event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "EventLine")]
pub struct Event {
    pub ts: Option<String>,
    pub url: String,
    /// The data items collected; `data` in logs written before the field was named as in decisions.
    pub collect: Vec<String>,
    /// The data items linked to the user's account.
    pub linked: Vec<String>,
    /// Signals and feature switches by name, as the collector saw them.
    pub state: BTreeMap<String, bool>,
    pub region: Option<String>,
    /// What the user did that the collection was triggered by (`offer_click`), as the policy's events name it;
    /// absent or null for a page view.
    pub event: Option<String>,
    /// The policy hash of the artifact the collector ran.
    pub policy: Option<String>,
}

/// Why an event has both `collect` and its old name `data`; the readers of typed columns say the same.
pub const BOTH_COLLECT_AND_DATA: &str = "the event has both `collect` and its old name `data`";

/// An event as a line spells it. `collect` and its old name `data` are two fields here, not a serde alias: with
/// an alias, a line that has both is refused as "duplicate field `collect`", which names a field the line gives
/// once.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventLine {
    #[serde(default)]
    ts: Option<String>,
    url: String,
    #[serde(default)]
    collect: Option<Vec<String>>,
    #[serde(default)]
    data: Option<Vec<String>>,
    #[serde(default)]
    linked: Vec<String>,
    #[serde(default, deserialize_with = "unique_switches")]
    state: BTreeMap<String, bool>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    policy: Option<String>,
}

impl TryFrom<EventLine> for Event {
    type Error = &'static str;

    fn try_from(e: EventLine) -> Result<Event, Self::Error> {
        // Both would leave one of the two lists unread, and which one the collector meant is not for the audit to
        // guess.
        let collect = match (e.collect, e.data) {
            (Some(_), Some(_)) => return Err(BOTH_COLLECT_AND_DATA),
            (Some(c), None) | (None, Some(c)) => c,
            (None, None) => Vec::new(),
        };
        Ok(Event {
            ts: e.ts,
            url: e.url,
            collect,
            linked: e.linked,
            state: e.state,
            region: e.region,
            event: e.event,
            policy: e.policy,
        })
    }
}

/// Reads `state`, refusing a switch named twice: a map would keep the last value without a word, and which of
/// two contrary records of the collector's state held is exactly what an audit cannot guess. A repeated field of
/// the event is refused for the same reason.
fn unique_switches<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, bool>, D::Error> {
    struct Switches;
    impl<'de> serde::de::Visitor<'de> for Switches {
        type Value = BTreeMap<String, bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of switch names to true or false")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((name, on)) = map.next_entry::<String, bool>()? {
                if out.contains_key(&name) {
                    return Err(serde::de::Error::custom(format!(
                        "switch `{}` is given twice in `state`",
                        one_line(&name)
                    )));
                }
                out.insert(name, on);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Switches)
}

/// The fields of an event, for suggestions when a line has another; the columns of events stored in typed
/// columns are named the same.
pub const EVENT_FIELDS: [&str; 9] = ["ts", "url", "collect", "data", "linked", "state", "region", "event", "policy"];

/// The first column of a table of events that looks like a misspelt field (`colect`), in one line with the field
/// likely meant; `None` when there is none. Such a column would not be read, and the field it was meant to be
/// would audit as absent ("collected nothing"), hiding every violation, so every reader of typed columns refuses
/// it, as [`Event::parse`] refuses an unknown field in a line. A table may carry columns of its own besides the
/// fields (a partition column such as `date`, an id), so only a column close to a field the table lacks is
/// taken for a misspelling: `date` beside `data` is another column, `date` without `data` is refused.
pub fn misspelt_field<'a>(columns: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let present: Vec<&str> = columns.into_iter().collect();
    // `data` is the old name of `collect`: with either present, neither is missing.
    let items = present.iter().any(|c| *c == "collect" || *c == "data");
    let missing = || {
        EVENT_FIELDS.iter().copied().filter(|f| !present.contains(f) && !(items && (*f == "collect" || *f == "data")))
    };
    present.iter().filter(|c| !EVENT_FIELDS.contains(c)).find_map(|c| {
        let meant = crate::matcher::closest(c, missing())?;
        Some(format!("`{}` is not a field of a collection event; did you mean `{meant}`?", one_line(c)))
    })
}

impl Event {
    /// The items the event links without collecting them, in one line, or `None` when it links only what it
    /// collects.
    pub fn linked_not_collected(&self) -> Option<String> {
        let mut missing: Vec<String> = Vec::new();
        for item in self.linked.iter().filter(|i| !self.collect.contains(i)) {
            let named = format!("`{item}`");
            if !missing.contains(&named) {
                missing.push(named);
            }
        }
        if missing.is_empty() {
            return None;
        }
        let (are, them) = if missing.len() == 1 { ("is", "it") } else { ("are", "them") };
        Some(format!(
            "{} {are} in `linked` but not in `collect`: an event links only data it collects, so list {them} in both \
             or in neither",
            missing.join(", ")
        ))
    }

    /// Reads one log line (without its line break); the error is one line.
    pub fn parse(line: &str) -> Result<Event, String> {
        // serde would read an array as the fields in order, and say so in terms of the first element.
        if !line.trim_start().starts_with('{') {
            return Err("not a collection event: a line must be one JSON object".into());
        }
        serde_json::from_str(line).map_err(|e| {
            // serde counts lines within the text it was given, always 1 here: only the column means anything.
            let full = e.to_string();
            let message = full.strip_suffix(&format!(" at line {} column {}", e.line(), e.column())).unwrap_or(&full);
            let typo = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next())
                .and_then(|field| crate::matcher::closest(field, EVENT_FIELDS.iter().copied()));
            // An error about the event as a whole (both `collect` and `data`) has no position: serde_json gives
            // it column 0, which would point nowhere.
            let column = if e.column() == 0 { String::new() } else { format!(" (column {})", e.column()) };
            match typo {
                Some(meant) => format!("not a collection event: {message}{column}; did you mean `{meant}`?"),
                None => format!("not a collection event: {message}{column}"),
            }
        })
    }
}

/// The kinds of violation, as they appear in reports and counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Data collected where the policy allows none of it, or not that item.
    CollectedNotAllowed,
    /// Data linked to the account when the policy does not allow linking it.
    LinkedNotAllowed,
    /// The event names a policy hash other than those of the audited artifacts, or names none while several
    /// are audited.
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
    /// The event's line in the log, from 1.
    pub line: u64,
    pub ts: Option<String>,
    pub url: String,
    pub kind: Kind,
    /// The data items concerned.
    pub data: Vec<String>,
    /// Why, in words: what the policy allows there and the rule that decided it.
    pub detail: String,
    /// The policy hash of the artifact the event was decided with.
    pub policy: String,
}

/// Why a log line could not be audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub line: u64,
    pub message: String,
    /// What the line was found to break before it turned out malformed: a [`Kind::PolicyMismatch`] when it
    /// names a policy hash of none of the artifacts and its state, region or event is not one of the first
    /// artifact's. Every engine reports these as violations besides the malformed line, so that a mismatch is
    /// counted whatever else is wrong with the line.
    pub violations: Vec<Violation>,
}

impl Malformed {
    /// The message names what the line holds (a field, a region, a switch); its control characters are escaped,
    /// so that it stays one line and carries no terminal escape from the log to a reader's terminal.
    pub fn new(line: u64, message: &str) -> Malformed {
        Malformed { line, message: one_line(message), violations: Vec::new() }
    }
}

/// `text` with its control characters escaped (a line break as `\n`, an escape as `\u{1b}`): for text that
/// comes from a log and is printed one item a line.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

/// Whether a log line holds nothing to audit: only ASCII white space. Every reader of logs (the CLI, Python,
/// Spark) skips such a line and reports any other, so that none drops a line the others report.
pub fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b.is_ascii_whitespace())
}

/// An audit needs at least one artifact to decide with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoArtifacts;

impl std::fmt::Display for NoArtifacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an audit needs at least one artifact")
    }
}

impl std::error::Error for NoArtifacts {}

/// The artifacts an audit decides with, each with its policy hash computed once.
pub struct Auditor<'m, 'a> {
    matchers: &'m [Matcher<'a>],
    hashes: Vec<String>,
}

impl<'m, 'a> Auditor<'m, 'a> {
    /// An auditor over `matchers`; the first is the one events naming no known policy are decided with.
    pub fn new(matchers: &'m [Matcher<'a>]) -> Result<Self, NoArtifacts> {
        if matchers.is_empty() {
            return Err(NoArtifacts);
        }
        Ok(Auditor { matchers, hashes: matchers.iter().map(Matcher::policy_hash).collect() })
    }

    /// The policy hashes of the artifacts, in the order given.
    pub fn policy_hashes(&self) -> &[String] {
        &self.hashes
    }

    /// Audits one log line (without its line break).
    pub fn audit_line(&self, line_no: u64, line: &str) -> Result<Vec<Violation>, Malformed> {
        let event = Event::parse(line).map_err(|message| Malformed::new(line_no, &message))?;
        self.audit_event(line_no, &event)
    }

    /// Audits one event; `line_no` is carried into its violations.
    pub fn audit_event(&self, line_no: u64, event: &Event) -> Result<Vec<Violation>, Malformed> {
        let named = event.policy.as_ref().and_then(|h| self.hashes.iter().position(|x| x == h));
        let index = named.unwrap_or(0);
        let (Some(m), Some(hash)) = (self.matchers.get(index), self.hashes.get(index)) else {
            return Err(Malformed::new(line_no, "an audit needs at least one artifact"));
        };
        let mut out = Vec::new();
        // An event that names a policy no artifact has, or none while several are audited: which policy the
        // collector ran is then unknown, and a log that stopped recording it would otherwise hide the violations
        // of every older policy behind the first artifact's decisions.
        let mismatch = match (&event.policy, named) {
            (Some(h), None) => Some(format!("names policy {h}")),
            (None, _) if self.hashes.len() > 1 => Some("names no policy".to_string()),
            _ => None,
        };
        if let Some(names) = &mismatch {
            let detail = match self.hashes.as_slice() {
                [only] => format!("event {names}, the artifact is {only}"),
                all => format!("event {names}, none of the {} artifacts ({})", all.len(), all.join(", ")),
            };
            out.push(violation(event, line_no, hash, Kind::PolicyMismatch, vec![], detail));
        }
        // Linking data the record says was not collected is a record at odds with itself, whatever the policy:
        // no decision can tell which half of it is true, so the line is malformed rather than audited by half.
        if let Some(message) = event.linked_not_collected() {
            let mut malformed = Malformed::new(line_no, &message);
            malformed.violations = out;
            return Err(malformed);
        }
        match decide_and_compare(m, hash, line_no, event, &mut out) {
            Ok(()) => Ok(out),
            // The names were checked against an artifact the event did not name: say so, since "this policy" in
            // the message is then not the event's, and keep the mismatch found before.
            Err(mut malformed) => {
                if let Some(names) = &mismatch {
                    let which = match event.policy {
                        Some(_) => format!("the event {names}, which no artifact has"),
                        None => format!("the event {names}"),
                    };
                    malformed.message =
                        one_line(&format!("{}; read with policy {hash} because {which}", malformed.message));
                } else if self.hashes.len() > 1 {
                    // With several artifacts, "this policy" is one of them: name the one the event named.
                    malformed.message =
                        one_line(&format!("{}; read with policy {hash}, which the event names", malformed.message));
                }
                malformed.violations = out;
                Err(malformed)
            }
        }
    }
}

/// Audits one log line (without its line break) against a single matcher.
pub fn audit_line(m: &Matcher<'_>, line_no: u64, line: &str) -> Result<Vec<Violation>, Malformed> {
    Auditor::new(std::slice::from_ref(m))
        .map_err(|e| Malformed::new(line_no, &e.to_string()))?
        .audit_line(line_no, line)
}

fn violation(event: &Event, line: u64, hash: &str, kind: Kind, data: Vec<String>, detail: String) -> Violation {
    Violation { line, ts: event.ts.clone(), url: event.url.clone(), kind, data, detail, policy: hash.to_string() }
}

fn words(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

/// Whether `item` is a data item of `m` whose bit is set in `mask`; an item the policy does not know is not.
fn allowed(m: &Matcher<'_>, mask: u64, item: &str) -> bool {
    m.data().iter().position(|d| d == item).is_some_and(|i| i < 64 && mask >> i & 1 == 1)
}

/// Decides the event with `m` and adds a violation for what it collected or linked beyond the decision.
///
/// Most events break nothing, so the comparison runs on the decision's bit sets, and the decision in names (a
/// [`Report`], which allocates a string per name) is built only for an event that has a violation to explain.
fn decide_and_compare(
    m: &Matcher<'_>,
    hash: &str,
    line_no: u64,
    event: &Event,
    out: &mut Vec<Violation>,
) -> Result<(), Malformed> {
    // As `Settings::context` does: every named switch, then the region.
    let mut state = m.context();
    let unknown = |u: UnknownName| Malformed::new(line_no, &u.to_string());
    for (name, on) in &event.state {
        m.set(&mut state, name, *on).map_err(unknown)?;
    }
    m.set_region(&mut state, event.region.as_deref()).map_err(unknown)?;
    m.set_event(&mut state, event.event.as_deref()).map_err(unknown)?;
    let decision = m.decide(&event.url, &state);
    // Each item once, in the event's order: a log that repeats an item names one violation, not two.
    let once = |items: &[String], allowed_set| {
        let mut out: Vec<String> = Vec::new();
        for d in items.iter().filter(|d| !allowed(m, allowed_set, d)) {
            if !out.contains(d) {
                out.push(d.clone());
            }
        }
        out
    };
    let extra = once(&event.collect, decision.collect);
    let extra_linked = once(&event.linked, decision.linked);
    if extra.is_empty() && extra_linked.is_empty() {
        return Ok(());
    }
    let report = Report::from_decision(m, &event.url, &decision);
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
    if !extra.is_empty() {
        out.push(violation(event, line_no, hash, Kind::CollectedNotAllowed, extra, why()));
    }
    if !extra_linked.is_empty() {
        let detail = if report.collect.is_empty() {
            why()
        } else {
            let reasons: Vec<String> = extra_linked.iter().map(|item| link_reason(m, &decision, item)).collect();
            format!("in this state the policy allows linking {} there; {}", words(&report.linked), reasons.join("; "))
        };
        out.push(violation(event, line_no, hash, Kind::LinkedNotAllowed, extra_linked, detail));
    }
    Ok(())
}

/// Why `item` may not be linked in a decision: the link clause of each rule that fired for it, with the rule and
/// where it is written, so that an auditor can see which condition did not hold.
fn link_reason(m: &Matcher<'_>, d: &Decision, item: &str) -> String {
    let Some(bit) = m.data().iter().position(|x| x == item).filter(|&i| i < 64) else {
        return format!("`{item}` is not a data item of this policy");
    };
    let rules: Vec<String> = m
        .meta()
        .collect
        .iter()
        .enumerate()
        .filter(|&(i, r)| i < 64 && d.rules >> i & 1 == 1 && r.data >> bit & 1 == 1)
        .map(|(i, r)| {
            let rule = format!("`collect {}` at {}", i + 1, r.origin);
            match &r.link {
                LinkRow::When(_) => format!("{rule} links it only {}, which does not hold here", r.link_text),
                // `never`, or `never (the underlying privacy policy does not say)`.
                _ => format!("{rule} links it {}", r.link_text),
            }
        })
        .collect();
    if rules.is_empty() {
        format!("`{item}` is not collected there")
    } else {
        format!("`{item}`: {}", rules.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo.matcher")).unwrap()
    }

    #[test]
    fn reads_collect_and_its_old_name_data_alike() {
        let new = Event::parse(r#"{"url": "https://a.example/", "collect": ["page_url"]}"#).unwrap();
        let old = Event::parse(r#"{"url": "https://a.example/", "data": ["page_url"]}"#).unwrap();
        assert_eq!(new, old);
        assert_eq!(new.collect, ["page_url"]);
        // Both names at once is ambiguous, so the line is malformed rather than one of them silently lost, and it
        // says so: not "duplicate field `collect`", which names a field the line gives once.
        let e = Event::parse(r#"{"url": "u", "collect": [], "data": []}"#).unwrap_err();
        assert_eq!(e, format!("not a collection event: {BOTH_COLLECT_AND_DATA}"));
        let e = Event::parse(r#"{"url": "u", "data": [], "collect": []}"#).unwrap_err();
        assert!(e.contains(BOTH_COLLECT_AND_DATA), "{e}");
        // A field given twice is still one.
        let e = Event::parse(r#"{"url": "u", "collect": [], "collect": []}"#).unwrap_err();
        assert!(e.starts_with("not a collection event: duplicate field `collect`"), "{e}");
    }

    #[test]
    fn an_event_that_links_what_it_does_not_collect_is_malformed() {
        let bytes = demo();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let line = r#"{"url": "https://www.walmart.com/ip/1", "collect": [], "linked": ["page_url", "page_url"]}"#;
        let e = audit_line(&m, 3, line).unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "`page_url` is in `linked` but not in `collect`: an event links only data it collects, so list it in \
             both or in neither"
        );
        let line = r#"{"url": "https://www.walmart.com/ip/1", "collect": ["a"], "linked": ["b", "a", "c"]}"#;
        let e = audit_line(&m, 1, line).unwrap_err();
        assert!(e.message.starts_with("`b`, `c` are in `linked` but not in `collect`"), "{}", e.message);
        // Linking what it collects is audited as ever (`page_url` is not linked unless signed in).
        let line = r#"{"url": "https://www.walmart.com/ip/1", "collect": ["page_url"], "linked": ["page_url"]}"#;
        assert!(audit_line(&m, 1, line).is_ok());
        // A mismatch found first is kept.
        let line = r#"{"url": "https://www.walmart.com/", "linked": ["page_url"], "policy": "ff"}"#;
        let e = audit_line(&m, 1, line).unwrap_err();
        assert_eq!(e.violations.iter().map(|v| v.kind).collect::<Vec<_>>(), [Kind::PolicyMismatch]);
        assert!(!e.message.contains("read with policy"), "the record is at odds whatever the policy: {}", e.message);
    }

    #[test]
    fn a_switch_given_twice_in_state_makes_the_line_malformed() {
        let line = r#"{"url": "u", "state": {"price_compare": false, "price_compare": true}}"#;
        let e = Event::parse(line).unwrap_err();
        assert!(e.contains("switch `price_compare` is given twice in `state`"), "{e}");
        let ok = Event::parse(r#"{"url": "u", "state": {"a": false, "b": true}}"#).unwrap();
        assert_eq!(ok.state, BTreeMap::from([("a".to_string(), false), ("b".to_string(), true)]));
        assert!(Event::parse(r#"{"url": "u", "state": {"a": 1}}"#).is_err(), "a switch is true or false");
    }

    #[test]
    fn a_malformed_line_is_named_by_its_column_and_a_misspelt_field_by_the_one_meant() {
        let e = Event::parse(r#"{"url": "https://a.example/", "colect": ["page_url"]}"#).unwrap_err();
        assert!(e.starts_with("not a collection event: unknown field `colect`"), "{e}");
        assert!(e.ends_with("(column 38); did you mean `collect`?"), "{e}");
        assert!(!e.contains("line 1"), "{e}");
        let e = Event::parse("[1, 2]").unwrap_err();
        assert_eq!(e, "not a collection event: a line must be one JSON object");
        let e = Event::parse(r#"{"url": 5}"#).unwrap_err();
        assert_eq!(e, "not a collection event: invalid type: integer `5`, expected a string (column 9)");
        // Every field an event has is one the suggestions know.
        for field in EVENT_FIELDS {
            let line = format!(r#"{{"url": "u", "{field}x": 1}}"#);
            assert!(Event::parse(&line).unwrap_err().contains(&format!("did you mean `{field}`")), "{field}");
        }
    }

    #[test]
    fn a_column_that_looks_like_a_misspelt_field_is_named_with_the_field_meant() {
        assert_eq!(misspelt_field(["url", "collect", "event"]), None);
        assert_eq!(
            misspelt_field(["url", "colect"]).as_deref(),
            Some("`colect` is not a field of a collection event; did you mean `collect`?")
        );
        // Columns of the table's own are read past: an id, and a partition column beside the field it resembles.
        assert_eq!(misspelt_field(["url", "user_id", "data", "date"]), None);
        assert_eq!(misspelt_field(["url", "collect", "date"]), None);
        // Without `data`, `date` may be it misspelt.
        assert!(misspelt_field(["url", "date"]).is_some_and(|m| m.ends_with("did you mean `data`?")));
        let escaped = misspelt_field(["url", "col\nect"]).unwrap_or_default();
        assert!(escaped.starts_with("`col\\nect` is not a field") && !escaped.contains('\n'), "{escaped}");
    }

    #[test]
    fn an_auditor_needs_an_artifact() {
        assert!(Auditor::new(&[]).is_err());
        let bytes = demo();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let e = audit_line(&m, 3, "nope").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("not a collection event: "), "{}", e.message);
    }

    #[test]
    fn an_event_is_decided_with_the_artifact_it_names() {
        let bytes = demo();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let hash = m.policy_hash();
        // The same artifact twice stands for two policy versions; the hash picks the first that matches.
        let two = [Matcher::from_bytes(&bytes).unwrap(), m];
        let a = Auditor::new(&two).unwrap();
        let line = format!(r#"{{"url": "https://shop.example/cart", "collect": ["page_url"], "policy": "{hash}"}}"#);
        assert_eq!(a.audit_line(1, &line).unwrap(), []);
        let other = "1".repeat(64);
        let line = format!(r#"{{"url": "https://shop.example/cart", "collect": ["page_url"], "policy": "{other}"}}"#);
        let vs = a.audit_line(2, &line).unwrap();
        assert_eq!(vs.len(), 1);
        assert_eq!(vs[0].kind, Kind::PolicyMismatch);
        assert_eq!(vs[0].policy, hash);
        assert!(vs[0].detail.contains("none of the 2 artifacts"), "{}", vs[0].detail);
        // With several artifacts, an event that names no policy cannot say which one the collector ran; with
        // one, it is that artifact's.
        let line = r#"{"url": "https://shop.example/cart", "collect": ["page_url"]}"#;
        let vs = a.audit_line(3, line).unwrap();
        assert_eq!(vs.iter().map(|v| v.kind).collect::<Vec<_>>(), [Kind::PolicyMismatch]);
        assert!(vs[0].detail.starts_with("event names no policy, none of the 2 artifacts"), "{}", vs[0].detail);
        let one = Auditor::new(std::slice::from_ref(&two[1])).unwrap();
        assert_eq!(one.audit_line(3, line).unwrap(), []);
    }

    #[test]
    fn a_line_that_names_another_policy_and_a_switch_of_none_keeps_its_mismatch() {
        let bytes = demo();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let hash = m.policy_hash();
        let a = Auditor::new(std::slice::from_ref(&m)).unwrap();
        let other = "1".repeat(64);
        let line =
            format!(r#"{{"url": "https://shop.example/", "state": {{"dark_mode": true}}, "policy": "{other}"}}"#);
        let e = a.audit_line(4, &line).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.starts_with("`dark_mode` is not a signal or feature of this policy; "), "{}", e.message);
        assert!(
            e.message.ends_with(&format!(
                "; read with policy {hash} because the event names policy {other}, which no artifact has"
            )),
            "{}",
            e.message
        );
        assert_eq!(e.violations.len(), 1, "{:?}", e.violations);
        assert_eq!((e.violations[0].line, e.violations[0].kind), (4, Kind::PolicyMismatch));
        // A line that names the artifact's own policy has no mismatch to keep, and its message no fallback.
        let line = format!(r#"{{"url": "https://shop.example/", "state": {{"dark_mode": true}}, "policy": "{hash}"}}"#);
        let e = a.audit_line(5, &line).unwrap_err();
        assert!(e.violations.is_empty() && !e.message.contains("read with"), "{e:?}");
    }

    #[test]
    fn an_item_the_log_repeats_is_one_violation() {
        let bytes = demo();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let a = Auditor::new(std::slice::from_ref(&m)).unwrap();
        let vs = a.audit_line(1, r#"{"url": "https://bank.example/", "collect": ["page_url", "page_url"]}"#).unwrap();
        assert_eq!(vs.len(), 1, "{vs:?}");
        assert_eq!(vs[0].data, ["page_url"]);
    }

    #[test]
    fn a_message_about_a_line_stays_one_line() {
        let bytes = demo();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let a = Auditor::new(std::slice::from_ref(&m)).unwrap();
        let forged = r#"{"url": "https://shop.example/", "region": "DE\nline 99: malformed: fake\u001b[2J"}"#;
        let e = a.audit_line(1, forged).unwrap_err();
        assert!(!e.message.chars().any(char::is_control), "{}", e.message);
        assert!(e.message.contains(r"DE\nline 99: malformed: fake\u{1b}[2J"), "{}", e.message);
        assert_eq!(one_line("plain"), "plain");
        assert!(is_blank(" \t\r") && !is_blank("\u{a0}") && !is_blank("\u{b}"));
    }
}
