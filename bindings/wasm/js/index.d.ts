// Types of policyc's matcher runtime for JavaScript (target/wasm-pkg/index.js).

/** Runtime settings: signals and feature switches by name, the user's region, and the event decided. */
export interface Options {
  /**
   * Signals (default off) and features (default as the policy declares) to set, as a plain object or a Map;
   * an unknown name throws, and so does any other kind of object.
   */
  set?: Record<string, boolean> | ReadonlyMap<string, boolean>;
  /** The user's region, one the policy names; an unknown region throws. None: no region. */
  region?: string | null;
  /** The event decided, one the policy declares (`offer_click`); an unknown event throws. None: a page view. */
  event?: string | null;
}

/** An event the policy declares: its name and what the user does, by language code. */
export interface PolicyEvent {
  readonly name: string;
  readonly label: Readonly<Record<string, string>>;
}

/**
 * What may be collected for one URL. Decisions are frozen, and the same decision is the same object: a matcher
 * builds each distinct decision once and hands it out again (compare them with `===`, never change them); a
 * decision with an `error` is shared by its reason.
 */
export interface Decision {
  /** Data items that may be collected, in the policy's order. */
  readonly collect: readonly string[];
  /** Collected items that may be linked to the user's account. */
  readonly linked: readonly string[];
  /** Purposes of the rules that allowed collection. */
  readonly purposes: readonly string[];
  /** How long each collected item is kept, such as `"30 days"`. */
  readonly retention: Readonly<Record<string, string>>;
  /** The content hash of the policy that decided. */
  readonly policyHash: string;
  /** Why the URL could not be decided (then nothing is collected), or null. */
  readonly error: string | null;
}

/** A rule that fired or blocked, and where it was written. */
export interface RuleRef {
  rule: string;
  origin: string;
}

/** The full report `policyc match` prints, one per URL. */
export interface Report {
  url: string;
  /** The event decided, when it is not a page view. */
  event?: string;
  host: string | null;
  sites: string[];
  collect: string[];
  linked: string[];
  purposes: string[];
  retention: Record<string, string>;
  rules: RuleRef[];
  blocked_by: RuleRef[];
  policy_hash: string;
  error: string | null;
}

/** Options of `sources`: a state without an event (collection from a source does not depend on events). */
export interface SourceOptions {
  /**
   * Signals (default off) and features (default as the policy declares) to set, as a plain object or a Map;
   * an unknown name throws, and so does any other kind of object.
   */
  set?: Record<string, boolean> | ReadonlyMap<string, boolean>;
  /** The user's region, one the policy names; an unknown region throws. None: no region. */
  region?: string | null;
  /** Refused: passing an event throws a TypeError. */
  event?: never;
}

/** One data item from one source in a `SourceReport`. */
export interface SourceItem {
  readonly data: string;
  /** `device`, `account`, or a source the policy declares. */
  readonly source: string;
  /** The purposes of the rules from this source that collect the item. */
  readonly purposes: readonly string[];
  /** The longest retention among those rules, such as `"1 year"` or `"until uninstall"`. */
  readonly retention: string;
  /** Whether one of those rules links the item to the account in this state. */
  readonly linked: boolean;
  /** Those rules, named `from N`. */
  readonly rules: readonly Readonly<RuleRef>[];
}

/**
 * What may be collected independently of the page in one state: the object `policyc sources --format json`
 * prints. Frozen; the same state gives the same object.
 */
export interface SourceReport {
  /** Every item that may be collected, from any source, in the policy's order. */
  readonly collect: readonly string[];
  /** Of those, the items that may be linked to the account. */
  readonly linked: readonly string[];
  readonly purposes: readonly string[];
  /** Per source (`device`, `account`, then the policy's own) and item. */
  readonly items: readonly SourceItem[];
  /** The rules from a source in force, named `from N` in policy order. */
  readonly rules: readonly Readonly<RuleRef>[];
  readonly policy_hash: string;
}

/** A feature switch of the policy. Frozen, like everything a matcher hands out. */
export interface Feature {
  readonly name: string;
  readonly default: boolean;
  /** The policy's name for the switch, by language code (`{ en: "Price comparison", de: "Preisvergleich" }`). */
  readonly label: Readonly<Record<string, string>>;
  /** How the user agrees before the feature collects under consent, by language code; empty if the policy does not say. */
  readonly optIn: Readonly<Record<string, string>>;
}

export declare class Matcher {
  private constructor();
  /** The policy's content hash, as `policyc compile` prints it. */
  readonly policyHash: string;
  readonly policyId: string;
  readonly version: string;
  readonly categories: readonly string[];
  readonly data: readonly string[];
  readonly purposes: readonly string[];
  readonly signals: readonly string[];
  readonly features: readonly Feature[];
  /** What each signal stands for, in the policy's words, by signal name then language code. */
  readonly signalLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly regions: readonly string[];
  /** The events the policy declares; a page view (`page_view`) is not among them. */
  readonly events: readonly PolicyEvent[];
  readonly retentionTexts: readonly string[];
  /** Where data collected independently of the page comes from: `device`, `account`, then the policy's own. */
  readonly sourceNames: readonly string[];
  decide(url: string, opts?: Options): Decision;
  /**
   * The decisions of many URLs in one context, in order: each what `decide` gives for it, with one call into
   * the module, which also overlaps the URLs' memory accesses (faster on large lists).
   * @throws RangeError when the batch needs more than 1 GiB of the module's memory (about 350 million
   * characters of URLs); split it. Nothing is written then, and the matcher answers as before.
   */
  decideMany(urls: readonly string[], opts?: Options): Decision[];
  report(url: string, opts?: Options): Report;
  /** What may be collected independently of the page in a state; an unknown name or an `event` throws. */
  sources(opts?: SourceOptions): SourceReport;
  /**
   * The items a source report allows from `source`; nothing for a source the policy does not name.
   * @throws Error when the report's `policy_hash` is missing or is not this matcher's (a report of an older
   * version kept across an update, say), or when it names a data item the policy does not have: a report answers
   * only for the policy that made it.
   */
  collectsFrom(report: SourceReport, source: string): readonly string[];
  /** Frees the module's copy of the artifact; the matcher cannot decide afterwards. */
  free(): void;
}

/**
 * Loads a matcher artifact; a bad artifact rejects with an Error whose message is the one-line reason. After the
 * module traps (runs out of memory, say), its matchers throw and the next load starts a fresh module.
 */
export declare function loadMatcher(bytes: Uint8Array | ArrayBuffer): Promise<Matcher>;
