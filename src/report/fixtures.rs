//! The fixtures the specs declare, for people writing a fixtures file (`confuzz fixtures`):
//! a table ([`table`]) or JSON ([`json`](fn@json)) with each fixture's meaning, schema and secrecy, a
//! template to fill in ([`template`]), and the fixtures a finished run lacked ([`missing`]).
//!
//! Not for: reading a fixtures file (see `run::fixtures`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::run::{RowVerdict, RunReport};
use crate::spec::{Fixture, SpecSet, VendorSpec};

use super::catalog::table as text_table;

pub use crate::run::fixtures::PLACEHOLDER;

/// Whether the harness can do without the fixture: a limit's value, which it discovers by
/// repeating the request when the fixture is absent.
fn optional(spec: &VendorSpec, fixture: &Fixture) -> bool {
    spec.vendor.limits.iter().any(|l| l.fixture == fixture.name)
}

fn fixtures(set: &SpecSet) -> impl Iterator<Item = (&VendorSpec, &Fixture)> {
    set.specs
        .iter()
        .flat_map(|s| s.spec.vendor.fixtures.iter().map(move |f| (&s.spec, f)))
}

fn schema_text(fixture: &Fixture) -> String {
    match &fixture.schema {
        Some(schema) => schema.to_string(),
        None => "any".into(),
    }
}

/// One line per fixture: name, whether it is secret or optional, schema, meaning.
pub fn table(set: &SpecSet) -> String {
    let rows: Vec<Vec<String>> = fixtures(set)
        .map(|(spec, f)| {
            let mut kind = Vec::new();
            if f.secret {
                kind.push("secret");
            }
            if optional(spec, f) {
                kind.push("optional");
            }
            vec![
                f.name.clone(),
                if kind.is_empty() {
                    "-".into()
                } else {
                    kind.join(", ")
                },
                schema_text(f),
                f.meaning.clone(),
            ]
        })
        .collect();
    text_table(&["FIXTURE", "KIND", "SCHEMA", "MEANING"], &rows)
}

/// Every fixture as `{name, vendor, meaning, secret, optional, schema, pool_min_size}` (the
/// smallest pool a full run needs, for a pool fixture; else null).
pub fn json(set: &SpecSet) -> Value {
    Value::Array(
        fixtures(set)
            .map(|(spec, f)| {
                json!({
                    "name": f.name,
                    "vendor": spec.vendor.id,
                    "meaning": f.meaning,
                    "secret": f.secret,
                    "optional": optional(spec, f),
                    "schema": f.schema,
                    "pool_min_size": f.pool.as_ref().map(|p| p.min_size),
                })
            })
            .collect(),
    )
}

/// A fixtures file to fill in: every fixture a row may need, its value a placeholder that
/// says what to put there (optional fixtures are left out).
pub fn template(set: &SpecSet) -> Value {
    let mut out = Map::new();
    for (_, f) in fixtures(set).filter(|(s, f)| !optional(s, f)) {
        let mut hint = format!("{PLACEHOLDER}{}", f.meaning.trim_end_matches('.'));
        if let Some(schema) = &f.schema {
            hint.push_str(&format!("; schema {schema}"));
        }
        if let Some(pool) = &f.pool {
            hint.push_str(&format!(
                "; a pool: at least {} values for a full run",
                pool.min_size
            ));
        }
        if f.secret {
            hint.push_str("; secret: reproducers show it as $");
            hint.push_str(&super::run::secret_variable(&f.name));
        }
        hint.push('>');
        out.insert(f.name.clone(), Value::String(hint));
    }
    Value::Object(out)
}

/// One `export` line for every secret fixture whose variable `text` uses (`$ACME_TOKEN`),
/// reading its value from the fixtures file with `jq`.
pub fn exports(set: &SpecSet, text: &str, fixtures_file: &str) -> Vec<String> {
    fixtures(set)
        .filter(|(_, f)| f.secret)
        .filter_map(|(_, f)| {
            let var = super::run::secret_variable(&f.name);
            let used = text.match_indices(&format!("${var}")).any(|(i, m)| {
                // `$ACME_TOKEN` but not `$ACME_TOKEN_2`.
                !text[i + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            used.then(|| {
                format!(
                    "export {var}=\"$(jq -r '.[\"{}\"]' {fixtures_file})\"",
                    f.name
                )
            })
        })
        .collect()
}

/// The fixtures whose absence left checks untested, with how many checks each (rows,
/// valid-request checks and properties), by name.
pub fn missing(report: &RunReport) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for check in report.checks() {
        if check.verdict != RowVerdict::Untested {
            continue;
        }
        let Some(name) = check
            .reason
            .as_deref()
            .and_then(|r| r.strip_prefix("needs fixture "))
        else {
            continue;
        };
        let name = name.split_whitespace().next().unwrap_or(name);
        *out.entry(name.trim_matches('`').to_string()).or_insert(0) += 1;
    }
    out
}

/// The lines `run` prints after its report when fixtures were missing: each fixture with the
/// checks it left untested and its meaning, and how to start a fixtures file.
pub fn missing_text(set: &SpecSet, report: &RunReport) -> Option<String> {
    let missing = missing(report);
    if missing.is_empty() {
        return None;
    }
    let mut out = String::from("\nuntested for want of fixtures:\n");
    for (name, checks) in &missing {
        let meaning = fixtures(set)
            .find(|(_, f)| &f.name == name)
            .map(|(_, f)| format!(": {}", f.meaning))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {name} ({checks} check{}){meaning}\n",
            if *checks == 1 { "" } else { "s" }
        ));
    }
    let vendors: Vec<&str> = {
        let mut v: Vec<&str> = missing.keys().filter_map(|n| n.split('.').next()).collect();
        v.dedup();
        v
    };
    out.push_str(&format!(
        "a checked run names only the first fixture a check lacks; `confuzz fixtures{} --template > fixtures.json` starts a file with every fixture to fill in\n",
        vendors
            .iter()
            .map(|v| format!(" --vendor {v}"))
            .collect::<String>()
    ));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_declared_fixture_is_listed_and_templated() {
        let set = crate::spec::load_embedded().unwrap();
        let listed = json(&set);
        let listed = listed.as_array().unwrap();
        let declared: usize = set.specs.iter().map(|s| s.spec.vendor.fixtures.len()).sum();
        assert_eq!(listed.len(), declared);
        let token = listed.iter().find(|f| f["name"] == "clever.token").unwrap();
        assert_eq!(token["secret"], true);
        assert_eq!(token["optional"], false);
        let limit = listed
            .iter()
            .find(|f| f["name"] == "classroom.limit.course_members")
            .unwrap();
        assert_eq!(limit["optional"], true);

        let template = template(&set);
        let template = template.as_object().unwrap();
        assert!(!template.contains_key("classroom.limit.course_members"));
        let token = template["clever.token"].as_str().unwrap();
        assert!(token.starts_with(PLACEHOLDER), "{token}");
        assert!(token.ends_with("secret: reproducers show it as $CLEVER_TOKEN>"));
        let section = template["clever.section_id"].as_str().unwrap();
        assert!(section.contains("schema {"), "{section}");
        let users = template["classroom.user_ids"].as_str().unwrap();
        assert!(users.contains("a pool: at least 40 values"), "{users}");
        let users = listed
            .iter()
            .find(|f| f["name"] == "classroom.user_ids")
            .unwrap();
        assert_eq!(users["pool_min_size"], 40);

        let exports = exports(
            &set,
            "curl -H \"Authorization: Bearer $CLEVER_TOKEN\"",
            "fixtures.json",
        );
        assert_eq!(
            exports,
            ["export CLEVER_TOKEN=\"$(jq -r '.[\"clever.token\"]' fixtures.json)\""]
        );

        let text = table(&set);
        assert!(text.contains("clever.token"));
        assert!(text
            .lines()
            .any(|l| l.starts_with("clever.token") && l.contains("secret")));
    }

    #[test]
    #[cfg(feature = "reference")]
    fn missing_fixtures_are_counted_from_untested_checks() {
        let set = crate::spec::load_embedded()
            .unwrap()
            .only_vendors(&["clever".into()])
            .unwrap();
        // The reference without any fixture: the rows that need one are untested.
        let reference = crate::reference::Reference::new(Default::default());
        let options = crate::run::RunOptions {
            cases: 1,
            positive: false,
            properties: Some(Vec::new()),
            ..Default::default()
        };
        let report = crate::run::run(&set, &reference, &Map::new(), &options, &|_| {}).unwrap();
        let counted = missing(&report);
        let untested = report
            .checks()
            .filter(|r| r.verdict == RowVerdict::Untested)
            .count();
        assert!(untested > 0);
        assert_eq!(counted.values().sum::<usize>(), untested, "{counted:?}");
        let text = missing_text(&set, &report).unwrap();
        let section = counted["clever.section_id"];
        assert!(
            text.contains(&format!(
                "  clever.section_id ({section} checks): A section the token can see"
            )),
            "{text}"
        );
        assert!(text.contains("confuzz fixtures --vendor clever --template"));

        let with_all =
            crate::run::run(&set, &reference, &reference.fixtures(), &options, &|_| {}).unwrap();
        assert_eq!(missing_text(&set, &with_all), None);
    }
}
