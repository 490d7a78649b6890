//! How a run is configured: [`RunOptions`], read by the runner, the properties and the
//! harness alike.

use std::time::Duration;

use crate::target::{Clock, RetryPolicy, StopHandle};

/// How a run is configured.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Cases per row.
    pub cases: u32,
    /// The seed every case derives from; the same seed builds the same requests.
    pub seed: u64,
    /// Assumed expectations fail instead of warn.
    pub strict: bool,
    /// Rows run at once.
    pub jobs: usize,
    /// Only rows whose id equals or starts with one of these (empty: all).
    pub rows: Vec<String>,
    /// Shrink failures to a minimal request.
    pub shrink: bool,
    /// Also check that valid requests are accepted (one check per endpoint).
    pub positive: bool,
    /// Scheme and authority the target sees (OAuth signatures): `http://localhost` in-process.
    pub url_base: String,
    /// A `Host` header for in-process targets.
    pub host: Option<String>,
    /// The faults the target supports; `None`: every fault a spec declares.
    pub faults: Option<Vec<String>>,
    /// The run-unique prefix of created entities; derived from the seed when `None`.
    pub prefix: Option<String>,
    /// Retry 429, 502, 503, 504 and connection errors (except the statuses the check under
    /// way expects) with backoff, for rows, valid-request checks and properties alike.
    pub retry: Option<RetryPolicy>,
    /// At most this many requests per second, across every check of the run.
    pub rate: Option<u32>,
    /// The run stops sending after this long and reports what it has.
    pub max_duration: Option<Duration>,
    /// Stops the run from outside (a signal handler); the report says why.
    pub stop: Option<StopHandle>,
    /// Pins the clock to one instant (dated values such as `x-future`, `x-past` and OAuth
    /// timestamps are relative to it): the same seed builds byte-identical requests only
    /// against the same clock, so pin it to compare two runs. `None`: `clock` is read.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the time of each request comes from when `now` is `None`: read each time a
    /// request is built, right before it is sent (the system clock by default; a test can
    /// move a [`Clock::manual`] between rows).
    pub clock: Clock,
    /// The cross-request properties to check after the rows (`props::all` names them):
    /// `None` all of them, an empty list none. The row filters select their results too.
    pub properties: Option<Vec<String>>,
}

impl RunOptions {
    /// The clock requests are built with: `now` pinned, or `clock`.
    pub fn clock_in_use(&self) -> Clock {
        match self.now {
            Some(at) => Clock::fixed(at),
            None => self.clock.clone(),
        }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            cases: 32,
            seed: 0,
            strict: false,
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            rows: Vec::new(),
            shrink: true,
            positive: true,
            url_base: "http://localhost".into(),
            host: Some("localhost".into()),
            faults: None,
            prefix: None,
            retry: None,
            rate: None,
            max_duration: None,
            stop: None,
            now: None,
            clock: Clock::system(),
            properties: None,
        }
    }
}
