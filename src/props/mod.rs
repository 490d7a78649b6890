//! Cross-request properties: what a single request cannot show. Each property is a named check
//! over several requests (an order of checks, uniqueness under concurrency, state after a
//! rejected or deleted record, limits, random sequences against a model), driven by what the
//! specs declare, and reported beside the rows as a [`PropertyResult`].
//!
//! Not for: single-row checks (see `run::runner`), or judging one answer (see `check`).

use serde::{Deserialize, Serialize};

use crate::run::RowVerdict;

/// The outcome of one property check (one property applied to one declared subject, such as
/// one uniqueness key or one limit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyResult {
    /// `<vendor>.<property>.<subject>`, e.g. `acme.unique.users-email`: stable, for filters and
    /// reports.
    pub id: String,
    /// The property's name (`precedence`, `nothing-lost`, `unique`, `after-delete`, `limit`,
    /// `stateful`).
    pub property: String,
    pub vendor: String,
    /// One line saying what was checked.
    pub title: String,
    pub verdict: RowVerdict,
    /// Requests sent for this check.
    pub requests: u32,
    /// One line: why it failed, warned or was untested.
    pub reason: Option<String>,
    /// What was observed that is worth knowing even when it passed (e.g. which row a target
    /// chose where the spec declares no order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// On failure: the (minimal) request sequence, as numbered reproducer lines, with what
    /// was expected and what came back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}
pub mod stateful;
