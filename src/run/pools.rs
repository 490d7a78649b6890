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

    /// A made-up vendor whose teams take players and coaches from one pool of user ids. A
    /// user may belong to `acme.limit.user_teams` teams (the pool's uses); removing a coach
    /// gives a use back, a player cannot be removed. The two limit rows fill one fresh user's
    /// teams or joins, taking it by adding it as coach of a scratch team and removing it; the
    /// name row draws nothing from the pool.
    const ACME: &str = r#"format: 1
vendor:
  id: acme
  title: Acme teams
  source: { document: Acme team errors, file: acme-errors.txt }
  auth: { scheme: bearer, token: acme.token }
  envelope:
    body: json
    content_type: application/json
    schema: { type: object, required: [message], properties: { message: { type: string } } }
    pointers: { message: /message }
  fixtures:
    - { name: acme.token, meaning: A token, secret: true }
    - name: acme.user_ids
      meaning: Test accounts that become players and coaches of the run's teams
      schema: { type: array, items: { type: string } }
      pool:
        uses: { fixture: acme.limit.user_teams }
        min_size: 7
        released_by:
          - { endpoint: coach-remove, at: "path:user_id" }
    - { name: acme.limit.user_teams, meaning: Teams a user may belong to, schema: { type: integer } }
    - { name: acme.limit.daily_joins, meaning: Teams a user may join in a day, schema: { type: integer } }
  limits:
    - { name: user_teams, fixture: acme.limit.user_teams, meaning: Teams per user, row: acme.member.too-many-teams }
    - { name: daily_joins, fixture: acme.limit.daily_joins, meaning: Joins per user per day, row: acme.member.too-many-joins }
endpoints:
  - id: team-create
    summary: Create a team
    method: POST
    path: /teams
    body:
      encoding: json
      schema:
        type: object
        required: [name]
        properties: { name: { type: string, minLength: 1, maxLength: 40, x-unique: true } }
    success: [201]
  - id: player-add
    summary: Add a player to a team
    method: POST
    path: /teams/{team_id}/players
    params: { path: { team_id: { type: string, x-var: team_id } } }
    body:
      encoding: json
      schema:
        type: object
        required: [userId]
        properties: { userId: { type: string, x-pool: acme.user_ids } }
    setup:
      - endpoint: team-create
        save: { team_id: "response:/id" }
    success: [200]
    creates: player
  - id: coach-add
    summary: Add a coach to a team
    method: POST
    path: /teams/{team_id}/coaches
    params: { path: { team_id: { type: string, x-var: team_id } } }
    body:
      encoding: json
      schema:
        type: object
        required: [userId]
        properties: { userId: { type: string, x-pool: acme.user_ids } }
    setup:
      - endpoint: team-create
        save: { team_id: "response:/id" }
    success: [200]
    creates: coach
  - id: coach-remove
    summary: Remove a coach from a team
    method: DELETE
    path: /teams/{team_id}/coaches/{user_id}
    params:
      path:
        team_id: { type: string, x-var: team_id }
        user_id: { type: string, x-var: coach_id }
    setup:
      - endpoint: team-create
        save: { team_id: "response:/id" }
      - endpoint: coach-add
        save: { team_id: "request:path:team_id", coach_id: "request:/userId" }
    success: [200]
    deletes: coach
rows:
  - id: acme.team.no-name
    title: Team without a name
    group: team
    endpoints: [team-create]
    doc: { heading: No name, response: '400 | {"message":"name is required"}', line: 1 }
    expect: { status: 400, message: name is required }
    trigger: { kind: mutation, endpoint: team-create, ops: [{ remove: [/name] }] }
    explain: { meaning: m, cause: c, fix: f }
  - id: acme.member.too-many-teams
    title: User is in too many teams
    group: member
    endpoints: [player-add]
    doc: { heading: Too many teams, response: '400 | {"message":"too many teams"}', line: 2 }
    expect: { status: 400, message: too many teams }
    trigger:
      kind: limit
      endpoint: player-add
      setup:
        - endpoint: team-create
          save: { target_team: "response:/id" }
        - endpoint: team-create
          save: { scratch_team: "response:/id" }
        - endpoint: coach-add
          ops: [{ set: { path:team_id: { var: scratch_team } } }]
          save: { member: "request:/userId" }
        - endpoint: coach-remove
          ops: [{ set: { path:team_id: { var: scratch_team }, path:user_id: { var: member } } }]
        - endpoint: player-add
          ops: [{ set: { /userId: { var: member } } }]
          repeat: { fixture: acme.limit.user_teams }
      ops:
        - set: { path:team_id: { var: target_team }, /userId: { var: member } }
    explain: { meaning: m, cause: c, fix: f }
  - id: acme.member.too-many-joins
    title: User joined too many teams today
    group: member
    endpoints: [player-add]
    doc: { heading: Too many joins, response: '429 | {"message":"too many joins"}', line: 3 }
    expect: { status: 429, message: too many joins }
    trigger:
      kind: limit
      endpoint: player-add
      setup:
        - endpoint: team-create
          save: { join_team: "response:/id" }
        - endpoint: team-create
          save: { scratch_team: "response:/id" }
        - endpoint: coach-add
          ops: [{ set: { path:team_id: { var: scratch_team } } }]
          save: { joiner: "request:/userId" }
        - endpoint: coach-remove
          ops: [{ set: { path:team_id: { var: scratch_team }, path:user_id: { var: joiner } } }]
        - endpoint: player-add
          ops: [{ set: { /userId: { var: joiner } } }]
          repeat: { fixture: acme.limit.daily_joins }
      ops:
        - set: { path:team_id: { var: join_team }, /userId: { var: joiner } }
    explain: { meaning: m, cause: c, fix: f }
"#;

    /// The pool's `min_size` in [`ACME`].
    const MIN_SIZE: usize = 7;

    /// The fixtures of a test domain of `n` user ids, a user in at most 4 teams and joining
    /// at most 3 a day.
    fn domain(n: usize) -> Map<String, Value> {
        let ids: Vec<String> = (0..n).map(|i| format!("user-{i}")).collect();
        json!({
            "acme.token": "t",
            "acme.user_ids": ids,
            "acme.limit.user_teams": 4,
            "acme.limit.daily_joins": 3,
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn acme() -> SpecSet {
        let loaded = crate::spec::load_str("acme.yaml", ACME).expect("the test spec loads");
        SpecSet {
            specs: vec![loaded],
        }
    }

    /// Every row and valid-request check of the test vendor.
    fn selection(set: &SpecSet) -> Selection<'_> {
        let spec = set.vendor("acme").expect("loaded");
        Selection {
            rows: spec.rows.iter().map(|r| (spec, r)).collect(),
            endpoints: spec
                .endpoints
                .iter()
                .map(|e| (spec, e, format!("acme.valid.{}", e.id)))
                .collect(),
            limits: Vec::new(),
        }
    }

    /// The membership-limit row draws a fresh user (kept in a variable) and charges it once
    /// per team it joins; the coach taken and removed on the way gives its use back. Valid
    /// requests spend uses unless the case undoes them: a removed coach gives its use back
    /// (by the delete of the case, or at its end), an added player does not.
    #[test]
    fn the_membership_row_keeps_one_fresh_user_and_fills_its_teams() {
        let set = acme();
        let full = domain(4000);
        let spec = set.vendor("acme").unwrap();
        let row = spec.row("acme.member.too-many-teams").unwrap();
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
        // The member, and the coach the remove endpoint's own setup adds to a team of its
        // own (the step then removes the member from the scratch team instead).
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
        // Added as a coach of the scratch team and removed, then a player of 4 teams.
        assert_eq!((charges, releases), (5, 1));
        assert!(demand.spends());
        // Create-then-delete gives its value back.
        let remove = spec.endpoint("coach-remove").unwrap();
        assert!(!valid_demand(spec, remove, &full).spends());
        // A coach the case added is removed when the case ends; a player cannot be.
        let coach = spec.endpoint("coach-add").unwrap();
        assert!(valid_demand(spec, coach, &full).spends());
        assert!(!case_demand(valid_demand(spec, coach, &full)).spends());
        let player = spec.endpoint("player-add").unwrap();
        assert!(case_demand(valid_demand(spec, player, &full)).spends());
    }

    /// A pool of the spec's `min_size` gives every check a verdict at the default 32 cases:
    /// the checks that spend its values run fewer cases and say so in a note naming the pool;
    /// the checks that spend none (create-then-delete, no pool at all) run all their cases. A
    /// big pool serves every case of every check.
    #[test]
    fn a_pool_of_min_size_serves_a_full_run_with_fewer_cases() {
        let set = acme();
        let selection = selection(&set);
        let plan = plan(&set, &selection, &domain(MIN_SIZE), 32).expect("min_size is enough");
        let capped = plan.cases("acme.member.too-many-joins", 32);
        assert!((1..32).contains(&capped), "{capped}");
        let note = plan.note("acme.member.too-many-joins").unwrap_or_default();
        assert!(note.starts_with(FEWER_CASES), "{note}");
        assert!(
            note.contains(&format!("`acme.user_ids` ({MIN_SIZE} values, 4 uses each)")),
            "{note}"
        );
        assert!(plan
            .note("acme.valid.player-add")
            .is_some_and(|n| n.starts_with(FEWER_CASES)));
        assert_eq!(plan.cases("acme.valid.coach-remove", 32), 32);
        assert_eq!(plan.note("acme.valid.coach-remove"), None);
        assert_eq!(plan.cases("acme.team.no-name", 32), 32);
        assert_eq!(plan.cases("acme.valid.team-create", 32), 32);
        // 4000 ids serve 512 cases of each in full.
        let plan = super::plan(&set, &selection, &domain(4000), 512).expect("4000 ids are enough");
        assert!(plan.caps.is_empty(), "{:?}", plan.caps);
        assert_eq!(min_size(&set, "acme.user_ids"), Some(MIN_SIZE));
    }

    /// A pool too small for one case of each check is an error, before anything is sent,
    /// naming the pool, the size given, the spec's `min_size` and the size needed: the
    /// smallest that serves one case of each (here the spec's `min_size`, which is exact).
    #[test]
    fn a_pool_too_small_for_one_case_of_each_names_needed_and_given() {
        let set = acme();
        let e = plan(&set, &selection(&set), &domain(3), 32).expect_err("3 ids are too few");
        assert_eq!(
            (e.pool.as_str(), e.given, e.needed, e.min_size),
            ("acme.user_ids", 3, MIN_SIZE, Some(MIN_SIZE))
        );
        let text = e.to_string();
        assert!(
            text.starts_with(&format!(
                "pool `acme.user_ids` is too small for the selected checks: one case of each \
                 needs at least {MIN_SIZE} values, the fixture gives 3 (the spec's full run \
                 needs {MIN_SIZE})"
            )),
            "{text}"
        );
        // The size it names is the smallest that serves one case of each check.
        assert!(plan(&set, &selection(&set), &domain(e.needed), 1).is_ok());
        assert!(plan(&set, &selection(&set), &domain(e.needed - 1), 1).is_err());
    }
}
