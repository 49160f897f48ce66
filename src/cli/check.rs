//! `policyc check`: diagnostics for one or more policies.

use super::load::{check_file, print_diagnostics, LimitFlags};
use policyc::diagnostic::{summary_line, JsonDiagnostic};
use policyc::CheckOptions;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Policy files (`.policy`, or the `.yaml`/`.json` data form).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Make malformed entries of imported lists errors instead of warnings that skip them.
    #[arg(long)]
    strict_lists: bool,
    /// Lists of sensitive sites (bank, health, ...; one domain per line) that collection must not reach.
    #[arg(long, num_args = 1.., value_name = "LIST")]
    sensitive: Vec<PathBuf>,
    #[command(flatten)]
    limits: LimitFlags,
}

/// The size of the path automaton is the one artifact limit the checker cannot foresee without building it;
/// when a policy has path patterns, build it the way `compile` does, so that a policy `check` passes is one
/// `compile` accepts. Its refusal becomes an E0027 at the policy's start.
fn compile_backstop(result: &mut policyc::SourceCheck, limits: &policyc::matcher::compile::Limits) {
    let Some(policy) = &result.checked.policy else { return };
    if !policy.sites.iter().any(|c| c.patterns.iter().any(|p| p.path.is_some())) {
        return;
    }
    if let Err(e) = policyc::matcher::compile::compile(policy, limits) {
        let at = policyc::source::Span::new(policyc::source::FileId::default(), 0, 0);
        result.checked.diagnostics.push(
            policyc::Diagnostic::new(policyc::Code::LimitExceeded, at, e.message)
                .with_label("this policy")
                .with_help(e.help),
        );
        result.checked.policy = None;
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    // Diagnostics as rustc prints them; `human` is its old name, kept for scripts that use it.
    #[value(alias = "human")]
    Text,
    Json,
}

pub fn run(args: Args) -> i32 {
    let mut sensitive = Vec::new();
    for path in &args.sensitive {
        match std::fs::read_to_string(path) {
            Ok(text) => sensitive.push((path.display().to_string(), text)),
            Err(e) => return super::fail(super::cannot_read(path, &e)),
        }
    }
    let options = CheckOptions { strict_lists: args.strict_lists, sensitive, limits: args.limits.input() };
    let mut json = Vec::new();
    let mut any_errors = false;
    for path in &args.files {
        let mut result = match check_file(path, options.clone()) {
            Ok(r) => r,
            Err(e) => return super::fail(e),
        };
        compile_backstop(&mut result, &args.limits.compile());
        any_errors |= result.checked.has_errors();
        match args.format {
            Format::Text => {
                print_diagnostics(&result);
                let verdict = if result.checked.has_errors() { "failed" } else { "ok" };
                // Counted as shown: the skipped entries of a list are one warning unless `--verbose` shows each.
                let shown =
                    policyc::diagnostic::for_reading(&result.checked.diagnostics, &result.sources, super::verbose());
                let mut summary = summary_line(&shown);
                if !result.checked.allowed.is_empty() {
                    summary.push_str(&format!(", {} accepted by `allow`", result.checked.allowed.len()));
                }
                errln!("{}: {verdict} ({summary})", path.display());
            }
            Format::Json => {
                json.extend(result.checked.diagnostics.iter().map(|d| JsonDiagnostic::new(d, &result.sources)));
                json.extend(result.checked.allowed.iter().map(|a| {
                    let name = match &a.scope {
                        policyc::check::AllowScope::Sites(n) => Some(n.clone()),
                        _ => None,
                    };
                    JsonDiagnostic::allowed(&a.diagnostic, &result.sources, a.scope.kind(), name, &a.reason, a.allow)
                }));
            }
        }
    }
    if let Format::Json = args.format {
        outln!("{}", serde_json::to_string_pretty(&json).expect("diagnostics serialise"));
    }
    if any_errors {
        super::EXIT_FAIL
    } else {
        0
    }
}
