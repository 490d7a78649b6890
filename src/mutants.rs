//! The main function here is [`score`]: the mutation score of the harness. It runs every
//! check in strict mode against the embedded reference, which must pass all of them (a failure
//! there is a false alarm), and against each mutant of the reference's catalog
//! ([`VendorReference::mutants`](crate::reference::VendorReference::mutants)): a deliberate,
//! named deviation from the documented answers, which some check must catch (the mutant is
//! *killed*). A mutant that passes every check *survives*: a check is too weak.
//!
//! Each run gets a fresh [`Reference`] (`Config { mutant: Some(name) }`), so no state leaks
//! from one mutant to the next. A mutant lives in one vendor module, so only that vendor's
//! rows and valid-request checks run against it. Shrinking is off: a kill needs one failing
//! case, not a minimal one.
//!
//! Not for: printing (see `report::mutants`) or defining mutants (see `reference`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::reference::{Config, Reference};
use crate::run::{run, RowVerdict, RunError, RunOptions, RunReport};
use crate::spec::SpecSet;

/// How a mutation score is computed: [`MutationOptions::default`] and the setters (the
/// struct is `#[non_exhaustive]`: a struct literal does not compile outside confuzz).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MutationOptions {
    /// Cases per row in every run.
    pub cases: u32,
    /// The seed of every run (the same seed gives the same score).
    pub seed: u64,
    /// Mutants checked at once (each run uses one thread).
    pub jobs: usize,
    /// Only the mutants whose name equals one of these, starts with one of them followed by
    /// `.` (a vendor id), or with the part before a final `*` (empty: all).
    pub mutants: Vec<String>,
}

impl Default for MutationOptions {
    fn default() -> Self {
        MutationOptions {
            cases: 4,
            seed: 1,
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            mutants: Vec::new(),
        }
    }
}

impl MutationOptions {
    setters! {
        /// Cases per row in every run.
        cases: u32;
        /// The seed of every run.
        seed: u64;
        /// Mutants checked at once.
        jobs: usize;
        /// Only these mutants (names, vendor ids, or `prefix*`).
        mutants: names;
    }
}

/// One check of a run that did not pass, as the mutation report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The check's id: a row id, `vendor.valid.endpoint` or `vendor.property.subject`.
    pub id: String,
    pub verdict: RowVerdict,
    pub reason: Option<String>,
}

/// Every check of a run that did not pass, in report order (read through
/// [`RunReport::checks`], so every kind of check counts towards kills and false alarms).
pub fn not_passed(report: &RunReport) -> Vec<Check> {
    // The interop finding describes the signing convention, which the reference shares with
    // all its mutants (it verifies as its vendor does): it neither kills a mutant nor raises a
    // false alarm.
    report
        .checks()
        .filter(|c| !is_interop(c))
        .filter(|c| c.verdict != RowVerdict::Passed)
        .map(|c| Check {
            id: c.id.clone(),
            verdict: c.verdict,
            reason: c.reason.clone(),
        })
        .collect()
}

/// How many checks a run made.
fn checks_run(report: &RunReport) -> usize {
    report.checks().filter(|c| !is_interop(c)).count()
}

/// The signing-convention finding (see `run::signing`).
fn is_interop(check: &crate::check::result::CheckResult) -> bool {
    check.property.as_deref() == Some(crate::run::signing::INTEROP)
}

fn fails(check: &Check) -> bool {
    matches!(check.verdict, RowVerdict::Failed | RowVerdict::Warned)
}

/// The outcome for one mutant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutantResult {
    pub name: String,
    pub vendor: String,
    pub description: String,
    /// Whether at least one check failed.
    pub killed: bool,
    /// The ids of the checks that failed.
    pub killed_by: Vec<String>,
    /// The failed checks with their reasons.
    pub failures: Vec<Check>,
    /// Checks the mutant left untested (a setup it refused, ...): not kills, but a sign.
    pub untested: Vec<Check>,
    /// Checks run against the mutant.
    pub checks: usize,
    pub elapsed_ms: u64,
}

/// The unmutated reference under the same checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceResult {
    /// No check failed, warned or went untested.
    pub clean: bool,
    /// Checks run.
    pub checks: usize,
    /// Every check that did not pass (false alarms, or checks that could not run).
    pub failures: Vec<Check>,
    pub elapsed_ms: u64,
}

/// The mutation score and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationReport {
    pub seed: u64,
    pub cases: u32,
    /// Always true: assumed expectations count, as in certification runs.
    pub strict: bool,
    /// Killed mutants over all mutants, from 0 to 1.
    pub score: f64,
    pub killed: usize,
    pub total: usize,
    pub reference: ReferenceResult,
    pub mutants: Vec<MutantResult>,
    pub elapsed_ms: u64,
}

impl MutationReport {
    /// Every mutant killed and no false alarm on the reference.
    pub fn passed(&self) -> bool {
        self.reference.clean && self.killed == self.total
    }
}

/// Why a score could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MutationError {
    #[error(
        "no mutant matches {filters:?}; `confuzz mutants --list` shows the {known} of the catalog"
    )]
    NoMutant { filters: Vec<String>, known: usize },
    #[error("no loaded spec has a vendor of the embedded reference")]
    NoVendor,
    #[error("run against {target}: {error}")]
    Run { target: String, error: RunError },
}

/// A mutant of the catalog: (vendor, name, description).
pub type Mutant = (&'static str, &'static str, &'static str);

/// The mutants of the embedded reference whose vendor `set` has a spec for, in catalog order.
pub fn catalog(set: &SpecSet) -> Vec<Mutant> {
    let vendors = served_vendors(set);
    Reference::new(Config::default())
        .mutants()
        .into_iter()
        .filter(|(vendor, _, _)| vendors.iter().any(|v| v == vendor))
        .collect()
}

/// The vendors both loaded in `set` and served by the embedded reference.
fn served_vendors(set: &SpecSet) -> Vec<String> {
    let embedded = crate::reference::vendor_ids();
    set.specs
        .iter()
        .map(|s| s.spec.vendor.id.clone())
        .filter(|v| embedded.contains(&v.as_str()))
        .collect()
}

fn matches(name: &str, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            name == f
                || name.starts_with(&format!("{f}."))
                || (f.ends_with('*') && name.starts_with(f.trim_end_matches('*')))
        })
}

/// One strict run against a fresh reference (a mutant, or the conforming one).
fn run_once(
    set: &SpecSet,
    vendors: &[String],
    mutant: Option<&str>,
    rows: Vec<String>,
    options: &MutationOptions,
    jobs: usize,
) -> Result<RunReport, MutationError> {
    let config = Config {
        mutant: mutant.map(str::to_string),
        ..Config::default()
    };
    let target = match mutant {
        Some(m) => format!("mutant {m}"),
        None => "the reference".to_string(),
    };
    let reference =
        Reference::with_vendors(config, vendors).map_err(|_| MutationError::NoVendor)?;
    let fixtures = reference.fixtures();
    let run_options = RunOptions {
        cases: options.cases.max(1),
        seed: options.seed,
        strict: true,
        jobs,
        rows,
        shrink: false,
        positive: true,
        faults: Some(reference.faults().iter().map(|f| f.to_string()).collect()),
        ..RunOptions::default()
    };
    run(set, &reference, &fixtures, &run_options, &|_| {})
        .map_err(|error| MutationError::Run { target, error })
}

/// Runs the checks against the reference and each selected mutant; `on_mutant` hears of each
/// mutant as it finishes.
pub fn score(
    set: &SpecSet,
    options: &MutationOptions,
    on_mutant: &(dyn Fn(&MutantResult) + Sync),
) -> Result<MutationReport, MutationError> {
    let start = Instant::now();
    let vendors = served_vendors(set);
    if vendors.is_empty() {
        return Err(MutationError::NoVendor);
    }
    let all = catalog(set);
    let selected: Vec<Mutant> = all
        .iter()
        .copied()
        .filter(|(_, name, _)| matches(name, &options.mutants))
        .collect();
    // Every filter must name something: a typo is an error, not a smaller catalog.
    let unmatched: Vec<String> = options
        .mutants
        .iter()
        .filter(|f| {
            !all.iter()
                .any(|(_, name, _)| matches(name, std::slice::from_ref(f)))
        })
        .cloned()
        .collect();
    if selected.is_empty() || !unmatched.is_empty() {
        return Err(MutationError::NoMutant {
            filters: if unmatched.is_empty() {
                options.mutants.clone()
            } else {
                unmatched
            },
            known: all.len(),
        });
    }
    let jobs = options.jobs.max(1);

    let reference_start = Instant::now();
    let clean_run = run_once(set, &vendors, None, Vec::new(), options, jobs)?;
    let failures = not_passed(&clean_run);
    let reference = ReferenceResult {
        clean: failures.is_empty(),
        checks: checks_run(&clean_run),
        failures,
        elapsed_ms: reference_start.elapsed().as_millis() as u64,
    };

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<MutantResult, MutationError>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(selected.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((vendor, name, description)) = selected.get(i) else {
                    break;
                };
                let mutant_start = Instant::now();
                let outcome = run_once(
                    set,
                    &vendors,
                    Some(name),
                    vec![vendor.to_string()],
                    options,
                    1,
                )
                .map(|report| {
                    let checks = not_passed(&report);
                    let (failures, untested): (Vec<Check>, Vec<Check>) =
                        checks.into_iter().partition(fails);
                    MutantResult {
                        name: name.to_string(),
                        vendor: vendor.to_string(),
                        description: description.to_string(),
                        killed: !failures.is_empty(),
                        killed_by: failures.iter().map(|c| c.id.clone()).collect(),
                        failures,
                        untested,
                        checks: checks_run(&report),
                        elapsed_ms: mutant_start.elapsed().as_millis() as u64,
                    }
                });
                if let Ok(result) = &outcome {
                    on_mutant(result);
                }
                if let Ok(mut all) = results.lock() {
                    all.push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    let mutants = results
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<_>, _>>()?;
    let killed = mutants.iter().filter(|m| m.killed).count();
    let total = mutants.len();
    Ok(MutationReport {
        seed: options.seed,
        cases: options.cases.max(1),
        strict: true,
        score: if total == 0 {
            0.0
        } else {
            killed as f64 / total as f64
        },
        killed,
        total,
        reference,
        mutants,
        elapsed_ms: start.elapsed().as_millis() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_mutants_vendors_and_prefixes() {
        assert!(matches("acme.a-b", &[]));
        assert!(matches("acme.a-b", &["acme.a-b".into()]));
        assert!(matches("acme.a-b", &["acme".into()]));
        assert!(matches("acme.a-b", &["acme.a*".into()]));
        assert!(!matches("acme.a-b", &["acme.a".into()]));
        assert!(!matches("acme.a-b", &["other".into()]));
    }
}
