//! `policyc compile`: the matcher artifact (and, with it, what integrators ship).

use super::load::{load_policy, load_policy_within, LimitFlags};
use policyc::disclose::{self, render};
use policyc::matcher::artifact::hex;
use policyc::matcher::compile::{compile, policy_hash_bytes};
use policyc::{diff, sign};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The policy to compile.
    policy: PathBuf,
    /// Directory to write `STEM.matcher`, `STEM.REGION.LANG.FORMAT` and `STEM.CATEGORY.sites.txt` into (created if
    /// missing); STEM is the policy's id with `_` written as `-` (`policy shopping_assistant` writes
    /// `shopping-assistant.matcher`).
    #[arg(short = 'o', long = "out-dir", default_value = "out")]
    out: PathBuf,
    #[command(flatten)]
    limits: LimitFlags,
    /// Sign the artifact for remote update with this Ed25519 private key (PKCS#8 PEM, as `openssl genpkey
    /// -algorithm ed25519` writes it): writes `STEM.matcher.sig` next to the artifact.
    #[arg(long, value_name = "KEY", requires = "sequence")]
    sign: Option<PathBuf>,
    /// The signed sequence number, which must rise with every artifact you publish (verifiers refuse one that
    /// is not higher than the one they have).
    /// At most 2^53 - 1, the largest integer JavaScript reads exactly.
    #[arg(long, value_name = "N", requires = "sign", value_parser = clap::value_parser!(u64).range(..=sign::MAX_SEQUENCE))]
    sequence: Option<u64>,
    /// The policy of the artifact this one replaces: the envelope then says, signed, whether the update widens
    /// collection (newly collected or newly linked, as `policyc diff` reports it), so that an extension asks
    /// for consent again only when it does.
    #[arg(long, value_name = "OLD_POLICY", requires = "sign")]
    previous: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    // Read the key first: a signing run with a bad key writes nothing.
    let key = match &args.sign {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(pem) => match sign::signing_key_from_pem(&pem) {
                Ok(k) => Some(k),
                Err(e) => return super::fail(format!("`{}`: {e}", path.display())),
            },
            Err(e) => return super::fail(super::cannot_read(path, &e)),
        },
        None => None,
    };
    let policy = match load_policy_within(&args.policy, true, args.limits.input()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let policy = &policy;
    let bytes = match compile(policy, &args.limits.compile()) {
        Ok(b) => b,
        Err(e) => {
            errln!("error: {}\n  help: {}", e.message, e.help);
            return super::EXIT_FAIL;
        }
    };
    // Every output is named after the policy's id (`Policy::file_stem`), not the file it was read from: the
    // disclosures name the site-list files from the IR alone, and the same policy as `.policy` or as its YAML
    // export must give the same file names.
    let stem = policy.file_stem();
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return super::fail(format!("cannot create `{}`: {e}", args.out.display()));
    }
    let path = args.out.join(format!("{stem}.matcher"));
    if let Err(e) = std::fs::write(&path, &bytes) {
        return super::fail(format!("cannot write `{}`: {e}", path.display()));
    }
    errln!("wrote {} ({} bytes)", path.display(), bytes.len());
    // The disclosures for every language and region go next to the artifact, so what ships and what users
    // are told come out of one command and one IR. They are rendered first and kept, because a signature
    // covers them too.
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let regions: Vec<Option<&str>> =
        if policy.regions.is_empty() { vec![None] } else { policy.regions.iter().map(|r| Some(r.as_str())).collect() };
    for lang in &policy.languages {
        for region in &regions {
            let d = match disclose::build(policy, lang, *region) {
                Ok(d) => d,
                Err(e) => return super::fail(e),
            };
            for format in render::Format::ALL {
                let suffix = region.map(|r| format!(".{r}")).unwrap_or_default();
                let name = format!("{stem}{suffix}.{lang}.{}", format.extension());
                files.insert(name, render::render(&d, format).into_bytes());
            }
        }
    }
    files.extend(disclose::site_list_files(policy).into_iter().map(|(name, body)| (name, body.into_bytes())));
    for (name, body) in &files {
        if let Err(e) = std::fs::write(args.out.join(name), body) {
            return super::fail(format!("cannot write `{}`: {e}", args.out.join(name).display()));
        }
    }
    errln!(
        "wrote the disclosures ({} {}, {} {}, 4 formats) to {}",
        policy.languages.len(),
        if policy.languages.len() == 1 { "language" } else { "languages" },
        regions.len(),
        if regions.len() == 1 { "region" } else { "regions" },
        args.out.display()
    );
    if let (Some(key), Some(sequence)) = (&key, args.sequence) {
        let (widens, previous) = match &args.previous {
            Some(old) => match load_policy(old, false) {
                Ok(old) => (Some(diff::diff(&old, policy).widens()), Some(hex(&policy_hash_bytes(&old)))),
                Err(code) => return code,
            },
            None => (None, None),
        };
        let policy_hash = hex(&policy_hash_bytes(policy));
        let signed = sign::Signed {
            sequence,
            policy_hash: &policy_hash,
            widens,
            previous_policy_hash: previous.as_deref(),
            files: &files,
        };
        let envelope = match sign::sign(key, &bytes, &signed) {
            Ok(envelope) => envelope,
            Err(e) => return super::fail(format!("cannot sign `{}`: {e}", args.out.display())),
        };
        let sig_path = args.out.join(format!("{stem}.matcher.sig"));
        let json = serde_json::to_string_pretty(&envelope).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(&sig_path, json) {
            return super::fail(format!("cannot write `{}`: {e}", sig_path.display()));
        }
        errln!("wrote {} (sequence {sequence}, public key {})", sig_path.display(), envelope.public_key);
    }
    outln!("{}", hex(&policy_hash_bytes(policy)));
    0
}
