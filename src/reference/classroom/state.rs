//! The main type here is [`State`]: everything the Classroom reference remembers (courses
//! and their rosters, course work, registrations, the join and quota counters, the user
//! directory and Drive). One instance lives behind one `Mutex` in
//! [`super::service::Classroom`], so every check and the write it guards happen under one
//! lock.
//!
//! Not for: request parsing or error answers.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};

use super::fixtures::{self, DriveFile, UserProfile};

/// The documented course states (COURSE_STATE_UNSPECIFIED is not a state a course can have).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseState {
    Active,
    Archived,
    Provisioned,
    Declined,
    Suspended,
}

impl CourseState {
    /// The state named by its API spelling.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ACTIVE" => Some(CourseState::Active),
            "ARCHIVED" => Some(CourseState::Archived),
            "PROVISIONED" => Some(CourseState::Provisioned),
            "DECLINED" => Some(CourseState::Declined),
            "SUSPENDED" => Some(CourseState::Suspended),
            _ => None,
        }
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CourseState::Active => "ACTIVE",
            CourseState::Archived => "ARCHIVED",
            CourseState::Provisioned => "PROVISIONED",
            CourseState::Declined => "DECLINED",
            CourseState::Suspended => "SUSPENDED",
        }
    }

    /// ACTIVE and PROVISIONED courses can be modified; ARCHIVED (only its state can change),
    /// DECLINED (can only move to PROVISIONED) and SUSPENDED (not at all) cannot.
    pub fn is_modifiable(self) -> bool {
        matches!(self, CourseState::Active | CourseState::Provisioned)
    }

    /// Whether a course in this state may be moved to `to`: ACTIVE <-> ARCHIVED,
    /// PROVISIONED -> ACTIVE or DECLINED, DECLINED -> PROVISIONED. Staying put is no change
    /// and always allowed.
    pub fn may_become(self, to: CourseState) -> bool {
        use CourseState::*;
        self == to
            || matches!(
                (self, to),
                (Active, Archived)
                    | (Archived, Active)
                    | (Provisioned, Active)
                    | (Provisioned, Declined)
                    | (Declined, Provisioned)
            )
    }
}

/// One course and its roster. The owner is not listed among `teachers`: the teacher limit
/// does not count the owner.
#[derive(Debug, Clone)]
pub struct Course {
    pub id: String,
    pub name: String,
    pub section: Option<String>,
    pub description_heading: Option<String>,
    pub description: Option<String>,
    pub room: Option<String>,
    pub owner_id: String,
    pub state: CourseState,
    pub enrollment_code: String,
    pub creation_time: String,
    pub update_time: String,
    pub students: Vec<String>,
    pub teachers: Vec<String>,
}

impl Course {
    /// Whether the user is on the roster in any role (owner, teacher or student).
    pub fn has_on_roster(&self, user_id: &str) -> bool {
        self.owner_id == user_id || self.is_member(user_id)
    }

    /// Whether the user is a student or a (non-owner) teacher: a membership in the sense of
    /// the courses-per-user limit.
    pub fn is_member(&self, user_id: &str) -> bool {
        self.students.iter().any(|u| u == user_id) || self.teachers.iter().any(|u| u == user_id)
    }

    /// Every membership of the course (a user listed twice counts twice, as `is_member`
    /// would find it in either list).
    fn members(&self) -> impl Iterator<Item = &String> {
        self.students.iter().chain(&self.teachers)
    }

    /// The Course resource.
    pub fn to_json(&self) -> Value {
        let mut course = serde_json::Map::new();
        course.insert("id".into(), json!(self.id));
        course.insert("name".into(), json!(self.name));
        let optional = [
            ("section", &self.section),
            ("descriptionHeading", &self.description_heading),
            ("description", &self.description),
            ("room", &self.room),
        ];
        for (field, value) in optional {
            if let Some(value) = value {
                course.insert(field.into(), json!(value));
            }
        }
        course.insert("ownerId".into(), json!(self.owner_id));
        course.insert("creationTime".into(), json!(self.creation_time));
        course.insert("updateTime".into(), json!(self.update_time));
        course.insert("enrollmentCode".into(), json!(self.enrollment_code));
        course.insert("courseState".into(), json!(self.state.as_str()));
        course.insert(
            "alternateLink".into(),
            json!(format!("https://classroom.google.com/c/{}", self.id)),
        );
        course.insert(
            "teacherGroupEmail".into(),
            json!(format!("course_teachers_{}@school.example.edu", self.id)),
        );
        course.insert(
            "courseGroupEmail".into(),
            json!(format!("course_{}@school.example.edu", self.id)),
        );
        course.insert("guardiansEnabled".into(), json!(false));
        Value::Object(course)
    }
}

/// Everything the reference remembers.
///
/// Courses change only through [`State::add_course`] and [`State::update_course`], which keep
/// the membership counts of the courses-per-user limit in step. At most `retain` courses are
/// kept (the oldest is forgotten with its course work), and as many registrations.
#[derive(Debug)]
pub struct State {
    users: Vec<UserProfile>,
    drive: Vec<DriveFile>,
    courses: BTreeMap<String, Course>,
    /// Course ids, oldest first: which course is forgotten when one more would pass `retain`.
    created: VecDeque<String>,
    /// Memberships (student or non-owner teacher) per user id, over every kept course.
    memberships: HashMap<String, u64>,
    retain: usize,
    /// Course work per course id (the created resources, as answered).
    pub course_work: BTreeMap<String, Vec<Value>>,
    /// Push-notification registrations, as answered.
    registrations: VecDeque<Value>,
    /// Successful self-joins per user. The day never rolls over while the instance lives.
    pub joins: HashMap<String, u64>,
    /// Requests counted against the per-minute quota, per token.
    pub quota_used: HashMap<&'static str, u64>,
    serial: u64,
}

impl State {
    /// The built-in world: the directory and Drive of [`fixtures`], no courses yet; at most
    /// `retain` courses and registrations are kept.
    pub fn new(retain: usize) -> Self {
        State {
            users: fixtures::directory(),
            drive: fixtures::drive_files(),
            courses: BTreeMap::new(),
            created: VecDeque::new(),
            memberships: HashMap::new(),
            retain: retain.max(1),
            course_work: BTreeMap::new(),
            registrations: VecDeque::new(),
            joins: HashMap::new(),
            quota_used: HashMap::new(),
            serial: 0,
        }
    }

    /// A fresh number for a server-assigned id.
    pub fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// The user named by a numeric id or an email address ("me" is resolved by the caller).
    pub fn user(&self, id_or_email: &str) -> Option<&UserProfile> {
        self.users
            .iter()
            .find(|u| u.id == id_or_email || u.email.eq_ignore_ascii_case(id_or_email))
    }

    /// A Drive file the callers can see, if `id` names one.
    pub fn visible_drive_file(&self, id: &str) -> Option<&DriveFile> {
        self.drive.iter().find(|f| f.id == id && f.shared)
    }

    /// A Drive file by id, shared with the caller or not.
    pub fn drive_file(&self, id: &str) -> Option<&DriveFile> {
        self.drive.iter().find(|f| f.id == id)
    }

    /// How many courses the user is a member of (student or teacher; ownership not counted).
    pub fn memberships(&self, user_id: &str) -> u64 {
        self.memberships.get(user_id).copied().unwrap_or(0)
    }

    /// The course with that id.
    pub fn course(&self, id: &str) -> Option<&Course> {
        self.courses.get(id)
    }

    fn count_members(&mut self, course: &Course, up: bool) {
        for user in course.members() {
            let count = self.memberships.entry(user.clone()).or_insert(0);
            *count = if up {
                *count + 1
            } else {
                count.saturating_sub(1)
            };
            if *count == 0 {
                self.memberships.remove(user);
            }
        }
    }

    /// Stores a new course; past `retain` courses the oldest is forgotten with its course
    /// work.
    pub fn add_course(&mut self, course: Course) {
        self.count_members(&course, true);
        self.created.push_back(course.id.clone());
        if let Some(old) = self.courses.insert(course.id.clone(), course) {
            self.count_members(&old, false);
        }
        while self.created.len() > self.retain {
            let Some(oldest) = self.created.pop_front() else {
                break;
            };
            if let Some(old) = self.courses.remove(&oldest) {
                self.count_members(&old, false);
            }
            self.course_work.remove(&oldest);
        }
    }

    /// Changes the course with that id (its roster included); the membership counts follow.
    /// `None` when there is no such course.
    pub fn update_course<R>(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut Course) -> R,
    ) -> Option<R> {
        let mut course = self.courses.remove(id)?;
        self.count_members(&course, false);
        let out = change(&mut course);
        self.count_members(&course, true);
        self.courses.insert(id.to_string(), course);
        Some(out)
    }

    /// Stores a registration; past `retain` the oldest is forgotten.
    pub fn add_registration(&mut self, registration: Value) {
        self.registrations.push_back(registration);
        while self.registrations.len() > self.retain {
            self.registrations.pop_front();
        }
    }

    /// How many courses the user joined by themselves.
    pub fn joins_of(&self, user_id: &str) -> u64 {
        self.joins.get(user_id).copied().unwrap_or(0)
    }
}

/// The current time as Google writes it (RFC 3339, UTC, milliseconds).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The time `days` days from now, as Google writes it.
pub fn days_from_now(days: i64) -> String {
    (Utc::now() + chrono::Duration::days(days)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A well-mixed 64-bit value from a serial number (splitmix64), for opaque ids and codes.
pub fn mix(serial: u64) -> u64 {
    let mut z = serial.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 7-character enrollment code of lowercase letters and digits, like Classroom's.
pub fn enrollment_code(serial: u64) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut n = mix(serial);
    (0..7)
        .map(|_| {
            let c = ALPHABET
                .get((n % ALPHABET.len() as u64) as usize)
                .copied()
                .unwrap_or(b'a');
            n /= ALPHABET.len() as u64;
            c as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_documented_state_machine() {
        use CourseState::*;
        let all = [Active, Archived, Provisioned, Declined, Suspended];
        let allowed: Vec<(CourseState, CourseState)> = all
            .iter()
            .flat_map(|&from| all.iter().map(move |&to| (from, to)))
            .filter(|&(from, to)| from != to && from.may_become(to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Active, Archived),
                (Archived, Active),
                (Provisioned, Active),
                (Provisioned, Declined),
                (Declined, Provisioned),
            ]
        );
        assert!(Active.is_modifiable() && Provisioned.is_modifiable());
        assert!(!Archived.is_modifiable() && !Declined.is_modifiable());
        assert!(!Suspended.is_modifiable());
    }

    #[test]
    fn enrollment_codes_are_short_and_lowercase() {
        for serial in 1..100 {
            let code = enrollment_code(serial);
            assert_eq!(code.len(), 7);
            assert!(code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        }
        assert_ne!(enrollment_code(1), enrollment_code(2));
    }
}
