//! A compact, read-in-place hash index from host names to small values.
//!
//! Plain domain lists are where a DFA does not scale: a dense DFA with one pattern per domain took 233 MB and
//! was 7x slower than a hashed suffix lookup at 100k domains (`../shared/notes/matcher-performance.md`). A
//! host's suffixes are few (one per label), so the matcher looks each of them up here instead.
//!
//! Layout (all little-endian, read through `from_le_bytes`, so the bytes need no alignment and are used in
//! place, without copying, straight out of the artifact):
//!
//! - `strings`: the keys, concatenated, sorted;
//! - `entries`: per key, `u32` offset into `strings` and `u32` (`len << 24 | value`);
//! - `slots`: open addressing with linear probing, `u32` per slot: 0 for empty, otherwise
//!   `tag << 24 | (entry + 1)`, where `tag` is 8 more bits of the hash that spare most string comparisons.
//!
//! The load factor is at most one half, so a miss probes about 1.5 slots on average. Building sorts the keys
//! and fills slots in key order, so the same keys always give the same bytes.

/// Largest number of keys (entry numbers must fit in 24 bits, next to the tag).
pub const MAX_KEYS: usize = (1 << 24) - 2;
/// Largest value (24 bits).
pub const MAX_VALUE: u32 = (1 << 24) - 1;

/// A stable 64-bit hash of a byte string: the same on every platform and in every build, because the index is
/// written on one machine and read on another.
#[inline]
pub fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    // Final avalanche (from splitmix64), so that both the slot (high product bits) and the tag are well mixed.
    h ^= h >> 31;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 29)
}

#[inline]
fn slot_of(h: u64, cap: usize) -> usize {
    ((u128::from(h) * cap as u128) >> 64) as usize
}

#[inline]
fn tag_of(h: u64) -> u32 {
    (h & 0xff) as u32
}

/// The three byte arrays of an index, ready to be written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexBytes {
    pub strings: Vec<u8>,
    pub entries: Vec<u8>,
    pub slots: Vec<u8>,
}

/// Builds an index. Keys must be unique, at most 255 bytes long; values at most [`MAX_VALUE`].
pub fn build(mut items: Vec<(&str, u32)>) -> IndexBytes {
    assert!(items.len() <= MAX_KEYS, "the compiler limits the number of keys");
    items.sort_unstable();
    let cap = (items.len() * 2).max(1) + 1;
    let mut slots = vec![0u32; cap];
    let mut strings = Vec::new();
    let mut entries = Vec::with_capacity(items.len() * 8);
    for (i, (key, value)) in items.iter().enumerate() {
        debug_assert!(key.len() <= 255 && *value <= MAX_VALUE);
        entries.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        entries.extend_from_slice(&(((key.len() as u32) << 24) | value).to_le_bytes());
        strings.extend_from_slice(key.as_bytes());
        let h = hash(key.as_bytes());
        let mut s = slot_of(h, cap);
        while slots[s] != 0 {
            s = if s + 1 == cap { 0 } else { s + 1 };
        }
        slots[s] = (tag_of(h) << 24) | (i as u32 + 1);
    }
    IndexBytes { strings, entries, slots: slots.iter().flat_map(|s| s.to_le_bytes()).collect() }
}

/// A validated index over borrowed bytes.
#[derive(Clone, Copy, Debug)]
pub struct Index<'a> {
    strings: &'a [u8],
    entries: &'a [u8],
    slots: &'a [u8],
    cap: usize,
}

#[inline]
fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i * 4..i * 4 + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Index<'a> {
    /// Checks every entry and slot, so that lookups stay in bounds and always terminate. `max_value` bounds
    /// the values (they index tables of the artifact).
    pub fn new(strings: &'a [u8], entries: &'a [u8], slots: &'a [u8], max_value: u32) -> Result<Self, String> {
        if entries.len() % 8 != 0 || slots.len() % 4 != 0 || slots.is_empty() {
            return Err("index sections have impossible sizes".into());
        }
        let n = entries.len() / 8;
        let cap = slots.len() / 4;
        if n >= cap {
            return Err("index has no empty slot".into());
        }
        for i in 0..n {
            let off = u32_at(entries, 2 * i).unwrap_or(0) as usize;
            let lv = u32_at(entries, 2 * i + 1).unwrap_or(0);
            let (len, value) = ((lv >> 24) as usize, lv & MAX_VALUE);
            if off + len > strings.len() || value > max_value {
                return Err(format!("index entry {i} points outside its tables"));
            }
        }
        let mut used = 0;
        for s in 0..cap {
            let v = u32_at(slots, s).unwrap_or(0);
            if v != 0 {
                used += 1;
                let e = (v & 0x00ff_ffff) as usize;
                if e == 0 || e > n {
                    return Err(format!("index slot {s} names a missing entry"));
                }
            }
        }
        if used != n {
            return Err("index slots and entries disagree".into());
        }
        Ok(Index { strings, entries, slots, cap })
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len() / 8
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        let h = hash(key);
        let tag = tag_of(h);
        let mut s = slot_of(h, self.cap);
        // Validation guarantees an empty slot, so the probe ends; the bound is belt and braces.
        for _ in 0..self.cap {
            let v = u32_at(self.slots, s)?;
            if v == 0 {
                return None;
            }
            if v >> 24 == tag {
                let e = (v & 0x00ff_ffff) as usize - 1;
                let off = u32_at(self.entries, 2 * e)? as usize;
                let lv = u32_at(self.entries, 2 * e + 1)?;
                let len = (lv >> 24) as usize;
                if self.strings.get(off..off + len) == Some(key) {
                    return Some(lv & MAX_VALUE);
                }
            }
            s = if s + 1 == self.cap { 0 } else { s + 1 };
        }
        None
    }

    /// Every (key, value) pair, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, u32)> + '_ {
        (0..self.len()).filter_map(move |e| {
            let off = u32_at(self.entries, 2 * e)? as usize;
            let lv = u32_at(self.entries, 2 * e + 1)?;
            let s = self.strings.get(off..off + (lv >> 24) as usize)?;
            Some((std::str::from_utf8(s).ok()?, lv & MAX_VALUE))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let keys: Vec<String> = (0..5000).map(|i| format!("shop{i}.example")).collect();
        let items: Vec<(&str, u32)> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32 % 7)).collect();
        let b = build(items);
        let idx = Index::new(&b.strings, &b.entries, &b.slots, 6).unwrap();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k.as_bytes()), Some(i as u32 % 7));
        }
        assert_eq!(idx.get(b"shop5000.example"), None);
        assert_eq!(idx.get(b"hop1.example"), None);
        assert_eq!(idx.get(b""), None);
        assert_eq!(idx.iter().count(), 5000);
    }

    #[test]
    fn empty_index_answers_none() {
        let b = build(Vec::new());
        let idx = Index::new(&b.strings, &b.entries, &b.slots, 0).unwrap();
        assert_eq!(idx.get(b"a.com"), None);
    }

    #[test]
    fn same_keys_same_bytes() {
        assert_eq!(build(vec![("b.com", 1), ("a.com", 2)]), build(vec![("a.com", 2), ("b.com", 1)]));
    }
}
