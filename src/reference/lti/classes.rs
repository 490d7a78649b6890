//! The main type here is [`ClassStore`]: what launches create. A course linkage ties an LMS
//! course (consumer key and course id) to the Class class its first instructor launch created;
//! enrolments tie users to classes.
//!
//! Not for: deciding who may create or join a class (that is `launch`). The launch holds the
//! store's lock from the linkage lookup to the enrolment, so N racing first launches of one
//! course create exactly one class.

use std::collections::BTreeMap;

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
#[derive(Debug)]
pub(super) struct ClassStore {
    next_id: u64,
    /// (consumer key, course id) -> class id.
    linkages: BTreeMap<(String, String), String>,
    classes: BTreeMap<String, Class>,
    /// (class id, lower-cased email) -> role.
    enrollments: BTreeMap<(String, String), EnrollmentRole>,
}

impl ClassStore {
    /// The store with the fixture course `LAUNCHED_COURSE_ID` already launched by
    /// `INSTRUCTOR_EMAIL`.
    pub fn built_in() -> Self {
        let mut store = ClassStore {
            next_id: 1,
            linkages: BTreeMap::new(),
            classes: BTreeMap::new(),
            enrollments: BTreeMap::new(),
        };
        let id = store.create_class(
            CONSUMER_KEY,
            LAUNCHED_COURSE_ID,
            LAUNCHED_COURSE_TITLE,
            INSTRUCTOR_EMAIL,
        );
        store.get_or_create_enrollment(&id, INSTRUCTOR_EMAIL, EnrollmentRole::Instructor);
        store
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
        id
    }

    /// The user's enrolment in a class, created with `role` if there is none yet.
    pub fn get_or_create_enrollment(
        &mut self,
        class_id: &str,
        email: &str,
        role: EnrollmentRole,
    ) -> EnrollmentRole {
        *self
            .enrollments
            .entry((class_id.to_string(), email.to_lowercase()))
            .or_insert(role)
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
        let mut store = ClassStore::built_in();
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
