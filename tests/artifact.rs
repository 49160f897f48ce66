//! The artifact as untrusted input: every corruption is refused with a clear error, never a panic.

mod common;

use policyc::matcher::artifact::{self, ENDIAN_TAG, FORMAT_VERSION, HEADER_LEN};
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use std::path::Path;

fn bytes() -> Vec<u8> {
    let policy = common::check_path(Path::new("policies/price-tracker.policy")).checked.policy.unwrap();
    compile(&policy, &Limits::default()).unwrap()
}

#[test]
fn a_flipped_bit_anywhere_is_detected() {
    let good = bytes();
    assert!(Matcher::from_bytes(&good).is_ok());
    // Every byte of the header, and a spread of bytes and bits through the body.
    let positions: Vec<usize> = (0..HEADER_LEN).chain((HEADER_LEN..good.len()).step_by(97)).collect();
    for pos in positions {
        for bit in [0, 3, 7] {
            let mut bad = good.clone();
            bad[pos] ^= 1 << bit;
            let err = Matcher::from_bytes(&bad).expect_err(&format!("flip at {pos}.{bit} went unnoticed"));
            assert!(!err.to_string().contains('\n'));
        }
    }
}

#[test]
fn truncation_is_detected_at_every_length() {
    let good = bytes();
    for len in (0..good.len()).step_by(7).chain([good.len() - 1]) {
        let err = Matcher::from_bytes(&good[..len]).unwrap_err().to_string();
        assert!(err.contains("truncated") || err.contains("not a policyc") || err.contains("checksum"), "{len}: {err}");
    }
}

#[test]
fn other_versions_and_other_files_are_named() {
    let good = bytes();
    let mut v2 = good.clone();
    v2[16..20].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Matcher::from_bytes(&v2).unwrap_err();
    assert!(err.to_string().contains(&format!("format version {} is not supported", FORMAT_VERSION + 1)), "{err}");
    // A newer artifact asks for a newer reader, an older one for a recompile.
    assert!(err.to_string().ends_with("update policyc, or the runtime that embeds it, to read it"), "{err}");
    let mut old = good.clone();
    old[16..20].copy_from_slice(&(FORMAT_VERSION - 1).to_le_bytes());
    let older = Matcher::from_bytes(&old).unwrap_err().to_string();
    assert!(older.ends_with("recompile the policy with this version of policyc"), "{older}");
    // A program tells another format version (update the runtime) from damage (fetch again) without the text.
    assert_eq!(err.unsupported_version(), Some(FORMAT_VERSION + 1));
    let mut be = good.clone();
    be[20..24].copy_from_slice(&ENDIAN_TAG.to_be_bytes());
    let err = Matcher::from_bytes(&be).unwrap_err();
    assert!(err.to_string().contains("endianness"));
    assert_eq!(err.unsupported_version(), None);
    assert!(Matcher::from_bytes(b"policy demo { }").unwrap_err().to_string().contains("not a policyc matcher"));
    // No bytes at all (a failed download, a file never written) is said as such.
    assert_eq!(Matcher::from_bytes(&[]).unwrap_err().to_string(), "not a policyc matcher artifact (it is empty)");
}

#[test]
fn consistent_checksums_over_inconsistent_tables_are_refused() {
    // An attacker can recompute the checksum; the section checks must still hold.
    let good = bytes();
    let parsed = artifact::parse(&good).unwrap();
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&good[24..56]);
    for (i, _) in parsed.sections.iter().enumerate() {
        let mut sections: Vec<(u32, Vec<u8>)> = parsed.sections.iter().map(|(t, b)| (*t, b.to_vec())).collect();
        if sections[i].1.is_empty() {
            continue;
        }
        // Garble the section's first bytes and re-seal the file.
        for b in sections[i].1.iter_mut().take(16) {
            *b ^= 0xA5;
        }
        let refs: Vec<(u32, &[u8])> = sections.iter().map(|(t, b)| (*t, b.as_slice())).collect();
        let resealed = artifact::write(&hash, &refs);
        // Either refused, or (for a string table) still loadable and still safe to query.
        if let Ok(m) = Matcher::from_bytes(&resealed) {
            let st = m.default_state();
            for url in ["https://www.amazon.de/dp/1", "https://www.paypal.com/", "https://x.example/"] {
                let _ = m.decide(url, &st);
            }
        }
        // Dropping the section altogether is always refused.
        let without: Vec<(u32, &[u8])> = refs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| *s).collect();
        assert!(Matcher::from_bytes(&artifact::write(&hash, &without)).is_err());
    }
}

#[test]
fn an_index_without_classes_is_refused() {
    // Forge a file whose rule tables have no classes while the domain index has entries (all of class 0).
    let text = r#"
policy p { name "P" controller "C" contact "c" version "1" languages en }
data d "d"
purpose p basis consent "p"
sites s "s" { a.example  b.example  c.example }
collect d on s for p keep 1 day
"#;
    let good = common::artifact_from_text(text);
    let err = Matcher::from_bytes(&with_meta(&good, |m| m.classes.clear())).unwrap_err();
    assert!(err.to_string().contains("class"), "{err}");
}

/// The artifact `good` with its rule tables changed by `forge` and the file sealed again (header hash kept,
/// checksum recomputed), as a forger who knows the format would write it.
fn with_meta(good: &[u8], forge: impl FnOnce(&mut policyc::matcher::Meta)) -> Vec<u8> {
    use policyc::matcher::artifact::tag;
    let parsed = artifact::parse(good).unwrap();
    let mut meta: policyc::matcher::Meta = postcard::from_bytes(parsed.section(tag::META).unwrap()).unwrap();
    forge(&mut meta);
    let meta_bytes = postcard::to_stdvec(&meta).unwrap();
    let sections: Vec<(u32, &[u8])> = parsed
        .sections
        .iter()
        .map(|(t, b)| if *t == tag::META { (*t, meta_bytes.as_slice()) } else { (*t, *b) })
        .collect();
    artifact::write(&parsed.policy_hash, &sections)
}

/// The texts of a switch have one encoding: sorted by language, no language twice. A forged table that breaks
/// this is refused, because two encodings of one policy would break byte-identical artifacts and a lookup by
/// language would have two answers.
#[test]
fn switch_texts_out_of_order_or_twice_are_refused() {
    use policyc::matcher::artifact::tag;
    let text = r#"
policy p { name en "P" de "P" controller "C" contact "c" version "1" languages en, de }
feature f default off en "Price comparison" de "Preisvergleich"
data d en "d" de "d"
purpose p basis consent en "p" de "p"
sites s en "s" de "s" { a.example }
collect d on s when f for p keep 1 day
"#;
    let good = common::artifact_from_text(text);
    let parsed = artifact::parse(&good).unwrap();
    let meta: policyc::matcher::Meta = postcard::from_bytes(parsed.section(tag::META).unwrap()).unwrap();
    assert_eq!(meta.vars[0].label, [("de".into(), "Preisvergleich".into()), ("en".into(), "Price comparison".into())]);
    let reversed = |m: &mut policyc::matcher::Meta| m.vars[0].label.reverse();
    let twice = |m: &mut policyc::matcher::Meta| m.vars[0].label[0].0 = "en".into();
    for forge in [reversed as fn(&mut policyc::matcher::Meta), twice] {
        let err = Matcher::from_bytes(&with_meta(&good, forge)).unwrap_err();
        assert!(err.to_string().contains("sorted by language"), "{err}");
    }
}

/// Event tables the compiler never writes are refused: an event named `page_view` (event 0 of every artifact), an
/// event given twice, a rule that collects on no event or on one that does not exist, event texts out of order.
/// A loader that accepted them would decide a click as something the policy never said.
#[test]
fn malformed_event_tables_are_refused() {
    use policyc::matcher::artifact::tag;
    let good = common::artifact_from_text(
        r#"
policy p { name "P" controller "C" contact "c" version "1" languages en, de }
event click en "you click" de "Sie klicken"
event apply en "you apply" de "Sie einlösen"
data d en "d" de "d"
purpose p basis contract en "p" de "p"
sites s en "s" de "s" { a.example }
collect d on s at click, apply for p keep 1 day
"#,
    );
    let parsed = artifact::parse(&good).unwrap();
    let meta: policyc::matcher::Meta = postcard::from_bytes(parsed.section(tag::META).unwrap()).unwrap();
    assert_eq!(meta.collect[0].events, 0b110, "bit 0 is the page view, then the events in order");
    type Forge = fn(&mut policyc::matcher::Meta);
    let forges: [(Forge, &str); 5] = [
        (|m| m.events[0].name = "page_view".into(), "named `page_view`"),
        (|m| m.events[1].name = "click".into(), "given twice"),
        (|m| m.collect[0].events = 0, "names a missing event or none"),
        (|m| m.collect[0].events = 0b1000, "names a missing event or none"),
        (|m| m.events[0].label.reverse(), "texts of an event are not sorted"),
    ];
    for (forge, want) in forges {
        let err = Matcher::from_bytes(&with_meta(&good, forge)).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
}

/// The runtime's examples and tests load `runtime/tests/data/demo.matcher`; it must be what the compiler makes of
/// `demo.policy` today, or they would test a format the compiler no longer writes.
#[test]
fn the_runtime_demo_artifact_is_current() {
    let dir = Path::new("runtime/tests/data");
    let policy = common::check_path(&dir.join("demo.policy")).checked.policy.unwrap();
    let fresh = compile(&policy, &Limits::default()).unwrap();
    let kept = std::fs::read(dir.join("demo.matcher")).unwrap();
    assert!(
        fresh == kept,
        "runtime/tests/data/demo.matcher is stale; regenerate it as runtime/tests/data/demo.policy says"
    );
}

/// Sections a writer never produces are refused: a tag the reader does not know, and a known tag twice.
#[test]
fn unknown_and_repeated_sections_are_refused() {
    let good = bytes();
    let parsed = artifact::parse(&good).unwrap();
    let hash = parsed.policy_hash;
    let mut sections: Vec<(u32, &[u8])> = parsed.sections.clone();
    sections.push((99, b"extra"));
    let err = Matcher::from_bytes(&artifact::write(&hash, &sections)).unwrap_err().to_string();
    assert_eq!(err, "artifact has a section with the unknown tag 99");
    let mut sections: Vec<(u32, &[u8])> = parsed.sections.clone();
    sections.push(parsed.sections[0]);
    let err = Matcher::from_bytes(&artifact::write(&hash, &sections)).unwrap_err().to_string();
    assert_eq!(err, "artifact has section 1 twice");
}

/// Bytes after the rule tables or after the automaton are not part of the format, and are refused.
#[test]
fn trailing_bytes_inside_sections_are_refused() {
    let good = bytes();
    let parsed = artifact::parse(&good).unwrap();
    for (t, what) in [(artifact::tag::META, "rule tables"), (artifact::tag::PATH_DFA, "path automaton")] {
        let padded: Vec<(u32, Vec<u8>)> = parsed
            .sections
            .iter()
            .map(|(s, b)| (*s, if *s == t { [*b, &[0u8][..]].concat() } else { b.to_vec() }))
            .collect();
        let refs: Vec<(u32, &[u8])> = padded.iter().map(|(s, b)| (*s, b.as_slice())).collect();
        let err = Matcher::from_bytes(&artifact::write(&parsed.policy_hash, &refs)).unwrap_err().to_string();
        assert!(err.contains(what), "{err}");
    }
}

/// Format 3 carries retention criteria: the matcher reports them as written, and an artifact whose `keep` is a
/// string no policy can write (a criterion the format does not know) is refused rather than read as some period.
#[test]
fn retention_criteria_load_and_unknown_ones_are_refused() {
    let policy = common::check_path(Path::new("tests/fixtures/disclose/language-ii.policy")).checked.policy.unwrap();
    let good = compile(&policy, &Limits::default()).unwrap();
    let m = Matcher::from_bytes(&good).unwrap();
    let d = m.decide("https://shop.example/", &m.context());
    // Data used on the device only is never reported as collected.
    assert_eq!(m.data_names(d.collect).collect::<Vec<_>>(), ["page_url", "order", "visits"]);
    let kept: Vec<(String, String)> =
        m.retention(&d).into_iter().map(|(n, r)| (n.to_string(), r.to_string())).collect();
    assert_eq!(
        kept,
        [
            ("page_url".to_string(), "until uninstall".to_string()),
            ("order".to_string(), "while account exists".to_string()),
            ("visits".to_string(), "1 year".to_string())
        ]
    );
    for unknown in ["as long as needed", "while signed in", "until the end"] {
        let mut bad = policy.clone();
        bad.collect[0].keep = policyc::ir::Retention::Criterion(unknown.into());
        let bytes = compile(&bad, &Limits::default()).unwrap();
        let err = Matcher::from_bytes(&bytes).unwrap_err().to_string();
        assert!(err.contains("neither a period nor a known criterion"), "{unknown}: {err}");
    }
}
