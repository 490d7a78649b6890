//! The `nothing-lost` property: a rejected create, update or delete changes nothing. For each
//! row of an endpoint that `creates`, `updates` or `deletes` a record, one valid draft is sent
//! twice over: first with the row's trigger (it must be rejected), then as it is (its valid
//! twin). Where the spec declares an endpoint that `reads` the record, it is read before and
//! after the rejected request and must not have changed. The twin must then succeed (a
//! rejected create that left a partial record makes it collide), and where the endpoint
//! declares a uniqueness key the twin carries, sending it again must answer the key's row (it
//! was stored exactly once).
//!
//! Rows whose trigger needs setup steps or a limit are left out: their valid twin is not
//! expected to succeed.

use super::{carries_key, plain_ops, send, CheckResult, Context, Trace};
use crate::check::result::Cause;
use crate::exec::case::{CaseError, Session};
use crate::generate::choice::Choices;
use crate::spec::*;
use crate::target::Response;

/// The subjects of one vendor: every endpoint that writes a record and has rows to reject
/// with, with those rows and its result to fill in.
fn plan(spec: &VendorSpec) -> Vec<(&Endpoint, Vec<&ErrorRow>, CheckResult)> {
    let mut out = Vec::new();
    for endpoint in &spec.endpoints {
        let writes = endpoint
            .creates
            .as_ref()
            .or(endpoint.updates.as_ref())
            .or(endpoint.deletes.as_ref());
        let Some(entity) = writes else { continue };
        let rows: Vec<&ErrorRow> = spec
            .rows
            .iter()
            .filter(|r| r.trigger_endpoint() == Some(endpoint.id.as_str()) && eligible(r))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let result = CheckResult::property(
            &spec.vendor.id,
            "nothing-lost",
            &super::slug(&[&endpoint.id]),
            format!(
                "a rejected {} leaves the {entity} as it was ({} rows)",
                endpoint.id,
                rows.len()
            ),
        );
        out.push((endpoint, rows, result));
    }
    out
}

/// The ids of the nothing-lost results of one vendor.
pub fn subjects(spec: &VendorSpec) -> Vec<String> {
    plan(spec).into_iter().map(|(_, _, r)| r.id).collect()
}

/// Every nothing-lost result of one vendor: one per endpoint that writes a record.
pub fn check(ctx: &Context<'_>, spec: &VendorSpec) -> Vec<CheckResult> {
    plan(spec)
        .into_iter()
        .filter(|(_, _, result)| ctx.selected(spec, &result.id))
        .map(|(endpoint, rows, result)| check_endpoint(ctx, spec, endpoint, &rows, result))
        .collect()
}

fn eligible(row: &ErrorRow) -> bool {
    plain_ops(row, 0).is_some()
}

/// The endpoint that reads back what `endpoint` updates or deletes, if the spec has one.
fn reader<'s>(spec: &'s VendorSpec, endpoint: &Endpoint) -> Option<&'s Endpoint> {
    let entity = endpoint.updates.as_ref().or(endpoint.deletes.as_ref())?;
    spec.endpoints
        .iter()
        .find(|e| e.reads.as_ref() == Some(entity) && e.id != endpoint.id)
}

/// One failure: its reason, the exchange it is about, and the trace.
type Loss = (String, usize);

fn check_endpoint(
    ctx: &Context<'_>,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    rows: &[&ErrorRow],
    mut result: CheckResult,
) -> CheckResult {
    let reads = reader(spec, endpoint);
    let mut checked = 0;
    let mut accepted = Vec::new();
    let mut skipped = Vec::new();
    for row in rows {
        let key = format!("{}:{}", result.id, row.id);
        let prefix = ctx.case_prefix(&key, 0);
        let unique = crate::generate::UniqueCounter::new();
        let env = ctx.env(&prefix, &unique);
        let mut session = Session::new(&env, spec);
        let choices = ctx.choices(&key, 0);
        let mut ch = Choices::new(&choices);
        let mut trace = Trace::new();
        let mut seen = 0;
        let ops = plain_ops(row, 0).unwrap_or_default();
        let outcome: Result<Option<Loss>, CaseError> = (|| {
            session.endpoint_setup(endpoint, &mut ch)?;
            let before = match reads {
                Some(g) => {
                    let request = session.build(g, &[], &mut ch)?;
                    let (response, n) = send(&session, &mut trace, &mut seen, &request)?;
                    if !g.is_success(response.status) {
                        return Err(CaseError::Build(format!(
                            "the record could not be read (request {n}): {}",
                            ctx.describe(spec, &response)
                        )));
                    }
                    Some((g, request, response))
                }
                None => None,
            };
            let (twin, rejected) = session.build_twins(endpoint, &ops, &mut ch)?;
            let (answer, _) = send(&session, &mut trace, &mut seen, &rejected)?;
            if endpoint.is_success(answer.status) {
                accepted.push(row.id.clone());
                return Ok(None);
            }
            if let Some((g, request, first)) = before {
                let (after, n) = send(&session, &mut trace, &mut seen, &request)?;
                if !same_record(&first, &after) {
                    return Ok(Some((
                        format!(
                            "{}: after the rejected request, {} reads the record differently",
                            row.id, g.id
                        ),
                        n,
                    )));
                }
            }
            let (answer, n) = send(&session, &mut trace, &mut seen, &twin)?;
            if !endpoint.is_success(answer.status) {
                return Ok(Some((
                    format!(
                        "{}: the valid twin of the rejected request was refused: {}",
                        row.id,
                        ctx.describe(spec, &answer)
                    ),
                    n,
                )));
            }
            if endpoint.creates.is_some() {
                let record = session.record(&twin);
                // The rows of every uniqueness key the twin carries: sent again, it must
                // answer one of them.
                let key_rows: Vec<&ErrorRow> = endpoint
                    .unique
                    .iter()
                    .filter(|k| carries_key(&record, &endpoint.rules, &k.fields))
                    .filter_map(|k| k.row.as_deref().and_then(|id| spec.row(id)))
                    .collect();
                if !key_rows.is_empty() {
                    let (again, n) = send(&session, &mut trace, &mut seen, &twin)?;
                    if !key_rows
                        .iter()
                        .any(|r| ctx.answers(spec, r, &record, &again))
                    {
                        return Ok(Some((
                            format!(
                                "{}: the valid twin sent again answered {}, expected {} (stored once)",
                                row.id,
                                ctx.describe(spec, &again),
                                key_rows
                                    .iter()
                                    .map(|r| format!("row {}", r.id))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                            n,
                        )));
                    }
                }
            }
            Ok(None)
        })();
        trace.absorb(&session, &mut seen);
        result.count += trace.exchanges.len() as u32;
        match outcome {
            Err(e) => skipped.push((format!("{}: {}", row.id, e.untested_reason()), e.cause())),
            Ok(None) => checked += 1,
            Ok(Some((reason, n))) => {
                let evidence = vec![
                    format!("the rejected request carries the trigger of {}", row.id),
                    format!("request {n}: {reason}"),
                ];
                return result.failed(reason, evidence, trace.exchanges);
            }
        }
    }
    if checked == 0 {
        let reason = skipped
            .first()
            .cloned()
            .or_else(|| {
                accepted
                    .first()
                    .map(|r| (format!("{r}: the trigger was accepted"), Cause::Target))
            })
            .unwrap_or_else(|| ("no row could be checked".into(), Cause::Harness));
        return result.untested(reason.0, reason.1);
    }
    if !accepted.is_empty() {
        result.notes.push(format!(
            "triggers accepted (see the rows): {}",
            accepted.join(", ")
        ));
    }
    if !skipped.is_empty() {
        result.notes.push(format!(
            "{} rows not checked: {}",
            skipped.len(),
            skipped[0].0
        ));
    }
    result
}

/// Whether two reads show the same record: the same status and the same body.
fn same_record(a: &Response, b: &Response) -> bool {
    a.status == b.status
        && match (a.json_body(), b.json_body()) {
            (Some(x), Some(y)) => x == y,
            _ => a.body == b.body,
        }
}
