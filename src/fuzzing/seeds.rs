//! The main function here is [`generate`]: the seed corpora and dictionaries of the fuzz
//! targets, built from the specs so that they stay in sync with them and the fuzzer starts
//! deep. `tests/fuzz_replay.rs` compares them with `fuzz/seeds/` and `fuzz/dict/` (and writes
//! them with `CONFUZZ_WRITE_FUZZ_SEEDS=1`).
//!
//! - `reference_<vendor>`: per row, the script of requests that provokes it (setup steps, then
//!   the mutated request, with its simplest choices) and the valid request to the same
//!   endpoint; built against a fresh embedded reference, with a fixed clock, so the bytes are
//!   the same on every run.
//! - `oracle`: per row, the reference's error answer to that script.
//! - `spec_loader`: per vendor a fragment (the vendor, the endpoints one row needs, that row)
//!   as JSON. The shipped spec files themselves are seeds too, read from `specs/` where they
//!   are (the nightly script and the replay test pass that folder), so editing a spec does
//!   not make a copy stale.
//! - `template`: every documented message template, rendered with example values.
//! - `oauth1`: the signed requests of the vendors whose auth is OAuth 1.0a.
//!
//! Not for: running targets (see the parent module).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use super::codec::{self, flags, OauthInput, OracleInput, ScriptedRequest, TemplateInput};
use super::{string_fixtures, FuzzError, REFERENCE_PREFIX};
use crate::auth::oauth1::Convention;
use crate::exec::case::{execute, execute_valid, CaseEnv};
use crate::generate::{Pool, UniqueCounter};
use crate::reference::{Config, Reference};
use crate::spec::{load_embedded, Auth, Op, RawBody, SpecSet, Step, VendorSpec};
use crate::target::FAULT_HEADER;
use crate::target::{decode_form, Request, Response, Target, TargetError};

/// One generated file, relative to the fuzz folder (`seeds/<target>/<name>`,
/// `dict/<target>.dict`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The clock of generated requests (dates relative to now, OAuth timestamps): fixed, so the
/// seeds are reproducible; re-signed OAuth requests get the current time when replayed.
pub const SEED_CLOCK: &str = "2030-01-01T00:00:00Z";

/// [`SEED_CLOCK`] as a time: a constant of this file, not an input, so it always parses.
fn seed_clock() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(SEED_CLOCK)
        .expect("SEED_CLOCK is an RFC 3339 time")
        .with_timezone(&chrono::Utc)
}

/// Values from earlier answers at least this long are written as back-references in seeds
/// (shorter ones, such as `a` or `true`, would match by accident).
const MIN_REFERENCE: usize = 8;

/// A target that records what it is sent and answers from a reference.
struct Recorder {
    inner: Reference,
    sent: Mutex<Vec<(Request, Response)>>,
}

impl Target for Recorder {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let response = self.inner.handle(request);
        if let Ok(mut sent) = self.sent.lock() {
            sent.push((request.clone(), response.clone()));
        }
        Ok(response)
    }

    fn describe(&self) -> String {
        "seed recorder".into()
    }
}

/// Every seed file and dictionary, from the embedded specs and reference.
pub fn generate() -> Result<Vec<SeedFile>, FuzzError> {
    generate_for(&load_embedded()?)
}

/// Every seed file and dictionary for these specs (vendors without an embedded reference get
/// loader and template seeds only).
pub fn generate_for(set: &SpecSet) -> Result<Vec<SeedFile>, FuzzError> {
    let mut out = Vec::new();
    let now = seed_clock();
    let vendors = crate::reference::vendor_ids();
    for (index, loaded) in set.specs.iter().enumerate() {
        let spec = &loaded.spec;
        let id = spec.vendor.id.as_str();
        if vendors.contains(&id) {
            reference_seeds(spec, index, now, &mut out)?;
        }
        out.push(SeedFile {
            path: format!("seeds/spec_loader/{id}-fragment.json"),
            bytes: fragment(spec),
        });
        template_seeds(spec, &mut out);
    }
    out.extend(dictionaries(set));
    dedupe(&mut out);
    Ok(out)
}

/// Identical inputs of one target are kept once (the first name wins).
fn dedupe(files: &mut Vec<SeedFile>) {
    let mut seen = BTreeSet::new();
    files.retain(|f| {
        let target = f
            .path
            .rsplit_once('/')
            .map_or("", |(dir, _)| dir)
            .to_string();
        seen.insert((target, f.bytes.clone()))
    });
}

fn reference_seeds(
    spec: &VendorSpec,
    vendor_index: usize,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut Vec<SeedFile>,
) -> Result<(), FuzzError> {
    let id = &spec.vendor.id;
    let target = format!("{REFERENCE_PREFIX}{id}");
    for (row_index, row) in spec.rows.iter().enumerate() {
        let slug = row.id.strip_prefix(&format!("{id}.")).unwrap_or(&row.id);
        for valid in [false, true] {
            let recorder = Recorder {
                inner: Reference::with_vendors(Config::default(), std::slice::from_ref(id))?,
                sent: Mutex::new(Vec::new()),
            };
            let fixtures = recorder.inner.fixtures();
            let pool = Pool::new(&fixtures);
            let unique = UniqueCounter::new();
            // The reference verifies as its vendor does: sign its requests that way.
            let convention = recorder.inner.oauth1_convention(id);
            let signing = std::collections::BTreeMap::from([(id.clone(), convention)]);
            let env = CaseEnv {
                target: &recorder,
                fixtures: &fixtures,
                run_prefix: "fz",
                pool: &pool,
                unique: &unique,
                url_base: "http://localhost",
                host: Some("localhost"),
                faults: None,
                clock: crate::target::Clock::fixed(now),
                signing: &signing,
            };
            let ran = if valid {
                let endpoint = row
                    .trigger_endpoint()
                    .and_then(|e| spec.endpoints.iter().find(|x| x.id == e));
                match endpoint {
                    Some(endpoint) => execute_valid(&env, spec, endpoint, &[]).is_ok(),
                    None => false,
                }
            } else {
                execute(&env, spec, row, &[]).is_ok()
            };
            let sent = recorder.sent.into_inner().unwrap_or_default();
            if !ran || sent.is_empty() || sent.len() > codec::MAX_REQUESTS {
                continue;
            }
            let mut captured = Vec::new();
            let mut script = Vec::new();
            for (request, response) in &sent {
                let mut step = scripted(spec, &fixtures, convention, request, now.timestamp());
                step.request = codec::abstract_request(&step.request, &captured, MIN_REFERENCE);
                script.push(step);
                codec::capture(response, &mut captured);
            }
            let kind = if valid { "valid" } else { "mutated" };
            out.push(SeedFile {
                path: format!("seeds/{target}/{slug}.{kind}"),
                bytes: codec::encode_script(&script),
            });
            if !valid {
                if let Some((request, response)) = sent.last() {
                    // Only error answers: a success may carry an id the target chose at random.
                    if response.status >= 400 {
                        out.push(SeedFile {
                            path: format!("seeds/oracle/{}", row.id),
                            bytes: codec::encode_oracle(&OracleInput {
                                vendor: vendor_index as u8,
                                row: row_index as u16,
                                response: response.clone(),
                            }),
                        });
                    }
                    if let Some(input) = oauth_seed(spec, &fixtures, request) {
                        out.push(SeedFile {
                            path: format!("seeds/oauth1/{}", row.id),
                            bytes: codec::encode_oauth(&input),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// The scripted form of a recorded request: for OAuth 1.0a vendors, a request whose signature
/// verifies with one of the string fixtures is marked for re-signing with it (with a fresh
/// timestamp when its own was current), so mutations keep getting past the signature check.
fn scripted(
    spec: &VendorSpec,
    fixtures: &Map<String, Value>,
    convention: Convention,
    request: &Request,
    now: i64,
) -> ScriptedRequest {
    let mut out = ScriptedRequest {
        flags: 0,
        request: request.clone(),
    };
    if !matches!(spec.vendor.auth, Auth::Oauth1 { .. }) {
        return out;
    }
    let mut params = request.query.clone();
    let body = decode_form(&request.body);
    params.extend(body.iter().cloned());
    let url = format!(
        "http://{}{}",
        request.header("Host").unwrap_or("localhost"),
        request.path
    );
    let strings = string_fixtures(fixtures);
    let Some(index) = strings
        .iter()
        .position(|(_, secret)| convention.verify(&request.method, &url, &params, secret, ""))
    else {
        return out;
    };
    let Ok(index) = u8::try_from(index) else {
        return out;
    };
    let fresh = body
        .iter()
        .find(|(k, _)| k == "oauth_timestamp")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .is_some_and(|t| (t - now).abs() <= 60);
    out.flags = flags::SIGN
        | if fresh { flags::FRESH_TIMESTAMP } else { 0 }
        | (index << flags::SECRET_SHIFT);
    out
}

/// The OAuth 1.0a parameters of a signed request, with the secret that verifies them.
fn oauth_seed(
    spec: &VendorSpec,
    fixtures: &Map<String, Value>,
    request: &Request,
) -> Option<OauthInput> {
    let Auth::Oauth1 {
        consumer_key,
        consumer_secret,
        ..
    } = &spec.vendor.auth
    else {
        return None;
    };
    let key = fixtures.get(consumer_key)?.as_str()?;
    let secret = fixtures.get(consumer_secret)?.as_str()?;
    let params: Vec<(String, String)> = decode_form(&request.body)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("oauth_"))
        .collect();
    Some(OauthInput {
        method: request.method.clone(),
        url: format!("http://localhost{}", request.path),
        params,
        consumer_key: key.to_string(),
        consumer_secret: secret.to_string(),
        other_secret: format!("{secret}x"),
        nonce: "seed-nonce".into(),
        timestamp: 1_893_456_000,
    })
}

/// The vendor, the endpoints the first row needs and that row, as JSON.
fn fragment(spec: &VendorSpec) -> Vec<u8> {
    let Some(row) = spec.rows.first() else {
        return Vec::new();
    };
    let mut needed: BTreeSet<&str> = row.endpoints.iter().map(String::as_str).collect();
    if let Some(trigger) = &row.trigger {
        collect_steps(&trigger.setup, &mut needed);
    }
    for _ in 0..4 {
        let more: Vec<&Step> = spec
            .endpoints
            .iter()
            .filter(|e| needed.contains(e.id.as_str()))
            .flat_map(|e| e.setup.iter())
            .collect();
        for step in more {
            needed.insert(step.endpoint.as_str());
        }
    }
    let endpoints: Vec<Value> = spec
        .endpoints
        .iter()
        .filter(|e| needed.contains(e.id.as_str()))
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    let mut row_value = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Some(obj) = row_value.as_object_mut() {
        obj.remove("also_accept");
    }
    let text = json!({
        "format": spec.format,
        "vendor": spec.vendor,
        "endpoints": endpoints,
        "rows": [row_value],
    });
    serde_json::to_vec_pretty(&text).unwrap_or_default()
}

fn collect_steps<'a>(steps: &'a [Step], out: &mut BTreeSet<&'a str>) {
    for step in steps {
        out.insert(step.endpoint.as_str());
    }
}

/// Every documented message template (rows, alternatives, generic answers), rendered with an
/// example value per placeholder.
fn template_seeds(spec: &VendorSpec, out: &mut Vec<SeedFile>) {
    let mut templates: Vec<(String, String)> = Vec::new();
    for row in &spec.rows {
        if let Some(m) = &row.expect.message {
            templates.push((row.id.clone(), m.clone()));
        }
        for (i, alt) in row.alternatives.iter().enumerate() {
            if let Some(m) = &alt.message {
                templates.push((format!("{}#alt{}", row.id, i + 1), m.clone()));
            }
        }
    }
    for g in &spec.generic {
        if let Some(m) = &g.message {
            templates.push((format!("{}.generic.{}", spec.vendor.id, g.id), m.clone()));
        }
    }
    for (name, template) in templates {
        let count = template.matches("${").count();
        let values: Vec<String> = (0..count).map(|i| format!("value {i}, x")).collect();
        out.push(SeedFile {
            path: format!("seeds/template/{name}"),
            bytes: codec::encode_template(&TemplateInput {
                template: template.clone(),
                values,
                observed: template,
            }),
        });
    }
}

/// The dictionaries: tokens a fuzzer splices into inputs (field names, paths, methods,
/// headers, fixture values, messages, spec keys).
fn dictionaries(set: &SpecSet) -> Vec<SeedFile> {
    let mut out = Vec::new();
    let mut spec_keys = BTreeSet::new();
    let mut messages = BTreeSet::new();
    for loaded in &set.specs {
        let spec = &loaded.spec;
        if let Ok(value) = serde_json::to_value(spec) {
            collect_keys(&value, &mut spec_keys);
        }
        let mut tokens: BTreeSet<String> = [
            "GET",
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
            "Authorization",
            "Bearer ",
            "Content-Type",
            "application/json",
            "application/x-www-form-urlencoded",
            "Host",
            FAULT_HEADER,
            "null",
            "true",
            "false",
            "{}",
            "[]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for e in &spec.endpoints {
            tokens.insert(format!("{}{}", spec.vendor.base_path, e.path));
            for segment in e
                .path
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
            {
                tokens.insert(segment.to_string());
            }
            if let Ok(value) = serde_json::to_value(&e.body) {
                collect_fields(&value, &mut tokens);
            }
            if let Ok(value) = serde_json::to_value(&e.params) {
                collect_fields(&value, &mut tokens);
            }
        }
        for f in &spec.vendor.faults {
            tokens.insert(f.name.clone());
        }
        for row in &spec.rows {
            if let Some(trigger) = &row.trigger {
                for op in trigger.ops.iter().chain(trigger.variants.iter().flatten()) {
                    match op {
                        Op::RawBody(RawBody::Literal(text)) => {
                            tokens.insert(text.clone());
                        }
                        Op::RawBody(RawBody::Template { template, .. }) => {
                            tokens.insert(template.clone());
                        }
                        _ => {}
                    }
                }
            }
            if let Some(m) = &row.expect.message {
                messages.insert(m.clone());
            }
            if let Some(n) = &row.expect.name {
                messages.insert(n.clone());
            }
        }
        if let Ok(reference) =
            Reference::with_vendors(Config::default(), std::slice::from_ref(&spec.vendor.id))
        {
            for (_, value) in string_fixtures(&reference.fixtures()) {
                tokens.insert(value.to_string());
            }
            if matches!(spec.vendor.auth, Auth::Oauth1 { .. }) {
                for t in OAUTH_TOKENS {
                    tokens.insert(t.to_string());
                }
            }
            out.push(dict_file(
                &format!("{REFERENCE_PREFIX}{}", spec.vendor.id),
                &tokens,
            ));
        }
    }
    let loader: BTreeSet<String> = spec_keys
        .into_iter()
        .chain(["format: 1", "- ", ": ", "{ ", " }", "[", "]", "\"", "${"].map(String::from))
        .collect();
    out.push(dict_file("spec_loader", &loader));
    let mut template: BTreeSet<String> = ["${", "}", "$", " ", ": ", ".", ","]
        .iter()
        .map(|s| s.to_string())
        .collect();
    template.extend(messages.iter().cloned());
    out.push(dict_file("template", &template));
    let oauth: BTreeSet<String> = OAUTH_TOKENS
        .iter()
        .chain(&["POST", "GET", "http://localhost/", "&", "=", "%20", "+"])
        .map(|s| s.to_string())
        .collect();
    out.push(dict_file("oauth1", &oauth));
    let mut oracle: BTreeSet<String> = messages;
    oracle.extend(
        [
            "{\"error\":",
            "\"message\":",
            "\"code\":",
            "\"name\":",
            "\"status\":",
            "content-type",
        ]
        .map(String::from),
    );
    out.push(dict_file("oracle", &oracle));
    out
}

const OAUTH_TOKENS: &[&str] = &[
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_version",
    "HMAC-SHA1",
    "1.0",
];

/// Object keys of a JSON value, recursively.
fn collect_keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                out.insert(format!("{k}:"));
                collect_keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

/// Property names (as JSON keys) and enum values of the schemas in a JSON value.
fn collect_fields(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(o) => {
            if let Some(Value::Object(props)) = o.get("properties") {
                for k in props.keys() {
                    out.insert(format!("\"{k}\":"));
                    out.insert(format!("{k}="));
                    out.insert(k.clone());
                }
            }
            if let Some(Value::Array(values)) = o.get("enum") {
                for v in values {
                    out.insert(v.as_str().map_or_else(|| v.to_string(), str::to_string));
                }
            }
            o.values().for_each(|v| collect_fields(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_fields(v, out)),
        _ => {}
    }
}

/// A libFuzzer dictionary: one quoted token a line, with `\`, `"` and non-printable bytes
/// escaped as `\xNN`; empty and over-long tokens are left out.
fn dict_file(target: &str, tokens: &BTreeSet<String>) -> SeedFile {
    let mut text = format!("# {target}: generated from the specs (tests/fuzz_replay.rs)\n");
    let mut lines = BTreeMap::new();
    for token in tokens.iter().filter(|t| !t.is_empty() && t.len() <= 64) {
        let mut quoted = String::from("\"");
        for b in token.bytes() {
            match b {
                b'"' | b'\\' => quoted.push_str(&format!("\\x{b:02X}")),
                0x20..=0x7e => quoted.push(b as char),
                _ => quoted.push_str(&format!("\\x{b:02X}")),
            }
        }
        quoted.push('"');
        lines.insert(quoted, ());
    }
    for line in lines.keys() {
        text.push_str(line);
        text.push('\n');
    }
    SeedFile {
        path: format!("dict/{target}.dict"),
        bytes: text.into_bytes(),
    }
}
