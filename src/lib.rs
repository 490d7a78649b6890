//! confuzz: a property-based conformance fuzz harness.
//!
//! Vendors publish tables of the errors their APIs return. confuzz turns those tables into
//! executable specs (`specs/`), generates valid and mutated requests for every documented
//! endpoint, sends them to a [`Target`], checks each answer against the table, shrinks
//! failures to a minimal request and reports.

pub mod generate;
pub mod reference;
pub mod spec;
pub mod target;

pub use spec::{SpecSet, VendorSpec};
pub use target::{FnTarget, Request, Response, Target, TargetError};
