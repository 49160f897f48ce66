//! Parse and check arbitrary text, as a policy and as YAML: never a panic, and every diagnostic in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in ["fuzz.policy", "fuzz.yaml"] {
        let out = policyc::check_source(name, text, &mut policyc::NoLists, Default::default());
        for d in &out.checked.diagnostics {
            let file = out.sources.get(d.span.file);
            assert!(d.span.start <= d.span.end && d.span.end <= file.text.len());
            assert!(file.text.is_char_boundary(d.span.start) && file.text.is_char_boundary(d.span.end));
        }
        let _ = policyc::diagnostic::render_human(&out.checked.diagnostics, &out.sources, false);
        if let Some(policy) = &out.checked.policy {
            // A policy that checks must compile (or hit a stated limit) and render.
            let _ = policyc::matcher::compile::compile(policy, &Default::default());
            for lang in &policy.languages {
                let _ = policyc::disclose::build(policy, lang, None);
            }
        }
    }
});
