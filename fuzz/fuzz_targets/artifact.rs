//! Load arbitrary bytes as an artifact: an error or a matcher, never a panic; a loaded matcher decides safely.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = policyc::matcher::Matcher::from_bytes(data) {
        let st = m.default_state();
        for url in ["https://www.walmart.com/ip/1", "https://a.b.example.co.uk/p/x", "http://ebay.de/"] {
            let d = m.decide(url, &st);
            let _ = policyc::report::Report::from_decision(&m, url, &d);
        }
    }
});
