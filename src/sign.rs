//! Signed artifacts for remote update: a detached envelope next to the artifact, so that the artifact format
//! (and every reader of it) stays as it is.
//!
//! A checksum proves that bytes arrived intact, not who made them. An extension that replaces its matcher
//! with one fetched from the network must also know that the publisher made it and that it is not an older
//! one replayed: so the publisher signs, with Ed25519, a message that binds the artifact's SHA-256, its policy
//! hash and a sequence number that only rises. The extension holds the public key and refuses an artifact
//! whose envelope does not verify, whose digest or policy hash differ, or whose sequence is not higher than
//! the one it has. `docs/artifact.md` specifies the envelope for verifiers in other languages.
//!
//! The envelope also signs the digest of every disclosure published with the artifact (format 2). A user who
//! must agree again after an update has to read the notice of the new policy, not the one bundled with the
//! extension; the extension fetches it with the artifact and shows it only if its digest is the signed one.
//!
//! Whether an update widens collection is signed with the policy it was compared with (format 3): consent carries
//! over only from exactly that policy, since a component that missed an update in between agreed to another.

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The envelope's `format` value; a verifier refuses any other.
pub const FORMAT: &str = "policyc-signature-3";

/// The detached signature of one artifact, written as `STEM.matcher.sig` (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub format: String,
    /// Rises with every artifact the publisher signs; a verifier accepts only a higher one than it has.
    pub sequence: u64,
    /// The policy hash in the artifact's header, as `policyc compile` prints it.
    pub policy_hash: String,
    /// SHA-256 of the artifact's bytes, lowercase hex.
    pub sha256: String,
    /// Whether this artifact's policy collects or links more than the previous one's (what `policyc diff`
    /// reports as newly collected or newly linked); `None` when the publisher did not compare
    /// (`compile --previous`). A verifier treats `None` like `Some(true)`.
    pub widens: Option<bool>,
    /// The policy hash of the policy `widens` compares with (`compile --previous`); `None` when not compared.
    /// Consent carries over only from exactly this policy: a client that missed an update in between has agreed
    /// to another one, which the publisher did not compare with (format 3).
    pub previous_policy_hash: Option<String>,
    /// SHA-256 (lowercase hex) of each file published with the artifact (the disclosures and the site lists),
    /// by file name; signed, in name order.
    pub files: BTreeMap<String, String>,
    /// The signer's Ed25519 public key, lowercase hex: informative only; a verifier uses the key it trusts.
    pub public_key: String,
    /// Ed25519 signature of [`message`], lowercase hex.
    pub signature: String,
}

/// What one signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed<'a> {
    pub sequence: u64,
    pub policy_hash: &'a str,
    pub widens: Option<bool>,
    /// The policy hash of the policy `widens` compares with.
    pub previous_policy_hash: Option<&'a str>,
    /// The files published with the artifact, by name: their bytes.
    pub files: &'a BTreeMap<String, Vec<u8>>,
}

/// The signed message: every field a verifier relies on, one per line, then one line per published file in
/// name order.
pub fn message(
    sequence: u64,
    policy_hash: &str,
    sha256: &str,
    widens: Option<bool>,
    previous_policy_hash: Option<&str>,
    files: &BTreeMap<String, String>,
) -> String {
    let widens = match widens {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    let previous = previous_policy_hash.unwrap_or("none");
    let mut m = format!(
        "{FORMAT}\nsequence {sequence}\npolicy_hash {policy_hash}\nsha256 {sha256}\nwidens {widens}\nprevious {previous}\n"
    );
    for (name, digest) in files {
        m.push_str(&format!("file {name} {digest}\n"));
    }
    m
}

/// SHA-256 of some bytes, lowercase hex, as the envelope writes digests.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Reads an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
pub fn signing_key_from_pem(pem: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| format!("not an Ed25519 private key in PKCS#8 PEM ({})", e.to_string().to_lowercase()))
}

/// Signs an artifact and the files published with it.
pub fn sign(key: &SigningKey, artifact: &[u8], what: &Signed<'_>) -> Envelope {
    let sha256 = digest(artifact);
    let files: BTreeMap<String, String> = what.files.iter().map(|(n, b)| (n.clone(), digest(b))).collect();
    let signed = message(what.sequence, what.policy_hash, &sha256, what.widens, what.previous_policy_hash, &files);
    let signature = key.sign(signed.as_bytes());
    Envelope {
        format: FORMAT.into(),
        sequence: what.sequence,
        policy_hash: what.policy_hash.into(),
        sha256,
        widens: what.widens,
        previous_policy_hash: what.previous_policy_hash.map(str::to_string),
        files,
        public_key: hex(key.verifying_key().as_bytes()),
        signature: hex(&signature.to_bytes()),
    }
}

/// Checks an envelope against artifact bytes and a trusted public key (32 bytes). The extension does the same
/// in JavaScript; this is the reference, and what the tests hold it to.
pub fn verify(envelope: &Envelope, artifact: &[u8], public_key: &[u8; 32]) -> Result<(), String> {
    if envelope.format != FORMAT {
        return Err(format!("unknown signature format `{}`", envelope.format));
    }
    if hex(&Sha256::digest(artifact)) != envelope.sha256 {
        return Err("the artifact's digest differs from the signed one".into());
    }
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| "the trusted public key is invalid".to_string())?;
    let sig: [u8; 64] = unhex(&envelope.signature)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "the signature is not 64 bytes of hex".to_string())?;
    let signed = message(
        envelope.sequence,
        &envelope.policy_hash,
        &envelope.sha256,
        envelope.widens,
        envelope.previous_policy_hash.as_deref(),
        &envelope.files,
    );
    key.verify(signed.as_bytes(), &Signature::from_bytes(&sig))
        .map_err(|_| "the signature does not verify with the trusted key".to_string())
}

/// Checks a file published with the artifact against an envelope that [`verify`] accepted: its name must be
/// listed and its digest the signed one.
pub fn verify_file(envelope: &Envelope, name: &str, bytes: &[u8]) -> Result<(), String> {
    match envelope.files.get(name) {
        None => Err(format!("`{name}` is not among the files the envelope signs")),
        Some(d) if *d != digest(bytes) => Err(format!("the digest of `{name}` differs from the signed one")),
        Some(_) => Ok(()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}
