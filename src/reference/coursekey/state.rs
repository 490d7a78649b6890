//! The main types here are [`Directory`] and [`Store`]: the schools and auth keys that exist
//! before any request (fixed at start), and the records the API creates (users, courses,
//! enrolments, attendance sessions), which live behind one lock in the handler.
//!
//! Not for: validation. The record types here only hold and render what the record modules
//! have already accepted.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

/// One attendance setting of a school ("attendance name", also called delivery method).
#[derive(Debug, Clone)]
pub(super) struct AttendanceSetting {
    pub name: String,
    /// A conversion delivery method: courses created with it carry conversion data.
    pub conversion: bool,
}

/// One school (campus).
#[derive(Debug, Clone)]
pub(super) struct School {
    pub id: String,
    /// `None`: the school's integration configuration has not been set up.
    pub settings: Option<Vec<AttendanceSetting>>,
}

impl School {
    /// The non-conversion settings; more than one makes `attendanceName` required.
    pub fn regular_settings(&self) -> Vec<&AttendanceSetting> {
        self.settings
            .iter()
            .flatten()
            .filter(|s| !s.conversion)
            .collect()
    }

    /// The setting of that exact name.
    pub fn setting(&self, name: &str) -> Option<&AttendanceSetting> {
        self.settings.iter().flatten().find(|s| s.name == name)
    }
}

/// The schools and the auth keys, fixed at start.
#[derive(Debug, Clone)]
pub(super) struct Directory {
    pub schools: Vec<School>,
    /// Auth key -> the ids of the schools it is authorized for.
    pub keys: Vec<(String, Vec<String>)>,
}

impl Directory {
    /// The schools an auth key is authorized for, or `None` for an unknown key.
    pub fn schools_of(&self, key: &str) -> Option<&[String]> {
        self.keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, schools)| schools.as_slice())
    }

    /// The school with that id.
    pub fn school(&self, id: &str) -> Option<&School> {
        self.schools.iter().find(|s| s.id == id)
    }
}

/// One user account. Email is unique across CourseKey, so a user belongs to one school.
#[derive(Debug, Clone)]
pub(super) struct User {
    pub id: u64,
    pub user_id: Option<String>,
    pub school_id: String,
    pub issued_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub is_teacher: bool,
}

impl User {
    pub fn email_is(&self, email: &str) -> bool {
        self.email.to_lowercase() == email.to_lowercase()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "userID": self.user_id,
            "schoolID": self.school_id,
            "issuedID": self.issued_id,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "isTeacher": self.is_teacher,
        })
    }
}

/// When a course meets: ISO instants, or dates, daily times and a zone.
#[derive(Debug, Clone)]
pub(super) enum Schedule {
    Iso {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    Split {
        start_date: NaiveDate,
        end_date: NaiveDate,
        start_time: NaiveTime,
        end_time: NaiveTime,
        time_zone: Tz,
    },
}

impl Schedule {
    fn write(&self, out: &mut Map<String, Value>) {
        match self {
            Schedule::Iso { start, end } => {
                out.insert("start".into(), json!(iso(start)));
                out.insert("end".into(), json!(iso(end)));
            }
            Schedule::Split {
                start_date,
                end_date,
                start_time,
                end_time,
                time_zone,
            } => {
                out.insert("startDate".into(), json!(us(start_date)));
                out.insert("endDate".into(), json!(us(end_date)));
                out.insert("startTime".into(), json!(start_time.to_string()));
                out.insert("endTime".into(), json!(end_time.to_string()));
                out.insert("timeZone".into(), json!(time_zone.name()));
            }
        }
    }
}

/// The conversion data of a course created with a conversion delivery method.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Conversion {
    pub strategy: String,
    pub total_time: f64,
    pub sync_time: Option<f64>,
    pub async_time: Option<f64>,
    pub awarded_time: Option<f64>,
    pub max_awarded_time_per_day: Option<f64>,
}

/// One course.
#[derive(Debug, Clone)]
pub(super) struct Course {
    pub course_id: String,
    pub school_id: String,
    pub name: String,
    pub add_code: String,
    pub owner: Option<String>,
    pub admins: Vec<String>,
    pub attendance_name: Option<String>,
    /// Whether attendance options were set up (sessions need them).
    pub has_attendance_options: bool,
    pub conversion: Option<Conversion>,
    pub schedule: Option<Schedule>,
    pub days: Option<String>,
    pub duration: Option<i64>,
}

impl Course {
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("courseID".into(), json!(self.course_id));
        out.insert("schoolID".into(), json!(self.school_id));
        out.insert("name".into(), json!(self.name));
        out.insert("addCode".into(), json!(self.add_code));
        out.insert("owner".into(), json!(self.owner));
        out.insert("admin".into(), json!(self.admins));
        out.insert("attendanceName".into(), json!(self.attendance_name));
        if let Some(schedule) = &self.schedule {
            schedule.write(&mut out);
        }
        out.insert("days".into(), json!(self.days));
        out.insert("duration".into(), json!(self.duration));
        let conversion = self.conversion.as_ref().map(|c| {
            json!({
                "strategy": c.strategy,
                "totalTime": c.total_time,
                "syncTime": c.sync_time,
                "asyncTime": c.async_time,
                "awardedTime": c.awarded_time,
                "maxAwardedTimePerDay": c.max_awarded_time_per_day,
            })
        });
        out.insert("conversion".into(), json!(conversion));
        Value::Object(out)
    }
}

/// One enrolment of a user in a course.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub user: u64,
    pub email: String,
    pub course_id: String,
    pub school_id: String,
    pub is_admin: bool,
    pub mapping_id: Option<String>,
}

impl Member {
    pub fn to_json(&self) -> Value {
        json!({
            "email": self.email,
            "courseID": self.course_id,
            "schoolID": self.school_id,
            "isAdmin": self.is_admin,
            "mappingID": self.mapping_id,
        })
    }
}

/// One attendance session of a course.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub attendance_id: String,
    pub course_id: String,
    pub school_id: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub time_zone: Tz,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub mapping_id: Option<String>,
}

impl Session {
    /// Whether the two sessions share any instant (touching ends do not overlap).
    pub fn overlaps(&self, other: &Session) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn to_json(&self) -> Value {
        json!({
            "attendanceID": self.attendance_id,
            "courseID": self.course_id,
            "schoolID": self.school_id,
            "startDate": us(&self.start_date),
            "endDate": us(&self.end_date),
            "startTime": self.start_time.to_string(),
            "endTime": self.end_time.to_string(),
            "timeZone": self.time_zone.name(),
            "start": iso(&self.start),
            "end": iso(&self.end),
            "mappingID": self.mapping_id,
        })
    }
}

/// Everything the API creates. One lock guards it, so every uniqueness check and its insert
/// happen together.
#[derive(Debug, Clone, Default)]
pub(super) struct Store {
    pub users: Vec<User>,
    pub courses: Vec<Course>,
    pub members: Vec<Member>,
    pub sessions: Vec<Session>,
    next_id: u64,
}

impl Store {
    /// A fresh number for generated ids (user ids, course ids, add codes, attendance ids).
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The user with that email, compared ignoring case.
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users.iter().find(|u| u.email_is(email))
    }

    /// The course with that id, in any school.
    pub fn course(&self, course_id: &str) -> Option<&Course> {
        self.courses.iter().find(|c| c.course_id == course_id)
    }

    /// Looks a course up across all schools, by `courseID` when given, else by `addCode`
    /// (compared exactly). A match in a school the key is authorized for wins; a match only
    /// elsewhere is [`Located::NotAuthorized`].
    pub fn locate(
        &self,
        course_id: Option<&str>,
        add_code: Option<&str>,
        authorized: &dyn Fn(&str) -> bool,
    ) -> Located {
        let matches: Vec<&Course> = match (course_id, add_code) {
            (Some(id), _) => self.courses.iter().filter(|c| c.course_id == id).collect(),
            (None, Some(code)) => self.courses.iter().filter(|c| c.add_code == code).collect(),
            (None, None) => Vec::new(),
        };
        match matches.iter().find(|c| authorized(&c.school_id)) {
            Some(course) => Located::Course(Box::new((*course).clone())),
            None if !matches.is_empty() => Located::NotAuthorized,
            None => Located::NotFound,
        }
    }
}

/// The outcome of a course lookup across schools.
#[derive(Debug, Clone)]
pub(super) enum Located {
    Course(Box<Course>),
    NotAuthorized,
    NotFound,
}

fn iso(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn us(date: &NaiveDate) -> String {
    date.format("%m/%d/%Y").to_string()
}
