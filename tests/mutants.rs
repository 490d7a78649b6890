//! The mutant catalog: every check of the harness fails when it should and never when it
//! should not. Every mutant of the embedded reference must be killed by some check, the
//! unmutated reference must pass every check in strict mode, and the mutants the CLI names
//! (`run --mutant`, `serve --mutant`, `mutants`) are the catalog's.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use confuzz::mutants::{catalog, score, MutantResult, MutationOptions, MutationReport};
use confuzz::reference::{Config, Reference};
use confuzz::spec::load_embedded;
use confuzz::target::{HttpTarget, Request, Target};
use serde_json::Value;

/// One score of the whole catalog, shared by the tests that read it.
fn report() -> &'static MutationReport {
    static REPORT: OnceLock<MutationReport> = OnceLock::new();
    REPORT.get_or_init(|| {
        let set = load_embedded().expect("the shipped specs load");
        let options = MutationOptions::default().jobs(2);
        score(&set, &options, &|_| {}).expect("the score is computed")
    })
}

fn mutant(name: &str) -> &'static MutantResult {
    report()
        .mutants
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} is in the catalog"))
}

#[test]
fn every_mutant_is_killed_and_the_reference_raises_no_false_alarm() {
    let report = report();
    assert!(
        report.reference.clean,
        "false alarms on the reference: {:#?}",
        report.reference.failures
    );
    assert_eq!(
        report.reference.checks, 163,
        "101 rows, 25 endpoints, 35 property results and 2 stateful sequences"
    );
    let survivors: Vec<(&str, &str)> = report
        .mutants
        .iter()
        .filter(|m| !m.killed)
        .map(|m| (m.name.as_str(), m.description.as_str()))
        .collect();
    assert!(survivors.is_empty(), "surviving mutants: {survivors:#?}");
    assert_eq!(report.killed, report.total);
    assert_eq!(report.score, 1.0);
    assert!(report.passed());
    for m in &report.mutants {
        assert!(
            m.killed_by
                .iter()
                .all(|id| id.starts_with(&format!("{}.", m.vendor))),
            "{} is judged by its own vendor's checks only: {:?}",
            m.name,
            m.killed_by
        );
    }
}

#[test]
fn the_catalog_spreads_over_every_vendor_with_unique_kebab_names() {
    let set = load_embedded().expect("the shipped specs load");
    let mutants = catalog(&set);
    assert!(mutants.len() >= 35, "{} mutants", mutants.len());
    let names: BTreeSet<&str> = mutants.iter().map(|(_, n, _)| *n).collect();
    assert_eq!(names.len(), mutants.len(), "names are unique");
    for (vendor, name, description) in &mutants {
        let slug = name
            .strip_prefix(&format!("{vendor}."))
            .unwrap_or_else(|| panic!("{name} starts with its vendor {vendor}"));
        assert!(
            !slug.is_empty()
                && slug.split('-').all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "{name} is vendor.kebab-name"
        );
        assert!(!description.trim().is_empty(), "{name} has a description");
    }
    for vendor in ["lti", "classroom", "clever", "coursekey"] {
        let count = mutants.iter().filter(|(v, _, _)| *v == vendor).count();
        assert!(count >= 8, "{vendor} has {count} mutants");
    }
}

/// The row (or valid-request check) a mutant is built to fail, and the kind of mismatch.
fn assert_killed_by(name: &str, check: &str, mismatch: &str) {
    let m = mutant(name);
    let failure = m
        .failures
        .iter()
        .find(|f| f.id == check)
        .unwrap_or_else(|| panic!("{name} is killed by {check}; it was by {:?}", m.killed_by));
    let reason = failure.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains(mismatch),
        "{name} fails {check} on {mismatch}: {reason}"
    );
}

#[test]
fn mutants_are_killed_by_the_check_they_violate() {
    // See: row lti.launch.failed-imslti-validation (its reuse_nonce and stale_timestamp
    // variants).
    assert_killed_by(
        "lti.nonce-reuse-accepted",
        "lti.launch.failed-imslti-validation",
        "status: expected 400, got 303",
    );
    assert_killed_by(
        "lti.stale-timestamp-accepted",
        "lti.launch.failed-imslti-validation",
        "status: expected 400, got 303",
    );
    assert_killed_by(
        "lti.privileged-name-corrected",
        "lti.launch.privleged-zoom-user-not-yet-authorized",
        "name: expected PRIVLEGED_ZOOM_USER_NOT_YET_AUTHORIZED",
    );
    assert_killed_by(
        "lti.errors-as-text-html",
        "lti.launch.failed-to-get-lti-credentials",
        "content_type: expected application/json, got text/html",
    );
    assert_killed_by(
        "classroom.grpc-code-in-error-code",
        "classroom.precondition.attachment-not-visible",
        "code: expected 400, got 9",
    );
    assert_killed_by(
        "classroom.domain-feed-needs-course",
        "classroom.valid.registration-create",
        "a valid request was rejected",
    );
    assert_killed_by(
        "classroom.internal-plain-text",
        "classroom.internal.internal",
        "body: expected a JSON error body",
    );
    assert_killed_by(
        "clever.auth-statuses-swapped",
        "clever.auth.no-token",
        "status: expected 401, got 403",
    );
    assert_killed_by(
        "clever.auth-statuses-swapped",
        "clever.auth.bad-token",
        "status: expected 403, got 401",
    );
    assert_killed_by(
        "clever.missing-fields-reversed",
        "clever.assignment.missing-required-fields",
        "placeholder:missing: expected title, description, due_date",
    );
    assert_killed_by(
        "clever.method-not-allowed-body",
        "clever.request.method-not-allowed",
        "body: expected an empty body",
    );
    assert_killed_by(
        "clever.invalid-escape-json",
        "clever.request.invalid-escape",
        "body: expected a plain-text body",
    );
    assert_killed_by(
        "clever.auth-error-extra-field",
        "clever.auth.no-token",
        "envelope",
    );
    assert_killed_by(
        "coursekey.info-dropped",
        "coursekey.user.email-must-be-unique",
        "envelope",
    );
    assert_killed_by(
        "coursekey.success-flag-added",
        "coursekey.user.email-must-be-unique",
        "envelope",
    );
    assert_killed_by(
        "coursekey.email-unique-with-code",
        "coursekey.user.email-must-be-unique",
        "code: expected no code, got 10005",
    );
    assert_killed_by(
        "coursekey.timezone-echo-undefined",
        "coursekey.course.invalid-time-zone",
        "placeholder:timeZone",
    );
    assert_killed_by(
        "coursekey.welcome-email-fault-ignored",
        "coursekey.user.template-not-found",
        "status: expected 500",
    );
    // See: row coursekey.course.start-after-end, provoked on the start/end schedule.
    assert_killed_by(
        "coursekey.iso-schedule-rejected",
        "coursekey.course.start-after-end",
        "message: expected Invalid session times: start must be before end",
    );
    // See: the stateful property (models in specs/clever.yaml and specs/coursekey.yaml): no
    // single row reads an assignment back after an update, or re-uses an email after one.
    assert_killed_by(
        "clever.update-not-persisted",
        "clever.stateful.sequences",
        "/data/title: expected",
    );
    assert_killed_by(
        "coursekey.user-update-drops-email",
        "coursekey.stateful.sequences",
        "expected row coursekey.user.email-must-be-unique, got a success",
    );
    assert_killed_by(
        "clever.deleted-still-served",
        "clever.stateful.sequences",
        "expected row clever.assignment.deleted",
    );
}

#[test]
fn a_mutant_started_by_name_deviates_and_the_conforming_reference_does_not() {
    // The 405 row documents an empty body.
    let put = Request::new("PUT", "/v3.1/sections/x/assignments/y");
    let conforming = Reference::new(Config::default());
    assert!(conforming.handle(&put).body.is_empty());
    let mutated = Reference::new(Config::default().mutant("clever.method-not-allowed-body"));
    let answer = mutated.handle(&put);
    assert_eq!(answer.status, 405);
    assert!(!answer.body.is_empty());
    assert_eq!(
        mutated.describe(),
        "embedded reference (mutant clever.method-not-allowed-body)"
    );
}

/// Runs one row against the reference or a mutant, with one random case.
fn one_case(row: &str, mutant: Option<&str>) -> confuzz::check::CheckResult {
    let set = load_embedded().expect("the shipped specs load");
    let mut config = Config::default();
    config.mutant = mutant.map(str::to_string);
    let reference = Reference::new(config);
    let options = confuzz::run::RunOptions::default()
        .cases(1)
        .seed(11)
        .strict(true)
        .rows(vec![row.to_string()])
        .positive(false);
    let report = confuzz::run::run(&set, &reference, &reference.fixtures(), &options, &|_| {})
        .expect("the run completes");
    report
        .checks
        .into_iter()
        .find(|c| c.kind == confuzz::check::CheckKind::Row)
        .expect("the row ran")
}

#[test]
fn every_variant_of_a_trigger_runs_whatever_the_case_count() {
    // See: row lti.launch.failed-imslti-validation, six variants.
    let row = "lti.launch.failed-imslti-validation";
    let conforming = one_case(row, None);
    assert_eq!(conforming.verdict, confuzz::run::RowVerdict::Passed);
    assert_eq!(conforming.count, 7, "six variants, then one random case");
    for mutant in [
        "lti.stale-timestamp-accepted",
        "lti.nonce-reuse-accepted",
        "lti.unknown-key-credentials-not-found",
    ] {
        let result = one_case(row, Some(mutant));
        assert_eq!(result.verdict, confuzz::run::RowVerdict::Failed, "{mutant}");
        let evidence = result.evidence.expect("a failure has evidence");
        assert_eq!(evidence.choices.len(), 1, "{mutant}: a variant's own case");
    }
}

fn confuzz(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_mutants_command_reports_kills_as_json_and_exits_0_when_all_are_killed() {
    let out = confuzz(&[
        "mutants",
        "--mutant",
        "clever.auth-statuses-swapped",
        "--mutant",
        "lti.nonce-*",
        "--format",
        "json",
        "--jobs",
        "2",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["score"], 1.0);
    assert_eq!(doc["passed"], true);
    assert_eq!(doc["reference"]["clean"], true);
    let mutants = doc["mutants"].as_array().expect("mutants is an array");
    let names: Vec<&str> = mutants.iter().filter_map(|m| m["name"].as_str()).collect();
    assert_eq!(
        names,
        ["lti.nonce-reuse-accepted", "clever.auth-statuses-swapped"]
    );
    for m in mutants {
        assert_eq!(m["killed"], true);
        assert!(m["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(m["killed_by"].as_array().is_some_and(|k| !k.is_empty()));
    }
}

#[test]
fn unknown_mutant_names_are_usage_errors_everywhere() {
    for args in [
        &["mutants", "--mutant", "clever.no-such-mutant"][..],
        &[
            "mutants",
            "--mutant",
            "clever.auth-statuses-swapped",
            "--mutant",
            "clever.no-such-mutant",
        ][..],
        &["run", "--mutant", "clever.no-such-mutant"][..],
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--mutant",
            "clever.no-such-mutant",
        ][..],
    ] {
        let out = confuzz(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("clever.no-such-mutant"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn run_against_a_mutant_fails_the_row_it_violates() {
    let out = confuzz(&[
        "run",
        "--mutant",
        "lti.stale-timestamp-accepted",
        "--row",
        "lti.launch.failed-imslti-validation",
        "--no-positive",
        "--strict",
        "--cases",
        "2",
        "--seed",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("lti.launch.failed-imslti-validation"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mutant lti.stale-timestamp-accepted"),
        "{stdout}"
    );
}

#[test]
fn serve_runs_a_mutant_over_http() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--quiet",
            "--vendor",
            "clever",
            "--mutant",
            "clever.method-not-allowed-body",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("the address is printed");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_string);
    let answer = url.as_deref().map(|url| {
        HttpTarget::new(url)
            .expect("the url parses")
            .send(&Request::new("PUT", "/v3.1/sections/x/assignments/y"))
    });
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer
        .unwrap_or_else(|| panic!("first line names the address: {line:?}"))
        .expect("the server answers");
    assert_eq!(answer.status, 405);
    assert!(!answer.body.is_empty(), "the mutant sends a body with 405");
}
