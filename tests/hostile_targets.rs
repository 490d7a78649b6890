//! A user points `confuzz run` at implementations that misbehave: small servers on 127.0.0.1,
//! written here, that never answer, drip, lie about their length, speak something else than
//! HTTP, send a megabyte of headers or a gigabyte of body, ask to come back in eleven days,
//! are down for good, or answer 500 to everything. None of them conforms: every run exits
//! non-zero, stops by itself (`--max-duration`, short timeouts), and says why. Then a target
//! that echoes the secret it was sent, in every encoding, and puts terminal escapes in its
//! answers: no output holds the secret or a raw control byte.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The longest any server here lives: every loop below ends by then at the latest.
const SERVER_LIFETIME: Duration = Duration::from_secs(120);

/// What a hostile server does with one connection, after reading the request.
type Behaviour = fn(&mut TcpStream, &Request, &Flags);

struct Flags {
    stop: AtomicBool,
    requests: AtomicUsize,
    born: Instant,
}

impl Flags {
    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.born.elapsed() > SERVER_LIFETIME
    }
}

/// A server on 127.0.0.1 that treats every connection with `behaviour`; it stops when dropped.
struct Hostile {
    url: String,
    flags: Arc<Flags>,
    accept: Option<std::thread::JoinHandle<()>>,
}

struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one request (head and a `Content-Length` body), up to 1 MiB, with a short timeout.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if bytes.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut request = Request {
        head,
        body: bytes[end..].to_vec(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    while request.body.len() < length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        request.body.extend_from_slice(&buf[..n]);
    }
    Some(request)
}

fn serve(behaviour: Behaviour) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let flags = Arc::new(Flags {
        stop: AtomicBool::new(false),
        requests: AtomicUsize::new(0),
        born: Instant::now(),
    });
    let shared = flags.clone();
    let accept = std::thread::spawn(move || {
        while !shared.over() {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let flags = shared.clone();
                    let _ = stream.set_nonblocking(false);
                    std::thread::spawn(move || {
                        // Keep-alive: answer requests on the connection until it ends.
                        while !flags.over() {
                            let Some(request) = read_request(&mut stream) else {
                                return;
                            };
                            flags.requests.fetch_add(1, Ordering::Relaxed);
                            behaviour(&mut stream, &request, &flags);
                        }
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Hostile {
        url,
        flags,
        accept: Some(accept),
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.flags.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Holds the connection open, saying nothing, until the server stops.
fn never_answers(_: &mut TcpStream, _: &Request, flags: &Flags) {
    while !flags.over() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A status line, one byte a second, at most 20 bytes.
fn drips(stream: &mut TcpStream, _: &Request, flags: &Flags) {
    for b in b"HTTP/1.1 200 OK\r\nX-Slow: 1".iter().take(20) {
        if flags.over() || stream.write_all(&[*b]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Promises 100 bytes, sends 2, and hangs up.
fn short_body(stream: &mut TcpStream, _: &Request, _: &Flags) {
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}",
    );
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Another protocol's greeting.
fn not_http(stream: &mut TcpStream, _: &Request, _: &Flags) {
    let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n");
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// A status line and 1 MiB of headers.
fn huge_headers(stream: &mut TcpStream, _: &Request, _: &Flags) {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    let line = format!("X-Pad: {}\r\n", "a".repeat(1000));
    while head.len() < 1 << 20 {
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
    let _ = stream.write_all(&head);
}

/// A 1 GiB body, streamed from one 64 KiB buffer until the client stops reading.
fn huge_body(stream: &mut TcpStream, _: &Request, flags: &Flags) {
    let chunk = vec![b' '; 64 << 10];
    if stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
        .is_err()
    {
        return;
    }
    for _ in 0..(1usize << 30) / chunk.len() {
        if flags.over() || stream.write_all(&chunk).is_err() {
            return;
        }
    }
}

fn answer(stream: &mut TcpStream, status: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    // One write: a head and a body written apart wait out the client's delayed ACK (Nagle).
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    let _ = stream.write_all(&bytes);
}

fn too_many_requests(stream: &mut TcpStream, _: &Request, _: &Flags) {
    answer(
        stream,
        "429 Too Many Requests",
        "Retry-After: 999999\r\n",
        br#"{"message":"slow down"}"#,
    );
}

fn unavailable(stream: &mut TcpStream, _: &Request, _: &Flags) {
    answer(
        stream,
        "503 Service Unavailable",
        "",
        br#"{"message":"down"}"#,
    );
}

fn server_error(stream: &mut TcpStream, _: &Request, _: &Flags) {
    answer(
        stream,
        "500 Internal Server Error",
        "",
        br#"{"message":"boom"}"#,
    );
}

/// Answers the first requests (the capabilities probe and a few more), then closes its
/// listener: from then on the target cannot be reached at all.
fn dies_after_three(stream: &mut TcpStream, _: &Request, flags: &Flags) {
    if flags.requests.load(Ordering::Relaxed) >= 3 {
        flags.stop.store(true, Ordering::Relaxed);
    }
    answer(
        stream,
        "404 Not Found",
        "Connection: close\r\n",
        br#"{"message":"nope"}"#,
    );
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// The clever fixtures of the embedded reference, with `token` as the bearer token.
fn fixtures_file(dir: &Path, token: Value) -> String {
    let reference = confuzz::reference::Reference::new(confuzz::reference::Config::default());
    let mut fixtures: serde_json::Map<String, Value> = reference
        .fixtures()
        .into_iter()
        .filter(|(k, _)| k.starts_with("clever."))
        .collect();
    fixtures.insert("clever.token".into(), token);
    let path = dir.join("fixtures.json");
    std::fs::write(&path, serde_json::to_string_pretty(&fixtures).unwrap()).unwrap();
    path.display().to_string()
}

struct Ran {
    output: Output,
    seconds: f64,
}

impl Ran {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout(), self.stderr()))
    }
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }
}

fn confuzz(args: &[&str]) -> Ran {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs");
    Ran {
        output,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Runs the clever checks against `url`, briefly, with a JSON report; `extra` adds options or
/// overrides these defaults.
fn run_against(url: &str, fixtures: &str, extra: &[&str]) -> Ran {
    let mut args = vec!["run", "--target", url, "--fixtures", fixtures];
    for (flag, value) in [
        ("--vendor", "clever"),
        ("--cases", "2"),
        ("--seed", "7"),
        ("--timeout-ms", "300"),
        ("--max-duration", "6s"),
        ("--format", "json"),
    ] {
        if !extra.contains(&flag) {
            args.extend([flag, value]);
        }
    }
    args.extend_from_slice(extra);
    let ran = confuzz(&args);
    eprintln!(
        "{url}: exit {:?} in {:.1} s\n{}",
        ran.code(),
        ran.seconds,
        ran.stderr()
    );
    assert!(!ran.stderr().contains("panicked"), "{}", ran.stderr());
    ran
}

/// Every check's (id, verdict, reason) in a JSON report.
fn checks(report: &Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["verdict"].as_str().unwrap_or_default().to_string(),
                c["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The target gave no usable answer: the run fails (exit 1), every check that sent a request
/// failed with the transport error as its reason, and none passed.
#[track_caller]
fn fails_without_usable_answers(ran: &Ran, cause: &str) {
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let report = ran.json();
    assert_eq!(report["conforms"], json!(false));
    let checks = checks(&report);
    let failed: Vec<_> = checks
        .iter()
        .filter(|(_, v, r)| v == "failed" && r.starts_with("no usable answer") && r.contains(cause))
        .collect();
    assert!(
        !failed.is_empty(),
        "no check failed for `{cause}`: {checks:#?}"
    );
    assert!(checks.iter().all(|(_, v, _)| v != "passed"), "{checks:#?}");
}

fn scratch(name: &str) -> std::path::PathBuf {
    common::scratch("hostile_targets", name)
}

/// A hostile server and a fixtures file (with a plain token) in a scratch folder of its own.
fn hostile(behaviour: Behaviour, name: &str) -> (Hostile, String) {
    let dir = scratch(name);
    (
        serve(behaviour),
        fixtures_file(&dir, json!("demo-district-app-token-7f3a")),
    )
}

#[test]
fn a_target_that_never_answers_fails_every_check_it_was_sent() {
    let (server, fixtures) = hostile(never_answers, "never");
    // The capabilities probe gets no answer either: the run goes on and judges the checks.
    let ran = run_against(&server.url, &fixtures, &[]);
    fails_without_usable_answers(&ran, "no answer within 300 ms");
    // `--faults` skips the probe: the checks themselves still fail.
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    fails_without_usable_answers(&ran, "no answer within 300 ms");
}

#[test]
fn a_target_that_drips_fails() {
    let (server, fixtures) = hostile(drips, "drip");
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    fails_without_usable_answers(&ran, "no answer within 300 ms");
}

#[test]
fn a_body_shorter_than_its_length_fails() {
    let (server, fixtures) = hostile(short_body, "short");
    let ran = run_against(&server.url, &fixtures, &[]);
    fails_without_usable_answers(&ran, "");
}

#[test]
fn a_target_that_is_not_http_fails() {
    let (server, fixtures) = hostile(not_http, "nothttp");
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    fails_without_usable_answers(&ran, "");
}

#[test]
fn a_megabyte_of_headers_fails() {
    let (server, fixtures) = hostile(huge_headers, "headers");
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    fails_without_usable_answers(&ran, "");
}

#[test]
fn a_gigabyte_body_is_cut_off_and_fails() {
    let (server, fixtures) = hostile(huge_body, "body");
    // One row and no other check: each answer streams until the client stops reading.
    let ran = run_against(
        &server.url,
        &fixtures,
        &[
            "--faults",
            "internal",
            "--row",
            "clever.auth.no-token",
            "--no-positive",
            "--properties",
            "none",
            "--timeout-ms",
            "5000",
        ],
    );
    fails_without_usable_answers(&ran, "larger than");
}

#[test]
fn a_long_retry_after_is_not_waited_for_and_the_run_fails() {
    let (server, fixtures) = hostile(too_many_requests, "429");
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let report = ran.json();
    assert_eq!(report["conforms"], json!(false));
    assert_eq!(
        report["transport"]["retries"],
        json!(0),
        "{}",
        report["transport"]
    );
    assert!(
        report["transport"]["retry_after_too_long"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn a_target_down_for_good_is_retried_a_bounded_number_of_times_and_fails() {
    let (server, fixtures) = hostile(unavailable, "503");
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    assert_ne!(ran.code(), Some(0), "{}", ran.stderr());
    let report = ran.json();
    assert_eq!(report["conforms"], json!(false));
    let retries = report["transport"]["retries"].as_u64().unwrap();
    assert!(retries > 0);
    assert_eq!(report["transport"]["causes"]["503"].as_u64(), Some(retries));
    // Three retries at most per request sent with retries on.
    let sent = server.flags.requests.load(Ordering::Relaxed) as u64;
    assert!(
        retries * 4 <= sent * 3 + 3,
        "{retries} retries of {sent} requests"
    );
}

#[test]
fn a_500_is_never_retried() {
    let (server, fixtures) = hostile(server_error, "500");
    let ran = run_against(&server.url, &fixtures, &["--faults", "internal"]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let report = ran.json();
    assert_eq!(report["transport"]["retries"], json!(0));
    assert!(checks(&report).iter().any(|(_, v, _)| v == "failed"));
    // Rows that fail on an answer keep their evidence, even when the run stops while they
    // shrink (`--max-duration`).
    for row in report["checks"].as_array().unwrap() {
        if row["kind"] == json!("row") && row["verdict"] == json!("failed") {
            assert!(row["evidence"].is_object(), "{row}");
        }
    }
}

#[test]
fn a_target_that_goes_away_mid_run_stops_it_with_exit_2() {
    let (server, fixtures) = hostile(dies_after_three, "dies");
    let ran = run_against(&server.url, &fixtures, &["--jobs", "1"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("cannot reach"), "{}", ran.stderr());
}

#[test]
fn the_max_duration_stops_a_run_and_reports_what_it_has() {
    let (server, fixtures) = hostile(never_answers, "deadline");
    let ran = run_against(
        &server.url,
        &fixtures,
        &[
            "--faults",
            "internal",
            "--timeout-ms",
            "400",
            "--max-duration",
            "1s",
            "--jobs",
            "1",
        ],
    );
    assert_ne!(ran.code(), Some(0));
    let report = ran.json();
    assert!(
        report["stopped"]
            .as_str()
            .unwrap_or_default()
            .contains("maximum duration"),
        "{report}"
    );
    let checks = checks(&report);
    assert!(checks
        .iter()
        .any(|(_, v, r)| v == "untested" && r.starts_with("not run")));
    assert!(checks.iter().all(|(_, v, _)| v != "passed"));
}

/// Answers 401 echoing what it was sent: the Authorization header JSON-escaped in a JSON
/// body, percent-encoded and raw in headers, or inside a body that is not UTF-8; with terminal
/// escapes (clear screen, OSC 52 clipboard, CR, NUL) in every answer.
fn echoes(stream: &mut TcpStream, request: &Request, flags: &Flags) {
    let auth = request.header("authorization").unwrap_or("").to_string();
    let controls = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]52;c;aGk=\u{7}\r\0";
    let pct = confuzz::target::percent_encode(&auth);
    let extra = format!("X-Echo-Pct: {pct}\r\nX-Echo: {auth}\r\n");
    if flags.requests.load(Ordering::Relaxed) % 2 == 0 {
        let body = json!({"message": format!("{controls}bad token {auth}"), "sent": String::from_utf8_lossy(&request.body)});
        answer(
            stream,
            "401 Unauthorized",
            &extra,
            body.to_string().as_bytes(),
        );
    } else {
        let mut body = b"\xff\xfe".to_vec();
        body.extend_from_slice(auth.as_bytes());
        body.extend_from_slice(controls.as_bytes());
        body.extend_from_slice(&request.body);
        answer(stream, "401 Unauthorized", &extra, &body);
    }
}

/// Every spelling of `secret` a leak could take in the outputs.
fn spellings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let twice = serde_json::to_string(&json).unwrap();
    let pct = confuzz::target::percent_encode(secret);
    let mut v = vec![
        secret.to_string(),
        json,
        twice[1..twice.len() - 1].to_string(),
        pct.clone(),
        pct.to_lowercase(),
        secret.replace('&', "&amp;").replace('"', "&quot;"),
    ];
    if secret.len() >= 6 {
        let b64 = base64::engine::general_purpose::STANDARD;
        v.push(b64.encode(secret));
        v.push(b64.encode(format!("Bearer {secret}")));
    }
    v.sort();
    v.dedup();
    v
}

/// The bytes of every `{"base64": ...}` body in a JSON value.
fn base64_bodies(value: &Value, out: &mut Vec<Vec<u8>>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(b)) = map.get("base64") {
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b) {
                    out.push(bytes);
                }
            }
            map.values().for_each(|v| base64_bodies(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| base64_bodies(v, out)),
        _ => {}
    }
}

#[track_caller]
fn holds_no(name: &str, text: &[u8], secret: &str) {
    for s in spellings(secret) {
        assert!(
            !text.windows(s.len()).any(|w| w == s.as_bytes()),
            "{name} shows the secret {secret:?} as {s:?}"
        );
    }
}

#[test]
fn no_output_shows_an_edge_secret_or_a_terminal_escape() {
    let server = serve(echoes);
    // A number, a word JSON also spells, two characters, quotes and backslashes, and one
    // long enough for its base64 to be recognisable.
    let secrets = [
        json!(31337),
        json!("false"),
        json!("q7"),
        json!("t\"o\\k/n"),
        json!("s3cret-Token_with-length"),
    ];
    for secret in secrets {
        let text = match &secret {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let dir = scratch(&format!("leak-{}", text.len()));
        let fixtures = fixtures_file(&dir, secret.clone());
        let junit = dir.join("junit.xml");
        let saved = dir.join("saved");
        let common = [
            "--faults",
            "internal",
            "--no-shrink",
            "--properties",
            "none",
            "--seed",
            "1313370",
        ];
        let mut args: Vec<&str> = common.to_vec();
        let junit_arg = junit.display().to_string();
        let saved_arg = saved.display().to_string();
        args.extend(["--junit", &junit_arg, "--save-failures", &saved_arg]);
        let as_json = run_against(&server.url, &fixtures, &args);
        assert_eq!(as_json.code(), Some(1), "{}", as_json.stderr());
        let mut table_args: Vec<&str> = common.to_vec();
        table_args.extend(["--format", "table"]);
        let as_table = run_against(&server.url, &fixtures, &table_args);
        assert_eq!(as_table.code(), Some(1), "{}", as_table.stderr());

        let mut outputs: Vec<(String, Vec<u8>)> = vec![
            ("json report".into(), as_json.output.stdout.clone()),
            ("stderr".into(), as_json.output.stderr.clone()),
            ("console".into(), as_table.output.stdout.clone()),
            ("console stderr".into(), as_table.output.stderr.clone()),
            ("junit".into(), std::fs::read(&junit).unwrap()),
        ];
        let report = as_json.json();
        assert!(
            report["checks"].is_array(),
            "the JSON report is whole: {report}"
        );
        let mut bodies = Vec::new();
        base64_bodies(&report, &mut bodies);
        let mut saved_files = 0;
        for run_dir in std::fs::read_dir(&saved).unwrap() {
            for file in std::fs::read_dir(run_dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let value: Value = serde_json::from_slice(&bytes).unwrap();
                base64_bodies(&value, &mut bodies);
                outputs.push((path.display().to_string(), bytes));
                saved_files += 1;
            }
        }
        assert!(saved_files > 0, "failures were saved");
        assert!(!bodies.is_empty(), "some answer was not UTF-8");
        // A certification bundle of the same target: every file of it.
        let bundle = dir.join("certified");
        let certify = confuzz(&[
            "certify",
            "--product",
            "Echo 1",
            "--out",
            &bundle.display().to_string(),
            "--target",
            &server.url,
            "--fixtures",
            &fixtures,
            "--vendor",
            "clever",
            "--faults",
            "internal",
            "--cases",
            "2",
            // A re-run needs the manifest's seed as it is: one that shows no secret.
            "--seed",
            "4242",
            "--no-retry",
        ]);
        // A short number as the secret may show inside the run's own numbers (timings,
        // choices), and `false` is a word of the report itself; a bundle keeps those as they
        // are, so certification refuses (exit 2) instead of writing them. Any other secret
        // gets its bundle.
        let refused = certify.code() == Some(2);
        assert!(
            certify.code() == Some(1) || refused && (secret.is_number() || secret == "false"),
            "{:?}: {}",
            certify.code(),
            certify.stderr()
        );
        outputs.push(("certify stdout".into(), certify.output.stdout.clone()));
        outputs.push(("certify stderr".into(), certify.output.stderr.clone()));
        let mut bundled = 0;
        for file in std::fs::read_dir(&bundle).into_iter().flatten() {
            let path = file.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            if path.extension().is_some_and(|e| e == "json") {
                if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                    base64_bodies(&value, &mut bodies);
                }
            }
            outputs.push((path.display().to_string(), bytes));
            bundled += 1;
        }
        if refused {
            assert!(
                certify
                    .stderr()
                    .contains("cannot be written without showing the secret"),
                "{}",
                certify.stderr()
            );
        } else {
            assert!(bundled >= 4, "the bundle was written");
        }
        for (i, body) in bodies.iter().enumerate() {
            outputs.push((format!("base64 body {i}"), body.clone()));
        }
        for (name, bytes) in &outputs {
            holds_no(name, bytes, &text);
        }
        // The redacted reproducers name the variable instead.
        assert!(as_table.stdout().contains("$CLEVER_TOKEN"));
        // The terminal sees no raw control byte of the answers (line feeds and tabs only).
        let console = &as_table.output.stdout;
        assert!(
            !console
                .iter()
                .any(|&b| b < 0x20 && b != b'\n' && b != b'\t' || b == 0x7f),
            "raw control bytes on the console"
        );
        assert!(as_table.stdout().contains("\\x1b"), "{}", as_table.stdout());
    }
}

#[test]
fn sigterm_ends_a_run_with_its_partial_report_and_junit() {
    let (server, fixtures) = hostile(never_answers, "sigterm");
    let dir = scratch("sigterm-out");
    let junit = dir.join("junit.xml");
    let child = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args([
            "run",
            "--target",
            &server.url,
            "--fixtures",
            &fixtures,
            "--vendor",
            "clever",
            "--faults",
            "internal",
            "--timeout-ms",
            "500",
            "--max-duration",
            "60s",
            "--jobs",
            "1",
            "--format",
            "json",
            "--junit",
            &junit.display().to_string(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Wait (bounded) until the run is under way, then stop it as a CI time limit would.
    for _ in 0..200 {
        if server.flags.requests.load(Ordering::Relaxed) > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(server.flags.requests.load(Ordering::Relaxed) > 0);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().expect("the run ends");
    let ran = Ran {
        output,
        seconds: 0.0,
    };
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let report = ran.json();
    assert_eq!(
        report["stopped"],
        json!("interrupted by SIGTERM"),
        "{report}"
    );
    assert!(checks(&report)
        .iter()
        .any(|(_, v, r)| v == "untested" && r.starts_with("not run: interrupted by SIGTERM")));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    assert!(xml.contains("<testsuites"), "{xml}");
}

#[test]
fn output_paths_are_checked_before_the_first_request() {
    let (server, fixtures) = hostile(server_error, "paths");
    let dir = scratch("paths-out");
    let missing = dir.join("no-such-folder").join("junit.xml");
    let ran = run_against(
        &server.url,
        &fixtures,
        &["--junit", &missing.display().to_string()],
    );
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("--junit"), "{}", ran.stderr());
    // A link planted where the evidence goes is not followed.
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let link = dir.join("saved");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let ran = run_against(
        &server.url,
        &fixtures,
        &["--save-failures", &link.display().to_string()],
    );
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("symbolic link"), "{}", ran.stderr());
    assert_eq!(server.flags.requests.load(Ordering::Relaxed), 0);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn each_run_saves_its_failures_in_a_folder_of_its_own() {
    let (server, fixtures) = hostile(server_error, "twice");
    let dir = scratch("twice-out").join("saved");
    let saved = dir.display().to_string();
    let args = [
        "--row",
        "clever.auth.no-token",
        "--no-positive",
        "--properties",
        "none",
        "--no-shrink",
    ];
    for _ in 0..2 {
        let mut extra = args.to_vec();
        extra.extend(["--save-failures", &saved]);
        let ran = run_against(&server.url, &fixtures, &extra);
        assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    }
    let runs: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(runs.len(), 2, "two runs, two folders");
    for run in runs {
        let files = std::fs::read_dir(run.unwrap().path()).unwrap().count();
        assert_eq!(files, 1);
    }
}

#[test]
fn input_files_are_read_up_to_a_limit() {
    let ran = confuzz(&["list", "--spec", "/dev/zero"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("/dev/zero"), "{}", ran.stderr());
    assert!(ran.stderr().contains("larger than"), "{}", ran.stderr());
    let ran = confuzz(&["replay", "/dev/zero"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("larger than"), "{}", ran.stderr());
    let ran = confuzz(&[
        "run",
        "--target",
        "http://127.0.0.1:9",
        "--faults",
        "internal",
        "--fixtures",
        "/dev/zero",
    ]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("larger than"), "{}", ran.stderr());
}

#[test]
fn zero_cases_rates_and_timeouts_are_refused() {
    for (flag, value) in [
        ("--cases", "0"),
        ("--rate", "0"),
        ("--timeout-ms", "0"),
        ("--max-duration", "0"),
    ] {
        let ran = confuzz(&["run", flag, value]);
        assert_eq!(ran.code(), Some(2), "{flag} {value}: {}", ran.stderr());
        assert!(ran.stderr().contains(flag), "{}", ran.stderr());
    }
}

#[test]
fn a_saved_failure_of_another_format_is_refused() {
    let dir = scratch("format");
    let path = dir.join("f.json");
    let saved = json!({
        "format": 99, "row": "clever.auth.no-token", "vendor": "clever", "seed": 1,
        "prefix": "czaaaa", "choices": [], "strict": false, "setup": [],
        "request": {"method": "GET", "path": "/"}, "response": {"status": 200},
        "mismatches": []
    });
    std::fs::write(&path, saved.to_string()).unwrap();
    let ran = confuzz(&["replay", &path.display().to_string()]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("format 99"), "{}", ran.stderr());
}
