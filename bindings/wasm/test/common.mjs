// Paths shared by the package's tests.
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const root = fileURLToPath(new URL("../../../", import.meta.url));

function findPolicyc() {
  if (process.env.POLICYC) return process.env.POLICYC;
  // The newer of the two builds, so that a stale release binary never stands in for a fresh debug one.
  const built = ["target/release/policyc", "target/debug/policyc"]
    .map((p) => join(root, p))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (built.length > 0) return built[0];
  throw new Error("no policyc binary: run `cargo build` first, or set POLICYC");
}

export const policyc = findPolicyc();
