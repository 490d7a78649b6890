//! Test support: a run environment to build contexts from, and a `jsonschema` validator that
//! checks formats, with the spec's own formats written independently of the generators.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{GenContext, Pool, UniqueCounter};

/// The run state a context borrows.
pub(crate) struct Env {
    pub fixtures: Map<String, Value>,
    pub vars: BTreeMap<String, Value>,
    pub pool: Pool,
    pub unique: UniqueCounter,
    pub prefix: String,
    pub now: DateTime<Utc>,
}

impl Env {
    pub(crate) fn new() -> Env {
        Env::with_prefix("t3st")
    }

    pub(crate) fn with_prefix(prefix: &str) -> Env {
        let fixtures = json!({
            "acme.section_id": "5f1b2c3d4e5f6a7b8c9d0e1f",
            "acme.students": ["s-1", "s-2", "s-3"],
        });
        let fixtures = fixtures.as_object().cloned().unwrap_or_default();
        let mut vars = BTreeMap::new();
        vars.insert("assignment_id".to_string(), json!("a-42"));
        Env {
            pool: Pool::new(&fixtures),
            fixtures,
            vars,
            unique: UniqueCounter::new(),
            prefix: prefix.to_string(),
            now: DateTime::parse_from_rfc3339("2030-06-15T12:34:56.789Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
        }
    }

    pub(crate) fn ctx(&self) -> GenContext<'_> {
        GenContext {
            fixtures: &self.fixtures,
            vars: &self.vars,
            run_prefix: &self.prefix,
            now: self.now,
            pool: &self.pool,
            unique: &self.unique,
        }
    }
}

fn matches(re: &str, s: &str) -> bool {
    regex::Regex::new(re).is_ok_and(|r| r.is_match(s))
}

/// A validator for `schema` that asserts every format, the spec's own by these definitions.
pub(crate) fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_format("date-mdy", |s: &str| {
            matches(r"^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/[0-9]{4}$", s)
        })
        .with_format("time-hm", |s: &str| {
            matches(r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", s)
        })
        .with_format("iana-tz", |s: &str| {
            s.contains('/') && s.parse::<chrono_tz::Tz>().is_ok()
        })
        .with_format("hex24", |s: &str| matches(r"^[0-9a-f]{24}$", s))
        .with_format("digits", |s: &str| matches(r"^[0-9]+$", s))
        .with_format("weekdays", |s: &str| {
            let days: Vec<&str> = s.split(' ').collect();
            let mut sorted = days.clone();
            sorted.sort_unstable();
            sorted.dedup();
            sorted.len() == days.len()
                && days.iter().all(|d| {
                    matches(
                        "^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$",
                        d,
                    )
                })
        })
        .build(schema)
        .expect("test schemas compile")
}

/// Panics with every validation error when `value` is not valid against `schema`.
pub(crate) fn assert_valid(schema: &Value, value: &Value) {
    let errors: Vec<String> = validator(schema)
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid value {value}\nfor schema {schema}\n{}",
        errors.join("\n")
    );
}
