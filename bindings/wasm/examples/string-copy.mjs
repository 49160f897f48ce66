// How fast can a JavaScript string reach a WebAssembly module's memory? Times every way we know, per URL, on the
// URLs of a file: `TextEncoder.encodeInto`, Node's `Buffer` writers, a JavaScript copy loop, and two small
// modules that copy through the JS String Builtins (`wasm:js-string`, in V8 since 13.0, so Node 24 and later):
// one calling `charCodeAt` per character, one copying the whole string with `intoCharCodeArray` into a GC array
// and narrowing it into memory. The single `decide` pays this copy on every call; BENCHMARKS.md (issue 11, run 9)
// has the figures and why the package keeps `encodeInto`.
//
// node bindings/wasm/examples/string-copy.mjs URLS
import { readFileSync } from "node:fs";

const urls = readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean);
const memory = new WebAssembly.Memory({ initial: 20 });
const OFFSET = 1024;
const CAP = 65536;
const view = new Uint8Array(memory.buffer, OFFSET, CAP);

// A module is written byte by byte here: the text format's tools on this machine (wabt 1.0.32, binaryen 108)
// do not know the final encoding of GC arrays, which the second module needs.
const uleb = (n) => { const o = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const sleb = (n) => { const o = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { o.push(b); return o; } o.push(b | 0x80); } };
const name = (t) => [...uleb(t.length), ...new TextEncoder().encode(t)];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const get = (l) => [0x20, l], set = (l) => [0x21, l], i32 = (v) => [0x41, ...sleb(v)];
const [I32, EXTERNREF, REFNULL] = [0x7f, 0x6f, 0x63];

// Both modules export put(string, ptr, cap) -> length in bytes, or -1 when the string is not ASCII or too long.
// Locals: 0 string, 1 ptr, 2 cap, 3 n, 4 i, 5 acc (the OR of all characters), 6 c, 7 the GC array.
function helper(whole) {
  const types = [
    [0x5e, 0x77, 0x01], // 0: (array (mut i16))
    [0x60, 1, EXTERNREF, 1, I32], // 1: length
    whole ? [0x60, 3, EXTERNREF, REFNULL, 0x00, I32, 1, I32] : [0x60, 2, EXTERNREF, I32, 1, I32], // 2: the copy
    [0x60, 3, EXTERNREF, I32, I32, 1, I32], // 3: put
  ];
  const imports = [
    [...name("wasm:js-string"), ...name("length"), 0x00, 1],
    [...name("wasm:js-string"), ...name(whole ? "intoCharCodeArray" : "charCodeAt"), 0x00, 2],
    [...name("env"), ...name("memory"), 0x02, 0x00, 1],
  ];
  const char = whole ? [...get(7), ...get(4), 0xfb, 0x0d, 0x00] : [...get(0), ...get(4), 0x10, 1];
  const code = [
    ...get(0), 0x10, 0, ...set(3),
    ...get(3), ...get(2), 0x4b, 0x04, 0x40, ...i32(-1), 0x0f, 0x0b,
    ...(whole
      ? [
          0x23, 0, ...set(7),
          // Grow the kept array when it is missing or short, then copy the whole string into it.
          0x02, 0x40, ...get(7), 0xd1, 0x45, 0x04, 0x40, ...get(7), 0xfb, 0x0f, ...get(3), 0x4f, 0x0d, 1, 0x0b,
          ...get(3), ...i32(256), 0x6a, 0xfb, 0x07, 0x00, ...set(7), ...get(7), 0x24, 0, 0x0b,
          ...get(0), ...get(7), ...i32(0), 0x10, 1, 0x1a,
        ]
      : []),
    0x02, 0x40, 0x03, 0x40,
    ...get(4), ...get(3), 0x4f, 0x0d, 1,
    ...get(1), ...get(4), 0x6a, ...char, 0x22, 6, 0x3a, 0x00, 0x00,
    ...get(5), ...get(6), 0x72, ...set(5),
    ...get(4), ...i32(1), 0x6a, ...set(4),
    0x0c, 0, 0x0b, 0x0b,
    ...get(5), ...i32(127), 0x4b, 0x04, 0x40, ...i32(-1), 0x0f, 0x0b,
    ...get(3), 0x0b,
  ];
  const body = [...vec([[4, I32], [1, REFNULL, 0x00]]), ...code];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec([[3]])),
    ...(whole ? section(6, vec([[REFNULL, 0x00, 0x01, 0xd0, 0x00, 0x0b]])) : []),
    ...section(7, vec([[...name("put"), 0x00, 2]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

function best(f) {
  let min = Infinity;
  for (let r = 0; r < 15; r++) {
    const t = process.hrtime.bigint();
    f();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / urls.length);
  }
  return Number(min.toFixed(1));
}

let sink = 0;
const ns = {};
const encoder = new TextEncoder();
ns.encodeInto = best(() => { for (const u of urls) sink += encoder.encodeInto(u, view).written; });
const buf = Buffer.from(memory.buffer, OFFSET, CAP);
ns.latin1Write = best(() => { for (const u of urls) sink += buf.latin1Write(u, 0); });
ns.utf8Write = best(() => { for (const u of urls) sink += buf.utf8Write(u, 0); });
ns.jsLoop = best(() => {
  for (const u of urls) {
    let i = 0;
    for (; i < u.length; i++) { const c = u.charCodeAt(i); if (c > 127) break; view[i] = c; }
    sink += i;
  }
});
for (const [label, whole] of [["builtinCharCodeAt", false], ["builtinIntoCharCodeArray", true]]) {
  try {
    const { instance } = await WebAssembly.instantiate(helper(whole), { env: { memory } }, { builtins: ["js-string"] });
    const put = instance.exports.put;
    // The copy must be right before it is timed: the first URL round-trips through the memory.
    const n = put(urls[0], OFFSET, CAP);
    if (new TextDecoder().decode(view.subarray(0, n)) !== urls[0]) throw new Error("the copy differs from the URL");
    ns[label] = best(() => { for (const u of urls) sink += put(u, OFFSET, CAP); });
  } catch (e) {
    ns[label] = `unavailable: ${e.message}`;
  }
}
console.log(JSON.stringify({ node: process.version, urls: urls.length, ns_per_url: ns, sink: sink > 0 }));
