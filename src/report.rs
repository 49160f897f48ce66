//! Decisions in words: the shape `explain`, `match` and `test` print, produced alike by the compiled matcher
//! and by the reference interpreter, so that the two can be compared field by field.

use crate::matcher::{Decision, Matcher, UnknownName};
use serde::Serialize;
use std::collections::BTreeMap;

/// Runtime settings by name: `--set NAME=on|off` and `--region R`, or an `expect` line's `with` and `region`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub set: Vec<(String, bool)>,
    pub region: Option<String>,
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
        Settings { set, region: region.map(str::to_string) }
    }

    /// The matcher state for these settings.
    pub fn state(&self, m: &Matcher<'_>) -> Result<crate::matcher::State, UnknownName> {
        let mut st = m.default_state();
        for (name, on) in &self.set {
            m.set(&mut st, name, *on)?;
        }
        m.set_region(&mut st, self.region.as_deref())?;
        Ok(st)
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

/// One decision, in names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub url: String,
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
    pub fn decide(m: &Matcher<'_>, url: &str, state: &crate::matcher::State) -> Report {
        match crate::urlnorm::parse(url) {
            Ok(u) => Report::build(m, url, Some(u.host()), &m.decide_parsed(&u, state)),
            Err(e) => Report::build(m, url, None, &Decision { error: Some(e), ..Decision::default() }),
        }
    }

    /// Builds the report of a decision already made (the URL is parsed again for its host).
    pub fn from_decision(m: &Matcher<'_>, url: &str, d: &Decision) -> Report {
        let parsed = if d.error.is_none() { crate::urlnorm::parse(url).ok() } else { None };
        Report::build(m, url, parsed.as_ref().map(|u| u.host()), d)
    }

    fn build(m: &Matcher<'_>, url: &str, host: Option<&str>, d: &Decision) -> Report {
        let meta = m.meta();
        let names = |it: &mut dyn Iterator<Item = &str>| it.map(str::to_string).collect::<Vec<_>>();
        let bits = |mask: u64| (0..64).filter(move |i| mask >> i & 1 == 1);
        Report {
            url: url.to_string(),
            host: host.map(str::to_string),
            sites: names(&mut m.category_names(d.sites)),
            collect: names(&mut m.data_names(d.collect)),
            linked: names(&mut m.data_names(d.linked)),
            purposes: names(&mut m.purpose_names(d.purposes)),
            retention: m.retention(d).into_iter().map(|(n, r)| (n.to_string(), r.to_string())).collect(),
            rules: bits(d.rules)
                .map(|i| RuleRef { rule: format!("collect {}", i + 1), origin: meta.collect[i].origin.clone() })
                .collect(),
            blocked_by: bits(d.blocked_by)
                .map(|i| RuleRef { rule: format!("never {}", i + 1), origin: meta.never[i].origin.clone() })
                .collect(),
            policy_hash: m.policy_hash(),
            error: d.error.as_ref().map(|e| e.to_string()),
        }
    }
}

/// Which rules and site categories a set of decisions exercised: the coverage of a policy's `expect` lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// `collect N` rules that fired in no decision, with their origins.
    pub collect_unexercised: Vec<RuleRef>,
    /// `never N` rules that blocked in no decision.
    pub never_unexercised: Vec<RuleRef>,
    /// Site categories no decided URL fell in.
    pub sites_unexercised: Vec<String>,
    pub collect_total: usize,
    pub never_total: usize,
    pub sites_total: usize,
}

impl Coverage {
    /// Coverage of `reports` over `policy`. Rules are named as in reports (`collect 2`); origins come from the
    /// policy (file name and line).
    pub fn of(policy: &crate::ir::Policy, reports: &[Report]) -> Coverage {
        let fired: std::collections::BTreeSet<&str> =
            reports.iter().flat_map(|r| r.rules.iter().chain(&r.blocked_by)).map(|r| r.rule.as_str()).collect();
        let sites: std::collections::BTreeSet<&str> =
            reports.iter().flat_map(|r| r.sites.iter()).map(String::as_str).collect();
        let origin = |o: &Option<crate::source::Origin>| o.as_ref().map(|o| o.to_string()).unwrap_or_default();
        Coverage {
            collect_unexercised: (0..policy.collect.len())
                .map(|i| format!("collect {}", i + 1))
                .filter(|r| !fired.contains(r.as_str()))
                .map(|rule| {
                    let i: usize = rule["collect ".len()..].parse().unwrap_or(1);
                    RuleRef { origin: origin(&policy.collect[i - 1].origin), rule }
                })
                .collect(),
            never_unexercised: (0..policy.never.len())
                .map(|i| format!("never {}", i + 1))
                .filter(|r| !fired.contains(r.as_str()))
                .map(|rule| {
                    let i: usize = rule["never ".len()..].parse().unwrap_or(1);
                    RuleRef { origin: origin(&policy.never[i - 1].origin), rule }
                })
                .collect(),
            sites_unexercised: policy
                .sites
                .iter()
                .filter(|c| !sites.contains(c.name.as_str()))
                .map(|c| c.name.clone())
                .collect(),
            collect_total: policy.collect.len(),
            never_total: policy.never.len(),
            sites_total: policy.sites.len(),
        }
    }
}
