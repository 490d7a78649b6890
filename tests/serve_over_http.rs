//! Serving a handler over HTTP and talking to it with the HTTP target: what crosses the wire
//! arrives unchanged, limits and failures are reported as documented, and the server stops
//! when told to.

#![cfg(feature = "http")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use confuzz::reference::{Config, Reference, CAPABILITIES_PATH, MAX_BODY_BYTES};
use confuzz::serve::{spawn_server, ServeOptions, ServerHandle};
use confuzz::target::{HttpTarget, RateLimited, Request, Response, Target, TargetError};

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn quiet() -> ServeOptions {
    ServeOptions::default().quiet(true)
}

/// Answers with the request it received as JSON (and its body length in `X-Body-Length`).
/// `/slow` answers after 600 ms, `/panic` panics, `/bad-status` answers status 1000.
fn echo(request: &Request) -> Response {
    match request.path.as_str() {
        "/slow" => std::thread::sleep(Duration::from_millis(600)),
        "/panic" => panic!("the handler panicked on purpose"),
        "/bad-status" => return Response::empty(1000),
        _ => {}
    }
    let mut seen = request.clone();
    if seen.body.len() > 64 * 1024 {
        seen.body.clear();
    }
    Response::json(200, &serde_json::to_value(&seen).unwrap())
        .with_header("X-Body-Length", &request.body.len().to_string())
}

fn echo_server() -> ServerHandle {
    spawn_server(echo, local(), quiet()).unwrap()
}

fn target(server: &ServerHandle) -> HttpTarget {
    HttpTarget::new(&server.url()).unwrap()
}

/// The request the echo handler saw.
fn seen(response: &Response) -> Request {
    assert_eq!(response.status, 200, "{}", response.text_body());
    serde_json::from_slice(&response.body).unwrap()
}

#[test]
fn a_json_body_arrives_as_sent() {
    let server = echo_server();
    let body = serde_json::json!({"name": "Ada", "tags": ["x", "ü"], "n": 1.5});
    let request = Request::new("POST", "/v1/users/42")
        .with_json(&body)
        .with_bearer("secret-token");
    let got = seen(&target(&server).send(&request).unwrap());
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/v1/users/42");
    assert_eq!(got.json_body(), Some(body));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("authorization"), Some("Bearer secret-token"));
    assert_eq!(
        got.header("content-length"),
        Some(request.body.len().to_string().as_str())
    );
    server.shutdown();
}

#[test]
fn a_form_body_and_the_query_arrive_decoded() {
    let server = echo_server();
    let pairs = vec![
        ("grant_type".to_string(), "client_credentials".to_string()),
        ("scope".to_string(), "a b+c&d=e".to_string()),
        ("ü".to_string(), String::new()),
    ];
    let request = Request::new("POST", "/token")
        .with_form(&pairs)
        .with_query("page", "2")
        .with_query("q", "x+y z&=ü")
        .with_query("q", "repeated");
    let got = seen(&target(&server).send(&request).unwrap());
    assert_eq!(got.form_pairs(), pairs);
    assert_eq!(got.query, request.query);
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    server.shutdown();
}

#[test]
fn a_binary_body_arrives_byte_for_byte() {
    let server = echo_server();
    let body: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let request = Request::new("PUT", "/blob")
        .with_header("Content-Type", "application/octet-stream")
        .with_body(body.clone());
    let got = seen(&target(&server).send(&request).unwrap());
    assert_eq!(got.body, body);
    server.shutdown();
}

#[test]
fn paths_arrive_decoded_under_the_base_path() {
    let server = echo_server();
    let target = HttpTarget::new(&format!("{}/api/", server.url())).unwrap();
    let got = seen(&target.send(&Request::new("GET", "/a b/ü/%2F/x?y")).unwrap());
    assert_eq!(got.path, "/api/a b/ü/%2F/x?y");
    assert!(got.query.is_empty());
    server.shutdown();
}

#[test]
fn headers_keep_their_order_and_host_is_sent_as_given() {
    let server = echo_server();
    let target = target(&server);
    let request = Request::new("GET", "/")
        .with_header("X-Second", "2")
        .with_header("X-First", "1")
        .with_header("X-Third", "3 ü");
    let got = seen(&target.send(&request).unwrap());
    let custom: Vec<(String, String)> = got
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-"))
        .cloned()
        .collect();
    assert_eq!(
        custom,
        vec![
            ("x-second".to_string(), "2".to_string()),
            ("x-first".to_string(), "1".to_string()),
            ("x-third".to_string(), "3 ü".to_string()),
        ]
    );
    assert_eq!(got.header("host"), Some(server.addr().to_string().as_str()));

    let got = seen(
        &target
            .send(&Request::new("GET", "/").with_header("Host", "api.example.test"))
            .unwrap(),
    );
    assert_eq!(got.header("host"), Some("api.example.test"));
    server.shutdown();
}

#[test]
fn many_threads_share_keep_alive_connections() {
    let server = echo_server();
    let target = Arc::new(target(&server));
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let target = target.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let path = format!("/t{thread}/r{i}");
                    let got = seen(&target.send(&Request::new("GET", &path)).unwrap());
                    assert_eq!(got.path, path);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // 200 requests from 8 threads: with keep-alive a connection per thread at most, and some
    // slack for a pooled connection closed and replaced under the client's feet.
    let connections = server.connections_accepted();
    assert!(
        (1..=16).contains(&connections),
        "{connections} connections for 200 requests"
    );
    server.shutdown();
}

#[test]
fn the_handler_sees_at_most_one_byte_over_the_cap() {
    let server = echo_server();
    let response = target(&server)
        .send(&Request::new("POST", "/upload").with_body(vec![b'a'; 2 * MAX_BODY_BYTES]))
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("x-body-length"),
        Some((MAX_BODY_BYTES + 1).to_string().as_str())
    );
    server.shutdown();
}

#[test]
fn the_reference_answers_413_for_a_body_over_the_cap_and_404_for_unknown_routes() {
    let reference = Reference::new(Config::default());
    let server = spawn_server(move |r: &Request| reference.handle(r), local(), quiet()).unwrap();
    let target = target(&server);

    let too_big = Request::new("POST", "/anything").with_body(vec![b'x'; MAX_BODY_BYTES + 1]);
    assert_eq!(target.send(&too_big).unwrap().status, 413);
    let at_cap = Request::new("POST", "/anything").with_body(vec![b'x'; MAX_BODY_BYTES]);
    assert_eq!(target.send(&at_cap).unwrap().status, 404);

    let unknown = target.send(&Request::new("GET", "/no/such/route")).unwrap();
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json_body(),
        Some(serde_json::json!({"message": "no such route"}))
    );
    server.shutdown();
}

#[test]
fn the_reference_serves_its_capabilities() {
    let reference = Reference::new(Config::default());
    let server = spawn_server(move |r: &Request| reference.handle(r), local(), quiet()).unwrap();
    let response = target(&server)
        .send(&Request::new("GET", CAPABILITIES_PATH))
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let document = response.json_body().unwrap();
    assert!(document["faults"].is_array(), "{document}");
    assert!(document["vendors"].is_array(), "{document}");
    server.shutdown();
}

#[test]
fn a_slow_answer_is_a_timeout() {
    let server = echo_server();
    let target = target(&server).timeout(Duration::from_millis(100));
    let err = target.send(&Request::new("GET", "/slow")).unwrap_err();
    assert_eq!(
        err,
        TargetError::Timeout {
            url: format!("{}/slow", server.url()),
            millis: 100
        }
    );
    // The same target still works once the handler answers in time.
    assert_eq!(
        target.send(&Request::new("GET", "/fast")).unwrap().status,
        200
    );
    server.shutdown();
}

#[test]
fn the_target_works_from_inside_another_runtime() {
    // A caller that is itself async (a tokio test, an async runner) may call the blocking
    // `send`, and may drop the target there, without the target's own runtime objecting.
    let server = echo_server();
    let url = server.url();
    let outer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = outer.block_on(async move {
        let target = HttpTarget::new(&url).unwrap();
        let status = target.send(&Request::new("GET", "/inside")).unwrap().status;
        drop(target);
        status
    });
    assert_eq!(status, 200);
    server.shutdown();
}

#[test]
fn a_port_nothing_listens_on_is_unreachable() {
    let port = {
        let listener = std::net::TcpListener::bind(local()).unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = HttpTarget::new(&format!("http://127.0.0.1:{port}")).unwrap();
    match target.send(&Request::new("GET", "/")) {
        Err(TargetError::Unreachable { url, reason }) => {
            assert_eq!(url, format!("http://127.0.0.1:{port}/"));
            assert!(reason.to_lowercase().contains("refused"), "{reason}");
            assert!(!reason.contains('\n'));
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[test]
fn the_rate_limiter_spaces_requests_across_threads() {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let server = spawn_server(
        move |_: &Request| {
            counted.fetch_add(1, Ordering::SeqCst);
            Response::empty(204)
        },
        local(),
        quiet(),
    )
    .unwrap();
    // 12 requests at 20/s: the slots are 50 ms apart, so the last one cannot go before
    // 550 ms, whatever the threads do.
    let limited = Arc::new(RateLimited::new(target(&server), 20));
    let started = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let limited = limited.clone();
            std::thread::spawn(move || {
                for _ in 0..3 {
                    assert_eq!(limited.send(&Request::new("GET", "/")).unwrap().status, 204);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(count.load(Ordering::SeqCst), 12);
    assert!(limited.describe().ends_with("(at most 20 requests/s)"));
    server.shutdown();
}

#[test]
fn after_shutdown_nothing_answers() {
    let server = echo_server();
    let url = server.url();
    let pooled = target(&server);
    assert_eq!(pooled.send(&Request::new("GET", "/")).unwrap().status, 200);

    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));

    let fresh = HttpTarget::new(&url).unwrap();
    assert!(matches!(
        fresh.send(&Request::new("GET", "/")),
        Err(TargetError::Unreachable { .. })
    ));
    // The pooled connection was closed too; whatever the client makes of that, it is no
    // answer.
    assert!(pooled.send(&Request::new("GET", "/")).is_err());
}

/// Writes raw bytes on a fresh connection and returns what comes back (empty if the server
/// reset the connection).
fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let _ = stream.take(1 << 20).read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn hostile_input_is_answered_and_the_server_keeps_going() {
    let server = echo_server();
    let addr = server.addr();

    // Headers past the limit: 431, or a reset if the server closed before reading them all.
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let answer = raw_exchange(addr, huge.as_bytes());
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );

    // A raw path that is not UTF-8 is refused by the parser.
    let answer = raw_exchange(
        addr,
        b"GET /caf\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");

    // A raw UTF-8 path and an escaped invalid byte reach the handler, the latter lossily.
    let answer = raw_exchange(
        addr,
        "GET /café/caf%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"path\":\"/café/caf\u{fffd}\""),
        "{answer}"
    );

    // Not HTTP at all.
    let answer = raw_exchange(addr, b"\x00\x01\x02 hello\r\n\r\n");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );

    // A body far past the cap: the handler still sees cap + 1 bytes, or the server hangs up.
    let target = target(&server);
    let flood = Request::new("POST", "/flood").with_body(vec![0u8; 10 * MAX_BODY_BYTES]);
    match target.send(&flood) {
        Ok(response) => assert_eq!(
            response.header("x-body-length"),
            Some((MAX_BODY_BYTES + 1).to_string().as_str())
        ),
        Err(e) => assert!(matches!(e, TargetError::Transport { .. }), "{e}"),
    }

    // A panicking handler and an answer HTTP cannot carry are both 500s.
    assert_eq!(
        target.send(&Request::new("GET", "/panic")).unwrap().status,
        500
    );
    let bad = target.send(&Request::new("GET", "/bad-status")).unwrap();
    assert_eq!(bad.status, 500);
    assert!(bad.text_body().contains("status 1000"));

    // And the server is still there.
    assert_eq!(
        target.send(&Request::new("GET", "/ok")).unwrap().status,
        200
    );
    server.shutdown();
}
