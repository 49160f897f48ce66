import { NOTICE_REGIONS } from "./config.js";

// Shows the disclosure generated from the policy, in the browser's language, and records consent: the time,
// the policy hash and the choices, so that the controller can show that consent was given.
const lang = chrome.i18n.getUILanguage().startsWith("de") ? "de" : "en";
const country = (chrome.i18n.getUILanguage().split("-")[1] ?? "").toUpperCase();
const region = NOTICE_REGIONS.includes(country) ? country : lang === "de" ? "DE" : "US";

const notice = document.getElementById("notice");
// The notice of the policy that decides now: after an update, the update's own (signed with it), else the
// bundled one.
const { html } = await chrome.runtime.sendMessage({ type: "notice", region, lang });
// The disclosure is the compiler's own output, shipped inside the extension; it is shown as a document of its
// own (no scripts run in it) rather than parsed into this page.
const frame = document.createElement("iframe");
frame.sandbox = "";
frame.style = "width: 100%; height: 55vh; border: 0";
frame.srcdoc = html ?? "The privacy notice could not be loaded; nothing is collected until it can be shown.";
// No notice, no agreement: a user cannot consent to what they could not read.
document.getElementById("agree").disabled = html === undefined;
notice.replaceChildren(frame);

const info = await chrome.runtime.sendMessage({ type: "info" });
const choices = {};
const features = document.getElementById("features");
for (const f of info.features) {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = f.default;
  box.dataset.feature = f.name;
  // The switch in the policy's words, and, where the policy says how the user agrees to it, that text too.
  const optIn = f.optIn[lang] ?? f.optIn.en;
  label.append(box, ` ${f.label[lang] ?? f.label.en ?? f.name}`);
  features.append(label, document.createElement("br"));
  if (optIn) {
    const how = document.createElement("small");
    how.textContent = optIn;
    features.append(how, document.createElement("br"));
  }
}

document.getElementById("agree").addEventListener("click", async () => {
  for (const box of features.querySelectorAll("input")) choices[box.dataset.feature] = box.checked;
  const consent = { time: new Date().toISOString(), policyHash: info.policyHash, choices };
  const { consentLog = [] } = await chrome.storage.local.get("consentLog");
  await chrome.storage.local.set({ consent, features: choices, consentLog: [...consentLog, consent] });
  document.getElementById("status").textContent = "Thank you. You can change these choices in the options.";
});
