//! The data form of a policy: the IR as YAML or JSON, out and back in.
//!
//! `policyc export` writes [`ir::Policy`] with serde. Reading a YAML (or JSON) policy goes the other way and
//! then *back through the checker*: the document is turned into an AST as if it had been written in the
//! policy language, so that a generated policy gets exactly the same validation, and lowering the result gives
//! the same IR. That is what makes "export the YAML export, get byte-identical JSON" hold by construction.
//!
//! Shape errors (a missing field, a wrong type) carry serde's line and column. The checker's diagnostics point
//! at the first occurrence of the name concerned in the document (a misspelt name occurs only where it is
//! used), and at the start of the document when there is no name to find.

use crate::ast::{self, Ident, Text, TextPart};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::source::{FileId, Span};

/// Serialises the IR as YAML.
pub fn to_yaml(policy: &ir::Policy) -> String {
    serde_yaml::to_string(policy).expect("the IR always serialises")
}

/// Serialises the IR as pretty JSON with a final newline.
pub fn to_json(policy: &ir::Policy) -> String {
    policy.to_canonical_json()
}

/// Reads a YAML or JSON policy into an AST for the checker.
pub fn to_ast(file: FileId, text: &str) -> Result<ast::File, Box<Diagnostic>> {
    let policy: ir::Policy = serde_yaml::from_str(text).map_err(|e| {
        let offset = e.location().map(|l| l.index()).unwrap_or(0).min(text.len());
        let message = e.to_string();
        // serde_yaml appends " at line L column C"; the span already says where.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        Diagnostic::new(
            Code::InvalidYaml,
            Span::new(file, offset, offset),
            format!("invalid policy document: {message}"),
        )
        .with_label("here")
        .with_help("a YAML policy has the shape that `policyc export --format yaml` writes; export a policy to see it")
    })?;
    Ok(Unlower { span: Span::new(file, 0, 0), text, found: Default::default(), items: Default::default() }
        .file(&policy))
}

/// The byte offsets at which the items of a top-level sequence start (`collect:` followed by `- ...` items in
/// block style, or `"collect": [ {...}, ... ]` in JSON), so that rules and `expect` lines point at their own
/// line: `test` failures and the rule origins in decisions then say where the item is. A document in another
/// layout (flow style, anchors) gets no offsets, and its items point at the start of the document.
pub fn section_items(text: &str, key: &str) -> Vec<usize> {
    if text.trim_start().starts_with('{') {
        json_section_items(text, key)
    } else {
        yaml_section_items(text, key)
    }
}

fn yaml_section_items(text: &str, key: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').map(|l| {
        let at = offset;
        offset += l.len();
        (at, l.trim_end_matches(['\n', '\r']))
    });
    let header = format!("{key}:");
    if !lines.any(|(_, l)| l.starts_with(&header) && l[header.len()..].trim().is_empty()) {
        return out;
    }
    let mut indent = None;
    for (at, line) in lines {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let this = line.len() - content.len();
        let is_item = content == "-" || content.starts_with("- ");
        match indent {
            None if is_item => indent = Some(this),
            Some(i) if this == i && is_item => {}
            Some(i) if this > i => continue,
            _ => break,
        }
        // Point at the item's first content, after `- `.
        let skip = content.strip_prefix('-').map(|r| 1 + r.len() - r.trim_start().len()).unwrap_or(0);
        out.push(at + this + skip.min(content.len()));
    }
    out
}

fn json_section_items(text: &str, key: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let quoted = format!("\"{key}\"");
    let mut out = Vec::new();
    let (mut depth, mut i, mut in_string) = (0usize, 0usize, false);
    // Depth 1 is the top object; the section's items are the values at depth 2 of the array after the key.
    let mut in_section = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => {
                    if depth == 1 && text[i..].starts_with(&quoted) {
                        let rest = text[i + quoted.len()..].trim_start();
                        in_section = rest.starts_with(':') && rest[1..].trim_start().starts_with('[');
                    }
                    in_string = true;
                }
                b'{' | b'[' => {
                    if in_section && depth == 2 && c == b'{' {
                        out.push(i);
                    }
                    depth += 1;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 1 {
                        in_section = false;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    out
}

/// Turns IR back into AST nodes. Items of the top-level sequences (declarations, rules, `expect` lines) point
/// at their line ([`section_items`]); names point at their first whole-word occurrence in the document, which
/// is where a misspelt name is (it occurs nowhere else) and usually where a declared one is declared;
/// everything else points at the start of the document.
struct Unlower<'t> {
    span: Span,
    text: &'t str,
    found: std::cell::RefCell<std::collections::HashMap<String, Span>>,
    items: std::cell::RefCell<std::collections::HashMap<String, Vec<usize>>>,
}

impl Unlower<'_> {
    fn ident(&self, s: &str) -> Ident {
        Ident { name: s.to_string(), span: self.locate(s) }
    }

    fn locate(&self, name: &str) -> Span {
        if let Some(span) = self.found.borrow().get(name) {
            return *span;
        }
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let b = self.text.as_bytes();
        let span = self
            .text
            .match_indices(name)
            .find(|(i, _)| {
                let end = i + name.len();
                !name.is_empty() && (*i == 0 || !word(b[i - 1])) && (end == b.len() || !word(b[end]))
            })
            .map(|(i, _)| Span::new(self.span.file, i, i + name.len()))
            .unwrap_or(self.span);
        self.found.borrow_mut().insert(name.to_string(), span);
        span
    }

    /// The span of the `n`th item of a top-level sequence: its first line, or the document's start.
    fn item(&self, key: &str, n: usize) -> Span {
        let mut cache = self.items.borrow_mut();
        let offsets = cache.entry(key.to_string()).or_insert_with(|| section_items(self.text, key));
        match offsets.get(n) {
            Some(&at) => {
                let end = self.text[at..].find('\n').map(|e| at + e).unwrap_or(self.text.len());
                Span::new(self.span.file, at, end)
            }
            None => self.span,
        }
    }

    /// A retention as a `keep` clause or a `keeps` outcome writes it.
    fn retention(&self, r: &ir::Retention, sp: Span) -> ast::Retention {
        match r {
            ir::Retention::Period(p) => ast::Retention::Period(ast::Duration {
                amount: u64::from(p.amount),
                unit: p.unit.word().to_string(),
                span: sp,
            }),
            ir::Retention::Criterion(t) if t == ir::BUILTIN_CRITERIA[0] => ast::Retention::Uninstall,
            ir::Retention::Criterion(t) if t == ir::BUILTIN_CRITERIA[1] => ast::Retention::AccountExists,
            ir::Retention::Criterion(t) if t == ir::BUILTIN_CRITERIA[2] => ast::Retention::SessionEnds,
            ir::Retention::Criterion(t) if t == ir::BUILTIN_CRITERIA[3] => ast::Retention::NotStated,
            // `until NAME` names a declared criterion; any other text is passed on whole as a name, which the
            // checker then reports as an unknown criterion.
            other => ast::Retention::Named(
                self.ident(ir::named_criterion(other).map(str::to_string).unwrap_or(other.to_string()).as_str()),
            ),
        }
    }

    fn idents(&self, v: &[String]) -> Vec<Ident> {
        v.iter().map(|s| self.ident(s)).collect()
    }

    fn text(&self, t: &ir::Text) -> Text {
        Text {
            parts: t
                .iter()
                .map(|(lang, value)| TextPart { lang: Some(self.ident(lang)), value: value.clone(), span: self.span })
                .collect(),
            span: self.span,
        }
    }

    /// `allow` entries, each at the line of the item it is in (a finding of the item is reported there too, so
    /// the `allow` holds for it).
    fn allows(&self, allows: &[ir::Allow], at: Span) -> Vec<ast::Allow> {
        allows
            .iter()
            .map(|a| ast::Allow {
                code: Ident { name: a.code.clone(), span: self.locate(&a.code) },
                reason: Some((a.reason.clone(), at)),
                span: at,
            })
            .collect()
    }

    /// A `keep` clause: the retention, and what is kept afterwards in aggregated form.
    fn keep(&self, keep: &ir::Retention, aggregated: Option<ir::Aggregated>) -> ast::Keep {
        let sp = self.span;
        let duration =
            |p: &ir::Period| ast::Duration { amount: u64::from(p.amount), unit: p.unit.word().to_string(), span: sp };
        let retention = self.retention(keep, sp);
        let aggregated = aggregated.map(|a| match a {
            ir::Aggregated::Indefinitely => None,
            ir::Aggregated::For(p) => Some(duration(&p)),
        });
        let aggregated_span = aggregated.as_ref().map(|_| sp);
        ast::Keep { retention, aggregated, aggregated_span }
    }

    fn link(&self, link: &ir::Link) -> ast::Link {
        match link {
            ir::Link::Never => ast::Link::Never,
            ir::Link::Always => ast::Link::Always,
            ir::Link::NotStated => ast::Link::NotStated,
            ir::Link::When(cond) => ast::Link::When(self.cond(cond)),
        }
    }

    fn cond(&self, c: &ir::Cond) -> ast::Cond {
        match c {
            ir::Cond::Var(n) => ast::Cond::Var(self.ident(n)),
            ir::Cond::Not(c) => ast::Cond::Not(Box::new(self.cond(c)), self.span),
            ir::Cond::And(cs) => ast::Cond::And(cs.iter().map(|c| self.cond(c)).collect(), self.span),
            ir::Cond::Or(cs) => ast::Cond::Or(cs.iter().map(|c| self.cond(c)).collect(), self.span),
        }
    }

    fn file(&self, p: &ir::Policy) -> ast::File {
        let sp = self.span;
        let mut items = Vec::new();
        let mut fields = vec![
            (ast::HeaderField::Name(self.text(&p.name)), sp),
            (ast::HeaderField::Controller(self.text(&p.controller)), sp),
            (ast::HeaderField::Contact(p.contact.as_ref().map(|t| self.text(t))), sp),
            (ast::HeaderField::Version(p.version.clone()), sp),
            (ast::HeaderField::Languages(self.idents(&p.languages)), sp),
        ];
        if let Some(dpo) = &p.dpo {
            fields.push((ast::HeaderField::Dpo(self.text(dpo)), sp));
        }
        if !p.regions.is_empty() {
            fields.push((ast::HeaderField::Regions(self.idents(&p.regions)), sp));
        }
        for c in &p.regional_controllers {
            fields.push((ast::HeaderField::RegionalController(self.idents(&c.regions), self.text(&c.text)), sp));
        }
        if let Some(t) = &p.opt_out {
            fields.push((ast::HeaderField::OptOut(self.text(t)), sp));
        }
        if let Some(t) = &p.url {
            fields.push((ast::HeaderField::Url(self.text(t)), sp));
        }
        if let Some(e) = &p.established {
            fields.push((ast::HeaderField::Established(self.ident(e)), sp));
        }
        if let Some(r) = &p.representative {
            fields.push((ast::HeaderField::Representative(self.text(r)), sp));
        }
        fields.extend(self.allows(&p.allow, sp).into_iter().map(|a| (ast::HeaderField::Allow(a), sp)));
        items.push(ast::Item::Header(ast::Header { id: self.ident(&p.id), fields, span: sp }));
        for (n, s) in p.signals.iter().enumerate() {
            items.push(ast::Item::Signal(ast::Decl {
                name: self.ident(&s.name),
                category: None,
                aggregated: false,
                text: Some(self.text(&s.text)),
                label: None,
                span: self.item("signals", n),
            }));
        }
        for (n, f) in p.features.iter().enumerate() {
            items.push(ast::Item::Feature(ast::FeatureDecl {
                name: self.ident(&f.name),
                default: Some((f.default, sp)),
                text: Some(self.text(&f.text)),
                opt_in: f.opt_in.as_ref().map(|t| self.text(t)),
                span: self.item("features", n),
            }));
        }
        for (n, e) in p.events.iter().enumerate() {
            items.push(ast::Item::Event(ast::Decl {
                name: self.ident(&e.name),
                category: None,
                aggregated: false,
                text: Some(self.text(&e.text)),
                label: None,
                span: self.item("events", n),
            }));
        }
        for (n, d) in p.data.iter().enumerate() {
            items.push(ast::Item::Data(ast::Decl {
                name: self.ident(&d.name),
                category: d.category.map(|c| self.ident(c.keyword())),
                aggregated: d.aggregated,
                text: Some(self.text(&d.text)),
                label: d.label.as_ref().map(|t| self.text(t)),
                span: self.item("data", n),
            }));
        }
        for (n, r) in p.recipients.iter().enumerate() {
            let mut clauses = Vec::new();
            if r.processor {
                clauses.push((ast::RecipientClause::Processor, sp));
            }
            if r.own_purposes {
                clauses.push((ast::RecipientClause::OwnPurposes, sp));
            }
            if let Some(c) = &r.located {
                clauses.push((ast::RecipientClause::Located(self.ident(c)), sp));
            }
            if let Some(g) = r.safeguard {
                clauses.push((ast::RecipientClause::Safeguard(self.ident(g.keyword())), sp));
            }
            if r.sold {
                clauses.push((ast::RecipientClause::Sold, sp));
            }
            if r.shared {
                clauses.push((ast::RecipientClause::Shared, sp));
            }
            clauses.push((ast::RecipientClause::Text(self.text(&r.text)), sp));
            let span = self.item("recipients", n);
            items.push(ast::Item::Recipient(ast::RecipientDecl { name: self.ident(&r.name), clauses, span }));
        }
        for (n, c) in p.criteria.iter().enumerate() {
            items.push(ast::Item::Criterion(ast::Decl {
                name: self.ident(&c.name),
                category: None,
                aggregated: false,
                text: Some(self.text(&c.text)),
                label: None,
                span: self.item("criteria", n),
            }));
        }
        for (n, so) in p.sources.iter().enumerate() {
            items.push(ast::Item::Source(ast::Decl {
                name: self.ident(&so.name),
                category: None,
                aggregated: false,
                text: Some(self.text(&so.text)),
                label: so.label.as_ref().map(|t| self.text(t)),
                span: self.item("sources", n),
            }));
        }
        for (n, pu) in p.purposes.iter().enumerate() {
            let mut clauses = vec![(ast::PurposeClause::Basis(self.ident(pu.basis.keyword())), sp)];
            if let Some(i) = &pu.interest {
                clauses.push((ast::PurposeClause::Interest(self.text(i)), sp));
            }
            if !pu.shared_with.is_empty() {
                clauses.push((ast::PurposeClause::SharedWith(self.idents(&pu.shared_with)), sp));
            }
            if pu.direct_marketing {
                clauses.push((ast::PurposeClause::DirectMarketing, sp));
            }
            if let Some(yes) = pu.profiling {
                clauses.push((ast::PurposeClause::Profiling(yes), sp));
            }
            if let Some(d) = &pu.decisions {
                let logic = match d {
                    ir::Decisions::None => None,
                    ir::Decisions::Automated(t) => Some(self.text(t)),
                };
                clauses.push((ast::PurposeClause::Decisions(logic), sp));
            }
            if let Some(t) = &pu.label {
                clauses.push((ast::PurposeClause::Label(self.text(t)), sp));
            }
            clauses.push((ast::PurposeClause::Text(self.text(&pu.text)), sp));
            let span = self.item("purposes", n);
            items.push(ast::Item::Purpose(ast::PurposeDecl { name: self.ident(&pu.name), clauses, span }));
        }
        for (n, s) in p.sites.iter().enumerate() {
            let entries = s
                .patterns
                .iter()
                .map(|pat| ast::SiteEntry::Pattern { text: pat.to_string(), exact: false, span: sp })
                .collect();
            let span = self.item("sites", n);
            items.push(ast::Item::Sites(ast::SitesDecl {
                name: self.ident(&s.name),
                special: s.special.as_ref().map(|k| self.ident(k)),
                text: Some(self.text(&s.text)),
                entries,
                allows: self.allows(&s.allow, span),
                examples: Some(s.examples.iter().map(|p| p.to_string()).collect()),
                span,
            }));
        }
        for (i, n) in p.never.iter().enumerate() {
            items.push(ast::Item::Never(ast::NeverRule {
                sites: self.idents(&n.sites),
                regions: (!n.regions.is_empty()).then(|| self.idents(&n.regions)),
                span: self.item("never", i),
            }));
        }
        if !p.never_collect.is_empty() {
            items.push(ast::Item::NeverData(ast::NeverData { data: self.idents(&p.never_collect), span: sp }));
        }
        if !p.promises.is_empty() {
            let promises = p.promises.iter().map(|x| (*x, sp)).collect();
            items.push(ast::Item::Promise(ast::PromiseDecl { promises, span: sp }));
        }
        for (n, c) in p.collect.iter().enumerate() {
            let mut clauses = vec![(ast::CollectClause::On(self.idents(&c.sites)), sp)];
            if !c.events.is_empty() {
                clauses.push((ast::CollectClause::At(self.idents(&c.events)), sp));
            }
            if let Some(w) = &c.when {
                clauses.push((ast::CollectClause::When(self.cond(w)), sp));
            }
            clauses.push((ast::CollectClause::For(self.idents(&c.purposes)), sp));
            clauses.push((ast::CollectClause::Keep(self.keep(&c.keep, c.aggregated)), sp));
            clauses.push((ast::CollectClause::Link(self.link(&c.link)), sp));
            if !c.regions.is_empty() {
                clauses.push((ast::CollectClause::Region(self.idents(&c.regions)), sp));
            }
            if let Some(t) = &c.necessary {
                clauses.push((ast::CollectClause::Necessary(self.text(t)), sp));
            }
            let span = self.item("collect", n);
            clauses.extend(self.allows(&c.allow, span).into_iter().map(|a| (ast::CollectClause::Allow(a), span)));
            items.push(ast::Item::Collect(ast::CollectRule { data: self.idents(&c.data), clauses, span }));
        }
        for (n, r) in p.independent.iter().enumerate() {
            let mut clauses = vec![(ast::CollectClause::From(self.ident(&r.source)), sp)];
            if let Some(w) = &r.when {
                clauses.push((ast::CollectClause::When(self.cond(w)), sp));
            }
            clauses.push((ast::CollectClause::For(self.idents(&r.purposes)), sp));
            clauses.push((ast::CollectClause::Keep(self.keep(&r.keep, r.aggregated)), sp));
            clauses.push((ast::CollectClause::Link(self.link(&r.link)), sp));
            if !r.regions.is_empty() {
                clauses.push((ast::CollectClause::Region(self.idents(&r.regions)), sp));
            }
            if let Some(t) = &r.necessary {
                clauses.push((ast::CollectClause::Necessary(self.text(t)), sp));
            }
            let span = self.item("independent", n);
            clauses.extend(self.allows(&r.allow, span).into_iter().map(|a| (ast::CollectClause::Allow(a), span)));
            items.push(ast::Item::Collect(ast::CollectRule { data: self.idents(&r.data), clauses, span }));
        }
        for (n, r) in p.on_device.iter().enumerate() {
            let mut clauses = vec![(ast::CollectClause::On(self.idents(&r.sites)), sp)];
            if let Some(w) = &r.when {
                clauses.push((ast::CollectClause::When(self.cond(w)), sp));
            }
            clauses.push((ast::CollectClause::For(self.idents(&r.purposes)), sp));
            if !r.regions.is_empty() {
                clauses.push((ast::CollectClause::Region(self.idents(&r.regions)), sp));
            }
            clauses.push((ast::CollectClause::OnDevice, sp));
            let span = self.item("on_device", n);
            items.push(ast::Item::Process(ast::CollectRule { data: self.idents(&r.data), clauses, span }));
        }
        for (n, i) in p.incentives.iter().enumerate() {
            let mut clauses = Vec::new();
            if !i.regions.is_empty() {
                clauses.push((ast::IncentiveClause::Region(self.idents(&i.regions)), sp));
            }
            clauses.push((ast::IncentiveClause::Summary(self.text(&i.summary)), sp));
            clauses.push((ast::IncentiveClause::Exchange(self.idents(&i.data)), sp));
            clauses.push((ast::IncentiveClause::Value(self.text(&i.value)), sp));
            clauses.push((ast::IncentiveClause::Method(self.text(&i.method)), sp));
            if let Some(t) = &i.opt_in {
                clauses.push((ast::IncentiveClause::OptIn(self.text(t)), sp));
            }
            if let Some(t) = &i.withdraw {
                clauses.push((ast::IncentiveClause::Withdraw(self.text(t)), sp));
            }
            if i.reward_stays {
                clauses.push((ast::IncentiveClause::RewardStays, sp));
            }
            let span = self.item("incentives", n);
            items.push(ast::Item::Incentive(ast::IncentiveDecl { name: self.ident(&i.name), clauses, span }));
        }
        for (n, e) in p.expects.iter().enumerate() {
            let settings = e
                .with
                .iter()
                .map(|s| match s.strip_prefix("not ") {
                    Some(n) => ast::Setting { name: self.ident(n.trim()), on: false },
                    None => ast::Setting { name: self.ident(s.trim()), on: true },
                })
                .collect();
            let mut outcomes = Vec::new();
            if let Some(c) = &e.collects {
                outcomes.push(ast::ExpectOutcome::Collects(self.idents(c), sp));
            }
            if let Some(l) = &e.links {
                outcomes.push(ast::ExpectOutcome::Links(self.idents(l), sp));
            }
            for u in &e.uses {
                outcomes.push(ast::ExpectOutcome::Uses(self.idents(&u.data), self.idents(&u.purposes), sp));
            }
            for k in &e.keeps {
                outcomes.push(ast::ExpectOutcome::Keeps(self.idents(&k.data), self.retention(&k.keep, sp), sp));
            }
            for s in &e.shares {
                outcomes.push(ast::ExpectOutcome::Shares(self.idents(&s.data), self.idents(&s.with), sp));
            }
            let span = self.item("expects", n);
            items.push(ast::Item::Expect(ast::ExpectDecl {
                url: e.url.clone().map(|u| (u, span)),
                from: e.from.as_ref().map(|f| self.ident(f)),
                event: e.event.as_ref().map(|ev| self.ident(ev)),
                settings,
                region: e.region.as_ref().map(|r| vec![self.ident(r)]),
                outcomes,
                span,
            }));
        }
        for st in &p.store {
            items.push(ast::Item::Store(ast::StoreDecl {
                kind: self.ident(st.kind.name()),
                names: self.idents(&st.names),
                span: sp,
            }));
        }
        ast::File { items }
    }
}

// Reading conditions and links from their text form. The IR declares these types and writes them as text
// (`Display`); reading them back needs the condition parser and the checker's lowering, which sit above the IR,
// so the impls live here, with the one reader of the data form.

impl<'de> serde::Deserialize<'de> for ir::Cond {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        crate::parser::parse_cond(Default::default(), &text)
            .map(|c| crate::check::lower_cond(&c))
            .map_err(|e| serde::de::Error::custom(format!("condition `{text}`: {}", e.message)))
    }
}

impl<'de> serde::Deserialize<'de> for ir::Link {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        match text.trim() {
            "never" => Ok(ir::Link::Never),
            "always" => Ok(ir::Link::Always),
            "not stated" => Ok(ir::Link::NotStated),
            other => match other.strip_prefix("when ") {
                Some(cond) => crate::parser::parse_cond(Default::default(), cond)
                    .map(|c| ir::Link::When(crate::check::lower_cond(&c)))
                    .map_err(|e| serde::de::Error::custom(format!("link condition `{cond}`: {}", e.message))),
                None => Err(serde::de::Error::custom(format!(
                    "link `{other}` is not `never`, `always` or `when CONDITION`"
                ))),
            },
        }
    }
}
