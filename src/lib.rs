//! policyc: a compiler for privacy policies written as data.
//!
//! A policy says where a browser extension may collect which data, why, for how long, and when it may link the
//! data to the user's account. This crate checks such a policy and lowers it to one intermediate
//! representation ([`ir`]) that every back end reads. See `ARCHITECTURE.md` for the map of the pipeline.
//!
//! ```
//! use policyc::{check_source, CheckOptions, NoLists};
//! let text = r#"
//! policy demo { name "Demo" controller "Demo Inc." contact "privacy@demo.test" version "1" languages en }
//! data page_url en "the address of the page"
//! purpose stats basis consent en "counting visits"
//! sites news en "news sites" { example.com }
//! collect page_url on news for stats keep 30 days
//! "#;
//! let out = check_source("demo.policy", text, &mut NoLists, CheckOptions::default());
//! assert!(out.checked.policy.is_some(), "{:?}", out.checked.diagnostics);
//! ```

#![forbid(unsafe_code)]

pub mod ast;
pub mod check;
pub mod coverage;
pub mod diagnostic;
pub mod diff;
pub mod disclose;
pub mod fmt;
pub mod fuzz;
pub mod ide;
pub mod interp;
pub mod ir;
pub mod locale;
pub mod matcher;
pub mod parser;
pub mod pattern;
pub mod psl;
pub mod region;
pub mod sign;
pub mod source;
pub mod store;
pub mod yaml;

/// The runtime crate, which loads artifacts and decides; a component that only decides depends on it alone.
pub use policyc_runtime as runtime;
pub use policyc_runtime::{audit, report, urlnorm};

pub use check::{CheckOptions, Checked, InputLimits, ListLoader, NoLists};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use source::SourceMap;

/// The outcome of checking one source: the files read (for rendering diagnostics) and the result.
#[derive(Debug)]
pub struct SourceCheck {
    pub sources: SourceMap,
    pub checked: Checked,
}

/// Whether a file of this name holds a policy in the exported data form (`.yaml`, `.yml` or `.json`) rather than
/// the policy language.
pub fn is_data_form(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

/// Checks a policy given as text. Files whose name ends in `.yaml`, `.yml` or `.json` are read as the
/// exported data form; anything else as the policy language.
pub fn check_source(name: &str, text: &str, loader: &mut dyn ListLoader, options: CheckOptions) -> SourceCheck {
    let mut sources = SourceMap::new();
    // Editors save "UTF-8 with BOM"; the mark is no text, and editors count no column for it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > options.limits.max_policy_bytes {
        // Keep only a prefix in the source map: the diagnostic points at the start, and the rest is never read.
        let main = sources.add(name, "");
        let d = Diagnostic::new(
            Code::LimitExceeded,
            source::Span::new(main, 0, 0),
            format!("the policy is {} bytes, over the limit of {}", text.len(), options.limits.max_policy_bytes),
        )
        .with_help("move long site lists into `from` files, or raise the limit with `--max-policy-bytes`");
        return SourceCheck { sources, checked: Checked { policy: None, diagnostics: vec![d], allowed: vec![] } };
    }
    let main = sources.add(name, text);
    let file = if is_data_form(name) { yaml::to_ast(main, text) } else { parser::parse(main, text) };
    let checked = match file {
        Ok(file) => check::check(&file, &mut sources, main, loader, options),
        Err(d) => Checked { policy: None, diagnostics: vec![*d], allowed: vec![] },
    };
    SourceCheck { sources, checked }
}

/// The README's examples, compiled as doc tests so that they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
