//! The main type here is [`Classroom`]: the Google Classroom API v1 reference behind the
//! [`VendorReference`] seam. It answers a request in the order Google's stack does:
//!
//! 1. routing: a path that names no served method is 404 NOT_FOUND, a wrong HTTP method 405;
//! 2. authentication: a missing or unknown bearer token is 401 UNAUTHENTICATED;
//! 3. quota: the low-quota token's per-minute request quota (429 RESOURCE_EXHAUSTED);
//! 4. the backend: fault `internal` fails it (500 INTERNAL), otherwise the method runs.
//!
//! Not for: the methods themselves ([`super::courses`], [`super::roster`],
//! [`super::course_work`], [`super::registrations`]).

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use super::context::{Ctx, Limits};
use super::errors::{self, ApiError};
use super::fixtures::{self, Principal};
use super::routes::Route;
use super::state::State;
use super::{course_work, courses, registrations, roster};
use crate::reference::{Config, Hooks, VendorReference};
use crate::target::{Request, Response};

/// The fault that fails the backend of any method with 500 INTERNAL.
pub const FAULT_INTERNAL: &str = "internal";

/// The Google Classroom reference implementation.
pub struct Classroom {
    config: Config,
    limits: Limits,
    state: Mutex<State>,
}

/// The deliberate deviations this reference can be started with (`Config::mutant`), each
/// guarded by `config.mutant_is(..)` where it applies.
const MUTANTS: &[(&str, &str)] = &[
    (
        "classroom.limit-off-by-one",
        "the member limit is reached one student early (the last allowed student is refused)",
    ),
    (
        "classroom.internal-fault-ignored",
        "the internal fault hook is ignored: the method succeeds instead of 500 INTERNAL",
    ),
    (
        "classroom.internal-plain-text",
        "500 INTERNAL is a plain-text page instead of the JSON error envelope",
    ),
    (
        "classroom.grpc-code-in-error-code",
        "error.code holds the gRPC code number (9, 7, 8, 13) instead of the HTTP status",
    ),
    (
        "classroom.missing-grant-400",
        "MissingGrant answers 400 instead of 403",
    ),
    (
        "classroom.domain-feed-needs-course",
        "a DOMAIN_ROSTER_CHANGES registration is refused without a course id (valid requests fail)",
    ),
    (
        "classroom.member-limit-resource-exhausted",
        "CourseMemberLimitReached carries status RESOURCE_EXHAUSTED instead of FAILED_PRECONDITION",
    ),
    (
        "classroom.join-limit-type-renamed",
        "the join limit's message starts @UserCourseJoinRateLimitExceeded instead of ...Reached",
    ),
    (
        "classroom.attachment-lookup-500",
        "a Drive file the caller cannot see answers 500 INTERNAL instead of AttachmentNotVisible",
    ),
    (
        "classroom.drive-sharing-not-checked",
        "Drive sharing is not checked: a file hidden from the caller is attached",
    ),
];

impl Classroom {
    /// A fresh instance: the built-in directory and Drive, no courses.
    pub fn new(config: &Config) -> Self {
        Classroom {
            config: config.clone(),
            limits: Limits::from_config(config),
            state: Mutex::new(State::new(config.retain)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the reference down: the state stays usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn answer(&self, request: &Request, hooks: &Hooks) -> Result<Response, ApiError> {
        let route = Route::parse(&request.path).ok_or_else(|| {
            errors::no_such_method(&request.path.chars().take(256).collect::<String>())
        })?;
        if request.method != route.method() {
            return Err(errors::method_not_allowed(&request.method, route.method()));
        }
        let principal = authenticate(request)?;

        let mut state = self.lock();
        spend_quota(&mut state, &principal, self.limits.requests_per_minute)?;
        if hooks.fails(FAULT_INTERNAL) && !self.config.mutant_is("classroom.internal-fault-ignored")
        {
            return Err(errors::internal());
        }
        let ctx = Ctx {
            principal,
            limits: self.limits,
            config: &self.config,
        };
        let body = match route {
            Route::Courses => courses::create(&mut state, &ctx, request)?,
            Route::Course { course_id } => courses::patch(&mut state, &ctx, &course_id, request)?,
            Route::Students { course_id } => {
                roster::add_student(&mut state, &ctx, &course_id, request)?
            }
            Route::Teachers { course_id } => {
                roster::add_teacher(&mut state, &ctx, &course_id, request)?
            }
            Route::Teacher { course_id, user_id } => {
                roster::remove_teacher(&mut state, &ctx, &course_id, &user_id)?
            }
            Route::CourseWork { course_id } => {
                course_work::create(&mut state, &ctx, &course_id, request)?
            }
            Route::Registrations => registrations::create(&mut state, &ctx, request)?,
        };
        Ok(Response::json(200, &body))
    }
}

/// The principal of the bearer token, or 401.
fn authenticate(request: &Request) -> Result<Principal, ApiError> {
    let header = request
        .header("Authorization")
        .ok_or_else(errors::missing_credentials)?;
    let token = match header.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") => token.trim(),
        _ => return Err(errors::invalid_credentials()),
    };
    if token.is_empty() {
        return Err(errors::missing_credentials());
    }
    fixtures::principal(token).ok_or_else(errors::invalid_credentials)
}

/// Counts one request against the token's per-minute quota.
///
/// Only the low-quota token has a quota small enough to matter; the others are not limited.
/// The window opens at the token's first request and, as the spec decides, does not roll
/// over while the instance lives: once the quota is spent every further request of that token
/// is refused, so a limit check gives the same answer however slowly it runs.
fn spend_quota(state: &mut State, principal: &Principal, limit: u64) -> Result<(), ApiError> {
    if !principal.low_quota {
        return Ok(());
    }
    let used = state.quota_used.entry(principal.token).or_insert(0);
    if *used >= limit {
        return Err(errors::quota_exhausted(limit));
    }
    *used += 1;
    Ok(())
}

impl VendorReference for Classroom {
    fn vendor(&self) -> &'static str {
        "classroom"
    }

    fn owns(&self, path: &str) -> bool {
        path == "/v1" || path.starts_with("/v1/")
    }

    fn handle(&self, request: &Request, hooks: &Hooks) -> Response {
        match self.answer(request, hooks) {
            Ok(response) => response,
            Err(error) if self.config.mutant_is("classroom.internal-plain-text") => {
                if error.canonical == "INTERNAL" {
                    Response::text(error.status, "Internal Server Error")
                } else {
                    error.to_response()
                }
            }
            Err(error) if self.config.mutant_is("classroom.grpc-code-in-error-code") => {
                let grpc_code = match error.canonical {
                    "INVALID_ARGUMENT" => 3,
                    "NOT_FOUND" => 5,
                    "ALREADY_EXISTS" => 6,
                    "PERMISSION_DENIED" => 7,
                    "RESOURCE_EXHAUSTED" => 8,
                    "FAILED_PRECONDITION" => 9,
                    "UNIMPLEMENTED" => 12,
                    "INTERNAL" => 13,
                    _ => 16,
                };
                let mut response = error.to_response();
                if let Some(mut body) = response.json_body() {
                    body["error"]["code"] = grpc_code.into();
                    response.body = body.to_string().into_bytes();
                }
                response
            }
            Err(error) => error.to_response(),
        }
    }

    fn fixtures(&self) -> Map<String, Value> {
        fixtures::fixtures(&self.limits)
    }

    fn faults(&self) -> Vec<&'static str> {
        vec![FAULT_INTERNAL]
    }

    fn mutants(&self) -> Vec<(&'static str, &'static str)> {
        MUTANTS.to_vec()
    }
}
