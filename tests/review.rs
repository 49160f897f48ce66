//! Review tools: the semantic diff and test coverage.

mod common;

use policyc::coverage::Coverage;
use policyc::diff::{diff, markdown};
use policyc::report::{Report, Settings};
use policyc::{check_source, NoLists};

const BASE: &str = r#"
policy shop { name "Shop" controller "Shop Inc." contact "p@shop.test" version "1" languages en }
signal signed_in "you are signed in"
feature compare default on "Price comparison"
data page_url "the page address"
data price "the prices shown"
purpose recommend basis consent "showing you matching products"
sites retail "shops" { walmart.com  target.com }
sites products "product pages" { walmart.com/ip/ }
sites banks "banks" { chase.com }
never collect on banks
collect page_url on retail when compare for recommend keep 90 days link to account when signed_in
collect price on products when compare for recommend keep 90 days link to account when signed_in
"#;

/// The header end and purpose statement a policy for Germany needs (where the controller is established, and
/// profiling and automated decisions per purpose), for tests that scope rules to `DE`.
const GERMAN_HEADER: &str = "languages en regions DE established DE }";

fn policy(text: &str) -> policyc::ir::Policy {
    let text = if text.contains("regions DE") {
        text.replace("basis consent \"", "basis consent profiling no decisions none \"")
    } else {
        text.to_string()
    };
    let text = text.as_str();
    common::policy_from_text(text)
}

#[test]
fn a_list_change_names_the_sites_and_the_decisions_that_change() {
    let new = BASE
        .replace("walmart.com  target.com", "walmart.com  target.com  example-shop.de")
        .replace("{ chase.com }", "{ chase.com  target.com }");
    let d = diff(&policy(BASE), &policy(&new));
    let retail = d.scope.iter().find(|s| s.category == "retail").unwrap();
    assert_eq!((retail.added, retail.removed), (1, 0));
    assert_eq!(retail.added_examples, ["example-shop.de"]);
    let banks = d.scope.iter().find(|s| s.category == "banks").unwrap();
    assert_eq!(banks.added, 1);
    let texts: Vec<&str> = d.witnesses.iter().map(|w| w.text.as_str()).collect();
    assert!(texts.contains(&"https://www.example-shop.de/ now collects page_url (before: nothing)"), "{texts:#?}");
    assert!(texts.contains(&"https://www.target.com/ now collects nothing (before: page_url)"), "{texts:#?}");
    let md = markdown(&d);
    assert!(md.contains("| `retail` | 1 | 0 | `example-shop.de` |"), "{md}");
    assert!(md.contains("`https://www.example-shop.de/` now collects page_url"), "{md}");
}

#[test]
fn a_retention_and_linkage_change_is_said_in_words() {
    let new = BASE
        .replace(
            "collect price on products when compare for recommend keep 90 days",
            "collect price on products when compare for recommend keep 30 days",
        )
        .replace(
            "collect page_url on retail when compare for recommend keep 90 days link to account when signed_in",
            "collect page_url on retail when compare for recommend keep 90 days link to account always",
        );
    let d = diff(&policy(BASE), &policy(&new));
    let texts: Vec<&str> = d.changes.iter().map(|c| c.text.as_str()).collect();
    assert!(texts.contains(&"`price` for `recommend` is now kept for 30 days (was 90 days)"), "{texts:#?}");
    assert!(texts.contains(&"`page_url` is now linked to the account always (was when signed_in)"), "{texts:#?}");
    let w: Vec<&str> = d.witnesses.iter().map(|w| w.text.as_str()).collect();
    assert!(
        w.contains(
            &"https://www.walmart.com/ip/x now links page_url to the account (before: nothing); keeps price for 30 days (before: 90 days)"
        ),
        "{w:#?}"
    );
    assert!(w.contains(&"https://www.walmart.com/ now links page_url to the account (before: nothing)"), "{w:#?}");
    assert!(d.scope.is_empty());
}

#[test]
fn purposes_features_and_never_rules_are_compared() {
    let new = BASE
        .replace("basis consent", "basis legitimate_interest interest \"improving our prices\"")
        .replace("default on", "default off")
        .replace("never collect on banks\n", "");
    let d = diff(&policy(BASE), &policy(&new));
    let texts: Vec<&str> = d.changes.iter().map(|c| c.text.as_str()).collect();
    assert!(
        texts.contains(&"the legal basis of `recommend` changes from consent to legitimate_interest"),
        "{texts:#?}"
    );
    assert!(texts.contains(&"feature `compare` is now off by default (was on)"), "{texts:#?}");
    assert!(texts.contains(&"`banks` is no longer excluded by a `never` rule"), "{texts:#?}");
}

/// What a recipient is to the reader, and the promises about recipients, are compared in words.
#[test]
fn recipients_and_promises_are_compared() {
    let with_merchant = BASE.replace("basis consent", "basis consent shared with merchant")
        + "recipient merchant en \"the merchant\"\nnever disclose\n";
    let old = with_merchant.replace("never disclose", "").replace("recipient merchant", "recipient merchant processor");
    let new = with_merchant
        .replace("never disclose", "never sell or share")
        .replace("merchant en", "merchant own purposes en");
    let d = diff(&policy(&old), &policy(&new));
    let texts: Vec<&str> = d.changes.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "recipient `merchant` is now `own purposes` (was `processor`)",
            "new promise `never sell`",
            "new promise `never share`"
        ]
    );
    let back = diff(&policy(&new), &policy(&with_merchant.replace("never disclose", "")));
    let texts: Vec<&str> = back.changes.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "recipient `merchant` is now a recipient of no stated kind (was `own purposes`)",
            "the promise `never sell` is withdrawn",
            "the promise `never share` is withdrawn"
        ]
    );
}

#[test]
fn identical_policies_have_an_empty_diff_and_yaml_compares_equal() {
    let p = policy(BASE);
    let d = diff(&p, &p);
    assert!(d.is_empty(), "{d:#?}");
    assert!(markdown(&d).contains("No change"));
    let yaml = policyc::yaml::to_yaml(&p);
    let twin = check_source("p.yaml", &yaml, &mut NoLists, Default::default()).checked.policy.unwrap();
    assert!(diff(&p, &twin).is_empty());
}

#[test]
fn coverage_names_what_no_expect_line_exercises() {
    let text = format!("{BASE}expect \"https://www.walmart.com/\" collects page_url\n");
    let p = policy(&text);
    let reports: Vec<Report> = p
        .expects
        .iter()
        .filter_map(|e| {
            let interp = policyc::interp::Interpreter::new(&p);
            Some(interp.decide(e.url.as_deref()?, &Settings::from_expect(&e.with, e.region.as_deref())).unwrap())
        })
        .collect();
    let c = Coverage::of(&p, &reports, &[]);
    let rules: Vec<&str> = c.collect_unexercised.iter().chain(&c.never_unexercised).map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["collect 2", "never 1"]);
    assert_eq!(c.collect_unexercised[0].origin, "p.policy:13");
    assert_eq!(c.sites_unexercised, ["products", "banks"]);
}

#[test]
fn a_change_behind_a_switch_that_starts_off_is_decided_under_it() {
    // A new feature that starts off, and a new rule behind it: under default settings nothing changes.
    let old = BASE.replace("sites banks", "feature history default off \"Price history\"\nsites banks");
    let new = format!(
        "{old}\ncollect price on retail when history and signed_in for recommend keep 30 days\n\
         region DE\n"
    )
    .replace("languages en }", GERMAN_HEADER);
    let old = old.replace("languages en }", GERMAN_HEADER);
    let d = diff(&policy(&old), &policy(&new));
    let w = d.witnesses.iter().find(|w| w.url == "https://www.walmart.com/").unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(w.state, "history on, signed_in on, in DE", "{w:#?}");
    assert_eq!(w.set, [("history".to_string(), true), ("signed_in".to_string(), true)]);
    assert_eq!(w.region.as_deref(), Some("DE"));
    assert!(w.text.ends_with(", with history on, signed_in on, in DE"), "{}", w.text);
    assert!(markdown(&d).contains("with history on, signed_in on, in DE"));
}

#[test]
fn a_retention_change_names_the_data_and_the_purpose() {
    let new = BASE.replace(
        "collect price on products when compare for recommend keep 90 days",
        "collect price on products when compare for recommend keep 30 days",
    );
    let d = diff(&policy(BASE), &policy(&new));
    let texts: Vec<&str> = d.changes.iter().map(|c| c.text.as_str()).collect();
    assert!(texts.contains(&"`price` for `recommend` is now kept for 30 days (was 90 days)"), "{texts:#?}");
}

#[test]
fn disclosure_diffs_show_every_rendering_that_changes() {
    let new = BASE.replace(
        "collect price on products when compare for recommend keep 90 days",
        "collect price on products when compare for recommend keep 30 days",
    );
    let diffs = policyc::diff::disclosure_diffs(&policy(BASE), &policy(&new));
    let names: Vec<&str> = diffs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["shop.en.md", "shop.en.html", "shop.en.txt", "shop.en.json"]);
    let (_, md) = &diffs[0];
    assert!(md.starts_with("--- old/shop.en.md\n+++ new/shop.en.md\n@@ "), "{md}");
    assert!(md.lines().any(|l| l.starts_with('-') && l.contains("90 days")), "{md}");
    assert!(md.lines().any(|l| l.starts_with('+') && l.contains("30 days")), "{md}");
    assert!(policyc::diff::disclosure_diffs(&policy(BASE), &policy(BASE)).is_empty());
}

#[test]
fn witness_states_come_from_the_changed_rules_only() {
    // The same rules on other lines, and one retention changed: only that rule's switch is tried.
    let new = format!(
        "\n\n{}",
        BASE.replace(
            "keep 90 days link to account when signed_in\ncollect price",
            "keep 30 days link to account when signed_in\ncollect price"
        )
    );
    let d = diff(&policy(BASE), &policy(&new));
    assert_eq!(d.states, ["defaults", "compare off", "signed_in on", "compare off, signed_in on"], "{d:#?}");
    assert!(
        markdown(&d).contains("(each decided under 4 states: `compare`, `signed_in` each at its default and switched)"),
        "{}",
        markdown(&d)
    );
    let moved = diff(&policy(BASE), &policy(&format!("\n\n{BASE}")));
    assert_eq!(moved.states, ["defaults"]);
    assert!(markdown(&moved).contains("No change"));
}

/// A site removed from a `never` category collects again, but only behind a switch that starts off: the diff
/// must decide it under that switch, and call the change widening, or a consent to the old version would be
/// carried over to a policy that collects more.
#[test]
fn a_site_leaving_a_never_category_is_decided_under_the_switches_of_the_rules_it_reaches() {
    let old = BASE
        .replace("sites retail", "feature alerts default off \"Price alerts\"\nsites retail")
        .replace("when compare", "when alerts")
        .replace("{ chase.com }", "{ chase.com  walmart.com }");
    let new = old.replace("{ chase.com  walmart.com }", "{ chase.com }");
    let d = diff(&policy(&old), &policy(&new));
    let banks = d.scope.iter().find(|s| s.category == "banks").unwrap();
    assert_eq!((banks.added, banks.removed, banks.widens), (0, 1, true));
    let w = d.witnesses.iter().find(|w| w.url == "https://www.walmart.com/").unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(w.state, "alerts on");
    assert_eq!((w.before_collect.as_slice(), w.after_collect.as_slice()), (&[][..], &["page_url".to_string()][..]));
    assert!(d.widens());
    // The other way round, the site joins the `never` category: that narrows, and the diff says where.
    let back = diff(&policy(&new), &policy(&old));
    assert!(!back.widens(), "{back:#?}");
    assert!(back.witnesses.iter().any(|w| w.url == "https://www.walmart.com/" && w.after_collect.is_empty()));
}

/// A site added to a category whose rule is behind a switch that starts off is decided under that switch.
#[test]
fn a_site_added_behind_a_switch_that_starts_off_is_decided_under_it() {
    let old = BASE
        .replace("sites retail", "feature alerts default off \"Price alerts\"\nsites retail")
        .replace("when compare", "when alerts");
    let new = old.replace("walmart.com  target.com", "walmart.com  target.com  zalando.de");
    let d = diff(&policy(&old), &policy(&new));
    let w = d.witnesses.iter().find(|w| w.url == "https://www.zalando.de/").unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(w.state, "alerts on");
    assert!(d.widens());
}

/// A signed update carries consent over only when it does not widen. Widening is not only collecting more: a new
/// purpose, a longer retention, a new recipient or a wider role, a withdrawn promise, a `never` rule narrowed
/// to some regions, a rule for more regions, a feature now on by default, a changed legal basis. Each is said
/// in words, marked as widening, and the reverse change is not.
#[test]
fn every_kind_of_widening_is_named_and_its_reverse_is_not() {
    let shared = BASE.replace("basis consent", "basis consent shared with merchant")
        + "recipient merchant processor en \"the merchant\"\nrecipient adnet processor en \"an ad network\"\nnever sell\n";
    let regional = |t: &str| t.replace("languages en }", GERMAN_HEADER).replace("regions DE", "regions DE, US");
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "a new purpose for an item",
            BASE.to_string() + "purpose ads basis consent \"advertising\"\n",
            BASE.replace(
                "price on products when compare for recommend",
                "price on products when compare for recommend, ads",
            ) + "purpose ads basis consent \"advertising\"\n",
            "`price` is now used for ads; recommend (was recommend)",
        ),
        (
            "a longer retention",
            BASE.to_string(),
            BASE.replace(
                "for recommend keep 90 days link to account when signed_in\ncollect price",
                "for recommend keep 2 years link to account when signed_in\ncollect price",
            ),
            "`page_url` for `recommend` is now kept for 2 years (was 90 days)",
        ),
        (
            "a new recipient of a purpose",
            shared.clone(),
            shared.replace("shared with merchant", "shared with merchant, adnet"),
            "`recommend` is now shared with merchant, adnet (was merchant)",
        ),
        (
            "a recipient's wider role",
            shared.clone(),
            shared.replace("merchant processor", "merchant own purposes"),
            "recipient `merchant` is now `own purposes` (was `processor`)",
        ),
        (
            "a withdrawn promise",
            shared.clone(),
            shared.replace("never sell\n", ""),
            "the promise `never sell` is withdrawn",
        ),
        (
            "a never rule narrowed to a region",
            regional(BASE),
            regional(BASE).replace("never collect on banks", "never collect on banks region DE"),
            "`banks` is now excluded by a `never` rule in DE (was in every region)",
        ),
        (
            "a rule for more regions",
            regional(BASE).replace(
                "link to account when signed_in\ncollect price",
                "link to account when signed_in region DE\ncollect price",
            ),
            regional(BASE),
            "`page_url` is now collected in every region (was DE)",
        ),
        (
            "a linkage that holds in more states",
            BASE.to_string(),
            BASE.replace(
                "price on products when compare for recommend keep 90 days link to account when signed_in",
                "price on products when compare for recommend keep 90 days link to account always",
            ),
            "`price` is now linked to the account always (was when signed_in)",
        ),
        (
            "a new data item that is collected",
            BASE.to_string(),
            BASE.replace(
                "data price \"the prices shown\"\n",
                "data price \"the prices shown\"\ndata cart \"the cart\"\n",
            )
            .replace("collect price on products", "collect price, cart on products"),
            "new data item `cart`: \"the cart\"",
        ),
        (
            "a feature now on by default",
            BASE.replace("default on", "default off"),
            BASE.to_string(),
            "feature `compare` is now on by default (was off)",
        ),
        (
            "a changed legal basis",
            BASE.to_string(),
            BASE.replace("basis consent", "basis legitimate_interest interest \"improving our prices\""),
            "the legal basis of `recommend` changes from consent to legitimate_interest",
        ),
    ];
    for (what, old, new, text) in cases {
        let d = diff(&policy(&old), &policy(&new));
        let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{what}: {:#?}", d.changes));
        assert!(change.widens && d.widens() && d.widens, "{what} widens");
        assert!(markdown(&d).contains(&format!("{text} (*widens*)")), "{what}: {}", markdown(&d));
        assert!(markdown(&d).contains("**This change widens**"), "{what}");
        // The way back narrows, except for a change of legal basis, which is new terms either way.
        let back = diff(&policy(&new), &policy(&old));
        if what != "a changed legal basis" {
            assert!(!back.widens(), "{what}, undone, does not widen: {:#?}", back.changes);
            assert!(!markdown(&back).contains("widens"), "{what}");
        }
    }
}

/// A purpose a feature gates, switched off by default: under the defaults the data is used for less, which a
/// A change of linkage that links in no state where the old one did not, such as an added condition, does not
/// widen; a change of both the condition and the rule's own `when` is judged by what they allow together.
#[test]
fn a_linkage_under_a_stricter_condition_does_not_widen() {
    let stricter = BASE.replace("signal signed_in", "signal active \"the panel is open\"\nsignal signed_in").replace(
        "price on products when compare for recommend keep 90 days link to account when signed_in",
        "price on products when compare for recommend keep 90 days link to account when signed_in and active",
    );
    let d = diff(
        &policy(&BASE.replace("signal signed_in", "signal active \"the panel is open\"\nsignal signed_in")),
        &policy(&stricter),
    );
    let change = d.changes.iter().find(|c| c.topic == "linkage").unwrap_or_else(|| panic!("{:#?}", d.changes));
    assert!(!change.widens, "{change:?}");
    // Linked only when signed in, but now collected and linked without the feature: in the state where the
    // feature is off and the user signed in, the item is linked where it was not collected at all before.
    let freed = BASE.replace(
        "collect price on products when compare for recommend keep 90 days link to account when signed_in",
        "collect price on products for recommend keep 90 days link to account when signed_in and not compare",
    );
    let d = diff(&policy(BASE), &policy(&freed));
    assert!(d.changes.iter().any(|c| c.topic == "linkage" && c.widens), "{:#?}", d.changes);
}

/// witness says (the collected items stay the same).
#[test]
fn a_witness_says_when_the_data_is_used_for_other_purposes() {
    let old = BASE.to_string()
        + "feature ads default on \"Personalised ads\"\npurpose ads basis consent \"advertising\"\n\
           collect page_url on retail when ads for ads keep 30 days link to account never\n";
    let new = old.replace("default on \"Personalised", "default off \"Personalised");
    let d = diff(&policy(&old), &policy(&new));
    let w = d.witnesses.iter().find(|w| w.url == "https://www.walmart.com/").unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(w.state, "defaults");
    assert_eq!(w.text, "https://www.walmart.com/ now uses the data for recommend (before: recommend, ads)");
    assert!(!d.widens());
    assert!(diff(&policy(&new), &policy(&old)).widens(), "on by default again: used for more");
}

/// A URL that decides differently in several states shows the first, and also the first in which it widens:
/// collecting less by default must not hide that it is used for more once the user is signed in.
#[test]
fn a_witness_that_narrows_does_not_hide_a_state_that_widens() {
    let old = BASE.to_string() + "purpose ads basis consent \"advertising\"\n";
    let new = old.replace(
        "collect page_url on retail when compare for recommend keep 90 days",
        "collect page_url on retail when compare and signed_in for recommend, ads keep 90 days",
    );
    let d = diff(&policy(&old), &policy(&new));
    let w: Vec<(&str, &str)> = d
        .witnesses
        .iter()
        .filter(|w| w.url == "https://www.walmart.com/")
        .map(|w| (w.state.as_str(), w.text.as_str()))
        .collect();
    assert_eq!(
        w,
        [
            ("defaults", "https://www.walmart.com/ now collects nothing (before: page_url)"),
            (
                "signed_in on",
                "https://www.walmart.com/ now uses the data for recommend, ads (before: recommend), with signed_in on"
            ),
        ],
        "{d:#?}"
    );
    assert!(d.witnesses.iter().any(|w| w.widens()));
    assert!(d.widens());
}

/// Longer retention on some pages widens even when the item's longest retention for the purpose stays the same:
/// a user who agreed to 90 days on shop pages did not agree to a year there, whatever product pages keep.
#[test]
fn a_longer_retention_on_some_pages_widens() {
    let old = BASE.replace(
        "collect price on products",
        "collect page_url on products when compare for recommend keep 1 year link to account never\ncollect price on products",
    );
    let new = old.replace(
        "collect page_url on retail when compare for recommend keep 90 days",
        "collect page_url on retail when compare for recommend keep 1 year",
    );
    let d = diff(&policy(&old), &policy(&new));
    let w = d.witnesses.iter().find(|w| w.url == "https://www.target.com/").unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(w.text, "https://www.target.com/ now keeps page_url for 1 year (before: 90 days)");
    assert!(w.widens(), "{w:#?}");
    assert!(d.widens && d.widens());
    assert!(markdown(&d).contains("**This change widens**"), "{}", markdown(&d));
    assert!(!diff(&policy(&new), &policy(&old)).widens(), "shorter again: narrows");
}

/// Collection from a source (`collect ITEM from SOURCE`) holds whatever page is open, so no witness URL shows a
/// change to it; each change that lets such a rule collect, link, use or keep more must still widen, and undoing
/// it must not.
#[test]
fn a_wider_rule_from_a_source_widens() {
    let base =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/disclose/independent.policy"))
            .unwrap_or_default();
    let purchases =
        "collect purchases from networks when signed_in for cashback keep 2 years link to account when signed_in";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "a longer retention",
            base.replace(purchases, &purchases.replace("keep 2 years", "keep 5 years")),
            "`purchases` from `networks` is now collected when signed_in, for cashback, kept for 5 years, linked when \
             signed_in (was collected when signed_in, for cashback, kept for 2 years, linked when signed_in)",
        ),
        (
            "a new purpose",
            base.replace(purchases, &purchases.replace("for cashback", "for cashback, card_offers")),
            "`purchases` from `networks` is now collected when signed_in, for cashback, card_offers, kept for 2 \
             years, linked when signed_in (was collected when signed_in, for cashback, kept for 2 years, linked when \
             signed_in)",
        ),
        (
            "a condition dropped",
            base.replace(purchases, &purchases.replace("when signed_in for", "for")),
            "`purchases` from `networks` is now collected always, for cashback, kept for 2 years, linked when \
             signed_in (was collected when signed_in, for cashback, kept for 2 years, linked when signed_in)",
        ),
        (
            "linked to the account",
            base.replace(
                "for cashback keep until uninstall\n",
                "for cashback keep until uninstall link to account always\n",
            ),
            "`install_id` from `device` is now collected always, for cashback, kept until uninstall, linked always, \
             as strictly necessary (was collected always, for cashback, kept until uninstall, not linked, as strictly \
             necessary)",
        ),
        (
            "a rule for every region instead of one",
            base.replace(" link to account always region DE", " link to account always"),
            "`card_tx` from `cards` is now collected when card_offers, for card_offers, kept for 1 year, linked \
             always (was collected when card_offers, in DE, for card_offers, kept for 1 year, linked always)",
        ),
        (
            "a second source",
            base.replace(purchases, &format!("{purchases}\n{}", purchases.replace("networks", "cards"))),
            "`purchases` from `cards` is now collected when signed_in, for cashback, kept for 2 years, linked when \
             signed_in (was not collected)",
        ),
        (
            "an existing item read from the device too",
            base.replace("collect install_id from device", "collect install_id, email from device"),
            "`email` from `device` is now collected always, for cashback, kept until uninstall, not linked, as strictly \
             necessary (was not collected)",
        ),
    ];
    for (what, new, text) in cases {
        let (old, new) = (policy(&base), policy(&new));
        let d = diff(&old, &new);
        let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{what}: {:#?}", d.changes));
        assert!(change.widens && d.widens && d.widens(), "{what} widens: {change:?}");
        assert!(markdown(&d).contains("**This change widens**"), "{what}");
        let back = diff(&new, &old);
        assert!(!back.widens(), "{what}, undone, does not widen: {:#?}", back.changes);
    }
    // Reading the device without the ground of strict necessity (so on consent), or the other way round: new terms.
    let on_consent = base.replace(
        "  necessary en \"the identifier tells your installation apart when you ask for cash back\"\n            de \"die Kennung unterscheidet Ihre Installation, wenn Sie Cashback anfordern\"\n",
        "",
    );
    assert_ne!(on_consent, base);
    let d = diff(&policy(&base), &policy(&on_consent));
    let text =
        "`install_id` from `device` is now collected always, for cashback, kept until uninstall, not linked (was \
                collected always, for cashback, kept until uninstall, not linked, as strictly necessary)";
    let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{:#?}", d.changes));
    assert!(change.widens && d.widens());
    assert!(diff(&policy(&on_consent), &policy(&base)).widens());
    // A stricter condition narrows, and linking always what is collected only when signed in is linking when
    // signed in: no state links more.
    let always =
        base.replace(purchases, &purchases.replace("link to account when signed_in", "link to account always"));
    assert!(!diff(&policy(&base), &policy(&always)).widens());
    let stricter =
        base.replace(purchases, &purchases.replace("when signed_in for", "when signed_in and card_offers for"));
    let d = diff(&policy(&base), &policy(&stricter));
    assert!(d.changes.iter().any(|c| c.topic == "sources" && !c.widens), "{:#?}", d.changes);
    assert!(!d.widens(), "{:#?}", d.changes);
}

/// Reading a page on the ground of strict necessity instead of consent (ePrivacy Art. 5(3)), or the other way
/// round, changes the terms a consent was given to, so it widens either way; and a change in what is kept in
/// aggregated form is said (no personal data is kept longer, so it does not widen).
#[test]
fn a_changed_ground_for_reading_the_page_widens_and_aggregation_is_said() {
    let rule = "collect price on products when compare for recommend keep 90 days link to account when signed_in";
    let necessary = BASE.replace(rule, &format!("{rule} necessary \"the prices are compared as you asked\""));
    let d = diff(&policy(BASE), &policy(&necessary));
    let text = "reading `price` in the browser is now said to be strictly necessary on products (was nothing)";
    let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{:#?}", d.changes));
    assert!(change.widens && d.widens());
    assert!(diff(&policy(&necessary), &policy(BASE)).widens(), "back to consent: new terms too");

    let aggregated = BASE.replace(rule, &rule.replace("keep 90 days", "keep 90 days then aggregated 2 years"));
    let d = diff(&policy(BASE), &policy(&aggregated));
    let text = "`price` is now kept in aggregated form for recommend: 2 years (was nothing)";
    let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{:#?}", d.changes));
    assert!(!change.widens && !d.widens(), "{:#?}", d.changes);
}

/// Data that goes to another country, on another ground, or to a controller established elsewhere goes on terms
/// the reader did not agree to: each widens, and so does going back.
#[test]
fn a_recipient_elsewhere_or_a_controller_established_elsewhere_widens() {
    let with = |place: &str| {
        BASE.replace("basis consent", "basis consent shared with merchant")
            + &format!("recipient merchant processor {place} en \"the merchant\"\n")
    };
    let (old, new) = (with("in US safeguard dpf"), with("in CN safeguard standard_clauses"));
    let d = diff(&policy(&old), &policy(&new));
    let text =
        "recipient `merchant` now processes the data in CN, safeguard standard_clauses (was in US, safeguard dpf)";
    let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{:#?}", d.changes));
    assert!(change.widens && d.widens());
    assert!(diff(&policy(&new), &policy(&old)).widens());
    assert!(!diff(&policy(&old), &policy(&old)).widens(), "unchanged");

    let established = |at: &str| BASE.replace("languages en }", &format!("languages en established {at} }}"));
    let d = diff(&policy(&established("DE")), &policy(&established("US")));
    let text = "the controller is now established in US (was DE)";
    let change = d.changes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{:#?}", d.changes));
    assert!(change.widens && d.widens());
}

/// `widens` must not rest on a sample of URLs and states: a consent carries over only when it is false. Each of
/// these changes widens in substance but shows at no witness URL, or only past the states a diff tries, and
/// each is found because every rule of the new version must be covered by one rule of the old, and every term
/// outside the rules must be unchanged (adversarial review, 2026-12-02).
#[test]
fn widening_is_judged_by_construction_not_by_witnesses() {
    let two_rules = BASE.replace(
        "collect price on products",
        "sites more \"more shops\" { walmart.com  target.com  bestbuy.com }\n\
         collect page_url on more for recommend keep 30 days link to account never\ncollect price on products",
    );
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "two rules trade their retentions",
            two_rules.clone(),
            two_rules
                .replace("when compare for recommend keep 90 days link to account when signed_in\ncollect price", "when compare for recommend keep 30 days link to account when signed_in\ncollect price")
                .replace("on more for recommend keep 30 days", "on more for recommend keep 90 days"),
            "the collect rule at p.policy:",
        ),
        (
            "a rule moved to a larger category",
            two_rules.clone(),
            two_rules.replace("collect page_url on retail when compare", "collect page_url on more when compare"),
            "the collect rule at p.policy:",
        ),
        (
            "a condition over many switches loosened",
            BASE.replace("signal signed_in", "signal a \"a\"\nsignal b \"b\"\nsignal c \"c\"\nsignal d \"d\"\nsignal e \"e\"\nsignal f \"f\"\nsignal signed_in")
                .replace("collect price on products when compare", "collect price on products when compare and a and b and c and d and e and f"),
            BASE.replace("signal signed_in", "signal a \"a\"\nsignal b \"b\"\nsignal c \"c\"\nsignal d \"d\"\nsignal e \"e\"\nsignal f \"f\"\nsignal signed_in")
                .replace("collect price on products when compare", "collect price on products when compare and a and b"),
            "the collect rule at p.policy:",
        ),
        (
            "a purpose that now says something else",
            BASE.to_string(),
            BASE.replace("\"showing you matching products\"", "\"selling your browsing history to data brokers\""),
            "the purpose `recommend` changes its terms (`text`)",
        ),
        (
            "a purpose that now profiles",
            BASE.replace("basis consent", "basis consent profiling no decisions none"),
            BASE.replace("basis consent", "basis consent profiling yes decisions none"),
            "the purpose `recommend` changes its terms (`profiling`)",
        ),
        (
            "a data item that now means more",
            BASE.to_string(),
            BASE.replace("\"the page address\"", "\"the page address and everything typed into it\""),
            "data item `page_url` is now described as \"the page address and everything typed into it\" (was \"the \
             page address\")",
        ),
        (
            "a signal that now holds more often",
            BASE.to_string(),
            BASE.replace("\"you are signed in\"", "\"you have ever signed in on this device\""),
            "the signal `signed_in` changes its terms (`text`)",
        ),
        (
            "a withdrawn never-collect promise",
            BASE.to_string() + "data password \"your passwords\"\nnever collect password\n",
            BASE.to_string() + "data password \"your passwords\"\n",
            "the promise `never collect password` is withdrawn",
        ),
        (
            "a purpose declared a sale",
            BASE.to_string(),
            BASE.to_string() + "store sale for recommend\n",
            "`store` changes (new terms)",
        ),
    ];
    for (what, old, new, text) in cases {
        let d = diff(&policy(&old), &policy(&new));
        // A rule is named by its line: `the collect rule at p.policy:14 goes beyond every rule of the old version`.
        let said = |c: &&policyc::diff::Change| {
            c.text == text
                || (text.ends_with(':')
                    && c.text.starts_with(text)
                    && c.text.ends_with(" goes beyond every rule of the old version"))
        };
        let change = d.changes.iter().find(said).unwrap_or_else(|| panic!("{what}: {:#?}", d.changes));
        assert!(change.widens && d.widens && d.widens(), "{what} widens");
    }
    // The narrowings the extension's end-to-end test signs do not widen: a site removed, a retention shortened,
    // an item dropped from a rule, a rule removed, only the version changed.
    let narrowings = [
        BASE.replace("sites retail \"shops\" { walmart.com  target.com }", "sites retail \"shops\" { walmart.com }"),
        BASE.replace(
            "for recommend keep 90 days link to account when signed_in\ncollect price",
            "for recommend keep 30 days link to account when signed_in\ncollect price",
        ),
        BASE.replace(
            "collect price on products when compare for recommend keep 90 days link to account when signed_in\n",
            "",
        ),
        BASE.replace(
            "when compare for recommend keep 90 days link to account when signed_in\ncollect price",
            "when compare and signed_in for recommend keep 90 days link to account when signed_in\ncollect price",
        ),
        BASE.replace("version \"1\"", "version \"2\""),
    ];
    for new in narrowings {
        let d = diff(&policy(BASE), &policy(&new));
        assert_ne!(new, BASE);
        assert!(!d.widens(), "{new}\n{:#?}", d.changes);
    }
}

/// A second adversarial pass (2026-12-02): each of these widens too.
#[test]
fn second_pass_changes_that_widen() {
    let rule = "collect price on products when compare for recommend keep 90 days link to account when signed_in";
    let cases: Vec<(&str, String, String)> = vec![
        (
            "a criterion turned into a long period",
            BASE.replace(rule, &rule.replace("keep 90 days", "keep until session ends")),
            BASE.replace(rule, &rule.replace("keep 90 days", "keep 100 years")),
        ),
        (
            "a month turned into 31 days",
            BASE.replace(rule, &rule.replace("keep 90 days", "keep 1 month")),
            BASE.replace(rule, &rule.replace("keep 90 days", "keep 31 days")),
        ),
        (
            "a signal turned into a feature on by default",
            BASE.replace(
                "signal signed_in \"you are signed in\"",
                "signal signed_in \"you are signed in\"\nsignal shopping \"you shop\"",
            )
            .replace(rule, &rule.replace("when compare", "when compare and shopping")),
            BASE.replace(
                "signal signed_in \"you are signed in\"",
                "signal signed_in \"you are signed in\"\nfeature shopping default on \"Shopping\"",
            )
            .replace(rule, &rule.replace("when compare", "when compare and shopping")),
        ),
        (
            "a feature read negated now off by default",
            BASE.replace("feature compare default on", "feature compare default on \"c\"\nfeature private default on")
                .replace(rule, &rule.replace("when compare", "when compare and not private")),
            BASE.replace("feature compare default on", "feature compare default on \"c\"\nfeature private default off")
                .replace(rule, &rule.replace("when compare", "when compare and not private")),
        ),
        (
            "never linked turned into not stated",
            BASE.replace(rule, &rule.replace("link to account when signed_in", "link to account never")),
            BASE.replace(rule, &rule.replace("link to account when signed_in", "link to account not stated")),
        ),
        (
            "another reason for reading without consent",
            BASE.replace(rule, &format!("{rule} necessary \"the prices you asked for\"")),
            BASE.replace(rule, &format!("{rule} necessary \"measuring our audience\"")),
        ),
    ];
    for (what, old, new) in cases {
        let d = diff(&policy(&old), &policy(&new));
        assert!(d.widens && d.widens(), "{what}: {:#?}", d.changes);
    }
    // A translation added changes no term: the texts are compared in the languages both versions have.
    let german = BASE
        .replace("languages en }", "languages en, de }")
        .replace("\"the page address\"", "en \"the page address\" de \"die Adresse der Seite\"");
    let d = diff(&policy(BASE), &policy(&german));
    assert!(!d.widens(), "{:#?}", d.changes);
    // A policy that changed all its languages has no text in common to compare: its texts are compared whole.
    let only_german = BASE
        .replace("languages en }", "languages de }")
        .replace("\"the page address\"", "de \"die Adresse der Seite\"");
    assert!(diff(&policy(BASE), &policy(&only_german)).widens());
}

/// A per-item line about conditions or regions carries the `widens` of the covering test the verdict uses: a
/// review found "now collected when not compare" and "now collected in US (was US-CA)" marked as not widening
/// though both collect where the old version did not.
#[test]
fn a_line_about_conditions_or_regions_widens_when_it_collects_more() {
    let line = |d: &policyc::diff::PolicyDiff, start: &str| {
        d.changes
            .iter()
            .find(|c| c.text.starts_with(start))
            .unwrap_or_else(|| panic!("no line `{start}…` in {:#?}", d.changes))
            .widens
    };
    // Collecting while the consent feature is off.
    let not_compare = BASE.replace("page_url on retail when compare", "page_url on retail when not compare");
    let d = diff(&policy(BASE), &policy(&not_compare));
    assert!(d.widens());
    assert!(line(&d, "`page_url` is now collected when not compare"), "{:#?}", d.changes);
    // A stricter condition narrows, and its line says so.
    let stricter = BASE.replace("page_url on retail when compare", "page_url on retail when compare and signed_in");
    let d = diff(&policy(BASE), &policy(&stricter));
    assert!(!d.widens());
    assert!(!line(&d, "`page_url` is now collected when compare and signed_in"), "{:#?}", d.changes);

    // A rule for California turned into one for the whole of the US, beside a rule for every region elsewhere.
    let regional = BASE
        .replace("languages en }", "url \"https://shop.test/privacy\" languages en regions US, US-CA established US }")
        .replace("data page_url \"", "data page_url category internet_activity \"")
        .replace("data price \"", "data price category commercial \"")
        + "collect page_url on products when compare for recommend keep 90 days link to account when signed_in \
           region US-CA\n";
    let us = regional.replace("region US-CA\n", "region US\n");
    let d = diff(&policy(&regional), &policy(&us));
    assert!(d.widens());
    assert!(line(&d, "`page_url` is now collected in every region; US (was every region; US-CA)"), "{:#?}", d.changes);
    // And back: the whole of the US turned into California narrows.
    let d = diff(&policy(&us), &policy(&regional));
    assert!(!d.widens(), "{:#?}", d.changes);
    assert!(!line(&d, "`page_url` is now collected in every region; US-CA (was every region; US)"), "{:#?}", d.changes);
}

/// Terms that change under the same `version` are pointed out: the notices and the consent records name the
/// version, and two different terms under one name cannot be told apart. A new version, or no change, is quiet.
#[test]
fn changed_terms_under_an_unchanged_version_are_pointed_out() {
    let new = BASE.replace(
        "keep 90 days link to account when signed_in\ncollect price",
        "keep 30 days link to account when signed_in\ncollect price",
    );
    assert_ne!(new, BASE);
    let d = diff(&policy(BASE), &policy(&new));
    assert!(d.version_unchanged);
    let md = markdown(&d);
    assert!(md.contains("**The version is still `"), "{md}");
    assert!(serde_json::to_value(&d).unwrap()["version_unchanged"].as_bool().unwrap());

    let version = policy(BASE).version;
    let bumped = new.replacen(&format!("version \"{version}\""), "version \"next\"", 1);
    assert_ne!(bumped, new);
    let d = diff(&policy(BASE), &policy(&bumped));
    assert!(!d.version_unchanged && !d.changes.is_empty());
    assert!(!markdown(&d).contains("The version is still"));
    assert!(!diff(&policy(BASE), &policy(BASE)).version_unchanged);
}

/// A `never` rule withdrawn widens where its sites overlap what is collected: the diff finds such a site as a
/// witness even when it stands far down a long list, behind sites that nothing collects.
#[test]
fn a_withdrawn_never_rule_is_witnessed_on_a_site_it_used_to_block() {
    let old = BASE
        .replace("{ walmart.com  target.com }", "{ walmart.com  target.com  costco.com  ebay.* }")
        .replace("{ chase.com }", "{ chase.com  citi.com  wellsfargo.com  usbank.com  ebay.de }");
    let new = old.replace("never collect on banks\n", "");
    assert_ne!(old, new);
    let d = diff(&policy(&old), &policy(&new));
    assert!(d.widens);
    let texts: Vec<&str> = d.witnesses.iter().map(|w| w.text.as_str()).collect();
    assert!(texts.contains(&"https://www.ebay.de/ now collects page_url (before: nothing)"), "{texts:#?}");
    // Banks that no rule collects on are no witnesses: nothing changes there.
    assert!(!texts.iter().any(|t| t.contains("citi.com")), "{texts:#?}");
}
