//! The main type here is [`Route`]: the Classroom methods this reference serves, recognised
//! from a request path, with the HTTP method each one accepts.
//!
//! Not for: authorization or handling; [`super::service`] does both after routing.

use percent_encoding::percent_decode_str;

/// One method of the Classroom API v1, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/courses` (courses.create).
    Courses,
    /// `PATCH /v1/courses/{id}` (courses.patch).
    Course { course_id: String },
    /// `POST /v1/courses/{courseId}/students` (courses.students.create).
    Students { course_id: String },
    /// `POST /v1/courses/{courseId}/teachers` (courses.teachers.create).
    Teachers { course_id: String },
    /// `DELETE /v1/courses/{courseId}/teachers/{userId}` (courses.teachers.delete).
    Teacher { course_id: String, user_id: String },
    /// `POST /v1/courses/{courseId}/courseWork` (courses.courseWork.create).
    CourseWork { course_id: String },
    /// `POST /v1/registrations` (registrations.create).
    Registrations,
}

impl Route {
    /// The route of a path, or `None` when the path names no served method.
    pub fn parse(path: &str) -> Option<Route> {
        let rest = path.strip_prefix("/v1/")?;
        let segments: Vec<String> = rest
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let route = match parts.as_slice() {
            ["courses"] => Route::Courses,
            ["registrations"] => Route::Registrations,
            ["courses", id] => Route::Course {
                course_id: id.to_string(),
            },
            ["courses", id, "students"] => Route::Students {
                course_id: id.to_string(),
            },
            ["courses", id, "teachers"] => Route::Teachers {
                course_id: id.to_string(),
            },
            ["courses", id, "teachers", user] => Route::Teacher {
                course_id: id.to_string(),
                user_id: user.to_string(),
            },
            ["courses", id, "courseWork"] => Route::CourseWork {
                course_id: id.to_string(),
            },
            _ => return None,
        };
        Some(route)
    }

    /// The one HTTP method this route accepts.
    pub fn method(&self) -> &'static str {
        match self {
            Route::Course { .. } => "PATCH",
            Route::Teacher { .. } => "DELETE",
            _ => "POST",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_methods() {
        assert_eq!(Route::parse("/v1/courses"), Some(Route::Courses));
        assert_eq!(
            Route::parse("/v1/courses/123/teachers/me"),
            Some(Route::Teacher {
                course_id: "123".into(),
                user_id: "me".into()
            })
        );
        assert_eq!(
            Route::parse("/v1/courses/1/teachers/a%40b.edu"),
            Some(Route::Teacher {
                course_id: "1".into(),
                user_id: "a@b.edu".into()
            })
        );
        assert_eq!(Route::parse("/v1/courses/"), None);
        assert_eq!(Route::parse("/v1//courses"), None);
        assert_eq!(Route::parse("/v1/invitations"), None);
        assert_eq!(Route::parse("/v2/courses"), None);
        assert_eq!(
            Route::parse("/v1/courses/%ff%fe/students").map(|r| r.method()),
            Some("POST")
        );
    }
}
