//! Accepting a signed artifact for a remote update (feature `verify`).
//!
//! A component that replaces its matcher with one fetched from the network must know three things before it
//! uses the new bytes: that they arrived intact, that its publisher made them, and that they are not an older
//! artifact replayed (an older policy may allow more). A checksum proves only the first. So the publisher signs,
//! with Ed25519, a detached envelope (`policyc compile --sign KEY --sequence N` writes `STEM.matcher.sig`) that
//! binds the artifact's SHA-256, its policy hash and a sequence number that only rises; `docs/artifact.md`
//! ("Signed artifacts") specifies it for verifiers in other languages.
//!
//! [`accept`] makes every check the specification lists, in one call, and returns the loaded matcher, so that a
//! service cannot use bytes it has not verified. Its refusal says which check failed ([`Refusal`]): a service
//! fetches again after a digest mismatch, but keeps its artifact and raises an alarm on a bad signature or a
//! rollback.
//!
//! The runtime only verifies; signing needs the private key and belongs to the compiler (`policyc::sign`).

use crate::artifact::hex;
use crate::matcher::Matcher;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// The envelope's `format` value; a verifier refuses any other.
pub const FORMAT: &str = "policyc-signature-3";

/// The highest sequence number an envelope may carry: 2^53 - 1, the largest integer a JSON number keeps exactly
/// in JavaScript, so that every verifier (the extension's among them) reads the number that was signed.
pub const MAX_SEQUENCE: u64 = (1 << 53) - 1;

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
    /// to another one, which the publisher did not compare with.
    pub previous_policy_hash: Option<String>,
    /// SHA-256 (lowercase hex) of each file published with the artifact (the disclosures and the site lists),
    /// by file name; signed, in name order.
    pub files: BTreeMap<String, String>,
    /// The signer's Ed25519 public key, lowercase hex: informative only; a verifier uses the key it trusts.
    pub public_key: String,
    /// Ed25519 signature of [`message`], lowercase hex.
    pub signature: String,
}

impl Envelope {
    /// Whether consent given to the policy `consented` carries over to this artifact's policy: only when the
    /// publisher compared with exactly that policy and found that the new one does not widen it.
    pub fn keeps_consent_of(&self, consented: &str) -> bool {
        self.widens == Some(false) && self.previous_policy_hash.as_deref() == Some(consented)
    }
}

/// Which check refused an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The envelope is not JSON of the known format.
    Envelope,
    /// The artifact's SHA-256 is not the signed one: the bytes were damaged or swapped (fetch again).
    Digest,
    /// The signature does not verify with the trusted key, or the key is invalid.
    Signature,
    /// The sequence is not higher than the one of the artifact in use: an older artifact replayed.
    Rollback,
    /// The signed bytes are no artifact this runtime reads (for example a newer format version).
    Artifact,
    /// The artifact's header names another policy than the envelope.
    PolicyHash,
    /// A file published with the artifact is not signed, or its bytes are not the signed ones.
    File,
}

/// Why an update was refused: which check, and a one-line reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateError {
    refusal: Refusal,
    message: String,
}

impl UpdateError {
    fn new(refusal: Refusal, message: impl Into<String>) -> Self {
        UpdateError { refusal, message: message.into() }
    }

    /// The check that failed.
    pub fn refusal(&self) -> Refusal {
        self.refusal
    }
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UpdateError {}

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

/// Reads an envelope (the JSON of `STEM.matcher.sig`) and checks the form of its fields ([`check_fields`]).
pub fn parse_envelope(json: &[u8]) -> Result<Envelope, UpdateError> {
    let envelope: Envelope = serde_json::from_slice(json)
        .map_err(|e| UpdateError::new(Refusal::Envelope, format!("the envelope is not a signature envelope: {e}")))?;
    check_fields(&envelope)?;
    Ok(envelope)
}

/// Checks the form of every field the signed message is made of: the format is known, the sequence is at most
/// [`MAX_SEQUENCE`], hashes and digests are 64 lowercase hex digits, and file names are [`is_file_name`]s.
///
/// The message is one field per line, so a field that held a line break could carry a line of another: a
/// `previous_policy_hash` of `HASH\nfile NAME DIGEST` signs the same bytes as that hash and one more file,
/// which would let anyone move signed lines between fields, or drop a signed file from `files`, without
/// breaking the signature. With every field in its one form, each message reads one way only.
pub fn check_fields(envelope: &Envelope) -> Result<(), UpdateError> {
    let refuse = |what: String| Err(UpdateError::new(Refusal::Envelope, what));
    if envelope.format != FORMAT {
        return refuse(format!("unknown signature format `{}` (this runtime reads `{FORMAT}`)", envelope.format));
    }
    if envelope.sequence > MAX_SEQUENCE {
        return refuse(format!("the sequence {} is over the highest one, {MAX_SEQUENCE}", envelope.sequence));
    }
    let hashes = [("policy_hash", Some(&envelope.policy_hash)), ("sha256", Some(&envelope.sha256))]
        .into_iter()
        .chain([("previous_policy_hash", envelope.previous_policy_hash.as_ref())]);
    for (field, value) in hashes {
        if let Some(v) = value.filter(|v| !is_sha256_hex(v)) {
            return refuse(format!("the envelope's `{field}` is not 64 lowercase hex digits: `{}`", v.escape_debug()));
        }
    }
    for (name, digest) in &envelope.files {
        if !is_file_name(name) {
            return refuse(format!(
                "the envelope signs a file named `{}`, which is not a plain file name",
                name.escape_debug()
            ));
        }
        if !is_sha256_hex(digest) {
            return refuse(format!("the digest of `{name}` is not 64 lowercase hex digits"));
        }
    }
    Ok(())
}

/// Whether `s` is a SHA-256 written as the envelope writes it: 64 lowercase hex digits.
fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `name` may name a file published with an artifact: ASCII letters, digits, `.`, `-` and `_`, not
/// starting with a dot (the names `policyc compile` writes, such as `shopping-assistant.DE.de.html`). No line
/// break can enter the signed message through it, and no path: a verifier reads the file beside the artifact.
pub fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Checks an envelope against artifact bytes and a trusted public key (32 bytes): the form of its fields
/// ([`check_fields`]), the digest and the signature. It does not load the artifact or compare sequences; [`accept`] does all of it.
pub fn verify(envelope: &Envelope, artifact: &[u8], public_key: &[u8; 32]) -> Result<(), UpdateError> {
    // The fields are public, so an envelope need not come from `parse_envelope`.
    check_fields(envelope)?;
    if digest(artifact) != envelope.sha256 {
        return Err(UpdateError::new(Refusal::Digest, "the artifact's digest differs from the signed one"));
    }
    let key = VerifyingKey::from_bytes(public_key)
        .map_err(|_| UpdateError::new(Refusal::Signature, "the trusted public key is invalid"))?;
    let sig: [u8; 64] = unhex(&envelope.signature)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| UpdateError::new(Refusal::Signature, "the signature is not 64 bytes of hex"))?;
    let signed = message(
        envelope.sequence,
        &envelope.policy_hash,
        &envelope.sha256,
        envelope.widens,
        envelope.previous_policy_hash.as_deref(),
        &envelope.files,
    );
    key.verify(signed.as_bytes(), &Signature::from_bytes(&sig))
        .map_err(|_| UpdateError::new(Refusal::Signature, "the signature does not verify with the trusted key"))
}

/// Accepts an artifact fetched for an update, making every check of `docs/artifact.md` ("Signed artifacts"):
/// the envelope's format is known, its signature verifies with `trusted_key` (never the key the envelope
/// names), the bytes are the signed ones, its sequence is higher than `current_sequence` (the sequence of the
/// artifact in use; `None` when the component has none that was signed), the artifact loads, and its header
/// names the signed policy. On any refusal the caller keeps the artifact it has.
pub fn accept<'a>(
    envelope: &Envelope,
    artifact: &'a [u8],
    trusted_key: &[u8; 32],
    current_sequence: Option<u64>,
) -> Result<Matcher<'a>, UpdateError> {
    verify(envelope, artifact, trusted_key)?;
    if let Some(current) = current_sequence {
        if envelope.sequence <= current {
            return Err(UpdateError::new(
                Refusal::Rollback,
                format!(
                    "sequence {} is not newer than {current}, the one in use (an older artifact may allow more)",
                    envelope.sequence
                ),
            ));
        }
    }
    let matcher = Matcher::from_bytes(artifact).map_err(|e| UpdateError::new(Refusal::Artifact, e.to_string()))?;
    if matcher.policy_hash() != envelope.policy_hash {
        return Err(UpdateError::new(
            Refusal::PolicyHash,
            format!(
                "the artifact is of policy {}, but the envelope signs policy {}",
                matcher.policy_hash(),
                envelope.policy_hash
            ),
        ));
    }
    Ok(matcher)
}

/// Checks a file published with the artifact against an envelope that [`verify`] accepted: its name must be
/// listed and its digest the signed one.
pub fn verify_file(envelope: &Envelope, name: &str, bytes: &[u8]) -> Result<(), UpdateError> {
    match envelope.files.get(name) {
        None => Err(UpdateError::new(Refusal::File, format!("`{name}` is not among the files the envelope signs"))),
        Some(d) if *d != digest(bytes) => {
            Err(UpdateError::new(Refusal::File, format!("the digest of `{name}` differs from the signed one")))
        }
        Some(_) => Ok(()),
    }
}

/// A trusted public key written as 64 hex digits (as the example extension builds it in).
pub fn public_key_from_hex(s: &str) -> Option<[u8; 32]> {
    unhex(s.trim()).and_then(|b| b.try_into().ok())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    // `from_str_radix` alone would take a sign (`+f`); hex here is digits only.
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}
