//! What `explain`, `match` and `test` share: loading a matcher from a policy or an artifact, and runtime
//! settings from flags.

use super::load::{check_file, print_diagnostics};
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::{artifact, Matcher, State};
use policyc::report::Settings;
use policyc::CheckOptions;
use std::path::Path;

/// `--set NAME=on|off`.
pub fn parse_setting(s: &str) -> Result<(String, bool), String> {
    let (name, value) = s.split_once('=').ok_or_else(|| format!("`{s}` is not NAME=on or NAME=off"))?;
    let on = match value {
        "on" | "true" | "1" => true,
        "off" | "false" | "0" => false,
        other => return Err(format!("`{other}` is not `on` or `off`")),
    };
    Ok((name.to_string(), on))
}

/// Runtime flags shared by `explain` and `match`.
#[derive(clap::Args, Clone)]
pub struct StateArgs {
    /// Set a signal or feature: `--set signed_in=on`. Signals default to off, features to their default.
    #[arg(long = "set", value_name = "NAME=on|off", value_parser = parse_setting)]
    pub set: Vec<(String, bool)>,
    /// The region to decide in, such as `DE`.
    #[arg(long)]
    pub region: Option<String>,
}

impl StateArgs {
    pub fn settings(&self) -> Settings {
        Settings { set: self.set.clone(), region: self.region.clone() }
    }
}

/// Loads the matcher of `path` (an artifact, or a policy compiled on the fly) and runs `f` with it and the
/// state `state` describes; a problem with either is a one-line error and exit code 2.
pub fn with_matcher(path: &Path, state: Option<&StateArgs>, f: impl FnOnce(&Matcher<'_>, State) -> i32) -> i32 {
    let bytes = match load_bytes(path) {
        Ok(b) => b,
        Err(e) => return super::fail(e),
    };
    // Loading validates every byte, once; the error names the file.
    let matcher = match Matcher::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => return super::fail(format!("`{}`: {e}", path.display())),
    };
    let st = match state.map(|s| s.settings().state(&matcher)).transpose() {
        Ok(st) => st.unwrap_or_else(|| matcher.default_state()),
        Err(e) => return super::fail(e),
    };
    f(&matcher, st)
}

/// Artifact bytes from a `.matcher` file (not yet validated: [`with_matcher`] does that), or compiled on the
/// fly from a policy. Errors are one line; policy diagnostics are printed before.
fn load_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {}", path.display(), e))?;
    if bytes.starts_with(artifact::LABEL) || path.extension().is_some_and(|e| e == "matcher") {
        return Ok(bytes);
    }
    let result = check_file(path, CheckOptions::default())?;
    let Some(policy) = &result.checked.policy else {
        print_diagnostics(&result);
        return Err(format!("`{}` has errors; fix them first (`policyc check`)", path.display()));
    };
    compile(policy, &Limits::default()).map_err(|e| format!("{} ({})", e.message, e.help))
}
