//! Conversions between the plain [`Request`]/[`Response`] values and the `http` crate's types,
//! shared by the HTTP target, the tower target and the server, so that a request crosses any of
//! them unchanged.
//!
//! The rules, in one place:
//! - `Request::path` is the decoded path. On the way out every byte that may not appear
//!   literally in a path (including `%`) is percent-encoded; on the way in the path is
//!   percent-decoded (lossily for bytes that are not UTF-8). A path that does not start with
//!   `/` gets one.
//! - Query pairs are encoded with [`percent_encode`] and decoded with [`decode_form`].
//! - Headers keep their order (the values of a repeated name are grouped with its first
//!   occurrence, as `http::HeaderMap` stores them). Values go out as raw bytes and come back
//!   lossily. `Content-Length` and `Transfer-Encoding` are never copied: the framing is
//!   always computed from the body itself.
//! - Bodies are raw bytes.
//!
//! Not for: sockets, timeouts or routing.

use bytes::{Buf, Bytes};
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{Method, StatusCode, Uri};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use percent_encoding::percent_decode_str;

use super::{decode_form, Request, Response};

pub(crate) use super::message::path_and_query;

/// Builds an `http::Request` for `uri` from the request's method, headers and body.
///
/// Fails, with a reason that reads after "cannot send the request: ", when the method or a
/// header cannot be expressed in HTTP.
pub(crate) fn to_http_request(
    request: &Request,
    uri: &str,
) -> Result<http::Request<Full<Bytes>>, String> {
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("method `{}` is not a valid HTTP method", request.method))?;
    let uri: Uri = uri
        .parse()
        .map_err(|e| format!("`{uri}` is not a valid request URI: {e}"))?;
    let mut out = http::Request::new(Full::new(Bytes::from(request.body.clone())));
    *out.method_mut() = method;
    *out.uri_mut() = uri;
    for (name, value) in &request.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header name `{name}` is not valid in HTTP"))?;
        if header == CONTENT_LENGTH || header == TRANSFER_ENCODING {
            continue;
        }
        let value = HeaderValue::from_bytes(value.as_bytes())
            .map_err(|_| format!("the value of header `{name}` is not valid in HTTP"))?;
        out.headers_mut().append(header, value);
    }
    Ok(out)
}

/// The request value of an incoming `http` request whose body was already read.
pub(crate) fn from_http_request(parts: &http::request::Parts, body: Vec<u8>) -> Request {
    Request {
        method: parts.method.as_str().to_string(),
        path: percent_decode_str(parts.uri.path())
            .decode_utf8_lossy()
            .into_owned(),
        query: parts
            .uri
            .query()
            .map(|q| decode_form(q.as_bytes()))
            .unwrap_or_default(),
        headers: header_pairs(&parts.headers),
        body,
    }
}

/// The response value of an `http` response whose body was already read.
pub(crate) fn from_http_response(parts: &http::response::Parts, body: Vec<u8>) -> Response {
    Response {
        status: parts.status.as_u16(),
        headers: header_pairs(&parts.headers),
        body,
    }
}

/// Builds an `http::Response` from a response value.
///
/// Fails, with a reason, when the status or a header cannot be expressed in HTTP.
pub(crate) fn to_http_response(response: &Response) -> Result<http::Response<Full<Bytes>>, String> {
    let status = StatusCode::from_u16(response.status)
        .map_err(|_| format!("status {} is not a valid HTTP status", response.status))?;
    let mut out = http::Response::new(Full::new(Bytes::from(response.body.clone())));
    *out.status_mut() = status;
    for (name, value) in &response.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header name `{name}` is not valid in HTTP"))?;
        if header == CONTENT_LENGTH || header == TRANSFER_ENCODING {
            continue;
        }
        let value = HeaderValue::from_bytes(value.as_bytes())
            .map_err(|_| format!("the value of header `{name}` is not valid in HTTP"))?;
        out.headers_mut().append(header, value);
    }
    Ok(out)
}

fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A body read up to a limit.
pub(crate) struct ReadBody {
    /// The first bytes of the body, at most the `keep` given to [`read_body`].
    pub bytes: Vec<u8>,
    /// Whether the body ended; `false` when reading stopped after `drain` bytes.
    pub complete: bool,
}

/// Reads a body, keeping its first `keep` bytes and reading (and dropping) the rest until the
/// body ends or more than `drain` bytes were seen in all.
///
/// Draining a little past the kept part lets a peer that sent a slightly oversized body
/// finish writing and read the answer; stopping at `drain` bounds the work a hostile peer can
/// cause. Callers put a timeout around it: that bounds the number of frames too.
pub(crate) async fn read_body<B>(body: B, keep: usize, drain: usize) -> Result<ReadBody, B::Error>
where
    B: Body,
{
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.as_mut().frame().await {
        let Ok(mut data) = frame?.into_data() else {
            // Trailers carry no body bytes.
            continue;
        };
        // Each turn consumes a non-empty chunk, so this ends after `remaining` bytes.
        while data.has_remaining() {
            let chunk = data.chunk();
            let len = chunk.len();
            if bytes.len() < keep {
                let room = keep - bytes.len();
                bytes.extend_from_slice(&chunk[..len.min(room)]);
            }
            seen = seen.saturating_add(len);
            data.advance(len);
        }
        if seen > drain {
            return Ok(ReadBody {
                bytes,
                complete: false,
            });
        }
    }
    Ok(ReadBody {
        bytes,
        complete: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(request: &Request) -> Request {
        let wire = path_and_query(request, "");
        let http = to_http_request(request, &format!("http://h{wire}")).unwrap();
        let (parts, _) = http.into_parts();
        from_http_request(&parts, request.body.clone())
    }

    #[test]
    fn paths_and_queries_survive_the_round_trip() {
        let request = Request::new("GET", "/a b/ü/%2F/x?y#z/+;=")
            .with_query("q", "a+b &=ü")
            .with_query("empty", "");
        let wire = path_and_query(&request, "/base");
        assert_eq!(
            wire,
            "/base/a%20b/%C3%BC/%252F/x%3Fy%23z/+;=?q=a%2Bb%20%26%3D%C3%BC&empty="
        );
        let back = round_trip(&request);
        assert_eq!(back.path, request.path);
        assert_eq!(back.query, request.query);
    }

    #[test]
    fn a_path_without_a_leading_slash_gets_one() {
        assert_eq!(path_and_query(&Request::new("GET", ""), ""), "/");
        assert_eq!(path_and_query(&Request::new("GET", "x"), "/b"), "/b/x");
    }

    #[test]
    fn headers_keep_their_order_and_framing_headers_are_dropped() {
        let request = Request::new("POST", "/")
            .with_header("X-B", "2")
            .with_header("X-A", "1")
            .with_header("Content-Length", "999")
            .with_header("X-Utf8", "café");
        let back = round_trip(&request);
        assert_eq!(
            back.headers,
            vec![
                ("x-b".to_string(), "2".to_string()),
                ("x-a".to_string(), "1".to_string()),
                ("x-utf8".to_string(), "café".to_string()),
            ]
        );
    }

    #[test]
    fn unsendable_requests_are_reasons_not_panics() {
        let bad_method = Request::new("GE T", "/");
        assert!(to_http_request(&bad_method, "http://h/")
            .unwrap_err()
            .contains("method"));
        let bad_header = Request::new("GET", "/").with_header("X\nY", "1");
        assert!(to_http_request(&bad_header, "http://h/")
            .unwrap_err()
            .contains("header name"));
        let bad_value = Request::new("GET", "/").with_header("X", "a\r\nb");
        assert!(to_http_request(&bad_value, "http://h/")
            .unwrap_err()
            .contains("value"));
        assert!(to_http_response(&Response::empty(42))
            .unwrap_err()
            .contains("status 42"));
    }
}
