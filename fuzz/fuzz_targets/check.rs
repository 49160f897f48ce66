//! cargo-fuzz target; the body is `policyc::fuzz::check_text`, which `tests/robustness.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyc::fuzz::check_text(data));
