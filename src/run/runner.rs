//! The main function here is [`run`]: every selected row, `cases` times each, against one
//! target, in parallel, with proptest driving generation and shrinking. It only orchestrates:
//! cases are built by `case`, judged by the oracle, and the results go to reporters as
//! [`Event`]s and in the final [`RunReport`].
//!
//! Not for: printing (see `report`), or deciding what a row expects (see `check`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::case::{
    execute, execute_valid, is_success, variant_examples, CaseEnv, CaseError, CaseRun, Exchange,
};
use super::signing;
use crate::auth::oauth1::Convention;
use crate::check::{Mismatch, Oracle, Outcome, Verdict};
use crate::generate::choice::choices_strategy;
use crate::generate::{Pool, UniqueCounter};
use crate::spec::*;
use crate::target::{Request, Response, Target, TargetError};

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
    /// Retry 429 and 5xx answers (for rows that do not expect them) with backoff.
    pub retry: Option<RetryPolicy>,
    /// The instant dated values (`x-future`, `x-past`, OAuth timestamps) are relative to;
    /// `None`: when the run starts. The same seed builds byte-identical requests only against
    /// the same clock, so pin it to compare two runs.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// The cross-request properties to check after the rows (`props::all` names them):
    /// `None` all of them, an empty list none. The row filters select their results too.
    pub properties: Option<Vec<String>>,
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
            now: None,
            properties: None,
        }
    }
}

/// Truncated exponential backoff with jitter.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        }
    }
}

/// A row's verdict over all its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowVerdict {
    Passed,
    Warned,
    Failed,
    Untested,
}

impl RowVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            RowVerdict::Passed => "passed",
            RowVerdict::Warned => "warned",
            RowVerdict::Failed => "failed",
            RowVerdict::Untested => "untested",
        }
    }
}

/// The evidence of a failure or warning: the minimal case that shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub mismatches: Vec<Mismatch>,
    /// The reading the answer was compared with.
    pub reading: String,
    /// The documented row the answer looks like instead, if any.
    pub looks_like: Option<String>,
    pub request: Request,
    pub response: Response,
    pub setup: Vec<Exchange>,
    /// The choice sequence that rebuilds this case (with the run seed and prefix).
    pub choices: Vec<u64>,
    /// Whether the case was shrunk, and whether the minimal case reproduced on a re-run.
    pub shrunk: bool,
    pub reproduced: bool,
}

/// One row's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowResult {
    pub vendor: String,
    pub id: String,
    pub title: String,
    pub verdict: RowVerdict,
    /// Cases run (including shrinking re-runs not counted).
    pub cases: u32,
    /// One line: why it failed, warned or was untested.
    pub reason: Option<String>,
    pub evidence: Option<Evidence>,
    /// Which reading the passing answers matched (the row, an alternative, or an accepted row).
    pub readings: BTreeMap<String, u32>,
}

/// The answers to valid requests for one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositiveResult {
    pub vendor: String,
    pub endpoint: String,
    pub verdict: RowVerdict,
    pub cases: u32,
    pub reason: Option<String>,
    pub evidence: Option<Evidence>,
}

/// Counts per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub untested: usize,
}

/// Everything a run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub seed: u64,
    pub prefix: String,
    pub target: String,
    pub strict: bool,
    pub cases: u32,
    pub rows: Vec<RowResult>,
    pub positive: Vec<PositiveResult>,
    /// Cross-request property checks (see `props`).
    #[serde(default)]
    pub properties: Vec<crate::props::PropertyResult>,
    /// The OAuth 1.0a convention each vendor's requests were signed with, by vendor id
    /// (vendors whose auth is `oauth1`; found by `signing::detect` where the spec declares
    /// variants).
    #[serde(default)]
    pub signing: BTreeMap<String, Convention>,
    pub summary: Summary,
    pub elapsed_ms: u64,
}

impl RunReport {
    /// Whether the target conforms: nothing failed (warnings count under `--strict`, where
    /// they are already failures).
    pub fn conforms(&self) -> bool {
        self.summary.failed == 0
    }
}

/// What reporters are told while a run goes on.
#[derive(Debug)]
pub enum Event<'a> {
    Started {
        rows: usize,
        endpoints: usize,
    },
    RowFinished(&'a RowResult),
    PositiveFinished(&'a PositiveResult),
    /// One property result (they come after every row and valid-request check).
    PropertyFinished(&'a crate::props::PropertyResult),
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
    UnknownProperty(String),
}

/// FNV-1a: a stable hash, so seeds derive the same way on every platform and release.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in *part {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

pub(crate) fn rng_for(seed: u64, key: &str) -> TestRng {
    let a = fnv(&[&seed.to_le_bytes(), key.as_bytes()]);
    let b = fnv(&[key.as_bytes(), &seed.to_le_bytes()]);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..16].copy_from_slice(&b.to_le_bytes());
    bytes[16..24].copy_from_slice(&seed.to_le_bytes());
    bytes[24..].copy_from_slice(&a.rotate_left(17).to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn base36(mut x: u64, len: usize) -> String {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        s.push(alphabet[(x % 36) as usize] as char);
        x /= 36;
    }
    s
}

/// The prefix of entities a run creates: `cz` and four lower-case alphanumerics, from the seed.
pub fn prefix_for(seed: u64) -> String {
    format!("cz{}", base36(fnv(&[b"prefix", &seed.to_le_bytes()]), 4))
}

/// The prefix of one case: the run prefix and a tag from (row, choices, attempt), always 12
/// characters; `attempt` is the case's invocation number within its row. Every case gets a fresh unique counter under its own prefix, so the same seed
/// builds the same requests however rows interleave, and a replay rebuilds the case exactly
/// (with `attempt` changed when the target already holds its entities).
pub fn case_prefix(run_prefix: &str, row: &str, choices: &[u64], attempt: u32) -> String {
    let words: Vec<u8> = choices.iter().flat_map(|c| c.to_le_bytes()).collect();
    let h = fnv(&[row.as_bytes(), &words, &attempt.to_le_bytes()]);
    let run: String = run_prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .chain(std::iter::repeat('x'))
        .take(6)
        .collect();
    format!("{run}{}", base36(h, 6))
}

/// Whether the row (or check) `id` is selected by `--row` style filters: equal, a prefix up to
/// a dot, or `prefix*`; no filters select everything.
pub(crate) fn selected(id: &str, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            id == f
                || id.starts_with(&format!("{f}."))
                || (f.ends_with('*') && id.starts_with(f.trim_end_matches('*')))
        })
}

/// Whether the valid-request check of `endpoint` (`vendor.valid.endpoint`) is selected by the
/// filters: by its own id, or by the bare vendor id.
pub(crate) fn valid_check_selected(
    spec: &VendorSpec,
    endpoint: &Endpoint,
    filters: &[String],
) -> bool {
    filters.is_empty()
        || selected(&valid_check_id(spec, endpoint), filters)
        || filters.iter().any(|f| f == &spec.vendor.id)
}

/// The id of the valid-request check of `endpoint`: `vendor.valid.endpoint`.
pub(crate) fn valid_check_id(spec: &VendorSpec, endpoint: &Endpoint) -> String {
    format!("{}.valid.{}", spec.vendor.id, endpoint.id)
}

/// The statuses a row accepts (its own, its alternatives', its accepted rows').
fn expected_statuses(spec: &VendorSpec, row: &ErrorRow) -> Vec<u16> {
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

/// A target wrapper that retries 429 and 5xx answers not expected by the row.
struct Retrying<'a> {
    inner: &'a dyn Target,
    policy: RetryPolicy,
    expected: Vec<u16>,
}

impl Target for Retrying<'_> {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let mut attempt = 0;
        loop {
            let response = self.inner.send(request)?;
            let retryable = response.status == 429 || response.status >= 500;
            if !retryable
                || self.expected.contains(&response.status)
                || attempt >= self.policy.attempts
            {
                return Ok(response);
            }
            // Truncated exponential backoff with full jitter.
            let ceiling = self
                .policy
                .base
                .saturating_mul(1u32 << attempt.min(16))
                .min(self.policy.cap);
            let jitter = fnv(&[
                &request.body,
                &attempt.to_le_bytes(),
                request.path.as_bytes(),
            ]);
            let millis = ceiling.as_millis().max(1) as u64;
            std::thread::sleep(Duration::from_millis(jitter % millis));
            attempt += 1;
        }
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

struct Shared<'a> {
    target: &'a dyn Target,
    fixtures: &'a Map<String, Value>,
    prefix: String,
    pool: Pool,
    options: &'a RunOptions,
    faults: Option<Vec<String>>,
    now: chrono::DateTime<chrono::Utc>,
    fatal: Mutex<Option<TargetError>>,
    stop: AtomicBool,
    /// The OAuth 1.0a convention of each vendor's target (see `signing`).
    signing: BTreeMap<String, Convention>,
}

impl Shared<'_> {
    fn env<'s>(
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
            now: self.now,
            signing: &self.signing,
        }
    }
}

/// What makes two failures the same: the reading compared with and the kinds of mismatch.
type FailureSignature = (String, Vec<String>);

fn signature(v: &Verdict) -> FailureSignature {
    let mut whats: Vec<String> = v.mismatches.iter().map(|m| m.what.clone()).collect();
    whats.sort();
    whats.dedup();
    (v.reading.clone(), whats)
}

fn first_line(mismatches: &[Mismatch]) -> String {
    mismatches
        .iter()
        .map(|m| format!("{}: expected {}, got {}", m.what, m.expected, m.observed))
        .collect::<Vec<_>>()
        .join("; ")
}

fn evidence(
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

fn untested(spec: &VendorSpec, row: &ErrorRow, cases: u32, reason: String) -> RowResult {
    RowResult {
        vendor: spec.vendor.id.clone(),
        id: row.id.clone(),
        title: row.title.clone(),
        verdict: RowVerdict::Untested,
        cases,
        reason: Some(reason),
        evidence: None,
        readings: BTreeMap::new(),
    }
}

fn case_error_reason(e: &CaseError) -> String {
    match e {
        CaseError::MissingFixture(f) => format!("needs fixture {f}"),
        CaseError::MissingFault(f) => format!("needs fault hook {f}"),
        CaseError::Setup { .. } | CaseError::SetupAnswer { .. } => format!("setup failed: {e}"),
        other => other.to_string(),
    }
}

fn run_row(shared: &Shared<'_>, oracle: &Oracle, spec: &VendorSpec, row: &ErrorRow) -> RowResult {
    let options = shared.options;
    let retrying;
    let target: &dyn Target = match options.retry {
        Some(policy) => {
            retrying = Retrying {
                inner: shared.target,
                policy,
                expected: expected_statuses(spec, row),
            };
            &retrying
        }
        None => shared.target,
    };
    let config = Config {
        cases: options.cases.max(1),
        failure_persistence: None,
        max_shrink_iters: if options.shrink { 4096 } else { 0 },
        max_global_rejects: options.cases.max(1) * 4,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng_for(options.seed, &row.id));
    let case_error: Mutex<Option<CaseError>> = Mutex::new(None);
    let first_failure: Mutex<Option<(FailureSignature, Vec<u64>)>> = Mutex::new(None);
    let warning: Mutex<Option<(Verdict, CaseRun, Vec<u64>)>> = Mutex::new(None);
    let readings: Mutex<BTreeMap<String, u32>> = Mutex::new(BTreeMap::new());
    let ran = AtomicUsize::new(0);
    let invocations = AtomicUsize::new(0);
    let test = |choices: Vec<u64>| -> Result<(), TestCaseError> {
        if case_error.lock().map(|e| e.is_some()).unwrap_or(true)
            || shared.stop.load(Ordering::Relaxed)
        {
            return Ok(());
        }
        // proptest may hand the same choices to two cases (the empty sequence, or a shrink
        // candidate tried before): the invocation number keeps their entities and nonces apart,
        // and it is as deterministic as the seed.
        let invocation = invocations.fetch_add(1, Ordering::Relaxed) as u32;
        let prefix = case_prefix(&shared.prefix, &row.id, &choices, invocation);
        let unique = UniqueCounter::new();
        let env = shared.env(target, &prefix, &unique);
        // While shrinking, a case that cannot be completed is simply not the same failure: it
        // must not turn a row that has already failed into an untested one.
        let shrinking = || first_failure.lock().map(|f| f.is_some()).unwrap_or(false);
        let run = match execute(&env, spec, row, &choices) {
            Ok(run) => run,
            Err(CaseError::Target(t)) => {
                if matches!(t, TargetError::Unreachable { .. }) {
                    if let Ok(mut f) = shared.fatal.lock() {
                        f.get_or_insert(t.clone());
                    }
                    shared.stop.store(true, Ordering::Relaxed);
                }
                if !shrinking() {
                    if let Ok(mut e) = case_error.lock() {
                        e.get_or_insert(CaseError::Target(t));
                    }
                }
                return Ok(());
            }
            Err(e) => {
                if !shrinking() {
                    if let Ok(mut slot) = case_error.lock() {
                        slot.get_or_insert(e);
                    }
                }
                return Ok(());
            }
        };
        let verdict = oracle.check_row(spec, row, &run.record, &run.response, options.strict);
        let mut first = first_failure.lock().expect("not poisoned");
        match verdict.outcome {
            Outcome::Fail => {
                let sig = signature(&verdict);
                match &*first {
                    // Shrinking: only a case that fails the same way counts as a failure.
                    Some((original, _)) if *original != sig => Ok(()),
                    // The first failing case is kept as it was, to tell whether shrinking
                    // made it smaller and to fall back on when the minimal case does not
                    // fail again.
                    Some(_) => Err(TestCaseError::fail(first_line(&verdict.mismatches))),
                    None => {
                        *first = Some((sig, choices.clone()));
                        Err(TestCaseError::fail(first_line(&verdict.mismatches)))
                    }
                }
            }
            Outcome::Warn => {
                if first.is_none() {
                    ran.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut w) = warning.lock() {
                        w.get_or_insert((verdict, run, choices));
                    }
                }
                Ok(())
            }
            Outcome::Pass => {
                if first.is_none() {
                    ran.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut r) = readings.lock() {
                        *r.entry(verdict.reading).or_default() += 1;
                    }
                }
                Ok(())
            }
        }
    };
    // Each documented variant of the trigger once, with its simplest request, then the random
    // cases. A failing variant is already minimal: it is reported as it is, without shrinking.
    let mut result = Ok(());
    for example in variant_examples(row) {
        match test(example.clone()) {
            Ok(()) => {}
            Err(TestCaseError::Fail(reason)) => {
                result = Err(TestError::Fail(reason, example));
                break;
            }
            Err(TestCaseError::Reject(reason)) => {
                result = Err(TestError::Abort(reason));
                break;
            }
        }
    }
    if result.is_ok() {
        result = runner.run(&choices_strategy(), test);
    }
    let cases = ran.load(Ordering::Relaxed) as u32;
    if let Some(e) = case_error.into_inner().ok().flatten() {
        return untested(spec, row, cases, case_error_reason(&e));
    }
    match result {
        Err(TestError::Fail(_, minimal)) => {
            // Re-run the minimal case: it must still fail the same way, or the report keeps
            // the first failing case instead (a stateful target can change its answers).
            let original = first_failure.into_inner().ok().flatten();
            let rerun_case = |choices: &[u64]| {
                let invocation = invocations.fetch_add(1, Ordering::Relaxed) as u32;
                let prefix = case_prefix(&shared.prefix, &row.id, choices, invocation);
                let unique = UniqueCounter::new();
                let env = shared.env(target, &prefix, &unique);
                execute(&env, spec, row, choices)
            };
            let rerun = rerun_case(&minimal).ok().map(|run| {
                let v = oracle.check_row(spec, row, &run.record, &run.response, options.strict);
                (run, v)
            });
            let (run, verdict, choices, reproduced) = match (rerun, &original) {
                (Some((run, v)), Some((sig, _)))
                    if v.outcome == Outcome::Fail && signature(&v) == *sig =>
                {
                    (run, v, minimal.clone(), true)
                }
                (_, Some((_, first_choices))) => {
                    match rerun_case(first_choices).ok().map(|run| {
                        let v =
                            oracle.check_row(spec, row, &run.record, &run.response, options.strict);
                        (run, v)
                    }) {
                        Some((run, v)) if v.outcome == Outcome::Fail => {
                            (run, v, first_choices.clone(), false)
                        }
                        _ => {
                            return RowResult {
                                vendor: spec.vendor.id.clone(),
                                id: row.id.clone(),
                                title: row.title.clone(),
                                verdict: RowVerdict::Failed,
                                cases: cases + 1,
                                reason: Some(
                                    "failed once but did not fail again on a re-run (the target's answers change over time)".into(),
                                ),
                                evidence: None,
                                readings: readings.into_inner().unwrap_or_default(),
                            };
                        }
                    }
                }
                _ => {
                    return untested(
                        spec,
                        row,
                        cases,
                        "the failing case could not be rebuilt".into(),
                    );
                }
            };
            let reason = first_line(&verdict.mismatches);
            let reason = match &verdict.looks_like {
                Some(other) => format!("{reason} (the answer is row {other})"),
                None => format!("{reason} (an undocumented answer)"),
            };
            let shrunk = original
                .as_ref()
                .map(|(_, c)| *c != choices)
                .unwrap_or(false);
            RowResult {
                vendor: spec.vendor.id.clone(),
                id: row.id.clone(),
                title: row.title.clone(),
                verdict: RowVerdict::Failed,
                cases: cases + 1,
                reason: Some(reason),
                evidence: Some(evidence(&run, &verdict, choices, shrunk, reproduced)),
                readings: readings.into_inner().unwrap_or_default(),
            }
        }
        Err(TestError::Abort(why)) => untested(spec, row, cases, format!("aborted: {why}")),
        Ok(()) => {
            let readings = readings.into_inner().unwrap_or_default();
            match warning.into_inner().ok().flatten() {
                Some((verdict, run, choices)) => RowResult {
                    vendor: spec.vendor.id.clone(),
                    id: row.id.clone(),
                    title: row.title.clone(),
                    verdict: RowVerdict::Warned,
                    cases,
                    reason: Some(format!(
                        "assumed expectation differs: {}",
                        first_line(&verdict.mismatches)
                    )),
                    evidence: Some(evidence(&run, &verdict, choices, false, true)),
                    readings,
                },
                None => RowResult {
                    vendor: spec.vendor.id.clone(),
                    id: row.id.clone(),
                    title: row.title.clone(),
                    verdict: RowVerdict::Passed,
                    cases,
                    reason: None,
                    evidence: None,
                    readings,
                },
            }
        }
    }
}

fn run_positive(
    shared: &Shared<'_>,
    oracle: &Oracle,
    spec: &VendorSpec,
    endpoint: &Endpoint,
) -> PositiveResult {
    let mut rng = rng_for(
        shared.options.seed,
        &format!("{}.valid.{}", spec.vendor.id, endpoint.id),
    );
    let cases = shared.options.cases.clamp(1, 8);
    let mut done = 0;
    for i in 0..cases {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        let choices: Vec<u64> = (0..64).map(|_| rand_u64(&mut rng)).collect();
        let key = format!("{}.valid.{}", spec.vendor.id, endpoint.id);
        let prefix = case_prefix(&shared.prefix, &key, &choices, i);
        let unique = UniqueCounter::new();
        let env = shared.env(shared.target, &prefix, &unique);
        match execute_valid(&env, spec, endpoint, &choices) {
            Ok(run) => {
                done += 1;
                if !is_success(endpoint, run.response.status) {
                    let looks_like = oracle.classify(spec, &run.response);
                    let expected = if endpoint.success.is_empty() {
                        "2xx".to_string()
                    } else {
                        endpoint
                            .success
                            .iter()
                            .map(u16::to_string)
                            .collect::<Vec<_>>()
                            .join(" or ")
                    };
                    let mismatch = Mismatch {
                        what: "status".into(),
                        expected: expected.clone(),
                        observed: run.response.status.to_string(),
                        documented: true,
                    };
                    let verdict = Verdict {
                        outcome: Outcome::Fail,
                        reading: format!("{}.valid.{}", spec.vendor.id, endpoint.id),
                        mismatches: vec![mismatch],
                        looks_like: looks_like.clone(),
                    };
                    return PositiveResult {
                        vendor: spec.vendor.id.clone(),
                        endpoint: endpoint.id.clone(),
                        verdict: RowVerdict::Failed,
                        cases: done,
                        reason: Some(format!(
                            "a valid request was rejected: expected {expected}, got {}{}",
                            run.response.status,
                            looks_like
                                .map(|r| format!(" (row {r})"))
                                .unwrap_or_else(|| " (an undocumented answer)".into())
                        )),
                        evidence: Some(evidence(&run, &verdict, choices, false, true)),
                    };
                }
            }
            Err(CaseError::Target(t)) => {
                if matches!(t, TargetError::Unreachable { .. }) {
                    if let Ok(mut f) = shared.fatal.lock() {
                        f.get_or_insert(t.clone());
                    }
                    shared.stop.store(true, Ordering::Relaxed);
                }
                return PositiveResult {
                    vendor: spec.vendor.id.clone(),
                    endpoint: endpoint.id.clone(),
                    verdict: RowVerdict::Untested,
                    cases: done,
                    reason: Some(t.to_string()),
                    evidence: None,
                };
            }
            Err(e) => {
                return PositiveResult {
                    vendor: spec.vendor.id.clone(),
                    endpoint: endpoint.id.clone(),
                    verdict: RowVerdict::Untested,
                    cases: done,
                    reason: Some(case_error_reason(&e)),
                    evidence: None,
                }
            }
        }
    }
    PositiveResult {
        vendor: spec.vendor.id.clone(),
        endpoint: endpoint.id.clone(),
        verdict: RowVerdict::Passed,
        cases: done,
        reason: None,
        evidence: None,
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

pub(crate) fn rand_u64(rng: &mut TestRng) -> u64 {
    use proptest::prelude::Rng;
    rng.next_u64()
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
    // A filter may name only property results (`vendor.property...`).
    let names_property = options.rows.iter().any(|f| {
        f.split('.')
            .nth(1)
            .is_some_and(|p| properties.iter().any(|q| q.name == p.trim_end_matches('*')))
    });
    if rows.is_empty() && endpoints.is_empty() && !names_property {
        return Err(RunError::NoRows(options.rows.clone()));
    }
    let prefix = options
        .prefix
        .clone()
        .unwrap_or_else(|| prefix_for(options.seed));
    let mut shared = Shared {
        target,
        fixtures,
        prefix: prefix.clone(),
        pool: Pool::new(fixtures),
        options,
        faults: options.faults.clone(),
        now: options.now.unwrap_or_else(chrono::Utc::now),
        fatal: Mutex::new(None),
        stop: AtomicBool::new(false),
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
        let detection = signing::detect(
            &shared.env(target, &prefix, &unique),
            spec,
            options.seed,
            options.strict,
        );
        let convention = detection
            .as_ref()
            .map_or(Convention::Rfc5849, |d| d.convention);
        shared.signing.insert(vendor.to_string(), convention);
        if let Some(d) = detection {
            on_event(&Event::PropertyFinished(&d.result));
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
    let row_results: Mutex<Vec<(usize, RowResult)>> = Mutex::new(Vec::new());
    let positive_results: Mutex<Vec<(usize, PositiveResult)>> = Mutex::new(Vec::new());
    let run_job = |i: usize| match &jobs[i] {
        Job::Row(spec, row) => {
            let result = run_row(&shared, &oracle, spec, row);
            on_event(&Event::RowFinished(&result));
            if let Ok(mut r) = row_results.lock() {
                r.push((i, result));
            }
        }
        Job::Valid(spec, endpoint) => {
            let result = run_positive(&shared, &oracle, spec, endpoint);
            on_event(&Event::PositiveFinished(&result));
            if let Ok(mut r) = positive_results.lock() {
                r.push((i, result));
            }
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
    if let Some(fatal) = shared.fatal.into_inner().ok().flatten() {
        return Err(RunError::Target(fatal));
    }
    let mut rows_out = row_results.into_inner().unwrap_or_default();
    rows_out.sort_by_key(|(i, _)| *i);
    let rows_out: Vec<RowResult> = rows_out.into_iter().map(|(_, r)| r).collect();
    let mut positive = positive_results.into_inner().unwrap_or_default();
    positive.sort_by_key(|(i, _)| *i);
    let positive: Vec<PositiveResult> = positive.into_iter().map(|(_, r)| r).collect();
    // The properties, one after another once the rows are done: each may change the target's
    // state in ways a row must not see, and pool draws stay in a fixed order.
    let context = crate::props::Context {
        set,
        oracle: &oracle,
        target,
        fixtures,
        pool: &shared.pool,
        options,
        prefix: &prefix,
        faults: shared.faults.as_deref(),
        now: shared.now,
        signing: &shared.signing,
    };
    let mut property_results = interop;
    for loaded in &set.specs {
        for property in &properties {
            for result in (property.check)(&context, &loaded.spec) {
                on_event(&Event::PropertyFinished(&result));
                property_results.push(result);
            }
        }
    }
    let mut summary = Summary::default();
    for v in rows_out
        .iter()
        .map(|r| r.verdict)
        .chain(positive.iter().map(|p| p.verdict))
        .chain(property_results.iter().map(|p| p.verdict))
    {
        match v {
            RowVerdict::Passed => summary.passed += 1,
            RowVerdict::Warned => summary.warned += 1,
            RowVerdict::Failed => summary.failed += 1,
            RowVerdict::Untested => summary.untested += 1,
        }
    }
    Ok(RunReport {
        seed: options.seed,
        prefix,
        target: target.describe(),
        strict: options.strict,
        cases: options.cases,
        rows: rows_out,
        positive,
        properties: property_results,
        signing: shared.signing,
        summary,
        elapsed_ms: start.elapsed().as_millis() as u64,
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
