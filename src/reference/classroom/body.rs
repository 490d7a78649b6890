//! Reading JSON request bodies the way Google's front end does: an empty body is an empty
//! message, anything else must be a JSON object, and a field of the wrong type is an
//! INVALID_ARGUMENT that names the field (`Invalid value at 'course.name' (TYPE_STRING)`).
//!
//! Unknown fields are ignored (a lenient reading; the real front end rejects them with
//! INVALID_ARGUMENT, but no documented row depends on it).
//!
//! Not for: business rules. Lengths and enums are checked by the endpoint modules.

use serde_json::{Map, Value};

use super::errors::{invalid_argument, ApiError};
use crate::target::Request;

/// The request body as a JSON object (an empty body reads as `{}`).
pub fn object(request: &Request) -> Result<Map<String, Value>, ApiError> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_argument(
            "Invalid JSON payload received. Expected an object at the top level.",
        )),
        Err(e) => Err(invalid_argument(format!(
            "Invalid JSON payload received. {e}."
        ))),
    }
}

/// A string field; `null` or absent is `None`, any other type is an error naming
/// `<message>.<field>`.
pub fn string(
    object: &Map<String, Value>,
    message: &str,
    field: &str,
) -> Result<Option<String>, ApiError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(message, field, "TYPE_STRING", other)),
    }
}

/// A non-empty string field of at most `max` characters, or an error saying it is required.
pub fn required_string(
    object: &Map<String, Value>,
    message: &str,
    field: &str,
    max: usize,
) -> Result<String, ApiError> {
    match bounded_string(object, message, field, max)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(invalid_argument(format!(
            "Invalid value for field '{message}.{field}': the field is required."
        ))),
    }
}

/// An optional string field of at most `max` characters.
pub fn bounded_string(
    object: &Map<String, Value>,
    message: &str,
    field: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    let value = string(object, message, field)?;
    if let Some(s) = &value {
        if s.chars().count() > max {
            return Err(invalid_argument(format!(
                "Invalid value for field '{message}.{field}': must be at most {max} characters."
            )));
        }
    }
    Ok(value)
}

/// An object field; `null` or absent is `None`.
pub fn object_field<'a>(
    object: &'a Map<String, Value>,
    message: &str,
    field: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(wrong_type(message, field, "TYPE_MESSAGE", other)),
    }
}

/// The error for a field of the wrong JSON type, echoing a short form of the value.
pub fn wrong_type(message: &str, field: &str, expected: &str, value: &Value) -> ApiError {
    let mut shown = value.to_string();
    if shown.chars().count() > 64 {
        shown = shown.chars().take(61).collect::<String>() + "...";
    }
    invalid_argument(format!(
        "Invalid value at '{message}.{field}' ({expected}), {shown}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(body: &[u8]) -> Request {
        Request::new("POST", "/v1/courses").with_body(body.to_vec())
    }

    #[test]
    fn bodies_must_be_objects() {
        assert_eq!(object(&req(b"")).map(|m| m.len()), Ok(0));
        assert_eq!(object(&req(b" \n")).map(|m| m.len()), Ok(0));
        assert_eq!(object(&req(br#"{"a":1}"#)).map(|m| m.len()), Ok(1));
        for bad in [&b"[1]"[..], b"nul", b"\xff\xfe", b"{\"a\":", b"\"x\""] {
            let err = object(&req(bad)).err().map(|e| e.status);
            assert_eq!(err, Some(400), "{bad:?}");
        }
        let deep = "[".repeat(100_000);
        assert_eq!(
            object(&req(deep.as_bytes())).err().map(|e| e.status),
            Some(400)
        );
    }

    #[test]
    fn field_types_are_checked() {
        let Value::Object(map) = serde_json::json!({"name": 5, "room": null, "x": "y"}) else {
            unreachable!()
        };
        let err = string(&map, "course", "name").err();
        assert_eq!(
            err.map(|e| e.message),
            Some("Invalid value at 'course.name' (TYPE_STRING), 5".to_string())
        );
        assert_eq!(string(&map, "course", "room"), Ok(None));
        assert_eq!(bounded_string(&map, "c", "x", 1), Ok(Some("y".into())));
        assert!(bounded_string(&map, "c", "x", 0).is_err());
        assert!(required_string(&map, "c", "missing", 10).is_err());
    }
}
