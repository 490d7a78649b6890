//! The `precedence` property: requests that carry the triggers of two or three rows of one
//! endpoint at once. Where the vendor declares an order (`precedence: ordered`, rows carry
//! `order`), the answer must be the row that comes first; elsewhere it must be one of the
//! triggered rows, and the notes say which one the target chose.
//!
//! Rows combine when their triggers are plain operators on a valid request (no setup steps,
//! no limit, no reused nonce) and touch disjoint parts of it (see [`compatible`]).

use std::collections::BTreeSet;

use super::{plain_ops, send, CheckResult, Context, Trace};
use crate::check::result::Cause;
use crate::exec::case::Session;
use crate::exec::seed::{rand_u64, rng_for};
use crate::generate::choice::Choices;
use crate::spec::*;
use crate::target::Response;

/// Pairs tried per endpoint at most (a seeded sample when there are more).
const MAX_PAIRS: usize = 96;
/// Triples tried per endpoint at most.
const MAX_TRIPLES: usize = 12;
/// Notes kept per endpoint (the choices of an unordered target).
const MAX_NOTES: usize = 24;

/// The subjects of one vendor: every endpoint with two combinable rows that can go together,
/// with those rows and its result to fill in.
fn plan(spec: &VendorSpec) -> Vec<(&Endpoint, Vec<&ErrorRow>, CheckResult)> {
    let mut out = Vec::new();
    for endpoint in &spec.endpoints {
        let rows: Vec<&ErrorRow> = spec
            .rows
            .iter()
            .filter(|r| r.trigger_endpoint() == Some(endpoint.id.as_str()) && combinable(r))
            .collect();
        let pair = rows
            .iter()
            .enumerate()
            .any(|(i, a)| rows[i + 1..].iter().any(|b| compatible(a, b)));
        if !pair {
            continue;
        }
        let result = CheckResult::property(
            &spec.vendor.id,
            "precedence",
            &super::slug(&[&endpoint.id]),
            format!("several triggers at once on {}", endpoint.id),
        );
        out.push((endpoint, rows, result));
    }
    out
}

/// The ids of the precedence results of one vendor.
pub fn subjects(spec: &VendorSpec) -> Vec<String> {
    plan(spec).into_iter().map(|(_, _, r)| r.id).collect()
}

/// Every precedence result of one vendor: one per endpoint with combinable rows.
pub fn check(ctx: &Context<'_>, spec: &VendorSpec) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for (endpoint, rows, result) in plan(spec) {
        if !ctx.selected(spec, &result.id) {
            continue;
        }
        let combos = combinations(ctx, &result.id, &rows);
        out.push(run_endpoint(ctx, spec, endpoint, combos, result));
    }
    out
}

/// Whether a row's trigger is plain operators on a valid request.
fn combinable(row: &ErrorRow) -> bool {
    plain_ops(row, 0).is_some()
}

/// The operators of a row's trigger with its usable variant `variant`.
fn ops_of(row: &ErrorRow, variant: usize) -> Vec<Op> {
    plain_ops(row, variant).unwrap_or_default()
}

/// The parts of a request an operator touches, normalized: `body:/a`, `query:x`, `path:x`,
/// `header:x` (lower case), and `body:` (the whole body), `method:`, `auth:`, `fault:`.
fn touched(op: &Op) -> Vec<String> {
    match op {
        Op::Remove(l) | Op::RemoveSome(l) | Op::WrongType(l) => {
            l.iter().map(Location::key).collect()
        }
        Op::Set(map) => map.keys().map(Location::key).collect(),
        Op::RawBody(_) => vec!["body:".into()],
        Op::Method(_) => vec!["method:".into()],
        Op::Auth(_) | Op::Oauth(_) => vec!["auth:".into()],
        Op::Fault(_) => vec!["fault:".into()],
        Op::Header(map) => map
            .keys()
            .map(|k| format!("header:{}", k.to_ascii_lowercase()))
            .collect(),
    }
}

/// The case variables an operator records.
fn recorded(op: &Op) -> Vec<String> {
    match op {
        Op::Remove(_) | Op::RemoveSome(_) => vec!["removed".into()],
        Op::Set(map) => map.values().filter_map(|v| v.as_var.clone()).collect(),
        Op::RawBody(RawBody::Template { vars, .. }) => vars.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The case variables a row's message binds.
fn bound(row: &ErrorRow) -> BTreeSet<String> {
    row.bindings
        .values()
        .filter_map(|b| match b {
            Binding::List { var, .. } | Binding::Var { var } => Some(var.clone()),
            _ => None,
        })
        .collect()
}

fn overlaps(a: &str, b: &str) -> bool {
    a == b
        || (a == "body:" && b.starts_with("body:"))
        || (b == "body:" && a.starts_with("body:"))
        || b.starts_with(&format!("{a}/"))
        || a.starts_with(&format!("{b}/"))
}

/// Whether two rows' triggers can go into one request: they touch disjoint parts of it, and
/// neither records a variable the other records when either message binds it (two removals
/// would make one list).
pub fn compatible(a: &ErrorRow, b: &ErrorRow) -> bool {
    let (ops_a, ops_b) = (ops_of(a, 0), ops_of(b, 0));
    let touched_a: Vec<String> = ops_a.iter().flat_map(touched).collect();
    let touched_b: Vec<String> = ops_b.iter().flat_map(touched).collect();
    if touched_a
        .iter()
        .any(|x| touched_b.iter().any(|y| overlaps(x, y)))
    {
        return false;
    }
    let rec_a: BTreeSet<String> = ops_a.iter().flat_map(recorded).collect();
    let rec_b: BTreeSet<String> = ops_b.iter().flat_map(recorded).collect();
    let binds: BTreeSet<String> = bound(a).union(&bound(b)).cloned().collect();
    rec_a.intersection(&rec_b).all(|v| !binds.contains(v))
}

/// The combinations to try: every compatible pair (a seeded sample past [`MAX_PAIRS`]) and a
/// seeded sample of compatible triples.
fn combinations<'s>(ctx: &Context<'_>, key: &str, rows: &[&'s ErrorRow]) -> Vec<Vec<&'s ErrorRow>> {
    let n = rows.len();
    // Each pair is judged once: the triples read the same table.
    let ok: Vec<Vec<bool>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| i < j && compatible(rows[i], rows[j]))
                .collect()
        })
        .collect();
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .filter(|&(i, j)| ok[i][j])
        .collect();
    let triples: Vec<(usize, usize, usize)> = pairs
        .iter()
        .flat_map(|&(i, j)| (j + 1..n).map(move |k| (i, j, k)))
        .filter(|&(i, j, k)| ok[i][k] && ok[j][k])
        .collect();
    let mut rng = rng_for(ctx.options.seed, key);
    let mut sample = |len: usize, keep: usize| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..len).collect();
        if len > keep {
            // A seeded partial Fisher-Yates shuffle, then the kept ones in their first order.
            for i in 0..keep {
                let j = i + (rand_u64(&mut rng) as usize) % (len - i);
                idx.swap(i, j);
            }
            idx.truncate(keep);
            idx.sort_unstable();
        }
        idx
    };
    let mut out: Vec<Vec<&ErrorRow>> = sample(pairs.len(), MAX_PAIRS)
        .into_iter()
        .map(|p| vec![rows[pairs[p].0], rows[pairs[p].1]])
        .collect();
    out.extend(
        sample(triples.len(), MAX_TRIPLES)
            .into_iter()
            .map(|t| vec![rows[triples[t].0], rows[triples[t].1], rows[triples[t].2]]),
    );
    out
}

fn names(rows: &[&ErrorRow]) -> String {
    rows.iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(" + ")
}

fn run_endpoint(
    ctx: &Context<'_>,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    combos: Vec<Vec<&ErrorRow>>,
    mut result: CheckResult,
) -> CheckResult {
    let ordered = spec.vendor.precedence == Precedence::Ordered;
    let mut ran = 0u32;
    let mut skipped: Vec<(String, Cause)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (i, combo) in combos.iter().enumerate() {
        let prefix = ctx.case_prefix(&result.id, i as u32);
        let unique = crate::generate::UniqueCounter::new();
        let env = ctx.env(&prefix, &unique);
        let mut session = Session::new(&env, spec);
        let choices = ctx.choices(&result.id, i as u32);
        let mut ch = Choices::new(&choices);
        let mut trace = Trace::new();
        let mut seen = 0;
        let ops: Vec<Op> = combo.iter().flat_map(|r| ops_of(r, i)).collect();
        let sent = session
            .endpoint_setup(endpoint, &mut ch)
            .and_then(|()| session.build(endpoint, &ops, &mut ch))
            .and_then(|request| {
                let (response, _) = send(&session, &mut trace, &mut seen, &request)?;
                Ok((request, response))
            });
        result.count += trace.exchanges.len() as u32;
        let (request, response) = match sent {
            Ok(x) => x,
            Err(e) => {
                skipped.push((e.untested_reason(), e.cause()));
                continue;
            }
        };
        ran += 1;
        let record = session.record(&request);
        let answered: Vec<&ErrorRow> = combo
            .iter()
            .copied()
            .filter(|r| ctx.answers(spec, r, &record, &response))
            .collect();
        let first = if ordered {
            combo
                .iter()
                .copied()
                .filter(|r| r.order.is_some())
                .min_by_key(|r| r.order)
                .filter(|_| combo.iter().all(|r| r.order.is_some()))
        } else {
            None
        };
        let failure = match first {
            Some(first) if !answered.iter().any(|r| r.id == first.id) => Some(format!(
                "{}: expected {} (order {}), got {}",
                names(combo),
                first.id,
                first.order.unwrap_or_default(),
                answer_text(ctx, spec, combo, &answered, &response)
            )),
            Some(_) => None,
            None if answered.is_empty() => Some(format!(
                "{}: none of the triggered rows answered, got {}",
                names(combo),
                ctx.describe(spec, &response)
            )),
            None => {
                if !ordered && combo.len() == 2 {
                    notes.push(format!(
                        "{} -> {}",
                        names(combo),
                        answered
                            .iter()
                            .map(|r| r.id.as_str())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                }
                None
            }
        };
        if let Some(reason) = failure {
            let n = trace.exchanges.len();
            let evidence = vec![format!(
                "request {n} carries the triggers of {}; answer: {}",
                names(combo),
                ctx.describe(spec, &response)
            )];
            return result.failed(reason, evidence, trace.exchanges);
        }
    }
    if ran == 0 {
        let reason = skipped
            .first()
            .cloned()
            .unwrap_or_else(|| ("no combination could be built".into(), Cause::Harness));
        return result.untested(reason.0, reason.1);
    }
    result.title = format!(
        "{} combinations of {} triggers on {}",
        ran,
        if ordered { "ordered" } else { "unordered" },
        endpoint.id
    );
    if notes.len() > MAX_NOTES {
        let more = notes.len() - MAX_NOTES;
        notes.truncate(MAX_NOTES);
        notes.push(format!("... and {more} more pairs"));
    }
    result.notes = notes;
    if !skipped.is_empty() {
        result.notes.push(format!(
            "{} combinations not built: {}",
            skipped.len(),
            skipped[0].0
        ));
    }
    result
}

/// What answered instead of the expected row: the triggered rows that match, or the answer.
fn answer_text(
    ctx: &Context<'_>,
    spec: &VendorSpec,
    combo: &[&ErrorRow],
    answered: &[&ErrorRow],
    response: &Response,
) -> String {
    match answered.first() {
        Some(r) => format!(
            "{} (order {})",
            r.id,
            combo
                .iter()
                .find(|c| c.id == r.id)
                .and_then(|c| c.order)
                .unwrap_or_default()
        ),
        None => ctx.describe(spec, response),
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;
    use crate::spec::ErrorRow;

    /// A row of a made-up vendor whose trigger applies `ops` (YAML) to a valid request, and
    /// whose message binds `bindings` (YAML).
    fn row(id: &str, ops: &str, bindings: &str) -> ErrorRow {
        serde_saphyr::from_str(&format!(
            r#"
id: acme.launch.{id}
title: {id}
group: launch
endpoints: [launch]
doc: {{ heading: {id}, response: "400 | {id}", line: 1 }}
expect: {{ status: 400, message: "missing ${{fields}}" }}
bindings: {bindings}
trigger: {{ kind: mutation, endpoint: launch, ops: {ops} }}
explain: {{ meaning: m, cause: c, fix: f }}
"#
        ))
        .expect("the test row parses")
    }

    #[test]
    fn rows_that_touch_the_same_part_of_a_request_do_not_combine() {
        let email = row("no-email", "[{ remove: [/email] }]", "{}");
        let course = row("no-course", "[{ remove: [/course] }]", "{}");
        let bad_email = row(
            "bad-email",
            "[{ set: { /email: { value: nobody } } }]",
            "{}",
        );
        assert!(compatible(&email, &course));
        assert!(!compatible(&email, &bad_email), "both change /email");
        assert!(!compatible(&email, &email));
        // Two removals make one list of removed fields: not when a message binds it.
        let listed = row(
            "no-course-listed",
            "[{ remove: [/course] }]",
            "{ fields: { var: removed } }",
        );
        assert!(!compatible(&email, &listed));
    }
}
