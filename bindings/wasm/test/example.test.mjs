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
  "not a url",
].join("\n") + "\n";

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
