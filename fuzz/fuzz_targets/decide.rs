//! Decide arbitrary URL strings with the bundled example policy: the compiled matcher and the reference
//! interpreter must agree on every input, and neither may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::report::{Report, Settings};
use std::sync::OnceLock;

struct Fixture {
    policy: policyc::ir::Policy,
    bytes: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // A small policy with every pattern kind, so that runs are fast and every matcher part is reached.
        let text = r#"
policy f { name "F" controller "C" contact "c@c.test" version "1" languages en regions DE }
signal s "s"
feature f default on "f"
data d "d"
data e "e"
purpose p basis consent "p"
sites a "a" { example.com  exact www.shop.example  ebay.*  walmart.com/ip/  amazon.*/dp/  bücher.de  exact x.example.org/p }
sites n "n" { bank.example.com  ebay.*/buy/ }
never collect on n
collect d on a when f for p keep 1 day link to account when s
collect e on a when not f or s for p keep 2 days region DE
"#;
        let out = policyc::check_source("f.policy", text, &mut policyc::NoLists, Default::default());
        let policy = out.checked.policy.expect("the fuzz policy checks");
        let bytes = policyc::matcher::compile::compile(&policy, &Default::default()).unwrap();
        Fixture { policy, bytes }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let m = policyc::matcher::Matcher::from_bytes(&f.bytes).unwrap();
    let interp = policyc::interp::Interpreter::new(&f.policy);
    let url = String::from_utf8_lossy(data);
    // The URL fast path must read every URL it accepts exactly as the WHATWG parser does.
    if policyc::urlnorm::fast_host(&url).is_some() {
        let fast = policyc::urlnorm::parse(&url).expect("a fast host parses");
        let full = policyc::urlnorm::parse_full(&url).expect("the full parser accepts what the fast path accepts");
        assert_eq!(fast.host(), full.host, "{url:?}");
        assert_eq!(fast.path(), full.path, "{url:?}");
    }
    for (s, region) in [(false, None), (true, Some("DE"))] {
        let settings = Settings { set: vec![("s".into(), s)], region: region.map(str::to_string) };
        let got = Report::from_decision(&m, &url, &m.decide(&url, &settings.state(&m).unwrap()));
        let want = interp.decide(&url, &settings).unwrap();
        assert_eq!(got, want, "{url:?}");
    }
});
