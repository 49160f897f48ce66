// The HTML disclosures as a person reads them, in Debian's Chromium (headless, driven by playwright-core): every
// bundled policy in every declared region and language, and once for every region together, on a 390 px wide
// phone screen. The page must not scroll sideways (the summary table reflows into one card per row), and
// axe-core, injected into the page, must find no accessibility violation.
//
// Run: cargo build && (cd tests/html && npm ci && node --test)   (POLICYC names the binary, default
// target/debug/policyc; CHROMIUM the browser, default /usr/bin/chromium; screenshots go to $SCREENSHOTS if set)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
const policyc = process.env.POLICYC ?? join(root, "target/debug/policyc");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "policyc-html-"));
const shots = process.env.SCREENSHOTS;

// Every rendering: the regions and languages each policy declares, read from its JSON export.
const pages = [];
for (const file of readdirSync(join(root, "policies")).filter((f) => f.endsWith(".policy")).sort()) {
  const path = join(root, "policies", file);
  const ir = JSON.parse(execFileSync(policyc, ["export", path, "--format", "json"], { cwd: root, maxBuffer: 1 << 28 }).toString());
  for (const region of [...ir.regions, null]) {
    for (const lang of ir.languages) {
      const name = `${file.replace(/\.policy$/, "")}.${region ?? "all"}.${lang}.html`;
      const args = ["disclose", path, "--lang", lang, "--format", "html", "-o", join(dir, name)];
      if (region) args.push("--region", region);
      execFileSync(policyc, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
      pages.push(name);
    }
  }
}

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const name of pages) {
  test(`${name}: fits a 390 px phone screen and has no axe-core violations`, async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    try {
      await page.goto(pathToFileURL(join(dir, name)).href);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (shots) {
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: join(shots, name.replace(/\.html$/, ".png")), fullPage: true });
      }
      assert.ok(width <= 390, `the page is ${width} px wide on a 390 px screen`);
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
      const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).join("\n    ")}`);
      assert.deepEqual(found, [], found.join("\n"));
    } finally {
      await page.close();
    }
  });
}
