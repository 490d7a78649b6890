//! Everything confuzz prints for people and machines: the spec catalog (`list`, `explain`,
//! `lint`) in [`catalog`]; run reports (console, JSON, JUnit, curl reproducers) in [`run`];
//! the mutation score in [`mutants`]; the fixtures the specs declare in [`fixtures`]; the
//! progress line of a run on a terminal in [`progress`].

pub mod catalog;
pub mod fixtures;
#[cfg(feature = "reference")]
pub mod mutants;
pub mod progress;
pub mod redact;
pub mod run;
