//! `policyc fmt`: normalise the layout of policy files in place, or check that they are.

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Policy files to format.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if there are any.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> i32 {
    let mut unformatted = 0;
    for path in &args.files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return super::fail(format!("cannot read `{}`: {e}", path.display())),
        };
        let formatted = match policyc::fmt::format(&text) {
            Ok(f) => f,
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
    if args.check && unformatted > 0 {
        super::EXIT_FAIL
    } else {
        0
    }
}
