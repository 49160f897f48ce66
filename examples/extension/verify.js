// Verifies a signed artifact (the envelope `policyc compile --sign` writes; docs/artifact.md specifies it)
// with WebCrypto's Ed25519. Returns null when the artifact may replace one of sequence `current`, else the
// one-line reason it may not. The envelope also signs the digest of every file published with the artifact
// (the disclosures); verifyFile checks one of them.

const FORMAT = "policyc-signature-3";

function unhex(s) {
  if (typeof s !== "string" || !/^([0-9a-f]{2})*$/.test(s)) return null;
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

const HASH = /^[0-9a-f]{64}$/;
// The names `policyc compile` writes (runtime/src/update.rs, `is_file_name`): no line break can enter the
// signed message through one, and no path.
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

// The form of every field the signed message is made of (runtime/src/update.rs, `check_fields`): the message is
// one field per line, so a field holding a line break could carry a line of another, and a signed file could be
// dropped from `files` without breaking the signature. Returns the reason, or null.
function checkFields(envelope) {
  if (envelope?.format !== FORMAT) return "unknown signature format";
  // Up to 2^53 - 1, which the compiler enforces too, so that this number is the one that was signed.
  if (!Number.isSafeInteger(envelope.sequence) || envelope.sequence < 0) return "the envelope has no sequence";
  for (const field of ["policy_hash", "sha256"]) {
    if (typeof envelope[field] !== "string" || !HASH.test(envelope[field])) {
      return `the envelope's \`${field}\` is not 64 lowercase hex digits`;
    }
  }
  const previous = envelope.previous_policy_hash ?? null;
  if (previous !== null && (typeof previous !== "string" || !HASH.test(previous))) {
    return "the envelope's `previous_policy_hash` is not 64 lowercase hex digits";
  }
  if (typeof envelope.files !== "object" || envelope.files === null || Array.isArray(envelope.files)) {
    return "the envelope lists no files";
  }
  for (const [name, digest] of Object.entries(envelope.files)) {
    if (!FILE_NAME.test(name)) return "the envelope signs a file whose name is not a plain file name";
    if (typeof digest !== "string" || !HASH.test(digest)) return `the digest of ${name} is not 64 lowercase hex digits`;
  }
  return null;
}

export async function verifyArtifact(bytes, envelope, publicKeyHex, current) {
  const malformed = checkFields(envelope);
  if (malformed !== null) return malformed;
  if (envelope.sequence <= current) {
    return `sequence ${envelope.sequence} is not newer than ${current}: refused (an older artifact may allow more)`;
  }
  if (hex(await crypto.subtle.digest("SHA-256", bytes)) !== envelope.sha256) {
    return "the artifact's digest differs from the signed one";
  }
  const signature = unhex(envelope.signature);
  if (signature === null || signature.length !== 64) return "the signature is not 64 bytes of hex";
  const key = await crypto.subtle.importKey("raw", unhex(publicKeyHex), { name: "Ed25519" }, false, ["verify"]);
  const widens = envelope.widens === true ? "yes" : envelope.widens === false ? "no" : "unknown";
  const previous = envelope.previous_policy_hash ?? null;
  // One line per published file, in byte order of the names (as the compiler's BTreeMap writes them; the names
  // are ASCII, where JavaScript's order of strings is the same).
  const names = Object.keys(envelope.files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files = names.map((n) => `file ${n} ${envelope.files[n]}\n`).join("");
  const message = `${FORMAT}\nsequence ${envelope.sequence}\npolicy_hash ${envelope.policy_hash}\nsha256 ${envelope.sha256}\nwidens ${widens}\nprevious ${previous ?? "none"}\n${files}`;
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, new TextEncoder().encode(message));
  return ok ? null : "the signature does not verify with the extension's key";
}

// Checks a file fetched with an artifact whose envelope verified: null if the envelope signs these bytes under
// this name, else the one-line reason.
export async function verifyFile(name, bytes, envelope) {
  const signed = envelope.files?.[name];
  if (typeof signed !== "string") return `${name} is not among the signed files`;
  return hex(await crypto.subtle.digest("SHA-256", bytes)) === signed ? null : `the digest of ${name} differs from the signed one`;
}
