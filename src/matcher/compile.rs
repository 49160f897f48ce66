//! Compiling the IR to an artifact.
//!
//! Plain domain and exact-host patterns go into a hash [`super::index`] (one entry per domain, value =
//! an equivalence class of "which categories match here, and how"). `name.*` wildcards go into a second index
//! keyed by the label, next to the ICANN section of the Public Suffix List, so that the runtime can find the
//! label before a host's public suffix. Path patterns, which are few but varied, become one anchored
//! multi-pattern regex-automata DFA, serialized in its sparse form (small, and loadable without alignment).
//! `never` over `collect` precedence is resolved per category bit at decision time with one AND, and rules are
//! rows of bit masks, so that a decision is a handful of bit operations after the lookups.

use crate::ir;
use crate::pattern::HostPattern;
use crate::psl::PublicSuffixList;
use policyc_runtime::artifact::{self, tag};
use policyc_runtime::cond::{self, Op};
use policyc_runtime::index;
use policyc_runtime::matcher::{
    Class, CollectRow, EventRow, IndependentRow, LinkRow, Meta, NeverRow, Var, LONGER, NO_CLASS,
};
use regex_automata::dfa::{dense, StartKind};
use regex_automata::{nfa::thompson, util::syntax, MatchKind};
use std::collections::BTreeMap;
use std::fmt;

/// Limits on what one artifact may hold. Bit masks of 64 bits carry categories, data items, purposes,
/// variables, regions and rules through a decision without allocation; a policy needing more is refused.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest number of domain and wildcard entries.
    pub max_domains: usize,
    /// Largest number of path patterns (each becomes a DFA pattern).
    pub max_path_patterns: usize,
    /// Largest size of the path DFA, in bytes, during and after construction.
    pub max_dfa_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_domains: ir::limits::MAX_DOMAINS,
            max_path_patterns: ir::limits::MAX_PATH_PATTERNS,
            max_dfa_bytes: 256 << 20,
        }
    }
}

/// Why a policy cannot be compiled. Checked policies compile unless they exceed a [`Limits`] value or one of
/// the fixed 64-entry limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    pub help: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for CompileError {}

fn limit_err(what: &str, n: usize, max: usize, help: &str) -> CompileError {
    CompileError { message: format!("the policy has {n} {what}, over the limit of {max}"), help: help.to_string() }
}

fn bit_of(names: &[String], name: &str) -> u64 {
    names.iter().position(|n| n == name).map(|i| 1u64 << i).unwrap_or(0)
}

fn mask(names: &[String], of: &[String]) -> u64 {
    of.iter().fold(0, |m, n| m | bit_of(names, n))
}

/// Compiles a checked policy into artifact bytes.
pub fn compile(policy: &ir::Policy, limits: &Limits) -> Result<Vec<u8>, CompileError> {
    let names = |v: Vec<&String>| v.into_iter().cloned().collect::<Vec<String>>();
    let categories = names(policy.sites.iter().map(|s| &s.name).collect());
    let data = names(policy.data.iter().map(|d| &d.name).collect());
    let purposes = names(policy.purposes.iter().map(|p| &p.name).collect());
    // The region table holds every region a component may name, nested ones included, so that the runtime needs
    // no geography: a rule's mask has the bit of each region where it applies (`crate::region`).
    let regions = crate::region::expand(&policy.regions);
    let region_mask = |applies: &dyn Fn(&str) -> bool| -> u64 {
        regions.iter().enumerate().filter(|(_, r)| applies(r)).fold(0, |m, (i, _)| m | 1u64 << i)
    };
    let mut vars: Vec<Var> = policy
        .signals
        .iter()
        .map(|s| Var {
            name: s.name.clone(),
            feature: false,
            default: false,
            label: s.text.clone().into_iter().collect(),
            opt_in: Vec::new(),
        })
        .collect();
    vars.extend(policy.features.iter().map(|f| Var {
        name: f.name.clone(),
        feature: true,
        default: f.default,
        label: f.text.clone().into_iter().collect(),
        opt_in: f.opt_in.clone().unwrap_or_default().into_iter().collect(),
    }));
    let fixed = [
        ("site categories", categories.len()),
        ("data items", data.len()),
        ("purposes", purposes.len()),
        ("signals and features", vars.len()),
        ("regions", regions.len()),
        ("collect rules", policy.collect.len()),
        ("never rules", policy.never.len()),
        ("rules that collect from a source", policy.independent.len()),
        ("sources", policy.sources.len() + 2),
    ];
    if policy.events.len() > ir::limits::MAX_EVENTS {
        return Err(limit_err(
            "events",
            policy.events.len(),
            ir::limits::MAX_EVENTS,
            "decisions carry a rule's events as a 64-bit set, one bit of it the page view; split the policy into two",
        ));
    }
    let events: Vec<EventRow> = policy
        .events
        .iter()
        .map(|e| EventRow { name: e.name.clone(), label: e.text.clone().into_iter().collect() })
        .collect();
    // Bit 0 is the page view, bit `i + 1` the declared event `i`; a rule without events collects on page views.
    // An IR built by hand rather than by the checker may name an event it does not declare; that is refused, so
    // that no rule silently collects on nothing.
    let event_mask = |names: &[String]| -> Result<u64, CompileError> {
        if names.is_empty() {
            return Ok(1);
        }
        names.iter().try_fold(0, |m, n| {
            let bit = if n == ir::PAGE_VIEW {
                1
            } else {
                let i = policy.events.iter().position(|e| &e.name == n).ok_or_else(|| CompileError {
                    message: format!("a collect rule names the event `{n}`, which the policy does not declare"),
                    help: "run the policy through `policyc check`, which refuses such rules".into(),
                })?;
                2 << i
            };
            Ok(m | bit)
        })
    };
    for (what, n) in fixed {
        if n > ir::limits::MAX_PER_KIND {
            return Err(limit_err(
                what,
                n,
                ir::limits::MAX_PER_KIND,
                "decisions carry these as 64-bit sets; split the policy into two",
            ));
        }
    }

    // Domain and wildcard classes: for each key, which categories match it and how.
    let mut domain_classes: BTreeMap<&str, Class> = BTreeMap::new();
    let mut wild_classes: BTreeMap<&str, Class> = BTreeMap::new();
    let mut path_regexes = Vec::new();
    let mut path_categories = Vec::new();
    for (ci, cat) in policy.sites.iter().enumerate() {
        let bit = 1u64 << ci;
        for p in &cat.patterns {
            let (table, key) = match &p.host {
                HostPattern::Domain(d) | HostPattern::Exact(d) => (&mut domain_classes, d.as_str()),
                HostPattern::Wildcard(l) => (&mut wild_classes, l.as_str()),
            };
            // The runtime never looks up single labels (they are public suffixes); an IR built by hand rather
            // than by the checker must not smuggle one in, or matcher and semantics would disagree.
            if matches!(p.host, HostPattern::Domain(_) | HostPattern::Exact(_)) && !key.contains('.') {
                return Err(CompileError {
                    message: format!("site pattern `{key}` covers a whole public suffix"),
                    help: "run the policy through `policyc check`, which refuses such patterns".into(),
                });
            }
            let class = table.entry(key).or_default();
            match (&p.host, &p.path) {
                (HostPattern::Exact(_), None) => class.exact |= bit,
                (_, None) => class.sub |= bit,
                (host, Some(path)) => {
                    class.paths = true;
                    path_regexes.push(path_regex(host, path));
                    path_categories.push(ci as u8);
                }
            }
        }
    }
    let n_keys = domain_classes.len() + wild_classes.len();
    if n_keys > limits.max_domains.min(index::MAX_KEYS) {
        return Err(limit_err(
            "distinct domains",
            n_keys,
            limits.max_domains.min(index::MAX_KEYS),
            "raise the limit with `--max-domains` or split the lists",
        ));
    }
    if path_regexes.len() > limits.max_path_patterns {
        return Err(limit_err(
            "path patterns",
            path_regexes.len(),
            limits.max_path_patterns,
            "raise the limit with `--max-path-patterns`, or use domain patterns where a whole site is meant",
        ));
    }

    // Classes are deduplicated: thousands of domains share "in category 3, with subdomains".
    // (Index values are 16 bits; 64 categories can form more combinations than that only in theory.)
    let mut classes: Vec<Class> = Vec::new();
    let mut class_ids: BTreeMap<Class, u32> = BTreeMap::new();
    let mut intern = |c: Class| -> u32 {
        *class_ids.entry(c).or_insert_with(|| {
            classes.push(c);
            (classes.len() - 1) as u32
        })
    };
    let mut domain_entries: BTreeMap<&str, u32> = domain_classes.iter().map(|(k, c)| (*k, intern(*c))).collect();
    let wild_items: Vec<(&str, u32)> = wild_classes.iter().map(|(k, c)| (*k, intern(*c))).collect();
    if classes.len() > NO_CLASS as usize {
        return Err(limit_err(
            "distinct combinations of site categories",
            classes.len(),
            NO_CLASS as usize,
            "merge site categories",
        ));
    }
    // Every suffix of two labels and more of a longer key gets an entry marked LONGER (a step entry, with no
    // class, where the suffix is no key itself), so that the runtime can look a host up from its shortest
    // suffix and stop at the first one that leads nowhere.
    for key in domain_classes.keys() {
        let mut rest = *key;
        while let Some((_, parent)) = rest.split_once('.') {
            if !parent.contains('.') {
                break;
            }
            *domain_entries.entry(parent).or_insert(NO_CLASS) |= LONGER;
            rest = parent;
        }
    }
    let domains = index::build(domain_entries.into_iter().collect());
    let wild = index::build(wild_items);
    // The ICANN rules travel with the artifact only when a wildcard needs them.
    let psl = if wild_classes.is_empty() {
        index::build(Vec::new())
    } else {
        index::build(PublicSuffixList::bundled().icann_rules().into_iter().map(|(k, f)| (k, u32::from(f))).collect())
    };

    let dfa_bytes = if path_regexes.is_empty() { Vec::new() } else { build_dfa(&path_regexes, limits)? };

    let var_bit = |n: &str| vars.iter().position(|v| v.name == n).map(|i| i as u8);
    let compile_cond = |c: &ir::Cond| -> Result<Vec<Op>, CompileError> {
        compile_cond(c, &var_bit).ok_or_else(|| CompileError {
            message: format!("condition `{c}` is nested more than {} levels deep", cond::MAX_DEPTH),
            help: "simplify the condition".into(),
        })
    };
    let origin = |o: &Option<crate::source::Origin>| crate::source::Origin::short(o.as_ref());
    let never = policy
        .never
        .iter()
        .map(|n| NeverRow {
            sites: mask(&categories, &n.sites),
            // Every region where the user might be inside one of the rule's regions: a coarse region such as
            // `EU` does not exempt a URL from a `never` rule for `DE` (fail closed).
            regions: if n.regions.is_empty() {
                0
            } else {
                region_mask(&|r| n.regions.iter().any(|x| crate::region::overlaps(r, x)))
            },
            origin: origin(&n.origin),
        })
        .collect();
    // A rule's region mask: every listed region that lies inside one of the rule's regions (a rule for `US`
    // collects in `US-CA`); 0, every region, for a rule without regions.
    let collect_regions = |rs: &[String]| -> u64 {
        if rs.is_empty() {
            0
        } else {
            region_mask(&|x| rs.iter().any(|y| crate::region::within(x, y)))
        }
    };
    let link_row = |l: &ir::Link| -> Result<LinkRow, CompileError> {
        Ok(match l {
            // Not stated links nothing: the matcher fails closed.
            ir::Link::Never | ir::Link::NotStated => LinkRow::Never,
            ir::Link::Always => LinkRow::Always,
            ir::Link::When(c) => LinkRow::When(compile_cond(c)?),
        })
    };
    let link_text = |l: &ir::Link| match l {
        ir::Link::Never => "never".to_string(),
        ir::Link::Always => "always".into(),
        ir::Link::NotStated => "never (the underlying privacy policy does not say)".into(),
        ir::Link::When(c) => format!("when {c}"),
    };
    let mut collect = Vec::new();
    for r in &policy.collect {
        collect.push(CollectRow {
            sites: mask(&categories, &r.sites),
            regions: collect_regions(&r.regions),
            when: r.when.as_ref().map(&compile_cond).transpose()?,
            data: mask(&data, &r.data),
            purposes: mask(&purposes, &r.purposes),
            keep: r.keep.clone(),
            link: link_row(&r.link)?,
            when_text: r.when.as_ref().map(|c| c.to_string()),
            link_text: link_text(&r.link),
            origin: origin(&r.origin),
            events: event_mask(&r.events)?,
        });
    }
    // The built-in sources first, so that `device` and `account` have the same index in every artifact.
    let sources: Vec<String> = [ir::SOURCE_DEVICE, ir::SOURCE_ACCOUNT]
        .into_iter()
        .map(str::to_string)
        .chain(policy.sources.iter().map(|s| s.name.clone()))
        .collect();
    let mut independent = Vec::new();
    for r in &policy.independent {
        let source = sources.iter().position(|s| *s == r.source).ok_or_else(|| CompileError {
            message: format!("a rule collects from `{}`, which the policy does not declare as a source", r.source),
            help: "run the policy through `policyc check`, which refuses such rules".into(),
        })?;
        independent.push(IndependentRow {
            // Bounded by the limit on sources checked above.
            source: source as u8,
            regions: collect_regions(&r.regions),
            when: r.when.as_ref().map(&compile_cond).transpose()?,
            data: mask(&data, &r.data),
            purposes: mask(&purposes, &r.purposes),
            keep: r.keep.clone(),
            link: link_row(&r.link)?,
            when_text: r.when.as_ref().map(|c| c.to_string()),
            link_text: link_text(&r.link),
            origin: origin(&r.origin),
        });
    }
    let meta = Meta {
        policy_id: policy.id.clone(),
        version: policy.version.clone(),
        categories,
        data,
        purposes,
        vars,
        regions,
        classes,
        path_categories,
        never,
        collect,
        events,
        sources,
        independent,
    };
    let meta_bytes = postcard::to_stdvec(&meta).expect("the tables always serialise");
    let hash = policy_hash_bytes(policy);
    Ok(artifact::write(
        &hash,
        &[
            (tag::META, &meta_bytes),
            (tag::DOMAIN_STRINGS, &domains.strings),
            (tag::DOMAIN_SLOTS, &domains.slots),
            (tag::WILD_STRINGS, &wild.strings),
            (tag::WILD_SLOTS, &wild.slots),
            (tag::PSL_STRINGS, &psl.strings),
            (tag::PSL_SLOTS, &psl.slots),
            (tag::PATH_DFA, &dfa_bytes),
        ],
    ))
}

/// The policy's content hash as bytes.
pub fn policy_hash_bytes(policy: &ir::Policy) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(policy.to_canonical_json().as_bytes()).into()
}

/// The regex for a path pattern, matched anchored against `host + path` (or, for wildcards, against the host
/// with its ICANN suffix replaced by `*`, followed by the path).
fn path_regex(host: &HostPattern, path: &str) -> String {
    let lit = |s: &str| regex_syntax_escape(s);
    let host_re = match host {
        HostPattern::Domain(d) => format!(r"(?:[^/]*\.)?{}", lit(d)),
        HostPattern::Exact(h) => lit(h),
        HostPattern::Wildcard(l) => format!(r"(?:[^/]*\.)?{}\.\*", lit(l)),
    };
    let boundary = if path.ends_with('/') { "" } else { r"(?:/|\z)" };
    format!("{host_re}{}{boundary}", lit(path))
}

/// Escapes every regex meta character of a literal.
fn regex_syntax_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '%' || c == '~' || c == ',' || c == '=' {
            out.push(c);
        } else if c.is_ascii() {
            out.push('\\');
            out.push(c);
        } else {
            // Normalised paths and hosts are ASCII; anything else is matched byte by byte as a literal.
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!(r"\x{b:02X}"));
            }
        }
    }
    out
}

fn build_dfa(patterns: &[String], limits: &Limits) -> Result<Vec<u8>, CompileError> {
    let too_big = |e: &dyn fmt::Display| CompileError {
        message: format!("the path patterns do not fit the automaton limits: {e}"),
        help: "raise the limit with `--max-dfa-bytes`, or use fewer path patterns".into(),
    };
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .minimize(false)
                .dfa_size_limit(Some(limits.max_dfa_bytes))
                .determinize_size_limit(Some(limits.max_dfa_bytes)),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(thompson::Config::new().nfa_size_limit(Some(limits.max_dfa_bytes)))
        .build_many(patterns)
        .map_err(|e| too_big(&e))?;
    let sparse = dfa.to_sparse().map_err(|e| too_big(&e))?;
    Ok(sparse.to_bytes_little_endian())
}

/// Compiles a condition to the runtime's postfix code; `var` maps a name to its bit. Returns `None` if the condition is deeper than
/// [`cond::MAX_DEPTH`] or names an unknown variable.
fn compile_cond(c: &ir::Cond, var: &impl Fn(&str) -> Option<u8>) -> Option<Vec<Op>> {
    let mut out = Vec::new();
    emit(c, var, &mut out)?;
    (cond::max_depth(&out)? <= cond::MAX_DEPTH).then_some(out)
}

fn emit(c: &ir::Cond, var: &impl Fn(&str) -> Option<u8>, out: &mut Vec<Op>) -> Option<()> {
    match c {
        ir::Cond::Var(n) => out.push(Op::Var(var(n)?)),
        ir::Cond::Not(c) => {
            emit(c, var, out)?;
            out.push(Op::Not);
        }
        ir::Cond::And(cs) | ir::Cond::Or(cs) => {
            let op = if matches!(c, ir::Cond::And(_)) { Op::And } else { Op::Or };
            for (i, c) in cs.iter().enumerate() {
                emit(c, var, out)?;
                if i > 0 {
                    out.push(op);
                }
            }
            if cs.is_empty() {
                return None;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::Cond;

    #[test]
    fn condition_programs_agree_with_the_ir() {
        let names = ["a", "b", "c"];
        let var = |n: &str| names.iter().position(|x| *x == n).map(|i| i as u8);
        let conds = [
            Cond::And(vec![Cond::Var("a".into()), Cond::Var("b".into())]),
            Cond::Or(vec![Cond::Var("a".into()), Cond::Not(Box::new(Cond::Var("c".into())))]),
            Cond::And(vec![
                Cond::Or(vec![Cond::Var("a".into()), Cond::Var("b".into())]),
                Cond::Not(Box::new(Cond::And(vec![Cond::Var("b".into()), Cond::Var("c".into())]))),
            ]),
        ];
        for c in &conds {
            let ops = compile_cond(c, &var).unwrap();
            for bits in 0..8u64 {
                let value = |n: &str| bits >> var(n).unwrap() & 1 == 1;
                assert_eq!(cond::eval(&ops, bits), c.eval(&value), "{c} at {bits:03b}");
            }
        }
    }
}
