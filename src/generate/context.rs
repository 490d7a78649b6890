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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// The uses of the values of one pool: how many successful requests used each value, and
/// which values a live case holds. A value is handed to at most one case at a time and at most
/// once per case (one course member is unique per course); it returns to the pool when the
/// case ends, until `cap` uses are spent.
///
/// A plain draw takes the most used value that still has a use left, so values are used up one
/// by one and untouched values stay for the draws that need one (`fresh`): a value a case keeps
/// in a variable and uses several times. The planner (`run::pools`) simulates the same ledger,
/// so what it plans is what the run does.
#[derive(Debug, Clone)]
pub struct Ledger {
    uses: Vec<u32>,
    held: Vec<bool>,
    cap: u32,
    /// Values neither held nor spent, by their number of uses (`0..cap`; empty sets removed).
    free: BTreeMap<u32, std::collections::BTreeSet<usize>>,
}

impl Ledger {
    /// `size` unused values, each good for `cap` uses (at least 1).
    pub fn new(size: usize, cap: u32) -> Self {
        let cap = cap.max(1);
        let mut free = BTreeMap::new();
        if size > 0 {
            free.insert(0, (0..size).collect());
        }
        Ledger {
            uses: vec![0; size],
            held: vec![false; size],
            cap,
            free,
        }
    }

    /// Holds a value for a case: an unused one when `fresh`, else the most used one with a use
    /// left. `None` when there is none.
    pub fn take(&mut self, fresh: bool) -> Option<usize> {
        let mut entry = if fresh {
            self.free.first_entry().filter(|e| *e.key() == 0)?
        } else {
            self.free.last_entry()?
        };
        let i = entry.get_mut().pop_first()?;
        if entry.get().is_empty() {
            entry.remove();
        }
        self.held[i] = true;
        Some(i)
    }

    /// One successful request used value `i`.
    pub fn charge(&mut self, i: usize) {
        self.unlist(i);
        self.uses[i] = self.uses[i].saturating_add(1);
        self.list(i);
    }

    /// A successful request gave one use of value `i` back (a delete of what a create made).
    pub fn release(&mut self, i: usize) {
        self.unlist(i);
        self.uses[i] = self.uses[i].saturating_sub(1);
        self.list(i);
    }

    /// The case that held value `i` is over.
    pub fn give_back(&mut self, i: usize) {
        self.held[i] = false;
        self.list(i);
    }

    /// Values neither held nor spent.
    #[cfg(test)]
    pub fn available(&self) -> usize {
        self.free.values().map(|s| s.len()).sum()
    }

    fn unlist(&mut self, i: usize) {
        let uses = self.uses[i];
        if let Some(set) = self.free.get_mut(&uses) {
            set.remove(&i);
            if set.is_empty() {
                self.free.remove(&uses);
            }
        }
    }

    fn list(&mut self, i: usize) {
        if !self.held[i] && self.uses[i] < self.cap {
            self.free.entry(self.uses[i]).or_default().insert(i);
        }
    }
}

#[derive(Debug)]
struct PoolArray {
    items: Vec<Value>,
    ledger: Mutex<Ledger>,
}

/// What one case holds: the values it drew, and whether its next draws must be fresh.
#[derive(Debug, Default)]
struct Scope {
    held: Vec<(String, usize)>,
    fresh: bool,
}

/// The run-wide pools of array fixtures (`x-pool`), seen from one case.
///
/// [`Pool::new`] makes the run's pools; [`Pool::scoped`] a view of the same pools for one case
/// (or one property session). A case holds the values it draws until its view is dropped, so
/// its draws are distinct; the uses of a value are counted by [`Pool::charge`] (a successful
/// request used it) and [`Pool::release`] (a successful delete gave it back), up to the reuse
/// the spec allows ([`Pool::with_reuse`]; once per run by default).
#[derive(Debug, Default)]
pub struct Pool {
    arrays: Arc<HashMap<String, PoolArray>>,
    scope: Mutex<Scope>,
    /// Whether cases delete what their creates made with pool values ([`Pool::with_reuse`]).
    recycles: bool,
}

impl Pool {
    /// A pool over every array-valued fixture, each value used once per run; cases do not
    /// delete what they created (what they send is all the row asks for).
    pub fn new(fixtures: &Map<String, Value>) -> Self {
        let mut pool = Self::with_reuse(fixtures, &HashMap::new());
        pool.recycles = false;
        pool
    }

    /// A pool over every array-valued fixture; `reuse` gives the uses one value of a named
    /// pool is good for (1 for the others). A case ends by deleting what its creates made with
    /// pool values, where the spec has the delete, so their uses come back.
    pub fn with_reuse(fixtures: &Map<String, Value>, reuse: &HashMap<String, u32>) -> Self {
        let arrays = fixtures
            .iter()
            .filter_map(|(name, v)| {
                v.as_array().map(|items| {
                    let cap = reuse.get(name).copied().unwrap_or(1);
                    let array = PoolArray {
                        items: items.clone(),
                        ledger: Mutex::new(Ledger::new(items.len(), cap)),
                    };
                    (name.clone(), array)
                })
            })
            .collect();
        Pool {
            arrays: Arc::new(arrays),
            scope: Mutex::default(),
            recycles: true,
        }
    }

    /// Whether a case ends by deleting what its creates made with pool values.
    pub fn recycles(&self) -> bool {
        self.recycles
    }

    /// A view of the same pools for one case: its draws are distinct, and held until the
    /// view is dropped.
    pub fn scoped(&self) -> Pool {
        Pool {
            arrays: Arc::clone(&self.arrays),
            scope: Mutex::default(),
            recycles: self.recycles,
        }
    }

    fn scope(&self) -> std::sync::MutexGuard<'_, Scope> {
        self.scope.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// While `on`, draws take values no request has used yet (a value the case keeps and
    /// uses again).
    pub fn set_fresh(&self, on: bool) {
        self.scope().fresh = on;
    }

    /// A value of the array fixture `name` for this case.
    pub fn next(&self, name: &str) -> Result<Value, PoolError> {
        let array = self
            .arrays
            .get(name)
            .ok_or_else(|| PoolError::Unknown(name.to_string()))?;
        let mut scope = self.scope();
        let taken = lock(&array.ledger).take(scope.fresh);
        let i = taken.ok_or_else(|| PoolError::Exhausted {
            name: name.to_string(),
            size: array.items.len(),
        })?;
        scope.held.push((name.to_string(), i));
        Ok(array.items[i].clone())
    }

    /// A successful request used `value` of pool `name` (nothing if it is not one of its
    /// values).
    pub fn charge(&self, name: &str, value: &Value) {
        self.with_value(name, value, Ledger::charge);
    }

    /// A successful request gave one use of `value` of pool `name` back.
    pub fn release(&self, name: &str, value: &Value) {
        self.with_value(name, value, Ledger::release);
    }

    fn with_value(&self, name: &str, value: &Value, f: impl FnOnce(&mut Ledger, usize)) {
        if let Some(array) = self.arrays.get(name) {
            if let Some(i) = array.items.iter().position(|v| v == value) {
                f(&mut lock(&array.ledger), i);
            }
        }
    }

    /// How many values of `name` a case could still draw, if it is a pool.
    #[cfg(test)]
    pub fn remaining(&self, name: &str) -> Option<usize> {
        self.arrays.get(name).map(|a| lock(&a.ledger).available())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let held = std::mem::take(&mut self.scope().held);
        for (name, i) in held {
            if let Some(array) = self.arrays.get(&name) {
                lock(&array.ledger).give_back(i);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
    #[cfg(test)]
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
    fn a_ledger_packs_plain_draws_and_keeps_unused_values_for_fresh_ones() {
        let mut ledger = Ledger::new(3, 2);
        // A plain draw takes the most used value with a use left.
        let a = ledger.take(false).unwrap();
        ledger.charge(a);
        ledger.give_back(a);
        assert_eq!(ledger.take(false), Some(a));
        ledger.charge(a);
        ledger.give_back(a);
        // `a` is spent (2 uses); a fresh draw takes a value no request used.
        let b = ledger.take(true).unwrap();
        assert_ne!(b, a);
        ledger.charge(b);
        // A released use comes back.
        ledger.release(b);
        ledger.give_back(b);
        assert_eq!(ledger.available(), 2);
        assert_eq!(ledger.take(true), Some(b));
        let c = ledger.take(true).unwrap();
        assert_eq!(ledger.take(true), None, "{c}: the third value is spent");
        assert_eq!(ledger.take(false), None, "every live value is held");
        // A reuse as large as a fixture may say costs nothing up front.
        let mut huge = Ledger::new(2, u32::MAX);
        let v = huge.take(false).unwrap();
        huge.charge(v);
        huge.give_back(v);
        assert_eq!(huge.take(false), Some(v));
    }

    #[test]
    fn a_case_draws_distinct_values_and_holds_them_until_it_ends() {
        let fixtures = json!({ "ids": ["a", "b"] });
        let run = Pool::with_reuse(fixtures.as_object().unwrap(), &[("ids".into(), 3)].into());
        {
            let case = run.scoped();
            let first = case.next("ids").unwrap();
            let second = case.next("ids").unwrap();
            assert_ne!(first, second, "one member per course is unique");
            assert!(case.next("ids").is_err());
            // Another case meanwhile cannot take them either.
            assert!(run.scoped().next("ids").is_err());
            case.charge("ids", &first);
        }
        // The case is over: "a" has 1 use of 3, "b" none; a plain draw packs onto "a".
        let case = run.scoped();
        assert_eq!(case.next("ids"), Ok(json!("a")));
        case.charge("ids", &json!("a"));
        case.charge("ids", &json!("a"));
        drop(case);
        // "a" is spent; a delete gives one use back.
        let case = run.scoped();
        assert_eq!(case.next("ids"), Ok(json!("b")));
        assert!(case.next("ids").is_err());
        case.release("ids", &json!("a"));
        assert_eq!(case.next("ids"), Ok(json!("a")));
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
