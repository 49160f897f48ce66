// The WebAssembly side of scripts/bench-wasm: load time of an artifact, and nanoseconds per URL for `decide`
// (one call per URL, the JavaScript boundary included) and `decideMany` (one call for all), as one JSON line.
//
// node bindings/wasm/examples/bench.mjs ARTIFACT URLS [ROUNDS]

import { readFileSync } from "node:fs";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";

const [artifact, urlFile, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 10);
const bytes = readFileSync(artifact);
const urls = readFileSync(urlFile, "utf8").split("\n");
if (urls.at(-1) === "") urls.pop();
// A settings object as a caller keeps it for many calls (frozen, so the package may cache its context), and
// the same settings written afresh for every call.
const opts = Object.freeze({ set: Object.freeze({ assistant_active: true, signed_in: true }), region: "DE" });
const fresh = () => ({ set: { assistant_active: true, signed_in: true }, region: "DE" });

// The first load compiles and instantiates the module; later loads are what an update costs.
let t = performance.now();
const first = await loadMatcher(bytes);
const firstMs = performance.now() - t;
const loads = [];
for (let i = 0; i < 5; i++) {
  t = performance.now();
  (await loadMatcher(bytes)).free();
  loads.push(performance.now() - t);
}
const m = first;
m.decide(urls[0], opts); // builds the context once, as every later call reuses it

function best(f) {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    f();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / urls.length);
  }
  return min;
}
let sink = 0;
const decide = best(() => {
  for (const u of urls) sink += m.decide(u, opts).collect.length;
});
const decideFresh = best(() => {
  for (const u of urls) sink += m.decide(u, fresh()).collect.length;
});
const many = best(() => {
  for (const d of m.decideMany(urls, opts)) sink += d.collect.length;
});
console.log(
  JSON.stringify({
    urls: urls.length,
    first_load_ms: +firstMs.toFixed(2),
    load_ms: +Math.min(...loads).toFixed(2),
    decide_ns: Math.round(decide),
    decide_fresh_options_ns: Math.round(decideFresh),
    decide_many_ns: Math.round(many),
    sink,
  }),
);
