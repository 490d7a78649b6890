//! The oracle: judging answers against the spec tables. The main type is [`Oracle`]; a check
//! is a function from (row, case record, response) to a [`Verdict`] and never sends anything.

pub mod oracle;

pub use oracle::{CaseRecord, Mismatch, MismatchKind, Oracle, Outcome, Verdict};
