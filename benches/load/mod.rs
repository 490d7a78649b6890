//! What the HTTP benches share: `confuzz serve` started as a child process on a free loopback
//! port, a plain load loop that replays one fixed request on keep-alive connections (the
//! yardstick: about as fast as a client can ask), and medians.
//!
//! Every loop here is bounded by a count of requests and a time budget, and the server is
//! stopped when its handle is dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `confuzz serve` child process, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `confuzz serve --vendor VENDOR --quiet` on a free loopback port and waits for
    /// its `listening on` line.
    pub fn start(vendor: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_confuzz"))
            .args([
                "serve",
                "--vendor",
                vendor,
                "--addr",
                "127.0.0.1:0",
                "--quiet",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("confuzz serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("confuzz serve prints where it listens");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from confuzz serve: {line:?}"))
            .to_string();
        let addr = url
            .trim_start_matches("http://")
            .parse()
            .expect("the address parses");
        Server { child, url, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Requests per second of `connections` threads, each replaying `request` (raw bytes) on its
/// own keep-alive connection until `total` answers came back in all or `budget` ran out.
pub fn replay(
    addr: SocketAddr,
    request: &[u8],
    connections: usize,
    total: usize,
    budget: Duration,
) -> f64 {
    let per_connection = total.div_ceil(connections.max(1));
    let started = Instant::now();
    let answered: usize = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..connections.max(1))
            .map(|_| {
                scope.spawn(move || {
                    let mut stream = TcpStream::connect(addr).expect("the server accepts");
                    stream.set_nodelay(true).expect("nodelay");
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut done = 0;
                    while done < per_connection && started.elapsed() < budget {
                        stream.write_all(request).expect("the request is written");
                        read_answer(&mut stream, &mut buf);
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("a load thread finished"))
            .sum()
    });
    answered as f64 / started.elapsed().as_secs_f64()
}

/// Reads one answer framed by `Content-Length` (all the server sends for these requests).
fn read_answer(stream: &mut TcpStream, buf: &mut [u8]) {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buf[filled..]).expect("the answer is read");
        assert!(n > 0, "the server closed the connection");
        filled += n;
        let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let whole = end + 4 + length;
        while filled < whole {
            let n = stream.read(&mut buf[filled..]).expect("the body is read");
            assert!(n > 0, "the server closed the connection");
            filled += n;
        }
        return;
    }
}

/// The argument after `name` on the command line, parsed, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The comma-separated numbers after `name`, or `default`.
pub fn list_arg(name: &str, default: &[usize]) -> Vec<usize> {
    let text: String = arg(name, String::new());
    let parsed: Vec<usize> = text
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    if parsed.is_empty() {
        default.to_vec()
    } else {
        parsed
    }
}

/// The median of some numbers (the upper one of an even count).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

/// The documented 400 the yardstick replays: a Clever assignment create without its required
/// fields (`clever.assignment.missing-required-fields`), with a valid token.
pub fn clever_missing_fields(
    fixtures: &serde_json::Map<String, serde_json::Value>,
    host: &str,
) -> Vec<u8> {
    let text = |name: &str| {
        fixtures
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("fixture {name}"))
            .to_string()
    };
    let body = "{}";
    format!(
        "POST /v3.1/sections/{}/assignments HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        text("clever.section_id"),
        text("clever.token"),
        body.len()
    )
    .into_bytes()
}
