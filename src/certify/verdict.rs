//! The main type here is [`Certification`]: whether a finished run certifies each vendor and
//! the whole. [`CertifyOptions`] says what a certification run is (recorded in the manifest,
//! repeated by `certify verify --rerun`), and [`CertifyOptions::run_options`] makes it a run.
//!
//! The rule, as in conformance programmes where a skipped test counts as a failure: a vendor
//! is certified when every one of its checks (rows, valid-request checks, properties) passed;
//! a failed, warned or untested check means not certified. The run is strict, so an assumed
//! expectation that differs fails too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::run::{RetryPolicy, RowVerdict, RunOptions, RunReport};

/// Cases per row of a certification run unless `--cases` says otherwise.
pub const CERTIFY_CASES: u32 = 32;

/// What a certification run is: everything that decides which requests it sends. Recorded in
/// the manifest; `certify verify --rerun` repeats it and `certify merge` requires it equal
/// (but for `vendors` and `partition`, which split one certification into parts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifyOptions {
    /// The vendors certified (every loaded vendor unless `--vendor` chose some).
    pub vendors: Vec<String>,
    /// The seed of the run: the same seed builds the same requests.
    pub seed: u64,
    /// Cases per row.
    pub cases: u32,
    /// The faults the target's test hook supports (given, or asked of the target).
    pub faults: Option<Vec<String>>,
    /// Whether 429 and 5xx answers a row does not expect were retried.
    pub retry: bool,
    /// At most this many requests per second (HTTP targets).
    #[serde(default)]
    pub rate: Option<u32>,
    /// Per-request timeout in milliseconds (HTTP targets).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// The embedded reference only: the mutant run instead of the conforming reference.
    #[serde(default)]
    pub mutant: Option<String>,
    /// The embedded reference only: the limits it started with.
    #[serde(default)]
    pub limits: BTreeMap<String, u64>,
    /// The spec path given to `--spec`; `None`: the specs embedded in the tool.
    #[serde(default)]
    pub spec: Option<String>,
    /// The part of a partitioned certification this run is (`K/N`), if any.
    #[serde(default)]
    pub partition: Option<String>,
}

impl CertifyOptions {
    /// Options for `vendors` with `seed` and the documented case count; nothing else set.
    pub fn new(vendors: Vec<String>, seed: u64) -> Self {
        CertifyOptions {
            vendors,
            seed,
            cases: CERTIFY_CASES,
            faults: None,
            retry: false,
            rate: None,
            timeout_ms: None,
            mutant: None,
            limits: BTreeMap::new(),
            spec: None,
            partition: None,
        }
    }

    /// The run these options make: strict, every row, valid-request check and property of the
    /// loaded vendors, shrinking on. `url_base` and `host` are what the target sees (see
    /// [`RunOptions`]); `prefix` names created entities (`None`: derived from the seed).
    pub fn run_options(
        &self,
        url_base: &str,
        host: Option<&str>,
        prefix: Option<String>,
    ) -> RunOptions {
        RunOptions {
            cases: self.cases.max(1),
            seed: self.seed,
            strict: true,
            rows: Vec::new(),
            shrink: true,
            positive: true,
            url_base: url_base.to_string(),
            host: host.map(str::to_string),
            faults: self.faults.clone(),
            prefix,
            retry: self.retry.then(RetryPolicy::default),
            rate: self.rate,
            now: None,
            properties: None,
            ..RunOptions::default()
        }
    }

    /// Whether two parts may be merged: equal but for `vendors` and `partition`. `Err` names
    /// the first option that differs.
    pub fn same_certification(&self, other: &CertifyOptions) -> Result<(), OptionsDiffer> {
        let strip = |o: &CertifyOptions| CertifyOptions {
            vendors: Vec::new(),
            partition: None,
            ..o.clone()
        };
        if strip(self) == strip(other) {
            return Ok(());
        }
        let a = serde_json::to_value(strip(self)).unwrap_or_default();
        let b = serde_json::to_value(strip(other)).unwrap_or_default();
        let differs = a
            .as_object()
            .into_iter()
            .flatten()
            .find(|(k, v)| b.get(k.as_str()) != Some(v))
            .map(|(k, v)| OptionsDiffer::Option {
                name: k.clone(),
                ours: v.to_string(),
                theirs: b.get(k.as_str()).unwrap_or(&Default::default()).to_string(),
            })
            .unwrap_or(OptionsDiffer::Unnamed);
        Err(differs)
    }
}

/// Two certifications' options differ (see [`CertifyOptions::same_certification`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsDiffer {
    /// The first option that differs, with both values as JSON.
    #[error("{name}: {ours} vs {theirs}")]
    Option {
        name: String,
        ours: String,
        theirs: String,
    },
    /// They differ in a way no single option shows.
    #[error("options")]
    Unnamed,
}

/// One vendor's certification: its counts per verdict and the checks that keep it from being
/// certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorVerdict {
    pub vendor: String,
    pub certified: bool,
    /// Checks of the vendor: rows, valid-request checks and property results.
    pub checks: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub untested: usize,
    /// The ids of the checks that failed or warned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_checks: Vec<String>,
    /// The ids of the checks that went untested, with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untested_checks: Vec<String>,
}

/// The verdict of a certification run, per vendor and overall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certification {
    /// Every vendor certified (and at least one vendor).
    pub certified: bool,
    pub vendors: Vec<VendorVerdict>,
}

impl Certification {
    /// The verdicts of `report` for `vendors` (in that order). A vendor with no check at all
    /// is not certified: nothing was shown.
    pub fn of(report: &RunReport, vendors: &[String]) -> Self {
        let mut per: BTreeMap<&str, VendorVerdict> = vendors
            .iter()
            .map(|v| {
                (
                    v.as_str(),
                    VendorVerdict {
                        vendor: v.clone(),
                        certified: false,
                        checks: 0,
                        passed: 0,
                        failed: 0,
                        warned: 0,
                        untested: 0,
                        failed_checks: Vec::new(),
                        untested_checks: Vec::new(),
                    },
                )
            })
            .collect();
        for check in report.checks() {
            let Some(v) = per.get_mut(check.vendor.as_str()) else {
                continue;
            };
            let id = check.id.clone();
            v.checks += 1;
            match check.verdict {
                RowVerdict::Passed => v.passed += 1,
                RowVerdict::Failed => {
                    v.failed += 1;
                    v.failed_checks.push(id);
                }
                RowVerdict::Warned => {
                    v.warned += 1;
                    v.failed_checks.push(id);
                }
                RowVerdict::Untested => {
                    v.untested += 1;
                    v.untested_checks.push(match &check.reason {
                        Some(r) => format!("{id}: {r}"),
                        None => id,
                    });
                }
            }
        }
        let vendors: Vec<VendorVerdict> = vendors
            .iter()
            .filter_map(|v| per.remove(v.as_str()))
            .map(|mut v| {
                v.certified = v.checks > 0 && v.passed == v.checks;
                v
            })
            .collect();
        Certification {
            certified: !vendors.is_empty() && vendors.iter().all(|v| v.certified),
            vendors,
        }
    }

    /// `CERTIFIED` or `NOT CERTIFIED`.
    pub fn word(&self) -> &'static str {
        word(self.certified)
    }

    /// One line per vendor and the overall verdict, for the console.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for v in &self.vendors {
            out.push_str(&format!(
                "{:<14} {:<13} {} checks: {} passed, {} failed, {} warned, {} untested\n",
                v.vendor,
                word(v.certified),
                v.checks,
                v.passed,
                v.failed,
                v.warned,
                v.untested
            ));
            for id in &v.failed_checks {
                out.push_str(&format!("    failed: {id}\n"));
            }
            for id in &v.untested_checks {
                out.push_str(&format!("    untested: {id}\n"));
            }
        }
        out.push_str(&format!("overall: {}\n", self.word()));
        out
    }
}

/// `CERTIFIED` or `NOT CERTIFIED`.
pub fn word(certified: bool) -> &'static str {
    if certified {
        "CERTIFIED"
    } else {
        "NOT CERTIFIED"
    }
}
