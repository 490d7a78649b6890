//! The main type here is [`Classroom`]: the reference implementation of the Google Classroom
//! API v1 request errors (vendor id `classroom`).
//!
//! It serves courses.create, courses.patch, courses.students.create, courses.teachers.create,
//! courses.teachers.delete, courses.courseWork.create and registrations.create, and raises
//! the nine documented request errors: CourseMemberLimitReached, CourseNotModifiable,
//! CourseTeacherLimitReached, UserGroupsMembershipLimitReached, AttachmentNotVisible
//! (400 FAILED_PRECONDITION), MissingGrant (403 PERMISSION_DENIED), the generic quota and
//! UserCourseJoinRateLimitReached (429 RESOURCE_EXHAUSTED) and INTERNAL (500, fault
//! `internal`).
//!
//! Not for: the rest of the Classroom API (invitations, guardians, submissions, ...).

mod body;
mod context;
mod course_work;
mod courses;
mod errors;
mod fixtures;
mod registrations;
mod roster;
mod routes;
mod service;
mod state;

pub use service::Classroom;
