//! `policyc disclose`: the privacy notice in one language, format and region.

use super::decide::{language_help, region_help};
use super::load::load_policy;
use policyc::disclose::{self, render};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The policy to disclose.
    policy: PathBuf,
    /// Language of the notice (one the policy declares).
    #[arg(long)]
    lang: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    format: FormatArg,
    /// The region to render for; without it, the notice covers every region of the policy.
    #[arg(long)]
    region: Option<String>,
    /// Write to this file instead of standard output (long site lists are written next to it).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Md,
    Html,
    Text,
    Json,
}

impl FormatArg {
    pub fn format(self) -> render::Format {
        match self {
            FormatArg::Md => render::Format::Markdown,
            FormatArg::Html => render::Format::Html,
            FormatArg::Text => render::Format::Text,
            FormatArg::Json => render::Format::Json,
        }
    }
}

pub fn run(args: Args) -> i32 {
    let policy = match load_policy(&args.policy, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let policy = &policy;
    if !policy.languages.contains(&args.lang) {
        errln!("error: the policy is not written in `{}`", args.lang);
        errln!("help: {}", language_help(&args.lang, &policy.languages));
        return super::EXIT_USAGE;
    }
    if let Some(r) = &args.region {
        let regions = policyc::region::expand(&policy.regions);
        if !regions.contains(r) {
            let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
            errln!("error: `{r}` is not a region of this policy");
            errln!("help: {}", region_help(r, &regions));
            return super::EXIT_USAGE;
        }
        if let Some(outer) = policyc::region::undeclared_law(&policy.regions, r) {
            errln!("error: a notice for `{r}` follows a law of its own that the policy was not checked for");
            errln!(
                "help: declare `{r}` in the policy's `regions` so that `policyc check` checks what its notice \
                 needs, or give `--region {outer}` for the notice the policy declares"
            );
            return super::EXIT_USAGE;
        }
    }
    let d = match disclose::build(policy, &args.lang, args.region.as_deref()) {
        Ok(d) => d,
        Err(e) => return super::fail(e),
    };
    let text = render::render(&d, args.format.format());
    match &args.output {
        None => {
            out!("{text}");
            // The notice names the files that publish its long site lists; on standard output nothing writes
            // them, and a notice published without them would point its readers at files that do not exist.
            let lists: Vec<String> = disclose::site_list_files(policy).into_iter().map(|(name, _)| name).collect();
            if !lists.is_empty() {
                let names: Vec<String> = lists.iter().map(|n| format!("`{n}`")).collect();
                errln!("warning: the notice refers to site lists that were not written: {}", names.join(", "));
                errln!("help: give `-o FILE` to write them beside the notice, or `policyc compile POLICY -o DIR`");
            }
        }
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return super::fail(format!("cannot write `{}`: {e}", path.display()));
            }
            let dir = path.parent().map(PathBuf::from).unwrap_or_default();
            for (name, body) in disclose::site_list_files(policy) {
                if let Err(e) = std::fs::write(dir.join(&name), body) {
                    return super::fail(format!("cannot write `{name}`: {e}"));
                }
            }
        }
    }
    0
}
