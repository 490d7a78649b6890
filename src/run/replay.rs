//! The main type here is [`SavedFailure`]: what `--save-failures DIR` writes for each failed
//! check, of every kind, and what `confuzz replay FILE` reads back. [`replay`] judges it again:
//!
//! - a row or a valid-request check is rebuilt from its seed, prefix and choice sequence (so
//!   signatures and timestamps are fresh), sent again and judged again;
//! - a property is re-run for its one subject with the saved seed, cases and strictness, under
//!   a fresh prefix (the target may still hold what the first run created): the sequence it
//!   sends is drawn as in the run, and judged as in the run. Re-sending the saved requests
//!   byte for byte would replay stale identifiers, nonces and timestamps.
//!
//! Not for: running whole tables (see `runner`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::runner::{
    case_prefix, first_line, run, CheckKind, CheckResult, Evidence, RowVerdict, RunOptions,
};
use crate::auth::oauth1::Convention;
use crate::check::{Oracle, Outcome, Verdict};
use crate::exec::case::{execute, execute_valid, CaseEnv, CaseRun, Exchange};
use crate::generate::{Pool, UniqueCounter};
use crate::spec::SpecSet;
use crate::target::{Request, Response, Target};

/// The format [`SavedFailure::save`] writes.
pub const SAVED_FORMAT: u32 = 2;

/// A failed check, saved for replay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedFailure {
    pub format: u32,
    pub seed: u64,
    /// The run prefix of created entities.
    pub prefix: String,
    pub strict: bool,
    /// The OAuth 1.0a convention the case was signed with (vendors whose auth is `oauth1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth1: Option<Convention>,
    /// Cases per row of the run.
    pub cases: u32,
    /// The failed check as the run reported it: what was sent and answered is kept for
    /// people; replay regenerates it.
    pub check: CheckResult,
}

/// The saved form of format 1 (failed rows only), still read.
#[derive(Deserialize)]
struct SavedRow {
    row: String,
    vendor: String,
    seed: u64,
    prefix: String,
    choices: Vec<u64>,
    strict: bool,
    setup: Vec<Exchange>,
    request: Request,
    response: Response,
    mismatches: Vec<crate::check::Mismatch>,
}

impl From<SavedRow> for SavedFailure {
    fn from(old: SavedRow) -> Self {
        let mut check = CheckResult::row(&old.vendor, &old.row, old.row.clone());
        check.verdict = RowVerdict::Failed;
        check.evidence = Some(Evidence {
            mismatches: old.mismatches,
            reading: old.row.clone(),
            looks_like: None,
            request: old.request,
            response: old.response,
            setup: old.setup,
            choices: old.choices,
            shrunk: false,
            reproduced: true,
        });
        SavedFailure {
            format: 1,
            oauth1: None,
            seed: old.seed,
            prefix: old.prefix,
            strict: old.strict,
            cases: RunOptions::default().cases,
            check,
        }
    }
}

impl SavedFailure {
    /// The saved form of a failed check of a run with this seed, prefix, strictness and cases
    /// per row; `None` when the check did not fail, or failed without anything to replay (a
    /// row or valid-request check without a minimal case).
    pub fn from_check(
        check: &CheckResult,
        seed: u64,
        prefix: &str,
        strict: bool,
        cases: u32,
    ) -> Option<Self> {
        if check.verdict != RowVerdict::Failed {
            return None;
        }
        match check.kind {
            CheckKind::Row | CheckKind::Valid if check.evidence.is_none() => return None,
            CheckKind::Row | CheckKind::Valid | CheckKind::Property => {}
        }
        Some(SavedFailure {
            format: SAVED_FORMAT,
            seed,
            prefix: prefix.to_string(),
            strict,
            oauth1: None,
            cases,
            check: check.clone(),
        })
    }

    /// Writes it as `DIR/<check id>.json`; returns the path.
    pub fn save(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let value = serde_json::to_value(self).map_err(std::io::Error::other)?;
        save_new(dir, &self.check.id, &value)
    }

    /// Reads a saved failure (format 1 or 2), naming the file and line on error.
    pub fn load(path: &Path) -> Result<Self, ReplayError> {
        let text = crate::spec::load::read_limited(path, MAX_SAVED_BYTES).map_err(|source| {
            ReplayError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let not_saved = |source: serde_json::Error| ReplayError::NotSaved {
            path: path.to_path_buf(),
            line: source.line(),
            source,
        };
        let value: Value = serde_json::from_str(&text).map_err(not_saved)?;
        match value.get("format").and_then(Value::as_u64) {
            Some(1) => serde_json::from_str::<SavedRow>(&text)
                .map(SavedFailure::from)
                .map_err(not_saved),
            Some(f) if f == u64::from(SAVED_FORMAT) => {
                serde_json::from_str(&text).map_err(not_saved)
            }
            Some(found) => Err(ReplayError::Format {
                path: path.to_path_buf(),
                found,
            }),
            None => Err(ReplayError::NoFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Why a saved failure could not be read or replayed. The texts are what `confuzz replay`
/// prints; those about the file name it (and the line) and say what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or not the shape of a saved failure; `line` is where the parser stopped.
    #[error("{}:{line}: not a saved failure: {source}\n  fix: pass a file written by `confuzz run --save-failures DIR`", path.display())]
    NotSaved {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// JSON without a `format` field.
    #[error("{}: not a saved failure: it has no `format`\n  fix: pass a file written by `confuzz run --save-failures DIR`", path.display())]
    NoFormat { path: PathBuf },
    /// A format this version does not read.
    #[error("{}: saved-failure format {found} is not one this confuzz reads (1 or {SAVED_FORMAT})\n  fix: replay it with the confuzz that saved it, or save the failure again", path.display())]
    Format { path: PathBuf, found: u64 },
    /// The saved check's vendor has no loaded spec.
    #[error("no spec for vendor `{0}` is loaded")]
    NoVendor(String),
    /// The saved row is not in the loaded spec.
    #[error("row `{0}` is not in the loaded spec")]
    NoRow(String),
    /// The saved valid-request check's endpoint is not in the loaded spec.
    #[error("endpoint `{0}` is not in the loaded spec")]
    NoEndpoint(String),
    /// The saved property subject is not declared any more.
    #[error("the spec no longer declares the property `{0}`")]
    NoProperty(String),
    /// The rebuilt case could not be completed.
    #[error(transparent)]
    Case(Box<crate::exec::case::CaseError>),
    /// The property's run could not go on.
    #[error(transparent)]
    Run(#[from] super::runner::RunError),
}

impl From<crate::exec::case::CaseError> for ReplayError {
    fn from(e: crate::exec::case::CaseError) -> Self {
        ReplayError::Case(Box::new(e))
    }
}

/// The largest saved failure read (a saved answer may hold a body of up to 64 MiB).
pub const MAX_SAVED_BYTES: u64 = 256 << 20;

/// Writes `value` as `dir/<name>.json` in a file that did not exist (never replacing one,
/// never following a link planted at that name): `<name>-2.json` and on when taken.
pub fn save_new(dir: &Path, name: &str, value: &serde_json::Value) -> std::io::Result<PathBuf> {
    save_new_with_body(dir, name, None, |_| value.clone())
}

/// [`save_new`], and with `body` also `dir/<name>.body.bin` beside it (the same stem, a file
/// that did not exist either) holding those bytes; `value` is built knowing that file's path.
pub fn save_new_with_body(
    dir: &Path,
    name: &str,
    body: Option<&[u8]>,
    value: impl Fn(Option<&Path>) -> serde_json::Value,
) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    let create = |path: &Path| {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    for n in 1..=1000u32 {
        let stem = if n == 1 {
            name.to_string()
        } else {
            format!("{name}-{n}")
        };
        let body_path = dir.join(format!("{stem}.body.bin"));
        if let Some(bytes) = body {
            match create(&body_path) {
                Ok(mut f) => f.write_all(bytes)?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        let path = dir.join(format!("{stem}.json"));
        match create(&path) {
            Ok(mut f) => {
                let v = value(body.map(|_| body_path.as_path()));
                let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)? + "\n";
                f.write_all(text.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if body.is_some() {
                    let _ = std::fs::remove_file(&body_path);
                }
                continue;
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "1000 files named {name}*.json already exist in {}",
        dir.display()
    )))
}

/// Where and how a replay sends its requests.
pub struct ReplayTarget<'a> {
    pub target: &'a dyn Target,
    pub fixtures: &'a Map<String, Value>,
    /// Scheme and authority the target sees (OAuth signatures).
    pub url_base: &'a str,
    pub host: Option<&'a str>,
    /// The faults the target supports; `None`: every fault a spec declares.
    pub faults: Option<&'a [String]>,
}

/// A fresh number for the rebuilt case: the target may still hold the entities of the first.
fn fresh_attempt() -> u32 {
    2 + (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        % 1_000_000)
}

/// Replays a saved failure against `to` and judges it again: the result is the check as it
/// stands now (`failed` when it still fails), with fresh evidence.
pub fn replay(
    saved: &SavedFailure,
    set: &SpecSet,
    to: &ReplayTarget<'_>,
) -> Result<CheckResult, ReplayError> {
    let check = &saved.check;
    let spec = set
        .vendor(&check.vendor)
        .ok_or_else(|| ReplayError::NoVendor(check.vendor.clone()))?;
    let oracle = Oracle::new(set);
    let pool = Pool::new(to.fixtures);
    let unique = UniqueCounter::new();
    let attempt = fresh_attempt();
    let choices = check
        .evidence
        .as_ref()
        .map(|e| e.choices.clone())
        .unwrap_or_default();
    let prefix = case_prefix(&saved.prefix, &check.id, &choices, attempt);
    let signing: BTreeMap<String, Convention> = saved
        .oauth1
        .map(|c| (check.vendor.clone(), c))
        .into_iter()
        .collect();
    let env = CaseEnv {
        target: to.target,
        fixtures: to.fixtures,
        run_prefix: &prefix,
        pool: &pool,
        unique: &unique,
        url_base: to.url_base,
        host: to.host,
        faults: to.faults,
        clock: crate::target::Clock::system(),
        signing: &signing,
    };
    // The check as it stands now, with the rebuilt case as its evidence whatever the verdict.
    let judged = |run: CaseRun, verdict: Verdict, reason: Option<String>| {
        let mut result = check.clone();
        result.count = 1;
        result.verdict = match verdict.outcome {
            Outcome::Fail => RowVerdict::Failed,
            Outcome::Warn => RowVerdict::Warned,
            Outcome::Pass => RowVerdict::Passed,
        };
        result.reason = reason;
        result.evidence = Some(Evidence {
            mismatches: verdict.mismatches,
            reading: verdict.reading,
            looks_like: verdict.looks_like,
            request: run.record.request,
            response: run.response,
            setup: run.setup,
            choices: choices.clone(),
            shrunk: false,
            reproduced: true,
        });
        result
    };
    match check.kind {
        CheckKind::Row => {
            let row = spec
                .row(&check.id)
                .ok_or_else(|| ReplayError::NoRow(check.id.clone()))?;
            let run = execute(&env, spec, row, &choices)?;
            let verdict = super::runner::judge(&oracle, spec, row, &run, saved.strict);
            let reason =
                (verdict.outcome != Outcome::Pass).then(|| first_line(&verdict.mismatches));
            Ok(judged(run, verdict, reason))
        }
        CheckKind::Valid => {
            let name = check.endpoint.as_deref().unwrap_or_default();
            let endpoint = spec
                .endpoint(name)
                .ok_or_else(|| ReplayError::NoEndpoint(name.to_string()))?;
            let run = execute_valid(&env, spec, endpoint, &choices)?;
            let (verdict, reason) = match oracle.check_valid(spec, endpoint, &run.response) {
                Some((verdict, reason)) => (verdict, Some(reason)),
                None => (
                    Verdict {
                        outcome: Outcome::Pass,
                        reading: check.id.clone(),
                        mismatches: Vec::new(),
                        looks_like: None,
                    },
                    None,
                ),
            };
            Ok(judged(run, verdict, reason))
        }
        CheckKind::Property => {
            let property = check.property.clone().unwrap_or_default();
            let options = RunOptions {
                cases: saved.cases,
                seed: saved.seed,
                strict: saved.strict,
                jobs: 1,
                rows: vec![check.id.clone()],
                positive: false,
                url_base: to.url_base.to_string(),
                host: to.host.map(str::to_string),
                faults: to.faults.map(<[String]>::to_vec),
                prefix: Some(prefix),
                properties: Some(vec![property]),
                ..RunOptions::default()
            };
            let report = run(set, to.target, to.fixtures, &options, &|_| {})?;
            report
                .check(&check.id)
                .cloned()
                .ok_or_else(|| ReplayError::NoProperty(check.id.clone()))
        }
    }
}
