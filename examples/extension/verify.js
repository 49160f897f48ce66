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

export async function verifyArtifact(bytes, envelope, publicKeyHex, current) {
  if (envelope?.format !== FORMAT) return "unknown signature format";
  if (!Number.isSafeInteger(envelope.sequence)) return "the envelope has no sequence";
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
  if (previous !== null && (typeof previous !== "string" || !/^[0-9a-f]{64}$/.test(previous))) {
    return "the envelope's previous policy hash is not 64 hex digits";
  }
  if (typeof envelope.files !== "object" || envelope.files === null) return "the envelope lists no files";
  // One line per published file, in byte order of the names (as the compiler's BTreeMap writes them).
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
