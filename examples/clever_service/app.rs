//! A small implementation of Clever's LMS Connect grade passback API (v3.1) in axum:
//! assignments of a section and the submissions of its students, kept in memory.
//!
//! It answers errors the way Clever documents them (`{"message": ...}` bodies, Go's JSON and
//! time parsing messages, 405 with no body) except for one bug, left in on purpose: the test
//! in `conformance.rs` finds it, and the README's "Test your implementation with cargo test"
//! walks through fixing it.
//!
//! Each handler checks in the order the real service does: routing (405 before anything
//! else), the bearer token, the section, the assignment id in the path, then the body.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::format::ParseErrorKind;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

/// Who the service knows: the district-app token, and one section with its teacher and
/// enrolled students.
#[derive(Debug, Clone)]
pub struct Roster {
    pub token: String,
    pub section_id: String,
    pub teacher_id: String,
    pub student_ids: Vec<String>,
}

impl Roster {
    /// The district the example runs with.
    pub fn demo() -> Self {
        Roster {
            token: "demo-district-app-token-7f3a".to_string(),
            section_id: "5f1b2c3d4e5f6a7b8c9d0e1f".to_string(),
            teacher_id: "5f1b2c3d4e5f6a7b8c9d0e20".to_string(),
            student_ids: vec![
                "5f1b2c3d4e5f6a7b8c9d0e21".to_string(),
                "5f1b2c3d4e5f6a7b8c9d0e22".to_string(),
            ],
        }
    }
}

/// The submission types Clever accepts, in the order its validation message lists them.
const SUBMISSION_TYPES: [&str; 4] = ["link", "file", "text", "discussion"];
/// The fields every new assignment needs, in the order the "missing" message lists them.
const REQUIRED: [&str; 3] = ["title", "description", "due_date"];
const NO_AUTHORIZATION: &str = "No authorization provided";

struct Service {
    roster: Roster,
    assignments: Mutex<HashMap<String, Assignment>>,
    next_id: AtomicU64,
}

struct Assignment {
    fields: Map<String, Value>,
    deleted: bool,
    /// Per student id: the grading fields set so far.
    submissions: BTreeMap<String, Map<String, Value>>,
}

type Shared = Arc<Service>;

/// The service's routes, under `/v3.1`.
pub fn router(roster: Roster) -> Router {
    let service = Arc::new(Service {
        roster,
        assignments: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
    });
    let assignment = "/v3.1/sections/{section_id}/assignments/{assignment_id}";
    Router::new()
        .route(
            "/v3.1/sections/{section_id}/assignments",
            post(create_assignment),
        )
        .route(
            assignment,
            get(get_assignment)
                .patch(update_assignment)
                .delete(delete_assignment),
        )
        .route(&format!("{assignment}/submissions"), get(list_submissions))
        .route(
            &format!("{assignment}/submissions/{{user_id}}"),
            get(get_submission).patch(update_submission),
        )
        .with_state(service)
}

// ---- answers ---------------------------------------------------------------------------------

/// An error answer: a status and Clever's `{"message": ...}` body, or Go's text as a plain body.
/// (405 needs none of this: axum's router answers it, with no body, before any handler.)
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    plain_text: bool,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            plain_text: false,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.plain_text {
            let text = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
            return (self.status, text, self.message).into_response();
        }
        json_response(self.status, &json!({ "message": self.message }))
    }
}

type Answer = Result<Response, ApiError>;

fn json_response(status: StatusCode, value: &Value) -> Response {
    let json = [(header::CONTENT_TYPE, "application/json")];
    (status, json, value.to_string()).into_response()
}

fn data(value: Value) -> Answer {
    Ok(json_response(StatusCode::OK, &json!({ "data": value })))
}

// ---- checks every route makes ----------------------------------------------------------------

impl Service {
    fn assignments(&self) -> MutexGuard<'_, HashMap<String, Assignment>> {
        self.assignments.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Authorization: Bearer <district-app token>`.
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        if value.is_empty() {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, NO_AUTHORIZATION));
        }
        match value.split_once(' ') {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("bearer") && token.trim() == self.roster.token =>
            {
                Ok(())
            }
            _ => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Could not authorize token",
            )),
        }
    }

    /// The token, then the section.
    fn section(&self, headers: &HeaderMap, section_id: &str) -> Result<(), ApiError> {
        self.authorize(headers)?;
        if section_id != self.roster.section_id {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "Section not found"));
        }
        Ok(())
    }

    /// The token, the section, then the assignment id: the id of a live assignment.
    fn assignment(
        &self,
        headers: &HeaderMap,
        section_id: &str,
        id: &str,
    ) -> Result<String, ApiError> {
        self.section(headers, section_id)?;
        if !is_uuid(id) {
            return Err(ApiError::bad_request("INVALID_ID"));
        }
        let id = id.to_ascii_lowercase();
        match self.assignments().get(&id) {
            Some(a) if !a.deleted => Ok(id),
            _ => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "Assignment does not exist",
            )),
        }
    }

    /// A student enrolled in the section.
    fn enrolled(&self, user_id: &str) -> Result<(), ApiError> {
        if !self.roster.student_ids.iter().any(|s| s == user_id) {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "User not found"));
        }
        Ok(())
    }

    fn new_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let h = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 40) & 0xfff,
            n
        )
    }
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

// ---- bodies ----------------------------------------------------------------------------------

/// The JSON object of a body, or the answer Clever's Go service gives to one it cannot read.
fn decode(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "request body is required, but was empty",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ApiError::bad_request(
            "json: cannot unmarshal non-object into Go value",
        )),
        Err(e) => Err(syntax_error(body, &e)),
    }
}

/// serde_json's syntax errors in the words of Go's `encoding/json`, which clients of the API
/// match on. An invalid string escape is answered in plain text, as Clever does.
fn syntax_error(body: &[u8], e: &serde_json::Error) -> ApiError {
    if e.is_eof() {
        return ApiError::bad_request("unexpected end of JSON input");
    }
    let c = offending_char(body, e.line(), e.column()).unwrap_or(' ');
    let text = e.to_string();
    let context = if text.starts_with("invalid escape") {
        return ApiError {
            plain_text: true,
            ..ApiError::bad_request(format!("invalid character '{c}' in string escape code"))
        };
    } else if text.starts_with("expected value") {
        "looking for beginning of value"
    } else if text.starts_with("expected `,` or `}`") {
        "after object key:value pair"
    } else if text.starts_with("expected `,` or `]`") {
        "after array element"
    } else if text.starts_with("expected `:`") {
        "after object key"
    } else if text.starts_with("key must be a string") {
        "looking for beginning of object key string"
    } else if text.starts_with("trailing characters") {
        "after top-level value"
    } else {
        return ApiError::bad_request(text);
    };
    ApiError::bad_request(format!("invalid character '{c}' {context}"))
}

/// The character at serde_json's 1-based line and column.
fn offending_char(body: &[u8], line: usize, column: usize) -> Option<char> {
    let start: usize = body
        .split(|b| *b == b'\n')
        .take(line.checked_sub(1)?)
        .map(|l| l.len() + 1)
        .sum();
    let rest = body.get(start + column.checked_sub(1)?..)?;
    String::from_utf8_lossy(rest).chars().next()
}

/// A field that must be a string when present; `null` and `""` count as absent.
fn string_field(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!(
            "json: cannot unmarshal {name} into Go struct field of type string"
        ))),
    }
}

fn check_submission_types(fields: &Map<String, Value>) -> Result<(), ApiError> {
    let Some(Value::Array(types)) = fields.get("submission_types") else {
        return Ok(());
    };
    match types
        .iter()
        .position(|t| !t.as_str().is_some_and(|t| SUBMISSION_TYPES.contains(&t)))
    {
        Some(i) => Err(ApiError::bad_request(format!(
            "validation failure list:\nsubmission_types.{i} in body should be one of [{}]",
            SUBMISSION_TYPES.join(" ")
        ))),
        None => Ok(()),
    }
}

/// A due date Go's RFC 3339 parser accepts, in the future, as stored.
fn due_date(value: &str) -> Result<String, ApiError> {
    match DateTime::parse_from_rfc3339(value) {
        Ok(t) if t.with_timezone(&Utc) > Utc::now() => Ok(t
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true)),
        Ok(_) => Err(ApiError::bad_request("due_date must be in the future")),
        Err(e) if e.kind() == ParseErrorKind::OutOfRange => Err(ApiError::bad_request(format!(
            "parsing time \"{value}\": {} out of range",
            out_of_range(value)
        ))),
        Err(_) => Err(ApiError::bad_request(format!(
            "parsing time \"{value}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse"
        ))),
    }
}

/// Which part of a well-shaped but impossible timestamp is out of range, as Go names it.
fn out_of_range(value: &str) -> &'static str {
    let part = |from: usize, to: usize| value.get(from..to).and_then(|s| s.parse::<u32>().ok());
    match (part(0, 4), part(5, 7), part(8, 10)) {
        (_, Some(m), _) if !(1..=12).contains(&m) => "month",
        (Some(y), Some(m), Some(d)) if NaiveDate::from_ymd_opt(y as i32, m, d).is_none() => "day",
        _ if part(11, 13).is_some_and(|h| h > 23) => "hour",
        _ if part(14, 16).is_some_and(|m| m > 59) => "minute",
        _ => "second",
    }
}

// ---- assignments -----------------------------------------------------------------------------

async fn create_assignment(
    State(service): State<Shared>,
    Path(section_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    service.section(&headers, &section_id)?;
    let mut fields = decode(&body)?;
    let mut missing = Vec::new();
    for name in REQUIRED {
        if string_field(&fields, name)?.is_none() {
            missing.push(name);
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::bad_request(format!(
            "missing required field(s): {}",
            missing.join(", ")
        )));
    }
    check_submission_types(&fields)?;
    let due = due_date(fields["due_date"].as_str().unwrap_or_default())?;
    let id = service.new_id();
    fields.insert("id".into(), json!(id));
    fields.insert("section_id".into(), json!(section_id));
    fields.insert("due_date".into(), json!(due));
    fields
        .entry("assignee_mode")
        .or_insert_with(|| json!("all"));
    let answer = Value::Object(fields.clone());
    let assignment = Assignment {
        fields,
        deleted: false,
        submissions: BTreeMap::new(),
    };
    service.assignments().insert(id, assignment);
    data(answer)
}

async fn get_assignment(
    State(service): State<Shared>,
    Path((section_id, assignment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let id = service.assignment(&headers, &section_id, &assignment_id)?;
    let fields = service.assignments()[&id].fields.clone();
    data(Value::Object(fields))
}

async fn update_assignment(
    State(service): State<Shared>,
    Path((section_id, assignment_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let id = service.assignment(&headers, &section_id, &assignment_id)?;
    let mut changes = decode(&body)?;
    check_submission_types(&changes)?;
    if let Some(value) = string_field(&changes, "due_date")? {
        changes.insert("due_date".into(), json!(due_date(&value)?));
    }
    let mut assignments = service.assignments();
    let fields = &mut assignments
        .get_mut(&id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Assignment does not exist"))?
        .fields;
    for (name, value) in changes {
        if !value.is_null() && name != "id" && name != "section_id" {
            fields.insert(name, value);
        }
    }
    data(Value::Object(fields.clone()))
}

async fn delete_assignment(
    State(service): State<Shared>,
    Path((section_id, assignment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let id = service.assignment(&headers, &section_id, &assignment_id)?;
    if let Some(a) = service.assignments().get_mut(&id) {
        a.deleted = true;
    }
    data(json!({ "id": id }))
}

// ---- submissions -----------------------------------------------------------------------------

fn submission(assignment_id: &str, user_id: &str, grading: Option<&Map<String, Value>>) -> Value {
    let mut fields = Map::new();
    fields.insert("assignment_id".into(), json!(assignment_id));
    fields.insert("user_id".into(), json!(user_id));
    fields.insert("state".into(), json!("created"));
    fields.extend(grading.cloned().unwrap_or_default());
    Value::Object(fields)
}

async fn list_submissions(
    State(service): State<Shared>,
    Path((section_id, assignment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let id = service.assignment(&headers, &section_id, &assignment_id)?;
    let assignments = service.assignments();
    let graded = &assignments[&id].submissions;
    let list: Vec<Value> = service
        .roster
        .student_ids
        .iter()
        .map(|user| submission(&id, user, graded.get(user)))
        .collect();
    data(json!(list))
}

async fn get_submission(
    State(service): State<Shared>,
    Path((section_id, assignment_id, user_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    let id = service.assignment(&headers, &section_id, &assignment_id)?;
    service.enrolled(&user_id)?;
    let assignments = service.assignments();
    data(submission(
        &id,
        &user_id,
        assignments[&id].submissions.get(&user_id),
    ))
}

async fn update_submission(
    State(service): State<Shared>,
    Path((section_id, assignment_id, user_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let id = service.assignment(&headers, &section_id, &assignment_id)?;
    service.enrolled(&user_id)?;
    let changes = decode(&body)?;
    if let Some(grader) = string_field(&changes, "grader_id")? {
        if grader != service.roster.teacher_id {
            return Err(ApiError::bad_request(format!(
                "NOT_FOUND: Person with id clever:{grader} not found for this integration."
            )));
        }
    }
    let mut assignments = service.assignments();
    let assignment = assignments
        .get_mut(&id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Assignment does not exist"))?;
    let grading = assignment.submissions.entry(user_id.clone()).or_default();
    grading.extend(changes.into_iter().filter(|(_, v)| !v.is_null()));
    data(submission(&id, &user_id, Some(grading)))
}
