// The corpus generator: a deterministic (seeded) list of {url, cls} for the differential test.
//
// Sources, each a class prefix in the summary:
//   real/*        the real request URLs of ../shared/data/requests (read in place when present, never copied)
//   list/*        every domain of policies/lists/*.txt, plain, and with one or more host/URL variants
//   pattern/*     the policy's own patterns (path prefixes, exact hosts, wildcards) with path and host tricks
//   wildcard/*    each `name.*` under every rule of the Public Suffix List (both sections) and unlisted TLDs
//   codepoint/*   code points from U+0080 up placed in hosts (sampled, surrogates left out; all of them with
//                 `allCodePoints`)
//   idna/*        the source strings of IdnaTestV2.txt (../shared/data/url when present; tests/data/url if the
//                 repository ever bundles it) as hosts
//   wpt/*         the inputs of the WHATWG urltestdata.json suite that need no base URL
//   random/*      random authorities over an alphabet of URL-significant characters
//   edge/*        hosts of 100 and more labels, URLs around the 64 KiB limit, whitespace and controls
//
// A class name is `source/variant`; the summary groups by it.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import tr46 from "tr46";
import { parseList } from "./psl.mjs";

/** mulberry32: a small, fast, deterministic PRNG. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (arr) => arr[int(arr.length)];
  return { next, int, pick };
}

const WS_LEAD_TRAIL = [
  " ", "\t", "\u000b", "\u000c", "\r", "\u0001", "\u0000", "\u001f", "\u007f", "\u0085", "\u00a0", "\u1680",
  "\u2000", "\u2007", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u200b", "\u180e",
];
const DOTS = ["\uff0e", "\u3002", "\uff61"];
const INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\u034f", "\u180b", "\ufe0f", "\ufeff"];
const BAD_XN = [
  "xn--xn---epa", "XN--xn---epa", "xn--", "xn--a", "xn--ab-j1t", "xn--8i7caa", "xn--zz-", "xn--a-", "xn--xn--a",
  "xn--ls8h", "xn--mgbb", "xn--n3h", "xn---", "xn--0", "xn--55qx5d", "xn--bcher-kva", "xn--Bcher-KVA", "xn--abc-xyz",
];

function fullwidthLetter(ch) {
  const c = ch.charCodeAt(0);
  if (c >= 0x61 && c <= 0x7a) return String.fromCharCode(0xff41 + c - 0x61);
  if (c >= 0x41 && c <= 0x5a) return String.fromCharCode(0xff21 + c - 0x41);
  if (c >= 0x30 && c <= 0x39) return String.fromCharCode(0xff10 + c - 0x30);
  return ch;
}

function insertAt(s, pos, what) {
  return s.slice(0, pos) + what + s.slice(pos);
}

function toUnicodeHost(h) {
  return tr46.toUnicode(h, { checkBidi: true, checkJoiners: true }).domain;
}

/** Host variants: each (h, r) → the host as written in the URL. */
const HOST_VARIANTS = {
  www: (h) => `www.${h}`,
  upper: (h, r) => [...h].map((c) => (r.next() < 0.6 ? c.toUpperCase() : c)).join(""),
  "trailing-dot": (h) => `${h}.`,
  "two-trailing-dots": (h) => `${h}..`,
  "pct-host": (h, r) => {
    const chars = [...h];
    for (let k = 0; k < 1 + r.int(3); k++) {
      const i = r.int(chars.length);
      const hex = chars[i].charCodeAt(0).toString(16).padStart(2, "0");
      chars[i] = `%${r.next() < 0.5 ? hex : hex.toUpperCase()}`;
    }
    return chars.join("");
  },
  "pct-dot": (h) => h.replace(".", "%2e"),
  unicode: (h, r) => {
    if (h.includes("xn--")) return toUnicodeHost(h);
    const chars = [...h];
    const letters = chars.map((c, i) => (/[a-z0-9]/u.test(c) ? i : -1)).filter((i) => i >= 0);
    if (letters.length) chars[r.pick(letters)] = fullwidthLetter(chars[r.pick(letters)]);
    return chars.join("");
  },
  "unicode-upper": (h) => toUnicodeHost(h).toUpperCase(),
  punycode: (h) => tr46.toASCII(h, { checkBidi: true, checkJoiners: true }) ?? h,
  "punycode-upper": (h) => h.replace(/xn--/gu, "XN--"),
  "fullwidth-dot": (h, r) => {
    const dot = r.pick(DOTS);
    return r.next() < 0.5 ? h.replace(".", dot) : h.split(".").join(dot);
  },
  invisible: (h, r) => insertAt(h, 1 + r.int(Math.max(1, h.length - 1)), r.pick(INVISIBLE)),
  "bad-xn-prefix": (h, r) => `${r.pick(BAD_XN)}.${h}`,
  "bad-xn-label": (h) => `xn--${h}`,
  "empty-label": (h, r) => r.pick([`a..${h}`, h.replace(".", ".."), `.${h}`, `x.${h.replace(".", "..")}`]),
  "many-labels": (h, r) => `${"a.".repeat(r.pick([100, 101, 126, 127, 128, 129, 200, 500]))}${h}`,
  "long-label": (h) => `${"a".repeat(64)}.${h}`,
  "suffix-trick": (h, r) => r.pick([`${h}.evil.net`, `not${h}`, `${h}-evil.net`, `${h}.`, `${h}.co`]),
  underscore: (h) => `a_b.${h}`,
  "numeric-last": (h, r) => `${h}.${r.pick(["1", "0x1", "0x", "09", "1e", "0", "00", "4294967295"])}`,
  "tab-in-host": (h, r) => insertAt(h, r.int(h.length + 1), r.pick(["\t", "\r"])),
  "newline-in-host": (h, r) => insertAt(h, r.int(h.length + 1), "\n"),
};

/** Whole-URL variants: each (url, host, r) → a URL. */
const URL_VARIANTS = {
  port: (h, r) => `https://${h}:${r.pick(["8080", "443", "80", "0", "65535", ""])}/`,
  "bad-port": (h, r) => `https://${h}:${r.pick(["65536", "-1", "x", "99999999"])}/`,
  userinfo: (h, r) => r.pick([`https://user:pw@${h}/`, `https://${h}@evil.net/`, `https://evil.net@${h}/`, `https://@${h}/`, `https://a:b:c@${h}/`]),
  "userinfo-trick": (h, r) => r.pick([`https://${h}%40evil.net/`, `https://${h}\\@evil.net/`, `https://${h}:pw@evil.net/`, `https://${h}#@evil.net/`, `https://${h}?@evil.net/`]),
  scheme: (h, r) => `${r.pick(["HTTPS://", "HtTp://", "http:", "https:/", "https:///", "https:\\\\", "ftp://", "ws://", "file://", "data:", "javascript:", "blob:https://", "view-source:https://", "https//"])}${h}/`,
  backslash: (h, r) => r.pick([`https:\\\\${h}\\a\\b`, `https:/\\${h}/`, `https://${h}\\@evil.net/`, `https://evil.net\\@${h}/`]),
  "lead-trail-space": (h, r) => `${r.pick(WS_LEAD_TRAIL)}https://${h}/${r.next() < 0.5 ? r.pick(WS_LEAD_TRAIL) : ""}`,
  "trailing-space": (h, r) => `https://${h}/${r.pick(WS_LEAD_TRAIL)}`,
  "tab-newline": (h, r) => {
    const u = `https://${h}/p`;
    return insertAt(u, r.int(u.length + 1), r.pick(["\t", "\n", "\r", "\r\n"]));
  },
  query: (h, r) => `https://${h}${r.pick(["?", "#", "?a=b#c", "?https://evil.net/", "#/ip/", "/?x"])}`,
};

/** Path variants for a path prefix `p` (starts with `/`). */
function pathVariants(p) {
  const bare = p.endsWith("/") ? p.slice(0, -1) : p; // `/ip`
  const segs = bare.split("/").filter(Boolean);
  const last = segs[segs.length - 1] ?? "";
  const enc = (s) => s.replace(/[a-z]/u, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const encU = (s) => s.replace(/[a-z]/u, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return {
    prefix: [p, `${p}123`, `${bare}/`, bare, `${bare}/x/y`, `${p}?q=1`, `${p}#f`],
    "near-miss": [`${bare}ad`, `${bare.toUpperCase()}/1`, `/x${p}`, `${bare}-1/`, `${bare}_/`, `${bare}%20/`],
    "dot-segments": [
      `/x/..${p}1`, `${p}./1`, `/%2e%2e${p}1`, `/x/%2E%2E${p}1`, `${p}%2e%2e/x`, `${p}.%2e/x`, `/.${p}`,
      `/x/.%2E${p}`, `${p}..`, `${bare}/../${last}/1`, `/x/%2e./${segs.join("/")}/1`,
    ],
    "after-prefix": [`${bare};x`, `${bare}?x`, `${bare}#x`, `${bare}%3Bx`, `${bare}%3bx/`, `${bare}%2Fx`, `${bare}%2fx`, `${bare};/x`, `${bare}%3F/x`, `${bare}%23/x`, `${bare}%00/`],
    "pct-path": [enc(p), encU(p), `${enc(p)}1`, p.replace(/\//gu, "%2F"), `${p}%7e%7E%41%2d%5f%2e`, `${p}%c3%bc%zz%4`],
    encodings: [
      // Every escape decoded (as UTF-8 where it forms one), and every character escaped.
      (() => {
        try {
          return decodeURIComponent(p);
        } catch {
          return p.replace(/%([0-9A-Fa-f]{2})/gu, (_, h) => String.fromCharCode(parseInt(h, 16)));
        }
      })(),
      p.replace(/%([0-9A-Fa-f]{2})/gu, (_, h) => String.fromCharCode(parseInt(h, 16))),
      [...p].map((c) => (c === "/" ? c : [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""))).join(""),
      [...p].map((c) => (c === "/" ? c : [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""))).join(""),
      p.toLowerCase(),
    ],
    "backslash-path": [p.replace(/\//gu, "\\"), `\\${bare.slice(1)}/1`, `${bare}\\1`],
    "unicode-path": [`${p}ü`, `${bare}\u3002/`, `${bare}\uff0f1`, `${p}\u0000`, `${p} `, `${p}\t1`],
  };
}

/** Reads the domains of every `*.txt` list next to the policy (`#` comments, one pattern per line). */
export function readListDomains(listsDir) {
  if (!existsSync(listsDir)) return [];
  const out = [];
  for (const f of readdirSync(listsDir).filter((n) => n.endsWith(".txt")).sort()) {
    for (let line of readFileSync(join(listsDir, f), "utf8").split("\n")) {
      line = line.replace(/#.*/u, "").trim();
      if (line) out.push(line);
    }
  }
  return out;
}

/** Real request URLs: the files of ../shared/data/requests, when present. Returns [] otherwise. */
export function readRealUrls(requestsDir) {
  const out = [];
  if (!existsSync(requestsDir)) return out;
  const text = (name) => {
    const p = join(requestsDir, name);
    return existsSync(p) ? readFileSync(p, "utf8") : null;
  };
  const sites = text("sitelist.txt");
  if (sites) for (const l of sites.split("\n")) if (l.trim()) out.push({ url: l, cls: "real/sitelist" });
  const reqs = text("matching-test-requests.json");
  if (reqs) {
    for (const r of JSON.parse(reqs)) {
      if (typeof r.url === "string") out.push({ url: r.url, cls: "real/requests" });
      if (typeof r.sourceUrl === "string") out.push({ url: r.sourceUrl, cls: "real/requests" });
    }
  }
  for (const [name, cls] of [["ut1-malware-urls.txt", "real/ut1-malware"], ["ut1-phishing-urls.txt", "real/ut1-phishing"]]) {
    const t = text(name);
    // These are `host/path` without a scheme; given one here.
    if (t) for (const l of t.split("\n")) if (l.trim()) out.push({ url: `http://${l}`, cls });
  }
  return out;
}

/** The IdnaTestV2 source strings (column 1, `\uXXXX` and `\x{X}` escapes resolved). */
export function readIdnaSources(paths) {
  const p = paths.find((x) => existsSync(x));
  if (!p) return [];
  const out = new Set();
  for (const line of readFileSync(p, "utf8").split("\n")) {
    const body = line.replace(/#.*/u, "");
    if (!body.trim()) continue;
    let src = body.split(";")[0].trim();
    if (src === '""') src = "";
    src = src.replace(/\\u([0-9A-Fa-f]{4})/gu, (_, h) => String.fromCodePoint(parseInt(h, 16)));
    src = src.replace(/\\x\{([0-9A-Fa-f]+)\}/gu, (_, h) => String.fromCodePoint(parseInt(h, 16)));
    out.add(src);
  }
  return [...out];
}

/** Inputs of urltestdata.json that are absolute (no base, or a base the input does not need). */
export function readWptInputs(path) {
  if (!existsSync(path)) return [];
  const out = [];
  for (const t of JSON.parse(readFileSync(path, "utf8"))) {
    if (typeof t !== "object" || t === null) continue;
    if (t.base === null || t.base === undefined) out.push(t.input);
    else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/u.test(t.input.trim())) out.push(t.input);
  }
  return out;
}

/** Whether a string has a lone surrogate (which UTF-8, and so the line protocol, cannot carry). */
function hasLoneSurrogate(s) {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u.test(s) ||
    /\p{Cs}/u.test(s); // with the u flag a lone surrogate is its own code point
}

/**
 * Generates the corpus. `ir` is the exported policy (for its patterns), `root` the repository root,
 * `shared` the ../shared folder (may be absent).
 */
export function generateCorpus({ ir, root, shared, pslPath, seed = 0x5eed2026, allCodePoints = false }) {
  const r = rng(seed);
  const out = [];
  const add = (url, cls) => {
    if (typeof url !== "string" || hasLoneSurrogate(url)) return;
    out.push({ url, cls });
  };

  // --- real request URLs
  for (const u of readRealUrls(join(shared, "data", "requests"))) add(u.url, u.cls);

  // --- the bundled lists: every domain plain, and one host variant and one URL variant each
  const domains = readListDomains(join(root, "policies", "lists"));
  const hostNames = Object.keys(HOST_VARIANTS);
  const urlNames = Object.keys(URL_VARIANTS);
  for (const d of domains) {
    add(`https://${d}/`, "list/plain");
    const hv = r.pick(hostNames);
    add(`https://${HOST_VARIANTS[hv](d, r)}/`, `list/${hv}`);
    const uv = r.pick(urlNames);
    add(URL_VARIANTS[uv](d, r), `list/${uv}`);
  }
  // A fixed sample of list domains gets every variant, so that every variant meets every list.
  for (let k = 0; k < 300; k++) {
    const d = r.pick(domains);
    for (const hv of hostNames) add(`https://${HOST_VARIANTS[hv](d, r)}/`, `list/${hv}`);
    for (const uv of urlNames) add(URL_VARIANTS[uv](d, r), `list/${uv}`);
  }

  // --- the policy's own patterns
  const patterns = [];
  for (const cat of ir.sites ?? []) {
    const listed = new Set([...(cat.examples ?? [])]);
    for (const p of cat.patterns ?? []) if (listed.has(p) || p.includes("/") || p.includes("*") || p.startsWith("exact ")) patterns.push(p);
  }
  const wildNames = new Set();
  const hostsOf = (p) => {
    const text = p.replace(/^exact /u, "");
    const slash = text.indexOf("/");
    const host = slash < 0 ? text : text.slice(0, slash);
    const path = slash < 0 ? null : text.slice(slash);
    if (host.endsWith(".*")) {
      const name = host.slice(0, -2);
      wildNames.add(name);
      return { hosts: [`${name}.com`, `www.${name}.co.uk`, `${name}.de`, `${name}.blogspot.com`, `${name}.local`], path };
    }
    return { hosts: [host, `www.${host}`, `a.b.${host}`], path };
  };
  for (const p of [...new Set(patterns)]) {
    const { hosts, path } = hostsOf(p);
    for (const h of hosts) {
      for (const hv of hostNames) for (let k = 0; k < 3; k++) add(`https://${HOST_VARIANTS[hv](h, r)}${path ?? "/"}`, `pattern/host-${hv}`);
      for (const uv of urlNames) for (let k = 0; k < 3; k++) add(URL_VARIANTS[uv](h, r), `pattern/url-${uv}`);
      if (path) {
        for (const [name, list] of Object.entries(pathVariants(path))) {
          for (const pv of list) {
            add(`https://${h}${pv}`, `pattern/path-${name}`);
            add(`http://${HOST_VARIANTS.upper(h, r)}${pv}`, `pattern/path-${name}`);
          }
        }
      }
    }
  }

  // --- `name.*` under every PSL rule of both sections, and under TLDs no rule names
  const rules = parseList(readFileSync(pslPath, "utf8"));
  const names = [...wildNames];
  for (const rule of rules) {
    const concrete = rule.labels.map((l) => (l === "*" ? r.pick(["x", "shop", "a1", "xn--bcher-kva"]) : l)).join(".");
    const unicode = rule.text.replace(/^!/u, "").replace(/\*/gu, "x");
    const sec = rule.section ?? "none";
    const kind = rule.exception ? "exception" : rule.labels.includes("*") ? "wildcard" : "normal";
    for (const name of names) {
      add(`https://${name}.${concrete}/`, `wildcard/${sec}-${kind}`);
      add(`https://www.${name}.${concrete}/itm/1`, `wildcard/${sec}-${kind}`);
      if (unicode !== concrete) add(`https://${name}.${unicode}/`, `wildcard/${sec}-${kind}-unicode`);
      if (r.next() < 0.1) add(`https://${concrete}/`, `wildcard/${sec}-${kind}`);
    }
  }
  const unlisted = ["local", "example", "invalid", "localhost", "test", "internal", "zz", "lan", "home", "corp", "onion", "i2p", "web3", "x--y", "xn--zz", "a1", "_tcp", "co.zz", "com.zz", "co.uk.zz", "0x1g", "1a"];
  for (const name of names) {
    for (const tld of unlisted) {
      add(`https://${name}.${tld}/`, "wildcard/unlisted-tld");
      add(`https://www.${name}.${tld}./`, "wildcard/unlisted-tld");
    }
    for (let k = 0; k < 300; k++) {
      const len = 1 + r.int(8);
      let tld = "";
      for (let j = 0; j < len; j++) tld += "abcdefghijklmnopqrstuvwxyz0123456789-"[r.int(j === 0 ? 26 : 37)];
      add(`https://${name}.${tld}/`, "wildcard/random-tld");
    }
  }

  // --- code points from U+0080 up, in hosts (sampled; every one of U+0080..U+07FF and a spread above)
  const cps = [];
  for (let cp = 0x80; cp < 0x800; cp++) cps.push(cp);
  for (let k = 0; k < 12000; k++) {
    let cp;
    const b = r.next();
    if (b < 0.7) cp = 0x800 + r.int(0x10000 - 0x800);
    else if (b < 0.9) cp = 0x10000 + r.int(0x20000);
    else cp = 0x30000 + r.int(0x110000 - 0x30000);
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    cps.push(cp);
  }
  const cpHosts = ["target.com", "walmart.com", "bestbuy.com"];
  for (const cp of cps) {
    const c = String.fromCodePoint(cp);
    const h = r.pick(cpHosts);
    const where = r.int(4);
    if (where === 0) add(`https://a${c}b.${h}/`, "codepoint/in-label");
    else if (where === 1) add(`https://${c}.${h}/`, "codepoint/alone");
    else if (where === 2) add(`https://${h.replace(".", `${c}.`)}/`, "codepoint/end-of-domain");
    else add(`https://ebay${c}.com/`, "codepoint/wildcard");
  }

  // Optionally every code point (about 1.1 million URLs; `run.mjs --all-code-points`), to compare the
  // Unicode data of both sides exhaustively rather than by sample.
  if (allCodePoints) {
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      add(`https://a${String.fromCodePoint(cp)}b.target.com/`, "codepoint/all");
    }
  }

  // --- IdnaTestV2 sources as hosts
  const idna = readIdnaSources([join(root, "tests", "data", "url", "IdnaTestV2.txt"), join(root, "tests", "data", "IdnaTestV2.txt"), join(shared, "data", "url", "IdnaTestV2.txt")]);
  for (const s of idna) {
    add(`https://${s}/`, "idna/host");
    add(`https://${s}.target.com/`, "idna/subdomain");
  }

  // --- WHATWG URL test inputs
  for (const s of readWptInputs(join(root, "tests", "data", "url", "urltestdata.json"))) add(s, "wpt/input");

  // --- random authorities
  const alphabet = [
    ..."abcxyz019-.", ".", ".", "-", "@", ":", "%", "%2e", "%41", "%00", "%zz", "[", "]", "\\", "/", "?", "#", " ", "\t", "\n",
    "\u3002", "\uff0e", "\u00ad", "\u200d", "\u00df", "\u03c2", "\u0130", "\u212a", "\ufb01", "xn--", "XN--", "ü", "\u0663", "\u05d0",
    "\u00a0", "\u3000", "0x", "1", "255", "[::1]", "target.com", "ebay", "walmart.com", "ip", "*", "~", "^", "|", "<", ">", "\"", "'",
  ];
  for (let k = 0; k < 12000; k++) {
    let a = "";
    const len = 1 + r.int(10);
    for (let j = 0; j < len; j++) a += r.pick(alphabet);
    const tail = r.pick(["", ".target.com", ".com", ".co.uk", "/ip/1", ".walmart.com/ip/"]);
    const scheme = r.pick(["https://", "http://", "https:", "HTTPS://"]);
    add(`${scheme}${a}${tail}`, "random/authority");
  }

  // --- edges: many labels, the 64 KiB limit, whitespace and controls around a URL
  for (const n of [99, 100, 101, 126, 127, 128, 129, 255, 1000, 5000]) {
    add(`https://${"a.".repeat(n)}target.com/`, "edge/many-labels");
    add(`https://${"a.".repeat(n)}ebay.co.uk/`, "edge/many-labels");
    add(`https://${"a.".repeat(n)}bankofamerica.com/`, "edge/many-labels");
  }
  const LIMIT = 64 * 1024;
  for (const delta of [-2, -1, 0, 1, 2]) {
    const base = "https://www.target.com/p/";
    add(base + "x".repeat(LIMIT + delta - base.length), "edge/length");
    const base2 = "https://";
    const host = "a.".repeat(Math.floor((LIMIT + delta - base2.length - "target.com/".length) / 2));
    const u = `${base2}${host}target.com/`;
    add(u + "x".repeat(LIMIT + delta - u.length), "edge/length");
    // Multi-byte characters near the limit: the limit counts UTF-8 bytes.
    const u3 = "https://www.target.com/p/";
    const n3 = Math.floor((LIMIT + delta - u3.length) / 3);
    add(u3 + "\u20ac".repeat(n3) + "x".repeat(LIMIT + delta - u3.length - 3 * n3), "edge/length");
    add(` ${base}${"x".repeat(LIMIT + delta - base.length)} `, "edge/length-padded");
    add(`\u0001${base}${"x".repeat(LIMIT + delta - base.length)}`, "edge/length-padded");
  }
  for (const ws of WS_LEAD_TRAIL) {
    for (const h of ["www.target.com", "www.ebay.de", "www.walmart.com/ip/1"]) {
      add(`${ws}https://${h}`, "edge/leading-space");
      add(`https://${h}${ws}`, "edge/trailing-space");
      add(`${ws}${ws}https://${h}${ws}`, "edge/both-spaces");
      add(`https://${ws}${h}`, "edge/space-after-scheme");
    }
  }
  for (const u of [
    "http://1.2.3.4/", "http://1.2.3.4./", "http://0x7f.1/", "http://2130706433/", "http://[::1]/", "http://[::ffff:1.2.3.4]/",
    "http://1.2.3.4.target.com/", "http://target.com.1/", "http://target.com.0x1/", "http://target.com.0x/", "http://target.com.09/",
    "http://target.1e/", "http://0.0.0.0/", "http://[1:2:3:4:5:6:7:8]/", "http://[::1]:80@target.com/", "http://target.com@1.2.3.4/",
    "http://%31.2.3.4/", "http://\uff11.2.3.4/", "http://1.2.3.4%2etarget.com/", "http://999.target.com/", "http://target.com:443@evil.net/",
    "http://ebay.com.1/", "http://www.ebay.co.uk.2/", "http://1.ebay.com/",
  ]) add(u, "edge/ip-like");
  for (let cp = 0; cp < 0x20; cp++) {
    const c = String.fromCharCode(cp);
    add(`${c}https://www.target.com/${c}`, "edge/c0-control");
    add(`https://www.tar${c}get.com/`, "edge/c0-control");
  }
  return out;
}
