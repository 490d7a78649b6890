//! Generation of valid requests from the spec's JSON Schemas.
//!
//! The main function here is [`generate`]: a value valid against a schema (with the spec's
//! generation keywords, see `docs/spec-format.md`), drawn from a [`Choices`] sequence so that
//! shrinking the sequence shrinks the value. [`apply_rules`] then makes a generated body obey
//! its endpoint's cross-field rules; `rules::generate_body` does both (for the tests).
//!
//! Generation is pure given the choices and the [`GenContext`], with two deliberate exceptions
//! that are run state: `x-pool` elements ([`Pool`]) and `x-unique` tokens ([`UniqueCounter`]).
//!
//! Not for: mutations bound to error rows, setup sequences, sending or judging (later stages).

mod charset;
pub mod choice;
pub mod context;
pub mod draft;
pub mod error;
pub mod format;
mod pattern;
pub mod pools;
pub mod rules;
mod token;
pub mod value;

#[cfg(test)]
pub use choice::choices_strategy;
pub use choice::Choices;
pub use context::{GenContext, Ledger, Pool, UniqueCounter};
pub use error::GenError;
pub use rules::apply_rules;
pub use value::generate;

#[cfg(test)]
mod testing;
