//! Collection that does not depend on the page (issue 17): `source` declarations and `collect ... from SOURCE`
//! rules, their checks (E0064, the ePrivacy warning W0065, the promises of `never collect`), their data form and
//! their disclosure in every language.

mod common;

use policyc::disclose::{self, render, render::Format};
use std::path::Path;

const FIXTURE: &str = "tests/fixtures/disclose/independent.policy";

/// The header of a small policy in `regions`, with the statements a GDPR region needs.
fn policy_text(regions: &str, rest: &str) -> String {
    format!(
        r#"policy p {{ name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en
  regions {regions} established DE }}
data install_id "an identifier of this installation"
data password "your passwords"
purpose service basis contract profiling no decisions none "providing the service"
purpose stats basis legitimate_interest interest "counting installations" profiling no decisions none "counting"
purpose offers basis consent profiling no decisions none "showing you offers"
{rest}
"#
    )
}

/// The codes of the diagnostics of a policy given as text, leaving out the unused declarations of the shared
/// header's items (each test uses only some of them); an unused source is kept.
fn codes(text: &str) -> Vec<&'static str> {
    let out = policyc::check_source("p.policy", text, &mut policyc::NoLists, Default::default());
    out.checked
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() != "W0019" || d.message.starts_with("source "))
        .map(|d| d.code.as_str())
        .collect()
}

#[test]
fn the_fixture_checks_clean_and_lowers_each_rule_with_its_source() {
    let out = common::check_path(Path::new(FIXTURE));
    assert!(out.checked.diagnostics.is_empty(), "{}", common::render(&out));
    let policy = out.checked.policy.unwrap();
    let sources: Vec<&str> = policy.independent.iter().map(|r| r.source.as_str()).collect();
    assert_eq!(sources, ["device", "account", "networks", "cards"]);
    // Not page rules: nothing of them is in the rules the matcher is compiled from.
    assert!(policy.collect.is_empty());
    assert_eq!(policy.sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["networks", "cards"]);
}

/// Storing or reading on the device needs consent unless strictly necessary (ePrivacy Directive Art. 5(3)): a
/// warning where it applies (the EU, the EEA, the UK), with both ways out, and none elsewhere.
#[test]
fn device_rules_without_consent_or_necessity_are_warned_about_where_eprivacy_applies() {
    let rule = "collect install_id from device for stats keep until uninstall";
    assert_eq!(codes(&policy_text("DE", rule)), ["W0065"]);
    assert_eq!(codes(&policy_text("EU", rule)), ["W0065"]);
    assert_eq!(codes(&policy_text("US, DE", &format!("{rule} region US"))), Vec::<&str>::new());
    assert_eq!(codes(&policy_text("US", rule)), Vec::<&str>::new());
    // Consent, or a reason why it is strictly necessary, answers it.
    assert_eq!(codes(&policy_text("DE", "collect install_id from device for offers keep until uninstall")), [""; 0]);
    assert_eq!(codes(&policy_text("DE", &format!("{rule} necessary \"the service needs it\""))), Vec::<&str>::new());
    // Only the device: the account and declared sources store nothing on it.
    assert_eq!(
        codes(&policy_text("DE", "collect install_id from account for stats keep while account exists")),
        Vec::<&str>::new()
    );
    // The help names both ways out.
    let out = policyc::check_source("p.policy", &policy_text("DE", rule), &mut policyc::NoLists, Default::default());
    let warning = out.checked.diagnostics.iter().find(|d| d.code.as_str() == "W0065").unwrap();
    let help = warning.help.clone().unwrap();
    assert!(help.contains("`consent`") && help.contains("`necessary") && help.contains("§ 25 TDDDG"), "{help}");
}

/// Reading a page in the browser is access to information on the user's device too (EDPB Guidelines 2/2023 on
/// Art. 5(3)): a rule on the pages, with or without an event, for a purpose not based on consent is warned about
/// where ePrivacy applies, unless it says why reading the page is strictly necessary, and only there.
#[test]
fn page_rules_without_consent_or_necessity_are_warned_about_where_eprivacy_applies() {
    let sites = "sites s \"shops\" { shop.example }\nevent e \"you click\"\n";
    let rule = format!("{sites}collect install_id on s for service keep 1 year");
    assert_eq!(codes(&policy_text("DE", &rule)), ["W0065"]);
    assert_eq!(codes(&policy_text("GB", &rule)), ["W0065"]);
    assert_eq!(
        codes(&policy_text("EU", &format!("{sites}collect install_id on s at e for stats keep 1 year"))),
        ["W0065"]
    );
    assert_eq!(codes(&policy_text("US", &rule)), Vec::<&str>::new());
    assert_eq!(codes(&policy_text("US, DE", &format!("{rule} region US"))), Vec::<&str>::new());
    // Consent, or a reason why reading the page is strictly necessary, answers it.
    assert_eq!(codes(&policy_text("DE", &format!("{sites}collect install_id on s for offers keep 1 year"))), [""; 0]);
    assert_eq!(codes(&policy_text("DE", &format!("{rule} necessary \"the service needs it\""))), Vec::<&str>::new());
    // A rule with one purpose not based on consent is warned about for that purpose.
    let out = policyc::check_source(
        "p.policy",
        &policy_text("DE", &format!("{sites}collect install_id on s for offers, stats keep 1 year")),
        &mut policyc::NoLists,
        Default::default(),
    );
    let warning = out.checked.diagnostics.iter().find(|d| d.code.as_str() == "W0065").unwrap();
    assert_eq!(warning.message, "this rule reads the page in the user's browser for `stats` without consent");
    let help = warning.help.clone().unwrap();
    assert!(help.contains("browser") && help.contains("`necessary") && help.contains("PECR reg. 6"), "{help}");
    // An allowed warning is no warning.
    assert_eq!(
        codes(&policy_text("DE", &format!("{rule} allow W0065 \"tested for the mechanism only\""))),
        Vec::<&str>::new()
    );
}

/// `necessary` answers the ePrivacy question, which the account and declared sources do not raise (E0064); a rule
/// on the pages or from the device may say it.
#[test]
fn necessary_is_refused_only_where_nothing_is_read_on_the_device() {
    let sites = "sites s \"shops\" { shop.example }\n";
    assert_eq!(
        codes(&policy_text("US", &format!("{sites}collect install_id on s for service keep 1 year necessary \"x\""))),
        Vec::<&str>::new()
    );
    assert_eq!(
        codes(&policy_text(
            "US",
            "source networks \"affiliate networks\"\ncollect install_id from networks for service keep 1 year necessary \"x\""
        )),
        ["E0064"]
    );
}

/// A switch that starts on and gates a consent-based rule from a source needs an opt-in step too (W0031).
#[test]
fn consent_lints_read_rules_from_a_source() {
    let rest =
        "feature cards default on \"Card offers\"\ncollect install_id from account when cards for offers keep 1 year";
    assert_eq!(codes(&policy_text("US", rest)), ["W0031"]);
    assert_eq!(codes(&policy_text("US", &rest.replace("default on", "default off"))), Vec::<&str>::new());
}

#[test]
fn a_rule_says_either_on_or_from() {
    assert_eq!(
        codes(&policy_text(
            "US",
            "sites s \"shops\" { shop.example }\ncollect install_id on s from device for service keep 1 year"
        )),
        ["E0064"]
    );
    assert_eq!(
        codes(&policy_text("US", "event e \"you click\"\ncollect install_id from device at e for service keep 1 year")),
        ["E0064"]
    );
    assert_eq!(codes(&policy_text("US", "collect install_id for service keep 1 year")), ["E0009"]);
    assert_eq!(
        codes(&policy_text("US", "collect install_id from account for service keep 1 year necessary \"x\"")),
        ["E0064"]
    );
}

#[test]
fn sources_are_declared_resolved_and_used() {
    assert_eq!(codes(&policy_text("US", "collect install_id from nowhere for service keep 1 year")), ["E0002"]);
    assert_eq!(
        codes(&policy_text(
            "US",
            "source device \"the device\"\ncollect install_id from device for service keep 1 year"
        )),
        ["E0003"]
    );
    assert_eq!(
        codes(&policy_text(
            "US",
            "source cards \"your cards\"\ncollect install_id from account for service keep 1 year"
        )),
        ["W0019"]
    );
}

/// `never collect DATA` holds against rules from a source as against every other (E0050).
#[test]
fn promises_not_to_collect_hold_against_rules_from_a_source() {
    assert_eq!(
        codes(&policy_text("US", "never collect password\ncollect password from account for service keep 1 year")),
        ["E0050"]
    );
}

/// Data collected independently of the pages reaches recipients through its purposes like any other: a promise
/// about recipients (`never sell`) holds against it (E0062), and the notice names it among what they receive.
#[test]
fn promises_about_recipients_hold_against_rules_from_a_source() {
    let text = r#"policy p { name "P" controller "P Inc." contact "p@p.test" version "1" languages en }
never sell
data email "your e-mail address"
recipient broker sold "a data broker"
purpose resale basis consent shared with broker "selling your address"
collect email from account for resale keep 1 year
"#;
    assert_eq!(codes(text), ["E0062"]);
    let ok = text.replace("never sell\n", "");
    let policy = common::policy_from_text(&ok);
    let md = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(md.contains("your e-mail address") && md.contains("a data broker"), "{md}");
    assert!(!md.contains("We do not disclose the collected data to anyone else."), "{md}");
}

#[test]
fn the_data_form_keeps_sources_and_rules() {
    let policy = common::check_path(Path::new(FIXTURE)).checked.policy.unwrap();
    let yaml = policyc::yaml::to_yaml(&policy);
    assert!(yaml.contains("independent:") && yaml.contains("sources:"), "{yaml}");
    let again = policyc::check_source("p.yaml", &yaml, &mut policyc::NoLists, Default::default());
    assert!(again.checked.diagnostics.is_empty(), "{:#?}", again.checked.diagnostics);
    let again = again.checked.policy.unwrap();
    assert_eq!((&again.sources, again.independent.len()), (&policy.sources, 4));
    assert_eq!(policyc::yaml::to_yaml(&again), yaml);
}

/// The notice says what is collected independently of the pages, from which source, for what, for how long and
/// under which condition, in every language; the purposes and the settings speak of it too.
#[test]
fn the_notice_says_what_is_collected_from_each_source() {
    let policy = common::check_path(Path::new(FIXTURE)).checked.policy.unwrap();
    for (lang, title, first, necessary, stop) in [
        (
            "en",
            "Stored on or read from your device",
            "We collect an identifier of this installation for the purpose of crediting your cash back.",
            "Storing this data on your device or reading it from there is strictly necessary for the service you \
             explicitly asked for: The identifier tells your installation apart when you ask for cash back.",
            "If you switch off the “Card offers” feature, we stop collecting the transactions on your linked cards \
             from the sources named above.",
        ),
        (
            "de",
            "Quelle: Ihr Gerät (dort gespeichert oder von dort ausgelesen)",
            "Wir erheben eine Kennung dieser Installation, um Ihnen Ihr Cashback gutzuschreiben.",
            "Diese Daten auf Ihrem Gerät zu speichern oder dort auszulesen, ist unbedingt erforderlich, damit wir den \
             von Ihnen ausdrücklich gewünschten Dienst bereitstellen können: Die Kennung unterscheidet Ihre \
             Installation, wenn Sie Cashback anfordern.",
            "Wenn Sie die Funktion „Kartenangebote“ ausschalten, erheben wir die Umsätze Ihrer verknüpften Karten \
             nicht mehr aus den oben genannten Quellen.",
        ),
    ] {
        let d = disclose::build(&policy, lang, Some("DE")).unwrap();
        let section = d.sections.iter().find(|s| s.id == "independent").expect("an independent section");
        assert_eq!(section.items.len(), 4, "{lang}");
        assert_eq!(section.items[0].title.as_deref(), Some(title));
        assert_eq!(section.items[0].text[0], first, "{lang}");
        assert_eq!(section.items[0].text.last().unwrap(), necessary, "{lang}");
        // Nothing is collected on the pages, and the notice says so without saying that nothing is collected.
        let data = d.sections.iter().find(|s| s.id == "data").unwrap();
        assert!(!data.paragraphs.iter().any(|p| p.contains("no data at all") || p.contains("keinerlei")), "{lang}");
        // The purposes section names the data of these rules with their legal basis.
        assert!(d.sections.iter().any(|s| s.id == "purposes" && !s.items.is_empty()), "{lang}");
        let features = d.sections.iter().find(|s| s.id == "features").unwrap();
        assert!(features.items[0].text.iter().any(|t| t == stop), "{lang}: {:?}", features.items[0].text);
        let md = render::render(&d, Format::Markdown);
        assert!(md.contains(title), "{lang}");
    }
    // A declared source is named by its label; the rule scoped to DE is not in the notice for the US.
    let en = disclose::build(&policy, "en", Some("US")).unwrap();
    let section = en.sections.iter().find(|s| s.id == "independent").unwrap();
    let titles: Vec<&str> = section.items.iter().filter_map(|i| i.title.as_deref()).collect();
    assert_eq!(titles, ["Stored on or read from your device", "From your account", "From affiliate networks"]);
    // The label titles the entry, and the source's full text, which may say more, follows in its own sentence
    // (it was left out of the notice before); a source without a label is named by its text alone.
    assert!(section.items[2]
        .text
        .iter()
        .any(|t| t == "This data comes from the affiliate networks that report your purchases."));
    assert!(!section.items[0].text.iter().any(|t| t.starts_with("This data comes from")));
    let de = disclose::build(&policy, "de", Some("DE")).unwrap();
    let section = de.sections.iter().find(|s| s.id == "independent").unwrap();
    assert!(section.items[2]
        .text
        .iter()
        .any(|t| t == "Herkunft der Daten: Affiliate-Netzwerke, die uns Ihre Einkäufe melden."));
    assert!(!section.items[3].text.iter().any(|t| t.starts_with("Herkunft")), "the cards source has no label");
    // The facts list each rule with its source.
    let json: serde_json::Value = serde_json::from_str(&render::render(&en, Format::Json)).unwrap();
    let facts = json["facts"]["independent"].as_array().unwrap();
    assert_eq!(facts[2]["source"], "networks");
    assert_eq!(facts[2]["when"], "signed_in");
    assert_eq!(facts[2]["linked"], "when signed_in");
}

/// Capital One Shopping's notice used to say that nothing at all is collected, which was true of the pages only:
/// it now says what the card-linked offers programme collects from the linked cards.
#[test]
fn capital_one_shopping_says_what_it_collects_from_linked_cards() {
    let policy = common::check_path(Path::new("policies/real/capital-one-shopping.policy")).checked.policy.unwrap();
    let md = render::render(&disclose::build(&policy, "en", None).unwrap(), Format::Markdown);
    assert!(!md.contains("We collect no data at all"), "{md}");
    assert!(md.contains("From the payment cards you link"), "{md}");
    assert!(md.contains("We collect the transactions on the payment cards you link"), "{md}");
}

/// The California notice at collection names every category of personal information collected, wherever it comes
/// from (11 CCR §7012(e)(1)): data collected only from a source needs its category and is listed with it.
#[test]
fn the_california_notice_names_what_is_collected_from_a_source() {
    let text = |category: &str| {
        format!(
            r#"policy p {{ name "P" controller "P Inc." contact "p@p.test" version "1" languages en
  regions US-CA url "https://p.test/privacy" }}
source networks "the affiliate networks that report your purchases"
data purchases {category} "the purchases made through our links"
purpose cashback basis contract "crediting your cash back"
collect purchases from networks for cashback keep 2 years
"#
        )
    };
    let missing = policyc::check_source("p.policy", &text(""), &mut policyc::NoLists, Default::default());
    let diagnostics = &missing.checked.diagnostics;
    assert!(
        diagnostics.iter().any(|d| d.message == "data item `purchases` has no category of personal information"),
        "{diagnostics:?}"
    );
    let out =
        policyc::check_source("p.policy", &text("category commercial"), &mut policyc::NoLists, Default::default());
    assert!(out.checked.diagnostics.is_empty(), "{:?}", out.checked.diagnostics);
    let policy = out.checked.policy.unwrap();
    let d = disclose::build(&policy, "en", Some("US-CA")).unwrap();
    let notice = d.sections.iter().find(|s| s.id == "notice-at-collection").expect("a notice at collection");
    assert_eq!(notice.items.len(), 1, "{:?}", notice.items);
    assert_eq!(notice.items[0].text[0], "We collect the purchases made through our links.");
    assert!(notice.items[0].text.iter().any(|t| t == "We keep it for at most 2 years."), "{:?}", notice.items[0].text);
}

/// What may be collected from a source is decided per state by the compiled matcher exactly as the reference
/// interpreter reads the rules: in every combination of signals and features, in every region the artifact
/// lists and in none, for every policy that collects from a source (the fixture, the runtime's demo policy, the
/// bundled and real policies).
#[test]
fn sources_decide_alike_in_the_matcher_and_the_interpreter() {
    use policyc::interp::Interpreter;
    use policyc::matcher::Matcher;
    use policyc::report::{Settings, SourceReport};
    let mut paths = vec![Path::new(FIXTURE).to_path_buf(), Path::new("runtime/tests/data/demo.policy").to_path_buf()];
    paths.extend(common::bundled_policies());
    paths.extend(common::real_policies());
    let mut decided = 0;
    for path in paths {
        let policy = common::check_path(&path).checked.policy.unwrap();
        let bytes = policyc::matcher::compile::compile(&policy, &Default::default()).unwrap();
        let m = Matcher::from_bytes(&bytes).unwrap();
        let interp = Interpreter::new(&policy);
        let vars: Vec<String> = m.meta().vars.iter().map(|v| v.name.clone()).collect();
        let regions: Vec<Option<String>> = std::iter::once(None).chain(m.regions().iter().cloned().map(Some)).collect();
        for k in 0..1u32 << vars.len() {
            let set: Vec<(String, bool)> = vars.iter().enumerate().map(|(i, n)| (n.clone(), k >> i & 1 == 1)).collect();
            for region in &regions {
                let settings = Settings { set: set.clone(), region: region.clone(), event: None };
                let a = SourceReport::decide(&m, &settings.context(&m).unwrap());
                let b = interp.decide_sources(&settings).unwrap();
                assert_eq!(a, b, "{}: {settings:?}", path.display());
                decided += a.items.len();
            }
        }
    }
    assert!(decided > 0, "some policy collects from a source in some state");
}

/// The fixture's four rules, decided per state: the device's install id and the account's email always, the
/// networks' purchase reports only when signed in (and then linked), the linked cards' transactions only in
/// Germany with the switch on.
#[test]
fn the_matcher_reports_each_source_per_state() {
    use policyc::matcher::Matcher;
    use policyc::report::{Settings, SourceReport};
    let policy = common::check_path(Path::new(FIXTURE)).checked.policy.unwrap();
    let bytes = policyc::matcher::compile::compile(&policy, &Default::default()).unwrap();
    let m = Matcher::from_bytes(&bytes).unwrap();
    assert_eq!(m.sources(), ["device", "account", "networks", "cards"]);
    let items = |set: &[(&str, bool)], region: Option<&str>| -> Vec<(String, String, bool)> {
        let settings = Settings {
            set: set.iter().map(|(n, on)| (n.to_string(), *on)).collect(),
            region: region.map(str::to_string),
            event: None,
        };
        SourceReport::decide(&m, &settings.context(&m).unwrap())
            .items
            .into_iter()
            .map(|i| (i.source, i.data, i.linked))
            .collect()
    };
    let s = |a: &str, b: &str, l: bool| (a.to_string(), b.to_string(), l);
    let base = [s("device", "install_id", false), s("account", "email", true)];
    assert_eq!(items(&[], None), base);
    assert_eq!(
        items(&[("signed_in", true)], None),
        [base[0].clone(), base[1].clone(), s("networks", "purchases", true)]
    );
    // The cards rule is for DE only: not in an unknown region, not elsewhere.
    assert_eq!(items(&[("card_offers", true)], None), base);
    assert_eq!(
        items(&[("card_offers", true)], Some("DE")),
        [base[0].clone(), base[1].clone(), s("cards", "card_tx", true)]
    );
}
