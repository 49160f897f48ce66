//! Stage 1, parsing: valid fixtures parse and check cleanly; invalid ones give one syntax diagnostic that says
//! what was expected in words.

mod common;

use policyc::ir;
use policyc::Code;

#[test]
fn valid_fixtures_check_without_errors() {
    insta::glob!("fixtures/syntax/valid/*.policy", |path| {
        let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        let result = common::check_path(rel);
        assert!(!result.checked.has_errors(), "{}", common::render(&result));
        assert!(result.checked.policy.is_some());
    });
}

#[test]
fn invalid_fixtures_give_one_readable_syntax_error() {
    insta::glob!("fixtures/syntax/invalid/*.policy", |path| {
        let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        let result = common::check_path(rel);
        let d = &result.checked.diagnostics;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::Syntax);
        // Rule names of the grammar must never reach the user.
        for word in ["kw_", "name_list", "cond_", "_clause", "_decl", "EOI", "lang_text"] {
            assert!(!d[0].message.contains(word), "rule name `{word}` leaked: {}", d[0].message);
        }
        insta::assert_snapshot!(common::render(&result));
    });
}

#[test]
fn all_constructs_lower_as_written() {
    let result = common::check_path(std::path::Path::new("tests/fixtures/syntax/valid/all-constructs.policy"));
    let p = result.checked.policy.expect("checks");
    assert_eq!(p.regions, ["US", "DE", "US-CA"]);
    let paths = p.site_category("paths").unwrap();
    let written: Vec<String> = paths.patterns.iter().map(|p| p.to_string()).collect();
    assert_eq!(written, ["exact www.shop.example/cart/", "shops.*", "xn--bcher-kva.example/b/"]);
    assert_eq!(p.collect[1].when.as_ref().unwrap().to_string(), "(stats or signed_in) and not signed_in");
    assert_eq!(p.collect[1].keep.to_string(), "1 year");
    assert_eq!(p.never[1].regions, ["DE"]);
    assert_eq!(p.incentives[0].value["de"], "US$1", "an untagged text holds in every language");
    assert_eq!(p.expects[0].with, ["signed_in", "not stats"]);
    assert_eq!(p.purposes[1].shared_with, ["vendor"]);
    assert!(p.purposes[1].interest.is_some());
    // The legal constructs.
    assert_eq!(p.established.as_deref(), Some("DE"));
    assert_eq!(p.regional_controllers[0].regions, ["US"]);
    assert!(p.url.is_some() && p.opt_out.is_some());
    assert_eq!(p.data[0].category, Some(ir::PiCategory::InternetActivity));
    let vendor = p.recipient("vendor").unwrap();
    assert!(vendor.processor && vendor.located.as_deref() == Some("DE") && vendor.safeguard.is_none());
    let broker = p.recipient("broker").unwrap();
    assert!(broker.sold && broker.shared && broker.safeguard == Some(ir::Safeguard::StandardClauses));
    let merchant = p.recipient("merchant").unwrap();
    assert!(merchant.own_purposes && merchant.sold && !merchant.processor);
    let ads = p.purpose("ads").unwrap();
    assert!(ads.direct_marketing && ads.profiling == Some(true) && ads.basis == ir::LegalBasis::ExplicitConsent);
    assert!(matches!(&ads.decisions, Some(ir::Decisions::Automated(t)) if t["de"].starts_with("ein Punktwert")));
    assert_eq!(p.purposes[0].decisions, Some(ir::Decisions::None));
    assert_eq!(p.site_category("clinics").unwrap().special.as_deref(), Some("health"));
    assert!(p.features[0].opt_in.is_some());
    assert!(p.incentives[0].reward_stays && p.incentives[0].method["en"] == "the revenue per user");
    // Retention by criteria (GDPR Art. 13(2)(a)) and aggregated data with its own retention.
    let keeps: Vec<String> = p.collect[4..8].iter().map(|r| r.keep.to_string()).collect();
    assert_eq!(keeps, ["until return_window", "while account exists", "until uninstall", "until session ends"]);
    assert_eq!(
        p.criterion("return_window").unwrap().text["de"],
        "bis die Bestellung nicht mehr zurückgegeben werden kann"
    );
    assert_eq!(p.collect[4].aggregated, Some(ir::Aggregated::For("2 years".parse().unwrap())));
    assert_eq!(p.collect[5].aggregated, Some(ir::Aggregated::Indefinitely));
    assert_eq!(p.collect[6].aggregated, None);
    assert_eq!(p.never_collect, ["password"]);
    let local = &p.on_device[0];
    assert_eq!(
        (local.data.as_slice(), local.sites.as_slice(), local.regions.as_slice()),
        (&["page_url".to_string()][..], &["shops".to_string()][..], &["DE".to_string()][..])
    );
    assert_eq!(local.when.as_ref().unwrap().to_string(), "stats");
    assert!(p.data_item("visit_count").unwrap().aggregated && !p.data_item("page_url").unwrap().aggregated);
}

/// The grammar's `item_keyword` (a word that is never a site pattern, so that a `sites` block missing its `}`
/// is reported where the next item starts) and the keyword list the formatter, the language server and the
/// syntax help use name the same items.
#[test]
fn the_grammar_and_the_keyword_list_name_the_same_items() {
    let grammar = std::fs::read_to_string("grammar/policy.pest").unwrap();
    let start = grammar.find("item_keyword = _{").unwrap();
    let body = &grammar[start..start + grammar[start..].find('}').unwrap()];
    let mut in_grammar: Vec<&str> = body.split('"').skip(1).step_by(2).collect();
    in_grammar.sort_unstable();
    let mut listed = policyc::ast::ITEM_KEYWORDS.to_vec();
    listed.sort_unstable();
    assert_eq!(in_grammar, listed);
}
