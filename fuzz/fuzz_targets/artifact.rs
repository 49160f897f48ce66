//! cargo-fuzz target; the body is `policyc::fuzz::artifact_bytes`, which `tests/robustness.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyc::fuzz::artifact_bytes(data));
