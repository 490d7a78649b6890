//! The main function here is [`run`]: every selected row, `cases` times each, against one
//! target, in parallel, with proptest driving generation and shrinking. It only orchestrates:
//! cases are built by `case`, judged by the oracle, and the results go to reporters as
//! [`Event`]s and in the final [`RunReport`].
//!
//! Not for: printing (see `report`), or deciding what a row expects (see `check`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::partition::{assign, fingerprint, Partition, RunSettings};
use super::signing;
use crate::auth::oauth1::Convention;
pub(crate) use crate::check::result::{check_selected, selected};
use crate::check::result::{valid_id, Cause};
pub use crate::check::result::{CheckKind, CheckResult, Evidence, RowVerdict, Summary};
use crate::check::{Mismatch, Oracle, Outcome, Verdict};
use crate::exec::case::{execute_valid, CaseEnv, CaseError, CaseRun};
pub use crate::exec::options::RunOptions;
pub(crate) use crate::exec::seed::case_prefix;
pub use crate::exec::seed::prefix_for;
pub(crate) use crate::exec::seed::{rand_u64, rng_for};
use crate::generate::{Pool, UniqueCounter};
use crate::spec::*;
pub use crate::target::RetryPolicy;
use crate::target::{
    Clock, Cutoff, RateLimited, Request, Response, Retry, RetryCounts, RetrySummary, Target,
    TargetError,
};

/// Everything a run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub seed: u64,
    pub prefix: String,
    pub target: String,
    pub strict: bool,
    pub cases: u32,
    /// Every check, in report order: the rows, the valid-request checks, the properties
    /// ([`CheckKind::ALL`]). Read them with [`RunReport::checks`].
    pub checks: Vec<CheckResult>,
    /// The OAuth 1.0a convention each vendor's requests were signed with, by vendor id
    /// (vendors whose auth is `oauth1`; found by `signing::detect` where the spec declares
    /// variants).
    #[serde(default)]
    pub signing: BTreeMap<String, Convention>,
    pub summary: Summary,
    pub elapsed_ms: u64,
    /// The retries the transport policy made.
    #[serde(default)]
    pub transport: RetrySummary,
    /// Why the run stopped before every check ran (`--max-duration`, a signal); the checks it
    /// did not finish are untested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The fingerprint of the specs the run loaded: the SHA-256 (hex) of their parsed content,
    /// in load order (`partition::fingerprint`), so a comment or layout change keeps it.
    #[serde(default)]
    pub spec: Option<String>,
    /// What decided the requests besides the seed, prefix, cases and strictness.
    #[serde(default)]
    pub options: Option<RunSettings>,
    /// The part of a split run this report is (`--partition K/N`), if any.
    #[serde(default)]
    pub partition: Option<Partition>,
}

impl RunReport {
    /// Whether the run shows the target conforms: nothing failed (warnings count under
    /// `--strict`, where they are already failures), the harness carried out every check it
    /// selected, every check ran (a stopped run proves nothing), and under `--strict` nothing
    /// is untested at all.
    pub fn conforms(&self) -> bool {
        self.outcome() == RunOutcome::Conforms
    }

    /// What the run shows, as `confuzz run` exits with it: non-conformance wins over a harness
    /// error (a failure is a finding whatever else went wrong), which wins over the set-up.
    pub fn outcome(&self) -> RunOutcome {
        let untested = |cause: Cause| self.untested_because(cause).next().is_some();
        if self.summary.failed > 0 {
            RunOutcome::Fails
        } else if self.stopped.is_some() {
            RunOutcome::Stopped
        } else if untested(Cause::Harness) {
            RunOutcome::HarnessError
        } else if self.strict && self.summary.untested > 0 {
            RunOutcome::UntestedUnderStrict
        } else {
            RunOutcome::Conforms
        }
    }

    /// The untested checks of one cause, in report order. A check untested without a cause
    /// counts as the harness's: nothing may go untested unexplained.
    pub fn untested_because(&self, cause: Cause) -> impl Iterator<Item = &CheckResult> {
        self.checks().filter(move |c| {
            c.verdict == RowVerdict::Untested && c.cause.unwrap_or(Cause::Harness) == cause
        })
    }

    /// Every check of the run, in report order: the one way to read a report's results.
    pub fn checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter()
    }

    /// The checks of one kind, in report order.
    pub fn of_kind(&self, kind: CheckKind) -> impl Iterator<Item = &CheckResult> {
        self.checks().filter(move |c| c.kind == kind)
    }

    /// The check with this id, if it ran.
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks().find(|c| c.id == id)
    }
}

/// What a finished run shows, in order of precedence (see [`RunReport::outcome`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Nothing failed; whatever is untested is the set-up's or the target's doing, and the run
    /// is not strict. `confuzz run` exits 0.
    Conforms,
    /// A check failed (exit 1).
    Fails,
    /// Under `--strict` (certification), a check is untested because of the set-up or the
    /// target: the run cannot certify what it did not check (exit 1).
    UntestedUnderStrict,
    /// The harness could not carry out a check it selected (a request it could not build, a
    /// pool it used up, a failure it could not rebuild): the verdict is incomplete by the
    /// harness's fault (exit 2).
    HarnessError,
    /// The run stopped before every check ran (`--max-duration`, a signal) and found no
    /// failure: it proves nothing either way (exit 2).
    Stopped,
}

/// What reporters are told while a run goes on.
#[derive(Debug)]
pub enum Event<'a> {
    Started {
        rows: usize,
        endpoints: usize,
    },
    /// One check finished (properties come after every row and valid-request check).
    Finished(&'a CheckResult),
    /// A check begins: a row id, `vendor.valid.endpoint`, or `vendor.property` (a property is
    /// announced once per vendor, whatever the number of its results).
    CheckStarted(&'a str),
    /// The properties begin, after every row and valid-request check: `checks` pairs of a
    /// vendor and a property, each announced by `CheckStarted` and closed by `PropertyChecked`.
    PropertiesStarted {
        checks: usize,
    },
    /// One vendor's property is done (its results came as `Finished`).
    PropertyChecked(&'a str),
}

/// A run that could not go on at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Target(TargetError),
    #[error("no row matches {0:?}; `confuzz list` shows the row ids")]
    NoRows(Vec<String>),
    /// `--properties` names a property that does not exist.
    #[error("{0}")]
    UnknownProperty(crate::spec::UnknownName),
    /// One filter (`--row`) selects nothing: a typo must not pass as a run of zero checks.
    #[error("no row matches `{filter}` (nor any valid-request check or property result); {}; `confuzz list` shows the row ids", nearest_text(.nearest))]
    NoMatch {
        filter: String,
        /// The known ids closest to the filter, nearest first.
        nearest: Vec<String>,
    },
    /// A property named by `--properties` has no subject among the selected vendors and rows.
    #[error("--properties {property} matches nothing: no selected vendor or row declares a subject for it; {}", nearest_text(.nearest))]
    PropertyMatchesNothing {
        property: String,
        /// The property results the selection has instead (or the properties that have some).
        nearest: Vec<String>,
    },
    /// A pool cannot serve one case of every selected check that draws from it (found before
    /// the first request).
    #[error(transparent)]
    PoolTooSmall(#[from] super::pools::PoolTooSmall),
}

fn nearest_text(nearest: &[String]) -> String {
    if nearest.is_empty() {
        "nothing is near it".to_string()
    } else {
        format!("the nearest: {}", nearest.join(", "))
    }
}

/// Edit distance between two strings (characters inserted, removed or replaced).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The (at most three) `candidates` nearest to `filter`, nearest first.
pub(crate) fn nearest_ids<'c>(
    filter: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Vec<String> {
    let bare = filter.trim_end_matches('*');
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| {
            // A filter is often a prefix: compare with the candidate cut to the filter's length
            // too, and keep the better of the two.
            let cut: String = c.chars().take(bare.chars().count()).collect();
            (distance(bare, c).min(distance(bare, &cut) + 1), c)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// Whether the valid-request check of `endpoint` (`vendor.valid.endpoint`) is selected by the
/// filters: by its own id, or by the bare vendor id.
pub(crate) fn valid_check_selected(
    spec: &VendorSpec,
    endpoint: &Endpoint,
    filters: &[String],
) -> bool {
    check_selected(&spec.vendor.id, &valid_check_id(spec, endpoint), filters)
}

/// The id of the valid-request check of `endpoint`: `vendor.valid.endpoint`.
pub(crate) fn valid_check_id(spec: &VendorSpec, endpoint: &Endpoint) -> String {
    valid_id(&spec.vendor.id, &endpoint.id)
}

/// The statuses a row accepts (its own, its alternatives', its accepted rows').
pub(super) fn expected_statuses(spec: &VendorSpec, row: &ErrorRow) -> Vec<u16> {
    let mut v = vec![row.expect.status];
    v.extend(row.alternatives.iter().filter_map(|a| a.status));
    v.extend(
        row.also_accept
            .iter()
            .filter_map(|id| spec.row(id))
            .map(|r| r.expect.status),
    );
    v
}

pub(super) struct Shared<'a> {
    pub(super) target: &'a dyn Target,
    fixtures: &'a Map<String, Value>,
    pub(super) prefix: String,
    pool: Pool,
    /// The cases of the checks that draw from a pool (`pools::plan`).
    pub(super) pool_plan: super::pools::PoolPlan,
    pub(super) options: &'a RunOptions,
    faults: Option<Vec<String>>,
    clock: Clock,
    fatal: Mutex<Option<TargetError>>,
    pub(super) stop: AtomicBool,
    /// The run's end, when `--max-duration` sets one.
    deadline: Option<Instant>,
    /// Retries of every check of the run.
    retries: Arc<RetryCounts>,
    /// The OAuth 1.0a convention of each vendor's target (see `signing`).
    signing: BTreeMap<String, Convention>,
}

impl Shared<'_> {
    /// The retry layer of one check, which expects the statuses `expected` (never retried).
    pub(super) fn retry(
        &self,
        expected: impl IntoIterator<Item = u16>,
    ) -> Option<Retry<&dyn Target>> {
        self.options.retry.map(|policy| {
            Retry::new(self.target, policy)
                .except(expected)
                .until(self.deadline)
                .counting(self.retries.clone())
        })
    }

    /// Records what a transport error means for the run: an unreachable target ends it (exit
    /// 2), a stopped run ends it with what it has.
    pub(super) fn transport_error(&self, t: &TargetError) {
        match t {
            TargetError::Unreachable { .. } => {
                if let Ok(mut f) = self.fatal.lock() {
                    f.get_or_insert(t.clone());
                }
                self.stop.store(true, Ordering::Relaxed);
            }
            TargetError::Stopped { .. } => self.stop.store(true, Ordering::Relaxed),
            _ => {}
        }
    }

    pub(super) fn env<'s>(
        &'s self,
        target: &'s dyn Target,
        prefix: &'s str,
        unique: &'s UniqueCounter,
    ) -> CaseEnv<'s> {
        CaseEnv {
            target,
            fixtures: self.fixtures,
            run_prefix: prefix,
            pool: &self.pool,
            unique,
            url_base: &self.options.url_base,
            host: self.options.host.as_deref(),
            faults: self.faults.as_deref(),
            clock: self.clock.clone(),
            signing: &self.signing,
        }
    }
}

/// The mismatches of a verdict on one line: `what: expected X, got Y; ...`.
pub(crate) fn first_line(mismatches: &[Mismatch]) -> String {
    mismatches
        .iter()
        .map(|m| format!("{}: expected {}, got {}", m.what, m.expected, m.observed))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn evidence(
    run: &CaseRun,
    verdict: &Verdict,
    choices: Vec<u64>,
    shrunk: bool,
    reproduced: bool,
) -> Evidence {
    Evidence {
        mismatches: verdict.mismatches.clone(),
        reading: verdict.reading.clone(),
        looks_like: verdict.looks_like.clone(),
        request: run.record.request.clone(),
        response: run.response.clone(),
        setup: run.setup.clone(),
        choices,
        shrunk,
        reproduced,
    }
}

/// The verdict on one case of `row`: the oracle's, or a failure when a send the case depends on
/// was refused (then the answer under test shows nothing about the row).
pub(crate) fn judge(
    oracle: &Oracle,
    spec: &VendorSpec,
    row: &ErrorRow,
    run: &CaseRun,
    strict: bool,
) -> Verdict {
    match &run.unmet {
        Some(unmet) => Verdict {
            outcome: Outcome::Fail,
            reading: row.id.clone(),
            mismatches: vec![unmet.clone()],
            looks_like: oracle.classify(spec, &run.response),
        },
        None => oracle.check_row(spec, row, &run.record, &run.response, strict),
    }
}

/// A row's result before its verdict: passed, with what every verdict shares.
pub(super) fn row_result(spec: &VendorSpec, row: &ErrorRow, cases: u32) -> CheckResult {
    let mut result = CheckResult::row(&spec.vendor.id, &row.id, row.title.clone());
    result.count = cases;
    result
}

fn run_positive(
    shared: &Shared<'_>,
    oracle: &Oracle,
    spec: &VendorSpec,
    endpoint: &Endpoint,
) -> CheckResult {
    let mut result = CheckResult::valid(&spec.vendor.id, &endpoint.id);
    let mut rng = rng_for(shared.options.seed, &result.id);
    let cases = shared
        .pool_plan
        .cases(&result.id, shared.options.cases.max(1));
    let retry = shared.retry(endpoint.success.iter().copied());
    let target: &dyn Target = match &retry {
        Some(retry) => retry,
        None => shared.target,
    };
    for i in 0..cases {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        let choices: Vec<u64> = (0..64).map(|_| rand_u64(&mut rng)).collect();
        let prefix = case_prefix(&shared.prefix, &result.id, &choices, i);
        let unique = UniqueCounter::new();
        let env = shared.env(target, &prefix, &unique);
        match execute_valid(&env, spec, endpoint, &choices) {
            Ok(run) => {
                result.count += 1;
                if let Some((verdict, reason)) = oracle.check_valid(spec, endpoint, &run.response) {
                    result.verdict = RowVerdict::Failed;
                    result.reason = Some(reason);
                    result.evidence = Some(evidence(&run, &verdict, choices, false, true));
                    return result;
                }
            }
            Err(e) => {
                if let CaseError::Target(t) = &e {
                    shared.transport_error(t);
                }
                if e.is_no_usable_answer() {
                    result.verdict = RowVerdict::Failed;
                    result.reason = Some(e.untested_reason());
                    return result;
                }
                let cause = e.cause();
                return result.untested(e.untested_reason(), cause);
            }
        }
    }
    result
}

/// The selected checks the pool planner plays: the rows and endpoints of the run, and the
/// subjects of the `limit` property (a replay of their row each) when it is selected.
fn pool_selection<'s>(
    set: &'s SpecSet,
    rows: &[(&'s VendorSpec, &'s ErrorRow)],
    endpoints: &[(&'s VendorSpec, &'s Endpoint)],
    properties: &[crate::props::Property],
    options: &RunOptions,
) -> super::pools::Selection<'s> {
    let limits = if properties.iter().any(|p| p.name == "limit") {
        set.specs
            .iter()
            .flat_map(|l| {
                l.spec
                    .vendor
                    .limits
                    .iter()
                    .map(move |limit| (&l.spec, limit))
            })
            .filter_map(|(spec, limit)| {
                let row = spec.row(limit.row.as_deref()?)?;
                let id = crate::check::result::property_id(
                    &spec.vendor.id,
                    "limit",
                    &crate::props::slug(&[&limit.name]),
                );
                let shared_and_run = limit.shared && selected(&row.id, &options.rows);
                (check_selected(&spec.vendor.id, &id, &options.rows) && !shared_and_run)
                    .then_some((spec, row, id))
            })
            .collect()
    } else {
        Vec::new()
    };
    super::pools::Selection {
        rows: rows.to_vec(),
        endpoints: endpoints
            .iter()
            .map(|(s, e)| (*s, *e, valid_check_id(s, e)))
            .collect(),
        limits,
    }
}

/// How deep setup steps are followed when looking for pool draws (deeper setups fail anyway).
const POOL_SCAN_DEPTH: usize = 8;

/// Whether a piece of spec (a schema, or serialized ops) names an `x-pool` fixture or a
/// `pool:` value.
fn names_pool(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k == "x-pool" || (k == "pool" && v.is_string()) || names_pool(v)),
        Value::Array(items) => items.iter().any(names_pool),
        _ => false,
    }
}

fn ops_draw_from_pool(ops: &[Op]) -> bool {
    serde_json::to_value(ops).map_or(true, |v| names_pool(&v))
}

fn steps_draw_from_pool(spec: &VendorSpec, steps: &[Step], depth: usize) -> bool {
    steps.iter().any(|step| {
        ops_draw_from_pool(&step.ops) || endpoint_draws_from_pool(spec, &step.endpoint, depth + 1)
    })
}

/// Whether a valid request to the endpoint (its setup included) takes `x-pool` elements.
fn endpoint_draws_from_pool(spec: &VendorSpec, id: &str, depth: usize) -> bool {
    let Some(endpoint) = spec.endpoint(id) else {
        return false;
    };
    if depth > POOL_SCAN_DEPTH {
        return false;
    }
    let schemas = serde_json::to_value((&endpoint.params, &endpoint.body)).unwrap_or(Value::Null);
    names_pool(&schemas) || steps_draw_from_pool(spec, &endpoint.setup, depth)
}

/// Whether a case of the row takes `x-pool` elements.
fn row_draws_from_pool(spec: &VendorSpec, row: &ErrorRow) -> bool {
    let Some(trigger) = &row.trigger else {
        return false;
    };
    ops_draw_from_pool(&trigger.ops)
        || steps_draw_from_pool(spec, &trigger.setup, 0)
        || row
            .trigger_endpoint()
            .is_some_and(|id| endpoint_draws_from_pool(spec, id, 0))
}

/// A layer that remembers the transport errors of the requests it passed on (the first few),
/// so that a property's results can be judged by them.
struct Watched<'a> {
    inner: &'a dyn Target,
    seen: Mutex<Vec<TargetError>>,
}

impl Watched<'_> {
    /// The errors seen since the last call.
    fn take(&self) -> Vec<TargetError> {
        self.seen
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}

impl Target for Watched<'_> {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let outcome = self.inner.send(request);
        if let Err(e) = &outcome {
            if let Ok(mut seen) = self.seen.lock() {
                if seen.len() < 16 && !seen.contains(e) {
                    seen.push(e.clone());
                }
            }
        }
        outcome
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// A property result left untested because a request got no usable answer fails instead:
/// the target did not answer. Results that passed, failed or went untested for another reason
/// stay as they are (a stopped run's say why).
fn judge_transport(mut result: CheckResult, seen: &[TargetError]) -> CheckResult {
    if result.verdict != RowVerdict::Untested {
        return result;
    }
    let reason = result.reason.clone().unwrap_or_default();
    if let Some(t) = seen
        .iter()
        .find(|t| t.is_no_usable_answer() && reason.contains(&t.to_string()))
    {
        result.verdict = RowVerdict::Failed;
        result.reason = Some(format!("no usable answer: {t}"));
        result.cause = None;
    } else if let Some(TargetError::Stopped { reason }) = seen
        .iter()
        .find(|t| matches!(t, TargetError::Stopped { .. }))
    {
        result.reason = Some(format!("not finished: {reason}"));
        result.cause = Some(Cause::Harness);
    }
    result
}

/// Every property subject the loaded specs declare, whatever the filters, without sending
/// anything: (vendor, property name, result id).
fn property_subjects(set: &SpecSet) -> Vec<(String, &'static str, String)> {
    let mut all = Vec::new();
    for loaded in &set.specs {
        for property in crate::props::all() {
            for id in (property.subjects)(&loaded.spec) {
                all.push((loaded.spec.vendor.id.clone(), property.name, id));
            }
        }
    }
    all
}

/// The id of every check the loaded specs declare, whatever the filters, in report order:
/// the rows, the valid-request checks, the OAuth 1.0a interop findings, the property
/// subjects.
pub(crate) fn report_order(set: &SpecSet) -> Vec<String> {
    set.rows()
        .map(|(_, r)| r.id.clone())
        .chain(set.specs.iter().flat_map(|s| {
            s.spec
                .endpoints
                .iter()
                .map(move |e| valid_check_id(&s.spec, e))
        }))
        .chain(
            set.specs
                .iter()
                .filter(|s| matches!(s.spec.vendor.auth, Auth::Oauth1 { .. }))
                .map(|s| interop_id(&s.spec.vendor.id)),
        )
        .chain(property_subjects(set).into_iter().map(|(_, _, id)| id))
        .collect()
}

/// The id of a vendor's OAuth 1.0a interop finding (`signing`).
fn interop_id(vendor: &str) -> String {
    crate::check::result::property_id(vendor, signing::INTEROP, signing::SUBJECT)
}

/// Every selected check, in report order, with the key of its group for a split run: checks
/// that share a target's state share a key, so that they run in one part. A vendor's shared
/// state is what its property subjects (which run one after another in a run), its limit rows
/// (a limit fills once per target), its checks that draw `x-pool` elements (in one order)
/// and its OAuth 1.0a interop finding touch; any other check is a group of its own.
fn group_keys(
    set: &SpecSet,
    rows: &[(&VendorSpec, &ErrorRow)],
    endpoints: &[(&VendorSpec, &Endpoint)],
    subjects: &[(String, &'static str, String)],
    properties: &[crate::props::Property],
    options: &RunOptions,
) -> Vec<(String, String)> {
    let shared = |vendor: &str| format!("{vendor} shared state");
    let mut keys = Vec::new();
    for (spec, row) in rows {
        let limit_row = spec
            .vendor
            .limits
            .iter()
            .any(|l| l.row.as_deref() == Some(row.id.as_str()));
        let key = if limit_row || row_draws_from_pool(spec, row) {
            shared(&spec.vendor.id)
        } else {
            row.id.clone()
        };
        keys.push((row.id.clone(), key));
    }
    for (spec, endpoint) in endpoints {
        let id = valid_check_id(spec, endpoint);
        let key = if endpoint_draws_from_pool(spec, &endpoint.id, 0) {
            shared(&spec.vendor.id)
        } else {
            id.clone()
        };
        keys.push((id, key));
    }
    for (vendor, name, id) in subjects {
        if properties.iter().any(|p| p.name == *name) && check_selected(vendor, id, &options.rows) {
            keys.push((id.clone(), shared(vendor)));
        }
    }
    // A vendor signed with OAuth 1.0a that has a check in the run: its interop finding.
    for loaded in &set.specs {
        let vendor = &loaded.spec.vendor;
        let own = format!("{}.", vendor.id);
        if matches!(vendor.auth, Auth::Oauth1 { .. })
            && keys.iter().any(|(id, _)| id.starts_with(&own))
        {
            keys.push((interop_id(&vendor.id), shared(&vendor.id)));
        }
    }
    keys
}

/// Runs every selected row of `set` against `target`.
pub fn run(
    set: &SpecSet,
    target: &dyn Target,
    fixtures: &Map<String, Value>,
    options: &RunOptions,
    on_event: &(dyn Fn(&Event<'_>) + Sync),
) -> Result<RunReport, RunError> {
    let start = Instant::now();
    let properties =
        crate::props::select(options.properties.as_deref()).map_err(RunError::UnknownProperty)?;
    let oracle = Oracle::new(set);
    let rows: Vec<(&VendorSpec, &ErrorRow)> = set
        .rows()
        .filter(|(_, r)| selected(&r.id, &options.rows))
        .collect();
    let endpoints: Vec<(&VendorSpec, &Endpoint)> = if options.positive {
        set.specs
            .iter()
            .flat_map(|s| s.spec.endpoints.iter().map(move |e| (&s.spec, e)))
            .filter(|(s, e)| valid_check_selected(s, e, &options.rows))
            .collect()
    } else {
        Vec::new()
    };
    // Every filter must select something (a row, a valid-request check or a property
    // subject), and every property `--properties` names must have a subject among the
    // selected vendors and rows: checked before anything is sent.
    let subjects = property_subjects(set);
    let known = || report_order(set);
    for filter in &options.rows {
        let one = std::slice::from_ref(filter);
        let matches = set.rows().any(|(_, r)| selected(&r.id, one))
            || set.specs.iter().any(|s| {
                s.spec
                    .endpoints
                    .iter()
                    .any(|e| valid_check_selected(&s.spec, e, one))
            })
            || subjects.iter().any(|(_, _, id)| selected(id, one));
        if !matches {
            let known = known();
            return Err(RunError::NoMatch {
                filter: filter.clone(),
                nearest: nearest_ids(filter, known.iter().map(String::as_str)),
            });
        }
    }
    for property in &properties {
        let chosen = |(vendor, name, id): &&(String, &'static str, String)| {
            *name == property.name
                && (options.rows.is_empty()
                    || selected(id, &options.rows)
                    || options.rows.iter().any(|f| f == vendor))
        };
        if options.properties.is_some() && !subjects.iter().any(|s| chosen(&s)) {
            let mut with: Vec<String> = subjects
                .iter()
                .filter(|(_, name, _)| *name == property.name)
                .map(|(_, _, id)| id.clone())
                .collect();
            with.truncate(3);
            return Err(RunError::PropertyMatchesNothing {
                property: property.name.to_string(),
                nearest: with,
            });
        }
    }
    // A part of a split run keeps only its own checks; the filters above were checked
    // against the whole run, which every part sees alike.
    let only: Option<BTreeSet<String>> = options.partition.map(|p| {
        let keys = group_keys(set, &rows, &endpoints, &subjects, &properties, options);
        assign(&keys, p.count)
            .into_iter()
            .filter(|(_, k)| *k == p.index)
            .map(|(id, _)| id)
            .collect()
    });
    let owned = |id: &str| only.as_ref().is_none_or(|o| o.contains(id));
    let rows: Vec<(&VendorSpec, &ErrorRow)> =
        rows.into_iter().filter(|(_, r)| owned(&r.id)).collect();
    let endpoints: Vec<(&VendorSpec, &Endpoint)> = endpoints
        .into_iter()
        .filter(|(s, e)| owned(&valid_check_id(s, e)))
        .collect();
    let prefix = options
        .prefix
        .clone()
        .unwrap_or_else(|| prefix_for(options.seed));
    // The transport policy, as layers around the target, the same for every kind of check:
    // the run's cutoff (deadline, signals) outermost, then the rate; each check puts its own
    // retry layer on top (it knows which statuses it expects).
    let stop = options.stop.clone().unwrap_or_default();
    let rated;
    let paced: &dyn Target = match options.rate {
        Some(n) => {
            rated = RateLimited::new(target, n);
            &rated
        }
        None => target,
    };
    let deadline = options.max_duration.map(|d| start + d);
    let mut cutoff = Cutoff::new(paced, stop.clone());
    if let (Some(at), Some(d)) = (deadline, options.max_duration) {
        cutoff = cutoff.deadline(
            at,
            format!(
                "the run reached its maximum duration ({} s)",
                d.as_secs_f64()
            ),
        );
    }
    // The pools are planned before anything is sent: too small is an error now, and short
    // means fewer cases for the checks that spend their values.
    let pool_plan = super::pools::plan(
        set,
        &pool_selection(set, &rows, &endpoints, &properties, options),
        fixtures,
        options.cases,
    )?;
    let mut shared = Shared {
        target: &cutoff,
        fixtures,
        prefix: prefix.clone(),
        pool: Pool::with_reuse(fixtures, &super::pools::reuse(set, fixtures)),
        pool_plan,
        options,
        faults: options.faults.clone(),
        clock: options.clock_in_use(),
        fatal: Mutex::new(None),
        stop: AtomicBool::new(false),
        deadline,
        retries: Arc::default(),
        signing: BTreeMap::new(),
    };
    on_event(&Event::Started {
        rows: rows.len(),
        endpoints: endpoints.len(),
    });
    // Before any row: which OAuth 1.0a convention each checked vendor's target verifies with.
    let mut interop = Vec::new();
    for loaded in &set.specs {
        let spec = &loaded.spec;
        if !matches!(spec.vendor.auth, Auth::Oauth1 { .. }) {
            continue;
        }
        let vendor = spec.vendor.id.as_str();
        let checked = rows.iter().any(|(s, _)| s.vendor.id == vendor)
            || endpoints.iter().any(|(s, _)| s.vendor.id == vendor)
            || (!properties.is_empty() && selected(vendor, &options.rows))
            || options
                .rows
                .iter()
                .any(|f| f == vendor || f.starts_with(&format!("{vendor}.")));
        if !checked {
            continue;
        }
        let unique = UniqueCounter::new();
        // Every part of a split run needs the convention, one reports the finding: the others
        // probe with choices of their own (another seed), so that parts at once never send
        // the same probe (its nonce would be used twice).
        let reports_finding = owned(&interop_id(vendor));
        let probe_seed = match options.partition {
            Some(p) if !reports_finding => options
                .seed
                .wrapping_add(u64::from(p.index).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            _ => options.seed,
        };
        let detection = signing::detect(
            &shared.env(shared.target, &prefix, &unique),
            spec,
            probe_seed,
            options.strict,
        );
        let convention = detection
            .as_ref()
            .map_or(Convention::Rfc5849, |d| d.convention);
        shared.signing.insert(vendor.to_string(), convention);
        if let Some(d) = detection.filter(|_| reports_finding) {
            on_event(&Event::Finished(&d.result));
            interop.push(d.result);
        }
    }
    enum Job<'s> {
        Row(&'s VendorSpec, &'s ErrorRow),
        Valid(&'s VendorSpec, &'s Endpoint),
    }
    let jobs: Vec<Job<'_>> = rows
        .iter()
        .map(|(s, r)| Job::Row(s, r))
        .chain(endpoints.iter().map(|(s, e)| Job::Valid(s, e)))
        .collect();
    // Jobs that draw `x-pool` elements run one after another, in job order, on the first
    // thread: the pool hands elements to whoever asks first, so this keeps which element a
    // case gets independent of how the other jobs interleave.
    let (lane, rest): (Vec<usize>, Vec<usize>) = (0..jobs.len()).partition(|&i| match &jobs[i] {
        Job::Row(spec, row) => row_draws_from_pool(spec, row),
        Job::Valid(spec, endpoint) => endpoint_draws_from_pool(spec, &endpoint.id, 0),
    });
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, CheckResult)>> = Mutex::new(Vec::new());
    let run_job = |i: usize| {
        on_event(&Event::CheckStarted(&match &jobs[i] {
            Job::Row(_, row) => row.id.clone(),
            Job::Valid(spec, endpoint) => valid_id(&spec.vendor.id, &endpoint.id),
        }));
        let started = Instant::now();
        let mut result = match &jobs[i] {
            Job::Row(spec, row) => super::row::run_row(&shared, &oracle, spec, row),
            Job::Valid(spec, endpoint) => run_positive(&shared, &oracle, spec, endpoint),
        };
        if let Some(note) = shared.pool_plan.note(&result.id) {
            result.notes.push(note.to_string());
        }
        result.time_ms = Some(started.elapsed().as_millis() as u64);
        on_event(&Event::Finished(&result));
        if let Ok(mut r) = results.lock() {
            r.push((i, result));
        }
    };
    let threads = options.jobs.max(1).min(jobs.len().max(1));
    std::thread::scope(|scope| {
        for t in 0..threads {
            let own: &[usize] = if t == 0 { &lane } else { &[] };
            let (next, rest, shared, run_job) = (&next, &rest, &shared, &run_job);
            scope.spawn(move || {
                for &i in own {
                    if shared.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    run_job(i);
                }
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = rest.get(k) else { break };
                    if shared.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    run_job(i);
                }
            });
        }
    });
    if let Some(fatal) = shared.fatal.lock().ok().and_then(|mut f| f.take()) {
        return Err(RunError::Target(fatal));
    }
    let mut checks = results.into_inner().unwrap_or_default();
    // A stopped run reports the checks it did not reach as untested, never as passed.
    if let Some(reason) = stop.reason() {
        let why = format!("not run: {reason}");
        for (i, job) in jobs.iter().enumerate() {
            if checks.iter().any(|(j, _)| *j == i) {
                continue;
            }
            let result = match job {
                Job::Row(spec, row) => row_result(spec, row, 0),
                Job::Valid(spec, endpoint) => CheckResult::valid(&spec.vendor.id, &endpoint.id),
            };
            checks.push((i, result.untested(why.clone(), Cause::Harness)));
        }
    }
    checks.sort_by_key(|(i, _)| *i);
    let mut checks: Vec<CheckResult> = checks.into_iter().map(|(_, r)| r).collect();
    // The interop findings open the property results: they were found before any row.
    checks.extend(interop);
    // The properties, one after another once the rows are done: each may change the target's
    // state in ways a row must not see, and pool draws stay in a fixed order.
    on_event(&Event::PropertiesStarted {
        checks: set.specs.len() * properties.len(),
    });
    for loaded in &set.specs {
        // A property judges any of its vendor's rows: the statuses they document are answers
        // under test, never retried.
        let expected: Vec<u16> = loaded
            .spec
            .rows
            .iter()
            .flat_map(|row| expected_statuses(&loaded.spec, row))
            .collect();
        let retry = shared.retry(expected);
        let watched = Watched {
            inner: match &retry {
                Some(retry) => retry,
                None => shared.target,
            },
            seen: Mutex::new(Vec::new()),
        };
        let context = crate::props::Context {
            oracle: &oracle,
            target: &watched,
            fixtures,
            pool: &shared.pool,
            options,
            prefix: &prefix,
            faults: shared.faults.as_deref(),
            clock: shared.clock.clone(),
            only: only.as_ref(),
            signing: &shared.signing,
        };
        for property in &properties {
            if stop.is_stopped() {
                break;
            }
            let id = CheckKind::Property.id(&loaded.spec.vendor.id, property.name);
            on_event(&Event::CheckStarted(&id));
            let started = Instant::now();
            let mut results = (property.check)(&context, &loaded.spec);
            // A call that checked one subject timed that subject alone.
            if let [only] = results.as_mut_slice() {
                only.time_ms = Some(started.elapsed().as_millis() as u64);
            }
            let seen = watched.take();
            if let Some(unreachable) = seen
                .iter()
                .find(|t| matches!(t, TargetError::Unreachable { .. }))
            {
                return Err(RunError::Target(unreachable.clone()));
            }
            for result in results {
                let result = judge_transport(result, &seen);
                on_event(&Event::Finished(&result));
                checks.push(result);
            }
            on_event(&Event::PropertyChecked(&id));
        }
    }
    let summary = Summary::of(&checks);
    Ok(RunReport {
        seed: options.seed,
        prefix,
        target: target.describe(),
        strict: options.strict,
        cases: options.cases,
        checks,
        signing: shared.signing,
        summary,
        elapsed_ms: start.elapsed().as_millis() as u64,
        transport: shared.retries.summary(),
        stopped: stop.reason(),
        spec: Some(fingerprint(set)),
        options: Some(RunSettings::of(set, options)),
        partition: options.partition,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_prefixes_are_stable() {
        assert_eq!(prefix_for(42), prefix_for(42));
        assert_ne!(prefix_for(42), prefix_for(43));
        assert!(prefix_for(7).chars().all(|c| c.is_ascii_alphanumeric()));
        let mut a = rng_for(1, "row");
        let mut b = rng_for(1, "row");
        assert_eq!(rand_u64(&mut a), rand_u64(&mut b));
        let mut c = rng_for(1, "other");
        assert_ne!(rand_u64(&mut rng_for(1, "row")), rand_u64(&mut c));
    }

    #[test]
    fn pool_draws_are_found_in_schemas_and_ops() {
        use serde_json::json;
        let schema = json!({"properties": {"userId": {"type": "string", "x-pool": "v.users"}}});
        assert!(names_pool(&schema));
        let ops = json!([{"set": {"/userId": {"pool": "v.users", "as": "user"}}}]);
        assert!(names_pool(&ops));
        // A property that happens to be called `pool` is not a pool.
        let schema = json!({"properties": {"pool": {"type": "string"}}});
        assert!(!names_pool(&schema));
    }

    #[test]
    fn row_filters() {
        assert!(selected("a.b.c", &[]));
        assert!(selected("a.b.c", &["a".into()]));
        assert!(selected("a.b.c", &["a.b".into()]));
        assert!(selected("a.b.c", &["a.b.c".into()]));
        assert!(!selected("a.b.cd", &["a.b.c".into()]));
        assert!(selected("a.b.cd", &["a.b.c*".into()]));
    }
}
