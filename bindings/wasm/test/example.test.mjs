// The example `match.mjs` prints exactly what `policyc match` prints, line for line, for lines a log really
// holds: padded, blank, led by Unicode spaces the URL standard does not strip, and with an event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { policyc, root } from "./common.mjs";

const demo = join(root, "runtime/tests/data/demo.matcher");
const lines = [
  "https://shop.example/cart",
  "   https://shop.example/cart  ",
  "",
  "\u3000https://shop.example/cart",
  "\u00a0https://shop.example/cart",
  "https://shop.example/cart\r",
  // A byte order mark before a URL, on any line: no URL to either reader.
  "\ufeffhttps://shop.example/cart",
  "not a url",
].join("\n") + "\n";

// Lines the CLI refuses before deciding: over 1 MiB with the line break, and not UTF-8 (a lone continuation byte,
// a truncated character, an overlong encoding, a surrogate); and a line of exactly 1 MiB, which it reads and then
// refuses as a URL over the runtime's 64 KiB.
const refusedLines = Buffer.concat([
  // One byte over the limit, then exactly at it: the limit is on the line without its break.
  Buffer.from(`https://shop.example/${"a".repeat((1 << 20) - 20)}\n`),
  Buffer.from(`https://shop.example/${"a".repeat((1 << 20) - 21)}\r\n`),
  Buffer.from("https://shop.example/\x80\n", "latin1"),
  Buffer.from("https://shop.example/caf\xc3\n", "latin1"),
  Buffer.from("https://shop.example/\xc0\xaf\n", "latin1"),
  Buffer.from("https://shop.example/\xed\xa0\x80x\r\n", "latin1"),
  Buffer.from("https://shop.example/b\xc3\xbccher\n", "latin1"),
]);

test("match.mjs prints the lines policyc match prints", () => {
  for (const flags of [[], ["--set", "signed_in=on", "--region", "DE"], ["--event", "offer_click"]]) {
    const run = (cmd, args) => spawnSync(cmd, args, { input: lines, encoding: "utf8" });
    const cli = run(policyc, ["match", demo, ...flags]);
    const js = run(process.execPath, [join(root, "bindings/wasm/examples/match.mjs"), demo, ...flags]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(js.status, 0, js.stderr);
    assert.equal(js.stdout.split("\n").length, lines.split("\n").length);
    assert.equal(js.stdout, cli.stdout, `flags ${flags.join(" ")}`);
  }
});

test("match.mjs refuses the lines policyc match refuses, with its reasons", () => {
  const run = (cmd, args) => spawnSync(cmd, args, { input: refusedLines, encoding: "utf8", maxBuffer: 1 << 26 });
  const cli = run(policyc, ["match", demo]);
  const js = run(process.execPath, [join(root, "bindings/wasm/examples/match.mjs"), demo]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(js.status, 0, js.stderr);
  const errors = cli.stdout.trim().split("\n").map((l) => JSON.parse(l).error);
  assert.deepEqual(errors.slice(0, 3), [
    "line longer than 1048576 bytes",
    "the URL is 1048576 bytes long, over the limit of 65536",
    "line is not UTF-8 (invalid byte at offset 21)",
  ]);
  assert.equal(js.stdout, cli.stdout);
});
