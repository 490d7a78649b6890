//! User records: `POST /users` (create) and `PUT /users` (update), in the order CourseKey
//! checks them.
//!
//! Create: `schoolID`, `issuedID`, `firstName`, `lastName`, `email` are required; `userID`
//! (the SIS id), `isTeacher` and `sendWelcomeEmail` are optional. Update: `schoolID` and one
//! of `userID` / `email` name the user; `firstName`, `lastName`, `issuedID`, `isTeacher` and
//! (when the user is named by `userID`) `email` may change.
//!
//! Not for: enrolments (`members`).

use super::context::Context;
use super::state::{Store, User};
use super::validate::{bare, data, flag, is_email, list, ApiError, Body, Outcome};
use super::world::WELCOME_EMAIL_TEMPLATE;

/// `POST /users`. Order of checks:
/// 1. account fields (`schoolID`, `issuedID`), 2. user fields (`firstName`, `lastName`,
///    `email`), 3. the key's school, 4. the school's configuration, 5. email format,
///    6. email unique across CourseKey (ignoring case), 7. `userID` unique in the school,
///    8. the welcome email (fault `welcome_email_template`), then the insert.
///
/// Steps 6–8 and the insert run under the store lock, so of N identical creates exactly one
/// succeeds. A failed welcome email rolls the create back (the user is not stored).
pub(super) fn create(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    // Row "Account missing the following fields": the response line reads "User missing the
    // following fields:" with no space after the colon. When both groups miss fields, the
    // account group answers and lists only its own fields.
    let mut missing = body.missing(&["schoolID", "issuedID"]);
    if !missing.is_empty() {
        if context
            .config
            .mutant_is("coursekey.account-fields-fixed-list")
        {
            missing = vec!["schoolID", "issuedID"];
        }
        let heading = if context
            .config
            .mutant_is("coursekey.account-fields-heading-text")
        {
            "Account missing the following fields: "
        } else {
            "User missing the following fields:"
        };
        return Err(ApiError::new(
            400,
            Some(10005),
            format!("{heading}{}", list(&missing)),
        ));
    }
    // Row "User missing the following fields".
    let mut missing = body.missing(&["firstName", "lastName", "email"]);
    if !missing.is_empty() {
        if context.config.mutant_is("coursekey.user-fields-first-only") {
            missing.truncate(1);
        }
        return Err(ApiError::new(
            400,
            Some(10005),
            format!("User missing the following fields: {}", list(&missing)),
        ));
    }
    let school_id = body.text("schoolID").unwrap_or_default();
    check_school(&school_id, context)?;

    let email_value = body.value("email").cloned().unwrap_or_default();
    if !is_email(&email_value) {
        let status = if context.config.mutant_is("coursekey.invalid-email-500") {
            500
        } else {
            400
        };
        return Err(ApiError::new(
            status,
            None,
            "Validation isEmail on email failed.",
        ));
    }
    let email = bare(&email_value);
    if store.user_by_email(&email).is_some() {
        let code = if context.config.mutant_is("coursekey.email-unique-with-code") {
            Some(10005)
        } else {
            None
        };
        // The response line has no final period.
        return Err(ApiError::new(400, code, "Email must be unique"));
    }
    let user_id = body.text("userID");
    if let Some(sis) = &user_id {
        if store.user_in_school_by_sis(&school_id, sis).is_some() {
            return Err(ApiError::new(400, None, "userID_schoolID must be unique."));
        }
    }
    let welcome_failed = flag(body.value("sendWelcomeEmail"))
        && context.hooks.fails(WELCOME_EMAIL_TEMPLATE)
        && !context
            .config
            .mutant_is("coursekey.welcome-email-fault-ignored");
    let keep_rejected = context.config.mutant_is("coursekey.persist-rejected");
    if welcome_failed && !keep_rejected {
        return Err(ApiError::new(500, None, "template not found."));
    }

    let user = User {
        id: store.next_id(),
        user_id,
        school_id,
        issued_id: body.text("issuedID").unwrap_or_default(),
        first_name: body.text("firstName").unwrap_or_default(),
        last_name: body.text("lastName").unwrap_or_default(),
        email,
        is_teacher: flag(body.value("isTeacher")),
    };
    let record = user.to_json();
    store.add_user(user);
    if welcome_failed {
        // The create is not rolled back: the user stays although the request failed.
        return Err(ApiError::new(500, None, "template not found."));
    }
    Ok(data(201, record))
}

/// `PUT /users`. Order of checks:
/// 1. `schoolID`, 2. `userID` or `email`, 3. the key's school, 4. the school's configuration,
///    5. the user exists in that school (by `userID` when given, else by `email`),
///    6. a new email's format and uniqueness, then the update.
pub(super) fn update(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let missing = body.missing(&["schoolID"]);
    if !missing.is_empty() {
        return Err(ApiError::new(
            400,
            Some(2019),
            format!("Missing required parameter: {}", list(&missing)),
        ));
    }
    if !body.given("userID") && !body.given("email") {
        return Err(ApiError::new(
            400,
            Some(10008),
            "userID or email is required for updating user.",
        ));
    }
    let school_id = body.text("schoolID").unwrap_or_default();
    check_school(&school_id, context)?;

    let sis = body.text("userID");
    let email = body.text("email");
    let found = match (&sis, &email) {
        (Some(sis), _) => store.user_in_school_by_sis(&school_id, sis),
        (None, Some(email)) => store.user_in_school_by_email(&school_id, email),
        (None, None) => None,
    };
    let Some(index) = found else {
        if context
            .config
            .mutant_is("coursekey.user-not-found-no-period")
        {
            return Err(ApiError::new(400, Some(10009), "User not found"));
        }
        return Err(ApiError::new(400, Some(10009), "User not found."));
    };

    if let (Some(_), Some(new_email)) = (&sis, &email) {
        if !body.value("email").is_some_and(is_email) {
            return Err(ApiError::new(
                400,
                None,
                "Validation isEmail on email failed.",
            ));
        }
        if store.email_taken(new_email, Some(index)) {
            return Err(ApiError::new(400, None, "Email must be unique"));
        }
    }

    let drops_email = context
        .config
        .mutant_is("coursekey.user-update-drops-email");
    let updated = store.update_user(index, |user| {
        if sis.is_some() {
            if let Some(new_email) = email {
                user.email = new_email;
            } else if drops_email {
                user.email = String::new();
            }
        }
        if let Some(first) = body.text("firstName") {
            user.first_name = first;
        }
        if let Some(last) = body.text("lastName") {
            user.last_name = last;
        }
        if let Some(issued) = body.text("issuedID") {
            user.issued_id = issued;
        }
        if body.value("isTeacher").is_some() {
            user.is_teacher = flag(body.value("isTeacher"));
        }
        user.to_json()
    });
    let Some(record) = updated else {
        return Err(ApiError::new(400, Some(10009), "User not found."));
    };
    Ok(data(200, record))
}

/// Steps shared by create and update: the auth key must be authorized for the body's school
/// (403, echoing the bare id), and that school must have an integration configuration.
fn check_school(school_id: &str, context: &Context<'_>) -> Result<(), ApiError> {
    if !context.authorizes(school_id) {
        let status = if context
            .config
            .mutant_is("coursekey.users-unauthorized-school-400")
        {
            400
        } else {
            403
        };
        return Err(ApiError::new(
            status,
            Some(10005),
            format!("Unauthorized school: {school_id}"),
        ));
    }
    if !context.configured(school_id) {
        return Err(ApiError::new(
            400,
            Some(2019),
            "School's integration configuration has not been setup.",
        ));
    }
    Ok(())
}
