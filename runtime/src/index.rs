//! A compact, read-in-place hash index from host names to small values, one cache line per probe.
//!
//! Plain domain lists are where a DFA does not scale: a dense DFA with one pattern per domain took 233 MB and
//! was 7x slower than a hashed suffix lookup at 100k domains (`../shared/notes/matcher-performance.md`). Once a
//! list is larger than the caches, what a lookup costs is the number of memory accesses it makes (one miss costs
//! 170 to 270 ns on our machines, more than everything else a decision does). So this index keeps each key next
//! to its value, in 64-byte buckets: a probe reads one bucket, compares the keys in it and answers, and only a
//! bucket that overflowed sends the probe on to the next one. (Format 1 kept 8-byte slots and the keys in a
//! separate blob, which cost a second access, to another cache line, for every hit.)
//!
//! Layout (all little-endian; the bytes need no alignment and are used in place, straight out of the
//! artifact):
//!
//! - `buckets`: `n` buckets of [`BUCKET`] bytes. Byte 0 holds the number of entries (bits 0 to 3) and the reach
//!   (bits 4 to 7: how many buckets past this one the farthest key whose home this bucket is sits). Entries
//!   follow from byte 1, packed: `u8` key length,
//!   `u16` value, the key's bytes. A key longer than [`MAX_INLINE`] is stored as a long entry instead: length
//!   byte 0, `u16` value, `u32` offset and `u8` length into `strings`.
//! - `strings`: the bytes of the long keys, concatenated.
//!
//! A key's home bucket comes from a stable hash. The builder places keys by home bucket and then key order, each
//! in the first bucket from its home with room, and fills buckets to about 60% on average (see `FILL_PERCENT`),
//! so the same keys always give the same bytes and an average domain takes about 28 bytes. The first byte of a
//! bucket also says how far past it the farthest key whose home it is sits (its reach, at most 15), so a lookup
//! that misses reads only that many more buckets.

/// Largest number of keys.
pub const MAX_KEYS: usize = (u32::MAX / 4) as usize;
/// Largest value.
pub const MAX_VALUE: u32 = u16::MAX as u32;
/// Bytes per bucket: one cache line.
pub const BUCKET: usize = 64;
/// Longest key stored in its bucket; longer keys go to `strings`.
pub const MAX_INLINE: usize = BUCKET - 4;
/// Bytes of a long entry in a bucket.
const LONG_ENTRY: usize = 8;
/// The entry count in a bucket's first byte (at most 15: the smallest entry takes 4 bytes).
const COUNT: u8 = 0x0f;
/// The first byte's high four bits: how many buckets past this one the farthest key whose home this is sits.
const REACH_SHIFT: u8 = 4;
/// Largest reach.
#[cfg(feature = "write")]
const MAX_REACH: usize = 15;
/// Longest key at all (host names are at most 253 bytes).
pub const MAX_KEY: usize = 255;

/// A stable 64-bit hash of a byte string: the same on every platform and in every build, because the index is
/// written on one machine and read on another.
#[inline]
pub fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = key.len() as u64;
    // Eight bytes at a time as one little-endian word, the last chunk padded with zeros. The words are read
    // whole and the tail assembled by shifts, rather than copied into a buffer: in WebAssembly a copy becomes a
    // call to a byte-by-byte `memcpy`, which made hashing the larger part of a lookup.
    let mut words = key.chunks_exact(8);
    for c in &mut words {
        let word: [u8; 8] = c.try_into().unwrap_or_default();
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let word = tail.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b));
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    // Final avalanche (from splitmix64), so that the high product bits that pick the bucket are well mixed.
    h ^= h >> 31;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 29)
}

/// Whether two keys are equal, compared eight bytes at a time. A key is a host name, short, and the lengths
/// usually differ already; `==` on slices would call `memcmp`, which in WebAssembly is a byte-by-byte loop.
#[inline]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        let word = |c: &[u8]| c.try_into().map_or(0, u64::from_ne_bytes);
        if word(p) != word(q) {
            return false;
        }
    }
    // The last few bytes as one word each, assembled by shifts (as in `hash`), so that no call is made.
    let tail = |t: &[u8]| t.iter().fold(0u64, |w, &c| w << 8 | u64::from(c));
    tail(x.remainder()) == tail(y.remainder())
}

/// The home bucket of a hash among `n`.
#[inline]
fn bucket_of(h: u64, n: usize) -> usize {
    // The high word of the 128-bit product `h * n`, from 32-bit halves: exactly `(h as u128 * n as u128) >> 64`,
    // but without the 128-bit multiplication, which WebAssembly has no instruction for (it becomes a call).
    let n = n as u64;
    let (h_hi, h_lo) = (h >> 32, h & 0xFFFF_FFFF);
    let (n_hi, n_lo) = (n >> 32, n & 0xFFFF_FFFF);
    let lo_lo = h_lo * n_lo;
    let hi_lo = h_hi * n_lo;
    let lo_hi = h_lo * n_hi;
    let hi_hi = h_hi * n_hi;
    let mid = (lo_lo >> 32) + (hi_lo & 0xFFFF_FFFF) + (lo_hi & 0xFFFF_FFFF);
    (hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (mid >> 32)) as usize
}

/// The bytes an entry for a key of `len` bytes takes in its bucket.
#[cfg(feature = "write")]
fn entry_len(len: usize) -> usize {
    if len > MAX_INLINE {
        LONG_ENTRY
    } else {
        3 + len
    }
}

/// The two byte arrays of an index, ready to be written.
#[cfg(feature = "write")]
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexBytes {
    pub strings: Vec<u8>,
    pub slots: Vec<u8>,
}

/// Builds an index. Keys must be unique, 1 to [`MAX_KEY`] bytes long; values at most [`MAX_VALUE`].
#[cfg(feature = "write")]
#[allow(clippy::indexing_slicing, clippy::panic)] // The compiler validates keys first; the buckets are sized here.
pub fn build(items: Vec<(&str, u32)>) -> IndexBytes {
    build_filled(items, FILL_PERCENT)
}

/// How full buckets are on average. Measured on 200,000 synthetic domains (5 to 14 letters under 12 suffixes):
/// at 60% a key takes 27.9 bytes and a probe reads 1.22 buckets for a hit and 1.27 for a miss; at 70%, 23.9
/// bytes and 1.43 and 1.52; at 85%, 19.7 bytes and 2.7 and 2.9. A second bucket is the next cache line, which
/// the hardware often has fetched already, but a third costs a miss: 60% keeps nearly every probe at one.
#[cfg(feature = "write")]
const FILL_PERCENT: usize = 60;

#[doc(hidden)]
#[cfg(feature = "write")]
#[allow(clippy::indexing_slicing, clippy::panic)]
pub fn build_filled(mut items: Vec<(&str, u32)>, fill: usize) -> IndexBytes {
    assert!(items.len() <= MAX_KEYS, "the compiler limits the number of keys");
    items.sort_unstable();
    let payload: usize = items.iter().map(|(k, _)| entry_len(k.len())).sum();
    // At least one bucket; more when some key would sit too far from home.
    let mut n = payload * 100 / ((BUCKET - 1) * fill) + 1;
    loop {
        if let Some(bytes) = try_build(&items, n) {
            return bytes;
        }
        n += n / 16 + 1;
    }
}

/// Places every key, or gives up (`None`) when some key would sit too far from its home bucket.
#[cfg(feature = "write")]
#[allow(clippy::indexing_slicing, clippy::panic)]
fn try_build(items: &[(&str, u32)], n: usize) -> Option<IndexBytes> {
    let mut buckets = vec![0u8; n * BUCKET];
    let mut used = vec![1usize; n];
    let mut strings = Vec::new();
    // Keys go in by home bucket (then by key, for determinism), so that each bucket's own keys come before
    // the keys that overflow into it from earlier buckets: this keeps most keys at home.
    let mut placed: Vec<(usize, &str, u32)> =
        items.iter().map(|(k, v)| (bucket_of(hash(k.as_bytes()), n), *k, *v)).collect();
    placed.sort_unstable();
    for (home, key, value) in placed {
        assert!(!key.is_empty() && key.len() <= MAX_KEY && value <= MAX_VALUE, "the compiler validates keys");
        let need = entry_len(key.len());
        let mut reach = 0;
        let mut b = home;
        while used[b] + need > BUCKET || buckets[b * BUCKET] & COUNT == COUNT {
            reach += 1;
            if reach > MAX_REACH {
                return None;
            }
            b = if b + 1 == n { 0 } else { b + 1 };
        }
        let at = b * BUCKET + used[b];
        let v = (value as u16).to_le_bytes();
        if key.len() > MAX_INLINE {
            buckets[at] = 0;
            buckets[at + 1..at + 3].copy_from_slice(&v);
            buckets[at + 3..at + 7].copy_from_slice(&(strings.len() as u32).to_le_bytes());
            buckets[at + 7] = key.len() as u8;
            strings.extend_from_slice(key.as_bytes());
        } else {
            buckets[at] = key.len() as u8;
            buckets[at + 1..at + 3].copy_from_slice(&v);
            buckets[at + 3..at + 3 + key.len()].copy_from_slice(key.as_bytes());
        }
        used[b] += need;
        buckets[b * BUCKET] += 1;
        let head = &mut buckets[home * BUCKET];
        let old_reach = usize::from(*head >> REACH_SHIFT);
        if reach > old_reach {
            *head = (*head & COUNT) | ((reach as u8) << REACH_SHIFT);
        }
    }
    Some(IndexBytes { strings, slots: buckets })
}

/// A validated index over borrowed bytes.
#[derive(Clone, Copy, Debug)]
pub struct Index<'a> {
    strings: &'a [u8],
    buckets: &'a [u8],
    n: usize,
    len: usize,
    max_key: usize,
    /// Bit `i` is set when some key is `i` bytes long (bit 63: 63 bytes or more). A probe for a length no key
    /// has reads nothing: small indexes (the `name.*` labels) are asked about every label of every host, and
    /// most labels have a length none of their keys has.
    lengths: u64,
}

/// One entry of a bucket: its key bytes (from the bucket or from `strings`) and value, and where the next
/// entry starts. `None` when the entry does not fit the bucket or points outside `strings`.
#[inline]
fn entry_at<'a>(bucket: &'a [u8], strings: &'a [u8], at: usize) -> Option<(&'a [u8], u32, usize)> {
    let &[len, v0, v1] = bucket.get(at..at + 3)? else { return None };
    let value = u32::from(u16::from_le_bytes([v0, v1]));
    if len == 0 {
        let &[o0, o1, o2, o3, l] = bucket.get(at + 3..at + LONG_ENTRY)? else { return None };
        let offset = u32::from_le_bytes([o0, o1, o2, o3]) as usize;
        let key = strings.get(offset..offset.checked_add(usize::from(l))?)?;
        Some((key, value, at + LONG_ENTRY))
    } else {
        let end = at + 3 + usize::from(len);
        Some((bucket.get(at + 3..end)?, value, end))
    }
}

/// The bit of [`Index::lengths`] for keys of `len` bytes.
#[inline]
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl<'a> Index<'a> {
    /// Checks every bucket, so that lookups stay in bounds and always end. `valid` says which values may occur
    /// (they index tables of the artifact).
    pub fn new(strings: &'a [u8], buckets: &'a [u8], valid: impl Fn(u32) -> bool) -> Result<Self, String> {
        if buckets.len() % BUCKET != 0 || buckets.is_empty() {
            return Err("index buckets have an impossible size".into());
        }
        let n = buckets.len() / BUCKET;
        let (mut len, mut max_key, mut lengths) = (0, 0, 0u64);
        for (b, bucket) in buckets.chunks_exact(BUCKET).enumerate() {
            let head = bucket.first().copied().unwrap_or(0);
            let mut at = 1;
            for _ in 0..head & COUNT {
                let (key, value, next) =
                    entry_at(bucket, strings, at).ok_or_else(|| format!("index bucket {b} runs past its end"))?;
                if key.is_empty() || key.len() > MAX_KEY {
                    return Err(format!("index bucket {b} holds an empty or overlong key"));
                }
                if !valid(value) {
                    return Err(format!("index bucket {b} holds a value outside its table (a missing class or flag)"));
                }
                max_key = max_key.max(key.len());
                lengths |= length_bit(key.len());
                len += 1;
                at = next;
            }
        }
        Ok(Index { strings, buckets, n, len, max_key, lengths })
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The length of the longest key: no longer string can be in the index, so it is not even hashed.
    pub fn max_key_len(&self) -> usize {
        self.max_key
    }

    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        self.get_counting(key, &mut 0)
    }

    /// [`Index::get`], adding the number of buckets read to `buckets_read`: what a lookup costs once the index
    /// is larger than the caches.
    #[inline]
    pub fn get_counting(&self, key: &[u8], buckets_read: &mut usize) -> Option<u32> {
        let home = self.home_bucket(key)?;
        self.get_at(key, home, buckets_read)
    }

    /// [`Index::get_counting`] with the key's home bucket already computed by [`Index::home_bucket`]: the batch
    /// decision computes it once, to touch the bucket ahead of the probe. A `home` that is not the key's makes
    /// the lookup miss.
    #[inline]
    pub(crate) fn get_at(&self, key: &[u8], home: usize, buckets_read: &mut usize) -> Option<u32> {
        // A key sits at most `reach` buckets past its home (the home bucket's high bits say how far the farthest
        // does), so a miss reads `reach + 1` buckets and no more, however full the neighbours are.
        let reach = self.buckets.get(home * BUCKET).map_or(0, |h| usize::from(h >> REACH_SHIFT));
        let mut b = home;
        for _ in 0..=reach.min(self.n - 1) {
            *buckets_read += 1;
            let bucket = self.buckets.get(b * BUCKET..b * BUCKET + BUCKET)?;
            let head = *bucket.first()?;
            let mut at = 1;
            for _ in 0..head & COUNT {
                let (k, value, next) = entry_at(bucket, self.strings, at)?;
                if same_key(k, key) {
                    return Some(value);
                }
                at = next;
            }
            b = if b + 1 == self.n { 0 } else { b + 1 };
        }
        None
    }

    /// The bucket a probe for `key` reads first (its home), or `None` when the probe would read nothing (a key
    /// of a length no key has, which includes the empty key and any longer than every key). [`Index::touch`]
    /// reads it ahead of the probe.
    #[inline]
    pub(crate) fn home_bucket(&self, key: &[u8]) -> Option<usize> {
        if key.len() > self.max_key || self.lengths & length_bit(key.len()) == 0 {
            return None;
        }
        Some(bucket_of(hash(key), self.n))
    }

    /// Reads the first byte of bucket `b` (from [`Index::home_bucket`]), which brings the bucket's cache line
    /// in, and returns it so that the caller can hand it to [`std::hint::black_box`] (a load whose value is
    /// never used is removed). Issued for several keys back to back, the loads wait for memory together
    /// instead of one after another; see `Matcher::decide_each`. An out-of-range `b` reads nothing.
    #[inline]
    pub(crate) fn touch(&self, b: usize) -> u8 {
        self.buckets.get(b.saturating_mul(BUCKET)).copied().unwrap_or(0)
    }

    /// Every (key, value) pair, in bucket order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, u32)> + '_ {
        let strings = self.strings;
        self.buckets.chunks_exact(BUCKET).flat_map(move |bucket| {
            let head = bucket.first().copied().unwrap_or(0);
            let mut at = 1;
            (0..head & COUNT).filter_map(move |_| {
                let (key, value, next) = entry_at(bucket, strings, at)?;
                at = next;
                Some((std::str::from_utf8(key).ok()?, value))
            })
        })
    }
}

#[cfg(test)]
mod key_tests {
    use super::same_key;

    /// The word-wise comparison agrees with `==` for every pair of short strings differing anywhere, and for
    /// every length around the eight-byte words.
    #[test]
    fn same_key_is_byte_equality() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_key(&a, &a.clone()));
            for i in 0..len {
                let mut b = a.clone();
                b[i] ^= 1;
                assert!(!same_key(&a, &b), "{len} {i}");
            }
            let mut longer = a.clone();
            longer.push(0);
            assert!(!same_key(&a, &longer), "a trailing zero byte is not padding");
        }
    }
}

#[cfg(test)]
mod hash_tests {
    /// The hash is part of the format: an artifact written by one build is read by another. These values were
    /// computed by the first implementation; any change to them is a format change.
    #[test]
    fn the_hash_is_the_format_s() {
        for (key, h) in [
            ("", 0x0000_0000_0000_0000_u64),
            ("a", 0xc7b1_dff3_3b17_d934),
            ("abcdefgh", 0xf551_7746_4a79_f38a),
            ("example.com", 0x7803_2638_73c3_4e9e),
            ("www.shop.example.co.uk", 0x67b1_d898_b7cf_0da1),
        ] {
            assert_eq!(super::hash(key.as_bytes()), h, "{key:?}");
        }
    }

    /// The bucket is the high word of `hash * n`, computed without 128-bit arithmetic; it must be exactly that.
    #[test]
    fn the_bucket_is_the_high_word_of_the_product() {
        let mut h = 0x9e37_79b9_7f4a_7c15_u64;
        for n in [1usize, 2, 3, 1000, 65_535, 1 << 20, 1_234_567, u32::MAX as usize, usize::MAX] {
            for _ in 0..1000 {
                h = h.rotate_left(7).wrapping_mul(0xff51_afd7_ed55_8ccd) ^ 0x1234;
                let want = ((u128::from(h) * n as u128) >> 64) as usize;
                assert_eq!(super::bucket_of(h, n), want, "{h:#x} * {n}");
                assert!(super::bucket_of(h, n) < n);
            }
            assert_eq!(super::bucket_of(u64::MAX, n), ((u128::from(u64::MAX) * n as u128) >> 64) as usize);
        }
    }
}

#[cfg(all(test, feature = "write"))]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let mut keys: Vec<String> = (0..5000).map(|i| format!("shop{i}.example")).collect();
        keys.push(format!("{}.example", "long-label-".repeat(12))); // a long key, stored out of line
        let items: Vec<(&str, u32)> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32 % 7)).collect();
        let b = build(items);
        let idx = Index::new(&b.strings, &b.slots, |v| v <= 6).unwrap();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k.as_bytes()), Some(i as u32 % 7), "{k}");
        }
        assert_eq!(idx.get(b"shop5000.example"), None);
        assert_eq!(idx.get(b"hop1.example"), None);
        assert_eq!(idx.get(b""), None);
        assert_eq!(idx.iter().count(), keys.len());
        assert_eq!(idx.max_key_len(), keys.last().unwrap().len());
        // A key of 15 bytes takes about 30 (its entry is 18, buckets are 60% full), and most probes read one
        // bucket.
        let per_key = (b.slots.len() + b.strings.len()) as f64 / keys.len() as f64;
        assert!(per_key < 34.0, "{per_key} bytes per key");
        let mut read = 0;
        for k in &keys {
            idx.get_counting(k.as_bytes(), &mut read);
        }
        assert!((read as f64 / keys.len() as f64) < 1.5, "{read} buckets read for {} keys", keys.len());
    }

    #[test]
    fn a_probe_of_a_length_no_key_has_reads_nothing() {
        let long = "x".repeat(70);
        let b = build(vec![("ebay", 0), ("amazon", 1), (long.as_str(), 2)]);
        let idx = Index::new(&b.strings, &b.slots, |v| v <= 2).unwrap();
        let read = |key: &[u8]| {
            let mut read = 0;
            let found = idx.get_counting(key, &mut read);
            (found, read)
        };
        assert_eq!(read(b"ebay"), (Some(0), 1));
        assert_eq!(read(long.as_bytes()), (Some(2), 1));
        // Lengths no key has: nothing is read.
        for key in [&b""[..], b"www", b"shop.example", &[b'x'; 71][..]] {
            assert_eq!(read(key), (None, 0), "{key:?}");
        }
        // A length some key has is probed, and misses.
        assert_eq!(read(b"ebey").0, None);
        assert_eq!(read(b"ebey").1, 1);
        // Keys of 63 bytes and more share a bit, so a length between them is probed too, and still misses.
        assert_eq!(read(&[b'x'; 69]).0, None);
    }

    #[test]
    fn empty_index_answers_none() {
        let b = build(Vec::new());
        let idx = Index::new(&b.strings, &b.slots, |_| false).unwrap();
        assert_eq!(idx.get(b"a.com"), None);
    }

    #[test]
    fn same_keys_same_bytes() {
        assert_eq!(build(vec![("b.com", 1), ("a.com", 2)]), build(vec![("a.com", 2), ("b.com", 1)]));
    }

    #[test]
    fn malformed_buckets_are_refused() {
        let b = build(vec![("a.com", 1)]);
        let mut bad = b.slots.clone();
        bad[0] = 0x0f; // more entries than the bucket holds
        assert!(Index::new(&b.strings, &bad, |_| true).is_err());
        assert!(Index::new(&b.strings, &b.slots, |v| v != 1).is_err(), "values are checked");
        assert!(Index::new(&b.strings, &b.slots[..10], |_| true).is_err());
    }
}
