//! The header (identity, controller, contact, languages, regions) and texts: every text must be present in
//! every declared language, and every declared language must have disclosure wording.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn header(&mut self, file: &ast::File) -> Option<HeaderParts> {
        let headers: Vec<&ast::Header> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Header(h) => Some(h),
                _ => None,
            })
            .collect();
        let Some(h) = headers.first() else {
            let at = Span::new(self.main, 0, 0);
            self.emit(Diagnostic::new(Code::MissingHeader, at, "the policy has no `policy` header block").with_help(
                "start the file with `policy NAME { name ... controller ... contact ... version ... languages en }`",
            ));
            return None;
        };
        for extra in &headers[1..] {
            self.emit(
                Diagnostic::new(Code::MissingHeader, extra.id.span, "a second `policy` header block")
                    .with_label("second header")
                    .with_secondary(h.id.span, "first header here")
                    .with_help("a file holds exactly one policy; merge the two headers"),
            );
        }
        // Languages and regions first: every text is checked against them.
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for (field, span) in &h.fields {
            let key = header_key(field);
            if let (Some(first), false) =
                (seen.get(key), matches!(field, ast::HeaderField::RegionalController(..) | ast::HeaderField::Allow(_)))
            {
                self.emit(
                    Diagnostic::new(Code::Duplicate, *span, format!("`{key}` is given twice in the policy header"))
                        .with_label("repeated here")
                        .with_secondary(*first, "first given here")
                        .with_help("keep one of the two"),
                );
            } else {
                seen.insert(key, *span);
            }
            match field {
                ast::HeaderField::Languages(ls) if self.languages.is_empty() => {
                    self.languages = self.unique_names(ls, "language");
                }
                ast::HeaderField::Regions(rs) if self.regions.is_empty() => {
                    self.check_region_codes(rs);
                    self.regions = self.unique_names(rs, "region");
                }
                ast::HeaderField::Established(c) => self.check_region_codes(std::slice::from_ref(c)),
                _ => {}
            }
        }
        for (field, _) in &h.fields {
            if let ast::HeaderField::Languages(ls) = field {
                for l in ls {
                    if crate::locale::Locale::get(&l.name).is_none() {
                        let have: Vec<String> = crate::locale::Locale::languages().map(str::to_string).collect();
                        self.no_wording.push((l.name.clone(), self.diags.len()));
                        self.emit(
                            Diagnostic::new(Code::NoWording, l.span, format!("there is no disclosure wording for `{}`", l.name))
                                .with_label("no locales file")
                                .with_help(format!(
                                    "disclosures can be rendered in {}; add `locales/{}.yaml` (a copy of `locales/en.yaml`, \
                                     translated) to support this language",
                                    list_words(&have),
                                    l.name
                                )),
                        );
                    }
                }
            }
        }
        if self.languages.is_empty() {
            self.emit(
                Diagnostic::new(Code::MissingHeader, h.id.span, "the policy header does not declare its languages")
                    .with_label("this policy")
                    .with_help(
                        "add `languages en` (or `languages en, de`) to the header; every text is then required in each",
                    ),
            );
            // Check texts as if the policy were English only, so that the other diagnostics still come.
            self.languages.push("en".into());
        }
        let mut parts = HeaderParts { id: h.id.name.clone(), ..Default::default() };
        let mut version = None;
        for (field, span) in &h.fields {
            match field {
                ast::HeaderField::Name(t) if parts.name.is_empty() => parts.name = self.text(t, "the policy name"),
                ast::HeaderField::Controller(t) if parts.controller.is_empty() => {
                    parts.controller = self.text(t, "the controller")
                }
                ast::HeaderField::Contact(t) if parts.contact.is_empty() && !parts.contact_not_stated => match t {
                    Some(t) => parts.contact = self.text(t, "the contact"),
                    None => parts.contact_not_stated = true,
                },
                ast::HeaderField::Dpo(t) if parts.dpo.is_none() => {
                    parts.dpo = Some(self.text(t, "the data protection officer"))
                }
                ast::HeaderField::Representative(t) if parts.representative.is_none() => {
                    parts.representative = Some(self.text(t, "the representative"))
                }
                ast::HeaderField::Established(c) if parts.established.is_none() => {
                    parts.established = Some(c.name.clone())
                }
                ast::HeaderField::RegionalController(rs, t) => {
                    let regions = self.resolve_regions(rs);
                    let text = self.text(t, "the controller");
                    parts.regional_controllers.push(ir::RegionalController { regions, text });
                }
                ast::HeaderField::OptOut(t) if parts.opt_out.is_none() => {
                    parts.opt_out = Some(self.text(t, "the opt-out of sale and sharing"))
                }
                ast::HeaderField::Url(t) if parts.url.is_none() => {
                    parts.url = Some(self.text(t, "the policy's address"))
                }
                ast::HeaderField::Version(v) if version.is_none() => {
                    if v.trim().is_empty() {
                        self.emit(
                            Diagnostic::new(Code::BadValue, *span, "the policy version is empty")
                                .with_help("give a version such as `version \"2019-07\"`"),
                        );
                    }
                    version = Some(v.clone());
                }
                _ => {}
            }
        }
        let required: [(&str, bool, &str); 4] = [
            ("name", parts.name.is_empty(), "name en \"Shopping Assistant\""),
            (
                "controller",
                parts.controller.is_empty(),
                "controller \"Example Retail Inc., 410 Example Ave, Seattle, WA\"",
            ),
            ("contact", parts.contact.is_empty() && !parts.contact_not_stated, "contact \"privacy@example.com\""),
            ("version", version.is_none(), "version \"2019-07\""),
        ];
        let mut complete = true;
        for (field, missing, example) in required {
            if missing && !seen.contains_key(field) {
                complete = false;
                self.emit(
                    Diagnostic::new(Code::MissingHeader, h.id.span, format!("the policy header has no `{field}`"))
                        .with_label("this policy")
                        .with_help(format!("a disclosure must name it; add `{example}` to the header")),
                );
            }
        }
        parts.version = version.unwrap_or_default();
        complete.then_some(parts)
    }

    /// Refuses region codes that name no place (`UK`, `XX`, `de`): every law-specific check and notice keys on
    /// the code, so an unknown one would silently get none of them. A subdivision policyc knows no law of is
    /// warned about (W0008): it is under its country's law, and `US-CAL` is far likelier a typo of `US-CA`, whose
    /// CCPA notice it would silently lose, than a place.
    fn check_region_codes(&mut self, codes: &[Ident]) {
        for c in codes.iter().filter(|c| {
            crate::region::is_code(&c.name)
                && c.name.contains('-')
                && !crate::region::SUBDIVISIONS.contains(&c.name.as_str())
        }) {
            let country = c.name.split('-').next().unwrap_or_default();
            let help = match crate::region::subdivision_suggestion(&c.name) {
                Some(s) => format!("did you mean `{s}`? otherwise declare the country, `{country}`, unless this part of it needs a notice of its own"),
                None => format!(
                    "policyc tells apart only subdivisions with a privacy law of their own ({}); declare the country, \
                     `{country}`, unless this part of it needs a notice of its own",
                    crate::region::SUBDIVISIONS.join(", ")
                ),
            };
            self.emit(
                Diagnostic::new(
                    Code::UnknownSubdivision,
                    c.span,
                    format!(
                        "`{}` is a subdivision policyc knows no law of: the law and notice of `{country}` apply",
                        c.name
                    ),
                )
                .with_label("unknown subdivision")
                .with_help(help),
            );
        }
        for c in codes.iter().filter(|c| !crate::region::is_code(&c.name)) {
            let help = match crate::region::code_suggestion(&c.name) {
                Some(s) => format!("did you mean `{s}`? regions are ISO 3166 codes (`DE`, `GB`, `US-CA`) or `EU`"),
                None => "regions are ISO 3166 codes (`DE`, `GB`, `US-CA`) or `EU`".to_string(),
            };
            self.emit(
                Diagnostic::new(Code::BadValue, c.span, format!("`{}` is not a region code", c.name))
                    .with_label("no ISO 3166 code")
                    .with_help(help),
            );
        }
    }

    /// A declared language without wording, where the texts are given in an undeclared one instead (`languages
    /// en, ge` in a file whose texts say `de`): a typo in the header, reported once, at the header, with the
    /// language meant. Without this, every text would add an error for the missing `ge` and a warning for the
    /// undeclared `de`: dozens of diagnostics for one letter.
    pub(super) fn misdeclared_languages(&mut self) {
        for (declared, at) in self.no_wording.clone() {
            // The undeclared language most texts are given in, if it has wording of its own.
            let mut counts: Vec<(usize, String)> = Vec::new();
            for (lang, _) in &self.undeclared_texts {
                match counts.iter_mut().find(|(_, l)| l == lang) {
                    Some((n, _)) => *n += 1,
                    None => counts.push((1, lang.clone())),
                }
            }
            counts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let Some((n, meant)) = counts.into_iter().find(|(_, l)| crate::locale::Locale::get(l).is_some()) else {
                continue;
            };
            let missing: Vec<usize> = self
                .missing_texts
                .iter()
                .filter(|(langs, _)| langs.as_slice() == std::slice::from_ref(&declared))
                .map(|(_, i)| *i)
                .collect();
            // Only where the texts really are written in the other language instead: as many of them as miss
            // the declared one.
            if missing.is_empty() || n < missing.len() {
                continue;
            }
            self.replaced.extend(missing);
            self.replaced.extend(self.undeclared_texts.iter().filter(|(l, _)| *l == meant).map(|(_, i)| *i));
            if let Some(d) = self.diags.get_mut(at) {
                d.help = Some(format!(
                    "did you mean `{meant}`? {n} texts are given in `{meant}`, which the header does not declare; \
                     or add `locales/{declared}.yaml` (a copy of `locales/en.yaml`, translated) and write the texts \
                     in `{declared}`"
                ));
            }
        }
    }

    /// Reports a name a rule's list gives twice (`collect page_url, page_url`): harmless to the matcher, which
    /// reads each once, but most often a slip for another name, as a repeated language or region is.
    pub(super) fn listed_twice(&mut self, names: &[Ident], list: &str) {
        for (i, n) in names.iter().enumerate() {
            if let Some(first) = names.iter().take(i).find(|m| m.name == n.name) {
                self.emit(
                    Diagnostic::new(Code::Duplicate, n.span, format!("`{}` is listed twice in this {list}", n.name))
                        .with_label("listed again")
                        .with_secondary(first.span, "first listed here")
                        .with_help("list each name once; if another name was meant here, write that one"),
                );
            }
        }
    }

    /// The names of a header list, each once; a repeated one is reported.
    pub(super) fn unique_names(&mut self, idents: &[Ident], what: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for i in idents {
            if out.contains(&i.name) {
                self.emit(
                    Diagnostic::new(Code::Duplicate, i.span, format!("{what} `{}` is listed twice", i.name))
                        .with_help(format!("list each {what} once")),
                );
            } else {
                out.push(i.name.clone());
            }
        }
        out
    }

    /// Lowers a text: every declared language must be present (an untagged string counts for all).
    pub(super) fn text(&mut self, t: &ast::Text, what: &str) -> ir::Text {
        let mut out = ir::Text::new();
        let mut untagged: Option<&str> = None;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for part in &t.parts {
            match &part.lang {
                None => untagged = Some(&part.value),
                Some(lang) => {
                    if let Some(first) = seen.get(lang.name.as_str()) {
                        self.emit(
                            Diagnostic::new(
                                Code::Duplicate,
                                lang.span,
                                format!("{what} is given twice in `{}`", lang.name),
                            )
                            .with_label("repeated language")
                            .with_secondary(*first, "first given here")
                            .with_help("keep one text per language"),
                        );
                        continue;
                    }
                    seen.insert(&lang.name, lang.span);
                    if !self.languages.contains(&lang.name) {
                        self.undeclared_texts.push((lang.name.clone(), self.diags.len()));
                        self.emit(
                            Diagnostic::new(
                                Code::UndeclaredLanguage,
                                lang.span,
                                format!("{what} is given in `{}`, which the policy does not declare", lang.name),
                            )
                            .with_label("undeclared language")
                            .with_help(format!(
                                "the policy speaks {}; add `{}` to `languages` in the header or remove this text",
                                list_words(&self.languages),
                                lang.name
                            )),
                        );
                        continue;
                    }
                    out.insert(lang.name.clone(), part.value.clone());
                }
            }
        }
        let missing: Vec<String> = self.languages.iter().filter(|l| !out.contains_key(*l)).cloned().collect();
        if let Some(all) = untagged {
            for l in &missing {
                out.insert(l.clone(), all.to_string());
            }
        } else if !missing.is_empty() {
            let example = missing.iter().map(|l| format!("{l} \"...\"")).collect::<Vec<_>>().join(" ");
            self.missing_texts.push((missing.clone(), self.diags.len()));
            self.emit(
                Diagnostic::new(Code::MissingText, t.span, format!("{what} has no text in {}", list_words(&missing)))
                    .with_label(format!("missing {}", list_words(&missing)))
                    .with_help(format!("every text is needed in each declared language; add {example}")),
            );
            // Fill the gap so that lowering can go on; the error keeps the IR from being used.
            for l in missing {
                out.insert(l, String::new());
            }
        }
        out
    }

    /// A text the notice uses as prose (a declaration's text, a purpose, a label, how to opt in): as
    /// [`Self::text`], and in a policy of several languages an untagged string that stands in for one of them is
    /// W0074, since the notice in that language would print it as it is. Names and addresses (the controller,
    /// a recipient) read the same in every language and go through [`Self::text`] alone.
    pub(super) fn prose(&mut self, t: &ast::Text, what: &str) -> ir::Text {
        let out = self.text(t, what);
        if let (true, Some(untagged)) = (self.languages.len() > 1, t.parts.iter().find(|p| p.lang.is_none())) {
            let filled: Vec<String> = self
                .languages
                .iter()
                .filter(|l| !t.parts.iter().any(|p| p.lang.as_ref().is_some_and(|x| &x.name == *l)))
                .cloned()
                .collect();
            if !filled.is_empty() {
                let example = self.languages.iter().map(|l| format!("{l} \"...\"")).collect::<Vec<_>>().join(" ");
                self.emit(
                    Diagnostic::new(
                        Code::UntaggedProse,
                        untagged.span,
                        if filled.len() == self.languages.len() {
                            format!("{what} is one untagged text, which the notice in every language prints as it is")
                        } else {
                            format!(
                                "{what} has no text in {}, where its untagged text stands as it is",
                                list_words(&filled)
                            )
                        },
                    )
                    .with_label("in every language")
                    .with_help(format!(
                        "give it in each language the policy declares (`{example}`); an untagged text suits names and \
                         addresses, which read the same in every language"
                    )),
                );
            }
        }
        out
    }

    pub(super) fn required_text(&mut self, t: Option<&ast::Text>, at: Span, what: &str) -> ir::Text {
        match t {
            Some(t) => self.prose(t, what),
            None => {
                let example = self.languages.iter().map(|l| format!("{l} \"...\"")).collect::<Vec<_>>().join(" ");
                self.emit(
                    Diagnostic::new(Code::MissingText, at, format!("{what} has no text"))
                        .with_label("declared without a text")
                        .with_help(format!("disclosures describe it to users; add {example} after the name")),
                );
                self.languages.iter().map(|l| (l.clone(), String::new())).collect()
            }
        }
    }
}

#[derive(Default)]
pub(super) struct HeaderParts {
    pub(super) id: String,
    pub(super) name: ir::Text,
    pub(super) controller: ir::Text,
    pub(super) contact: ir::Text,
    /// `contact not stated`: the policy's source gives no contact (W0073 where the GDPR applies).
    pub(super) contact_not_stated: bool,
    pub(super) dpo: Option<ir::Text>,
    pub(super) established: Option<String>,
    pub(super) representative: Option<ir::Text>,
    pub(super) regional_controllers: Vec<ir::RegionalController>,
    pub(super) opt_out: Option<ir::Text>,
    pub(super) url: Option<ir::Text>,
    pub(super) version: String,
}

pub(super) fn header_key(f: &ast::HeaderField) -> &'static str {
    match f {
        ast::HeaderField::Name(_) => "name",
        ast::HeaderField::Controller(_) => "controller",
        ast::HeaderField::Contact(_) => "contact",
        ast::HeaderField::Dpo(_) => "dpo",
        ast::HeaderField::Version(_) => "version",
        ast::HeaderField::Languages(_) => "languages",
        ast::HeaderField::Regions(_) => "regions",
        ast::HeaderField::Established(_) => "established",
        ast::HeaderField::Representative(_) => "representative",
        // Each regional controller is its own field; a region named twice is E0003 through the region check.
        ast::HeaderField::RegionalController(..) => "controller region",
        ast::HeaderField::OptOut(_) => "opt out",
        ast::HeaderField::Url(_) => "url",
        ast::HeaderField::Allow(_) => "allow",
    }
}
