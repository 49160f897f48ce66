//! Site patterns: parsing, validation and the canonical text form.
//!
//! One parser serves the policy file, imported list files and the YAML form, so a pattern means the same thing
//! wherever it is written. The forms are:
//!
//! | written              | matches                                                                   |
//! |----------------------|---------------------------------------------------------------------------|
//! | `example.com`        | the host `example.com` and every subdomain, on label boundaries           |
//! | `exact example.com`  | the host `example.com` only                                               |
//! | `ebay.*`             | `ebay` under any ICANN public suffix, and subdomains (`www.ebay.co.uk`)   |
//! | `example.com/p/`     | paths under `/p/` (on segment boundaries) on the domain and subdomains    |
//!
//! Hosts may be written in Unicode (`bücher.de`) and are stored in punycode (`xn--bcher-kva.de`).

use crate::psl::{PublicSuffixList, Section};
use crate::urlnorm;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What part of the host name space a pattern covers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HostPattern {
    /// The domain and all its subdomains.
    Domain(String),
    /// Exactly this host.
    Exact(String),
    /// One label under any ICANN public suffix, and its subdomains: `ebay.*` stores `ebay`.
    Wildcard(String),
}

/// A validated site pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pattern {
    pub host: HostPattern,
    /// A normalised path prefix starting with `/`, or `None` for the whole site.
    pub path: Option<String>,
}

/// Why a pattern was refused. The message is a lowercase sentence fragment; the help says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    Malformed { message: String, help: String },
    PublicSuffix { suffix: String, section: Section },
}

impl PatternError {
    fn malformed(message: impl Into<String>, help: impl Into<String>) -> Self {
        PatternError::Malformed { message: message.into(), help: help.into() }
    }
}

/// Longest host name DNS allows, in bytes of its ASCII form.
const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

impl Pattern {
    /// A URL this pattern matches, to show it in a warning or decide it under two versions of a policy: the
    /// `www` host of a domain, the host itself for an exact host, `.com` for a wildcard, and a path under a
    /// path prefix.
    pub fn witness_url(&self) -> String {
        let host = match &self.host {
            HostPattern::Domain(d) => format!("www.{d}"),
            HostPattern::Exact(h) => h.clone(),
            HostPattern::Wildcard(l) => format!("www.{l}.com"),
        };
        let path = match &self.path {
            Some(path) if path.ends_with('/') => format!("{path}x"),
            Some(path) => path.clone(),
            None => "/".into(),
        };
        format!("https://{host}{path}")
    }

    /// Parses a pattern as written in a `sites` block or a list line. `exact` is set by the `exact` keyword;
    /// the text form `exact host` (as the YAML form writes it) is accepted too.
    pub fn parse(text: &str, exact: bool, psl: &PublicSuffixList) -> Result<Pattern, PatternError> {
        let text = text.trim();
        let (exact, text) = match text.strip_prefix("exact ") {
            Some(rest) => (true, rest.trim()),
            None => (exact, text),
        };
        if text.is_empty() {
            return Err(PatternError::malformed("empty site pattern", "write a domain such as `example.com`"));
        }
        if let Some(i) = text.find("://") {
            return Err(PatternError::malformed(
                format!("site pattern `{text}` has a scheme"),
                format!("patterns match http and https alike; write `{}`", &text[i + 3..]),
            ));
        }
        let (host_text, path_text) = match text.find('/') {
            Some(i) => (&text[..i], Some(&text[i..])),
            None => (text, None),
        };
        let path = match path_text {
            None => None,
            Some(p) => {
                if p.contains(['?', '#']) {
                    return Err(PatternError::malformed(
                        format!("path pattern `{text}` has a query or fragment"),
                        "path patterns match the path only; drop everything from `?` or `#` on",
                    ));
                }
                let norm = urlnorm::normalize_path(p).ok_or_else(|| {
                    PatternError::malformed(
                        format!("path `{p}` is not a valid URL path"),
                        "write a path such as `/products/`",
                    )
                })?;
                // `example.com/` is the whole site; store it as such so that it has one canonical form.
                (norm != "/").then_some(norm)
            }
        };
        if let Some(name) = host_text.strip_suffix(".*") {
            if exact {
                return Err(PatternError::malformed(
                    format!("`exact` cannot be combined with the wildcard pattern `{host_text}`"),
                    "`name.*` already means the name under any public suffix; drop `exact` or write one host",
                ));
            }
            if name.contains('*') {
                // `*.*` or `a.*.*`: a wildcard is one label before one `.*`.
                let help = if name == "*" {
                    "`*.*` would match every website; name the sites, as in `ebay.*` or `example.com`"
                } else {
                    "`.*` stands for a whole public suffix, once, at the end: write one label before it, as in `ebay.*`"
                };
                return Err(PatternError::malformed(
                    format!("`*` is only allowed as the last label, as in `ebay.*`, not in `{host_text}`"),
                    help,
                ));
            }
            let label = to_ascii_host(name)?;
            if label.contains('.') {
                return Err(PatternError::malformed(
                    format!("wildcard pattern `{host_text}` has more than one label before `.*`"),
                    "`.*` stands for a whole public suffix; write one label before it, as in `ebay.*`",
                ));
            }
            return Ok(Pattern { host: HostPattern::Wildcard(label), path });
        }
        if host_text.contains('*') {
            // Suggest dropping a `*.` prefix only where what remains is a pattern: a domain that is no public
            // suffix (`*.example.com`, not `*.de` or `*`).
            let rest = host_text.strip_prefix("*.").filter(|r| !r.contains('*'));
            let help = match rest.and_then(|r| to_ascii_host(r).ok()) {
                Some(r) if r.contains('.') && psl.public_suffix_section(&r).is_none() => format!(
                    "a domain pattern already covers every subdomain: write `{}` instead of `{host_text}`",
                    rest.unwrap_or_default()
                ),
                Some(_) => format!(
                    "`{host_text}` would cover every site under a public suffix; name the sites, as in `example.{}`",
                    rest.unwrap_or_default()
                ),
                None if host_text == "*" => {
                    "`*` alone would match every website; name the sites, as in `ebay.*` or `example.com`".to_string()
                }
                None => "a `*` cannot stand for part of a name: list each site, or the domain that covers them, as \
                         in `example.com`"
                    .to_string(),
            };
            return Err(PatternError::malformed(
                format!("`*` is only allowed as the last label, as in `ebay.*`, not in `{host_text}`"),
                help,
            ));
        }
        let host = to_ascii_host(host_text)?;
        // A single label the Public Suffix List does not name (`localhost`, an intranet name, a word written
        // where a domain belongs) is no domain at all; calling it a public suffix anyone can register under
        // would be false.
        if !host.contains('.') && !psl.lists(&host) {
            return Err(PatternError::malformed(
                format!("`{host_text}` has no dot, so it is not a domain on the public internet"),
                "a site pattern names a domain such as `example.com`, or a path on one such as \
                 `example.com/products/`; a list is imported with `from \"lists/file.txt\"`",
            ));
        }
        if !host.contains('.') || psl.public_suffix_section(&host).is_some() {
            let section = psl.public_suffix_section(&host).unwrap_or(Section::Icann);
            return Err(PatternError::PublicSuffix { suffix: host, section });
        }
        Ok(Pattern { host: if exact { HostPattern::Exact(host) } else { HostPattern::Domain(host) }, path })
    }

    /// Whether the pattern matches a normalised host and path (as [`urlnorm::normalize`] gives them). The
    /// reference interpreter has its own copy of this rule, so that the two can be tested against each other.
    pub fn matches(&self, host: &str, path: &str) -> bool {
        let host_ok = match &self.host {
            HostPattern::Domain(d) => is_within(host, d),
            HostPattern::Exact(h) => host == h,
            HostPattern::Wildcard(label) => label_before_suffix(host) == Some(label.as_str()),
        };
        host_ok && self.path.as_deref().is_none_or(|prefix| urlnorm::path_has_prefix(path, prefix))
    }

    /// The pattern that matches exactly the URLs both `self` and `other` match, or `None` when no URL matches
    /// both. Every intersection of two patterns is again a pattern: the narrower host and the longer path.
    pub fn intersection(&self, other: &Pattern) -> Option<Pattern> {
        let path = match (&self.path, &other.path) {
            (None, p) | (p, None) => p.clone(),
            (Some(a), Some(b)) if urlnorm::path_has_prefix(a, b) => Some(a.clone()),
            (Some(a), Some(b)) if urlnorm::path_has_prefix(b, a) => Some(b.clone()),
            _ => return None,
        };
        use HostPattern::{Domain, Exact, Wildcard};
        let host = match (&self.host, &other.host) {
            (Domain(a), Domain(b)) if is_within(a, b) => Domain(a.clone()),
            (Domain(a), Domain(b)) if is_within(b, a) => Domain(b.clone()),
            (Exact(h), Domain(d)) | (Domain(d), Exact(h)) if is_within(h, d) => Exact(h.clone()),
            (Exact(a), Exact(b)) if a == b => Exact(a.clone()),
            // A wildcard meets a domain in the domain (and its subdomains) when the label before the domain's
            // public suffix is the wildcard's label: `ebay.*` and `shop.ebay.de` meet in `shop.ebay.de`.
            (Wildcard(l), Domain(d)) | (Domain(d), Wildcard(l)) if label_before_suffix(d) == Some(l) => {
                Domain(d.clone())
            }
            (Wildcard(l), Exact(h)) | (Exact(h), Wildcard(l)) if label_before_suffix(h) == Some(l) => Exact(h.clone()),
            (Wildcard(a), Wildcard(b)) if a == b => Wildcard(a.clone()),
            _ => return None,
        };
        Some(Pattern { host, path })
    }

    /// A few URLs this pattern matches, the most natural first (the `www` host, or the host itself when it is a
    /// `www` host already), then the bare host, a
    /// subdomain no list names, and for a wildcard the label under several public suffixes. A caller that needs
    /// a witness some other pattern does not match (a site a `never` rule leaves in scope) picks from these.
    pub fn witness_urls(&self) -> Vec<String> {
        let path = match &self.path {
            Some(path) if path.ends_with('/') => format!("{path}x"),
            Some(path) => path.clone(),
            None => "/".into(),
        };
        let hosts: Vec<String> = match &self.host {
            HostPattern::Domain(d) if d.starts_with("www.") => vec![d.clone(), format!("policyc-witness.{d}")],
            HostPattern::Domain(d) => vec![format!("www.{d}"), d.clone(), format!("policyc-witness.{d}")],
            HostPattern::Exact(h) => vec![h.clone()],
            HostPattern::Wildcard(l) => ["com", "de", "org", "co.uk", "net"]
                .iter()
                .flat_map(|tld| [format!("www.{l}.{tld}"), format!("{l}.{tld}")])
                .collect(),
        };
        hosts.into_iter().map(|h| format!("https://{h}{path}")).collect()
    }

    /// The host part: the domain, or the wildcard's label.
    pub fn host_str(&self) -> &str {
        match &self.host {
            HostPattern::Domain(h) | HostPattern::Exact(h) | HostPattern::Wildcard(h) => h,
        }
    }
}

/// Whether `host` is `domain` or one of its subdomains, on label boundaries.
fn is_within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// The label right before the host's ICANN public suffix (`ebay` for `www.ebay.co.uk`), if there is one.
fn label_before_suffix(host: &str) -> Option<&str> {
    let suffix = PublicSuffixList::bundled().icann_suffix(host);
    let before = host[..host.len() - suffix.len()].strip_suffix('.')?;
    before.rsplit('.').next().filter(|l| !l.is_empty())
}

/// Maps a host as written (any case, Unicode or punycode, optional trailing dot) to lowercase ASCII and checks
/// it is a host name: letters, digits and hyphens, labels of 1 to 63 bytes, at most 253 bytes in all, and not
/// an IP address.
fn to_ascii_host(text: &str) -> Result<String, PatternError> {
    let trimmed = text.strip_suffix('.').unwrap_or(text);
    let ascii = idna::domain_to_ascii(trimmed).map_err(|_| {
        PatternError::malformed(
            format!("`{text}` is not a valid internationalized domain name"),
            "check the spelling; Unicode names are converted with IDNA (UTS 46)",
        )
    })?;
    if ascii.is_empty() {
        return Err(PatternError::malformed("empty host in site pattern", "write a domain such as `example.com`"));
    }
    if ascii.len() > MAX_HOST_LEN {
        return Err(PatternError::malformed(
            format!("host `{text}` is {} bytes long, over the limit of {MAX_HOST_LEN}", ascii.len()),
            "DNS names are at most 253 bytes",
        ));
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(PatternError::malformed(
                format!("host `{text}` has an empty label"),
                "remove the doubled or leading dot",
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(PatternError::malformed(
                format!("label `{label}` of `{text}` is {} bytes long, over the limit of {MAX_LABEL_LEN}", label.len()),
                "DNS labels are at most 63 bytes",
            ));
        }
        if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            let help = match c {
                // `https://shop.example/` pasted from a browser: the `//` starts a comment, so `https:` is all
                // that is left of the pattern.
                ':' if matches!(text, "http:" | "https:") => {
                    "a site pattern has no scheme: write `shop.example/p/`, not `https://shop.example/p/` (the `//` \
                     starts a comment)"
                        .to_string()
                }
                ':' => "a site pattern has no port: write the host alone; every port of it is covered".to_string(),
                '_' => "host names use letters, digits and hyphens only (an underscore is not a valid host character)"
                    .to_string(),
                '*' => "`*` stands only for the last label, as in `ebay.*`; a pattern covers every subdomain of its \
                        host without one"
                    .to_string(),
                other => format!("host names use letters, digits and hyphens only, not `{other}`"),
            };
            return Err(PatternError::malformed(
                format!("host `{text}` contains `{c}`, which is not allowed in a host name"),
                help,
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(PatternError::malformed(
                format!("label `{label}` of `{text}` starts or ends with a hyphen"),
                "host name labels cannot start or end with `-`",
            ));
        }
    }
    let last = ascii.rsplit('.').next().unwrap_or("");
    if last.bytes().all(|b| b.is_ascii_digit()) || (last.starts_with("0x") && last.len() > 2) {
        return Err(PatternError::malformed(
            format!("`{text}` is an IP address, not a domain"),
            "site patterns match domain names; URLs with IP-address hosts never collect",
        ));
    }
    Ok(ascii)
}

impl fmt::Display for Pattern {
    /// The canonical text form, which [`Pattern::parse`] reads back to the same pattern.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostPattern::Domain(h) => f.write_str(h)?,
            HostPattern::Exact(h) => write!(f, "exact {h}")?,
            HostPattern::Wildcard(l) => write!(f, "{l}.*")?,
        }
        if let Some(p) = &self.path {
            f.write_str(p)?;
        }
        Ok(())
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Pattern::parse(&text, false, PublicSuffixList::bundled()).map_err(|e| match e {
            PatternError::Malformed { message, .. } => serde::de::Error::custom(message),
            PatternError::PublicSuffix { suffix, .. } => {
                serde::de::Error::custom(format!("site pattern `{suffix}` covers a whole public suffix"))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Pattern, PatternError> {
        Pattern::parse(s, false, PublicSuffixList::bundled())
    }

    #[test]
    fn forms_round_trip_through_text() {
        for s in ["example.com", "exact shop.example.com", "ebay.*", "walmart.com/ip/", "xn--bcher-kva.de"] {
            assert_eq!(p(s).unwrap().to_string(), s);
        }
        assert_eq!(p("Bücher.DE.").unwrap().to_string(), "xn--bcher-kva.de");
        assert_eq!(p("example.com/").unwrap().to_string(), "example.com");
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(matches!(p("com"), Err(PatternError::PublicSuffix { .. })));
        assert!(matches!(p("co.uk"), Err(PatternError::PublicSuffix { section: Section::Icann, .. })));
        assert!(matches!(p("blogspot.com"), Err(PatternError::PublicSuffix { section: Section::Private, .. })));
        for bad in ["a_b.example.com", "1.2.3.4", "-a.com", "*.example.com", "https://a.com/", "a..com", "co.*.uk"] {
            assert!(matches!(p(bad), Err(PatternError::Malformed { .. })), "{bad}");
        }
    }

    /// Issue 17: the help for a `*` suggests dropping a `*.` prefix only where what remains is a pattern.
    #[test]
    fn the_help_for_a_star_fits_the_pattern() {
        let help = |text: &str| match p(text) {
            Err(PatternError::Malformed { help, .. }) => help,
            other => panic!("{text}: {other:?}"),
        };
        assert!(help("*.example.com").contains("write `example.com` instead of `*.example.com`"));
        for text in ["*.*", "*", "*.de", "*.co.uk", "shop*.com", "ebay.*.*"] {
            let h = help(text);
            assert!(!h.contains("instead of"), "{text}: {h}");
        }
        assert!(help("*.*").contains("would match every website"));
        assert!(help("*.de").contains("`example.de`"));
    }
}
