// Where a WebAssembly `decide` spends its time, part by part: the module's own work (pre-encoded URLs, no
// record read), encoding the URL with `TextEncoder.encodeInto`, both, and an ASCII copy loop for comparison.
// Uses the raw exports, not index.js, so that each part is timed alone; BENCHMARKS.md has the figures.
//
// node bindings/wasm/examples/parts.mjs ARTIFACT URLS
import { readFileSync } from "node:fs";
const [artifact, urlFile] = process.argv.slice(2);
const wasm = readFileSync(new URL("../../../target/wasm-pkg/policyc.wasm", import.meta.url));
const { instance } = await WebAssembly.instantiate(wasm, {});
const x = instance.exports;
const art = readFileSync(artifact);
let p = x.pc_input(art.length); new Uint8Array(x.memory.buffer).set(art, p);
const h = x.pc_load(art.length);
const enc = new TextEncoder();
const key = JSON.stringify({ set: { assistant_active: true, signed_in: true }, region: "DE", event: null });
p = x.pc_input(4096); let b = enc.encode(key); new Uint8Array(x.memory.buffer).set(b, p);
const cx = x.pc_context(h, b.length);
const urls = readFileSync(urlFile, "utf8").split("\n").filter(Boolean);
const inp = x.pc_input(65536);
const mem = new Uint8Array(x.memory.buffer);
const view = mem.subarray(inp, inp + 65536);
// pre-encoded URLs
const encoded = urls.map((u) => enc.encode(u));
function best(f) { let m = Infinity; for (let r = 0; r < 10; r++) { const t = process.hrtime.bigint(); f(); m = Math.min(m, Number(process.hrtime.bigint() - t) / urls.length); } return m.toFixed(0); }
let sink = 0;
const encodeOnly = best(() => { for (const u of urls) sink += enc.encodeInto(u, view).written; });
const moduleOnly = best(() => { for (const e of encoded) { view.set(e); sink += x.pc_decide(h, cx, e.length); } });
const both = best(() => { for (const u of urls) { const n = enc.encodeInto(u, view).written; sink += x.pc_decide(h, cx, n); } });
const asciiLoop = best(() => { for (const u of urls) { let i = 0; for (; i < u.length; i++) { const c = u.charCodeAt(i); if (c > 127) break; view[i] = c; } sink += i; } });
console.log(JSON.stringify({ encodeOnly, moduleOnly, both, asciiLoop, sink }));
