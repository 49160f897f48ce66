//! The matcher, compiler side: [`compile`] turns a checked [`ir::Policy`](crate::ir::Policy) into artifact
//! bytes. Loading and deciding live in the runtime crate, `policyc-runtime`, re-exported here so that
//! `policyc::matcher::Matcher` names the one type every component uses.
//!
//! ```
//! use policyc::matcher::{compile, Matcher};
//! # let text = r#"
//! # policy demo { name "Demo" controller "Demo Inc." contact "privacy@demo.test" version "1" languages en }
//! # signal signed_in "you are signed in"
//! # data page_url "the page address"
//! # purpose stats basis consent "counting visits"
//! # sites shops "shops" { shop.example }
//! # collect page_url on shops for stats keep 30 days link to account when signed_in
//! # "#;
//! # let policy = policyc::check_source("demo.policy", text, &mut policyc::NoLists, Default::default())
//! #     .checked.policy.unwrap();
//! // At build time: compile the checked policy and ship the bytes.
//! let bytes = compile::compile(&policy, &compile::Limits::default()).unwrap();
//!
//! // At run time (usually in another program, through `policyc-runtime` alone): load once, decide per URL.
//! let matcher = Matcher::from_bytes(&bytes).expect("a valid artifact");
//! let mut cx = matcher.context();
//! matcher.set(&mut cx, "signed_in", true).unwrap();
//! let d = matcher.decide("https://www.shop.example/cart", &cx);
//! assert_eq!(matcher.data_names(d.collect).collect::<Vec<_>>(), ["page_url"]);
//! assert_eq!(matcher.data_names(d.linked).collect::<Vec<_>>(), ["page_url"]);
//! ```

pub mod compile;

pub use policyc_runtime::matcher::*;
pub use policyc_runtime::{artifact, cond, index};
