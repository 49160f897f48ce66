// The WebAssembly side of scripts/bench-wasm once more, in Debian's Chromium (headless, driven by playwright-core):
// the browser the extension runs in, whose engine is newer than Node's. Serves target/wasm-pkg, the artifact and
// the URLs from a local HTTP server, runs the loops of bench-loops.mjs in a page, and prints one JSON line.
//
// node bindings/wasm/examples/bench-browser.mjs ARTIFACT URLS [ROUNDS]
// (playwright-core from examples/extension: `(cd examples/extension && npm ci)`; CHROMIUM names the browser,
// default /usr/bin/chromium)

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const { chromium } = createRequire(join(root, "examples/extension/package.json"))("playwright-core");
const [artifact, urlFile, roundsArg] = process.argv.slice(2);
if (!artifact || !urlFile) {
  console.error("usage: bench-browser.mjs ARTIFACT URLS [ROUNDS]");
  process.exit(2);
}
const files = {
  "/index.js": ["text/javascript", readFileSync(join(root, "target/wasm-pkg/index.js"))],
  "/policyc.wasm": ["application/wasm", readFileSync(join(root, "target/wasm-pkg/policyc.wasm"))],
  "/bench-loops.mjs": ["text/javascript", readFileSync(join(root, "bindings/wasm/examples/bench-loops.mjs"))],
  "/artifact": ["application/octet-stream", readFileSync(artifact)],
  "/urls": ["text/plain", readFileSync(urlFile)],
  "/": ["text/html", Buffer.from("<!doctype html><title>bench</title>")],
};
const server = createServer((req, res) => {
  const file = files[req.url];
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": file[0] }).end(file[1]);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  const result = await page.evaluate(async (rounds) => {
    const { loadMatcher } = await import("/index.js");
    const { lines, measure } = await import("/bench-loops.mjs");
    const bytes = new Uint8Array(await (await fetch("/artifact")).arrayBuffer());
    return measure(loadMatcher, bytes, lines(await (await fetch("/urls")).text()), rounds);
  }, Number(roundsArg ?? 10));
  console.log(JSON.stringify({ browser: browser.version(), ...result }));
} finally {
  await browser.close();
  server.close();
}
