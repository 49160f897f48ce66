// The VS Code client: starts `policyc lsp` (the executable from the `policyc.path` setting) for `.policy`
// files. Highlighting comes from the TextMate grammar alone and works without the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("policyc").get("path") || "policyc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "policyc",
    "policyc",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "policy" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
