// Where the example sends what the policy allows, where it looks for a newer artifact, and how long "actively
// in use" lasts. A team starting from this example changes these.
export const COLLECTOR_URL = "https://collector.policyc.test/collect";

// A newer artifact is fetched from here, with its signature envelope at the same address plus `.sig`. It
// replaces the bundled one only if the envelope verifies with the public key built into the extension and its
// sequence is higher than the current one.
export const UPDATE_URL = "https://updates.policyc.test/shopping-assistant.matcher";
export const UPDATE_PERIOD_MINUTES = 6 * 60;

// The Assistant is "actively in use" on a tab while its panel is open on that tab, and for this long after the
// user last opened or clicked in the panel there (the policy's text for `assistant_active` says the same).
export const ACTIVE_WINDOW_MS = 10 * 60 * 1000;

// The most an update may bring, per file: a response over it is refused while it arrives, so that whoever
// answers at UPDATE_URL cannot fill the service worker's memory. The bundled shopping artifact is 1.5 MB, and one
// for a million sites about 30 MB.
export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;
export const MAX_ENVELOPE_BYTES = 1024 * 1024;
export const MAX_NOTICE_BYTES = 4 * 1024 * 1024;

// The bundled artifact and its envelope, written by ./build from the policy.
export const BUNDLED_ARTIFACT = "policy/shopping-assistant.matcher";

// The notices the welcome page can show (the user's region and language, as the compiler names its
// disclosures). An update brings its own, fetched from beside UPDATE_URL and checked against its signed
// envelope, so that a user asked to agree again reads the notice of the policy that will decide.
export const NOTICE_REGIONS = ["US", "DE"];
export const NOTICE_LANGUAGES = ["en", "de"];
export const noticeFile = (region, lang) => `shopping-assistant.${region}.${lang}.html`;
