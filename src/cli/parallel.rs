//! Line streams on every core, output in input order, in bounded memory.
//!
//! `match` and `audit` read millions of lines, and deciding one is independent of every other, so the work
//! spreads over threads: one reads lines into chunks, `jobs` workers turn each chunk into its output, and the
//! caller's thread writes the outputs in the order the chunks were read. Channels between them are bounded, so
//! at most a few chunks per worker are in memory whatever the input's size, and a reader that stops early (a
//! closed pipe) stops the whole pipeline.

use super::matchcmd::read_bounded_line;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// Lines per chunk: enough to make handing a chunk to a thread cheap against deciding it.
const CHUNK_LINES: usize = 2048;

/// One input line: its bytes (with the line break), or only the fact that it was too long to keep.
pub struct Line {
    pub bytes: Vec<u8>,
    pub too_long: bool,
}

/// What the stream came to.
pub enum Outcome {
    /// Every line was processed and written.
    Done,
    /// `emit` asked to stop (the output went away).
    Stopped,
}

/// The most worker threads `--jobs` may ask for. Each thread has its own stack and two queue slots; far more
/// threads than cores only cost memory and start-up time, and a huge number would exhaust memory.
pub const MAX_JOBS: usize = 256;

/// `--jobs N`: a number from 0 (one per core) to [`MAX_JOBS`].
pub fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_JOBS => Ok(n),
        _ => Err(format!("`{s}` is not a number of threads from 1 to {MAX_JOBS} (0 for one per core)")),
    }
}

/// The number of worker threads for `--jobs`: the given number, or one per core.
pub fn jobs(requested: Option<usize>) -> usize {
    requested.filter(|n| *n > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Reads `input` line by line, maps each chunk of lines to an output with `work` on `jobs` threads, and passes
/// the outputs to `emit` in input order; `emit` returns false to stop. `work` gets the chunk's lines and the
/// number of lines before it (for line numbers).
pub fn ordered_map<R, T, W, E>(input: R, jobs: usize, work: W, mut emit: E) -> std::io::Result<Outcome>
where
    R: BufRead + Send,
    T: Send,
    W: Fn(&[Line], u64) -> T + Sync,
    E: FnMut(T) -> bool,
{
    if jobs <= 1 {
        // One core: the same chunks, without threads.
        let mut chunks = Chunks { input, first_line: 0 };
        while let Some((chunk, first)) = chunks.next_chunk()? {
            if !emit(work(&chunk, first)) {
                return Ok(Outcome::Stopped);
            }
        }
        return Ok(Outcome::Done);
    }
    std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = sync_channel::<(u64, Vec<Line>, u64)>(jobs * 2);
        let (out_tx, out_rx) = sync_channel::<(u64, T)>(jobs * 2);
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        let reader = scope.spawn(move || -> std::io::Result<()> {
            let mut chunks = Chunks { input, first_line: 0 };
            let mut seq = 0;
            while let Some((chunk, first)) = chunks.next_chunk()? {
                // A closed channel means the writer stopped: nothing more to read for.
                if chunk_tx.send((seq, chunk, first)).is_err() {
                    break;
                }
                seq += 1;
            }
            Ok(())
        });
        for _ in 0..jobs {
            let (chunk_rx, out_tx, work) = (Arc::clone(&chunk_rx), out_tx.clone(), &work);
            scope.spawn(move || {
                while let Some((seq, chunk, first)) = next(&chunk_rx) {
                    if out_tx.send((seq, work(&chunk, first))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(out_tx);
        // Outputs arrive in any order; keep the early ones until their turn.
        let mut pending: BTreeMap<u64, T> = BTreeMap::new();
        let mut turn = 0;
        let mut outcome = Outcome::Done;
        'write: for (seq, out) in out_rx.iter() {
            pending.insert(seq, out);
            while let Some(out) = pending.remove(&turn) {
                if !emit(out) {
                    outcome = Outcome::Stopped;
                    break 'write;
                }
                turn += 1;
            }
        }
        // Dropping the receivers ends the workers and the reader on their next send.
        drop(out_rx);
        drop(chunk_rx);
        match reader.join() {
            Ok(Err(e)) if matches!(outcome, Outcome::Done) => Err(e),
            _ => Ok(outcome),
        }
    })
}

fn next(rx: &Mutex<Receiver<(u64, Vec<Line>, u64)>>) -> Option<(u64, Vec<Line>, u64)> {
    rx.lock().ok()?.recv().ok()
}

/// Lines grouped into chunks, with the number of the chunk's first line.
struct Chunks<R> {
    input: R,
    first_line: u64,
}

impl<R: BufRead> Chunks<R> {
    fn next_chunk(&mut self) -> std::io::Result<Option<(Vec<Line>, u64)>> {
        let mut chunk = Vec::with_capacity(CHUNK_LINES);
        while chunk.len() < CHUNK_LINES {
            let mut bytes = Vec::new();
            let (too_long, eof) = read_bounded_line(&mut self.input, &mut bytes)?;
            if eof && bytes.is_empty() && !too_long {
                break;
            }
            chunk.push(Line { bytes, too_long });
            if eof {
                break;
            }
        }
        if chunk.is_empty() {
            return Ok(None);
        }
        let first = self.first_line;
        self.first_line += chunk.len() as u64;
        Ok(Some((chunk, first)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str, jobs: usize) -> String {
        let mut out = Vec::new();
        let work = |lines: &[Line], first: u64| {
            let mut o = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                o.extend_from_slice(
                    format!("{}:{}", first + i as u64 + 1, String::from_utf8_lossy(&l.bytes)).as_bytes(),
                );
            }
            o
        };
        ordered_map(input.as_bytes(), jobs, work, |b: Vec<u8>| {
            out.extend_from_slice(&b);
            true
        })
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn output_keeps_input_order_on_every_number_of_threads() {
        let input: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let one = run(&input, 1);
        assert_eq!(one.lines().count(), 20_000);
        assert!(one.starts_with("1:line 0\n2:line 1\n"));
        for jobs in [2, 3, 8] {
            assert_eq!(run(&input, jobs), one, "{jobs} threads");
        }
        assert_eq!(run("a\nb", 4), "1:a\n2:b", "a last line without a break is a line");
        assert_eq!(run("", 4), "");
    }

    #[test]
    fn a_stopped_writer_stops_the_pipeline() {
        let input: String = (0..100_000).map(|i| format!("{i}\n")).collect();
        let mut chunks = 0;
        let outcome = ordered_map(
            input.as_bytes(),
            4,
            |l, _| vec![0; l.len()],
            |_| {
                chunks += 1;
                chunks < 3
            },
        )
        .unwrap();
        assert!(matches!(outcome, Outcome::Stopped));
        assert_eq!(chunks, 3);
    }
}
