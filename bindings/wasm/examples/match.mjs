// `policyc match` in JavaScript: reads URLs from standard input, one per line, and prints one JSON decision per
// line, deciding through the WebAssembly package. Its output is identical to `policyc match`'s:
//
//   scripts/build-wasm
//   node bindings/wasm/examples/match.mjs out/shopping-assistant.matcher --set signed_in=on --region DE < urls.txt
//
// Flags: `--set NAME=on|off` (repeatable), `--region R` and `--event E`, as the CLI takes them. Each line is
// decided as it stands, without its line break: the URL standard strips only C0 controls and spaces, so a
// line led by a no-break space is refused, as the CLI refuses it (`String.prototype.trim` would strip it). Lines
// are read as bytes, as the CLI reads them: a line over 1 MiB (its line break not counted) and a line that is not
// UTF-8 are refused with the CLI's reasons, not decided as something else.

import { readFileSync } from "node:fs";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";

// `policyc match`'s limit on one input line, in bytes (src/cli/matchcmd.rs, MAX_LINE).
const MAX_LINE = 1 << 20;
// `ignoreBOM`: a byte order mark is text the line holds, as `policyc match` reads it (and refuses as no URL);
// by default a decoder would drop one at the start of every line it decodes.
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });

// Where the first byte that is not part of a UTF-8 character is (Rust's `Utf8Error::valid_up_to`), or -1.
function validUpTo(b) {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) [n, lo, hi] = [2, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf];
    else if (c >= 0xf0 && c <= 0xf4) [n, lo, hi] = [3, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf];
    else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (d === undefined || d < min || d > max) return i;
    }
    i += n + 1;
  }
  return -1;
}

// A refusal in the CLI's words: a report that collects nothing (as `report` gives one for an empty line), with
// the line as far as it can be read, and the reason.
function refused(m, opts, url, error) {
  return { ...m.report("", opts), url, error };
}

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
const input = readFileSync(0);
for (let start = 0; start < input.length; ) {
  const newline = input.indexOf(10, start);
  const end = newline === -1 ? input.length : newline + 1;
  let line = input.subarray(start, end);
  start = end;
  let report;
  // Only the line break goes, `\n` or `\r\n`, exactly what the CLI strips; the limit is on what is left. (The
  // CLI also strips a `\r` that ends the input without a `\n`, after the limit.)
  if (line.at(-1) === 10) {
    line = line.subarray(0, -1);
    if (line.at(-1) === 13) line = line.subarray(0, -1);
  } else if (line.length <= MAX_LINE && line.at(-1) === 13) {
    line = line.subarray(0, -1);
  }
  if (line.length > MAX_LINE) {
    report = refused(m, opts, "", `line longer than ${MAX_LINE} bytes`);
  } else {
    const bad = validUpTo(line);
    report =
      bad === -1
        ? m.report(lossy.decode(line), opts)
        : refused(m, opts, lossy.decode(line), `line is not UTF-8 (invalid byte at offset ${bad})`);
  }
  process.stdout.write(JSON.stringify(report) + "\n");
}
