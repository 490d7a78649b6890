//! The `unique` property: for every uniqueness key an endpoint declares (`unique:`), N creates
//! that share the key, sent at once from N threads, yield exactly one success and N-1 answers
//! of the key's row. The creates differ in everything else (each is its own valid draft with
//! the key's fields copied from the first), so only that key can collide.

use std::sync::Barrier;

use super::{carries_key, CheckResult, Context, Trace};
use crate::check::result::Cause;
use crate::exec::case::{CaseError, Session};
use crate::generate::choice::Choices;
use crate::spec::*;
use crate::target::{Request, Response, TargetError};

/// Concurrent creates per key.
pub const CONCURRENT: usize = 4;
/// Attempts to draw a first request that carries the whole key (optional key fields).
const ATTEMPTS: u32 = 8;

/// The subjects of one vendor: every declared key with its endpoint and its result to fill
/// in.
fn plan(spec: &VendorSpec) -> Vec<(&Endpoint, &UniqueKey, CheckResult)> {
    let mut out = Vec::new();
    for endpoint in &spec.endpoints {
        for key in &endpoint.unique {
            let fields: Vec<String> = key.fields.iter().map(ToString::to_string).collect();
            let mut parts = vec![endpoint.id.as_str()];
            parts.extend(fields.iter().map(String::as_str));
            let result = CheckResult::property(
                &spec.vendor.id,
                "unique",
                &super::slug(&parts),
                format!(
                    "{CONCURRENT} concurrent {} sharing {}: one succeeds",
                    endpoint.id,
                    fields.join(" + ")
                ),
            );
            out.push((endpoint, key, result));
        }
    }
    out
}

/// `endpoint` with every optional field of `key` always generated, so the first draft carries
/// the whole key on every seed. A field that stands in an either-or rule with another field of
/// the key is left to the rule, which always generates one of them.
fn with_key_fields(endpoint: &Endpoint, key: &UniqueKey) -> Endpoint {
    let mut keyed = endpoint.clone();
    let Some(body) = keyed.body.as_mut() else {
        return keyed;
    };
    let names: Vec<&str> = key.fields.iter().filter_map(|f| f.form_field()).collect();
    let has_partner = |name: &str| {
        endpoint.rules.iter().any(|rule| {
            let group: Vec<&String> = match rule {
                Rule::OneOfRequired { fields } => fields.iter().collect(),
                Rule::Exclusive { groups } => groups.iter().flatten().collect(),
                _ => Vec::new(),
            };
            group.iter().any(|f| *f == name)
                && group
                    .iter()
                    .any(|f| *f != name && names.contains(&f.as_str()))
        })
    };
    for name in &names {
        if has_partner(name) {
            continue;
        }
        let property = body
            .schema
            .get_mut("properties")
            .and_then(|p| p.get_mut(*name))
            .and_then(|p| p.as_object_mut());
        if let Some(property) = property {
            if property.get("x-never").and_then(|v| v.as_bool()) != Some(true) {
                property.insert("x-always".into(), true.into());
            }
        }
    }
    keyed
}

/// The ids of the uniqueness results of one vendor.
pub fn subjects(spec: &VendorSpec) -> Vec<String> {
    plan(spec).into_iter().map(|(_, _, r)| r.id).collect()
}

/// Every uniqueness result of one vendor: one per declared key.
pub fn check(ctx: &Context<'_>, spec: &VendorSpec) -> Vec<CheckResult> {
    plan(spec)
        .into_iter()
        .filter(|(_, _, result)| ctx.selected(spec, &result.id))
        .map(|(endpoint, key, result)| check_key(ctx, spec, endpoint, key, result))
        .collect()
}

/// Operators that give a fresh valid draft the key's values of `first` (and drop the key's
/// fields `first` lacks).
fn copy_key(first: &crate::check::CaseRecord, key: &UniqueKey) -> Vec<Op> {
    let mut set = std::collections::BTreeMap::new();
    let mut absent = Vec::new();
    for field in &key.fields {
        match first.sent(field) {
            Some(v) => {
                set.insert(
                    field.clone(),
                    ValueSpec {
                        value: Some(v),
                        fixture: None,
                        var: None,
                        gen: None,
                        pool: None,
                        as_var: None,
                    },
                );
            }
            None => absent.push(field.clone()),
        }
    }
    let mut ops = vec![Op::Set(set)];
    if !absent.is_empty() {
        ops.push(Op::Remove(absent));
    }
    ops
}

fn check_key(
    ctx: &Context<'_>,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    key: &UniqueKey,
    mut result: CheckResult,
) -> CheckResult {
    let row = key.row.as_deref().and_then(|id| spec.row(id));
    let keyed = with_key_fields(endpoint, key);
    let endpoint = &keyed;
    for attempt in 0..ATTEMPTS {
        let prefix = ctx.case_prefix(&result.id, attempt);
        let unique = crate::generate::UniqueCounter::new();
        let env = ctx.env(&prefix, &unique);
        let mut session = Session::new(&env, spec);
        let choices = ctx.choices(&result.id, attempt);
        let mut ch = Choices::new(&choices);
        let built = (|| {
            session.endpoint_setup(endpoint, &mut ch)?;
            let first = session.build(endpoint, &[], &mut ch)?;
            let record = session.record(&first);
            if !carries_key(&record, &endpoint.rules, &key.fields) {
                return Ok(None);
            }
            let ops = copy_key(&record, key);
            let mut requests = vec![first];
            for _ in 1..CONCURRENT {
                requests.push(session.build(endpoint, &ops, &mut ch)?);
            }
            Ok::<_, CaseError>(Some(requests))
        })();
        let requests = match built {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                let cause = e.cause();
                return result.untested(e.untested_reason(), cause);
            }
        };
        let mut trace = Trace::new();
        let mut seen = 0;
        trace.absorb(&session, &mut seen);
        let setup_len = trace.exchanges.len();
        let answers = match send_together(ctx, &requests) {
            Ok(a) => a,
            Err(e) => return result.untested(e.to_string(), Cause::Target),
        };
        for (request, response) in requests.iter().zip(&answers) {
            trace.push(request, response);
        }
        result.count = trace.exchanges.len() as u32;
        let successes: Vec<usize> = answers
            .iter()
            .enumerate()
            .filter(|(_, r)| endpoint.is_success(r.status))
            .map(|(i, _)| setup_len + i + 1)
            .collect();
        let wrong: Vec<(usize, &Response)> = answers
            .iter()
            .enumerate()
            .filter(|(_, r)| !endpoint.is_success(r.status))
            .filter(|(i, r)| match row {
                Some(row) => !ctx.answers(spec, row, &session.record(&requests[*i]), r),
                None => false,
            })
            .map(|(i, r)| (setup_len + i + 1, r))
            .collect();
        let numbers = format!(
            "requests {}-{} were sent at once",
            setup_len + 1,
            setup_len + CONCURRENT
        );
        let expected_row = row.map_or("a refusal".to_string(), |r| format!("row {}", r.id));
        if successes.len() != 1 {
            let reason = format!(
                "{} of {CONCURRENT} concurrent creates sharing {} succeeded; expected exactly one",
                successes.len(),
                key.joined()
            );
            let evidence = vec![
                numbers,
                format!(
                    "succeeded: {}",
                    successes
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ];
            return result.failed(reason, evidence, trace.exchanges);
        }
        if let Some((n, response)) = wrong.first() {
            let reason = format!(
                "a concurrent duplicate was answered {} instead of {expected_row}",
                ctx.describe(spec, response)
            );
            let evidence = vec![numbers, format!("request {n}: expected {expected_row}")];
            return result.failed(reason, evidence, trace.exchanges);
        }
        return result;
    }
    result.untested(
        format!(
            "no valid request of {} carried all of {} in {ATTEMPTS} attempts",
            endpoint.id,
            key.joined()
        ),
        Cause::Harness,
    )
}

/// Sends every request from its own thread, all released at once.
fn send_together(ctx: &Context<'_>, requests: &[Request]) -> Result<Vec<Response>, TargetError> {
    let barrier = Barrier::new(requests.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = requests
            .iter()
            .map(|request| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    ctx.target.send(request)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(TargetError::Transport {
                        url: ctx.target.describe(),
                        reason: "the sending thread panicked".into(),
                    })
                })
            })
            .collect()
    })
}
