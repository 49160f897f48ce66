// Collection that does not depend on the page (`collect DATA from SOURCE`) is decided per state, and the package
// answers as the native CLI does: every state of each policy with such rules (every combination of its signals
// and features, in no region and in each of its regions) goes through `policyc sources --format json` and through
// `matcher.sources`, and the two must be identical. Then the API's own promises: frozen, shared, fail closed.
//
// Run after `scripts/build-wasm`: `node --test bindings/wasm/test/`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";
import { policyc, root } from "./common.mjs";

const demoPath = join(root, "runtime/tests/data/demo.matcher");
const demo = readFileSync(demoPath);

// The policies with rules from a source: the runtime's demo, the disclosure fixture with two sources of its own,
// and the real policies that receive data from elsewhere.
const dir = mkdtempSync(join(tmpdir(), "policyc-wasm-sources-"));
const artifacts = [demoPath];
for (const policy of [
  "tests/fixtures/disclose/independent.policy",
  "policies/real/honey.policy",
  "policies/real/capital-one-shopping.policy",
]) {
  const out = join(dir, String(artifacts.length));
  execFileSync(policyc, ["compile", join(root, policy), "-o", out], { stdio: "ignore" });
  // The artifact is named after the policy's id, not the file.
  const named = readdirSync(out).find((f) => f.endsWith(".matcher"));
  artifacts.push(join(out, named));
}

// Every state of a matcher: each combination of its signals and features, in no region and in each region.
// A policy has few of either, but the enumeration is capped so that a larger one keeps the test quick.
function states(m) {
  const names = [...m.signals, ...m.features.map((f) => f.name)].slice(0, 6);
  const out = [];
  for (let bits = 0; bits < 1 << names.length; bits++) {
    const set = Object.fromEntries(names.map((n, i) => [n, (bits >> i & 1) === 1]));
    for (const region of [null, ...m.regions]) out.push({ set, region });
  }
  return out;
}

function cli(artifact, { set, region }) {
  const args = ["sources", artifact, "--format", "json"];
  for (const [name, on] of Object.entries(set)) args.push("--set", `${name}=${on ? "on" : "off"}`);
  if (region !== null) args.push("--region", region);
  return JSON.parse(execFileSync(policyc, args).toString("utf8"));
}

test("every state of every policy with rules from a source gets the CLI's answer", async () => {
  let collecting = 0;
  let empty = 0;
  let compared = 0;
  for (const artifact of artifacts) {
    const m = await loadMatcher(readFileSync(artifact));
    for (const state of states(m)) {
      const want = cli(artifact, state);
      const got = m.sources(state);
      // Byte for byte as JSON, so that key order and every field are the CLI's.
      assert.equal(JSON.stringify(got), JSON.stringify(want), `${artifact} ${JSON.stringify(state)}`);
      for (const source of m.sourceNames) {
        const items = want.items.filter((i) => i.source === source).map((i) => i.data);
        assert.deepEqual(m.collectsFrom(got, source), items);
      }
      if (got.collect.length > 0) collecting++;
      else empty++;
      compared++;
    }
    m.free();
  }
  // The comparison proves something only if some states collect and others do not.
  assert.ok(collecting > 0 && empty > 0, `${collecting} states collect, ${empty} do not`);
  assert.ok(compared >= 16, `${compared} states`);
  rmSync(dir, { recursive: true, force: true });
});

test("the demo's rules from a source hold in their states only", async () => {
  const m = await loadMatcher(demo);
  assert.deepEqual(m.sourceNames, ["device", "account", "partners"]);
  // Features at their defaults: stats_switch is on, so the install id may be collected from the device.
  const defaults = m.sources();
  assert.deepEqual(defaults.collect, ["install_id"]);
  assert.deepEqual(defaults.items, [
    { data: "install_id", source: "device", purposes: ["stats"], retention: "until uninstall", linked: false,
      rules: [{ rule: "from 1", origin: "demo.policy:40" }] },
  ]);
  assert.equal(defaults.policy_hash, m.policyHash);
  // Partner purchases only when signed in and in DE, and then always linked.
  const de = m.sources({ set: { signed_in: true }, region: "DE" });
  assert.deepEqual([de.collect, de.linked], [["install_id", "purchases"], ["purchases"]]);
  assert.deepEqual(m.sources({ set: { signed_in: true }, region: "US" }).collect, ["install_id"]);
  assert.deepEqual(m.sources({ set: { stats_switch: false } }).collect, []);
  // A page decision never includes them.
  assert.deepEqual(m.decide("https://shop.example/cart", { set: { signed_in: true }, region: "DE" }).collect, ["page_url"]);
});

test("a report answers only for its own policy: another policy's, one naming none, or one naming an unknown item throws", async () => {
  // A report of another policy (an older version kept across an update, another extension's) or an object made
  // by hand would allow what this policy may not.
  const out = mkdtempSync(join(tmpdir(), "policyc-wasm-other-"));
  const load = async (name) => {
    execFileSync(policyc, ["compile", join(root, `policies/${name}.policy`), "-o", out], { stdio: "ignore" });
    return loadMatcher(readFileSync(join(out, `${name}.matcher`)));
  };
  const shop = await load("shopping-assistant");
  const tracker = await load("price-tracker");
  rmSync(out, { recursive: true, force: true });
  const demoM = await loadMatcher(demo);
  // The demo may collect its install id from the device; the shopping assistant may not.
  assert.deepEqual(demoM.collectsFrom(demoM.sources(), "device"), ["install_id"]);
  assert.deepEqual(shop.collectsFrom(shop.sources(), "device"), []);
  for (const other of [demoM, tracker]) {
    const report = other.sources();
    const message = `the report is of policy \`${other.policyHash}\`, not of this matcher's \`${shop.policyHash}\`: ask this matcher's sources for one`;
    assert.throws(() => shop.collectsFrom(report, "device"), (e) => e.constructor === Error && e.message === message);
    assert.throws(() => shop.collectsFrom(report, "nowhere"), { message });
  }
  const forged = { items: [{ source: "device", data: "ssn" }] };
  for (const report of [forged, { ...forged, policy_hash: null }, { ...forged, policy_hash: 1 }]) {
    assert.throws(() => shop.collectsFrom(report, "device"), (e) => e.constructor === Error && /^the report names no `policy_hash`/.test(e.message));
  }
  // With this policy's hash, an item the policy does not have is still refused.
  const withHash = { items: [{ source: "device", data: "ssn" }], policy_hash: demoM.policyHash };
  assert.throws(() => demoM.collectsFrom(withHash, "device"), /^Error: the report names `ssn`, which is not a data item of this policy/);
  // The matcher's own report, or a copy of it (kept in storage, say), is read.
  const own = demoM.sources({ set: { signed_in: true }, region: "DE" });
  assert.deepEqual(demoM.collectsFrom({ ...own }, "partners"), ["purchases"]);
  assert.deepEqual(demoM.collectsFrom(JSON.parse(JSON.stringify(own)), "partners"), ["purchases"]);
});

test("a source report is frozen, and the same state gives the same object", async () => {
  const m = await loadMatcher(demo);
  const a = m.sources({ set: { signed_in: true }, region: "DE" });
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.items) && Object.isFrozen(a.items[0]) && Object.isFrozen(a.items[0].rules[0]));
  assert.throws(() => a.collect.push("title"), TypeError);
  assert.equal(m.sources({ region: "DE", set: { signed_in: true } }), a);
  assert.notEqual(m.sources(), a);
  assert.ok(Object.isFrozen(m.sourceNames));
});

test("sources fail closed: unknown sources give nothing, unknown names and events throw", async () => {
  const m = await loadMatcher(demo);
  const all = m.sources({ set: { signed_in: true }, region: "DE" });
  assert.deepEqual(m.collectsFrom(all, "device"), ["install_id"]);
  assert.deepEqual(m.collectsFrom(all, "partners"), ["purchases"]);
  assert.deepEqual(m.collectsFrom(all, "account"), []);
  // A source the policy does not name, even one spelt like a known one, allows nothing.
  for (const unknown of ["cookies", "Device", "", "partners "]) assert.deepEqual(m.collectsFrom(all, unknown), []);
  assert.throws(() => m.collectsFrom(all, 1), TypeError);
  assert.throws(() => m.collectsFrom({ collect: ["install_id"] }, "device"), TypeError);
  // Names the policy does not declare throw as they do for decide.
  assert.throws(() => m.sources({ set: { nope: true } }), { message: /`nope` is not a signal or feature of this policy; / });
  assert.throws(() => m.sources({ region: "XX" }), /`XX` is not a region of this policy; its regions are /);
  assert.throws(() => m.sources({ set: { signed_in: "yes" } }), TypeError);
  assert.throws(() => m.sources({ sett: {} }), TypeError);
  // An event is refused, not ignored: collection from a source never depends on one.
  assert.throws(() => m.sources({ event: "offer_click" }), { name: "TypeError", message: /`event` is not an option of sources/ });
  assert.deepEqual(m.sources({ event: null }).collect, ["install_id"]);
  m.free();
  assert.throws(() => m.sources(), /freed/);
});
