//! The main type here is [`SavedFailure`]: what `--save-failures DIR` writes for each failed
//! row, and what `confuzz replay FILE` reads back. Replay rebuilds the case from its seed,
//! prefix and choice sequence (so signatures and timestamps are fresh) and judges it again.
//!
//! Not for: running whole tables (see `runner`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::case::{execute, CaseEnv, Exchange};
use super::runner::CheckResult;
use crate::check::{Oracle, Verdict};
use crate::generate::{Pool, UniqueCounter};
use crate::spec::SpecSet;
use crate::target::{Request, Response, Target};

/// A failed case, saved for replay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedFailure {
    pub format: u32,
    pub row: String,
    pub vendor: String,
    pub seed: u64,
    pub prefix: String,
    pub choices: Vec<u64>,
    pub strict: bool,
    /// What was sent and answered when it failed (for people; replay regenerates).
    pub setup: Vec<Exchange>,
    pub request: Request,
    pub response: Response,
    pub mismatches: Vec<crate::check::Mismatch>,
}

impl SavedFailure {
    /// Builds the saved form of a failed row; `None` when the row has no evidence.
    pub fn from_row(row: &CheckResult, seed: u64, prefix: &str, strict: bool) -> Option<Self> {
        let e = row.evidence.as_ref()?;
        Some(SavedFailure {
            format: SAVED_FORMAT,
            row: row.id.clone(),
            vendor: row.vendor.clone(),
            seed,
            prefix: prefix.to_string(),
            choices: e.choices.clone(),
            strict,
            setup: e.setup.clone(),
            request: e.request.clone(),
            response: e.response.clone(),
            mismatches: e.mismatches.clone(),
        })
    }

    /// Writes it as `DIR/<row id>.json`; returns the path.
    pub fn save(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let value = serde_json::to_value(self).map_err(std::io::Error::other)?;
        save_new(dir, &self.row, &value)
    }

    /// Reads a saved failure, naming the file and line on error.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = crate::spec::load::read_limited(path, MAX_SAVED_BYTES)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let saved: SavedFailure = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}: not a saved failure: {e}\n  fix: pass a file written by `confuzz run --save-failures DIR`",
                path.display(),
                e.line()
            )
        })?;
        if saved.format != SAVED_FORMAT {
            return Err(format!(
                "{}: saved-failure format {} is not the one this confuzz reads ({SAVED_FORMAT})\n  fix: replay it with the confuzz that saved it, or save the failure again",
                path.display(),
                saved.format
            ));
        }
        Ok(saved)
    }
}

/// The format of saved failures this version writes and reads.
pub const SAVED_FORMAT: u32 = 1;

/// The largest saved failure read (a saved answer may hold a body of up to 64 MiB).
pub const MAX_SAVED_BYTES: u64 = 256 << 20;

/// Writes `value` as `dir/<name>.json` in a file that did not exist (never replacing one,
/// never following a link planted at that name): `<name>-2.json` and on when taken.
pub fn save_new(dir: &Path, name: &str, value: &serde_json::Value) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)? + "\n";
    for n in 1..=1000u32 {
        let file = if n == 1 {
            format!("{name}.json")
        } else {
            format!("{name}-{n}.json")
        };
        let path = dir.join(file);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(text.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "1000 files named {name}*.json already exist in {}",
        dir.display()
    )))
}

/// The outcome of a replay.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub verdict: Verdict,
    pub request: Request,
    pub response: Response,
    pub setup: Vec<Exchange>,
}

/// Rebuilds and re-sends a saved case, and judges the answer again.
pub fn replay(
    saved: &SavedFailure,
    set: &SpecSet,
    target: &dyn Target,
    fixtures: &Map<String, Value>,
    url_base: &str,
    host: Option<&str>,
) -> Result<Replayed, String> {
    let spec = set
        .vendor(&saved.vendor)
        .ok_or_else(|| format!("no spec for vendor `{}` is loaded", saved.vendor))?;
    let row = spec
        .row(&saved.row)
        .ok_or_else(|| format!("row `{}` is not in the loaded spec", saved.row))?;
    let pool = Pool::new(fixtures);
    let unique = UniqueCounter::new();
    // A fresh attempt number: the target may still hold the entities of the original case.
    let attempt = 2
        + (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
            % 1_000_000);
    let prefix = super::runner::case_prefix(&saved.prefix, &saved.row, &saved.choices, attempt);
    let env = CaseEnv {
        target,
        fixtures,
        run_prefix: &prefix,
        pool: &pool,
        unique: &unique,
        url_base,
        host,
        faults: None,
        now: chrono::Utc::now(),
    };
    let run = execute(&env, spec, row, &saved.choices).map_err(|e| e.to_string())?;
    let oracle = Oracle::new(set);
    let verdict = oracle.check_row(spec, row, &run.record, &run.response, saved.strict);
    Ok(Replayed {
        verdict,
        request: run.record.request,
        response: run.response,
        setup: run.setup,
    })
}
