//! The main type here is [`ApiError`]: one Classroom error answer, rendered as Google's error
//! envelope `{"error": {"code": <http status>, "message": "@<ErrorType> <text>", "status":
//! "<CANONICAL>"}}`.
//!
//! The documented request errors come first, grouped by HTTP code in the order of the
//! Request Errors page. The undocumented answers (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
//! UNAUTHENTICATED, ...) follow, in the standard Google shape. Only documented types carry an
//! `@<ErrorType>` prefix; clients match it followed by a space, so every message puts a space
//! and a readable text after the type.
//!
//! Not for: deciding when an error applies. That is the job of the endpoint modules.

use serde_json::json;

use super::state::CourseState;
use crate::target::Response;

/// One error answer: HTTP status, canonical status name, message and any extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub canonical: &'static str,
    pub message: String,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    fn new(status: u16, canonical: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            canonical,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The answer as Google renders it.
    pub fn to_response(&self) -> Response {
        let mut response = Response::json(
            self.status,
            &json!({
                "error": {
                    "code": self.status,
                    "message": self.message,
                    "status": self.canonical,
                }
            }),
        );
        for (name, value) in &self.headers {
            response = response.with_header(name, value);
        }
        response
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP 400: FAILED_PRECONDITION
// ---------------------------------------------------------------------------------------------

/// CourseMemberLimitReached: the action would exceed the maximum number of course members
/// (typically students.create).
pub fn course_member_limit_reached(limit: u64) -> ApiError {
    ApiError::new(
        400,
        "FAILED_PRECONDITION",
        format!(
            "@CourseMemberLimitReached The course already has the maximum allowed number of \
             course members ({limit} students). Remove unnecessary course members and retry."
        ),
    )
}

/// CourseNotModifiable: the course is in a state that doesn't allow its properties to be
/// modified (other than the course state itself).
pub fn course_not_modifiable(state: CourseState) -> ApiError {
    ApiError::new(
        400,
        "FAILED_PRECONDITION",
        format!(
            "@CourseNotModifiable The course is {} and its properties cannot be modified other \
             than the course state. Change the course to a modifiable state with \
             courses.patch() and retry.",
            state.as_str()
        ),
    )
}

/// CourseTeacherLimitReached: the action would exceed the maximum number of course teachers
/// (typically teachers.create).
pub fn course_teacher_limit_reached(limit: u64) -> ApiError {
    ApiError::new(
        400,
        "FAILED_PRECONDITION",
        format!(
            "@CourseTeacherLimitReached The course already has the maximum allowed number of \
             course teachers ({limit} besides the owner). Remove unnecessary course teachers \
             and retry."
        ),
    )
}

/// UserGroupsMembershipLimitReached: the user is already a member of the maximum number of
/// groups and can't join any courses (students.create or teachers.create).
pub fn user_groups_membership_limit_reached(limit: u64) -> ApiError {
    ApiError::new(
        400,
        "FAILED_PRECONDITION",
        format!(
            "@UserGroupsMembershipLimitReached The user is already a member of the maximum \
             allowed number of groups ({limit} courses) and can't join any more courses."
        ),
    )
}

/// AttachmentNotVisible: an attachment is not visible to the user, not of the requested type,
/// or does not exist.
pub fn attachment_not_visible(drive_file_id: &str) -> ApiError {
    ApiError::new(
        400,
        "FAILED_PRECONDITION",
        format!(
            "@AttachmentNotVisible The Drive file {drive_file_id} is not visible to the user, \
             not of the requested type, or does not exist."
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// HTTP 403: PERMISSION_DENIED
// ---------------------------------------------------------------------------------------------

/// MissingGrant: a push-notification registration whose user has not granted the Cloud
/// project access with scopes appropriate for the feed type (e.g. a service account using
/// domain-wide delegation without an active OAuth grant).
pub fn missing_grant(feed_type: &str) -> ApiError {
    ApiError::new(
        403,
        "PERMISSION_DENIED",
        format!(
            "@MissingGrant Classroom is unable to confirm that the requesting user has granted \
             access to the requesting Cloud project with scopes appropriate for the feed type \
             {feed_type}."
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// HTTP 429: RESOURCE_EXHAUSTED
// ---------------------------------------------------------------------------------------------

/// The generic quota answer: the app produced an excessive load. No `@<ErrorType>` is
/// documented for it, so the message is Google's plain quota text.
pub fn quota_exhausted(limit: u64) -> ApiError {
    ApiError::new(
        429,
        "RESOURCE_EXHAUSTED",
        format!(
            "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per \
             user' ({limit}) of service 'classroom.googleapis.com'."
        ),
    )
}

/// UserCourseJoinRateLimitReached: the user has already joined the maximum number of
/// courses in one day.
pub fn user_course_join_rate_limit_reached(limit: u64) -> ApiError {
    ApiError::new(
        429,
        "RESOURCE_EXHAUSTED",
        format!(
            "@UserCourseJoinRateLimitReached The user has already joined the maximum allowed \
             number of courses ({limit}) in one day. Wait one day before joining the course."
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// HTTP 500: INTERNAL
// ---------------------------------------------------------------------------------------------

/// INTERNAL: an unexpected error arose while processing the request. No `@<ErrorType>` is
/// documented; the message is Google's standard text.
pub fn internal() -> ApiError {
    ApiError::new(500, "INTERNAL", "Internal error encountered.")
}

// ---------------------------------------------------------------------------------------------
// Undocumented answers, in the standard Google shape.
// ---------------------------------------------------------------------------------------------

/// 400 INVALID_ARGUMENT: a malformed request (bad JSON, missing or ill-typed field, bad mask).
pub fn invalid_argument(text: impl Into<String>) -> ApiError {
    ApiError::new(400, "INVALID_ARGUMENT", text)
}

/// 400 FAILED_PRECONDITION with a text of its own, for preconditions the Request Errors page
/// does not list (a state transition the course cannot make, ...).
pub fn failed_precondition(text: impl Into<String>) -> ApiError {
    ApiError::new(400, "FAILED_PRECONDITION", text)
}

/// 404 NOT_FOUND: an unknown course, user or teacher.
pub fn not_found() -> ApiError {
    ApiError::new(404, "NOT_FOUND", "Requested entity was not found.")
}

/// 404 NOT_FOUND for a path that names no method of the API.
pub fn no_such_method(path: &str) -> ApiError {
    ApiError::new(
        404,
        "NOT_FOUND",
        format!("The requested URL {path} was not found on this server."),
    )
}

/// 409 ALREADY_EXISTS: the user is already a student or teacher of the course.
pub fn already_exists() -> ApiError {
    ApiError::new(409, "ALREADY_EXISTS", "Requested entity already exists")
}

/// 401 UNAUTHENTICATED: no bearer token.
pub fn missing_credentials() -> ApiError {
    ApiError::new(
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access \
         token, login cookie or other valid authentication credential.",
    )
    .with_header(
        "WWW-Authenticate",
        "Bearer realm=\"https://accounts.google.com/\"",
    )
}

/// 401 UNAUTHENTICATED: a bearer token this server does not know.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login \
         cookie or other valid authentication credential.",
    )
    .with_header(
        "WWW-Authenticate",
        "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
    )
}

/// 405 for a method the resource does not offer. Google has no canonical status for it;
/// gRPC transcoding reports a method bound to no RPC as UNIMPLEMENTED, so that is the name.
pub fn method_not_allowed(method: &str, allowed: &'static str) -> ApiError {
    let shown: String = method.chars().take(32).collect();
    ApiError::new(
        405,
        "UNIMPLEMENTED",
        format!("Method {shown} is not allowed on this resource; allowed: {allowed}."),
    )
    .with_header("Allow", allowed)
}
