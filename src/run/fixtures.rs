//! The main function here is [`load_fixtures`]: read the `--fixtures` file (a JSON object from
//! fixture name to value) and check it against the fixtures the specs declare. Also
//! [`discover_faults`]: ask a target which faults its test hook supports.
//!
//! Not for: the embedded reference, whose fixtures are built in.

use std::path::Path;

use serde_json::{Map, Value};

use crate::spec::SpecSet;
use crate::target::{Request, Target, CAPABILITIES_PATH};

/// How every value of a fixtures template (`confuzz fixtures --template`) starts: a file
/// that still holds one is rejected, naming the fixture and its line.
pub const PLACEHOLDER: &str = "<fill in: ";

/// A fixtures file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}\n  fix: {hint}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FixtureError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

/// The largest fixtures file read.
pub const MAX_FIXTURES_BYTES: u64 = 4 << 20;

/// Reads a fixtures file and checks every value a spec declares a schema for. Names no spec
/// declares are kept (another spec may use them) and reported by [`unknown_fixtures`].
pub fn load_fixtures(path: &Path, set: &SpecSet) -> Result<Map<String, Value>, FixtureError> {
    let file = path.display().to_string();
    let text = crate::spec::load::read_limited(path, MAX_FIXTURES_BYTES).map_err(|e| FixtureError {
        file: file.clone(),
        line: None,
        message: format!("cannot read the fixtures file: {e}"),
        hint: "pass the file written by `confuzz serve --fixtures-out FILE`, or your own JSON object of fixture values".into(),
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| FixtureError {
        file: file.clone(),
        line: Some(e.line()),
        message: format!("not valid JSON: {e}"),
        hint: "the file is one JSON object: {\"vendor.name\": value, ...}".into(),
    })?;
    let Value::Object(map) = value else {
        return Err(FixtureError {
            file,
            line: Some(1),
            message: "the fixtures file must hold a JSON object".into(),
            hint: "write {\"vendor.name\": value, ...}".into(),
        });
    };
    if let Some(name) = duplicate_key(&text) {
        let key = format!("\"{name}\"");
        let line = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(&key))
            .nth(1)
            .map(|(i, _)| i + 1);
        return Err(FixtureError {
            file: file.clone(),
            line,
            message: format!("fixture `{name}` is given twice"),
            hint: "keep one value per fixture name".into(),
        });
    }
    let line_of = |name: &str| {
        text.lines()
            .position(|l| l.contains(&format!("\"{name}\"")))
            .map(|i| i + 1)
    };
    if let Some((name, _)) = map
        .iter()
        .find(|(_, v)| v.as_str().is_some_and(|v| v.starts_with(PLACEHOLDER)))
    {
        return Err(FixtureError {
            file,
            line: line_of(name),
            message: format!("fixture `{name}` still holds the template's placeholder"),
            hint: "replace the placeholder with the value your implementation uses, or remove the line (the rows that need it are then untested)".into(),
        });
    }
    for loaded in &set.specs {
        for f in &loaded.spec.vendor.fixtures {
            let (Some(schema), Some(value)) = (&f.schema, map.get(&f.name)) else {
                continue;
            };
            let Ok(validator) = jsonschema::validator_for(schema) else {
                continue;
            };
            let first_error = validator.iter_errors(value).next().map(|e| e.to_string());
            if let Some(err) = first_error {
                return Err(FixtureError {
                    file,
                    line: line_of(&f.name),
                    message: format!("fixture `{}` does not fit its declaration: {err}", f.name),
                    hint: format!("{} ({})", f.meaning, schema),
                });
            }
        }
    }
    Ok(map)
}

/// The first name that a JSON object's text gives twice at its top level (JSON parsers keep
/// the last value in silence).
fn duplicate_key(text: &str) -> Option<String> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct FirstDuplicate;
    impl<'de> Visitor<'de> for FirstDuplicate {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut seen = std::collections::BTreeSet::new();
            let mut duplicate = None;
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                if !seen.insert(key.clone()) && duplicate.is_none() {
                    duplicate = Some(key);
                }
            }
            Ok(duplicate)
        }
    }
    serde_json::Deserializer::from_str(text)
        .deserialize_map(FirstDuplicate)
        .ok()
        .flatten()
}

/// Names in the fixtures that no loaded spec declares (likely typos).
pub fn unknown_fixtures(set: &SpecSet, fixtures: &Map<String, Value>) -> Vec<String> {
    fixtures
        .keys()
        .filter(|name| {
            !set.specs
                .iter()
                .any(|s| s.spec.vendor.fixtures.iter().any(|f| &f.name == *name))
        })
        .cloned()
        .collect()
}

/// Asks the target for `GET /__conformance/capabilities`; `None` when it has no such document.
pub fn discover_faults(target: &dyn Target) -> Option<Vec<String>> {
    let response = target.send(&Request::new("GET", CAPABILITIES_PATH)).ok()?;
    if response.status != 200 {
        return None;
    }
    let json = response.json_body()?;
    Some(
        json.get("faults")?
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_fixture_files_name_the_line() {
        let dir = std::env::temp_dir().join(format!("confuzz-fixtures-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.json");
        std::fs::write(&path, "{\n  \"a.b\": 1,\n  \"a.c\": \n}").unwrap();
        let err = load_fixtures(&path, &SpecSet::default()).unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(err.to_string().contains("f.json:4"));
        std::fs::write(&path, "{\n  \"a.b\": 1,\n  \"a.b\": 2\n}").unwrap();
        let err = load_fixtures(&path, &SpecSet::default()).unwrap_err();
        assert!(err.message.contains("`a.b` is given twice"), "{err}");
        assert_eq!(err.line, Some(3));
        std::fs::write(&path, "[1]").unwrap();
        assert!(load_fixtures(&path, &SpecSet::default())
            .unwrap_err()
            .message
            .contains("object"));
        std::fs::write(
            &path,
            "{\n  \"a.b\": 1,\n  \"a.c\": \"<fill in: a thing>\"\n}",
        )
        .unwrap();
        let err = load_fixtures(&path, &SpecSet::default()).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err
            .message
            .contains("`a.c` still holds the template's placeholder"));
        let missing = dir.join("nope.json");
        assert!(load_fixtures(&missing, &SpecSet::default())
            .unwrap_err()
            .message
            .contains("cannot read"));
    }
}
