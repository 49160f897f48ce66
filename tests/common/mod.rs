//! Helpers shared by the integration tests: check a file from disk the way the CLI does, and render.
#![allow(dead_code)]

use policyc::{check_source, CheckOptions, ListLoader, SourceCheck};
use std::path::{Path, PathBuf};

/// Resolves `from` lists relative to the policy's directory, as the CLI does.
pub struct DirLoader(pub PathBuf);

impl ListLoader for DirLoader {
    fn load(&mut self, path: &str) -> Result<(String, String), String> {
        let full = self.0.join(path);
        std::fs::read_to_string(&full)
            .map(|t| (full.display().to_string(), t))
            .map_err(|e| e.kind().to_string().to_lowercase())
    }
}

/// Checks a policy file given relative to the crate root.
pub fn check_path(path: &Path) -> SourceCheck {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut loader = DirLoader(path.parent().unwrap().to_path_buf());
    check_source(&path.display().to_string(), &text, &mut loader, CheckOptions::default())
}

/// Diagnostics as a person sees them, without colour.
pub fn render(result: &SourceCheck) -> String {
    policyc::diagnostic::render_human(&result.checked.diagnostics, &result.sources, false)
}

/// Every policy bundled in `policies/`.
pub fn bundled_policies() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    v.sort();
    v
}

/// The real extensions' policies bundled in `policies/real/` (issue 17): kept apart from [`bundled_policies`], since
/// tests that record what the example policies decide were written before these existed.
pub fn real_policies() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("policies/real")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    v.sort();
    v
}

/// Checks a policy given as text (named `p.policy`, no list files); panics with the diagnostics if it has errors.
pub fn policy_from_text(text: &str) -> policyc::ir::Policy {
    let out = policyc::check_source("p.policy", text, &mut policyc::NoLists, Default::default());
    out.checked.policy.unwrap_or_else(|| panic!("{:#?}", out.checked.diagnostics))
}

/// What the reference interpreter collects at `url` with the settings of an `expect … with` line (`"active"`,
/// `"not f2"`), in no region: what a notice's sentence about a condition must agree with.
pub fn collects(policy: &policyc::ir::Policy, url: &str, with: &[&str]) -> Vec<String> {
    let with: Vec<String> = with.iter().map(|s| s.to_string()).collect();
    let settings = policyc::report::Settings::from_expect(&with, None);
    policyc::interp::Interpreter::new(policy).decide(url, &settings).unwrap().collect
}

/// Checks and compiles a policy given as text: the artifact bytes.
pub fn artifact_from_text(text: &str) -> Vec<u8> {
    policyc::matcher::compile::compile(&policy_from_text(text), &Default::default()).expect("compiles")
}
