// The service worker: loads the policy's matcher, decides every page the content script reports, and sends
// only what the policy allows, each item marked linked or not, with the policy hash. It replaces the bundled
// artifact with a newer signed one from UPDATE_URL when one verifies (see verify.js).
//
// Static imports only: a module service worker cannot use import().
import { loadMatcher } from "./lib/index.js";
import { verifyArtifact, verifyFile } from "./verify.js";
import { PUBLIC_KEY_HEX } from "./policy/public-key.js";
import {
  ACTIVE_WINDOW_MS,
  BUNDLED_ARTIFACT,
  COLLECTOR_URL,
  MAX_ARTIFACT_BYTES,
  MAX_ENVELOPE_BYTES,
  MAX_NOTICE_BYTES,
  NOTICE_LANGUAGES,
  NOTICE_REGIONS,
  noticeFile,
  UPDATE_PERIOD_MINUTES,
  UPDATE_URL,
} from "./config.js";

// The live matcher and the signed sequence it came with.
let livePromise = null;

const toBase64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
const fromBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function loadLive() {
  const bundled = new Uint8Array(await (await fetch(chrome.runtime.getURL(BUNDLED_ARTIFACT))).arrayBuffer());
  const envelope = await (await fetch(chrome.runtime.getURL(`${BUNDLED_ARTIFACT}.sig`))).json();
  const { update } = await chrome.storage.local.get("update");
  // A stored update is verified again: storage is not a place the signature stops mattering. One that no longer
  // verifies or loads (a later version of this extension may read artifacts differently) gives way to the
  // bundled artifact rather than leave the extension without a matcher.
  if (update && update.envelope?.sequence > envelope.sequence) {
    try {
      const bytes = fromBase64(update.bytes);
      if ((await verifyArtifact(bytes, update.envelope, PUBLIC_KEY_HEX, envelope.sequence)) === null) {
        const m = await loadMatcher(bytes);
        if (m.policyHash === update.envelope.policy_hash) {
          return { matcher: m, sequence: update.envelope.sequence, envelope: update.envelope, notices: update.notices };
        }
        m.free();
      }
    } catch (e) {
      console.error("policyc example: the stored update is not used:", e);
    }
  }
  return { matcher: await loadMatcher(bundled), sequence: envelope.sequence, envelope: null, notices: null };
}

// The body of a response, refused with a reason once it is over `max` bytes (while it arrives, not after) or when
// the status is not a success.
async function readCapped(res, max, what) {
  if (!res.ok) throw new Error(`cannot fetch ${what} (HTTP ${res.status})`);
  const reader = res.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw new Error(`${what} is over ${max} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

// Fetches the notices of an update from beside UPDATE_URL, each checked against the signed envelope. Throws
// with the reason if one is missing or differs: an update whose notice cannot be shown cannot be agreed to.
async function fetchNotices(envelope) {
  const notices = {};
  for (const region of NOTICE_REGIONS) {
    for (const lang of NOTICE_LANGUAGES) {
      const name = noticeFile(region, lang);
      const res = await fetch(new URL(name, UPDATE_URL), { cache: "no-store" });
      const bytes = await readCapped(res, MAX_NOTICE_BYTES, `its notice ${name}`);
      const refused = await verifyFile(name, bytes, envelope);
      if (refused !== null) throw new Error(refused);
      notices[name] = new TextDecoder().decode(bytes);
    }
  }
  return notices;
}

// The notice for a region and language from one live policy: the update's own, verified again, or, for the
// bundled policy, the bundled one. An update's notice that is missing or no longer verifies is an error, never the
// bundled notice instead: that one describes another policy, and consent to it would not be consent to this one.
async function notice(current, region, lang) {
  if (!NOTICE_REGIONS.includes(region) || !NOTICE_LANGUAGES.includes(lang)) throw new Error(`no notice for ${region}, ${lang}`);
  const name = noticeFile(region, lang);
  const { envelope, notices } = current;
  if (envelope === null) return (await fetch(chrome.runtime.getURL(`policy/${name}`))).text();
  const text = notices?.[name];
  if (typeof text !== "string") throw new Error(`the update brought no notice ${name}`);
  const refused = await verifyFile(name, new TextEncoder().encode(text), envelope);
  if (refused !== null) throw new Error(refused);
  return text;
}

function live() {
  if (livePromise === null) {
    livePromise = loadLive();
    livePromise.catch(() => (livePromise = null));
  }
  return livePromise;
}

const matcher = async () => (await live()).matcher;

// The check under way, if any: an alarm and a message can ask at once, and two checks must not both apply an
// update (one matcher would leak, and two welcome pages open).
let updating = null;

function checkUpdate() {
  if (updating === null) updating = applyUpdate().finally(() => (updating = null));
  return updating;
}

// Fetches a newer artifact; it replaces the live one only if its envelope verifies, its sequence is higher,
// and it loads. Anything else is refused and the live matcher stays. Returns what happened, in words.
async function applyUpdate() {
  const current = await live();
  let result;
  try {
    const sig = await readCapped(await fetch(`${UPDATE_URL}.sig`, { cache: "no-store" }), MAX_ENVELOPE_BYTES, "the envelope");
    const envelope = JSON.parse(new TextDecoder().decode(sig));
    if (!(envelope?.sequence > current.sequence)) {
      result = { applied: false, reason: `sequence ${envelope.sequence} is not newer than ${current.sequence}` };
    } else {
      const bytes = await readCapped(await fetch(UPDATE_URL, { cache: "no-store" }), MAX_ARTIFACT_BYTES, "the artifact");
      const refused = await verifyArtifact(bytes, envelope, PUBLIC_KEY_HEX, current.sequence);
      if (refused !== null) {
        result = { applied: false, reason: refused };
      } else {
        const m = await loadMatcher(bytes);
        let notices = null;
        if (m.policyHash !== envelope.policy_hash) {
          result = { applied: false, reason: "the artifact's policy hash differs from the signed one" };
        } else {
          try {
            notices = await fetchNotices(envelope);
          } catch (e) {
            result = { applied: false, reason: `refused: ${e.message}` };
          }
        }
        if (notices === null) {
          m.free();
        } else {
          await chrome.storage.local.set({ update: { bytes: toBase64(bytes), envelope, notices } });
          current.matcher.free();
          livePromise = Promise.resolve({ matcher: m, sequence: envelope.sequence, envelope, notices });
          result = { applied: true, sequence: envelope.sequence, policyHash: m.policyHash };
          // Consent is to one policy hash. It carries over to the new policy only when the publisher signed
          // that the update does not widen collection compared with exactly the policy the user agreed to
          // (`previous_policy_hash`): a client that missed an update in between compares with a policy the
          // publisher did not. Otherwise nothing is sent until the user agrees again.
          const { consent, consentLog = [], features = {} } = await chrome.storage.local.get(["consent", "consentLog", "features"]);
          const narrowerThanAgreed =
            envelope.widens === false && consent && consent.policyHash === envelope.previous_policy_hash;
          if (narrowerThanAgreed) {
            // The choices carried over are the switches as the user last set them (on the options page, after
            // the consent), for the new policy's features: what the record says is what decides.
            const choices = {};
            for (const f of m.features) choices[f.name] = (features[f.name] ?? consent.choices?.[f.name]) === true;
            const carried = {
              time: new Date().toISOString(),
              policyHash: m.policyHash,
              region: consent.region,
              choices,
              carriedFrom: consent.policyHash,
              reason: "the update does not widen collection",
            };
            await chrome.storage.local.set({ consent: carried, features: choices, consentLog: [...consentLog, carried] });
          } else if (consent && consent.policyHash !== m.policyHash) {
            chrome.tabs.create({ url: chrome.runtime.getURL("onboarding.html?update=1") });
          }
        }
      }
    }
  } catch (e) {
    result = { applied: false, reason: `cannot fetch or load the update: ${e.message}` };
  }
  const { updates = [] } = await chrome.storage.session.get("updates");
  await chrome.storage.session.set({ updates: [...updates, result].slice(-20) });
  return result;
}

// Created once: the worker starts many times a day, and creating the alarm again would restart its period.
chrome.alarms.get("policyc-update").then((a) => {
  if (!a) chrome.alarms.create("policyc-update", { periodInMinutes: UPDATE_PERIOD_MINUTES, delayInMinutes: 1 });
});
chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === "policyc-update") checkUpdate();
});

// Per tab: how many of the Assistant's panels are open there, and when the user last opened one or clicked in it.
// Kept in session storage, not in this worker's memory: the browser stops an idle worker after about 30 seconds,
// and "actively in use" lasts minutes. A panel holds a port to the worker while it is open, so a closed panel is
// noticed even when the page could send nothing; when the worker starts, the ports of the one before are gone,
// so every panel counts as closed (its last use is kept) until it connects again, which an open panel does at
// once. That errs on the side of not linking.
let panelQueue = chrome.storage.session.get("panel").then(({ panel = {} }) => {
  for (const p of Object.values(panel)) p.open = 0;
  return chrome.storage.session.set({ panel });
});

// Changes one tab's panel state; changes are applied one after the other, so none is lost.
function updatePanel(tabId, change) {
  panelQueue = panelQueue
    .then(async () => {
      const { panel = {} } = await chrome.storage.session.get("panel");
      const p = panel[tabId] ?? { open: 0, last: 0 };
      change(p);
      panel[tabId] = p;
      await chrome.storage.session.set({ panel });
    })
    .catch((e) => console.error("policyc example:", e));
  return panelQueue;
}

async function assistantActive(tabId) {
  await panelQueue;
  const { panel = {} } = await chrome.storage.session.get("panel");
  const p = panel[tabId];
  return p !== undefined && (p.open > 0 || Date.now() - p.last <= ACTIVE_WINDOW_MS);
}

// A panel connects as `panel:TAB:open` when the user opens it and as `panel:TAB:again` when it only restores its
// port after the worker was stopped: only the first is a use. Closing is none either: after the panel closes, the
// Assistant stays in use for the window counted from the last opening or click, as the policy's text says.
chrome.runtime.onConnect.addListener((port) => {
  const [, tab, how] = /^panel:(\d+):(open|again)$/.exec(port.name) ?? [];
  const tabId = Number(tab);
  if (!Number.isSafeInteger(tabId) || tabId <= 0 || !fromExtensionPage(port.sender, "panel.html")) {
    return port.disconnect();
  }
  updatePanel(tabId, (p) => {
    p.open += 1;
    if (how === "open") p.last = Date.now();
  });
  port.onMessage.addListener(() => updatePanel(tabId, (p) => (p.last = Date.now())));
  port.onDisconnect.addListener(() => updatePanel(tabId, (p) => (p.open = Math.max(0, p.open - 1))));
});

// Whether a message or port comes from one of this extension's own pages (`pages`), not from a content script:
// a content script shares the extension's id but runs in the web page, and consent, switches and the panel's use
// are the user's to give, on the extension's pages only.
function fromExtensionPage(sender, ...pages) {
  if (sender?.id !== chrome.runtime.id || typeof sender.url !== "string") return false;
  const url = new URL(sender.url);
  return url.origin === new URL(chrome.runtime.getURL("")).origin && pages.some((p) => url.pathname === `/${p}`);
}

// The user's region as the policy names regions: the country of the browser's language, if the policy has it.
function region(m) {
  const country = (chrome.i18n.getUILanguage().split("-")[1] ?? "").toUpperCase();
  return m.regions.includes(country) ? country : null;
}

// What each of the policy's data items is on a page.
function values(page) {
  return {
    page_url: page.url,
    page_title: page.title,
    product_price: page.price,
  };
}

// The last decisions, newest last, for the user to look at (and for the end-to-end test to wait on): the tab,
// the URL and what was sent, or why nothing was. Kept in session storage, so it is gone when the browser closes.
async function log(tabId, url, sent, reason) {
  const { decisions = [] } = await chrome.storage.session.get("decisions");
  decisions.push({ tabId, url, sent, reason });
  await chrome.storage.session.set({ decisions: decisions.slice(-50) });
}

async function onPage(page, tabId) {
  const { consent, features = {}, signedIn = false } = await chrome.storage.local.get([
    "consent",
    "features",
    "signedIn",
  ]);
  const m = await matcher();
  // Nothing is sent before consent to this policy (the record names its hash).
  if (!consent || consent.policyHash !== m.policyHash) return log(tabId, page.url, [], "no consent");
  const set = { assistant_active: await assistantActive(tabId), signed_in: signedIn };
  for (const f of m.features) set[f.name] = features[f.name] ?? consent.choices?.[f.name] ?? f.default;
  // The region whose notice the user agreed to, if the policy has it; else the browser's.
  const where = m.regions.includes(consent.region) ? consent.region : region(m);
  const d = m.decide(page.url, { set, region: where });
  const have = values(page);
  const items = {};
  for (const name of d.collect) {
    if (have[name] === undefined || have[name] === null) continue;
    items[name] = { value: have[name], linked: d.linked.includes(name) };
  }
  if (Object.keys(items).length === 0) return log(tabId, page.url, [], d.error ?? "the policy allows nothing here");
  const res = await fetch(COLLECTOR_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ policyHash: d.policyHash, purposes: d.purposes, retention: d.retention, items }),
  });
  await log(tabId, page.url, Object.keys(items), res.ok ? null : `collector answered ${res.status}`);
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (msg.type === "page" && sender.tab) {
    onPage(msg, sender.tab.id).catch((e) => console.error("policyc example:", e));
  } else if (msg.type === "check-update") {
    checkUpdate().then(reply);
    return true;
  } else if (msg.type === "onboarding" && fromExtensionPage(sender, "onboarding.html")) {
    // The notice, the hash and the switches of one live policy, so that they cannot come from two.
    onboarding(msg.region, msg.lang).then(reply, (e) => reply({ error: e.message }));
    return true;
  } else if (msg.type === "consent" && fromExtensionPage(sender, "onboarding.html")) {
    recordConsent(msg).then(reply, (e) => reply({ error: e.message }));
    return true;
  } else if (msg.type === "feature" && fromExtensionPage(sender, "options.html")) {
    switchFeature(msg.name, msg.on).then(reply, (e) => reply({ error: e.message }));
    return true;
  } else if (msg.type === "info") {
    matcher().then(
      (m) => reply({ policyHash: m.policyHash, features: m.features, signalLabels: m.signalLabels, version: m.version }),
      (e) => reply({ error: e.message }),
    );
    return true;
  }
  return false;
});

async function onboarding(region, lang) {
  const current = await live();
  const m = current.matcher;
  let html;
  try {
    html = await notice(current, region, lang);
  } catch (e) {
    console.error("policyc example:", e);
  }
  return { html, policyHash: m.policyHash, features: m.features };
}

// Records consent to the policy whose notice was shown, if it still decides: an update applied while the page
// was open would otherwise receive a consent given to the notice of the policy before it.
async function recordConsent({ policyHash, region: shownFor, choices }) {
  const m = await matcher();
  if (policyHash !== m.policyHash) throw new Error("The privacy notice changed after this page was opened.");
  if (!NOTICE_REGIONS.includes(shownFor)) throw new Error(`no notice is shown for region ${shownFor}`);
  const clean = {};
  for (const f of m.features) clean[f.name] = choices?.[f.name] === true;
  const consent = { time: new Date().toISOString(), policyHash, region: shownFor, choices: clean };
  const { consentLog = [] } = await chrome.storage.local.get("consentLog");
  await chrome.storage.local.set({ consent, features: clean, consentLog: [...consentLog, consent] });
  return { ok: true };
}

// A switch turned on or off on the options page: it takes effect on the next page, and the consent log records
// it, since withdrawing consent is as much part of the record as giving it.
async function switchFeature(name, on) {
  const m = await matcher();
  if (!m.features.some((f) => f.name === name)) throw new Error(`\`${name}\` is not a feature of the policy`);
  const { features = {}, consentLog = [] } = await chrome.storage.local.get(["features", "consentLog"]);
  const now = { ...features, [name]: on === true };
  const entry = { time: new Date().toISOString(), policyHash: m.policyHash, choices: now, change: `${name} ${on ? "on" : "off"}` };
  await chrome.storage.local.set({ features: now, consentLog: [...consentLog, entry] });
  return { ok: true };
}

chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  if (reason === "install") return chrome.tabs.create({ url: chrome.runtime.getURL("onboarding.html") });
  if (reason !== "update") return;
  // An extension update may bundle a new policy. Consent is to one policy hash, so a user who agreed to an older
  // one is asked again (nothing is sent meanwhile, as for a remote update that widens collection).
  const { consent } = await chrome.storage.local.get("consent");
  const m = await matcher();
  if (consent && consent.policyHash !== m.policyHash) {
    chrome.tabs.create({ url: chrome.runtime.getURL("onboarding.html?update=1") });
  }
});
