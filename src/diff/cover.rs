//! The conservative half of "does the new version widen?": what a consent given to the old version covers.
//!
//! The rest of the diff explains changes and decides witness URLs; a sample of URLs and states can miss a
//! change that widens (two rules trading their retention, a condition over many switches, a site list that grew
//! under a new category name). A consent carries over only when `widens` is false, so that answer must not rest
//! on a sample. This module answers it by construction instead: every rule of the new version must be covered by
//! one rule of the old version (no more data, sites, events, purposes, regions or retention, no state of the
//! switches in which it collects or links where the old rule does not), and every term outside the rules that a
//! reader agreed to (the texts of data items, purposes, recipients, sources, signals, events, features and
//! criteria, purpose flags, controllers, store declarations, on-device processing, `never collect` promises)
//! must be unchanged or only narrowed. Anything else widens: a false "widens" only asks for consent again, a
//! false "does not widen" would carry consent over to terms nobody agreed to.

use super::{kept_longer, link_holds, switch_names, Changes};
use crate::ir::{self, Policy};
use serde_json::Value;
use std::collections::BTreeSet;

/// Adds a widening change for each rule of `new` that no rule of `old` covers, and for each term outside the
/// rules that changed in a way not known to narrow.
pub(super) fn check(old: &Policy, new: &Policy, changes: &mut Changes) {
    // A name the rules read that turned from a signal (the host sets it) into a feature (the user does, with a
    // default) or back: the same condition then holds in other circumstances.
    for name in new.signals.iter().map(|s| &s.name).filter(|n| old.feature(n).is_some()) {
        changes.widen(
            "terms",
            format!("`{name}` is now a signal the extension reports (was a feature the user switches)"),
        );
    }
    for name in new.features.iter().map(|f| &f.name).filter(|n| old.signal(n).is_some()) {
        changes.widen(
            "terms",
            format!("`{name}` is now a feature the user switches (was a signal the extension reports)"),
        );
    }
    for (i, r) in new.collect.iter().enumerate() {
        if !old.collect.iter().any(|o| covers_page_rule(o, r)) {
            changes.widen(
                "rules",
                format!("the collect rule {} goes beyond every rule of the old version", where_(i, r.origin.as_ref())),
            );
        }
    }
    for (i, r) in new.independent.iter().enumerate() {
        if !old.independent.iter().any(|o| covers_source_rule(o, r)) {
            changes.widen(
                "rules",
                format!(
                    "the rule from `{}` {} goes beyond every rule of the old version",
                    r.source,
                    where_(i, r.origin.as_ref())
                ),
            );
        }
    }
    terms(old, new, changes);
}

/// A rule by its line, or by its place among the rules when it has no origin (a policy built in memory).
fn where_(i: usize, origin: Option<&crate::source::Origin>) -> String {
    match origin {
        Some(_) => format!("at {}", crate::source::Origin::short(origin)),
        None => format!("number {}", i + 1),
    }
}

fn subset(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x))
}

/// Whether a rule scoped to `inner` holds only where one scoped to `outer` does (empty: every region).
fn regions_within(inner: &[String], outer: &[String]) -> bool {
    outer.is_empty() || (!inner.is_empty() && inner.iter().all(|x| outer.iter().any(|y| crate::region::within(x, y))))
}

/// Whether, in every state of the switches, `n` collects only when `o` does and links only when `o` does. Past 16
/// switches the question is not answered, and the answer is no.
fn conditions_within(o: (Option<&ir::Cond>, &ir::Link), n: (Option<&ir::Cond>, &ir::Link)) -> bool {
    let names = switch_names([o, n].into_iter());
    let holds = |when: Option<&ir::Cond>, on: &dyn Fn(&str) -> bool| when.is_none_or(|c| c.eval(&on));
    ir::in_some_state(&names, |on| holds(n.0, on) && (!holds(o.0, on) || (link_holds(n.1, on) && !link_holds(o.1, on))))
        .is_some_and(|beyond| !beyond)
}

/// What a rule on the pages and a rule from a source have in common, covered: no more data or purposes, no longer
/// retention, no other regions, no withdrawn promise not to link, and no state of the switches in which `n`
/// collects or links where `o` does not.
fn covers_collection(o: ir::Collection<'_>, n: ir::Collection<'_>) -> bool {
    subset(n.data, o.data)
        && subset(n.purposes, o.purposes)
        && !kept_longer(o.keep, n.keep)
        && regions_within(n.regions, o.regions)
        && keeps_link_promise(o.link, n.link)
        && conditions_within((o.when, o.link), (n.when, n.link))
}

/// The events a rule on the pages collects on; a rule without `at` collects on a page view.
fn events(r: &ir::CollectRule) -> Vec<String> {
    if r.events.is_empty() {
        vec![ir::PAGE_VIEW.to_string()]
    } else {
        r.events.clone()
    }
}

fn covers_page_rule(o: &ir::CollectRule, n: &ir::CollectRule) -> bool {
    covers_collection(o.collection(), n.collection())
        && subset(&n.sites, &o.sites)
        && subset(&events(n), &events(o))
        && n.necessary == o.necessary
}

/// Whether `new` collects `item` on the pages somewhere, on some event, in some region or in some state of the
/// switches where `old` does not, by the covering test `check` uses, kept to where and when: every rule of `new`
/// that collects the item must be covered by one rule of `old` that collects it on the same sites or more, on the
/// same events or more, in the same regions or more, and in every state in which the new rule collects. The
/// per-item lines of the diff about conditions and regions take their `widens` from it, so that a line agrees with
/// the verdict it explains; purposes, retention and linkage have lines of their own and are left out here. Like
/// `check`, it errs towards "wider": one old rule must cover a new one on its own, and past 16 switches nothing is
/// covered.
pub(super) fn collects_item_beyond(old: &Policy, new: &Policy, item: &str) -> bool {
    let collects = |r: &&ir::CollectRule| r.data.iter().any(|d| d == item);
    new.collect.iter().filter(collects).any(|n| {
        !old.collect.iter().filter(collects).any(|o| {
            subset(&n.sites, &o.sites)
                && subset(&events(n), &events(o))
                && regions_within(&n.regions, &o.regions)
                && when_within(o.when.as_ref(), n.when.as_ref())
        })
    })
}

/// Whether, in every state of the switches, `n` holds only when `o` does (`None`: always). Past 16 switches the
/// question is not answered, and the answer is no.
fn when_within(o: Option<&ir::Cond>, n: Option<&ir::Cond>) -> bool {
    // Linkage is not the question here; `switch_names` reads conditions beside a link clause.
    let unlinked = ir::Link::Never;
    let names = switch_names([(o, &unlinked), (n, &unlinked)].into_iter());
    let holds = |when: Option<&ir::Cond>, on: &dyn Fn(&str) -> bool| when.is_none_or(|c| c.eval(&on));
    ir::in_some_state(&names, |on| holds(n, on) && !holds(o, on)).is_some_and(|beyond| !beyond)
}

pub(super) fn covers_source_rule(o: &ir::IndependentRule, n: &ir::IndependentRule) -> bool {
    n.source == o.source && covers_collection(o.collection(), n.collection()) && n.necessary == o.necessary
}

/// A rule that said it never links the data, now silent on it, withdraws a promise the notice made.
fn keeps_link_promise(o: &ir::Link, n: &ir::Link) -> bool {
    !(matches!(o, ir::Link::Never) && matches!(n, ir::Link::NotStated))
}

/// The parts of a policy that the rest of the diff judges (the rules, the site lists, `never` rules, feature
/// defaults, legal bases, recipients' roles and who a purpose is shared with), or that change nothing a reader
/// agreed to (the version, `expect` lines, accepted warnings, the policy's own id), left out of the comparison of
/// terms.
const JUDGED_ELSEWHERE: [&str; 8] =
    ["id", "version", "expects", "allow", "collect", "independent", "never", "promises"];

/// Within named declarations, the fields the rest of the diff judges.
fn judged_field(kind: &str, field: &str) -> bool {
    matches!(
        (kind, field),
        ("features", "default")
            | ("data", "text")
            | ("purposes", "basis" | "shared_with")
            | ("recipients", "processor" | "own_purposes" | "sold" | "shared")
            | ("sites", "patterns" | "examples" | "allow")
            | (_, "allow")
    )
}

/// Terms outside the rules: a named declaration present in both versions whose terms changed (a text, a flag, a
/// place) widens; one only in the new version is new terms only where a rule uses it, which the rules above
/// judge; one only in the old version was dropped, which narrows. Other parts widen when they gain something
/// (a `never collect` promise dropped also counts), and the texts that name the controller widen when they change.
fn terms(old: &Policy, new: &Policy, changes: &mut Changes) {
    let (Ok(mut a), Ok(mut b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        changes.widen("policy", "the versions could not be compared term by term".into());
        return;
    };
    // Texts are compared in the languages both versions have: a translation added is no new term (a reader of
    // the new language read another language's text before), and a language dropped takes nothing away.
    let all: BTreeSet<&str> = old.languages.iter().chain(&new.languages).map(String::as_str).collect();
    let common: BTreeSet<&str> =
        old.languages.iter().filter(|l| new.languages.contains(l)).map(String::as_str).collect();
    // With no language in common (a policy that changed all its languages), every text is compared whole.
    if !common.is_empty() {
        in_languages(&mut a, &all, &common);
        in_languages(&mut b, &all, &common);
    }
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        changes.widen("policy", "the versions could not be compared term by term".into());
        return;
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        if JUDGED_ELSEWHERE.contains(&key.as_str()) {
            continue;
        }
        let (x, y) = (a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null));
        if x == y {
            continue;
        }
        match key.as_str() {
            // Texts about who to write to or where to read more: said by the rest of the diff, no new terms.
            "name" | "contact" | "dpo" | "url" | "opt_out" | "representative" | "languages" => {}
            // A promise withdrawn.
            "never_collect" => {
                for d in old.never_collect.iter().filter(|d| !new.never_collect.contains(d)) {
                    changes.widen("promises", format!("the promise `never collect {d}` is withdrawn"));
                }
            }
            // A region the policy now knows: users there were decided as in no region (no region-scoped rule
            // for them, every region-scoped `never` rule against them).
            "regions" => {
                for r in new.regions.iter().filter(|r| !old.regions.contains(r)) {
                    changes.widen("scope", format!("the policy now tells users in {r} apart"));
                }
            }
            // Incentives too: under the CCPA a material change to a financial incentive needs a new opt-in.
            "signals" | "features" | "events" | "data" | "purposes" | "recipients" | "criteria" | "sources"
            | "sites" | "incentives" => named(key, x, y, changes),
            // Another legal entity responsible for some users, added, changed or removed.
            "regional_controllers" => changes.widen("policy", "the controllers for particular regions change".into()),
            // Everything else (controllers, establishment, store declarations, on-device processing): gained
            // entries or a changed value are new terms.
            _ => gained(key, x, y, changes),
        }
    }
}

/// Keeps only the languages in `common` of every text (an object from language codes to strings) in `v`.
fn in_languages(v: &mut Value, all: &BTreeSet<&str>, common: &BTreeSet<&str>) {
    match v {
        Value::Object(m) => {
            let is_text = !m.is_empty() && m.iter().all(|(k, v)| all.contains(k.as_str()) && v.is_string());
            if is_text {
                m.retain(|k, _| common.contains(k.as_str()));
            } else {
                m.values_mut().for_each(|v| in_languages(v, all, common));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| in_languages(v, all, common)),
        _ => {}
    }
}

fn named(kind: &str, old: &Value, new: &Value, changes: &mut Changes) {
    let by_name = |v: &Value| -> Vec<(String, Value)> {
        v.as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| {
                        let mut i = i.as_object()?.clone();
                        let name = i.remove("name")?.as_str()?.to_string();
                        i.retain(|field, _| !judged_field(kind, field));
                        Some((name, Value::Object(i)))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let was = by_name(old);
    for (name, terms) in by_name(new) {
        if let Some((_, before)) = was.iter().find(|(n, _)| *n == name) {
            if *before != terms {
                let singular = match kind {
                    "data" => "data item",
                    "criteria" => "criterion",
                    "sites" => "site category",
                    _ => kind.strip_suffix('s').unwrap_or(kind),
                };
                changes.widen(
                    "terms",
                    format!("the {singular} `{name}` changes its terms ({})", differing_fields(before, &terms)),
                );
            }
        }
    }
}

/// The fields of two objects that differ, in words: `text`, `profiling`.
fn differing_fields(a: &Value, b: &Value) -> String {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return "its value".into() };
    let fields: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
    fields.into_iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
}

/// An array that gained an entry, or another value that changed.
fn gained(key: &str, old: &Value, new: &Value, changes: &mut Changes) {
    match (old.as_array(), new.as_array()) {
        (Some(a), Some(b)) if b.iter().all(|x| a.contains(x)) => {}
        _ => changes.widen("terms", format!("`{key}` changes (new terms)")),
    }
}
