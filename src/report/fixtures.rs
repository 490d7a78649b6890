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
    use crate::spec::load_str;

    /// A made-up vendor with one fixture of each kind: a secret token, a fixture with a
    /// schema, a pool with a `min_size`, and a limit's value (optional).
    const ACME: &str = r#"format: 1
vendor:
  id: acme
  title: Acme sections
  source: { document: Acme section errors, file: acme-errors.txt }
  auth: { scheme: bearer, token: acme.token }
  envelope:
    body: json
    content_type: application/json
    schema: { type: object, required: [message], properties: { message: { type: string } } }
    pointers: { message: /message }
  fixtures:
    - { name: acme.token, meaning: Bearer token with access to the section, secret: true }
    - name: acme.section_id
      meaning: A section the token can see
      schema: { type: string, pattern: "^[0-9a-f]{24}$" }
    - name: acme.user_ids
      meaning: Test accounts that join the section
      schema: { type: array, items: { type: string } }
      pool: { min_size: 40 }
    - name: acme.limit.section_members
      meaning: Members a section may hold
      schema: { type: integer, minimum: 1 }
  limits:
    - { name: section_members, fixture: acme.limit.section_members, meaning: Members per section }
endpoints:
  - id: member-add
    summary: Add a member to a section
    method: POST
    path: /sections/{section_id}/members
    params: { path: { section_id: { type: string, x-fixture: acme.section_id } } }
    body:
      encoding: json
      schema:
        type: object
        required: [userId]
        properties: { userId: { type: string, x-pool: acme.user_ids } }
    success: [200]
rows:
  - id: acme.member.no-user
    title: Member without a user
    group: member
    endpoints: [member-add]
    doc: { heading: No user, response: '400 | {"message":"userId is required"}', line: 1 }
    expect: { status: 400, message: userId is required }
    trigger: { kind: mutation, endpoint: member-add, ops: [{ remove: [/userId] }] }
    explain: { meaning: m, cause: c, fix: f }
  - id: acme.member.no-token
    title: Member add without a token
    group: member
    endpoints: [member-add]
    doc: { heading: No token, response: '401 | {"message":"unauthorized"}', line: 2 }
    expect: { status: 401, message: unauthorized }
    trigger: { kind: auth, endpoint: member-add, ops: [{ auth: none }] }
    explain: { meaning: m, cause: c, fix: f }
"#;

    /// The spec of [`ACME`] with its vendor renamed `vendor`.
    fn named(vendor: &str) -> crate::spec::LoadedSpec {
        load_str(&format!("{vendor}.yaml"), &ACME.replace("acme", vendor))
            .expect("the test spec loads")
    }

    /// Two made-up vendors of the same shape, so the listing covers more than one spec.
    fn two_vendors() -> SpecSet {
        SpecSet {
            specs: vec![named("acme"), named("beta")],
        }
    }

    /// Every fixture of every loaded spec is listed with its secrecy, optionality (a limit's
    /// value) and a pool's `min_size`; the template leaves optional fixtures out and says
    /// what to put in the others (the schema, the pool size, how reproducers name a secret);
    /// `exports` gives a secret's `export` line when a text uses its variable; the table
    /// marks secrets.
    #[test]
    fn every_declared_fixture_is_listed_and_templated() {
        let set = two_vendors();
        let listed = json(&set);
        let listed = listed.as_array().unwrap();
        let declared: usize = set.specs.iter().map(|s| s.spec.vendor.fixtures.len()).sum();
        assert_eq!((listed.len(), declared), (8, 8));
        assert!(listed.iter().any(|f| f["name"] == "beta.user_ids"));
        let token = listed.iter().find(|f| f["name"] == "acme.token").unwrap();
        assert_eq!(token["secret"], true);
        assert_eq!(token["optional"], false);
        assert_eq!(token["vendor"], "acme");
        let limit = listed
            .iter()
            .find(|f| f["name"] == "acme.limit.section_members")
            .unwrap();
        assert_eq!(limit["optional"], true);

        let template = template(&set);
        let template = template.as_object().unwrap();
        assert!(!template.contains_key("acme.limit.section_members"));
        assert_eq!(template.len(), 6, "{template:?}");
        let token = template["acme.token"].as_str().unwrap();
        assert!(token.starts_with(PLACEHOLDER), "{token}");
        assert!(token.ends_with("secret: reproducers show it as $ACME_TOKEN>"));
        let token = template["beta.token"].as_str().unwrap();
        assert!(token.ends_with("secret: reproducers show it as $BETA_TOKEN>"));
        let section = template["acme.section_id"].as_str().unwrap();
        assert!(section.contains("schema {"), "{section}");
        let users = template["acme.user_ids"].as_str().unwrap();
        assert!(users.contains("a pool: at least 40 values"), "{users}");
        let users = listed
            .iter()
            .find(|f| f["name"] == "acme.user_ids")
            .unwrap();
        assert_eq!(users["pool_min_size"], 40);
        let section = listed
            .iter()
            .find(|f| f["name"] == "acme.section_id")
            .unwrap();
        assert_eq!(section["pool_min_size"], Value::Null);

        let exports = exports(
            &set,
            "curl -H \"Authorization: Bearer $ACME_TOKEN\"",
            "fixtures.json",
        );
        assert_eq!(
            exports,
            ["export ACME_TOKEN=\"$(jq -r '.[\"acme.token\"]' fixtures.json)\""]
        );

        let text = table(&set);
        assert!(text.contains("acme.token"));
        assert!(text
            .lines()
            .any(|l| l.starts_with("acme.token") && l.contains("secret")));
        assert!(text
            .lines()
            .any(|l| l.starts_with("beta.token") && l.contains("secret")));
    }

    /// A run without fixtures leaves checks untested for want of one: each such fixture is
    /// counted once per check, the closing text names it with its count and meaning and says
    /// how to start a fixtures file for the vendor; a run with every fixture has no such text.
    #[test]
    fn missing_fixtures_are_counted_from_untested_checks() {
        let set = SpecSet {
            specs: vec![named("acme")],
        };
        // A target that accepts everything: only the fixtures decide what is untested.
        let target = crate::target::FnTarget::new("accepts all", |_: &crate::Request| {
            crate::Response::json(200, &json!({ "id": "x" }))
        });
        let options = crate::run::RunOptions {
            cases: 1,
            positive: false,
            properties: Some(Vec::new()),
            ..Default::default()
        };
        let report = crate::run::run(&set, &target, &Map::new(), &options, &|_| {}).unwrap();
        let counted = missing(&report);
        let untested = report
            .checks()
            .filter(|r| r.verdict == RowVerdict::Untested)
            .count();
        assert!(untested > 0);
        assert_eq!(counted.values().sum::<usize>(), untested, "{counted:?}");
        let text = missing_text(&set, &report).unwrap();
        let section = counted["acme.section_id"];
        assert!(
            text.contains(&format!(
                "  acme.section_id ({section} checks): A section the token can see"
            )),
            "{text}"
        );
        assert!(text.contains("confuzz fixtures --vendor acme --template"));

        let all = json!({
            "acme.token": "t",
            "acme.section_id": "5f1b2c3d4e5f6a7b8c9d0e1f",
            "acme.user_ids": ["u-1", "u-2"],
            "acme.limit.section_members": 3,
        });
        let all = all.as_object().unwrap();
        let with_all = crate::run::run(&set, &target, all, &options, &|_| {}).unwrap();
        assert_eq!(missing_text(&set, &with_all), None);
    }
}
