//! The main type here is [`HttpTarget`]: a [`Target`] that sends each request over HTTP/1.1
//! to a base URL, on a pool of keep-alive connections, and waits for the whole answer.
//!
//! The async client runs on a runtime the target owns, so [`Target::send`] is a plain
//! blocking call that any number of threads may make at once.
//!
//! Not for: TLS (put a TLS-terminating proxy in front of an `https` target), retries, or
//! following redirects: a redirect is an answer like any other and the checks judge it.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::runtime::BackgroundRuntime;
use super::wire;
use super::{Request, Response, Target, TargetError};

/// How long an unused pooled connection is kept open.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an [`HttpTarget`] could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpTargetError {
    /// The base URL cannot be used.
    #[error("invalid target URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The runtime that drives the client could not be started.
    #[error("cannot start the HTTP client runtime: {0}")]
    Runtime(#[source] std::io::Error),
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
    timeout: Duration,
    client: Client<HttpConnector, Full<Bytes>>,
    runtime: BackgroundRuntime,
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
    /// hint), carries credentials, a query or a fragment, or when the client runtime cannot
    /// start.
    pub fn new(url: &str) -> Result<Self, HttpTargetError> {
        let (origin, base_path) =
            parse_base_url(url).map_err(|reason| HttpTargetError::InvalidUrl {
                url: url.to_string(),
                reason,
            })?;
        let runtime = BackgroundRuntime::new("confuzz-http").map_err(HttpTargetError::Runtime)?;
        Ok(HttpTarget {
            origin,
            base_path,
            timeout: Self::DEFAULT_TIMEOUT,
            client: build_client(usize::MAX),
            runtime,
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
        self.client = build_client(max);
        self
    }

    /// The base URL requests are sent to, without a trailing `/`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin, self.base_path)
    }
}

fn build_client(max_idle: usize) -> Client<HttpConnector, Full<Bytes>> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_max_idle_per_host(max_idle)
        .http1_title_case_headers(true)
        .build(connector)
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

/// The error and its causes on one line.
fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    // Error chains are short; the bound only guards against a cycle.
    for _ in 0..16 {
        let Some(cause) = source else { break };
        let text = cause.to_string();
        if !parts.iter().any(|p| p == &text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ").replace(['\r', '\n'], " ")
}

/// How one exchange failed, before it is turned into a [`TargetError`].
enum Failure {
    Connect(String),
    Exchange(String),
    TooLarge,
}

impl Target for HttpTarget {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let url = format!(
            "{}{}",
            self.origin,
            wire::path_and_query(request, &self.base_path)
        );
        let http_request =
            wire::to_http_request(request, &url).map_err(|reason| TargetError::Unsendable {
                url: url.clone(),
                reason,
            })?;
        let client = self.client.clone();
        let timeout = self.timeout;
        let exchange = async move {
            let answer = tokio::time::timeout(timeout, async move {
                let response = client.request(http_request).await.map_err(|e| {
                    // The top level only names the kind ("client error (Connect)"); the
                    // causes say what happened.
                    let reason = e.source().map_or_else(|| e.to_string(), one_line);
                    if e.is_connect() {
                        Failure::Connect(reason)
                    } else {
                        Failure::Exchange(reason)
                    }
                })?;
                let (parts, body) = response.into_parts();
                let body =
                    wire::read_body(body, Self::MAX_RESPONSE_BYTES, Self::MAX_RESPONSE_BYTES)
                        .await
                        .map_err(|e| {
                            Failure::Exchange(format!("reading the body: {}", one_line(&e)))
                        })?;
                if !body.complete {
                    return Err(Failure::TooLarge);
                }
                Ok(wire::from_http_response(&parts, body.bytes))
            })
            .await;
            answer.ok()
        };
        match self.runtime.wait(exchange) {
            Some(Some(Ok(response))) => Ok(response),
            Some(Some(Err(Failure::Connect(reason)))) => {
                Err(TargetError::Unreachable { url, reason })
            }
            Some(Some(Err(Failure::Exchange(reason)))) => {
                Err(TargetError::Transport { url, reason })
            }
            Some(Some(Err(Failure::TooLarge))) => Err(TargetError::Transport {
                url,
                reason: format!(
                    "the answer is larger than {} bytes",
                    Self::MAX_RESPONSE_BYTES
                ),
            }),
            Some(None) => Err(TargetError::Timeout {
                url,
                millis: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            }),
            None => Err(TargetError::Transport {
                url,
                reason: "the client task stopped before answering".to_string(),
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
            Err(other) => panic!("unexpected error for {url}: {other}"),
            Ok(_) => panic!("{url} was accepted"),
        };
        assert!(reason("https://example.test").contains("https is not supported"));
        assert!(reason("example.test:80").contains("http://"));
        assert!(reason("ftp://example.test").contains("unsupported scheme"));
        assert!(reason("http://u:p@example.test").contains("credentials"));
        assert!(reason("http://example.test/?a=b").contains("query"));
        assert!(reason("http://exa mple").contains("http://HOST:PORT"));
    }

    #[test]
    fn the_error_names_the_url() {
        let err = HttpTarget::new("https://example.test").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("invalid target URL `https://example.test`"));
    }
}
