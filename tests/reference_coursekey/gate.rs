//! What every request meets first: routes, methods, the auth key and the body; plus the
//! fixtures and faults the reference declares, and odd input that must still be answered.

use confuzz::Request;
use serde_json::json;

use crate::support::{assert_error, Ck};

#[test]
fn missing_or_unknown_key_answers_401_unauthorized() {
    let ck = Ck::new();
    let body = ck.user_body("S-1", "a.b@lakeside-college.edu");
    for key in [None, Some("ck_live_not_a_key")] {
        let response = ck.send_as(key, "POST", "/users", &body, &[]);
        assert_eq!(response.status, 401);
        assert_eq!(
            response.json_body(),
            Some(json!({"error": {"message": "Unauthorized"}}))
        );
    }
    let basic = Request::new("POST", "/users")
        .with_json(&body)
        .with_header("Authorization", &format!("Basic {}", ck.fx("auth_key")));
    assert_eq!(ck.reference.handle(&basic).status, 401);
}

#[test]
fn wrong_method_answers_405_and_unknown_subpath_404() {
    let ck = Ck::new();
    let response = ck.send("GET", "/users", &json!({}));
    assert_eq!(response.status, 405);
    assert_eq!(response.header("Allow"), Some("POST, PUT"));
    assert_eq!(ck.send("PUT", "/attendances/bulk", &json!({})).status, 405);
    assert_eq!(ck.send("POST", "/attendances/42", &json!({})).status, 404);
}

#[test]
fn body_that_is_not_a_json_object_answers_400() {
    let ck = Ck::new();
    for raw in [&b"{\"schoolID\":"[..], b"[1,2]", b"\xff\xfe", b"null"] {
        let request = Request::new("POST", "/courses")
            .with_bearer(&ck.fx("auth_key"))
            .with_body(raw.to_vec());
        assert_error(
            &ck.reference.handle(&request),
            400,
            None,
            "Invalid JSON body.",
        );
    }
    // An empty body is an empty object: every required parameter is missing.
    let request = Request::new("POST", "/courses").with_bearer(&ck.fx("auth_key"));
    assert_error(
        &ck.reference.handle(&request),
        400,
        Some(2019),
        "Missing required parameter: schoolID, name",
    );
}

#[test]
fn odd_input_is_answered() {
    let ck = Ck::new();
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let paths = [
        "/users",
        "/courses",
        "/course-members",
        "/attendances",
        "/attendances/bulk",
        "/attendances/bulk-delete",
    ];
    for path in paths {
        for method in ["POST", "PUT", "DELETE", "PATCH", "post"] {
            let request = Request::new(method, path)
                .with_bearer(&ck.fx("auth_key"))
                .with_header("X-Odd", &"x".repeat(100_000))
                .with_body(deep.clone().into_bytes());
            assert!(ck.reference.handle(&request).status >= 400);
            // Every field with a value of every JSON type.
            for value in [
                json!(null),
                json!(true),
                json!(-1.5),
                json!(""),
                json!([]),
                json!({}),
                json!([[]]),
            ] {
                let mut body = serde_json::Map::new();
                for field in [
                    "schoolID",
                    "issuedID",
                    "firstName",
                    "lastName",
                    "email",
                    "userID",
                    "isTeacher",
                    "sendWelcomeEmail",
                    "name",
                    "courseID",
                    "addCode",
                    "owner",
                    "admin",
                    "attendanceName",
                    "strategy",
                    "awardedTime",
                    "maxAwardedTimePerDay",
                    "duration",
                    "days",
                    "totalTime",
                    "syncTime",
                    "asyncTime",
                    "start",
                    "end",
                    "startDate",
                    "endDate",
                    "startTime",
                    "endTime",
                    "timeZone",
                    "mappingID",
                    "isAdmin",
                    "attendanceID",
                    "sessions",
                    "attendanceIDs",
                ] {
                    body.insert(field.to_string(), value.clone());
                }
                let response = ck.send(method, path, &serde_json::Value::Object(body));
                assert!(response.status >= 200, "{path} {value}");
            }
        }
    }
}

#[test]
fn fixtures_and_faults_are_declared() {
    let ck = Ck::new();
    for name in [
        "auth_key",
        "school_id",
        "attendance_name",
        "conversion_attendance_name",
        "multi_school_id",
        "multi_auth_key",
        "unconfigured_school_id",
        "unconfigured_auth_key",
        "foreign_school_id",
        "foreign_course_id",
        "no_options_course_id",
        "teacher_email",
        "student_email",
        "foreign_teacher_email",
    ] {
        assert!(!ck.fx(name).is_empty(), "{name}");
    }
    assert!(ck.reference.faults().contains(&"welcome_email_template"));
    let capabilities = ck
        .reference
        .handle(&Request::new("GET", "/__conformance/capabilities"));
    let document = capabilities.json_body().unwrap_or_default();
    assert!(document["faults"]
        .as_array()
        .is_some_and(|f| f.contains(&json!("welcome_email_template"))));
}

#[test]
fn the_fault_header_needs_test_mode() {
    use confuzz::reference::{Config, Reference};
    let config = Config::default().test_hooks(false);
    let reference = Reference::with_vendors(config, &["coursekey".to_string()]).unwrap();
    let ck = Ck::new();
    let mut body = ck.user_body("S-1", "a.b@lakeside-college.edu");
    body["sendWelcomeEmail"] = json!(true);
    let request = Request::new("POST", "/users")
        .with_json(&body)
        .with_bearer(&ck.fx("auth_key"))
        .with_header("X-Conformance-Fault", "welcome_email_template");
    assert_eq!(reference.handle(&request).status, 201);
}
