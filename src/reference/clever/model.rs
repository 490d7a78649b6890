//! The main types here are [`AssignmentRequest`] and [`SubmissionRequest`]: the two request
//! bodies of the grade passback API, decoded the way the Go service decodes them (first
//! `encoding/json`, then go-swagger's enum validation) and their records, [`Assignment`] and
//! [`Submission`], rendered as the API renders them.
//!
//! Not for: routing, authentication or state (see `api` and `store`).

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::go_json::{self, DecodeError, Decoded, GoStruct, GoType, GoValue};

/// `submission_types[]` values [doc: v3.1-lms.yml].
pub const SUBMISSION_TYPES: &[&str] = &["link", "file", "text", "discussion"];
/// `assignee_mode` values [doc].
pub const ASSIGNEE_MODES: &[&str] = &["all", "individuals"];
/// `grading_type` values [doc].
pub const GRADING_TYPES: &[&str] = &["points", "percent", "pass_fail", "letter_grade"];
/// Submission `flags[]` values [doc].
pub const SUBMISSION_FLAGS: &[&str] = &["excused", "late", "missing"];
/// Submission `state` values [doc].
pub const SUBMISSION_STATES: &[&str] = &["created", "submitted", "returned", "reclaimed"];

const ASSIGNMENT_REQUEST: GoStruct = GoStruct {
    type_name: "models.AssignmentRequest",
    struct_name: "AssignmentRequest",
    fields: &[
        ("title", GoType::String),
        ("description", GoType::String),
        ("description_plaintext", GoType::String),
        ("due_date", GoType::String),
        ("assignee_mode", GoType::String),
        ("assignee_ids", GoType::StringSlice),
        ("grading_type", GoType::String),
        ("max_attempts", GoType::Int64),
        ("points_possible", GoType::Float64),
        ("submission_types", GoType::StringSlice),
        ("term_id", GoType::String),
    ],
};

const SUBMISSION_REQUEST: GoStruct = GoStruct {
    type_name: "models.SubmissionRequest",
    struct_name: "SubmissionRequest",
    fields: &[
        ("grade", GoType::String),
        ("grade_points", GoType::Float64),
        ("grade_comment", GoType::String),
        ("grader_id", GoType::String),
        ("flags", GoType::StringSlice),
        ("extra_attempts", GoType::Int64),
        ("override_due_date", GoType::String),
        ("state", GoType::String),
    ],
};

/// Why a body was refused before any record was looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The request had no body: `request body is required, but was empty`.
    Empty,
    /// The body is not JSON.
    Syntax(go_json::SyntaxError),
    /// The body is JSON of the wrong shape (Go's `UnmarshalTypeError` text).
    Type(String),
    /// go-swagger's enum validation: the lines after `validation failure list:\n`.
    Validation(Vec<String>),
}

/// Decodes a body as Go would: an empty body (nothing but whitespace) is refused first.
fn decode(body: &[u8], target: &GoStruct) -> Result<Decoded, BodyError> {
    // A body of only whitespace counts as no body: Go's `json.Unmarshal` would say
    // "unexpected end of JSON input", but the request carries nothing to read either way.
    if body.iter().all(|c| c.is_ascii_whitespace()) {
        return Err(BodyError::Empty);
    }
    go_json::unmarshal(body, target).map_err(|e| match e {
        DecodeError::Syntax(s) => BodyError::Syntax(s),
        DecodeError::Type(t) => BodyError::Type(t),
    })
}

/// Go's zero-value reading of a plain `string` field: absent, `null` and `""` are all unset.
fn string(decoded: &Decoded, name: &str) -> Option<String> {
    match decoded.get(name) {
        Some(GoValue::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn strings(decoded: &Decoded, name: &str) -> Option<Vec<String>> {
    match decoded.get(name) {
        Some(GoValue::Strings(v)) => Some(v.clone()),
        _ => None,
    }
}

fn int(decoded: &Decoded, name: &str) -> Option<i64> {
    match decoded.get(name) {
        Some(GoValue::Int(n)) => Some(*n),
        _ => None,
    }
}

fn float(decoded: &Decoded, name: &str) -> Option<f64> {
    match decoded.get(name) {
        Some(GoValue::Float(f)) => Some(*f),
        _ => None,
    }
}

/// go-swagger's `EnumCase` message: `<path> in body should be one of [a b c]`.
fn enum_failure(path: &str, allowed: &[&str]) -> String {
    format!("{path} in body should be one of [{}]", allowed.join(" "))
}

/// A string field in an enum: an unset (zero) value is not validated, as go-swagger skips zero
/// values of optional fields.
fn check_enum(failures: &mut Vec<String>, name: &str, value: &Option<String>, allowed: &[&str]) {
    if let Some(v) = value {
        if !allowed.contains(&v.as_str()) {
            failures.push(enum_failure(name, allowed));
        }
    }
}

/// A string array in an enum: every item is validated (an empty or `null` item is `""` and
/// fails); only the first bad index is reported.
fn check_enum_items(
    failures: &mut Vec<String>,
    name: &str,
    items: &Option<Vec<String>>,
    allowed: &[&str],
) {
    let bad = items
        .iter()
        .flatten()
        .position(|item| !allowed.contains(&item.as_str()));
    if let Some(index) = bad {
        failures.push(enum_failure(&format!("{name}.{index}"), allowed));
    }
}

/// The body of create and update assignment.
#[derive(Debug, Clone, Default)]
pub struct AssignmentRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    pub description_plaintext: Option<String>,
    pub due_date: Option<String>,
    pub assignee_mode: Option<String>,
    pub assignee_ids: Option<Vec<String>>,
    pub grading_type: Option<String>,
    pub max_attempts: Option<i64>,
    pub points_possible: Option<f64>,
    pub submission_types: Option<Vec<String>>,
    pub term_id: Option<String>,
}

impl AssignmentRequest {
    /// Decodes the body (empty body, JSON syntax, JSON types, in that order).
    pub fn decode(body: &[u8]) -> Result<Self, BodyError> {
        let d = decode(body, &ASSIGNMENT_REQUEST)?;
        Ok(AssignmentRequest {
            title: string(&d, "title"),
            description: string(&d, "description"),
            description_plaintext: string(&d, "description_plaintext"),
            due_date: string(&d, "due_date"),
            assignee_mode: string(&d, "assignee_mode"),
            assignee_ids: strings(&d, "assignee_ids"),
            grading_type: string(&d, "grading_type"),
            max_attempts: int(&d, "max_attempts"),
            points_possible: float(&d, "points_possible"),
            submission_types: strings(&d, "submission_types"),
            term_id: string(&d, "term_id"),
        })
    }

    /// The required fields that are unset, in the documented order.
    pub fn missing_required(&self) -> Vec<&'static str> {
        [
            ("title", self.title.is_none()),
            ("description", self.description.is_none()),
            ("due_date", self.due_date.is_none()),
        ]
        .into_iter()
        .filter(|(_, missing)| *missing)
        .map(|(name, _)| name)
        .collect()
    }

    /// go-swagger's enum validation, one line per failing field, in field order.
    pub fn validate_enums(&self) -> Result<(), BodyError> {
        let mut failures = Vec::new();
        check_enum(
            &mut failures,
            "assignee_mode",
            &self.assignee_mode,
            ASSIGNEE_MODES,
        );
        check_enum(
            &mut failures,
            "grading_type",
            &self.grading_type,
            GRADING_TYPES,
        );
        check_enum_items(
            &mut failures,
            "submission_types",
            &self.submission_types,
            SUBMISSION_TYPES,
        );
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BodyError::Validation(failures))
        }
    }
}

/// The body of update submission.
#[derive(Debug, Clone, Default)]
pub struct SubmissionRequest {
    pub grade: Option<String>,
    pub grade_points: Option<f64>,
    pub grade_comment: Option<String>,
    pub grader_id: Option<String>,
    pub flags: Option<Vec<String>>,
    pub extra_attempts: Option<i64>,
    pub override_due_date: Option<String>,
    pub state: Option<String>,
}

impl SubmissionRequest {
    /// Decodes the body (empty body, JSON syntax, JSON types, in that order).
    pub fn decode(body: &[u8]) -> Result<Self, BodyError> {
        let d = decode(body, &SUBMISSION_REQUEST)?;
        Ok(SubmissionRequest {
            grade: string(&d, "grade"),
            grade_points: float(&d, "grade_points"),
            grade_comment: string(&d, "grade_comment"),
            grader_id: string(&d, "grader_id"),
            flags: strings(&d, "flags"),
            extra_attempts: int(&d, "extra_attempts"),
            override_due_date: string(&d, "override_due_date"),
            state: string(&d, "state"),
        })
    }

    /// go-swagger's enum validation, one line per failing field, in field order.
    pub fn validate_enums(&self) -> Result<(), BodyError> {
        let mut failures = Vec::new();
        check_enum_items(&mut failures, "flags", &self.flags, SUBMISSION_FLAGS);
        check_enum(&mut failures, "state", &self.state, SUBMISSION_STATES);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BodyError::Validation(failures))
        }
    }
}

/// Clever's date-time format: RFC 3339, UTC, milliseconds.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// One assignment of one section.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub id: String,
    pub section_id: String,
    pub title: String,
    pub description: String,
    pub description_plaintext: Option<String>,
    pub due_date: DateTime<Utc>,
    pub assignee_mode: String,
    pub assignee_ids: Vec<String>,
    pub grading_type: Option<String>,
    pub max_attempts: Option<i64>,
    pub points_possible: Option<f64>,
    pub submission_types: Vec<String>,
    pub term_id: Option<String>,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
}

impl Assignment {
    /// Whether `user_id` (enrolled in the section) is assigned this assignment.
    pub fn assigns(&self, user_id: &str) -> bool {
        self.assignee_mode != "individuals" || self.assignee_ids.iter().any(|id| id == user_id)
    }

    /// The `Assignment` object of the API.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("title".into(), json!(self.title));
        m.insert("description".into(), json!(self.description));
        if let Some(v) = &self.description_plaintext {
            m.insert("description_plaintext".into(), json!(v));
        }
        m.insert("due_date".into(), json!(format_time(&self.due_date)));
        m.insert("assignee_mode".into(), json!(self.assignee_mode));
        if self.assignee_mode == "individuals" {
            m.insert("assignee_ids".into(), json!(self.assignee_ids));
        }
        if let Some(v) = &self.grading_type {
            m.insert("grading_type".into(), json!(v));
        }
        if let Some(v) = self.max_attempts {
            m.insert("max_attempts".into(), json!(v));
        }
        if let Some(v) = self.points_possible {
            m.insert("points_possible".into(), json!(v));
        }
        m.insert("submission_types".into(), json!(self.submission_types));
        if let Some(v) = &self.term_id {
            m.insert("term_id".into(), json!(v));
        }
        m.insert("state".into(), json!("open"));
        m.insert("created".into(), json!(format_time(&self.created)));
        m.insert(
            "last_modified".into(),
            json!(format_time(&self.last_modified)),
        );
        Value::Object(m)
    }
}

/// One student's submission for one assignment.
#[derive(Debug, Clone)]
pub struct Submission {
    pub user_id: String,
    pub grade: Option<String>,
    pub grade_points: Option<f64>,
    pub grade_comment: Option<String>,
    pub grader_id: Option<String>,
    pub flags: Vec<String>,
    pub extra_attempts: Option<i64>,
    pub override_due_date: Option<DateTime<Utc>>,
    pub state: String,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
}

impl Submission {
    /// The submission that exists for an assigned student before anyone touched it.
    pub fn new(user_id: &str, created: DateTime<Utc>) -> Self {
        Submission {
            user_id: user_id.to_string(),
            grade: None,
            grade_points: None,
            grade_comment: None,
            grader_id: None,
            flags: Vec::new(),
            extra_attempts: None,
            override_due_date: None,
            state: "created".to_string(),
            created,
            last_modified: created,
        }
    }

    /// The `Submission` object of the API (`id` is deprecated and empty).
    pub fn to_json(&self, assignment_id: &str) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(""));
        m.insert("assignment_id".into(), json!(assignment_id));
        m.insert("user_id".into(), json!(self.user_id));
        m.insert("state".into(), json!(self.state));
        if let Some(v) = &self.grade {
            m.insert("grade".into(), json!(v));
        }
        if let Some(v) = self.grade_points {
            m.insert("grade_points".into(), json!(v));
        }
        if let Some(v) = &self.grade_comment {
            m.insert("grade_comment".into(), json!(v));
        }
        if let Some(v) = &self.grader_id {
            m.insert("grader_id".into(), json!(v));
        }
        m.insert("flags".into(), json!(self.flags));
        if let Some(v) = self.extra_attempts {
            m.insert("extra_attempts".into(), json!(v));
        }
        if let Some(v) = &self.override_due_date {
            m.insert("override_due_date".into(), json!(format_time(v)));
        }
        m.insert("created".into(), json!(format_time(&self.created)));
        m.insert(
            "last_modified".into(),
            json!(format_time(&self.last_modified)),
        );
        Value::Object(m)
    }
}
