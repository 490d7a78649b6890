//! The main type here is [`VendorSpec`]: one vendor's error table as data, exactly as
//! `docs/spec-format.md` describes it. Everything the engine needs to generate, send and check
//! is here; nothing in the engine knows a vendor by name.
//!
//! Not for: loading or validating files (see `load`), or judging answers (see `check`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::location::{Location, SaveFrom};

/// A whole spec file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorSpec {
    pub format: u32,
    pub vendor: Vendor,
    pub endpoints: Vec<Endpoint>,
    pub rows: Vec<ErrorRow>,
    /// Models of the API's resources, for random call sequences (the `stateful` property).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<Model>,
    /// Answers outside the error table that the API gives to any malformed request (an
    /// unknown route, a method not allowed, a body that is not JSON, ...). The fuzz targets
    /// accept them besides the rows; `confuzz run` never expects them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generic: Vec<GenericAnswer>,
}

/// A generic answer: one way the API answers requests that no row is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericAnswer {
    /// A slug, unique within the vendor (`unknown-route`).
    pub id: String,
    /// When the API gives it, in our own words.
    pub meaning: String,
    pub status: u16,
    /// Default: the envelope's.
    #[serde(default)]
    pub body: Option<BodyKind>,
    #[serde(default)]
    pub code: Option<CodeExpect>,
    #[serde(default)]
    pub name: Option<String>,
    /// A template: every placeholder matches any text.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub title: String,
    pub source: Source,
    #[serde(default)]
    pub base_path: String,
    #[serde(default)]
    pub precedence: Precedence,
    pub auth: Auth,
    pub envelope: Envelope,
    #[serde(default)]
    pub fixtures: Vec<Fixture>,
    #[serde(default)]
    pub faults: Vec<Fault>,
    #[serde(default)]
    pub limits: Vec<Limit>,
    /// Decisions this spec made where the source document is silent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub document: String,
    pub file: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// Whether the document promises an order of checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precedence {
    /// Rows carry `order`; a request with several triggers must answer the lowest.
    Ordered,
    /// No documented order: any triggered row is accepted.
    #[default]
    Unordered,
}

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// `Authorization: Bearer <token>`, the token from a fixture.
    Bearer { token: String },
    /// OAuth 1.0a HMAC-SHA1 over a form body, keys from fixtures. Requests are signed per
    /// RFC 5849 unless the target turns out to verify with one of `variants`.
    Oauth1 {
        consumer_key: String,
        consumer_secret: String,
        /// Conventions other than RFC 5849 a target of this API may verify with (the
        /// vendor's own validator, say): before the rows the runner finds out which one the
        /// target uses and signs that way.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        variants: Vec<crate::auth::oauth1::Convention>,
        /// Parameters whose names start with this are extensions the API ignores; the probe
        /// that tells the conventions apart adds such parameters to a valid request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extension_prefix: Option<String>,
    },
    /// No authentication.
    None,
}

/// What an error body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    Json,
    Text,
    Empty,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub body: BodyKind,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub schema: Option<Value>,
    #[serde(default)]
    pub pointers: Pointers,
}

/// Where the vendor code, name and message live in a JSON error body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pointers {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub name: String,
    pub meaning: String,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub schema: Option<Value>,
    /// For an array fixture drawn with `x-pool`: how far one value may be reused, and the
    /// smallest pool a full run needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolRule>,
}

/// How the values of a pool (an array fixture drawn with `x-pool`) may be reused.
///
/// A *use* is a successful request that carries the value where an endpoint's schema draws
/// it (`x-pool`); a successful request to a `released_by` endpoint with the value at `at`
/// gives one use back (a delete of what a create made). Within one case a value is drawn at
/// most once; across cases it is reused until its uses are spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRule {
    /// The uses one value is good for in a run: a number, or the name of an integer fixture
    /// (e.g. the memberships one user may hold). Default 1.
    #[serde(default)]
    pub uses: Option<Repeat>,
    /// The smallest pool with which a full run at the default case count gives every check a
    /// verdict (the runner may run fewer cases of the checks that draw from it, and says so).
    pub min_size: usize,
    /// Requests whose success gives a use back.
    #[serde(default)]
    pub released_by: Vec<PoolRelease>,
}

/// An endpoint that gives a pool value back, and where its request carries the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRelease {
    pub endpoint: String,
    pub at: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub name: String,
    pub meaning: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub name: String,
    pub fixture: String,
    #[serde(default)]
    pub documented: Option<u64>,
    pub meaning: String,
    #[serde(default)]
    pub row: Option<String>,
    /// The count belongs to a fixture every check shares (one token's window), not to
    /// entities a check creates: it can be filled once per target, by the row's check, so
    /// the `limit` property checks it only in runs that leave the row out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub id: String,
    pub summary: String,
    pub method: String,
    pub path: String,
    #[serde(default = "yes")]
    pub auth: bool,
    #[serde(default)]
    pub params: Params,
    #[serde(default)]
    pub body: Option<Body>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub setup: Vec<Step>,
    #[serde(default)]
    pub success: Vec<u16>,
    #[serde(default)]
    pub unique: Vec<UniqueKey>,
    #[serde(default)]
    pub deletes: Option<String>,
    #[serde(default)]
    pub reads: Option<String>,
    #[serde(default)]
    pub creates: Option<String>,
    /// This endpoint changes the entity named here (a `reads` endpoint of the same entity
    /// reads it back).
    #[serde(default)]
    pub updates: Option<String>,
    /// For an endpoint that `deletes`: what a request to another endpoint naming the deleted
    /// record answers afterwards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_delete: Vec<AfterDelete>,
    /// [`Endpoint::pool_sites`], worked out once.
    #[serde(skip)]
    pool_sites: Memo<Vec<(String, Location)>>,
}

impl Endpoint {
    /// Where a request to this endpoint carries a value it draws from a pool: (pool,
    /// location), for every `x-pool` of its body schema (object properties) and parameters.
    /// Read for every request built, so worked out once.
    pub fn pool_sites(&self) -> &[(String, Location)] {
        self.pool_sites.0.get_or_init(|| pool_sites(self))
    }

    /// Whether a status is a success for this endpoint: one of its declared `success`
    /// statuses, or any 2xx when it declares none.
    pub fn is_success(&self, status: u16) -> bool {
        if self.success.is_empty() {
            (200..300).contains(&status)
        } else {
            self.success.contains(&status)
        }
    }

    /// The success statuses in words: `201`, `200 or 204`, or `2xx`.
    pub fn success_text(&self) -> String {
        if self.success.is_empty() {
            "2xx".to_string()
        } else {
            self.success
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        }
    }
}

/// A request to `endpoint` about a deleted record, answered by `row`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterDelete {
    pub endpoint: String,
    pub row: String,
}

fn yes() -> bool {
    true
}

/// JSON Schemas of the path, query and header parameters, by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub path: BTreeMap<String, Value>,
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    #[serde(default)]
    pub header: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Json,
    Form,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub encoding: Encoding,
    pub schema: Value,
}

/// A cross-field rule that JSON Schema cannot say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// At most one of the groups may be present; valid requests use exactly one, whole.
    Exclusive { groups: Vec<Vec<String>> },
    /// `first` comes strictly before `then` (dates, times or date-times).
    Before { first: String, then: String },
    /// `total` equals the sum of `parts`.
    Sum { total: String, parts: Vec<String> },
    /// At least one of the fields must be present.
    OneOfRequired { fields: Vec<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueKey {
    pub fields: Vec<Location>,
    #[serde(default)]
    pub row: Option<String>,
}

impl UniqueKey {
    /// The key's fields as written, joined by ` + `.
    pub fn joined(&self) -> String {
        let fields: Vec<String> = self.fields.iter().map(ToString::to_string).collect();
        fields.join(" + ")
    }
}

/// One documented error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorRow {
    pub id: String,
    pub title: String,
    pub group: String,
    pub endpoints: Vec<String>,
    pub doc: DocQuote,
    pub expect: Expect,
    #[serde(default)]
    pub bindings: BTreeMap<String, Binding>,
    #[serde(default)]
    pub trigger: Option<Trigger>,
    #[serde(default)]
    pub also_accept: Vec<String>,
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
    #[serde(default)]
    pub order: Option<u32>,
    pub explain: Explain,
}

/// What the document itself says of a row, in short quotes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocQuote {
    pub heading: String,
    #[serde(default)]
    pub group: Option<String>,
    pub response: String,
    pub line: u32,
    #[serde(default)]
    pub quote: Option<String>,
}

/// An expected code: a number, a string, or `absent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CodeExpect {
    Number(i64),
    Text(String),
}

impl CodeExpect {
    /// Whether this expectation says the field must not be there.
    pub fn is_absent(&self) -> bool {
        matches!(self, CodeExpect::Text(t) if t == "absent")
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    #[default]
    Exact,
    CaseInsensitive,
}

/// The fields an expectation can name, for provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Status,
    Code,
    Name,
    Message,
    Body,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: u16,
    #[serde(default)]
    pub body: Option<BodyKind>,
    #[serde(default)]
    pub code: Option<CodeExpect>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "match")]
    pub match_mode: MatchMode,
    #[serde(default)]
    pub assumed: Vec<Field>,
}

/// Another accepted reading of a row: any field given replaces the row's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub body: Option<BodyKind>,
    #[serde(default)]
    pub code: Option<CodeExpect>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub why: Option<String>,
}

/// How a placeholder is bound to what was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Binding {
    /// A list variable (the removed fields), with its separator and order.
    List {
        var: String,
        separator: String,
        order: ListOrder,
    },
    /// Exactly a case variable.
    Var { var: String },
    /// Exactly the value sent at a location.
    Sent { sent: Location },
    /// Any text.
    Any { any: bool },
}

/// The order a listed placeholder must follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListOrder {
    /// The documented order of the names.
    Fixed(Vec<String>),
    /// `any`.
    Any(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    Mutation,
    Setup,
    Fixture,
    Fault,
    Limit,
    Auth,
    Method,
    Signature,
    Syntax,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub kind: TriggerKind,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub setup: Vec<Step>,
    #[serde(default)]
    pub ops: Vec<Op>,
    /// Other documented ways to provoke the row: each case applies `ops` and then the operators
    /// of one variant, drawn first from its choice sequence. Every variant is also run once on
    /// its own before the random cases, so each is exercised whatever the case count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Vec<Op>>,
}

/// A request made before the one under test.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub endpoint: String,
    #[serde(default)]
    pub ops: Vec<Op>,
    #[serde(default)]
    pub save: BTreeMap<String, SaveSource>,
    #[serde(default)]
    pub expect: StepExpect,
    #[serde(default)]
    pub repeat: Option<Repeat>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepExpect {
    #[default]
    Success,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum SaveSource {
    /// `request:LOCATION` or `response:/pointer`.
    Plain(SaveFrom),
    /// A source and a regex whose first capture group is kept.
    Regex { from: SaveFrom, regex: String },
}

impl SaveSource {
    /// Where the value is read.
    pub fn from(&self) -> &SaveFrom {
        match self {
            SaveSource::Plain(from) | SaveSource::Regex { from, .. } => from,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Repeat {
    Fixture { fixture: String },
    Times { times: u32 },
}

/// A value to put somewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSpec {
    /// A literal; `value: null` is a literal null (present), distinct from no `value` key.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub var: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "as")]
    pub as_var: Option<String>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// How to change credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum AuthChange {
    /// `none` (no credentials) or `invalid` (well-formed but unknown).
    Mode(String),
    /// Another bearer token from a fixture.
    Token { token: String },
    /// Other OAuth 1.0a keys from fixtures.
    Keys {
        consumer_key: String,
        consumer_secret: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum RawBody {
    Literal(String),
    Template {
        template: String,
        #[serde(default)]
        vars: BTreeMap<String, ValueSpec>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OauthTamper {
    BadSignature,
    StaleTimestamp,
    MissingTimestamp,
    ReuseNonce,
}

/// One mutation operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    Remove(Vec<Location>),
    RemoveSome(Vec<Location>),
    Set(BTreeMap<Location, ValueSpec>),
    WrongType(Vec<Location>),
    RawBody(RawBody),
    Method(String),
    Auth(AuthChange),
    Fault(String),
    Header(BTreeMap<String, String>),
    Oauth(OauthTamper),
}

/// A resource the API keeps, as a model for random call sequences: how a record is created
/// (and what its variables are), and which documented row answers a duplicate or a call on a
/// record that does not exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The resource's name (lower-case): the property's subject.
    pub resource: String,
    /// Creates a fresh record: its endpoint's setup steps run first, then a valid request with
    /// `ops`; `save` keeps the record's variables (its id, its key values).
    pub create: ModelCall,
    /// A create that repeats a live record's uniqueness key: `ops` on a valid request to the
    /// create endpoint, with the record's variables bound; `row` is the documented answer.
    #[serde(default)]
    pub duplicate: Option<Duplicate>,
    /// Reads a record back; `echo` checks the answer against the record's variables.
    #[serde(default)]
    pub read: Option<ModelCall>,
    /// Changes a record; `save` updates its variables.
    #[serde(default)]
    pub update: Option<ModelCall>,
    /// Deletes a record.
    #[serde(default)]
    pub delete: Option<ModelCall>,
    /// Variables that name a record that was never created, for calls on unknown records.
    #[serde(default)]
    pub unknown: BTreeMap<String, ValueSpec>,
}

/// One call of a model: a valid request to `endpoint` (its own setup steps are not run: the
/// record's variables stand in for them) with `ops` applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCall {
    pub endpoint: String,
    #[serde(default)]
    pub ops: Vec<Op>,
    /// Variables of the record to keep from a successful answer (as a step's `save`).
    #[serde(default)]
    pub save: BTreeMap<String, SaveSource>,
    /// The row that answers this call on a deleted or unknown record; without it, such calls
    /// are not made.
    #[serde(default)]
    pub missing: Option<String>,
    /// JSON pointers into a successful answer and the record variable each must equal.
    #[serde(default)]
    pub echo: BTreeMap<String, String>,
}

/// How a duplicate of a live record is made, and the row that answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duplicate {
    pub row: String,
    #[serde(default)]
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explain {
    pub meaning: String,
    pub cause: String,
    pub fix: String,
}

impl VendorSpec {
    /// The endpoint with this id.
    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    /// The row with this id.
    pub fn row(&self, id: &str) -> Option<&ErrorRow> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// The fixture declaration with this name.
    pub fn fixture(&self, name: &str) -> Option<&Fixture> {
        self.vendor.fixtures.iter().find(|f| f.name == name)
    }
}

impl ErrorRow {
    /// The endpoint the trigger sends to: its own, or the row's first.
    pub fn trigger_endpoint(&self) -> Option<&str> {
        self.trigger
            .as_ref()
            .and_then(|t| t.endpoint.as_deref())
            .or_else(|| self.endpoints.first().map(String::as_str))
    }

    /// Whether an expected field is assumed (decided by the spec) rather than documented.
    pub fn is_assumed(&self, field: Field) -> bool {
        self.expect.assumed.contains(&field)
    }

    /// The body kind this row expects, given the vendor's envelope.
    pub fn body_kind(&self, envelope: &Envelope) -> BodyKind {
        self.expect.body.unwrap_or(envelope.body)
    }
}

/// A value worked out from the rest of a struct on first use. A clone starts empty, so that
/// a copy whose other fields are then edited never keeps a stale value.
#[derive(Debug)]
struct Memo<T>(OnceLock<T>);

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(OnceLock::new())
    }
}

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

fn pool_sites(endpoint: &Endpoint) -> Vec<(String, Location)> {
    let mut out = Vec::new();
    if let Some(body) = &endpoint.body {
        body_pools(&body.schema, String::new(), &mut out);
    }
    let params = [
        (
            &endpoint.params.path,
            Location::Path as fn(String) -> Location,
        ),
        (&endpoint.params.query, Location::Query),
        (&endpoint.params.header, Location::Header),
    ];
    for (map, at) in params {
        for (name, schema) in map {
            if let Some(pool) = schema.get("x-pool").and_then(Value::as_str) {
                out.push((pool.to_string(), at(name.clone())));
            }
        }
    }
    out
}

fn body_pools(schema: &Value, pointer: String, out: &mut Vec<(String, Location)>) {
    if let Some(pool) = schema.get("x-pool").and_then(Value::as_str) {
        out.push((pool.to_string(), Location::Body(pointer.clone())));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        // Pointers are spelled out only on the way to a pool: most bodies have none, and this
        // runs for every request built.
        for (name, sub) in props.iter().filter(|(_, sub)| names_a_pool(sub)) {
            let escaped = name.replace('~', "~0").replace('/', "~1");
            body_pools(sub, format!("{pointer}/{escaped}"), out);
        }
    }
}

/// Whether `schema` or a property schema below it has an `x-pool`.
fn names_a_pool(schema: &Value) -> bool {
    schema.get("x-pool").is_some()
        || schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|props| props.values().any(names_a_pool))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pool_sites_are_read_from_the_body_and_parameters_and_not_kept_by_a_clone() {
        let endpoint: Endpoint = serde_json::from_value(json!({
            "id": "member-add",
            "summary": "Add a member",
            "method": "POST",
            "path": "/groups/{group}/members",
            "params": { "path": { "group": { "type": "string", "x-pool": "acme.groups" } } },
            "body": {
                "encoding": "json",
                "schema": {
                    "type": "object",
                    "properties": {
                        "user": { "type": "string", "x-pool": "acme.users" },
                        "role": { "type": "string" },
                        "a/b": { "type": "object", "properties": {
                            "c": { "type": "string", "x-pool": "acme.tags" }
                        } }
                    }
                }
            }
        }))
        .unwrap();
        let sites = |e: &Endpoint| -> Vec<(String, String)> {
            e.pool_sites()
                .iter()
                .map(|(pool, at)| (pool.clone(), at.to_string()))
                .collect()
        };
        let pair = |p: &str, at: &str| (p.to_string(), at.to_string());
        assert_eq!(
            sites(&endpoint),
            [
                pair("acme.users", "/user"),
                pair("acme.tags", "/a~1b/c"),
                pair("acme.groups", "path:group"),
            ]
        );
        // A copy edited after the original worked its sites out sees its own schema.
        let mut edited = endpoint.clone();
        edited.body.as_mut().unwrap().schema["properties"]["role"]["x-pool"] = json!("acme.roles");
        assert!(sites(&edited).contains(&pair("acme.roles", "/role")));
        assert_eq!(sites(&endpoint).len(), 3);
    }
}
