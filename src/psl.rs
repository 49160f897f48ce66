//! The Public Suffix List: which domains are public suffixes, and in which section.
//!
//! Two rules of the language need it. A site pattern may not cover a whole public suffix of either section
//! (`com`, `co.uk`, `blogspot.com`): such a pattern would match every site under it. And `name.*` matches
//! `name` under any suffix of the ICANN section only, because a private-section suffix such as `blogspot.com`
//! can be registered by anyone (`ebay.*` must not match `ebay.blogspot.com`).
//!
//! The list is bundled (`data/psl/public_suffix_list.dat`, MPL-2.0) rather than taken from a crate that
//! compiles its own snapshot: the compiler must be able to write the ICANN rules *into the artifact*, so that a
//! decision depends only on the artifact and not on which list the runtime library happened to be built with.
//! The lookup algorithm is written once, in the runtime, generic over how rules are stored ([`RuleLookup`]),
//! and used both on the hash map here and on the artifact's table.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The bundled list text.
pub const LIST_TEXT: &str = include_str!("../data/psl/public_suffix_list.dat");

/// The section of the list a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Icann,
    Private,
}

pub use policyc_runtime::psl::{
    listed_suffix_start, suffix_start, RuleLookup, MAX_RULE_LABELS, RULE_EXCEPTION, RULE_NORMAL, RULE_WILDCARD,
};

/// The parsed list: all rules, and the ICANN section's rules alone.
#[derive(Debug)]
pub struct PublicSuffixList {
    all: HashMap<String, u8>,
    icann: HashMap<String, u8>,
}

impl PublicSuffixList {
    /// Parses list text in the publicsuffix.org format. Rules in Unicode are stored in punycode.
    pub fn parse(text: &str) -> Self {
        let mut all = HashMap::new();
        let mut icann = HashMap::new();
        let mut section = Section::Icann;
        for line in text.lines() {
            let line = line.trim();
            if line.contains("===BEGIN PRIVATE DOMAINS===") {
                section = Section::Private;
            }
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            let rule = line.split_whitespace().next().unwrap_or(line);
            let (flag, name) = if let Some(rest) = rule.strip_prefix("*.") {
                (RULE_WILDCARD, rest)
            } else if let Some(rest) = rule.strip_prefix('!') {
                (RULE_EXCEPTION, rest)
            } else {
                (RULE_NORMAL, rule)
            };
            let Ok(ascii) = idna::domain_to_ascii(name) else { continue };
            *all.entry(ascii.clone()).or_insert(0) |= flag;
            if section == Section::Icann {
                *icann.entry(ascii).or_insert(0) |= flag;
            }
        }
        PublicSuffixList { all, icann }
    }

    /// The bundled list, parsed once.
    pub fn bundled() -> &'static PublicSuffixList {
        static LIST: OnceLock<PublicSuffixList> = OnceLock::new();
        LIST.get_or_init(|| PublicSuffixList::parse(LIST_TEXT))
    }

    /// The public suffix of `host` over both sections.
    pub fn suffix<'h>(&self, host: &'h str) -> &'h str {
        &host[suffix_start(&self.all, host)..]
    }

    /// The public suffix of `host` under the ICANN section alone.
    pub fn icann_suffix<'h>(&self, host: &'h str) -> &'h str {
        &host[suffix_start(&self.icann, host)..]
    }

    /// The public suffix of `host` when a rule of the ICANN section makes it one; `None` when only the implicit
    /// `*` rule would (`local` in `ebay.local`).
    pub fn icann_listed_suffix<'h>(&self, host: &'h str) -> Option<&'h str> {
        host.get(listed_suffix_start(&self.icann, host)?..)
    }

    /// The registrable domain (suffix plus one label), or `None` when `host` is itself a public suffix.
    pub fn registrable<'h>(&self, host: &'h str) -> Option<&'h str> {
        let start = suffix_start(&self.all, host);
        if start == 0 {
            return None;
        }
        let label_start = host[..start - 1].rfind('.').map(|i| i + 1).unwrap_or(0);
        Some(&host[label_start..])
    }

    /// Whether the list names `suffix` by a rule of its own, rather than only by the implicit rule `*` that
    /// makes every top-level label a public suffix (`localhost`).
    pub fn lists(&self, suffix: &str) -> bool {
        self.all.contains_key(suffix)
    }

    /// If `domain` is a whole public suffix, the section whose rule makes it one. A single label that no rule
    /// names (`localhost`) is a suffix by the implicit `*` rule and reported as ICANN.
    pub fn public_suffix_section(&self, domain: &str) -> Option<Section> {
        if suffix_start(&self.all, domain) != 0 {
            return None;
        }
        Some(if suffix_start(&self.icann, domain) == 0 { Section::Icann } else { Section::Private })
    }

    /// The ICANN rules as (domain, flags) pairs in sorted order, for writing into an artifact.
    pub fn icann_rules(&self) -> Vec<(&str, u8)> {
        let mut v: Vec<(&str, u8)> = self.icann.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rule_is_longer_than_the_lookup_looks() {
        let psl = PublicSuffixList::bundled();
        let longest = psl.all.keys().map(|k| k.split('.').count() + 1).max().unwrap();
        assert!(longest <= MAX_RULE_LABELS, "a rule has {longest} labels");
    }

    #[test]
    fn sections_are_told_apart() {
        let psl = PublicSuffixList::bundled();
        assert_eq!(psl.public_suffix_section("com"), Some(Section::Icann));
        assert_eq!(psl.public_suffix_section("co.uk"), Some(Section::Icann));
        assert_eq!(psl.public_suffix_section("blogspot.com"), Some(Section::Private));
        assert_eq!(psl.public_suffix_section("example.com"), None);
        assert_eq!(psl.icann_suffix("ebay.blogspot.com"), "com");
        assert_eq!(psl.suffix("ebay.blogspot.com"), "blogspot.com");
    }
}
