//! The main function here is [`load_path`] (and [`load_embedded`]): read spec files, validate
//! them against the meta-schema (`specs/spec.schema.json`), deserialize them into the model and
//! check every reference between their parts. Every failure is a [`SpecError`] naming the file,
//! the line where it is known, what is wrong and how to fix it.
//!
//! Lines come from the YAML parser itself: a syntax error carries its position, and a schema
//! or reference problem, found on the parsed value by JSON pointer, is located by parsing the
//! text once more into a tree of `serde_saphyr::Spanned` nodes (`Locator`, built only when
//! a file has such a problem) and following the pointer through it: the line of the key in a
//! mapping, of the item in a sequence, whatever the style (block or flow, quoted keys, JSON,
//! comments, anchors and merge keys).
//!
//! Not for: judging the tables themselves (that is `lint`): a spec that loads can still document
//! contradictory things.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use super::model::*;
use super::template::Template;

include!(concat!(env!("OUT_DIR"), "/embedded_specs.rs"));

/// The meta-schema every spec file is validated against.
pub const META_SCHEMA: &str = include_str!("../../specs/spec.schema.json");

/// What kind of problem a spec file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid YAML/JSON, or a duplicate key.
    Syntax,
    /// Valid YAML, but not what the meta-schema allows (unknown field, wrong type, ...).
    Schema,
    /// Two things share an id.
    Duplicate,
    /// A reference to an endpoint, row, fixture or fault that is not declared.
    Dangling,
    /// A message placeholder without a binding, or a binding without a placeholder.
    Placeholder,
    /// An embedded JSON Schema or regex that does not compile.
    Invalid,
}

/// A spec file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: String,
    pub line: Option<usize>,
    pub kind: SpecErrorKind,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if !self.hint.is_empty() {
            write!(f, "\n  fix: {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Every problem found in one load, so a user fixes them all in one go.
#[derive(Debug, Clone)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// A loaded, checked spec and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub file: String,
    pub spec: VendorSpec,
}

/// All loaded specs, in file-name order.
#[derive(Debug, Clone, Default)]
pub struct SpecSet {
    pub specs: Vec<LoadedSpec>,
}

impl SpecSet {
    /// The spec of one vendor.
    pub fn vendor(&self, id: &str) -> Option<&VendorSpec> {
        self.specs
            .iter()
            .map(|s| &s.spec)
            .find(|s| s.vendor.id == id)
    }

    /// Every row of every vendor, with its vendor.
    pub fn rows(&self) -> impl Iterator<Item = (&VendorSpec, &ErrorRow)> {
        self.specs
            .iter()
            .flat_map(|s| s.spec.rows.iter().map(move |r| (&s.spec, r)))
    }

    /// Keeps only the named vendors; an unknown name is an error listing the known ones.
    pub fn only_vendors(mut self, names: &[String]) -> Result<Self, super::UnknownName> {
        if names.is_empty() {
            return Ok(self);
        }
        let known: Vec<String> = self
            .specs
            .iter()
            .map(|s| s.spec.vendor.id.clone())
            .collect();
        super::check_names("vendor", "the loaded specs have", names, &known)?;
        self.specs.retain(|s| names.contains(&s.spec.vendor.id));
        Ok(self)
    }
}

/// Loads the specs embedded in the binary (the shipped `specs/` folder).
pub fn load_embedded() -> Result<SpecSet, SpecErrors> {
    let mut set = SpecSet::default();
    let mut errors = Vec::new();
    for (name, text) in EMBEDDED_SPECS {
        match load_str(&format!("specs/{name}"), text) {
            Ok(spec) => set.specs.push(spec),
            Err(mut e) => errors.append(&mut e.0),
        }
    }
    finish(set, errors)
}

/// Loads a spec file, or every `.yaml`/`.yml`/`.json` file of a folder (but the meta-schema).
pub fn load_path(path: &Path) -> Result<SpecSet, SpecErrors> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| SpecErrors(vec![io_error(path, &e.to_string())]))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_spec_file(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(SpecErrors(vec![SpecError {
                file: path.display().to_string(),
                line: None,
                kind: SpecErrorKind::Io,
                message: "the folder holds no spec file".into(),
                hint: "put one .yaml (or .json) file per vendor in it, or name a file".into(),
            }]));
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut set = SpecSet::default();
    let mut errors = Vec::new();
    for file in files {
        match read_limited(&file, MAX_SPEC_BYTES) {
            Ok(text) => match load_str(&file.display().to_string(), &text) {
                Ok(spec) => set.specs.push(spec),
                Err(mut e) => errors.append(&mut e.0),
            },
            Err(e) => errors.push(io_error(&file, &e.to_string())),
        }
    }
    finish(set, errors)
}

fn finish(set: SpecSet, mut errors: Vec<SpecError>) -> Result<SpecSet, SpecErrors> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for s in &set.specs {
        if let Some(first) = seen.insert(&s.spec.vendor.id, &s.file) {
            errors.push(SpecError {
                file: s.file.clone(),
                line: None,
                kind: SpecErrorKind::Duplicate,
                message: format!("vendor `{}` is also defined in {first}", s.spec.vendor.id),
                hint: "keep one file per vendor".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(SpecErrors(errors))
    }
}

fn is_spec_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name != "spec.schema.json"
        && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
}

/// The largest spec file read (the shipped ones are under 100 KiB).
pub const MAX_SPEC_BYTES: u64 = 8 << 20;

/// Reads a text file of at most `limit` bytes. A larger file (or an endless one such as
/// `/dev/zero`) is refused after reading `limit + 1` bytes, never read whole.
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "the file is larger than {} bytes, the limit for this kind of file",
            limit
        )));
    }
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::other(format!("the file is not UTF-8 text: {e}")))
}

fn io_error(path: &Path, reason: &str) -> SpecError {
    SpecError {
        file: path.display().to_string(),
        line: None,
        kind: SpecErrorKind::Io,
        message: format!("cannot read the spec: {reason}"),
        hint: "check the path given to --spec".into(),
    }
}

fn meta_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(META_SCHEMA).expect("the embedded meta-schema is valid JSON");
        jsonschema::validator_for(&schema).expect("the embedded meta-schema compiles")
    })
}

/// Parses, validates and checks one spec file's text. `file` names it in errors.
pub fn load_str(file: &str, text: &str) -> Result<LoadedSpec, SpecErrors> {
    let value = parse(file, text)?;
    let locator = Locator::new(text);
    validate(file, &value, &locator)?;
    let spec = deserialize(file, value)?;
    let problems = check_references(&spec);
    if !problems.is_empty() {
        return Err(SpecErrors(
            problems
                .into_iter()
                .map(|p| SpecError {
                    file: file.to_string(),
                    line: locator.line(&p.path),
                    kind: p.kind,
                    message: p.message,
                    hint: p.hint,
                })
                .collect(),
        ));
    }
    Ok(LoadedSpec {
        file: file.to_string(),
        spec,
    })
}

/// The text as a JSON value; a syntax error (or a duplicate key) at the parser's line.
fn parse(file: &str, text: &str) -> Result<Value, SpecErrors> {
    // YAML 1.2 is a superset of JSON, so one parser (which rejects duplicate keys) serves both.
    let value: Value = serde_saphyr::from_str(text).map_err(|e| syntax_error(file, &e))?;

    if !value.is_object() {
        let message = if value.is_null() {
            "the file is empty".to_string()
        } else {
            "the spec is not a mapping of fields".to_string()
        };
        return Err(SpecErrors(vec![SpecError {
            file: file.to_string(),
            line: None,
            kind: SpecErrorKind::Schema,
            message,
            hint: "a spec is a mapping with the fields format, vendor, endpoints and rows (see docs/spec-format.md)".into(),
        }]));
    }

    Ok(value)
}

/// The parser's error in words a spec author acts on: its first line without the position
/// prefix, at the parser's line, with a fix for YAML or JSON.
fn syntax_error(file: &str, e: &serde_saphyr::Error) -> SpecErrors {
    let line = e.location().map(|l| l.line() as usize);
    let first = e.to_string();
    let first = first.lines().next().unwrap_or("").to_string();
    let detail = first
        .split_once(": ")
        .map(|(_, rest)| rest)
        .unwrap_or(&first);
    let detail = match detail.split_once(": ") {
        Some((pos, rest)) if pos.starts_with("line ") => rest,
        _ => detail,
    };
    let detail = detail
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(detail)
        .to_string();
    let hint = if detail.contains("duplicate") {
        "each key may appear once per mapping: remove or rename the second one"
    } else if file.ends_with(".json") {
        "fix the JSON syntax at that line (a missing or extra comma, bracket or quote)"
    } else {
        "fix the YAML syntax at that line (indentation, a missing bracket or quote)"
    };
    SpecErrors(vec![SpecError {
        file: file.to_string(),
        line,
        kind: SpecErrorKind::Syntax,
        message: detail,
        hint: hint.into(),
    }])
}

/// Every place where the value breaks the meta-schema, each at its line.
fn validate(file: &str, value: &Value, locator: &Locator<'_>) -> Result<(), SpecErrors> {
    let validator = meta_validator();
    let mut errors: Vec<SpecError> = validator
        .iter_errors(value)
        .map(|err| {
            let path = err.instance_path().to_string();
            // An unknown field is shown at its own line, not at the mapping holding it.
            let line = match err.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    unexpected
                        .first()
                        .and_then(|key| locator.line(&format!("{path}/{}", escape(key))))
                        .or_else(|| locator.line(&path))
                }
                _ => locator.line(&path),
            };
            let (message, hint) = describe_schema_error(&err, &path);
            SpecError {
                file: file.to_string(),
                line,
                kind: SpecErrorKind::Schema,
                message,
                hint,
            }
        })
        .collect();
    // Keep the most specific errors: `oneOf` failures repeat their branches' complaints.
    errors.sort_by(|a, b| a.line.cmp(&b.line).then(a.message.cmp(&b.message)));
    errors.dedup_by(|a, b| a.line == b.line && a.message == b.message);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(errors))
    }
}

/// The validated value as the model.
fn deserialize(file: &str, value: Value) -> Result<VendorSpec, SpecErrors> {
    serde_json::from_value(value).map_err(|e| {
        SpecErrors(vec![SpecError {
            file: file.to_string(),
            line: None,
            kind: SpecErrorKind::Schema,
            message: format!("does not fit the spec model: {e}"),
            hint: "compare with docs/spec-format.md".into(),
        }])
    })
}

fn describe_schema_error(err: &jsonschema::ValidationError<'_>, path: &str) -> (String, String) {
    let at = if path.is_empty() { "/" } else { path };
    let text = err.to_string();
    let hint = if text.contains("Additional properties are not allowed")
        || text.contains("additional properties")
    {
        "remove or rename the unknown field; docs/spec-format.md lists the allowed ones".to_string()
    } else if text.contains("is a required property") {
        "add the missing field (see docs/spec-format.md)".to_string()
    } else if text.contains("is not valid under any of the given schemas") || text.contains("oneOf")
    {
        "this value matches none of the allowed forms; compare with docs/spec-format.md".to_string()
    } else if let jsonschema::error::ValidationErrorKind::Enum { options } = err.kind() {
        let allowed: Vec<String> = match options.as_ref() {
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect(),
            other => vec![other.to_string()],
        };
        format!("use one of: {}", allowed.join(", "))
    } else {
        "see docs/spec-format.md for the allowed values".to_string()
    };
    (format!("at {at}: {text}"), hint)
}

/// A JSON pointer segment for a key (`~` and `/` escaped).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The nodes of a spec file with where each starts, parsed again from the text (by the same
/// parser, with `serde_saphyr::Spanned`) only when an error must be located: the happy path
/// never builds it. Aliases and merge keys are resolved as in the loaded value, so the
/// pointers of a validation error lead through this tree the same way.
enum Node {
    /// A mapping: each key with its location, and its value.
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    /// A sequence: each item with its location.
    Seq(Vec<Spanned<Node>>),
    /// A scalar: nothing below it to point at.
    Leaf,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }
}

/// Finds the lines of JSON pointers in one spec file's text.
struct Locator<'t> {
    text: &'t str,
    /// Parsed on the first [`Locator::line`]; `None` inside if the text does not parse.
    root: OnceCell<Option<Node>>,
}

impl<'t> Locator<'t> {
    fn new(text: &'t str) -> Self {
        Locator {
            text,
            root: OnceCell::new(),
        }
    }

    /// The line of the node a JSON pointer names: the line of its key in a mapping, of its
    /// item in a sequence, where that is written (inside an alias or a merged mapping: in the
    /// anchored node, where a fix goes). A pointer past what the file holds (into a value the
    /// loader computed) stops at the deepest node found; the empty pointer (the whole file)
    /// has no line.
    fn line(&self, pointer: &str) -> Option<usize> {
        if pointer.is_empty() {
            return None;
        }
        let root = self
            .root
            .get_or_init(|| serde_saphyr::from_str::<Node>(self.text).ok());
        let mut node = root.as_ref()?;
        let mut line = None;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            let (at, next) = match node {
                Node::Map(entries) => match entries.iter().rev().find(|(k, _)| k.value == seg) {
                    Some((key, value)) => (&key.defined, &value.value),
                    None => break,
                },
                Node::Seq(items) => match seg.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(item) => (&item.defined, &item.value),
                    None => break,
                },
                Node::Leaf => break,
            };
            if at.line() > 0 {
                line = Some(at.line() as usize);
            }
            node = next;
        }
        line
    }
}

/// A problem found by [`check_references`], located by JSON pointer.
struct Problem {
    path: String,
    kind: SpecErrorKind,
    message: String,
    hint: String,
}

/// Every cross-reference inside one spec: ids unique, endpoints, rows, fixtures, faults and
/// variables declared, placeholders bound, embedded schemas and regexes compiling. Each kind
/// of check is a method of [`References`]; they run item by item in the order of the file's
/// sections, so the problems come out in that order, and the fixture references gathered on
/// the way are checked last.
fn check_references(spec: &VendorSpec) -> Vec<Problem> {
    let mut check = References::new(spec);
    check.ids_unique();
    check.generic_answers();
    check.limit_rows();
    check.fixture_declarations();
    for (i, e) in spec.endpoints.iter().enumerate() {
        let base = format!("/endpoints/{i}");
        check.endpoint_schemas(e, &base);
        check.path_parameters(e, &base);
        check.endpoint_references(e, &base);
    }
    for (i, r) in spec.rows.iter().enumerate() {
        let base = format!("/rows/{i}");
        check.row_references(r, &base);
        check.placeholders_bound(r, &base);
    }
    check.models();
    check.fixtures_declared()
}

/// The state of [`check_references`]: what the spec declares, the problems found so far and
/// the fixture references gathered, each with the pointer that names it.
struct References<'a> {
    spec: &'a VendorSpec,
    fixtures: BTreeSet<&'a str>,
    faults: BTreeSet<&'a str>,
    endpoints: BTreeSet<&'a str>,
    rows: BTreeSet<&'a str>,
    fixture_refs: Vec<(String, String)>,
    out: Vec<Problem>,
}

impl<'a> References<'a> {
    fn new(spec: &'a VendorSpec) -> Self {
        References {
            spec,
            fixtures: spec
                .vendor
                .fixtures
                .iter()
                .map(|f| f.name.as_str())
                .collect(),
            faults: spec.vendor.faults.iter().map(|f| f.name.as_str()).collect(),
            endpoints: spec.endpoints.iter().map(|e| e.id.as_str()).collect(),
            rows: spec.rows.iter().map(|r| r.id.as_str()).collect(),
            fixture_refs: Vec::new(),
            out: Vec::new(),
        }
    }

    fn problem(
        &mut self,
        path: String,
        kind: SpecErrorKind,
        message: String,
        hint: impl Into<String>,
    ) {
        self.out.push(Problem {
            path,
            kind,
            message,
            hint: hint.into(),
        })
    }

    fn fixture_ref(&mut self, path: String, name: &str) {
        self.fixture_refs.push((path, name.to_string()));
    }

    /// A row id of this file, or a problem at `path` saying `what` names an undeclared one.
    fn row_declared(&mut self, path: String, row: &str, what: &str) {
        if !self.rows.contains(row) {
            self.problem(
                path,
                SpecErrorKind::Dangling,
                format!("{what} row `{row}`, which is not declared"),
                "name a row id of this file",
            );
        }
    }

    /// Endpoint ids are unique and row ids start with the vendor id. (Duplicate row ids are a
    /// lint finding, `confuzz lint`, not a load error.)
    fn ids_unique(&mut self) {
        let vendor = &self.spec.vendor.id;
        let mut seen = BTreeSet::new();
        for (i, e) in self.spec.endpoints.iter().enumerate() {
            if !seen.insert(e.id.as_str()) {
                self.problem(
                    format!("/endpoints/{i}/id"),
                    SpecErrorKind::Duplicate,
                    format!("endpoint id `{}` is used twice", e.id),
                    "give each endpoint its own id",
                );
            }
        }
        for (i, r) in self.spec.rows.iter().enumerate() {
            if !r.id.starts_with(&format!("{vendor}.")) {
                self.problem(
                    format!("/rows/{i}/id"),
                    SpecErrorKind::Invalid,
                    format!(
                        "row id `{}` does not start with the vendor id `{vendor}.`",
                        r.id
                    ),
                    "row ids read vendor.group.slug",
                );
            }
        }
    }

    /// Generic answers: unique ids, parseable message templates.
    fn generic_answers(&mut self) {
        let mut seen = BTreeSet::new();
        for (i, g) in self.spec.generic.iter().enumerate() {
            if !seen.insert(g.id.as_str()) {
                self.problem(
                    format!("/generic/{i}/id"),
                    SpecErrorKind::Duplicate,
                    format!("generic answer id `{}` is used twice", g.id),
                    "give each generic answer its own id",
                );
            }
            if let Some(Err(e)) = g.message.as_deref().map(Template::parse) {
                self.problem(
                    format!("/generic/{i}/message"),
                    SpecErrorKind::Placeholder,
                    format!("message template of generic answer `{}`: {e}", g.id),
                    "placeholders read ${name} and match any text here",
                );
            }
        }
    }

    /// The auth's fixtures, and each limit's fixture and row.
    fn limit_rows(&mut self) {
        match &self.spec.vendor.auth {
            Auth::Bearer { token } => self.fixture_ref("/vendor/auth/token".into(), token),
            Auth::Oauth1 {
                consumer_key,
                consumer_secret,
                ..
            } => {
                self.fixture_ref("/vendor/auth/consumer_key".into(), consumer_key);
                self.fixture_ref("/vendor/auth/consumer_secret".into(), consumer_secret);
            }
            Auth::None => {}
        }
        for (i, l) in self.spec.vendor.limits.iter().enumerate() {
            self.fixture_ref(format!("/vendor/limits/{i}/fixture"), &l.fixture);
            if let Some(row) = &l.row {
                let what = format!("limit `{}` names", l.name);
                self.row_declared(format!("/vendor/limits/{i}/row"), row, &what);
            }
        }
    }

    /// Each fixture's name, pool rule and schema.
    fn fixture_declarations(&mut self) {
        let vendor = &self.spec.vendor.id;
        for (i, f) in self.spec.vendor.fixtures.iter().enumerate() {
            if !f.name.starts_with(&format!("{vendor}.")) {
                self.problem(
                    format!("/vendor/fixtures/{i}"),
                    SpecErrorKind::Invalid,
                    format!("fixture `{}` does not start with `{vendor}.`", f.name),
                    "fixture names read vendor.name",
                );
            }
            if let Some(rule) = &f.pool {
                if let Some(Repeat::Fixture { fixture }) = &rule.uses {
                    self.fixture_ref(format!("/vendor/fixtures/{i}/pool/uses"), fixture);
                }
                for (j, release) in rule.released_by.iter().enumerate() {
                    if self.spec.endpoint(&release.endpoint).is_none() {
                        self.problem(
                            format!("/vendor/fixtures/{i}/pool/released_by/{j}/endpoint"),
                            SpecErrorKind::Dangling,
                            format!(
                                "pool `{}` is released by endpoint `{}`, which is not declared",
                                f.name, release.endpoint
                            ),
                            "name an endpoint id of this file",
                        );
                    }
                }
            }
            if let Some(schema) = &f.schema {
                if let Err(e) = jsonschema::validator_for(schema) {
                    self.problem(
                        format!("/vendor/fixtures/{i}/schema{}", e.instance_path()),
                        SpecErrorKind::Invalid,
                        format!("the schema of fixture `{}` does not compile: {e}", f.name),
                        "fix the JSON Schema",
                    );
                }
            }
        }
    }

    /// An endpoint's parameter and body schemas compile; their `x-fixture`s are gathered.
    fn endpoint_schemas(&mut self, e: &Endpoint, base: &str) {
        let mut schemas: Vec<(String, &Value)> = Vec::new();
        for (name, s) in &e.params.path {
            schemas.push((format!("{base}/params/path/{name}"), s));
        }
        for (name, s) in &e.params.query {
            schemas.push((format!("{base}/params/query/{name}"), s));
        }
        for (name, s) in &e.params.header {
            schemas.push((format!("{base}/params/header/{name}"), s));
        }
        if let Some(body) = &e.body {
            schemas.push((format!("{base}/body/schema"), &body.schema));
        }
        for (path, schema) in schemas {
            if let Err(err) = jsonschema::validator_for(schema) {
                self.problem(
                    format!("{path}{}", err.instance_path()),
                    SpecErrorKind::Invalid,
                    format!(
                        "the JSON Schema of endpoint `{}` does not compile: {err}",
                        e.id
                    ),
                    "fix the schema at that line: a pattern must be a valid regex, and each keyword takes the form JSON Schema defines",
                );
            }
            collect_schema_fixtures(schema, &path, &mut self.fixture_refs);
        }
    }

    /// Every `{name}` of an endpoint's path has a schema.
    fn path_parameters(&mut self, e: &Endpoint, base: &str) {
        for name in path_params(&e.path) {
            if !e.params.path.contains_key(&name) {
                self.problem(
                    format!("{base}/path"),
                    SpecErrorKind::Dangling,
                    format!(
                        "endpoint `{}` has `{{{name}}}` in its path but no schema for it",
                        e.id
                    ),
                    "add it under params.path",
                );
            }
        }
    }

    /// An endpoint's setup steps, uniqueness keys and after-delete checks name what is
    /// declared.
    fn endpoint_references(&mut self, e: &Endpoint, base: &str) {
        for (j, step) in e.setup.iter().enumerate() {
            self.step(step, &format!("{base}/setup/{j}"), None);
        }
        for (j, u) in e.unique.iter().enumerate() {
            if let Some(row) = &u.row {
                self.row_declared(
                    format!("{base}/unique/{j}/row"),
                    row,
                    "uniqueness key names",
                );
            }
        }
        for (j, a) in e.after_delete.iter().enumerate() {
            if !self.endpoints.contains(a.endpoint.as_str()) {
                self.problem(
                    format!("{base}/after_delete/{j}/endpoint"),
                    SpecErrorKind::Dangling,
                    format!(
                        "after_delete names endpoint `{}`, which is not declared",
                        a.endpoint
                    ),
                    "name an endpoint id of this file",
                );
            }
            self.row_declared(
                format!("{base}/after_delete/{j}/row"),
                &a.row,
                "after_delete names",
            );
        }
        if !e.after_delete.is_empty() && e.deletes.is_none() {
            self.problem(
                format!("{base}/after_delete"),
                SpecErrorKind::Schema,
                format!("endpoint `{}` has after_delete but deletes nothing", e.id),
                "add `deletes: ENTITY`, or move after_delete to the deleting endpoint",
            );
        }
    }

    /// A row's endpoints, accepted rows, and its trigger's endpoint, steps and operators.
    fn row_references(&mut self, r: &ErrorRow, base: &str) {
        for (k, ep) in r.endpoints.iter().enumerate() {
            if !self.endpoints.contains(ep.as_str()) {
                let known = self
                    .endpoints
                    .iter()
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                self.problem(
                    format!("{base}/endpoints/{k}"),
                    SpecErrorKind::Dangling,
                    format!(
                        "row `{}` names endpoint `{ep}`, which is not declared",
                        r.id
                    ),
                    format!("declare it under endpoints, or use one of: {known}"),
                );
            }
        }
        for (k, other) in r.also_accept.iter().enumerate() {
            let what = format!("row `{}` accepts", r.id);
            self.row_declared(format!("{base}/also_accept/{k}"), other, &what);
        }
        let Some(t) = &r.trigger else { return };
        if let Some(ep) = &t.endpoint {
            if !self.endpoints.contains(ep.as_str()) {
                self.problem(
                    format!("{base}/trigger/endpoint"),
                    SpecErrorKind::Dangling,
                    format!(
                        "the trigger of `{}` sends to endpoint `{ep}`, which is not declared",
                        r.id
                    ),
                    "declare the endpoint or fix the name",
                );
            }
        }
        for (j, step) in t.setup.iter().enumerate() {
            self.step(step, &format!("{base}/trigger/setup/{j}"), None);
        }
        for (j, op) in t.ops.iter().enumerate() {
            self.op(op, &format!("{base}/trigger/ops/{j}"));
        }
        for (v, ops) in t.variants.iter().enumerate() {
            for (j, op) in ops.iter().enumerate() {
                self.op(op, &format!("{base}/trigger/variants/{v}/{j}"));
            }
        }
    }

    /// A row's message placeholders and its bindings match one to one.
    fn placeholders_bound(&mut self, r: &ErrorRow, base: &str) {
        let mut messages: Vec<(String, &str)> = Vec::new();
        if let Some(m) = &r.expect.message {
            messages.push((format!("{base}/expect/message"), m));
        }
        for (j, alt) in r.alternatives.iter().enumerate() {
            if let Some(m) = &alt.message {
                messages.push((format!("{base}/alternatives/{j}/message"), m));
            }
        }
        let mut used = BTreeSet::new();
        for (path, message) in messages {
            match Template::parse(message) {
                Ok(t) => {
                    for name in t.placeholders() {
                        used.insert(name.to_string());
                        if !r.bindings.contains_key(name) {
                            self.problem(
                                path.clone(),
                                SpecErrorKind::Placeholder,
                                format!(
                                    "placeholder `${{{name}}}` of row `{}` has no binding",
                                    r.id
                                ),
                                format!(
                                    "add bindings: {{{name}: {{var: ...}}}} (or sent:/any:), see docs/spec-format.md"
                                ),
                            );
                        }
                    }
                }
                Err(e) => self.problem(
                    path,
                    SpecErrorKind::Placeholder,
                    format!("message template of row `{}`: {e}", r.id),
                    "placeholders read ${name}; a literal `$` is fine on its own",
                ),
            }
        }
        for name in r.bindings.keys() {
            if !used.contains(name) {
                self.problem(
                    format!("{base}/bindings/{name}"),
                    SpecErrorKind::Placeholder,
                    format!(
                        "binding `{name}` of row `{}` matches no placeholder in its message",
                        r.id
                    ),
                    format!("remove it, or use ${{{name}}} in expect.message"),
                );
            }
        }
    }

    /// The models' endpoints, rows, operators and saves (see `Model`).
    fn models(&mut self) {
        let mut resources = BTreeSet::new();
        for (i, model) in self.spec.models.iter().enumerate() {
            let base = format!("/models/{i}");
            if !resources.insert(model.resource.as_str()) {
                self.problem(
                    format!("{base}/resource"),
                    SpecErrorKind::Invalid,
                    format!("resource `{}` is modelled twice", model.resource),
                    "give each model its own resource name",
                );
            }
            let calls = [
                ("create", Some(&model.create)),
                ("read", model.read.as_ref()),
                ("update", model.update.as_ref()),
                ("delete", model.delete.as_ref()),
            ];
            for (name, call) in calls {
                let Some(call) = call else { continue };
                let path = format!("{base}/{name}");
                if !self.endpoints.contains(call.endpoint.as_str()) {
                    self.problem(
                        format!("{path}/endpoint"),
                        SpecErrorKind::Dangling,
                        format!(
                            "the model's {name} call sends to endpoint `{}`, which is not declared",
                            call.endpoint
                        ),
                        "declare the endpoint or fix the name",
                    );
                }
                if let Some(row) = &call.missing {
                    self.row_declared(format!("{path}/missing"), row, "the model names");
                }
                let step = Step {
                    endpoint: call.endpoint.clone(),
                    ops: call.ops.clone(),
                    save: call.save.clone(),
                    expect: StepExpect::Success,
                    repeat: None,
                };
                // The endpoint was checked above with the model's wording.
                self.step(&step, &path, Some(&call.endpoint));
            }
            if let Some(dup) = &model.duplicate {
                self.row_declared(format!("{base}/duplicate/row"), &dup.row, "the model names");
                for (j, op) in dup.ops.iter().enumerate() {
                    self.op(op, &format!("{base}/duplicate/ops/{j}"));
                }
            }
            for (name, value) in &model.unknown {
                let at = format!("{base}/unknown/{}", escape(name));
                if let Some(f) = value.fixture.as_ref().or(value.pool.as_ref()) {
                    self.fixture_ref(at.clone(), f);
                }
                if let Some(schema) = &value.gen {
                    collect_schema_fixtures(schema, &format!("{at}/gen"), &mut self.fixture_refs);
                }
            }
        }
    }

    /// A step's endpoint (unless `checked`, already judged by the caller), repeat fixture,
    /// save regexes and operators.
    fn step(&mut self, step: &Step, path: &str, checked: Option<&str>) {
        if checked != Some(step.endpoint.as_str())
            && !self.endpoints.contains(step.endpoint.as_str())
        {
            self.problem(
                format!("{path}/endpoint"),
                SpecErrorKind::Dangling,
                format!(
                    "a setup step sends to endpoint `{}`, which is not declared",
                    step.endpoint
                ),
                "declare the endpoint or fix the name",
            );
        }
        if let Some(Repeat::Fixture { fixture }) = &step.repeat {
            self.fixture_ref(format!("{path}/repeat/fixture"), fixture);
        }
        for (name, source) in &step.save {
            if let SaveSource::Regex { regex, .. } = source {
                if let Err(e) = regex::Regex::new(regex) {
                    self.problem(
                        format!("{path}/save/{}/regex", escape(name)),
                        SpecErrorKind::Invalid,
                        format!("the regex saving `{name}` does not compile: {e}"),
                        "fix the regex; its first capture group is kept",
                    );
                }
            }
        }
        for (j, op) in step.ops.iter().enumerate() {
            self.op(op, &format!("{path}/ops/{j}"));
        }
    }

    /// An operator's fixtures (gathered), auth change and fault.
    fn op(&mut self, op: &Op, path: &str) {
        let mut value = |v: &ValueSpec, at: String| {
            if let Some(f) = &v.fixture {
                self.fixture_ref(format!("{at}/fixture"), f);
            }
            if let Some(f) = &v.pool {
                self.fixture_ref(format!("{at}/pool"), f);
            }
            if let Some(schema) = &v.gen {
                collect_schema_fixtures(schema, &format!("{at}/gen"), &mut self.fixture_refs);
            }
        };
        match op {
            Op::Set(map) => {
                for (loc, v) in map {
                    value(v, format!("{path}/set/{}", escape(&loc.to_string())));
                }
            }
            Op::RawBody(RawBody::Template { vars, .. }) => {
                for (name, v) in vars {
                    value(v, format!("{path}/raw_body/vars/{}", escape(name)));
                }
            }
            Op::Auth(AuthChange::Token { token }) => {
                self.fixture_ref(format!("{path}/auth/token"), token)
            }
            Op::Auth(AuthChange::Keys {
                consumer_key,
                consumer_secret,
            }) => {
                self.fixture_ref(format!("{path}/auth/consumer_key"), consumer_key);
                self.fixture_ref(format!("{path}/auth/consumer_secret"), consumer_secret);
            }
            Op::Auth(AuthChange::Mode(m)) if m != "none" && m != "invalid" => self.problem(
                format!("{path}/auth"),
                SpecErrorKind::Invalid,
                format!("auth change `{m}` is not known"),
                "use none, invalid, {token: F} or {consumer_key: F, consumer_secret: F}",
            ),
            Op::Fault(name) => self.fault_declared(name, path),
            _ => {}
        }
    }

    /// A fault an operator provokes is declared.
    fn fault_declared(&mut self, name: &str, path: &str) {
        if !self.faults.contains(name) {
            self.problem(
                format!("{path}/fault"),
                SpecErrorKind::Dangling,
                format!("fault `{name}` is used but not declared"),
                "declare it under vendor.faults with its meaning",
            );
        }
    }

    /// Last: every fixture referenced anywhere is declared. The problems found.
    fn fixtures_declared(mut self) -> Vec<Problem> {
        for (path, name) in std::mem::take(&mut self.fixture_refs) {
            if !self.fixtures.contains(name.as_str()) {
                self.problem(
                    path,
                    SpecErrorKind::Dangling,
                    format!("fixture `{name}` is used but not declared"),
                    "declare it under vendor.fixtures with its meaning",
                );
            }
        }
        self.out
    }
}

/// Every `x-fixture` and `x-pool` name of a schema, with the pointer of the keyword.
fn collect_schema_fixtures(schema: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match schema {
        Value::Object(map) => {
            for key in ["x-fixture", "x-pool"] {
                if let Some(Value::String(name)) = map.get(key) {
                    out.push((format!("{path}/{key}"), name.clone()));
                }
            }
            for (k, v) in map {
                collect_schema_fixtures(v, &format!("{path}/{}", escape(k)), out);
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| collect_schema_fixtures(v, &format!("{path}/{i}"), out)),
        _ => {}
    }
}

/// The `{name}` parameters of a path template.
pub fn path_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Locator;

    const TEXT: &str = "# a comment: rows:\na: 1\nrows:\n  - id: x\n    set:\n      \"/a/b\": { fixture: f }\n  - &second\n    id: y\n    ops: [one,\n      two]\nagain: *second\n";

    #[test]
    fn a_pointer_is_located_at_its_key_or_item() {
        let at = Locator::new(TEXT);
        assert_eq!(at.line("/a"), Some(2));
        assert_eq!(at.line("/rows/0/id"), Some(4));
        assert_eq!(at.line("/rows/0/set/~1a~1b/fixture"), Some(6));
        assert_eq!(at.line("/rows/1"), Some(8));
        assert_eq!(at.line("/rows/1/ops/1"), Some(10));
    }

    #[test]
    fn an_alias_is_located_where_it_is_used_and_its_insides_where_they_are_written() {
        let at = Locator::new(TEXT);
        assert_eq!(at.line("/again"), Some(11));
        assert_eq!(at.line("/again/ops/1"), Some(10));
        // An item that is an alias, and keys merged from another mapping.
        let text = "base: &b\n  x: 1\n  y: 2\nlist:\n  - *b\nmerged:\n  <<: *b\n  y: 3\n";
        let at = Locator::new(text);
        assert_eq!(at.line("/list/0/y"), Some(3));
        assert_eq!(at.line("/merged/x"), Some(2));
        assert_eq!(at.line("/merged/y"), Some(8));
    }

    #[test]
    fn a_pointer_past_the_file_stops_at_the_deepest_node_found() {
        let at = Locator::new(TEXT);
        assert_eq!(at.line("/rows/0/set/~1a~1b/fixture/x-pool"), Some(6));
        assert_eq!(at.line("/rows/7/id"), Some(3));
        assert_eq!(at.line("/nothing"), None);
        assert_eq!(at.line(""), None);
        assert_eq!(Locator::new("a: [").line("/a"), None);
    }
}
