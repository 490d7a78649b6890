//! The main function here is [`spawn_server`]: it puts any request handler (the embedded
//! [`Reference`](crate::reference::Reference), a mutant, a closure) behind a real HTTP/1.1
//! socket and returns a [`ServerHandle`] that knows the bound address and shuts the server
//! down. [`serve`] is the blocking form behind `confuzz serve`: it announces the address and
//! runs until Ctrl-C.
//!
//! Incoming requests become [`Request`] values by the same rules the HTTP target uses to send
//! them (see `target::wire`), so a request that crosses HTTP reaches the handler as it left the
//! sender. Bodies are read up to [`MAX_BODY_BYTES`] + 1 bytes: enough for the handler to see
//! that a body is too large and answer 413 itself.
//!
//! Not for: TLS, HTTP/2, or routing: the handler sees every request.

use std::convert::Infallible;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, CONNECTION, CONTENT_TYPE};
use http::StatusCode;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;

use crate::target::runtime::BackgroundRuntime;
use crate::target::wire;
use crate::target::MAX_BODY_BYTES;
use crate::target::{Request, Response};

/// How much of an oversized body is still read (and dropped) so that a client that sent it
/// can finish writing and read the 413; past this the connection is closed.
const DRAIN_BYTES: usize = 8 * MAX_BODY_BYTES;

/// How long a client has to send the request line and headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The smallest header limit accepted; anything smaller would refuse ordinary requests.
const MIN_HEADER_BYTES: usize = 1024;

/// How a server runs: [`ServeOptions::default`] and the setters (the struct is
/// `#[non_exhaustive]`: a struct literal does not compile outside confuzz).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// Do not log each request to stderr.
    pub quiet: bool,
    /// The largest request line plus headers accepted, in bytes; larger ones are answered
    /// 431 and the connection is closed. Defaults to 64 KiB (at least 1 KiB is used).
    pub max_header_bytes: usize,
    /// How long a client has to send a whole body once the headers are in; slower ones are
    /// answered 408. Defaults to 30 s.
    pub body_timeout: Duration,
    /// How long [`ServerHandle::shutdown`] lets requests in flight finish. Defaults to 5 s.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            quiet: false,
            max_header_bytes: 64 * 1024,
            body_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

impl ServeOptions {
    setters! {
        /// Do not log each request to stderr.
        quiet: bool;
        /// The largest request line plus headers accepted, in bytes.
        max_header_bytes: usize;
        /// How long a client has to send a whole body once the headers are in.
        body_timeout: Duration;
        /// How long [`ServerHandle::shutdown`] lets requests in flight finish.
        shutdown_grace: Duration;
    }
}

/// Why a server could not start or keep running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The runtime that drives the server could not start.
    #[error("cannot start the server runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The address could not be bound (in use, not local, no permission, ...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// Ctrl-C could not be watched for.
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(#[source] io::Error),
}

/// A running server. Dropping it stops the server at once; [`ServerHandle::shutdown`] lets
/// requests in flight finish first.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: mpsc::Receiver<()>,
    grace: Duration,
    connections: Arc<AtomicU64>,
    runtime: BackgroundRuntime,
}

impl ServerHandle {
    /// The address the server listens on (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, ready for [`HttpTarget::new`](crate::target::HttpTarget::new). A server
    /// bound to every interface (`0.0.0.0`, `[::]`) is named by its loopback address, which
    /// reaches it (the unspecified address is no place to send a request to).
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        match addr.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into())
            }
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
                addr.set_ip(std::net::Ipv6Addr::LOCALHOST.into())
            }
            _ => {}
        }
        format!("http://{addr}")
    }

    /// How many connections the server has accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Stops accepting connections, lets requests in flight finish (up to the shutdown grace
    /// of [`ServeOptions`]) and closes every connection.
    pub fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The accept loop reports when it is done; the margin covers closing the listener.
        let _ = self
            .stopped
            .recv_timeout(self.grace + Duration::from_secs(1));
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// Starts a server for `handler` on `addr` (port 0 picks a free port) in the background and
/// returns once it listens.
///
/// The handler is called on a blocking thread, so it may take its time; a panic in it is
/// answered 500. Fails when the address cannot be bound or the runtime cannot start.
///
/// # Example
///
/// ```
/// use confuzz::serve::{spawn_server, ServeOptions};
/// use confuzz::target::{HttpTarget, Request, Response, Target};
///
/// let options = ServeOptions::default().quiet(true);
/// let server = spawn_server(
///     |request: &Request| Response::text(200, &request.path),
///     "127.0.0.1:0".parse()?,
///     options,
/// )?;
/// let target = HttpTarget::new(&server.url())?;
/// assert_eq!(target.send(&Request::new("GET", "/hello"))?.text_body(), "/hello");
/// server.shutdown();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spawn_server<H>(
    handler: H,
    addr: SocketAddr,
    options: ServeOptions,
) -> Result<ServerHandle, ServeError>
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let runtime = BackgroundRuntime::new("confuzz-serve").map_err(ServeError::Runtime)?;
    let bind_error = |source| ServeError::Bind { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    let listener = {
        let _context = runtime.handle().enter();
        tokio::net::TcpListener::from_std(listener).map_err(bind_error)?
    };

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let (stopped_tx, stopped_rx) = mpsc::sync_channel(1);
    let connections = Arc::new(AtomicU64::new(0));
    let grace = options.shutdown_grace;
    let handler: Arc<Handler> = Arc::new(handler);
    let counter = connections.clone();
    runtime.handle().spawn(async move {
        accept_loop(listener, handler, Arc::new(options), counter, stop_rx).await;
        let _ = stopped_tx.send(());
    });
    Ok(ServerHandle {
        addr: bound,
        stop: Some(stop_tx),
        stopped: stopped_rx,
        grace,
        connections,
        runtime,
    })
}

/// Waits for Ctrl-C or, on Unix, SIGTERM (what service managers and CI send).
async fn shutdown_signal() -> io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// Runs a server for `handler` on `addr` until Ctrl-C or SIGTERM, then shuts it down
/// gracefully.
///
/// Prints `listening on http://ADDR` with the bound address to stdout as soon as it listens,
/// so a script that asked for port 0 can read the port; logs each request to stderr unless
/// `options.quiet`.
pub fn serve<H>(handler: H, addr: SocketAddr, options: ServeOptions) -> Result<(), ServeError>
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let quiet = options.quiet;
    let server = spawn_server(handler, addr, options)?;
    {
        // A closed stdout is no reason to stop serving.
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.url());
        let _ = out.flush();
    }
    let signal = server.runtime.wait(shutdown_signal());
    if !quiet {
        let _ = writeln!(io::stderr().lock(), "shutting down");
    }
    server.shutdown();
    match signal {
        Some(Err(e)) => Err(ServeError::Signal(e)),
        _ => Ok(()),
    }
}

/// Accepts connections until `stop` fires (or its sender is dropped), then lets the open
/// connections finish within the grace period.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    handler: Arc<Handler>,
    options: Arc<ServeOptions>,
    connections: Arc<AtomicU64>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(options.max_header_bytes.max(MIN_HEADER_BYTES));
    let graceful = GracefulShutdown::new();
    // Runs until told to stop: the server's lifetime is the bound.
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: say so and give the system a moment
                // instead of spinning.
                log(&options, &format!("cannot accept a connection: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        let options = options.clone();
        let service = service_fn(move |request| answer(request, handler.clone(), options.clone()));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        // A connection error is the peer's business (it hung up, sent garbage that hyper
        // already answered 400/431, ...); nothing to do about it here.
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(options.shutdown_grace, graceful.shutdown()).await;
}

/// Answers one request: reads the body, calls the handler on a blocking thread, logs.
async fn answer(
    request: hyper::Request<Incoming>,
    handler: Arc<Handler>,
    options: Arc<ServeOptions>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        options.body_timeout,
        wire::read_body(body, MAX_BODY_BYTES + 1, DRAIN_BYTES),
    )
    .await;
    let (response, close) = match read {
        Err(_) => (
            Response::text(408, "the request body did not arrive in time"),
            true,
        ),
        Ok(Err(e)) => (
            Response::text(400, &format!("cannot read the request body: {e}")),
            true,
        ),
        Ok(Ok(body)) => {
            let request = wire::from_http_request(&parts, body.bytes);
            let answered = tokio::task::spawn_blocking(move || handler(&request)).await;
            let response = answered.unwrap_or_else(|_| Response::text(500, "the handler panicked"));
            // The rest of an oversized body was not read: the connection cannot be reused.
            (response, !body.complete)
        }
    };
    let mut http_response = match wire::to_http_response(&response) {
        Ok(r) => r,
        Err(reason) => {
            log(
                &options,
                &format!("the handler's answer cannot be sent: {reason}"),
            );
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the handler's answer cannot be sent: {reason}"),
            )
        }
    };
    if close {
        http_response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    log(
        &options,
        &format!(
            "{} {} -> {} in {:.1}ms",
            parts.method,
            target,
            http_response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        ),
    );
    Ok(http_response)
}

/// A plain-text answer built without any step that can fail.
fn plain(status: StatusCode, text: String) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// One line to stderr unless quiet. A closed stderr is ignored rather than fatal.
fn log(options: &ServeOptions, line: &str) {
    if !options.quiet {
        let _ = writeln!(io::stderr().lock(), "{line}");
    }
}
