//! The main types here are [`Directory`] and [`Store`]: the schools and auth keys that exist
//! before any request (fixed at start), and the records the API creates (users, courses,
//! enrolments, attendance sessions), which live behind one lock in the handler.
//!
//! Not for: validation. The record types here only hold and render what the record modules
//! have already accepted.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

use crate::reference::table::{Index, Table};

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
///
/// Records live in [`Table`]s (creation order, bounded by `Config::retain`) and are found
/// through [`Index`]es: by lower-cased email, by (school, SIS id), by course id, by add code,
/// by enrolment, by session course and id. Every change goes through a method here, which
/// keeps the indexes in step.
#[derive(Debug, Clone)]
pub(super) struct Store {
    users: Table<User>,
    users_by_email: Index<String>,
    users_by_sis: Index<(String, String)>,
    courses: Table<Course>,
    courses_by_id: Index<String>,
    courses_by_code: Index<String>,
    members: Table<Member>,
    enrolments: Index<(u64, String)>,
    sessions: Table<Session>,
    sessions_by_course: Index<String>,
    sessions_by_id: Index<String>,
    next_id: u64,
}

/// The key emails are compared by: ignoring case.
fn email_key(email: &str) -> String {
    email.to_lowercase()
}

impl Store {
    /// An empty store keeping at most `retain` created records of each kind.
    pub fn new(retain: usize) -> Self {
        Store {
            users: Table::new(retain),
            users_by_email: Index::default(),
            users_by_sis: Index::default(),
            courses: Table::new(retain),
            courses_by_id: Index::default(),
            courses_by_code: Index::default(),
            members: Table::new(retain),
            enrolments: Index::default(),
            sessions: Table::new(retain),
            sessions_by_course: Index::default(),
            sessions_by_id: Index::default(),
            next_id: 0,
        }
    }

    /// Marks every record so far as built in: never forgotten.
    pub fn pin(&mut self) {
        self.users.pin();
        self.courses.pin();
        self.members.pin();
        self.sessions.pin();
    }

    /// A fresh number for generated ids (user ids, course ids, add codes, attendance ids).
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    // Users.

    fn file_user(&mut self, seq: u64, user: &User) {
        self.users_by_email.add(email_key(&user.email), seq);
        if let Some(sis) = &user.user_id {
            self.users_by_sis
                .add((user.school_id.clone(), sis.clone()), seq);
        }
    }

    fn unfile_user(&mut self, seq: u64, user: &User) {
        self.users_by_email.remove(&email_key(&user.email), seq);
        if let Some(sis) = &user.user_id {
            self.users_by_sis
                .remove(&(user.school_id.clone(), sis.clone()), seq);
        }
    }

    /// Stores a new user.
    pub fn add_user(&mut self, user: User) {
        self.file_user(self.users.next_seq(), &user);
        let (_, evicted) = self.users.insert(user);
        if let Some((seq, old)) = evicted {
            self.unfile_user(seq, &old);
        }
    }

    /// The users created from `seq` on (a racy create copies them over), in creation order.
    pub fn users_since(&self, seq: u64) -> impl Iterator<Item = &User> {
        self.users.since(seq).map(|(_, u)| u)
    }

    /// The number the next stored user gets.
    pub fn next_user_seq(&self) -> u64 {
        self.users.next_seq()
    }

    /// The user with that email, compared ignoring case (the oldest, should several share it).
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users_by_email
            .get(&email_key(email))
            .first()
            .and_then(|&seq| self.users.get(seq))
    }

    /// The user of that school with that email (ignoring case), by record number.
    pub fn user_in_school_by_email(&self, school_id: &str, email: &str) -> Option<u64> {
        self.users_by_email
            .get(&email_key(email))
            .iter()
            .copied()
            .find(|&seq| {
                self.users
                    .get(seq)
                    .is_some_and(|u| u.school_id == school_id)
            })
    }

    /// The user of that school with that SIS id (`userID`), by record number.
    pub fn user_in_school_by_sis(&self, school_id: &str, sis: &str) -> Option<u64> {
        self.users_by_sis
            .get(&(school_id.to_string(), sis.to_string()))
            .first()
            .copied()
    }

    /// Whether a user other than record `except` has that email (ignoring case).
    pub fn email_taken(&self, email: &str, except: Option<u64>) -> bool {
        self.users_by_email
            .get(&email_key(email))
            .iter()
            .any(|&seq| Some(seq) != except)
    }

    /// Changes the user at record `seq`; the indexes follow. `None` when there is no such
    /// user.
    pub fn update_user<R>(&mut self, seq: u64, change: impl FnOnce(&mut User) -> R) -> Option<R> {
        let mut user = self.users.get(seq)?.clone();
        let out = change(&mut user);
        if let Some(stored) = self.users.get(seq).cloned() {
            self.unfile_user(seq, &stored);
        }
        self.file_user(seq, &user);
        if let Some(slot) = self.users.get_mut(seq) {
            *slot = user;
        }
        Some(out)
    }

    // Courses.

    fn file_course(&mut self, seq: u64, course: &Course) {
        self.courses_by_id.add(course.course_id.clone(), seq);
        self.courses_by_code.add(course.add_code.clone(), seq);
    }

    fn unfile_course(&mut self, seq: u64, course: &Course) {
        self.courses_by_id.remove(course.course_id.as_str(), seq);
        self.courses_by_code.remove(course.add_code.as_str(), seq);
    }

    /// Stores a new course.
    pub fn add_course(&mut self, course: Course) {
        self.file_course(self.courses.next_seq(), &course);
        let (_, evicted) = self.courses.insert(course);
        if let Some((seq, old)) = evicted {
            self.unfile_course(seq, &old);
        }
    }

    /// The course with that id, in any school.
    pub fn course(&self, course_id: &str) -> Option<&Course> {
        self.courses_by_id
            .get(course_id)
            .first()
            .and_then(|&seq| self.courses.get(seq))
    }

    /// The course at record `seq`.
    pub fn course_at(&self, seq: u64) -> Option<&Course> {
        self.courses.get(seq)
    }

    /// The course of that school named by `courseID` when given, else by `addCode`, by
    /// record number.
    pub fn course_in_school(
        &self,
        school_id: &str,
        course_id: Option<&str>,
        add_code: Option<&str>,
    ) -> Option<u64> {
        let candidates = match (course_id, add_code) {
            (Some(id), _) => self.courses_by_id.get(id),
            (None, Some(code)) => self.courses_by_code.get(code),
            (None, None) => &[],
        };
        candidates.iter().copied().find(|&seq| {
            self.courses
                .get(seq)
                .is_some_and(|c| c.school_id == school_id)
        })
    }

    /// Whether a course of that school other than `except` (a course id) has that add code.
    pub fn add_code_taken(&self, school_id: &str, code: &str, except: Option<&str>) -> bool {
        self.courses_by_code.get(code).iter().any(|&seq| {
            self.courses.get(seq).is_some_and(|c| {
                c.school_id == school_id && except.is_none_or(|k| k != c.course_id)
            })
        })
    }

    /// Changes the course at record `seq`; the indexes follow. `None` when there is no such
    /// course.
    pub fn update_course<R>(
        &mut self,
        seq: u64,
        change: impl FnOnce(&mut Course) -> R,
    ) -> Option<R> {
        let mut course = self.courses.get(seq)?.clone();
        let out = change(&mut course);
        if let Some(stored) = self.courses.get(seq).cloned() {
            self.unfile_course(seq, &stored);
        }
        self.file_course(seq, &course);
        if let Some(slot) = self.courses.get_mut(seq) {
            *slot = course;
        }
        Some(out)
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
        let candidates = match (course_id, add_code) {
            (Some(id), _) => self.courses_by_id.get(id),
            (None, Some(code)) => self.courses_by_code.get(code),
            (None, None) => &[],
        };
        let matches: Vec<&Course> = candidates
            .iter()
            .filter_map(|&seq| self.courses.get(seq))
            .collect();
        match matches.iter().find(|c| authorized(&c.school_id)) {
            Some(course) => Located::Course(Box::new((*course).clone())),
            None if !matches.is_empty() => Located::NotAuthorized,
            None => Located::NotFound,
        }
    }

    // Enrolments.

    /// Whether the user (by id) is enrolled in the course.
    pub fn is_enrolled(&self, user: u64, course_id: &str) -> bool {
        !self
            .enrolments
            .get(&(user, course_id.to_string()))
            .is_empty()
    }

    /// Stores a new enrolment.
    pub fn add_member(&mut self, member: Member) {
        let seq = self.members.next_seq();
        self.enrolments
            .add((member.user, member.course_id.clone()), seq);
        let (_, evicted) = self.members.insert(member);
        if let Some((seq, old)) = evicted {
            self.enrolments.remove(&(old.user, old.course_id), seq);
        }
    }

    // Attendance sessions.

    /// Stores a new session.
    pub fn add_session(&mut self, session: Session) {
        let seq = self.sessions.next_seq();
        self.sessions_by_course.add(session.course_id.clone(), seq);
        self.sessions_by_id.add(session.attendance_id.clone(), seq);
        let (_, evicted) = self.sessions.insert(session);
        if let Some((seq, old)) = evicted {
            self.unfile_session(seq, &old);
        }
    }

    fn unfile_session(&mut self, seq: u64, session: &Session) {
        self.sessions_by_course
            .remove(session.course_id.as_str(), seq);
        self.sessions_by_id
            .remove(session.attendance_id.as_str(), seq);
    }

    /// The sessions of a course, in creation order.
    pub fn sessions_of(&self, course_id: &str) -> impl Iterator<Item = &Session> {
        self.sessions_by_course
            .get(course_id)
            .iter()
            .filter_map(|&seq| self.sessions.get(seq))
    }

    /// The sessions with that attendance id, with their record numbers, in creation order.
    pub fn sessions_with_id(&self, attendance_id: &str) -> impl Iterator<Item = (u64, &Session)> {
        self.sessions_by_id
            .get(attendance_id)
            .iter()
            .filter_map(|&seq| self.sessions.get(seq).map(|s| (seq, s)))
    }

    /// The session at record `seq`.
    pub fn session_at(&self, seq: u64) -> Option<&Session> {
        self.sessions.get(seq)
    }

    /// Deletes the sessions at those record numbers; returns them in creation order.
    pub fn remove_sessions(&mut self, seqs: &[u64]) -> Vec<Session> {
        let mut seqs = seqs.to_vec();
        seqs.sort_unstable();
        seqs.dedup();
        let mut removed = Vec::new();
        for seq in seqs {
            if let Some(session) = self.sessions.remove(seq) {
                self.unfile_session(seq, &session);
                removed.push(session);
            }
        }
        removed
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: u64, school: &str, sis: &str, email: &str) -> User {
        User {
            id,
            user_id: Some(sis.into()),
            school_id: school.into(),
            issued_id: sis.into(),
            first_name: "A".into(),
            last_name: "B".into(),
            email: email.into(),
            is_teacher: false,
        }
    }

    #[test]
    fn users_are_found_by_email_ignoring_case_and_by_sis_id_per_school() {
        let mut store = Store::new(16);
        store.add_user(user(1, "s1", "T-1", "Ana@Example.edu"));
        store.add_user(user(2, "s2", "T-1", "bo@example.edu"));
        assert_eq!(
            store.user_by_email("ana@EXAMPLE.edu").map(|u| u.id),
            Some(1)
        );
        assert_eq!(store.user_in_school_by_email("s2", "ana@example.edu"), None);
        assert_eq!(store.user_in_school_by_sis("s2", "T-1"), Some(1));
        assert!(store.email_taken("BO@example.edu", None));
        assert!(!store.email_taken("BO@example.edu", Some(1)));
        // An update moves the user under its new email.
        store.update_user(0, |u| u.email = "new@example.edu".into());
        assert!(store.user_by_email("ana@example.edu").is_none());
        assert_eq!(
            store.user_by_email("NEW@example.edu").map(|u| u.id),
            Some(1)
        );
    }

    #[test]
    fn past_the_cap_the_oldest_created_records_are_forgotten_and_built_in_ones_stay() {
        let mut store = Store::new(2);
        store.add_user(user(1, "s", "built-in", "seed@example.edu"));
        store.pin();
        for i in 2..6 {
            store.add_user(user(
                i,
                "s",
                &format!("T-{i}"),
                &format!("u{i}@example.edu"),
            ));
        }
        assert!(store.user_by_email("seed@example.edu").is_some());
        assert!(store.user_by_email("u2@example.edu").is_none());
        assert!(store.user_in_school_by_sis("s", "T-3").is_none());
        assert!(store.user_by_email("u4@example.edu").is_some());
        assert!(store.user_by_email("u5@example.edu").is_some());
        assert_eq!(store.users.len(), 3);
    }
}
