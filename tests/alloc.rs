//! The runtime promise "no allocation on the path where nothing matches", checked with a counting allocator.
//! (The library forbids unsafe code; a global allocator needs an `unsafe impl`, which lives here, in a test.)

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn deciding_allocates_nothing_for_ordinary_urls() {
    let text = r#"
policy p { name "P" controller "C" contact "c" version "1" languages en }
signal s "s"
data d "d"
purpose p basis consent "p"
sites shops "shops" { walmart.com  ebay.*  target.com/p/ }
sites banks "banks" { chase.com }
never collect on banks
collect d on shops for p keep 1 day link to account when s
"#;
    let bytes = common::artifact_from_text(text);
    let m = policyc::matcher::Matcher::from_bytes(&bytes).unwrap();
    let st = m.default_state();
    let urls = [
        "https://www.example.org/some/page?q=1", // no match
        "https://www.chase.com/login",           // blocked by `never`
        "https://www.walmart.com/ip/123",        // collects
        "https://www.ebay.co.uk/itm/1",          // wildcard
        "https://www.target.com/p/lamp",         // path pattern
    ];
    for url in urls {
        let _ = m.decide(url, &st); // warm up lazily initialised state, if any
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let d = m.decide(url, &st);
        let after = ALLOCATIONS.load(Ordering::Relaxed);
        assert_eq!(after - before, 0, "{url} allocated");
        assert!(d.error.is_none());
    }
}
