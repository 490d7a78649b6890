//! The CourseKey reference against the CourseKey error dictionary: for every documented row
//! a hand-written request that provokes it and the exact documented status, code (or its
//! absence) and message; a valid request per endpoint; and the concurrency guarantees.
//!
//! The expected texts are copied from the seed by hand, never taken from the module, so a
//! typo on either side fails here.

#[path = "reference_coursekey/support.rs"]
mod support;

#[path = "reference_coursekey/attendances.rs"]
mod attendances;
#[path = "reference_coursekey/concurrency.rs"]
mod concurrency;
#[path = "reference_coursekey/courses.rs"]
mod courses;
#[path = "reference_coursekey/gate.rs"]
mod gate;
#[path = "reference_coursekey/members.rs"]
mod members;
#[path = "reference_coursekey/users.rs"]
mod users;
