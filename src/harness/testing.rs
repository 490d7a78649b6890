//! One named test per check under `cargo test`. The main function here is [`main`]: the body
//! of a test target declared with `harness = false`, built on
//! [libtest-mimic](https://docs.rs/libtest-mimic), so each documented error row, each
//! valid-request check and each cross-request property subject is a test of its own:
//!
//! ```text
//! running 29 tests
//! test clever.assignment.missing-required-fields ... ok
//! test clever.auth.no-token ... FAILED
//! test clever.valid.assignment-create ... ok
//! test clever.after-delete.assignment-delete ... ok
//! test clever.stateful.sequences ... ok
//! ...
//! ```
//!
//! Test names are the check ids: the row ids (`vendor.group.slug`, what `confuzz list` and
//! `confuzz explain` show), `vendor.valid.endpoint` for the valid-request checks and
//! `vendor.property.subject` for the properties (as `confuzz run` reports them), so cargo's
//! usual filter selects checks (`cargo test --test conformance -- missing-required`) and only
//! the selected ones run. They run in parallel on libtest's test threads (`--test-threads`). A
//! failing row's message is the expectation and what was observed, the answer, the minimal
//! request and its `curl` reproducer; a failing property's is the numbered request sequence.
//! A check that cannot be tested (a fixture or fault hook is missing) is reported *ignored*
//! with the reason, never passed; a row whose assumed expectation differs passes with a
//! warning on stderr (it fails with [`Harness::strict`]).
//!
//! # Set-up
//!
//! In `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! confuzz = "0.1"
//!
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! In `tests/conformance.rs`:
//!
//! ```no_run
//! use confuzz::Harness;
//!
//! fn main() -> std::process::ExitCode {
//!     confuzz::testing::main(
//!         Harness::embedded()
//!             .vendor("clever")
//!             .url("http://127.0.0.1:8080")
//!             .fixtures_file("tests/fixtures.json"),
//!     )
//! }
//! ```
//!
//! Not for: the cases within a row (they are the engine's, shrunk as one property), or
//! reporting (see [`Report`](crate::Report)).

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use super::builder::{Harness, HarnessError, Prepared};
use crate::run::RowVerdict;
use crate::spec::SpecSet;

/// Runs `harness` as a test binary: reads libtest's arguments (filters, `--list`,
/// `--test-threads`, `--exact`, ...) from the command line, runs one test per selected row,
/// valid-request check and property subject, prints libtest's output and returns its exit
/// code.
///
/// When the harness cannot run at all (specs that do not load, no target, an unreachable
/// URL), it prints the error and returns failure without running a test.
pub fn main(harness: Harness) -> ExitCode {
    let args = Arguments::from_args();
    match trials(harness) {
        Ok(trials) => libtest_mimic::run(&args, trials).exit_code(),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(101)
        }
    }
}

/// The tests [`main`] runs, one per selected row, valid-request check and property subject, for
/// a test binary that adds trials of its own before calling [`libtest_mimic::run`].
///
/// # Example
///
/// ```
/// use confuzz::Harness;
///
/// let trials = confuzz::testing::trials(Harness::reference().vendor("clever"))?;
/// let names: Vec<&str> = trials.iter().map(|t| t.name()).collect();
/// assert!(names.contains(&"clever.assignment.missing-required-fields"));
/// assert!(names.contains(&"clever.valid.assignment-create"));
/// assert!(names.contains(&"clever.after-delete.assignment-delete"));
/// # Ok::<(), confuzz::HarnessError>(())
/// ```
///
/// # Errors
///
/// Whatever [`Harness::run`] would fail with before running a case.
pub fn trials(harness: Harness) -> Result<Vec<Trial>, HarnessError> {
    let prepared = Arc::new(harness.prepare()?);
    // One spec set per vendor, so each test compiles only its own vendor's expectations.
    let sets: Arc<Vec<SpecSet>> = Arc::new(
        prepared
            .set
            .specs
            .iter()
            .map(|s| SpecSet {
                specs: vec![s.clone()],
            })
            .collect(),
    );
    let trials = prepared
        .selection()?
        .into_iter()
        .map(|(vendor, id)| {
            let prepared = Arc::clone(&prepared);
            let sets = Arc::clone(&sets);
            Trial::ignorable_test(id.clone(), move || {
                let set = sets
                    .iter()
                    .find(|s| s.specs.iter().any(|l| l.spec.vendor.id == vendor))
                    .ok_or_else(|| Failed::from(format!("vendor {vendor} is not loaded")))?;
                check_one(&prepared, set, &id)
            })
        })
        .collect();
    Ok(trials)
}

/// Runs one check (a row, a valid-request check, a property subject) and turns its verdict
/// into a test outcome.
fn check_one(prepared: &Prepared, set: &SpecSet, id: &str) -> Result<Completion, Failed> {
    let mut options = prepared.options.clone();
    options.rows = vec![id.to_string()];
    options.jobs = 1;
    let report = prepared
        .run(set, options)
        .map_err(|e| Failed::from(e.to_string()))?;
    match report.verdict(id) {
        Some(RowVerdict::Passed) => Ok(Completion::Completed),
        Some(RowVerdict::Warned) => {
            eprintln!("warning: {id}: {}", report.reason(id).unwrap_or("warned"));
            Ok(Completion::Completed)
        }
        // The harness's own inability fails the trial; a fixture or hook the set-up lacks
        // ignores it with the reason.
        Some(RowVerdict::Untested)
            if report.run_report().check(id).is_some_and(|c| {
                c.cause.unwrap_or(crate::check::result::Cause::Harness)
                    == crate::check::result::Cause::Harness
            }) =>
        {
            Err(Failed::from(format!(
                "harness error: {id} could not be checked: {}",
                report.reason(id).unwrap_or("no reason given")
            )))
        }
        Some(RowVerdict::Untested) => Ok(Completion::ignored_with(
            report.reason(id).unwrap_or("untested"),
        )),
        Some(RowVerdict::Failed) => Err(Failed::from(
            report
                .one_failure()
                .unwrap_or_else(|| report.failure_text()),
        )),
        None => Err(Failed::from(format!("{id} did not run"))),
    }
}

#[cfg(all(test, feature = "reference"))]
mod tests {
    use super::*;
    use crate::reference::{Config, Reference};
    use crate::run::RunError;
    use crate::target::{FnTarget, Request};

    /// The embedded reference with one deviation: a missing token is answered 400, not 401.
    fn mutated() -> Harness {
        let reference = Reference::new(Config::default());
        let fixtures = serde_json::Value::Object(reference.fixtures());
        let target = FnTarget::new("reference answering 400 for 401", move |r: &Request| {
            let mut response = reference.handle(r);
            if response.status == 401 {
                response.status = 400;
            }
            response
        });
        Harness::embedded()
            .vendor("clever")
            .target(target)
            .fixtures(fixtures)
            .cases(4)
    }

    fn check(harness: Harness, id: &str) -> Result<Completion, Failed> {
        let prepared = harness.prepare().unwrap();
        check_one(&prepared, &prepared.set, id)
    }

    #[test]
    fn a_failing_row_fails_its_test_with_the_evidence() {
        let Err(failed) = check(mutated(), "clever.auth.no-token") else {
            panic!("the row passed against a target that answers 400 for 401");
        };
        let message = failed.message().unwrap();
        assert!(
            message.starts_with("status: expected 401, got 400"),
            "{message}"
        );
        assert!(
            message.contains("status: expected \"401\", observed \"400\""),
            "{message}"
        );
        assert!(
            message.contains("curl -i -X POST 'http://127.0.0.1:8080/v3.1/sections/"),
            "{message}"
        );
        assert!(
            message.ends_with("seed 0 (`.seed(0)` builds the same requests)"),
            "{message}"
        );
    }

    #[test]
    fn passing_rows_and_checks_pass_and_untested_rows_are_ignored_with_the_reason() {
        assert!(matches!(
            check(mutated(), "clever.auth.bad-token"),
            Ok(Completion::Completed)
        ));
        assert!(matches!(
            check(mutated(), "clever.valid.assignment-get"),
            Ok(Completion::Completed)
        ));
        let reference = Reference::new(Config::default());
        let mut fixtures = reference.fixtures();
        fixtures.remove("clever.unenrolled_student_id");
        let harness = Harness::embedded()
            .vendor("clever")
            .target(reference)
            .fixtures(serde_json::Value::Object(fixtures))
            .cases(2);
        match check(harness, "clever.submission.user-not-found") {
            Ok(Completion::Ignored { reason }) => assert_eq!(
                reason.as_deref(),
                Some("needs fixture clever.unenrolled_student_id")
            ),
            _ => panic!("an untested row is ignored"),
        }
    }

    /// The embedded reference with one deviation no single request shows.
    fn mutant(name: &str) -> Harness {
        let reference = Reference::new(Config {
            mutant: Some(name.into()),
            ..Config::default()
        });
        let fixtures = serde_json::Value::Object(reference.fixtures());
        Harness::embedded()
            .vendor("clever")
            .target(reference)
            .fixtures(fixtures)
            .cases(4)
    }

    #[test]
    fn a_property_only_mutant_fails_its_property_trial_and_no_row() {
        let name = "clever.deleted-revived-by-patch";
        let trials = trials(mutant(name)).unwrap();
        let id = "clever.after-delete.assignment-delete";
        assert!(trials.iter().any(|t| t.name() == id));
        let Err(failed) = check(mutant(name), id) else {
            panic!("{id} passed against {name}");
        };
        let message = failed.message().unwrap();
        assert!(message.contains("PATCH assignment-update"), "{message}");
        assert!(message.contains("requests, in order:"), "{message}");
        assert!(message.contains("1. curl -i -X POST"), "{message}");
        // The rows pass against it (the deleted-row one included): only the property shows it.
        for row in ["clever.assignment.deleted", "clever.auth.no-token"] {
            assert!(
                matches!(check(mutant(name), row), Ok(Completion::Completed)),
                "{row}"
            );
        }
        // The same trial passes against the reference.
        let reference = Reference::new(Config::default());
        let fixtures = serde_json::Value::Object(reference.fixtures());
        let clean = Harness::embedded()
            .vendor("clever")
            .target(reference)
            .fixtures(fixtures);
        assert!(matches!(check(clean, id), Ok(Completion::Completed)));
    }

    #[test]
    fn trials_are_the_selected_rows_then_the_selected_checks() {
        let names = |harness: Harness| -> Vec<String> {
            trials(harness)
                .unwrap()
                .iter()
                .map(|t| t.name().to_string())
                .collect()
        };
        assert_eq!(
            names(mutated().rows(["clever.auth"])),
            ["clever.auth.no-token", "clever.auth.bad-token"]
        );
        assert_eq!(
            names(mutated().rows([
                "clever.request.empty-body",
                "clever.valid.assignment-create"
            ])),
            [
                "clever.request.empty-body",
                "clever.valid.assignment-create"
            ]
        );
        // 15 rows, 7 endpoints, then the properties' subjects as the clever spec declares them.
        let all = names(mutated());
        assert_eq!(
            all[15 + 7..],
            [
                "clever.precedence.assignment-create",
                "clever.precedence.assignment-get",
                "clever.nothing-lost.assignment-create",
                "clever.nothing-lost.assignment-update",
                "clever.nothing-lost.submission-update",
                "clever.after-delete.assignment-delete",
                "clever.stateful.sequences",
            ]
        );
        assert_eq!(names(mutated().valid_requests(false)).len(), 15 + 7);
        assert_eq!(
            names(mutated().properties(["after-delete"]).rows(["clever"])).len(),
            15 + 7 + 1
        );
        assert_eq!(
            names(mutated().properties(Vec::<String>::new())).len(),
            15 + 7
        );
        assert_eq!(
            names(mutated().rows(["clever.after-delete"])),
            ["clever.after-delete.assignment-delete"]
        );
        assert!(matches!(
            trials(mutated().properties(["uniqueness"])),
            Err(HarnessError::Run(RunError::UnknownProperty(_)))
        ));
        assert!(matches!(
            trials(mutated().vendor("nope")),
            Err(HarnessError::UnknownVendor(_))
        ));
    }
}
