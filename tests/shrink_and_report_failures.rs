//! A failing row is shrunk to a smaller request that still fails the same way, and every report
//! (console, JSON, JUnit, saved failures) names the row, shows expected against observed and a
//! `curl` line that reproduces it, without ever printing a secret fixture value.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use common::*;
use confuzz::report::run::{console, json, junit, Redactor};
use confuzz::run::RowVerdict;
use confuzz::{Request, Response, Target};
use serde_json::{json, Value};

const ROW: &str = "clever.assignment.due-date-in-past";
const PAST_DUE: &str = "due_date must be in the future";

/// The start of the clever token of the reference: no output may hold even part of it (a
/// table clips long reasons, which would hide a leaked whole).
fn token() -> String {
    let token = reference().fixtures()["clever.token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(token.len() > 6);
    token[..6].to_string()
}

/// The reference, except that a past due date on a create that carries `grading_type` is
/// answered with a misspelt message; every such request is kept, in order.
struct GradingTypeBreaksIt {
    failing: Mutex<Vec<Request>>,
}

impl GradingTypeBreaksIt {
    fn new() -> Self {
        GradingTypeBreaksIt {
            failing: Mutex::new(Vec::new()),
        }
    }

    fn target(&self) -> impl Target + '_ {
        rewriting("breaks on grading_type", move |request, answer| {
            let has_grading_type = request
                .json_body()
                .is_some_and(|b| b.get("grading_type").is_some());
            if has_grading_type && message_of(&answer).as_deref() == Some(PAST_DUE) {
                self.failing.lock().unwrap().push(request.clone());
                Response::json(400, &json!({"message": "due_date must be in the futur"}))
            } else {
                answer
            }
        })
    }
}

fn body_keys(request: &Request) -> Vec<String> {
    request
        .json_body()
        .and_then(|b| b.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default()
}

#[test]
fn a_failing_case_shrinks_to_a_smaller_one_that_fails_the_same_way() {
    let breaks = GradingTypeBreaksIt::new();
    let target = breaks.target();
    let report = run_rows(&target, &[ROW], false);
    let result = row(&report, ROW);
    let m = mismatches(result, RowVerdict::Failed);
    assert_eq!(m.len(), 1, "{m:#?}");
    let message = mismatch(m, "message");
    assert_eq!(message.expected, PAST_DUE);
    assert_eq!(message.observed, "due_date must be in the futur");

    let evidence = result.evidence.as_ref().unwrap();
    let first = breaks.failing.lock().unwrap()[0].clone();
    let minimal = &evidence.request;
    assert!(
        evidence.shrunk,
        "the first failing case had optional fields to drop"
    );
    assert!(
        evidence.reproduced,
        "the minimal case failed again on a re-run"
    );
    assert!(
        minimal.body.len() <= first.body.len(),
        "minimal {} vs first {}",
        String::from_utf8_lossy(&minimal.body),
        String::from_utf8_lossy(&first.body)
    );
    let (kept, before) = (body_keys(minimal), body_keys(&first));
    assert!(kept.len() <= before.len(), "{kept:?} vs {before:?}");
    // What provokes the failure is still there.
    assert!(kept.contains(&"grading_type".to_string()), "{kept:?}");
    assert_eq!(evidence.response.status, 400);
    assert_eq!(
        message_of(&evidence.response).as_deref(),
        Some("due_date must be in the futur")
    );

    // Sent again, the minimal request still gets the wrong answer.
    let again = target.send(minimal).unwrap();
    assert_eq!(
        message_of(&again).as_deref(),
        Some("due_date must be in the futur")
    );
}

#[test]
fn without_shrinking_the_first_failing_case_is_reported() {
    let breaks = GradingTypeBreaksIt::new();
    let target = breaks.target();
    let options = options(&[ROW]).shrink(false);
    let report = run_quiet(&specs(), &target, &reference().fixtures(), &options);
    let evidence = row(&report, ROW).evidence.clone().unwrap();
    assert!(!evidence.shrunk);
    assert!(evidence.reproduced);
    let first = breaks.failing.lock().unwrap()[0].clone();
    assert_eq!(body_keys(&evidence.request), body_keys(&first));
}

#[test]
fn a_case_that_cannot_be_set_up_while_shrinking_does_not_hide_the_failure() {
    // The setup create of an assignment fails for short titles, which shrinking produces;
    // the GET of a malformed id always gets a misspelt answer. The row failed: it must say so.
    // See: row clever.assignment.invalid-id
    let id = "clever.assignment.invalid-id";
    let target = rewriting("short titles fail", |request, answer| {
        let title = request
            .json_body()
            .and_then(|b| b["title"].as_str().map(str::len));
        if request.method == "POST" && title.is_some_and(|n| n < 20) {
            return Response::json(503, &json!({"message": "try again later"}));
        }
        match message_of(&answer) {
            Some(m) if m == "INVALID_ID" => Response::json(400, &json!({"message": "INVALID ID"})),
            _ => answer,
        }
    });
    let options = options(&[id]).seed(3);
    let report = run_quiet(&specs(), &target, &reference().fixtures(), &options);
    let result = row(&report, id);
    let m = mismatches(result, RowVerdict::Failed);
    let message = mismatch(m, "message");
    assert_eq!(
        (message.expected.as_str(), message.observed.as_str()),
        ("INVALID_ID", "INVALID ID")
    );
    let evidence = result.evidence.as_ref().unwrap();
    assert!(evidence.reproduced);
    let setup_title = evidence.setup[0].request.json_body().unwrap()["title"]
        .as_str()
        .unwrap()
        .len();
    assert!(
        setup_title >= 20,
        "the minimal case is one that could be set up"
    );
}

// ---- the reports ---------------------------------------------------------------------------

/// A failure whose answer also echoes the Authorization header it got: the token reaches the
/// mismatch, the reason and the evidence, and every report must still redact it.
fn failing_clever_run() -> (confuzz::run::RunReport, Redactor) {
    let target = rewriting("echoes the token", |request, answer| {
        if message_of(&answer).as_deref() == Some(PAST_DUE) {
            let auth = request.header("authorization").unwrap_or_default();
            Response::json(
                400,
                &json!({"message": format!("due_date must be in the futur ({auth})")}),
            )
        } else {
            answer
        }
    });
    let set = specs();
    let fixtures = reference().fixtures();
    let options = options(&["clever"]).positive(true);
    let report = run_quiet(&set, &target, &fixtures, &options);
    (report, Redactor::new(&set, &fixtures))
}

#[test]
fn every_report_names_the_row_shows_the_mismatch_and_a_redacted_curl_line() {
    let (report, redactor) = failing_clever_run();
    let token = token();
    let result = row(&report, ROW);
    assert_eq!(result.verdict, RowVerdict::Failed);
    assert_eq!(
        report.summary.failed, 1,
        "only the row whose answer changed fails"
    );
    let evidence = result.evidence.as_ref().unwrap();
    assert!(evidence
        .request
        .header("authorization")
        .unwrap()
        .contains(&token));
    assert!(
        result.reason.as_deref().unwrap().contains(&token),
        "the reason quotes it"
    );
    let base = "http://127.0.0.1:8080";
    let expected_observed = format!(
        "message: expected \"{PAST_DUE}\", observed \"due_date must be in the futur (Bearer $CLEVER_TOKEN)\""
    );

    // Console.
    let text = console(&report, base, &redactor, false);
    assert!(!text.contains(&token), "{text}");
    assert!(text.contains(&format!("--- {ROW} (failed)")), "{text}");
    assert!(text.contains(&expected_observed), "{text}");
    let curl = text
        .lines()
        .find(|l| l.trim_start().starts_with("curl "))
        .unwrap_or_else(|| panic!("no curl line in {text}"));
    assert!(curl.contains("-X POST"), "{curl}");
    assert!(curl.contains(&format!("'{base}/v3.1/sections/")), "{curl}");
    assert!(
        curl.contains("-H 'Authorization: Bearer '\"$CLEVER_TOKEN\""),
        "{curl}"
    );
    assert!(curl.contains("--data-binary"), "{curl}");

    // JSON.
    let doc = json(&report, base, &redactor);
    let text = serde_json::to_string(&doc).unwrap();
    assert!(!text.contains(&token), "{text}");
    assert_eq!(doc["format"], 2);
    let checks = doc["checks"].as_array().unwrap();
    let failed: Vec<&Value> = checks.iter().filter(|r| r["verdict"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    let r = failed[0];
    assert_eq!(r["id"], ROW);
    assert_eq!(r["kind"], "row");
    let m = &r["evidence"]["mismatches"][0];
    assert_eq!(m["what"], "message");
    assert_eq!(m["expected"], PAST_DUE);
    assert_eq!(
        m["observed"],
        "due_date must be in the futur (Bearer $CLEVER_TOKEN)"
    );
    assert_eq!(m["documented"], true);
    let curl = r["evidence"]["curl"].as_str().unwrap();
    assert!(curl.starts_with("curl -i -X POST"), "{curl}");
    assert!(curl.contains("Bearer '\"$CLEVER_TOKEN\""), "{curl}");
    assert_eq!(doc["conforms"], false);
    assert_eq!(doc["seed"], SEED);

    // JUnit: one test case per row, per valid-request check and per property result.
    let xml = junit(&report, base, &redactor);
    assert!(!xml.contains(&token), "{xml}");
    assert_eq!(
        xml.matches("<testcase ").count(),
        report.of_kind(confuzz::check::CheckKind::Row).count()
            + report.of_kind(confuzz::check::CheckKind::Valid).count()
            + report.of_kind(confuzz::check::CheckKind::Property).count()
    );
    for r in report.of_kind(confuzz::check::CheckKind::Row) {
        assert_eq!(
            xml.matches(&format!("name=\"{}\"", r.id)).count(),
            1,
            "{}",
            r.id
        );
    }
    assert_eq!(xml.matches("<failure ").count(), 1);
    let case = xml
        .lines()
        .find(|l| l.contains(&format!("name=\"{ROW}\"")))
        .unwrap();
    assert!(
        case.contains("<failure message=\"message: expected"),
        "{case}"
    );
    assert!(xml.contains("curl -i -X POST"), "{xml}");
    assert!(xml.contains("Bearer $CLEVER_TOKEN"), "{xml}");
    // Every row's and valid-request check's test case carries its time (CI dashboards read it).
    for c in report
        .checks()
        .filter(|c| c.kind != confuzz::check::CheckKind::Property)
    {
        let ms = c.time_ms.expect("rows and valid-request checks are timed");
        let case = xml
            .lines()
            .find(|l| l.contains(&format!("name=\"{}\"", c.id)))
            .unwrap();
        assert!(
            case.contains(&format!(" time=\"{:.3}\">", ms as f64 / 1000.0)),
            "{case}"
        );
    }
}

// ---- the command line ----------------------------------------------------------------------

/// A scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("confuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_command_line_reports_a_failure_without_the_secret() {
    // A spec made stricter than the reference: the past-due message gains a full stop.
    let dir = scratch("stricter-spec");
    let shipped = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/clever.yaml"),
    )
    .unwrap();
    let stricter = shipped.replacen(
        "      message: due_date must be in the future\n",
        "      message: due_date must be in the future.\n",
        1,
    );
    assert_ne!(stricter, shipped);
    let specs_dir = dir.join("specs");
    std::fs::create_dir_all(&specs_dir).unwrap();
    std::fs::write(specs_dir.join("clever.yaml"), stricter).unwrap();
    let junit_file = dir.join("junit.xml");
    let saved = dir.join("failures");

    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_confuzz"))
            .args(["run", "--vendor", "clever", "--seed", "7", "--cases", "4"])
            .args(["--format", format])
            .arg("--spec")
            .arg(&specs_dir)
            .arg("--junit")
            .arg(&junit_file)
            .arg("--save-failures")
            .arg(&saved)
            .output()
            .unwrap()
    };
    let token = token();
    for (runs, format) in [(1, "table"), (2, "json")] {
        let output = run(format);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
        assert!(stdout.contains(ROW), "{stdout}");
        assert!(
            stdout.contains("due_date must be in the future."),
            "{stdout}"
        );
        assert!(stdout.contains("$CLEVER_TOKEN"), "{stdout}");
        assert!(!stdout.contains(&token), "{stdout}");
        assert!(!stderr.contains(&token), "{stderr}");
        let xml = std::fs::read_to_string(&junit_file).unwrap();
        // 15 rows, 7 endpoints, and 7 property results (2 precedence, 3 nothing-lost, 1
        // after-delete, 1 stateful).
        assert_eq!(xml.matches("<testcase ").count(), 15 + 7 + 7);
        // Rows and valid-request checks are timed one by one (JUnit `time`, in seconds).
        let timed = xml
            .lines()
            .filter(|l| l.contains("<testcase ") && l.contains(" time=\""))
            .count();
        assert!(timed >= 15 + 7, "{xml}");
        assert!(!xml.contains(&token));
        // Each run saves in a folder of its own: the first run's evidence is still there.
        let folders: Vec<PathBuf> = std::fs::read_dir(&saved)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(folders.len(), runs, "{folders:?}");
        for folder in folders {
            let files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            assert_eq!(files.len(), 1, "{files:?}");
            assert!(files[0].ends_with(format!("{ROW}.json")));
            let text = std::fs::read_to_string(&files[0]).unwrap();
            assert!(
                !text.contains(&token),
                "a saved failure holds no secret: {text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
