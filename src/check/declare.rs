//! Declarations and name resolution: the symbol tables, resolving uses with did-you-mean help, purposes with
//! their legal basis, and the lint for declarations no rule uses.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn declare_all(&mut self, file: &ast::File) {
        for item in &file.items {
            let (kind, ident) = match item {
                ast::Item::Signal(d) => (Kind::Signal, &d.name),
                ast::Item::Feature(f) => (Kind::Feature, &f.name),
                ast::Item::Data(d) => (Kind::Data, &d.name),
                ast::Item::Purpose(p) => (Kind::Purpose, &p.name),
                ast::Item::Recipient(d) => (Kind::Recipient, &d.name),
                ast::Item::Sites(s) => (Kind::Sites, &s.name),
                ast::Item::Incentive(i) => (Kind::Incentive, &i.name),
                _ => continue,
            };
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
            Some((k, _)) if k == kind || (kind.namespace() == 0) => {
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
                let other =
                    found.or_else(|| (0..6u8).find_map(|ns| self.symbols.get(&(ns, ident.name.clone())).copied()));
                let help = if let Some((other_kind, other_span)) = other {
                    d = d.with_secondary(
                        other_span,
                        format!("`{}` is declared as a {} here", ident.name, other_kind.word()),
                    );
                    format!("`{}` is a {}, not a {}", ident.name, other_kind.word(), kind.word())
                } else if let Some(best) = self.suggest(&ident.name, |k| k == kind) {
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
        let key = (0u8, ident.name.clone());
        if self.symbols.contains_key(&key) {
            self.used.insert(key);
            return true;
        }
        let help = match self.suggest(&ident.name, |k| matches!(k, Kind::Signal | Kind::Feature)) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "conditions read signals and features; declare it with `signal {} ...` or `feature {} default on ...`",
                ident.name, ident.name
            ),
        };
        self.emit(
            Diagnostic::new(
                Code::UndeclaredCondition,
                ident.span,
                format!("{context} names `{}`, which is not a declared signal or feature", ident.name),
            )
            .with_label("unknown signal or feature")
            .with_help(help),
        );
        false
    }

    pub(super) fn resolve_regions(&mut self, regions: &[Ident]) -> Vec<String> {
        let mut out = Vec::new();
        for r in regions {
            if !self.regions.contains(&r.name) {
                let help = if self.regions.is_empty() {
                    format!("declare the policy's regions in its header: `regions {}`", r.name)
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

    pub(super) fn purpose(&mut self, p: &ast::PurposeDecl) -> ir::Purpose {
        let what = format!("purpose `{}`", p.name.name);
        let mut basis: Option<ir::LegalBasis> = None;
        let mut basis_seen = false;
        let mut interest = None;
        let mut shared_with = Vec::new();
        let mut text = None;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for (clause, span) in &p.clauses {
            let key = match clause {
                ast::PurposeClause::Basis(_) => "basis",
                ast::PurposeClause::Interest(_) => "interest",
                ast::PurposeClause::SharedWith(_) => "shared with",
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
                        let help = match did_you_mean(&b.name, ir::LegalBasis::ALL.iter().map(|b| b.keyword())) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!(
                                "the legal bases of GDPR Art. 6(1) are {}",
                                list_words(
                                    &ir::LegalBasis::ALL.iter().map(|b| b.keyword().to_string()).collect::<Vec<_>>()
                                )
                            ),
                        };
                        self.emit(
                            Diagnostic::new(Code::BadValue, b.span, format!("`{}` is not a legal basis", b.name))
                                .with_label("unknown legal basis")
                                .with_help(help),
                        );
                    }
                }
                ast::PurposeClause::Interest(t) => interest = Some(self.text(t, &format!("the interest of {what}"))),
                ast::PurposeClause::SharedWith(rs) => {
                    for r in rs {
                        if self.resolve(r, Kind::Recipient, Code::Undefined, &what) && !shared_with.contains(&r.name) {
                            shared_with.push(r.name.clone());
                        }
                    }
                }
                ast::PurposeClause::Text(t) => text = Some(self.text(t, &what)),
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
            None => self.required_text(None, p.name.span, &what),
        };
        ir::Purpose {
            name: p.name.name.clone(),
            basis: basis.unwrap_or(ir::LegalBasis::Consent),
            interest,
            shared_with,
            text,
        }
    }

    pub(super) fn unused(&mut self, file: &ast::File) {
        for item in &file.items {
            let (kind, ident) = match item {
                ast::Item::Signal(d) => (Kind::Signal, &d.name),
                ast::Item::Feature(f) => (Kind::Feature, &f.name),
                ast::Item::Data(d) => (Kind::Data, &d.name),
                ast::Item::Purpose(p) => (Kind::Purpose, &p.name),
                ast::Item::Recipient(d) => (Kind::Recipient, &d.name),
                ast::Item::Sites(s) => (Kind::Sites, &s.name),
                _ => continue,
            };
            if !self.used.contains(&(kind.namespace(), ident.name.clone())) {
                self.emit(
                    Diagnostic::new(
                        Code::UnusedDeclaration,
                        ident.span,
                        format!("{} `{}` is never used", kind.word(), ident.name),
                    )
                    .with_label("declared here")
                    .with_help(format!(
                        "no rule refers to it, so disclosures would describe something the matcher never does; \
                             use it in a rule or remove the `{}` declaration",
                        kind.keyword()
                    )),
                );
            }
        }
    }
}
