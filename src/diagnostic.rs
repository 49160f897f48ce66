//! Diagnostics: what the checker says about a policy, and how it is shown.
//!
//! A [`Diagnostic`] is plain data: a stable [`Code`], a severity, a lowercase one-line message (user text in
//! backticks), a primary span, optional secondary labels and a help line. The checker only ever *returns*
//! diagnostics; rendering is separate so that the same diagnostic can be printed for a person (with a source
//! snippet, through miette) or as JSON for an editor or CI.

use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is. Errors stop compilation; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// Stable diagnostic codes. A code is never reused for another meaning; `docs/diagnostics.md` lists them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            /// All codes, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as printed: `E0001`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// The code of its printed form (`W0025`), if there is one.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)* _ => None }
            }

            /// The default severity of diagnostics with this code.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }

            /// One line on what the code means, for documentation.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary),* }
            }
        }
    };
}

codes! {
    Syntax = "E0001", Error, "the file does not follow the grammar";
    Undefined = "E0002", Error, "a name is used but never declared";
    Duplicate = "E0003", Error, "a name is declared twice, a clause is given twice, a list names something twice, or a declaration takes a built-in name (the event `page_view`, the sources `device` and `account`)";
    PublicSuffix = "E0004", Error, "a site pattern covers a whole public suffix such as `com` or `co.uk`";
    MalformedPattern = "E0005", Error, "a site pattern is not a valid host, wildcard or path pattern";
    UnreadableList = "E0006", Error, "a `from` list file cannot be read";
    BadListEntry = "W0007", Warning, "an entry of an imported list is not a valid pattern and is skipped";
    UnknownSubdivision = "W0008", Warning, "a region is a subdivision (`XX-YYY`) that policyc knows no law of; its country's law and notice apply";
    MissingText = "E0008", Error, "a text lacks one of the policy's declared languages";
    MissingClause = "E0009", Error, "a rule or declaration lacks a clause it needs (purpose, retention, sites, ...)";
    UndeclaredCondition = "E0010", Error, "a condition names something that is not a declared signal or feature";
    NeverCovered = "W0011", Warning, "a collect rule can never collect because `never` rules cover its whole scope";
    NeverHolds = "W0012", Warning, "a rule's `when` or link condition can hold in no state of the signals and features, or its link condition in none where its `when` holds";
    ExpectUnknownData = "E0012", Error, "an `expect` line names data that is not declared";
    UndeclaredRegion = "E0013", Error, "a rule, incentive or test names a region the policy does not declare (a test may name a region inside a declared one: `DE` under `EU`)";
    UndeclaredLanguage = "W0014", Warning, "a text is given in a language the policy does not declare";
    BadExpectUrl = "E0015", Error, "an `expect` line's URL cannot be decided (not an http(s) URL with a domain host)";
    BadValue = "E0016", Error, "a value is out of range (a zero retention, an unknown legal basis, ...)";
    MissingHeader = "E0017", Error, "the `policy` header block is missing, repeated or incomplete";
    InvalidYaml = "E0018", Error, "a YAML or JSON policy does not have the shape of an exported policy";
    UnusedDeclaration = "W0019", Warning, "a declaration is never used by any rule";
    IncompleteDisclosure = "E0020", Error, "a region's disclosure would lack an item the law requires";
    NoWording = "E0021", Error, "a declared language has no disclosure wording (`locales/LANG.yaml`)";
    ScopeOverlapsNever = "W0022", Warning, "some sites of a collect rule's scope are excluded by a `never` rule";
    RedundantPattern = "W0023", Warning, "patterns of a category are covered by a broader pattern of the same category";
    DuplicateSite = "W0024", Warning, "a site is listed more than once in one category";
    ShadowedRule = "W0025", Warning, "a collect rule adds nothing that another rule does not already do";
    SensitiveSite = "W0026", Warning, "a collect rule's scope includes sites of a list given with `check --sensitive`";
    LimitExceeded = "E0027", Error, "the policy exceeds a limit of the checker or the artifact (see Limits below)";
    ConflictingRetention = "W0028", Warning, "two collect rules that can fire together keep the same data item for the same purpose for different periods";
    IncentiveValue = "W0030", Warning, "an incentive's value is no estimate of the data's value (no amount, or the reward restated)";
    ConsentStartsOn = "W0031", Warning, "a consent-based purpose is behind a feature that starts on, and the policy does not say how the user opts in first";
    BundledConsent = "W0032", Warning, "one feature gates consent for purposes of different kinds (direct marketing and other purposes)";
    WithdrawNamesOtherSwitch = "W0033", Warning, "a withdrawal text names a switch that also gates purposes not based on consent";
    RewardNotKept = "W0034", Warning, "an incentive for consented data does not say that the reward stays after withdrawal";
    SpecialCategorySite = "E0035", Error, "a collect rule's scope includes sites of a special category (GDPR Art. 9) without explicit consent";
    IncentiveDataNotCollected = "E0036", Error, "an incentive is offered in exchange for a data item that no rule collects where the offer applies";
    UnknownStoreType = "E0040", Error, "a `store` line names a type that is not a store data type or use";
    UnmappedStoreData = "E0041", Error, "a policy with `store` lines collects a data item that has no store data type";
    CollectsPromisedData = "E0050", Error, "a collect rule or incentive takes a data item the policy promises never to collect (`never collect DATA`)";
    AggregatedLinked = "E0051", Error, "a rule may link a data item declared `aggregated` to the user's account";
    AggregatedKeptFirst = "E0052", Error, "a rule keeps a data item declared `aggregated` in personal form first (`then aggregated`)";
    UnusedAllow = "W0060", Warning, "an `allow` accepts no finding in its scope";
    ConflictingRecipientRoles = "E0061", Error, "a recipient is a `processor` and also uses the data for its `own purposes`, or is `sold` or `shared`";
    BrokenPromise = "E0062", Error, "a recipient that collected data reaches breaks a promise of the policy (`never sell`, `never share`, `never disclose`)";
    ThirdPartyNotSold = "W0063", Warning, "a recipient uses data collected in California for its own purposes and is marked neither `sold` nor `shared`";
    ExpectUnknownName = "E0070", Error, "an `expect` line names a purpose, recipient or retention criterion that is not declared";
    NotStatedBasis = "W0071", Warning, "a purpose's legal basis is `not_stated` where the GDPR applies";
    NotStatedRetention = "W0072", Warning, "a rule's retention is `not stated` where the GDPR applies";
    NotStatedContact = "W0073", Warning, "the header's contact is `not stated` where the GDPR applies";
    UntaggedProse = "W0074", Warning, "a text the notice uses as prose is one untagged string in a policy of several languages";
    SourceAndSites = "E0064", Error, "a collect rule says both where on the pages (`on`, `at`) and `from` a source, or `necessary` on a rule `from account` or from a declared source; or an `expect from` line says `at`";
    DeviceWithoutConsent = "W0065", Warning, "a `from device` rule stores or reads on the user's device, or a rule on the pages reads the page in the user's browser (EDPB Guidelines 2/2023), for a purpose not based on consent and does not say why it is strictly necessary (ePrivacy Directive Art. 5(3), § 25 TDDDG, UK PECR reg. 6); only where the rule applies in the EU, the EEA or the United Kingdom";
}

/// The closest candidate to `name`, if one is close enough to be a likely typo: the suggestion of a help line
/// (`did you mean \`collect\`?`), for names and keywords alike. A quarter of the name's characters may differ
/// (at least one): `product_prize` finds `product_price`, but `product_price` does not find `product_url`,
/// which is another name, not a misspelling of it.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 4).max(1);
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_string())
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary label: another place that explains the primary one ("first declared here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// What the primary span is, shown under the snippet; empty to reuse nothing.
    pub label: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            span,
            label: String::new(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, position and code, so that output is stable and reads top to bottom.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.span.file, a.span.start, a.span.end, a.code, &a.message).cmp(&(
            b.span.file,
            b.span.start,
            b.span.end,
            b.code,
            &b.message,
        ))
    });
}

/// Diagnostics for a person to read: errors first (what must be fixed before anything is built), then
/// warnings, each group in position order; and, unless `verbose`, the skipped entries of each imported list
/// (W0007, one per entry: a third-party list can have hundreds) as one warning per list, at the `from` line
/// that imported it, with the count, examples and how to see them all.
pub fn for_reading(diagnostics: &[Diagnostic], sources: &SourceMap, verbose: bool) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    // List file to the indices of its skipped entries, in order of first appearance.
    let mut lists: Vec<(crate::source::FileId, Vec<&Diagnostic>)> = Vec::new();
    for d in diagnostics {
        if d.code == Code::BadListEntry && !verbose {
            match lists.iter_mut().find(|(f, _)| *f == d.span.file) {
                Some((_, v)) => v.push(d),
                None => lists.push((d.span.file, vec![d])),
            }
        } else {
            out.push(d.clone());
        }
    }
    for (file, entries) in lists {
        let name = &sources.get(file).name;
        let n = entries.len();
        // The `from` clause that imported the list is the entries' secondary label.
        let at = entries[0].labels.first().map(|l| l.span).unwrap_or(entries[0].span);
        let examples: Vec<String> = entries
            .iter()
            .take(3)
            .map(|d| {
                let (line, _) = sources.get(d.span.file).line_col(d.span.start);
                let text = &sources.get(d.span.file).text[d.span.start..d.span.end];
                format!("`{text}` (line {line})")
            })
            .collect();
        let more = if n > 3 { format!(" and {} more", n - 3) } else { String::new() };
        out.push(
            Diagnostic::new(
                Code::BadListEntry,
                at,
                format!(
                    "skipped {n} {} of `{name}` that {}",
                    plural(n, "entry", "entries"),
                    plural(n, "is not a valid site pattern", "are not valid site patterns")
                ),
            )
            .with_label("imported here")
            .with_help(format!(
                "for example {}{more}; run with `--verbose` to see each and why, or `--strict-lists` to make them errors",
                examples.join(", ")
            )),
        );
    }
    sort(&mut out);
    out.sort_by_key(|d| d.severity);
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The JSON form of a diagnostic, as `policyc check --format json` prints it. A warning that an `allow` accepted
/// is printed too, with severity `allowed` (so that a tool counting `warning`s does not count it) and the `allow`
/// that accepted it.
#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    /// `error`, `warning`, or `allowed` for an accepted warning.
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<JsonAllow>,
}

/// The `allow` that accepted a finding: its scope (`policy`, `sites` with the category's `name`, or `rule`), its
/// reason, and where it is written.
#[derive(Clone, Debug, Serialize)]
pub struct JsonAllow {
    pub scope: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub reason: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl JsonDiagnostic {
    /// A finding an `allow` accepted: `scope` and `name` say where the `allow` holds, `at` where it is written.
    pub fn allowed(
        d: &Diagnostic,
        sources: &SourceMap,
        scope: &'static str,
        name: Option<String>,
        reason: &str,
        at: Span,
    ) -> Self {
        let file = sources.get(at.file);
        let (line, column) = file.line_col(at.start);
        JsonDiagnostic {
            severity: "allowed",
            allowed: Some(JsonAllow { scope, name, reason: reason.to_string(), file: file.name.clone(), line, column }),
            ..JsonDiagnostic::new(d, sources)
        }
    }

    pub fn new(d: &Diagnostic, sources: &SourceMap) -> Self {
        let file = sources.get(d.span.file);
        let (line, column) = file.line_col(d.span.start);
        let (end_line, end_column) = file.line_col(d.span.end);
        JsonDiagnostic {
            code: d.code.as_str(),
            severity: severity_word(d.severity),
            message: d.message.clone(),
            file: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
            help: d.help.clone(),
            allowed: None,
        }
    }
}

/// Renders diagnostics for a person: a header line, the source snippet with labels, and the help.
///
/// `color` selects ANSI colours; tests and snapshots use plain output.
pub fn render_human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Lines break at spaces only (not after a hyphen either), and a word longer than the line stays whole: a
    // witness URL, a flag such as `--strict-lists` or a site pattern in a help line must survive copying out of
    // the terminal.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false);
    let mut out = String::new();
    for d in diagnostics {
        let report = MietteView::new(d, sources);
        // Rendering into a String cannot fail for lack of space; a formatting error would mean a miette bug,
        // and losing the snippet is then better than losing the diagnostic, so fall back to a plain line.
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}[{}]: {}\n", severity_word(d.severity), d.code, d.message));
        }
        out.push('\n');
    }
    out
}

/// A one-line summary such as `error: 2 errors, 1 warning`.
pub fn summary_line(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Lines longer than this are not shown as a snippet.
const MAX_SNIPPET_LINE: usize = 2000;

/// Adapts a [`Diagnostic`] to miette's trait, borrowing the file text for the snippet.
struct MietteView {
    header: String,
    help: Option<String>,
    severity: miette::Severity,
    source: CharColumns,
    labels: Vec<miette::LabeledSpan>,
}

/// A file's text as miette reads it, but with columns counted in characters. miette counts the column of the
/// snippet's `╭─[file:line:column]` in bytes, which after an `ä` disagrees with the `-->` line above it (and
/// with `--format json` and the language server); both must name the same place.
struct CharColumns {
    name: String,
    text: String,
}

/// `text` with each carriage return that does not start a `\r\n` made a space. Lines end at `\n` everywhere else
/// (positions, `--format json`, the language server), but miette also ends one at a lone `\r` and then numbers the
/// snippet's lines otherwise than its `-->` line (a file with old Mac line endings showed line 0 beside `1:8`); a
/// space keeps every byte offset, and a terminal is not sent back to the start of the line either.
fn one_line_breaks(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') { ' ' } else { c });
    }
    out
}

impl miette::SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self.text.read_span(span, context_lines_before, context_lines_after)?;
        let column = if contents.column() == 0 {
            0
        } else {
            // miette names a column other than 0 only without context lines, where it is the span's own.
            let before = self.text.get(..span.offset()).unwrap_or_default();
            let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
            before.get(line_start..).map_or(contents.column(), |l| l.chars().count())
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

impl MietteView {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Self {
        let file = sources.get(d.span.file);
        let (line, col) = file.line_col(d.span.start);
        // A snippet of a very long line (a minified or generated file) helps nobody, and miette cannot lay out
        // lines wider than its formatter allows: show the header and help alone.
        let line_start = file.text[..d.span.start.min(file.text.len())].rfind('\n').map_or(0, |i| i + 1);
        let line_end =
            file.text[d.span.start.min(file.text.len())..].find('\n').map_or(file.text.len(), |i| d.span.start + i);
        let snippet = line_end - line_start <= MAX_SNIPPET_LINE && d.span.end - d.span.start <= MAX_SNIPPET_LINE;
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            (d.span.start, d.span.end.saturating_sub(d.span.start)),
        )];
        // miette shows one source per report, so secondary labels from other files are named in the help.
        let mut help = d.help.clone();
        for l in &d.labels {
            if l.span.file == d.span.file {
                labels.push(miette::LabeledSpan::new_with_span(
                    Some(l.message.clone()),
                    (l.span.start, l.span.end.saturating_sub(l.span.start)),
                ));
            } else {
                let other = sources.get(l.span.file);
                let (ol, oc) = other.line_col(l.span.start);
                let note = format!("{} ({}:{}:{})", l.message, other.name, ol, oc);
                help = Some(match help {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
            }
        }
        if !snippet {
            labels.clear();
        }
        MietteView {
            header: format!(
                "{}[{}]: {}\n  --> {}:{}:{}",
                severity_word(d.severity),
                d.code,
                d.message,
                file.name,
                line,
                col
            ),
            help,
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            source: CharColumns {
                name: file.name.clone(),
                text: if snippet { one_line_breaks(&file.text) } else { String::new() },
            },
            labels,
        }
    }
}

impl fmt::Debug for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.clone().into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_misspellings_not_other_names() {
        let names = ["product_price", "product_url", "signed_in", "collect", "offer_click"];
        let guess = |n: &str| did_you_mean(n, names.iter().copied());
        assert_eq!(guess("product_prize").as_deref(), Some("product_price"));
        assert_eq!(guess("signed_on").as_deref(), Some("signed_in"));
        assert_eq!(guess("colect").as_deref(), Some("collect"));
        assert_eq!(guess("offer_clik").as_deref(), Some("offer_click"));
        // Another declared name that differs in a whole word is no misspelling.
        assert_eq!(guess("product_pric").as_deref(), Some("product_price"));
        assert_eq!(did_you_mean("product_price", ["product_url"].into_iter()), None);
        assert_eq!(did_you_mean("page_title", ["page_url"].into_iter()), None);
    }
}
