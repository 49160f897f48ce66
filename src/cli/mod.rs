//! Flag parsing and dispatch, one file per subcommand. This layer is the only one that touches the file
//! system, standard streams and exit codes.

/// Prints to standard output through [`write_stdout`], which ends the program quietly on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}

/// [`out!`] with a line break.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to standard error through [`write_stderr`], which ignores a closed stream: `eprint!` would panic.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::write_stderr(format_args!($($arg)*)) };
}

/// [`err!`] with a line break.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::write_stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

mod audit;
mod check;
mod compile;
mod decide;
mod diff;
mod disclose;
mod explain;
mod export;
mod fmt;
mod load;
mod lsp;
mod matchcmd;
mod parallel;
mod sources;
mod store;
mod test;
mod verify;

use clap::{Parser, Subcommand};

/// Exit code for a run whose input had errors (or whose checks failed).
pub const EXIT_FAIL: i32 = 1;
/// Exit code for usage errors and IO problems.
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser)]
#[command(name = "policyc", version, about = "Compile privacy policies written as data into matchers and disclosures")]
struct Cli {
    /// Show every diagnostic in full, such as each skipped entry of an imported list (summarised per list
    /// otherwise).
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

/// `--verbose`, set once from the command line before any subcommand runs.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--verbose` was given.
pub fn verbose() -> bool {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand)]
enum Command {
    /// Check policies and report every problem with its location, code and a hint.
    Check(check::Args),
    /// Normalise the layout of policy files (indentation, blank lines, trailing space), or check it.
    Fmt(fmt::Args),
    /// Print the checked policy as YAML or JSON (the data form, without source locations).
    Export(export::Args),
    /// Compile a policy to a matcher artifact and print its policy hash.
    Compile(compile::Args),
    /// Render the privacy notice in one language, format and region.
    Disclose(disclose::Args),
    /// Decide one URL and say why.
    Explain(explain::Args),
    /// Say what may be collected independently of the page in one state (from the device, the account and the
    /// policy's sources), and why.
    Sources(sources::Args),
    /// Decide URLs read from standard input, one JSON decision per line.
    Match(matchcmd::Args),
    /// Run a policy's `expect` lines.
    Test(test::Args),
    /// What changes between two versions of a policy, with witness URLs.
    Diff(diff::Args),
    /// Check a collection log (NDJSON) against the artifacts that were live.
    #[command(override_usage = "policyc audit [OPTIONS] ARTIFACT... LOG", after_help = audit::AFTER_HELP)]
    Audit(audit::Args),
    /// Run the language server on standard input and output, for editors.
    Lsp(lsp::Args),
    /// Print the data declarations browser extension stores require (Firefox, Chrome Web Store).
    Store(store::Args),
    /// Check a signed artifact (and the files it signs) as a component that updates remotely does.
    Verify(verify::Args),
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    VERBOSE.store(cli.verbose, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Export(a) => export::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Disclose(a) => disclose::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Sources(a) => sources::run(a),
        Command::Match(a) => matchcmd::run(a),
        Command::Test(a) => test::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Lsp(a) => lsp::run(a),
        Command::Store(a) => store::run(a),
        Command::Verify(a) => verify::run(a),
    }
}

/// The output choice of commands that print for a person by default and for a program on request.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// Writes to standard output. When the reader has gone (`policyc disclose ... | head`), the program ends at once,
/// quietly and with exit code 0, as a Unix filter does: the reader has what it wanted, and `println!` would panic.
/// Any other write error (a full disk) is reported, with exit code 2.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        std::process::exit(cannot_write_stdout(&e));
    }
}

/// Reports a write to standard output that failed for another reason than a closed pipe (a full disk), alike
/// for every command, and returns the exit code. Commands that stream through their own buffer (`match`,
/// `audit`) decide for themselves what a closed pipe means, and come here for every other failure.
pub fn cannot_write_stdout(e: &std::io::Error) -> i32 {
    fail(format!("cannot write to standard output: {e}"))
}

/// Writes to standard error and ignores failure. When standard error is closed (`policyc check X 2>&1 | head
/// -1`), there is nobody left to tell, and what the command writes elsewhere and its exit status must not
/// depend on it; `eprintln!` would panic instead.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// The one-line error for a file that cannot be read, worded alike by every command: `cannot read
/// \`x.policy\`: no such file`. The OS's own text (`No such file or directory (os error 2)`) is for
/// programmers; the kind of failure is what the user acts on.
pub fn cannot_read(path: &std::path::Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let reason = match e.kind() {
        ErrorKind::NotFound => "no such file".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::IsADirectory => "it is a directory".to_string(),
        ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        other => other.to_string().to_lowercase(),
    };
    format!("cannot read `{}`: {reason}", path.display())
}

/// Prints a one-line error for a problem that is not a policy diagnostic (a missing file, a bad artifact).
pub fn fail(message: impl std::fmt::Display) -> i32 {
    errln!("error: {message}");
    EXIT_USAGE
}
