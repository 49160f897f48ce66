//! The checker: AST in, IR and diagnostics out.
//!
//! Checking is one pass over the declarations (building symbol tables), then one over the uses (resolving every
//! name, validating every pattern and text), and finally lowering to [`ir::Policy`] when no error was found.
//! Every problem becomes a [`Diagnostic`]; the checker never stops at the first one, so an author sees
//! everything in one run. Reading `from` lists is the only input the checker needs besides the AST, and it
//! asks a [`ListLoader`] for it: the checker itself does no IO, which keeps it testable and lets the CLI decide
//! how paths resolve.
//!
//! One `Checker` carries the state; each pass is a file of its own that adds methods to it:
//!
//! | file | pass |
//! |---|---|
//! | `lower.rs` | the driver: runs the passes in order and assembles the IR; condition lowering |
//! | `declare.rs` | declarations and name resolution: symbol tables, did-you-mean, purposes, unused names |
//! | `texts.rs` | the header, texts and languages: every text in every declared language |
//! | `sites.rs` | site patterns and list import |
//! | `rules.rs` | `never` and `collect` rules (on the pages or `from` a source), sources, conditions, retention, incentives, `expect` lines |
//! | `scope.rs` | scope analysis over the lowered rules: overlaps with `never`, shadowed rules, sensitive lists |
//! | `consent.rs` | consent lints: opt-in before a feature that starts on, specific consent, withdrawal, special categories, the device (ePrivacy Art. 5(3)) |
//! | `limits.rs` | what one artifact can hold (64 of each kind, domains, path patterns, condition depth) |
//! | `store.rs` | `store` lines: types, names, and that every collected data item has a store data type |
//! | `promises.rs` | promises (`never collect DATA`) against every rule and incentive that takes data |
//! | `allow.rs` | `allow CODE "REASON"`: the warnings an author accepts, and unused `allow`s (runs last) |
//! | `legal.rs` | what each region's law requires the disclosure to carry: establishment, representative, profiling, transfers |

mod allow;
mod consent;
mod declare;
mod legal;
mod limits;
mod lower;
mod promises;
mod rules;
mod scope;
mod sites;
mod store;
mod texts;

pub use allow::{AllowScope, Allowed};
pub use lower::lower_cond;
pub use scope::NeverIndex;

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
    /// Most distinct domains, exact hosts and wildcard labels an artifact holds (`--max-domains`).
    pub max_domains: usize,
    /// Most path patterns an artifact holds (`--max-path-patterns`).
    pub max_path_patterns: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_policy_bytes: 64 << 20,
            max_list_bytes: 256 << 20,
            max_patterns: 5_000_000,
            max_domains: ir::limits::MAX_DOMAINS,
            max_path_patterns: ir::limits::MAX_PATH_PATTERNS,
        }
    }
}

/// The result of checking: the IR when there were no errors, and every diagnostic, sorted by position.
#[derive(Debug)]
pub struct Checked {
    pub policy: Option<ir::Policy>,
    pub diagnostics: Vec<Diagnostic>,
    /// The warnings that an `allow` accepted: left out of `diagnostics`, kept for review.
    pub allowed: Vec<Allowed>,
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
        tested: HashSet::new(),
        suggested: Vec::new(),
        undeclared_texts: Vec::new(),
        missing_texts: Vec::new(),
        no_wording: Vec::new(),
        replaced: HashSet::new(),
        duplicates: Vec::new(),
        pattern_count: 0,
        pattern_limit_reported: false,
    };
    let policy = cx.run(file);
    let allowed = cx.apply_allows(file);
    let mut diagnostics = cx.diags;
    diagnostic::sort(&mut diagnostics);
    let policy = if diagnostics.iter().any(|d| d.is_error()) { None } else { policy };
    Checked { policy, diagnostics, allowed }
}

// The kinds of declared names are shared with the editor support (`ide.rs`); the checker calls them `Kind`.
use crate::ast::SymbolKind as Kind;

/// A lowered `collect` rule: on the pages, or from a source independently of them.
pub(super) enum Lowered {
    Page(ir::CollectRule),
    Independent(ir::IndependentRule),
}

struct Checker<'a> {
    sources: &'a mut SourceMap,
    main: FileId,
    loader: &'a mut dyn ListLoader,
    options: CheckOptions,
    psl: &'static PublicSuffixList,
    /// Every diagnostic so far. Lowering only appends to it (through `emit`) until `drop_replaced`, so that an
    /// index taken with `diags.len()` before an `emit` names that diagnostic until then (`suggested`,
    /// `undeclared_texts`, `missing_texts`, `no_wording`, `replaced`); later passes may filter it.
    diags: Vec<Diagnostic>,
    languages: Vec<String>,
    regions: Vec<String>,
    /// (namespace, name) to (kind, declaration span).
    symbols: HashMap<(u8, String), (Kind, Span)>,
    /// Declarations referenced by some rule, for the unused-declaration lint.
    used: HashSet<(u8, String)>,
    /// Signals and features that `expect` lines set, to say so when no rule reads them.
    tested: HashSet<(u8, String)>,
    /// Uses of undeclared names that a did-you-mean answered with a declared name: (namespace, the declared
    /// name suggested, the name written, the index of the diagnostic in `diags`). When every use of a name
    /// nothing else uses agrees on another spelling, the declaration is the misspelt one (`misspelt_declarations`).
    suggested: Vec<(u8, String, Ident, usize)>,
    /// Texts in a language the header does not declare (W0014): the language and the diagnostic's index.
    undeclared_texts: Vec<(String, usize)>,
    /// Texts missing in declared languages (E0008): those languages and the diagnostic's index.
    missing_texts: Vec<(Vec<String>, usize)>,
    /// Declared languages without disclosure wording (E0021): the language and the diagnostic's index.
    no_wording: Vec<(String, usize)>,
    /// Indexes of diagnostics replaced by one that sums them up, dropped at the end (`drop_replaced`).
    replaced: HashSet<usize>,
    /// Patterns seen twice in the category being checked.
    duplicates: Vec<String>,
    pattern_count: usize,
    pattern_limit_reported: bool,
}

/// The largest retention amount in a unit: a century is longer than any policy should promise to keep browsing
/// data (a zero period, the lower bound, is meaningless). The limit is a century in each unit as the help says
/// it: 100 years, 1200 months, 5217 weeks or 36525 days (a year of 365.25 days). Counting every unit at its
/// longest (a month of 31 days) refused `1200 months` while it let `36600 days` through, more than a century.
fn max_retention(unit: ir::TimeUnit) -> u64 {
    match unit {
        ir::TimeUnit::Day => 36_525,
        ir::TimeUnit::Week => 5_217,
        ir::TimeUnit::Month => 1_200,
        ir::TimeUnit::Year => 100,
    }
}

impl Checker<'_> {
    fn emit(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports a clause given twice (`basis`, `keep`, ...) and says whether it was.
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
}

/// Kept here under its old path: the parser, below the checker, needs it too (`crate::diagnostic`).
pub use crate::diagnostic::did_you_mean;

/// Where the collect rule written at `rule` has its first clause that `is` picks, so that a diagnostic about one
/// clause points at it; the whole rule when it has none.
fn collect_clause_span(file: &ast::File, rule: Span, is: impl Fn(&ast::CollectClause) -> bool) -> Span {
    file.items
        .iter()
        .find_map(|i| match i {
            ast::Item::Collect(c) if c.span == rule => c.clauses.iter().find(|(k, _)| is(k)).map(|(_, s)| *s),
            _ => None,
        })
        .unwrap_or(rule)
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
