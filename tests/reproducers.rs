//! The `curl` lines of a report reproduce exactly what the harness sent: every reproducer of
//! a failing run (mutants of the reference) is run through `bash` (and `sh` where it does not
//! need `$'...'`) against a small recording server on 127.0.0.1, and the method, path and
//! query, the headers the harness set and the body must arrive byte for byte.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

use common::*;
use confuzz::reference::{Config, Reference};
use confuzz::report::run::{curl, Redactor};
use confuzz::run::{RowVerdict, RunReport};
use confuzz::target::{path_and_query, Request};

/// What arrived at the recording server: the request target as sent, headers, raw body.
#[derive(Debug)]
struct Arrived {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Accepts one connection on `listener` and records its request (HTTP/1.1, `Content-Length`
/// framing, which is what curl sends for `--data-binary`), answering 200.
fn record_one(listener: &TcpListener) -> Arrived {
    let (stream, _) = listener.accept().expect("curl connects");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut raw = Vec::new();
        reader.read_until(b'\n', &mut raw).expect("header line");
        let text = String::from_utf8_lossy(&raw)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        if text.is_empty() {
            break;
        }
        let (name, value) = text.split_once(':').expect("a header has a colon");
        headers.push((name.to_ascii_lowercase(), value.trim_start().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().expect("a length"))
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    let mut stream = reader.into_inner();
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    Arrived {
        method,
        target,
        headers,
        body,
    }
}

/// Runs `line` with `shell` (the secrets' variables set) against a fresh recording server.
fn replay(shell: &str, line: &str, env: &[(String, String)]) -> Arrived {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let line = line.replace("http://recorder.invalid", &url);
    let server = std::thread::spawn(move || record_one(&listener));
    let output = Command::new(shell)
        .arg("-c")
        .arg(format!("{line} --silent --max-time 20 > /dev/null"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("the shell runs");
    assert!(
        output.status.success(),
        "{shell} -c {line}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    server.join().expect("the recorder")
}

/// Asserts that `arrived` is `sent`, as far as the wire can tell.
#[track_caller]
fn assert_same(sent: &Request, arrived: &Arrived, line: &str) {
    assert_eq!(arrived.method, sent.method, "{line}");
    assert_eq!(arrived.target, path_and_query(sent, ""), "{line}");
    for (name, value) in &sent.headers {
        let name = name.to_ascii_lowercase();
        if name == "host" || name == "content-length" {
            continue;
        }
        assert!(
            arrived
                .headers
                .iter()
                .any(|(n, v)| *n == name && v == value),
            "header {name}: {value:?} did not arrive: {:?}\n{line}",
            arrived.headers
        );
    }
    if !sent
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        assert!(
            !arrived.headers.iter().any(|(n, _)| n == "content-type"),
            "curl added a content type: {:?}\n{line}",
            arrived.headers
        );
    }
    assert_eq!(arrived.body, sent.body, "{line}");
}

/// Every request a report shows a reproducer for: the evidence of rows and valid-request
/// checks (setup and the request under test) and the sequences of properties.
fn reproduced_requests(report: &RunReport) -> Vec<Request> {
    let mut out = Vec::new();
    for check in report.checks() {
        if let Some(e) = &check.evidence {
            out.extend(e.setup.iter().map(|x| x.request.clone()));
            out.push(e.request.clone());
        }
        out.extend(check.exchanges.iter().map(|x| x.request.clone()));
    }
    out
}

/// The environment a user sets before pasting reproducers: each secret's variable.
fn secret_variables(
    fixtures: &serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, String)> {
    let set = specs();
    let mut out = Vec::new();
    for loaded in &set.specs {
        for f in loaded.spec.vendor.fixtures.iter().filter(|f| f.secret) {
            if let Some(serde_json::Value::String(v)) = fixtures.get(&f.name) {
                out.push((f.name.to_uppercase().replace(['.', '-'], "_"), v.clone()));
            }
        }
    }
    out
}

fn check_all(requests: &[Request], redactor: &Redactor, env: &[(String, String)]) -> usize {
    let mut checked = 0;
    for request in requests {
        let line = curl(request, "http://recorder.invalid", redactor);
        assert_same(request, &replay("bash", &line, env), &line);
        if !line.contains("$'") {
            assert_same(request, &replay("sh", &line, env), &line);
        }
        checked += 1;
    }
    checked
}

#[test]
fn every_reproducer_of_a_failing_run_sends_the_same_bytes() {
    let set = specs();
    let mut total = 0;
    for mutant in [
        "clever.invalid-escape-json",
        "clever.auth-statuses-swapped",
        "lti.swapped-order",
    ] {
        let reference = Reference::new(Config::default().mutant(mutant));
        let fixtures = reference.fixtures();
        let vendor = mutant.split('.').next().unwrap();
        let options = options(&[vendor]).cases(4).positive(true);
        let report = run_quiet(&set, &reference, &fixtures, &options);
        assert!(
            report.checks().any(|c| c.verdict == RowVerdict::Failed),
            "{mutant} fails some check"
        );
        let requests = reproduced_requests(&report);
        assert!(!requests.is_empty(), "{mutant}: the report has reproducers");
        let redactor = Redactor::new(&set, &fixtures);
        total += check_all(&requests, &redactor, &secret_variables(&fixtures));
    }
    assert!(total >= 5, "{total} reproducers checked");
}

#[test]
fn bodies_the_shell_would_interpret_and_binary_bodies_arrive_unchanged() {
    let set = specs();
    let fixtures = reference().fixtures();
    let redactor = Redactor::new(&set, &fixtures);
    let token = fixtures["clever.token"].as_str().unwrap().to_string();
    let tricky = "{\"a\":\"$HOME `id` $(id) \\\\ \\\" 'q' !x %s\nline2\r\ttab ü €\"}";
    let requests = vec![
        Request::new("POST", "/v3.1/a b/[x]/./{y}")
            .with_bearer(&token)
            .with_header("Content-Type", "application/json")
            .with_header("X-Quote", "it's \"so\" $HOME")
            .with_query("q", "a&b=c ü")
            .with_body(tricky.as_bytes().to_vec()),
        Request::new("PUT", "/bin")
            .with_header("X-Empty", "")
            .with_body(
                (0u8..=255)
                    .chain([0, b'-', b'%', b'\''])
                    .collect::<Vec<u8>>(),
            ),
        Request::new("POST", "/leading-dash").with_body(b"-n -e \\x".to_vec()),
        Request::new("POST", "/leading-dash-binary").with_body(vec![b'-', b'n', 0xff]),
        Request::new("DELETE", "/x").with_header("Authorization", &format!("Bearer {token}")),
    ];
    let env = secret_variables(&fixtures);
    for request in &requests {
        let line = curl(request, "http://recorder.invalid", &redactor);
        assert!(!line.contains(&token), "the secret is redacted: {line}");
    }
    assert_eq!(check_all(&requests, &redactor, &env), requests.len());
}

/// A saved failure whose request has a binary body writes that body beside itself, and its
/// reproducer sends the file (`--data-binary @FILE`): the file holds exactly the bytes the
/// target received, and the reproducer, run through bash, sends them again byte for byte.
#[test]
fn a_saved_binary_body_is_a_file_its_reproducer_sends_byte_for_byte() {
    use std::sync::{Arc, Mutex};
    let dir = scratch("reproducers", "binary-body");
    // The row's request carries a NUL and a byte that is not text on its own line.
    let spec = edit(
        MINIMAL_SPEC,
        "        - remove: [/name]\n",
        "        - raw_body: \"{\\\"name\\\": \\\"a\\0b\\u00ff $HOME\\\"}\"\n",
    );
    let spec_file = dir.join("acme.yaml");
    std::fs::write(&spec_file, spec).expect("write the spec");
    let fixtures_file = dir.join("fixtures.json");
    std::fs::write(
        &fixtures_file,
        r#"{"acme.token": "not-a-secret-token", "acme.shelf_id": "shelf-1"}"#,
    )
    .expect("write the fixtures");
    // A target that accepts everything, so the row fails; it keeps every body it received.
    let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let keep = received.clone();
    let server = confuzz::serve::spawn_server(
        move |r: &Request| {
            keep.lock().expect("not poisoned").push(r.body.clone());
            confuzz::Response::json(200, &serde_json::json!({}))
        },
        "127.0.0.1:0".parse().expect("an address"),
        confuzz::serve::ServeOptions::default().quiet(true),
    )
    .expect("the target starts");
    let saved = dir.join("saved");
    let output = Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(["run", "--spec"])
        .arg(&spec_file)
        .args(["--target", &server.url(), "--fixtures"])
        .arg(&fixtures_file)
        .args(["--cases", "2", "--no-positive", "--properties", "none"])
        .arg("--save-failures")
        .arg(&saved)
        .output()
        .expect("the binary runs");
    let url = server.url();
    server.shutdown();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let run_dir = std::fs::read_dir(&saved)
        .expect("the saved failures")
        .map(|e| e.expect("an entry").path())
        .find(|p| p.is_dir())
        .expect("a folder of this run");
    let body_file = run_dir.join("acme.widget.missing-name.body.bin");
    let bytes = std::fs::read(&body_file).expect("the body file is written");
    assert!(bytes.contains(&0), "{bytes:?}");
    let received = received.lock().expect("not poisoned");
    assert!(
        received.contains(&bytes),
        "the file holds a body the target received: {bytes:?}"
    );
    let saved_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run_dir.join("acme.widget.missing-name.json"))
            .expect("the saved failure"),
    )
    .expect("JSON");
    assert_eq!(saved_json["body_file"], body_file.display().to_string());
    let line = saved_json["curl"].as_str().expect("a reproducer");
    assert!(
        line.contains(&format!("--data-binary '@{}'", body_file.display())),
        "{line}"
    );
    assert!(!line.contains("printf"), "{line}");
    let arrived = replay("bash", &line.replace(&url, "http://recorder.invalid"), &[]);
    assert_eq!(arrived.body, bytes, "{line}");
    assert_eq!(arrived.method, "POST");
}
