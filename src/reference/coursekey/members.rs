//! Course member (enrolment) records: `POST /course-members`, in the order CourseKey checks
//! them.
//!
//! Fields: `schoolID`, `email` and one of `courseID` / `addCode` (required); `isAdmin` and
//! `mappingID` (optional). The course is looked up across all schools; the body's `schoolID`
//! only matters for the integration configuration when `mappingID` is set.
//!
//! Not for: the users and courses themselves (`users`, `courses`).

use super::context::Context;
use super::state::{Located, Member, Store};
use super::validate::{data, flag, list, ApiError, Body, Outcome};

/// `POST /course-members`. Order of checks:
/// 1. required `schoolID`, `email`, and `courseID` or `addCode` (both listed when both are
///    left out); 2. with `mappingID`, the body's school must have an integration
///    configuration (an unknown school has none); 3. the course: a `courseID` that matches
///    nothing is "Course not found.", an `addCode` that matches nothing (also when only the
///    case differs) is "Course does not exist.", a course of a school the key is not
///    authorized for is 403 "Course not authorized"; 4. the user by email (ignoring case,
///    any school); 5. one enrolment per user and course. Then the insert.
pub(super) fn create(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let mut missing = body.missing(&["schoolID", "email"]);
    if !body.given("courseID") && !body.given("addCode") {
        missing.extend(["courseID", "addCode"]);
    }
    if !missing.is_empty() {
        return Err(ApiError::new(
            400,
            Some(2019),
            format!("Missing required parameter: {}", list(&missing)),
        ));
    }
    let school_id = body.text("schoolID").unwrap_or_default();
    let mapping_id = body.text("mappingID");
    if mapping_id.is_some() && !context.configured(&school_id) {
        return Err(ApiError::new(
            400,
            Some(2019),
            "School's integration configuration has not been setup.",
        ));
    }

    let course_id = body.text("courseID");
    let located = store.locate(
        course_id.as_deref(),
        body.text("addCode").as_deref(),
        &|school| context.authorizes(school),
    );
    let course = match located {
        Located::Course(course) => *course,
        Located::NotAuthorized => {
            return Err(ApiError::new(403, Some(2213), "Course not authorized"));
        }
        Located::NotFound if course_id.is_some() => {
            return Err(ApiError::new(400, Some(2213), "Course not found."));
        }
        Located::NotFound => {
            let code = if context
                .config
                .mutant_is("coursekey.member-course-mixed-reading")
            {
                2213
            } else {
                10005
            };
            return Err(ApiError::new(400, Some(code), "Course does not exist."));
        }
    };

    let email = body.text("email").unwrap_or_default();
    let Some(user) = store.user_by_email(&email) else {
        return Err(ApiError::new(400, Some(10005), "User does not exist."));
    };
    let user = user.id;
    if store.is_enrolled(user, &course.course_id) {
        // Row "userID_courseID must be unique": its response line names userID_schoolID.
        return Err(ApiError::new(400, None, "userID_schoolID must be unique."));
    }

    let member = Member {
        user,
        email,
        course_id: course.course_id,
        school_id: course.school_id,
        is_admin: flag(body.value("isAdmin")),
        mapping_id,
    };
    let record = member.to_json();
    store.add_member(member);
    Ok(data(201, record))
}
