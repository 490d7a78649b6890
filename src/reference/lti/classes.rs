//! The main type here is [`ClassStore`]: what launches create. A course linkage ties an LMS
//! course (consumer key and course id) to the Class class its first instructor launch created;
//! enrolments tie users to classes.
//!
//! Not for: deciding who may create or join a class (that is `launch`). The launch holds the
//! store's lock from the linkage lookup to the enrolment, so N racing first launches of one
//! course create exactly one class.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Value};

use super::records::{CONSUMER_KEY, INSTRUCTOR_EMAIL, LAUNCHED_COURSE_ID, LAUNCHED_COURSE_TITLE};

/// One Class class (a course's virtual classroom).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Class {
    pub id: String,
    pub consumer_key: String,
    pub course_id: String,
    pub name: String,
    pub description: String,
    pub instructor_email: String,
}

impl Class {
    /// The class as the class-details endpoint returns it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "course_id": self.course_id,
            "name": self.name,
            "description": self.description,
            "instructor_email": self.instructor_email,
        })
    }
}

/// A user's role in a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EnrollmentRole {
    Instructor,
    Student,
}

/// Course linkages, classes and enrolments.
///
/// At most `retain` classes created by launches are kept (the oldest is forgotten with its
/// linkage and enrolments), and as many enrolments created by launches; the built-in class and
/// its instructor stay.
#[derive(Debug)]
pub(super) struct ClassStore {
    next_id: u64,
    /// (consumer key, course id) -> class id.
    linkages: BTreeMap<(String, String), String>,
    classes: BTreeMap<String, Class>,
    /// (class id, lower-cased email) -> role.
    enrollments: BTreeMap<(String, String), EnrollmentRole>,
    /// Classes and enrolments created by launches, oldest first.
    created_classes: VecDeque<String>,
    created_enrollments: VecDeque<(String, String)>,
    retain: usize,
}

impl ClassStore {
    /// The store with the fixture course `LAUNCHED_COURSE_ID` already launched by
    /// `INSTRUCTOR_EMAIL`, keeping at most `retain` classes and enrolments that launches
    /// create.
    pub fn built_in(retain: usize) -> Self {
        let mut store = ClassStore {
            next_id: 1,
            linkages: BTreeMap::new(),
            classes: BTreeMap::new(),
            enrollments: BTreeMap::new(),
            created_classes: VecDeque::new(),
            created_enrollments: VecDeque::new(),
            retain: retain.max(1),
        };
        let id = store.create_class(
            CONSUMER_KEY,
            LAUNCHED_COURSE_ID,
            LAUNCHED_COURSE_TITLE,
            INSTRUCTOR_EMAIL,
        );
        store.get_or_create_enrollment(&id, INSTRUCTOR_EMAIL, EnrollmentRole::Instructor);
        // The built-in records are never forgotten.
        store.created_classes.clear();
        store.created_enrollments.clear();
        store
    }

    /// Forgets the oldest created classes and enrolments past `retain`.
    fn trim(&mut self) {
        while self.created_classes.len() > self.retain {
            let Some(id) = self.created_classes.pop_front() else {
                break;
            };
            if let Some(class) = self.classes.remove(&id) {
                self.linkages.remove(&(class.consumer_key, class.course_id));
            }
            let enrolled: Vec<(String, String)> = self
                .enrollments
                .range((id.clone(), String::new())..)
                .take_while(|((class, _), _)| *class == id)
                .map(|(key, _)| key.clone())
                .collect();
            for key in enrolled {
                self.enrollments.remove(&key);
            }
        }
        while self.created_enrollments.len() > self.retain {
            if let Some(key) = self.created_enrollments.pop_front() {
                self.enrollments.remove(&key);
            }
        }
    }

    /// The class linked to an LMS course, if an instructor has launched it.
    pub fn linked_class(&self, consumer_key: &str, course_id: &str) -> Option<String> {
        self.linkages
            .get(&(consumer_key.to_string(), course_id.to_string()))
            .cloned()
    }

    /// Creates a class for an LMS course and links the course to it. Returns the class id.
    pub fn create_class(
        &mut self,
        consumer_key: &str,
        course_id: &str,
        name: &str,
        instructor_email: &str,
    ) -> String {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.classes.insert(
            id.clone(),
            Class {
                id: id.clone(),
                consumer_key: consumer_key.to_string(),
                course_id: course_id.to_string(),
                name: name.to_string(),
                description: String::new(),
                instructor_email: instructor_email.to_string(),
            },
        );
        self.linkages.insert(
            (consumer_key.to_string(), course_id.to_string()),
            id.clone(),
        );
        self.created_classes.push_back(id.clone());
        self.trim();
        id
    }

    /// The user's enrolment in a class, created with `role` if there is none yet.
    pub fn get_or_create_enrollment(
        &mut self,
        class_id: &str,
        email: &str,
        role: EnrollmentRole,
    ) -> EnrollmentRole {
        let key = (class_id.to_string(), email.to_lowercase());
        if let Some(existing) = self.enrollments.get(&key) {
            return *existing;
        }
        self.enrollments.insert(key.clone(), role);
        self.created_enrollments.push_back(key);
        self.trim();
        role
    }

    /// A class of this consumer key, for editing.
    pub fn class_mut(&mut self, consumer_key: &str, class_id: &str) -> Option<&mut Class> {
        self.classes
            .get_mut(class_id)
            .filter(|class| class.consumer_key == consumer_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_course_is_linked_and_enrolments_are_reused() {
        let mut store = ClassStore::built_in(4);
        let id = store.linked_class(CONSUMER_KEY, LAUNCHED_COURSE_ID);
        assert_eq!(id.as_deref(), Some("1"));
        assert_eq!(
            store.get_or_create_enrollment(
                "1",
                "Maria.Alvarez@northfield.example.edu",
                EnrollmentRole::Student
            ),
            EnrollmentRole::Instructor
        );
        assert!(store.class_mut("another-key", "1").is_none());
    }
}
