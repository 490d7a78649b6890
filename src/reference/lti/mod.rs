//! The main type here is [`ClassLti`]: the reference implementation of Class's LTI 1.1 course
//! launch (vendor id `lti`), with the error table published by Class (codes 1001 to 1015 and
//! 1337).
//!
//! Routes: `POST /lti/launch` (`launch`) and `POST /lti/class-details` (`class_details`).
//! Another method on those paths answers 405 with `Allow: POST`; another path under `/lti`
//! answers 404. Both are undocumented and use `{"error": {"message": ...}}`.
//!
//! Modules: `errors` (the table), `validator` (the `ims-lti` checks behind 1001), `records`
//! (keys, credentials, Zoom authorizations, fixtures), `classes` (linkages, classes,
//! enrolments), and one module per endpoint.
//!
//! Not for: signing (that is `crate::auth::oauth1`, shared with the harness).

mod class_details;
mod classes;
mod errors;
mod launch;
mod records;
mod validator;

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use crate::reference::{Config, Hooks, VendorReference};
use crate::target::{Request, Response};

use class_details::undocumented;
use classes::ClassStore;
use errors::LTI_CREDENTIALS_NOT_FOUND;
use errors::{ErrorRow, FAILED_IMSLTI_VALIDATION, FAILED_TO_GET_LTI_CREDENTIALS};
use records::{Credentials, Records};
use validator::{LtiParams, Message, Validator};

/// The launch endpoint.
pub(super) const LAUNCH_PATH: &str = "/lti/launch";
/// The class-details endpoint.
pub(super) const CLASS_DETAILS_PATH: &str = "/lti/class-details";

/// The dependencies a request can ask to fail (`X-Conformance-Fault`), in processing order.
pub(super) mod fault {
    pub const CREDENTIALS_STORE: &str = "lti_credentials_store";
    pub const ZOOM_AUTH_STORE: &str = "zoom_auth_store";
    pub const COURSE_LINKAGE_STORE: &str = "lti_course_linkage_store";
    pub const MEETING_DEFAULTS_STORE: &str = "meeting_defaults_store";
    pub const DEFERRED_CLASSES: &str = "deferred_classes";
    pub const CLASS_CREATE: &str = "class_create";
    pub const ENROLLMENT_STORE: &str = "enrollment_store";
}

/// Class's LTI 1.1 integration: fixed records, the validator's nonce store, and the classes
/// launches create.
#[derive(Debug)]
pub(super) struct ClassLti {
    config: Config,
    records: Records,
    validator: Validator,
    classes: Mutex<ClassStore>,
}

/// The deliberate deviations this reference can be started with (`Config::mutant`), each
/// violating one documented expectation; guarded by `config.mutant_is(..)` where they apply.
const MUTANTS: &[(&str, &str)] = &[
    (
        "lti.swapped-order",
        "1005 (course-id attribute missing) is checked before 1004 (email attribute missing)",
    ),
    (
        "lti.nonce-reuse-accepted",
        "a nonce already used within 300 s passes the validator",
    ),
    (
        "lti.stale-timestamp-accepted",
        "an oauth_timestamp older than 300 s passes the validator",
    ),
    (
        "lti.unknown-key-credentials-not-found",
        "an unknown consumer key answers 1002 instead of failing validation (1001)",
    ),
    (
        "lti.credentials-not-found-403",
        "1002 LTI_CREDENTIALS_NOT_FOUND answers 403 instead of 401",
    ),
    (
        "lti.invalid-course-id-code-1006",
        "INVALID_COURSE_ID carries the code 1006 (copied from INVALID_USER_EMAIL)",
    ),
    (
        "lti.privileged-name-corrected",
        "1009 is named PRIVILEGED_... instead of the documented PRIVLEGED_...",
    ),
    (
        "lti.validator-message-typo",
        "1001's message reads \"IMS LTI validator\" instead of \"IMSLTI validator\"",
    ),
    (
        "lti.enrollment-fault-ignored",
        "the enrollment_store fault hook is ignored: the launch succeeds instead of 1015",
    ),
    (
        "lti.learner-enters-uncreated-class",
        "a learner's launch of a course no instructor launched creates the class (no 1011)",
    ),
    (
        "lti.urn-roles-not-privileged",
        "urn:lti:role:ims/lis/Instructor is not read as privileged: valid launches fail 1011",
    ),
    (
        "lti.errors-as-text-html",
        "error bodies are JSON text sent as text/html (a pre-serialized body)",
    ),
];

impl ClassLti {
    /// A fresh instance holding the built-in fixtures.
    pub(super) fn new(config: &Config) -> Self {
        ClassLti {
            config: config.clone(),
            records: Records::built_in(),
            validator: Validator::new(config),
            classes: Mutex::new(ClassStore::built_in(config.retain)),
        }
    }

    /// 1001: runs the validator; on success returns the consumer key.
    fn validate<'p>(
        &self,
        request: &Request,
        params: &'p LtiParams,
        message: Message,
    ) -> Result<&'p str, ErrorRow> {
        if self
            .config
            .mutant_is("lti.unknown-key-credentials-not-found")
        {
            let key = params.get("oauth_consumer_key").unwrap_or_default();
            if self.records.secret(key).is_none() {
                return Err(LTI_CREDENTIALS_NOT_FOUND);
            }
        }
        self.validator
            .validate(request, params, message, |key| {
                self.records.secret(key).map(str::to_string)
            })
            .map_err(|_| {
                if self.config.mutant_is("lti.validator-message-typo") {
                    ErrorRow {
                        message: "The request did not pass the IMS LTI validator.",
                        ..FAILED_IMSLTI_VALIDATION
                    }
                } else {
                    FAILED_IMSLTI_VALIDATION
                }
            })
    }

    /// 1002, 1003: the integration-credentials record of a consumer key. A key without a
    /// record answers 1002 even when the store is asked to fail (the lower code wins).
    fn credentials(&self, key: &str, hooks: &Hooks) -> Result<&Credentials, ErrorRow> {
        let not_found = if self.config.mutant_is("lti.credentials-not-found-403") {
            ErrorRow {
                status: 403,
                ..LTI_CREDENTIALS_NOT_FOUND
            }
        } else {
            LTI_CREDENTIALS_NOT_FOUND
        };
        let credentials = self.records.credentials(key).ok_or(not_found)?;
        if hooks.fails(fault::CREDENTIALS_STORE) {
            return Err(FAILED_TO_GET_LTI_CREDENTIALS);
        }
        Ok(credentials)
    }
}

impl VendorReference for ClassLti {
    fn vendor(&self) -> &'static str {
        "lti"
    }

    fn owns(&self, path: &str) -> bool {
        path == "/lti" || path.starts_with("/lti/")
    }

    fn handle(&self, request: &Request, hooks: &Hooks) -> Response {
        let endpoint = match request.path.as_str() {
            LAUNCH_PATH => ClassLti::launch,
            CLASS_DETAILS_PATH => ClassLti::class_details,
            _ => return undocumented(404, "Not Found"),
        };
        if request.method != "POST" {
            return undocumented(405, "Method Not Allowed").with_header("Allow", "POST");
        }
        let mut response = endpoint(self, request, hooks);
        if self.config.mutant_is("lti.errors-as-text-html") && response.status >= 400 {
            response
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("Content-Type"));
            response = response.with_header("Content-Type", "text/html; charset=utf-8");
        }
        response
    }

    fn fixtures(&self) -> Map<String, Value> {
        Records::fixtures()
    }

    fn oauth1_convention(&self) -> crate::auth::oauth1::Convention {
        validator::CONVENTION
    }

    fn faults(&self) -> Vec<&'static str> {
        vec![
            fault::CREDENTIALS_STORE,
            fault::ZOOM_AUTH_STORE,
            fault::COURSE_LINKAGE_STORE,
            fault::MEETING_DEFAULTS_STORE,
            fault::DEFERRED_CLASSES,
            fault::CLASS_CREATE,
            fault::ENROLLMENT_STORE,
        ]
    }

    fn mutants(&self) -> Vec<(&'static str, &'static str)> {
        MUTANTS.to_vec()
    }
}

/// Locks a mutex; a lock poisoned by a panic elsewhere is still used (no update here can stop
/// halfway: none of them panics).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
