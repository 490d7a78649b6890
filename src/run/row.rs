//! The main type here is [`RowRun`]: the run of one documented row, `cases` times, with
//! proptest drawing the cases and shrinking a failure. Each job is one method: draw the cases
//! ([`RowRun::explore`]), send one ([`RowRun::send`]), judge its answer ([`RowRun::judge`]),
//! record what it showed ([`RowRun::record`]), confirm the shrunk failure
//! ([`RowRun::confirm`]) and turn it all into the row's [`CheckResult`] ([`RowRun::finish`]).
//!
//! Not for: choosing the rows or running them in parallel (see `runner`), building a request
//! (see `exec::case`) or deciding what a row expects (see `check`).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use super::runner::{evidence, expected_statuses, first_line, judge, row_result, Shared};
use crate::check::result::{Cause, CheckResult, RowVerdict};
use crate::check::{Oracle, Outcome, Verdict};
use crate::exec::case::{execute, variant_examples, CaseError, CaseRun};
use crate::exec::seed::{case_prefix, rng_for};
use crate::generate::choice::choices_strategy;
use crate::generate::UniqueCounter;
use crate::spec::{ErrorRow, VendorSpec};
use crate::target::{Retry, Target};

/// What makes two failures the same: the reading compared with and the kinds of mismatch.
type FailureSignature = (String, Vec<String>);

fn signature(v: &Verdict) -> FailureSignature {
    let mut whats: Vec<String> = v.mismatches.iter().map(|m| m.what.to_string()).collect();
    whats.sort();
    whats.dedup();
    (v.reading.clone(), whats)
}

/// What the cases of a row showed so far. proptest calls the test through a shared reference
/// (`Fn`), one case after another on this row's thread, hence the one `RefCell`.
#[derive(Default)]
struct Seen {
    /// The first case that could not be carried out (before any failure): the row's result.
    case_error: Option<CaseError>,
    /// The first failing case: its signature (shrink candidates must match it) and choices.
    first_failure: Option<(FailureSignature, Vec<u64>)>,
    /// The first failing case as it was seen, the evidence of last resort.
    first_run: Option<(CaseRun, Verdict)>,
    /// The first case whose assumed expectation differs.
    warning: Option<(Verdict, CaseRun, Vec<u64>)>,
    /// How many passing cases answered each row (a row may accept another's answer).
    readings: BTreeMap<String, u32>,
    /// The cases judged before the first failure.
    ran: u32,
}

/// The failing case a row reports, once re-run.
struct Confirmed {
    run: CaseRun,
    verdict: Verdict,
    choices: Vec<u64>,
    /// Smaller than the first failing case.
    shrunk: bool,
    /// The minimal case failed again the same way (otherwise: the first failing case).
    reproduced: bool,
}

/// The run of one row against the run's target.
pub(super) struct RowRun<'r, 'a> {
    shared: &'r Shared<'a>,
    oracle: &'r Oracle,
    spec: &'r VendorSpec,
    row: &'r ErrorRow,
    /// This row's retry layer (it never retries the statuses the row expects).
    retry: Option<Retry<&'r dyn Target>>,
    /// The cases proptest is asked for (fewer when the row's pool cannot serve them all).
    cases: u32,
    /// Cases sent so far, the re-runs included: part of each case's prefix.
    invocations: Cell<u32>,
    seen: RefCell<Seen>,
}

/// Runs `row`: its documented variants, then random cases, shrinking the first failure.
pub(super) fn run_row(
    shared: &Shared<'_>,
    oracle: &Oracle,
    spec: &VendorSpec,
    row: &ErrorRow,
) -> CheckResult {
    let run = RowRun::new(shared, oracle, spec, row);
    let outcome = run.explore();
    run.finish(outcome)
}

impl<'r, 'a> RowRun<'r, 'a> {
    fn new(
        shared: &'r Shared<'a>,
        oracle: &'r Oracle,
        spec: &'r VendorSpec,
        row: &'r ErrorRow,
    ) -> Self {
        RowRun {
            shared,
            oracle,
            spec,
            row,
            retry: shared.retry(expected_statuses(spec, row)),
            cases: shared.pool_plan.cases(&row.id, shared.options.cases.max(1)),
            invocations: Cell::new(0),
            seen: RefCell::new(Seen::default()),
        }
    }

    fn target(&self) -> &dyn Target {
        match &self.retry {
            Some(retry) => retry,
            None => self.shared.target,
        }
    }

    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    /// Draws the cases: each documented variant of the trigger once, with its simplest
    /// request, then the random cases from proptest, which shrinks the first failure. A
    /// failing variant is already minimal: it is reported as it is, without shrinking.
    fn explore(&self) -> Result<(), TestError<Vec<u64>>> {
        for example in variant_examples(self.row) {
            match self.test(example.clone()) {
                Ok(()) => {}
                Err(TestCaseError::Fail(reason)) => return Err(TestError::Fail(reason, example)),
                Err(TestCaseError::Reject(reason)) => return Err(TestError::Abort(reason)),
            }
        }
        // A check its pool cannot serve in full does not shrink either: every shrink step is a
        // case, and the values it would spend are planned for the checks after it.
        let shrink =
            self.shared.options.shrink && self.shared.pool_plan.note(&self.row.id).is_none();
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            max_shrink_iters: if shrink { 4096 } else { 0 },
            max_global_rejects: self.cases * 4,
            ..Config::default()
        };
        let rng = rng_for(self.shared.options.seed, &self.row.id);
        TestRunner::new_with_rng(config, rng)
            .run(&choices_strategy(), |choices| self.test(choices))
            .map(|_| ())
    }

    /// Builds and sends the case of `choices`. proptest may hand the same choices to two
    /// cases (the empty sequence, or a shrink candidate tried before): the invocation number
    /// keeps their entities and nonces apart, and it is as deterministic as the seed.
    fn send(&self, choices: &[u64]) -> Result<CaseRun, CaseError> {
        let invocation = self.invocations.get();
        self.invocations.set(invocation + 1);
        let prefix = case_prefix(&self.shared.prefix, &self.row.id, choices, invocation);
        let unique = UniqueCounter::new();
        let env = self.shared.env(self.target(), &prefix, &unique);
        let run = execute(&env, self.spec, self.row, choices);
        if let Err(CaseError::Target(t)) = &run {
            self.shared.transport_error(t);
        }
        run
    }

    fn judge(&self, run: &CaseRun) -> Verdict {
        judge(
            self.oracle,
            self.spec,
            self.row,
            run,
            self.shared.options.strict,
        )
    }

    /// One case, as proptest sees it: sent, judged, recorded.
    fn test(&self, choices: Vec<u64>) -> Result<(), TestCaseError> {
        if self.seen.borrow().case_error.is_some() || self.stopped() {
            return Ok(());
        }
        match self.send(&choices) {
            Ok(run) => {
                let verdict = self.judge(&run);
                self.record(choices, run, verdict)
            }
            Err(e) => {
                // While shrinking, a case that cannot be completed is simply not the same
                // failure: it must not turn a row that has already failed into an untested one.
                let mut seen = self.seen.borrow_mut();
                if seen.first_failure.is_none() {
                    seen.case_error.get_or_insert(e);
                }
                Ok(())
            }
        }
    }

    /// Keeps what a judged case shows, and tells proptest whether it failed.
    fn record(
        &self,
        choices: Vec<u64>,
        run: CaseRun,
        verdict: Verdict,
    ) -> Result<(), TestCaseError> {
        let mut seen = self.seen.borrow_mut();
        match verdict.outcome {
            Outcome::Fail => {
                let sig = signature(&verdict);
                match &seen.first_failure {
                    // Shrinking: only a case that fails the same way counts as a failure.
                    Some((original, _)) if *original != sig => Ok(()),
                    // The first failing case is kept as it was, to tell whether shrinking
                    // made it smaller and to fall back on when the minimal case does not
                    // fail again.
                    Some(_) => Err(TestCaseError::fail(first_line(&verdict.mismatches))),
                    None => {
                        let reason = first_line(&verdict.mismatches);
                        seen.first_failure = Some((sig, choices));
                        seen.first_run = Some((run, verdict));
                        // Shrink candidates see the target's own answers, never retried.
                        if let Some(retry) = &self.retry {
                            retry.pause(true);
                        }
                        Err(TestCaseError::fail(reason))
                    }
                }
            }
            Outcome::Warn => {
                if seen.first_failure.is_none() {
                    seen.ran += 1;
                    seen.warning.get_or_insert((verdict, run, choices));
                }
                Ok(())
            }
            Outcome::Pass => {
                if seen.first_failure.is_none() {
                    seen.ran += 1;
                    *seen.readings.entry(verdict.reading).or_default() += 1;
                }
                Ok(())
            }
        }
    }

    /// Sends `choices` again and judges the answer.
    fn rerun(&self, choices: &[u64]) -> Option<(CaseRun, Verdict)> {
        let run = self.send(choices).ok()?;
        let verdict = self.judge(&run);
        Some((run, verdict))
    }

    /// The evidence of a failure proptest shrank to `minimal`: the minimal case re-run must
    /// still fail the same way, or the report keeps the first failing case instead (a
    /// stateful target can change its answers). `Err` is the row's result when neither
    /// fails again.
    fn confirm(&self, minimal: Vec<u64>) -> Result<Confirmed, Box<CheckResult>> {
        let original = self.seen.borrow_mut().first_failure.take();
        let rerun = self.rerun(&minimal);
        let Some((sig, first_choices)) = original else {
            return Err(Box::new(self.untested(
                "the failing case could not be rebuilt".into(),
                Cause::Harness,
            )));
        };
        match rerun {
            Some((run, verdict))
                if verdict.outcome == Outcome::Fail && signature(&verdict) == sig =>
            {
                Ok(Confirmed {
                    run,
                    verdict,
                    shrunk: first_choices != minimal,
                    choices: minimal,
                    reproduced: true,
                })
            }
            _ => match self.rerun(&first_choices) {
                Some((run, verdict)) if verdict.outcome == Outcome::Fail => Ok(Confirmed {
                    run,
                    verdict,
                    choices: first_choices,
                    shrunk: false,
                    reproduced: false,
                }),
                // The run stopped while this row shrank: the first failing case is the
                // evidence, as it was seen.
                _ => match self
                    .stopped()
                    .then(|| self.seen.borrow_mut().first_run.take())
                    .flatten()
                {
                    Some((run, verdict)) => Ok(Confirmed {
                        run,
                        verdict,
                        choices: first_choices,
                        shrunk: false,
                        reproduced: false,
                    }),
                    None => {
                        let mut result = self.result(1);
                        result.verdict = RowVerdict::Failed;
                        result.reason = Some(
                            "failed once but did not fail again on a re-run (the target's answers change over time)".into(),
                        );
                        Err(Box::new(result))
                    }
                },
            },
        }
    }

    /// The row's result before its verdict, with the cases judged (and `extra` more) and the
    /// readings of the passing ones.
    fn result(&self, extra: u32) -> CheckResult {
        let seen = self.seen.borrow();
        let mut result = row_result(self.spec, self.row, seen.ran + extra);
        result.readings = seen.readings.clone();
        result
    }

    fn untested(&self, reason: String, cause: Cause) -> CheckResult {
        let ran = self.seen.borrow().ran;
        row_result(self.spec, self.row, ran).untested(reason, cause)
    }

    /// The row's result from what its cases showed and how proptest ended.
    fn finish(self, outcome: Result<(), TestError<Vec<u64>>>) -> CheckResult {
        let case_error = self.seen.borrow_mut().case_error.take();
        if let Some(e) = case_error {
            // A request without a usable answer fails the row: that is the target's doing.
            if e.is_no_usable_answer() {
                let ran = self.seen.borrow().ran;
                let mut result = row_result(self.spec, self.row, ran);
                result.verdict = RowVerdict::Failed;
                result.reason = Some(e.untested_reason());
                return result;
            }
            return self.untested(e.untested_reason(), e.cause());
        }
        match outcome {
            Err(TestError::Fail(_, minimal)) => {
                let Confirmed {
                    run,
                    verdict,
                    choices,
                    shrunk,
                    reproduced,
                } = match self.confirm(minimal) {
                    Ok(confirmed) => confirmed,
                    Err(result) => return *result,
                };
                let reason = first_line(&verdict.mismatches);
                let reason = match &verdict.looks_like {
                    Some(other) => format!("{reason} (the answer is row {other})"),
                    None => format!("{reason} (an undocumented answer)"),
                };
                let mut result = self.result(1);
                result.verdict = RowVerdict::Failed;
                result.reason = Some(reason);
                result.evidence = Some(evidence(&run, &verdict, choices, shrunk, reproduced));
                result
            }
            Err(TestError::Abort(why)) => self.untested(format!("aborted: {why}"), Cause::Harness),
            Ok(()) => {
                let mut result = self.result(0);
                if let Some((verdict, run, choices)) = self.seen.borrow_mut().warning.take() {
                    result.verdict = RowVerdict::Warned;
                    result.reason = Some(format!(
                        "assumed expectation differs: {}",
                        first_line(&verdict.mismatches)
                    ));
                    result.evidence = Some(evidence(&run, &verdict, choices, false, true));
                }
                result
            }
        }
    }
}
