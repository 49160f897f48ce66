// The package's API as the issue specifies it: errors, optional settings, the policy hash, freeing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";
import { root } from "./common.mjs";

const demo = readFileSync(join(root, "runtime/tests/data/demo.matcher"));

test("a bad artifact rejects with the one-line reason", async () => {
  await assert.rejects(loadMatcher(new Uint8Array([1, 2, 3])), { message: /^artifact is truncated|^not a policyc matcher artifact/ });
  const flipped = Uint8Array.from(demo);
  flipped[flipped.length - 1] ^= 1;
  await assert.rejects(loadMatcher(flipped), (e) => e instanceof Error && /checksum/.test(e.message) && !e.message.includes("\n"));
  await assert.rejects(loadMatcher("not bytes"), TypeError);
});

test("settings are optional: signals off, features at their defaults, no region", async () => {
  const m = await loadMatcher(demo);
  const d = m.decide("https://shop.example/cart");
  assert.deepEqual(d.collect, ["page_url"]);
  assert.deepEqual(d.linked, []);
  assert.equal(d.policyHash, m.policyHash);
  assert.equal(d.error, null);
  const signed = m.decide("https://shop.example/cart", { set: { signed_in: true }, region: "DE" });
  assert.deepEqual(signed.linked, ["page_url"]);
  assert.deepEqual(signed.retention, { page_url: "30 days" });
});

test("switches come with the policy's own words, for a settings page to show", async () => {
  const m = await loadMatcher(demo);
  assert.deepEqual(m.features, [{ name: "stats_switch", default: true, label: { en: "Visit statistics" }, optIn: {} }]);
  assert.deepEqual(m.signalLabels, { signed_in: { en: "you are signed in" } });
  assert.ok(Object.isFrozen(m.features[0].label));
});

test("an event decides with the URL: a click collects what the policy collects on it, a page view as before", async () => {
  const m = await loadMatcher(demo);
  assert.deepEqual(m.events, [{ name: "offer_click", label: { en: "you click an offer" } }]);
  assert.deepEqual(m.decide("https://shop.example/cart", { event: "offer_click" }).collect, ["offer_id"]);
  assert.deepEqual(m.decide("https://shop.example/cart", { event: "page_view" }).collect, ["page_url"]);
  assert.deepEqual(m.decide("https://shop.example/cart", { event: null }).collect, ["page_url"]);
  assert.equal(m.report("https://shop.example/cart", { event: "offer_click" }).event, "offer_click");
  assert.throws(() => m.decide("https://shop.example/", { event: "install" }), {
    message: "`install` is not an event of this policy; its events are `offer_click` (a page view is `page_view`)",
  });
  assert.throws(() => m.decide("https://shop.example/", { event: 1 }), TypeError);
});

test("unknown names throw as the CLI refuses them, and so do malformed settings", async () => {
  const m = await loadMatcher(demo);
  assert.throws(() => m.decide("https://shop.example/", { set: { nope: true } }), {
    message: "`nope` is not a signal or feature of this policy; its signals and features are `signed_in`, `stats_switch`",
  });
  // What was likely meant, as the CLI says it.
  assert.throws(() => m.decide("https://shop.example/", { region: "de" }), { message: "`de` is not a region of this policy; did you mean `DE`?" });
  assert.throws(() => m.decide("https://shop.example/", { set: { signed_on: true } }), /did you mean `signed_in`\?$/);
  assert.throws(() => m.decide("https://shop.example/", { region: "XX" }), /`XX` is not a region of this policy; its regions are /);
  assert.throws(() => m.decide("https://shop.example/", { set: { signed_in: "yes" } }), TypeError);
  assert.throws(() => m.decide("https://shop.example/", { sett: {} }), TypeError);
  assert.throws(() => m.decide(42), TypeError);
  assert.throws(() => m.decideMany("https://shop.example/"), TypeError);
});

test("an array is no options object", async () => {
  const m = await loadMatcher(demo);
  assert.throws(() => m.decide("https://shop.example/cart", []), { name: "TypeError", message: /options must be an object/ });
});

test("a Map of switches decides as the same plain object, and other objects are refused, not read as empty", async () => {
  const m = await loadMatcher(demo);
  const url = "https://shop.example/cart";
  // Switching the feature off stops collection whichever way the switches are passed.
  assert.deepEqual(m.decide(url, { set: { stats_switch: false } }).collect, []);
  assert.deepEqual(m.decide(url, { set: new Map([["stats_switch", false]]) }).collect, []);
  const frozen = Object.freeze({ set: new Map([["signed_in", true]]), region: "DE" });
  assert.deepEqual(m.decide(url, frozen).linked, ["page_url"]);
  // A Map changes even when frozen: the next call reads it afresh.
  frozen.set.set("signed_in", false);
  assert.deepEqual(m.decide(url, frozen).linked, []);
  assert.throws(() => m.decide(url, { set: new Map([["nope", true]]) }), /`nope` is not a signal/);
  assert.throws(() => m.decide(url, { set: new Map([[1, true]]) }), TypeError);
  // Objects whose switches Object.entries cannot see would leave every switch at its default.
  for (const set of [Object.create({ stats_switch: false }), [["stats_switch", false]], new (class S { stats_switch = false })()]) {
    assert.throws(() => m.decide(url, { set }), { name: "TypeError", message: /plain object or a Map/ });
    assert.throws(() => m.sources({ set }), TypeError);
  }
  assert.deepEqual(m.decide(url, { set: Object.assign(Object.create(null), { stats_switch: false }) }).collect, []);
});

test("an undecidable URL collects nothing and says why", async () => {
  const m = await loadMatcher(demo);
  const d = m.decide("ftp://shop.example/");
  assert.deepEqual(d.collect, []);
  assert.equal(d.error, "scheme `ftp` is not http or https");
});

test("decideMany answers in order, like decide one by one", async () => {
  const m = await loadMatcher(demo);
  const urls = ["https://shop.example/cart", "nope", "https://other.example/", "https://shop.example/ü"];
  const opts = { set: { signed_in: true } };
  assert.deepEqual(m.decideMany(urls, opts), urls.map((u) => m.decide(u, opts)));
  assert.deepEqual(m.decideMany([]), []);
});

test("a decision is frozen, and the same decision is the same object, whatever the URL or settings", async () => {
  const m = await loadMatcher(demo);
  const a = m.decide("https://shop.example/cart", { set: { signed_in: true } });
  const b = m.decide("https://shop.example/other/page?q=1", { set: { signed_in: true }, region: "DE" });
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.collect) && Object.isFrozen(a.retention));
  assert.throws(() => a.collect.push("title"), TypeError);
  // A different answer is a different object, and the first is unchanged by it.
  const unlinked = m.decide("https://shop.example/cart");
  assert.notEqual(unlinked, a);
  assert.deepEqual([a.linked, unlinked.linked], [["page_url"], []]);
  assert.equal(m.decideMany(["https://shop.example/cart"], { set: { signed_in: true } })[0], a);
  // Refusals are shared by their reason: two URLs refused for one reason get one object, another reason another.
  assert.notEqual(m.decide("nope").error, m.decide("ftp://shop.example/").error);
  assert.equal(m.decide("nope"), m.decide("also not a URL"));
  assert.ok(Object.isFrozen(m.decide("nope")));
  assert.equal(m.decideMany(["nope"])[0], m.decide("nope"));
});

test("many matchers live side by side, and a freed one refuses to decide", async () => {
  const a = await loadMatcher(demo);
  const shopping = readFileSync(join(root, "runtime/tests/data/demo.matcher"));
  const b = await loadMatcher(shopping);
  a.free();
  assert.throws(() => a.decide("https://shop.example/"), /freed/);
  assert.deepEqual(b.decide("https://shop.example/cart").collect, ["page_url"]);
  // Many distinct settings stay correct past the context cache's size.
  for (let i = 0; i < 1100; i++) {
    const on = i % 2 === 0;
    assert.deepEqual(b.decide("https://shop.example/cart", { set: { signed_in: on }, region: i % 3 ? "DE" : null }).linked, on ? ["page_url"] : []);
  }
});

test("an options object changed between calls is read again; a frozen one may be cached", async () => {
  const m = await loadMatcher(demo);
  const opts = { set: { signed_in: true } };
  assert.deepEqual(m.decide("https://shop.example/cart", opts).linked, ["page_url"]);
  opts.set.signed_in = false;
  assert.deepEqual(m.decide("https://shop.example/cart", opts).linked, []);
  const frozen = Object.freeze({ set: Object.freeze({ signed_in: true }), region: "DE" });
  assert.deepEqual(m.decide("https://shop.example/cart", frozen).linked, ["page_url"]);
  assert.deepEqual(m.decide("https://shop.example/cart", frozen).linked, ["page_url"]);
  assert.deepEqual(m.decide("https://shop.example/cart").linked, []);
});

// The type declarations are written by hand, so nothing else keeps them in step with the object.
test("index.d.ts declares every property and method of a Matcher, and nothing it lacks", async () => {
  const m = await loadMatcher(demo);
  const dts = readFileSync(join(root, "bindings/wasm/js/index.d.ts"), "utf8");
  const body = dts.match(/export declare class Matcher \{([\s\S]*?)\n\}/)[1].replace(/\/\*\*[\s\S]*?\*\//g, "");
  const declared = [...body.matchAll(/^\s+(?:readonly\s+)?([A-Za-z]\w*)\??(?:\(|:)/gm)]
    .map((x) => x[1])
    .filter((n) => n !== "constructor")
    .sort();
  const actual = [
    ...Object.keys(m),
    ...Object.getOwnPropertyNames(Object.getPrototypeOf(m)).filter((n) => n !== "constructor"),
  ].sort();
  assert.deepEqual(declared, actual);
});

test("decideMany reads the list once, so a list that changes while it is read cannot corrupt the module", async () => {
  const m = await loadMatcher(demo);
  let reads = 0;
  const shifty = new Proxy(["https://shop.example/cart", "https://unrelated.example/"], {
    get(target, key, receiver) {
      // After the first read of element 0, every read gives a far longer URL than the batch was sized for.
      if (key === "0" && ++reads > 1) return "https://shop.example/" + "a".repeat(200000);
      return Reflect.get(target, key, receiver);
    },
  });
  const [first, second] = m.decideMany(shifty);
  assert.equal(reads, 1, "each element is read once");
  assert.deepEqual(first.collect, ["page_url"]);
  assert.deepEqual(second.collect, []);
  // The matcher still answers as before.
  assert.deepEqual(m.decide("https://shop.example/cart").collect, ["page_url"]);
  assert.deepEqual(m.report("https://shop.example/cart").collect, ["page_url"]);
  // A hole is not a URL.
  assert.throws(() => m.decideMany([, "https://shop.example/"]), { name: "TypeError", message: "a URL must be a string" });
});

test("a module that traps answers nothing more, and the next load starts a fresh one", async () => {
  // A fresh copy of the package (its own module instance), whose `pc_decide` traps while `trap` is set: what
  // running out of memory in the middle of a call looks like from JavaScript.
  let trap = false;
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (bytes, imports) => {
    const made = await instantiate(bytes, imports);
    const real = made.instance.exports;
    const exports = { ...real, pc_decide: (...a) => { if (trap) throw new WebAssembly.RuntimeError("unreachable"); return real.pc_decide(...a); } };
    return { module: made.module, instance: { exports } };
  };
  let pkg, m;
  try {
    pkg = await import(`../../../target/wasm-pkg/index.js?trap=${Date.now()}`);
    m = await pkg.loadMatcher(demo);
  } finally {
    WebAssembly.instantiate = instantiate;
  }
  assert.deepEqual(m.decide("https://shop.example/cart").collect, ["page_url"]);
  trap = true;
  assert.throws(() => m.decide("https://shop.example/cart"), /^Error: the matcher module stopped \(unreachable\); load the matcher again$/);
  trap = false;
  // The instance is retired: even calls that would not trap are refused, for every matcher on it.
  assert.throws(() => m.decide("https://shop.example/cart"), /the matcher module stopped/);
  assert.throws(() => m.report("https://shop.example/cart"), /the matcher module stopped/);
  const again = await pkg.loadMatcher(demo);
  assert.deepEqual(again.decide("https://shop.example/cart").collect, ["page_url"]);
});

test("decideMany cuts a batch apart by each URL's length, whatever its characters", async () => {
  const m = await loadMatcher(demo);
  const forms = [
    "https://shop.example/cart\uD83D", // ends in a lone high surrogate...
    "\uDE00https://shop.example/cart", // ...and the next starts with a low one: joined, they would pair
    "https://bücher.example/😀",
    "",
    "https://shop.example/cart",
    "https://www.shop.example/\uDC00x",
    "ftp://shop.example/",
  ];
  // Longer than the strings the batch is joined into, so that joins and their ends are crossed.
  const urls = Array.from({ length: 300 }, (_, i) => forms[(i * 5) % forms.length]);
  const opts = { set: { signed_in: true } };
  assert.deepEqual(m.decideMany(urls, opts), urls.map((u) => m.decide(u, opts)));
  assert.deepEqual(m.decideMany(forms.slice(0, 2)), forms.slice(0, 2).map((u) => m.decide(u)));
});

test("a batch too large for the module's 32-bit memory is refused before anything is written", async () => {
  const m = await loadMatcher(demo);
  // 2,855,697 copies of a 500-character URL need 4,294,968,292 bytes of input, which as a 32-bit size wraps
  // around to 996: the module would hand out a small buffer and the batch would overrun it.
  const url = `https://shop.example/cart?${"q".repeat(500 - 26)}`;
  assert.equal(url.length, 500);
  const huge = new Array(2855697).fill(url);
  assert.throws(() => m.decideMany(huge), { name: "RangeError", message: /over the limit of 1073741824; split the batch/ });
  // Nothing was written: the module answers as before.
  assert.deepEqual(m.decide("https://shop.example/cart").collect, ["page_url"]);
  assert.deepEqual(m.decideMany([url, "https://shop.example/cart"]).map((d) => d.collect), [["page_url"], ["page_url"]]);
});

test("a URL over the length limit is refused with the module's reason, without being copied into the module", async () => {
  const m = await loadMatcher(demo);
  const base = "https://shop.example/cart?q=";
  const cases = [
    base + "a".repeat(65536 - base.length), // exactly at the limit: decided
    base + "a".repeat(65537 - base.length), // one byte over
    base + "é".repeat(40000), // two bytes a unit: over in bytes, not in units (the module refuses it)
    base + "€".repeat(70000), // three bytes a unit
    base + "\u{1F600}".repeat(40000), // surrogate pairs, four bytes each
    base + "\uD800".repeat(70000), // lone surrogates, written as U+FFFD
    base + "a".repeat(20_000_000), // far over
  ];
  for (const url of cases) {
    const d = m.decide(url);
    const bytes = Buffer.byteLength(url.replace(/[\uD800-\uDFFF]/gu, "\uFFFD"), "utf8");
    if (bytes <= 65536) {
      assert.equal(d.error, null);
      assert.deepEqual(d.collect, ["page_url"]);
    } else {
      assert.equal(d.error, `the URL is ${bytes} bytes long, over the limit of 65536`);
      assert.deepEqual([d.collect, d.linked, d.purposes], [[], [], []]);
    }
    // The same reason as the runtime gives for the URL itself (`report` copies it into the module), and the
    // same decision in a batch.
    assert.equal(m.report(url).error ?? null, d.error);
    assert.deepEqual(m.decideMany(["https://shop.example/cart", url]), [m.decide("https://shop.example/cart"), d]);
  }
});

test("a URL too long to copy into the module is still a refusal, not an exception", async () => {
  const m = await loadMatcher(demo);
  // 400 million units would need 1.2 GB of input at three bytes a unit, over what the module is given: copied
  // first, this URL threw the batch's RangeError; a single URL is a decision like any other.
  const url = `https://shop.example/cart?q=${"a".repeat(400_000_000)}`;
  const d = m.decide(url);
  assert.equal(d.error, "the URL is 400000028 bytes long, over the limit of 65536");
  assert.deepEqual(d.collect, []);
  assert.deepEqual(m.decide("https://shop.example/cart").collect, ["page_url"]);
  // In a batch too: refused in its place, the others decided, nothing thrown.
  const [refused, decided] = m.decideMany([url, "https://shop.example/cart"]);
  assert.equal(refused, d);
  assert.deepEqual(decided.collect, ["page_url"]);
});
