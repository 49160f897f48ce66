//! A compact, read-in-place hash index from host names to small values.
//!
//! Plain domain lists are where a DFA does not scale: a dense DFA with one pattern per domain took 233 MB and
//! was 7x slower than a hashed suffix lookup at 100k domains (`../shared/notes/matcher-performance.md`). A
//! host's suffixes are few (one per label), so the matcher looks each of them up here instead.
//!
//! Layout (all little-endian, read through `from_le_bytes`, so the bytes need no alignment and are used in
//! place, without copying, straight out of the artifact):
//!
//! - `strings`: the keys, concatenated in sorted order;
//! - `slots`: open addressing with linear probing, 8 bytes per slot: `u32` offset into `strings`, `u8` key
//!   length (0 for an empty slot), `u8` tag (8 more bits of the hash, which spare most string comparisons),
//!   `u16` value.
//!
//! A probe touches one slot and, when the tag matches, the key's bytes: two dependent memory accesses, which is
//! what decides the speed once the table is larger than the caches. The load factor is at most one half, so a
//! miss probes about 1.5 slots on average. Building sorts the keys and fills slots in key order, so the same
//! keys always give the same bytes.

/// Largest number of keys.
pub const MAX_KEYS: usize = (u32::MAX / 4) as usize;
/// Largest value.
pub const MAX_VALUE: u32 = u16::MAX as u32;
/// Bytes per slot.
const SLOT: usize = 8;

/// A stable 64-bit hash of a byte string: the same on every platform and in every build, because the index is
/// written on one machine and read on another.
#[inline]
pub fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = key.len() as u64;
    // Eight bytes at a time, the last chunk padded with zeros.
    for c in key.chunks(8) {
        let mut buf = [0u8; 8];
        for (b, x) in buf.iter_mut().zip(c) {
            *b = *x;
        }
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
fn tag_of(h: u64) -> u8 {
    h as u8
}

/// The two byte arrays of an index, ready to be written.
#[cfg(feature = "write")]
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexBytes {
    pub strings: Vec<u8>,
    pub slots: Vec<u8>,
}

/// Builds an index. Keys must be unique, 1 to 255 bytes long; values at most [`MAX_VALUE`].
#[cfg(feature = "write")]
#[allow(clippy::indexing_slicing, clippy::panic)] // The compiler validates keys first; the slots are sized here.
pub fn build(mut items: Vec<(&str, u32)>) -> IndexBytes {
    assert!(items.len() <= MAX_KEYS, "the compiler limits the number of keys");
    items.sort_unstable();
    let cap = items.len() * 2 + 1;
    let mut slots = vec![0u8; cap * SLOT];
    let mut strings = Vec::new();
    for (key, value) in &items {
        assert!(!key.is_empty() && key.len() <= 255 && *value <= MAX_VALUE, "the compiler validates keys");
        let h = hash(key.as_bytes());
        let mut s = slot_of(h, cap);
        while slots[s * SLOT + 4] != 0 {
            s = if s + 1 == cap { 0 } else { s + 1 };
        }
        let slot = &mut slots[s * SLOT..(s + 1) * SLOT];
        slot[..4].copy_from_slice(&(strings.len() as u32).to_le_bytes());
        slot[4] = key.len() as u8;
        slot[5] = tag_of(h);
        slot[6..8].copy_from_slice(&(*value as u16).to_le_bytes());
        strings.extend_from_slice(key.as_bytes());
    }
    IndexBytes { strings, slots }
}

/// A validated index over borrowed bytes.
#[derive(Clone, Copy, Debug)]
pub struct Index<'a> {
    strings: &'a [u8],
    slots: &'a [u8],
    cap: usize,
    len: usize,
}

/// One slot's fields: (offset, length, tag, value).
#[inline]
fn slot_at(slots: &[u8], s: usize) -> Option<(usize, usize, u8, u32)> {
    let &[o0, o1, o2, o3, len, tag, v0, v1] = slots.get(s * SLOT..s * SLOT + SLOT)? else { return None };
    Some((u32::from_le_bytes([o0, o1, o2, o3]) as usize, len as usize, tag, u32::from(u16::from_le_bytes([v0, v1]))))
}

impl<'a> Index<'a> {
    /// Checks every slot, so that lookups stay in bounds and always terminate. `max_value` bounds the values
    /// (they index tables of the artifact).
    pub fn new(strings: &'a [u8], slots: &'a [u8], max_value: u32) -> Result<Self, String> {
        if slots.len() % SLOT != 0 || slots.is_empty() {
            return Err("index slots have an impossible size".into());
        }
        let cap = slots.len() / SLOT;
        let mut len = 0;
        for s in 0..cap {
            let (offset, klen, _, value) = slot_at(slots, s).ok_or("index slot out of range")?;
            if klen == 0 {
                continue;
            }
            len += 1;
            if offset.checked_add(klen).is_none_or(|end| end > strings.len()) || value > max_value {
                return Err(format!("index slot {s} points outside its tables"));
            }
        }
        if len >= cap {
            return Err("index has no empty slot".into());
        }
        Ok(Index { strings, slots, cap, len })
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        let h = hash(key);
        let tag = tag_of(h);
        let mut s = slot_of(h, self.cap);
        // Validation guarantees an empty slot, so the probe ends; the bound is belt and braces.
        for _ in 0..self.cap {
            let (offset, klen, t, value) = slot_at(self.slots, s)?;
            if klen == 0 {
                return None;
            }
            if t == tag && klen == key.len() && self.strings.get(offset..offset + klen) == Some(key) {
                return Some(value);
            }
            s = if s + 1 == self.cap { 0 } else { s + 1 };
        }
        None
    }

    /// Every (key, value) pair, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, u32)> + '_ {
        (0..self.cap).filter_map(move |s| {
            let (offset, klen, _, value) = slot_at(self.slots, s)?;
            if klen == 0 {
                return None;
            }
            Some((std::str::from_utf8(self.strings.get(offset..offset + klen)?).ok()?, value))
        })
    }
}

#[cfg(all(test, feature = "write"))]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let keys: Vec<String> = (0..5000).map(|i| format!("shop{i}.example")).collect();
        let items: Vec<(&str, u32)> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32 % 7)).collect();
        let b = build(items);
        let idx = Index::new(&b.strings, &b.slots, 6).unwrap();
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
        let idx = Index::new(&b.strings, &b.slots, 0).unwrap();
        assert_eq!(idx.get(b"a.com"), None);
    }

    #[test]
    fn same_keys_same_bytes() {
        assert_eq!(build(vec![("b.com", 1), ("a.com", 2)]), build(vec![("a.com", 2), ("b.com", 1)]));
    }
}
