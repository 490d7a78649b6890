//! The main type here is the [`Target`] trait: the one seam between the engine and whatever
//! answers its requests. The embedded reference, a plain closure, a `tower::Service` and a
//! remote URL (`HttpTarget`, with the `http` feature) are implementations of it; nothing
//! upstream knows which one it talks to. Transport policy is layers around any of them:
//! [`RateLimited`] caps the rate, [`Retry`] retries "not now" answers, [`Cutoff`] stops a run at
//! its deadline or on a signal.
//!
//! Not for: judging answers (that is `check`) or deciding what to send (that is `generate`).

mod clock;
mod cutoff;
mod hooks;
#[cfg(feature = "http")]
mod http;
mod message;
mod rate;
mod retry;
#[cfg(feature = "http")]
pub(crate) mod runtime;
#[cfg(feature = "http")]
mod tower;
#[cfg(feature = "http")]
pub(crate) mod wire;

#[cfg(feature = "http")]
pub use self::http::{HttpTarget, HttpTargetError};
#[cfg(feature = "http")]
pub use self::tower::TowerTarget;
pub use clock::Clock;
pub use cutoff::{Cutoff, StopHandle};
pub use hooks::{CAPABILITIES_PATH, FAULT_HEADER, MAX_BODY_BYTES};
pub use message::{decode_form, encode_form, path_and_query, percent_encode, Request, Response};
pub use rate::RateLimited;
pub use retry::{retry_after, Retry, RetryCounts, RetryPolicy, RetrySummary, RETRIED_STATUSES};

use std::fmt;

/// Why a target could not answer at all (as opposed to answering with an error status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The target could not be reached (connection refused, DNS, ...).
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The target did not answer within the per-request timeout.
    #[error("no answer within {millis} ms (from {url})")]
    Timeout { url: String, millis: u64 },
    /// Anything else the transport reports (an answer that is not HTTP, cut short, too large).
    #[error("{reason} (from {url})")]
    Transport { url: String, reason: String },
    /// The harness could not put the request on the wire (a value no HTTP request can carry):
    /// the harness's own inability, not the target's.
    #[error("cannot send the request to {url}: {reason}")]
    Unsendable { url: String, reason: String },
    /// The run was stopped (its deadline passed, or it was interrupted) before this request.
    #[error("not sent: {reason}")]
    Stopped { reason: String },
}

impl TargetError {
    /// Whether the target failed to give a usable answer (it timed out, or what came back was
    /// not a whole HTTP answer): the check that sent the request fails. Unreachable targets,
    /// unsendable requests and stopped runs are not the check's verdict.
    pub fn is_no_usable_answer(&self) -> bool {
        matches!(
            self,
            TargetError::Timeout { .. } | TargetError::Transport { .. }
        )
    }
}

/// Something that answers requests.
///
/// Implementations must be usable from several threads at once: the runner sends requests
/// in parallel.
pub trait Target: Send + Sync {
    /// Sends one request and returns the answer.
    fn send(&self, request: &Request) -> Result<Response, TargetError>;

    /// A short human description for reports ("embedded reference", a URL, ...).
    fn describe(&self) -> String;
}

/// A target made of a plain function over the request/response values.
pub struct FnTarget<F> {
    name: String,
    f: F,
}

impl<F> FnTarget<F>
where
    F: Fn(&Request) -> Response + Send + Sync,
{
    /// Wraps `f`; `name` appears in reports.
    pub fn new(name: impl Into<String>, f: F) -> Self {
        FnTarget {
            name: name.into(),
            f,
        }
    }
}

impl<F> Target for FnTarget<F>
where
    F: Fn(&Request) -> Response + Send + Sync,
{
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        Ok((self.f)(request))
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// A reference to a target is a target, so layers can wrap a borrowed one.
impl<T: Target + ?Sized> Target for &T {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        (**self).send(request)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl fmt::Debug for dyn Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({})", self.describe())
    }
}
