//! How a run is configured: [`RunOptions`], read by the runner, the properties and the
//! harness alike.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::target::{Clock, RetryPolicy, StopHandle};

/// How a run is configured. Start from [`RunOptions::default`] and change what you need with
/// the setters (the struct is `#[non_exhaustive]`, so a struct literal does not compile
/// outside confuzz); every field can also be read and assigned.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    /// Run only this part of the checks (`--partition K/N`, see `run::partition`).
    pub partition: Option<Partition>,
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
            partition: None,
        }
    }
}

/// Setters, so that a crate outside confuzz can build options (the struct is
/// `#[non_exhaustive]`: fields may be added without breaking it):
///
/// ```
/// use confuzz::run::RunOptions;
///
/// let options = RunOptions::default()
///     .cases(4)
///     .seed(7)
///     .rows(["acme.auth"])
///     .positive(false)
///     .properties::<&str>([]);
/// assert_eq!((options.cases, options.seed), (4, 7));
/// assert_eq!(options.rows, ["acme.auth"]);
/// assert_eq!(options.properties, Some(Vec::new()));
/// ```
///
/// Each field stays public to read and assign (`options.cases = 4`).
impl RunOptions {
    setters! {
        /// Cases per row and per valid-request check.
        cases: u32;
        /// The seed every case derives from.
        seed: u64;
        /// Assumed expectations fail instead of warn.
        strict: bool;
        /// Checks run at once.
        jobs: usize;
        /// Only the checks whose id equals or starts with one of these (ids, prefixes,
        /// `prefix*`).
        rows: names;
        /// Shrink failures to a minimal request.
        shrink: bool;
        /// Also check that valid requests are accepted.
        positive: bool;
        /// Scheme and authority the target sees.
        url_base: into String;
        /// A `Host` header for in-process targets (`None`: none).
        host: into Option<String>;
        /// The faults the target supports (by default every fault a spec declares).
        faults: some names;
        /// The run-unique prefix of created entities (`None`: derived from the seed).
        prefix: into Option<String>;
        /// Retry 429, 502, 503, 504 and connection errors with this policy (`None`: never).
        retry: into Option<RetryPolicy>;
        /// At most this many requests per second (`None`: no limit).
        rate: into Option<u32>;
        /// Stop sending after this long (`None`: no limit).
        max_duration: into Option<Duration>;
        /// Stops the run from outside.
        stop: into Option<StopHandle>;
        /// Pins the clock to one instant (`None`: `clock` is read).
        now: into Option<chrono::DateTime<chrono::Utc>>;
        /// Where the time of each request comes from when `now` is `None`.
        clock: Clock;
        /// Only these cross-request properties (by default all of them; no name: none).
        properties: some names;
        /// Run only this part of the checks (`None`: all of them).
        partition: into Option<Partition>;
    }
}

/// One part of a split run: `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Partition {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Partition {
    type Err = String;

    /// `K/N` with `1 <= K <= N`, e.g. `2/3`.
    fn from_str(text: &str) -> Result<Self, String> {
        let hint = "write K/N with 1 <= K <= N, e.g. --partition 2/3 for the second of three parts";
        let (k, n) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a partition: {hint}"))?;
        let number = |s: &str| -> Result<u32, String> {
            s.trim().parse::<u32>().map_err(|_| {
                format!("`{text}` is not a partition (`{s}` is not a whole number): {hint}")
            })
        };
        let (index, count) = (number(k)?, number(n)?);
        if count == 0 || index == 0 || index > count {
            return Err(format!("`{text}` is not a partition: {hint}"));
        }
        Ok(Partition { index, count })
    }
}
