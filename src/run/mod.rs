//! The runner: cases, seeds, parallelism, shrinking. The main function is [`run`]; one case is
//! [`case::execute`]; the mutation score of the checks is [`mutants::score`].

pub mod case;
pub mod fixtures;
#[cfg(feature = "reference")]
pub mod mutants;
pub mod pools;
pub mod replay;
pub mod runner;
pub mod signing;

#[cfg(feature = "reference")]
pub use mutants::{score, MutationOptions, MutationReport};
pub use runner::{
    case_prefix, prefix_for, run, CheckKind, CheckResult, Event, Evidence, RetryPolicy, RowVerdict,
    RunError, RunOptions, RunOutcome, RunReport, Summary,
};
