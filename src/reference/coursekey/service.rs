//! The main type here is [`CourseKey`]: the handler every CourseKey request goes through.
//!
//! Every request passes the same gate, in this order: the route and its method (404 / 405),
//! the school auth key (`Authorization: Bearer <key>`; missing or unknown answers 401
//! `{"error": {"message": "Unauthorized"}}`), the JSON body (400 `Invalid JSON body.`),
//! then the record module under the store lock. The record modules document their own order
//! of checks; the first failing check answers.
//!
//! Not for: the records' rules (the record modules) or the built-in world (`world`).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::context::Context;
use super::state::{Directory, Store};
use super::validate::{ApiError, Body, Outcome};
use super::world::{self, WELCOME_EMAIL_TEMPLATE};
use super::{attendances, courses, members, users};
use crate::reference::{Config, Hooks, VendorReference};
use crate::target::{Request, Response};

/// The CourseKey reference: a fixed directory of schools and keys, and one locked store.
pub struct CourseKey {
    config: Config,
    directory: Directory,
    store: Mutex<Store>,
    /// The `coursekey.racy-create` mutant's window between check and insert.
    race: RaceWindow,
}

/// The window of the `coursekey.racy-create` mutant between a user create's checks and its
/// insert. Creates that overlap meet in it: a create that passed its checks waits while
/// another create is still checking, and until no create has arrived for [`RaceWindow::QUIET`];
/// then every waiting create inserts. So creates sent together all pass the uniqueness checks
/// however slowly each is scheduled once it has arrived, and a create alone pays the quiet
/// time only.
#[derive(Debug, Default)]
struct RaceWindow {
    state: Mutex<RaceState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct RaceState {
    /// Creates that arrived and have not finished their checks.
    checking: usize,
    /// When a create last arrived or finished its checks.
    last_event: Option<Instant>,
}

impl RaceWindow {
    /// How long the window stays open after the last create arrived at it.
    const QUIET: Duration = Duration::from_millis(5);
    /// The longest a create waits in all.
    const MAX: Duration = Duration::from_secs(2);

    fn state(&self) -> MutexGuard<'_, RaceState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A create arrives and starts its checks.
    fn arrive(&self) {
        let mut state = self.state();
        state.checking += 1;
        state.last_event = Some(Instant::now());
        self.changed.notify_all();
    }

    /// A create finished its checks; one that passed them waits in the window.
    fn checked(&self, passed: bool) {
        let mut state = self.state();
        state.checking = state.checking.saturating_sub(1);
        state.last_event = Some(Instant::now());
        self.changed.notify_all();
        if !passed {
            return;
        }
        let cap = Instant::now() + Self::MAX;
        loop {
            let now = Instant::now();
            let quiet_until = state.last_event.unwrap_or(now) + Self::QUIET;
            if now >= cap || (state.checking == 0 && now >= quiet_until) {
                return;
            }
            let until = if state.checking > 0 {
                cap
            } else {
                quiet_until.min(cap)
            };
            state = match self.changed.wait_timeout(state, until - now) {
                Ok((state, _)) => state,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// The deliberate deviations this reference can be started with (`Config::mutant`), each
/// guarded by `config.mutant_is(..)` where it applies.
const MUTANTS: &[(&str, &str)] = &[
    (
        "coursekey.user-update-drops-email",
        "PUT /users by userID without email clears the stored email: the address can be taken again",
    ),
    (
        "coursekey.attendance-delete-not-persisted",
        "DELETE /attendances answers the session but keeps it",
    ),
    (
        "coursekey.racy-create",
        "user create checks uniqueness, then inserts without holding the lock: concurrent identical creates all succeed",
    ),
    (
        "coursekey.persist-rejected",
        "a user create that fails on the welcome email (500) is not rolled back: the user stays",
    ),
    (
        "coursekey.users-unauthorized-school-400",
        "Unauthorized school on users answers 400 (as courses do) instead of the documented 403",
    ),
    (
        "coursekey.email-unique-with-code",
        "\"Email must be unique\" carries the code 10005, where the document shows none",
    ),
    (
        "coursekey.user-not-found-no-period",
        "\"User not found.\" loses its final period",
    ),
    (
        "coursekey.timezone-echo-undefined",
        "the invalid-timezone message echoes \"undefined\" instead of the timeZone sent",
    ),
    (
        "coursekey.user-fields-first-only",
        "\"User missing the following fields\" names only the first missing field",
    ),
    (
        "coursekey.account-fields-fixed-list",
        "the account-fields message always names schoolID and issuedID, missing or not",
    ),
    (
        "coursekey.account-fields-heading-text",
        "the account-fields message reads \"Account missing ...\" (the heading), in neither documented reading",
    ),
    (
        "coursekey.member-course-mixed-reading",
        "an unknown addCode answers \"Course does not exist.\" with the code 2213 of the other reading",
    ),
    (
        "coursekey.welcome-email-fault-ignored",
        "the welcome_email_template fault hook is ignored: the user is created",
    ),
    (
        "coursekey.invalid-email-500",
        "a malformed email answers 500 instead of 400",
    ),
    (
        "coursekey.iso-schedule-rejected",
        "a course schedule given as start/end is refused as \"Invalid start date\" (valid requests fail)",
    ),
    (
        "coursekey.info-dropped",
        "error bodies have no info member",
    ),
    (
        "coursekey.success-flag-added",
        "error bodies carry an extra top-level success: false",
    ),
];

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
        CourseKey {
            config: config.clone(),
            directory: world::directory(),
            store: Mutex::new(world::seed_store(config.retain)),
            race: RaceWindow::default(),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // Every write happens after all checks, as plain pushes and assignments with nothing
        // fallible in between, so even a poisoned lock guards consistent records.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `coursekey.racy-create` mutant's user create: the checks run on a copy of the
    /// store, and the new user is inserted later without the lock held in between (the
    /// [`RaceWindow`]), so concurrent identical creates all pass the uniqueness checks.
    fn racy_create(&self, body: &Body, context: &Context<'_>) -> Outcome {
        self.race.arrive();
        let mut copy = self.store().clone();
        let before = copy.next_user_seq();
        let outcome = users::create(body, context, &mut copy);
        self.race.checked(outcome.is_ok());
        if outcome.is_ok() {
            let mut store = self.store();
            for user in copy.users_since(before) {
                store.add_user(user.clone());
            }
        }
        outcome
    }

    /// An error answer, with the envelope deviations of the mutant catalog.
    fn render(&self, error: ApiError) -> Response {
        let response = error.into_response();
        let drop_info = self.config.mutant_is("coursekey.info-dropped");
        let add_flag = self.config.mutant_is("coursekey.success-flag-added");
        match response.json_body() {
            Some(Value::Object(mut body)) if drop_info || add_flag => {
                if let Some(Value::Object(error)) = body.get_mut("error") {
                    if drop_info {
                        error.remove("info");
                    }
                }
                if add_flag {
                    body.insert("success".into(), Value::Bool(false));
                }
                Response::json(response.status, &Value::Object(body))
            }
            _ => response,
        }
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
            // Undocumented; the spec's assumed answer has no code and no info.
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
            config: &self.config,
        };
        let outcome = if route == Route::Users
            && method == "POST"
            && self.config.mutant_is("coursekey.racy-create")
        {
            self.racy_create(&body, &context)
        } else {
            let mut store = self.store();
            self.dispatch(route, &method, &body, &context, &mut store)
        };
        match outcome {
            Ok(response) => response,
            Err(error) => self.render(error),
        }
    }

    fn fixtures(&self) -> Map<String, Value> {
        world::fixtures()
    }

    fn faults(&self) -> Vec<&'static str> {
        vec![WELCOME_EMAIL_TEMPLATE]
    }

    fn mutants(&self) -> Vec<(&'static str, &'static str)> {
        MUTANTS.to_vec()
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
