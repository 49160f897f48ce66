//! Entry points for fuzzing, shared by the cargo-fuzz targets in `fuzz/` and by `tests/robustness.rs`, which
//! replays the kept corpus on every `cargo test`. Each function takes arbitrary bytes, must never panic (other
//! than through its own assertions), and checks an invariant the rest of the crate promises.

use crate::report::{Report, Settings};
use std::sync::OnceLock;

/// Parse and check arbitrary text as a policy and as YAML: never a panic, every diagnostic in bounds, and a
/// policy that checks compiles (or hits a stated limit) and renders.
pub fn check_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The formatter keeps every token (it checks that itself) and is idempotent.
    if let Ok(formatted) = crate::fmt::format(text) {
        assert_eq!(crate::fmt::format(&formatted).ok(), Some(formatted.clone()), "fmt is not idempotent");
    }
    for name in ["fuzz.policy", "fuzz.yaml"] {
        let out = crate::check_source(name, text, &mut crate::NoLists, Default::default());
        for d in &out.checked.diagnostics {
            let file = out.sources.get(d.span.file);
            assert!(d.span.start <= d.span.end && d.span.end <= file.text.len(), "span out of bounds: {d:?}");
            assert!(file.text.is_char_boundary(d.span.start) && file.text.is_char_boundary(d.span.end));
        }
        let _ = crate::diagnostic::render_human(&out.checked.diagnostics, &out.sources, false);
        if let Some(policy) = &out.checked.policy {
            if let Ok(bytes) = crate::matcher::compile::compile(policy, &Default::default()) {
                crate::matcher::Matcher::from_bytes(&bytes).expect("a fresh artifact loads");
            }
            for lang in &policy.languages {
                if let Ok(d) = crate::disclose::build(policy, lang, None) {
                    let _ = crate::disclose::render::render(&d, crate::disclose::render::Format::Html);
                }
            }
        }
    }
}

/// Load arbitrary bytes as an artifact: an error or a matcher, never a panic; a loaded matcher decides safely.
/// Each input is tried as it is and with a valid header and checksum, so that mutations reach the section
/// validation behind the checksum (as a forger who recomputes the checksum would).
pub fn artifact_bytes(data: &[u8]) {
    use crate::matcher::artifact::{reseal, ENDIAN_TAG, FORMAT_VERSION, HEADER_LEN, LABEL};
    let mut sealed = data.to_vec();
    if sealed.len() >= HEADER_LEN {
        sealed[..16].copy_from_slice(LABEL);
        sealed[16..20].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        sealed[20..24].copy_from_slice(&ENDIAN_TAG.to_le_bytes());
        reseal(&mut sealed);
    }
    for bytes in [data, &sealed[..]] {
        if let Ok(m) = crate::matcher::Matcher::from_bytes(bytes) {
            let st = m.default_state();
            for url in
                ["https://www.walmart.com/ip/1", "https://a.b.example.co.uk/p/x", "http://ebay.de/", "https://x.y/"]
            {
                let d = m.decide(url, &st);
                let _ = Report::from_decision(&m, url, &d);
            }
        }
    }
}

struct Fixture {
    policy: crate::ir::Policy,
    bytes: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // A small policy with every pattern kind, so that runs are fast and every matcher part is reached.
        let text = r#"
policy f { name "F" controller "C" established DE contact "c@c.test" version "1" languages en regions DE }
signal s "s"
feature f default on "f"
data d "d"
data e "e"
purpose p basis consent profiling no decisions none "p"
sites a "a" { example.com  exact www.shop.example  ebay.*  walmart.com/ip/  amazon.*/dp/  bücher.de  exact x.example.org/p }
sites n "n" { bank.example.com  ebay.*/buy/ }
never collect on n
collect d on a when f for p keep 1 day link to account when s
collect e on a when not f or s for p keep 2 days region DE
"#;
        let out = crate::check_source("f.policy", text, &mut crate::NoLists, Default::default());
        let policy = out.checked.policy.expect("the fuzz policy checks");
        let bytes = crate::matcher::compile::compile(&policy, &Default::default()).expect("the fuzz policy compiles");
        Fixture { policy, bytes }
    })
}

/// Decide an arbitrary URL string: the URL fast path reads it exactly as the WHATWG parser does, and the
/// compiled matcher and the reference interpreter agree.
pub fn decide_url(data: &[u8]) {
    let f = fixture();
    let m = crate::matcher::Matcher::from_bytes(&f.bytes).expect("the fixture loads");
    let interp = crate::interp::Interpreter::new(&f.policy);
    let url = String::from_utf8_lossy(data);
    if url.len() <= crate::urlnorm::MAX_URL_LEN && crate::urlnorm::fast_host(&url).is_some() {
        let fast = crate::urlnorm::parse(&url).expect("a fast host parses");
        let full = crate::urlnorm::parse_full(&url).expect("the full parser accepts what the fast path accepts");
        assert_eq!(fast.host(), full.host, "{url:?}");
        assert_eq!(fast.path(), full.path, "{url:?}");
    }
    for (s, region) in [(false, None), (true, Some("DE"))] {
        let settings = Settings { set: vec![("s".into(), s)], region: region.map(str::to_string), event: None };
        let got = Report::decide(&m, &url, &settings.state(&m).expect("known names"));
        let want = interp.decide(&url, &settings).expect("known names");
        assert_eq!(got, want, "{url:?}");
    }
}
