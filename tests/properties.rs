//! The cross-request properties against the embedded reference: each passes on the conforming
//! reference and fails on the mutant that violates it, with the request sequence as evidence;
//! selection by `--properties` and by the row filters; the reports show them.

use confuzz::check::CheckResult;
use confuzz::reference::{Config, Reference};
use confuzz::report::run::{console, json, junit, Redactor};
use confuzz::run::{run, RowVerdict, RunError, RunOptions, RunReport};
use confuzz::spec::load_embedded;

const PROPERTIES: [&str; 5] = [
    "precedence",
    "nothing-lost",
    "unique",
    "after-delete",
    "limit",
];

/// Runs the checks the filters select (property ids or prefixes, row ids) against the
/// reference or one of its mutants, strictly, without valid-request checks.
fn run_filtered(
    filters: &[String],
    mutant: Option<&str>,
    properties: Option<Vec<String>>,
) -> RunReport {
    let set = load_embedded().expect("the shipped specs load");
    let mut config = Config::default();
    config.mutant = mutant.map(str::to_string);
    let reference = Reference::new(config);
    let mut options = RunOptions::default()
        .cases(1)
        .seed(5)
        .strict(true)
        .rows(filters.to_vec())
        .positive(false);
    options.properties = properties;
    run(&set, &reference, &reference.fixtures(), &options, &|_| {}).expect("the run completes")
}

fn property_run(filter: &str, mutant: Option<&str>) -> RunReport {
    run_filtered(&[filter.to_string()], mutant, None)
}

fn result<'r>(report: &'r RunReport, id: &str) -> &'r CheckResult {
    report
        .of_kind(confuzz::check::CheckKind::Property)
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no result {id} in {:?}", ids(report)))
}

/// The results of the cross-request properties (the signing convention's interop finding
/// is reported among them but is not one).
fn properties(report: &RunReport) -> impl Iterator<Item = &CheckResult> {
    report
        .of_kind(confuzz::check::CheckKind::Property)
        .filter(|p| p.property.as_deref() != Some("interop"))
}

fn ids(report: &RunReport) -> Vec<&str> {
    properties(report).map(|p| p.id.as_str()).collect()
}

#[test]
fn every_property_passes_against_the_reference() {
    // Each vendor with each property it declares subjects for (a filter that names no
    // subject, such as `lti.unique`, is an error).
    let filters: Vec<String> = [
        "lti.precedence",
        "lti.nothing-lost",
        "classroom.nothing-lost",
        "classroom.limit",
        "clever.precedence",
        "clever.nothing-lost",
        "clever.after-delete",
        "coursekey.precedence",
        "coursekey.nothing-lost",
        "coursekey.unique",
        "coursekey.after-delete",
    ]
    .iter()
    .map(|f| f.to_string())
    .collect();
    let report = run_filtered(&filters, None, None);
    assert!(report
        .checks()
        .all(|c| c.kind == confuzz::check::CheckKind::Property));
    // The subjects each property declares before sending anything (one `testing` trial each)
    // are exactly the results it gives.
    let trials = confuzz::testing::trials(confuzz::Harness::reference()).expect("the trials");
    let declared: Vec<String> = trials
        .iter()
        .map(|t| t.name().to_string())
        .filter(|name| PROPERTIES.iter().any(|p| name.split('.').nth(1) == Some(p)))
        .collect();
    assert_eq!(declared, ids(&report));
    // The interop finding describes the reference's signing convention (`ims-lti`, as its
    // vendor's validator verifies), not a cross-request property: tests/oauth1_interop.rs.
    for p in properties(&report) {
        assert_eq!(
            p.verdict,
            RowVerdict::Passed,
            "{}: {:?} {:?}",
            p.id,
            p.reason,
            p.steps
        );
        assert!(p.count > 0, "{} sent nothing", p.id);
    }
    for name in PROPERTIES {
        assert!(
            report
                .of_kind(confuzz::check::CheckKind::Property)
                .any(|p| p.property.as_deref() == Some(name)),
            "no result of {name}: {:?}",
            ids(&report)
        );
    }
    // The spec-declared subjects each get a result.
    for id in [
        "lti.precedence.launch",
        "coursekey.unique.user-create-email",
        "coursekey.unique.user-create-userid-schoolid",
        "coursekey.unique.member-create-email-courseid-addcode",
        "coursekey.after-delete.attendance-delete",
        "clever.after-delete.assignment-delete",
        "clever.nothing-lost.assignment-update",
        "classroom.limit.course-members",
        "classroom.limit.requests-per-minute",
    ] {
        result(&report, id);
    }
    // Strict: the reference's interop finding fails (it passes every row and property).
    assert_eq!(
        report
            .of_kind(confuzz::check::CheckKind::Property)
            .find(|p| p.id == "lti.interop.oauth1")
            .map(|p| p.verdict),
        Some(RowVerdict::Failed)
    );
    assert_eq!(report.summary.passed, properties(&report).count());
}

#[test]
fn unordered_precedence_notes_the_row_the_target_chose() {
    let report = property_run("coursekey.precedence.user-create", None);
    let p = result(&report, "coursekey.precedence.user-create");
    assert_eq!(p.verdict, RowVerdict::Passed, "{:?}", p.reason);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains(" + ") && n.contains(" -> ")),
        "{:?}",
        p.notes
    );
}

/// The property fails on its mutant, and the failure carries a numbered request sequence.
fn fails_on(filter: &str, id: &str, mutant: &str, reason_has: &str) -> CheckResult {
    let clean = property_run(filter, None);
    assert_eq!(
        result(&clean, id).verdict,
        RowVerdict::Passed,
        "{id} on the reference"
    );
    let report = property_run(filter, Some(mutant));
    let p = result(&report, id).clone();
    assert_eq!(
        p.verdict,
        RowVerdict::Failed,
        "{id} on {mutant}: {:?}",
        p.reason
    );
    let reason = p.reason.clone().unwrap_or_default();
    assert!(reason.contains(reason_has), "{id} on {mutant}: {reason}");
    assert!(
        !p.exchanges.is_empty() && !p.steps.is_empty(),
        "{id}: no evidence"
    );
    assert!(!report.conforms());
    p
}

#[test]
fn unique_fails_on_a_racy_create() {
    let p = fails_on(
        "coursekey.unique.user-create-email",
        "coursekey.unique.user-create-email",
        "coursekey.racy-create",
        // How many of the four win the race depends on scheduling (a loaded machine may
        // serialize one); more than one is the failure.
        "of 4 concurrent creates sharing /email succeeded",
    );
    // The four concurrent requests are the last four of the sequence, and share the email.
    let emails: Vec<String> = p.exchanges[p.exchanges.len() - 4..]
        .iter()
        .map(|x| x.request.json_body().unwrap()["email"].to_string())
        .collect();
    assert!(emails.windows(2).all(|w| w[0] == w[1]), "{emails:?}");
}

#[test]
fn nothing_lost_fails_when_a_rejected_create_persists() {
    fails_on(
        "coursekey.nothing-lost.user-create",
        "coursekey.nothing-lost.user-create",
        "coursekey.persist-rejected",
        "the valid twin of the rejected request was refused",
    );
}

#[test]
fn precedence_fails_on_swapped_checks() {
    fails_on(
        "lti.precedence",
        "lti.precedence.launch",
        "lti.swapped-order",
        "expected lti.launch.email-attribute-name-not-in-request (order 1004)",
    );
}

#[test]
fn limit_fails_when_it_is_reached_one_early() {
    let p = fails_on(
        "classroom.limit.course-members",
        "classroom.limit.course-members",
        "classroom.limit-off-by-one",
        "answered request 5 of the 5 that fill course_members (before the limit)",
    );
    assert_eq!(p.exchanges.last().map(|x| x.response.status), Some(400));
    // The row's own check cannot blame the target for it: its setup could not fill the limit.
    let row = run_filtered(
        &["classroom.precondition.course-member-limit-reached".to_string()],
        Some("classroom.limit-off-by-one"),
        Some(Vec::new()),
    );
    assert_eq!(row.checks[0].verdict, RowVerdict::Untested);
}

#[test]
fn after_delete_fails_when_a_deleted_record_is_still_served() {
    fails_on(
        "clever.after-delete",
        "clever.after-delete.assignment-delete",
        "clever.deleted-revived-by-patch",
        "PATCH assignment-update of the deleted record answered 200",
    );
}

#[test]
fn a_shared_limit_is_left_to_the_row_when_the_row_runs() {
    // The low-quota token's window can be filled once per target: with its row selected, the
    // row fills it and the property stays out.
    let both = run_filtered(
        &[
            "classroom.quota.resource-exhausted".to_string(),
            "classroom.limit".to_string(),
        ],
        None,
        None,
    );
    assert_eq!(both.checks[0].verdict, RowVerdict::Passed);
    assert!(!ids(&both).contains(&"classroom.limit.requests-per-minute"));
    assert!(ids(&both).contains(&"classroom.limit.course-members"));
}

#[test]
fn properties_are_selected_by_name() {
    let filters = vec!["coursekey".to_string()];
    let none = run_filtered(&filters, None, Some(Vec::new()));
    assert!(none
        .of_kind(confuzz::check::CheckKind::Property)
        .next()
        .is_none());
    let unique = run_filtered(&filters, None, Some(vec!["unique".into()]));
    assert!(unique
        .of_kind(confuzz::check::CheckKind::Property)
        .next()
        .is_some());
    assert!(unique
        .of_kind(confuzz::check::CheckKind::Property)
        .all(|p| p.property.as_deref() == Some("unique")));
    assert_eq!(
        unique.summary.passed,
        unique.of_kind(confuzz::check::CheckKind::Row).count()
            + unique.of_kind(confuzz::check::CheckKind::Property).count()
    );

    let set = load_embedded().unwrap();
    let reference = Reference::new(Config::default());
    let options = RunOptions::default().properties(["uniqueness"]);
    match run(&set, &reference, &reference.fixtures(), &options, &|_| {}) {
        Err(RunError::UnknownProperty(unknown)) => {
            assert_eq!(unknown.name, "uniqueness");
            let message = unknown.to_string();
            assert!(
                message.contains("`uniqueness`") && message.contains("after-delete"),
                "{message}"
            )
        }
        other => panic!(
            "expected an unknown property error, got {:?}",
            other.map(|r| r.summary)
        ),
    }
}

#[test]
fn reports_show_failed_properties_with_numbered_curl_lines() {
    let report = property_run(
        "clever.after-delete",
        Some("clever.deleted-revived-by-patch"),
    );
    let set = load_embedded().unwrap();
    let fixtures = Reference::new(Config::default()).fixtures();
    let redactor = Redactor::new(&set, &fixtures);
    let base = "http://127.0.0.1:8080";

    let text = console(&report, base, &redactor, false);
    assert!(text.contains("PROPERTY"), "{text}");
    assert!(
        text.contains("--- clever.after-delete.assignment-delete (failed)"),
        "{text}"
    );
    assert!(
        text.contains("1. curl -i -X POST 'http://127.0.0.1:8080/v3.1/sections/"),
        "{text}"
    );
    assert!(text.contains("4. curl -i -X PATCH"), "{text}");
    assert!(
        text.contains("$CLEVER_TOKEN") && !text.contains("demo-district-app-token"),
        "{text}"
    );
    assert!(text.contains(" 1 property;"), "{text}");

    let doc = json(&report, base, &redactor);
    let p = &doc["checks"][0];
    assert_eq!(p["kind"], "property");
    assert_eq!(p["verdict"], "failed");
    assert!(p["curl"][0].as_str().unwrap().starts_with("1. curl"), "{p}");

    let xml = junit(&report, base, &redactor);
    let case = xml
        .lines()
        .find(|l| l.contains("name=\"clever.after-delete.assignment-delete\""))
        .unwrap_or_else(|| panic!("{xml}"));
    assert!(case.contains("<failure"), "{xml}");
}
