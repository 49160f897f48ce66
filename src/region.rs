//! Regions as legal frameworks: which region lies inside which, and which data protection law applies there.
//!
//! A policy names regions with ISO 3166 codes (`DE`, `US`, `US-CA`) or `EU`. Regions nest: `EU` covers its
//! member states and, because the GDPR applies in the EEA through the EEA Agreement, Iceland, Liechtenstein and
//! Norway; a country covers its ISO 3166-2 subdivisions (`US` covers `US-CA`). This module is the compiler's only
//! geography. The runtime knows none: the matcher compiler expands the nesting into the artifact's region table
//! (see [`expand`]), so a component asks for `DE` and gets the rules of a policy that declares `EU`.

/// The EU member states and the three further EEA states, where the GDPR applies.
pub const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
    "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// Subdivisions the compiler knows by name and gives a region of their own in an artifact whose policy declares
/// their country: those with a privacy law of their own that a policy may need to tell apart.
pub const SUBDIVISIONS: &[&str] = &["US-CA"];

/// Whether `code` names a region: `EU`, an assigned ISO 3166-1 alpha-2 code (`DE`, `GB`), or a subdivision
/// of one as ISO 3166-2 writes it (`US-CA`: the country's code, a hyphen, one to three capital letters or
/// digits). A code that names no place would give a notice for nobody and skip every legal check.
pub fn is_code(code: &str) -> bool {
    let (country, sub) = match code.split_once('-') {
        Some((c, s)) => (c, Some(s)),
        None => (code, None),
    };
    let upper = |s: &str| s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let country_ok = upper(country)
        && country.len() == 2
        && ((sub.is_none() && country == "EU") || isocountry::CountryCode::for_alpha2(country).is_ok());
    country_ok && sub.is_none_or(|s| (1..=3).contains(&s.len()) && upper(s))
}

/// What to write instead of a code [`is_code`] refuses, when there is an obvious answer.
pub fn code_suggestion(code: &str) -> Option<String> {
    let upper = code.to_ascii_uppercase();
    match upper.as_str() {
        "UK" => Some("GB".into()),
        _ if upper != code && is_code(&upper) => Some(upper),
        _ => None,
    }
}

/// The data protection law whose disclosure rules apply in a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// The GDPR (EU and EEA).
    Gdpr,
    /// The UK GDPR and the Data Protection Act 2018.
    UkGdpr,
    /// The CCPA as amended by the CPRA (California).
    Ccpa,
    /// No framework the disclosures model: a plain notice.
    Other,
}

impl Framework {
    /// Whether the disclosure follows GDPR Art. 13 (the EU GDPR or the UK GDPR).
    pub fn is_gdpr(self) -> bool {
        matches!(self, Framework::Gdpr | Framework::UkGdpr)
    }
}

/// The framework of a region. A subdivision without a law of its own is under its country's (`DE-BY` under the
/// GDPR, `GB-SCT` under the UK GDPR); California has the CCPA.
pub fn framework(code: &str) -> Framework {
    if code == "EU" || EEA.contains(&code) {
        Framework::Gdpr
    } else if code == "GB" {
        Framework::UkGdpr
    } else if code == "US-CA" {
        Framework::Ccpa
    } else if let Some((country, _)) = code.split_once('-') {
        framework(country)
    } else {
        Framework::Other
    }
}

/// The known subdivision a subdivision code that policyc does not know is most likely a typo of (`US-CAL` for
/// `US-CA`): one of the same country one edit away (a letter added, left out, changed, or two swapped); two
/// edits would take `US-NY` for `US-CA`.
pub fn subdivision_suggestion(code: &str) -> Option<&'static str> {
    let (country, _) = code.split_once('-')?;
    SUBDIVISIONS
        .iter()
        .copied()
        .filter(|k| k.starts_with(country) && *k != code)
        .map(|k| (strsim::damerau_levenshtein(k, code), k))
        .filter(|(d, _)| *d <= 1)
        .min()
        .map(|(_, k)| k)
}

/// Whether every place in `inner` is in `outer`: equal codes, a member state in `EU`, a subdivision in its
/// country.
pub fn within(inner: &str, outer: &str) -> bool {
    inner == outer
        || (outer == "EU" && EEA.contains(&inner))
        || inner.split_once('-').is_some_and(|(country, _)| country == outer || within(country, outer))
}

/// The declared region holding `code`, when `code` itself is not declared and has a law of its own that the
/// declared region's does not give (`US-CA`, with the CCPA, in a policy that declares only `US`). The matcher
/// decides such a region as the one holding it, but a notice for it would have to follow a law whose checks
/// (`policyc check` runs them for the regions a policy declares) never ran, so no notice is written for it.
pub fn undeclared_law<'a>(declared: &'a [String], code: &str) -> Option<&'a str> {
    if declared.iter().any(|d| d == code) {
        return None;
    }
    declared.iter().find(|d| within(code, d)).filter(|d| framework(d) != framework(code)).map(String::as_str)
}

/// Whether some place is in both regions: one lies within the other (regions never overlap partially).
pub fn overlaps(a: &str, b: &str) -> bool {
    within(a, b) || within(b, a)
}

/// Whether a region of the framework's territory holds `code`: for the GDPR the EU and EEA, for the UK GDPR
/// the United Kingdom. A controller established elsewhere needs a representative there (Art. 27), and a
/// recipient elsewhere receives a transfer (Chapter V).
pub fn in_territory(code: &str, framework: Framework) -> bool {
    match framework {
        Framework::Gdpr => within(code, "EU"),
        Framework::UkGdpr => within(code, "GB"),
        Framework::Ccpa => within(code, "US"),
        Framework::Other => false,
    }
}

/// The regions a component may name for a policy that declares `declared`: the declared ones in their order,
/// then every known region inside one of them (member states of `EU`, known subdivisions of a country), once
/// each. The matcher's region table is this list.
pub fn expand(declared: &[String]) -> Vec<String> {
    let mut out: Vec<String> = declared.to_vec();
    let known = EEA.iter().chain(SUBDIVISIONS);
    for d in declared {
        for k in known.clone() {
            if within(k, d) && !out.iter().any(|o| o == k) {
                out.push(k.to_string());
            }
        }
    }
    out
}

/// Whether a rule scoped to `rule_regions` collects for a user in `region` (`None`: unknown). A collect rule
/// applies only where it surely holds: the user's region lies within one of the rule's regions. Unscoped rules
/// apply everywhere.
pub fn collect_applies(rule_regions: &[String], region: Option<&str>) -> bool {
    rule_regions.is_empty() || region.is_some_and(|r| rule_regions.iter().any(|x| within(r, x)))
}

/// Whether a `never` rule scoped to `rule_regions` applies to a user in `region`: wherever the user might be
/// in one of the rule's regions, so that a coarse or unknown region never exempts a URL (fail closed).
pub fn never_applies(rule_regions: &[String], region: Option<&str>) -> bool {
    region.is_none_or(|r| may_apply(rule_regions, r))
}

/// Whether a rule scoped to `rule_regions` may hold for someone in `region`: it is unscoped, or one of its
/// regions overlaps `region`.
pub fn may_apply(rule_regions: &[String], region: &str) -> bool {
    rule_regions.is_empty() || rule_regions.iter().any(|x| overlaps(region, x))
}

/// Whether the ePrivacy rule on access to the user's device (Directive 2002/58/EC Art. 5(3) and the national
/// laws implementing it, § 25 TDDDG in Germany; PECR reg. 6 in the United Kingdom) holds in `code`. It goes with
/// the GDPR and the UK GDPR: the EU, the EEA and the United Kingdom.
pub fn eprivacy(code: &str) -> bool {
    matches!(framework(code), Framework::Gdpr | Framework::UkGdpr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_iso_3166_or_eu() {
        for ok in ["EU", "DE", "GB", "US", "US-CA", "NO", "FR-75", "CN-BJ"] {
            assert!(is_code(ok), "{ok}");
        }
        for bad in ["UK", "XX", "de", "EU-DE", "USA", "US-", "US-CALI", "us-ca", "", "D"] {
            assert!(!is_code(bad), "{bad}");
        }
        assert_eq!(code_suggestion("UK").as_deref(), Some("GB"));
        assert_eq!(code_suggestion("us-ca").as_deref(), Some("US-CA"));
        assert_eq!(code_suggestion("XX"), None);
    }

    #[test]
    fn a_subdivision_is_under_its_countrys_law_unless_it_has_its_own() {
        assert_eq!(framework("DE-BY"), Framework::Gdpr);
        assert_eq!(framework("FR-75"), Framework::Gdpr);
        assert_eq!(framework("GB-SCT"), Framework::UkGdpr);
        assert_eq!(framework("US-CA"), Framework::Ccpa);
        assert_eq!(framework("US-NY"), Framework::Other);
        assert_eq!(subdivision_suggestion("US-CAL"), Some("US-CA"));
        assert_eq!(subdivision_suggestion("US-AC"), Some("US-CA"));
        assert_eq!(subdivision_suggestion("US-NY"), None);
        assert_eq!(subdivision_suggestion("DE-CA"), None, "only a subdivision of the same country");
    }

    #[test]
    fn nesting() {
        assert!(within("DE", "EU"));
        assert!(within("NO", "EU"));
        assert!(within("US-CA", "US"));
        assert!(!within("US", "US-CA"));
        assert!(!within("GB", "EU"));
        assert!(!within("CA", "US"));
        assert!(overlaps("EU", "DE"));
        assert!(!overlaps("FR", "DE"));
    }

    #[test]
    fn expansion_keeps_declared_first_and_adds_known_members() {
        let e = expand(&["US".into(), "EU".into(), "DE".into()]);
        assert_eq!(&e[..3], ["US", "EU", "DE"]);
        assert!(e.contains(&"US-CA".to_string()) && e.contains(&"FR".to_string()) && e.contains(&"NO".to_string()));
        assert_eq!(e.iter().filter(|r| *r == "DE").count(), 1);
        assert_eq!(expand(&["GB".into()]), ["GB"]);
    }

    #[test]
    fn collect_needs_certainty_never_needs_possibility() {
        let eu = vec!["EU".to_string()];
        let de = vec!["DE".to_string()];
        assert!(collect_applies(&eu, Some("DE")));
        assert!(!collect_applies(&de, Some("EU")));
        assert!(!collect_applies(&de, None));
        assert!(never_applies(&de, Some("EU")));
        assert!(never_applies(&de, None));
        assert!(!never_applies(&de, Some("FR")));
    }
}
