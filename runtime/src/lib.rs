//! policyc-runtime: load a policyc matcher artifact and decide, per URL and context, what may be collected
//! and what may be linked to the user's account.
//!
//! This crate is what a component that collects or audits embeds: the browser extension (through
//! WebAssembly), a collection backend, an analytics job (through Python). It holds everything needed to load an
//! artifact and decide, and nothing else: no policy parser, no diagnostics, no automaton builder. The compiler
//! (`policyc`) writes artifacts through this crate's own types ([`artifact`], [`index`], [`matcher::Meta`]),
//! so that the reader and the writer cannot drift; `docs/artifact.md` specifies the format for readers in
//! other languages.
//!
//! Untrusted input is the normal case here (artifacts fetched over the network, URLs from any page, log
//! lines from anywhere), so the crate denies `unwrap`, `expect`, `panic!` and unchecked indexing outside tests,
//! and every failure is a value: an [`ArtifactError`] for bytes that are not a valid artifact, a
//! [`UrlError`](urlnorm::UrlError) inside a decision for a URL that cannot be decided (which then collects
//! nothing), an [`UnknownName`] for a signal, feature, region or event the policy does not declare.
//!
//! ```
//! use policyc_runtime::{Matcher, Report, Settings};
//! let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo.matcher")).unwrap();
//! let m = Matcher::from_bytes(&bytes).unwrap();
//! // Settings by name, as a CLI flag, a log line or a binding gives them.
//! let settings = Settings { set: vec![("signed_in".into(), true)], region: Some("DE".into()), event: None };
//! let cx = settings.context(&m).unwrap();
//! let r = Report::decide(&m, "https://shop.example/cart", &cx);
//! assert_eq!(r.collect, ["page_url"]);
//! assert_eq!(r.linked, ["page_url"]);
//! assert_eq!(r.retention["page_url"], "30 days");
//! // The same page when the user clicks an offer: what the policy collects on that event instead.
//! let click = Settings { event: Some("offer_click".into()), ..settings }.context(&m).unwrap();
//! assert_eq!(Report::decide(&m, "https://shop.example/cart", &click).collect, ["offer_id"]);
//! ```

#![forbid(unsafe_code)]

pub mod artifact;
pub mod audit;
pub mod cond;
pub mod index;
pub mod matcher;
pub mod psl;
pub mod report;
pub mod retention;
#[cfg(feature = "verify")]
pub mod update;
pub mod urlnorm;

pub use artifact::ArtifactError;
pub use matcher::{Context, Decision, Matcher, NameKind, SourceDecision, State, UnknownName, PAGE_VIEW};
pub use report::{ItemReport, Report, RuleRef, Settings, SourceItem, SourceReport};
pub use retention::{Period, Retention, TimeUnit};
