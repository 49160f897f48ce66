// The extension's verifier of signed updates (verify.js) in Node's WebCrypto, against envelopes the compiler
// signs: a genuine one verifies, and every change to a signed field, a replay, and an envelope whose fields are
// not in their one form are refused with a reason. The end-to-end test checks the same in Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyArtifact, verifyFile } from "../verify.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const policyc = process.env.POLICYC ?? join(root, "target/debug/policyc");
const dir = mkdtempSync(join(tmpdir(), "policyc-verify-"));
const key = join(dir, "key.pem");
execFileSync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", key], { stdio: "ignore" });
execFileSync(policyc, ["compile", join(root, "policies/price-tracker.policy"), "-o", join(dir, "out"), "--sign", key, "--sequence", "3"], {
  stdio: "ignore",
});
const bytes = readFileSync(join(dir, "out/price-tracker.matcher"));
const envelope = JSON.parse(readFileSync(join(dir, "out/price-tracker.matcher.sig"), "utf8"));
// The key the signer used: the test made it, so the envelope's informative copy of it is the trusted one here.
const trusted = envelope.public_key;
const check = (e, current = 2) => verifyArtifact(bytes, e, trusted, current);

test("a genuine envelope verifies, and its files with their signed bytes only", async () => {
  assert.equal(await check(envelope), null);
  const [name] = Object.keys(envelope.files);
  assert.equal(await verifyFile(name, readFileSync(join(dir, "out", name)), envelope), null);
  assert.match(await verifyFile(name, new TextEncoder().encode("edited"), envelope), /differs from the signed one/);
  assert.match(await verifyFile("other.html", new Uint8Array(), envelope), /not among the signed files/);
});

test("a replay, a changed signed field or other bytes are refused", async () => {
  assert.match(await check(envelope, 3), /not newer than 3/);
  assert.match(await check({ ...envelope, sequence: 9 }), /does not verify/);
  assert.match(await check({ ...envelope, widens: false }), /does not verify/);
  assert.match(await verifyArtifact(bytes.subarray(1), envelope, trusted, 2), /digest differs/);
});

test("a field that would carry a line of another is refused before the signature is checked", async () => {
  const names = Object.keys(envelope.files).sort();
  // The first file's line moved into `previous_policy_hash`: the same signed message, one signed file fewer.
  const files = { ...envelope.files };
  delete files[names[0]];
  const moved = {
    ...envelope,
    previous_policy_hash: `${"0".repeat(64)}\nfile ${names[0]} ${envelope.files[names[0]]}`,
    files,
  };
  assert.match(await check(moved), /previous_policy_hash` is not 64 lowercase hex digits/);
  // Two files merged under one name.
  const merged = { ...envelope, files: { [`${names[0]} ${envelope.files[names[0]]}\nfile ${names[1]}`]: envelope.files[names[1]] } };
  assert.match(await check(merged), /not a plain file name/);
  assert.match(await check({ ...envelope, files: { "../x.html": envelope.files[names[0]] } }), /not a plain file name/);
  assert.match(await check({ ...envelope, policy_hash: envelope.policy_hash.toUpperCase() }), /policy_hash` is not 64/);
  assert.match(await check({ ...envelope, files: [] }), /lists no files/);
});

test("a sequence JavaScript cannot read exactly is no sequence", async () => {
  // 2^53 + 1 reads as 2^53: not the number that was signed. The compiler refuses to sign one.
  assert.match(await check(JSON.parse(JSON.stringify(envelope).replace('"sequence":3', '"sequence":9007199254740993'))), /no sequence/);
  assert.match(await check({ ...envelope, sequence: "3" }), /no sequence/);
});
