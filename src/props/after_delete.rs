//! The `after-delete` property: after a successful request to an endpoint that `deletes` a
//! record, each request its `after_delete` list names (a read, an update, the same delete
//! again), addressed to the deleted record, answers the listed row.

use super::{send, CheckResult, Context, Trace};
use crate::check::result::Cause;
use crate::exec::case::{CaseError, Session};
use crate::generate::choice::Choices;
use crate::spec::*;

/// The subjects of one vendor: every deleting endpoint with an `after_delete` list, with its
/// result to fill in.
fn plan(spec: &VendorSpec) -> Vec<(&Endpoint, CheckResult)> {
    let mut out = Vec::new();
    for endpoint in spec.endpoints.iter().filter(|e| !e.after_delete.is_empty()) {
        let follow_ups: Vec<String> = endpoint
            .after_delete
            .iter()
            .map(|a| format!("{} answers {}", a.endpoint, a.row))
            .collect();
        let result = CheckResult::property(
            &spec.vendor.id,
            "after-delete",
            &super::slug(&[&endpoint.id]),
            format!("after {}: {}", endpoint.id, follow_ups.join(", ")),
        );
        out.push((endpoint, result));
    }
    out
}

/// The ids of the after-delete results of one vendor.
pub fn subjects(spec: &VendorSpec) -> Vec<String> {
    plan(spec).into_iter().map(|(_, r)| r.id).collect()
}

/// Every after-delete result of one vendor: one per endpoint that declares `after_delete`.
pub fn check(ctx: &Context<'_>, spec: &VendorSpec) -> Vec<CheckResult> {
    plan(spec)
        .into_iter()
        .filter(|(_, result)| ctx.selected(spec, &result.id))
        .map(|(endpoint, result)| check_endpoint(ctx, spec, endpoint, result))
        .collect()
}

fn check_endpoint(
    ctx: &Context<'_>,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    mut result: CheckResult,
) -> CheckResult {
    let prefix = ctx.case_prefix(&result.id, 0);
    let unique = crate::generate::UniqueCounter::new();
    let env = ctx.env(&prefix, &unique);
    let mut session = Session::new(&env, spec);
    let choices = ctx.choices(&result.id, 0);
    let mut ch = Choices::new(&choices);
    let mut trace = Trace::new();
    let mut seen = 0;
    let outcome = (|| {
        session.endpoint_setup(endpoint, &mut ch)?;
        let delete = session.build(endpoint, &[], &mut ch)?;
        let (response, deleted_at) = send(&session, &mut trace, &mut seen, &delete)?;
        let n = deleted_at;
        if !endpoint.is_success(response.status) {
            return Ok(Some((
                None,
                format!(
                    "the delete (request {n}) was refused: {}",
                    ctx.describe(spec, &response)
                ),
            )));
        }
        for after in &endpoint.after_delete {
            let follow = session.endpoint(&after.endpoint)?;
            let Some(row) = spec.row(&after.row) else {
                return Err(CaseError::Build(format!(
                    "row `{}` is not declared",
                    after.row
                )));
            };
            // The follow-up names the deleted record through the session's variables: its own
            // setup would create another one.
            let request = session.build(follow, &[], &mut ch)?;
            let (response, n) = send(&session, &mut trace, &mut seen, &request)?;
            if !ctx.answers(spec, row, &session.record(&request), &response) {
                return Ok(Some((
                    Some((deleted_at, n)),
                    format!(
                        "{} {} of the deleted record answered {}; expected row {}",
                        request.method,
                        follow.id,
                        ctx.describe(spec, &response),
                        row.id
                    ),
                )));
            }
        }
        Ok::<_, CaseError>(None)
    })();
    trace.absorb(&session, &mut seen);
    result.count = trace.exchanges.len() as u32;
    match outcome {
        Err(e) => {
            let cause = e.cause();
            result.untested(e.untested_reason(), cause)
        }
        Ok(None) => result,
        Ok(Some((None, reason))) => result.untested(reason, Cause::Target),
        Ok(Some((Some((deleted_at, n)), reason))) => {
            let evidence = vec![
                format!("request {deleted_at} deleted the record"),
                format!("request {n} named it again: expected the row, got the answer above"),
            ];
            result.failed(reason, evidence, trace.exchanges)
        }
    }
}
