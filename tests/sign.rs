//! Signed artifacts for remote update (`compile --sign KEY --sequence N`): the envelope verifies with the
//! signer's key only, for exactly the signed bytes, and the CLI refuses what it cannot sign.

use policyc::sign::{self, Envelope, Signed};
use std::collections::BTreeMap;
use std::process::Command;

/// An Ed25519 key in PKCS#8 PEM, made for these tests only (as `openssl genpkey -algorithm ed25519` writes).
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKSznrqneDWXZqg/ia70pOFsHEdC39Cq+HaaYrR3b1iY\n-----END PRIVATE KEY-----\n";
const OTHER: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHkIb1FEu0RCWaxRk1fUekJ+oa9U/YIvxuDSy25HKCHq\n-----END PRIVATE KEY-----\n";

/// Policy hashes in their one form, 64 lowercase hex digits.
const HASH: &str = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";
const OLD: &str = "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff";

fn signed<'a>(
    policy_hash: &'a str,
    sequence: u64,
    widens: Option<bool>,
    files: &'a BTreeMap<String, Vec<u8>>,
) -> Signed<'a> {
    Signed { sequence, policy_hash, widens, previous_policy_hash: widens.map(|_| OLD), files }
}

fn public(pem: &str) -> [u8; 32] {
    sign::signing_key_from_pem(pem).unwrap().verifying_key().to_bytes()
}

#[test]
fn an_envelope_verifies_for_its_bytes_and_its_key_only() {
    let key = sign::signing_key_from_pem(KEY).unwrap();
    let artifact = b"artifact bytes".to_vec();
    let files = BTreeMap::from([("p.DE.de.html".to_string(), b"<p>Hinweis</p>".to_vec())]);
    let e = sign::sign(&key, &artifact, &signed(HASH, 7, Some(false), &files)).unwrap();
    assert_eq!(e.sequence, 7);
    assert!(sign::verify(&e, &artifact, &public(KEY)).is_ok());
    // Another key, other bytes, or any signed field changed: refused.
    assert!(sign::verify(&e, &artifact, &public(OTHER)).unwrap_err().to_string().contains("does not verify"));
    assert!(sign::verify(&e, b"artifact bytez", &public(KEY)).unwrap_err().to_string().contains("digest"));
    let raised = Envelope { sequence: 8, ..e.clone() };
    assert!(sign::verify(&raised, &artifact, &public(KEY)).is_err());
    let other_policy = Envelope { policy_hash: HASH.replace("ab", "cd"), ..e.clone() };
    assert!(sign::verify(&other_policy, &artifact, &public(KEY)).is_err());
    let widened = Envelope { widens: Some(true), ..e.clone() };
    assert!(sign::verify(&widened, &artifact, &public(KEY)).is_err(), "the widening flag is signed");
    // And so is the policy it was compared with, from which alone consent may carry over.
    assert_eq!(e.previous_policy_hash.as_deref(), Some(OLD));
    let other_previous = Envelope { previous_policy_hash: Some(OLD.replace("00", "11")), ..e.clone() };
    assert!(sign::verify(&other_previous, &artifact, &public(KEY)).is_err(), "the previous policy is signed");
    let no_previous = Envelope { previous_policy_hash: None, ..e.clone() };
    assert!(sign::verify(&no_previous, &artifact, &public(KEY)).is_err());
    let garbled = Envelope { signature: "zz".into(), ..e.clone() };
    assert!(sign::verify(&garbled, &artifact, &public(KEY)).is_err());
    // The published files are signed too: a swapped digest or an added file breaks the signature, and a file
    // is accepted only with its signed bytes.
    let mut swapped = e.clone();
    swapped.files.insert("p.DE.de.html".into(), sign::digest(b"<p>anders</p>"));
    assert!(sign::verify(&swapped, &artifact, &public(KEY)).is_err());
    let mut added = e.clone();
    added.files.insert("p.US.en.html".into(), sign::digest(b"<p>notice</p>"));
    assert!(sign::verify(&added, &artifact, &public(KEY)).is_err());
    assert!(sign::verify_file(&e, "p.DE.de.html", b"<p>Hinweis</p>").is_ok());
    assert!(sign::verify_file(&e, "p.DE.de.html", b"<p>anders</p>").unwrap_err().to_string().contains("differs"));
    assert!(sign::verify_file(&e, "p.US.en.html", b"<p>Hinweis</p>").unwrap_err().to_string().contains("not among"));
}

#[test]
fn signing_is_deterministic() {
    let key = sign::signing_key_from_pem(KEY).unwrap();
    let files = BTreeMap::new();
    assert_eq!(
        sign::sign(&key, b"x", &signed(HASH, 1, None, &files)).unwrap(),
        sign::sign(&key, b"x", &signed(HASH, 1, None, &files)).unwrap()
    );
}

/// The signed message is one field per line, so a field holding a line break could carry a line of another.
/// Each field has one form, checked before the signature: no signed line can be moved between fields, and no
/// signed file dropped from `files`, without the envelope being refused.
#[test]
fn a_field_cannot_carry_a_line_of_another() {
    let key = sign::signing_key_from_pem(KEY).unwrap();
    let artifact = b"artifact bytes".to_vec();
    let files = BTreeMap::from([
        ("p.DE.de.html".to_string(), b"<p>Hinweis</p>".to_vec()),
        ("p.US.en.html".to_string(), b"<p>notice</p>".to_vec()),
    ]);
    let e = sign::sign(&key, &artifact, &signed(HASH, 7, Some(false), &files)).unwrap();
    assert!(sign::verify(&e, &artifact, &public(KEY)).is_ok());
    // The first file's line moved into `previous_policy_hash`: the same signed bytes, one file fewer.
    let (first, digest) = e.files.iter().next().map(|(n, d)| (n.clone(), d.clone())).unwrap();
    let mut moved = e.clone();
    moved.files.remove(&first);
    moved.previous_policy_hash = Some(format!("{OLD}\nfile {first} {digest}"));
    assert_eq!(
        sign::message(7, HASH, &moved.sha256, Some(false), moved.previous_policy_hash.as_deref(), &moved.files),
        sign::message(7, HASH, &e.sha256, Some(false), Some(OLD), &e.files),
        "the two envelopes sign the same message"
    );
    let refused = sign::verify(&moved, &artifact, &public(KEY)).unwrap_err();
    assert_eq!(refused.refusal(), sign::Refusal::Envelope);
    assert!(refused.to_string().contains("`previous_policy_hash` is not 64 lowercase hex digits"), "{refused}");
    // Two files merged into one name.
    let mut merged = e.clone();
    let names: Vec<String> = e.files.keys().cloned().collect();
    let joined = format!("{} {}\nfile {}", names[0], e.files[&names[0]], names[1]);
    merged.files = BTreeMap::from([(joined, e.files[&names[1]].clone())]);
    let refused = sign::verify(&merged, &artifact, &public(KEY)).unwrap_err();
    assert!(refused.to_string().contains("not a plain file name"), "{refused}");
    // Read from JSON, the same refusals.
    let json = serde_json::to_vec(&moved).unwrap();
    assert_eq!(sign::parse_envelope(&json).unwrap_err().refusal(), sign::Refusal::Envelope);
    // Names with a path, or hidden, are no plain file names either.
    for bad in ["../p.DE.de.html", "a/b.html", ".hidden", "", "p DE.html", "p\r.html"] {
        assert!(!sign::is_file_name(bad), "{bad:?}");
    }
    assert!(sign::is_file_name("shopping-assistant.DE.de.html"));
}

/// A sequence over 2^53 - 1 would reach a JavaScript verifier as another number than the one signed; neither
/// the signer nor a verifier takes one.
#[test]
fn a_sequence_javascript_cannot_read_exactly_is_refused() {
    let key = sign::signing_key_from_pem(KEY).unwrap();
    let files = BTreeMap::new();
    assert!(sign::sign(&key, b"x", &signed(HASH, sign::MAX_SEQUENCE, None, &files)).is_ok());
    let over = sign::sign(&key, b"x", &signed(HASH, sign::MAX_SEQUENCE + 1, None, &files)).unwrap_err();
    assert!(over.to_string().contains("over the highest one"), "{over}");
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.pem");
    std::fs::write(&key_path, KEY).unwrap();
    let (k, o) = (key_path.to_str().unwrap(), dir.path().join("out"));
    let run = policyc(&[
        "compile",
        "policies/price-tracker.policy",
        "-o",
        o.to_str().unwrap(),
        "--sign",
        k,
        "--sequence",
        "9007199254740992",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("9007199254740992 is not in 0..=9007199254740991"), "{stderr}");
    assert!(!o.join("price-tracker.matcher.sig").exists());
}

fn policyc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_policyc")).args(args).output().unwrap()
}

/// Compiles the price tracker signed with `KEY` at sequence 3 into `DIR/out`, as a publisher's release: the
/// key's path, the output folder and the run.
fn signed_release(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::process::Output) {
    let key = dir.join("key.pem");
    std::fs::write(&key, KEY).unwrap();
    let out = dir.join("out");
    let (k, o) = (key.to_str().unwrap(), out.to_str().unwrap());
    let run = policyc(&["compile", "policies/price-tracker.policy", "-o", o, "--sign", k, "--sequence", "3"]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    (key, out, run)
}

#[test]
fn compile_sign_writes_an_envelope_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out, run) = signed_release(dir.path());
    let hash = String::from_utf8(run.stdout).unwrap().trim().to_string();
    let envelope: Envelope =
        serde_json::from_str(&std::fs::read_to_string(out.join("price-tracker.matcher.sig")).unwrap()).unwrap();
    let artifact = std::fs::read(out.join("price-tracker.matcher")).unwrap();
    assert_eq!(envelope.policy_hash, hash);
    assert_eq!(envelope.sequence, 3);
    assert!(sign::verify(&envelope, &artifact, &public(KEY)).is_ok());
    // Every other file the run wrote (each disclosure, each site list) is signed with its bytes.
    let written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("price-tracker.matcher"))
        .collect();
    assert!(written.iter().any(|n| n.ends_with(".de.html")) && written.iter().any(|n| n.ends_with(".txt")));
    assert_eq!(envelope.files.len(), written.len());
    for name in &written {
        assert!(sign::verify_file(&envelope, name, &std::fs::read(out.join(name)).unwrap()).is_ok(), "{name}");
    }
}

/// `policyc verify` makes the checks a component makes before it uses an update, with the trusted key given as
/// hex or as a PEM public key, and says which one refused.
#[test]
fn verify_checks_a_release_as_a_component_would() {
    let dir = tempfile::tempdir().unwrap();
    let (key, out, _) = signed_release(dir.path());
    let k = key.to_str().unwrap();
    let artifact = out.join("price-tracker.matcher");
    let a = artifact.to_str().unwrap();
    let hex: String = public(KEY).iter().map(|b| format!("{b:02x}")).collect();
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", a];
        args.extend_from_slice(extra);
        let o = policyc(&args);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = verify(&["--key", &hex, "--files"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("ok: ") && stdout.contains("sequence 3") && stdout.contains("signed files checked"),
        "{stdout}"
    );
    // A PEM public key in a file works as well; the private key is refused as a key to verify with.
    let pem = dir.path().join("pub.pem");
    let spki = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
        &sign::signing_key_from_pem(KEY).unwrap().verifying_key(),
        ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
    )
    .unwrap();
    std::fs::write(&pem, spki).unwrap();
    assert_eq!(verify(&["--key", pem.to_str().unwrap()]).0, Some(0));
    let (code, _, stderr) = verify(&["--key", k]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is a private key; give its public key"), "{stderr}");
    // Another key, a replay, a changed notice, damaged bytes: each refused with exit 1 and its reason.
    let other: String = public(OTHER).iter().map(|b| format!("{b:02x}")).collect();
    let (code, _, stderr) = verify(&["--key", &other]);
    assert_eq!((code, stderr.contains("does not verify with the trusted key")), (Some(1), true), "{stderr}");
    let (code, _, stderr) = verify(&["--key", &hex, "--after", "3"]);
    assert_eq!((code, stderr.contains("sequence 3 is not newer than 3")), (Some(1), true), "{stderr}");
    let notice = out.join("price-tracker.DE.de.html");
    let mut changed = std::fs::read(&notice).unwrap();
    changed.extend_from_slice(b"<p>x</p>");
    std::fs::write(&notice, changed).unwrap();
    assert_eq!(verify(&["--key", &hex]).0, Some(0), "files are checked only with --files");
    let (code, _, stderr) = verify(&["--key", &hex, "--files"]);
    assert_eq!(
        (code, stderr.contains("the digest of `price-tracker.DE.de.html` differs")),
        (Some(1), true),
        "{stderr}"
    );
    let mut bytes = std::fs::read(&artifact).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&artifact, bytes).unwrap();
    let (code, _, stderr) = verify(&["--key", &hex]);
    assert_eq!(
        (code, stderr.contains("the artifact's digest differs from the signed one")),
        (Some(1), true),
        "{stderr}"
    );
}

#[test]
fn compile_refuses_a_bad_key_or_a_signature_without_a_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, "not a key").unwrap();
    let out = dir.path().join("out");
    let (k, o) = (key.to_str().unwrap(), out.to_str().unwrap());
    let run = policyc(&["compile", "policies/price-tracker.policy", "-o", o, "--sign", k, "--sequence", "1"]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.starts_with("error: `") && err.contains("not an Ed25519 private key"), "{err}");
    assert!(!out.exists(), "nothing is written with a bad key");
    let run = policyc(&["compile", "policies/price-tracker.policy", "-o", o, "--sign", k]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--sequence"));
}

#[test]
fn compile_previous_signs_whether_the_update_widens_collection() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, KEY).unwrap();
    let old = std::fs::read_to_string("policies/price-tracker.policy").unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let old_path = write("old.policy", &old);
    let narrower = write("narrower.policy", &old.replace("  otto.de/p/\n", ""));
    let wider = write("wider.policy", &old.replace("  otto.de/p/\n", "  otto.de/p/\n  galaxus.de/de/s1/\n"));
    let k = key.to_str().unwrap();
    for (new, widens) in [(narrower, false), (wider, true)] {
        let out = dir.path().join(format!("out-{widens}"));
        let o = out.to_str().unwrap();
        let run = policyc(&["compile", &new, "-o", o, "--sign", k, "--sequence", "2", "--previous", &old_path]);
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
        let text = std::fs::read_to_string(out.join("price-tracker.matcher.sig")).unwrap();
        let e: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(e.widens, Some(widens), "{new}");
        // The envelope names the policy it compared with, by the hash `compile` prints for it.
        let old_hash = policyc(&["compile", &old_path, "-o", dir.path().join("out-old").to_str().unwrap()]);
        let old_hash = String::from_utf8(old_hash.stdout).unwrap().trim().to_string();
        assert_eq!(e.previous_policy_hash.as_deref(), Some(old_hash.as_str()));
    }
}
