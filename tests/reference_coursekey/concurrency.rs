//! Racing identical creates: exactly one succeeds, the rest answer the documented
//! uniqueness row.

use std::sync::Barrier;
use std::thread;

use serde_json::Value;

use crate::support::{assert_data, assert_error, Ck};

const THREADS: usize = 16;

/// Sends the same request from `THREADS` threads at once; returns the answers.
fn race(ck: &Ck, path: &str, body: &Value) -> Vec<confuzz::Response> {
    let barrier = Barrier::new(THREADS);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    ck.send("POST", path, body)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no request panics"))
            .collect()
    })
}

// See: row coursekey.user.email-unique
#[test]
fn racing_user_creates_with_one_email_give_one_success() {
    let ck = Ck::new();
    let body = ck.user_body("S-777001", "race.user@lakeside-college.edu");
    let answers = race(&ck, "/users", &body);
    let (created, refused): (Vec<_>, Vec<_>) = answers.iter().partition(|r| r.status == 201);
    assert_eq!(created.len(), 1);
    assert_data(created[0], 201);
    assert_eq!(refused.len(), THREADS - 1);
    for answer in refused {
        assert_error(answer, 400, None, "Email must be unique");
    }
}

// See: row coursekey.attendance.attendanceid-unique
#[test]
fn racing_session_creates_with_one_attendance_id_give_one_success() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let body = ck.session_body("FA25-MAT-110-01", "MAT110-RACE", "9:00", "10:15");
    let answers = race(&ck, "/attendances", &body);
    let (created, refused): (Vec<_>, Vec<_>) = answers.iter().partition(|r| r.status == 201);
    assert_eq!(created.len(), 1);
    assert_eq!(refused.len(), THREADS - 1);
    for answer in refused {
        assert_error(
            answer,
            400,
            None,
            "mAttendanceID_courseID_sysID must be unique.",
        );
    }
}

// See: row coursekey.member.userid-courseid-unique
#[test]
fn racing_enrolments_give_one_success() {
    let ck = Ck::new();
    ck.create_course("FA25-MAT-110-01", "MAT110A");
    let body = serde_json::json!({
        "schoolID": ck.fx("school_id"),
        "email": ck.fx("student_email"),
        "courseID": "FA25-MAT-110-01",
    });
    let answers = race(&ck, "/course-members", &body);
    let created = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1);
    for answer in answers.iter().filter(|r| r.status != 201) {
        assert_error(answer, 400, None, "userID_schoolID must be unique.");
    }
}
