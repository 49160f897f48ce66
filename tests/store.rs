//! Store declarations (`policyc store`): Firefox's data_collection_permissions and the Chrome Web Store's
//! privacy-practices answers, from the policy's `store` lines and rules.

mod common;

use policyc::store;
use std::path::Path;

fn policy(path: &str) -> policyc::ir::Policy {
    common::check_path(Path::new(path)).checked.policy.unwrap()
}

const HEADER: &str = r#"
policy demo { name "Demo" controller "Demo Inc., 1 Demo Street" contact "privacy@demo.test" version "1" languages en }
signal active "the panel is open"
feature extra default off "Extra data"
feature basic default on "Basic data"
data page_url "the page address"
data clicks "clicks on the panel"
purpose stats basis consent "counting visits"
sites shops "shops" { shop.example }
store browsing_activity for page_url
store technical for clicks
"#;

#[test]
fn every_bundled_policy_declares_for_firefox() {
    for path in common::bundled_policies() {
        let p = policy(path.to_str().unwrap());
        let ff = store::firefox(&p).unwrap();
        assert!(!ff.required.is_empty(), "{}", path.display());
        assert!(ff.required.iter().chain(&ff.optional).any(|t| *t == "browsingActivity"), "{}", path.display());
    }
}

#[test]
fn data_behind_a_feature_that_starts_off_is_optional_for_firefox() {
    // The price tracker collects only behind `price_history` or `price_alerts`, both `default off`.
    let ff = store::firefox(&policy("policies/price-tracker.policy")).unwrap();
    assert_eq!(ff.required, ["none"]);
    assert_eq!(ff.optional, ["browsingActivity", "websiteContent"]);
    // The shopping assistant collects behind `price_compare`, which starts on: required.
    let ff = store::firefox(&policy("policies/shopping-assistant.policy")).unwrap();
    assert_eq!(ff.required, ["browsingActivity", "websiteContent"]);
    assert!(ff.optional.is_empty());
}

#[test]
fn a_condition_that_can_hold_with_off_features_off_is_required() {
    let p = common::policy_from_text(&format!(
        "{HEADER}collect page_url on shops when extra or active for stats keep 30 days\n\
         collect clicks on shops when extra and active for stats keep 30 days\n"
    ));
    let ff = store::firefox(&p).unwrap();
    assert_eq!(ff.required, ["browsingActivity"]);
    assert_eq!(ff.optional, ["technicalAndInteraction"]);
}

#[test]
fn technical_data_that_is_not_optional_cannot_be_declared_to_firefox() {
    let p = common::policy_from_text(&format!(
        "{HEADER}collect page_url, clicks on shops when basic for stats keep 30 days\n"
    ));
    let e = store::firefox(&p).unwrap_err();
    assert!(e.message.contains("`clicks`") && e.message.contains("only as optional"), "{}", e.message);
}

#[test]
fn a_policy_without_store_lines_is_refused_rather_than_declared_empty() {
    let text = HEADER.replace("store browsing_activity for page_url\nstore technical for clicks\n", "");
    let p = common::policy_from_text(&format!("{text}collect page_url on shops for stats keep 30 days\n"));
    assert!(store::firefox(&p).unwrap_err().message.contains("says of no data item"));
    assert!(store::chrome(&p, "en").is_err());
}

#[test]
fn advertising_blocks_the_limited_use_certification_with_the_rule_that_causes_it() {
    let errors = store::chrome(&policy("policies/shopping-assistant.policy"), "en").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.message.contains("Limited Use"), "{}", e.message);
    assert!(e.message.contains("shopping-assistant.policy:"), "{}", e.message);
    assert!(e.message.contains("`marketing`"), "{}", e.message);
}

/// Data disclosed to a `sold` recipient is sold, whatever the purposes' store uses say: the "not sold"
/// certification is refused with the rule and the recipient, as the promise `never sell` would be (E0062).
#[test]
fn a_sold_recipient_blocks_the_no_sale_certification() {
    let text = format!(
        "{}collect page_url on shops for stats keep 30 days\nrecipient broker sold \"a data broker\"\n",
        HEADER.replace("basis consent", "basis consent shared with broker")
    );
    let errors = store::chrome(&common::policy_from_text(&text), "en").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("not sold") && errors[0].message.contains("`broker`"), "{}", errors[0].message);
    let fine = store::chrome(&common::policy_from_text(&text.replace("broker sold", "broker processor")), "en");
    assert!(fine.is_ok(), "{fine:?}");
    // A recipient that uses the data for its own purposes, or with whom it is shared for cross-context
    // advertising, receives a transfer outside Chrome's approved use cases: no certification either.
    for (role, words) in [("own purposes", "its own purposes"), ("shared", "cross-context advertising")] {
        let policy = common::policy_from_text(&text.replace("broker sold", &format!("broker {role}")));
        let errors = store::chrome(&policy, "en").unwrap_err();
        assert_eq!(errors.len(), 1, "{role}: {errors:?}");
        let m = &errors[0].message;
        assert!(m.contains("not sold or transferred") && m.contains("`broker`") && m.contains(words), "{m}");
    }
}

#[test]
fn chrome_answers_list_the_collected_types_and_certify() {
    let c = store::chrome(&policy("policies/price-tracker.policy"), "de").unwrap();
    assert!(c.single_purpose.starts_with("Preis-Tracker: "), "{}", c.single_purpose);
    let collected: Vec<_> = c.data_types.iter().filter(|t| t.collected).map(|t| t.name).collect();
    assert_eq!(collected, ["Web history", "Website content"]);
    assert_eq!(c.certifications.len(), 3);
    let md = store::chrome_markdown(&c);
    assert!(md.contains("- [x] Web history (product_url)"), "{md}");
    assert!(md.contains("- [ ] Location"), "{md}");
}

#[test]
fn store_lines_survive_the_data_form() {
    let p = policy("policies/shopping-assistant.policy");
    let yaml = policyc::yaml::to_yaml(&p);
    let back = policyc::check_source("p.yaml", &yaml, &mut policyc::NoLists, Default::default());
    assert_eq!(back.checked.policy.unwrap().store, p.store);
}

fn policyc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_policyc")).args(args).output().unwrap()
}

#[test]
fn the_cli_prints_both_declarations_and_fails_on_an_untrue_certification() {
    let o = policyc(&["store", "policies/price-tracker.policy", "--for", "firefox"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"required": ["none"], "optional": ["browsingActivity", "websiteContent"]}));
    let o = policyc(&["store", "policies/news-analytics.policy", "--for", "chrome", "--format", "md"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("- [x] Web history (article_url)"));
    let o = policyc(&["store", "policies/shopping-assistant.policy", "--for", "chrome"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "no declaration is printed");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: cannot certify Limited Use") && err.contains("help: "), "{err}");
    let o = policyc(&["store", "policies/shopping-assistant.policy", "--for", "firefox", "--format", "md"]);
    assert_eq!(o.status.code(), Some(2));
    let o = policyc(&["store", "policies/price-tracker.policy", "--for", "chrome", "--lang", "fr"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error: the policy is not written in `fr`"), "{err}");
    assert!(err.contains("help: the policy's languages: `en`, `de`"), "{err}");
}

/// Data collected independently of the page (read on the device, say) is declared and certified like data from
/// the pages: a declaration that left it out would be false.
#[test]
fn data_collected_from_a_source_is_declared_and_blocks_certifications_too() {
    let p = common::policy_from_text(&format!(
        "{HEADER}data ad_id category identifiers \"an advertising identifier\"\n\
         purpose ads basis consent \"tailoring advertising to you\"\n\
         store advertising for ads\nstore personally_identifying for ad_id\n\
         collect page_url on shops when extra for stats keep 30 days\n\
         collect ad_id from device when basic for ads keep 1 year link to account always\n"
    ));
    let ff = store::firefox(&p).unwrap();
    assert_eq!(ff.required, ["personallyIdentifyingInfo"], "{ff:?}");
    assert_eq!(ff.optional, ["browsingActivity"], "{ff:?}");
    let errors = store::chrome(&p, "en").unwrap_err();
    assert!(errors.iter().any(|e| e.message.contains("Limited Use") && e.message.contains("`ad_id`")), "{errors:?}");
}
