//! What `explain`, `match` and `test` share: loading a matcher from a policy or an artifact, and runtime
//! settings from flags.

use super::load::{check_file, print_diagnostics};
use policyc::check::did_you_mean;
use policyc::ir::Policy;
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
        other => return Err(format!("`{other}` is not `on` or `off` (`true` and `false`, `1` and `0` are read too)")),
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
    /// The event to decide, such as `offer_click`, declared by the policy with `event`; a page view
    /// (`page_view`) when not given.
    #[arg(long)]
    pub event: Option<String>,
}

impl StateArgs {
    pub fn settings(&self) -> Settings {
        Settings { set: self.set.clone(), region: self.region.clone(), event: self.event.clone() }
    }

    /// The switches set on the command line, as `explain` and `sources` print them (`signed_in=on, ...`), or
    /// `defaults` when none is.
    pub fn switches_text(&self) -> String {
        if self.set.is_empty() {
            return "defaults".into();
        }
        let set: Vec<String> =
            self.set.iter().map(|(n, on)| format!("{n}={}", if *on { "on" } else { "off" })).collect();
        set.join(", ")
    }
}

/// Names as a text line: comma-separated, or `nothing` for none.
pub fn list_text(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// The regions of a rule's region mask, comma-separated.
pub fn regions_text(m: &Matcher<'_>, mask: u64) -> String {
    let regions: Vec<&str> =
        policyc::matcher::bits(mask).filter_map(|b| m.meta().regions.get(b).map(String::as_str)).collect();
    regions.join(", ")
}

/// Loads the matcher of `path` (an artifact, or a policy compiled on the fly) and runs `f` with it and the
/// state `state` describes; a problem with either is a one-line error and exit code 2.
pub fn with_matcher(path: &Path, state: Option<&StateArgs>, f: impl FnOnce(&Matcher<'_>, State) -> i32) -> i32 {
    with_matcher_and_policy(path, state, |m, st, _| f(m, st))
}

/// [`with_matcher`], and the checked policy when `path` is a policy rather than an artifact (an artifact does
/// not carry everything a policy says, such as its recipients).
pub fn with_matcher_and_policy(
    path: &Path,
    state: Option<&StateArgs>,
    f: impl FnOnce(&Matcher<'_>, State, Option<&Policy>) -> i32,
) -> i32 {
    let (bytes, policy) = match load(path) {
        Ok(b) => b,
        Err(e) => return super::fail(e),
    };
    // Loading validates every byte, once; the error names the file.
    let matcher = match Matcher::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => return super::fail(format!("`{}`: {e}", path.display())),
    };
    if let Some(state) = state {
        if let Err((message, help)) = check_settings(&matcher, &state.settings()) {
            errln!("error: {message}");
            errln!("help: {help}");
            return super::EXIT_USAGE;
        }
    }
    let st = match state.map(|s| s.settings().state(&matcher)).transpose() {
        Ok(st) => st.unwrap_or_else(|| matcher.default_state()),
        Err(e) => return super::fail(e),
    };
    f(&matcher, st, policy.as_ref())
}

/// Checks the names of `--set`, `--region` and `--event` against the policy, so that a misspelt name gets a suggestion
/// and a region given as a switch (or a switch as a region) is said to be one. The error and its help line.
pub fn check_settings(m: &Matcher<'_>, settings: &Settings) -> Result<(), (String, String)> {
    let switches: Vec<&str> = m.signals().chain(m.features().map(|(n, _)| n)).collect();
    let regions: Vec<&str> = m.regions().iter().map(String::as_str).collect();
    let known = |kind: &str, names: &[&str]| {
        if names.is_empty() {
            format!("the policy declares no {kind}")
        } else {
            format!("the policy's {kind}: {}", backticked(names))
        }
    };
    for (i, (name, on)) in settings.set.iter().enumerate() {
        // The last of two contrary settings would win without a word; one of them is a slip.
        if settings.set.iter().skip(i + 1).any(|(n, o)| n == name && o != on) {
            return Err((
                format!("`{name}` is set both on and off"),
                format!("give `--set {name}=on` or `--set {name}=off`, once"),
            ));
        }
        if switches.contains(&name.as_str()) {
            continue;
        }
        let message = format!("`{name}` is not a signal or feature of this policy");
        let help = if regions.contains(&name.as_str()) {
            format!("`{name}` is a region: use `--region {name}`")
        } else if let Some(best) = did_you_mean(name, switches.iter().copied()) {
            format!("did you mean `--set {best}={}`?", if *on { "on" } else { "off" })
        } else {
            known("signals and features", &switches)
        };
        return Err((message, help));
    }
    if let Some(e) = &settings.event {
        let events: Vec<&str> = m.events().collect();
        if e != policyc::ir::PAGE_VIEW && !events.contains(&e.as_str()) {
            let message = format!("`{e}` is not an event of this policy");
            let help = if let Some(best) = did_you_mean(e, events.iter().copied()) {
                format!("did you mean `--event {best}`?")
            } else if events.is_empty() {
                "the policy declares no events; its rules collect on page views (`--event page_view`, the default)"
                    .to_string()
            } else {
                format!("{}; a page view is `page_view`", known("events", &events))
            };
            return Err((message, help));
        }
    }
    if let Some(r) = &settings.region {
        if !regions.contains(&r.as_str()) {
            let help = if switches.contains(&r.as_str()) {
                format!("`{r}` is a signal or feature: use `--set {r}=on`")
            } else {
                region_help(r, &regions)
            };
            return Err((format!("`{r}` is not a region of this policy"), help));
        }
    }
    Ok(())
}

/// The help line for `--region R` where `R` is none of `regions` (the policy's regions and the known ones inside
/// them).
pub fn region_help(r: &str, regions: &[&str]) -> String {
    // A country code differs from another by one letter (`ES` for `US`), so only a difference of case is a
    // near miss there; a subdivision code is long enough for one by spelling (`US-CAL` for `US-CA`).
    let near = match regions.iter().find(|x| x.eq_ignore_ascii_case(r)) {
        Some(x) => Some(x.to_string()),
        None if r.contains('-') => did_you_mean(r, regions.iter().copied().filter(|x| x.contains('-'))),
        None => None,
    };
    if let Some(best) = near {
        format!("did you mean `--region {best}`?")
    } else if let Some(outer) = regions.iter().find(|x| policyc::region::within(r, x)) {
        // A subdivision the policy does not name is decided as the region that holds it.
        format!("`{r}` lies in `{outer}`, which the policy names: give `--region {outer}` for a user there")
    } else if let Some(part) = regions.iter().find(|x| policyc::region::within(x, r)) {
        format!(
            "the policy names only a part of `{r}`, such as `{part}`: give `--region {part}` for a user there, and \
             no `--region` for a user elsewhere in `{r}`"
        )
    } else if regions.is_empty() {
        "the policy declares no regions: leave out `--region`".to_string()
    } else {
        format!("the policy's regions: {}", backticked(regions))
    }
}

/// The help line for `--lang L` where the policy is not written in `L`.
pub fn language_help(lang: &str, languages: &[String]) -> String {
    let near = match languages.iter().find(|l| l.eq_ignore_ascii_case(lang)) {
        Some(l) => Some(l.clone()),
        None => did_you_mean(lang, languages.iter().map(String::as_str)),
    };
    match near {
        Some(best) => format!("did you mean `--lang {best}`?"),
        None => format!("the policy's languages: {}", backticked(languages)),
    }
}

/// Names in backticks, comma-separated.
fn backticked<S: AsRef<str>>(names: &[S]) -> String {
    names.iter().map(|n| format!("`{}`", n.as_ref())).collect::<Vec<_>>().join(", ")
}

/// Artifact bytes from a `.matcher` file (not yet validated: [`with_matcher`] does that), or compiled on the
/// fly from a policy. Errors are one line; policy diagnostics are printed before.
pub fn load_bytes(path: &Path) -> Result<Vec<u8>, String> {
    load(path).map(|(bytes, _)| bytes)
}

/// [`load_bytes`], with the checked policy when the file is one.
fn load(path: &Path) -> Result<(Vec<u8>, Option<Policy>), String> {
    let bytes = std::fs::read(path).map_err(|e| super::cannot_read(path, &e))?;
    // A policy is text: bytes that are not UTF-8, or that hold a NUL, are an artifact, perhaps one whose label
    // was damaged, and get the artifact's own one-line reason rather than a policy's syntax error.
    let binary = bytes.contains(&0) || std::str::from_utf8(&bytes).is_err();
    if bytes.starts_with(artifact::LABEL) || path.extension().is_some_and(|e| e == "matcher") || binary {
        return Ok((bytes, None));
    }
    let result = check_file(path, CheckOptions::default())?;
    let Some(policy) = result.checked.policy else {
        print_diagnostics(&result);
        return Err(format!("`{}` has errors; fix them first (`policyc check`)", path.display()));
    };
    let bytes = compile(&policy, &Limits::default()).map_err(|e| format!("{} ({})", e.message, e.help))?;
    Ok((bytes, Some(policy)))
}
