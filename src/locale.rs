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

    /// A message with its placeholders filled, in one pass over the message, so that a policy text that happens
    /// to contain `{name}` is never filled in itself. A missing key renders as `[key]`, which the locale test
    /// catches long before a user could see it.
    ///
    /// Where the language closes clauses with commas (see [`Locale::ends_in_clause`]), a filled-in text that
    /// ends in a subordinate clause gets its closing comma when the sentence goes on with a word after it:
    /// German `Wir verknüpfen {data} mit Ihrem Konto` with `die Seiten, die Sie besuchen` reads
    /// `… die Sie besuchen, mit Ihrem Konto`, as German orthography requires of an embedded clause; a text that
    /// is a clause as a whole is opened with a comma too (`Dort erheben wir, wie oft Seiten besucht werden.`).
    pub fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        let Some(serde_yaml::Value::String(template)) = self.text.get(key) else {
            return format!("[{key}]");
        };
        let mut out = String::with_capacity(template.len());
        // Whether the last text filled in ends in a clause that is still open.
        let mut open = false;
        let mut rest = template.as_str();
        while !rest.is_empty() {
            let filled = rest.strip_prefix('{').and_then(|after| {
                let (name, tail) = after.split_once('}')?;
                args.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v, tail))
            });
            let (piece, tail, is_value) = match filled {
                Some((value, tail)) => (value, tail, true),
                None => {
                    // Literal text runs to the next placeholder; a `{` that starts no known placeholder is text.
                    let end = rest.char_indices().skip(1).find(|&(_, c)| c == '{').map_or(rest.len(), |(i, _)| i);
                    let (text, tail) = rest.split_at(end);
                    (text, tail, false)
                }
            };
            rest = tail;
            if piece.is_empty() {
                continue;
            }
            if open && continues_with_word(piece) {
                out.push(',');
            }
            // A text that is a clause as a whole is opened by a comma after the word before it.
            if is_value
                && out.ends_with(' ')
                && out.trim_end().ends_with(char::is_alphanumeric)
                && self.starts_clause(piece)
            {
                out.insert(out.len() - 1, ',');
            }
            out.push_str(piece);
            open = is_value && self.ends_in_clause(piece);
        }
        out
    }

    /// Whether `text` ends in a subordinate clause that a comma must close if the sentence goes on. The clause
    /// starts after the text's last comma (or its last `and` / `or` of the locale's `list_and` / `list_or`),
    /// with a word of the locale's `clause_pronouns` or `clause_openers`, or one of its `clause_prepositions`
    /// and then such a word (`für die`); or it is the whole text (see [`Locale::starts_clause`]). Its last
    /// word is in lower case, which in German is the verb that ends such a clause: a list such as
    /// `Name, die Anschrift` ends in a noun, which German capitalizes, so it does not count. Languages whose
    /// word lists are empty (English, whose restrictive clauses take no commas) never close clauses.
    pub fn ends_in_clause(&self, text: &str) -> bool {
        if !ends_in_verb(text) {
            return false;
        }
        let (pronouns, openers, prepositions) =
            (self.words("clause_pronouns"), self.words("clause_openers"), self.words("clause_prepositions"));
        let is = |list: &str, w: &str| !w.is_empty() && list.split_whitespace().any(|o| o == w);
        let opens = |clause: &str| {
            let mut w = clause.split(' ');
            let (first, second) = (w.next().unwrap_or_default(), w.next().unwrap_or_default());
            let relative = |w: &str| is(pronouns, w) || is(openers, w);
            relative(first) || (is(prepositions, first) && relative(second))
        };
        let after = |sep: &str| text.rsplit_once(sep).map(|(_, clause)| clause);
        let joined =
            [self.t("list_and", &[]), self.t("list_or", &[])].map(|w| after(&format!(" {w} ")).is_some_and(opens));
        self.starts_clause(text) || after(", ").is_some_and(opens) || joined.contains(&true)
    }

    /// Whether `text` starts with a subordinate clause, such as the German data text `wie oft Seiten besucht
    /// werden`: its first part (up to its first comma, `and` or `or`) starts with a word of `clause_openers`
    /// (not of `clause_pronouns`, which at the start of a text are articles: `die Seiten`) and ends in a verb.
    /// Where the sentence before it goes on with a word, German opens such a clause with a comma:
    /// `Dort erheben wir, wie oft …`.
    pub fn starts_clause(&self, text: &str) -> bool {
        let first = text.split(' ').next().unwrap_or_default();
        if first.is_empty() || !self.words("clause_openers").split_whitespace().any(|o| o == first) {
            return false;
        }
        let separators =
            [", ".to_string(), format!(" {} ", self.t("list_and", &[])), format!(" {} ", self.t("list_or", &[]))];
        let end = separators.iter().filter_map(|sep| text.find(sep.as_str())).min().unwrap_or(text.len());
        text.get(..end).is_some_and(ends_in_verb)
    }

    /// A space-separated word list of the locale; empty when the key is missing.
    fn words(&self, key: &str) -> &str {
        match self.text.get(key) {
            Some(serde_yaml::Value::String(s)) => s,
            _ => "",
        }
    }

    /// Whether the file has a message under `key`.
    pub fn has(&self, key: &str) -> bool {
        matches!(self.text.get(key), Some(serde_yaml::Value::String(_)))
    }

    /// A region's name as used after "users" (`in Germany`), or "in" and the code where the locale has no name.
    pub fn region(&self, code: &str) -> String {
        match self.text.get("regions") {
            Some(serde_yaml::Value::Mapping(m)) => m
                .get(serde_yaml::Value::String(code.to_string()))
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| self.t("region_code", &[("code", code)])),
            _ => self.t("region_code", &[("code", code)]),
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
            [init @ .., last] => {
                // An item before the conjunction that ends in an open clause closes it: German
                // `die Seiten, die Sie besuchen, und die Preise`.
                // Not between two clauses of the same level (`solange Ihr Konto besteht oder bis …`).
                let close = init.last().is_some_and(|i| self.ends_in_clause(i)) && !self.starts_clause(last);
                format!("{}{} {word} {last}", init.join(", "), if close { "," } else { "" })
            }
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

/// Whether `text` ends in a word in lower case, as a German clause ends in its verb.
fn ends_in_verb(text: &str) -> bool {
    let last = text.rsplit(' ').next().unwrap_or_default();
    last.starts_with(char::is_lowercase) && last.chars().all(char::is_alphabetic)
}

/// Whether a piece of a message, put right after a filled-in text, goes on with a word (` mit Ihrem Konto`)
/// rather than with punctuation (`.`, `,`, ` (…)`), so that an open clause before it needs its closing comma.
fn continues_with_word(piece: &str) -> bool {
    piece.strip_prefix(' ').and_then(|p| p.chars().next()).is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> Locale {
        Locale::get("de").unwrap()
    }

    /// A locale with one extra message, to try templates of every shape.
    fn with(mut l: Locale, template: &str) -> Locale {
        l.text.insert("test".into(), serde_yaml::Value::String(template.into()));
        l
    }

    #[test]
    fn german_texts_that_end_in_a_clause_are_told_from_lists() {
        let l = de();
        for open in [
            "die Seiten, die Sie besuchen",
            "Online-Shops, für die wir möglicherweise passende Produktempfehlungen haben",
            "den Gutscheincode und ob er funktioniert hat",
            "Preise in Euro, falls angegeben",
            "Sie zu benachrichtigen, wenn ein Preis sinkt",
        ] {
            assert!(l.ends_in_clause(open), "{open}");
        }
        for closed in [
            "die Adresse der besuchten Seite",
            "Namen, die Anschrift",
            "Namen, die E-Mail-Adresse und die Telefonnummer",
            "die Seiten, die Sie besuchen, und die Preise",
            "die Seiten, die Sie besuchen.",
            "Ihnen passende Angebote zu zeigen",
        ] {
            assert!(!l.ends_in_clause(closed), "{closed}");
        }
        // English restrictive clauses take no commas, so English never closes one.
        assert!(!Locale::get("en").unwrap().ends_in_clause("the pages, which you visit"));
    }

    #[test]
    fn an_open_clause_is_closed_only_where_the_sentence_goes_on() {
        let data = [("data", "die Seiten, die Sie besuchen")];
        let t = |template: &str| with(de(), template).t("test", &data);
        assert_eq!(
            t("Wir verknüpfen {data} mit Ihrem Konto."),
            "Wir verknüpfen die Seiten, die Sie besuchen, mit Ihrem Konto."
        );
        assert_eq!(t("Wir erheben {data}."), "Wir erheben die Seiten, die Sie besuchen.");
        assert_eq!(t("Wir erheben {data}, um zu helfen."), "Wir erheben die Seiten, die Sie besuchen, um zu helfen.");
        assert_eq!(t("{data} (nur zusammengefasst)"), "die Seiten, die Sie besuchen (nur zusammengefasst)");
        // An empty text in between keeps the clause open; a text that starts with a comma closes it itself.
        let l = with(de(), "Dort erheben wir {data}{when}{event} beim Aufruf.");
        let args = [("data", "die Seiten, die Sie besuchen"), ("when", ""), ("event", "")];
        assert_eq!(l.t("test", &args), "Dort erheben wir die Seiten, die Sie besuchen, beim Aufruf.");
        let args = [("data", "die Seiten, die Sie besuchen"), ("when", ", solange Sie angemeldet sind"), ("event", "")];
        assert_eq!(
            l.t("test", &args),
            "Dort erheben wir die Seiten, die Sie besuchen, solange Sie angemeldet sind, beim Aufruf."
        );
        // English leaves the sentence as written.
        let en = with(Locale::get("en").unwrap(), "We link {data} to your account.");
        assert_eq!(
            en.t("test", &[("data", "the pages, which you visit")]),
            "We link the pages, which you visit to your account."
        );
    }

    #[test]
    fn a_text_that_is_a_clause_is_opened_and_closed() {
        let data = [("data", "wie oft Seiten besucht werden")];
        let t = |template: &str| with(de(), template).t("test", &data);
        assert_eq!(t("Dort erheben wir {data}."), "Dort erheben wir, wie oft Seiten besucht werden.");
        assert_eq!(
            t("Wir verknüpfen {data} nur dann mit Ihrem Konto."),
            "Wir verknüpfen, wie oft Seiten besucht werden, nur dann mit Ihrem Konto."
        );
        // After a comma, a colon or a bracket, or at the start, nothing is added.
        assert_eq!(t("Wir speichern die Daten, {data}."), "Wir speichern die Daten, wie oft Seiten besucht werden.");
        assert_eq!(t("Das betrifft: {data}."), "Das betrifft: wie oft Seiten besucht werden.");
        assert_eq!(t("({data})"), "(wie oft Seiten besucht werden)");
        // The first part of a list counts; an article at the start is no clause.
        let l = with(de(), "Dort erheben wir {data}.");
        assert_eq!(
            l.t("test", &[("data", "wie oft Seiten besucht werden, die Adresse und den Titel")]),
            "Dort erheben wir, wie oft Seiten besucht werden, die Adresse und den Titel."
        );
        assert_eq!(
            l.t("test", &[("data", "die Seiten, die Sie besuchen")]),
            "Dort erheben wir die Seiten, die Sie besuchen."
        );
        assert!(!de().starts_clause("wie Preise und Titel"), "a comparison that ends in a noun");
    }

    #[test]
    fn a_clause_before_the_last_item_of_a_list_is_closed() {
        let l = de();
        let items = ["die Titel, die Sie sehen".to_string(), "die Preise".to_string()];
        assert_eq!(l.list(&items, "list_and"), "die Titel, die Sie sehen, und die Preise");
        let items = ["die Titel".to_string(), "die Seiten, die Sie besuchen".to_string()];
        assert_eq!(l.list(&items, "list_or"), "die Titel oder die Seiten, die Sie besuchen");
        let items = ["solange Ihr Konto besteht".to_string(), "bis Sie widersprechen".to_string()];
        assert_eq!(l.list(&items, "list_or"), "solange Ihr Konto besteht oder bis Sie widersprechen");
    }

    #[test]
    fn a_policy_text_is_never_filled_in_itself() {
        let l = with(de(), "Wir erheben {data}, um {purpose}.");
        let args = [("data", "Texte mit {purpose}"), ("purpose", "zu helfen")];
        assert_eq!(l.t("test", &args), "Wir erheben Texte mit {purpose}, um zu helfen.");
        // A brace that starts no known placeholder is text.
        assert_eq!(with(de(), "a {b} {data}").t("test", &[("data", "c")]), "a {b} c");
    }
}
