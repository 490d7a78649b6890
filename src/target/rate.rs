//! The main type here is [`RateLimited`]: a decorator that lets at most a given number of
//! requests per second through to any [`Target`], counted across all threads that send.
//!
//! It is a token bucket in its "virtual scheduling" form (GCRA): each request reserves the
//! next free slot under a lock and then sleeps, outside the lock, until its slot comes. There
//! is no polling loop, callers are served in the order they reserved, and only `std` is used,
//! so it works for every target, with or without the `http` feature.
//!
//! Not for: reacting to a target's own `429` answers. Those are answers the checks judge.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Request, Response, Target, TargetError};

/// A target that sends at most `per_second` requests per second to `inner`, across threads.
///
/// With the default burst of 1 requests are spaced evenly: `n` requests take at least
/// `(n - 1) / per_second` seconds. A larger burst lets that many go at once after a quiet
/// period, while the long-run rate stays the same.
///
/// # Example
///
/// ```
/// use confuzz::target::{FnTarget, RateLimited, Request, Response, Target};
///
/// let target = RateLimited::new(FnTarget::new("ok", |_: &Request| Response::empty(200)), 100);
/// let started = std::time::Instant::now();
/// for _ in 0..5 {
///     target.send(&Request::new("GET", "/"))?;
/// }
/// assert!(started.elapsed() >= std::time::Duration::from_millis(40));
/// # Ok::<(), confuzz::TargetError>(())
/// ```
pub struct RateLimited<T> {
    inner: T,
    per_second: u32,
    burst: u32,
    /// Time between two requests at the steady rate.
    interval: Duration,
    /// The theoretical arrival time of the next request at the steady rate.
    next: Mutex<Option<Instant>>,
}

impl<T: Target> RateLimited<T> {
    /// Lets at most `per_second` requests per second through to `inner` (`0` counts as 1).
    pub fn new(inner: T, per_second: u32) -> Self {
        let per_second = per_second.max(1);
        RateLimited {
            inner,
            per_second,
            burst: 1,
            interval: Duration::from_secs(1) / per_second,
            next: Mutex::new(None),
        }
    }

    /// Lets up to `burst` requests through at once after a quiet period (`0` counts as 1).
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The wrapped target.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Reserves the next slot and returns how long to wait for it.
    fn reserve(&self) -> Duration {
        let now = Instant::now();
        // A poisoned lock only means another sender panicked between two lines that cannot
        // leave the schedule inconsistent; keep going with it.
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let due = match *next {
            Some(t) if t > now => t,
            _ => now,
        };
        *next = Some(due + self.interval);
        // A request may go up to `burst - 1` intervals before its theoretical time.
        let tolerance = self.interval * (self.burst - 1);
        due.saturating_duration_since(now).saturating_sub(tolerance)
    }
}

impl<T: Target> Target for RateLimited<T> {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let wait = self.reserve();
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        self.inner.send(request)
    }

    fn describe(&self) -> String {
        format!(
            "{} (at most {} requests/s)",
            self.inner.describe(),
            self.per_second
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::target::FnTarget;

    fn counting() -> (Arc<AtomicUsize>, FnTarget<impl Fn(&Request) -> Response>) {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        let target = FnTarget::new("counter", move |_: &Request| {
            seen.fetch_add(1, Ordering::SeqCst);
            Response::empty(200)
        });
        (count, target)
    }

    #[test]
    fn threads_together_stay_under_the_rate() {
        // 50/s for a window of 400 ms lets through about 20 requests; four threads asking as
        // fast as they can must not get many more, however the threads are scheduled.
        let (count, target) = counting();
        let target = Arc::new(RateLimited::new(target, 50));
        let window = Duration::from_millis(400);
        let started = Instant::now();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let target = target.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        if started.elapsed() >= window {
                            break;
                        }
                        target.send(&Request::new("GET", "/")).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // The last reservations may be granted just before the window closes; allow the
        // four in flight plus one slot of slack.
        let sent = count.load(Ordering::SeqCst);
        assert!(
            sent <= 20 + 4 + 1,
            "{sent} requests went through in 400 ms at 50/s"
        );
        assert!(sent >= 5, "only {sent} requests went through");
    }

    #[test]
    fn a_burst_goes_at_once_then_the_rate_applies() {
        let (count, target) = counting();
        let target = RateLimited::new(target, 10).burst(5);
        let started = Instant::now();
        for _ in 0..5 {
            target.send(&Request::new("GET", "/")).unwrap();
        }
        // Five slots within the burst: none waits a whole interval (100 ms) in a quiet run;
        // allow a slow machine plenty.
        assert!(started.elapsed() < Duration::from_millis(90));
        target.send(&Request::new("GET", "/")).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(90));
        assert_eq!(count.load(Ordering::SeqCst), 6);
    }

    #[test]
    fn describe_names_the_rate() {
        let (_, target) = counting();
        assert_eq!(
            RateLimited::new(target, 0).describe(),
            "counter (at most 1 requests/s)"
        );
    }
}
