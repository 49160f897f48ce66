//! The artifact's limits: what one matcher can hold (`ir::limits`). A policy over one of them would pass
//! `check` and then be refused by `compile`; this pass reports it as E0027 where the limit is crossed (the 65th
//! data item, the rule whose condition nests too deep), so that the author learns it while writing.

use super::*;
use crate::ir::limits::{MAX_CATEGORY_COMBINATIONS, MAX_CONDITION_DEPTH, MAX_EVENTS, MAX_PER_KIND};
use crate::pattern::HostPattern;

/// The stack depth of a condition's compiled program: operands are pushed left to right and each operator
/// pops two (or one) and pushes one, so the second operand of a chain sits on one value.
pub(super) fn condition_depth(c: &ir::Cond) -> usize {
    match c {
        ir::Cond::Var(_) => 1,
        ir::Cond::Not(c) => condition_depth(c),
        ir::Cond::And(cs) | ir::Cond::Or(cs) => {
            cs.iter().enumerate().map(|(i, c)| condition_depth(c) + usize::from(i > 0)).max().unwrap_or(1)
        }
    }
}

impl Checker<'_> {
    pub(super) fn artifact_limits(
        &mut self,
        file: &ast::File,
        sites: &[ir::SiteCategory],
        collect: &[(ir::CollectRule, Span)],
    ) {
        // Names of each kind in declaration order, and rules of each kind.
        let mut kinds: Vec<(&str, Vec<Span>)> = vec![
            ("site categories", vec![]),
            ("data items", vec![]),
            ("purposes", vec![]),
            ("signals and features", vec![]),
            ("regions", vec![]),
            ("collect rules", vec![]),
            ("never rules", vec![]),
        ];
        for item in &file.items {
            let (k, span) = match item {
                ast::Item::Sites(s) => (0, s.name.span),
                ast::Item::Data(d) => (1, d.name.span),
                ast::Item::Purpose(p) => (2, p.name.span),
                ast::Item::Signal(d) => (3, d.name.span),
                ast::Item::Feature(f) => (3, f.name.span),
                ast::Item::Collect(c) => (5, c.span),
                ast::Item::Never(n) => (6, n.span),
                ast::Item::Header(h) => {
                    for (field, _) in &h.fields {
                        if let ast::HeaderField::Regions(rs) = field {
                            kinds[4].1.extend(rs.iter().map(|r| r.span));
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            kinds[k].1.push(span);
        }
        let events: Vec<Span> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Event(e) => Some(e.name.span),
                _ => None,
            })
            .collect();
        if let Some(first_over) = events.get(MAX_EVENTS) {
            self.emit(
                Diagnostic::new(
                    Code::LimitExceeded,
                    *first_over,
                    format!("the policy has {} events, over the limit of {MAX_EVENTS}", events.len()),
                )
                .with_label("one more than an artifact can hold")
                .with_help("a decision carries a rule's events as a 64-bit set, one bit of it the page view; split the policy into two"),
            );
        }
        for (what, spans) in &kinds {
            if let Some(first_over) = spans.get(MAX_PER_KIND) {
                self.emit(
                    Diagnostic::new(
                        Code::LimitExceeded,
                        *first_over,
                        format!("the policy has {} {what}, over the limit of {MAX_PER_KIND}", spans.len()),
                    )
                    .with_label("one more than an artifact can hold")
                    .with_help("a decision carries these as 64-bit sets; split the policy into two"),
                );
            }
        }

        // The domain index, the path automaton and the index's value classes, counted as the compiler counts
        // them: one key per host string (wildcard labels apart), one class per distinct (exact-host categories,
        // subdomain categories, has paths) of a key.
        let mut domains: HashMap<(bool, &str), (u64, u64, bool)> = HashMap::new();
        let mut paths = 0usize;
        for (ci, cat) in sites.iter().enumerate().take(MAX_PER_KIND) {
            for p in &cat.patterns {
                let wildcard = matches!(p.host, HostPattern::Wildcard(_));
                let class = domains.entry((wildcard, p.host_str())).or_default();
                match (&p.host, &p.path) {
                    (HostPattern::Exact(_), None) => class.0 |= 1 << ci,
                    (_, None) => class.1 |= 1 << ci,
                    (_, Some(_)) => {
                        class.2 = true;
                        paths += 1;
                    }
                }
            }
        }
        let span = file.items.iter().find_map(|i| match i {
            ast::Item::Header(h) => Some(h.id.span),
            _ => None,
        });
        let span = span.unwrap_or(Span::new(self.main, 0, 0));
        let combinations: HashSet<(u64, u64, bool)> = domains.values().copied().collect();
        for (what, n, max, help) in [
            (
                "distinct domains and wildcards",
                domains.len(),
                self.options.limits.max_domains,
                "split the lists, or raise the limit with `--max-domains` (of `check` and `compile`)",
            ),
            (
                "path patterns",
                paths,
                self.options.limits.max_path_patterns,
                "use domain patterns where a whole site is meant, or raise the limit with `--max-path-patterns` \
                 (of `check` and `compile`)",
            ),
            // Each distinct set of categories a host is in is one class of the index; a coarse upper bound
            // of what the compiler counts (it also splits classes by exact host and path), so under it the
            // compiler never refuses.
            (
                "distinct combinations of site categories",
                combinations.len() * 3,
                MAX_CATEGORY_COMBINATIONS,
                "merge site categories",
            ),
        ] {
            if n > max {
                self.emit(
                    Diagnostic::new(
                        Code::LimitExceeded,
                        span,
                        format!("the policy has {n} {what}, over the limit of {max}"),
                    )
                    .with_label("this policy")
                    .with_help(help),
                );
            }
        }

        for (rule, span) in collect {
            let conds = rule.when.iter().chain(rule.link.cond());
            for c in conds {
                let depth = condition_depth(c);
                if depth > MAX_CONDITION_DEPTH {
                    self.emit(
                        Diagnostic::new(
                            Code::LimitExceeded,
                            *span,
                            format!("a condition of this rule nests {depth} levels deep, over the limit of {MAX_CONDITION_DEPTH}"),
                        )
                        .with_label("condition too deep")
                        .with_help("simplify the condition: `a and (b and (c ...))` is the same as `a and b and c`"),
                    );
                }
            }
        }
    }
}
