//! The main type here is [`Clock`]: where the time of a request comes from. The runner reads it
//! each time it builds a request (OAuth timestamps and nonces, dates relative to now), and the
//! embedded reference reads it where it judges time (a stale OAuth timestamp), so a test can
//! move one shared clock by hours and both sides see the same time.
//!
//! Not for: timing (durations are measured with `std::time::Instant`).

use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// A source of the current time: the system clock, a fixed instant, or a hand the caller moves.
#[derive(Clone, Default)]
pub struct Clock {
    kind: Kind,
}

#[derive(Clone, Default)]
enum Kind {
    #[default]
    System,
    Fixed(DateTime<Utc>),
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { kind: Kind::System }
    }

    /// A clock that always reads `at` (the same seed then builds byte-identical requests).
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock {
            kind: Kind::Fixed(at),
        }
    }

    /// A clock that reads `start` until [`Clock::advance`] or [`Clock::set`] moves it. Clones
    /// share the hand.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock {
            kind: Kind::Manual(Arc::new(Mutex::new(start))),
        }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.kind {
            Kind::System => Utc::now(),
            Kind::Fixed(at) => *at,
            Kind::Manual(hand) => *hand.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// The current time in whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.now().timestamp()
    }

    /// Moves a manual clock forward by `by` (other clocks are not moved).
    pub fn advance(&self, by: Duration) {
        if let Kind::Manual(hand) = &self.kind {
            let mut at = hand.lock().unwrap_or_else(|p| p.into_inner());
            *at += by;
        }
    }

    /// Sets a manual clock to `at` (other clocks are not moved).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Kind::Manual(hand) = &self.kind {
            *hand.lock().unwrap_or_else(|p| p.into_inner()) = at;
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::System => write!(f, "Clock::system"),
            Kind::Fixed(at) => write!(f, "Clock::fixed({at})"),
            Kind::Manual(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_for_every_clone() {
        let start = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::manual(start);
        let other = clock.clone();
        clock.advance(Duration::hours(3));
        assert_eq!(other.now(), start + Duration::hours(3));
        let fixed = Clock::fixed(start);
        fixed.advance(Duration::hours(1));
        assert_eq!(fixed.now(), start);
    }
}
