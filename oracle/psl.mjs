// An independent reader of the Public Suffix List, written from the format and algorithm text at
// https://publicsuffix.org/list/ ("Format" and "Algorithm"), not from policyc's src/psl.rs.
//
// Format, as published:
//  - the list is UTF-8; each line is only read up to the first whitespace; lines starting with `//` are
//    comments; blank lines are ignored;
//  - a rule is a list of labels separated by dots; `*` as a label is a wildcard; a rule starting with `!` is
//    an exception rule;
//  - the ICANN section lies between `===BEGIN ICANN DOMAINS===` and `===END ICANN DOMAINS===`, the private
//    section between `===BEGIN PRIVATE DOMAINS===` and `===END PRIVATE DOMAINS===` (both in comments).
//
// Algorithm, as published:
//  1. Match domain against all rules and take note of the matching ones.
//  2. If no rules match, the prevailing rule is "*".
//  3. If more than one rule matches, the prevailing rule is the one which is an exception rule.
//  4. If there is no matching exception rule, the prevailing rule is the one with the most labels.
//  5. If the prevailing rule is an exception rule, modify it by removing the leftmost label.
//  6. The public suffix is the set of labels from the domain which match the labels of the prevailing rule.
//  7. The registrable domain is the public suffix plus one additional label.
// A domain is said to match a rule if and only if all of the following conditions are met: when the domain
// and rule are split into labels, a rule's labels match the domain's labels from the right (rightmost to
// rightmost); the rule has no more labels than the domain; a wildcard label matches any single label.
//
// Hosts handed to this module are already in ASCII (punycode), so rules written in Unicode are converted
// with UTS 46 ToASCII (tr46) once, label by label (a `*` label stays as it is).

import { readFileSync } from "node:fs";
import tr46 from "tr46";

export const ICANN = "icann";
export const PRIVATE = "private";

/** Converts one rule's text (without `!`) to lowercase ASCII labels; null if a label cannot be converted. */
function ruleLabels(text) {
  const labels = text.split(".");
  const out = [];
  for (const label of labels) {
    if (label === "*") {
      out.push("*");
      continue;
    }
    const ascii = tr46.toASCII(label, {
      checkHyphens: false,
      checkBidi: true,
      checkJoiners: true,
      useSTD3ASCIIRules: false,
      transitionalProcessing: false,
      verifyDNSLength: false,
    });
    if (ascii === null || ascii === "") return null;
    out.push(ascii);
  }
  return out;
}

/** Parses the list text into rule records {labels, exception, section}. */
export function parseList(text) {
  const rules = [];
  let section = null;
  for (const rawLine of text.split(/\r?\n/u)) {
    if (rawLine.includes("===BEGIN ICANN DOMAINS===")) section = ICANN;
    else if (rawLine.includes("===BEGIN PRIVATE DOMAINS===")) section = PRIVATE;
    else if (rawLine.includes("===END ICANN DOMAINS===") || rawLine.includes("===END PRIVATE DOMAINS===")) {
      section = null;
    }
    // "Each line is only read up to the first whitespace."
    const line = rawLine.split(/\s/u)[0];
    if (line === "" || line.startsWith("//")) continue;
    const exception = line.startsWith("!");
    const labels = ruleLabels(exception ? line.slice(1) : line);
    if (labels === null) continue;
    rules.push({ text: line, labels, exception, section });
  }
  return rules;
}

/**
 * A rule store: rules indexed by their rightmost label, so that a lookup only looks at the rules that can
 * match. Matching itself is the published label-by-label comparison.
 */
export class PublicSuffixList {
  constructor(rules) {
    this.rules = rules;
    this.byTld = new Map();
    for (const rule of rules) {
      const tld = rule.labels[rule.labels.length - 1];
      if (!this.byTld.has(tld)) this.byTld.set(tld, []);
      this.byTld.get(tld).push(rule);
    }
  }

  static fromFile(path) {
    return new PublicSuffixList(parseList(readFileSync(path, "utf8")));
  }

  /** A new store holding only the rules of one section. */
  section(name) {
    return new PublicSuffixList(this.rules.filter((r) => r.section === name));
  }

  /** The rules matching `labels` (the domain split on dots), by the published matching definition. */
  matchingRules(labels) {
    const candidates = [
      ...(this.byTld.get(labels[labels.length - 1]) ?? []),
      ...(this.byTld.get("*") ?? []),
    ];
    return candidates.filter((rule) => {
      if (rule.labels.length > labels.length) return false;
      for (let k = 1; k <= rule.labels.length; k++) {
        const r = rule.labels[rule.labels.length - k];
        if (r !== "*" && r !== labels[labels.length - k]) return false;
      }
      return true;
    });
  }

  /**
   * The public suffix of an ASCII lowercase host: {suffixLabels, byDefault}, where `byDefault` says that no
   * rule matched and the implicit "*" rule prevailed.
   */
  publicSuffix(host) {
    const labels = host.split(".");
    const matching = this.matchingRules(labels);
    let prevailing;
    let byDefault = false;
    if (matching.length === 0) {
      prevailing = { labels: ["*"], exception: false };
      byDefault = true;
    } else {
      prevailing = matching.find((r) => r.exception);
      if (!prevailing) {
        prevailing = matching.reduce((a, b) => (b.labels.length > a.labels.length ? b : a));
      }
    }
    let n = prevailing.labels.length;
    if (prevailing.exception) n -= 1;
    return { suffixLabels: labels.slice(labels.length - n), byDefault, labels };
  }

  /** The registrable domain (suffix plus one label), or null when the host is itself a public suffix. */
  registrableDomain(host) {
    const { suffixLabels, labels } = this.publicSuffix(host);
    if (labels.length <= suffixLabels.length) return null;
    return labels.slice(labels.length - suffixLabels.length - 1).join(".");
  }
}
