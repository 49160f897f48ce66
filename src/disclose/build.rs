//! From the IR to the document model: which rules apply in the region, what each data item is collected for,
//! where and how long, and the sections of the notice in their order.

use super::model::*;
use super::wording::{cap, sentence, Ctx};
use super::{
    all_whole_sites, display_pattern, in_region, list_file_name, net_patterns, requires, DiscloseError, INLINE_LIST_MAX,
};
use crate::ir::{self, Cond, LegalBasis, Link, Policy};
use crate::locale::Locale;
use crate::region::{self, Framework};

/// Builds the disclosure of `policy` in `lang`, for `region` (or every region).
pub fn build(policy: &Policy, lang: &str, region: Option<&str>) -> Result<Disclosure, DiscloseError> {
    if !policy.languages.iter().any(|l| l == lang) {
        return Err(DiscloseError(format!(
            "the policy is not written in `{lang}`; it declares {}",
            policy.languages.join(", ")
        )));
    }
    if let Some(r) = region {
        if !crate::region::expand(&policy.regions).iter().any(|x| x == r) {
            return Err(DiscloseError(format!("region `{r}` is not declared by the policy")));
        }
        if let Some(outer) = crate::region::undeclared_law(&policy.regions, r) {
            return Err(DiscloseError(format!(
                "a notice for `{r}` follows a law of its own that the policy was not checked for: it declares \
                 only `{outer}`"
            )));
        }
    }
    let l = Locale::get(lang)
        .ok_or_else(|| DiscloseError(format!("there is no disclosure wording for `{lang}` (locales/{lang}.yaml)")))?;
    let cx = Ctx { p: policy, l: &l, lang };
    // The law the notice follows: the region's, or for a notice covering every region, the GDPR's where the
    // policy declares a GDPR region.
    let framework = match region {
        Some(r) => region::framework(r),
        None => policy.regions.iter().map(|r| region::framework(r)).find(|f| f.is_gdpr()).unwrap_or(Framework::Other),
    };
    let gdpr = framework.is_gdpr();
    let uk = framework == Framework::UkGdpr;
    // US law has its own words ("business", no "legal basis").
    let us = region.is_some_and(|r| region::within(r, "US"));
    let law = l.t(if uk { "law_uk" } else { "law_eu" }, &[]);
    let territory = l.t(if uk { "territory_uk" } else { "territory_eu" }, &[]);
    // A `never` rule holds wherever the reader might be in one of its regions, as the matcher applies it (a
    // notice for the EU includes a rule for Germany), so that no notice promises collection the matcher blocks.
    let nevers: Vec<&ir::NeverRule> =
        policy.never.iter().filter(|n| region::never_applies(&n.regions, region)).collect();
    // A `never` rule wins over every collect rule, so a category it blocks for every reader of this notice is
    // no place where anything is collected (see `blocked_categories`).
    let blocked = blocked_categories(policy, region);
    // A notice for every region is read in each of them, so a collect rule scoped to some regions collects on a
    // category only if the category is open somewhere the rule applies: where `never` rules block it in every
    // region the rule applies in, the matcher never lets the rule collect there, and the notice must not say
    // it does. A rule for every region holds in regions no regional `never` rule reaches, so it is judged by
    // the rules for every region alone. The regions asked are those a component may name (the matcher's
    // region table) and the rules' own, each once, with what is blocked there computed once.
    let regional_nevers = region.is_none() && policy.never.iter().any(|n| !n.regions.is_empty());
    let mut places: Vec<String> = if regional_nevers { region::expand(&policy.regions) } else { Vec::new() };
    if regional_nevers {
        for x in policy.collect.iter().flat_map(|r| r.regions.iter()) {
            if !places.contains(x) {
                places.push(x.clone());
            }
        }
    }
    let blocked_in: Vec<(&str, Vec<&str>)> =
        places.iter().map(|x| (x.as_str(), blocked_categories(policy, Some(x)))).collect();
    // Whether `never` rules block `site` in every place inside `regions` (and there is such a place).
    let blocked_throughout = |regions: &[String], site: &str| -> bool {
        let mut inside = blocked_in.iter().filter(|(x, _)| region::collect_applies(regions, Some(x))).peekable();
        inside.peek().is_some() && inside.all(|(_, b)| b.contains(&site))
    };
    let blocked_for = |rule_regions: &[String], site: &str| -> bool {
        blocked.contains(&site) || (!rule_regions.is_empty() && blocked_throughout(rule_regions, site))
    };
    let open_rules: Vec<ir::CollectRule> = policy
        .collect
        .iter()
        .filter(|r| in_region(&r.regions, region))
        .flat_map(|r| {
            let sites: Vec<String> = r.sites.iter().filter(|s| !blocked_for(&r.regions, s)).cloned().collect();
            // Of the rule's own regions, one where `never` rules block a site everywhere inside it is no region
            // the rule collects in on that site: "(only for users in the United States and in Germany)" would
            // promise German users a collection the matcher blocks. Sites open in different regions are said
            // as rules of their own, each with its regions.
            let open_in = |x: &String, site: &str| !blocked_throughout(std::slice::from_ref(x), site);
            let mut parts: Vec<(Vec<String>, Vec<String>)> = Vec::new();
            for site in sites {
                let regions: Vec<String> = r.regions.iter().filter(|x| open_in(x, &site)).cloned().collect();
                match parts.iter_mut().find(|(rs, _)| *rs == regions) {
                    Some((_, ss)) => ss.push(site),
                    None => parts.push((regions, vec![site])),
                }
            }
            parts
                .into_iter()
                .filter(|(regions, _)| r.regions.is_empty() || !regions.is_empty())
                .map(|(regions, sites)| ir::CollectRule { sites, regions, ..r.clone() })
                .collect::<Vec<_>>()
        })
        .collect();
    let rules: Vec<&ir::CollectRule> = open_rules.iter().collect();
    let independent: Vec<&ir::IndependentRule> =
        policy.independent.iter().filter(|r| in_region(&r.regions, region)).collect();
    // Where the policy states no contact, sentences that ask the reader to write name "us" and say that no
    // address is given, rather than printing a placeholder as if it were one.
    let contact = match &policy.contact {
        Some(t) => cx.tx(t),
        None => l.t("contact_not_stated_ref", &[]),
    };

    // Data items collected in this region, in declaration order.
    let data: Vec<&ir::DataItem> =
        policy.data.iter().filter(|d| rules.iter().any(|r| r.data.contains(&d.name))).collect();
    let rules_for = |d: &str| -> Vec<&ir::CollectRule> {
        rules.iter().filter(|r| r.data.iter().any(|x| x == d)).copied().collect()
    };

    // The data items some rule collects for a purpose, on the pages or independently of them, in declaration
    // order.
    let data_for_purpose = |purpose: &str| -> Vec<String> {
        policy
            .data
            .iter()
            .filter(|d| {
                rules_for(&d.name).into_iter().any(|r| r.purposes.iter().any(|p| p == purpose))
                    || independent.iter().any(|r| r.data.contains(&d.name) && r.purposes.iter().any(|p| p == purpose))
            })
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
        let mut events: Vec<String> = Vec::new();
        let mut where_words: Vec<String> = Vec::new();
        for r in rules_for(&d.name) {
            let rule_events = if r.events.is_empty() { vec![ir::PAGE_VIEW.to_string()] } else { r.events.clone() };
            for e in rule_events {
                if !events.contains(&e) {
                    events.push(e);
                }
            }
            for s in &r.sites {
                if !sites.contains(s) {
                    sites.push(s.clone());
                }
                // A category where the item is collected on an event says so: "order confirmation pages (when
                // you complete an order)".
                let text = match cx.events(r) {
                    Some(ev) => l.t("summary_event", &[("where", &cx.category_text(s)), ("events", &ev)]),
                    None => cx.category_text(s),
                };
                // Where only region-scoped rules collect the item on these sites, say for whom.
                let on: Vec<&ir::CollectRule> =
                    rules_for(&d.name).into_iter().filter(|r| r.sites.contains(s)).collect();
                let text = format!("{text}{}", only_in(&cx, on.iter().map(|r| r.regions.as_slice()), region));
                if !where_words.contains(&text) {
                    where_words.push(text);
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
                Link::NotStated => "not stated".to_string(),
                Link::When(c) => format!("when {c}"),
            };
            if !linked.contains(&link) {
                linked.push(link);
            }
            if keep.as_ref().is_none_or(|k| r.keep.longest_key() > k.longest_key()) {
                keep = Some(r.keep.clone());
            }
        }
        let keep = keep.expect("every listed data item has a rule");
        let linked_cell = link_summary(&cx, &rules_for(&d.name), region);
        summary_rows.push(vec![
            cx.data_label(d),
            where_words.join("; "),
            linked_cell,
            cx.purpose_cell(purposes.iter().filter_map(|p| policy.purpose(p))),
            summary_retention(&cx, &rules_for(&d.name), &keep),
        ]);
        data_facts.push(DataFact {
            name: d.name.clone(),
            text: cx.tx(&d.text),
            sites,
            purposes,
            linked,
            events,
            retention_days_max: keep.max_days(),
            retention: keep.to_string(),
            retention_aggregated: rules_for(&d.name)
                .iter()
                .filter_map(|r| r.aggregated)
                .max_by_key(|a| match a {
                    ir::Aggregated::Indefinitely => u64::MAX,
                    ir::Aggregated::For(p) => p.max_days(),
                })
                .map(|a| a.to_string()),
        });
    }

    let mut sections = Vec::new();
    let mut preamble = vec![cx.version(&policy.version)];
    match region {
        Some(r) => preamble.push(l.t("region", &[("region", &l.region(r))])),
        None if policy.regions.is_empty() => preamble.push(l.t("all_regions", &[])),
        None => {
            // A notice for every region the policy declares names them, and says that parts scoped to some of
            // them say so; the GDPR sections hold only where the GDPR applies.
            // With one region there are no parts for some of them to point out.
            preamble.push(match policy.regions.as_slice() {
                [one] => l.t("region", &[("region", &l.region(one))]),
                _ => l.t("regions_covered", &[("regions", &region_list(&l, &policy.regions))]),
            });
            // The GDPR parts hold where the notice's own framework does: the UK GDPR is another law, with its own
            // representative, transfers and authority, and California has its own notice at collection.
            let gdpr_regions: Vec<String> =
                policy.regions.iter().filter(|r| region::framework(r) == framework).cloned().collect();
            if gdpr && gdpr_regions.len() < policy.regions.len() {
                preamble.push(l.t("gdpr_only_in", &[("law", &law), ("regions", &region_list(&l, &gdpr_regions))]));
            }
            let elsewhere: Vec<String> = policy
                .regions
                .iter()
                .filter(|r| {
                    let f = region::framework(r);
                    f != framework && f != Framework::Other
                })
                .cloned()
                .collect();
            if !elsewhere.is_empty() {
                preamble.push(l.t("own_law_in", &[("regions", &region_list(&l, &elsewhere))]));
            }
        }
    }
    // A policy written from a published text marks what that text leaves out (`not_stated`, `not stated`); the
    // notice then speaks of "the underlying privacy policy", which it introduces here, once.
    let marks_gaps = policy.contact.is_none()
        || policy.purposes.iter().any(|p| p.basis == ir::LegalBasis::NotStated)
        || rules.iter().any(|r| r.link == ir::Link::NotStated || r.keep.is_not_stated())
        || independent.iter().any(|r| r.link == ir::Link::NotStated || r.keep.is_not_stated());
    if marks_gaps {
        preamble.push(l.t("underlying_policy", &[]));
    }

    // The notice at collection for California (11 CCR §7012) comes first: per category of personal information
    // in the statute's terms, what is collected, why, whether it is sold or shared, and for how long.
    if framework == Framework::Ccpa {
        // Every category collected, on the pages or from a source (11 CCR §7012(e)(1)).
        let collections: Vec<ir::Collection> =
            rules.iter().map(|r| r.collection()).chain(independent.iter().map(|r| r.collection())).collect();
        sections.push(ccpa_notice(&cx, &collections, &contact));
    }

    // Controller and contact: the one for the region where the policy names one, else the main one.
    let controller_text = region
        .and_then(|r| policy.regional_controllers.iter().find(|c| c.regions.iter().any(|x| region::within(r, x))))
        .map(|c| &c.text)
        .unwrap_or(&policy.controller);
    // A notice for every region that goes on to name regional controllers says that the main one is
    // responsible except where it names another, so that the two sentences do not contradict each other.
    let controller_key = match (us, region.is_none() && !policy.regional_controllers.is_empty()) {
        (true, _) => "business",
        (false, true) => "controller_except_regional",
        (false, false) => "controller",
    };
    let mut controller = vec![
        l.t(
            controller_key,
            // The template ends the sentence; a name ending in an abbreviation ("P Inc.") brings its own stop.
            &[("controller", cx.tx(controller_text).trim_end_matches('.'))],
        ),
        match policy.contact {
            Some(_) => l.t("contact", &[("contact", &contact)]),
            None => l.t("contact_not_stated", &[]),
        },
    ];
    // A notice for every region names each regional controller with the users it is responsible for; a notice
    // for one region has named the one responsible there above.
    // (A notice for every region is never one for the United States alone, so it always says "controller".)
    if region.is_none() {
        for (i, c) in policy.regional_controllers.iter().enumerate() {
            let regions = region_list(&l, &c.regions);
            let text = l.t(
                "controller_regional",
                &[("regions", &regions), ("controller", cx.tx(&c.text).trim_end_matches('.'))],
            );
            controller.insert(1 + i, text);
        }
    }
    if let (true, Some(est)) = (gdpr, &policy.established) {
        // Where the data is processed, and why the GDPR applies to a controller outside the Union (Art. 3(2)).
        if region::in_territory(est, framework) {
            controller.push(l.t("established_inside", &[("country", &l.region(est))]));
        } else {
            controller.push(l.t(
                "established_outside",
                &[
                    ("country", &l.region(est)),
                    ("territory", &territory),
                    ("territory_in", &l.t(if uk { "territory_in_uk" } else { "territory_in_eu" }, &[])),
                    ("law", &law),
                ],
            ));
            if let (false, Some(rep)) = (uk, &policy.representative) {
                controller.push(l.t("representative", &[("representative", &cx.tx(rep)), ("law", &law)]));
            }
        }
    }
    if let Some(dpo) = &policy.dpo {
        controller.push(l.t("dpo", &[("dpo", &cx.tx(dpo))]));
    }
    sections.push(Section::new(
        "controller",
        l.t(if us { "controller_heading_us" } else { "controller_heading" }, &[]),
        controller,
        vec![],
    ));

    // Data items, and the promises not to collect others.
    let never_texts: Vec<String> = policy.never_collect.iter().map(|d| cx.data_text(d)).collect();
    // Data from a source (`collect … from SOURCE`) has a section of its own; the list of what is collected on the
    // pages points to it, so that it does not read as all the notice's data.
    // (A notice with no data from the pages says so, and where the rest is, in the section's own words.)
    let independent_pointer = (!independent.is_empty() && !data.is_empty())
        .then(|| l.t("data_independent_pointer", &[("heading", &l.t("independent_heading", &[]))]));
    sections.push(Section {
        after: never_texts
            .is_empty()
            .then(Vec::new)
            .unwrap_or_else(|| vec![l.t("never_collected", &[("data", &l.list(&never_texts, "list_or"))])])
            .into_iter()
            .chain(independent_pointer.clone())
            .collect(),
        ..Section::new(
            "data",
            l.t("data_heading", &[]),
            vec![l.t("data_intro", &[])],
            data.iter()
                .map(|d| {
                    let text = cx.data_label(d);
                    let text = if d.aggregated { l.t("aggregated_item", &[("data", &text)]) } else { text };
                    Item { title: None, text: vec![text] }
                })
                .collect(),
        )
    });

    // On the device only: what the extension uses without sending it, apart from what it collects.
    let device: Vec<&ir::DeviceRule> = policy.on_device.iter().filter(|r| in_region(&r.regions, region)).collect();
    if !device.is_empty() {
        let items = device
            .iter()
            .map(|r| {
                let sites: Vec<String> = r.sites.iter().map(|s| cx.category_text(s)).collect();
                let purposes: Vec<String> =
                    r.purposes.iter().filter_map(|p| policy.purpose(p)).map(|p| cx.tx(&p.text)).collect();
                let when = r.when.as_ref().map(|c| l.t("collects_when", &[("cond", &cx.cond(c))])).unwrap_or_default();
                // "Nothing of it is sent to us" is true of this use only: where a rule of this notice also
                // collects one of its items on one of its categories, the sentence says so instead.
                let also_collected = rules
                    .iter()
                    .any(|c| c.data.iter().any(|d| r.data.contains(d)) && c.sites.iter().any(|s| r.sites.contains(s)));
                Item {
                    title: None,
                    text: vec![l.t(
                        if also_collected { "on_device_rule_also_collected" } else { "on_device_rule" },
                        &[
                            ("sites", &l.list(&sites, "list_and")),
                            ("data", &cx.data_list(&r.data)),
                            ("purpose", &l.list(&purposes, "list_and")),
                            ("when", &when),
                            ("regions", &only_in(&cx, [r.regions.as_slice()], region)),
                        ],
                    )],
                }
            })
            .collect();
        sections.push(Section::new(
            "on-device",
            l.t("on_device_heading", &[]),
            vec![l.t("on_device_intro", &[])],
            items,
        ));
    }

    // Independently of the pages: what is collected from the device, the account or a declared source, whatever
    // page is open (GDPR Art. 14(2)(f) for the source of data not obtained from the user).
    if !independent.is_empty() {
        let items = independent
            .iter()
            .map(|r| {
                // A declared source is titled by its label where it has one; its full text, which may say more
                // (who reports the data, what the policy leaves open), then follows as a sentence of its own, so
                // that nothing the author wrote about the source is left out of the notice.
                let declared = policy.sources.iter().find(|s| s.name == r.source);
                let title = match r.source.as_str() {
                    ir::SOURCE_DEVICE => l.t("source_device", &[]),
                    ir::SOURCE_ACCOUNT => l.t("source_account", &[]),
                    name => {
                        let text = declared
                            .map(|s| cx.tx(s.label.as_ref().unwrap_or(&s.text)))
                            .unwrap_or_else(|| name.to_string());
                        l.t("source_named", &[("source", &text)])
                    }
                };
                let source_text = declared
                    .filter(|s| s.label.as_ref().is_some_and(|label| cx.tx(label) != cx.tx(&s.text)))
                    .map(|s| l.t("source_text", &[("source", &cx.tx(&s.text))]));
                let purposes: Vec<String> =
                    r.purposes.iter().filter_map(|p| policy.purpose(p)).map(|p| cx.tx(&p.text)).collect();
                let when = r.when.as_ref().map(|c| l.t("collects_when", &[("cond", &cx.cond(c))])).unwrap_or_default();
                let data = cx.data_list(&r.data);
                // In a notice for every region, a rule for some regions says for whom, as a rule on the pages does.
                let mut text = vec![l.t(
                    "independent_rule",
                    &[
                        ("data", &data),
                        ("purpose", &l.list(&purposes, "list_and")),
                        ("when", &when),
                        ("regions", &only_in(&cx, [r.regions.as_slice()], region)),
                    ],
                )];
                text.extend(source_text);
                text.extend(cx.retention_sentences(&data, None, &r.keep, r.aggregated));
                text.push(cap(&cx.link_sentence(&r.link, &data)));
                if let Some(n) = &r.necessary {
                    text.push(l.t("independent_necessary", &[("reason", &sentence(&cx.tx(n)))]));
                }
                Item { title: Some(title), text }
            })
            .collect();
        sections.push(Section::new(
            "independent",
            l.t("independent_heading", &[]),
            vec![l.t("independent_intro", &[])],
            items,
        ));
    }

    // Where: each category some rule collects on, with what is collected there and when.
    let mut collect_cats: Vec<&ir::SiteCategory> = Vec::new();
    for c in &policy.sites {
        if rules.iter().any(|r| r.sites.contains(&c.name)) {
            collect_cats.push(c);
        }
    }
    let mut never_cats: Vec<&ir::SiteCategory> = Vec::new();
    for c in &policy.sites {
        if nevers.iter().any(|n| n.sites.contains(&c.name)) {
            never_cats.push(c);
        }
    }
    // The entries each category is counted, listed and exemplified with: for a category collected on, without
    // what a `never` rule blocks; for every category, without entries another entry already covers.
    let mut nets: Vec<(String, Vec<&crate::pattern::Pattern>)> = Vec::new();
    for c in collect_cats.iter().chain(never_cats.iter()) {
        let never: Vec<&ir::SiteCategory> =
            if never_cats.iter().any(|n| n.name == c.name) { Vec::new() } else { never_cats.clone() };
        nets.push((c.name.clone(), net_patterns(c, &never)));
    }
    let net_for = |name: &str| -> &[&crate::pattern::Pattern] {
        nets.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    };
    let mut appendix = Vec::new();
    let mut wildcard_example = None;
    let mut path_example = None;
    let category_fact = |c: &ir::SiteCategory| {
        let net = net_for(&c.name);
        CategoryFact {
            name: c.name.clone(),
            description: cx.tx(&c.text),
            count: net.len(),
            examples: cx.examples(c, net),
            list_file: (net.len() > INLINE_LIST_MAX).then(|| list_file_name(policy, &c.name)),
        }
    };
    let mut category_item = |c: &ir::SiteCategory, extra: Vec<String>| -> Item {
        let fact = category_fact(c);
        let net = net_for(&c.name);
        // A count of entries is a count of websites only for entries that are one whole website each. An entry
        // with a path is a section of a website (or of a group of them), and `name.*` without a path is a group
        // of websites; each kind is counted under its own name, since "other list entries" told a reader nothing.
        let sections = net.iter().filter(|p| p.path.is_some()).count();
        let groups = net.iter().filter(|p| p.path.is_none() && !all_whole_sites(&[p])).count();
        let whole = fact.count - sections - groups;
        let pieces: Vec<String> = [("site_count", whole), ("section_count", sections), ("group_count", groups)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(key, n)| l.plural(key, n as u64))
            .collect();
        let count = if pieces.is_empty() { l.plural("site_count", 0) } else { l.list(&pieces, "list_and") };
        // "for example" only where the examples are not the whole list; a complete list is introduced as such.
        let key = if fact.examples.len() == fact.count { "examples_all" } else { "examples" };
        let mut text = vec![cap(&format!("{count}, {}.", l.t(key, &[("examples", &fact.examples.join(", "))])))];
        match &fact.list_file {
            Some(file) => text.push(l.t("full_list_file", &[("file", &format!("`{file}`"))])),
            None => {
                text.push(l.t("full_list_appendix", &[]));
                appendix.push(AppendixCategory {
                    name: c.name.clone(),
                    title: l.t("appendix_category", &[("description", &cap(&fact.description)), ("count", &count)]),
                    sites: net.iter().map(|p| cx.entry(p)).collect(),
                });
            }
        }
        if wildcard_example.is_none() {
            wildcard_example =
                fact.examples.iter().find(|e| e.contains(".*")).map(|e| e.split('/').next().unwrap_or(e).to_string());
        }
        if path_example.is_none() {
            path_example = net.iter().find(|p| p.path.is_some()).map(|p| display_pattern(p));
        }
        text.extend(extra);
        Item { title: Some(cap(&fact.description)), text }
    };
    let mut where_items = Vec::new();
    for c in &collect_cats {
        let mut extra = Vec::new();
        let here: Vec<_> = rules.iter().filter(|r| r.sites.contains(&c.name)).collect();
        // Where rules for different purposes collect on a category, each sentence says what its rule collects
        // for: two sentences that differ only in their condition would read as a repetition.
        let purposes_differ = here.iter().any(|r| here.first().is_some_and(|f| !same_set(&r.purposes, &f.purposes)));
        for r in &here {
            let purpose = if purposes_differ {
                let purposes: Vec<String> =
                    r.purposes.iter().filter_map(|p| policy.purpose(p)).map(|p| cx.tx(&p.text)).collect();
                l.t("collects_for", &[("purpose", &l.list(&purposes, "list_and"))])
            } else {
                String::new()
            };
            let event = match cx.events(r) {
                Some(events) => l.t("collects_on_event", &[("events", &events)]),
                None => String::new(),
            };
            // The condition leads the sentence: after the data and the purpose, "but only while" could be read
            // as limiting the purpose rather than the collection.
            let cond = r.when.as_ref().map(|c| cx.cond(c)).unwrap_or_default();
            extra.push(l.t(
                if r.when.is_some() { "collects_there_while" } else { "collects_there" },
                &[
                    ("cond", &cond),
                    ("data", &cx.data_list(&r.data)),
                    ("purpose", &purpose),
                    ("event", &event),
                    ("regions", &only_in(&cx, [r.regions.as_slice()], region)),
                ],
            ));
        }
        where_items.push(category_item(c, extra));
    }
    let never_items: Vec<Item> = never_cats
        .iter()
        .map(|c| {
            // In a notice for every region, a `never` rule scoped to some regions says for whom it holds.
            let scoped: Vec<&&ir::NeverRule> = nevers.iter().filter(|n| n.sites.contains(&c.name)).collect();
            let mut extra = Vec::new();
            if region.is_none() && scoped.iter().all(|n| !n.regions.is_empty()) {
                let regions: Vec<String> = scoped.iter().flat_map(|n| n.regions.iter().cloned()).collect();
                extra.push(l.t("never_only_in", &[("regions", &region_list(&l, &regions))]));
            }
            category_item(c, extra)
        })
        .collect();
    let mut where_after = Vec::new();
    // What an entry naming a website covers (its subdomains too), with an example from the lists shown, and
    // how an `exact` entry differs, where the lists have one.
    let shown: Vec<&crate::pattern::Pattern> = nets.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    // The example is one the policy chose for a category where there is one, else an ordinary-looking entry
    // (no digits, typical length, as a category's examples are picked from a list), and never a `www.` name.
    let plain_domain = |p: &crate::pattern::Pattern| match (&p.host, &p.path) {
        (crate::pattern::HostPattern::Domain(h), None) if !h.starts_with("www.") => Some(idna::domain_to_unicode(h).0),
        _ => None,
    };
    let chosen = collect_cats
        .iter()
        .chain(never_cats.iter())
        .flat_map(|c| c.examples.iter())
        .filter(|p| shown.contains(p))
        .find_map(plain_domain);
    let domain = chosen.or_else(|| {
        shown
            .iter()
            .filter_map(|p| plain_domain(p))
            .min_by_key(|h| (h.chars().any(|ch| ch.is_ascii_digit() || ch == '-'), h.len().abs_diff(11), h.clone()))
    });
    if let Some(host) = domain {
        let sub = if host.starts_with("www.") { format!("shop.{host}") } else { format!("www.{host}") };
        where_after.push(l.t("domain_note", &[("example", &format!("`{host}`")), ("sub", &format!("`{sub}`"))]));
    }
    if shown.iter().any(|p| matches!(p.host, crate::pattern::HostPattern::Exact(_))) {
        where_after.push(l.t("exact_note", &[]));
    }
    if let Some(example) = &wildcard_example {
        where_after.push(l.t("wildcard_note", &[("example", &format!("`{example}`"))]));
    }
    if let Some(example) = &path_example {
        where_after.push(l.t("path_note", &[("example", &format!("`{example}`"))]));
    }
    sections.push(Section {
        after: where_after,
        ..Section::new("where", l.t("where_heading", &[]), vec![l.t("where_intro", &[])], where_items)
    });

    // Never.
    sections.push(Section::new(
        "never",
        l.t("never_heading", &[]),
        // `never` rules are about the pages: collection from a source goes on whatever page is open, so with such
        // rules the section speaks of the pages only and points to them.
        vec![match (never_items.is_empty(), independent.is_empty()) {
            (true, true) => l.t("never_none", &[]),
            (false, true) => l.t("never_intro", &[]),
            (true, false) => l.t("never_none_independent", &[("heading", &l.t("independent_heading", &[]))]),
            (false, false) => l.t("never_intro_independent", &[]),
        }],
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
            // The rules that collect the item link it differently. The matcher links an item when any rule
            // that collects it links it, so the notice names every case that links and says that nothing else
            // does; a sentence per rule ("for shops: never"; "for shops: when signed in") would contradict itself.
            // Where some of them are not stated, "otherwise never" would state what the source does not.
            let key = if rs.iter().any(|r| r.link == Link::NotStated) { "link_mixed_not_stated" } else { "link_mixed" };
            vec![l.t(key, &[("data", &text), ("cases", &link_cases(&cx, &rs, region))])]
        };
        link_items.push(Item { title: Some(cx.data_label(d)), text: sentences });
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
        let mut text = vec![l.t("purpose", &[("data", &cx.data_list(&pdata)), ("purpose", &cx.tx(&p.text))])];
        if !us {
            text.push(l.t("purpose_basis", &[("basis", &cx.basis(p.basis, gdpr.then_some(law.as_str())))]));
            if let Some(i) = &p.interest {
                text.push(l.t("purpose_interest", &[("interest", &cx.tx(i))]));
            }
        }
        if gdpr {
            // Profiling and automated decisions (Art. 13(2)(f)); the checker makes both required here.
            match p.profiling {
                Some(true) => text.push(l.t("purpose_profiling_yes", &[("law", &law)])),
                Some(false) => text.push(l.t("purpose_profiling_no", &[])),
                None => {}
            }
            match &p.decisions {
                Some(ir::Decisions::None) => text.push(l.t("purpose_decisions_none", &[("law", &law)])),
                Some(ir::Decisions::Automated(logic)) => {
                    text.push(l.t("purpose_decisions_automated", &[("law", &law), ("logic", &sentence(&cx.tx(logic)))]))
                }
                None => {}
            }
        }
        purpose_items.push(Item { title: Some(cx.purpose_label(p)), text });
        purpose_facts.push(PurposeFact {
            name: p.name.clone(),
            text: cx.tx(&p.text),
            basis: p.basis,
            recipients: p.shared_with.clone(),
        });
    }
    sections.push(Section {
        after: page_access(&cx, &rules, region, marks_gaps),
        ..Section::new(
            "purposes",
            l.t(if us { "purposes_heading_us" } else { "purposes_heading" }, &[]),
            vec![],
            purpose_items,
        )
    });

    // Retention: one sentence per data item whose rules agree on the period; where rules keep an item for
    // different periods, one sentence per rule, naming the purposes that set the period.
    let mut retention_items = Vec::new();
    let mut differing: Vec<(&ir::CollectRule, Vec<String>)> = Vec::new();
    for d in &data {
        let rs = rules_for(&d.name);
        if same_retention(&rs) {
            retention_items.push(Item {
                title: None,
                text: cx.retention_sentences(&cx.tx(&d.text), None, &rs[0].keep, rs[0].aggregated),
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
    let differing_rules: Vec<&ir::CollectRule> = differing.iter().map(|(r, _)| *r).collect();
    for (r, items) in &differing {
        let purposes: Vec<String> =
            r.purposes.iter().filter_map(|p| policy.purpose(p)).map(|p| cx.tx(&p.text)).collect();
        let purpose_list = l.list(&purposes, "list_and");
        let mut text = cx.retention_sentences(&cx.data_list(items), Some(&purpose_list), &r.keep, r.aggregated);
        // Rules for the same purposes that differ in their condition: say which period holds when.
        if let Some(c) = distinguishing_cond(r, &differing_rules, |a, b| same_set(&a.purposes, &b.purposes)) {
            if let (ir::Retention::Period(period), Some(first)) = (&r.keep, text.first_mut()) {
                *first = l.t(
                    "retention_for_when",
                    &[
                        ("data", &cx.data_list(items)),
                        ("purpose", &purpose_list),
                        ("duration", &cx.duration(*period)),
                        ("cond", &cx.cond(c)),
                    ],
                );
            }
        }
        // Rules for the same purposes that keep the data differently on different sites, or in a notice for every
        // region in different regions: say where each period holds, or the periods would seem to contradict.
        let rivals: Vec<&ir::CollectRule> = differing_rules
            .iter()
            .copied()
            .filter(|o| {
                !std::ptr::eq(*o, *r)
                    && same_set(&o.purposes, &r.purposes)
                    && (o.keep != r.keep || o.aggregated != r.aggregated)
            })
            .collect();
        let by_sites = rivals.iter().any(|o| !same_set(&o.sites, &r.sites));
        let by_region =
            region.is_none() && !r.regions.is_empty() && rivals.iter().any(|o| !same_set(&o.regions, &r.regions));
        if let (true, Some(first)) = (by_sites || by_region, text.first_mut()) {
            let sites: Vec<String> = r.sites.iter().map(|c| cx.category_text(c)).collect();
            let only =
                if by_region { l.t("only_in", &[("regions", &region_list(&l, &r.regions))]) } else { String::new() };
            *first = if by_sites {
                l.t(
                    "retention_on_sites",
                    &[("sites", &l.list(&sites, "list_and")), ("only", &only), ("sentence", first)],
                )
            } else {
                l.t("retention_in_regions", &[("regions", &region_list(&l, &r.regions)), ("sentence", first)])
            };
        }
        retention_items.push(Item { title: None, text });
    }
    // Two rules that keep the same item differently and can collect it on the same page at once: the matcher keeps
    // it as long as the longer one says, so each sentence's "no later than" holds only with that said.
    let overlap = differing.iter().enumerate().any(|(i, (a, ia))| {
        differing.iter().skip(i + 1).any(|(b, ib)| {
            (a.keep != b.keep || a.aggregated != b.aggregated)
                && ia.iter().any(|d| ib.contains(d))
                && a.sites.iter().any(|s| b.sites.contains(s))
                && (a.regions.is_empty() || b.regions.is_empty() || a.regions.iter().any(|r| b.regions.contains(r)))
        })
    });
    if overlap {
        retention_items.push(Item { title: None, text: vec![l.t("retention_longest_applies", &[])] });
    }
    // Where a retention is a criterion, say that it is one: GDPR Art. 13(2)(a) allows the criteria used to
    // determine the period only where the period itself cannot be given.
    // (`not stated` is no criterion: its sentence says that none is given.)
    let criteria_intro = rules.iter().any(|r| matches!(r.keep, ir::Retention::Criterion(_)) && !r.keep.is_not_stated());
    let intro = if criteria_intro { vec![l.t("retention_criteria_intro", &[])] } else { vec![] };
    sections.push(Section::new("retention", l.t("retention_heading", &[]), intro, retention_items));

    // Recipients: each once, with every purpose it receives data for, whether it is a processor, where it
    // processes the data and, for a transfer to a third country, on which ground (Art. 13(1)(e), (f)).
    let mut recipient_items = Vec::new();
    for r in &policy.recipients {
        let purposes: Vec<&ir::Purpose> = policy
            .purposes
            .iter()
            .filter(|p| p.shared_with.contains(&r.name) && !data_for_purpose(&p.name).is_empty())
            .collect();
        if purposes.is_empty() {
            continue;
        }
        // Data of rules on the pages and of rules independent of them alike.
        let rdata: Vec<String> = policy
            .data
            .iter()
            .filter(|d| purposes.iter().any(|p| data_for_purpose(&p.name).contains(&d.name)))
            .map(|d| d.name.clone())
            .collect();
        // Items grouped by the purposes they reach the recipient for, so that no item is said to serve a purpose
        // it is not collected for: one sentence per group, the first naming the recipient.
        let mut groups: Vec<(Vec<&ir::Purpose>, Vec<String>)> = Vec::new();
        for d in rdata {
            let serves: Vec<&ir::Purpose> =
                purposes.iter().copied().filter(|p| data_for_purpose(&p.name).contains(&d)).collect();
            match groups
                .iter_mut()
                .find(|(ps, _)| ps.len() == serves.len() && ps.iter().zip(&serves).all(|(a, b)| a.name == b.name))
            {
                Some((_, items)) => items.push(d),
                None => groups.push((serves, vec![d])),
            }
        }
        let mut text = Vec::new();
        for (i, (serves, items)) in groups.iter().enumerate() {
            let ptexts: Vec<String> = serves.iter().map(|p| cx.tx(&p.text)).collect();
            text.push(l.t(
                if i == 0 { "recipient" } else { "recipient_also" },
                &[
                    ("data", &cx.data_list(items)),
                    ("recipient", &cx.tx(&r.text)),
                    ("purpose", &l.list(&ptexts, "list_and")),
                ],
            ));
            // Data reaches a recipient only as collected for its purpose, so where every rule collecting these
            // items for these purposes has a condition, the disclosure has it too (sharing typed coupon codes
            // only with the user's permission): said, so that the sentence above does not read as unconditional.
            let serving = |data: &[String], purposes: &[String]| {
                data.iter().any(|d| items.contains(d)) && purposes.iter().any(|p| serves.iter().any(|s| s.name == *p))
            };
            let conds: Vec<Option<&Cond>> = rules
                .iter()
                .filter(|x| serving(&x.data, &x.purposes))
                .map(|x| x.when.as_ref())
                .chain(independent.iter().filter(|x| serving(&x.data, &x.purposes)).map(|x| x.when.as_ref()))
                .collect();
            if !conds.is_empty() && conds.iter().all(Option::is_some) {
                // A condition that implies another one adds nothing to "either": `a or (a and b)` is `a`.
                let conds: Vec<&Cond> = conds.into_iter().flatten().collect();
                // A condition is left out when another one covers it: one strictly weaker, or an equivalent one
                // said before it (identical conditions among them).
                let mut distinct: Vec<Cond> = Vec::new();
                for (i, c) in conds.iter().enumerate() {
                    let covered =
                        conds.iter().enumerate().any(|(j, o)| j != i && c.implies(o) && (j < i || !o.implies(c)));
                    if !covered {
                        distinct.push((*c).clone());
                    }
                }
                let cond = if distinct.len() == 1 { distinct.remove(0) } else { Cond::Or(distinct) };
                // A condition that all collection in this notice needs (the one switch that turns the whole
                // extension's collection off) holds for every recipient alike; the features section says it.
                let everywhere = rules
                    .iter()
                    .map(|x| x.when.as_ref())
                    .chain(independent.iter().map(|x| x.when.as_ref()))
                    .all(|w| w.is_some_and(|w| w.implies(&cond)));
                if !everywhere {
                    text.push(l.t("recipient_only_while", &[("cond", &cx.cond(&cond))]));
                }
            }
        }
        if r.processor {
            text.push(if gdpr {
                l.t("recipient_processor", &[("law", &law)])
            } else {
                // Under the CCPA, a processor is a service provider: what makes its receiving the data neither a
                // sale nor sharing (Cal. Civ. Code §1798.140(ag), (ad), (ah)).
                l.t(
                    if framework == Framework::Ccpa {
                        "recipient_service_provider"
                    } else {
                        "recipient_processor_plain"
                    },
                    &[],
                )
            });
        }
        // A recipient on its own account: the reader's data is then governed by its policy, not only ours.
        if r.own_purposes {
            text.push(if gdpr {
                l.t("recipient_own_purposes", &[("law", &law)])
            } else {
                l.t("recipient_own_purposes_plain", &[])
            });
        }
        if let Some(country) = &r.located {
            let transfer = gdpr && !region::in_territory(country, framework);
            match (transfer, r.safeguard) {
                (true, Some(g)) => {
                    let key = format!("safeguard_{}{}", g.keyword(), if uk { "_uk" } else { "" });
                    let key = if l.has(&key) { key } else { format!("safeguard_{}", g.keyword()) };
                    text.push(l.t(
                        "recipient_transfer",
                        &[
                            ("country", &l.region(country)),
                            ("territory", &territory),
                            ("safeguard", &l.t(&key, &[("law", &law), ("contact", &contact)])),
                        ],
                    ));
                }
                _ => text.push(l.t("recipient_located", &[("country", &l.region(country))])),
            }
        }
        recipient_items.push(Item { title: None, text });
    }
    // The promises about recipients, which the checker has held against every recipient that collected data
    // reaches, so they agree with the sentences above and with the notice at collection's "we do not sell".
    let promised = |p: ir::Promise| policy.promises.contains(&p);
    let mut promises = Vec::new();
    match (promised(ir::Promise::NeverSell), promised(ir::Promise::NeverShare)) {
        (true, true) => promises.push(l.t("promise_never_sell_share", &[])),
        (true, false) => promises.push(l.t("promise_never_sell", &[])),
        (false, true) => promises.push(l.t("promise_never_share", &[])),
        (false, false) => {}
    }
    if promised(ir::Promise::NeverDisclose) {
        promises.push(if recipient_items.is_empty() {
            l.t("promise_never_disclose", &[])
        } else {
            l.t("promise_never_disclose_processors", &[])
        });
    }
    sections.push(Section {
        after: promises,
        ..Section::new(
            "recipients",
            l.t("recipients_heading", &[]),
            // A policy written from a published text that names no recipient does not thereby say there is
            // none: the notice says what that text leaves open, unless the policy promises to disclose nothing.
            if recipient_items.is_empty() {
                let key = if marks_gaps && !promised(ir::Promise::NeverDisclose) {
                    "recipients_not_stated"
                } else {
                    "recipients_none"
                };
                vec![l.t(key, &[])]
            } else {
                vec![]
            },
            recipient_items,
        )
    });

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
        // The step in which the user actively agrees before the feature collects anything (Planet49). A
        // feature on from installation says so in the same sentence, so that "on" cannot be read as consent.
        // The step is called consent only where what the feature gates rests on consent: a policy written from a
        // published text that states no legal basis (`not_stated`) gets the user's step without a legal name.
        // The rules from a source that the switch stops, as `stopped` holds those on the pages.
        let indep_stopped: Vec<&ir::IndependentRule> =
            independent.iter().filter(|r| r.when.as_ref().is_some_and(|c| requires(c, &f.name))).copied().collect();
        let is_indep_stopped = |r: &ir::IndependentRule| indep_stopped.iter().any(|s| std::ptr::eq(*s, r));
        let gated_purposes: Vec<String> = stopped
            .iter()
            .flat_map(|r| r.purposes.iter())
            .chain(indep_stopped.iter().flat_map(|r| r.purposes.iter()))
            .cloned()
            .collect();
        let consent = gated_purposes.is_empty() || policy.rests_on_consent(&gated_purposes);
        let (until, before) = if consent {
            ("feature_on_until_consent", "feature_opt_in")
        } else {
            ("feature_on_until_opt_in", "feature_opt_in_step")
        };
        let mut text = match (&f.opt_in, f.default) {
            (Some(opt_in), true) => {
                vec![cap(&l.t(until, &[("feature", &name), ("opt_in", &sentence(&cx.tx(opt_in)))]))]
            }
            (Some(opt_in), false) => vec![
                cap(&l.t("feature_default_off", &[("feature", &name)])),
                l.t(before, &[("feature", &name), ("opt_in", &sentence(&cx.tx(opt_in)))]),
            ],
            (None, default) => {
                vec![cap(
                    &l.t(if default { "feature_default_on" } else { "feature_default_off" }, &[("feature", &name)])
                )]
            }
        };
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
        // The purposes whose every rule the switch stops (the consents it withdraws), each with whether some of
        // their data is still collected for other purposes (only those need a sentence of their own).
        let gated: Vec<(&ir::Purpose, bool)> = policy
            .purposes
            .iter()
            .filter_map(|p| {
                let rs: Vec<&&ir::CollectRule> = rules.iter().filter(|r| r.purposes.contains(&p.name)).collect();
                (!rs.is_empty() && rs.iter().all(|r| is_stopped(r)))
                    .then(|| (p, rs.iter().any(|r| r.data.iter().any(|d| !fully.contains(d)))))
            })
            .collect();
        let purposes_stopped: Vec<String> =
            gated.iter().filter(|(_, partly)| *partly).map(|(p, _)| cx.tx(&p.text)).collect();
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
        // What the switch stops of the collection independent of the pages: an item stops where every such rule
        // that collects it requires the switch.
        let indep_data: Vec<String> = policy
            .data
            .iter()
            .filter(|d| {
                let rs: Vec<&&ir::IndependentRule> = independent.iter().filter(|r| r.data.contains(&d.name)).collect();
                !rs.is_empty() && rs.iter().all(|r| is_indep_stopped(r))
            })
            .map(|d| d.name.clone())
            .collect();
        if !indep_data.is_empty() {
            text.push(l.t("feature_stops_independent", &[("feature", &name), ("data", &cx.data_list(&indep_data))]));
        }
        // A rule whose condition reads the switch without requiring it (`when f or active`, `when not quiet`)
        // collects differently with the switch too, just not never without it: say its condition rather than
        // that the switch changes nothing.
        let mut depends = Vec::new();
        for r in rules.iter().filter(|r| !is_stopped(r)) {
            let Some(cond) = r.when.as_ref().filter(|c| c.names().contains(&f.name.as_str())) else { continue };
            // The rule's purposes are named: another rule may collect the same data for another purpose
            // whatever the switch says, and "we do so only while" would then be false of the data as a whole.
            let purposes: Vec<String> =
                r.purposes.iter().filter_map(|p| policy.purpose(p)).map(|p| cx.tx(&p.text)).collect();
            for c in &r.sites {
                let s = l.t(
                    "feature_depends",
                    &[
                        ("feature", &name),
                        ("data", &cx.data_list(&r.data)),
                        ("purpose", &l.list(&purposes, "list_and")),
                        ("cond", &cx.cond(cond)),
                    ],
                );
                let s = l.t("link_on_sites", &[("sites", &cx.category_text(c)), ("sentence", &s)]);
                if !depends.contains(&s) {
                    depends.push(s);
                }
            }
        }
        let depends_only = stopped.is_empty() && link_stopped.is_empty() && indep_stopped.is_empty();
        text.extend(depends.iter().cloned());
        if depends_only && depends.is_empty() {
            text.push(l.t("feature_stops_nothing", &[("feature", &name)]));
        } else if !depends_only
            && stopped
                .iter()
                .flat_map(|r| r.purposes.iter())
                .chain(indep_stopped.iter().flat_map(|r| r.purposes.iter()))
                .all(|p| policy.purpose(p).is_some_and(|p| p.basis.is_consent()))
        {
            // A switch is a way to withdraw consent only if it stops nothing but consent-based processing;
            // switching off one that also gates a contract would withdraw more than consent. With it, the
            // consents it withdraws.
            // They are the purposes all of whose rules in this notice, on the pages and from a source, it stops:
            // a consent given for data from a source is withdrawn with the switch as well.
            let withdraws: Vec<String> = policy
                .purposes
                .iter()
                .filter(|p| {
                    let on_pages: Vec<&&ir::CollectRule> =
                        rules.iter().filter(|r| r.purposes.contains(&p.name)).collect();
                    let from_sources: Vec<&&ir::IndependentRule> =
                        independent.iter().filter(|r| r.purposes.contains(&p.name)).collect();
                    (!on_pages.is_empty() || !from_sources.is_empty())
                        && on_pages.iter().all(|r| is_stopped(r))
                        && from_sources.iter().all(|r| is_indep_stopped(r))
                })
                .map(|p| cx.tx(&p.text))
                .collect();
            // The withdrawal of consent is a GDPR right: in a notice for every region, a switch that stops only
            // rules for regions outside the GDPR withdraws nothing where the right applies, and is not named
            // there.
            let in_gdpr = |regions: &[String]| {
                region.is_some() || regions.is_empty() || regions.iter().any(|x| region::framework(x).is_gdpr())
            };
            if stopped.iter().any(|r| in_gdpr(&r.regions)) || indep_stopped.iter().any(|r| in_gdpr(&r.regions)) {
                stopping_features.push((name.clone(), withdraws));
            }
        }
        feature_items.push(Item { title: Some(cx.tx(&f.text)), text });
        // For programs: the items no longer collected anywhere with the switch off, on the pages or from a
        // source, as the sentences above say it for each.
        let stops: Vec<String> = policy
            .data
            .iter()
            .filter(|d| {
                let on_pages = rules_for(&d.name);
                let from_sources: Vec<&&ir::IndependentRule> =
                    independent.iter().filter(|r| r.data.contains(&d.name)).collect();
                (!on_pages.is_empty() || !from_sources.is_empty())
                    && on_pages.into_iter().all(is_stopped)
                    && from_sources.iter().all(|r| is_indep_stopped(r))
            })
            .map(|d| d.name.clone())
            .collect();
        feature_facts.push(FeatureFact { name: f.name.clone(), text: cx.tx(&f.text), default: f.default, stops });
    }
    if !feature_items.is_empty() {
        sections.push(Section::new(
            "features",
            l.t("features_heading", &[]),
            vec![l.t("features_intro", &[])],
            feature_items,
        ));
    }

    // Whether the data must be provided (Art. 13(2)(e)): said in every notice, per purpose that makes it a
    // requirement, and for the data that is the price of an incentive.
    let applied: Vec<&ir::Purpose> = policy
        .purposes
        .iter()
        .filter(|p| {
            rules.iter().any(|r| r.purposes.contains(&p.name))
                || independent.iter().any(|r| r.purposes.contains(&p.name))
        })
        .collect();
    let incentives: Vec<&ir::Incentive> = policy.incentives.iter().filter(|i| in_region(&i.regions, region)).collect();
    // Each offer's section heading, numbered where there are several, and in a notice for every region the
    // users an offer is for: the requirement sentences and the summary point to the offers by both.
    let incentive_heading = |n: usize| -> String {
        if incentives.len() > 1 {
            format!("{} ({})", l.t("incentive_heading", &[]), n + 1)
        } else {
            l.t("incentive_heading", &[])
        }
    };
    let offer_only_in = |i: &ir::Incentive| -> String {
        if region.is_none() && !i.regions.is_empty() {
            l.t("only_in", &[("regions", &region_list(&l, &i.regions))])
        } else {
            String::new()
        }
    };
    let mut requirement = Vec::new();
    for (basis, key) in
        [(LegalBasis::Contract, "requirement_contract"), (LegalBasis::LegalObligation, "requirement_law")]
    {
        for p in applied.iter().filter(|p| p.basis == basis) {
            requirement
                .push(l.t(key, &[("data", &cx.data_list(&data_for_purpose(&p.name))), ("purpose", &cx.tx(&p.text))]));
        }
    }
    // Without a basis, whether the data must be provided is not stated either; the notice says so rather than
    // calling it voluntary.
    for p in applied.iter().filter(|p| p.basis == LegalBasis::NotStated) {
        requirement.push(l.t("requirement_not_stated", &[("purpose", &cx.tx(&p.text))]));
    }
    // "Beyond that" speaks of the purposes no sentence above is about; where there is none, only the way out
    // is left to say, and saying that nothing further is required would assert what no source gives.
    let all_said = applied
        .iter()
        .all(|p| matches!(p.basis, LegalBasis::Contract | LegalBasis::LegalObligation | LegalBasis::NotStated));
    requirement.push(l.t(
        match (requirement.is_empty(), all_said) {
            (true, _) => "requirement_voluntary",
            (false, false) => "requirement_rest",
            (false, true) => "requirement_way_out",
        },
        &[],
    ));
    for (n, i) in incentives.iter().enumerate() {
        requirement.push(l.t(
            "requirement_incentive",
            &[("data", &cx.data_list(&i.data)), ("heading", &incentive_heading(n)), ("only", &offer_only_in(i))],
        ));
    }
    sections.push(Section::new("requirement", l.t("requirement_heading", &[]), requirement, vec![]));

    // Rights under the CCPA, with the ways to submit a request.
    if framework == Framework::Ccpa {
        // The right to limit concerns sensitive personal information only: without any, the notice says so
        // rather than offer a right with nothing to apply to.
        let sensitive = rules
            .iter()
            .flat_map(|r| r.data.iter())
            .chain(independent.iter().flat_map(|r| r.data.iter()))
            .any(|d| policy.data_item(d).is_some_and(|x| x.category == Some(ir::PiCategory::Sensitive)));
        let rights = [
            "ccpa_right_know",
            "ccpa_right_delete",
            "ccpa_right_correct",
            "ccpa_right_opt_out",
            if sensitive { "ccpa_right_limit" } else { "ccpa_no_sensitive" },
            "ccpa_right_non_discrimination",
        ];
        let requests = l.t("ccpa_requests", &[("contact", &contact)]);
        sections.push(Section {
            id: "ccpa-rights".into(),
            heading: l.t("ccpa_rights_heading", &[]),
            paragraphs: vec![l.t("ccpa_rights_intro", &[])],
            items: rights.iter().map(|k| Item { title: None, text: vec![l.t(k, &[])] }).collect(),
            after: vec![requests],
        });
    }

    // Rights under the GDPR. The right to object comes first and apart from the others (Art. 21(4)).
    if gdpr {
        let ref_of = |b: LegalBasis| l.t(&format!("gdpr_ref_{}", b.keyword()), &[("law", &law)]);
        let mut objection = Vec::new();
        for p in applied.iter().filter(|p| matches!(p.basis, LegalBasis::LegitimateInterest | LegalBasis::PublicTask)) {
            objection.push(
                l.t("objection_interest", &[("purpose", &cx.tx(&p.text)), ("ref", &ref_of(p.basis)), ("law", &law)]),
            );
        }
        // A basis the source does not state may be one the user can object to: say so rather than leave the
        // right out (the notice errs towards the user's rights).
        for p in applied.iter().filter(|p| p.basis == LegalBasis::NotStated) {
            objection.push(l.t("objection_not_stated", &[("purpose", &cx.tx(&p.text)), ("law", &law)]));
        }
        for p in applied.iter().filter(|p| p.direct_marketing) {
            objection.push(l.t(
                "objection_marketing",
                &[("data", &cx.data_list(&data_for_purpose(&p.name))), ("purpose", &cx.tx(&p.text)), ("law", &law)],
            ));
        }
        if !objection.is_empty() {
            objection.push(l.t("objection_how", &[("contact", &contact)]));
            sections.push(Section::new("objection", l.t("objection_heading", &[]), objection, vec![]));
        }
        // Portability only for processing based on consent or contract (Art. 20(1)(a)).
        // A basis the source does not state may be either, so the right is listed (its text says when it holds).
        let portable = applied
            .iter()
            .any(|p| p.basis.is_consent() || matches!(p.basis, LegalBasis::Contract | LegalBasis::NotStated));
        let mut rights = vec!["right_access", "right_rectification", "right_erasure", "right_restriction"];
        if portable {
            rights.push("right_portability");
        }
        rights.push(if uk { "right_complaint_uk" } else { "right_complaint" });
        // Consent can be withdrawn (Art. 7(3)) wherever some processing in this notice rests on it, whether the
        // data comes from the pages or from a source: these are the consents the notice asks for.
        let consented: Vec<String> = policy
            .purposes
            .iter()
            .filter(|p| {
                p.basis.is_consent()
                    && (rules.iter().any(|r| r.purposes.contains(&p.name))
                        || independent.iter().any(|r| r.purposes.contains(&p.name)))
            })
            .map(|p| cx.tx(&p.text))
            .collect();
        let mut after = Vec::new();
        if !consented.is_empty() {
            after.push(if stopping_features.is_empty() {
                l.t("withdraw_consent_no_features", &[("contact", &contact), ("law", &law)])
            } else {
                // Each switch says which consent it withdraws, unless it is the only one and withdraws every
                // consent this notice asks for: "switching off X" alone would otherwise promise more.
                let features: Vec<String> = stopping_features
                    .iter()
                    .map(|(name, withdraws)| {
                        let all = consented.iter().all(|c| withdraws.contains(c));
                        if withdraws.is_empty() || (stopping_features.len() == 1 && all) {
                            name.clone()
                        } else {
                            let purpose = l.list(withdraws, "list_and");
                            l.t("withdraw_feature_for", &[("feature", name), ("purpose", &purpose)])
                        }
                    })
                    .collect();
                l.t(
                    "withdraw_consent",
                    &[("features", &l.list(&features, "list_or")), ("contact", &contact), ("law", &law)],
                )
            });
        }
        after.push(l.t("exercise_rights", &[("contact", &contact)]));
        sections.push(Section {
            id: "rights".into(),
            heading: l.t("rights_heading", &[]),
            paragraphs: vec![l.t(if uk { "rights_intro_uk" } else { "rights_intro" }, &[])],
            items: rights.iter().map(|k| Item { title: None, text: vec![l.t(k, &[("law", &law)])] }).collect(),
            after,
        });
    }

    // Notices of financial incentive.
    let mut incentive_facts = Vec::new();
    let mut offers = Vec::new();
    for (n, i) in incentives.iter().enumerate() {
        let summary = cx.tx(&i.summary);
        let heading = incentive_heading(n);
        // What the data given in exchange is used for: the purposes of the rules, on the pages or from a source,
        // that collect it where the offer holds (in a notice for every region, a rule scoped to regions the offer
        // does not reach does not count).
        let reaches = |r: ir::Collection<'_>| {
            r.regions.is_empty()
                || i.regions.is_empty()
                || r.regions.iter().any(|x| i.regions.iter().any(|y| region::overlaps(x, y)))
        };
        let collecting: Vec<ir::Collection<'_>> = rules
            .iter()
            .map(|r| r.collection())
            .chain(independent.iter().map(|r| r.collection()))
            .filter(|r| reaches(*r) && r.data.iter().any(|d| i.data.contains(d)))
            .collect();
        let used_for: Vec<String> = policy
            .purposes
            .iter()
            .filter(|p| collecting.iter().any(|r| r.purposes.contains(&p.name)))
            .map(|p| cx.tx(&p.text))
            .collect();
        // The checker refuses an offer for data no rule collects where it applies (E0036); should a notice still
        // find no purpose (every site of the rules blocked by `never`), it says what the user allows without a
        // list of purposes rather than an empty one.
        let (offer_key, terms_key) = if used_for.is_empty() {
            ("incentive_offer_no_purpose", "incentive_data_no_purpose")
        } else {
            ("incentive_offer", "incentive_data")
        };
        let used_for = l.list(&used_for, "list_and");
        offers.push(l.t(
            offer_key,
            &[
                ("summary", summary.trim_end_matches('.')),
                ("data", &cx.data_list(&i.data)),
                ("purpose", &used_for),
                ("heading", &heading),
                ("only", &offer_only_in(i)),
            ],
        ));
        let items = vec![
            Item { title: Some(l.t("incentive_summary", &[])), text: vec![sentence(&summary)] },
            Item {
                title: Some(l.t("incentive_terms", &[])),
                text: vec![l.t(terms_key, &[("data", &cx.data_list(&i.data)), ("purpose", &used_for)])],
            },
            Item {
                title: Some(l.t("incentive_value", &[])),
                text: vec![l.t("incentive_value_intro", &[]), sentence(&cx.tx(&i.value))],
            },
            Item { title: Some(l.t("incentive_method", &[])), text: vec![sentence(&cx.tx(&i.method))] },
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
                ]
                .into_iter()
                .chain(i.reward_stays.then(|| l.t("incentive_reward_stays", &[])))
                .collect(),
            },
        ];
        sections.push(Section {
            id: format!("incentive-{}", i.name),
            heading,
            // In a notice for every region, an offer scoped to some regions says for whom it holds.
            paragraphs: {
                let mut p = vec![];
                if region.is_none() && !i.regions.is_empty() {
                    p.push(l.t("incentive_only_in", &[("regions", &region_list(&l, &i.regions))]));
                }
                // California's rules name this notice; the heading says what it is in plain words.
                if framework == Framework::Ccpa {
                    p.push(l.t("incentive_legal_name", &[]));
                }
                p
            },
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

    // A notice for a region where no rule applies says once, plainly, that nothing is collected, instead of
    // introducing empty lists: where, linkage, purposes, retention and the duty to provide have nothing to say.
    // When only rules independent of the pages apply, the notice says that nothing is collected on the pages,
    // and keeps the purposes and the duty to provide, which speak of what those rules collect.
    if data.is_empty() && independent.is_empty() {
        sections.retain(|s| {
            !matches!(s.id.as_str(), "where" | "never" | "linkage" | "purposes" | "retention" | "requirement")
        });
        if let Some(s) = sections.iter_mut().find(|s| s.id == "data") {
            s.paragraphs = vec![l.t("data_none", &[])];
        }
    } else if data.is_empty() {
        sections.retain(|s| !matches!(s.id.as_str(), "where" | "never" | "linkage" | "retention"));
        if let Some(s) = sections.iter_mut().find(|s| s.id == "data") {
            s.paragraphs = vec![l.t("data_none_pages", &[])];
        }
    }
    // The data section points to the settings, and the duty to provide to the features, only when the notice
    // has a section on them.
    if !sections.iter().any(|s| s.id == "features") {
        for s in &mut sections {
            for p in &mut s.paragraphs {
                for (key, plain) in [
                    ("data_intro", "data_intro_no_settings"),
                    ("requirement_voluntary", "requirement_voluntary_no_settings"),
                    ("requirement_rest", "requirement_rest_no_settings"),
                    ("requirement_way_out", "requirement_way_out_no_settings"),
                ] {
                    if *p == l.t(key, &[]) {
                        *p = l.t(plain, &[]);
                    }
                }
            }
        }
    }

    let summary = Summary {
        heading: l.t("summary_heading", &[]),
        offers,
        intro: l.t(
            match (summary_rows.is_empty(), independent.is_empty()) {
                (false, _) => "summary_intro",
                (true, true) => "summary_none",
                (true, false) => "summary_none_pages",
            },
            &[],
        ),
        columns: ["col_data", "col_where", "col_linked", "col_why", "col_how_long"]
            .iter()
            .map(|k| l.t(k, &[]))
            .collect(),
        rows: summary_rows,
    };
    let facts = Facts {
        controller: cx.tx(controller_text),
        regional_controllers: if region.is_none() {
            policy
                .regional_controllers
                .iter()
                .map(|c| RegionalControllerFact { regions: c.regions.clone(), controller: cx.tx(&c.text) })
                .collect()
        } else {
            Vec::new()
        },
        contact: policy.contact.as_ref().map(|t| cx.tx(t)),
        dpo: policy.dpo.as_ref().map(|d| cx.tx(d)),
        gdpr,
        data: data_facts,
        collected_on: collect_cats.iter().map(|c| category_fact(c)).collect(),
        never_on: never_cats.iter().map(|c| category_fact(c)).collect(),
        never_collected: policy.never_collect.clone(),
        promises: policy.promises.clone(),
        on_device: device.iter().flat_map(|r| r.data.iter().cloned()).fold(Vec::new(), |mut v, d| {
            if !v.contains(&d) {
                v.push(d);
            }
            v
        }),
        independent: independent
            .iter()
            .map(|r| IndependentFact {
                source: r.source.clone(),
                data: r.data.clone(),
                purposes: r.purposes.clone(),
                linked: match &r.link {
                    Link::Never => "never".to_string(),
                    Link::Always => "always".to_string(),
                    Link::NotStated => "not stated".to_string(),
                    Link::When(c) => format!("when {c}"),
                },
                when: r.when.as_ref().map(|c| c.to_string()),
                retention: r.keep.to_string(),
            })
            .collect(),
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

/// What the rules on the pages rest on for reading the page in the browser. The content script reads what it
/// collects in the user's browser, which is access to information in the user's terminal equipment (ePrivacy
/// Directive Art. 5(3); EDPB Guidelines 2/2023), allowed with consent or where strictly necessary for a service
/// the user explicitly asked for. So a notice where that law applies (the EU, the EEA, the United Kingdom) says
/// which of the two each rule rests on, citing the law of its region: § 25 TDDDG in Germany, PECR reg. 6 in the
/// United Kingdom, the Directive elsewhere; a notice for every region cites each. A rule that is neither (the
/// checker warns about it, W0065) is left unsaid rather than given a ground the policy does not state, and other
/// regions' notices say nothing.
fn page_access(cx: &Ctx, rules: &[&ir::CollectRule], region: Option<&str>, marks_gaps: bool) -> Vec<String> {
    let l = cx.l;
    let eprivacy: Vec<&str> = match region {
        Some(r) => vec![r],
        None => cx.p.regions.iter().map(String::as_str).collect(),
    }
    .into_iter()
    .filter(|r| region::eprivacy(r))
    .collect();
    let here: Vec<&ir::CollectRule> =
        rules.iter().copied().filter(|r| eprivacy.iter().any(|e| region::may_apply(&r.regions, e))).collect();
    if eprivacy.is_empty() || here.is_empty() {
        return Vec::new();
    }
    // The rules of each place the notice covers, once each: Germany's TDDDG, France's Loi Informatique et
    // Libertés, the United Kingdom's PECR, and elsewhere the Directive as each state implements it. A notice for
    // several places names each place with its rules; beside Germany or France, the EU as a whole is "the other
    // EU and EEA states".
    let mut places: Vec<(&str, &str)> = Vec::new();
    for r in &eprivacy {
        let place = if region::within(r, "DE") {
            ("de", "DE")
        } else if region::within(r, "FR") {
            ("fr", "FR")
        } else if region::framework(r) == Framework::UkGdpr {
            ("uk", "GB")
        } else {
            ("eu", *r)
        };
        if !places.contains(&place) {
            places.push(place);
        }
    }
    let national = places.iter().any(|(p, _)| *p == "de" || *p == "fr");
    let law = |necessary: bool| -> String {
        let ground = if necessary { "necessary" } else { "consent" };
        let cite = |place: &str| l.t(&format!("eprivacy_{place}_{ground}"), &[]);
        match places.as_slice() {
            [(one, _)] => cite(one),
            _ => {
                let refs: Vec<String> = places
                    .iter()
                    .map(|&(place, code)| match (place, code) {
                        ("eu", "EU") if national => l.t("eprivacy_in_eu_other", &[("law", &cite(place))]),
                        ("eu", "EU") => l.t("eprivacy_in_eu", &[("law", &cite(place))]),
                        _ => l.t("eprivacy_in", &[("region", &l.region(code)), ("law", &cite(place))]),
                    })
                    .collect();
                refs.join("; ")
            }
        }
    };
    let purpose_list = |rs: &[&ir::CollectRule]| -> String {
        let mut names: Vec<&String> = Vec::new();
        for p in rs.iter().flat_map(|r| r.purposes.iter()) {
            if !names.contains(&p) {
                names.push(p);
            }
        }
        let texts: Vec<String> = names.iter().filter_map(|p| cx.p.purpose(p)).map(|p| cx.tx(&p.text)).collect();
        l.list(&texts, "list_and")
    };
    // A sentence that names only purposes speaks of every rule here for them; where a rule outside its group
    // serves one of them too (a rule the author gave no ground, W0065, beside one that is `necessary`), it also
    // names the data and the sites, so that it claims no ground for a rule that has none.
    let scope = |rs: &[&ir::CollectRule]| -> (String, String) {
        let purposes = purpose_list(rs);
        let shared = here.iter().any(|r| {
            !rs.iter().any(|x| std::ptr::eq(*x, *r))
                && r.purposes.iter().any(|p| rs.iter().any(|x| x.purposes.contains(p)))
        });
        if !shared {
            return (purposes, l.t("page_access_the_data", &[]));
        }
        let mut data: Vec<String> = Vec::new();
        let mut sites: Vec<String> = Vec::new();
        for r in rs {
            for d in &r.data {
                if !data.contains(d) {
                    data.push(d.clone());
                }
            }
            for c in r.sites.iter().map(|c| cx.category_text(c)) {
                if !sites.contains(&c) {
                    sites.push(c);
                }
            }
        }
        (purposes, l.t("page_access_what", &[("data", &cx.data_list(&data)), ("sites", &l.list(&sites, "list_and"))]))
    };
    let consented: Vec<&ir::CollectRule> =
        here.iter().copied().filter(|r| r.necessary.is_none() && cx.p.rests_on_consent(&r.purposes)).collect();
    // Rules that give the same reason for the same purposes are said once.
    let mut necessary: Vec<(&ir::Text, Vec<&ir::CollectRule>)> = Vec::new();
    for r in &here {
        if let Some(n) = &r.necessary {
            match necessary.iter_mut().find(|(t, rs)| *t == n && rs.iter().all(|x| same_set(&x.purposes, &r.purposes)))
            {
                Some((_, rs)) => rs.push(r),
                None => necessary.push((n, vec![r])),
            }
        }
    }
    // Rules that give no ground for reading the page (a basis `not_stated`, or a basis other than consent
    // without `necessary`, W0065): a notice written from a published text says that the text states none,
    // rather than leave them out. A policy of the controller's own has been warned (W0065) and claims nothing.
    let unstated: Vec<&ir::CollectRule> = here
        .iter()
        .copied()
        .filter(|r| marks_gaps && r.necessary.is_none() && !cx.p.rests_on_consent(&r.purposes))
        .collect();
    // A sentence names the purposes it is about only where the rules it speaks of are not all those said here.
    let groups = usize::from(!consented.is_empty()) + necessary.len() + usize::from(!unstated.is_empty());
    let said = consented.len() + necessary.iter().map(|(_, rs)| rs.len()).sum::<usize>() + unstated.len();
    let whole = groups == 1 && said == here.len();
    let mut text = Vec::new();
    if !consented.is_empty() {
        text.push(if whole {
            l.t("page_access_consent", &[("law", &law(false))])
        } else {
            let (purpose, what) = scope(&consented);
            l.t("page_access_consent_for", &[("what", &what), ("purpose", &purpose), ("law", &law(false))])
        });
    }
    for (reason, rs) in &necessary {
        let reason = sentence(&cx.tx(reason));
        text.push(if whole {
            l.t("page_access_necessary", &[("law", &law(true)), ("reason", &reason)])
        } else {
            let (purpose, what) = scope(rs);
            l.t(
                "page_access_necessary_for",
                &[("what", &what), ("purpose", &purpose), ("law", &law(true)), ("reason", &reason)],
            )
        });
    }
    if !unstated.is_empty() {
        text.push(if whole {
            l.t("page_access_not_stated", &[])
        } else {
            let (purpose, what) = scope(&unstated);
            l.t("page_access_not_stated_for", &[("what", &what), ("purpose", &purpose)])
        });
    }
    if text.is_empty() {
        return text;
    }
    text.insert(0, l.t("page_access", &[]));
    vec![text.join(" ")]
}

/// Whether every rule keeps the data alike (retention and aggregated form), so one sentence says it.
fn same_retention(rules: &[&ir::CollectRule]) -> bool {
    rules.windows(2).all(|w| w[0].keep == w[1].keep && w[0].aggregated == w[1].aggregated)
}

/// The summary table's retention of one data item: the retention of its rules when they agree; when they differ,
/// each retention with the purposes it is for, or, where one purpose has two retentions (rules with different
/// conditions), the longest period as an upper bound, or each retention, since a criterion bounds nothing.
fn summary_retention(cx: &Ctx, rules: &[&ir::CollectRule], longest: &ir::Retention) -> String {
    // Each retention with the purposes it is for, as the "Why" cell names them, where every purpose has one:
    // an upper bound alone would hide the shorter period.
    let mut by_retention: Vec<(String, Vec<String>)> = Vec::new();
    for r in rules {
        let words = cx.retention_words(&r.keep);
        // In brackets after the retention, a purpose without a label of its own is not capitalised.
        let labels: Vec<String> = r
            .purposes
            .iter()
            .filter_map(|p| cx.p.purpose(p))
            .map(|p| match &p.label {
                Some(_) => cx.purpose_label(p),
                None => cx.l.t("purpose_alone", &[("purpose", &cx.tx(&p.text))]),
            })
            .collect();
        match by_retention.iter_mut().find(|(w, _)| *w == words) {
            Some((_, all)) => all.extend(labels.into_iter().filter(|l| !all.contains(l)).collect::<Vec<_>>()),
            None => by_retention.push((words, labels)),
        }
    }
    let one_each = {
        let mut seen: Vec<&String> = by_retention.iter().flat_map(|(_, ls)| ls).collect();
        let n = seen.len();
        seen.sort();
        seen.dedup();
        seen.len() == n
    };
    let words = if rules.windows(2).all(|w| w[0].keep == w[1].keep) {
        cx.retention_words(longest)
    } else if one_each && by_retention.iter().all(|(_, ls)| !ls.is_empty()) {
        let parts: Vec<String> = by_retention
            .iter()
            .map(|(w, ls)| cx.l.t("summary_retention_for", &[("retention", w), ("purposes", &ls.join(", "))]))
            .collect();
        parts.join("; ")
    } else if let ir::Retention::Period(p) = longest {
        cx.l.t("up_to", &[("duration", &cx.duration(*p))])
    } else {
        let mut all: Vec<String> = Vec::new();
        for r in rules {
            let w = cx.retention_words(&r.keep);
            if !all.contains(&w) {
                all.push(w);
            }
        }
        cx.l.t("retention_whichever", &[("retentions", &cx.l.list(&all, "list_or"))])
    };
    if rules.iter().all(|r| r.aggregated.is_some()) {
        cx.l.t("summary_aggregated", &[("retention", &words)])
    } else {
        words
    }
}

/// The condition that tells `rule` apart from another rule of `rules` that `alike` says would read the same
/// (same sites, same purposes): its `when`, if it has one and the other's differs. Two rules collecting the same
/// item on the same sites under different conditions would otherwise render as one sentence said twice.
fn distinguishing_cond<'r>(
    rule: &'r ir::CollectRule,
    rules: &[&ir::CollectRule],
    alike: impl Fn(&ir::CollectRule, &ir::CollectRule) -> bool,
) -> Option<&'r ir::Cond> {
    let cond = rule.when.as_ref()?;
    rules.iter().any(|o| !std::ptr::eq(*o, rule) && alike(rule, o) && o.when.as_ref() != Some(cond)).then_some(cond)
}

/// The stated retentions of a CCPA category's rules, each with the category's items that a rule keeps for it,
/// in the order the rules give them.
fn retention_groups<'p>(crules: &[&ir::Collection<'p>], names: &[String]) -> Vec<(&'p ir::Retention, Vec<String>)> {
    let mut groups: Vec<(&ir::Retention, Vec<String>)> = Vec::new();
    for r in crules.iter().filter(|r| !r.keep.is_not_stated()) {
        let items = names.iter().filter(|n| r.data.contains(n)).cloned();
        match groups.iter_mut().find(|(k, _)| *k == r.keep) {
            Some((_, v)) => {
                let new: Vec<String> = items.filter(|n| !v.contains(n)).collect();
                v.extend(new);
            }
            None => groups.push((r.keep, items.collect())),
        }
    }
    groups
}

/// Whether retention groups must be said one by one, each with its items: not where one sentence for the
/// category says as much (a single retention, or every retention for the same items).
fn groups_differ(groups: &[(&ir::Retention, Vec<String>)]) -> bool {
    groups.split_first().is_some_and(|((_, first), rest)| rest.iter().any(|(_, v)| !same_set(v, first)))
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// The notice at collection (11 CCR §7012): one item per CCPA category of the data collected in the region.
fn ccpa_notice(cx: &Ctx, rules: &[ir::Collection], contact: &str) -> Section {
    let (p, l) = (cx.p, cx.l);
    let collected: Vec<&ir::DataItem> =
        p.data.iter().filter(|d| rules.iter().any(|r| r.data.contains(&d.name))).collect();
    let mut categories: Vec<Option<ir::PiCategory>> = collected.iter().map(|d| d.category).collect();
    categories.sort();
    categories.dedup();
    let mut items = Vec::new();
    let mut sells = false;
    for cat in categories {
        let names: Vec<String> = collected.iter().filter(|d| d.category == cat).map(|d| d.name.clone()).collect();
        let crules: Vec<&ir::Collection> = rules.iter().filter(|r| r.data.iter().any(|d| names.contains(d))).collect();
        let mut purposes: Vec<&ir::Purpose> = Vec::new();
        for pu in &p.purposes {
            if crules.iter().any(|r| r.purposes.contains(&pu.name)) {
                purposes.push(pu);
            }
        }
        // The recipients this category reaches, as the checker's promises (`never sell`, `never share`) see them.
        let recipients: Vec<&ir::Recipient> = crules.iter().flat_map(|r| p.recipients_for(r.purposes)).collect();
        let sold = recipients.iter().any(|r| r.sold);
        let shared = recipients.iter().any(|r| r.shared);
        sells |= sold || shared;
        // `not stated` is no retention to compare: it is said on its own, after the ones that are stated.
        let not_stated = crules.iter().any(|r| r.keep.is_not_stated());
        let keep = crules.iter().map(|r| r.keep).filter(|k| !k.is_not_stated()).max_by_key(|k| k.longest_key());
        let ptexts: Vec<String> = purposes.iter().map(|pu| cx.tx(&pu.text)).collect();
        let mut text = vec![
            l.t("ccpa_what", &[("data", &cx.data_list(&names))]),
            l.t("ccpa_why", &[("purpose", &l.list(&ptexts, "list_and"))]),
        ];
        text.push(match (sold, shared) {
            (false, false) => l.t("ccpa_not_sold", &[]),
            (true, false) => l.t("ccpa_sold", &[]),
            (false, true) => l.t("ccpa_shared", &[]),
            (true, true) => l.t("ccpa_sold_shared", &[]),
        });
        // Periods give an upper bound; where a criterion is among the retentions, each is said, since a criterion
        // bounds nothing in advance (11 CCR §7012(e)(4) asks for the criteria then).
        let groups = retention_groups(&crules, &names);
        // Where some items are kept for a stated time and others for none, each sentence names its items: "it"
        // would give the category's stated period to items the source states none for.
        let items_where = |stated: bool| -> Vec<String> {
            names
                .iter()
                .filter(|n| crules.iter().any(|r| r.keep.is_not_stated() != stated && r.data.contains(n)))
                .cloned()
                .collect()
        };
        let (stated_items, unstated_items) = (items_where(true), items_where(false));
        let by_item =
            keep.is_some() && not_stated && !(same_set(&stated_items, &names) && same_set(&unstated_items, &names));
        let stated_data = cx.data_list(&stated_items);
        match keep {
            Some(k @ ir::Retention::Period(_)) => {
                let duration = cx.retention_words(k);
                text.push(if by_item {
                    l.t("ccpa_keep_data", &[("data", &stated_data), ("duration", &duration)])
                } else {
                    l.t("ccpa_keep", &[("duration", &duration)])
                });
            }
            Some(_) if groups_differ(&groups) => {
                // Items kept on different terms are named with their own: "We keep it until you uninstall the
                // extension, or for one year" would not say which item is kept how long.
                for (keep, items) in &groups {
                    let data = cx.data_list(items);
                    text.push(match keep {
                        ir::Retention::Period(p) => {
                            l.t("ccpa_keep_data", &[("data", &data), ("duration", &cx.duration(*p))])
                        }
                        other => l.t(
                            "ccpa_keep_criterion_data",
                            &[("data", &data), ("criterion", &cx.retention_words(other))],
                        ),
                    });
                }
            }
            Some(_) => {
                let mut clauses: Vec<String> = Vec::new();
                for (keep, _) in &groups {
                    let clause = match keep {
                        ir::Retention::Period(p) => l.t("keep_for", &[("duration", &cx.duration(*p))]),
                        other => cx.retention_words(other),
                    };
                    if !clauses.contains(&clause) {
                        clauses.push(clause);
                    }
                }
                // One clause is the retention; several are each a rule's, and "or" alone would read as a choice.
                let criterion = match clauses.as_slice() {
                    [one] => one.clone(),
                    _ => l.t("retention_whichever", &[("retentions", &l.list(&clauses, "list_or"))]),
                };
                text.push(if by_item {
                    l.t("ccpa_keep_criterion_data", &[("data", &stated_data), ("criterion", &criterion)])
                } else {
                    l.t("ccpa_keep_criterion", &[("criterion", &criterion)])
                });
            }
            None if not_stated => text.push(l.t("ccpa_keep_not_stated", &[])),
            None => {}
        }
        if by_item {
            text.push(l.t("ccpa_keep_not_stated_data", &[("data", &cx.data_list(&unstated_items))]));
        } else if keep.is_some() && not_stated {
            text.push(l.t("ccpa_keep_not_stated_else", &[]));
        }
        let title = match cat {
            Some(c) => l.t(&format!("pi_{}", c.keyword()), &[]),
            None => l.t("pi_uncategorised", &[]),
        };
        items.push(Item { title: Some(title), text });
    }
    let mut after = Vec::new();
    if sells {
        let opt_out = p.opt_out.as_ref().map(|t| cx.tx(t)).unwrap_or_else(|| contact.to_string());
        after.push(l.t("ccpa_opt_out", &[("opt_out", &opt_out)]));
    }
    if let Some(url) = &p.url {
        after.push(l.t("ccpa_full_policy", &[("url", &cx.tx(url))]));
    }
    Section {
        id: "notice-at-collection".into(),
        heading: l.t("ccpa_heading", &[]),
        paragraphs: vec![l.t("ccpa_intro", &[])],
        items,
        after,
    }
}

/// The summary cell on linkage for the rules that collect one item.
fn link_summary(cx: &Ctx, rs: &[&ir::CollectRule], region: Option<&str>) -> String {
    let l = cx.l;
    if rs.windows(2).all(|w| w[0].link == w[1].link) {
        return match &rs[0].link {
            Link::Never => l.t("linked_never", &[]),
            Link::Always => l.t("linked_always", &[]),
            Link::NotStated => l.t("linked_not_stated", &[]),
            Link::When(c) => l.t("linked_when", &[("cond", &cx.cond(c))]),
        };
    }
    let key = if rs.iter().any(|r| r.link == Link::NotStated) { "linked_mixed_not_stated" } else { "linked_mixed" };
    l.t(key, &[("cases", &link_cases(cx, rs, region))])
}

/// The cases in which an item collected by rules that link it differently is linked: one per rule that links
/// (where, for what, and the condition), joined by "or". The matcher links an item when any rule collecting it
/// on the page links it, so these cases are exactly when the item is linked.
fn link_cases(cx: &Ctx, rs: &[&ir::CollectRule], region: Option<&str>) -> String {
    let l = cx.l;
    let mut cases: Vec<String> = Vec::new();
    for r in rs {
        let cond = match &r.link {
            Link::Never | Link::NotStated => continue,
            Link::Always => String::new(),
            Link::When(c) => l.t("link_case_cond", &[("cond", &cx.cond(c))]),
        };
        let sites: Vec<String> = r.sites.iter().map(|s| cx.category_text(s)).collect();
        let purposes: Vec<String> = r.purposes.iter().filter_map(|p| cx.p.purpose(p)).map(|p| cx.tx(&p.text)).collect();
        // Two rules on the same sites for the same purposes read alike; the condition under which each collects
        // tells their cases apart.
        let alike = |a: &ir::CollectRule, b: &ir::CollectRule| {
            same_set(&a.sites, &b.sites) && same_set(&a.purposes, &b.purposes)
        };
        let when = distinguishing_cond(r, rs, alike)
            .map(|c| l.t("link_case_when", &[("cond", &cx.cond(c))]))
            .unwrap_or_default();
        let case = l.t(
            "link_case",
            &[
                ("sites", &l.list(&sites, "list_and")),
                ("purpose", &l.list(&purposes, "list_and")),
                ("when", &when),
                ("cond", &cond),
                ("regions", &only_in(cx, [r.regions.as_slice()], region)),
            ],
        );
        if !cases.contains(&case) {
            cases.push(case);
        }
    }
    l.list(&cases, "list_or")
}

/// For a disclosure that covers every region: " (only for users in …)" when every one of `rules` is scoped to
/// regions, naming the regions; empty otherwise (an unscoped rule holds everywhere, and a disclosure for one
/// region holds only what applies there).
/// Each rule is given by its regions, so that rules on the pages and rules from a source say it alike.
fn only_in<'r>(cx: &Ctx, rules: impl IntoIterator<Item = &'r [String]>, region: Option<&str>) -> String {
    let scopes: Vec<&[String]> = rules.into_iter().collect();
    if region.is_some() || scopes.is_empty() || scopes.iter().any(|r| r.is_empty()) {
        return String::new();
    }
    let mut regions: Vec<String> = Vec::new();
    for r in scopes.iter().flat_map(|r| r.iter()) {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    cx.l.t("only_in", &[("regions", &region_list(cx.l, &regions))])
}

/// The site categories where `never` rules block all collection for every reader of a notice for `region`
/// (`None`: every region): the categories they name, and a category all of whose entries one of those covers.
/// A notice for one region is read only there, so every `never` rule that may hold there counts (as the matcher
/// applies it: a notice for the EU includes a rule for Germany); a notice for every region counts only the
/// rules for every region, the others being said with their regions in the never section.
fn blocked_categories<'p>(policy: &'p Policy, region: Option<&str>) -> Vec<&'p str> {
    let blocks = |n: &ir::NeverRule| match region {
        Some(_) => region::never_applies(&n.regions, region),
        None => n.regions.is_empty(),
    };
    let blocking: Vec<&ir::SiteCategory> =
        policy.sites.iter().filter(|c| policy.never.iter().any(|n| blocks(n) && n.sites.contains(&c.name))).collect();
    // One index of what the blocking categories cover, asked once per entry; an entry covered by another entry
    // of its category is covered by whatever covers that one, so no entry of a fully blocked category escapes.
    let blocked_sites = crate::check::NeverIndex::new(blocking.iter().flat_map(|b| b.patterns.iter()));
    policy
        .sites
        .iter()
        .filter(|c| {
            blocking.iter().any(|b| b.name == c.name)
                || (!blocking.is_empty()
                    && !c.patterns.is_empty()
                    && c.patterns.iter().all(|p| blocked_sites.covers(p)))
        })
        .map(|c| c.name.as_str())
        .collect()
}

/// Regions by name after a preposition, as a list: "in Germany and in California".
fn region_list(l: &Locale, regions: &[String]) -> String {
    let names: Vec<String> = regions.iter().map(|r| l.region(r)).collect();
    l.list(&names, "list_and")
}
