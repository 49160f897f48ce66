//! `policyc match`: a stream of URLs in, a stream of JSON decisions out, one per line, in order, decided on
//! every core (`--jobs`).

use super::decide::{with_matcher, StateArgs};
use super::parallel::{self, Line};
use policyc::matcher::{Context, Matcher};
use policyc::report::Report;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A compiled `.matcher` artifact (a policy file is compiled on the fly).
    artifact: PathBuf,
    #[command(flatten)]
    state: StateArgs,
    /// Threads that decide, at most 256: one per core by default or with 0. Output stays in input order.
    #[arg(long, short = 'j', value_name = "N", value_parser = super::parallel::parse_jobs)]
    jobs: Option<usize>,
}

/// Lines longer than this are answered with an error decision, without holding them in memory.
pub const MAX_LINE: usize = 1 << 20;

pub fn run(args: Args) -> i32 {
    let jobs = parallel::jobs(args.jobs);
    with_matcher(&args.artifact, Some(&args.state), |matcher, state| stream(matcher, &state, jobs))
}

fn stream(matcher: &Matcher<'_>, state: &Context, jobs: usize) -> i32 {
    let hash = matcher.policy_hash();
    let input = std::io::BufReader::with_capacity(1 << 16, std::io::stdin());
    let mut out = BufWriter::new(std::io::stdout().lock());
    let decide_chunk = |lines: &[Line], _first: u64| {
        let mut buf = Vec::with_capacity(lines.len() * 256);
        let mut write = |report: Report| {
            // Serialising a report cannot fail: it is strings, lists and maps of strings.
            let _ = serde_json::to_writer(&mut buf, &report);
            buf.push(b'\n');
        };
        // The URLs go to the batch decision (which overlaps the memory accesses of several URLs) in runs
        // between the lines refused outright, so that every report keeps its line's place.
        let mut urls: Vec<&str> = Vec::with_capacity(lines.len());
        for line in lines {
            match url_of(line, &hash) {
                Ok(url) => urls.push(url),
                Err(refused) => {
                    Report::decide_each(matcher, urls.drain(..), state, &mut write);
                    write(*refused);
                }
            }
        }
        Report::decide_each(matcher, urls.drain(..), state, &mut write);
        buf
    };
    // A write that fails stops the stream; what it came to is decided below, once the threads are done.
    let mut write_error = None;
    let emit = |bytes: Vec<u8>| match out.write_all(&bytes).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) => {
            write_error = Some(e);
            false
        }
    };
    match parallel::ordered_map(input, jobs, decide_chunk, emit) {
        // A closed pipe (`policyc match ... | head`) ends the stream quietly: the reader has what it wanted. Any
        // other failure (a full disk) lost decisions nobody will see, so it is an error.
        Ok(_) => match write_error {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => super::cannot_write_stdout(&e),
            _ => 0,
        },
        Err(e) => super::fail(format!("cannot read standard input: {e}")),
    }
}

/// The URL of one input line, or the report refusing the line (too long, not UTF-8).
fn url_of<'l>(line: &'l Line, hash: &str) -> Result<&'l str, Box<Report>> {
    if line.too_long {
        return Err(Box::new(Report::refused("", &format!("line longer than {MAX_LINE} bytes"), hash)));
    }
    match std::str::from_utf8(&line.bytes) {
        // Only the line break goes: the URL standard itself strips leading and trailing C0 controls and spaces,
        // and nothing else (not U+3000 or U+00A0), so the decision sees, and reports, the URL exactly as given.
        Ok(s) => Ok(without_line_break(s)),
        Err(e) => Err(Box::new(Report::refused(
            without_line_break(&String::from_utf8_lossy(&line.bytes)),
            &format!("line is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
            hash,
        ))),
    }
}

/// A line without its `\n` or `\r\n`.
pub fn without_line_break(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// Reads one line into `buf` (without keeping more than [`MAX_LINE`] bytes of content). Returns (too long, end
/// of input).
///
/// The limit is on the line's content: its terminator (`\n` or `\r\n`) is not counted, so that a line of
/// exactly [`MAX_LINE`] bytes is read whether a line break follows it or the input ends there.
pub fn read_bounded_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
    // The content and the longest terminator, `\r\n`.
    const KEEP: usize = MAX_LINE + 2;
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok((finish_line(buf, too_long), true));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            match chunk.get(..take) {
                Some(part) if buf.len() + take <= KEEP => buf.extend_from_slice(part),
                _ => {
                    too_long = true;
                    buf.clear();
                }
            }
        }
        input.consume(take);
        if done {
            return Ok((finish_line(buf, too_long), false));
        }
    }
}

/// Whether a line read whole into `buf` is too long: already known to be, or longer than [`MAX_LINE`] without its
/// terminator. A line too long is not kept.
fn finish_line(buf: &mut Vec<u8>, too_long: bool) -> bool {
    let content = match buf.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => buf.as_slice(),
    };
    if too_long || content.len() > MAX_LINE {
        buf.clear();
        return true;
    }
    false
}
