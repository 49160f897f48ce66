//! The checker: AST in, IR and diagnostics out.
//!
//! Checking is one pass over the declarations (building symbol tables), then one over the uses (resolving every
//! name, validating every pattern and text), and finally lowering to [`ir::Policy`] when no error was found.
//! Every problem becomes a [`Diagnostic`]; the checker never stops at the first one, so an author sees
//! everything in one run. Reading `from` lists is the only input the checker needs besides the AST, and it
//! asks a [`ListLoader`] for it: the checker itself does no IO, which keeps it testable and lets the CLI decide
//! how paths resolve.

mod scope;

use crate::ast::{self, Ident};
use crate::diagnostic::{self, Code, Diagnostic, Severity};
use crate::ir;
use crate::pattern::{Pattern, PatternError};
use crate::psl::{PublicSuffixList, Section};
use crate::source::{FileId, SourceMap, Span};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Reads the list files that `from "..."` entries name.
pub trait ListLoader {
    /// Returns the file's display name (for diagnostics) and text, or a one-line reason it cannot be read.
    fn load(&mut self, path: &str) -> Result<(String, String), String>;
}

/// A loader for policies that must not read files (tests, YAML exports, which inline their lists).
pub struct NoLists;

impl ListLoader for NoLists {
    fn load(&mut self, path: &str) -> Result<(String, String), String> {
        Err(format!("list files are not available here (`{path}`)"))
    }
}

/// A loader over an in-memory map of path to text, for tests and tools that generate policies.
impl ListLoader for BTreeMap<String, String> {
    fn load(&mut self, path: &str) -> Result<(String, String), String> {
        self.get(path).map(|t| (path.to_string(), t.clone())).ok_or_else(|| "no such file".to_string())
    }
}

/// Options that change how strict the checker is.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Make a malformed entry of an imported list an error instead of a warning that skips it.
    pub strict_lists: bool,
    /// Lists of sensitive sites (name, text; one pattern per line) to check the collection scope against.
    pub sensitive: Vec<(String, String)>,
    pub limits: InputLimits,
}

/// Limits on the input, so that no policy makes the checker run out of memory or time. Each is reported with
/// E0027, naming the limit and the flag that raises it.
#[derive(Clone, Copy, Debug)]
pub struct InputLimits {
    /// Largest policy file, in bytes (`--max-policy-bytes`).
    pub max_policy_bytes: usize,
    /// Largest imported list file, in bytes (`--max-list-bytes`).
    pub max_list_bytes: usize,
    /// Most site patterns in all categories together (`--max-patterns`).
    pub max_patterns: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits { max_policy_bytes: 64 << 20, max_list_bytes: 256 << 20, max_patterns: 5_000_000 }
    }
}

/// The result of checking: the IR when there were no errors, and every diagnostic, sorted by position.
#[derive(Debug)]
pub struct Checked {
    pub policy: Option<ir::Policy>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Checks a parsed policy and lowers it to the IR.
pub fn check(
    file: &ast::File,
    sources: &mut SourceMap,
    main: FileId,
    loader: &mut dyn ListLoader,
    options: CheckOptions,
) -> Checked {
    let mut cx = Checker {
        sources,
        main,
        loader,
        options,
        psl: PublicSuffixList::bundled(),
        diags: Vec::new(),
        languages: Vec::new(),
        regions: Vec::new(),
        symbols: HashMap::new(),
        used: HashSet::new(),
        duplicates: Vec::new(),
        pattern_count: 0,
        pattern_limit_reported: false,
    };
    let policy = cx.run(file);
    let mut diagnostics = cx.diags;
    diagnostic::sort(&mut diagnostics);
    let policy = if diagnostics.iter().any(|d| d.is_error()) { None } else { policy };
    Checked { policy, diagnostics }
}

/// What a name was declared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Signal,
    Feature,
    Data,
    Purpose,
    Recipient,
    Sites,
    Incentive,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Signal => "signal",
            Kind::Feature => "feature",
            Kind::Data => "data item",
            Kind::Purpose => "purpose",
            Kind::Recipient => "recipient",
            Kind::Sites => "site category",
            Kind::Incentive => "incentive",
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Kind::Signal => "signal",
            Kind::Feature => "feature",
            Kind::Data => "data",
            Kind::Purpose => "purpose",
            Kind::Recipient => "recipient",
            Kind::Sites => "sites",
            Kind::Incentive => "incentive",
        }
    }

    /// Signals and features share one namespace, because conditions name both.
    fn namespace(self) -> u8 {
        match self {
            Kind::Signal | Kind::Feature => 0,
            Kind::Data => 1,
            Kind::Purpose => 2,
            Kind::Recipient => 3,
            Kind::Sites => 4,
            Kind::Incentive => 5,
        }
    }
}

struct Checker<'a> {
    sources: &'a mut SourceMap,
    main: FileId,
    loader: &'a mut dyn ListLoader,
    options: CheckOptions,
    psl: &'static PublicSuffixList,
    diags: Vec<Diagnostic>,
    languages: Vec<String>,
    regions: Vec<String>,
    /// (namespace, name) to (kind, declaration span).
    symbols: HashMap<(u8, String), (Kind, Span)>,
    /// Declarations referenced by some rule, for the unused-declaration lint.
    used: HashSet<(u8, String)>,
    /// Patterns seen twice in the category being checked.
    duplicates: Vec<String>,
    pattern_count: usize,
    pattern_limit_reported: bool,
}

/// The accepted range of a retention amount: a zero period is meaningless, and a century is longer than any
/// policy should promise to keep browsing data.
const MAX_RETENTION_DAYS: u64 = 100 * 366;

impl Checker<'_> {
    fn emit(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn run(&mut self, file: &ast::File) -> Option<ir::Policy> {
        let header = self.header(file);
        self.declare_all(file);

        let mut signals = Vec::new();
        let mut features = Vec::new();
        let mut data = Vec::new();
        let mut purposes = Vec::new();
        let mut recipients = Vec::new();
        let mut sites = Vec::new();
        let mut never = Vec::new();
        let mut collect = Vec::new();
        let mut incentives = Vec::new();
        let mut expects = Vec::new();
        for item in &file.items {
            match item {
                ast::Item::Header(_) => {}
                ast::Item::Signal(d) => {
                    let text = self.required_text(d.text.as_ref(), d.name.span, &format!("signal `{}`", d.name.name));
                    signals.push(ir::Signal { name: d.name.name.clone(), text });
                }
                ast::Item::Feature(f) => {
                    let text = self.required_text(f.text.as_ref(), f.name.span, &format!("feature `{}`", f.name.name));
                    let default = match f.default {
                        Some((on, _)) => on,
                        None => {
                            self.emit(
                                Diagnostic::new(
                                    Code::MissingClause,
                                    f.name.span,
                                    format!("feature `{}` has no default", f.name.name),
                                )
                                .with_label("declared here")
                                .with_help(format!(
                                    "say whether the switch starts on or off: `feature {} default on ...`",
                                    f.name.name
                                )),
                            );
                            false
                        }
                    };
                    features.push(ir::Feature { name: f.name.name.clone(), default, text });
                }
                ast::Item::Data(d) => {
                    let text =
                        self.required_text(d.text.as_ref(), d.name.span, &format!("data item `{}`", d.name.name));
                    data.push(ir::DataItem { name: d.name.name.clone(), text });
                }
                ast::Item::Purpose(p) => purposes.push(self.purpose(p)),
                ast::Item::Recipient(d) => {
                    let text =
                        self.required_text(d.text.as_ref(), d.name.span, &format!("recipient `{}`", d.name.name));
                    recipients.push(ir::Recipient { name: d.name.name.clone(), text });
                }
                ast::Item::Sites(s) => sites.push(self.sites(s)),
                ast::Item::Never(n) => never.push(self.never(n)),
                ast::Item::Collect(c) => {
                    if let Some(rule) = self.collect(c) {
                        collect.push((rule, c.span));
                    }
                }
                ast::Item::Incentive(i) => incentives.push(self.incentive(i)),
                ast::Item::Expect(e) => expects.push(self.expect(e)),
            }
        }
        // An unresolved name also makes its declaration look unused; say only the first, real problem.
        if !self.diags.iter().any(|d| d.is_error()) {
            self.unused(file);
        }
        self.scope_analysis(file, &collect, &never, &sites);
        let header = header?;
        Some(ir::Policy {
            id: header.id,
            name: header.name,
            controller: header.controller,
            contact: header.contact,
            dpo: header.dpo,
            version: header.version,
            languages: self.languages.clone(),
            regions: self.regions.clone(),
            signals,
            features,
            data,
            purposes,
            recipients,
            sites,
            never,
            collect: collect.into_iter().map(|(r, _)| r).collect(),
            incentives,
            expects,
        })
    }

    /// Warnings about the scope as a whole: rules `never` covers entirely or in part, shadowed rules,
    /// redundant and duplicate patterns, and sites of user-supplied sensitive lists.
    fn scope_analysis(
        &mut self,
        file: &ast::File,
        collect: &[(ir::CollectRule, Span)],
        never: &[ir::NeverRule],
        sites: &[ir::SiteCategory],
    ) {
        for (rule, span) in collect {
            match scope::never_covers(rule, span, never, sites) {
                Some(d) => self.emit(d),
                None => {
                    for d in scope::overlaps_never(rule, *span, never, sites) {
                        self.emit(d);
                    }
                }
            }
        }
        for d in scope::shadowed(collect) {
            self.emit(d);
        }
        for item in &file.items {
            if let ast::Item::Sites(s) = item {
                if let Some(cat) = sites.iter().find(|c| c.name == s.name.name) {
                    if let Some(d) = scope::redundant_patterns(cat, s.name.span) {
                        self.emit(d);
                    }
                }
            }
        }
        let lists: Vec<(String, Vec<Pattern>)> = self
            .options
            .sensitive
            .iter()
            .map(|(name, text)| {
                let patterns = text
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim())
                    .filter(|l| !l.is_empty())
                    .filter_map(|l| Pattern::parse(l, false, self.psl).ok())
                    .collect();
                (name.clone(), patterns)
            })
            .collect();
        for (name, patterns) in &lists {
            let index = scope::NeverIndex::new(patterns.iter());
            for (rule, span) in collect {
                if let Some(d) = scope::sensitive_sites(rule, *span, never, sites, name, &index) {
                    self.emit(d);
                }
            }
        }
    }

    // ---- header --------------------------------------------------------------------------------------------

    fn header(&mut self, file: &ast::File) -> Option<HeaderParts> {
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
            if let Some(first) = seen.get(key) {
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
                    self.regions = self.unique_names(rs, "region");
                }
                _ => {}
            }
        }
        for (field, _) in &h.fields {
            if let ast::HeaderField::Languages(ls) = field {
                for l in ls {
                    if crate::locale::Locale::get(&l.name).is_none() {
                        let have: Vec<String> = crate::locale::Locale::languages().map(str::to_string).collect();
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
                ast::HeaderField::Contact(t) if parts.contact.is_empty() => parts.contact = self.text(t, "the contact"),
                ast::HeaderField::Dpo(t) if parts.dpo.is_none() => {
                    parts.dpo = Some(self.text(t, "the data protection officer"))
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
            ("contact", parts.contact.is_empty(), "contact \"privacy@example.com\""),
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

    /// The names of a header list, each once; a repeated one is reported.
    fn unique_names(&mut self, idents: &[Ident], what: &str) -> Vec<String> {
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

    // ---- declarations --------------------------------------------------------------------------------------

    fn declare_all(&mut self, file: &ast::File) {
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
    fn resolve(&mut self, ident: &Ident, kind: Kind, code: Code, context: &str) -> bool {
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

    fn suggest(&self, name: &str, kind_ok: impl Fn(Kind) -> bool) -> Option<String> {
        let mut names: Vec<&String> =
            self.symbols.iter().filter(|(_, (k, _))| kind_ok(*k)).map(|((_, n), _)| n).collect();
        names.sort();
        did_you_mean(name, names.into_iter().map(|s| s.as_str()))
    }

    fn resolve_condition_name(&mut self, ident: &Ident, context: &str) -> bool {
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

    fn resolve_regions(&mut self, regions: &[Ident]) -> Vec<String> {
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

    // ---- texts ---------------------------------------------------------------------------------------------

    /// Lowers a text: every declared language must be present (an untagged string counts for all).
    fn text(&mut self, t: &ast::Text, what: &str) -> ir::Text {
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

    fn required_text(&mut self, t: Option<&ast::Text>, at: Span, what: &str) -> ir::Text {
        match t {
            Some(t) => self.text(t, what),
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

    // ---- purposes ------------------------------------------------------------------------------------------

    fn purpose(&mut self, p: &ast::PurposeDecl) -> ir::Purpose {
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

    fn duplicate_clause(
        &mut self,
        seen: &mut HashMap<&'static str, Span>,
        key: &'static str,
        span: Span,
        what: &str,
    ) -> bool {
        if let Some(first) = seen.get(key) {
            self.emit(
                Diagnostic::new(Code::Duplicate, span, format!("{what} has two `{key}` clauses"))
                    .with_label("second clause")
                    .with_secondary(*first, "first clause here")
                    .with_help("merge them into one clause"),
            );
            true
        } else {
            seen.insert(key, span);
            false
        }
    }

    // ---- sites ---------------------------------------------------------------------------------------------

    fn sites(&mut self, s: &ast::SitesDecl) -> ir::SiteCategory {
        let what = format!("site category `{}`", s.name.name);
        let text = self.required_text(s.text.as_ref(), s.name.span, &what);
        let mut patterns = Vec::new();
        // Each pattern once, remembering whether it was written in the policy (false) or imported (true): naming
        // a listed site again in the policy is deliberate (it shows as an example), so only a repeat from the
        // same kind of source is a duplicate worth a warning.
        let mut seen: HashMap<Pattern, bool> = HashMap::new();
        let mut examples: Vec<Pattern> = Vec::new();
        let before_dups = self.duplicates.len();
        for entry in &s.entries {
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
        ir::SiteCategory { name: s.name.name.clone(), text, patterns, examples }
    }

    /// Adds a pattern to a category once; a repeat from the same kind of source is noted as a duplicate.
    fn add_pattern(
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

    fn list(&mut self, path: &str, span: Span, patterns: &mut Vec<Pattern>, seen: &mut HashMap<Pattern, bool>) {
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

    // ---- rules ---------------------------------------------------------------------------------------------

    fn never(&mut self, n: &ast::NeverRule) -> ir::NeverRule {
        let mut sites = Vec::new();
        for s in &n.sites {
            if self.resolve(s, Kind::Sites, Code::Undefined, "this `never` rule") && !sites.contains(&s.name) {
                sites.push(s.name.clone());
            }
        }
        let regions = n.regions.as_deref().map(|r| self.resolve_regions(r)).unwrap_or_default();
        ir::NeverRule { sites, regions, origin: Some(self.sources.origin(n.span)) }
    }

    fn collect(&mut self, c: &ast::CollectRule) -> Option<ir::CollectRule> {
        let names: Vec<&str> = c.data.iter().map(|d| d.name.as_str()).collect();
        let what =
            format!("the rule collecting {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "));
        let mut data = Vec::new();
        for d in &c.data {
            if self.resolve(d, Kind::Data, Code::Undefined, "this collect rule") && !data.contains(&d.name) {
                data.push(d.name.clone());
            }
        }
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut sites = None;
        let mut when = None;
        let mut purposes = None;
        let mut keep = None;
        let mut link = None;
        let mut regions = Vec::new();
        for (clause, span) in &c.clauses {
            let key = match clause {
                ast::CollectClause::On(_) => "on",
                ast::CollectClause::When(_) => "when",
                ast::CollectClause::For(_) => "for",
                ast::CollectClause::Keep(_) => "keep",
                ast::CollectClause::Link(_) => "link to account",
                ast::CollectClause::Region(_) => "region",
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::CollectClause::On(ss) => {
                    let mut v = Vec::new();
                    for s in ss {
                        if self.resolve(s, Kind::Sites, Code::Undefined, "this collect rule") && !v.contains(&s.name) {
                            v.push(s.name.clone());
                        }
                    }
                    sites = Some(v);
                }
                ast::CollectClause::When(cond) => when = Some(self.cond(cond, "the `when` condition")),
                ast::CollectClause::For(ps) => {
                    let mut v = Vec::new();
                    for p in ps {
                        if self.resolve(p, Kind::Purpose, Code::Undefined, "this collect rule") && !v.contains(&p.name)
                        {
                            v.push(p.name.clone());
                        }
                    }
                    purposes = Some(v);
                }
                ast::CollectClause::Keep(d) => keep = self.retention(d),
                ast::CollectClause::Link(l) => {
                    link = Some(match l {
                        ast::Link::Always => ir::Link::Always,
                        ast::Link::Never => ir::Link::Never,
                        ast::Link::When(cond) => ir::Link::When(self.cond(cond, "the link condition")),
                    })
                }
                ast::CollectClause::Region(rs) => regions = self.resolve_regions(rs),
            }
        }
        let first = c.data.first().map(|d| d.span).unwrap_or(c.span);
        let mut complete = true;
        let missing: [(&str, bool, &str); 3] = [
            ("on", seen.contains_key("on"), "where: add `on SITES` naming a `sites` category"),
            (
                "for",
                seen.contains_key("for"),
                "collected data needs a purpose (GDPR Art. 13(1)(c)): add `for PURPOSE, ...`",
            ),
            (
                "keep",
                seen.contains_key("keep"),
                "collected data needs a retention period (GDPR Art. 13(2)(a)): add `keep 90 days`",
            ),
        ];
        for (clause, present, help) in missing {
            if !present {
                complete = false;
                let msg = match clause {
                    "on" => format!("{what} does not say where it collects"),
                    "for" => format!("{what} has no purpose"),
                    _ => format!("{what} has no retention period"),
                };
                self.emit(
                    Diagnostic::new(Code::MissingClause, first.to(c.data.last().map(|d| d.span).unwrap_or(first)), msg)
                        .with_label(format!("no `{clause}` clause"))
                        .with_help(help),
                );
            }
        }
        if !complete {
            return None;
        }
        Some(ir::CollectRule {
            data,
            sites: sites.unwrap_or_default(),
            when,
            purposes: purposes.unwrap_or_default(),
            keep: keep.unwrap_or(ir::Retention { amount: 1, unit: ir::TimeUnit::Day }),
            link: link.unwrap_or(ir::Link::Never),
            regions,
            origin: Some(self.sources.origin(c.span)),
        })
    }

    fn retention(&mut self, d: &ast::Duration) -> Option<ir::Retention> {
        let unit = ir::TimeUnit::parse(&d.unit)?;
        let days = d.amount.saturating_mul(ir::Retention { amount: 1, unit }.max_days());
        if d.amount == 0 || days > MAX_RETENTION_DAYS {
            self.emit(
                Diagnostic::new(
                    Code::BadValue,
                    d.span,
                    format!("retention of {} {} is out of range", d.amount, d.unit),
                )
                .with_label("out of range")
                .with_help("a retention period is at least 1 day and at most 100 years"),
            );
            return None;
        }
        Some(ir::Retention { amount: d.amount as u32, unit })
    }

    fn cond(&mut self, c: &ast::Cond, context: &str) -> ir::Cond {
        let mut vars = Vec::new();
        collect_vars(c, &mut vars);
        for v in vars {
            self.resolve_condition_name(v, context);
        }
        lower_cond(c)
    }

    // ---- incentives and tests ------------------------------------------------------------------------------

    fn incentive(&mut self, i: &ast::IncentiveDecl) -> ir::Incentive {
        let what = format!("incentive `{}`", i.name.name);
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut out = ir::Incentive {
            name: i.name.name.clone(),
            regions: Vec::new(),
            summary: ir::Text::new(),
            data: Vec::new(),
            value: ir::Text::new(),
            opt_in: None,
            withdraw: None,
        };
        for (clause, span) in &i.clauses {
            let key = match clause {
                ast::IncentiveClause::Region(_) => "region",
                ast::IncentiveClause::Exchange(_) => "in exchange for",
                ast::IncentiveClause::Value(_) => "value",
                ast::IncentiveClause::OptIn(_) => "opt in",
                ast::IncentiveClause::Withdraw(_) => "withdraw",
                ast::IncentiveClause::Summary(_) => "summary text",
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::IncentiveClause::Region(rs) => out.regions = self.resolve_regions(rs),
                ast::IncentiveClause::Exchange(ds) => {
                    for d in ds {
                        if self.resolve(d, Kind::Data, Code::Undefined, &what) && !out.data.contains(&d.name) {
                            out.data.push(d.name.clone());
                        }
                    }
                }
                ast::IncentiveClause::Value(t) => out.value = self.text(t, &format!("the value of {what}")),
                ast::IncentiveClause::OptIn(t) => out.opt_in = Some(self.text(t, &format!("how to opt in to {what}"))),
                ast::IncentiveClause::Withdraw(t) => {
                    out.withdraw = Some(self.text(t, &format!("how to withdraw from {what}")))
                }
                ast::IncentiveClause::Summary(t) => out.summary = self.text(t, &what),
            }
        }
        // The CCPA regulations (11 CCR § 7016) require a notice of financial incentive to say how to opt in and
        // how to withdraw; a disclosure for the incentive's region would otherwise be incomplete.
        for (key, what_is, example) in [
            ("opt in", "how to opt in", "opt in en \"accept the offer on the welcome page\""),
            ("withdraw", "how to withdraw", "withdraw en \"switch the feature off at any time\""),
        ] {
            if !seen.contains_key(key) {
                self.emit(
                    Diagnostic::new(Code::IncompleteDisclosure, i.name.span, format!("{what} does not say {what_is}"))
                        .with_label(format!("no `{key}` clause"))
                        .with_help(format!(
                            "a notice of financial incentive must say {what_is} (CCPA regulations, 11 CCR § 7016); \
                             add `{example}`"
                        )),
                );
            }
        }
        let missing: [(&str, &str); 3] = [
            ("summary text", "describe the offer: `en \"a US$10 credit for installing ...\"`"),
            ("in exchange for", "name the data given in exchange: `in exchange for page_url, page_title`"),
            (
                "value",
                "the CCPA regulations require a good-faith estimate of the data's value and how it was computed: \
                 add `value en \"US$10, estimated from ...\"`",
            ),
        ];
        for (key, help) in missing {
            if !seen.contains_key(key) {
                let msg = match key {
                    "summary text" => format!("{what} has no summary text"),
                    "in exchange for" => format!("{what} does not say which data it is offered for"),
                    _ => format!("{what} has no estimate of the data's value"),
                };
                self.emit(
                    Diagnostic::new(Code::MissingClause, i.name.span, msg)
                        .with_label(format!("no {key}"))
                        .with_help(help),
                );
            }
        }
        out
    }

    fn expect(&mut self, e: &ast::ExpectDecl) -> ir::Expect {
        if let Err(err) = crate::urlnorm::normalize(&e.url) {
            self.emit(
                Diagnostic::new(Code::BadExpectUrl, e.url_span, format!("`{}` cannot be decided: {err}", e.url))
                    .with_label("this URL")
                    .with_help(
                        "write a full http or https URL with a domain host, such as \"https://www.example.com/\"; \
                                to test that something collects nothing, use a URL whose domain is in a never list",
                    ),
            );
        }
        let mut with = Vec::new();
        for s in &e.settings {
            if self.resolve_condition_name(&s.name, "this `expect` line") {
                with.push(if s.on { s.name.name.clone() } else { format!("not {}", s.name.name) });
            }
        }
        let region = match e.region.as_deref() {
            None => None,
            Some(rs) => {
                if rs.len() > 1 {
                    self.emit(
                        Diagnostic::new(Code::BadValue, rs[1].span, "an `expect` line is decided in one region")
                            .with_label("second region")
                            .with_help("write one `expect` line per region"),
                    );
                }
                self.resolve_regions(&rs[..1]).into_iter().next()
            }
        };
        let mut collects = None;
        let mut links = None;
        for o in &e.outcomes {
            let (names, span, slot, key) = match o {
                ast::ExpectOutcome::Collects(n, s) => (n, *s, &mut collects, "collects"),
                ast::ExpectOutcome::Links(n, s) => (n, *s, &mut links, "links"),
            };
            if slot.is_some() {
                self.diags.push(
                    Diagnostic::new(Code::Duplicate, span, format!("this `expect` line has two `{key}` outcomes"))
                        .with_help("merge them into one list"),
                );
                continue;
            }
            let mut v: Vec<String> = Vec::new();
            for n in names {
                let key = (Kind::Data.namespace(), n.name.clone());
                if self.symbols.get(&key).is_some_and(|(k, _)| *k == Kind::Data) {
                    if !v.contains(&n.name) {
                        v.push(n.name.clone());
                    }
                } else {
                    let help = match self.suggest(&n.name, |k| k == Kind::Data) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "an `expect` line names data items declared with `data`".to_string(),
                    };
                    self.diags.push(
                        Diagnostic::new(
                            Code::ExpectUnknownData,
                            n.span,
                            format!("`{}` is not a declared data item", n.name),
                        )
                        .with_label("unknown data item")
                        .with_help(help),
                    );
                }
            }
            *slot = Some(v);
        }
        ir::Expect { url: e.url.clone(), with, region, collects, links, origin: Some(self.sources.origin(e.span)) }
    }

    fn unused(&mut self, file: &ast::File) {
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

#[derive(Default)]
struct HeaderParts {
    id: String,
    name: ir::Text,
    controller: ir::Text,
    contact: ir::Text,
    dpo: Option<ir::Text>,
    version: String,
}

fn header_key(f: &ast::HeaderField) -> &'static str {
    match f {
        ast::HeaderField::Name(_) => "name",
        ast::HeaderField::Controller(_) => "controller",
        ast::HeaderField::Contact(_) => "contact",
        ast::HeaderField::Dpo(_) => "dpo",
        ast::HeaderField::Version(_) => "version",
        ast::HeaderField::Languages(_) => "languages",
        ast::HeaderField::Regions(_) => "regions",
    }
}

fn collect_vars<'a>(c: &'a ast::Cond, out: &mut Vec<&'a Ident>) {
    match c {
        ast::Cond::Var(i) => out.push(i),
        ast::Cond::Not(c, _) => collect_vars(c, out),
        ast::Cond::And(cs, _) | ast::Cond::Or(cs, _) => cs.iter().for_each(|c| collect_vars(c, out)),
    }
}

/// Lowers a condition, flattening nested `and`s and `or`s so that equal conditions print equally.
pub fn lower_cond(c: &ast::Cond) -> ir::Cond {
    match c {
        ast::Cond::Var(i) => ir::Cond::Var(i.name.clone()),
        ast::Cond::Not(c, _) => ir::Cond::Not(Box::new(lower_cond(c))),
        ast::Cond::And(cs, _) => ir::Cond::And(
            cs.iter()
                .flat_map(|c| match lower_cond(c) {
                    ir::Cond::And(inner) => inner,
                    other => vec![other],
                })
                .collect(),
        ),
        ast::Cond::Or(cs, _) => ir::Cond::Or(
            cs.iter()
                .flat_map(|c| match lower_cond(c) {
                    ir::Cond::Or(inner) => inner,
                    other => vec![other],
                })
                .collect(),
        ),
    }
}

fn pattern_diagnostic(e: PatternError, text: &str, span: Span, severity: Severity) -> Diagnostic {
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

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_string())
}

/// `a`, `a and b`, `a, b and c` with each item in backticks.
fn list_words(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}
