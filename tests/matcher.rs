//! Stage 3, the matcher: the brief's semantics on the bundled policy, agreement with the reference
//! interpreter on generated policies and URLs (proptest) and on real data.

mod common;

use policyc::interp::Interpreter;
use policyc::ir;
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use policyc::pattern::Pattern;
use policyc::psl::PublicSuffixList;
use policyc::report::{ItemReport, Report, Settings};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn shopping() -> &'static (ir::Policy, Vec<u8>) {
    static P: OnceLock<(ir::Policy, Vec<u8>)> = OnceLock::new();
    P.get_or_init(|| {
        let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
        let bytes = compile(&policy, &Limits::default()).unwrap();
        (policy, bytes)
    })
}

fn decide(url: &str, set: &[(&str, bool)], region: Option<&str>) -> Report {
    let (_, bytes) = shopping();
    let m = Matcher::from_bytes(bytes).unwrap();
    let settings = Settings {
        set: set.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        region: region.map(str::to_string),
        event: None,
    };
    Report::decide(&m, url, &settings.state(&m).unwrap())
}

fn collects(url: &str) -> Vec<String> {
    decide(url, &[], None).collect
}

#[test]
fn domains_match_on_label_boundaries() {
    assert_eq!(collects("https://walmart.com/"), ["page_url", "page_title"]);
    assert_eq!(collects("https://a.b.walmart.com/"), ["page_url", "page_title"]);
    assert!(collects("https://notwalmart.com/").is_empty());
    assert!(collects("https://walmart.com.evil.net/").is_empty());
    assert!(collects("https://walmart.co/").is_empty());
}

#[test]
fn url_forms_of_one_host_decide_alike() {
    let base = decide("https://www.walmart.com/ip/1", &[], None);
    for url in [
        "HTTPS://WWW.WALMART.COM/ip/1",
        "https://www.walmart.com./ip/1",
        "https://user:pass@www.walmart.com:8443/ip/1",
        "http://www.walmart.com/ip/1?q=1#frag",
        "https://www.walmart.com/x/../ip/1",
        "https://www.walmart.com/%69p/1",
        "https://www.walmart.com/ip/%2e/1",
    ] {
        let r = decide(url, &[], None);
        assert_eq!((r.collect, r.sites), (base.collect.clone(), base.sites.clone()), "{url}");
    }
    // Unicode and punycode forms of the same IDN host.
    assert_eq!(collects("https://www.bücher.de/"), collects("https://www.xn--bcher-kva.de/"));
    assert_eq!(collects("https://www.BÜCHER.de/"), ["page_url", "page_title"]);
}

#[test]
fn userinfo_and_suffix_tricks_do_not_collect() {
    for url in [
        "https://www.walmart.com@evil.example/ip/1",
        "https://evil.example/www.walmart.com/ip/1",
        "https://evil.example/?u=https://www.walmart.com/ip/1",
        "https://walmart.com.evil.example/ip/1",
        "https://walmart-com.example/ip/1",
    ] {
        assert!(collects(url).is_empty(), "{url}");
    }
}

#[test]
fn path_prefixes_respect_segments() {
    assert!(collects("https://www.walmart.com/ip/123").contains(&"product_price".to_string()));
    assert!(collects("https://www.walmart.com/ip/").contains(&"product_price".to_string()));
    assert!(!collects("https://www.walmart.com/ipad").contains(&"product_price".to_string()));
    assert!(!collects("https://www.walmart.com/ip").contains(&"product_price".to_string()), "`/ip/` needs the slash");
    assert!(
        !collects("https://www.walmart.com/IP/1").contains(&"product_price".to_string()),
        "paths are case-sensitive"
    );
}

#[test]
fn wildcards_cover_icann_suffixes_only() {
    for url in ["https://ebay.com/", "https://www.ebay.de/", "https://ebay.co.uk/", "https://m.ebay.com.au/"] {
        assert_eq!(collects(url), ["page_url", "page_title"], "{url}");
    }
    for url in
        ["https://ebay.blogspot.com/", "https://ebay.github.io/", "https://ebay.evil.com/", "https://notebay.de/"]
    {
        assert!(collects(url).is_empty(), "{url}");
    }
}

/// Both the matcher and the interpreter, on the shopping policy: they must agree and give `want`.
fn both_collect(url: &str, want: &[&str]) {
    let (policy, _) = shopping();
    let got = collects(url);
    let interp = Interpreter::new(policy).decide(url, &Settings::default()).unwrap().collect;
    assert_eq!(got, want, "matcher on {url:?}");
    assert_eq!(interp, want, "interpreter on {url:?}");
}

#[test]
fn wildcards_do_not_reach_names_the_list_does_not_know() {
    // `ebay.*` promises `ebay` before an ICANN-section public suffix. A name no rule of that section lists is
    // a local network or a TLD that does not exist, even though the list's implicit `*` rule calls it a suffix.
    for url in ["https://ebay.local/", "https://www.ebay.internal/", "https://ebay.lan/", "https://ebay.corp/x"] {
        both_collect(url, &[]);
    }
    both_collect("https://ebay.de/", &["page_url", "page_title"]);
}

#[test]
fn ace_labels_that_decode_to_ace_labels_are_refused() {
    // UTS 46 validity criterion V4: `xn--xn---epa` decodes to `xn--ä`, itself an ACE label. The Unicode form
    // of the same host is refused by the URL parser, so the encoded form must be too.
    for url in
        ["https://xn--xn---epa.walmart.com/ip/1", "https://www.XN--xn---epa.target.com/", "https://xn--xn---epa.de/"]
    {
        let r = decide(url, &[], None);
        assert!(r.collect.is_empty(), "{url}");
        assert!(r.error.as_deref().is_some_and(|e| e.contains("not a valid domain name")), "{url}: {:?}", r.error);
    }
    // A valid punycode label still decides as its Unicode form (the policy names `bücher.de`).
    both_collect("https://www.xn--bcher-kva.de/", &["page_url", "page_title"]);
    both_collect("https://www.bücher.de/", &["page_url", "page_title"]);
}

#[test]
fn hosts_with_an_empty_label_are_refused_with_the_reason() {
    for url in ["https://a..walmart.com/ip/1", "https://.target.com/", "https://www..ebay.de/"] {
        let r = decide(url, &[], None);
        assert!(r.collect.is_empty(), "{url}");
        let e = r.error.unwrap_or_default();
        assert!(e.contains("has an empty label") && e.contains("fail closed"), "{url}: {e}");
    }
}

/// Region-scoped rules, decided by the matcher and by the interpreter in every kind of context.
#[test]
fn region_scoped_rules_apply_only_where_they_are_scoped() {
    let text = r#"
policy r { name "R" controller "R Inc." established DE contact "r@r.test" version "1" languages en regions DE, US }
data page_url "the page address"
purpose stats basis consent profiling no decisions none "counting visits"
sites everywhere "shops" { shop.example }
sites de_shops "German shops" { shop.de }
sites us_blocked "shops blocked in the US" { blocked.example }
never collect on us_blocked region US
collect page_url on everywhere, us_blocked for stats keep 30 days
collect page_url on de_shops for stats keep 30 days region DE
"#;
    let policy = common::policy_from_text(text);
    let bytes = compile(&policy, &Limits::default()).unwrap();
    let m = Matcher::from_bytes(&bytes).unwrap();
    let interp = Interpreter::new(&policy);
    // (url, region, collects): a `region DE` collect rule fires only in DE; a `region US` never rule blocks in
    // the US and, failing closed, wherever the region is unknown.
    let cases = [
        ("https://shop.example/", None, true),
        ("https://shop.de/", None, false),
        ("https://shop.de/", Some("DE"), true),
        ("https://shop.de/", Some("US"), false),
        ("https://blocked.example/", None, false),
        ("https://blocked.example/", Some("US"), false),
        ("https://blocked.example/", Some("DE"), true),
    ];
    for (url, region, want) in cases {
        let settings = Settings { set: vec![], region: region.map(str::to_string), event: None };
        let got = Report::decide(&m, url, &settings.context(&m).unwrap());
        let reference = interp.decide(url, &settings).unwrap();
        assert_eq!(!got.collect.is_empty(), want, "matcher: {url} in {region:?}");
        assert_eq!(got, reference, "interpreter: {url} in {region:?}");
    }
}

#[test]
fn never_wins_over_collect() {
    let r = decide("https://www.bankofamerica.com/", &[("price_compare", true)], None);
    assert!(r.collect.is_empty());
    assert_eq!(r.blocked_by.len(), 1);
    assert!(r.blocked_by[0].origin.starts_with("shopping-assistant.policy:"));
}

#[test]
fn unusable_urls_collect_nothing_with_an_error() {
    for url in [
        "",
        "not a url",
        "ftp://www.walmart.com/ip/1",
        "javascript:alert(1)",
        "http://127.0.0.1/ip/1",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://[::1]/",
        "https://www.walmart.com\u{0}/ip/1",
    ] {
        let r = decide(url, &[("price_compare", true), ("signed_in", true), ("assistant_active", true)], None);
        assert!(r.collect.is_empty() && r.linked.is_empty(), "{url:?}");
        assert!(r.error.is_some(), "{url:?} should carry an error");
    }
    let huge = format!("https://www.walmart.com/ip/{}", "a".repeat(1 << 20));
    assert!(decide(&huge, &[], None).error.is_some());
}

#[test]
fn linkage_follows_the_runtime_state() {
    let url = "https://www.walmart.com/ip/1";
    assert!(decide(url, &[], None).linked.is_empty());
    assert!(decide(url, &[("assistant_active", true)], None).linked.is_empty());
    let both = decide(url, &[("assistant_active", true), ("signed_in", true)], None);
    assert_eq!(both.linked, ["page_url", "page_title", "product_price"]);
    let off = decide(url, &[("assistant_active", true), ("signed_in", true), ("price_compare", false)], None);
    assert!(off.collect.is_empty() && off.linked.is_empty());
}

/// Regions nest: a rule for `US` decides for `US-CA`, a policy that declares `EU` answers for `DE`, and a coarse
/// region never exempts a URL from a `never` rule for a region inside it.
#[test]
fn regions_nest_and_fail_closed() {
    let text = r#"
policy nest { name "N" controller "C" established DE contact "c@c.test" version "1" languages en regions US, EU, DE }
data d "d"
purpose p basis consent profiling no decisions none "p"
sites shops "shops" { shop.example }
sites banks "banks" { bank.example }
sites all "all" { shop.example  bank.example  other.example }
never collect on banks region DE
collect d on shops for p keep 1 day region US
collect d on all for p keep 2 days region EU
"#;
    let policy = common::policy_from_text(text);
    let bytes = compile(&policy, &Limits::default()).unwrap();
    let m = Matcher::from_bytes(&bytes).unwrap();
    let interp = Interpreter::new(&policy);
    let run = |url: &str, region: Option<&str>| {
        let settings = Settings { set: vec![], region: region.map(str::to_string), event: None };
        let got = Report::decide(&m, url, &settings.state(&m).unwrap());
        assert_eq!(got, interp.decide(url, &settings).unwrap(), "{url} in {region:?}");
        got.collect
    };
    // A `US` rule collects in California, which the policy does not name itself.
    assert_eq!(run("https://shop.example/", Some("US-CA")), ["d"]);
    // A member state a policy declares only through `EU`.
    assert_eq!(run("https://other.example/", Some("FR")), ["d"]);
    assert!(run("https://other.example/", Some("US-CA")).is_empty());
    // The `never` rule for DE: it applies in DE, and to a user known only to be in the EU (who may be in DE), but
    // not in France.
    assert!(run("https://bank.example/", Some("DE")).is_empty());
    assert!(run("https://bank.example/", Some("EU")).is_empty());
    assert_eq!(run("https://bank.example/", Some("FR")), ["d"]);
    // A region outside every declared one is refused, as before.
    let unknown = Settings { set: vec![], region: Some("CA".into()), event: None };
    assert!(unknown.state(&m).is_err() && interp.decide("https://shop.example/", &unknown).is_err());
}

/// The consent fixes of the shopping policy (an opt-in step declared, direct marketing behind a switch of its own
/// that starts on) change no decision in any state of its original switches and regions: the policy decides as
/// its 2019 rules do, except that pharmacies (health data) now collect nothing.
#[test]
fn shopping_decides_as_its_2019_rules_except_on_pharmacies() {
    let path = Path::new("policies/shopping-assistant.policy");
    let text = std::fs::read_to_string(path).unwrap();
    let split = "  for recommendations\n  keep 90 days\n  link to account when assistant_active and signed_in\n\n";
    let marketing =
        "collect page_url, page_title\n  on retail\n  when price_compare and personalised_ads\n  for marketing\n  \
                     keep 90 days\n  link to account when assistant_active and signed_in\n\n";
    assert!(text.contains(split) && text.contains(marketing), "the shopping policy's rules changed; update this test");
    // The 2019 rules: one rule for both purposes, and pharmacies neither special nor excluded.
    let old = text
        .replacen(split, &split.replace("for recommendations", "for recommendations, marketing"), 1)
        .replace(marketing, "")
        .replace("never collect on pharmacies", "")
        .replace("sites pharmacies special health", "sites pharmacies");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lists")).unwrap();
    for list in ["ut1-shopping.txt", "ut1-bank.txt"] {
        std::fs::copy(Path::new("policies/lists").join(list), dir.path().join("lists").join(list)).unwrap();
    }
    std::fs::write(dir.path().join("old.policy"), old).unwrap();
    let old = common::check_path(&dir.path().join("old.policy")).checked.policy.expect("the 2019 rules check");
    let (new, _) = shopping();
    let (old_i, new_i) = (Interpreter::new(&old), Interpreter::new(new));
    let pharmacies = new.site_category("pharmacies").unwrap();
    let mut urls: Vec<String> = new.sites.iter().flat_map(|c| c.patterns.iter().map(|p| p.witness_url())).collect();
    urls.sort();
    urls.dedup();
    // Every URL in one state and region, cycling through all 32 of them; the first 500 URLs in all 32.
    let states: Vec<Settings> = (0..32u8)
        .map(|k| Settings {
            set: ["assistant_active", "signed_in", "price_compare"]
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), k >> i & 1 == 1))
                .collect(),
            region: [None, Some("US"), Some("US-CA"), Some("DE")][usize::from(k >> 3)].map(str::to_string),
            event: None,
        })
        .collect();
    let mut checked = 0;
    for (i, url) in urls.iter().enumerate() {
        let chosen: Vec<&Settings> = if i < 500 { states.iter().collect() } else { vec![&states[i % 32]] };
        let host = url.trim_start_matches("https://").split('/').next().unwrap();
        let pharmacy = pharmacies.patterns.iter().any(|p| policyc::interp::pattern_matches(p, host, "/"));
        for settings in chosen {
            let (a, b) = (old_i.decide(url, settings).unwrap(), new_i.decide(url, settings).unwrap());
            if pharmacy {
                assert!(b.collect.is_empty(), "{url} is a pharmacy");
                continue;
            }
            assert_eq!(
                (&a.collect, &a.linked, &a.purposes, &a.retention),
                (&b.collect, &b.linked, &b.purposes, &b.retention),
                "{url} {settings:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40_000, "{checked}");
}

#[test]
fn compilation_is_deterministic() {
    let (policy, bytes) = shopping();
    assert_eq!(&compile(policy, &Limits::default()).unwrap(), bytes);
    // The same policy through its YAML twin compiles to the same bytes, origins aside: the hash is equal.
    let m = Matcher::from_bytes(bytes).unwrap();
    assert_eq!(m.policy_hash(), policy.content_hash());
}

#[test]
fn limits_are_enforced_with_a_clear_error() {
    let (policy, _) = shopping();
    let e = compile(policy, &Limits { max_domains: 1000, ..Limits::default() }).unwrap_err();
    assert!(e.message.contains("over the limit of 1000"), "{}", e.message);
    assert!(e.help.contains("--max-domains"));
    let e = compile(policy, &Limits { max_path_patterns: 2, ..Limits::default() }).unwrap_err();
    assert!(e.message.contains("path patterns"), "{}", e.message);
    let e = compile(policy, &Limits { max_dfa_bytes: 64, ..Limits::default() }).unwrap_err();
    assert!(e.help.contains("--max-dfa-bytes"), "{}", e.message);
}

/// Every domain of the bundled lists, and the real request URLs where `../shared` is present, decide the
/// same through the compiled matcher and through the reference interpreter.
#[test]
fn real_data_agrees_with_the_interpreter() {
    let (policy, bytes) = shopping();
    let m = Matcher::from_bytes(bytes).unwrap();
    let interp = Interpreter::new(policy);
    let settings = Settings {
        set: vec![("assistant_active".into(), true), ("signed_in".into(), true)],
        region: Some("DE".into()),
        event: None,
    };
    let state = settings.state(&m).unwrap();
    let mut urls = Vec::new();
    for list in ["policies/lists/ut1-shopping.txt", "policies/lists/ut1-bank.txt"] {
        for d in std::fs::read_to_string(list).unwrap().lines() {
            urls.push(format!("https://{d}/"));
            urls.push(format!("https://www.{d}/ip/1"));
            urls.push(format!("https://x{d}/"));
        }
    }
    let shared = Path::new("../shared/data/requests/sitelist.txt");
    if let Ok(text) = std::fs::read_to_string(shared) {
        urls.extend(text.lines().map(str::to_string));
    } else {
        eprintln!("note: {} not present; checked the bundled lists only", shared.display());
    }
    let mut collected = 0;
    for url in &urls {
        let got = Report::decide(&m, url, &state);
        let want = interp.decide(url, &settings).unwrap();
        assert_eq!(got, want, "{url}");
        collected += usize::from(!got.collect.is_empty());
    }
    assert!(collected > 30_000, "the lists should collect somewhere: {collected}");
    // The batch decision agrees with one call per URL on all of them (wildcards, path patterns and refused
    // URLs among them).
    let batch = m.decide_many(urls.iter().map(String::as_str), &state);
    assert_eq!(batch.len(), urls.len());
    for (url, got) in urls.iter().zip(batch) {
        assert_eq!(got, m.decide(url, &state), "{url}");
    }
}

// ---- property test ---------------------------------------------------------------------------------------

const LABELS: &[&str] = &["a", "shop", "ebay", "xn--bcher-kva", "co", "uk", "www", "blogspot", "x-y"];
const SUFFIXES: &[&str] = &["com", "de", "co.uk", "uk", "blogspot.com", "github.io", "com.au", "example"];
const PATHS: &[&str] = &["/ip/", "/ip", "/p/x", "/a/b/"];

fn pattern_text() -> impl Strategy<Value = String> {
    (0..LABELS.len(), 0..SUFFIXES.len(), 0..4u8, prop::option::of(0..PATHS.len()), any::<bool>()).prop_map(
        |(l, s, form, path, sub)| {
            let host = if sub {
                format!("www.{}.{}", LABELS[l], SUFFIXES[s])
            } else {
                format!("{}.{}", LABELS[l], SUFFIXES[s])
            };
            let path = path.map(|p| PATHS[p]).unwrap_or("");
            match form {
                0 => format!("exact {host}{path}"),
                1 => format!("{}.*{path}", LABELS[l]),
                _ => format!("{host}{path}"),
            }
        },
    )
}

fn url_text() -> impl Strategy<Value = String> {
    let host = (prop::collection::vec(0..LABELS.len(), 1..3), 0..SUFFIXES.len(), 0..6u8).prop_map(|(ls, s, trick)| {
        let mut h: Vec<&str> = ls.iter().map(|i| LABELS[*i]).collect();
        h.push(SUFFIXES[s]);
        let host = h.join(".");
        match trick {
            0 => host.to_uppercase(),
            1 => format!("{host}."),
            2 => format!("user:pw@{host}:8080"),
            3 => host.replace("xn--bcher-kva", "bücher"),
            4 => format!("not{host}"),
            _ => host,
        }
    });
    let path = prop::sample::select(vec![
        "/",
        "/ip",
        "/ip/",
        "/ip/1",
        "/ipad",
        "/%69p/1",
        "/p/x/y",
        "/p/xy",
        "/a/b",
        "/a/b/c",
        "/x/../ip/2",
    ]);
    (prop::sample::select(vec!["http", "https", "ftp"]), host, path).prop_map(|(s, h, p)| format!("{s}://{h}{p}"))
}

/// The regions a generated rule is scoped to: none (every region), a declared region, a region inside another
/// declared one (`DE` in `EU`), a coarse one, a nested one the policy names itself (`US-CA` in `US`), or two.
fn regions_of(choice: u8) -> Vec<String> {
    let s: &[&str] = match choice % 6 {
        0 => &[],
        1 => &["EU"],
        2 => &["DE"],
        3 => &["US"],
        4 => &["US-CA"],
        _ => &["DE", "US-CA"],
    };
    s.iter().map(|r| r.to_string()).collect()
}

fn policy_from(cats: Vec<Vec<String>>, never: Option<(usize, u8)>, conds: Vec<(u8, u8, u8)>) -> Option<ir::Policy> {
    let psl = PublicSuffixList::bundled();
    let text = |s: &str| ir::Text::from([("en".to_string(), s.to_string())]);
    let sites: Vec<ir::SiteCategory> = cats
        .iter()
        .enumerate()
        .map(|(i, ps)| {
            let mut patterns: Vec<Pattern> = ps.iter().filter_map(|p| Pattern::parse(p, false, psl).ok()).collect();
            patterns.dedup();
            ir::SiteCategory {
                name: format!("c{i}"),
                special: None,
                text: text("c"),
                patterns,
                examples: vec![],
                allow: vec![],
            }
        })
        .collect();
    if sites.iter().any(|s| s.patterns.is_empty()) {
        return None;
    }
    let var = |i: u8| ir::Cond::Var(["s0", "s1", "f0"][i as usize % 3].to_string());
    let cond = |(kind, i): (u8, u8)| match kind % 4 {
        0 => None,
        1 => Some(var(i)),
        2 => Some(ir::Cond::And(vec![var(i), ir::Cond::Not(Box::new(var(i + 1)))])),
        _ => Some(ir::Cond::Or(vec![var(i), var(i + 2)])),
    };
    let collect = conds
        .iter()
        .enumerate()
        .map(|(i, c)| ir::CollectRule {
            data: vec![format!("d{}", i % 2)],
            sites: vec![format!("c{}", i % sites.len())],
            // Page views only, the event only, or both: by the condition byte's high bits.
            events: match c.0 >> 6 {
                0 | 1 => vec![],
                2 => vec!["e0".into()],
                _ => vec!["page_view".into(), "e0".into()],
            },
            when: cond((c.0, c.1)),
            purposes: vec!["p".into()],
            // Every third rule keeps by a criterion, so that the longest retention is chosen alike among
            // periods and criteria.
            keep: match i % 3 {
                2 => ir::Retention::Criterion(ir::BUILTIN_CRITERIA[i % 2].to_string()),
                _ => ir::Retention::Period(ir::Period { amount: (i as u32 + 1) * 10, unit: ir::TimeUnit::Day }),
            },
            aggregated: None,
            link: match cond((c.0 / 4, c.1)) {
                None => ir::Link::Never,
                Some(c) => ir::Link::When(c),
            },
            regions: regions_of(c.2),
            necessary: None,
            allow: vec![],
            origin: None,
        })
        .collect();
    Some(ir::Policy {
        id: "prop".into(),
        name: text("p"),
        controller: text("c"),
        contact: Some(text("c")),
        dpo: None,
        established: None,
        regional_controllers: vec![],
        opt_out: None,
        url: None,
        representative: None,
        version: "1".into(),
        languages: vec!["en".into()],
        regions: vec!["EU".into(), "DE".into(), "US".into(), "US-CA".into()],
        signals: ["s0", "s1"].iter().map(|s| ir::Signal { name: s.to_string(), text: text("s") }).collect(),
        features: vec![ir::Feature { name: "f0".into(), default: true, text: text("f"), opt_in: None }],
        events: vec![ir::Event { name: "e0".into(), text: text("e") }],
        data: ["d0", "d1"]
            .iter()
            .map(|d| ir::DataItem {
                name: d.to_string(),
                category: None,
                aggregated: false,
                text: text("d"),
                label: None,
            })
            .collect(),
        purposes: vec![ir::Purpose {
            name: "p".into(),
            basis: ir::LegalBasis::Consent,
            interest: None,
            shared_with: vec![],
            direct_marketing: false,
            profiling: None,
            decisions: None,
            label: None,
            text: text("p"),
        }],
        recipients: vec![],
        criteria: vec![],
        never_collect: vec![],
        promises: vec![],
        on_device: vec![],
        sources: vec![],
        independent: vec![],
        never: never
            .filter(|(c, _)| *c < sites.len())
            .map(|(c, r)| ir::NeverRule { sites: vec![format!("c{c}")], regions: regions_of(r), origin: None })
            .into_iter()
            .collect(),
        sites,
        collect,
        incentives: vec![],
        expects: vec![],
        store: vec![],
        allow: vec![],
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn matcher_agrees_with_interpreter(
        cats in prop::collection::vec(prop::collection::vec(pattern_text(), 1..5), 1..4),
        never in prop::option::of((0..4usize, any::<u8>())),
        conds in prop::collection::vec((any::<u8>(), 0..3u8, any::<u8>()), 1..4),
        urls in prop::collection::vec(url_text(), 1..12),
        s0 in any::<bool>(), s1 in any::<bool>(), f0 in any::<bool>(),
        // No region, a declared one, a coarse one, and nested ones the policy does not declare itself.
        region in prop::sample::select(vec![None, Some("EU"), Some("DE"), Some("FR"), Some("US"), Some("US-CA")]),
        event in prop::sample::select(vec![None, Some("page_view"), Some("e0")]),
    ) {
        let Some(policy) = policy_from(cats, never, conds) else { return Ok(()) };
        let bytes = compile(&policy, &Limits::default()).unwrap();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let interp = Interpreter::new(&policy);
        let settings = Settings {
            set: vec![("s0".into(), s0), ("s1".into(), s1), ("f0".into(), f0)],
            region: region.map(str::to_string),
            event: event.map(str::to_string),
        };
        let state = settings.state(&m).unwrap();
        // Random URLs rarely hit a pattern; a URL inside every pattern makes sure that each rule's region,
        // condition and `never` scope are decided both ways.
        let witnesses: Vec<String> = policy.sites.iter().flat_map(|c| &c.patterns).map(|p| p.witness_url()).collect();
        for url in urls.iter().chain(&witnesses) {
            let got = Report::decide(&m, url, &state);
            let decision = m.decide(url, &state);
            let (want, items) = interp.decide_items(url, &settings).unwrap();
            prop_assert_eq!(got, want, "{}", url);
            // Each item's purposes, retention, linkage and rules, as `explain` and `expect` read them.
            prop_assert_eq!(ItemReport::of(&m, &decision), items, "{}", url);
        }
        // The batch decision (what `match` and the WebAssembly `decideMany` use) decides each URL as one call
        // does, in order, also when the batch spans several groups.
        let all: Vec<&str> = urls.iter().chain(&witnesses).chain(&urls).chain(&witnesses).map(String::as_str).collect();
        let one: Vec<_> = all.iter().map(|u| m.decide(u, &state)).collect();
        prop_assert_eq!(m.decide_many(all.iter().copied(), &state), one);
        let mut reports = Vec::new();
        Report::decide_each(&m, all.iter().copied(), &state, |r| reports.push(r));
        prop_assert_eq!(reports, all.iter().map(|u| Report::decide(&m, u, &state)).collect::<Vec<_>>());
    }
}

/// What every bundled policy decides for page views, recorded before events existed (the snapshot was written by
/// the commit that added this test, before the language had events): rules without an event mean page views,
/// so the policies decide exactly as they did. Per policy, URL and region, each distinct outcome with the
/// states (one bit per signal and feature, in declaration order) that give it.
#[test]
fn page_views_decide_as_before_events_existed() {
    use std::collections::BTreeMap;
    use std::fmt::Write;
    let mut out = String::new();
    for path in common::bundled_policies() {
        let policy = common::check_path(&path).checked.policy.unwrap();
        let bytes = compile(&policy, &Limits::default()).unwrap();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let vars: Vec<String> = m.meta().vars.iter().map(|v| v.name.clone()).collect();
        let mut urls: Vec<String> = policy.expects.iter().filter_map(|e| e.url.clone()).collect();
        for c in &policy.sites {
            urls.extend(c.examples.iter().chain(c.patterns.iter().take(2)).map(|p| p.witness_url()));
        }
        urls.sort();
        urls.dedup();
        let mut regions: Vec<Option<String>> = vec![None];
        regions.extend(policy.regions.iter().cloned().map(Some));
        writeln!(out, "# {} ({})", policy.id, vars.join(", ")).unwrap();
        for url in &urls {
            for region in &regions {
                let mut outcomes: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for k in 0..1u32 << vars.len() {
                    let set = vars.iter().enumerate().map(|(i, n)| (n.clone(), k >> i & 1 == 1)).collect();
                    let settings = Settings { set, region: region.clone(), event: None };
                    let r = Report::decide(&m, url, &settings.state(&m).unwrap());
                    let rules: Vec<&str> = r.rules.iter().chain(&r.blocked_by).map(|r| r.rule.as_str()).collect();
                    let keep: Vec<String> = r.retention.iter().map(|(d, k)| format!("{d} {k}")).collect();
                    let outcome = format!(
                        "collect {} | linked {} | for {} | keep {} | by {}",
                        r.collect.join(","),
                        r.linked.join(","),
                        r.purposes.join(","),
                        keep.join(","),
                        rules.join(",")
                    );
                    let bits: String = (0..vars.len()).map(|i| if k >> i & 1 == 1 { '1' } else { '0' }).collect();
                    outcomes.entry(outcome).or_default().push(bits);
                }
                for (outcome, states) in outcomes {
                    let region = region.as_deref().unwrap_or("-");
                    writeln!(out, "{url} {region} {{{}}}: {outcome}", states.join(" ")).unwrap();
                }
            }
        }
    }
    insta::assert_snapshot!(out);
}

/// The events fixture: the matcher agrees with the interpreter on every URL, state and event (a page view among
/// them), rules fire only on their events, and an undeclared event is refused by both rather than decided as a
/// page view.
#[test]
fn events_decide_alike_in_the_matcher_and_the_interpreter() {
    let policy = common::check_path(Path::new("tests/fixtures/events/cashback.policy")).checked.policy.unwrap();
    let bytes = compile(&policy, &Limits::default()).unwrap();
    let m = Matcher::from_bytes(&bytes).unwrap();
    let interp = Interpreter::new(&policy);
    let urls = [
        "https://shop.example/p/1",
        "https://www.store.example/order/confirmed",
        "https://shop.example/checkout/thanks",
        "https://elsewhere.example/",
        "not a url",
    ];
    let mut fired_on_event = 0;
    for event in [None, Some("page_view"), Some("offer_click"), Some("coupon_applied"), Some("order_placed")] {
        for signed_in in [false, true] {
            for region in [None, Some("DE")] {
                let settings = Settings {
                    set: vec![("signed_in".into(), signed_in)],
                    region: region.map(str::to_string),
                    event: event.map(str::to_string),
                };
                for url in urls {
                    let a = Report::decide(&m, url, &settings.context(&m).unwrap());
                    let b = interp.decide(url, &settings).unwrap();
                    assert_eq!(a, b, "{url} {settings:?}");
                    fired_on_event += usize::from(event.is_some_and(|e| e != "page_view") && !a.collect.is_empty());
                }
            }
        }
    }
    assert!(fired_on_event > 0);
    let page = Settings::default();
    let click = Settings { event: Some("offer_click".into()), ..Settings::default() };
    let decide = |s: &Settings| Report::decide(&m, "https://shop.example/p/1", &s.context(&m).unwrap()).collect;
    assert_eq!(decide(&page), ["page_url", "coupon_code"]);
    assert_eq!(decide(&click), ["offer_id"]);
    let unknown = Settings { event: Some("install".into()), ..Settings::default() };
    assert!(unknown.context(&m).is_err() && interp.decide("https://shop.example/p/1", &unknown).is_err());
}

/// An IR built by hand that names an event it does not declare is refused by the compiler, not compiled into a
/// rule that collects on nothing (which the runtime would refuse to load).
#[test]
fn a_rule_naming_an_undeclared_event_does_not_compile() {
    let mut policy = common::check_path(Path::new("tests/fixtures/events/cashback.policy")).checked.policy.unwrap();
    policy.collect[1].events = vec!["install".into()];
    let err = compile(&policy, &Limits::default()).unwrap_err();
    assert_eq!(err.message, "a collect rule names the event `install`, which the policy does not declare");
}
