//! User rows (11) and the valid user create and update.

use serde_json::json;

use crate::support::{assert_data, assert_error, set, without, Ck};

#[test]
fn valid_user_create_answers_201_with_the_record() {
    let ck = Ck::new();
    let mut body = ck.user_body("S-300001", "ana.lopez@lakeside-college.edu");
    set(&mut body, "isTeacher", json!(false));
    set(&mut body, "sendWelcomeEmail", json!(true));
    let user = assert_data(&ck.send("POST", "/users", &body), 201);
    assert_eq!(user["email"], "ana.lopez@lakeside-college.edu");
    assert_eq!(user["userID"], "S-300001");
    assert_eq!(user["schoolID"], json!(ck.fx("school_id")));
}

#[test]
fn valid_user_update_answers_200_with_the_record() {
    let ck = Ck::new();
    let body = ck.user_body("S-300002", "b.cho@lakeside-college.edu");
    assert_data(&ck.send("POST", "/users", &body), 201);
    let update = json!({
        "schoolID": ck.fx("school_id"),
        "userID": "S-300002",
        "email": "bella.cho@lakeside-college.edu",
        "lastName": "Cho-Park",
    });
    let user = assert_data(&ck.send("PUT", "/users", &update), 200);
    assert_eq!(user["email"], "bella.cho@lakeside-college.edu");
    assert_eq!(user["lastName"], "Cho-Park");
    // By email alone.
    let update = json!({"schoolID": ck.fx("school_id"), "email": "BELLA.CHO@lakeside-college.edu", "firstName": "Bella"});
    let user = assert_data(&ck.send("PUT", "/users", &update), 200);
    assert_eq!(user["firstName"], "Bella");
}

// See: row coursekey.user.account-missing-fields
#[test]
fn account_missing_fields_has_no_space_after_the_colon() {
    let ck = Ck::new();
    let body = without(ck.user_body("S-1", "a@lakeside-college.edu"), &["issuedID"]);
    assert_error(
        &ck.send("POST", "/users", &body),
        400,
        Some(10005),
        "User missing the following fields:issuedID",
    );
    let body = without(
        ck.user_body("S-1", "a@lakeside-college.edu"),
        &["schoolID", "issuedID"],
    );
    assert_error(
        &ck.send("POST", "/users", &body),
        400,
        Some(10005),
        "User missing the following fields:schoolID, issuedID",
    );
}

// See: row coursekey.user.user-missing-fields
#[test]
fn user_missing_fields_lists_the_missing_ones() {
    let ck = Ck::new();
    let body = without(
        ck.user_body("S-1", "a@lakeside-college.edu"),
        &["firstName", "email"],
    );
    assert_error(
        &ck.send("POST", "/users", &body),
        400,
        Some(10005),
        "User missing the following fields: firstName, email",
    );
    let body = without(ck.user_body("S-1", "a@lakeside-college.edu"), &["lastName"]);
    assert_error(
        &ck.send("POST", "/users", &body),
        400,
        Some(10005),
        "User missing the following fields: lastName",
    );
}

// See: row coursekey.user.email-unique
#[test]
fn email_must_be_unique_ignoring_case() {
    let ck = Ck::new();
    let body = ck.user_body("S-2", "Dup.User@Lakeside-College.edu");
    assert_data(&ck.send("POST", "/users", &body), 201);
    let again = ck.user_body("S-3", "dup.user@lakeside-college.edu");
    assert_error(
        &ck.send("POST", "/users", &again),
        400,
        None,
        "Email must be unique",
    );
    // The built-in teacher's email is taken as well.
    let teacher = ck.user_body("S-4", &ck.fx("teacher_email"));
    assert_error(
        &ck.send("POST", "/users", &teacher),
        400,
        None,
        "Email must be unique",
    );
}

// See: row coursekey.user.missing-required-parameter
#[test]
fn update_without_school_is_a_missing_required_parameter() {
    let ck = Ck::new();
    let body = json!({"userID": "T-100231", "firstName": "Maria"});
    assert_error(
        &ck.send("PUT", "/users", &body),
        400,
        Some(2019),
        "Missing required parameter: schoolID",
    );
}

// See: row coursekey.user.school-config-not-setup
#[test]
fn unconfigured_school_answers_configuration_not_setup() {
    let ck = Ck::new();
    let mut body = ck.user_body("S-5", "e.f@lakeside-college.edu");
    set(
        &mut body,
        "schoolID",
        json!(ck.fx("unconfigured_school_id")),
    );
    let key = ck.fx("unconfigured_auth_key");
    assert_error(
        &ck.send_as(Some(&key), "POST", "/users", &body, &[]),
        400,
        Some(2019),
        "School's integration configuration has not been setup.",
    );
}

// See: row coursekey.user.template-not-found
#[test]
fn welcome_email_template_fault_answers_500_and_stores_nothing() {
    let ck = Ck::new();
    let mut body = ck.user_body("S-6", "g.h@lakeside-college.edu");
    set(&mut body, "sendWelcomeEmail", json!(true));
    let key = ck.fx("auth_key");
    let fault = [("X-Conformance-Fault", "welcome_email_template")];
    assert_error(
        &ck.send_as(Some(&key), "POST", "/users", &body, &fault),
        500,
        None,
        "template not found.",
    );
    // Nothing was stored: the same create now succeeds.
    assert_data(&ck.send("POST", "/users", &body), 201);
}

// See: row coursekey.user.unauthorized-school
#[test]
fn foreign_school_is_unauthorized_with_403_and_the_bare_id() {
    let ck = Ck::new();
    let foreign = ck.fx("foreign_school_id");
    let mut body = ck.user_body("S-7", "i.j@lakeside-college.edu");
    set(&mut body, "schoolID", json!(foreign));
    assert_error(
        &ck.send("POST", "/users", &body),
        403,
        Some(10005),
        &format!("Unauthorized school: {foreign}"),
    );
}

// See: row coursekey.user.userid-or-email-required
#[test]
fn update_without_user_id_or_email_answers_10008() {
    let ck = Ck::new();
    let body = json!({"schoolID": ck.fx("school_id"), "firstName": "Maria"});
    assert_error(
        &ck.send("PUT", "/users", &body),
        400,
        Some(10008),
        "userID or email is required for updating user.",
    );
}

// See: row coursekey.user.user-not-found
#[test]
fn update_of_an_unknown_user_answers_10009() {
    let ck = Ck::new();
    let body = json!({"schoolID": ck.fx("school_id"), "userID": "S-999999", "firstName": "X"});
    assert_error(
        &ck.send("PUT", "/users", &body),
        400,
        Some(10009),
        "User not found.",
    );
    let body = json!({"schoolID": ck.fx("school_id"), "email": "nobody@lakeside-college.edu"});
    assert_error(
        &ck.send("PUT", "/users", &body),
        400,
        Some(10009),
        "User not found.",
    );
}

// See: row coursekey.user.userid-schoolid-unique
#[test]
fn user_id_must_be_unique_in_the_school() {
    let ck = Ck::new();
    assert_data(
        &ck.send(
            "POST",
            "/users",
            &ck.user_body("S-8", "k.l@lakeside-college.edu"),
        ),
        201,
    );
    let again = ck.user_body("S-8", "m.n@lakeside-college.edu");
    assert_error(
        &ck.send("POST", "/users", &again),
        400,
        None,
        "userID_schoolID must be unique.",
    );
}

// See: row coursekey.user.email-invalid
#[test]
fn malformed_email_fails_is_email() {
    let ck = Ck::new();
    for email in [
        "ana.lopez.lakeside-college.edu",
        "ana@lakeside",
        "ana lopez@x.edu",
    ] {
        let body = ck.user_body("S-9", email);
        assert_error(
            &ck.send("POST", "/users", &body),
            400,
            None,
            "Validation isEmail on email failed.",
        );
    }
}
