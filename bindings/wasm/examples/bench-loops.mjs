// The timed loops of the WebAssembly benchmark, shared by bench.mjs (Node) and bench-browser.mjs (Chromium, which
// imports this file from its local server), so that both engines run exactly the same measurement.

/**
 * Load time of an artifact, and nanoseconds per URL for `decide` (one call per URL, the JavaScript boundary
 * included; with one frozen settings object and with settings written afresh per call) and `decideMany` (one
 * call for all), each the best of `rounds` passes over all URLs.
 */
export async function measure(loadMatcher, bytes, urls, rounds) {
  // A settings object as a caller keeps it for many calls (frozen, so the package may cache its context), and
  // the same settings written afresh for every call.
  const opts = Object.freeze({ set: Object.freeze({ assistant_active: true, signed_in: true }), region: "DE" });
  const fresh = () => ({ set: { assistant_active: true, signed_in: true }, region: "DE" });
  // The first load compiles and instantiates the module; later loads are what an update costs.
  let t = performance.now();
  const m = await loadMatcher(bytes);
  const firstMs = performance.now() - t;
  const loads = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    (await loadMatcher(bytes)).free();
    loads.push(performance.now() - t);
  }
  m.decide(urls[0], opts); // builds the context once, as every later call reuses it
  // performance.now() is coarsened in browser pages (to 0.1 ms or less), far finer than a pass takes.
  const best = (f) => {
    let min = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      f();
      min = Math.min(min, ((performance.now() - t0) * 1e6) / urls.length);
    }
    return Math.round(min);
  };
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
  return {
    urls: urls.length,
    first_load_ms: +firstMs.toFixed(2),
    load_ms: +Math.min(...loads).toFixed(2),
    decide_ns: decide,
    decide_fresh_options_ns: decideFresh,
    decide_many_ns: many,
    sink,
  };
}

/** The URLs of a file's text, one per line, the final newline ending the last. */
export function lines(text) {
  const urls = text.split("\n");
  if (urls.at(-1) === "") urls.pop();
  return urls;
}
