//! Course attendance session records: `POST /attendances` (one session),
//! `POST /attendances/bulk` (`sessions`), `DELETE /attendances` (`attendanceID`) and
//! `POST /attendances/bulk-delete` (`attendanceIDs`), in the order CourseKey checks them.
//!
//! Session fields: `schoolID`, `courseID` or `addCode`, `startDate`, `endDate` (M/D/YYYY),
//! `startTime`, `endTime` (H:mm[:ss]), `timeZone` (IANA) are required; `attendanceID` (unique
//! per course; generated when left out) and `mappingID` are optional. The course is looked up
//! across all schools; the body's `schoolID` only matters for the integration configuration
//! when `mappingID` is set.
//!
//! Bulk requests are all or nothing: the first failing element answers and nothing is
//! written. In a bulk create, `schoolID`, `courseID`, `addCode` and `mappingID` at the top
//! level are defaults for every element of `sessions`, and each element is checked against
//! the stored sessions and the elements before it.
//!
//! Not for: the course's own schedule (`courses`).

use serde_json::Value;

use super::context::Context;
use super::state::{Course, Located, Session, Store};
use super::validate::{
    bare, clock_time, data, list, local_instant, time_zone, us_date, ApiError, Body, Outcome,
};

/// Top-level fields a bulk create passes down to each session.
const SHARED_FIELDS: [&str; 4] = ["schoolID", "courseID", "addCode", "mappingID"];

/// `POST /attendances`: one session (see [`check_session`] for the order), then the insert.
pub(super) fn create(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let session = check_session(body, context, store, &[])?;
    let record = session.to_json();
    store.add_session(session);
    Ok(data(201, record))
}

/// `POST /attendances/bulk`. Order: 1. required `schoolID` and `sessions` (a non-empty
/// array); 2. each session in turn, as [`check_session`]. Then every session is inserted.
pub(super) fn create_bulk(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let mut missing = body.missing(&["schoolID"]);
    let items = match body.value("sessions") {
        Some(Value::Array(items)) if !items.is_empty() => items.as_slice(),
        _ => {
            missing.push("sessions");
            &[]
        }
    };
    if !missing.is_empty() {
        return Err(missing_required_parameter(&missing));
    }
    let mut batch: Vec<Session> = Vec::new();
    for item in items {
        let mut session_body = Body::of(item);
        for field in SHARED_FIELDS {
            if let Some(value) = body.value(field) {
                session_body.insert_default(field, value);
            }
        }
        let session = check_session(&session_body, context, store, &batch)?;
        batch.push(session);
    }
    let records: Vec<Value> = batch.iter().map(Session::to_json).collect();
    for session in batch {
        store.add_session(session);
    }
    Ok(data(201, Value::Array(records)))
}

/// `DELETE /attendances`. Order: 1. required `schoolID`, `attendanceID`; 2. the mapping
/// configuration; 3. the course, when `courseID` or `addCode` is given (as on create);
/// 4. the session exists. Then it is deleted; the answer is the deleted session.
pub(super) fn delete(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let missing = body.missing(&["schoolID", "attendanceID"]);
    if !missing.is_empty() {
        return Err(missing_required_parameter(&missing));
    }
    check_mapping(body, context)?;
    let course = optional_course(body, context, store)?;
    let id = body.value("attendanceID").map(bare).unwrap_or_default();
    let found = matching(store, &id, course.as_ref(), context);
    if found.is_empty() {
        return Err(attendance_does_not_exist(&id));
    }
    if context
        .config
        .mutant_is("coursekey.attendance-delete-not-persisted")
    {
        let kept = store.session_at(found[0]).map(|s| s.to_json());
        return Ok(data(200, kept.unwrap_or(Value::Null)));
    }
    let removed = remove(store, &found);
    Ok(data(200, removed.first().cloned().unwrap_or(Value::Null)))
}

/// `POST /attendances/bulk-delete`. Order: 1. required `schoolID` and `attendanceIDs` (a
/// non-empty array); 2. the mapping configuration; 3. the course when given; 4. every id
/// exists (the first that does not answers, and nothing is deleted; an id listed twice does
/// not exist the second time). Then all are deleted; the answer lists the deleted sessions.
pub(super) fn delete_bulk(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let mut missing = body.missing(&["schoolID"]);
    let ids: Vec<String> = match body.value("attendanceIDs") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().map(bare).collect(),
        _ => {
            missing.push("attendanceIDs");
            Vec::new()
        }
    };
    if !missing.is_empty() {
        return Err(missing_required_parameter(&missing));
    }
    check_mapping(body, context)?;
    let course = optional_course(body, context, store)?;
    let mut doomed: Vec<u64> = Vec::new();
    for id in &ids {
        let found: Vec<u64> = matching(store, id, course.as_ref(), context)
            .into_iter()
            .filter(|i| !doomed.contains(i))
            .collect();
        if found.is_empty() {
            return Err(attendance_does_not_exist(id));
        }
        doomed.extend(found);
    }
    let removed = remove(store, &doomed);
    Ok(data(200, Value::Array(removed)))
}

/// One session to create. Order of checks:
/// 1. required `schoolID`, `courseID` or `addCode` (both listed when both are left out),
///    `startDate`, `endDate`, `startTime`, `endTime`, `timeZone`; 2. with `mappingID`, the
///    body's school must have an integration configuration; 3. the course (not found, or
///    403 not authorized); 4. the course has attendance options; 5. the formats in field
///    order (`startDate`, `endDate`, `startTime`, `endTime`, then `timeZone`, whose failure
///    is undocumented for sessions); 6. start before end (undocumented for sessions);
///    7. `attendanceID` unique in the course; 8. no overlap with a session of the course
///    (the overlapping session goes in `info`).
fn check_session(
    body: &Body,
    context: &Context<'_>,
    store: &mut Store,
    batch: &[Session],
) -> Result<Session, ApiError> {
    let mut missing = body.missing(&["schoolID"]);
    if !body.given("courseID") && !body.given("addCode") {
        missing.extend(["courseID", "addCode"]);
    }
    missing.extend(body.missing(&["startDate", "endDate", "startTime", "endTime", "timeZone"]));
    if !missing.is_empty() {
        return Err(missing_required_parameter(&missing));
    }
    check_mapping(body, context)?;
    let course = find_course(body, context, store)?;
    if !course.has_attendance_options {
        return Err(ApiError::new(
            400,
            Some(2112),
            "Attendance options not setup.",
        ));
    }

    let field = |name: &str| body.value(name).cloned().unwrap_or_default();
    let start_date = us_date(&field("startDate"))
        .ok_or_else(|| ApiError::new(400, Some(10002), "Start Date invalid"))?;
    let end_date = us_date(&field("endDate"))
        .ok_or_else(|| ApiError::new(400, Some(10003), "End Date invalid"))?;
    let start_time = clock_time(&field("startTime"))
        .ok_or_else(|| ApiError::new(400, Some(10006), "Invalid start time"))?;
    let end_time = clock_time(&field("endTime"))
        .ok_or_else(|| ApiError::new(400, Some(10007), "Invalid end time"))?;
    let zone_value = field("timeZone");
    let Some(zone) = time_zone(&zone_value) else {
        return Err(ApiError::new(
            400,
            Some(10005),
            format!(
                "Invalid timezone: {}. Use the IANA TZDB standard",
                bare(&zone_value)
            ),
        ));
    };
    let start = local_instant(start_date, start_time, zone);
    let end = local_instant(end_date, end_time, zone);
    if start >= end {
        return Err(ApiError::new(
            400,
            Some(10005),
            "Invalid session times: start must be before end",
        ));
    }

    let attendance_id = match body.text("attendanceID") {
        Some(id) => id,
        None => format!("ck-att-{:06}", store.next_id()),
    };
    let session = Session {
        attendance_id,
        course_id: course.course_id,
        school_id: course.school_id,
        start_date,
        end_date,
        start_time,
        end_time,
        time_zone: zone,
        start,
        end,
        mapping_id: body.text("mappingID"),
    };
    let same_course = || {
        store
            .sessions_of(&session.course_id)
            .chain(batch.iter().filter(|s| s.course_id == session.course_id))
    };
    if same_course().any(|s| s.attendance_id == session.attendance_id) {
        return Err(ApiError::new(
            400,
            None,
            "mAttendanceID_courseID_sysID must be unique.",
        ));
    }
    if let Some(existing) = same_course().find(|s| s.overlaps(&session)) {
        return Err(
            ApiError::new(400, Some(2109), "Attendance Overlap").with_info(existing.to_json())
        );
    }
    Ok(session)
}

fn missing_required_parameter(missing: &[&str]) -> ApiError {
    ApiError::new(
        400,
        Some(2019),
        format!("Missing required parameter: {}", list(missing)),
    )
}

/// With `mappingID` set, the body's school must have an integration configuration.
fn check_mapping(body: &Body, context: &Context<'_>) -> Result<(), ApiError> {
    let school_id = body.text("schoolID").unwrap_or_default();
    if body.given("mappingID") && !context.configured(&school_id) {
        return Err(ApiError::new(
            400,
            Some(2019),
            "School's integration configuration has not been setup.",
        ));
    }
    Ok(())
}

/// The session's course across all schools, by `courseID` or `addCode`.
fn find_course(body: &Body, context: &Context<'_>, store: &Store) -> Result<Course, ApiError> {
    let located = store.locate(
        body.text("courseID").as_deref(),
        body.text("addCode").as_deref(),
        &|school| context.authorizes(school),
    );
    match located {
        Located::Course(course) => Ok(*course),
        Located::NotAuthorized => Err(ApiError::new(403, Some(2213), "Course not authorized")),
        // The session row has no final period, unlike the course member row.
        Located::NotFound => Err(ApiError::new(400, Some(2213), "Course not found")),
    }
}

/// On delete the course is optional: when named, it is looked up as on create.
fn optional_course(
    body: &Body,
    context: &Context<'_>,
    store: &Store,
) -> Result<Option<Course>, ApiError> {
    if body.given("courseID") || body.given("addCode") {
        find_course(body, context, store).map(Some)
    } else {
        Ok(None)
    }
}

/// The stored sessions with that id (their record numbers, oldest first): in the named course,
/// or else in any course of a school the key is authorized for.
fn matching(store: &Store, id: &str, course: Option<&Course>, context: &Context<'_>) -> Vec<u64> {
    store
        .sessions_with_id(id)
        .filter(|(_, s)| match course {
            Some(course) => s.course_id == course.course_id,
            None => context.authorizes(&s.school_id),
        })
        .map(|(seq, _)| seq)
        .collect()
}

fn attendance_does_not_exist(id: &str) -> ApiError {
    ApiError::new(400, Some(5), format!("AttendanceID {id} does not exist"))
}

/// Removes the sessions at those record numbers; returns them in store order.
fn remove(store: &mut Store, seqs: &[u64]) -> Vec<Value> {
    store
        .remove_sessions(seqs)
        .iter()
        .map(Session::to_json)
        .collect()
}
