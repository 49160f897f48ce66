//! Test coverage: which rules and site categories the decisions of a policy's `expect` lines exercised.

use crate::ir;
use policyc_runtime::report::{Report, RuleRef};
use serde::Serialize;

/// Which rules and site categories a set of decisions exercised: the coverage of a policy's `expect` lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// `collect N` rules that fired in no decision, with their origins.
    pub collect_unexercised: Vec<RuleRef>,
    /// `never N` rules that blocked in no decision.
    pub never_unexercised: Vec<RuleRef>,
    /// Site categories no decided URL fell in.
    pub sites_unexercised: Vec<String>,
    /// Rules from a source (`from N`) that no `expect from` line saw hold.
    pub from_unexercised: Vec<RuleRef>,
    pub collect_total: usize,
    pub never_total: usize,
    pub sites_total: usize,
    pub from_total: usize,
}

impl Coverage {
    /// Coverage of `reports` (the decisions of URL lines) and `from_rules` (the rules from a source that held
    /// for the source of an `expect from` line) over `policy`. Rules are named as in reports (`collect 2`,
    /// `from 1`); origins come from the policy (file name and line).
    pub fn of(policy: &ir::Policy, reports: &[Report], from_rules: &[RuleRef]) -> Coverage {
        let fired: std::collections::BTreeSet<&str> = reports
            .iter()
            .flat_map(|r| r.rules.iter().chain(&r.blocked_by))
            .chain(from_rules)
            .map(|r| r.rule.as_str())
            .collect();
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
            from_unexercised: policy
                .independent
                .iter()
                .enumerate()
                .map(|(i, r)| RuleRef { rule: format!("from {}", i + 1), origin: origin(&r.origin) })
                .filter(|r| !fired.contains(r.rule.as_str()))
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
            from_total: policy.independent.len(),
        }
    }
}
