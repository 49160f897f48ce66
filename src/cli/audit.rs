//! `policyc audit`: check a collection log against the artifact, in one streaming pass.

use super::decide::with_matcher;
use super::matchcmd::read_bounded_line;
use super::TextOrJson;
use policyc::audit::{self, Kind};
use policyc::matcher::Matcher;
use std::collections::BTreeMap;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The artifact that was live (a policy file is compiled on the fly).
    artifact: PathBuf,
    /// The log: NDJSON, one collection event per line; `-` for standard input.
    log: PathBuf,
    /// Output format: a line per violation and a summary, or one JSON object per violation.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

pub fn run(args: Args) -> i32 {
    with_matcher(&args.artifact, None, |matcher, _| audit_log(matcher, &args))
}

fn audit_log(matcher: &Matcher<'_>, args: &Args) -> i32 {
    let (reader, size): (Box<dyn Read>, Option<u64>) = if args.log.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        match std::fs::File::open(&args.log) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(f), size)
            }
            Err(e) => return super::fail(format!("cannot read `{}`: {e}", args.log.display())),
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
    let mut input = BufReader::with_capacity(1 << 16, reader);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut counts: BTreeMap<Kind, u64> = BTreeMap::new();
    let (mut events, mut malformed, mut line_no, mut read) = (0u64, 0u64, 0u64, 0u64);
    let mut line = Vec::new();
    loop {
        let (too_long, eof) = match read_bounded_line(&mut input, &mut line) {
            Ok(x) => x,
            Err(e) => return super::fail(format!("cannot read the log: {e}")),
        };
        if eof && line.is_empty() && !too_long {
            break;
        }
        line_no += 1;
        read += line.len() as u64;
        if let Some(bar) = &bar {
            if line_no % 4096 == 0 {
                bar.set_position(read);
            }
        }
        let text = match (too_long, std::str::from_utf8(&line)) {
            (true, _) => Err("the line is longer than 1 MiB".to_string()),
            (false, Ok(t)) => Ok(super::matchcmd::without_line_break(t)),
            (false, Err(e)) => Err(format!("the line is not UTF-8 (invalid byte at offset {})", e.valid_up_to())),
        };
        let result = match text {
            Ok(t) if t.bytes().all(|b| b.is_ascii_whitespace()) => {
                if eof {
                    break;
                }
                continue;
            }
            Ok(t) => audit::audit_line(matcher, line_no, t),
            Err(message) => Err(audit::Malformed { line: line_no, message }),
        };
        match result {
            Ok(violations) => {
                events += 1;
                for v in violations {
                    *counts.entry(v.kind).or_default() += 1;
                    let written = match args.format {
                        TextOrJson::Json => serde_json::to_writer(&mut out, &v).is_ok() && out.write_all(b"\n").is_ok(),
                        TextOrJson::Text => writeln!(
                            out,
                            "line {}: {}: {}: {}{}",
                            v.line,
                            v.kind.as_str(),
                            v.url,
                            if v.data.is_empty() { String::new() } else { format!("{}: ", v.data.join(", ")) },
                            v.detail
                        )
                        .is_ok(),
                    };
                    if !written {
                        return 0;
                    }
                }
            }
            Err(m) => {
                malformed += 1;
                eprintln!("line {}: malformed: {}", m.line, m.message);
            }
        }
        if eof {
            break;
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let _ = out.flush();
    let total: u64 = counts.values().sum();
    let by_kind: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    eprintln!(
        "audited {events} events against policy {}: {total} violations{}{}",
        matcher.policy_hash(),
        if by_kind.is_empty() { String::new() } else { format!(" ({})", by_kind.join(", ")) },
        if malformed > 0 { format!(", {malformed} malformed lines") } else { String::new() }
    );
    if malformed > 0 {
        super::EXIT_USAGE
    } else if total > 0 {
        super::EXIT_FAIL
    } else {
        0
    }
}
