import { NOTICE_REGIONS } from "./config.js";

// Shows the disclosure generated from the policy, in the browser's language, and asks for consent: each feature
// switch starts unticked, since a box ticked in advance is no consent (CJEU C-673/17, Planet49), also when the
// user is asked again after an update. The service worker records the consent (the time, the policy hash, the
// region whose notice was shown and the choices), so that the controller can show that consent was given.
const lang = chrome.i18n.getUILanguage().startsWith("de") ? "de" : "en";
const country = (chrome.i18n.getUILanguage().split("-")[1] ?? "").toUpperCase();
// A notice is written per region. Where the browser's language names none the policy has, the notice of the
// language's usual region is shown, and the consent record keeps that region, so that decisions are made for
// the region whose notice the user read.
const region = NOTICE_REGIONS.includes(country) ? country : lang === "de" ? "DE" : "US";

// The notice, the policy hash and the switches in one answer, from the policy that decides now (after an update,
// the update's own notice, signed with it): so the user agrees to the policy whose notice they read.
const shown = await chrome.runtime.sendMessage({ type: "onboarding", region, lang });
const frame = document.createElement("iframe");
// The disclosure is the compiler's own output; it is shown as a document of its own (no scripts run in it)
// rather than parsed into this page.
frame.sandbox = "";
frame.style = "width: 100%; height: 55vh; border: 0";
frame.srcdoc = shown.html ?? "The privacy notice could not be loaded; nothing is collected until it can be shown.";
// No notice, no agreement: a user cannot consent to what they could not read.
document.getElementById("agree").disabled = shown.html === undefined;
document.getElementById("notice").replaceChildren(frame);

const { features: before = {} } = await chrome.storage.local.get("features");
const features = document.getElementById("features");
for (const f of shown.features ?? []) {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = false;
  box.id = `feature-${f.name}`;
  box.dataset.feature = f.name;
  // The switch in the policy's words, and, where the policy says how the user agrees to it, that text too.
  const optIn = f.optIn[lang] ?? f.optIn.en;
  label.append(box, ` ${f.label[lang] ?? f.label.en ?? f.name}`);
  if (new URLSearchParams(location.search).has("update") && before[f.name] === true) {
    label.append(lang === "de" ? " (vor dieser Änderung eingeschaltet)" : " (on before this change)");
  }
  features.append(label, document.createElement("br"));
  if (optIn) {
    const how = document.createElement("small");
    how.textContent = optIn;
    features.append(how, document.createElement("br"));
  }
}

document.getElementById("agree").addEventListener("click", async () => {
  const choices = {};
  for (const box of features.querySelectorAll("input")) choices[box.dataset.feature] = box.checked;
  const answer = await chrome.runtime.sendMessage({ type: "consent", policyHash: shown.policyHash, region, choices });
  const status = document.getElementById("status");
  if (answer?.error) {
    // The policy changed while the notice was open: the user has not read the new one.
    status.textContent = `${answer.error} Reload this page to read the current notice.`;
    return;
  }
  status.textContent = "Thank you. You can change these choices in the options.";
});
