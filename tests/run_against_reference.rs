//! Running the shipped tables against the embedded reference through the library API, the way
//! `confuzz run` does: everything passes, the same seed builds the same requests, rows are
//! chosen by id, and what cannot be tested is reported untested (never passed).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Mutex;

use common::*;
use confuzz::check::Cause;
use confuzz::run::{run, RowVerdict, RunError, RunOptions};
use confuzz::spec::{Field, Op, SaveSource, SpecSet, VendorSpec};
use confuzz::target::HttpTarget;
use confuzz::{FnTarget, Request, Response, TargetError};
use serde_json::{json, Map, Value};

#[test]
fn a_full_run_passes_every_row_and_endpoint() {
    let set = specs();
    let reference = reference();
    let options = RunOptions::default().cases(4);
    let report = run_quiet(&set, &reference, &reference.fixtures(), &options);

    let rows: Vec<&str> = set.rows().map(|(_, r)| r.id.as_str()).collect();
    let endpoints: usize = set.specs.iter().map(|s| s.spec.endpoints.len()).sum();
    assert_eq!(rows.len(), 101, "the shipped tables document 101 errors");
    assert_eq!(
        report.of_kind(confuzz::check::CheckKind::Row).count(),
        rows.len()
    );
    assert_eq!(
        report.of_kind(confuzz::check::CheckKind::Valid).count(),
        endpoints
    );
    for (result, id) in report.of_kind(confuzz::check::CheckKind::Row).zip(&rows) {
        assert_eq!(&result.id, id, "rows are reported in spec order");
        assert_passed(result);
        // Each trigger variant also runs once with its simplest request, beyond the random cases.
        assert!(result.count >= options.cases, "{id}");
        assert_eq!(result.readings.values().sum::<u32>(), result.count, "{id}");
        assert!(result.reason.is_none() && result.evidence.is_none(), "{id}");
    }
    for p in report.of_kind(confuzz::check::CheckKind::Valid) {
        assert_eq!(p.verdict, RowVerdict::Passed, "{}: {:?}", p.id, p.reason);
        assert!(p.count > 0, "{}", p.id);
    }
    // The cross-request properties run after the rows, all of them by default.
    assert!(report
        .of_kind(confuzz::check::CheckKind::Property)
        .next()
        .is_some());
    // Every property passes; the one warning is the interop finding of the LTI reference,
    // which verifies as the `ims-lti` validator does (tests/oauth1_interop.rs).
    for p in report.of_kind(confuzz::check::CheckKind::Property) {
        let expected = if p.id == "lti.interop.oauth1" {
            RowVerdict::Warned
        } else {
            RowVerdict::Passed
        };
        assert_eq!(p.verdict, expected, "{}: {:?}", p.id, p.reason);
    }
    assert_eq!(
        report.summary.passed,
        rows.len() + endpoints + report.of_kind(confuzz::check::CheckKind::Property).count() - 1
    );
    assert_eq!(
        (
            report.summary.failed,
            report.summary.warned,
            report.summary.untested
        ),
        (0, 1, 0)
    );
    assert!(report.conforms());
    assert_eq!(report.seed, options.seed);
    assert_eq!(report.target, "embedded reference");
}

// ---- the same seed builds the same requests ---------------------------------------------------

/// A value saved from answers: where (`response:/id`, `response.header:Location`) and the regex
/// that cuts it out, if any.
type AnswerSource = (String, Option<regex::Regex>);

/// An endpoint's path as a regex matching its requests.
fn path_regex(base_path: &str, path: &str) -> regex::Regex {
    let parameter = regex::Regex::new(r"\\\{[^}]*\\\}").unwrap();
    let template = format!("{base_path}{path}");
    regex::Regex::new(&format!(
        "^{}$",
        parameter.replace_all(&regex::escape(&template), "[^/]+")
    ))
    .unwrap()
}

/// Every endpoint path of the set as a regex, with its vendor (a request's vendor is found by
/// its path alone: a row can send another method to an endpoint's path).
fn endpoint_paths(set: &SpecSet) -> Vec<(String, regex::Regex)> {
    set.specs
        .iter()
        .flat_map(|loaded| {
            let spec = &loaded.spec;
            spec.endpoints.iter().map(|e| {
                (
                    spec.vendor.id.clone(),
                    path_regex(&spec.vendor.base_path, &e.path),
                )
            })
        })
        .collect()
}

/// For each endpoint a setup step saves answers from: its method, its path as a regex, and the
/// sources saved. These are the only values a request can carry that the target chose rather
/// than the harness.
fn answer_sources(set: &SpecSet) -> Vec<(String, regex::Regex, Vec<AnswerSource>)> {
    let mut out: Vec<(String, regex::Regex, Vec<AnswerSource>)> = Vec::new();
    for loaded in &set.specs {
        let spec = &loaded.spec;
        let endpoint_steps = spec.endpoints.iter().flat_map(|e| &e.setup);
        let row_steps = spec
            .rows
            .iter()
            .filter_map(|r| r.trigger.as_ref())
            .flat_map(|t| &t.setup);
        for step in endpoint_steps.chain(row_steps) {
            let endpoint = spec.endpoint(&step.endpoint).unwrap();
            let path = path_regex(&spec.vendor.base_path, &endpoint.path);
            let sources: Vec<AnswerSource> = step
                .save
                .values()
                .map(|source| match source {
                    SaveSource::Plain(from) => (from.to_string(), None),
                    SaveSource::Regex { from, regex } => {
                        (from.to_string(), Some(regex::Regex::new(regex).unwrap()))
                    }
                })
                .filter(|(from, _)| from.starts_with("response"))
                .collect();
            if !sources.is_empty() {
                out.push((endpoint.method.clone(), path, sources));
            }
        }
    }
    out
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// The request with every value named in `names` replaced by its name, where ids go: whole
/// path segments, query values, JSON strings and form values. An OAuth signature covers the
/// renamed values, so it is blanked with them.
fn rename_ids(request: &Request, names: &BTreeMap<String, String>) -> Request {
    fn rename_json(value: &mut Value, names: &BTreeMap<String, String>) {
        match value {
            Value::String(s) => {
                if let Some(name) = names.get(s.as_str()) {
                    *s = name.clone();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| rename_json(v, names)),
            Value::Object(map) => map.values_mut().for_each(|v| rename_json(v, names)),
            _ => {}
        }
    }
    let rename = |s: &mut String| {
        if let Some(name) = names.get(s.as_str()) {
            *s = name.clone();
        }
    };
    let mut out = request.clone();
    let mut segments: Vec<String> = out.path.split('/').map(str::to_string).collect();
    segments.iter_mut().for_each(rename);
    out.path = segments.join("/");
    out.query.iter_mut().for_each(|(_, v)| rename(v));
    if let Some(mut json) = request.json_body() {
        rename_json(&mut json, names);
        out.body = serde_json::to_vec(&json).unwrap();
    } else if request.header("content-type") == Some("application/x-www-form-urlencoded") {
        let mut pairs = request.form_pairs();
        pairs.iter_mut().for_each(|(_, v)| rename(v));
        if pairs != request.form_pairs() {
            for (k, v) in pairs.iter_mut() {
                if k == "oauth_signature" {
                    *v = "<signature>".into();
                }
            }
        }
        out.body = confuzz::target::encode_form(&pairs).into_bytes();
    }
    out
}

/// Records every request the reference receives, with the ids the reference chose replaced by
/// a name derived from the request that created them. The reference numbers what it creates in
/// the order requests arrive, and with two jobs rows arrive interleaved: without the renaming
/// the same case would carry another course number, though the harness built the same request.
/// Ids are renamed only in requests to the vendor that chose them: a short generated value of
/// another vendor's request (a description `5`) is not a class id `5`.
struct Recorder {
    endpoint_paths: Vec<(String, regex::Regex)>,
    sources: Vec<(String, regex::Regex, Vec<AnswerSource>)>,
    fixtures: BTreeSet<String>,
    /// Per vendor, the names of the ids it chose; and the log.
    seen: Mutex<(NamesByVendor, Vec<String>)>,
}

/// Vendor id → (id the vendor chose → its name).
type NamesByVendor = BTreeMap<String, BTreeMap<String, String>>;

impl Recorder {
    fn new(set: &SpecSet, fixtures: &Map<String, Value>) -> Self {
        Recorder {
            endpoint_paths: endpoint_paths(set),
            sources: answer_sources(set),
            fixtures: fixtures
                .values()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            seen: Mutex::new((BTreeMap::new(), Vec::new())),
        }
    }

    fn record(&self, request: &Request, response: &Response) {
        let vendor = self
            .endpoint_paths
            .iter()
            .find(|(_, path)| path.is_match(&request.path))
            .map_or_else(String::new, |(vendor, _)| vendor.clone());
        let mut seen = self.seen.lock().unwrap();
        let (by_vendor, log) = &mut *seen;
        let names = by_vendor.entry(vendor).or_default();
        let normal = serde_json::to_string(&rename_ids(request, names)).unwrap();
        let json = response.json_body();
        let sources = self
            .sources
            .iter()
            .filter(|(method, path, _)| *method == request.method && path.is_match(&request.path))
            .flat_map(|(_, _, sources)| sources);
        for (from, regex) in sources {
            let raw = match from.strip_prefix("response.header:") {
                Some(header) => response.header(header).map(str::to_string),
                None => json
                    .as_ref()
                    .and_then(|j| j.pointer(from.trim_start_matches("response:")))
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)),
            };
            let value = match (raw, regex) {
                (Some(raw), Some(re)) => re
                    .captures(&raw)
                    .and_then(|c| c.get(1))
                    .map(|m| m.as_str().to_string()),
                (raw, None) => raw,
                (None, _) => None,
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                if !self.fixtures.contains(&value) && !names.contains_key(&value) {
                    let name = format!("<{from} of {:016x}>", fnv(&normal));
                    names.insert(value, name);
                }
            }
        }
        log.push(normal);
    }

    fn sorted(self) -> Vec<String> {
        let mut log = self.seen.into_inner().unwrap().1;
        log.sort();
        log
    }
}

/// Every request a whole run sends to a fresh reference, sorted.
fn requests_of_a_run(seed: u64, jobs: usize, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let set = specs();
    let reference = reference();
    let fixtures = reference.fixtures();
    let recorder = Recorder::new(&set, &fixtures);
    let target = FnTarget::new("recording reference", |request: &Request| {
        let response = reference.handle(request);
        recorder.record(request, &response);
        response
    });
    let options = RunOptions::default()
        .seed(seed)
        .cases(3)
        .jobs(jobs)
        .now(Some(now));
    let report = run_quiet(&set, &target, &fixtures, &options);
    assert!(report.conforms(), "{:?}", report.summary);
    drop(target);
    recorder.sorted()
}

#[test]
fn the_same_seed_builds_the_same_requests_with_one_job_or_two() {
    let now = chrono::Utc::now();
    let one = requests_of_a_run(SEED, 1, now);
    let two = requests_of_a_run(SEED, 2, now);
    assert!(one.len() > 500, "a whole run sends hundreds of requests");
    if one != two {
        let count = |log: &[String], x: &String| log.iter().filter(|y| *y == x).count();
        let differ: Vec<String> = one
            .iter()
            .chain(&two)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|x| count(&one, x) != count(&two, x))
            .take(4)
            .map(|x| format!("{} vs {}: {x}", count(&one, x), count(&two, x)))
            .collect();
        panic!("sent with one job vs with two:\n{}", differ.join("\n"));
    }
    let other = requests_of_a_run(SEED + 1, 2, now);
    assert_ne!(one, other, "another seed builds other requests");
}

// ---- choosing rows ----------------------------------------------------------------------------

fn chosen(filters: &[&str]) -> Result<(Vec<String>, Vec<String>), RunError> {
    let set = specs();
    let reference = reference();
    let options = options(filters).cases(1).positive(true);
    let report = run(&set, &reference, &reference.fixtures(), &options, &|_| {})?;
    assert!(report.conforms());
    Ok((
        report
            .of_kind(confuzz::check::CheckKind::Row)
            .map(|r| r.id.clone())
            .collect(),
        report
            .of_kind(confuzz::check::CheckKind::Valid)
            .map(|p| p.id.clone())
            .collect(),
    ))
}

#[test]
fn rows_are_chosen_by_id_prefix_or_wildcard() {
    let (rows, valid) = chosen(&["clever.auth.no-token"]).unwrap();
    assert_eq!(rows, ["clever.auth.no-token"]);
    assert!(valid.is_empty());

    let (rows, valid) = chosen(&["clever.auth"]).unwrap();
    assert_eq!(rows, ["clever.auth.no-token", "clever.auth.bad-token"]);
    assert!(valid.is_empty());

    let (rows, _) = chosen(&["clever.assignment.due-date*"]).unwrap();
    assert_eq!(
        rows,
        [
            "clever.assignment.due-date-in-past",
            "clever.assignment.due-date-day-out-of-range"
        ]
    );

    let (rows, valid) = chosen(&["clever.valid.assignment-get"]).unwrap();
    assert!(rows.is_empty());
    assert_eq!(valid, ["clever.valid.assignment-get"]);

    let (rows, valid) = chosen(&["lti.class-details", "clever.request.invalid-json"]).unwrap();
    assert_eq!(
        rows,
        [
            "clever.request.invalid-json",
            "lti.class-details.zoom-authentication-error"
        ],
        "spec order, whatever the order of the filters"
    );
    assert!(valid.is_empty());

    // A vendor id selects its rows and its valid-request checks.
    let set = specs();
    let clever = set.vendor("clever").unwrap();
    let (rows, valid) = chosen(&["clever"]).unwrap();
    let ids: Vec<&str> = clever.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(rows, ids);
    assert_eq!(valid.len(), clever.endpoints.len());

    // A prefix only matches whole id segments; a filter that matches nothing is an error.
    // The error names the filter and the ids nearest to it.
    match chosen(&["clever.auth.no"]) {
        Err(RunError::NoMatch { filter, nearest }) => {
            assert_eq!(filter, "clever.auth.no");
            assert!(
                nearest.iter().any(|id| id == "clever.auth.no-token"),
                "{nearest:?}"
            );
        }
        other => panic!("expected NoMatch, got {other:?}"),
    }
    // One filter that matches nothing fails the run even beside filters that match.
    match chosen(&["clever", "lti.launch.nonexistent"]) {
        Err(RunError::NoMatch { filter, .. }) => assert_eq!(filter, "lti.launch.nonexistent"),
        other => panic!("expected NoMatch, got {other:?}"),
    }
}

// ---- what cannot be tested is untested ---------------------------------------------------------

#[test]
fn a_missing_fixture_leaves_the_rows_that_need_it_untested() {
    let set = specs();
    let reference = reference();
    let mut fixtures = reference.fixtures();
    assert!(fixtures.remove("clever.token").is_some());
    let options = options(&["clever"])
        .positive(true)
        .properties(Vec::<String>::new());
    let report = run_quiet(&set, &reference, &fixtures, &options);

    // Sending no token, or a made-up one, needs no token fixture: those rows still run.
    let without_token = ["clever.auth.no-token", "clever.auth.bad-token"];
    for result in report.of_kind(confuzz::check::CheckKind::Row) {
        if without_token.contains(&result.id.as_str()) {
            assert_passed(result);
        } else {
            assert_eq!(result.verdict, RowVerdict::Untested, "{}", result.id);
            assert_eq!(
                result.reason.as_deref(),
                Some("needs fixture clever.token"),
                "{}",
                result.id
            );
            assert!(result.evidence.is_none() && result.readings.is_empty());
            assert_eq!(result.cause, Some(Cause::Setup), "{}", result.id);
        }
    }
    assert_eq!(report.of_kind(confuzz::check::CheckKind::Valid).count(), 7);
    for p in report.of_kind(confuzz::check::CheckKind::Valid) {
        assert_eq!(p.verdict, RowVerdict::Untested, "{}", p.id);
        assert_eq!(p.reason.as_deref(), Some("needs fixture clever.token"));
        assert_eq!(p.cause, Some(Cause::Setup), "{}", p.id);
    }
    assert_eq!(report.summary.passed, 2);
    assert_eq!(report.summary.untested, 13 + 7);
    assert!(report.conforms(), "untested is not a failure");

    // A fixture only one row needs leaves only that row untested.
    let mut fixtures = reference.fixtures();
    fixtures.remove("clever.unenrolled_student_id");
    let report = run_quiet(&set, &reference, &fixtures, &options);
    for result in report.of_kind(confuzz::check::CheckKind::Row) {
        if result.id == "clever.submission.user-not-found" {
            assert_eq!(result.verdict, RowVerdict::Untested);
            assert_eq!(
                result.reason.as_deref(),
                Some("needs fixture clever.unenrolled_student_id")
            );
        } else {
            assert_passed(result);
        }
    }
}

/// The fault each row's trigger asks for, if any.
fn fault_of(spec: &VendorSpec, id: &str) -> Option<String> {
    spec.row(id)?
        .trigger
        .as_ref()?
        .ops
        .iter()
        .find_map(|op| match op {
            Op::Fault(name) => Some(name.clone()),
            _ => None,
        })
}

#[test]
fn a_target_without_fault_hooks_leaves_the_fault_rows_untested() {
    let set = specs();
    let reference = reference();
    let fault_rows: Vec<(String, String)> = set
        .rows()
        .filter_map(|(spec, row)| fault_of(spec, &row.id).map(|f| (row.id.clone(), f)))
        .collect();
    assert!(fault_rows.len() >= 3, "{fault_rows:?}");
    let options = options(&[])
        .cases(2)
        .faults(Vec::<String>::new())
        .properties(Vec::<String>::new());
    let report = run_quiet(&set, &reference, &reference.fixtures(), &options);
    for result in report.of_kind(confuzz::check::CheckKind::Row) {
        match fault_rows.iter().find(|(id, _)| *id == result.id) {
            Some((_, fault)) => {
                assert_eq!(result.verdict, RowVerdict::Untested, "{}", result.id);
                assert_eq!(
                    result.reason.as_deref(),
                    Some(format!("needs fault hook {fault}").as_str())
                );
                assert_eq!(result.cause, Some(Cause::Setup));
                assert_eq!(result.count, 0);
            }
            None => assert_passed(result),
        }
    }
    assert_eq!(report.summary.untested, fault_rows.len());

    // A target that declares one fault gets that row tested and only that one.
    let (tested, fault) = fault_rows[0].clone();
    let options = options
        .faults(vec![fault.clone()])
        .rows(fault_rows.iter().map(|(id, _)| id.clone()));
    let report = run_quiet(&set, &reference, &reference.fixtures(), &options);
    for result in report.of_kind(confuzz::check::CheckKind::Row) {
        if result.id == tested {
            assert_passed(result);
        } else {
            let wanted = &fault_rows
                .iter()
                .find(|(id, _)| *id == result.id)
                .unwrap()
                .1;
            assert_eq!(result.verdict, RowVerdict::Untested, "{}", result.id);
            if wanted != &fault {
                assert_eq!(
                    result.reason.as_deref(),
                    Some(format!("needs fault hook {wanted}").as_str())
                );
            }
        }
    }
}

#[test]
fn a_target_that_accepts_everything_fails_every_row_it_reaches() {
    let set = specs();
    let fixtures = reference().fixtures();
    let target = FnTarget::new("accepts everything", |_: &Request| {
        Response::json(200, &json!({}))
    });
    let options = options(&[])
        .cases(2)
        .positive(true)
        // Every row fails: shrinking them all would only take time.
        .shrink(false);
    let report = run_quiet(&set, &target, &fixtures, &options);

    let mut failed = 0;
    for result in report.of_kind(confuzz::check::CheckKind::Row) {
        let (spec, row) = spec_row(&set, &result.id);
        match result.verdict {
            RowVerdict::Failed => {
                failed += 1;
                let reason = result.reason.as_deref().unwrap();
                let statuses: Vec<u16> = std::iter::once(row.expect.status)
                    .chain(row.alternatives.iter().filter_map(|a| a.status))
                    .chain(
                        row.also_accept
                            .iter()
                            .map(|id| spec.row(id).unwrap().expect.status),
                    )
                    .collect();
                assert!(
                    statuses
                        .iter()
                        .any(|s| reason.starts_with(&format!("status: expected {s}, got 200"))),
                    "{}: {reason}",
                    result.id
                );
                let status = mismatch(&result.evidence.as_ref().unwrap().mismatches, "status");
                assert_eq!(status.observed, "200");
                assert_eq!(status.documented, !row.is_assumed(Field::Status));
            }
            // Rows whose setup needs a value from an answer (a created id) cannot be reached:
            // `{}` has none. They are untested, never passed.
            RowVerdict::Untested => {
                let reason = result.reason.as_deref().unwrap();
                assert!(
                    reason.starts_with("setup failed: setup step")
                        && reason.contains("answered 200"),
                    "{}: {reason}",
                    result.id
                );
            }
            verdict => panic!("{} {verdict:?}: {:?}", result.id, result.reason),
        }
    }
    assert!(failed >= 80, "only {failed} rows failed");
    assert_eq!(
        row(&report, "clever.auth.no-token")
            .reason
            .as_deref()
            .map(|r| r.split(';').next().unwrap()),
        Some("status: expected 401, got 200")
    );
    let launch = positive(&report, "launch");
    assert_eq!(launch.verdict, RowVerdict::Failed);
    assert_eq!(
        launch.reason.as_deref(),
        Some("a valid request was rejected: expected 303, got 200 (an undocumented answer)")
    );
    assert!(!report.conforms());
}

// ---- an unreachable target --------------------------------------------------------------------

/// A loopback URL nothing listens on.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn an_unreachable_target_stops_the_run_with_the_target_error() {
    let url = closed_port_url();
    let target = HttpTarget::new(&url).unwrap();
    let options = options(&[]).url_base(url.clone()).host(None).positive(true);
    let result = run(
        &specs(),
        &target,
        &reference().fixtures(),
        &options,
        &|_| {},
    );
    match result {
        Err(RunError::Target(TargetError::Unreachable { url: at, .. })) => {
            assert!(at.starts_with(&url), "{at}")
        }
        other => panic!("expected an unreachable target, got {other:?}"),
    }
}

#[test]
fn the_command_line_reports_an_unreachable_target_in_one_line() {
    let url = closed_port_url();
    let output = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(["run", "--target", &url, "--seed", "1", "--cases", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // One error line (a note about the missing fixtures file may stand before it).
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].starts_with("error: cannot reach "), "{stderr}");
    assert!(errors[0].contains(&url), "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("error") || l.starts_with("note:")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    // With the faults given there is no capabilities request up front: the run itself stops.
    let fixtures = std::env::temp_dir().join(format!(
        "confuzz-unreachable-fixtures-{}.json",
        std::process::id()
    ));
    std::fs::write(&fixtures, Value::Object(reference().fixtures()).to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args([
            "run", "--target", &url, "--faults", "internal", "--cases", "2",
        ])
        .arg("--fixtures")
        .arg(&fixtures)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&fixtures);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].starts_with("error: cannot reach "), "{stderr}");
    assert!(output.stdout.is_empty());
}
