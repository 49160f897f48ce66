// The grammar on the bundled policies (../../policies/*.policy): every character that is not white space gets a
// scope of its own (nothing is left as bare `source.policy`), and every item keyword at the start of a line is
// scoped as a keyword (so no block, string or comment swallows the items after it). Exits 1 with the first
// problems found.
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
const onigLib = oniguruma.loadWASM(wasm.buffer).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async () =>
    vsctm.parseRawGrammar(fs.readFileSync(path.join(__dirname, "..", "syntaxes", "policy.tmLanguage.json"), "utf8"), "policy.tmLanguage.json"),
});

const ITEM = /^(policy|signal|feature|event|data|purpose|recipient|sites|never|collect|process|incentive|expect|store|criterion|source)\b/;

async function main() {
  const grammar = await registry.loadGrammar("source.policy");
  const root = path.join(__dirname, "..", "..", "..", "policies");
  // The bundled examples and the real policies beside them (policies/real).
  const files = [root, path.join(root, "real")]
    .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith(".policy")).map((f) => path.join(d, f)))
    .sort();
  const problems = [];
  let lines = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8").split("\n");
    let stack = vsctm.INITIAL;
    text.forEach((line, n) => {
      const r = grammar.tokenizeLine(line, stack);
      lines++;
      for (const t of r.tokens) {
        const piece = line.slice(t.startIndex, t.endIndex);
        if (t.scopes.length === 1 && piece.trim() !== "") {
          problems.push(`${f}:${n + 1}:${t.startIndex + 1}: \`${piece.trim()}\` has no scope`);
        }
      }
      const m = ITEM.exec(line);
      if (m) {
        const first = r.tokens.find((t) => t.startIndex === 0);
        if (!first || !first.scopes.some((s) => s.startsWith("keyword."))) {
          problems.push(`${f}:${n + 1}: \`${m[1]}\` is not scoped as a keyword (${first && first.scopes.join(" ")})`);
        }
      }
      stack = r.ruleStack;
    });
  }
  if (problems.length > 0) {
    console.error(problems.slice(0, 20).join("\n"));
    console.error(`${problems.length} problems in the bundled policies`);
    process.exit(1);
  }
  console.log(`✓ ${files.length} bundled policies, ${lines} lines: every token scoped, every item keyword a keyword`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
