//! The driver: runs the passes over the items in order, then assembles the IR from what they lowered.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn run(&mut self, file: &ast::File) -> Option<ir::Policy> {
        let header = self.header(file);
        self.declare_all(file);
        let header_allows: Vec<&ast::Allow> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Header(h) => Some(h),
                _ => None,
            })
            .take(1)
            .flat_map(|h| h.fields.iter())
            .filter_map(|(f, _)| match f {
                ast::HeaderField::Allow(a) => Some(a),
                _ => None,
            })
            .collect();
        let allow = self.allows(header_allows);

        let mut signals = Vec::new();
        let mut features = Vec::new();
        let mut events = Vec::new();
        let mut data = Vec::new();
        let mut purposes = Vec::new();
        let mut recipients = Vec::new();
        let mut criteria = Vec::new();
        let mut sites = Vec::new();
        let mut never = Vec::new();
        let mut never_collect: Vec<String> = Vec::new();
        let mut promises: Vec<ir::Promise> = Vec::new();
        let mut collect = Vec::new();
        let mut on_device = Vec::new();
        let mut sources = Vec::new();
        let mut independent = Vec::new();
        let mut incentives = Vec::new();
        let mut expects = Vec::new();
        let mut store = Vec::new();
        for item in &file.items {
            match item {
                ast::Item::Header(_) => {}
                ast::Item::Signal(d) => {
                    let text = self.required_text(d.text.as_ref(), d.name.span, &format!("signal `{}`", d.name.name));
                    signals.push(ir::Signal { name: d.name.name.clone(), text });
                }
                ast::Item::Feature(f) => {
                    let text = self.required_text(f.text.as_ref(), f.name.span, &format!("feature `{}`", f.name.name));
                    let default = match f.default {
                        Some((on, _)) => on,
                        None => {
                            self.emit(
                                Diagnostic::new(
                                    Code::MissingClause,
                                    f.name.span,
                                    format!("feature `{}` has no default", f.name.name),
                                )
                                .with_label("declared here")
                                .with_help(format!(
                                    "say whether the switch starts on or off: `feature {} default on ...`",
                                    f.name.name
                                )),
                            );
                            false
                        }
                    };
                    let opt_in = f
                        .opt_in
                        .as_ref()
                        .map(|t| self.prose(t, &format!("how to opt in to feature `{}`", f.name.name)));
                    features.push(ir::Feature { name: f.name.name.clone(), default, text, opt_in });
                }
                ast::Item::Event(e) => events.extend(self.event(e)),
                ast::Item::Data(d) => {
                    let what = format!("data item `{}`", d.name.name);
                    let (text, label) = self.text_and_label(d.text.as_ref(), d.label.as_ref(), d.name.span, &what);
                    let category = d.category.as_ref().and_then(|c| self.pi_category(c));
                    data.push(ir::DataItem {
                        name: d.name.name.clone(),
                        category,
                        aggregated: d.aggregated,
                        text,
                        label,
                    });
                }
                ast::Item::Purpose(p) => purposes.push(self.purpose(p)),
                ast::Item::Recipient(r) => recipients.push(self.recipient(r)),
                ast::Item::Sites(s) => sites.push(self.sites(s)),
                ast::Item::Never(n) => never.push(self.never(n)),
                ast::Item::NeverData(n) => {
                    for d in &n.data {
                        if self.resolve(d, Kind::Data, Code::Undefined, "this `never collect` promise")
                            && !never_collect.contains(&d.name)
                        {
                            never_collect.push(d.name.clone());
                        }
                    }
                }
                // A promise written twice is the same promise; like `never collect`, it is kept once.
                ast::Item::Promise(n) => {
                    for (promise, _) in &n.promises {
                        if !promises.contains(promise) {
                            promises.push(*promise);
                        }
                    }
                }
                ast::Item::Collect(c) => match self.collect(c) {
                    Some(Lowered::Page(rule)) => collect.push((rule, c.span)),
                    Some(Lowered::Independent(rule)) => independent.push((rule, c.span)),
                    None => {}
                },
                ast::Item::Process(c) => on_device.extend(self.process(c)),
                ast::Item::Incentive(i) => incentives.push(self.incentive(i)),
                ast::Item::Expect(e) => expects.push(self.expect(e)),
                ast::Item::Store(d) => store.extend(self.store(d)),
                ast::Item::Criterion(c) => criteria.push(self.criterion(c)),
                ast::Item::Source(s) => sources.extend(self.source(s)),
            }
        }
        self.misspelt_declarations(file);
        self.misdeclared_languages();
        self.drop_replaced();
        // An unresolved name also makes its declaration look unused; say only the first, real problem.
        if !self.diags.iter().any(|d| d.is_error()) {
            self.unused(file);
        }
        self.scope_analysis(file, &collect, &never, &sites);
        self.artifact_limits(file, &sites, &collect);
        self.store_coverage(file, &store);
        let header = header?;
        let collect_spans: Vec<Span> = collect.iter().map(|(_, s)| *s).collect();
        let independent_spans: Vec<Span> = independent.iter().map(|(_, s)| *s).collect();
        let policy = ir::Policy {
            id: header.id,
            name: header.name,
            controller: header.controller,
            regional_controllers: header.regional_controllers,
            contact: (!header.contact_not_stated).then_some(header.contact),
            dpo: header.dpo,
            established: header.established,
            representative: header.representative,
            opt_out: header.opt_out,
            url: header.url,
            version: header.version,
            languages: self.languages.clone(),
            regions: self.regions.clone(),
            signals,
            features,
            events,
            data,
            purposes,
            recipients,
            criteria,
            sites,
            never,
            never_collect,
            promises,
            collect: collect.into_iter().map(|(r, _)| r).collect(),
            on_device,
            sources,
            independent: independent.into_iter().map(|(r, _)| r).collect(),
            incentives,
            expects,
            store,
            allow,
        };
        // What the law requires is judged on a policy whose names and values are right: an unknown safeguard is
        // reported once, as itself, not also as a missing one.
        self.promises(file, &policy, &collect_spans, &independent_spans);
        self.incentives_collected(file, &policy);
        self.aggregated_unlinked(file, &policy, &collect_spans, &independent_spans);
        self.conditions_hold(file, &policy, &collect_spans, &independent_spans);
        self.device_consent(file, &policy, &collect_spans, &independent_spans);
        if !self.diags.iter().any(|d| d.is_error()) {
            self.legal(file, &policy, &collect_spans, &independent_spans);
            self.consent(file, &policy, &collect_spans);
        }
        Some(policy)
    }
}

/// Lowers a condition, flattening nested `and`s and `or`s so that equal conditions print equally.
pub fn lower_cond(c: &ast::Cond) -> ir::Cond {
    match c {
        ast::Cond::Var(i) => ir::Cond::Var(i.name.clone()),
        ast::Cond::Not(c, _) => ir::Cond::Not(Box::new(lower_cond(c))),
        ast::Cond::And(cs, _) => ir::Cond::And(
            cs.iter()
                .flat_map(|c| match lower_cond(c) {
                    ir::Cond::And(inner) => inner,
                    other => vec![other],
                })
                .collect(),
        ),
        ast::Cond::Or(cs, _) => ir::Cond::Or(
            cs.iter()
                .flat_map(|c| match lower_cond(c) {
                    ir::Cond::Or(inner) => inner,
                    other => vec![other],
                })
                .collect(),
        ),
    }
}
