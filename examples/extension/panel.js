// The Assistant's panel. Opening it, and clicking in it, make the Assistant "actively in use" on its tab; the
// service worker keeps that state (see config.js for how long it lasts after the last use).
const fromQuery = Number(new URLSearchParams(location.search).get("tab"));
const [tab] = Number.isInteger(fromQuery) && fromQuery > 0 ? [{ id: fromQuery }] : await chrome.tabs.query({ active: true, currentWindow: true });
const send = (event) => chrome.runtime.sendMessage({ type: "panel", event, tabId: tab.id });
send("open");
document.addEventListener("click", () => send("use"));
addEventListener("pagehide", () => send("close"));
