//! Store declarations, generated from the policy: Firefox's `data_collection_permissions` (required of new
//! extensions since November 2025) and the Chrome Web Store's "Privacy practices" answers.
//!
//! The policy says what each data item is with `store TYPE for NAME, ...` lines (`ir::StoreType`); this module
//! maps those types to each store's vocabulary and decides the rest from the rules:
//!
//! - Firefox: an item is *optional* when every rule that collects it is behind a feature that starts off (its
//!   condition cannot hold while those features are off, whatever the signals and other features are), and
//!   *required* otherwise. Technical and interaction data may only be optional in Firefox.
//! - Chrome: the data types collected, a single purpose from the policy's name and purposes, and the three
//!   certifications. A purpose marked `store advertising` (personalised advertising, which the Limited Use
//!   policy forbids), `sale` or `creditworthiness` makes a certification untrue; then there is no declaration,
//!   only an error naming the rule that causes it.

use crate::ir::{self, StoreType};
use crate::source::Origin;
use serde::Serialize;
use std::collections::BTreeSet;

/// Why a declaration cannot be made truthfully.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    pub message: String,
    pub help: String,
}

/// Firefox's `browser_specific_settings.gecko.data_collection_permissions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FirefoxPermissions {
    pub required: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<&'static str>,
}

/// The Chrome Web Store's "Privacy practices" answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChromePractices {
    pub single_purpose: String,
    /// Every data type of the form, in the form's order, with whether it is collected and by which items.
    pub data_types: Vec<ChromeDataType>,
    pub certifications: Vec<Certification>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChromeDataType {
    #[serde(rename = "type")]
    pub name: &'static str,
    pub collected: bool,
    pub items: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Certification {
    pub id: &'static str,
    pub text: &'static str,
    pub certified: bool,
}

/// Firefox's name for a data type; `None` for uses, which Firefox does not ask about.
pub fn firefox_type(t: StoreType) -> Option<&'static str> {
    Some(match t {
        StoreType::PersonallyIdentifying => "personallyIdentifyingInfo",
        StoreType::Health => "healthInfo",
        StoreType::Financial => "financialAndPaymentInfo",
        StoreType::Authentication => "authenticationInfo",
        StoreType::Communications => "personalCommunications",
        StoreType::Location => "locationInfo",
        StoreType::BrowsingActivity => "browsingActivity",
        StoreType::WebsiteActivity => "websiteActivity",
        StoreType::WebsiteContent => "websiteContent",
        StoreType::SearchTerms => "searchTerms",
        StoreType::Technical => "technicalAndInteraction",
        StoreType::Advertising | StoreType::Sale | StoreType::Creditworthiness => return None,
    })
}

/// The Chrome Web Store form's data types, in the form's order.
pub const CHROME_TYPES: [&str; 9] = [
    "Personally identifiable information",
    "Health information",
    "Financial and payment information",
    "Authentication information",
    "Personal communications",
    "Location",
    "Web history",
    "User activity",
    "Website content",
];

/// Chrome's name for a data type. Chrome has no type of its own for search terms (they reach an extension as
/// the addresses of result pages, which is web history) or for technical data (interaction, which is user
/// activity).
pub fn chrome_type(t: StoreType) -> Option<&'static str> {
    Some(match t {
        StoreType::PersonallyIdentifying => "Personally identifiable information",
        StoreType::Health => "Health information",
        StoreType::Financial => "Financial and payment information",
        StoreType::Authentication => "Authentication information",
        StoreType::Communications => "Personal communications",
        StoreType::Location => "Location",
        StoreType::BrowsingActivity | StoreType::SearchTerms => "Web history",
        StoreType::WebsiteActivity | StoreType::Technical => "User activity",
        StoreType::WebsiteContent => "Website content",
        StoreType::Advertising | StoreType::Sale | StoreType::Creditworthiness => return None,
    })
}

/// The three certifications of the Chrome Web Store form.
/// Each: id, what is certified (for an error), the form's text, the use that makes it untrue, and that use in
/// words.
const CERTIFICATIONS: [(&str, &str, &str, StoreType, &str); 3] = [
    (
        "no_sale",
        "that user data is not sold or transferred to third parties",
        "I do not sell or transfer user data to third parties, outside of the approved use cases",
        StoreType::Sale,
        "selling data",
    ),
    (
        "limited_use",
        "Limited Use (user data serves the item's single purpose only)",
        "I do not use or transfer user data for purposes that are unrelated to my item's single purpose",
        StoreType::Advertising,
        "personalised advertising (the Limited Use policy forbids it)",
    ),
    (
        "no_creditworthiness",
        "that user data is not used for creditworthiness or lending",
        "I do not use or transfer user data to determine creditworthiness or for lending purposes",
        StoreType::Creditworthiness,
        "determining creditworthiness or lending",
    ),
];

/// The data items some rule collects, on the pages or from a source, in declaration order. Every question below
/// reads rules through [`ir::Policy::collections`]: a store declaration that left out data collected independently
/// of the page (an advertising identifier read on the device, say) would be false.
fn collected(p: &ir::Policy) -> Vec<&str> {
    let used: BTreeSet<&str> = p.collections().flat_map(|r| r.data.iter().map(String::as_str)).collect();
    p.data.iter().map(|d| d.name.as_str()).filter(|n| used.contains(n)).collect()
}

/// The store types a policy gives a name.
fn types_of<'p>(p: &'p ir::Policy, name: &'p str) -> impl Iterator<Item = StoreType> + 'p {
    p.store.iter().filter(move |s| s.names.iter().any(|n| n == name)).map(|s| s.kind)
}

fn no_store_lines(p: &ir::Policy) -> Result<(), StoreError> {
    if p.store.iter().any(|s| !s.kind.is_use()) || collected(p).is_empty() {
        return Ok(());
    }
    Err(StoreError {
        message: format!("policy `{}` says of no data item what it is for the extension stores", p.id),
        help: "add a `store` line per kind of data, such as `store browsing_activity for page_url, page_title` \
               (docs/language.md lists the types)"
            .into(),
    })
}

/// Whether a rule can collect while every feature that starts off is off, for some signals and other features.
fn possible_with_off_features_off(p: &ir::Policy, rule: &ir::Collection<'_>) -> bool {
    let Some(when) = rule.when else { return true };
    let off: BTreeSet<&str> = p.features.iter().filter(|f| !f.default).map(|f| f.name.as_str()).collect();
    let free: Vec<&str> = when.names().into_iter().filter(|n| !off.contains(n)).collect();
    // Past 16 free names, say "possible", which declares the data as required: the answer that can only ask for
    // more consent, never for less.
    ir::in_some_state(&free, |on| when.eval(&|n| on(n))).unwrap_or(true)
}

/// Firefox's `data_collection_permissions` for a policy.
pub fn firefox(p: &ir::Policy) -> Result<FirefoxPermissions, StoreError> {
    no_store_lines(p)?;
    let mut required = BTreeSet::new();
    let mut optional = BTreeSet::new();
    for item in collected(p) {
        let needed =
            p.collections().filter(|r| r.data.iter().any(|d| d == item)).any(|r| possible_with_off_features_off(p, &r));
        for t in types_of(p, item) {
            let Some(name) = firefox_type(t) else { continue };
            if needed && t == StoreType::Technical {
                return Err(StoreError {
                    message: format!(
                        "data item `{item}` is technical and interaction data collected without a feature that \
                         starts off, which Firefox allows only as optional"
                    ),
                    help: format!(
                        "collect `{item}` only `when` a feature declared `default off`, so that users opt in"
                    ),
                });
            }
            if needed {
                required.insert(name);
            } else {
                optional.insert(name);
            }
        }
    }
    let optional: Vec<_> = optional.difference(&required).copied().collect();
    let required = if required.is_empty() { vec!["none"] } else { required.into_iter().collect() };
    Ok(FirefoxPermissions { required, optional })
}

/// The Chrome Web Store's privacy-practices answers for a policy, in one of its languages.
pub fn chrome(p: &ir::Policy, lang: &str) -> Result<ChromePractices, Vec<StoreError>> {
    no_store_lines(p).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut certifications = Vec::new();
    for (id, label, text, forbidden, what) in CERTIFICATIONS {
        let purposes: BTreeSet<&str> =
            p.store.iter().filter(|s| s.kind == forbidden).flat_map(|s| s.names.iter().map(String::as_str)).collect();
        for rule in p.collections() {
            for purpose in rule.purposes.iter().filter(|pu| purposes.contains(pu.as_str())) {
                errors.push(StoreError {
                    message: format!(
                        "cannot certify {label} to the Chrome Web Store: the rule at `{}` collects {} for \
                         `{purpose}`, which is {what}",
                        Origin::short(rule.origin),
                        rule.data.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "),
                    ),
                    help: format!(
                        "remove `{purpose}` from that rule's purposes, or do not publish this policy's extension \
                         on the Chrome Web Store (`store {} for {purpose}` says what it is)",
                        forbidden.name()
                    ),
                });
            }
        }
        // A sale is also what a `sold` recipient receives, and a transfer outside the approved use cases is what
        // a recipient using the data for its own purposes, or one it is shared with for cross-context
        // advertising, receives (a processor acting on the extension's behalf is an approved one). The
        // certification and the notice read the same facts, so the store is never told "not sold or
        // transferred" about data the notice says is.
        if forbidden == StoreType::Sale {
            for rule in p.collections() {
                for rec in p.recipients_for(rule.purposes) {
                    let (what, role) = if rec.sold {
                        ("to whom disclosing data is a sale", "sold")
                    } else if rec.own_purposes {
                        (
                            "which uses it for its own purposes, a transfer outside the approved use cases",
                            "own purposes",
                        )
                    } else if rec.shared {
                        ("with whom it is shared for cross-context advertising, a transfer outside the approved use cases", "shared")
                    } else {
                        continue;
                    };
                    errors.push(StoreError {
                        message: format!(
                            "cannot certify {label} to the Chrome Web Store: the rule at `{}` collects {} for \
                             purposes shared with `{}`, {what}",
                            Origin::short(rule.origin),
                            rule.data.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "),
                            rec.name
                        ),
                        help: format!(
                            "stop disclosing that data to `{}`, or do not publish this policy's extension on the \
                             Chrome Web Store (`{role}` on the recipient says what it does with the data)",
                            rec.name
                        ),
                    });
                }
            }
        }
        certifications.push(Certification { id, text, certified: true });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let items = collected(p);
    let data_types = CHROME_TYPES
        .iter()
        .map(|&name| {
            let items: Vec<String> = items
                .iter()
                .filter(|i| types_of(p, i).any(|t| chrome_type(t) == Some(name)))
                .map(|i| i.to_string())
                .collect();
            ChromeDataType { name, collected: !items.is_empty(), items }
        })
        .collect();
    let text = |t: &ir::Text| t.get(lang).or_else(|| t.values().next()).cloned().unwrap_or_default();
    let purposes: Vec<String> = p.purposes.iter().map(|pu| text(&pu.text)).collect();
    let single_purpose = format!("{}: {}", text(&p.name), purposes.join("; "));
    Ok(ChromePractices { single_purpose, data_types, certifications })
}

/// The Chrome answers as text to paste into the form.
pub fn chrome_markdown(c: &ChromePractices) -> String {
    let mut out = String::from("# Chrome Web Store: privacy practices\n\n## Single purpose\n\n");
    out.push_str(&c.single_purpose);
    out.push_str("\n\n## Data usage\n\nWhat user data do you plan to collect from users now or in the future?\n\n");
    for t in &c.data_types {
        let mark = if t.collected { "x" } else { " " };
        out.push_str(&format!("- [{mark}] {}", t.name));
        if t.collected {
            out.push_str(&format!(" ({})", t.items.join(", ")));
        }
        out.push('\n');
    }
    out.push_str("\nI certify that the following disclosures are true:\n\n");
    for cert in &c.certifications {
        out.push_str(&format!("- [{}] {}\n", if cert.certified { "x" } else { " " }, cert.text));
    }
    out
}
