//! Every check of the oracle fails when it should and only then: for each kind of check, the
//! embedded reference is wrapped so that one documented answer is wrong in exactly that way
//! (or a shipped row is copied with a deliberate change), and the run must fail that row with
//! that mismatch, expected and observed. The unmodified reference passes the same row.

mod common;

use common::*;
use confuzz::run::{RowVerdict, RunReport};
use confuzz::spec::{Location, Op, SpecSet};
use confuzz::{Request, Response, Target};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The answer with its JSON body edited, status and headers kept.
fn edit_json(response: Response, edit: impl FnOnce(&mut Value)) -> Response {
    let mut json = response.json_body().expect("a JSON answer");
    edit(&mut json);
    Response {
        body: serde_json::to_vec(&json).unwrap(),
        ..response
    }
}

/// Runs one row against `target` and against the unmodified reference; asserts the reference
/// passes it and returns the target's report.
fn judge(target: &dyn Target, id: &str) -> RunReport {
    assert_passed(row(&run_rows(&reference(), &[id], false), id));
    run_rows(target, &[id], false)
}

/// The same, with a deliberately changed copy of the specs.
fn judge_with(set: &SpecSet, target: &dyn Target, id: &str) -> RunReport {
    let fixtures = reference().fixtures();
    let passes = run_quiet(set, &reference(), &fixtures, &options(&[id]));
    assert_passed(row(&passes, id));
    run_quiet(set, target, &fixtures, &options(&[id]))
}

const PAST_DUE: &str = "due_date must be in the future";

#[test]
fn a_wrong_status_fails() {
    // See: row clever.assignment.due-date-in-past
    let id = "clever.assignment.due-date-in-past";
    let target = rewriting("422 for a past due date", |_, mut answer| {
        if message_of(&answer).as_deref() == Some(PAST_DUE) {
            answer.status = 422;
        }
        answer
    });
    let report = judge(&target, id);
    let result = row(&report, id);
    let m = mismatches(result, RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let status = mismatch(m, "status");
    assert_eq!(
        (status.expected.as_str(), status.observed.as_str()),
        ("400", "422")
    );
    assert!(status.documented);
    assert_eq!(
        result.reason.as_deref(),
        Some("status: expected 400, got 422 (an undocumented answer)")
    );
    let evidence = result.evidence.as_ref().unwrap();
    assert_eq!(evidence.response.status, 422);
    assert_eq!(evidence.reading, id);
    assert!(!report.conforms());
}

#[test]
fn a_wrong_vendor_code_fails() {
    // See: row coursekey.course.invalid-time-zone
    let id = "coursekey.course.invalid-time-zone";
    let target = rewriting("code 10006 for a bad zone", |_, answer| {
        match message_of(&answer) {
            Some(m) if m.starts_with("Invalid timezone:") => {
                edit_json(answer, |j| j["error"]["code"] = json!(10006))
            }
            _ => answer,
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let code = mismatch(m, "code");
    assert_eq!(
        (code.expected.as_str(), code.observed.as_str()),
        ("10005", "10006")
    );
    assert!(code.documented);
}

#[test]
fn a_code_where_the_table_documents_none_fails() {
    // See: row coursekey.user.email-must-be-unique (code: absent)
    let id = "coursekey.user.email-must-be-unique";
    let target = rewriting("a code on a duplicate email", |_, answer| {
        if message_of(&answer).as_deref() == Some("Email must be unique") {
            edit_json(answer, |j| j["error"]["code"] = json!(10005))
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let code = mismatch(m, "code");
    assert_eq!(
        (code.expected.as_str(), code.observed.as_str()),
        ("no code", "10005")
    );
}

#[test]
fn a_wrong_error_name_fails() {
    // See: row lti.launch.failed-imslti-validation (name at /error/name)
    let id = "lti.launch.failed-imslti-validation";
    let target = rewriting("a misspelt error name", |_, answer| {
        let name = answer
            .json_body()
            .and_then(|j| j.pointer("/error/name").cloned());
        if name == Some(json!("FAILED_IMSLTI_VALIDATION")) {
            edit_json(answer, |j| {
                j["error"]["name"] = json!("FAILED_IMS_LTI_VALIDATION")
            })
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let name = mismatch(m, "name");
    assert_eq!(
        (name.expected.as_str(), name.observed.as_str()),
        ("FAILED_IMSLTI_VALIDATION", "FAILED_IMS_LTI_VALIDATION")
    );
    assert!(name.documented, "codes and names are documented");

    // Another vendor keeps its name elsewhere (/error/status): the spec says where.
    // See: row classroom.permission.missing-grant
    let id = "classroom.permission.missing-grant";
    let target = rewriting("FORBIDDEN instead of PERMISSION_DENIED", |_, answer| {
        let status = answer
            .json_body()
            .and_then(|j| j.pointer("/error/status").cloned());
        if status == Some(json!("PERMISSION_DENIED")) {
            edit_json(answer, |j| j["error"]["status"] = json!("FORBIDDEN"))
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    let name = mismatch(m, "name");
    assert_eq!(
        (name.expected.as_str(), name.observed.as_str()),
        ("PERMISSION_DENIED", "FORBIDDEN")
    );
}

#[test]
fn a_message_with_a_typo_fails() {
    // See: row clever.assignment.due-date-in-past
    let id = "clever.assignment.due-date-in-past";
    let target = rewriting("a typo", |_, answer| {
        if message_of(&answer).as_deref() == Some(PAST_DUE) {
            edit_json(answer, |j| {
                j["message"] = json!("due_date must be in the futur")
            })
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let message = mismatch(m, "message");
    assert_eq!(
        (message.expected.as_str(), message.observed.as_str()),
        (PAST_DUE, "due_date must be in the futur")
    );
}

#[test]
fn a_change_of_case_fails_unless_the_row_matches_case_insensitively() {
    let applied = AtomicUsize::new(0);
    let applied = &applied;
    let shout = move |_: &Request, answer: Response| {
        let upper = |r: Response| Response {
            body: r.text_body().to_uppercase().into_bytes(),
            ..r
        };
        match message_of(&answer) {
            Some(m) if m == PAST_DUE => {
                edit_json(answer, |j| j["message"] = json!(PAST_DUE.to_uppercase()))
            }
            None if is_escape_error(&answer) => {
                applied.fetch_add(1, Ordering::Relaxed);
                upper(answer)
            }
            _ => answer,
        }
    };
    // See: row clever.assignment.due-date-in-past (match: exact)
    let id = "clever.assignment.due-date-in-past";
    let report = judge(&rewriting("shouting", shout), id);
    let message = mismatch(mismatches(row(&report, id), RowVerdict::Failed), "message");
    assert_eq!(message.observed, "DUE_DATE MUST BE IN THE FUTURE");

    // See: row clever.request.invalid-escape (match: case_insensitive)
    let id = "clever.request.invalid-escape";
    let report = judge(&rewriting("shouting", shout), id);
    assert_passed(row(&report, id));
    assert!(
        applied.load(Ordering::Relaxed) >= 8,
        "every answer was shouted"
    );
}

/// Whether the answer is the plain-text invalid-escape error (any case).
fn is_escape_error(answer: &Response) -> bool {
    answer.json_body().is_none()
        && answer
            .text_body()
            .to_lowercase()
            .starts_with("invalid character ' ' in string escape code")
}

#[test]
fn a_placeholder_echoing_another_value_fails() {
    // See: row coursekey.course.invalid-time-zone (timeZone bound to body:/timeZone)
    let id = "coursekey.course.invalid-time-zone";
    let target = rewriting("echoes another zone", |_, answer| {
        match message_of(&answer) {
            Some(m) if m.starts_with("Invalid timezone:") => edit_json(answer, |j| {
                j["error"]["message"] =
                    json!("Invalid timezone: America/New_York. Use the IANA TZDB standard")
            }),
            _ => answer,
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let tz = mismatch(m, "placeholder:timeZone");
    assert_eq!(
        (tz.expected.as_str(), tz.observed.as_str()),
        ("Mars/Olympus_Mons", "America/New_York")
    );
    assert!(tz.documented);
}

/// The shipped specs with clever.assignment.missing-required-fields removing exactly title
/// and due_date, so the expected list is known: `title, due_date` (documented order).
fn two_fields_missing() -> SpecSet {
    let mut set = specs();
    let row = spec_row_mut(&mut set, "clever.assignment.missing-required-fields");
    let trigger = row.trigger.as_mut().unwrap();
    trigger.variants.clear();
    trigger.ops = vec![Op::Remove(vec![
        Location::Body("/title".into()),
        Location::Body("/due_date".into()),
    ])];
    set
}

#[test]
fn listing_the_wrong_missing_fields_fails() {
    // See: row clever.assignment.missing-required-fields (order: title, description, due_date)
    let id = "clever.assignment.missing-required-fields";
    let set = two_fields_missing();
    let listing = |list: &'static str| {
        rewriting("lists other fields", move |_, answer| {
            match message_of(&answer) {
                Some(m) if m.starts_with("missing required field(s):") => edit_json(answer, |j| {
                    j["message"] = json!(format!("missing required field(s): {list}"))
                }),
                _ => answer,
            }
        })
    };
    for (list, what) in [
        ("title, description, due_date", "one extra"),
        ("title", "one missing"),
        ("due_date, title", "the wrong order"),
    ] {
        let report = judge_with(&set, &listing(list), id);
        let m = mismatches(row(&report, id), RowVerdict::Failed);
        assert_eq!(m.len(), 1, "{what}: {m:#?}");
        let missing = mismatch(m, "placeholder:missing");
        assert_eq!(missing.expected, "title, due_date", "{what}");
        assert_eq!(missing.observed, list, "{what}");
    }
    // The documented order, as the reference answers it, passes.
    let report = judge_with(&set, &listing("title, due_date"), id);
    assert_passed(row(&report, id));
}

#[test]
fn any_order_passes_where_the_table_fixes_none() {
    // See: row coursekey.user.account-missing-fields (order: any)
    let id = "coursekey.user.account-missing-fields";
    let mut set = specs();
    spec_row_mut(&mut set, id)
        .trigger
        .as_mut()
        .unwrap()
        .variants
        .clear();
    spec_row_mut(&mut set, id).trigger.as_mut().unwrap().ops = vec![Op::Remove(vec![
        Location::Body("/schoolID".into()),
        Location::Body("/issuedID".into()),
    ])];
    let applied = AtomicUsize::new(0);
    let applied = &applied;
    let listing = |list: &'static str| {
        rewriting(
            "lists in another order",
            move |_, answer| match message_of(&answer) {
                Some(m) if m.starts_with("User missing the following fields:") => {
                    applied.fetch_add(1, Ordering::Relaxed);
                    edit_json(answer, |j| {
                        j["error"]["message"] =
                            json!(format!("User missing the following fields:{list}"))
                    })
                }
                _ => answer,
            },
        )
    };
    assert_passed(row(
        &judge_with(&set, &listing("issuedID, schoolID"), id),
        id,
    ));
    assert!(
        applied.load(Ordering::Relaxed) >= 8,
        "every answer was reordered"
    );
    let report = judge_with(&set, &listing("issuedID"), id);
    let missing = mismatch(
        mismatches(row(&report, id), RowVerdict::Failed),
        "placeholder:THE_MISSING_PARAMS",
    );
    assert_eq!(missing.expected, "schoolID, issuedID (any order)");
    assert_eq!(missing.observed, "issuedID");
}

#[test]
fn an_envelope_without_a_required_field_fails() {
    // See: row coursekey.course.invalid-time-zone (the envelope requires error.info)
    let id = "coursekey.course.invalid-time-zone";
    let target = rewriting("no info", |_, answer| match message_of(&answer) {
        Some(m) if m.starts_with("Invalid timezone:") => edit_json(answer, |j| {
            j["error"].as_object_mut().unwrap().remove("info");
        }),
        _ => answer,
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let envelope = mismatch(m, "envelope");
    assert_eq!(envelope.expected, "the documented error envelope");
    assert!(
        envelope.observed.contains("\"info\""),
        "{}",
        envelope.observed
    );
    assert!(
        envelope.observed.contains("/error"),
        "{}",
        envelope.observed
    );
}

#[test]
fn plain_text_instead_of_json_fails() {
    // See: row clever.assignment.due-date-in-past (body: json)
    let id = "clever.assignment.due-date-in-past";
    let target = rewriting("plain text", |_, answer| {
        if message_of(&answer).as_deref() == Some(PAST_DUE) {
            Response::text(400, PAST_DUE)
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let body = mismatch(m, "body");
    assert_eq!(body.expected, "a JSON error body");
    assert_eq!(
        body.observed,
        format!("text/plain; charset=utf-8: {PAST_DUE}")
    );
}

#[test]
fn json_where_the_table_documents_plain_text_fails() {
    // See: row clever.request.invalid-escape (body: text)
    let id = "clever.request.invalid-escape";
    let target = rewriting("JSON", |_, answer| {
        if is_escape_error(&answer) {
            Response::json(answer.status, &json!({ "message": answer.text_body() }))
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    let body = mismatch(m, "body");
    assert_eq!(body.expected, "a plain-text body");
    assert!(
        body.observed.starts_with("application/json: {\"message\""),
        "{}",
        body.observed
    );
}

#[test]
fn a_body_where_the_table_documents_none_fails() {
    // See: row clever.request.method-not-allowed (body: empty)
    let id = "clever.request.method-not-allowed";
    let target = rewriting("a 405 with a body", |_, answer| {
        if answer.status == 405 {
            Response::text(405, "Method Not Allowed")
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let body = mismatch(m, "body");
    assert_eq!(body.expected, "an empty body");
    assert_eq!(
        body.observed,
        "text/plain; charset=utf-8: Method Not Allowed"
    );
}

#[test]
fn a_wrong_content_type_fails() {
    // See: row clever.assignment.due-date-in-past (content_type: application/json)
    let id = "clever.assignment.due-date-in-past";
    let labelled = |content_type: Option<&'static str>| {
        rewriting("another content type", move |_, answer| {
            if message_of(&answer).as_deref() != Some(PAST_DUE) {
                return answer;
            }
            let mut headers: Vec<(String, String)> = answer
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
                .cloned()
                .collect();
            if let Some(ct) = content_type {
                headers.push(("Content-Type".into(), ct.into()));
            }
            Response { headers, ..answer }
        })
    };
    let report = judge(&labelled(Some("text/plain")), id);
    let m = mismatches(row(&report, id), RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let ct = mismatch(m, "content_type");
    assert_eq!(
        (ct.expected.as_str(), ct.observed.as_str()),
        ("application/json", "text/plain")
    );

    let report = judge(&labelled(None), id);
    let ct = mismatch(
        mismatches(row(&report, id), RowVerdict::Failed),
        "content_type",
    );
    assert_eq!(ct.observed, "no Content-Type");

    // Parameters and case do not matter.
    let report = judge(&labelled(Some("Application/JSON; charset=utf-8")), id);
    assert_passed(row(&report, id));
}

#[test]
fn an_assumed_field_that_differs_warns_and_fails_when_strict() {
    // See: row lti.launch.failed-imslti-validation (assumed: status, body, message)
    let id = "lti.launch.failed-imslti-validation";
    let target = rewriting("401 for a bad signature", |_, mut answer| {
        let name = answer
            .json_body()
            .and_then(|j| j.pointer("/error/name").cloned());
        if name == Some(json!("FAILED_IMSLTI_VALIDATION")) {
            answer.status = 401;
        }
        answer
    });
    let report = judge(&target, id);
    let result = row(&report, id);
    let m = mismatches(result, RowVerdict::Warned);
    assert_eq!(m.len(), 1, "{m:#?}");
    let status = mismatch(m, "status");
    assert_eq!(
        (status.expected.as_str(), status.observed.as_str()),
        ("400", "401")
    );
    assert!(!status.documented);
    assert_eq!(
        result.reason.as_deref(),
        Some("assumed expectation differs: status: expected 400, got 401")
    );
    // The only other warning is the interop finding of the target's signing convention.
    let interop = report
        .checks()
        .filter(|p| p.property.as_deref() == Some("interop") && p.verdict == RowVerdict::Warned)
        .count();
    assert_eq!(report.summary.warned, 1 + interop);
    assert!(report.conforms(), "a warning is not a failure");

    let strict = run_rows(&target, &[id], true);
    let result = row(&strict, id);
    let m = mismatches(result, RowVerdict::Failed);
    let status = mismatch(m, "status");
    assert_eq!(
        (status.expected.as_str(), status.observed.as_str()),
        ("400", "401")
    );
    assert!(!status.documented);
    assert!(!strict.conforms());
    assert!(strict.strict);

    // The reference passes under --strict too.
    assert_passed(row(&run_rows(&reference(), &[id], true), id));
}

/// The reading each passing answer of the row matched, and how often.
fn readings(report: &RunReport, id: &str) -> Vec<(String, u32)> {
    let result = row(report, id);
    assert_passed(result);
    result.readings.clone().into_iter().collect()
}

#[test]
fn an_ambiguous_row_passes_with_either_documented_reading() {
    // See: row clever.assignment.due-date-day-out-of-range (also_accept due-date-in-past)
    let id = "clever.assignment.due-date-day-out-of-range";
    let cases = options(&[]).cases;
    assert_eq!(
        readings(&run_rows(&reference(), &[id], false), id),
        [(id.to_string(), cases)]
    );
    let target = rewriting("a past date", |_, answer| match message_of(&answer) {
        Some(m) if m.ends_with("day out of range") => {
            Response::json(400, &json!({ "message": PAST_DUE }))
        }
        _ => answer,
    });
    assert_eq!(
        readings(&run_rows(&target, &[id], false), id),
        [("clever.assignment.due-date-in-past".to_string(), cases)]
    );
    // Another answer is not a third reading.
    let target = rewriting("something else", |_, answer| match message_of(&answer) {
        Some(m) if m.ends_with("day out of range") => {
            Response::json(400, &json!({ "message": "due_date is invalid" }))
        }
        _ => answer,
    });
    let report = run_rows(&target, &[id], false);
    let message = mismatch(mismatches(row(&report, id), RowVerdict::Failed), "message");
    assert_eq!(message.observed, "due_date is invalid");

    // See: row coursekey.course.no-options-in-uniform-strategy (3103, also_accept 3113)
    let id = "coursekey.course.no-options-in-uniform-strategy";
    assert_eq!(
        readings(&run_rows(&reference(), &[id], false), id),
        [(id.to_string(), cases)]
    );
    let as_3113 = |status: u16| {
        rewriting("3113", move |_, answer| match message_of(&answer) {
            Some(m) if m == "No options allowed in uniform strategy." => Response::json(
                status,
                &json!({"error": {
                    "code": 3113,
                    "message": "Invalid conversion data to create-update in a course",
                    "info": {"strategy": "uniform takes no awardedTime"}
                }}),
            ),
            _ => answer,
        })
    };
    assert_eq!(
        readings(&run_rows(&as_3113(500), &[id], false), id),
        [(
            "coursekey.course.invalid-conversion-data".to_string(),
            cases
        )]
    );
    // Half of one and half of the other (3103's status with 3113's answer) is neither.
    let report = run_rows(&as_3113(400), &[id], false);
    let status = mismatch(mismatches(row(&report, id), RowVerdict::Failed), "status");
    assert_eq!(
        (status.expected.as_str(), status.observed.as_str()),
        ("500", "400")
    );

    // See: row coursekey.user.account-missing-fields (an alternative with a space)
    let id = "coursekey.user.account-missing-fields";
    let applied = AtomicUsize::new(0);
    let spaced = rewriting("a space after the colon", |_, answer| {
        match message_of(&answer) {
            Some(m) if m.starts_with("User missing the following fields:") => {
                applied.fetch_add(1, Ordering::Relaxed);
                let list = m
                    .trim_start_matches("User missing the following fields:")
                    .trim();
                edit_json(answer, |j| {
                    j["error"]["message"] =
                        json!(format!("User missing the following fields: {list}"))
                })
            }
            _ => answer,
        }
    });
    let report = run_rows(&spaced, &[id], false);
    assert_passed(row(&report, id));
    assert!(applied.load(Ordering::Relaxed) >= cases as usize);
}

#[test]
fn an_alternative_reading_passes_and_is_named() {
    // A copy of clever.assignment.due-date-in-past that also accepts 422.
    let id = "clever.assignment.due-date-in-past";
    let mut set = specs();
    spec_row_mut(&mut set, id).alternatives = vec![serde_json::from_value(json!({
        "status": 422, "why": "a deliberately added reading"
    }))
    .unwrap()];
    let target = rewriting("422 for a past due date", |_, mut answer| {
        if message_of(&answer).as_deref() == Some(PAST_DUE) {
            answer.status = 422;
        }
        answer
    });
    let report = judge_with(&set, &target, id);
    assert_eq!(
        readings(&report, id),
        [(format!("{id}#alt1"), options(&[]).cases)]
    );
    // Without the alternative the same answers fail (see a_wrong_status_fails).
    let report = run_rows(&target, &[id], false);
    assert_eq!(row(&report, id).verdict, RowVerdict::Failed);
}

#[test]
fn another_documented_answer_fails_and_says_which_row_it_is() {
    // See: rows clever.auth.bad-token and clever.auth.no-token
    let id = "clever.auth.bad-token";
    let target = rewriting("no-token for a bad token", |_, answer| {
        if answer.status == 403 {
            Response::json(401, &json!({"message": "No authorization provided"}))
        } else {
            answer
        }
    });
    let report = judge(&target, id);
    let result = row(&report, id);
    let m = mismatches(result, RowVerdict::Failed);
    assert_eq!(m.len(), 2, "{m:#?}");
    assert_eq!(mismatch(m, "status").observed, "401");
    assert_eq!(mismatch(m, "message").observed, "No authorization provided");
    let evidence = result.evidence.as_ref().unwrap();
    assert_eq!(evidence.looks_like.as_deref(), Some("clever.auth.no-token"));
    assert!(
        result
            .reason
            .as_deref()
            .unwrap()
            .ends_with("(the answer is row clever.auth.no-token)"),
        "{:?}",
        result.reason
    );
}

#[test]
fn a_valid_request_that_is_rejected_fails_the_positive_check() {
    // See: the valid-request check of clever assignment-create (success: 200)
    let id = "clever.valid.assignment-create";
    let positive_only = options(&[id]).positive(true);
    let fixtures = reference().fixtures();
    let run_on = |target: &dyn Target| run_quiet(&specs(), target, &fixtures, &positive_only);

    let report = run_on(&reference());
    assert!(report
        .of_kind(confuzz::check::CheckKind::Row)
        .next()
        .is_none());
    let check = positive(&report, "assignment-create");
    assert_eq!(check.verdict, RowVerdict::Passed, "{:?}", check.reason);

    let rejecting = |answer: Response| {
        rewriting("rejects creates", move |request, reply| {
            if request.method == "POST" && request.path.ends_with("/assignments") {
                answer.clone()
            } else {
                reply
            }
        })
    };
    let report = run_on(&rejecting(Response::json(
        400,
        &json!({ "message": PAST_DUE }),
    )));
    let check = positive(&report, "assignment-create");
    assert_eq!(check.verdict, RowVerdict::Failed);
    assert_eq!(
        check.reason.as_deref(),
        Some("a valid request was rejected: expected 200, got 400 (row clever.assignment.due-date-in-past)")
    );
    let evidence = check.evidence.as_ref().unwrap();
    let status = mismatch(&evidence.mismatches, "status");
    assert_eq!(
        (status.expected.as_str(), status.observed.as_str()),
        ("200", "400")
    );
    assert_eq!(
        evidence.looks_like.as_deref(),
        Some("clever.assignment.due-date-in-past")
    );
    assert_eq!(evidence.request.method, "POST");
    assert!(!report.conforms());

    let report = run_on(&rejecting(Response::json(
        500,
        &json!({ "message": "oops" }),
    )));
    assert_eq!(
        positive(&report, "assignment-create").reason.as_deref(),
        Some("a valid request was rejected: expected 200, got 500 (an undocumented answer)")
    );
}
