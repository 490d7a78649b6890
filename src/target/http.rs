//! The main type here is [`HttpTarget`]: a [`Target`] that sends each request over HTTP/1.1
//! to a base URL, on a pool of keep-alive connections, and waits for the whole answer.
//!
//! [`Target::send`] is a plain blocking call that any number of threads may make at once:
//! each call takes an idle connection from the pool (or opens one), writes the request and
//! reads the answer on the calling thread, and puts the connection back. Nothing is handed to
//! another thread, so a request costs a write and a read or two, and the concurrency is the
//! number of threads that send.
//!
//! Not for: TLS (put a TLS-terminating proxy in front of an `https` target), retries, or
//! following redirects: a redirect is an answer like any other and the checks judge it. The one
//! request sent again is one whose kept-alive connection turns out closed before any byte of
//! an answer arrived (the server hung up an idle connection): it goes once more on a new
//! connection.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::wire;
use super::{Request, Response, Target, TargetError};

/// How long an unused pooled connection is kept open.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The most header lines an answer may have.
const MAX_HEADERS: usize = 128;

/// The most bytes an answer's status line and headers may take.
const MAX_HEAD_BYTES: usize = 1 << 20;

/// Why an [`HttpTarget`] could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpTargetError {
    /// The base URL cannot be used.
    #[error("invalid target URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
}

/// A target reached over HTTP/1.1 at a base URL such as `http://127.0.0.1:8080` or
/// `http://sandbox.internal/api` (a base path is put in front of every request path).
///
/// Requests cross the wire as the conversion rules in `target::wire` describe: the path and
/// query are percent-encoded, headers keep their order and are sent as given (header names go
/// out in title case, which servers must treat like any other case), `Host` is the request's
/// own `Host` header if it has one and the URL's authority otherwise, and the body is sent as
/// raw bytes with a `Content-Length` computed from it.
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// use confuzz::target::{HttpTarget, Request, Target};
///
/// let target = HttpTarget::new("http://127.0.0.1:8080")?
///     .timeout(Duration::from_secs(2))
///     .max_idle_per_host(16);
/// let response = target.send(&Request::new("GET", "/__conformance/capabilities"))?;
/// println!("{}", response.status);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct HttpTarget {
    /// `http://host:port`, as given.
    origin: String,
    /// The base path without a trailing `/`; empty for none.
    base_path: String,
    /// What a request without a `Host` header says: the host, and the port unless it is 80.
    host: String,
    /// Where to connect: `host:port`.
    authority: String,
    timeout: Duration,
    max_idle: usize,
    /// Idle keep-alive connections, the most recently used last.
    idle: Mutex<Vec<Idle>>,
}

/// A kept-alive connection and when it was last used.
struct Idle {
    stream: Conn,
    since: Instant,
}

impl HttpTarget {
    /// How long [`Target::send`] waits for a whole answer unless told otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Answers larger than this are reported as a transport error instead of being kept in
    /// memory.
    pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

    /// A target for `url`, an `http://` URL with a host, an optional port and an optional
    /// base path.
    ///
    /// Fails when the URL cannot be parsed, is not `http://` (`https://` is refused with a
    /// hint), carries credentials, a query or a fragment.
    pub fn new(url: &str) -> Result<Self, HttpTargetError> {
        let invalid = |reason| HttpTargetError::InvalidUrl {
            url: url.to_string(),
            reason,
        };
        let (origin, base_path) = parse_base_url(url).map_err(invalid)?;
        let uri: http::Uri = origin.parse().map_err(|e| invalid(format!("{e}")))?;
        let host_name = uri.host().unwrap_or_default().to_string();
        let port = uri.port_u16().unwrap_or(80);
        let host = match uri.port_u16() {
            Some(p) if p != 80 => format!("{host_name}:{p}"),
            _ => host_name.clone(),
        };
        // An IPv6 literal keeps its brackets in the URL; the resolver wants them too.
        let authority = format!("{host_name}:{port}");
        Ok(HttpTarget {
            origin,
            base_path,
            host,
            authority,
            timeout: Self::DEFAULT_TIMEOUT,
            max_idle: usize::MAX,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sets how long one request may take in all: connecting, sending and reading the whole
    /// answer. Defaults to [`HttpTarget::DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how many idle keep-alive connections are kept open to the target. Unlimited by
    /// default; `0` opens a new connection for every request.
    pub fn max_idle_per_host(mut self, max: usize) -> Self {
        self.max_idle = max;
        self
    }

    /// The base URL requests are sent to, without a trailing `/`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin, self.base_path)
    }

    /// An idle connection that has not been idle too long, if any.
    fn take_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(conn) = idle.pop() {
            if conn.since.elapsed() < POOL_IDLE_TIMEOUT {
                return Some(conn.stream);
            }
        }
        None
    }

    /// Keeps a connection for the next request, unless the pool is full.
    fn put_idle(&self, stream: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(Idle {
                stream,
                since: Instant::now(),
            });
        }
    }

    /// Opens a connection to the target, trying each address the name resolves to.
    fn connect(&self, deadline: Instant) -> Result<Conn, Failure> {
        let addrs: Vec<SocketAddr> = self
            .authority
            .to_socket_addrs()
            .map_err(|e| Failure::Connect(format!("cannot resolve {}: {e}", self.authority)))?
            .collect();
        let mut last = format!("{} resolves to no address", self.authority);
        for addr in addrs {
            let Some(left) = remaining(deadline) else {
                return Err(Failure::Timeout);
            };
            match TcpStream::connect_timeout(&addr, left) {
                Ok(stream) => {
                    // Requests are written whole; waiting to coalesce them only adds latency.
                    let _ = stream.set_nodelay(true);
                    return Ok(Conn::new(stream));
                }
                Err(e) if is_timeout(&e) => return Err(Failure::Timeout),
                Err(e) => last = format!("tcp connect error: {e}"),
            }
        }
        Err(Failure::Connect(last))
    }

    /// One exchange: on a kept-alive connection when there is one (and once more on a new
    /// connection if that one was closed before answering), else on a new connection.
    fn exchange(&self, wire: &[u8], head_only: bool) -> Result<Response, Failure> {
        let deadline = Instant::now() + self.timeout;
        if let Some(mut stream) = self.take_idle() {
            match exchange_on(&mut stream, wire, head_only, deadline) {
                Err(Failure::Closed) => {}
                Err(other) => return Err(other),
                Ok((response, reusable)) => {
                    if reusable {
                        self.put_idle(stream);
                    }
                    return Ok(response);
                }
            }
        }
        let mut stream = self.connect(deadline)?;
        match exchange_on(&mut stream, wire, head_only, deadline) {
            Err(Failure::Closed) => Err(Failure::Exchange(
                "the connection was closed before an answer arrived".to_string(),
            )),
            Err(other) => Err(other),
            Ok((response, reusable)) => {
                if reusable {
                    self.put_idle(stream);
                }
                Ok(response)
            }
        }
    }

    /// The request's bytes on the wire: request line, headers (title case, `Host` added when
    /// the request has none, framing computed from the body) and body.
    fn serialize(&self, request: &Request, target: &str, url: &str) -> Result<Vec<u8>, String> {
        let http_request = wire::to_http_request(request, url)?;
        let (parts, _) = http_request.into_parts();
        let mut out = Vec::with_capacity(256 + request.body.len());
        out.extend_from_slice(parts.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in &parts.headers {
            write_title_case(&mut out, name.as_str());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if !parts.headers.contains_key(http::header::HOST) {
            out.extend_from_slice(b"Host: ");
            out.extend_from_slice(self.host.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if !request.body.is_empty() {
            out.extend_from_slice(format!("Content-Length: {}\r\n", request.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&request.body);
        Ok(out)
    }
}

/// `content-type` as `Content-Type`: what clients have always sent, though the case of a
/// header name means nothing in HTTP.
fn write_title_case(out: &mut Vec<u8>, name: &str) {
    let mut upper = true;
    for b in name.bytes() {
        out.push(if upper { b.to_ascii_uppercase() } else { b });
        upper = b == b'-';
    }
}

/// The time left until `deadline`, or `None` once it has passed.
fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// How one exchange failed, before it is turned into a [`TargetError`].
enum Failure {
    Connect(String),
    Exchange(String),
    TooLarge,
    Timeout,
    /// The connection was closed (or reset) before any byte of an answer: a kept-alive
    /// connection the server had already let go.
    Closed,
}

/// How much is read from a connection at a time.
const READ_CHUNK: usize = 16 * 1024;

/// The largest read buffer a pooled connection keeps for its next answer: a larger one (left
/// by a large answer) is let go, so idle connections do not hold on to answers' worth of
/// memory.
const MAX_KEPT_BUFFER: usize = 4 * READ_CHUNK;

/// The slack allowed on a request's deadline so that the socket's timeouts need not be set
/// before every read and write: a blocking call may end this much after the deadline.
const DEADLINE_SLACK: Duration = Duration::from_millis(2);

/// A connection, the timeouts its socket has, and its read buffer (kept between answers up
/// to [`MAX_KEPT_BUFFER`]).
///
/// Setting a socket timeout is a system call; a request that goes out and comes back in
/// one write and one read would pay two more for them. So a timeout is only lowered when
/// it would let a call run past the deadline (by more than [`DEADLINE_SLACK`]), and a call
/// that times out before the deadline is made again with the time left.
struct Conn {
    stream: TcpStream,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    buf: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> Self {
        Conn {
            stream,
            read_timeout: None,
            write_timeout: None,
            buf: Vec::new(),
        }
    }

    /// Reads into `buf`, waiting no later than `deadline` (give or take the slack).
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        loop {
            let left = remaining(deadline).ok_or(io::ErrorKind::TimedOut)?;
            if !fits(self.read_timeout, left) {
                self.stream.set_read_timeout(Some(left))?;
                self.read_timeout = Some(left);
            }
            match self.stream.read(buf) {
                Err(e) if is_timeout(&e) && remaining(deadline).is_some() => {
                    // Timed out on an earlier, shorter timeout: wait the time left.
                    self.read_timeout = Some(Duration::ZERO);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// Writes all of `bytes`, waiting no later than `deadline` (give or take the slack).
    fn write_all(&mut self, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
        while !bytes.is_empty() {
            let left = remaining(deadline).ok_or(io::ErrorKind::TimedOut)?;
            if !fits(self.write_timeout, left) {
                self.stream.set_write_timeout(Some(left))?;
                self.write_timeout = Some(left);
            }
            match self.stream.write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if is_timeout(&e) && remaining(deadline).is_some() => {
                    self.write_timeout = Some(Duration::ZERO);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Whether a socket timeout of `set` ends a call no later than `left` from now, give or take
/// the slack. A zero timeout stands for "must be set again".
fn fits(set: Option<Duration>, left: Duration) -> bool {
    set.is_some_and(|set| !set.is_zero() && set <= left + DEADLINE_SLACK)
}

/// What frames an answer's body.
enum Framing {
    None,
    Length(usize),
    Chunked,
    UntilClose,
}

/// Bytes read from a connection but not used yet, and the reading itself.
struct Reader<'s> {
    stream: &'s mut Conn,
    /// The bytes read, then zeroed room for the next read: the room is zeroed once when the
    /// buffer grows, not before every read, and the buffer goes back to the connection whole
    /// (up to [`MAX_KEPT_BUFFER`]).
    buf: Vec<u8>,
    /// Where the unused bytes start in `buf`.
    at: usize,
    /// Where the bytes read end in `buf`.
    end: usize,
    deadline: Instant,
    /// Whether any byte came back at all.
    answered: bool,
}

impl Reader<'_> {
    fn unread(&self) -> &[u8] {
        &self.buf[self.at..self.end]
    }

    /// Reads more bytes; `Ok(0)` at the end of the stream.
    fn fill(&mut self) -> Result<usize, Failure> {
        if self.at > 0 && self.at == self.end {
            self.at = 0;
            self.end = 0;
        }
        if self.buf.len() < self.end + READ_CHUNK {
            self.buf.resize(self.end + READ_CHUNK, 0);
        }
        let read = self.stream.read(&mut self.buf[self.end..], self.deadline);
        self.end += *read.as_ref().unwrap_or(&0);
        match read {
            Ok(n) => {
                self.answered |= n > 0;
                Ok(n)
            }
            Err(e) if is_timeout(&e) => Err(Failure::Timeout),
            Err(e) if !self.answered && closed_kind(&e) => Err(Failure::Closed),
            Err(e) => Err(Failure::Exchange(format!("reading the answer: {e}"))),
        }
    }

    /// Fills until at least `n` unread bytes are there; an early end is an error.
    fn need(&mut self, n: usize) -> Result<(), Failure> {
        while self.unread().len() < n {
            if self.fill()? == 0 {
                return Err(Failure::Exchange(
                    "the connection closed in the middle of the answer".to_string(),
                ));
            }
        }
        Ok(())
    }

    /// One CRLF-terminated line (without the CRLF), for chunk sizes and trailers.
    fn line(&mut self) -> Result<Vec<u8>, Failure> {
        loop {
            if let Some(end) = self.unread().windows(2).position(|w| w == b"\r\n") {
                let line = self.unread()[..end].to_vec();
                self.at += end + 2;
                return Ok(line);
            }
            if self.unread().len() > MAX_HEAD_BYTES {
                return Err(Failure::Exchange("a chunk line is too long".to_string()));
            }
            if self.fill()? == 0 {
                return Err(Failure::Exchange(
                    "the connection closed in the middle of the answer".to_string(),
                ));
            }
        }
    }

    /// Moves up to `n` unread bytes into `body` (refusing to keep more than the cap).
    fn take(&mut self, n: usize, body: &mut Vec<u8>) -> Result<(), Failure> {
        if body.len().saturating_add(n) > HttpTarget::MAX_RESPONSE_BYTES {
            return Err(Failure::TooLarge);
        }
        self.need(n)?;
        body.extend_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(())
    }
}

fn closed_kind(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// The head of an answer: status, headers, and what it says about the body and the
/// connection.
struct Head {
    status: u16,
    headers: http::HeaderMap,
    keep_alive: bool,
}

/// Reads the head of the final answer (interim 1xx answers are skipped).
fn read_head(reader: &mut Reader<'_>) -> Result<Head, Failure> {
    loop {
        let parsed = {
            let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut slots);
            match response.parse(reader.unread()) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = response.code.unwrap_or(0);
                    let version = response.version.unwrap_or(0);
                    let mut headers = http::HeaderMap::with_capacity(response.headers.len());
                    for header in response.headers.iter() {
                        let name = http::header::HeaderName::from_bytes(header.name.as_bytes())
                            .map_err(|_| {
                                Failure::Exchange(format!(
                                    "the answer has an invalid header name `{}`",
                                    header.name
                                ))
                            })?;
                        let value =
                            http::header::HeaderValue::from_bytes(header.value).map_err(|_| {
                                Failure::Exchange(format!(
                                    "the answer has an invalid value for header `{}`",
                                    header.name
                                ))
                            })?;
                        headers.append(name, value);
                    }
                    Some((len, status, version, headers))
                }
                Ok(httparse::Status::Partial) => None,
                Err(e) => {
                    return Err(Failure::Exchange(format!(
                        "the answer is not HTTP/1.1: {e}"
                    )))
                }
            }
        };
        match parsed {
            Some((len, status, version, headers)) => {
                reader.at += len;
                if (100..200).contains(&status) && status != 101 {
                    continue;
                }
                let close = headers
                    .get_all(http::header::CONNECTION)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .any(|token| token.trim().eq_ignore_ascii_case("close"));
                return Ok(Head {
                    status,
                    headers,
                    keep_alive: version == 1 && !close && status != 101,
                });
            }
            None => {
                if reader.unread().len() > MAX_HEAD_BYTES {
                    return Err(Failure::Exchange(format!(
                        "the answer's head is larger than {MAX_HEAD_BYTES} bytes"
                    )));
                }
                if reader.fill()? == 0 {
                    return Err(if reader.answered {
                        Failure::Exchange(
                            "the connection closed in the middle of the answer".into(),
                        )
                    } else {
                        Failure::Closed
                    });
                }
            }
        }
    }
}

/// How the body of an answer to a request (`HEAD` or not) is framed (RFC 9112, section 6.3).
fn framing(head: &Head, head_only: bool) -> Result<Framing, Failure> {
    if head_only || (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
        return Ok(Framing::None);
    }
    let codings: Vec<String> = head
        .headers
        .get_all(http::header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(last) = codings.last() {
        return Ok(if last == "chunked" {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    let lengths: Vec<&http::HeaderValue> = head
        .headers
        .get_all(http::header::CONTENT_LENGTH)
        .iter()
        .collect();
    let Some(first) = lengths.first() else {
        return Ok(Framing::UntilClose);
    };
    let parse =
        |v: &http::HeaderValue| v.to_str().ok().and_then(|s| s.trim().parse::<usize>().ok());
    match parse(first) {
        Some(n) if lengths.iter().all(|v| parse(v) == Some(n)) => Ok(Framing::Length(n)),
        _ => Err(Failure::Exchange(
            "the answer has an invalid Content-Length".to_string(),
        )),
    }
}

/// Writes the request and reads the whole answer on `stream`; says whether the connection
/// can carry another request.
fn exchange_on(
    stream: &mut Conn,
    wire: &[u8],
    head_only: bool,
    deadline: Instant,
) -> Result<(Response, bool), Failure> {
    if let Err(e) = stream.write_all(wire, deadline) {
        return Err(if is_timeout(&e) {
            Failure::Timeout
        } else if closed_kind(&e) {
            Failure::Closed
        } else {
            Failure::Exchange(format!("sending the request: {e}"))
        });
    }
    let mut reader = Reader {
        buf: std::mem::take(&mut stream.buf),
        stream,
        at: 0,
        end: 0,
        deadline,
        answered: false,
    };
    let head = read_head(&mut reader)?;
    let mut body = Vec::new();
    let mut reusable = head.keep_alive;
    match framing(&head, head_only)? {
        Framing::None => {}
        Framing::Length(n) => reader.take(n, &mut body)?,
        Framing::Chunked => loop {
            let line = reader.line()?;
            let size = std::str::from_utf8(&line)
                .ok()
                .map(|l| l.split(';').next().unwrap_or("").trim())
                .and_then(|hex| usize::from_str_radix(hex, 16).ok())
                .ok_or_else(|| Failure::Exchange("the answer has an invalid chunk size".into()))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !reader.line()?.is_empty() {}
                break;
            }
            reader.take(size, &mut body)?;
            if !reader.line()?.is_empty() {
                return Err(Failure::Exchange(
                    "the answer has a chunk longer than its size".into(),
                ));
            }
        },
        Framing::UntilClose => {
            reusable = false;
            body.extend_from_slice(reader.unread());
            reader.at = reader.end;
            while reader.fill()? > 0 {
                if body.len() + reader.unread().len() > HttpTarget::MAX_RESPONSE_BYTES {
                    return Err(Failure::TooLarge);
                }
                body.extend_from_slice(reader.unread());
                reader.at = reader.end;
            }
        }
    }
    // Bytes past the answer mean the two sides disagree on framing: start afresh next time.
    reusable &= reader.unread().is_empty();
    if reusable && reader.buf.capacity() <= MAX_KEPT_BUFFER {
        reader.stream.buf = std::mem::take(&mut reader.buf);
    }
    let mut response = http::Response::new(());
    *response.status_mut() = http::StatusCode::from_u16(head.status)
        .map_err(|_| Failure::Exchange(format!("the answer has status {}", head.status)))?;
    *response.headers_mut() = head.headers;
    let (parts, ()) = response.into_parts();
    Ok((wire::from_http_response(&parts, body), reusable))
}

/// Splits `http://host:port/base/` into (`http://host:port`, `/base`), or says what is wrong
/// with it.
fn parse_base_url(url: &str) -> Result<(String, String), String> {
    let uri: http::Uri = url
        .trim()
        .parse()
        .map_err(|e| format!("{e}; write it as http://HOST:PORT"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(s) if s.eq_ignore_ascii_case("https") => {
            return Err("https is not supported by the HTTP target; use http:// \
                        (put a TLS-terminating proxy in front of an https endpoint)"
                .to_string())
        }
        Some(s) if s.eq_ignore_ascii_case("http") => {}
        Some(other) => return Err(format!("unsupported scheme `{other}`; use http://")),
        None => return Err("no scheme; write it as http://HOST:PORT".to_string()),
    }
    let Some(authority) = uri.authority() else {
        return Err("no host; write it as http://HOST:PORT".to_string());
    };
    if authority.as_str().contains('@') {
        return Err("credentials in the URL are not supported; send them as headers".to_string());
    }
    if authority.host().is_empty() {
        return Err("no host; write it as http://HOST:PORT".to_string());
    }
    if uri.query().is_some() {
        return Err("the base URL must not have a query; put query pairs on the requests".into());
    }
    let base_path = uri.path().trim_end_matches('/').to_string();
    Ok((format!("http://{authority}"), base_path))
}

impl Target for HttpTarget {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let target = wire::path_and_query(request, &self.base_path);
        let url = format!("{}{}", self.origin, target);
        let bytes =
            self.serialize(request, &target, &url)
                .map_err(|reason| TargetError::Unsendable {
                    url: url.clone(),
                    reason,
                })?;
        let head_only = request.method.eq_ignore_ascii_case("HEAD");
        match self.exchange(&bytes, head_only) {
            Ok(response) => Ok(response),
            Err(Failure::Connect(reason)) => Err(TargetError::Unreachable { url, reason }),
            Err(Failure::Exchange(reason)) => Err(TargetError::Transport { url, reason }),
            Err(Failure::Closed) => Err(TargetError::Transport {
                url,
                reason: "the connection was closed before an answer arrived".to_string(),
            }),
            Err(Failure::TooLarge) => Err(TargetError::Transport {
                url,
                reason: format!(
                    "the answer is larger than {} bytes",
                    Self::MAX_RESPONSE_BYTES
                ),
            }),
            Err(Failure::Timeout) => Err(TargetError::Timeout {
                url,
                millis: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            }),
        }
    }

    fn describe(&self) -> String {
        self.base_url()
    }
}

impl fmt::Debug for HttpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTarget")
            .field("base_url", &self.base_url())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_split_into_origin_and_path() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080").unwrap(),
            ("http://127.0.0.1:8080".to_string(), String::new())
        );
        assert_eq!(
            parse_base_url("http://example.test/api/v1/").unwrap(),
            ("http://example.test".to_string(), "/api/v1".to_string())
        );
    }

    #[test]
    fn unusable_urls_are_refused_with_a_reason() {
        let reason = |url: &str| match HttpTarget::new(url) {
            Err(HttpTargetError::InvalidUrl { reason, .. }) => reason,
            Ok(_) => panic!("{url} was accepted"),
        };
        assert!(reason("https://example.test").contains("https is not supported"));
        assert!(reason("example.test:80").contains("http://"));
        assert!(reason("ftp://example.test").contains("unsupported scheme"));
        assert!(reason("http://u:p@example.test").contains("credentials"));
        assert!(reason("http://example.test/?a=b").contains("query"));
        assert!(reason("http://exa mple").contains("http://HOST:PORT"));
    }

    /// Reads one request head (the test requests have no body).
    fn read_head(stream: &mut TcpStream) {
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).unwrap(), 1, "the client hung up");
            seen.push(byte[0]);
        }
    }

    #[test]
    fn a_socket_timeout_shorter_than_the_time_left_is_waited_out_again() {
        // The first answer comes in two parts, so its second read lowers the socket's read
        // timeout to the time then left (about 1.2 s). The second request on the same
        // connection is answered after 1.6 s, within its 2 s: the read times out early on
        // the lowered timeout and must wait again for the rest of the time.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            read_head(&mut stream);
            std::thread::sleep(Duration::from_millis(800));
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
                .unwrap();
            std::thread::sleep(Duration::from_millis(400));
            stream.write_all(b"first").unwrap();
            read_head(&mut stream);
            std::thread::sleep(Duration::from_millis(1600));
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
                .unwrap();
        });
        let target = HttpTarget::new(&format!("http://{addr}"))
            .unwrap()
            .timeout(Duration::from_secs(2));
        let first = target.send(&Request::new("GET", "/one")).unwrap();
        assert_eq!(first.body, b"first");
        let second = target.send(&Request::new("GET", "/two")).unwrap();
        assert_eq!(second.body, b"second");
        server.join().unwrap();
    }

    #[test]
    fn a_kept_connection_reads_each_answer_from_its_own_bytes() {
        // One connection answers a long chunked body, then a short one, then a long one
        // framed by length: what an answer left in the connection's read buffer must never
        // show in the next. The long answers are short enough for the buffer to be kept
        // (`MAX_KEPT_BUFFER`), and the server accepts one connection only.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let long = "x".repeat(2 * READ_CHUNK + 17);
        let answers = [
            format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{long}\r\n0\r\n\r\n",
                long.len()
            ),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno".to_string(),
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\ny{}",
                READ_CHUNK + 1,
                &long[..READ_CHUNK]
            ),
        ];
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            for answer in answers {
                read_head(&mut stream);
                stream.write_all(answer.as_bytes()).unwrap();
            }
        });
        let target = HttpTarget::new(&format!("http://{addr}")).unwrap();
        let first = target.send(&Request::new("GET", "/long")).unwrap();
        assert_eq!(first.body, long.as_bytes());
        let second = target.send(&Request::new("GET", "/short")).unwrap();
        assert_eq!((second.status, second.body.as_slice()), (404, &b"no"[..]));
        let third = target.send(&Request::new("GET", "/again")).unwrap();
        assert_eq!(third.body.len(), READ_CHUNK + 1);
        assert!(third.body.starts_with(b"yx") && third.body.ends_with(b"x"));
        server.join().unwrap();
    }

    #[test]
    fn a_pooled_connection_does_not_keep_the_buffer_of_a_large_answer() {
        const BODY: usize = 4 << 20;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            read_head(&mut stream);
            stream
                .write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {BODY}\r\n\r\n").as_bytes())
                .unwrap();
            stream.write_all(&vec![b'x'; BODY]).unwrap();
        });
        let target = HttpTarget::new(&format!("http://{addr}")).unwrap();
        let answer = target.send(&Request::new("GET", "/big")).unwrap();
        assert_eq!(answer.body.len(), BODY);
        let kept = {
            let idle = target.idle.lock().unwrap();
            assert_eq!(idle.len(), 1, "the connection is pooled");
            idle[0].stream.buf.capacity()
        };
        assert!(
            kept <= MAX_KEPT_BUFFER,
            "an idle connection keeps {kept} bytes"
        );
        server.join().unwrap();
    }

    #[test]
    fn the_error_names_the_url() {
        let err = HttpTarget::new("https://example.test").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("invalid target URL `https://example.test`"));
    }
}
