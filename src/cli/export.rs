//! `policyc export`: the checked policy in its data form.

use super::load::load_policy;
use policyc::yaml;
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
    let policy = match load_policy(&args.file, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let policy = &policy;
    match args.format {
        Format::Yaml => out!("{}", yaml::to_yaml(policy)),
        Format::Json => out!("{}", yaml::to_json(policy)),
    }
    0
}
