//! Promises: what a policy says it never does, checked against what it does. `never collect DATA` holds when
//! no collect rule collects the item and no incentive asks for it in exchange; `never sell`, `never share` and
//! `never disclose` hold when no recipient that collected data reaches is `sold`, `shared`, or anything but a
//! `processor` (and, for `never sell`, when no purpose data is collected for is a store `sale`). So a disclosure
//! never states a promise and its breach side by side.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    /// Reports every collect rule and incentive that takes a data item the policy promises never to collect.
    /// `collect_spans` are the spans of the lowered collect rules, in the order of `policy.collect`.
    pub(super) fn promises(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        self.recipient_promises(file, policy, collect_spans, independent_spans);
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
        // Rules on the pages and rules from a source are held to the promise alike.
        let rules = policy
            .collect
            .iter()
            .map(|r| &r.data)
            .zip(collect_spans)
            .chain(policy.independent.iter().map(|r| &r.data).zip(independent_spans));
        for (rule_data, span) in rules {
            let written = file.items.iter().find_map(|i| match i {
                ast::Item::Collect(c) if c.span == *span => Some(c),
                _ => None,
            });
            for d in rule_data.iter().filter(|d| policy.never_collect.contains(d)) {
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

impl Checker<'_> {
    /// Reports every data item an incentive is offered in exchange for that no rule collects where the offer
    /// applies: the notice of financial incentive would say that the item is collected and used in exchange,
    /// with no purpose to name, which is a false promise. The places checked are those a notice is written for:
    /// the incentive's own regions, or the policy's when it has none; a rule counts there when it applies to
    /// every user there, as a notice for the region counts it.
    pub(super) fn incentives_collected(&mut self, file: &ast::File, policy: &ir::Policy) {
        for inc in &policy.incentives {
            let places = if inc.regions.is_empty() { &policy.regions } else { &inc.regions };
            let written = file.items.iter().find_map(|i| match i {
                ast::Item::Incentive(x) if x.name.name == inc.name => Some(x),
                _ => None,
            });
            for d in &inc.data {
                let collecting: Vec<&[String]> =
                    policy.collections().filter(|r| r.data.contains(d)).map(|r| r.regions).collect();
                let missing_in = places
                    .iter()
                    .find(|place| !collecting.iter().any(|rs| crate::region::collect_applies(rs, Some(place))));
                let message = match (collecting.is_empty(), missing_in) {
                    (true, _) => format!("incentive `{}` is offered in exchange for `{d}`, which no rule collects", inc.name),
                    (false, Some(place)) => format!(
                        "incentive `{}` is offered in exchange for `{d}`, which no rule collects in `{place}`, where the \
                         offer applies",
                        inc.name
                    ),
                    (false, None) => continue,
                };
                let span = written.and_then(|x| {
                    x.clauses
                        .iter()
                        .find_map(|(c, _)| match c {
                            ast::IncentiveClause::Exchange(ds) => ds.iter().find(|i| &i.name == d).map(|i| i.span),
                            _ => None,
                        })
                        .or(Some(x.name.span))
                });
                if let Some(span) = span {
                    self.emit(
                        Diagnostic::new(Code::IncentiveDataNotCollected, span, message)
                            .with_label("never collected where the offer applies")
                            .with_help(format!(
                                "collect `{d}` with a rule that applies wherever the offer does, or remove it from `in \
                                 exchange for`; the notice would otherwise promise to collect it in exchange for the \
                                 offer, and could name no purpose it is used for"
                            )),
                    );
                }
            }
        }
    }

    /// Reports every recipient that collected data reaches and that breaks a promise about recipients, once per
    /// recipient and promise, with the promise and the purpose that discloses the data to it. Every rule that
    /// collects data counts, whatever its region, since a promise holds everywhere; an incentive's data reaches
    /// recipients through the rules that collect it, which are among these.
    fn recipient_promises(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        // The purposes of every rule, on the pages or independently of them, with the rule's span.
        let rules: Vec<(&[String], &Span)> = policy
            .collect
            .iter()
            .map(|r| r.purposes.as_slice())
            .zip(collect_spans)
            .chain(policy.independent.iter().map(|r| r.purposes.as_slice()).zip(independent_spans))
            .collect();
        let promised = |want: ir::Promise| {
            file.items.iter().find_map(|i| match i {
                ast::Item::Promise(n) => n.promises.iter().find(|(p, _)| *p == want).map(|(_, s)| *s),
                _ => None,
            })
        };
        let recipient_decl = |name: &str| {
            file.items.iter().find_map(|i| match i {
                ast::Item::Recipient(r) if r.name.name == name => Some(r),
                _ => None,
            })
        };
        for &promise in &policy.promises {
            let Some(at_promise) = promised(promise) else { continue };
            for rec in policy.recipients.iter().filter(|r| promise.broken_by(r)) {
                // The first rule, in file order, whose data reaches the recipient, and the purpose that takes it there.
                let Some((rule_purposes, rule_span)) =
                    rules.iter().find(|(ps, _)| policy.recipients_for(ps).iter().any(|x| x.name == rec.name))
                else {
                    continue;
                };
                let Some(purpose) =
                    rule_purposes.iter().find(|p| policy.purpose(p).is_some_and(|p| p.shared_with.contains(&rec.name)))
                else {
                    continue;
                };
                let decl = recipient_decl(&rec.name);
                let clause = |want: &ast::RecipientClause| {
                    decl.and_then(|d| d.clauses.iter().find(|(c, _)| c == want).map(|(_, s)| *s))
                };
                let name_span = decl.map(|d| d.name.span).unwrap_or(**rule_span);
                let (at, message, label, help) = match promise {
                    ir::Promise::NeverSell => (
                        clause(&ast::RecipientClause::Sold).unwrap_or(name_span),
                        format!("recipient `{}` is `sold`, but the policy promises never to sell", rec.name),
                        "disclosing data to it is a sale",
                        format!(
                            "remove `sold` if disclosing data to `{0}` is no sale, or stop disclosing data to it \
                             (take it out of `shared with` of purpose `{purpose}`); otherwise remove the promise \
                             `never sell`: a disclosure cannot say both that the data is sold and that it never is",
                            rec.name
                        ),
                    ),
                    ir::Promise::NeverShare => (
                        clause(&ast::RecipientClause::Shared).unwrap_or(name_span),
                        format!(
                            "recipient `{}` is `shared` (cross-context behavioral advertising), but the policy \
                             promises never to share",
                            rec.name
                        ),
                        "disclosing data to it is sharing",
                        format!(
                            "remove `shared` if `{0}` does not use the data for cross-context behavioral \
                             advertising, or stop disclosing data to it (take it out of `shared with` of purpose \
                             `{purpose}`); otherwise remove the promise `never share`",
                            rec.name
                        ),
                    ),
                    ir::Promise::NeverDisclose => (
                        name_span,
                        format!(
                            "recipient `{}` is not a processor, but the policy promises never to disclose data to \
                             anyone but processors",
                            rec.name
                        ),
                        if rec.own_purposes { "uses the data for its own purposes" } else { "not a `processor`" },
                        format!(
                            "mark `{0}` `processor` if it processes the data only on your behalf and on your \
                             instructions, or stop disclosing data to it (take it out of `shared with` of purpose \
                             `{purpose}`); otherwise remove the promise `never disclose`",
                            rec.name
                        ),
                    ),
                };
                let mut diag = Diagnostic::new(Code::BrokenPromise, at, message)
                    .with_label(label)
                    .with_secondary(at_promise, "promised here")
                    .with_help(help);
                // Where the data goes to the recipient: the purpose's `shared with`.
                let shared_at = file.items.iter().find_map(|i| match i {
                    ast::Item::Purpose(p) if p.name.name == *purpose => p.clauses.iter().find_map(|(c, _)| match c {
                        ast::PurposeClause::SharedWith(rs) => rs.iter().find(|r| r.name == rec.name).map(|r| r.span),
                        _ => None,
                    }),
                    _ => None,
                });
                if let Some(span) = shared_at {
                    diag = diag.with_secondary(span, format!("purpose `{purpose}` discloses collected data to it"));
                }
                self.emit(diag);
            }
            // A purpose the policy tells the extension stores is a sale (`store sale for PURPOSE`) sells too, and
            // `policyc store` refuses the Chrome Web Store's "not sold" certification for it; the promise must agree.
            if promise == ir::Promise::NeverSell {
                for decl in file.items.iter().filter_map(|i| match i {
                    ast::Item::Store(d) if d.kind.name == ir::StoreType::Sale.name() => Some(d),
                    _ => None,
                }) {
                    for name in &decl.names {
                        if !policy.collect.iter().any(|r| r.purposes.contains(&name.name)) {
                            continue;
                        }
                        self.emit(
                            Diagnostic::new(
                                Code::BrokenPromise,
                                name.span,
                                format!(
                                    "purpose `{}` is declared a sale to the extension stores, but the policy promises \
                                     never to sell",
                                    name.name
                                ),
                            )
                            .with_label("declared a sale here")
                            .with_secondary(at_promise, "promised here")
                            .with_help(format!(
                                "remove `{}` from `store sale` if collecting for it sells nothing, or remove the \
                                 promise `never sell`",
                                name.name
                            )),
                        );
                    }
                }
            }
        }
    }
}
