//! Wording: how the facts of a policy become words in one language. Every word comes from the policy or from
//! the language's locale file (`crate::locale`); this file decides which key to use and fills it in.

use super::display_pattern;
use crate::ir::{self, Cond, LegalBasis, Link, Policy};
use crate::locale::Locale;
use crate::pattern::Pattern;

pub(super) struct Ctx<'a> {
    pub(super) p: &'a Policy,
    pub(super) l: &'a Locale,
    pub(super) lang: &'a str,
}

impl Ctx<'_> {
    pub(super) fn tx(&self, t: &ir::Text) -> String {
        t.get(self.lang).cloned().unwrap_or_default()
    }

    pub(super) fn data_text(&self, name: &str) -> String {
        self.p.data_item(name).map(|d| self.tx(&d.text)).unwrap_or_else(|| name.to_string())
    }

    /// A data item as a heading or table cell: its `label`, else its text capitalised.
    pub(super) fn data_label(&self, d: &ir::DataItem) -> String {
        match &d.label {
            Some(t) => self.tx(t),
            None => {
                // The text is written for a sentence, in German in the accusative with its article ("den Titel
                // der Seite"); standing alone it drops the article the locale lists.
                let text = self.tx(&d.text);
                let articles = self.l.t("label_articles", &[]);
                let bare = text
                    .split_once(' ')
                    .filter(|(first, rest)| !rest.is_empty() && articles.split(' ').any(|a| a == *first))
                    .map_or(text.as_str(), |(_, rest)| rest);
                cap(bare)
            }
        }
    }

    /// A purpose as a heading or table cell: its `label`, else its text made to stand alone (in German the
    /// clause `Ihnen … zu zeigen` needs its `um`).
    pub(super) fn purpose_label(&self, p: &ir::Purpose) -> String {
        match &p.label {
            Some(t) => self.tx(t),
            None => cap(&self.l.t("purpose_alone", &[("purpose", &self.tx(&p.text))])),
        }
    }

    /// Purposes as one table cell, joined by semicolons: only the first is capitalised, since the others go on
    /// the same sentence ("To count visits; to handle returns"). A `label` is the author's and stays as written.
    pub(super) fn purpose_cell<'a>(&self, purposes: impl Iterator<Item = &'a ir::Purpose>) -> String {
        let parts: Vec<String> = purposes
            .enumerate()
            .map(|(i, p)| match (&p.label, i) {
                (None, 1..) => self.l.t("purpose_alone", &[("purpose", &self.tx(&p.text))]),
                _ => self.purpose_label(p),
            })
            .collect();
        parts.join("; ")
    }

    /// The policy's version as the language writes it: `2019-07` as a month, `2019-07-01` as a day, anything
    /// else as a version number.
    pub(super) fn version(&self, v: &str) -> String {
        let parts: Vec<&str> = v.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let month = |m: &str| {
            Some(m).filter(|m| digits(m, 2) && ("01"..="12").contains(m)).map(|m| self.l.t(&format!("month_{m}"), &[]))
        };
        match parts.as_slice() {
            [y, m] if digits(y, 4) => match month(m) {
                Some(name) => self.l.t("version_month", &[("month", &name), ("year", y)]),
                None => self.l.t("version", &[("version", v)]),
            },
            [y, m, d] if digits(y, 4) && digits(d, 2) && ("01"..="31").contains(d) => match month(m) {
                Some(name) => {
                    self.l.t("version_day", &[("day", d.trim_start_matches('0')), ("month", &name), ("year", y)])
                }
                None => self.l.t("version", &[("version", v)]),
            },
            _ => self.l.t("version", &[("version", v)]),
        }
    }

    pub(super) fn data_list(&self, names: &[String]) -> String {
        let texts: Vec<String> = names.iter().map(|n| self.data_text(n)).collect();
        self.l.list(&texts, "list_and")
    }

    pub(super) fn category_text(&self, name: &str) -> String {
        self.p.site_category(name).map(|c| self.tx(&c.text)).unwrap_or_else(|| name.to_string())
    }

    /// What triggers a rule, as a clause that can follow "when" / "wenn": "you click an offer or you apply a
    /// coupon". `None` for a rule that collects on page views only, which the sentences around it already say.
    pub(super) fn events(&self, r: &ir::CollectRule) -> Option<String> {
        if r.events.is_empty() {
            return None;
        }
        let texts: Vec<String> = r
            .events
            .iter()
            .map(|e| match self.p.event(e) {
                Some(ev) => self.tx(&ev.text),
                None => self.l.t("event_page_view", &[]),
            })
            .collect();
        Some(self.l.list(&texts, "list_or"))
    }

    pub(super) fn feature_name(&self, f: &ir::Feature) -> String {
        self.l.t("cond_feature_name", &[("feature", &self.tx(&f.text))])
    }

    /// A condition as a clause that can follow "while" / "solange".
    pub(super) fn cond(&self, c: &Cond) -> String {
        self.cond_prec(c, 0)
    }

    /// `prec` is 0 for a whole condition and 2 for a part of a list of conditions, where a list inside stands in
    /// parentheses, whichever of `and` and `or` it is: prose has no precedence a reader could be expected to
    /// apply, so "a or b and c" would leave open which of them the rule means.
    pub(super) fn cond_prec(&self, c: &Cond, prec: u8) -> String {
        match c {
            Cond::Var(n) => self.var(n, true),
            Cond::Not(inner) => match inner.as_ref() {
                Cond::Var(n) => self.var(n, false),
                // "Neither a nor b" says `not (a or b)` without a negation reaching over a parenthesis, and "it
                // is not the case that both a and b" `not (a and b)` of two parts; their parts read as a list's.
                Cond::Or(cs) if cs.len() > 1 => {
                    let parts = self.parts(cs);
                    let (first, rest) = parts.split_first().map_or((String::new(), &[][..]), |(f, r)| (f.clone(), r));
                    self.l.t("cond_neither", &[("first", &first), ("rest", &rest.join(&self.l.t("cond_nor", &[])))])
                }
                Cond::And(cs) if cs.len() == 2 => match self.parts(cs).as_slice() {
                    [first, second] => self.l.t("cond_not_both", &[("first", first), ("second", second)]),
                    _ => String::new(),
                },
                other => format!("{} ({})", self.l.t("cond_signal_off", &[("signal", "")]).trim(), self.cond(other)),
            },
            Cond::And(cs) | Cond::Or(cs) => {
                let (own, conj) = if matches!(c, Cond::And(_)) { (1, "list_and") } else { (0, "list_or") };
                let parts: Vec<String> = if own == 1 { self.and_parts(cs) } else { self.parts(cs) };
                let s = self.l.list(&parts, conj);
                if prec > own {
                    format!("({s})")
                } else {
                    s
                }
            }
        }
    }

    /// The parts of an `and`, with the features it requires on (or off) said once, where the first of them
    /// stands: "the “A” and “B” features are switched on", not "the “A” feature is switched on and the “B”
    /// feature is switched on".
    fn and_parts(&self, cs: &[Cond]) -> Vec<String> {
        let feature = |c: &Cond| -> Option<(String, bool)> {
            match c {
                Cond::Var(n) => self.p.feature(n).map(|f| (self.tx(&f.text), true)),
                Cond::Not(inner) => match inner.as_ref() {
                    Cond::Var(n) => self.p.feature(n).map(|f| (self.tx(&f.text), false)),
                    _ => None,
                },
                _ => None,
            }
        };
        let group = |on: bool| -> Vec<String> {
            cs.iter().filter_map(feature).filter(|(_, o)| *o == on).map(|(name, _)| name).collect()
        };
        let (on, off) = (group(true), group(false));
        let mut said = (false, false);
        let mut parts = Vec::new();
        for (i, c) in cs.iter().enumerate() {
            match feature(c) {
                Some((_, state)) if (if state { &on } else { &off }).len() > 1 => {
                    let done = if state { &mut said.0 } else { &mut said.1 };
                    if !*done {
                        *done = true;
                        let names: Vec<String> = (if state { &on } else { &off })
                            .iter()
                            .map(|n| self.l.t("cond_feature_quoted", &[("feature", n)]))
                            .collect();
                        let features =
                            self.l.t("cond_features_name", &[("features", &self.l.list(&names, "list_and"))]);
                        let key = if state { "cond_features_on" } else { "cond_features_off" };
                        parts.push(self.l.t(key, &[("features", &features)]));
                    }
                }
                _ => parts.push(self.part(c, i + 1 == cs.len())),
            }
        }
        parts
    }

    /// The parts of a list of conditions, each as [`Self::part`] says it.
    fn parts(&self, cs: &[Cond]) -> Vec<String> {
        cs.iter().enumerate().map(|(i, c)| self.part(c, i + 1 == cs.len())).collect()
    }

    /// One part of a list of conditions. A negated signal reads "it is not the case that …", which reaches to
    /// the end of the sentence: followed by more parts ("it is not the case that you are signed in and …") it
    /// would seem to deny them too, so it stands in parentheses unless it is the last part.
    fn part(&self, c: &Cond, last: bool) -> String {
        let s = self.cond_prec(c, 2);
        match c {
            // A negated list ("neither a nor b", "it is not the case that both a and b") reaches to the end too.
            Cond::Not(inner)
                if !last
                    && (matches!(inner.as_ref(), Cond::Var(n) if self.p.feature(n).is_none())
                        || matches!(inner.as_ref(), Cond::And(_) | Cond::Or(_))) =>
            {
                format!("({s})")
            }
            _ => s,
        }
    }

    pub(super) fn var(&self, name: &str, on: bool) -> String {
        if let Some(f) = self.p.feature(name) {
            let key = if on { "cond_feature_on" } else { "cond_feature_off" };
            return self.l.t(key, &[("feature", &self.feature_name(f))]);
        }
        let text = self.p.signal(name).map(|s| self.tx(&s.text)).unwrap_or_else(|| name.to_string());
        if on {
            text
        } else {
            self.l.t("cond_signal_off", &[("signal", &text)])
        }
    }

    pub(super) fn duration(&self, r: ir::Period) -> String {
        self.l.plural(&format!("unit_{}", r.unit.word()), u64::from(r.amount))
    }

    /// A retention criterion as a clause that fits "we keep the data ..." (en) or "Wir speichern die Daten, ..."
    /// (de): the language's own wording for a built-in criterion, the policy's text for a declared one.
    pub(super) fn criterion(&self, c: &str) -> String {
        match ir::named_criterion(&ir::Retention::Criterion(c.to_string())) {
            Some(name) => self.p.criterion(name).map(|c| self.tx(&c.text)).unwrap_or_else(|| c.to_string()),
            None => self.l.t(&format!("criterion_{}", c.replace(' ', "_")), &[]),
        }
    }

    /// A retention in a few words, for the summary table: `90 days`, `until you uninstall the extension`.
    pub(super) fn retention_words(&self, r: &ir::Retention) -> String {
        match r {
            ir::Retention::Period(p) => self.duration(*p),
            ir::Retention::Criterion(c) => self.criterion(c),
            other => other.to_string(),
        }
    }

    /// The sentences that say how long `data` is kept: the period or the criterion (GDPR Art. 13(2)(a)), and
    /// what is kept afterwards in aggregated form. `purpose` names the purposes when the retention is one
    /// rule's rather than the item's.
    pub(super) fn retention_sentences(
        &self,
        data: &str,
        purpose: Option<&str>,
        keep: &ir::Retention,
        aggregated: Option<ir::Aggregated>,
    ) -> Vec<String> {
        let suffix = if purpose.is_some() { "_for" } else { "" };
        let mut vars = vec![("data", data.to_string())];
        if let Some(p) = purpose {
            vars.push(("purpose", p.to_string()));
        }
        let key = match keep {
            // Not a criterion to fill in, but the absence of one, said as such.
            k if k.is_not_stated() => format!("retention{suffix}_not_stated"),
            ir::Retention::Criterion(c) => {
                vars.push(("criterion", self.criterion(c)));
                format!("retention{suffix}_criterion")
            }
            other => {
                vars.push(("duration", self.retention_words(other)));
                format!("retention{suffix}")
            }
        };
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut out = vec![self.l.t(&key, &vars)];
        match aggregated {
            None => {}
            Some(ir::Aggregated::Indefinitely) => out.push(self.l.t("retention_aggregated", &[])),
            Some(ir::Aggregated::For(p)) => {
                out.push(self.l.t("retention_aggregated_for", &[("duration", &self.duration(p))]))
            }
        }
        out
    }

    /// A legal basis in words, with its article of `law` (the GDPR or the UK GDPR) where one applies.
    pub(super) fn basis(&self, b: LegalBasis, law: Option<&str>) -> String {
        let name = self.l.t(&format!("basis_{}", b.keyword()), &[]);
        match law {
            // No article to cite for a basis the source does not state.
            Some(_) if b == LegalBasis::NotStated => name,
            Some(law) => format!("{name} ({})", self.l.t(&format!("gdpr_ref_{}", b.keyword()), &[("law", law)])),
            None => name,
        }
    }

    pub(super) fn link_sentence(&self, link: &Link, data: &str) -> String {
        match link {
            Link::Never => self.l.t("link_never", &[("data", data)]),
            Link::Always => self.l.t("link_always", &[("data", data)]),
            Link::NotStated => self.l.t("link_not_stated", &[("data", data)]),
            Link::When(c) => self.l.t("link_when", &[("data", data), ("cond", &self.cond(c))]),
        }
    }

    /// Up to four examples from the entries `net` the disclosure counts: the policy's own examples where it
    /// gives them and they are counted, else typical entries.
    pub(super) fn examples(&self, c: &ir::SiteCategory, net: &[&Pattern]) -> Vec<String> {
        let own: Vec<String> = c.examples.iter().filter(|e| net.contains(e)).map(|p| self.entry(p)).collect();
        if !own.is_empty() {
            return own;
        }
        // A category made only of imported lists: take names of typical length without digits, so that the
        // examples read like ordinary sites; the choice is deterministic, so disclosures are byte-identical.
        let mut v: Vec<&Pattern> = net.to_vec();
        v.sort_by_key(|p| {
            let s = p.to_string();
            (s.chars().any(|ch| ch.is_ascii_digit() || ch == '-'), s.len().abs_diff(11), s)
        });
        v.into_iter().take(4).map(|p| self.entry(p)).collect()
    }

    /// A list entry as the notice shows it: an `exact` entry says that it covers its host alone, since every
    /// other entry naming a website covers its subdomains too.
    pub(super) fn entry(&self, p: &Pattern) -> String {
        match p.host {
            crate::pattern::HostPattern::Exact(_) => self.l.t("exact_entry", &[("host", &display_pattern(p))]),
            _ => display_pattern(p),
        }
    }
}

/// A policy text used as a sentence of its own: capitalised, and ended with a full stop if it has no final
/// punctuation.
pub(super) fn sentence(s: &str) -> String {
    let s = cap(s.trim());
    if s.ends_with(['.', '!', '?', ')', '"', '“', '”']) || s.is_empty() {
        s
    } else {
        format!("{s}.")
    }
}

/// Capitalises the first letter of a sentence (texts in the policy are written to fit mid-sentence).
pub(super) fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
