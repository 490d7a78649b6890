//! courses.students.create, courses.teachers.create and courses.teachers.delete: the course
//! rosters and the three membership limits.
//!
//! - The member limit (CourseMemberLimitReached) counts students only.
//! - The teacher limit (CourseTeacherLimitReached) does not count the owner.
//! - The groups limit (UserGroupsMembershipLimitReached) counts the courses a user is a
//!   student or teacher of; owning a course is not a membership.
//! - A daily join (UserCourseJoinRateLimitReached) is a students.create with an
//!   `enrollmentCode` or with `userId: "me"`; it is counted for the joining user when it
//!   succeeds, and the day lasts as long as the instance.
//!
//! Not for: the course resource itself ([`super::courses`]).

use serde_json::{json, Value};

use super::body;
use super::context::Ctx;
use super::errors::{self, ApiError};
use super::state::State;
use crate::target::Request;

const USER_ID_MAX: usize = 320;

/// The role a roster request adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Student,
    Teacher,
}

/// courses.students.create, in processing order:
///
/// 1. the body must give `userId` (a numeric id, an email address or "me");
/// 2. an unknown course or user is 404 NOT_FOUND;
/// 3. a non-empty `enrollmentCode` must be the course's (400 INVALID_ARGUMENT);
/// 4. CourseNotModifiable when the course is ARCHIVED, DECLINED or SUSPENDED;
/// 5. a user already on the roster (student, teacher or owner) is 409 ALREADY_EXISTS;
/// 6. UserCourseJoinRateLimitReached when this is a join and the user already joined
///    `daily_joins` courses;
/// 7. CourseMemberLimitReached when the course already has `course_members` students;
/// 8. UserGroupsMembershipLimitReached when the user is already a member of `user_courses`
///    courses.
pub fn add_student(
    state: &mut State,
    ctx: &Ctx,
    course_id: &str,
    request: &Request,
) -> Result<Value, ApiError> {
    add(state, ctx, course_id, request, Role::Student)
}

/// courses.teachers.create: as students.create, without joins, and with
/// CourseTeacherLimitReached when the course already has `course_teachers` teachers besides
/// its owner.
pub fn add_teacher(
    state: &mut State,
    ctx: &Ctx,
    course_id: &str,
    request: &Request,
) -> Result<Value, ApiError> {
    add(state, ctx, course_id, request, Role::Teacher)
}

fn add(
    state: &mut State,
    ctx: &Ctx,
    course_id: &str,
    request: &Request,
    role: Role,
) -> Result<Value, ApiError> {
    let message = match role {
        Role::Student => "student",
        Role::Teacher => "teacher",
    };
    let body = body::object(request)?;
    let user_ref = body::required_string(&body, message, "userId", USER_ID_MAX)?;
    let enrollment_code = match role {
        Role::Student => request
            .query_param("enrollmentCode")
            .filter(|c| !c.is_empty()),
        Role::Teacher => None,
    };

    let limits = ctx.limits;
    let course = state.course(course_id).ok_or_else(errors::not_found)?;
    let user = state
        .user(ctx.resolve_me(&user_ref))
        .ok_or_else(errors::not_found)?;
    let user_id = user.id.clone();
    let profile = user.to_json();
    if let Some(code) = enrollment_code {
        if code != course.enrollment_code {
            return Err(errors::invalid_argument(
                "Invalid value for 'enrollmentCode': the code does not match the course.",
            ));
        }
    }
    if !course.state.is_modifiable() {
        return Err(errors::course_not_modifiable(course.state));
    }
    if course.has_on_roster(&user_id) {
        return Err(errors::already_exists());
    }
    let is_join = role == Role::Student && (enrollment_code.is_some() || user_ref == "me");
    if is_join && state.joins_of(&user_id) >= limits.daily_joins {
        let mut error = errors::user_course_join_rate_limit_reached(limits.daily_joins);
        if ctx.config.mutant_is("classroom.join-limit-type-renamed") {
            error.message = error.message.replace(
                "@UserCourseJoinRateLimitReached",
                "@UserCourseJoinRateLimitExceeded",
            );
        }
        return Err(error);
    }
    match role {
        Role::Student
            if course.students.len() as u64
                + u64::from(ctx.config.mutant_is("classroom.limit-off-by-one"))
                >= limits.course_members =>
        {
            let mut error = errors::course_member_limit_reached(limits.course_members);
            if ctx
                .config
                .mutant_is("classroom.member-limit-resource-exhausted")
            {
                error.canonical = "RESOURCE_EXHAUSTED";
            }
            return Err(error);
        }
        Role::Teacher if course.teachers.len() as u64 >= limits.course_teachers => {
            return Err(errors::course_teacher_limit_reached(limits.course_teachers));
        }
        _ => {}
    }
    if state.memberships(&user_id) >= limits.user_courses {
        return Err(errors::user_groups_membership_limit_reached(
            limits.user_courses,
        ));
    }

    state
        .update_course(course_id, |course| match role {
            Role::Student => course.students.push(user_id.clone()),
            Role::Teacher => course.teachers.push(user_id.clone()),
        })
        .ok_or_else(errors::not_found)?;
    if is_join {
        *state.joins.entry(user_id.clone()).or_insert(0) += 1;
    }
    Ok(json!({
        "courseId": course_id,
        "userId": user_id,
        "profile": profile,
    }))
}

/// courses.teachers.delete: an unknown course, user or non-teacher is 404 NOT_FOUND; the
/// owner (primary teacher) cannot be removed (400 FAILED_PRECONDITION
/// CannotRemoveCourseOwner). Answers `{}`.
pub fn remove_teacher(
    state: &mut State,
    ctx: &Ctx,
    course_id: &str,
    user_ref: &str,
) -> Result<Value, ApiError> {
    let user_id = state.user(ctx.resolve_me(user_ref)).map(|u| u.id.clone());
    let course = state.course(course_id).ok_or_else(errors::not_found)?;
    let user_id = user_id.ok_or_else(errors::not_found)?;
    if course.owner_id == user_id {
        return Err(errors::failed_precondition(
            "@CannotRemoveCourseOwner The primary teacher of the course cannot be removed.",
        ));
    }
    if !course.teachers.contains(&user_id) {
        return Err(errors::not_found());
    }
    state
        .update_course(course_id, |course| {
            course.teachers.retain(|t| t != &user_id)
        })
        .ok_or_else(errors::not_found)?;
    Ok(json!({}))
}
