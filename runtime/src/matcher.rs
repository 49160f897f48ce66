//! The matcher: a loaded artifact that decides, per URL and context, what may be collected and linked.
//!
//! [`Matcher::from_bytes`] validates artifact bytes and reads them in place; [`Matcher::decide`] answers. A
//! decision is a few 64-bit sets (categories, data, purposes, rules), so deciding allocates nothing beyond
//! what URL parsing itself needs, and turning sets into names happens only when someone asks
//! ([`Report`](crate::report::Report) does it for the JSON form every binding prints).
//!
//! Many URLs in one context are faster through [`Matcher::decide_each`] (or [`Matcher::decide_many`]), which
//! gives the same decisions. Once a domain list is larger than the CPU's caches, a decision waits about 200 ns
//! for the one index bucket its host needs, longer than the rest of the decision takes; one call per URL waits
//! for each bucket in turn. The batch form parses a group of [`GROUP`] URLs, computes the bucket each will read
//! first and reads them all back to back: the loads are independent, so the core has them in flight together
//! and the group waits about as long as one URL did. Then it decides the group's URLs, whose buckets are in the
//! cache by then (group prefetching, as hash joins in databases do it). On lists that fit in the caches there
//! is nothing to wait for and the two forms cost about the same (BENCHMARKS.md).
//!
//! ```
//! use policyc_runtime::Matcher;
//! let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo.matcher")).unwrap();
//!
//! // Load once (every byte is validated), then decide per URL.
//! let matcher = Matcher::from_bytes(&bytes).expect("a valid artifact");
//! let mut cx = matcher.context();              // signals off, features at their defaults, no region
//! matcher.set(&mut cx, "signed_in", true).unwrap();
//! matcher.set_region(&mut cx, Some("DE")).unwrap();
//! let d = matcher.decide("https://www.shop.example/cart", &cx);
//! assert_eq!(matcher.data_names(d.collect).collect::<Vec<_>>(), ["page_url"]);
//! assert_eq!(matcher.data_names(d.linked).collect::<Vec<_>>(), ["page_url"]);
//! // Anything unknown or unparsable collects nothing.
//! assert_eq!(matcher.decide("ftp://shop.example/", &cx).collect, 0);
//!
//! // Many URLs in one context: the same decisions, in order, with the memory accesses overlapped.
//! let urls = ["https://www.shop.example/cart", "ftp://shop.example/"];
//! let many = matcher.decide_many(urls, &cx);
//! assert_eq!(many, urls.map(|u| matcher.decide(u, &cx)));
//! ```

use crate::artifact::{self, tag, ArtifactError};
use crate::cond::{self, Op};
use crate::index::Index;
use crate::retention::Retention;
use crate::urlnorm::{self, UrlError};
use regex_automata::dfa::{sparse, Automaton};
use regex_automata::util::start;
use regex_automata::Anchored;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The flag of a domain-index value that says longer keys end in this one (`shop.example.com` under
/// `example.com`), so a lookup that starts from a host's shortest suffix must go on.
pub const LONGER: u32 = 0x8000;
/// The class part of a domain-index value for an entry that is no key itself, only a step towards longer ones.
pub const NO_CLASS: u32 = 0x7FFF;

/// A runtime variable: a signal (default off) or a feature switch (default as declared).
///
/// It carries the policy's texts for it, by language code, so that a component can label a switch in its own
/// settings page with the words the disclosure uses, and keep them right when a newer artifact arrives (format 3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Var {
    pub name: String,
    pub feature: bool,
    pub default: bool,
    /// The name of a feature switch or the condition a signal stands for, as (language, text) pairs sorted
    /// by language.
    pub label: Vec<(String, String)>,
    /// How the user actively agrees before the feature collects under consent (features only; may be empty),
    /// sorted by language like `label`.
    pub opt_in: Vec<(String, String)>,
}

/// An event a collect rule can be triggered by instead of a page view (`offer_click`), reported by the host
/// component with the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    pub name: String,
    /// What the user does, as (language, text) pairs sorted by language: "you click an offer".
    pub label: Vec<(String, String)>,
}

/// The name of the event every policy knows without declaring it: a page view. It is event 0 of every
/// artifact; declared events follow from 1.
pub const PAGE_VIEW: &str = "page_view";

/// What a domain-index entry means: categories matched by the domain and its subdomains (`sub`), by this
/// exact host (`exact`), and whether path patterns are anchored here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Class {
    pub sub: u64,
    pub exact: u64,
    pub paths: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeverRow {
    pub sites: u64,
    /// 0: every region.
    pub regions: u64,
    pub origin: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkRow {
    Never,
    Always,
    When(Vec<Op>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectRow {
    pub sites: u64,
    /// 0: every region.
    pub regions: u64,
    pub when: Option<Vec<Op>>,
    pub data: u64,
    pub purposes: u64,
    pub keep: Retention,
    pub link: LinkRow,
    /// The `when` and `link to account` clauses as written, for explanations.
    pub when_text: Option<String>,
    pub link_text: String,
    pub origin: String,
    /// The events the rule collects on: bit 0 is a page view, bit `i + 1` is `Meta::events[i]`. A rule the
    /// policy wrote without `at` has only bit 0.
    pub events: u64,
}

/// A rule that collects independently of the page (`collect DATA from SOURCE ...`): it holds in a context
/// (signals, features, region), whatever URL is open, so it has no sites and no events (format 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndependentRow {
    /// The index of the rule's source in `Meta::sources`.
    pub source: u8,
    /// 0: every region.
    pub regions: u64,
    pub when: Option<Vec<Op>>,
    pub data: u64,
    pub purposes: u64,
    pub keep: Retention,
    pub link: LinkRow,
    /// The `when` and `link to account` clauses as written, for explanations.
    pub when_text: Option<String>,
    pub link_text: String,
    pub origin: String,
}

/// The rule tables of an artifact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub policy_id: String,
    pub version: String,
    pub categories: Vec<String>,
    pub data: Vec<String>,
    pub purposes: Vec<String>,
    pub vars: Vec<Var>,
    pub regions: Vec<String>,
    pub classes: Vec<Class>,
    /// Category of each path pattern of the DFA, by pattern id.
    pub path_categories: Vec<u8>,
    pub never: Vec<NeverRow>,
    pub collect: Vec<CollectRow>,
    /// The declared events, in declaration order (at most 63: the page view takes the first bit of a rule's
    /// event set).
    pub events: Vec<EventRow>,
    /// Where data collected independently of the page comes from: the built-in `device` and `account`, then the
    /// sources the policy declares, in declaration order (format 4).
    pub sources: Vec<String>,
    /// The rules that collect from a source, in policy order (format 4).
    pub independent: Vec<IndependentRow>,
}

/// What a decision depends on besides the URL: the signals and feature switches the host component
/// reports, and the user's region.
///
/// The event being decided is part of it: a page view unless the host component says otherwise with
/// [`Matcher::set_event`] (the user clicked an offer, reached an order confirmation).
///
/// Its fields are private so that it can grow without breaking anyone who embeds the runtime. Build one with
/// [`Matcher::context`], then [`Matcher::set`], [`Matcher::set_region`] and [`Matcher::set_event`], or from
/// names with [`Settings::context`](crate::report::Settings::context).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    vars: u64,
    region: Option<u8>,
    /// 0: a page view; `i + 1`: `Meta::events[i]`.
    event: u8,
}

impl Context {
    /// The event this context decides: 0 for a page view, `i + 1` for [`Matcher::events`]`[i]`.
    pub fn event(&self) -> u8 {
        self.event
    }
}

/// The name this type had before it carried more than the runtime state; kept so that code written against
/// it keeps compiling.
pub type State = Context;

/// A decision as sets of indices into the matcher's tables; [`Matcher`] turns them into names.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Decision {
    /// Why the URL could not be decided; always with nothing collected.
    pub error: Option<UrlError>,
    /// Site categories the URL falls in.
    pub sites: u64,
    /// Data items that may be collected.
    pub collect: u64,
    /// Collected data items that may be linked to the account.
    pub linked: u64,
    pub purposes: u64,
    /// Collect rules that fired.
    pub rules: u64,
    /// Never rules that blocked collection.
    pub blocked_by: u64,
    /// The event decided: 0 for a page view, `i + 1` for [`Matcher::events`]`[i]`.
    pub event: u8,
}

/// What may be collected independently of the page in one context: the rules from a source (the device, the
/// account, a source the policy declares) that hold, as sets of indices into the matcher's tables.
///
/// A page decision ([`Decision`]) never includes these: a component asks for them once per change of state
/// ([`Matcher::decide_sources`]), not per URL.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SourceDecision {
    /// Data items that may be collected, from any source.
    pub collect: u64,
    /// Of those, the items that may be linked to the account.
    pub linked: u64,
    pub purposes: u64,
    /// The rules that hold: bit `i` is [`Meta::independent`]`[i]`.
    pub rules: u64,
    /// The rules among `rules` whose link clause holds, so that linkage can be told per source.
    pub linking: u64,
}

/// How many URLs [`Matcher::decide_each`] parses and touches before deciding them: enough independent cache
/// misses to keep the memory system busy (a core has a dozen or more miss buffers), few enough that the
/// group's buckets are still in the cache when their URLs are decided.
pub const GROUP: usize = 16;

/// The first lookup of a host's domain walk: where the host's last two labels start, and the home bucket of
/// that key in the domain index.
#[derive(Clone, Copy, Debug)]
struct FirstProbe {
    start: usize,
    home: usize,
}

/// A loaded artifact, borrowing its bytes.
pub struct Matcher<'a> {
    meta: Meta,
    policy_hash: [u8; 32],
    domains: Index<'a>,
    wild: Index<'a>,
    psl: Index<'a>,
    dfa: Option<sparse::DFA<&'a [u8]>>,
}

impl std::fmt::Debug for Matcher<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("policy", &self.meta.policy_id)
            .field("policy_hash", &self.policy_hash())
            .field("domains", &self.domains.len())
            .field("wildcards", &self.wild.len())
            .field("path_patterns", &self.meta.path_categories.len())
            .finish()
    }
}

/// What a name was given as: a switch (a signal or feature), a region, or an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Switch,
    Region,
    Event,
}

/// A name the context does not know: a signal, feature, region or event the policy does not declare. It says
/// what the name was given as and what was likely meant, in one line, as every runtime (Rust, WebAssembly,
/// Python) reports it: `` `de` is not a region of this policy; did you mean `DE`? ``.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The name as given.
    pub name: String,
    pub kind: NameKind,
    /// What was likely meant (`did you mean \`DE\`?`), or the names the policy declares of that kind.
    pub help: String,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            NameKind::Switch => "a signal or feature",
            NameKind::Region => "a region",
            NameKind::Event => "an event",
        };
        write!(f, "`{}` is not {what} of this policy; {}", self.name, self.help)
    }
}

/// The closest of `names` to `name` when it is a likely typo: a quarter of its characters may differ (the
/// compiler's rule for its own suggestions), or only the letter case.
pub(crate) fn closest<'n>(name: &str, names: impl Iterator<Item = &'n str> + Clone) -> Option<&'n str> {
    if let Some(same) = names.clone().find(|n| n.eq_ignore_ascii_case(name)) {
        return Some(same);
    }
    let limit = (name.chars().count() / 4).max(1);
    names.map(|n| (strsim::damerau_levenshtein(name, n), n)).filter(|(d, _)| *d <= limit).min().map(|(_, n)| n)
}

/// `` `a`, `b` `` for a help line.
fn quoted<'n>(names: impl Iterator<Item = &'n str>) -> String {
    names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

impl std::error::Error for UnknownName {}

/// The positions of the set bits of a mask, lowest first.
pub fn bits(mask: u64) -> impl Iterator<Item = usize> {
    (0..64).filter(move |i| mask >> i & 1 == 1)
}

/// The names at the set bits of `mask`; bits past the end of `names` are skipped (validation makes that
/// impossible for masks the matcher produced).
fn names(names: &[String], mask: u64) -> impl Iterator<Item = &str> {
    bits(mask).filter_map(move |i| names.get(i).map(String::as_str))
}

impl<'a> Matcher<'a> {
    /// Validates and loads an artifact. Untrusted bytes give an [`ArtifactError`], never a panic.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Matcher<'a>, ArtifactError> {
        let parsed = artifact::parse(bytes)?;
        let (meta, rest): (Meta, _) = postcard::take_from_bytes(parsed.section(tag::META)?)
            .map_err(|e| ArtifactError::new(format!("artifact rule tables are malformed: {e}")))?;
        if !rest.is_empty() {
            return Err(ArtifactError::new("artifact rule tables have trailing bytes"));
        }
        validate_meta(&meta)?;
        let classes = meta.classes.len() as u32;
        fn idx<'a>(
            parsed: &artifact::Parsed<'a>,
            (strings, buckets): (u32, u32),
            valid: impl Fn(u32) -> bool,
        ) -> Result<Index<'a>, ArtifactError> {
            Index::new(parsed.section(strings)?, parsed.section(buckets)?, valid)
                .map_err(|m| ArtifactError::new(format!("artifact index is malformed: {m}")))
        }
        let domains = idx(&parsed, (tag::DOMAIN_STRINGS, tag::DOMAIN_SLOTS), |v| {
            let class = v & !LONGER;
            class < classes || (class == NO_CLASS && v & LONGER != 0)
        })?;
        let wild = idx(&parsed, (tag::WILD_STRINGS, tag::WILD_SLOTS), |v| v < classes)?;
        let psl = idx(&parsed, (tag::PSL_STRINGS, tag::PSL_SLOTS), |v| v <= 7)?;
        let dfa_bytes = parsed.section(tag::PATH_DFA)?;
        let dfa = if dfa_bytes.is_empty() {
            None
        } else {
            let (dfa, read) = sparse::DFA::from_bytes(dfa_bytes)
                .map_err(|e| ArtifactError::new(format!("artifact path automaton is malformed: {e}")))?;
            if read != dfa_bytes.len() {
                return Err(ArtifactError::new("artifact path automaton has trailing bytes"));
            }
            if dfa.pattern_len() != meta.path_categories.len() {
                return Err(ArtifactError::new("artifact path automaton and its table disagree"));
            }
            Some(dfa)
        };
        if dfa.is_none() && !meta.path_categories.is_empty() {
            return Err(ArtifactError::new("artifact lists path patterns but has no automaton"));
        }
        Ok(Matcher { meta, policy_hash: parsed.policy_hash, domains, wild, psl, dfa })
    }

    /// The policy's content hash, as lowercase hex: the hash `policyc compile` prints, which every log line and
    /// report should carry so that an audit can find the artifact that decided it.
    pub fn policy_hash(&self) -> String {
        artifact::hex(&self.policy_hash)
    }

    /// The rule tables, for tools that explain decisions.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The policy's identifier (`shopping_assistant`).
    pub fn policy_id(&self) -> &str {
        &self.meta.policy_id
    }

    /// The policy's version as its author wrote it.
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// The data items, in declaration order: bit `i` of a decision's `collect` and `linked` is item `i`.
    pub fn data(&self) -> &[String] {
        &self.meta.data
    }

    /// The purposes, in declaration order.
    pub fn purposes(&self) -> &[String] {
        &self.meta.purposes
    }

    /// The site categories, in declaration order.
    pub fn categories(&self) -> &[String] {
        &self.meta.categories
    }

    /// The regions a context can name.
    pub fn regions(&self) -> &[String] {
        &self.meta.regions
    }

    /// The signals the host component reports (each off unless set).
    pub fn signals(&self) -> impl Iterator<Item = &str> {
        self.meta.vars.iter().filter(|v| !v.feature).map(|v| v.name.as_str())
    }

    /// The feature switches, with their declared defaults.
    pub fn features(&self) -> impl Iterator<Item = (&str, bool)> {
        self.meta.vars.iter().filter(|v| v.feature).map(|v| (v.name.as_str(), v.default))
    }

    /// The policy's text for a signal or feature switch in a language (`None` if the name or the language is
    /// unknown): a feature's label ("Price comparison") or the condition a signal stands for.
    pub fn label(&self, name: &str, lang: &str) -> Option<&str> {
        in_lang(&self.var(name)?.label, lang)
    }

    /// How the user agrees to a feature before it collects under consent, in a language, where the policy says.
    pub fn opt_in(&self, name: &str, lang: &str) -> Option<&str> {
        in_lang(&self.var(name)?.opt_in, lang)
    }

    /// The languages the policy's texts are in, as the artifact lists them for its switches.
    pub fn languages(&self) -> Vec<&str> {
        let mut langs: Vec<&str> =
            self.meta.vars.iter().flat_map(|v| v.label.iter().map(|(l, _)| l.as_str())).collect();
        langs.sort_unstable();
        langs.dedup();
        langs
    }

    fn var(&self, name: &str) -> Option<&Var> {
        self.meta.vars.iter().find(|v| v.name == name)
    }

    /// The declared events, in declaration order, without the page view (which every policy has; see
    /// [`PAGE_VIEW`]).
    pub fn events(&self) -> impl Iterator<Item = &str> {
        self.meta.events.iter().map(|e| e.name.as_str())
    }

    /// The name of event `i` of a decision: [`PAGE_VIEW`] for 0.
    pub fn event_name(&self, i: u8) -> &str {
        match i.checked_sub(1) {
            None => PAGE_VIEW,
            Some(j) => self.meta.events.get(usize::from(j)).map_or(PAGE_VIEW, |e| e.name.as_str()),
        }
    }

    /// The context with every signal off and every feature at its declared default, in no region, for a page
    /// view.
    pub fn context(&self) -> Context {
        let vars = self.meta.vars.iter().enumerate().fold(0, |m, (i, v)| m | (u64::from(v.default) << i));
        Context { vars, region: None, event: 0 }
    }

    /// The same as [`Matcher::context`], under its earlier name.
    pub fn default_state(&self) -> Context {
        self.context()
    }

    /// The error for `name` given as a `kind` the policy does not declare, with what was likely meant.
    fn unknown(&self, name: &str, kind: NameKind) -> UnknownName {
        let switches = self.meta.vars.iter().map(|v| v.name.as_str());
        let regions = self.meta.regions.iter().map(String::as_str);
        let events = self.meta.events.iter().map(|e| e.name.as_str());
        let (own, what): (Vec<&str>, &str) = match kind {
            NameKind::Switch => (switches.clone().collect(), "signals and features"),
            NameKind::Region => (regions.clone().collect(), "regions"),
            NameKind::Event => (events.clone().collect(), "events"),
        };
        let elsewhere = match kind {
            NameKind::Switch if regions.clone().any(|r| r == name) => Some("it is a region (set it as the region)"),
            NameKind::Region if switches.clone().any(|v| v == name) => {
                Some("it is a signal or feature (set it as a switch)")
            }
            _ => None,
        };
        let suggestion = match kind {
            // Region codes are two letters, so a near miss by spelling is another country (`ES` for `US`): only
            // a difference of case is taken for a typo, and a country of which the policy names a part is
            // pointed to that part.
            NameKind::Region => own
                .iter()
                .find(|r| r.eq_ignore_ascii_case(name))
                .map(|r| format!("did you mean `{r}`?"))
                .or_else(|| {
                    own.iter().find(|r| r.strip_prefix(name).is_some_and(|rest| rest.starts_with('-'))).map(|part| {
                        format!("it names only a part of `{name}`, `{part}`; a user elsewhere there has no region")
                    })
                }),
            _ => closest(name, own.iter().copied()).map(|best| format!("did you mean `{best}`?")),
        };
        let help = match (elsewhere, suggestion) {
            (Some(other), _) => other.to_string(),
            (None, Some(help)) => help,
            (None, None) if own.is_empty() => format!("it declares no {what}"),
            (None, None) => format!("its {what} are {}", quoted(own.iter().copied())),
        };
        let help = match kind {
            NameKind::Event => format!("{help} (a page view is `{PAGE_VIEW}`)"),
            _ => help,
        };
        UnknownName { name: name.to_string(), kind, help }
    }

    /// Sets a signal or feature switch by name.
    pub fn set(&self, cx: &mut Context, name: &str, on: bool) -> Result<(), UnknownName> {
        let i =
            self.meta.vars.iter().position(|v| v.name == name).ok_or_else(|| self.unknown(name, NameKind::Switch))?;
        cx.vars = (cx.vars & !(1 << i)) | (u64::from(on) << i);
        Ok(())
    }

    /// Sets the region; `None` means unknown, in which region-scoped collect rules do not apply and
    /// region-scoped `never` rules do (the matcher fails closed).
    pub fn set_region(&self, cx: &mut Context, region: Option<&str>) -> Result<(), UnknownName> {
        cx.region = match region {
            None => None,
            Some(r) => {
                Some(self.meta.regions.iter().position(|x| x == r).ok_or_else(|| self.unknown(r, NameKind::Region))?
                    as u8)
            }
        };
        Ok(())
    }

    /// Sets the event being decided; `None` and `page_view` mean a page view. An event the policy does not
    /// declare is an error, never a page view: a component that reports a click the policy has no word for
    /// must not collect what page views collect.
    pub fn set_event(&self, cx: &mut Context, event: Option<&str>) -> Result<(), UnknownName> {
        cx.event = match event {
            None | Some(PAGE_VIEW) => 0,
            Some(e) => {
                let i = self
                    .meta
                    .events
                    .iter()
                    .position(|x| x.name == e)
                    .ok_or_else(|| self.unknown(e, NameKind::Event))?;
                // Validation bounds the events by 63, so `i + 1` fits.
                u8::try_from(i + 1).map_err(|_| self.unknown(e, NameKind::Event))?
            }
        };
        Ok(())
    }

    /// Decides a URL. A URL that does not parse collects nothing, and its decision still names the event it was
    /// asked for, as every other decision does (and as [`Report::decide`](crate::report::Report::decide) reports it).
    pub fn decide(&self, url: &str, cx: &Context) -> Decision {
        match urlnorm::parse(url) {
            Ok(u) => self.decide_parsed(&u, cx),
            Err(e) => Decision { error: Some(e), event: cx.event, ..Decision::default() },
        }
    }

    /// Decides many URLs in one context: the decisions, in input order, each equal to what [`Matcher::decide`]
    /// gives for its URL, but faster once the lists are larger than the CPU's caches (see
    /// [`Matcher::decide_each`]).
    pub fn decide_many<'u>(&self, urls: impl IntoIterator<Item = &'u str>, cx: &Context) -> Vec<Decision> {
        let urls = urls.into_iter();
        let mut out = Vec::with_capacity(urls.size_hint().0);
        self.decide_each(urls, cx, |_, _, d| out.push(d));
        out
    }

    /// Decides many URLs in one context and calls `each` with every URL, its normalised host (`None` when the
    /// URL could not be parsed) and its decision, in input order. Each decision is the one [`Matcher::decide`]
    /// gives for the URL alone; what changes is the order in which the work is done.
    ///
    /// Once a domain list is larger than the caches, a decision's cost is one trip to memory for the index
    /// bucket of the host (about 200 ns; everything else a decision does takes under 100 ns), and deciding URLs
    /// one by one makes those trips one after another. So the URLs go in groups of [`GROUP`]: each URL of a
    /// group is parsed and the bucket its domain walk reads first is computed; then the group's buckets are
    /// touched in a tight loop of independent loads, which the processor keeps in flight together (a core
    /// tracks a dozen or more outstanding cache misses); then each URL is decided, its bucket in the cache by
    /// now. This is group prefetching, as database hash joins do it. The loads are plain reads rather than
    /// prefetch instructions, which Rust offers only through `unsafe`; the crate has none.
    ///
    /// Measured (BENCHMARKS.md, run E): at a million domains 0.55 to 0.82 of the time of one `decide` per URL;
    /// when the index is in the cache a few nanoseconds more per URL (5% more instructions, the group's
    /// bookkeeping).
    ///
    /// Nothing is allocated per URL beyond what parsing it needs (a URL off the fast path), and the only buffer
    /// (the group) is allocated once per call.
    pub fn decide_each<'u>(
        &self,
        urls: impl IntoIterator<Item = &'u str>,
        cx: &Context,
        mut each: impl FnMut(&'u str, Option<&str>, Decision),
    ) {
        type Parsed<'u> = Result<urlnorm::ParsedUrl<'u>, UrlError>;
        let mut urls = urls.into_iter();
        let mut group: Vec<(&'u str, Parsed<'u>, Option<FirstProbe>)> = Vec::with_capacity(GROUP);
        loop {
            group.extend(urls.by_ref().take(GROUP).map(|url| {
                let parsed = urlnorm::parse(url);
                let first = parsed.as_ref().ok().and_then(|u| self.first_probe(u.host()));
                (url, parsed, first)
            }));
            if group.is_empty() {
                return;
            }
            // Only loads here, nothing that depends on them: the group's misses overlap.
            let mut heads = 0u8;
            for (_, _, first) in &group {
                if let Some(probe) = first {
                    heads ^= self.domains.touch(probe.home);
                }
            }
            std::hint::black_box(heads);
            // By reference: moving the parsed URLs out would copy them once more.
            for (url, parsed, first) in &group {
                match parsed {
                    Ok(u) => {
                        let d = self.decide_parsed_from(u, *first, cx);
                        each(url, Some(u.host()), d);
                    }
                    Err(e) => {
                        each(url, None, Decision { error: Some(e.clone()), event: cx.event, ..Decision::default() })
                    }
                }
            }
            group.clear();
        }
    }

    /// Decides a URL already parsed with [`urlnorm::parse`].
    pub fn decide_parsed(&self, u: &urlnorm::ParsedUrl<'_>, cx: &Context) -> Decision {
        self.decide_parsed_from(u, self.first_probe(u.host()), cx)
    }

    /// [`Matcher::decide_parsed`] with the host's first domain probe already computed.
    #[inline]
    fn decide_parsed_from(&self, u: &urlnorm::ParsedUrl<'_>, first: Option<FirstProbe>, cx: &Context) -> Decision {
        // The path is normalised only if a path pattern could match: most URLs never need it.
        self.decide_with(u.host(), first, || u.path(), cx)
    }

    /// Decides an already normalised host and path (see [`urlnorm`]).
    pub fn decide_parts(&self, host: &str, path: &str, cx: &Context) -> Decision {
        self.decide_with(host, self.first_probe(host), || Cow::Borrowed(path), cx)
    }

    fn decide_with<'p>(
        &self,
        host: &str,
        first: Option<FirstProbe>,
        path: impl FnOnce() -> Cow<'p, str>,
        cx: &Context,
    ) -> Decision {
        let sites = self.site_mask(host, first, path);
        let region_ok = |mask: u64| region_applies(mask, cx.region);
        let mut d = Decision { sites, event: cx.event, ..Decision::default() };
        if sites == 0 {
            return d;
        }
        for (i, n) in self.meta.never.iter().enumerate() {
            // An unknown region cannot exempt a URL from a region-scoped `never` rule.
            let applies = n.regions == 0 || cx.region.is_none() || region_ok(n.regions);
            if applies && n.sites & sites != 0 {
                d.blocked_by |= 1 << i;
            }
        }
        if d.blocked_by != 0 {
            return d;
        }
        for (i, r) in self.meta.collect.iter().enumerate() {
            if r.sites & sites == 0 || !region_ok(r.regions) || r.events >> cx.event & 1 == 0 {
                continue;
            }
            if let Some(when) = &r.when {
                if !cond::eval(when, cx.vars) {
                    continue;
                }
            }
            d.rules |= 1 << i;
            d.collect |= r.data;
            d.purposes |= r.purposes;
            if link_holds(&r.link, cx.vars) {
                d.linked |= r.data;
            }
        }
        d
    }

    /// Decides what may be collected independently of the page in a context: every rule from a source whose
    /// region and condition hold. The context's event plays no part (such rules hold whatever the user does); an
    /// unknown region, as for page rules, lets no region-scoped rule apply.
    pub fn decide_sources(&self, cx: &Context) -> SourceDecision {
        let mut d = SourceDecision::default();
        for (i, r) in self.meta.independent.iter().enumerate() {
            if !region_applies(r.regions, cx.region) || r.when.as_deref().is_some_and(|w| !cond::eval(w, cx.vars)) {
                continue;
            }
            d.rules |= 1 << i;
            d.collect |= r.data;
            d.purposes |= r.purposes;
            if link_holds(&r.link, cx.vars) {
                d.linked |= r.data;
                d.linking |= 1 << i;
            }
        }
        d
    }

    /// The sources, in table order: `device`, `account`, then the policy's own.
    pub fn sources(&self) -> &[String] {
        &self.meta.sources
    }

    /// The data items a source decision allows from one source, as a data mask; 0 for a source the policy does
    /// not know (fail closed).
    pub fn collects_from(&self, d: &SourceDecision, source: &str) -> u64 {
        let Some(s) = self.meta.sources.iter().position(|x| x == source) else { return 0 };
        bits(d.rules)
            .filter_map(|i| self.meta.independent.get(i))
            .filter(|r| usize::from(r.source) == s)
            .fold(0, |m, r| m | r.data)
    }

    /// The class of an index entry; validation bounds every value by the number of classes.
    fn class(&self, c: u32) -> Class {
        self.meta.classes.get(c as usize).copied().unwrap_or_default()
    }

    /// The site categories a normalised host and path fall in; `path` is called at most once, and only when a
    /// path pattern is anchored at one of the host's suffixes.
    fn site_mask<'p>(&self, host: &str, first: Option<FirstProbe>, path: impl FnOnce() -> Cow<'p, str>) -> u64 {
        let mut path = Some(path);
        let mut path_value: Option<Cow<'p, str>> = None;
        let mut get_path = move || -> Cow<'p, str> {
            if let Some(f) = path.take() {
                path_value = Some(f());
            }
            path_value.clone().unwrap_or(Cow::Borrowed("/"))
        };
        let mut cats = 0u64;
        let mut need_dfa = false;
        self.walk_domains(host, first, &mut 0, |class, whole| {
            cats |= class.sub;
            if whole {
                cats |= class.exact;
            }
            need_dfa |= class.paths;
        });
        if need_dfa {
            cats |= self.path_matches(&[host.as_bytes(), get_path().as_bytes()]);
        }
        // The public suffix is looked up only for a host that has a `name.*` label somewhere: the label right
        // before the suffix is one of the host's labels but the last, so a host with none of them cannot match,
        // and asking the small wildcard index about each label costs less than the suffix lookup.
        if self.has_wild_label(host) {
            // Only a suffix the ICANN section lists counts: `ebay.*` promises `ebay` under a public suffix, and
            // a name the list does not know (`ebay.local`) is not one.
            let start = crate::psl::listed_suffix_start(&self, host).unwrap_or(0);
            if let Some(before) = start.checked_sub(1).filter(|b| *b > 0).and_then(|b| host.get(..b)) {
                // A plain byte scan, like `last_dot` everywhere else: `rsplit`'s searcher costs more to set up
                // than a label takes to scan, most of all in WebAssembly, where it is a byte loop anyway.
                let label =
                    last_dot(before.as_bytes(), before.len()).and_then(|d| before.get(d + 1..)).unwrap_or(before);
                if let Some(c) = self.wild.get(label.as_bytes()) {
                    let class = self.class(c);
                    cats |= class.sub;
                    if class.paths {
                        cats |= self.path_matches(&[before.as_bytes(), b".*", get_path().as_bytes()]);
                    }
                }
            }
        }
        cats
    }

    /// Whether a label of `host` other than its last is a key of the wildcard index.
    fn has_wild_label(&self, host: &str) -> bool {
        if self.wild.is_empty() {
            return false;
        }
        let b = host.as_bytes();
        let Some(mut end) = last_dot(b, b.len()) else { return false };
        loop {
            let start = last_dot(b, end).map_or(0, |d| d + 1);
            if b.get(start..end).is_some_and(|label| self.wild.get(label).is_some()) {
                return true;
            }
            match start.checked_sub(1) {
                Some(dot) if dot > 0 => end = dot,
                _ => return false,
            }
        }
    }

    /// Looks up the host's suffixes of two labels and more in the domain index, shortest first (the first as
    /// `first`, from [`Matcher::first_probe`]), and calls
    /// `found` with the class of each that is a key and whether it is the whole host. A single label is never a
    /// key (it is a public suffix by the implicit `*` rule, and the checker refuses patterns that cover one).
    ///
    /// The walk stops at the first suffix the index has no entry for, or whose entry says that no longer key
    /// ends in it ([`LONGER`]; the compiler adds such an entry for every suffix of a longer key). So a host that
    /// no key concerns costs one probe, whatever its number of labels, and no suffix longer than the longest key
    /// is hashed: the cost is linear in the host's length. `buckets_read` counts the index buckets read, each one
    /// cache line.
    fn walk_domains(
        &self,
        host: &str,
        first: Option<FirstProbe>,
        buckets_read: &mut usize,
        mut found: impl FnMut(Class, bool),
    ) {
        let Some(FirstProbe { mut start, home }) = first else { return };
        let mut value = host.get(start..).and_then(|s| self.domains.get_at(s.as_bytes(), home, buckets_read));
        while let Some(v) = value {
            if v & !LONGER != NO_CLASS {
                found(self.class(v & !LONGER), start == 0);
            }
            if v & LONGER == 0 || start == 0 {
                return;
            }
            start = last_dot(host.as_bytes(), start - 1).map_or(0, |p| p + 1);
            value = host.get(start..).and_then(|s| self.domains.get_counting(s.as_bytes(), buckets_read));
        }
    }

    /// The first probe of the domain walk for `host` (its last two labels and their home bucket), if the walk
    /// probes at all: what [`Matcher::decide_each`] touches ahead of deciding.
    #[inline]
    fn first_probe(&self, host: &str) -> Option<FirstProbe> {
        let start = first_key_start(host)?;
        let home = self.domains.home_bucket(host.get(start..)?.as_bytes())?;
        Some(FirstProbe { start, home })
    }

    /// The number of domain-index buckets (cache lines) a decision reads for `host`: what a decision costs
    /// once the lists are larger than the caches. For benchmarks and tests.
    pub fn domain_buckets_read(&self, host: &str) -> usize {
        let mut read = 0;
        self.walk_domains(host, self.first_probe(host), &mut read, |_, _| {});
        read
    }

    /// Runs the path automaton, anchored, over the concatenation of `parts`, and returns the categories of
    /// every pattern that matches a prefix of it.
    fn path_matches(&self, parts: &[&[u8]]) -> u64 {
        let Some(dfa) = &self.dfa else { return 0 };
        let Ok(mut sid) = dfa.start_state(&start::Config::new().anchored(Anchored::Yes)) else { return 0 };
        let mut cats = 0u64;
        let mut collect = |sid| {
            if dfa.is_match_state(sid) {
                for i in 0..dfa.match_len(sid) {
                    let p = dfa.match_pattern(sid, i).as_usize();
                    if let Some(c) = self.meta.path_categories.get(p) {
                        cats |= 1u64 << (c & 63);
                    }
                }
            }
        };
        for part in parts {
            for &b in *part {
                sid = dfa.next_state(sid, b);
                collect(sid);
                if dfa.is_dead_state(sid) {
                    return cats;
                }
            }
        }
        collect(dfa.next_eoi_state(sid));
        cats
    }

    /// The data items of a mask, in declaration order.
    pub fn data_names(&self, mask: u64) -> impl Iterator<Item = &str> {
        names(&self.meta.data, mask)
    }

    /// The purposes of a mask, in declaration order.
    pub fn purpose_names(&self, mask: u64) -> impl Iterator<Item = &str> {
        names(&self.meta.purposes, mask)
    }

    /// The site categories of a mask, in declaration order.
    pub fn category_names(&self, mask: u64) -> impl Iterator<Item = &str> {
        names(&self.meta.categories, mask)
    }

    /// The collect rules that fired in a decision and collect data item `data` (its index in
    /// [`Meta::data`]), with their indexes among the artifact's collect rules: what one item was collected for,
    /// and for how long, rule by rule.
    pub fn rules_collecting<'s>(
        &'s self,
        d: &Decision,
        data: usize,
    ) -> impl Iterator<Item = (usize, &'s CollectRow)> + 's {
        bits(d.rules)
            .filter_map(|ri| self.meta.collect.get(ri).map(|r| (ri, r)))
            .filter(move |(_, r)| r.data >> data & 1 == 1)
    }

    /// The retention of each collected data item: the longest over the rules that fired for it (a criterion
    /// counts as longer than any period, see [`Retention::longest_key`]).
    pub fn retention(&self, d: &Decision) -> Vec<(&str, &Retention)> {
        bits(d.collect)
            .filter_map(|di| {
                let keep = self
                    .rules_collecting(d, di)
                    .map(|(_, r)| &r.keep)
                    .max_by(|a, b| a.longest_key().cmp(&b.longest_key()))?;
                Some((self.meta.data.get(di)?.as_str(), keep))
            })
            .collect()
    }
}

/// The position of the last `.` in `bytes[..end]`. A plain backward scan: labels are short, and `rfind`'s
/// searcher costs more to set up than it saves.
#[inline]
fn last_dot(bytes: &[u8], end: usize) -> Option<usize> {
    bytes.get(..end).and_then(|b| b.iter().rposition(|&c| c == b'.'))
}

/// Where the host's last two labels start: the first key the domain walk looks up. `None` for a single label,
/// which is never a key.
#[inline]
fn first_key_start(host: &str) -> Option<usize> {
    let bytes = host.as_bytes();
    let dot = last_dot(bytes, bytes.len())?;
    Some(last_dot(bytes, dot).map_or(0, |p| p + 1))
}

impl crate::psl::RuleLookup for &Matcher<'_> {
    fn rule(&self, domain: &str) -> u8 {
        self.psl.get(domain.as_bytes()).map(|f| f as u8).unwrap_or(0)
    }
}

/// Whether a collect rule with region mask `mask` applies in `region`: a mask of 0 is every region, and an
/// unknown region lets no region-scoped rule apply (fail closed).
fn region_applies(mask: u64, region: Option<u8>) -> bool {
    match region {
        _ if mask == 0 => true,
        Some(r) => mask >> r & 1 == 1,
        None => false,
    }
}

/// Whether a fired rule's data may be linked to the account under the variables `vars`.
fn link_holds(link: &LinkRow, vars: u64) -> bool {
    match link {
        LinkRow::Never => false,
        LinkRow::Always => true,
        LinkRow::When(c) => cond::eval(c, vars),
    }
}

/// The text of a (language, text) table in one language.
fn in_lang<'t>(texts: &'t [(String, String)], lang: &str) -> Option<&'t str> {
    texts.iter().find(|(l, _)| l == lang).map(|(_, t)| t.as_str())
}

/// Cross-checks the rule tables, so that decisions never index out of bounds.
fn validate_meta(m: &Meta) -> Result<(), ArtifactError> {
    let bad = |what: &str| Err(ArtifactError::new(format!("artifact rule tables are inconsistent: {what}")));
    let too_many = [m.categories.len(), m.data.len(), m.purposes.len(), m.vars.len(), m.regions.len()];
    if too_many.iter().any(|n| *n > 64)
        || m.never.len() > 64
        || m.collect.len() > 64
        || m.independent.len() > 64
        || m.sources.len() > 64
    {
        return bad("more than 64 entries in a table");
    }
    fn unique<'n>(names: impl Iterator<Item = &'n String>) -> bool {
        let mut seen = std::collections::BTreeSet::new();
        names.into_iter().all(|n| seen.insert(n))
    }
    if !unique(m.vars.iter().map(|v| &v.name)) || !unique(m.regions.iter()) || !unique(m.sources.iter()) {
        return bad("a signal, feature, region or source name is given twice");
    }
    // The page view is event 0 of every artifact, so no declared event may take its name.
    if m.events.len() > 63 || !unique(m.events.iter().map(|e| &e.name)) || m.events.iter().any(|e| e.name == PAGE_VIEW)
    {
        return bad("the events are more than 63, given twice or named `page_view`");
    }
    // One encoding per table of texts, so that equal policies give equal bytes and a lookup by language has one
    // answer.
    let sorted = |t: &[(String, String)]| t.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0));
    if !m.vars.iter().all(|v| sorted(&v.label) && sorted(&v.opt_in)) {
        return bad("the texts of a signal or feature are not sorted by language, or name a language twice");
    }
    if !m.events.iter().all(|e| sorted(&e.label)) {
        return bad("the texts of an event are not sorted by language, or name a language twice");
    }
    // Format 3 stores periods and the criteria the language writes; anything else would come with a format
    // that says what it means.
    if m.collect.iter().map(|r| &r.keep).chain(m.independent.iter().map(|r| &r.keep)).any(|k| !k.is_known()) {
        return bad("a retention is neither a period nor a known criterion");
    }
    let within = |mask: u64, n: usize| n >= 64 || mask >> n == 0;
    let (nc, nd, np, nr) = (m.categories.len(), m.data.len(), m.purposes.len(), m.regions.len());
    for c in &m.classes {
        if !within(c.sub, nc) || !within(c.exact, nc) {
            return bad("a domain class names a missing category");
        }
    }
    if m.path_categories.iter().any(|c| *c as usize >= nc) {
        return bad("a path pattern names a missing category");
    }
    for n in &m.never {
        if !within(n.sites, nc) || !within(n.regions, nr) {
            return bad("a never rule names a missing category or region");
        }
    }
    let ops_ok = |ops: &[Op]| {
        cond::max_depth(ops).is_some_and(|d| d <= cond::MAX_DEPTH)
            && ops.iter().all(|op| !matches!(op, Op::Var(i) if *i as usize >= m.vars.len()))
    };
    for r in &m.collect {
        if !within(r.sites, nc) || !within(r.regions, nr) || !within(r.data, nd) || !within(r.purposes, np) {
            return bad("a collect rule names a missing entry");
        }
        // A rule collects on at least one event, and only on events that exist: bit 0 and one per declared event.
        if r.events == 0 || !within(r.events, m.events.len() + 1) {
            return bad("a collect rule names a missing event or none");
        }
        if r.when.as_deref().is_some_and(|w| !ops_ok(w)) || matches!(&r.link, LinkRow::When(w) if !ops_ok(w)) {
            return bad("a condition is malformed");
        }
    }
    for r in &m.independent {
        if usize::from(r.source) >= m.sources.len()
            || !within(r.regions, nr)
            || !within(r.data, nd)
            || !within(r.purposes, np)
        {
            return bad("a rule from a source names a missing entry");
        }
        if r.when.as_deref().is_some_and(|w| !ops_ok(w)) || matches!(&r.link, LinkRow::When(w) if !ops_ok(w)) {
            return bad("a condition is malformed");
        }
    }
    Ok(())
}
