// The WebAssembly side of scripts/bench-wasm in Node: the loops of bench-loops.mjs, as one JSON line.
//
// node bindings/wasm/examples/bench.mjs ARTIFACT URLS [ROUNDS]

import { readFileSync } from "node:fs";
import { loadMatcher } from "../../../target/wasm-pkg/index.js";
import { lines, measure } from "./bench-loops.mjs";

const [artifact, urlFile, roundsArg] = process.argv.slice(2);
const urls = lines(readFileSync(urlFile, "utf8"));
console.log(JSON.stringify(await measure(loadMatcher, readFileSync(artifact), urls, Number(roundsArg ?? 10))));
