//! The data form: every bundled policy exports to YAML, and exporting that YAML gives byte-identical JSON.

mod common;

use policyc::{check_source, yaml, NoLists};

#[test]
fn yaml_twin_exports_identically() {
    // The bundled policies (the real ones too), and the fixture that uses every construct of the language once.
    let mut paths = common::bundled_policies();
    paths.extend(common::real_policies());
    paths.push("tests/fixtures/syntax/valid/all-constructs.policy".into());
    paths.push("tests/fixtures/syntax/valid/promises.policy".into());
    for path in paths {
        let original = common::check_path(&path);
        let policy = original.checked.policy.unwrap_or_else(|| panic!("{} does not check", path.display()));
        let json = yaml::to_json(&policy);
        let yaml_text = yaml::to_yaml(&policy);
        // The YAML form inlines every list, so it needs no files.
        let twin = check_source("twin.yaml", &yaml_text, &mut NoLists, Default::default());
        assert!(!twin.checked.has_errors(), "{}: {:#?}", path.display(), twin.checked.diagnostics);
        let twin_policy = twin.checked.policy.unwrap();
        assert_eq!(yaml::to_json(&twin_policy), json, "{}", path.display());
        assert_eq!(twin_policy.content_hash(), policy.content_hash());
        // JSON is read back the same way.
        let from_json = check_source("twin.json", &json, &mut NoLists, Default::default());
        assert_eq!(yaml::to_json(&from_json.checked.policy.unwrap()), json);
    }
}

#[test]
fn yaml_policies_get_the_same_checks() {
    let path = std::path::Path::new("policies/price-tracker.policy");
    let policy = common::check_path(path).checked.policy.unwrap();
    // One use misspelt, the others right: a use to correct (where every use agrees on another spelling, the
    // declaration is reported instead).
    let broken = yaml::to_yaml(&policy).replacen("- price_history\n  keep", "- price_histroy\n  keep", 1);
    assert_ne!(broken, yaml::to_yaml(&policy));
    let out = check_source("broken.yaml", &broken, &mut NoLists, Default::default());
    let d = out.checked.diagnostics.iter().find(|d| d.code == policyc::Code::Undefined).expect("undefined purpose");
    assert_eq!(d.help.as_deref(), Some("did you mean `price_history`?"));
    // The diagnostic points at the misspelt name in the document.
    let file = out.sources.get(d.span.file);
    assert_eq!(&file.text[d.span.start..d.span.end], "price_histroy");
    let (line, _) = file.line_col(d.span.start);
    assert_eq!(broken.lines().nth(line - 1).unwrap().trim(), "- price_histroy");
}

/// An `expect` entry of the data form tests either a URL or a source: `from` reads back as `expect from`, and an
/// entry with both or neither is E0009 (the grammar cannot write either, the data form can).
#[test]
fn an_expect_entry_has_a_url_or_a_source() {
    let path = std::path::Path::new("policies/real/capital-one-shopping.policy");
    let policy = common::check_path(path).checked.policy.unwrap();
    let yaml_text = yaml::to_yaml(&policy);
    assert!(yaml_text.contains("- from: linked_cards\n"), "{yaml_text}");
    let codes = |text: &str| -> Vec<String> {
        let out = check_source("p.yaml", text, &mut NoLists, Default::default());
        out.checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == policyc::Severity::Error)
            .map(|d| d.code.to_string())
            .collect()
    };
    assert_eq!(codes(&yaml_text), Vec::<String>::new());
    let both =
        yaml_text.replacen("- from: linked_cards\n", "- from: linked_cards\n  url: https://www.bestbuy.com/\n", 1);
    assert_eq!(codes(&both), ["E0009"]);
    let neither = yaml_text.replacen("- from: linked_cards\n", "- with: []\n", 1);
    assert_eq!(codes(&neither), ["E0009"]);
}
