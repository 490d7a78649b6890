//! The main function here is [`detect`]: which OAuth 1.0a convention a target verifies
//! signatures with, found before the rows, and the interop finding that goes with it.
//!
//! A spec whose auth is `oauth1` may declare `variants`: conventions other than RFC 5849 that a
//! target of its API may verify with. Where they matter (a parameter name that needs
//! encoding, a name that is a prefix of another, a secret with reserved characters) a request
//! signed one way is rejected by a verifier of the other. So before the rows, [`detect`] sends
//! one valid request per convention, each with parameters that make the conventions disagree
//! (names under the spec's `extension_prefix`, which the API ignores), and every later request
//! is signed the way the target accepted. A target that rejects the RFC 5849 request but
//! accepts a variant's is reported as an interop finding (`<vendor>.interop.oauth1`, assumed
//! provenance: a warning, a failure under `--strict`), never as the failure of a row.
//!
//! Not for: signing itself (`auth::oauth1`), or judging answers to rows (`check`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::runner::{case_prefix, rand_u64, rng_for, RowVerdict};
use crate::auth::oauth1::{Convention, SIGNATURE_PARAM};
use crate::check::result::{Cause, CheckResult};
use crate::exec::case::{CaseEnv, CaseError, Exchange, Session};
use crate::generate::choice::Choices;
use crate::generate::UniqueCounter;
use crate::spec::{Auth, Endpoint, Op, ValueSpec, VendorSpec};
use crate::target::{Request, Response};

/// The property name of the interop finding (`<vendor>.interop.oauth1`).
pub const INTEROP: &str = "interop";
/// The subject of the OAuth 1.0a interop finding.
pub const SUBJECT: &str = "oauth1";

/// What [`detect`] found for one vendor.
#[derive(Debug, Clone)]
pub struct Detection {
    /// The convention every request of this vendor is signed with from now on.
    pub convention: Convention,
    /// The interop finding: passed when the target verifies per RFC 5849, warned (failed
    /// under `--strict`) when it only accepts a variant, untested when no probe told.
    pub result: CheckResult,
}

/// The suffixes of the probe parameters' names, after the spec's `extension_prefix`: a name
/// with a reserved character (`:` and a space, which RFC 5849 encodes and `ims-lti` does not),
/// and a name that is a prefix of another followed by `-`, which sorts before `=` (so sorting
/// whole `name=value` strings and sorting by name disagree).
const PROBE_NAMES: [(&str, &str); 3] = [
    ("confuzz:probe name", "1"),
    ("confuzz", "a"),
    ("confuzz-probe", "b"),
];

/// Finds out which convention `spec`'s target verifies OAuth 1.0a signatures with.
///
/// `None` when the vendor's auth is not `oauth1` or declares no variants (requests are then
/// signed per RFC 5849, and nothing is reported). `env.signing` is ignored: each probe is
/// signed with the convention it tests.
pub fn detect(env: &CaseEnv<'_>, spec: &VendorSpec, seed: u64, strict: bool) -> Option<Detection> {
    let Auth::Oauth1 {
        consumer_secret,
        variants,
        extension_prefix,
        ..
    } = &spec.vendor.auth
    else {
        return None;
    };
    if variants.is_empty() {
        return None;
    }
    let vendor = &spec.vendor.id;
    let mut result = CheckResult::property(
        vendor,
        INTEROP,
        SUBJECT,
        "valid requests signed per RFC 5849 section 3.4 are accepted",
    );
    let Some(endpoint) = spec.endpoints.iter().find(|e| e.auth && e.method != "GET") else {
        return Some(Detection {
            convention: Convention::Rfc5849,
            result: result.untested(
                "no signed endpoint with a body to probe".to_string(),
                Cause::Harness,
            ),
        });
    };
    let secret = match env.fixtures.get(consumer_secret) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => {
            return Some(Detection {
                convention: Convention::Rfc5849,
                result: result.untested(format!("needs fixture {consumer_secret}"), Cause::Setup),
            })
        }
    };
    let probe_ops: Vec<Op> = extension_prefix
        .iter()
        .map(|prefix| {
            Op::Set(
                PROBE_NAMES
                    .iter()
                    .map(|(name, value)| {
                        (
                            crate::spec::Location::Body(format!("/{prefix}{name}")),
                            ValueSpec {
                                value: Some(Value::String(value.to_string())),
                                fixture: None,
                                var: None,
                                gen: None,
                                pool: None,
                                as_var: None,
                            },
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let candidates: Vec<Convention> = std::iter::once(Convention::Rfc5849)
        .chain(
            variants
                .iter()
                .copied()
                .filter(|v| *v != Convention::Rfc5849),
        )
        .collect();
    let mut probes: Vec<(Convention, Exchange)> = Vec::new();
    for (attempt, convention) in candidates.iter().enumerate() {
        let key = format!("{}#{}", result.id, convention.name());
        let mut rng = rng_for(seed, &key);
        let choices: Vec<u64> = (0..64).map(|_| rand_u64(&mut rng)).collect();
        let prefix = case_prefix(env.run_prefix, &result.id, &choices, attempt as u32);
        let unique = UniqueCounter::new();
        let signing = BTreeMap::from([(vendor.clone(), *convention)]);
        let probe_env = CaseEnv {
            run_prefix: &prefix,
            unique: &unique,
            signing: &signing,
            clock: env.clock.clone(),
            ..*env
        };
        match probe(&probe_env, spec, endpoint, &probe_ops, &choices) {
            Ok((request, response)) => {
                result.count += 1;
                probes.push((*convention, Exchange { request, response }));
            }
            Err(e) => {
                return Some(Detection {
                    convention: Convention::Rfc5849,
                    result: result.untested(
                        format!(
                            "could not send the {} probe: {e}; requests are signed per RFC 5849",
                            convention.name()
                        ),
                        Cause::Target,
                    ),
                });
            }
        }
    }
    // The probes tell the conventions apart only when each one's signature fails under the
    // others (names needing encoding, prefix names, a secret with reserved characters).
    let distinct = probes.iter().all(|(mine, x)| {
        candidates
            .iter()
            .filter(|c| *c != mine)
            .all(|other| !verifies(*other, env.url_base, &x.request, &secret))
    });
    let accepted: Vec<Convention> = probes
        .iter()
        .filter(|(_, x)| endpoint.is_success(x.response.status))
        .map(|(c, _)| *c)
        .collect();
    let answers: Vec<String> = probes
        .iter()
        .map(|(c, x)| format!("{}: {}", c.name(), answer_line(&x.response)))
        .collect();
    let exchanges: Vec<Exchange> = probes.into_iter().map(|(_, x)| x).collect();
    let evidence: Vec<String> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| format!("#{} signed per {a}", i + 1))
        .collect();
    if !distinct {
        return Some(Detection {
            convention: Convention::Rfc5849,
            result: result.untested(
                "the conventions sign these requests alike (declare an extension_prefix, or \
                 use a secret with reserved characters, to tell them apart); requests are \
                 signed per RFC 5849"
                    .to_string(),
                Cause::Setup,
            ),
        });
    }
    let rfc = Convention::Rfc5849;
    if accepted.contains(&rfc) {
        result.notes.push(format!("verifies per {}", rfc.name()));
        for other in accepted.iter().filter(|c| **c != rfc) {
            result.notes.push(format!(
                "also accepted a request signed per {} that RFC 5849 rejects",
                other.name()
            ));
        }
        return Some(Detection {
            convention: rfc,
            result,
        });
    }
    if let Some(variant) = accepted.first().copied() {
        let reason = format!(
            "rejects requests signed per RFC 5849 and verifies with the {} convention: an \
             OAuth 1.0a consumer is refused where a parameter name needs encoding, a name is a \
             prefix of another, or the secret has reserved characters; later requests are \
             signed per {}",
            variant.name(),
            variant.name()
        );
        result
            .notes
            .push(format!("verifies per {}", variant.name()));
        result = result.failed(reason, evidence, exchanges);
        if !strict {
            result.verdict = RowVerdict::Warned;
        }
        return Some(Detection {
            convention: variant,
            result,
        });
    }
    result.steps = evidence;
    result.exchanges = exchanges;
    Some(Detection {
        convention: rfc,
        result: result.untested(
            format!(
                "no convention's valid request was accepted ({}); requests are signed per RFC 5849",
                answers.join(", ")
            ),
            Cause::Target,
        ),
    })
}

/// One valid request to `endpoint` with `ops` applied (its setup first), sent.
fn probe(
    env: &CaseEnv<'_>,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    ops: &[Op],
    choices: &[u64],
) -> Result<(Request, Response), CaseError> {
    let mut ch = Choices::new(choices);
    let mut session = Session::new(env, spec);
    session.endpoint_setup(endpoint, &mut ch)?;
    let request = session.build(endpoint, ops, &mut ch)?;
    let response = session.send(&request)?;
    Ok((request, response))
}

/// Whether `request`'s signature verifies under `convention` with `secret`, addressed as the
/// signer addressed it (`url_base` and the path; the `Host` header when there is one).
fn verifies(convention: Convention, url_base: &str, request: &Request, secret: &str) -> bool {
    let mut params = request.form_pairs();
    params.extend(request.query.iter().cloned());
    if !params.iter().any(|(k, _)| k == SIGNATURE_PARAM) {
        return false;
    }
    let url = format!("{url_base}{}", request.path);
    convention.verify(&request.method, &url, &params, secret, "")
}

/// `status` and the first 120 characters of the body.
fn answer_line(response: &Response) -> String {
    let body: String = response.text_body().chars().take(120).collect();
    if body.is_empty() {
        response.status.to_string()
    } else {
        format!("{} {body}", response.status)
    }
}
