//! `policyc export`: the checked policy in its data form.

use super::load::{check_file, print_diagnostics};
use policyc::{yaml, CheckOptions};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The policy to export.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Yaml,
    Json,
}

pub fn run(args: Args) -> i32 {
    let result = match check_file(&args.file, CheckOptions::default()) {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    let Some(policy) = &result.checked.policy else {
        print_diagnostics(&result);
        return super::EXIT_FAIL;
    };
    match args.format {
        Format::Yaml => print!("{}", yaml::to_yaml(policy)),
        Format::Json => print!("{}", yaml::to_json(policy)),
    }
    0
}
