//! Parsing: policy text to [`ast::File`](crate::ast::File), with syntax errors as diagnostics.
//!
//! The grammar lives in `grammar/policy.pest` and is compiled by `pest_derive`. This module walks pest's pairs
//! into the typed AST and turns pest's errors into a [`Diagnostic`] that says what was expected in words:
//! pest reports the rules it tried, and users must never see rule names such as `kw_collect` or `name_list`.

use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/policy.pest"]
struct PolicyParser;

/// Parses one policy file. On a syntax error, returns the one diagnostic that describes it (pest stops at the
/// first error; everything after it would only be noise).
pub fn parse(file: FileId, text: &str) -> Result<File, Box<Diagnostic>> {
    check_nesting(file, text)?;
    let mut pairs =
        PolicyParser::parse(Rule::file, text).map_err(|e| Box::new(syntax_diagnostic(file, text, Rule::file, e)))?;
    let root = pairs.next().expect("the file rule always yields one pair");
    let b = Builder { file };
    let mut items = Vec::new();
    for pair in root.into_inner() {
        if pair.as_rule() == Rule::EOI {
            break;
        }
        items.push(b.item(pair));
    }
    Ok(File { items })
}

/// Deepest nesting of parentheses and `not`s a condition may have. The matcher evaluates conditions with a
/// 64-level stack; refusing deeper ones before parsing also keeps the recursive parser and every later pass far
/// from the thread's stack limit, whatever the input.
pub const MAX_NESTING: usize = 64;

/// Refuses text whose conditions nest deeper than [`MAX_NESTING`], outside strings and comments.
fn check_nesting(file: FileId, text: &str) -> Result<(), Box<Diagnostic>> {
    let b = text.as_bytes();
    let (mut i, mut depth, mut nots) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'n' if b[i..].starts_with(b"not")
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
                && !b.get(i + 3).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') =>
            {
                nots += 1;
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                nots = 0;
                while i + 1 < b.len() && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == b'_') {
                    i += 1;
                }
            }
            _ => {}
        }
        if depth + nots > MAX_NESTING {
            let at = i.min(text.len());
            let at = (0..=at).rev().find(|&k| text.is_char_boundary(k)).unwrap_or(0);
            return Err(Box::new(
                Diagnostic::new(
                    Code::LimitExceeded,
                    Span::new(file, at, at),
                    format!("a condition nests more than {MAX_NESTING} levels deep"),
                )
                .with_label("too deep")
                .with_help("simplify the condition: conditions are evaluated with a fixed stack of 64 levels"),
            ));
        }
        i += 1;
    }
    Ok(())
}

/// Parses a condition written alone, as the YAML form of a policy stores `when` and `link to account when`.
pub fn parse_cond(file: FileId, text: &str) -> Result<Cond, Box<Diagnostic>> {
    check_nesting(file, text)?;
    let mut pairs = PolicyParser::parse(Rule::cond_only, text)
        .map_err(|e| Box::new(syntax_diagnostic(file, text, Rule::cond_only, e)))?;
    let cond = pairs.next().and_then(|p| p.into_inner().next()).expect("cond_only yields a cond");
    Ok(Builder { file }.cond(cond))
}

fn syntax_diagnostic(file: FileId, text: &str, rule: Rule, err: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // Point at the offending token (up to the next space), or at the end of the file.
    let rest = &text[pos..];
    // A list's comma ends the token too (`EN,` in `languages EN, de`), except in a string, which may hold one.
    let end = |c: char| c.is_whitespace() || (c == ',' && !rest.starts_with('"'));
    let len = rest.find(end).unwrap_or(rest.len()).min(40);
    let len = (0..=len).rev().find(|&l| rest.is_char_boundary(l)).unwrap_or(0);
    let invisible = rest.chars().next().and_then(invisible_char);
    // An invisible character is named, since quoting it would show nothing (`found ``` for a no-break space
    // pasted from a web page, which looks like any other space).
    let len = match (invisible, rest.chars().next()) {
        (Some(_), Some(c)) => c.len_utf8(),
        _ => len,
    };
    let span = Span::new(file, pos, pos + len);
    let found = match invisible {
        Some(name) => format!("{name} (U+{:04X})", rest.chars().next().map_or(0, |c| c as u32)),
        None if rest.is_empty() => "the end of the file".to_string(),
        None => format!("`{}`", &rest[..len]),
    };
    let mut expected: Vec<&'static str> = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().filter_map(|r| describe(*r)).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // An `expect` line's outcome is one rule for `collects` and `links`, and a rule is described by one word: the
    // other one can stand there as well.
    if expected.contains(&"`collects`") {
        expected.push("`links`");
    }
    expected.sort_unstable();
    expected.dedup();
    if rest.starts_with('"') && expected.iter().any(|e| e.contains("string")) {
        // A string is the only token that can fail after its first character: its closing quote is missing.
        return Diagnostic::new(Code::Syntax, Span::new(file, pos, pos + 1), "this string is never closed")
            .with_label("string starts here")
            .with_help("add the closing `\"`; a `\"` inside a string is written `\\\"`");
    }
    // `expect "URL" region GB with X collects ...`: the settings come before the region. Say that, rather than
    // that `collects` was expected.
    let is_word =
        |w: &str| rest.strip_prefix(w).is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
    let in_expect = text[..pos].rfind("expect").map(|at| &text[at..pos]);
    if is_word("with")
        && expected.contains(&"`collects`")
        && in_expect.is_some_and(|e| e.split_whitespace().any(|w| w == "region"))
    {
        return Diagnostic::new(Code::Syntax, span, "in an `expect` line, `with` comes before `region`")
            .with_label("after `region`")
            .with_help(
                "write the settings first: `expect \"https://...\" with signed_in region GB collects page_url`",
            );
    }
    // `expect "URL" collects page_url with signed_in`: the state comes before the outcomes.
    let outcomes = ["collects", "links", "uses", "keeps", "shares"];
    let state_word = ["with", "region", "at"].into_iter().find(|w| is_word(w));
    if let (Some(w), true) = (
        state_word,
        expected.contains(&"`collects`")
            && in_expect.is_some_and(|e| e.split_whitespace().any(|x| outcomes.contains(&x))),
    ) {
        return Diagnostic::new(
            Code::Syntax,
            span,
            format!("in an `expect` line, `{w}` comes before what the line expects"),
        )
        .with_label("after an outcome")
        .with_help(
            "write the page, then `at`, `with` and `region`, then the outcomes: `expect \"https://...\" with \
             signed_in region DE collects page_url`",
        );
    }
    // `data d en "…" category internet_activity`, `feature f "…" default off`: a clause written after the text
    // that must come before it.
    let item = before_item(&text[..pos]).split_whitespace().next().unwrap_or_default();
    let early = match item {
        "data" => ["category", "aggregated"].into_iter().find(|w| is_word(w)),
        "feature" => ["default"].into_iter().find(|w| is_word(w)),
        _ => None,
    };
    if let Some(w) = early {
        let example = match item {
            "data" => "`data page_url category internet_activity en \"...\" label en \"...\"`",
            _ => "`feature price_compare default on en \"...\" opt in en \"...\"`",
        };
        return Diagnostic::new(Code::Syntax, span, format!("in a `{item}` declaration, `{w}` comes before the text"))
            .with_label("after the text")
            .with_help(format!("move it right after the name, as in {example}"));
    }
    // `with signed_in off`, `with stats=on`, `with !stats`: a setting is on by its name and off with `not`. The
    // missing-comma hint would otherwise make `off` a second name.
    let in_with = in_expect.is_some_and(|e| {
        let words: Vec<&str> = e.split_whitespace().collect();
        words.contains(&"with") && !words.iter().any(|w| ["collects", "links", "uses", "keeps", "shares"].contains(w))
    });
    let switch_word = ["off", "on", "true", "false", "yes", "no"].into_iter().find(|w| is_word(w));
    if in_with && (switch_word.is_some() || rest.starts_with(['=', '!', ':'])) {
        let before = text[..pos].trim_end();
        let name = before.rsplit(|c: char| c.is_whitespace() || c == ',').next().unwrap_or_default();
        let (name, off) = match switch_word {
            // `signed_in off`: the name is the word before; `=off` and `!name` come with the name around them.
            Some(w) => (name, matches!(w, "off" | "false" | "no")),
            None if rest.starts_with('!') => {
                (rest[1..].split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default(), true)
            }
            None => (name, ["off", "false", "no"].iter().any(|w| rest[1..].trim_start().starts_with(w))),
        };
        let write = if off { format!("with not {name}") } else { format!("with {name}") };
        return Diagnostic::new(Code::Syntax, span, "in an `expect` line, a setting is on by its name and off with `not`")
            .with_label("not part of a setting")
            .with_help(format!("write `{write}`: a name alone switches the signal or feature on, `not NAME` switches it off, and every other one keeps its default"));
    }
    if let Some(d) = unclosed_comment(file, text, pos, &expected) {
        return d;
    }
    if let Some(d) = unclosed_block(file, text, pos, span, &expected, rest) {
        return d;
    }
    if let Some(d) = missing_comma(file, text, rule, pos, &expected) {
        return d;
    }
    let message = match expected.len() {
        0 => format!("unexpected {found}"),
        _ => format!("expected {}, found {found}", one_of(&expected)),
    };
    let help = match invisible {
        Some(_) => "replace it with an ordinary space, or delete it: it looks like a space or like nothing at \
                    all, but the language reads only spaces, tabs and line breaks between words"
            .to_string(),
        None => help_for(&expected, rest, &text[..pos]),
    };
    match string_over_lines(text, pos) {
        // A string may run over lines, so one whose `"` is missing ends only at the next string's opening
        // quote, and the parse fails on what follows. The mistake is where the runaway string began, so that is
        // where the diagnostic points; the place the parse failed is only a consequence of it.
        Some((start, line, end)) => {
            let error_line = line_of(text, pos);
            Diagnostic::new(Code::Syntax, Span::new(file, start, start + 1), "this string is never closed on its line")
                .with_label("string starts here")
                .with_secondary(
                    Span::new(file, end.saturating_sub(1), end),
                    format!("so it runs on to this `\"` on line {error_line}"),
                )
                .with_secondary(span, format!("and {found} is read as the policy, not as text"))
                .with_help(format!(
                    "add the closing `\"` on line {line}: a string may run over lines, so without it the string \
                     ends only at the next `\"`"
                ))
        }
        None => Diagnostic::new(Code::Syntax, span, message).with_label("unexpected here").with_help(help),
    }
}

/// A block comment whose `*/` is missing: the `/*` is then no comment at all, so the parse fails right at it
/// with a list of what could stand there, which says nothing about the real mistake. Report the comment as the
/// unclosed comment it is, where it opens. In a `sites` block, `/*` is more likely a glob written after a path
/// (`example.com/products/*`), so the help says what a path pattern already means.
fn unclosed_comment(file: FileId, text: &str, pos: usize, expected: &[&str]) -> Option<Diagnostic> {
    let rest = text.get(pos..)?;
    if !rest.starts_with("/*") || rest.get(2..)?.contains("*/") {
        return None;
    }
    let help = if expected.iter().any(|e| e.starts_with("a site pattern")) {
        "`/*` opens a comment, and nothing closes it; a pattern with a path is already a prefix, so \
         `example.com/products/` covers every page under it, and `example.com` covers the whole site"
    } else {
        "add `*/` where the comment ends, or start each line of the comment with `//`"
    };
    Some(
        Diagnostic::new(Code::Syntax, Span::new(file, pos, pos + 2), "this comment is never closed")
            .with_label("comment starts here")
            .with_help(help),
    )
}

/// Most lists in the grammar are names separated by commas (`collect page_url, title`, `regions US, DE`,
/// `languages en, de`). A missing comma shows up as a name where a clause or an item was expected, so pest
/// lists every clause and item keyword, none of which is the fix. Whether a comma is what is missing is decided
/// by the grammar itself: insert one before the unexpected name and parse again; if the parse then gets past
/// that name, the name was the next element of a list. The same is repeated for the names after it, so that the
/// help can show the whole list as it should be written.
fn missing_comma(file: FileId, text: &str, rule: Rule, pos: usize, expected: &[&str]) -> Option<Diagnostic> {
    /// Bounds the reparses a single syntax error may cost (each is a parse of the whole file).
    const MAX_COMMAS: usize = 8;
    /// Past this size a file is not reparsed for the hint: the language server parses on every keystroke, and
    /// nine parses of a file of site lists written inline took seconds. Such a file still gets the plain error.
    const MAX_REPARSED: usize = 256 * 1024;
    if text.len() > MAX_REPARSED {
        return None;
    }
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let word_at = |t: &str, at: usize| -> Option<String> {
        let w: String = t.get(at..)?.chars().take_while(|c| is_name_char(*c)).collect();
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_').then_some(w)
    };
    let word = word_at(text, pos)?;
    // A misspelt keyword (`fr` for `for`) is the more likely mistake, and its help says so already.
    let keywords = expected.iter().filter_map(|e| e.strip_prefix('`')?.strip_suffix('`'));
    let lowercase = keywords.filter(|k| k.bytes().all(|b| b.is_ascii_lowercase()));
    if crate::diagnostic::did_you_mean(&word, lowercase).is_some_and(|meant| meant != word) {
        return None;
    }
    // The name before the unexpected one, with nothing but spaces between them on the same line.
    let before = text.get(..pos)?;
    let prev_end = before.trim_end_matches([' ', '\t']).len();
    let prev: String = {
        let head = text.get(..prev_end)?;
        let start = head.trim_end_matches(is_name_char).len();
        head.get(start..)?.to_string()
    };
    if prev.is_empty() || prev_end == pos {
        return None;
    }
    // Insert commas one at a time, each after the last name the previous reparse got past.
    let mut fixed = text.to_string();
    let mut words = vec![prev.clone()];
    let (mut gap, mut next) = (prev_end, pos);
    for _ in 0..MAX_COMMAS {
        fixed.insert(gap, ',');
        let (word_start, word_end) = (next + 1, next + 1 + word_at(&fixed, next + 1).map_or(0, |w| w.len()));
        let error_at = match PolicyParser::parse(rule, &fixed) {
            Ok(_) => None,
            Err(e) => Some(match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            }),
        };
        if error_at.is_some_and(|at| at <= word_start) {
            // The comma did not help here: the first one is no fix at all, a later one ends the list.
            if words.len() == 1 {
                return None;
            }
            break;
        }
        // The first comma must also get the parse past what follows the name, unless that is another name of
        // the list: `for p kept 1 day` with a comma fails at once at `1`, so `kept` was no list element (it is
        // a misspelt `keep` too far from it for the did-you-mean above).
        let Some(at) = error_at else {
            words.push(fixed.get(word_start..word_end)?.to_string());
            break;
        };
        let between = fixed.get(word_end..at)?;
        let at_next_token = between.chars().all(|c| c == ' ' || c == '\t');
        if words.len() == 1 && at_next_token && word_at(&fixed, at).is_none() {
            return None;
        }
        words.push(fixed.get(word_start..word_end)?.to_string());
        // Go on only when the parse now fails at another name right after this one, on the same line.
        if between.is_empty() || !between.chars().all(|c| c == ' ' || c == '\t') || word_at(&fixed, at).is_none() {
            break;
        }
        (gap, next) = (word_end, at);
    }
    let list = words.join(", ");
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(file, prev_end, prev_end),
            format!("missing `,` between `{prev}` and `{word}`"),
        )
        .with_label("a `,` is missing here")
        .with_secondary(Span::new(file, pos, pos + word.len()), format!("`{word}` continues the list"))
        .with_help(format!("the names of a list are separated by commas: `{list}`")),
    )
}

/// The start, line and end of the string that ends on the error's line, before the error, when that string starts
/// on an earlier line: the sign of a string whose closing quote is missing.
fn string_over_lines(text: &str, pos: usize) -> Option<(usize, usize, usize)> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut last = None;
    while i < pos {
        match (b.get(i), b.get(i + 1)) {
            (Some(b'/'), Some(b'/')) => i = text.get(i..)?.find('\n').map_or(b.len(), |n| i + n),
            (Some(b'/'), Some(b'*')) => i = text.get(i + 2..)?.find("*/").map_or(b.len(), |n| i + n + 4),
            (Some(b'"'), _) => {
                let start = i;
                i += 1;
                while let Some(&c) = b.get(i) {
                    i += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
                last = Some((start, i));
            }
            _ => i += 1,
        }
    }
    let (start, end) = last?;
    let between = text.get(end..pos)?;
    let body = text.get(start..end)?;
    // A string that runs away ends at what was meant as the next string's opening quote, which stands after a
    // space and before the text (`criterion c "until`); a string meant to run over lines ends at a closing
    // quote, after its text and before a space (`second line" categry`), and the mistake is then elsewhere.
    let space = |c: Option<&u8>| c.is_none_or(u8::is_ascii_whitespace);
    let opens = space(end.checked_sub(2).and_then(|i| b.get(i))) || !space(b.get(end));
    (opens && body.contains('\n') && !between.contains('\n')).then(|| (start, line_of(text, start), end))
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, pos: usize) -> usize {
    text.get(..pos).map_or(0, |t| t.matches('\n').count()) + 1
}

/// A block (`policy NAME {` or `sites NAME {`) whose `}` is missing shows up only where the next item's keyword
/// stands. Report it as the unclosed block it is, at its `{`, and say where the `}` goes, rather than listing
/// what the block could still hold.
fn unclosed_block(file: FileId, text: &str, pos: usize, at: Span, expected: &[&str], rest: &str) -> Option<Diagnostic> {
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if !expected.contains(&"`}`") || !crate::ast::ITEM_KEYWORDS.contains(&word.as_str()) {
        return None;
    }
    // Neither block holds another `{`, and the `{` that opens one ends its first line; the opening line is the
    // last one before the error that ends in `{` (strings and comments cannot end a line that way in either
    // block's first line, and a pattern never contains `{`).
    let before = text.get(..pos)?;
    let (line_start, open_line) = before
        .split('\n')
        .scan(0, |start, line| {
            let at = *start;
            *start += line.len() + 1;
            Some((at, line.trim_end()))
        })
        .filter(|(_, line)| line.ends_with('{'))
        .last()?;
    let block = open_line.split_whitespace().next()?;
    if block != "policy" && block != "sites" {
        return None;
    }
    let brace = line_start + open_line.len() - 1;
    // The `}` belongs after the block's last line with content, which is the line before the blank lines and
    // comments that precede the next item.
    let last = before.get(..content_len(before))?.lines().count();
    Some(
        Diagnostic::new(
            Code::Syntax,
            Span::new(file, brace, brace + 1),
            format!("this `{block}` block is never closed"),
        )
        .with_label("the block opens here")
        .with_secondary(at, format!("`{word}` starts the next item"))
        .with_help(format!("add `}}` on a line of its own after line {last}, where the block ends")),
    )
}

fn one_of(items: &[&str]) -> String {
    match items {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
        [] => String::new(),
    }
}

/// The name of a character that shows as a space or as nothing, which a syntax error cannot quote visibly.
/// Tabs, spaces and line breaks are the language's own whitespace and never the offending token.
fn invisible_char(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00A0}' | '\u{202F}' | '\u{2007}' => "a no-break space",
        '\u{FEFF}' => "a byte order mark",
        '\u{200B}' => "a zero-width space",
        '\u{200C}' | '\u{200D}' | '\u{2060}' => "a zero-width character",
        '\u{00AD}' => "a soft hyphen",
        '\0' => "a NUL character",
        c if c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r') => "a space character other than a space",
        c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => "a control character",
        _ => return None,
    })
}

fn help_for(expected: &[&str], rest: &str, before: &str) -> String {
    let help = help_in_context(expected, rest, before);
    // A misspelt keyword where the parser expected it (`kep 30 days`, `defualt off`): name the keyword meant
    // first, then what the place takes. A word that is itself a keyword (`for` where `or` could stand) is no
    // misspelling: it is in the wrong place, and the help says why.
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let reserved = !word.is_empty() && PolicyParser::parse(Rule::ident, &word).is_err();
    let keywords = expected.iter().filter_map(|e| e.strip_prefix('`')?.strip_suffix('`'));
    match crate::diagnostic::did_you_mean(&word, keywords.filter(|k| k.bytes().all(|b| b.is_ascii_lowercase()))) {
        Some(meant) if !word.is_empty() && !reserved && meant != word && !help.starts_with("did you mean") => {
            format!("did you mean `{meant}`? {help}")
        }
        _ => help,
    }
}

/// The last item of `before`: the text from the last line that starts in its first column (an item's further
/// lines are indented, or go on after a line break inside a list).
fn before_item(before: &str) -> &str {
    let start = before
        .match_indices('\n')
        .rev()
        .map(|(i, _)| i + 1)
        .find(|&i| before.get(i..).is_some_and(|l| !l.starts_with([' ', '\t', '\n', '\r', '/'])))
        .unwrap_or(0);
    before.get(start..).unwrap_or_default()
}

/// How many `(` are open at the end of `before`'s last item (the text from the last line that starts in its
/// first column), outside strings and comments.
fn open_parens(before: &str) -> usize {
    let item = before_item(before);
    let (mut depth, mut in_string, mut escaped, mut chars) = (0usize, false, false, item.chars().peekable());
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '/' if chars.peek() == Some(&'/') => {
                // A line comment runs to the end of its line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    depth
}

fn help_in_context(expected: &[&str], rest: &str, before: &str) -> String {
    let texts = expected.iter().any(|e| e.contains("string"));
    if texts && rest.starts_with(['\u{201C}', '\u{201D}', '\u{201E}', '\u{2018}', '\u{2019}', '\u{00AB}', '\u{00BB}']) {
        return "strings are written in straight double quotes (`\"`), not typographic ones".into();
    }
    if expected.contains(&"`sell`") {
        return "after `never` comes `collect on SITES` (nowhere there), `collect DATA` (a promise not to collect \
                it), or a promise about recipients: `never sell`, `never share`, `never disclose`, or several \
                joined by `or` (`never sell or share`)"
            .into();
    }
    if rest.starts_with('"') && expected.iter().any(|e| e.contains("name")) {
        return "names are written without quotes: `page_url`, not `\"page_url\"`".into();
    }
    // A letter outside ASCII in a name (`data dätä`) ends the name there, and what the grammar takes after a name
    // (texts per language, a clause) would send the author the wrong way.
    if let Some(c) = rest.chars().next().filter(|c| !c.is_ascii() && c.is_alphabetic()) {
        let in_name = before.ends_with(|b: char| b.is_ascii_alphanumeric() || b == '_');
        if in_name || expected.iter().any(|e| e.starts_with("a name")) {
            return format!(
                "a name is one word of ASCII letters, digits and `_`, such as `page_url`, and `{c}` is none of them; \
                 texts in quotes may hold any letter"
            );
        }
    }
    if expected.contains(&"a language tag and a string") {
        return "texts are written per language: `en \"Price comparison\" de \"Preisvergleich\"`".into();
    }
    if expected.iter().any(|e| e.starts_with("a unit") || e.starts_with("a retention criterion")) {
        return "retention is a number and a unit (`keep 90 days`, `keep 1 year`), or the criterion that \
                determines it: `keep until uninstall`, `keep while account exists`, `keep until session ends`, \
                or `keep until NAME` for a declared `criterion NAME`"
            .into();
    }
    if expected.iter().any(|e| e.starts_with("a condition")) {
        return "a condition combines signals and features with `and`, `or`, `not` and parentheses: \
                `when price_compare and not signed_in`; keywords such as `for` cannot be names"
            .into();
    }
    if expected.iter().any(|e| e.starts_with("a name")) && !expected.contains(&"`collect`") {
        return "names start with a letter or `_` and continue with letters, digits and `_`; keywords such as \
                `for`, `on` or `when` cannot be names"
            .into();
    }
    if expected.iter().any(|e| e.starts_with("a region code")) {
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let upper = word.to_ascii_uppercase();
        let hint = match crate::region::code_suggestion(&word) {
            Some(s) => format!("did you mean `{s}`? "),
            None if !word.is_empty() && crate::region::is_code(&upper) => format!("did you mean `{upper}`? "),
            None => String::new(),
        };
        return format!("{hint}regions are ISO 3166 codes in capitals (`DE`, `GB`, `US-CA`) or `EU`");
    }
    if rest.starts_with("/*") && expected.iter().any(|e| e.starts_with("a site pattern")) {
        return "`/*` opens a comment; a pattern with a path is already a prefix, so `example.com/products/` \
                covers every page under it, and `example.com` covers the whole site"
            .into();
    }
    if expected.iter().any(|e| e.starts_with("a site pattern")) {
        return "a `sites` block holds patterns such as `example.com`, `exact shop.example.com`, `ebay.*`, \
                `example.com/products/` or `from \"lists/file.txt\"`, and ends with `}`"
            .into();
    }
    let joins = expected.contains(&"`and`") && expected.contains(&"`or`");
    if joins && open_parens(before) > 0 {
        return "a `(` in this condition is not closed: add `)` where the group ends, before the next clause".into();
    }
    if joins && ["&&", "||", "&", "|", "AND", "OR", "And", "Or"].iter().any(|op| rest.starts_with(op)) {
        return "conditions are joined with the words `and` and `or`, in lower case, and negated with `not`: \
                `when price_compare and not signed_in`"
            .into();
    }
    if expected.contains(&"a quoted string") {
        let token = rest.split(|c: char| c.is_whitespace() || c == '}').next().unwrap_or_default();
        return match token {
            "" => "a text in double quotes goes here: `\"...\"`".into(),
            _ => format!("this value is text: write it in double quotes, `\"{token}\"`"),
        };
    }
    if expected.iter().any(|e| e.starts_with("a language tag")) {
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if !word.is_empty() && word.bytes().any(|b| b.is_ascii_uppercase()) {
            return format!(
                "did you mean `{}`? language tags are written in lower case (`en`, `de`)",
                word.to_ascii_lowercase()
            );
        }
    }
    if expected == ["`{`"] {
        // Right after the name of a `policy` or `sites` block: either the name goes on (`my-shop`, `dämo`, `my
        // shop`), or the `{` is missing before the first field.
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let field = ["name", "controller", "contact", "version", "languages", "regions", "from", "exact"];
        return if field.contains(&word.as_str()) || rest.starts_with('"') {
            "add `{` after the name: the block's contents go between `{` and `}`".into()
        } else {
            "a name is one word of ASCII letters, digits and `_`, such as `my_shop`, and the block's `{` follows it"
                .into()
        };
    }
    // Where no item can start, the list of item keywords would only mislead: say what the place takes.
    if !expected.contains(&"`collect`") {
        return match expected {
            [] => "see docs/language.md for what can stand here".into(),
            _ => format!("{} can stand here; see docs/language.md", one_of(expected)),
        };
    }
    let keywords: Vec<String> = crate::ast::ITEM_KEYWORDS.iter().map(|k| format!("`{k}`")).collect();
    let (last, others) = keywords.split_last().map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
    let list = format!("each item starts with a keyword: {} or {last}; see docs/language.md", others.join(", "));
    // A misspelt keyword where an item starts (`colect`): name the keyword meant first.
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    match crate::diagnostic::did_you_mean(&word, crate::ast::ITEM_KEYWORDS.iter().copied()) {
        Some(best) if !word.is_empty() && expected.contains(&"`collect`") => format!("did you mean `{best}`? {list}"),
        _ => list,
    }
}

/// The words for a rule that a syntax error can expect. `None` hides helper rules.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::open_brace => "`{`",
        Rule::close_brace => "`}`",
        Rule::ident | Rule::name_list => "a name",
        Rule::lang => "a language tag such as `en`",
        Rule::region | Rule::region_list => "a region code such as `US` or `DE`",
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::int => "a number",
        Rule::unit => "a unit (`days`, `weeks`, `months` or `years`)",
        Rule::lang_text | Rule::text => "a language tag and a string",
        Rule::pattern | Rule::exact_pattern => "a site pattern",
        Rule::from_list => "`from`",
        Rule::cond | Rule::cond_and | Rule::cond_not => "a condition",
        Rule::duration => "a duration such as `90 days`",
        Rule::switch => "`on` or `off`",
        Rule::policy_block | Rule::kw_policy => "`policy`",
        Rule::signal_decl | Rule::kw_signal => "`signal`",
        Rule::feature_decl | Rule::kw_feature => "`feature`",
        Rule::event_decl | Rule::kw_event => "`event`",
        Rule::at_clause | Rule::expect_at | Rule::kw_at => "`at`",
        Rule::data_decl | Rule::kw_data => "`data`",
        Rule::purpose_decl | Rule::kw_purpose => "`purpose`",
        Rule::recipient_decl | Rule::kw_recipient => "`recipient`",
        Rule::sites_decl | Rule::kw_sites => "`sites`",
        Rule::store_decl | Rule::kw_store => "`store`",
        Rule::never_rule | Rule::never_data | Rule::never_promise | Rule::kw_never => "`never`",
        Rule::kw_sell => "`sell`",
        Rule::kw_share => "`share`",
        Rule::kw_disclose => "`disclose`",
        Rule::own_purposes_clause | Rule::kw_own => "`own purposes`",
        Rule::kw_purposes => "`purposes`",
        Rule::collect_rule | Rule::kw_collect => "`collect`",
        Rule::incentive_decl | Rule::kw_incentive => "`incentive`",
        Rule::criterion_decl | Rule::kw_criterion => "`criterion`",
        Rule::process_rule | Rule::kw_process => "`process`",
        Rule::device_clause | Rule::kw_device => "`on device`",
        Rule::aggregated_item => "`aggregated`",
        Rule::criterion_ref => "a retention criterion (`until uninstall`, `while account exists`, ...)",
        Rule::crit_uninstall | Rule::kw_uninstall => "`uninstall`",
        Rule::kw_until => "`until`",
        Rule::kw_while | Rule::crit_account => "`while account exists`",
        Rule::kw_exists => "`exists`",
        Rule::kw_session | Rule::crit_session => "`session ends`",
        Rule::kw_ends => "`ends`",
        Rule::crit_named => "`until NAME`",
        Rule::crit_not_stated => "`not stated`",
        Rule::aggregated_clause | Rule::kw_then => "`then aggregated`",
        Rule::kw_aggregated => "`aggregated`",
        Rule::expect_decl | Rule::kw_expect => "`expect`",
        Rule::h_name | Rule::kw_name => "`name`",
        Rule::h_controller | Rule::kw_controller => "`controller`",
        Rule::h_contact | Rule::kw_contact => "`contact`",
        Rule::h_dpo | Rule::kw_dpo => "`dpo`",
        Rule::h_version | Rule::kw_version => "`version`",
        Rule::h_languages | Rule::kw_languages => "`languages`",
        Rule::h_regions | Rule::kw_regions => "`regions`",
        Rule::h_established | Rule::kw_established => "`established`",
        Rule::h_representative | Rule::kw_representative => "`representative`",
        Rule::processor_clause | Rule::kw_processor => "`processor`",
        Rule::located_clause => "`in`",
        Rule::safeguard_clause | Rule::kw_safeguard => "`safeguard`",
        Rule::marketing_clause | Rule::kw_direct => "`direct marketing`",
        Rule::kw_marketing => "`marketing`",
        Rule::profiling_clause | Rule::kw_profiling => "`profiling`",
        Rule::decisions_clause | Rule::kw_decisions => "`decisions`",
        Rule::yes_no | Rule::kw_yes | Rule::kw_no => "`yes` or `no`",
        Rule::kw_none => "`none`",
        Rule::kw_automated => "`automated`",
        Rule::special_clause | Rule::kw_special => "`special`",
        Rule::reward_clause | Rule::kw_reward => "`reward stays`",
        Rule::kw_stays => "`stays`",
        Rule::category_clause | Rule::kw_category => "`category`",
        Rule::sold_clause | Rule::kw_sold => "`sold`",
        Rule::sharing_clause => "`shared`",
        Rule::h_optout | Rule::kw_out => "`opt out`",
        Rule::h_url | Rule::kw_url => "`url`",
        Rule::method_clause | Rule::kw_method => "`method`",
        Rule::kw_default => "`default`",
        Rule::kw_on | Rule::on_clause => "`on`",
        Rule::kw_off => "`off`",
        Rule::basis_clause | Rule::kw_basis => "`basis`",
        Rule::interest_clause | Rule::kw_interest => "`interest`",
        Rule::shared_clause | Rule::kw_shared => "`shared with`",
        Rule::kw_with | Rule::expect_with => "`with`",
        Rule::when_clause | Rule::kw_when => "`when`",
        Rule::for_clause | Rule::kw_for => "`for`",
        Rule::keep_clause | Rule::kw_keep => "`keep`",
        Rule::link_clause | Rule::kw_link => "`link to account`",
        Rule::kw_to => "`to`",
        Rule::kw_account => "`account`",
        Rule::link_always | Rule::kw_always => "`always`",
        Rule::link_never => "`never`",
        Rule::link_not_stated | Rule::contact_not_stated | Rule::kw_stated => "`not stated`",
        Rule::region_clause | Rule::kw_region => "`region`",
        Rule::exchange_clause | Rule::kw_in => "`in exchange for`",
        Rule::kw_exchange => "`exchange`",
        Rule::value_clause | Rule::kw_value => "`value`",
        Rule::label_clause | Rule::kw_label => "`label`",
        Rule::optin_clause | Rule::kw_opt => "`opt in`",
        Rule::withdraw_clause | Rule::kw_withdraw => "`withdraw`",
        Rule::expect_outcome | Rule::kw_collects => "`collects`",
        Rule::kw_links => "`links`",
        Rule::expect_uses | Rule::kw_uses => "`uses`",
        Rule::expect_keeps | Rule::kw_keeps => "`keeps`",
        Rule::expect_shares | Rule::kw_shares => "`shares`",
        Rule::kw_nobody => "`nobody`",
        Rule::kw_nothing => "`nothing`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not | Rule::setting => "`not`",
        Rule::allow_clause | Rule::kw_allow => "`allow`",
        Rule::source_decl | Rule::kw_source => "`source`",
        Rule::from_clause | Rule::expect_from => "`from`",
        Rule::necessary_clause | Rule::kw_necessary => "`necessary`",
        _ => return None,
    })
}

/// Walks pest pairs into AST nodes. The grammar guarantees the shapes the `expect`s below rely on.
struct Builder {
    file: FileId,
}

const SHAPE: &str = "the grammar guarantees this shape";

impl Builder {
    /// The pair's place in the file, without the whitespace and comments that the grammar's implicit skip
    /// leaves at its end (a rule ending in a condition takes them in: `cond` is followed by an optional `or`).
    /// A diagnostic marks the item, not the blank line or the comment after it.
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), s.start() + content_len(s.as_str()))
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), span: self.span(&p) }
    }

    fn idents(&self, p: Pair<Rule>) -> Vec<Ident> {
        p.into_inner()
            .filter(|p| matches!(p.as_rule(), Rule::ident | Rule::region | Rule::lang))
            .map(|p| self.ident(p))
            .collect()
    }

    fn string(&self, p: Pair<Rule>) -> String {
        let inner = p.into_inner().next().expect(SHAPE).as_str();
        unescape(inner)
    }

    fn text(&self, p: Pair<Rule>) -> Text {
        let span = self.span(&p);
        let mut parts = Vec::new();
        for part in p.into_inner() {
            let part_span = self.span(&part);
            match part.as_rule() {
                Rule::lang_text => {
                    let mut it = part.into_inner();
                    let lang = self.ident(it.next().expect(SHAPE));
                    let value = self.string(it.next().expect(SHAPE));
                    parts.push(TextPart { lang: Some(lang), value, span: part_span });
                }
                Rule::string => parts.push(TextPart { lang: None, value: self.string(part), span: part_span }),
                _ => unreachable!("{SHAPE}"),
            }
        }
        Text { parts, span }
    }

    /// The first inner pair that is not a keyword: the operand of a one-operand clause.
    fn first<'i>(&self, p: Pair<'i, Rule>) -> Pair<'i, Rule> {
        self.skip_kw(p).next().expect(SHAPE)
    }

    /// The inner pairs that are not keywords.
    fn skip_kw<'i>(&self, p: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
        p.into_inner().filter(|p| !is_keyword(p.as_rule()))
    }

    fn item(&self, p: Pair<Rule>) -> Item {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::policy_block => {
                let mut it = self.skip_kw(p);
                let id = self.ident(it.next().expect(SHAPE));
                let fields = it.map(|f| self.header_field(f)).collect();
                Item::Header(Header { id, fields, span })
            }
            Rule::signal_decl | Rule::data_decl | Rule::event_decl | Rule::criterion_decl | Rule::source_decl => {
                let rule = p.as_rule();
                let mut it = self.skip_kw(p);
                let name = self.ident(it.next().expect(SHAPE));
                let mut category = None;
                let mut aggregated = false;
                let mut text = None;
                let mut label = None;
                for c in it {
                    match c.as_rule() {
                        Rule::category_clause => category = Some(self.ident(self.first(c))),
                        Rule::aggregated_item => aggregated = true,
                        Rule::label_clause => label = Some(self.text(self.first(c))),
                        _ => text = Some(self.text(c)),
                    }
                }
                let decl = Decl { name, category, aggregated, text, label, span };
                match rule {
                    Rule::signal_decl => Item::Signal(decl),
                    Rule::event_decl => Item::Event(decl),
                    Rule::criterion_decl => Item::Criterion(decl),
                    Rule::source_decl => Item::Source(decl),
                    _ => Item::Data(decl),
                }
            }
            Rule::recipient_decl => {
                let mut it = self.skip_kw(p);
                let name = self.ident(it.next().expect(SHAPE));
                let clauses = it
                    .map(|c| {
                        let cs = self.span(&c);
                        let clause = match c.as_rule() {
                            Rule::processor_clause => RecipientClause::Processor,
                            Rule::own_purposes_clause => RecipientClause::OwnPurposes,
                            Rule::located_clause => RecipientClause::Located(self.ident(self.first(c))),
                            Rule::safeguard_clause => RecipientClause::Safeguard(self.ident(self.first(c))),
                            Rule::sold_clause => RecipientClause::Sold,
                            Rule::sharing_clause => RecipientClause::Shared,
                            Rule::text => RecipientClause::Text(self.text(c)),
                            _ => unreachable!("{SHAPE}"),
                        };
                        (clause, cs)
                    })
                    .collect();
                Item::Recipient(RecipientDecl { name, clauses, span })
            }
            Rule::feature_decl => {
                let mut name = None;
                let mut default = None;
                let mut text = None;
                let mut opt_in = None;
                for c in self.skip_kw(p) {
                    match c.as_rule() {
                        Rule::ident => name = Some(self.ident(c)),
                        Rule::switch => {
                            let on = c.as_str() == "on";
                            default = Some((on, self.span(&c)));
                        }
                        Rule::text => text = Some(self.text(c)),
                        Rule::optin_clause => opt_in = Some(self.text(self.first(c))),
                        _ => {}
                    }
                }
                Item::Feature(FeatureDecl { name: name.expect(SHAPE), default, text, opt_in, span })
            }
            Rule::purpose_decl => {
                let mut it = self.skip_kw(p);
                let name = self.ident(it.next().expect(SHAPE));
                let clauses = it
                    .map(|c| {
                        let cs = self.span(&c);
                        let clause = match c.as_rule() {
                            Rule::basis_clause => PurposeClause::Basis(self.ident(self.first(c))),
                            Rule::interest_clause => PurposeClause::Interest(self.text(self.first(c))),
                            Rule::shared_clause => PurposeClause::SharedWith(self.idents(self.first(c))),
                            Rule::marketing_clause => PurposeClause::DirectMarketing,
                            Rule::profiling_clause => {
                                PurposeClause::Profiling(self.first(c).as_str().trim_start().starts_with("yes"))
                            }
                            Rule::decisions_clause => {
                                PurposeClause::Decisions(self.skip_kw(c).next().map(|t| self.text(t)))
                            }
                            Rule::label_clause => PurposeClause::Label(self.text(self.first(c))),
                            Rule::text => PurposeClause::Text(self.text(c)),
                            _ => unreachable!("{SHAPE}"),
                        };
                        (clause, cs)
                    })
                    .collect();
                Item::Purpose(PurposeDecl { name, clauses, span })
            }
            Rule::sites_decl => {
                let mut name = None;
                let mut special = None;
                let mut text = None;
                let mut entries = Vec::new();
                let mut allows = Vec::new();
                for c in self.skip_kw(p) {
                    let cs = self.span(&c);
                    match c.as_rule() {
                        Rule::ident => name = Some(self.ident(c)),
                        Rule::special_clause => special = Some(self.ident(self.first(c))),
                        Rule::text => text = Some(self.text(c)),
                        Rule::pattern => {
                            entries.push(SiteEntry::Pattern { text: c.as_str().to_string(), exact: false, span: cs })
                        }
                        Rule::exact_pattern => {
                            let pat = self.first(c);
                            entries.push(SiteEntry::Pattern { text: pat.as_str().to_string(), exact: true, span: cs });
                        }
                        Rule::allow_clause => allows.push(self.allow(cs, self.skip_kw(c))),
                        Rule::from_list => {
                            let s = self.first(c);
                            let ss = self.span(&s);
                            entries.push(SiteEntry::From { path: self.string(s), span: ss });
                        }
                        _ => {}
                    }
                }
                Item::Sites(SitesDecl {
                    name: name.expect(SHAPE),
                    special,
                    text,
                    entries,
                    allows,
                    examples: None,
                    span,
                })
            }
            Rule::never_rule => {
                let mut sites = Vec::new();
                let mut regions = None;
                for c in self.skip_kw(p) {
                    match c.as_rule() {
                        Rule::name_list => sites = self.idents(c),
                        Rule::region_clause => regions = Some(self.idents(self.first(c))),
                        _ => {}
                    }
                }
                Item::Never(NeverRule { sites, regions, span })
            }
            Rule::never_data => {
                let data = self.idents(self.skip_kw(p).next().expect(SHAPE));
                Item::NeverData(NeverData { data, span })
            }
            Rule::never_promise => {
                let promises = self
                    .skip_kw(p)
                    .filter_map(|c| {
                        let promise = match c.as_rule() {
                            Rule::kw_sell => crate::ir::Promise::NeverSell,
                            Rule::kw_share => crate::ir::Promise::NeverShare,
                            Rule::kw_disclose => crate::ir::Promise::NeverDisclose,
                            _ => return None,
                        };
                        Some((promise, self.span(&c)))
                    })
                    .collect();
                Item::Promise(PromiseDecl { promises, span })
            }
            Rule::collect_rule | Rule::process_rule => {
                let rule = p.as_rule();
                let mut it = self.skip_kw(p);
                let data = self.idents(it.next().expect(SHAPE));
                let clauses = it.map(|c| (self.collect_clause(c.clone()), self.span(&c))).collect();
                if rule == Rule::process_rule {
                    Item::Process(CollectRule { data, clauses, span })
                } else {
                    Item::Collect(CollectRule { data, clauses, span })
                }
            }
            Rule::incentive_decl => {
                let mut it = self.skip_kw(p);
                let name = self.ident(it.next().expect(SHAPE));
                let clauses = it
                    .map(|c| {
                        let cs = self.span(&c);
                        let clause = match c.as_rule() {
                            Rule::region_clause => IncentiveClause::Region(self.idents(self.first(c))),
                            Rule::exchange_clause => IncentiveClause::Exchange(self.idents(self.first(c))),
                            Rule::value_clause => IncentiveClause::Value(self.text(self.first(c))),
                            Rule::method_clause => IncentiveClause::Method(self.text(self.first(c))),
                            Rule::optin_clause => IncentiveClause::OptIn(self.text(self.first(c))),
                            Rule::withdraw_clause => IncentiveClause::Withdraw(self.text(self.first(c))),
                            Rule::reward_clause => IncentiveClause::RewardStays,
                            Rule::text => IncentiveClause::Summary(self.text(c)),
                            _ => unreachable!("{SHAPE}"),
                        };
                        (clause, cs)
                    })
                    .collect();
                Item::Incentive(IncentiveDecl { name, clauses, span })
            }
            Rule::expect_decl => {
                let mut it = self.skip_kw(p);
                let target = it.next().expect(SHAPE);
                let (url, from) = if target.as_rule() == Rule::expect_from {
                    (None, Some(self.ident(self.first(target))))
                } else {
                    let span = self.span(&target);
                    (Some((self.string(target), span)), None)
                };
                let mut settings = Vec::new();
                let mut region = None;
                let mut event = None;
                let mut outcomes = Vec::new();
                for c in it {
                    let cs = self.span(&c);
                    match c.as_rule() {
                        Rule::expect_with => {
                            for s in self.skip_kw(c) {
                                let on = s.clone().into_inner().all(|x| x.as_rule() != Rule::kw_not);
                                let name = self.ident(self.skip_kw(s).next().expect(SHAPE));
                                settings.push(Setting { name, on });
                            }
                        }
                        Rule::region_clause => region = Some(self.idents(self.first(c))),
                        Rule::expect_at => event = Some(self.ident(self.first(c))),
                        Rule::expect_outcome => {
                            let mut inner = c.into_inner();
                            let kind = inner.next().expect(SHAPE).as_rule();
                            let what = inner.next().expect(SHAPE);
                            let names = if what.as_rule() == Rule::kw_nothing { Vec::new() } else { self.idents(what) };
                            outcomes.push(if kind == Rule::kw_collects {
                                ExpectOutcome::Collects(names, cs)
                            } else {
                                ExpectOutcome::Links(names, cs)
                            });
                        }
                        Rule::expect_uses => {
                            let mut inner = self.skip_kw(c);
                            let data = self.idents(inner.next().expect(SHAPE));
                            let purposes = self.idents(inner.next().expect(SHAPE));
                            outcomes.push(ExpectOutcome::Uses(data, purposes, cs));
                        }
                        Rule::expect_keeps => {
                            let mut inner = self.skip_kw(c);
                            let data = self.idents(inner.next().expect(SHAPE));
                            let keep = self.retention(inner.next().expect(SHAPE));
                            outcomes.push(ExpectOutcome::Keeps(data, keep, cs));
                        }
                        Rule::expect_shares => {
                            let mut inner = self.skip_kw(c);
                            let data = self.idents(inner.next().expect(SHAPE));
                            // `with nobody` is a keyword, which `skip_kw` leaves out: no list.
                            let to = inner.next().map(|r| self.idents(r)).unwrap_or_default();
                            outcomes.push(ExpectOutcome::Shares(data, to, cs));
                        }
                        _ => {}
                    }
                }
                Item::Expect(ExpectDecl { url, from, event, settings, region, outcomes, span })
            }
            Rule::store_decl => {
                let mut it = self.skip_kw(p);
                let kind = self.ident(it.next().expect(SHAPE));
                let names = self.idents(it.next().expect(SHAPE));
                Item::Store(StoreDecl { kind, names, span })
            }
            r => unreachable!("unexpected item rule {r:?}: {SHAPE}"),
        }
    }

    fn header_field(&self, p: Pair<Rule>) -> (HeaderField, Span) {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = self.skip_kw(p);
        let field = match rule {
            Rule::h_name => HeaderField::Name(self.text(it.next().expect(SHAPE))),
            Rule::h_controller => {
                let first = it.next().expect(SHAPE);
                if first.as_rule() == Rule::region_clause {
                    let regions = self.idents(self.first(first));
                    HeaderField::RegionalController(regions, self.text(it.next().expect(SHAPE)))
                } else {
                    HeaderField::Controller(self.text(first))
                }
            }
            Rule::h_optout => HeaderField::OptOut(self.text(it.next().expect(SHAPE))),
            Rule::h_url => HeaderField::Url(self.text(it.next().expect(SHAPE))),
            Rule::h_contact => {
                let value = it.next().expect(SHAPE);
                HeaderField::Contact((value.as_rule() != Rule::contact_not_stated).then(|| self.text(value)))
            }
            Rule::h_dpo => HeaderField::Dpo(self.text(it.next().expect(SHAPE))),
            Rule::h_version => HeaderField::Version(self.string(it.next().expect(SHAPE))),
            Rule::h_languages => HeaderField::Languages(it.map(|l| self.ident(l)).collect()),
            Rule::h_regions => HeaderField::Regions(self.idents(it.next().expect(SHAPE))),
            Rule::h_established => HeaderField::Established(self.ident(it.next().expect(SHAPE))),
            Rule::h_representative => HeaderField::Representative(self.text(it.next().expect(SHAPE))),
            Rule::allow_clause => HeaderField::Allow(self.allow(span, it)),
            r => unreachable!("unexpected header rule {r:?}: {SHAPE}"),
        };
        (field, span)
    }

    /// `allow CODE ["REASON"]`, from the pairs after the keyword.
    fn allow<'i>(&self, span: Span, mut it: impl Iterator<Item = Pair<'i, Rule>>) -> Allow {
        let code = self.ident(it.next().expect(SHAPE));
        let reason = it.next().map(|r| {
            let rs = self.span(&r);
            (self.string(r), rs)
        });
        Allow { code, reason, span }
    }

    fn collect_clause(&self, c: Pair<Rule>) -> CollectClause {
        let span = self.span(&c);
        let rule = c.as_rule();
        let mut it = self.skip_kw(c);
        match rule {
            Rule::on_clause => CollectClause::On(self.idents(it.next().expect(SHAPE))),
            Rule::at_clause => CollectClause::At(self.idents(it.next().expect(SHAPE))),
            Rule::from_clause => CollectClause::From(self.ident(it.next().expect(SHAPE))),
            Rule::necessary_clause => CollectClause::Necessary(self.text(it.next().expect(SHAPE))),
            Rule::when_clause => CollectClause::When(self.cond(it.next().expect(SHAPE))),
            Rule::for_clause => CollectClause::For(self.idents(it.next().expect(SHAPE))),
            Rule::keep_clause => {
                let retention = self.retention(it.next().expect(SHAPE));
                let (aggregated, aggregated_span) = match it.next() {
                    Some(a) => {
                        let span = self.span(&a);
                        (Some(self.skip_kw(a).next().map(|d| self.duration(d))), Some(span))
                    }
                    None => (None, None),
                };
                CollectClause::Keep(Keep { retention, aggregated, aggregated_span })
            }
            Rule::link_clause => match it.next() {
                Some(p) if p.as_rule() == Rule::link_always => CollectClause::Link(Link::Always),
                Some(p) if p.as_rule() == Rule::link_never => CollectClause::Link(Link::Never),
                Some(p) if p.as_rule() == Rule::link_not_stated => CollectClause::Link(Link::NotStated),
                Some(p) => CollectClause::Link(Link::When(self.cond(p))),
                None => unreachable!("{SHAPE}"),
            },
            Rule::region_clause => CollectClause::Region(self.idents(it.next().expect(SHAPE))),
            Rule::device_clause => CollectClause::OnDevice,
            Rule::allow_clause => CollectClause::Allow(self.allow(span, it)),
            r => unreachable!("unexpected clause rule {r:?}: {SHAPE}"),
        }
    }

    /// A period or a criterion, as `keep` and `keeps` write it.
    fn retention(&self, r: Pair<Rule>) -> Retention {
        match r.as_rule() {
            Rule::duration => Retention::Period(self.duration(r)),
            _ => {
                let c = r.into_inner().next().expect(SHAPE);
                match c.as_rule() {
                    Rule::crit_uninstall => Retention::Uninstall,
                    Rule::crit_account => Retention::AccountExists,
                    Rule::crit_session => Retention::SessionEnds,
                    Rule::crit_not_stated => Retention::NotStated,
                    _ => Retention::Named(self.ident(self.first(c))),
                }
            }
        }
    }

    fn duration(&self, d: Pair<Rule>) -> Duration {
        let span = self.span(&d);
        let mut di = d.into_inner();
        // The grammar limits `int` to digits; a number too large for u64 saturates and is then reported by the
        // checker as out of range rather than silently wrapping.
        let amount = di.next().expect(SHAPE).as_str().parse::<u64>().unwrap_or(u64::MAX);
        let unit = di.next().expect(SHAPE).as_str().to_string();
        Duration { amount, unit, span }
    }

    fn cond(&self, p: Pair<Rule>) -> Cond {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::cond | Rule::cond_and => {
                let is_or = p.as_rule() == Rule::cond;
                let mut parts: Vec<Cond> = self.skip_kw(p).map(|c| self.cond(c)).collect();
                if parts.len() == 1 {
                    parts.pop().expect(SHAPE)
                } else if is_or {
                    Cond::Or(parts, span)
                } else {
                    Cond::And(parts, span)
                }
            }
            Rule::cond_not => {
                let mut inner = p.into_inner();
                let first = inner.next().expect(SHAPE);
                if first.as_rule() == Rule::kw_not {
                    Cond::Not(Box::new(self.cond(inner.next().expect(SHAPE))), span)
                } else {
                    self.cond(first)
                }
            }
            Rule::ident => Cond::Var(self.ident(p)),
            r => unreachable!("unexpected condition rule {r:?}: {SHAPE}"),
        }
    }
}

/// Keywords carry no information once the grammar has matched them, so the builder skips them.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::close_brace
            | Rule::open_brace
            | Rule::kw_policy
            | Rule::kw_uses
            | Rule::kw_keeps
            | Rule::kw_shares
            | Rule::kw_nobody
            | Rule::kw_allow
            | Rule::kw_own
            | Rule::kw_purposes
            | Rule::kw_source
            | Rule::kw_necessary
            | Rule::kw_name
            | Rule::kw_controller
            | Rule::kw_contact
            | Rule::kw_dpo
            | Rule::kw_version
            | Rule::kw_languages
            | Rule::kw_regions
            | Rule::kw_established
            | Rule::kw_representative
            | Rule::kw_processor
            | Rule::kw_safeguard
            | Rule::kw_profiling
            | Rule::kw_decisions
            | Rule::kw_automated
            | Rule::kw_none
            | Rule::kw_direct
            | Rule::kw_marketing
            | Rule::kw_special
            | Rule::kw_reward
            | Rule::kw_stays
            | Rule::kw_category
            | Rule::kw_sold
            | Rule::kw_out
            | Rule::kw_url
            | Rule::kw_method
            | Rule::kw_label
            | Rule::kw_signal
            | Rule::kw_feature
            | Rule::kw_event
            | Rule::kw_at
            | Rule::kw_default
            | Rule::kw_on
            | Rule::kw_off
            | Rule::kw_data
            | Rule::kw_purpose
            | Rule::kw_basis
            | Rule::kw_interest
            | Rule::kw_shared
            | Rule::kw_with
            | Rule::kw_recipient
            | Rule::kw_sites
            | Rule::kw_from
            | Rule::kw_exact
            | Rule::kw_never
            | Rule::kw_collect
            | Rule::kw_when
            | Rule::kw_for
            | Rule::kw_keep
            | Rule::kw_link
            | Rule::kw_to
            | Rule::kw_account
            | Rule::kw_always
            | Rule::kw_region
            | Rule::kw_incentive
            | Rule::kw_criterion
            | Rule::kw_until
            | Rule::kw_while
            | Rule::kw_uninstall
            | Rule::kw_exists
            | Rule::kw_session
            | Rule::kw_ends
            | Rule::kw_then
            | Rule::kw_aggregated
            | Rule::kw_process
            | Rule::kw_device
            | Rule::kw_in
            | Rule::kw_exchange
            | Rule::kw_value
            | Rule::kw_opt
            | Rule::kw_withdraw
            | Rule::kw_expect
            | Rule::kw_store
            | Rule::kw_collects
            | Rule::kw_links
            | Rule::kw_nothing
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
    )
}

/// The length of `text` without trailing whitespace and without comments at its end: whole `//` lines after
/// the first line, and a `//` comment that ends the last line outside a string.
fn content_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let body = text.get(..end).unwrap_or_default();
        let line_start = body.rfind('\n').map_or(0, |i| i + 1);
        let line = body.get(line_start..).unwrap_or_default();
        // A `//` outside a string: an even number of quotes before it on its line.
        let comment = line
            .match_indices("//")
            .map(|(i, _)| i)
            .find(|&i| line.get(..i).is_some_and(|before| before.matches('"').count() % 2 == 0));
        match comment {
            Some(i) if line_start + i > 0 => end = text.get(..line_start + i).unwrap_or_default().trim_end().len(),
            _ => return end,
        }
    }
}

/// Resolves the escapes the grammar allows in strings. An unknown escape keeps the escaped character.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runaway_string_is_found_past_comments_and_escapes() {
        let at = |text: &str| {
            string_over_lines(text, text.find('X').unwrap_or(text.len())).map(|(start, line, _)| (start, line))
        };
        // The string of line 1 lost its quote and ended at line 2's first quote.
        assert_eq!(at("data a \"one\npurpose b \"X"), Some((7, 1)));
        // A string that runs over lines on purpose, and a complete one after it, are not suspects.
        assert_eq!(at("data a \"one\ntwo\"\npurpose b X"), None);
        assert_eq!(at("data a \"one\" purpose b \"two\" X"), None);
        // Quotes inside comments and escaped quotes inside strings open nothing.
        assert_eq!(at("// a \"quote\ndata a \"x\\\"y\" X"), None);
        assert_eq!(at("/* \"\n */ data a \"x\" X"), None);
        // A string whose last quote closes it (after its text, before a space) ran over lines on purpose; the
        // mistake is what follows. One that ends at a quote opening text (`"X`) is a runaway.
        assert_eq!(at("data a \"see https://x\ny\" X"), None);
        assert_eq!(at("data a \"see https://x\ntext \"X"), Some((7, 1)));
    }

    /// A missing comma is diagnosed only where inserting one lets the parse go on: not for a misspelt keyword,
    /// and not where a list cannot stand.
    #[test]
    fn a_missing_comma_is_what_the_grammar_says_it_is() {
        let header = "policy p { name \"P\" controller \"C\" contact \"c\" version \"1\" languages en }\n";
        let message = |rest: &str| -> String {
            let text = format!("{header}{rest}");
            parse(FileId(0), &text).err().map(|d| d.message).unwrap_or_default()
        };
        assert_eq!(message("collect a b on s for p keep 1 day\n"), "missing `,` between `a` and `b`");
        assert!(!message("collect a on s fr p keep 1 day\n").contains("missing `,`"), "a misspelt `for`");
        assert!(!message("collect a on s for p keep 1 day days\n").contains("missing `,`"));
        assert_eq!(message("collect a on s for p keep 1 day region US DE\n"), "missing `,` between `US` and `DE`");
    }

    #[test]
    fn unescape_handles_quotes_and_newlines() {
        assert_eq!(unescape(r#"a \"b\" \\ c\nd"#), "a \"b\" \\ c\nd");
    }
}
