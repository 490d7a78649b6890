//! The main type here is [`Harness`]: checking an implementation from a Rust test. It takes
//! what `confuzz run` takes on its command line (specs, a target, fixtures, cases, seed, row
//! filters) as builder calls, runs the engine, and returns a [`Report`] whose assertions panic
//! with the evidence: expected vs observed, the minimal request and a `curl` reproducer.
//! [`testing`] turns the same harness into one named test per row under `cargo test`, and
//! `assert_report_snapshot!` (feature `snapshot`) snapshots a report for `cargo insta review`.
//!
//! Not for: anything the engine decides. This module configures a run and presents its
//! results; generation, checks and shrinking are the pipeline's.

mod builder;
mod report;
#[cfg(feature = "snapshot")]
mod snapshot;
pub mod testing;

pub use builder::{Harness, HarnessError};
pub use report::Report;
