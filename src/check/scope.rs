//! Scope analysis: which collect rules can never fire because `never` rules cover everything they name.
//!
//! Coverage is decided per pattern, symbolically: a `never` pattern covers a collect pattern when every URL
//! the latter matches is matched by the former (a domain covers its subdomains and their paths; a path prefix
//! covers longer prefixes). Indexing the `never` side in hash sets keeps this linear in the number of patterns,
//! which matters with imported lists of tens of thousands of domains.

use super::Checker;
use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::pattern::{HostPattern, Pattern};
use crate::psl::PublicSuffixList;
use crate::source::Span;
use crate::urlnorm::path_has_prefix;
use std::collections::{HashMap, HashSet};

/// A set of patterns indexed for coverage queries: the `never` patterns that apply to a collect rule, or the
/// patterns of one category.
pub struct NeverIndex<'a> {
    domains: HashSet<&'a str>,
    exact: HashSet<&'a str>,
    wildcards: HashSet<&'a str>,
    with_path: Vec<&'a Pattern>,
}

impl<'a> NeverIndex<'a> {
    pub fn new(patterns: impl Iterator<Item = &'a Pattern>) -> Self {
        let mut idx = NeverIndex {
            domains: HashSet::new(),
            exact: HashSet::new(),
            wildcards: HashSet::new(),
            with_path: Vec::new(),
        };
        for p in patterns {
            match (&p.host, &p.path) {
                (HostPattern::Domain(d), None) => {
                    idx.domains.insert(d);
                }
                (HostPattern::Exact(h), None) => {
                    idx.exact.insert(h);
                }
                (HostPattern::Wildcard(l), None) => {
                    idx.wildcards.insert(l);
                }
                _ => idx.with_path.push(p),
            }
        }
        idx
    }

    /// Whether the indexed patterns cover every URL that `p` matches.
    pub fn covers(&self, p: &Pattern) -> bool {
        self.covers_inner(p, false)
    }

    /// Whether a pattern *other than `p` itself* covers every URL that `p` matches.
    pub fn covers_strictly(&self, p: &Pattern) -> bool {
        self.covers_inner(p, true)
    }

    pub(super) fn covers_inner(&self, p: &Pattern, strict: bool) -> bool {
        let psl = PublicSuffixList::bundled();
        // With `strict`, a domain pattern does not count as covering itself (the same host, no path).
        let same_domain_ok = !strict || p.path.is_some() || matches!(p.host, HostPattern::Exact(_));
        let host_covered_by_domain = |host: &str| {
            let mut h = host;
            loop {
                if self.domains.contains(h) && (h != host || same_domain_ok) {
                    return true;
                }
                match h.split_once('.') {
                    Some((_, rest)) => h = rest,
                    None => return false,
                }
            }
        };
        let host_covered_by_wildcard = |host: &str| {
            // As in the matcher, `name.*` reaches only under a suffix the ICANN section lists.
            let Some(suffix) = psl.icann_listed_suffix(host) else { return false };
            let before = &host[..host.len() - suffix.len()];
            let label = before.trim_end_matches('.').rsplit('.').next().unwrap_or("");
            !before.is_empty() && self.wildcards.contains(label)
        };
        let whole = match &p.host {
            HostPattern::Domain(d) => host_covered_by_domain(d) || host_covered_by_wildcard(d),
            HostPattern::Exact(h) => {
                (self.exact.contains(h.as_str()) && (!strict || p.path.is_some()))
                    || host_covered_by_domain(h)
                    || host_covered_by_wildcard(h)
            }
            HostPattern::Wildcard(l) => self.wildcards.contains(l.as_str()) && (!strict || p.path.is_some()),
        };
        if whole {
            return true;
        }
        // A path pattern on the never side covers a collect pattern on the same host with a longer path.
        let Some(path) = &p.path else { return false };
        self.with_path.iter().any(|n| {
            let n_path = n.path.as_deref().unwrap_or("/");
            let host_ok = match (&n.host, &p.host) {
                (HostPattern::Domain(nd), HostPattern::Domain(d) | HostPattern::Exact(d)) => {
                    d == nd || d.ends_with(&format!(".{nd}"))
                }
                (HostPattern::Exact(nh), HostPattern::Exact(h)) => nh == h,
                (HostPattern::Wildcard(nl), HostPattern::Wildcard(l)) => nl == l,
                // Every host of a domain or exact host has the label before its public suffix that the
                // domain has: `ebay.*/itm/` covers `www.ebay.de/itm/1`.
                (HostPattern::Wildcard(nl), HostPattern::Domain(h) | HostPattern::Exact(h)) => {
                    label_before_suffix(psl, h) == Some(nl.as_str())
                }
                _ => false,
            };
            host_ok && path_has_prefix(path, n_path) && !(strict && *n == p)
        })
    }
}

/// Whether `never` rules (those `applies` keeps) cover every pattern of every category the rule names.
fn all_covered(
    rule: &ir::CollectRule,
    never: &[ir::NeverRule],
    sites: &[ir::SiteCategory],
    applies: impl Fn(&ir::NeverRule) -> bool,
) -> bool {
    let never_cats: Vec<&str> =
        never.iter().filter(|n| applies(n)).flat_map(|n| n.sites.iter().map(|s| s.as_str())).collect();
    if never_cats.is_empty() {
        return false;
    }
    let category = |name: &str| sites.iter().find(|s| s.name == name);
    let index = NeverIndex::new(never_cats.iter().filter_map(|c| category(c)).flat_map(|c| c.patterns.iter()));
    let mut any = false;
    for s in &rule.sites {
        let Some(cat) = category(s) else { return false };
        for p in &cat.patterns {
            any = true;
            if !index.covers(p) {
                return false;
            }
        }
    }
    any
}

/// Warns when every pattern of every category a collect rule names is covered by `never` rules that apply in
/// all of the rule's regions; or, short of that, in some of the policy's `regions` where the rule applies (a
/// `never` rule for `DE` on a rule for every region): there the rule collects nothing, and a reader of that
/// region's notice is not told about it.
pub fn never_covers(
    rule: &ir::CollectRule,
    span: &Span,
    never: &[ir::NeverRule],
    sites: &[ir::SiteCategory],
    regions: &[String],
) -> Option<Diagnostic> {
    let everywhere = all_covered(rule, never, sites, |n| {
        n.regions.is_empty() || (!rule.regions.is_empty() && rule.regions.iter().all(|r| n.regions.contains(r)))
    });
    if everywhere {
        return Some(
            Diagnostic::new(
                Code::NeverCovered,
                *span,
                format!("this rule can never collect: `never` rules cover all of {}", rule.sites.join(", ")),
            )
            .with_label("never fires")
            .with_help(
                "`never` wins over `collect` whatever the order; remove the rule or narrow the `never` categories",
            ),
        );
    }
    let blocked_in: Vec<&str> = regions
        .iter()
        .filter(|r| crate::region::collect_applies(&rule.regions, Some(r)))
        .filter(|r| all_covered(rule, never, sites, |n| crate::region::never_applies(&n.regions, Some(r))))
        .map(String::as_str)
        .collect();
    if blocked_in.is_empty() {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::NeverCovered,
            *span,
            format!(
                "in {} this rule can never collect: `never` rules there cover all of {}",
                blocked_in.join(", "),
                rule.sites.join(", ")
            ),
        )
        .with_label("never fires there")
        .with_help({
            let others: Vec<&str> = regions
                .iter()
                .map(String::as_str)
                .filter(|r| !blocked_in.contains(r) && crate::region::collect_applies(&rule.regions, Some(r)))
                .collect();
            let scope = if others.is_empty() {
                "remove the rule, or narrow the `never` rules".to_string()
            } else {
                format!("if that is meant, add `region {}` to the rule so that it says so too", others.join(", "))
            };
            format!(
                "`never` wins over `collect` whatever the order, so in {} nothing is collected there (that region's \
                 notice says so); {scope}",
                blocked_in.join(", ")
            )
        }),
    )
}

/// `1 site`, `2 sites`.
pub(super) fn sites_word(n: usize) -> String {
    if n == 1 {
        "1 site".into()
    } else {
        format!("{n} sites")
    }
}

pub(super) fn examples(ps: &[&Pattern]) -> String {
    let shown: Vec<String> = ps.iter().take(3).map(|p| format!("`{p}`")).collect();
    let more = if ps.len() > 3 { format!(" and {} more", ps.len() - 3) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// Site categories whose patterns are already covered by a broader pattern of the same category (a list that
/// names both `shop.example.com` and `example.com`). One warning per category, with examples.
pub fn redundant_patterns(cat: &ir::SiteCategory, span: Span) -> Option<Diagnostic> {
    let index = NeverIndex::new(cat.patterns.iter());
    let covered: Vec<&Pattern> = cat.patterns.iter().filter(|p| index.covers_strictly(p)).collect();
    if covered.is_empty() {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::RedundantPattern,
            span,
            format!(
                "{} of `{}` {} already covered by a broader pattern of the same category",
                if covered.len() == 1 { "1 pattern".to_string() } else { format!("{} patterns", covered.len()) },
                cat.name,
                if covered.len() == 1 { "is" } else { "are" }
            ),
        )
        .with_label("redundant patterns")
        .with_help(format!(
            "for example {}; they change nothing and can be removed (disclosures already leave them out of their \
             counts, examples and site lists)",
            examples(&covered)
        )),
    )
}

/// Collect categories with sites that `never` rules exclude: nothing is collected there, which may be what the
/// author wants, but a reviewer should see it. Witness: a URL that is in scope and blocked.
pub fn overlaps_never(
    rule: &ir::CollectRule,
    span: Span,
    never: &[ir::NeverRule],
    sites: &[ir::SiteCategory],
) -> Vec<Diagnostic> {
    let applies = |n: &ir::NeverRule| {
        n.regions.is_empty() || (!rule.regions.is_empty() && rule.regions.iter().all(|r| n.regions.contains(r)))
    };
    let category = |name: &str| sites.iter().find(|s| s.name == name);
    let mut out = Vec::new();
    for n in never.iter().filter(|n| applies(n)) {
        for never_cat in n.sites.iter().filter_map(|c| category(c)) {
            let index = NeverIndex::new(never_cat.patterns.iter());
            for s in &rule.sites {
                let Some(cat) = category(s) else { continue };
                let blocked: Vec<&Pattern> = cat.patterns.iter().filter(|p| index.covers(p)).collect();
                if blocked.is_empty() || blocked.len() == cat.patterns.len() {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Code::ScopeOverlapsNever,
                        span,
                        format!(
                            "{} of `{}` {} also in `{}`, so this rule never collects there",
                            sites_word(blocked.len()),
                            cat.name,
                            if blocked.len() == 1 { "is" } else { "are" },
                            never_cat.name
                        ),
                    )
                    .with_label("partly blocked")
                    .with_help(format!(
                        "for example {} (witness: {}); `never` wins, so this is safe, but remove them from `{}` if \
                         they are listed there by mistake",
                        examples(&blocked),
                        blocked[0].witness_url(),
                        cat.name
                    )),
                );
            }
        }
    }
    out
}

/// The events a rule collects on: a rule without `at` collects on page views.
fn events_of(r: &ir::CollectRule) -> Vec<String> {
    if r.events.is_empty() {
        vec![ir::PAGE_VIEW.to_string()]
    } else {
        r.events.clone()
    }
}

/// Whether rule `ri` does everything rule `rj` does: same or more data, sites, events, purposes and regions, a
/// retention at least as long, the same linkage, and a condition that holds whenever `rj`'s does.
fn covers(ri: &ir::CollectRule, rj: &ir::CollectRule) -> bool {
    let sup = |a: &[String], b: &[String]| b.iter().all(|x| a.contains(x));
    // A rule triggered by a click adds something to one that collects on page views, and the reverse.
    sup(&events_of(ri), &events_of(rj))
        && sup(&ri.data, &rj.data)
        && sup(&ri.sites, &rj.sites)
        && sup(&ri.purposes, &rj.purposes)
        && (ri.regions.is_empty() || (!rj.regions.is_empty() && sup(&ri.regions, &rj.regions)))
        && (ri.when.is_none() || ri.when == rj.when)
        && ir::keeps_at_least(&ri.keep, &rj.keep)
        && ri.aggregated == rj.aggregated
        && ri.link == rj.link
}

/// A collect rule that another rule makes redundant: same or more data, sites, purposes and regions, a retention
/// at least as long, the same linkage, and a condition that holds whenever this one does.
pub fn shadowed(rules: &[(ir::CollectRule, Span)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (j, (rj, span)) in rules.iter().enumerate() {
        for (i, (ri, other)) in rules.iter().enumerate() {
            if i == j {
                continue;
            }
            let covers = covers(ri, rj);
            // Of two identical rules, warn about the later one only.
            let identical = ri.data == rj.data
                && ri.sites == rj.sites
                && ri.events == rj.events
                && ri.when == rj.when
                && ri.keep == rj.keep;
            if covers && !(identical && i > j) {
                out.push(
                    Diagnostic::new(Code::ShadowedRule, *span, "this collect rule adds nothing another rule does not")
                        .with_label("shadowed")
                        .with_secondary(
                            *other,
                            "this rule already collects the same data, there, for the same purposes",
                        )
                        .with_help(
                            "remove it, or make it differ (other data, sites, purposes, condition or retention)",
                        ),
                );
                break;
            }
        }
    }
    out
}

/// Whether two collect rules can both fire in one decision: on a common event, in a common region, in a state of
/// the switches where both conditions hold, and on a URL both site scopes match. Only then does a reader of the
/// notice meet both rules about the same visit; rules that exclude each other describe different visits.
fn can_fire_together(a: &ir::CollectRule, b: &ir::CollectRule, sites: &[ir::SiteCategory]) -> bool {
    let (ea, eb) = (events_of(a), events_of(b));
    if !ea.iter().any(|e| eb.contains(e)) {
        return false;
    }
    let regions_meet = a.regions.is_empty()
        || b.regions.is_empty()
        || a.regions.iter().any(|x| b.regions.iter().any(|y| crate::region::overlaps(x, y)));
    if !regions_meet {
        return false;
    }
    let mut names: Vec<&str> = a.when.iter().chain(b.when.iter()).flat_map(|c| c.names()).collect();
    names.sort_unstable();
    names.dedup();
    let both_hold = |on: &dyn Fn(&str) -> bool| {
        a.when.as_ref().is_none_or(|c| c.eval(&on)) && b.when.as_ref().is_none_or(|c| c.eval(&on))
    };
    // Past the number of switches every combination of which can be tried, the conditions may hold together.
    if ir::in_some_state(&names, both_hold) == Some(false) {
        return false;
    }
    if a.sites.iter().any(|s| b.sites.contains(s)) {
        return true;
    }
    let category = |name: &str| sites.iter().find(|c| c.name == name);
    let index = OverlapIndex::new(b.sites.iter().filter_map(|s| category(s)).flat_map(|c| c.patterns.iter()));
    a.sites.iter().filter_map(|s| category(s)).flat_map(|c| c.patterns.iter()).any(|p| !index.overlaps(p).is_empty())
}

/// Two collect rules that collect the same data item for the same purpose, keep it for different periods, and can
/// fire in the same decision: the notice then states two retentions for one item and purpose, and a reader cannot
/// tell which one applies. One warning per rule, on the later rule of a pair, naming the first earlier rule it
/// conflicts with (as W0025 names one rule: the fix of one pair shows whether another remains). A rule that another
/// makes redundant is left to W0025, whose fix (removing it) settles this too.
pub fn conflicting_retention(rules: &[(ir::CollectRule, Span)], sites: &[ir::SiteCategory]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (j, (later, span)) in rules.iter().enumerate() {
        for (earlier, earlier_span) in rules.iter().take(j) {
            if later.keep == earlier.keep || covers(earlier, later) || covers(later, earlier) {
                continue;
            }
            let data: Vec<&String> = later.data.iter().filter(|d| earlier.data.contains(d)).collect();
            let purposes: Vec<&String> = later.purposes.iter().filter(|p| earlier.purposes.contains(p)).collect();
            if data.is_empty() || purposes.is_empty() || !can_fire_together(earlier, later, sites) {
                continue;
            }
            // The summary is said only for a pair whose two retentions are the only ones the item has for the
            // purpose: with a third rule the table gives all of them.
            let third = rules.iter().any(|(r, _)| {
                r.keep != earlier.keep
                    && r.keep != later.keep
                    && r.data.iter().any(|d| data.contains(&d))
                    && r.purposes.iter().any(|p| purposes.contains(&p))
            });
            let names = |v: &[&String]| v.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            let (data, purposes) = (names(&data), names(&purposes));
            // What the notice says (see `disclose::build`): one retention sentence per rule, and in the summary
            // table the longer period as an upper bound, or both retentions where one is a criterion.
            let summary = match (&earlier.keep, &later.keep) {
                _ if third => String::new(),
                (ir::Retention::Period(a), ir::Retention::Period(b)) => {
                    format!(", and the summary says up to {}", if a.max_days() >= b.max_days() { a } else { b })
                }
                (a, b) => format!(", and the summary says {a} or {b}"),
            };
            out.push(
                Diagnostic::new(
                    Code::ConflictingRetention,
                    *span,
                    format!(
                        "{data} collected for {purposes} is kept {} here but {} by another rule",
                        later.keep, earlier.keep
                    ),
                )
                .with_label(format!("keeps it {}", later.keep))
                .with_secondary(*earlier_span, format!("keeps it {}", earlier.keep))
                .with_help(format!(
                    "a reader of the notice sees both: one sentence says {}, another {}{summary}; give both rules one retention, or make them exclusive (other sites, events, regions \
                     or a condition that cannot hold with the other's)",
                    earlier.keep, later.keep
                )),
            );
            break;
        }
    }
    out
}

/// A sensitive list indexed for overlap queries. Coverage ("the list names all of this pattern") misses the
/// common case of a list entry *inside* a policy pattern (`www.target.com` on the list, `target.com` in the
/// policy), so this index answers the symmetric question: which entries share at least one URL with a pattern.
/// Each entry is found through the host strings a pattern's host can meet it at, so a query costs a few hash
/// probes per label, not a pass over the list.
pub struct OverlapIndex<'a> {
    /// Domain and exact-host entries by their host.
    by_host: HashMap<&'a str, Vec<&'a Pattern>>,
    /// Domain and exact-host entries by each strict parent domain of their host (`target.com` for
    /// `www.target.com`), for policy domains that contain them.
    by_parent: HashMap<&'a str, Vec<&'a Pattern>>,
    /// Domain and exact-host entries by the label before their public suffix, for policy wildcards.
    by_label: HashMap<&'a str, Vec<&'a Pattern>>,
    /// Wildcard entries by their label.
    wildcards: HashMap<&'a str, Vec<&'a Pattern>>,
}

impl<'a> OverlapIndex<'a> {
    pub fn new(patterns: impl Iterator<Item = &'a Pattern>) -> Self {
        let psl = PublicSuffixList::bundled();
        let mut idx = OverlapIndex {
            by_host: HashMap::new(),
            by_parent: HashMap::new(),
            by_label: HashMap::new(),
            wildcards: HashMap::new(),
        };
        for p in patterns {
            let host = match &p.host {
                HostPattern::Wildcard(l) => {
                    idx.wildcards.entry(l).or_default().push(p);
                    continue;
                }
                HostPattern::Domain(h) | HostPattern::Exact(h) => h.as_str(),
            };
            idx.by_host.entry(host).or_default().push(p);
            let mut h = host;
            while let Some((_, parent)) = h.split_once('.') {
                idx.by_parent.entry(parent).or_default().push(p);
                h = parent;
            }
            if let Some(label) = label_before_suffix(psl, host) {
                idx.by_label.entry(label).or_default().push(p);
            }
        }
        idx
    }

    /// The intersections of `p` with every entry it shares a URL with (each a pattern of its own).
    pub fn overlaps(&self, p: &Pattern) -> Vec<Pattern> {
        let mut candidates: Vec<&Pattern> = Vec::new();
        let mut add = |v: Option<&Vec<&'a Pattern>>| candidates.extend(v.into_iter().flatten().copied());
        match &p.host {
            HostPattern::Domain(h) | HostPattern::Exact(h) => {
                let mut s = h.as_str();
                loop {
                    add(self.by_host.get(s));
                    match s.split_once('.') {
                        Some((_, parent)) => s = parent,
                        None => break,
                    }
                }
                if matches!(p.host, HostPattern::Domain(_)) {
                    add(self.by_parent.get(h.as_str()));
                }
                if let Some(label) = label_before_suffix(PublicSuffixList::bundled(), h) {
                    add(self.wildcards.get(label));
                }
            }
            HostPattern::Wildcard(l) => {
                add(self.wildcards.get(l.as_str()));
                add(self.by_label.get(l.as_str()));
            }
        }
        let mut out: Vec<Pattern> = candidates.into_iter().filter_map(|c| p.intersection(c)).collect();
        out.sort();
        out.dedup();
        out
    }
}

fn label_before_suffix<'h>(psl: &PublicSuffixList, host: &'h str) -> Option<&'h str> {
    let suffix = psl.icann_suffix(host);
    let before = host[..host.len() - suffix.len()].strip_suffix('.')?;
    before.rsplit('.').next().filter(|l| !l.is_empty())
}

/// Sites of the collection scope that appear on a supplied sensitive list (bank, health, dating, ...), and
/// that no `never` rule excludes: the review a privacy officer does by hand, done for every site.
///
/// A site counts when the matcher would act on it: some URL is matched by both a pattern of the rule's
/// categories and an entry of the list, and is left in scope by the `never` rules in force in some region the
/// rule fires in (in no region every `never` rule applies, in a region only those for it and those for every
/// region). The witness is such a URL, checked against those `never` rules one by one.
pub fn sensitive_sites(
    rule: &ir::CollectRule,
    span: Span,
    never: &[ir::NeverRule],
    sites: &[ir::SiteCategory],
    regions: &[String],
    list_name: &str,
    sensitive: &OverlapIndex<'_>,
) -> Option<Diagnostic> {
    let category = |name: &str| sites.iter().find(|s| s.name == name);
    // The states the rule can fire in: no region (unless it is region-scoped) and each of its regions.
    let mut states: Vec<Option<&str>> = Vec::new();
    if rule.regions.is_empty() {
        states.push(None);
        states.extend(regions.iter().map(|r| Some(r.as_str())));
    } else {
        states.extend(rule.regions.iter().map(|r| Some(r.as_str())));
    }
    let overlaps: Vec<Pattern> = rule
        .sites
        .iter()
        .filter_map(|s| category(s))
        .flat_map(|c| c.patterns.iter())
        .flat_map(|p| sensitive.overlaps(p))
        .collect();
    if overlaps.is_empty() {
        return None;
    }
    let mut hits: Vec<(&Pattern, String, Option<&str>)> = Vec::new();
    let mut found = vec![false; overlaps.len()];
    for state in states {
        let in_force: Vec<&Pattern> = never
            .iter()
            .filter(|n| match state {
                None => true,
                Some(r) => n.regions.is_empty() || n.regions.iter().any(|x| x == r),
            })
            .flat_map(|n| n.sites.iter())
            .filter_map(|c| category(c))
            .flat_map(|c| c.patterns.iter())
            .collect();
        let index = NeverIndex::new(in_force.iter().copied());
        // A URL is blocked when the `never` patterns cover it as an exact host with its path.
        let blocked = |url: &str| {
            let Ok(u) = crate::urlnorm::normalize(url) else { return true };
            index.covers(&Pattern { host: HostPattern::Exact(u.host), path: Some(u.path) })
        };
        for (i, q) in overlaps.iter().enumerate() {
            if found[i] || index.covers(q) {
                continue;
            }
            if let Some(witness) = q.witness_urls().into_iter().find(|w| !blocked(w)) {
                found[i] = true;
                hits.push((q, witness, state));
            }
        }
    }
    let (_, witness, region) = hits.first()?;
    let shown: Vec<&Pattern> = hits.iter().map(|(p, _, _)| *p).collect();
    let where_ = match region {
        Some(r) if !rule.regions.is_empty() || !hits.iter().any(|(_, _, s)| s.is_none()) => format!(" in {r}"),
        _ => String::new(),
    };
    Some(
        Diagnostic::new(
            Code::SensitiveSite,
            span,
            format!("this rule collects on {} listed in `{list_name}`", sites_word(hits.len())),
        )
        .with_label("collects on sensitive sites")
        .with_help(format!(
            "for example {} (witness: {witness}{where_}); add the list to a `never` rule, or remove the sites \
             from the category",
            examples(&shown),
        )),
    )
}

impl Checker<'_> {
    /// Warnings about the scope as a whole: rules `never` covers entirely or in part, shadowed rules,
    /// redundant and duplicate patterns, and sites of user-supplied sensitive lists.
    pub(super) fn scope_analysis(
        &mut self,
        file: &ast::File,
        collect: &[(ir::CollectRule, Span)],
        never: &[ir::NeverRule],
        sites: &[ir::SiteCategory],
    ) {
        for (rule, span) in collect {
            match never_covers(rule, span, never, sites, &self.regions) {
                Some(d) => self.emit(d),
                None => {
                    for d in overlaps_never(rule, *span, never, sites) {
                        self.emit(d);
                    }
                }
            }
        }
        for d in shadowed(collect) {
            self.emit(d);
        }
        for d in conflicting_retention(collect, sites) {
            self.emit(d);
        }
        for item in &file.items {
            if let ast::Item::Sites(s) = item {
                if let Some(cat) = sites.iter().find(|c| c.name == s.name.name) {
                    if let Some(d) = redundant_patterns(cat, s.name.span) {
                        self.emit(d);
                    }
                }
            }
        }
        let lists: Vec<(String, Vec<Pattern>)> = self
            .options
            .sensitive
            .iter()
            .map(|(name, text)| {
                let patterns = text
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim())
                    .filter(|l| !l.is_empty())
                    .filter_map(|l| Pattern::parse(l, false, self.psl).ok())
                    .collect();
                (name.clone(), patterns)
            })
            .collect();
        for (name, patterns) in &lists {
            let index = OverlapIndex::new(patterns.iter());
            for (rule, span) in collect {
                if let Some(d) = sensitive_sites(rule, *span, never, sites, &self.regions, name, &index) {
                    self.emit(d);
                }
            }
        }
    }
}
