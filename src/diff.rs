//! Semantic diff between two versions of a policy, in plain words, with witness URLs.
//!
//! A text diff of two policy files says which lines moved; a reviewer wants to know what users will
//! experience differently. [`diff`] compares the two IRs item by item (data, purposes and legal bases,
//! retention, linkage, feature switches, incentives, `never` categories), counts the sites each category gained
//! and lost, and then *decides* witness URLs (added and removed sites, and each category's examples) under
//! both versions with the reference interpreter, reporting every URL whose decision changed.

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
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeChange {
    pub category: String,
    pub added: usize,
    pub removed: usize,
    pub added_examples: Vec<String>,
    pub removed_examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    pub url: String,
    /// `defaults` or `all signals on`.
    pub state: String,
    pub before_collect: Vec<String>,
    pub after_collect: Vec<String>,
    pub before_linked: Vec<String>,
    pub after_linked: Vec<String>,
    pub text: String,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.scope.is_empty() && self.witnesses.is_empty()
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
    keep: BTreeSet<String>,
    link: BTreeSet<String>,
    when: BTreeSet<String>,
}

fn item_view(p: &Policy, data: &str) -> ItemView {
    let mut v = ItemView::default();
    for r in p.collect.iter().filter(|r| r.data.iter().any(|d| d == data)) {
        v.sites.extend(r.sites.iter().cloned());
        v.purposes.extend(r.purposes.iter().cloned());
        v.keep.insert(r.keep.to_string());
        v.link.insert(match &r.link {
            ir::Link::Never => "never".into(),
            ir::Link::Always => "always".into(),
            ir::Link::When(c) => format!("when {c}"),
        });
        v.when.insert(r.when.as_ref().map(|c| c.to_string()).unwrap_or_else(|| "always".into()));
    }
    v
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
    let mut changes = Vec::new();
    let mut push = |topic: &'static str, text: String| changes.push(Change { topic, text });

    if old.id != new.id {
        push("policy", format!("the policy is renamed from `{}` to `{}`", old.id, new.id));
    }
    for (field, a, b) in [("controller", &old.controller, &new.controller), ("contact", &old.contact, &new.contact)] {
        if a != b {
            push("policy", format!("the {field} changes from \"{}\" to \"{}\"", en(a), en(b)));
        }
    }

    // Data items and what each is collected for, where, how long, and when it is linked.
    for d in &new.data {
        match old.data_item(&d.name) {
            None => push("data", format!("new data item `{}`: \"{}\"", d.name, en(&d.text))),
            Some(o) if o.text != d.text => push(
                "data",
                format!("data item `{}` is now described as \"{}\" (was \"{}\")", d.name, en(&d.text), en(&o.text)),
            ),
            _ => {}
        }
    }
    for d in &old.data {
        if new.data_item(&d.name).is_none() {
            push("data", format!("data item `{}` is removed", d.name));
        }
    }
    for d in &new.data {
        let (a, b) = (item_view(old, &d.name), item_view(new, &d.name));
        if a == b || old.data_item(&d.name).is_none() {
            continue;
        }
        let n = &d.name;
        if a.sites != b.sites {
            push("scope", format!("`{n}` is now collected on {} (was {})", set_words(&b.sites), set_words(&a.sites)));
        }
        if a.when != b.when {
            push(
                "conditions",
                format!("`{n}` is now collected when {} (was {})", set_words(&b.when), set_words(&a.when)),
            );
        }
        if a.purposes != b.purposes {
            push(
                "purposes",
                format!("`{n}` is now used for {} (was {})", set_words(&b.purposes), set_words(&a.purposes)),
            );
        }
        if a.keep != b.keep {
            push("retention", format!("`{n}` is now kept for {} (was {})", set_words(&b.keep), set_words(&a.keep)));
        }
        if a.link != b.link {
            push(
                "linkage",
                format!("`{n}` is now linked to the account {} (was {})", set_words(&b.link), set_words(&a.link)),
            );
        }
    }

    // Purposes and legal bases.
    for p in &new.purposes {
        match old.purpose(&p.name) {
            None => push("purposes", format!("new purpose `{}` ({}): \"{}\"", p.name, p.basis.keyword(), en(&p.text))),
            Some(o) => {
                if o.basis != p.basis {
                    push(
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
                    push(
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
            push("purposes", format!("purpose `{}` is removed", p.name));
        }
    }

    // Feature switches.
    for f in &new.features {
        match old.feature(&f.name) {
            None => push("features", format!("new feature switch `{}`, {} by default", f.name, on_off(f.default))),
            Some(o) if o.default != f.default => push(
                "features",
                format!("feature `{}` is now {} by default (was {})", f.name, on_off(f.default), on_off(o.default)),
            ),
            _ => {}
        }
    }
    for f in &old.features {
        if new.feature(&f.name).is_none() {
            push("features", format!("feature switch `{}` is removed", f.name));
        }
    }

    // Never categories.
    let never_cats =
        |p: &Policy| -> BTreeSet<String> { p.never.iter().flat_map(|n| n.sites.iter().cloned()).collect() };
    let (na, nb) = (never_cats(old), never_cats(new));
    for c in nb.difference(&na) {
        push("never", format!("nothing is collected on `{c}` any more (new `never` rule)"));
    }
    for c in na.difference(&nb) {
        push("never", format!("`{c}` is no longer excluded by a `never` rule"));
    }

    // Incentives.
    for i in &new.incentives {
        match old.incentives.iter().find(|o| o.name == i.name) {
            None => push(
                "incentives",
                format!("new incentive `{}` in {}: \"{}\"", i.name, list(&i.regions), en(&i.summary)),
            ),
            Some(o) => {
                if o.value != i.value {
                    push(
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
                    push(
                        "incentives",
                        format!("incentive `{}` is now offered for {} (was {})", i.name, list(&i.data), list(&o.data)),
                    );
                }
                if o.regions != i.regions {
                    push(
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
            push("incentives", format!("incentive `{}` is withdrawn", i.name));
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
            scope.push(ScopeChange {
                category: name.clone(),
                added: added.len(),
                removed: removed.len(),
                added_examples: added.iter().take(5).map(|p| p.to_string()).collect(),
                removed_examples: removed.iter().take(5).map(|p| p.to_string()).collect(),
            });
        }
    }
    let mut seen = BTreeSet::new();
    candidates.retain(|u| seen.insert(u.clone()));

    let (ia, ib) = (Interpreter::new(old), Interpreter::new(new));
    let mut witnesses = Vec::new();
    let signals: BTreeSet<&String> = old.signals.iter().chain(&new.signals).map(|s| &s.name).collect();
    let states: Vec<(&str, Vec<(String, bool)>)> =
        vec![("defaults", vec![]), ("all signals on", signals.iter().map(|s| (s.to_string(), true)).collect())];
    'urls: for url in &candidates {
        for (label, set) in &states {
            // A state name one side does not know is left out for that side.
            let for_side = |p: &Policy| Settings {
                set: set.iter().filter(|(n, _)| p.signal(n).is_some()).cloned().collect(),
                region: None,
            };
            let (Ok(before), Ok(after)) = (ia.decide(url, &for_side(old)), ib.decide(url, &for_side(new))) else {
                continue;
            };
            if before.collect != after.collect || before.linked != after.linked || before.retention != after.retention {
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
                if parts.is_empty() {
                    continue;
                }
                let mut text = format!("{url} now {}", parts.join("; "));
                if *label != "defaults" {
                    text.push_str(&format!(", with {label}"));
                }
                witnesses.push(Witness {
                    url: url.clone(),
                    state: label.to_string(),
                    before_collect: before.collect,
                    after_collect: after.collect,
                    before_linked: before.linked,
                    after_linked: after.linked,
                    text,
                });
                if witnesses.len() >= MAX_WITNESSES {
                    break 'urls;
                }
                break;
            }
        }
    }
    PolicyDiff {
        old: Side { id: old.id.clone(), version: old.version.clone(), hash: old.content_hash() },
        new: Side { id: new.id.clone(), version: new.version.clone(), hash: new.content_hash() },
        changes,
        scope,
        witnesses,
        witnesses_checked: candidates.len(),
    }
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
    if !d.changes.is_empty() {
        o.push_str("### What changes\n\n");
        let mut by_topic: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
        for c in &d.changes {
            by_topic.entry(c.topic).or_default().push(c);
        }
        for c in &d.changes {
            if let Some(group) = by_topic.remove(c.topic) {
                for c in group {
                    o.push_str(&format!("- **{}**: {}\n", c.topic, c.text));
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
        "### Decisions that change\n\n{} of {} witness URLs decide differently.\n\n",
        d.witnesses.len(),
        d.witnesses_checked
    ));
    for w in d.witnesses.iter().take(25) {
        o.push_str(&format!("- {}\n", w.text.replacen(&w.url, &format!("`{}`", w.url), 1)));
    }
    if d.witnesses.len() > 25 {
        o.push_str(&format!("- … and {} more (see `--format json`)\n", d.witnesses.len() - 25));
    }
    o
}
