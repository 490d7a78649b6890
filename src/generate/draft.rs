//! The main type here is [`Draft`]: a request under construction, with its body still
//! structured, so the mutation operators of a row (`remove`, `set`, `wrong_type`, ...) can
//! work on fields rather than bytes. [`valid_draft`] builds a valid draft for an endpoint from
//! its JSON Schemas; [`apply_op`] applies one operator and records what it did;
//! [`Draft::finish`] authenticates and serializes it into the [`Request`] that is sent.
//!
//! Not for: sending (see `run`), or judging (see `check`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{apply_rules, generate, Choices, GenContext, GenError};
use crate::auth::oauth1::{self, Convention};
use crate::spec::*;
use crate::target::{encode_form, percent_encode, Request, FAULT_HEADER};

/// The body of a draft.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftBody {
    None,
    Json(Value),
    Form(Map<String, Value>),
    Raw(Vec<u8>),
}

/// Credential changes requested by a row's `auth:` operator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// The vendor's normal credentials.
    #[default]
    Normal,
    /// No credentials at all.
    None,
    /// Well-formed but unknown credentials.
    Invalid,
    /// Another bearer token (already resolved from its fixture).
    Token(String),
    /// Other OAuth 1.0a keys (already resolved).
    Keys { key: String, secret: String },
}

/// A request under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub method: String,
    /// The path template relative to the vendor's base path, e.g. `/sections/{section_id}`.
    pub path: String,
    pub path_params: BTreeMap<String, String>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: DraftBody,
    pub encoding: Option<Encoding>,
    pub credentials: Credentials,
    pub tamper: Vec<OauthTamper>,
    pub auth: bool,
}

/// Why a draft could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DraftError {
    #[error(transparent)]
    Gen(#[from] GenError),
    #[error("fixture `{0}` is needed but was not given")]
    MissingFixture(String),
    #[error("variable `{0}` is used before any step saved it")]
    MissingVar(String),
    #[error("the fault hook `{0}` is needed but the target does not declare it")]
    MissingFault(String),
    #[error("operator cannot apply: {0}")]
    Op(String),
}

/// What the engine needs from the run to build drafts.
pub struct DraftEnv<'a> {
    pub gen: GenContext<'a>,
    /// Faults the target supports; `None` when every fault is assumed supported.
    pub faults: Option<&'a [String]>,
    /// How OAuth 1.0a signatures are computed (vendors whose auth is `oauth1`).
    pub oauth1: Convention,
}

fn fixture(env: &DraftEnv<'_>, name: &str) -> Result<Value, DraftError> {
    env.gen
        .fixtures
        .get(name)
        .cloned()
        .ok_or_else(|| DraftError::MissingFixture(name.to_string()))
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A valid draft for an endpoint: every parameter and the body generated from its schema.
pub fn valid_draft(
    endpoint: &Endpoint,
    env: &DraftEnv<'_>,
    ch: &mut Choices<'_>,
) -> Result<Draft, DraftError> {
    let mut path_params = BTreeMap::new();
    for (name, schema) in &endpoint.params.path {
        let v = generate(schema, &env.gen, ch)?;
        path_params.insert(name.clone(), scalar_text(&v));
    }
    let mut query = Vec::new();
    for (name, schema) in &endpoint.params.query {
        if schema.get("x-never").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let v = generate(schema, &env.gen, ch)?;
        query.push((name.clone(), scalar_text(&v)));
    }
    let mut headers = Vec::new();
    for (name, schema) in &endpoint.params.header {
        if schema.get("x-never").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let v = generate(schema, &env.gen, ch)?;
        headers.push((name.clone(), scalar_text(&v)));
    }
    let (body, encoding) = match &endpoint.body {
        None => (DraftBody::None, None),
        Some(b) => {
            let mut value = generate(&b.schema, &env.gen, ch)?;
            if let Value::Object(map) = &mut value {
                apply_rules(map, &b.schema, &endpoint.rules, &env.gen, ch)?;
            }
            match b.encoding {
                Encoding::Json => (DraftBody::Json(value), Some(Encoding::Json)),
                Encoding::Form => (
                    DraftBody::Form(match value {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    }),
                    Some(Encoding::Form),
                ),
            }
        }
    };
    Ok(Draft {
        method: endpoint.method.clone(),
        path: endpoint.path.clone(),
        path_params,
        query,
        headers,
        body,
        encoding,
        credentials: Credentials::Normal,
        tamper: Vec::new(),
        auth: endpoint.auth,
    })
}

/// Resolves a value spec to a value, recording it under `as` when asked.
pub fn resolve(
    spec: &ValueSpec,
    env: &DraftEnv<'_>,
    vars: &mut BTreeMap<String, Value>,
    ch: &mut Choices<'_>,
) -> Result<Value, DraftError> {
    let value = if let Some(v) = &spec.value {
        v.clone()
    } else if let Some(f) = &spec.fixture {
        fixture(env, f)?
    } else if let Some(name) = &spec.var {
        vars.get(name)
            .cloned()
            .ok_or_else(|| DraftError::MissingVar(name.clone()))?
    } else if let Some(schema) = &spec.gen {
        let ctx = GenContext { vars, ..env.gen };
        generate(schema, &ctx, ch)?
    } else if let Some(pool) = &spec.pool {
        env.gen.pool.next(pool).map_err(|e| {
            DraftError::Op(format!("{e}: add values to the fixture or run fewer cases"))
        })?
    } else {
        Value::Null
    };
    if let Some(name) = &spec.as_var {
        vars.insert(name.clone(), value.clone());
    }
    Ok(value)
}

impl Draft {
    /// The value at a location, if present.
    pub fn get(&self, location: &Location) -> Option<Value> {
        match (location, &self.body) {
            (Location::Body(pointer), DraftBody::Json(v)) => v.pointer(pointer).cloned(),
            (Location::Body(_) | Location::Form(_), DraftBody::Form(m)) => {
                m.get(location.form_field()?).cloned()
            }
            (Location::Query(name), _) => self
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v.clone())),
            (Location::Header(name), _) => self
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Value::String(v.clone())),
            (Location::Path(name), _) => {
                self.path_params.get(name).map(|v| Value::String(v.clone()))
            }
            _ => None,
        }
    }

    /// Sets the value at a location (creating JSON objects on the way).
    pub fn set(&mut self, location: &Location, value: Value) -> Result<(), DraftError> {
        match location {
            Location::Body(_) | Location::Form(_) => {
                let name = location.name();
                match &mut self.body {
                    DraftBody::Json(root) => set_pointer(root, name, value).map_err(DraftError::Op),
                    DraftBody::Form(m) => {
                        m.insert(name.trim_start_matches('/').to_string(), value);
                        Ok(())
                    }
                    DraftBody::None => {
                        let mut root = Value::Object(Map::new());
                        set_pointer(&mut root, name, value).map_err(DraftError::Op)?;
                        self.body = DraftBody::Json(root);
                        Ok(())
                    }
                    DraftBody::Raw(_) => Err(DraftError::Op(format!(
                        "cannot set {location} in a raw body"
                    ))),
                }
            }
            Location::Query(name) => {
                self.query.retain(|(k, _)| k != name);
                self.query.push((name.to_string(), scalar_text(&value)));
                Ok(())
            }
            Location::Header(name) => {
                self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                self.headers.push((name.to_string(), scalar_text(&value)));
                Ok(())
            }
            Location::Path(name) => {
                self.path_params
                    .insert(name.to_string(), scalar_text(&value));
                Ok(())
            }
        }
    }

    /// Removes the value at a location; whether there was one.
    pub fn remove(&mut self, location: &Location) -> bool {
        match location {
            Location::Body(_) | Location::Form(_) => {
                let name = location.name();
                match &mut self.body {
                    DraftBody::Json(root) => remove_pointer(root, name),
                    DraftBody::Form(m) => m.remove(name.trim_start_matches('/')).is_some(),
                    _ => false,
                }
            }
            Location::Query(name) => {
                let before = self.query.len();
                self.query.retain(|(k, _)| k != name);
                before != self.query.len()
            }
            Location::Header(name) => {
                let before = self.headers.len();
                self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                before != self.headers.len()
            }
            Location::Path(_) => false,
        }
    }

    /// The concrete path (base path and parameters filled in, percent-encoded).
    pub fn concrete_path(&self, base_path: &str) -> String {
        let mut path = self.path.clone();
        for (name, value) in &self.path_params {
            path = path.replace(&format!("{{{name}}}"), &percent_encode(value));
        }
        format!("{base_path}{path}")
    }

    /// Authenticates and serializes the draft. `url_base` is what the target sees as
    /// scheme and authority (`http://localhost` in-process), used for OAuth signatures.
    pub fn finish(
        &self,
        vendor: &Vendor,
        env: &DraftEnv<'_>,
        url_base: &str,
        nonce: &str,
        now_secs: u64,
    ) -> Result<Request, DraftError> {
        let path = self.concrete_path(&vendor.base_path);
        let mut req = Request::new(&self.method, &path);
        req.query = self.query.clone();
        for (k, v) in &self.headers {
            req.set_header(k, v);
        }
        let mut form_pairs: Option<Vec<(String, String)>> = None;
        match &self.body {
            DraftBody::None => {}
            DraftBody::Json(v) => {
                req.body = serde_json::to_vec(v).unwrap_or_default();
                req.set_header("Content-Type", "application/json");
            }
            DraftBody::Form(m) => {
                form_pairs = Some(m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect());
            }
            DraftBody::Raw(bytes) => {
                req.body = bytes.clone();
                let ct = match self.encoding {
                    Some(Encoding::Form) => "application/x-www-form-urlencoded",
                    _ => "application/json",
                };
                req.set_header("Content-Type", ct);
            }
        }
        if self.auth {
            match &vendor.auth {
                Auth::None => {}
                Auth::Bearer { token } => {
                    let token = match &self.credentials {
                        Credentials::Normal => Some(scalar_text(&fixture(env, token)?)),
                        Credentials::None => None,
                        Credentials::Invalid => Some(format!("confuzz-invalid-{nonce}")),
                        Credentials::Token(t) => Some(t.clone()),
                        Credentials::Keys { key, .. } => Some(key.clone()),
                    };
                    if let Some(t) = token {
                        req.set_header("Authorization", &format!("Bearer {t}"));
                    }
                }
                Auth::Oauth1 {
                    consumer_key,
                    consumer_secret,
                    ..
                } => {
                    let keys = match &self.credentials {
                        Credentials::Normal => Some((
                            scalar_text(&fixture(env, consumer_key)?),
                            scalar_text(&fixture(env, consumer_secret)?),
                        )),
                        Credentials::None => None,
                        Credentials::Invalid => Some((
                            format!("confuzz-unknown-{nonce}"),
                            "confuzz-unknown-secret".to_string(),
                        )),
                        Credentials::Keys { key, secret } => Some((key.clone(), secret.clone())),
                        Credentials::Token(t) => Some((t.clone(), String::new())),
                    };
                    let body_pairs = form_pairs.clone().unwrap_or_default();
                    if let Some((key, secret)) = keys {
                        let mut params = body_pairs.clone();
                        params.extend(self.query.iter().cloned());
                        let url = format!("{url_base}{path}");
                        let stale = self.tamper.contains(&OauthTamper::StaleTimestamp);
                        let timestamp = if stale {
                            now_secs.saturating_sub(301 + (nonce.len() as u64 % 600))
                        } else {
                            now_secs
                        };
                        let mut signed = env.oauth1.sign(
                            &self.method,
                            &url,
                            &params,
                            &key,
                            &secret,
                            nonce,
                            timestamp,
                        );
                        if self.tamper.contains(&OauthTamper::MissingTimestamp) {
                            signed.retain(|(k, _)| {
                                k != "oauth_timestamp" && k != oauth1::SIGNATURE_PARAM
                            });
                            signed =
                                env.oauth1
                                    .with_signature(&self.method, &url, &signed, &secret);
                        }
                        if self.tamper.contains(&OauthTamper::BadSignature) {
                            for (k, v) in signed.iter_mut() {
                                if k == oauth1::SIGNATURE_PARAM {
                                    *v = tamper_signature(v);
                                }
                            }
                        }
                        let query_keys: Vec<&(String, String)> = self.query.iter().collect();
                        let body: Vec<(String, String)> = signed
                            .into_iter()
                            .filter(|p| !query_keys.contains(&p))
                            .collect();
                        form_pairs = Some(body);
                    }
                }
            }
        }
        if let Some(pairs) = form_pairs {
            req.body = encode_form(&pairs).into_bytes();
            req.set_header("Content-Type", "application/x-www-form-urlencoded");
        }
        Ok(req)
    }
}

/// Flips one character of a base64 signature so it stays well-formed but wrong.
fn tamper_signature(sig: &str) -> String {
    let mut chars: Vec<char> = sig.chars().collect();
    if let Some(c) = chars.first_mut() {
        *c = if *c == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn set_pointer(root: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    if pointer.is_empty() || pointer == "/" {
        *root = value;
        return Ok(());
    }
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    set_tokens(root, &tokens, value, pointer)
}

fn set_tokens(
    node: &mut Value,
    tokens: &[String],
    value: Value,
    pointer: &str,
) -> Result<(), String> {
    let Some((first, rest)) = tokens.split_first() else {
        *node = value;
        return Ok(());
    };
    if !node.is_object() && !node.is_array() {
        *node = Value::Object(Map::new());
    }
    match node {
        Value::Object(map) => {
            let child = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            set_tokens(child, rest, value, pointer)
        }
        Value::Array(items) => {
            let idx: usize = first
                .parse()
                .map_err(|_| format!("`{first}` is not an array index in {pointer}"))?;
            if idx >= items.len() {
                items.resize(idx + 1, Value::Null);
            }
            set_tokens(&mut items[idx], rest, value, pointer)
        }
        _ => Err(format!("cannot set {pointer}")),
    }
}

fn remove_pointer(root: &mut Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let last = unescape(last);
    let target = if parent.is_empty() {
        Some(root)
    } else {
        root.pointer_mut(parent)
    };
    match target {
        Some(Value::Object(map)) => map.shift_remove(&last).is_some(),
        Some(Value::Array(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// A value of another JSON type than `current`, chosen by the choice stream.
fn other_type(current: Option<&Value>, ch: &mut Choices<'_>) -> Value {
    let options = [
        Value::from(12345),
        Value::Bool(true),
        Value::Array(vec![Value::from("x")]),
        Value::Object(Map::new()),
        Value::String("confuzz".into()),
    ];
    let same = |a: &Value, b: &Value| {
        std::mem::discriminant(a) == std::mem::discriminant(b) || (a.is_number() && b.is_number())
    };
    let candidates: Vec<&Value> = options
        .iter()
        .filter(|o| current.is_none_or(|c| !same(o, c)))
        .collect();
    let idx = ch.below(candidates.len() as u64) as usize;
    candidates
        .get(idx)
        .map(|v| (*v).clone())
        .unwrap_or(Value::from(12345))
}

/// Applies one operator to a draft, recording variables (`removed`, `as:` names).
pub fn apply_op(
    draft: &mut Draft,
    op: &Op,
    env: &DraftEnv<'_>,
    vars: &mut BTreeMap<String, Value>,
    ch: &mut Choices<'_>,
) -> Result<(), DraftError> {
    match op {
        Op::Remove(locations) => {
            for loc in locations {
                draft.remove(loc);
            }
            record_removed(vars, locations);
        }
        Op::RemoveSome(locations) => {
            let mut chosen: Vec<Location> =
                locations.iter().filter(|_| ch.bool()).cloned().collect();
            if chosen.is_empty() {
                let idx = ch.below(locations.len() as u64) as usize;
                if let Some(loc) = locations.get(idx) {
                    chosen.push(loc.clone());
                }
            }
            for loc in &chosen {
                draft.remove(loc);
            }
            record_removed(vars, &chosen);
        }
        Op::Set(map) => {
            for (loc, spec) in map {
                let value = resolve(spec, env, vars, ch)?;
                draft.set(loc, value)?;
            }
        }
        Op::WrongType(locations) => {
            for loc in locations {
                let current = draft.get(loc);
                let value = other_type(current.as_ref(), ch);
                draft.set(loc, value)?;
            }
        }
        Op::RawBody(raw) => {
            let text = match raw {
                RawBody::Literal(text) => text.clone(),
                RawBody::Template { template, vars: vs } => {
                    let mut text = template.clone();
                    for (name, spec) in vs {
                        let value = resolve(spec, env, vars, ch)?;
                        vars.insert(name.clone(), value.clone());
                        text = text.replace(&format!("${{{name}}}"), &scalar_text(&value));
                    }
                    text
                }
            };
            draft.body = DraftBody::Raw(text.into_bytes());
        }
        Op::Method(m) => draft.method = m.clone(),
        Op::Auth(change) => {
            draft.credentials = match change {
                AuthChange::Mode(m) if m == "none" => Credentials::None,
                AuthChange::Mode(_) => Credentials::Invalid,
                AuthChange::Token { token } => {
                    Credentials::Token(scalar_text(&fixture(env, token)?))
                }
                AuthChange::Keys {
                    consumer_key,
                    consumer_secret,
                } => Credentials::Keys {
                    key: scalar_text(&fixture(env, consumer_key)?),
                    secret: scalar_text(&fixture(env, consumer_secret)?),
                },
            }
        }
        Op::Fault(name) => {
            if let Some(faults) = env.faults {
                if !faults.iter().any(|f| f == name) {
                    return Err(DraftError::MissingFault(name.clone()));
                }
            }
            draft
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case(FAULT_HEADER));
            draft.headers.push((FAULT_HEADER.to_string(), name.clone()));
        }
        Op::Header(map) => {
            for (k, v) in map {
                draft.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
                draft.headers.push((k.clone(), v.clone()));
            }
        }
        Op::Oauth(t) => draft.tamper.push(*t),
    }
    Ok(())
}

fn record_removed(vars: &mut BTreeMap<String, Value>, locations: &[Location]) {
    let entry = vars
        .entry("removed".to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = entry {
        // A field removed twice (by two operators) is still one missing field.
        for l in locations {
            let l = Value::String(l.to_string());
            if !items.contains(&l) {
                items.push(l);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_set_and_remove() {
        let mut v = json!({"a": {"b": 1}, "c": [1, 2]});
        set_pointer(&mut v, "/a/d", json!("x")).unwrap();
        set_pointer(&mut v, "/e/f", json!(null)).unwrap();
        set_pointer(&mut v, "/c/3", json!(4)).unwrap();
        assert_eq!(
            v,
            json!({"a": {"b": 1, "d": "x"}, "c": [1, 2, null, 4], "e": {"f": null}})
        );
        assert!(remove_pointer(&mut v, "/a/b"));
        assert!(!remove_pointer(&mut v, "/a/zz"));
        assert!(remove_pointer(&mut v, "/c/0"));
        assert_eq!(
            v,
            json!({"a": {"d": "x"}, "c": [2, null, 4], "e": {"f": null}})
        );
    }

    #[test]
    fn wrong_type_never_keeps_the_type() {
        for seed in 0..20u64 {
            let seq = [seed];
            let mut ch = Choices::new(&seq);
            let v = other_type(Some(&json!("s")), &mut ch);
            assert!(!v.is_string());
            let mut ch = Choices::new(&seq);
            let v = other_type(Some(&json!(3)), &mut ch);
            assert!(!v.is_number());
        }
    }
}
