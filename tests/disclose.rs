//! Stage 4, disclosures: every bundled policy in every language, region and format as a snapshot named after
//! policy, region and language (so one policy's renderings sit side by side), plus tests that the text is
//! faithful to the IR, follows its JSON schema, and parses as HTML.

mod common;

use policyc::disclose::{self, render, render::Format};
use policyc::ir::{self, Policy};
use policyc::locale::Locale;
use std::path::Path;

/// Every (file stem, policy, region, language) to render.
fn cases() -> Vec<(String, Policy, Option<String>, String)> {
    let mut v = Vec::new();
    // The bundled policies, the real ones, and the events fixture for the wording of collection triggered by what
    // the user does.
    let mut paths = common::bundled_policies();
    paths.extend(common::real_policies());
    paths.push("tests/fixtures/events/cashback.policy".into());
    // Legitimate interests, which no bundled policy rests on: reading the pages needs consent where ePrivacy
    // applies, so this case collects from the account.
    paths.push("tests/fixtures/disclose/legitimate-interest.policy".into());
    for path in paths {
        let policy = common::check_path(&path).checked.policy.expect("bundled policies check");
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let regions: Vec<Option<String>> =
            if policy.regions.is_empty() { vec![None] } else { policy.regions.iter().cloned().map(Some).collect() };
        for region in regions {
            for lang in &policy.languages {
                v.push((stem.clone(), policy.clone(), region.clone(), lang.clone()));
            }
        }
    }
    v
}

/// Every rendering is compared with its snapshot, and every changed one is written as a `.snap.new` in this one
/// run: a one-line policy change can change dozens of renderings, and a reviewer reads them all at once
/// (`cargo insta review`, or the diffs insta prints) instead of rerunning the tests once per snapshot.
#[test]
fn snapshots_of_every_policy_language_region_and_format() {
    let mut changed = Vec::new();
    for (stem, policy, region, lang) in cases() {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        for format in Format::ALL {
            let name = format!("{stem}.{}.{lang}.{}", region.as_deref().unwrap_or("all"), format.extension());
            let text = render::render(&d, format);
            // insta panics on a mismatch after writing the `.snap.new`; note it and go on to the next.
            let outcome = std::panic::catch_unwind(|| insta::assert_snapshot!(name.clone(), text));
            if outcome.is_err() {
                changed.push(name);
            }
        }
    }
    assert!(
        changed.is_empty(),
        "{} disclosure snapshots changed; review each diff (`cargo insta review`, or the `.snap.new` files next to \
         the snapshots) and accept only what users should be told:\n  {}",
        changed.len(),
        changed.join("\n  ")
    );
}

/// Collapses white space (the text format wraps lines) and drops code backticks.
fn norm(s: &str) -> String {
    s.replace('`', "").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[test]
fn every_item_of_the_ir_appears_in_every_rendering() {
    for (stem, policy, region, lang) in cases() {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        let in_region = |rs: &[String]| rs.is_empty() || region.as_ref().is_none_or(|r| rs.contains(r));
        let rules: Vec<&ir::CollectRule> = policy.collect.iter().filter(|r| in_region(&r.regions)).collect();
        let mut needles: Vec<String> = Vec::new();
        for r in &rules {
            for n in &r.data {
                needles.push(policy.data_item(n).unwrap().text[&lang].clone());
            }
            for p in &r.purposes {
                needles.push(policy.purpose(p).unwrap().text[&lang].clone());
            }
            for s in &r.sites {
                needles.push(policy.site_category(s).unwrap().text[&lang].clone());
            }
            for c in r.when.iter().chain(match &r.link {
                ir::Link::When(c) => Some(c),
                _ => None,
            }) {
                for name in c.names() {
                    let text = match (policy.signal(name), policy.feature(name)) {
                        (Some(s), _) => s.text[&lang].clone(),
                        (_, Some(f)) => f.text[&lang].clone(),
                        _ => unreachable!("checked policies name declared variables"),
                    };
                    needles.push(text);
                }
            }
            let locale = Locale::get(&lang).unwrap();
            needles.push(match &r.keep {
                ir::Retention::Period(p) => locale.plural(&format!("unit_{}", p.unit.word()), p.amount.into()),
                // A criterion is said in words: the policy's for a declared one, the locale's otherwise.
                keep => match ir::named_criterion(keep) {
                    Some(name) => policy.criterion(name).unwrap().text[&lang].clone(),
                    None => locale.t(&format!("criterion_{}", keep.to_string().replace(' ', "_")), &[]),
                },
            });
        }
        for n in policy.never.iter().filter(|n| in_region(&n.regions)) {
            for s in &n.sites {
                needles.push(policy.site_category(s).unwrap().text[&lang].clone());
            }
        }
        needles.push(match &policy.contact {
            Some(c) => c[&lang].clone(),
            None => Locale::get(&lang).unwrap().t("contact_not_stated", &[]),
        });
        for i in policy.incentives.iter().filter(|i| in_region(&i.regions)) {
            needles.push(i.value[&lang].clone());
        }
        for format in Format::ALL {
            let out = render::render(&d, format);
            for needle in &needles {
                // Texts may start a sentence, so compare from the second character on.
                let tail: String = needle.chars().skip(1).collect();
                let (hay, tail) = match format {
                    Format::Html => (norm(&out), norm(&html_escape(&tail))),
                    Format::Json => (out.clone(), serde_json::to_string(&tail).unwrap().trim_matches('"').to_string()),
                    _ => (norm(&out), norm(&tail)),
                };
                assert!(hay.contains(&tail), "{stem} {lang} {region:?} {format:?} lacks {needle:?}");
            }
        }
    }
}

#[test]
fn a_changed_policy_changes_the_rendering() {
    let path = Path::new("policies/shopping-assistant.policy");
    let policy = common::check_path(path).checked.policy.unwrap();
    let mut changed = policy.clone();
    changed.collect[1].keep = ir::Retention::Period(ir::Period { amount: 30, unit: ir::TimeUnit::Day });
    for lang in ["en", "de"] {
        let before = render::markdown(&disclose::build(&policy, lang, Some("DE")).unwrap());
        let after = render::markdown(&disclose::build(&changed, lang, Some("DE")).unwrap());
        assert_ne!(before, after);
        let word = if lang == "en" { "30 days" } else { "30 Tage" };
        assert!(!before.contains(word) && after.contains(word), "{lang}");
    }
    // Linking made unconditional shows up as "always".
    let mut always = policy.clone();
    for r in &mut always.collect {
        r.link = ir::Link::Always;
    }
    let md = render::markdown(&disclose::build(&always, "en", Some("US")).unwrap());
    assert!(md.contains("We always link the address (URL) of the page you visit to your account."), "{md}");
}

/// A policy that keeps data by criteria and in aggregated form, and promises never to collect some data.
const LANGUAGE_FIXTURE: &str = "tests/fixtures/disclose/language-ii.policy";

/// Retention by criteria is said in words, as the criteria that determine the period (GDPR Art. 13(2)(a)), never
/// as an invented period; aggregated data is said with its own retention; the CCPA notice names each criterion.
#[test]
fn retention_criteria_and_aggregated_data_are_said_in_words() {
    let policy = common::check_path(Path::new(LANGUAGE_FIXTURE)).checked.policy.unwrap();
    for (lang, region) in [("en", "DE"), ("de", "DE"), ("en", "US-CA"), ("de", "US-CA")] {
        let d = disclose::build(&policy, lang, Some(region)).unwrap();
        let mut text = String::new();
        for s in d.sections.iter().filter(|s| s.id == "retention" || s.id == "notice-at-collection") {
            text += &format!("## {}\n", s.heading);
            for p in &s.paragraphs {
                text += &format!("{p}\n");
            }
            for i in &s.items {
                text += &format!(
                    "- {}{}\n",
                    i.title.as_deref().map(|t| format!("{t}: ")).unwrap_or_default(),
                    i.text.join(" ")
                );
            }
        }
        text += "## summary\n";
        for row in &d.summary.rows {
            text += &format!("{}: {}\n", row[0], row[4]);
        }
        insta::assert_snapshot!(format!("retention-criteria.{region}.{lang}"), text);
        // No criterion is turned into a number of days.
        let json: serde_json::Value = serde_json::from_str(&render::render(&d, Format::Json)).unwrap();
        let facts = json["facts"]["data"].as_array().unwrap();
        let page_url = facts.iter().find(|f| f["name"] == "page_url").unwrap();
        assert_eq!(page_url["retention"], "until uninstall");
        assert!(page_url["retention_days_max"].is_null());
        // An item declared `aggregated` is kept as it is collected (E0052 refuses `then aggregated` for it); an
        // item kept in personal form first has the period of its aggregated form apart.
        let visits = facts.iter().find(|f| f["name"] == "visits").unwrap();
        assert_eq!((visits["retention"].as_str(), visits["retention_aggregated"].as_str()), (Some("1 year"), None));
        let order = facts.iter().find(|f| f["name"] == "order").unwrap();
        assert_eq!(order["retention_aggregated"].as_str(), Some("5 years"), "{order}");
    }
}

/// A legal basis the source does not state is said to be not stated, in every language and format, and is
/// never read as consent: no withdrawal of consent is offered, the right to object is (the basis may be one the
/// user can object to), and whether the data must be provided is not stated either.
#[test]
fn a_basis_the_source_does_not_state_is_said_so_and_never_read_as_consent() {
    let path = Path::new("tests/fixtures/diagnostics/W0071-not-stated-basis.policy");
    let policy = common::check_path(path).checked.policy.unwrap();
    for (lang, basis, requirement, withdraw) in [
        (
            "en",
            "Legal basis: not stated in the underlying privacy policy.",
            "The underlying privacy policy does not state whether you must provide the data we use for the purpose of counting visits.",
            "withdraw",
        ),
        (
            "de",
            "Rechtsgrundlage: in der zugrunde liegenden Datenschutzerklärung nicht angegeben.",
            "Die zugrunde liegende Datenschutzerklärung gibt nicht an, ob Sie die Daten bereitstellen müssen, die wir verwenden, um Besuche zu zählen.",
            "widerruf",
        ),
    ] {
        let d = disclose::build(&policy, lang, Some("DE")).unwrap();
        for format in [Format::Markdown, Format::Html, Format::Text, Format::Json] {
            let out = norm(&render::render(&d, format));
            assert!(out.contains(basis), "{lang} {format:?}: {out}");
            assert!(out.contains(requirement), "{lang} {format:?}: {out}");
            assert!(!out.to_lowercase().contains(withdraw), "{lang} {format:?}: consent is not the basis");
        }
        assert!(d.sections.iter().any(|s| s.id == "objection"), "{lang}");
        assert_eq!(d.facts.purposes[0].basis, ir::LegalBasis::NotStated);
    }
}

/// `link to account not stated`: the matcher never links (fail closed), and the disclosure says that the source
/// does not say, in every language, also where another rule links the same item (no "otherwise never").
#[test]
fn a_linkage_the_source_does_not_state_is_said_so_and_never_linked() {
    let text = "policy p { name en \"P\" de \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en, de }\n\
        signal signed_in en \"you are signed in\" de \"Sie angemeldet sind\"\n\
        data a en \"the address\" de \"die Adresse\"\ndata b en \"the title\" de \"den Titel\"\n\
        purpose u basis contract en \"showing prices\" de \"Preise zu zeigen\"\n\
        sites s en \"shops\" de \"Shops\" { example.com }\nsites t en \"other shops\" de \"andere Shops\" { other.example }\n\
        collect a, b on s for u keep 1 day link to account not stated\n\
        collect b on t for u keep 1 day link to account always\n\
        expect \"https://example.com/\" with signed_in collects a, b links nothing\n";
    let policy = common::policy_from_text(text);
    let bytes = common::artifact_from_text(text);
    let m = policyc::matcher::Matcher::from_bytes(&bytes).unwrap();
    let settings = policyc::report::Settings { set: vec![("signed_in".into(), true)], ..Default::default() };
    let d = policyc::report::Report::decide(&m, "https://example.com/", &settings.context(&m).unwrap());
    assert_eq!(d.collect, ["a", "b"]);
    assert!(d.linked.is_empty(), "not stated is never linked: {d:?}");
    for (lang, only, mixed) in [
        (
            "en",
            "The underlying privacy policy does not say whether we link the address to your account.",
            "In other cases the underlying privacy policy does not say whether we link it.",
        ),
        (
            "de",
            "Die zugrunde liegende Datenschutzerklärung gibt nicht an, ob wir die Adresse mit Ihrem Konto verknüpfen.",
            "Für alle anderen Fälle gibt die zugrunde liegende Datenschutzerklärung nicht an, ob wir den Titel mit Ihrem Konto \
             verknüpfen.",
        ),
    ] {
        let d = disclose::build(&policy, lang, None).unwrap();
        let out = norm(&render::render(&d, Format::Text));
        assert!(out.contains(only), "{lang}: {out}");
        assert!(out.contains(mixed), "{lang}: {out}");
        assert!(!out.contains("never link") && !out.contains("nie mit Ihrem Konto"), "{lang}: {out}");
    }
    let yaml = policyc::yaml::to_yaml(&policy);
    assert!(yaml.contains("link: not stated"), "{yaml}");
}

/// `never collect DATA` is stated in every language, in words, and listed in the facts.
#[test]
fn promises_not_to_collect_are_stated() {
    let policy = common::check_path(Path::new(LANGUAGE_FIXTURE)).checked.policy.unwrap();
    for (lang, sentence) in [
        ("en", "We never collect your passwords or your payment card numbers."),
        ("de", "Wir erheben niemals Ihre Passwörter oder Ihre Kartennummern."),
    ] {
        for region in ["DE", "US-CA"] {
            let d = disclose::build(&policy, lang, Some(region)).unwrap();
            let data = d.sections.iter().find(|s| s.id == "data").unwrap();
            assert_eq!(data.after, [sentence], "{lang} {region}");
            assert_eq!(d.facts.never_collected, ["password", "card_number"]);
            // Promised, not collected: the items are in no summary row.
            assert!(d.summary.rows.iter().all(|r| !r[0].contains("assw")), "{lang} {region}");
        }
    }
    // A policy without promises says nothing about them.
    let shopping = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let d = disclose::build(&shopping, "en", Some("DE")).unwrap();
    assert!(d.sections.iter().find(|s| s.id == "data").unwrap().after.is_empty());
}

/// Processing on the device only is said apart from collection, in every language, and an aggregated item says
/// that it does not identify the reader.
#[test]
fn on_device_processing_and_aggregated_items_are_said_apart() {
    let policy = common::check_path(Path::new(LANGUAGE_FIXTURE)).checked.policy.unwrap();
    for (lang, sentence, aggregated) in [
        (
            "en",
            "On shops, it uses the domain of the page you visit on your device only, for the purpose of counting \
             visits; nothing of it is sent to us.",
            "The number of your visits (only in aggregated form, which does not identify you)",
        ),
        (
            "de",
            "Auf Shops verwendet sie die Domain der besuchten Seite nur auf Ihrem Gerät, um Besuche zu zählen; davon \
             wird nichts an uns übermittelt.",
            "Zahl Ihrer Besuche (nur in zusammengefasster Form, die keinen Rückschluss auf Sie zulässt)",
        ),
    ] {
        let d = disclose::build(&policy, lang, Some("DE")).unwrap();
        let device = d.sections.iter().find(|s| s.id == "on-device").expect("an on-device section");
        assert_eq!(device.items[0].text, [sentence], "{lang}");
        assert_eq!(d.facts.on_device, ["page_domain"]);
        // Used on the device, not collected: in no summary row, data list or fact of collected data.
        assert!(d.facts.data.iter().all(|f| f.name != "page_domain"));
        let data = d.sections.iter().find(|s| s.id == "data").unwrap();
        assert!(data.items.iter().any(|i| i.text == [aggregated]), "{lang}: {:?}", data.items);
    }
    // A policy without such rules has no such section.
    let shopping = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let d = disclose::build(&shopping, "en", Some("DE")).unwrap();
    assert!(d.sections.iter().all(|s| s.id != "on-device"));
}

#[test]
fn json_follows_the_committed_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/disclosure.schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let mut all = cases();
    let fixture = common::check_path(Path::new(LANGUAGE_FIXTURE)).checked.policy.unwrap();
    all.push(("retention".into(), fixture.clone(), Some("DE".into()), "en".into()));
    all.push(("retention".into(), fixture, Some("US-CA".into()), "de".into()));
    for (stem, policy, region, lang) in all {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&render::render(&d, Format::Json)).unwrap();
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{stem} {lang} {region:?}: {errors:#?}");
    }
    // And the schema is not vacuous: a disclosure with a wrong field fails it.
    let bad = serde_json::json!({"policy": 1});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn html_is_a_standalone_well_formed_accessible_page() {
    use quick_xml::events::Event;
    for (stem, policy, region, lang) in cases() {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        // A notice where nothing is collected has no summary table and no sections about collected data.
        let collects = !d.summary.rows.is_empty();
        let html = render::html(&d);
        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        // Addresses the policy gives (its `url`, an opt-out page) may appear as text; nothing is loaded from them.
        assert!(
            !html.contains(" src=") && !html.contains("<link") && !html.contains("url(") && !html.contains("<script"),
            "no external assets"
        );
        let mut reader = quick_xml::Reader::from_str(&html);
        let mut stack: Vec<String> = Vec::new();
        let (mut th, mut h1, mut h2) = (0, 0, 0);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    th += usize::from(name == "th");
                    h1 += usize::from(name == "h1");
                    h2 += usize::from(name == "h2");
                    stack.push(name);
                }
                Ok(Event::End(e)) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "{stem} {lang}: mismatched </{name}>");
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{stem} {lang} {region:?}: HTML does not parse: {e}"),
            }
        }
        assert!(stack.is_empty(), "unclosed elements {stack:?}");
        assert_eq!(h1, 1);
        if collects {
            assert!(h2 >= 8 && th >= 5, "{stem}: headings {h2}, header cells {th}");
        } else {
            assert!(h2 >= 3 && th == 0, "{stem}: headings {h2}, header cells {th}");
        }
    }
}

#[test]
fn every_locale_has_every_key() {
    let en = Locale::get("en").unwrap();
    let keys: Vec<&str> = en.keys().collect();
    for lang in Locale::languages() {
        let l = Locale::get(lang).unwrap();
        let theirs: Vec<&str> = l.keys().collect();
        assert_eq!(theirs, keys, "locales/{lang}.yaml has other keys than locales/en.yaml");
    }
}

#[test]
fn rendering_is_deterministic_and_never_leaves_placeholders() {
    for (_, policy, region, lang) in cases() {
        let a = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        let b = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        for f in Format::ALL {
            let out = render::render(&a, f);
            assert_eq!(out, render::render(&b, f));
            assert!(!out.contains("{data}") && !out.contains("[link_") && !out.contains("{cond}"), "{out}");
        }
    }
}

#[test]
fn german_text_addresses_the_reader_formally() {
    let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let text = render::text(&disclose::build(&policy, "de", Some("DE")).unwrap());
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphabetic()).map(|w| w.to_lowercase()).filter(|w| !w.is_empty()).collect();
    for informal in ["du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner"] {
        assert!(!words.iter().any(|w| w == informal), "informal `{informal}` in German text");
    }
    assert!(text.contains("Ihre Einwilligung") && text.contains("Widerspruch") && text.contains("Beschwerde"));
    assert!(text.contains("ä") || text.contains("ö") || text.contains("ü"), "real umlauts");
}

fn shopping_md(region: &str, lang: &str) -> String {
    let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    render::markdown(&disclose::build(&policy, lang, Some(region)).unwrap())
}

/// Issue 12: the German notice of the shopping policy names where the data is processed, the representative, the
/// processor with its transfer safeguard, profiling for advertising, and the right to object apart and first.
#[test]
fn gdpr_notice_carries_establishment_representative_transfer_profiling_and_objection() {
    let md = shopping_md("DE", "de");
    assert!(md.contains("Wir haben unseren Sitz in den Vereinigten Staaten, also außerhalb der Europäischen Union"));
    assert!(md.contains("Unser Vertreter in der Union (Art.\u{a0}27 DSGVO) ist Example Retail EU Representative GmbH"));
    assert!(md.contains("als unser Auftragsverarbeiter (Art.\u{a0}28 DSGVO)"));
    assert!(md.contains("Diese Übermittlung in ein Drittland stützt sich auf den Angemessenheitsbeschluss"));
    assert!(md.contains("Dabei findet Profiling statt"));
    let objection = md.find("## Ihr Widerspruchsrecht").expect("the right to object has a section of its own");
    let rights = md.find("## Ihre Rechte").unwrap();
    assert!(objection < rights, "the right to object comes first");
    assert!(!md[rights..].contains("Widerspruch"), "and not again among the other rights");
    assert!(md.contains("## Ob Sie die Daten bereitstellen müssen"));
}

/// Portability only where a purpose rests on consent or contract; objection only where a purpose is direct
/// marketing or rests on legitimate interests; the Art. 13(2)(e) statement in every notice, with contracts too.
#[test]
fn rights_follow_the_legal_bases() {
    let desk =
        common::check_path(Path::new("tests/fixtures/disclose/legitimate-interest.policy")).checked.policy.unwrap();
    let md = render::markdown(&disclose::build(&desk, "en", Some("GB")).unwrap());
    assert!(!md.contains("portability"), "legitimate interests only: no portability");
    assert!(md.contains("## Your right to object") && md.contains("Art.\u{a0}21(1) UK\u{a0}GDPR"));
    assert!(md.contains("Information Commissioner's Office (ICO)") && !md.contains("Art.\u{a0}77 GDPR"));
    let tracker = common::check_path(Path::new("policies/price-tracker.policy")).checked.policy.unwrap();
    let md = render::markdown(&disclose::build(&tracker, "en", Some("DE")).unwrap());
    assert!(md.contains("Right to data portability") && !md.contains("right to object"));
    assert!(md.contains("We need the address (URL) of the product page and the price shown on the page to perform"));
    for (_, policy, region, lang) in cases() {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        // Whether data must be provided is said wherever data is collected, on the pages or independently of them.
        let collects = !d.summary.rows.is_empty() || !d.facts.independent.is_empty();
        assert_eq!(d.sections.iter().any(|s| s.id == "requirement"), collects, "{} {region:?} {lang}", policy.id);
    }
}

/// Reading the pages in the browser is access to the user's device (ePrivacy Directive Art. 5(3)): where that law
/// applies the notice says what it rests on, citing the region's law, and other regions' notices say nothing of it.
#[test]
fn reading_the_pages_is_said_to_rest_on_consent_or_necessity_where_eprivacy_applies() {
    let after = |policy: &Policy, lang: &str, region: &str| -> String {
        let d = disclose::build(policy, lang, Some(region)).unwrap();
        d.sections.iter().find(|s| s.id == "purposes").unwrap().after.join(" ")
    };
    let tracker = common::check_path(Path::new("policies/price-tracker.policy")).checked.policy.unwrap();
    let de = after(&tracker, "de", "DE");
    assert!(de.starts_with("Die Daten, die wir auf Websites erheben, entnimmt die Erweiterung den aufgerufenen Seiten direkt in Ihrem Browser"), "{de}");
    assert!(de.contains("beruht der Zugriff auf Ihrer Einwilligung (§\u{a0}25 Abs.\u{a0}1 TDDDG)."), "{de}");
    // Where it is strictly necessary, the notice says that no consent is needed, and why.
    assert!(de.contains("ist der Zugriff ohne Ihre Einwilligung zulässig, weil er unbedingt erforderlich ist"), "{de}");
    assert!(de.contains("(§\u{a0}25 Abs.\u{a0}2 Nr.\u{a0}2 TDDDG): Die Funktion „Preisalarme“"), "{de}");
    let en = after(&tracker, "en", "DE");
    assert!(
        en.contains("is based on your consent (§\u{a0}25(1) of the German Telecommunications Digital Services Data Protection Act, TDDDG)")
            && en.contains("(§\u{a0}25(2) no.\u{a0}2 of the German Telecommunications Digital Services Data Protection Act, TDDDG)"),
        "{en}"
    );
    // Each sentence names its purposes, since the two rules rest on different grounds.
    assert!(en.contains("Where we collect the data for the purpose of telling you by e-mail when the price of a product whose page you opened in the last 30 days drops, this access does not require your consent"), "{en}");
    assert!(after(&tracker, "en", "US-CA").is_empty());
    let news = common::check_path(Path::new("policies/news-analytics.policy")).checked.policy.unwrap();
    let pecr = "the Privacy and Electronic Communications (EC Directive) Regulations 2003 (PECR)";
    assert_eq!(
        after(&news, "en", "GB"),
        format!(
            "The extension reads the data we collect on websites directly from the pages you open in your browser, \
             that is, on your device, and sends it to us. Accessing your device in this way is governed by separate \
             rules, in addition to the legal bases above. This access is based on your consent (regulation\u{a0}6 of, \
             and paragraph\u{a0}2 of Schedule\u{a0}A1 to, {pecr})."
        )
    );
    // The shopping assistant's German notice cites the TDDDG; its US notices say nothing of it.
    let shopping = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    assert!(after(&shopping, "de", "DE").contains("Einwilligung (§\u{a0}25 Abs.\u{a0}1 TDDDG)"));
    assert!(after(&shopping, "en", "US").is_empty() && after(&shopping, "en", "US-CA").is_empty());
    // A notice for every region cites the law of each region where it applies.
    let every = disclose::build(&shopping, "en", None).unwrap();
    let text = every.sections.iter().find(|s| s.id == "purposes").unwrap().after.join(" ");
    assert!(
        text.contains("(§\u{a0}25(1) of the German Telecommunications Digital Services Data Protection Act, TDDDG)"),
        "{text}"
    );
    // The price tracker offered in France, Italy and the United Kingdom as well: France cites its own law
    // (Art. 82 Loi Informatique et Libertés), another member state the Directive as implemented there, the United
    // Kingdom PECR, and a notice for several names each place with its rules.
    let source = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    let wider = source.replace("  regions    DE, US-CA", "  regions    DE, FR, IT, GB, US-CA").replace(
        "recipient email_provider processor in DE ",
        "recipient email_provider processor in DE safeguard adequacy ",
    );
    assert_ne!(wider, source);
    let wider = common::policy_from_text(&wider);
    let directive = "Art.\u{a0}5(3) of the ePrivacy Directive 2002/58/EC as implemented in national law";
    assert!(after(&wider, "en", "IT").contains(&format!("is based on your consent ({directive})")));
    assert!(after(&wider, "de", "IT").contains(
        "Einwilligung (Art.\u{a0}5 Abs.\u{a0}3 der ePrivacy-Richtlinie 2002/58/EG in ihrer nationalen Umsetzung)"
    ));
    let loi = "the French Data Protection Act (Loi Informatique et Libertés no.\u{a0}78-17 of 6\u{a0}January 1978)";
    let fr = after(&wider, "en", "FR");
    assert!(fr.contains(&format!("consent (Article\u{a0}82 of {loi}, which implements Art.\u{a0}5(3)")), "{fr}");
    assert!(fr.contains(&format!("(Article\u{a0}82, last paragraph, point\u{a0}2°, of {loi}):")), "{fr}");
    assert!(after(&wider, "de", "GB").contains(
        "Einwilligung (Regulation\u{a0}6 i.\u{a0}V.\u{a0}m. Schedule\u{a0}A1 Paragraph\u{a0}2 der Privacy and Electronic \
         Communications (EC Directive) Regulations 2003 (PECR))"
    ));
    let every = |lang: &str| -> String {
        let d = disclose::build(&wider, lang, None).unwrap();
        d.sections.iter().find(|s| s.id == "purposes").unwrap().after.join(" ")
    };
    let en = every("en");
    assert!(
        en.contains(&format!(
            "based on your consent (in Germany §\u{a0}25(1) of the German Telecommunications Digital Services Data \
             Protection Act, TDDDG; in France Article\u{a0}82 of {loi}, which implements Art.\u{a0}5(3) of Directive \
             2002/58/EC; in Italy {directive}; in the United Kingdom regulation\u{a0}6 of, and paragraph\u{a0}2 of \
             Schedule\u{a0}A1 to, {pecr})"
        )),
        "{en}"
    );
    assert!(every("de").contains("(in Deutschland §\u{a0}25 Abs.\u{a0}2 Nr.\u{a0}2 TDDDG; in Frankreich Art.\u{a0}82"));
    // A policy for the whole EU beside Germany speaks of the other states.
    let eu = common::policy_from_text(&source.replace("  regions    DE, US-CA", "  regions    DE, EU, US-CA"));
    let d = disclose::build(&eu, "en", None).unwrap();
    let text = d.sections.iter().find(|s| s.id == "purposes").unwrap().after.join(" ");
    assert!(text.contains(&format!("; in the other EU and EEA states {directive})")), "{text}");
}

/// A notice for every region follows one framework: the GDPR parts are said to hold where the GDPR applies, and
/// users under another law (the UK GDPR, the CCPA) are sent to the notice for their region, which says what
/// differs for them.
#[test]
fn a_notice_for_every_region_says_where_its_law_holds() {
    let source = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    let wider =
        common::policy_from_text(&source.replace("  regions    DE, US-CA", "  regions    DE, FR, GB, US-CA").replace(
            "recipient email_provider processor in DE ",
            "recipient email_provider processor in DE safeguard adequacy ",
        ));
    let md = render::markdown(&disclose::build(&wider, "en", None).unwrap());
    assert!(md.contains("The parts that refer to the GDPR apply to users in Germany and in France."), "{md}");
    assert!(
        md.contains("Other law applies to users in the United Kingdom and in California: the notice for their region says what differs for them."),
        "{md}"
    );
    let md = render::markdown(&disclose::build(&wider, "de", None).unwrap());
    assert!(
        md.contains("Für Nutzerinnen und Nutzer im Vereinigten Königreich und in Kalifornien gilt anderes Recht"),
        "{md}"
    );
    // A notice for one region, or for regions under one law, says nothing of it.
    let md = render::markdown(&disclose::build(&wider, "en", Some("GB")).unwrap());
    assert!(!md.contains("Other law applies"));
}

/// US notices speak US law: no "controller", no "legal basis", no GDPR; California gets the notice at collection,
/// the consumer rights and the incentive notice with value and method.
#[test]
fn us_notices_use_us_terms_and_california_gets_the_ccpa_notices() {
    for region in ["US", "US-CA"] {
        let md = shopping_md(region, "en").to_lowercase();
        for word in ["controller", "legal basis", "gdpr"] {
            assert!(!md.contains(word), "{region}: `{word}`");
        }
    }
    let md = shopping_md("US-CA", "en");
    let notice = md.find("## Notice at collection for California residents").unwrap();
    assert!(notice < md.find("## Who is responsible").unwrap(), "the notice at collection comes first");
    assert!(md.contains("**Internet or other electronic network activity information**"));
    assert!(md.contains("We do not sell this information or share it for cross-context behavioral advertising."));
    assert!(md.contains("Right to opt out of sale or sharing") && md.contains("Right to non-discrimination"));
    assert!(md.contains("**Value of your data**") && md.contains("**How we calculated the value**"));
    // The US incentive applies in California, a region inside the US.
    assert!(md.contains("A US$10 credit"));
    assert!(!shopping_md("DE", "en").contains("Notice at collection"));
}

/// Regions have names (`CA` is Canada), and a policy may name another controller for some regions.
#[test]
fn regions_have_names_and_their_own_controller() {
    let text = r#"
policy p {
  name "P" controller "P Inc., Toronto" contact "p@p.test" version "1" languages en, de
  controller region GB "P UK Ltd, London"
  established CA
  regions CA, GB
}
data d "the page address"
purpose s basis consent profiling no decisions none "counting visits"
sites x "shops" { shop.example }
collect d on x for s keep 1 day
"#;
    let policy = common::policy_from_text(text);
    let ca = render::markdown(&disclose::build(&policy, "en", Some("CA")).unwrap());
    assert!(ca.contains("This notice applies to users in Canada."), "{ca}");
    assert!(ca.contains("is P Inc., Toronto."));
    let gb = render::markdown(&disclose::build(&policy, "en", Some("GB")).unwrap());
    assert!(gb.contains("is P UK Ltd, London.") && !gb.contains("P Inc."), "{gb}");
    let de = render::markdown(&disclose::build(&policy, "de", Some("CA")).unwrap());
    assert!(de.contains("in Kanada"), "{de}");
}

/// Issue 18: no notice says more than the policy. No policy says where collected data is stored, so no notice
/// says it is "stored separately"; linkage is decided at collection, which the German must not blur with "nur so
/// lange ... wie"; and withdrawing consent never names a switch that also gates a contract.
#[test]
fn notices_say_no_more_than_the_policy() {
    for (stem, policy, region, lang) in cases() {
        let md = render::markdown(&disclose::build(&policy, &lang, region.as_deref()).unwrap());
        let at = format!("{stem} {region:?} {lang}");
        assert!(!md.contains("stored separately") && !md.contains("getrennt von Ihrem Konto"), "{at}");
        assert!(!md.contains("nur so lange"), "{at}");
    }
    let tracker = common::check_path(Path::new("policies/price-tracker.policy")).checked.policy.unwrap();
    for lang in ["en", "de"] {
        let d = disclose::build(&tracker, lang, Some("DE")).unwrap();
        let rights = d.sections.iter().find(|s| s.id == "rights").unwrap();
        let withdraw = rights.after.iter().find(|p| p.contains("Art.\u{a0}7")).unwrap();
        // `price_alerts` gates the contract purpose `alerts`: switching it off is no withdrawal of consent.
        assert!(!withdraw.contains("Price-drop alerts") && !withdraw.contains("Preisalarme"), "{withdraw}");
        assert!(withdraw.contains("Price history") || withdraw.contains("Preisverlauf"), "{withdraw}");
    }
}

/// The notice of financial incentive names what the data given in exchange is used for, also when it comes from
/// a source rather than the pages; and should no purpose be found (the checker refuses an offer for data no rule
/// collects, E0036, but an IR can still say so), it leaves the purposes out rather than printing an empty list.
#[test]
fn an_incentive_names_its_purposes_and_never_an_empty_list() {
    let text = std::fs::read_to_string("tests/fixtures/disclose/independent.policy").unwrap()
        + "incentive credit region US en \"a US$5 credit\" de \"ein Guthaben von 5 US-Dollar\" in exchange for \
           purchases value \"US$3 per user and year\" method \"revenue per user\" opt in \"accept the offer\" \
           withdraw \"write to us\" reward stays\n";
    let mut policy = common::policy_from_text(&text);
    for region in [Some("US"), None] {
        let txt = render::render(&disclose::build(&policy, "en", region).unwrap(), Format::Text);
        let txt = norm(&txt);
        assert!(
            txt.contains("In exchange, we collect the purchases made through our links and use this data for crediting your cash back;"),
            "{region:?}: {txt}"
        );
    }
    // An item no rule collects: nothing to name it is used for.
    policy.incentives[0].data = vec!["password".to_string()];
    for (lang, offer, terms) in [
        (
            "en",
            "In exchange, you allow us to collect your passwords; see",
            "In exchange, you allow us to collect your passwords as described in this notice.",
        ),
        (
            "de",
            "Im Gegenzug erlauben Sie uns, Ihre Passwörter zu erheben; siehe",
            "Im Gegenzug erlauben Sie uns, Ihre Passwörter wie in diesen Hinweisen beschrieben zu erheben.",
        ),
    ] {
        let txt = norm(&render::render(&disclose::build(&policy, lang, Some("US")).unwrap(), Format::Text));
        assert!(txt.contains(offer) && txt.contains(terms), "{lang}: {txt}");
        assert!(
            !txt.contains(" for ;") && !txt.contains("um ;") && !txt.contains("for .") && !txt.contains("um ."),
            "{txt}"
        );
    }
}

/// Issue 18: "for example" introduces only lists that go on; a complete list is introduced as complete.
#[test]
fn complete_site_lists_are_not_called_examples() {
    let en = shopping_md("US", "en");
    assert!(en.contains("3 sections of websites, namely walmart.com/ip/, target.com/p/, bestbuy.com/site/."), "{en}");
    assert!(
        en.contains(
            "36,925 websites and 1 group of websites, for example target.com, bestbuy.com, ebay.\\*, bücher.de."
        ),
        "{en}"
    );
    assert!(shopping_md("DE", "de").contains("Drei Bereiche von Websites, nämlich walmart.com/ip/"));
}

/// A policy with two rules for one item that link it differently, one of them scoped to a region, an offer
/// for another region, and a category whose list holds a site a `never` rule blocks, a subdomain of a listed
/// domain and a path pattern under every domain ending.
const MIXED: &str = r#"
policy p {
  name "P" controller "P Inc." contact "p@p.test" version "2019-07-01" languages en, de
  regions US, DE
  established DE
}
signal signed_in en "you are signed in" de "Sie angemeldet sind"
data page_url en "the page address" de "die Adresse der Seite" label en "Page address" de "Adresse der Seite"
purpose recommend basis consent profiling no decisions none
  en "showing you matching products" de "Ihnen passende Produkte zu zeigen"
purpose ads basis consent profiling no decisions none
  en "tailoring advertising to you" de "Werbung auf Sie zuzuschneiden"
sites retail en "shops" de "Shops" { walmart.com  target.com  shop.target.com  amazon.*/dp/  chase.com }
sites banks en "banks" de "Banken" { chase.com }
never collect on banks
collect page_url on retail for recommend keep 1 year link to account never
collect page_url on retail for ads keep 2 weeks link to account when signed_in region DE
incentive credit region US en "a credit" de "ein Guthaben" in exchange for page_url value "1 USD" method "m"
  opt in "o" withdraw "w"
"#;

/// Issue 18: when one rule links an item and another does not, the notice says in which cases it is linked
/// (the matcher links an item when any rule collecting it links it) instead of "never; only while you are
/// signed in", and the linkage section does not say "never" and "only if" about the same item.
#[test]
fn mixed_linkage_names_the_cases_that_link_and_does_not_contradict_itself() {
    let policy = common::policy_from_text(MIXED);
    for (lang, never, case) in [
        (
            "en",
            "We never link",
            "only when collected on shops for tailoring advertising to you, if at that moment you are signed in",
        ),
        (
            "de",
            "Wir verknüpfen die Adresse der Seite niemals",
            "nur bei einer Erhebung auf Shops zu dem Zweck, Werbung auf Sie zuzuschneiden, sofern zum Zeitpunkt der \
             Erhebung Sie angemeldet sind",
        ),
    ] {
        let d = disclose::build(&policy, lang, Some("DE")).unwrap();
        let cell = &d.summary.rows[0][2];
        assert!(cell.starts_with(case), "{lang}: {cell}");
        assert!(!cell.contains("never;") && !cell.contains("nie;"), "{lang}: {cell}");
        let linkage = d.sections.iter().find(|s| s.id == "linkage").unwrap();
        let text = linkage.items[0].text.join(" ");
        assert_eq!(linkage.items[0].text.len(), 1, "{lang}: one statement per item, not one per rule");
        assert!(!text.contains(never), "{lang}: {text}");
    }
    // The cases are exactly when the matcher links: in Germany, signed in.
    let en = disclose::build(&policy, "en", Some("DE")).unwrap();
    assert!(en.sections.iter().find(|s| s.id == "linkage").unwrap().items[0].text[0]
        .starts_with("We link the page address to your account only when collected on shops for tailoring"));
    // In the US only the rule that never links applies: the item is never linked there.
    let us = disclose::build(&policy, "en", Some("US")).unwrap();
    assert_eq!(us.summary.rows[0][2], "never");
    // And that is what the reference interpreter does: linked in Germany when signed in, and only then.
    let interp = policyc::interp::Interpreter::new(&policy);
    let linked = |with: &[&str], region: &str| {
        let with: Vec<String> = with.iter().map(|s| s.to_string()).collect();
        let settings = policyc::report::Settings::from_expect(&with, Some(region));
        interp.decide("https://www.walmart.com/", &settings).unwrap().linked
    };
    assert_eq!(linked(&["signed_in"], "DE"), ["page_url"]);
    assert!(linked(&[], "DE").is_empty() && linked(&["signed_in"], "US").is_empty());
}

/// Issue 18: a notice rendered without `--region` names the regions it covers, and says of each region-scoped
/// part (a rule, an offer) for whom it holds, instead of "applies to users in every region".
#[test]
fn a_notice_for_every_region_says_which_regions_each_part_applies_to() {
    let policy = common::policy_from_text(MIXED);
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(!en.contains("every region"), "{en}");
    assert!(en.contains("This notice covers users in the United States and in Germany."), "{en}");
    assert!(en.contains("The parts that refer to the GDPR apply to users in Germany."), "{en}");
    // Two rules collect there; each sentence names its purpose, so that the two do not read as one repeated.
    assert!(
        en.contains("There we collect the page address for the purpose of showing you matching products.  \n"),
        "{en}"
    );
    assert!(
        en.contains("There we collect the page address for the purpose of tailoring advertising to you (only for users in Germany)."),
        "{en}"
    );
    assert!(en.contains("This offer applies only to users in the United States."), "{en}");
    // What the offer's data is used for counts only the rules that hold where the offer does.
    assert!(en.contains("use this data for showing you matching products; see"), "{en}");
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(!de.contains("allen Regionen"), "{de}");
    assert!(
        de.contains(
            "Dort erheben wir die Adresse der Seite, um Werbung auf Sie zuzuschneiden (nur für Nutzerinnen und Nutzer in Deutschland)."
        ),
        "{de}"
    );
    // A policy without regions applies to everyone, and says so plainly.
    let plain = common::policy_from_text(
        "policy q { name \"Q\" controller \"Q\" contact \"q@q.test\" version \"1\" languages en }\n\
         data d \"the page address\"\npurpose s basis consent \"counting visits\"\nsites x \"shops\" { shop.example }\n\
         collect d on x for s keep 1 day\n",
    );
    let md = render::markdown(&disclose::build(&plain, "en", None).unwrap());
    assert!(md.contains("This notice applies to all users."), "{md}");
}

/// Issue 18: a site count leaves out entries a `never` rule blocks and entries another entry already covers,
/// and counts as websites only entries that are one whole website each.
#[test]
fn site_counts_leave_out_blocked_and_covered_entries() {
    let policy = common::policy_from_text(MIXED);
    let d = disclose::build(&policy, "en", Some("DE")).unwrap();
    let retail = &d.facts.collected_on[0];
    // walmart.com, target.com (covering shop.target.com) and amazon.*/dp/; chase.com is a bank, never collected.
    assert_eq!(retail.count, 3);
    let md = render::markdown(&d);
    assert!(
        md.contains("2 websites and 1 section of websites, namely walmart.com, target.com, amazon.\\*/dp/."),
        "{md}"
    );
    let appendix = &d.appendix.as_ref().unwrap().categories[0];
    assert!(
        !appendix.sites.contains(&"chase.com".to_string()) && !appendix.sites.contains(&"shop.target.com".to_string())
    );
    // The shopping policy's published list leaves out the shops the bank and pharmacy lists block.
    let shopping = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let files = disclose::site_list_files(&shopping);
    let (_, retail) = files.iter().find(|(n, _)| n.ends_with(".retail.sites.txt")).unwrap();
    let lines: Vec<&str> = retail.lines().collect();
    assert!(!lines.contains(&"walgreens.com") && lines.contains(&"target.com"));
    let d = disclose::build(&shopping, "en", Some("US")).unwrap();
    assert_eq!(d.facts.collected_on[0].count, lines.len(), "the count is the published list's length");
}

/// Issue 18: German headings and table cells are in the nominative, purposes in tables are nouns, the version
/// is a date as Germans write it, small numbers are words, and the offer is named in plain words up front.
#[test]
fn german_reads_as_german() {
    for (stem, policy, region, lang) in cases().into_iter().filter(|c| c.3 == "de") {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        let at = format!("{stem} {region:?}");
        let titles = d
            .summary
            .rows
            .iter()
            .flat_map(|r| [&r[0], &r[3]])
            .chain(d.sections.iter().flat_map(|s| s.items.iter().filter_map(|i| i.title.as_ref())));
        for t in titles {
            for acc in ["Den ", "Dem ", "Einen ", "Um ", "Ihnen "] {
                assert!(!t.starts_with(acc) && !t.contains(&format!("; {acc}")), "{at}: `{t}` is not a heading");
            }
        }
        let md = render::markdown(&d);
        assert!(!md.contains("Germany") && !md.contains("zwischen dem 1. und 14."), "{at}");
    }
    let md = shopping_md("DE", "de");
    assert!(
        md.contains("| Titel der Seite |")
            && md.contains("| Anzeige passender Produkte; Personalisierung der Werbung |")
    );
    assert!(md.contains("Stand: Juli 2019.") && !md.contains("2019-07"));
    assert!(md.contains("vom 1. bis 14. Juli 2019"));
    let offer = md.find("Unser Angebot: 10 € Rabatt").expect("the offer is summarised");
    assert!(offer < md.find("## Verantwortlicher").unwrap(), "the offer comes before the notice");
    assert!(md.contains("## Ein Angebot im Gegenzug für Ihre Daten"));
    assert!(
        md.contains("erheben und verwenden wir die Adresse (URL) der besuchten Seite und den Titel der Seite, um Ihnen passende Produkte zu zeigen und Werbung auf Sie zuzuschneiden")
    );
    let tracker = common::check_path(Path::new("policies/price-tracker.policy")).checked.policy.unwrap();
    let md = render::markdown(&disclose::build(&tracker, "de", Some("DE")).unwrap());
    assert!(md.contains("spätestens ein Jahr nach der Erhebung"), "{md}");
    // The table gives each retention with the purpose it is for, not only the longest as a bound.
    assert!(md.contains("| ein Jahr (Preisverlauf); 30 Tage (Preisalarme) |"), "{md}");
    assert!(md.contains("Version 3.1.") && md.contains("| Auf der Seite angezeigter Preis |"), "{md}");
}

/// Issue 18: the HTML links contacts with `mailto:` and the published site lists, and labels each table cell
/// with its column for the phone layout (checked in Chromium by tests/html).
#[test]
fn html_links_contacts_and_site_lists() {
    let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let html = render::html(&disclose::build(&policy, "en", Some("US-CA")).unwrap());
    assert!(html.contains("<a href=\"mailto:privacy@example.com\">privacy@example.com</a>."), "{html}");
    assert!(html.contains(
        "<a href=\"shopping-assistant.retail.sites.txt\"><code>shopping-assistant.retail.sites.txt</code></a>"
    ));
    assert!(html.contains("<a href=\"https://www.example.com/privacy\">https://www.example.com/privacy</a>."));
    assert!(html.contains("<td data-label=\"Linked to your account\">"));
    let offer = html.find("<p class=\"offer\">").expect("the offer is summarised at the top");
    assert!(offer < html.find("<table>").unwrap());
}

/// A policy for the notices of issue 17's defects: one rule, for the US only; `FEATURE` marks where a feature goes.
const US_ONLY: &str =
    "policy p {\n  name \"P\"\n  controller \"C Inc., 1 Street, Springfield\"\n  contact \"c@p.test\"\n\
    version \"1\"\n  languages en, de\n  regions US, JP\n}\nFEATURE\
    data d en \"the page address\" de \"die Seitenadresse\"\n\
    purpose u basis contract en \"showing prices\" de \"Preise anzeigen\"\n\
    sites s en \"shops\" de \"Shops\" { example.com }\n\
    collect d on s for u keep 1 days region US\n";

/// Issue 17: a notice for a region where no rule applies says plainly that nothing is collected there, instead
/// of introducing empty lists ("we collect:", "and on no others:") and an empty summary table.
#[test]
fn a_notice_where_no_rule_applies_says_nothing_is_collected() {
    let policy = common::policy_from_text(&US_ONLY.replace("FEATURE", ""));
    for (lang, says, intro, others) in [
        ("en", "We collect no data at all", "we collect the following data:", "on no others:"),
        ("de", "Wir erheben keinerlei Daten", "erheben wir folgende Daten:", "auf keinen anderen:"),
    ] {
        let d = disclose::build(&policy, lang, Some("JP")).unwrap();
        for format in [Format::Markdown, Format::Text, Format::Html] {
            let out = render::render(&d, format);
            assert!(out.contains(says), "{lang} {format:?}: {out}");
            assert!(!out.contains(intro) && !out.contains(others), "{lang} {format:?}: {out}");
            assert!(!out.contains("| --- |") && !out.contains("---|") && !out.contains("<table>"), "{out}");
        }
        // Where the rule applies, the notice is as before.
        let us = render::markdown(&disclose::build(&policy, lang, Some("US")).unwrap());
        assert!(us.contains(intro) && us.contains(others) && !us.contains(says), "{us}");
    }
}

/// Issue 17: the data section points to "the settings below" only when the notice has a settings section, and
/// the duty to provide names "the features above" only then.
#[test]
fn settings_are_named_only_when_the_notice_has_them() {
    let without = common::policy_from_text(&US_ONLY.replace("FEATURE", ""));
    let with = common::policy_from_text(
        &US_ONLY
            .replace("FEATURE", "feature f default on en \"Prices\" de \"Preise\"\n")
            .replace("for u keep", "when f for u keep"),
    );
    for (lang, settings, features) in
        [("en", "the settings below", "features above"), ("de", "Ihren Einstellungen", "oben genannten Funktionen")]
    {
        let md = render::markdown(&disclose::build(&without, lang, Some("US")).unwrap());
        assert!(!md.contains(settings) && !md.contains(features), "{lang}: {md}");
        let md = render::markdown(&disclose::build(&with, lang, Some("US")).unwrap());
        assert!(md.contains(settings) && md.contains(features), "{lang}: {md}");
    }
}

/// Issue 17: two rules collecting the same item on the same sites under different conditions say how they
/// differ, instead of one sentence twice ("For shops: ..." and "For shops: ...", or two retention sentences that
/// differ only in the period).
#[test]
fn rules_that_differ_only_in_their_condition_say_so() {
    let policy = common::policy_from_text(
        "policy p { name \"P\" controller \"C Inc., 1 Street, Springfield\" contact \"c@p.test\" version \"1\" \
         languages en, de }\n\
         signal signed_in en \"you are signed in\" de \"Sie angemeldet sind\"\n\
         feature compare default on en \"Price comparison\" de \"Preisvergleich\"\n\
         data d en \"the page address\" de \"die Seitenadresse\"\n\
         purpose u basis contract en \"showing prices\" de \"Preise anzuzeigen\"\n\
         sites s en \"shops\" de \"Shops\" { example.com }\n\
         collect d on s when compare for u keep 30 days link to account when signed_in\n\
         collect d on s when signed_in for u keep 90 days link to account always\n",
    );
    for (lang, compare, signed_in) in [
        ("en", "while the “Price comparison” feature is switched on", "while you are signed in"),
        ("de", "während die Funktion „Preisvergleich“ eingeschaltet ist", "während Sie angemeldet sind"),
    ] {
        let d = disclose::build(&policy, lang, None).unwrap();
        let texts = |id: &str| -> Vec<String> {
            d.sections.iter().find(|s| s.id == id).unwrap().items.iter().flat_map(|i| i.text.clone()).collect()
        };
        let t = texts("retention");
        // The two periods, and (both rules can collect on the same page at once) that the longest applies.
        assert_eq!(t.len(), 3, "{lang} retention: {t:#?}");
        assert!(t[0].contains(compare) && t[1].contains(signed_in), "{lang} retention: {t:#?}");
        // Linkage is one sentence naming every case that links (the mixed-linkage wording of issue 18); each case
        // names the condition under which its rule collects.
        let t = texts("linkage");
        assert_eq!(t.len(), 1, "{lang} linkage: {t:#?}");
        let compare_at = t[0].find(compare).unwrap_or_else(|| panic!("{lang}: {t:#?}"));
        assert!(t[0][compare_at + compare.len()..].contains(signed_in), "{lang} linkage: {t:#?}");
    }
}

/// A recipient on its own account is said to be one, in every language: under the GDPR as a controller in its own
/// right, elsewhere plainly.
#[test]
fn a_recipient_using_data_for_its_own_purposes_is_said_so() {
    let text = std::fs::read_to_string("tests/fixtures/syntax/valid/promises.policy")
        .unwrap()
        .replace("never disclose\n", "")
        .replace("recipient host processor", "recipient host own purposes");
    let policy = common::policy_from_text(&text);
    for (lang, region, sentence) in [
        (
            "en",
            "DE",
            "This recipient uses the data for its own purposes and under its own privacy policy, as a controller in \
             its own right (Art.\u{a0}4(7) GDPR).",
        ),
        (
            "de",
            "DE",
            "Dieser Empfänger verarbeitet die Daten als eigenständiger Verantwortlicher (Art.\u{a0}4 Nr.\u{a0}7 DSGVO) für eigene \
             Zwecke und nach seiner eigenen Datenschutzerklärung.",
        ),
        ("en", "US-CA", "This recipient uses the data for its own purposes and under its own privacy policy."),
        (
            "de",
            "US-CA",
            "Dieser Empfänger verarbeitet die Daten für eigene Zwecke und nach seiner eigenen Datenschutzerklärung.",
        ),
    ] {
        let d = disclose::build(&policy, lang, Some(region)).unwrap();
        let recipients = d.sections.iter().find(|s| s.id == "recipients").unwrap();
        assert_eq!(recipients.items[0].text[1], sentence, "{lang} {region}");
        // Nothing of a processor is said of it.
        assert!(recipients.items[0].text.iter().all(|t| !t.contains("on our behalf") && !t.contains("Auftrag")));
    }
}

/// `never sell`, `never share` and `never disclose` are stated after the recipients in every language and region,
/// agree with the notice at collection (which says per category that nothing is sold or shared, and offers no
/// opt-out), and are listed in the facts.
#[test]
fn promises_about_recipients_are_stated_and_agree_with_the_notice_at_collection() {
    let policy = common::check_path(Path::new("tests/fixtures/syntax/valid/promises.policy")).checked.policy.unwrap();
    assert_eq!(policy.promises, [ir::Promise::NeverSell, ir::Promise::NeverShare, ir::Promise::NeverDisclose]);
    for (lang, promises, not_sold) in [
        (
            "en",
            [
                "We never sell your data or share it for cross-context behavioral advertising.",
                "We never disclose your data to third parties. The recipients named above receive it only to process it \
                 on our behalf and on our instructions.",
            ],
            "We do not sell this information or share it for cross-context behavioral advertising.",
        ),
        (
            "de",
            [
                "Wir verkaufen Ihre Daten niemals und geben sie niemals für kontextübergreifende verhaltensbezogene \
                 Werbung weiter.",
                "Wir geben Ihre Daten niemals an Dritte weiter. Die oben genannten Empfänger erhalten sie \
                 ausschließlich, um sie in unserem Auftrag und nach unseren Weisungen zu verarbeiten.",
            ],
            "Wir verkaufen diese Informationen nicht und geben sie nicht für kontextübergreifende verhaltensbezogene \
             Werbung weiter.",
        ),
    ] {
        for region in ["DE", "US-CA"] {
            let d = disclose::build(&policy, lang, Some(region)).unwrap();
            let recipients = d.sections.iter().find(|s| s.id == "recipients").unwrap();
            assert_eq!(recipients.after, promises, "{lang} {region}");
            assert_eq!(d.facts.promises, [ir::Promise::NeverSell, ir::Promise::NeverShare, ir::Promise::NeverDisclose]);
        }
        let d = disclose::build(&policy, lang, Some("US-CA")).unwrap();
        let notice = d.sections.iter().find(|s| s.id == "notice-at-collection").unwrap();
        assert!(notice.items.iter().all(|i| i.text.contains(&not_sold.to_string())), "{:?}", notice.items);
        assert!(notice.after.iter().all(|a| !a.contains("Do Not Sell")), "{:?}", notice.after);
    }
    // Only one promise, without recipients: said once, without pointing to recipients above.
    let one = common::policy_from_text(
        &std::fs::read_to_string("tests/fixtures/syntax/valid/promises.policy")
            .unwrap()
            .replace("never sell or share\n", "")
            .replace(" shared with host", ""),
    );
    let d = disclose::build(&one, "en", Some("DE")).unwrap();
    let recipients = d.sections.iter().find(|s| s.id == "recipients").unwrap();
    assert_eq!(recipients.after, ["We never disclose your data to third parties."]);
    // A policy without promises says nothing about them.
    let shopping = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let d = disclose::build(&shopping, "en", Some("DE")).unwrap();
    assert!(d.sections.iter().find(|s| s.id == "recipients").unwrap().after.is_empty());
}

/// The Markdown read back as a renderer reads it (CommonMark with tables): no text of a policy turns into
/// markup, so there is no raw HTML and no emphasis (`**` titles are the only markup the layout writes), and
/// every paragraph reads exactly as the model says it, `ebay.*` and all.
fn markdown_reads_as_written(md: &str, paragraphs: &[String]) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut text = String::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML `{h}` in\n{md}"),
            Event::Start(Tag::Emphasis) => panic!("emphasis in\n{md}"),
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    for p in paragraphs {
        assert!(text.contains(&p.replace('`', "")), "`{p}` does not read as written in\n{md}");
    }
}

#[test]
fn markdown_disclosures_read_as_their_texts() {
    for (_, policy, region, lang) in cases() {
        let d = disclose::build(&policy, &lang, region.as_deref()).unwrap();
        let paragraphs: Vec<String> = d.sections.iter().flat_map(|s| s.paragraphs.iter().cloned()).collect();
        markdown_reads_as_written(&render::markdown(&d), &paragraphs);
    }
    // Texts that look like markup stay text: a script tag, underscores, asterisks, brackets.
    let hostile = "data note \"<script>alert(1)</script> _x_ *y* [z](https://e.test) # w\"";
    let text = MIXED.replacen("data ", &format!("{hostile}\ndata "), 1).replacen(
        "collect page_url",
        "collect note on retail for recommend keep 30 days\ncollect page_url",
        1,
    );
    let d = disclose::build(&common::policy_from_text(&text), "en", Some("DE")).unwrap();
    let md = render::markdown(&d);
    assert!(md.contains("\\<script\\>"), "{md}");
    markdown_reads_as_written(&md, &["<script>alert(1)</script> _x_ *y* [z](https://e.test) # w".into()]);
}

/// `never` rules for some regions: one on a category a rule collects on, one on a category that covers every
/// site of another collected category, and rules of their own for some regions.
const REGIONAL_NEVER: &str = r#"
policy p {
  name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en
  regions EU, DE, US
  established DE
}
signal signed_in "you are signed in"
data url "the address of the page"
data title "the title of the page"
purpose rec basis consent profiling no decisions none "recommending things"
purpose stats basis consent profiling no decisions none "counting visits"
sites shops "shops" { shop.example }
sites news "news" { news.example }
sites outlets "outlet shops" { outlet.example }
sites sensitive "sensitive sites" { outlet.example  clinic.example }
collect url on shops, outlets for rec keep 30 days region EU
collect title on shops for stats keep 40 days region DE link to account when signed_in
collect url on news for stats keep 1 year
never collect on shops region US
never collect on news region EU
never collect on sensitive region DE
"#;

/// A notice for a region says an item is collected on a category, and for a purpose, exactly where the
/// reference interpreter collects it there in that region under some setting: a `never` rule scoped to the
/// region takes the collection it blocks out of every part of the notice, as it does out of the matcher.
#[test]
fn a_regional_notice_says_what_is_collected_there_no_more_and_no_less() {
    use std::collections::BTreeSet;
    let policy = common::policy_from_text(REGIONAL_NEVER);
    let interp = policyc::interp::Interpreter::new(&policy);
    for region in ["EU", "DE", "US"] {
        let mut said = BTreeSet::new();
        let d = disclose::build(&policy, "en", Some(region)).unwrap();
        for fact in &d.facts.data {
            said.extend(fact.sites.iter().map(|s| (fact.name.clone(), s.clone())));
            said.extend(fact.purposes.iter().map(|p| (fact.name.clone(), format!("for {p}"))));
        }
        let mut done = BTreeSet::new();
        for c in &policy.sites {
            let host = match &c.patterns[0].host {
                policyc::pattern::HostPattern::Domain(h) | policyc::pattern::HostPattern::Exact(h) => h.clone(),
                other => panic!("{other:?}"),
            };
            for with in [vec![], vec!["signed_in".to_string()]] {
                let settings = policyc::report::Settings::from_expect(&with, Some(region));
                let (report, items) = interp.decide_items(&format!("https://{host}/"), &settings).unwrap();
                for item in items {
                    // The URL decides for every category holding its host; name each of them.
                    done.extend(report.sites.iter().filter(|s| **s == c.name).map(|s| (item.data.clone(), s.clone())));
                    done.extend(item.purposes.iter().map(|p| (item.data.clone(), format!("for {p}"))));
                }
            }
        }
        assert_eq!(said, done, "{region}: what the notice says is collected against what is");
        // The words agree with the facts: a blocked category is never named where the notice says what it
        // collects.
        let md = render::markdown(&d);
        let where_ = md.split("## Where we collect it").nth(1).unwrap().split("\n## ").next().unwrap();
        for (name, title) in [("news", "News"), ("outlets", "Outlet shops"), ("shops", "Shops")] {
            let collected = done.iter().any(|(_, s)| s == name);
            assert_eq!(where_.contains(&format!("**{title}**")), collected, "{region}: {title} in {where_}");
        }
    }
}

/// A switch that a rule reads without requiring it (`when f2 or active`, `when not quiet`) changes what is
/// collected in some states: the notice says under which condition, never that switching it changes nothing.
#[test]
fn a_switch_read_in_or_or_not_is_said_with_its_condition() {
    let policy = common::policy_from_text(
        r#"
policy p { name "P" controller "P Inc." contact "p@p.test" version "1" languages en, de }
signal active en "the tool is active" de "das Werkzeug aktiv ist"
feature f2 default on en "Feature two" de "Funktion zwei"
feature quiet default off en "Quiet mode" de "Ruhemodus"
data url en "the address of the page" de "die Adresse der Seite"
data title en "the title of the page" de "den Titel der Seite"
purpose rec basis consent en "recommending things" de "Dinge zu empfehlen"
sites shops en "shops" de "Shops" { shop.example }
collect url on shops when f2 or active for rec keep 30 days
collect title on shops when not quiet for rec keep 30 days
"#,
    );
    let collects = |with: &[&str]| common::collects(&policy, "https://shop.example/", with);
    // The matcher: `f2` off stops the address unless the tool is active; `quiet` on stops the title.
    assert_eq!(collects(&["not f2"]), ["title"]);
    assert_eq!(collects(&["not f2", "active"]), ["url", "title"]);
    assert_eq!(collects(&["quiet"]), ["url"]);
    for (lang, nothing, f2, quiet) in [
        (
            "en",
            "does not change what we collect",
            "For shops: Whether we collect the address of the page for the purpose of recommending things also \
             depends on the “Feature two” feature: we do so only while the “Feature two” feature is switched on or \
             the tool is active.",
            "For shops: Whether we collect the title of the page for the purpose of recommending things also depends \
             on the “Quiet mode” feature: we do so only while the “Quiet mode” feature is switched off.",
        ),
        (
            "de",
            "ändert das nichts",
            "Auf Shops: Ob wir die Adresse der Seite erheben, um Dinge zu empfehlen, hängt auch davon ab, wie die \
             Funktion „Funktion zwei“ eingestellt ist; zu diesem Zweck tun wir das nur, solange die Funktion \
             „Funktion zwei“ eingeschaltet ist oder das Werkzeug aktiv ist.",
            "Auf Shops: Ob wir den Titel der Seite erheben, um Dinge zu empfehlen, hängt auch davon ab, wie die \
             Funktion „Ruhemodus“ eingestellt ist; zu diesem Zweck tun wir das nur, solange die Funktion \
             „Ruhemodus“ ausgeschaltet ist.",
        ),
    ] {
        let d = disclose::build(&policy, lang, None).unwrap();
        let features = d.sections.iter().find(|s| s.id == "features").unwrap_or_else(|| panic!("{d:#?}"));
        let text: Vec<&String> = features.items.iter().flat_map(|i| &i.text).collect();
        assert!(!text.iter().any(|t| t.contains(nothing)), "{lang}: {text:#?}");
        assert!(text.iter().any(|t| *t == f2), "{lang}: {text:#?}");
        assert!(text.iter().any(|t| *t == quiet), "{lang}: {text:#?}");
    }
}

/// Features that a condition requires together are named together, once per state: "the “A” and “B” features are
/// switched on", not "the “A” feature is switched on and the “B” feature is switched on".
#[test]
fn features_required_together_are_named_together() {
    let policy = common::policy_from_text(
        "policy q { name \"Q\" controller \"Q\" contact \"q@q.test\" version \"1\" languages en, de }\n\
         signal signed_in en \"you are signed in\" de \"Sie angemeldet sind\"\n\
         feature a default on en \"Alerts\" de \"Alarme\"\nfeature b default on en \"History\" de \"Verlauf\"\n\
         feature c default off en \"Sharing\" de \"Teilen\"\nfeature d default off en \"Export\" de \"Export\"\n\
         data p en \"the page address\" de \"die Adresse der Seite\"\n\
         purpose s basis consent en \"counting visits\" de \"Besuche zu zählen\"\n\
         sites x en \"shops\" de \"Shops\" { shop.example }\n\
         collect p on x when a and signed_in and b and not c and not d for s keep 1 day\n",
    );
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        en.contains(
            "While the “Alerts” and “History” features are switched on, you are signed in and the \
             “Sharing” and “Export” features are switched off, we collect there the page address."
        ),
        "{en}"
    );
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(
        de.contains(
            "Solange die Funktionen „Alarme“ und „Verlauf“ eingeschaltet sind, Sie angemeldet sind \
             und die Funktionen „Teilen“ und „Export“ ausgeschaltet sind, erheben wir dort die Adresse der Seite."
        ),
        "{de}"
    );
}

/// A recipient that receives items for different purposes is told per group of items: no item is said to go to
/// it for a purpose the item is not collected for (the shopping policy's prices serve recommendations only).
#[test]
fn a_recipient_sentence_gives_each_item_only_its_own_purposes() {
    let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    for (lang, prices, ads) in [("en", "prices of the products shown", "advertising"), ("de", "Preise", "Werbung")] {
        let d = disclose::build(&policy, lang, Some("DE")).unwrap();
        let recipients = d.sections.iter().find(|s| s.id == "recipients").unwrap();
        let sentences: Vec<&String> = recipients.items.iter().flat_map(|i| &i.text).collect();
        let with_prices: Vec<&&String> = sentences.iter().filter(|t| t.contains(prices)).collect();
        assert_eq!(with_prices.len(), 1, "{lang}: {sentences:#?}");
        assert!(!with_prices[0].contains(ads), "{lang}: {}", with_prices[0]);
        assert!(sentences.iter().any(|t| t.contains(ads)), "{lang}: the page address and title still go for ads");
    }
}

/// With two switches, the withdrawal of consent says which consent each one withdraws: "Price comparison" gates
/// every rule of the shopping policy, "Personalised advertising" only the advertising one.
#[test]
fn each_switch_that_withdraws_consent_says_which() {
    let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let md = render::markdown(&disclose::build(&policy, "en", Some("DE")).unwrap());
    assert!(
        md.contains(
            "by switching off the “Price comparison” feature (for showing you matching products and tailoring \
             advertising to you) or the “Personalised advertising” feature (for tailoring advertising to you)"
        ),
        "{md}"
    );
}

/// The CCPA's right to limit concerns sensitive personal information: a California notice offers it where such
/// data is collected, and otherwise says that none is, instead of a right with nothing to apply to.
#[test]
fn the_right_to_limit_is_offered_only_for_sensitive_information() {
    let text = |category: &str| {
        format!(
            "policy q {{ name \"Q\" controller \"Q Inc.\" contact \"q@q.test\" url \"https://q.test/privacy\" version \"1\" languages en regions US-CA }}\n\
             data d category {category} \"the page address\"\npurpose s basis consent \"counting visits\"\n\
             sites x \"shops\" {{ shop.example }}\ncollect d on x for s keep 1 day\n"
        )
    };
    let notice = |category: &str| {
        let policy = common::policy_from_text(&text(category));
        render::markdown(&disclose::build(&policy, "en", Some("US-CA")).unwrap())
    };
    let sensitive = notice("sensitive");
    assert!(sensitive.contains("Right to limit the use of sensitive personal information"), "{sensitive}");
    let plain = notice("internet_activity");
    assert!(!plain.contains("Right to limit"), "{plain}");
    assert!(plain.contains("We do not collect sensitive personal information"), "{plain}");
}

/// `keep not stated` says that the source states no period, in each region's terms, and is never presented as a
/// criterion: the GDPR notice drops "we state the criteria" where no criterion is given, and the California notice
/// says it beside the periods that are known.
#[test]
fn a_retention_not_stated_is_said_as_such() {
    let text = |regions: &str, second_keep: &str| {
        format!(
            "policy q {{ name \"Q\" controller \"Q GmbH, 1 Road, Berlin\" established DE contact \"q@q.test\" \
             url \"https://q.test/privacy\" version \"1\" languages en regions {regions} }}\n\
             data d category internet_activity \"the page address\"\n\
             purpose s basis consent \"counting visits\" profiling no decisions none\n\
             purpose t basis consent \"showing offers\" profiling no decisions none\n\
             sites x \"shops\" {{ shop.example }}\n\
             collect d on x for s keep not stated\ncollect d on x for t keep {second_keep}\n"
        )
    };
    let notice = |regions: &str, second_keep: &str, region: &str| {
        let policy = common::policy_from_text(&text(regions, second_keep));
        render::markdown(&disclose::build(&policy, "en", Some(region)).unwrap())
    };
    let gdpr = notice("DE", "not stated", "DE");
    assert!(gdpr.contains("The underlying privacy policy does not state how long we keep the page address."), "{gdpr}");
    assert!(!gdpr.contains("we state the criteria"), "{gdpr}");
    let with_criterion = notice("DE", "until uninstall", "DE");
    assert!(with_criterion.contains("we state the criteria"), "{with_criterion}");

    let ccpa = notice("US-CA", "30 days", "US-CA");
    assert!(ccpa.contains("We keep it for at most 30 days."), "{ccpa}");
    assert!(
        ccpa.contains("In other cases, the underlying privacy policy does not state how long we keep it."),
        "{ccpa}"
    );
    let ccpa_none = notice("US-CA", "not stated", "US-CA");
    assert!(ccpa_none.contains("The underlying privacy policy does not state how long we keep it."), "{ccpa_none}");
    assert!(!ccpa_none.contains("In other cases"), "{ccpa_none}");
}

/// Where a California category holds items kept for a stated time and items the source states none for, each
/// retention sentence names its items: "it" would give the stated period to all of them.
#[test]
fn a_california_retention_names_its_items_when_they_differ() {
    let policy = common::policy_from_text(
        "policy q { name \"Q\" controller \"Q Inc.\" contact \"q@q.test\" url \"https://q.test/privacy\" \
         version \"1\" languages en regions US-CA }\n\
         data d category internet_activity \"the page address\"\n\
         data c category internet_activity \"the checkout step\"\n\
         purpose s basis consent \"finding coupons\"\n\
         sites x \"shops\" { shop.example }\n\
         collect d on x for s keep 30 days\ncollect c on x for s keep not stated\n",
    );
    let notice = render::markdown(&disclose::build(&policy, "en", Some("US-CA")).unwrap());
    assert!(notice.contains("We keep the page address for at most 30 days."), "{notice}");
    assert!(
        notice.contains("The underlying privacy policy does not state how long we keep the checkout step."),
        "{notice}"
    );
    assert!(!notice.contains("We keep it for at most"), "{notice}");
}

/// The library refuses a notice for a region with a law of its own that the policy does not declare (California
/// in a policy that declares the United States), so neither `compile -o` nor `diff` writes one.
#[test]
fn no_notice_for_an_undeclared_region_with_a_law_of_its_own() {
    let policy = common::check_path(Path::new("policies/real/rakuten.policy")).checked.policy.unwrap();
    assert!(policy.regions.iter().any(|r| r == "US") && !policy.regions.iter().any(|r| r == "US-CA"));
    let e = disclose::build(&policy, "en", Some("US-CA")).err().unwrap();
    assert!(e.to_string().contains("it declares only `US`"), "{e}");
    assert!(disclose::build(&policy, "en", Some("US")).is_ok());
    // A member state of a declared `EU` is under the same law and needs no declaration of its own.
    let text = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    let policy = common::policy_from_text(&text.replace("regions    DE, US-CA", "regions    EU, US-CA"));
    assert!(disclose::build(&policy, "en", Some("FR")).is_ok());
}

/// Prose has no operator precedence, so a condition's grouping must be written out: a list inside a list stands
/// in parentheses whichever of `and` and `or` it is, and a negated signal ("it is not the case that …", which
/// reaches to the end of the sentence) does too when more parts follow it.
#[test]
fn a_condition_says_how_its_parts_group() {
    let policy = common::policy_from_text(
        r#"policy prec {
  name       "Prec"
  controller "Prec Inc."
  contact    "p@prec.example"
  version    "1"
  languages  en
}
signal a "a holds"
signal b "b holds"
signal c "c holds"
data   x "the x"
data   y "the y"
data   z "the z"
purpose p basis consent "doing p"
sites s "s sites" { shop.example }
collect x on s when a or b and c for p keep 30 days
collect y on s when (a or b) and c for p keep 30 days
collect z on s when not (a and b) for p keep 30 days link to account when not a and b
"#,
    );
    let md = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    for said in [
        "While a holds or (b holds and c holds), we collect there the x.",
        "While (a holds or b holds) and c holds, we collect there the y.",
        "While it is not the case that both a holds and b holds, we collect there the z.",
        "We link the z to your account only if, at the time of collection, (it is not the case that a holds) and b \
         holds.",
    ] {
        assert!(md.contains(said), "{said}\n{md}");
    }
    assert!(!md.contains("it is not the case that a holds and"), "{md}");
}

/// The ground for reading the page is said per group of rules. Where a rule without a ground (W0065, allowed)
/// serves the same purpose as a `necessary` one, naming the purpose alone would claim the ground for it too, so
/// the sentence names the data and the sites of the rules it is about.
#[test]
fn a_ground_for_reading_the_page_is_claimed_only_for_the_rules_that_give_it() {
    let text = r#"
policy nec {
  name       "N"
  controller "N GmbH, Berlin"
  established DE
  contact    "p@n.example"
  version    "1"
  languages  en, de
  regions    DE
}
data x en "the x" de "das X"
data y en "the y" de "das Y"
purpose stats basis legitimate_interest profiling no decisions none
  en "measuring usage" de "die Nutzung zu messen"
  interest en "improving the service" de "den Dienst zu verbessern"
sites s en "s sites" de "S-Seiten" { shop.example }
sites t en "t sites" de "T-Seiten" { other.example }
collect x on s for stats keep 30 days
  necessary en "the x is needed to show the button" de "das X wird für die Schaltfläche gebraucht"
collect y on t for stats keep 30 days
  allow W0065 "reviewed"
"#;
    let policy = common::policy_from_text(text);
    let en = render::markdown(&disclose::build(&policy, "en", Some("DE")).unwrap());
    let claim = "Where we collect the x on s sites for the purpose of measuring usage, this access does not require \
                 your consent";
    assert!(en.contains(claim), "{en}");
    assert!(!en.contains("Where we collect the data for the purpose of measuring usage"), "{en}");
    let de = render::markdown(&disclose::build(&policy, "de", Some("DE")).unwrap());
    let claim = "Soweit wir das X auf S-Seiten erheben, um die Nutzung zu messen, ist der Zugriff ohne Ihre \
                 Einwilligung zulässig";
    assert!(de.contains(claim), "{de}");
    // With the second rule `necessary` for the same reason, one sentence speaks of all the data, as before.
    let same = text.replace(
        "  allow W0065 \"reviewed\"",
        "  necessary en \"the x is needed to show the button\" de \"das X wird für die Schaltfläche gebraucht\"",
    );
    let en = render::markdown(&disclose::build(&common::policy_from_text(&same), "en", Some("DE")).unwrap());
    assert!(en.contains("This access does not require your consent"), "{en}");
    assert!(!en.contains("Where we collect the x"), "{en}");
}

/// A notice for every region names each regional controller with its regions, in the prose and in the JSON facts;
/// a notice for one region names that region's controller in both.
#[test]
fn every_regional_controller_is_named_where_its_users_read() {
    let policy = common::check_path(Path::new("policies/real/capital-one-shopping.policy")).checked.policy.unwrap();
    let all = disclose::build(&policy, "en", None).unwrap();
    let md = render::markdown(&all);
    // The main controller is responsible except where a regional one is named below.
    assert!(
        md.contains(
            "Except where stated below, the controller responsible for processing your data is Wikibuy Holdings, LLC."
        ),
        "{md}"
    );
    assert!(
        md.contains("For users in Canada, the controller responsible for processing their data is Capital One Shopping Canada, Inc."),
        "{md}"
    );
    assert!(md.contains("For users in Australia, the controller responsible for processing their data is Capital One Shopping Australia Pty Ltd."), "{md}");
    let facts = serde_json::to_value(&all.facts).unwrap();
    assert_eq!(facts["regional_controllers"][0]["regions"][0], "CA");
    assert_eq!(facts["regional_controllers"][1]["controller"], "Capital One Shopping Australia Pty Ltd");
    let ca = disclose::build(&policy, "en", Some("CA")).unwrap();
    assert_eq!(ca.facts.controller, "Capital One Shopping Canada, Inc.");
    assert!(ca.facts.regional_controllers.is_empty());
}

/// A notice for every region points to each offer by its numbered heading and says whom it is for, in the
/// summary and where it says what the user must provide; a policy with one region says only that region.
#[test]
fn a_notice_for_every_region_says_whom_each_offer_is_for() {
    let policy = common::check_path(Path::new("policies/shopping-assistant.policy")).checked.policy.unwrap();
    let md = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    for said in [
        "**Our offer (only for users in the United States): a US$10 credit",
        "**Our offer (only for users in Germany): 10 EUR off",
        "You receive the offer described under “An offer in exchange for your data (1)” (only for users in the United \
         States) only if",
        "You receive the offer described under “An offer in exchange for your data (2)” (only for users in Germany) \
         only if",
    ] {
        assert!(md.contains(said), "{said}\n{md}");
    }
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(de.contains("Das Angebot unter „Ein Angebot im Gegenzug für Ihre Daten (2)“ (nur für Nutzerinnen und Nutzer in Deutschland) erhalten Sie nur"), "{de}");
    // A notice for one region has no offer for others to point out.
    let md = render::markdown(&disclose::build(&policy, "en", Some("DE")).unwrap());
    assert!(md.contains("You receive the offer described under “An offer in exchange for your data” only if"), "{md}");

    let policy = common::check_path(Path::new("policies/news-analytics.policy")).checked.policy.unwrap();
    let md = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(md.contains("This notice applies to users in the United Kingdom."), "{md}");
    assert!(!md.contains("some of these regions"), "{md}");
}

/// Rules for the same purposes that keep data differently on different sites, or in different regions in a notice
/// for every region, say where each period holds: otherwise the notice gives two periods for the same data and
/// purpose that seem to contradict each other.
#[test]
fn retentions_that_differ_by_site_or_region_say_where_each_holds() {
    let policy = common::policy_from_text(
        r#"
policy t {
  name       en "Test"
  controller "Test GmbH, Weg 1, 10115 Berlin, Germany"
  established DE
  contact    "privacy@test.example"
  version    "2025-01-05"
  url "https://test.example/p"
  opt out "https://test.example/optout"
  languages  en
  regions    DE, US-CA
}
signal signed_in en "you are signed in"
signal incognito en "the window is private"
feature stats default on en "Statistics" opt in en "we ask first"
feature extra default off en "Extra"
criterion dispute en "until any dispute about the purchase is settled"
data page_url category internet_activity en "the address (URL) of the page"
data one_thing category commercial en "the basket"
recipient ads own purposes in US safeguard standard_clauses sold en "an ad network"
purpose p1 basis legitimate_interest interest en "knowing our audience" profiling no decisions none en "counting visits"
purpose p2 basis contract shared with ads profiling yes en "selling things" decisions automated en "we decide whether to show you a discount; you may get none"
sites one en "one shop" { shop.example }
sites two en "two shops" { a.example  b.example/x/ }
collect page_url on one for p1 keep 1 day link to account when not signed_in
collect one_thing on two at page_view for p2 keep until dispute link to account always region DE
collect one_thing on one for p2 keep 1 month region US-CA
collect page_url on two for p1 keep while account exists
"#,
    );
    let md = render::markdown(&disclose::build(&policy, "en", Some("DE")).unwrap());
    for said in [
        "- For one shop: We delete data collected for the purpose of counting visits (the address (URL) of the page) no \
         later than 1 day after collection.",
        "- For two shops: We keep data collected for the purpose of counting visits (the address (URL) of the page) as \
         long as your account exists.",
    ] {
        assert!(md.contains(said), "{said}\n{md}");
    }
    let md = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    for said in [
        "- For two shops (only for users in Germany): We keep data collected for the purpose of selling things",
        "- For one shop (only for users in California): We delete data collected for the purpose of selling things",
    ] {
        assert!(md.contains(said), "{said}\n{md}");
    }
}

/// `contact not stated` (a published text that gives no address) is said as such: the notice neither prints a
/// placeholder as if it were an address nor drops the sentences that ask the reader to write; the JSON facts
/// have no contact, and the data form keeps the marker.
#[test]
fn a_contact_not_stated_is_said_and_never_printed_as_an_address() {
    let policy = common::check_path(Path::new("tests/fixtures/diagnostics/W0073-not-stated-contact.policy"))
        .checked
        .policy
        .unwrap();
    assert_eq!(policy.contact, None);
    let en = disclose::build(&policy, "en", Some("DE")).unwrap();
    let md = render::markdown(&en);
    assert!(md.contains("The underlying privacy policy gives no contact address."), "{md}");
    assert!(!md.contains("You can reach us at"), "{md}");
    assert!(
        md.contains("To exercise your rights, write to us (the underlying privacy policy gives no address)."),
        "{md}"
    );
    assert!(md.contains("or by writing to us (the underlying privacy policy gives no address)."), "{md}");
    assert_eq!(serde_json::to_value(&en.facts).unwrap()["contact"], serde_json::Value::Null);
    let de = render::markdown(&disclose::build(&policy, "de", Some("DE")).unwrap());
    assert!(de.contains("Die zugrunde liegende Datenschutzerklärung nennt keine Kontaktadresse."), "{de}");
    assert!(
        de.contains("Um Ihre Rechte auszuüben, schreiben Sie an uns (die zugrunde liegende Datenschutzerklärung nennt keine Adresse)."),
        "{de}"
    );
    let yaml = policyc::yaml::to_yaml(&policy);
    assert!(yaml.contains("contact: not stated\n"), "{yaml}");
    let back = policyc::yaml::to_ast(Default::default(), &yaml).unwrap();
    assert!(back.items.iter().any(|i| matches!(i, policyc::ast::Item::Header(h)
        if h.fields.iter().any(|(f, _)| *f == policyc::ast::HeaderField::Contact(None)))));
}

/// What a German editor found said more than the matcher does, or said it ambiguously:
/// - a switch that one rule reads names that rule's purpose, since another rule collects the same item for
///   another purpose whatever the switch says;
/// - a rule that gives no ground for reading the page (here a basis `not_stated`) is said to give none;
/// - retentions of several rules are not joined by a bare "or", which reads as a choice;
/// - several purposes in one table cell read as one list, capitalised once.
#[test]
fn what_a_switch_a_ground_and_several_retentions_apply_to_is_said_exactly() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P GmbH, Berlin" established DE contact "p@p.test" version "1" languages en, de regions DE
}
feature ads default off en "Ads" de "Werbung"
feature cmp default on en "Price comparison" de "Preisvergleich"
data title en "the title of the page" de "den Titel der Seite"
data price en "the price" de "den Preis"
purpose rec basis not_stated profiling no decisions none en "showing you products" de "Ihnen Produkte zu zeigen"
purpose mkt basis consent profiling yes decisions none en "tailoring ads" de "Werbung auf Sie zuzuschneiden"
sites shops en "shops" de "Shops" { shop.example }
collect title on shops when cmp for rec keep 30 days
collect title on shops when ads or cmp for mkt keep 1 day
collect price on shops for rec keep not stated
collect price on shops when cmp for mkt keep 7 days
collect price on shops when ads for mkt keep until uninstall
"#,
    );
    // The matcher: with ads off the title is still collected; the sentence on the switch speaks of the one purpose
    // whose rule reads it.
    let interp = policyc::interp::Interpreter::new(&policy);
    let settings = policyc::report::Settings::from_expect(&["not ads".to_string()], Some("DE"));
    assert_eq!(interp.decide("https://shop.example/", &settings).unwrap().collect, ["title", "price"]);
    let en = render::markdown(&disclose::build(&policy, "en", Some("DE")).unwrap());
    for said in [
        "Whether we collect the title of the page for the purpose of tailoring ads also depends on the “Ads” feature",
        "Where we collect the data for the purpose of showing you products, the underlying privacy policy does not \
         state on what ground this access is permitted.",
        "| not stated in the underlying privacy policy, 7 days or until you uninstall the extension, whichever applies \
         to the collection (the longest, where several do) |",
        "| Showing you products; tailoring ads |",
    ] {
        assert!(en.contains(said), "{said}\n{en}");
    }
    let de = render::markdown(&disclose::build(&policy, "de", Some("DE")).unwrap());
    for said in [
        "Ob wir den Titel der Seite erheben, um Werbung auf Sie zuzuschneiden, hängt auch davon ab",
        "gibt die zugrunde liegende Datenschutzerklärung nicht an, auf welcher Grundlage der Zugriff zulässig ist.",
        "je nachdem, welche Frist für die Erhebung gilt (gelten mehrere, die längste)",
        "| Titel der Seite | Shops | nie | Um Ihnen Produkte zu zeigen; um Werbung auf Sie zuzuschneiden |",
    ] {
        assert!(de.contains(said), "{said}\n{de}");
    }
}

/// `not (a or b)` reads "it is not the case that either a or b" ("weder a noch b"), and `not (a and b)` "it is not
/// the case that both a and b", rather than a negation reaching over a parenthesis ("it is not the case that (a or
/// b)"), which a German editor found hard to follow.
#[test]
fn a_negated_list_of_alternatives_reads_neither_nor() {
    let text = r#"
policy p { name "P" controller "P Inc." contact "p@p.test" version "1" languages en, de }
signal signed_in en "you are signed in" de "Sie angemeldet sind"
signal active en "the panel is open" de "das Bedienfeld geöffnet ist"
data title en "the title of the page" de "den Titel der Seite"
purpose rec basis consent en "showing you products" de "Ihnen Produkte zu zeigen"
sites shops en "shops" de "Shops" { shop.example }
collect title on shops when not (signed_in or active) for rec keep 30 days
"#;
    let policy = common::policy_from_text(text);
    let collects = |with: &[&str]| common::collects(&policy, "https://shop.example/", with);
    assert_eq!(collects(&[]), ["title"]);
    assert!(collects(&["active"]).is_empty() && collects(&["signed_in"]).is_empty());
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        en.contains("While it is not the case that either you are signed in or the panel is open, we collect there"),
        "{en}"
    );
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(
        de.contains("Solange weder Sie angemeldet sind noch das Bedienfeld geöffnet ist, erheben wir dort"),
        "{de}"
    );

    // `not (a and b)` of two parts says "both … and …" / "und zugleich", and, as the last part of a list, needs no
    // parenthesis.
    let policy = common::policy_from_text(
        &text.replace("when not (signed_in or active)", "when cmp and not (signed_in and active)").replace(
            "sites shops",
            "feature cmp default on en \"Price comparison\" de \"Preisvergleich\"\nsites shops",
        ),
    );
    assert_eq!(common::collects(&policy, "https://shop.example/", &["signed_in"]), ["title"]);
    assert!(common::collects(&policy, "https://shop.example/", &["signed_in", "active"]).is_empty());
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        en.contains(
            "While the “Price comparison” feature is switched on and it is not the case that both you are signed in \
             and the panel is open, we collect there"
        ),
        "{en}"
    );
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(
        de.contains(
            "Solange die Funktion „Preisvergleich“ eingeschaltet ist und es nicht zutrifft, dass Sie angemeldet sind \
             und zugleich das Bedienfeld geöffnet ist, erheben wir dort"
        ),
        "{de}"
    );
}

/// A notice for every region leaves out a collect rule for some regions on a category that `never` rules block in
/// every region the rule applies in: the matcher never lets it collect there, so no part of the notice (where,
/// retention, summary, facts) may say it does. A rule for every region, or one that also holds where the category
/// is open, is still said.
#[test]
fn a_notice_for_every_region_leaves_out_a_regional_rule_a_regional_never_blocks() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en, de
  regions US, DE
  established DE
}
data url en "the page address" de "die Seitenadresse"
purpose sec basis consent profiling no decisions none en "keeping the service safe" de "den Dienst sicher zu halten"
purpose stats basis consent profiling no decisions none en "counting visits" de "Besuche zu zählen"
criterion returns en "until the order can no longer be returned" de "bis die Bestellung nicht mehr zurückgegeben werden kann"
sites shops en "shops" de "Shops" { shop.example }
never collect on shops region DE
collect url on shops for sec keep until returns region DE
collect url on shops for stats keep 30 days
collect url on shops for sec keep 1 year region US, DE
"#,
    );
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(!en.contains("until the order can no longer be returned"), "{en}");
    assert!(!en.contains("keeping the service safe (only for users in Germany)"), "{en}");
    assert!(en.contains("There we collect the page address for the purpose of counting visits."), "{en}");
    // The rule for both regions collects only in the United States, and says only that region.
    assert!(
        en.contains(
            "There we collect the page address for the purpose of keeping the service safe (only for users in the \
             United States)."
        ),
        "{en}"
    );
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(!de.contains("bis die Bestellung nicht mehr zurückgegeben werden kann"), "{de}");
    assert!(!de.contains("den Dienst sicher zu halten (nur für Nutzerinnen und Nutzer in Deutschland)"), "{de}");
    let d = disclose::build(&policy, "en", None).unwrap();
    assert!(d.facts.data.iter().all(|f| !f.retention.contains("returns")), "{:#?}", d.facts.data);
    // The matcher agrees: in Germany the page address is not collected on shops at all.
    let interp = policyc::interp::Interpreter::new(&policy);
    let settings = policyc::report::Settings::from_expect(&[], Some("DE"));
    let (_, items) = interp.decide_items("https://shop.example/", &settings).unwrap();
    assert!(items.is_empty(), "{items:?}");
}

/// A rule collecting from a source for some regions says for whom in a notice for every region, as a rule on the
/// pages does; a notice for one of its regions needs no such limit, and one for every region without regional
/// rules has none.
#[test]
fn data_from_a_source_says_its_regions_in_a_notice_for_every_region() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en, de
  regions DE, US
  established DE
}
source cards en "the payment cards you link" de "die von Ihnen verknüpften Zahlungskarten"
data card_tx en "the transactions on your linked cards" de "die Umsätze Ihrer verknüpften Karten"
data email en "your e-mail address" de "Ihre E-Mail-Adresse"
purpose offers basis consent profiling no decisions none en "giving you offers" de "Ihnen Angebote zu machen"
purpose account basis contract profiling no decisions none en "running your account" de "Ihr Konto zu führen"
collect card_tx from cards for offers keep 1 year region DE
collect email from account for account keep while account exists
"#,
    );
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        en.contains(
            "We collect the transactions on your linked cards for the purpose of giving you offers (only for users in \
             Germany)."
        ),
        "{en}"
    );
    assert!(en.contains("We collect your e-mail address for the purpose of running your account."), "{en}");
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(
        de.contains(
            "Wir erheben die Umsätze Ihrer verknüpften Karten, um Ihnen Angebote zu machen (nur für Nutzerinnen und \
             Nutzer in Deutschland)."
        ),
        "{de}"
    );
    let de_only = render::markdown(&disclose::build(&policy, "de", Some("DE")).unwrap());
    assert!(
        de_only.contains("Wir erheben die Umsätze Ihrer verknüpften Karten, um Ihnen Angebote zu machen."),
        "{de_only}"
    );
}

/// Consent given for data collected from a source can be withdrawn like any other (GDPR Art. 7(3), 13(2)(c)): a
/// notice whose only consent-based collection comes from a source still says how, naming the switch that stops it.
#[test]
fn consent_for_data_from_a_source_can_be_withdrawn() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en, de
  regions DE, US
  established DE
}
feature card_offers default off en "Card offers" de "Kartenangebote"
  opt in en "you agree to card offers" de "Sie Kartenangeboten zustimmen"
source cards en "the payment cards you link" de "die von Ihnen verknüpften Zahlungskarten"
data card_tx en "the transactions on your linked cards" de "die Umsätze Ihrer verknüpften Karten"
data email en "your e-mail address" de "Ihre E-Mail-Adresse"
purpose offers basis consent profiling no decisions none en "giving you offers" de "Ihnen Angebote zu machen"
purpose account basis contract profiling no decisions none en "running your account" de "Ihr Konto zu führen"
collect email from account for account keep while account exists
collect card_tx from cards when card_offers for offers keep 1 year region DE
"#,
    );
    for region in [Some("DE"), None] {
        let en = render::markdown(&disclose::build(&policy, "en", region).unwrap());
        assert!(
            en.contains(
                "You can withdraw your consent at any time (Art.\u{a0}7(3) GDPR) by switching off the “Card offers” \
                 feature in the extension's settings"
            ),
            "{region:?}\n{en}"
        );
        let de = render::markdown(&disclose::build(&policy, "de", region).unwrap());
        assert!(
            de.contains(
                "Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen (Art.\u{a0}7 Abs.\u{a0}3 \
                 DSGVO), indem Sie die Funktion „Kartenangebote“ in den Einstellungen der Erweiterung ausschalten"
            ),
            "{region:?}\n{de}"
        );
    }
}

/// A notice for every region that names regional controllers does not first call the main controller the one
/// responsible for everyone: it says "except where stated below", keeping a single final stop after a name that
/// ends in an abbreviation; a notice for one region names only the controller responsible there, plainly.
#[test]
fn the_main_controller_gives_way_to_regional_ones_in_a_notice_for_every_region() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P Inc." contact "p@p.test" version "1" languages en, de
  controller region GB "P UK Ltd, London"
  established CA
  regions CA, GB
}
data d en "the page address" de "die Seitenadresse"
purpose s basis consent profiling no decisions none en "counting visits" de "Besuche zu zählen"
sites x en "shops" de "Shops" { shop.example }
collect d on x for s keep 1 day
"#,
    );
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        en.contains("Except where stated below, the controller responsible for processing your data is P Inc.\n"),
        "{en}"
    );
    assert!(
        en.contains("For users in the United Kingdom, the controller responsible for processing their data is P UK Ltd, London."),
        "{en}"
    );
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(
        de.contains(
            "Verantwortlich für die Verarbeitung Ihrer Daten ist, soweit nachfolgend nicht anders angegeben, P Inc.\n"
        ),
        "{de}"
    );
    let ca = render::markdown(&disclose::build(&policy, "en", Some("CA")).unwrap());
    assert!(ca.contains("The controller responsible for processing your data is P Inc.\n"), "{ca}");
    assert!(!ca.contains("Except where stated below"), "{ca}");
}

/// From an English editor's review: a rule for several regions names, under each site category, only the regions
/// where `never` rules leave that category open; and a use on the device does not say "nothing of it is sent to
/// us" where another rule collects the same data there.
#[test]
fn regions_are_said_per_category_and_on_device_use_does_not_deny_collection() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en, de
  regions US, DE
  established DE
}
data url en "the page address" de "die Seitenadresse"
purpose stats basis consent profiling no decisions none en "counting visits" de "Besuche zu zählen"
purpose fit basis consent profiling no decisions none en "fitting the page" de "die Seite anzupassen"
sites shops en "shops" de "Shops" { shop.example }
sites paths en "paths" de "Pfade" { path.example }
never collect on paths region DE
collect url on shops, paths for stats keep 30 days region US, DE
process url on shops for fit on device
"#,
    );
    let en = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        en.contains(
            "| shops (only for users in the United States and in Germany); paths (only for users in the United States) |"
        ),
        "{en}"
    );
    assert!(en.contains("There we collect the page address (only for users in the United States)."), "{en}");
    assert!(!en.contains("nothing of it is sent to us"), "{en}");
    assert!(en.contains("this use sends nothing to us, but we collect some of it there"), "{en}");
    // The matcher: in Germany, paths collect nothing; shops collect the page address.
    let de_state = policyc::report::Settings::from_expect(&[], Some("DE"));
    let interp = policyc::interp::Interpreter::new(&policy);
    assert!(interp.decide("https://path.example/", &de_state).unwrap().collect.is_empty());
    assert_eq!(interp.decide("https://shop.example/", &de_state).unwrap().collect, ["url"]);
}

/// Two rules that keep the same item for different periods and can both collect it on the same page: the matcher
/// keeps it for the longer period, so the notice says that the longest applies rather than let each "no later
/// than" stand alone (an English editor found the shorter one contradicted by `explain`).
#[test]
fn periods_of_rules_that_apply_together_say_the_longest_holds() {
    let text = r#"
policy p { name "P" controller "P Inc." contact "p@p.test" version "1" languages en, de }
signal signed_in en "you are signed in" de "Sie angemeldet sind"
feature stats default on en "Statistics" de "Statistik"
data url en "the page address" de "die Seitenadresse"
purpose visits basis consent en "counting visits" de "Besuche zu zählen"
sites shops en "shops" de "Shops" { shop.example }
sites deals en "deal sites" de "Schnäppchenseiten" { deal.example }
collect url on shops when stats for visits keep 30 days
collect url on shops when signed_in for visits keep 60 days
"#;
    let policy = common::policy_from_text(text);
    let settings = policyc::report::Settings::from_expect(&["signed_in".to_string()], None);
    let (_, items) =
        policyc::interp::Interpreter::new(&policy).decide_items("https://shop.example/", &settings).unwrap();
    // The matcher: signed in with statistics on, both rules fire and the longer period holds.
    assert_eq!((items.len(), items[0].rules.len(), items[0].retention.as_str()), (1, 2, "60 days"), "{items:?}");
    let md = render::markdown(&disclose::build(&policy, "en", None).unwrap());
    assert!(
        md.contains("Where one collection falls under several of the periods above, the longest of them applies."),
        "{md}"
    );
    let de = render::markdown(&disclose::build(&policy, "de", None).unwrap());
    assert!(
        de.contains("Fällt eine Erhebung unter mehrere der oben genannten Fristen, gilt die längste davon."),
        "{de}"
    );
    // Rules on different sites never collect on the same page: no such sentence.
    let apart = common::policy_from_text(
        &text.replace("collect url on shops when signed_in", "collect url on deals when signed_in"),
    );
    let md = render::markdown(&disclose::build(&apart, "en", None).unwrap());
    assert!(!md.contains("the longest of them applies"), "{md}");
}

/// The withdrawal of consent names only switches that stop consent-based processing where the GDPR applies, and
/// says which consent a switch withdraws unless it withdraws every one the notice asks for (an English editor
/// found a notice for every region offering a switch that, for users in Germany, changed nothing).
#[test]
fn withdrawal_names_the_switches_that_withdraw_where_the_gdpr_applies() {
    let policy = common::policy_from_text(
        r#"
policy p {
  name "P" controller "P GmbH, Berlin" contact "p@p.test" version "1" languages en
  regions US, DE
  established DE
}
feature stats default on en "Statistics"
feature tips default on en "Tips"
data url en "the page address"
data title en "the page title"
purpose visits basis consent profiling no decisions none en "counting visits"
purpose offers basis consent profiling no decisions none en "showing you offers"
sites shops en "shops" { shop.example }
collect url on shops when stats for visits keep 30 days
collect title on shops when tips for offers keep 30 days region US
collect title on shops for offers keep 30 days region DE
"#,
    );
    // The matcher: in Germany, switching off both features still collects the title for the offers.
    let off = ["not stats".to_string(), "not tips".to_string()];
    let settings = policyc::report::Settings::from_expect(&off, Some("DE"));
    let d = policyc::interp::Interpreter::new(&policy).decide("https://shop.example/", &settings).unwrap();
    assert_eq!(d.collect, ["title"]);
    for region in [None, Some("DE")] {
        let md = render::markdown(&disclose::build(&policy, "en", region).unwrap());
        assert!(
            md.contains("by switching off the “Statistics” feature (for counting visits) in the extension's settings"),
            "{region:?}: {md}"
        );
        assert!(!md.contains("by switching off the “Tips” feature"), "{region:?}: {md}");
    }
}
