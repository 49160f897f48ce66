// The example extension in a real browser: Debian's Chromium, headless, driven by playwright-core, with real
// host names (www.walmart.com, www.ebay.de, www.chase.com) sent by --host-resolver-rules to a local HTTPS server
// whose test certificate the browser is told to accept by its key's hash. The same server is the collector and
// records what it receives; every assertion is about what the collector received.
//
// Run: ./build && node --test test/   (CHROMIUM names the browser, default /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ext = fileURLToPath(new URL("..", import.meta.url));
const root = join(ext, "../..");
const policyc = process.env.POLICYC ?? join(root, "target/debug/policyc");
const dir = mkdtempSync(join(tmpdir(), "policyc-e2e-"));

// The publisher's signing key for this run; the extension is built with its public key and a bundled artifact
// of sequence 1.
const key = join(dir, "signing-key.pem");
execFileSync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", key], { stdio: "ignore" });
execFileSync(join(ext, "build"), { env: { ...process.env, SIGNING_KEY: key }, stdio: "ignore" });

// Newer versions of the policy, signed, each compared with the one it replaces (`--previous`), so that the
// envelope says whether it widens collection.
function signedVariant(name, sequence, previous, edit) {
  const d = join(dir, name);
  mkdirSync(d);
  symlinkSync(join(root, "policies/lists"), join(d, "lists"));
  const text = edit(readFileSync(join(root, "policies/shopping-assistant.policy"), "utf8"));
  const policy = join(d, "shopping-assistant.policy");
  writeFileSync(policy, text);
  const args = ["compile", policy, "-o", d, "--sign", key, "--sequence", String(sequence), "--previous", previous];
  const hash = execFileSync(policyc, args, { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  return { policy, hash, dir: d, bytes: readFileSync(join(d, "shopping-assistant.matcher")), sig: readFileSync(join(d, "shopping-assistant.matcher.sig")) };
}
// v2 narrows: walmart.com/ip/ is no longer a product page, so no price there.
const narrower = (t) => t.replace("  walmart.com/ip/ ", "  // walmart.com/ip/ ").replace('version    "2019-07"', 'version    "2019-08"');
const v2 = signedVariant("v2", 2, join(root, "policies/shopping-assistant.policy"), narrower);
const v3 = signedVariant("v3", 3, v2.policy, (t) => narrower(t).replace('version    "2019-08"', 'version    "2019-09"'));
v3.bytes[v3.bytes.length - 100] ^= 1; // corrupted in transit (or by an attacker): the signed digest differs
// v4 widens: www.example.org becomes a retail site.
const v4 = signedVariant("v4", 4, v2.policy, (t) => narrower(t).replace("  bestbuy.com\n", "  bestbuy.com\n  example.org\n"));
// v5 is v4 published again, but its English US notice is altered on the server after signing.
const v5 = { ...signedVariant("v5", 5, v4.policy, (t) => narrower(t).replace("  bestbuy.com\n", "  bestbuy.com\n  example.org\n").replace('version    "2019-08"', 'version    "2019-10"')), tamper: "shopping-assistant.US.en.html" };
// v6 is signed as not widening compared with v5w, a policy that widened v4 (example.net becomes a retail site)
// and that this client never received: a client that agreed to v4 must be asked again, though the envelope
// says "does not widen".
const widened = (t) => narrower(t).replace("  bestbuy.com\n", "  bestbuy.com\n  example.org\n  example.net\n");
const v5w = signedVariant("v5w", 5, v4.policy, (t) => widened(t).replace('version    "2019-08"', 'version    "2019-11"'));
const v6 = signedVariant("v6", 6, v5w.policy, (t) => widened(t).replace('version    "2019-08"', 'version    "2019-12"'));
const v1 = { bytes: readFileSync(join(ext, "policy/shopping-assistant.matcher")), sig: readFileSync(join(ext, "policy/shopping-assistant.matcher.sig")) };
let update = null;

// A self-signed certificate for the test server, and the hash of its public key for Chromium.
execFileSync("openssl", [
  "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
  "-subj", "/CN=policyc test", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
], { stdio: "ignore" });
const spki = execFileSync("sh", ["-c",
  `openssl x509 -in "${join(dir, "cert.pem")}" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
]).toString().trim();

const received = [];
const product = (name, price) => `<!doctype html><title>${name}</title>
<script type="application/ld+json">${JSON.stringify({ "@context": "https://schema.org", "@type": "Product", name, offers: { "@type": "Offer", price, priceCurrency: "USD" } })}</script>
<h1>${name}</h1>`;
const PAGES = {
  "www.walmart.com/ip/123": product("Kettle", "19.99"),
  "www.walmart.com/": "<!doctype html><title>Walmart</title><h1>Shop</h1>",
  "www.ebay.de/": "<!doctype html><title>eBay</title><h1>eBay</h1>",
  "www.chase.com/": product("Savings account", "0"),
  "www.example.org/": "<!doctype html><title>Example</title>",
  "www.example.net/": "<!doctype html><title>Example net</title>",
};

const server = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (req, res) => {
  const host = (req.headers.host ?? "").split(":")[0];
  if (host === "collector.policyc.test" && req.method === "POST") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
    return;
  }
  if (host === "updates.policyc.test" && update !== null) {
    if (req.url === "/shopping-assistant.matcher") return res.writeHead(200).end(update.bytes);
    if (req.url === "/shopping-assistant.matcher.sig") return res.writeHead(200, { "content-type": "application/json" }).end(update.sig);
    // The notices published with the artifact, from the compiler's output folder.
    const notice = /^\/(shopping-assistant\.[A-Z-]+\.[a-z]+\.html)$/.exec(req.url ?? "");
    if (notice && update.dir) {
      let body = readFileSync(join(update.dir, notice[1]), "utf8");
      if (update.tamper === notice[1]) body = body.replace("</h1>", " (unsigned edit)</h1>");
      return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
    }
  }
  const page = PAGES[host + req.url];
  if (page === undefined) return res.writeHead(404).end("not found");
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
});

let context;
let sw;
let id;
let policyHash;

before(async () => {
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const port = server.address().port;
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    locale: "en-US",
    args: [
      `--disable-extensions-except=${ext}`,
      `--load-extension=${ext}`,
      `--host-resolver-rules=MAP * 127.0.0.1:${port}, EXCLUDE localhost`,
      `--ignore-certificate-errors-spki-list=${spki}`,
      "--no-sandbox",
    ],
  });
  sw = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  id = new URL(sw.url()).host;
  policyHash = execFileSync(policyc, ["compile", join(root, "policies/shopping-assistant.policy"), "-o", join(dir, "out")], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
});

after(async () => {
  await context?.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

// Visits a page and waits until the service worker has decided it; returns what the collector received for it.
async function visit(url) {
  const before = await decisions();
  const count = received.length;
  const page = await context.newPage();
  await page.goto(url);
  const start = Date.now();
  for (;;) {
    const now = await decisions();
    if (now.length > before.length && now.at(-1).url === url) break;
    if (Date.now() - start > 10000) throw new Error(`the extension never decided ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.close();
  return received.slice(count);
}

const decisions = () => sw.evaluate(async () => (await chrome.storage.session.get("decisions")).decisions ?? []);

test("nothing is sent before the user consents", async () => {
  assert.deepEqual(await visit("https://www.walmart.com/ip/123"), []);
  assert.equal((await decisions()).at(-1).reason, "no consent");
  assert.equal(received.length, 0);
});

test("the onboarding page shows the generated notice, and agreeing records consent with the policy hash", async () => {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/onboarding.html`);
  const notice = page.frameLocator("#notice iframe");
  await notice.locator("text=Shopping Assistant").first().waitFor();
  // Each switch starts unticked, though both features start on in the policy: a box ticked in advance is no
  // consent (Planet49), and the policy's `opt in` texts say that the welcome page asks.
  for (const f of ["price_compare", "personalised_ads"]) assert.equal(await page.isChecked(`#feature-${f}`), false);
  await page.check("#feature-price_compare");
  await page.check("#feature-personalised_ads");
  await page.click("#agree");
  await page.locator("#status").filter({ hasText: "Thank you" }).waitFor();
  const { consent, consentLog } = await sw.evaluate(() => chrome.storage.local.get(["consent", "consentLog"]));
  assert.equal(consent.policyHash, policyHash);
  // One choice per feature switch of the policy, as the user ticked it, and the region whose notice was shown.
  assert.deepEqual(consent.choices, { price_compare: true, personalised_ads: true });
  assert.equal(consent.region, "US");
  assert.ok(Date.parse(consent.time) > 0);
  assert.equal(consentLog.length, 1);
  await page.close();
});

test("on a product page exactly the policy's data is sent, not linked while the signals are off", async () => {
  const got = await visit("https://www.walmart.com/ip/123");
  assert.equal(got.length, 1);
  assert.equal(got[0].policyHash, policyHash);
  assert.deepEqual(got[0].items, {
    page_url: { value: "https://www.walmart.com/ip/123", linked: false },
    page_title: { value: "Kettle", linked: false },
    product_price: { value: { amount: "19.99", currency: "USD" }, linked: false },
  });
  // A retail page that is not a product page: no price, even though none would be found anyway.
  const home = await visit("https://www.walmart.com/");
  assert.deepEqual(Object.keys(home[0].items), ["page_url", "page_title"]);
});

test("nothing is sent on a bank page or a page the policy does not cover", async () => {
  const count = received.length;
  assert.deepEqual(await visit("https://www.chase.com/"), []);
  assert.deepEqual(await visit("https://www.example.org/"), []);
  assert.equal(received.length, count);
});

test("items are linked only while signed in and the Assistant is actively in use on the tab", async () => {
  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  await options.check("#signed-in");
  // Signed in but the panel never used on this tab: not linked.
  let got = await visit("https://www.walmart.com/ip/123");
  assert.equal(got.at(-1).items.page_url.linked, false);
  // Open the panel for the product page's tab, then load the page in that tab.
  const page = await context.newPage();
  await page.goto("https://www.ebay.de/");
  let tabId;
  for (let i = 0; tabId === undefined && i < 200; i++) {
    tabId = (await decisions()).findLast((d) => d.url === "https://www.ebay.de/")?.tabId;
    await new Promise((r) => setTimeout(r, 50));
  }
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${id}/panel.html?tab=${tabId}`);
  const before = received.length;
  await page.goto("https://www.walmart.com/ip/123");
  for (let i = 0; received.length === before && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
  got = received.slice(before);
  assert.equal(got.length, 1);
  assert.deepEqual(Object.values(got[0].items).map((i) => i.linked), [true, true, true]);
  // Closed, the panel leaves the Assistant in use on its tab for the window config.js sets (ten minutes from its
  // opening or the last click in it), also when the browser stops the idle service worker in between, as it does
  // after about 30 seconds.
  await panel.close();
  const cdp = await context.newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.stopAllWorkers");
  const again = received.length;
  await page.goto("https://www.walmart.com/ip/123");
  for (let i = 0; received.length === again && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
  sw = await worker();
  assert.equal(received.length, again + 1, "the restarted worker sent the page");
  assert.deepEqual(Object.values(received.at(-1).items).map((i) => i.linked), [true, true, true]);
  // The window counts from the last opening or click, not from closing: a panel opened eleven minutes ago and
  // left alone is in use while it stays open, and no longer once it closes.
  const panelState = () => sw.evaluate(async (t) => (await chrome.storage.session.get("panel")).panel?.[t], tabId);
  const reopened = await context.newPage();
  await reopened.goto(`chrome-extension://${id}/panel.html?tab=${tabId}`);
  await waitFor(async () => (await panelState())?.open > 0);
  await sw.evaluate(async (t) => {
    const { panel } = await chrome.storage.session.get("panel");
    panel[t].last = Date.now() - 11 * 60 * 1000;
    await chrome.storage.session.set({ panel });
  }, tabId);
  const openLong = received.length;
  await page.goto("https://www.walmart.com/ip/123");
  await waitFor(async () => received.length > openLong);
  assert.deepEqual(Object.values(received.at(-1).items).map((i) => i.linked), [true, true, true], "open: in use");
  await reopened.close();
  await waitFor(async () => (await panelState())?.open === 0);
  const closed = received.length;
  await page.goto("https://www.walmart.com/ip/123");
  await waitFor(async () => received.length > closed);
  assert.deepEqual(Object.values(received.at(-1).items).map((i) => i.linked), [false, false, false], "closed: idle 11 minutes");
  await cdp.detach();
  await page.close();
  await options.uncheck("#signed-in");
  await options.close();
});

test("switching the feature off on the options page stops collection at once", async () => {
  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  // The switch is labelled with the policy's words, which came with the artifact, not with its identifier.
  assert.equal((await options.locator("label", { has: options.locator("#feature-price_compare") }).innerText()).trim(), "Price comparison");
  await options.uncheck("#feature-price_compare");
  await waitFor(async () => (await sw.evaluate(() => chrome.storage.local.get("features"))).features.price_compare === false);
  await options.close();
  // Switching off withdraws consent, so the consent log records it.
  const { consentLog } = await sw.evaluate(() => chrome.storage.local.get("consentLog"));
  assert.equal(consentLog.at(-1).change, "price_compare off");
  assert.equal(consentLog.at(-1).choices.price_compare, false);
  const count = received.length;
  assert.deepEqual(await visit("https://www.ebay.de/"), []);
  assert.deepEqual(await visit("https://www.walmart.com/ip/123"), []);
  assert.equal(received.length, count);
});

// The extension's service worker, once it runs again after being stopped.
async function worker() {
  for (let i = 0; i < 200; i++) {
    for (const w of context.serviceWorkers().filter((w) => w.url().startsWith(`chrome-extension://${id}/`)).reverse()) {
      try {
        await w.evaluate(() => 1);
        return w;
      } catch {
        // A worker that was stopped; the new one appears soon.
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the service worker did not start again");
}

async function waitFor(condition) {
  for (let i = 0; !(await condition()); i++) {
    if (i > 200) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Asks the service worker to look for an update now (it also does on a timer).
async function checkUpdate() {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/options.html`);
  const result = await page.evaluate(() => chrome.runtime.sendMessage({ type: "check-update" }));
  await page.close();
  return result;
}

async function consent() {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/onboarding.html?update=1`);
  // Asked again, the user ticks again: a switch that was on is marked as such, not ticked for them.
  await page.locator("label", { has: page.locator("#feature-price_compare") }).filter({ hasText: "on before this change" }).waitFor();
  assert.equal(await page.isChecked("#feature-price_compare"), false);
  await page.check("#feature-price_compare");
  await page.check("#feature-personalised_ads");
  await page.click("#agree");
  await page.locator("#status").filter({ hasText: "Thank you" }).waitFor();
  await page.close();
}

test("a newer signed artifact that does not widen collection takes effect at once, the consent carried over", async () => {
  // Switch the feature back on (the previous test switched it off).
  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  await options.check("#feature-price_compare");
  await waitFor(async () => (await sw.evaluate(() => chrome.storage.local.get("features"))).features.price_compare === true);
  await options.close();
  update = v2;
  assert.deepEqual(await checkUpdate(), { applied: true, sequence: 2, policyHash: v2.hash });
  assert.notEqual(v2.hash, policyHash);
  const got = await visit("https://www.walmart.com/ip/123");
  assert.equal(got.length, 1);
  assert.equal(got[0].policyHash, v2.hash);
  // The new policy no longer treats walmart.com/ip/ as a product page: no price.
  assert.deepEqual(Object.keys(got[0].items), ["page_url", "page_title"]);
  const { consent, consentLog } = await sw.evaluate(() => chrome.storage.local.get(["consent", "consentLog"]));
  assert.equal(consent.policyHash, v2.hash);
  assert.equal(consent.carriedFrom, policyHash);
  assert.equal(consentLog.at(-1).policyHash, v2.hash);
});

test("a corrupted artifact and an older one are refused, and the current decisions stay", async () => {
  update = v3;
  const corrupted = await checkUpdate();
  assert.equal(corrupted.applied, false);
  assert.match(corrupted.reason, /digest differs/);
  update = v1;
  const rollback = await checkUpdate();
  assert.equal(rollback.applied, false);
  assert.match(rollback.reason, /sequence 1 is not newer than 2/);
  const got = await visit("https://www.walmart.com/ip/123");
  assert.equal(got[0].policyHash, v2.hash);
  assert.deepEqual(Object.keys(got[0].items), ["page_url", "page_title"]);
});

test("an update that widens collection sends nothing until the user consents again", async () => {
  update = v4;
  assert.deepEqual(await checkUpdate(), { applied: true, sequence: 4, policyHash: v4.hash });
  assert.deepEqual(await visit("https://www.walmart.com/ip/123"), []);
  assert.deepEqual(await visit("https://www.example.org/"), []);
  assert.equal((await decisions()).at(-1).reason, "no consent");
  // Asked to agree again, the user reads the notice of the new policy (published and signed with it), not the
  // bundled one: v2 and v4 no longer name walmart.com/ip/ as product pages, the bundled notice does.
  const bundled = readFileSync(join(ext, "policy/shopping-assistant.US.en.html"), "utf8");
  assert.ok(bundled.includes("walmart.com/ip/"));
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/onboarding.html`);
  const shown = await page.frameLocator("#notice iframe").locator("body").innerText();
  assert.ok(shown.includes("Shopping Assistant") && !shown.includes("walmart.com/ip/"), shown.slice(0, 300));
  assert.ok(shown.includes("example.org"), "the widened retail list is what the new notice names");
  await page.close();
  await consent();
  const got = await visit("https://www.example.org/");
  assert.equal(got.length, 1);
  assert.equal(got[0].policyHash, v4.hash);
  assert.deepEqual(Object.keys(got[0].items), ["page_url", "page_title"]);
});

test("an update whose notice differs from the signed one is refused, and the current policy stays", async () => {
  update = v5;
  const refused = await checkUpdate();
  assert.equal(refused.applied, false);
  assert.match(refused.reason, /digest of shopping-assistant\.US\.en\.html differs/);
  const got = await visit("https://www.example.org/");
  assert.equal(got[0].policyHash, v4.hash);
});

test("consent is not carried over by an update that narrows a policy the user never agreed to", async () => {
  const { consent: before } = await sw.evaluate(() => chrome.storage.local.get("consent"));
  assert.equal(before.policyHash, v4.hash);
  update = v6;
  assert.deepEqual(await checkUpdate(), { applied: true, sequence: 6, policyHash: v6.hash });
  const signed = JSON.parse(v6.sig);
  assert.equal(signed.widens, false);
  assert.equal(signed.previous_policy_hash, v5w.hash);
  assert.deepEqual(await visit("https://www.example.net/"), []);
  assert.equal((await decisions()).at(-1).reason, "no consent");
  const { consent } = await sw.evaluate(() => chrome.storage.local.get("consent"));
  assert.equal(consent.policyHash, v4.hash);
});
