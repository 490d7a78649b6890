//! The `limit` property: for every limit a vendor declares with its row (`vendor.limits`), the
//! row's trigger is replayed one request at a time: each of the `limit` requests that fill it
//! must succeed (the documented error must not come before the limit), and the next request
//! must answer the row. The limit is the fixture's value, else the documented value; without
//! either it is discovered by repetition, up to [`DISCOVERY_BOUND`] requests.
//!
//! The filling requests are the row's setup step repeated by the limit's fixture
//! (`repeat: { fixture: ... }`): the property reads the same data the row does. A limit marked
//! `shared` (a window of a token every check uses) can be filled once per target: it is left
//! to the row's check when the row runs too. A first request already over the limit means the
//! limit was used up before the check began: untested, not failed.

use super::{send, CheckResult, Context, Trace};
use crate::check::result::Cause;
use crate::exec::case::{CaseError, Session};
use crate::generate::choice::Choices;
use crate::spec::*;

/// Limits above this are not filled (untested): every loop is bounded.
pub const MAX_LIMIT: u64 = 1000;
/// Requests tried when the limit must be discovered.
pub const DISCOVERY_BOUND: u64 = 200;

/// The subjects of one vendor: every declared limit with a row, with its result to fill in.
fn plan(spec: &VendorSpec) -> Vec<(&Limit, &String, CheckResult)> {
    let mut out = Vec::new();
    for limit in &spec.vendor.limits {
        let Some(row_id) = &limit.row else { continue };
        let result = CheckResult::property(
            &spec.vendor.id,
            "limit",
            &super::slug(&[&limit.name]),
            format!("{}: {row_id} exactly after the limit", limit.meaning),
        );
        out.push((limit, row_id, result));
    }
    out
}

/// The ids of the limit results of one vendor.
pub fn subjects(spec: &VendorSpec) -> Vec<String> {
    plan(spec).into_iter().map(|(_, _, r)| r.id).collect()
}

/// Every limit result of one vendor: one per declared limit with a row.
pub fn check(ctx: &Context<'_>, spec: &VendorSpec) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for (limit, row_id, result) in plan(spec) {
        if !ctx.selected(spec, &result.id) {
            continue;
        }
        if limit.shared && ctx.selected(spec, row_id) {
            // The row's check of this run has filled it already.
            continue;
        }
        out.push(match spec.row(row_id) {
            Some(row) => check_limit(ctx, spec, limit, row, result),
            None => result.untested(format!("row {row_id} is not declared"), Cause::Harness),
        });
    }
    out
}

/// The limit's value for this run: the fixture's, else the documented one.
fn limit_value(ctx: &Context<'_>, limit: &Limit) -> Option<u64> {
    ctx.fixtures
        .get(&limit.fixture)
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .or(limit.documented)
}

/// What came of filling the limit.
enum Fill {
    /// Every filling request succeeded; `n` were sent.
    Full,
    /// The limit row answered request `k` (1-based) of the fill; exchange number `at`.
    Early { k: u64, at: usize },
    /// Discovery: the row answered after `k` successes.
    Discovered { k: u64 },
}

fn check_limit(
    ctx: &Context<'_>,
    spec: &VendorSpec,
    limit: &Limit,
    row: &ErrorRow,
    mut result: CheckResult,
) -> CheckResult {
    let Some(trigger) = &row.trigger else {
        return result.untested(format!("row {} has no trigger", row.id), Cause::Harness);
    };
    let Some(fill_at) = trigger.setup.iter().position(
        |s| matches!(&s.repeat, Some(Repeat::Fixture { fixture }) if fixture == &limit.fixture),
    ) else {
        return result.untested(
            format!(
                "row {} has no setup step repeated by {}",
                row.id, limit.fixture
            ),
            Cause::Harness,
        );
    };
    let n = limit_value(ctx, limit);
    if n.is_some_and(|n| n > MAX_LIMIT) {
        return result.untested(
            format!(
                "the limit {} is above {MAX_LIMIT} requests",
                n.unwrap_or_default()
            ),
            Cause::Harness,
        );
    }
    let prefix = ctx.case_prefix(&result.id, 0);
    let unique = crate::generate::UniqueCounter::new();
    let env = ctx.env(&prefix, &unique);
    let mut session = Session::new(&env, spec);
    let choices = ctx.choices(&result.id, 0);
    let mut ch = Choices::new(&choices);
    let mut trace = Trace::new();
    let mut seen = 0;
    let outcome = (|| {
        let endpoint = session.endpoint(row.trigger_endpoint().unwrap_or_default())?;
        session.endpoint_setup(endpoint, &mut ch)?;
        for (i, step) in trigger.setup.iter().enumerate().take(fill_at) {
            session.step(step, &format!("setup#{}", i + 1), &mut ch)?;
        }
        // The filling step once per request, answers judged here rather than by the step.
        let fill = &trigger.setup[fill_at];
        let once = Step {
            repeat: None,
            expect: StepExpect::Any,
            ..fill.clone()
        };
        let fill_endpoint = session.endpoint(&fill.endpoint)?;
        let bound = n.unwrap_or(DISCOVERY_BOUND);
        let mut filled = Fill::Full;
        for k in 1..=bound {
            let label = format!("setup#{} ({k} of {bound})", fill_at + 1);
            session.step(&once, &label, &mut ch)?;
            trace.absorb(&session, &mut seen);
            let Some(last) = trace.exchanges.last() else {
                break;
            };
            if fill_endpoint.is_success(last.response.status) {
                continue;
            }
            let record = session.record(&last.request);
            if !ctx.answers(spec, row, &record, &last.response) {
                return Err(CaseError::Setup {
                    step: label,
                    endpoint: fill.endpoint.clone(),
                    status: last.response.status,
                    body: last.response.text_body().chars().take(200).collect(),
                });
            }
            let at = trace.exchanges.len();
            filled = match n {
                Some(_) => Fill::Early { k, at },
                None => Fill::Discovered { k: k - 1 },
            };
            break;
        }
        if let Fill::Early { .. } | Fill::Discovered { .. } = filled {
            return Ok((filled, None));
        }
        if n.is_none() {
            return Ok((Fill::Full, None));
        }
        for (i, step) in trigger.setup.iter().enumerate().skip(fill_at + 1) {
            session.step(step, &format!("setup#{}", i + 1), &mut ch)?;
        }
        let ops: Vec<Op> = trigger
            .ops
            .iter()
            .chain(trigger.variants.first().into_iter().flatten())
            .cloned()
            .collect();
        let request = session.build(endpoint, &ops, &mut ch)?;
        let (response, at) = send(&session, &mut trace, &mut seen, &request)?;
        let answered = ctx.answers(spec, row, &session.record(&request), &response);
        Ok((
            Fill::Full,
            Some((at, answered, ctx.describe(spec, &response))),
        ))
    })();
    trace.absorb(&session, &mut seen);
    result.count = trace.exchanges.len() as u32;
    let n_text = n.map(|n| n.to_string()).unwrap_or_default();
    match outcome {
        Err(e) => {
            let cause = e.cause();
            result.untested(e.untested_reason(), cause)
        }
        // The first request already over the limit: the limit was used up before this check
        // (a window or counter that earlier requests filled), so nothing is known.
        Ok((Fill::Early { k: 1, .. }, _)) if n.is_some_and(|n| n > 1) => result.untested(
            format!(
                "{} answered the first request: the limit was already used up by earlier requests",
                row.id
            ),
            Cause::Target,
        ),
        Ok((Fill::Early { k, at }, _)) => {
            let reason = format!(
                "{} answered request {k} of the {n_text} that fill {} (before the limit)",
                row.id, limit.name
            );
            let evidence = vec![format!("request {at}: {reason}")];
            result.failed(reason, evidence, trace.exchanges)
        }
        Ok((Fill::Discovered { k }, _)) => {
            result.notes.push(format!(
                "no limit value: {} answered after {k} successful requests",
                row.id
            ));
            result
        }
        Ok((Fill::Full, None)) => result.untested(
            format!(
                "no limit value and {} did not answer within {DISCOVERY_BOUND} requests",
                row.id
            ),
            Cause::Setup,
        ),
        Ok((Fill::Full, Some((_, true, _)))) => {
            result.notes.push(format!(
                "limit {n_text}: the request after the limit answered {}",
                row.id
            ));
            result
        }
        Ok((Fill::Full, Some((at, false, got)))) => {
            let reason = format!(
                "the request after the limit of {n_text} answered {got}; expected row {}",
                row.id
            );
            let evidence = vec![format!("request {at}: {reason}")];
            result.failed(reason, evidence, trace.exchanges)
        }
    }
}
