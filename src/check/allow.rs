//! `allow CODE "REASON"`: warnings an author accepts, in the scope where the clause is written.
//!
//! An `allow` in a collect rule holds for that rule, in a `sites` block for that category, in the `policy`
//! header for the whole policy. A finding belongs to a scope when the place it is reported at lies in the item
//! (a skipped list entry, reported in its list file, belongs where the list is imported). Only warnings can be
//! allowed: an error means the policy cannot be built as written. The findings an `allow` silences are kept, with
//! its reason, so that `check --format json` lists them for review; an `allow` that silences nothing is itself a
//! warning (W0060), so that accepted findings do not outlive the finding.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

/// Where an `allow` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowScope {
    /// The whole policy (`allow` in the `policy` header).
    Policy,
    /// One site category (`allow` in its `sites` block), by name.
    Sites(String),
    /// One collect rule (`allow` as a clause of the rule).
    Rule,
}

impl AllowScope {
    /// The scope's kind as `check --format json` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            AllowScope::Policy => "policy",
            AllowScope::Sites(_) => "sites",
            AllowScope::Rule => "rule",
        }
    }
}

/// A finding that an `allow` accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    /// The warning as it would have been reported.
    pub diagnostic: Diagnostic,
    pub scope: AllowScope,
    pub reason: String,
    /// Where the `allow` clause is written.
    pub allow: Span,
}

/// One valid `allow` with its scope: the span of the item it holds in (`None` for the whole policy).
struct Scoped {
    code: Code,
    reason: String,
    scope: AllowScope,
    item: Option<Span>,
    allow: Span,
    used: bool,
    /// Not reported when unused (see `apply_allows`).
    quiet: bool,
}

impl Checker<'_> {
    /// Checks the `allow` clauses of one scope and lowers those that name a warning and give a reason. A code given
    /// twice in one scope is a duplicate: the second would never match anything the first does not.
    pub(super) fn allows<'a>(&mut self, allows: impl IntoIterator<Item = &'a ast::Allow>) -> Vec<ir::Allow> {
        let mut out = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for a in allows {
            let Some(code) = self.allow_code(a) else { continue };
            if let Some(first) = seen.get(code.as_str()) {
                self.emit(
                    Diagnostic::new(Code::Duplicate, a.span, format!("`{code}` is allowed twice here"))
                        .with_label("second `allow`")
                        .with_secondary(*first, "first `allow` here")
                        .with_help("keep one `allow` per code and scope, with one reason"),
                );
                continue;
            }
            seen.insert(code.as_str().to_string(), a.span);
            match &a.reason {
                Some((reason, _)) if !reason.trim().is_empty() => {
                    out.push(ir::Allow { code: code.as_str().to_string(), reason: reason.clone() })
                }
                _ => self.emit(
                    Diagnostic::new(Code::MissingClause, a.span, format!("`allow {code}` gives no reason"))
                        .with_label("no reason")
                        .with_help(format!(
                            "say why the finding is acceptable, for whoever reviews the policy: `allow {code} \"...\"`"
                        )),
                ),
            }
        }
        out
    }

    /// The code an `allow` names, when it is a warning that can be allowed; a diagnostic otherwise.
    fn allow_code(&mut self, a: &ast::Allow) -> Option<Code> {
        let written = a.code.name.as_str();
        let Some(code) = Code::parse(written) else {
            let warnings = Code::ALL.iter().filter(|c| allowable(**c)).map(|c| c.as_str());
            let help = match did_you_mean(written, warnings) {
                Some(best) => format!("did you mean `{best}`?"),
                None => "name a warning's code, such as `W0025`; `docs/diagnostics.md` lists them".to_string(),
            };
            self.emit(
                Diagnostic::new(Code::BadValue, a.code.span, format!("`{written}` is not a diagnostic code"))
                    .with_label("unknown code")
                    .with_help(help),
            );
            return None;
        };
        if code.severity() == Severity::Error {
            self.emit(
                Diagnostic::new(
                    Code::BadValue,
                    a.code.span,
                    format!("`{code}` is an error, and errors cannot be allowed"),
                )
                .with_label("an error")
                .with_help("an error means the policy cannot be built as written: fix what it reports instead"),
            );
            return None;
        }
        if !allowable(code) {
            self.emit(
                Diagnostic::new(Code::BadValue, a.code.span, format!("`{code}` cannot be allowed"))
                    .with_label("not allowable")
                    .with_help("an `allow` that matches nothing is removed, not allowed"),
            );
            return None;
        }
        Some(code)
    }

    /// Takes the warnings that an `allow` accepts out of the diagnostics and returns them; then reports every
    /// `allow` that accepted nothing. Runs last, on every diagnostic of the policy. When there are errors, some
    /// passes did not run and their warnings are missing, so an `allow` is not called unused then; nor is an
    /// `allow W0026` when no `--sensitive` list was given, as that warning cannot arise without one.
    pub(super) fn apply_allows(&mut self, file: &ast::File) -> Vec<Allowed> {
        let mut scoped: Vec<Scoped> = Vec::new();
        let mut add = |a: &ast::Allow, scope: AllowScope, item: Option<Span>, quiet: bool| {
            let Some(code) = Code::parse(&a.code.name).filter(|c| allowable(*c)) else { return };
            let Some((reason, _)) = a.reason.as_ref().filter(|(r, _)| !r.trim().is_empty()) else { return };
            if !scoped.iter().any(|s| s.code == code && s.item == item) {
                scoped.push(Scoped { code, reason: reason.clone(), scope, item, allow: a.span, used: false, quiet });
            }
        };
        for item in &file.items {
            match item {
                ast::Item::Header(h) => {
                    for (f, _) in &h.fields {
                        if let ast::HeaderField::Allow(a) = f {
                            add(a, AllowScope::Policy, None, false);
                        }
                    }
                }
                ast::Item::Sites(s) => {
                    for a in &s.allows {
                        // The data form has its lists inlined, the skipped entries already left out: an `allow
                        // W0007` it carries from the policy it was exported from cannot match, and is not unused.
                        let inlined = s.examples.is_some() && a.code.name == Code::BadListEntry.as_str();
                        add(a, AllowScope::Sites(s.name.name.clone()), Some(s.span), inlined);
                    }
                }
                ast::Item::Collect(c) => {
                    for (clause, _) in &c.clauses {
                        if let ast::CollectClause::Allow(a) = clause {
                            add(a, AllowScope::Rule, Some(c.span), false);
                        }
                    }
                }
                _ => {}
            }
        }
        if scoped.is_empty() {
            return Vec::new();
        }
        let main = self.main;
        let mut allowed = Vec::new();
        let mut kept = Vec::with_capacity(self.diags.len());
        for d in std::mem::take(&mut self.diags) {
            // Where the finding is reported in the policy: its own place, or for a finding in an imported list,
            // the `from` line that imported it.
            let at = if d.span.file == main {
                Some(d.span)
            } else {
                d.labels.iter().map(|l| l.span).find(|s| s.file == main)
            };
            let inside = |item: &Option<Span>| match (item, at) {
                (None, _) => true,
                (Some(i), Some(at)) => i.file == at.file && i.start <= at.start && at.end <= i.end,
                (Some(_), None) => false,
            };
            // The narrowest scope that accepts the finding is the one that is used.
            let hit = if d.severity == Severity::Warning {
                scoped
                    .iter_mut()
                    .filter(|s| s.code == d.code && inside(&s.item))
                    .min_by_key(|s| s.item.map_or(usize::MAX, |i| i.end - i.start))
            } else {
                None
            };
            match hit {
                Some(s) => {
                    s.used = true;
                    allowed.push(Allowed {
                        diagnostic: d,
                        scope: s.scope.clone(),
                        reason: s.reason.clone(),
                        allow: s.allow,
                    });
                }
                None => kept.push(d),
            }
        }
        self.diags = kept;
        // In position order, as diagnostics are listed.
        allowed.sort_by(|a, b| {
            let key = |x: &Allowed| (x.diagnostic.span.file, x.diagnostic.span.start, x.diagnostic.code);
            key(a).cmp(&key(b))
        });
        if !self.diags.iter().any(|d| d.is_error()) {
            let no_sensitive = self.options.sensitive.is_empty();
            let silent = |s: &Scoped| s.used || s.quiet || (s.code == Code::SensitiveSite && no_sensitive);
            for s in scoped.iter().filter(|s| !silent(s)) {
                let where_ = match &s.scope {
                    AllowScope::Policy => "in this policy".to_string(),
                    AllowScope::Sites(name) => format!("in `{name}`"),
                    AllowScope::Rule => "in this rule".to_string(),
                };
                let d = Diagnostic::new(
                    Code::UnusedAllow,
                    s.allow,
                    format!("`allow {}` matches no finding {where_}", s.code),
                )
                .with_label("accepts nothing")
                .with_help(format!(
                    "`{}` is not reported here ({}); remove the `allow`",
                    s.code,
                    s.code.summary()
                ));
                self.diags.push(d);
            }
        }
        allowed
    }
}

/// Whether an `allow` may name a code: any warning but the unused `allow` itself.
fn allowable(code: Code) -> bool {
    code.severity() == Severity::Warning && code != Code::UnusedAllow
}
