//! The main types here are [`ApiError`] and [`Body`]: the CourseKey error envelope and a
//! read-only view of a JSON request body. Around them sit the format checks every record type
//! shares: required-parameter lists, US dates, clock times, ISO 8601 instants, IANA time
//! zones, emails and numbers.
//!
//! Not for: deciding which documented row a request meets. That is the job of the record
//! modules (`users`, `courses`, `members`, `attendances`), which own their literal texts.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

use crate::target::Response;

/// One CourseKey error answer:
/// `{"error": {"code": <int, absent on some rows>, "message": <text>, "info": {}}}`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ApiError {
    pub status: u16,
    pub code: Option<i64>,
    pub message: String,
    pub info: Value,
}

impl ApiError {
    /// An error with an HTTP status, an optional vendor code and a message; `info` is `{}`.
    pub fn new(status: u16, code: Option<i64>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            info: json!({}),
        }
    }

    /// The same error with `info` set (the overlapping session, the strategy detail, ...).
    pub fn with_info(mut self, info: Value) -> Self {
        self.info = info;
        self
    }

    /// The answer as the vendor sends it. A row without a code has no `code` member at all.
    pub fn into_response(self) -> Response {
        let mut error = Map::new();
        if let Some(code) = self.code {
            error.insert("code".into(), json!(code));
        }
        error.insert("message".into(), Value::String(self.message));
        error.insert("info".into(), self.info);
        Response::json(self.status, &json!({ "error": error }))
    }
}

/// What a record module answers: a success response or a documented error.
pub(super) type Outcome = Result<Response, ApiError>;

/// A success answer: `{"data": <record>}` with the given status (201 creates, 200 others).
pub(super) fn data(status: u16, record: Value) -> Response {
    Response::json(status, &json!({ "data": record }))
}

/// A read-only view of one JSON object (a request body or one element of `sessions`).
#[derive(Debug, Clone, Default)]
pub(super) struct Body(Map<String, Value>);

impl Body {
    /// Parses a request body. An empty body is an empty object (as Express gives it); a body
    /// that is not a JSON object is answered 400 `Invalid JSON body.` (undocumented).
    pub fn parse(bytes: &[u8]) -> Result<Body, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body::default());
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Body(map)),
            _ => Err(ApiError::new(400, None, "Invalid JSON body.")),
        }
    }

    /// A view of a JSON value that should be an object (anything else reads as empty).
    pub fn of(value: &Value) -> Body {
        match value {
            Value::Object(map) => Body(map.clone()),
            _ => Body::default(),
        }
    }

    /// The value of a field, or `None` when it is absent or `null`.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// Whether the field is in the body at all, even as `null`.
    pub fn has_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Whether a field counts as given: present, not `null`, not an empty or blank string.
    pub fn given(&self, name: &str) -> bool {
        match self.value(name) {
            None => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// The bare text of a given field (see [`bare`]).
    pub fn text(&self, name: &str) -> Option<String> {
        if self.given(name) {
            self.value(name).map(bare)
        } else {
            None
        }
    }

    /// The fields of `required` that are not given, in the order of `required`.
    pub fn missing<'a>(&self, required: &[&'a str]) -> Vec<&'a str> {
        required
            .iter()
            .copied()
            .filter(|name| !self.given(name))
            .collect()
    }

    /// Sets a field (used to apply request-level defaults to the elements of a bulk request).
    pub fn insert_default(&mut self, name: &str, value: &Value) {
        if !self.0.contains_key(name) {
            self.0.insert(name.to_string(), value.clone());
        }
    }
}

/// The text of a value as a message echoes it: a string as is, anything else as JSON text
/// (`42`, `true`). Used for `Unauthorized school: <id>`, emails and attendance ids.
pub(super) fn bare(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Lists missing fields as the documented placeholder shows them: separated by ", ".
pub(super) fn list(fields: &[&str]) -> String {
    fields.join(", ")
}

/// A boolean flag as integrations send it: `true`, `"true"`, `1` or `"1"` (the bulk-CSV
/// tools use 0/1). Anything else is false.
pub(super) fn flag(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(Value::String(s)) => matches!(s.trim(), "true" | "1"),
        _ => false,
    }
}

/// A finite number given as a JSON number or a numeric string (as JavaScript's `Number()`
/// would read it, minus the empty string).
pub(super) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// `M/D/YYYY` or `MM/DD/YYYY` (one or two digits for month and day, four for the year), and
/// a real calendar day.
pub(super) fn us_date(value: &Value) -> Option<NaiveDate> {
    let text = value.as_str()?;
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = digits(m, 1, 2)?;
    let day = digits(d, 1, 2)?;
    let year = digits(y, 4, 4)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `H:mm` or `H:mm:ss` (one or two digits for the hour, 0–23; two for minutes and seconds).
pub(super) fn clock_time(value: &Value) -> Option<NaiveTime> {
    let text = value.as_str()?;
    let mut parts = text.split(':');
    let hour = digits(parts.next()?, 1, 2)?;
    let minute = digits(parts.next()?, 2, 2)?;
    let second = match parts.next() {
        Some(s) => digits(s, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// An ISO 8601 instant as `Date.parse` reads the common forms: an RFC 3339 date-time with an
/// offset or `Z`, a date-time without offset (read as UTC), or a bare `YYYY-MM-DD` date.
pub(super) fn iso_instant(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    if text.len() == 10 {
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(date.and_time(NaiveTime::MIN).and_utc());
        }
    }
    None
}

/// An IANA TZDB name (`America/Los_Angeles`, `UTC`), matched exactly as the database spells it.
pub(super) fn time_zone(value: &Value) -> Option<Tz> {
    value.as_str()?.parse::<Tz>().ok()
}

/// The instant of a local date and time in a zone. A time skipped by a daylight-saving jump
/// is read as the same wall-clock time in UTC, so the answer is always an instant.
pub(super) fn local_instant(date: NaiveDate, time: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match zone.from_local_datetime(&naive).earliest() {
        Some(at) => at.with_timezone(&Utc),
        None => naive.and_utc(),
    }
}

/// The `isEmail` check of validator.js in its common form: a dot-atom local part, `@`, and a
/// domain of letter-digit-hyphen labels whose last label (the TLD) has two or more letters.
pub(super) fn is_email(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

/// Parses a run of ASCII digits of the given length bounds.
fn digits(text: &str, min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_dates_take_one_or_two_digit_months_and_days() {
        assert!(us_date(&json!("1/5/2025")).is_some());
        assert!(us_date(&json!("01/05/2025")).is_some());
        assert!(us_date(&json!("2025-01-05")).is_none());
        assert!(us_date(&json!("13/01/2025")).is_none());
        assert!(us_date(&json!("2/30/2025")).is_none());
        assert!(us_date(&json!("1/5/25")).is_none());
        assert!(us_date(&json!(20250105)).is_none());
    }

    #[test]
    fn clock_times_take_minutes_and_optional_seconds() {
        assert!(clock_time(&json!("8:00")).is_some());
        assert!(clock_time(&json!("08:00:00")).is_some());
        assert!(clock_time(&json!("23:59:59")).is_some());
        assert!(clock_time(&json!("24:00")).is_none());
        assert!(clock_time(&json!("8:0")).is_none());
        assert!(clock_time(&json!("8am")).is_none());
        assert!(clock_time(&json!("8:00:00:00")).is_none());
    }

    #[test]
    fn iso_instants_and_zones() {
        assert!(iso_instant(&json!("2025-01-06T16:00:00.000Z")).is_some());
        assert!(iso_instant(&json!("2025-01-06T08:00:00-08:00")).is_some());
        assert!(iso_instant(&json!("2025-01-06")).is_some());
        assert!(iso_instant(&json!("01/06/2025")).is_none());
        assert!(time_zone(&json!("America/Los_Angeles")).is_some());
        assert!(time_zone(&json!("Pacific Standard Time")).is_none());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_email(&json!("a.b+c@school.edu")));
        assert!(!is_email(&json!("ab.school.edu")));
        assert!(!is_email(&json!("ab@school")));
        assert!(!is_email(&json!("@school.edu")));
        assert!(!is_email(&json!("a@@school.edu")));
        assert!(!is_email(&json!(42)));
    }

    #[test]
    fn errors_without_a_code_have_no_code_member() {
        let body = ApiError::new(400, None, "x").into_response().json_body();
        assert_eq!(body, Some(json!({"error": {"message": "x", "info": {}}})));
    }
}
