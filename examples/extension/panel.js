// The Assistant's panel. While it is open on a tab, and for a while after the user last opened or clicked in it
// there, the Assistant is "actively in use" on that tab (see config.js). The panel holds a port to the service
// worker while it is open: the worker notices the port closing even when the page could send nothing more, and
// a panel whose port closed because the worker was stopped connects again.
const fromQuery = Number(new URLSearchParams(location.search).get("tab"));
const [tab] = Number.isInteger(fromQuery) && fromQuery > 0 ? [{ id: fromQuery }] : await chrome.tabs.query({ active: true, currentWindow: true });
let port = null;
// The first connection is the user opening the panel; a later one only restores the port after the worker was
// stopped, which is no use of the Assistant and must not extend the time it counts as in use.
function connect(how) {
  port = chrome.runtime.connect({ name: `panel:${tab.id}:${how}` });
  port.onDisconnect.addListener(() => setTimeout(() => connect("again"), 100));
}
connect("open");
document.addEventListener("click", () => port.postMessage("use"));
