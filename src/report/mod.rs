//! Everything confuzz prints for people and machines: the spec catalog (`list`, `explain`,
//! `lint`) in [`catalog`]; run reports (console, JSON, JUnit, curl reproducers) in [`run`];
//! the mutation score in [`mutants`].

pub mod catalog;
#[cfg(feature = "reference")]
pub mod mutants;
pub mod run;
