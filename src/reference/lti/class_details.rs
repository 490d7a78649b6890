//! `POST /lti/class-details`: an instructor edits a class from the LMS. The request is signed
//! like a launch but is no launch: it needs no `lti_message_type`, `lti_version` or
//! `resource_link_id`. It names the class with `class_id` and carries the fields to change.
//!
//! Order: 1001 (validator), 1002/1003 (credentials), the instructor's email, 1008 (Zoom record),
//! 1337 (no usable Zoom login), then the class (400 without `class_id`, 404 unknown).
//!
//! Decisions where the table is silent:
//! - The instructor is named by the credentials' email attribute (`custom_email`), falling back
//!   to `lis_person_contact_email_primary`. With neither, the request answers 1004 when the
//!   credentials name an attribute (else 1006); a malformed email answers 1006.
//! - An instructor whose Zoom token has expired is not logged into Zoom either: 1337.
//! - The editable fields are `name` (ignored when blank) and `description`; the answer is
//!   `200` with the class. Roles and class ownership are not checked; a class of another
//!   consumer key is unknown (404).

use serde_json::{json, Value};

use crate::reference::Hooks;
use crate::target::{Request, Response};

use super::errors::*;
use super::launch::is_email;
use super::records::{custom_parameter, ZoomAuthorization};
use super::validator::{LtiParams, Message};
use super::{fault, lock, ClassLti};

impl ClassLti {
    /// Answers a class-details edit: `200` with the class, a documented failure, or an
    /// undocumented 400/404 for a missing or unknown class.
    pub(super) fn class_details(&self, request: &Request, hooks: &Hooks) -> Response {
        match self.process_class_details(request, hooks) {
            Ok(class) => Response::json(200, &class),
            Err(answer) => answer,
        }
    }

    fn process_class_details(&self, request: &Request, hooks: &Hooks) -> Result<Value, Response> {
        let params = LtiParams::read(request);

        // 1001: the IMSLTI validator (signature, nonce and timestamp).
        let key = self
            .validate(request, &params, Message::ServiceCall)
            .map_err(|row| row.response())?;

        // 1002, 1003: the integration-credentials record of the consumer key.
        let credentials = self.credentials(key, hooks).map_err(|row| row.response())?;

        // The instructor's email (1004, 1006).
        let email = credentials
            .email_attribute
            .as_deref()
            .and_then(|attribute| params.get(&custom_parameter(attribute)))
            .or_else(|| params.get("lis_person_contact_email_primary"));
        let email = match email {
            Some(email) if is_email(email) => email,
            Some(_) => return Err(INVALID_USER_EMAIL.response()),
            None if credentials.email_attribute.is_some() => {
                return Err(EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST.response())
            }
            None => return Err(INVALID_USER_EMAIL.response()),
        };

        // 1008: the instructor's Zoom authentication record.
        if hooks.fails(fault::ZOOM_AUTH_STORE) {
            return Err(FAILED_TO_GET_ZOOM_AUTH.response());
        }
        // 1337: editing class details needs a working Zoom login through Class.
        if self.records.zoom_authorization(email) != Some(ZoomAuthorization::Active) {
            return Err(ZOOM_AUTHENTICATION_ERROR.response());
        }

        // The class.
        let Some(class_id) = params.get("class_id") else {
            return Err(undocumented(400, "class_id is required."));
        };
        let mut classes = lock(&self.classes);
        let Some(class) = classes.class_mut(key, class_id) else {
            return Err(undocumented(404, "Class not found."));
        };
        if let Some(name) = params.get("name").filter(|n| !n.trim().is_empty()) {
            class.name = name.to_string();
        }
        if let Some(description) = params.get("description") {
            class.description = description.to_string();
        }
        Ok(class.to_json())
    }
}

/// An answer the table does not document: `{"error": {"message": ...}}`.
pub(super) fn undocumented(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"error": {"message": message}}))
}
