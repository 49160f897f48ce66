//! Disclosures: what the matcher does, said in words, per language and region.
//!
//! [`build`] reads only the IR (the same IR the matcher is compiled from, so the two cannot say different
//! things) and produces a [`Disclosure`]: a document model whose every sentence is already in the reader's
//! language, next to the structured facts it was made from. The renderers in [`render`] only lay the model
//! out as Markdown, HTML or plain text; JSON is the model itself (schema: `schemas/disclosure.schema.json`).
//!
//! The content follows GDPR Art. 13 and, for incentives, the CCPA notice of financial incentive
//! (`../shared/notes/legal-content.md`); the order is the issue's: a short summary first, then the notice.

pub mod render;

use crate::ir::{self, Cond, LegalBasis, Link, Policy};
use crate::locale::Locale;
use crate::pattern::{HostPattern, Pattern};
use serde::Serialize;

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
    fn new(id: impl Into<String>, heading: String, paragraphs: Vec<String>, items: Vec<Item>) -> Section {
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
    pub controller: String,
    pub contact: String,
    pub dpo: Option<String>,
    pub gdpr: bool,
    pub data: Vec<DataFact>,
    pub collected_on: Vec<CategoryFact>,
    pub never_on: Vec<CategoryFact>,
    pub purposes: Vec<PurposeFact>,
    pub features: Vec<FeatureFact>,
    pub incentives: Vec<IncentiveFact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataFact {
    pub name: String,
    pub text: String,
    pub sites: Vec<String>,
    pub purposes: Vec<String>,
    /// `never`, `always`, or the condition as written in the policy (`when ...`), per collect rule.
    pub linked: Vec<String>,
    pub retention_days_max: u64,
    pub retention: String,
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

/// The file name of a category's full site list, written next to the disclosures.
pub fn list_file_name(policy: &Policy, category: &str) -> String {
    format!("{}.{}.sites.txt", policy.id, category)
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

/// Whether a rule scoped to `regions` applies in `region` (`None`: the disclosure covers every region).
fn in_region(regions: &[String], region: Option<&str>) -> bool {
    regions.is_empty() || region.is_none_or(|r| regions.iter().any(|x| x == r))
}

/// Whether `cond` is false whenever `var` is off, whatever the other variables are.
fn requires(cond: &Cond, var: &str) -> bool {
    let names: Vec<&str> = cond.names().into_iter().filter(|n| *n != var).collect();
    if !cond.names().contains(&var) || names.len() > 16 {
        return false;
    }
    (0u32..1 << names.len()).all(|bits| {
        let value = |n: &str| n != var && names.iter().position(|x| *x == n).is_some_and(|i| bits >> i & 1 == 1);
        !cond.eval(&value)
    })
}

struct Ctx<'a> {
    p: &'a Policy,
    l: &'a Locale,
    lang: &'a str,
}

impl Ctx<'_> {
    fn tx(&self, t: &ir::Text) -> String {
        t.get(self.lang).cloned().unwrap_or_default()
    }

    fn data_text(&self, name: &str) -> String {
        self.p.data_item(name).map(|d| self.tx(&d.text)).unwrap_or_else(|| name.to_string())
    }

    fn data_list(&self, names: &[String]) -> String {
        let texts: Vec<String> = names.iter().map(|n| self.data_text(n)).collect();
        self.l.list(&texts, "list_and")
    }

    fn category_text(&self, name: &str) -> String {
        self.p.site_category(name).map(|c| self.tx(&c.text)).unwrap_or_else(|| name.to_string())
    }

    fn feature_name(&self, f: &ir::Feature) -> String {
        self.l.t("cond_feature_name", &[("feature", &self.tx(&f.text))])
    }

    /// A condition as a clause that can follow "while" / "solange".
    fn cond(&self, c: &Cond) -> String {
        self.cond_prec(c, 0)
    }

    fn cond_prec(&self, c: &Cond, prec: u8) -> String {
        match c {
            Cond::Var(n) => self.var(n, true),
            Cond::Not(inner) => match inner.as_ref() {
                Cond::Var(n) => self.var(n, false),
                other => format!("{} ({})", self.l.t("cond_signal_off", &[("signal", "")]).trim(), self.cond(other)),
            },
            Cond::And(cs) | Cond::Or(cs) => {
                let (own, conj) = if matches!(c, Cond::And(_)) { (1, "list_and") } else { (0, "list_or") };
                let parts: Vec<String> = cs.iter().map(|c| self.cond_prec(c, own + 1)).collect();
                let s = self.l.list(&parts, conj);
                if prec > own {
                    format!("({s})")
                } else {
                    s
                }
            }
        }
    }

    fn var(&self, name: &str, on: bool) -> String {
        if let Some(f) = self.p.feature(name) {
            let key = if on { "cond_feature_on" } else { "cond_feature_off" };
            return self.l.t(key, &[("feature", &self.feature_name(f))]);
        }
        let text = self.p.signal(name).map(|s| self.tx(&s.text)).unwrap_or_else(|| name.to_string());
        if on {
            text
        } else {
            self.l.t("cond_signal_off", &[("signal", &text)])
        }
    }

    fn duration(&self, r: ir::Retention) -> String {
        self.l.plural(&format!("unit_{}", r.unit.word()), u64::from(r.amount))
    }

    fn basis(&self, b: LegalBasis, gdpr: bool) -> String {
        let name = self.l.t(&format!("basis_{}", b.keyword()), &[]);
        if gdpr {
            format!("{name} ({})", self.l.t(&format!("gdpr_ref_{}", b.keyword()), &[]))
        } else {
            name
        }
    }

    fn link_sentence(&self, link: &Link, data: &str) -> String {
        match link {
            Link::Never => self.l.t("link_never", &[("data", data)]),
            Link::Always => self.l.t("link_always", &[("data", data)]),
            Link::When(c) => self.l.t("link_when", &[("data", data), ("cond", &self.cond(c))]),
        }
    }

    fn examples(&self, c: &ir::SiteCategory) -> Vec<String> {
        if !c.examples.is_empty() {
            return c.examples.iter().map(display_pattern).collect();
        }
        // A category made only of imported lists: take names of typical length without digits, so that the
        // examples read like ordinary sites; the choice is deterministic, so disclosures are byte-identical.
        let mut v: Vec<&Pattern> = c.patterns.iter().collect();
        v.sort_by_key(|p| {
            let s = p.to_string();
            (s.chars().any(|ch| ch.is_ascii_digit() || ch == '-'), s.len().abs_diff(11), s)
        });
        v.into_iter().take(4).map(display_pattern).collect()
    }
}

/// A policy text used as a sentence of its own: capitalised, and ended with a full stop if it has no final
/// punctuation.
fn sentence(s: &str) -> String {
    let s = cap(s.trim());
    if s.ends_with(['.', '!', '?', ')', '"', '“', '”']) || s.is_empty() {
        s
    } else {
        format!("{s}.")
    }
}

/// Capitalises the first letter of a sentence (texts in the policy are written to fit mid-sentence).
fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Builds the disclosure of `policy` in `lang`, for `region` (or every region).
pub fn build(policy: &Policy, lang: &str, region: Option<&str>) -> Result<Disclosure, DiscloseError> {
    if !policy.languages.iter().any(|l| l == lang) {
        return Err(DiscloseError(format!(
            "the policy is not written in `{lang}`; it declares {}",
            policy.languages.join(", ")
        )));
    }
    if let Some(r) = region {
        if !policy.regions.iter().any(|x| x == r) {
            return Err(DiscloseError(format!("region `{r}` is not declared by the policy")));
        }
    }
    let l = Locale::get(lang)
        .ok_or_else(|| DiscloseError(format!("there is no disclosure wording for `{lang}` (locales/{lang}.yaml)")))?;
    let cx = Ctx { p: policy, l: &l, lang };
    let gdpr = match region {
        Some(r) => GDPR_REGIONS.contains(&r),
        None => policy.regions.iter().any(|r| GDPR_REGIONS.contains(&r.as_str())),
    };
    let rules: Vec<&ir::CollectRule> = policy.collect.iter().filter(|r| in_region(&r.regions, region)).collect();
    let nevers: Vec<&ir::NeverRule> = policy.never.iter().filter(|n| in_region(&n.regions, region)).collect();
    let contact = cx.tx(&policy.contact);

    // Data items collected in this region, in declaration order.
    let data: Vec<&ir::DataItem> =
        policy.data.iter().filter(|d| rules.iter().any(|r| r.data.contains(&d.name))).collect();
    let rules_for = |d: &str| -> Vec<&ir::CollectRule> {
        rules.iter().filter(|r| r.data.iter().any(|x| x == d)).copied().collect()
    };

    // The data items some rule collects for a purpose, in declaration order.
    let data_for_purpose = |purpose: &str| -> Vec<String> {
        data.iter()
            .filter(|d| rules_for(&d.name).into_iter().any(|r| r.purposes.iter().any(|p| p == purpose)))
            .map(|d| d.name.clone())
            .collect()
    };
    let mut summary_rows = Vec::new();
    let mut data_facts = Vec::new();
    for d in &data {
        let mut sites: Vec<String> = Vec::new();
        let mut purposes: Vec<String> = Vec::new();
        let mut linked: Vec<String> = Vec::new();
        let mut keep: Option<ir::Retention> = None;
        for r in rules_for(&d.name) {
            for s in &r.sites {
                if !sites.contains(s) {
                    sites.push(s.clone());
                }
            }
            for p in &r.purposes {
                if !purposes.contains(p) {
                    purposes.push(p.clone());
                }
            }
            let link = match &r.link {
                Link::Never => "never".to_string(),
                Link::Always => "always".to_string(),
                Link::When(c) => format!("when {c}"),
            };
            if !linked.contains(&link) {
                linked.push(link);
            }
            if keep.is_none_or(|k| (r.keep.max_days(), r.keep) > (k.max_days(), k)) {
                keep = Some(r.keep);
            }
        }
        let keep = keep.expect("every listed data item has a rule");
        let linked_words: Vec<String> = rules_for(&d.name)
            .into_iter()
            .map(|r| match &r.link {
                Link::Never => l.t("linked_never", &[]),
                Link::Always => l.t("linked_always", &[]),
                Link::When(c) => l.t("linked_when", &[("cond", &cx.cond(c))]),
            })
            .fold(Vec::new(), |mut v, s| {
                if !v.contains(&s) {
                    v.push(s);
                }
                v
            });
        summary_rows.push(vec![
            cap(&cx.tx(&d.text)),
            sites.iter().map(|s| cx.category_text(s)).collect::<Vec<_>>().join("; "),
            linked_words.join("; "),
            purposes
                .iter()
                .map(|p| policy.purpose(p).map(|p| cx.tx(&p.text)).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("; "),
            if rules_for(&d.name).windows(2).all(|w| w[0].keep == w[1].keep) {
                cx.duration(keep)
            } else {
                // Rules keep the item for different periods (see the retention section): the summary gives
                // the longest as an upper bound.
                l.t("up_to", &[("duration", &cx.duration(keep))])
            },
        ]);
        data_facts.push(DataFact {
            name: d.name.clone(),
            text: cx.tx(&d.text),
            sites,
            purposes,
            linked,
            retention_days_max: keep.max_days(),
            retention: keep.to_string(),
        });
    }

    let mut sections = Vec::new();
    let mut preamble = vec![l.t("version", &[("version", &policy.version)])];
    preamble.push(match region {
        Some(r) => l.t("region", &[("region", &l.region(r))]),
        None => l.t("all_regions", &[]),
    });

    // Controller and contact.
    let mut controller = vec![
        l.t("controller", &[("controller", &cx.tx(&policy.controller))]),
        l.t("contact", &[("contact", &contact)]),
    ];
    if let Some(dpo) = &policy.dpo {
        controller.push(l.t("dpo", &[("dpo", &cx.tx(dpo))]));
    }
    sections.push(Section::new("controller", l.t("controller_heading", &[]), controller, vec![]));

    // Data items.
    sections.push(Section::new(
        "data",
        l.t("data_heading", &[]),
        vec![l.t("data_intro", &[])],
        data.iter().map(|d| Item { title: None, text: vec![cap(&cx.tx(&d.text))] }).collect(),
    ));

    // Where: each category some rule collects on, with what is collected there and when.
    let mut collect_cats: Vec<&ir::SiteCategory> = Vec::new();
    for c in &policy.sites {
        if rules.iter().any(|r| r.sites.contains(&c.name)) {
            collect_cats.push(c);
        }
    }
    let mut appendix = Vec::new();
    let mut wildcard_example = None;
    let category_fact = |c: &ir::SiteCategory| CategoryFact {
        name: c.name.clone(),
        description: cx.tx(&c.text),
        count: c.patterns.len(),
        examples: cx.examples(c),
        list_file: (c.patterns.len() > INLINE_LIST_MAX).then(|| list_file_name(policy, &c.name)),
    };
    let mut category_item = |c: &ir::SiteCategory, extra: Vec<String>| -> Item {
        let fact = category_fact(c);
        let count = l.plural("site_count", fact.count as u64);
        let mut text = vec![format!("{count}, {}.", l.t("examples", &[("examples", &fact.examples.join(", "))]))];
        match &fact.list_file {
            Some(file) => text.push(l.t("full_list_file", &[("file", &format!("`{file}`"))])),
            None => {
                text.push(l.t("full_list_appendix", &[]));
                appendix.push(AppendixCategory {
                    name: c.name.clone(),
                    title: l.t("appendix_category", &[("description", &cap(&fact.description)), ("count", &count)]),
                    sites: c.patterns.iter().map(display_pattern).collect(),
                });
            }
        }
        if wildcard_example.is_none() {
            wildcard_example =
                fact.examples.iter().find(|e| e.contains(".*")).map(|e| e.split('/').next().unwrap_or(e).to_string());
        }
        text.extend(extra);
        Item { title: Some(cap(&fact.description)), text }
    };
    let mut where_items = Vec::new();
    for c in &collect_cats {
        let mut extra = Vec::new();
        for r in rules.iter().filter(|r| r.sites.contains(&c.name)) {
            let when = match &r.when {
                Some(cond) => l.t("collects_when", &[("cond", &cx.cond(cond))]),
                None => String::new(),
            };
            extra.push(l.t("collects_there", &[("data", &cx.data_list(&r.data)), ("when", &when)]));
        }
        where_items.push(category_item(c, extra));
    }
    let mut never_cats: Vec<&ir::SiteCategory> = Vec::new();
    for c in &policy.sites {
        if nevers.iter().any(|n| n.sites.contains(&c.name)) {
            never_cats.push(c);
        }
    }
    let never_items: Vec<Item> = never_cats.iter().map(|c| category_item(c, vec![])).collect();
    let mut where_after = Vec::new();
    if let Some(example) = &wildcard_example {
        where_after.push(l.t("wildcard_note", &[("example", &format!("`{example}`"))]));
    }
    sections.push(Section {
        after: where_after,
        ..Section::new("where", l.t("where_heading", &[]), vec![l.t("where_intro", &[])], where_items)
    });

    // Never.
    sections.push(Section::new(
        "never",
        l.t("never_heading", &[]),
        vec![if never_items.is_empty() { l.t("never_none", &[]) } else { l.t("never_intro", &[]) }],
        never_items,
    ));

    // Linkage, per data item.
    let mut link_items = Vec::new();
    for d in &data {
        let text = cx.tx(&d.text);
        let rs: Vec<&ir::CollectRule> = rules_for(&d.name).into_iter().collect();
        let same = rs.windows(2).all(|w| w[0].link == w[1].link);
        let sentences = if same {
            vec![cap(&cx.link_sentence(&rs[0].link, &text))]
        } else {
            rs.iter()
                .map(|r| {
                    let sites: Vec<String> = r.sites.iter().map(|s| cx.category_text(s)).collect();
                    l.t(
                        "link_on_sites",
                        &[
                            ("sites", &l.list(&sites, "list_and")),
                            ("sentence", &cap(&cx.link_sentence(&r.link, &text))),
                        ],
                    )
                })
                .collect()
        };
        link_items.push(Item { title: Some(cap(&text)), text: sentences });
    }
    sections.push(Section::new("linkage", l.t("link_heading", &[]), vec![l.t("link_intro", &[])], link_items));

    // Purposes and legal bases.
    let mut purpose_items = Vec::new();
    let mut purpose_facts = Vec::new();
    for p in &policy.purposes {
        let pdata = data_for_purpose(&p.name);
        if pdata.is_empty() {
            continue;
        }
        let mut text = vec![
            l.t("purpose", &[("data", &cx.data_list(&pdata)), ("purpose", &cx.tx(&p.text))]),
            l.t("purpose_basis", &[("basis", &cx.basis(p.basis, gdpr))]),
        ];
        if let Some(i) = &p.interest {
            text.push(l.t("purpose_interest", &[("interest", &cx.tx(i))]));
        }
        purpose_items.push(Item { title: Some(cap(&cx.tx(&p.text))), text });
        purpose_facts.push(PurposeFact {
            name: p.name.clone(),
            text: cx.tx(&p.text),
            basis: p.basis,
            recipients: p.shared_with.clone(),
        });
    }
    sections.push(Section::new("purposes", l.t("purposes_heading", &[]), vec![], purpose_items));

    // Retention: one sentence per data item whose rules agree on the period; where rules keep an item for
    // different periods, one sentence per rule, naming the purposes that set the period.
    let mut retention_items = Vec::new();
    let mut differing: Vec<(&ir::CollectRule, Vec<String>)> = Vec::new();
    for d in &data {
        let rs = rules_for(&d.name);
        if rs.windows(2).all(|w| w[0].keep == w[1].keep) {
            retention_items.push(Item {
                title: None,
                text: vec![l.t("retention", &[("data", &cx.tx(&d.text)), ("duration", &cx.duration(rs[0].keep))])],
            });
            continue;
        }
        for r in rs {
            match differing.iter_mut().find(|(x, _)| std::ptr::eq(*x, r)) {
                Some((_, items)) => items.push(d.name.clone()),
                None => differing.push((r, vec![d.name.clone()])),
            }
        }
    }
    for (r, items) in differing {
        let purposes: Vec<String> =
            r.purposes.iter().filter_map(|p| policy.purpose(p)).map(|p| cx.tx(&p.text)).collect();
        retention_items.push(Item {
            title: None,
            text: vec![l.t(
                "retention_for",
                &[
                    ("data", &cx.data_list(&items)),
                    ("purpose", &l.list(&purposes, "list_and")),
                    ("duration", &cx.duration(r.keep)),
                ],
            )],
        });
    }
    sections.push(Section::new("retention", l.t("retention_heading", &[]), vec![], retention_items));

    // Recipients.
    let mut recipient_items = Vec::new();
    for p in &policy.purposes {
        let pdata = data_for_purpose(&p.name);
        if pdata.is_empty() {
            continue;
        }
        for r in p.shared_with.iter().filter_map(|r| policy.recipient(r)) {
            recipient_items.push(Item {
                title: None,
                text: vec![l.t(
                    "recipient",
                    &[("data", &cx.data_list(&pdata)), ("recipient", &cx.tx(&r.text)), ("purpose", &cx.tx(&p.text))],
                )],
            });
        }
    }
    sections.push(Section::new(
        "recipients",
        l.t("recipients_heading", &[]),
        if recipient_items.is_empty() { vec![l.t("recipients_none", &[])] } else { vec![] },
        recipient_items,
    ));

    // Feature switches.
    let mut feature_items = Vec::new();
    let mut feature_facts = Vec::new();
    let mut stopping_features = Vec::new();
    for f in &policy.features {
        let name = cx.feature_name(f);
        let stopped: Vec<&ir::CollectRule> =
            rules.iter().filter(|r| r.when.as_ref().is_some_and(|c| requires(c, &f.name))).copied().collect();
        let is_stopped = |r: &ir::CollectRule| stopped.iter().any(|s| std::ptr::eq(*s, r));
        // A data item stops only where *every* rule that collects it requires the feature: another rule may
        // collect the same item on the same sites under another switch.
        let fully: Vec<String> =
            data.iter().filter(|d| rules_for(&d.name).into_iter().all(is_stopped)).map(|d| d.name.clone()).collect();
        let mut text =
            vec![
                cap(&l.t(if f.default { "feature_default_on" } else { "feature_default_off" }, &[("feature", &name)])),
            ];
        if !fully.is_empty() {
            text.push(l.t("feature_stops", &[("feature", &name), ("data", &cx.data_list(&fully))]));
        }
        for c in &collect_cats {
            let on_c: Vec<String> = data
                .iter()
                .filter(|d| !fully.contains(&d.name))
                .filter(|d| {
                    let rs: Vec<&ir::CollectRule> =
                        rules_for(&d.name).into_iter().filter(|r| r.sites.contains(&c.name)).collect();
                    !rs.is_empty() && rs.into_iter().all(is_stopped)
                })
                .map(|d| d.name.clone())
                .collect();
            if !on_c.is_empty() {
                let s = l.t("feature_stops", &[("feature", &name), ("data", &cx.data_list(&on_c))]);
                text.push(l.t("link_on_sites", &[("sites", &cx.category_text(&c.name)), ("sentence", &s)]));
            }
        }
        let purposes_stopped: Vec<String> = policy
            .purposes
            .iter()
            .filter(|p| {
                let rs: Vec<&&ir::CollectRule> = rules.iter().filter(|r| r.purposes.contains(&p.name)).collect();
                !rs.is_empty()
                    && rs.iter().all(|r| is_stopped(r))
                    && rs.iter().any(|r| r.data.iter().any(|d| !fully.contains(d)))
            })
            .map(|p| cx.tx(&p.text))
            .collect();
        if !purposes_stopped.is_empty() {
            text.push(l.t(
                "feature_stops_purpose",
                &[("feature", &name), ("purpose", &l.list(&purposes_stopped, "list_and"))],
            ));
        }
        let link_stopped: Vec<String> = rules
            .iter()
            .filter(|r| !is_stopped(r))
            .filter(|r| matches!(&r.link, Link::When(c) if requires(c, &f.name)))
            .flat_map(|r| r.data.iter().cloned())
            .fold(Vec::new(), |mut v, d| {
                if !v.contains(&d) {
                    v.push(d);
                }
                v
            });
        if !link_stopped.is_empty() {
            text.push(l.t("feature_stops_link", &[("feature", &name), ("data", &cx.data_list(&link_stopped))]));
        }
        if stopped.is_empty() && link_stopped.is_empty() {
            text.push(l.t("feature_stops_nothing", &[("feature", &name)]));
        } else {
            stopping_features.push(name.clone());
        }
        feature_items.push(Item { title: Some(cx.tx(&f.text)), text });
        feature_facts.push(FeatureFact {
            name: f.name.clone(),
            text: cx.tx(&f.text),
            default: f.default,
            stops: fully,
        });
    }
    if !feature_items.is_empty() {
        sections.push(Section::new(
            "features",
            l.t("features_heading", &[]),
            vec![l.t("features_intro", &[])],
            feature_items,
        ));
    }

    // Rights under the GDPR.
    if gdpr {
        let rights = [
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_objection",
            "right_complaint",
        ];
        let consent = rules
            .iter()
            .any(|r| r.purposes.iter().any(|p| policy.purpose(p).is_some_and(|p| p.basis == LegalBasis::Consent)));
        let mut after = Vec::new();
        if consent {
            after.push(if stopping_features.is_empty() {
                l.t("withdraw_consent_no_features", &[("contact", &contact)])
            } else {
                l.t("withdraw_consent", &[("features", &l.list(&stopping_features, "list_or")), ("contact", &contact)])
            });
        }
        let voluntary = rules.iter().all(|r| {
            r.purposes.iter().all(|p| {
                policy
                    .purpose(p)
                    .is_some_and(|p| matches!(p.basis, LegalBasis::Consent | LegalBasis::LegitimateInterest))
            })
        });
        if voluntary {
            after.push(l.t("voluntary", &[]));
        }
        after.push(l.t("exercise_rights", &[("contact", &contact)]));
        sections.push(Section {
            id: "rights".into(),
            heading: l.t("rights_heading", &[]),
            paragraphs: vec![l.t("rights_intro", &[])],
            items: rights.iter().map(|k| Item { title: None, text: vec![l.t(k, &[])] }).collect(),
            after,
        });
    }

    // Notices of financial incentive.
    let mut incentive_facts = Vec::new();
    let incentives: Vec<&ir::Incentive> = policy.incentives.iter().filter(|i| in_region(&i.regions, region)).collect();
    for (n, i) in incentives.iter().enumerate() {
        let summary = cx.tx(&i.summary);
        let items = vec![
            Item { title: Some(l.t("incentive_summary", &[])), text: vec![sentence(&summary)] },
            Item {
                title: Some(l.t("incentive_terms", &[])),
                text: vec![l.t("incentive_data", &[("data", &cx.data_list(&i.data))])],
            },
            Item {
                title: Some(l.t("incentive_value", &[])),
                text: vec![l.t("incentive_value_intro", &[]), sentence(&cx.tx(&i.value))],
            },
            Item {
                title: Some(l.t("incentive_opt_in", &[])),
                text: vec![match &i.opt_in {
                    Some(t) => sentence(&cx.tx(t)),
                    None => l.t("incentive_no_opt_in", &[("contact", &contact)]),
                }],
            },
            Item {
                title: Some(l.t("incentive_withdraw", &[])),
                text: vec![
                    l.t("incentive_withdraw_intro", &[]),
                    match &i.withdraw {
                        Some(t) => sentence(&cx.tx(t)),
                        None => l.t("incentive_no_withdraw", &[("contact", &contact)]),
                    },
                ],
            },
        ];
        sections.push(Section {
            id: format!("incentive-{}", i.name),
            heading: if incentives.len() > 1 {
                format!("{} ({})", l.t("incentive_heading", &[]), n + 1)
            } else {
                l.t("incentive_heading", &[])
            },
            paragraphs: vec![],
            items,
            after: vec![],
        });
        incentive_facts.push(IncentiveFact {
            name: i.name.clone(),
            regions: i.regions.clone(),
            data: i.data.clone(),
            value: cx.tx(&i.value),
        });
    }

    let summary = Summary {
        heading: l.t("summary_heading", &[]),
        intro: l.t("summary_intro", &[]),
        columns: ["col_data", "col_where", "col_linked", "col_why", "col_how_long"]
            .iter()
            .map(|k| l.t(k, &[]))
            .collect(),
        rows: summary_rows,
    };
    let facts = Facts {
        controller: cx.tx(&policy.controller),
        contact: contact.clone(),
        dpo: policy.dpo.as_ref().map(|d| cx.tx(d)),
        gdpr,
        data: data_facts,
        collected_on: collect_cats.iter().map(|c| category_fact(c)).collect(),
        never_on: never_cats.iter().map(|c| category_fact(c)).collect(),
        purposes: purpose_facts,
        features: feature_facts,
        incentives: incentive_facts,
    };
    Ok(Disclosure {
        policy: policy.id.clone(),
        policy_hash: policy.content_hash(),
        language: lang.to_string(),
        region: region.map(str::to_string),
        title: l.t("title", &[("name", &cx.tx(&policy.name))]),
        preamble,
        summary,
        sections,
        appendix: (!appendix.is_empty())
            .then(|| Appendix { heading: l.t("appendix_heading", &[]), categories: appendix }),
        facts,
    })
}
