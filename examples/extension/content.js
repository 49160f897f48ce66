// Reads what the page shows and hands it to the service worker, which decides what, if anything, may be
// sent. This script sends nothing itself.
(() => {
  // A product price from the page's structured data (schema.org Product/Offer in JSON-LD), where present.
  function price() {
    for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
      let data;
      try {
        data = JSON.parse(s.textContent);
      } catch {
        continue;
      }
      for (const node of [data].flat()) {
        const offers = node && node["@type"] === "Product" ? [node.offers].flat() : [];
        for (const o of offers) {
          if (o && o.price !== undefined) return { amount: String(o.price), currency: o.priceCurrency ?? null };
        }
      }
    }
    return null;
  }
  chrome.runtime.sendMessage({ type: "page", url: location.href, title: document.title, price: price() });
})();
