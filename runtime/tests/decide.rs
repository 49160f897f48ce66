//! The runtime on its own: load the demo artifact, decide in contexts, refuse what it does not know.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // Tests fail by panicking.

use policyc_runtime::{Matcher, Report, Settings, SourceReport};

fn bytes() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo.matcher")).unwrap()
}

fn collects(m: &Matcher<'_>, url: &str, settings: &Settings) -> Vec<String> {
    Report::decide(m, url, &settings.context(m).unwrap()).collect
}

#[test]
fn every_pattern_form_decides_as_the_policy_says() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    let none = Settings::default();
    for url in [
        "https://shop.example/",
        "https://www.shop.example/cart",
        "https://books.co.uk/",
        "https://books.de/x",
        "https://checkout.example.org/pay",
        "https://store.example/p/1",
    ] {
        assert_eq!(collects(&m, url, &none), ["page_url"], "{url}");
    }
    for url in [
        "https://notshop.example/",
        "https://shop.example.evil.net/",
        "https://www.checkout.example.org/",
        "https://store.example/pages",
        "https://books.blogspot.com/",
        "https://books.local/",
        "https://www.books.internal/",
        "https://a..shop.example/",
        "https://xn--xn---epa.shop.example/",
        "\u{3000}https://shop.example/",
        "https://www.bank.example/",
        "ftp://shop.example/",
        "https://192.168.0.1/",
        "not a url",
    ] {
        assert!(collects(&m, url, &none).is_empty(), "{url}");
    }
}

#[test]
fn the_context_decides_switches_linkage_and_names() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    assert_eq!(m.policy_id(), "demo");
    assert_eq!(m.signals().collect::<Vec<_>>(), ["signed_in"]);
    assert_eq!(m.features().collect::<Vec<_>>(), [("stats_switch", true)]);
    // The declared regions, then the known regions inside them that a component may name (`US-CA` in `US`).
    assert_eq!(m.regions(), ["US", "DE", "US-CA"]);
    assert_eq!(m.data(), ["page_url", "offer_id", "install_id", "purchases"]);
    // The policy's words for its switches travel with the artifact, so a settings page labels them as the
    // disclosure does, also after an update.
    assert_eq!(m.label("stats_switch", "en"), Some("Visit statistics"));
    assert_eq!(m.label("signed_in", "en"), Some("you are signed in"));
    assert_eq!(m.label("stats_switch", "de"), None, "the demo policy is in English only");
    assert_eq!(m.label("no_such_switch", "en"), None);
    assert_eq!(m.languages(), ["en"]);

    let off = Settings { set: vec![("stats_switch".into(), false)], region: None, ..Settings::default() };
    assert!(collects(&m, "https://shop.example/", &off).is_empty(), "the switch stops collection");

    let signed_in =
        Settings { set: vec![("signed_in".into(), true)], region: Some("DE".into()), ..Settings::default() };
    let r = Report::decide(&m, "https://shop.example/", &signed_in.context(&m).unwrap());
    assert_eq!(r.linked, ["page_url"]);
    assert_eq!(r.retention["page_url"], "30 days");
    assert_eq!(r.policy_hash, m.policy_hash());
    assert_eq!(r.rules[0].origin, "demo.policy:35", "the rule and the line it was written on");

    let unknown = Settings { set: vec![("signed_on".into(), true)], region: None, ..Settings::default() };
    assert_eq!(
        unknown.context(&m).unwrap_err().to_string(),
        "`signed_on` is not a signal or feature of this policy; did you mean `signed_in`?"
    );
    // Every runtime says what the name was given as and what was likely meant, as the CLI does.
    let region = |r: &str| Settings { region: Some(r.into()), ..Settings::default() }.context(&m).unwrap_err();
    assert_eq!(region("FR").to_string(), "`FR` is not a region of this policy; its regions are `US`, `DE`, `US-CA`");
    assert_eq!(region("de").to_string(), "`de` is not a region of this policy; did you mean `DE`?");
    // Region codes are two letters: a near miss by spelling is another country, never suggested for it.
    assert_eq!(region("ES").to_string(), "`ES` is not a region of this policy; its regions are `US`, `DE`, `US-CA`");
    assert_eq!(
        region("signed_in").to_string(),
        "`signed_in` is not a region of this policy; it is a signal or feature (set it as a switch)"
    );
    let as_switch = Settings { set: vec![("DE".into(), true)], ..Settings::default() }.context(&m).unwrap_err();
    assert_eq!((as_switch.kind, as_switch.name.as_str()), (policyc_runtime::NameKind::Switch, "DE"));
    assert!(as_switch.help.contains("it is a region"), "{as_switch}");
}

/// A rule with `at offer_click` collects when the component reports that event, and page views collect what
/// they did; an event the policy does not declare is refused, never decided as a page view.
#[test]
fn the_event_decides_with_the_url_and_state() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    assert_eq!(m.events().collect::<Vec<_>>(), ["offer_click"]);
    assert_eq!(m.event_name(0), "page_view");
    let click = Settings { event: Some("offer_click".into()), ..Settings::default() };
    let r = Report::decide(&m, "https://www.shop.example/cart", &click.context(&m).unwrap());
    assert_eq!((r.collect.as_slice(), r.event.as_deref()), (&["offer_id".to_string()][..], Some("offer_click")));
    assert_eq!(r.rules[0].rule, "collect 2");
    // The same click off the rule's sites, or behind a `never`, collects nothing.
    assert!(collects(&m, "https://notshop.example/", &click).is_empty());
    assert!(collects(&m, "https://www.bank.example/", &click).is_empty());
    // A page view, said or not, collects the page-view rule's data only, and its report names no event.
    for page_view in [Settings::default(), Settings { event: Some("page_view".into()), ..Settings::default() }] {
        let r = Report::decide(&m, "https://www.shop.example/cart", &page_view.context(&m).unwrap());
        assert_eq!((r.collect.as_slice(), r.event.as_deref()), (&["page_url".to_string()][..], None));
    }
    // The event is part of the context: the matcher's own API sets it, and a decision carries it.
    let mut cx = m.context();
    m.set_event(&mut cx, Some("offer_click")).unwrap();
    assert_eq!((cx.event(), m.decide("https://shop.example/", &cx).event), (1, 1));
    let unknown = Settings { event: Some("offer_clik".into()), ..Settings::default() };
    assert_eq!(
        unknown.context(&m).unwrap_err().to_string(),
        "`offer_clik` is not an event of this policy; did you mean `offer_click`? (a page view is `page_view`)"
    );
    assert!(m.set_event(&mut cx, Some("install")).is_err());
    assert_eq!(cx.event(), 1, "a refused event leaves the context as it was");
}

#[test]
fn undecidable_urls_say_why_and_collect_nothing() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    let d = m.decide("ftp://shop.example/", &m.context());
    assert_eq!(d.collect, 0);
    assert_eq!(d.error.unwrap().to_string(), "scheme `ftp` is not http or https");
}

/// A decision costs time linear in the URL's length: the domain index is walked from the host's shortest
/// suffix and stops where no key leads on, so a host of 32,000 labels reads as many index buckets as a short
/// one. (Counting probes, not timing: before format 2 this host cost 32,000 probes, each hashing the rest.)
#[test]
fn hosts_with_very_many_labels_cost_a_few_probes() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    let many = format!("{}shop.example", "a.".repeat(32_000));
    let short = "www.shop.example";
    assert_eq!(m.domain_buckets_read(&many), m.domain_buckets_read(short));
    assert!(m.domain_buckets_read(&many) <= 2, "{}", m.domain_buckets_read(&many));
    assert!(m.domain_buckets_read(&format!("{}unknown.example", "b.".repeat(32_000))) <= 2);
    let url = format!("https://{many}/");
    assert!(url.len() < policyc_runtime::urlnorm::MAX_URL_LEN);
    assert_eq!(collects(&m, &url, &Settings::default()), ["page_url"], "a subdomain of shop.example, however deep");
}

/// Collection that does not depend on the page is decided per state: the device's install id while the
/// statistics switch is on, the partners' purchase reports only when signed in and in Germany, linked to the
/// account; none of it ever appears in a page decision.
#[test]
fn sources_are_decided_per_state_and_never_per_url() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    assert_eq!(m.sources(), ["device", "account", "partners"]);
    let cx = |set: &[(&str, bool)], region: Option<&str>| {
        Settings {
            set: set.iter().map(|(n, on)| (n.to_string(), *on)).collect(),
            region: region.map(Into::into),
            event: None,
        }
        .context(&m)
        .unwrap()
    };

    let defaults = m.decide_sources(&cx(&[], None));
    assert_eq!(m.data_names(defaults.collect).collect::<Vec<_>>(), ["install_id"]);
    assert_eq!(defaults.linked, 0);
    assert_eq!(m.data_names(m.collects_from(&defaults, "device")).collect::<Vec<_>>(), ["install_id"]);
    assert_eq!(m.collects_from(&defaults, "partners"), 0);
    assert_eq!(m.collects_from(&defaults, "no_such_source"), 0, "an unknown source gives nothing");

    // Signed in, but the region is unknown or another one: the DE-only rule does not apply (fail closed).
    for region in [None, Some("US")] {
        let d = m.decide_sources(&cx(&[("signed_in", true)], region));
        assert_eq!(m.data_names(d.collect).collect::<Vec<_>>(), ["install_id"], "{region:?}");
    }
    let de = cx(&[("signed_in", true)], Some("DE"));
    let r = SourceReport::decide(&m, &de);
    assert_eq!(r.collect, ["install_id", "purchases"]);
    assert_eq!(r.linked, ["purchases"]);
    let items: Vec<(&str, &str, &str, bool)> =
        r.items.iter().map(|i| (i.source.as_str(), i.data.as_str(), i.retention.as_str(), i.linked)).collect();
    assert_eq!(items, [("device", "install_id", "until uninstall", false), ("partners", "purchases", "1 year", true)]);
    assert_eq!(r.rules.iter().map(|r| r.rule.as_str()).collect::<Vec<_>>(), ["from 1", "from 2"]);

    // The switch stops the device rule; the page decision of the same state never carries source items.
    let off = cx(&[("stats_switch", false), ("signed_in", true)], Some("DE"));
    assert_eq!(m.data_names(m.decide_sources(&off).collect).collect::<Vec<_>>(), ["purchases"]);
    let page = m.decide("https://www.shop.example/cart", &de);
    assert_eq!(m.data_names(page.collect).collect::<Vec<_>>(), ["page_url"]);
}

/// Every pattern form of the demo policy, and URLs it refuses, in one list for the batch tests.
const MIXED: &[&str] = &[
    "https://shop.example/",
    "https://www.shop.example/cart",
    "https://books.co.uk/",
    "https://books.de/x",
    "https://checkout.example.org/pay",
    "https://store.example/p/1",
    "https://store.example/pages",
    "https://notshop.example/",
    "https://shop.example.evil.net/",
    "https://books.blogspot.com/",
    "https://books.local/",
    "https://a..shop.example/",
    "https://xn--xn---epa.shop.example/",
    "https://www.bank.example/",
    "HTTPS://WWW.SHOP.EXAMPLE:443/Cart",
    "ftp://shop.example/",
    "https://192.168.0.1/",
    "https://localhost/",
    "not a url",
    "",
];

/// The batch decision gives what one call per URL gives, in input order: for batches shorter than a group,
/// exactly a group, across group boundaries and empty, in every context the demo policy's switches, region
/// and event make.
#[test]
fn a_batch_decides_each_url_as_a_single_call_does() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    let group = policyc_runtime::matcher::GROUP;
    for settings in [
        Settings::default(),
        Settings { set: vec![("signed_in".into(), true)], region: Some("DE".into()), event: None },
        Settings { set: vec![("stats_switch".into(), false)], region: Some("US-CA".into()), event: None },
        Settings { event: Some("offer_click".into()), ..Settings::default() },
    ] {
        let cx = settings.context(&m).unwrap();
        for len in [0, 1, group - 1, group, group + 1, 3 * group + 5] {
            // The mixed URLs in a different order for each length, so that each sits at every place of a group.
            let urls: Vec<&str> = (0..len).map(|i| MIXED[(i * 7 + len) % MIXED.len()]).collect();
            let one: Vec<_> = urls.iter().map(|u| m.decide(u, &cx)).collect();
            assert_eq!(m.decide_many(urls.iter().copied(), &cx), one, "{len} URLs, {settings:?}");
            let mut reports = Vec::new();
            Report::decide_each(&m, urls.iter().copied(), &cx, |r| reports.push(r));
            let one: Vec<_> = urls.iter().map(|u| Report::decide(&m, u, &cx)).collect();
            assert_eq!(reports, one, "{len} URLs, {settings:?}");
        }
    }
    // The batch sees both kinds of URL: some collect, some are refused.
    let d = m.decide_many(MIXED.iter().copied(), &m.context());
    assert!(d.iter().any(|d| d.collect != 0) && d.iter().any(|d| d.error.is_some()));
}

/// A URL that cannot be decided collects nothing, and its decision names the event it was asked for, one call
/// or many: the report and the masks say the same.
#[test]
fn a_refused_url_keeps_the_event_it_was_asked_for() {
    let b = bytes();
    let m = Matcher::from_bytes(&b).unwrap();
    let cx = Settings::default().at(Some("offer_click")).context(&m).unwrap();
    let d = m.decide("ftp://shop.example/", &cx);
    assert!(d.error.is_some());
    assert_eq!((d.collect, d.event), (0, cx.event()));
    assert_eq!(m.decide_many(["not a url", "https://shop.example/"], &cx)[0].event, cx.event());
    assert_eq!(Report::decide(&m, "ftp://shop.example/", &cx).event.as_deref(), Some("offer_click"));
}

/// Threads share one matcher (behind an `Arc`, or a `'static` borrow) and decide with their own contexts, as the
/// README says: both types are `Send + Sync`.
#[test]
fn a_matcher_and_a_context_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Matcher<'static>>();
    shared::<policyc_runtime::Context>();
    let bytes: &'static [u8] = Box::leak(bytes().into_boxed_slice());
    let m = std::sync::Arc::new(Matcher::from_bytes(bytes).unwrap());
    let one = |m: &Matcher<'_>| m.decide("https://www.example.com/", &m.context()).collect;
    let here = one(&m);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn({
                let m = m.clone();
                move || one(&m)
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), here);
    }
}
