//! The syntax tree of a policy file, as written, with a span on every node.
//!
//! The AST is what the parser produces and the checker consumes. Nothing else reads it: back ends read the
//! checked [`crate::ir`]. Clauses the grammar accepts in any order are kept as lists here, so that the checker
//! can say "missing `keep` clause" or "`for` given twice" with the right span instead of a parse error.

use crate::source::Span;

/// What a declared name is: the kind of item (or header field) that declares it. The checker's symbol tables and
/// the editor support (`ide.rs`) both use it, so that the two agree on what a name is and where it may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// The policy's id (`policy NAME { ... }`).
    Policy,
    /// A region of the header's `regions` line.
    Region,
    Signal,
    Feature,
    Data,
    Purpose,
    Recipient,
    Sites,
    Incentive,
    Event,
    /// A retention criterion (`criterion NAME TEXT`, for `keep until NAME`).
    Criterion,
    /// A source of data other than the pages (`source NAME TEXT`, for `collect ... from NAME`).
    Source,
}

impl SymbolKind {
    pub const ALL: [SymbolKind; 12] = [
        SymbolKind::Policy,
        SymbolKind::Region,
        SymbolKind::Signal,
        SymbolKind::Feature,
        SymbolKind::Data,
        SymbolKind::Purpose,
        SymbolKind::Recipient,
        SymbolKind::Sites,
        SymbolKind::Incentive,
        SymbolKind::Event,
        SymbolKind::Criterion,
        SymbolKind::Source,
    ];

    /// The kind in words, as diagnostics and hover say it.
    pub fn word(self) -> &'static str {
        match self {
            SymbolKind::Policy => "policy",
            SymbolKind::Region => "region",
            SymbolKind::Signal => "signal",
            SymbolKind::Feature => "feature",
            SymbolKind::Data => "data item",
            SymbolKind::Purpose => "purpose",
            SymbolKind::Recipient => "recipient",
            SymbolKind::Sites => "site category",
            SymbolKind::Incentive => "incentive",
            SymbolKind::Event => "event",
            SymbolKind::Criterion => "retention criterion",
            SymbolKind::Source => "source",
        }
    }

    /// The keyword that declares a name of this kind.
    pub fn keyword(self) -> &'static str {
        match self {
            SymbolKind::Policy => "policy",
            SymbolKind::Region => "regions",
            SymbolKind::Signal => "signal",
            SymbolKind::Feature => "feature",
            SymbolKind::Data => "data",
            SymbolKind::Purpose => "purpose",
            SymbolKind::Recipient => "recipient",
            SymbolKind::Sites => "sites",
            SymbolKind::Incentive => "incentive",
            SymbolKind::Event => "event",
            SymbolKind::Criterion => "criterion",
            SymbolKind::Source => "source",
        }
    }

    /// Names of one namespace can refer to each other; signals and features share one, because conditions name
    /// both.
    pub fn namespace(self) -> u8 {
        match self {
            SymbolKind::Policy => 0,
            SymbolKind::Region => 1,
            SymbolKind::Signal | SymbolKind::Feature => 2,
            SymbolKind::Data => 3,
            SymbolKind::Purpose => 4,
            SymbolKind::Recipient => 5,
            SymbolKind::Sites => 6,
            SymbolKind::Incentive => 7,
            SymbolKind::Event => 8,
            SymbolKind::Criterion => 9,
            SymbolKind::Source => 10,
        }
    }
}

/// A name with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One string of a text: in one language, or untagged (valid in every language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextPart {
    pub lang: Option<Ident>,
    pub value: String,
    pub span: Span,
}

/// The keywords that begin an item at the top level of a file: the formatter starts a new item at them, and
/// the language server offers them where an item can begin.
pub const ITEM_KEYWORDS: [&str; 16] = [
    "policy",
    "signal",
    "feature",
    "event",
    "data",
    "purpose",
    "recipient",
    "sites",
    "never",
    "collect",
    "incentive",
    "expect",
    "store",
    "criterion",
    "process",
    "source",
];

/// A text in one or more languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub parts: Vec<TextPart>,
    pub span: Span,
}

/// A whole file: its items in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Header(Header),
    Signal(Decl),
    Feature(FeatureDecl),
    /// `event NAME TEXT`.
    Event(Decl),
    Data(Decl),
    Purpose(PurposeDecl),
    Recipient(RecipientDecl),
    Sites(SitesDecl),
    Never(NeverRule),
    Collect(CollectRule),
    Incentive(IncentiveDecl),
    Expect(ExpectDecl),
    Store(StoreDecl),
    /// `criterion NAME TEXT`: a retention criterion in words.
    Criterion(Decl),
    /// `never collect DATA, ...`: data items promised never to be collected.
    NeverData(NeverData),
    /// `never sell`, `never share`, `never disclose` (or several joined by `or`): promises about recipients.
    Promise(PromiseDecl),
    /// `process DATA ... on device`: data used on the device only; its clauses are those of a collect rule.
    Process(CollectRule),
    /// `source NAME TEXT [label TEXT]`: where data comes from other than the pages.
    Source(Decl),
}

/// A field of the `policy` header block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderField {
    Name(Text),
    Controller(Text),
    /// `contact TEXT`; `None` for `contact not stated`.
    Contact(Option<Text>),
    Dpo(Text),
    Version(String),
    Languages(Vec<Ident>),
    Regions(Vec<Ident>),
    /// `established US`: where the controller is established.
    Established(Ident),
    /// `controller region R, ... TEXT`: the controller in those regions.
    RegionalController(Vec<Ident>, Text),
    /// `opt out TEXT`: the "Do Not Sell or Share" opt-out (CCPA).
    OptOut(Text),
    /// `url TEXT`: where the full privacy policy is published.
    Url(Text),
    /// `representative TEXT`: the representative in the Union (GDPR Art. 27).
    Representative(Text),
    /// `allow CODE "REASON"` in the header: a warning accepted in the whole policy.
    Allow(Allow),
}

/// `allow CODE "REASON"`: a warning the author accepts in the scope where the clause is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    /// The code as written (`W0025`); the checker says when it is not a warning's code.
    pub code: Ident,
    /// The reason and the span of its string; `None` when none was written (an error).
    pub reason: Option<(String, Span)>,
    /// The whole clause.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub id: Ident,
    /// Each field with the span of the whole field (keyword included).
    pub fields: Vec<(HeaderField, Span)>,
    pub span: Span,
}

/// A declaration that is a name and a text: `signal`, `event`, `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decl {
    pub name: Ident,
    /// `category CATEGORY` of a data item (CCPA); always `None` for a signal or an event.
    pub category: Option<Ident>,
    /// `aggregated`: a data item held only in aggregated form; always false for other declarations.
    pub aggregated: bool,
    pub text: Option<Text>,
    /// `label TEXT` of a data item: the text's form for headings and table cells; always `None` for a signal.
    pub label: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeatureDecl {
    pub name: Ident,
    /// `Some(true)` for `default on`; `None` when no default was written.
    pub default: Option<(bool, Span)>,
    pub text: Option<Text>,
    /// `opt in TEXT`: how the user actively agrees before the feature collects under consent.
    pub opt_in: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurposeClause {
    Basis(Ident),
    Interest(Text),
    SharedWith(Vec<Ident>),
    /// `direct marketing`.
    DirectMarketing,
    /// `profiling yes` is `Profiling(true)`.
    Profiling(bool),
    /// `decisions none` is `Decisions(None)`; `decisions automated TEXT` carries the logic and consequences.
    Decisions(Option<Text>),
    /// `label TEXT`: the purpose as a noun phrase, for headings and table cells.
    Label(Text),
    Text(Text),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecipientClause {
    /// `processor`: acts on the controller's behalf (GDPR Art. 28).
    Processor,
    /// `own purposes`: uses the data for its own purposes, under its own privacy policy.
    OwnPurposes,
    /// `in US`: where the recipient processes the data.
    Located(Ident),
    /// `safeguard standard_clauses`: the ground of a transfer to a third country (GDPR Art. 45-49).
    Safeguard(Ident),
    /// `sold`: a sale under the CCPA.
    Sold,
    /// `shared`: sharing for cross-context behavioral advertising under the CCPA.
    Shared,
    Text(Text),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientDecl {
    pub name: Ident,
    pub clauses: Vec<(RecipientClause, Span)>,
    pub span: Span,
}

impl RecipientDecl {
    /// The recipient's own text (its description), if written.
    pub fn text(&self) -> Option<&Text> {
        self.clauses.iter().find_map(|(c, _)| match c {
            RecipientClause::Text(t) => Some(t),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurposeDecl {
    pub name: Ident,
    pub clauses: Vec<(PurposeClause, Span)>,
    pub span: Span,
}

/// An entry of a `sites` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteEntry {
    /// A pattern as written (validated by the checker). `exact` is true for `exact host`.
    Pattern { text: String, exact: bool, span: Span },
    /// `from "path"`: the path as written and the span of the string.
    From { path: String, span: Span },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitesDecl {
    pub name: Ident,
    /// `special health`: the special category of data (GDPR Art. 9) these sites can reveal.
    pub special: Option<Ident>,
    pub text: Option<Text>,
    pub entries: Vec<SiteEntry>,
    /// `allow CODE "REASON"` lines of the block: warnings accepted for this category.
    pub allows: Vec<Allow>,
    /// Examples given explicitly (only by the data form, which has lost the difference between written and
    /// imported patterns); the policy language derives them from the patterns written in the block.
    pub examples: Option<Vec<String>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeverRule {
    pub sites: Vec<Ident>,
    pub regions: Option<Vec<Ident>>,
    pub span: Span,
}

/// `never collect DATA, ...`: a promise not to collect these data items anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeverData {
    pub data: Vec<Ident>,
    pub span: Span,
}

/// `never sell or share`: promises about recipients, each with the span of its verb.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseDecl {
    pub promises: Vec<(crate::ir::Promise, Span)>,
    pub span: Span,
}

/// A boolean condition over signals and features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Var(Ident),
    Not(Box<Cond>, Span),
    And(Vec<Cond>, Span),
    Or(Vec<Cond>, Span),
}

/// A retention period: `90 days`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duration {
    pub amount: u64,
    pub unit: String,
    pub span: Span,
}

/// What a `keep` clause says: a period, or a criterion that determines it (GDPR Art. 13(2)(a)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Retention {
    Period(Duration),
    /// `until uninstall`.
    Uninstall,
    /// `while account exists`.
    AccountExists,
    /// `until session ends`.
    SessionEnds,
    /// `until NAME`: a declared `criterion`.
    Named(Ident),
    /// `not stated`: the privacy policy the rule is written from gives neither a period nor a criterion.
    NotStated,
}

/// A `keep` clause: how long the data is kept, and whether and how long it is kept afterwards in aggregated
/// form (`then aggregated [DURATION]`; `Some(None)` is without a limit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keep {
    pub retention: Retention,
    pub aggregated: Option<Option<Duration>>,
    /// The span of `then aggregated ...`, for diagnostics about it.
    pub aggregated_span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Always,
    Never,
    /// `not stated`.
    NotStated,
    When(Cond),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectClause {
    On(Vec<Ident>),
    /// `at EVENT, ...`: the events the rule collects on (a rule without it collects on page views).
    At(Vec<Ident>),
    When(Cond),
    For(Vec<Ident>),
    Keep(Keep),
    Link(Link),
    Region(Vec<Ident>),
    /// `on device`, in a `process` rule.
    OnDevice,
    /// `from SOURCE`: the rule collects from a source other than the pages (`device`, `account` or a declared
    /// `source`), whatever page is open.
    From(Ident),
    /// `necessary TEXT`: why storing or reading on the device, or reading the page in the browser, is strictly
    /// necessary for the service the user asked for (ePrivacy Directive Art. 5(3)).
    Necessary(Text),
    /// `allow CODE "REASON"`: a warning accepted for this rule.
    Allow(Allow),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectRule {
    pub data: Vec<Ident>,
    pub clauses: Vec<(CollectClause, Span)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncentiveClause {
    Region(Vec<Ident>),
    Exchange(Vec<Ident>),
    Value(Text),
    Method(Text),
    OptIn(Text),
    Withdraw(Text),
    /// `reward stays`.
    RewardStays,
    Summary(Text),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncentiveDecl {
    pub name: Ident,
    pub clauses: Vec<(IncentiveClause, Span)>,
    pub span: Span,
}

/// A runtime setting in an `expect` line: `signed_in` or `not price_compare`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: Ident,
    pub on: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectOutcome {
    /// `collects ...`; an empty list is `collects nothing`.
    Collects(Vec<Ident>, Span),
    Links(Vec<Ident>, Span),
    /// `uses DATA, ... for PURPOSE, ...`.
    Uses(Vec<Ident>, Vec<Ident>, Span),
    /// `keeps DATA, ... RETENTION`.
    Keeps(Vec<Ident>, Retention, Span),
    /// `shares DATA, ... with RECIPIENT, ...`; an empty list is `with nobody`.
    Shares(Vec<Ident>, Vec<Ident>, Span),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectDecl {
    /// The URL decided, with its span; `None` for `expect from SOURCE`. The parser gives exactly one of `url`
    /// and `from`; the data form can give both or neither, which the checker refuses.
    pub url: Option<(String, Span)>,
    /// `from SOURCE`: what is collected from a source in the line's state, whatever page is open.
    pub from: Option<Ident>,
    /// `at EVENT`: the event decided; `None` is a page view.
    pub event: Option<Ident>,
    pub settings: Vec<Setting>,
    pub region: Option<Vec<Ident>>,
    pub outcomes: Vec<ExpectOutcome>,
    pub span: Span,
}

/// `store TYPE for NAME, ...`: the store data type of data items, or the store kind of purposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreDecl {
    pub kind: Ident,
    pub names: Vec<Ident>,
    pub span: Span,
}
