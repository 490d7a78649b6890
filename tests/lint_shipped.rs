//! A user runs `confuzz lint` on the shipped tables: every erratum the vendors' documents
//! contain is reported, on the rows it concerns (one test per erratum), and nothing is reported
//! on a clean spec. The structural checks (duplicate row ids, a row with no trigger, an
//! endpoint with no rows) are shown firing and staying quiet on small synthetic specs.
//!
//! The whole listing is also kept as a snapshot (`snapshots/`), so any change in the tables
//! shows up in review.

mod common;

use std::sync::OnceLock;

use common::{edit, MINIMAL_SPEC};
use confuzz::spec::lint::{self, Finding, Severity};
use confuzz::spec::{load_embedded, load_str, SpecSet};

fn shipped() -> &'static SpecSet {
    static SET: OnceLock<SpecSet> = OnceLock::new();
    SET.get_or_init(|| load_embedded().expect("the shipped specs load"))
}

fn findings() -> &'static [Finding] {
    static FINDINGS: OnceLock<Vec<Finding>> = OnceLock::new();
    FINDINGS.get_or_init(|| lint::lint(shipped()))
}

/// The findings of one check.
fn of_check(check: &str) -> Vec<&'static Finding> {
    findings().iter().filter(|f| f.check == check).collect()
}

/// The one finding of `check` on exactly these rows.
#[track_caller]
fn finding(check: &str, rows: &[&str]) -> &'static Finding {
    let matching: Vec<&Finding> = of_check(check)
        .into_iter()
        .filter(|f| f.rows == rows)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "one `{check}` finding on {rows:?}; the `{check}` findings are: {:#?}",
        of_check(check)
    );
    matching[0]
}

#[track_caller]
fn says(f: &Finding, words: &[&str]) {
    for w in words {
        assert!(f.message.contains(w), "{w:?} in {:?}", f.message);
    }
}

/// The rows of every finding of `check`, sorted.
fn rows_of(check: &str) -> Vec<String> {
    let mut rows: Vec<String> = of_check(check)
        .iter()
        .flat_map(|f| f.rows.clone())
        .collect();
    rows.sort();
    rows
}

// The errata of the shipped tables: each test names the rows and what lint must say of them.

#[test]
fn the_reason_phrase_400_internal_server_error_is_reported() {
    for row in [
        "coursekey.user.school-not-configured",
        "coursekey.course.school-not-configured",
        "coursekey.member.school-not-configured",
        "coursekey.attendance.school-not-configured",
    ] {
        let f = finding("reason-phrase", &[row]);
        assert_eq!(f.severity, Severity::Warning);
        says(
            f,
            &[
                "\"400 Internal Server Error\"",
                "of 500",
                "400 is what is checked",
            ],
        );
    }
}

#[test]
fn the_reason_phrase_403_bad_request_is_reported() {
    for row in [
        "coursekey.user.unauthorized-school",
        "coursekey.member.course-not-authorized",
        "coursekey.attendance.course-not-authorized",
    ] {
        let f = finding("reason-phrase", &[row]);
        says(
            f,
            &["\"403 Bad Request\"", "of 400", "403 is what is checked"],
        );
    }
}

#[test]
fn the_reason_phrase_500_bad_request_is_reported() {
    let f = finding(
        "reason-phrase",
        &["coursekey.course.invalid-conversion-data"],
    );
    says(
        f,
        &["\"500 Bad Request\"", "of 400", "500 is what is checked"],
    );
}

#[test]
fn only_the_wrong_reason_phrases_are_reported() {
    // The eight wrong phrases of the CourseKey dictionary, and nothing else.
    assert_eq!(
        rows_of("reason-phrase"),
        [
            "coursekey.attendance.course-not-authorized",
            "coursekey.attendance.school-not-configured",
            "coursekey.course.invalid-conversion-data",
            "coursekey.course.school-not-configured",
            "coursekey.member.course-not-authorized",
            "coursekey.member.school-not-configured",
            "coursekey.user.school-not-configured",
            "coursekey.user.unauthorized-school",
        ]
    );
}

#[test]
fn the_account_missing_heading_that_answers_user_missing_is_reported() {
    let f = finding(
        "heading-message",
        &["coursekey.user.account-missing-fields"],
    );
    says(
        f,
        &[
            "Account missing the following fields",
            "User missing the following fields",
        ],
    );
}

#[test]
fn the_user_id_course_id_heading_that_answers_user_id_school_id_is_reported_on_courses() {
    let f = finding(
        "heading-message",
        &["coursekey.course.userid-courseid-must-be-unique"],
    );
    says(
        f,
        &[
            "userID_courseID must be unique",
            "userID_schoolID must be unique.",
        ],
    );
}

#[test]
fn the_user_id_course_id_heading_that_answers_user_id_school_id_is_reported_on_members() {
    let f = finding(
        "heading-message",
        &["coursekey.member.userid-courseid-must-be-unique"],
    );
    says(
        f,
        &[
            "userID_courseID must be unique",
            "userID_schoolID must be unique.",
        ],
    );
}

#[test]
fn the_add_code_limit_stated_two_ways_is_reported() {
    let f = finding("limit-two-ways", &["coursekey.course.addcode-too-long"]);
    says(f, &["less than 26", "more than 26", "26 is ambiguous"]);
    assert_eq!(
        rows_of("limit-two-ways"),
        ["coursekey.course.addcode-too-long"]
    );
}

#[test]
fn the_add_code_character_set_stated_two_ways_is_reported() {
    let f = finding(
        "charset-two-ways",
        &["coursekey.course.addcode-invalid-characters"],
    );
    // The lists differ in their last character only: `,` in one, `;` in the other.
    says(f, &["one list has `,` where the other has `;`"]);
    assert_eq!(
        rows_of("charset-two-ways"),
        ["coursekey.course.addcode-invalid-characters"]
    );
}

#[test]
fn the_doubled_dollar_of_school_id_is_reported() {
    let f = finding(
        "placeholder-typo",
        &["coursekey.course.unauthorized-school"],
    );
    says(f, &["`$$SCHOOL_ID`"]);
    // The users' row writes `$SCHOOL_ID` once: no typo there.
    assert_eq!(
        rows_of("placeholder-typo"),
        ["coursekey.course.unauthorized-school"]
    );
}

#[test]
fn the_clever_past_due_date_action_that_answers_a_parsing_error_is_reported() {
    let f = finding(
        "action-message",
        &["clever.assignment.due-date-day-out-of-range"],
    );
    says(
        f,
        &[
            "Attempting to update an assignment due date to a date in the past",
            "day out of range",
        ],
    );
    // The spec accepts the other reading of that action, and lint says so too.
    finding(
        "same-trigger",
        &[
            "clever.assignment.due-date-day-out-of-range",
            "clever.assignment.due-date-in-past",
        ],
    );
}

#[test]
fn codes_3103_and_3113_documented_for_one_trigger_are_reported() {
    let set = shipped();
    let code = |id: &str| {
        set.vendor("coursekey")
            .and_then(|s| s.row(id))
            .and_then(|r| r.expect.code.clone())
            .map(|c| serde_json::to_value(c).expect("a code serializes"))
    };
    assert_eq!(
        code("coursekey.course.no-options-in-uniform-strategy"),
        Some(serde_json::json!(3103))
    );
    assert_eq!(
        code("coursekey.course.invalid-conversion-data"),
        Some(serde_json::json!(3113))
    );
    let f = finding(
        "same-trigger",
        &[
            "coursekey.course.invalid-conversion-data",
            "coursekey.course.no-options-in-uniform-strategy",
        ],
    );
    says(f, &["two rows for one trigger"]);
}

#[test]
fn course_does_not_exist_and_course_not_found_on_members_are_reported() {
    let f = finding(
        "same-trigger",
        &[
            "coursekey.member.course-does-not-exist",
            "coursekey.member.course-not-found",
        ],
    );
    says(f, &["either answer is accepted"]);
}

#[test]
fn a_missing_vendor_code_where_sibling_rows_have_one_is_reported() {
    // Every CourseKey row without a documented code, each among coded siblings.
    assert_eq!(
        rows_of("missing-code"),
        [
            "coursekey.attendance.mattendanceid-must-be-unique",
            "coursekey.course.duration-below-minimum",
            "coursekey.course.userid-courseid-must-be-unique",
            "coursekey.member.userid-courseid-must-be-unique",
            "coursekey.user.email-must-be-unique",
            "coursekey.user.invalid-email",
            "coursekey.user.template-not-found",
            "coursekey.user.userid-schoolid-must-be-unique",
        ]
    );
    let f = finding("missing-code", &["coursekey.course.duration-below-minimum"]);
    assert_eq!(f.severity, Severity::Info);
    says(f, &["29 of the 31 `course` rows"]);
    let f = finding(
        "missing-code",
        &["coursekey.member.userid-courseid-must-be-unique"],
    );
    says(f, &["6 of the 7 `member` rows"]);
}

#[test]
fn a_message_that_is_any_text_is_not_compared_with_its_heading() {
    // Classroom's INTERNAL and generic RESOURCE_EXHAUSTED rows document no message text.
    assert!(
        of_check("heading-message")
            .iter()
            .all(|f| f.vendor != "classroom"),
        "{:#?}",
        of_check("heading-message")
    );
}

// The listing as a whole.

#[test]
fn the_shipped_specs_have_no_structural_errors() {
    let errors: Vec<&Finding> = findings()
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(of_check("duplicate-id").is_empty());
    assert!(of_check("no-trigger").is_empty());
    assert!(of_check("endpoint-without-rows").is_empty());
}

#[test]
fn every_finding_names_a_known_check_and_known_rows() {
    let set = shipped();
    for f in findings() {
        assert!(lint::checks().any(|c| c == f.check), "{f:?}");
        let spec = set.vendor(&f.vendor).expect("a loaded vendor");
        for row in &f.rows {
            assert!(spec.row(row).is_some(), "{row} of {f:?}");
        }
        assert!(!f.message.is_empty());
    }
}

#[test]
fn findings_come_sorted_by_vendor_severity_and_check() {
    let keys: Vec<(&str, Severity, &str)> = findings()
        .iter()
        .map(|f| (f.vendor.as_str(), f.severity, f.check))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn the_lint_listing_of_the_shipped_specs_is_as_reviewed() {
    let json = serde_json::to_value(findings()).expect("findings serialize");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!("lint_shipped_specs", json);
    });
}

// Synthetic specs: the structural checks.

fn lint_text(text: &str) -> Vec<Finding> {
    let loaded = load_str("acme.yaml", text).expect("the synthetic spec loads");
    lint::lint(&SpecSet {
        specs: vec![loaded],
    })
}

/// The minimal spec with a second row, `id` and trigger op as given.
fn with_second_row(id: &str, op: &str) -> String {
    let row = MINIMAL_SPEC
        .split_once("rows:\n")
        .expect("the minimal spec has rows")
        .1
        .replace("id: acme.widget.missing-name", &format!("id: {id}"))
        .replace("        - remove: [/name]\n", &format!("        - {op}\n"));
    format!("{MINIMAL_SPEC}{row}")
}

#[test]
fn a_clean_spec_has_no_findings() {
    let findings = lint_text(MINIMAL_SPEC);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn two_rows_with_one_id_are_reported() {
    let text = with_second_row(
        "acme.widget.missing-name",
        "set: { /name: { value: \"\" } }",
    );
    let findings = lint_text(&text);
    let dup: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check == "duplicate-id")
        .collect();
    assert_eq!(dup.len(), 1, "{findings:#?}");
    assert_eq!(dup[0].severity, Severity::Error);
    assert_eq!(dup[0].rows, ["acme.widget.missing-name"]);
    assert!(dup[0].message.contains("2 rows"), "{}", dup[0].message);
}

#[test]
fn two_rows_with_their_own_ids_are_not_reported() {
    let text = with_second_row("acme.widget.empty-name", "set: { /name: { value: \"\" } }");
    let findings = lint_text(&text);
    assert!(
        findings.iter().all(|f| f.check != "duplicate-id"),
        "{findings:#?}"
    );
}

#[test]
fn two_rows_with_one_trigger_are_reported() {
    let text = with_second_row("acme.widget.name-required", "remove: [/name]");
    let findings = lint_text(&text);
    let same: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check == "same-trigger")
        .collect();
    assert_eq!(same.len(), 1, "{findings:#?}");
    assert_eq!(
        same[0].rows,
        ["acme.widget.missing-name", "acme.widget.name-required"]
    );
}

#[test]
fn a_row_with_no_trigger_is_reported() {
    let text = edit(
        MINIMAL_SPEC,
        "    trigger:\n      kind: mutation\n      ops:\n        - remove: [/name]\n",
        "",
    );
    let findings = lint_text(&text);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].check, "no-trigger");
    assert_eq!(findings[0].severity, Severity::Error);
    assert_eq!(findings[0].rows, ["acme.widget.missing-name"]);
}

#[test]
fn an_endpoint_with_no_rows_is_reported() {
    let text = edit(
        MINIMAL_SPEC,
        "rows:\n",
        "  - id: widget-list\n    summary: List the widgets of a shelf\n    method: GET\n    path: /shelves/{shelf_id}/widgets\n    params:\n      path:\n        shelf_id: { type: string, x-fixture: acme.shelf_id }\nrows:\n",
    );
    let findings = lint_text(&text);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.check, "endpoint-without-rows");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.rows.is_empty());
    assert!(
        f.message
            .contains("`widget-list` (GET /shelves/{shelf_id}/widgets)"),
        "{}",
        f.message
    );
}

#[test]
fn an_endpoint_reached_only_as_a_trigger_endpoint_is_not_reported() {
    let text = edit(
        MINIMAL_SPEC,
        "rows:\n",
        "  - id: widget-update\n    summary: Rename a widget\n    method: PATCH\n    path: /shelves/{shelf_id}/widgets\n    params:\n      path:\n        shelf_id: { type: string, x-fixture: acme.shelf_id }\n    body:\n      encoding: json\n      schema: { type: object, required: [name], properties: { name: { type: string, minLength: 1 } } }\nrows:\n",
    );
    let text = edit(
        &text,
        "      kind: mutation\n",
        "      kind: mutation\n      endpoint: widget-update\n",
    );
    let findings = lint_text(&text);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_correct_reason_phrase_is_not_reported_and_a_wrong_one_is() {
    let right = edit(
        MINIMAL_SPEC,
        "      response: '400 | {\"message\":\"missing required field(s): name\"}'\n",
        "      response: '400 Bad Request Response: {\"message\":\"missing required field(s): name\"}'\n",
    );
    assert!(lint_text(&right).is_empty());
    let wrong = edit(
        MINIMAL_SPEC,
        "      response: '400 | {\"message\":\"missing required field(s): name\"}'\n",
        "      response: '400 Not Found Response: {\"message\":\"missing required field(s): name\"}'\n",
    );
    let findings = lint_text(&wrong);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].check, "reason-phrase");
    assert!(
        findings[0].message.contains("of 404"),
        "{}",
        findings[0].message
    );
}
