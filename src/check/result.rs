//! The main type here is [`CheckResult`]: the outcome of one check of a run, whatever its kind
//! (a documented row, the valid requests of an endpoint, a cross-request property). Every
//! report, the harness, the test trials, the mutation score and saved failures read results
//! through this one type, and [`CheckKind`] is the one list of kinds: a new kind is a variant
//! here, and every consumer that matches on kinds stops compiling until it handles it.
//!
//! The ids of checks are built here too ([`CheckKind::id`]), so `vendor.valid.endpoint` and
//! `vendor.property.subject` are spelled in one place.
//!
//! Not for: judging an answer (see [`Oracle`](super::Oracle)) or running checks (see `run`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::oracle::Mismatch;
use crate::target::{Request, Response};

/// The kinds of checks a run makes, in report order.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// A documented error row: its trigger must answer as the table says.
    Row,
    /// The valid requests of one endpoint: they must be accepted.
    Valid,
    /// A cross-request property of one declared subject (see `props`).
    Property,
}

impl CheckKind {
    /// Every kind, in report order.
    pub const ALL: [CheckKind; 3] = [CheckKind::Row, CheckKind::Valid, CheckKind::Property];

    /// The kind's name in reports and saved failures: `row`, `valid`, `property`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Row => "row",
            CheckKind::Valid => "valid",
            CheckKind::Property => "property",
        }
    }

    /// One check of this kind in the summary line: `row`, `endpoint`, `property`.
    pub fn singular(self) -> &'static str {
        match self {
            CheckKind::Row => "row",
            CheckKind::Valid => "endpoint",
            CheckKind::Property => "property",
        }
    }

    /// What the summary line counts checks of this kind as: `rows`, `endpoints`, `properties`.
    pub fn plural(self) -> &'static str {
        match self {
            CheckKind::Row => "rows",
            CheckKind::Valid => "endpoints",
            CheckKind::Property => "properties",
        }
    }

    /// What [`CheckResult::count`] counts for this kind: `cases` or `requests`.
    pub fn unit(self) -> &'static str {
        match self {
            CheckKind::Row | CheckKind::Valid => "cases",
            CheckKind::Property => "requests",
        }
    }

    /// The id of a check of this kind: a row's own id (`subject` is the row id, already
    /// `vendor.group.slug`), `vendor.valid.endpoint`, or `vendor.property.subject` (`subject`
    /// is `property.subject`, see `property_id`).
    pub fn id(self, vendor: &str, subject: &str) -> String {
        match self {
            CheckKind::Row => subject.to_string(),
            CheckKind::Valid => format!("{vendor}.valid.{subject}"),
            CheckKind::Property => format!("{vendor}.{subject}"),
        }
    }
}

/// The id of a valid-request check: `vendor.valid.endpoint`.
pub fn valid_id(vendor: &str, endpoint: &str) -> String {
    CheckKind::Valid.id(vendor, endpoint)
}

/// The id of a property result: `vendor.property.subject`.
pub fn property_id(vendor: &str, property: &str, subject: &str) -> String {
    CheckKind::Property.id(vendor, &format!("{property}.{subject}"))
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowVerdict {
    Passed,
    Warned,
    Failed,
    Untested,
}

impl RowVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            RowVerdict::Passed => "passed",
            RowVerdict::Warned => "warned",
            RowVerdict::Failed => "failed",
            RowVerdict::Untested => "untested",
        }
    }
}

/// Why a check went untested: whose move it is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    /// The user's set-up lacks something the check needs: a fixture or a fault hook.
    Setup,
    /// The target did not let the check get that far: a setup request it refused, an answer
    /// that could not be used.
    Target,
    /// The harness itself could not check it (a case it could not rebuild, a limit its setup
    /// cannot fill, a spec that gives it nothing to build from).
    Harness,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Setup => "setup",
            Cause::Target => "target",
            Cause::Harness => "harness",
        }
    }
}

/// A request sent and the answer it got, for reports and reproducers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: Request,
    pub response: Response,
}

/// The evidence of a failure or warning of a single-case check (a row, a valid request): the
/// minimal case that shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub mismatches: Vec<Mismatch>,
    /// The reading the answer was compared with.
    pub reading: String,
    /// The documented row the answer looks like instead, if any.
    pub looks_like: Option<String>,
    pub request: Request,
    pub response: Response,
    pub setup: Vec<Exchange>,
    /// The choice sequence that rebuilds this case (with the run seed and prefix).
    pub choices: Vec<u64>,
    /// Whether the case was shrunk, and whether the minimal case reproduced on a re-run.
    pub shrunk: bool,
    pub reproduced: bool,
}

/// The outcome of one check of a run. Built by the runner and the properties
/// ([`CheckResult::row`], [`CheckResult::valid`], [`CheckResult::property`]); more fields may
/// come.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    /// Stable, for filters and reports: a row id, `vendor.valid.endpoint` or
    /// `vendor.property.subject` (built by [`CheckKind::id`]).
    pub id: String,
    pub vendor: String,
    /// One line saying what was checked.
    pub title: String,
    pub verdict: RowVerdict,
    /// One line: why it failed, warned or was untested.
    pub reason: Option<String>,
    /// For an untested check: whose move it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// Cases that ran to an answer (rows, valid requests) or requests sent (properties): see
    /// [`CheckKind::unit`].
    pub count: u32,
    /// Wall time of the check, when it was measured on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<u64>,
    /// Valid-request checks: the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Property results: the property's name (`unique`, `stateful`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// Rows: which reading the passing answers matched (the row, an alternative, or an
    /// accepted row), and how often.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub readings: BTreeMap<String, u32>,
    /// What was observed that is worth knowing even when it passed (e.g. which row a target
    /// chose where the spec declares no order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A failed or warned single-case check: the minimal case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// A failed sequence: what was expected and what came back, one line each, referring to
    /// the numbered requests of `exchanges`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// A failed sequence: the requests that show it, in order (reports number them and print
    /// each as a `curl` line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
}

impl CheckResult {
    /// A passed check of `kind` with `id`, to be filled in.
    fn new(kind: CheckKind, vendor: &str, id: String, title: String) -> Self {
        CheckResult {
            kind,
            id,
            vendor: vendor.to_string(),
            title,
            verdict: RowVerdict::Passed,
            reason: None,
            cause: None,
            count: 0,
            time_ms: None,
            endpoint: None,
            property: None,
            readings: BTreeMap::new(),
            notes: Vec::new(),
            evidence: None,
            steps: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    /// A passed result of the row `row_id`.
    pub fn row(vendor: &str, row_id: &str, title: impl Into<String>) -> Self {
        let id = CheckKind::Row.id(vendor, row_id);
        CheckResult::new(CheckKind::Row, vendor, id, title.into())
    }

    /// A passed result of the valid-request check of `endpoint`.
    pub fn valid(vendor: &str, endpoint: &str) -> Self {
        let mut result = CheckResult::new(
            CheckKind::Valid,
            vendor,
            valid_id(vendor, endpoint),
            format!("valid requests to {endpoint} are accepted"),
        );
        result.endpoint = Some(endpoint.to_string());
        result
    }

    /// A passed result of `vendor.property.subject`, to be filled in.
    pub fn property(vendor: &str, property: &str, subject: &str, title: impl Into<String>) -> Self {
        let mut result = CheckResult::new(
            CheckKind::Property,
            vendor,
            property_id(vendor, property, subject),
            title.into(),
        );
        result.property = Some(property.to_string());
        result
    }

    /// This result, failed for `reason`, with the sequence that shows it.
    pub fn failed(mut self, reason: String, steps: Vec<String>, exchanges: Vec<Exchange>) -> Self {
        self.verdict = RowVerdict::Failed;
        self.reason = Some(reason);
        self.steps = steps;
        self.exchanges = exchanges;
        self
    }

    /// This result, untested for `reason` because of `cause`: never passed.
    pub fn untested(mut self, reason: String, cause: Cause) -> Self {
        self.verdict = RowVerdict::Untested;
        self.reason = Some(reason);
        self.cause = Some(cause);
        self
    }

    /// Whether the check failed or warned (what a mutation kills with).
    pub fn fails(&self) -> bool {
        matches!(self.verdict, RowVerdict::Failed | RowVerdict::Warned)
    }
}

/// Counts per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub untested: usize,
}

impl Summary {
    /// The counts of `results`.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Summary {
        let mut summary = Summary::default();
        for r in results {
            match r.verdict {
                RowVerdict::Passed => summary.passed += 1,
                RowVerdict::Warned => summary.warned += 1,
                RowVerdict::Failed => summary.failed += 1,
                RowVerdict::Untested => summary.untested += 1,
            }
        }
        summary
    }
}

/// Whether the row (or check) `id` is selected by `--row` style filters: equal, a prefix up to
/// a dot, or `prefix*`; no filters select everything.
pub fn selected(id: &str, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            id == f
                || id.starts_with(&format!("{f}."))
                || (f.ends_with('*') && id.starts_with(f.trim_end_matches('*')))
        })
}

/// Whether a valid-request check or a property result `id` of `vendor` is selected by the
/// filters: by its own id (or a prefix of it), or by the bare vendor id.
pub fn check_selected(vendor: &str, id: &str, filters: &[String]) -> bool {
    filters.is_empty() || selected(id, filters) || filters.iter().any(|f| f == vendor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_built_per_kind() {
        assert_eq!(CheckKind::Row.id("v", "v.auth.no-token"), "v.auth.no-token");
        assert_eq!(valid_id("v", "user-create"), "v.valid.user-create");
        assert_eq!(
            property_id("v", "unique", "users-email"),
            "v.unique.users-email"
        );
        let p = CheckResult::property("v", "limit", "seats", "t");
        assert_eq!(
            (p.id.as_str(), p.property.as_deref()),
            ("v.limit.seats", Some("limit"))
        );
        let e = CheckResult::valid("v", "user-create");
        assert_eq!(e.endpoint.as_deref(), Some("user-create"));
        assert_eq!(CheckKind::ALL.len(), 3);
    }

    #[test]
    fn summaries_count_verdicts() {
        let a = CheckResult::row("v", "v.a.b", "t");
        let b =
            CheckResult::row("v", "v.a.c", "t").untested("needs fixture x".into(), Cause::Setup);
        let s = Summary::of([&a, &b]);
        assert_eq!((s.passed, s.untested, s.failed), (1, 1, 0));
    }
}
