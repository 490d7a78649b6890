//! Verdicts that hold however long a run takes and whatever the target does first: the time of
//! each request is taken when it is sent, a nonce-reuse case proves nothing unless its first
//! send was accepted, valid-request checks run as many cases as the rows, and a filter that
//! selects nothing is an error rather than an empty pass.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use confuzz::check::CheckKind;
use confuzz::reference::{Config, Reference};
use confuzz::run::{run, Event, RowVerdict, RunError, RunOptions};
use confuzz::target::Clock;
use confuzz::{FnTarget, Request, Response};
use serde_json::json;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2031-03-01T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Every LTI row, valid-request check and property, against a reference that shares a manual
/// clock with the run; the clock moves three hours after each finished check.
fn lti_run_with_moving_clock() -> confuzz::run::RunReport {
    let clock = Clock::manual(start());
    let reference = Reference::new(Config::default().clock(clock.clone()));
    let options = RunOptions::default()
        .seed(SEED)
        .cases(2)
        .jobs(1)
        .rows(["lti"])
        .clock(clock.clone());
    let moves = std::sync::atomic::AtomicUsize::new(0);
    let report = run(
        &specs(),
        &reference,
        &reference.fixtures(),
        &options,
        &|event| {
            if matches!(event, Event::Finished(_)) {
                clock.advance(Duration::hours(3));
                moves.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        },
    )
    .expect("the run goes on");
    assert!(
        moves.into_inner() > 16,
        "the clock moved between the checks"
    );
    assert!(clock.now() > start() + Duration::hours(48));
    report
}

// See: row lti.launch.failed-imslti-validation (a launch signed more than 300 s before it is
// sent is stale).
#[test]
fn a_clock_moved_by_hours_between_checks_raises_no_false_alarm() {
    let report = lti_run_with_moving_clock();
    // The interop finding says how the reference verifies signatures (as the `ims-lti`
    // validator does: a warning), whatever the clock; everything else must pass.
    let not_passed: Vec<String> = report
        .checks()
        .filter(|c| c.verdict != RowVerdict::Passed)
        .filter(|c| !(c.id == "lti.interop.oauth1" && c.verdict == RowVerdict::Warned))
        .map(|c| format!("{}: {} {:?}", c.id, c.verdict.as_str(), c.reason))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:#?}");
    assert!(report.of_kind(CheckKind::Property).count() > 0);
}

/// A launch endpoint that turns every launch away with code 1001, and serves nothing else.
fn rejects_every_launch(request: &Request) -> Response {
    if request.path.starts_with("/lti/") {
        Response::json(
            400,
            &json!({"error": {
                "code": 1001,
                "name": "FAILED_IMSLTI_VALIDATION",
                "message": "The request did not pass the IMSLTI validator."
            }}),
        )
    } else {
        Response::json(404, &json!({"message": "no such route"}))
    }
}

// See: row lti.launch.failed-imslti-validation (its nonce-reuse variant).
#[test]
fn a_target_that_rejects_every_launch_fails_the_validator_row() {
    let target = FnTarget::new("rejects every launch", rejects_every_launch);
    let report = run_rows(&target, &["lti.launch.failed-imslti-validation"], false);
    let result = row(&report, "lti.launch.failed-imslti-validation");
    let found = mismatches(result, RowVerdict::Failed);
    let first = mismatch(found, "status");
    assert_eq!(first.observed, "400");
    assert!(
        first.expected.contains("first use of the nonce"),
        "{first:?}"
    );
    assert!(
        result
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("to the first send"),
        "{:?}",
        result.reason
    );
    // The evidence is the refused first send itself, the very request the case reuses.
    let evidence = result.evidence.as_ref().unwrap();
    assert_eq!(evidence.response.status, 400);
    assert!(String::from_utf8_lossy(&evidence.request.body).contains("oauth_nonce="));

    // The reference accepts the first send, so the same row passes there.
    let reference = reference();
    let report = run_rows(&reference, &["lti.launch.failed-imslti-validation"], false);
    assert_eq!(
        row(&report, "lti.launch.failed-imslti-validation").verdict,
        RowVerdict::Passed
    );
}

#[test]
fn valid_request_checks_run_as_many_cases_as_the_rows() {
    let reference = reference();
    let options = options(&["clever.valid.assignment-create", "lti.valid.launch"])
        .cases(20)
        .positive(true)
        .shrink(false)
        .properties(Vec::<String>::new());
    let report = run_quiet(&specs(), &reference, &reference.fixtures(), &options);
    let valid: Vec<_> = report.of_kind(CheckKind::Valid).collect();
    assert_eq!(valid.len(), 2);
    for p in valid {
        assert_eq!(p.verdict, RowVerdict::Passed, "{p:?}");
        assert_eq!(p.count, 20, "{}", p.id);
    }
}

#[test]
fn a_property_filter_or_name_that_selects_nothing_is_an_error() {
    let reference = reference();
    let fixtures = reference.fixtures();
    let attempt = |rows: &[&str], properties: Option<Vec<String>>| {
        let mut options = options(rows).cases(1);
        options.properties = properties;
        run(&specs(), &reference, &fixtures, &options, &|_| {})
    };
    match attempt(&["coursekey.unique.nonexistent"], None) {
        Err(e @ RunError::NoMatch { .. }) => {
            let RunError::NoMatch { filter, nearest } = &e else {
                unreachable!()
            };
            assert_eq!(filter, "coursekey.unique.nonexistent");
            assert!(
                nearest.iter().all(|id| id.starts_with("coursekey.unique")),
                "{nearest:?}"
            );
            assert!(
                e.to_string().contains("coursekey.unique.nonexistent"),
                "{e}"
            );
        }
        other => panic!("expected NoMatch, got {other:?}"),
    }
    // A property no selected vendor declares a subject for.
    match attempt(&["lti"], Some(vec!["unique".into()])) {
        Err(e @ RunError::PropertyMatchesNothing { .. }) => {
            assert!(e.to_string().contains("--properties unique"), "{e}");
        }
        other => panic!("expected PropertyMatchesNothing, got {other:?}"),
    }
    // A filter that names a real property subject runs it.
    let report = attempt(&["coursekey.unique"], None).expect("the run goes on");
    assert!(report.of_kind(CheckKind::Property).count() > 0);
    assert_eq!(report.of_kind(CheckKind::Row).count(), 0);
}

#[test]
fn an_untested_check_is_listed_with_its_cause_and_counts_by_cause() {
    use confuzz::check::Cause;
    use confuzz::report::run::{console, junit, Redactor};
    use confuzz::run::RunOutcome;
    let set = specs();
    let redactor = Redactor::default();

    // The set-up's doing (a fault hook the target lacks): allowed, counted, listed.
    let reference = reference();
    let lacking = options(&["classroom.internal"]).cases(2).faults(["none"]);
    let report = run_quiet(&set, &reference, &reference.fixtures(), &lacking);
    let c = row(&report, "classroom.internal.internal");
    assert_eq!(
        (c.verdict, c.cause),
        (RowVerdict::Untested, Some(Cause::Setup))
    );
    assert_eq!(report.outcome(), RunOutcome::Conforms);
    let text = console(&report, "http://h", &redactor, false);
    assert!(text.contains("untested (setup)"), "{text}");
    assert!(
        text.contains("untested because of the set-up: 1 check (allowed; --strict fails them):"),
        "{text}"
    );
    assert!(
        text.contains("  classroom.internal.internal: needs fault hook internal"),
        "{text}"
    );
    assert!(junit(&report, "http://h", &redactor).contains("<skipped message=\"untested (setup)"));

    // The same under --strict: the run cannot certify what it did not check.
    let strict = lacking.strict(true);
    let report = run_quiet(&set, &reference, &reference.fixtures(), &strict);
    assert_eq!(report.outcome(), RunOutcome::UntestedUnderStrict);
    assert!(!report.conforms());
    assert!(junit(&report, "http://h", &redactor).contains("<failure message=\"untested (setup)"));

    // The harness's doing (a pool of one user id, too small for one course of 5 students): a
    // set-up error found before the first request, naming the pool, needed and given.
    let small = Reference::new(Config::default().pools([("classroom.user_ids".to_string(), 1)]));
    let sent = std::sync::atomic::AtomicUsize::new(0);
    let counting = FnTarget::new("counting", |r: &Request| {
        sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        confuzz::Target::send(&small, r).expect("the reference answers")
    });
    let options = options(&["classroom.precondition.course-member-limit-reached"])
        .cases(3)
        .positive(true);
    let error = run(&set, &counting, &small.fixtures(), &options, &|_| {})
        .expect_err("a pool of 1 cannot fill a course of 5");
    match &error {
        RunError::PoolTooSmall(e) => {
            assert_eq!(
                (e.pool.as_str(), e.needed, e.given, e.min_size),
                ("classroom.user_ids", 6, 1, Some(40))
            );
        }
        other => panic!("{other}"),
    }
    assert!(error
        .to_string()
        .contains("needs at least 6 values, the fixture gives 1"));
    assert_eq!(sent.load(std::sync::atomic::Ordering::Relaxed), 0);
}
