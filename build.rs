//! Embeds every `locales/*.yaml` file, so that adding a disclosure language is adding a file.

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let mut entries: Vec<(String, String)> = std::fs::read_dir("locales")
        .expect("the locales directory exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let lang = p.file_stem().unwrap().to_string_lossy().into_owned();
            let abs = std::fs::canonicalize(&p).unwrap().display().to_string();
            (lang, abs)
        })
        .collect();
    entries.sort();
    let mut out = String::from("/// Every bundled locale: language tag and the YAML text of its wording.\n");
    out.push_str("pub const LOCALES: &[(&str, &str)] = &[\n");
    for (lang, path) in entries {
        println!("cargo:rerun-if-changed={path}");
        writeln!(out, "    ({lang:?}, include_str!({path:?})),").unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("locales.rs");
    std::fs::write(dest, out).unwrap();
}
