// policyc's matcher runtime for JavaScript: an ES module around the WebAssembly build of `policyc-runtime`.
//
// The module has no imports of its own, so it runs in a browser page, a Manifest V3 service worker (which
// forbids dynamic `import()`: this file uses static imports only, and none at all in a browser) and Node. The
// `.wasm` file sits beside this one and is fetched relative to `import.meta.url`; in Node, where `fetch`
// cannot read `file:` URLs, it is read from disk instead.
//
// Decisions cross the boundary as a few integers per URL (bit sets over the policy's names, which are read
// once at load), not as JSON, so that a single `decide` stays close to the native runtime's cost. The record
// layout is documented in bindings/wasm/src/session.rs. What may be collected independently of the page
// (`sources`) is asked once per state, not per URL, so it crosses as JSON.

const WASM_URL = new URL("./policyc.wasm", import.meta.url);

// Most distinct settings a matcher caches contexts for; a caller with more starts the cache over.
const MAX_CONTEXTS = 1024;
// Answer codes (bindings/wasm/src/session.rs): a record follows for a decision without an id; decision id 0's
// code (ids follow); the flag of a code whose record follows and whose id is new. The module gives ids to at
// most 4096 distinct decisions, then starts over, always sending an id's record before using it alone.
const ONCE = 1;
const FIRST_ID = 2;
const NEW = 1 << 30;
// How many URLs of a batch are joined into one string to encode (see `decideMany`).
const BATCH_JOIN = 64;
// The largest input buffer asked of the module: its addresses and sizes are 32-bit, so a larger size would wrap
// around to a small buffer that writing the input would overrun. A batch that needs more must be split.
const MAX_INPUT = 1 << 30;

let instancePromise = null;

async function wasmBytes() {
  if (WASM_URL.protocol === "file:") {
    // Only Node gets here (browsers and extensions load over http(s) or chrome-extension:). Node 20.16 and later
    // hand out built-in modules without an import; older ones take a dynamic import, whose specifier is a
    // variable so that a bundler building for the browser does not try to resolve `node:fs`.
    const name = "node:fs/promises";
    const fs = globalThis.process?.getBuiltinModule?.(name) ?? (await import(name));
    return fs.readFile(WASM_URL);
  }
  const res = await fetch(WASM_URL);
  if (!res.ok) throw new Error(`cannot load the matcher module \`${WASM_URL}\`: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function instance() {
  if (instancePromise === null) {
    instancePromise = wasmBytes()
      .then((bytes) => WebAssembly.instantiate(bytes, {}))
      .then(({ instance }) => new Wasm(guard(instance.exports)));
    // A failed load is not cached, so that a later call can try again.
    instancePromise.catch(() => {
      instancePromise = null;
    });
  }
  return instancePromise;
}

// The exports, each retiring the instance when it traps. A trap (running out of memory on a huge batch, say)
// stops the module in the middle of a call, with its state half changed: every later call into that instance
// would trap too, or answer from that state. So a trapped instance answers nothing more: each later call throws,
// and the next `loadMatcher` starts a fresh instance.
function guard(exports) {
  let trapped = null;
  const guarded = { memory: exports.memory };
  for (const [name, f] of Object.entries(exports)) {
    if (typeof f !== "function") continue;
    // Every export takes at most three integers; a fixed arity keeps the wrapper cheap on the hot path.
    guarded[name] = (a, b, c) => {
      if (trapped !== null) throw trapped;
      try {
        return f(a, b, c);
      } catch (e) {
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        trapped = new Error(`the matcher module stopped (${e.message}); load the matcher again`, { cause: e });
        instancePromise = null;
        throw trapped;
      }
    };
  }
  return guarded;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The module's exports and views of its memory (rebuilt whenever the memory grows).
class Wasm {
  constructor(exports) {
    this.x = exports;
    this.buffer = null;
    this.view = null;
    this.bytes = null;
    // The input buffer's address and size as last reported; it moves only when pc_input grows it.
    this.inputPtr = 0;
    this.inputCap = 0;
    // A view of the whole input buffer, kept so that writing a URL allocates nothing.
    this.inputBytes = null;
  }

  // The address of an input buffer of at least `len` bytes, asking the module only when it must grow.
  input(len) {
    if (!(len <= MAX_INPUT)) {
      throw new RangeError(`the input needs ${len} bytes of the module's memory, over the limit of ${MAX_INPUT}; split the batch`);
    }
    if (len > this.inputCap) {
      this.inputCap = Math.min(Math.max(len, 2 * this.inputCap, 4096), MAX_INPUT);
      this.inputPtr = this.x.pc_input(this.inputCap);
    }
    this.refresh();
    return this.inputPtr;
  }

  refresh() {
    // Growing the memory detaches the old buffer (its length becomes 0); only then are the views rebuilt, because
    // asking the memory for its buffer on every call costs more than the check.
    if (this.bytes !== null && this.bytes.length !== 0) return;
    const buffer = this.x.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.view = new DataView(buffer);
      this.bytes = new Uint8Array(buffer);
      this.inputBytes = null;
    }
  }

  // Copies bytes into the input buffer; returns their length.
  putBytes(src) {
    const ptr = this.input(src.length);
    this.bytes.set(src, ptr);
    return src.length;
  }

  // Encodes a string into the input buffer; returns its length in bytes.
  putString(s) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, so a buffer of that size always takes the whole string.
    const ptr = this.input(s.length * 3);
    if (this.inputBytes === null || this.inputBytes.byteOffset !== ptr || this.inputBytes.length !== this.inputCap) {
      this.inputBytes = this.bytes.subarray(ptr, ptr + this.inputCap);
    }
    return encoder.encodeInto(s, this.inputBytes).written;
  }

  outPtr() {
    const ptr = this.x.pc_out_ptr();
    this.refresh();
    return ptr;
  }

  outString() {
    const ptr = this.outPtr();
    const len = this.x.pc_out_len();
    return decoder.decode(this.bytes.subarray(ptr, ptr + len));
  }
}

/**
 * Loads a matcher artifact (the bytes of a `.matcher` file).
 * @param {Uint8Array} bytes
 * @returns {Promise<Matcher>} rejects with an Error whose message is the one-line reason for a bad artifact
 */
export async function loadMatcher(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("loadMatcher expects the artifact's bytes as a Uint8Array");
  }
  const w = await instance();
  const handle = w.x.pc_load(w.putBytes(bytes));
  const answer = w.outString();
  if (handle === 0) throw new Error(answer);
  return new Matcher(w, handle, JSON.parse(answer));
}

/** Whether `v` is a plain object: made by a literal, `Object.create(null)` or `JSON.parse`. */
function isPlain(v) {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// The runtime's limit on a URL's length in bytes (`urlnorm::MAX_URL_LEN`). A string longer than this in UTF-16
// units is longer in bytes too, so `decide` refuses it without encoding it; the module confirms the limit
// (`pc_too_long` answers 0 for a length within it), so a runtime with a higher limit would still decide it.
const URL_UNITS = 64 * 1024;

// The length in bytes of a string's UTF-8 encoding as `TextEncoder` writes it: a lone surrogate becomes
// U+FFFD, three bytes.
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function checkUrl(url) {
  if (typeof url !== "string") throw new TypeError("a URL must be a string");
}

export class Matcher {
  #w;
  #handle;
  #contexts = new Map();
  // The context id of each options object seen, so that a caller who passes the same object again (the usual
  // case: one settings object per page) skips building its key.
  #byObject = new WeakMap();
  #noOptions = 0;
  // The frozen options object of the last call and its context id.
  #lastOpts = null;
  #lastId = 0;
  // The decisions the module has sent, frozen, by their ids (see `#read`).
  #byId = [];
  // The decisions that refuse a URL, frozen, by their reason.
  #errors = new Map();
  // Where the record `#read` read last ends.
  #next = 0;
  // The source reports built so far, frozen, by context id; cleared with the contexts, whose ids start over.
  #sourceReports = new Map();

  /** @internal use loadMatcher */
  constructor(w, handle, info) {
    this.#w = w;
    this.#handle = handle;
    /** The policy's content hash, as `policyc compile` prints it. */
    this.policyHash = info.policyHash;
    this.policyId = info.policyId;
    this.version = info.version;
    this.categories = Object.freeze(info.categories);
    this.data = Object.freeze(info.data);
    this.purposes = Object.freeze(info.purposes);
    this.signals = Object.freeze(info.signals);
    this.features = Object.freeze(
      info.features.map((f) => Object.freeze({ ...f, label: Object.freeze(f.label), optIn: Object.freeze(f.optIn) })),
    );
    this.signalLabels = Object.freeze(
      Object.fromEntries(Object.entries(info.signalLabels).map(([name, t]) => [name, Object.freeze(t)])),
    );
    this.regions = Object.freeze(info.regions);
    /** Where data collected independently of the page comes from: `device`, `account`, then the policy's own. */
    this.sourceNames = Object.freeze(info.sources);
    /** The events the policy declares, each `{ name, label }`; a page view (`page_view`) is not among them. */
    this.events = Object.freeze(info.events.map((e) => Object.freeze({ ...e, label: Object.freeze(e.label) })));
    this.retentionTexts = Object.freeze(info.retention);
    Object.freeze(this);
  }

  // The id of the context for these settings, built in the module once per distinct settings.
  #context(opts) {
    if (this.#handle === 0) throw new Error("the matcher was freed");
    if (opts === undefined || opts === null) {
      if (this.#noOptions === 0) this.#noOptions = this.#contextOf({});
      return this.#noOptions;
    }
    // The same frozen object as last time costs one comparison (most callers pass one settings object for
    // many calls); other frozen objects seen before cost a WeakMap lookup.
    if (opts === this.#lastOpts) return this.#lastId;
    let id = this.#byObject.get(opts);
    if (id === undefined) {
      id = this.#contextOf(opts);
      // Only a frozen object is cached by identity: a caller may change an unfrozen one between calls.
      // A Map's entries change even when the Map is frozen, so options with one are never cached.
      const frozenSet = opts.set === undefined || (!(opts.set instanceof Map) && Object.isFrozen(opts.set));
      if (!(Object.isFrozen(opts) && frozenSet)) return id;
      this.#byObject.set(opts, id);
    }
    this.#lastOpts = opts;
    this.#lastId = id;
    return id;
  }

  #contextOf(opts) {
    // An array is an object too, and would read as no settings at all.
    if (typeof opts !== "object" || Array.isArray(opts)) {
      throw new TypeError("options must be an object: { set, region, event }");
    }
    const { set, region, event, ...rest } = opts;
    const extra = Object.keys(rest);
    if (extra.length > 0) {
      throw new TypeError(`\`${extra[0]}\` is not an option (expected \`set\`, \`region\` or \`event\`)`);
    }
    // A Map is read by its entries. Any other object but a plain one (an array, a class instance, an object
    // whose switches are inherited) is refused: `Object.entries` would see none of its switches, and every
    // switch would silently stay at its default, collecting where the user switched collection off.
    let entries;
    if (set === undefined) {
      entries = [];
    } else if (set instanceof Map) {
      entries = [...set];
    } else if (set !== null && typeof set === "object" && isPlain(set)) {
      entries = Object.entries(set);
    } else {
      throw new TypeError("`set` must be a plain object or a Map of names to true or false");
    }
    for (const [name, on] of entries) {
      if (typeof name !== "string") throw new TypeError("the names in `set` must be strings");
      if (typeof on !== "boolean") throw new TypeError(`\`set.${name}\` must be true or false`);
    }
    if (region !== undefined && region !== null && typeof region !== "string") {
      throw new TypeError("`region` must be a string");
    }
    if (event !== undefined && event !== null && typeof event !== "string") {
      throw new TypeError("`event` must be a string");
    }
    const key = JSON.stringify({ set: Object.fromEntries(entries), region: region ?? null, event: event ?? null });
    let id = this.#contexts.get(key);
    if (id !== undefined) return id;
    const w = this.#w;
    if (this.#contexts.size >= MAX_CONTEXTS) {
      w.x.pc_reset_contexts(this.#handle);
      this.#contexts.clear();
      this.#sourceReports.clear();
      this.#byObject = new WeakMap();
      this.#noOptions = 0;
      this.#lastOpts = null;
    }
    id = w.x.pc_context(this.#handle, w.putString(key));
    if (id === 0) {
      throw new Error(w.outString());
    }
    this.#contexts.set(key, id);
    return id;
  }

  /**
   * Decides one URL.
   * @param {string} url
   * @param {{ set?: Record<string, boolean>, region?: string, event?: string }} [opts]
   */
  decide(url, opts) {
    checkUrl(url);
    const cx = this.#context(opts);
    const w = this.#w;
    if (url.length > URL_UNITS) {
      // Over the limit for certain (every UTF-16 unit is at least one byte): refused by its length in bytes,
      // which the module words, without copying a string of any size into its memory.
      const refused = w.x.pc_too_long(Math.min(utf8Length(url), 0xffffffff));
      if (refused !== 0) return this.#answer(refused, w.outPtr());
    }
    const code = w.x.pc_decide(this.#handle, cx, w.putString(url));
    // Most calls end here: a decision the module has sent before, by its id.
    if (code >= FIRST_ID && code < NEW) return this.#known(code);
    if (code === 0) throw new Error(w.outString());
    return this.#answer(code, w.outPtr());
  }

  /**
   * Decides many URLs with the same settings, in one call into the module.
   * @param {string[]} urls
   * @param {{ set?: Record<string, boolean>, region?: string, event?: string }} [opts]
   */
  decideMany(urls, opts) {
    if (!Array.isArray(urls)) throw new TypeError("decideMany expects an array of URLs");
    // One copy, read once: a Proxy or a getter could answer differently on each read, and the batch is sized
    // from the same strings it is written from. Holes become `undefined`, which `checkUrl` refuses.
    urls = Array.from(urls);
    urls.forEach(checkUrl);
    const cx = this.#context(opts);
    const w = this.#w;
    // A URL over the length limit stands in the batch as an empty string and is answered as `decide` answers it,
    // by its length: a huge one would otherwise fill the batch, or throw the batch's RangeError.
    const long = [];
    for (let i = 0; i < urls.length; i++) if (urls[i].length > URL_UNITS) long.push(i);
    let batch = urls;
    if (long.length > 0) {
      batch = urls.slice();
      for (const i of long) batch[i] = "";
    }
    // The batch is written straight into the module's input buffer: a count, each URL's length in UTF-16 code
    // units, then the URLs' UTF-8 bytes back to back (at most 3 bytes per unit, so the buffer is sized for
    // that). The URLs are joined into strings of up to BATCH_JOIN and each encoded with one `encodeInto`: a
    // call costs about as much as encoding a whole URL, so one call per URL was most of a batch's time. A URL
    // that ends in a lone high surrogate ends its string, so that it never pairs with the next URL's first unit
    // into one character (each is U+FFFD on its own, as `decide` encodes it).
    const units = batch.reduce((n, u) => n + u.length, 0);
    const base = w.input(4 + 4 * batch.length + 3 * units);
    const view = w.view;
    view.setUint32(base, batch.length, true);
    let at = base + 4;
    for (const u of batch) {
      view.setUint32(at, u.length, true);
      at += 4;
    }
    let from = 0;
    for (let i = 0; i < batch.length; i++) {
      const last = batch[i].charCodeAt(batch[i].length - 1);
      if (i + 1 === batch.length || i + 1 - from === BATCH_JOIN || (last >= 0xd800 && last <= 0xdbff)) {
        const s = i === from ? batch[i] : batch.slice(from, i + 1).join("");
        at += encoder.encodeInto(s, w.bytes.subarray(at, at + 3 * s.length)).written;
        from = i + 1;
      }
    }
    if (w.x.pc_decide_many(this.#handle, cx, at - base) === 0) throw new Error(w.outString());
    // Per URL, its code, then its record when one follows.
    let ptr = w.outPtr();
    const out = new Array(urls.length);
    for (let i = 0; i < urls.length; i++) {
      const code = w.view.getUint32(ptr, true);
      ptr += 4;
      if (code >= FIRST_ID && code < NEW) {
        out[i] = this.#known(code);
      } else {
        out[i] = this.#answer(code, ptr);
        ptr = this.#next;
      }
    }
    for (const i of long) out[i] = this.decide(urls[i], opts);
    return out;
  }

  /**
   * The full report of one URL, the object `policyc match` prints as a JSON line (with the rules that fired
   * and their origins).
   */
  report(url, opts) {
    checkUrl(url);
    const cx = this.#context(opts);
    const w = this.#w;
    if (w.x.pc_report(this.#handle, cx, w.putString(url)) === 0) throw new Error(w.outString());
    return JSON.parse(w.outString());
  }

  /**
   * What may be collected independently of the page in one state (from the device, the account and the
   * policy's sources), the object `policyc sources --format json` prints. Ask once per change of signals,
   * switches or region, not per URL. The report is frozen, and the same state gives the same object.
   *
   * `event` is refused: collection from a source does not depend on what the user does, so an event could
   * only be a mistake that a silently ignored option would hide (the CLI has no `--event` here either).
   * @param {{ set?: Record<string, boolean>, region?: string }} [opts]
   */
  sources(opts) {
    if (opts !== null && typeof opts === "object" && opts.event !== undefined && opts.event !== null) {
      throw new TypeError("`event` is not an option of sources (collection from a source does not depend on events)");
    }
    const cx = this.#context(opts);
    let report = this.#sourceReports.get(cx);
    if (report !== undefined) return report;
    const w = this.#w;
    if (w.x.pc_sources(this.#handle, cx) === 0) throw new Error(w.outString());
    report = deepFreeze(JSON.parse(w.outString()));
    this.#sourceReports.set(cx, report);
    return report;
  }

  /**
   * The data items a source report allows from one source, in the policy's order. A source the policy does not
   * name gives nothing (fail closed), like a source with no rule in force. A report whose `policy_hash` is
   * missing or is not this matcher's, or that names an item the policy does not have, throws an Error.
   * @param {SourceReport} report what this matcher's `sources` returned
   * @param {string} source such as `device`
   */
  collectsFrom(report, source) {
    if (report === null || typeof report !== "object" || !Array.isArray(report.items)) {
      throw new TypeError("collectsFrom expects a report that sources returned");
    }
    if (typeof source !== "string") throw new TypeError("a source must be a string");
    // A report answers for the policy that made it: one of an older version kept across an update, or of another
    // extension's policy, would allow what this policy may not, so only reports of this matcher's policy are read
    // (its own, or a copy kept in storage). Those are checked against what the policy names, so that a report
    // put together by hand cannot allow an item the policy does not have.
    if (typeof report.policy_hash !== "string") {
      throw new Error("the report names no `policy_hash`: collectsFrom takes a report that this matcher's sources returned");
    }
    if (report.policy_hash !== this.policyHash) {
      throw new Error(
        `the report is of policy \`${report.policy_hash}\`, not of this matcher's \`${this.policyHash}\`: ask this matcher's sources for one`,
      );
    }
    if (!this.sourceNames.includes(source)) return Object.freeze([]);
    const items = report.items.filter((i) => i?.source === source).map((i) => i.data);
    const unknown = items.find((d) => !this.data.includes(d));
    if (unknown !== undefined) {
      throw new Error(`the report names \`${unknown}\`, which is not a data item of this policy: ask this matcher's sources for one`);
    }
    return Object.freeze(items);
  }

  /** Frees the module's copy of the artifact; the matcher cannot decide afterwards. */
  free() {
    this.#w.x.pc_free(this.#handle);
    this.#handle = 0;
  }

  // The decision the module sent before under the id of `code`.
  #known(code) {
    const d = this.#byId[code - FIRST_ID];
    // The module sends every id's record before it uses the id alone, so this cannot be missing; if it were,
    // answering anything would be a guess.
    if (d === undefined) throw new Error("internal error: the matcher module answered with an unknown decision id");
    return d;
  }

  // The decision of a code whose record follows at `ptr`: built, frozen, and kept under its id when it has
  // one. Sets `#next` to where the record ends.
  #answer(code, ptr) {
    const d = this.#read(ptr);
    if (code !== ONCE) this.#byId[(code & ~NEW) - FIRST_ID] = d;
    return d;
  }

  // Reads one record at `ptr` (layout in bindings/wasm/src/session.rs) into a frozen decision, and sets
  // `#next` to the address after it. A policy has few distinct decisions while a caller decides many URLs, so
  // the module sends each one's record once and its id afterwards: building names and objects per call was a
  // third of a call's cost.
  #read(ptr) {
    const v = this.#w.view;
    const word = (i) => v.getUint32(ptr + 4 * i, true);
    const n = word(13);
    const at = 14 + 2 * n;
    const len = word(at);
    const start = ptr + 4 * (at + 1);
    this.#next = start + ((len + 3) & ~3);
    if (word(0) === 1) {
      // Decisions that refuse a URL are shared too, by their reason: a list of bad URLs gives one object per
      // reason, as it gives one per decision (a URL too long names its length, so the map is bounded).
      const error = decoder.decode(this.#w.bytes.subarray(start, start + len));
      let d = this.#errors.get(error);
      if (d === undefined) {
        if (this.#errors.size >= MAX_CONTEXTS) this.#errors.clear();
        d = this.#freeze([], [], [], {}, error);
        this.#errors.set(error, d);
      }
      return d;
    }
    const retention = {};
    for (let i = 0; i < n; i++) {
      retention[this.data[word(14 + 2 * i)]] = this.retentionTexts[word(15 + 2 * i)];
    }
    return this.#freeze(
      names(this.data, word(3), word(4)),
      names(this.data, word(5), word(6)),
      names(this.purposes, word(7), word(8)),
      retention,
      null,
    );
  }

  #freeze(collect, linked, purposes, retention, error) {
    return Object.freeze({
      collect: Object.freeze(collect),
      linked: Object.freeze(linked),
      purposes: Object.freeze(purposes),
      retention: Object.freeze(retention),
      policyHash: this.policyHash,
      error,
    });
  }
}

function deepFreeze(v) {
  if (v !== null && typeof v === "object") {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// The names at the set bits of a 64-bit mask given as two 32-bit words, in declaration order.
function names(table, lo, hi) {
  const out = [];
  for (let i = 0; lo !== 0 && i < 32; i++, lo >>>= 1) if (lo & 1) out.push(table[i]);
  for (let i = 32; hi !== 0 && i < 64; i++, hi >>>= 1) if (hi & 1) out.push(table[i]);
  return out;
}
