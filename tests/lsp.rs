//! The language server as an editor drives it: `policyc lsp` as a child process, JSON-RPC messages with
//! `Content-Length` framing on its standard input and output.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const POLICY: &str = r#"policy shop { name "Shop" controller "Shop Inc." contact "p@shop.test" version "1" languages en }
signal signed_in "you are signed in"
data page_url "the address of the page"
data product_price "the price shown"
purpose recommend basis consent "showing you matching products"
sites retail "online shops" { walmart.com  target.com  ebay.* }
collect page_url, product_prize
  on retail
  for recommend keep 90 days
  link to account when signed_in
"#;

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Server { child, stdin, messages, next_id: 1, notifications: Vec::new() }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response, keeping the notifications that arrive meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let msg = self.exchange(method, params);
        assert!(msg.get("error").is_none(), "{msg}");
        msg["result"].clone()
    }

    /// Sends a request and returns the whole response, an error included.
    fn exchange(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.messages.recv_timeout(Duration::from_secs(30)).expect("a response");
            if msg["id"] == id {
                return msg;
            }
            self.notifications.push(msg);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        if let Some(i) = self
            .notifications
            .iter()
            .position(|n| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
        {
            return self.notifications.remove(i)["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let msg = self.messages.recv_timeout(Duration::from_secs(30)).expect("diagnostics");
            if msg["method"] == "textDocument/publishDiagnostics" && msg["params"]["uri"] == uri {
                return msg["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(msg);
        }
    }
}

fn position(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).unwrap().0 + 1;
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    json!({"line": line, "character": character})
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.policy");
    std::fs::write(&path, POLICY).unwrap();
    let uri = url::Url::from_file_path(&path).unwrap().to_string();
    let doc = |pos: Value| json!({"textDocument": {"uri": uri}, "position": pos});

    let mut s = Server::start();
    let init = s.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    let caps = &init["capabilities"];
    for cap in ["hoverProvider", "definitionProvider", "referencesProvider", "documentFormattingProvider"] {
        assert_eq!(caps[cap], true, "{cap}: {init}");
    }
    s.notify("initialized", json!({}));

    // Opening a file with an error publishes it, with the code and help `check` gives.
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "policy", "version": 1, "text": POLICY}}),
    );
    let diags = s.diagnostics(&uri);
    let e = diags.iter().find(|d| d["code"] == "E0002").unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(e["severity"], 1);
    assert_eq!(e["range"]["start"], json!({"line": 6, "character": 18}));
    assert!(e["message"].as_str().unwrap().contains("did you mean `product_price`?"), "{e}");

    // Hover on a use shows the declaration and its text, though the file has an error.
    let hover = s.request("textDocument/hover", doc(position(POLICY, "page_url", 1)));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**data item** `page_url` (declared on line 3)"), "{text}");
    assert!(text.contains("the address of the page"), "{text}");
    // On a site category: its sites and the rules that name it.
    let hover = s.request("textDocument/hover", doc(position(POLICY, "retail", 1)));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("3 written patterns: `walmart.com`, `target.com`, `ebay.*`"), "{text}");
    assert!(text.contains("line 7: `collect page_url, product_prize`"), "{text}");

    // Definition of a use is its declaration.
    let def = s.request("textDocument/definition", doc(position(POLICY, "signed_in", 1)));
    assert_eq!(def["uri"], uri);
    assert_eq!(def["range"]["start"], json!({"line": 1, "character": 7}));

    // References: the declaration and the use.
    let refs = s.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": position(POLICY, "recommend", 0),
               "context": {"includeDeclaration": true}}),
    );
    let lines: Vec<u64> =
        refs.as_array().unwrap().iter().map(|r| r["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 8]);

    // Completion after `on` offers site categories; after `for`, purposes.
    let after = |needle: &str| {
        let offset = POLICY.find(needle).unwrap() + needle.len();
        let line = POLICY[..offset].matches('\n').count();
        json!({"line": line, "character": offset - POLICY[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0)})
    };
    let items = s.request("textDocument/completion", doc(after("  on ")));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["retail"]);
    let items = s.request("textDocument/completion", doc(after("  for ")));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["recommend"]);
    // On the empty last line, the keywords that start an item; at the start of an indented line of the collect
    // rule, its clauses.
    let last_line = POLICY.matches('\n').count();
    let items = s.request("textDocument/completion", doc(json!({"line": last_line, "character": 0})));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, policyc::ast::ITEM_KEYWORDS);
    let items = s.request("textDocument/completion", doc(after("  on retail\n  ")));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert!(
        labels.contains(&"keep") && labels.contains(&"link to account") && !labels.contains(&"retail"),
        "{labels:?}"
    );

    // The did-you-mean fix as a code action.
    let actions = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": e["range"], "context": {"diagnostics": [e]}}),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "replace with `product_price`");
    let edit = &action["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "product_price");
    assert_eq!(edit["range"], e["range"]);

    // Formatting goes through `policyc fmt`.
    let messy = POLICY.replace("  on retail", "on retail   ");
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": messy}]}),
    );
    s.diagnostics(&uri);
    let edits = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], POLICY);

    // A syntax error: published, no formatting, and hover answers from the last version that parsed.
    let broken = POLICY.replace("sites retail \"online shops\" {", "sites retail \"online shops\" {{");
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": broken}]}),
    );
    let diags = s.diagnostics(&uri);
    assert_eq!(diags[0]["code"], "E0001", "{diags:#?}");
    let edits = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));
    let hover = s.request("textDocument/hover", doc(position(POLICY, "page_url", 1)));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("`page_url`"), "{hover}");

    // Edits since the last text that parsed (the messy one above): a shorter header line and a new line above the
    // uses, plus a stray `}` at the end. The old index is asked at the same place in the old text, so every
    // answer is about the name under the cursor; in the edited stretch there is no answer, not a wrong one.
    let shifted = POLICY
        .replace("name \"Shop\" controller", "name \"S\" controller")
        .replace("sites retail", "// shops we recommend on\nsites retail")
        + "}\n";
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": shifted}]}),
    );
    assert_eq!(s.diagnostics(&uri)[0]["code"], "E0001");
    for (needle, nth, name) in [("page_url", 1, "page_url"), ("signed_in", 1, "signed_in"), ("retail", 0, "retail")] {
        let hover = s.request("textDocument/hover", doc(position(&shifted, needle, nth)));
        let text = hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("{needle}: {hover}"));
        assert!(text.contains(&format!("`{name}`")), "{needle}: {text}");
    }
    // The line numbers a hover gives are the current text's, one more below the new comment.
    let hover = s.request("textDocument/hover", doc(position(&shifted, "retail", 0)));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("(declared on line 7)") && text.contains("- line 8: `collect page_url"), "{text}");
    let def = s.request("textDocument/definition", doc(position(&shifted, "signed_in", 1)));
    assert_eq!(def["range"]["start"], json!({"line": 1, "character": 7}), "{def}");
    let refs = s.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": position(&shifted, "recommend", 0),
               "context": {"includeDeclaration": true}}),
    );
    let lines: Vec<u64> =
        refs.as_array().unwrap().iter().map(|r| r["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 9], "the use moved down a line");
    // Inside the edited stretch (the new comment): no answer.
    let hover = s.request("textDocument/hover", doc(position(&shifted, "shops we", 0)));
    assert_eq!(hover, Value::Null);

    // A method the server does not answer is "method not found" (-32601), and the session goes on.
    let e = s.exchange(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(e["error"]["code"], -32601, "{e}");

    // Changes in quick succession: the diagnostics that stay are those of the last text.
    for version in 5..15 {
        let text =
            if version == 14 { POLICY.to_string() } else { shifted.replace("signed_in", &format!("signed_{version}")) };
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }
    let hover = s.request("textDocument/hover", doc(position(POLICY, "page_url", 1)));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("(declared on line 3)"), "{hover}");
    let last = loop {
        let d = s.diagnostics(&uri);
        if d.iter().any(|d| d["code"] == "E0002") {
            break d;
        }
    };
    assert!(last.iter().all(|d| d["code"] != "E0001"), "{last:#?}");

    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// A message the server cannot read is skipped, with an error response when it was a request with an id, and the
/// session goes on: an editor or a plug-in that sends one bad message must not lose the server.
#[test]
fn a_malformed_message_is_answered_and_the_session_goes_on() {
    let mut s = Server::start();
    s.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    s.notify("initialized", json!({}));

    write!(s.stdin, "Content-Length: 9\r\n\r\n{{not json").unwrap();
    write!(s.stdin, "Content-Length: 2\r\nX-Junk\r\n\r\n{{}}").unwrap();
    s.send(json!({"jsonrpc": "2.0", "id": 99, "params": {}}));
    let answer = s.messages.recv_timeout(Duration::from_secs(30)).expect("an answer");
    let answer = if answer["id"] == 99 {
        answer
    } else {
        s.notifications.push(answer);
        loop {
            let m = s.messages.recv_timeout(Duration::from_secs(30)).expect("the error response");
            if m["id"] == 99 {
                break m;
            }
            s.notifications.push(m);
        }
    };
    assert_eq!(answer["error"]["code"], -32600, "{answer}");

    // The server still answers, and told the editor about both skipped messages in its log.
    let formatted = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": "file:///tmp/p.policy"}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert!(formatted.is_null() || formatted.is_array(), "{formatted}");
    let logs: Vec<String> = s
        .notifications
        .iter()
        .filter(|n| n["method"] == "window/logMessage")
        .map(|n| n["params"]["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(logs.iter().any(|m| m.contains("not JSON")), "{logs:?}");
    assert!(logs.iter().any(|m| m.contains("`X-Junk` is not a header")), "{logs:?}");

    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    assert!(s.child.wait().unwrap().success());
}

mod analysis {
    //! The editor's answers on strings, without the protocol.

    use super::POLICY;
    use policyc::ide::{self, LineIndex};

    /// After a syntax error the server answers from the index of an older text; no answer may panic, whatever
    /// the offset, even inside a multi-byte character or past the end.
    #[test]
    fn answers_from_a_stale_index_never_panic() {
        let old = ide::analyse("p.policy", POLICY, &mut policyc::NoLists);
        let index = old.index.as_ref().unwrap();
        let new_text = "policy ü { name \"Grüße 😀\" }\ncollect page_url on";
        let new = ide::analyse("p.policy", new_text, &mut policyc::NoLists);
        for offset in 0..POLICY.len() + 4 {
            let _ = ide::hover(&new, index, new_text, offset);
            let _ = ide::definition(index, offset);
            let _ = ide::references(index, offset, true);
            let _ = ide::completions(index, new_text, offset);
            let _ = LineIndex::new(new_text).position(offset);
        }
    }

    /// The names of a `store` line are uses like any other: hover shows the data item or purpose, definition
    /// goes to it, and its references include the store line.
    #[test]
    fn names_in_a_store_line_are_uses_of_their_declarations() {
        let text = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
                    data page_url \"the address of the page\"\n\
                    purpose ads basis consent \"showing ads\"\n\
                    sites s \"shops\" { a.example }\n\
                    collect page_url on s for ads keep 30 days\n\
                    store browsing_activity for page_url\n\
                    store advertising for ads\n";
        let a = ide::analyse("p.policy", text, &mut policyc::NoLists);
        let index = a.index.as_ref().unwrap();
        let data_use = text.find("for page_url").unwrap() + 4;
        let hover = ide::hover(&a, index, text, data_use).unwrap();
        assert!(hover.contains("**data item** `page_url` (declared on line 2)"), "{hover}");
        assert_eq!(ide::definition(index, data_use).map(|s| s.span.start), text.find("page_url"));
        let purpose_use = text.rfind("ads").unwrap();
        let hover = ide::hover(&a, index, text, purpose_use).unwrap();
        assert!(hover.contains("`ads`") && hover.contains("showing ads"), "{hover}");
        let refs = ide::references(index, text.find("purpose ads").unwrap() + 8, false);
        assert!(refs.iter().any(|r| r.start == purpose_use), "{refs:?}");
    }

    #[test]
    fn positions_count_utf16_code_units() {
        let text = "a ü 😀 b\nsecond";
        let lines = LineIndex::new(text);
        let b = text.find('b').unwrap();
        // `a`, space, `ü` (1 unit), space, `😀` (2 units), space: `b` is at column 7.
        assert_eq!(lines.position(b), (0, 7));
        assert_eq!(lines.offset(0, 7), b);
        assert_eq!(lines.position(text.find("second").unwrap()), (1, 0));
        assert_eq!(lines.offset(1, 99), text.len(), "clamped to the line");
        assert_eq!(lines.offset(9, 0), text.len(), "clamped to the text");
    }

    #[test]
    fn completion_fits_the_clause() {
        let idx = ide::analyse("p.policy", POLICY, &mut policyc::NoLists).index.unwrap();
        let labels = |text: &str| -> Vec<String> {
            ide::completions(&idx, text, text.len()).into_iter().map(|c| c.label).collect()
        };
        assert_eq!(labels("collect "), ["page_url", "product_price"]);
        assert_eq!(labels("collect page_url, "), ["page_url", "product_price"]);
        assert_eq!(labels("collect page_url on retail when "), ["signed_in"]);
        assert_eq!(labels("collect page_url on retail when signed_in and no"), ["signed_in"]);
        assert_eq!(labels("expect \"https://a.com/\" collects "), ["page_url", "product_price"]);
        // The per-item outcomes: data after the verb, purposes after `for`, signals after `with` in the settings
        // but recipients after `shares DATA with`.
        assert_eq!(labels("expect \"https://a.com/\" uses "), ["page_url", "product_price"]);
        assert_eq!(labels("expect \"https://a.com/\" uses page_url for "), ["recommend"]);
        assert_eq!(labels("expect \"https://a.com/\" with "), ["signed_in"]);
        let recipients = labels("expect \"https://a.com/\" shares page_url, product_price with ");
        assert!(recipients.is_empty(), "the policy declares no recipients: {recipients:?}");
        // On a line of its own, the keywords that start an item, and no names: none can start one.
        let top = labels("");
        assert_eq!(top, policyc::ast::ITEM_KEYWORDS);
        assert_eq!(labels(&format!("{POLICY}\n")), policyc::ast::ITEM_KEYWORDS);
        // After `never`, what can be promised; after `or` in a promise, the promises about recipients.
        assert_eq!(labels("never "), ["collect", "sell", "share", "disclose"]);
        assert_eq!(labels("never sell or "), ["sell", "share", "disclose"]);
        // After `from` in a collect rule or an `expect` line, the built-in sources and the declared ones.
        let with_source = format!("{POLICY}\nsource cards \"your cards\"\n");
        let idx2 = ide::analyse("p.policy", &with_source, &mut policyc::NoLists).index.unwrap();
        for from in ["collect page_url from ", "expect from "] {
            let sources: Vec<String> = ide::completions(&idx2, from, from.len()).into_iter().map(|c| c.label).collect();
            assert_eq!(sources, ["device", "account", "cards"], "{from}");
        }
        // After `allow`, the warnings an author can accept, with what they mean; no errors, and not the unused
        // `allow` itself.
        let codes = ide::completions(&idx, "collect page_url allow ", "collect page_url allow ".len());
        assert!(codes.iter().any(|c| c.label == "W0025" && c.detail.contains("adds nothing")), "{codes:?}");
        assert!(!codes.iter().any(|c| c.label.starts_with('E') || c.label == "W0060"), "{codes:?}");
    }

    /// At the start of a line, completion offers what can start a clause there, not every label: the header's
    /// fields in the `policy` block, `from`, `exact` and `allow` in a `sites` block, the clauses of the item an
    /// indented line continues, and the items on a line of its own. A finished list is not continued on a new
    /// line, but one whose line ends in `,` is.
    #[test]
    fn completion_at_the_start_of_a_line_offers_what_can_start_a_clause_there() {
        let idx = ide::analyse("p.policy", POLICY, &mut policyc::NoLists).index.unwrap();
        let labels = |text: &str| -> Vec<String> {
            ide::completions(&idx, text, text.len()).into_iter().map(|c| c.label).collect()
        };
        let header = labels("policy shop {\n  name \"Shop\"\n  ");
        assert_eq!(
            header,
            [
                "name",
                "controller",
                "contact",
                "dpo",
                "version",
                "languages",
                "regions",
                "established",
                "representative",
                "opt out",
                "url",
                "allow"
            ]
        );
        // A `{` or `}` inside a string or a comment opens and closes nothing.
        assert_eq!(labels("policy shop { name \"a } b\" // }\n  /* } */ con"), header);
        assert_eq!(labels("sites retail \"shops\" {\n  walmart.com\n  "), ["from", "exact", "allow"]);
        assert!(labels("sites retail \"shops\" {\n  from ").is_empty(), "a quoted file name follows");
        let collect = ["on", "at", "from", "when", "for", "keep", "link to account", "region", "necessary", "allow"];
        assert_eq!(labels("collect page_url\n  on retail\n  "), collect);
        assert_eq!(labels("collect page_url\n  on retail\n  fo"), collect, "the word being typed is left out");
        assert_eq!(labels("collect page_url on retail for recommend keep 90 days "), collect);
        assert_eq!(
            labels("purpose recommend\n  "),
            ["basis", "interest", "shared with", "direct marketing", "profiling", "decisions", "label"]
        );
        assert_eq!(
            labels("expect \"https://a.com/\"\n  "),
            ["at", "with", "region", "collects", "links", "uses", "keeps", "shares"]
        );
        assert_eq!(labels("sites retail \"shops\" { walmart.com }\n"), policyc::ast::ITEM_KEYWORDS);
        // A list whose line ends in `,` goes on; a condition whose line ends in `and` too.
        assert_eq!(labels("collect page_url,\n  "), ["page_url", "product_price"]);
        assert_eq!(labels("collect page_url when signed_in and\n  "), ["signed_in"]);
        // After the keyword of a declaration, a new name goes: nothing to offer.
        assert!(labels("purpose ").is_empty() && labels("sites ").is_empty());
    }

    #[test]
    fn hover_on_an_allow_says_what_the_code_means_and_what_it_accepts() {
        let text = "policy p { name \"P\" controller \"C\" contact \"c@p.test\" version \"1\" languages en }\n\
            data d \"d\"\npurpose u basis contract \"u\"\nsites s \"s\" { example.com }\n\
            collect d on s for u keep 1 days\ncollect d on s for u keep 1 days allow W0025 \"apart\" allow W0022 \"no\"\n";
        let a = ide::analyse("p.policy", text, &mut policyc::NoLists);
        let idx = a.index.as_ref().unwrap();
        let at = |code: &str| text.find(code).unwrap() + 2;
        assert_eq!(
            ide::hover(&a, idx, text, at("W0025")).unwrap(),
            "**warning** `W0025`: a collect rule adds nothing that another rule does not already do\n\n\
             accepts 1 finding here"
        );
        assert!(ide::hover(&a, idx, text, at("W0022")).unwrap().ends_with("accepts no finding here"));
    }
}
