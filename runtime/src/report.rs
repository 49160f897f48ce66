//! Decisions in words: the shape `explain`, `match` and `test` print and every binding returns, produced alike
//! by the compiled matcher and by the compiler's reference interpreter, so that the two can be compared field
//! by field.

use crate::matcher::{bits, Context, Decision, Matcher, SourceDecision, UnknownName};
use serde::Serialize;
use std::collections::BTreeMap;

/// Runtime settings by name: `--set NAME=on|off`, `--region R` and `--event E`, or an `expect` line's `with`,
/// `region` and `at`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub set: Vec<(String, bool)>,
    pub region: Option<String>,
    /// The event decided; `None` is a page view.
    pub event: Option<String>,
}

impl Settings {
    /// Reads `expect`-style settings: `signed_in`, `not price_compare`.
    pub fn from_expect(with: &[String], region: Option<&str>) -> Settings {
        let set = with
            .iter()
            .map(|s| match s.strip_prefix("not ") {
                Some(n) => (n.trim().to_string(), false),
                None => (s.trim().to_string(), true),
            })
            .collect();
        Settings { set, region: region.map(str::to_string), event: None }
    }

    /// The same settings for another event (`None`: a page view).
    pub fn at(self, event: Option<&str>) -> Settings {
        Settings { event: event.map(str::to_string), ..self }
    }

    /// The matcher's context for these settings; a name the policy does not declare is an error.
    pub fn context(&self, m: &Matcher<'_>) -> Result<Context, UnknownName> {
        let mut cx = m.context();
        for (name, on) in &self.set {
            m.set(&mut cx, name, *on)?;
        }
        m.set_region(&mut cx, self.region.as_deref())?;
        m.set_event(&mut cx, self.event.as_deref())?;
        Ok(cx)
    }

    /// The same as [`Settings::context`], under its earlier name.
    pub fn state(&self, m: &Matcher<'_>) -> Result<Context, UnknownName> {
        self.context(m)
    }
}

/// A rule that fired or blocked, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// `collect 2` or `never 1`: the rule's kind and its position among the rules of that kind.
    pub rule: String,
    /// `file:line`, empty when the policy came from a data form without positions.
    pub origin: String,
}

/// One collected data item of a decision, with what concerns it alone: the purposes of the rules that fired for
/// it, its retention (the longest among them), whether it may be linked to the account, and those rules. This is
/// what `explain` prints per item and what an `expect` line's `uses` and `keeps` compare with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemReport {
    pub data: String,
    pub purposes: Vec<String>,
    pub retention: String,
    pub linked: bool,
    pub rules: Vec<RuleRef>,
}

impl ItemReport {
    /// The items of a decision, in declaration order.
    pub fn of(m: &Matcher<'_>, d: &Decision) -> Vec<ItemReport> {
        let meta = m.meta();
        let keep: BTreeMap<&str, String> = m.retention(d).into_iter().map(|(n, r)| (n, r.to_string())).collect();
        bits(d.collect)
            .filter_map(|di| {
                let data = meta.data.get(di)?;
                let rules: Vec<_> = m.rules_collecting(d, di).collect();
                let purposes = rules.iter().fold(0, |acc, (_, r)| acc | r.purposes);
                Some(ItemReport {
                    data: data.clone(),
                    purposes: m.purpose_names(purposes).map(str::to_string).collect(),
                    retention: keep.get(data.as_str()).cloned().unwrap_or_default(),
                    linked: d.linked >> di & 1 == 1,
                    rules: rules
                        .iter()
                        .map(|(ri, r)| RuleRef { rule: format!("collect {}", ri + 1), origin: r.origin.clone() })
                        .collect(),
                })
            })
            .collect()
    }
}

/// One decision, in names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub url: String,
    /// The event decided, when it is not a page view (left out for a page view, so that page-view reports read
    /// as they did before events existed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub host: Option<String>,
    pub sites: Vec<String>,
    pub collect: Vec<String>,
    pub linked: Vec<String>,
    pub purposes: Vec<String>,
    pub retention: BTreeMap<String, String>,
    pub rules: Vec<RuleRef>,
    pub blocked_by: Vec<RuleRef>,
    pub policy_hash: String,
    pub error: Option<String>,
}

impl Report {
    /// A report for input that could not be decided at all (not UTF-8, too long): nothing is collected.
    pub fn refused(url: &str, error: &str, policy_hash: &str) -> Report {
        Report { error: Some(error.to_string()), ..Report::nothing(url, None, policy_hash) }
    }

    /// A report that collects nothing, before any rule is applied.
    pub fn nothing(url: &str, host: Option<&str>, policy_hash: &str) -> Report {
        Report {
            url: url.to_string(),
            event: None,
            host: host.map(str::to_string),
            sites: Vec::new(),
            collect: Vec::new(),
            linked: Vec::new(),
            purposes: Vec::new(),
            retention: BTreeMap::new(),
            rules: Vec::new(),
            blocked_by: Vec::new(),
            policy_hash: policy_hash.to_string(),
            error: None,
        }
    }

    /// Decides a URL and reports the decision, parsing the URL once.
    pub fn decide(m: &Matcher<'_>, url: &str, cx: &Context) -> Report {
        match crate::urlnorm::parse(url) {
            Ok(u) => Report::build(m, url, Some(u.host()), &m.decide_parsed(&u, cx)),
            Err(e) => {
                Report::build(m, url, None, &Decision { error: Some(e), event: cx.event(), ..Decision::default() })
            }
        }
    }

    /// [`Report::decide`] for many URLs in one context, through [`Matcher::decide_each`] (which overlaps the
    /// cache misses of several URLs): calls `each` with the report of every URL, in input order, each equal to
    /// what [`Report::decide`] gives for it.
    pub fn decide_each<'u>(
        m: &Matcher<'_>,
        urls: impl IntoIterator<Item = &'u str>,
        cx: &Context,
        mut each: impl FnMut(Report),
    ) {
        m.decide_each(urls, cx, |url, host, d| each(Report::build(m, url, host, &d)));
    }

    /// Builds the report of a decision already made (the URL is parsed again for its host).
    pub fn from_decision(m: &Matcher<'_>, url: &str, d: &Decision) -> Report {
        let parsed = if d.error.is_none() { crate::urlnorm::parse(url).ok() } else { None };
        Report::build(m, url, parsed.as_ref().map(|u| u.host()), d)
    }

    fn build(m: &Matcher<'_>, url: &str, host: Option<&str>, d: &Decision) -> Report {
        let meta = m.meta();
        let names = |it: &mut dyn Iterator<Item = &str>| it.map(str::to_string).collect::<Vec<_>>();
        let rule = |kind: &str, i: usize, origin: Option<&String>| RuleRef {
            rule: format!("{kind} {}", i + 1),
            origin: origin.cloned().unwrap_or_default(),
        };
        Report {
            url: url.to_string(),
            event: (d.event != 0).then(|| m.event_name(d.event).to_string()),
            host: host.map(str::to_string),
            sites: names(&mut m.category_names(d.sites)),
            collect: names(&mut m.data_names(d.collect)),
            linked: names(&mut m.data_names(d.linked)),
            purposes: names(&mut m.purpose_names(d.purposes)),
            retention: m.retention(d).into_iter().map(|(n, r)| (n.to_string(), r.to_string())).collect(),
            rules: bits(d.rules).map(|i| rule("collect", i, meta.collect.get(i).map(|r| &r.origin))).collect(),
            blocked_by: bits(d.blocked_by).map(|i| rule("never", i, meta.never.get(i).map(|r| &r.origin))).collect(),
            policy_hash: m.policy_hash(),
            error: d.error.as_ref().map(|e| e.to_string()),
        }
    }
}

/// One data item from one source in a [`SourceReport`]: the purposes of the rules from that source that hold
/// for it, its retention (the longest among them), whether it may be linked to the account, and those rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceItem {
    pub data: String,
    pub source: String,
    pub purposes: Vec<String>,
    pub retention: String,
    pub linked: bool,
    pub rules: Vec<RuleRef>,
}

/// What may be collected independently of the page in one context, in names: what `policyc sources` prints and
/// the bindings return. Rules are named `from N`, N counting the rules from a source in policy order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// Every item that may be collected, from any source, in declaration order.
    pub collect: Vec<String>,
    /// Of those, the items that may be linked to the account.
    pub linked: Vec<String>,
    pub purposes: Vec<String>,
    /// Per source (in the table order: `device`, `account`, then the policy's own) and item (in declaration
    /// order), what concerns that item from that source alone.
    pub items: Vec<SourceItem>,
    pub rules: Vec<RuleRef>,
    pub policy_hash: String,
}

impl SourceReport {
    /// Decides and reports what may be collected independently of the page in a context.
    pub fn decide(m: &Matcher<'_>, cx: &Context) -> SourceReport {
        SourceReport::build(m, &m.decide_sources(cx))
    }

    /// The report of a source decision already made.
    pub fn build(m: &Matcher<'_>, d: &SourceDecision) -> SourceReport {
        let meta = m.meta();
        let rows: Vec<(usize, &crate::matcher::IndependentRow)> =
            bits(d.rules).filter_map(|i| meta.independent.get(i).map(|r| (i, r))).collect();
        let rule_ref = |i: usize, r: &crate::matcher::IndependentRow| RuleRef {
            rule: format!("from {}", i + 1),
            origin: r.origin.clone(),
        };
        let mut items = Vec::new();
        for (si, source) in meta.sources.iter().enumerate() {
            let of_source: Vec<&(usize, &crate::matcher::IndependentRow)> =
                rows.iter().filter(|(_, r)| usize::from(r.source) == si).collect();
            let data = of_source.iter().fold(0u64, |m, (_, r)| m | r.data);
            for di in bits(data) {
                let Some(name) = meta.data.get(di) else { continue };
                let fired: Vec<&&(usize, &crate::matcher::IndependentRow)> =
                    of_source.iter().filter(|(_, r)| r.data >> di & 1 == 1).collect();
                let purposes = fired.iter().fold(0, |m, (_, r)| m | r.purposes);
                let keep = fired
                    .iter()
                    .map(|(_, r)| &r.keep)
                    .max_by(|a, b| a.longest_key().cmp(&b.longest_key()))
                    .map(ToString::to_string)
                    .unwrap_or_default();
                items.push(SourceItem {
                    data: name.clone(),
                    source: source.clone(),
                    purposes: m.purpose_names(purposes).map(str::to_string).collect(),
                    retention: keep,
                    linked: fired.iter().any(|(i, _)| d.linking >> i & 1 == 1),
                    rules: fired.iter().map(|(i, r)| rule_ref(*i, r)).collect(),
                });
            }
        }
        SourceReport {
            collect: m.data_names(d.collect).map(str::to_string).collect(),
            linked: m.data_names(d.linked).map(str::to_string).collect(),
            purposes: m.purpose_names(d.purposes).map(str::to_string).collect(),
            items,
            rules: rows.iter().map(|(i, r)| rule_ref(*i, r)).collect(),
            policy_hash: m.policy_hash(),
        }
    }
}
