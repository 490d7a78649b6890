//! `POST /lti/launch`: Class's LTI 1.1 course launch, step by step in the order of its error
//! table, which the table documents as the order of processing. A launch that meets several
//! failures answers the first one reached, i.e. the lowest code.
//!
//! Decisions where the table is silent:
//! - Without a named email attribute in the credentials, the email is
//!   `lis_person_contact_email_primary`; without a named course-id attribute, the course id is
//!   `context_id`. Absent values then fail as invalid (1006, 1007).
//! - An email is an address: one `@`, a non-empty local part without spaces, control
//!   characters or specials, a dotted domain of letters, digits and `-`, at most 254 bytes.
//! - A course id is invalid when blank, longer than 255 characters, or holding a control
//!   character.
//! - Roles are split on `,` and trimmed; `Instructor` and `Administrator` (any case, bare or as
//!   `urn:lti:role:ims/lis/...`, sub-roles included) are privileged, as `ims-lti` decides.
//! - The Zoom record is read for every launch (1008); only privileged users need one (1009).
//! - Meeting defaults (1012) and deferred classes (1013) are the instructor's path: every
//!   privileged launch reaches them. Learners of a linked course go straight to enrolment.
//! - Class creation (1014) happens on the first privileged launch of a course; an instructor
//!   whose Zoom token has expired cannot create the meeting and gets 1014, but may re-launch a
//!   course that already has its class.
//! - The class is named after `context_title`, else `resource_link_title`, else the course id.

use crate::reference::Hooks;
use crate::target::{Request, Response};

use super::classes::EnrollmentRole;
use super::errors::*;
use super::records::{custom_parameter, ZoomAuthorization};
use super::validator::{LtiParams, Message};
use super::{fault, lock, ClassLti};

impl ClassLti {
    /// Answers a launch: `303 See Other` to `/classes/{class_id}`, or the first documented
    /// failure met.
    pub(super) fn launch(&self, request: &Request, hooks: &Hooks) -> Response {
        match self.process_launch(request, hooks) {
            Ok(class_id) => {
                Response::empty(303).with_header("Location", &format!("/classes/{class_id}"))
            }
            Err(row) => row.response(),
        }
    }

    fn process_launch(&self, request: &Request, hooks: &Hooks) -> Result<String, ErrorRow> {
        let params = LtiParams::read(request);

        // 1001: the IMSLTI validator (parameters, signature, nonce and timestamp).
        let key = self.validate(request, &params, Message::Launch)?;

        // 1002, 1003: the integration-credentials record of the consumer key.
        let credentials = self.credentials(key, hooks)?;

        // 1004, 1005: the custom fields the credentials name must be in the launch.
        if self.config.mutant_is("lti.swapped-order") {
            // The course-id attribute is checked before the email attribute.
            if let Some(attribute) = &credentials.course_id_attribute {
                params
                    .get(&custom_parameter(attribute))
                    .ok_or(COURSE_ID_ATTRIBUTE_NAME_NOT_IN_REQUEST)?;
            }
        }
        let email = match &credentials.email_attribute {
            Some(attribute) => Some(
                params
                    .get(&custom_parameter(attribute))
                    .ok_or(EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST)?,
            ),
            None => params.get("lis_person_contact_email_primary"),
        };
        let course_id = match &credentials.course_id_attribute {
            Some(attribute) => Some(
                params
                    .get(&custom_parameter(attribute))
                    .ok_or(COURSE_ID_ATTRIBUTE_NAME_NOT_IN_REQUEST)?,
            ),
            None => params.get("context_id"),
        };

        // 1006, 1007: their values must be usable.
        let email = email.filter(|e| is_email(e)).ok_or(INVALID_USER_EMAIL)?;
        let invalid_course_id = if self.config.mutant_is("lti.invalid-course-id-code-1006") {
            ErrorRow {
                code: 1006,
                ..INVALID_COURSE_ID
            }
        } else {
            INVALID_COURSE_ID
        };
        let course_id = course_id
            .filter(|c| is_course_id(c))
            .ok_or(invalid_course_id)?;

        // 1008: the user's Zoom authentication record.
        if hooks.fails(fault::ZOOM_AUTH_STORE) {
            return Err(FAILED_TO_GET_ZOOM_AUTH);
        }
        let zoom = self.records.zoom_authorization(email);

        // 1009: instructors and administrators must have authorized Zoom.
        let roles = params.get("roles").unwrap_or_default();
        let privileged = if self.config.mutant_is("lti.urn-roles-not-privileged") {
            roles.split(',').any(|role| {
                ["instructor", "administrator"].contains(&role.trim().to_ascii_lowercase().as_str())
            })
        } else {
            is_privileged(roles)
        };
        if privileged && zoom.is_none() {
            if self.config.mutant_is("lti.privileged-name-corrected") {
                return Err(ErrorRow {
                    name: "PRIVILEGED_ZOOM_USER_NOT_YET_AUTHORIZED",
                    ..PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED
                });
            }
            return Err(PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED);
        }

        // From here on the lookup and the creates happen under one lock, so that racing first
        // launches of one course reach one class.
        let mut classes = lock(&self.classes);

        // 1010: the course linkage.
        if hooks.fails(fault::COURSE_LINKAGE_STORE) {
            return Err(FAILED_TO_GET_LTI_COURSE_LINKAGE);
        }
        let linked = classes.linked_class(key, course_id);

        let (class_id, role) = if privileged {
            // 1012: the school's meeting defaults.
            if hooks.fails(fault::MEETING_DEFAULTS_STORE) {
                return Err(FAILED_TO_GET_MEETING_DEFAULTS);
            }
            // 1013: classes and enrolments deferred for the instructor via the API.
            if hooks.fails(fault::DEFERRED_CLASSES) {
                return Err(FAILED_TO_CREATE_DEFERED_CLASSES);
            }
            let class_id = match linked {
                Some(class_id) => class_id,
                // 1014: the class and its Zoom meeting.
                None => {
                    if hooks.fails(fault::CLASS_CREATE)
                        || zoom == Some(ZoomAuthorization::TokenExpired)
                    {
                        return Err(FAILED_TO_CREATE_CLASS);
                    }
                    let name = params
                        .get("context_title")
                        .or_else(|| params.get("resource_link_title"))
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(course_id);
                    classes.create_class(key, course_id, name, email)
                }
            };
            (class_id, EnrollmentRole::Instructor)
        } else {
            // 1011: a learner can only enter a class an instructor has created.
            let class_id = match linked {
                None if self.config.mutant_is("lti.learner-enters-uncreated-class") => {
                    classes.create_class(key, course_id, course_id, email)
                }
                linked => linked.ok_or(CLASS_NOT_YET_CREATED)?,
            };
            (class_id, EnrollmentRole::Student)
        };

        // 1015: the user's enrolment in the class.
        if hooks.fails(fault::ENROLLMENT_STORE)
            && !self.config.mutant_is("lti.enrollment-fault-ignored")
        {
            return Err(FAILED_TO_GET_OR_CREATE_LINKED_ENROLLMENT);
        }
        classes.get_or_create_enrollment(&class_id, email, role);
        Ok(class_id)
    }
}

/// Whether any of the comma-separated roles is Instructor or Administrator.
pub(super) fn is_privileged(roles: &str) -> bool {
    roles.split(',').any(|role| {
        let role = role.trim().to_ascii_lowercase();
        let handle = role.strip_prefix("urn:lti:role:ims/lis/").unwrap_or(&role);
        ["instructor", "administrator"].iter().any(|privileged| {
            handle == *privileged
                || handle
                    .strip_prefix(privileged)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    })
}

/// Whether `value` is an email address (see the module's decisions).
pub(super) fn is_email(value: &str) -> bool {
    const SPECIALS: &str = "()<>[]\\,;:\"@";
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    value.len() <= 254
        && !local.is_empty()
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !SPECIALS.contains(c))
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// Whether `value` is a usable course id (see the module's decisions).
pub(super) fn is_course_id(value: &str) -> bool {
    !value.trim().is_empty() && value.chars().count() <= 255 && !value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_roles() {
        for roles in [
            "Instructor",
            "instructor",
            "Learner,Instructor",
            "Learner, Administrator",
            "urn:lti:role:ims/lis/Instructor",
            "urn:lti:role:ims/lis/Instructor/TeachingAssistant",
            "urn:lti:role:ims/lis/Administrator",
        ] {
            assert!(is_privileged(roles), "{roles}");
        }
        for roles in [
            "",
            "Learner",
            "urn:lti:role:ims/lis/Learner",
            "Instructors",
            "urn:lti:instrole:ims/lis/Administrator",
            "ContentDeveloper",
        ] {
            assert!(!is_privileged(roles), "{roles}");
        }
    }

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@sub.example.edu", "x@b-c.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "", "plain", "@b.co", "a@", "a@b", "a@@b.co", "a b@c.co", "a@b..co", "a@b.co.",
            "a\n@b.co",
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn course_ids() {
        assert!(is_course_id("BIO-101"));
        assert!(is_course_id(&"é".repeat(255)));
        assert!(!is_course_id(&"x".repeat(256)));
        assert!(!is_course_id(""));
        assert!(!is_course_id("   "));
        assert!(!is_course_id("BIO\u{0}101"));
        assert!(!is_course_id("BIO\t101"));
    }
}
