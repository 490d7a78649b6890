//! The main type here is [`Format`]: the string formats the generators know, each with a
//! generator and a checker (`check_format`, for the tests).
//!
//! The checkers accept every spelling of a format that `docs/spec-format.md` allows (the
//! tests hold every generated value to them); the generators produce one canonical spelling,
//! simplest first:
//!
//! | format | simplest value | other values |
//! | --- | --- | --- |
//! | `email` | `a@example.com` | lower-case letters and digits `@` one of four `example` domains |
//! | `date-time` | now, whole seconds | `YYYY-MM-DDThh:mm:ss.sssZ`, within ~5 years |
//! | `date` | today (UTC) | `YYYY-MM-DD`, within ~5 years |
//! | `date-mdy` | today as `M/D/YYYY` | or `MM/DD/YYYY` |
//! | `time-hm` | `0:00` | `H:mm` or `H:mm:ss`, 24-hour |
//! | `iana-tz` | `Africa/Abidjan` | canonical `Area/Location` names of the tz database |
//! | `uuid` | `00000000-0000-4000-8000-000000000000` | lower-case version 4 form |
//! | `hex24` | 24 zeros | 24 lower-case hex digits |
//! | `weekdays` | `Monday` | 1 to 7 distinct names, week order, space-separated |
//! | `digits` | `0` | ASCII digits |
//!
//! `x-future` values are at least one day after now and within about five years; `x-past`
//! values at least one day before. Plain dates (`date`, `date-mdy`) keep two days away, because
//! "tomorrow" in UTC is still "today" where the target's clock is ahead of UTC.
//!
//! Also here: reading and writing the date and time formats for the `before` rule ([`Temporal`]).

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

use super::charset::Charset;
use super::choice::Choices;
use super::token::Token;

/// A format the generators know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    Email,
    DateTime,
    Date,
    DateMdy,
    TimeHm,
    IanaTz,
    Uuid,
    Hex24,
    Weekdays,
    Digits,
}

impl Format {
    /// Every known format.
    pub const ALL: [Format; 10] = [
        Format::Email,
        Format::DateTime,
        Format::Date,
        Format::DateMdy,
        Format::TimeHm,
        Format::IanaTz,
        Format::Uuid,
        Format::Hex24,
        Format::Weekdays,
        Format::Digits,
    ];

    /// The format of this `format` keyword value, if known.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The `format` keyword value.
    pub fn name(self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::DateMdy => "date-mdy",
            Format::TimeHm => "time-hm",
            Format::IanaTz => "iana-tz",
            Format::Uuid => "uuid",
            Format::Hex24 => "hex24",
            Format::Weekdays => "weekdays",
            Format::Digits => "digits",
        }
    }

    /// Whether `s` is a value of this format.
    #[cfg(test)]
    pub fn check(self, s: &str) -> bool {
        match self {
            Format::Email => is_email(s),
            Format::DateTime => DateTime::parse_from_rfc3339(s).is_ok(),
            Format::Date => parse_ymd(s).is_some(),
            Format::DateMdy => parse_mdy(s).is_some(),
            Format::TimeHm => parse_hm(s).is_some(),
            Format::IanaTz => s.parse::<chrono_tz::Tz>().is_ok(),
            Format::Uuid => is_uuid(s),
            Format::Hex24 => s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()),
            Format::Weekdays => is_weekdays(s),
            Format::Digits => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        }
    }

    /// Whether `x-future` / `x-past` mean something for this format.
    pub(crate) fn is_dated(self) -> bool {
        matches!(self, Format::DateTime | Format::Date | Format::DateMdy)
    }
}

/// Whether `s` is a value of the format `name`; `None` if the format is unknown.
#[cfg(test)]
pub fn check_format(name: &str, s: &str) -> Option<bool> {
    Format::from_name(name).map(|f| f.check(s))
}

/// Which side of now a dated value must fall on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Any,
    Future,
    Past,
}

/// Why a format could not be generated; the caller adds the schema path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormatFail {
    /// The length bounds leave no room for the format.
    Unsatisfiable(String),
    /// `x-unique` on a format with no room for a token.
    NoUnique,
}

/// What the caller asks of a formatted string.
pub(crate) struct FormatRequest<'t> {
    pub min: usize,
    pub max: Option<usize>,
    pub when: When,
    pub token: Option<&'t Token>,
}

const DOMAINS: [&str; 4] = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
/// About five years, in days.
const HORIZON_DAYS: u64 = 1826;

/// A value of `format` (the caller checks the length bounds afterwards for the formats whose
/// length the generator does not steer); the `bool` says whether the token went in.
pub(crate) fn generate(
    format: Format,
    req: &FormatRequest<'_>,
    now: DateTime<Utc>,
    ch: &mut Choices<'_>,
) -> Result<(String, bool), FormatFail> {
    if req.token.is_some()
        && !matches!(
            format,
            Format::Email | Format::Digits | Format::Hex24 | Format::Uuid
        )
    {
        return Err(FormatFail::NoUnique);
    }
    let placed = req.token.is_some();
    let s = match format {
        Format::Email => email(req, ch)?,
        Format::Digits => {
            let cs = Charset::digits();
            let lo = req.min.max(1);
            let room = req.max.unwrap_or(usize::MAX);
            let token = token_in(req, cs, room)?;
            let lo = lo.max(token.len());
            if lo > room {
                return Err(FormatFail::Unsatisfiable(format!(
                    "`digits` of {lo} or more characters within maxLength {room}"
                )));
            }
            let n = ch.range_usize(lo, room.min(lo + 9));
            fill(token, n, cs, ch)
        }
        Format::Hex24 => {
            fixed_len(req, 24, "hex24")?;
            let cs = Charset::hex();
            let token = token_in(req, cs, 24)?;
            fill(token, 24, cs, ch)
        }
        Format::Uuid => {
            fixed_len(req, 36, "uuid")?;
            uuid(req, ch)?
        }
        Format::DateTime => {
            let floor = now.with_nanosecond(0).unwrap_or(now);
            let ceil = if floor < now {
                floor + TimeDelta::seconds(1)
            } else {
                floor
            };
            let offset = |days: i64, ch: &mut Choices<'_>| {
                TimeDelta::days(days)
                    + TimeDelta::seconds(ch.range(0, 86_399) as i64)
                    + TimeDelta::milliseconds(ch.range(0, 999) as i64)
            };
            let t = match req.when {
                When::Future => {
                    let days = ch.range(1, HORIZON_DAYS) as i64;
                    ceil + offset(days, ch)
                }
                When::Past => {
                    let days = ch.range(1, HORIZON_DAYS) as i64;
                    floor - offset(days, ch)
                }
                When::Any => {
                    let h = HORIZON_DAYS as i64;
                    let days = ch.integer(-h, h);
                    floor + offset(days, ch)
                }
            };
            render_instant(t)
        }
        Format::Date | Format::DateMdy => {
            let today = now.date_naive();
            let h = HORIZON_DAYS;
            let day = match req.when {
                When::Future => today + TimeDelta::days(ch.range(2, h) as i64),
                When::Past => today - TimeDelta::days(ch.range(2, h) as i64),
                When::Any => today + TimeDelta::days(ch.integer(-(h as i64), h as i64)),
            };
            if format == Format::Date {
                render_ymd(day)
            } else {
                render_mdy(day, ch.bool())
            }
        }
        Format::TimeHm => {
            let h = ch.range(0, 23) as u32;
            let m = ch.range(0, 59) as u32;
            let secs = if ch.bool() {
                Some(ch.range(0, 59) as u32)
            } else {
                None
            };
            let t = NaiveTime::from_hms_opt(h, m, secs.unwrap_or(0)).unwrap_or_default();
            render_hm(t, secs.is_some())
        }
        Format::IanaTz => {
            let zones = canonical_zones();
            zones[ch.below(zones.len() as u64) as usize].to_string()
        }
        Format::Weekdays => {
            let mask = 1 + ch.below(127);
            let days: Vec<&str> = WEEKDAYS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect();
            days.join(" ")
        }
    };
    Ok((s, placed))
}

fn token_in(req: &FormatRequest<'_>, cs: &Charset, room: usize) -> Result<Vec<char>, FormatFail> {
    match req.token {
        None => Ok(Vec::new()),
        Some(t) => t.render_fitting(cs, room).ok_or(FormatFail::NoUnique),
    }
}

/// `token` then characters of `cs` up to `n` in all.
fn fill(token: Vec<char>, n: usize, cs: &Charset, ch: &mut Choices<'_>) -> String {
    let mut s: String = token.iter().collect();
    for _ in token.len()..n {
        s.push(cs.pick(ch));
    }
    s
}

fn fixed_len(req: &FormatRequest<'_>, len: usize, name: &str) -> Result<(), FormatFail> {
    if req.min > len || req.max.is_some_and(|m| m < len) {
        return Err(FormatFail::Unsatisfiable(format!(
            "`{name}` (always {len} characters) within the length bounds"
        )));
    }
    Ok(())
}

fn email(req: &FormatRequest<'_>, ch: &mut Choices<'_>) -> Result<String, FormatFail> {
    let fits = |d: &&&str| req.max.is_none_or(|m| d.len() + 2 <= m);
    let count = DOMAINS.iter().filter(fits).count();
    if count == 0 {
        return Err(FormatFail::Unsatisfiable(
            "an email within maxLength; the shortest is 13 characters (a@example.com)".into(),
        ));
    }
    let domain = DOMAINS
        .iter()
        .filter(fits)
        .nth(ch.below(count as u64) as usize)
        .copied()
        .unwrap_or(DOMAINS[0]);
    let local_hi = req
        .max
        .map_or(64, |m| m.saturating_sub(domain.len() + 1).min(64));
    let cs = Charset::lower_alphanumeric();
    let token = token_in(req, cs, local_hi)?;
    let local_lo = req
        .min
        .saturating_sub(domain.len() + 1)
        .max(1)
        .max(token.len());
    if local_lo > local_hi {
        return Err(FormatFail::Unsatisfiable(format!(
            "an email of {} to {} characters",
            req.min,
            req.max.unwrap_or(usize::MAX)
        )));
    }
    let n = ch.range_usize(local_lo, local_hi.min(local_lo + 11));
    let mut s = fill(token, n, cs, ch);
    s.push('@');
    s.push_str(domain);
    Ok(s)
}

fn uuid(req: &FormatRequest<'_>, ch: &mut Choices<'_>) -> Result<String, FormatFail> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // The 32 nibbles; 12 is the version, 16 the variant.
    let free: Vec<usize> = (0..32).filter(|&i| i != 12 && i != 16).collect();
    let cs = Charset::hex();
    let token = token_in(req, cs, free.len())?;
    let mut nibbles = [b'0'; 32];
    nibbles[12] = b'4';
    let random = free.len() - token.len();
    for &i in &free[..random] {
        nibbles[i] = HEX[ch.below(16) as usize];
    }
    for (&i, c) in free[random..].iter().zip(&token) {
        nibbles[i] = *c as u8;
    }
    nibbles[16] = HEX[8 + ch.below(4) as usize];
    let n = std::str::from_utf8(&nibbles).unwrap_or_default();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &n[..8],
        &n[8..12],
        &n[12..16],
        &n[16..20],
        &n[20..]
    ))
}

/// Links that tz's `backward` file keeps for old names, within the areas below (tzdb 2025b).
const LINKS: &[&str] = &[
    "Africa/Accra",
    "Africa/Addis_Ababa",
    "Africa/Asmara",
    "Africa/Asmera",
    "Africa/Bamako",
    "Africa/Bangui",
    "Africa/Banjul",
    "Africa/Blantyre",
    "Africa/Brazzaville",
    "Africa/Bujumbura",
    "Africa/Conakry",
    "Africa/Dakar",
    "Africa/Dar_es_Salaam",
    "Africa/Djibouti",
    "Africa/Douala",
    "Africa/Freetown",
    "Africa/Gaborone",
    "Africa/Harare",
    "Africa/Kampala",
    "Africa/Kigali",
    "Africa/Kinshasa",
    "Africa/Libreville",
    "Africa/Lome",
    "Africa/Luanda",
    "Africa/Lubumbashi",
    "Africa/Lusaka",
    "Africa/Malabo",
    "Africa/Maseru",
    "Africa/Mbabane",
    "Africa/Mogadishu",
    "Africa/Niamey",
    "Africa/Nouakchott",
    "Africa/Ouagadougou",
    "Africa/Porto-Novo",
    "Africa/Timbuktu",
    "America/Anguilla",
    "America/Antigua",
    "America/Argentina/ComodRivadavia",
    "America/Aruba",
    "America/Atikokan",
    "America/Atka",
    "America/Blanc-Sablon",
    "America/Buenos_Aires",
    "America/Catamarca",
    "America/Cayman",
    "America/Coral_Harbour",
    "America/Cordoba",
    "America/Creston",
    "America/Curacao",
    "America/Dominica",
    "America/Ensenada",
    "America/Fort_Wayne",
    "America/Godthab",
    "America/Grenada",
    "America/Guadeloupe",
    "America/Indianapolis",
    "America/Jujuy",
    "America/Knox_IN",
    "America/Kralendijk",
    "America/Louisville",
    "America/Lower_Princes",
    "America/Marigot",
    "America/Mendoza",
    "America/Montreal",
    "America/Montserrat",
    "America/Nassau",
    "America/Nipigon",
    "America/Pangnirtung",
    "America/Port_of_Spain",
    "America/Porto_Acre",
    "America/Rainy_River",
    "America/Rosario",
    "America/Santa_Isabel",
    "America/Shiprock",
    "America/St_Barthelemy",
    "America/St_Kitts",
    "America/St_Lucia",
    "America/St_Thomas",
    "America/St_Vincent",
    "America/Thunder_Bay",
    "America/Tortola",
    "America/Virgin",
    "America/Yellowknife",
    "Antarctica/DumontDUrville",
    "Antarctica/McMurdo",
    "Antarctica/South_Pole",
    "Antarctica/Syowa",
    "Asia/Aden",
    "Asia/Ashkhabad",
    "Asia/Bahrain",
    "Asia/Brunei",
    "Asia/Calcutta",
    "Asia/Choibalsan",
    "Asia/Chongqing",
    "Asia/Chungking",
    "Asia/Dacca",
    "Asia/Harbin",
    "Asia/Istanbul",
    "Asia/Kashgar",
    "Asia/Katmandu",
    "Asia/Kuala_Lumpur",
    "Asia/Kuwait",
    "Asia/Macao",
    "Asia/Muscat",
    "Asia/Phnom_Penh",
    "Asia/Rangoon",
    "Asia/Saigon",
    "Asia/Tel_Aviv",
    "Asia/Thimbu",
    "Asia/Ujung_Pandang",
    "Asia/Ulan_Bator",
    "Asia/Vientiane",
    "Atlantic/Faeroe",
    "Atlantic/Jan_Mayen",
    "Atlantic/Reykjavik",
    "Atlantic/St_Helena",
    "Australia/ACT",
    "Australia/Canberra",
    "Australia/Currie",
    "Australia/LHI",
    "Australia/NSW",
    "Australia/North",
    "Australia/Queensland",
    "Australia/South",
    "Australia/Tasmania",
    "Australia/Victoria",
    "Australia/West",
    "Australia/Yancowinna",
    "Europe/Amsterdam",
    "Europe/Belfast",
    "Europe/Bratislava",
    "Europe/Busingen",
    "Europe/Copenhagen",
    "Europe/Guernsey",
    "Europe/Isle_of_Man",
    "Europe/Jersey",
    "Europe/Kiev",
    "Europe/Ljubljana",
    "Europe/Luxembourg",
    "Europe/Mariehamn",
    "Europe/Monaco",
    "Europe/Nicosia",
    "Europe/Oslo",
    "Europe/Podgorica",
    "Europe/San_Marino",
    "Europe/Sarajevo",
    "Europe/Skopje",
    "Europe/Stockholm",
    "Europe/Tiraspol",
    "Europe/Uzhgorod",
    "Europe/Vaduz",
    "Europe/Vatican",
    "Europe/Zagreb",
    "Europe/Zaporozhye",
    "Indian/Antananarivo",
    "Indian/Christmas",
    "Indian/Cocos",
    "Indian/Comoro",
    "Indian/Kerguelen",
    "Indian/Mahe",
    "Indian/Mayotte",
    "Indian/Reunion",
    "Pacific/Chuuk",
    "Pacific/Enderbury",
    "Pacific/Funafuti",
    "Pacific/Johnston",
    "Pacific/Majuro",
    "Pacific/Midway",
    "Pacific/Pohnpei",
    "Pacific/Ponape",
    "Pacific/Saipan",
    "Pacific/Samoa",
    "Pacific/Truk",
    "Pacific/Wake",
    "Pacific/Wallis",
    "Pacific/Yap",
];

/// Canonical zone names: `Area/Location` names of the tz database that are not links.
pub(crate) fn canonical_zones() -> &'static [&'static str] {
    static ZONES: OnceLock<Vec<&'static str>> = OnceLock::new();
    ZONES.get_or_init(|| {
        const AREAS: [&str; 9] = [
            "Africa/",
            "America/",
            "Antarctica/",
            "Asia/",
            "Atlantic/",
            "Australia/",
            "Europe/",
            "Indian/",
            "Pacific/",
        ];
        let mut zones: Vec<&'static str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|n| AREAS.iter().any(|a| n.starts_with(a)))
            .filter(|n| LINKS.binary_search(n).is_err())
            .collect();
        zones.sort_unstable();
        zones
    })
}

#[cfg(test)]
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    local_ok
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
fn is_weekdays(s: &str) -> bool {
    let mut seen = [false; 7];
    let mut count = 0;
    for word in s.split(' ') {
        match WEEKDAYS.iter().position(|d| *d == word) {
            Some(i) if !seen[i] => {
                seen[i] = true;
                count += 1;
            }
            _ => return false,
        }
    }
    count >= 1
}

fn digits_value(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_ymd(s: &str) -> Option<NaiveDate> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits_value(y, 4, 4)? as i32,
        digits_value(m, 2, 2)?,
        digits_value(d, 2, 2)?,
    )
}

fn parse_mdy(s: &str) -> Option<NaiveDate> {
    let mut it = s.split('/');
    let (m, d, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits_value(y, 4, 4)? as i32,
        digits_value(m, 1, 2)?,
        digits_value(d, 1, 2)?,
    )
}

fn parse_hm(s: &str) -> Option<NaiveTime> {
    let mut it = s.split(':');
    let h = digits_value(it.next()?, 1, 2)?;
    let m = digits_value(it.next()?, 2, 2)?;
    let sec = match it.next() {
        Some(x) => digits_value(x, 2, 2)?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_opt(h, m, sec)
}

fn render_instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn render_ymd(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn render_mdy(d: NaiveDate, padded: bool) -> String {
    if padded {
        format!("{:02}/{:02}/{:04}", d.month(), d.day(), d.year())
    } else {
        format!("{}/{}/{:04}", d.month(), d.day(), d.year())
    }
}

fn render_hm(t: NaiveTime, seconds: bool) -> String {
    if seconds {
        format!("{}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    } else {
        format!("{}:{:02}", t.hour(), t.minute())
    }
}

/// A date or time value read from one of the dated formats, comparable with values of the same
/// kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Temporal {
    Instant(DateTime<Utc>),
    Day(NaiveDate),
    Clock(NaiveTime),
}

impl Temporal {
    /// Reads `s` as `format`, or, with no format, as the first of date-time, date, date-mdy and
    /// time-hm that fits.
    pub(crate) fn parse(format: Option<Format>, s: &str) -> Option<(Format, Temporal)> {
        let read = |f: Format| -> Option<Temporal> {
            match f {
                Format::DateTime => DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| Temporal::Instant(t.with_timezone(&Utc))),
                Format::Date => parse_ymd(s).map(Temporal::Day),
                Format::DateMdy => parse_mdy(s).map(Temporal::Day),
                Format::TimeHm => parse_hm(s).map(Temporal::Clock),
                _ => None,
            }
        };
        match format {
            Some(f) => read(f).map(|t| (f, t)),
            None => [
                Format::DateTime,
                Format::Date,
                Format::DateMdy,
                Format::TimeHm,
            ]
            .into_iter()
            .find_map(|f| read(f).map(|t| (f, t))),
        }
    }

    pub(crate) fn same_kind(&self, other: &Temporal) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// One step later (or earlier): an hour for instants, a day for dates, a minute for times
    /// of day. `None` when a time of day would wrap past midnight.
    pub(crate) fn step(&self, later: bool) -> Option<Temporal> {
        let sign = if later { 1 } else { -1 };
        match *self {
            Temporal::Instant(t) => Some(Temporal::Instant(t + TimeDelta::hours(sign))),
            Temporal::Day(d) => d
                .checked_add_signed(TimeDelta::days(sign))
                .map(Temporal::Day),
            Temporal::Clock(t) => {
                let (moved, wrapped) = t.overflowing_add_signed(TimeDelta::minutes(sign));
                (wrapped == 0).then_some(Temporal::Clock(moved))
            }
        }
    }

    /// Writes the value in `format`, in the same spelling as `like` (padding, seconds).
    pub(crate) fn render(&self, format: Format, like: &str) -> Option<String> {
        let day = |t: &Temporal| match *t {
            Temporal::Day(d) => Some(d),
            Temporal::Instant(t) => Some(t.date_naive()),
            Temporal::Clock(_) => None,
        };
        match format {
            Format::DateTime => match *self {
                Temporal::Instant(t) => Some(render_instant(t)),
                _ => None,
            },
            Format::Date => day(self).map(render_ymd),
            Format::DateMdy => day(self).map(|d| render_mdy(d, like.len() == 10)),
            Format::TimeHm => match *self {
                Temporal::Clock(t) => Some(render_hm(t, like.matches(':').count() == 2)),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of `check_format`.
    #[test]
    fn formats_are_checked_by_name() {
        use super::check_format;
        assert_eq!(check_format("date-mdy", "5/4/2031"), Some(true));
        assert_eq!(check_format("time-hm", "24:00"), Some(false));
        assert_eq!(check_format("uri", "x"), None);
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2030-01-31T23:30:15.250Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn gen(format: Format, when: When, seq: &[u64]) -> String {
        let req = FormatRequest {
            min: 0,
            max: None,
            when,
            token: None,
        };
        generate(format, &req, now(), &mut Choices::new(seq))
            .unwrap()
            .0
    }

    #[test]
    fn simplest_values() {
        let cases = [
            (Format::Email, When::Any, "a@example.com"),
            (Format::DateTime, When::Any, "2030-01-31T23:30:15.000Z"),
            (Format::DateTime, When::Future, "2030-02-01T23:30:16.000Z"),
            (Format::DateTime, When::Past, "2030-01-30T23:30:15.000Z"),
            (Format::Date, When::Any, "2030-01-31"),
            (Format::Date, When::Future, "2030-02-02"),
            (Format::Date, When::Past, "2030-01-29"),
            (Format::DateMdy, When::Any, "1/31/2030"),
            (Format::TimeHm, When::Any, "0:00"),
            (Format::IanaTz, When::Any, "Africa/Abidjan"),
            (
                Format::Uuid,
                When::Any,
                "00000000-0000-4000-8000-000000000000",
            ),
            (Format::Hex24, When::Any, "000000000000000000000000"),
            (Format::Weekdays, When::Any, "Monday"),
            (Format::Digits, When::Any, "0"),
        ];
        for (f, when, want) in cases {
            assert_eq!(gen(f, when, &[]), want, "{f:?} {when:?}");
        }
    }

    #[test]
    fn generated_values_pass_their_checks() {
        for f in Format::ALL {
            for seed in 0..200 {
                let seq = crate::generate::choice::retry_sequence(seed, 64);
                let s = gen(f, When::Any, &seq);
                assert!(f.check(&s), "{f:?}: {s}");
            }
        }
    }

    #[test]
    fn checkers_accept_the_documented_spellings_only() {
        let yes = [
            ("email", "first.last+tag@mail.example.com"),
            ("date-time", "2031-05-04T10:00:00.000Z"),
            ("date-time", "2031-05-04T10:00:00+02:00"),
            ("date", "2031-05-04"),
            ("date-mdy", "5/4/2031"),
            ("date-mdy", "05/04/2031"),
            ("time-hm", "9:05"),
            ("time-hm", "23:59:59"),
            ("iana-tz", "America/New_York"),
            ("uuid", "123e4567-e89b-42d3-a456-426614174000"),
            ("hex24", "5f1b2c3d4e5f6a7b8c9d0e1f"),
            ("weekdays", "Monday Wednesday Friday"),
            ("digits", "0042"),
        ];
        for (f, s) in yes {
            assert_eq!(check_format(f, s), Some(true), "{f}: {s}");
        }
        let no = [
            ("email", "a@b"),
            ("email", ".a@example.com"),
            ("date-time", "2031-05-04 10:00:00"),
            ("date", "2031-5-4"),
            ("date", "2031-02-30"),
            ("date-mdy", "13/1/2031"),
            ("date-mdy", "5/4/31"),
            ("time-hm", "24:00"),
            ("time-hm", "9:5"),
            ("iana-tz", "Mars/Olympus"),
            ("uuid", "123e4567e89b42d3a456426614174000"),
            ("hex24", "5f1b2c3d4e5f6a7b8c9d0e1"),
            ("weekdays", "Monday Monday"),
            ("weekdays", "monday"),
            ("weekdays", ""),
            ("digits", ""),
            ("digits", "12a"),
        ];
        for (f, s) in no {
            assert_eq!(check_format(f, s), Some(false), "{f}: {s}");
        }
    }

    #[test]
    fn dated_values_fall_on_their_side_of_now() {
        for seed in 0..300 {
            let seq = crate::generate::choice::retry_sequence(seed, 8);
            let fut = gen(Format::DateTime, When::Future, &seq);
            let t = DateTime::parse_from_rfc3339(&fut).unwrap();
            assert!(t >= now() + TimeDelta::days(1), "{fut}");
            assert!(t <= now() + TimeDelta::days(5 * 366), "{fut}");
            let past = gen(Format::DateTime, When::Past, &seq);
            let t = DateTime::parse_from_rfc3339(&past).unwrap();
            assert!(t <= now() - TimeDelta::days(1), "{past}");
            let day = parse_mdy(&gen(Format::DateMdy, When::Future, &seq)).unwrap();
            assert!(day >= now().date_naive() + TimeDelta::days(2));
        }
    }

    #[test]
    fn zones_are_canonical_and_known() {
        let zones = canonical_zones();
        assert!(zones.len() > 300, "{}", zones.len());
        assert!(zones.contains(&"America/New_York"));
        assert!(zones.contains(&"Asia/Kolkata"));
        assert!(!zones.contains(&"Asia/Calcutta"));
        assert!(!zones.contains(&"US/Eastern"));
        assert!(!zones.contains(&"UTC"));
        assert!(
            LINKS.windows(2).all(|w| w[0] < w[1]),
            "LINKS must stay sorted"
        );
    }

    #[test]
    fn temporal_values_step_and_render_in_place() {
        let (f, t) = Temporal::parse(None, "5/4/2031").unwrap();
        assert_eq!(f, Format::DateMdy);
        let later = t.step(true).unwrap();
        assert_eq!(
            later.render(Format::DateMdy, "5/4/2031").unwrap(),
            "5/5/2031"
        );
        assert_eq!(
            later.render(Format::DateMdy, "05/04/2031").unwrap(),
            "05/05/2031"
        );
        let (_, t) = Temporal::parse(Some(Format::TimeHm), "23:59").unwrap();
        assert_eq!(t.step(true), None);
        assert_eq!(
            t.step(false)
                .unwrap()
                .render(Format::TimeHm, "1:00")
                .unwrap(),
            "23:58"
        );
    }
}
