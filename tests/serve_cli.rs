//! `confuzz serve` as a user starts it: it prints the bound address, writes its fixtures,
//! answers one documented row of each vendor with the documented text, logs each request on
//! one line, and stops cleanly on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use confuzz::target::{HttpTarget, Request, Target};
use serde_json::{json, Value};

struct Server {
    child: std::process::Child,
    url: String,
    fixtures: Value,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let dir = std::env::temp_dir().join(format!(
        "confuzz-serve-{}-{}",
        std::process::id(),
        extra.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let fixtures_path = dir.join("fixtures.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(["serve", "--addr", "127.0.0.1:0", "--fixtures-out"])
        .arg(&fixtures_path)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line names the address: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        !url.ends_with(":0"),
        "the bound port is printed, not 0: {url}"
    );
    let fixtures: Value =
        serde_json::from_str(&std::fs::read_to_string(&fixtures_path).unwrap()).unwrap();
    Server {
        child,
        url,
        fixtures,
    }
}

fn fx(server: &Server, name: &str) -> String {
    match &server.fixtures[name] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn serve_answers_one_documented_row_of_each_vendor_and_stops_on_ctrl_c() {
    let mut server = start(&[]);
    let target = HttpTarget::new(&server.url).unwrap();

    // CourseKey: "Invalid timezone: ${timeZone}. Use the IANA TZDB standard".
    let body = json!({
        "schoolID": fx(&server, "coursekey.school_id"),
        "name": "Biology",
        "startDate": "8/25/2031", "endDate": "12/12/2031",
        "startTime": "9:00", "endTime": "10:15",
        "timeZone": "Mars/Olympus",
    });
    let r = target
        .send(
            &Request::new("POST", "/courses")
                .with_bearer(&fx(&server, "coursekey.auth_key"))
                .with_json(&body),
        )
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json_body().unwrap(),
        json!({"error": {"code": 10005, "message": "Invalid timezone: Mars/Olympus. Use the IANA TZDB standard", "info": {}}})
    );

    // Clever: no token.
    let path = format!(
        "/v3.1/sections/{}/assignments",
        fx(&server, "clever.section_id")
    );
    let r = target
        .send(&Request::new("POST", &path).with_json(&json!({"title": "t"})))
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json_body().unwrap(),
        json!({"message": "No authorization provided"})
    );

    // Google Classroom: the service-account token has no grant for push notifications.
    let r = target
        .send(
            &Request::new("POST", "/v1/registrations")
                .with_bearer(&fx(&server, "classroom.service_account_token"))
                .with_json(&json!({
                    "feed": {"feedType": "DOMAIN_ROSTER_CHANGES"},
                    "cloudPubsubTopic": {"topicName": "projects/p/topics/t"}
                })),
        )
        .unwrap();
    assert_eq!(r.status, 403);
    let body = r.json_body().unwrap();
    assert_eq!(body["error"]["code"], 403);
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("@MissingGrant "));

    // Class LTI: an unsigned launch fails the validator (1001).
    let r = target
        .send(&Request::new("POST", "/lti/launch").with_form(&[
            ("lti_message_type".into(), "basic-lti-launch-request".into()),
            ("lti_version".into(), "LTI-1p0".into()),
            ("resource_link_id".into(), "r1".into()),
        ]))
        .unwrap();
    assert_eq!(r.status, 400);
    let body = r.json_body().unwrap();
    assert_eq!(body["error"]["code"], 1001);
    assert_eq!(body["error"]["name"], "FAILED_IMSLTI_VALIDATION");

    // The capabilities document lists every fault in test mode.
    let r = target
        .send(&Request::new("GET", "/__conformance/capabilities"))
        .unwrap();
    let faults: Vec<String> = r.json_body().unwrap()["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    for fault in [
        "lti_credentials_store",
        "enrollment_store",
        "welcome_email_template",
        "internal",
    ] {
        assert!(
            faults.iter().any(|f| f == fault),
            "{fault} missing from {faults:?}"
        );
    }
    assert_eq!(faults.len(), 9, "{faults:?}");

    // Ctrl-C: the server stops by itself and exits 0; each request was logged on one line.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(server.child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(
        log.lines().any(|l| l.starts_with("POST /courses -> 400")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.starts_with("GET /__conformance/capabilities -> 200")),
        "{log}"
    );
}

#[test]
fn serve_without_test_hooks_ignores_the_fault_header() {
    let server = start(&["--no-test-hooks", "--vendor", "clever", "--quiet"]);
    let target = HttpTarget::new(&server.url).unwrap();
    let r = target
        .send(&Request::new("GET", "/__conformance/capabilities"))
        .unwrap();
    assert_eq!(r.status, 404, "no capabilities document without test hooks");
    // Only the chosen vendor is served.
    let r = target.send(&Request::new("POST", "/courses")).unwrap();
    assert_eq!(r.status, 404);
}

#[test]
fn serve_rejects_an_unknown_vendor_with_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(["serve", "--addr", "127.0.0.1:0", "--vendor", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown vendor `nope`"), "{err}");
}

#[test]
fn serve_rejects_a_limit_no_spec_declares_with_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(["serve", "--addr", "127.0.0.1:0", "--limit", "bogus.thing=3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no spec declares the limit `bogus.thing`")
            && err.contains("classroom.course_members"),
        "{err}"
    );
}

/// `confuzz run` against a served reference with the fixtures file `fixtures`.
fn run_against(server: &Server, fixtures: &Value, extra: &[&str]) -> std::process::Output {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "confuzz-run-fixtures-{}-{}.json",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&path, fixtures.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(["run", "--target", &server.url, "--fixtures"])
        .arg(&path)
        .args(["--cases", "1", "--seed", "1", "--properties", "none"])
        .args(extra)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    out
}

#[test]
fn run_names_the_missing_fixtures_and_is_quiet_about_other_vendors() {
    let server = start(&["--quiet"]);
    // Every vendor's fixtures, for a run of one vendor: no note about the others.
    let out = run_against(&server, &server.fixtures, &["--vendor", "clever"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("note: fixture"), "{err}");
    assert!(!err.contains("for want of fixtures"), "{err}");
    // Not a terminal: no progress line.
    assert!(!err.contains("rows 0/") && !err.contains('\r'), "{err:?}");

    // Without the section, the rows that need it are untested, and run says which fixture.
    let mut fixtures = server.fixtures.clone();
    fixtures
        .as_object_mut()
        .unwrap()
        .remove("clever.section_id");
    fixtures["clevr.token"] = json!("a typo");
    let out = run_against(&server, &fixtures, &["--vendor", "clever"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note: fixture `clevr.token` is not declared by any loaded spec"),
        "{err}"
    );
    assert!(err.contains("untested for want of fixtures:"), "{err}");
    assert!(
        err.lines().any(|l| l.starts_with("  clever.section_id (")
            && l.contains("checks): A section the token can see")),
        "{err}"
    );
    assert!(
        err.contains("`confuzz fixtures --vendor clever --template > fixtures.json`"),
        "{err}"
    );
}

#[test]
fn reproducers_of_a_remote_run_name_the_target_and_export_the_secrets() {
    // A mutant that fails a row whose request carries the secret token.
    let server = start(&["--quiet", "--mutant", "clever.missing-fields-reversed"]);
    let out = run_against(
        &server,
        &server.fixtures,
        &[
            "--vendor",
            "clever",
            "--row",
            "clever.assignment.missing-required-fields",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with(&format!("the reproducers below target {}\n", server.url)),
        "{text}"
    );
    assert!(text.contains("their secrets are variables; set them from the fixtures file:\n  export CLEVER_TOKEN=\"$(jq -r '.[\"clever.token\"]' "), "{text}");
    assert!(
        text.contains("'Authorization: Bearer '\"$CLEVER_TOKEN\""),
        "{text}"
    );
    assert!(
        text.contains(&format!("curl -i -X POST '{}/v3.1/sections/", server.url)),
        "{text}"
    );
}
