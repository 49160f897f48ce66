//! Disclosure wording, one YAML file per language under `locales/`.
//!
//! It sits below the checker, which refuses a declared language that has no wording (E0021), and below the
//! disclosure builder, which reads it.
//!
//! The renderer never holds a sentence of its own: every word a reader sees comes either from the policy or
//! from the locale file of the language, with `{name}` placeholders filled in. `build.rs` embeds every file
//! of `locales/`, so adding a language is adding a file.

use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The wording of one language.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Locale {
    #[serde(flatten)]
    pub text: BTreeMap<String, serde_yaml::Value>,
}

impl Locale {
    /// The locale for a language tag, if one is bundled.
    pub fn get(lang: &str) -> Option<Locale> {
        let (_, yaml) = LOCALES.iter().find(|(l, _)| *l == lang)?;
        serde_yaml::from_str(yaml).ok()
    }

    /// Every bundled language tag.
    pub fn languages() -> impl Iterator<Item = &'static str> {
        LOCALES.iter().map(|(l, _)| *l)
    }

    /// A message with its placeholders filled. A missing key renders as `[key]`, which the locale test catches
    /// long before a user could see it.
    pub fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = match self.text.get(key) {
            Some(serde_yaml::Value::String(s)) => s.clone(),
            _ => format!("[{key}]"),
        };
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// Whether the file has a message under `key`.
    pub fn has(&self, key: &str) -> bool {
        matches!(self.text.get(key), Some(serde_yaml::Value::String(_)))
    }

    /// A region's name as used after "users" (`in Germany`), or the code itself.
    pub fn region(&self, code: &str) -> String {
        match self.text.get("regions") {
            Some(serde_yaml::Value::Mapping(m)) => m
                .get(serde_yaml::Value::String(code.to_string()))
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| code.to_string()),
            _ => code.to_string(),
        }
    }

    /// Every key of the file, for the completeness test.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.text.keys().map(String::as_str)
    }

    /// `a`, `a and b`, `a, b and c`.
    pub fn list(&self, items: &[String], conj: &str) -> String {
        let word = self.t(conj, &[]);
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
        }
    }

    /// A number with the language's thousands separator.
    pub fn number(&self, n: usize) -> String {
        let sep = self.t("thousands_separator", &[]);
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(&sep);
            }
            out.push(c);
        }
        out
    }

    /// `{n} day` / `{n} days` and so on.
    pub fn plural(&self, key: &str, n: u64) -> String {
        let form = if n == 1 { "one" } else { "other" };
        // Small numbers are written as words where the language does so in running text ("zwei Wochen").
        let words = self.t("number_words", &[]);
        let count = match words.split_whitespace().nth(n as usize) {
            Some(w) if w != "-" && !words.starts_with('[') => w.to_string(),
            _ => self.number(n as usize),
        };
        self.t(&format!("{key}_{form}"), &[("n", &count), ("count", &count)])
    }
}
