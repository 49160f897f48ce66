//! Reading policies from disk: the policy file itself and the lists it imports.

use policyc::{check_source, CheckOptions, ListLoader, SourceCheck};
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
    let bytes = std::fs::read(path).map_err(|e| super::cannot_read(path, &e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!("`{}` is not UTF-8 text (invalid byte at offset {})", path.display(), e.utf8_error().valid_up_to())
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut loader = FsLoader { base };
    Ok(check_source(&path.display().to_string(), &text, &mut loader, options))
}

/// Checks a policy for a command that needs its IR. Errors are always printed; warnings only when
/// `show_warnings` (commands that build something show them, commands that only read the policy do not).
/// On failure, returns the exit code.
pub fn load_policy(path: &Path, show_warnings: bool) -> Result<policyc::ir::Policy, i32> {
    let result = check_file(path, CheckOptions::default()).map_err(super::fail)?;
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
