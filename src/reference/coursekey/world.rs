//! The built-in world of the CourseKey reference: the schools and auth keys, the users and
//! courses that exist before any request, and the spec's fixture names for them.
//!
//! Not for: records created through the API (`state::Store` holds those).

use serde_json::{json, Map, Value};

use super::state::{AttendanceSetting, Course, Directory, School, Store, User};

/// The fault that fails the welcome-email template lookup (`sendWelcomeEmail` on user create).
pub(super) const WELCOME_EMAIL_TEMPLATE: &str = "welcome_email_template";

// The built-in world. Ids look like the vendor's (24-hex school ids, SIS-style course ids).
const AUTH_KEY: &str = "ck_live_3f9a1c7e5b2d8f4a6c0e1b9d7a3f5c2e";
const SCHOOL_ID: &str = "5c9a4e1f2b7d3a0012f4e801";
const ATTENDANCE_NAME: &str = "Classroom";
const CONVERSION_ATTENDANCE_NAME: &str = "Clock Hour Conversion";
const MULTI_AUTH_KEY: &str = "ck_live_8b2e6d4f0a1c3e5b7d9f2a4c6e8b0d1f";
const MULTI_SCHOOL_ID: &str = "5c9a4e1f2b7d3a0012f4e802";
const MULTI_ATTENDANCE_NAMES: [&str; 3] = ["Lecture", "Lab", "Externship"];
const UNCONFIGURED_AUTH_KEY: &str = "ck_live_1d7f3b9e5a2c8f6d4b0e2a7c9f1b3d5e";
const UNCONFIGURED_SCHOOL_ID: &str = "5c9a4e1f2b7d3a0012f4e803";
const FOREIGN_SCHOOL_ID: &str = "5c9a4e1f2b7d3a0012f4e804";
const FOREIGN_COURSE_ID: &str = "FA25-BIO-101-01";
const FOREIGN_COURSE_ADD_CODE: &str = "HVBIO101";
const NO_OPTIONS_COURSE_ID: &str = "FA25-ENG-090-02";
const NO_OPTIONS_COURSE_ADD_CODE: &str = "LSENG090B";
const TEACHER_EMAIL: &str = "m.alvarez@lakeside-college.edu";
const STUDENT_EMAIL: &str = "j.nguyen@students.lakeside-college.edu";
const FOREIGN_TEACHER_EMAIL: &str = "r.okafor@harborview-tech.edu";

/// The fixtures by their spec names.
pub(super) fn fixtures() -> Map<String, Value> {
    let mut fixtures = Map::new();
    let mut put = |name: &str, value: &str| {
        fixtures.insert(format!("coursekey.{name}"), json!(value));
    };
    put("auth_key", AUTH_KEY);
    put("school_id", SCHOOL_ID);
    put("attendance_name", ATTENDANCE_NAME);
    put("conversion_attendance_name", CONVERSION_ATTENDANCE_NAME);
    put("multi_school_id", MULTI_SCHOOL_ID);
    put("multi_auth_key", MULTI_AUTH_KEY);
    put("unconfigured_school_id", UNCONFIGURED_SCHOOL_ID);
    put("unconfigured_auth_key", UNCONFIGURED_AUTH_KEY);
    put("foreign_school_id", FOREIGN_SCHOOL_ID);
    put("foreign_course_id", FOREIGN_COURSE_ID);
    put("no_options_course_id", NO_OPTIONS_COURSE_ID);
    put("teacher_email", TEACHER_EMAIL);
    put("student_email", STUDENT_EMAIL);
    put("foreign_teacher_email", FOREIGN_TEACHER_EMAIL);
    fixtures
}

/// The schools and keys. The main key is authorized for the main school only; the foreign
/// school has no key a client knows.
pub(super) fn directory() -> Directory {
    let setting = |name: &str, conversion: bool| AttendanceSetting {
        name: name.to_string(),
        conversion,
    };
    Directory {
        schools: vec![
            School {
                id: SCHOOL_ID.into(),
                settings: Some(vec![
                    setting(ATTENDANCE_NAME, false),
                    setting(CONVERSION_ATTENDANCE_NAME, true),
                ]),
            },
            School {
                id: MULTI_SCHOOL_ID.into(),
                settings: Some(
                    MULTI_ATTENDANCE_NAMES
                        .iter()
                        .map(|name| setting(name, false))
                        .collect(),
                ),
            },
            School {
                id: UNCONFIGURED_SCHOOL_ID.into(),
                settings: None,
            },
            School {
                id: FOREIGN_SCHOOL_ID.into(),
                settings: Some(vec![setting(ATTENDANCE_NAME, false)]),
            },
        ],
        keys: vec![
            (AUTH_KEY.into(), vec![SCHOOL_ID.into()]),
            (MULTI_AUTH_KEY.into(), vec![MULTI_SCHOOL_ID.into()]),
            (
                UNCONFIGURED_AUTH_KEY.into(),
                vec![UNCONFIGURED_SCHOOL_ID.into()],
            ),
        ],
    }
}

/// The users and courses that exist before any request (never forgotten), in a store that
/// keeps at most `retain` created records of each kind.
pub(super) fn seed_store(retain: usize) -> Store {
    let mut store = Store::new(retain);
    // (school, SIS id, first name, last name, email, teacher)
    let users = [
        (
            SCHOOL_ID,
            "T-100231",
            "Maria",
            "Alvarez",
            TEACHER_EMAIL,
            true,
        ),
        (
            SCHOOL_ID,
            "S-204518",
            "Jamie",
            "Nguyen",
            STUDENT_EMAIL,
            false,
        ),
        (
            FOREIGN_SCHOOL_ID,
            "T-550017",
            "Ruth",
            "Okafor",
            FOREIGN_TEACHER_EMAIL,
            true,
        ),
    ];
    for (school, sis, first, last, email, teacher) in users {
        let id = store.next_id();
        store.add_user(User {
            id,
            user_id: Some(sis.into()),
            school_id: school.into(),
            issued_id: sis.into(),
            first_name: first.into(),
            last_name: last.into(),
            email: email.into(),
            is_teacher: teacher,
        });
    }
    let course =
        |id: &str, school: &str, name: &str, add_code: &str, owner: &str, options: bool| Course {
            course_id: id.into(),
            school_id: school.into(),
            name: name.into(),
            add_code: add_code.into(),
            owner: Some(owner.into()),
            admins: Vec::new(),
            attendance_name: options.then(|| ATTENDANCE_NAME.to_string()),
            has_attendance_options: options,
            conversion: None,
            schedule: None,
            days: Some("Monday Wednesday Friday".into()),
            duration: Some(50),
        };
    store.add_course(course(
        FOREIGN_COURSE_ID,
        FOREIGN_SCHOOL_ID,
        "Introduction to Biology",
        FOREIGN_COURSE_ADD_CODE,
        FOREIGN_TEACHER_EMAIL,
        true,
    ));
    store.add_course(course(
        NO_OPTIONS_COURSE_ID,
        SCHOOL_ID,
        "Developmental English",
        NO_OPTIONS_COURSE_ADD_CODE,
        TEACHER_EMAIL,
        false,
    ));
    store.pin();
    store
}
