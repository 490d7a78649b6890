//! Shared helpers: a fresh CourseKey reference, its fixtures, requests with the school auth
//! key, valid bodies, and the assertion on the documented error envelope.

use confuzz::reference::{Config, Reference};
use confuzz::{Request, Response};
use serde_json::{json, Map, Value};

/// A fresh CourseKey reference (its own store) and its fixtures.
pub struct Ck {
    pub reference: Reference,
    fixtures: Map<String, Value>,
}

impl Ck {
    pub fn new() -> Ck {
        let reference = Reference::with_vendors(Config::default(), &["coursekey".to_string()])
            .expect("coursekey is an embedded vendor");
        let fixtures = reference.fixtures();
        Ck {
            reference,
            fixtures,
        }
    }

    /// The fixture `coursekey.<name>`.
    pub fn fx(&self, name: &str) -> String {
        match self.fixtures.get(&format!("coursekey.{name}")) {
            Some(Value::String(s)) => s.clone(),
            other => panic!("fixture coursekey.{name} is {other:?}"),
        }
    }

    /// A request with the given key (or none) and a JSON body.
    pub fn send_as(
        &self,
        key: Option<&str>,
        method: &str,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = Request::new(method, path).with_json(body);
        if let Some(key) = key {
            request = request.with_bearer(key);
        }
        for (name, value) in headers {
            request.set_header(name, value);
        }
        self.reference.handle(&request)
    }

    /// A request with the main school's auth key.
    pub fn send(&self, method: &str, path: &str, body: &Value) -> Response {
        let key = self.fx("auth_key");
        self.send_as(Some(&key), method, path, body, &[])
    }

    /// A user of the main school.
    pub fn user_body(&self, sis: &str, email: &str) -> Value {
        json!({
            "schoolID": self.fx("school_id"),
            "issuedID": sis,
            "userID": sis,
            "firstName": "Ana",
            "lastName": "Lopez",
            "email": email,
        })
    }

    /// A course of the main school owned by the teacher, meeting in the split form.
    pub fn course_body(&self, course_id: &str, add_code: &str) -> Value {
        json!({
            "schoolID": self.fx("school_id"),
            "name": "College Algebra",
            "courseID": course_id,
            "addCode": add_code,
            "owner": self.fx("teacher_email"),
            "startDate": "8/25/2025",
            "endDate": "12/12/2025",
            "startTime": "9:00",
            "endTime": "10:15",
            "timeZone": "America/Chicago",
            "days": "Monday Wednesday",
            "duration": 75,
        })
    }

    /// A conversion course of the main school (uniform strategy, 45 = 30 + 15).
    pub fn conversion_body(&self, course_id: &str, add_code: &str) -> Value {
        let mut body = self.course_body(course_id, add_code);
        set(
            &mut body,
            "attendanceName",
            json!(self.fx("conversion_attendance_name")),
        );
        set(&mut body, "strategy", json!("uniform"));
        set(&mut body, "totalTime", json!(45));
        set(&mut body, "syncTime", json!(30));
        set(&mut body, "asyncTime", json!(15));
        body
    }

    /// Creates a course and checks it was created.
    pub fn create_course(&self, course_id: &str, add_code: &str) {
        let response = self.send("POST", "/courses", &self.course_body(course_id, add_code));
        assert_eq!(response.status, 201, "{}", response.text_body());
    }

    /// A session of a course on 8/25/2025 in Chicago.
    pub fn session_body(
        &self,
        course_id: &str,
        attendance_id: &str,
        start: &str,
        end: &str,
    ) -> Value {
        json!({
            "schoolID": self.fx("school_id"),
            "courseID": course_id,
            "attendanceID": attendance_id,
            "startDate": "8/25/2025",
            "endDate": "8/25/2025",
            "startTime": start,
            "endTime": end,
            "timeZone": "America/Chicago",
        })
    }
}

/// Sets a member of a JSON object.
pub fn set(body: &mut Value, name: &str, value: Value) {
    if let Some(map) = body.as_object_mut() {
        map.insert(name.to_string(), value);
    }
}

/// Removes members of a JSON object.
pub fn without(mut body: Value, names: &[&str]) -> Value {
    if let Some(map) = body.as_object_mut() {
        for name in names {
            map.remove(*name);
        }
    }
    body
}

/// The answer is the documented error: this status, this code (`None`: no `code` member at
/// all), this exact message, and an `info` object.
pub fn assert_error(response: &Response, status: u16, code: Option<i64>, message: &str) {
    let body = response
        .json_body()
        .unwrap_or_else(|| panic!("not JSON: {}", response.text_body()));
    assert_eq!(response.status, status, "{body}");
    let error = &body["error"];
    assert_eq!(error["message"], json!(message), "{body}");
    match code {
        Some(code) => assert_eq!(error["code"], json!(code), "{body}"),
        None => assert!(error.get("code").is_none(), "no code expected: {body}"),
    }
    assert!(error["info"].is_object(), "{body}");
}

/// The `data` member of a success answer with that status.
pub fn assert_data(response: &Response, status: u16) -> Value {
    let body = response
        .json_body()
        .unwrap_or_else(|| panic!("not JSON: {}", response.text_body()));
    assert_eq!(response.status, status, "{body}");
    body["data"].clone()
}
