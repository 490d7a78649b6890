//! The runner: cases, seeds, parallelism, shrinking. The main function is [`run`]; one case is
//! [`case::execute`].

pub mod case;
pub mod fixtures;
pub mod replay;
pub mod runner;

pub use runner::{
    case_prefix, prefix_for, run, Event, Evidence, PositiveResult, RetryPolicy, RowResult,
    RowVerdict, RunError, RunOptions, RunReport, Summary,
};
