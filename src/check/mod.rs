//! The oracle: judging answers against the spec tables. The main type is [`Oracle`]; a check
//! is a function from (row, case record, response) to a [`Verdict`] and never sends anything.
//! Every check of a run ends as a [`CheckResult`] (`result`).

pub(crate) mod oracle;
pub(crate) mod result;

pub use oracle::{
    CaseRecord, ExpectedValue, Mismatch, MismatchKind, MismatchKindError, Oracle, Outcome, Verdict,
};
pub use result::{Cause, CheckKind, CheckResult, Evidence, Exchange, RowVerdict, Summary};
