//! The main type here is [`CourseKey`]: the handler every CourseKey request goes through.
//!
//! Every request passes the same gate, in this order: the route and its method (404 / 405),
//! the school auth key (`Authorization: Bearer <key>`; missing or unknown answers 401
//! `{"error": {"message": "Unauthorized"}}`), the JSON body (400 `Invalid JSON body.`),
//! then the record module under the store lock. The record modules document their own order
//! of checks; the first failing check answers.
//!
//! Not for: the records' rules (the record modules) or the built-in world (`world`).

use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Map, Value};

use super::state::{Directory, Store};
use super::validate::{ApiError, Body, Outcome};
use super::world::{self, WELCOME_EMAIL_TEMPLATE};
use super::{attendances, courses, members, users};
use crate::reference::{Config, Hooks, VendorReference};
use crate::target::{Request, Response};

/// The CourseKey reference: a fixed directory of schools and keys, and one locked store.
pub struct CourseKey {
    directory: Directory,
    store: Mutex<Store>,
}

/// What a record module knows about the request besides its body.
pub(super) struct Context<'a> {
    pub directory: &'a Directory,
    /// The schools the auth key is authorized for.
    pub schools: &'a [String],
    pub hooks: &'a Hooks,
}

impl Context<'_> {
    /// Whether the auth key may act for that school.
    pub fn authorizes(&self, school_id: &str) -> bool {
        self.schools.iter().any(|s| s == school_id)
    }

    /// Whether the school has an integration configuration (an unknown school has none).
    pub fn configured(&self, school_id: &str) -> bool {
        self.directory
            .school(school_id)
            .is_some_and(|s| s.settings.is_some())
    }
}

/// The endpoints, by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Users,
    Courses,
    CourseMembers,
    Attendances,
    AttendancesBulk,
    AttendancesBulkDelete,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        match path.strip_suffix('/').unwrap_or(path) {
            "/users" => Some(Route::Users),
            "/courses" => Some(Route::Courses),
            "/course-members" => Some(Route::CourseMembers),
            "/attendances" => Some(Route::Attendances),
            "/attendances/bulk" => Some(Route::AttendancesBulk),
            "/attendances/bulk-delete" => Some(Route::AttendancesBulkDelete),
            _ => None,
        }
    }

    fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Users | Route::Courses => &["POST", "PUT"],
            Route::Attendances => &["POST", "DELETE"],
            Route::CourseMembers | Route::AttendancesBulk | Route::AttendancesBulkDelete => {
                &["POST"]
            }
        }
    }
}

impl CourseKey {
    /// A fresh instance with the built-in schools, keys, users and courses.
    pub fn new(config: &Config) -> Self {
        let _ = config;
        CourseKey {
            directory: world::directory(),
            store: Mutex::new(world::seed_store()),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // Every write happens after all checks, as plain pushes and assignments with nothing
        // fallible in between, so even a poisoned lock guards consistent records.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn dispatch(
        &self,
        route: Route,
        method: &str,
        body: &Body,
        context: &Context<'_>,
        store: &mut Store,
    ) -> Outcome {
        match (route, method) {
            (Route::Users, "POST") => users::create(body, context, store),
            (Route::Users, _) => users::update(body, context, store),
            (Route::Courses, "POST") => courses::create(body, context, store),
            (Route::Courses, _) => courses::update(body, context, store),
            (Route::CourseMembers, _) => members::create(body, context, store),
            (Route::Attendances, "POST") => attendances::create(body, context, store),
            (Route::Attendances, _) => attendances::delete(body, context, store),
            (Route::AttendancesBulk, _) => attendances::create_bulk(body, context, store),
            (Route::AttendancesBulkDelete, _) => attendances::delete_bulk(body, context, store),
        }
    }
}

impl VendorReference for CourseKey {
    fn vendor(&self) -> &'static str {
        "coursekey"
    }

    fn owns(&self, path: &str) -> bool {
        Route::of(path).is_some() || path.starts_with("/attendances/")
    }

    fn handle(&self, request: &Request, hooks: &Hooks) -> Response {
        let Some(route) = Route::of(&request.path) else {
            return ApiError::new(404, None, "Not Found").into_response();
        };
        let method = request.method.to_ascii_uppercase();
        if !route.methods().contains(&method.as_str()) {
            return ApiError::new(405, None, "Method Not Allowed")
                .into_response()
                .with_header("Allow", &route.methods().join(", "));
        }
        let Some(schools) = request
            .header("Authorization")
            .and_then(bearer)
            .and_then(|key| self.directory.schools_of(key))
        else {
            // Undocumented; the contract's assumed answer has no code and no info.
            return Response::json(401, &json!({"error": {"message": "Unauthorized"}}));
        };
        let body = match Body::parse(&request.body) {
            Ok(body) => body,
            Err(error) => return error.into_response(),
        };
        let context = Context {
            directory: &self.directory,
            schools,
            hooks,
        };
        let mut store = self.store();
        match self.dispatch(route, &method, &body, &context, &mut store) {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    }

    fn fixtures(&self) -> Map<String, Value> {
        world::fixtures()
    }

    fn faults(&self) -> Vec<&'static str> {
        vec![WELCOME_EMAIL_TEMPLATE]
    }
}

/// The key of an `Authorization: Bearer <key>` header (the scheme compared ignoring case).
fn bearer(header: &str) -> Option<&str> {
    let header = header.trim();
    let (scheme, key) = header.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() {
        Some(key.trim())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_takes_the_key_after_the_scheme() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn routes_ignore_a_trailing_slash_only() {
        assert_eq!(Route::of("/users/"), Some(Route::Users));
        assert_eq!(Route::of("/attendances/bulk"), Some(Route::AttendancesBulk));
        assert_eq!(Route::of("/attendances/x"), None);
    }
}
