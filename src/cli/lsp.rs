//! `policyc lsp`: a language server over standard input and output (LSP 3.17, synchronous, one message at a
//! time, as rust-analyzer's `lsp-server` runs it). The answers come from [`policyc::ide`]; this file speaks the
//! protocol and reads the lists a policy imports.
//!
//! Documents are synchronised in full. Every change is checked at once, and diagnostics are published with the
//! same codes and help as `check`. Names are resolved on the syntax tree, so hover and navigation work while a
//! file has checker errors, and on a syntax error they use the last version of the file that parsed.

mod transport;

use super::load::FsLoader;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use policyc::ide::{self, Analysis, Index, LineIndex};
use policyc::source::Span;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it; standard input and output are the only transport.
    #[arg(long)]
    stdio: bool,
}

/// One open document: its text, the analysis of that text, and the last index that parsed.
struct Document {
    text: String,
    analysis: Analysis,
    /// The last index that parsed, the text it was built from, and how that text's lines map to the current
    /// one's, while the current text does not parse.
    last: Option<(Index, String, Lines)>,
}

/// The lines two texts share, as a line diff finds them: an old text's index answers about a position in the
/// current text only where that position lies on a line both texts have, and its answers come back only from
/// such lines. Anywhere else (a line edited since) there is no answer rather than one about another name.
struct Lines {
    /// Line starts of the old and the current text, each ending with the text's length.
    old_starts: Vec<usize>,
    new_starts: Vec<usize>,
    /// Runs of equal lines: (first old line, first current line, count), in order.
    equal: Vec<(usize, usize, usize)>,
}

impl Lines {
    fn new(old: &str, new: &str) -> Lines {
        let starts = |t: &str| -> Vec<usize> {
            std::iter::once(0).chain(t.match_indices('\n').map(|(i, _)| i + 1)).chain([t.len()]).collect()
        };
        let diff = similar::TextDiff::configure().timeout(std::time::Duration::from_millis(200)).diff_lines(old, new);
        let equal = diff
            .ops()
            .iter()
            .filter_map(|op| match *op {
                similar::DiffOp::Equal { old_index, new_index, len } => Some((old_index, new_index, len)),
                _ => None,
            })
            .collect();
        Lines { old_starts: starts(old), new_starts: starts(new), equal }
    }

    /// Maps a byte offset from one text to the other: `forward` from old to current.
    fn map(&self, offset: usize, forward: bool) -> Option<usize> {
        let (from, to) =
            if forward { (&self.old_starts, &self.new_starts) } else { (&self.new_starts, &self.old_starts) };
        let line = from.partition_point(|&s| s <= offset).checked_sub(1)?;
        let column = offset - from.get(line)?;
        let &(o, n, _) = self.equal.iter().find(|&&(o, n, len)| {
            let first = if forward { o } else { n };
            (first..first + len).contains(&line)
        })?;
        let (first_from, first_to) = if forward { (o, n) } else { (n, o) };
        to.get(line - first_from + first_to).map(|start| start + column)
    }
}

/// The index answering a request, the text it was built from, and the position asked about in that text.
struct View<'a> {
    index: &'a Index,
    text: &'a str,
    offset: usize,
    /// For an older text: how its lines map to the current text's.
    lines: Option<&'a Lines>,
}

impl View<'_> {
    /// A span of `text` in the current text, if both its ends lie on lines the edits left alone.
    fn to_current(&self, span: Span) -> Option<Span> {
        Some(Span::new(span.file, self.offset_now(span.start)?, self.offset_now(span.end)?))
    }

    /// An offset of `text` in the current text, if it lies on a line the edits left alone.
    fn offset_now(&self, offset: usize) -> Option<usize> {
        match self.lines {
            Some(lines) => lines.map(offset, true),
            None => Some(offset),
        }
    }
}

struct Server {
    connection: Connection,
    documents: HashMap<String, Document>,
}

pub fn run(_args: Args) -> i32 {
    let (connection, io_threads) = transport::stdio();
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(lsp::TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions::default()),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let caps = serde_json::to_value(capabilities).expect("capabilities serialise");
    if let Err(e) = connection.initialize(caps) {
        return super::fail(format!("the editor did not initialise the server: {e}"));
    }
    let mut server = Server { connection, documents: HashMap::new() };
    let result = server.main_loop();
    drop(server);
    let joined = io_threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(e), _) => super::fail(e),
        (_, Err(e)) => super::fail(format!("standard input or output failed: {e}")),
    }
}

impl Server {
    fn main_loop(&mut self) -> Result<(), String> {
        let mut pending: std::collections::VecDeque<Message> = std::collections::VecDeque::new();
        loop {
            let msg = match pending.pop_front() {
                Some(m) => m,
                None => match self.connection.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            // While typing, an editor sends a change per keystroke, faster than a large policy checks. Each
            // change carries the whole text, so a change followed at once by another of the same document
            // is skipped: only the text the editor now holds is checked. (A request between two changes
            // refers to the text between them, so only back-to-back changes are skipped.)
            while let Ok(m) = self.connection.receiver.try_recv() {
                pending.push_back(m);
            }
            if is_change_of(&msg).is_some() && is_change_of(&msg) == pending.front().and_then(is_change_of) {
                continue;
            }
            match msg {
                Message::Request(req) => {
                    if self.connection.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let id = req.id.clone();
                    if !METHODS.contains(&req.method.as_str()) {
                        let message = format!("`{}` is not supported", req.method);
                        let code = lsp_server::ErrorCode::MethodNotFound as i32;
                        self.send(Message::Response(Response::new_err(id, code, message)));
                        continue;
                    }
                    // A bug in an answer must not end the editor's session: it becomes an error response.
                    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.request(req)));
                    let response = match answer {
                        Ok(Ok(value)) => Response::new_ok(id, value),
                        Ok(Err(message)) => Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, message),
                        Err(_) => Response::new_err(
                            id,
                            lsp_server::ErrorCode::InternalError as i32,
                            "policyc failed on this request; please report it with the file".into(),
                        ),
                    };
                    self.send(Message::Response(response));
                }
                Message::Notification(n) => {
                    // Likewise for a change that makes the checker fail: the document keeps its last analysis.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notification(n)));
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, msg: Message) {
        // The reader thread ends when the editor goes away; a failed send then only means it is gone.
        let _ = self.connection.sender.send(msg);
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    self.update(p.text_document.uri, p.text_document.text);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params) {
                    // Full synchronisation: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.update(p.text_document.uri, change.text);
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                    self.documents.remove(p.text_document.uri.as_str());
                    self.publish(&p.text_document.uri, Vec::new());
                }
            }
            _ => {}
        }
    }

    /// Re-checks a document and publishes its diagnostics.
    fn update(&mut self, uri: lsp::Uri, text: String) {
        let path = file_path(&uri);
        let name = path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "untitled.policy".into());
        let base = path.as_ref().and_then(|p| p.parent()).map(|p| p.to_path_buf()).unwrap_or_default();
        let analysis = ide::analyse(&name, &text, &mut FsLoader::new(base));
        let previous = self.documents.remove(uri.as_str()).and_then(|d| match d.analysis.index {
            Some(index) => Some((index, d.text)),
            None => d.last.map(|(index, old, _)| (index, old)),
        });
        let last = match analysis.index {
            Some(_) => None,
            None => previous.map(|(index, old)| {
                let lines = Lines::new(&old, &text);
                (index, old, lines)
            }),
        };
        let lines = LineIndex::new(&text);
        let diagnostics = ide::diagnostics(&analysis).iter().map(|d| to_lsp_diagnostic(d, &lines)).collect();
        self.documents.insert(uri.as_str().to_string(), Document { text, analysis, last });
        self.publish(&uri, diagnostics);
    }

    fn publish(&self, uri: &lsp::Uri, diagnostics: Vec<lsp::Diagnostic>) {
        let params = lsp::PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version: None };
        self.send(Message::Notification(Notification::new("textDocument/publishDiagnostics".into(), params)));
    }

    fn request(&self, req: Request) -> Result<serde_json::Value, String> {
        let Request { method, params, id } = req;
        let _: RequestId = id;
        let json = |v: serde_json::Result<serde_json::Value>| v.map_err(|e| e.to_string());
        match method.as_str() {
            "textDocument/hover" => {
                let p: lsp::HoverParams = parse(params)?;
                let pos = p.text_document_position_params;
                let Some((doc, view)) = self.at(&pos.text_document.uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
                // Line numbers in the text are those of the current text, where the older text's line still is.
                let current = LineIndex::new(&doc.text);
                let line = |at: usize| view.offset_now(at).map(|o| current.position(o).0 as usize + 1);
                let hover =
                    ide::hover_with_lines(&doc.analysis, view.index, view.text, view.offset, &line).map(|value| {
                        lsp::Hover {
                            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                                kind: lsp::MarkupKind::Markdown,
                                value,
                            }),
                            range: None,
                        }
                    });
                json(serde_json::to_value(hover))
            }
            "textDocument/definition" => {
                let p: lsp::GotoDefinitionParams = parse(params)?;
                let pos = p.text_document_position_params;
                let uri = pos.text_document.uri.clone();
                let Some((doc, view)) = self.at(&uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
                let lines = LineIndex::new(&doc.text);
                let loc = ide::definition(view.index, view.offset)
                    .and_then(|s| view.to_current(s.span))
                    .map(|s| lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(uri, range(&lines, s))));
                json(serde_json::to_value(loc))
            }
            "textDocument/references" => {
                let p: lsp::ReferenceParams = parse(params)?;
                let pos = p.text_document_position;
                let uri = pos.text_document.uri.clone();
                let Some((doc, view)) = self.at(&uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
                let lines = LineIndex::new(&doc.text);
                let locations: Vec<lsp::Location> =
                    ide::references(view.index, view.offset, p.context.include_declaration)
                        .into_iter()
                        .filter_map(|s| view.to_current(s))
                        .map(|s| lsp::Location::new(uri.clone(), range(&lines, s)))
                        .collect();
                json(serde_json::to_value(locations))
            }
            "textDocument/completion" => {
                let p: lsp::CompletionParams = parse(params)?;
                let pos = p.text_document_position;
                let Some(doc) = self.documents.get(pos.text_document.uri.as_str()) else {
                    return Ok(serde_json::Value::Null);
                };
                // Completion reads the words before the cursor in the current text, wherever the edits are; the
                // index (the current one or the last that parsed) gives the names only.
                let Some(index) = doc.analysis.index.as_ref().or(doc.last.as_ref().map(|(i, _, _)| i)) else {
                    return Ok(serde_json::Value::Null);
                };
                let offset = LineIndex::new(&doc.text).offset(pos.position.line, pos.position.character);
                let items: Vec<lsp::CompletionItem> = ide::completions(index, &doc.text, offset)
                    .into_iter()
                    .map(|c| lsp::CompletionItem {
                        label: c.label,
                        detail: Some(c.detail),
                        kind: Some(if c.keyword {
                            lsp::CompletionItemKind::KEYWORD
                        } else {
                            lsp::CompletionItemKind::VARIABLE
                        }),
                        ..Default::default()
                    })
                    .collect();
                json(serde_json::to_value(lsp::CompletionResponse::Array(items)))
            }
            "textDocument/formatting" => {
                let p: lsp::DocumentFormattingParams = parse(params)?;
                let Some(doc) = self.documents.get(p.text_document.uri.as_str()) else {
                    return Ok(serde_json::Value::Null);
                };
                // A file that does not parse is not formatted (as `policyc fmt`): no edits.
                let edits: Vec<lsp::TextEdit> = match policyc::fmt::format(&doc.text) {
                    Ok(formatted) if formatted != doc.text => {
                        let lines = LineIndex::new(&doc.text);
                        vec![lsp::TextEdit {
                            range: range(&lines, Span::new(Default::default(), 0, doc.text.len())),
                            new_text: formatted,
                        }]
                    }
                    _ => Vec::new(),
                };
                json(serde_json::to_value(edits))
            }
            "textDocument/codeAction" => {
                let p: lsp::CodeActionParams = parse(params)?;
                let uri = p.text_document.uri.clone();
                let Some(doc) = self.documents.get(uri.as_str()) else { return Ok(serde_json::Value::Null) };
                let lines = LineIndex::new(&doc.text);
                let (start, end) = (
                    lines.offset(p.range.start.line, p.range.start.character),
                    lines.offset(p.range.end.line, p.range.end.character),
                );
                let diags = ide::diagnostics(&doc.analysis);
                let actions: Vec<lsp::CodeActionOrCommand> = ide::fixes(&diags, start, end)
                    .into_iter()
                    .map(|f| {
                        let edit = lsp::TextEdit { range: range(&lines, f.span), new_text: f.replacement };
                        lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                            title: f.title,
                            kind: Some(lsp::CodeActionKind::QUICKFIX),
                            diagnostics: Some(vec![to_lsp_diagnostic(&f.diagnostic, &lines)]),
                            edit: Some(lsp::WorkspaceEdit {
                                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                                ..Default::default()
                            }),
                            // A did-you-mean is a guess at what was meant: an editor must never apply it on its
                            // own (fix-all, fix on save), since the name guessed can change the policy's meaning.
                            is_preferred: Some(false),
                            ..Default::default()
                        })
                    })
                    .collect();
                json(serde_json::to_value(actions))
            }
            other => Err(format!("`{other}` is not supported")),
        }
    }

    /// The document at `uri` and the view to answer from: the current index, or, while the text does not
    /// parse, the last one that did, asked only about positions the edits since then left in place.
    fn at(&self, uri: &lsp::Uri, position: lsp::Position) -> Option<(&Document, View<'_>)> {
        let doc = self.documents.get(uri.as_str())?;
        let offset = LineIndex::new(&doc.text).offset(position.line, position.character);
        if let Some(index) = doc.analysis.index.as_ref() {
            return Some((doc, View { index, text: &doc.text, offset, lines: None }));
        }
        let (index, old, lines) = doc.last.as_ref()?;
        let old_offset = lines.map(offset, false)?;
        Some((doc, View { index, text: old, offset: old_offset, lines: Some(lines) }))
    }
}

/// The document a `didChange` notification changes.
fn is_change_of(msg: &Message) -> Option<String> {
    match msg {
        Message::Notification(n) if n.method == "textDocument/didChange" => {
            n.params.get("textDocument")?.get("uri")?.as_str().map(str::to_string)
        }
        _ => None,
    }
}

/// The requests the server answers; any other gets "method not found", as the protocol asks.
const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/completion",
    "textDocument/formatting",
    "textDocument/codeAction",
];

fn parse<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| format!("malformed parameters: {e}"))
}

/// The local path of a `file:` URI.
fn file_path(uri: &lsp::Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

fn range(lines: &LineIndex<'_>, span: Span) -> lsp::Range {
    let (sl, sc) = lines.position(span.start);
    let (el, ec) = lines.position(span.end);
    lsp::Range::new(lsp::Position::new(sl, sc), lsp::Position::new(el, ec))
}

fn to_lsp_diagnostic(d: &policyc::Diagnostic, lines: &LineIndex<'_>) -> lsp::Diagnostic {
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    lsp::Diagnostic {
        range: range(lines, d.span),
        severity: Some(if ide::is_error(d) {
            lsp::DiagnosticSeverity::ERROR
        } else {
            lsp::DiagnosticSeverity::WARNING
        }),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        source: Some("policyc".into()),
        message,
        ..Default::default()
    }
}
