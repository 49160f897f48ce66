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
  // A stored update is verified again: storage is not a place the signature stops mattering.
  if (update && update.envelope.sequence > envelope.sequence) {
    const bytes = fromBase64(update.bytes);
    if ((await verifyArtifact(bytes, update.envelope, PUBLIC_KEY_HEX, envelope.sequence)) === null) {
      return { matcher: await loadMatcher(bytes), sequence: update.envelope.sequence, envelope: update.envelope, notices: update.notices };
    }
  }
  return { matcher: await loadMatcher(bundled), sequence: envelope.sequence, envelope: null, notices: null };
}

// Fetches the notices of an update from beside UPDATE_URL, each checked against the signed envelope. Throws
// with the reason if one is missing or differs: an update whose notice cannot be shown cannot be agreed to.
async function fetchNotices(envelope) {
  const notices = {};
  for (const region of NOTICE_REGIONS) {
    for (const lang of NOTICE_LANGUAGES) {
      const name = noticeFile(region, lang);
      const res = await fetch(new URL(name, UPDATE_URL), { cache: "no-store" });
      if (!res.ok) throw new Error(`cannot fetch its notice ${name} (HTTP ${res.status})`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const refused = await verifyFile(name, bytes, envelope);
      if (refused !== null) throw new Error(refused);
      notices[name] = new TextDecoder().decode(bytes);
    }
  }
  return notices;
}

// The notice for a region and language: the live update's, verified again, or the bundled one.
async function notice(region, lang) {
  const name = noticeFile(region, lang);
  const { envelope, notices } = await live();
  if (envelope !== null && typeof notices?.[name] === "string") {
    const text = notices[name];
    if ((await verifyFile(name, new TextEncoder().encode(text), envelope)) === null) return text;
  }
  return (await fetch(chrome.runtime.getURL(`policy/${name}`))).text();
}

function live() {
  if (livePromise === null) {
    livePromise = loadLive();
    livePromise.catch(() => (livePromise = null));
  }
  return livePromise;
}

const matcher = async () => (await live()).matcher;

// Fetches a newer artifact; it replaces the live one only if its envelope verifies, its sequence is higher,
// and it loads. Anything else is refused and the live matcher stays. Returns what happened, in words.
async function checkUpdate() {
  const current = await live();
  let result;
  try {
    const envelope = await (await fetch(`${UPDATE_URL}.sig`, { cache: "no-store" })).json();
    if (envelope.sequence <= current.sequence) {
      result = { applied: false, reason: `sequence ${envelope.sequence} is not newer than ${current.sequence}` };
    } else {
      const res = await fetch(UPDATE_URL, { cache: "no-store" });
      const bytes = new Uint8Array(await res.arrayBuffer());
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
          const previousHash = current.matcher.policyHash;
          current.matcher.free();
          livePromise = Promise.resolve({ matcher: m, sequence: envelope.sequence, envelope, notices });
          result = { applied: true, sequence: envelope.sequence, policyHash: m.policyHash };
          // Consent is to one policy hash. It carries over to the new policy only when the publisher signed
          // that the update does not widen collection; otherwise nothing is sent until the user agrees again.
          const { consent, consentLog = [] } = await chrome.storage.local.get(["consent", "consentLog"]);
          if (consent && consent.policyHash === previousHash && envelope.widens === false) {
            const carried = {
              time: new Date().toISOString(),
              policyHash: m.policyHash,
              choices: consent.choices,
              carriedFrom: consent.policyHash,
              reason: "the update does not widen collection",
            };
            await chrome.storage.local.set({ consent: carried, consentLog: [...consentLog, carried] });
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

chrome.alarms.create("policyc-update", { periodInMinutes: UPDATE_PERIOD_MINUTES, delayInMinutes: 1 });
chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === "policyc-update") checkUpdate();
});

// Per tab: when the user last opened or used the Assistant's panel there, and whether it is open now.
const panel = new Map();

function assistantActive(tabId) {
  const p = panel.get(tabId);
  return p !== undefined && (p.open || Date.now() - p.last <= ACTIVE_WINDOW_MS);
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
  const set = { assistant_active: assistantActive(tabId), signed_in: signedIn };
  for (const f of m.features) set[f.name] = features[f.name] ?? consent.choices?.[f.name] ?? f.default;
  const d = m.decide(page.url, { set, region: region(m) });
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
  } else if (msg.type === "panel") {
    // From panel.html: opened, used or closed on a tab.
    const p = panel.get(msg.tabId) ?? { open: false, last: 0 };
    if (msg.event === "close") p.open = false;
    else {
      p.open = msg.event === "open" ? true : p.open;
      p.last = Date.now();
    }
    panel.set(msg.tabId, p);
  } else if (msg.type === "check-update") {
    checkUpdate().then(reply);
    return true;
  } else if (msg.type === "notice") {
    notice(msg.region, msg.lang).then(
      (html) => reply({ html }),
      (e) => reply({ error: e.message }),
    );
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

chrome.runtime.onInstalled.addListener(({ reason }) => {
  if (reason === "install") chrome.tabs.create({ url: chrome.runtime.getURL("onboarding.html") });
});
