//! The main function here is [`parse_due_date`]: a date-time read the way Go's `time.Parse`
//! reads it, with Go's error wording. The Clever API answers a `due_date` it cannot read with
//! the text of a Go `*time.ParseError`, e.g. `parsing time "2031-02-30T10:00:00Z": day out of
//! range`, so the reference ports the general path of Go's `parse` (`time/format.go`) for the
//! two layouts it uses: RFC 3339 (`2006-01-02T15:04:05Z07:00`) and a bare date (`2006-01-02`).
//!
//! Not for: formatting (responses use chrono).

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Go's `time.RFC3339`.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// Go's `time.DateOnly`.
pub const DATE_ONLY: &str = "2006-01-02";

/// The layout elements these two layouts use (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongYear,
    ZeroMonth,
    ZeroDay,
    Hour,
    ZeroMinute,
    ZeroSecond,
    Iso8601ColonTz,
}

/// One `nextStdChunk` step: a literal prefix, then an element and its layout text.
type Chunk = (&'static str, Option<(Std, &'static str)>);

const RFC3339_CHUNKS: &[Chunk] = &[
    ("", Some((Std::LongYear, "2006"))),
    ("-", Some((Std::ZeroMonth, "01"))),
    ("-", Some((Std::ZeroDay, "02"))),
    ("T", Some((Std::Hour, "15"))),
    (":", Some((Std::ZeroMinute, "04"))),
    (":", Some((Std::ZeroSecond, "05"))),
    ("", Some((Std::Iso8601ColonTz, "Z07:00"))),
    ("", None),
];

const DATE_ONLY_CHUNKS: &[Chunk] = &[
    ("", Some((Std::LongYear, "2006"))),
    ("-", Some((Std::ZeroMonth, "01"))),
    ("-", Some((Std::ZeroDay, "02"))),
    ("", None),
];

/// A Go `*time.ParseError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    layout: &'static str,
    value: Vec<u8>,
    layout_elem: &'static str,
    value_elem: Vec<u8>,
    message: String,
}

impl ParseError {
    /// Whether the value had the layout's shape but a field out of range (`: day out of range`).
    fn is_range(&self) -> bool {
        self.message.ends_with(" out of range")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(
                f,
                "parsing time {} as {}: cannot parse {} as {}",
                quote(&self.value),
                quote(self.layout.as_bytes()),
                quote(&self.value_elem),
                quote(self.layout_elem.as_bytes())
            )
        } else {
            write!(f, "parsing time {}{}", quote(&self.value), self.message)
        }
    }
}

/// Go's `time.quote`: double quotes, `"` and `\` escaped, every byte of a non-ASCII or control
/// character as `\xNN`.
fn quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if !(b' '..0x80).contains(&b) {
            out.push_str(&format!("\\x{b:02x}"));
        } else {
            if b == b'"' || b == b'\\' {
                out.push('\\');
            }
            out.push(char::from(b));
        }
    }
    out.push('"');
    out
}

/// A due date as the Clever API reads it: RFC 3339 first (fractional seconds allowed, as in
/// Go); a bare `YYYY-MM-DD` is read as midnight UTC. A bare date with an impossible day answers
/// the bare-date error (`parsing time "2031-02-30": day out of range`), anything else that is not
/// RFC 3339 answers the RFC 3339 error.
pub fn parse_due_date(value: &str) -> Result<DateTime<Utc>, ParseError> {
    match parse(RFC3339, RFC3339_CHUNKS, value.as_bytes()) {
        Ok(t) => Ok(t),
        Err(rfc_error) => match parse(DATE_ONLY, DATE_ONLY_CHUNKS, value.as_bytes()) {
            Ok(t) => Ok(t),
            Err(date_error) if date_error.is_range() => Err(date_error),
            Err(_) => Err(rfc_error),
        },
    }
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`: one or two digits (`fixed` forces two).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let first = i64::from(*s.first().filter(|c| c.is_ascii_digit())? - b'0');
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((first, s.get(1..).unwrap_or_default()));
    }
    let second = i64::from(*s.get(1)? - b'0');
    Some((first * 10 + second, s.get(2..).unwrap_or_default()))
}

/// Go's `atoi` on digits only (the callers have checked the first byte is a digit).
fn atoi(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Go's `skip` for prefixes without spaces.
fn skip<'a>(mut value: &'a [u8], prefix: &str) -> Result<&'a [u8], &'a [u8]> {
    for &p in prefix.as_bytes() {
        match value.split_first() {
            Some((&c, rest)) if c == p => value = rest,
            _ => return Err(value),
        }
    }
    Ok(value)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `parse` restricted to the elements of [`RFC3339`] and [`DATE_ONLY`].
fn parse(
    layout: &'static str,
    chunks: &[Chunk],
    avalue: &[u8],
) -> Result<DateTime<Utc>, ParseError> {
    let error = |layout_elem: &'static str, value_elem: &[u8], message: String| ParseError {
        layout,
        value: avalue.to_vec(),
        layout_elem,
        value_elem: value_elem.to_vec(),
        message,
    };
    let (mut year, mut month, mut day) = (0i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut zone_offset = 0i64;
    let mut value = avalue;
    for &(prefix, std) in chunks {
        value = skip(value, prefix).map_err(|rest| error(prefix, rest, String::new()))?;
        let Some((std, stdstr)) = std else {
            if !value.is_empty() {
                return Err(error("", value, format!(": extra text: {}", quote(value))));
            }
            break;
        };
        let hold = value;
        let mut range_err = "";
        let mut ok = true;
        match std {
            Std::LongYear => {
                match (value.get(0..4), value.get(4..)) {
                    (Some(p), Some(rest)) if is_digit(value, 0) => {
                        value = rest;
                        match atoi(p) {
                            Some(y) => year = y,
                            None => ok = false,
                        }
                    }
                    _ => ok = false,
                };
            }
            Std::ZeroMonth => match getnum(value, true) {
                Some((m, rest)) => {
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&m) {
                        range_err = "month";
                    }
                }
                None => ok = false,
            },
            Std::ZeroDay => match getnum(value, true) {
                // Any two digits: the day is checked against the month at the end.
                Some((d, rest)) => {
                    day = d;
                    value = rest;
                }
                None => ok = false,
            },
            Std::Hour => match getnum(value, false) {
                Some((h, rest)) => {
                    hour = h;
                    value = rest;
                    if h >= 24 {
                        range_err = "hour";
                    }
                }
                None => ok = false,
            },
            Std::ZeroMinute => match getnum(value, true) {
                Some((m, rest)) => {
                    min = m;
                    value = rest;
                    if m >= 60 {
                        range_err = "minute";
                    }
                }
                None => ok = false,
            },
            Std::ZeroSecond => match getnum(value, true) {
                Some((s, rest)) => {
                    sec = s;
                    value = rest;
                    if s >= 60 {
                        range_err = "second";
                    } else if value.len() >= 2
                        && matches!(value.first(), Some(b'.') | Some(b','))
                        && is_digit(value, 1)
                    {
                        // A fractional second the layout does not name: a maximal run of
                        // digits, of which the first nine count.
                        let mut n = 2;
                        while is_digit(value, n) {
                            n += 1;
                        }
                        let digits = value.get(1..n.min(10)).unwrap_or_default();
                        let mut ns = atoi(digits).unwrap_or(0);
                        for _ in n.min(10)..10 {
                            ns *= 10;
                        }
                        nsec = ns;
                        value = value.get(n..).unwrap_or_default();
                    }
                }
                None => ok = false,
            },
            Std::Iso8601ColonTz => {
                if value.first() == Some(&b'Z') {
                    value = value.get(1..).unwrap_or_default();
                } else if value.len() < 6 || value.get(3) != Some(&b':') {
                    ok = false;
                } else {
                    let sign = value.first().copied();
                    let hours = getnum(value.get(1..3).unwrap_or_default(), true);
                    let minutes = getnum(value.get(4..6).unwrap_or_default(), true);
                    value = value.get(6..).unwrap_or_default();
                    let (hr, mm) = match (hours, minutes) {
                        (Some((hr, _)), Some((mm, _))) => (hr, mm),
                        (Some((hr, _)), None) => {
                            ok = false;
                            (hr, 0)
                        }
                        _ => {
                            ok = false;
                            (0, 0)
                        }
                    };
                    // Go compares with > here: offsets of 24 hours or 60 minutes pass.
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    }
                    if mm > 60 {
                        range_err = "time zone offset minute";
                    }
                    zone_offset = (hr * 60 + mm) * 60;
                    match sign {
                        Some(b'+') => {}
                        Some(b'-') => zone_offset = -zone_offset,
                        _ => ok = false,
                    }
                }
            }
        }
        if !range_err.is_empty() {
            return Err(error(stdstr, value, format!(": {range_err} out of range")));
        }
        if !ok {
            return Err(error(stdstr, hold, String::new()));
        }
    }
    if month < 0 {
        month = 1;
    }
    if day < 0 {
        day = 1;
    }
    let day_out_of_range = || error("", value, ": day out of range".to_string());
    if day < 1 || day > days_in(month, year) {
        return Err(day_out_of_range());
    }
    let to_u32 = |n: i64| u32::try_from(n).ok();
    let year = i32::try_from(year).map_err(|_| day_out_of_range())?;
    let naive = NaiveDate::from_ymd_opt(year, to_u32(month).unwrap_or(0), to_u32(day).unwrap_or(0))
        .and_then(|d| d.and_hms_nano_opt(to_u32(hour)?, to_u32(min)?, to_u32(sec)?, to_u32(nsec)?))
        .ok_or_else(day_out_of_range)?;
    naive
        .and_utc()
        .checked_sub_signed(Duration::seconds(zone_offset))
        .ok_or_else(day_out_of_range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(value: &str) -> String {
        match parse_due_date(value) {
            Ok(t) => format!("ok {}", t.to_rfc3339()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepts_rfc3339_and_bare_dates() {
        assert_eq!(err("2031-02-28T10:00:00Z"), "ok 2031-02-28T10:00:00+00:00");
        assert_eq!(
            err("2031-02-28T10:00:00.250Z"),
            "ok 2031-02-28T10:00:00.250+00:00"
        );
        assert_eq!(
            err("2032-02-29T23:30:00-02:00"),
            "ok 2032-03-01T01:30:00+00:00"
        );
        assert_eq!(err("2031-02-28T1:00:00Z"), "ok 2031-02-28T01:00:00+00:00");
        assert_eq!(err("2031-02-28"), "ok 2031-02-28T00:00:00+00:00");
    }

    #[test]
    fn go_parse_error_wording() {
        let table = [
            ("2031-02-30T10:00:00Z", "parsing time \"2031-02-30T10:00:00Z\": day out of range"),
            ("2030-04-31T00:00:00Z", "parsing time \"2030-04-31T00:00:00Z\": day out of range"),
            ("2031-01-00T00:00:00Z", "parsing time \"2031-01-00T00:00:00Z\": day out of range"),
            ("2031-02-30", "parsing time \"2031-02-30\": day out of range"),
            ("2031-13-01T00:00:00Z", "parsing time \"2031-13-01T00:00:00Z\": month out of range"),
            ("2031-01-01T24:00:00Z", "parsing time \"2031-01-01T24:00:00Z\": hour out of range"),
            ("2031-01-01T10:60:00Z", "parsing time \"2031-01-01T10:60:00Z\": minute out of range"),
            ("2031-01-01T10:00:60Z", "parsing time \"2031-01-01T10:00:60Z\": second out of range"),
            (
                "2031-01-01T10:00:00+25:00",
                "parsing time \"2031-01-01T10:00:00+25:00\": time zone offset hour out of range",
            ),
            (
                "2031-01-01T10:00:00",
                "parsing time \"2031-01-01T10:00:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\"",
            ),
            (
                "2031-01-01 10:00:00Z",
                "parsing time \"2031-01-01 10:00:00Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \" 10:00:00Z\" as \"T\"",
            ),
            (
                "tomorrow",
                "parsing time \"tomorrow\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"tomorrow\" as \"2006\"",
            ),
            (
                "2031-1-01T00:00:00Z",
                "parsing time \"2031-1-01T00:00:00Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"1-01T00:00:00Z\" as \"01\"",
            ),
            (
                "2031-01-01T00:00:00Zjunk",
                "parsing time \"2031-01-01T00:00:00Zjunk\": extra text: \"junk\"",
            ),
            (
                "",
                "parsing time \"\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"2006\"",
            ),
            (
                "20x1-01-01T00:00:00Z",
                "parsing time \"20x1-01-01T00:00:00Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"20x1-01-01T00:00:00Z\" as \"2006\"",
            ),
            (
                "2031-01-01T00:00:00\u{e9}",
                "parsing time \"2031-01-01T00:00:00\\xc3\\xa9\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\\xc3\\xa9\" as \"Z07:00\"",
            ),
            (
                "2031-01-01T00:00:00*01:00",
                "parsing time \"2031-01-01T00:00:00*01:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"*01:00\" as \"Z07:00\"",
            ),
        ];
        for (value, expected) in table {
            assert_eq!(err(value), expected, "value {value:?}");
        }
    }
}
