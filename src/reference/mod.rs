//! The main type here is [`Reference`]: the embedded reference implementations of the vendor
//! APIs behind one in-process handler. It is the default target of `confuzz run`, the sandbox
//! that `confuzz serve` exposes, and the base of the mutant catalog.
//!
//! Each vendor lives in its own module and reads like the vendor's documentation, in
//! processing order. The module here only dispatches by path, enforces the generic limits
//! (body size), and implements the test hooks shared by all vendors:
//! `X-Conformance-Fault` and `GET /__conformance/capabilities`.
//!
//! Not for: the engine. Nothing outside this folder and `specs/` knows a vendor by name.

mod classroom;
mod coursekey;
mod lti;
pub(crate) mod table;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::auth::oauth1::Convention;
use crate::target::{Request, Response, Target, TargetError};

mod clever;
#[cfg(test)]
mod generation_tests;

/// The test hooks the reference honours, defined with the [`Target`] seam.
pub use crate::target::{CAPABILITIES_PATH, FAULT_HEADER, MAX_BODY_BYTES};

/// How a reference instance is started: [`Config::default`] (the conforming reference, test
/// hooks on) and the setters, e.g. `Config::default().mutant("clever.auth-statuses-swapped")`
/// (the struct is `#[non_exhaustive]`: a struct literal does not compile outside confuzz).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Honour `X-Conformance-Fault` and serve the capabilities document. On by default.
    pub test_hooks: bool,
    /// Limit values set at start, by the name used in fixtures without the `.limit` part,
    /// e.g. `classroom.course_members` -> 5. Vendors use their own small defaults otherwise.
    pub limits: BTreeMap<String, u64>,
    /// A named deliberate deviation (the mutant catalog). `None` is the conforming reference.
    pub mutant: Option<String>,
    /// How many records of each kind created through the API (users, courses, assignments,
    /// classes, ...) an instance keeps: past it, the oldest created record is forgotten, as a
    /// retention policy would. The built-in records are always kept. Bounds the memory of a
    /// long run or a long-lived `serve`; [`Config::DEFAULT_RETAIN`] by default.
    pub retain: usize,
    /// Array fixtures served smaller than built in, by fixture name (e.g.
    /// `classroom.user_ids` -> 40): a test domain with a few dozen accounts, to check that a
    /// run fits in it or says plainly that it does not.
    pub pools: BTreeMap<String, usize>,
    /// The time the reference judges by (a stale OAuth timestamp): the system clock unless a
    /// test shares a manual one with the run.
    pub clock: crate::target::Clock,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            test_hooks: true,
            limits: BTreeMap::new(),
            mutant: None,
            retain: Config::DEFAULT_RETAIN,
            pools: BTreeMap::new(),
            clock: crate::target::Clock::system(),
        }
    }
}

impl Config {
    setters! {
        /// Honour `X-Conformance-Fault` and serve the capabilities document (or not).
        test_hooks: bool;
        /// Limit values set at start, by name (e.g. `("classroom.course_members", 5)`).
        limits: pairs u64;
        /// Runs this mutant (`confuzz mutants --list` names them) instead of the conforming
        /// reference.
        mutant: some String;
        /// How many records of each kind created through the API an instance keeps.
        retain: usize;
        /// Array fixtures served smaller than built in, by fixture name.
        pools: pairs usize;
        /// The time the reference judges by.
        clock: crate::target::Clock;
    }

    /// Records of each kind kept by default: far more than the requests of one case, or of
    /// the cases running at once, ever refer to.
    pub const DEFAULT_RETAIN: usize = 1024;

    /// The limit set at start for `name` (e.g. `classroom.course_members`), or `default`.
    pub fn limit(&self, name: &str, default: u64) -> u64 {
        self.limits.get(name).copied().unwrap_or(default)
    }

    /// Whether the named mutant is active.
    pub fn mutant_is(&self, name: &str) -> bool {
        self.mutant.as_deref() == Some(name)
    }
}

/// What the shared layer tells a vendor about one request.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// The dependency to fail for this request (only in test mode).
    pub fault: Option<String>,
}

impl Hooks {
    /// Whether this request asks to fail `dependency`.
    pub fn fails(&self, dependency: &str) -> bool {
        self.fault.as_deref() == Some(dependency)
    }
}

/// One vendor's reference implementation.
pub trait VendorReference: Send + Sync {
    /// The vendor id as used in spec files and fixture names (`clever`, ...).
    fn vendor(&self) -> &'static str;
    /// Whether a request path belongs to this vendor.
    fn owns(&self, path: &str) -> bool;
    /// Answers one request whose path this vendor owns.
    fn handle(&self, request: &Request, hooks: &Hooks) -> Response;
    /// The built-in fixtures, by their spec names (`clever.token`, ...).
    fn fixtures(&self) -> Map<String, Value>;
    /// The faults this vendor can inject (`lti_credentials_store`, ...).
    fn faults(&self) -> Vec<&'static str>;
    /// How this implementation verifies OAuth 1.0a signatures (vendors whose auth is
    /// `oauth1`): RFC 5849 unless it declares one of its spec's variants.
    fn oauth1_convention(&self) -> Convention {
        Convention::Rfc5849
    }
    /// The mutants this vendor offers: (name, description).
    fn mutants(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
}

/// The embedded reference implementations, dispatching by path.
pub struct Reference {
    config: Config,
    vendors: Vec<Arc<dyn VendorReference>>,
}

/// The ids of all embedded vendors, in the order they are served.
pub fn vendor_ids() -> Vec<&'static str> {
    Reference::new(Config::default())
        .vendors
        .iter()
        .map(|v| v.vendor())
        .collect()
}

impl Reference {
    /// All embedded vendors with this configuration.
    pub fn new(config: Config) -> Self {
        let vendors: Vec<Arc<dyn VendorReference>> = all_vendors(&config);
        Reference { config, vendors }
    }

    /// Only the named vendors (an unknown name is an error naming the known ones).
    pub fn with_vendors(
        config: Config,
        names: &[String],
    ) -> Result<Self, crate::spec::UnknownName> {
        let all = all_vendors(&config);
        let known: Vec<String> = all.iter().map(|v| v.vendor().to_string()).collect();
        crate::spec::check_names("vendor", "the embedded reference has", names, &known)?;
        let vendors = all
            .into_iter()
            .filter(|v| names.is_empty() || names.iter().any(|n| n == v.vendor()))
            .collect();
        Ok(Reference { config, vendors })
    }

    /// The configuration this instance was started with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The built-in fixtures of every served vendor, as the JSON object `--fixtures` reads.
    pub fn fixtures(&self) -> Map<String, Value> {
        let mut all = Map::new();
        for vendor in &self.vendors {
            all.extend(vendor.fixtures());
        }
        for (name, value) in &self.config.limits {
            if let Some((vendor, limit)) = name.split_once('.') {
                all.insert(format!("{vendor}.limit.{limit}"), json!(value));
            }
        }
        for (name, size) in &self.config.pools {
            if let Some(Value::Array(items)) = all.get_mut(name) {
                items.truncate(*size);
            }
        }
        all
    }

    /// How the served vendor `vendor` verifies OAuth 1.0a signatures (RFC 5849 for a vendor
    /// not served).
    pub fn oauth1_convention(&self, vendor: &str) -> Convention {
        self.vendors
            .iter()
            .find(|v| v.vendor() == vendor)
            .map_or(Convention::Rfc5849, |v| v.oauth1_convention())
    }

    /// Every fault the served vendors support.
    pub fn faults(&self) -> Vec<&'static str> {
        self.vendors.iter().flat_map(|v| v.faults()).collect()
    }

    /// Every mutant the served vendors offer: (vendor, name, description).
    pub fn mutants(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        self.vendors
            .iter()
            .flat_map(|v| {
                let vendor = v.vendor();
                v.mutants().into_iter().map(move |(n, d)| (vendor, n, d))
            })
            .collect()
    }

    /// Whether a served vendor owns this path (otherwise the answer is the dispatcher's 404,
    /// which belongs to no vendor's API).
    pub fn serves(&self, path: &str) -> bool {
        self.vendors.iter().any(|v| v.owns(path))
    }

    /// Answers one request. Never panics on any input.
    pub fn handle(&self, request: &Request) -> Response {
        if request.body.len() > MAX_BODY_BYTES {
            return Response::json(
                413,
                &json!({"message": format!("request body exceeds {MAX_BODY_BYTES} bytes")}),
            );
        }
        if self.config.test_hooks && request.path == CAPABILITIES_PATH {
            if request.method != "GET" {
                return Response::empty(405).with_header("Allow", "GET");
            }
            return Response::json(
                200,
                &json!({
                    "faults": self.faults(),
                    "vendors": self.vendors.iter().map(|v| v.vendor()).collect::<Vec<_>>(),
                }),
            );
        }
        let hooks = Hooks {
            fault: if self.config.test_hooks {
                request.header(FAULT_HEADER).map(|f| f.trim().to_string())
            } else {
                None
            },
        };
        match self.vendors.iter().find(|v| v.owns(&request.path)) {
            Some(vendor) => vendor.handle(request, &hooks),
            None => Response::json(404, &json!({"message": "no such route"})),
        }
    }
}

impl Target for Reference {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        Ok(self.handle(request))
    }

    fn describe(&self) -> String {
        match &self.config.mutant {
            Some(m) => format!("embedded reference (mutant {m})"),
            None => "embedded reference".to_string(),
        }
    }
}

fn all_vendors(config: &Config) -> Vec<Arc<dyn VendorReference>> {
    // Vendor modules register here.
    vec![
        Arc::new(lti::ClassLti::new(config)),
        Arc::new(classroom::Classroom::new(config)),
        Arc::new(clever::CleverReference::new(config)),
        Arc::new(coursekey::CourseKey::new(config)),
    ]
}
