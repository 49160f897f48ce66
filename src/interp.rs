//! The reference interpreter: the policy's meaning, evaluated straight from the IR.
//!
//! This is deliberately the plainest reading of the semantics in `../shared/BRIEF.md`: find the patterns that
//! match the URL, apply every `never` rule, fire every `collect` rule whose category, region and condition
//! hold. No automata, no bit sets, no binary tables, no PSL copy: names, strings and the bundled list. The one
//! concession to speed is that patterns are grouped by their host string, so that a URL is tried only against
//! patterns whose host is one of its suffixes (every other pattern cannot match it by definition); without it,
//! checking tens of thousands of real domains against tens of thousands of patterns would take hours. Property tests and the real-data
//! tests check that the compiled [`matcher`](crate::matcher) agrees with it on every input; a disagreement is
//! a bug in the compiler or the runtime, never in this file's reading of the rules.

use crate::ir;
use crate::pattern::{HostPattern, Pattern};
use crate::psl::PublicSuffixList;
use crate::report::{ItemReport, Report, RuleRef, Settings, SourceItem, SourceReport};
use crate::urlnorm::{self, path_has_prefix};
use std::collections::{BTreeMap, HashMap};

/// Whether one pattern matches a normalised host and path.
pub fn pattern_matches(p: &Pattern, host: &str, path: &str) -> bool {
    let host_ok = match &p.host {
        HostPattern::Domain(d) => host == d || host.ends_with(&format!(".{d}")),
        HostPattern::Exact(h) => host == h,
        HostPattern::Wildcard(label) => {
            // The label right before the host's ICANN public suffix must be `label`; a suffix the list does not
            // name (only its implicit `*` rule would) is no public suffix for `name.*`.
            let Some(suffix) = PublicSuffixList::bundled().icann_listed_suffix(host) else { return false };
            let before = &host[..host.len() - suffix.len()];
            match before.strip_suffix('.') {
                Some(rest) if !rest.is_empty() => rest.rsplit('.').next() == Some(label.as_str()),
                _ => false,
            }
        }
    };
    host_ok && p.path.as_deref().is_none_or(|prefix| path_has_prefix(path, prefix))
}

/// A policy prepared for interpretation: its patterns grouped by host string.
pub struct Interpreter<'p> {
    policy: &'p ir::Policy,
    by_host: HashMap<&'p str, Vec<(usize, &'p Pattern)>>,
    wildcards: Vec<(usize, &'p Pattern)>,
    policy_hash: String,
}

impl<'p> Interpreter<'p> {
    pub fn new(policy: &'p ir::Policy) -> Self {
        let mut by_host: HashMap<&str, Vec<(usize, &Pattern)>> = HashMap::new();
        let mut wildcards = Vec::new();
        for (ci, cat) in policy.sites.iter().enumerate() {
            for p in &cat.patterns {
                match &p.host {
                    HostPattern::Wildcard(_) => wildcards.push((ci, p)),
                    HostPattern::Domain(h) | HostPattern::Exact(h) => {
                        by_host.entry(h.as_str()).or_default().push((ci, p))
                    }
                }
            }
        }
        Interpreter { policy, by_host, wildcards, policy_hash: policy.content_hash() }
    }

    /// The names of the site categories a normalised URL is in, in declaration order.
    fn categories(&self, host: &str, path: &str) -> Vec<String> {
        let mut hit = vec![false; self.policy.sites.len()];
        let mut candidates: Vec<(usize, &Pattern)> = self.wildcards.clone();
        let mut h = host;
        loop {
            if let Some(ps) = self.by_host.get(h) {
                candidates.extend(ps.iter().copied());
            }
            match h.split_once('.') {
                Some((_, rest)) => h = rest,
                None => break,
            }
        }
        for (ci, p) in candidates {
            if pattern_matches(p, host, path) {
                hit[ci] = true;
            }
        }
        self.policy.sites.iter().zip(hit).filter(|(_, h)| *h).map(|(c, _)| c.name.clone()).collect()
    }

    /// Decides a URL under `settings`. Unknown setting names are an error, as for the matcher.
    pub fn decide(&self, url: &str, settings: &Settings) -> Result<Report, String> {
        decide_with(self, url, settings).map(|(r, _)| r)
    }

    /// Decides a URL and reports each collected item apart: its purposes over the rules that fired for it, its
    /// retention, its linkage and those rules, as [`ItemReport::of`] reads them from the matcher.
    pub fn decide_items(&self, url: &str, settings: &Settings) -> Result<(Report, Vec<ItemReport>), String> {
        let (report, fired) = decide_with(self, url, settings)?;
        let policy = self.policy;
        let items = policy
            .data
            .iter()
            .filter(|d| report.collect.contains(&d.name))
            .map(|d| {
                let rules: Vec<&(usize, RuleRef)> =
                    fired.iter().filter(|(i, _)| policy.collect[*i].data.contains(&d.name)).collect();
                let purposes = policy
                    .purposes
                    .iter()
                    .filter(|p| rules.iter().any(|(i, _)| policy.collect[*i].purposes.contains(&p.name)))
                    .map(|p| p.name.clone())
                    .collect();
                ItemReport {
                    data: d.name.clone(),
                    purposes,
                    retention: report.retention.get(&d.name).cloned().unwrap_or_default(),
                    linked: report.linked.contains(&d.name),
                    rules: rules.iter().map(|(_, r)| r.clone()).collect(),
                }
            })
            .collect();
        Ok((report, items))
    }
}

/// The variables' values under `settings` (signals off, features at their defaults, then what `settings` set),
/// after checking that every name and the region are the policy's.
fn variables<'p>(policy: &'p ir::Policy, settings: &Settings) -> Result<BTreeMap<&'p str, bool>, String> {
    let mut vars: BTreeMap<&str, bool> = policy.signals.iter().map(|s| (s.name.as_str(), false)).collect();
    vars.extend(policy.features.iter().map(|f| (f.name.as_str(), f.default)));
    for (name, on) in &settings.set {
        match vars.get_mut(name.as_str()) {
            Some(v) => *v = *on,
            None => return Err(format!("`{name}` is not a signal, feature, region or event of this policy")),
        }
    }
    if let Some(r) = &settings.region {
        if !crate::region::expand(&policy.regions).contains(r) {
            return Err(format!("`{r}` is not a signal, feature, region or event of this policy"));
        }
    }
    Ok(vars)
}

impl Interpreter<'_> {
    /// What may be collected independently of the page under `settings`: every rule from a source whose region
    /// and condition hold (the event plays no part), reported per source and item as the matcher's
    /// [`SourceReport`] does.
    pub fn decide_sources(&self, settings: &Settings) -> Result<SourceReport, String> {
        let policy = self.policy;
        let vars = variables(policy, settings)?;
        let value = |n: &str| vars.get(n).copied().unwrap_or(false);
        let region = settings.region.as_deref();
        let link_holds = |l: &ir::Link| match l {
            ir::Link::Never | ir::Link::NotStated => false,
            ir::Link::Always => true,
            ir::Link::When(c) => c.eval(&value),
        };
        let holding: Vec<(usize, &ir::IndependentRule)> = policy
            .independent
            .iter()
            .enumerate()
            .filter(|(_, r)| crate::region::collect_applies(&r.regions, region))
            .filter(|(_, r)| r.when.as_ref().is_none_or(|c| c.eval(&value)))
            .collect();
        let rule_ref = |i: usize, r: &ir::IndependentRule| RuleRef {
            rule: format!("from {}", i + 1),
            origin: crate::source::Origin::short(r.origin.as_ref()),
        };
        // In declaration order, once each, as the matcher reports them.
        let in_order = |all: &mut dyn Iterator<Item = &String>, wanted: &dyn Fn(&str) -> bool| -> Vec<String> {
            all.filter(|n| wanted(n)).cloned().collect()
        };
        let data_names = || policy.data.iter().map(|d| &d.name);
        let sources = [ir::SOURCE_DEVICE.to_string(), ir::SOURCE_ACCOUNT.to_string()]
            .into_iter()
            .chain(policy.sources.iter().map(|s| s.name.clone()));
        let mut items = Vec::new();
        for source in sources {
            let from: Vec<&(usize, &ir::IndependentRule)> =
                holding.iter().filter(|(_, r)| r.source == source).collect();
            for data in data_names() {
                let fired: Vec<&&(usize, &ir::IndependentRule)> =
                    from.iter().filter(|(_, r)| r.data.contains(data)).collect();
                if fired.is_empty() {
                    continue;
                }
                let purposes = in_order(&mut policy.purposes.iter().map(|p| &p.name), &|p| {
                    fired.iter().any(|(_, r)| r.purposes.iter().any(|x| x == p))
                });
                // The longest retention among the rules, as the matcher's `max_by` picks it.
                let keep = fired
                    .iter()
                    .map(|(_, r)| &r.keep)
                    .max_by(|a, b| a.longest_key().cmp(&b.longest_key()))
                    .map(ToString::to_string)
                    .unwrap_or_default();
                items.push(SourceItem {
                    data: data.clone(),
                    source: source.clone(),
                    purposes,
                    retention: keep,
                    linked: fired.iter().any(|(_, r)| link_holds(&r.link)),
                    rules: fired.iter().map(|(i, r)| rule_ref(*i, r)).collect(),
                });
            }
        }
        let collected = |d: &str| holding.iter().any(|(_, r)| r.data.iter().any(|x| x == d));
        let linked = |d: &str| holding.iter().any(|(_, r)| link_holds(&r.link) && r.data.iter().any(|x| x == d));
        Ok(SourceReport {
            collect: in_order(&mut data_names(), &collected),
            linked: in_order(&mut data_names(), &linked),
            purposes: in_order(&mut policy.purposes.iter().map(|p| &p.name), &|p| {
                holding.iter().any(|(_, r)| r.purposes.iter().any(|x| x == p))
            }),
            items,
            rules: holding.iter().map(|(i, r)| rule_ref(*i, r)).collect(),
            policy_hash: self.policy_hash.clone(),
        })
    }
}

/// The report, and the collect rules that fired (their index and reference).
fn decide_with(
    interp: &Interpreter<'_>,
    url: &str,
    settings: &Settings,
) -> Result<(Report, Vec<(usize, RuleRef)>), String> {
    let policy = interp.policy;
    let policy_hash = interp.policy_hash.as_str();
    let vars = variables(policy, settings)?;
    let event = match settings.event.as_deref() {
        None => ir::PAGE_VIEW,
        Some(e) if e == ir::PAGE_VIEW || policy.event(e).is_some() => e,
        Some(e) => return Err(format!("`{e}` is not a signal, feature, region or event of this policy")),
    };
    let region = settings.region.as_deref();
    let value = |n: &str| vars.get(n).copied().unwrap_or(false);
    let event_name = (event != ir::PAGE_VIEW).then(|| event.to_string());
    let norm = match urlnorm::normalize(url) {
        Ok(n) => n,
        Err(e) => {
            return Ok((Report { event: event_name, ..Report::refused(url, &e.to_string(), policy_hash) }, Vec::new()))
        }
    };
    let mut report = Report::nothing(url, Some(&norm.host), policy_hash);
    report.event = event_name;
    report.sites = interp.categories(&norm.host, &norm.path);
    let origin = |o: &Option<crate::source::Origin>| crate::source::Origin::short(o.as_ref());
    for (i, n) in policy.never.iter().enumerate() {
        // In an unknown or coarser region, a region-scoped `never` still applies: fail closed.
        let applies = crate::region::never_applies(&n.regions, region);
        if applies && n.sites.iter().any(|s| report.sites.contains(s)) {
            report.blocked_by.push(RuleRef { rule: format!("never {}", i + 1), origin: origin(&n.origin) });
        }
    }
    if !report.blocked_by.is_empty() {
        return Ok((report, Vec::new()));
    }
    let mut fired = Vec::new();
    let mut collect = Vec::new();
    let mut linked = Vec::new();
    let mut purposes = Vec::new();
    let mut retention: BTreeMap<String, ir::Retention> = BTreeMap::new();
    for (i, r) in policy.collect.iter().enumerate() {
        let region_ok = crate::region::collect_applies(&r.regions, region);
        let site_ok = r.sites.iter().any(|s| report.sites.contains(s));
        let when_ok = r.when.as_ref().is_none_or(|c| c.eval(&value));
        if !(region_ok && site_ok && when_ok && r.on_event(event)) {
            continue;
        }
        let rule = RuleRef { rule: format!("collect {}", i + 1), origin: origin(&r.origin) };
        fired.push((i, rule.clone()));
        report.rules.push(rule);
        collect.extend(r.data.iter().cloned());
        purposes.extend(r.purposes.iter().cloned());
        let link = match &r.link {
            ir::Link::Never | ir::Link::NotStated => false,
            ir::Link::Always => true,
            ir::Link::When(c) => c.eval(&value),
        };
        if link {
            linked.extend(r.data.iter().cloned());
        }
        for d in &r.data {
            let e = retention.entry(d.clone()).or_insert_with(|| r.keep.clone());
            if r.keep.longest_key() > e.longest_key() {
                *e = r.keep.clone();
            }
        }
    }
    // Names in declaration order, once each, as the matcher reports them.
    let ordered = |wanted: &[String], all: Vec<&String>| -> Vec<String> {
        all.into_iter().filter(|n| wanted.contains(n)).cloned().collect()
    };
    report.collect = ordered(&collect, policy.data.iter().map(|d| &d.name).collect());
    report.linked = ordered(&linked, policy.data.iter().map(|d| &d.name).collect());
    report.purposes = ordered(&purposes, policy.purposes.iter().map(|p| &p.name).collect());
    report.retention = retention.into_iter().map(|(k, v)| (k, v.to_string())).collect();
    Ok((report, fired))
}
