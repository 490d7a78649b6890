//! Attendance session rows (12) and the valid create, bulk create, delete and bulk delete.

use serde_json::{json, Value};

use crate::support::{assert_data, assert_error, set, without, Ck};

const COURSE: &str = "FA25-MAT-110-01";

/// A fresh reference with one course of the main school.
fn with_course() -> Ck {
    let ck = Ck::new();
    ck.create_course(COURSE, "MAT110A");
    ck
}

fn post(ck: &Ck, body: &Value) -> confuzz::Response {
    ck.send("POST", "/attendances", body)
}

#[test]
fn valid_session_create_answers_201_with_the_record() {
    let ck = with_course();
    let session = assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15"),
        ),
        201,
    );
    assert_eq!(session["attendanceID"], "MAT110-0825");
    assert_eq!(session["start"], "2025-08-25T14:00:00.000Z");
    // By addCode, without attendanceID (generated), with seconds.
    let body = without(
        ck.session_body(COURSE, "", "13:00:00", "14:00:00"),
        &["courseID", "attendanceID"],
    );
    let mut body = body;
    set(&mut body, "addCode", json!("MAT110A"));
    let session = assert_data(&post(&ck, &body), 201);
    assert!(session["attendanceID"].is_string());
}

#[test]
fn valid_bulk_create_answers_201_with_every_session() {
    let ck = with_course();
    let body = json!({
        "schoolID": ck.fx("school_id"),
        "courseID": COURSE,
        "sessions": [
            {"attendanceID": "MAT110-0825", "startDate": "8/25/2025", "endDate": "8/25/2025",
             "startTime": "9:00", "endTime": "10:15", "timeZone": "America/Chicago"},
            {"attendanceID": "MAT110-0827", "startDate": "08/27/2025", "endDate": "08/27/2025",
             "startTime": "9:00", "endTime": "10:15", "timeZone": "America/Chicago"},
        ],
    });
    let sessions = assert_data(&ck.send("POST", "/attendances/bulk", &body), 201);
    assert_eq!(sessions.as_array().map(Vec::len), Some(2));
}

#[test]
fn valid_delete_answers_200_with_the_deleted_session() {
    let ck = with_course();
    assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15"),
        ),
        201,
    );
    let body =
        json!({"schoolID": ck.fx("school_id"), "courseID": COURSE, "attendanceID": "MAT110-0825"});
    let session = assert_data(&ck.send("DELETE", "/attendances", &body), 200);
    assert_eq!(session["attendanceID"], "MAT110-0825");
}

#[test]
fn valid_bulk_delete_answers_200_with_the_deleted_sessions() {
    let ck = with_course();
    for (id, start, end) in [("A-1", "9:00", "10:00"), ("A-2", "11:00", "12:00")] {
        assert_data(&post(&ck, &ck.session_body(COURSE, id, start, end)), 201);
    }
    let body = json!({"schoolID": ck.fx("school_id"), "attendanceIDs": ["A-1", "A-2"]});
    let sessions = assert_data(&ck.send("POST", "/attendances/bulk-delete", &body), 200);
    assert_eq!(sessions.as_array().map(Vec::len), Some(2));
}

// See: row coursekey.attendance.options-not-setup
#[test]
fn course_without_attendance_options() {
    let ck = Ck::new();
    let course = ck.fx("no_options_course_id");
    assert_error(
        &post(
            &ck,
            &ck.session_body(&course, "ENG090-0825", "9:00", "10:15"),
        ),
        400,
        Some(2112),
        "Attendance options not setup.",
    );
}

// See: row coursekey.attendance.overlap
#[test]
fn overlapping_session_is_refused_with_the_existing_one_in_info() {
    let ck = with_course();
    assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15"),
        ),
        201,
    );
    let response = post(
        &ck,
        &ck.session_body(COURSE, "MAT110-0825B", "10:00", "11:00"),
    );
    assert_error(&response, 400, Some(2109), "Attendance Overlap");
    let info = &response.json_body().unwrap_or_default()["error"]["info"];
    assert_eq!(info["attendanceID"], "MAT110-0825", "{info}");
    assert_eq!(info["courseID"], COURSE, "{info}");
    // Touching sessions do not overlap.
    assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825C", "10:15", "11:00"),
        ),
        201,
    );
}

// See: row coursekey.attendance.not-exist
#[test]
fn deleting_an_unknown_or_deleted_session_answers_code_5() {
    let ck = with_course();
    let delete = |id: &str| {
        let body = json!({"schoolID": ck.fx("school_id"), "courseID": COURSE, "attendanceID": id});
        ck.send("DELETE", "/attendances", &body)
    };
    assert_error(
        &delete("MAT110-9999"),
        400,
        Some(5),
        "AttendanceID MAT110-9999 does not exist",
    );
    assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15"),
        ),
        201,
    );
    assert_data(&delete("MAT110-0825"), 200);
    assert_error(
        &delete("MAT110-0825"),
        400,
        Some(5),
        "AttendanceID MAT110-0825 does not exist",
    );
    // Bulk delete names the first unknown id and deletes nothing.
    assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0827", "9:00", "10:15"),
        ),
        201,
    );
    let body =
        json!({"schoolID": ck.fx("school_id"), "attendanceIDs": ["MAT110-0827", "MAT110-0000"]});
    assert_error(
        &ck.send("POST", "/attendances/bulk-delete", &body),
        400,
        Some(5),
        "AttendanceID MAT110-0000 does not exist",
    );
    assert_data(&delete("MAT110-0827"), 200);
}

// See: row coursekey.attendance.course-not-found
#[test]
fn session_of_an_unknown_course_answers_course_not_found() {
    let ck = Ck::new();
    let expected = "Course not found";
    assert_error(
        &post(
            &ck,
            &ck.session_body("FA25-XXX-999-99", "X-1", "9:00", "10:15"),
        ),
        400,
        Some(2213),
        expected,
    );
    let mut body = without(ck.session_body("", "X-1", "9:00", "10:15"), &["courseID"]);
    set(&mut body, "addCode", json!("NOPE110"));
    assert_error(&post(&ck, &body), 400, Some(2213), expected);
}

// See: row coursekey.attendance.course-not-authorized
#[test]
fn session_of_a_foreign_course_is_not_authorized() {
    let ck = Ck::new();
    let course = ck.fx("foreign_course_id");
    assert_error(
        &post(
            &ck,
            &ck.session_body(&course, "BIO101-0825", "9:00", "10:15"),
        ),
        403,
        Some(2213),
        "Course not authorized",
    );
    let body =
        json!({"schoolID": ck.fx("school_id"), "courseID": course, "attendanceID": "BIO101-0825"});
    assert_error(
        &ck.send("DELETE", "/attendances", &body),
        403,
        Some(2213),
        "Course not authorized",
    );
}

// See: row coursekey.attendance.end-date-invalid
#[test]
fn malformed_session_end_date() {
    let ck = with_course();
    let mut body = ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15");
    set(&mut body, "endDate", json!("2025-08-25"));
    assert_error(&post(&ck, &body), 400, Some(10003), "End Date invalid");
}

// See: row coursekey.attendance.invalid-end-time
#[test]
fn malformed_session_end_time() {
    let ck = with_course();
    let body = ck.session_body(COURSE, "MAT110-0825", "9:00", "25:00");
    assert_error(&post(&ck, &body), 400, Some(10007), "Invalid end time");
}

// See: row coursekey.attendance.invalid-start-time
#[test]
fn malformed_session_start_time() {
    let ck = with_course();
    let body = ck.session_body(COURSE, "MAT110-0825", "9am", "10:15");
    assert_error(&post(&ck, &body), 400, Some(10006), "Invalid start time");
}

// See: row coursekey.attendance.attendanceid-unique
#[test]
fn attendance_id_must_be_unique_in_the_course() {
    let ck = with_course();
    assert_data(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15"),
        ),
        201,
    );
    assert_error(
        &post(
            &ck,
            &ck.session_body(COURSE, "MAT110-0825", "13:00", "14:00"),
        ),
        400,
        None,
        "mAttendanceID_courseID_sysID must be unique.",
    );
}

// See: row coursekey.attendance.missing-required-parameter
#[test]
fn missing_session_fields_sessions_and_attendance_ids() {
    let ck = with_course();
    let body = without(
        ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15"),
        &["startDate", "timeZone"],
    );
    assert_error(
        &post(&ck, &body),
        400,
        Some(2019),
        "Missing required parameter: startDate, timeZone",
    );
    let body = json!({"schoolID": ck.fx("school_id"), "courseID": COURSE});
    assert_error(
        &ck.send("POST", "/attendances/bulk", &body),
        400,
        Some(2019),
        "Missing required parameter: sessions",
    );
    assert_error(
        &ck.send("DELETE", "/attendances", &body),
        400,
        Some(2019),
        "Missing required parameter: attendanceID",
    );
    assert_error(
        &ck.send("POST", "/attendances/bulk-delete", &body),
        400,
        Some(2019),
        "Missing required parameter: attendanceIDs",
    );
}

// See: row coursekey.attendance.school-config-not-setup
#[test]
fn mapping_id_for_an_unconfigured_school() {
    let ck = with_course();
    let mut body = ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15");
    set(
        &mut body,
        "schoolID",
        json!(ck.fx("unconfigured_school_id")),
    );
    set(&mut body, "mappingID", json!("SIS-MTG-5521"));
    assert_error(
        &post(&ck, &body),
        400,
        Some(2019),
        "School's integration configuration has not been setup.",
    );
}

// See: row coursekey.attendance.start-date-invalid
#[test]
fn malformed_session_start_date() {
    let ck = with_course();
    let mut body = ck.session_body(COURSE, "MAT110-0825", "9:00", "10:15");
    set(&mut body, "startDate", json!("8/32/2025"));
    assert_error(&post(&ck, &body), 400, Some(10002), "Start Date invalid");
}

#[test]
fn bulk_create_is_all_or_nothing_and_checks_within_the_batch() {
    let ck = with_course();
    let session = |id: &str, start: &str, end: &str| {
        json!({"attendanceID": id, "startDate": "8/25/2025", "endDate": "8/25/2025",
               "startTime": start, "endTime": end, "timeZone": "America/Chicago"})
    };
    let body = json!({
        "schoolID": ck.fx("school_id"),
        "courseID": COURSE,
        "sessions": [session("B-1", "9:00", "10:00"), session("B-2", "9:30", "10:30")],
    });
    assert_error(
        &ck.send("POST", "/attendances/bulk", &body),
        400,
        Some(2109),
        "Attendance Overlap",
    );
    // Nothing was stored: B-1 alone is accepted now.
    assert_data(
        &post(&ck, &ck.session_body(COURSE, "B-1", "9:00", "10:00")),
        201,
    );
}
