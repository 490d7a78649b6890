//! The runner: cases, seeds, parallelism, shrinking. The main function is [`run`], configured
//! by [`RunOptions`], reporting as it goes through [`Event`]s and at the end in a
//! [`RunReport`]. Fixtures files (`fixtures`) and saved failures (`replay`) are read here too;
//! the rest (one row's run, the pools' plan, OAuth 1.0a detection, partitions) is internal.

pub mod fixtures;
pub(crate) mod partition;
pub(crate) mod pools;
pub mod replay;
mod row;
pub(crate) mod runner;
pub(crate) mod signing;

/// Why a case could not be completed (a saved failure's case rebuilt by
/// [`replay::replay`], [`replay::ReplayError::Case`]).
pub use crate::exec::case::CaseError;
pub use partition::{merge, MergeError, Partition, RunSettings};
pub use pools::{PoolTooSmall, FEWER_CASES};
pub use runner::{
    prefix_for, run, CheckKind, CheckResult, Event, Evidence, RetryPolicy, RowVerdict, RunError,
    RunOptions, RunOutcome, RunReport, Summary,
};

/// The cross-request properties a run checks after the rows, in report order: each one's
/// name (as [`RunOptions::properties`] and `--properties` select it) and a one-line summary.
pub fn properties() -> Vec<(&'static str, &'static str)> {
    crate::props::all()
        .into_iter()
        .map(|p| (p.name, p.summary))
        .collect()
}
