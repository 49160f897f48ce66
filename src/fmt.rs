//! `policyc fmt`: a conservative formatter for policy files.
//!
//! Policy authors align texts in columns (`signal signed_in  en "..."  de "..."`), and a reviewer reads
//! policies in diffs, so the formatter does not re-flow anything: it never moves a token to another line and
//! never changes the spacing between tokens on a line. It normalises what diffs stumble over: the indentation
//! of each line (items at column 0; block contents and clause lines indented by two spaces; a line that goes
//! on from the one before, such as a text in a second language aligned under the first, keeps its alignment
//! and moves with that line), trailing white space, runs of blank lines, and the final newline. Lines inside multi-line
//! strings and block comments are left exactly as they are. As a guard, the result must have the same tokens
//! as the input, or nothing is written.
//!
//! A file that does not parse is never formatted: its indentation is computed from brace depth, and a missing
//! `}` would shift every line after it, so reformatting would bury the error under a whole-file change. The
//! syntax error is returned instead, for the caller to show as `check` would.

use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use std::fmt;

/// Why a text was not formatted.
#[derive(Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The text does not parse; the diagnostic points into file `FileId::default()`, the text given.
    Syntax(Box<Diagnostic>),
    /// Formatting would have changed a token (a bug in the formatter, caught by its own guard).
    Tokens,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(f, "the file does not parse ({}); it was left as it is", d.message),
            FormatError::Tokens => {
                f.write_str("formatting would change the policy's tokens; the file was left as it is")
            }
        }
    }
}

const INDENT: usize = 2;

/// The lines of a text, split at `\n` only: a `\r` inside a multi-line string is content and must survive.
fn split_lines(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text.split('\n').collect();
    if text.ends_with('\n') {
        v.pop();
    }
    v
}

/// Where a scan stands at the end of a line.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Scan {
    depth: usize,
    in_string: bool,
    in_block_comment: bool,
}

/// Advances the scan over one line; returns the state at its end.
fn scan_line(mut s: Scan, line: &str) -> Scan {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if s.in_block_comment {
            if b[i..].starts_with(b"*/") {
                s.in_block_comment = false;
                i += 1;
            }
        } else if s.in_string {
            match b[i] {
                b'\\' => i += 1,
                b'"' => s.in_string = false,
                _ => {}
            }
        } else if b[i..].starts_with(b"//") {
            break;
        } else if b[i..].starts_with(b"/*") {
            s.in_block_comment = true;
            i += 1;
        } else {
            match b[i] {
                b'"' => s.in_string = true,
                b'{' => s.depth += 1,
                b'}' => s.depth = s.depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    s
}

/// The keywords that open a clause of an item on a line of its own (`on retail`, `keep 90 days`): such a line is
/// indented by exactly [`INDENT`]. Any other line inside an item goes on from the line before (the rest of a
/// list or a condition, a text in another language) and keeps the author's alignment.
const CLAUSE_KEYWORDS: &[&str] = &[
    "on",
    "for",
    "keep",
    "when",
    "link",
    "at",
    "from",
    "allow",
    "region",
    "label",
    "category",
    "basis",
    "profiling",
    "decisions",
    "special",
    "default",
    "opt",
    "withdraw",
    "reward",
    "value",
    "processor",
    "safeguard",
    "direct",
    "own",
    "shared",
    "sold",
    "necessary",
    "then",
    "expect",
    "stays",
];

/// Whether a line inside a block whose first token is `first` goes on from the line before rather than starting
/// an element: a text (`de "…"` under `en "…"`, or a bare string) or a language or region code of a list.
fn continues(first: &str) -> bool {
    let code = first.trim_end_matches(',');
    let (head, tail) = code.split_once('-').unwrap_or((code, ""));
    let tag = head.len() == 2
        && (head.bytes().all(|b| b.is_ascii_lowercase()) || head.bytes().all(|b| b.is_ascii_uppercase()))
        && tail.bytes().all(|b| b.is_ascii_alphanumeric());
    first.starts_with('"') || tag || code == "EU"
}

fn starts_item(trimmed: &str) -> bool {
    crate::ast::ITEM_KEYWORDS.iter().any(|k| {
        trimmed.strip_prefix(k).is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    })
}

/// The tokens of a text with all white space outside strings and comments removed: what the formatter must
/// preserve exactly.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = Scan::default();
    for line in split_lines(text) {
        let protected = s.in_string || s.in_block_comment;
        if protected {
            out.push(line.to_string());
        } else {
            out.extend(line.split_whitespace().map(str::to_string));
        }
        s = scan_line(s, line);
    }
    out
}

/// Formats a policy text. Returns an error (and no text) if the text does not parse, or if the result would not
/// be token for token the input.
///
/// The file keeps its line endings and its byte order mark: a file whose first line ends in `\r\n` gets `\r\n`
/// after every line (a Windows checkout stays one), and lines inside strings and block comments keep theirs.
pub fn format(text: &str) -> Result<String, FormatError> {
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    crate::parser::parse(FileId::default(), text).map_err(FormatError::Syntax)?;
    let nl = match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    };
    let lines: Vec<&str> = split_lines(text);
    // The state at the start of each line.
    let mut states = Vec::with_capacity(lines.len() + 1);
    let mut s = Scan::default();
    for line in &lines {
        states.push(s);
        s = scan_line(s, line);
    }
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    // How far the last line that started an element moved, and whether the last code line started an item.
    let mut shift: isize = 0;
    let mut after_item = false;
    for (n, line) in lines.iter().enumerate() {
        let st = states[n];
        if st.in_string || st.in_block_comment {
            // Inside a string or a block comment every character is content, a `\r` before the `\n` included.
            out.push_str(line);
            out.push('\n');
            blank_run = 0;
            continue;
        }
        let ends_protected = {
            let end = states.get(n + 1).copied().unwrap_or(s);
            end.in_string || end.in_block_comment
        };
        let trimmed = line.trim_start();
        let trimmed = if ends_protected { trimmed } else { trimmed.trim_end() };
        if trimmed.is_empty() {
            blank_run += 1;
            // At most one blank line in a row, and none at the start of the file.
            if blank_run == 1 && !out.is_empty() {
                out.push_str(nl);
            }
            continue;
        }
        blank_run = 0;
        let original_indent = line.len() - line.trim_start().len();
        let first = trimmed.split_whitespace().next().unwrap_or_default();
        // A line that goes on from the one before keeps its alignment to it: it moves by as much as the last
        // line that started an element (an item, a clause, a header field, a pattern) moved.
        let follow = |least: usize| least.max(original_indent.saturating_add_signed(shift));
        let indent = if trimmed.starts_with('}') {
            st.depth.saturating_sub(1) * INDENT
        } else if st.depth > 0 && continues(first) {
            follow(st.depth * INDENT)
        } else if st.depth > 0 {
            // A header field, a site pattern, a `from` or a comment: each starts an element of the block.
            st.depth * INDENT
        } else if starts_item(trimmed) || trimmed.starts_with('{') {
            0
        } else if trimmed.starts_with("//") || trimmed.starts_with("/*") {
            // A comment belongs to the code after it: at column 0 before an item, indented before a clause.
            let next = (n + 1..lines.len())
                .filter(|&k| !states[k].in_block_comment && !states[k].in_string)
                .map(|k| lines[k].trim_start())
                .find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("/*"));
            if next.is_none_or(starts_item) {
                0
            } else {
                INDENT.max(original_indent)
            }
        } else if CLAUSE_KEYWORDS.contains(&first) || (after_item && continues(first)) {
            // A clause, or the item's text on the line after the item's name.
            INDENT
        } else {
            // The rest of a list or a condition, or a text in another language, aligned by its author.
            follow(INDENT)
        };
        let is_comment = trimmed.starts_with("//") || trimmed.starts_with("/*");
        if !is_comment {
            let starts_element = if st.depth > 0 {
                !continues(first)
            } else {
                starts_item(trimmed) || CLAUSE_KEYWORDS.contains(&first) || (after_item && continues(first))
            };
            if starts_element {
                shift = indent as isize - original_indent as isize;
            }
            // An item line without a text of its own (`signal signed_in`) is followed by its texts; after one
            // with a text, a text line is that text in another language, aligned under it.
            after_item = st.depth == 0 && starts_item(trimmed) && !trimmed.contains(['{', '"']);
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(trimmed);
        // A line that opens a multi-line string keeps its `\r` (it is in `trimmed`, as content).
        out.push_str(if ends_protected { "\n" } else { nl });
    }
    while out.ends_with(&nl.repeat(2)) {
        out.truncate(out.len() - nl.len());
    }
    if tokens(&out) != tokens(text) {
        return Err(FormatError::Tokens);
    }
    Ok(format!("{bom}{out}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeper_indentation_is_normalised_and_alignment_moves_with_its_line() {
        let four = "policy p {\n      name \"P\"\n    representative en \"R\"\n                   de \"R\"\n}\n\
                    signal s\n    en \"signed in\"\n    de \"angemeldet\"\n\
                    sites x \"x\" {\n      a.example\n    b.example\n}\n\
                    collect d\n        on x\n        when s and\n             s\n   keep 1 day\n";
        let two = "policy p {\n  name \"P\"\n  representative en \"R\"\n                 de \"R\"\n}\n\
                   signal s\n  en \"signed in\"\n  de \"angemeldet\"\n\
                   sites x \"x\" {\n  a.example\n  b.example\n}\n\
                   collect d\n  on x\n  when s and\n       s\n  keep 1 day\n";
        assert_eq!(format(four).unwrap(), two);
        assert_eq!(format(two).unwrap(), two, "idempotent");
        // A text in a second language under the first one on the item's own line keeps its column.
        let aligned = "data d en \"the page\"\n       de \"die Seite\"\n";
        assert_eq!(format(aligned).unwrap(), aligned);
    }

    #[test]
    fn keeps_crlf_line_endings_and_the_byte_order_mark() {
        let lf = "policy p {\nname \"P\"\n}\n\n\ncollect a\n on b\n";
        let want_lf = "policy p {\n  name \"P\"\n}\n\ncollect a\n  on b\n";
        assert_eq!(format(lf).unwrap(), want_lf);
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(format(&crlf).unwrap(), want_lf.replace('\n', "\r\n"));
        assert_eq!(format(&format(&crlf).unwrap()).unwrap(), want_lf.replace('\n', "\r\n"), "idempotent");
        // A string over two lines keeps its `\r\n` as content, and the lines around it theirs.
        let multi = "policy p {\r\n  name en \"A\r\n    B\" de \"C\"\r\n}\r\n";
        assert_eq!(format(multi).unwrap(), multi);
        let bom = format!("\u{feff}{crlf}");
        assert_eq!(format(&bom).unwrap(), format!("\u{feff}{}", want_lf.replace('\n', "\r\n")));
    }

    #[test]
    fn normalises_indentation_and_blank_lines_only() {
        let messy =
            "\n\n   policy p {\nname \"P\"\n      version   \"1\"   \n}\n\n\n\ncollect a\n on b  // where\n\tfor c\n";
        let want = "policy p {\n  name \"P\"\n  version   \"1\"\n}\n\ncollect a\n  on b  // where\n  for c\n";
        assert_eq!(format(messy).unwrap(), want);
        assert_eq!(format(want).unwrap(), want, "idempotent");
    }

    #[test]
    fn strings_and_block_comments_are_untouched() {
        let text = "data d en \"two\n   lines  \"\n/* keep\n      this */\nsignal s \"s\"\n";
        assert_eq!(format(text).unwrap(), text);
    }
}
