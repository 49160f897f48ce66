//! Accepting a signed artifact for a remote update: every check of `docs/artifact.md` ("Signed artifacts"), each
//! refusal named by the check that failed, and the artifact in use kept (the caller gets no matcher).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // Tests fail by panicking.

use ed25519_dalek::{Signer, SigningKey};
use policyc_runtime::update::{self, Envelope, Refusal};
use std::collections::BTreeMap;

fn artifact() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo.matcher")).unwrap()
}

/// Signs as `policyc compile --sign` does (the compiler's tests hold its signer to the same message).
fn sign(
    key: &SigningKey,
    bytes: &[u8],
    sequence: u64,
    policy_hash: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Envelope {
    let sha256 = update::digest(bytes);
    let files: BTreeMap<String, String> = files.iter().map(|(n, b)| (n.clone(), update::digest(b))).collect();
    let message = update::message(sequence, policy_hash, &sha256, Some(false), None, &files);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    Envelope {
        format: update::FORMAT.into(),
        sequence,
        policy_hash: policy_hash.into(),
        sha256,
        widens: Some(false),
        previous_policy_hash: None,
        files,
        public_key: hex(key.verifying_key().as_bytes()),
        signature: hex(&key.sign(message.as_bytes()).to_bytes()),
    }
}

#[test]
fn an_update_is_accepted_only_when_every_check_passes() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let trusted = key.verifying_key().to_bytes();
    let bytes = artifact();
    let hash = policyc_runtime::matcher::Matcher::from_bytes(&bytes).unwrap().policy_hash();
    let files = BTreeMap::from([("demo.US.en.html".to_string(), b"<p>notice</p>".to_vec())]);
    let envelope = sign(&key, &bytes, 5, &hash, &files);

    // Accepted: the matcher it returns is the signed artifact's.
    let m = update::accept(&envelope, &bytes, &trusted, Some(4)).unwrap();
    assert_eq!(m.policy_hash(), hash);
    assert!(update::accept(&envelope, &bytes, &trusted, None).is_ok(), "a first signed artifact");
    // The envelope travels as JSON and reads back the same.
    let json = serde_json::to_vec(&envelope).unwrap();
    assert_eq!(update::parse_envelope(&json).unwrap(), envelope);

    let refusal = |e: &Envelope, b: &[u8], k: &[u8; 32], current: Option<u64>| {
        update::accept(e, b, k, current).map(|_| ()).unwrap_err().refusal()
    };
    // A replay of this artifact or an older one.
    assert_eq!(refusal(&envelope, &bytes, &trusted, Some(5)), Refusal::Rollback);
    // Another key: the envelope's own key is never trusted.
    let other = SigningKey::from_bytes(&[8; 32]);
    assert_eq!(refusal(&envelope, &bytes, &other.verifying_key().to_bytes(), None), Refusal::Signature);
    assert_eq!(refusal(&sign(&other, &bytes, 6, &hash, &files), &bytes, &trusted, None), Refusal::Signature);
    // A raised sequence without a new signature.
    assert_eq!(refusal(&Envelope { sequence: 9, ..envelope.clone() }, &bytes, &trusted, None), Refusal::Signature);
    // Damaged bytes.
    let mut damaged = bytes.clone();
    if let Some(b) = damaged.get_mut(100) {
        *b ^= 1;
    }
    assert_eq!(refusal(&envelope, &damaged, &trusted, None), Refusal::Digest);
    // Signed bytes that are no artifact, and an artifact signed as another policy.
    assert_eq!(
        refusal(&sign(&key, b"not an artifact", 6, &hash, &files), b"not an artifact", &trusted, None),
        Refusal::Artifact
    );
    let wrong = sign(&key, &bytes, 6, &"00".repeat(32), &files);
    let e = update::accept(&wrong, &bytes, &trusted, None).map(|_| ()).unwrap_err();
    assert_eq!(e.refusal(), Refusal::PolicyHash);
    assert!(e.to_string().contains(&hash), "{e}");
    // An unknown envelope format, as JSON and as a value.
    let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    v["format"] = "policyc-signature-9".into();
    assert_eq!(update::parse_envelope(&serde_json::to_vec(&v).unwrap()).unwrap_err().refusal(), Refusal::Envelope);
    assert_eq!(update::parse_envelope(b"{").unwrap_err().refusal(), Refusal::Envelope);
    let future = Envelope { format: "policyc-signature-9".into(), ..envelope.clone() };
    assert_eq!(refusal(&future, &bytes, &trusted, None), Refusal::Envelope);

    // The files published with it: only the signed bytes under a signed name.
    assert!(update::verify_file(&envelope, "demo.US.en.html", b"<p>notice</p>").is_ok());
    assert_eq!(
        update::verify_file(&envelope, "demo.US.en.html", b"<p>other</p>").unwrap_err().refusal(),
        Refusal::File
    );
    assert_eq!(
        update::verify_file(&envelope, "demo.DE.de.html", b"<p>notice</p>").unwrap_err().refusal(),
        Refusal::File
    );
}

#[test]
fn consent_carries_over_only_from_the_policy_compared_with() {
    let e = Envelope {
        format: update::FORMAT.into(),
        sequence: 2,
        policy_hash: "bb".into(),
        sha256: String::new(),
        widens: Some(false),
        previous_policy_hash: Some("aa".into()),
        files: BTreeMap::new(),
        public_key: String::new(),
        signature: String::new(),
    };
    assert!(e.keeps_consent_of("aa"));
    assert!(!e.keeps_consent_of("cc"), "consent to another policy than the one compared with");
    assert!(!Envelope { widens: Some(true), ..e.clone() }.keeps_consent_of("aa"));
    assert!(!Envelope { widens: None, ..e.clone() }.keeps_consent_of("aa"), "not compared counts as wider");
}

#[test]
fn a_public_key_in_hex_is_exactly_32_bytes_of_digits() {
    assert_eq!(update::public_key_from_hex(&"ab".repeat(32)), Some([0xab; 32]));
    assert_eq!(update::public_key_from_hex(&format!("{}\n", "ab".repeat(32))), Some([0xab; 32]));
    assert_eq!(update::public_key_from_hex(&"ab".repeat(31)), None);
    assert_eq!(update::public_key_from_hex(&format!("+f{}", "ab".repeat(31))), None, "no signs");
    assert_eq!(update::public_key_from_hex("-----BEGIN PUBLIC KEY-----"), None);
}
