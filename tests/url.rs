//! URL normalisation against the WHATWG URL test suite, and the Public Suffix List against its own tests.

use policyc::psl::PublicSuffixList;
use policyc::urlnorm::{normalize, UrlError};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string("tests/data/url/urltestdata.json").unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.into_iter().filter(|v| v.is_object()).collect()
}

fn degenerate(hostname: &str) -> bool {
    let h = hostname.strip_suffix('.').unwrap_or(hostname);
    h.is_empty() || h.starts_with('.') || h.ends_with('.') || h.contains("..")
}

/// Every absolute WHATWG case: failures and non-http(s) URLs collect nothing (an error); http(s) URLs with a
/// domain host normalise to the standard's host name, without a trailing dot, and to its path.
#[test]
fn whatwg_absolute_cases() {
    let mut checked = 0;
    for case in cases() {
        if !case["base"].is_null() {
            continue;
        }
        let input = case["input"].as_str().unwrap();
        let got = normalize(input);
        if case.get("failure").is_some() {
            assert!(got.is_err(), "{input:?} must fail, got {got:?}");
            continue;
        }
        let protocol = case["protocol"].as_str().unwrap();
        let hostname = case["hostname"].as_str().unwrap();
        let is_ip =
            hostname.starts_with('[') || hostname.split('.').next_back().is_some_and(|l| l.parse::<u32>().is_ok());
        match protocol {
            "http:" | "https:" if is_ip => assert!(matches!(got, Err(UrlError::IpAddress(_))), "{input:?}: {got:?}"),
            // `http://./` has an empty host once the trailing dot is dropped: nothing to match.
            "http:" | "https:" if degenerate(hostname) => assert!(got.is_err(), "{input:?}: {got:?}"),
            "http:" | "https:" => {
                let n = got.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(n.host, hostname.trim_end_matches('.'), "{input:?}");
                let path = case["pathname"].as_str().unwrap();
                if !path.contains('%') {
                    assert_eq!(n.path, path, "{input:?}");
                }
            }
            _ => assert!(got.is_err(), "{input:?} has scheme {protocol} and must collect nothing"),
        }
        checked += 1;
    }
    assert!(checked > 300, "only {checked} cases checked");
}

/// Relative cases, through the href the standard expects: normalising it gives the standard's host.
#[test]
fn whatwg_resolved_hrefs() {
    for case in cases() {
        let Some(href) = case.get("href").and_then(Value::as_str) else { continue };
        let protocol = case["protocol"].as_str().unwrap();
        let hostname = case["hostname"].as_str().unwrap();
        if !matches!(protocol, "http:" | "https:") || hostname.starts_with('[') {
            continue;
        }
        if degenerate(hostname) || hostname.split('.').next_back().is_some_and(|l| l.parse::<u32>().is_ok()) {
            assert!(normalize(href).is_err(), "{href}");
            continue;
        }
        let n = normalize(href).unwrap_or_else(|e| panic!("{href}: {e}"));
        assert_eq!(n.host, hostname.trim_end_matches('.'), "{href}");
    }
}

/// `tests.txt` of the Public Suffix List: the registrable domain of each input.
#[test]
fn psl_official_tests() {
    let psl = PublicSuffixList::bundled();
    let text = std::fs::read_to_string("tests/data/psl/tests.txt").unwrap();
    let mut n = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let (input, expected) = line.split_once(' ').unwrap();
        if input == "null" {
            continue;
        }
        let got = if input.starts_with('.') {
            None
        } else {
            let ascii = idna::domain_to_ascii(input).unwrap();
            psl.registrable(&ascii).map(str::to_string)
        };
        let expected = (expected != "null").then(|| idna::domain_to_ascii(expected).unwrap());
        assert_eq!(got, expected, "registrable domain of {input}");
        n += 1;
    }
    assert!(n > 60);
}
