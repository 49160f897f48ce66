// The WebAssembly runtime decides exactly as the native one: the same URLs as the native agreement test
// (tests/matcher.rs: every domain of the bundled lists with near misses, and the real URLs of
// ../shared/data/requests/sitelist.txt when present) go through `policyc match` and through the package in
// target/wasm-pkg, under several settings, and every report must be identical, byte for byte as JSON.
//
// Run after `scripts/build-wasm`: `node --test bindings/wasm/test/`. POLICYC names the policyc binary
// (default: target/release/policyc, else target/debug/policyc).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";
import { policyc, root } from "./common.mjs";

const dir = mkdtempSync(join(tmpdir(), "policyc-wasm-"));
// `compile` prints the policy hash on standard output.
const compiledHash = execFileSync(policyc, ["compile", join(root, "policies/shopping-assistant.policy"), "-o", dir], {
  stdio: ["ignore", "pipe", "ignore"],
})
  .toString()
  .trim();
const artifact = join(dir, "shopping-assistant.matcher");
const bytes = readFileSync(artifact);

function urls() {
  const out = [];
  for (const list of ["policies/lists/ut1-shopping.txt", "policies/lists/ut1-bank.txt"]) {
    for (const d of readFileSync(join(root, list), "utf8").split("\n")) {
      if (d === "") continue;
      out.push(`https://${d}/`, `https://www.${d}/ip/1`, `https://x${d}/`);
    }
  }
  // Forms a page can hand over that are not plain URLs.
  out.push("", "ftp://www.walmart.com/", "https://192.168.0.1/", "not a url", "https://www.walmart.com/ip/ü?q=1#x");
  const shared = join(root, "../shared/data/requests/sitelist.txt");
  if (existsSync(shared)) {
    out.push(...readFileSync(shared, "utf8").split("\n").filter((l) => l !== "" && !l.includes("\r")));
  } else {
    console.log(`note: ${shared} not present; checked the bundled lists only`);
  }
  return out;
}

const URLS = urls();

// Settings as the CLI takes them and as the JavaScript API takes them.
const SETTINGS = [
  { args: [], opts: undefined },
  { args: ["--set", "assistant_active=on", "--set", "signed_in=on", "--region", "DE"], opts: { set: { assistant_active: true, signed_in: true }, region: "DE" } },
  { args: ["--set", "signed_in=on", "--region", "US"], opts: { set: { signed_in: true }, region: "US" } },
  { args: ["--set", "price_compare=off", "--set", "assistant_active=on", "--set", "signed_in=on"], opts: { set: { price_compare: false, assistant_active: true, signed_in: true } } },
];

function native(args) {
  const out = execFileSync(policyc, ["match", artifact, ...args], { input: URLS.join("\n") + "\n", maxBuffer: 1 << 30 });
  const lines = out.toString("utf8").split("\n");
  lines.pop();
  return lines;
}

const m = await loadMatcher(bytes);

test("the policy hash is the one policyc compile prints", () => {
  assert.match(compiledHash, /^[0-9a-f]{64}$/);
  assert.equal(m.policyHash, compiledHash);
});

for (const { args, opts } of SETTINGS) {
  test(`every report and decision agrees with policyc match ${args.join(" ")}`, () => {
    const lines = native(args);
    assert.equal(lines.length, URLS.length);
    const many = m.decideMany(URLS, opts);
    let collected = 0;
    for (let i = 0; i < URLS.length; i++) {
      const url = URLS[i];
      const report = m.report(url, opts);
      // The full report, as JSON, byte for byte.
      if (JSON.stringify(report) !== lines[i]) assert.equal(JSON.stringify(report), lines[i], url);
      // The compact decision carries the same fields, one URL at a time and in a batch.
      const want = {
        collect: report.collect,
        linked: report.linked,
        purposes: report.purposes,
        retention: report.retention,
        policyHash: report.policy_hash,
        error: report.error,
      };
      const one = m.decide(url, opts);
      assert.deepEqual(one, want, url);
      assert.deepEqual(many[i], want, url);
      collected += one.collect.length > 0 ? 1 : 0;
    }
    // A check that compares empty answers would prove nothing: most list domains collect.
    if (opts?.set?.price_compare === false) assert.equal(collected, 0);
    else assert.ok(collected > 30000, `collected on ${collected} URLs`);
  });
}

// A string can hold lone surrogates, which UTF-8 cannot: `TextEncoder`, like the browser's URL parser, reads each
// as U+FFFD (and a pair as its character), so a URL with one decides as the URL with U+FFFD does in `policyc
// match`. The Python package's test reads the same URLs the same way.
test("a URL with a lone surrogate decides as policyc match decides it with U+FFFD", () => {
  const surrogates = [
    ["https://www.walmart.com/ip/\uD800", "https://www.walmart.com/ip/\uFFFD"],
    ["https://www.walmart.com/ip/1?q=\uDC00x\uD83D", "https://www.walmart.com/ip/1?q=\uFFFDx\uFFFD"],
    ["https://www.walmart.com/ip/\uD83D\uDE00", "https://www.walmart.com/ip/\u{1F600}"],
    ["https://www.walmart.com/ip/\uD800\uD800\uDC00", "https://www.walmart.com/ip/\uFFFD\u{10000}"],
    ["https://www.walm\uDFFFart.com/ip/1", "https://www.walm\uFFFDart.com/ip/1"],
  ];
  const { args, opts } = SETTINGS[1];
  const input = surrogates.map(([, read]) => read).join("\n") + "\n";
  const lines = execFileSync(policyc, ["match", artifact, ...args], { input }).toString("utf8").split("\n");
  surrogates.forEach(([url, read], i) => {
    assert.equal(JSON.stringify(m.report(url, opts)), lines[i], read);
    assert.equal(m.decide(url, opts), m.decide(read, opts));
  });
  assert.ok(m.decide(surrogates[0][0], opts).collect.length > 0);
});

// Two rules collect the same items for different times: the decision keeps each item for the longest, as the
// native report does.
test("an item collected by rules that keep it for different times is kept for the longest", () => {
  const d = mkdtempSync(join(tmpdir(), "policyc-wasm-pt-"));
  execFileSync(policyc, ["compile", join(root, "policies/price-tracker.policy"), "-o", d], { stdio: "ignore" });
  const art = join(d, "price-tracker.matcher");
  const args = ["--set", "price_history=on", "--set", "history_consent=on", "--set", "price_alerts=on"];
  const urls = ["https://www.amazon.de/dp/B000123", "https://www.amazon.de/gp/product/B1", "https://www.zalando.de/"];
  const lines = execFileSync(policyc, ["match", art, ...args], { input: urls.join("\n") + "\n" }).toString().split("\n");
  return loadMatcher(readFileSync(art)).then((pt) => {
    const opts = { set: { price_history: true, history_consent: true, price_alerts: true } };
    for (const [i, url] of urls.entries()) assert.deepEqual(pt.decide(url, opts).retention, JSON.parse(lines[i]).retention, url);
    assert.deepEqual(pt.decide(urls[0], opts).retention, { product_url: "1 year", product_price: "1 year" });
    rmSync(d, { recursive: true, force: true });
  });
});
