//! Criterion benchmarks of each stage on the bundled shopping-assistant policy (about 43k list entries):
//! parse + check, compile, load (with full validation) and decide. `cargo bench` runs them; `cargo test
//! --benches` runs each once as a smoke test. The comparison with other matchers is `bench/` (policyc-bench).

use criterion::{criterion_group, criterion_main, Criterion};
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use policyc::{check_source, CheckOptions, ListLoader};
use std::hint::black_box;
use std::path::PathBuf;

struct Dir(PathBuf);

impl ListLoader for Dir {
    fn load(&mut self, path: &str) -> Result<(String, String), String> {
        std::fs::read_to_string(self.0.join(path)).map(|t| (path.to_string(), t)).map_err(|e| e.to_string())
    }
}

const POLICY: &str = "policies/shopping-assistant.policy";

fn check() -> policyc::ir::Policy {
    let text = std::fs::read_to_string(POLICY).unwrap();
    check_source(POLICY, &text, &mut Dir("policies".into()), CheckOptions::default()).checked.policy.unwrap()
}

const URLS: &[&str] = &[
    "https://www.walmart.com/ip/123456",
    "https://www.target.com/p/lamp/-/A-1",
    "https://www.ebay.co.uk/itm/1234",
    "https://www.chase.com/personal/checking",
    "https://news.example.org/2019/07/article.html",
    "https://cdn.jsdelivr.net/npm/package@1/dist/x.js",
    "https://www.xn--bcher-kva.de/buch/1",
    "https://mail.google.com/mail/u/0/#inbox",
];

fn benches(c: &mut Criterion) {
    let text = std::fs::read_to_string(POLICY).unwrap();
    c.bench_function("parse+check shopping-assistant", |b| {
        b.iter(|| check_source(POLICY, black_box(&text), &mut Dir("policies".into()), CheckOptions::default()))
    });
    let policy = check();
    c.bench_function("compile shopping-assistant", |b| b.iter(|| compile(black_box(&policy), &Limits::default())));
    let bytes = compile(&policy, &Limits::default()).unwrap();
    c.bench_function("load shopping-assistant (validated)", |b| b.iter(|| Matcher::from_bytes(black_box(&bytes))));
    let m = Matcher::from_bytes(&bytes).unwrap();
    let state = m.default_state();
    c.bench_function("decide 8 URLs", |b| {
        b.iter(|| {
            for u in URLS {
                black_box(m.decide(black_box(u), &state));
            }
        })
    });
}

criterion_group! {
    name = pipeline;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(pipeline);
