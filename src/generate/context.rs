//! The main type here is [`GenContext`]: everything a generator reads besides the schema and the
//! choices. It is a bundle of borrows, built per case at no cost.
//!
//! The run-wide state it points to lives in [`Pool`] (the cursors over `x-pool` fixtures) and
//! [`UniqueCounter`] (the source of `x-unique` values). Both are shared by every thread of a run,
//! and both make generation depend on more than the choices: two cases with the same choices
//! take different pool elements and carry different unique tokens. Build fresh ones to replay a
//! case exactly.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// What generators read besides the schema and the choices.
#[derive(Debug, Clone, Copy)]
pub struct GenContext<'a> {
    /// Fixture values by name (`x-fixture`).
    pub fixtures: &'a Map<String, Value>,
    /// Case variables saved by setup steps (`x-var`).
    pub vars: &'a BTreeMap<String, Value>,
    /// Worked into every `x-unique` value so that runs with different prefixes never collide.
    /// Only its ASCII letters and digits are used, lowercased. Give every run a prefix of the
    /// same length, so that no prefix is the start of another.
    pub run_prefix: &'a str,
    /// The instant `x-future` and `x-past` are relative to.
    pub now: DateTime<Utc>,
    /// The run's cursors over array fixtures (`x-pool`).
    pub pool: &'a Pool,
    /// The run's source of unique tokens (`x-unique`).
    pub unique: &'a UniqueCounter,
}

/// Why [`Pool::next`] has no element to give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// No array fixture of that name was given to [`Pool::new`].
    #[error("no array fixture named `{0}`")]
    Unknown(String),
    /// Every element has been handed out.
    #[error("all {size} elements of `{name}` were used")]
    Exhausted { name: String, size: usize },
}

/// The run-wide cursors over array fixtures: each element is handed out once per run, in order,
/// to whichever thread asks first.
#[derive(Debug, Default)]
pub struct Pool {
    arrays: HashMap<String, PoolArray>,
}

#[derive(Debug)]
struct PoolArray {
    items: Vec<Value>,
    next: AtomicUsize,
}

impl Pool {
    /// A pool over every array-valued fixture.
    pub fn new(fixtures: &Map<String, Value>) -> Self {
        let arrays = fixtures
            .iter()
            .filter_map(|(name, v)| {
                v.as_array().map(|items| {
                    let array = PoolArray {
                        items: items.clone(),
                        next: AtomicUsize::new(0),
                    };
                    (name.clone(), array)
                })
            })
            .collect();
        Pool { arrays }
    }

    /// The next unused element of the array fixture `name`.
    pub fn next(&self, name: &str) -> Result<Value, PoolError> {
        let array = self
            .arrays
            .get(name)
            .ok_or_else(|| PoolError::Unknown(name.to_string()))?;
        let i = array.next.fetch_add(1, Ordering::Relaxed);
        array
            .items
            .get(i)
            .cloned()
            .ok_or_else(|| PoolError::Exhausted {
                name: name.to_string(),
                size: array.items.len(),
            })
    }

    /// How many elements of `name` are still unused, if it is a pool.
    pub fn remaining(&self, name: &str) -> Option<usize> {
        self.arrays
            .get(name)
            .map(|a| a.items.len().saturating_sub(a.next.load(Ordering::Relaxed)))
    }
}

/// The run-wide source of `x-unique` values: a counter, and the set of values already issued.
///
/// Every unique value carries a token made of the run prefix and the next counter value (see
/// [`GenContext::run_prefix`]). The token alone does not make whole values distinct (a token can
/// be the start of a longer one, and some schemas leave no room for it), so each value is also
/// claimed here, compared without ASCII case because targets often fold case on keys such as
/// emails; a value already issued in this run is generated again with the next token. The set
/// keeps 64-bit hashes: a collision of hashes only costs one regeneration.
#[derive(Debug, Default)]
pub struct UniqueCounter {
    next: AtomicU64,
    issued: Mutex<HashSet<u64>>,
}

impl UniqueCounter {
    /// A counter starting at zero with nothing issued.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next counter value.
    pub fn next(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Records `value` as issued; `false` if it (or a value equal but for ASCII case) already was.
    pub fn claim(&self, value: &str) -> bool {
        let mut h = DefaultHasher::new();
        for b in value.bytes() {
            b.to_ascii_lowercase().hash(&mut h);
        }
        let key = h.finish();
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key)
    }

    /// How many values were issued in this run.
    pub fn issued(&self) -> usize {
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pool_hands_out_each_element_once_then_fails() {
        let fixtures = json!({ "ids": ["a", "b"], "token": "t" });
        let pool = Pool::new(fixtures.as_object().unwrap());
        assert_eq!(pool.next("ids"), Ok(json!("a")));
        assert_eq!(pool.remaining("ids"), Some(1));
        assert_eq!(pool.next("ids"), Ok(json!("b")));
        assert_eq!(
            pool.next("ids"),
            Err(PoolError::Exhausted {
                name: "ids".into(),
                size: 2
            })
        );
        assert_eq!(pool.remaining("ids"), Some(0));
        assert_eq!(pool.next("token"), Err(PoolError::Unknown("token".into())));
    }

    #[test]
    fn pool_is_shared_across_threads() {
        let items: Vec<Value> = (0..1000).map(|i| json!(i)).collect();
        let fixtures = json!({ "n": items });
        let pool = Pool::new(fixtures.as_object().unwrap());
        let taken = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    while let Ok(v) = pool.next("n") {
                        taken.lock().unwrap().push(v.as_u64().unwrap());
                    }
                });
            }
        });
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(taken, (0..1000).collect::<Vec<u64>>());
    }

    #[test]
    fn run_state_is_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<GenContext<'static>>();
        shared::<Pool>();
        shared::<UniqueCounter>();
    }

    #[test]
    fn claims_ignore_ascii_case() {
        let u = UniqueCounter::new();
        assert!(u.claim("Ab1"));
        assert!(!u.claim("aB1"));
        assert!(u.claim("ab2"));
        assert_eq!(u.issued(), 2);
        assert_eq!(u.next(), 0);
        assert_eq!(u.next(), 1);
    }
}
