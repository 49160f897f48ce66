//! `policyc store`: the data declarations browser extension stores require, generated from the policy.

use super::load::load_policy;
use policyc::store::{self, StoreError};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The policy to declare.
    file: PathBuf,
    /// The store: `firefox` prints `browser_specific_settings.gecko.data_collection_permissions`, `chrome`
    /// the Chrome Web Store's privacy-practices answers.
    #[arg(long = "for", value_enum)]
    store: Store,
    /// Output format: JSON, or (for Chrome) text to paste into the form.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// The language of the Chrome single-purpose text (default: English where the policy has it, else its
    /// first language).
    #[arg(long)]
    lang: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Store {
    Firefox,
    Chrome,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Json,
    Md,
}

fn report(errors: &[StoreError]) -> i32 {
    for e in errors {
        errln!("error: {}\n  help: {}", e.message, e.help);
    }
    super::EXIT_FAIL
}

pub fn run(args: Args) -> i32 {
    let policy = match load_policy(&args.file, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let lang = match &args.lang {
        Some(l) if !policy.languages.contains(l) => {
            errln!("error: the policy is not written in `{l}`");
            errln!("help: {}", super::decide::language_help(l, &policy.languages));
            return super::EXIT_USAGE;
        }
        Some(l) => l.clone(),
        None if policy.languages.iter().any(|l| l == "en") => "en".into(),
        None => policy.languages.first().cloned().unwrap_or_default(),
    };
    match (args.store, args.format) {
        (Store::Firefox, Format::Md) => super::fail("`--format md` is for `--for chrome`; Firefox reads JSON"),
        (Store::Firefox, Format::Json) => match store::firefox(&policy) {
            Ok(p) => {
                println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
                0
            }
            Err(e) => report(&[e]),
        },
        (Store::Chrome, format) => match store::chrome(&policy, &lang) {
            Ok(c) if format == Format::Md => {
                print!("{}", store::chrome_markdown(&c));
                0
            }
            Ok(c) => {
                println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
                0
            }
            Err(errors) => report(&errors),
        },
    }
}
