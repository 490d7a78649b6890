//! The main function here is [`lint`]: it finds the inconsistencies in the error tables
//! themselves (a reason phrase that contradicts its status, a heading that differs from its
//! message, one trigger documented by two rows, a limit or a character set stated two ways, a
//! placeholder typo, an action that does not match its message, a missing vendor code where
//! sibling rows have one) and in the spec's structure (duplicate ids, rows with no trigger,
//! endpoints with no rows).
//!
//! Every check is generic: it reads the quotes each row keeps of its document (`doc`) and the
//! row's own expectations. Not for: loading errors (a spec that does not load never gets here).

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde::Serialize;

use super::load::SpecSet;
use super::model::*;
use super::template::{Part, Template};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec cannot be run as it is.
    Error,
    /// The document contradicts itself; the spec records how it is resolved.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One inconsistency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The check's stable name, e.g. `reason-phrase`.
    pub check: &'static str,
    pub vendor: String,
    pub rows: Vec<String>,
    pub message: String,
}

/// What one lint found: the rows it concerns (none for a finding about an endpoint) and
/// what is wrong, in words.
struct Hit {
    rows: Vec<String>,
    message: String,
}

fn hit(rows: Vec<String>, message: impl Into<String>) -> Hit {
    Hit {
        rows,
        message: message.into(),
    }
}

/// One named lint: how serious its findings are and the function that finds them in one
/// vendor's spec.
struct Lint {
    name: &'static str,
    severity: Severity,
    find: fn(&VendorSpec) -> Vec<Hit>,
}

/// Every lint, in the order they are documented. A new lint is a function and a line here.
const LINTS: &[Lint] = &[
    Lint {
        name: "reason-phrase",
        severity: Severity::Warning,
        find: reason_phrase,
    },
    Lint {
        name: "heading-message",
        severity: Severity::Warning,
        find: heading_message,
    },
    Lint {
        name: "same-trigger",
        severity: Severity::Warning,
        find: same_trigger,
    },
    Lint {
        name: "limit-two-ways",
        severity: Severity::Warning,
        find: limit_stated_two_ways,
    },
    Lint {
        name: "charset-two-ways",
        severity: Severity::Warning,
        find: charset_stated_two_ways,
    },
    Lint {
        name: "placeholder-typo",
        severity: Severity::Warning,
        find: placeholder_typo,
    },
    Lint {
        name: "action-message",
        severity: Severity::Warning,
        find: action_message,
    },
    Lint {
        name: "missing-code",
        severity: Severity::Info,
        find: missing_code,
    },
    Lint {
        name: "duplicate-id",
        severity: Severity::Error,
        find: duplicate_id,
    },
    Lint {
        name: "no-trigger",
        severity: Severity::Error,
        find: no_trigger,
    },
    Lint {
        name: "endpoint-without-rows",
        severity: Severity::Warning,
        find: endpoint_without_rows,
    },
];

/// The names of every lint, for documentation and tests.
pub fn checks() -> impl Iterator<Item = &'static str> {
    LINTS.iter().map(|l| l.name)
}

/// Lints every loaded vendor. Findings come sorted by vendor, then severity, then check.
pub fn lint(set: &SpecSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for loaded in &set.specs {
        let spec = &loaded.spec;
        for lint in LINTS {
            out.extend((lint.find)(spec).into_iter().map(|h| Finding {
                severity: lint.severity,
                check: lint.name,
                vendor: spec.vendor.id.clone(),
                rows: h.rows,
                message: h.message,
            }));
        }
    }
    out.sort_by(|a, b| {
        (a.vendor.as_str(), a.severity, a.check, &a.rows).cmp(&(
            b.vendor.as_str(),
            b.severity,
            b.check,
            &b.rows,
        ))
    });
    out
}

/// A row id used by more than one row.
fn duplicate_id(spec: &VendorSpec) -> Vec<Hit> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &spec.rows {
        *counts.entry(&r.id).or_default() += 1;
    }
    counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, n)| {
            hit(
                vec![id.to_string()],
                format!("row id `{id}` is used by {n} rows; ids must be unique and stable"),
            )
        })
        .collect()
}

/// A row without a trigger: nothing can ever check it.
fn no_trigger(spec: &VendorSpec) -> Vec<Hit> {
    spec.rows
        .iter()
        .filter(|r| r.trigger.is_none())
        .map(|r| {
            hit(
                vec![r.id.clone()],
                "the row has no trigger, so no request can ever check it",
            )
        })
        .collect()
}

/// An endpoint no row documents an error of.
fn endpoint_without_rows(spec: &VendorSpec) -> Vec<Hit> {
    let used: BTreeSet<&str> = spec
        .rows
        .iter()
        .flat_map(|r| {
            r.endpoints
                .iter()
                .map(String::as_str)
                .chain(r.trigger_endpoint())
        })
        .collect();
    spec.endpoints
        .iter()
        .filter(|e| !used.contains(e.id.as_str()))
        .map(|e| {
            hit(
                vec![],
                format!(
                    "endpoint `{}` ({} {}) has no documented error row",
                    e.id, e.method, e.path
                ),
            )
        })
        .collect()
}

/// A reason phrase that belongs to another status.
fn reason_phrase(spec: &VendorSpec) -> Vec<Hit> {
    let mut out = Vec::new();
    for r in &spec.rows {
        if let Some((status, phrase)) = doc_status_phrase(&r.doc.response) {
            if let Some(owner) = status_of_phrase(&phrase) {
                if owner != status {
                    out.push(hit(
                        vec![r.id.clone()],
                        format!(
                            "the document writes \"{status} {phrase}\": \"{phrase}\" is the reason phrase of {owner}; the status {status} is what is checked"
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// `$$NAME`: a doubled placeholder sigil.
fn placeholder_typo(spec: &VendorSpec) -> Vec<Hit> {
    let doubled_sigil = Regex::new(r"\\?\$\\?\$[A-Za-z_{]+").expect("static regex compiles");
    spec.rows
        .iter()
        .filter_map(|r| {
            let m = doubled_sigil.find(&r.doc.response)?;
            Some(hit(
                vec![r.id.clone()],
                format!(
                    "the documented message has the placeholder `{}` with a doubled `$`; the spec binds it as one placeholder",
                    m.as_str().replace('\\', "")
                ),
            ))
        })
        .collect()
}

/// A limit stated two ways within one row.
fn limit_stated_two_ways(spec: &VendorSpec) -> Vec<Hit> {
    spec.rows
        .iter()
        .filter_map(|r| limit_two_ways(&row_texts(r)).map(|m| hit(vec![r.id.clone()], m)))
        .collect()
}

/// A character set stated two ways within one row.
fn charset_stated_two_ways(spec: &VendorSpec) -> Vec<Hit> {
    spec.rows
        .iter()
        .filter_map(|r| charset_two_ways(&row_texts(r)).map(|m| hit(vec![r.id.clone()], m)))
        .collect()
}

/// The documented action describes another kind of failure than the message.
fn action_message(spec: &VendorSpec) -> Vec<Hit> {
    let mut out = Vec::new();
    for r in &spec.rows {
        let Some(message) = &r.expect.message else {
            continue;
        };
        let action = classify(&r.doc.heading);
        let answer = classify(&strip_placeholders(message));
        if !action.is_empty() && !answer.is_empty() && action.is_disjoint(&answer) {
            out.push(hit(
                vec![r.id.clone()],
                format!(
                    "the documented action \"{}\" describes a {} failure, but its message \"{}\" reports a {} failure",
                    r.doc.heading,
                    join(&action),
                    message,
                    join(&answer)
                ),
            ));
        }
    }
    out
}

/// Headings that differ from the message, where the vendor's headings are messages (most of
/// its comparable rows match). A message that opens with a placeholder (`${detail}`: any
/// text) has nothing to compare.
fn heading_message(spec: &VendorSpec) -> Vec<Hit> {
    let comparable: Vec<(&ErrorRow, bool)> = spec
        .rows
        .iter()
        .filter_map(|r| {
            r.expect
                .message
                .as_ref()
                .filter(|m| opens_with_text(m))
                .map(|m| (r, heading_matches(&r.doc.heading, m)))
        })
        .collect();
    let matching = comparable.iter().filter(|(_, ok)| *ok).count();
    if comparable.is_empty() || matching * 2 < comparable.len() {
        return Vec::new();
    }
    comparable
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(r, _)| {
            hit(
                vec![r.id.clone()],
                format!(
                    "the heading \"{}\" differs from the response message \"{}\"; the response is what is checked",
                    r.doc.heading,
                    r.expect.message.as_deref().unwrap_or("")
                ),
            )
        })
        .collect()
}

/// One trigger documented by two rows: declared ambiguity (`also_accept`, alternatives with
/// their own message or code), or identical triggers the spec does not declare.
fn same_trigger(spec: &VendorSpec) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for r in &spec.rows {
        for other in &r.also_accept {
            let pair = ordered(&r.id, other);
            if pairs.insert(pair.clone()) {
                out.push(hit(
                    vec![pair.0, pair.1],
                    "the document gives two rows for one trigger; either answer is accepted",
                ));
            }
        }
        for alt in r
            .alternatives
            .iter()
            .filter(|a| a.message.is_some() || a.code.is_some())
        {
            out.push(hit(
                vec![r.id.clone()],
                format!(
                    "the document allows another answer for this trigger{}; both are accepted",
                    alt.message
                        .as_ref()
                        .map(|m| format!(" (\"{m}\")"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    let mut by_trigger: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for r in &spec.rows {
        if let Some(t) = &r.trigger {
            let key = serde_json::to_string(&(r.trigger_endpoint(), &t.setup, &t.ops, &t.variants))
                .unwrap_or_default();
            by_trigger.entry(key).or_default().push(&r.id);
        }
    }
    for ids in by_trigger.values().filter(|ids| ids.len() > 1) {
        let mut rows: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        rows.sort();
        let known = rows
            .windows(2)
            .all(|w| pairs.contains(&ordered(&w[0], &w[1])));
        if !known {
            out.push(hit(
                rows,
                "these rows have identical triggers: one request cannot tell them apart",
            ));
        }
    }
    out
}

/// A missing vendor code where most sibling rows (same endpoint group) have one.
fn missing_code(spec: &VendorSpec) -> Vec<Hit> {
    if spec.vendor.envelope.pointers.code.is_none() {
        return Vec::new();
    }
    let mut groups: BTreeMap<&str, Vec<&ErrorRow>> = BTreeMap::new();
    for r in &spec.rows {
        groups.entry(&r.group).or_default().push(r);
    }
    let mut out = Vec::new();
    for (group, rows) in groups {
        let with_code = rows
            .iter()
            .filter(|r| matches!(&r.expect.code, Some(c) if !c.is_absent()))
            .count();
        if with_code * 2 < rows.len() {
            continue;
        }
        for r in rows
            .iter()
            .filter(|r| matches!(&r.expect.code, Some(c) if c.is_absent()))
        {
            out.push(hit(
                vec![r.id.clone()],
                format!(
                    "no vendor code is documented, while {with_code} of the {} `{group}` rows have one",
                    rows_len(spec, group)
                ),
            ));
        }
    }
    out
}

fn rows_len(spec: &VendorSpec, group: &str) -> usize {
    spec.rows.iter().filter(|r| r.group == group).count()
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn join(set: &BTreeSet<&str>) -> String {
    set.iter().copied().collect::<Vec<_>>().join("/")
}

/// The document texts of a row that may state a rule: heading, response, quote, message.
fn row_texts(r: &ErrorRow) -> Vec<String> {
    let mut v = vec![r.doc.heading.clone(), r.doc.response.clone()];
    if let Some(q) = &r.doc.quote {
        v.push(q.clone());
    }
    if let Some(m) = &r.expect.message {
        v.push(m.clone());
    }
    v
}

/// `(status, phrase)` from a documented response line such as `400 Bad Request Response: ...`.
fn doc_status_phrase(response: &str) -> Option<(u16, String)> {
    let re = Regex::new(r"^\s*(\d{3})\s+([A-Za-z][A-Za-z ]*?)\s*(Response\b|[:|({]|$)").ok()?;
    let caps = re.captures(response)?;
    let status = caps.get(1)?.as_str().parse().ok()?;
    let phrase = caps.get(2)?.as_str().trim().to_string();
    if phrase.is_empty() {
        return None;
    }
    Some((status, phrase))
}

/// The status whose standard reason phrase this is (RFC 9110).
fn status_of_phrase(phrase: &str) -> Option<u16> {
    const PHRASES: &[(u16, &str)] = &[
        (200, "OK"),
        (201, "Created"),
        (204, "No Content"),
        (303, "See Other"),
        (400, "Bad Request"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (405, "Method Not Allowed"),
        (409, "Conflict"),
        (413, "Content Too Large"),
        (422, "Unprocessable Content"),
        (429, "Too Many Requests"),
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ];
    PHRASES
        .iter()
        .find(|(_, p)| p.eq_ignore_ascii_case(phrase))
        .map(|(s, _)| *s)
}

fn normalize(text: &str) -> String {
    let unified: String = text
        .chars()
        .map(|c| match c {
            '\'' | '"' | '`' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' => '"',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let collapsed = unified.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .trim_start_matches('@')
        .trim_end_matches(['.', ':', ' ', '"'])
        .to_string()
}

fn strip_placeholders(message: &str) -> String {
    match Template::parse(message) {
        Ok(t) => t
            .parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.as_str(),
                Part::Placeholder(_) => " ",
            })
            .collect(),
        Err(_) => message.to_string(),
    }
}

/// Whether a message template starts with literal text (not a placeholder).
fn opens_with_text(message: &str) -> bool {
    match Template::parse(message) {
        Ok(t) => matches!(t.parts.first(), Some(Part::Literal(l)) if !l.trim().is_empty()),
        Err(_) => true,
    }
}

/// Whether a heading reads as the message (equal, or one a prefix of the other up to the
/// first placeholder), ignoring case, quotes and trailing punctuation.
fn heading_matches(heading: &str, message: &str) -> bool {
    let prefix = match Template::parse(message) {
        Ok(t) => match t.parts.first() {
            Some(Part::Literal(l)) => l.clone(),
            _ => String::new(),
        },
        Err(_) => message.to_string(),
    };
    let h = normalize(heading);
    let m = normalize(&prefix);
    if h.is_empty() || m.is_empty() {
        return false;
    }
    h == m || m.starts_with(&h) || h.starts_with(&m)
}

/// "less than N" and "more than N" for the same N describe different limits.
fn limit_two_ways(texts: &[String]) -> Option<String> {
    let re = Regex::new(r"(?i)\b(less|fewer|more|greater)\s+than\s+(\d+)").ok()?;
    let mut below: BTreeSet<u64> = BTreeSet::new();
    let mut above: BTreeSet<u64> = BTreeSet::new();
    for t in texts {
        for c in re.captures_iter(t) {
            let n: u64 = c[2].parse().ok()?;
            match c[1].to_ascii_lowercase().as_str() {
                "less" | "fewer" => below.insert(n),
                _ => above.insert(n),
            };
        }
    }
    let n = below.intersection(&above).next()?;
    Some(format!(
        "the limit is stated two ways: \"less than {n}\" allows at most {} while \"no more than {n}\" allows {n}; the value {n} is ambiguous",
        n.saturating_sub(1)
    ))
}

/// The quoted single characters of a text: `'~'`, `"-"`, ... An escaped backslash (`"\\"`)
/// is the one character `\`, as documents write it both ways.
fn quoted_chars(text: &str) -> BTreeSet<char> {
    let re = Regex::new(r#"(?:'(\\)\\'|"(\\)\\"|'(.)'|"(.)"|\\"(.)\\")"#)
        .expect("static regex compiles");
    re.captures_iter(text)
        .filter_map(|c| c.iter().skip(1).flatten().next())
        .filter_map(|m| m.as_str().chars().next())
        .filter(|c| !c.is_alphanumeric())
        .collect()
}

fn charset_two_ways(texts: &[String]) -> Option<String> {
    let sets: Vec<(usize, BTreeSet<char>)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (i, quoted_chars(t)))
        .filter(|(_, s)| s.len() >= 3)
        .collect();
    for (i, a) in &sets {
        for (j, b) in &sets {
            if i < j && a != b {
                let only_a: String = a.difference(b).collect();
                let only_b: String = b.difference(a).collect();
                return Some(format!(
                    "the allowed characters are stated two ways: one list has `{only_a}` where the other has `{only_b}`; neither is generated as valid"
                ));
            }
        }
    }
    None
}

/// Coarse kinds of failure a text describes, from its wording.
fn classify(text: &str) -> BTreeSet<&'static str> {
    const KINDS: &[(&str, &[&str])] = &[
        (
            "format",
            &[
                "parsing",
                "character",
                "malformed",
                "formatting",
                "format",
                "out of range",
                "escape",
                "should be one of",
            ],
        ),
        ("time", &["in the past", "in the future", "expired"]),
        (
            "missing",
            &[
                "missing",
                "did not include",
                "is required",
                "was empty",
                "no authorization",
            ],
        ),
        ("authorization", &["token", "authoriz", "unauthori"]),
        (
            "existence",
            &[
                "not found",
                "does not exist",
                "deleted",
                "not currently enrolled",
            ],
        ),
        ("uniqueness", &["unique", "already"]),
        ("limit", &["limit", "maximum", "quota"]),
    ];
    let lower = text.to_lowercase();
    KINDS
        .iter()
        .filter(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map(|(k, _)| *k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases() {
        assert_eq!(
            doc_status_phrase("400 Internal Server Error Response: {error: {}}"),
            Some((400, "Internal Server Error".into()))
        );
        assert_eq!(status_of_phrase("Internal Server Error"), Some(500));
        assert_eq!(
            doc_status_phrase("403 Bad Request Response: {...}"),
            Some((403, "Bad Request".into()))
        );
        assert_eq!(doc_status_phrase("400 | {\"message\": \"x\"}"), None);
    }

    #[test]
    fn headings() {
        assert!(heading_matches(
            "Email must be unique",
            "Email must be unique"
        ));
        assert!(heading_matches(
            "Unauthorized School",
            "Unauthorized school: ${school}"
        ));
        assert!(heading_matches("Template Not Found", "template not found."));
        assert!(!heading_matches(
            "Account missing the following fields",
            "User missing the following fields:${missing}"
        ));
        assert!(!heading_matches(
            "userID_courseID must be unique",
            "userID_schoolID must be unique."
        ));
    }

    #[test]
    fn a_message_of_only_a_placeholder_is_not_compared_with_its_heading() {
        assert!(!opens_with_text("${detail}"));
        assert!(opens_with_text("Unauthorized school: ${school}"));
        assert!(opens_with_text("template not found."));
    }

    #[test]
    fn limits_and_charsets() {
        let texts = vec![
            "addCode must be less than 26 characters".to_string(),
            "cannot have more than 26 characters".to_string(),
        ];
        assert!(limit_two_ways(&texts).is_some());
        assert!(limit_two_ways(&texts[..1]).is_none());
        let a = "only these characters: '~', '-', '_', '.', '(', ')', or ','".to_string();
        let b =
            "only these characters: \"~\", \"-\", \"_\", \".\", \"(\", \")\", or \";\"".to_string();
        assert!(charset_two_ways(&[a.clone(), b]).unwrap().contains(';'));
        // `"\\"` and `"\"` both write a backslash: not a difference between two lists.
        let c = r#"only these: "~", "-", "*", "\", "(", ")", or ";""#.to_string();
        let d = r#"only these: "~", "-", "*", "\\", "(", ")", or ";""#.to_string();
        assert_eq!(quoted_chars(&c), quoted_chars(&d));
        assert!(charset_two_ways(&[c, d]).is_none());
        assert!(charset_two_ways(&[a.clone(), a]).is_none());
    }

    #[test]
    fn actions() {
        let action = classify("Attempting to update an assignment due date to a date in the past");
        let message = classify("parsing time \"x\": day out of range");
        assert!(action.is_disjoint(&message));
        let action = classify("Did not include required fields when creating an assignment");
        let message = classify("missing required field(s): title");
        assert!(!action.is_disjoint(&message));
    }
}
