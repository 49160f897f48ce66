//! `policyc diff`: what changes between two versions of a policy, in plain words.

use super::load::{check_file, print_diagnostics};
use policyc::CheckOptions;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The old version (`.policy` or the `.yaml`/`.json` data form).
    old: PathBuf,
    /// The new version.
    new: PathBuf,
    /// Output format: Markdown for a pull request, or JSON.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Md,
    Json,
}

pub fn run(args: Args) -> i32 {
    let mut policies = Vec::new();
    for path in [&args.old, &args.new] {
        let result = match check_file(path, CheckOptions::default()) {
            Ok(r) => r,
            Err(e) => return super::fail(e),
        };
        match result.checked.policy {
            Some(p) => policies.push(p),
            None => {
                print_diagnostics(&result);
                return super::EXIT_FAIL;
            }
        }
    }
    let d = policyc::diff::diff(&policies[0], &policies[1]);
    match args.format {
        Format::Md => print!("{}", policyc::diff::markdown(&d)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&d).expect("diffs serialise")),
    }
    0
}
