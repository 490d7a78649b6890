//! Plays one sequence of calls against the target: builds each request from the spec (through
//! `exec::case::Session`, with the record's saved variables bound), sends it, and judges the
//! answer against the model's prediction. The first answer that differs ends the sequence.
//!
//! Not for: choosing the calls (see `machine`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};

use super::machine::{allowed, next, Action, Call, Life, On, State};
use crate::check::oracle::echo_text;
use crate::check::{Oracle, Outcome};
use crate::exec::case::{save_values, CaseEnv, Exchange, Session};
use crate::exec::options::RunOptions;
use crate::generate::{Pool, UniqueCounter};
use crate::spec::{Model, ModelCall, VendorSpec};
use crate::target::{Response, Target};

/// What every sequence of one vendor shares.
pub(super) struct Context<'a> {
    pub spec: &'a VendorSpec,
    pub oracle: &'a Oracle,
    pub target: &'a dyn Target,
    pub fixtures: &'a Map<String, Value>,
    pub pool: Pool,
    pub options: &'a RunOptions,
    pub clock: crate::target::Clock,
    /// The OAuth 1.0a convention of each vendor's target (see `run::signing`).
    pub signing: BTreeMap<String, crate::auth::oauth1::Convention>,
}

/// One call as it was played: its setup requests and its own request (the last).
pub(super) struct Step {
    pub label: String,
    /// The call and what the model predicted for it, e.g. `read assignment -> success`.
    pub kind: String,
    pub exchanges: Vec<Exchange>,
    /// What came back, and what was expected when it differs.
    pub outcome: String,
}

/// A sequence that did not match the model.
pub(super) struct Failure {
    /// What makes two failures the same: the resource, the call, and what was expected.
    pub signature: String,
    pub reason: String,
}

/// The outcome of one sequence.
#[derive(Default)]
pub(super) struct Played {
    pub steps: Vec<Step>,
    pub failure: Option<Failure>,
    /// An answer that differs from the predicted row on assumed fields only.
    pub warning: Option<String>,
    /// Why the sequence could not be completed (a setup refused, a missing fixture).
    pub error: Option<String>,
}

impl Played {
    pub(super) fn requests(&self) -> u32 {
        self.steps.iter().map(|s| s.exchanges.len() as u32).sum()
    }

    pub(super) fn reason(&self) -> String {
        self.failure
            .as_ref()
            .map(|f| f.reason.clone())
            .unwrap_or_default()
    }

    /// The sequence as evidence: one line per request saying what it was for and what came
    /// back (`request N: ...`, numbered as the reports number the exchanges), and the
    /// exchanges themselves, in order. The reports render them (reproducers, redaction).
    pub(super) fn evidence(&self) -> (Vec<String>, Vec<Exchange>) {
        let mut lines = Vec::new();
        let mut exchanges = Vec::new();
        for step in &self.steps {
            let last = step.exchanges.len().saturating_sub(1);
            for (i, exchange) in step.exchanges.iter().enumerate() {
                exchanges.push(exchange.clone());
                let n = exchanges.len();
                if i < last {
                    lines.push(format!(
                        "request {n}: setup of {}: answered {}",
                        step.label, exchange.response.status
                    ));
                } else {
                    lines.push(format!("request {n}: {}: {}", step.label, step.outcome));
                }
            }
        }
        (lines, exchanges)
    }
}

/// What the model predicts for a call.
enum Expected<'s> {
    Success,
    Row(&'s str),
}

fn expected<'m>(model: &'m Model, state: &State, call: &Call) -> Expected<'m> {
    let life = match call.on {
        On::Fresh => return Expected::Success,
        On::Record(i) => state[call.model].get(i).copied(),
        On::Unknown => None,
    };
    match (call.action, life) {
        (Action::Duplicate, Some(Life::Live)) => model
            .duplicate
            .as_ref()
            .map_or(Expected::Success, |d| Expected::Row(&d.row)),
        (Action::Duplicate, _) | (_, Some(Life::Live)) => Expected::Success,
        (action, _) => action
            .call(model)
            .and_then(|c| c.missing.as_deref())
            .map_or(Expected::Success, Expected::Row),
    }
}

fn label(model: &Model, state: &State, call: &Call) -> String {
    let records = &state[call.model];
    let which = match call.on {
        On::Fresh => format!("#{}", records.len() + 1),
        On::Record(i) if records.get(i) == Some(&Life::Gone) => format!("#{} (deleted)", i + 1),
        On::Record(i) => format!("#{}", i + 1),
        On::Unknown => "(never created)".into(),
    };
    format!("{} {} {which}", call.action.name(), model.resource)
}

fn short_body(response: &Response) -> String {
    let text = response.text_body();
    let short: String = text.chars().take(160).collect();
    if short.len() < text.len() {
        format!("{short}...")
    } else {
        short
    }
}

/// Plays `calls` with entities under `prefix`; `seen` counts the calls reached (for the
/// shrinker, which drops calls after the failing one first).
pub(super) fn play(
    cx: &Context<'_>,
    prefix: &str,
    calls: &[Call],
    seen: Option<&AtomicUsize>,
) -> Played {
    let unique = UniqueCounter::new();
    let env = CaseEnv {
        target: cx.target,
        fixtures: cx.fixtures,
        run_prefix: prefix,
        pool: &cx.pool,
        unique: &unique,
        url_base: &cx.options.url_base,
        host: cx.options.host.as_deref(),
        faults: cx.options.faults.as_deref(),
        clock: cx.clock.clone(),
        signing: &cx.signing,
    };
    let models = &cx.spec.models;
    let mut session = Session::new(&env, cx.spec);
    let mut state: State = vec![Vec::new(); models.len()];
    // The variables of every record created, per model, in creation order.
    let mut records: Vec<Vec<BTreeMap<String, Value>>> = vec![Vec::new(); models.len()];
    let mut played = Played::default();
    for (n, call) in calls.iter().enumerate() {
        if let Some(seen) = seen {
            seen.fetch_add(1, Ordering::Relaxed);
        }
        // The strategy keeps the preconditions; a sequence that breaks them is not played on.
        if !allowed(models, &state, call) {
            break;
        }
        let model = &models[call.model];
        let label = label(model, &state, call);
        let kind = format!(
            "{} {} -> {}",
            call.action.name(),
            model.resource,
            match expected(model, &state, call) {
                Expected::Success => "success",
                Expected::Row(row) => row,
            }
        );
        let at = format!("call {} of {}, {label}", n + 1, calls.len());
        match play_call(
            cx,
            &mut session,
            model,
            &state,
            call,
            &mut records[call.model],
        ) {
            Ok((step, verdict)) => {
                played.steps.push(Step {
                    label,
                    kind,
                    ..step
                });
                match verdict {
                    Judged::Matches => {}
                    Judged::Warns(why) => {
                        played.warning.get_or_insert(format!("{at}: {why}"));
                    }
                    Judged::Differs { signature, why } => {
                        played.failure = Some(Failure {
                            signature,
                            reason: format!("{at}: {why}"),
                        });
                        break;
                    }
                }
            }
            Err((exchanges, error)) => {
                played.steps.push(Step {
                    label,
                    kind,
                    exchanges,
                    outcome: error.clone(),
                });
                played.error = Some(format!("{at}: {error}"));
                break;
            }
        }
        state = next(state, call);
    }
    played
}

/// How an answer compares with the model's prediction.
enum Judged {
    Matches,
    Warns(String),
    Differs { signature: String, why: String },
}

type CallResult = Result<(Step, Judged), (Vec<Exchange>, String)>;

/// Sends one call and judges its answer; on success, keeps the record's new variables.
fn play_call(
    cx: &Context<'_>,
    session: &mut Session<'_, '_>,
    model: &Model,
    state: &State,
    call: &Call,
    records: &mut Vec<BTreeMap<String, Value>>,
) -> CallResult {
    let Some(declared) = call.action.call(model) else {
        return Err((Vec::new(), "the model declares no such call".into()));
    };
    let Some(endpoint) = cx.spec.endpoint(&declared.endpoint) else {
        return Err((
            Vec::new(),
            format!("endpoint `{}` is not declared", declared.endpoint),
        ));
    };
    let mut exchanges = Vec::new();
    // The variables the request is built with: the record's, or new ones.
    let ops: Vec<_> = match (call.action, call.on) {
        (Action::Create, _) => {
            session.set_vars(BTreeMap::new());
            exchanges = session
                .setup(endpoint, &call.choices)
                .map_err(|e| (Vec::new(), format!("setup failed: {e}")))?;
            declared.ops.clone()
        }
        (Action::Duplicate, On::Record(i)) => {
            session.set_vars(records.get(i).cloned().unwrap_or_default());
            let extra = model.duplicate.as_ref().map(|d| d.ops.as_slice());
            declared
                .ops
                .iter()
                .chain(extra.unwrap_or(&[]))
                .cloned()
                .collect()
        }
        (_, On::Record(i)) => {
            session.set_vars(records.get(i).cloned().unwrap_or_default());
            declared.ops.clone()
        }
        (_, _) => {
            session.set_vars(BTreeMap::new());
            let vars = session
                .resolve(&model.unknown, &call.choices)
                .map_err(|e| (Vec::new(), e.to_string()))?;
            session.set_vars(vars);
            declared.ops.clone()
        }
    };
    let (record, response) = match session.build_and_send(endpoint, &ops, &call.choices) {
        Ok(sent) => sent,
        Err(e) => return Err((exchanges, e.to_string())),
    };
    exchanges.push(Exchange {
        request: record.request.clone(),
        response: response.clone(),
    });
    let step = |outcome: String| Step {
        label: String::new(),
        kind: String::new(),
        exchanges: exchanges.clone(),
        outcome,
    };
    let key = format!("{}:{}", model.resource, call.action.name());
    let answered = format!("answered {}", response.status);
    match expected(model, state, call) {
        Expected::Row(row_id) => {
            let Some(row) = cx.spec.row(row_id) else {
                return Err((exchanges, format!("row `{row_id}` is not declared")));
            };
            let verdict = cx
                .oracle
                .check_row(cx.spec, row, &record, &response, cx.options.strict);
            let first = verdict
                .mismatches
                .iter()
                .map(|m| format!("{}: expected {}, got {}", m.what, m.expected, m.observed))
                .next()
                .unwrap_or_default();
            match verdict.outcome {
                Outcome::Pass => Ok((step(format!("{answered} ({row_id})")), Judged::Matches)),
                Outcome::Warn => Ok((
                    step(format!("{answered}, assumed parts differ from {row_id}")),
                    Judged::Warns(format!("assumed parts differ from {row_id}: {first}")),
                )),
                Outcome::Fail => {
                    let looks = verdict
                        .looks_like
                        .map(|r| format!("row {r}"))
                        .unwrap_or_else(|| {
                            if endpoint.is_success(response.status) {
                                "a success".into()
                            } else {
                                "an undocumented answer".into()
                            }
                        });
                    let why = format!("expected row {row_id}, got {looks} ({first})");
                    Ok((
                        step(format!(
                            "{answered} {}; expected row {row_id}",
                            short_body(&response)
                        )),
                        Judged::Differs {
                            signature: format!("{key}:{row_id}"),
                            why,
                        },
                    ))
                }
            }
        }
        Expected::Success => {
            if !endpoint.is_success(response.status) {
                let looks = cx
                    .oracle
                    .classify(cx.spec, &response)
                    .map(|r| format!("row {r}"))
                    .unwrap_or_else(|| "an undocumented answer".into());
                return Ok((
                    step(format!(
                        "{answered} {}; expected a success",
                        short_body(&response)
                    )),
                    Judged::Differs {
                        signature: format!("{key}:success"),
                        why: format!("expected a success, got {} ({looks})", response.status),
                    },
                ));
            }
            // Keep the record's variables: a new record's, or the changed ones.
            let (mut vars, index) = match call.on {
                On::Fresh => (session.vars().clone(), records.len()),
                On::Record(i) => (records.get(i).cloned().unwrap_or_default(), i),
                On::Unknown => (BTreeMap::new(), usize::MAX),
            };
            if call.action == Action::Duplicate {
                // A re-created record answers to its variables as sent this time.
                vars.extend(session.vars().clone());
            }
            if let Err((var, from)) =
                save_values(&declared.save, &record.request, &response, &mut vars)
            {
                return Ok((
                    step(format!("{answered} without {from}")),
                    Judged::Differs {
                        signature: format!("{key}:save:{var}"),
                        why: format!("the answer has no `{from}` (the record's `{var}`)"),
                    },
                ));
            }
            if let Some(differs) = echo_differs(declared, &vars, &response) {
                return Ok((
                    step(format!("{answered} {}; {differs}", short_body(&response))),
                    Judged::Differs {
                        signature: format!("{key}:echo"),
                        why: differs,
                    },
                ));
            }
            if index == records.len() {
                records.push(vars);
            } else if let Some(slot) = records.get_mut(index) {
                *slot = vars;
            }
            Ok((step(answered), Judged::Matches))
        }
    }
}

/// The first value of a successful answer that differs from the record's variable it echoes.
fn echo_differs(
    declared: &ModelCall,
    vars: &BTreeMap<String, Value>,
    response: &Response,
) -> Option<String> {
    let body = response.json_body();
    declared.echo.iter().find_map(|(pointer, var)| {
        let expected = vars.get(var)?;
        let observed = body.as_ref().and_then(|b| b.pointer(pointer));
        let same = observed.is_some_and(|o| echo_text(o) == echo_text(expected));
        (!same).then(|| {
            format!(
                "{pointer}: expected {} (the record's `{var}`), got {}",
                echo_text(expected),
                observed.map_or_else(|| "nothing".to_string(), echo_text)
            )
        })
    })
}
