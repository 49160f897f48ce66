//! Reading policies from disk: the policy file itself and the lists it imports.

use policyc::matcher::compile::Limits;
use policyc::{check_source, CheckOptions, InputLimits, ListLoader, SourceCheck};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Resolves `from "..."` paths relative to the directory of the policy file.
pub struct FsLoader {
    base: PathBuf,
}

impl FsLoader {
    pub fn new(base: PathBuf) -> Self {
        FsLoader { base }
    }
}

impl ListLoader for FsLoader {
    fn load(&mut self, path: &str) -> Result<(String, String), String> {
        let full = self.base.join(path);
        let text = std::fs::read(&full).map_err(|e| e.kind().to_string().to_lowercase())?;
        let text = String::from_utf8(text).map_err(|e| format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()))?;
        Ok((full.display().to_string(), text))
    }
}

/// Reads and checks a policy file. An unreadable policy is an IO problem, reported as a one-line error.
pub fn check_file(path: &Path, options: CheckOptions) -> Result<SourceCheck, String> {
    let text = read_policy(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut loader = FsLoader { base };
    Ok(check_source(&path.display().to_string(), &text, &mut loader, options))
}

/// The text of a policy file, or a one-line error: it cannot be read, it is a compiled artifact given where its
/// policy belongs, or it is not UTF-8.
pub fn read_policy(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| super::cannot_read(path, &e))?;
    if bytes.starts_with(policyc::matcher::artifact::LABEL) {
        return Err(format!(
            "`{}` is a compiled artifact, not a policy; give the policy it was compiled from",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!("`{}` is not UTF-8 text (invalid byte at offset {})", path.display(), e.utf8_error().valid_up_to())
    })
}

/// Checks a policy for a command that needs its IR. Errors are always printed; warnings only when
/// `show_warnings` (commands that build something show them, commands that only read the policy do not).
/// On failure, returns the exit code.
pub fn load_policy(path: &Path, show_warnings: bool) -> Result<policyc::ir::Policy, i32> {
    load_policy_within(path, show_warnings, InputLimits::default())
}

/// [`load_policy`] within the limits given by flags.
pub fn load_policy_within(path: &Path, show_warnings: bool, limits: InputLimits) -> Result<policyc::ir::Policy, i32> {
    let result = check_file(path, CheckOptions { limits, ..CheckOptions::default() }).map_err(super::fail)?;
    if show_warnings || result.checked.has_errors() {
        print_diagnostics(&result);
    }
    result.checked.policy.ok_or(super::EXIT_FAIL)
}

/// Prints the diagnostics of a check for a person, on standard error, in colour on a terminal: errors before
/// warnings, and skipped list entries summarised per list unless `--verbose` was given.
pub fn print_diagnostics(result: &SourceCheck) {
    if result.checked.diagnostics.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let shown = policyc::diagnostic::for_reading(&result.checked.diagnostics, &result.sources, super::verbose());
    err!("{}", policyc::diagnostic::render_human(&shown, &result.sources, color));
}

/// The limits of reading and compiling a policy, each with the flag that raises (or lowers) it. `check` and
/// `compile` take the same flags, so that a policy `check` passes with some flags is one `compile` accepts with
/// the same flags (docs/diagnostics.md, "Limits").
#[derive(clap::Args, Clone, Copy)]
pub struct LimitFlags {
    /// Largest policy file, in bytes.
    #[arg(long, default_value_t = InputLimits::default().max_policy_bytes)]
    max_policy_bytes: usize,
    /// Largest imported list file, in bytes.
    #[arg(long, default_value_t = InputLimits::default().max_list_bytes)]
    max_list_bytes: usize,
    /// Most site patterns in all categories together.
    #[arg(long, default_value_t = InputLimits::default().max_patterns)]
    max_patterns: usize,
    /// Most distinct domains, exact hosts and wildcard labels in the artifact.
    #[arg(long, default_value_t = InputLimits::default().max_domains)]
    max_domains: usize,
    /// Most path patterns in the artifact.
    #[arg(long, default_value_t = InputLimits::default().max_path_patterns)]
    max_path_patterns: usize,
    /// Largest size of the path automaton, in bytes.
    #[arg(long, default_value_t = Limits::default().max_dfa_bytes)]
    max_dfa_bytes: usize,
}

impl LimitFlags {
    /// The limits of reading and checking.
    pub fn input(&self) -> InputLimits {
        InputLimits {
            max_policy_bytes: self.max_policy_bytes,
            max_list_bytes: self.max_list_bytes,
            max_patterns: self.max_patterns,
            max_domains: self.max_domains,
            max_path_patterns: self.max_path_patterns,
        }
    }

    /// The limits of compiling.
    pub fn compile(&self) -> Limits {
        Limits {
            max_domains: self.max_domains,
            max_path_patterns: self.max_path_patterns,
            max_dfa_bytes: self.max_dfa_bytes,
        }
    }
}
