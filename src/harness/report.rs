//! The main type here is [`Report`]: a finished run with what it takes to present it (the
//! secrets to redact and the URL reproducers point at), and the assertions a test makes.

use std::fmt::{self, Write as _};

use serde_json::Value;

use crate::check::result::{CheckResult, RowVerdict};
use crate::report::run::{console, detail_text, json, junit, normalized, Redactor};
use crate::run::RunReport;

/// What a [`Harness`](crate::Harness) run found, row by row.
///
/// [`assert_conforms`](Report::assert_conforms) is what a test calls; the rest reads the
/// results ([`verdict`](Report::verdict), [`run_report`](Report::run_report)) or renders
/// them in the formats of `confuzz run` ([`console`](Report::console),
/// [`json`](Report::json), [`junit`](Report::junit)) and for snapshots
/// ([`normalized`](Report::normalized)). `Display` is the console report.
#[derive(Clone)]
pub struct Report {
    run: RunReport,
    redactor: Redactor,
    base_url: String,
}

impl Report {
    pub(crate) fn new(run: RunReport, redactor: Redactor, base_url: String) -> Self {
        Report {
            run,
            redactor,
            base_url,
        }
    }

    /// Whether nothing failed (the exit status of `confuzz run`). Untested rows do not count
    /// against it; [`assert_conforms`](Report::assert_conforms) is stricter.
    pub fn conforms(&self) -> bool {
        self.run.conforms()
    }

    /// Panics unless every selected row and valid-request check passed (or only warned about
    /// an assumed expectation). The message gives, for each failure, the expectation and what
    /// was observed, the answer, the minimal request with a `curl` reproducer (secrets as
    /// `$VARIABLES`), and the seed that builds the same requests again.
    ///
    /// Untested rows fail the assertion too: a test that passes should have tested what it
    /// selected. When a row cannot be tested against your implementation (it needs a fault
    /// hook you do not have), narrow the selection with [`rows`](crate::Harness::rows), or
    /// assert [`assert_no_failures`](Report::assert_no_failures) instead.
    #[track_caller]
    pub fn assert_conforms(&self) {
        let s = &self.run.summary;
        if s.failed > 0 || s.untested > 0 {
            panic!("{}", self.failure_text());
        }
    }

    /// Panics when a row or valid-request check failed, with the same message as
    /// [`assert_conforms`](Report::assert_conforms); untested rows are allowed.
    #[track_caller]
    pub fn assert_no_failures(&self) {
        if !self.conforms() {
            panic!("{}", self.failure_text());
        }
    }

    /// The verdict of a row (`clever.auth.no-token`), a valid-request check
    /// (`clever.valid.assignment-create`) or a property result (`clever.unique...`), if it
    /// was run.
    pub fn verdict(&self, id: &str) -> Option<RowVerdict> {
        self.run.check(id).map(|c| c.verdict)
    }

    /// Why a check failed, warned or was untested (one line), if it did.
    pub fn reason(&self, id: &str) -> Option<&str> {
        self.run.check(id).and_then(|c| c.reason.as_deref())
    }

    /// The ids of the checks with this verdict, in report order.
    pub fn ids(&self, verdict: RowVerdict) -> Vec<String> {
        self.findings(|v| v == verdict)
            .map(|c| c.id.clone())
            .collect()
    }

    /// The results as the engine produced them (no redaction).
    pub fn run_report(&self) -> &RunReport {
        &self.run
    }

    /// The console report of `confuzz run` (`verbose`: passing rows too).
    pub fn console(&self, verbose: bool) -> String {
        console(&self.run, &self.base_url, &self.redactor, verbose)
    }

    /// The JSON report of `confuzz run --format json` (`docs/report-format.md`).
    pub fn json(&self) -> Value {
        json(&self.run, &self.base_url, &self.redactor)
    }

    /// JUnit XML: one test case per row and per valid-request check.
    pub fn junit(&self) -> String {
        junit(&self.run, &self.base_url, &self.redactor)
    }

    /// The report with everything that changes from run to run removed (timings, run-unique
    /// names, observed texts), for snapshots: it changes only when the target's error
    /// behaviour does.
    pub fn normalized(&self) -> Value {
        normalized(&self.run)
    }

    /// What [`assert_conforms`](Report::assert_conforms) panics with: every failed, warned
    /// and untested row with its evidence, then a summary line with the seed.
    pub fn failure_text(&self) -> String {
        let mut out = String::new();
        for c in self.findings(|v| v != RowVerdict::Passed) {
            out.push_str(&finding_text(c, &self.base_url, &self.redactor));
            out.push('\n');
        }
        let s = &self.run.summary;
        let _ = write!(
            out,
            "{} passed, {} failed, {} warned, {} untested against {}; seed {} (`.seed({})` builds the same requests)",
            s.passed, s.failed, s.warned, s.untested, self.run.target, self.run.seed, self.run.seed
        );
        out
    }

    /// The message of a single failing row's test: why it failed, then the evidence (libtest
    /// names the row already), then the seed.
    pub(crate) fn one_failure(&self) -> Option<String> {
        let c = self.findings(|v| v == RowVerdict::Failed).next()?;
        let mut out = self
            .redactor
            .redact(c.reason.as_deref().unwrap_or("failed"));
        out.push('\n');
        if let Some(detail) = detail_text(c, &self.base_url, &self.redactor) {
            out.push_str(&detail);
        }
        let seed = self.run.seed;
        let _ = write!(
            out,
            "seed {seed} (`.seed({seed})` builds the same requests)"
        );
        Some(out)
    }

    fn findings(&self, keep: impl Fn(RowVerdict) -> bool) -> impl Iterator<Item = &CheckResult> {
        self.run.checks().filter(move |c| keep(c.verdict))
    }
}

fn finding_text(c: &CheckResult, base_url: &str, redactor: &Redactor) -> String {
    let mut out = format!("--- {} ({})", c.id, c.verdict.as_str());
    if let Some(reason) = &c.reason {
        let _ = write!(out, ": {}", redactor.redact(reason));
    }
    out.push('\n');
    if let Some(detail) = detail_text(c, base_url, redactor).filter(|_| c.fails()) {
        out.push_str(&detail);
    }
    out
}

/// Leaves the redactor out: it holds the secret fixture values.
impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("target", &self.run.target)
            .field("seed", &self.run.seed)
            .field("summary", &self.run.summary)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.console(false))
    }
}
