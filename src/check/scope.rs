//! Scope analysis: which collect rules can never fire because `never` rules cover everything they name.
//!
//! Coverage is decided per pattern, symbolically: a `never` pattern covers a collect pattern when every URL
//! the latter matches is matched by the former (a domain covers its subdomains and their paths; a path prefix
//! covers longer prefixes). Indexing the `never` side in hash sets keeps this linear in the number of patterns,
//! which matters with imported lists of tens of thousands of domains.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::pattern::{HostPattern, Pattern};
use crate::psl::PublicSuffixList;
use crate::source::Span;
use crate::urlnorm::path_has_prefix;
use std::collections::HashSet;

/// The `never` patterns that apply to one collect rule, indexed for coverage queries.
struct NeverIndex<'a> {
    domains: HashSet<&'a str>,
    exact: HashSet<&'a str>,
    wildcards: HashSet<&'a str>,
    with_path: Vec<&'a Pattern>,
}

impl<'a> NeverIndex<'a> {
    fn new(patterns: impl Iterator<Item = &'a Pattern>) -> Self {
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

    /// Whether the never side covers every URL that `p` matches.
    fn covers(&self, p: &Pattern) -> bool {
        let psl = PublicSuffixList::bundled();
        let host_covered_by_domain = |host: &str| {
            let mut h = host;
            loop {
                if self.domains.contains(h) {
                    return true;
                }
                match h.split_once('.') {
                    Some((_, rest)) => h = rest,
                    None => return false,
                }
            }
        };
        let host_covered_by_wildcard = |host: &str| {
            let suffix = psl.icann_suffix(host);
            let before = &host[..host.len() - suffix.len()];
            let label = before.trim_end_matches('.').rsplit('.').next().unwrap_or("");
            !before.is_empty() && self.wildcards.contains(label)
        };
        let whole = match &p.host {
            HostPattern::Domain(d) => host_covered_by_domain(d) || host_covered_by_wildcard(d),
            HostPattern::Exact(h) => {
                self.exact.contains(h.as_str()) || host_covered_by_domain(h) || host_covered_by_wildcard(h)
            }
            HostPattern::Wildcard(l) => self.wildcards.contains(l.as_str()),
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
                _ => false,
            };
            host_ok && path_has_prefix(path, n_path)
        })
    }
}

/// Warns when every pattern of every category a collect rule names is covered by `never` rules that apply in
/// all of the rule's regions.
pub fn never_covers(
    rule: &ir::CollectRule,
    span: &Span,
    never: &[ir::NeverRule],
    sites: &[ir::SiteCategory],
) -> Option<Diagnostic> {
    let applies = |n: &ir::NeverRule| {
        n.regions.is_empty() || (!rule.regions.is_empty() && rule.regions.iter().all(|r| n.regions.contains(r)))
    };
    let never_cats: Vec<&str> =
        never.iter().filter(|n| applies(n)).flat_map(|n| n.sites.iter().map(|s| s.as_str())).collect();
    if never_cats.is_empty() {
        return None;
    }
    let category = |name: &str| sites.iter().find(|s| s.name == name);
    let index = NeverIndex::new(never_cats.iter().filter_map(|c| category(c)).flat_map(|c| c.patterns.iter()));
    let mut any = false;
    for s in &rule.sites {
        let cat = category(s)?;
        for p in &cat.patterns {
            any = true;
            if !index.covers(p) {
                return None;
            }
        }
    }
    if !any {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::NeverCovered,
            *span,
            format!("this rule can never collect: `never` rules cover all of {}", rule.sites.join(", ")),
        )
        .with_label("never fires")
        .with_help("`never` wins over `collect` whatever the order; remove the rule or narrow the `never` categories"),
    )
}
