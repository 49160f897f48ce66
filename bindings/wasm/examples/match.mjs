// `policyc match` in JavaScript: reads URLs from standard input, one per line, and prints one JSON decision per
// line, deciding through the WebAssembly package. Its output is identical to `policyc match`'s:
//
//   scripts/build-wasm
//   node bindings/wasm/examples/match.mjs out/shopping-assistant.matcher --set signed_in=on --region DE < urls.txt
//
// Flags: `--set NAME=on|off` (repeatable), `--region R` and `--event E`, as the CLI takes them. Each line is
// decided as it stands, without its line break: the URL standard strips only C0 controls and spaces, so a
// line led by a no-break space is refused, as the CLI refuses it (`String.prototype.trim` would strip it).

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";

const [artifact, ...flags] = process.argv.slice(2);
if (artifact === undefined) {
  console.error("usage: node match.mjs ARTIFACT [--set NAME=on|off]... [--region R] [--event E] < urls");
  process.exit(2);
}
const opts = { set: {} };
for (let i = 0; i < flags.length; i += 2) {
  const [flag, value] = [flags[i], flags[i + 1] ?? ""];
  const [name, on] = value.split("=");
  if (flag === "--set" && (on === "on" || on === "off")) opts.set[name] = on === "on";
  else if (flag === "--region") opts.region = value;
  else if (flag === "--event") opts.event = value;
  else {
    console.error(`error: unknown flag \`${flag} ${value}\``);
    process.exit(2);
  }
}

let m;
try {
  m = await loadMatcher(readFileSync(artifact));
  m.decide("https://example.com/", opts); // refuses unknown names before reading input
} catch (e) {
  console.error(`error: \`${artifact}\`: ${e.message}`);
  process.exit(2);
}
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  // readline strips `\n` and `\r\n`, exactly the line break the CLI strips.
  process.stdout.write(JSON.stringify(m.report(line, opts)) + "\n");
}
