// The decision oracle: what a checked policy (policyc's exported IR) collects on a URL, decided from the
// standards and from the project's documented promises (docs/language.md, SECURITY.md), never from its code.
//
//  - URL parsing: the WHATWG URL Standard's URL parser, as implemented by its reference implementation
//    whatwg-url (which does IDNA through tr46, UTS 46 ToASCII with the URL Standard's parameters).
//  - Public suffixes: ./psl.mjs, the publicsuffix.org algorithm over the repository's bundled list.
//  - Matching and rules: docs/language.md ("Site patterns", "Rules").
//
// The state is the DEFAULT one: every signal off, every feature at its declared default, no region (a run
// may set signals and features explicitly, as `policyc match --set` does; the region stays unknown).

import tr46 from "tr46";
import { parseURL, serializePath } from "whatwg-url";
import { ICANN, PublicSuffixList } from "./psl.mjs";

/** The promised length limit (SECURITY.md: "a URL over 64 KiB" collects nothing), in UTF-8 bytes. */
export const MAX_URL_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------------------
// URL reading

/** WHATWG "C0 control or space": U+0000 to U+0020. */
const C0_OR_SPACE = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/gu;

const UNRESERVED = /[A-Za-z0-9\-._~]/u;

/**
 * RFC 3986 6.2.2.1/6.2.2.2 on a WHATWG path: `%XX` of an unreserved character is decoded, the hex digits of
 * every other `%XX` are upper-cased; a `%` not followed by two hex digits stays as it is.
 */
export function normalizePathEscapes(path) {
  return path.replace(/%([0-9A-Fa-f]{2})/gu, (all, hex) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/**
 * How ASCII hosts are checked (see README.md, "The ASCII carve-out"):
 *  - "strict" (the default): every domain host must pass UTS 46 ToASCII with the URL Standard's non-strict
 *    parameters, ASCII hosts included, as the URL Standard's "domain to ASCII" required before its 2026
 *    change; an `xn--` label that does not decode to a valid label makes the URL fail. This is the revision
 *    the Rust `url` crate implements, and the fail-closed reading.
 *  - "carve-out": the URL Standard as it is now (whatwg-url 17.1+): an ASCII domain is only lowercased,
 *    whatever ToASCII says of it.
 */
export const IDNA_MODES = ["strict", "carve-out"];

/** UTS 46 ToASCII with the parameters of the URL Standard's non-strict "domain to ASCII". */
export function uts46ToAscii(domain) {
  return tr46.toASCII(domain, {
    checkHyphens: false,
    checkBidi: true,
    checkJoiners: true,
    useSTD3ASCIIRules: false,
    transitionalProcessing: false,
    verifyDNSLength: false,
    ignoreInvalidPunycode: false,
  });
}

/**
 * Reads a URL the way the project promises to: {host, path} or {error}. `error` is a short reason; every
 * error means "collect nothing".
 */
export function readUrl(input, { idna = "strict" } = {}) {
  // The URL Standard itself begins by stripping leading and trailing C0 controls and spaces; the 64 KiB
  // limit is measured on what remains (the URL proper).
  const stripped = input.replace(C0_OR_SPACE, "");
  if (Buffer.byteLength(stripped, "utf8") > MAX_URL_BYTES) return { error: "too-long" };
  let record;
  try {
    record = parseURL(input);
  } catch (e) {
    return { error: `parser threw: ${e.message}` };
  }
  if (record === null) return { error: "unparsable" };
  if (record.scheme !== "http" && record.scheme !== "https") return { error: "scheme" };
  // whatwg-url's host record: a string for a domain, a number for an IPv4 address, an array for IPv6.
  if (typeof record.host === "number" || Array.isArray(record.host)) return { error: "ip-address" };
  if (typeof record.host !== "string") return { error: "no-host" };
  let host = record.host.toLowerCase(); // already ASCII lowercase; kept explicit
  if (idna === "strict" && uts46ToAscii(host) === null) return { error: "idna-invalid" };
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "") return { error: "no-host" };
  const path = normalizePathEscapes(serializePath(record));
  return { host, path };
}

// ---------------------------------------------------------------------------------------------------------
// Conditions, as the export writes them: names, `not`, `and` (binds tighter), `or`, parentheses.

export function parseCond(text) {
  const tokens = text.match(/\(|\)|[A-Za-z_][A-Za-z0-9_]*/gu) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  function or() {
    const parts = [and()];
    while (peek() === "or") {
      next();
      parts.push(and());
    }
    return parts.length === 1 ? parts[0] : { or: parts };
  }
  function and() {
    const parts = [not()];
    while (peek() === "and") {
      next();
      parts.push(not());
    }
    return parts.length === 1 ? parts[0] : { and: parts };
  }
  function not() {
    if (peek() === "not") {
      next();
      return { not: not() };
    }
    if (peek() === "(") {
      next();
      const c = or();
      if (next() !== ")") throw new Error(`condition \`${text}\`: missing )`);
      return c;
    }
    const name = next();
    if (name === undefined) throw new Error(`condition \`${text}\`: a name is missing`);
    return { v: name };
  }
  const c = or();
  if (i !== tokens.length) throw new Error(`condition \`${text}\`: unexpected \`${tokens[i]}\``);
  return c;
}

export function evalCond(c, value) {
  if ("v" in c) return value(c.v);
  if ("not" in c) return !evalCond(c.not, value);
  if ("and" in c) return c.and.every((x) => evalCond(x, value));
  return c.or.some((x) => evalCond(x, value));
}

// ---------------------------------------------------------------------------------------------------------
// Site patterns (docs/language.md, "Site patterns"), in the canonical text of the export.

/**
 * A pattern's path prefix read like a URL's path ("one reading of a URL"): through the WHATWG parser (which
 * percent-encodes what the standard encodes, resolves dot segments) and the same escape normalisation. The
 * export writes the prefix as policyc normalised it; reading it again here keeps the oracle's two sides
 * consistent with each other rather than with policyc's parser.
 */
export function normalizePatternPath(path) {
  const record = parseURL(`http://example.invalid${path}`);
  if (record === null) return path;
  return normalizePathEscapes(serializePath(record));
}

export function parsePattern(text) {
  let rest = text.trim();
  let exact = false;
  if (rest.startsWith("exact ")) {
    exact = true;
    rest = rest.slice("exact ".length).trim();
  }
  const slash = rest.indexOf("/");
  const hostPart = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? null : normalizePatternPath(rest.slice(slash));
  if (exact) return { kind: "exact", host: hostPart, path, text };
  if (hostPart.endsWith(".*")) return { kind: "wildcard", name: hostPart.slice(0, -2), path, text };
  return { kind: "domain", domain: hostPart, path, text };
}

/** A path prefix on segment boundaries. */
export function pathUnder(path, prefix) {
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith("/") || path.length === prefix.length || path[prefix.length] === "/";
}

// ---------------------------------------------------------------------------------------------------------

export class Oracle {
  /**
   * @param ir the JSON of `policyc export POLICY --format json`
   * @param psl a PublicSuffixList (both sections); the wildcard semantics use its ICANN section
   */
  constructor(ir, psl, { idna = "strict", set = {} } = {}) {
    if (!IDNA_MODES.includes(idna)) throw new Error(`idna mode ${idna} is not one of ${IDNA_MODES}`);
    this.idna = idna;
    this.ir = ir;
    this.icann = psl.section(ICANN);
    this.categories = new Map();
    for (const cat of ir.sites ?? []) {
      const patterns = (cat.patterns ?? []).map(parsePattern);
      const index = { domains: new Map(), exact: new Map(), wildcards: new Map() };
      for (const p of patterns) {
        const [map, key] =
          p.kind === "domain" ? [index.domains, p.domain] : p.kind === "exact" ? [index.exact, p.host] : [index.wildcards, p.name];
        if (!map.has(key)) map.set(key, []);
        map.get(key).push(p);
      }
      this.categories.set(cat.name, index);
    }
    const state = new Map();
    for (const s of ir.signals ?? []) state.set(s.name, false);
    for (const f of ir.features ?? []) state.set(f.name, Boolean(f.default));
    // Optional overrides, as `policyc match --set NAME=on|off` gives them (the default state has none).
    for (const [name, on] of Object.entries(set)) {
      if (!state.has(name)) throw new Error(`--set names unknown signal or feature \`${name}\``);
      state.set(name, Boolean(on));
    }
    this.state = state;
    const value = (name) => {
      if (!state.has(name)) throw new Error(`condition names unknown \`${name}\``);
      return state.get(name);
    };
    // With no region given: region-scoped `collect` rules do not apply, every `never` rule does.
    this.never = (ir.never ?? []).map((r) => ({ sites: r.sites }));
    this.collect = (ir.collect ?? [])
      .filter((r) => !(r.regions && r.regions.length > 0))
      .filter((r) => (r.when == null ? true : evalCond(parseCond(r.when), value)))
      .map((r) => ({ sites: r.sites, data: r.data }));
  }

  /** The label right before the host's ICANN-section public suffix; null when there is none. */
  wildcardLabel(host) {
    const { suffixLabels, byDefault, labels } = this.icann.publicSuffix(host);
    // A suffix that only the implicit `*` rule makes is not an ICANN-section rule (docs/language.md:
    // "`ebay` under any suffix of the ICANN section of the Public Suffix List").
    if (byDefault) return null;
    if (labels.length <= suffixLabels.length) return null;
    return labels[labels.length - suffixLabels.length - 1];
  }

  /** Whether the URL ({host, path}) is in the site category. */
  inCategory(name, url) {
    const cat = this.categories.get(name);
    if (!cat) throw new Error(`unknown site category ${name}`);
    const pathOk = (p) => p.path === null || pathUnder(url.path, p.path);
    // Domain patterns: the host itself and every parent on label boundaries.
    for (let start = 0; start >= 0; ) {
      for (const p of cat.domains.get(url.host.slice(start)) ?? []) if (pathOk(p)) return true;
      const dot = url.host.indexOf(".", start);
      start = dot < 0 ? -1 : dot + 1;
    }
    for (const p of cat.exact.get(url.host) ?? []) if (pathOk(p)) return true;
    if (cat.wildcards.size > 0) {
      const label = this.wildcardLabel(url.host);
      if (label !== null) for (const p of cat.wildcards.get(label) ?? []) if (pathOk(p)) return true;
    }
    return false;
  }

  /** {collect: sorted data names, error?} for one URL string under the default state. */
  decide(input) {
    const url = readUrl(input, { idna: this.idna });
    if (url.error) return { collect: [], error: url.error };
    const inAny = (sites) => sites.some((s) => this.inCategory(s, url));
    if (this.never.some((r) => inAny(r.sites))) return { collect: [], host: url.host, path: url.path, never: true };
    const out = new Set();
    for (const r of this.collect) if (inAny(r.sites)) for (const d of r.data) out.add(d);
    return { collect: [...out].sort(), host: url.host, path: url.path };
  }
}

export function loadOracle(irJson, pslPath, options = {}) {
  return new Oracle(irJson, PublicSuffixList.fromFile(pslPath), options);
}
