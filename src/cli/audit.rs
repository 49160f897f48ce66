//! `policyc audit`: check a collection log against the artifacts that were live, in one streaming pass.

use super::decide::load_bytes;
use super::parallel::{self, Line};
use super::TextOrJson;

use policyc::audit::{self, one_line, Auditor, Kind};
use policyc::matcher::{artifact, Matcher};
use std::collections::BTreeMap;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// What `policyc audit --help` says after the options: what the audit leaves unchecked (so that a clean audit is
/// not read as more than it is; `docs/audit.md` says the same at length), and the exit codes, which `audit_log`
/// and `run` are what it describes.
pub const AFTER_HELP: &str = "\
Not checked:
  when each artifact was live: `ts` is compared with nothing, so an event that names a known artifact's hash is
     decided with that artifact even after it was retired; audit a period's log with the artifacts live in it
  collection from a source (`collect ... from SOURCE`, see `policyc sources`): an event is a page view or an
     event on a page, decided as `policyc match` decides its `url`, and a log line cannot say it collected from a
     source; keep such collection out of the log and check it with `policyc sources` for the state it ran in

Exit codes:
  0  the whole log was audited: no violation, no malformed line
  1  violations and no malformed line (also when the output was closed after a violation was found: the rest of
     the log was not audited)
  2  a malformed line, whatever else was found; the output was closed before any violation was found; or the
     command could not run (usage, an artifact or the log unreadable or invalid, the output not writable)";

#[derive(clap::Args)]
pub struct Args {
    /// The artifacts that were live while the log was written (policy files are compiled on the fly), then the
    /// log: NDJSON, one collection event per line; `-` for standard input. Each event is decided with the
    /// artifact whose policy hash it names; the first artifact decides events that name none of them.
    #[arg(value_name = "PATH", num_args = 2.., required = true)]
    paths: Vec<PathBuf>,
    /// Output format: a line per violation and a summary, or one JSON object per violation.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Threads that audit, at most 256: one per core by default or with 0. Output stays in the log's order.
    #[arg(long, short = 'j', value_name = "N", value_parser = super::parallel::parse_jobs)]
    jobs: Option<usize>,
}

pub fn run(args: Args) -> i32 {
    let Some((log, artifacts)) = args.paths.split_last() else {
        return super::fail("give the artifacts, then the log");
    };
    // Swapped arguments are the likeliest mistake with this command. Name the file for what it is before it is
    // read as what it is not: a log read as a policy is a syntax error, an artifact read as a log a stream of
    // malformed lines.
    if let Some(path) = artifacts.iter().find(|p| looks_like_log(p)) {
        return super::fail(format!(
            "`{}` is a collection log, not an artifact or a policy; the log comes last: `policyc audit ARTIFACT... LOG`",
            path.display()
        ));
    }
    if starts_with(log, artifact::LABEL) {
        return super::fail(format!(
            "`{}` is an artifact, not a collection log; the log comes last: `policyc audit ARTIFACT... LOG`",
            log.display()
        ));
    }
    let mut all_bytes = Vec::with_capacity(artifacts.len());
    for path in artifacts {
        match load_bytes(path) {
            Ok(b) => all_bytes.push(b),
            Err(e) => return super::fail(e),
        }
    }
    let mut matchers = Vec::with_capacity(artifacts.len());
    for (path, bytes) in artifacts.iter().zip(&all_bytes) {
        match Matcher::from_bytes(bytes) {
            Ok(m) => matchers.push(m),
            Err(e) => return super::fail(format!("`{}`: {e}", path.display())),
        }
    }
    // The same policy twice is a slip (a version given twice, another one left out): the second would never
    // decide an event, since a hash picks the first artifact that has it.
    for (i, m) in matchers.iter().enumerate() {
        if let Some(j) = matchers.iter().take(i).position(|x| x.policy_hash() == m.policy_hash()) {
            let name = |k: usize| artifacts.get(k).map(|p| p.display().to_string()).unwrap_or_default();
            errln!("error: `{}` and `{}` are the same policy ({})", name(j), name(i), m.policy_hash());
            errln!("help: give each policy version once, the newest first");
            return super::EXIT_USAGE;
        }
    }
    match Auditor::new(&matchers) {
        Ok(auditor) => audit_log(&auditor, log, args.format, parallel::jobs(args.jobs)),
        Err(e) => super::fail(e),
    }
}

/// Whether `path` is a regular file, which can be read twice: a pipe, a FIFO or `/dev/stdin` cannot, and what a
/// look at its head read would be missing from the log. Those are never sniffed.
fn rereadable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Whether the file at `path` begins with `prefix`; an unreadable file does not (its error comes later), and
/// neither does one that cannot be read twice.
fn starts_with(path: &Path, prefix: &[u8]) -> bool {
    if !rereadable(path) {
        return false;
    }
    let mut head = vec![0; prefix.len()];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == prefix
}

/// Whether the file at `path` reads as a collection log: a `.ndjson` or `.jsonl` name, or a first line that is
/// a JSON object with a `url`. A policy's JSON form is one object over many lines, so its first line is `{`.
fn looks_like_log(path: &Path) -> bool {
    if path.extension().is_some_and(|e| e == "ndjson" || e == "jsonl") {
        return true;
    }
    if !rereadable(path) {
        return false;
    }
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut first = String::new();
    // A line of at most 1 MiB and its line break is read; a longer one, or one that is not UTF-8, is no event.
    if std::io::BufRead::read_line(&mut BufReader::new(f.take((1 << 20) + 2)), &mut first).is_err() {
        return false;
    }
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(first.trim())
        .is_ok_and(|o| o.contains_key("url"))
}

/// What one log line came to: nothing (a blank line), or its audit.
enum Audited {
    Blank,
    Done(Result<Vec<audit::Violation>, audit::Malformed>),
}

/// Audits one line; `line_no` counts from 1.
fn audit_one(auditor: &Auditor<'_, '_>, line_no: u64, line: &Line) -> Audited {
    let text = match (line.too_long, std::str::from_utf8(&line.bytes)) {
        (true, _) => Err("the line is longer than 1 MiB".to_string()),
        (false, Ok(t)) => Ok(super::matchcmd::without_line_break(t)),
        (false, Err(e)) => Err(format!("the line is not UTF-8 (invalid byte at offset {})", e.valid_up_to())),
    };
    match text {
        Ok(t) if audit::is_blank(t) => Audited::Blank,
        Ok(t) => Audited::Done(auditor.audit_line(line_no, t)),
        Err(message) => Audited::Done(Err(audit::Malformed::new(line_no, &message))),
    }
}

fn audit_log(auditor: &Auditor<'_, '_>, log: &Path, format: TextOrJson, jobs: usize) -> i32 {
    let (reader, size): (Box<dyn Read + Send>, Option<u64>) = if log.as_os_str() == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        match std::fs::File::open(log) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(f), size)
            }
            Err(e) => return super::fail(super::cannot_read(log, &e)),
        }
    };
    // A progress bar only for a person watching a long audit; never in pipes or CI logs.
    let bar = match size {
        Some(n) if std::io::stderr().is_terminal() && n > 16 << 20 => {
            let bar = indicatif::ProgressBar::new(n);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {eta} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            Some(bar)
        }
        _ => None,
    };
    let input = BufReader::with_capacity(1 << 16, reader);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut counts: BTreeMap<Kind, u64> = BTreeMap::new();
    let (mut events, mut malformed, mut read) = (0u64, 0u64, 0u64);
    // Each chunk is audited on some thread; its results come back in the log's order, with the bytes it read.
    let work = |lines: &[Line], first: u64| -> (Vec<Audited>, u64) {
        let audited = lines.iter().enumerate().map(|(i, l)| audit_one(auditor, first + i as u64 + 1, l)).collect();
        (audited, lines.iter().map(|l| l.bytes.len() as u64).sum())
    };
    // A write that fails stops the audit; whether the reader went away or the output failed is told apart below.
    let mut write_error: Option<std::io::Error> = None;
    let emit = |(audited, bytes): (Vec<Audited>, u64)| -> bool {
        read += bytes;
        if let Some(bar) = &bar {
            bar.set_position(read);
        }
        for a in audited {
            // A malformed line keeps the violations found before it turned out malformed (a policy mismatch):
            // they are reported as any other, then the line as malformed.
            let (violations, bad) = match a {
                Audited::Blank => continue,
                Audited::Done(Ok(violations)) => {
                    events += 1;
                    (violations, None)
                }
                Audited::Done(Err(mut m)) => (std::mem::take(&mut m.violations), Some(m)),
            };
            for v in violations {
                *counts.entry(v.kind).or_default() += 1;
                let written = match format {
                    TextOrJson::Json => serde_json::to_writer(&mut out, &v)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n")),
                    TextOrJson::Text => writeln!(
                        out,
                        "line {}: {}: {}: {}{}",
                        v.line,
                        v.kind.as_str(),
                        // A URL or item from the log could hold a line break and forge a line.
                        one_line(&v.url),
                        if v.data.is_empty() { String::new() } else { one_line(&format!("{}: ", v.data.join(", "))) },
                        one_line(&v.detail)
                    ),
                };
                if let Err(e) = written {
                    write_error = Some(e);
                    return false;
                }
            }
            if let Some(m) = bad {
                malformed += 1;
                errln!("line {}: malformed: {}", m.line, m.message);
            }
        }
        true
    };
    match parallel::ordered_map(input, jobs, work, emit) {
        Ok(parallel::Outcome::Done) => {}
        // The reader of the output went away (`policyc audit … | head`): stop, but not with 0, which says "the
        // log is clean" to a script under `pipefail`; the rest of the log was never audited.
        // A malformed line read before that still makes it 2, as at the end of a log.
        Ok(parallel::Outcome::Stopped) => {
            // Any other failure (a full disk) is no reader's choice: the violations written so far may be lost
            // too, so it is an error, whatever the log held.
            if let Some(e) = write_error.filter(|e| e.kind() != std::io::ErrorKind::BrokenPipe) {
                return super::cannot_write_stdout(&e);
            }
            errln!("error: the output was closed after {events} events; the rest of the log was not audited");
            return if counts.is_empty() || malformed > 0 { super::EXIT_USAGE } else { super::EXIT_FAIL };
        }
        Err(e) => return super::fail(format!("cannot read the log: {e}")),
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // The last violations are still in the buffer. A reader that went away now has missed none of the audit,
    // only its end, as with `| head`; any other failure lost them, so the summary would count what nobody saw.
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return super::cannot_write_stdout(&e);
        }
    }
    let total: u64 = counts.values().sum();
    let by_kind: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    let hashes = auditor.policy_hashes();
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    errln!(
        "audited {} against {} {}: {}{}{}",
        plural(events, "event", "events"),
        if hashes.len() == 1 { "policy" } else { "policies" },
        hashes.join(", "),
        plural(total, "violation", "violations"),
        if by_kind.is_empty() { String::new() } else { format!(" ({})", by_kind.join(", ")) },
        if malformed > 0 {
            format!(", {}", plural(malformed, "malformed line", "malformed lines"))
        } else {
            String::new()
        }
    );
    if malformed > 0 {
        super::EXIT_USAGE
    } else if total > 0 {
        super::EXIT_FAIL
    } else {
        0
    }
}
