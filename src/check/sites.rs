//! Site categories: patterns written in the policy and imported from `from` lists, validated against the
//! Public Suffix List, each kept once.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn sites(&mut self, s: &ast::SitesDecl) -> ir::SiteCategory {
        let what = format!("site category `{}`", s.name.name);
        let text = self.required_text(s.text.as_ref(), s.name.span, &what);
        let mut patterns = Vec::new();
        // Each pattern once, remembering whether it was written in the policy (false) or imported (true): naming
        // a listed site again in the policy is deliberate (it shows as an example), so only a repeat from the
        // same kind of source is a duplicate worth a warning.
        let mut seen: HashMap<Pattern, bool> = HashMap::new();
        let mut examples: Vec<Pattern> = Vec::new();
        let before_dups = self.duplicates.len();
        let mut entries = s.entries.iter().peekable();
        while let Some(entry) = entries.next() {
            // `from lists/banks.txt`: the path of a list unquoted reads as two patterns, `from` and the path.
            // Say what was meant once, rather than refuse both as patterns.
            if let (
                ast::SiteEntry::Pattern { text, exact: false, span },
                Some(ast::SiteEntry::Pattern { text: path, span: path_span, .. }),
            ) = (entry, entries.peek())
            {
                if text == "from" {
                    self.emit(
                        Diagnostic::new(
                            Code::MalformedPattern,
                            Span { end: path_span.end, ..*span },
                            format!("`from {path}` imports a list, but its path is not quoted"),
                        )
                        .with_label("unquoted path")
                        .with_help(format!("write the path in double quotes: `from \"{path}\"`")),
                    );
                    entries.next();
                    continue;
                }
            }
            // `otto .de/p/`: a space inside a pattern splits it in two, and each half is refused on its own. Where
            // the halves meet at a dot on one line and together make a pattern, say once what was meant.
            if let (
                ast::SiteEntry::Pattern { text, exact, span },
                Some(ast::SiteEntry::Pattern { text: rest, exact: false, span: rest_span }),
            ) = (entry, entries.peek())
            {
                let between = self.sources.get(span.file).text.get(span.end..rest_span.start).unwrap_or("\n");
                let joined = format!("{text}{rest}");
                if between.chars().all(|c| c == ' ' || c == '\t')
                    && (rest.starts_with('.') || text.ends_with('.'))
                    && Pattern::parse(&joined, *exact, self.psl).is_ok()
                {
                    let written = format!("{text}{between}{rest}");
                    self.emit(
                        Diagnostic::new(
                            Code::MalformedPattern,
                            span.to(*rest_span),
                            format!("`{written}` has a space in it, which splits it into two patterns"),
                        )
                        .with_label("space in a pattern")
                        .with_help(format!("write `{joined}`, without the space")),
                    );
                    entries.next();
                    continue;
                }
            }
            match entry {
                ast::SiteEntry::Pattern { text, exact, span } => match Pattern::parse(text, *exact, self.psl) {
                    Ok(p) => {
                        if examples.len() < 4 && !examples.contains(&p) {
                            examples.push(p.clone());
                        }
                        self.add_pattern(p, false, &mut patterns, &mut seen);
                    }
                    Err(e) => {
                        let d = pattern_diagnostic(e, text, *span, Severity::Error);
                        self.emit(d);
                    }
                },
                ast::SiteEntry::From { path, span } => self.list(path, *span, &mut patterns, &mut seen),
            }
        }
        if patterns.is_empty()
            && !self.diags.iter().any(|d| d.is_error() && d.span.start >= s.span.start && d.span.end <= s.span.end)
        {
            self.emit(
                Diagnostic::new(Code::MissingClause, s.name.span, format!("{what} has no patterns"))
                    .with_label("empty category")
                    .with_help("add patterns such as `example.com` or `from \"lists/shops.txt\"` inside the braces"),
            );
        }
        self.pattern_count += patterns.len();
        if self.pattern_count > self.options.limits.max_patterns && !self.pattern_limit_reported {
            self.pattern_limit_reported = true;
            self.emit(
                Diagnostic::new(
                    Code::LimitExceeded,
                    s.name.span,
                    format!(
                        "the policy has more than {} site patterns (reached in `{}`)",
                        self.options.limits.max_patterns, s.name.name
                    ),
                )
                .with_label("limit reached here")
                .with_help("raise the limit with `--max-patterns`, or split the policy"),
            );
        }
        let dups: Vec<String> = self.duplicates.drain(before_dups..).collect();
        if !dups.is_empty() {
            let shown: Vec<String> = dups.iter().take(3).map(|d| format!("`{d}`")).collect();
            self.emit(
                Diagnostic::new(
                    Code::DuplicateSite,
                    s.name.span,
                    if dups.len() == 1 {
                        format!("1 site is listed more than once in `{}`", s.name.name)
                    } else {
                        format!("{} sites are listed more than once in `{}`", dups.len(), s.name.name)
                    },
                )
                .with_label("duplicates")
                .with_help(format!("for example {}; each site counts once, so the repeats can go", shown.join(", "))),
            );
        }
        if let Some(given) = &s.examples {
            examples = given.iter().filter_map(|e| Pattern::parse(e, false, self.psl).ok()).collect();
        }
        let special = s.special.as_ref().and_then(|k| {
            if SPECIAL_CATEGORIES.contains(&k.name.as_str()) {
                return Some(k.name.clone());
            }
            let listed = "the special categories of GDPR Art. 9(1) are written";
            self.unknown_keyword(k, SPECIAL_CATEGORIES, "a special category of data", "special category", listed);
            None
        });
        let allow = self.allows(&s.allows);
        ir::SiteCategory { name: s.name.name.clone(), special, text, patterns, examples, allow }
    }

    /// Adds a pattern to a category once; a repeat from the same kind of source is noted as a duplicate.
    pub(super) fn add_pattern(
        &mut self,
        p: Pattern,
        imported: bool,
        patterns: &mut Vec<Pattern>,
        seen: &mut HashMap<Pattern, bool>,
    ) {
        match seen.get(&p) {
            None => {
                seen.insert(p.clone(), imported);
                patterns.push(p);
            }
            Some(&first) if first == imported => self.duplicates.push(p.to_string()),
            Some(_) => {}
        }
    }

    pub(super) fn list(
        &mut self,
        path: &str,
        span: Span,
        patterns: &mut Vec<Pattern>,
        seen: &mut HashMap<Pattern, bool>,
    ) {
        let (name, text) = match self.loader.load(path) {
            Ok((_, text)) if text.len() > self.options.limits.max_list_bytes => {
                self.emit(
                    Diagnostic::new(
                        Code::LimitExceeded,
                        span,
                        format!(
                            "list `{path}` is {} bytes, over the limit of {}",
                            text.len(),
                            self.options.limits.max_list_bytes
                        ),
                    )
                    .with_label("this list")
                    .with_help("split the list, or raise the limit with `--max-list-bytes`"),
                );
                return;
            }
            Ok(x) => x,
            Err(reason) => {
                self.emit(
                    Diagnostic::new(Code::UnreadableList, span, format!("cannot read list `{path}`: {reason}"))
                        .with_label("this list")
                        .with_help(
                            "list paths are resolved relative to the policy file; check the path and permissions",
                        ),
                );
                return;
            }
        };
        let severity = if self.options.strict_lists { Severity::Error } else { Severity::Warning };
        let mut bad = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            // `#` starts a comment at the start of a line or after white space.
            let content = match line.find('#') {
                Some(i) if i == 0 || line[..i].ends_with(char::is_whitespace) => &line[..i],
                _ => line,
            };
            let trimmed = content.trim();
            if trimmed.is_empty() {
                continue;
            }
            let lead = content.len() - content.trim_start().len();
            match Pattern::parse(trimmed, false, self.psl) {
                Ok(p) => self.add_pattern(p, true, patterns, seen),
                Err(e) => bad.push((e, trimmed.to_string(), start + lead, start + lead + trimmed.len())),
            }
        }
        if bad.is_empty() {
            return;
        }
        let file = self.sources.add(name, text);
        for (e, entry, s, t) in bad {
            let mut d = pattern_diagnostic(e, &entry, Span::new(file, s, t), severity);
            d.code = if severity == Severity::Error { d.code } else { Code::BadListEntry };
            if severity == Severity::Warning {
                d.message = format!("skipped list entry: {}", d.message);
                d = d.with_secondary(span, "imported here");
                d.help = Some(format!(
                    "{}; the entry is left out of the category (run with `--strict-lists` to make this an error)",
                    d.help.unwrap_or_default()
                ));
            }
            self.emit(d);
        }
    }
}

pub(super) fn pattern_diagnostic(e: PatternError, text: &str, span: Span, severity: Severity) -> Diagnostic {
    match e {
        PatternError::Malformed { message, help } => Diagnostic::new(Code::MalformedPattern, span, message)
            .with_label("invalid pattern")
            .with_help(help)
            .with_severity(severity),
        PatternError::PublicSuffix { suffix, section } => {
            let which = match section {
                Section::Icann => "a public suffix",
                Section::Private => "a public suffix (private section of the Public Suffix List)",
            };
            Diagnostic::new(
                Code::PublicSuffix,
                span,
                format!("site pattern `{text}` covers `{suffix}`, which is {which}"),
            )
            .with_label("covers every site under this suffix")
            .with_help(format!(
                "anyone can register a name under `{suffix}`, so this would match unrelated sites; name the \
                 registrable domains instead, such as `example.{suffix}`"
            ))
            .with_severity(severity)
        }
    }
}

/// The special categories of personal data of GDPR Art. 9(1), as a `sites` block's `special` clause names them.
pub const SPECIAL_CATEGORIES: &[&str] = &[
    "racial_or_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union",
    "genetic",
    "biometric",
    "health",
    "sex_life",
];
