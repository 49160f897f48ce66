//! The compiler's modules form layers, and every `crate::` reference points down (ARCHITECTURE.md, "Layers").
//! A reference that points up or sideways into a module that refers back would make a loop: the IR calling the
//! checker, the checker calling a reader of its own output. This test reads the sources and fails on any.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module of `src/` and its layer; a module may refer only to modules of lower layers. The
/// runtime crate sits below all of them (`urlnorm`, `report` and `audit` are its modules, re-exported).
const LAYERS: &[(&str, u8)] = &[
    ("urlnorm", 0),
    ("report", 0),
    ("audit", 0),
    ("source", 1),
    ("psl", 1),
    ("locale", 1),
    ("sign", 1),
    ("region", 1),
    ("pattern", 2),
    ("diagnostic", 2),
    ("ir", 3),
    ("ast", 4),
    ("parser", 5),
    ("check", 6),
    ("yaml", 7),
    ("matcher", 8),
    ("store", 8),
    ("interp", 8),
    ("disclose", 8),
    ("coverage", 8),
    ("fmt", 8),
    ("diff", 9),
    ("fuzz", 10),
    ("ide", 10),
    ("cli", 11),
    ("main", 11),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a source text names through `crate::` in code (comments, doc links among them, are
/// not dependencies).
fn references(text: &str) -> Vec<String> {
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
    let text = code.as_str();
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
            None => vec![rest],
        };
        for n in names {
            let word: String = n.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            // Items of the crate root (`crate::check_source`) are not modules; lowercase names that are not
            // in the table fail below, so a new module has to be placed in a layer.
            if !word.is_empty() && word.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                out.push(word);
            }
        }
    }
    out
}

#[test]
fn every_reference_points_to_a_lower_layer() {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let root_items = ["check_source", "self"];
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut problems = Vec::new();
    for f in &files {
        let rel = f.strip_prefix("src").unwrap();
        let module = rel.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let Some(&own) = layers.get(module.as_str()) else {
            problems.push(format!("{}: module `{module}` has no layer in tests/layers.rs", f.display()));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for r in references(&text) {
            if r == module || root_items.contains(&r.as_str()) {
                continue;
            }
            match layers.get(r.as_str()) {
                Some(&l) if l < own => {}
                Some(&l) => problems.push(format!(
                    "{}: `{module}` (layer {own}) refers to `crate::{r}` (layer {l}), which is not below it",
                    f.display()
                )),
                None => problems.push(format!("{}: `crate::{r}` has no layer in tests/layers.rs", f.display())),
            }
        }
    }
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
}

#[test]
fn the_reader_of_references_sees_grouped_imports() {
    assert_eq!(
        references("use crate::{ir, pattern::Pattern};\nlet x = crate::check::lower_cond(c);"),
        ["ir", "pattern", "check"]
    );
}
