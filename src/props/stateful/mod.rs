//! The `stateful` property: random sequences of API calls against a model of each resource a
//! spec declares under `models`. The main function is [`check`]: one [`CheckResult`] per
//! vendor with a model (`<vendor>.stateful.sequences`).
//!
//! A model says how a record is created (and which variables name it), how it is read,
//! updated and deleted, which documented row answers a duplicate of a live record, and which
//! row answers a call on a deleted or unknown record. `proptest-state-machine` generates the
//! sequences from the model's state ([`machine`]); each call is built like any case
//! (`exec::case`, the spec's endpoints and operators), sent, and its answer judged against what
//! the model predicts ([`play`]): a success (and, for reads, the record's values echoed), or a
//! documented row, judged by the oracle. A failing sequence shrinks to a minimal one: its
//! requests and answers are the result's exchanges (the reports show them as numbered `curl`
//! lines, secrets redacted), and its steps say what each request was for.
//!
//! Not for: single-request checks (rows), or the other cross-request properties.

mod machine;
mod play;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::check::result::RowVerdict;
use crate::exec::seed::{case_prefix, prefix_for};
use crate::generate::Pool;
use crate::props::CheckResult;

use machine::Call;
use play::{Context, Played};

/// Sequences tried per vendor.
pub const SEQUENCES: u32 = 24;

/// The most calls in one sequence (setup requests of a create not counted).
pub const MAX_CALLS: usize = 12;

/// Shrinking budget: sequences re-run while looking for a shorter failing one.
const MAX_SHRINK_ITERS: u32 = 256;

/// The property's name in reports.
pub const PROPERTY: &str = "stateful";

/// The id of the property for one vendor.
pub fn property_id(vendor: &str) -> String {
    crate::check::result::property_id(vendor, PROPERTY, "sequences")
}

/// The id of the stateful result of one vendor, when its spec declares models.
pub fn subjects(spec: &crate::spec::VendorSpec) -> Vec<String> {
    if spec.models.is_empty() {
        Vec::new()
    } else {
        vec![property_id(&spec.vendor.id)]
    }
}

/// The `stateful` entry of `props::all`: the sequences of one vendor of a run, when the spec
/// declares a model and the run's filters select the property.
pub fn check_spec(
    run: &crate::props::Context<'_>,
    spec: &crate::spec::VendorSpec,
) -> Vec<CheckResult> {
    if spec.models.is_empty() || !run.selected(spec, &property_id(&spec.vendor.id)) {
        return Vec::new();
    }
    let context = Context {
        spec,
        oracle: run.oracle,
        target: run.target,
        fixtures: run.fixtures,
        pool: Pool::new(run.fixtures),
        options: run.options,
        clock: run.clock.clone(),
        signing: run.signing.clone(),
    };
    vec![check_vendor(&context)]
}

/// A deterministic rng for one vendor's sequences, from the run seed (splitmix64).
fn rng_for(seed: u64, vendor: &str) -> proptest::test_runner::TestRng {
    let mut state = seed ^ 0x5354_4154_4546_554c; // "STATEFUL"
    for b in vendor.bytes() {
        state = state.rotate_left(8) ^ b as u64;
    }
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &bytes)
}

fn check_vendor(context: &Context<'_>) -> CheckResult {
    let spec = context.spec;
    let options = context.options;
    let id = property_id(&spec.vendor.id);
    let run_prefix = options
        .prefix
        .clone()
        .unwrap_or_else(|| prefix_for(options.seed));
    let config = Config {
        cases: SEQUENCES,
        failure_persistence: None,
        max_shrink_iters: if options.shrink { MAX_SHRINK_ITERS } else { 0 },
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng_for(options.seed, &spec.vendor.id));
    let strategy = machine::sequences(Arc::new(spec.models.clone()), MAX_CALLS);
    // Every sequence gets its own entity prefix, so sequences never see each other's records.
    let invocations = AtomicU32::new(0);
    let requests = AtomicU32::new(0);
    let play_once = |calls: &[Call], seen: Option<&std::sync::atomic::AtomicUsize>| -> Played {
        let invocation = invocations.fetch_add(1, Ordering::Relaxed);
        let prefix = case_prefix(&run_prefix, &id, &[], invocation);
        let played = play::play(context, &prefix, calls, seen);
        requests.fetch_add(played.requests(), Ordering::Relaxed);
        played
    };
    // The first failure's signature: while shrinking, only a sequence that fails the same way
    // counts, so a report never blames another cause than the one first found.
    let first: Mutex<Option<String>> = Mutex::new(None);
    let last_failing: Mutex<Option<Played>> = Mutex::new(None);
    let untested: Mutex<Option<String>> = Mutex::new(None);
    let warned: Mutex<Option<Played>> = Mutex::new(None);
    // The calls the passing sequences made, by kind: what the verdict rests on.
    let played_kinds: Mutex<std::collections::BTreeMap<String, u32>> = Mutex::default();
    let result = runner.run(&strategy, |(_, calls, seen)| {
        // The count of calls reached lets the shrinker drop the calls after a failure first.
        // Without shrinking nothing resets it, and the strategy refuses a used counter.
        let seen = seen.as_deref().filter(|_| options.shrink);
        let played = play_once(&calls, seen);
        let mut first = first.lock().expect("not poisoned");
        if let Some(error) = &played.error {
            if first.is_none() {
                if let Ok(mut u) = untested.lock() {
                    u.get_or_insert_with(|| error.clone());
                }
            }
            return Ok(());
        }
        match played.failure.as_ref().map(|f| f.signature.clone()) {
            Some(sig) => {
                if first.as_ref().is_some_and(|s| *s != sig) {
                    return Ok(());
                }
                first.get_or_insert(sig);
                let reason = played.reason();
                if let Ok(mut l) = last_failing.lock() {
                    *l = Some(played);
                }
                Err(TestCaseError::fail(reason))
            }
            None => {
                if first.is_none() {
                    if let Ok(mut kinds) = played_kinds.lock() {
                        for step in &played.steps {
                            *kinds.entry(step.kind.clone()).or_default() += 1;
                        }
                    }
                }
                if played.warning.is_some() && first.is_none() {
                    if let Ok(mut w) = warned.lock() {
                        w.get_or_insert(played);
                    }
                }
                Ok(())
            }
        }
    });
    let title = format!(
        "random sequences of {} calls match the model at every step",
        spec.models
            .iter()
            .map(|m| m.resource.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    // The evidence: one line per request (what it was for, what came back) and the
    // exchanges, which the reports render as numbered reproducers.
    let mut out = CheckResult::property(&spec.vendor.id, PROPERTY, "sequences", title);
    match result {
        Err(TestError::Fail(_, (_, minimal, _))) => {
            // Re-run the minimal sequence: it must fail the same way again, or the report
            // keeps the last failing sequence seen (a target's answers can change over time).
            let signature = first.lock().ok().and_then(|f| f.clone());
            let rerun = play_once(&minimal, None);
            let same = rerun.failure.as_ref().map(|f| &f.signature) == signature.as_ref();
            let played = if same {
                Some(rerun)
            } else {
                out.notes.push(
                    "the minimal sequence did not fail again on a re-run; shown: the last failing sequence"
                        .into(),
                );
                last_failing.lock().ok().and_then(|mut l| l.take())
            };
            out.verdict = RowVerdict::Failed;
            match played {
                Some(played) => {
                    out.reason = Some(played.reason());
                    (out.steps, out.exchanges) = played.evidence();
                }
                None => out.reason = Some("a sequence failed but its calls were lost".into()),
            }
        }
        Err(TestError::Abort(why)) => {
            out.verdict = RowVerdict::Untested;
            out.reason = Some(format!("aborted: {why}"));
            out.cause = Some(crate::check::result::Cause::Harness);
        }
        Ok(()) => {
            if let Some(reason) = untested.into_inner().ok().flatten() {
                out.verdict = RowVerdict::Untested;
                out.reason = Some(reason);
                out.cause = Some(crate::check::result::Cause::Target);
            } else if let Some(played) = warned.into_inner().ok().flatten() {
                out.verdict = RowVerdict::Warned;
                out.reason = played.warning.clone();
                (out.steps, out.exchanges) = played.evidence();
            }
        }
    }
    out.count = requests.load(Ordering::Relaxed);
    let kinds = played_kinds.into_inner().unwrap_or_default();
    if !kinds.is_empty() {
        out.notes.push(format!(
            "calls judged: {}",
            kinds
                .iter()
                .map(|(kind, n)| format!("{kind} x{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}
