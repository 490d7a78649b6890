//! The main type here is [`TowerTarget`]: a [`Target`] that hands each request to an
//! in-process `tower_service::Service` (an axum `Router`, a hyper service, any tower stack)
//! without a socket, driving it on a runtime the target owns.
//!
//! Requests and answers go through the same conversions as the HTTP target, so a service
//! sees what it would see behind `confuzz serve`, except for what a real connection adds
//! (`Host` unless the request has one; `Content-Length` is added for non-empty bodies).
//!
//! Not for: services that need a peer address or connection info; run those behind a real
//! server and use the HTTP target.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_LENGTH};
use http_body::Body;
use http_body_util::Full;
use tower_service::Service;

use super::http::HttpTarget;
use super::runtime::BackgroundRuntime;
use super::wire;
use super::{Request, Response, Target, TargetError};

/// Answers larger than this are reported as a transport error.
const MAX_RESPONSE_BYTES: usize = HttpTarget::MAX_RESPONSE_BYTES;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A target made of a `tower_service::Service` over `http` requests with a
/// [`Full<Bytes>`](http_body_util::Full) body.
///
/// The service is cloned for every request (tower services are cheap handles), made ready,
/// called, and its whole answer body read, all within the timeout (default
/// [`HttpTarget::DEFAULT_TIMEOUT`]). A service error, a body error or a panic in the service becomes
/// [`TargetError::Transport`]; running out of time becomes [`TargetError::Timeout`].
///
/// # Example
///
/// With axum (a dependency of the embedding crate, not of confuzz):
///
/// ```text
/// let app = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
/// let target = confuzz::target::TowerTarget::new(app)?.named("my app");
/// let response = target.send(&confuzz::Request::new("GET", "/ping"))?;
/// assert_eq!(response.text_body(), "pong");
/// ```
///
/// The same with a hand-written service:
///
/// ```
/// use std::convert::Infallible;
/// use std::future::{ready, Ready};
/// use std::task::{Context, Poll};
///
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use confuzz::target::{Request, Target, TowerTarget};
///
/// #[derive(Clone)]
/// struct Ping;
///
/// impl tower_service::Service<http::Request<Full<Bytes>>> for Ping {
///     type Response = http::Response<Full<Bytes>>;
///     type Error = Infallible;
///     type Future = Ready<Result<Self::Response, Infallible>>;
///
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
///         Poll::Ready(Ok(()))
///     }
///
///     fn call(&mut self, request: http::Request<Full<Bytes>>) -> Self::Future {
///         let status = if request.uri().path() == "/ping" { 200 } else { 404 };
///         let mut response = http::Response::new(Full::new(Bytes::from_static(b"pong")));
///         *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
///         ready(Ok(response))
///     }
/// }
///
/// let target = TowerTarget::new(Ping)?.named("ping service");
/// let response = target.send(&Request::new("GET", "/ping"))?;
/// assert_eq!((response.status, response.text_body().as_str()), (200, "pong"));
/// assert_eq!(target.send(&Request::new("GET", "/other"))?.status, 404);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TowerTarget<S> {
    service: S,
    name: String,
    timeout: Duration,
    runtime: BackgroundRuntime,
}

impl<S> TowerTarget<S> {
    /// Wraps `service`. Fails only when the runtime that drives it cannot start.
    pub fn new(service: S) -> std::io::Result<Self> {
        Ok(TowerTarget {
            service,
            name: "tower service".to_string(),
            timeout: HttpTarget::DEFAULT_TIMEOUT,
            runtime: BackgroundRuntime::new("confuzz-tower")?,
        })
    }

    /// Sets the name used in reports.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets how long one request may take, answer body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl<S, B> Target for TowerTarget<S>
where
    S: Service<http::Request<Full<Bytes>>, Response = http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let uri = wire::path_and_query(request, "");
        let url = format!("{}{}", self.name, uri);
        let mut http_request =
            wire::to_http_request(request, &uri).map_err(|reason| TargetError::Unsendable {
                url: url.clone(),
                reason,
            })?;
        if !request.body.is_empty() {
            http_request
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(request.body.len()));
        }
        let mut service = self.service.clone();
        let timeout = self.timeout;
        let exchange = async move {
            tokio::time::timeout(timeout, async move {
                std::future::poll_fn(|cx| service.poll_ready(cx))
                    .await
                    .map_err(|e| format!("the service is not ready: {}", e.into()))?;
                let response = service
                    .call(http_request)
                    .await
                    .map_err(|e| format!("the service failed: {}", e.into()))?;
                let (parts, body) = response.into_parts();
                let body = wire::read_body(body, MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES)
                    .await
                    .map_err(|e| format!("reading the body: {}", e.into()))?;
                if !body.complete {
                    return Err(format!(
                        "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
                    ));
                }
                Ok(wire::from_http_response(&parts, body.bytes))
            })
            .await
            .ok()
        };
        match self.runtime.wait(exchange) {
            Some(Some(Ok(response))) => Ok(response),
            Some(Some(Err(reason))) => Err(TargetError::Transport { url, reason }),
            Some(None) => Err(TargetError::Timeout {
                url,
                millis: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            }),
            None => Err(TargetError::Transport {
                url,
                reason: "the service panicked".to_string(),
            }),
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

impl<S> fmt::Debug for TowerTarget<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TowerTarget")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;

    /// Echoes the method, path, query, headers and body back as the body, one per line.
    #[derive(Clone)]
    struct Echo;

    impl Service<http::Request<Full<Bytes>>> for Echo {
        type Response = http::Response<Full<Bytes>>;
        type Error = std::io::Error;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: http::Request<Full<Bytes>>) -> Self::Future {
            Box::pin(async move {
                let (parts, body) = request.into_parts();
                match parts.uri.path() {
                    "/fail" => return Err(std::io::Error::other("refused")),
                    "/panic" => panic!("the service panicked on purpose"),
                    "/slow" => tokio::time::sleep(Duration::from_secs(5)).await,
                    _ => {}
                }
                let body = wire::read_body(body, 1024, 1024).await.unwrap();
                let request = wire::from_http_request(&parts, body.bytes);
                let text = serde_json::to_vec(&request).unwrap();
                Ok(http::Response::new(Full::new(Bytes::from(text))))
            })
        }
    }

    #[test]
    fn requests_reach_the_service_unchanged() {
        let target = TowerTarget::new(Echo).unwrap();
        let request = Request::new("POST", "/a b")
            .with_query("q", "1&2")
            .with_json(&serde_json::json!({"x": 1}));
        let response = target.send(&request).unwrap();
        let seen: Request = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(seen.path, "/a b");
        assert_eq!(seen.query, request.query);
        assert_eq!(seen.body, request.body);
        assert_eq!(seen.header("content-length"), Some("7"));
        assert_eq!(seen.header("content-type"), Some("application/json"));
    }

    #[test]
    fn failures_are_target_errors() {
        let target = TowerTarget::new(Echo)
            .unwrap()
            .named("echo")
            .timeout(Duration::from_millis(50));
        let err = target.send(&Request::new("GET", "/fail")).unwrap_err();
        assert!(
            matches!(&err, TargetError::Transport { reason, .. } if reason.contains("refused"))
        );
        let err = target.send(&Request::new("GET", "/panic")).unwrap_err();
        assert!(
            matches!(&err, TargetError::Transport { reason, .. } if reason.contains("panicked"))
        );
        let err = target.send(&Request::new("GET", "/slow")).unwrap_err();
        assert_eq!(
            err,
            TargetError::Timeout {
                url: "echo/slow".to_string(),
                millis: 50
            }
        );
        assert_eq!(target.describe(), "echo");
    }
}
