//! The Class LTI reference answers every documented row of its table, a valid launch, and the
//! documented precedence. Requests are signed with `confuzz::auth::oauth1` and the built-in
//! fixtures; expected codes, names and messages are copied from the seed table
//! (`class-lti-launch-errors.txt`), not read from the module, so a typo there would show here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{SystemTime, UNIX_EPOCH};

use confuzz::auth::oauth1;
use confuzz::reference::{Config, Reference, CAPABILITIES_PATH, FAULT_HEADER};
use confuzz::{Request, Response};
use serde_json::Value;

/// The reference verifies as the `ims-lti` validator does.
const IMS_LTI: oauth1::Convention = oauth1::Convention::ImsLti;

const LAUNCH: &str = "/lti/launch";
const CLASS_DETAILS: &str = "/lti/class-details";

type Params = Vec<(String, String)>;

fn reference() -> Reference {
    match Reference::with_vendors(Config::default(), &["lti".to_string()]) {
        Ok(reference) => reference,
        Err(e) => panic!("{e}"),
    }
}

fn fixture(reference: &Reference, name: &str) -> String {
    match reference.fixtures().get(name) {
        Some(Value::String(value)) => value.clone(),
        other => panic!("fixture {name}: {other:?}"),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The fields of a basic launch by `email` with `roles` into `course_id`, carrying the custom
/// fields the fixture credentials name (`email`, `course_id`).
fn launch_fields(email: &str, course_id: &str, roles: &str) -> Params {
    [
        ("lti_message_type", "basic-lti-launch-request"),
        ("lti_version", "LTI-1p0"),
        ("resource_link_id", "rl-4f2a9c"),
        ("resource_link_title", "Live sessions"),
        ("context_id", "ctx-88321"),
        ("context_title", "Course under test"),
        ("user_id", "u-20931"),
        ("roles", roles),
        ("lis_person_contact_email_primary", email),
        ("custom_email", email),
        ("custom_course_id", course_id),
        ("tool_consumer_instance_guid", "lms.northfield.example.edu"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn set(mut params: Params, name: &str, value: &str) -> Params {
    params.retain(|(k, _)| k != name);
    params.push((name.to_string(), value.to_string()));
    params
}

fn without(mut params: Params, name: &str) -> Params {
    params.retain(|(k, _)| k != name);
    params
}

fn url(path: &str) -> String {
    format!("http://localhost{path}")
}

/// `fields` signed now with a fresh nonce, as a form POST to `path` (no Host header).
fn signed(path: &str, fields: &Params, key: &str, secret: &str) -> Request {
    signed_at(path, fields, key, secret, now())
}

fn signed_at(path: &str, fields: &Params, key: &str, secret: &str, timestamp: u64) -> Request {
    let params = IMS_LTI.sign(
        "POST",
        &url(path),
        fields,
        key,
        secret,
        &unique("nonce"),
        timestamp,
    );
    Request::new("POST", path).with_form(&params)
}

/// A launch by the consumer with full credentials.
fn launch(r: &Reference, fields: &Params) -> Request {
    signed(
        LAUNCH,
        fields,
        &fixture(r, "lti.consumer_key"),
        &fixture(r, "lti.consumer_secret"),
    )
}

fn with_fault(request: Request, fault: &str) -> Request {
    request.with_header(FAULT_HEADER, fault)
}

fn instructor_launch(r: &Reference, course_id: &str) -> Request {
    launch(
        r,
        &launch_fields(&fixture(r, "lti.instructor_email"), course_id, "Instructor"),
    )
}

fn learner_launch(r: &Reference, course_id: &str) -> Request {
    launch(
        r,
        &launch_fields("sam.student@northfield.example.edu", course_id, "Learner"),
    )
}

/// Asserts the documented answer: status, and `{"error": {"code", "name", "message"}}`.
#[track_caller]
fn assert_row(response: &Response, status: u16, code: u64, name: &str, message: &str) {
    let body = response.json_body();
    assert_eq!(response.status, status, "status; body {body:?}");
    let error = body.as_ref().and_then(|b| b.get("error"));
    assert_eq!(
        error.and_then(|e| e.get("code")).and_then(Value::as_u64),
        Some(code),
        "code; body {body:?}"
    );
    assert_eq!(
        error.and_then(|e| e.get("name")).and_then(Value::as_str),
        Some(name),
        "name"
    );
    assert_eq!(
        error.and_then(|e| e.get("message")).and_then(Value::as_str),
        Some(message),
        "message"
    );
}

#[track_caller]
fn assert_1001(response: &Response) {
    assert_row(
        response,
        400,
        1001,
        "FAILED_IMSLTI_VALIDATION",
        "The request did not pass the IMSLTI validator.",
    );
}

/// The class a successful launch redirects to.
#[track_caller]
fn class_of(response: &Response) -> String {
    assert_eq!(response.status, 303, "body {:?}", response.text_body());
    let location = response.header("Location").unwrap_or_default();
    match location.strip_prefix("/classes/") {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => panic!("Location {location:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Valid requests

#[test]
fn instructor_launch_creates_a_class_and_later_launches_reach_it() {
    let r = reference();
    let course = unique("CHEM-210");
    let class = class_of(&r.handle(&instructor_launch(&r, &course)));
    assert_eq!(class_of(&r.handle(&instructor_launch(&r, &course))), class);
    assert_eq!(class_of(&r.handle(&learner_launch(&r, &course))), class);
    assert_eq!(class_of(&r.handle(&learner_launch(&r, &course))), class);
    let other = class_of(&r.handle(&instructor_launch(&r, &unique("CHEM-211"))));
    assert_ne!(other, class);
}

#[test]
fn learner_launch_of_the_launched_course_reaches_its_class() {
    let r = reference();
    let course = fixture(&r, "lti.launched_course_id");
    let response = r.handle(&learner_launch(&r, &course));
    let class = class_of(&response);
    assert_eq!(
        response.header("Location"),
        Some(format!("/classes/{class}").as_str())
    );
    assert_eq!(class_of(&r.handle(&instructor_launch(&r, &course))), class);
}

#[test]
fn expired_token_instructor_may_relaunch_an_existing_class() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.expired_token_instructor_email"),
        &fixture(&r, "lti.launched_course_id"),
        "urn:lti:role:ims/lis/Instructor",
    );
    class_of(&r.handle(&launch(&r, &fields)));
}

#[test]
fn launch_signed_for_the_host_header_is_accepted() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("HIST-300"),
        "Instructor",
    );
    let params = IMS_LTI.sign(
        "POST",
        "http://class.example.test:8080/lti/launch",
        &fields,
        &fixture(&r, "lti.consumer_key"),
        &fixture(&r, "lti.consumer_secret"),
        &unique("nonce"),
        now(),
    );
    let request = Request::new("POST", LAUNCH)
        .with_form(&params)
        .with_header("Host", "class.example.test:8080");
    class_of(&r.handle(&request));
    // The same signature does not hold for another host.
    let mut params = params;
    params = set(params, "oauth_nonce", &unique("nonce"));
    let request = Request::new("POST", LAUNCH)
        .with_form(&params)
        .with_header("Host", "localhost");
    assert_1001(&r.handle(&request));
}

#[test]
fn query_parameters_are_signed_too() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("ART-120"),
        "Instructor",
    );
    let mut covered = fields.clone();
    covered.push(("section".to_string(), "b".to_string()));
    let signed = IMS_LTI.sign(
        "POST",
        &url(LAUNCH),
        &covered,
        &fixture(&r, "lti.consumer_key"),
        &fixture(&r, "lti.consumer_secret"),
        &unique("nonce"),
        now(),
    );
    let body = without(signed.clone(), "section");
    let request = Request::new("POST", LAUNCH)
        .with_form(&body)
        .with_query("section", "b");
    class_of(&r.handle(&request));
    let body = set(body, "oauth_nonce", &unique("nonce"));
    assert_1001(&r.handle(&Request::new("POST", LAUNCH).with_form(&body)));
}

#[test]
fn class_details_edit_by_an_authorized_instructor() {
    let r = reference();
    let class = class_of(&r.handle(&instructor_launch(&r, &unique("MATH-150"))));
    let fields: Params = vec![
        ("custom_email".into(), fixture(&r, "lti.instructor_email")),
        ("class_id".into(), class.clone()),
        ("name".into(), "Calculus I (Section B)".into()),
        ("description".into(), "Tuesdays and Thursdays".into()),
    ];
    let response = r.handle(&signed(
        CLASS_DETAILS,
        &fields,
        &fixture(&r, "lti.consumer_key"),
        &fixture(&r, "lti.consumer_secret"),
    ));
    assert_eq!(response.status, 200, "{}", response.text_body());
    let body = response.json_body().unwrap_or_default();
    assert_eq!(body["id"], Value::from(class));
    assert_eq!(body["name"], Value::from("Calculus I (Section B)"));
    assert_eq!(body["description"], Value::from("Tuesdays and Thursdays"));
}

#[test]
fn class_details_falls_back_to_the_lis_email() {
    let r = reference();
    let class = class_of(&r.handle(&learner_launch(&r, &fixture(&r, "lti.launched_course_id"))));
    let fields: Params = vec![
        (
            "lis_person_contact_email_primary".into(),
            fixture(&r, "lti.instructor_email"),
        ),
        ("class_id".into(), class),
    ];
    let response = r.handle(&signed(
        CLASS_DETAILS,
        &fields,
        &fixture(&r, "lti.consumer_key"),
        &fixture(&r, "lti.consumer_secret"),
    ));
    assert_eq!(response.status, 200, "{}", response.text_body());
}

// ---------------------------------------------------------------------------------------------
// One test per documented row

/// See: rows 1001 (parameters, OAuth parameters, signature, unknown key, content type).
#[test]
fn row_1001_failed_imslti_validation() {
    let r = reference();
    let key = fixture(&r, "lti.consumer_key");
    let secret = fixture(&r, "lti.consumer_secret");
    let valid = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("PHYS-100"),
        "Instructor",
    );
    let cases: Vec<(&str, Request)> = vec![
        (
            "wrong lti_message_type",
            launch(
                &r,
                &set(
                    valid.clone(),
                    "lti_message_type",
                    "ContentItemSelectionRequest",
                ),
            ),
        ),
        (
            "missing lti_message_type",
            launch(&r, &without(valid.clone(), "lti_message_type")),
        ),
        (
            "wrong lti_version",
            launch(&r, &set(valid.clone(), "lti_version", "LTI-2p0")),
        ),
        (
            "missing resource_link_id",
            launch(&r, &without(valid.clone(), "resource_link_id")),
        ),
        (
            "unknown consumer key",
            signed(LAUNCH, &valid, "no-such-key", &secret),
        ),
        (
            "wrong secret",
            signed(LAUNCH, &valid, &key, "not-the-secret"),
        ),
        ("signature method PLAINTEXT", {
            let params = set(
                IMS_LTI.sign(
                    "POST",
                    &url(LAUNCH),
                    &valid,
                    &key,
                    &secret,
                    &unique("n"),
                    now(),
                ),
                "oauth_signature_method",
                "PLAINTEXT",
            );
            Request::new("POST", LAUNCH).with_form(&IMS_LTI.with_signature(
                "POST",
                &url(LAUNCH),
                &params,
                &secret,
            ))
        }),
        ("oauth_version 2.0", {
            let params = set(
                IMS_LTI.sign(
                    "POST",
                    &url(LAUNCH),
                    &valid,
                    &key,
                    &secret,
                    &unique("n"),
                    now(),
                ),
                "oauth_version",
                "2.0",
            );
            Request::new("POST", LAUNCH).with_form(&IMS_LTI.with_signature(
                "POST",
                &url(LAUNCH),
                &params,
                &secret,
            ))
        }),
        ("missing oauth_nonce", {
            let params = without(
                IMS_LTI.sign(
                    "POST",
                    &url(LAUNCH),
                    &valid,
                    &key,
                    &secret,
                    &unique("n"),
                    now(),
                ),
                "oauth_nonce",
            );
            Request::new("POST", LAUNCH).with_form(&IMS_LTI.with_signature(
                "POST",
                &url(LAUNCH),
                &params,
                &secret,
            ))
        }),
        (
            "missing oauth_signature",
            Request::new("POST", LAUNCH).with_form(&without(
                IMS_LTI.sign(
                    "POST",
                    &url(LAUNCH),
                    &valid,
                    &key,
                    &secret,
                    &unique("n"),
                    now(),
                ),
                "oauth_signature",
            )),
        ),
        (
            "JSON content type",
            launch(&r, &valid).with_header("Content-Type", "application/json"),
        ),
    ];
    for (what, request) in cases {
        let response = r.handle(&request);
        assert_eq!(response.status, 400, "{what}: {}", response.text_body());
        assert_1001(&response);
    }
    // The untouched launch still passes: the cases above failed for their one reason.
    class_of(&r.handle(&launch(&r, &valid)));
}

#[test]
fn row_1001_tampered_signature_or_parameter() {
    let r = reference();
    let valid = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("PHYS-101"),
        "Instructor",
    );
    let mut pairs = launch(&r, &valid).form_pairs();
    // A parameter changed after signing.
    pairs = set(pairs, "custom_course_id", "PHYS-999");
    assert_1001(&r.handle(&Request::new("POST", LAUNCH).with_form(&pairs)));
    // A signature changed by one character.
    let mut pairs = launch(&r, &valid).form_pairs();
    for (k, v) in pairs.iter_mut() {
        if k == "oauth_signature" {
            let first = if v.starts_with('A') { "B" } else { "A" };
            *v = format!("{first}{}", v.get(1..).unwrap_or_default());
        }
    }
    assert_1001(&r.handle(&Request::new("POST", LAUNCH).with_form(&pairs)));
}

#[test]
fn row_1001_nonce_reuse() {
    let r = reference();
    let request = instructor_launch(&r, &unique("PHYS-102"));
    class_of(&r.handle(&request));
    assert_1001(&r.handle(&request));
}

#[test]
fn row_1001_stale_missing_or_malformed_timestamp() {
    let r = reference();
    let key = fixture(&r, "lti.consumer_key");
    let secret = fixture(&r, "lti.consumer_secret");
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("PHYS-103"),
        "Instructor",
    );
    assert_1001(&r.handle(&signed_at(LAUNCH, &fields, &key, &secret, now() - 301)));
    assert_1001(&r.handle(&signed_at(LAUNCH, &fields, &key, &secret, 0)));
    for broken in [None, Some("soon"), Some("")] {
        let params = IMS_LTI.sign(
            "POST",
            &url(LAUNCH),
            &fields,
            &key,
            &secret,
            &unique("n"),
            now(),
        );
        let params = match broken {
            None => without(params, "oauth_timestamp"),
            Some(value) => set(params, "oauth_timestamp", value),
        };
        let params = IMS_LTI.with_signature("POST", &url(LAUNCH), &params, &secret);
        assert_1001(&r.handle(&Request::new("POST", LAUNCH).with_form(&params)));
    }
    // Within the window, and in the future, the timestamp is fine.
    class_of(&r.handle(&signed_at(LAUNCH, &fields, &key, &secret, now() - 250)));
    class_of(&r.handle(&signed_at(LAUNCH, &fields, &key, &secret, now() + 3600)));
}

#[test]
fn nonces_are_scoped_per_consumer_key() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("PHYS-104"),
        "Instructor",
    );
    let nonce = unique("shared-nonce");
    let sign_with = |key: &str, secret: &str| {
        Request::new("POST", LAUNCH).with_form(&IMS_LTI.sign(
            "POST",
            &url(LAUNCH),
            &fields,
            key,
            secret,
            &nonce,
            now(),
        ))
    };
    let full = sign_with(
        &fixture(&r, "lti.consumer_key"),
        &fixture(&r, "lti.consumer_secret"),
    );
    class_of(&r.handle(&full));
    // The bare key has not seen this nonce: validation passes and the launch stops at 1002.
    let bare = sign_with(
        &fixture(&r, "lti.bare_key"),
        &fixture(&r, "lti.bare_secret"),
    );
    assert_eq!(
        r.handle(&bare).json_body().unwrap_or_default()["error"]["code"],
        1002
    );
}

#[test]
fn row_1002_lti_credentials_not_found() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("ECON-200"),
        "Instructor",
    );
    let request = signed(
        LAUNCH,
        &fields,
        &fixture(&r, "lti.bare_key"),
        &fixture(&r, "lti.bare_secret"),
    );
    assert_row(
        &r.handle(&request),
        401,
        1002,
        "LTI_CREDENTIALS_NOT_FOUND",
        "LTI integration credentials were not found in our database.",
    );
}

#[test]
fn row_1003_failed_to_get_lti_credentials() {
    let r = reference();
    let request = with_fault(
        instructor_launch(&r, &unique("ECON-201")),
        "lti_credentials_store",
    );
    assert_row(
        &r.handle(&request),
        500,
        1003,
        "FAILED_TO_GET_LTI_CREDENTIALS",
        "Something went wrong in getting LTI credentials from the database. There could still \
         be a record, but the request for that record failed.",
    );
}

#[test]
fn row_1004_email_attribute_name_not_in_request() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("ECON-202"),
        "Instructor",
    );
    assert_row(
        &r.handle(&launch(&r, &without(fields, "custom_email"))),
        400,
        1004,
        "EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST",
        "Email attribute name was included in credential creation, but was not found in the \
         launch request",
    );
}

#[test]
fn row_1005_course_id_attribute_name_not_in_request() {
    let r = reference();
    let fields = launch_fields(
        &fixture(&r, "lti.instructor_email"),
        &unique("ECON-203"),
        "Instructor",
    );
    assert_row(
        &r.handle(&launch(&r, &without(fields, "custom_course_id"))),
        400,
        1005,
        "COURSE_ID_ATTRIBUTE_NAME_NOT_IN_REQUEST",
        "Course ID attribute name was included in credential creation, but was not found in the \
         launch request",
    );
}

/// The table prints only "The request’s email value was"; the ending is assumed.
#[test]
fn row_1006_invalid_user_email() {
    let r = reference();
    for email in [
        "not-an-email",
        "",
        "two@@northfield.example.edu",
        "a b@c.example",
    ] {
        let fields = launch_fields(email, &unique("ECON-204"), "Learner");
        let response = r.handle(&launch(&r, &fields));
        assert_row(
            &response,
            400,
            1006,
            "INVALID_USER_EMAIL",
            "The request’s email value was invalid.",
        );
        let message = response.json_body().unwrap_or_default()["error"]["message"].clone();
        assert!(message
            .as_str()
            .is_some_and(|m| m.starts_with("The request’s email value was")));
    }
}

/// The table prints only "The request’s course id value was"; the ending is assumed.
#[test]
fn row_1007_invalid_course_id() {
    let r = reference();
    let email = fixture(&r, "lti.instructor_email");
    for course in ["".to_string(), "x".repeat(256), "BIO\u{1}101".to_string()] {
        let fields = launch_fields(&email, &course, "Instructor");
        assert_row(
            &r.handle(&launch(&r, &fields)),
            400,
            1007,
            "INVALID_COURSE_ID",
            "The request’s course id value was invalid.",
        );
    }
    // 255 characters are still a course id.
    class_of(&r.handle(&launch(
        &r,
        &launch_fields(&email, &"y".repeat(255), "Instructor"),
    )));
}

#[test]
fn row_1008_failed_to_get_zoom_auth() {
    let r = reference();
    let request = with_fault(
        instructor_launch(&r, &unique("ECON-205")),
        "zoom_auth_store",
    );
    assert_row(
        &r.handle(&request),
        500,
        1008,
        "FAILED_TO_GET_ZOOM_AUTH",
        "Something went wrong in getting user’s zoom authentication record. There could still \
         be a record, but the request for that record failed.",
    );
}

/// The table prints only "User is a"; the ending is assumed.
#[test]
fn row_1009_privleged_zoom_user_not_yet_authorized() {
    let r = reference();
    let email = fixture(&r, "lti.unauthorized_instructor_email");
    for roles in [
        "Instructor",
        "urn:lti:role:ims/lis/Administrator",
        "Learner,Instructor",
    ] {
        let fields = launch_fields(&email, &unique("ECON-206"), roles);
        assert_row(
            &r.handle(&launch(&r, &fields)),
            403,
            1009,
            "PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED",
            "User is a privileged user who has not yet authorized Class to use their Zoom account.",
        );
    }
    // The same person launching as a learner is not privileged.
    let fields = launch_fields(&email, &fixture(&r, "lti.launched_course_id"), "Learner");
    class_of(&r.handle(&launch(&r, &fields)));
}

#[test]
fn row_1010_failed_to_get_lti_course_linkage() {
    let r = reference();
    let request = with_fault(
        instructor_launch(&r, &unique("ECON-207")),
        "lti_course_linkage_store",
    );
    assert_row(
        &r.handle(&request),
        500,
        1010,
        "FAILED_TO_GET_LTI_COURSE_LINKAGE",
        "Something went wrong in getting LTI course linkage from the database. There could still \
         be a record, but the request for that record failed.",
    );
}

/// The table prints only "User is launching as a"; the ending is assumed.
#[test]
fn row_1011_class_not_yet_created() {
    let r = reference();
    assert_row(
        &r.handle(&learner_launch(&r, &unique("ECON-208"))),
        403,
        1011,
        "CLASS_NOT_YET_CREATED",
        "User is launching as a non-privileged user, but the class has not yet been created by \
         an instructor.",
    );
}

#[test]
fn row_1012_failed_to_get_meeting_defaults() {
    let r = reference();
    let request = with_fault(
        instructor_launch(&r, &unique("ECON-209")),
        "meeting_defaults_store",
    );
    assert_row(
        &r.handle(&request),
        500,
        1012,
        "FAILED_TO_GET_MEETING_DEFAULTS",
        "Something went wrong in getting schools meeting defaults. There could still be a \
         record, but the request for that record failed.",
    );
}

#[test]
fn row_1013_failed_to_create_defered_classes() {
    let r = reference();
    let request = with_fault(
        instructor_launch(&r, &unique("ECON-210")),
        "deferred_classes",
    );
    assert_row(
        &r.handle(&request),
        500,
        1013,
        "FAILED_TO_CREATE_DEFERED_CLASSES",
        "Something went wrong creating classes or enrollments that were deferred for the \
         instructor via API",
    );
}

#[test]
fn row_1014_failed_to_create_class() {
    let r = reference();
    let message = "Something went wrong in creating the class. This could be because of their \
                   zoom access token is invalid and they tried to create a meeting.";
    let course = unique("ECON-211");
    let request = with_fault(instructor_launch(&r, &course), "class_create");
    assert_row(
        &r.handle(&request),
        500,
        1014,
        "FAILED_TO_CREATE_CLASS",
        message,
    );
    // No class was created: a learner still cannot enter.
    assert_eq!(
        r.handle(&learner_launch(&r, &course))
            .json_body()
            .unwrap_or_default()["error"]["code"],
        1011
    );
    // An instructor whose Zoom token has expired launching a new course.
    let fields = launch_fields(
        &fixture(&r, "lti.expired_token_instructor_email"),
        &unique("ECON-212"),
        "Instructor",
    );
    assert_row(
        &r.handle(&launch(&r, &fields)),
        500,
        1014,
        "FAILED_TO_CREATE_CLASS",
        message,
    );
}

#[test]
fn row_1015_failed_to_get_or_create_linked_enrollment() {
    let r = reference();
    let message = "Something went wrong in getting or creating enrollment for the class.";
    let course = unique("ECON-213");
    let request = with_fault(instructor_launch(&r, &course), "enrollment_store");
    assert_row(
        &r.handle(&request),
        500,
        1015,
        "FAILED_TO_GET_OR_CREATE_LINKED_ENROLLMENT",
        message,
    );
    let request = with_fault(
        learner_launch(&r, &fixture(&r, "lti.launched_course_id")),
        "enrollment_store",
    );
    assert_row(
        &r.handle(&request),
        500,
        1015,
        "FAILED_TO_GET_OR_CREATE_LINKED_ENROLLMENT",
        message,
    );
}

#[test]
fn row_1337_zoom_authentication_error() {
    let r = reference();
    let class = class_of(&r.handle(&learner_launch(&r, &fixture(&r, "lti.launched_course_id"))));
    let fields: Params = vec![
        (
            "custom_email".into(),
            fixture(&r, "lti.unauthorized_instructor_email"),
        ),
        ("roles".into(), "Instructor".into()),
        ("class_id".into(), class),
        ("name".into(), "Renamed".into()),
    ];
    let request = signed(
        CLASS_DETAILS,
        &fields,
        &fixture(&r, "lti.consumer_key"),
        &fixture(&r, "lti.consumer_secret"),
    );
    assert_row(
        &r.handle(&request),
        403,
        1337,
        "ZOOM_AUTHENTICATION_ERROR",
        "Instructors will try to edit class details from the LMS but have not yet logged into \
         Zoom through Class or the Admin panel.",
    );
}

// ---------------------------------------------------------------------------------------------
// Precedence: a request that meets several failures answers the lowest code

#[test]
fn precedence_lowest_code_wins() {
    let r = reference();
    let instructor = fixture(&r, "lti.instructor_email");
    let expired = fixture(&r, "lti.expired_token_instructor_email");
    let unauthorized = fixture(&r, "lti.unauthorized_instructor_email");
    let code = |request: Request| {
        r.handle(&request).json_body().unwrap_or_default()["error"]["code"].clone()
    };

    // 1001 over 1004: a bad signature and no custom_email.
    let fields = without(
        launch_fields(&instructor, &unique("P"), "Instructor"),
        "custom_email",
    );
    let request = signed(LAUNCH, &fields, &fixture(&r, "lti.consumer_key"), "wrong");
    assert_eq!(code(request), 1001);

    // 1002 over 1003: no credentials record while the credentials store fails.
    let fields = launch_fields(&instructor, &unique("P"), "Instructor");
    let request = signed(
        LAUNCH,
        &fields,
        &fixture(&r, "lti.bare_key"),
        &fixture(&r, "lti.bare_secret"),
    );
    assert_eq!(code(with_fault(request, "lti_credentials_store")), 1002);

    // 1003 over 1004.
    let fields = without(
        launch_fields(&instructor, &unique("P"), "Instructor"),
        "custom_email",
    );
    assert_eq!(
        code(with_fault(launch(&r, &fields), "lti_credentials_store")),
        1003
    );

    // 1004 over 1005 over everything after.
    let fields = without(
        without(
            launch_fields(&unauthorized, &unique("P"), "Instructor"),
            "custom_email",
        ),
        "custom_course_id",
    );
    assert_eq!(
        code(with_fault(launch(&r, &fields), "zoom_auth_store")),
        1004
    );

    // 1005 over 1006: no course id and a malformed email.
    let fields = without(
        launch_fields("nope", &unique("P"), "Instructor"),
        "custom_course_id",
    );
    assert_eq!(code(launch(&r, &fields)), 1005);

    // 1006 over 1007.
    assert_eq!(
        code(launch(&r, &launch_fields("nope", "", "Instructor"))),
        1006
    );

    // 1007 over 1008.
    let request = launch(&r, &launch_fields(&instructor, "", "Instructor"));
    assert_eq!(code(with_fault(request, "zoom_auth_store")), 1007);

    // 1008 over 1009.
    let request = launch(
        &r,
        &launch_fields(&unauthorized, &unique("P"), "Instructor"),
    );
    assert_eq!(code(with_fault(request, "zoom_auth_store")), 1008);

    // 1009 over 1010.
    let request = launch(
        &r,
        &launch_fields(&unauthorized, &unique("P"), "Instructor"),
    );
    assert_eq!(code(with_fault(request, "lti_course_linkage_store")), 1009);

    // 1010 over 1011.
    let request = learner_launch(&r, &unique("P"));
    assert_eq!(code(with_fault(request, "lti_course_linkage_store")), 1010);

    // 1011 for a learner whatever later step would fail.
    let request = learner_launch(&r, &unique("P"));
    assert_eq!(code(with_fault(request, "enrollment_store")), 1011);

    // 1012 over 1014: an expired token on a new course while meeting defaults fail.
    let request = launch(&r, &launch_fields(&expired, &unique("P"), "Instructor"));
    assert_eq!(code(with_fault(request, "meeting_defaults_store")), 1012);

    // 1013 over 1014.
    let request = launch(&r, &launch_fields(&expired, &unique("P"), "Instructor"));
    assert_eq!(code(with_fault(request, "deferred_classes")), 1013);

    // 1014 over 1015.
    let request = launch(&r, &launch_fields(&expired, &unique("P"), "Instructor"));
    assert_eq!(code(with_fault(request, "enrollment_store")), 1014);
}

#[test]
fn class_details_decides_1337_before_an_unknown_class() {
    let r = reference();
    let key = fixture(&r, "lti.consumer_key");
    let secret = fixture(&r, "lti.consumer_secret");
    let edit = |email: String| -> Params {
        vec![
            ("custom_email".into(), email),
            ("class_id".into(), "999999".into()),
        ]
    };
    let response = r.handle(&signed(
        CLASS_DETAILS,
        &edit(fixture(&r, "lti.unauthorized_instructor_email")),
        &key,
        &secret,
    ));
    assert_eq!(response.status, 403);
    assert_eq!(
        response.json_body().unwrap_or_default()["error"]["code"],
        1337
    );
    let response = r.handle(&signed(
        CLASS_DETAILS,
        &edit(fixture(&r, "lti.instructor_email")),
        &key,
        &secret,
    ));
    assert_eq!(response.status, 404, "{}", response.text_body());
    // The bare key stops at 1002 before any of it; a bad signature at 1001.
    let response = r.handle(&signed(
        CLASS_DETAILS,
        &edit(fixture(&r, "lti.unauthorized_instructor_email")),
        &fixture(&r, "lti.bare_key"),
        &fixture(&r, "lti.bare_secret"),
    ));
    assert_eq!(
        response.json_body().unwrap_or_default()["error"]["code"],
        1002
    );
    let response = r.handle(&signed(
        CLASS_DETAILS,
        &edit(fixture(&r, "lti.unauthorized_instructor_email")),
        &key,
        "wrong",
    ));
    assert_1001(&response);
}

// ---------------------------------------------------------------------------------------------
// Concurrency, routing, robustness

#[test]
fn racing_first_instructor_launches_reach_one_class() {
    const THREADS: usize = 16;
    let r = Arc::new(reference());
    let course = unique("RACE-100");
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (r, barrier, course) = (Arc::clone(&r), Arc::clone(&barrier), course.clone());
            std::thread::spawn(move || {
                let request = instructor_launch(&r, &course);
                barrier.wait();
                r.handle(&request)
            })
        })
        .collect();
    let classes: Vec<String> = handles
        .into_iter()
        .map(|h| match h.join() {
            Ok(response) => class_of(&response),
            Err(_) => panic!("launch thread panicked"),
        })
        .collect();
    assert!(classes.iter().all(|c| *c == classes[0]), "{classes:?}");
    assert_eq!(
        class_of(&r.handle(&learner_launch(&r, &course))),
        classes[0]
    );
}

#[test]
fn wrong_method_and_unknown_paths() {
    let r = reference();
    for path in [LAUNCH, CLASS_DETAILS] {
        for method in ["GET", "PUT", "DELETE", "post"] {
            let response = r.handle(&Request::new(method, path));
            assert_eq!(response.status, 405, "{method} {path}");
            assert_eq!(response.header("Allow"), Some("POST"));
        }
    }
    for path in [
        "/lti",
        "/lti/",
        "/lti/launch/",
        "/lti/unknown",
        "/lti/class-details/1",
    ] {
        assert_eq!(r.handle(&Request::new("POST", path)).status, 404, "{path}");
    }
}

#[test]
fn odd_input_gets_an_answer() {
    let r = reference();
    let requests = vec![
        Request::new("POST", LAUNCH),
        Request::new("POST", LAUNCH).with_body(vec![0xff, 0xfe, b'=', 0x80, b'&', b'%']),
        Request::new("POST", LAUNCH).with_body("a=%ZZ&=&&=x&oauth_timestamp=99999999999999999999"),
        Request::new("POST", CLASS_DETAILS)
            .with_body("[[[[[[[[[[[[[[[[[[[[")
            .with_header("Content-Type", "application/json"),
        Request::new("POST", LAUNCH)
            .with_header("Host", &"h".repeat(70_000))
            .with_header(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=\u{7f}",
            ),
    ];
    for request in requests {
        let response = r.handle(&request);
        assert_eq!(response.status, 400, "{request:?}");
        assert_1001(&response);
    }
}

#[test]
fn capabilities_and_fixtures_follow_the_spec() {
    let r = reference();
    let response = r.handle(&Request::new("GET", CAPABILITIES_PATH));
    let body = response.json_body().unwrap_or_default();
    let faults: Vec<&str> = body["faults"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        faults,
        [
            "lti_credentials_store",
            "zoom_auth_store",
            "lti_course_linkage_store",
            "meeting_defaults_store",
            "deferred_classes",
            "class_create",
            "enrollment_store"
        ]
    );
    let fixtures = r.fixtures();
    for name in [
        "lti.consumer_key",
        "lti.consumer_secret",
        "lti.bare_key",
        "lti.bare_secret",
        "lti.instructor_email",
        "lti.unauthorized_instructor_email",
        "lti.expired_token_instructor_email",
        "lti.launched_course_id",
    ] {
        assert!(fixtures.get(name).is_some_and(Value::is_string), "{name}");
    }
    // Faults are honoured only in test mode.
    let quiet =
        match Reference::with_vendors(Config::default().test_hooks(false), &["lti".to_string()]) {
            Ok(reference) => reference,
            Err(e) => panic!("{e}"),
        };
    let request = with_fault(instructor_launch(&quiet, &unique("Q")), "class_create");
    class_of(&quiet.handle(&request));
}
