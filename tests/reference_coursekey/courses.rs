//! Course rows (31) and the valid course create and update.

use serde_json::{json, Value};

use crate::support::{assert_data, assert_error, set, without, Ck};

fn post(ck: &Ck, body: &Value) -> confuzz::Response {
    ck.send("POST", "/courses", body)
}

/// The course body with the split schedule replaced by ISO `start`/`end`.
fn iso_body(ck: &Ck, start: &str, end: &str) -> Value {
    let mut body = without(
        ck.course_body("FA25-MAT-120-01", "MAT120A"),
        &["startDate", "endDate", "startTime", "endTime", "timeZone"],
    );
    set(&mut body, "start", json!(start));
    set(&mut body, "end", json!(end));
    body
}

#[test]
fn valid_course_create_answers_201_with_the_record() {
    let ck = Ck::new();
    let course = assert_data(
        &post(&ck, &ck.course_body("FA25-MAT-110-01", "MAT110A")),
        201,
    );
    assert_eq!(course["courseID"], "FA25-MAT-110-01");
    assert_eq!(course["addCode"], "MAT110A");
    assert_eq!(course["attendanceName"], json!(ck.fx("attendance_name")));
    // ISO form, no courseID and no addCode: both are generated.
    let body = without(
        iso_body(&ck, "2025-08-25T14:00:00.000Z", "2025-12-12T15:15:00.000Z"),
        &["courseID", "addCode"],
    );
    let course = assert_data(&post(&ck, &body), 201);
    assert!(course["courseID"].is_string());
    assert!(course["addCode"].is_string());
    // A conversion course.
    let course = assert_data(
        &post(&ck, &ck.conversion_body("FA25-NUR-101-01", "NUR101C")),
        201,
    );
    assert_eq!(course["conversion"]["totalTime"], json!(45.0));
    // A 26-character addCode is accepted (the reading this reference picks).
    let code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    assert_eq!(code.len(), 26);
    assert_data(&post(&ck, &ck.course_body("FA25-MAT-130-01", code)), 201);
    // A school with several settings accepts one of them by name.
    let mut body = ck.course_body("FA25-LAB-200-01", "LAB200A");
    set(&mut body, "schoolID", json!(ck.fx("multi_school_id")));
    set(&mut body, "attendanceName", json!("Lab"));
    set(&mut body, "owner", json!(null));
    let key = ck.fx("multi_auth_key");
    assert_data(&ck.send_as(Some(&key), "POST", "/courses", &body, &[]), 201);
}

#[test]
fn valid_course_update_answers_200_with_the_record() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110B");
    set(&mut body, "name", json!("College Algebra II"));
    set(&mut body, "days", json!("Tuesday Thursday"));
    let course = assert_data(&ck.send("PUT", "/courses", &body), 200);
    assert_eq!(course["name"], "College Algebra II");
    assert_eq!(course["addCode"], "MAT110B");
    // Named by addCode, schedule left out (kept).
    let body = json!({"schoolID": ck.fx("school_id"), "addCode": "MAT110B", "name": "Algebra"});
    let course = assert_data(&ck.send("PUT", "/courses", &body), 200);
    assert_eq!(course["name"], "Algebra");
    assert_eq!(course["startDate"], "08/25/2025");
}

// See: row coursekey.course.addcode-too-long
#[test]
fn add_code_of_27_characters_is_too_long() {
    let ck = Ck::new();
    let code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ1";
    assert_eq!(code.len(), 27);
    assert_error(
        &post(&ck, &ck.course_body("FA25-MAT-110-01", code)),
        400,
        Some(10005),
        "addCode must be less than 26 characters.",
    );
}

// See: row coursekey.course.addcode-unique
#[test]
fn add_code_must_be_unique_in_the_school() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    assert_error(
        &post(&ck, &ck.course_body("FA25-MAT-110-02", "MAT110A")),
        400,
        Some(10005),
        "addCode must be unique.",
    );
}

// See: row coursekey.course.addcode-characters
#[test]
fn add_code_with_other_characters_is_refused() {
    let ck = Ck::new();
    for code in ["MAT 110", "MAT;110", "MAT#110", "MATÉ110"] {
        assert_error(
            &post(&ck, &ck.course_body("FA25-MAT-110-01", code)),
            400,
            Some(10005),
            "addCode must contain only these characters: a-z (A-Z), 0-9, '~', '-', '_', '.', '!', '*', '\\', '(', ')', or ','",
        );
    }
    // Every listed character is allowed.
    assert_data(
        &post(&ck, &ck.course_body("FA25-MAT-110-02", "a~-_.!*\\(),Z9")),
        201,
    );
}

// See: row coursekey.course.addcode-non-numeric
#[test]
fn add_code_of_digits_only_is_refused() {
    let ck = Ck::new();
    assert_error(
        &post(&ck, &ck.course_body("FA25-MAT-110-01", "110110")),
        400,
        Some(10005),
        "AddCode must contain at least one non-numeric character.",
    );
}

// See: row coursekey.course.admin-not-exist
#[test]
fn unknown_admin_is_named() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(
        &mut body,
        "admin",
        json!([ck.fx("student_email"), "ghost@lakeside-college.edu"]),
    );
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Admin does not exist: ghost@lakeside-college.edu",
    );
}

// See: row coursekey.course.conversion-update-non-conversion
#[test]
fn conversion_data_on_a_plain_course_update_is_refused() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "totalTime", json!(45));
    set(&mut body, "syncTime", json!(30));
    set(&mut body, "asyncTime", json!(15));
    assert_error(
        &ck.send("PUT", "/courses", &body),
        400,
        Some(10005),
        "Attempt to update the conversion data of a course that was not created with conversion.",
    );
}

// See: row coursekey.course.attendance-name-required
#[test]
fn school_with_several_settings_needs_an_attendance_name() {
    let ck = Ck::new();
    let key = ck.fx("multi_auth_key");
    let mut body = without(ck.course_body("FA25-LAB-200-01", "LAB200A"), &["owner"]);
    set(&mut body, "schoolID", json!(ck.fx("multi_school_id")));
    let expected = "attendanceName is required for school with multiple attendance settings.";
    assert_error(
        &ck.send_as(Some(&key), "POST", "/courses", &body, &[]),
        400,
        Some(10005),
        expected,
    );
    set(&mut body, "attendanceName", json!("Seminar"));
    assert_error(
        &ck.send_as(Some(&key), "POST", "/courses", &body, &[]),
        400,
        Some(10005),
        expected,
    );
}

// See: row coursekey.course.attendance-already-setup
#[test]
fn re_create_of_a_course_answers_attendance_already_set_up() {
    let ck = Ck::new();
    let body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    assert_data(&post(&ck, &body), 201);
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Attendance is already set up for this course.",
    );
}

// See: row coursekey.course.async-time-null
#[test]
fn null_async_time_on_a_conversion_course() {
    let ck = Ck::new();
    let mut body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    set(&mut body, "asyncTime", Value::Null);
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Cannot set property 'asyncTime' of null.",
    );
}

// See: row coursekey.course.conversion-already-setup
#[test]
fn re_create_of_a_conversion_course_answers_conversion_already_set_up() {
    let ck = Ck::new();
    let body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    assert_data(&post(&ck, &body), 201);
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Conversion Course is already set up for this course.",
    );
}

// See: row coursekey.course.conversion-total-mismatch
#[test]
fn total_time_must_equal_sync_plus_async() {
    let ck = Ck::new();
    let mut body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    set(&mut body, "totalTime", json!(60));
    assert_error(
        &post(&ck, &body),
        400,
        Some(3103),
        "Conversion Course requires totalTime has to be equal to syncTime + asyncTime.",
    );
}

// See: row coursekey.course.conversion-requires
#[test]
fn conversion_times_must_be_present_and_numeric() {
    let ck = Ck::new();
    let expected = "Conversion Course requires totalTime, syncTime and asyncTime.";
    let body = without(
        ck.conversion_body("FA25-NUR-101-01", "NUR101C"),
        &["syncTime"],
    );
    assert_error(&post(&ck, &body), 400, Some(3101), expected);
    let mut body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    set(&mut body, "totalTime", json!("forty-five"));
    assert_error(&post(&ck, &body), 400, Some(3101), expected);
}

// See: row coursekey.course.course-not-exist
#[test]
fn update_of_an_unknown_course_answers_does_not_exist() {
    let ck = Ck::new();
    assert_error(
        &ck.send(
            "PUT",
            "/courses",
            &ck.course_body("FA25-XXX-999-99", "XXX999"),
        ),
        400,
        Some(10005),
        "Course does not exist.",
    );
}

// See: row coursekey.course.exclusive-fields
#[test]
fn iso_and_split_schedule_fields_are_exclusive() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "start", json!("2025-08-25T14:00:00.000Z"));
    set(&mut body, "end", json!("2025-12-12T15:15:00.000Z"));
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Course may only have the fields 'start, end' OR 'startDate, endDate, startTime, endTime, timeZone.'",
    );
}

// See: row coursekey.course.missing-date-fields
#[test]
fn course_without_a_schedule_lists_the_split_fields() {
    let ck = Ck::new();
    let expected =
        "Course missing the following fields: startDate, endDate, startTime, endTime, timeZone.";
    let body = without(
        ck.course_body("FA25-MAT-110-01", "MAT110A"),
        &["startDate", "endDate", "startTime", "endTime", "timeZone"],
    );
    assert_error(&post(&ck, &body), 400, Some(2019), expected);
    // One split field short is the same fixed text.
    let body = without(ck.course_body("FA25-MAT-110-01", "MAT110A"), &["timeZone"]);
    assert_error(&post(&ck, &body), 400, Some(2019), expected);
}

// See: row coursekey.course.invalid-conversion-data
#[test]
fn invalid_strategy_answers_500_3113_with_a_strategy_detail() {
    let ck = Ck::new();
    let expected = "Invalid conversion data to create-update in a course";
    let mut body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    set(&mut body, "strategy", json!("weekly"));
    let response = post(&ck, &body);
    assert_error(&response, 500, Some(3113), expected);
    let info = &response.json_body().unwrap_or_default()["error"]["info"];
    assert!(info["strategy"].is_string(), "{info}");
    // Fixed strategy without awardedTime or maxAwardedTimePerDay.
    let mut body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    set(&mut body, "strategy", json!("fixed"));
    assert_error(&post(&ck, &body), 500, Some(3113), expected);
}

// See: row coursekey.course.invalid-days
#[test]
fn days_must_be_space_separated_weekday_names() {
    let ck = Ck::new();
    for days in ["Monday,Wednesday", "Mon Wed", "Monday  Wednesday", "Funday"] {
        let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
        set(&mut body, "days", json!(days));
        assert_error(&post(&ck, &body), 400, Some(10005), "Invalid course days");
    }
}

// See: row coursekey.course.invalid-end-date
#[test]
fn malformed_end_date_or_end() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "endDate", json!("2025-12-12"));
    assert_error(&post(&ck, &body), 400, Some(10005), "Invalid end date");
    let body = iso_body(&ck, "2025-08-25T14:00:00.000Z", "the end of term");
    assert_error(&post(&ck, &body), 400, Some(10005), "Invalid end date");
}

// See: row coursekey.course.invalid-end-time
#[test]
fn malformed_end_time() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "endTime", json!("10:15 AM"));
    assert_error(&post(&ck, &body), 400, Some(10005), "Invalid end time");
}

// See: row coursekey.course.start-before-end
#[test]
fn start_must_be_before_end() {
    let ck = Ck::new();
    let expected = "Invalid session times: start must be before end";
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "startDate", json!("12/13/2025"));
    assert_error(&post(&ck, &body), 400, Some(10005), expected);
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "startTime", json!("10:15"));
    assert_error(&post(&ck, &body), 400, Some(10005), expected);
    let body = iso_body(&ck, "2025-12-12T15:15:00.000Z", "2025-08-25T14:00:00.000Z");
    assert_error(&post(&ck, &body), 400, Some(10005), expected);
}

// See: row coursekey.course.invalid-start-date
#[test]
fn malformed_start_date_or_start() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "startDate", json!("13/45/2025"));
    assert_error(&post(&ck, &body), 400, Some(10005), "Invalid start date");
    let body = iso_body(&ck, "next monday", "2025-12-12T15:15:00.000Z");
    assert_error(&post(&ck, &body), 400, Some(10005), "Invalid start date");
}

// See: row coursekey.course.invalid-start-time
#[test]
fn malformed_start_time() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "startTime", json!("9"));
    assert_error(&post(&ck, &body), 400, Some(10005), "Invalid start time");
}

// See: row coursekey.course.invalid-time-zone
#[test]
fn time_zone_outside_the_iana_database_is_echoed() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "timeZone", json!("Central Time"));
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Invalid timezone: Central Time. Use the IANA TZDB standard",
    );
}

// See: row coursekey.course.missing-required-parameter
#[test]
fn course_without_name_or_school_is_a_missing_required_parameter() {
    let ck = Ck::new();
    let body = without(ck.course_body("FA25-MAT-110-01", "MAT110A"), &["name"]);
    assert_error(
        &post(&ck, &body),
        400,
        Some(2019),
        "Missing required parameter: name",
    );
    let body = without(
        ck.course_body("FA25-MAT-110-01", "MAT110A"),
        &["schoolID", "name"],
    );
    assert_error(
        &post(&ck, &body),
        400,
        Some(2019),
        "Missing required parameter: schoolID, name",
    );
    // On update, the course must be named.
    let body = without(
        ck.course_body("FA25-MAT-110-01", "MAT110A"),
        &["courseID", "addCode"],
    );
    assert_error(
        &ck.send("PUT", "/courses", &body),
        400,
        Some(2019),
        "Missing required parameter: courseID, addCode",
    );
}

// See: row coursekey.course.no-options-uniform
#[test]
fn uniform_strategy_refuses_awarded_time() {
    let ck = Ck::new();
    let mut body = ck.conversion_body("FA25-NUR-101-01", "NUR101C");
    set(&mut body, "awardedTime", json!(30));
    assert_error(
        &post(&ck, &body),
        400,
        Some(3103),
        "No options allowed in uniform strategy.",
    );
}

// See: row coursekey.course.owner-not-exist
#[test]
fn unknown_owner_is_named() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "owner", json!("ghost@lakeside-college.edu"));
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        "Owner does not exist: ghost@lakeside-college.edu",
    );
}

// See: row coursekey.course.school-config-not-setup
#[test]
fn course_in_an_unconfigured_school() {
    let ck = Ck::new();
    let key = ck.fx("unconfigured_auth_key");
    let mut body = without(ck.course_body("FA25-MAT-110-01", "MAT110A"), &["owner"]);
    set(
        &mut body,
        "schoolID",
        json!(ck.fx("unconfigured_school_id")),
    );
    assert_error(
        &ck.send_as(Some(&key), "POST", "/courses", &body, &[]),
        400,
        Some(2019),
        "School's integration configuration has not been setup.",
    );
}

// See: row coursekey.course.unauthorized-owner
#[test]
fn owner_who_is_not_a_teacher_is_unauthorized() {
    let ck = Ck::new();
    let student = ck.fx("student_email");
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "owner", json!(student));
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        &format!("Unauthorized owner: {student}"),
    );
}

// See: row coursekey.course.unauthorized-school
#[test]
fn course_in_a_foreign_school_is_unauthorized_with_400() {
    let ck = Ck::new();
    let foreign = ck.fx("foreign_school_id");
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "schoolID", json!(foreign));
    assert_error(
        &post(&ck, &body),
        400,
        Some(10005),
        &format!("Unauthorized school: {foreign}"),
    );
}

// See: row coursekey.course.userid-courseid-unique
#[test]
fn owner_or_admin_of_another_school_answers_user_id_school_id_unique() {
    let ck = Ck::new();
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "owner", json!(ck.fx("foreign_teacher_email")));
    assert_error(
        &post(&ck, &body),
        400,
        None,
        "userID_schoolID must be unique.",
    );
    let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
    set(&mut body, "admin", json!([ck.fx("foreign_teacher_email")]));
    assert_error(
        &post(&ck, &body),
        400,
        None,
        "userID_schoolID must be unique.",
    );
}

// See: row coursekey.course.duration-min
#[test]
fn duration_below_one_fails_the_min_validation() {
    let ck = Ck::new();
    for duration in [json!(0), json!(-5)] {
        let mut body = ck.course_body("FA25-MAT-110-01", "MAT110A");
        set(&mut body, "duration", duration);
        assert_error(
            &post(&ck, &body),
            400,
            None,
            "Validation min on duration failed.",
        );
    }
}
