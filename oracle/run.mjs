#!/usr/bin/env node
// The differential run: compile the policy, generate the corpus, pipe it through `policyc match`, decide
// every URL with the oracle, and compare. Disagreements are explained only by accepted-differences.json.
//
//   node run.mjs [--policyc PATH] [--policy PATH] [--shared PATH] [--idna strict|carve-out] [--set NAME=on|off]... [--all-code-points] [--out FILE] [--show N]
//
// Paths default to the repository's target/release/policyc and policies/shopping-assistant.policy; the
// process exits 1 when any disagreement is not accepted.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCorpus } from "./corpus.mjs";
import { loadOracle } from "./oracle.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "..");

/**
 * How a URL is written as one line of `policyc match`'s input. The protocol reads lines ending in `\n`, so
 * a URL containing `\n` cannot be sent as it is. The URL Standard removes every ASCII tab and newline from
 * the input (after stripping leading and trailing C0 controls and spaces, which include both), so replacing
 * `\n` by `\t` gives a line that every WHATWG parser reads as the same URL; the runner checks that the
 * oracle agrees (`carried` in the summary) and compares the matcher on the carried line.
 */
export function toLine(url) {
  return url.includes("\n") ? { line: url.replace(/\n/gu, "\t"), carried: true } : { line: url, carried: false };
}

/** Runs `policyc match ARTIFACT` over the lines and returns the parsed decisions, in order. */
export function runMatcher(policyc, artifact, lines, extraArgs = []) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(policyc, ["match", artifact, ...extraArgs], { stdio: ["pipe", "pipe", "pipe"] });
    const chunks = [];
    let stderr = "";
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`policyc match exited ${code}: ${stderr}`));
      const text = Buffer.concat(chunks).toString("utf8");
      const out = text.split("\n");
      if (out[out.length - 1] === "") out.pop();
      if (out.length !== lines.length) {
        return reject(new Error(`policyc match answered ${out.length} lines for ${lines.length} URLs`));
      }
      resolvePromise(out.map((l) => JSON.parse(l)));
    });
    // Write with back-pressure, in blocks.
    let i = 0;
    const BLOCK = 2000;
    const pump = () => {
      while (i < lines.length) {
        const block = `${lines.slice(i, i + BLOCK).join("\n")}\n`;
        i += BLOCK;
        if (!child.stdin.write(block)) return child.stdin.once("drain", pump);
      }
      child.stdin.end();
    };
    pump();
  });
}

/** An accepted difference: every criterion it gives must hold. */
export function acceptedBy(entry, d) {
  const m = entry.match ?? {};
  if (m.url !== undefined && m.url !== d.url) return false;
  if (m.url_regex !== undefined && !new RegExp(m.url_regex, "u").test(d.url)) return false;
  if (m.class !== undefined && m.class !== d.cls && !(m.class.endsWith("/") && d.cls.startsWith(m.class))) return false;
  if (m.oracle_host_regex !== undefined && !(d.oracleHost && new RegExp(m.oracle_host_regex, "u").test(d.oracleHost))) return false;
  if (m.matcher_error_regex !== undefined && !(d.matcherError && new RegExp(m.matcher_error_regex, "u").test(d.matcherError))) return false;
  if (m.direction !== undefined && m.direction !== d.direction) return false;
  if (m.idna !== undefined && m.idna !== d.idna) return false;
  return true;
}

/**
 * A suspected cause, for the summary only (it never accepts anything): which of the known trouble spots the
 * disagreement touches.
 */
export function diagnose(d, oracle) {
  const line = d.line;
  // Rust's str::trim strips White_Space; the URL Standard strips only C0 controls and space.
  const c0Stripped = line.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/gu, "");
  if (d.oracleError === "unparsable" && /^\p{White_Space}|\p{White_Space}$/u.test(c0Stripped)) return "unicode-whitespace-trim";
  if (d.oracleError === "too-long" || /bytes long/u.test(d.matcherError ?? "")) return "length-limit";
  const host = d.oracleHost ?? d.matcherHost ?? "";
  if (d.oracleHost && /(^|\.)\.|\.$|^\./u.test(d.oracleHost)) return "empty-label";
  if (d.oracleHost && d.direction === "matcher-more") {
    const icann = oracle.icann.publicSuffix(d.oracleHost);
    if (icann.byDefault) return "wildcard-default-rule";
  }
  if (/(^|\.)xn--/iu.test(host)) return "xn-label";
  // The URL Standard percent-encodes `^` in paths since 2025 (whatwg/url#846); url 2.5.8 does not.
  if (/\^|%5E/iu.test(d.oraclePath ?? "") || /\^|%5E/iu.test(line)) return "path-caret";
  if (/[^\u0000-\u007f]/u.test(line)) return "non-ascii-input";
  return "other";
}

function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The whole differential run. Returns the summary; throws only on setup failures. */
export async function differential({
  policyc = join(ROOT, "target", "release", "policyc"),
  policy = join(ROOT, "policies", "shopping-assistant.policy"),
  shared = resolve(ROOT, "..", "shared"),
  accepted = join(HERE, "accepted-differences.json"),
  psl = join(ROOT, "data", "psl", "public_suffix_list.dat"),
  idna = "strict",
  set = {},
  corpusOptions = {},
  log = () => {},
} = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "policyc-oracle-"));
  try {
    const t0 = Date.now();
    const compile = spawnSync(policyc, ["compile", policy, "-o", tmp], { encoding: "utf8" });
    if (compile.status !== 0) throw new Error(`policyc compile failed: ${compile.stderr}`);
    const exported = spawnSync(policyc, ["export", policy, "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (exported.status !== 0) throw new Error(`policyc export failed: ${exported.stderr}`);
    const ir = JSON.parse(exported.stdout);
    // `compile` names its outputs after the policy id with `_` written as `-` (`policy ID { ... }`), not the file.
    const artifact = join(tmp, `${ir.id.replaceAll("_", "-")}.matcher`);
    const oracle = loadOracle(ir, psl, { idna, set });
    const corpus = generateCorpus({ ir, root: ROOT, shared, pslPath: psl, ...corpusOptions });
    log(`corpus: ${corpus.length} URLs (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    const lines = corpus.map((c) => toLine(c.url));
    const t1 = Date.now();
    const setArgs = Object.entries(set).flatMap(([k, v]) => ["--set", `${k}=${v ? "on" : "off"}`]);
    const decisions = await runMatcher(policyc, artifact, lines.map((l) => l.line), setArgs);
    log(`policyc match: ${((Date.now() - t1) / 1000).toFixed(1)} s`);

    const acceptedList = JSON.parse(readFileSync(accepted, "utf8")).accepted ?? [];
    const perClass = new Map();
    const bump = (cls, key) => {
      if (!perClass.has(cls)) perClass.set(cls, { urls: 0, agree: 0, accepted: 0, disagree: 0, carried: 0 });
      perClass.get(cls)[key]++;
    };
    const unexplained = [];
    const acceptedHits = new Map(acceptedList.map((e) => [e.id, 0]));
    const carriedMismatch = [];
    const t2 = Date.now();
    for (let i = 0; i < corpus.length; i++) {
      const { url, cls } = corpus[i];
      const { line, carried } = lines[i];
      bump(cls, "urls");
      const o = oracle.decide(url);
      if (carried) {
        bump(cls, "carried");
        const o2 = oracle.decide(line);
        if (!same(o.collect, o2.collect)) carriedMismatch.push({ url, line, cls });
      }
      const m = decisions[i];
      const mc = [...(m.collect ?? [])].sort();
      if (same(o.collect, mc)) {
        bump(cls, "agree");
        continue;
      }
      const more = mc.some((x) => !o.collect.includes(x));
      const less = o.collect.some((x) => !mc.includes(x));
      const d = {
        url,
        line,
        cls,
        oracle: o.collect,
        matcher: mc,
        oracleError: o.error ?? null,
        matcherError: m.error ?? null,
        oracleHost: o.host ?? null,
        oraclePath: o.path ?? null,
        matcherHost: m.host ?? null,
        direction: more && less ? "different" : more ? "matcher-more" : "matcher-less",
        idna,
      };
      d.cause = diagnose(d, oracle);
      const entry = acceptedList.find((e) => acceptedBy(e, d));
      if (entry) {
        bump(cls, "accepted");
        acceptedHits.set(entry.id, acceptedHits.get(entry.id) + 1);
      } else {
        bump(cls, "disagree");
        unexplained.push(d);
      }
    }
    log(`oracle: ${((Date.now() - t2) / 1000).toFixed(1)} s`);
    const byCause = new Map();
    for (const d of unexplained) {
      const k = `${d.cause} (${d.direction})`;
      if (!byCause.has(k)) byCause.set(k, []);
      byCause.get(k).push(d);
    }
    return { total: corpus.length, perClass, unexplained, byCause, acceptedHits, carriedMismatch, acceptedList };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A printable form of a URL: controls, non-ASCII whitespace and long runs made visible. */
export function show(s, max = 160) {
  let t = JSON.stringify(s).slice(1, -1);
  t = t.replace(/[\u0080-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return t.length > max ? `${t.slice(0, max / 2)}…(${t.length} chars)…${t.slice(-max / 2 + 10)}` : t;
}

export function report(summary, { showN = 3 } = {}) {
  const rows = [...summary.perClass.entries()].sort(([a], [b]) => a.localeCompare(b));
  const out = [];
  out.push(`${"class".padEnd(34)} ${"urls".padStart(7)} ${"agree".padStart(7)} ${"accepted".padStart(8)} ${"unexplained".padStart(11)} ${"carried".padStart(7)}`);
  let tot = { urls: 0, agree: 0, accepted: 0, disagree: 0, carried: 0 };
  for (const [cls, c] of rows) {
    out.push(`${cls.padEnd(34)} ${String(c.urls).padStart(7)} ${String(c.agree).padStart(7)} ${String(c.accepted).padStart(8)} ${String(c.disagree).padStart(11)} ${String(c.carried).padStart(7)}`);
    for (const k of Object.keys(tot)) tot[k] += c[k];
  }
  out.push(`${"total".padEnd(34)} ${String(tot.urls).padStart(7)} ${String(tot.agree).padStart(7)} ${String(tot.accepted).padStart(8)} ${String(tot.disagree).padStart(11)} ${String(tot.carried).padStart(7)}`);
  out.push("");
  out.push("accepted differences used:");
  for (const e of summary.acceptedList) out.push(`  ${String(summary.acceptedHits.get(e.id)).padStart(6)}  ${e.id}`);
  if (summary.carriedMismatch.length) {
    out.push("");
    out.push(`ORACLE SELF-CHECK FAILED: ${summary.carriedMismatch.length} URLs decide differently once carried on one line`);
  }
  if (summary.unexplained.length) {
    out.push("");
    out.push(`${summary.unexplained.length} unexplained disagreements, by suspected cause:`);
    for (const [k, ds] of [...summary.byCause.entries()].sort((a, b) => b[1].length - a[1].length)) {
      const classes = new Map();
      for (const d of ds) classes.set(d.cls, (classes.get(d.cls) ?? 0) + 1);
      out.push(`  ${k}: ${ds.length}  [${[...classes.entries()].map(([c, n]) => `${c} ${n}`).join(", ")}]`);
      for (const d of ds.slice(0, showN)) {
        out.push(`    ${show(d.line)}`);
        out.push(`      oracle [${d.oracle}]${d.oracleError ? ` (${d.oracleError})` : ` host ${show(d.oracleHost, 80)} path ${show(d.oraclePath, 40)}`}; matcher [${d.matcher}]${d.matcherError ? ` (${d.matcherError})` : ` host ${show(d.matcherHost, 80)}`}`);
      }
    }
  }
  return out.join("\n");
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const summary = await differential({
    policyc: opt("--policyc") ? resolve(opt("--policyc")) : undefined,
    policy: opt("--policy") ? resolve(opt("--policy")) : undefined,
    shared: opt("--shared") ? resolve(opt("--shared")) : undefined,
    idna: opt("--idna") ?? "strict",
    corpusOptions: { allCodePoints: args.includes("--all-code-points") },
    set: Object.fromEntries(args.flatMap((a, i) => (args[i - 1] === "--set" ? [a.split("=")] : [])).map(([k, v]) => [k, v === "on"])),
    log: (s) => console.error(s),
  });
  console.log(report(summary, { showN: Number(opt("--show") ?? 3) }));
  if (opt("--out")) {
    writeFileSync(opt("--out"), `${summary.unexplained.map((d) => JSON.stringify(d)).join("\n")}\n`);
  }
  const failed = summary.unexplained.length > 0 || summary.carriedMismatch.length > 0;
  console.log(`\n${failed ? "FAIL" : "OK"}: ${summary.total} URLs, ${summary.unexplained.length} unexplained disagreements`);
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
