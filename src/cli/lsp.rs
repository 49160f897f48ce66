//! `policyc lsp`: a language server over standard input and output (LSP 3.17, synchronous, one message at a
//! time, as rust-analyzer's `lsp-server` runs it). The answers come from [`policyc::ide`]; this file speaks the
//! protocol and reads the lists a policy imports.
//!
//! Documents are synchronised in full. Every change is checked at once, and diagnostics are published with the
//! same codes and help as `check`. Names are resolved on the syntax tree, so hover and navigation work while a
//! file has checker errors, and on a syntax error they use the last version of the file that parsed.

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
    last_index: Option<Index>,
}

struct Server {
    connection: Connection,
    documents: HashMap<String, Document>,
}

pub fn run(_args: Args) -> i32 {
    let (connection, io_threads) = Connection::stdio();
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
        while let Ok(msg) = self.connection.receiver.recv() {
            match msg {
                Message::Request(req) => {
                    if self.connection.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let id = req.id.clone();
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
        let previous = self.documents.remove(uri.as_str()).and_then(|d| d.analysis.index.or(d.last_index));
        let last_index = if analysis.index.is_some() { None } else { previous };
        let lines = LineIndex::new(&text);
        let diagnostics = ide::diagnostics(&analysis).iter().map(|d| to_lsp_diagnostic(d, &lines)).collect();
        self.documents.insert(uri.as_str().to_string(), Document { text, analysis, last_index });
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
                let Some((doc, index, offset)) = self.at(&pos.text_document.uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
                let hover = ide::hover(&doc.analysis, index, &doc.text, offset).map(|value| lsp::Hover {
                    contents: lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value }),
                    range: None,
                });
                json(serde_json::to_value(hover))
            }
            "textDocument/definition" => {
                let p: lsp::GotoDefinitionParams = parse(params)?;
                let pos = p.text_document_position_params;
                let uri = pos.text_document.uri.clone();
                let Some((doc, index, offset)) = self.at(&uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
                let lines = LineIndex::new(&doc.text);
                let loc = ide::definition(index, offset)
                    .map(|s| lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(uri, range(&lines, s.span))));
                json(serde_json::to_value(loc))
            }
            "textDocument/references" => {
                let p: lsp::ReferenceParams = parse(params)?;
                let pos = p.text_document_position;
                let uri = pos.text_document.uri.clone();
                let Some((doc, index, offset)) = self.at(&uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
                let lines = LineIndex::new(&doc.text);
                let locations: Vec<lsp::Location> = ide::references(index, offset, p.context.include_declaration)
                    .into_iter()
                    .map(|s| lsp::Location::new(uri.clone(), range(&lines, s)))
                    .collect();
                json(serde_json::to_value(locations))
            }
            "textDocument/completion" => {
                let p: lsp::CompletionParams = parse(params)?;
                let pos = p.text_document_position;
                let Some((doc, index, offset)) = self.at(&pos.text_document.uri, pos.position) else {
                    return Ok(serde_json::Value::Null);
                };
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
                            is_preferred: Some(true),
                            ..Default::default()
                        })
                    })
                    .collect();
                json(serde_json::to_value(actions))
            }
            other => Err(format!("`{other}` is not supported")),
        }
    }

    /// The document at `uri`, the index to answer from (the current one, or the last that parsed) and the
    /// byte offset of `position`.
    fn at(&self, uri: &lsp::Uri, position: lsp::Position) -> Option<(&Document, &Index, usize)> {
        let doc = self.documents.get(uri.as_str())?;
        let index = doc.analysis.index.as_ref().or(doc.last_index.as_ref())?;
        let offset = LineIndex::new(&doc.text).offset(position.line, position.character);
        Some((doc, index, offset))
    }
}

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
