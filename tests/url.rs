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

mod fast_path {
    use policyc::urlnorm::{fast_host, fast_parse, parse, parse_full};
    use proptest::prelude::*;

    /// Whenever the fast path accepts a host, the full WHATWG parser gives the same host and path, whether
    /// the path takes the fast path too or not.
    fn agrees(input: &str) -> Result<(), TestCaseError> {
        if let Some((host, _)) = fast_host(input) {
            let full = parse_full(input).map_err(|e| TestCaseError::fail(format!("{input:?}: full parser: {e}")))?;
            let fast = parse(input).unwrap();
            prop_assert_eq!(fast.host(), full.host.as_str(), "host of {:?}", input);
            let path = fast.path().into_owned();
            prop_assert_eq!(path.as_str(), full.path.as_str(), "path of {:?}", input);
            prop_assert!(host.len() >= full.host.len());
        }
        Ok(())
    }

    fn piece() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "a",
            "b",
            "www",
            "xn--bcher-kva",
            "-",
            ".",
            "..",
            "0",
            "12",
            "0x1",
            "%41",
            "%2e",
            "%2E",
            "/",
            "//",
            "?",
            "#",
            ":",
            "@",
            "\\",
            " ",
            "\t",
            "\n",
            "A",
            "é",
            "~",
            "'",
            "|",
            "[",
            "]",
            "%",
            "%zz",
            "com",
            "de",
            "_",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        #[test]
        fn fast_path_matches_the_whatwg_parser(
            scheme in prop::sample::select(vec!["http://", "https://", "HTTP://", "ftp://", "https:", "http:/"]),
            host in prop::collection::vec(piece(), 1..6),
            path in prop::collection::vec(piece(), 0..8),
        ) {
            let input = format!("{scheme}{}{}", host.concat(), path.concat());
            agrees(&input)?;
        }
    }

    #[test]
    fn fast_path_matches_on_real_and_standard_urls() {
        let mut inputs: Vec<String> = Vec::new();
        let text = std::fs::read_to_string("tests/data/url/urltestdata.json").unwrap();
        let all: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        inputs.extend(all.iter().filter_map(|v| v.get("input")?.as_str().map(str::to_string)));
        inputs.extend(all.iter().filter_map(|v| v.get("href")?.as_str().map(str::to_string)));
        if let Ok(sites) = std::fs::read_to_string("../shared/data/requests/sitelist.txt") {
            inputs.extend(sites.lines().map(str::to_string));
        }
        let mut fast = 0;
        for i in &inputs {
            agrees(i).unwrap();
            fast += usize::from(fast_parse(i).is_some());
        }
        assert!(fast > 100, "the fast path should take common URLs: {fast}");
    }
}
