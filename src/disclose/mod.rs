//! Disclosures: what the matcher does, said in words, per language and region.
//!
//! [`build`] reads only the IR (the same IR the matcher is compiled from, so the two cannot say different
//! things) and produces a [`Disclosure`]: a document model whose every sentence is already in the reader's
//! language, next to the structured facts it was made from. The renderers in [`render`] only lay the model
//! out as Markdown, HTML or plain text; JSON is the model itself (schema: `schemas/disclosure.schema.json`).
//!
//! The content follows GDPR Art. 13 and, for incentives, the CCPA notice of financial incentive
//! (`../shared/notes/legal-content.md`); the order is the issue's: a short summary first, then the notice.
//!
//! | file | job |
//! |---|---|
//! | `model.rs` | the document model, as data |
//! | `build.rs` | the IR to the model: what applies in the region, and the sections in order |
//! | `wording.rs` | facts to words in one language, through the locale files |
//! | `render.rs` | the model laid out as Markdown, HTML or plain text |

mod build;
mod model;
pub mod render;
mod wording;

pub use build::build;
pub use model::*;

use crate::ir::{Cond, Policy};
use crate::pattern::{HostPattern, Pattern};

/// Categories with more patterns than this get their full list in a separate file instead of the appendix.
pub const INLINE_LIST_MAX: usize = 50;

/// Regions where the GDPR (or the UK GDPR) applies: the EU and EEA member states, the UK, and `EU` itself.
pub const GDPR_REGIONS: &[&str] = &[
    "EU", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB",
];

/// Why a disclosure cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscloseError(pub String);

impl std::fmt::Display for DiscloseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiscloseError {}

/// The file name of a category's full site list, written next to the disclosures.
pub fn list_file_name(policy: &Policy, category: &str) -> String {
    format!("{}.{}.sites.txt", policy.file_stem(), category)
}

/// Every site list too long for an appendix: (file name, contents), one pattern per line.
pub fn site_list_files(policy: &Policy) -> Vec<(String, String)> {
    policy
        .sites
        .iter()
        .filter(|c| c.patterns.len() > INLINE_LIST_MAX)
        .map(|c| {
            let body: String = c.patterns.iter().map(|p| format!("{}\n", display_pattern(p))).collect();
            (list_file_name(policy, &c.name), body)
        })
        .collect()
}

/// A pattern as a reader should see it: Unicode host names, `exact` spelled out as the host alone.
pub fn display_pattern(p: &Pattern) -> String {
    let uni = |h: &str| idna::domain_to_unicode(h).0;
    let host = match &p.host {
        HostPattern::Domain(h) | HostPattern::Exact(h) => uni(h),
        HostPattern::Wildcard(l) => format!("{}.*", uni(l)),
    };
    format!("{host}{}", p.path.as_deref().unwrap_or(""))
}

/// Whether a rule scoped to `regions` applies in `region` (`None`: the disclosure covers every region). A rule
/// applies where the reader's region lies inside one of its regions: a rule for `US` holds in `US-CA`, one for
/// `DE` does not hold everywhere in `EU`.
fn in_region(regions: &[String], region: Option<&str>) -> bool {
    region.is_none_or(|r| crate::region::collect_applies(regions, Some(r)))
}

/// Whether `cond` is false whenever `var` is off, whatever the other variables are.
fn requires(cond: &Cond, var: &str) -> bool {
    cond.requires(var)
}
