//! The Public Suffix List lookup, over whatever store holds the rules.
//!
//! `name.*` patterns match `name` right before the host's public suffix in the ICANN section of the list. The
//! compiler writes those rules into the artifact, so that a decision depends on the artifact alone and not on
//! which list the runtime happened to be built with; the compiler's own copy of the list (for its checks) and
//! the artifact's table answer through the same algorithm, written once here over [`RuleLookup`].

/// Rule flags, as stored per domain key. A key may carry several (`ck` is never a plain rule, `*.ck` is).
pub const RULE_NORMAL: u8 = 1;
/// `*.key`: every single label under `key` is a public suffix.
pub const RULE_WILDCARD: u8 = 2;
/// `!key`: `key` is not a public suffix even though a wildcard says so.
pub const RULE_EXCEPTION: u8 = 4;

/// Something that maps a domain (ASCII, lowercase) to its rule flags, 0 when there is no rule.
pub trait RuleLookup {
    fn rule(&self, domain: &str) -> u8;
}

impl RuleLookup for std::collections::HashMap<String, u8> {
    fn rule(&self, domain: &str) -> u8 {
        self.get(domain).copied().unwrap_or(0)
    }
}

/// No rule of the list has this many labels (the longest, a wildcard, has 7). Only this many suffixes of a
/// host can match a rule, so only they are looked up, however many labels the host has.
pub const MAX_RULE_LABELS: usize = 16;

/// The byte offset in `host` at which its public suffix starts, by the list's algorithm: the longest matching
/// rule wins, an exception rule makes its parent the suffix, and a host no rule matches has its last label as
/// the suffix (the implicit `*` rule). `host` must be ASCII, lowercase, without a trailing dot.
pub fn suffix_start(rules: &impl RuleLookup, host: &str) -> usize {
    lookup(rules, host).0
}

/// The offset at which `host`'s public suffix starts when a rule of `rules` makes it one, or `None` when only
/// the implicit `*` rule does (`local` in `ebay.local`). `name.*` patterns use this: they promise the label
/// before a suffix the list names, and a name the list does not know (a local network, a TLD that does not
/// exist) is not one.
pub fn listed_suffix_start(rules: &impl RuleLookup, host: &str) -> Option<usize> {
    match lookup(rules, host) {
        (start, true) => Some(start),
        (_, false) => None,
    }
}

/// The suffix's start, and whether a rule (rather than the implicit `*` rule) decided it.
fn lookup(rules: &impl RuleLookup, host: &str) -> (usize, bool) {
    // Start offsets of the host's last labels, collected from the right and stored longest suffix first: for
    // `a.b.c` these are 0, 2, 4. One more than the longest rule, for the parent a wildcard rule is keyed by.
    const N: usize = MAX_RULE_LABELS + 1;
    let mut starts = [0usize; N];
    let mut n = 0;
    let mut end = host.len();
    while n < N {
        // A plain backward scan: labels are short, and `rfind`'s searcher costs more to set up than it saves.
        match host.as_bytes().get(..end).and_then(|h| h.iter().rposition(|&c| c == b'.')) {
            Some(dot) => {
                push_front(&mut starts, n, dot + 1);
                end = dot;
                n += 1;
            }
            None => {
                push_front(&mut starts, n, 0);
                n += 1;
                break;
            }
        }
    }
    let starts = starts.get(N - n..).unwrap_or(&[]);
    let suffix = |k: usize| starts.get(k).and_then(|s| host.get(*s..)).unwrap_or("");
    // Each suffix is looked up once: the flags read for the parent (to see whether a wildcard covers this
    // suffix) are the next suffix's own flags.
    let mut flags = rules.rule(suffix(0));
    for k in 0..starts.len() {
        if flags & RULE_EXCEPTION != 0 {
            // `!city.kawasaki.jp`: the suffix is `kawasaki.jp`.
            return (starts.get(k + 1).copied().unwrap_or(host.len()), true);
        }
        if flags & RULE_NORMAL != 0 {
            return (starts.get(k).copied().unwrap_or(0), true);
        }
        if k + 1 < starts.len() {
            flags = rules.rule(suffix(k + 1));
            if flags & RULE_WILDCARD != 0 {
                return (starts.get(k).copied().unwrap_or(0), true);
            }
        }
    }
    (starts.last().copied().unwrap_or(0), false)
}

/// Stores `value` in front of the `n` values kept at the end of `buf`, so that the filled part, read from
/// `buf.len() - n - 1`, is in order from the longest suffix to the shortest.
fn push_front(buf: &mut [usize], n: usize, value: usize) {
    if let Some(slot) = buf.len().checked_sub(n + 1).and_then(|i| buf.get_mut(i)) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn rules(list: &[(&str, u8)]) -> HashMap<String, u8> {
        list.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn longest_rule_wildcards_and_exceptions() {
        let r = rules(&[("com", 1), ("uk", 1), ("co.uk", 1), ("ck", 2), ("www.ck", 4)]);
        assert_eq!(suffix_start(&r, "a.b.example.co.uk"), "a.b.example.".len());
        assert_eq!(suffix_start(&r, "shop.com"), "shop.".len());
        assert_eq!(suffix_start(&r, "a.b.ck"), "a.".len());
        assert_eq!(suffix_start(&r, "www.ck"), "www.".len());
        assert_eq!(suffix_start(&r, "x.unlisted"), "x.".len());
        assert_eq!(suffix_start(&r, "com"), 0);
    }

    #[test]
    fn only_listed_suffixes_count_as_listed() {
        let r = rules(&[("com", 1), ("ck", 2), ("www.ck", 4)]);
        assert_eq!(listed_suffix_start(&r, "ebay.com"), Some(5));
        assert_eq!(listed_suffix_start(&r, "ebay.a.ck"), Some(5));
        assert_eq!(listed_suffix_start(&r, "www.ck"), Some(4));
        assert_eq!(listed_suffix_start(&r, "ebay.local"), None);
        assert_eq!(suffix_start(&r, "ebay.local"), 5, "the implicit rule still says where the suffix is");
    }

    /// Counts the lookups, to show that each suffix is looked up at most once.
    struct Counting(HashMap<String, u8>, std::cell::RefCell<Vec<String>>);

    impl RuleLookup for Counting {
        fn rule(&self, domain: &str) -> u8 {
            self.1.borrow_mut().push(domain.to_string());
            self.0.rule(domain)
        }
    }

    #[test]
    fn each_suffix_is_looked_up_once() {
        let r = Counting(rules(&[("com", 1), ("ck", 2), ("www.ck", 4)]), Default::default());
        assert_eq!(suffix_start(&r, "www.shop.example.com"), "www.shop.example.".len());
        assert_eq!(*r.1.borrow(), ["www.shop.example.com", "shop.example.com", "example.com", "com"]);
        r.1.borrow_mut().clear();
        assert_eq!(suffix_start(&r, "a.b.ck"), "a.".len());
        assert_eq!(*r.1.borrow(), ["a.b.ck", "b.ck", "ck"]);
    }

    #[test]
    fn very_long_hosts_look_only_at_their_last_labels() {
        let r = rules(&[("com", 1)]);
        let host = format!("{}shop.com", "a.".repeat(500));
        assert_eq!(suffix_start(&r, &host), host.len() - "com".len());
    }
}
