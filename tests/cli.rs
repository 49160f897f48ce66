//! The command line as users meet it: exit codes, output formats, streams, bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn policyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyc")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn policyc_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Write from a thread so that a large input cannot deadlock against the child's output; a child that
    // exits early (a refused artifact) closes the pipe, which is not an error here.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// The bundled shopping policy compiled into a fresh folder: the folder (kept alive by the caller) and the
/// artifact's path.
fn shopping_artifact() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let o = policyc(&["compile", "policies/shopping-assistant.policy", "-o", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let artifact = dir.path().join("shopping-assistant.matcher");
    (dir, artifact)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn bundled_policies_check_clean() {
    let o = policyc(&[
        "check",
        "policies/shopping-assistant.policy",
        "policies/news-analytics.policy",
        "policies/price-tracker.policy",
        "policies/real/capital-one-shopping.policy",
        "policies/real/honey.policy",
        "policies/real/rakuten.policy",
        "policies/real/shoptimate.policy",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("error["), "{}", stderr(&o));
}

#[test]
fn a_misspelt_name_fails_with_line_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("policies/price-tracker.policy").unwrap().replace(
        "collect product_url, product_price\n  on marketplaces\n  when price_alerts",
        "collect product_url, product_prize\n  on marketplaces\n  when price_alerts",
    );
    let path = dir.path().join("typo.policy");
    std::fs::write(&path, text).unwrap();
    let o = policyc(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[E0002]"), "{err}");
    assert!(err.contains("typo.policy:61:22"), "{err}");
    assert!(err.contains("did you mean `product_price`?"), "{err}");

    let o = policyc(&["check", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &v.as_array().unwrap()[0];
    for key in ["code", "severity", "message", "file", "line", "column", "end_line", "end_column", "help"] {
        assert!(d.get(key).is_some(), "missing {key}: {d}");
    }
    assert_eq!(d["line"], 61);
}

#[test]
fn usage_and_io_problems_exit_2() {
    assert_eq!(policyc(&["check", "no/such/file.policy"]).status.code(), Some(2));
    assert_eq!(policyc(&["check"]).status.code(), Some(2));
    assert_eq!(policyc(&["frobnicate"]).status.code(), Some(2));
    let o = policyc(&["explain", "policies/price-tracker.policy", "https://a.example/", "--set", "nosuch=on"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`nosuch` is not a signal or feature of this policy"), "{}", stderr(&o));
    let o = policyc(&["explain", "policies/price-tracker.policy", "https://a.example/", "--set", "price_alerts=maybe"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn export_yaml_then_json_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = policyc(&["export", "policies/shopping-assistant.policy", "--format", "yaml"]);
    assert_eq!(yaml.status.code(), Some(0));
    let path = dir.path().join("twin.yaml");
    std::fs::write(&path, &yaml.stdout).unwrap();
    let a = policyc(&["export", "policies/shopping-assistant.policy", "--format", "json"]);
    let b = policyc(&["export", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn compile_writes_a_deterministic_artifact_and_prints_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = policyc(&["compile", "policies/shopping-assistant.policy", "-o", out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let hash = stdout(&o).trim().to_string();
    assert_eq!(hash.len(), 64);
    let first = std::fs::read(dir.path().join("shopping-assistant.matcher")).unwrap();
    let o = policyc(&["compile", "./policies/../policies/shopping-assistant.policy", "-o", out]);
    assert_eq!(stdout(&o).trim(), hash);
    assert_eq!(std::fs::read(dir.path().join("shopping-assistant.matcher")).unwrap(), first);

    let artifact = dir.path().join("shopping-assistant.matcher");
    let o = policyc(&[
        "explain",
        artifact.to_str().unwrap(),
        "https://www.walmart.com/ip/123",
        "--set",
        "assistant_active=on",
        "--set",
        "signed_in=on",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for key in
        ["url", "host", "collect", "linked", "purposes", "retention", "rules", "blocked_by", "policy_hash", "error"]
    {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["collect"], serde_json::json!(["page_url", "page_title", "product_price"]));
    assert_eq!(v["linked"], v["collect"]);
    assert_eq!(v["policy_hash"], hash.as_str());
    assert!(v["error"].is_null());
    assert!(v["rules"][0]["origin"].as_str().unwrap().starts_with("shopping-assistant.policy:"));

    let text = stdout(&policyc(&["explain", artifact.to_str().unwrap(), "https://www.chase.com/"]));
    assert!(text.contains("blocked:  by `never 1`"), "{text}");
    let path = artifact.to_str().unwrap();
    let text = stdout(&policyc(&["explain", path, "https://www.walmart.com/ip/1", "--set", "price_compare=off"]));
    // The second collect rule's line, read from the policy so that edits above it do not break the test.
    let source = std::fs::read_to_string("policies/shopping-assistant.policy").unwrap();
    let line = source.lines().position(|l| l.starts_with("collect product_price")).unwrap() + 1;
    let want =
        format!("not fired: `collect 2` at shopping-assistant.policy:{line} collects there only when price_compare");
    assert!(text.contains(&want), "{text}");
    let text = stdout(&policyc(&["explain", path, "https://www.walmart.com/ip/1"]));
    assert!(text.contains("linking:  `collect 1` links to the account when assistant_active and signed_in"), "{text}");
}

#[test]
fn match_streams_one_decision_per_line_and_survives_bad_lines() {
    let (_dir, artifact) = shopping_artifact();
    let mut input = Vec::new();
    input.extend_from_slice(b"https://www.walmart.com/ip/1\n");
    input.extend_from_slice(b"not a url\n");
    input.extend_from_slice(b"https://www.bankofamerica.com/\xff\xfe\n");
    input.extend_from_slice(format!("https://www.walmart.com/{}\n", "a".repeat(2 << 20)).as_bytes());
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"https://www.target.com/p/x"); // no final newline
    let o = policyc_stdin(&["match", artifact.to_str().unwrap(), "--set", "signed_in=on"], &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["collect"], serde_json::json!(["page_url", "page_title", "product_price"]));
    assert!(lines[1]["error"].as_str().unwrap().contains("not a valid URL"));
    assert!(lines[2]["error"].as_str().unwrap().contains("not UTF-8"));
    assert!(lines[3]["error"].as_str().unwrap().contains("longer than"));
    assert!(lines[4]["error"].is_string());
    assert_eq!(lines[5]["url"], "https://www.target.com/p/x");
    for l in &lines[1..5] {
        assert_eq!(l["collect"], serde_json::json!([]));
    }
}

/// `match` strips only the line break: the URL standard strips C0 controls and spaces around a URL, and nothing
/// else, so a URL led by U+3000 or U+00A0 is not a URL, and the decision shows the input exactly as given.
#[test]
fn match_strips_what_the_url_standard_strips_and_keeps_the_input() {
    let (_dir, artifact) = shopping_artifact();
    let refused = ["\u{3000}https://www.ebay.de/", "\u{a0}https://www.ebay.de/", "\u{2028}https://www.ebay.de/\u{85}"];
    let accepted = [" https://www.ebay.de/ ", "\thttps://www.ebay.de/\u{1}", "https://www.ebay.de/\r"];
    let input: String = refused.iter().chain(&accepted).map(|u| format!("{u}\n")).collect();
    let o = policyc_stdin(&["match", artifact.to_str().unwrap()], input.as_bytes());
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6, "{}", stdout(&o));
    for (l, url) in lines.iter().zip(&refused) {
        assert_eq!(l["collect"], serde_json::json!([]), "{url:?}");
        assert!(l["error"].is_string(), "{url:?}");
        assert_eq!(l["url"], *url, "the decision shows the input as given");
    }
    for (l, url) in lines[3..].iter().zip(&accepted) {
        assert_eq!(l["collect"], serde_json::json!(["page_url", "page_title"]), "{url:?}");
        assert_eq!(l["url"], url.trim_end_matches('\r'), "only the line break is removed");
    }
    // `explain`, asked about the same string on its command line, refuses it as no URL at all.
    let o = policyc(&["explain", artifact.to_str().unwrap(), "\u{3000}https://www.ebay.de/", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a valid URL"));
}

/// A reader that goes away (`policyc disclose ... | head -0`) ends the command quietly: no panic, no message.
#[test]
fn commands_end_quietly_when_their_output_pipe_closes() {
    let (dir, artifact) = shopping_artifact();
    let a = artifact.to_str().unwrap();
    let p = "policies/shopping-assistant.policy";
    let commands: Vec<Vec<&str>> = vec![
        vec!["explain", a, "https://www.walmart.com/ip/1"],
        vec!["explain", a, "https://www.walmart.com/ip/1", "--format", "json"],
        vec!["disclose", p, "--lang", "de", "--format", "html"],
        vec!["export", p],
        vec!["export", p, "--format", "json"],
        vec!["compile", p, "-o", dir.path().to_str().unwrap()],
        vec!["test", p],
        vec!["diff", p, "policies/price-tracker.policy"],
        vec!["check", "--format", "json", p],
    ];
    for args in commands {
        // The pipe is closed before the command gets to write (it first reads and checks the policy), so its
        // first write fails; large outputs (export, disclose) fail even if the race goes the other way.
        let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
        assert_ne!(o.status.code(), Some(101), "{args:?}");
    }
}

/// Output that cannot be written (a full disk) is no closed pipe: `match` says so and exits 2, on one thread
/// and on several, for a short input as for a long one.
#[test]
#[cfg(target_os = "linux")]
fn match_output_that_cannot_be_written_is_an_error() {
    let (_dir, artifact) = shopping_artifact();
    for (lines, jobs) in [(1, "1"), (1, "4"), (20_000, "1"), (20_000, "4")] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(["match", artifact.to_str().unwrap(), "-j", jobs])
            .stdin(Stdio::piped())
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all("https://www.walmart.com/ip/1\n".repeat(lines).as_bytes());
        });
        let o = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{lines} lines, -j {jobs}: {err}");
        assert!(err.contains("error: cannot write to standard output: No space left on device"), "{err}");
    }
}

/// `match --jobs N` decides on N threads and writes in input order: the same bytes as one thread.
#[test]
fn match_on_many_threads_writes_what_one_thread_writes_in_order() {
    let (_dir, artifact) = shopping_artifact();
    // Every entry of the bundled shopping list, each followed by a bank, a broken line and a non-URL, so that
    // chunks hold decisions of every kind: 10,000s of lines, many chunks per thread.
    let list = std::fs::read_to_string("policies/lists/ut1-shopping.txt").unwrap();
    let mut input = Vec::new();
    for d in list.lines().filter(|l| !l.starts_with('#')).take(12_000) {
        input.extend_from_slice(format!("https://www.{d}/\nhttps://www.chase.com/\n").as_bytes());
        input.extend_from_slice(b"\xff\nnot a url\n");
    }
    let a = artifact.to_str().unwrap();
    let one = policyc_stdin(&["match", a, "--jobs", "1"], &input);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout.iter().filter(|b| **b == b'\n').count(), 48_000);
    for jobs in ["2", "4"] {
        let many = policyc_stdin(&["match", a, "--jobs", jobs], &input);
        assert_eq!(many.status.code(), Some(0));
        assert!(many.stdout == one.stdout, "--jobs {jobs} differs from --jobs 1");
    }
    let default = policyc_stdin(&["match", a], &input);
    assert!(default.stdout == one.stdout, "the default (every core) differs from --jobs 1");
}

/// `match` decides its lines in batches (which overlap the memory accesses of several URLs); each line's
/// output is still exactly the report one call for that URL alone gives, in input order, with refused lines
/// (not UTF-8) in their places between the batched ones.
#[test]
fn match_prints_for_each_line_what_deciding_it_alone_gives() {
    use policyc::matcher::Matcher;
    use policyc::report::{Report, Settings};
    let (_dir, artifact) = shopping_artifact();
    let forms = [
        "https://www.walmart.com/ip/1", // a path pattern
        "https://www.walmart.com/cart", // its host, off the path
        "https://www.ebay.de/itm/2",    // a wildcard
        "https://ebay.co.uk/",          // the wildcard under a two-label suffix
        "https://www.chase.com/",       // a bank: never collected
        "HTTPS://WWW.TARGET.COM/p/x",   // the full parser
        "https://unknown.example/",     // no category
        "ftp://www.walmart.com/",       // refused by the matcher
        "not a url",
        "",
    ];
    let mut input = Vec::new();
    let mut lines: Vec<Option<&str>> = Vec::new();
    for i in 0..150 {
        if i % 23 == 5 {
            input.extend_from_slice(b"https://www.walmart.com/\xff\n");
            lines.push(None);
        } else {
            let url = forms[(i * 7) % forms.len()];
            input.extend_from_slice(format!("{url}\n").as_bytes());
            lines.push(Some(url));
        }
    }
    let o = policyc_stdin(&["match", artifact.to_str().unwrap(), "--set", "signed_in=on", "--jobs", "1"], &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bytes = std::fs::read(&artifact).unwrap();
    let m = Matcher::from_bytes(&bytes).unwrap();
    let cx = Settings { set: vec![("signed_in".into(), true)], ..Settings::default() }.context(&m).unwrap();
    let out = stdout(&o);
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got.len(), lines.len());
    for (got, line) in got.iter().zip(&lines) {
        match line {
            Some(url) => assert_eq!(*got, serde_json::to_string(&Report::decide(&m, url, &cx)).unwrap(), "{url}"),
            None => assert!(got.contains("not UTF-8"), "{got}"),
        }
    }
    assert!(got.iter().any(|l| l.contains("product_price")), "some line collects");
}

#[test]
fn bad_artifacts_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    policyc(&["compile", "policies/price-tracker.policy", "-o", out]);
    let good = std::fs::read(dir.path().join("price-tracker.matcher")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.matcher", good[..good.len() / 2].to_vec(), "checksum"),
        (
            "flipped.matcher",
            {
                let mut b = good.clone();
                b[good.len() - 10] ^= 0x10;
                b
            },
            "corrupted",
        ),
        (
            "version.matcher",
            {
                let mut b = good.clone();
                b[16] = 9;
                b
            },
            "format version 9",
        ),
        ("text.matcher", b"hello".to_vec(), "not a policyc matcher"),
    ];
    for (name, bytes, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for cmd in
            [vec!["explain", path.to_str().unwrap(), "https://a.example/"], vec!["match", path.to_str().unwrap()]]
        {
            let o = policyc_stdin(&cmd, b"https://a.example/\n");
            assert_eq!(o.status.code(), Some(2), "{name}");
            let err = stderr(&o);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(says), "{name}: {err}");
            assert!(o.stdout.is_empty());
        }
    }
}

#[test]
fn test_command_reports_failures_with_their_line() {
    assert_eq!(policyc(&["test", "policies/shopping-assistant.policy"]).status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("policies/price-tracker.policy").unwrap()
        + "expect \"https://www.paypal.com/\" with price_alerts collects product_url\n";
    let path = dir.path().join("wrong.policy");
    std::fs::write(&path, text).unwrap();
    let o = policyc(&["test", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    // The added line is the file's last, and every other `expect` line passes.
    let source = std::fs::read_to_string(&path).unwrap();
    let line = source.lines().count();
    let others = source.lines().filter(|l| l.starts_with("expect ")).count() - 1;
    assert!(out.contains("FAIL") && out.contains(&format!("wrong.policy:{line}:")), "{out}");
    assert!(out.contains("expected to collect `product_url`, but collects nothing"), "{out}");
    assert!(out.contains("blocked by `never 1`"), "{out}");
    assert!(out.contains(&format!("{others} passed, 1 failed")), "{out}");
}

/// Issue 17: a failing expectation shows where the expected list ends and the actual one begins, and how they
/// differ ("expected to link a, b, links a, c" had no visible boundary).
#[test]
fn a_failing_expectation_separates_the_two_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("links.policy");
    std::fs::write(
        &path,
        "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
         data a \"a\"\ndata b \"b\"\ndata c \"c\"\npurpose u basis contract \"u\"\nsites s \"s\" { example.com }\n\
         collect a, c on s for u keep 1 days link to account always\ncollect b on s for u keep 1 days\n\
         expect \"https://example.com/\" collects a, b, c links a, b\n",
    )
    .unwrap();
    let o = policyc(&["test", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("expected to link `a`, `b`, but links `a`, `c` (`b` missing, `c` not expected)"), "{out}");
}

/// `uses`, `keeps` and `shares` check each data item's purposes, retention and recipients, exactly: a passing line,
/// and a failing one that prints both sides per item, or says that the item is not collected.
#[test]
fn expectations_check_each_items_purposes_retention_and_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("items.policy");
    std::fs::write(
        &path,
        "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
         data a \"a\"\ndata b \"b\"\npurpose u basis contract \"u\"\n\
         purpose v basis contract shared with ad \"v\"\nrecipient ad \"ads\"\ncriterion later \"later\"\n\
         sites s \"s\" { example.com }\n\
         collect a, b on s for u keep 1 day\ncollect b on s for v keep until later\n\
         expect \"https://example.com/\" collects a, b uses a for u uses b for v, u keeps a 1 day keeps b until later \
         shares a with nobody shares b with ad\n\
         expect \"https://example.com/\" uses a for u, v keeps b 1 day shares a with ad shares b with nobody\n\
         expect \"https://other.example/\" uses a for u\n",
    )
    .unwrap();
    let o = policyc(&["test", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("ok   "), "{out}");
    for want in [
        "expected to use `a` for `u`, `v`, but uses it for `u` (`v` missing)",
        "expected to keep `b` for 1 day, but keeps it until later",
        "expected to share `a` with `ad`, but shares it with nobody",
        "expected to share `b` with nobody, but shares it with `ad`",
    ] {
        assert!(lines[1].contains(want), "{want}: {out}");
    }
    assert!(lines[2].ends_with("expected to use `a` for `u`, but does not collect it"), "{out}");
    assert!(out.ends_with("1 passed, 2 failed\n"), "{out}");
}

/// `explain` shows purposes, retention, linkage, recipients and rules per data item, not per URL: an item collected
/// by two rules has both rules' purposes, the other item only its own; from an artifact, which does not carry
/// recipients, it says so.
#[test]
fn explain_shows_each_item_with_its_own_purposes_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("items.policy");
    std::fs::write(
        &path,
        "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
         signal signed_in \"you are signed in\"\n\
         data a \"a\"\ndata b \"b\"\npurpose u basis contract \"u\"\n\
         purpose v basis contract shared with ad \"v\"\nrecipient ad \"ads\"\n\
         sites s \"s\" { example.com }\n\
         collect a, b on s for u keep 1 day link to account when signed_in\ncollect b on s for v keep until uninstall\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let text = stdout(&policyc(&["explain", p, "https://example.com/", "--set", "signed_in=on"]));
    let want =
        "item:     a\n  for:    u\n  keep:   for 1 day\n  link:   linked to the account\n  shared: with nobody\n  \
                by:     `collect 1` at items.policy:9\n\
                item:     b\n  for:    u, v\n  keep:   until uninstall (the longest; each rule's below)\n  \
                link:   linked to the account\n  shared: with ad\n  \
                by:     `collect 1` at items.policy:9: for u; keep: for 1 day\n          \
                `collect 2` at items.policy:10: for v; keep: until uninstall\n";
    assert!(text.contains(want), "{text}");
    assert!(!text.contains("purposes:"), "purposes are per item, not per URL: {text}");

    let json = stdout(&policyc(&["explain", p, "https://example.com/", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["items"][0]["data"], "a");
    assert_eq!(v["items"][0]["linked"], false);
    assert_eq!(v["items"][1]["purposes"], serde_json::json!(["u", "v"]));
    assert_eq!(v["items"][1]["recipients"], serde_json::json!(["ad"]));
    assert_eq!(v["items"][1]["retention"], "until uninstall");
    assert_eq!(v["purposes"], serde_json::json!(["u", "v"]), "the decision's keys stay as `match` prints them");

    let out = dir.path().join("out");
    let o = policyc(&["compile", p, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let artifact = out.join("p.matcher");
    let text = stdout(&policyc(&["explain", artifact.to_str().unwrap(), "https://example.com/"]));
    assert!(text.contains("item:     b\n  for:    u, v\n"), "{text}");
    assert!(text.contains("  shared: not in the artifact"), "{text}");
}

#[test]
fn check_sensitive_reports_collection_on_supplied_lists() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("health.txt");
    std::fs::write(&list, "# a sensitive list\nwalmart.com\nchase.com\nclinic.example\n").unwrap();
    let o = policyc(&[
        "check",
        "policies/shopping-assistant.policy",
        "--sensitive",
        list.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "warnings only");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let hits: Vec<&serde_json::Value> = v.as_array().unwrap().iter().filter(|d| d["code"] == "W0026").collect();
    // walmart.com is collected on by three rules (two on retail, one on product pages); chase.com is a bank,
    // excluded by `never`.
    assert_eq!(hits.len(), 3, "{hits:#?}");
    assert!(hits.iter().all(|d| d["help"].as_str().unwrap().contains("walmart.com")));
    assert!(!stdout(&o).contains("`chase.com` (witness"));
}

#[test]
fn diff_and_coverage_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    let new =
        old.replace("keep 30 days", "keep 7 days").replace("  otto.de/p/\n", "  otto.de/p/\n  galaxus.de/product/\n");
    let (a, b) = (dir.path().join("old.policy"), dir.path().join("new.policy"));
    std::fs::write(&a, &old).unwrap();
    std::fs::write(&b, &new).unwrap();
    let o = policyc(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.contains("`product_url` for `alerts` is now kept for 7 days (was 30 days)"), "{md}");
    // The alerts rule starts off (`price_alerts` defaults to off): its change shows with the switch on.
    assert!(md.contains("now keeps product_price for 7 days (before: 30 days), product_url for 7 days (before: 30 days), with price_alerts on"), "{md}");
    assert!(md.contains("| `marketplaces` | 1 | 0 | `galaxus.de/product/` |"), "{md}");
    let o = policyc(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scope"][0]["added"], 1);

    let o = policyc(&["test", "--coverage", "policies/news-analytics.policy"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("coverage: collect rules 1/1, never rules 1/1, site categories 2/2"), "{}", stdout(&o));
}

#[test]
fn fmt_keeps_meaning_and_bundled_policies_are_formatted() {
    let o = policyc(&[
        "fmt",
        "--check",
        "policies/shopping-assistant.policy",
        "policies/news-analytics.policy",
        "policies/price-tracker.policy",
        "policies/real/capital-one-shopping.policy",
        "policies/real/honey.policy",
        "policies/real/rakuten.policy",
        "policies/real/shoptimate.policy",
    ]);
    assert_eq!(o.status.code(), Some(0), "unformatted: {}", stdout(&o));

    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    // Mangle the layout: no indentation, trailing spaces, extra blank lines.
    let messy: String = original.lines().map(|l| format!("{}   \n\n", l.trim_start())).collect();
    let path = dir.path().join("price-tracker.policy");
    std::fs::write(&path, &messy).unwrap();
    assert_eq!(policyc(&["fmt", "--check", path.to_str().unwrap()]).status.code(), Some(1));
    assert_eq!(policyc(&["fmt", path.to_str().unwrap()]).status.code(), Some(0));
    let formatted = std::fs::read_to_string(&path).unwrap();
    assert_ne!(formatted, messy);
    assert_eq!(policyc(&["fmt", "--check", path.to_str().unwrap()]).status.code(), Some(0), "idempotent");
    // The meaning is unchanged: both export the same JSON.
    let a = policyc(&["export", "policies/price-tracker.policy", "--format", "json"]);
    let b = policyc(&["export", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

/// `--event` decides what the user did instead of a page view; `test` runs `expect ... at EVENT`; an event the
/// policy does not declare is refused with a suggestion, and a policy without events says it has none.
#[test]
fn events_decide_from_the_command_line_and_unknown_ones_are_refused() {
    let policy = "tests/fixtures/events/cashback.policy";
    let url = b"https://shop.example/checkout/thanks\n";
    let page = policyc_stdin(&["match", policy], url);
    let order = policyc_stdin(&["match", policy, "--event", "order_placed", "--set", "signed_in=on"], url);
    let line = |o: &Output| serde_json::from_str::<serde_json::Value>(stdout(o).trim()).unwrap();
    assert_eq!(line(&page)["collect"], serde_json::json!(["page_url", "coupon_code"]));
    assert!(line(&page).get("event").is_none(), "a page view's report reads as before events existed");
    assert_eq!(line(&order)["collect"], serde_json::json!(["order_total"]));
    assert_eq!(line(&order)["event"], "order_placed");

    let explain = policyc(&["explain", policy, "https://shop.example/p/1", "--event", "offer_click"]);
    let text = stdout(&explain);
    assert!(text.contains("state:    defaults, event offer_click"), "{text}");
    assert!(text.contains("collect:  offer_id"), "{text}");
    assert!(text.contains("`collect 1` at cashback.policy:41 collects there only on page views"), "{text}");

    let nothing = stdout(&policyc(&["explain", policy, "https://shop.example/p/1", "--event", "order_placed"]));
    assert!(nothing.contains("collect:  nothing"), "{nothing}");
    assert!(nothing.contains("no collect rule's event, condition or region holds"), "{nothing}");

    let tested = policyc(&["test", policy]);
    assert_eq!(tested.status.code(), Some(0), "{}", stdout(&tested));
    assert!(stdout(&tested).contains("https://shop.example/p/1 at offer_click"), "{}", stdout(&tested));

    let typo = policyc_stdin(&["match", policy, "--event", "order_place"], url);
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(
        stderr(&typo),
        "error: `order_place` is not an event of this policy\nhelp: did you mean `--event order_placed`?\n"
    );
    let (_dir, shopping) = shopping_artifact();
    let none = policyc(&["explain", shopping.to_str().unwrap(), "https://www.walmart.com/", "--event", "click"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("the policy declares no events"), "{}", stderr(&none));
}

/// `policyc sources` says per state what may be collected independently of the page, from a policy or its
/// artifact alike, in text and JSON; a misspelt switch is a usage error with a suggestion, and `--event` is no
/// flag of it (such collection does not depend on what the user does).
#[test]
fn sources_reports_collection_from_a_source_per_state() {
    let fixture = "tests/fixtures/disclose/independent.policy";
    let dir = tempfile::tempdir().unwrap();
    let o = policyc(&["compile", fixture, "-o", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let artifact = dir.path().join("independent-demo.matcher");
    for source in [fixture, artifact.to_str().unwrap()] {
        let o = policyc(&["sources", source, "--set", "signed_in=on"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains("collect:  install_id, email, purchases\n"), "{text}");
        assert!(text.contains("item:     purchases from networks\n  for:    cashback\n  keep:   for 2 years\n  link:   linked to the account\n"), "{text}");
        // The DE-only cards rule says why it is not in force.
        assert!(text.contains("collects from `cards` only when card_offers and in DE"), "{text}");
    }
    let json: serde_json::Value = serde_json::from_str(&stdout(&policyc(&[
        "sources",
        artifact.to_str().unwrap(),
        "--set",
        "card_offers=on",
        "--region",
        "DE",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["collect"], serde_json::json!(["install_id", "email", "card_tx"]));
    assert_eq!(json["items"][2]["source"], "cards");
    assert_eq!(json["items"][2]["rules"][0]["rule"], "from 4");

    let o = policyc(&["sources", fixture, "--set", "signed_on=on"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `--set signed_in=on`?"));
    let o = policyc(&["sources", fixture, "--event", "page_view"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `expect from SOURCE` tests what a source gives in a state, whatever page is open: exact sets per source (an
/// item the line's source does not give is not counted, even when another source gives it), per-item purposes,
/// retention and recipients; a failing line names the source and prints both sides.
#[test]
fn expectations_test_what_a_source_gives_in_a_state() {
    let dir = tempfile::tempdir().unwrap();
    let head = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
        signal signed_in \"you are signed in\"\n\
        source networks \"affiliate networks\"\n\
        data install_id \"an install id\"\ndata purchases \"purchases\"\n\
        purpose cashback basis contract \"cash back\"\n\
        recipient bank processor \"a bank\"\npurpose payout basis contract \"paying out\" shared with bank\n\
        collect install_id from device for cashback keep until uninstall\n\
        collect purchases from networks when signed_in for cashback, payout keep 2 years link to account always\n\
        collect install_id from networks for cashback keep 1 year\n";
    let passing = "expect from device collects install_id links nothing keeps install_id until uninstall\n\
        expect from networks collects install_id\n\
        expect from networks with signed_in collects install_id, purchases links purchases\n  \
          uses purchases for cashback, payout shares purchases with bank keeps purchases 2 years\n\
        expect from account collects nothing\n";
    let path = dir.path().join("ok.policy");
    std::fs::write(&path, format!("{head}{passing}")).unwrap();
    let o = policyc(&["test", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("ok.policy:14: from networks\n"), "{}", stdout(&o));
    assert!(stdout(&o).contains("4 passed, 0 failed"), "{}", stdout(&o));

    let failing = "expect from networks collects purchases\n\
        expect from device with signed_in keeps install_id 1 year\n";
    let path = dir.path().join("bad.policy");
    std::fs::write(&path, format!("{head}{failing}")).unwrap();
    let o = policyc(&["test", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("bad.policy:12: from networks: expected to collect `purchases`, but collects `install_id`"),
        "{out}"
    );
    assert!(out.contains("expected to keep `install_id` for 1 year, but keeps it until uninstall"), "{out}");

    // Coverage counts the rules from a source that an `expect from` line saw hold for its source.
    let ok = stdout(&policyc(&["test", "--coverage", dir.path().join("ok.policy").to_str().unwrap()]));
    assert!(ok.contains("rules from a source 3/3"), "{ok}");
    let bad = stdout(&policyc(&["test", "--coverage", path.to_str().unwrap()]));
    assert!(bad.contains("rules from a source 2/3"), "{bad}");
    assert!(bad.contains("not exercised: `from 2` at "), "{bad}");
}

/// `policyc compile X 2>&1 | head -1` closes standard error while the compiler still writes its warnings: the
/// compiler must finish its work and exit as it would have, not panic on the closed stream.
#[test]
fn a_closed_standard_error_changes_neither_the_work_nor_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["compile", "policies/shopping-assistant.policy", "-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the compiler has checked the policy, so its first warning already finds no reader.
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(out.join("shopping-assistant.matcher").is_file());
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["check", "tests/fixtures/diagnostics/E0002-undefined-data.policy"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(1), "an error still exits with 1");
}

/// `explain` is asked about one URL on the command line: text that is no URL is a mistake there, reported in
/// one line with a non-zero exit, with the fix when only the scheme is missing. A URL that parses but cannot be
/// matched (another scheme) is still a decision: collect nothing.
#[test]
fn explain_refuses_text_that_is_no_url() {
    let o = policyc(&["explain", "policies/shopping-assistant.policy", "www.walmart.com/ip/123"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: `www.walmart.com/ip/123` is not a valid URL"), "{err}");
    assert!(err.contains("did you mean `https://www.walmart.com/ip/123`?"), "{err}");
    assert!(o.stdout.is_empty());
    let o = policyc(&["explain", "policies/shopping-assistant.policy", "ftp://www.walmart.com/"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("collect nothing, because scheme `ftp` is not http or https"));
    // A URL over the length limit is cut in the error, which stays one short line, and is said to collect
    // nothing; a line break in a URL (which the URL parser drops) is shown escaped, not as a second line.
    let long = format!("https://www.walmart.com/{}", "a".repeat(70_000));
    let o = policyc(&["explain", "policies/shopping-assistant.policy", &long]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.len() < 600 && err.contains("… (70024 bytes)"), "{err}");
    assert!(err.contains("help: the matcher decides nothing for so long a URL"), "{err}");
    let o = policyc(&["explain", "policies/shopping-assistant.policy", "https://www.walmart.com/a\nb"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("url:      https://www.walmart.com/a\\nb\nhost:"), "{}", stdout(&o));
}

/// `fmt` lays out the text form; given the data form it says so in one line instead of a syntax error at `id:`.
#[test]
fn fmt_refuses_the_data_form_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("shop.yaml");
    let export = policyc(&["export", "policies/price-tracker.policy"]);
    std::fs::write(&yaml, &export.stdout).unwrap();
    let o = policyc(&["fmt", yaml.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: `") && err.contains("is a policy in the data form"), "{err}");
    assert_eq!(std::fs::read(&yaml).unwrap(), export.stdout, "the file is left as it was");
}

/// An artifact whose label was damaged, saved without the `.matcher` name, is still read as an artifact (it
/// is not text) and refused with the artifact's one-line reason, not a policy's syntax error.
#[test]
fn a_damaged_artifact_under_another_name_gets_the_artifact_reason() {
    let (dir, artifact) = shopping_artifact();
    let mut bytes = std::fs::read(&artifact).unwrap();
    bytes[0] ^= 1;
    let damaged = dir.path().join("download.bin");
    std::fs::write(&damaged, &bytes).unwrap();
    for args in
        [vec!["match", damaged.to_str().unwrap()], vec!["explain", damaged.to_str().unwrap(), "https://x.example/"]]
    {
        let o = policyc_stdin(&args, b"https://www.walmart.com/\n");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "nothing decided");
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("not a policyc matcher artifact (wrong label)"), "{err}");
    }
}

/// `check` and `compile` take the same limit flags, and the checker inside `compile` honours them: a limit
/// raised for `compile` is not refused by a checker that still holds the default, and one lowered is reported
/// where the policy crosses it, with the code `check` gives.
#[test]
fn check_and_compile_read_the_same_limit_flags() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.policy");
    std::fs::write(
        &policy,
        "policy p { name \"P\" controller \"C\" contact \"a@b.test\" version \"1\" languages en }\n\
         data d \"d\"\npurpose s basis consent \"s\"\n\
         sites x \"x\" { a.example/p/  b.example/p/  c.example  d.example }\n\
         collect d on x for s keep 1 day\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for (flag, value, what) in [
        ("--max-path-patterns", "1", "2 path patterns, over the limit of 1"),
        ("--max-domains", "3", "4 distinct domains and wildcards, over the limit of 3"),
        ("--max-patterns", "3", "more than 3 site patterns"),
    ] {
        for args in [vec!["check", p, flag, value], vec!["compile", p, "-o", out, flag, value]] {
            let o = policyc(&args);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
            let err = stderr(&o);
            assert!(err.contains("error[E0027]") && err.contains(what), "{args:?}: {err}");
        }
    }
    // At the policy's own size, both pass.
    for args in [vec!["check", p, "--max-path-patterns", "2"], vec!["compile", p, "-o", out, "--max-domains", "4"]] {
        let o = policyc(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
}

/// A compiled artifact given where a policy belongs is said to be one, rather than "not UTF-8 text".
#[test]
fn an_artifact_where_a_policy_belongs_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert!(policyc(&["compile", "policies/price-tracker.policy", "-o", out]).status.success());
    let artifact = dir.path().join("price-tracker.matcher");
    let artifact = artifact.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &["check", artifact],
        &["fmt", "--check", artifact],
        &["store", artifact, "--for", "chrome"],
        &["diff", artifact, "policies/price-tracker.policy"],
        &["disclose", artifact, "--lang", "en"],
    ];
    for args in commands {
        let o = policyc(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("is a compiled artifact, not a policy; give the policy it was compiled from"),
            "{args:?}: {err}"
        );
    }
}

/// `--jobs` is bounded: a huge number is a usage error, not an attempt to start that many threads.
#[test]
fn a_huge_jobs_count_is_refused() {
    let cases: [&[&str]; 2] = [
        &["match", "policies/price-tracker.policy", "--jobs", "1000000000"],
        &["audit", "policies/price-tracker.policy", "log.ndjson", "--jobs", "1000000000"],
    ];
    for command in cases {
        let o = policyc(command);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command:?}: {err}");
        assert!(err.contains("is not a number of threads from 1 to 256"), "{command:?}: {err}");
    }
}

/// A notice printed to standard output names site-list files that nothing writes there: `disclose` warns and says
/// how to get them; with `-o` it writes them beside the notice and says nothing.
#[test]
fn a_notice_on_standard_output_warns_that_its_site_lists_were_not_written() {
    let p = "policies/shopping-assistant.policy";
    let o = policyc(&["disclose", p, "--lang", "en", "--region", "DE"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("`shopping-assistant.retail.sites.txt`"));
    assert!(
        stderr(&o).contains(
            "warning: the notice refers to site lists that were not written: `shopping-assistant.retail.sites.txt`"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("help: give `-o FILE`"), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notice.md");
    let o = policyc(&["disclose", p, "--lang", "en", "--region", "DE", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(dir.path().join("shopping-assistant.retail.sites.txt").exists());
    // A policy whose lists are short enough to stand in the notice has no files to warn about.
    let o = policyc(&["disclose", "policies/price-tracker.policy", "--lang", "en", "--region", "DE"]);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}
