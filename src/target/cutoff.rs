//! The main type here is [`Cutoff`]: a layer around any [`Target`] that stops sending once a
//! run must end, because its deadline passed (`--max-duration`) or someone asked it to stop
//! (a signal) through a [`StopHandle`]. A request after that is not sent: it fails with
//! [`TargetError::Stopped`], which the runner turns into "not finished" for the check under
//! way and the end of the run, with a report of what it has.
//!
//! Not for: retries or rates (see [`Retry`](super::Retry), [`RateLimited`](super::RateLimited)).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Request, Response, Target, TargetError};

#[derive(Debug, Default)]
struct Stop {
    stopped: AtomicBool,
    reason: Mutex<Option<String>>,
}

/// Asks a run to stop: cheap to clone, and every clone stops the same run.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<Stop>);

impl StopHandle {
    /// A handle nobody has stopped yet.
    pub fn new() -> Self {
        StopHandle::default()
    }

    /// Stops the run for `reason` (the first reason given is kept).
    pub fn stop(&self, reason: impl Into<String>) {
        let mut slot = self.0.reason.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| reason.into());
        self.0.stopped.store(true, Ordering::SeqCst);
    }

    /// Whether the run was asked to stop.
    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// Why the run stopped, once it did.
    pub fn reason(&self) -> Option<String> {
        if !self.is_stopped() {
            return None;
        }
        self.0
            .reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A target that sends nothing once `stop` is stopped or `deadline` has passed (which stops
/// `stop`, so every layer and thread of the run sees it).
///
/// # Example
///
/// ```
/// use confuzz::target::{Cutoff, FnTarget, Request, Response, StopHandle, Target};
///
/// let stop = StopHandle::new();
/// let target = Cutoff::new(FnTarget::new("ok", |_: &Request| Response::empty(200)), stop.clone());
/// assert!(target.send(&Request::new("GET", "/")).is_ok());
/// stop.stop("interrupted");
/// assert!(target.send(&Request::new("GET", "/")).is_err());
/// ```
pub struct Cutoff<T> {
    inner: T,
    stop: StopHandle,
    deadline: Option<(Instant, String)>,
}

impl<T: Target> Cutoff<T> {
    /// Sends to `inner` until `stop` is stopped.
    pub fn new(inner: T, stop: StopHandle) -> Self {
        Cutoff {
            inner,
            stop,
            deadline: None,
        }
    }

    /// Also stops at `deadline`, for `reason`.
    pub fn deadline(mut self, deadline: Instant, reason: impl Into<String>) -> Self {
        self.deadline = Some((deadline, reason.into()));
        self
    }

    /// The handle this layer obeys.
    pub fn handle(&self) -> &StopHandle {
        &self.stop
    }

    /// Stops the run if its deadline has passed; whether it is stopped.
    pub fn check(&self) -> bool {
        if let Some((deadline, reason)) = &self.deadline {
            if Instant::now() >= *deadline {
                self.stop.stop(reason.clone());
            }
        }
        self.stop.is_stopped()
    }
}

impl<T: Target> Target for Cutoff<T> {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        if self.check() {
            return Err(TargetError::Stopped {
                reason: self.stop.reason().unwrap_or_else(|| "stopped".into()),
            });
        }
        self.inner.send(request)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::target::FnTarget;

    #[test]
    fn a_passed_deadline_stops_every_holder_of_the_handle() {
        let stop = StopHandle::new();
        let target = Cutoff::new(
            FnTarget::new("ok", |_: &Request| Response::empty(200)),
            stop.clone(),
        )
        .deadline(
            Instant::now() - Duration::from_millis(1),
            "max duration 0 s",
        );
        let err = target.send(&Request::new("GET", "/")).unwrap_err();
        assert!(matches!(err, TargetError::Stopped { .. }), "{err}");
        assert!(stop.is_stopped());
        assert_eq!(stop.reason().as_deref(), Some("max duration 0 s"));
        stop.stop("a later reason");
        assert_eq!(stop.reason().as_deref(), Some("max duration 0 s"));
    }
}
