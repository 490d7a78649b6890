//! confuzz: a property-based conformance fuzz harness.
//!
//! Vendors publish tables of the errors their APIs return. confuzz turns those tables into
//! executable specs (`specs/`), generates valid and mutated requests for every documented
//! endpoint, sends them to a [`Target`], checks each answer against the table, shrinks
//! failures to a minimal request and reports.
//!
//! # Checking your implementation from `cargo test`
//!
//! | you want | use |
//! | --- | --- |
//! | the tables: the shipped ones or your own | [`SpecSet`] of [`Spec`]s, via [`Harness::embedded`] or [`Harness::from_path`] |
//! | to run them against your implementation | [`Harness`]: `.service(router)`, `.handler(fn)`, `.url(..)` or any [`Target`] |
//! | a test that fails with the evidence | [`Report::assert_conforms`] |
//! | one named test per row | [`testing::main`] in a `harness = false` test target |
//! | a snapshot for `cargo insta review` | `assert_report_snapshot!` (feature `snapshot`) |
//!
//! ```
//! use confuzz::{Harness, Request, Response};
//! use serde_json::json;
//!
//! // Your implementation: here a function that never looks at the token.
//! let service = |_: &Request| Response::json(200, &json!({"data": {}}));
//! let report = Harness::embedded()
//!     .vendor("clever")
//!     .rows(["clever.auth"])
//!     .valid_requests(false)
//!     .handler(service)
//!     .fixtures(json!({"clever.token": "district-token", "clever.section_id": "5f1b2c3d4e5f6a7b8c9d0e1f"}))
//!     .cases(4)
//!     .run()?;
//! let failures = std::panic::catch_unwind(|| report.assert_conforms()).unwrap_err();
//! let text = failures.downcast_ref::<String>().unwrap();
//! assert!(text.contains("--- clever.auth.no-token (failed)"), "{text}");
//! assert!(text.contains("status: expected \"401\", observed \"200\""), "{text}");
//! # Ok::<(), confuzz::HarnessError>(())
//! ```
//!
//! # Features
//!
//! - `http` (default): [`TowerTarget`] (`Harness::service`), [`HttpTarget`] (`Harness::url`)
//!   and `confuzz serve`. Everything else builds without it.
//! - `reference` (default): the embedded implementations of the shipped vendors
//!   ([`reference`](mod@reference), `Harness::reference`, the mutation score, the fuzz targets'
//!   bodies, the `confuzz` binary). A crate that checks its own service can leave them out:
//!   `confuzz = { version = "..", default-features = false, features = ["http"] }`.
//! - `snapshot`: `assert_report_snapshot!`, over insta.
//!
//! [`testing`] (libtest-mimic) needs no feature.
//!
//! # The pipeline
//!
//! For tools built on the engine rather than tests (the `confuzz` command line is one), the
//! public stages are [`spec`] (load and lint the tables) → [`target`] (where requests go) →
//! [`check`] (the oracle and the result of a check) → [`run`] ([`run::run`] with
//! [`run::RunOptions`], saved failures, split runs) → [`report`] (console, JSON, JUnit), with
//! [`certify`], the embedded [`reference`](mod@reference) implementations, [`serve`] and
//! [`auth`] (OAuth 1.0a) beside them. Generation, case execution and the cross-request
//! properties are internal: a run reaches them through [`run::RunOptions`]
//! (`properties`, [`run::properties`] names them). `docs/ARCHITECTURE.md` walks through them.

/// The setters of an options struct that is `#[non_exhaustive]` (so that crates outside
/// confuzz can build one from its `Default`): one `pub fn name(mut self, value) -> Self` per
/// line, `name: T;` taking a `T`, `name: into T;` anything `Into<T>`, `name: some T;` anything
/// `Into<T>` stored as `Some`, `name: names;` and `name: some names;` any iterator of
/// string-likes, `name: pairs V;` any iterator of (string-like, `V`) pairs.
macro_rules! setters {
    () => {};
    ($(#[$doc:meta])* $name:ident: into $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = value.into();
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* $name:ident: some names; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
            self.$name = Some(names.into_iter().map(Into::into).collect());
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* $name:ident: some $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = Some(value.into());
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* $name:ident: names; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
            self.$name = names.into_iter().map(Into::into).collect();
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* $name:ident: pairs $value:ty; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name<S: Into<String>>(mut self, pairs: impl IntoIterator<Item = (S, $value)>) -> Self {
            self.$name = pairs.into_iter().map(|(k, v)| (k.into(), v)).collect();
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* $name:ident: $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }
        setters!($($rest)*);
    };
}

pub mod auth;
pub mod certify;
pub mod check;
pub(crate) mod exec;
#[cfg(feature = "reference")]
pub mod fuzzing;
pub(crate) mod generate;
mod harness;
#[cfg(feature = "reference")]
pub mod mutants;
pub(crate) mod props;
#[cfg(feature = "reference")]
pub mod reference;
pub mod report;
pub mod run;
#[cfg(feature = "http")]
pub mod serve;
pub mod spec;
pub mod target;

pub use harness::testing;
pub use harness::{Harness, HarnessError, Report};
pub use spec::{SpecSet, VendorSpec, VendorSpec as Spec};
pub use target::{FnTarget, Request, Response, Target, TargetError};
#[cfg(feature = "http")]
pub use target::{HttpTarget, TowerTarget};

/// What the exported macros reach for in the caller's crate; not a public API.
#[doc(hidden)]
#[cfg(feature = "snapshot")]
pub mod __private {
    pub use insta;
}
