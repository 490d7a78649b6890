//! The main type here is [`SavedFailure`]: what `--save-failures DIR` writes for each failed
//! row, and what `confuzz replay FILE` reads back. Replay rebuilds the case from its seed,
//! prefix and choice sequence (so signatures and timestamps are fresh) and judges it again.
//!
//! Not for: running whole tables (see `runner`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::case::{execute, CaseEnv, Exchange};
use super::runner::{Evidence, RowResult};
use crate::auth::oauth1::Convention;
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
    /// The OAuth 1.0a convention the case was signed with (vendors whose auth is `oauth1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth1: Option<Convention>,
    /// What was sent and answered when it failed (for people; replay regenerates).
    pub setup: Vec<Exchange>,
    pub request: Request,
    pub response: Response,
    pub mismatches: Vec<crate::check::Mismatch>,
}

impl SavedFailure {
    /// Builds the saved form of a failed row; `None` when the row has no evidence.
    pub fn from_row(row: &RowResult, seed: u64, prefix: &str, strict: bool) -> Option<Self> {
        let e: &Evidence = row.evidence.as_ref()?;
        Some(SavedFailure {
            format: 1,
            row: row.id.clone(),
            vendor: row.vendor.clone(),
            seed,
            prefix: prefix.to_string(),
            choices: e.choices.clone(),
            strict,
            oauth1: None,
            setup: e.setup.clone(),
            request: e.request.clone(),
            response: e.response.clone(),
            mismatches: e.mismatches.clone(),
        })
    }

    /// Writes it as `DIR/<row id>.json`; returns the path.
    pub fn save(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.row));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&path, text + "\n")?;
        Ok(path)
    }

    /// Reads a saved failure, naming the file and line on error.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}: not a saved failure: {e}\n  fix: pass a file written by `confuzz run --save-failures DIR`",
                path.display(),
                e.line()
            )
        })
    }
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
    let signing: BTreeMap<String, Convention> = saved
        .oauth1
        .map(|c| (saved.vendor.clone(), c))
        .into_iter()
        .collect();
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
        signing: &signing,
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
