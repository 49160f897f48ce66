//! `policyc diff`: what changes between two versions of a policy, in plain words.

use super::load::load_policy;
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
    /// Print the rendered disclosures of both versions as unified diffs instead, one per language, region and
    /// format that changed (what users will read differently).
    #[arg(long, conflicts_with = "format")]
    disclosures: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Md,
    Json,
}

pub fn run(args: Args) -> i32 {
    let mut policies = Vec::new();
    for path in [&args.old, &args.new] {
        match load_policy(path, false) {
            Ok(p) => policies.push(p),
            Err(code) => return code,
        }
    }
    if args.disclosures {
        let diffs = policyc::diff::disclosure_diffs(&policies[0], &policies[1]);
        for (_, diff) in &diffs {
            print!("{diff}");
        }
        errln!("{} renderings differ", diffs.len());
        return 0;
    }
    let d = policyc::diff::diff(&policies[0], &policies[1]);
    match args.format {
        Format::Md => out!("{}", policyc::diff::markdown(&d)),
        Format::Json => outln!("{}", serde_json::to_string_pretty(&d).expect("diffs serialise")),
    }
    0
}
