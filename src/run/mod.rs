//! The runner: cases, seeds, parallelism, shrinking. The main function is [`run`]; one case is
//! [`crate::exec::case::execute`].

pub mod fixtures;
pub mod partition;
pub mod pools;
pub mod replay;
mod row;
pub mod runner;
pub mod signing;

pub use partition::{merge, Partition, RunSettings};
pub use runner::{
    case_prefix, prefix_for, run, CheckKind, CheckResult, Event, Evidence, RetryPolicy, RowVerdict,
    RunError, RunOptions, RunOutcome, RunReport, Summary,
};
