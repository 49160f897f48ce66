//! `policyc fmt`: normalise the layout of policy files in place, or check that they are.

use policyc::diagnostic::render_human;
use policyc::fmt::FormatError;
use policyc::SourceMap;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Policy files to format.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if there are any. A file that does not
    /// parse is never changed: its syntax error is printed and the exit code is 1, with or without `--check`.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> i32 {
    let mut unformatted = 0;
    let mut unparsed = 0;
    for path in &args.files {
        if policyc::is_data_form(&path.display().to_string()) {
            errln!("error: `{}` is a policy in the data form; `fmt` lays out `.policy` files only", path.display());
            errln!("help: the data form is laid out by whatever writes it (`policyc export` writes it laid out)");
            return super::EXIT_USAGE;
        }
        let text = match super::load::read_policy(path) {
            Ok(t) => t,
            Err(e) => return super::fail(e),
        };
        let formatted = match policyc::fmt::format(&text) {
            Ok(f) => f,
            Err(FormatError::Syntax(d)) => {
                // A file that does not parse is left untouched, with or without `--check`, and the error is
                // shown as `check` shows it; the other files are still formatted.
                let mut sources = SourceMap::new();
                sources.add(path.display().to_string(), text);
                let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                err!("{}", render_human(&[*d], &sources, color));
                errln!("{}: not formatted, it does not parse", path.display());
                unparsed += 1;
                continue;
            }
            Err(e) => return super::fail(format!("`{}`: {e}", path.display())),
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            outln!("{}", path.display());
        } else if let Err(e) = std::fs::write(path, formatted) {
            return super::fail(format!("cannot write `{}`: {e}", path.display()));
        }
    }
    if unparsed > 0 || (args.check && unformatted > 0) {
        super::EXIT_FAIL
    } else {
        0
    }
}
