// Paths shared by the package's tests.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const root = fileURLToPath(new URL("../../../", import.meta.url));

function findPolicyc() {
  if (process.env.POLICYC) return process.env.POLICYC;
  for (const p of ["target/release/policyc", "target/debug/policyc"]) {
    if (existsSync(join(root, p))) return join(root, p);
  }
  throw new Error("no policyc binary: run `cargo build` first, or set POLICYC");
}

export const policyc = findPolicyc();
