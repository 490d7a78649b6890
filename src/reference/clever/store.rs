//! The main type here is [`Store`]: the district the reference serves (one section with its
//! teacher and students, all built in and named by the `clever.*` fixtures) and the assignments
//! and submissions created through the API.
//!
//! Not for: request handling. The store never sees a request; `api` holds it behind a mutex
//! and does every check-and-change under one lock.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::model::{Assignment, Submission};

/// The district-app token the reference accepts (`clever.token`).
pub const TOKEN: &str = "8f3c2a71d6e94b05a1c7e2f9b4d60a3e5c18b7f2";
/// The section every fixture lives in (`clever.section_id`).
pub const SECTION_ID: &str = "5f8a2b3c4d5e6f7a8b9c0d1e";
/// The section's teacher, a valid `grader_id` (`clever.teacher_id`).
pub const TEACHER_ID: &str = "5f8a2b3c4d5e6f7a8b9c0d2a";
/// A student enrolled in the section (`clever.student_id`).
pub const STUDENT_ID: &str = "5f8a2b3c4d5e6f7a8b9c0d3b";
/// A second enrolled student, so that submission lists have more than one entry.
pub const SECOND_STUDENT_ID: &str = "5f8a2b3c4d5e6f7a8b9c0d3c";
/// A student of the district who is not enrolled in the section
/// (`clever.unenrolled_student_id`).
pub const UNENROLLED_STUDENT_ID: &str = "5f8a2b3c4d5e6f7a8b9c0d4d";

/// The built-in fixtures, by their spec names.
pub fn fixtures() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("clever.token".into(), json!(TOKEN));
    m.insert("clever.section_id".into(), json!(SECTION_ID));
    m.insert("clever.teacher_id".into(), json!(TEACHER_ID));
    m.insert("clever.student_id".into(), json!(STUDENT_ID));
    m.insert(
        "clever.unenrolled_student_id".into(),
        json!(UNENROLLED_STUDENT_ID),
    );
    m
}

/// A section and its students (its teacher is one of the district's teachers).
#[derive(Debug, Clone)]
pub struct Section {
    pub student_ids: BTreeSet<String>,
}

/// An assignment and the submissions that were touched so far (untouched ones are implicit).
#[derive(Debug, Clone)]
pub struct AssignmentRecord {
    pub assignment: Assignment,
    pub submissions: BTreeMap<String, Submission>,
}

impl AssignmentRecord {
    /// The submission of an assigned student, created on first use.
    pub fn submission_mut(&mut self, user_id: &str) -> &mut Submission {
        let created = self.assignment.created;
        self.submissions
            .entry(user_id.to_string())
            .or_insert_with(|| Submission::new(user_id, created))
    }

    /// The submission of an assigned student.
    pub fn submission(&self, user_id: &str) -> Submission {
        self.submissions
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| Submission::new(user_id, self.assignment.created))
    }
}

/// Everything the reference knows.
#[derive(Debug)]
pub struct Store {
    pub sections: BTreeMap<String, Section>,
    /// Every teacher of the district: the people a `grader_id` may name.
    pub teachers: BTreeSet<String>,
    /// Assignments by id (lower-case UUID).
    pub assignments: BTreeMap<String, AssignmentRecord>,
    /// Deleted assignments, kept only by the `clever.deleted-revived-by-patch` mutant.
    pub deleted: BTreeMap<String, AssignmentRecord>,
    /// Assignment ids in creation order: past `retain` of them, the oldest is forgotten.
    created: VecDeque<String>,
    retain: usize,
    ids_issued: u64,
}

impl Store {
    /// The built-in district; at most `retain` created assignments are kept.
    pub fn new(retain: usize) -> Self {
        let section = Section {
            student_ids: [STUDENT_ID.to_string(), SECOND_STUDENT_ID.to_string()].into(),
        };
        Store {
            sections: [(SECTION_ID.to_string(), section)].into(),
            teachers: [TEACHER_ID.to_string()].into(),
            assignments: BTreeMap::new(),
            deleted: BTreeMap::new(),
            created: VecDeque::new(),
            retain: retain.max(1),
            ids_issued: 0,
        }
    }

    /// Stores a new assignment; past `retain` created ones the oldest is forgotten (deleted
    /// or not).
    pub fn add_assignment(&mut self, id: String, record: AssignmentRecord) {
        self.created.push_back(id.clone());
        self.assignments.insert(id, record);
        while self.created.len() > self.retain {
            let Some(oldest) = self.created.pop_front() else {
                break;
            };
            self.assignments.remove(&oldest);
            self.deleted.remove(&oldest);
        }
    }

    /// A fresh random (version 4) UUID that no assignment uses.
    pub fn new_assignment_id(&mut self) -> String {
        loop {
            self.ids_issued += 1;
            let id = uuid_v4(self.ids_issued);
            if !self.assignments.contains_key(&id) {
                return id;
            }
        }
    }
}

/// A version 4 UUID from std's randomly keyed SipHash (no extra crate): each `RandomState` has
/// fresh keys, and the counter and clock make every input distinct.
fn uuid_v4(counter: u64) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut bytes = [0u8; 16];
    for (half, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(counter);
        hasher.write_usize(half);
        hasher.write_u128(nanos);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Whether `s` is a UUID in its canonical 8-4-4-4-12 hex form (any version, any case).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The current time, in one place so that records agree.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_v4_uuids() {
        let mut store = Store::new(4);
        let ids: BTreeSet<String> = (0..1000).map(|_| store.new_assignment_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert!(is_uuid(id), "{id}");
            assert_eq!(id.as_bytes()[14], b'4', "{id}");
            assert!(
                matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
                "{id}"
            );
        }
    }

    #[test]
    fn uuid_shape() {
        assert!(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
        assert!(is_uuid("123E4567-E89B-42D3-A456-426614174000"));
        assert!(!is_uuid("123e4567e89b42d3a456426614174000"));
        assert!(!is_uuid("123e4567-e89b-42d3-a456-42661417400g"));
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("123e4567-e89b-42d3-a456-4266141740\u{e9}"));
    }
}
