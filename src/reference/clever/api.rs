//! The main type here is [`CleverReference`]: Clever LMS Connect grade passback (API v3.1) as
//! the reference serves it. Each endpoint below reads in the order the service processes a
//! request:
//!
//! 1. routing: an unknown path answers 404; a known path with a method it does not support
//!    answers 405 with an empty body, before authentication [doc: seed; spec decision];
//! 2. authentication: no `Authorization` header answers 401 `No authorization provided`, any
//!    other token than the district-app token answers 403 `Could not authorize token` [doc];
//! 3. path: an unknown section answers 404 `Section not found` (undocumented), an
//!    `assignment_id` that is not a UUID answers 400 `INVALID_ID`, an unknown or deleted
//!    assignment 404 `Assignment does not exist`, a student who is not enrolled in the section
//!    (or not assigned the assignment) 404 `User not found` [doc];
//! 4. body: none at all answers `request body is required, but was empty`; then Go's JSON
//!    syntax and type errors; then the documented field rules; then lookups the body names
//!    (`grader_id`).
//!
//! Every error body is `{"message": "<text>"}` [doc], except the invalid string escape (its
//! Go error as plain text) and 405 (no body) [doc: seed].
//!
//! The mutants (`MUTANTS`, see `Config::mutant`) are deliberate deviations from the documented
//! answers, each guarded by `config.mutant_is(..)` where it applies.
//!
//! Not for: faults (this vendor documents none).

use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Map, Value};

use super::go_time;
use super::model::{Assignment, AssignmentRequest, BodyError, SubmissionRequest, ASSIGNEE_MODES};
use super::store::{self, is_uuid, AssignmentRecord, Store};
use crate::reference::{Config, Hooks, VendorReference};
use crate::target::{Request, Response};

/// The base path of every route [doc].
const BASE_PATH: &str = "/v3.1";

/// The embedded Clever grade passback API.
pub struct CleverReference {
    config: Config,
    store: Mutex<Store>,
}

/// The deliberate deviations this reference can be started with (`Config::mutant`).
const MUTANTS: &[(&str, &str)] = &[
    (
        "clever.deleted-still-served",
        "DELETE answers 200 but keeps the assignment: a later GET still serves it",
    ),
    (
        "clever.deleted-revived-by-patch",
        "a deleted assignment is still served: PATCH of it succeeds and brings it back",
    ),
    (
        "clever.update-not-persisted",
        "PATCH answers the updated assignment but does not store the change",
    ),
    (
        "clever.auth-statuses-swapped",
        "no token answers 403 and a bad token 401 (the documented statuses swapped)",
    ),
    (
        "clever.any-bearer-token-accepted",
        "the bearer token is never compared: any token is authorized",
    ),
    (
        "clever.missing-fields-reversed",
        "missing required fields are listed in reverse of the documented order",
    ),
    (
        "clever.missing-fields-first-only",
        "only the first missing required field is listed",
    ),
    (
        "clever.missing-fields-all-listed",
        "every required field is listed, missing or not",
    ),
    (
        "clever.invalid-escape-json",
        "the invalid string escape answers a JSON body instead of the documented plain text",
    ),
    (
        "clever.method-not-allowed-body",
        "405 carries a JSON message where the document shows an empty body",
    ),
    (
        "clever.grader-echoes-student",
        "the unknown-grader message echoes the student's id instead of grader_id",
    ),
    (
        "clever.day-out-of-range-reworded",
        "an impossible due_date day answers a message that neither documented reading gives",
    ),
    (
        "clever.invalid-id-plain-text",
        "INVALID_ID is answered as plain text instead of the JSON envelope",
    ),
    (
        "clever.empty-body-500",
        "an empty create body answers 500 instead of 400",
    ),
    (
        "clever.past-due-date-accepted",
        "a due_date in the past is accepted",
    ),
    (
        "clever.auth-error-extra-field",
        "401 and 403 bodies carry an extra status member besides message",
    ),
];

impl Default for CleverReference {
    fn default() -> Self {
        Self::new(&Config::default())
    }
}

impl CleverReference {
    /// A reference with the built-in district and no assignments.
    pub fn new(config: &Config) -> Self {
        CleverReference {
            config: config.clone(),
            store: Mutex::new(Store::new(config.retain)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic elsewhere cannot leave the store half-written: every change is a plain
        // insert or field assignment, so a poisoned lock is still consistent.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `{"message": text}` with a status.
fn message(status: u16, text: &str) -> Response {
    Response::json(status, &json!({ "message": text }))
}

/// `{"data": value}`, 200.
fn data(value: Value) -> Response {
    Response::json(200, &json!({ "data": value }))
}

/// The answer to a body that was refused before any lookup.
fn body_error(config: &Config, error: BodyError) -> Response {
    match error {
        BodyError::Empty if config.mutant_is("clever.empty-body-500") => {
            message(500, "Internal Server Error")
        }
        BodyError::Empty => message(400, "request body is required, but was empty"),
        // The invalid string escape is documented with a plain-text body, Go's error as is
        // (the seed capitalises it; this is Go's own lowercase text, matched
        // case-insensitively, as the spec decides).
        BodyError::Syntax(e)
            if e.context == "in string escape code"
                && !config.mutant_is("clever.invalid-escape-json") =>
        {
            Response::text(400, &e.msg)
        }
        BodyError::Syntax(e) => message(400, &e.msg),
        BodyError::Type(text) => message(400, &text),
        BodyError::Validation(lines) => message(
            400,
            &format!("validation failure list:\n{}", lines.join("\n")),
        ),
    }
}

/// The routes of the API, relative to [`BASE_PATH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    /// `/sections/{section_id}/assignments`
    Assignments { section: &'a str },
    /// `/sections/{section_id}/assignments/{assignment_id}`
    Assignment {
        section: &'a str,
        assignment: &'a str,
    },
    /// `/sections/{section_id}/assignments/{assignment_id}/submissions`
    Submissions {
        section: &'a str,
        assignment: &'a str,
    },
    /// `/sections/{section_id}/assignments/{assignment_id}/submissions/{user_id}`
    Submission {
        section: &'a str,
        assignment: &'a str,
        user: &'a str,
    },
}

impl<'a> Route<'a> {
    fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix(BASE_PATH)?.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        match segments.as_slice() {
            ["sections", section, "assignments"] => Some(Route::Assignments { section }),
            ["sections", section, "assignments", assignment] => Some(Route::Assignment {
                section,
                assignment,
            }),
            ["sections", section, "assignments", assignment, "submissions"] => {
                Some(Route::Submissions {
                    section,
                    assignment,
                })
            }
            ["sections", section, "assignments", assignment, "submissions", user] => {
                Some(Route::Submission {
                    section,
                    assignment,
                    user,
                })
            }
            _ => None,
        }
    }

    /// The methods the route supports [doc: v3.1-lms.yml]. There is no endpoint that lists
    /// assignments and none that creates or deletes a submission.
    fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Assignments { .. } => &["POST"],
            Route::Assignment { .. } => &["GET", "PATCH", "DELETE"],
            Route::Submissions { .. } => &["GET"],
            Route::Submission { .. } => &["GET", "PATCH"],
        }
    }
}

impl VendorReference for CleverReference {
    fn vendor(&self) -> &'static str {
        "clever"
    }

    fn owns(&self, path: &str) -> bool {
        path == BASE_PATH || path.starts_with("/v3.1/")
    }

    fn handle(&self, request: &Request, _hooks: &Hooks) -> Response {
        // Routing. An unknown path under /v3.1 is undocumented: 404 in the error envelope.
        let Some(route) = Route::parse(&request.path) else {
            return message(404, "Not Found");
        };
        // 405 is decided before authentication, with an empty body [doc]. Methods are
        // case-sensitive and HEAD/OPTIONS are not among the documented operations.
        let methods = route.methods();
        if !methods.contains(&request.method.as_str()) {
            if self.config.mutant_is("clever.method-not-allowed-body") {
                return message(405, "Method Not Allowed")
                    .with_header("Allow", &methods.join(", "));
            }
            return Response::empty(405).with_header("Allow", &methods.join(", "));
        }
        if let Err(refusal) = authenticate(&self.config, request) {
            return refusal;
        }
        match (route, request.method.as_str()) {
            (Route::Assignments { section }, _) => self.create_assignment(section, request),
            (
                Route::Assignment {
                    section,
                    assignment,
                },
                "GET",
            ) => self.get_assignment(section, assignment),
            (
                Route::Assignment {
                    section,
                    assignment,
                },
                "PATCH",
            ) => self.update_assignment(section, assignment, request),
            (
                Route::Assignment {
                    section,
                    assignment,
                },
                _,
            ) => self.delete_assignment(section, assignment),
            (
                Route::Submissions {
                    section,
                    assignment,
                },
                _,
            ) => self.list_submissions(section, assignment),
            (
                Route::Submission {
                    section,
                    assignment,
                    user,
                },
                "GET",
            ) => self.get_submission(section, assignment, user),
            (
                Route::Submission {
                    section,
                    assignment,
                    user,
                },
                _,
            ) => self.update_submission(section, assignment, user, request),
        }
    }

    fn fixtures(&self) -> Map<String, Value> {
        store::fixtures()
    }

    fn faults(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn mutants(&self) -> Vec<(&'static str, &'static str)> {
        MUTANTS.to_vec()
    }
}

/// `Authorization: Bearer <district-app token>` [doc]. A missing or blank header is "no
/// authorization"; anything else that is not the token (another scheme included) fails to
/// authorize.
fn authenticate(config: &Config, request: &Request) -> Result<(), Response> {
    let (no_token, bad_token) = if config.mutant_is("clever.auth-statuses-swapped") {
        (403, 401)
    } else {
        (401, 403)
    };
    let refuse = |status: u16, text: &str| {
        if config.mutant_is("clever.auth-error-extra-field") {
            Response::json(status, &json!({ "message": text, "status": status }))
        } else {
            message(status, text)
        }
    };
    let header = request.header("Authorization").map(str::trim).unwrap_or("");
    if header.is_empty() {
        return Err(refuse(no_token, "No authorization provided"));
    }
    let token = header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim());
    if token != Some(store::TOKEN) && !config.mutant_is("clever.any-bearer-token-accepted") {
        return Err(refuse(bad_token, "Could not authorize token"));
    }
    Ok(())
}

/// The checks every route under a section makes first.
fn find_section<'s>(store: &'s Store, section_id: &str) -> Result<&'s store::Section, Response> {
    store
        .sections
        .get(section_id)
        .ok_or_else(|| message(404, "Section not found"))
}

/// The assignment named by the path: `INVALID_ID` for a malformed id, "does not exist" for an
/// unknown or deleted one or one of another section. UUIDs compare case-insensitively.
fn assignment_key(
    config: &Config,
    store: &Store,
    section_id: &str,
    assignment_id: &str,
) -> Result<String, Response> {
    if !is_uuid(assignment_id) {
        if config.mutant_is("clever.invalid-id-plain-text") {
            return Err(Response::text(400, "INVALID_ID"));
        }
        return Err(message(400, "INVALID_ID"));
    }
    let key = assignment_id.to_ascii_lowercase();
    match store.assignments.get(&key) {
        Some(record) if record.assignment.section_id == section_id => Ok(key),
        _ => Err(message(404, "Assignment does not exist")),
    }
}

/// A due date the API accepts: one Go can parse, in the future [doc].
fn due_date(config: &Config, value: &str) -> Result<chrono::DateTime<chrono::Utc>, Response> {
    let parsed = go_time::parse_due_date(value).map_err(|e| {
        if config.mutant_is("clever.day-out-of-range-reworded") {
            message(400, "due_date must be a valid date")
        } else {
            message(400, &e.to_string())
        }
    })?;
    if parsed <= store::now() && !config.mutant_is("clever.past-due-date-accepted") {
        return Err(message(400, "due_date must be in the future"));
    }
    Ok(parsed)
}

impl CleverReference {
    /// `POST /sections/{section_id}/assignments` [doc]: 200 `{"data": Assignment}`.
    fn create_assignment(&self, section_id: &str, request: &Request) -> Response {
        let mut store = self.lock();
        if let Err(r) = find_section(&store, section_id) {
            return r;
        }
        let body = match AssignmentRequest::decode(&request.body) {
            Ok(body) => body,
            Err(e) => return body_error(&self.config, e),
        };
        // Exactly the missing ones, in the order title, description, due_date [spec decision].
        let mut missing = body.missing_required();
        if self.config.mutant_is("clever.missing-fields-reversed") {
            missing.reverse();
        }
        if self.config.mutant_is("clever.missing-fields-first-only") {
            missing.truncate(1);
        }
        if self.config.mutant_is("clever.missing-fields-all-listed") && !missing.is_empty() {
            missing = vec!["title", "description", "due_date"];
        }
        if !missing.is_empty() {
            return message(
                400,
                &format!("missing required field(s): {}", missing.join(", ")),
            );
        }
        if let Err(e) = body.validate_enums() {
            return body_error(&self.config, e);
        }
        // A due_date with an impossible day answers Go's parse error here as on update; a
        // well-formed past date answers "due_date must be in the future".
        let due = match due_date(&self.config, body.due_date.as_deref().unwrap_or_default()) {
            Ok(due) => due,
            Err(r) => return r,
        };
        let now = store::now();
        let id = store.new_assignment_id();
        let assignment = Assignment {
            id: id.clone(),
            section_id: section_id.to_string(),
            title: body.title.unwrap_or_default(),
            description: body.description.unwrap_or_default(),
            description_plaintext: body.description_plaintext,
            due_date: due,
            // The default when the body does not say [doc: assignee_mode].
            assignee_mode: body
                .assignee_mode
                .unwrap_or_else(|| ASSIGNEE_MODES[0].to_string()),
            assignee_ids: body.assignee_ids.unwrap_or_default(),
            grading_type: body.grading_type,
            max_attempts: body.max_attempts,
            points_possible: body.points_possible,
            submission_types: body.submission_types.unwrap_or_default(),
            term_id: body.term_id,
            created: now,
            last_modified: now,
        };
        let answer = assignment.to_json();
        store.add_assignment(
            id,
            AssignmentRecord {
                assignment,
                submissions: Default::default(),
            },
        );
        data(answer)
    }

    /// `GET /sections/{section_id}/assignments/{assignment_id}` [doc].
    fn get_assignment(&self, section_id: &str, assignment_id: &str) -> Response {
        let store = self.lock();
        if let Err(r) = find_section(&store, section_id) {
            return r;
        }
        match assignment_key(&self.config, &store, section_id, assignment_id) {
            Ok(key) => match store.assignments.get(&key) {
                Some(record) => data(record.assignment.to_json()),
                None => message(404, "Assignment does not exist"),
            },
            Err(r) => r,
        }
    }

    /// `PATCH /sections/{section_id}/assignments/{assignment_id}` [doc]: the fields present
    /// replace the stored ones; unset (absent, `null` or `""`) fields are left as they are.
    fn update_assignment(
        &self,
        section_id: &str,
        assignment_id: &str,
        request: &Request,
    ) -> Response {
        let mut store = self.lock();
        if let Err(r) = find_section(&store, section_id) {
            return r;
        }
        if self.config.mutant_is("clever.deleted-revived-by-patch") {
            // A deleted assignment comes back on update instead of staying gone.
            let key = assignment_id.to_ascii_lowercase();
            if let Some(record) = store.deleted.remove(&key) {
                store.assignments.insert(key, record);
            }
        }
        let key = match assignment_key(&self.config, &store, section_id, assignment_id) {
            Ok(key) => key,
            Err(r) => return r,
        };
        let body = match AssignmentRequest::decode(&request.body) {
            Ok(body) => body,
            Err(e) => return body_error(&self.config, e),
        };
        if let Err(e) = body.validate_enums() {
            return body_error(&self.config, e);
        }
        // An impossible day answers `parsing time "<due_date>": day out of range` [doc]. The
        // spec accepts either row for a well-formed past date; this answers "due_date must
        // be in the future", the row whose text says so.
        let due = match body
            .due_date
            .as_deref()
            .map(|d| due_date(&self.config, d))
            .transpose()
        {
            Ok(due) => due,
            Err(r) => return r,
        };
        let Some(record) = store.assignments.get_mut(&key) else {
            return message(404, "Assignment does not exist");
        };
        let before = record.assignment.clone();
        let a = &mut record.assignment;
        if let Some(v) = body.title {
            a.title = v;
        }
        if let Some(v) = body.description {
            a.description = v;
        }
        if let Some(v) = body.description_plaintext {
            a.description_plaintext = Some(v);
        }
        if let Some(v) = due {
            a.due_date = v;
        }
        if let Some(v) = body.assignee_mode {
            a.assignee_mode = v;
        }
        if let Some(v) = body.assignee_ids {
            a.assignee_ids = v;
        }
        if let Some(v) = body.grading_type {
            a.grading_type = Some(v);
        }
        if let Some(v) = body.max_attempts {
            a.max_attempts = Some(v);
        }
        if let Some(v) = body.points_possible {
            a.points_possible = Some(v);
        }
        if let Some(v) = body.submission_types {
            a.submission_types = v;
        }
        if let Some(v) = body.term_id {
            a.term_id = Some(v);
        }
        a.last_modified = store::now();
        let answer = data(a.to_json());
        if self.config.mutant_is("clever.update-not-persisted") {
            record.assignment = before;
        }
        answer
    }

    /// `DELETE /sections/{section_id}/assignments/{assignment_id}` [doc]: 200, no body. The
    /// assignment and its submissions are gone: later calls answer "Assignment does not exist".
    fn delete_assignment(&self, section_id: &str, assignment_id: &str) -> Response {
        let mut store = self.lock();
        if let Err(r) = find_section(&store, section_id) {
            return r;
        }
        match assignment_key(&self.config, &store, section_id, assignment_id) {
            Ok(key) => {
                if !self.config.mutant_is("clever.deleted-still-served") {
                    let record = store.assignments.remove(&key);
                    if let Some(record) = record {
                        if self.config.mutant_is("clever.deleted-revived-by-patch") {
                            store.deleted.insert(key, record);
                        }
                    }
                }
                Response::empty(200)
            }
            Err(r) => r,
        }
    }

    /// `GET .../assignments/{assignment_id}/submissions` [doc]: one submission per assigned
    /// student, `{"data": [...], "links": []}`. The roster is small enough for one page, so
    /// `cursor` and `limit` are not read and there is never a `next` link.
    fn list_submissions(&self, section_id: &str, assignment_id: &str) -> Response {
        let store = self.lock();
        let section = match find_section(&store, section_id) {
            Ok(section) => section,
            Err(r) => return r,
        };
        let key = match assignment_key(&self.config, &store, section_id, assignment_id) {
            Ok(key) => key,
            Err(r) => return r,
        };
        let Some(record) = store.assignments.get(&key) else {
            return message(404, "Assignment does not exist");
        };
        let list: Vec<Value> = section
            .student_ids
            .iter()
            .filter(|user| record.assignment.assigns(user))
            .map(|user| record.submission(user).to_json(&record.assignment.id))
            .collect();
        Response::json(200, &json!({ "data": list, "links": [] }))
    }

    /// The submission route's checks before its body: section, assignment, and a student who
    /// is enrolled in the section and assigned the assignment [doc: "User not found"].
    fn submission_key(
        config: &Config,
        store: &Store,
        section_id: &str,
        assignment_id: &str,
        user_id: &str,
    ) -> Result<String, Response> {
        let section = find_section(store, section_id)?;
        let key = assignment_key(config, store, section_id, assignment_id)?;
        let assigned = store
            .assignments
            .get(&key)
            .is_some_and(|record| record.assignment.assigns(user_id));
        if !section.student_ids.contains(user_id) || !assigned {
            return Err(message(404, "User not found"));
        }
        Ok(key)
    }

    /// `GET .../submissions/{user_id}` [doc].
    fn get_submission(&self, section_id: &str, assignment_id: &str, user_id: &str) -> Response {
        let store = self.lock();
        let key =
            match Self::submission_key(&self.config, &store, section_id, assignment_id, user_id) {
                Ok(key) => key,
                Err(r) => return r,
            };
        match store.assignments.get(&key) {
            Some(record) => data(record.submission(user_id).to_json(&record.assignment.id)),
            None => message(404, "Assignment does not exist"),
        }
    }

    /// `PATCH .../submissions/{user_id}` [doc]: grades a submission. The fields present replace
    /// the stored ones.
    fn update_submission(
        &self,
        section_id: &str,
        assignment_id: &str,
        user_id: &str,
        request: &Request,
    ) -> Response {
        let mut store = self.lock();
        let key =
            match Self::submission_key(&self.config, &store, section_id, assignment_id, user_id) {
                Ok(key) => key,
                Err(r) => return r,
            };
        let body = match SubmissionRequest::decode(&request.body) {
            Ok(body) => body,
            Err(e) => return body_error(&self.config, e),
        };
        if let Err(e) = body.validate_enums() {
            return body_error(&self.config, e);
        }
        // override_due_date is read like due_date but may lie in the past (it extends or
        // shortens one student's deadline).
        let override_due = match body
            .override_due_date
            .as_deref()
            .map(go_time::parse_due_date)
        {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => return message(400, &e.to_string()),
            None => None,
        };
        // The grader is looked up among the district's teachers [doc: seed row]; a student's
        // id is not a grader either.
        if let Some(grader) = &body.grader_id {
            if !store.teachers.contains(grader) {
                let grader = if self.config.mutant_is("clever.grader-echoes-student") {
                    user_id
                } else {
                    grader.as_str()
                };
                return message(
                    400,
                    &format!(
                        "NOT_FOUND: Person with id clever:{grader} not found for this integration."
                    ),
                );
            }
        }
        let Some(record) = store.assignments.get_mut(&key) else {
            return message(404, "Assignment does not exist");
        };
        let assignment_id = record.assignment.id.clone();
        let s = record.submission_mut(user_id);
        if let Some(v) = body.grade {
            s.grade = Some(v);
        }
        if let Some(v) = body.grade_points {
            s.grade_points = Some(v);
        }
        if let Some(v) = body.grade_comment {
            s.grade_comment = Some(v);
        }
        if let Some(v) = body.grader_id {
            s.grader_id = Some(v);
        }
        if let Some(v) = body.flags {
            s.flags = v;
        }
        if let Some(v) = body.extra_attempts {
            s.extra_attempts = Some(v);
        }
        if let Some(v) = override_due {
            s.override_due_date = Some(v);
        }
        if let Some(v) = body.state {
            s.state = v;
        }
        s.last_modified = store::now();
        data(s.to_json(&assignment_id))
    }
}
