//! The native side of the WebAssembly benchmark (scripts/bench-wasm): loads an artifact and decides every URL
//! of a file, printing nanoseconds per URL for `Matcher::decide` (bit sets) and for `Report::decide` (names,
//! what the JavaScript `decide` returns), as one JSON line.
//!
//! `cargo run --release -p policyc-wasm --example native_decide -- ARTIFACT URLS [ROUNDS]`

use policyc_runtime::{Matcher, Report, Settings};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(artifact), Some(urls)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: native_decide ARTIFACT URLS [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: u32 = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(10);
    let bytes = std::fs::read(artifact).unwrap_or_else(|e| fail(&format!("cannot read `{artifact}`: {e}")));
    let text = std::fs::read_to_string(urls).unwrap_or_else(|e| fail(&format!("cannot read `{urls}`: {e}")));
    let urls: Vec<&str> = text.lines().collect();
    let start = Instant::now();
    let m = Matcher::from_bytes(&bytes).unwrap_or_else(|e| fail(&e.to_string()));
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    let settings = Settings {
        set: vec![("assistant_active".into(), true), ("signed_in".into(), true)],
        region: Some("DE".into()),
        event: None,
    };
    let cx = settings.context(&m).unwrap_or_else(|e| fail(&e.to_string()));
    // The best of a few rounds, as for the WebAssembly side.
    let best = |f: &dyn Fn(&str)| {
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                for u in &urls {
                    f(u);
                }
                t.elapsed().as_nanos() as f64 / urls.len() as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let sets = best(&|u| {
        black_box(m.decide(u, &cx));
    });
    let names = best(&|u| {
        black_box(Report::decide(&m, u, &cx));
    });
    println!("{{\"urls\":{},\"load_ms\":{load_ms:.2},\"decide_ns\":{sets:.0},\"report_ns\":{names:.0}}}", urls.len());
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}
