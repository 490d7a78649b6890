//! The main type here is [`Records`]: what Class already knows before any launch arrives,
//! i.e. the consumer keys and secrets issued to LMSs, the integration-credentials records
//! created for them, and the Zoom authorizations of instructors. It also holds the built-in
//! fixture values that name those records.
//!
//! Not for: anything a launch creates (classes, linkages, enrolments live in `classes`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// The key with a full integration-credentials record.
pub(super) const CONSUMER_KEY: &str = "class-lti-6f1d2c9e4b7a";
/// It has reserved characters (`+ / = % space`), as base64 secrets do, where the signing
/// conventions differ: RFC 5849 encodes the secret in the HMAC key, `ims-lti` does not.
pub(super) const CONSUMER_SECRET: &str = "Zq7V+n2L/x9R t4K%w8Hm3Pd6Jc1=";
/// A valid key that has no integration-credentials record.
pub(super) const BARE_KEY: &str = "class-lti-0a8e5b3d7c21";
pub(super) const BARE_SECRET: &str = "Bf5Ty8Qe1Ws6Ng3Ux9Ka4Mr7";
/// An instructor who logged into Zoom through Class.
pub(super) const INSTRUCTOR_EMAIL: &str = "maria.alvarez@northfield.example.edu";
/// An instructor who never authorized Zoom.
pub(super) const UNAUTHORIZED_INSTRUCTOR_EMAIL: &str = "james.okoro@northfield.example.edu";
/// An instructor whose Zoom access token has expired.
pub(super) const EXPIRED_TOKEN_INSTRUCTOR_EMAIL: &str = "priya.raman@northfield.example.edu";
/// A course that `INSTRUCTOR_EMAIL` has already launched.
pub(super) const LAUNCHED_COURSE_ID: &str = "BIO-101-F24";
pub(super) const LAUNCHED_COURSE_TITLE: &str = "Introduction to Biology (Fall 2024)";

/// An integration-credentials record: which custom fields carry the user's email and the
/// course id. The names are as the school typed them; the launch carries them as
/// `custom_<normalized name>`.
#[derive(Debug, Clone)]
pub(super) struct Credentials {
    pub email_attribute: Option<String>,
    pub course_id_attribute: Option<String>,
}

/// The state of an instructor's Zoom authorization with Class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ZoomAuthorization {
    /// Logged into Zoom through Class; the access token works.
    Active,
    /// Logged in once, but the access token has expired: creating a meeting fails.
    TokenExpired,
}

/// The records a launch reads but never writes.
#[derive(Debug)]
pub(super) struct Records {
    secrets: BTreeMap<String, String>,
    credentials: BTreeMap<String, Credentials>,
    /// By lower-cased email. An email without an entry has not authorized Zoom.
    zoom: BTreeMap<String, ZoomAuthorization>,
}

impl Records {
    /// The built-in records the fixtures describe.
    pub fn built_in() -> Self {
        let secrets = BTreeMap::from([
            (CONSUMER_KEY.to_string(), CONSUMER_SECRET.to_string()),
            (BARE_KEY.to_string(), BARE_SECRET.to_string()),
        ]);
        let credentials = BTreeMap::from([(
            CONSUMER_KEY.to_string(),
            Credentials {
                email_attribute: Some("email".to_string()),
                course_id_attribute: Some("course_id".to_string()),
            },
        )]);
        let zoom = BTreeMap::from([
            (INSTRUCTOR_EMAIL.to_string(), ZoomAuthorization::Active),
            (
                EXPIRED_TOKEN_INSTRUCTOR_EMAIL.to_string(),
                ZoomAuthorization::TokenExpired,
            ),
        ]);
        Records {
            secrets,
            credentials,
            zoom,
        }
    }

    /// The secret issued with a consumer key, if the key was issued.
    pub fn secret(&self, consumer_key: &str) -> Option<&str> {
        self.secrets.get(consumer_key).map(String::as_str)
    }

    /// The integration-credentials record of a consumer key.
    pub fn credentials(&self, consumer_key: &str) -> Option<&Credentials> {
        self.credentials.get(consumer_key)
    }

    /// The Zoom authorization of a user, by email (case-insensitive).
    pub fn zoom_authorization(&self, email: &str) -> Option<ZoomAuthorization> {
        self.zoom.get(&email.to_lowercase()).copied()
    }

    /// The fixtures, by their spec names.
    pub fn fixtures() -> Map<String, Value> {
        let mut fixtures = Map::new();
        for (name, value) in [
            ("lti.consumer_key", CONSUMER_KEY),
            ("lti.consumer_secret", CONSUMER_SECRET),
            ("lti.bare_key", BARE_KEY),
            ("lti.bare_secret", BARE_SECRET),
            ("lti.instructor_email", INSTRUCTOR_EMAIL),
            (
                "lti.unauthorized_instructor_email",
                UNAUTHORIZED_INSTRUCTOR_EMAIL,
            ),
            (
                "lti.expired_token_instructor_email",
                EXPIRED_TOKEN_INSTRUCTOR_EMAIL,
            ),
            ("lti.launched_course_id", LAUNCHED_COURSE_ID),
        ] {
            fixtures.insert(name.to_string(), json!(value));
        }
        fixtures
    }
}

/// The parameter an LMS sends for a custom field: `custom_` plus the name lower-cased, every
/// character that is not an ASCII letter or digit replaced by `_` (LTI 1.1, section 3).
pub(super) fn custom_parameter(attribute: &str) -> String {
    let normalized: String = attribute
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("custom_{normalized}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_parameters_are_normalized_as_lti_1_1_says() {
        assert_eq!(custom_parameter("email"), "custom_email");
        assert_eq!(custom_parameter("Course ID"), "custom_course_id");
        assert_eq!(custom_parameter("Review:Chapter"), "custom_review_chapter");
    }

    #[test]
    fn zoom_lookup_ignores_case() {
        let records = Records::built_in();
        assert_eq!(
            records.zoom_authorization("Maria.Alvarez@Northfield.example.edu"),
            Some(ZoomAuthorization::Active)
        );
        assert_eq!(
            records.zoom_authorization(UNAUTHORIZED_INSTRUCTOR_EMAIL),
            None
        );
    }
}
