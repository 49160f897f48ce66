//! Semantic diff between two versions of a policy, in plain words, with witness URLs.
//!
//! A text diff of two policy files says which lines moved; a reviewer wants to know what users will
//! experience differently. [`diff`] compares the two IRs item by item (data, purposes and legal bases,
//! retention, linkage, feature switches, incentives, `never` categories), counts the sites each category gained
//! and lost, and then *decides* witness URLs (added and removed sites, and each category's examples) under
//! both versions with the reference interpreter, reporting every URL whose decision changed.

mod cover;

use crate::interp::Interpreter;
use crate::ir::{self, Policy};
use crate::pattern::Pattern;
use crate::report::Settings;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How many witness URLs are decided per category and direction, to keep the diff of a large list quick.
const WITNESSES_PER_CATEGORY: usize = 100;
/// How many changed decisions are reported.
const MAX_WITNESSES: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct PolicyDiff {
    pub old: Side,
    pub new: Side,
    /// Changes in words, grouped by topic, in a fixed order of topics.
    pub changes: Vec<Change>,
    pub scope: Vec<ScopeChange>,
    pub witnesses: Vec<Witness>,
    /// Witness URLs decided; `witnesses` lists those whose decision changed.
    pub witnesses_checked: usize,
    /// The states each witness URL was decided under, in words (`defaults`, `price_alerts on`, `in DE`).
    pub states: Vec<String>,
    /// The same in one phrase, for the Markdown.
    pub states_summary: String,
    /// [`PolicyDiff::widens`], for readers of the JSON.
    pub widens: bool,
    /// The terms change but the `version` does not: readers of the two notices, and records of the consent
    /// given to each, could not tell the versions apart by the name they print.
    pub version_unchanged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub id: String,
    pub version: String,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub topic: &'static str,
    pub text: String,
    /// Whether the change can widen what the data is collected, used, kept or shared for (a new purpose, a
    /// longer retention, a new recipient or a recipient's wider role, a withdrawn promise, a `never` rule
    /// narrowed, a rule for more regions, a feature now on by default, a changed legal basis, another ground
    /// for reading the page or the device, a recipient elsewhere or on another transfer ground, a controller
    /// established elsewhere). A consent given to the old policy does not cover such a change.
    pub widens: bool,
}

/// The changes found so far, each said as narrowing or neutral ([`Changes::say`]) or as widening
/// ([`Changes::widen`]).
#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn say(&mut self, topic: &'static str, text: String) {
        self.0.push(Change { topic, text, widens: false });
    }

    fn widen(&mut self, topic: &'static str, text: String) {
        self.0.push(Change { topic, text, widens: true });
    }

    fn either(&mut self, widens: bool, topic: &'static str, text: String) {
        self.0.push(Change { topic, text, widens });
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeChange {
    pub category: String,
    pub added: usize,
    pub removed: usize,
    /// Whether the change can widen collection: sites added to a category that a collect rule uses (or that no
    /// rule uses yet), or removed from one that a `never` rule excludes. Adding sites to a `never` category
    /// only narrows.
    pub widens: bool,
    pub added_examples: Vec<String>,
    pub removed_examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    pub url: String,
    /// The state the difference shows under, in words: `defaults`, or the settings that differ from them
    /// (`price_history on, signed_in on in DE`).
    pub state: String,
    /// The signals and features set away from their defaults in that state.
    pub set: Vec<(String, bool)>,
    /// The region of that state, if any.
    pub region: Option<String>,
    /// The event of that state, when it is not a page view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub before_collect: Vec<String>,
    pub after_collect: Vec<String>,
    pub before_linked: Vec<String>,
    pub after_linked: Vec<String>,
    /// What the collected data is used for, before and after.
    pub before_purposes: Vec<String>,
    pub after_purposes: Vec<String>,
    /// How long each collected item is kept, before and after.
    pub before_retention: BTreeMap<String, String>,
    pub after_retention: BTreeMap<String, String>,
    pub text: String,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.scope.is_empty() && self.witnesses.is_empty()
    }

    /// Whether the new policy collects, links, uses, keeps or shares more: a change that widens (a new purpose
    /// for an item, a longer retention, a new recipient, ...: [`Change::widens`]), sites added to a category
    /// that collects, sites removed from one that a `never` rule excludes, or a witness URL where an item is
    /// newly collected, newly linked or used for a new purpose. A consent given to the old policy does not
    /// cover such a change.
    pub fn widens(&self) -> bool {
        self.changes.iter().any(|c| c.widens)
            || self.scope.iter().any(|s| s.widens)
            || self.witnesses.iter().any(Witness::widens)
    }
}

impl Witness {
    /// Whether the URL now collects an item, links an item, uses the data for a purpose or keeps an item longer
    /// than it did.
    pub fn widens(&self) -> bool {
        let more = |before: &[String], after: &[String]| after.iter().any(|a| !before.contains(a));
        more(&self.before_collect, &self.after_collect)
            || more(&self.before_linked, &self.after_linked)
            || more(&self.before_purposes, &self.after_purposes)
            || self
                .after_retention
                .iter()
                .any(|(d, k)| self.before_retention.get(d).is_some_and(|b| kept_longer_words(b, k)))
    }
}

/// A recipient's kind in clauses: `` `processor` ``, `` `own purposes`, `sold` ``, or that none is said.
fn role_words(v: &[String]) -> String {
    if v.is_empty() {
        "a recipient of no stated kind".into()
    } else {
        v.join(", ")
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

fn en(t: &ir::Text) -> String {
    t.get("en").or_else(|| t.values().next()).cloned().unwrap_or_default()
}

/// What a policy says about one data item, summarised over its collect rules.
#[derive(Default, PartialEq)]
struct ItemView {
    sites: BTreeSet<String>,
    purposes: BTreeSet<String>,
    /// Purpose to the retention periods of the rules that collect the item for it.
    keep: BTreeMap<String, BTreeSet<String>>,
    /// Purpose to the longest of those retentions in days, a criterion counting as longer than any period.
    keep_days: BTreeMap<String, u64>,
    link: BTreeSet<String>,
    when: BTreeSet<String>,
    /// The regions the rules collect in; empty for a rule for every region.
    regions: BTreeSet<Vec<String>>,
    /// The sites of the rules that say reading the item in the browser is strictly necessary (`necessary`).
    necessary: BTreeSet<String>,
    /// What is kept in aggregated form after the retention, per rule: `for PURPOSE: PERIOD`.
    aggregated: BTreeSet<String>,
}

fn item_view(p: &Policy, data: &str) -> ItemView {
    let mut v = ItemView::default();
    for r in p.collect.iter().filter(|r| r.data.iter().any(|d| d == data)) {
        v.sites.extend(r.sites.iter().cloned());
        v.purposes.extend(r.purposes.iter().cloned());
        for purpose in &r.purposes {
            v.keep.entry(purpose.clone()).or_default().insert(r.keep.to_string());
            let days = r.keep.max_days().unwrap_or(u64::MAX);
            let longest = v.keep_days.entry(purpose.clone()).or_default();
            *longest = (*longest).max(days);
        }
        v.regions.insert(r.regions.clone());
        v.link.insert(match &r.link {
            ir::Link::Never => "never".into(),
            ir::Link::Always => "always".into(),
            ir::Link::NotStated => "not stated".into(),
            ir::Link::When(c) => format!("when {c}"),
        });
        v.when.insert(r.when.as_ref().map(|c| c.to_string()).unwrap_or_else(|| "always".into()));
        if r.necessary.is_some() {
            v.necessary.extend(r.sites.iter().cloned());
        }
        if let Some(a) = r.aggregated {
            v.aggregated.insert(format!("for {}: {a}", r.purposes.join(", ")));
        }
    }
    v
}

/// Whether `new` may link `item` to the account in some state of the signals and features where `old` may not:
/// some rule collects it and links it then (its `when` and its link condition hold), in `new` but in no rule of
/// `old`, over every combination of the names the rules read. Sites and regions are left aside, so the answer
/// errs towards "wider", as it does past 16 names: a false "wider" only asks for consent again, a false
/// "not wider" would carry consent over to more linking than was agreed to.
fn links_more(old: &Policy, new: &Policy, item: &str) -> bool {
    fn linking<'p>(p: &'p Policy, item: &str) -> Vec<(Option<&'p ir::Cond>, &'p ir::Link)> {
        p.collections().filter(|c| c.data.iter().any(|d| d == item)).map(|c| (c.when, c.link)).collect()
    }
    let (was, now) = (linking(old, item), linking(new, item));
    let names = switch_names(was.iter().chain(&now).copied());
    let links = |rules: &[(Option<&ir::Cond>, &ir::Link)], on: &dyn Fn(&str) -> bool| {
        rules.iter().any(|(when, link)| when.is_none_or(|c| c.eval(&on)) && link_holds(link, on))
    };
    ir::in_some_state(&names, |on| links(&now, on) && !links(&was, on)).unwrap_or(true)
}

/// Whether some condition of a rule (its `when` or its link condition) reads `name` under a `not`.
fn reads_negated(p: &Policy, name: &str) -> bool {
    fn negated(c: &ir::Cond, name: &str, under_not: bool) -> bool {
        match c {
            ir::Cond::Var(n) => under_not && n == name,
            ir::Cond::Not(c) => negated(c, name, !under_not),
            ir::Cond::And(cs) | ir::Cond::Or(cs) => cs.iter().any(|c| negated(c, name, under_not)),
        }
    }
    p.collections().any(|c| c.when.into_iter().chain(c.link.cond()).any(|c| negated(c, name, false)))
        || p.on_device.iter().any(|r| r.when.as_ref().is_some_and(|c| negated(c, name, false)))
}

/// The switches that rules' conditions read (their `when` and their link condition), each once, in order.
fn switch_names<'p>(rules: impl Iterator<Item = (Option<&'p ir::Cond>, &'p ir::Link)>) -> Vec<&'p str> {
    let mut names: Vec<&str> = Vec::new();
    for (when, link) in rules {
        for n in when.into_iter().chain(link.cond()).flat_map(|c| c.names()) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// Whether a rule's link to the account holds in the state `on` (its `when` aside).
fn link_holds(link: &ir::Link, on: &dyn Fn(&str) -> bool) -> bool {
    match link {
        ir::Link::Always => true,
        ir::Link::When(c) => c.eval(&on),
        ir::Link::Never | ir::Link::NotStated => false,
    }
}

/// Whether data kept for `now` may be kept longer than for `was`: a period that can be longer than the old one
/// in some reading of its months and years (`1 month` is 28 to 31 days, so `31 days` may be longer, while `12
/// months` is `1 year`; see [`ir::Period::maybe_longer_than`]), or any change from or to a criterion, which no
/// period the reader agreed to bounds nor is bounded by (`until uninstall` may come after any number of years, or
/// never).
fn kept_longer(was: &ir::Retention, now: &ir::Retention) -> bool {
    match (was, now) {
        _ if was == now => false,
        (ir::Retention::Period(w), ir::Retention::Period(n)) => n.maybe_longer_than(*w),
        _ => true,
    }
}

/// The same for retentions in words, as reports give them; words that do not read as a retention count as
/// longer, so that a doubt asks for consent again rather than carrying it over.
fn kept_longer_words(was: &str, now: &str) -> bool {
    match (was.parse::<ir::Retention>(), now.parse::<ir::Retention>()) {
        (Ok(w), Ok(n)) => kept_longer(&w, &n),
        _ => was != now,
    }
}

/// A rule from a source in words: `collected when signed_in, in DE, for cashback, kept for 2 years, linked when
/// signed_in`.
fn source_rule_words(r: &ir::IndependentRule) -> String {
    let mut w = vec![match &r.when {
        Some(c) => format!("collected when {c}"),
        None => "collected always".to_string(),
    }];
    if !r.regions.is_empty() {
        w.push(format!("in {}", r.regions.join(", ")));
    }
    w.push(format!("for {}", r.purposes.join(", ")));
    // A period is kept *for*; a criterion says its own preposition (`until uninstall`, `while account exists`).
    let for_ = if r.keep.max_days().is_some() { "for " } else { "" };
    w.push(format!("kept {for_}{}", r.keep));
    if let Some(a) = r.aggregated {
        w.push(format!(
            "then aggregated {}",
            if matches!(a, ir::Aggregated::Indefinitely) { a.to_string() } else { format!("for {a}") }
        ));
    }
    w.push(match &r.link {
        ir::Link::Never => "not linked".into(),
        ir::Link::NotStated => "linkage not stated".into(),
        ir::Link::Always => "linked always".into(),
        ir::Link::When(c) => format!("linked when {c}"),
    });
    if r.necessary.is_some() {
        w.push("as strictly necessary".into());
    }
    w.join(", ")
}

/// Changes in what is collected independently of the page (`collect ITEM from SOURCE`), per item and source. No
/// witness URL shows these (they hold whatever page is open), so each is judged as `cover` judges rules: it
/// widens unless every new rule for the item and source is covered by an old one in every state of its switches
/// (no more purposes, retention or regions, no new link, the same ground for reading). Items new to the policy
/// are reported as new data items above.
fn source_changes(old: &Policy, new: &Policy, changes: &mut Changes) {
    // Each rule narrowed to the item, so that a rule that also collects other items is judged for this one.
    let rules = |p: &'_ Policy, item: &str, source: &str| -> Vec<ir::IndependentRule> {
        p.independent
            .iter()
            .filter(|r| r.source == source && r.data.iter().any(|d| d == item))
            .map(|r| ir::IndependentRule { origin: None, data: vec![item.to_string()], ..r.clone() })
            .collect()
    };
    let pairs: BTreeSet<(&str, &str)> = old
        .independent
        .iter()
        .chain(&new.independent)
        .flat_map(|r| r.data.iter().map(move |d| (d.as_str(), r.source.as_str())))
        .filter(|(d, _)| old.data_item(d).is_some() && new.data_item(d).is_some())
        .collect();
    for (item, source) in pairs {
        let (was, now) = (rules(old, item, source), rules(new, item, source));
        if was == now {
            continue;
        }
        let words = |rs: &[ir::IndependentRule]| {
            if rs.is_empty() {
                "not collected".to_string()
            } else {
                rs.iter().map(source_rule_words).collect::<Vec<_>>().join("; ")
            }
        };
        let text = format!("`{item}` from `{source}` is now {} (was {})", words(&now), words(&was));
        // The same test as for whole rules (`cover`): wider unless each new rule is covered by an old one.
        let wider = !now.iter().all(|n| was.iter().any(|o| cover::covers_source_rule(o, n)));
        changes.either(wider, "sources", text);
    }
}

fn set_words(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "nothing".into()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join("; ")
    }
}

/// Compares two checked policies.
pub fn diff(old: &Policy, new: &Policy) -> PolicyDiff {
    let mut changes = Changes::default();

    if old.id != new.id {
        changes.say("policy", format!("the policy is renamed from `{}` to `{}`", old.id, new.id));
    }
    // Compared in the languages both versions have: a translation added changes no term. With none in common (a
    // policy that changed all its languages), texts are compared whole.
    let any_common = old.languages.iter().any(|l| new.languages.contains(l));
    let in_common = |t: &ir::Text| -> Vec<(String, String)> {
        t.iter()
            .filter(|(l, _)| !any_common || (old.languages.contains(l) && new.languages.contains(l)))
            .map(|(l, x)| (l.clone(), x.clone()))
            .collect()
    };
    // A contact `not stated` reads as such, in the same place a text would stand.
    let shown = |t: Option<&ir::Text>| t.map_or_else(|| "not stated".to_string(), |t| format!("\"{}\"", en(t)));
    for (field, a, b) in [
        ("controller", Some(&old.controller), Some(&new.controller)),
        ("contact", old.contact.as_ref(), new.contact.as_ref()),
    ] {
        if a.map(in_common) != b.map(in_common) {
            changes.say("policy", format!("the {field} changes from {} to {}", shown(a), shown(b)));
        }
    }
    // Where the controller is established decides which law its processing falls under and whether the data leaves
    // the reader's country: new terms.
    if old.established != new.established {
        let at = |e: &Option<String>| e.clone().unwrap_or_else(|| "an unstated place".into());
        changes.widen(
            "policy",
            format!("the controller is now established in {} (was {})", at(&new.established), at(&old.established)),
        );
    }

    // Data items and what each is collected for, where, how long, and when it is linked.
    for d in &new.data {
        match old.data_item(&d.name) {
            // A new item that some rule collects is collected where nothing was before: wider.
            None => changes.either(
                new.collections().any(|c| c.data.contains(&d.name)),
                "data",
                format!("new data item `{}`: \"{}\"", d.name, en(&d.text)),
            ),
            // What the item is said to be is what the reader agreed to have collected: new terms.
            Some(o) if in_common(&o.text) != in_common(&d.text) => changes.widen(
                "data",
                format!("data item `{}` is now described as \"{}\" (was \"{}\")", d.name, en(&d.text), en(&o.text)),
            ),
            _ => {}
        }
    }
    for d in &old.data {
        if new.data_item(&d.name).is_none() {
            changes.say("data", format!("data item `{}` is removed", d.name));
        }
    }
    for d in &new.data {
        let (a, b) = (item_view(old, &d.name), item_view(new, &d.name));
        if a == b || old.data_item(&d.name).is_none() {
            continue;
        }
        let n = &d.name;
        if a.sites != b.sites {
            changes.say(
                "scope",
                format!("`{n}` is now collected on {} (was {})", set_words(&b.sites), set_words(&a.sites)),
            );
        }
        // Whether the item is now collected where or when it was not, by the covering test the verdict rests on:
        // a line about conditions or regions that reads as collecting more then says it widens, and one that
        // only narrows does not.
        let beyond = cover::collects_item_beyond(old, new, n);
        if a.when != b.when {
            changes.either(
                beyond,
                "conditions",
                format!("`{n}` is now collected when {} (was {})", set_words(&b.when), set_words(&a.when)),
            );
        }
        if a.purposes != b.purposes {
            changes.either(
                b.purposes.iter().any(|p| !a.purposes.contains(p)),
                "purposes",
                format!("`{n}` is now used for {} (was {})", set_words(&b.purposes), set_words(&a.purposes)),
            );
        }
        // Retention is promised per data item and purpose, so a change names both.
        for (purpose, kb) in &b.keep {
            match a.keep.get(purpose) {
                Some(ka) if ka != kb => changes.either(
                    // Longer, or another criterion: neither is bounded by what the reader agreed to.
                    b.keep_days.get(purpose) > a.keep_days.get(purpose)
                        || b.keep_days.get(purpose).is_some_and(|d| *d == u64::MAX),
                    "retention",
                    format!("`{n}` for `{purpose}` is now kept for {} (was {})", set_words(kb), set_words(ka)),
                ),
                _ => {}
            }
        }
        if a.regions != b.regions {
            let words = |r: &BTreeSet<Vec<String>>| {
                r.iter()
                    .map(|x| if x.is_empty() { "every region".to_string() } else { x.join(", ") })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            changes.either(
                beyond,
                "scope",
                format!("`{n}` is now collected in {} (was {})", words(&b.regions), words(&a.regions)),
            );
        }
        if a.necessary != b.necessary {
            // Reading the page in the browser then rests on another ground (ePrivacy Art. 5(3)): consent, or
            // strict necessity. Either way these are new terms, as a changed legal basis is: a consent given to
            // the old version was given to the old ground.
            changes.widen(
                "ePrivacy",
                format!(
                    "reading `{n}` in the browser is now said to be strictly necessary on {} (was {})",
                    set_words(&b.necessary),
                    set_words(&a.necessary)
                ),
            );
        }
        if a.aggregated != b.aggregated {
            // Aggregated data no longer identifies the user, so keeping it longer keeps no personal data longer;
            // the notice says it, so the reviewer sees it.
            changes.say(
                "retention",
                format!(
                    "`{n}` is now kept in aggregated form {} (was {})",
                    set_words(&b.aggregated),
                    set_words(&a.aggregated)
                ),
            );
        }
        if a.link != b.link {
            changes.either(
                links_more(old, new, n),
                "linkage",
                format!("`{n}` is now linked to the account {} (was {})", set_words(&b.link), set_words(&a.link)),
            );
        }
    }

    source_changes(old, new, &mut changes);

    // Purposes and legal bases.
    for p in &new.purposes {
        match old.purpose(&p.name) {
            None => changes
                .say("purposes", format!("new purpose `{}` ({}): \"{}\"", p.name, p.basis.keyword(), en(&p.text))),
            Some(o) => {
                if o.basis != p.basis {
                    changes.widen(
                        "purposes",
                        format!(
                            "the legal basis of `{}` changes from {} to {}",
                            p.name,
                            o.basis.keyword(),
                            p.basis.keyword()
                        ),
                    );
                }
                if o.shared_with != p.shared_with {
                    changes.either(
                        p.shared_with.iter().any(|r| !o.shared_with.contains(r)),
                        "purposes",
                        format!(
                            "`{}` is now shared with {} (was {})",
                            p.name,
                            list(&p.shared_with),
                            list(&o.shared_with)
                        ),
                    );
                }
            }
        }
    }
    for p in &old.purposes {
        if new.purpose(&p.name).is_none() {
            changes.say("purposes", format!("purpose `{}` is removed", p.name));
        }
    }

    // Recipients: what each is to the reader (on our behalf, on its own account, a sale, sharing), and the
    // promises about them. Who receives data for which purpose is under purposes above.
    let roles = |r: &ir::Recipient| -> Vec<String> {
        [(r.processor, "processor"), (r.own_purposes, "own purposes"), (r.sold, "sold"), (r.shared, "shared")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, w)| format!("`{w}`"))
            .collect()
    };
    for r in &new.recipients {
        match old.recipient(&r.name) {
            None => changes.say("recipients", format!("new recipient `{}`: \"{}\"", r.name, en(&r.text))),
            Some(o) if roles(o) != roles(r) => changes.either(
                // Acting on our behalf is the narrowest role; any other one the recipient gains, or a role no
                // longer stated, lets it do more with the data.
                roles(r).iter().any(|w| w != "`processor`" && !roles(o).contains(w))
                    || (roles(r).is_empty() && !roles(o).is_empty()),
                "recipients",
                format!("recipient `{}` is now {} (was {})", r.name, role_words(&roles(r)), role_words(&roles(o))),
            ),
            _ => {}
        }
    }
    // Where a recipient processes the data, and on which ground it may leave the EU (GDPR Art. 13(1)(f), 44-49):
    // data that goes to another country, or on another ground, goes on terms the reader did not agree to.
    let place = |r: &ir::Recipient| {
        let located = r.located.as_deref().unwrap_or("an unstated place");
        match r.safeguard {
            Some(g) => format!("in {located}, safeguard {}", g.keyword()),
            None => format!("in {located}, no safeguard stated"),
        }
    };
    for r in &new.recipients {
        if let Some(o) = old.recipient(&r.name).filter(|o| (&o.located, o.safeguard) != (&r.located, r.safeguard)) {
            changes.widen(
                "recipients",
                format!("recipient `{}` now processes the data {} (was {})", r.name, place(r), place(o)),
            );
        }
    }
    for r in &old.recipients {
        if new.recipient(&r.name).is_none() {
            changes.say("recipients", format!("recipient `{}` is removed", r.name));
        }
    }
    for p in ir::Promise::ALL {
        match (old.promises.contains(&p), new.promises.contains(&p)) {
            (false, true) => changes.say("promises", format!("new promise `never {}`", p.verb())),
            (true, false) => changes.widen("promises", format!("the promise `never {}` is withdrawn", p.verb())),
            _ => {}
        }
    }

    // Feature switches.
    for f in &new.features {
        match old.feature(&f.name) {
            None => {
                changes.say("features", format!("new feature switch `{}`, {} by default", f.name, on_off(f.default)))
            }
            Some(o) if o.default != f.default => changes.either(
                // On by default collects more where a rule reads the switch as it is, off by default where one
                // reads it negated (`when not private_mode`).
                f.default || reads_negated(new, &f.name),
                "features",
                format!("feature `{}` is now {} by default (was {})", f.name, on_off(f.default), on_off(o.default)),
            ),
            _ => {}
        }
    }
    for f in &old.features {
        if new.feature(&f.name).is_none() {
            changes.say("features", format!("feature switch `{}` is removed", f.name));
        }
    }

    // Never categories, with the regions their rules hold in (`None`: every region).
    let never_cats = |p: &Policy| -> BTreeMap<String, Option<BTreeSet<String>>> {
        let mut m: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
        for n in &p.never {
            for c in &n.sites {
                let e = m.entry(c.clone()).or_insert_with(|| Some(BTreeSet::new()));
                match (n.regions.is_empty(), e.as_mut()) {
                    (true, _) => *e = None,
                    (false, Some(set)) => set.extend(n.regions.iter().cloned()),
                    (false, None) => {}
                }
            }
        }
        m
    };
    let (na, nb) = (never_cats(old), never_cats(new));
    let where_words = |r: &Option<BTreeSet<String>>| match r {
        None => "in every region".to_string(),
        Some(set) => format!("in {}", set.iter().cloned().collect::<Vec<_>>().join(", ")),
    };
    for (c, rb) in &nb {
        match na.get(c) {
            None => changes
                .say("never", format!("nothing is collected on `{c}` any more {} (new `never` rule)", where_words(rb))),
            Some(ra) if ra != rb => {
                // Narrower where a region the old rules excluded is in none of the new rules' regions.
                let narrowed = match (ra, rb) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(a), Some(b)) => a.iter().any(|x| !b.iter().any(|y| crate::region::within(x, y))),
                };
                changes.either(
                    narrowed,
                    "never",
                    format!("`{c}` is now excluded by a `never` rule {} (was {})", where_words(rb), where_words(ra)),
                );
            }
            Some(_) => {}
        }
    }
    for c in na.keys().filter(|c| !nb.contains_key(*c)) {
        changes.widen("never", format!("`{c}` is no longer excluded by a `never` rule"));
    }

    // Incentives.
    for i in &new.incentives {
        match old.incentives.iter().find(|o| o.name == i.name) {
            None => changes.say(
                "incentives",
                format!("new incentive `{}` in {}: \"{}\"", i.name, list(&i.regions), en(&i.summary)),
            ),
            Some(o) => {
                if o.value != i.value {
                    changes.say(
                        "incentives",
                        format!(
                            "the value estimate of `{}` is now \"{}\" (was \"{}\")",
                            i.name,
                            en(&i.value),
                            en(&o.value)
                        ),
                    );
                }
                if o.data != i.data {
                    changes.say(
                        "incentives",
                        format!("incentive `{}` is now offered for {} (was {})", i.name, list(&i.data), list(&o.data)),
                    );
                }
                if o.regions != i.regions {
                    changes.say(
                        "incentives",
                        format!(
                            "incentive `{}` now applies in {} (was {})",
                            i.name,
                            list(&i.regions),
                            list(&o.regions)
                        ),
                    );
                }
            }
        }
    }
    for i in &old.incentives {
        if !new.incentives.iter().any(|n| n.name == i.name) {
            changes.say("incentives", format!("incentive `{}` is withdrawn", i.name));
        }
    }

    // Sites per category, and witness URLs.
    let mut scope = Vec::new();
    let mut candidates: Vec<String> = Vec::new();
    let names: BTreeSet<&String> = old.sites.iter().chain(&new.sites).map(|c| &c.name).collect();
    for name in names {
        let a: BTreeSet<&Pattern> = old.site_category(name).map(|c| c.patterns.iter().collect()).unwrap_or_default();
        let b: BTreeSet<&Pattern> = new.site_category(name).map(|c| c.patterns.iter().collect()).unwrap_or_default();
        // Keep the order the lists have, for examples that read like the source.
        fn ordered<'p>(p: &'p Policy, name: &str, other: &BTreeSet<&Pattern>) -> Vec<&'p Pattern> {
            p.site_category(name)
                .map(|c| c.patterns.iter().filter(|x| !other.contains(x)).collect())
                .unwrap_or_default()
        }
        let added = ordered(new, name, &a);
        let removed = ordered(old, name, &b);
        candidates.extend(added.iter().take(WITNESSES_PER_CATEGORY).map(|p| p.witness_url()));
        candidates.extend(removed.iter().take(WITNESSES_PER_CATEGORY).map(|p| p.witness_url()));
        for c in [old.site_category(name), new.site_category(name)].into_iter().flatten() {
            candidates.extend(c.examples.iter().chain(c.patterns.iter().take(3)).map(Pattern::witness_url));
        }
        if !added.is_empty() || !removed.is_empty() {
            let used_by = |never: bool| {
                [old, new].iter().any(|p| {
                    if never {
                        p.never.iter().any(|n| n.sites.contains(name))
                    } else {
                        p.collect.iter().any(|r| r.sites.contains(name))
                    }
                })
            };
            let (collects, excludes) = (used_by(false), used_by(true));
            scope.push(ScopeChange {
                category: name.clone(),
                added: added.len(),
                removed: removed.len(),
                widens: (!added.is_empty() && (collects || !excludes)) || (!removed.is_empty() && excludes),
                added_examples: added.iter().take(5).map(|p| p.to_string()).collect(),
                removed_examples: removed.iter().take(5).map(|p| p.to_string()).collect(),
            });
        }
    }
    // A `never` rule that changed changes decisions only on its sites that a collect rule also names, which in a
    // long list (a bank list against shops by wildcard) are rarely among the first few: those entries are the
    // witnesses to try, in each version.
    let changed_never: Vec<&String> = na.keys().chain(nb.keys()).filter(|c| na.get(*c) != nb.get(*c)).collect();
    if !changed_never.is_empty() {
        for p in [old, new] {
            let collected = crate::check::NeverIndex::new(
                p.collect.iter().flat_map(|r| &r.sites).filter_map(|c| p.site_category(c)).flat_map(|c| &c.patterns),
            );
            for c in changed_never.iter().filter_map(|c| p.site_category(c)) {
                candidates.extend(
                    c.patterns
                        .iter()
                        .filter(|x| collected.covers(x))
                        .take(WITNESSES_PER_CATEGORY)
                        .map(Pattern::witness_url),
                );
            }
        }
    }
    let mut seen = BTreeSet::new();
    candidates.retain(|u| seen.insert(u.clone()));

    let (ia, ib) = (Interpreter::new(old), Interpreter::new(new));
    let mut witnesses = Vec::new();
    let changed_categories: BTreeSet<String> = scope.iter().map(|s| s.category.clone()).collect();
    let states = witness_states(old, new, &changed_categories);
    'urls: for url in &candidates {
        // The first state in which the URL decides differently is its witness. If that one does not widen, the
        // search goes on for a state in which it does: a URL that collects less by default but is linked more
        // once signed in must show the second too, since that is what a consent given to the old policy would
        // not cover.
        let mut reported = false;
        for state in &states {
            // A name one side does not know is left out for that side (it is then at its default there).
            let for_side = |p: &Policy| Settings {
                set: state
                    .set
                    .iter()
                    .filter(|(n, _)| p.signal(n).is_some() || p.feature(n).is_some())
                    .cloned()
                    .collect(),
                region: state.region.clone().filter(|r| p.regions.contains(r)),
                event: state.event.clone(),
            };
            // An event one side does not declare collects nothing there (the matcher refuses it).
            let decide = |i: &Interpreter<'_>, p: &Policy| match &state.event {
                Some(e) if p.event(e).is_none() => Ok(crate::report::Report::nothing(url, None, "")),
                _ => i.decide(url, &for_side(p)),
            };
            let (Ok(before), Ok(after)) = (decide(&ia, old), decide(&ib, new)) else {
                continue;
            };
            if before.collect != after.collect
                || before.linked != after.linked
                || before.retention != after.retention
                || before.purposes != after.purposes
            {
                let mut parts = Vec::new();
                if before.collect != after.collect {
                    parts.push(format!("collects {} (before: {})", list(&after.collect), list(&before.collect)));
                }
                if before.linked != after.linked && !after.collect.is_empty() {
                    parts.push(format!(
                        "links {} to the account (before: {})",
                        list(&after.linked),
                        list(&before.linked)
                    ));
                }
                let kept: Vec<String> = after
                    .retention
                    .iter()
                    .filter(|(d, k)| before.retention.get(*d).is_some_and(|b| b != *k))
                    .map(|(d, k)| format!("{d} for {k} (before: {})", before.retention[d]))
                    .collect();
                if !kept.is_empty() {
                    parts.push(format!("keeps {}", kept.join(", ")));
                }
                if before.purposes != after.purposes && !after.collect.is_empty() && !before.collect.is_empty() {
                    parts.push(format!(
                        "uses the data for {} (before: {})",
                        list(&after.purposes),
                        list(&before.purposes)
                    ));
                }
                if parts.is_empty() {
                    continue;
                }
                let mut text = format!("{url} now {}", parts.join("; "));
                if !state.is_default() {
                    let with = if state.set.is_empty() { "" } else { "with " };
                    text.push_str(&format!(", {with}{}", state.label()));
                }
                let witness = Witness {
                    url: url.clone(),
                    state: state.label(),
                    set: state.set.clone(),
                    region: state.region.clone(),
                    event: state.event.clone(),
                    before_collect: before.collect,
                    after_collect: after.collect,
                    before_linked: before.linked,
                    after_linked: after.linked,
                    before_purposes: before.purposes,
                    after_purposes: after.purposes,
                    before_retention: before.retention,
                    after_retention: after.retention,
                    text,
                };
                let widens = witness.widens();
                if !reported || widens {
                    witnesses.push(witness);
                }
                reported = true;
                if witnesses.len() >= MAX_WITNESSES {
                    break 'urls;
                }
                if widens {
                    break;
                }
            }
        }
    }
    cover::check(old, new, &mut changes);
    let mut d = PolicyDiff {
        old: Side { id: old.id.clone(), version: old.version.clone(), hash: old.content_hash() },
        new: Side { id: new.id.clone(), version: new.version.clone(), hash: new.content_hash() },
        changes: changes.0,
        scope,
        witnesses,
        witnesses_checked: candidates.len(),
        states: states.iter().map(State::label).collect(),
        states_summary: states_summary(&states),
        widens: false,
        version_unchanged: false,
    };
    d.widens = d.widens();
    d.version_unchanged = !d.is_empty() && old.version == new.version;
    d
}

/// Most signals and features whose every combination is tried; beyond this, each is flipped alone and all
/// together instead (2^6 states per URL keeps a diff of the bundled policies well under a second).
const MAX_COMBINED_VARS: usize = 6;

/// One runtime state a witness URL is decided under.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    /// Settings away from the defaults (signals off, features at their new default).
    set: Vec<(String, bool)>,
    region: Option<String>,
    /// `None`: a page view.
    event: Option<String>,
}

impl State {
    fn is_default(&self) -> bool {
        self.set.is_empty() && self.region.is_none() && self.event.is_none()
    }

    fn label(&self) -> String {
        let mut words: Vec<String> = self.set.iter().map(|(n, on)| format!("{n} {}", on_off(*on))).collect();
        if let Some(r) = &self.region {
            words.push(format!("in {r}"));
        }
        if let Some(e) = &self.event {
            words.push(format!("at {e}"));
        }
        if words.is_empty() {
            "defaults".into()
        } else {
            words.join(", ")
        }
    }
}

/// The states under which the two versions can decide differently: every combination of the signals and
/// features that a changed rule (or a changed feature default) mentions, in no region and in every region a
/// changed rule names (or every region, when a changed rule applies in all). A rule counts as changed when its
/// text changed, when a category it collects on gained or lost sites (`changed_categories`), and, for every
/// collect rule, when a `never` rule or a `never` category changed. Other rules decide alike in both
/// versions, so only what the changed ones read can make a difference. States with fewer settings come
/// first, so a difference is reported under the simplest state that shows it.
fn witness_states(old: &Policy, new: &Policy, changed_categories: &BTreeSet<String>) -> Vec<State> {
    // Rules are compared without their origins: a rule that moved to another line has not changed.
    let collect_of = |p: &Policy| -> Vec<ir::CollectRule> {
        p.collect.iter().map(|r| ir::CollectRule { origin: None, ..r.clone() }).collect()
    };
    let never_of = |p: &Policy| -> Vec<ir::NeverRule> {
        p.never.iter().map(|r| ir::NeverRule { origin: None, ..r.clone() }).collect()
    };
    let (old_collect, new_collect) = (collect_of(old), collect_of(new));
    let (old_never, new_never) = (never_of(old), never_of(new));
    let changed_collect = old_collect
        .iter()
        .filter(|r| !new_collect.contains(r))
        .chain(new_collect.iter().filter(|r| !old_collect.contains(r)));
    let changed_never: Vec<&ir::NeverRule> = old_never
        .iter()
        .filter(|r| !new_never.contains(r))
        .chain(new_never.iter().filter(|r| !old_never.contains(r)))
        .collect();
    // A rule that did not change decides differently where the sites of its categories changed; and a `never`
    // rule that changed, or whose category changed, can change what any collect rule decides on those sites.
    // Their switches, regions and events are states to decide in too (without them a site removed from a
    // `never` category would be decided only under default settings, where a rule behind a switch that starts
    // off collects nothing either way).
    let touches = |r: &ir::CollectRule| r.sites.iter().any(|c| changed_categories.contains(c));
    let never_touched = !changed_never.is_empty()
        || old.never.iter().chain(&new.never).any(|n| n.sites.iter().any(|c| changed_categories.contains(c)));
    let unchanged_but_affected: Vec<&ir::CollectRule> =
        old_collect.iter().chain(&new_collect).filter(|r| never_touched || touches(r)).collect();
    let mut vars: BTreeSet<String> = BTreeSet::new();
    let mut regions: BTreeSet<String> = BTreeSet::new();
    let mut events: BTreeSet<String> = BTreeSet::new();
    let mut all_regions = false;
    for r in changed_collect.chain(unchanged_but_affected) {
        events.extend(r.events.iter().filter(|e| *e != ir::PAGE_VIEW).cloned());
        for c in r.when.iter().chain(r.link.cond()) {
            vars.extend(c.names().into_iter().map(str::to_string));
        }
        all_regions |= r.regions.is_empty();
        regions.extend(r.regions.iter().cloned());
    }
    for n in changed_never {
        all_regions |= n.regions.is_empty();
        regions.extend(n.regions.iter().cloned());
    }
    // A changed default changes what happens when nobody sets the switch; the other position is a state too.
    for f in &new.features {
        if old.feature(&f.name).is_some_and(|o| o.default != f.default) {
            vars.insert(f.name.clone());
        }
    }
    if all_regions {
        regions.extend(old.regions.iter().chain(&new.regions).cloned());
    }
    // The position a variable is at by default (in the new version when it has one), and the other.
    let default_of = |n: &str| new.feature(n).or_else(|| old.feature(n)).map(|f| f.default).unwrap_or(false);
    let vars: Vec<String> = vars.into_iter().collect();
    let mut flips: Vec<Vec<usize>> = Vec::new();
    if vars.len() <= MAX_COMBINED_VARS {
        for bits in 0u32..(1 << vars.len()) {
            flips.push((0..vars.len()).filter(|i| bits & (1 << i) != 0).collect());
        }
    } else {
        flips.push(vec![]);
        flips.extend((0..vars.len()).map(|i| vec![i]));
        flips.push((0..vars.len()).collect());
    }
    flips.sort_by_key(|f| f.len());
    let mut states = Vec::new();
    for region in std::iter::once(None).chain(regions.into_iter().map(Some)) {
        for f in &flips {
            let set = f.iter().map(|&i| (vars[i].clone(), !default_of(&vars[i]))).collect();
            states.push(State { set, region: region.clone(), event: None });
        }
    }
    // Each event a changed rule names is decided in every state too; page views come first.
    let page_views = states.clone();
    for e in events {
        states.extend(page_views.iter().map(|s| State { event: Some(e.clone()), ..s.clone() }));
    }
    states.sort_by_key(|s| (s.event.is_some(), s.set.len() + usize::from(s.region.is_some())));
    states
}

/// The states in one phrase: `decided under default settings`, or `each decided under 4 states: every
/// combination of `a` and `b`, in no region and in DE`.
fn states_summary(states: &[State]) -> String {
    if states.len() <= 1 {
        return "decided under default settings".into();
    }
    let mut vars: Vec<&str> = Vec::new();
    let mut regions: Vec<&str> = Vec::new();
    let mut events: Vec<&str> = Vec::new();
    for st in states {
        if let Some(e) = &st.event {
            if !events.contains(&e.as_str()) {
                events.push(e);
            }
        }
        for (n, _) in &st.set {
            if !vars.contains(&n.as_str()) {
                vars.push(n);
            }
        }
        if let Some(r) = &st.region {
            if !regions.contains(&r.as_str()) {
                regions.push(r);
            }
        }
    }
    let quoted = |v: &[&str]| v.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if !vars.is_empty() {
        parts.push(format!("{} each at its default and switched", quoted(&vars)));
    }
    if !regions.is_empty() {
        parts.push(format!("in no region and in {}", regions.join(", ")));
    }
    if !events.is_empty() {
        parts.push(format!("on page views and at {}", quoted(&events)));
    }
    format!("each decided under {} states: {}", states.len(), parts.join("; "))
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// The diff as Markdown, for pasting into a pull request.
pub fn markdown(d: &PolicyDiff) -> String {
    let mut o = format!(
        "## Policy change: `{}` {} → {}\n\nPolicy hash `{}` → `{}`.\n\n",
        d.new.id,
        d.old.version,
        d.new.version,
        &d.old.hash[..12],
        &d.new.hash[..12]
    );
    if d.is_empty() {
        o.push_str("No change in what is collected, where, why, for how long or when it is linked.\n");
        return o;
    }
    if d.version_unchanged {
        o.push_str(&format!(
            "**The version is still `{}`** although the terms change: give the new terms a version of their own, \
             so that readers of the notices and records of consent can tell them apart.\n\n",
            d.new.version
        ));
    }
    if d.widens {
        o.push_str(
            "**This change widens** what is collected, linked, used, kept or shared (the changes marked *widens* \
             below): a consent given to the old version does not cover it.\n\n",
        );
    }
    if !d.changes.is_empty() {
        o.push_str("### What changes\n\n");
        let mut by_topic: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
        for c in &d.changes {
            by_topic.entry(c.topic).or_default().push(c);
        }
        for c in &d.changes {
            if let Some(group) = by_topic.remove(c.topic) {
                for c in group {
                    let mark = if c.widens { " (*widens*)" } else { "" };
                    o.push_str(&format!("- **{}**: {}{mark}\n", c.topic, c.text));
                }
            }
        }
        o.push('\n');
    }
    if !d.scope.is_empty() {
        o.push_str("### Sites per category\n\n| category | added | removed | examples added | examples removed |\n|---|---|---|---|---|\n");
        for s in &d.scope {
            let ex = |v: &[String]| v.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
            o.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                s.category,
                s.added,
                s.removed,
                ex(&s.added_examples),
                ex(&s.removed_examples)
            ));
        }
        o.push('\n');
    }
    o.push_str(&format!(
        "### Decisions that change\n\n{} of {} witness URLs decide differently ({}).\n\n",
        d.witnesses.len(),
        d.witnesses_checked,
        d.states_summary
    ));
    for w in d.witnesses.iter().take(25) {
        o.push_str(&format!("- {}\n", w.text.replacen(&w.url, &format!("`{}`", w.url), 1)));
    }
    if d.witnesses.len() > 25 {
        o.push_str(&format!("- … and {} more (see `--format json`)\n", d.witnesses.len() - 25));
    }
    o
}

/// The rendered disclosures of two versions as unified diffs, one per language, region and format that
/// changed: (name such as `shopping_assistant.DE.de.md`, diff). A reviewer without the snapshot tooling reads
/// exactly what users will be told differently. A combination only one version has is diffed against nothing;
/// one that cannot be rendered is diffed as its error text.
pub fn disclosure_diffs(old: &Policy, new: &Policy) -> Vec<(String, String)> {
    use crate::disclose::{self, render};
    let union = |a: &[String], b: &[String]| -> Vec<String> {
        let mut v: Vec<String> = a.to_vec();
        v.extend(b.iter().filter(|x| !a.contains(x)).cloned());
        v
    };
    let languages = union(&old.languages, &new.languages);
    let regions: Vec<Option<String>> = {
        let r = union(&old.regions, &new.regions);
        if r.is_empty() {
            vec![None]
        } else {
            r.into_iter().map(Some).collect()
        }
    };
    let rendered = |p: &Policy, lang: &str, region: Option<&str>, format: render::Format| -> String {
        if !p.languages.iter().any(|l| l == lang) || region.is_some_and(|r| !p.regions.iter().any(|x| x == r)) {
            return String::new();
        }
        match disclose::build(p, lang, region) {
            Ok(d) => render::render(&d, format),
            Err(e) => format!("(cannot be rendered: {e})\n"),
        }
    };
    let mut out = Vec::new();
    for region in &regions {
        for lang in &languages {
            for format in render::Format::ALL {
                let name = format!(
                    "{}{}.{lang}.{}",
                    new.id,
                    region.as_deref().map(|r| format!(".{r}")).unwrap_or_default(),
                    format.extension()
                );
                let (a, b) =
                    (rendered(old, lang, region.as_deref(), format), rendered(new, lang, region.as_deref(), format));
                if a == b {
                    continue;
                }
                let diff = similar::TextDiff::from_lines(&a, &b)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("old/{name}"), &format!("new/{name}"))
                    .to_string();
                out.push((name, diff));
            }
        }
    }
    out
}
