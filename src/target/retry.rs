//! The main type here is [`Retry`]: a layer around any [`Target`] that sends a request again
//! when the answer only says "not now": `429`, `502`, `503`, `504`, or a connection that could
//! not be opened. It waits with truncated exponential backoff and jitter, or as long as the
//! answer's `Retry-After` asks when that is within [`RetryPolicy::max_wait`]; a longer
//! `Retry-After` is not waited for (the answer is returned as it is). Every retry is counted in
//! a shared [`RetryCounts`].
//!
//! A `500` is never retried: it is an answer the checks judge (a bug in the target, or a
//! documented row). Neither is a status the check under way expects ([`Retry::except`]), nor
//! anything while the layer is paused ([`Retry::pause`], used while a failure shrinks).
//!
//! Not for: limiting the rate (see [`RateLimited`](super::RateLimited)) or stopping a run (see
//! [`Cutoff`](super::Cutoff)).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Request, Response, Target, TargetError};

/// The statuses that are retried: the target asks to come back later.
pub const RETRIED_STATUSES: [u16; 4] = [429, 502, 503, 504];

/// How often and how long [`Retry`] waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first try (so at most `attempts + 1` requests).
    pub attempts: u32,
    /// The first backoff ceiling; it doubles with every retry.
    pub base: Duration,
    /// The largest backoff ceiling.
    pub cap: Duration,
    /// The longest `Retry-After` honoured; an answer asking for more is not retried.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            max_wait: Duration::from_secs(10),
        }
    }
}

/// How many retries a run made, by cause, and how many answers asked for a longer wait than
/// the policy allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrySummary {
    /// Every retry sent.
    pub retries: u64,
    /// Retries by cause: a status (`"503"`) or `"connection"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub causes: BTreeMap<String, u64>,
    /// Answers not retried because their `Retry-After` exceeded the policy's `max_wait`.
    #[serde(default)]
    pub retry_after_too_long: u64,
}

/// The retry counter shared by the [`Retry`] layers of one run.
#[derive(Debug, Default)]
pub struct RetryCounts {
    summary: Mutex<RetrySummary>,
}

impl RetryCounts {
    fn update(&self, f: impl FnOnce(&mut RetrySummary)) {
        // A poisoned counter is still a counter.
        let mut s = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
    }

    /// The counts so far.
    pub fn summary(&self) -> RetrySummary {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A target that retries "not now" answers of `inner` (see the module documentation).
///
/// # Example
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use confuzz::target::{FnTarget, Request, Response, Retry, RetryPolicy, Target};
///
/// let calls = AtomicUsize::new(0);
/// let flaky = FnTarget::new("flaky", |_: &Request| {
///     let n = calls.fetch_add(1, Ordering::SeqCst);
///     Response::empty(if n == 0 { 503 } else { 200 })
/// });
/// let policy = RetryPolicy { base: Duration::from_millis(1), ..RetryPolicy::default() };
/// let target = Retry::new(flaky, policy);
/// assert_eq!(target.send(&Request::new("GET", "/"))?.status, 200);
/// assert_eq!(target.counts().summary().retries, 1);
/// # Ok::<(), confuzz::TargetError>(())
/// ```
pub struct Retry<T> {
    inner: T,
    policy: RetryPolicy,
    except: Vec<u16>,
    until: Option<Instant>,
    counts: Arc<RetryCounts>,
    paused: AtomicBool,
}

impl<T: Target> Retry<T> {
    /// Retries the answers of `inner` under `policy`, counting in a counter of its own.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Retry {
            inner,
            policy,
            except: Vec::new(),
            until: None,
            counts: Arc::default(),
            paused: AtomicBool::new(false),
        }
    }

    /// Never retries these statuses: the check under way expects them.
    pub fn except(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.except.extend(statuses);
        self
    }

    /// Never waits past `deadline` (a retry that would is not made).
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.until = deadline;
        self
    }

    /// Counts retries in `counts` (shared by every layer of a run).
    pub fn counting(mut self, counts: Arc<RetryCounts>) -> Self {
        self.counts = counts;
        self
    }

    /// The counter retries are counted in.
    pub fn counts(&self) -> &RetryCounts {
        &self.counts
    }

    /// While paused, nothing is retried (a failure being shrunk must see the target's own
    /// answers, and must not multiply the requests of every candidate).
    pub fn pause(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    /// The backoff before retry number `attempt` (from 0): a deterministic jitter below a
    /// ceiling that doubles from `base` up to `cap`.
    fn backoff(&self, request: &Request, attempt: u32) -> Duration {
        let ceiling = self
            .policy
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.policy.cap);
        let millis = u64::try_from(ceiling.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut h: u64 = 0xcbf29ce484222325;
        for b in request
            .path
            .bytes()
            .chain(request.body.iter().copied())
            .chain(attempt.to_le_bytes())
        {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        Duration::from_millis(h % millis)
    }
}

/// The wait a `Retry-After` header asks for: delta-seconds or an HTTP date. `None` without a
/// readable one.
pub fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

impl<T: Target> Target for Retry<T> {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        // Bounded: every turn either returns or counts one more attempt.
        let mut attempt = 0;
        loop {
            let outcome = self.inner.send(request);
            let cause = match &outcome {
                Ok(r)
                    if RETRIED_STATUSES.contains(&r.status) && !self.except.contains(&r.status) =>
                {
                    r.status.to_string()
                }
                Err(TargetError::Unreachable { .. }) => "connection".to_string(),
                _ => return outcome,
            };
            if self.paused.load(Ordering::Relaxed) || attempt >= self.policy.attempts {
                return outcome;
            }
            let wait = match outcome.as_ref().ok().and_then(retry_after) {
                Some(asked) if asked > self.policy.max_wait => {
                    self.counts.update(|s| s.retry_after_too_long += 1);
                    return outcome;
                }
                Some(asked) => asked,
                None => self.backoff(request, attempt),
            };
            if self.until.is_some_and(|d| Instant::now() + wait >= d) {
                return outcome;
            }
            self.counts.update(|s| {
                s.retries += 1;
                *s.causes.entry(cause).or_default() += 1;
            });
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::target::FnTarget;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            max_wait: Duration::from_millis(50),
        }
    }

    fn always(
        status: u16,
        calls: &AtomicUsize,
    ) -> impl Fn(&Request) -> Response + Send + Sync + '_ {
        move |_: &Request| {
            calls.fetch_add(1, Ordering::SeqCst);
            Response::empty(status)
        }
    }

    #[test]
    fn only_not_now_statuses_are_retried() {
        for (status, sent) in [(429, 4), (502, 4), (503, 4), (504, 4), (500, 1), (404, 1)] {
            let calls = AtomicUsize::new(0);
            let target = Retry::new(FnTarget::new("t", always(status, &calls)), quick());
            assert_eq!(
                target.send(&Request::new("GET", "/")).unwrap().status,
                status
            );
            assert_eq!(calls.load(Ordering::SeqCst), sent, "status {status}");
            assert_eq!(target.counts().summary().retries, sent as u64 - 1);
        }
    }

    #[test]
    fn expected_statuses_and_a_paused_layer_are_not_retried() {
        let calls = AtomicUsize::new(0);
        let target = Retry::new(FnTarget::new("t", always(503, &calls)), quick()).except([503]);
        target.send(&Request::new("GET", "/")).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicUsize::new(0);
        let target = Retry::new(FnTarget::new("t", always(429, &calls)), quick());
        target.pause(true);
        target.send(&Request::new("GET", "/")).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_long_retry_after_is_not_waited_for() {
        let calls = AtomicUsize::new(0);
        let target = Retry::new(
            FnTarget::new("t", |_: &Request| {
                calls.fetch_add(1, Ordering::SeqCst);
                Response::empty(429).with_header("Retry-After", "999999")
            }),
            quick(),
        );
        assert_eq!(target.send(&Request::new("GET", "/")).unwrap().status, 429);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let s = target.counts().summary();
        assert_eq!((s.retries, s.retry_after_too_long), (0, 1));
    }

    #[test]
    fn a_short_retry_after_is_honoured_and_counted_by_cause() {
        let calls = AtomicUsize::new(0);
        let target = Retry::new(
            FnTarget::new("t", |_: &Request| {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    Response::empty(503).with_header("Retry-After", "0")
                } else {
                    Response::empty(200)
                }
            }),
            quick(),
        );
        assert_eq!(target.send(&Request::new("GET", "/")).unwrap().status, 200);
        let s = target.counts().summary();
        assert_eq!(s.retries, 1);
        assert_eq!(s.causes.get("503"), Some(&1));
    }

    #[test]
    fn connection_errors_are_retried_other_transport_errors_are_not() {
        struct Failing<'a>(&'a AtomicUsize, TargetError);
        impl Target for Failing<'_> {
            fn send(&self, _: &Request) -> Result<Response, TargetError> {
                self.0.fetch_add(1, Ordering::SeqCst);
                Err(self.1.clone())
            }
            fn describe(&self) -> String {
                "failing".into()
            }
        }
        let unreachable = TargetError::Unreachable {
            url: "u".into(),
            reason: "refused".into(),
        };
        let timeout = TargetError::Timeout {
            url: "u".into(),
            millis: 1,
        };
        for (error, sent) in [(unreachable, 4), (timeout, 1)] {
            let calls = AtomicUsize::new(0);
            let target = Retry::new(Failing(&calls, error), quick());
            assert!(target.send(&Request::new("GET", "/")).is_err());
            assert_eq!(calls.load(Ordering::SeqCst), sent);
        }
    }

    #[test]
    fn no_retry_waits_past_the_deadline() {
        let calls = AtomicUsize::new(0);
        let policy = RetryPolicy {
            max_wait: Duration::from_secs(60),
            ..quick()
        };
        // The answer asks for 5 s, within the policy, but the deadline is 10 ms away.
        let target = Retry::new(
            FnTarget::new("t", |_: &Request| {
                calls.fetch_add(1, Ordering::SeqCst);
                Response::empty(503).with_header("Retry-After", "5")
            }),
            policy,
        )
        .until(Some(Instant::now() + Duration::from_millis(10)));
        assert_eq!(target.send(&Request::new("GET", "/")).unwrap().status, 503);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(target.counts().summary().retries, 0);
    }
}
