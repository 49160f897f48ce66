// The store declarations in a manifest: the example's manifest carries exactly what `policyc store --for
// firefox` generates from its policy, and addons-linter (Mozilla's own validator) accepts the manifest that
// each bundled policy's declaration makes, and refuses a declaration Firefox does not know.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ext = fileURLToPath(new URL("..", import.meta.url));
const root = join(ext, "../..");
const policyc = process.env.POLICYC ?? join(root, "target/debug/policyc");
const manifest = JSON.parse(readFileSync(join(ext, "manifest.json"), "utf8"));

const declare = (policy) =>
  JSON.parse(execFileSync(policyc, ["store", join(root, "policies", policy), "--for", "firefox"]).toString());

// Lints the extension's shipped files with a given data_collection_permissions; returns the linter's report.
function lint(permissions) {
  const dir = mkdtempSync(join(tmpdir(), "policyc-lint-"));
  for (const f of readdirSync(ext)) {
    if (/\.(js|html)$/.test(f)) cpSync(join(ext, f), join(dir, f));
  }
  const m = structuredClone(manifest);
  m.browser_specific_settings.gecko.data_collection_permissions = permissions;
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m, null, 2));
  const out = spawnSync(join(ext, "node_modules/.bin/addons-linter"), ["--output", "json", dir], { encoding: "utf8" });
  return JSON.parse(out.stdout);
}

test("the example manifest declares what policyc store generates from the policy", () => {
  assert.deepEqual(
    manifest.browser_specific_settings.gecko.data_collection_permissions,
    declare("shopping-assistant.policy"),
  );
});

for (const policy of readdirSync(join(root, "policies")).filter((f) => f.endsWith(".policy"))) {
  test(`addons-linter accepts the Firefox declaration of ${policy}`, () => {
    const report = lint(declare(policy));
    assert.deepEqual(report.errors.map((e) => e.message), []);
  });
}

test("addons-linter refuses a data type Firefox does not know, so the check above can fail", () => {
  const report = lint({ required: ["browsingHistory"] });
  assert.ok(report.errors.length > 0);
});
