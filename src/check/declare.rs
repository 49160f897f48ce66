//! Declarations and name resolution: the symbol tables, resolving uses with did-you-mean help, purposes with
//! their legal basis, and the lint for declarations no rule uses.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn declare_all(&mut self, file: &ast::File) {
        for (kind, ident) in file.items.iter().filter_map(declared) {
            let key = (kind.namespace(), ident.name.clone());
            if let Some((first_kind, first_span)) = self.symbols.get(&key).copied() {
                let what = if first_kind == kind {
                    format!("{} `{}` is declared twice", kind.word(), ident.name)
                } else {
                    format!("`{}` is declared both as a {} and as a {}", ident.name, first_kind.word(), kind.word())
                };
                self.emit(
                    Diagnostic::new(Code::Duplicate, ident.span, what)
                        .with_label("declared again here")
                        .with_secondary(first_span, "first declared here")
                        .with_help("rename one of them or remove the duplicate"),
                );
            } else {
                self.symbols.insert(key, (kind, ident.span));
            }
        }
    }

    /// Resolves a use of a name that must be of `kind`, with a did-you-mean among names of that kind.
    pub(super) fn resolve(&mut self, ident: &Ident, kind: Kind, code: Code, context: &str) -> bool {
        let key = (kind.namespace(), ident.name.clone());
        match self.symbols.get(&key).copied() {
            Some((k, _)) if k == kind || kind.namespace() == Kind::Signal.namespace() => {
                self.used.insert(key);
                true
            }
            found => {
                let mut d = Diagnostic::new(
                    code,
                    ident.span,
                    format!("{context} names `{}`, which is not a declared {}", ident.name, kind.word()),
                )
                .with_label(format!("unknown {}", kind.word()));
                let other = found.or_else(|| {
                    Kind::ALL.iter().find_map(|k| self.symbols.get(&(k.namespace(), ident.name.clone())).copied())
                });
                let help = if let Some((other_kind, other_span)) = other {
                    d = d.with_secondary(
                        other_span,
                        format!("`{}` is declared as a {} here", ident.name, other_kind.word()),
                    );
                    format!("`{}` is a {}, not a {}", ident.name, other_kind.word(), kind.word())
                } else if let Some(best) = self.suggest(&ident.name, |k| k == kind) {
                    self.suggested.push((kind.namespace(), best.clone(), ident.clone(), self.diags.len()));
                    format!("did you mean `{best}`?")
                } else {
                    format!("declare it: `{} {} ...`", kind.keyword(), ident.name)
                };
                self.emit(d.with_help(help));
                false
            }
        }
    }

    pub(super) fn suggest(&self, name: &str, kind_ok: impl Fn(Kind) -> bool) -> Option<String> {
        let mut names: Vec<&String> =
            self.symbols.iter().filter(|(_, (k, _))| kind_ok(*k)).map(|((_, n), _)| n).collect();
        names.sort();
        did_you_mean(name, names.into_iter().map(|s| s.as_str()))
    }

    pub(super) fn resolve_condition_name(&mut self, ident: &Ident, context: &str) -> bool {
        self.condition_name(ident, context, true)
    }

    /// Resolves a setting of an `expect` line. A test does not make a signal or feature used: only a rule that
    /// reads it does, so a switch that only tests mention is still reported as unused.
    pub(super) fn resolve_tested_name(&mut self, ident: &Ident, context: &str) -> bool {
        let found = self.condition_name(ident, context, false);
        if found {
            self.tested.insert((Kind::Signal.namespace(), ident.name.clone()));
        }
        found
    }

    fn condition_name(&mut self, ident: &Ident, context: &str, uses: bool) -> bool {
        let key = (Kind::Signal.namespace(), ident.name.clone());
        if self.symbols.contains_key(&key) {
            if uses {
                self.used.insert(key);
            }
            return true;
        }
        let mut d = Diagnostic::new(
            Code::UndeclaredCondition,
            ident.span,
            format!("{context} names `{}`, which is not a declared signal or feature", ident.name),
        )
        .with_label("unknown signal or feature");
        // A name declared as something a rule scopes by in its own clause (an event, a region) gets that clause:
        // declaring a signal of the same name, as the general help says, would check clean and gate the rule on
        // a switch the host never reports.
        let other = Kind::ALL.iter().find_map(|k| self.symbols.get(&(k.namespace(), ident.name.clone())).copied());
        let help = if let Some((Kind::Event, span)) = other {
            d = d.with_secondary(span, format!("`{}` is declared as an event here", ident.name));
            format!("`{0}` is an event: write `at {0}` for a rule that applies when it happens", ident.name)
        } else if self.regions.contains(&ident.name) || crate::region::is_code(&ident.name) {
            format!("`{0}` is a region: write `region {0}` for a rule that applies only there", ident.name)
        } else if let Some((other_kind, span)) = other {
            d = d.with_secondary(span, format!("`{}` is declared as a {} here", ident.name, other_kind.word()));
            format!(
                "`{}` is a {}, not a signal or feature; conditions read signals and features",
                ident.name,
                other_kind.word()
            )
        } else if let Some(best) = self.suggest(&ident.name, |k| matches!(k, Kind::Signal | Kind::Feature)) {
            self.suggested.push((Kind::Signal.namespace(), best.clone(), ident.clone(), self.diags.len()));
            format!("did you mean `{best}`?")
        } else {
            format!(
                "conditions read signals and features; declare it with `signal {} ...` or `feature {} default on ...`",
                ident.name, ident.name
            )
        };
        self.emit(d.with_help(help));
        false
    }

    pub(super) fn resolve_regions(&mut self, regions: &[Ident]) -> Vec<String> {
        let mut out = Vec::new();
        for r in regions {
            if !self.regions.contains(&r.name) {
                let inside = self.regions.iter().find(|d| crate::region::within(&r.name, d));
                let help = if self.regions.is_empty() {
                    format!("declare the policy's regions in its header: `regions {}`", r.name)
                } else if let Some(outer) = inside {
                    // The region is covered by a declared one, so "add it" alone would read as if the policy
                    // did not reach it. Say why a scope still needs it declared: each declared region gets a
                    // notice of its own, and a rule, incentive or controller for part of one needs that notice.
                    format!(
                        "`{}` lies in `{outer}`, which the policy declares, but something scoped to `{}` alone needs \
                         it declared too, for a notice of its own: add it to `regions` in the header, or scope this \
                         to `{outer}`",
                        r.name, r.name
                    )
                } else {
                    format!(
                        "the policy declares {}; add `{}` to `regions` in the header",
                        list_words(&self.regions),
                        r.name
                    )
                };
                self.emit(
                    Diagnostic::new(Code::UndeclaredRegion, r.span, format!("region `{}` is not declared", r.name))
                        .with_label("unknown region")
                        .with_help(help),
                );
            } else if !out.contains(&r.name) {
                out.push(r.name.clone());
            }
        }
        out
    }

    /// The region of an `expect` line. A rule is scoped to declared regions only, but a test decides for a user
    /// in one place, and a component may ask for any region the artifact knows: the declared ones and the known
    /// regions inside them (`DE` under `EU`, `US-CA` under `US`, see [`crate::region::expand`]). Refusing those
    /// would keep a policy that declares `EU` from testing what a user in Germany gets, which is what
    /// `policyc explain --region DE` answers.
    pub(super) fn resolve_expect_region(&mut self, r: &Ident) -> Option<String> {
        if !self.regions.contains(&r.name) && crate::region::expand(&self.regions).contains(&r.name) {
            return Some(r.name.clone());
        }
        self.resolve_regions(std::slice::from_ref(r)).into_iter().next()
    }

    pub(super) fn purpose(&mut self, p: &ast::PurposeDecl) -> ir::Purpose {
        let what = format!("purpose `{}`", p.name.name);
        // `interest en "…" de "…" en "…" de "…"`: the grammar's text takes every tagged string, so without this
        // the interest would swallow the purpose's own text. A text names each language once, so the purpose's
        // text starts at the first language given a second time (the order `docs/language.md` documents).
        let split = split_interest(p);
        let no_text = !p.clauses.iter().any(|(c, _)| matches!(c, ast::PurposeClause::Text(_)));
        // `label … en "…"` before the purpose's text: the label took it (reported here, once).
        let label_split = match p.clauses.iter().find(|(c, _)| matches!(c, ast::PurposeClause::Label(_))) {
            Some((ast::PurposeClause::Label(t), _)) if split.is_none() && no_text => self.label_took_text(t, &what),
            _ => None,
        };
        // The clause that took the purpose's text, as it reads without it, and that text, which joins the clauses.
        let took: Option<(ast::PurposeClause, &ast::Text)> = match (&label_split, &split) {
            (Some((label, text)), _) => Some((ast::PurposeClause::Label(label.clone()), text)),
            (None, Some((interest, text, _))) => Some((ast::PurposeClause::Interest(interest.clone()), text)),
            (None, None) => None,
        };
        let clauses: Vec<(ast::PurposeClause, Span)> = match took {
            Some((head, text)) => p
                .clauses
                .iter()
                .map(|(c, sp)| {
                    let same = std::mem::discriminant(c) == std::mem::discriminant(&head);
                    (if same { head.clone() } else { c.clone() }, *sp)
                })
                .chain(std::iter::once((ast::PurposeClause::Text(text.clone()), text.span)))
                .collect(),
            None => p.clauses.clone(),
        };
        let interest_span = p.clauses.iter().find_map(|(c, _)| match c {
            ast::PurposeClause::Interest(t) => Some(t.span),
            _ => None,
        });
        let mut basis: Option<ir::LegalBasis> = None;
        let mut basis_seen = false;
        let mut interest = None;
        let mut label = None;
        let mut shared_with = Vec::new();
        let mut direct_marketing = false;
        let mut profiling = None;
        let mut decisions = None;
        let mut text = None;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for (clause, span) in &clauses {
            let key = match clause {
                ast::PurposeClause::Basis(_) => "basis",
                ast::PurposeClause::Interest(_) => "interest",
                ast::PurposeClause::SharedWith(_) => "shared with",
                ast::PurposeClause::DirectMarketing => "direct marketing",
                ast::PurposeClause::Profiling(_) => "profiling",
                ast::PurposeClause::Decisions(_) => "decisions",
                ast::PurposeClause::Label(_) => "label",
                ast::PurposeClause::Text(_) => "text",
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::PurposeClause::Basis(b) => {
                    basis_seen = true;
                    basis = ir::LegalBasis::from_keyword(&b.name);
                    if basis.is_none() {
                        let known = ir::LegalBasis::ALL.map(|b| b.keyword());
                        self.unknown_keyword(
                            b,
                            &known,
                            "a legal basis",
                            "legal basis",
                            "the legal bases of GDPR Art. 6(1) are",
                        );
                    }
                }
                ast::PurposeClause::Interest(t) => interest = Some(self.prose(t, &format!("the interest of {what}"))),
                ast::PurposeClause::Label(t) => label = Some(self.prose(t, &format!("the label of {what}"))),
                ast::PurposeClause::SharedWith(rs) => {
                    for r in rs {
                        if self.resolve(r, Kind::Recipient, Code::Undefined, &what) && !shared_with.contains(&r.name) {
                            shared_with.push(r.name.clone());
                        }
                    }
                }
                ast::PurposeClause::DirectMarketing => direct_marketing = true,
                ast::PurposeClause::Profiling(yes) => profiling = Some(*yes),
                ast::PurposeClause::Decisions(logic) => {
                    decisions = Some(match logic {
                        None => ir::Decisions::None,
                        Some(t) => {
                            ir::Decisions::Automated(self.prose(t, &format!("the automated decisions of {what}")))
                        }
                    })
                }
                ast::PurposeClause::Text(t) => {
                    let before = self.diags.len();
                    text = Some(self.prose(t, &what));
                    // Say which strings went to the interest and where the purpose's own text began.
                    if let Some((interest, _, langs)) = &split {
                        for d in &mut self.diags[before..] {
                            if d.code == Code::MissingText {
                                d.labels.push(crate::diagnostic::Label {
                                    span: interest.span,
                                    message: format!("read as the interest ({})", langs),
                                });
                                d.help = Some(format!(
                                    "the purpose's text starts at the first language given a second time after \
                                     `interest`; give the purpose's text in every language there ({})",
                                    self.languages.join(", ")
                                ));
                            }
                        }
                    }
                }
            }
        }
        if !basis_seen {
            self.emit(
                Diagnostic::new(Code::MissingClause, p.name.span, format!("{what} has no legal basis"))
                    .with_label("declared without `basis`")
                    .with_help(format!(
                        "GDPR Art. 13(1)(c) requires one; add `basis consent` (or contract, legal_obligation, \
                         vital_interests, public_task, legitimate_interest) after `purpose {}`",
                        p.name.name
                    )),
            );
        }
        if basis == Some(ir::LegalBasis::LegitimateInterest) && interest.is_none() {
            self.emit(
                Diagnostic::new(
                    Code::MissingClause,
                    p.name.span,
                    format!("{what} rests on legitimate interest but does not say which"),
                )
                .with_label("no `interest` clause")
                .with_help("GDPR Art. 13(1)(d) requires the interest to be named: add `interest en \"...\"`"),
            );
        }
        let text = match text {
            Some(t) => t,
            None => {
                let before = self.diags.len();
                let t = self.required_text(None, p.name.span, &what);
                // Everything after `interest` was read as the interest: say so, since the author may have meant
                // the last strings as the purpose's text.
                if let Some(at) = interest_span {
                    for d in &mut self.diags[before..] {
                        d.labels.push(crate::diagnostic::Label {
                            span: at,
                            message: "all of this was read as the interest".into(),
                        });
                        d.help = Some(format!(
                            "an `interest` text takes each language once, and the purpose's own text follows it: \
                             `interest en \"…\" de \"…\" en \"…\" de \"…\"`; add the purpose's text in {}",
                            self.languages.join(", ")
                        ));
                    }
                }
                t
            }
        };
        ir::Purpose {
            name: p.name.name.clone(),
            basis: basis.unwrap_or(ir::LegalBasis::Consent),
            interest,
            shared_with,
            direct_marketing,
            profiling,
            decisions,
            label,
            text,
        }
    }

    pub(super) fn recipient(&mut self, r: &ast::RecipientDecl) -> ir::Recipient {
        let what = format!("recipient `{}`", r.name.name);
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut out = ir::Recipient {
            name: r.name.name.clone(),
            processor: false,
            own_purposes: false,
            located: None,
            safeguard: None,
            sold: false,
            shared: false,
            text: ir::Text::new(),
        };
        let mut text = None;
        for (clause, span) in &r.clauses {
            let key = match clause {
                ast::RecipientClause::Processor => "processor",
                ast::RecipientClause::OwnPurposes => "own purposes",
                ast::RecipientClause::Located(_) => "in",
                ast::RecipientClause::Safeguard(_) => "safeguard",
                ast::RecipientClause::Sold => "sold",
                ast::RecipientClause::Shared => "shared",
                ast::RecipientClause::Text(_) => "text",
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::RecipientClause::Processor => out.processor = true,
                ast::RecipientClause::OwnPurposes => out.own_purposes = true,
                ast::RecipientClause::Located(c) => out.located = Some(c.name.clone()),
                ast::RecipientClause::Safeguard(k) => {
                    out.safeguard = ir::Safeguard::from_keyword(&k.name);
                    if out.safeguard.is_none() {
                        let known = ir::Safeguard::ALL.map(|s| s.keyword());
                        let listed = "the grounds of GDPR Art. 45-49 are written";
                        self.unknown_keyword(k, &known, "a transfer safeguard", "safeguard", listed);
                    }
                }
                ast::RecipientClause::Sold => out.sold = true,
                ast::RecipientClause::Shared => out.shared = true,
                ast::RecipientClause::Text(t) => text = Some(self.text(t, &what)),
            }
        }
        out.text = match text {
            Some(t) => t,
            None => self.required_text(None, r.name.span, &what),
        };
        // A processor acts on the controller's behalf and on its instructions (GDPR Art. 28; a service provider
        // under the CCPA), so it neither uses the data for purposes of its own nor is disclosing to it a sale or
        // sharing (Cal. Civ. Code §1798.140(ad)(2), (ah)(2)). The disclosure would say both; refuse the pair.
        if let Some(processor) = seen.get("processor").copied() {
            for (key, what_it_is) in [
                ("own purposes", "uses the data for its own purposes"),
                ("sold", "is one to whom disclosing data is a sale"),
                ("shared", "is one to whom disclosing data is sharing for cross-context behavioral advertising"),
            ] {
                let Some(span) = seen.get(key).copied() else { continue };
                self.emit(
                    Diagnostic::new(
                        Code::ConflictingRecipientRoles,
                        span,
                        format!("recipient `{}` is a processor, but `{key}` says it {what_it_is}", r.name.name),
                    )
                    .with_label(format!("`{key}` here"))
                    .with_secondary(processor, "a processor acts only on our behalf and on our instructions")
                    .with_help(format!(
                        "remove `processor` if `{0}` uses the data under its own responsibility (an independent \
                         controller, a third party under the CCPA), or remove `{key}` if it processes the data only \
                         on your behalf",
                        r.name.name
                    )),
                );
            }
        }
        out
    }

    /// A data item's CCPA category, or an E0016 with the statute's categories.
    pub(super) fn pi_category(&mut self, c: &Ident) -> Option<ir::PiCategory> {
        let found = ir::PiCategory::from_keyword(&c.name);
        if found.is_none() {
            let known = ir::PiCategory::ALL.map(|c| c.keyword());
            let listed = "the categories of Cal. Civ. Code §1798.140(v) are written";
            self.unknown_keyword(c, &known, "a category of personal information", "category", listed);
        }
        found
    }

    /// An E0016 for a word that is not one of the `known` keywords of its place: a did-you-mean where one is
    /// close, else the keywords themselves after `listed` ("the legal bases of GDPR Art. 6(1) are").
    pub(super) fn unknown_keyword(&mut self, written: &Ident, known: &[&str], what: &str, label: &str, listed: &str) {
        let help = match did_you_mean(&written.name, known.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("{listed} {}", list_words(&known.iter().map(|k| k.to_string()).collect::<Vec<_>>())),
        };
        self.emit(
            Diagnostic::new(Code::BadValue, written.span, format!("`{}` is not {what}", written.name))
                .with_label(format!("unknown {label}"))
                .with_help(help),
        );
    }

    /// A declaration no rule uses, whose name every use misspells the same way by the did-you-mean's measure
    /// (`purpose recomendations`, used as `recommendations` five times): one error at the declaration, instead
    /// of one per correct use, each suggesting the misspelling.
    pub(super) fn misspelt_declarations(&mut self, file: &ast::File) {
        for (kind, ident) in file.items.iter().filter_map(declared) {
            let key = (kind.namespace(), ident.name.clone());
            if self.used.contains(&key) || self.tested.contains(&key) {
                continue;
            }
            let uses: Vec<&(u8, String, Ident, usize)> =
                self.suggested.iter().filter(|(ns, meant, _, _)| *ns == key.0 && *meant == key.1).collect();
            let Some((_, _, first, _)) = uses.first() else { continue };
            if uses.len() < 2 || uses.iter().any(|(_, _, w, _)| w.name != first.name) {
                continue;
            }
            let written = first.name.clone();
            let mut d = Diagnostic::new(
                Code::Undefined,
                ident.span,
                format!(
                    "{} `{}` is declared, but every use names it `{written}` ({} uses)",
                    kind.word(),
                    ident.name,
                    uses.len()
                ),
            )
            .with_label("declared here");
            for (_, _, w, _) in uses.iter().take(3) {
                d = d.with_secondary(w.span, format!("used as `{written}`"));
            }
            self.replaced.extend(uses.iter().map(|(_, _, _, i)| *i));
            self.diags.push(d.with_help(format!(
                "did you mean `{written}`? every use agrees on that spelling, so rename the `{}` declaration",
                kind.keyword()
            )));
        }
    }

    /// Drops the diagnostics that a later pass replaced by one that says what they have in common. They are
    /// only marked until then, so that the indexes each pass recorded stay valid.
    pub(super) fn drop_replaced(&mut self) {
        if self.replaced.is_empty() {
            return;
        }
        let replaced = std::mem::take(&mut self.replaced);
        let diags = std::mem::take(&mut self.diags);
        self.diags = diags.into_iter().enumerate().filter(|(i, _)| !replaced.contains(i)).map(|(_, d)| d).collect();
    }

    /// A `label` written before an item's own text takes that text too (a label takes every text after it):
    /// one error saying so, and the two told apart, so that lowering goes on without an error for the missing
    /// text and one for each language the label names twice. `None` where the label is a label alone.
    pub(super) fn label_took_text(&mut self, label: &ast::Text, what: &str) -> Option<(ast::Text, ast::Text)> {
        let (head, tail) = split_at_repeat(label)?;
        self.emit(
            Diagnostic::new(Code::MissingText, tail.span, format!("{what} has no text: the `label` before it took it"))
                .with_label("read as part of the label")
                .with_help(format!(
                    "a label takes every text after it, so write it after the text: `{} label {}`",
                    written(&tail),
                    written(&head)
                )),
        );
        Some((head, tail))
    }

    /// An item's text and label (data items, sources), with the label that took the text told apart from it.
    pub(super) fn text_and_label(
        &mut self,
        text: Option<&ast::Text>,
        label: Option<&ast::Text>,
        at: Span,
        what: &str,
    ) -> (ir::Text, Option<ir::Text>) {
        let split = match (text, label) {
            (None, Some(l)) => self.label_took_text(l, what),
            _ => None,
        };
        let (text, label) = match &split {
            Some((label, text)) => (Some(text), Some(label)),
            None => (text, label),
        };
        let text = self.required_text(text, at, what);
        (text, label.map(|t| self.prose(t, &format!("the label of {what}"))))
    }

    pub(super) fn unused(&mut self, file: &ast::File) {
        // An incentive is not used by rules: it is disclosed for its own sake.
        for (kind, ident) in file.items.iter().filter_map(declared).filter(|(k, _)| *k != Kind::Incentive) {
            let key = (kind.namespace(), ident.name.clone());
            if !self.used.contains(&key) {
                let only_tests = if self.tested.contains(&key) { "only `expect` lines name it and " } else { "" };
                self.emit(
                    Diagnostic::new(
                        Code::UnusedDeclaration,
                        ident.span,
                        format!("{} `{}` is never used", kind.word(), ident.name),
                    )
                    .with_label("declared here")
                    .with_help(format!(
                        "{only_tests}no rule refers to it, so disclosures would describe something the matcher never \
                         does; use it in a rule or remove the `{}` declaration",
                        kind.keyword()
                    )),
                );
            }
        }
    }
}

/// When a purpose has no text of its own and its `interest` text names a language twice, the interest's text up
/// to the first repeated language and the rest as the purpose's text, with the interest's languages in words.
fn split_interest(p: &ast::PurposeDecl) -> Option<(ast::Text, ast::Text, String)> {
    if p.clauses.iter().any(|(c, _)| matches!(c, ast::PurposeClause::Text(_))) {
        return None;
    }
    let t = p.clauses.iter().find_map(|(c, _)| match c {
        ast::PurposeClause::Interest(t) => Some(t),
        _ => None,
    })?;
    let (head, tail) = split_at_repeat(t)?;
    let langs = head.parts.iter().filter_map(|p| p.lang.as_ref()).map(|l| format!("`{}`", l.name)).collect::<Vec<_>>();
    Some((head, tail, langs.join(", ")))
}

/// A text that names a language a second time, split before that: the grammar's text takes every tagged string
/// that follows a clause keyword, so `label en "…" de "…" en "…" de "…"` also holds the next text. A text names
/// each language once, so the next one starts at the first language given again.
pub(super) fn split_at_repeat(t: &ast::Text) -> Option<(ast::Text, ast::Text)> {
    let mut seen: Vec<&str> = Vec::new();
    let at = t.parts.iter().position(|part| {
        let lang = part.lang.as_ref().map(|l| l.name.as_str()).unwrap_or("");
        let repeated = seen.contains(&lang);
        seen.push(lang);
        repeated
    })?;
    let (head, tail) = t.parts.split_at(at);
    let span_of = |parts: &[ast::TextPart]| {
        let first = parts.first().map(|p| p.span).unwrap_or(t.span);
        parts.iter().fold(first, |s, p| s.to(p.span))
    };
    Some((
        ast::Text { parts: head.to_vec(), span: span_of(head) },
        ast::Text { parts: tail.to_vec(), span: span_of(tail) },
    ))
}

/// A text as it is written: `en "…" de "…"`.
fn written(t: &ast::Text) -> String {
    let parts: Vec<String> = t
        .parts
        .iter()
        .map(|p| {
            let value = format!("\"{}\"", p.value.replace('\\', "\\\\").replace('"', "\\\""));
            match &p.lang {
                Some(l) => format!("{} {value}", l.name),
                None => value,
            }
        })
        .collect();
    parts.join(" ")
}

/// The name an item declares, and as what; `None` for items that declare nothing (rules, tests, the header).
fn declared(item: &ast::Item) -> Option<(Kind, &Ident)> {
    Some(match item {
        ast::Item::Signal(d) => (Kind::Signal, &d.name),
        ast::Item::Feature(f) => (Kind::Feature, &f.name),
        ast::Item::Data(d) => (Kind::Data, &d.name),
        ast::Item::Purpose(p) => (Kind::Purpose, &p.name),
        ast::Item::Recipient(d) => (Kind::Recipient, &d.name),
        ast::Item::Sites(s) => (Kind::Sites, &s.name),
        ast::Item::Incentive(i) => (Kind::Incentive, &i.name),
        ast::Item::Event(e) => (Kind::Event, &e.name),
        ast::Item::Criterion(c) => (Kind::Criterion, &c.name),
        ast::Item::Source(c) => (Kind::Source, &c.name),
        _ => return None,
    })
}
