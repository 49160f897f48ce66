//! What the exports do, as safe functions over plain data: load an artifact, build contexts from settings,
//! decide, and encode the answers in the compact form `js/index.js` reads. `lib.rs` only moves bytes across
//! the WebAssembly boundary, so everything here is testable natively.
//!
//! A decision crosses the boundary as little-endian `u32` words, not as JSON: the masks of a
//! [`Decision`] are a few integers, and the names they stand for are sent once, at load ([`info_json`]), so
//! the JavaScript side turns bits into names without parsing text per call. That keeps a single `decide`
//! close to the native cost. The full JSON [`Report`] (what `policyc match` prints) is available too
//! ([`report_json`]), for agreement tests and for callers that want the rules and origins. What may be collected
//! independently of the page ([`sources_json`]) is asked once per state, not per URL, so it crosses as the JSON
//! [`SourceReport`] that `policyc sources --format json` prints.
//!
//! Most URLs a caller decides share a few distinct decisions (a policy has a few dozen outcomes, not one per
//! URL), so a decision crosses in full only the first time: the module gives it an id, and afterwards answers
//! with the id alone, which the JavaScript side maps to the decision it built the first time. Each answer
//! starts with a code (the return value of `pc_decide`; in a batch, the word before each URL's answer):
//!
//! ```text
//! ONCE                   a record follows; the decision has no id (a refused URL, whose message is its own)
//! id + FIRST_ID          the decision last sent with this id; nothing follows
//! (id + FIRST_ID) | NEW  a record follows, and from now on the decision is known by this id
//! ```
//!
//! Ids are kept per loaded matcher for at most [`MAX_DECISIONS`] distinct decisions; past that the module
//! forgets them and hands ids out from 0 again, each with `NEW` the first time, so the reader's table is
//! always overwritten before an id is reused without a record.
//!
//! Record layout (all `u32`, little-endian):
//!
//! ```text
//! status            0 decided, 1 the URL could not be decided (nothing collected)
//! sites, collect, linked, purposes, rules, blocked_by
//!                   each a 64-bit mask as two words, low word first
//! n                 number of retention entries
//! n × (item, keep)  data item index, index into the load info's `retention` texts
//! len, bytes        the error message (UTF-8, len bytes), padded with zeros to a multiple of 4
//! ```

use policyc_runtime::{ArtifactError, Context, Decision, Matcher, Report, Retention, Settings, SourceReport};
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use std::mem::ManuallyDrop;

/// The error of a URL that is not UTF-8.
const NOT_UTF8: &str = "the URL is not UTF-8";

/// Most contexts a loaded matcher keeps; the JavaScript side caches their ids and resets both together.
pub const MAX_CONTEXTS: usize = 4096;

/// Answer code: a record follows, for a decision without an id.
pub const ONCE: u32 = 1;
/// The code of decision id 0; ids follow.
pub const FIRST_ID: u32 = 2;
/// Set in a code whose record follows and whose id is new (or reused after the ids started over).
pub const NEW: u32 = 1 << 30;
/// Most distinct decisions a loaded matcher gives ids to before it starts over.
pub const MAX_DECISIONS: usize = 4096;

/// A loaded artifact with the contexts built for it so far.
pub struct Loaded {
    /// Borrows `bytes`; dropped before them (see `Drop`).
    matcher: ManuallyDrop<Matcher<'static>>,
    /// The artifact's bytes, owned by this value. A `Matcher` borrows its bytes so that it reads the indexes in
    /// place; keeping the owner and the borrower together needs the bytes at a fixed address for the
    /// matcher's lifetime, which a leaked box gives and `Drop` takes back.
    bytes: *mut [u8],
    /// The distinct retention periods of the collect rules, in rule order; a record refers to them by index.
    retention: Vec<Retention>,
    /// For each collect rule, in rule order: the data items it collects, and its retention as (rank, index
    /// into `retention`), where a higher rank is a longer retention. Computed once, so that a decision's
    /// retention is a few integer comparisons rather than a search by name per call.
    rule_keep: Vec<(u64, (u32, u32))>,
    contexts: Vec<Context>,
    /// The decisions given ids so far, by what the reader builds from them: the collected, linked and purpose
    /// masks and the rules that fired (which, with the collected items, give the retention).
    known: Sent,
}

/// The decisions sent to the reader so far, by their key (see [`Loaded::known`]), with the last one looked up
/// kept apart: consecutive URLs often get the same decision (most pages collect nothing), and comparing four
/// words costs less than hashing them.
#[derive(Default)]
struct Sent {
    ids: FxHashMap<[u64; 4], u32>,
    last: Option<([u64; 4], u32)>,
}

impl Sent {
    /// The id of `key`, and whether it is new (just given the next id, starting over from 0 once the table
    /// holds [`MAX_DECISIONS`]).
    fn id(&mut self, key: [u64; 4]) -> (u32, bool) {
        if let Some((last, id)) = self.last {
            if last == key {
                return (id, false);
            }
        }
        let (id, new) = match self.ids.get(&key) {
            Some(id) => (*id, false),
            None => {
                if self.ids.len() >= MAX_DECISIONS {
                    self.ids.clear();
                }
                let id = self.ids.len() as u32;
                self.ids.insert(key, id);
                (id, true)
            }
        };
        self.last = Some((key, id));
        (id, new)
    }

    /// Forgets every id, so that each decision comes with its record again.
    fn clear(&mut self) {
        self.ids.clear();
        self.last = None;
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        // SAFETY: the matcher is the only borrower of `bytes` and is dropped first; `bytes` came from
        // `Box::into_raw` in `Loaded::new` and is reclaimed exactly once, here.
        #[allow(unsafe_code)]
        unsafe {
            ManuallyDrop::drop(&mut self.matcher);
            drop(Box::from_raw(self.bytes));
        }
    }
}

impl Loaded {
    /// Validates and loads an artifact (a copy of `bytes` is kept).
    pub fn new(bytes: &[u8]) -> Result<Loaded, ArtifactError> {
        let owned: &'static mut [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
        let raw: *mut [u8] = owned;
        // SAFETY: `raw` was just leaked and is not freed until `Drop`, after the matcher is gone; this shared
        // reborrow is the only access to the bytes while the matcher lives.
        #[allow(unsafe_code)]
        let shared: &'static [u8] = unsafe { &*raw };
        match Matcher::from_bytes(shared) {
            Ok(matcher) => {
                let mut retention: Vec<Retention> = Vec::new();
                for row in &matcher.meta().collect {
                    if !retention.contains(&row.keep) {
                        retention.push(row.keep.clone());
                    }
                }
                // Ranks follow the runtime's own order of "the longest retention" (`Retention::longest_key`).
                let mut by_length: Vec<usize> = (0..retention.len()).collect();
                by_length.sort_by(|&a, &b| {
                    let key = |i: usize| retention.get(i).map(Retention::longest_key);
                    key(a).cmp(&key(b))
                });
                let rank = |i: usize| by_length.iter().position(|&j| j == i).unwrap_or(0) as u32;
                let rule_keep = matcher
                    .meta()
                    .collect
                    .iter()
                    .map(|row| {
                        let i = retention.iter().position(|k| *k == row.keep).unwrap_or(0);
                        (row.data, (rank(i), i as u32))
                    })
                    .collect();
                Ok(Loaded {
                    matcher: ManuallyDrop::new(matcher),
                    bytes: raw,
                    retention,
                    rule_keep,
                    contexts: Vec::new(),
                    known: Sent::default(),
                })
            }
            Err(e) => {
                // SAFETY: the failed load holds no borrow of the bytes any more; reclaimed once.
                #[allow(unsafe_code)]
                unsafe {
                    drop(Box::from_raw(raw));
                }
                Err(e)
            }
        }
    }

    pub fn matcher(&self) -> &Matcher<'static> {
        &self.matcher
    }

    /// The context with this id, if it exists (ids start at 1; 0 is never handed out).
    pub fn context(&self, id: u32) -> Option<&Context> {
        self.contexts.get((id as usize).checked_sub(1)?)
    }

    /// Builds the context of a settings object (`{"set": {"name": bool}, "region": "DE" | null, "event":
    /// "offer_click" | null}`, each optional; no event is a page view) and returns its id. An unknown name is an error, as on the command line.
    pub fn add_context(&mut self, settings_json: &[u8]) -> Result<u32, String> {
        let settings = parse_settings(settings_json)?;
        let cx = settings.context(&self.matcher).map_err(|e| e.to_string())?;
        if let Some(i) = self.contexts.iter().position(|c| *c == cx) {
            return Ok(i as u32 + 1);
        }
        if self.contexts.len() >= MAX_CONTEXTS {
            self.contexts.clear();
        }
        self.contexts.push(cx);
        Ok(self.contexts.len() as u32)
    }

    /// Forgets every context (the JavaScript cache of ids is cleared at the same time).
    pub fn reset_contexts(&mut self) {
        self.contexts.clear();
    }

    /// Decides one URL and appends its answer to `out` (the record, if the code says one follows); returns the
    /// answer's code (see the module docs).
    pub fn decide_into(&mut self, url: &[u8], cx: &Context, out: &mut Vec<u8>) -> u32 {
        match utf8(url) {
            Some(url) => {
                let d = self.matcher.decide(url, cx);
                answer(&mut self.known, &self.rule_keep, &d, out)
            }
            None => {
                encode_error(out, NOT_UTF8);
                ONCE
            }
        }
    }

    /// Decides a batch: `input` is a `u32` count, then that many `u32` lengths of the URLs in UTF-16 code units
    /// (a JavaScript string's `length`), then the URLs' UTF-8 bytes back to back. Appends per URL, in order, its
    /// code and the record if one follows. A truncated batch gives the answers of the URLs that are complete,
    /// and `false`.
    ///
    /// The lengths are in UTF-16 units because the JavaScript side encodes many URLs joined into one string
    /// with a single `TextEncoder.encodeInto`, whose cost is mostly per call rather than per byte; it knows
    /// each string's length but not its length in bytes. [`take_units`] cuts the bytes back apart.
    ///
    /// The URLs are decided through [`Matcher::decide_each`], which overlaps the memory accesses of several
    /// URLs, in runs between the URLs that are not UTF-8 (refused on the spot), so that every answer keeps its
    /// place.
    pub fn decide_many_into(&mut self, input: &[u8], cx: &Context, out: &mut Vec<u8>) -> bool {
        let mut rest = input;
        let Some(n) = take_u32(&mut rest) else { return false };
        let Some((lengths, mut rest)) = (n as usize).checked_mul(4).and_then(|l| rest.split_at_checked(l)) else {
            return false;
        };
        // Grown only by URLs actually present, never sized by the untrusted count.
        let mut urls: Vec<&str> = Vec::new();
        let mut complete = true;
        for length in lengths.chunks_exact(4) {
            let units = length.try_into().map_or(usize::MAX, |w| u32::from_le_bytes(w) as usize);
            let Some((url, tail)) = take_units(rest, units) else {
                complete = false;
                break;
            };
            rest = tail;
            match utf8(url) {
                Some(url) => urls.push(url),
                None => {
                    self.decide_run(&mut urls, cx, out);
                    put(out, ONCE);
                    encode_error(out, NOT_UTF8);
                }
            }
        }
        self.decide_run(&mut urls, cx, out);
        let whole = complete && rest.is_empty();
        if !whole {
            // The caller gets an error instead of these answers, so the ids they introduced never reach it:
            // forgetting every id makes each decision come with its record again.
            self.known.clear();
        }
        whole
    }

    /// Decides and answers the URLs gathered so far, in order, and empties the list.
    fn decide_run(&mut self, urls: &mut Vec<&str>, cx: &Context, out: &mut Vec<u8>) {
        let Loaded { matcher, known, rule_keep, .. } = self;
        matcher.decide_each(urls.drain(..), cx, |_, _, d| {
            let code_at = out.len();
            put(out, 0);
            let code = answer(known, rule_keep, &d, out);
            if let Some(slot) = out.get_mut(code_at..code_at + 4) {
                slot.copy_from_slice(&code.to_le_bytes());
            }
        });
    }

    /// The JSON report of one URL, byte for byte what `policyc match` prints for it (without the newline).
    pub fn report_json(&self, url: &[u8], cx: &Context) -> Vec<u8> {
        let hash = self.matcher.policy_hash();
        let report = match std::str::from_utf8(url) {
            Ok(url) => Report::decide(&self.matcher, url, cx),
            Err(e) => Report::refused(
                &String::from_utf8_lossy(url),
                &format!("line is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
                &hash,
            ),
        };
        serde_json::to_vec(&report).unwrap_or_default()
    }

    /// What may be collected independently of the page in a context, from the device, the account and the
    /// policy's sources: byte for byte the JSON `policyc sources --format json` prints (compact, where the CLI
    /// indents). The context's event plays no part (`Matcher::decide_sources` ignores it).
    pub fn sources_json(&self, cx: &Context) -> Vec<u8> {
        serde_json::to_vec(&SourceReport::decide(&self.matcher, cx)).unwrap_or_default()
    }

    /// The names a JavaScript caller needs to read records, sent once at load.
    pub fn info_json(&self) -> Vec<u8> {
        let m = &*self.matcher;
        let langs = m.languages();
        let info = json!({
            "policyHash": m.policy_hash(),
            "policyId": m.policy_id(),
            "version": m.version(),
            "categories": m.categories(),
            "data": m.data(),
            "purposes": m.purposes(),
            "signals": m.signals().collect::<Vec<_>>(),
            "features": m.features().map(|(name, on)| json!({
                "name": name,
                "default": on,
                "label": texts(&langs, |l| m.label(name, l)),
                "optIn": texts(&langs, |l| m.opt_in(name, l)),
            })).collect::<Vec<_>>(),
            "signalLabels": m.signals().map(|name| (name.to_string(), texts(&langs, |l| m.label(name, l)))).collect::<serde_json::Map<_, _>>(),
            "regions": m.regions(),
            "sources": m.sources(),
            "events": m.meta().events.iter().map(|e| json!({
                "name": e.name,
                "label": texts(&langs, |l| e.label.iter().find(|(x, _)| x == l).map(|(_, t)| t.as_str())),
            })).collect::<Vec<_>>(),
            "retention": self.retention.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        });
        serde_json::to_vec(&info).unwrap_or_default()
    }
}

/// `bytes` as text when they are UTF-8. Nearly every URL is ASCII, which this checks eight bytes at a time
/// without a branch per word; `std::str::from_utf8` validates only what is not. On wasm32, where `usize` is four
/// bytes, the standard check's word-wise fast path covers half as much per step and was about a twentieth of a
/// `decide` (measured in Node on the sitelist URLs).
fn utf8(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        // SAFETY: no byte has its high bit set, so every byte is an ASCII character, and ASCII is UTF-8.
        #[allow(unsafe_code)]
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// Whether every byte is ASCII, looked at eight bytes at a time without a branch per word.
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder().iter().fold(0u8, |acc, b| acc | b);
    let high = words.fold(0u64, |acc, w| acc | u64::from_le_bytes(w.try_into().unwrap_or([0xff; 8])));
    high & HIGH == 0 && tail & 0x80 == 0
}

/// Answers one decision: its code, after appending its record when the reader does not know it yet (see the
/// module docs). A refused URL always gets its record, since its message is its own.
fn answer(known: &mut Sent, rule_keep: &[(u64, (u32, u32))], d: &Decision, out: &mut Vec<u8>) -> u32 {
    if d.error.is_some() {
        encode(rule_keep, d, out);
        return ONCE;
    }
    match known.id([d.collect, d.linked, d.purposes, d.rules]) {
        (id, false) => id + FIRST_ID,
        (id, true) => {
            encode(rule_keep, d, out);
            (id + FIRST_ID) | NEW
        }
    }
}

/// Appends the record of a decision (layout in the module docs).
fn encode(rule_keep: &[(u64, (u32, u32))], d: &Decision, out: &mut Vec<u8>) {
    put(out, u32::from(d.error.is_some()));
    for mask in [d.sites, d.collect, d.linked, d.purposes, d.rules, d.blocked_by] {
        put(out, mask as u32);
        put(out, (mask >> 32) as u32);
    }
    // Per data item collected, the longest retention among the rules that fired and collect it: the same
    // answer as `Matcher::retention`, which the tests hold this to.
    let count_at = out.len();
    put(out, 0);
    let mut count = 0u32;
    let mut items = d.collect;
    while items != 0 {
        let di = items.trailing_zeros();
        items &= items - 1;
        let mut rules = d.rules;
        let mut best: Option<(u32, u32)> = None;
        while rules != 0 {
            let ri = rules.trailing_zeros() as usize;
            rules &= rules - 1;
            if let Some(&(data, keep)) = rule_keep.get(ri) {
                if data >> di & 1 == 1 && best.is_none_or(|b| keep.0 > b.0) {
                    best = Some(keep);
                }
            }
        }
        if let Some((_, index)) = best {
            put(out, di);
            put(out, index);
            count += 1;
        }
    }
    if let Some(slot) = out.get_mut(count_at..count_at + 4) {
        slot.copy_from_slice(&count.to_le_bytes());
    }
    match &d.error {
        Some(e) => put_str(out, &e.to_string()),
        None => put(out, 0),
    }
}

/// Appends the refusal of a URL of `bytes` bytes, over the runtime's limit; returns its code, [`ONCE`].
pub fn too_long(out: &mut Vec<u8>, bytes: usize) -> u32 {
    encode_error(out, &policyc_runtime::urlnorm::UrlError::TooLong(bytes).to_string());
    ONCE
}

/// The record of a URL that was refused before deciding.
fn encode_error(out: &mut Vec<u8>, message: &str) {
    put(out, 1);
    out.extend(std::iter::repeat_n(0u8, 4 * 13));
    put_str(out, message);
}

fn put(out: &mut Vec<u8>, w: u32) {
    out.extend_from_slice(&w.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
    out.resize(out.len().next_multiple_of(4), 0);
}

/// Splits `bytes` after the first `units` UTF-16 code units of the text they encode: the bytes of one URL of
/// a batch, and the rest. Bytes that are not UTF-8 count as `String::from_utf8_lossy` reads them, each
/// invalid sequence one U+FFFD (one unit), so that a URL with bad bytes still takes its own bytes only and is
/// refused in its place. `None` when the bytes end first, or when the cut falls inside a character of two
/// units (which `encodeInto` never writes across two strings of a batch; the JavaScript side sees to that).
fn take_units(bytes: &[u8], units: usize) -> Option<(&[u8], &[u8])> {
    // Nearly every URL is ASCII: one unit per byte, checked a word at a time.
    if let Some(head) = bytes.get(..units) {
        if is_ascii(head) {
            return Some(bytes.split_at(units));
        }
    }
    // Otherwise chunk by chunk as `String::from_utf8_lossy` reads them: each character of a valid run is its
    // own units, each invalid sequence one U+FFFD.
    let mut at = 0;
    let mut left = units;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if left == 0 {
                return Some(bytes.split_at(at));
            }
            left = left.checked_sub(c.len_utf16())?;
            at += c.len_utf8();
        }
        if !chunk.invalid().is_empty() {
            if left == 0 {
                return Some(bytes.split_at(at));
            }
            left -= 1;
            at += chunk.invalid().len();
        }
    }
    (left == 0).then(|| bytes.split_at(at))
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let (head, tail) = rest.split_first_chunk::<4>()?;
    *rest = tail;
    Some(u32::from_le_bytes(*head))
}

/// Reads `{"set": {"name": bool, …}, "region": "DE" | null, "event": "offer_click" | null}`; every member is
/// optional.
fn parse_settings(json: &[u8]) -> Result<Settings, String> {
    let v: Value = serde_json::from_slice(json).map_err(|e| format!("settings are not valid JSON: {e}"))?;
    let Value::Object(obj) = v else { return Err("settings must be an object".into()) };
    let mut settings = Settings::default();
    for (key, value) in obj {
        match (key.as_str(), value) {
            ("set", Value::Object(set)) => {
                for (name, on) in set {
                    match on {
                        Value::Bool(on) => settings.set.push((name, on)),
                        other => return Err(format!("`set.{name}` must be true or false, not `{other}`")),
                    }
                }
            }
            ("set", Value::Null) | ("region", Value::Null) | ("event", Value::Null) => {}
            ("set", _) => return Err("`set` must be an object of names to true or false".into()),
            ("region", Value::String(r)) => settings.region = Some(r),
            ("region", _) => return Err("`region` must be a string".into()),
            ("event", Value::String(e)) => settings.event = Some(e),
            ("event", _) => return Err("`event` must be a string".into()),
            (other, _) => return Err(format!("`{other}` is not a setting (expected `set`, `region` or `event`)")),
        }
    }
    Ok(settings)
}

/// A signal's or feature's texts as a JSON object from language code to text, in the languages of the policy.
fn texts<'m>(langs: &[&str], text: impl Fn(&str) -> Option<&'m str>) -> Value {
    Value::Object(langs.iter().filter_map(|lang| Some((lang.to_string(), json!(text(lang)?)))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &[u8] = include_bytes!("../../../runtime/tests/data/demo.matcher");

    fn words(rec: &[u8]) -> Vec<u32> {
        rec.chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
    }

    #[test]
    fn a_record_carries_the_same_sets_as_the_native_decision() {
        let mut l = Loaded::new(DEMO).unwrap();
        let id = l.add_context(br#"{"set":{"signed_in":true},"region":"DE"}"#).unwrap();
        let cx = *l.context(id).unwrap();
        let mut out = Vec::new();
        assert_eq!(l.decide_into(b"https://shop.example/cart", &cx, &mut out), FIRST_ID | NEW);
        let d = l.matcher().decide("https://shop.example/cart", &cx);
        let w = words(&out);
        assert_eq!(w[0], 0);
        assert_eq!(u64::from(w[3]) | u64::from(w[4]) << 32, d.collect);
        assert_eq!(u64::from(w[5]) | u64::from(w[6]) << 32, d.linked);
        assert_ne!(d.collect, 0);
        let n = w[13] as usize;
        assert_eq!(n, d.collect.count_ones() as usize);
        assert_eq!(w[14 + 2 * n], 0, "no error");
    }

    /// The same decision, for another URL, crosses as its id alone; a different one gets the next id and its
    /// record.
    #[test]
    fn text_is_checked_as_the_standard_library_checks_it() {
        let cases: [&[u8]; 9] = [
            b"",
            b"https://shop.example/",
            b"https://shop.example/a-path-longer-than-eight",
            "https://bücher.example/straße".as_bytes(),
            b"https://shop.example/\xff",
            b"https://shop.example/\x80abcdefgh",
            b"\xc3",
            b"abcdefg\xc3\xa4",
            b"abcdefgh\xe2\x82",
        ];
        for bytes in cases {
            assert_eq!(utf8(bytes), std::str::from_utf8(bytes).ok(), "{bytes:?}");
        }
    }

    #[test]
    fn a_decision_already_sent_crosses_as_its_id() {
        let mut l = Loaded::new(DEMO).unwrap();
        let cx = l.matcher().context();
        let mut out = Vec::new();
        assert_eq!(l.decide_into(b"https://shop.example/cart", &cx, &mut out), FIRST_ID | NEW);
        let first = out.clone();
        out.clear();
        assert_eq!(l.decide_into(b"https://www.shop.example/other", &cx, &mut out), FIRST_ID);
        assert!(out.is_empty(), "a known decision sends no record");
        assert_eq!(l.decide_into(b"https://unrelated.example/", &cx, &mut out), (FIRST_ID + 1) | NEW);
        assert_ne!(out, first);
        out.clear();
        // A refused URL has no id: its message is its own.
        assert_eq!(l.decide_into(b"https://192.168.0.1/", &cx, &mut out), ONCE);
        assert!(String::from_utf8_lossy(&out).contains("192.168.0.1"));
        out.clear();
        assert_eq!(l.decide_into(b"https://shop.example/", &cx, &mut out), FIRST_ID);
    }

    /// Past `MAX_DECISIONS` distinct decisions the ids start over, and every id is sent with `NEW` (and its
    /// record) before it is used alone, so a reader that stores each `NEW` record under its id always maps an
    /// id to the decision it stands for now.
    #[test]
    fn ids_start_over_with_records_when_the_table_is_full() {
        let mut l = Loaded::new(DEMO).unwrap();
        let cx = l.matcher().context();
        let mut out = Vec::new();
        l.decide_into(b"https://shop.example/", &cx, &mut out);
        l.known.ids.extend((1..MAX_DECISIONS as u32).map(|i| ([u64::from(i), 0, 0, u64::MAX], i)));
        out.clear();
        assert_eq!(l.decide_into(b"https://unrelated.example/", &cx, &mut out), FIRST_ID | NEW);
        assert!(!out.is_empty());
        out.clear();
        assert_eq!(
            l.decide_into(b"https://shop.example/", &cx, &mut out),
            (FIRST_ID + 1) | NEW,
            "forgotten, sent again"
        );
        assert!(!out.is_empty());
    }

    #[test]
    fn an_undecidable_url_has_its_reason_and_nothing_collected() {
        let mut l = Loaded::new(DEMO).unwrap();
        let cx = l.matcher().context();
        let mut out = Vec::new();
        assert_eq!(l.decide_into(b"ftp://shop.example/", &cx, &mut out), ONCE);
        let w = words(&out);
        assert_eq!(w[0], 1);
        assert!(w[1..14].iter().all(|x| *x == 0));
        let len = w[14] as usize;
        assert_eq!(std::str::from_utf8(&out[60..60 + len]).unwrap(), "scheme `ftp` is not http or https");
        assert_eq!(out.len() % 4, 0);
    }

    #[test]
    fn settings_name_errors_are_the_cli_s() {
        let mut l = Loaded::new(DEMO).unwrap();
        assert_eq!(
            l.add_context(br#"{"set":{"nope":true}}"#).unwrap_err(),
            "`nope` is not a signal or feature of this policy; its signals and features are `signed_in`, \
             `stats_switch`"
        );
        assert_eq!(
            l.add_context(br#"{"region":"de"}"#).unwrap_err(),
            "`de` is not a region of this policy; did you mean `DE`?"
        );
        assert!(l.add_context(br#"{"set":{"signed_in":1}}"#).unwrap_err().contains("true or false"));
        assert_eq!(l.add_context(b"{}").unwrap(), l.add_context(br#"{"set":{},"region":null}"#).unwrap());
    }

    /// A batch as `decideMany` writes it: the count, each URL's length in UTF-16 units, then the bytes.
    fn batch_of(urls: &[&[u8]]) -> Vec<u8> {
        let mut batch = Vec::new();
        put(&mut batch, urls.len() as u32);
        for u in urls {
            put(&mut batch, String::from_utf8_lossy(u).encode_utf16().count() as u32);
        }
        for u in urls {
            batch.extend_from_slice(u);
        }
        batch
    }

    #[test]
    fn a_batch_is_cut_by_utf16_lengths() {
        let text = "ab\u{e4}\u{1F600}c".as_bytes();
        assert_eq!(take_units(text, 0), Some((&b""[..], text)));
        assert_eq!(take_units(text, 3).map(|(a, _)| a), Some("ab\u{e4}".as_bytes()));
        assert_eq!(take_units(text, 5).map(|(a, _)| a), Some("ab\u{e4}\u{1F600}".as_bytes()));
        assert_eq!(take_units(text, 4), None, "inside the pair of one character");
        assert_eq!(take_units(text, 7), None, "past the end");
        assert_eq!(take_units(text, 6), Some((text, &b""[..])));
        // Bad bytes count as from_utf8_lossy reads them: one unit per invalid sequence.
        let bad = b"a\xff\xe2\x82b\xf0\x9f";
        assert_eq!(String::from_utf8_lossy(bad).encode_utf16().count(), 5);
        assert_eq!(take_units(bad, 3).map(|(a, _)| a), Some(&b"a\xff\xe2\x82"[..]));
        assert_eq!(take_units(bad, 5), Some((&bad[..], &b""[..])));
    }

    /// The answers of single calls, as a batch lays them out: per URL its code, then its record if one follows.
    fn one_by_one(urls: &[&[u8]], cx: &Context) -> Vec<u8> {
        let mut l = Loaded::new(DEMO).unwrap();
        let mut out = Vec::new();
        for u in urls {
            let at = out.len();
            put(&mut out, 0);
            let code = l.decide_into(u, cx, &mut out);
            out[at..at + 4].copy_from_slice(&code.to_le_bytes());
        }
        out
    }

    #[test]
    fn a_batch_gives_one_answer_per_url_and_refuses_a_truncated_one() {
        let mut l = Loaded::new(DEMO).unwrap();
        let cx = l.matcher().context();
        let urls: [&[u8]; 3] = [b"https://shop.example/cart", b"nope", b"https://www.shop.example/"];
        let batch = batch_of(&urls);
        let mut a = Vec::new();
        assert!(l.decide_many_into(&batch, &cx, &mut a));
        let b = one_by_one(&urls, &cx);
        assert_eq!(a, b);
        assert_eq!(words(&a)[0], FIRST_ID | NEW);
        assert_eq!(*words(&a).last().unwrap(), FIRST_ID, "the third URL's decision is the first's");
        let mut l = Loaded::new(DEMO).unwrap();
        let mut c = Vec::new();
        assert!(!l.decide_many_into(&batch[..batch.len() - 1], &cx, &mut c));
        // The truncated batch still answers the URLs that were complete...
        assert_eq!(c, b[..c.len()]);
        // ...but the caller is told the batch failed and never reads them, so their ids are forgotten and the
        // next answer carries its record again.
        let mut d = Vec::new();
        assert_eq!(l.decide_into(b"https://shop.example/cart", &cx, &mut d), FIRST_ID | NEW);
    }

    /// A batch longer than a group of the batch decision, with URLs that are not UTF-8 among the others, gives
    /// the answers one call per URL gives, in order.
    #[test]
    fn a_long_batch_with_bad_bytes_answers_each_url_in_place() {
        let mut l = Loaded::new(DEMO).unwrap();
        let cx = l.matcher().context();
        let forms: [&[u8]; 8] = [
            b"https://shop.example/cart",
            b"https://www.shop.example/",
            b"https://store.example/p/1",
            b"https://\xff.example/",
            b"ftp://shop.example/",
            b"https://books.co.uk/",
            "https://b\u{fc}cher.example/\u{1F600}".as_bytes(),
            b"https://shop.example/\xe2\x82",
        ];
        let urls: Vec<&[u8]> = (0..50).map(|i| forms[(i * 7) % forms.len()]).collect();
        let mut many = Vec::new();
        assert!(l.decide_many_into(&batch_of(&urls), &cx, &mut many));
        assert_eq!(many, one_by_one(&urls, &cx));
        assert!(String::from_utf8_lossy(&many).contains(NOT_UTF8));
    }

    #[test]
    fn sources_are_decided_per_state_and_named_at_load() {
        let mut l = Loaded::new(DEMO).unwrap();
        let info: Value = serde_json::from_slice(&l.info_json()).unwrap();
        assert_eq!(info["sources"], json!(["device", "account", "partners"]));
        let de = l.add_context(br#"{"set":{"signed_in":true},"region":"DE"}"#).unwrap();
        let report: Value = serde_json::from_slice(&l.sources_json(l.context(de).unwrap())).unwrap();
        assert_eq!(report["collect"], json!(["install_id", "purchases"]));
        assert_eq!(report["linked"], json!(["purchases"]));
        // The event of a context plays no part: the JavaScript side refuses one, and the answer would not change.
        let click = l.add_context(br#"{"set":{"signed_in":true},"region":"DE","event":"offer_click"}"#).unwrap();
        assert_ne!(click, de);
        assert_eq!(l.sources_json(l.context(click).unwrap()), l.sources_json(l.context(de).unwrap()));
        let us = l.add_context(br#"{"set":{"signed_in":true},"region":"US"}"#).unwrap();
        let report: Value = serde_json::from_slice(&l.sources_json(l.context(us).unwrap())).unwrap();
        assert_eq!(report["collect"], json!(["install_id"]));
    }

    #[test]
    fn a_bad_artifact_is_an_error_not_a_trap() {
        let mut bytes = DEMO.to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(Loaded::new(&bytes).err().unwrap().to_string().contains("checksum"));
        assert!(Loaded::new(b"").is_err());
    }
}
