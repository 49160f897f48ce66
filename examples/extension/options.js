// The policy's feature switches, labelled with the policy's own words, which the artifact carries (so an update
// that renames a switch relabels it too). A change is stored at once, and the service worker reads the stored
// switches for every decision, so it takes effect on the next page.
const info = await chrome.runtime.sendMessage({ type: "info" });
const lang = chrome.i18n.getUILanguage().startsWith("de") ? "de" : "en";
const { features = {}, signedIn = false } = await chrome.storage.local.get(["features", "signedIn"]);
const list = document.getElementById("features");
for (const f of info.features) {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `feature-${f.name}`;
  box.checked = features[f.name] ?? f.default;
  // The service worker stores the switch and records the change in the consent log (switching off withdraws
  // consent); it takes effect on the next page.
  box.addEventListener("change", () => chrome.runtime.sendMessage({ type: "feature", name: f.name, on: box.checked }));
  label.append(box, ` ${f.label[lang] ?? f.label.en ?? f.name}`);
  list.append(label, document.createElement("br"));
}
const signed = document.getElementById("signed-in");
signed.checked = signedIn;
const signedText = info.signalLabels.signed_in?.[lang] ?? info.signalLabels.signed_in?.en;
if (signedText) document.getElementById("signed-in-text").textContent = ` ${signedText}`;
signed.addEventListener("change", () => chrome.storage.local.set({ signedIn: signed.checked }));
document.getElementById("policy").textContent = `Policy ${info.version}, hash ${info.policyHash}`;
