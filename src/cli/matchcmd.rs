//! `policyc match`: a stream of URLs in, a stream of JSON decisions out, one per line, in order.

use super::decide::{with_matcher, StateArgs};
use policyc::matcher::Matcher;
use policyc::report::Report;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A compiled `.matcher` artifact (a policy file is compiled on the fly).
    artifact: PathBuf,
    #[command(flatten)]
    state: StateArgs,
}

/// Lines longer than this are answered with an error decision, without holding them in memory.
pub const MAX_LINE: usize = 1 << 20;

pub fn run(args: Args) -> i32 {
    with_matcher(&args.artifact, Some(&args.state), |matcher, state| stream(matcher, &state))
}

fn stream(matcher: &Matcher<'_>, state: &policyc::matcher::State) -> i32 {
    let hash = matcher.policy_hash();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut line = Vec::new();
    loop {
        let (too_long, eof) = match read_bounded_line(&mut input, &mut line) {
            Ok(x) => x,
            Err(e) => return super::fail(format!("cannot read standard input: {e}")),
        };
        if eof && line.is_empty() && !too_long {
            break;
        }
        let report = if too_long {
            Report::refused("", &format!("line longer than {MAX_LINE} bytes"), &hash)
        } else {
            match std::str::from_utf8(&line) {
                // Only the line break goes: the URL standard itself strips leading and trailing C0 controls
                // and spaces, and nothing else (not U+3000 or U+00A0), so the decision sees, and reports, the URL
                // exactly as given.
                Ok(s) => Report::decide(matcher, without_line_break(s), state),
                Err(e) => Report::refused(
                    without_line_break(&String::from_utf8_lossy(&line)),
                    &format!("line is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
                    &hash,
                ),
            }
        };
        let written = serde_json::to_writer(&mut out, &report).is_ok() && out.write_all(b"\n").is_ok();
        // A closed pipe (`policyc match ... | head`) ends the stream quietly.
        if !written || out.flush().is_err() {
            return 0;
        }
        if eof {
            break;
        }
    }
    0
}

/// A line without its `\n` or `\r\n`.
pub fn without_line_break(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// Reads one line into `buf` (without keeping more than [`MAX_LINE`] bytes). Returns (too long, end of input).
pub fn read_bounded_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok((too_long, true));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + take > MAX_LINE {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        input.consume(take);
        if done {
            return Ok((too_long, false));
        }
    }
}
