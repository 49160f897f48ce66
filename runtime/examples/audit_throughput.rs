//! The bare runtime's audit and decision throughput, the baseline of the audit rows in BENCHMARKS.md: a log
//! read into memory, then every line audited (`Auditor::audit_line`) and every URL decided (`Matcher::decide`
//! and `Report::decide`), with no IO, output or Python in the timed loops.
//!
//! `cargo run --release -p policyc-runtime --example audit_throughput -- ARTIFACT... LOG`

use policyc_runtime::audit::{Auditor, Event};
use policyc_runtime::{Matcher, Report};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    let log = paths.pop().ok_or("usage: audit_throughput ARTIFACT... LOG")?;
    let blobs = paths.iter().map(std::fs::read).collect::<Result<Vec<_>, _>>()?;
    let matchers = blobs.iter().map(|b| Matcher::from_bytes(b)).collect::<Result<Vec<_>, _>>()?;
    let auditor = Auditor::new(&matchers)?;
    let text = std::fs::read_to_string(&log)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let urls: Vec<String> = lines.iter().filter_map(|l| Event::parse(l).ok()).map(|e| e.url).collect();
    let first = matchers.first().ok_or("no artifact")?;
    let cx = first.context();

    let t = Instant::now();
    let (mut violations, mut malformed) = (0usize, 0usize);
    for (i, line) in lines.iter().enumerate() {
        match auditor.audit_line(i as u64 + 1, line) {
            Ok(v) => violations += v.len(),
            Err(_) => malformed += 1,
        }
    }
    let audit = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut collected = 0u64;
    for u in &urls {
        collected += u64::from(first.decide(u, &cx).collect != 0);
    }
    let decide = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut named = 0usize;
    for u in &urls {
        named += Report::decide(first, u, &cx).collect.len();
    }
    let report = t.elapsed().as_secs_f64();

    let rate = |n: usize, s: f64| n as f64 / s;
    println!("lines {}  violations {violations}  malformed {malformed}", lines.len());
    println!("audit_line      {:>12.0} events/s", rate(lines.len(), audit));
    println!("Matcher::decide {:>12.0} URLs/s   ({collected} collect)", rate(urls.len(), decide));
    println!("Report::decide  {:>12.0} URLs/s   ({named} names)", rate(urls.len(), report));
    Ok(())
}
