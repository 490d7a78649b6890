//! The embedded Clever grade passback reference, driven through the public `Reference` the way
//! the harness drives it: every documented row of `clever-grade-passback-errors.txt` provoked
//! by a hand-written request, one valid request per endpoint, and Go's JSON syntax messages.
//!
//! The expected texts are copied from the seed, never taken from the module under test.

use confuzz::reference::{Config, Reference};
use confuzz::{Request, Response};
use serde_json::{json, Value};

const FUTURE: &str = "2099-12-31T23:59:59Z";

struct Clever {
    reference: Reference,
    token: String,
    section: String,
    teacher: String,
    student: String,
    unenrolled: String,
}

fn clever() -> Clever {
    let reference = Reference::with_vendors(Config::default(), &["clever".to_string()]).unwrap();
    let fixtures = reference.fixtures();
    let get = |name: &str| {
        fixtures
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("fixture {name}"))
            .to_string()
    };
    Clever {
        token: get("clever.token"),
        section: get("clever.section_id"),
        teacher: get("clever.teacher_id"),
        student: get("clever.student_id"),
        unenrolled: get("clever.unenrolled_student_id"),
        reference,
    }
}

impl Clever {
    fn assignments(&self) -> String {
        format!("/v3.1/sections/{}/assignments", self.section)
    }

    fn assignment(&self, id: &str) -> String {
        format!("{}/{id}", self.assignments())
    }

    fn submissions(&self, id: &str) -> String {
        format!("{}/submissions", self.assignment(id))
    }

    fn submission(&self, id: &str, user: &str) -> String {
        format!("{}/{user}", self.submissions(id))
    }

    fn send(&self, request: Request) -> Response {
        self.reference.handle(&request)
    }

    fn authed(&self, method: &str, path: &str) -> Request {
        Request::new(method, path).with_bearer(&self.token)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> Response {
        self.send(self.authed(method, path).with_json(body))
    }

    fn raw(&self, method: &str, path: &str, body: &[u8]) -> Response {
        self.send(
            self.authed(method, path)
                .with_header("Content-Type", "application/json")
                .with_body(body.to_vec()),
        )
    }

    /// Creates a valid assignment and returns its id (`/data/id`).
    fn create(&self) -> String {
        let response = self.json("POST", &self.assignments(), &valid_assignment());
        assert_eq!(response.status, 200, "{}", response.text_body());
        response.json_body().unwrap()["data"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn valid_assignment() -> Value {
    json!({
        "title": "Essay 1",
        "description": "Write about your summer.",
        "due_date": FUTURE,
        "submission_types": ["text", "file"],
        "assignee_mode": "all",
        "points_possible": 10.0,
        "grading_type": "points",
        "max_attempts": 2
    })
}

/// Status, JSON content type and `{"message": text}` body, text compared exactly.
#[track_caller]
fn assert_message(response: &Response, status: u16, text: &str) {
    assert_eq!(response.status, status, "body {}", response.text_body());
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(response.json_body(), Some(json!({ "message": text })));
}

// ---------------------------------------------------------------------------------------------
// The 15 documented rows, in the seed's order.
// ---------------------------------------------------------------------------------------------

#[test]
fn row_missing_required_fields_lists_exactly_the_missing_ones() {
    let c = clever();
    let response = c.json(
        "POST",
        &c.assignments(),
        &json!({"submission_types": ["text"]}),
    );
    assert_message(
        &response,
        400,
        "missing required field(s): title, description, due_date",
    );
    let response = c.json("POST", &c.assignments(), &json!({}));
    assert_message(
        &response,
        400,
        "missing required field(s): title, description, due_date",
    );
    let response = c.json(
        "POST",
        &c.assignments(),
        &json!({"title": "t", "due_date": FUTURE}),
    );
    assert_message(&response, 400, "missing required field(s): description");
    let response = c.json(
        "POST",
        &c.assignments(),
        &json!({"description": "d", "title": null}),
    );
    assert_message(&response, 400, "missing required field(s): title, due_date");
}

#[test]
fn row_no_request_body() {
    let c = clever();
    let response = c.send(c.authed("POST", &c.assignments()));
    assert_message(&response, 400, "request body is required, but was empty");
}

#[test]
fn row_due_date_in_the_past() {
    let c = clever();
    let mut body = valid_assignment();
    body["due_date"] = json!("2001-01-01T00:00:00Z");
    let response = c.json("POST", &c.assignments(), &body);
    assert_message(&response, 400, "due_date must be in the future");
    // The same answer to an update to a well-formed past date (the reading this reference
    // picks among the two the spec accepts).
    let id = c.create();
    let response = c.json(
        "PATCH",
        &c.assignment(&id),
        &json!({"due_date": "2001-01-01T00:00:00Z"}),
    );
    assert_message(&response, 400, "due_date must be in the future");
}

#[test]
fn row_invalid_character_in_string_escape_answers_plain_text() {
    let c = clever();
    let body = br#"{"title": "Essay\ 1", "description": "d", "due_date": "2099-12-31T23:59:59Z"}"#;
    let response = c.raw("POST", &c.assignments(), body);
    assert_eq!(response.status, 400);
    assert_eq!(
        response.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    // Go's own text, byte for byte ...
    assert_eq!(
        response.body,
        b"invalid character ' ' in string escape code".to_vec()
    );
    // ... which is the seed's response matched case-insensitively, as the spec decides.
    assert!(response
        .text_body()
        .eq_ignore_ascii_case("Invalid character ' ' in string escape code"));
    // Other bad escapes and one at the end of a cut-off body answer the same way.
    let response = c.raw("POST", &c.assignments(), br#"{"title": "a\x"}"#);
    assert_eq!(
        response.text_body(),
        "invalid character 'x' in string escape code"
    );
    let response = c.raw("PATCH", &c.assignment(&c.create()), br#"{"title": "a\"#);
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text_body(),
        "invalid character ' ' in string escape code"
    );
}

#[test]
fn row_submission_types_entry_not_in_the_enum() {
    let c = clever();
    for (types, index) in [
        (json!([""]), 0),
        (json!([null]), 0),
        (json!(["essay"]), 0),
        (json!(["text", "video", ""]), 1),
    ] {
        let mut body = valid_assignment();
        body["submission_types"] = types.clone();
        let response = c.json("POST", &c.assignments(), &body);
        let expected = format!(
            "validation failure list:\nsubmission_types.{index} in body should be one of [link file text discussion]"
        );
        assert_message(&response, 400, &expected);
        if index == 0 {
            // The seed's own text, for the first entry.
            assert_message(
                &response,
                400,
                "validation failure list:\nsubmission_types.0 in body should be one of [link file text discussion]",
            );
        }
    }
    // An empty array is valid.
    let mut body = valid_assignment();
    body["submission_types"] = json!([]);
    assert_eq!(c.json("POST", &c.assignments(), &body).status, 200);
}

#[test]
fn row_comma_where_a_value_should_be() {
    let c = clever();
    // The seed's own example body.
    let response = c.raw("POST", &c.assignments(), br#"{"assignee_mode": ,}"#);
    assert_message(
        &response,
        400,
        "invalid character ',' looking for beginning of value",
    );
}

#[test]
fn row_invalid_json_formatting() {
    let c = clever();
    let response = c.raw(
        "POST",
        &c.assignments(),
        br#"{"title": "Essay": "1", "description": "d"}"#,
    );
    assert_message(
        &response,
        400,
        "invalid character ':' after object key:value pair",
    );
}

#[test]
fn row_invalid_assignment_id() {
    let c = clever();
    for id in ["not-a-uuid", "12345", "5f8a2b3c4d5e6f7a8b9c0d1e"] {
        let response = c.send(c.authed("GET", &c.assignment(id)));
        assert_message(&response, 400, "INVALID_ID");
    }
    // Every route that names an assignment checks it.
    let response = c.json("PATCH", &c.assignment("nope"), &json!({"title": "x"}));
    assert_message(&response, 400, "INVALID_ID");
    let response = c.send(c.authed("GET", &c.submissions("nope")));
    assert_message(&response, 400, "INVALID_ID");
}

#[test]
fn row_grader_id_that_is_not_a_teacher() {
    let c = clever();
    let id = c.create();
    let grader = "000000000000000000000000";
    let response = c.json(
        "PATCH",
        &c.submission(&id, &c.student),
        &json!({"grade": "A", "grader_id": grader}),
    );
    let expected = format!(
        "{}{grader}{}",
        "NOT_FOUND: Person with id clever:", " not found for this integration."
    );
    assert_message(&response, 400, &expected);
    // A student's id does not name a grader either.
    let response = c.json(
        "PATCH",
        &c.submission(&id, &c.student),
        &json!({"grader_id": c.student}),
    );
    assert_message(
        &response,
        400,
        &format!(
            "NOT_FOUND: Person with id clever:{} not found for this integration.",
            c.student
        ),
    );
}

#[test]
fn row_update_due_date_with_an_impossible_day() {
    let c = clever();
    let id = c.create();
    for due in [
        "2031-02-30T10:00:00Z",
        "2031-02-30",
        "2030-04-31T08:00:00.000Z",
    ] {
        let response = c.json("PATCH", &c.assignment(&id), &json!({"due_date": due}));
        assert_message(
            &response,
            400,
            &format!("parsing time \"{due}\": day out of range"),
        );
    }
    // The same on create.
    let mut body = valid_assignment();
    body["due_date"] = json!("2031-02-30T10:00:00Z");
    let response = c.json("POST", &c.assignments(), &body);
    assert_message(
        &response,
        400,
        "parsing time \"2031-02-30T10:00:00Z\": day out of range",
    );
}

#[test]
fn row_no_token() {
    let c = clever();
    let response = c.send(Request::new("POST", &c.assignments()).with_json(&valid_assignment()));
    assert_message(&response, 401, "No authorization provided");
    let response =
        c.send(Request::new("GET", &c.assignment("x")).with_header("Authorization", " "));
    assert_message(&response, 401, "No authorization provided");
}

#[test]
fn row_invalid_token() {
    let c = clever();
    for header in [
        "Bearer wrong".to_string(),
        format!("Basic {}", c.token),
        c.token.clone(),
    ] {
        let response =
            c.send(Request::new("GET", &c.submissions("x")).with_header("Authorization", &header));
        assert_message(&response, 403, "Could not authorize token");
    }
}

#[test]
fn row_assignment_deleted() {
    let c = clever();
    let id = c.create();
    let response = c.send(c.authed("DELETE", &c.assignment(&id)));
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
    let response = c.send(c.authed("GET", &c.assignment(&id)));
    assert_message(&response, 404, "Assignment does not exist");
    let response = c.json("PATCH", &c.assignment(&id), &json!({"title": "again"}));
    assert_message(&response, 404, "Assignment does not exist");
    let response = c.send(c.authed("DELETE", &c.assignment(&id)));
    assert_message(&response, 404, "Assignment does not exist");
    let response = c.send(c.authed("GET", &c.submission(&id, &c.student)));
    assert_message(&response, 404, "Assignment does not exist");
    // A well-formed id that never existed.
    let response = c.send(c.authed("GET", &c.assignment("123e4567-e89b-42d3-a456-426614174000")));
    assert_message(&response, 404, "Assignment does not exist");
}

#[test]
fn row_user_not_enrolled() {
    let c = clever();
    let id = c.create();
    let response = c.send(c.authed("GET", &c.submission(&id, &c.unenrolled)));
    assert_message(&response, 404, "User not found");
    let response = c.json(
        "PATCH",
        &c.submission(&id, &c.unenrolled),
        &json!({"grade": "A"}),
    );
    assert_message(&response, 404, "User not found");
    // The teacher has no submission either.
    let response = c.send(c.authed("GET", &c.submission(&id, &c.teacher)));
    assert_message(&response, 404, "User not found");
    // An enrolled student who is not among the assignees of an `individuals` assignment.
    let mut body = valid_assignment();
    body["assignee_mode"] = json!("individuals");
    body["assignee_ids"] = json!([]);
    let response = c.json("POST", &c.assignments(), &body);
    let only_some = response.json_body().unwrap()["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let response = c.send(c.authed("GET", &c.submission(&only_some, &c.student)));
    assert_message(&response, 404, "User not found");
}

#[test]
fn row_unsupported_method_answers_405_with_an_empty_body_before_authentication() {
    let c = clever();
    let id = c.create();
    for (method, path) in [
        ("PUT", c.assignment(&id)),
        ("POST", c.assignment(&id)),
        ("GET", c.assignments()),
        ("DELETE", c.submission(&id, &c.student)),
        ("POST", c.submissions(&id)),
        ("HEAD", c.assignment(&id)),
        ("get", c.assignment(&id)),
    ] {
        for request in [
            c.authed(method, &path),
            Request::new(method, &path),
            Request::new(method, &path).with_bearer("wrong"),
        ] {
            let response = c.send(request);
            assert_eq!(response.status, 405, "{method} {path}");
            assert!(response.body.is_empty());
            assert_eq!(response.header("Content-Type"), None);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One valid request per endpoint.
// ---------------------------------------------------------------------------------------------

#[test]
fn create_assignment_answers_200_with_the_record() {
    let c = clever();
    let response = c.json("POST", &c.assignments(), &valid_assignment());
    assert_eq!(response.status, 200);
    let body = response.json_body().unwrap();
    let data = &body["data"];
    let id = data["id"].as_str().unwrap();
    let uuid =
        regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .unwrap();
    assert!(uuid.is_match(id), "{id}");
    assert_eq!(data["title"], "Essay 1");
    assert_eq!(data["description"], "Write about your summer.");
    assert_eq!(data["due_date"], "2099-12-31T23:59:59.000Z");
    assert_eq!(data["submission_types"], json!(["text", "file"]));
    assert_eq!(data["assignee_mode"], "all");
    assert_eq!(data["points_possible"], json!(10.0));
    assert_eq!(data["max_attempts"], json!(2));
    // Only the three required fields.
    let response = c.json(
        "POST",
        &c.assignments(),
        &json!({"title": "t", "description": "d", "due_date": FUTURE}),
    );
    assert_eq!(response.status, 200);
    assert_ne!(response.json_body().unwrap()["data"]["id"], json!(id));
}

#[test]
fn get_assignment_answers_the_record() {
    let c = clever();
    let id = c.create();
    let response = c.send(c.authed("GET", &c.assignment(&id)));
    assert_eq!(response.status, 200);
    assert_eq!(response.json_body().unwrap()["data"]["id"], json!(id));
    // Ids compare as UUIDs, whatever their case.
    let response = c.send(c.authed("GET", &c.assignment(&id.to_uppercase())));
    assert_eq!(response.status, 200);
}

#[test]
fn update_assignment_changes_only_the_fields_sent() {
    let c = clever();
    let id = c.create();
    let response = c.json(
        "PATCH",
        &c.assignment(&id),
        &json!({"title": "Essay 2", "due_date": "2098-01-01T12:00:00+02:00"}),
    );
    assert_eq!(response.status, 200);
    let data = response.json_body().unwrap()["data"].clone();
    assert_eq!(data["title"], "Essay 2");
    assert_eq!(data["due_date"], "2098-01-01T10:00:00.000Z");
    assert_eq!(data["description"], "Write about your summer.");
    let response = c.send(c.authed("GET", &c.assignment(&id)));
    assert_eq!(response.json_body().unwrap()["data"]["title"], "Essay 2");
}

#[test]
fn delete_assignment_answers_200_without_a_body() {
    let c = clever();
    let id = c.create();
    let response = c.send(c.authed("DELETE", &c.assignment(&id)));
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
}

#[test]
fn list_submissions_has_one_per_enrolled_student() {
    let c = clever();
    let id = c.create();
    let response = c.send(c.authed("GET", &c.submissions(&id)));
    assert_eq!(response.status, 200);
    let body = response.json_body().unwrap();
    assert_eq!(body["links"], json!([]));
    let data = body["data"].as_array().unwrap();
    assert!(data.iter().any(|s| s["user_id"] == json!(c.student)));
    assert!(data.iter().all(|s| s["user_id"] != json!(c.unenrolled)));
    assert!(data.iter().all(|s| s["assignment_id"] == json!(id)));
}

#[test]
fn get_submission_exists_without_being_created() {
    let c = clever();
    let id = c.create();
    let response = c.send(c.authed("GET", &c.submission(&id, &c.student)));
    assert_eq!(response.status, 200);
    let data = response.json_body().unwrap()["data"].clone();
    assert_eq!(data["user_id"], json!(c.student));
    assert_eq!(data["assignment_id"], json!(id));
    assert_eq!(data["state"], "created");
}

#[test]
fn update_submission_grades_it() {
    let c = clever();
    let id = c.create();
    let response = c.json(
        "PATCH",
        &c.submission(&id, &c.student),
        &json!({
            "grade": "A+",
            "grade_points": 9.5,
            "grade_comment": "Well argued.",
            "grader_id": c.teacher,
            "flags": ["late"],
            "state": "returned"
        }),
    );
    assert_eq!(response.status, 200, "{}", response.text_body());
    let data = response.json_body().unwrap()["data"].clone();
    assert_eq!(data["grade"], "A+");
    assert_eq!(data["grade_points"], json!(9.5));
    assert_eq!(data["grader_id"], json!(c.teacher));
    assert_eq!(data["flags"], json!(["late"]));
    assert_eq!(data["state"], "returned");
    let response = c.send(c.authed("GET", &c.submission(&id, &c.student)));
    assert_eq!(response.json_body().unwrap()["data"]["grade"], "A+");
}

// ---------------------------------------------------------------------------------------------
// Go's encoding/json wording, through the API.
// ---------------------------------------------------------------------------------------------

#[test]
fn json_syntax_errors_use_gos_scanner_messages() {
    let c = clever();
    let table: &[(&[u8], &str)] = &[
        (b"{", "unexpected end of JSON input"),
        (b"{\"title\": \"Essay", "unexpected end of JSON input"),
        (b"{\"title\":", "unexpected end of JSON input"),
        (
            b"{\"title\": \"a\",}",
            "invalid character '}' looking for beginning of object key string",
        ),
        (
            b"{title: \"a\"}",
            "invalid character 't' looking for beginning of object key string",
        ),
        (
            b"{\"title\" \"a\"}",
            "invalid character '\"' after object key",
        ),
        (
            b"{\"title\"; \"a\"}",
            "invalid character ';' after object key",
        ),
        (
            b"{\"title\": \"a\" \"description\": \"b\"}",
            "invalid character '\"' after object key:value pair",
        ),
        (
            b"{\"submission_types\": [\"text\" \"file\"]}",
            "invalid character '\"' after array element",
        ),
        (
            b"{\"title\": 'a'}",
            "invalid character '\\'' looking for beginning of value",
        ),
        (
            b"{\"points_possible\": .5}",
            "invalid character '.' looking for beginning of value",
        ),
        (
            b"{\"points_possible\": 1.}",
            "invalid character '}' after decimal point in numeric literal",
        ),
        (
            b"{\"points_possible\": -}",
            "invalid character '}' in numeric literal",
        ),
        (
            b"{\"points_possible\": 1e}",
            "invalid character '}' in exponent of numeric literal",
        ),
        (
            b"{\"points_possible\": 01}",
            "invalid character '1' after object key:value pair",
        ),
        (
            b"{\"title\": tru}",
            "invalid character '}' in literal true (expecting 'e')",
        ),
        (
            b"{\"title\": nul}",
            "invalid character '}' in literal null (expecting 'l')",
        ),
        (
            b"{\"title\": False}",
            "invalid character 'F' looking for beginning of value",
        ),
        (
            b"{\"title\": \"a\tb\"}",
            "invalid character '\\t' in string literal",
        ),
        (
            b"{\"title\": \"\\u00zz\"}",
            "invalid character 'z' in \\u hexadecimal character escape",
        ),
        (b"{} {}", "invalid character '{' after top-level value"),
        (
            b"{\"title\": \"a\"}x",
            "invalid character 'x' after top-level value",
        ),
        (
            b"\xef\xbb\xbf{}",
            "invalid character '\u{ef}' looking for beginning of value",
        ),
        (
            b"{\"title\": \x00}",
            "invalid character '\\x00' looking for beginning of value",
        ),
    ];
    for (body, expected) in table {
        let response = c.raw("POST", &c.assignments(), body);
        assert_message(&response, 400, expected);
    }
}

#[test]
fn json_type_errors_use_gos_unmarshal_wording() {
    let c = clever();
    let mut body = valid_assignment();
    body["title"] = json!(5);
    let response = c.json("POST", &c.assignments(), &body);
    assert_message(
        &response,
        400,
        "json: cannot unmarshal number into Go struct field AssignmentRequest.title of type string",
    );
    let response = c.raw("POST", &c.assignments(), b"[]");
    assert_message(
        &response,
        400,
        "json: cannot unmarshal array into Go value of type models.AssignmentRequest",
    );
}

// ---------------------------------------------------------------------------------------------
// Undocumented answers and robustness.
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_section_has_nothing() {
    let c = clever();
    let response = c.json(
        "POST",
        "/v3.1/sections/000000000000000000000000/assignments",
        &valid_assignment(),
    );
    assert_message(&response, 404, "Section not found");
}

#[test]
fn concurrent_creates_get_distinct_ids() {
    let c = clever();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16).map(|_| s.spawn(|| c.create())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 16);
}

#[test]
fn odd_inputs_get_an_answer() {
    let c = clever();
    let id = c.create();
    let deep = "[".repeat(20_000);
    let nested_ok = format!(
        "{{\"x\": {}{}, \"title\": \"t\"}}",
        "[".repeat(9_000),
        "]".repeat(9_000)
    );
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00],
        b"{\"title\": \"\xff\xfe\"}".to_vec(),
        deep.into_bytes(),
        nested_ok.into_bytes(),
        b"null".to_vec(),
        b"   ".to_vec(),
        b"\"\\ud800\"".to_vec(),
        b"{\"max_attempts\": 99999999999999999999}".to_vec(),
    ];
    for body in &bodies {
        for path in [
            c.assignments(),
            c.assignment(&id),
            c.submission(&id, &c.student),
        ] {
            let method = if path == c.assignments() {
                "POST"
            } else {
                "PATCH"
            };
            let response = c.raw(method, &path, body);
            assert!(
                (200..500).contains(&response.status),
                "{path}: {}",
                response.status
            );
        }
    }
    for path in [
        "/v3.1",
        "/v3.1/",
        "/v3.1/sections",
        "/v3.1/sections//assignments",
        "/v3.1/sections/x/assignments/y/submissions/z/extra",
        "/v3.1/sections/\u{e9}/assignments/\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
    ] {
        let response = c.send(c.authed("GET", path));
        assert!(response.status >= 400, "{path}");
    }
    let response = c.send(
        c.authed("GET", &c.assignment(&id))
            .with_header("Authorization", &"x".repeat(100_000)),
    );
    assert_message(&response, 403, "Could not authorize token");
}
