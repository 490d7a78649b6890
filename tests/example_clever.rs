//! The example service (`examples/clever_service/`) as its own tests would check it: a harness
//! over the Clever rows against the axum router, in process. The example keeps one bug on
//! purpose (a request without a token is answered 400, Clever documents 401), so these tests
//! assert that the harness finds exactly that bug, with the evidence a developer needs, and
//! that everything else conforms. `scripts/external-crate-demo.sh` shows the same from a crate
//! of its own, failing and then passing once the bug is fixed.

use std::sync::OnceLock;

use confuzz::run::RowVerdict;
use confuzz::{Harness, Report};
use serde_json::json;

#[path = "../examples/clever_service/app.rs"]
#[allow(dead_code)]
mod app;

fn harness() -> Harness {
    let roster = app::Roster::demo();
    Harness::embedded()
        .vendor("clever")
        .service(app::router(roster.clone()))
        .fixtures(json!({
            "clever.token": roster.token,
            "clever.section_id": roster.section_id,
            "clever.teacher_id": roster.teacher_id,
            "clever.student_id": roster.student_ids[0],
            "clever.unenrolled_student_id": "5f1b2c3d4e5f6a7b8c9d0e99",
        }))
        .cases(16)
        .seed(1)
}

/// One run shared by the tests below (the service keeps state, so each run gets a fresh one).
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| harness().run().expect("the harness runs"))
}

#[test]
fn the_harness_finds_exactly_the_missing_token_bug() {
    let report = report();
    // The same bug shows in the precedence property: a request missing both the token and a
    // required field gets the bug's 400, which is neither triggered row.
    assert_eq!(
        report.ids(RowVerdict::Failed),
        [
            "clever.auth.no-token",
            "clever.precedence.assignment-create"
        ]
    );
    assert!(report
        .reason("clever.precedence.assignment-create")
        .is_some_and(|r| r.contains("clever.auth.no-token: none of the triggered rows answered")));
    assert_eq!(report.ids(RowVerdict::Untested), Vec::<String>::new());
    assert_eq!(report.ids(RowVerdict::Warned), Vec::<String>::new());
    // Every other row of the table, valid requests on all seven endpoints, and the other six
    // property checks (random sequences included) pass.
    let summary = &report.run_report().summary;
    assert_eq!((summary.passed, summary.failed), (15 - 1 + 7 + 6, 2));
}

#[test]
fn assert_conforms_panics_with_expected_observed_and_a_reproducer() {
    let report = report();
    let panic = std::panic::catch_unwind(|| report.assert_conforms())
        .expect_err("the example does not conform");
    let text = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(text.contains("--- clever.auth.no-token (failed)"), "{text}");
    assert!(
        text.contains("status: expected \"401\", observed \"400\""),
        "{text}"
    );
    assert!(
        text.contains("answer: 400 {\"message\":\"No authorization provided\"}"),
        "{text}"
    );
    // The reproducer: the minimal request as a curl line, with no Authorization header.
    let curl = text
        .lines()
        .find(|l| l.trim_start().starts_with("curl -i -X POST"))
        .unwrap_or_else(|| panic!("no curl line in:\n{text}"));
    assert!(
        curl.contains("'http://127.0.0.1:8080/v3.1/sections/5f1b2c3d4e5f6a7b8c9d0e1f/assignments'"),
        "{curl}"
    );
    assert!(!curl.contains("Authorization"), "{curl}");
    assert!(text.contains("seed 1 (`.seed(1)`"), "{text}");
    // No secret leaks into the text, though other rows' requests carry the token.
    assert!(!text.contains(&app::Roster::demo().token), "{text}");
}

#[test]
fn one_test_per_row_per_endpoint_and_per_property_subject() {
    let trials = confuzz::testing::trials(harness()).expect("the harness prepares");
    let names: Vec<&str> = trials.iter().map(|t| t.name()).collect();
    assert_eq!(names.len(), 15 + 7 + 7, "{names:?}");
    assert!(names.contains(&"clever.precedence.assignment-create"));
    assert!(names.contains(&"clever.stateful.sequences"));
    assert!(names.contains(&"clever.auth.no-token"));
    assert!(names.contains(&"clever.assignment.missing-required-fields"));
    assert!(names.contains(&"clever.valid.submission-update"));
}

#[test]
fn the_normalized_report_is_snapshotted() {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        confuzz::assert_report_snapshot!("example-clever-service", report());
    });
}
