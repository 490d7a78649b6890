//! What a method knows about the call besides the request ([`Ctx`]), and the limits in force
//! ([`Limits`]). The methods and the service both read them; neither imports the other for them.

use super::fixtures::Principal;
use crate::reference::Config;

/// The limits in force, read from [`Config`] at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Students per course (teachers and the owner are not counted).
    pub course_members: u64,
    /// Teachers per course, the owner not counted.
    pub course_teachers: u64,
    /// Courses a user may be a member of, as student or teacher (ownership not counted).
    pub user_courses: u64,
    /// Self-joins per user per day; the day lasts as long as the instance.
    pub daily_joins: u64,
    /// Requests of the low-quota token per 60-second window.
    pub requests_per_minute: u64,
}

impl Limits {
    /// The limits set in `config`, with small defaults so that a run reaches them quickly.
    pub fn from_config(config: &Config) -> Self {
        Limits {
            course_members: config.limit("classroom.course_members", 5),
            course_teachers: config.limit("classroom.course_teachers", 3),
            user_courses: config.limit("classroom.user_courses", 4),
            daily_joins: config.limit("classroom.daily_joins", 3),
            requests_per_minute: config.limit("classroom.requests_per_minute", 5),
        }
    }
}

/// What a method knows about the call besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub principal: Principal,
    pub limits: Limits,
    pub config: &'a Config,
}

impl Ctx<'_> {
    /// The user a `userId` names: "me" is the caller, otherwise the id or email as given.
    pub fn resolve_me<'a>(&self, user_ref: &'a str) -> &'a str {
        if user_ref == "me" {
            self.principal.user_id
        } else {
            user_ref
        }
    }
}
