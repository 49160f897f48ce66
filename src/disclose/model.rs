//! The disclosure as data: what [`build`](super::build) produces and the renderers lay out. Every sentence in
//! it is already in the reader's language; the facts next to the sentences are the same content for programs
//! (`disclose --format json`, schema `schemas/disclosure.schema.json`).

use crate::ir::LegalBasis;
use serde::Serialize;

/// A rendered disclosure: text sections for people, facts for programs.
#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    pub policy: String,
    pub policy_hash: String,
    pub language: String,
    pub region: Option<String>,
    pub title: String,
    /// Version and scope lines under the title.
    pub preamble: Vec<String>,
    pub summary: Summary,
    pub sections: Vec<Section>,
    pub appendix: Option<Appendix>,
    pub facts: Facts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub heading: String,
    /// Each offer in exchange for data, in one sentence, so that the trade is seen before anything else.
    pub offers: Vec<String>,
    pub intro: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A section of the notice: a heading, paragraphs, then a list of items.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub items: Vec<Item>,
    /// Paragraphs after the list.
    pub after: Vec<String>,
}

impl Section {
    /// A section without paragraphs after its list.
    pub(super) fn new(id: impl Into<String>, heading: String, paragraphs: Vec<String>, items: Vec<Item>) -> Section {
        Section { id: id.into(), heading, paragraphs, items, after: Vec::new() }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub title: Option<String>,
    pub text: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Appendix {
    pub heading: String,
    pub categories: Vec<AppendixCategory>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppendixCategory {
    pub name: String,
    pub title: String,
    pub sites: Vec<String>,
}

/// The facts behind the sentences, for programs that read the JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The controller the notice names: the region's own where the policy names one for it.
    pub controller: String,
    /// In a notice for every region, the controllers the policy names for some regions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regional_controllers: Vec<RegionalControllerFact>,
    /// `None` where the policy says `contact not stated`.
    pub contact: Option<String>,
    pub dpo: Option<String>,
    pub gdpr: bool,
    pub data: Vec<DataFact>,
    pub collected_on: Vec<CategoryFact>,
    pub never_on: Vec<CategoryFact>,
    /// Data items the policy promises never to collect.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub never_collected: Vec<String>,
    /// Promises about recipients (`never_sell`, `never_share`, `never_disclose`), which the checker has held.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub promises: Vec<crate::ir::Promise>,
    /// Data items used on the device only, never sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_device: Vec<String>,
    /// What is collected independently of the pages visited (`collect ... from SOURCE`), per rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub independent: Vec<IndependentFact>,
    pub purposes: Vec<PurposeFact>,
    pub features: Vec<FeatureFact>,
    pub incentives: Vec<IncentiveFact>,
}

/// A controller responsible for the users of some regions (`controller region`).
#[derive(Debug, Clone, Serialize)]
pub struct RegionalControllerFact {
    pub regions: Vec<String>,
    pub controller: String,
}

/// A rule that collects independently of the pages: from which source, what, for what and for how long.
#[derive(Debug, Clone, Serialize)]
pub struct IndependentFact {
    /// `device`, `account` or the name of a declared source.
    pub source: String,
    pub data: Vec<String>,
    pub purposes: Vec<String>,
    /// `never`, `always`, or the condition as written in the policy (`when ...`).
    pub linked: String,
    /// The condition under which the rule collects, as written in the policy; left out when it always does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The retention as the policy writes it: `90 days`, `until uninstall`.
    pub retention: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataFact {
    pub name: String,
    pub text: String,
    pub sites: Vec<String>,
    pub purposes: Vec<String>,
    /// `never`, `always`, or the condition as written in the policy (`when ...`), per collect rule.
    pub linked: Vec<String>,
    /// The events the item is collected on (`page_view`, `offer_click`), in the order the rules name them; left
    /// out when it is collected on page views only, as every item was before rules could name events.
    #[serde(skip_serializing_if = "is_page_views_only")]
    pub events: Vec<String>,
    /// The longest retention in days; `None` when it is a criterion, which bounds nothing in advance.
    pub retention_days_max: Option<u64>,
    /// The longest retention as the policy writes it: `90 days`, `until uninstall`.
    pub retention: String,
    /// How long the data is kept afterwards in aggregated form (`indefinitely`, `5 years`), if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_aggregated: Option<String>,
}

fn is_page_views_only(events: &[String]) -> bool {
    events.iter().all(|e| e == crate::ir::PAGE_VIEW)
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryFact {
    pub name: String,
    pub description: String,
    pub count: usize,
    pub examples: Vec<String>,
    /// The separate file holding the full list, when it is too long for the appendix.
    pub list_file: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurposeFact {
    pub name: String,
    pub text: String,
    pub basis: LegalBasis,
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureFact {
    pub name: String,
    pub text: String,
    pub default: bool,
    /// Data items no longer collected anywhere when the feature is off.
    pub stops: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncentiveFact {
    pub name: String,
    pub regions: Vec<String>,
    pub data: Vec<String>,
    pub value: String,
}
