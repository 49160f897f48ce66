//! What a new policy author meets: the formatter, `check`, `diff`, `test` and the flags of the decision
//! commands, driven through the command line as an author runs them (issue 14's defects, one test each).

use std::process::{Command, Output};

fn policyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyc")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A `sites` block missing its `}`: the formatter's brace counting would indent every later line.
#[test]
fn fmt_never_touches_a_file_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    let broken = original.replacen("}\n", "\n", 2);
    assert_ne!(broken, original);
    let path = dir.path().join("broken.policy");
    std::fs::write(&path, &broken).unwrap();
    for args in [vec!["fmt"], vec!["fmt", "--check"]] {
        let mut args = args.clone();
        args.push(path.to_str().unwrap());
        let o = policyc(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("error[E0001]"), "{}", stderr(&o));
        assert!(stderr(&o).contains("broken.policy:"), "{}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken, "{args:?} changed the file");
    }
}

mod sensitive {
    //! `check --sensitive` against the reference interpreter: on generated policies and lists, every URL the
    //! interpreter collects on that a list entry names must be reported, and every reported witness must be
    //! such a URL.

    use policyc::interp::{pattern_matches, Interpreter};
    use policyc::pattern::Pattern;
    use policyc::psl::PublicSuffixList;
    use policyc::report::Settings;
    use policyc::{check_source, CheckOptions, Code, NoLists};
    use proptest::prelude::*;

    const HOSTS: [&str; 8] = [
        "target.com",
        "www.target.com",
        "a.www.target.com",
        "ebay.de",
        "www.ebay.de",
        "ebay.co.uk",
        "shop.ebay.co.uk",
        "shop.example.org",
    ];

    fn pattern() -> impl Strategy<Value = String> {
        let host = prop::sample::select(HOSTS.to_vec());
        let form = prop::sample::select(vec!["", "exact ", "wild"]);
        let path = prop::sample::select(vec!["", "/itm/", "/itm/x", "/ip"]);
        (host, form, path).prop_map(|(h, f, p)| match f {
            "wild" => {
                let label = if h.contains("ebay") { "ebay" } else { "target" };
                format!("{label}.*{p}")
            }
            _ => format!("{f}{h}{p}"),
        })
    }

    /// Every host a pattern above can match, and some that none name, under every path the patterns use.
    fn probe_urls() -> Vec<String> {
        let mut hosts: Vec<String> = HOSTS.iter().map(|h| h.to_string()).collect();
        for h in HOSTS {
            hosts.push(format!("policyc-witness.{h}"));
        }
        for tld in ["com", "de", "org", "co.uk", "net"] {
            hosts.push(format!("ebay.{tld}"));
            hosts.push(format!("www.ebay.{tld}"));
            hosts.push(format!("target.{tld}"));
            hosts.push(format!("www.target.{tld}"));
        }
        let paths = ["/", "/itm/x", "/itm/x/y", "/ip", "/ip/1"];
        hosts.iter().flat_map(|h| paths.iter().map(move |p| format!("https://{h}{p}"))).collect()
    }

    fn policy_text(shop: &[String], bad: &[String], never_region: Option<&str>, rule_region: Option<&str>) -> String {
        let mut t = String::from(
            "policy p { name \"P\" controller \"C\" established DE contact \"c@p.test\" version \"1\" languages en regions DE, US }\n\
             signal s \"s\"\ndata d \"d\"\npurpose u basis consent profiling no decisions none \"u\"\n",
        );
        t += &format!("sites shop \"shops\" {{\n{}\n}}\n", shop.join("\n"));
        if !bad.is_empty() {
            t += &format!("sites bad \"bad\" {{\n{}\n}}\n", bad.join("\n"));
            t += "never collect on bad";
            if let Some(r) = never_region {
                t += &format!(" region {r}");
            }
            t += "\n";
        }
        t += "collect d on shop when s for u keep 1 days";
        if let Some(r) = rule_region {
            t += &format!(" region {r}");
        }
        t + "\n"
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn sensitive_overlaps_agree_with_the_interpreter(
            shop in prop::collection::vec(pattern(), 1..4),
            bad in prop::collection::vec(pattern(), 0..3),
            list in prop::collection::vec(pattern(), 1..4),
            never_region in prop::sample::select(vec![None, Some("DE")]),
            rule_region in prop::sample::select(vec![None, Some("DE"), Some("US")]),
        ) {
            let text = policy_text(&shop, &bad, never_region, rule_region);
            let options = CheckOptions {
                sensitive: vec![("list.txt".into(), list.join("\n"))],
                ..CheckOptions::default()
            };
            let out = check_source("p.policy", &text, &mut NoLists, options);
            let Some(policy) = out.checked.policy.as_ref() else {
                // Only generated combinations the checker refuses (none expected); show them.
                return Err(TestCaseError::fail(format!("{text}\n{:#?}", out.checked.diagnostics)));
            };
            let psl = PublicSuffixList::bundled();
            let entries: Vec<Pattern> = list.iter().map(|l| Pattern::parse(l, false, psl).unwrap()).collect();
            let interp = Interpreter::new(policy);
            // The URL collects (under some region, with the rule's signal on) and is on the list.
            let collects_sensitive = |url: &str| {
                let Ok(u) = policyc::urlnorm::normalize(url) else { return false };
                let listed = entries.iter().any(|e| pattern_matches(e, &u.host, &u.path));
                listed && [None, Some("DE"), Some("US")].iter().any(|r| {
                    let settings =
                        Settings { set: vec![("s".into(), true)], region: r.map(str::to_string), event: None };
                    !interp.decide(url, &settings).unwrap().collect.is_empty()
                })
            };
            let warning = out.checked.diagnostics.iter().find(|d| d.code == Code::SensitiveSite);
            if let Some(url) = probe_urls().iter().find(|u| collects_sensitive(u)) {
                prop_assert!(warning.is_some(), "{} collects on a listed site; no warning\n{}", url, text);
            }
            if let Some(d) = warning {
                let help = d.help.as_deref().unwrap();
                let witness = help.split("witness: ").nth(1).unwrap().split([')', ' ']).next().unwrap();
                prop_assert!(collects_sensitive(witness), "witness {} does not collect on a listed site\n{}", witness, text);
            }
        }
    }

    /// The two cases found by hand: a list entry under a policy domain, and a policy wildcard with a path.
    #[test]
    fn subdomains_and_wildcard_paths_are_found() {
        for (shop, entry, witness) in [
            ("target.com", "www.target.com", "https://www.target.com/"),
            ("ebay.*/itm/", "ebay.de", "https://www.ebay.de/itm/x"),
        ] {
            let text = policy_text(&[shop.to_string()], &[], None, None);
            let options =
                CheckOptions { sensitive: vec![("list.txt".into(), entry.to_string())], ..CheckOptions::default() };
            let out = check_source("p.policy", &text, &mut NoLists, options);
            let d = out.checked.diagnostics.iter().find(|d| d.code == Code::SensitiveSite);
            let d = d.unwrap_or_else(|| panic!("{shop} vs {entry}: {:#?}", out.checked.diagnostics));
            assert!(d.help.as_deref().unwrap().contains(witness), "{d:?}");
        }
    }
}

mod snippets {
    //! Every policy snippet in README.md and docs/ passes `check`. Snippets are fenced as ```policy; the blocks
    //! of one document are read together, in order, as one policy (so that a page can introduce the header,
    //! declarations and rules one block at a time), with `from` lists resolved in `policies/`.

    use policyc::{check_source, CheckOptions, ListLoader};

    struct PoliciesDir;

    impl ListLoader for PoliciesDir {
        fn load(&mut self, path: &str) -> Result<(String, String), String> {
            let full = format!("policies/{path}");
            std::fs::read_to_string(&full).map(|t| (full, t)).map_err(|e| e.to_string())
        }
    }

    /// The fenced blocks of a Markdown text: (info string, first line number, body).
    fn blocks(text: &str) -> Vec<(String, usize, String)> {
        let mut out = Vec::new();
        let mut open: Option<(String, usize, String)> = None;
        for (n, line) in text.lines().enumerate() {
            let fence = line.trim_start().strip_prefix("```");
            match (&mut open, fence) {
                (None, Some(info)) => open = Some((info.trim().to_string(), n + 2, String::new())),
                (Some(_), Some(_)) => out.push(open.take().unwrap()),
                (Some((_, _, body)), None) => {
                    body.push_str(line);
                    body.push('\n');
                }
                (None, None) => {}
            }
        }
        out
    }

    const ITEM_KEYWORDS: [&str; 12] = [
        "policy ",
        "signal ",
        "feature ",
        "data ",
        "purpose ",
        "sites ",
        "never ",
        "collect ",
        "incentive ",
        "expect ",
        "criterion ",
        "process ",
    ];

    fn documents() -> Vec<String> {
        let mut docs = vec!["README.md".to_string()];
        for e in std::fs::read_dir("docs").unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                docs.push(p.display().to_string());
            }
        }
        docs.sort();
        docs
    }

    #[test]
    fn every_policy_snippet_in_the_documentation_checks() {
        let mut checked = 0;
        for doc in documents() {
            let text = std::fs::read_to_string(&doc).unwrap();
            let mut policy = String::new();
            for (info, line, body) in blocks(&text) {
                let first = body.lines().map(str::trim_start).find(|l| !l.is_empty() && !l.starts_with("//"));
                let looks_like_policy = first.is_some_and(|l| ITEM_KEYWORDS.iter().any(|k| l.starts_with(k)));
                assert!(
                    info == "policy" || !looks_like_policy,
                    "{doc}:{line}: a policy snippet fenced as ```{info}; fence it as ```policy so that it is checked"
                );
                if info == "policy" {
                    policy.push_str(&body);
                    checked += 1;
                }
            }
            if policy.is_empty() {
                continue;
            }
            let out = check_source(&format!("{doc}.policy"), &policy, &mut PoliciesDir, CheckOptions::default());
            let errors: Vec<_> = out.checked.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
            assert!(
                errors.is_empty(),
                "{doc}: its policy snippets do not check:\n{}",
                policyc::diagnostic::render_human(&errors, &out.sources, false)
            );
        }
        assert!(checked >= 6, "found only {checked} snippets; did the fences change?");
    }
}

mod purposes {
    use policyc::{check_source, Code, NoLists};

    const HEAD: &str = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en, de }\n\
        data d en \"d\" de \"d\"\nsites s en \"s\" de \"s\" { example.com }\n\
        collect d on s for ads keep 1 days\n";

    /// The documented order `interest TEXT TEXT`: the interest ends where a language comes a second time.
    #[test]
    fn interest_then_text_reads_as_documented() {
        let text = format!(
            "{HEAD}purpose ads basis legitimate_interest interest en \"reach\" de \"erreichen\" en \"ads\" de \"Werbung\"\n"
        );
        let out = check_source("p.policy", &text, &mut NoLists, Default::default());
        let policy = out.checked.policy.unwrap_or_else(|| panic!("{:#?}", out.checked.diagnostics));
        let p = &policy.purposes[0];
        assert_eq!(p.interest.as_ref().unwrap()["en"], "reach");
        assert_eq!(p.interest.as_ref().unwrap()["de"], "erreichen");
        assert_eq!(p.text["en"], "ads");
        assert_eq!(p.text["de"], "Werbung");
    }

    /// When the purpose's text is incomplete, the diagnostic shows what went to the interest.
    #[test]
    fn a_missing_purpose_text_says_what_the_interest_took() {
        for tail in ["en \"reach\" de \"erreichen\"", "en \"reach\" de \"erreichen\" en \"ads\""] {
            let text = format!("{HEAD}purpose ads basis legitimate_interest interest {tail}\n");
            let out = check_source("p.policy", &text, &mut NoLists, Default::default());
            let d = out.checked.diagnostics.iter().find(|d| d.code == Code::MissingText);
            let d = d.unwrap_or_else(|| panic!("{tail}: {:#?}", out.checked.diagnostics));
            assert!(d.message.starts_with("purpose `ads` has no text"), "{d:?}");
            assert!(d.labels.iter().any(|l| l.message.contains("interest")), "{d:?}");
            assert!(d.help.as_deref().unwrap().contains("interest"), "{d:?}");
        }
    }
}

#[test]
fn a_misspelt_setting_gets_a_suggestion_and_a_bad_region_its_own_message() {
    let explain = |extra: &[&str]| {
        let mut args = vec!["explain", "policies/price-tracker.policy", "https://www.ebay.de/itm/1"];
        args.extend_from_slice(extra);
        policyc(&args)
    };
    let o = explain(&["--set", "price_alert=on"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: `price_alert` is not a signal or feature of this policy"), "{}", stderr(&o));
    assert!(stderr(&o).contains("help: did you mean `--set price_alerts=on`?"), "{}", stderr(&o));

    let o = explain(&["--region", "FR"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: `FR` is not a region of this policy"), "{}", stderr(&o));
    assert!(stderr(&o).contains("help: the policy's regions: `DE`, `US-CA`"), "{}", stderr(&o));
    let o = explain(&["--region", "de"]);
    assert!(stderr(&o).contains("help: did you mean `--region DE`?"), "{}", stderr(&o));
    // A near miss by spelling is another country (`ES` for `US`), so none is suggested; a country of which the
    // policy names a part is pointed to it.
    let o = explain(&["--region", "US"]);
    assert!(
        stderr(&o).contains("help: the policy names only a part of `US`, such as `US-CA`: give `--region US-CA`"),
        "{}",
        stderr(&o)
    );
    let o = explain(&["--region", "ES"]);
    assert!(stderr(&o).contains("help: the policy's regions: `DE`, `US-CA`"), "{}", stderr(&o));
    let o = explain(&["--set", "DE=on"]);
    assert!(stderr(&o).contains("help: `DE` is a region: use `--region DE`"), "{}", stderr(&o));

    // A subdivision code is long enough for a near miss by spelling; one the policy does not name is pointed to
    // the region that holds it.
    let o = explain(&["--region", "US-CAL"]);
    assert!(stderr(&o).contains("help: did you mean `--region US-CA`?"), "{}", stderr(&o));
    let o = explain(&["--region", "DE-BY"]);
    assert!(
        stderr(&o).contains("help: `DE-BY` lies in `DE`, which the policy names: give `--region DE`"),
        "{}",
        stderr(&o)
    );
    // Contrary settings of one switch would let the last win without a word.
    let o = explain(&["--set", "price_alerts=on", "--set", "price_alerts=off"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: `price_alerts` is set both on and off"), "{}", stderr(&o));

    let o = explain(&["--set", "price_alerts=on", "--region", "DE"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).is_empty());
}

/// `check --format text` names its human output as `explain`, `audit` and `sources` do; `human`, its old name,
/// still works.
#[test]
fn check_names_its_text_format_as_the_other_commands_do() {
    let p = "policies/price-tracker.policy";
    let text = policyc(&["check", p, "--format", "text"]);
    let human = policyc(&["check", p, "--format", "human"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert_eq!((text.stdout, text.stderr), (human.stdout, human.stderr));
}

/// `disclose` and `store` take a language and a region as `explain` does, and answer a near miss the same way.
#[test]
fn a_misspelt_language_or_region_of_a_notice_gets_a_suggestion() {
    let p = "policies/shopping-assistant.policy";
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["disclose", p, "--lang", "EN"],
            "error: the policy is not written in `EN`",
            "help: did you mean `--lang en`?",
        ),
        (
            &["disclose", p, "--lang", "fr"],
            "error: the policy is not written in `fr`",
            "help: the policy's languages: `en`, `de`",
        ),
        (
            &["disclose", p, "--lang", "en", "--region", "de"],
            "error: `de` is not a region of this policy",
            "help: did you mean `--region DE`?",
        ),
        (
            &["disclose", p, "--lang", "en", "--region", "US-CAL"],
            "error: `US-CAL` is not a region of this policy",
            "help: did you mean `--region US-CA`?",
        ),
        (
            &["store", p, "--for", "chrome", "--lang", "DE"],
            "error: the policy is not written in `DE`",
            "help: did you mean `--lang de`?",
        ),
    ];
    for (args, error, help) in cases {
        let o = policyc(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(error) && stderr(&o).contains(help), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
}

/// A notice for a region with a law of its own (California's CCPA) is written only for a policy that declares
/// it, since `policyc check` checks what such a notice needs only for declared regions. Deciding URLs there is
/// still allowed: the matcher decides a user in California as one in the United States the policy declares.
#[test]
fn a_notice_for_an_undeclared_region_with_its_own_law_is_refused() {
    let p = "policies/real/rakuten.policy";
    let o = policyc(&["disclose", p, "--lang", "en", "--region", "US-CA"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("error: a notice for `US-CA` follows a law of its own that the policy was not checked for"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("help: declare `US-CA` in the policy's `regions`"), "{}", stderr(&o));
    assert!(stderr(&o).contains("or give `--region US`"), "{}", stderr(&o));
    // A policy that declares California gets its notice; one for a region with the same law as its country
    // (a member state of a declared `EU`) needs no declaration of its own.
    let o = policyc(&["disclose", "policies/shopping-assistant.policy", "--lang", "en", "--region", "US-CA"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = policyc(&["explain", p, "https://www.walmart.com/", "--region", "US-CA"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A policy with no regions says so instead of listing none.
    let o = policyc(&["disclose", "policies/real/honey.policy", "--lang", "en", "--region", "DE"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("help: the policy declares no regions: leave out `--region`"), "{}", stderr(&o));
}

/// One naming scheme for every output: the policy id with `_` written as `-` (`shopping_assistant` gives
/// `shopping-assistant.matcher`), which the disclosures use for the list files too, whatever the file is called.
#[test]
fn every_output_file_is_named_after_the_policy_id() {
    let dir = tempfile::tempdir().unwrap();
    let o = policyc(&["compile", "policies/shopping-assistant.policy", "-o", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert!(names.contains(&"shopping-assistant.matcher".to_string()), "{names:?}");
    assert!(names.contains(&"shopping-assistant.retail.sites.txt".to_string()), "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("shopping-assistant.")), "{names:?}");
    // The disclosures name the list file that was written next to them.
    let md = std::fs::read_to_string(dir.path().join("shopping-assistant.DE.en.md")).unwrap();
    assert!(md.contains("`shopping-assistant.retail.sites.txt`"));
    // The same policy as a YAML export under another file name gives the same files.
    let yaml = policyc(&["export", "policies/shopping-assistant.policy", "--format", "yaml"]);
    let other = tempfile::tempdir().unwrap();
    let renamed = other.path().join("exported-under-another-name.yaml");
    std::fs::write(&renamed, &yaml.stdout).unwrap();
    let out = other.path().join("out");
    let o = policyc(&["compile", renamed.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut again: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    again.sort();
    assert_eq!(again, names);
}

/// A policy in the data form: `test` and the rule origins in decisions point at the item's own line.
#[test]
fn yaml_and_json_policies_have_real_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["yaml", "json"] {
        let o = policyc(&["export", "policies/price-tracker.policy", "--format", format]);
        let text = stdout(&o);
        let line_of = |needle: &str, nth: usize| {
            text.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(nth).map(|(i, _)| i + 1).unwrap()
        };
        let path = dir.path().join(format!("p.{format}"));
        // The first expect line says the product page collects nothing by default; make it claim more.
        let broken = match format {
            "yaml" => text.replacen("  collects: []", "  collects: [product_url]", 1),
            _ => text.replacen("\"collects\": []", "\"collects\": [\"product_url\"]", 1),
        };
        assert_ne!(broken, text);
        std::fs::write(&path, &broken).unwrap();
        let o = policyc(&["test", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        // In JSON an item starts at its `{`, the line before its first key.
        let url_line = line_of("https://www.amazon.de/dp/B000123", 0) - usize::from(format == "json");
        let want = format!("p.{format}:{url_line}: https://www.amazon.de/dp/B000123");
        let out = stdout(&o) + &stderr(&o);
        assert!(out.contains(&want), "{format}: want {want}\n{out}");

        std::fs::write(&path, &text).unwrap();
        let o = policyc(&[
            "explain",
            path.to_str().unwrap(),
            "https://www.amazon.de/dp/1",
            "--set",
            "price_alerts=on",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        // The second collect rule (alerts) starts where its `data` list does.
        let rule_line = match format {
            "yaml" => line_of("- data:", 1),
            // (The first `"data": [` is the list of data items.)
            _ => line_of("\"data\": [", 2) - 1,
        };
        assert_eq!(v["rules"][0]["origin"], format!("p.{format}:{rule_line}"), "{format}");
    }
}

mod warnings {
    use super::{policyc, stderr};

    /// The bundled policy imports two third-party lists with 6 and 1 malformed entries.
    #[test]
    fn skipped_list_entries_are_one_warning_per_list_unless_verbose() {
        for command in ["check", "compile", "test"] {
            let dir = tempfile::tempdir().unwrap();
            let mut args = vec![command, "policies/shopping-assistant.policy"];
            if command == "compile" {
                args.extend(["-o", dir.path().to_str().unwrap()]);
            }
            let o = policyc(&args);
            let err = stderr(&o);
            assert_eq!(err.matches("warning[W0007]").count(), 2, "{command}: {err}");
            assert!(err.contains("skipped 6 entries of `policies/lists/ut1-shopping.txt`"), "{command}: {err}");
            assert!(err.contains("skipped 1 entry of `policies/lists/ut1-bank.txt`"), "{command}: {err}");
            assert!(err.contains("run with `--verbose`"), "{err}");
            args.push("--verbose");
            let err = stderr(&policyc(&args));
            assert_eq!(err.matches("warning[W0007]").count(), 7, "{command} --verbose: {err}");
        }
        // Machines get every entry.
        let o = policyc(&["check", "--format", "json", "policies/shopping-assistant.policy"]);
        assert_eq!(String::from_utf8(o.stdout).unwrap().matches("\"W0007\"").count(), 7);
    }

    #[test]
    fn errors_print_before_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.policy");
        // A warning on line 2 (a text in an undeclared language) and an error on line 5 (an undeclared data
        // item).
        std::fs::write(
            &path,
            "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
             data d en \"d\" fr \"d\"\n\
             purpose u basis consent \"u\"\n\
             sites s \"s\" { example.com }\n\
             collect d, e on s for u keep 1 days\n",
        )
        .unwrap();
        let err = stderr(&policyc(&["check", path.to_str().unwrap()]));
        let (e, w) = (err.find("error[E0002]").unwrap(), err.find("warning[W0014]").unwrap());
        assert!(e < w, "{err}");
    }
}

mod allow {
    //! `allow CODE "REASON"`: an author accepts a warning where it arises, and only there.

    use super::{policyc, stderr, stdout};
    use policyc::check::AllowScope;
    use policyc::{check_source, CheckOptions, Code, SourceCheck};
    use std::collections::BTreeMap;

    /// A policy with one warning of each scope: a skipped entry of `s`'s list (W0007), an unused data item
    /// (W0019) and a rule that repeats another (W0025). `HEAD`, `SITES` and `RULE` mark where `allow`s go.
    const POLICY: &str =
        "policy p {\n  name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en\nHEAD}\n\
        data d \"d\"\ndata e \"e\"\npurpose u basis contract \"u\"\n\
        sites s \"s\" {\nSITES  example.com\n  from \"l.txt\"\n}\n\
        sites t \"t\" {\nTSITES  example.org\n}\n\
        collect d on s, t for u keep 1 days\ncollect d on s for u keep 1 days\nRULE";

    fn check(head: &str, sites: &str, tsites: &str, rule: &str) -> SourceCheck {
        let text = POLICY.replace("HEAD", head).replace("TSITES", tsites).replace("SITES", sites).replace("RULE", rule);
        let mut lists = BTreeMap::from([("l.txt".to_string(), "example.net\nnot a pattern!\n".to_string())]);
        check_source("p.policy", &text, &mut lists, CheckOptions::default())
    }

    fn codes(out: &SourceCheck) -> Vec<&'static str> {
        let mut v: Vec<&str> = out.checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
        v.sort();
        v
    }

    #[test]
    fn without_allows_each_warning_is_reported() {
        let out = check("", "", "", "");
        assert_eq!(codes(&out), ["W0007", "W0019", "W0025"], "{:#?}", out.checked.diagnostics);
        assert!(out.checked.allowed.is_empty());
    }

    #[test]
    fn each_allow_accepts_its_finding_in_its_scope_and_says_why() {
        let out = check(
            "  allow W0019 \"documented for the next release\"\n",
            "  allow W0007 \"a third-party list\"\n",
            "",
            "  allow W0025 \"kept apart for review\"\n",
        );
        assert_eq!(codes(&out), Vec::<&str>::new(), "{:#?}", out.checked.diagnostics);
        let mut accepted: Vec<(&str, AllowScope, &str)> = out
            .checked
            .allowed
            .iter()
            .map(|a| (a.diagnostic.code.as_str(), a.scope.clone(), a.reason.as_str()))
            .collect();
        accepted.sort_by_key(|a| a.0);
        assert_eq!(
            accepted,
            [
                ("W0007", AllowScope::Sites("s".into()), "a third-party list"),
                ("W0019", AllowScope::Policy, "documented for the next release"),
                ("W0025", AllowScope::Rule, "kept apart for review"),
            ]
        );
        // The IR keeps them, for the data form.
        let policy = out.checked.policy.unwrap();
        assert_eq!(policy.allow[0].code, "W0019");
        assert_eq!(policy.sites[0].allow[0].reason, "a third-party list");
        assert_eq!(policy.collect[1].allow[0].code, "W0025");
    }

    #[test]
    fn an_allow_in_another_scope_or_for_another_code_accepts_nothing_and_says_so() {
        // W0007 allowed for `t`, whose patterns are all fine; W0022 instead of W0025 on the repeating rule; and
        // W0025 on the first rule, which is not the one that repeats.
        let text = POLICY
            .replace("HEAD", "")
            .replace("TSITES", "  allow W0007 \"wrong category\"\n")
            .replace("SITES", "")
            .replace(
                "collect d on s, t for u keep 1 days\n",
                "collect d on s, t for u keep 1 days allow W0025 \"first\"\n",
            )
            .replace("RULE", "  allow W0022 \"wrong code\"\n");
        let mut lists = BTreeMap::from([("l.txt".to_string(), "example.net\nnot a pattern!\n".to_string())]);
        let out = check_source("p.policy", &text, &mut lists, CheckOptions::default());
        assert!(out.checked.allowed.is_empty(), "{:#?}", out.checked.allowed);
        let d = &out.checked.diagnostics;
        for code in ["W0007", "W0019", "W0025"] {
            assert!(d.iter().any(|d| d.code.as_str() == code), "{code} is still reported: {d:#?}");
        }
        let unused: Vec<&str> = d.iter().filter(|d| d.code == Code::UnusedAllow).map(|d| d.message.as_str()).collect();
        assert_eq!(
            unused,
            [
                "`allow W0007` matches no finding in `t`",
                "`allow W0025` matches no finding in this rule",
                "`allow W0022` matches no finding in this rule"
            ]
        );
    }

    #[test]
    fn errors_unknown_codes_and_missing_reasons_are_refused() {
        let out = check("  allow E0002 \"later\"\n  allow W025 \"typo\"\n", "  allow W0007\n", "", "");
        let d = &out.checked.diagnostics;
        let find = |code: Code| d.iter().filter(|x| x.code == code).map(|x| x.message.as_str()).collect::<Vec<_>>();
        assert_eq!(
            find(Code::BadValue),
            ["`E0002` is an error, and errors cannot be allowed", "`W025` is not a diagnostic code"]
        );
        assert_eq!(
            d.iter().find(|x| x.message.contains("W025`")).unwrap().help.as_deref(),
            Some("did you mean `W0025`?")
        );
        assert_eq!(find(Code::MissingClause), ["`allow W0007` gives no reason"]);
        assert!(out.checked.policy.is_none());
    }

    #[test]
    fn the_data_form_keeps_allows() {
        let out = check(
            "  allow W0019 \"documented for the next release\"\n",
            "  allow W0007 \"a third-party list\"\n",
            "",
            "  allow W0025 \"kept apart for review\"\n",
        );
        let policy = out.checked.policy.unwrap();
        let yaml = policyc::yaml::to_yaml(&policy);
        let back = check_source("p.yaml", &yaml, &mut policyc::NoLists, CheckOptions::default());
        // The skipped list entry is gone from the data form (its list is inlined), and its `allow` is not called
        // unused for that; the other two findings arise and are accepted as in the policy.
        assert_eq!(codes(&back), Vec::<&str>::new(), "{:#?}", back.checked.diagnostics);
        let mut accepted: Vec<&str> = back.checked.allowed.iter().map(|a| a.diagnostic.code.as_str()).collect();
        accepted.sort();
        assert_eq!(accepted, ["W0019", "W0025"]);
        assert_eq!(policyc::yaml::to_yaml(&back.checked.policy.unwrap()), yaml);
    }

    #[test]
    fn check_lists_accepted_findings_in_json_and_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.policy");
        std::fs::write(
            &path,
            POLICY
                .replace("HEAD", "")
                .replace("TSITES", "")
                .replace("SITES", "")
                .replace("RULE", "  allow W0025 \"kept apart for review\"\n")
                .replace("  from \"l.txt\"\n", "")
                .replace("data e \"e\"\n", ""),
        )
        .unwrap();
        let p = path.to_str().unwrap();
        let o = policyc(&["check", "--format", "json", p]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1, "{v:#}");
        assert_eq!(v[0]["code"], "W0025");
        assert_eq!(v[0]["severity"], "allowed");
        assert_eq!(v[0]["line"], 13);
        assert_eq!(v[0]["allowed"]["scope"], "rule");
        assert_eq!(v[0]["allowed"]["reason"], "kept apart for review");
        assert_eq!(v[0]["allowed"]["line"], 14);
        let o = policyc(&["check", p]);
        assert!(stderr(&o).contains("ok (0 errors, 0 warnings, 1 accepted by `allow`)"), "{}", stderr(&o));
    }

    #[test]
    fn fmt_indents_allow_lines_like_other_clauses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.policy");
        let text = POLICY
            .replace("HEAD", "allow W0019 \"later\"\n")
            .replace("TSITES", "")
            .replace("SITES", "allow W0007 \"a list\"\n")
            .replace("RULE", "allow W0025 \"apart\"\n");
        std::fs::write(&path, &text).unwrap();
        let o = policyc(&["fmt", path.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let formatted = std::fs::read_to_string(&path).unwrap();
        for line in ["\n  allow W0019 \"later\"\n", "\n  allow W0007 \"a list\"\n", "\n  allow W0025 \"apart\"\n"] {
            assert!(formatted.contains(line), "{formatted}");
        }
    }
}

/// Issue 17: a signal that only `expect` lines mention is still unused (W0019): tests do not make the matcher
/// read it, and the help says that only tests name it.
#[test]
fn a_signal_only_tests_mention_is_unused() {
    let text = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
        signal signed_in \"you are signed in\"\ndata d \"d\"\npurpose u basis contract \"u\"\n\
        sites s \"s\" { example.com }\ncollect d on s for u keep 1 days\n\
        expect \"https://example.com/\" with signed_in collects d\n";
    let out = policyc::check_source("p.policy", text, &mut policyc::NoLists, Default::default());
    let d: Vec<_> = out.checked.diagnostics.iter().filter(|d| d.code == policyc::Code::UnusedDeclaration).collect();
    assert_eq!(d.len(), 1, "{:#?}", out.checked.diagnostics);
    assert_eq!(d[0].message, "signal `signed_in` is never used");
    assert!(d[0].help.as_deref().unwrap().starts_with("only `expect` lines name it and no rule refers to it"));
    // A rule that reads it makes it used.
    let used = text.replace("keep 1 days", "keep 1 days when signed_in");
    let out = policyc::check_source("p.policy", &used, &mut policyc::NoLists, Default::default());
    assert!(out.checked.diagnostics.is_empty(), "{:#?}", out.checked.diagnostics);
}

/// A file saved on Windows, as "UTF-8 with BOM" and with `\r\n` line endings, checks like any other, `fmt`
/// keeps its line endings and its mark (so `fmt --check` passes on a formatted Windows checkout), and the
/// policy's hash is that of the same policy saved plainly.
#[test]
fn a_windows_file_with_bom_and_crlf_checks_and_formats_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read_to_string("runtime/tests/data/demo.policy").unwrap();
    let windows = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let (a, b) = (dir.path().join("plain.policy"), dir.path().join("windows.policy"));
    std::fs::write(&a, &plain).unwrap();
    std::fs::write(&b, &windows).unwrap();
    let check = policyc(&["check", b.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let hash = |p: &std::path::Path| {
        let out = dir.path().join(p.file_stem().unwrap());
        let o = policyc(&["compile", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(hash(&a), hash(&b));
    let fmt = policyc(&["fmt", b.to_str().unwrap()]);
    assert_eq!(fmt.status.code(), Some(0), "{}", stderr(&fmt));
    let formatted = std::fs::read_to_string(&b).unwrap();
    assert!(formatted.starts_with('\u{feff}'), "the mark stays");
    assert!(!formatted.replace("\r\n", "").contains('\n'), "every line ends in \\r\\n: {formatted:?}");
    assert_eq!(policyc(&["fmt", "--check", b.to_str().unwrap()]).status.code(), Some(0));
}

/// A retention number too large to read is reported as too large, not as the largest number that can be read.
#[test]
fn a_retention_number_too_large_to_read_is_not_renamed() {
    let text = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
                data d \"d\"\npurpose s basis consent \"s\"\nsites x \"x\" { a.example }\n\
                collect d on x for s keep 99999999999999999999 days\n";
    let out = policyc::check_source("p.policy", text, &mut policyc::NoLists, Default::default());
    let messages: Vec<&str> = out.checked.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(messages.contains(&"this retention is out of range: its number of days is far too large"), "{messages:?}");
    assert!(!messages.iter().any(|m| m.contains("18446744073709551615")), "{messages:?}");
}

/// An incentive's value missing in one language is that error alone: the empty text standing in for it is no
/// value "without an amount" (W0030), whose help would ask for an amount the other language already gives.
#[test]
fn a_missing_translation_of_an_incentive_value_is_not_also_a_value_without_amount() {
    let text = include_str!("fixtures/diagnostics/W0030-incentive-value-restates-reward.policy")
        .replace("languages  en", "languages  en, de")
        .replace("\"Demo\"", "en \"Demo\" de \"Demo\"")
        .replace("value \"US$5\"", "value en \"US$12 per customer and year\"");
    let out = policyc::check_source("p.policy", &text, &mut policyc::NoLists, Default::default());
    let on_value: Vec<&str> = out
        .checked
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("the value of incentive"))
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(on_value, ["E0008"], "{:#?}", out.checked.diagnostics);
}

/// The longest retention is a century in every unit, as the help says: `1200 months` is as long as `100 years`
/// and accepted, `36600 days` is longer and refused.
#[test]
fn the_retention_limit_is_a_century_in_every_unit() {
    let codes = |keep: &str| -> Vec<String> {
        let text = format!(
            "policy p {{ name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }}\n\
             data d \"d\"\npurpose s basis consent \"s\"\nsites x \"x\" {{ a.example }}\n\
             collect d on x for s keep {keep}\n"
        );
        let out = policyc::check_source("p.policy", &text, &mut policyc::NoLists, Default::default());
        out.checked
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "E0016")
            .map(|d| d.help.clone().unwrap_or_default())
            .collect()
    };
    for within in ["100 years", "1200 months", "5217 weeks", "36525 days", "1 day"] {
        assert_eq!(codes(within), Vec::<String>::new(), "{within}");
    }
    for over in ["101 years", "1201 months", "5218 weeks", "36526 days", "36600 days", "0 days"] {
        let helps = codes(over);
        assert_eq!(helps.len(), 1, "{over}: {helps:?}");
        assert!(helps[0].starts_with("a retention period is at least 1 day and at most 100 years ("), "{helps:?}");
    }
}

/// An item that two rules collect for different purposes and periods: `explain` shows each rule's own, since
/// the item's retention alone (the longest) would say that data collected for 30-day alerts is kept a year.
#[test]
fn explain_shows_each_rules_purposes_and_retention_where_they_differ() {
    let args = [
        "explain",
        "policies/price-tracker.policy",
        "https://www.ebay.de/itm/1",
        "--set",
        "price_alerts=on",
        "--set",
        "price_history=on",
        "--set",
        "history_consent=on",
    ];
    let o = policyc(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("  keep:   for 1 year (the longest; each rule's below)\n"), "{text}");
    assert!(
        text.contains(
            "  by:     `collect 1` at price-tracker.policy:54: for price_history; keep: for 1 year\n          `collect 2` at price-tracker.policy:61: for alerts; keep: for 30 days\n"
        ),
        "{text}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&policyc(&json_args))).unwrap();
    let by_rule = &v["items"][0]["by_rule"];
    assert_eq!(by_rule[1]["purposes"], serde_json::json!(["alerts"]));
    assert_eq!(by_rule[1]["retention"], "30 days");
    assert_eq!(v["items"][0]["retention"], "1 year");

    // One rule alone: one line, as before.
    let o =
        policyc(&["explain", "policies/price-tracker.policy", "https://www.ebay.de/itm/1", "--set", "price_alerts=on"]);
    let text = stdout(&o);
    assert!(text.contains("  keep:   for 30 days\n"), "{text}");
    assert!(text.contains("  by:     `collect 2` at price-tracker.policy:61\n"), "{text}");
}

/// An `expect` line may test a region inside a declared one (`DE` under `regions EU`): a component asks the
/// artifact for `DE` and gets the rules for `EU`, so the test must be able to ask the same, and decide as
/// `policyc explain --region DE` does. A region outside every declared one is still refused (E0013).
#[test]
fn an_expect_line_tests_a_member_of_a_declared_region() {
    let policy = "policy p { name \"P\" controller \"C\" established DE contact \"c@p.test\" version \"1\" \
        languages en regions EU, US }\n\
        data page_url \"the page address\"\n\
        data title \"the page title\"\n\
        purpose stats basis consent profiling no decisions none \"counting visits\"\n\
        sites shops \"shops\" { shop.example }\n\
        collect page_url on shops for stats keep 30 days region EU\n\
        collect title on shops for stats keep 30 days region US\n\
        expect \"https://shop.example/a\" region DE collects page_url keeps page_url 30 days\n\
        expect \"https://shop.example/a\" region US-CA collects title\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.policy");
    std::fs::write(&path, policy).unwrap();
    let file = path.to_str().unwrap();
    let o = policyc(&["check", file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("E0013"), "{}", stderr(&o));
    let o = policyc(&["test", file]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // The decisions the `expect` lines assert are the ones `explain` gives for those regions.
    for (region, collected) in [("DE", "page_url"), ("US-CA", "title")] {
        let o = policyc(&["explain", file, "https://shop.example/a", "--region", region, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(json["collect"], serde_json::json!([collected]), "{region}: {json}");
    }

    // A region that no declared region contains is still an error, with the declared regions in the help.
    std::fs::write(&path, policy.replace("region DE collects", "region GB collects")).unwrap();
    let o = policyc(&["check", file]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E0013") && stderr(&o).contains("region `GB` is not declared"), "{}", stderr(&o));
    // A rule, unlike a test, is scoped to declared regions only, since each gets a notice; the help says why a
    // region inside a declared one still needs declaring.
    std::fs::write(&path, policy.replace("keep 30 days region EU", "keep 30 days region DE")).unwrap();
    let o = policyc(&["check", file]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`DE` lies in `EU`, which the policy declares"), "{}", stderr(&o));
}

/// W0028's help quotes the notice's summary only where the pair's two retentions are all the item has for the
/// purpose: with a third rule the summary gives three, and "up to 1 year" would be wrong.
#[test]
fn conflicting_retentions_quote_the_summary_only_for_a_pair() {
    let head = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
                signal signed_in \"you are signed in\"\n\
                data a \"the page address\"\npurpose u basis consent \"counting visits\"\n\
                sites s \"shops\" { shop.example }\n\
                collect a on s for u keep 30 days\ncollect a on s when signed_in for u keep 1 year\n";
    let dir = tempfile::tempdir().unwrap();
    let help = |text: &str| {
        let path = dir.path().join("p.policy");
        std::fs::write(&path, text).unwrap();
        let o = policyc(&["check", path.to_str().unwrap(), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let w: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "W0028")
            .map(|d| d["help"].as_str().unwrap().to_string())
            .collect();
        w
    };
    let pair = help(head);
    assert_eq!(pair.len(), 1, "{pair:?}");
    assert!(pair[0].contains("and the summary says up to 1 year"), "{pair:?}");
    let three = help(&format!("{head}collect a on s when not signed_in for u keep until uninstall\n"));
    assert!(!three.is_empty() && three.iter().all(|h| !h.contains("the summary says")), "{three:?}");
}
