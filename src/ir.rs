//! The checked policy: the one representation every back end reads.
//!
//! The IR is what the checker produces from a valid policy, with every name resolved, every `from` list
//! inlined, every pattern validated and canonical, every text present in every declared language, and every
//! default made explicit. Back ends (the matcher compiler, the disclosure renderer, the review tools) read only
//! this; they never see the AST. The IR serialises with serde to YAML and JSON (`policyc export`), and a YAML
//! policy in this shape is read back through the same checker, so the two forms cannot drift.
//!
//! Source origins (`file:line`) are kept for evidence in decisions but never serialised: an export is the
//! policy's content, not where it was written.

use crate::pattern::Pattern;
use crate::source::Origin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A text in every declared language: language tag to string. A `BTreeMap` keeps output deterministic.
pub type Text = BTreeMap<String, String>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    pub name: Text,
    pub controller: Text,
    /// The controller in particular regions, where another legal entity is responsible there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regional_controllers: Vec<RegionalController>,
    /// How users reach the controller; `None` for `contact not stated` (a published text that gives none),
    /// which the data form writes as the string `not stated`.
    #[serde(with = "contact_form")]
    pub contact: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<Text>,
    /// Where the controller is established and processes the data it collects (a region code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established: Option<String>,
    /// The representative in the Union (GDPR Art. 27) of a controller established outside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<Text>,
    /// Where a consumer opts out of the sale or sharing of personal information (CCPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_out: Option<Text>,
    /// Where the full privacy policy is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Text>,
    pub version: String,
    pub languages: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub signals: Vec<Signal>,
    #[serde(default)]
    pub features: Vec<Feature>,
    /// Events a rule can collect on instead of page views. Left out of the data form when there are none, so
    /// that the content hash of a policy without them is what it was before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    pub data: Vec<DataItem>,
    pub purposes: Vec<Purpose>,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// Retention criteria in words, named by `keep until NAME`. Left out of the data form when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    pub sites: Vec<SiteCategory>,
    #[serde(default)]
    pub never: Vec<NeverRule>,
    /// Data items the policy promises never to collect (`never collect DATA`), in the order first written. Left
    /// out of the data form when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never_collect: Vec<String>,
    /// Promises about recipients (`never sell`, `never share`, `never disclose`), each once, in the order first
    /// written. Left out of the data form when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promises: Vec<Promise>,
    pub collect: Vec<CollectRule>,
    /// `process ... on device` rules: data used on the device only. Never in the artifact, since nothing of it is
    /// collected. Left out of the data form when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_device: Vec<DeviceRule>,
    /// Declared sources of data other than the pages (`source NAME TEXT`). Left out of the data form when there
    /// are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// `collect ... from SOURCE` rules: collection that does not depend on the page. Left out of the data form
    /// when there are none, so that the content hash of a policy without them is what it was before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub independent: Vec<IndependentRule>,
    #[serde(default)]
    pub incentives: Vec<Incentive>,
    #[serde(default)]
    pub expects: Vec<Expect>,
    /// `store TYPE for NAME, ...` lines, in source order. Left out of the data form when there are none, so
    /// that the content hash of a policy without them is what it was before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub store: Vec<StoreDecl>,
    /// Warnings accepted in the whole policy (`allow` in the header). Left out when there are none, like every
    /// `allow` list, so that adding the construct changed no content hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
}

/// `allow CODE "REASON"`: a warning the author accepts where it is written (the policy, a site category or a
/// collect rule). It changes no decision and no disclosure; the checker leaves the findings it matches out of
/// the warnings and lists them as accepted (`check --format json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// A warning's code: `W0025`.
    pub code: String,
    /// Why the finding is acceptable, for reviewers.
    pub reason: String,
}

/// What data items are, or what purposes do, in the terms of the browser extension stores' data declarations.
/// `src/store.rs` maps each to Firefox's and Chrome's vocabularies; the names here are the policy's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreType {
    // Data types, for data items.
    PersonallyIdentifying,
    Health,
    Financial,
    Authentication,
    Communications,
    Location,
    BrowsingActivity,
    WebsiteActivity,
    WebsiteContent,
    SearchTerms,
    Technical,
    // Uses, for purposes: what the stores' certifications ask about.
    Advertising,
    Sale,
    Creditworthiness,
}

impl StoreType {
    pub const ALL: [StoreType; 14] = [
        StoreType::PersonallyIdentifying,
        StoreType::Health,
        StoreType::Financial,
        StoreType::Authentication,
        StoreType::Communications,
        StoreType::Location,
        StoreType::BrowsingActivity,
        StoreType::WebsiteActivity,
        StoreType::WebsiteContent,
        StoreType::SearchTerms,
        StoreType::Technical,
        StoreType::Advertising,
        StoreType::Sale,
        StoreType::Creditworthiness,
    ];

    /// The name as a policy writes it.
    pub fn name(self) -> &'static str {
        match self {
            StoreType::PersonallyIdentifying => "personally_identifying",
            StoreType::Health => "health",
            StoreType::Financial => "financial",
            StoreType::Authentication => "authentication",
            StoreType::Communications => "communications",
            StoreType::Location => "location",
            StoreType::BrowsingActivity => "browsing_activity",
            StoreType::WebsiteActivity => "website_activity",
            StoreType::WebsiteContent => "website_content",
            StoreType::SearchTerms => "search_terms",
            StoreType::Technical => "technical",
            StoreType::Advertising => "advertising",
            StoreType::Sale => "sale",
            StoreType::Creditworthiness => "creditworthiness",
        }
    }

    pub fn from_name(name: &str) -> Option<StoreType> {
        StoreType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether this type describes a purpose (a use of data) rather than a data item.
    pub fn is_use(self) -> bool {
        matches!(self, StoreType::Advertising | StoreType::Sale | StoreType::Creditworthiness)
    }
}

/// `store TYPE for NAME, ...`: data items of a store data type, or purposes of a store use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreDecl {
    #[serde(rename = "type")]
    pub kind: StoreType,
    #[serde(rename = "for")]
    pub names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub name: String,
    pub text: Text,
}

/// Something the user does that a collect rule can be triggered by (`offer_click`): the host component reports it
/// with the decision. The text completes "when ..." in disclosures ("you click an offer").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub name: String,
    pub text: Text,
}

/// The event every policy knows without declaring it: a page view, the event of every rule that names none.
pub const PAGE_VIEW: &str = "page_view";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    pub name: String,
    pub default: bool,
    pub text: Text,
    /// How the user actively agrees before the feature collects under consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in: Option<Text>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionalController {
    pub regions: Vec<String>,
    pub text: Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    pub name: String,
    /// The category of personal information under the CCPA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<PiCategory>,
    /// Held only in aggregated form that does not identify the user, so never linked to an account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aggregated: bool,
    pub text: Text,
    /// The text's form for headings and table cells (`label`), where the text runs on in sentences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
}

/// The categories of personal information of the CCPA (Cal. Civ. Code §1798.140(v)(1)), in the statute's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiCategory {
    Identifiers,
    CustomerRecords,
    ProtectedCharacteristics,
    Commercial,
    Biometric,
    InternetActivity,
    Geolocation,
    Sensory,
    Professional,
    Education,
    Inferences,
    Sensitive,
}

impl PiCategory {
    pub const ALL: [PiCategory; 12] = [
        PiCategory::Identifiers,
        PiCategory::CustomerRecords,
        PiCategory::ProtectedCharacteristics,
        PiCategory::Commercial,
        PiCategory::Biometric,
        PiCategory::InternetActivity,
        PiCategory::Geolocation,
        PiCategory::Sensory,
        PiCategory::Professional,
        PiCategory::Education,
        PiCategory::Inferences,
        PiCategory::Sensitive,
    ];

    /// The keyword as written in a policy.
    pub fn keyword(self) -> &'static str {
        match self {
            PiCategory::Identifiers => "identifiers",
            PiCategory::CustomerRecords => "customer_records",
            PiCategory::ProtectedCharacteristics => "protected_characteristics",
            PiCategory::Commercial => "commercial",
            PiCategory::Biometric => "biometric",
            PiCategory::InternetActivity => "internet_activity",
            PiCategory::Geolocation => "geolocation",
            PiCategory::Sensory => "sensory",
            PiCategory::Professional => "professional",
            PiCategory::Education => "education",
            PiCategory::Inferences => "inferences",
            PiCategory::Sensitive => "sensitive",
        }
    }

    pub fn from_keyword(s: &str) -> Option<PiCategory> {
        PiCategory::ALL.into_iter().find(|c| c.keyword() == s)
    }
}

/// The legal bases of GDPR Art. 6(1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterest,
    /// Explicit consent (Art. 6(1)(a) with Art. 9(2)(a)), which special categories of data need.
    ExplicitConsent,
    /// `not_stated`: the source the policy is written from does not state the basis. The disclosure says so; it
    /// is never read as consent, and no decision treats it as any particular basis.
    NotStated,
}

impl LegalBasis {
    pub const ALL: [LegalBasis; 8] = [
        LegalBasis::Consent,
        LegalBasis::Contract,
        LegalBasis::LegalObligation,
        LegalBasis::VitalInterests,
        LegalBasis::PublicTask,
        LegalBasis::LegitimateInterest,
        LegalBasis::ExplicitConsent,
        LegalBasis::NotStated,
    ];

    /// The keyword as written in a policy.
    pub fn keyword(self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegalObligation => "legal_obligation",
            LegalBasis::VitalInterests => "vital_interests",
            LegalBasis::PublicTask => "public_task",
            LegalBasis::LegitimateInterest => "legitimate_interest",
            LegalBasis::ExplicitConsent => "explicit_consent",
            LegalBasis::NotStated => "not_stated",
        }
    }

    /// Consent, plain or explicit: what the user can withdraw (Art. 7(3)).
    pub fn is_consent(self) -> bool {
        matches!(self, LegalBasis::Consent | LegalBasis::ExplicitConsent)
    }

    pub fn from_keyword(s: &str) -> Option<LegalBasis> {
        LegalBasis::ALL.into_iter().find(|b| b.keyword() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub name: String,
    pub basis: LegalBasis,
    /// The legitimate interest pursued (GDPR Art. 13(1)(d)); present when the basis is `legitimate_interest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
    /// Direct marketing, to which a data subject can always object (GDPR Art. 21(2)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub direct_marketing: bool,
    /// Whether the purpose involves profiling (GDPR Art. 4(4)); `None` when the policy does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiling: Option<bool>,
    /// Whether decisions with legal or similar effects are made solely by automated means (GDPR Art. 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<Decisions>,
    /// The purpose as a noun phrase for headings and table cells (`label`); the text is a clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    pub text: Text,
}

/// What a purpose says about automated decisions (GDPR Art. 13(2)(f)). Written `none`, or as a map
/// `automated: TEXT`, in both YAML and JSON (serde_yaml would otherwise want a `!automated` tag that JSON lacks).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "DecisionsForm", from = "DecisionsForm")]
pub enum Decisions {
    /// No decision with legal or similarly significant effect is made solely by automated means.
    None,
    /// Such decisions are made; the text gives the logic involved and the consequences.
    Automated(Text),
}

/// The data form of [`Decisions`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum DecisionsForm {
    Word(NoneWord),
    Automated { automated: Text },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum NoneWord {
    None,
}

impl From<Decisions> for DecisionsForm {
    fn from(d: Decisions) -> Self {
        match d {
            Decisions::None => DecisionsForm::Word(NoneWord::None),
            Decisions::Automated(automated) => DecisionsForm::Automated { automated },
        }
    }
}

impl From<DecisionsForm> for Decisions {
    fn from(d: DecisionsForm) -> Self {
        match d {
            DecisionsForm::Word(NoneWord::None) => Decisions::None,
            DecisionsForm::Automated { automated } => Decisions::Automated(automated),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub name: String,
    /// A processor acting on the controller's behalf (GDPR Art. 28) rather than a recipient on its own account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub processor: bool,
    /// The recipient uses the data for its own purposes, under its own privacy policy: in GDPR terms an
    /// independent controller, under the CCPA a third party. Never together with `processor`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own_purposes: bool,
    /// Where the recipient processes the data (a region code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
    /// The ground of a transfer to a third country (GDPR Art. 45-49).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguard: Option<Safeguard>,
    /// Disclosing data to this recipient is a sale under the CCPA.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sold: bool,
    /// Disclosing data to this recipient is sharing for cross-context behavioral advertising under the CCPA.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    pub text: Text,
}

/// A promise about recipients, checked against every recipient that collected data reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Promise {
    /// `never sell`: no recipient is one to whom disclosing is a sale (CCPA), and no purpose is a store `sale`.
    NeverSell,
    /// `never share`: no recipient is one to whom disclosing is sharing for cross-context behavioral advertising.
    NeverShare,
    /// `never disclose`: no recipient but processors acting on the controller's behalf.
    NeverDisclose,
}

impl Promise {
    pub const ALL: [Promise; 3] = [Promise::NeverSell, Promise::NeverShare, Promise::NeverDisclose];

    /// The verb as written after `never`.
    pub fn verb(self) -> &'static str {
        match self {
            Promise::NeverSell => "sell",
            Promise::NeverShare => "share",
            Promise::NeverDisclose => "disclose",
        }
    }

    /// Whether disclosing data to `r` breaks the promise.
    pub fn broken_by(self, r: &Recipient) -> bool {
        match self {
            Promise::NeverSell => r.sold,
            Promise::NeverShare => r.shared,
            Promise::NeverDisclose => !r.processor,
        }
    }
}

/// The grounds for a transfer to a third country (GDPR Chapter V).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safeguard {
    /// An adequacy decision of the Commission for the recipient's country (Art. 45).
    Adequacy,
    /// The EU-US Data Privacy Framework, the adequacy decision of 10 July 2023 for certified recipients.
    Dpf,
    /// Standard data protection clauses adopted by the Commission (Art. 46(2)(c)).
    StandardClauses,
    /// Binding corporate rules (Art. 47).
    BindingCorporateRules,
    /// A derogation for a specific situation (Art. 49).
    Derogation,
}

impl Safeguard {
    pub const ALL: [Safeguard; 5] = [
        Safeguard::Adequacy,
        Safeguard::Dpf,
        Safeguard::StandardClauses,
        Safeguard::BindingCorporateRules,
        Safeguard::Derogation,
    ];

    /// The keyword as written in a policy.
    pub fn keyword(self) -> &'static str {
        match self {
            Safeguard::Adequacy => "adequacy",
            Safeguard::Dpf => "dpf",
            Safeguard::StandardClauses => "standard_clauses",
            Safeguard::BindingCorporateRules => "binding_corporate_rules",
            Safeguard::Derogation => "derogation",
        }
    }

    pub fn from_keyword(s: &str) -> Option<Safeguard> {
        Safeguard::ALL.into_iter().find(|b| b.keyword() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteCategory {
    pub name: String,
    /// The special category of data (GDPR Art. 9) that visiting these sites can reveal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<String>,
    pub text: Text,
    /// Canonical, deduplicated, in the order first written.
    pub patterns: Vec<Pattern>,
    /// Patterns to name as examples in disclosures: those written in the policy itself rather than imported
    /// from a list (at most four), so that readers see the sites the author had in mind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Pattern>,
    /// Warnings accepted for this category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeverRule {
    pub sites: Vec<String>,
    /// Empty: every region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectRule {
    pub data: Vec<String>,
    pub sites: Vec<String>,
    /// The events the rule collects on, `page_view` among them if it collects on page views too. Empty: on page
    /// views only (what a rule without `at` says, and what every rule said before events existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// `None`: always, as far as runtime state goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Cond>,
    pub purposes: Vec<String>,
    pub keep: Retention,
    /// Whether, after `keep`, the data is kept in aggregated form, and how long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregated: Option<Aggregated>,
    pub link: Link,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Why reading the page in the user's browser is strictly necessary for the service the user asked for: the
    /// content script reads information in the user's terminal equipment, which the ePrivacy Directive (Art. 5(3))
    /// allows without consent only then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub necessary: Option<Text>,
    /// Warnings accepted for this rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl CollectRule {
    /// Whether the rule collects on `event` (`page_view` for a page view).
    pub fn on_event(&self, event: &str) -> bool {
        if self.events.is_empty() {
            event == PAGE_VIEW
        } else {
            self.events.iter().any(|e| e == event)
        }
    }
}

/// `process DATA on SITES [when COND] for PURPOSES [region R] on device`: data the extension uses on the user's
/// device only, for the purposes, where the sites and the condition say; nothing of it is sent or kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRule {
    pub data: Vec<String>,
    pub sites: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Cond>,
    pub purposes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// The built-in source of what is stored on or read from the user's device (an install id, a cookie).
pub const SOURCE_DEVICE: &str = "device";
/// The built-in source of what the user gives when creating or using an account.
pub const SOURCE_ACCOUNT: &str = "account";

/// `source NAME TEXT [label TEXT]`: where data comes from other than the pages the user visits and the built-in
/// `device` and `account` (an affiliate network's reports, a card issuer). The text completes "from ...".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub name: String,
    pub text: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
}

/// `collect DATA from SOURCE [when COND] for PURPOSES keep RETENTION [link ...] [region R] [necessary TEXT]`:
/// collection that does not depend on the page. It holds in a state (signals, features) and region, whatever URL
/// is open; `source` is `device`, `account` or a declared [`Source`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndependentRule {
    pub data: Vec<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Cond>,
    pub purposes: Vec<String>,
    pub keep: Retention,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregated: Option<Aggregated>,
    pub link: Link,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Why storing or reading on the device is strictly necessary for the service the user asked for (ePrivacy
    /// Directive Art. 5(3)); only `from device` (E0064 refuses it from the account or a declared source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub necessary: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// What one rule collects, for which purposes, for how long and where: the part a collect rule on the pages and a
/// rule from a source have in common (see [`Policy::collections`]).
#[derive(Clone, Copy, Debug)]
pub struct Collection<'p> {
    pub data: &'p [String],
    pub purposes: &'p [String],
    pub keep: &'p Retention,
    pub regions: &'p [String],
    pub when: Option<&'p Cond>,
    pub link: &'p Link,
    pub aggregated: Option<Aggregated>,
    pub origin: Option<&'p Origin>,
}

/// Whether `holds` is true in some state of the switches `names` (each on or off; every other name off). Conditions
/// name a handful of switches, so every combination is tried; past 16 names the answer is `None`, and each caller
/// picks the side its question errs on.
pub fn in_some_state(names: &[&str], holds: impl Fn(&dyn Fn(&str) -> bool) -> bool) -> Option<bool> {
    if names.len() > 16 {
        return None;
    }
    Some((0u32..1 << names.len()).any(|bits| {
        let on = |n: &str| names.iter().position(|x| *x == n).is_some_and(|i| bits >> i & 1 == 1);
        holds(&on)
    }))
}

impl Link {
    /// The condition of `link to account when COND`, if that is the link.
    pub fn cond(&self) -> Option<&Cond> {
        match self {
            Link::When(c) => Some(c),
            _ => None,
        }
    }
}

/// `collection()` for both kinds of rule, whose common fields have the same names.
macro_rules! collection_view {
    ($($rule:ty),*) => {$(
        impl $rule {
            pub fn collection(&self) -> Collection<'_> {
                Collection {
                    data: &self.data,
                    purposes: &self.purposes,
                    keep: &self.keep,
                    regions: &self.regions,
                    when: self.when.as_ref(),
                    link: &self.link,
                    aggregated: self.aggregated,
                    origin: self.origin.as_ref(),
                }
            }
        }
    )*};
}

collection_view!(CollectRule, IndependentRule);

pub use policyc_runtime::retention::{Period, Retention, TimeUnit};

/// The retention criteria the language names itself, as a `keep` clause writes them (and the artifact carries
/// them): until the user uninstalls the extension, as long as the user's account exists, until the browsing
/// session ends; `not stated`, where the source of the policy gives neither a period nor a criterion. A declared
/// criterion is written `until NAME`.
pub const BUILTIN_CRITERIA: [&str; 4] = policyc_runtime::retention::CRITERIA;

/// The declared criterion a retention names (`until NAME`), if it names one.
pub fn named_criterion(r: &Retention) -> Option<&str> {
    match r {
        Retention::Criterion(c) if !BUILTIN_CRITERIA.contains(&c.as_str()) => c.strip_prefix("until "),
        _ => None,
    }
}

/// Whether a rule keeping data for `a` keeps it at least as long as one keeping it for `b`: the same retention,
/// or two periods of which `b` is never the longer, however long their months and years are
/// ([`Period::maybe_longer_than`]). A criterion and a period cannot be compared in advance.
pub fn keeps_at_least(a: &Retention, b: &Retention) -> bool {
    match (a, b) {
        (Retention::Period(x), Retention::Period(y)) => !y.maybe_longer_than(*x),
        _ => a == b,
    }
}

/// A retention criterion declared in the policy: `criterion NAME TEXT`, the text fitting "we keep the data ...".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    pub text: Text,
}

/// What happens to data after its retention: it is kept only in aggregated form that no longer identifies the
/// user, without a limit or for at most a period after collection. Written `indefinitely` or `5 years`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aggregated {
    Indefinitely,
    For(Period),
}

impl fmt::Display for Aggregated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aggregated::Indefinitely => f.write_str("indefinitely"),
            Aggregated::For(p) => p.fmt(f),
        }
    }
}

impl Serialize for Aggregated {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Aggregated {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.trim() {
            "indefinitely" => Ok(Aggregated::Indefinitely),
            other => other.parse().map(Aggregated::For).map_err(|e: String| {
                serde::de::Error::custom(format!("{e}; `aggregated` is `indefinitely` or a period such as `5 years`"))
            }),
        }
    }
}

/// When collected data is linked to the user's account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Link {
    Never,
    Always,
    /// The source the policy is written from does not say whether the data is linked: never linked by the
    /// matcher (fail closed), and said to be not stated in the disclosure.
    NotStated,
    When(Cond),
}

/// A boolean condition over signals and features.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    Var(String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// Evaluates the condition; `value` gives the state of each name.
    pub fn eval(&self, value: &impl Fn(&str) -> bool) -> bool {
        match self {
            Cond::Var(n) => value(n),
            Cond::Not(c) => !c.eval(value),
            Cond::And(cs) => cs.iter().all(|c| c.eval(value)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(value)),
        }
    }

    /// Whether the condition is false whenever `var` is off, whatever the other variables are: the feature
    /// `var` gates what the condition guards. Decided by trying every assignment of the other names (conditions
    /// name few); a condition with more than 16 other names is not said to require anything.
    pub fn requires(&self, var: &str) -> bool {
        let all = self.names();
        let names: Vec<&str> = all.iter().copied().filter(|n| *n != var).collect();
        all.contains(&var) && in_some_state(&names, |on| self.eval(&|n| n != var && on(n))) == Some(false)
    }

    /// Whether `other` holds in every state where this condition does (false past 16 names, where it is not
    /// decided): `a and b` implies `a`.
    pub fn implies(&self, other: &Cond) -> bool {
        let mut names = self.names();
        for n in other.names() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        in_some_state(&names, |on| self.eval(&|n| on(n)) && !other.eval(&|n| on(n))) == Some(false)
    }

    /// Every name the condition reads, in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Cond::Var(n) => {
                if !out.contains(&n.as_str()) {
                    out.push(n)
                }
            }
            Cond::Not(c) => c.collect_names(out),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.collect_names(out)),
        }
    }

    fn fmt_prec(&self, f: &mut fmt::Formatter<'_>, prec: u8) -> fmt::Result {
        // Precedence: or = 0, and = 1, not = 2. Parenthesise a child that binds looser than its context.
        match self {
            Cond::Var(n) => f.write_str(n),
            Cond::Not(c) => {
                f.write_str("not ")?;
                c.fmt_prec(f, 2)
            }
            Cond::And(cs) | Cond::Or(cs) => {
                let (own, sep) = if matches!(self, Cond::And(_)) { (1, " and ") } else { (0, " or ") };
                if prec > own {
                    f.write_str("(")?;
                }
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    c.fmt_prec(f, own + 1)?;
                }
                if prec > own {
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Cond {
    /// The condition as it would be written in a policy, with only the parentheses it needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_prec(f, 0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incentive {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    pub summary: Text,
    pub data: Vec<String>,
    /// The good-faith estimate of the value of the consumer's data (11 CCR §7016(d)(5)).
    pub value: Text,
    /// How the value was calculated.
    pub method: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdraw: Option<Text>,
    /// Withdrawing does not take back the reward.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reward_stays: bool,
}

/// An inline test: a URL, a runtime state, and the expected outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The URL decided; `None` for a line that tests a source (`from`). Exactly one of `url` and `from` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `expect from SOURCE`: what is collected from the source in the line's state, whatever page is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The event decided; `None` is a page view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Settings that differ from the defaults: `signed_in` or `not price_compare`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collects: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<String>>,
    /// `uses DATA for PURPOSES`: the exact purposes each item is collected for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<ExpectUses>,
    /// `keeps DATA RETENTION`: the retention each item is reported with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keeps: Vec<ExpectKeeps>,
    /// `shares DATA with RECIPIENTS|nobody`: the exact recipients each item is disclosed to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<ExpectShares>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// `uses DATA, ... for PURPOSE, ...` in an `expect` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectUses {
    pub data: Vec<String>,
    #[serde(rename = "for")]
    pub purposes: Vec<String>,
}

/// `keeps DATA, ... RETENTION` in an `expect` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectKeeps {
    pub data: Vec<String>,
    pub keep: Retention,
}

/// `shares DATA, ... with RECIPIENT, ...` in an `expect` line; an empty list is `with nobody`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectShares {
    pub data: Vec<String>,
    pub with: Vec<String>,
}

impl Policy {
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.name == name)
    }
    pub fn signal(&self, name: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.name == name)
    }
    pub fn data_item(&self, name: &str) -> Option<&DataItem> {
        self.data.iter().find(|d| d.name == name)
    }
    pub fn purpose(&self, name: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.name == name)
    }
    /// The purposes among `names` that do not rest on consent (an undeclared name counts as not consented).
    pub fn without_consent<'a>(&'a self, names: &'a [String]) -> impl Iterator<Item = &'a String> + 'a {
        names.iter().filter(|p| self.purpose(p).is_none_or(|x| !x.basis.is_consent()))
    }
    /// Whether every purpose among `names` rests on consent.
    pub fn rests_on_consent(&self, names: &[String]) -> bool {
        self.without_consent(names).next().is_none()
    }
    pub fn site_category(&self, name: &str) -> Option<&SiteCategory> {
        self.sites.iter().find(|s| s.name == name)
    }
    pub fn recipient(&self, name: &str) -> Option<&Recipient> {
        self.recipients.iter().find(|r| r.name == name)
    }
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }
    pub fn criterion(&self, name: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.name == name)
    }

    /// What every rule collects, for what and for how long, whether on the pages or from a source: the view of
    /// the California notice at collection and its checks, since the CCPA asks about every category of personal
    /// information collected, wherever it comes from. Page rules first, each list in declaration order.
    pub fn collections(&self) -> impl Iterator<Item = Collection<'_>> {
        self.collect.iter().map(CollectRule::collection).chain(self.independent.iter().map(IndependentRule::collection))
    }

    /// The recipients that data collected by `rule` reaches: those its purposes are `shared with`, each once, in
    /// declaration order. Every check and sentence about who receives data goes through this.
    pub fn recipients_of<'p>(&'p self, rule: &CollectRule) -> Vec<&'p Recipient> {
        self.recipients_for(&rule.purposes)
    }

    /// The recipients that data collected for `purposes` reaches, each once, in declaration order: one collected
    /// item's, as `explain` and an `expect` line's `shares` read them (its purposes over the rules that fired), or
    /// a rule's, on the pages or independently of them.
    pub fn recipients_for<'p>(&'p self, purposes: &[String]) -> Vec<&'p Recipient> {
        self.recipients
            .iter()
            .filter(|r| purposes.iter().any(|p| self.purpose(p).is_some_and(|p| p.shared_with.contains(&r.name))))
            .collect()
    }

    /// The canonical JSON export, which the content hash is computed over.
    pub fn to_canonical_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the IR always serialises") + "\n"
    }

    /// The name every output file of this policy starts with: its id with `_` written as `-`, the usual form of
    /// a file name (`policy shopping_assistant` → `shopping-assistant.matcher`). It comes from the IR alone, so
    /// the disclosures can name the site-list files, and a policy and its YAML export give the same files.
    pub fn file_stem(&self) -> String {
        self.id.replace('_', "-")
    }

    /// SHA-256 of the canonical JSON export, as lowercase hex: the policy's content hash.
    pub fn content_hash(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.to_canonical_json().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

// Text forms for the YAML/JSON shape: conditions, links and retention periods are written as a policy would
// write them, which is what a person editing YAML expects and what keeps the export short. Reading conditions
// back needs the condition parser, which sits above the IR: those `Deserialize` impls live with the data form
// in `yaml.rs`.

impl Serialize for Cond {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Link {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Link::Never => s.serialize_str("never"),
            Link::Always => s.serialize_str("always"),
            Link::NotStated => s.serialize_str("not stated"),
            Link::When(c) => s.collect_str(&format_args!("when {c}")),
        }
    }
}

/// What one artifact can hold. The checker refuses a policy over these (E0027) so that a policy `check` passes
/// is one `compile` accepts with its default limits; the compiler enforces them again, with flags to raise the
/// last two.
pub mod limits {
    /// Decisions carry site categories, data items, purposes, signals and features, regions, and rules of each
    /// kind as 64-bit sets, so a policy has at most 64 of each.
    pub const MAX_PER_KIND: usize = 64;
    /// Declared events: a rule's events are a 64-bit set too, whose first bit is the page view.
    pub const MAX_EVENTS: usize = 63;
    /// Distinct domains, exact hosts and wildcard labels, by default (`compile --max-domains`).
    pub const MAX_DOMAINS: usize = 4_000_000;
    /// Path patterns, each a pattern of the path automaton, by default (`compile --max-path-patterns`).
    pub const MAX_PATH_PATTERNS: usize = 20_000;
    /// Distinct combinations of site categories that one domain can be in (index values are 16 bits).
    pub const MAX_CATEGORY_COMBINATIONS: usize = 1 << 16;
    /// Nesting of a condition, counted as the stack depth of its compiled program.
    pub const MAX_CONDITION_DEPTH: usize = 64;
}

/// The data form of the header's `contact`: its text by language, or the string `not stated`. A missing
/// `contact` stays an error (no `default`), so that a document cannot leave it out by accident.
mod contact_form {
    use crate::ir::Text;
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::fmt;

    const NOT_STATED: &str = "not stated";

    pub fn serialize<S: Serializer>(contact: &Option<Text>, s: S) -> Result<S::Ok, S::Error> {
        match contact {
            Some(text) => text.serialize(s),
            None => s.serialize_str(NOT_STATED),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
        struct Form;
        impl<'de> Visitor<'de> for Form {
            type Value = Option<Text>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text by language (`en: ...`) or `not stated`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim() == NOT_STATED {
                    Ok(None)
                } else {
                    Err(E::custom(format!("contact `{v}` is neither a text by language (`en: ...`) nor `not stated`")))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Text::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
            }
        }
        d.deserialize_any(Form)
    }
}
