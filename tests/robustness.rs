//! Robustness: the kept fuzz corpus replayed on every run (the seconds-long smoke run of the fuzz targets),
//! resource limits, and the adversarial inputs the threat model names (see SECURITY.md).

mod common;

use std::path::Path;

fn replay(dir: &str, f: fn(&[u8])) -> usize {
    let mut n = 0;
    let Ok(entries) = std::fs::read_dir(Path::new("fuzz/corpus").join(dir)) else { return 0 };
    for e in entries.flatten() {
        let data = std::fs::read(e.path()).unwrap();
        f(&data);
        n += 1;
    }
    n
}

#[test]
fn fuzz_corpus_replays_clean() {
    assert!(replay("check", policyc::fuzz::check_text) > 10);
    assert!(replay("artifact", policyc::fuzz::artifact_bytes) > 0);
    assert!(replay("decide", policyc::fuzz::decide_url) > 10);
}

#[test]
fn adversarial_urls_decide_safely() {
    // Every one of these either errors (collect nothing) or decides exactly as the interpreter does.
    let inputs: Vec<Vec<u8>> = vec![
        b"https://user:pass@example.com@bank.example.com/".to_vec(),
        b"https://example.com.bank.example.com/".to_vec(),
        b"https://%65xample.com/".to_vec(),
        b"https://www.example.com%2e/".to_vec(),
        b"https://EXAMPLE.COM./".to_vec(),
        b"https://xn--bcher-kva.de/".to_vec(),
        "https://BÜCHER.de/".as_bytes().to_vec(),
        b"http://0x7f.1/".to_vec(),
        b"http://2130706433/".to_vec(),
        b"http://017700000001/".to_vec(),
        b"http://[::ffff:127.0.0.1]/".to_vec(),
        b"https://example.com\x00/".to_vec(),
        b"https://example.com/\xff\xfe".to_vec(),
        b"https://walmart.com/ip/%2e%2e/%2E./x".to_vec(),
        b"https://walmart.com\\ip\\1".to_vec(),
        b"https:\\\\walmart.com/ip/1".to_vec(),
        b"  https://walmart.com/ip/1\t\n".to_vec(),
        [b"https://a.com/".to_vec(), vec![b'a'; 1 << 20]].concat(),
        [b"https://".to_vec(), vec![b'a'; 300], b".com/".to_vec()].concat(),
    ];
    for i in &inputs {
        policyc::fuzz::decide_url(i);
    }
}

#[test]
fn unicode_and_punycode_forms_decide_identically() {
    let text = r#"
policy p { name "P" controller "C" contact "c" version "1" languages en }
data d "d"
purpose p basis consent "p"
sites s "s" { bücher.de  exact www.münchen.de/shop/ }
collect d on s for p keep 1 day
"#;
    let bytes = common::artifact_from_text(text);
    let m = policyc::matcher::Matcher::from_bytes(&bytes).unwrap();
    let st = m.default_state();
    let same = [
        ["https://bücher.de/", "https://xn--bcher-kva.de/", "https://BÜCHER.DE./", "https://b%C3%BCcher.de/"],
        [
            "https://www.münchen.de/shop/a",
            "https://www.xn--mnchen-3ya.de/shop/a",
            "https://WWW.MÜNCHEN.DE/shop/a",
            "https://www.münchen.de/x/../shop/a",
        ],
    ];
    for group in same {
        for url in group {
            assert_eq!(m.decide(url, &st).collect, 1, "{url}");
        }
    }
}

#[test]
fn limits_are_named_with_the_flag_that_raises_them() {
    let big = "x".repeat(100);
    let options = policyc::CheckOptions {
        limits: policyc::InputLimits { max_policy_bytes: 50, ..Default::default() },
        ..Default::default()
    };
    let out = policyc::check_source("big.policy", &big, &mut policyc::NoLists, options);
    let d = &out.checked.diagnostics[0];
    assert_eq!(d.code.as_str(), "E0027");
    assert!(d.message.contains("over the limit of 50"));
    assert!(d.help.as_deref().unwrap().contains("--max-policy-bytes"));

    let mut lists = std::collections::BTreeMap::new();
    lists.insert("big.txt".to_string(), "a.example\n".repeat(100));
    let text = r#"
policy p { name "P" controller "C" contact "c" version "1" languages en }
data d "d"
purpose p basis consent "p"
sites s "s" { from "big.txt" }
collect d on s for p keep 1 day
"#;
    let options = policyc::CheckOptions {
        limits: policyc::InputLimits { max_list_bytes: 500, ..Default::default() },
        ..Default::default()
    };
    let out = policyc::check_source("p.policy", text, &mut lists, options);
    let d = out.checked.diagnostics.iter().find(|d| d.code.as_str() == "E0027").expect("list limit");
    assert!(d.help.as_deref().unwrap().contains("--max-list-bytes"));
}

#[test]
fn deeply_nested_conditions_are_refused_not_overflowed() {
    for cond in ["(".repeat(100_000) + "x" + &")".repeat(100_000), "not ".repeat(100_000) + "x"] {
        let text = format!(
            "policy p {{ name \"P\" controller \"C\" contact \"c\" version \"1\" languages en }}\ncollect d on s when {cond} for p keep 1 day\n"
        );
        let out = policyc::check_source("deep.policy", &text, &mut policyc::NoLists, Default::default());
        assert_eq!(out.checked.diagnostics.len(), 1);
        assert!(out.checked.diagnostics[0].message.contains("nests more than 64 levels"));
        assert_eq!(out.checked.diagnostics[0].code.as_str(), "E0027", "a limit, as docs/diagnostics.md lists it");
        let _ = policyc::diagnostic::render_human(&out.checked.diagnostics, &out.sources, false);
    }
}

#[test]
fn hosts_with_very_many_labels_are_still_blocked_by_wildcards() {
    // The public-suffix lookup must see the end of the host however many labels come before it: otherwise a
    // `never` wildcard would miss a host padded with labels while a domain pattern still matched it.
    let text = r#"
policy p { name "P" controller "C" contact "c" version "1" languages en }
data d "d"
purpose p basis consent "p"
sites shops "s" { shop.example.com }
sites blocked "b" { example.* }
never collect on blocked
collect d on shops for p keep 1 day
"#;
    let bytes = common::artifact_from_text(text);
    let m = policyc::matcher::Matcher::from_bytes(&bytes).unwrap();
    let st = m.default_state();
    for padding in [0, 10, 127, 200, 5000] {
        let url = format!("https://{}shop.example.com/", "a.".repeat(padding));
        let d = m.decide(&url, &st);
        assert_eq!(d.collect, 0, "{padding} labels of padding");
        assert_ne!(d.blocked_by, 0, "{padding} labels of padding");
        policyc::fuzz::decide_url(url.as_bytes());
    }
}
