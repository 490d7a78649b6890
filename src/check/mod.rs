//! The oracle: judging answers against the spec tables. The main type is [`Oracle`]; a check
//! is a function from (row, case record, response) to a [`Verdict`] and never sends anything.
//! Every check of a run ends as a [`CheckResult`] (`result`).

pub mod oracle;
pub mod result;

pub use oracle::{CaseRecord, Mismatch, MismatchKind, Oracle, Outcome, Verdict};
pub use result::{CheckKind, CheckResult};
