//! The bodies of the coverage-guided fuzz targets (`fuzz/`, run by `cargo fuzz`), as library
//! functions, so that `cargo test` replays the committed corpus and regression inputs through
//! exactly the code libFuzzer runs (`tests/fuzz_replay.rs`). This module builds without the
//! default features.
//!
//! Each target takes arbitrary bytes. [`check`] returns the property a target found violated
//! (an `Err` with the evidence); the `fuzz_targets/*.rs` files call [`run`], which panics with
//! that evidence so that libFuzzer records the input. A panic inside the library is a finding
//! too. The targets (see [`target_names`]):
//!
//! | target | input | property |
//! | --- | --- | --- |
//! | `spec_loader` | a spec file's text | an error list (each with file and fix) or a spec the oracle and lint accept |
//! | `template` | a message template, values, a text | a rendered message matches its own template |
//! | `oauth1` | a request's parameters and secrets | a signed request verifies, a tampered one or another secret does not |
//! | `oracle` | an arbitrary answer and a row | judged and classified; an answer that passes a row is documented |
//! | `reference_<vendor>` | a script of requests to a fresh reference | every answer is a success, a documented row or a documented generic answer |
//!
//! Not for: generating seeds (see [`seeds`]) or running libFuzzer (`scripts/nightly-fuzz.sh`).

pub mod codec;
pub mod seeds;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::auth::oauth1::{self, Convention};
use crate::check::{CaseRecord, Oracle, Outcome};
use crate::reference::{self, Config, Reference};
use crate::spec::template::{Case, Template};
use crate::spec::{load_embedded, load_str, Auth, LoadedSpec, SpecSet, VendorSpec};
use crate::target::{decode_form, encode_form, Request, Response};

/// The targets that do not depend on a vendor; each vendor of the embedded reference adds
/// `reference_<vendor>`.
pub const FIXED_TARGETS: &[&str] = &["spec_loader", "template", "oauth1", "oracle"];

/// The prefix of the per-vendor reference targets.
pub const REFERENCE_PREFIX: &str = "reference_";

/// Every fuzz target, by the name of its `fuzz/fuzz_targets/<name>.rs` file.
pub fn target_names() -> Vec<String> {
    FIXED_TARGETS
        .iter()
        .map(|t| t.to_string())
        .chain(
            reference::vendor_ids()
                .into_iter()
                .map(|v| format!("{REFERENCE_PREFIX}{v}")),
        )
        .collect()
}

/// Runs one input through the named target: `Err` with the evidence when a property fails
/// ([`FuzzError::Violated`]). An unknown target name is an `Err` too.
pub fn check(target: &str, data: &[u8]) -> Result<(), FuzzError> {
    let violated = match target {
        "spec_loader" => spec_loader(data),
        "template" => template(data),
        "oauth1" => oauth(data),
        "oracle" => oracle(data),
        other => match other.strip_prefix(REFERENCE_PREFIX) {
            Some(vendor) if reference::vendor_ids().contains(&vendor) => {
                return reference_script(vendor, data)
            }
            _ => {
                return Err(FuzzError::UnknownTarget {
                    name: target.to_string(),
                    known: target_names(),
                })
            }
        },
    };
    violated.map_err(FuzzError::Violated)
}

/// Why a fuzz target's check (or the making of its seeds) did not pass.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FuzzError {
    /// The input broke the target's property: the evidence, in words.
    #[error("{0}")]
    Violated(String),
    /// No target has that name.
    #[error("unknown fuzz target `{name}`; the targets are: {}", .known.join(", "))]
    UnknownTarget { name: String, known: Vec<String> },
    /// No embedded spec for the vendor.
    #[error("no spec for vendor `{0}`")]
    NoSpec(String),
    /// No embedded reference for the vendor.
    #[error(transparent)]
    NoReference(#[from] crate::spec::UnknownName),
    /// The embedded specs do not load.
    #[error(transparent)]
    Specs(#[from] crate::spec::SpecErrors),
}

/// [`check`] for libFuzzer: panics with the evidence when a property fails.
pub fn run(target: &str, data: &[u8]) {
    if let Err(evidence) = check(target, data) {
        panic!("fuzz target `{target}`: {evidence}");
    }
}

struct Shared {
    set: SpecSet,
    oracle: Oracle,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        // The embedded specs are checked at build time and by the test suite.
        let set = load_embedded().unwrap_or_else(|e| panic!("the embedded specs load: {e}"));
        let oracle = Oracle::new(&set);
        Shared { set, oracle }
    })
}

/// The spec loader: arbitrary text is an error list or a spec; never a panic.
fn spec_loader(data: &[u8]) -> Result<(), String> {
    const FILE: &str = "fuzz.yaml";
    let text = String::from_utf8_lossy(data);
    match load_str(FILE, &text) {
        Ok(loaded) => {
            // A loaded spec is usable: it compiles for judging, lints, and judges an answer.
            let set = SpecSet {
                specs: vec![LoadedSpec {
                    file: loaded.file,
                    spec: loaded.spec,
                }],
            };
            let oracle = Oracle::new(&set);
            let _ = crate::spec::lint::lint(&set);
            let spec = &set.specs[0].spec;
            let _ = oracle.classify(spec, &Response::json(400, &Value::Null));
            Ok(())
        }
        Err(errors) => {
            if errors.0.is_empty() {
                return Err("the loader failed without saying why".into());
            }
            match errors
                .0
                .iter()
                .find(|e| e.file != FILE || e.message.is_empty())
            {
                Some(e) => Err(format!("a load error without its file or message: {e:?}")),
                None => Ok(()),
            }
        }
    }
}

/// The message-template matcher: a message rendered from a template matches it, in both
/// cases and with an optional tail; arbitrary text is matched or not, never a panic.
fn template(data: &[u8]) -> Result<(), String> {
    let input = codec::decode_template(data);
    let Ok(template) = Template::parse(&input.template) else {
        return Ok(());
    };
    let names: Vec<String> = template
        .placeholders()
        .into_iter()
        .map(str::to_string)
        .collect();
    let values: BTreeMap<String, String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), input.values.get(i).cloned().unwrap_or_default()))
        .collect();
    let rendered = template.render(&values);
    for (case, tail) in [
        (Case::Sensitive, false),
        (Case::Insensitive, false),
        (Case::Sensitive, true),
    ] {
        let matcher = template.compile(case, &|_| tail);
        let _ = matcher.captures(&input.observed);
        if matcher.captures(&rendered).is_none() {
            return Err(format!(
                "the message {rendered:?}, rendered from the template {:?} with {values:?}, \
                 does not match it ({case:?}, optional tail {tail})",
                input.template
            ));
        }
    }
    Ok(())
}

/// OAuth 1.0a, under every convention: what `sign` signs `verify` accepts; another secret,
/// an added parameter or another parameter order never change that verdict wrongly.
fn oauth(data: &[u8]) -> Result<(), String> {
    let input = codec::decode_oauth(data);
    for convention in Convention::ALL {
        let signed = convention.sign(
            &input.method,
            &input.url,
            &input.params,
            &input.consumer_key,
            &input.consumer_secret,
            &input.nonce,
            input.timestamp,
        );
        let verify = |params: &[(String, String)], secret: &str| {
            convention.verify(&input.method, &input.url, params, secret, "")
        };
        // Whatever the fuzzer put in the parameters (its own signature included) is judged.
        let _ = verify(&input.params, &input.consumer_secret);
        if !verify(&signed, &input.consumer_secret) {
            return Err(format!(
                "a request signed per {convention} does not verify: {input:?}"
            ));
        }
        if input.other_secret != input.consumer_secret && verify(&signed, &input.other_secret) {
            return Err(format!(
                "a request signed per {convention} verifies with another secret: {input:?}"
            ));
        }
        let mut reversed = signed.clone();
        reversed.reverse();
        if !verify(&reversed, &input.consumer_secret) {
            return Err(format!(
                "the parameter order changes the {convention} signature: {input:?}"
            ));
        }
        let mut tampered = signed.clone();
        tampered.push(("confuzz_added".into(), input.nonce.clone()));
        if verify(&tampered, &input.consumer_secret) {
            return Err(format!(
                "an added parameter still verifies per {convention}: {input:?}"
            ));
        }
    }
    Ok(())
}

/// The oracle: any answer is judged against any row without a panic; an answer that passes
/// a row cleanly is classified as documented, and classification names a row of the spec.
fn oracle(data: &[u8]) -> Result<(), String> {
    let input = codec::decode_oracle(data);
    let shared = shared();
    let specs = &shared.set.specs;
    if specs.is_empty() {
        return Ok(());
    }
    let spec = &specs[usize::from(input.vendor) % specs.len()].spec;
    let row = &spec.rows[usize::from(input.row) % spec.rows.len()];
    let response = &input.response;
    let record = CaseRecord::default();
    let verdict = shared.oracle.check_row(spec, row, &record, response, false);
    let classified = shared.oracle.classify(spec, response);
    if let Some(id) = &classified {
        if spec.row(id).is_none() {
            return Err(format!("classified as `{id}`, which is no row of the spec"));
        }
    }
    if verdict.outcome == Outcome::Pass && verdict.mismatches.is_empty() && classified.is_none() {
        return Err(format!(
            "the answer passes row `{}` (reading `{}`) but is classified as undocumented: {response:?}",
            row.id, verdict.reading
        ));
    }
    if let Some(id) = shared.oracle.generic_answer(spec, response) {
        if !spec.generic.iter().any(|g| g.id == id) {
            return Err(format!("generic answer `{id}` is not in the spec"));
        }
    }
    Ok(())
}

/// A reference implementation driven by a script of requests: no panic, and every answer to
/// a path the vendor serves is a success, a documented row or a documented generic answer.
fn reference_script(vendor: &str, data: &[u8]) -> Result<(), FuzzError> {
    check_reference(Config::default(), vendor, data)
}

/// The `reference_<vendor>` property against a reference started with `config` (a mutant of
/// the catalog, to show that the property catches a deviation).
pub fn check_reference(config: Config, vendor: &str, data: &[u8]) -> Result<(), FuzzError> {
    let shared = shared();
    let Some(spec) = shared.set.vendor(vendor) else {
        return Err(FuzzError::NoSpec(vendor.to_string()));
    };
    for (i, (request, response, served)) in replay_script(config, vendor, data)?.iter().enumerate()
    {
        if !served || is_success(spec, response.status) {
            continue;
        }
        if shared.oracle.is_documented(spec, response)
            || shared.oracle.generic_answer(spec, response).is_some()
        {
            continue;
        }
        return Err(FuzzError::Violated(format!(
            "request {} of the script got an answer that is neither a success, a documented \
             row nor a generic answer of `{vendor}`\n  request: {} {}{}\n  headers: {:?}\n  \
             body: {}\n  answer: {} {}",
            i + 1,
            request.method,
            request.path,
            query_text(request),
            request.headers,
            String::from_utf8_lossy(&request.body),
            response.status,
            String::from_utf8_lossy(&response.body)
        )));
    }
    Ok(())
}

/// Sends a decoded script to a fresh reference of one vendor: each request as sent (back-
/// references resolved, re-signed), its answer, and whether the vendor serves its path.
pub fn replay_script(
    config: Config,
    vendor: &str,
    data: &[u8],
) -> Result<Vec<(Request, Response, bool)>, FuzzError> {
    let shared = shared();
    let Some(spec) = shared.set.vendor(vendor) else {
        return Err(FuzzError::NoSpec(vendor.to_string()));
    };
    let reference = Reference::with_vendors(config, &[vendor.to_string()])?;
    let fixtures = reference.fixtures();
    let mut captured = Vec::new();
    let mut out = Vec::new();
    for scripted in codec::decode_script(data) {
        let resolved = codec::resolve(&scripted.request, &captured);
        let request = prepare(
            spec,
            &fixtures,
            reference.oauth1_convention(vendor),
            scripted.flags,
            &resolved,
        );
        let response = reference.handle(&request);
        codec::capture(&response, &mut captured);
        let served = reference.serves(&request.path);
        out.push((request, response, served));
    }
    Ok(out)
}

fn query_text(request: &Request) -> String {
    if request.query.is_empty() {
        String::new()
    } else {
        format!("?{}", encode_form(&request.query))
    }
}

/// A status some endpoint documents as success, or any 2xx.
fn is_success(spec: &VendorSpec, status: u16) -> bool {
    (200..300).contains(&status) || spec.endpoints.iter().any(|e| e.success.contains(&status))
}

/// The string fixtures of a reference, in name order: what [`codec::flags`] index.
pub fn string_fixtures(fixtures: &Map<String, Value>) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = fixtures
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .collect();
    out.sort();
    out
}

/// The request as sent: re-signed when its flags ask for it and the vendor signs with
/// OAuth 1.0a (the signature covers the form body and the query; `Host` names the URL).
fn prepare(
    spec: &VendorSpec,
    fixtures: &Map<String, Value>,
    convention: Convention,
    flags: u8,
    request: &Request,
) -> Request {
    let mut request = request.clone();
    if flags & codec::flags::SIGN == 0 || !matches!(spec.vendor.auth, Auth::Oauth1 { .. }) {
        return request;
    }
    let strings = string_fixtures(fixtures);
    let index = usize::from(flags >> codec::flags::SECRET_SHIFT);
    let Some((_, secret)) = strings.get(index % strings.len().max(1)) else {
        return request;
    };
    let mut body: Vec<(String, String)> = decode_form(&request.body)
        .into_iter()
        .filter(|(k, _)| k != oauth1::SIGNATURE_PARAM)
        .collect();
    if flags & codec::flags::FRESH_TIMESTAMP != 0 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for (k, v) in body.iter_mut() {
            if k == "oauth_timestamp" {
                *v = now.to_string();
            }
        }
    }
    let mut params: Vec<(String, String)> = request
        .query
        .iter()
        .filter(|(k, _)| k != oauth1::SIGNATURE_PARAM)
        .cloned()
        .collect();
    let from_query = params.len();
    params.append(&mut body);
    let url = format!(
        "http://{}{}",
        request.header("Host").unwrap_or("localhost"),
        request.path
    );
    let signed = convention.with_signature(&request.method, &url, &params, secret);
    request.body = encode_form(&signed[from_query..]).into_bytes();
    request
}
