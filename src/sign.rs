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

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use policyc_runtime::artifact::hex;
use std::collections::BTreeMap;

// The envelope and its checks are the runtime's, so that a service that only verifies needs no compiler.
pub use policyc_runtime::update::{
    accept, check_fields, digest, is_file_name, message, parse_envelope, public_key_from_hex, verify, verify_file,
    Envelope, Refusal, UpdateError, FORMAT, MAX_SEQUENCE,
};

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

/// Reads an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
pub fn signing_key_from_pem(pem: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| format!("not an Ed25519 private key in PKCS#8 PEM ({})", e.to_string().to_lowercase()))
}

/// Reads an Ed25519 public key in PEM (`openssl pkey -pubout`): its 32 bytes.
pub fn verifying_key_from_pem(pem: &str) -> Result<[u8; 32], String> {
    VerifyingKey::from_public_key_pem(pem)
        .map(|k| k.to_bytes())
        .map_err(|e| format!("not an Ed25519 public key in PEM ({})", e.to_string().to_lowercase()))
}

/// Signs an artifact and the files published with it. Refuses to sign what no verifier would accept (a sequence
/// over [`MAX_SEQUENCE`], a hash or a file name not in its one form: [`check_fields`]), so that a publisher
/// learns it now rather than from every client refusing the update.
pub fn sign(key: &SigningKey, artifact: &[u8], what: &Signed<'_>) -> Result<Envelope, UpdateError> {
    let sha256 = digest(artifact);
    let files: BTreeMap<String, String> = what.files.iter().map(|(n, b)| (n.clone(), digest(b))).collect();
    let signed = message(what.sequence, what.policy_hash, &sha256, what.widens, what.previous_policy_hash, &files);
    let signature = key.sign(signed.as_bytes());
    let envelope = Envelope {
        format: FORMAT.into(),
        sequence: what.sequence,
        policy_hash: what.policy_hash.into(),
        sha256,
        widens: what.widens,
        previous_policy_hash: what.previous_policy_hash.map(str::to_string),
        files,
        public_key: hex(key.verifying_key().as_bytes()),
        signature: hex(&signature.to_bytes()),
    };
    check_fields(&envelope)?;
    Ok(envelope)
}
