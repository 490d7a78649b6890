//! Course records: `POST /courses` (create) and `PUT /courses` (update), in the order
//! CourseKey checks them.
//!
//! Fields: `schoolID` and `name` (required), `courseID` (optional on create; with `addCode`
//! it names the course on update), `addCode`, `owner` (email), `admin` (emails),
//! `attendanceName`, the schedule (`start`/`end` as ISO 8601, or `startDate`/`endDate` as
//! M/D/YYYY, `startTime`/`endTime` as H:mm[:ss] and an IANA `timeZone`), `days`, `duration`,
//! and the conversion data (`strategy`, `totalTime`, `syncTime`, `asyncTime`, `awardedTime`,
//! `maxAwardedTimePerDay`).
//!
//! An update replaces what it names: `name` is required as on create; a group left out
//! entirely (the schedule, owner, admins, days, duration, the conversion data) keeps its
//! stored value.
//!
//! Not for: enrolments (`members`) or attendance sessions (`attendances`).

use serde_json::{json, Value};

use super::context::Context;
use super::state::{AttendanceSetting, Conversion, Course, Schedule, School, Store};
use super::validate::{
    bare, clock_time, data, iso_instant, list, number, time_zone, us_date, ApiError, Body, Outcome,
};

/// The split schedule fields, in the order the documented message lists them.
const SPLIT_FIELDS: [&str; 5] = ["startDate", "endDate", "startTime", "endTime", "timeZone"];
/// The conversion parameters of a course.
const CONVERSION_FIELDS: [&str; 6] = [
    "strategy",
    "totalTime",
    "syncTime",
    "asyncTime",
    "awardedTime",
    "maxAwardedTimePerDay",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// `POST /courses`. Order of checks:
/// 1. required `schoolID`, `name`; 2. the key's school (400), 3. the school's configuration;
/// 4. `attendanceName` (required where the school has several attendance settings);
/// 5. a re-create of an existing `courseID`; 6. `addCode` (length, characters, a non-numeric
///    character, unique in the school); 7. `owner`, then each `admin`; 8. the schedule
///    (exclusive groups, completeness, formats, time zone, start before end); 9. `days`;
///    10. `duration`; 11. `strategy`; 12. the conversion data when the attendance setting is
///    a conversion delivery method. Then the insert.
pub(super) fn create(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let missing = body.missing(&["schoolID", "name"]);
    if !missing.is_empty() {
        return Err(missing_required_parameter(&missing));
    }
    let school_id = body.text("schoolID").unwrap_or_default();
    let school = check_school(&school_id, context)?;
    let setting = attendance_setting(body, school, None)?;
    let conversion_setting = setting.as_ref().is_some_and(|s| s.conversion);

    // Re-creating a course that exists: the settings are already there. Which row answers
    // depends on what this request sets up (a conversion delivery method or not).
    let course_id = body.text("courseID");
    if let Some(id) = &course_id {
        if store.course(id).is_some() {
            return Err(if conversion_setting {
                ApiError::new(
                    400,
                    Some(10005),
                    "Conversion Course is already set up for this course.",
                )
            } else {
                ApiError::new(
                    400,
                    Some(10005),
                    "Attendance is already set up for this course.",
                )
            });
        }
    }

    let add_code = match body.value("addCode") {
        Some(code) => check_add_code(code, &school_id, None, store)?,
        None => generated_add_code(&school_id, store),
    };
    let owner = check_owner(body, &school_id, store)?;
    let admins = check_admins(body, &school_id, store)?;
    let schedule = match check_schedule(body, context)? {
        Some(schedule) => schedule,
        None => return Err(course_missing_fields()),
    };
    let days = check_days(body)?;
    let duration = check_duration(body)?;
    let strategy = check_strategy(body)?;
    // Conversion parameters sent with a non-conversion delivery method are ignored on create.
    let conversion = if conversion_setting {
        Some(check_conversion(body, &strategy)?)
    } else {
        None
    };

    let course_id = match course_id {
        Some(id) => id,
        None => format!("ck-course-{:06}", store.next_id()),
    };
    let course = Course {
        course_id,
        school_id,
        name: body.text("name").unwrap_or_default(),
        add_code,
        owner,
        admins: admins.unwrap_or_default(),
        has_attendance_options: setting.is_some(),
        attendance_name: setting.map(|s| s.name),
        conversion,
        schedule: Some(schedule),
        days,
        duration,
    };
    let record = course.to_json();
    store.add_course(course);
    Ok(data(201, record))
}

/// `PUT /courses`. Order of checks:
/// 1. required `schoolID`, `name` and one of `courseID` / `addCode`; 2. the key's school
///    (400), 3. the school's configuration; 4. the course exists in that school (by
///    `courseID` when given, else by `addCode`); 5. `attendanceName` (the stored one when
///    left out); 6. a new `addCode` (when the course is named by `courseID`); 7. `owner`,
///    `admin`; 8. the schedule; 9. `days`; 10. `duration`; 11. `strategy`; 12. conversion
///    data on a course not created with conversion; 13. the conversion data. Then the update.
pub(super) fn update(body: &Body, context: &Context<'_>, store: &mut Store) -> Outcome {
    let mut missing = body.missing(&["schoolID", "name"]);
    if !body.given("courseID") && !body.given("addCode") {
        missing.extend(["courseID", "addCode"]);
    }
    if !missing.is_empty() {
        return Err(missing_required_parameter(&missing));
    }
    let school_id = body.text("schoolID").unwrap_or_default();
    let school = check_school(&school_id, context)?;

    let by_id = body.text("courseID");
    let found = store.course_in_school(
        &school_id,
        by_id.as_deref(),
        body.text("addCode").as_deref(),
    );
    let Some(stored) = found.and_then(|i| store.course_at(i).cloned()) else {
        return Err(ApiError::new(400, Some(10005), "Course does not exist."));
    };

    let setting = attendance_setting(body, school, stored.attendance_name.as_deref())?;
    let conversion_setting = setting.as_ref().is_some_and(|s| s.conversion);
    let add_code = match (&by_id, body.value("addCode")) {
        (Some(_), Some(code)) => check_add_code(code, &school_id, Some(&stored), store)?,
        _ => stored.add_code.clone(),
    };
    let owner = match body.value("owner") {
        Some(_) => check_owner(body, &school_id, store)?,
        None => stored.owner.clone(),
    };
    let admins = check_admins(body, &school_id, store)?.unwrap_or(stored.admins.clone());
    let schedule = match check_schedule(body, context)? {
        Some(schedule) => Some(schedule),
        None if given_any(body, &["start", "end"]) || given_any(body, &SPLIT_FIELDS) => {
            return Err(course_missing_fields())
        }
        None => stored.schedule.clone(),
    };
    let days = check_days(body)?.or(stored.days.clone());
    let duration = check_duration(body)?.or(stored.duration);
    let strategy = check_strategy(body)?;

    let sends_conversion = CONVERSION_FIELDS.iter().any(|f| body.value(f).is_some());
    if stored.conversion.is_none() && !conversion_setting && sends_conversion {
        return Err(ApiError::new(
            400,
            Some(10005),
            "Attempt to update the conversion data of a course that was not created with conversion.",
        ));
    }
    let names_conversion = CONVERSION_FIELDS.iter().any(|f| body.has_key(f));
    let conversion = match (&stored.conversion, conversion_setting) {
        (_, false) => None,
        (Some(kept), true) if !names_conversion => Some(kept.clone()),
        (_, true) => Some(check_conversion(body, &strategy)?),
    };

    let updated = found.and_then(|i| {
        store.update_course(i, |course| {
            course.name = body.text("name").unwrap_or_default();
            course.add_code = add_code;
            course.owner = owner;
            course.admins = admins;
            if let Some(setting) = setting {
                course.attendance_name = Some(setting.name);
                course.has_attendance_options = true;
            }
            course.conversion = conversion;
            course.schedule = schedule;
            course.days = days;
            course.duration = duration;
            course.to_json()
        })
    });
    let Some(record) = updated else {
        return Err(ApiError::new(400, Some(10005), "Course does not exist."));
    };
    Ok(data(200, record))
}

fn missing_required_parameter(missing: &[&str]) -> ApiError {
    ApiError::new(
        400,
        Some(2019),
        format!("Missing required parameter: {}", list(missing)),
    )
}

/// The key must be authorized for the body's school (answered 400 on courses, unlike users'
/// 403, as the two rows' response lines say), and the school must be configured.
fn check_school<'a>(school_id: &str, context: &Context<'a>) -> Result<&'a School, ApiError> {
    if !context.authorizes(school_id) {
        return Err(ApiError::new(
            400,
            Some(10005),
            format!("Unauthorized school: {school_id}"),
        ));
    }
    match context.directory.school(school_id) {
        Some(school) if school.settings.is_some() => Ok(school),
        _ => Err(ApiError::new(
            400,
            Some(2019),
            "School's integration configuration has not been setup.",
        )),
    }
}

/// The attendance setting of the course: the one `attendanceName` names; otherwise the
/// stored one (update) or the school's only non-conversion setting. A school with several
/// non-conversion settings needs a name that matches one of its settings exactly. In a school
/// with one setting an unknown name falls back to that setting. `None`: the school has no
/// setting, so the course has no attendance options.
fn attendance_setting(
    body: &Body,
    school: &School,
    stored: Option<&str>,
) -> Result<Option<AttendanceSetting>, ApiError> {
    let regular = school.regular_settings();
    let requested = body.text("attendanceName");
    if let Some(setting) = requested
        .as_deref()
        .or(stored)
        .and_then(|n| school.setting(n))
    {
        return Ok(Some(setting.clone()));
    }
    if regular.len() > 1 {
        return Err(ApiError::new(
            400,
            Some(10005),
            "attendanceName is required for school with multiple attendance settings.",
        ));
    }
    Ok(regular.first().map(|s| (*s).clone()))
}

/// The `addCode` rules, in this order: length, characters, a non-numeric character, unique in
/// the school (compared exactly: add codes are case-sensitive). `keep` is the course being
/// updated, whose own code does not count as taken.
fn check_add_code(
    value: &Value,
    school_id: &str,
    keep: Option<&Course>,
    store: &Store,
) -> Result<String, ApiError> {
    let code = bare(value);
    // The documents state the boundary two ways ("must be less than 26 characters" and
    // "cannot have more than 26 characters"). Reading chosen: 26 is accepted, 27+ is the
    // error.
    if code.chars().count() > 26 {
        return Err(ApiError::new(
            400,
            Some(10005),
            "addCode must be less than 26 characters.",
        ));
    }
    // The heading ends the list with ";", the response line with ",". Reading chosen: the
    // response line, so "," is allowed and ";" is not.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "~-_.!*\\(),".contains(c);
    if !code.chars().all(allowed) {
        return Err(ApiError::new(
            400,
            Some(10005),
            r"addCode must contain only these characters: a-z (A-Z), 0-9, '~', '-', '_', '.', '!', '*', '\', '(', ')', or ','",
        ));
    }
    // An empty code has no non-numeric character either.
    if code.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::new(
            400,
            Some(10005),
            "AddCode must contain at least one non-numeric character.",
        ));
    }
    if store.add_code_taken(school_id, &code, keep.map(|k| k.course_id.as_str())) {
        return Err(ApiError::new(400, Some(10005), "addCode must be unique."));
    }
    Ok(code)
}

/// A fresh add code for a course created without one (letters and digits, unique).
fn generated_add_code(school_id: &str, store: &mut Store) -> String {
    loop {
        let code = format!("CK{:06}", store.next_id());
        if !store.add_code_taken(school_id, &code, None) {
            return code;
        }
    }
}

/// The owner must be a user (by email, ignoring case) of this school who is a teacher.
/// A user that exists only in another school answers `userID_schoolID must be unique.`.
fn check_owner(body: &Body, school_id: &str, store: &Store) -> Result<Option<String>, ApiError> {
    let Some(email) = body.text("owner") else {
        return Ok(None);
    };
    match store.user_by_email(&email) {
        None => Err(ApiError::new(
            400,
            Some(10005),
            format!("Owner does not exist: {email}"),
        )),
        Some(user) if user.school_id != school_id => {
            Err(ApiError::new(400, None, "userID_schoolID must be unique."))
        }
        Some(user) if !user.is_teacher => Err(ApiError::new(
            400,
            Some(10005),
            format!("Unauthorized owner: {email}"),
        )),
        Some(_) => Ok(Some(email)),
    }
}

/// Each admin (an email, or an array of emails) must be a user of this school; a user that
/// exists only in another school answers `userID_schoolID must be unique.`. Admins need not
/// be teachers. `None`: no `admin` in the body.
fn check_admins(
    body: &Body,
    school_id: &str,
    store: &Store,
) -> Result<Option<Vec<String>>, ApiError> {
    let emails: Vec<String> = match body.value("admin") {
        None => return Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|v| !v.is_null())
            .map(bare)
            .filter(|e| !e.trim().is_empty())
            .collect(),
        Some(one) => vec![bare(one)],
    };
    for email in &emails {
        match store.user_by_email(email) {
            None => {
                return Err(ApiError::new(
                    400,
                    Some(10005),
                    format!("Admin does not exist: {email}"),
                ))
            }
            Some(user) if user.school_id != school_id => {
                return Err(ApiError::new(400, None, "userID_schoolID must be unique."))
            }
            Some(_) => {}
        }
    }
    Ok(Some(emails))
}

fn course_missing_fields() -> ApiError {
    ApiError::new(
        400,
        Some(2019),
        "Course missing the following fields: startDate, endDate, startTime, endTime, timeZone.",
    )
}

fn given_any(body: &Body, fields: &[&str]) -> bool {
    fields.iter().any(|f| body.given(f))
}

/// The schedule, in this order: the two groups are exclusive; `start` and `end` together, or
/// all five split fields (else `None`: the caller answers "Course missing the following
/// fields" or keeps the stored schedule); then the formats in field order; then start before
/// end (split form: `startDate` after `endDate`, or `startTime` not before `endTime`).
fn check_schedule(body: &Body, context: &Context<'_>) -> Result<Option<Schedule>, ApiError> {
    let invalid = |message: &str| ApiError::new(400, Some(10005), message);
    let iso_given = given_any(body, &["start", "end"]);
    let split_given = given_any(body, &SPLIT_FIELDS);
    if iso_given && split_given {
        return Err(invalid(
            "Course may only have the fields 'start, end' OR 'startDate, endDate, startTime, endTime, timeZone.'",
        ));
    }
    let field = |name: &str| body.value(name).cloned().unwrap_or_default();
    let before_end = || invalid("Invalid session times: start must be before end");
    if body.given("start") && body.given("end") {
        if context.config.mutant_is("coursekey.iso-schedule-rejected") {
            return Err(invalid("Invalid start date"));
        }
        let start = iso_instant(&field("start")).ok_or_else(|| invalid("Invalid start date"))?;
        let end = iso_instant(&field("end")).ok_or_else(|| invalid("Invalid end date"))?;
        if start >= end {
            return Err(before_end());
        }
        return Ok(Some(Schedule::Iso { start, end }));
    }
    if !SPLIT_FIELDS.iter().all(|f| body.given(f)) {
        return Ok(None);
    }
    let start_date = us_date(&field("startDate")).ok_or_else(|| invalid("Invalid start date"))?;
    let end_date = us_date(&field("endDate")).ok_or_else(|| invalid("Invalid end date"))?;
    let start_time =
        clock_time(&field("startTime")).ok_or_else(|| invalid("Invalid start time"))?;
    let end_time = clock_time(&field("endTime")).ok_or_else(|| invalid("Invalid end time"))?;
    let zone_value = field("timeZone");
    let Some(time_zone) = time_zone(&zone_value) else {
        let echoed = if context
            .config
            .mutant_is("coursekey.timezone-echo-undefined")
        {
            "undefined".to_string()
        } else {
            bare(&zone_value)
        };
        return Err(invalid(&format!(
            "Invalid timezone: {echoed}. Use the IANA TZDB standard"
        )));
    };
    if start_date > end_date || start_time >= end_time {
        return Err(before_end());
    }
    Ok(Some(Schedule::Split {
        start_date,
        end_date,
        start_time,
        end_time,
        time_zone,
    }))
}

/// `days`: weekday names (English, any case) separated by single spaces.
fn check_days(body: &Body) -> Result<Option<String>, ApiError> {
    let Some(value) = body.value("days") else {
        return Ok(None);
    };
    let valid = value.as_str().is_some_and(|days| {
        !days.is_empty()
            && days
                .split(' ')
                .all(|day| WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(day)))
    });
    if !valid {
        return Err(ApiError::new(400, Some(10005), "Invalid course days"));
    }
    Ok(value.as_str().map(str::to_string))
}

/// `duration`: an integer from 1 to 1440 minutes. Only the minimum is documented; above the
/// maximum and non-integers answer the same family of messages (undocumented).
fn check_duration(body: &Body) -> Result<Option<i64>, ApiError> {
    let Some(value) = body.value("duration") else {
        return Ok(None);
    };
    let fail = |message: &str| Err(ApiError::new(400, None, message));
    match number(value) {
        Some(minutes) if minutes < 1.0 => fail("Validation min on duration failed."),
        Some(minutes) if minutes > 1440.0 => fail("Validation max on duration failed."),
        Some(minutes) if minutes.fract() == 0.0 => Ok(Some(minutes as i64)),
        _ => fail("Validation isInt on duration failed."),
    }
}

/// `strategy` is validated whenever present: `uniform` or `fixed`. Left out, a conversion
/// course is uniform.
fn check_strategy(body: &Body) -> Result<String, ApiError> {
    match body.value("strategy") {
        None => Ok("uniform".to_string()),
        Some(Value::String(s)) if s == "uniform" || s == "fixed" => Ok(s.clone()),
        Some(other) => Err(invalid_conversion_data(&format!(
            "strategy must be 'uniform' or 'fixed', got {other}"
        ))),
    }
}

fn invalid_conversion_data(detail: &str) -> ApiError {
    ApiError::new(
        500,
        Some(3113),
        "Invalid conversion data to create-update in a course",
    )
    .with_info(json!({ "strategy": detail }))
}

/// The conversion data, in this order: `asyncTime: null`; the times (uniform: all three,
/// fixed: `totalTime`, each a number); the sum; the options (uniform: none; fixed:
/// `awardedTime` or `maxAwardedTimePerDay`, as numbers).
fn check_conversion(body: &Body, strategy: &str) -> Result<Conversion, ApiError> {
    if body.has_key("asyncTime") && body.value("asyncTime").is_none() {
        return Err(ApiError::new(
            400,
            Some(10005),
            "Cannot set property 'asyncTime' of null.",
        ));
    }
    let requires = || {
        ApiError::new(
            400,
            Some(3101),
            "Conversion Course requires totalTime, syncTime and asyncTime.",
        )
    };
    // A time that is sent must be a number; `None` inside: not sent.
    let time = |name: &str| -> Result<Option<f64>, ApiError> {
        match body.value(name) {
            None => Ok(None),
            Some(value) => number(value).map(Some).ok_or_else(requires),
        }
    };
    let (total, sync, asynchronous) = (time("totalTime")?, time("syncTime")?, time("asyncTime")?);
    let Some(total_time) = total else {
        return Err(requires());
    };
    if strategy == "uniform" && (sync.is_none() || asynchronous.is_none()) {
        return Err(requires());
    }
    if let (Some(s), Some(a)) = (sync, asynchronous) {
        if (total_time - (s + a)).abs() > 1e-9 {
            return Err(ApiError::new(
                400,
                Some(3103),
                "Conversion Course requires totalTime has to be equal to syncTime + asyncTime.",
            ));
        }
    }
    let awarded = body.value("awardedTime");
    let max_per_day = body.value("maxAwardedTimePerDay");
    if strategy == "uniform" {
        // Documented by both 3103 and 3113; this reference answers 3103.
        if awarded.is_some() || max_per_day.is_some() {
            return Err(ApiError::new(
                400,
                Some(3103),
                "No options allowed in uniform strategy.",
            ));
        }
    } else {
        if awarded.is_none() && max_per_day.is_none() {
            return Err(invalid_conversion_data(
                "the fixed strategy requires awardedTime or maxAwardedTimePerDay",
            ));
        }
        if awarded.is_some_and(|v| number(v).is_none())
            || max_per_day.is_some_and(|v| number(v).is_none())
        {
            return Err(invalid_conversion_data(
                "awardedTime and maxAwardedTimePerDay must be numbers",
            ));
        }
    }
    Ok(Conversion {
        strategy: strategy.to_string(),
        total_time,
        sync_time: sync,
        async_time: asynchronous,
        awarded_time: awarded.and_then(number),
        max_awarded_time_per_day: max_per_day.and_then(number),
    })
}
