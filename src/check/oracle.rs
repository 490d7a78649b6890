//! The main type here is [`Oracle`]: the spec tables compiled once (message templates to
//! regexes, envelope schemas to validators) so that judging an answer is cheap. A check is a
//! function from (row, what was sent, what came back) to a [`Verdict`]; it never sends.
//!
//! Not for: deciding what to send (`generate`) or how many cases to run (`run`).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::template::{Case, Matcher, Template};
use crate::spec::*;
use crate::target::{Request, Response};

/// What the harness did to build a case: the checks read this record instead of guessing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CaseRecord {
    /// Variables: values saved by setup steps and recorded by ops (`removed`, `as:` names).
    pub vars: BTreeMap<String, Value>,
    /// The request under test, exactly as sent.
    pub request: Request,
}

impl CaseRecord {
    /// The value sent at a location (a body location reads a form body's field too; a path
    /// parameter needs the record's variable `path:NAME`).
    pub fn sent(&self, location: &Location) -> Option<Value> {
        match location {
            Location::Body(pointer) => {
                if let Some(json) = self.request.json_body() {
                    if let Some(v) = json.pointer(pointer) {
                        return Some(v.clone());
                    }
                }
                let field = pointer.trim_start_matches('/');
                self.request
                    .form_pairs()
                    .into_iter()
                    .find(|(k, _)| k == field)
                    .map(|(_, v)| Value::String(v))
            }
            Location::Form(name) => self
                .request
                .form_pairs()
                .into_iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v)),
            Location::Query(name) => self
                .request
                .query_param(name)
                .map(|v| Value::String(v.into())),
            Location::Header(name) => self.request.header(name).map(|v| Value::String(v.into())),
            Location::Path(_) => self.vars.get(&location.to_string()).cloned(),
        }
    }
}

/// The text form of a JSON value as it would be echoed in a message.
pub fn echo_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// One difference between what a row expects and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// What differs.
    pub what: MismatchKind,
    pub expected: String,
    pub observed: String,
    /// Whether the expectation is documented (a failure) or assumed (a warning).
    pub documented: bool,
}

/// What a [`Mismatch`] is about. Written (in reports and saved failures) as `status`, `body`,
/// `content_type`, `envelope`, `code`, `name`, `message` or `placeholder:NAME`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MismatchKind {
    Status,
    Body,
    ContentType,
    Envelope,
    Code,
    Name,
    Message,
    /// A placeholder of the message bound to something else than was sent.
    Placeholder(String),
}

/// A mismatch kind that is not one of those written by [`MismatchKind`]'s `Display`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a kind of mismatch (status, body, content_type, envelope, code, name, message, placeholder:NAME)")]
pub struct MismatchKindError(pub String);

impl std::str::FromStr for MismatchKind {
    type Err = MismatchKindError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "status" => MismatchKind::Status,
            "body" => MismatchKind::Body,
            "content_type" => MismatchKind::ContentType,
            "envelope" => MismatchKind::Envelope,
            "code" => MismatchKind::Code,
            "name" => MismatchKind::Name,
            "message" => MismatchKind::Message,
            other => match other.strip_prefix("placeholder:") {
                Some(name) => MismatchKind::Placeholder(name.to_string()),
                None => return Err(MismatchKindError(other.to_string())),
            },
        })
    }
}

impl TryFrom<String> for MismatchKind {
    type Error = MismatchKindError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<MismatchKind> for String {
    fn from(kind: MismatchKind) -> Self {
        kind.to_string()
    }
}

impl std::fmt::Display for MismatchKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MismatchKind::Status => "status",
            MismatchKind::Body => "body",
            MismatchKind::ContentType => "content_type",
            MismatchKind::Envelope => "envelope",
            MismatchKind::Code => "code",
            MismatchKind::Name => "name",
            MismatchKind::Message => "message",
            MismatchKind::Placeholder(name) => return write!(f, "placeholder:{name}"),
        })
    }
}

/// The judgement of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Matches a documented reading.
    Pass,
    /// Matches except on assumed fields (a failure under `--strict`).
    Warn,
    /// Differs on a documented field.
    Fail,
}

/// What the oracle concluded about one answer to a row's trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: Outcome,
    /// The reading that matched best: the row id, or `row#alt1`, or another accepted row.
    pub reading: String,
    /// The differences from that reading (empty when it passed cleanly).
    pub mismatches: Vec<Mismatch>,
    /// The documented row the answer looks like, when it is not the expected one.
    pub looks_like: Option<String>,
}

struct Reading<'a> {
    label: String,
    row: &'a ErrorRow,
    status: u16,
    body: BodyKind,
    code: Option<CodeExpect>,
    name: Option<String>,
    /// Borrowed: a cloned `Regex` starts with an empty cache, so its lazy DFA would be
    /// rebuilt on every answer judged.
    message: Option<&'a Matcher>,
    message_text: Option<String>,
    /// Whether placeholders are checked against the case (only for the row's own bindings).
    bind: bool,
}

struct CompiledRow {
    /// (label, matcher) for the row's message and each alternative's message.
    messages: HashMap<String, Matcher>,
}

struct CompiledVendor {
    envelope: Option<jsonschema::Validator>,
    /// The message matcher of each generic answer, in spec order (`None`: no message).
    generic: Vec<Option<Matcher>>,
}

/// The spec tables compiled for judging.
pub struct Oracle {
    rows: HashMap<(String, String), CompiledRow>,
    vendors: HashMap<String, CompiledVendor>,
}

fn compile_message(row: &ErrorRow, text: &str) -> Matcher {
    let case = match row.expect.match_mode {
        MatchMode::Exact => Case::Sensitive,
        MatchMode::CaseInsensitive => Case::Insensitive,
    };
    let template = Template::parse(text).unwrap_or(Template {
        parts: vec![crate::spec::template::Part::Literal(text.to_string())],
    });
    template.compile(case, &|name| {
        matches!(row.bindings.get(name), Some(Binding::Any { .. }))
    })
}

impl Oracle {
    /// Compiles every row of every vendor in the set.
    pub fn new(set: &SpecSet) -> Oracle {
        let mut rows = HashMap::new();
        let mut vendors = HashMap::new();
        for loaded in &set.specs {
            let spec = &loaded.spec;
            let envelope = spec
                .vendor
                .envelope
                .schema
                .as_ref()
                .and_then(|s| jsonschema::validator_for(s).ok());
            let generic = spec
                .generic
                .iter()
                .map(|g| {
                    let template = Template::parse(g.message.as_deref()?).ok()?;
                    Some(template.compile(Case::Sensitive, &|_| false))
                })
                .collect();
            vendors.insert(spec.vendor.id.clone(), CompiledVendor { envelope, generic });
            for row in &spec.rows {
                let mut messages = HashMap::new();
                if let Some(m) = &row.expect.message {
                    messages.insert(row.id.clone(), compile_message(row, m));
                }
                for (i, alt) in row.alternatives.iter().enumerate() {
                    if let Some(m) = &alt.message {
                        messages
                            .insert(format!("{}#alt{}", row.id, i + 1), compile_message(row, m));
                    }
                }
                rows.insert(
                    (spec.vendor.id.clone(), row.id.clone()),
                    CompiledRow { messages },
                );
            }
        }
        Oracle { rows, vendors }
    }

    fn readings<'a>(&'a self, spec: &'a VendorSpec, row: &'a ErrorRow) -> Vec<Reading<'a>> {
        let mut out = Vec::new();
        let compiled = self.rows.get(&(spec.vendor.id.clone(), row.id.clone()));
        let own = |label: &str| compiled.and_then(|c| c.messages.get(label));
        out.push(Reading {
            label: row.id.clone(),
            row,
            status: row.expect.status,
            body: row.body_kind(&spec.vendor.envelope),
            code: row.expect.code.clone(),
            name: row.expect.name.clone(),
            message: own(&row.id),
            message_text: row.expect.message.clone(),
            bind: true,
        });
        for (i, alt) in row.alternatives.iter().enumerate() {
            let label = format!("{}#alt{}", row.id, i + 1);
            out.push(Reading {
                message: if alt.message.is_some() {
                    own(&label)
                } else {
                    own(&row.id)
                },
                message_text: alt.message.clone().or_else(|| row.expect.message.clone()),
                label,
                row,
                status: alt.status.unwrap_or(row.expect.status),
                body: alt
                    .body
                    .unwrap_or_else(|| row.body_kind(&spec.vendor.envelope)),
                code: alt.code.clone().or_else(|| row.expect.code.clone()),
                name: alt.name.clone().or_else(|| row.expect.name.clone()),
                bind: true,
            });
        }
        for other_id in &row.also_accept {
            if let Some(other) = spec.row(other_id) {
                let compiled = self.rows.get(&(spec.vendor.id.clone(), other.id.clone()));
                out.push(Reading {
                    label: other.id.clone(),
                    row: other,
                    status: other.expect.status,
                    body: other.body_kind(&spec.vendor.envelope),
                    code: other.expect.code.clone(),
                    name: other.expect.name.clone(),
                    message: compiled.and_then(|c| c.messages.get(&other.id)),
                    message_text: other.expect.message.clone(),
                    bind: false,
                });
            }
        }
        out
    }

    /// Judges the answer to a case built to provoke `row`.
    pub fn check_row(
        &self,
        spec: &VendorSpec,
        row: &ErrorRow,
        record: &CaseRecord,
        response: &Response,
        strict: bool,
    ) -> Verdict {
        let (outcome, reading, mismatches) = self.judge_row(spec, row, record, response, strict);
        let looks_like = if outcome == Outcome::Fail {
            self.classify(spec, response)
                .filter(|id| id != &row.id && !row.also_accept.contains(id))
        } else {
            None
        };
        Verdict {
            outcome,
            reading,
            mismatches,
            looks_like,
        }
    }

    /// The best reading of `row` for the answer: its outcome, label and mismatches. It is
    /// [`Oracle::check_row`] without looking for the row a failing answer is instead (which
    /// compares the answer with every row of the vendor).
    pub fn judge_row(
        &self,
        spec: &VendorSpec,
        row: &ErrorRow,
        record: &CaseRecord,
        response: &Response,
        strict: bool,
    ) -> (Outcome, String, Vec<Mismatch>) {
        let mut best: Option<(usize, usize, String, Vec<Mismatch>)> = None;
        for reading in self.readings(spec, row) {
            let mismatches = self.compare(spec, &reading, record, response);
            let documented = mismatches.iter().filter(|m| m.documented).count();
            let total = mismatches.len();
            let better = match &best {
                None => true,
                Some((d, t, _, _)) => (documented, total) < (*d, *t),
            };
            if better {
                best = Some((documented, total, reading.label.clone(), mismatches));
            }
        }
        let (documented, total, reading, mismatches) =
            best.unwrap_or((1, 1, row.id.clone(), Vec::new()));
        let outcome = if documented > 0 || (strict && total > 0) {
            Outcome::Fail
        } else if total > 0 {
            Outcome::Warn
        } else {
            Outcome::Pass
        };
        (outcome, reading, mismatches)
    }

    fn compare(
        &self,
        spec: &VendorSpec,
        reading: &Reading<'_>,
        record: &CaseRecord,
        response: &Response,
    ) -> Vec<Mismatch> {
        let row = reading.row;
        let documented = |f: Field| !row.is_assumed(f);
        let mut out = Vec::new();
        let mut push =
            |what: MismatchKind, expected: String, observed: String, documented: bool| {
                out.push(Mismatch {
                    what,
                    expected,
                    observed,
                    documented,
                })
            };
        if response.status != reading.status {
            push(
                MismatchKind::Status,
                reading.status.to_string(),
                response.status.to_string(),
                documented(Field::Status),
            );
        }
        let envelope = &spec.vendor.envelope;
        match reading.body {
            BodyKind::Empty => {
                if !response.body.is_empty() {
                    push(
                        MismatchKind::Body,
                        "an empty body".into(),
                        describe_body(response),
                        documented(Field::Body),
                    );
                }
                return out;
            }
            BodyKind::Text => {
                if response.json_body().is_some()
                    && response.text_body().trim_start().starts_with('{')
                {
                    push(
                        MismatchKind::Body,
                        "a plain-text body".into(),
                        describe_body(response),
                        documented(Field::Body),
                    );
                }
                let text = response.text_body();
                self.compare_message(reading, record, Some(text.as_str()), &mut out);
                return out;
            }
            BodyKind::Json => {}
        }
        let Some(json) = response.json_body() else {
            push(
                MismatchKind::Body,
                "a JSON error body".into(),
                describe_body(response),
                documented(Field::Body),
            );
            return out;
        };
        if let Some(expected_type) = &envelope.content_type {
            let observed = response.header("content-type").unwrap_or("");
            let media = observed.split(';').next().unwrap_or("").trim();
            if !media.eq_ignore_ascii_case(expected_type) {
                push(
                    MismatchKind::ContentType,
                    expected_type.clone(),
                    if observed.is_empty() {
                        "no Content-Type".into()
                    } else {
                        observed.to_string()
                    },
                    documented(Field::Body),
                );
            }
        }
        if let Some(validator) = self
            .vendors
            .get(&spec.vendor.id)
            .and_then(|v| v.envelope.as_ref())
        {
            if let Some(err) = validator.iter_errors(&json).next() {
                push(
                    MismatchKind::Envelope,
                    "the documented error envelope".into(),
                    format!("{} (at {})", err, err.instance_path()),
                    documented(Field::Body),
                );
            }
        }
        if let Some(expected) = &reading.code {
            let observed = envelope
                .pointers
                .code
                .as_deref()
                .and_then(|p| json.pointer(p));
            let ok = match (expected, observed) {
                (c, None) if c.is_absent() => true,
                (c, Some(_)) if c.is_absent() => false,
                (CodeExpect::Number(n), Some(v)) => {
                    v.as_i64() == Some(*n) || v.as_str() == Some(n.to_string().as_str())
                }
                (CodeExpect::Text(t), Some(v)) => v.as_str() == Some(t.as_str()),
                (_, None) => false,
            };
            if !ok {
                push(
                    MismatchKind::Code,
                    match expected {
                        c if c.is_absent() => "no code".into(),
                        CodeExpect::Number(n) => n.to_string(),
                        CodeExpect::Text(t) => t.clone(),
                    },
                    observed.map(echo_text).unwrap_or_else(|| "no code".into()),
                    documented(Field::Code),
                );
            }
        }
        if let Some(expected) = &reading.name {
            let observed = envelope
                .pointers
                .name
                .as_deref()
                .and_then(|p| json.pointer(p));
            if observed.and_then(Value::as_str) != Some(expected.as_str()) {
                push(
                    MismatchKind::Name,
                    expected.clone(),
                    observed.map(echo_text).unwrap_or_else(|| "no name".into()),
                    documented(Field::Name),
                );
            }
        }
        let message = envelope
            .pointers
            .message
            .as_deref()
            .and_then(|p| json.pointer(p))
            .and_then(Value::as_str);
        self.compare_message(reading, record, message, &mut out);
        out
    }

    fn compare_message(
        &self,
        reading: &Reading<'_>,
        record: &CaseRecord,
        observed: Option<&str>,
        out: &mut Vec<Mismatch>,
    ) {
        let row = reading.row;
        let (Some(matcher), Some(template)) = (&reading.message, &reading.message_text) else {
            return;
        };
        let documented = !row.is_assumed(Field::Message);
        let Some(text) = observed else {
            out.push(Mismatch {
                what: MismatchKind::Message,
                expected: template.clone(),
                observed: "no message".into(),
                documented,
            });
            return;
        };
        let Some(captures) = matcher.captures(text) else {
            out.push(Mismatch {
                what: MismatchKind::Message,
                expected: expected_message(row, template, record, reading.bind),
                observed: text.to_string(),
                documented,
            });
            return;
        };
        if !reading.bind {
            return;
        }
        for (name, captured) in captures {
            let Some(binding) = row.bindings.get(&name) else {
                continue;
            };
            if let Some(expected) = expected_binding(binding, record) {
                if !binding_matches(binding, &expected, &captured) {
                    out.push(Mismatch {
                        what: MismatchKind::Placeholder(name.clone()),
                        expected: expected.describe(),
                        observed: captured,
                        documented,
                    });
                }
            }
        }
    }

    /// Judges the answer to a valid request to `endpoint`: `None` when it is a success, else
    /// a failed verdict (the status differs from the documented successes; `looks_like` names
    /// the row the answer resembles) and its reason in one line.
    pub fn check_valid(
        &self,
        spec: &VendorSpec,
        endpoint: &Endpoint,
        response: &Response,
    ) -> Option<(Verdict, String)> {
        if endpoint.is_success(response.status) {
            return None;
        }
        let looks_like = self.classify(spec, response);
        let expected = endpoint.success_text();
        let reason = format!(
            "a valid request was rejected: expected {expected}, got {}{}",
            response.status,
            looks_like
                .as_deref()
                .map(|r| format!(" (row {r})"))
                .unwrap_or_else(|| " (an undocumented answer)".into())
        );
        let mismatch = Mismatch {
            what: MismatchKind::Status,
            expected,
            observed: response.status.to_string(),
            documented: true,
        };
        let verdict = Verdict {
            outcome: Outcome::Fail,
            reading: super::result::valid_id(&spec.vendor.id, &endpoint.id),
            mismatches: vec![mismatch],
            looks_like,
        };
        Some((verdict, reason))
    }

    /// The documented row an arbitrary answer looks like (status, code, name and message
    /// template, placeholders unchecked), if any.
    pub fn classify(&self, spec: &VendorSpec, response: &Response) -> Option<String> {
        let record = CaseRecord::default();
        spec.rows
            .iter()
            .find(|row| {
                let readings = self.readings(spec, row);
                readings
                    .into_iter()
                    .take(1 + row.alternatives.len())
                    .any(|mut r| {
                        r.bind = false;
                        self.compare(spec, &r, &record, response).is_empty()
                    })
            })
            .map(|r| r.id.clone())
    }

    /// The generic answer (`generic:` in the spec: an unknown route, a method not allowed, a
    /// body that is not JSON, ...) an answer matches, by id: status, body kind, and the code,
    /// name and message at the envelope's pointers, every placeholder matching any text.
    pub fn generic_answer<'s>(&self, spec: &'s VendorSpec, response: &Response) -> Option<&'s str> {
        let compiled = self.vendors.get(&spec.vendor.id)?;
        let envelope = &spec.vendor.envelope;
        let json = response.json_body();
        let at = |pointer: &Option<String>| {
            pointer
                .as_deref()
                .and_then(|p| json.as_ref().and_then(|j| j.pointer(p)).cloned())
        };
        spec.generic
            .iter()
            .zip(&compiled.generic)
            .find(|(g, matcher)| {
                if g.status != response.status {
                    return false;
                }
                let message = match g.body.unwrap_or(envelope.body) {
                    BodyKind::Empty => return response.body.is_empty(),
                    BodyKind::Text => {
                        if json.as_ref().is_some_and(Value::is_object) {
                            return false;
                        }
                        Some(response.text_body())
                    }
                    BodyKind::Json => {
                        if json.is_none() {
                            return false;
                        }
                        let code_ok = match (&g.code, at(&envelope.pointers.code)) {
                            (None, _) => true,
                            (Some(c), observed) if c.is_absent() => observed.is_none(),
                            (Some(CodeExpect::Number(n)), Some(v)) => {
                                v.as_i64() == Some(*n) || v.as_str() == Some(&n.to_string())
                            }
                            (Some(CodeExpect::Text(t)), Some(v)) => v.as_str() == Some(t),
                            (Some(_), None) => false,
                        };
                        let name_ok = g.name.as_ref().is_none_or(|n| {
                            at(&envelope.pointers.name).as_ref().and_then(Value::as_str)
                                == Some(n.as_str())
                        });
                        if !code_ok || !name_ok {
                            return false;
                        }
                        at(&envelope.pointers.message)
                            .as_ref()
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    }
                };
                match (matcher, message) {
                    (None, _) => true,
                    (Some(m), Some(text)) => m.captures(&text).is_some(),
                    (Some(_), None) => false,
                }
            })
            .map(|(g, _)| g.id.as_str())
    }

    /// Whether a vendor's answer is a documented error at all (used for valid-request checks
    /// and the fuzz targets' conformance property).
    pub fn is_documented(&self, spec: &VendorSpec, response: &Response) -> bool {
        self.classify(spec, response).is_some()
    }
}

/// The expected message with every bound placeholder filled in from the case, so a report
/// shows the text the target should have sent (`${name}` stays where any text is accepted).
fn expected_message(row: &ErrorRow, template: &str, record: &CaseRecord, bind: bool) -> String {
    let Ok(parsed) = Template::parse(template) else {
        return template.to_string();
    };
    if !bind {
        return template.to_string();
    }
    let values: BTreeMap<String, String> = parsed
        .placeholders()
        .into_iter()
        .filter_map(|name| {
            let binding = row.bindings.get(name)?;
            let value = match expected_binding(binding, record)? {
                ExpectedValue::Exact(v) => v,
                ExpectedValue::List {
                    items, separator, ..
                } => items.join(&separator),
            };
            Some((name.to_string(), value))
        })
        .collect();
    parsed.render(&values)
}

/// What a placeholder must be, computed from the case record.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedValue {
    Exact(String),
    List {
        items: Vec<String>,
        ordered: bool,
        separator: String,
    },
}

impl ExpectedValue {
    fn describe(&self) -> String {
        match self {
            ExpectedValue::Exact(s) => s.clone(),
            ExpectedValue::List {
                items,
                ordered,
                separator,
            } => {
                let joined = items.join(separator);
                if *ordered {
                    joined
                } else {
                    format!("{joined} (any order)")
                }
            }
        }
    }
}

fn expected_binding(binding: &Binding, record: &CaseRecord) -> Option<ExpectedValue> {
    match binding {
        Binding::Any { .. } => None,
        Binding::Var { var } => record
            .vars
            .get(var)
            .map(|v| ExpectedValue::Exact(echo_text(v))),
        Binding::Sent { sent } => record
            .sent(sent)
            .map(|v| ExpectedValue::Exact(echo_text(&v))),
        Binding::List {
            var,
            separator,
            order,
        } => {
            let list = record.vars.get(var)?;
            let mut items: Vec<String> = match list {
                Value::Array(a) => a.iter().map(echo_text).map(|s| field_name(&s)).collect(),
                other => vec![field_name(&echo_text(other))],
            };
            let ordered = match order {
                ListOrder::Fixed(names) => {
                    items.sort_by_key(|i| names.iter().position(|n| n == i).unwrap_or(usize::MAX));
                    true
                }
                ListOrder::Any(_) => false,
            };
            Some(ExpectedValue::List {
                items,
                ordered,
                separator: separator.clone(),
            })
        }
    }
}

/// A removed location's field name (the `removed` variable holds locations as written):
/// `/title` and `body:/title` are `title`.
fn field_name(location: &str) -> String {
    match location.parse::<Location>() {
        Ok(location) => location.field().to_string(),
        Err(_) => location.to_string(),
    }
}

fn binding_matches(binding: &Binding, expected: &ExpectedValue, captured: &str) -> bool {
    match expected {
        ExpectedValue::Exact(e) => e == captured,
        ExpectedValue::List {
            items,
            ordered,
            separator,
        } => {
            let sep = separator.trim();
            let got: Vec<String> = if sep.is_empty() {
                captured.split_whitespace().map(str::to_string).collect()
            } else {
                captured
                    .split(sep)
                    .map(|s| s.trim().trim_end_matches('.').to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            let _ = binding;
            if *ordered {
                &got == items
            } else {
                let mut a = got.clone();
                let mut b = items.clone();
                a.sort();
                b.sort();
                a == b
            }
        }
    }
}

fn describe_body(response: &Response) -> String {
    if response.body.is_empty() {
        return "an empty body".into();
    }
    let ct = response.header("content-type").unwrap_or("no Content-Type");
    let text = response.text_body();
    let clipped: String = text.chars().take(120).collect();
    format!("{ct}: {clipped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_compare_in_documented_order() {
        let binding = Binding::List {
            var: "removed".into(),
            separator: ", ".into(),
            order: ListOrder::Fixed(vec![
                "title".into(),
                "description".into(),
                "due_date".into(),
            ]),
        };
        let mut record = CaseRecord::default();
        record
            .vars
            .insert("removed".into(), serde_json::json!(["/due_date", "/title"]));
        let expected = expected_binding(&binding, &record).unwrap();
        assert!(binding_matches(&binding, &expected, "title, due_date"));
        assert!(!binding_matches(&binding, &expected, "due_date, title"));
        assert!(!binding_matches(&binding, &expected, "title"));
        assert!(!binding_matches(
            &binding,
            &expected,
            "title, description, due_date"
        ));
    }

    #[test]
    fn sent_values_by_location() {
        let record = CaseRecord {
            vars: BTreeMap::from([("path:id".to_string(), serde_json::json!("abc"))]),
            request: Request::new("POST", "/x")
                .with_json(&serde_json::json!({"a": {"b": "c"}}))
                .with_query("q", "1"),
        };
        let sent = |text: &str| record.sent(&text.parse().unwrap());
        assert_eq!(sent("/a/b"), Some(serde_json::json!("c")));
        assert_eq!(sent("body:/a/b"), Some(serde_json::json!("c")));
        assert_eq!(sent("query:q"), Some(serde_json::json!("1")));
        assert_eq!(sent("path:id"), Some(serde_json::json!("abc")));
        assert_eq!(
            sent("header:content-type"),
            Some(serde_json::json!("application/json"))
        );
    }
}
