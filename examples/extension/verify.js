// Verifies a signed artifact (the envelope `policyc compile --sign` writes; docs/artifact.md specifies it)
// with WebCrypto's Ed25519. Returns null when the artifact may replace one of sequence `current`, else the
// one-line reason it may not.

const FORMAT = "policyc-signature-1";

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
  const message = `${FORMAT}\nsequence ${envelope.sequence}\npolicy_hash ${envelope.policy_hash}\nsha256 ${envelope.sha256}\nwidens ${widens}\n`;
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, new TextEncoder().encode(message));
  return ok ? null : "the signature does not verify with the extension's key";
}
