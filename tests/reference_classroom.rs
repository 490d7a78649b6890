//! The embedded Google Classroom reference, driven the way a user of the harness drives it:
//! through `Reference` with the built-in fixtures. Every documented request error has a
//! hand-written triggering sequence here and the exact answer it must give; the documented
//! `@<ErrorType>` prefixes are written out literally (copied from the seed), never taken
//! from the module, so a typo in the module fails here.

use std::collections::BTreeMap;

use confuzz::reference::{Config, Reference};
use confuzz::{Request, Response};
use serde_json::{json, Map, Value};

/// One fresh reference instance serving only the Classroom vendor, with its fixtures.
struct World {
    reference: Reference,
    fixtures: Map<String, Value>,
}

impl World {
    fn new() -> Self {
        World::with(Config::default())
    }

    fn with(config: Config) -> Self {
        let reference = Reference::with_vendors(config, &["classroom".to_string()])
            .expect("the classroom vendor is registered");
        let fixtures = reference.fixtures();
        World {
            reference,
            fixtures,
        }
    }

    fn fixture(&self, name: &str) -> String {
        self.fixtures
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("fixture {name} is a string"))
            .to_string()
    }

    fn limit(&self, name: &str) -> u64 {
        self.fixtures
            .get(&format!("classroom.limit.{name}"))
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("fixture classroom.limit.{name} is a number"))
    }

    fn pool(&self) -> Vec<String> {
        self.fixtures["classroom.user_ids"]
            .as_array()
            .expect("classroom.user_ids is an array")
            .iter()
            .map(|v| v.as_str().expect("user ids are strings").to_string())
            .collect()
    }

    fn token(&self) -> String {
        self.fixture("classroom.token")
    }

    fn send(&self, request: Request) -> Response {
        self.reference.handle(&request)
    }

    /// A request with the admin token.
    fn admin(&self, method: &str, path: &str) -> Request {
        Request::new(method, path).with_bearer(&self.token())
    }

    fn post(&self, path: &str, body: Value) -> Response {
        self.send(self.admin("POST", path).with_json(&body))
    }

    fn patch(&self, course_id: &str, mask: &str, body: Value) -> Response {
        self.send(
            self.admin("PATCH", &format!("/v1/courses/{course_id}"))
                .with_query("updateMask", mask)
                .with_json(&body),
        )
    }

    /// Creates a course in `state` and answers (id, enrollment code).
    fn course(&self, state: &str) -> (String, String) {
        let response = self.post(
            "/v1/courses",
            json!({
                "name": "Biology 101",
                "ownerId": self.fixture("classroom.owner_id"),
                "courseState": state,
            }),
        );
        let body = ok(&response);
        (
            body["id"].as_str().expect("course id").to_string(),
            body["enrollmentCode"]
                .as_str()
                .expect("enrollment code")
                .to_string(),
        )
    }

    fn add_student(&self, course_id: &str, user_id: &str) -> Response {
        self.post(
            &format!("/v1/courses/{course_id}/students"),
            json!({"userId": user_id}),
        )
    }

    fn join(&self, course_id: &str, code: &str, user_id: &str) -> Response {
        self.send(
            self.admin("POST", &format!("/v1/courses/{course_id}/students"))
                .with_query("enrollmentCode", code)
                .with_json(&json!({"userId": user_id})),
        )
    }

    fn add_teacher(&self, course_id: &str, user_id: &str) -> Response {
        self.post(
            &format!("/v1/courses/{course_id}/teachers"),
            json!({"userId": user_id}),
        )
    }
}

/// A 200 answer's JSON body.
fn ok(response: &Response) -> Value {
    assert_eq!(
        response.status,
        200,
        "expected 200, got {}: {}",
        response.status,
        response.text_body()
    );
    response.json_body().expect("a JSON body")
}

/// Asserts Google's error envelope, exactly: `{"error": {"code", "message", "status"}}` with
/// `code` equal to the HTTP status, and (when given) the message starting with the prefix.
fn assert_error(response: &Response, status: u16, canonical: &str, prefix: Option<&str>) {
    assert_eq!(
        response.status,
        status,
        "unexpected answer: {}",
        response.text_body()
    );
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    let body = response.json_body().expect("a JSON error body");
    let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["error"]);
    let error = body["error"].as_object().expect("error is an object");
    let keys: Vec<&str> = error.keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "message", "status"]);
    assert_eq!(error["code"], json!(status));
    assert_eq!(error["status"], json!(canonical));
    let message = error["message"].as_str().expect("message is a string");
    match prefix {
        Some(prefix) => {
            assert!(
                message.starts_with(prefix),
                "message {message:?} does not start with {prefix:?}"
            );
            assert!(message.len() > prefix.len(), "a readable text follows");
        }
        None => assert!(
            !message.starts_with('@'),
            "an undocumented answer carries no @Type: {message:?}"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn fixtures_name_every_spec_fixture() {
    let world = World::new();
    for name in [
        "classroom.token",
        "classroom.service_account_token",
        "classroom.low_quota_token",
        "classroom.owner_id",
        "classroom.visible_drive_file_id",
        "classroom.hidden_drive_file_id",
    ] {
        assert!(!world.fixture(name).is_empty(), "{name}");
    }
    let pool = world.pool();
    assert!(pool.len() >= 200);
    let distinct: std::collections::BTreeSet<&String> = pool.iter().collect();
    assert_eq!(distinct.len(), pool.len());
    assert!(!pool.contains(&world.fixture("classroom.owner_id")));
    assert_eq!(world.limit("course_members"), 5);
    assert_eq!(world.limit("course_teachers"), 3);
    assert_eq!(world.limit("user_courses"), 4);
    assert_eq!(world.limit("daily_joins"), 3);
    assert_eq!(world.limit("requests_per_minute"), 5);
    assert_eq!(
        world
            .send(Request::new("GET", "/__conformance/capabilities"))
            .json_body(),
        Some(json!({"faults": ["internal"], "vendors": ["classroom"]}))
    );
}

#[test]
fn fixtures_report_the_limits_set_at_start() {
    let limits: BTreeMap<String, u64> = [
        ("classroom.course_members", 2),
        ("classroom.course_teachers", 1),
        ("classroom.user_courses", 7),
        ("classroom.daily_joins", 6),
        ("classroom.requests_per_minute", 9),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let world = World::with(Config::default().limits(limits));
    assert_eq!(world.limit("course_members"), 2);
    assert_eq!(world.limit("course_teachers"), 1);
    assert_eq!(world.limit("user_courses"), 7);
    assert_eq!(world.limit("daily_joins"), 6);
    assert_eq!(world.limit("requests_per_minute"), 9);
    // The values are the ones in force.
    let (course, _) = world.course("ACTIVE");
    let pool = world.pool();
    assert_eq!(world.add_student(&course, &pool[0]).status, 200);
    assert_eq!(world.add_student(&course, &pool[1]).status, 200);
    assert_error(
        &world.add_student(&course, &pool[2]),
        400,
        "FAILED_PRECONDITION",
        Some("@CourseMemberLimitReached "),
    );
}

// ---------------------------------------------------------------------------------------------
// One valid request per endpoint
// ---------------------------------------------------------------------------------------------

#[test]
fn courses_create_answers_the_course_resource() {
    let world = World::new();
    let owner = world.fixture("classroom.owner_id");
    let response = world.post(
        "/v1/courses",
        json!({"name": "Chemistry 2", "ownerId": owner, "section": "Period 3"}),
    );
    let course = ok(&response);
    let id = course["id"].as_str().expect("id");
    assert!(!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(course["name"], "Chemistry 2");
    assert_eq!(course["section"], "Period 3");
    assert_eq!(course["ownerId"], json!(owner));
    assert_eq!(course["courseState"], "PROVISIONED", "the default state");
    assert!(course["enrollmentCode"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    assert!(course["creationTime"].is_string());

    let active = ok(&world.post(
        "/v1/courses",
        json!({"name": "Chemistry 3", "ownerId": "me", "courseState": "ACTIVE"}),
    ));
    assert_eq!(active["courseState"], "ACTIVE");
    assert_ne!(active["id"], course["id"]);

    for (body, why) in [
        (json!({"ownerId": owner}), "name is required"),
        (json!({"name": "X"}), "ownerId is required"),
        (json!({"name": 5, "ownerId": owner}), "name is a string"),
        (
            json!({"name": "X", "ownerId": owner, "courseState": "ARCHIVED"}),
            "new courses are ACTIVE or PROVISIONED",
        ),
    ] {
        let response = world.post("/v1/courses", body);
        assert_eq!(response.status, 400, "{why}");
        assert_error(&response, 400, "INVALID_ARGUMENT", None);
    }
    assert_error(
        &world.post("/v1/courses", json!({"name": "X", "ownerId": "4"})),
        404,
        "NOT_FOUND",
        None,
    );
}

#[test]
fn courses_patch_updates_the_masked_fields() {
    let world = World::new();
    let (course, _) = world.course("PROVISIONED");
    let patched = ok(&world.patch(
        &course,
        "name,room",
        json!({"name": "Biology 102", "room": "B-12", "section": "ignored"}),
    ));
    assert_eq!(patched["name"], "Biology 102");
    assert_eq!(patched["room"], "B-12");
    assert!(
        patched.get("section").is_none(),
        "fields outside the mask stay"
    );
    assert_eq!(patched["courseState"], "PROVISIONED");

    let activated = ok(&world.patch(&course, "courseState", json!({"courseState": "ACTIVE"})));
    assert_eq!(activated["courseState"], "ACTIVE");
}

#[test]
fn courses_patch_requires_a_valid_mask() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let no_mask = world.send(
        world
            .admin("PATCH", &format!("/v1/courses/{course}"))
            .with_json(&json!({"name": "X"})),
    );
    assert_error(&no_mask, 400, "INVALID_ARGUMENT", None);
    for mask in ["", "title", "name,", "name,enrollmentCode"] {
        assert_error(
            &world.patch(&course, mask, json!({"name": "X"})),
            400,
            "INVALID_ARGUMENT",
            None,
        );
    }
    assert_error(
        &world.patch(
            &course,
            "courseState",
            json!({"courseState": "PROVISIONED"}),
        ),
        400,
        "FAILED_PRECONDITION",
        None,
    );
    assert_error(
        &world.patch("999", "name", json!({"name": "X"})),
        404,
        "NOT_FOUND",
        None,
    );
}

#[test]
fn students_create_answers_the_student() {
    let world = World::new();
    let (course, code) = world.course("ACTIVE");
    let pool = world.pool();
    let student = ok(&world.add_student(&course, &pool[0]));
    assert_eq!(student["courseId"], json!(course));
    assert_eq!(student["userId"], json!(pool[0]));
    assert_eq!(student["profile"]["id"], json!(pool[0]));
    assert!(student["profile"]["emailAddress"].is_string());

    let joined = ok(&world.join(&course, &code, &pool[1]));
    assert_eq!(joined["userId"], json!(pool[1]));

    // The same user twice is ALREADY_EXISTS, as is the owner.
    assert_error(
        &world.add_student(&course, &pool[0]),
        409,
        "ALREADY_EXISTS",
        None,
    );
    assert_error(
        &world.add_student(&course, &world.fixture("classroom.owner_id")),
        409,
        "ALREADY_EXISTS",
        None,
    );
    // A wrong enrollment code, an unknown user, an unknown course.
    assert_error(
        &world.join(&course, "zzzzzzz", &pool[2]),
        400,
        "INVALID_ARGUMENT",
        None,
    );
    assert_error(&world.add_student(&course, "42"), 404, "NOT_FOUND", None);
    assert_error(&world.add_student("42", &pool[2]), 404, "NOT_FOUND", None);
    assert_error(
        &world.post(&format!("/v1/courses/{course}/students"), json!({})),
        400,
        "INVALID_ARGUMENT",
        None,
    );
}

#[test]
fn teachers_create_and_delete() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let pool = world.pool();
    let teacher = ok(&world.add_teacher(&course, &pool[0]));
    assert_eq!(teacher["courseId"], json!(course));
    assert_eq!(teacher["userId"], json!(pool[0]));
    assert_error(
        &world.add_teacher(&course, &pool[0]),
        409,
        "ALREADY_EXISTS",
        None,
    );

    let path = format!("/v1/courses/{course}/teachers/{}", pool[0]);
    let deleted = world.send(world.admin("DELETE", &path));
    assert_eq!(ok(&deleted), json!({}));
    assert_error(
        &world.send(world.admin("DELETE", &path)),
        404,
        "NOT_FOUND",
        None,
    );
    let owner = world.fixture("classroom.owner_id");
    assert_error(
        &world.send(world.admin("DELETE", &format!("/v1/courses/{course}/teachers/{owner}"))),
        400,
        "FAILED_PRECONDITION",
        Some("@CannotRemoveCourseOwner "),
    );
}

#[test]
fn course_work_create_answers_the_course_work() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let visible = world.fixture("classroom.visible_drive_file_id");
    let work = ok(&world.post(
        &format!("/v1/courses/{course}/courseWork"),
        json!({
            "title": "Lab report 1",
            "workType": "ASSIGNMENT",
            "state": "PUBLISHED",
            "maxPoints": 100,
            "materials": [
                {"driveFile": {"driveFile": {"id": visible}, "shareMode": "STUDENT_COPY"}},
                {"link": {"url": "https://example.edu/lab"}},
            ],
        }),
    ));
    assert_eq!(work["courseId"], json!(course));
    assert!(work["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(work["title"], "Lab report 1");
    assert_eq!(work["workType"], "ASSIGNMENT");
    assert_eq!(work["state"], "PUBLISHED");
    assert_eq!(
        work["materials"][0]["driveFile"]["driveFile"]["id"],
        json!(visible)
    );

    let draft = ok(&world.post(
        &format!("/v1/courses/{course}/courseWork"),
        json!({"title": "Quick check", "workType": "SHORT_ANSWER_QUESTION"}),
    ));
    assert_eq!(draft["state"], "DRAFT");

    for body in [
        json!({"workType": "ASSIGNMENT"}),
        json!({"title": "T"}),
        json!({"title": "T", "workType": "ESSAY"}),
        json!({"title": "T", "workType": "ASSIGNMENT", "materials": [{}]}),
        json!({"title": "T", "workType": "ASSIGNMENT", "materials": [{"form": {"formUrl": "x"}}]}),
        json!({"title": "T", "workType": "ASSIGNMENT", "materials": [{"driveFile": {}}]}),
    ] {
        assert_error(
            &world.post(&format!("/v1/courses/{course}/courseWork"), body),
            400,
            "INVALID_ARGUMENT",
            None,
        );
    }
    assert_error(
        &world.post(
            "/v1/courses/1/courseWork",
            json!({"title": "T", "workType": "ASSIGNMENT"}),
        ),
        404,
        "NOT_FOUND",
        None,
    );
}

fn registration(feed_type: &str, course_id: Option<&str>) -> Value {
    let mut feed = json!({"feedType": feed_type});
    if let Some(course_id) = course_id {
        let field = if feed_type == "COURSE_WORK_CHANGES" {
            "courseWorkChangesInfo"
        } else {
            "courseRosterChangesInfo"
        };
        feed[field] = json!({"courseId": course_id});
    }
    json!({
        "feed": feed,
        "cloudPubsubTopic": {"topicName": "projects/school-sync/topics/classroom-events"},
    })
}

#[test]
fn registrations_create_answers_the_registration() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let domain = ok(&world.post(
        "/v1/registrations",
        registration("DOMAIN_ROSTER_CHANGES", None),
    ));
    assert!(domain["registrationId"].is_string());
    assert!(domain["expiryTime"].is_string());
    assert_eq!(domain["feed"]["feedType"], "DOMAIN_ROSTER_CHANGES");
    let roster = ok(&world.post(
        "/v1/registrations",
        registration("COURSE_ROSTER_CHANGES", Some(&course)),
    ));
    assert_eq!(
        roster["feed"]["courseRosterChangesInfo"]["courseId"],
        json!(course)
    );
    assert_error(
        &world.post(
            "/v1/registrations",
            registration("COURSE_WORK_CHANGES", None),
        ),
        400,
        "INVALID_ARGUMENT",
        None,
    );
    assert_error(
        &world.post(
            "/v1/registrations",
            json!({"feed": {"feedType": "DOMAIN_ROSTER_CHANGES"},
                   "cloudPubsubTopic": {"topicName": "my-topic"}}),
        ),
        400,
        "INVALID_ARGUMENT",
        None,
    );
    assert_error(
        &world.post(
            "/v1/registrations",
            registration("COURSE_WORK_CHANGES", Some("77")),
        ),
        404,
        "NOT_FOUND",
        None,
    );
}

// ---------------------------------------------------------------------------------------------
// The documented rows
// ---------------------------------------------------------------------------------------------

// See: row CourseMemberLimitReached
#[test]
fn course_member_limit_reached_after_the_limit_of_students() {
    let world = World::new();
    let limit = world.limit("course_members");
    let pool = world.pool();
    let (course, _) = world.course("ACTIVE");
    // Teachers do not count towards the member limit.
    for teacher in &pool[100..102] {
        assert_eq!(world.add_teacher(&course, teacher).status, 200);
    }
    for (i, student) in pool.iter().take(limit as usize).enumerate() {
        let response = world.add_student(&course, student);
        assert_eq!(response.status, 200, "student {} of {limit}", i + 1);
    }
    let over = world.add_student(&course, &pool[limit as usize]);
    assert_error(
        &over,
        400,
        "FAILED_PRECONDITION",
        Some("@CourseMemberLimitReached "),
    );
    // Another course still takes that student.
    let (other, _) = world.course("ACTIVE");
    assert_eq!(world.add_student(&other, &pool[limit as usize]).status, 200);
}

// See: row CourseNotModifiable
#[test]
fn course_not_modifiable_when_archived_and_more_than_the_state_changes() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    ok(&world.patch(&course, "courseState", json!({"courseState": "ARCHIVED"})));
    let rename = world.patch(&course, "name", json!({"name": "Biology 101 (old)"}));
    assert_error(
        &rename,
        400,
        "FAILED_PRECONDITION",
        Some("@CourseNotModifiable "),
    );
    // Staying ARCHIVED while renaming changes more than the state, too.
    assert_error(
        &world.patch(
            &course,
            "name,courseState",
            json!({"name": "X", "courseState": "ARCHIVED"}),
        ),
        400,
        "FAILED_PRECONDITION",
        Some("@CourseNotModifiable "),
    );
    // Roster changes on an ARCHIVED course are refused the same way.
    assert_error(
        &world.add_student(&course, &world.pool()[0]),
        400,
        "FAILED_PRECONDITION",
        Some("@CourseNotModifiable "),
    );
}

#[test]
fn course_not_modifiable_when_declined() {
    let world = World::new();
    let (course, _) = world.course("PROVISIONED");
    ok(&world.patch(&course, "courseState", json!({"courseState": "DECLINED"})));
    assert_error(
        &world.patch(&course, "room", json!({"room": "C-3"})),
        400,
        "FAILED_PRECONDITION",
        Some("@CourseNotModifiable "),
    );
    // DECLINED may move back to PROVISIONED, with other fields in the same patch.
    let back = ok(&world.patch(
        &course,
        "courseState,room",
        json!({"courseState": "PROVISIONED", "room": "C-3"}),
    ));
    assert_eq!(back["courseState"], "PROVISIONED");
    assert_eq!(back["room"], "C-3");
}

#[test]
fn course_not_modifiable_is_not_raised_for_state_changes() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    ok(&world.patch(&course, "courseState", json!({"courseState": "ARCHIVED"})));
    // Only the state: allowed, also when it does not change.
    let same = ok(&world.patch(&course, "courseState", json!({"courseState": "ARCHIVED"})));
    assert_eq!(same["courseState"], "ARCHIVED");
    // State and name together, the state leaving ARCHIVED for ACTIVE: allowed.
    let revived = ok(&world.patch(
        &course,
        "courseState,name",
        json!({"courseState": "ACTIVE", "name": "Biology 101 (2025)"}),
    ));
    assert_eq!(revived["courseState"], "ACTIVE");
    assert_eq!(revived["name"], "Biology 101 (2025)");
    // An ACTIVE course is modifiable.
    ok(&world.patch(&course, "name", json!({"name": "Biology 101"})));
}

// See: row CourseTeacherLimitReached
#[test]
fn course_teacher_limit_reached_after_the_limit_of_co_teachers() {
    let world = World::new();
    let limit = world.limit("course_teachers");
    let pool = world.pool();
    let (course, _) = world.course("ACTIVE");
    // The owner is a teacher already and is not counted.
    for (i, teacher) in pool.iter().take(limit as usize).enumerate() {
        let response = world.add_teacher(&course, teacher);
        assert_eq!(response.status, 200, "teacher {} of {limit}", i + 1);
    }
    let over = world.add_teacher(&course, &pool[limit as usize]);
    assert_error(
        &over,
        400,
        "FAILED_PRECONDITION",
        Some("@CourseTeacherLimitReached "),
    );
    // teachers.delete makes room again.
    let path = format!("/v1/courses/{course}/teachers/{}", pool[0]);
    ok(&world.send(world.admin("DELETE", &path)));
    assert_eq!(
        world.add_teacher(&course, &pool[limit as usize]).status,
        200
    );
}

// See: row UserGroupsMembershipLimitReached
#[test]
fn user_groups_membership_limit_reached_after_the_limit_of_courses() {
    let world = World::new();
    let limit = world.limit("user_courses");
    let pool = world.pool();
    let user = &pool[0];
    // Owning courses is not a membership.
    for _ in 0..limit + 1 {
        ok(&world.post(
            "/v1/courses",
            json!({"name": "Owned", "ownerId": user, "courseState": "ACTIVE"}),
        ));
    }
    // Memberships as student and teacher both count.
    for i in 0..limit {
        let (course, _) = world.course("ACTIVE");
        let response = if i % 2 == 0 {
            world.add_student(&course, user)
        } else {
            world.add_teacher(&course, user)
        };
        assert_eq!(response.status, 200, "membership {} of {limit}", i + 1);
    }
    let (course, _) = world.course("ACTIVE");
    assert_error(
        &world.add_student(&course, user),
        400,
        "FAILED_PRECONDITION",
        Some("@UserGroupsMembershipLimitReached "),
    );
    assert_error(
        &world.add_teacher(&course, user),
        400,
        "FAILED_PRECONDITION",
        Some("@UserGroupsMembershipLimitReached "),
    );
}

// See: row AttachmentNotVisible
#[test]
fn attachment_not_visible_for_hidden_or_missing_drive_files() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let path = format!("/v1/courses/{course}/courseWork");
    for file_id in [
        world.fixture("classroom.hidden_drive_file_id"),
        "1NoSuchFileXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".to_string(),
    ] {
        let response = world.post(
            &path,
            json!({
                "title": "Reading",
                "workType": "ASSIGNMENT",
                "materials": [{"driveFile": {"driveFile": {"id": file_id}}}],
            }),
        );
        assert_error(
            &response,
            400,
            "FAILED_PRECONDITION",
            Some("@AttachmentNotVisible "),
        );
    }
}

// See: row MissingGrant
#[test]
fn missing_grant_for_the_service_account_token() {
    let world = World::new();
    let token = world.fixture("classroom.service_account_token");
    let response = world.send(
        Request::new("POST", "/v1/registrations")
            .with_bearer(&token)
            .with_json(&registration("DOMAIN_ROSTER_CHANGES", None)),
    );
    assert_error(&response, 403, "PERMISSION_DENIED", Some("@MissingGrant "));
    // The same token may do everything else.
    let created = world.send(
        Request::new("POST", "/v1/courses")
            .with_bearer(&token)
            .with_json(&json!({"name": "Synced", "ownerId": world.fixture("classroom.owner_id")})),
    );
    assert_eq!(created.status, 200);
}

// See: row generic RESOURCE_EXHAUSTED quota
#[test]
fn quota_exhausted_after_the_requests_per_minute() {
    let world = World::new();
    let limit = world.limit("requests_per_minute");
    let token = world.fixture("classroom.low_quota_token");
    let create = || {
        world.send(
            Request::new("POST", "/v1/courses")
                .with_bearer(&token)
                .with_json(&json!({"name": "Batch", "ownerId": "me"})),
        )
    };
    for i in 0..limit {
        assert_eq!(create().status, 200, "request {} of {limit}", i + 1);
    }
    for _ in 0..3 {
        let response = create();
        assert_error(&response, 429, "RESOURCE_EXHAUSTED", None);
    }
    // Other tokens are not limited.
    for _ in 0..limit + 2 {
        ok(&world.post(
            "/v1/courses",
            json!({"name": "Admin", "ownerId": world.fixture("classroom.owner_id")}),
        ));
    }
}

// See: row UserCourseJoinRateLimitReached
#[test]
fn join_rate_limit_reached_after_the_daily_joins() {
    let world = World::new();
    let limit = world.limit("daily_joins");
    let pool = world.pool();
    let user = &pool[0];
    // Direct adds by an administrator are not joins.
    for _ in 0..limit {
        let (course, _) = world.course("ACTIVE");
        ok(&world.add_student(&course, &pool[1]));
    }
    for i in 0..limit {
        let (course, code) = world.course("ACTIVE");
        assert_eq!(
            world.join(&course, &code, user).status,
            200,
            "join {} of {limit}",
            i + 1
        );
    }
    let (course, code) = world.course("ACTIVE");
    assert_error(
        &world.join(&course, &code, user),
        429,
        "RESOURCE_EXHAUSTED",
        Some("@UserCourseJoinRateLimitReached "),
    );
    // The user who was only added directly can still join.
    ok(&world.join(&course, &code, &pool[1]));
}

#[test]
fn join_rate_limit_counts_joins_as_me() {
    let world = World::new();
    let limit = world.limit("daily_joins");
    for _ in 0..limit {
        let (course, _) = world.course("ACTIVE");
        let me = ok(&world.add_student(&course, "me"));
        assert!(me["userId"].as_str().is_some_and(|id| id != "me"));
    }
    let (course, code) = world.course("ACTIVE");
    assert_error(
        &world.join(&course, &code, "me"),
        429,
        "RESOURCE_EXHAUSTED",
        Some("@UserCourseJoinRateLimitReached "),
    );
}

// See: row INTERNAL
#[test]
fn internal_on_every_endpoint_under_the_fault() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let pool = world.pool();
    ok(&world.add_teacher(&course, &pool[9]));
    let requests = vec![
        world
            .admin("POST", "/v1/courses")
            .with_json(&json!({"name": "X", "ownerId": world.fixture("classroom.owner_id")})),
        world
            .admin("PATCH", &format!("/v1/courses/{course}"))
            .with_query("updateMask", "name")
            .with_json(&json!({"name": "Y"})),
        world
            .admin("POST", &format!("/v1/courses/{course}/students"))
            .with_json(&json!({"userId": pool[0]})),
        world
            .admin("POST", &format!("/v1/courses/{course}/teachers"))
            .with_json(&json!({"userId": pool[1]})),
        world.admin(
            "DELETE",
            &format!("/v1/courses/{course}/teachers/{}", pool[9]),
        ),
        world
            .admin("POST", &format!("/v1/courses/{course}/courseWork"))
            .with_json(&json!({"title": "T", "workType": "ASSIGNMENT"})),
        world
            .admin("POST", "/v1/registrations")
            .with_json(&registration("DOMAIN_ROSTER_CHANGES", None)),
    ];
    for request in requests {
        let faulted = request
            .clone()
            .with_header("X-Conformance-Fault", "internal");
        assert_error(&world.send(faulted), 500, "INTERNAL", None);
        // Without the fault the same request succeeds: the fault changed nothing.
        assert_eq!(world.send(request.clone()).status, 200, "{request:?}");
    }
}

#[test]
fn the_fault_header_is_ignored_outside_test_mode() {
    let world = World::with(Config::default().test_hooks(false));
    let response = world.send(
        world
            .admin("POST", "/v1/courses")
            .with_header("X-Conformance-Fault", "internal")
            .with_json(&json!({"name": "X", "ownerId": "me"})),
    );
    assert_eq!(response.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Undocumented standard answers
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_or_unknown_tokens_are_unauthenticated() {
    let world = World::new();
    let body = json!({"name": "X", "ownerId": "me"});
    for request in [
        Request::new("POST", "/v1/courses").with_json(&body),
        Request::new("POST", "/v1/courses")
            .with_bearer("ya29.not-a-token")
            .with_json(&body),
        Request::new("POST", "/v1/courses")
            .with_header("Authorization", "Basic dXNlcjpwYXNz")
            .with_json(&body),
        Request::new("POST", "/v1/courses")
            .with_header("Authorization", "Bearer ")
            .with_json(&body),
    ] {
        let response = world.send(request);
        assert_error(&response, 401, "UNAUTHENTICATED", None);
        assert!(response.header("WWW-Authenticate").is_some());
    }
}

#[test]
fn wrong_methods_and_unknown_paths() {
    let world = World::new();
    for (method, path, allow) in [
        ("GET", "/v1/courses", "POST"),
        ("DELETE", "/v1/courses/1", "PATCH"),
        ("PUT", "/v1/courses/1/students", "POST"),
        ("GET", "/v1/courses/1/teachers/2", "DELETE"),
        ("PATCH", "/v1/registrations", "POST"),
        ("post", "/v1/courses", "POST"),
    ] {
        let response = world.send(world.admin(method, path));
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("Allow"), Some(allow));
        assert_eq!(response.json_body().expect("json")["error"]["code"], 405);
    }
    for path in [
        "/v1/invitations",
        "/v1",
        "/v1/courses/1/students/2/x",
        "/v1//",
    ] {
        assert_error(
            &world.send(world.admin("GET", path)),
            404,
            "NOT_FOUND",
            None,
        );
    }
}

#[test]
fn odd_inputs_get_an_answer() {
    let world = World::new();
    let (course, _) = world.course("ACTIVE");
    let deep = "[".repeat(50_000);
    let bodies: Vec<Vec<u8>> = vec![
        b"\xff\xfe\xfd".to_vec(),
        deep.into_bytes(),
        b"null".to_vec(),
        b"{\"name\": \"\\ud800\"}".to_vec(),
        br#"{"userId": {"a": 1}, "name": [], "feed": 3, "materials": {}}"#.to_vec(),
        br#"{"title": "T", "workType": "ASSIGNMENT", "materials": [1, null, "x"]}"#.to_vec(),
    ];
    let paths = [
        "/v1/courses".to_string(),
        format!("/v1/courses/{course}/students"),
        format!("/v1/courses/{course}/teachers"),
        format!("/v1/courses/{course}/courseWork"),
        "/v1/registrations".to_string(),
    ];
    for path in &paths {
        for body in &bodies {
            let response = world.send(world.admin("POST", path).with_body(body.clone()));
            assert_eq!(
                response.status,
                400,
                "{path} {:?}",
                String::from_utf8_lossy(body)
            );
            assert!(response.json_body().is_some());
        }
    }
    let huge_header = "x".repeat(100_000);
    let response =
        world.send(Request::new("POST", "/v1/courses").with_header("Authorization", &huge_header));
    assert_eq!(response.status, 401);
    let response = world.send(
        world
            .admin("POST", "/v1/courses/%ff%00/students")
            .with_json(&json!({"userId": world.pool()[0]})),
    );
    assert_error(&response, 404, "NOT_FOUND", None);
    let response = world.send(
        world
            .admin("PATCH", &format!("/v1/courses/{course}"))
            .with_query("updateMask", "\u{0}é,name")
            .with_body(b"{}".to_vec()),
    );
    assert_error(&response, 400, "INVALID_ARGUMENT", None);
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[test]
fn racing_students_past_the_member_limit_yield_exactly_limit_successes() {
    let world = World::new();
    let limit = world.limit("course_members") as usize;
    let pool = world.pool();
    let (course, _) = world.course("ACTIVE");
    let threads = 24;
    let statuses: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = pool
            .iter()
            .take(threads)
            .map(|user| {
                let world = &world;
                let course = &course;
                scope.spawn(move || {
                    let response = world.add_student(course, user);
                    (response.status, response.json_body().unwrap_or(Value::Null))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no thread panics"))
            .collect()
    });
    let successes = statuses.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(successes, limit);
    for (status, body) in statuses.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 400);
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("@CourseMemberLimitReached ")));
    }
}

#[test]
fn racing_the_same_student_yields_one_success() {
    let world = World::new();
    let pool = world.pool();
    let (course, _) = world.course("ACTIVE");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| world.add_student(&course, &pool[0]).status))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no thread panics"))
            .collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1);
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409));
}
