//! The runner: cases, seeds, parallelism, shrinking. The main function is [`run`]; one case is
//! [`case::execute`]; the mutation score of the checks is [`mutants::score`].

pub mod case;
pub mod fixtures;
pub mod mutants;
pub mod replay;
pub mod runner;
pub mod signing;

pub use mutants::{score, MutationOptions, MutationReport};
pub use runner::{
    case_prefix, prefix_for, run, Event, Evidence, PositiveResult, RetryPolicy, RowResult,
    RowVerdict, RunError, RunOptions, RunReport, Summary,
};
