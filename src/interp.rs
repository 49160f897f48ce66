//! The reference interpreter: the policy's meaning, evaluated straight from the IR.
//!
//! This is deliberately the plainest possible reading of the semantics in `../shared/BRIEF.md`: for every site
//! category, try every pattern against the URL; apply every `never` rule; fire every `collect` rule whose
//! category, region and condition hold. No indexes, no automata, no bit sets. Property tests and the real-data
//! tests check that the compiled [`matcher`](crate::matcher) agrees with it on every input; a disagreement is
//! a bug in the compiler or the runtime, never in this file's reading of the rules.

use crate::ir;
use crate::pattern::{HostPattern, Pattern};
use crate::psl::PublicSuffixList;
use crate::report::{Report, RuleRef, Settings};
use crate::urlnorm::{self, path_has_prefix};
use std::collections::BTreeMap;

/// Whether one pattern matches a normalised host and path.
pub fn pattern_matches(p: &Pattern, host: &str, path: &str) -> bool {
    let host_ok = match &p.host {
        HostPattern::Domain(d) => host == d || host.ends_with(&format!(".{d}")),
        HostPattern::Exact(h) => host == h,
        HostPattern::Wildcard(label) => {
            // The label right before the host's ICANN public suffix must be `label`.
            let suffix = PublicSuffixList::bundled().icann_suffix(host);
            let before = &host[..host.len() - suffix.len()];
            match before.strip_suffix('.') {
                Some(rest) if !rest.is_empty() => rest.rsplit('.').next() == Some(label.as_str()),
                _ => false,
            }
        }
    };
    host_ok && p.path.as_deref().is_none_or(|prefix| path_has_prefix(path, prefix))
}

/// Decides a URL under `settings`. Unknown setting names are an error, as for the matcher.
pub fn decide(policy: &ir::Policy, url: &str, settings: &Settings, policy_hash: &str) -> Result<Report, String> {
    let mut vars: BTreeMap<&str, bool> = policy.signals.iter().map(|s| (s.name.as_str(), false)).collect();
    vars.extend(policy.features.iter().map(|f| (f.name.as_str(), f.default)));
    for (name, on) in &settings.set {
        match vars.get_mut(name.as_str()) {
            Some(v) => *v = *on,
            None => return Err(format!("`{name}` is not a signal, feature or region of this policy")),
        }
    }
    if let Some(r) = &settings.region {
        if !policy.regions.contains(r) {
            return Err(format!("`{r}` is not a signal, feature or region of this policy"));
        }
    }
    let region = settings.region.as_deref();
    let value = |n: &str| vars.get(n).copied().unwrap_or(false);
    let norm = match urlnorm::normalize(url) {
        Ok(n) => n,
        Err(e) => return Ok(Report::refused(url, &e.to_string(), policy_hash)),
    };
    let mut report = Report::refused(url, "", policy_hash);
    report.error = None;
    report.host = Some(norm.host.clone());
    let in_category = |name: &str| {
        policy
            .site_category(name)
            .is_some_and(|c| c.patterns.iter().any(|p| pattern_matches(p, &norm.host, &norm.path)))
    };
    report.sites = policy.sites.iter().filter(|c| in_category(&c.name)).map(|c| c.name.clone()).collect();
    let origin = |o: &Option<crate::source::Origin>| {
        o.as_ref()
            .map(|o| {
                let file = std::path::Path::new(&o.file).file_name().map(|f| f.to_string_lossy().into_owned());
                format!("{}:{}", file.unwrap_or_default(), o.line)
            })
            .unwrap_or_default()
    };
    for (i, n) in policy.never.iter().enumerate() {
        // In an unknown region, a region-scoped `never` still applies: fail closed.
        let applies = n.regions.is_empty() || region.is_none_or(|r| n.regions.iter().any(|x| x == r));
        if applies && n.sites.iter().any(|s| report.sites.contains(s)) {
            report.blocked_by.push(RuleRef { rule: format!("never {}", i + 1), origin: origin(&n.origin) });
        }
    }
    if !report.blocked_by.is_empty() {
        return Ok(report);
    }
    let mut collect = Vec::new();
    let mut linked = Vec::new();
    let mut purposes = Vec::new();
    let mut retention: BTreeMap<String, ir::Retention> = BTreeMap::new();
    for (i, r) in policy.collect.iter().enumerate() {
        let region_ok = r.regions.is_empty() || region.is_some_and(|reg| r.regions.iter().any(|x| x == reg));
        let site_ok = r.sites.iter().any(|s| report.sites.contains(s));
        let when_ok = r.when.as_ref().is_none_or(|c| c.eval(&value));
        if !(region_ok && site_ok && when_ok) {
            continue;
        }
        report.rules.push(RuleRef { rule: format!("collect {}", i + 1), origin: origin(&r.origin) });
        collect.extend(r.data.iter().cloned());
        purposes.extend(r.purposes.iter().cloned());
        let link = match &r.link {
            ir::Link::Never => false,
            ir::Link::Always => true,
            ir::Link::When(c) => c.eval(&value),
        };
        if link {
            linked.extend(r.data.iter().cloned());
        }
        for d in &r.data {
            let e = retention.entry(d.clone()).or_insert(r.keep);
            if (r.keep.max_days(), r.keep) > (e.max_days(), *e) {
                *e = r.keep;
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
    Ok(report)
}
