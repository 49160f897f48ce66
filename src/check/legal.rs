//! What the law requires a region's disclosure to carry, checked over the lowered policy: where the controller
//! is established and its representative in the Union (GDPR Art. 3(2), 27), profiling and automated decisions
//! per purpose (Art. 13(2)(f)), and, per recipient, where it is and on which safeguard data goes there
//! (Art. 13(1)(f), 44-49). Each gap is an E0020 error at the declaration that must say more. For California, a
//! recipient on its own account that is neither `sold` nor `shared` is W0063: whether disclosing to it is a sale is
//! the author's to say, not the notice's to assume.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;
use crate::region::{self, Framework};

impl Checker<'_> {
    pub(super) fn legal(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        self.gdpr_content(file, policy);
        self.retention_stated(file, policy, collect_spans, independent_spans);
        self.ccpa_content(file, policy);
    }

    /// `keep not stated` is allowed, so that a policy written from a published text need not invent a period,
    /// but where the GDPR applies the notice then lacks what Art. 13(2)(a) requires: W0072 at each such rule.
    fn retention_stated(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        let gdpr: Vec<&String> = policy.regions.iter().filter(|r| region::framework(r).is_gdpr()).collect();
        for (rule, span) in policy.collections().zip(collect_spans.iter().chain(independent_spans)) {
            if !rule.keep.is_not_stated() {
                continue;
            }
            let Some(region) = gdpr.iter().find(|g| region::collect_applies(rule.regions, Some(g))) else { continue };
            let keep_span = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::Keep(_)));
            self.emit(
                Diagnostic::new(
                    Code::NotStatedRetention,
                    keep_span,
                    format!("this rule does not state how long the data is kept, and the GDPR applies in `{region}`"),
                )
                .with_label("not stated")
                .with_help(
                    "state the period (`keep 90 days`) or the criterion that determines it (`keep until uninstall`, \
                     `keep until NAME` with `criterion NAME TEXT`): GDPR Art. 13(2)(a) requires the notice to give \
                     one; the disclosure says that it is not stated",
                ),
            );
        }
    }

    /// The notice at collection for California (11 CCR §7012): categories of personal information in the
    /// statute's terms, the opt-out where data is sold or shared, and a link to the full privacy policy.
    fn ccpa_content(&mut self, file: &ast::File, policy: &ir::Policy) {
        let Some(ca) = policy.regions.iter().find(|r| region::framework(r) == Framework::Ccpa) else { return };
        let Some(header) = file.items.iter().find_map(|i| match i {
            ast::Item::Header(h) => Some(h),
            _ => None,
        }) else {
            return;
        };
        // Rules on the pages and rules from a source alike: the notice names every category collected.
        let rules: Vec<ir::Collection> =
            policy.collections().filter(|r| region::collect_applies(r.regions, Some(ca))).collect();
        for d in policy.data.iter().filter(|d| d.category.is_none()) {
            if !rules.iter().any(|r| r.data.contains(&d.name)) {
                continue;
            }
            let span = decl_span(file, |i| match i {
                ast::Item::Data(x) if x.name.name == d.name => Some(x.name.span),
                _ => None,
            });
            self.emit(
                Diagnostic::new(
                    Code::IncompleteDisclosure,
                    span.unwrap_or(header.id.span),
                    format!("data item `{}` has no category of personal information", d.name),
                )
                .with_label("no `category`")
                .with_help(format!(
                    "the notice at collection for `{ca}` names the categories of Cal. Civ. Code §1798.140(v) (11 CCR \
                     §7012): add `category internet_activity` (or `identifiers`, `commercial`, `inferences`, ...) \
                     after `data {}`",
                    d.name
                )),
            );
        }
        let sells = rules.iter().any(|r| policy.recipients_for(r.purposes).iter().any(|rec| rec.sold || rec.shared));
        // A recipient that uses the data for its own purposes is a third party under the CCPA, and disclosing to
        // a third party for monetary or other valuable consideration is a sale (§1798.140(ad)). Whether anything of
        // value is received is the author's to say, so this is a warning: the notice would otherwise tell
        // Californians "we do not sell" on the author's silence.
        for rec in policy.recipients.iter().filter(|r| r.own_purposes && !r.sold && !r.shared) {
            if !rules.iter().any(|r| policy.recipients_for(r.purposes).iter().any(|x| x.name == rec.name)) {
                continue;
            }
            let at = file.items.iter().find_map(|i| match i {
                ast::Item::Recipient(d) if d.name.name == rec.name => Some(
                    d.clauses
                        .iter()
                        .find(|(c, _)| *c == ast::RecipientClause::OwnPurposes)
                        .map(|(_, s)| *s)
                        .unwrap_or(d.name.span),
                ),
                _ => None,
            });
            self.emit(
                Diagnostic::new(
                    Code::ThirdPartyNotSold,
                    at.unwrap_or(header.id.span),
                    format!(
                        "recipient `{}` uses personal information from users in `{ca}` for its own purposes, and is \
                         marked neither `sold` nor `shared`",
                        rec.name
                    ),
                )
                .with_label("a third party under the CCPA")
                .with_help(format!(
                    "disclosing personal information to a third party for monetary or other valuable consideration is \
                     a sale (Cal. Civ. Code §1798.140(ad)), and the notice at collection would say \"We do not sell \
                     this information\": add `sold` (or `shared`, for cross-context behavioral advertising) to \
                     `recipient {0}`, or, where it is no sale (the consumer directs the disclosure, or nothing of \
                     value is received), accept it with `allow W0063 \"REASON\"` in the header",
                    rec.name
                )),
            );
        }
        if sells && policy.opt_out.is_none() {
            self.emit(
                Diagnostic::new(
                    Code::IncompleteDisclosure,
                    header.id.span,
                    format!("the policy sells or shares personal information in `{ca}` but gives no way to opt out"),
                )
                .with_label("no `opt out`")
                .with_help(
                    "the notice at collection links to the \"Do Not Sell or Share My Personal Information\" opt-out \
                     (Cal. Civ. Code §1798.135, 11 CCR §7013): add `opt out \"https://example.com/do-not-sell\"` to \
                     the header",
                ),
            );
        }
        if policy.url.is_none() {
            self.emit(
                Diagnostic::new(
                    Code::IncompleteDisclosure,
                    header.id.span,
                    format!("the notice at collection for `{ca}` must link to the full privacy policy"),
                )
                .with_label("no `url`")
                .with_help(
                    "add `url \"https://example.com/privacy\"` (where the full notice is published) to the header",
                ),
            );
        }
    }

    /// What GDPR Art. 13 needs beyond the basics, for the EU GDPR and the UK GDPR.
    fn gdpr_content(&mut self, file: &ast::File, policy: &ir::Policy) {
        let gdpr: Vec<&String> = policy.regions.iter().filter(|r| region::framework(r).is_gdpr()).collect();
        let Some(first) = gdpr.first().map(|r| r.as_str()) else { return };
        let header = file.items.iter().find_map(|i| match i {
            ast::Item::Header(h) => Some(h),
            _ => None,
        });
        let Some(header) = header else { return };
        let at_header = |key: &str| {
            header.fields.iter().find(|(f, _)| texts::header_key(f) == key).map(|(_, s)| *s).unwrap_or(header.id.span)
        };
        if policy.contact.is_none() {
            // Allowed, like a basis or a retention `not stated`, so that a policy written from a published text
            // need not invent an address; but the notice then lacks what Art. 13(1)(a) requires.
            self.emit(
                Diagnostic::new(
                    Code::NotStatedContact,
                    at_header("contact"),
                    format!("the policy does not state how to reach the controller, and the GDPR applies in `{first}`"),
                )
                .with_label("not stated")
                .with_help(
                    "give the address where users reach the controller (`contact \"privacy@example.com\"`): GDPR \
                     Art. 13(1)(a) requires the notice to give the controller's contact details; the disclosure says \
                     that none is given",
                ),
            );
        }
        match policy.established.as_deref() {
            None => self.emit(
                Diagnostic::new(
                    Code::IncompleteDisclosure,
                    header.id.span,
                    format!("the disclosure for `{first}` must say where the controller is established"),
                )
                .with_label("no `established`")
                .with_help(
                    "the GDPR applies to controllers outside the Union too (Art. 3(2)), and the notice says where the \
                     data is processed: add `established US` (the country) to the header",
                ),
            ),
            Some(est) => {
                let outside_eu = gdpr.iter().any(|r| region::framework(r) == Framework::Gdpr)
                    && !region::in_territory(est, Framework::Gdpr);
                if outside_eu && policy.representative.is_none() {
                    self.emit(
                        Diagnostic::new(
                            Code::IncompleteDisclosure,
                            at_header("established"),
                            format!(
                                "the controller is established in `{est}`, outside the EU and EEA, but the policy \
                                 names no representative in the Union"
                            ),
                        )
                        .with_label("outside the EU and EEA")
                        .with_help(
                            "a controller outside the Union that offers its services to people in it designates a \
                             representative in a member state (GDPR Art. 27), and the notice names it (Art. \
                             13(1)(a)): add `representative \"Name, address in a member state\"` to the header",
                        ),
                    );
                }
            }
        }

        // Purposes and recipients in use in some GDPR region.
        let rules: Vec<&ir::CollectRule> = policy
            .collect
            .iter()
            .filter(|r| gdpr.iter().any(|g| region::collect_applies(&r.regions, Some(g))))
            .collect();
        for p in &policy.purposes {
            if !rules.iter().any(|r| r.purposes.contains(&p.name)) {
                continue;
            }
            if p.basis == ir::LegalBasis::NotStated {
                // Allowed, so that a policy written from a published text need not invent a basis, but the notice
                // then lacks what Art. 13(1)(c) requires, which the author should know.
                let span = decl_span(file, |i| match i {
                    ast::Item::Purpose(d) if d.name.name == p.name => d.clauses.iter().find_map(|(c, _)| match c {
                        ast::PurposeClause::Basis(b) => Some(b.span),
                        _ => None,
                    }),
                    _ => None,
                });
                self.emit(
                    Diagnostic::new(
                        Code::NotStatedBasis,
                        span.unwrap_or(header.id.span),
                        format!("purpose `{}` does not state its legal basis, and the GDPR applies in `{first}`", p.name),
                    )
                    .with_label("not stated")
                    .with_help(
                        "state the basis (`basis consent`, `contract`, `legitimate_interest`, ...): GDPR Art. 13(1)(c) \
                         requires the notice to give one; the disclosure says that it is not stated",
                    ),
                );
            }
            let missing: Vec<&str> = [("profiling", p.profiling.is_none()), ("decisions", p.decisions.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(k, _)| k)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let span = decl_span(file, |i| match i {
                ast::Item::Purpose(d) if d.name.name == p.name => Some(d.name.span),
                _ => None,
            });
            self.emit(
                Diagnostic::new(
                    Code::IncompleteDisclosure,
                    span.unwrap_or(header.id.span),
                    format!("purpose `{}` does not say whether it involves profiling and automated decisions", p.name),
                )
                .with_label(format!("no {}", list_words(&missing.iter().map(|m| m.to_string()).collect::<Vec<_>>())))
                .with_help(format!(
                    "the disclosure for `{first}` must say so (GDPR Art. 13(2)(f)): add `profiling yes` or \
                     `profiling no`, and `decisions none` (or `decisions automated en \"the logic and its \
                     consequences\"`)"
                )),
            );
        }
        for rec in &policy.recipients {
            let used = policy
                .purposes
                .iter()
                .any(|p| p.shared_with.contains(&rec.name) && rules.iter().any(|r| r.purposes.contains(&p.name)));
            if !used {
                continue;
            }
            let span = decl_span(file, |i| match i {
                ast::Item::Recipient(d) if d.name.name == rec.name => Some(d.name.span),
                _ => None,
            })
            .unwrap_or(header.id.span);
            match rec.located.as_deref() {
                None => self.emit(
                    Diagnostic::new(
                        Code::IncompleteDisclosure,
                        span,
                        format!("recipient `{}` does not say where it processes the data", rec.name),
                    )
                    .with_label("no `in` clause")
                    .with_help(format!(
                        "the disclosure for `{first}` must say whether data goes to a third country (GDPR Art. \
                         13(1)(f)): add `in DE` (or the recipient's country) after `recipient {}`",
                        rec.name
                    )),
                ),
                Some(country) => {
                    let transfer = gdpr.iter().find(|g| !region::in_territory(country, region::framework(g)));
                    if let (Some(g), None) = (transfer, rec.safeguard) {
                        self.emit(
                            Diagnostic::new(
                                Code::IncompleteDisclosure,
                                span,
                                format!(
                                    "recipient `{}` in `{country}` receives data from users in `{g}` but names no \
                                     transfer safeguard",
                                    rec.name
                                ),
                            )
                            .with_label("transfer to a third country")
                            .with_help(
                                "the notice names the ground of the transfer (GDPR Art. 13(1)(f), 44-49): add \
                                 `safeguard dpf` (a recipient certified under the EU-US Data Privacy Framework), \
                                 `safeguard adequacy`, `safeguard standard_clauses`, `safeguard \
                                 binding_corporate_rules` or `safeguard derogation`",
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The span of the first item `find` recognises.
fn decl_span(file: &ast::File, find: impl Fn(&ast::Item) -> Option<Span>) -> Option<Span> {
    file.items.iter().find_map(find)
}
