//! `policyc verify`: checks a signed artifact as a component that updates remotely would, before it uses it.
//!
//! A publisher runs it on a release before uploading it, and an operator on what a component fetched, with the
//! same checks the runtime's `update::accept` makes and the example extension makes in JavaScript.

use policyc::sign;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The artifact (`.matcher`).
    artifact: PathBuf,
    /// The trusted public key: 64 hex digits (as `compile --sign` prints it), or a file holding them or a PEM
    /// public key (`openssl pkey -pubout`).
    #[arg(long, value_name = "KEY")]
    key: String,
    /// The envelope; `ARTIFACT.sig` when not given.
    #[arg(long, value_name = "SIG")]
    signature: Option<PathBuf>,
    /// The sequence of the artifact in use: a signed sequence not above it is a rollback and refused.
    #[arg(long, value_name = "N")]
    after: Option<u64>,
    /// Also check every file the envelope signs (disclosures, site lists) next to the artifact.
    #[arg(long)]
    files: bool,
}

/// Exit code for an artifact the checks refuse.
const EXIT_REFUSED: i32 = super::EXIT_FAIL;

pub fn run(args: Args) -> i32 {
    let key = match trusted_key(&args.key) {
        Ok(k) => k,
        Err(e) => return super::fail(e),
    };
    let sig_path = args.signature.clone().unwrap_or_else(|| {
        let mut p = args.artifact.clone().into_os_string();
        p.push(".sig");
        PathBuf::from(p)
    });
    let bytes = match std::fs::read(&args.artifact) {
        Ok(b) => b,
        Err(e) => return super::fail(super::cannot_read(&args.artifact, &e)),
    };
    let envelope = match std::fs::read(&sig_path) {
        Ok(json) => match sign::parse_envelope(&json) {
            Ok(e) => e,
            Err(e) => return refused(&sig_path, &e.to_string()),
        },
        Err(e) => return super::fail(super::cannot_read(&sig_path, &e)),
    };
    if let Err(e) = sign::accept(&envelope, &bytes, &key, args.after) {
        return refused(&args.artifact, &e.to_string());
    }
    if args.files {
        let dir = args.artifact.parent().unwrap_or(Path::new(""));
        for name in envelope.files.keys() {
            // A signed name with a path in it would read outside the release; the compiler writes plain names.
            if Path::new(name).file_name().is_none_or(|f| f != name.as_str()) {
                return refused(
                    &args.artifact,
                    &format!("the envelope signs `{name}`, which is not a plain file name"),
                );
            }
            let path = dir.join(name);
            let body = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => return refused(&args.artifact, &super::cannot_read(&path, &e)),
            };
            if let Err(e) = sign::verify_file(&envelope, name, &body) {
                return refused(&args.artifact, &e.to_string());
            }
        }
    }
    let widens = match (envelope.widens, &envelope.previous_policy_hash) {
        (Some(false), Some(p)) => format!("does not widen policy {p}"),
        (Some(true), Some(p)) => format!("widens policy {p}: users consent again"),
        _ => "not compared with a previous policy: users consent again".to_string(),
    };
    let files = if args.files {
        format!("; {} signed files checked", envelope.files.len())
    } else {
        format!("; {} signed files not checked (`--files`)", envelope.files.len())
    };
    outln!(
        "ok: `{}` is signed by the trusted key: sequence {}, policy {}, {widens}{files}",
        args.artifact.display(),
        envelope.sequence,
        envelope.policy_hash
    );
    0
}

fn refused(path: &Path, reason: &str) -> i32 {
    errln!("error: `{}` is refused: {reason}", path.display());
    EXIT_REFUSED
}

/// The trusted key from `--key`: hex digits given directly, or a file of hex digits or a PEM public key.
fn trusted_key(given: &str) -> Result<[u8; 32], String> {
    if let Some(k) = sign::public_key_from_hex(given) {
        return Ok(k);
    }
    let text = std::fs::read_to_string(given).map_err(|e| {
        format!("`--key {given}` is neither 64 hex digits nor a readable key file ({})", e.to_string().to_lowercase())
    })?;
    if let Some(k) = sign::public_key_from_hex(&text) {
        return Ok(k);
    }
    if text.contains("PRIVATE KEY") {
        // A verifier needs only the public key, and a private one should not travel to where artifacts are checked.
        return Err(format!(
            "`{given}` is a private key; give its public key (`openssl pkey -in {given} -pubout`, or the hex that \
             `compile --sign` prints)"
        ));
    }
    sign::verifying_key_from_pem(&text).map_err(|e| format!("`{given}`: {e}"))
}
