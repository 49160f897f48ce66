//! `store` lines: each type must be one of the store vocabulary's, each name a data item (for a data type) or
//! a purpose (for a use); and once a policy maps any data item, every collected one must be mapped, so that
//! `policyc store` can never leave a collected item out of a store declaration.

// The checker's state, its shared helpers and the imports every pass needs.
use super::*;

impl Checker<'_> {
    pub(super) fn store(&mut self, d: &ast::StoreDecl) -> Option<ir::StoreDecl> {
        let Some(kind) = ir::StoreType::from_name(&d.kind.name) else {
            let (data, uses): (Vec<_>, Vec<_>) = ir::StoreType::ALL.iter().partition(|t| !t.is_use());
            let names = |ts: Vec<&ir::StoreType>| ts.iter().map(|t| t.name().to_string()).collect::<Vec<_>>();
            let mut help = format!(
                "data types are {}; uses (for purposes) are {}",
                list_words(&names(data)),
                list_words(&names(uses))
            );
            if let Some(best) = did_you_mean(&d.kind.name, ir::StoreType::ALL.iter().map(|t| t.name())) {
                help = format!("did you mean `{best}`? {help}");
            }
            self.emit(
                Diagnostic::new(
                    Code::UnknownStoreType,
                    d.kind.span,
                    format!("`{}` is not a store data type or use", d.kind.name),
                )
                .with_label("unknown store type")
                .with_help(help),
            );
            return None;
        };
        let want = if kind.is_use() { Kind::Purpose } else { Kind::Data };
        let mut ok = true;
        for name in &d.names {
            // A `store` line describes a declaration; it does not count as using it, so the unused-declaration
            // lint still sees a data item that is mapped but never collected.
            let found = self.symbols.get(&(want.namespace(), name.name.clone())).is_some_and(|(k, _)| *k == want);
            if !found {
                let context = format!("store {} `{}`", if kind.is_use() { "use" } else { "data type" }, kind.name());
                self.resolve(name, want, Code::Undefined, &context);
                ok = false;
            }
        }
        ok.then(|| ir::StoreDecl { kind, names: d.names.iter().map(|n| n.name.clone()).collect() })
    }

    /// With any `store` line for data, every data item that a collect rule collects needs a data type.
    pub(super) fn store_coverage(&mut self, file: &ast::File, store: &[ir::StoreDecl]) {
        let mapped: HashSet<&str> =
            store.iter().filter(|s| !s.kind.is_use()).flat_map(|s| s.names.iter().map(String::as_str)).collect();
        if mapped.is_empty() {
            return;
        }
        let mut reported = HashSet::new();
        for item in &file.items {
            let ast::Item::Collect(rule) = item else { continue };
            for data in &rule.data {
                if mapped.contains(data.name.as_str()) || !reported.insert(data.name.clone()) {
                    continue;
                }
                // A name that is not a declared data item is already E0002 with a suggestion; a store error for
                // it as well would only repeat the typo.
                let Some(declared) = self.symbols.get(&(Kind::Data.namespace(), data.name.clone())).map(|(_, s)| *s)
                else {
                    continue;
                };
                let d = Diagnostic::new(
                    Code::UnmappedStoreData,
                    data.span,
                    format!("data item `{}` is collected but has no store data type", data.name),
                )
                .with_label("collected here")
                .with_help(format!(
                    "say what it is for the extension stores' declarations, such as `store browsing_activity for {}`",
                    data.name
                ))
                .with_secondary(declared, "declared here");
                self.emit(d);
            }
        }
    }
}
