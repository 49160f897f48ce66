//! Promises: what a policy says it never does, checked against what it does. `never collect DATA` holds when
//! no collect rule collects the item and no incentive asks for it in exchange, so that a disclosure never states
//! a promise and its breach side by side.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    /// Reports every collect rule and incentive that takes a data item the policy promises never to collect.
    /// `collect_spans` are the spans of the lowered collect rules, in the order of `policy.collect`.
    pub(super) fn promises(&mut self, file: &ast::File, policy: &ir::Policy, collect_spans: &[Span]) {
        if policy.never_collect.is_empty() {
            return;
        }
        // Where each item was promised: the first `never collect` that names it.
        let promised = |name: &str| {
            file.items.iter().find_map(|i| match i {
                ast::Item::NeverData(n) => n.data.iter().find(|d| d.name == name).map(|d| d.span),
                _ => None,
            })
        };
        let mut found: Vec<(Span, String, String)> = Vec::new();
        for (rule, span) in policy.collect.iter().zip(collect_spans) {
            let written = file.items.iter().find_map(|i| match i {
                ast::Item::Collect(c) if c.span == *span => Some(c),
                _ => None,
            });
            for d in rule.data.iter().filter(|d| policy.never_collect.contains(d)) {
                let at = written.and_then(|c| c.data.iter().find(|x| &x.name == d)).map(|x| x.span).unwrap_or(*span);
                found.push((at, d.clone(), "this collect rule".into()));
            }
        }
        for inc in &policy.incentives {
            let at = file.items.iter().find_map(|i| match i {
                ast::Item::Incentive(x) if x.name.name == inc.name => Some(x),
                _ => None,
            });
            for d in inc.data.iter().filter(|d| policy.never_collect.contains(d)) {
                let span = at
                    .and_then(|x| {
                        x.clauses.iter().find_map(|(c, _)| match c {
                            ast::IncentiveClause::Exchange(ds) => ds.iter().find(|i| &i.name == d).map(|i| i.span),
                            _ => None,
                        })
                    })
                    .or(at.map(|x| x.name.span));
                if let Some(span) = span {
                    found.push((span, d.clone(), format!("incentive `{}`", inc.name)));
                }
            }
        }
        for (span, d, what) in found {
            let mut diag = Diagnostic::new(
                Code::CollectsPromisedData,
                span,
                format!("{what} collects `{d}`, which the policy promises never to collect"),
            )
            .with_label("collected here")
            .with_help(format!(
                "remove `{d}` here, or the promise if it no longer holds: a disclosure cannot say both that `{d}` is \
                 collected and that it never is"
            ));
            if let Some(p) = promised(&d) {
                diag = diag.with_secondary(p, "promised never to be collected here");
            }
            self.emit(diag);
        }
    }
}
