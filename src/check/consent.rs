//! Consent lints over the lowered policy, each with the source it rests on: consent given by default is no
//! consent (CJEU C-673/17, Planet49), consent is specific (GDPR Art. 6(1)(a), Recital 43), withdrawing it is as
//! easy as giving it and costs nothing (Art. 7(3), Recital 42), and special categories of data need explicit
//! consent (Art. 9(2)(a)); storing or reading information on the user's device needs consent unless strictly
//! necessary for a service the user asked for (ePrivacy Directive Art. 5(3), § 25 TDDDG, UK PECR reg. 6).

// The checker's state, its shared helpers and the imports every pass needs.
use super::scope::NeverIndex;
use super::*;
use crate::region;

impl Checker<'_> {
    pub(super) fn consent(&mut self, file: &ast::File, policy: &ir::Policy, collect_spans: &[Span]) {
        let feature_span = |name: &str| {
            file.items.iter().find_map(|i| match i {
                ast::Item::Feature(f) if f.name.name == name => Some(f.name.span),
                _ => None,
            })
        };
        let purpose = |name: &str| policy.purpose(name);
        for f in &policy.features {
            let Some(span) = feature_span(&f.name) else { continue };
            // The purposes of the rules this switch gates, on the pages or independently of them.
            let gated: Vec<&[String]> = policy
                .collect
                .iter()
                .filter(|r| r.when.as_ref().is_some_and(|c| c.requires(&f.name)))
                .map(|r| r.purposes.as_slice())
                .chain(
                    policy
                        .independent
                        .iter()
                        .filter(|r| r.when.as_ref().is_some_and(|c| c.requires(&f.name)))
                        .map(|r| r.purposes.as_slice()),
                )
                .collect();
            let mut consented: Vec<&ir::Purpose> = Vec::new();
            for purposes in &gated {
                for p in purposes.iter().filter_map(|p| purpose(p)) {
                    if p.basis.is_consent() && !consented.iter().any(|c| c.name == p.name) {
                        consented.push(p);
                    }
                }
            }
            if f.default && f.opt_in.is_none() {
                if let Some(p) = consented.first() {
                    self.emit(
                        Diagnostic::new(
                            Code::ConsentStartsOn,
                            span,
                            format!(
                                "feature `{}` starts on and gates purpose `{}`, which rests on consent, but the policy \
                                 does not say how the user opts in first",
                                f.name, p.name
                            ),
                        )
                        .with_label("on by default")
                        .with_help(format!(
                            "a switch that is on before the user acts is no consent (CJEU C-673/17, Planet49); declare \
                             the step in which the user actively agrees: `feature {} default on en \"...\" opt in en \
                             \"on the welcome page, ...\"`, or start the feature off",
                            f.name
                        )),
                    );
                }
            }
            // Two purposes are bundled under this switch when the user cannot agree to one without the other: the
            // switches their rules require are the same.
            let switches = |p: &ir::Purpose| -> Vec<&str> {
                policy
                    .features
                    .iter()
                    .filter(|g| {
                        policy
                            .collect
                            .iter()
                            .filter(|r| r.purposes.contains(&p.name))
                            .all(|r| r.when.as_ref().is_some_and(|c| c.requires(&g.name)))
                    })
                    .map(|g| g.name.as_str())
                    .collect()
            };
            let bundled = consented.iter().filter(|m| m.direct_marketing).find_map(|m| {
                consented.iter().find(|o| !o.direct_marketing && switches(o) == switches(m)).map(|o| (m, o))
            });
            if let Some((m, o)) = bundled {
                self.emit(
                    Diagnostic::new(
                        Code::BundledConsent,
                        span,
                        format!(
                            "feature `{}` gates consent both for `{}` (direct marketing) and for `{}`",
                            f.name, m.name, o.name
                        ),
                    )
                    .with_label("one switch, two kinds of consent")
                    .with_help(
                        "consent is given for specific purposes (GDPR Art. 6(1)(a), Recital 43): give direct marketing \
                         a switch of its own, so that the user can agree to one without the other",
                    ),
                );
            }
        }

        for inc in &policy.incentives {
            let span = file
                .items
                .iter()
                .find_map(|i| match i {
                    ast::Item::Incentive(d) if d.name.name == inc.name => Some(d.name.span),
                    _ => None,
                })
                .unwrap_or(Span::new(self.main, 0, 0));
            // A switch the withdrawal text names (by its text, in any language) that gates purposes not based on
            // consent: switching it off withdraws more than consent.
            if let Some(w) = &inc.withdraw {
                for f in &policy.features {
                    let named = w.iter().any(|(lang, text)| {
                        f.text
                            .get(lang)
                            .is_some_and(|ft| !ft.is_empty() && text.to_lowercase().contains(&ft.to_lowercase()))
                    });
                    if !named {
                        continue;
                    }
                    let other = policy
                        .collect
                        .iter()
                        .filter(|r| r.when.as_ref().is_some_and(|c| c.requires(&f.name)))
                        .flat_map(|r| r.purposes.iter())
                        .filter_map(|p| purpose(p))
                        .find(|p| !p.basis.is_consent());
                    if let Some(p) = other {
                        self.emit(
                            Diagnostic::new(
                                Code::WithdrawNamesOtherSwitch,
                                span,
                                format!(
                                    "the withdrawal text of incentive `{}` names feature `{}`, which also gates `{}` \
                                     (not based on consent)",
                                    inc.name, f.name, p.name
                                ),
                            )
                            .with_label("withdrawal names this switch")
                            .with_help(
                                "withdrawing consent must not stop processing the user did not consent to, nor be \
                                 harder than giving it (GDPR Art. 7(3)): name a switch that gates only consent-based \
                                 purposes, or another way to withdraw",
                            ),
                        );
                    }
                }
            }
            // An incentive paid for consented data must let the user withdraw without losing the reward.
            let consented = inc.data.iter().any(|d| {
                policy
                    .collect
                    .iter()
                    .filter(|r| r.data.contains(d))
                    .flat_map(|r| r.purposes.iter())
                    .filter_map(|p| purpose(p))
                    .any(|p| p.basis.is_consent())
            });
            if consented && !inc.reward_stays {
                self.emit(
                    Diagnostic::new(
                        Code::RewardNotKept,
                        span,
                        format!("incentive `{}` is paid for consented data but does not say that the reward stays", inc.name),
                    )
                    .with_label("reward for consent")
                    .with_help(
                        "consent must be refusable and withdrawable without detriment (GDPR Recital 42, Art. 7(4)): if \
                         withdrawing keeps the reward, add `reward stays` to the incentive",
                    ),
                );
            }
        }

        // Sites of a special category inside a collect rule's scope, not excluded by a `never` rule.
        for (rule, span) in policy.collect.iter().zip(collect_spans) {
            if rule.purposes.iter().filter_map(|p| purpose(p)).all(|p| p.basis == ir::LegalBasis::ExplicitConsent) {
                continue;
            }
            let scope: Vec<&ir::SiteCategory> = rule.sites.iter().filter_map(|s| policy.site_category(s)).collect();
            let rule_index = NeverIndex::new(scope.iter().flat_map(|c| c.patterns.iter()));
            let nevers = NeverIndex::new(
                policy
                    .never
                    .iter()
                    .filter(|n| {
                        rule.regions.is_empty()
                            || rule.regions.iter().all(|r| crate::region::never_applies(&n.regions, Some(r)))
                    })
                    .flat_map(|n| n.sites.iter())
                    .filter_map(|s| policy.site_category(s))
                    .flat_map(|c| c.patterns.iter()),
            );
            for special in policy.sites.iter().filter(|c| c.special.is_some()) {
                let special_index = NeverIndex::new(special.patterns.iter());
                let witness =
                    special.patterns.iter().find(|p| rule_index.covers(p) && !nevers.covers(p)).or_else(|| {
                        scope
                            .iter()
                            .flat_map(|c| c.patterns.iter())
                            .find(|q| special_index.covers(q) && !nevers.covers(q))
                    });
                if let Some(w) = witness {
                    let kind = special.special.as_deref().unwrap_or("");
                    self.emit(
                        Diagnostic::new(
                            Code::SpecialCategorySite,
                            *span,
                            format!(
                                "this collect rule's scope includes `{}` of `{}`, which can reveal special category \
                                 data ({kind}), but the rule does not rest on explicit consent",
                                crate::pattern::Pattern::to_string(w),
                                special.name
                            ),
                        )
                        .with_label(format!("collects on {}", w.witness_url()))
                        .with_help(format!(
                            "browsing such sites can reveal data of GDPR Art. 9(1), which needs explicit consent (Art. \
                             9(2)(a)): exclude them with `never collect on {}`, remove them from the rule's \
                             categories, or rest every purpose of the rule on `basis explicit_consent`",
                            special.name
                        )),
                    );
                }
            }
        }
    }

    /// A `collect ... from device` rule stores or reads information on the user's device, which the ePrivacy
    /// Directive (Art. 5(3); in Germany § 25 TDDDG, in the United Kingdom PECR reg. 6) allows only with consent or
    /// where strictly necessary for a service the user explicitly asked for, whatever the GDPR basis of the later
    /// processing. A rule on the pages raises the same question: the extension's content script reads the page's
    /// address, title or prices in the user's browser, and information held there, even only in memory, is
    /// information in the terminal equipment, whose reading is "gaining access" (EDPB Guidelines 2/2023 on the
    /// technical scope of Art. 5(3)). The warning (W0065) is given where the rule applies in the EU, the EEA or the
    /// United Kingdom, when a purpose is not based on consent and the rule says no `necessary TEXT`.
    pub(super) fn device_consent(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        // A rule applies where ePrivacy does when one of the policy's regions where it holds overlaps the rule's.
        let applies =
            |regions: &[String]| policy.regions.iter().any(|r| region::eprivacy(r) && region::may_apply(regions, r));
        // Rules that read from the device, then rules that read the pages; each kind names its own clause.
        let device = policy
            .independent
            .iter()
            .zip(independent_spans)
            .filter(|(r, _)| r.source == ir::SOURCE_DEVICE)
            .map(|(r, s)| (Access::Device, &r.purposes, &r.regions, r.necessary.is_some(), *s));
        let pages = policy
            .collect
            .iter()
            .zip(collect_spans)
            .map(|(r, s)| (Access::Page, &r.purposes, &r.regions, r.necessary.is_some(), *s));
        for (access, purposes, regions, necessary, span) in device.chain(pages) {
            if necessary || !applies(regions) {
                continue;
            }
            let other: Vec<String> = policy.without_consent(purposes).map(|p| format!("`{p}`")).collect();
            if other.is_empty() {
                continue;
            }
            let (clause_span, message, label, help) = match access {
                Access::Device => (
                    collect_clause_span(file, span, |k| matches!(k, ast::CollectClause::From(_))),
                    format!(
                        "this rule stores or reads information on the user's device for {} without consent",
                        other.join(", ")
                    ),
                    "on the device",
                    "storing or reading information on the device needs consent unless it is strictly necessary for \
                     a service the user explicitly asked for (ePrivacy Directive Art. 5(3), § 25 TDDDG): base the \
                     purposes on `consent`, or say why it is strictly necessary with `necessary \"...\"`",
                ),
                Access::Page => (
                    collect_clause_span(file, span, |k| matches!(k, ast::CollectClause::On(_))),
                    format!("this rule reads the page in the user's browser for {} without consent", other.join(", ")),
                    "read in the browser",
                    "the extension reads what it collects on a page in the user's browser, which is access to \
                     information in the user's device (EDPB Guidelines 2/2023); that needs consent unless it is \
                     strictly necessary for a service the user explicitly asked for (ePrivacy Directive Art. 5(3), \
                     § 25 TDDDG, UK PECR reg. 6): base the purposes on `consent`, or say why reading the page is \
                     strictly necessary with `necessary \"...\"`",
                ),
            };
            self.emit(
                Diagnostic::new(Code::DeviceWithoutConsent, clause_span, message).with_label(label).with_help(help),
            );
        }
    }
}

/// Where a rule reads what it collects: on the device (`from device`) or on the page in the browser.
#[derive(Clone, Copy)]
enum Access {
    Device,
    Page,
}
