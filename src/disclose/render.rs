//! Laying a [`Disclosure`] out as Markdown, HTML or plain text. No wording lives here: every string comes
//! from the model. Backticks in a sentence mark code (`ebay.*`), rendered as code in Markdown and HTML.

use super::Disclosure;
use std::fmt::Write as _;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Text,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Markdown, Format::Html, Format::Text, Format::Json];

    /// The file extension, also the name used on the command line.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Text => "txt",
            Format::Json => "json",
        }
    }
}

/// Renders a disclosure in a format.
pub fn render(d: &Disclosure, format: Format) -> String {
    match format {
        Format::Markdown => markdown(d),
        Format::Html => html(d),
        Format::Text => text(d),
        Format::Json => serde_json::to_string_pretty(d).expect("disclosures serialise") + "\n",
    }
}

/// A text as Markdown that reads as the text: outside `code` spans, every character Markdown would read as
/// markup (`*` of `ebay.*`, `_`, brackets, `<` of what would be raw HTML, a `#` that starts a line) is
/// escaped with a backslash. A policy's texts are plain text; without this, `amazon.*/dp/, amazon.*/gp/`
/// renders half in italics, and a text with `<script>` passes into the page of whoever renders the file.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, part) in s.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
            continue;
        }
        for c in part.chars() {
            if matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '|') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// [`md`] for a table cell, on one line.
fn md_cell(s: &str) -> String {
    md(&s.replace('\n', " "))
}

pub fn markdown(d: &Disclosure) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", md(&d.title));
    let _ = writeln!(o, "{}\n", md(&d.preamble.join(" ")));
    let _ = writeln!(o, "## {}\n", md(&d.summary.heading));
    for offer in &d.summary.offers {
        let _ = writeln!(o, "**{}**\n", md(offer));
    }
    let _ = writeln!(o, "{}\n", md(&d.summary.intro));
    // A notice where nothing is collected has no table: its intro says so.
    if !d.summary.rows.is_empty() {
        let _ = writeln!(o, "| {} |", d.summary.columns.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(o, "|{}", "---|".repeat(d.summary.columns.len()));
        for row in &d.summary.rows {
            let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
        o.push('\n');
    }
    for s in &d.sections {
        let _ = writeln!(o, "## {}\n", md(&s.heading));
        for p in &s.paragraphs {
            let _ = writeln!(o, "{}\n", md(p));
        }
        for i in &s.items {
            match &i.title {
                Some(t) => {
                    let _ = writeln!(
                        o,
                        "- **{}**  \n  {}",
                        md(t),
                        i.text.iter().map(|x| md(x)).collect::<Vec<_>>().join("  \n  ")
                    );
                }
                None => {
                    let _ = writeln!(o, "- {}", md(&i.text.join(" ")));
                }
            }
        }
        if !s.items.is_empty() {
            o.push('\n');
        }
        for p in &s.after {
            let _ = writeln!(o, "{}\n", md(p));
        }
    }
    if let Some(a) = &d.appendix {
        let _ = writeln!(o, "## {}\n", md(&a.heading));
        for c in &a.categories {
            let _ = writeln!(o, "### {}\n", md(&c.title));
            for s in &c.sites {
                let (pattern, note) = entry_parts(s);
                let _ = writeln!(o, "- `{pattern}`{}", note.map(|n| format!(" {}", md(n))).unwrap_or_default());
            }
            o.push('\n');
        }
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

/// Escapes text for HTML and turns `code` spans into `<code>` elements. A code span naming a published site
/// list becomes a link to it (the list is written next to the page), and e-mail and web addresses in the text
/// become `mailto:` and web links.
fn h(s: &str) -> String {
    let escaped = s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            if part.ends_with(".sites.txt") && !part.contains('/') {
                let _ = write!(out, "<a href=\"{part}\"><code>{part}</code></a>");
            } else {
                let _ = write!(out, "<code>{part}</code>");
            }
        } else {
            out.push_str(&linkify(part));
        }
    }
    out
}

/// Turns each e-mail address into a `mailto:` link and each `http(s)://` address into a link, in escaped text.
/// Punctuation around an address (a final full stop, brackets, quotes) stays outside the link.
fn linkify(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    for (i, word) in escaped.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let start = word.find(|c: char| !matches!(c, '(' | '[' | '„' | '“' | '‘')).unwrap_or(word.len());
        let core_end = word.trim_end_matches(['.', ',', ';', ':', ')', ']', '“', '”', '’', '!', '?']).len().max(start);
        let (before, core, after) = (&word[..start], &word[start..core_end], &word[core_end..]);
        let is_web = core.starts_with("https://") || core.starts_with("http://");
        let is_mail = !is_web && is_email(core);
        if is_web || is_mail {
            let href = if is_mail { format!("mailto:{core}") } else { core.to_string() };
            let _ = write!(out, "{before}<a href=\"{href}\">{core}</a>{after}");
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Whether a word is an e-mail address: one `@` with a local part before it and a dotted domain after it.
fn is_email(w: &str) -> bool {
    let Some((local, domain)) = w.split_once('@') else { return false };
    let local_ok = !local.is_empty() && local.chars().all(|c| c.is_alphanumeric() || "._%+-".contains(c));
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || ".-".contains(c));
    local_ok && domain_ok
}

pub fn html(d: &Disclosure) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "<!DOCTYPE html>");
    let _ = writeln!(o, "<html lang=\"{}\">", h(&d.language));
    let _ = writeln!(o, "<head>\n<meta charset=\"utf-8\"/>");
    let _ = writeln!(o, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
    let _ = writeln!(o, "<title>{}</title>", h(&d.title));
    // On a narrow screen the summary table becomes one card per data item, each cell under its column's name
    // (`data-label`), so that nothing scrolls sideways; long names and addresses wrap anywhere.
    let _ = writeln!(
        o,
        "<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;\
         line-height:1.5;color:#1a1a1a}}h1,h2,h3,p,li,td,th,caption{{overflow-wrap:break-word;hyphens:auto}}\
         table{{border-collapse:collapse;width:100%}}caption{{text-align:left;margin-bottom:.4rem}}\
         th,td{{border:1px solid #777;padding:.4rem;text-align:left;vertical-align:top}}th{{background:#eee}}\
         code{{background:#f3f3f3}}a{{color:#0b57a4}}.offer{{border-left:4px solid #0b57a4;padding-left:.75rem}}\
         @media (max-width:40rem){{h1{{font-size:1.6rem}}table,caption,tbody,tr,th,td{{display:block}}thead{{position:absolute;width:1px;\
         height:1px;overflow:hidden;clip-path:inset(50%)}}tr{{border:1px solid #777;margin-bottom:.75rem}}\
         th,td{{border:0}}td::before{{content:attr(data-label) \": \";font-weight:bold}}}}</style>"
    );
    let _ = writeln!(o, "</head>\n<body>\n<main>");
    let _ = writeln!(o, "<h1>{}</h1>", h(&d.title));
    let _ = writeln!(o, "<p>{}</p>", h(&d.preamble.join(" ")));
    let _ = writeln!(o, "<section id=\"summary\" aria-labelledby=\"summary-h\">");
    let _ = writeln!(o, "<h2 id=\"summary-h\">{}</h2>", h(&d.summary.heading));
    for offer in &d.summary.offers {
        let _ = writeln!(o, "<p class=\"offer\"><strong>{}</strong></p>", h(offer));
    }
    if d.summary.rows.is_empty() {
        // Nothing is collected: the intro says so, and there is no table.
        let _ = writeln!(o, "<p>{}</p>\n</section>", h(&d.summary.intro));
    } else {
        let _ = writeln!(o, "<table>\n<caption>{}</caption>\n<thead>\n<tr>", h(&d.summary.intro));
        for c in &d.summary.columns {
            let _ = writeln!(o, "<th scope=\"col\">{}</th>", h(c));
        }
        let _ = writeln!(o, "</tr>\n</thead>\n<tbody>");
        for row in &d.summary.rows {
            let _ = write!(o, "<tr>");
            for (i, c) in row.iter().enumerate() {
                if i == 0 {
                    let _ = write!(o, "<th scope=\"row\">{}</th>", h(c));
                } else {
                    let label = d.summary.columns.get(i).map(|c| h(c)).unwrap_or_default();
                    let _ = write!(o, "<td data-label=\"{label}\">{}</td>", h(c));
                }
            }
            let _ = writeln!(o, "</tr>");
        }
        let _ = writeln!(o, "</tbody>\n</table>\n</section>");
    }
    for s in &d.sections {
        let _ = writeln!(o, "<section id=\"{0}\" aria-labelledby=\"{0}-h\">", h(&s.id));
        let _ = writeln!(o, "<h2 id=\"{}-h\">{}</h2>", h(&s.id), h(&s.heading));
        for p in &s.paragraphs {
            let _ = writeln!(o, "<p>{}</p>", h(p));
        }
        if !s.items.is_empty() {
            let _ = writeln!(o, "<ul>");
            for i in &s.items {
                let body: Vec<String> = i.text.iter().map(|t| h(t)).collect();
                match &i.title {
                    Some(t) => {
                        let _ = writeln!(o, "<li><strong>{}</strong><br/>{}</li>", h(t), body.join("<br/>"));
                    }
                    None => {
                        let _ = writeln!(o, "<li>{}</li>", body.join(" "));
                    }
                }
            }
            let _ = writeln!(o, "</ul>");
        }
        for p in &s.after {
            let _ = writeln!(o, "<p>{}</p>", h(p));
        }
        let _ = writeln!(o, "</section>");
    }
    if let Some(a) = &d.appendix {
        let _ = writeln!(o, "<section id=\"appendix\" aria-labelledby=\"appendix-h\">");
        let _ = writeln!(o, "<h2 id=\"appendix-h\">{}</h2>", h(&a.heading));
        for c in &a.categories {
            let _ = writeln!(o, "<h3>{}</h3>\n<ul>", h(&c.title));
            for s in &c.sites {
                let (pattern, note) = entry_parts(s);
                let note = note.map(|n| format!(" {}", h(n))).unwrap_or_default();
                let _ = writeln!(o, "<li><code>{}</code>{note}</li>", h(pattern));
            }
            let _ = writeln!(o, "</ul>");
        }
        let _ = writeln!(o, "</section>");
    }
    let _ = writeln!(o, "</main>\n</body>\n</html>");
    o
}

/// Word-wraps a paragraph at `width` columns with an indent for continuation lines. Lines break at ASCII white
/// space only: a no-break space (`§ 25 Abs. 1`, `Art. 5 Abs. 3`) keeps what it joins on one line, and stays in
/// the text.
fn wrap(s: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in s.replace('`', "").split(|c: char| c.is_ascii_whitespace()).filter(|w| !w.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

pub fn text(d: &Disclosure) -> String {
    const W: usize = 100;
    let mut o = String::new();
    let underline = |o: &mut String, s: &str, c: char| {
        let _ = writeln!(o, "{s}\n{}\n", c.to_string().repeat(s.chars().count()));
    };
    underline(&mut o, &d.title, '=');
    o.push_str(&wrap(&d.preamble.join(" "), W, "", ""));
    o.push('\n');
    underline(&mut o, &d.summary.heading, '-');
    for offer in &d.summary.offers {
        o.push_str(&wrap(offer, W, "", ""));
        o.push('\n');
    }
    o.push_str(&wrap(&d.summary.intro, W, "", ""));
    o.push('\n');
    for row in &d.summary.rows {
        o.push_str(&wrap(&row[0], W, "* ", "  "));
        for (c, v) in d.summary.columns.iter().zip(row).skip(1) {
            o.push_str(&wrap(&format!("{c}: {v}"), W, "    ", "      "));
        }
    }
    o.push('\n');
    for s in &d.sections {
        underline(&mut o, &s.heading, '-');
        for p in &s.paragraphs {
            o.push_str(&wrap(p, W, "", ""));
            o.push('\n');
        }
        for i in &s.items {
            match &i.title {
                Some(t) => {
                    o.push_str(&wrap(t, W, "* ", "  "));
                    for t in &i.text {
                        o.push_str(&wrap(t, W, "    ", "    "));
                    }
                }
                None => o.push_str(&wrap(&i.text.join(" "), W, "* ", "  ")),
            }
        }
        if !s.items.is_empty() {
            o.push('\n');
        }
        for p in &s.after {
            o.push_str(&wrap(p, W, "", ""));
            o.push('\n');
        }
    }
    if let Some(a) = &d.appendix {
        underline(&mut o, &a.heading, '-');
        for c in &a.categories {
            o.push_str(&wrap(&c.title, W, "", ""));
            for s in &c.sites {
                let _ = writeln!(o, "  {s}");
            }
            o.push('\n');
        }
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

/// An appendix entry split into its site pattern, set as code, and the note that follows it (`exact` entries'
/// "(this host only)"). A pattern never contains a space, so the first space ends it.
fn entry_parts(entry: &str) -> (&str, Option<&str>) {
    match entry.split_once(' ') {
        Some((pattern, note)) => (pattern, Some(note)),
        None => (entry, None),
    }
}
