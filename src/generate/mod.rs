//! Generation of valid requests from the spec's JSON Schemas.
//!
//! Generators draw every decision from a [`Choices`] sequence, so that shrinking the sequence
//! shrinks the generated request, and read fixtures, variables and run state from a
//! [`GenContext`].
//!
//! Not for: mutations bound to error rows, setup sequences, sending or judging (later stages).

mod charset;
pub mod choice;
pub mod context;
pub mod error;
pub mod format;
mod pattern;
mod token;

pub use choice::{choices_strategy, Choices, MAX_CHOICES};
pub use context::{GenContext, Pool, PoolError, UniqueCounter};
pub use error::GenError;
pub use format::{check_format, Format};
