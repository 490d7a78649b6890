//! The main function here is [`plan`]: before a run sends anything, it plays the draws of
//! every selected check that takes values from a pool (`x-pool`) against a copy of the pool's
//! [`Ledger`], with the reuse the spec allows ([`PoolRule`]), and decides how many cases each
//! of those checks can run. A pool too small for even one case of every check is a
//! [`PoolTooSmall`] error naming the pool, the size needed and the size given; a pool that
//! serves fewer cases than `--cases` caps the checks that spend its values, and the run says
//! so in their notes.
//!
//! Not for: drawing values (`generate::Pool`) or running cases (`runner`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::generate::pools::{keeps_draw, op_draws, released_at, undo_of};
use crate::generate::Ledger;
use crate::spec::*;

/// How deep setup steps are followed (deeper setups fail anyway).
const MAX_DEPTH: usize = 8;

/// How the note of a check that runs fewer cases than asked begins.
pub const FEWER_CASES: &str = "ran at most";

/// A pool too small for the selected checks: found before the first request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "pool `{pool}` is too small for the selected checks: one case of each needs at least \
     {needed} values, the fixture gives {given}{}; add values to `{pool}` or select fewer \
     checks (--row)",
    min_size.map(|m| format!(" (the spec's full run needs {m})")).unwrap_or_default()
)]
pub struct PoolTooSmall {
    pub pool: String,
    pub needed: usize,
    pub given: usize,
    /// The spec's `min_size`, if it declares one.
    pub min_size: Option<usize>,
}

/// The cases each pool-drawing check may run, when the pools cannot serve `--cases` of each.
#[derive(Debug, Clone, Default)]
pub struct PoolPlan {
    /// Check id → (cases it may run, the note that says why).
    caps: HashMap<String, (u32, String)>,
}

impl PoolPlan {
    /// The cases `check` runs: `cases`, or fewer when its pool cannot serve them.
    pub fn cases(&self, check: &str, cases: u32) -> u32 {
        self.caps
            .get(check)
            .map_or(cases, |(cap, _)| (*cap).min(cases))
    }

    /// Why `check` runs fewer cases than asked, if it does.
    pub fn note(&self, check: &str) -> Option<&str> {
        self.caps.get(check).map(|(_, note)| note.as_str())
    }
}

/// The uses one value of each declared pool is good for, read from the specs and fixtures.
pub fn reuse(set: &SpecSet, fixtures: &Map<String, Value>) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for loaded in &set.specs {
        for fixture in &loaded.spec.vendor.fixtures {
            let Some(rule) = &fixture.pool else { continue };
            let uses = match &rule.uses {
                None => 1,
                Some(Repeat::Times { times }) => *times,
                Some(Repeat::Fixture { fixture }) => fixtures
                    .get(fixture)
                    .and_then(|v| {
                        v.as_u64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    })
                    .map_or(1, |n| n.min(u32::MAX as u64) as u32),
            };
            out.insert(fixture.name.clone(), uses.max(1));
        }
    }
    out
}

/// Whether a successful request to `endpoint` using a value of `pool` is undone after its case
/// ([`undo_of`]), judged from the parameters' names alone.
fn undone(spec: &VendorSpec, endpoint: &Endpoint, pool: &str) -> bool {
    let names = endpoint
        .params
        .path
        .keys()
        .map(|k| (k.clone(), String::new()))
        .collect();
    undo_of(spec, endpoint, pool, &Value::Null, &names).is_some()
}

/// One thing a case does to a pool, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    /// Holds a value (fresh: one never used) as the case's value number `key`.
    Draw {
        pool: String,
        fresh: bool,
        key: usize,
    },
    Charge(usize),
    Release(usize),
}

/// What one case of a check does to the pools.
#[derive(Debug, Clone, Default)]
struct Demand {
    events: Vec<Event>,
    /// Charges the case undoes when it ends, by key (`undo_of`); an explicit release of the
    /// same key in the case takes one back first.
    undo: BTreeMap<usize, i64>,
    /// The case's pool values by variable name.
    vars: BTreeMap<String, usize>,
    keys: usize,
}

impl Demand {
    fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Whether a case leaves uses spent (it is capped when the pool runs short).
    fn spends(&self) -> bool {
        let charges = self
            .events
            .iter()
            .filter(|e| matches!(e, Event::Charge(_)))
            .count();
        let releases = self
            .events
            .iter()
            .filter(|e| matches!(e, Event::Release(_)))
            .count();
        charges > releases
    }

    fn walk_setup(
        &mut self,
        spec: &VendorSpec,
        endpoint: &Endpoint,
        f: &Map<String, Value>,
        d: usize,
    ) {
        if d > MAX_DEPTH {
            return;
        }
        for step in &endpoint.setup {
            self.walk_step(spec, step, f, d + 1);
        }
    }

    fn walk_step(&mut self, spec: &VendorSpec, step: &Step, f: &Map<String, Value>, d: usize) {
        let Some(endpoint) = spec.endpoint(&step.endpoint) else {
            return;
        };
        let times = match &step.repeat {
            None => 1,
            Some(Repeat::Times { times }) => *times as u64,
            Some(Repeat::Fixture { fixture }) => f
                .get(fixture)
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(1),
        };
        // Every loop is bounded: a limit above this is not planned (nor filled by a case).
        for _ in 0..times.min(1000) {
            self.walk_setup(spec, endpoint, f, d);
            let keep = keeps_draw(step, endpoint);
            self.walk_request(spec, endpoint, &step.ops, true, keep, &step.save);
        }
    }

    /// The case ends: what it created and did not delete itself is deleted.
    fn end_case(&mut self) {
        for (k, n) in std::mem::take(&mut self.undo) {
            for _ in 0..n.max(0) {
                self.events.push(Event::Release(k));
            }
        }
    }

    /// A draw of a new value of the case; its key.
    fn draw(&mut self, pool: String, fresh: bool) -> usize {
        let key = self.keys;
        self.keys += 1;
        self.events.push(Event::Draw { pool, fresh, key });
        key
    }

    /// One request to `endpoint` with `ops`: its draws, and its uses when it succeeds.
    fn walk_request(
        &mut self,
        spec: &VendorSpec,
        endpoint: &Endpoint,
        ops: &[Op],
        succeeds: bool,
        keep: bool,
        save: &BTreeMap<String, SaveSource>,
    ) {
        for (pool, at) in endpoint.pool_sites() {
            // The valid draft draws the value even when an operator then replaces it.
            let key = self.draw(pool.clone(), keep);
            let used = match set_var(ops, at) {
                Some(var) => self.vars.get(var).copied(),
                None if set_at(ops, at) => None,
                None => Some(key),
            };
            if let (true, Some(k)) = (succeeds, used) {
                self.events.push(Event::Charge(k));
                if undone(spec, endpoint, pool) {
                    *self.undo.entry(k).or_insert(0) += 1;
                }
            }
            for (name, source) in save {
                if matches!(source.from(), SaveFrom::Request(l) if l == at) {
                    if let Some(k) = used {
                        self.vars.insert(name.clone(), k);
                    }
                }
            }
        }
        for (pool, at, var) in op_draws(ops) {
            let key = self.draw(pool, keep);
            if succeeds && set_var(ops, &at).is_none() {
                self.events.push(Event::Charge(key));
            }
            if let Some(var) = var {
                self.vars.insert(var, key);
            }
        }
        for (_, at) in released_at(spec, &endpoint.id) {
            let var = set_var(ops, &at).or_else(|| schema_var(endpoint, &at));
            if let (true, Some(k)) = (succeeds, var.and_then(|v| self.vars.get(v).copied())) {
                self.events.push(Event::Release(k));
                if let Some(n) = self.undo.get_mut(&k) {
                    *n -= 1;
                }
            }
        }
    }
}

/// The variable an operator of `ops` sets at `at`, if one does.
fn set_var<'o>(ops: &'o [Op], at: &Location) -> Option<&'o str> {
    ops.iter().rev().find_map(|op| match op {
        Op::Set(map) => map.get(at).and_then(|v| v.var.as_deref()),
        _ => None,
    })
}

fn set_at(ops: &[Op], at: &Location) -> bool {
    ops.iter()
        .any(|op| matches!(op, Op::Set(map) if map.contains_key(at)))
}

/// The `x-var` a parameter of `endpoint` takes its value from.
fn schema_var<'e>(endpoint: &'e Endpoint, at: &Location) -> Option<&'e str> {
    let schema = match at {
        Location::Path(name) => endpoint.params.path.get(name),
        Location::Query(name) => endpoint.params.query.get(name),
        Location::Header(name) => endpoint.params.header.get(name),
        Location::Body(pointer) => endpoint.body.as_ref().and_then(|b| {
            let path: String = pointer
                .split('/')
                .skip(1)
                .map(|p| format!("/properties/{p}"))
                .collect();
            b.schema.pointer(&path)
        }),
        Location::Form(_) => None,
    }?;
    schema.get("x-var").and_then(Value::as_str)
}

/// What one case of a row does to the pools (its trigger is expected to be refused).
fn row_demand(spec: &VendorSpec, row: &ErrorRow, f: &Map<String, Value>) -> Demand {
    let mut demand = Demand::default();
    let (Some(trigger), Some(endpoint)) = (
        row.trigger.as_ref(),
        row.trigger_endpoint().and_then(|id| spec.endpoint(id)),
    ) else {
        return demand;
    };
    demand.walk_setup(spec, endpoint, f, 0);
    for step in &trigger.setup {
        demand.walk_step(spec, step, f, 1);
    }
    demand.walk_request(spec, endpoint, &trigger.ops, false, false, &BTreeMap::new());
    demand
}

/// One case of a row or valid request, then its undoing deletes (the runner's cases end so;
/// a property's replay does not).
fn case_demand(mut demand: Demand) -> Demand {
    demand.end_case();
    demand
}

/// What one valid request to `endpoint` (its setup first) does to the pools.
fn valid_demand(spec: &VendorSpec, endpoint: &Endpoint, f: &Map<String, Value>) -> Demand {
    let mut demand = Demand::default();
    demand.walk_setup(spec, endpoint, f, 0);
    demand.walk_request(spec, endpoint, &[], true, false, &BTreeMap::new());
    demand
}

/// A check to plan: its id, what one case does, the cases asked.
struct Planned {
    id: String,
    demand: Demand,
    cases: u32,
    /// Whether it may run fewer cases (a property subject runs once, or not at all).
    cappable: bool,
}

/// Plays `checks` in order against fresh ledgers; the pool that ran out first, if one did.
fn play(checks: &[Planned], sizes: &HashMap<String, (usize, u32)>, cap: u32) -> Result<(), String> {
    let mut ledgers: HashMap<&str, Ledger> = sizes
        .iter()
        .map(|(name, (size, uses))| (name.as_str(), Ledger::new(*size, *uses)))
        .collect();
    for check in checks {
        let cases = if check.cappable && check.demand.spends() {
            check.cases.min(cap)
        } else {
            check.cases
        };
        for _ in 0..cases {
            let mut held: Vec<(&str, usize)> = Vec::new();
            let mut index: HashMap<usize, (&str, usize)> = HashMap::new();
            let mut result = Ok(());
            for event in &check.demand.events {
                match event {
                    Event::Draw { pool, fresh, key } => {
                        let Some(ledger) = ledgers.get_mut(pool.as_str()) else {
                            continue;
                        };
                        match ledger.take(*fresh) {
                            Some(i) => {
                                held.push((pool.as_str(), i));
                                index.insert(*key, (pool.as_str(), i));
                            }
                            None => {
                                result = Err(pool.clone());
                                break;
                            }
                        }
                    }
                    Event::Charge(k) | Event::Release(k) => {
                        let Some((pool, i)) = index.get(k) else {
                            continue;
                        };
                        if let Some(ledger) = ledgers.get_mut(pool) {
                            if matches!(event, Event::Charge(_)) {
                                ledger.charge(*i);
                            } else {
                                ledger.release(*i);
                            }
                        }
                    }
                }
            }
            for (pool, i) in held {
                if let Some(ledger) = ledgers.get_mut(pool) {
                    ledger.give_back(i);
                }
            }
            result?;
        }
    }
    Ok(())
}

/// The selected checks, in the order the run takes them, with what one case of each does to
/// the pools: rows, valid-request checks, then the limit property's subjects (one replay of
/// their row each).
pub struct Selection<'s> {
    pub rows: Vec<(&'s VendorSpec, &'s ErrorRow)>,
    pub endpoints: Vec<(&'s VendorSpec, &'s Endpoint, String)>,
    pub limits: Vec<(&'s VendorSpec, &'s ErrorRow, String)>,
}

/// Plans the pools for `selection` at `cases` cases per check (see the module doc).
pub fn plan(
    set: &SpecSet,
    selection: &Selection<'_>,
    fixtures: &Map<String, Value>,
    cases: u32,
) -> Result<PoolPlan, PoolTooSmall> {
    let uses = reuse(set, fixtures);
    let sizes: HashMap<String, (usize, u32)> = fixtures
        .iter()
        .filter_map(|(name, v)| {
            let size = v.as_array()?.len();
            Some((name.clone(), (size, uses.get(name).copied().unwrap_or(1))))
        })
        .collect();
    let cases = cases.max(1);
    let mut checks: Vec<Planned> = Vec::new();
    for (spec, row) in &selection.rows {
        checks.push(Planned {
            id: row.id.clone(),
            demand: case_demand(row_demand(spec, row, fixtures)),
            cases,
            cappable: true,
        });
    }
    for (spec, endpoint, id) in &selection.endpoints {
        checks.push(Planned {
            id: id.clone(),
            demand: case_demand(valid_demand(spec, endpoint, fixtures)),
            cases,
            cappable: true,
        });
    }
    for (spec, row, id) in &selection.limits {
        checks.push(Planned {
            id: id.clone(),
            demand: row_demand(spec, row, fixtures),
            cases: 1,
            cappable: false,
        });
    }
    checks.retain(|c| !c.demand.is_empty());
    if checks.is_empty() || play(&checks, &sizes, cases).is_ok() {
        return Ok(PoolPlan::default());
    }
    if let Err(pool) = play(&checks, &sizes, 1) {
        let (given, per) = sizes.get(&pool).copied().unwrap_or((0, 1));
        let fits = |size: usize| {
            let mut bigger = sizes.clone();
            bigger.insert(pool.clone(), (size, per));
            play(&checks, &bigger, 1).is_ok()
        };
        // The smallest size that serves one case of each check: doubling, then bisection.
        let mut high = given.max(1) * 2;
        while !fits(high) && high < 1 << 24 {
            high *= 2;
        }
        let mut low = given;
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if fits(mid) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return Err(PoolTooSmall {
            min_size: min_size(set, &pool),
            pool,
            needed: high,
            given,
        });
    }
    // The most cases every spending check can run: `play` fits at 1 and not at `cases`.
    let (mut low, mut high) = (1u32, cases);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if play(&checks, &sizes, mid).is_ok() {
            low = mid;
        } else {
            high = mid;
        }
    }
    let mut plan = PoolPlan::default();
    for check in checks.iter().filter(|c| c.cappable && c.demand.spends()) {
        let pools: Vec<String> = check
            .demand
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Draw { pool, .. } => Some(pool.clone()),
                _ => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|p| {
                let (size, per) = sizes.get(&p).copied().unwrap_or((0, 1));
                format!("`{p}` ({size} values, {per} uses each)")
            })
            .collect();
        let note = format!(
            "{FEWER_CASES} {low} of {cases} cases: pool {} cannot serve more to every check that draws from it (a failure is not shrunk)",
            pools.join(", ")
        );
        plan.caps.insert(check.id.clone(), (low, note));
    }
    Ok(plan)
}

fn min_size(set: &SpecSet, pool: &str) -> Option<usize> {
    set.specs
        .iter()
        .flat_map(|l| &l.spec.vendor.fixtures)
        .find(|f| f.name == pool)
        .and_then(|f| f.pool.as_ref())
        .map(|r| r.min_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A Classroom test domain of `n` user ids with the default limits, and the rest of the
    /// fixtures a run needs (their values do not matter to the plan).
    fn domain(n: usize) -> Map<String, Value> {
        let ids: Vec<String> = (0..n).map(|i| format!("{:021}", 100 + i)).collect();
        json!({
            "classroom.token": "t",
            "classroom.low_quota_token": "q",
            "classroom.service_account_token": "s",
            "classroom.owner_id": "o",
            "classroom.visible_drive_file_id": "v",
            "classroom.hidden_drive_file_id": "h",
            "classroom.user_ids": ids,
            "classroom.limit.course_members": 5,
            "classroom.limit.course_teachers": 3,
            "classroom.limit.user_courses": 4,
            "classroom.limit.daily_joins": 3,
            "classroom.limit.requests_per_minute": 60,
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn classroom() -> (SpecSet, Map<String, Value>, Map<String, Value>) {
        let set = crate::spec::load_embedded().expect("the shipped specs load");
        (set, domain(4000), domain(40))
    }

    fn selection(set: &SpecSet) -> Selection<'_> {
        let spec = set.vendor("classroom").expect("shipped");
        Selection {
            rows: spec.rows.iter().map(|r| (spec, r)).collect(),
            endpoints: spec
                .endpoints
                .iter()
                .map(|e| (spec, e, format!("classroom.valid.{}", e.id)))
                .collect(),
            limits: Vec::new(),
        }
    }

    #[test]
    fn the_membership_row_keeps_one_fresh_user_and_fills_its_courses() {
        let (set, full, _) = classroom();
        let spec = set.vendor("classroom").unwrap();
        let row = spec
            .row("classroom.precondition.user-groups-membership-limit-reached")
            .unwrap();
        let demand = row_demand(spec, row, &full);
        let fresh: Vec<usize> = demand
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Draw {
                    fresh: true, key, ..
                } => Some(*key),
                _ => None,
            })
            .collect();
        // The member, and the teacher the delete endpoint's own setup adds to a course of its
        // own (the step then removes the member from the scratch course instead).
        assert_eq!(fresh.len(), 2, "{:?}", demand.events);
        let member = fresh[0];
        let charges = demand
            .events
            .iter()
            .filter(|e| **e == Event::Charge(member))
            .count();
        let releases = demand
            .events
            .iter()
            .filter(|e| **e == Event::Release(member))
            .count();
        // Added as a teacher of the scratch course and removed, then a student of 4 courses.
        assert_eq!((charges, releases), (5, 1));
        assert!(demand.spends());
        // Create-then-delete gives its value back.
        let delete = spec.endpoint("teacher-delete").unwrap();
        assert!(!valid_demand(spec, delete, &full).spends());
        // A teacher the case added is deleted when the case ends; a student cannot be.
        let teacher = spec.endpoint("teacher-create").unwrap();
        assert!(valid_demand(spec, teacher, &full).spends());
        assert!(!case_demand(valid_demand(spec, teacher, &full)).spends());
        let student = spec.endpoint("student-create").unwrap();
        assert!(case_demand(valid_demand(spec, student, &full)).spends());
    }

    #[test]
    fn forty_user_ids_serve_a_full_classroom_run_with_fewer_cases() {
        let (set, full, forty) = classroom();
        let selection = selection(&set);
        let plan = plan(&set, &selection, &forty, 32).expect("40 ids are enough");
        let capped = plan.cases("classroom.quota.user-course-join-rate-limit-reached", 32);
        assert!((1..32).contains(&capped), "{capped}");
        assert!(plan
            .note("classroom.valid.student-create")
            .is_some_and(|n| n.starts_with(FEWER_CASES)));
        assert_eq!(plan.cases("classroom.valid.teacher-delete", 32), 32);
        // The embedded reference's 4000 ids serve 512 cases of each in full.
        let plan = plan_full(&set, &selection, &full, 512);
        assert!(plan.caps.is_empty(), "{:?}", plan.caps);
        // The spec's min_size is enough for a full run at the default case count.
        assert_eq!(min_size(&set, "classroom.user_ids"), Some(40));
    }

    fn plan_full(
        set: &SpecSet,
        selection: &Selection<'_>,
        fixtures: &Map<String, Value>,
        cases: u32,
    ) -> PoolPlan {
        plan(set, selection, fixtures, cases).expect("fits")
    }

    #[test]
    fn a_pool_too_small_for_one_case_of_each_names_needed_and_given() {
        let (set, _, forty) = classroom();
        let mut three = forty.clone();
        let ids = forty["classroom.user_ids"].as_array().unwrap()[..3].to_vec();
        three.insert("classroom.user_ids".into(), Value::Array(ids));
        let e = plan(&set, &selection(&set), &three, 32).expect_err("3 ids are too few");
        assert_eq!(
            (e.pool.as_str(), e.given, e.min_size),
            ("classroom.user_ids", 3, Some(40))
        );
        // The size it names is the smallest that serves one case of each check.
        let mut needed = forty.clone();
        let ids = forty["classroom.user_ids"].as_array().unwrap()[..e.needed].to_vec();
        needed.insert("classroom.user_ids".into(), Value::Array(ids.clone()));
        assert!(plan(&set, &selection(&set), &needed, 1).is_ok());
        needed.insert(
            "classroom.user_ids".into(),
            Value::Array(ids[..e.needed - 1].to_vec()),
        );
        assert!(plan(&set, &selection(&set), &needed, 1).is_err());
    }
}
