//! The main types here are [`Request`] and [`Response`]: the plain values that cross every
//! target, in-process or over HTTP. They carry no socket and no runtime, so an in-process
//! target is a function call and a fuzz target can build them from bytes.
//!
//! Not for: parsing or judging. Generators build requests, targets answer them, checks judge
//! the answers.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

/// One HTTP request as confuzz sends it.
///
/// `path` is the path only (no query string, no scheme or host); `query` holds the decoded
/// query pairs in order. Header names are kept as given and looked up case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    #[serde(default, with = "body_text", skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<u8>,
}

/// One HTTP response as a target gives it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Response {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    #[serde(default, with = "body_text", skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<u8>,
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl Request {
    /// A request with the given method and path, no query, headers or body.
    pub fn new(method: &str, path: &str) -> Self {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            ..Default::default()
        }
    }

    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The first query value of that name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets a header, replacing any of the same name.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Removes every header of that name.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    /// Builder form of [`Request::set_header`].
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.set_header(name, value);
        self
    }

    /// Adds a query pair.
    pub fn with_query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets a bearer token.
    pub fn with_bearer(self, token: &str) -> Self {
        self.with_header("Authorization", &format!("Bearer {token}"))
    }

    /// Sets a JSON body and its content type.
    pub fn with_json(mut self, value: &serde_json::Value) -> Self {
        self.body = serde_json::to_vec(value).unwrap_or_default();
        self.set_header("Content-Type", "application/json");
        self
    }

    /// Sets raw body bytes, leaving the content type as it is.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body from pairs (RFC 3986 encoding).
    pub fn with_form(mut self, pairs: &[(String, String)]) -> Self {
        self.body = encode_form(pairs).into_bytes();
        self.set_header("Content-Type", "application/x-www-form-urlencoded");
        self
    }

    /// The decoded pairs of an `application/x-www-form-urlencoded` body (`+` is a space).
    /// Pairs whose bytes are not UTF-8 after decoding are returned lossily.
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        decode_form(&self.body)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl Response {
    /// A JSON response with `Content-Type: application/json`.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    /// A plain-text response with `Content-Type: text/plain; charset=utf-8`.
    pub fn text(status: u16, text: &str) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    /// A response with no body and no content type.
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Builder: adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy for bytes that are not UTF-8).
    pub fn text_body(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` is escaped.
pub fn percent_encode(s: &str) -> String {
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Encodes pairs as an `application/x-www-form-urlencoded` body with RFC 3986 escaping.
pub fn encode_form(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes an `application/x-www-form-urlencoded` body or query string (`+` is a space).
pub fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    let decode = |part: &[u8]| -> String {
        let replaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&replaced)
            .decode_utf8_lossy()
            .into_owned()
    };
    body.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.iter().position(|&b| b == b'=') {
            Some(i) => (decode(&part[..i]), decode(&part[i + 1..])),
            None => (decode(part), String::new()),
        })
        .collect()
}

/// Bodies serialize as text when they are UTF-8 and as `{"base64": "..."}` otherwise, so saved
/// failures stay readable and nothing is lost.
mod body_text {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Binary { base64: String },
    }

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => Repr::Text(text.to_string()).serialize(s),
            Err(_) => Repr::Binary {
                base64: base64::engine::general_purpose::STANDARD.encode(body),
            }
            .serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Text(text) => Ok(text.into_bytes()),
            Repr::Binary { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Bytes that stay literal in a path: RFC 3986 `pchar` and `/`, minus `%`, which is always
/// escaped so that a decoded path survives the round trip.
const PATH_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// The request's path and query as they go on the wire (the HTTP target and `curl`
/// reproducers alike), after `base_path` (which is used
/// as given: it comes from a URL and is already encoded).
pub fn path_and_query(request: &Request, base_path: &str) -> String {
    let mut out = String::from(base_path);
    if !request.path.starts_with('/') {
        out.push('/');
    }
    out.extend(utf8_percent_encode(&request.path, PATH_ESCAPE));
    if !request.query.is_empty() {
        out.push('?');
        out.push_str(&encode_form(&request.query));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_round_trip_keeps_reserved_characters() {
        let pairs = vec![
            ("a b".to_string(), "x&y=z!*'()".to_string()),
            ("ü".to_string(), String::new()),
        ];
        let encoded = encode_form(&pairs);
        assert_eq!(encoded, "a%20b=x%26y%3Dz%21%2A%27%28%29&%C3%BC=");
        assert_eq!(decode_form(encoded.as_bytes()), pairs);
        assert_eq!(decode_form(b"a+b=c+d"), vec![("a b".into(), "c d".into())]);
    }

    #[test]
    fn binary_bodies_survive_serialization() {
        let req = Request::new("POST", "/x").with_body(vec![0xff, 0xfe, b'a']);
        let text = serde_json::to_string(&req).unwrap();
        assert!(text.contains("base64"));
        let back: Request = serde_json::from_str(&text).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn headers_are_case_insensitive() {
        let mut req = Request::new("GET", "/").with_header("X-A", "1");
        assert_eq!(req.header("x-a"), Some("1"));
        req.set_header("x-a", "2");
        assert_eq!(req.headers.len(), 1);
        assert_eq!(req.header("X-A"), Some("2"));
    }
}
