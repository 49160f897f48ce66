//! What an editor asks about a policy: its diagnostics, and for a position the name there, its declaration, its
//! uses, what it means, what may be typed there and which did-you-mean fixes apply. The language server
//! (`policyc lsp`, in the CLI layer) turns these answers into LSP messages; this module does no IO and knows
//! nothing of the protocol, so it is tested on strings.
//!
//! Names are resolved from the syntax tree, not from the IR, so that hover and navigation keep working while
//! the file has checker errors; the server keeps the last [`Index`] that parsed for when the file has a
//! syntax error. Offsets are byte offsets into the policy text; [`LineIndex`] converts them to the LSP's
//! line and UTF-16 column.

use crate::ast::{self, Ident};
use crate::diagnostic::{self, Code, Diagnostic, Severity};
use crate::source::{FileId, Span};
use crate::{check_source, CheckOptions, ListLoader, SourceCheck};

/// What a declared name is: the checker's own kinds, so that the editor and `check` agree.
pub use crate::ast::SymbolKind;

/// A declaration: the name, where it is declared, and what hover shows about it.
#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub span: Span,
    /// Facts for hover, one Markdown line each (texts per language, default, basis, patterns).
    pub facts: Vec<String>,
}

/// A use of a name.
#[derive(Clone, Debug)]
pub struct Reference {
    pub name: String,
    namespace: u8,
    pub span: Span,
    /// The rule or item the use is in, for hover on site categories ("which rules collect there").
    pub context: &'static str,
    pub item_span: Span,
}

/// The code of an `allow` clause, for hover.
#[derive(Clone, Debug)]
pub struct AllowRef {
    pub code: String,
    /// The code as written.
    pub span: Span,
    /// The whole `allow` clause, to find what it accepted.
    pub allow: Span,
}

/// The names of one parsed file: every declaration and every use, and the codes of its `allow` clauses.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub references: Vec<Reference>,
    pub allows: Vec<AllowRef>,
}

/// The result of analysing one version of a file.
pub struct Analysis {
    pub check: SourceCheck,
    /// The names, when the file parsed.
    pub index: Option<Index>,
}

/// Checks a policy text and indexes its names.
pub fn analyse(name: &str, text: &str, loader: &mut dyn ListLoader) -> Analysis {
    let check = check_source(name, text, loader, CheckOptions::default());
    let lower = name.to_ascii_lowercase();
    let file = if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json") {
        crate::yaml::to_ast(FileId::default(), text).ok()
    } else {
        crate::parser::parse(FileId::default(), text).ok()
    };
    Analysis { check, index: file.map(|f| index(&f)) }
}

/// The diagnostics of the checked file an editor shows in it: those in other files (imported lists) are
/// summarised at the line that imported them, as `check` prints them.
pub fn diagnostics(a: &Analysis) -> Vec<Diagnostic> {
    let main = FileId::default();
    diagnostic::for_reading(&a.check.checked.diagnostics, &a.check.sources, false)
        .into_iter()
        .map(|mut d| {
            if d.span.file != main {
                if let Some(l) = d.labels.iter().find(|l| l.span.file == main) {
                    d.span = l.span;
                } else {
                    d.span = Span::new(main, 0, 0);
                }
            }
            d
        })
        .collect()
}

fn text_facts(t: Option<&ast::Text>) -> Vec<String> {
    t.map(|t| {
        t.parts
            .iter()
            .map(|p| match &p.lang {
                Some(l) => format!("{}: “{}”", l.name, p.value),
                None => format!("“{}”", p.value),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Builds the index of a parsed file.
pub fn index(file: &ast::File) -> Index {
    let mut idx = Index::default();
    let mut declare = |name: &Ident, kind: SymbolKind, facts: Vec<String>| {
        idx.symbols.push(Symbol { name: name.name.clone(), kind, span: name.span, facts });
    };
    for item in &file.items {
        match item {
            ast::Item::Header(h) => {
                declare(&h.id, SymbolKind::Policy, vec![]);
                for (f, _) in &h.fields {
                    if let ast::HeaderField::Regions(rs) = f {
                        for r in rs {
                            declare(r, SymbolKind::Region, vec![]);
                        }
                    }
                }
            }
            ast::Item::Signal(d) => declare(&d.name, SymbolKind::Signal, text_facts(d.text.as_ref())),
            ast::Item::Feature(f) => {
                let mut facts = text_facts(f.text.as_ref());
                if let Some((on, _)) = f.default {
                    facts.insert(0, format!("default {}", if on { "on" } else { "off" }));
                }
                declare(&f.name, SymbolKind::Feature, facts)
            }
            ast::Item::Data(d) => declare(&d.name, SymbolKind::Data, text_facts(d.text.as_ref())),
            ast::Item::Recipient(d) => declare(&d.name, SymbolKind::Recipient, text_facts(d.text())),
            ast::Item::Purpose(p) => {
                let mut facts = Vec::new();
                for (c, _) in &p.clauses {
                    match c {
                        ast::PurposeClause::Basis(b) => facts.insert(0, format!("basis `{}`", b.name)),
                        ast::PurposeClause::Interest(t) => {
                            facts.extend(text_facts(Some(t)).into_iter().map(|f| format!("interest {f}")))
                        }
                        ast::PurposeClause::Text(t) => facts.extend(text_facts(Some(t))),
                        _ => {}
                    }
                }
                declare(&p.name, SymbolKind::Purpose, facts)
            }
            ast::Item::Sites(s) => {
                let mut facts = text_facts(s.text.as_ref());
                let written: Vec<&str> = s
                    .entries
                    .iter()
                    .filter_map(|e| match e {
                        ast::SiteEntry::Pattern { text, .. } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                let lists: Vec<String> = s
                    .entries
                    .iter()
                    .filter_map(|e| match e {
                        ast::SiteEntry::From { path, .. } => Some(format!("`{path}`")),
                        _ => None,
                    })
                    .collect();
                let examples: Vec<String> = written.iter().take(5).map(|p| format!("`{p}`")).collect();
                facts.push(format!(
                    "{} written pattern{}{}{}",
                    written.len(),
                    if written.len() == 1 { "" } else { "s" },
                    if examples.is_empty() { String::new() } else { format!(": {}", examples.join(", ")) },
                    if lists.is_empty() { String::new() } else { format!("; imports {}", lists.join(", ")) }
                ));
                declare(&s.name, SymbolKind::Sites, facts)
            }
            ast::Item::Incentive(i) => declare(&i.name, SymbolKind::Incentive, vec![]),
            ast::Item::Event(e) => declare(&e.name, SymbolKind::Event, text_facts(e.text.as_ref())),
            ast::Item::Criterion(d) => declare(&d.name, SymbolKind::Criterion, text_facts(d.text.as_ref())),
            ast::Item::Source(d) => declare(&d.name, SymbolKind::Source, text_facts(d.text.as_ref())),
            _ => {}
        }
    }
    // A `store` line names data items or purposes, as its store type says; which one a name is, its declaration
    // tells (an undeclared name is the checker's to report, and goes with the purposes here).
    let data_names: Vec<String> =
        idx.symbols.iter().filter(|s| s.kind == SymbolKind::Data).map(|s| s.name.clone()).collect();
    let mut uses = |ids: &[Ident], kind: SymbolKind, context: &'static str, item_span: Span| {
        for i in ids {
            idx.references.push(Reference {
                name: i.name.clone(),
                namespace: kind.namespace(),
                span: i.span,
                context,
                item_span,
            });
        }
    };
    fn cond_vars(c: &ast::Cond, out: &mut Vec<Ident>) {
        match c {
            ast::Cond::Var(i) => out.push(i.clone()),
            ast::Cond::Not(c, _) => cond_vars(c, out),
            ast::Cond::And(cs, _) | ast::Cond::Or(cs, _) => cs.iter().for_each(|c| cond_vars(c, out)),
        }
    }
    let mut allow = |a: &ast::Allow| {
        idx.allows.push(AllowRef { code: a.code.name.clone(), span: a.code.span, allow: a.span });
    };
    for item in &file.items {
        match item {
            ast::Item::Header(h) => h.fields.iter().for_each(|(f, _)| {
                if let ast::HeaderField::Allow(a) = f {
                    allow(a)
                }
            }),
            ast::Item::Sites(s) => s.allows.iter().for_each(&mut allow),
            ast::Item::Collect(c) => c.clauses.iter().for_each(|(clause, _)| {
                if let ast::CollectClause::Allow(a) = clause {
                    allow(a)
                }
            }),
            _ => {}
        }
    }
    for item in &file.items {
        match item {
            ast::Item::Purpose(p) => {
                for (c, _) in &p.clauses {
                    if let ast::PurposeClause::SharedWith(rs) = c {
                        uses(rs, SymbolKind::Recipient, "purpose", p.span);
                    }
                }
            }
            ast::Item::NeverData(n) => uses(&n.data, SymbolKind::Data, "never", n.span),
            ast::Item::Never(n) => {
                uses(&n.sites, SymbolKind::Sites, "never", n.span);
                uses(n.regions.as_deref().unwrap_or(&[]), SymbolKind::Region, "never", n.span);
            }
            ast::Item::Collect(c) | ast::Item::Process(c) => {
                uses(&c.data, SymbolKind::Data, "collect", c.span);
                for (clause, _) in &c.clauses {
                    let mut vars = Vec::new();
                    match clause {
                        ast::CollectClause::On(s) => uses(s, SymbolKind::Sites, "collect", c.span),
                        ast::CollectClause::At(e) => uses(e, SymbolKind::Event, "collect", c.span),
                        // `device` and `account` are built in and declared nowhere.
                        ast::CollectClause::From(s) if !["device", "account"].contains(&s.name.as_str()) => {
                            uses(std::slice::from_ref(s), SymbolKind::Source, "collect", c.span)
                        }
                        ast::CollectClause::For(p) => uses(p, SymbolKind::Purpose, "collect", c.span),
                        ast::CollectClause::Region(r) => uses(r, SymbolKind::Region, "collect", c.span),
                        ast::CollectClause::Keep(ast::Keep { retention: ast::Retention::Named(n), .. }) => {
                            uses(std::slice::from_ref(n), SymbolKind::Criterion, "collect", c.span)
                        }
                        ast::CollectClause::When(cond) | ast::CollectClause::Link(ast::Link::When(cond)) => {
                            cond_vars(cond, &mut vars)
                        }
                        _ => {}
                    }
                    uses(&vars, SymbolKind::Signal, "collect", c.span);
                }
            }
            ast::Item::Incentive(i) => {
                for (clause, _) in &i.clauses {
                    match clause {
                        ast::IncentiveClause::Exchange(d) => uses(d, SymbolKind::Data, "incentive", i.span),
                        ast::IncentiveClause::Region(r) => uses(r, SymbolKind::Region, "incentive", i.span),
                        _ => {}
                    }
                }
            }
            ast::Item::Store(s) => {
                for n in &s.names {
                    let kind = if data_names.contains(&n.name) { SymbolKind::Data } else { SymbolKind::Purpose };
                    uses(std::slice::from_ref(n), kind, "store", s.span);
                }
            }
            ast::Item::Expect(e) => {
                let vars: Vec<Ident> = e.settings.iter().map(|s| s.name.clone()).collect();
                uses(&vars, SymbolKind::Signal, "expect", e.span);
                uses(e.region.as_deref().unwrap_or(&[]), SymbolKind::Region, "expect", e.span);
                uses(e.event.as_slice(), SymbolKind::Event, "expect", e.span);
                uses(e.from.as_slice(), SymbolKind::Source, "expect", e.span);
                for o in &e.outcomes {
                    match o {
                        ast::ExpectOutcome::Collects(d, _) | ast::ExpectOutcome::Links(d, _) => {
                            uses(d, SymbolKind::Data, "expect", e.span)
                        }
                        ast::ExpectOutcome::Uses(d, p, _) => {
                            uses(d, SymbolKind::Data, "expect", e.span);
                            uses(p, SymbolKind::Purpose, "expect", e.span);
                        }
                        ast::ExpectOutcome::Keeps(d, keep, _) => {
                            uses(d, SymbolKind::Data, "expect", e.span);
                            if let ast::Retention::Named(n) = keep {
                                uses(std::slice::from_ref(n), SymbolKind::Criterion, "expect", e.span);
                            }
                        }
                        ast::ExpectOutcome::Shares(d, r, _) => {
                            uses(d, SymbolKind::Data, "expect", e.span);
                            uses(r, SymbolKind::Recipient, "expect", e.span);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    idx
}

/// A name at an offset: its namespace and text.
fn name_at(idx: &Index, offset: usize) -> Option<(u8, &str)> {
    let hit = |s: &Span| s.start <= offset && offset <= s.end;
    idx.symbols
        .iter()
        .find(|s| hit(&s.span))
        .map(|s| (s.kind.namespace(), s.name.as_str()))
        .or_else(|| idx.references.iter().find(|r| hit(&r.span)).map(|r| (r.namespace, r.name.as_str())))
}

/// The declaration of the name at `offset`.
pub fn definition(idx: &Index, offset: usize) -> Option<&Symbol> {
    let (ns, name) = name_at(idx, offset)?;
    idx.symbols.iter().find(|s| s.kind.namespace() == ns && s.name == name)
}

/// Every place the name at `offset` is written: its declaration (when asked for) and its uses.
pub fn references(idx: &Index, offset: usize, include_declaration: bool) -> Vec<Span> {
    let Some((ns, name)) = name_at(idx, offset) else { return Vec::new() };
    let decls = idx.symbols.iter().filter(|s| s.kind.namespace() == ns && s.name == name).map(|s| s.span);
    let uses = idx.references.iter().filter(|r| r.namespace == ns && r.name == name).map(|r| r.span);
    let mut out: Vec<Span> = if include_declaration { decls.chain(uses).collect() } else { uses.collect() };
    out.sort();
    out.dedup();
    out
}

/// Hover text (Markdown) for the name at `offset`: its kind, declaration, texts and, for a site category, how
/// many sites it has, examples and which rules collect there.
pub fn hover(a: &Analysis, idx: &Index, text: &str, offset: usize) -> Option<String> {
    hover_with_lines(a, idx, text, offset, &|at| Some(line_col(text, at).0))
}

/// [`hover`] for an index of an older text: `line` gives the line number to show for an offset of `text` (the
/// line it is on now), or `None` for a line edited since `text`, whose number is then not given.
pub fn hover_with_lines(
    a: &Analysis,
    idx: &Index,
    text: &str,
    offset: usize,
    line: &dyn Fn(usize) -> Option<usize>,
) -> Option<String> {
    if let Some(allow) = idx.allows.iter().find(|r| r.span.start <= offset && offset <= r.span.end) {
        return hover_allow(a, allow);
    }
    let sym = definition(idx, offset)?;
    let declared = match line(sym.span.start) {
        Some(n) => format!("declared on line {n}"),
        None => "declared on a line edited since the file last parsed".to_string(),
    };
    let mut out = format!("**{}** `{}` ({declared})", sym.kind.word(), sym.name);
    for f in &sym.facts {
        out.push_str(&format!("\n\n{f}"));
    }
    if sym.kind == SymbolKind::Sites {
        if let Some(cat) = a.check.checked.policy.as_ref().and_then(|p| p.site_category(&sym.name)) {
            let examples: Vec<String> = cat.patterns.iter().take(5).map(|p| format!("`{p}`")).collect();
            out.push_str(&format!(
                "\n\n{} site{} in all, for example {}",
                cat.patterns.len(),
                if cat.patterns.len() == 1 { "" } else { "s" },
                examples.join(", ")
            ));
        }
        let rules: Vec<String> = idx
            .references
            .iter()
            .filter(|r| r.namespace == sym.kind.namespace() && r.name == sym.name && r.context != "expect")
            .map(|r| {
                // The index may be from an earlier version of the text (after a syntax error): slice safely.
                let item = text.get(r.item_span.start..r.item_span.end).unwrap_or("");
                let first_line = item.lines().next().unwrap_or("").trim();
                match line(r.item_span.start) {
                    Some(n) => format!("- line {n}: `{first_line}`"),
                    None => format!("- a line being edited: `{first_line}`"),
                }
            })
            .collect();
        if rules.is_empty() {
            out.push_str("\n\nno rule names it");
        } else {
            out.push_str(&format!("\n\nrules that name it:\n{}", rules.join("\n")));
        }
    }
    Some(out)
}

/// Hover on the code of an `allow`: what the code means and what the `allow` accepts in this version of the file.
fn hover_allow(a: &Analysis, allow: &AllowRef) -> Option<String> {
    let code = Code::parse(&allow.code)?;
    let severity = match code.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("**{severity}** `{code}`: {}", code.summary());
    let accepted = a.check.checked.allowed.iter().filter(|x| x.allow == allow.allow).count();
    if code.severity() == Severity::Warning {
        out.push_str(&match accepted {
            0 => "\n\naccepts no finding here".to_string(),
            1 => "\n\naccepts 1 finding here".to_string(),
            n => format!("\n\naccepts {n} findings here"),
        });
    }
    Some(out)
}

/// What completion offers: a label and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub detail: String,
    pub keyword: bool,
}

/// The clauses of the `policy` header, each by the words that start it.
const HEADER_KEYWORDS: &[&str] = &[
    "name",
    "controller",
    "contact",
    "dpo",
    "version",
    "languages",
    "regions",
    "established",
    "representative",
    "opt out",
    "url",
    "allow",
];

/// What a line inside a `sites` block can start with besides a pattern, which no completion can guess.
const SITES_KEYWORDS: &[&str] = &["from", "exact", "allow"];

/// The clauses of a top-level item, each by the words that start it, in the order `docs/language.md` gives
/// them. Items whose only clause is a text have none.
fn clause_keywords(item: &str) -> &'static [&'static str] {
    match item {
        "feature" => &["default", "opt in"],
        "data" => &["category", "aggregated", "label"],
        "source" => &["label"],
        "purpose" => &["basis", "interest", "shared with", "direct marketing", "profiling", "decisions", "label"],
        "recipient" => &["processor", "own purposes", "in", "safeguard", "sold", "shared"],
        "sites" => &["special"],
        "never" => &["region"],
        "collect" => &["on", "at", "from", "when", "for", "keep", "link to account", "region", "necessary", "allow"],
        "process" => &["on", "when", "for", "region", "on device"],
        "incentive" => &["region", "in exchange for", "value", "method", "opt in", "withdraw", "reward stays"],
        "expect" => &["at", "with", "region", "collects", "links", "uses", "keeps", "shares"],
        "store" => &["for"],
        _ => &[],
    }
}

/// The item keywords that a new name follows: nothing declared fits there, so completion offers nothing.
const DECLARING_KEYWORDS: &[&str] = &[
    "policy",
    "signal",
    "feature",
    "event",
    "data",
    "purpose",
    "recipient",
    "sites",
    "incentive",
    "criterion",
    "source",
];

/// Where the cursor stands, as far as completion needs to know: the block it is in (`policy` or `sites`), the
/// top-level item it continues, and whether only spaces stand before it on its line.
struct Place<'t> {
    block: Option<&'t str>,
    item: Option<&'t str>,
    line_start: bool,
    indented: bool,
}

/// Reads the text before the cursor as far as completion needs it, skipping strings and comments: a `{` opens
/// the block of the item whose keyword started the last item line, a `}` closes it, and an item keyword that is
/// the first word of a line outside a block starts an item. Items start lines by convention (`policyc fmt`
/// keeps them so), which keeps this a scan of words instead of a parse of text that is being edited and rarely
/// parses.
fn place(before: &str) -> Place<'_> {
    let b = before.as_bytes();
    let (mut i, mut depth) = (0usize, 0usize);
    let mut item: Option<&str> = None;
    let mut block: Option<&str> = None;
    let mut first_on_line = true;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => first_on_line = true,
            b'"' => {
                i += 1;
                while let Some(&d) = b.get(i) {
                    if d == b'"' {
                        break;
                    }
                    i += if d == b'\\' { 2 } else { 1 };
                }
                first_on_line = false;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while b.get(i + 1).is_some_and(|d| *d != b'\n') {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = before.get(i + 2..).and_then(|t| t.find("*/")).map_or(b.len(), |n| i + 2 + n + 1);
            }
            b'{' => {
                depth += 1;
                if depth == 1 {
                    block = item;
                }
                first_on_line = false;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    block = None;
                }
                first_on_line = false;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let end = (i..b.len()).find(|&k| !b.get(k).is_some_and(|d| d.is_ascii_alphanumeric() || *d == b'_'));
                let end = end.unwrap_or(b.len());
                let word = before.get(i..end).unwrap_or("");
                if first_on_line && depth == 0 {
                    if let Some(k) = crate::ast::ITEM_KEYWORDS.iter().find(|k| **k == word) {
                        item = Some(k);
                    }
                }
                first_on_line = false;
                i = end.saturating_sub(1);
            }
            c if c.is_ascii_whitespace() => {}
            _ => first_on_line = false,
        }
        i += 1;
    }
    let line = before.rsplit('\n').next().unwrap_or("");
    let line_start = line.chars().all(char::is_whitespace);
    Place { block: if depth > 0 { block } else { None }, item, line_start, indented: line_start && !line.is_empty() }
}

/// Names and keywords that fit at `offset`: after `on` site categories, after `at` events, after `for` purposes, after `collect`,
/// `collects`, `links`, `uses`, `keeps`, `shares` and `in exchange for` data items, in conditions signals and features,
/// after `region` regions, after `shared with` and `shares DATA with` recipients, after `until` criteria, after
/// `allow` the codes of warnings. Elsewhere, the keywords that can start a clause there: in the `policy` header
/// its fields, in a `sites` block `from`, `exact` and `allow`, on an indented line or after a finished clause the
/// clauses of the item it continues, and on a line of its own the items. Where a new name is being declared,
/// nothing.
pub fn completions(idx: &Index, text: &str, offset: usize) -> Vec<Completion> {
    let before = prefix(text, offset);
    // The words before the cursor, skipping the one being typed, names listed so far and commas.
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    let start = before.trim_end_matches(word_char);
    let words: Vec<&str> = start.split(|c: char| !word_char(c)).filter(|w| !w.is_empty()).rev().take(12).collect();
    let names: Vec<&Symbol> = idx.symbols.iter().collect();
    let of = |kinds: &[SymbolKind]| -> Vec<Completion> {
        names
            .iter()
            .filter(|s| kinds.contains(&s.kind))
            .map(|s| Completion { label: s.name.clone(), detail: s.kind.word().to_string(), keyword: false })
            .collect()
    };
    let keywords = |ks: &[&str]| -> Vec<Completion> {
        ks.iter().map(|k| Completion { label: k.to_string(), detail: "keyword".into(), keyword: true }).collect()
    };
    let place = place(start);
    // At the start of a line, a list goes on only after a `,` that ends the line before, and a name follows a
    // keyword only when the keyword ends it; after a finished list, the line starts a clause or an item.
    let list_open = !place.line_start || start.trim_end().ends_with(',');
    // After `allow`, the codes of the warnings an author can accept.
    if words.first() == Some(&"allow") {
        return Code::ALL
            .iter()
            .filter(|c| c.severity() == Severity::Warning && **c != Code::UnusedAllow)
            .map(|c| Completion { label: c.as_str().to_string(), detail: c.summary().to_string(), keyword: false })
            .collect();
    }
    // After `never`, and after `or` in a promise (`never sell or share`), what can be promised.
    let promise_verb = |w: &str| matches!(w, "sell" | "share" | "disclose");
    if words.first() == Some(&"never")
        || (words.first() == Some(&"or") && words.get(1).is_some_and(|w| promise_verb(w)))
    {
        let verbs: &[&str] = if words.first() == Some(&"never") {
            &["collect", "sell", "share", "disclose"]
        } else {
            &["sell", "share", "disclose"]
        };
        return keywords(verbs);
    }
    // The nearest word that decides the list: a keyword, passing over names already listed.
    let declared = |w: &str| names.iter().any(|s| s.name == w);
    for (i, w) in words.iter().enumerate() {
        let prev = words.get(i + 1).copied().unwrap_or("");
        let kinds: &[SymbolKind] = match *w {
            "on" => &[SymbolKind::Sites],
            "at" => &[SymbolKind::Event],
            // In a collect rule or an `expect from` line: the built-in sources, then the declared ones; in a
            // `sites` block a string follows, and no name fits there anyway.
            // In a `sites` block, a file name in quotes follows `from`.
            "from" if place.block.is_some() => return Vec::new(),
            "from" => {
                let builtin = [crate::ir::SOURCE_DEVICE, crate::ir::SOURCE_ACCOUNT].map(|b| Completion {
                    label: b.to_string(),
                    detail: "built-in source".into(),
                    keyword: false,
                });
                return builtin.into_iter().chain(of(&[SymbolKind::Source])).collect();
            }
            "for" if prev == "exchange" => &[SymbolKind::Data],
            "for" => &[SymbolKind::Purpose],
            "collect" if prev == "never" => &[],
            "collect" | "collects" | "links" | "uses" | "keeps" | "shares" => &[SymbolKind::Data],
            "with" if prev == "shared" || words[i + 1..].iter().find(|w| !declared(w)) == Some(&"shares") => {
                &[SymbolKind::Recipient]
            }
            "until" => &[SymbolKind::Criterion],
            "when" | "and" | "or" | "not" | "with" => &[SymbolKind::Signal, SymbolKind::Feature],
            "region" => &[SymbolKind::Region],
            _ if declared(w) && list_open => continue,
            _ => break,
        };
        if !kinds.is_empty() {
            return of(kinds);
        }
        break;
    }
    // Right after the keyword of a declaration, a new name goes: nothing declared fits.
    if !place.line_start && words.first().is_some_and(|w| DECLARING_KEYWORDS.contains(w)) {
        return Vec::new();
    }
    match (place.block, place.item) {
        (Some("policy"), _) => keywords(HEADER_KEYWORDS),
        (Some("sites"), _) => keywords(SITES_KEYWORDS),
        (Some(_), _) => Vec::new(),
        // A line of its own starts an item; an indented line, or the rest of a line, continues the item above.
        (None, Some(item)) if (place.indented || !place.line_start) && !clause_keywords(item).is_empty() => {
            keywords(clause_keywords(item))
        }
        (None, _) => keywords(&crate::ast::ITEM_KEYWORDS),
    }
}

/// A did-you-mean fix: the diagnostic it fixes, the span to replace and the replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub span: Span,
    pub replacement: String,
    pub diagnostic: Diagnostic,
}

/// Did-you-mean fixes for the diagnostics that overlap `start..end`: a diagnostic whose help is "did you mean
/// `X`?" replaces its span with `X`.
pub fn fixes(diags: &[Diagnostic], start: usize, end: usize) -> Vec<Fix> {
    diags
        .iter()
        .filter(|d| d.span.start <= end && start <= d.span.end)
        .filter_map(|d| {
            let help = d.help.as_deref()?;
            let best = help.split("did you mean `").nth(1)?.split('`').next()?;
            Some(Fix {
                title: format!("replace with `{best}`"),
                span: d.span,
                replacement: best.to_string(),
                diagnostic: d.clone(),
            })
        })
        .collect()
}

/// Whether a diagnostic is an error, for editors that map severities.
pub fn is_error(d: &Diagnostic) -> bool {
    d.severity == Severity::Error
}

/// One-based line and character column of a byte offset (for hover text).
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = prefix(text, offset);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// The text before `offset`, which may be past the end or inside a character (an offset of an older version).
fn prefix(text: &str, offset: usize) -> &str {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Converts between byte offsets and LSP positions (zero-based line, UTF-16 code units).
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// (line, UTF-16 column) of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col: usize = prefix(self.text, offset).get(start..).map(|s| s.encode_utf16().count()).unwrap_or(0);
        (line as u32, col as u32)
    }

    /// The byte offset of an LSP position, clamped to the line and the text.
    pub fn offset(&self, line: u32, character: u32) -> usize {
        let Some(&start) = self.starts.get(line as usize) else { return self.text.len() };
        let end = self.starts.get(line as usize + 1).copied().unwrap_or(self.text.len());
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= character || c == '\n' {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }
}
