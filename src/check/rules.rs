//! Rules and what hangs off them: `never` and `collect` rules, their conditions and retention periods,
//! incentives, and the inline `expect` tests.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn never(&mut self, n: &ast::NeverRule) -> ir::NeverRule {
        let mut sites = Vec::new();
        for s in &n.sites {
            if self.resolve(s, Kind::Sites, Code::Undefined, "this `never` rule") && !sites.contains(&s.name) {
                sites.push(s.name.clone());
            }
        }
        let regions = n.regions.as_deref().map(|r| self.resolve_regions(r)).unwrap_or_default();
        ir::NeverRule { sites, regions, origin: Some(self.sources.origin(n.span)) }
    }

    pub(super) fn collect(&mut self, c: &ast::CollectRule) -> Option<Lowered> {
        let names: Vec<&str> = c.data.iter().map(|d| d.name.as_str()).collect();
        let what =
            format!("the rule collecting {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "));
        self.listed_twice(&c.data, "collect rule");
        let mut data = Vec::new();
        for d in &c.data {
            if self.resolve(d, Kind::Data, Code::Undefined, "this collect rule") && !data.contains(&d.name) {
                data.push(d.name.clone());
            }
        }
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut sites = None;
        let mut events = Vec::new();
        let mut when = None;
        let mut purposes = None;
        let mut keep = None;
        let mut aggregated = None;
        let mut link = None;
        let mut regions = Vec::new();
        let mut source = None;
        let mut necessary = None;
        let allow = self.allows(c.clauses.iter().filter_map(|(clause, _)| match clause {
            ast::CollectClause::Allow(a) => Some(a),
            _ => None,
        }));
        for (clause, span) in &c.clauses {
            let key = match clause {
                // Any number of codes can be allowed; `allows` reports a code allowed twice.
                ast::CollectClause::Allow(_) => continue,
                ast::CollectClause::On(_) => "on",
                ast::CollectClause::At(_) => "at",
                ast::CollectClause::When(_) => "when",
                ast::CollectClause::For(_) => "for",
                ast::CollectClause::Keep(_) => "keep",
                ast::CollectClause::Link(_) => "link to account",
                ast::CollectClause::Region(_) => "region",
                ast::CollectClause::OnDevice => "on device",
                ast::CollectClause::From(_) => "from",
                ast::CollectClause::Necessary(_) => "necessary",
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::CollectClause::From(s) => {
                    if self.resolve_source(s, "this collect rule", true) {
                        source = Some(s.name.clone());
                    }
                }
                ast::CollectClause::Necessary(t) => {
                    necessary =
                        Some(self.prose(
                            t,
                            "why storing or reading on the device, or reading the page, is strictly necessary",
                        ))
                }
                ast::CollectClause::On(ss) => {
                    self.listed_twice(ss, "`on` clause");
                    let mut v = Vec::new();
                    for s in ss {
                        if self.resolve(s, Kind::Sites, Code::Undefined, "this collect rule") && !v.contains(&s.name) {
                            v.push(s.name.clone());
                        }
                    }
                    sites = Some(v);
                }
                ast::CollectClause::At(es) => {
                    for e in es {
                        if self.resolve_event(e, "this collect rule", true) && !events.contains(&e.name) {
                            events.push(e.name.clone());
                        }
                    }
                    // `at page_view` alone says what no `at` says, and is stored as such, so that the two forms
                    // of one rule are one rule (same export, same hash).
                    if events.len() == 1 && events[0] == ir::PAGE_VIEW {
                        events.clear();
                    }
                }
                ast::CollectClause::When(cond) => when = Some(self.cond(cond, "the `when` condition")),
                ast::CollectClause::For(ps) => {
                    self.listed_twice(ps, "`for` clause");
                    let mut v = Vec::new();
                    for p in ps {
                        if self.resolve(p, Kind::Purpose, Code::Undefined, "this collect rule") && !v.contains(&p.name)
                        {
                            v.push(p.name.clone());
                        }
                    }
                    purposes = Some(v);
                }
                ast::CollectClause::Keep(k) => {
                    if let Some((r, a)) = self.keep(k) {
                        keep = Some(r);
                        aggregated = a;
                    }
                }
                ast::CollectClause::Link(l) => {
                    link = Some(match l {
                        ast::Link::Always => ir::Link::Always,
                        ast::Link::Never => ir::Link::Never,
                        ast::Link::NotStated => ir::Link::NotStated,
                        ast::Link::When(cond) => ir::Link::When(self.cond(cond, "the link condition")),
                    })
                }
                ast::CollectClause::Region(rs) => regions = self.resolve_regions(rs),
                // The grammar gives `on device` to `process` rules only.
                ast::CollectClause::OnDevice => {}
                ast::CollectClause::Allow(_) => {}
            }
        }
        let first = c.data.first().map(|d| d.span).unwrap_or(c.span);
        let mut complete = true;
        // A rule collects either on the pages (`on`, perhaps `at`) or from a source (`from`), never both.
        if let Some(from) = seen.get("from").copied() {
            for key in ["on", "at"] {
                if let Some(at) = seen.get(key).copied() {
                    complete = false;
                    self.emit(
                        Diagnostic::new(Code::SourceAndSites, at, format!("{what} says both `{key}` and `from`"))
                            .with_label(format!("`{key}` names pages or events on them"))
                            .with_secondary(from, "`from` says the data does not come from the pages")
                            .with_help(
                                "a rule collects either on the pages the user visits (`on SITES`, optionally `at \
                             EVENT`) or independently of them (`from device`, `from account` or `from SOURCE`): \
                             split it into two rules, or remove one of the clauses",
                            ),
                    );
                }
            }
        }
        // `necessary` answers the ePrivacy question (Art. 5(3)), which only access to the user's terminal equipment
        // raises: storing or reading on the device (`from device`), and reading a page in the browser, which the
        // content script does for every rule on the pages (EDPB Guidelines 2/2023: information held even briefly
        // in the browser's memory is in the terminal equipment). What the account or a declared source gives
        // (what the user types into an account, an affiliate network's reports) reaches the controller without
        // such access, so no exemption from consent can be claimed for it, and `necessary` there would put a
        // claim into the notice that answers no question.
        if let Some(at) = seen.get("necessary").copied() {
            // A `from` whose source is unknown was reported already.
            if source.as_deref().is_some_and(|s| s != ir::SOURCE_DEVICE) {
                complete = false;
                self.emit(
                    Diagnostic::new(
                        Code::SourceAndSites,
                        at,
                        format!("{what} says `necessary` but collects `from {}`", source.as_deref().unwrap_or("")),
                    )
                    .with_label("only for reading a page or storing or reading on the device")
                    .with_help(
                        "`necessary TEXT` says why reading a page in the browser or storing or reading information \
                         on the user's device is strictly necessary for a service the user asked for (ePrivacy \
                         Directive Art. 5(3)); data from the account or a declared source is not read on the \
                         device: remove it here",
                    ),
                );
            }
        }
        let independent = seen.contains_key("from");
        let missing: [(&str, bool, &str); 3] = [
            (
                "on",
                independent || seen.contains_key("on"),
                "where: add `on SITES` naming a `sites` category, or, for data that does not come from the pages, \
                 `from device` (stored on or read from the device), `from account` or `from SOURCE` with `source \
                 NAME TEXT`",
            ),
            (
                "for",
                seen.contains_key("for"),
                "collected data needs a purpose (GDPR Art. 13(1)(c)): add `for PURPOSE, ...`",
            ),
            (
                "keep",
                seen.contains_key("keep"),
                "collected data needs a retention period or the criteria that determine it (GDPR Art. 13(2)(a)): \
                 add `keep 90 days`, or where no period can be given `keep until uninstall`, `keep while account \
                 exists`, `keep until session ends` or `keep until NAME` with `criterion NAME TEXT`",
            ),
        ];
        for (clause, present, help) in missing {
            if !present {
                complete = false;
                let msg = match clause {
                    "on" => format!("{what} does not say where it collects"),
                    "for" => format!("{what} has no purpose"),
                    _ => format!("{what} has no retention period"),
                };
                self.emit(
                    Diagnostic::new(Code::MissingClause, first.to(c.data.last().map(|d| d.span).unwrap_or(first)), msg)
                        .with_label(format!("no `{clause}` clause"))
                        .with_help(help),
                );
            }
        }
        if !complete {
            return None;
        }
        if independent {
            // An unresolved source was reported; the rule is left out like any incomplete one.
            return Some(Lowered::Independent(ir::IndependentRule {
                data,
                source: source?,
                when,
                purposes: purposes.unwrap_or_default(),
                keep: keep.unwrap_or(ir::Retention::Period(ir::Period { amount: 1, unit: ir::TimeUnit::Day })),
                aggregated,
                link: link.unwrap_or(ir::Link::Never),
                regions,
                necessary,
                allow,
                origin: Some(self.sources.origin(c.span)),
            }));
        }
        Some(Lowered::Page(ir::CollectRule {
            data,
            sites: sites.unwrap_or_default(),
            events,
            when,
            purposes: purposes.unwrap_or_default(),
            keep: keep.unwrap_or(ir::Retention::Period(ir::Period { amount: 1, unit: ir::TimeUnit::Day })),
            aggregated,
            link: link.unwrap_or(ir::Link::Never),
            regions,
            necessary,
            allow,
            origin: Some(self.sources.origin(c.span)),
        }))
    }

    /// A `source` declaration: its text, which completes "from ..." in every language. `device` and `account`
    /// are the built-in sources and cannot be declared.
    pub(super) fn source(&mut self, s: &ast::Decl) -> Option<ir::Source> {
        let what = format!("source `{}`", s.name.name);
        let (text, label) = self.text_and_label(s.text.as_ref(), s.label.as_ref(), s.name.span, &what);
        if [ir::SOURCE_DEVICE, ir::SOURCE_ACCOUNT].contains(&s.name.name.as_str()) {
            self.emit(
                Diagnostic::new(Code::Duplicate, s.name.span, format!("`{}` is a built-in source", s.name.name))
                    .with_label("built in")
                    .with_help(
                        "every policy knows `device` (stored on or read from the user's device) and `account` (what \
                         the user gives in an account) without declaring them; give this source another name",
                    ),
            );
            return None;
        }
        Some(ir::Source { name: s.name.name.clone(), text, label })
    }

    /// Resolves the source of a `from` clause: `device`, `account` or a declared `source`, marked used when a
    /// rule names it (`uses`; an `expect` line testing a source does not use it, so an unused source still gets
    /// W0019).
    fn resolve_source(&mut self, s: &Ident, context: &str, uses: bool) -> bool {
        if [ir::SOURCE_DEVICE, ir::SOURCE_ACCOUNT].contains(&s.name.as_str()) {
            return true;
        }
        let key = (Kind::Source.namespace(), s.name.clone());
        if self.symbols.get(&key).is_some_and(|(k, _)| *k == Kind::Source) {
            if uses {
                self.used.insert(key);
            }
            return true;
        }
        let help = match self.suggest(&s.name, |k| k == Kind::Source) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "write `device` for what is stored on or read from the user's device, `account` for what the user \
                 gives in an account, or declare it with `source {} en \"...\"`",
                s.name
            ),
        };
        self.emit(
            Diagnostic::new(
                Code::Undefined,
                s.span,
                format!("{context} names `{}`, which is not a declared source", s.name),
            )
            .with_label("unknown source")
            .with_help(help),
        );
        false
    }

    /// An `event` declaration: its text, which completes "when ..." in every language. `page_view` is the
    /// built-in event of a page view and cannot be declared.
    pub(super) fn event(&mut self, e: &ast::Decl) -> Option<ir::Event> {
        let text = self.required_text(e.text.as_ref(), e.name.span, &format!("event `{}`", e.name.name));
        if e.name.name == ir::PAGE_VIEW {
            self.emit(
                Diagnostic::new(Code::Duplicate, e.name.span, "`page_view` is the built-in event of a page view")
                    .with_label("built in")
                    .with_help(
                        "every policy knows `page_view` without declaring it, and a rule without `at` collects on it; \
                         give the event another name",
                    ),
            );
            return None;
        }
        Some(ir::Event { name: e.name.name.clone(), text })
    }

    /// Resolves an event name: a declared event, or `page_view`. A use in a rule marks the event used; a use in an
    /// `expect` line does not, since a test alone does not make an event part of what the policy does.
    pub(super) fn resolve_event(&mut self, e: &Ident, context: &str, mark_used: bool) -> bool {
        if e.name == ir::PAGE_VIEW {
            return true;
        }
        let key = (Kind::Event.namespace(), e.name.clone());
        if self.symbols.get(&key).is_some_and(|(k, _)| *k == Kind::Event) {
            if mark_used {
                self.used.insert(key);
            }
            return true;
        }
        let help = match self.suggest(&e.name, |k| k == Kind::Event) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("declare it with `event {} en \"...\"`, or write `page_view` for a page view", e.name),
        };
        self.emit(
            Diagnostic::new(
                Code::Undefined,
                e.span,
                format!("{context} names `{}`, which is not a declared event", e.name),
            )
            .with_label("unknown event")
            .with_help(help),
        );
        false
    }

    /// A `process ... on device` rule: what is used on the device, where, when and why. `None` when a clause it
    /// needs is missing (reported).
    pub(super) fn process(&mut self, c: &ast::CollectRule) -> Option<ir::DeviceRule> {
        let what = format!(
            "the rule processing {}",
            c.data.iter().map(|d| format!("`{}`", d.name)).collect::<Vec<_>>().join(", ")
        );
        let mut out = ir::DeviceRule {
            data: Vec::new(),
            sites: Vec::new(),
            when: None,
            purposes: Vec::new(),
            regions: Vec::new(),
            origin: Some(self.sources.origin(c.span)),
        };
        for d in &c.data {
            if self.resolve(d, Kind::Data, Code::Undefined, "this process rule") && !out.data.contains(&d.name) {
                out.data.push(d.name.clone());
            }
        }
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for (clause, span) in &c.clauses {
            let key = match clause {
                ast::CollectClause::On(_) => "on",
                ast::CollectClause::When(_) => "when",
                ast::CollectClause::For(_) => "for",
                ast::CollectClause::Region(_) => "region",
                ast::CollectClause::OnDevice => "on device",
                // The grammar gives `at`, `keep`, `link to account` and `allow` to collect rules only.
                ast::CollectClause::At(_)
                | ast::CollectClause::Keep(_)
                | ast::CollectClause::Link(_)
                | ast::CollectClause::From(_)
                | ast::CollectClause::Necessary(_)
                | ast::CollectClause::Allow(_) => continue,
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::CollectClause::On(ss) => {
                    for s in ss {
                        if self.resolve(s, Kind::Sites, Code::Undefined, "this process rule")
                            && !out.sites.contains(&s.name)
                        {
                            out.sites.push(s.name.clone());
                        }
                    }
                }
                ast::CollectClause::When(cond) => out.when = Some(self.cond(cond, "the `when` condition")),
                ast::CollectClause::For(ps) => {
                    for p in ps {
                        if self.resolve(p, Kind::Purpose, Code::Undefined, "this process rule")
                            && !out.purposes.contains(&p.name)
                        {
                            out.purposes.push(p.name.clone());
                        }
                    }
                }
                ast::CollectClause::Region(rs) => out.regions = self.resolve_regions(rs),
                _ => {}
            }
        }
        let at = c.data.first().map(|d| d.span).unwrap_or(c.span);
        let mut complete = true;
        for (key, msg, help) in [
            ("on", "does not say where it processes", "where: add `on SITES` naming a `sites` category"),
            ("for", "has no purpose", "processing needs a purpose, even on the device: add `for PURPOSE, ...`"),
            (
                "on device",
                "does not say that it stays on the device",
                "a `process` rule is for data used on the device only: add `on device`; data that is sent is \
                 collected, with `collect ... keep ...`",
            ),
        ] {
            if !seen.contains_key(key) {
                complete = false;
                self.emit(
                    Diagnostic::new(Code::MissingClause, at, format!("{what} {msg}"))
                        .with_label(format!("no `{key}` clause"))
                        .with_help(help),
                );
            }
        }
        complete.then_some(out)
    }

    /// A `when` that no state of the switches satisfies (`a and not a`) makes a rule that never collects, and a
    /// link condition that none satisfies one that never links; the notice would still describe both, as
    /// "while a is on and a is off". W0012 at the clause. Conditions read a handful of names; past 16, the check
    /// is skipped rather than run 2^n evaluations.
    pub(super) fn conditions_hold(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        for (rule, span) in policy.collections().zip(collect_spans.iter().chain(independent_spans)) {
            let (when, link) = (rule.when, rule.link);
            let never = |c: &ir::Cond| ir::in_some_state(&c.names(), |on| c.eval(&|n| on(n))) == Some(false);
            if when.is_some_and(never) {
                let at = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::When(_)));
                self.emit(
                    Diagnostic::new(Code::NeverHolds, at, "this rule's condition can never hold, so it never collects")
                        .with_label("false in every state")
                        .with_help(
                            "a name and its `not` cannot both hold: fix the condition (`a and not b`?), or remove the \
                             rule; its notice would describe collection that never happens",
                        ),
                );
            } else if let ir::Link::When(c) = link {
                if never(c) {
                    let at = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::Link(_)));
                    self.emit(
                        Diagnostic::new(Code::NeverHolds, at, "this link condition can never hold, so it never links")
                            .with_label("false in every state")
                            .with_help(
                                "fix the condition, or write `link to account never`, which says the same plainly",
                            ),
                    );
                } else if let Some(w) = when {
                    // Linking happens only to what the rule collects, so a link condition that holds in no state
                    // where the rule's `when` does (`when not signed_in` with `link to account when signed_in`)
                    // never links either, though each condition alone can hold.
                    let mut names = w.names();
                    names.extend(c.names());
                    names.sort_unstable();
                    names.dedup();
                    if ir::in_some_state(&names, |on| w.eval(&|n| on(n)) && c.eval(&|n| on(n))) == Some(false) {
                        let at = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::Link(_)));
                        let cond_at = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::When(_)));
                        self.emit(
                            Diagnostic::new(
                                Code::NeverHolds,
                                at,
                                "this link condition never holds when the rule collects, so it never links",
                            )
                            .with_label("false whenever the rule collects")
                            .with_secondary(cond_at, "the rule collects only in these states")
                            .with_help(format!(
                                "the rule collects only when `{w}`: link in a state where it collects, or write \
                                 `link to account never`, which says what happens plainly"
                            )),
                        );
                    }
                }
            }
        }
    }

    /// Data held only in aggregated form does not identify the user, so a rule that links it to the user's
    /// account contradicts its declaration (E0051).
    pub(super) fn aggregated_unlinked(
        &mut self,
        file: &ast::File,
        policy: &ir::Policy,
        collect_spans: &[Span],
        independent_spans: &[Span],
    ) {
        // Items declared `aggregated` never identify anyone: a rule may neither link them (E0051) nor keep them in
        // personal form first with `then aggregated` (E0052), or the notice would say both.
        for (rule, span) in policy.collections().zip(collect_spans.iter().chain(independent_spans)) {
            let (link, then_aggregated, data) = (rule.link, rule.aggregated, rule.data);
            let links = !matches!(link, ir::Link::Never | ir::Link::NotStated);
            for d in data.iter().filter(|d| policy.data_item(d).is_some_and(|x| x.aggregated)) {
                if links {
                    let link_span = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::Link(_)));
                    self.emit(
                        Diagnostic::new(
                            Code::AggregatedLinked,
                            link_span,
                            format!(
                                "this rule may link `{d}` to the user's account, but `{d}` is declared `aggregated`"
                            ),
                        )
                        .with_label("links aggregated data")
                        .with_help(format!(
                            "aggregated data does not identify anyone, so it cannot be linked: collect `{d}` in a \
                             rule with `link to account never`, or drop `aggregated` from its declaration"
                        )),
                    );
                }
                if then_aggregated.is_some() {
                    let keep_span = collect_clause_span(file, *span, |k| matches!(k, ast::CollectClause::Keep(_)));
                    self.emit(
                        Diagnostic::new(
                            Code::AggregatedKeptFirst,
                            keep_span,
                            format!(
                                "this rule keeps `{d}` in personal form before aggregating it, but `{d}` is \
                                 declared `aggregated`"
                            ),
                        )
                        .with_label("`then aggregated`: personal form first")
                        .with_help(format!(
                            "an item declared `aggregated` is held only in aggregated form: drop `aggregated` from \
                             the declaration of `{d}` if it is kept in personal form first, or `then aggregated` \
                             from this rule"
                        )),
                    );
                }
            }
        }
    }

    /// A `keep` clause: the retention, and what is kept afterwards in aggregated form. `None` when something in
    /// it was reported.
    pub(super) fn keep(&mut self, k: &ast::Keep) -> Option<(ir::Retention, Option<ir::Aggregated>)> {
        let retention = match &k.retention {
            ast::Retention::Period(d) => ir::Retention::Period(self.retention(d)?),
            ast::Retention::Named(n) => {
                if let Some(meant) = self.builtin_meant(n) {
                    self.emit(
                        Diagnostic::new(
                            Code::Undefined,
                            n.span,
                            format!(
                                "this `keep` clause names `{}`, which is not a declared retention criterion",
                                n.name
                            ),
                        )
                        .with_label("unknown retention criterion")
                        .with_help(format!("did you mean the built-in `keep {meant}`?")),
                    );
                    return None;
                }
                if !self.resolve(n, Kind::Criterion, Code::Undefined, "this `keep` clause") {
                    return None;
                }
                ir::Retention::Criterion(format!("until {}", n.name))
            }
            builtin => builtin_retention(builtin),
        };
        let aggregated = match &k.aggregated {
            None => None,
            Some(None) => Some(ir::Aggregated::Indefinitely),
            Some(Some(d)) => {
                let period = self.retention(d)?;
                // Aggregated data outlasts the data it is made from; a limit no later than that says nothing. It
                // must end later in every reading of the two periods (the notice promises the order whatever the
                // month), and one period written two ways (`12 months`, `1 year`) is not longer.
                if let ir::Retention::Period(p) = &retention {
                    if !period.surely_longer_than(*p) {
                        self.emit(
                            Diagnostic::new(
                                Code::BadValue,
                                d.span,
                                format!("aggregated data kept for {period} does not outlast the data itself ({p})"),
                            )
                            .with_label("not longer than the retention")
                            .with_help(format!(
                                "the aggregated period counts from collection, like the retention, and must end \
                                 after it however long its months are (28 to 31 days) and its years (365 or 366): \
                                 give a period longer than {p}, or leave out `then aggregated`"
                            )),
                        );
                        return None;
                    }
                }
                Some(ir::Aggregated::For(period))
            }
        };
        Some((retention, aggregated))
    }

    /// The built-in criterion an undeclared `keep until NAME` most likely means (`until session` for `until
    /// session ends`, `until uninstal`): the general help would have the author declare a criterion of that
    /// name, which `criterion` then refuses as reserved, or which says something the built-in already says.
    fn builtin_meant(&self, n: &Ident) -> Option<&'static str> {
        // A declared criterion of that name, or one it may be a misspelling of, is what `resolve` finds or names.
        if self.symbols.contains_key(&(Kind::Criterion.namespace(), n.name.clone()))
            || self.suggest(&n.name, |k| k == Kind::Criterion).is_some()
        {
            return None;
        }
        match did_you_mean(&n.name, ["uninstall", "session"].into_iter())?.as_str() {
            "uninstall" => Some("until uninstall"),
            _ => Some("until session ends"),
        }
    }

    /// A declared retention criterion; its name must not be one the language gives a meaning itself.
    pub(super) fn criterion(&mut self, c: &ast::Decl) -> ir::Criterion {
        let what = format!("retention criterion `{}`", c.name.name);
        if matches!(c.name.name.as_str(), "uninstall" | "session") {
            self.emit(
                Diagnostic::new(
                    Code::BadValue,
                    c.name.span,
                    format!("`{}` is a built-in retention criterion", c.name.name),
                )
                .with_label("reserved name")
                .with_help(format!(
                    "`keep until {}` already has its meaning; give this criterion another name",
                    if c.name.name == "uninstall" { "uninstall" } else { "session ends" }
                )),
            );
        }
        let text = self.required_text(c.text.as_ref(), c.name.span, &what);
        ir::Criterion { name: c.name.name.clone(), text }
    }

    pub(super) fn retention(&mut self, d: &ast::Duration) -> Option<ir::Period> {
        let unit = ir::TimeUnit::parse(&d.unit)?;
        if d.amount == 0 || d.amount > max_retention(unit) {
            self.emit(
                Diagnostic::new(
                    Code::BadValue,
                    d.span,
                    // The parser saturates a number too large to read; naming the saturated value would name
                    // a number the author never wrote.
                    if d.amount == u64::MAX {
                        format!("this retention is out of range: its number of {} is far too large", d.unit)
                    } else {
                        format!("retention of {} {} is out of range", d.amount, d.unit)
                    },
                )
                .with_label("out of range")
                .with_help(format!(
                    "a retention period is at least 1 day and at most 100 years ({} {}s)",
                    max_retention(unit),
                    unit.word()
                )),
            );
            return None;
        }
        Some(ir::Period { amount: d.amount as u32, unit })
    }

    pub(super) fn cond(&mut self, c: &ast::Cond, context: &str) -> ir::Cond {
        let mut vars = Vec::new();
        collect_vars(c, &mut vars);
        for v in vars {
            self.resolve_condition_name(v, context);
        }
        lower_cond(c)
    }

    pub(super) fn incentive(&mut self, i: &ast::IncentiveDecl) -> ir::Incentive {
        let what = format!("incentive `{}`", i.name.name);
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut out = ir::Incentive {
            name: i.name.name.clone(),
            regions: Vec::new(),
            summary: ir::Text::new(),
            data: Vec::new(),
            value: ir::Text::new(),
            method: ir::Text::new(),
            opt_in: None,
            withdraw: None,
            reward_stays: false,
        };
        for (clause, span) in &i.clauses {
            let key = match clause {
                ast::IncentiveClause::Region(_) => "region",
                ast::IncentiveClause::Exchange(_) => "in exchange for",
                ast::IncentiveClause::Value(_) => "value",
                ast::IncentiveClause::Method(_) => "method",
                ast::IncentiveClause::OptIn(_) => "opt in",
                ast::IncentiveClause::Withdraw(_) => "withdraw",
                ast::IncentiveClause::RewardStays => "reward stays",
                ast::IncentiveClause::Summary(_) => "summary text",
            };
            if self.duplicate_clause(&mut seen, key, *span, &what) {
                continue;
            }
            match clause {
                ast::IncentiveClause::Region(rs) => out.regions = self.resolve_regions(rs),
                ast::IncentiveClause::Exchange(ds) => {
                    for d in ds {
                        if self.resolve(d, Kind::Data, Code::Undefined, &what) && !out.data.contains(&d.name) {
                            out.data.push(d.name.clone());
                        }
                    }
                }
                ast::IncentiveClause::Value(t) => out.value = self.text(t, &format!("the value of {what}")),
                ast::IncentiveClause::Method(t) => {
                    out.method = self.prose(t, &format!("the method of calculating the value of {what}"))
                }
                ast::IncentiveClause::OptIn(t) => out.opt_in = Some(self.prose(t, &format!("how to opt in to {what}"))),
                ast::IncentiveClause::Withdraw(t) => {
                    out.withdraw = Some(self.prose(t, &format!("how to withdraw from {what}")))
                }
                ast::IncentiveClause::RewardStays => out.reward_stays = true,
                ast::IncentiveClause::Summary(t) => out.summary = self.prose(t, &what),
            }
        }
        // The CCPA regulations (11 CCR § 7016) require a notice of financial incentive to say how to opt in and
        // how to withdraw; a disclosure for the incentive's region would otherwise be incomplete.
        for (key, what_is, example) in [
            ("opt in", "how to opt in", "opt in en \"accept the offer on the welcome page\""),
            ("withdraw", "how to withdraw", "withdraw en \"switch the feature off at any time\""),
        ] {
            if !seen.contains_key(key) {
                self.emit(
                    Diagnostic::new(Code::IncompleteDisclosure, i.name.span, format!("{what} does not say {what_is}"))
                        .with_label(format!("no `{key}` clause"))
                        .with_help(format!(
                            "a notice of financial incentive must say {what_is} (CCPA regulations, 11 CCR § 7016); \
                             add `{example}`"
                        )),
                );
            }
        }
        self.incentive_value(&out, i);
        let missing: [(&str, &str); 4] = [
            ("summary text", "describe the offer: `en \"a US$10 credit for installing ...\"`"),
            ("in exchange for", "name the data given in exchange: `in exchange for page_url, page_title`"),
            (
                "value",
                "the CCPA regulations require a good-faith estimate of the data's value and how it was computed: \
                 add `value en \"US$12\"`",
            ),
            (
                "method",
                "the CCPA regulations require the method used to calculate the data's value, apart from the value \
                 (11 CCR § 7016(d)(5)): add `method en \"the advertising revenue per active user ...\"`",
            ),
        ];
        for (key, help) in missing {
            if !seen.contains_key(key) {
                let msg = match key {
                    "summary text" => format!("{what} has no summary text"),
                    "in exchange for" => format!("{what} does not say which data it is offered for"),
                    "method" => format!("{what} does not say how the value of the data was calculated"),
                    _ => format!("{what} has no estimate of the data's value"),
                };
                self.emit(
                    Diagnostic::new(Code::MissingClause, i.name.span, msg)
                        .with_label(format!("no {key}"))
                        .with_help(help),
                );
            }
        }
        out
    }

    /// Warns when the value of an incentive is no estimate of the data's value: a text with no amount, or one
    /// whose amounts all come from the summary of the reward (11 CCR §7016(d)(5) asks for the value of the data,
    /// which the reward must be reasonably related to, not for the reward again).
    fn incentive_value(&mut self, inc: &ir::Incentive, decl: &ast::IncentiveDecl) {
        let span = decl
            .clauses
            .iter()
            .find(|(c, _)| matches!(c, ast::IncentiveClause::Value(_)))
            .map(|(_, s)| *s)
            .unwrap_or(decl.name.span);
        // A text missing in a language is already an error (E0008) and stands here as an empty string, which
        // says nothing about the value.
        for (lang, value) in inc.value.iter().filter(|(_, v)| !v.is_empty()) {
            let amounts = numbers(value);
            let summary = inc.summary.get(lang).map(|s| numbers(s)).unwrap_or_default();
            let problem = if amounts.is_empty() {
                format!("the value of incentive `{}` gives no amount", inc.name)
            } else if amounts.iter().all(|a| summary.contains(a)) {
                format!("the value of incentive `{}` only restates the reward", inc.name)
            } else {
                continue;
            };
            self.emit(
                Diagnostic::new(Code::IncentiveValue, span, format!("{problem} (`{lang}`)"))
                    .with_label("no estimate of the data's value")
                    .with_help(
                        "give a good-faith estimate of what the consumer's data is worth to you, as an amount, and \
                         say how you calculated it in `method` (11 CCR §7016, §7081)",
                    ),
            );
            return;
        }
    }

    pub(super) fn expect(&mut self, e: &ast::ExpectDecl) -> ir::Expect {
        let mut from = None;
        match (&e.url, &e.from) {
            (Some((url, span)), None) => {
                if let Err(err) = crate::urlnorm::normalize(url) {
                    self.emit(
                        Diagnostic::new(Code::BadExpectUrl, *span, format!("`{url}` cannot be decided: {err}"))
                            .with_label("this URL")
                            .with_help(
                                "write a full http or https URL with a domain host, such as \
                                 \"https://www.example.com/\"; to test that something collects nothing, use a URL \
                                 whose domain is in a never list",
                            ),
                    );
                }
            }
            (None, Some(source)) => {
                if self.resolve_source(source, "this `expect` line", false) {
                    from = Some(source.name.clone());
                }
                // What comes from a source does not depend on what the user does on a page.
                if let Some(ev) = &e.event {
                    self.emit(
                        Diagnostic::new(
                            Code::SourceAndSites,
                            ev.span,
                            "an `expect from` line says `at`, but collection from a source has no event",
                        )
                        .with_label("an event on the pages")
                        .with_help(
                            "a rule `from` a source holds in a state whatever the user does: remove `at EVENT`, or \
                             test the event with `expect \"URL\" at EVENT ...`",
                        ),
                    );
                }
            }
            // Only the data form can get here: the grammar takes one of the two.
            (url, _) => {
                let both = url.is_some();
                self.emit(
                    Diagnostic::new(
                        Code::MissingClause,
                        e.span,
                        if both {
                            "this `expect` entry gives both `url` and `from`"
                        } else {
                            "this `expect` entry gives neither `url` nor `from`"
                        },
                    )
                    .with_help(
                        "an `expect` line tests either one URL (`url: \"https://...\"`) or what is collected from a \
                         source in a state (`from: device`): give exactly one",
                    ),
                );
            }
        }
        let event = match &e.event {
            Some(ev) if ev.name != ir::PAGE_VIEW => {
                self.resolve_event(ev, "this `expect` line", false).then(|| ev.name.clone())
            }
            _ => None,
        };
        let mut with = Vec::new();
        for (i, s) in e.settings.iter().enumerate() {
            // A line is decided in one state, so a switch it sets twice is a slip: set the same way, the second
            // says nothing; set both ways, one of them would silently win and the line would test another state
            // than it reads.
            if let Some(first) = e.settings.iter().take(i).find(|f| f.name.name == s.name.name) {
                let name = &s.name.name;
                let (message, help) = if first.on == s.on {
                    (
                        format!("`{name}` is listed twice in this `expect` line"),
                        "list each switch once; if another switch was meant here, write that one".to_string(),
                    )
                } else {
                    (
                        format!("this `expect` line sets `{name}` both on and off"),
                        format!(
                            "an `expect` line is decided in one state: keep `{name}` or `not {name}`, and test the \
                             other state with a second `expect` line"
                        ),
                    )
                };
                self.emit(
                    Diagnostic::new(Code::Duplicate, s.name.span, message)
                        .with_label("set again")
                        .with_secondary(first.name.span, "first set here")
                        .with_help(help),
                );
                continue;
            }
            if self.resolve_tested_name(&s.name, "this `expect` line") {
                with.push(if s.on { s.name.name.clone() } else { format!("not {}", s.name.name) });
            }
        }
        let region = match e.region.as_deref() {
            None => None,
            Some(rs) => {
                if rs.len() > 1 {
                    self.emit(
                        Diagnostic::new(Code::BadValue, rs[1].span, "an `expect` line is decided in one region")
                            .with_label("second region")
                            .with_help("write one `expect` line per region"),
                    );
                }
                rs.first().and_then(|r| self.resolve_expect_region(r))
            }
        };
        let mut collects = None;
        let mut links = None;
        let (mut uses, mut keeps, mut shares) = (Vec::new(), Vec::new(), Vec::new());
        // Per kind of per-item outcome, the items already checked, so that one line does not ask two things.
        let mut checked: HashMap<(&'static str, String), Span> = HashMap::new();
        for o in &e.outcomes {
            let (names, span, slot, key) = match o {
                ast::ExpectOutcome::Collects(n, s) => (n, *s, &mut collects, "collects"),
                ast::ExpectOutcome::Links(n, s) => (n, *s, &mut links, "links"),
                ast::ExpectOutcome::Uses(data, purposes, _) => {
                    let data = self.expect_items(data, "uses", &mut checked);
                    let purposes = self.expect_names(purposes, Kind::Purpose, "purpose");
                    if let (Some(data), Some(purposes)) = (data, purposes) {
                        uses.push(ir::ExpectUses { data, purposes });
                    }
                    continue;
                }
                ast::ExpectOutcome::Keeps(data, keep, _) => {
                    let data = self.expect_items(data, "keeps", &mut checked);
                    let keep = self.expect_retention(keep);
                    if let (Some(data), Some(keep)) = (data, keep) {
                        keeps.push(ir::ExpectKeeps { data, keep });
                    }
                    continue;
                }
                ast::ExpectOutcome::Shares(data, to, _) => {
                    let data = self.expect_items(data, "shares", &mut checked);
                    let with = self.expect_names(to, Kind::Recipient, "recipient");
                    if let (Some(data), Some(with)) = (data, with) {
                        shares.push(ir::ExpectShares { data, with });
                    }
                    continue;
                }
            };
            if slot.is_some() {
                self.diags.push(
                    Diagnostic::new(Code::Duplicate, span, format!("this `expect` line has two `{key}` outcomes"))
                        .with_help("merge them into one list"),
                );
                continue;
            }
            *slot = Some(self.expect_data(names));
        }
        ir::Expect {
            url: e.url.as_ref().map(|(u, _)| u.clone()),
            from,
            event,
            with,
            region,
            collects,
            links,
            uses,
            keeps,
            shares,
            origin: Some(self.sources.origin(e.span)),
        }
    }

    /// The declared data items among `names`, once each; an unknown one is E0012.
    fn expect_data(&mut self, names: &[Ident]) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for n in names {
            let key = (Kind::Data.namespace(), n.name.clone());
            if self.symbols.get(&key).is_some_and(|(k, _)| *k == Kind::Data) {
                if !v.contains(&n.name) {
                    v.push(n.name.clone());
                }
            } else {
                let help = match self.suggest(&n.name, |k| k == Kind::Data) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => "an `expect` line names data items declared with `data`".to_string(),
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::ExpectUnknownData,
                        n.span,
                        format!("`{}` is not a declared data item", n.name),
                    )
                    .with_label("unknown data item")
                    .with_help(help),
                );
            }
        }
        v
    }

    /// The data items of a `uses`, `keeps` or `shares` outcome; an item that an earlier outcome of the same
    /// kind on this line already checks is E0003 (two answers to one question). `None` when one was reported.
    fn expect_items(
        &mut self,
        names: &[Ident],
        verb: &'static str,
        checked: &mut HashMap<(&'static str, String), Span>,
    ) -> Option<Vec<String>> {
        let before = self.diags.len();
        let data = self.expect_data(names);
        for n in names {
            if let Some(first) = checked.get(&(verb, n.name.clone())) {
                if *first != n.span {
                    self.diags.push(
                        Diagnostic::new(
                            Code::Duplicate,
                            n.span,
                            format!("this `expect` line has two `{verb}` outcomes for `{}`", n.name),
                        )
                        .with_label("checked again")
                        .with_help(format!("give `{}` one `{verb}` outcome on this line", n.name)),
                    );
                }
            } else {
                checked.insert((verb, n.name.clone()), n.span);
            }
        }
        (self.diags.len() == before).then_some(data)
    }

    /// The purposes or recipients an outcome names, once each; an unknown one is E0070 with the declared name
    /// it most resembles. `None` when one was reported.
    fn expect_names(&mut self, names: &[Ident], kind: Kind, what: &str) -> Option<Vec<String>> {
        let mut v: Vec<String> = Vec::new();
        let mut ok = true;
        for n in names {
            if self.symbols.get(&(kind.namespace(), n.name.clone())).is_some_and(|(k, _)| *k == kind) {
                // A test names the declaration as written: it is not the misspelt one, whatever rules say.
                self.tested.insert((kind.namespace(), n.name.clone()));
                if !v.contains(&n.name) {
                    v.push(n.name.clone());
                }
                continue;
            }
            ok = false;
            let help = match self.suggest(&n.name, |k| k == kind) {
                Some(best) => {
                    self.suggested.push((kind.namespace(), best.clone(), n.clone(), self.diags.len()));
                    format!("did you mean `{best}`?")
                }
                None if kind == Kind::Recipient => {
                    "name recipients declared with `recipient`, or write `with nobody` for an item shared with no one"
                        .to_string()
                }
                None if kind == Kind::Criterion => "the built-in criteria are `until uninstall`, `while account \
                                                    exists` and `until session ends`; others are declared with \
                                                    `criterion NAME TEXT`"
                    .to_string(),
                None => format!("name {what}s declared with `{what}`"),
            };
            self.diags.push(
                Diagnostic::new(Code::ExpectUnknownName, n.span, format!("`{}` is not a declared {what}", n.name))
                    .with_label(format!("unknown {what}"))
                    .with_help(help),
            );
        }
        ok.then_some(v)
    }

    /// The retention of a `keeps` outcome, as a `keep` clause would give it; an unknown criterion is E0070.
    fn expect_retention(&mut self, r: &ast::Retention) -> Option<ir::Retention> {
        Some(match r {
            ast::Retention::Period(d) => ir::Retention::Period(self.retention(d)?),
            ast::Retention::Named(n) => {
                if let Some(meant) = self.builtin_meant(n) {
                    self.diags.push(
                        Diagnostic::new(
                            Code::ExpectUnknownName,
                            n.span,
                            format!("`{}` is not a declared retention criterion", n.name),
                        )
                        .with_label("unknown retention criterion")
                        .with_help(format!("did you mean the built-in criterion `{meant}`?")),
                    );
                    return None;
                }
                self.expect_names(std::slice::from_ref(n), Kind::Criterion, "retention criterion")?;
                ir::Retention::Criterion(format!("until {}", n.name))
            }
            builtin => builtin_retention(builtin),
        })
    }
}

/// A criterion the language names itself, by the keywords an artifact carries (`until uninstall`, `not stated`).
fn builtin_retention(r: &ast::Retention) -> ir::Retention {
    let keywords = match r {
        ast::Retention::Uninstall => ir::BUILTIN_CRITERIA[0],
        ast::Retention::AccountExists => ir::BUILTIN_CRITERIA[1],
        ast::Retention::SessionEnds => ir::BUILTIN_CRITERIA[2],
        // Periods and declared criteria are resolved by the caller; `not stated` is the rest.
        _ => ir::BUILTIN_CRITERIA[3],
    };
    ir::Retention::Criterion(keywords.into())
}

pub(super) fn collect_vars<'a>(c: &'a ast::Cond, out: &mut Vec<&'a Ident>) {
    match c {
        ast::Cond::Var(i) => out.push(i),
        ast::Cond::Not(c, _) => collect_vars(c, out),
        ast::Cond::And(cs, _) | ast::Cond::Or(cs, _) => cs.iter().for_each(|c| collect_vars(c, out)),
    }
}

/// The numbers a text names (`US$10`, `25 €`, `1.5`), as written, for comparing an incentive's value with its
/// reward.
fn numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|s| s.trim_matches(|c| c == '.' || c == ','))
        .filter(|s| s.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}
