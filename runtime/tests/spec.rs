//! `docs/artifact.md` is the specification a reader in another language is written from: its header and
//! section tables must say what the code does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // Tests fail by panicking.

use policyc_runtime::artifact::{tag, HEADER_FIELDS, HEADER_LEN};

/// The rows of the first Markdown table after `heading`, as trimmed cells, without the header and rule rows.
fn table_after(doc: &str, heading: &str) -> Vec<Vec<String>> {
    let start = doc.find(heading).unwrap_or_else(|| panic!("docs/artifact.md has no `{heading}`"));
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect())
        .collect()
}

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/artifact.md")).unwrap()
}

#[test]
fn the_header_table_matches_the_code() {
    let rows = table_after(&spec(), "## Header");
    let documented: Vec<(String, usize, usize)> =
        rows.iter().map(|r| (r[2].clone(), r[0].parse().unwrap(), r[1].parse().unwrap())).collect();
    let code: Vec<(String, usize, usize)> = HEADER_FIELDS.iter().map(|(n, o, l)| (n.to_string(), *o, *l)).collect();
    assert_eq!(documented, code);
    let (_, last_offset, last_len) = HEADER_FIELDS[HEADER_FIELDS.len() - 1];
    assert_eq!(last_offset + last_len, HEADER_LEN, "the header fields fill the header");
}

#[test]
fn the_section_table_matches_the_code() {
    let rows = table_after(&spec(), "## Sections");
    let documented: Vec<(u32, String)> = rows.iter().map(|r| (r[0].parse().unwrap(), r[1].clone())).collect();
    let code: Vec<(u32, String)> = tag::ALL.iter().map(|(t, n)| (*t, n.to_string())).collect();
    assert_eq!(documented, code);
}

#[test]
fn the_documented_version_is_the_code_s() {
    let doc = spec();
    let v = policyc_runtime::artifact::FORMAT_VERSION;
    assert!(doc.contains(&format!("which is currently **{v}**")), "docs/artifact.md must state format version {v}");
    // Every other place that gives the current version gives this one: the header table and the list of what a
    // reader refuses, which a reader in another language is written from.
    for (at, _) in doc.match_indices("currently ") {
        let said: String =
            doc[at + "currently ".len()..].trim_start_matches('*').chars().take_while(char::is_ascii_digit).collect();
        assert!(said.is_empty() || said == v.to_string(), "docs/artifact.md says `currently {said}` at byte {at}");
    }
    assert!(doc.contains(&format!("A version other than {v}.")), "docs/artifact.md's refusals must name version {v}");
}
