//! cargo-fuzz target; the body is `policyc::fuzz::decide_url`, which `tests/robustness.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyc::fuzz::decide_url(data));
