//! How long collected data is kept.
//!
//! GDPR Art. 13(2)(a) asks for "the period for which the personal data will be stored, or if that is not
//! possible, the criteria used to determine that period". So a retention is either a [`Period`] (`90 days`) or a
//! criterion named by keywords: one the language knows ([`CRITERIA`]: `until uninstall`, `while account exists`,
//! `until session ends`, and `not stated` where the source of the policy gives none), or `until NAME` for a
//! criterion the policy declares in words (format 3 on).
//!
//! Both serialise as the text a policy would write (`90 days`), in the artifact and in decisions alike, so a
//! reader in another language needs no schema beyond that text.

use std::fmt;

/// A unit of a retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    Day,
    Week,
    Month,
    Year,
}

impl TimeUnit {
    /// Reads `day`, `days`, `week`, ... as written in a policy.
    pub fn parse(s: &str) -> Option<TimeUnit> {
        Some(match s.strip_suffix('s').unwrap_or(s) {
            "day" => TimeUnit::Day,
            "week" => TimeUnit::Week,
            "month" => TimeUnit::Month,
            "year" => TimeUnit::Year,
            _ => return None,
        })
    }

    /// The unit's keyword in the singular.
    pub fn word(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }

    /// The most days one unit can span (a month counts 31, a year 366), for comparing periods.
    pub fn max_days(self) -> u64 {
        match self {
            TimeUnit::Day => 1,
            TimeUnit::Week => 7,
            TimeUnit::Month => 31,
            TimeUnit::Year => 366,
        }
    }

    /// The fewest days one unit can span (a month counts 28, a year 365), for comparing periods.
    pub fn min_days(self) -> u64 {
        match self {
            TimeUnit::Day => 1,
            TimeUnit::Week => 7,
            TimeUnit::Month => 28,
            TimeUnit::Year => 365,
        }
    }

    /// The unit's length in the smallest unit it converts to exactly, and which one that is: days and weeks
    /// count in days, months and years in months. Between the two kinds there is no exact conversion, since a
    /// month or a year has a varying number of days.
    fn exact(self) -> (u64, bool) {
        match self {
            TimeUnit::Day => (1, false),
            TimeUnit::Week => (7, false),
            TimeUnit::Month => (1, true),
            TimeUnit::Year => (12, true),
        }
    }
}

/// A retention period: an amount of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub amount: u32,
    pub unit: TimeUnit,
}

impl Period {
    /// An upper bound in days, for comparing periods of different units.
    pub fn max_days(self) -> u64 {
        u64::from(self.amount) * self.unit.max_days()
    }

    /// A lower bound in days, for comparing periods of different units.
    pub fn min_days(self) -> u64 {
        u64::from(self.amount) * self.unit.min_days()
    }

    /// Whether this period ends after `other` whatever day both are counted from. Periods whose units convert
    /// exactly (`12 months` and `1 year`, `4 weeks` and `28 days`) compare exactly, so that one period written
    /// two ways is neither longer; otherwise the shortest reading of this one must exceed the longest reading
    /// of the other (`32 days` is longer than `1 month`, `31 days` is not surely, and `1 month` is not surely
    /// longer than `30 days`).
    pub fn surely_longer_than(self, other: Period) -> bool {
        match self.exact_cmp(other) {
            Some(order) => order.is_gt(),
            None => self.min_days() > other.max_days(),
        }
    }

    /// Whether this period can end after `other` counted from the same day, in some reading of its months and
    /// years: the converse of `other` lasting at least as long in every reading. `1 month` can be longer than
    /// `30 days`; `12 months` is never longer than `1 year`.
    pub fn maybe_longer_than(self, other: Period) -> bool {
        match self.exact_cmp(other) {
            Some(order) => order.is_gt(),
            None => self.max_days() > other.min_days(),
        }
    }

    /// The order of two periods whose units convert exactly, in their common unit; `None` between days or weeks
    /// and months or years.
    fn exact_cmp(self, other: Period) -> Option<std::cmp::Ordering> {
        let ((a, months_a), (b, months_b)) = (self.unit.exact(), other.unit.exact());
        (months_a == months_b).then(|| (u64::from(self.amount) * a).cmp(&(u64::from(other.amount) * b)))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}{}", self.amount, self.unit.word(), if self.amount == 1 { "" } else { "s" })
    }
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut it = s.split_whitespace();
        let (Some(n), Some(u), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!("retention `{s}` is not of the form `90 days`"));
        };
        let amount: u32 = n.parse().map_err(|_| format!("retention amount `{n}` is not a whole number"))?;
        let unit =
            TimeUnit::parse(u).ok_or_else(|| format!("retention unit `{u}` is not days, weeks, months or years"))?;
        Ok(Period { amount, unit })
    }
}

/// How long data is kept: a period, or a criterion that determines it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Retention {
    Period(Period),
    /// A criterion by its keyword, as the policy writes it after `keep` (for example `until uninstall`).
    Criterion(String),
}

impl Retention {
    /// An upper bound in days; `None` for a criterion, which has no bound known in advance.
    pub fn max_days(&self) -> Option<u64> {
        match self {
            Retention::Period(p) => Some(p.max_days()),
            Retention::Criterion(_) => None,
        }
    }

    /// Whether this is `not stated`: neither a period nor a criterion is known.
    pub fn is_not_stated(&self) -> bool {
        matches!(self, Retention::Criterion(c) if c == NOT_STATED)
    }

    /// The order in which "the longest retention" is chosen: a criterion counts as longer than any period,
    /// because nothing bounds it in advance, and ties are broken by the value itself so that the choice is
    /// deterministic.
    pub fn longest_key(&self) -> (u64, &Retention) {
        (self.max_days().unwrap_or(u64::MAX), self)
    }
}

impl From<Period> for Retention {
    fn from(p: Period) -> Self {
        Retention::Period(p)
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Period(p) => p.fmt(f),
            Retention::Criterion(c) => f.write_str(c),
        }
    }
}

/// Criteria start with one of these words; anything else must be a period.
const CRITERION_WORDS: [&str; 5] = ["until", "while", "as", "for", "not"];

/// The criteria the language names itself: until the user uninstalls the extension, as long as the user's
/// account exists, until the browsing session ends; and `not stated`, where the privacy policy a policy is
/// written from gives neither a period nor a criterion (a reader of an artifact before this one was added
/// refuses it, as it refuses any retention it does not know).
pub const CRITERIA: [&str; 4] = ["until uninstall", "while account exists", "until session ends", NOT_STATED];

/// The retention of data whose period the privacy policy a policy is written from does not state.
pub const NOT_STATED: &str = "not stated";

impl Retention {
    /// Whether an artifact may carry this retention: a period, a criterion of [`CRITERIA`], or `until NAME` with
    /// NAME a policy name (a letter or `_`, then letters, digits and `_`). A reader refuses anything else rather
    /// than guess what it means.
    pub fn is_known(&self) -> bool {
        match self {
            Retention::Period(_) => true,
            Retention::Criterion(c) if CRITERIA.contains(&c.as_str()) => true,
            Retention::Criterion(c) => c.strip_prefix("until ").is_some_and(|name| {
                name.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
                    && name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            }),
        }
    }
}

impl std::str::FromStr for Retention {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let first = s.split_whitespace().next().unwrap_or("");
        if CRITERION_WORDS.contains(&first) {
            return Ok(Retention::Criterion(s.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        s.parse().map(Retention::Period)
    }
}

macro_rules! text_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

text_serde!(Period);
text_serde!(Retention);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_criteria_read_back_as_written() {
        for text in ["90 days", "1 day", "2 weeks", "6 months", "1 year", "until uninstall"] {
            let r: Retention = text.parse().unwrap();
            assert_eq!(r.to_string(), text);
        }
        assert!("90 fortnights".parse::<Retention>().is_err());
        assert!("ninety days".parse::<Retention>().is_err());
    }

    #[test]
    fn only_the_languages_criteria_and_declared_ones_are_known() {
        for known in [
            "30 days",
            "until uninstall",
            "while account exists",
            "until session ends",
            "not stated",
            "until return_window",
        ] {
            assert!(known.parse::<Retention>().unwrap().is_known(), "{known}");
        }
        for unknown in ["while signed in", "as long as needed", "until the end", "for session", "until 3x", "not known"]
        {
            assert!(!unknown.parse::<Retention>().unwrap().is_known(), "{unknown}");
        }
    }

    #[test]
    fn periods_compare_exactly_where_units_convert_and_by_every_reading_otherwise() {
        let p = |s: &str| s.parse::<Period>().unwrap();
        // One period written two ways is neither longer nor shorter.
        for (a, b) in [("12 months", "1 year"), ("4 weeks", "28 days"), ("24 months", "2 years")] {
            for (x, y) in [(a, b), (b, a)] {
                assert!(!p(x).surely_longer_than(p(y)) && !p(x).maybe_longer_than(p(y)), "{x} against {y}");
            }
        }
        // A month is 28 to 31 days and a year 365 or 366.
        assert!(p("1 month").maybe_longer_than(p("30 days")) && !p("1 month").surely_longer_than(p("30 days")));
        assert!(p("31 days").maybe_longer_than(p("1 month")) && !p("31 days").surely_longer_than(p("1 month")));
        assert!(p("32 days").surely_longer_than(p("1 month")) && !p("1 month").maybe_longer_than(p("32 days")));
        assert!(p("1 month").surely_longer_than(p("27 days")) && !p("27 days").maybe_longer_than(p("1 month")));
        assert!(p("1 year").maybe_longer_than(p("365 days")) && !p("1 year").surely_longer_than(p("365 days")));
        assert!(p("13 months").surely_longer_than(p("1 year")) && p("2 weeks").surely_longer_than(p("13 days")));
    }

    #[test]
    fn a_criterion_counts_as_longest() {
        let p: Retention = "10 years".parse().unwrap();
        let c: Retention = "until uninstall".parse().unwrap();
        assert!(c.longest_key() > p.longest_key());
    }
}
