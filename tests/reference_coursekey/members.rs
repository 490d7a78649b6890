//! Course member rows (7) and the valid enrolment.

use serde_json::{json, Value};

use crate::support::{assert_data, assert_error, set, without, Ck};

/// An enrolment of the built-in student in a course, by course id.
fn member_body(ck: &Ck, course_id: &str) -> Value {
    json!({
        "schoolID": ck.fx("school_id"),
        "email": ck.fx("student_email"),
        "courseID": course_id,
        "isAdmin": false,
    })
}

#[test]
fn valid_enrolment_answers_201_with_the_record() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let member = assert_data(
        &ck.send(
            "POST",
            "/course-members",
            &member_body(&ck, "FA25-MAT-110-01"),
        ),
        201,
    );
    assert_eq!(member["courseID"], "FA25-MAT-110-01");
    assert_eq!(member["email"], json!(ck.fx("student_email")));
    // By addCode, with the teacher as admin.
    let body = json!({
        "schoolID": ck.fx("school_id"),
        "email": ck.fx("teacher_email"),
        "addCode": "MAT110A",
        "isAdmin": true,
        "mappingID": "SIS-ENR-7781",
    });
    let member = assert_data(&ck.send("POST", "/course-members", &body), 201);
    assert_eq!(member["isAdmin"], true);
}

// See: row coursekey.member.course-not-exist
#[test]
fn unknown_add_code_answers_course_does_not_exist() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    for code in ["NOPE110", "mat110a"] {
        let body = json!({
            "schoolID": ck.fx("school_id"),
            "email": ck.fx("student_email"),
            "addCode": code,
        });
        assert_error(
            &ck.send("POST", "/course-members", &body),
            400,
            Some(10005),
            "Course does not exist.",
        );
    }
}

// See: row coursekey.member.course-not-found
#[test]
fn unknown_course_id_answers_course_not_found() {
    let ck = Ck::new();
    assert_error(
        &ck.send(
            "POST",
            "/course-members",
            &member_body(&ck, "FA25-XXX-999-99"),
        ),
        400,
        Some(2213),
        "Course not found.",
    );
}

// See: row coursekey.member.course-not-authorized
#[test]
fn course_of_a_foreign_school_is_not_authorized() {
    let ck = Ck::new();
    let body = member_body(&ck, &ck.fx("foreign_course_id"));
    assert_error(
        &ck.send("POST", "/course-members", &body),
        403,
        Some(2213),
        "Course not authorized",
    );
}

// See: row coursekey.member.missing-required-parameter
#[test]
fn enrolment_without_email_is_a_missing_required_parameter() {
    let ck = Ck::new();
    let body = without(member_body(&ck, "FA25-MAT-110-01"), &["email"]);
    assert_error(
        &ck.send("POST", "/course-members", &body),
        400,
        Some(2019),
        "Missing required parameter: email",
    );
    let body = without(
        member_body(&ck, "FA25-MAT-110-01"),
        &["schoolID", "courseID"],
    );
    assert_error(
        &ck.send("POST", "/course-members", &body),
        400,
        Some(2019),
        "Missing required parameter: schoolID, courseID, addCode",
    );
}

// See: row coursekey.member.school-config-not-setup
#[test]
fn mapping_id_in_an_unconfigured_school() {
    let ck = Ck::new();
    let expected = "School's integration configuration has not been setup.";
    let mut body = member_body(&ck, "FA25-MAT-110-01");
    set(
        &mut body,
        "schoolID",
        json!(ck.fx("unconfigured_school_id")),
    );
    set(&mut body, "mappingID", json!("SIS-ENR-7781"));
    assert_error(
        &ck.send("POST", "/course-members", &body),
        400,
        Some(2019),
        expected,
    );
    let key = ck.fx("unconfigured_auth_key");
    assert_error(
        &ck.send_as(Some(&key), "POST", "/course-members", &body, &[]),
        400,
        Some(2019),
        expected,
    );
}

// See: row coursekey.member.user-not-exist
#[test]
fn unknown_email_answers_user_does_not_exist() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let mut body = member_body(&ck, "FA25-MAT-110-01");
    set(&mut body, "email", json!("ghost@lakeside-college.edu"));
    assert_error(
        &ck.send("POST", "/course-members", &body),
        400,
        Some(10005),
        "User does not exist.",
    );
}

// See: row coursekey.member.userid-courseid-unique
#[test]
fn second_enrolment_answers_user_id_school_id_unique() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let body = member_body(&ck, "FA25-MAT-110-01");
    assert_data(&ck.send("POST", "/course-members", &body), 201);
    assert_error(
        &ck.send("POST", "/course-members", &body),
        400,
        None,
        "userID_schoolID must be unique.",
    );
}
