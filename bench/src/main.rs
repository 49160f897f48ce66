//! `policyc-bench`: the policyc matcher against its baselines, in one table.
//!
//! For each domain-list size (synthetic lists from a fixed seed, and the real UT1 lists) it builds
//!
//! - **policyc**: the compiled matcher (`Matcher::decide`, full WHATWG URL parsing included), one call per URL
//!   and through the batch API (`Matcher::decide_each`, which overlaps the cache misses of groups of URLs);
//! - **fx-suffix**: the baseline of the performance target: lowercase the host, look it and each parent suffix
//!   up in an `FxHashSet`;
//! - **adblock**: Brave's `adblock` 0.13 with one `||domain^` rule per domain, `Request::new` plus
//!   `check_network_request`;
//! - **naive-dfa**: a regex-automata dense DFA over the reversed host, one pattern per domain (the design
//!   `../shared/notes/matcher-performance.md` measured; built only up to 10k domains, or 100k with `--full`);
//!
//! and measures ns per URL on random-order hosts and on a realistic repeat pattern (Zipf over a pool), bytes
//! per domain, build seconds, load milliseconds and the peak resident memory of the build. Every structure must
//! agree with the others on every lookup, or the program stops: a fast wrong answer is not a result.
//!
//! Run: `cargo run --release -p policyc-bench -- [--smoke] [--full] [--data ../shared/data]`.

use policyc::ir;
use policyc::matcher::compile::{compile, Limits};
use policyc::matcher::Matcher;
use policyc::pattern::{HostPattern, Pattern};
use rustc_hash::FxHashSet;
use std::time::Instant;

/// A small, fixed-seed generator (xorshift64*), so every run measures the same lists.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const TLDS: &[&str] = &["com", "de", "net", "org", "co.uk", "fr", "nl", "it", "com.au", "ru", "info", "shop"];

fn label(rng: &mut Rng) -> String {
    let len = 5 + rng.below(10);
    (0..len).map(|_| (b'a' + rng.below(26) as u8) as char).collect()
}

fn synthetic_domains(n: usize, rng: &mut Rng) -> Vec<String> {
    let mut seen = FxHashSet::default();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let d = format!("{}.{}", label(rng), TLDS[rng.below(TLDS.len())]);
        if seen.insert(d.clone()) {
            out.push(d);
        }
    }
    out
}

/// Lookup URLs: 50% hits (the domain or a subdomain), 40% misses, 10% near misses (`x` + domain, domain +
/// `.evil.net`), as in the measurements made before the matcher existed.
fn synthetic_urls(domains: &[String], count: usize, rng: &mut Rng) -> Vec<String> {
    (0..count)
        .map(|_| {
            let r = rng.below(100);
            let d = &domains[rng.below(domains.len())];
            let host = if r < 25 {
                d.clone()
            } else if r < 50 {
                format!("www.{d}")
            } else if r < 90 {
                format!("{}.{}", label(rng), TLDS[rng.below(TLDS.len())])
            } else if r < 95 {
                format!("x{d}")
            } else {
                format!("{d}.evil.net")
            };
            format!("https://{host}/path/{}?q=1", rng.below(1000))
        })
        .collect()
}

/// The same URLs reordered as real traffic repeats hosts: a Zipf(1) draw over a pool of 2,000 URLs.
fn repeat_pattern(urls: &[String], count: usize, rng: &mut Rng) -> Vec<String> {
    let pool = urls.len().min(2000);
    let weights: Vec<f64> = (1..=pool).map(|k| 1.0 / k as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(pool);
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cdf.push(acc);
    }
    (0..count)
        .map(|_| {
            let u = rng.unit();
            let i = cdf.partition_point(|c| *c < u).min(pool - 1);
            urls[i].clone()
        })
        .collect()
}

/// Peak resident memory: Linux lets a process reset its high-water mark (`clear_refs` 5) and read it back.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Median over `runs` of ns per item of `f` applied to each of `items`; returns the hit count too.
fn time_per_item(items: &[String], runs: usize, mut f: impl FnMut(&str) -> bool) -> (f64, usize) {
    let mut times = Vec::new();
    let mut hits = 0;
    for _ in 0..runs {
        hits = 0;
        let t = Instant::now();
        for u in items {
            hits += usize::from(std::hint::black_box(f(u)));
        }
        times.push(t.elapsed().as_nanos() as f64 / items.len() as f64);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], hits)
}

/// Median over `runs` of ns per item of `f` applied to all of `items` at once (a batch API); returns the hit
/// count too.
fn time_batch(items: &[String], runs: usize, mut f: impl FnMut(&[String]) -> usize) -> (f64, usize) {
    let mut times = Vec::new();
    let mut hits = 0;
    for _ in 0..runs {
        let t = Instant::now();
        hits = std::hint::black_box(f(items));
        times.push(t.elapsed().as_nanos() as f64 / items.len() as f64);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], hits)
}

/// What the fx-suffix baseline does to get a host: cut it out of the URL and lowercase it.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn fx_lookup(set: &FxHashSet<String>, url: &str, buf: &mut String) -> bool {
    let Some(host) = host_of(url) else { return false };
    buf.clear();
    buf.push_str(host);
    buf.make_ascii_lowercase();
    let mut h = buf.as_str();
    loop {
        if set.contains(h) {
            return true;
        }
        match h.split_once('.') {
            Some((_, rest)) => h = rest,
            None => return false,
        }
    }
}

fn policy_for(domains: &[String]) -> ir::Policy {
    let text = |s: &str| ir::Text::from([("en".to_string(), s.to_string())]);
    ir::Policy {
        id: "bench".into(),
        name: text("bench"),
        controller: text("c"),
        contact: Some(text("c")),
        dpo: None,
        established: None,
        regional_controllers: vec![],
        opt_out: None,
        url: None,
        representative: None,
        version: "1".into(),
        languages: vec!["en".into()],
        regions: vec![],
        signals: vec![],
        features: vec![],
        events: vec![],
        data: vec![ir::DataItem {
            name: "page_url".into(),
            category: None,
            aggregated: false,
            text: text("d"),
            label: None,
        }],
        purposes: vec![ir::Purpose {
            name: "p".into(),
            basis: ir::LegalBasis::Consent,
            interest: None,
            shared_with: vec![],
            direct_marketing: false,
            profiling: None,
            decisions: None,
            label: None,
            text: text("p"),
        }],
        recipients: vec![],
        criteria: vec![],
        never_collect: vec![],
        promises: vec![],
        on_device: vec![],
        sources: vec![],
        independent: vec![],
        sites: vec![ir::SiteCategory {
            name: "listed".into(),
            special: None,
            text: text("listed"),
            patterns: domains.iter().map(|d| Pattern { host: HostPattern::Domain(d.clone()), path: None }).collect(),
            examples: vec![],
            allow: vec![],
        }],
        never: vec![],
        collect: vec![ir::CollectRule {
            data: vec!["page_url".into()],
            sites: vec!["listed".into()],
            events: vec![],
            when: None,
            purposes: vec!["p".into()],
            keep: ir::Retention::Period(ir::Period { amount: 1, unit: ir::TimeUnit::Day }),
            aggregated: None,
            link: ir::Link::Never,
            regions: vec![],
            necessary: None,
            allow: vec![],
            origin: None,
        }],
        incentives: vec![],
        expects: vec![],
        store: vec![],
        allow: vec![],
    }
}

struct Row {
    set: String,
    n: usize,
    name: &'static str,
    ns_random: f64,
    ns_repeat: f64,
    bytes_per_domain: f64,
    build_s: f64,
    load_ms: f64,
    peak_mb: f64,
    /// Domain-index buckets (64-byte cache lines) read per URL, on average; policyc only.
    lines_per_url: f64,
    /// ns per URL through the batch API (`Matcher::decide_each`), random and repeat order; policyc only.
    batch_random: f64,
    batch_repeat: f64,
}

/// Builds something, timing it and reading the peak memory of the build.
fn built<T>(build: impl FnOnce() -> T) -> (T, f64, f64) {
    reset_peak();
    let t = Instant::now();
    let value = build();
    let secs = t.elapsed().as_secs_f64();
    (value, secs, peak_mb())
}

/// One measurement set: the lookups and the policyc hit count every other matcher must reproduce.
struct Run<'a> {
    set: &'a str,
    n: usize,
    urls: &'a [String],
    repeat: &'a [String],
    policyc_hits: Option<usize>,
}

impl Run<'_> {
    /// Times `lookup` on both URL orders and makes the row; on the synthetic sets (plain ASCII http(s) URLs with
    /// domain hosts, where every matcher must agree exactly) checks the hit count against policyc's.
    fn row(
        &mut self,
        name: &'static str,
        runs: usize,
        (bytes, build_s, peak_mb): (f64, f64, f64),
        load_ms: f64,
        mut lookup: impl FnMut(&str) -> bool,
    ) -> Row {
        let (ns_random, hits) = time_per_item(self.urls, runs, &mut lookup);
        let (ns_repeat, _) = time_per_item(self.repeat, runs, &mut lookup);
        match self.policyc_hits {
            None => self.policyc_hits = Some(hits),
            Some(expected) if self.set.starts_with("synthetic") => {
                assert_eq!(hits, expected, "policyc and {name} disagree")
            }
            Some(_) => {}
        }
        Row {
            set: self.set.into(),
            n: self.n,
            name,
            ns_random,
            ns_repeat,
            bytes_per_domain: bytes / self.n as f64,
            build_s,
            load_ms,
            peak_mb,
            lines_per_url: f64::NAN,
            batch_random: f64::NAN,
            batch_repeat: f64::NAN,
        }
    }
}

fn measure(
    set: &str,
    domains: &[String],
    urls: &[String],
    repeat: &[String],
    naive_max: usize,
    runs: usize,
) -> Vec<Row> {
    let n = domains.len();
    let mut run = Run { set, n, urls, repeat, policyc_hits: None };
    let mut rows = Vec::new();

    // policyc (first: the others are checked against its hit count)
    let policy = policy_for(domains);
    let (bytes, build_s, peak) = built(|| compile(&policy, &Limits::default()).expect("compiles"));
    let mut loads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(Matcher::from_bytes(&bytes).expect("loads"));
        loads.push(t.elapsed().as_secs_f64() * 1e3);
    }
    loads.sort_by(f64::total_cmp);
    let m = Matcher::from_bytes(&bytes).unwrap();
    let st = m.default_state();
    let mut row =
        run.row("policyc", runs, (bytes.len() as f64, build_s, peak), loads[2], |u| m.decide(u, &st).collect != 0);
    // What the index costs once it is larger than the caches: cache lines read per URL (URLs that do not parse
    // read none).
    let lines: usize =
        urls.iter().filter_map(|u| policyc::urlnorm::parse(u).ok()).map(|p| m.domain_buckets_read(p.host())).sum();
    row.lines_per_url = lines as f64 / urls.len().max(1) as f64;
    // The same decisions through the batch API, which overlaps the cache misses of a group of URLs; it must
    // find the same hits.
    let batch = |urls: &[String]| {
        let mut hits = 0;
        m.decide_each(urls.iter().map(String::as_str), &st, |_, _, d| hits += usize::from(d.collect != 0));
        hits
    };
    let (batch_random, batch_hits) = time_batch(urls, runs, batch);
    let (batch_repeat, _) = time_batch(repeat, runs, batch);
    assert_eq!(Some(batch_hits), run.policyc_hits, "policyc's batch and single decisions disagree");
    (row.batch_random, row.batch_repeat) = (batch_random, batch_repeat);
    rows.push(row);
    drop(m);
    drop(policy);

    // fx-suffix baseline
    let (set_fx, build_s, peak) = built(|| domains.iter().cloned().collect::<FxHashSet<String>>());
    let approx_bytes: usize = domains.iter().map(|d| d.len() + 24 + 8).sum::<usize>() + set_fx.capacity() * 8;
    let mut buf = String::new();
    rows.push(
        run.row("fx-suffix", runs, (approx_bytes as f64, build_s, peak), f64::NAN, |u| fx_lookup(&set_fx, u, &mut buf)),
    );
    drop(set_fx);

    // adblock
    let (engine, build_s, peak) = built(|| {
        let rules: String = domains.iter().map(|d| format!("||{d}^\n")).collect();
        let mut filter_set = adblock::lists::FilterSet::new(false);
        filter_set.add_filter_list(rules, adblock::lists::ParseOptions::default());
        adblock::Engine::new_with_filter_set(filter_set)
    });
    let serialized = engine.serialize().len();
    rows.push(run.row("adblock", runs.min(3), (serialized as f64, build_s, peak), f64::NAN, |u| {
        match adblock::request::Request::new(u, u, "document", "GET") {
            Ok(req) => engine.check_network_request(&req).should_block(),
            Err(_) => false,
        }
    }));
    drop(engine);

    // naive DFA over the reversed host, one pattern per domain
    if n <= naive_max {
        use regex_automata::dfa::{dense, Automaton, StartKind};
        use regex_automata::{Anchored, Input};
        let (dfa, build_s, peak) = built(|| {
            let pats: Vec<String> = domains
                .iter()
                .map(|d| {
                    let rev: String = d.chars().rev().collect();
                    let escaped: String =
                        rev.chars().map(|c| if c == '.' { r"\.".to_string() } else { c.to_string() }).collect();
                    format!(r"{escaped}(?:\.|$)")
                })
                .collect();
            dense::Builder::new()
                .configure(dense::Config::new().start_kind(StartKind::Anchored).minimize(false))
                .syntax(regex_automata::util::syntax::Config::new().unicode(false).utf8(false))
                .build_many(&pats)
                .expect("naive DFA builds")
        });
        let mut rev = Vec::new();
        rows.push(run.row("naive-dfa", runs, (dfa.memory_usage() as f64, build_s, peak), f64::NAN, |u| {
            let Some(h) = host_of(u) else { return false };
            rev.clear();
            rev.extend(h.bytes().rev().map(|b| b.to_ascii_lowercase()));
            dfa.try_search_fwd(&Input::new(&rev).anchored(Anchored::Yes)).ok().flatten().is_some()
        }));
    }
    rows
}

/// Decides every URL with policyc; a function of its own so that callgrind can count it alone
/// (`--toggle-collect=*callgrind_policyc*`).
#[inline(never)]
fn callgrind_policyc(m: &Matcher<'_>, st: &policyc::matcher::Context, urls: &[String]) -> usize {
    urls.iter().filter(|u| m.decide(u, st).collect != 0).count()
}

/// The same through the batch API (`--toggle-collect=*callgrind_batch*`).
#[inline(never)]
fn callgrind_batch(m: &Matcher<'_>, st: &policyc::matcher::Context, urls: &[String]) -> usize {
    let mut hits = 0;
    m.decide_each(urls.iter().map(String::as_str), st, |_, _, d| hits += usize::from(d.collect != 0));
    hits
}

/// The fx-suffix baseline over the same URLs, for the same count.
#[inline(never)]
fn callgrind_fx(set: &FxHashSet<String>, urls: &[String]) -> usize {
    let mut buf = String::new();
    urls.iter().filter(|u| fx_lookup(set, u, &mut buf)).count()
}

/// `--callgrind N`: builds the synthetic set of N domains and decides its URLs once with each of policyc and
/// fx-suffix, so that `valgrind --tool=callgrind` can count the instructions of each: a measure that the
/// machine's noise does not move.
fn callgrind(n: usize) {
    let mut rng = Rng(0x5eed_0000 + n as u64);
    let domains = synthetic_domains(n, &mut rng);
    let urls = synthetic_urls(&domains, 20_000, &mut rng);
    let bytes = compile(&policy_for(&domains), &Limits::default()).expect("compiles");
    let m = Matcher::from_bytes(&bytes).expect("loads");
    let st = m.context();
    let set: FxHashSet<String> = domains.iter().cloned().collect();
    let (a, b) = (callgrind_policyc(&m, &st, &urls), callgrind_fx(&set, &urls));
    assert_eq!(a, b, "policyc and fx-suffix disagree");
    assert_eq!(callgrind_batch(&m, &st, &urls), a, "policyc's batch and single decisions disagree");
    println!("{n} domains, {} URLs, {a} hits", urls.len());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(n) = args.iter().position(|a| a == "--callgrind").and_then(|i| args.get(i + 1)) {
        callgrind(n.parse().expect("--callgrind takes a number of domains"));
        return;
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let full = args.iter().any(|a| a == "--full");
    let data = args
        .iter()
        .position(|a| a == "--data")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("POLICYC_BENCH_DATA").ok())
        .unwrap_or_else(|| "../shared/data".into());
    // `--size N` measures one synthetic size and nothing else: for comparing two builds quickly.
    let only: Option<usize> =
        args.iter().position(|a| a == "--size").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok());
    let sizes: Vec<usize> = match only {
        Some(n) => vec![n],
        None if smoke => vec![1_000],
        None => vec![1_000, 10_000, 100_000, 1_000_000],
    };
    let lookups = if smoke { 2_000 } else { 200_000 };
    let runs = if smoke { 1 } else { 5 };
    let naive_max = if full { 100_000 } else { 10_000 };

    let mut rows = Vec::new();
    for &n in &sizes {
        let mut rng = Rng(0x5eed_0000 + n as u64);
        let domains = synthetic_domains(n, &mut rng);
        let urls = synthetic_urls(&domains, lookups, &mut rng);
        let repeat = repeat_pattern(&urls, lookups, &mut rng);
        eprintln!("synthetic {n}: measuring");
        rows.extend(measure(&format!("synthetic {n}"), &domains, &urls, &repeat, naive_max, runs));
    }

    // Real data: every UT1 category's domains, and real request URLs.
    let ut1 = std::path::Path::new(&data).join("categories/ut1");
    let requests = std::path::Path::new(&data).join("requests");
    if let (Ok(cats), false) = (std::fs::read_dir(&ut1), smoke || only.is_some()) {
        let psl = policyc::psl::PublicSuffixList::bundled();
        let mut domains: Vec<String> = Vec::new();
        let mut seen = FxHashSet::default();
        for cat in cats.flatten() {
            let Ok(text) = std::fs::read_to_string(cat.path().join("domains")) else { continue };
            for line in text.lines() {
                // The same rule as `from` lists: entries that are not valid domain patterns are skipped.
                if let Ok(p) = Pattern::parse(line, false, psl) {
                    if let HostPattern::Domain(d) = p.host {
                        if p.path.is_none() && seen.insert(d.clone()) {
                            domains.push(d);
                        }
                    }
                }
            }
        }
        let mut urls: Vec<String> = Vec::new();
        for (file, prefix) in
            [("sitelist.txt", ""), ("ut1-phishing-urls.txt", "http://"), ("ut1-malware-urls.txt", "http://")]
        {
            if let Ok(text) = std::fs::read_to_string(requests.join(file)) {
                urls.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{prefix}{}", l.trim())));
            }
        }
        if !domains.is_empty() && !urls.is_empty() {
            let mut rng = Rng(0x5eed_7777);
            // Real page loads: the sitelist's URLs in order already repeat hosts (a page and its resources).
            let repeat = repeat_pattern(&urls, urls.len(), &mut rng);
            eprintln!("real UT1 {} domains, {} URLs: measuring", domains.len(), urls.len());
            rows.extend(measure(&format!("UT1 all ({} URLs)", urls.len()), &domains, &urls, &repeat, naive_max, runs));
        }
    }

    println!("| set | domains | matcher | ns/URL random | ns/URL repeat | batch ns/URL random | batch ns/URL repeat | bytes/domain | build s | load ms | peak MB | index lines/URL | ns vs fx | adblock / policyc random | adblock / policyc repeat | adblock / batch random | adblock / batch repeat |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        let fx = rows.iter().find(|x| x.set == r.set && x.name == "fx-suffix").map(|x| x.ns_random).unwrap_or(f64::NAN);
        let ours = rows.iter().find(|x| x.set == r.set && x.name == "policyc");
        let ours_random = ours.map(|x| x.ns_random).unwrap_or(f64::NAN);
        let ours_repeat = ours.map(|x| x.ns_repeat).unwrap_or(f64::NAN);
        let batch_random = ours.map(|x| x.batch_random).unwrap_or(f64::NAN);
        let batch_repeat = ours.map(|x| x.batch_repeat).unwrap_or(f64::NAN);
        let f = |v: f64, p: usize| if v.is_nan() { "-".to_string() } else { format!("{v:.p$}") };
        let adblock = r.name == "adblock";
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.set,
            r.n,
            r.name,
            f(r.ns_random, 0),
            f(r.ns_repeat, 0),
            f(r.batch_random, 0),
            f(r.batch_repeat, 0),
            f(r.bytes_per_domain, 1),
            f(r.build_s, 3),
            f(r.load_ms, 2),
            f(r.peak_mb, 0),
            f(r.lines_per_url, 2),
            f(r.ns_random / fx, 2),
            if adblock { f(r.ns_random / ours_random, 1) } else { "-".into() },
            if adblock { f(r.ns_repeat / ours_repeat, 1) } else { "-".into() },
            if adblock { f(r.ns_random / batch_random, 1) } else { "-".into() },
            if adblock { f(r.ns_repeat / batch_repeat, 1) } else { "-".into() },
        );
    }
}
