//! The main function here is [`execute`]: one case of one row, from a choice sequence to the
//! answer. It runs the endpoint's setup and the row's setup steps against the target, builds
//! the valid request, applies the row's operators, authenticates, sends, and returns the
//! [`CaseRecord`] the oracle reads. The same choices always build the same requests.
//!
//! Not for: judging (the oracle) or deciding how many cases to run (the runner).

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::auth::oauth1::Convention;
use crate::check::result::Cause;
use crate::check::CaseRecord;
use crate::generate::choice::Choices;
use crate::generate::draft::{apply_op, resolve, valid_draft, Draft, DraftEnv, DraftError};
use crate::generate::{GenContext, GenError, Pool, UniqueCounter};
use crate::spec::*;
use crate::target::{Request, Response, Target, TargetError};

/// Everything a case needs from its run.
pub struct CaseEnv<'a> {
    pub target: &'a dyn Target,
    pub fixtures: &'a Map<String, Value>,
    pub run_prefix: &'a str,
    pub pool: &'a Pool,
    pub unique: &'a UniqueCounter,
    /// Scheme and authority as the target sees them (for OAuth signatures).
    pub url_base: &'a str,
    /// A `Host` header to send (in-process targets have no socket to fill it in).
    pub host: Option<&'a str>,
    /// Faults the target supports; `None`: all.
    pub faults: Option<&'a [String]>,
    /// Read each time a request is built, right before it is sent: OAuth timestamps, nonces
    /// and dates relative to now are never older than the request.
    pub clock: crate::target::Clock,
    /// How OAuth 1.0a requests are signed: the convention each vendor's target verifies
    /// with, by vendor id (a vendor not listed: RFC 5849).
    pub signing: &'a BTreeMap<String, Convention>,
}

pub use crate::check::result::Exchange;

/// The outcome of running one case up to the answer.
#[derive(Debug, Clone)]
pub struct CaseRun {
    pub record: CaseRecord,
    pub response: Response,
    /// The setup exchanges, in order (the request under test is not among them).
    pub setup: Vec<Exchange>,
    /// A send before the request under test whose answer the case depends on was refused
    /// (the first use of a nonce the case then reuses): the case is not evidence of the row,
    /// and the refusal of a request that should be accepted is itself the finding.
    pub unmet: Option<crate::check::Mismatch>,
}

/// Why a case could not be completed: these make a row *untested*, never passed or failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    #[error("needs fixture `{0}`")]
    MissingFixture(String),
    #[error("needs the fault hook `{0}`")]
    MissingFault(String),
    #[error("setup step {step} ({endpoint}) answered {status}: {body}")]
    Setup {
        step: String,
        endpoint: String,
        status: u16,
        body: String,
    },
    #[error("setup step {step} ({endpoint}) answered {status} without `{from}` (saved as `{var}`): {body}")]
    SetupAnswer {
        step: String,
        endpoint: String,
        status: u16,
        from: String,
        var: String,
        body: String,
    },
    #[error("cannot build the request: {0}")]
    Build(String),
    #[error("{0}")]
    Target(TargetError),
}

impl CaseError {
    /// The one-line reason of a check this error leaves untested.
    pub fn untested_reason(&self) -> String {
        match self {
            CaseError::Target(t) if t.is_no_usable_answer() => format!("no usable answer: {t}"),
            CaseError::Target(TargetError::Stopped { reason }) => format!("not finished: {reason}"),
            CaseError::MissingFixture(f) => format!("needs fixture {f}"),
            CaseError::MissingFault(f) => format!("needs fault hook {f}"),
            CaseError::Setup { .. } | CaseError::SetupAnswer { .. } => {
                format!("setup failed: {self}")
            }
            other => other.to_string(),
        }
    }

    /// Whether the target gave no usable answer: the check that sent the request fails (see
    /// [`TargetError::is_no_usable_answer`]) instead of going untested.
    pub fn is_no_usable_answer(&self) -> bool {
        matches!(self, CaseError::Target(t) if t.is_no_usable_answer())
    }

    /// Whose move it is when this error leaves a check untested.
    pub fn cause(&self) -> Cause {
        match self {
            CaseError::Target(TargetError::Unsendable { .. } | TargetError::Stopped { .. }) => {
                Cause::Harness
            }
            CaseError::MissingFixture(_) | CaseError::MissingFault(_) => Cause::Setup,
            CaseError::Setup { .. } | CaseError::SetupAnswer { .. } | CaseError::Target(_) => {
                Cause::Target
            }
            CaseError::Build(_) => Cause::Harness,
        }
    }
}

impl From<DraftError> for CaseError {
    fn from(e: DraftError) -> Self {
        match e {
            DraftError::MissingFixture(f) => CaseError::MissingFixture(f),
            DraftError::MissingFault(f) => CaseError::MissingFault(f),
            DraftError::Gen(GenError::MissingFixture { name, .. }) => {
                CaseError::MissingFixture(name)
            }
            DraftError::Gen(GenError::NotAPool { name, .. }) => CaseError::MissingFixture(name),
            other => CaseError::Build(other.to_string()),
        }
    }
}

const MAX_SETUP_DEPTH: usize = 4;

/// A request built but not sent yet, and what it does to the pools when it succeeds.
type PoolEffects = (Request, Vec<PoolEffect>);

/// One pool value a request uses or gives back, and the delete that undoes the use.
struct PoolEffect {
    pool: String,
    value: Value,
    release: bool,
    undo: Option<Undo>,
}

/// A delete to send when the case ends: the endpoint, and the variables its path takes.
#[derive(Clone)]
struct Undo {
    endpoint: String,
    vars: BTreeMap<String, Value>,
    pool: String,
    value: Value,
}

struct Runner<'e, 'a> {
    env: &'e CaseEnv<'a>,
    spec: &'e VendorSpec,
    /// The run's pools seen from this case: its draws are distinct and held until it ends.
    pool: Pool,
    /// What each built request not yet sent does to a pool once it succeeds: (pool, value,
    /// gives the use back).
    pool_effects: std::sync::Mutex<Vec<PoolEffects>>,
    /// The deletes that give back the pool values this case's creates used.
    undos: std::sync::Mutex<Vec<Undo>>,
    vars: BTreeMap<String, Value>,
    setup: Vec<Exchange>,
    nonce_counter: u64,
    /// The time of the request being built: read from the clock when its building starts.
    now: chrono::DateTime<chrono::Utc>,
}

impl<'e, 'a> Runner<'e, 'a> {
    fn new(env: &'e CaseEnv<'a>, spec: &'e VendorSpec) -> Self {
        Runner {
            env,
            spec,
            pool: env.pool.scoped(),
            pool_effects: std::sync::Mutex::default(),
            undos: std::sync::Mutex::default(),
            vars: BTreeMap::new(),
            setup: Vec::new(),
            nonce_counter: 0,
            now: env.clock.now(),
        }
    }

    /// Reads the clock for the next request.
    fn tick(&mut self) {
        self.now = self.env.clock.now();
    }

    fn draft_env<'v>(&'v self, vars: &'v BTreeMap<String, Value>) -> DraftEnv<'v> {
        DraftEnv {
            gen: GenContext {
                fixtures: self.env.fixtures,
                vars,
                run_prefix: self.env.run_prefix,
                now: self.now,
                pool: &self.pool,
                unique: self.env.unique,
            },
            faults: self.env.faults,
            oauth1: self
                .env
                .signing
                .get(&self.spec.vendor.id)
                .copied()
                .unwrap_or_default(),
        }
    }

    fn endpoint(&self, id: &str) -> Result<&'e Endpoint, CaseError> {
        self.spec
            .endpoint(id)
            .ok_or_else(|| CaseError::Build(format!("endpoint `{id}` is not declared")))
    }

    fn nonce(&mut self) -> String {
        self.nonce_counter += 1;
        format!(
            "{}{}n{}",
            self.env.run_prefix,
            self.env.unique.next(),
            self.nonce_counter
        )
    }

    /// Builds a draft for `endpoint`, applies `ops`, and serializes it.
    fn build(
        &mut self,
        endpoint: &Endpoint,
        ops: &[Op],
        ch: &mut Choices<'_>,
    ) -> Result<(Request, Draft), CaseError> {
        self.tick();
        let draft = self.valid(endpoint, ch)?;
        let draft = self.mutate(draft, ops, ch)?;
        let (request, draft) = self.finish(draft)?;
        self.note_pool_effects(endpoint, ops, &request, &draft);
        Ok((request, draft))
    }

    /// Remembers which pool values `request` uses (where `endpoint` draws them) and gives back
    /// (where the spec says a success releases one), for when it is sent.
    fn note_pool_effects(
        &mut self,
        endpoint: &Endpoint,
        ops: &[Op],
        request: &Request,
        draft: &Draft,
    ) {
        let consumed = endpoint
            .pool_sites()
            .iter()
            .cloned()
            .chain(
                crate::generate::pools::op_draws(ops)
                    .into_iter()
                    .map(|(pool, at, _)| (pool, at)),
            )
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|(pool, at)| (pool, at, false));
        let released = crate::generate::pools::released_at(self.spec, &endpoint.id)
            .into_iter()
            .map(|(pool, at)| (pool, at, true));
        let mut effects = consumed.chain(released).peekable();
        if effects.peek().is_none() {
            // Most endpoints draw from no pool: nothing to copy.
            return;
        }
        let record = CaseRecord {
            vars: draft
                .path_params
                .iter()
                .map(|(k, v)| (format!("path:{k}"), Value::String(v.clone())))
                .collect(),
            request: request.clone(),
        };
        let effects: Vec<PoolEffect> = effects
            .filter_map(|(pool, at, release)| {
                let value = record.sent(&at)?;
                let undo = (!release)
                    .then(|| {
                        crate::generate::pools::undo_of(
                            self.spec,
                            endpoint,
                            &pool,
                            &value,
                            &draft.path_params,
                        )
                    })
                    .flatten()
                    .map(|(delete, vars)| Undo {
                        endpoint: delete.id.clone(),
                        vars,
                        pool: pool.clone(),
                        value: value.clone(),
                    });
                Some(PoolEffect {
                    pool,
                    value,
                    release,
                    undo,
                })
            })
            .collect();
        if !effects.is_empty() {
            let mut pending = self.pool_effects.lock().unwrap_or_else(|p| p.into_inner());
            pending.push((request.clone(), effects));
        }
    }

    /// A valid draft of `endpoint` with the current variables.
    fn valid(&mut self, endpoint: &Endpoint, ch: &mut Choices<'_>) -> Result<Draft, CaseError> {
        Ok(valid_draft(endpoint, &self.draft_env(&self.vars), ch)?)
    }

    /// `draft` with `ops` applied in order, recording their variables.
    fn mutate(
        &mut self,
        mut draft: Draft,
        ops: &[Op],
        ch: &mut Choices<'_>,
    ) -> Result<Draft, CaseError> {
        let mut vars = std::mem::take(&mut self.vars);
        let result = (|| {
            for op in ops {
                let mut scratch = vars.clone();
                apply_op(&mut draft, op, &self.draft_env(&vars), &mut scratch, ch)?;
                vars = scratch;
            }
            Ok::<_, CaseError>(())
        })();
        self.vars = vars;
        result.map(|()| draft)
    }

    /// Authenticates and serializes a draft.
    fn finish(&mut self, draft: Draft) -> Result<(Request, Draft), CaseError> {
        let nonce = self.nonce();
        let secs = self.now.timestamp().max(0) as u64;
        let mut request = draft
            .finish(
                &self.spec.vendor,
                &self.draft_env(&self.vars),
                self.env.url_base,
                &nonce,
                secs,
            )
            .map_err(CaseError::from)?;
        if let Some(host) = self.env.host {
            if request.header("host").is_none() {
                request.set_header("Host", host);
            }
        }
        for (name, value) in &draft.path_params {
            self.vars
                .insert(format!("path:{name}"), Value::String(value.clone()));
        }
        Ok((request, draft))
    }

    fn send(&self, request: &Request) -> Result<Response, CaseError> {
        let response = self.env.target.send(request).map_err(CaseError::Target)?;
        let effects = {
            let mut pending = self.pool_effects.lock().unwrap_or_else(|p| p.into_inner());
            let i = pending.iter().position(|(r, _)| r == request);
            i.map(|i| pending.swap_remove(i).1)
        };
        if let Some(effects) = effects {
            if (200..300).contains(&response.status) {
                let mut undos = self.undos.lock().unwrap_or_else(|p| p.into_inner());
                for effect in effects {
                    if effect.release {
                        self.pool.release(&effect.pool, &effect.value);
                        // The case deleted it itself: nothing left to undo for that value.
                        if let Some(i) = undos
                            .iter()
                            .position(|u| u.pool == effect.pool && u.value == effect.value)
                        {
                            undos.remove(i);
                        }
                    } else {
                        self.pool.charge(&effect.pool, &effect.value);
                        undos.extend(effect.undo);
                    }
                }
            }
        }
        Ok(response)
    }

    /// Sends the request under test, undoes the case's creates, and gives the case's run.
    fn conclude(mut self, request: Request) -> Result<CaseRun, CaseError> {
        let response = self.send(&request)?;
        self.undo_creates();
        Ok(CaseRun {
            record: CaseRecord {
                vars: self.vars,
                request,
            },
            response,
            setup: self.setup,
            unmet: None,
        })
    }

    /// Sends the deletes that undo what this case's creates made with pool values (the spec's
    /// `released_by`), so those values' uses come back; their answers are not judged, and a
    /// delete that cannot be built or is refused leaves the use spent.
    fn undo_creates(&mut self) {
        if !self.pool.recycles() {
            return;
        }
        let undos = std::mem::take(&mut *self.undos.lock().unwrap_or_else(|p| p.into_inner()));
        let vars = self.vars.clone();
        for undo in undos {
            let Some(endpoint) = self.spec.endpoint(&undo.endpoint) else {
                continue;
            };
            self.vars.extend(undo.vars);
            if let Ok((request, _)) = self.build(endpoint, &[], &mut Choices::new(&[])) {
                let _ = self.send(&request);
            }
            self.vars = vars.clone();
        }
    }

    fn run_endpoint_setup(
        &mut self,
        endpoint: &Endpoint,
        ch: &mut Choices<'_>,
        depth: usize,
    ) -> Result<(), CaseError> {
        if depth > MAX_SETUP_DEPTH {
            return Err(CaseError::Build(format!(
                "setup of `{}` nests deeper than {MAX_SETUP_DEPTH} steps",
                endpoint.id
            )));
        }
        for (i, step) in endpoint.setup.iter().enumerate() {
            self.run_step(step, &format!("{}#{}", endpoint.id, i + 1), ch, depth + 1)?;
        }
        Ok(())
    }

    fn run_step(
        &mut self,
        step: &Step,
        label: &str,
        ch: &mut Choices<'_>,
        depth: usize,
    ) -> Result<(), CaseError> {
        let endpoint = self.endpoint(&step.endpoint)?;
        let times = match &step.repeat {
            None => 1,
            Some(Repeat::Times { times }) => *times as u64,
            Some(Repeat::Fixture { fixture }) => self
                .env
                .fixtures
                .get(fixture)
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .ok_or_else(|| CaseError::MissingFixture(fixture.clone()))?,
        };
        for _ in 0..times {
            self.run_endpoint_setup(endpoint, ch, depth)?;
            // A value the step keeps for later requests is drawn fresh (`pools::keeps_draw`).
            let keep = crate::generate::pools::keeps_draw(step, endpoint);
            self.pool.set_fresh(keep);
            let built = self.build(endpoint, &step.ops, ch);
            self.pool.set_fresh(false);
            let (request, _) = built?;
            let response = self.send(&request)?;
            let ok = match step.expect {
                StepExpect::Any => true,
                StepExpect::Success => endpoint.is_success(response.status),
            };
            if !ok {
                let body: String = response.text_body().chars().take(200).collect();
                let status = response.status;
                self.setup.push(Exchange { request, response });
                return Err(CaseError::Setup {
                    step: label.to_string(),
                    endpoint: endpoint.id.clone(),
                    status,
                    body,
                });
            }
            // A value the spec saves from the answer must be there: a successful answer without
            // it leaves the case unbuildable, and that is the target's doing, not the spec's.
            let mut missing = None;
            let answer = OnceCell::new();
            for (name, source) in &step.save {
                match saved_value(source, &request, &response, &answer) {
                    Some(v) => {
                        self.vars.insert(name.clone(), v);
                    }
                    None if source.from().reads_answer() => {
                        missing.get_or_insert((name.clone(), source.from().to_string()));
                    }
                    None => {}
                }
            }
            if let Some((var, from)) = missing {
                let body: String = response.text_body().chars().take(200).collect();
                let status = response.status;
                self.setup.push(Exchange { request, response });
                return Err(CaseError::SetupAnswer {
                    step: label.to_string(),
                    endpoint: endpoint.id.clone(),
                    status,
                    from,
                    var,
                    body,
                });
            }
            self.setup.push(Exchange { request, response });
        }
        Ok(())
    }
}

/// What the stateful property drives a session with: variables it carries from call to call,
/// and a request built and sent in one step.
impl<'e, 'a> Session<'e, 'a> {
    /// The variables the next request is built with.
    pub(crate) fn vars(&self) -> &BTreeMap<String, Value> {
        &self.runner.vars
    }

    pub(crate) fn set_vars(&mut self, vars: BTreeMap<String, Value>) {
        self.runner.vars = vars;
    }

    /// Runs the endpoint's own setup steps (their saved values become variables) and returns
    /// their exchanges.
    pub(crate) fn setup(
        &mut self,
        endpoint: &Endpoint,
        choices: &[u64],
    ) -> Result<Vec<Exchange>, CaseError> {
        let mut ch = Choices::new(choices);
        let result = self.runner.run_endpoint_setup(endpoint, &mut ch, 0);
        let exchanges = std::mem::take(&mut self.runner.setup);
        result.map(|()| exchanges)
    }

    /// Resolves value specs (a generated id, a fixture, ...) to values, as `set` would.
    pub(crate) fn resolve(
        &self,
        specs: &BTreeMap<String, ValueSpec>,
        choices: &[u64],
    ) -> Result<BTreeMap<String, Value>, CaseError> {
        let mut ch = Choices::new(choices);
        let mut vars = self.runner.vars.clone();
        let mut out = BTreeMap::new();
        for (name, spec) in specs {
            let value = resolve(
                spec,
                &self.runner.draft_env(&self.runner.vars),
                &mut vars,
                &mut ch,
            )?;
            out.insert(name.clone(), value);
        }
        Ok(out)
    }

    /// Builds a valid request to `endpoint` with `ops` applied, sends it, and returns what
    /// the oracle reads and the answer. Nothing is saved.
    pub(crate) fn build_and_send(
        &mut self,
        endpoint: &Endpoint,
        ops: &[Op],
        choices: &[u64],
    ) -> Result<(CaseRecord, Response), CaseError> {
        let mut ch = Choices::new(choices);
        let (request, _) = self.runner.build(endpoint, ops, &mut ch)?;
        let response = self.runner.send(&request)?;
        Ok((
            CaseRecord {
                vars: self.runner.vars.clone(),
                request,
            },
            response,
        ))
    }
}

/// Saves values from an exchange into `vars`, as a step's `save` does. A value to read from
/// the answer that is not there is returned as (variable, source).
pub(crate) fn save_values(
    save: &BTreeMap<String, SaveSource>,
    request: &Request,
    response: &Response,
    vars: &mut BTreeMap<String, Value>,
) -> Result<(), (String, String)> {
    let answer = OnceCell::new();
    for (name, source) in save {
        match saved_value(source, request, response, &answer) {
            Some(v) => {
                vars.insert(name.clone(), v);
            }
            None if source.from().reads_answer() => {
                return Err((name.clone(), source.from().to_string()));
            }
            None => {}
        }
    }
    Ok(())
}

fn saved_value(
    source: &SaveSource,
    request: &Request,
    response: &Response,
    answer: &OnceCell<Option<Value>>,
) -> Option<Value> {
    let regex = match source {
        SaveSource::Plain(_) => None,
        SaveSource::Regex { regex, .. } => Some(regex.as_str()),
    };
    let raw = match source.from() {
        SaveFrom::ResponseHeader(header) => response
            .header(header)
            .map(|h| Value::String(h.to_string())),
        SaveFrom::Response(pointer) => answer
            .get_or_init(|| response.json_body())
            .as_ref()
            .and_then(|j| j.pointer(pointer).cloned()),
        // A path parameter is not in the request's text.
        SaveFrom::Request(Location::Path(_)) => None,
        SaveFrom::Request(location) => CaseRecord {
            vars: BTreeMap::new(),
            request: request.clone(),
        }
        .sent(location),
    }?;
    match regex {
        None => Some(raw),
        Some(re) => {
            let text = crate::check::oracle::echo_text(&raw);
            SAVE_REGEXES.with_borrow_mut(|compiled| {
                let re = compiled
                    .entry(re.to_string())
                    .or_insert_with(|| regex::Regex::new(re).ok())
                    .as_ref()?;
                let caps = re.captures(&text)?;
                caps.get(1)
                    .or_else(|| caps.get(0))
                    .map(|m| Value::String(m.as_str().to_string()))
            })
        }
    }
}

thread_local! {
    /// The `save` regexes compiled so far: a spec has a handful, and setups run them for
    /// every case.
    static SAVE_REGEXES: RefCell<HashMap<String, Option<regex::Regex>>> =
        RefCell::new(HashMap::new());
}

/// Runs one case of `row`: setup, the mutated request, the answer.
pub fn execute(
    env: &CaseEnv<'_>,
    spec: &VendorSpec,
    row: &ErrorRow,
    choices: &[u64],
) -> Result<CaseRun, CaseError> {
    let trigger = row
        .trigger
        .as_ref()
        .ok_or_else(|| CaseError::Build(format!("row `{}` has no trigger", row.id)))?;
    let endpoint_id = row
        .trigger_endpoint()
        .ok_or_else(|| CaseError::Build(format!("row `{}` names no endpoint", row.id)))?;
    let mut ch = Choices::new(choices);
    // The variant is the first choice, so that the choices `[i]` build variant `i` with the
    // simplest request (see `variant_examples`).
    let ops: Vec<Op> = if trigger.variants.is_empty() {
        trigger.ops.clone()
    } else {
        let i = ch.below(trigger.variants.len() as u64) as usize;
        let variant = trigger.variants.get(i).map(Vec::as_slice).unwrap_or(&[]);
        trigger.ops.iter().chain(variant).cloned().collect()
    };
    let mut runner = Runner::new(env, spec);
    let endpoint = runner.endpoint(endpoint_id)?;
    runner.run_endpoint_setup(endpoint, &mut ch, 0)?;
    for (i, step) in trigger.setup.iter().enumerate() {
        runner.run_step(step, &format!("setup#{}", i + 1), &mut ch, 1)?;
    }
    let (request, draft) = runner.build(endpoint, &ops, &mut ch)?;
    if draft.tamper.contains(&OauthTamper::ReuseNonce) {
        // The first use of the nonce must be accepted: a reuse only shows something when the
        // same request was fine the first time. A refusal ends the case with that answer.
        let first = runner.send(&request)?;
        if !endpoint.is_success(first.status) {
            let unmet = crate::check::Mismatch {
                what: crate::check::MismatchKind::Status,
                expected: format!(
                    "{} to the first send (the first use of the nonce is a valid request)",
                    endpoint.success_text()
                ),
                observed: first.status.to_string(),
                documented: true,
            };
            runner.undo_creates();
            return Ok(CaseRun {
                record: CaseRecord {
                    vars: runner.vars,
                    request,
                },
                response: first,
                setup: runner.setup,
                unmet: Some(unmet),
            });
        }
        runner.setup.push(Exchange {
            request: request.clone(),
            response: first,
        });
    }
    runner.conclude(request)
}

/// The choice sequences that build each variant of a row's trigger once, with the simplest
/// request: `[0]`, `[1]`, ... (none for a trigger without variants).
pub fn variant_examples(row: &ErrorRow) -> Vec<Vec<u64>> {
    let variants = row.trigger.as_ref().map_or(0, |t| t.variants.len());
    (0..variants as u64).map(|i| vec![i]).collect()
}

/// Runs one valid request to `endpoint` (its setup first): the positive check.
pub fn execute_valid(
    env: &CaseEnv<'_>,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    choices: &[u64],
) -> Result<CaseRun, CaseError> {
    let mut ch = Choices::new(choices);
    let mut runner = Runner::new(env, spec);
    runner.run_endpoint_setup(endpoint, &mut ch, 0)?;
    let (request, _) = runner.build(endpoint, &[], &mut ch)?;
    runner.conclude(request)
}

/// A sequence of requests that share their case variables: what cross-request properties
/// (`props`) build with. Every request is built by the same machinery as a row's case (setup
/// steps and saves, valid drafts, operators, authentication), so a property never builds
/// requests of its own.
pub struct Session<'e, 'a> {
    runner: Runner<'e, 'a>,
}

impl<'e, 'a> Session<'e, 'a> {
    /// A session with no variables yet.
    pub fn new(env: &'e CaseEnv<'a>, spec: &'e VendorSpec) -> Self {
        Session {
            runner: Runner::new(env, spec),
        }
    }

    /// The endpoint with this id, or a build error naming it.
    pub fn endpoint(&self, id: &str) -> Result<&'e Endpoint, CaseError> {
        self.runner.endpoint(id)
    }

    /// Runs the endpoint's own `setup` steps (saving their variables).
    pub fn endpoint_setup(
        &mut self,
        endpoint: &Endpoint,
        ch: &mut Choices<'_>,
    ) -> Result<(), CaseError> {
        self.runner.run_endpoint_setup(endpoint, ch, 0)
    }

    /// Runs one setup step (all its repetitions), as a row's setup would.
    pub fn step(
        &mut self,
        step: &Step,
        label: &str,
        ch: &mut Choices<'_>,
    ) -> Result<(), CaseError> {
        self.runner.run_step(step, label, ch, 1)
    }

    /// A request to `endpoint` built from a valid draft with `ops` applied, with the session's
    /// variables (the endpoint's setup is not run).
    pub fn build(
        &mut self,
        endpoint: &Endpoint,
        ops: &[Op],
        ch: &mut Choices<'_>,
    ) -> Result<Request, CaseError> {
        self.runner
            .build(endpoint, ops, ch)
            .map(|(request, _)| request)
    }

    /// Two requests from one valid draft: the draft as it is (the valid twin) and with `ops`
    /// applied, each authenticated on its own.
    pub fn build_twins(
        &mut self,
        endpoint: &Endpoint,
        ops: &[Op],
        ch: &mut Choices<'_>,
    ) -> Result<(Request, Request), CaseError> {
        self.runner.tick();
        let draft = self.runner.valid(endpoint, ch)?;
        let mutated = self.runner.mutate(draft.clone(), ops, ch)?;
        let (valid, valid_draft) = self.runner.finish(draft)?;
        let (mutated, mutated_draft) = self.runner.finish(mutated)?;
        self.runner
            .note_pool_effects(endpoint, &[], &valid, &valid_draft);
        self.runner
            .note_pool_effects(endpoint, ops, &mutated, &mutated_draft);
        Ok((valid, mutated))
    }

    /// Sends one request (not recorded: the caller keeps its own sequence).
    pub fn send(&self, request: &Request) -> Result<Response, CaseError> {
        self.runner.send(request)
    }

    /// The case record the oracle reads for `request`, with the session's variables.
    pub fn record(&self, request: &Request) -> CaseRecord {
        CaseRecord {
            vars: self.runner.vars.clone(),
            request: request.clone(),
        }
    }

    /// The setup exchanges so far, in order.
    pub fn setup_exchanges(&self) -> &[Exchange] {
        &self.runner.setup
    }
}
