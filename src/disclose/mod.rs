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

use crate::ir::{self, Cond, Policy};
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

/// Every site list too long for an appendix: (file name, contents), one entry per line. A list holds the
/// entries a disclosure counts ([`net_patterns`]), without the sites a `never` rule for every region blocks;
/// a `never` rule scoped to some regions is said in those regions' disclosures.
pub fn site_list_files(policy: &Policy) -> Vec<(String, String)> {
    let blocking: Vec<&ir::SiteCategory> = policy
        .sites
        .iter()
        .filter(|c| policy.never.iter().any(|n| n.regions.is_empty() && n.sites.contains(&c.name)))
        .collect();
    policy
        .sites
        .iter()
        .filter_map(|c| {
            let never: Vec<&ir::SiteCategory> = blocking.iter().copied().filter(|b| b.name != c.name).collect();
            let net = net_patterns(c, &never);
            (net.len() > INLINE_LIST_MAX).then(|| {
                // An `exact` entry keeps its keyword: without it, the host would read as covering its
                // subdomains, as every other entry naming a website does.
                let body: String = net
                    .iter()
                    .map(|p| match p.host {
                        HostPattern::Exact(_) => format!("exact {}\n", display_pattern(p)),
                        _ => format!("{}\n", display_pattern(p)),
                    })
                    .collect();
                (list_file_name(policy, &c.name), body)
            })
        })
        .collect()
}

/// The entries of category `c` that a reader is told about: without an entry some entry of a `never`
/// category covers entirely (the extension collects nothing there), and without an entry another entry of the
/// same category already covers (`shop.target.com` under `target.com`, `ebay.de` under `ebay.*`), so that a
/// count says how many distinct places the list reaches.
pub fn net_patterns<'a>(c: &'a ir::SiteCategory, never: &[&ir::SiteCategory]) -> Vec<&'a Pattern> {
    let own = crate::check::NeverIndex::new(c.patterns.iter());
    let blocked = crate::check::NeverIndex::new(never.iter().flat_map(|n| n.patterns.iter()));
    c.patterns.iter().filter(|p| !own.covers_strictly(p) && !blocked.covers(p)).collect()
}

/// Whether every entry is a whole website (a domain with its subdomains, or one host), so that a count of
/// entries is a count of websites; a path or a name under every domain ending is not one website.
pub fn all_whole_sites(patterns: &[&Pattern]) -> bool {
    patterns.iter().all(|p| p.path.is_none() && !matches!(p.host, HostPattern::Wildcard(_)))
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
