//! The main type here is [`ErrorRow`]: one row of Class's published table of LTI course-launch
//! failures, with the HTTP status this reference answers it with. The rows are listed in code
//! order, which the table documents as the order of processing.
//!
//! Code, name and (where the table prints a whole sentence) message are the table's own words,
//! including its spellings (`PRIVLEGED_`, `DEFERED_`) and its typographic apostrophes. The
//! statuses are the spec's choice; the table gives none. The table truncates the
//! descriptions of 1006, 1007, 1009 and 1011: their messages continue the printed fragment
//! with an assumed ending.
//!
//! Not for: deciding when a row applies (that is `launch` and `class_details`).

use serde_json::json;

use crate::target::Response;

/// One documented failure: `{"error": {"code", "name", "message"}}` with `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ErrorRow {
    pub code: u16,
    pub name: &'static str,
    pub message: &'static str,
    pub status: u16,
}

impl ErrorRow {
    /// The answer for this row.
    pub fn response(&self) -> Response {
        Response::json(
            self.status,
            &json!({"error": {"code": self.code, "name": self.name, "message": self.message}}),
        )
    }
}

pub(super) const FAILED_IMSLTI_VALIDATION: ErrorRow = ErrorRow {
    code: 1001,
    name: "FAILED_IMSLTI_VALIDATION",
    message: "The request did not pass the IMSLTI validator.",
    status: 400,
};

pub(super) const LTI_CREDENTIALS_NOT_FOUND: ErrorRow = ErrorRow {
    code: 1002,
    name: "LTI_CREDENTIALS_NOT_FOUND",
    message: "LTI integration credentials were not found in our database.",
    status: 401,
};

pub(super) const FAILED_TO_GET_LTI_CREDENTIALS: ErrorRow = ErrorRow {
    code: 1003,
    name: "FAILED_TO_GET_LTI_CREDENTIALS",
    message: "Something went wrong in getting LTI credentials from the database. There could \
              still be a record, but the request for that record failed.",
    status: 500,
};

pub(super) const EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST: ErrorRow = ErrorRow {
    code: 1004,
    name: "EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST",
    message: "Email attribute name was included in credential creation, but was not found in \
              the launch request",
    status: 400,
};

pub(super) const COURSE_ID_ATTRIBUTE_NAME_NOT_IN_REQUEST: ErrorRow = ErrorRow {
    code: 1005,
    name: "COURSE_ID_ATTRIBUTE_NAME_NOT_IN_REQUEST",
    message: "Course ID attribute name was included in credential creation, but was not found \
              in the launch request",
    status: 400,
};

/// Message assumed: the table prints only "The request’s email value was".
pub(super) const INVALID_USER_EMAIL: ErrorRow = ErrorRow {
    code: 1006,
    name: "INVALID_USER_EMAIL",
    message: "The request’s email value was invalid.",
    status: 400,
};

/// Message assumed: the table prints only "The request’s course id value was".
pub(super) const INVALID_COURSE_ID: ErrorRow = ErrorRow {
    code: 1007,
    name: "INVALID_COURSE_ID",
    message: "The request’s course id value was invalid.",
    status: 400,
};

pub(super) const FAILED_TO_GET_ZOOM_AUTH: ErrorRow = ErrorRow {
    code: 1008,
    name: "FAILED_TO_GET_ZOOM_AUTH",
    message: "Something went wrong in getting user’s zoom authentication record. There could \
              still be a record, but the request for that record failed.",
    status: 500,
};

/// Message assumed: the table prints only "User is a".
pub(super) const PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED: ErrorRow = ErrorRow {
    code: 1009,
    name: "PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED",
    message: "User is a privileged user who has not yet authorized Class to use their Zoom \
              account.",
    status: 403,
};

pub(super) const FAILED_TO_GET_LTI_COURSE_LINKAGE: ErrorRow = ErrorRow {
    code: 1010,
    name: "FAILED_TO_GET_LTI_COURSE_LINKAGE",
    message: "Something went wrong in getting LTI course linkage from the database. There could \
              still be a record, but the request for that record failed.",
    status: 500,
};

/// Message assumed: the table prints only "User is launching as a".
pub(super) const CLASS_NOT_YET_CREATED: ErrorRow = ErrorRow {
    code: 1011,
    name: "CLASS_NOT_YET_CREATED",
    message: "User is launching as a non-privileged user, but the class has not yet been \
              created by an instructor.",
    status: 403,
};

pub(super) const FAILED_TO_GET_MEETING_DEFAULTS: ErrorRow = ErrorRow {
    code: 1012,
    name: "FAILED_TO_GET_MEETING_DEFAULTS",
    message: "Something went wrong in getting schools meeting defaults. There could still be a \
              record, but the request for that record failed.",
    status: 500,
};

pub(super) const FAILED_TO_CREATE_DEFERED_CLASSES: ErrorRow = ErrorRow {
    code: 1013,
    name: "FAILED_TO_CREATE_DEFERED_CLASSES",
    message: "Something went wrong creating classes or enrollments that were deferred for the \
              instructor via API",
    status: 500,
};

pub(super) const FAILED_TO_CREATE_CLASS: ErrorRow = ErrorRow {
    code: 1014,
    name: "FAILED_TO_CREATE_CLASS",
    message: "Something went wrong in creating the class. This could be because of their zoom \
              access token is invalid and they tried to create a meeting.",
    status: 500,
};

pub(super) const FAILED_TO_GET_OR_CREATE_LINKED_ENROLLMENT: ErrorRow = ErrorRow {
    code: 1015,
    name: "FAILED_TO_GET_OR_CREATE_LINKED_ENROLLMENT",
    message: "Something went wrong in getting or creating enrollment for the class.",
    status: 500,
};

pub(super) const ZOOM_AUTHENTICATION_ERROR: ErrorRow = ErrorRow {
    code: 1337,
    name: "ZOOM_AUTHENTICATION_ERROR",
    message: "Instructors will try to edit class details from the LMS but have not yet logged \
              into Zoom through Class or the Admin panel.",
    status: 403,
};

/// Every row, in the table's order.
#[cfg(test)]
pub(super) const ALL: [ErrorRow; 16] = [
    FAILED_IMSLTI_VALIDATION,
    LTI_CREDENTIALS_NOT_FOUND,
    FAILED_TO_GET_LTI_CREDENTIALS,
    EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST,
    COURSE_ID_ATTRIBUTE_NAME_NOT_IN_REQUEST,
    INVALID_USER_EMAIL,
    INVALID_COURSE_ID,
    FAILED_TO_GET_ZOOM_AUTH,
    PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED,
    FAILED_TO_GET_LTI_COURSE_LINKAGE,
    CLASS_NOT_YET_CREATED,
    FAILED_TO_GET_MEETING_DEFAULTS,
    FAILED_TO_CREATE_DEFERED_CLASSES,
    FAILED_TO_CREATE_CLASS,
    FAILED_TO_GET_OR_CREATE_LINKED_ENROLLMENT,
    ZOOM_AUTHENTICATION_ERROR,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_code_order_and_render_the_envelope() {
        assert!(ALL.windows(2).all(|w| w[0].code < w[1].code));
        let body = LTI_CREDENTIALS_NOT_FOUND.response().json_body();
        assert_eq!(
            body,
            Some(json!({"error": {
                "code": 1002,
                "name": "LTI_CREDENTIALS_NOT_FOUND",
                "message": "LTI integration credentials were not found in our database."
            }}))
        );
    }
}
