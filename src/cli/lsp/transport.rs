//! The server's side of the wire: JSON-RPC messages with `Content-Length` framing on standard input and output.
//!
//! `lsp-server` has a transport of its own, but it ends the session on the first message it cannot read, and it
//! allocates whatever length a header announces before reading a byte of it. An editor (or a plug-in between
//! the editor and the server) that sends one malformed message would lose the server for the rest of the
//! session, and a damaged header could abort it. This transport skips what it cannot read instead: a request it
//! can still find the id of gets an error response (-32600, as JSON-RPC says), anything else a log message, and
//! the session goes on with the next message.

use lsp_server::{Connection, ErrorCode, Message, Notification, RequestId, Response};
use std::io::{self, BufRead, Read};
use std::thread::JoinHandle;

/// The largest message read: a policy with its imported lists is far smaller, and a header announcing more is
/// damaged, so its body is skipped rather than held in memory.
const MAX_MESSAGE: u64 = 64 << 20;

/// The threads that move messages between the standard streams and the server's [`Connection`].
pub struct Transport {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl Transport {
    /// Waits for both threads: the reader ends with the editor's `exit` notification or the end of its input,
    /// the writer once the server and the reader have dropped their senders.
    pub fn join(self) -> io::Result<()> {
        let reader = self.reader.join().unwrap_or_else(|_| Err(io::Error::other("the reader thread failed")));
        let writer = self.writer.join().unwrap_or_else(|_| Err(io::Error::other("the writer thread failed")));
        reader.and(writer)
    }
}

/// A connection over standard input and output, and the threads that serve it.
pub fn stdio() -> (Connection, Transport) {
    let (server, wire) = Connection::memory();
    let replies = server.sender.clone();
    let reader = std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            match read(&mut input)? {
                None => return Ok(()),
                Some(Ok(msg)) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    // The server has stopped listening only when it has ended; nothing is left to read for.
                    if wire.sender.send(msg).is_err() || exit {
                        return Ok(());
                    }
                }
                Some(Err(unread)) => {
                    let _ = replies.send(unread.reply());
                }
            }
        }
    });
    let outgoing = wire.receiver;
    let writer = std::thread::spawn(move || {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        for msg in outgoing {
            msg.write(&mut out)?;
        }
        Ok(())
    });
    (server, Transport { reader, writer })
}

/// A message that could not be read, and the id of the request it was, where that much could be read.
#[derive(Debug)]
pub struct Unread {
    id: Option<RequestId>,
    reason: String,
}

impl Unread {
    fn new(reason: impl Into<String>) -> Unread {
        Unread { id: None, reason: reason.into() }
    }

    /// What the editor is told: an error response to a request, a log message otherwise.
    fn reply(self) -> Message {
        let message = format!("policyc skipped a message it could not read: {}", self.reason);
        match self.id {
            Some(id) => Message::Response(Response::new_err(id, ErrorCode::InvalidRequest as i32, message)),
            None => Message::Notification(Notification::new(
                "window/logMessage".into(),
                serde_json::json!({ "type": 1, "message": message }),
            )),
        }
    }
}

/// Reads the next message: `None` at the end of the input, `Some(Err(_))` for a message skipped. An error is
/// the input failing, not a message being malformed.
pub fn read(input: &mut impl BufRead) -> io::Result<Option<Result<Message, Unread>>> {
    let mut length = None;
    let mut bad_header = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        // A header line is short; one without an end within the limit is not a header.
        let n = input.by_ref().take(MAX_MESSAGE).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<u64>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("`{}` is not a length", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("`{}` is not a header", shorten(text))),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Err(Unread::new(bad_header.unwrap_or_else(|| "it has no `Content-Length` header".into())))));
    };
    if let Some(reason) = bad_header {
        // The length is known, so the body can still be skipped and the next message found.
        io::copy(&mut input.by_ref().take(length), &mut io::sink())?;
        return Ok(Some(Err(Unread::new(reason))));
    }
    if length > MAX_MESSAGE {
        io::copy(&mut input.by_ref().take(length), &mut io::sink())?;
        return Ok(Some(Err(Unread::new(format!(
            "it announces {length} bytes, more than the {MAX_MESSAGE} a message may have"
        )))));
    }
    let mut body = Vec::new();
    input.by_ref().take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Ok(None);
    }
    Ok(Some(parse(&body)))
}

/// A message from its body, or why it is not one (with the request's id when the body is JSON that has one).
fn parse(body: &[u8]) -> Result<Message, Unread> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| Unread::new(format!("not JSON ({e})")))?;
    let id = value.get("id").and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
    serde_json::from_value::<Message>(value)
        .map_err(|e| Unread { id, reason: format!("not a JSON-RPC request, response or notification ({e})") })
}

/// A header line as quoted in a message: its first 40 characters.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", text.get(..i).unwrap_or(text)),
        None => text.to_string(),
    }
}

/// The messages a transport writes, for tests.
#[cfg(test)]
fn write_all(messages: &[Message]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        let _ = m.write(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<Result<String, String>> {
        let mut r = io::Cursor::new(input);
        let mut out = Vec::new();
        while let Ok(Some(m)) = read(&mut r) {
            out.push(match m {
                Ok(Message::Request(req)) => Ok(req.method),
                Ok(Message::Notification(n)) => Ok(n.method),
                Ok(Message::Response(_)) => Ok("response".into()),
                Err(e) => Err(e.reason),
            });
        }
        out
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_messages_are_skipped_and_the_next_one_is_read() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = [
            framed("{not json"),
            framed(r#"{"jsonrpc":"2.0","id":7}"#),
            "Content-Length: 99999999999999\r\n\r\n".to_string(),
        ]
        .concat();
        let got = all(input.as_bytes());
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.iter().all(Result::is_err), "{got:?}");
        let Err(huge) = &got[2] else { return };
        assert!(huge.contains("99999999999999 bytes"), "{huge}");

        // After a damaged header whose length is known, the body is skipped and the next message read.
        let input = ["Content-Length: 2\r\nnonsense\r\n\r\n{}".to_string(), framed(good)].concat();
        assert_eq!(all(input.as_bytes()), [Err("`nonsense` is not a header".into()), Ok("initialized".into())]);
        // Bare `\n` line ends are accepted, as some clients send them.
        let input = format!("Content-Length: {}\n\n{good}", good.len());
        assert_eq!(all(input.as_bytes()), [Ok("initialized".into())]);
    }

    #[test]
    fn a_request_that_cannot_be_read_gets_an_error_response_with_its_id() {
        let Err(unread) = parse(br#"{"jsonrpc":"2.0","id":7,"params":{}}"#) else { panic!("read as a message") };
        let reply = String::from_utf8(write_all(&[unread.reply()])).unwrap_or_default();
        assert!(reply.contains(r#""id":7"#) && reply.contains("-32600"), "{reply}");
        let Err(unread) = parse(b"[1, 2") else { panic!("read as a message") };
        let reply = String::from_utf8(write_all(&[unread.reply()])).unwrap_or_default();
        assert!(reply.contains("window/logMessage") && reply.contains("not JSON"), "{reply}");
    }
}
