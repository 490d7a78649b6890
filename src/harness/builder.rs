//! The main type here is [`Harness`]: a builder over the options of a run, resolved into a
//! [`Prepared`] run (specs loaded and filtered, the target built, faults discovered) only when
//! it runs, so every builder call is infallible and every problem surfaces in one
//! [`HarnessError`] from [`Harness::run`].

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::report::Report;
#[cfg(feature = "reference")]
use crate::reference::{Config, Reference};
use crate::report::run::Redactor;
use crate::run::fixtures::{discover_faults, load_fixtures, FixtureError};
use crate::run::runner::{check_selected, selected, valid_check_id, valid_check_selected};
use crate::run::{run, RetryPolicy, RunError, RunOptions};
use crate::spec::{load_embedded, load_path, SpecErrors, SpecSet};
use crate::target::{FnTarget, Request, Response, Target};

/// Where reproducers point when the target has no URL of its own (an in-process service): the
/// address a developer would run it on.
const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// Why a harness could not run at all (as opposed to finding that the target does not
/// conform, which is a [`Report`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The spec files do not load.
    #[error("cannot load the specs:\n{0}")]
    Specs(SpecErrors),
    /// A vendor named with [`Harness::vendor`] is not among the loaded specs.
    #[error("{0}")]
    UnknownVendor(crate::spec::UnknownName),
    /// No target was given.
    #[error(
        "no target to check: give one with .target(..), .handler(..), .service(..) or .url(..)"
    )]
    NoTarget,
    /// The target could not be built (an invalid URL, a runtime that does not start).
    #[error("cannot build the target: {0}")]
    Target(String),
    /// The fixtures are not a JSON object, or a fixtures file cannot be used.
    #[error("{0}")]
    Fixtures(String),
    /// The run could not go on (no row selected, target unreachable).
    #[error("{0}")]
    Run(RunError),
}

impl From<FixtureError> for HarnessError {
    fn from(e: FixtureError) -> Self {
        HarnessError::Fixtures(e.to_string())
    }
}

/// Checks an implementation against the specs from a Rust test, the way `confuzz run` does from
/// the command line.
///
/// Build it from specs ([`Harness::embedded`], [`Harness::new`], [`Harness::from_path`]),
/// give it a target ([`target`](Harness::target), [`handler`](Harness::handler),
/// [`service`](Harness::service), [`url`](Harness::url)) and the fixture values your
/// implementation uses, then [`run`](Harness::run) it. Builder calls never fail: a problem
/// (specs that do not load, an unknown vendor, a bad URL) is reported by `run`.
///
/// # Example
///
/// The embedded reference implementation conforms:
///
/// ```
/// use confuzz::Harness;
///
/// let report = Harness::reference().vendor("clever").cases(4).seed(7).run()?;
/// report.assert_conforms();
/// # Ok::<(), confuzz::HarnessError>(())
/// ```
///
/// A plain function over requests is a target too. This one answers 404 to everything, so
/// every row fails, and the report says how:
///
/// ```
/// use confuzz::{Harness, Response};
///
/// let report = Harness::embedded()
///     .vendor("clever")
///     .rows(["clever.auth.no-token"])
///     .valid_requests(false)
///     .handler(|_request| Response::json(404, &serde_json::json!({"message": "Not Found"})))
///     .fixture("clever.token", "district-token")
///     .fixture("clever.section_id", "5f1b2c3d4e5f6a7b8c9d0e1f")
///     .run()?;
/// assert!(!report.conforms());
/// let failures = report.failure_text();
/// assert!(failures.contains("status: expected \"401\", observed \"404\""), "{failures}");
/// assert!(failures.contains("curl -i"), "{failures}");
/// # Ok::<(), confuzz::HarnessError>(())
/// ```
pub struct Harness {
    specs: Result<SpecSet, HarnessError>,
    vendors: Vec<String>,
    target: Option<Result<Chosen, HarnessError>>,
    fixtures: Map<String, Value>,
    fixtures_file: Option<PathBuf>,
    deferred: Option<HarnessError>,
    options: RunOptions,
    faults: Option<Vec<String>>,
    base_url: Option<String>,
}

/// A target and what comes with it.
struct Chosen {
    target: Arc<dyn Target>,
    /// The URL a remote target is reached at (reproducers point there).
    url: Option<String>,
}

/// A harness resolved for running: everything that could fail has been checked.
pub(crate) struct Prepared {
    pub(crate) set: SpecSet,
    target: Arc<dyn Target>,
    fixtures: Map<String, Value>,
    pub(crate) options: RunOptions,
    redactor: Redactor,
    base_url: String,
}

impl Harness {
    /// A harness over these specs, with a fixed seed (0) and the runner's defaults.
    pub fn new(specs: SpecSet) -> Self {
        Harness::from_specs(Ok(specs))
    }

    /// A harness over the specs shipped with confuzz (the four vendors' tables).
    pub fn embedded() -> Self {
        Harness::from_specs(load_embedded().map_err(HarnessError::Specs))
    }

    /// A harness over a spec file, or a folder of them (as `--spec PATH`).
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Harness::from_specs(load_path(&path.into()).map_err(HarnessError::Specs))
    }

    /// The shipped specs against the embedded reference implementations, with their fixtures
    /// and fault hooks: what `confuzz run` checks without `--target`. Needs the `reference`
    /// feature (on by default).
    #[cfg(feature = "reference")]
    pub fn reference() -> Self {
        let reference = Reference::new(Config::default());
        let fixtures = reference.fixtures();
        Harness::embedded()
            .target(reference)
            .fixtures(Value::Object(fixtures))
    }

    fn from_specs(specs: Result<SpecSet, HarnessError>) -> Self {
        Harness {
            specs,
            vendors: Vec::new(),
            target: None,
            fixtures: Map::new(),
            fixtures_file: None,
            deferred: None,
            options: RunOptions::default(),
            faults: None,
            base_url: None,
        }
    }

    /// Checks only this vendor's rows (call again for more vendors).
    pub fn vendor(mut self, id: impl Into<String>) -> Self {
        self.vendors.push(id.into());
        self
    }

    /// Checks only the rows and valid-request checks these filters select: a row id
    /// (`clever.auth.no-token`), a prefix up to a dot (`clever.auth`), `prefix*`, or a check id
    /// (`clever.valid.assignment-create`). Several calls add up.
    pub fn rows<I, S>(mut self, filters: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options
            .rows
            .extend(filters.into_iter().map(Into::into));
        self
    }

    /// Cases per row (default 32). Each failing row is shrunk to a minimal case.
    pub fn cases(mut self, cases: u32) -> Self {
        self.options.cases = cases.max(1);
        self
    }

    /// The seed every case derives from (default 0): the same seed builds the same requests,
    /// so a failure reported with seed S comes back with `.seed(S)`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// Assumed expectations (a status or text the spec decided where the vendor's table is
    /// silent) fail instead of warning.
    pub fn strict(mut self, strict: bool) -> Self {
        self.options.strict = strict;
        self
    }

    /// Rows checked at once by [`run`](Harness::run) (default: the number of cores).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.options.jobs = jobs.max(1);
        self
    }

    /// Whether failures are shrunk to a minimal request (default true).
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.options.shrink = shrink;
        self
    }

    /// Whether valid requests are checked too, one check per endpoint (default true).
    pub fn valid_requests(mut self, check: bool) -> Self {
        self.options.positive = check;
        self
    }

    /// Checks only these cross-request properties (`precedence`, `nothing-lost`, `unique`,
    /// `after-delete`, `limit`, `stateful`; as `confuzz run --properties`); an empty list
    /// checks none. By default every property is checked. An unknown name is reported by
    /// [`run`](Harness::run).
    pub fn properties<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options.properties = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The faults the target's test hook supports (`X-Conformance-Fault`). By default they are
    /// asked of the target at `GET /__conformance/capabilities`; a target without that
    /// document supports none, and the rows that need one are untested.
    pub fn faults<I, S>(mut self, faults: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.faults = Some(faults.into_iter().map(Into::into).collect());
        self
    }

    /// The target to check: anything that implements [`Target`].
    pub fn target(mut self, target: impl Target + 'static) -> Self {
        self.target = Some(Ok(Chosen {
            target: Arc::new(target),
            url: None,
        }));
        self
    }

    /// A plain function over the request and response values as the target.
    pub fn handler<F>(self, handler: F) -> Self
    where
        F: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        self.target(FnTarget::new("handler", handler))
    }

    /// An in-process `tower::Service` as the target (an axum `Router`, a hyper service, any
    /// tower stack), called without a socket through [`TowerTarget`](crate::TowerTarget).
    ///
    /// # Example
    ///
    /// An axum router that refuses every assignment for want of a token, as Clever documents:
    ///
    /// ```
    /// use axum::http::{header, StatusCode};
    /// use axum::{routing::post, Router};
    /// use confuzz::Harness;
    ///
    /// let refuse = || async {
    ///     let json = [(header::CONTENT_TYPE, "application/json")];
    ///     (StatusCode::UNAUTHORIZED, json, r#"{"message":"No authorization provided"}"#)
    /// };
    /// let app = Router::new().route("/v3.1/sections/{section_id}/assignments", post(refuse));
    /// let report = Harness::embedded()
    ///     .vendor("clever")
    ///     .rows(["clever.auth.no-token"])
    ///     .valid_requests(false)
    ///     .service(app)
    ///     .fixture("clever.token", "district-token")
    ///     .fixture("clever.section_id", "5f1b2c3d4e5f6a7b8c9d0e1f")
    ///     .run()?;
    /// report.assert_conforms();
    /// # Ok::<(), confuzz::HarnessError>(())
    /// ```
    #[cfg(feature = "http")]
    pub fn service<S, B>(mut self, service: S) -> Self
    where
        S: tower_service::Service<
                http::Request<http_body_util::Full<bytes::Bytes>>,
                Response = http::Response<B>,
            > + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.target = Some(match crate::target::TowerTarget::new(service) {
            Ok(target) => Ok(Chosen {
                target: Arc::new(target),
                url: None,
            }),
            Err(e) => Err(HarnessError::Target(e.to_string())),
        });
        self
    }

    /// An implementation reached over HTTP at a base URL (as `confuzz run --target URL`): 429
    /// and 5xx answers a row does not expect are retried with backoff, and reproducers point at
    /// this URL.
    #[cfg(feature = "http")]
    pub fn url(mut self, url: &str) -> Self {
        self.target = Some(match crate::target::HttpTarget::new(url) {
            Ok(target) => Ok(Chosen {
                url: Some(target.base_url()),
                target: Arc::new(target),
            }),
            Err(e) => Err(HarnessError::Target(e.to_string())),
        });
        self
    }

    /// Fixture values (a JSON object from fixture name to value, e.g. `{"clever.token": "..."}`)
    /// added to those given before. A row whose fixture is missing is untested, never passed.
    pub fn fixtures(mut self, fixtures: Value) -> Self {
        match fixtures {
            Value::Object(map) => self.fixtures.extend(map),
            other => {
                self.deferred.get_or_insert(HarnessError::Fixtures(format!(
                    "fixtures must be a JSON object from fixture name to value, not {other}"
                )));
            }
        }
        self
    }

    /// One fixture value.
    pub fn fixture(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fixtures.insert(name.into(), value.into());
        self
    }

    /// Fixture values from a file (as `--fixtures FILE`), checked against the declarations of
    /// the specs when the harness runs.
    pub fn fixtures_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.fixtures_file = Some(path.into());
        self
    }

    /// Where `curl` reproducers send their requests when the target is in-process (default
    /// `http://127.0.0.1:8080`): the address you run your service on.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Runs every selected row and valid-request check, rows in parallel.
    ///
    /// A target that does not conform is not an error: it is a [`Report`] whose
    /// [`assert_conforms`](Report::assert_conforms) panics with the evidence.
    ///
    /// # Errors
    ///
    /// When the specs do not load, a vendor is unknown, no target was given or it cannot be
    /// built, the fixtures cannot be used, no row matches the filters, or the target cannot
    /// be reached at all.
    pub fn run(self) -> Result<Report, HarnessError> {
        let prepared = self.prepare()?;
        prepared.run(&prepared.set, prepared.options.clone())
    }

    /// Resolves everything that can fail before any case runs.
    pub(crate) fn prepare(self) -> Result<Prepared, HarnessError> {
        if let Some(e) = self.deferred {
            return Err(e);
        }
        let set = self
            .specs?
            .only_vendors(&self.vendors)
            .map_err(HarnessError::UnknownVendor)?;
        let chosen = self.target.ok_or(HarnessError::NoTarget)??;
        let mut fixtures = Map::new();
        if let Some(path) = &self.fixtures_file {
            fixtures = load_fixtures(path, &set)?;
        }
        fixtures.extend(self.fixtures);
        let mut options = self.options;
        options.faults = Some(match self.faults {
            Some(faults) => faults,
            None => discover_faults(chosen.target.as_ref()).unwrap_or_default(),
        });
        if let Some(url) = &chosen.url {
            options.url_base = url.clone();
            options.host = None;
            options.retry = Some(RetryPolicy::default());
        }
        let base_url = self
            .base_url
            .or(chosen.url)
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let redactor = Redactor::new(&set, &fixtures);
        Ok(Prepared {
            set,
            target: chosen.target,
            fixtures,
            options,
            redactor,
            base_url,
        })
    }
}

impl Prepared {
    /// Runs `set` with `options` and wraps the result for presentation.
    pub(crate) fn run(&self, set: &SpecSet, options: RunOptions) -> Result<Report, HarnessError> {
        let report = run(set, self.target.as_ref(), &self.fixtures, &options, &|_| {})
            .map_err(HarnessError::Run)?;
        Ok(Report::new(
            report,
            self.redactor.clone(),
            self.base_url.clone(),
        ))
    }

    /// The ids of the selected checks, with their vendor, in report order: the rows, the
    /// valid-request checks, the property results (their subjects as the specs declare them).
    ///
    /// # Errors
    ///
    /// An unknown property name.
    pub(crate) fn selection(&self) -> Result<Vec<(String, String)>, HarnessError> {
        let filters = &self.options.rows;
        let rows = self
            .set
            .rows()
            .filter(|(_, r)| selected(&r.id, filters))
            .map(|(s, r)| (s.vendor.id.clone(), r.id.clone()));
        let checks = self
            .set
            .specs
            .iter()
            .flat_map(|s| s.spec.endpoints.iter().map(move |e| (&s.spec, e)))
            .filter(|_| self.options.positive)
            .filter(|(s, e)| valid_check_selected(s, e, filters))
            .map(|(s, e)| (s.vendor.id.clone(), valid_check_id(s, e)));
        let properties = crate::props::select(self.options.properties.as_deref())
            .map_err(|e| HarnessError::Run(RunError::UnknownProperty(e)))?;
        let subjects = self.set.specs.iter().flat_map(|s| {
            let vendor = &s.spec.vendor.id;
            properties
                .iter()
                .flat_map(|p| (p.subjects)(&s.spec))
                .filter(|id| check_selected(vendor, id, filters))
                .map(|id| (vendor.clone(), id))
                .collect::<Vec<_>>()
        });
        Ok(rows.chain(checks).chain(subjects).collect())
    }
}

#[cfg(all(test, feature = "reference"))]
mod tests {
    use super::*;
    use crate::run::RowVerdict;

    #[test]
    fn the_embedded_reference_conforms_for_every_vendor() {
        let report = Harness::reference().cases(2).seed(3).run().unwrap();
        report.assert_conforms();
        assert_eq!(
            report
                .run_report()
                .of_kind(crate::check::CheckKind::Row)
                .count(),
            101
        );
    }

    #[test]
    fn problems_surface_when_the_harness_runs() {
        let err = |h: Harness| h.run().unwrap_err().to_string();
        assert!(err(Harness::embedded()).contains("no target"));
        assert!(err(Harness::reference().vendor("nope")).contains("unknown vendor `nope`"));
        assert!(err(Harness::reference().rows(["clever.nothing"])).contains("no row matches"));
        assert!(err(Harness::reference().fixtures(Value::Bool(true))).contains("JSON object"));
        assert!(err(Harness::from_path("/nonexistent/specs")).contains("cannot load the specs"));
        assert!(
            err(Harness::reference().fixtures_file("/nonexistent/f.json")).contains("cannot read")
        );
        #[cfg(feature = "http")]
        assert!(err(Harness::embedded().url("not a url")).contains("cannot build the target"));
    }

    #[test]
    fn untested_rows_fail_assert_conforms_but_not_assert_no_failures() {
        // No fixtures: every Clever row needs the section the routes name.
        let report = Harness::embedded()
            .vendor("clever")
            .target(Reference::new(Config::default()))
            .cases(2)
            .run()
            .unwrap();
        assert!(report.conforms());
        report.assert_no_failures();
        assert_eq!(
            report.verdict("clever.auth.no-token"),
            Some(RowVerdict::Untested)
        );
        assert_eq!(
            report.reason("clever.auth.no-token"),
            Some("needs fixture clever.section_id")
        );
        let panic = std::panic::catch_unwind(|| report.assert_conforms()).unwrap_err();
        let text = panic.downcast_ref::<String>().unwrap();
        assert!(
            text.contains("--- clever.auth.no-token (untested): needs fixture clever.section_id"),
            "{text}"
        );
    }

    /// Over loopback, against the reference answering 400 where 401 is documented: the rows
    /// it still answers rightly pass, the other fails with a reproducer that points at the URL.
    #[cfg(feature = "http")]
    #[test]
    fn a_url_target_is_checked_over_http() {
        use crate::serve::{spawn_server, ServeOptions};
        let reference = Reference::new(Config::default());
        let fixtures = Value::Object(reference.fixtures());
        let options = ServeOptions {
            quiet: true,
            ..ServeOptions::default()
        };
        let server = spawn_server(
            move |r: &Request| {
                let mut response = reference.handle(r);
                if response.status == 401 {
                    response.status = 400;
                }
                response
            },
            "127.0.0.1:0".parse().unwrap(),
            options,
        )
        .unwrap();
        let url = server.url();
        let harness = || {
            Harness::embedded()
                .vendor("clever")
                .url(&url)
                .fixtures(fixtures.clone())
                .cases(2)
        };
        let prepared = harness().prepare().unwrap();
        assert_eq!(prepared.base_url, url);
        assert!(prepared.options.retry.is_some());
        harness()
            .rows(["clever.auth.bad-token", "clever.valid"])
            .run()
            .unwrap()
            .assert_conforms();
        let report = harness().rows(["clever.auth.no-token"]).run().unwrap();
        assert_eq!(report.ids(RowVerdict::Failed), ["clever.auth.no-token"]);
        let text = report.failure_text();
        assert!(
            text.contains(&format!("curl -i -X POST '{url}/v3.1/sections/")),
            "{text}"
        );
        server.shutdown();
    }

    #[test]
    fn reports_keep_secrets_out_of_their_texts() {
        // Every row fails, so every report carries requests made with the token.
        let report = Harness::reference()
            .vendor("clever")
            .handler(|_| Response::empty(404))
            .cases(1)
            .shrink(false)
            .run()
            .unwrap();
        let token = Reference::new(Config::default()).fixtures()["clever.token"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(format!("{:?}", report.run_report()).contains(&token));
        for text in [
            format!("{report:?}"),
            report.to_string(),
            report.failure_text(),
            report.json().to_string(),
            report.junit(),
        ] {
            assert!(!text.contains(&token), "{text}");
        }
        assert!(report.failure_text().contains("$CLEVER_TOKEN"));
    }

    #[test]
    fn faults_are_discovered_from_the_target_or_given() {
        let prepared = Harness::reference().prepare().unwrap();
        let faults = prepared.options.faults.clone().unwrap();
        assert!(
            faults.iter().any(|f| f == "lti_credentials_store"),
            "{faults:?}"
        );
        let bare = Harness::embedded()
            .handler(|_| Response::empty(404))
            .prepare()
            .unwrap();
        assert_eq!(bare.options.faults, Some(Vec::new()));
        let given = Harness::embedded()
            .handler(|_| Response::empty(404))
            .faults(["internal"])
            .prepare()
            .unwrap();
        assert_eq!(given.options.faults, Some(vec!["internal".to_string()]));
    }
}
