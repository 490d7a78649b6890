//! The byte formats of the fuzz inputs: a small, invertible encoding on top of
//! [`arbitrary::Unstructured`], so that the seed generator can write an input that decodes to
//! exactly the request it built, and libFuzzer's mutations of a field stay within that field.
//!
//! Every value is read from the front: an integer as little-endian bytes (missing bytes read
//! as 0), a string or byte string as a `u16` little-endian length and then that many bytes (fewer
//! when the input ends first; strings are decoded lossily as UTF-8). Decoding never fails:
//! an exhausted input reads as zeros and empty strings, so every byte string is some input.

use arbitrary::{Arbitrary, Unstructured};

use crate::target::{Request, Response};

/// At most this many requests in one reference script (setup steps included).
pub const MAX_REQUESTS: usize = 24;
/// At most this many query pairs, headers or OAuth parameters in one decoded value.
pub const MAX_PAIRS: usize = 32;

/// Reads the encoding described in the module documentation.
pub struct Reader<'a> {
    u: Unstructured<'a>,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader {
            u: Unstructured::new(data),
        }
    }

    pub fn u8(&mut self) -> u8 {
        u8::arbitrary(&mut self.u).unwrap_or(0)
    }

    pub fn u16(&mut self) -> u16 {
        u16::arbitrary(&mut self.u).unwrap_or(0)
    }

    pub fn u64(&mut self) -> u64 {
        u64::arbitrary(&mut self.u).unwrap_or(0)
    }

    pub fn bytes(&mut self) -> Vec<u8> {
        let len = usize::from(self.u16()).min(self.u.len());
        self.u.bytes(len).map(<[u8]>::to_vec).unwrap_or_default()
    }

    pub fn string(&mut self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// A count byte (capped at [`MAX_PAIRS`]) and that many string pairs.
    pub fn pairs(&mut self) -> Vec<(String, String)> {
        let n = usize::from(self.u8()).min(MAX_PAIRS);
        (0..n).map(|_| (self.string(), self.string())).collect()
    }

    /// Everything not read yet.
    pub fn rest(self) -> Vec<u8> {
        self.u.take_rest().to_vec()
    }

    pub fn is_empty(&self) -> bool {
        self.u.is_empty()
    }
}

/// Writes what [`Reader`] reads.
#[derive(Default)]
pub struct Writer {
    pub out: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.out.push(v);
        self
    }

    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.out.extend(v.to_le_bytes());
        self
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.out.extend(v.to_le_bytes());
        self
    }

    /// A byte string, cut at `u16::MAX` bytes.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        let v = &v[..v.len().min(usize::from(u16::MAX))];
        self.u16(v.len() as u16);
        self.out.extend(v);
        self
    }

    pub fn string(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }

    pub fn pairs(&mut self, pairs: &[(String, String)]) -> &mut Self {
        let pairs = &pairs[..pairs.len().min(MAX_PAIRS)];
        self.u8(pairs.len() as u8);
        for (k, v) in pairs {
            self.string(k).string(v);
        }
        self
    }
}

/// The flags of one scripted request.
pub mod flags {
    /// Re-sign the request with OAuth 1.0a before sending (vendors whose auth is `oauth1`),
    /// so that mutations of a signed request get past the signature check.
    pub const SIGN: u8 = 1;
    /// When re-signing, set `oauth_timestamp` to the current time.
    pub const FRESH_TIMESTAMP: u8 = 2;
    /// The other bits (`flags >> SECRET_SHIFT`) pick the signing secret: the index into the
    /// vendor's string fixture values, in fixture-name order.
    pub const SECRET_SHIFT: u32 = 2;
}

/// One request of a reference script, before signing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScriptedRequest {
    pub flags: u8,
    pub request: Request,
}

/// A sequence of requests sent to one fresh reference (setup steps, then the request under
/// test).
pub fn decode_script(data: &[u8]) -> Vec<ScriptedRequest> {
    let mut r = Reader::new(data);
    let n = usize::from(r.u8()).clamp(1, MAX_REQUESTS);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let flags = r.u8();
        let mut request = Request::new(&r.string(), &r.string());
        request.query = r.pairs();
        request.headers = r.pairs();
        request.body = r.bytes();
        out.push(ScriptedRequest { flags, request });
        if r.is_empty() {
            break;
        }
    }
    out
}

pub fn encode_script(script: &[ScriptedRequest]) -> Vec<u8> {
    let script = &script[..script.len().min(MAX_REQUESTS)];
    let mut w = Writer::default();
    w.u8(script.len() as u8);
    for s in script {
        w.u8(s.flags)
            .string(&s.request.method)
            .string(&s.request.path)
            .pairs(&s.request.query)
            .pairs(&s.request.headers)
            .bytes(&s.request.body);
    }
    w.out
}

/// Back-references: a scripted request may name a value from an earlier answer of the same
/// script as `@@<n>;` (the `n`-th captured value, counting from 0), so that scripts reach
/// entities whose ids the target chose (random ids included). Captured, in order: each
/// answer's `Location` header, then every string in its JSON body (depth first, in document
/// order), at most [`MAX_CAPTURES`] in all.
pub const MAX_CAPTURES: usize = 256;

/// Adds what an answer offers for back-references to `captured`.
pub fn capture(response: &Response, captured: &mut Vec<String>) {
    fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    if let Some(location) = response.header("Location") {
        captured.push(location.to_string());
    }
    if let Some(json) = response.json_body() {
        strings(&json, captured);
    }
    captured.truncate(MAX_CAPTURES);
}

/// `data` with every `@@<n>;` naming a captured value replaced by it (others stay as they are).
pub fn resolve_bytes(data: &[u8], captured: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(b"@@") {
            let digits = data[i + 2..]
                .iter()
                .take(4)
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = i + 2 + digits;
            if digits > 0 && data.get(end) == Some(&b';') {
                let n: usize = std::str::from_utf8(&data[i + 2..end])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(usize::MAX);
                if let Some(value) = captured.get(n) {
                    out.extend(value.as_bytes());
                    i = end + 1;
                    continue;
                }
            }
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

fn resolve_string(text: &str, captured: &[String]) -> String {
    if !text.contains("@@") {
        return text.to_string();
    }
    String::from_utf8_lossy(&resolve_bytes(text.as_bytes(), captured)).into_owned()
}

/// The request with its back-references resolved (path, query, header values, body).
pub fn resolve(request: &Request, captured: &[String]) -> Request {
    let mut out = request.clone();
    out.path = resolve_string(&request.path, captured);
    for (k, v) in out.query.iter_mut() {
        *k = resolve_string(k, captured);
        *v = resolve_string(v, captured);
    }
    for (_, v) in out.headers.iter_mut() {
        *v = resolve_string(v, captured);
    }
    if request.body.windows(2).any(|w| w == b"@@") {
        out.body = resolve_bytes(&request.body, captured);
    }
    out
}

/// The inverse for the seed generator: captured values of at least `min_len` characters
/// found in the request are written as back-references (longest first).
pub fn abstract_request(request: &Request, captured: &[String], min_len: usize) -> Request {
    let mut order: Vec<(usize, &String)> = captured
        .iter()
        .enumerate()
        .filter(|(_, v)| v.len() >= min_len && !v.contains("@@"))
        .collect();
    order.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    // The first index of each value wins, so equal values name one reference.
    let mut seen = std::collections::BTreeSet::new();
    order.retain(|(_, v)| seen.insert(v.as_str()));
    let swap = |text: &str| {
        let mut text = text.to_string();
        for (n, value) in &order {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), &format!("@@{n};"));
            }
        }
        text
    };
    let mut out = request.clone();
    out.path = swap(&request.path);
    for (_, v) in out.query.iter_mut() {
        *v = swap(v);
    }
    for (_, v) in out.headers.iter_mut() {
        *v = swap(v);
    }
    if let Ok(body) = std::str::from_utf8(&request.body) {
        out.body = swap(body).into_bytes();
    }
    out
}

/// An answer for the oracle target: which vendor and row to judge it against, and the answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OracleInput {
    pub vendor: u8,
    pub row: u16,
    pub response: Response,
}

pub fn decode_oracle(data: &[u8]) -> OracleInput {
    let mut r = Reader::new(data);
    let vendor = r.u8();
    let row = r.u16();
    let status = r.u16();
    let headers = r.pairs();
    let body = r.rest();
    OracleInput {
        vendor,
        row,
        response: Response {
            status,
            headers,
            body,
        },
    }
}

pub fn encode_oracle(input: &OracleInput) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(input.vendor)
        .u16(input.row)
        .u16(input.response.status)
        .pairs(&input.response.headers);
    w.out.extend(&input.response.body);
    w.out
}

/// A message template and the values to render it with, one per placeholder in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateInput {
    pub template: String,
    pub values: Vec<String>,
    /// Text matched against the compiled template as it is (a message from a log).
    pub observed: String,
}

pub fn decode_template(data: &[u8]) -> TemplateInput {
    let mut r = Reader::new(data);
    let template = r.string();
    let n = usize::from(r.u8()).min(MAX_PAIRS);
    let values = (0..n).map(|_| r.string()).collect();
    let observed = r.string();
    TemplateInput {
        template,
        values,
        observed,
    }
}

pub fn encode_template(input: &TemplateInput) -> Vec<u8> {
    let mut w = Writer::default();
    w.string(&input.template);
    let values = &input.values[..input.values.len().min(MAX_PAIRS)];
    w.u8(values.len() as u8);
    for v in values {
        w.string(v);
    }
    w.string(&input.observed);
    w.out
}

/// The parts of an OAuth 1.0a signing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OauthInput {
    pub method: String,
    pub url: String,
    pub params: Vec<(String, String)>,
    pub consumer_key: String,
    pub consumer_secret: String,
    pub other_secret: String,
    pub nonce: String,
    pub timestamp: u64,
}

pub fn decode_oauth(data: &[u8]) -> OauthInput {
    let mut r = Reader::new(data);
    OauthInput {
        method: r.string(),
        url: r.string(),
        params: r.pairs(),
        consumer_key: r.string(),
        consumer_secret: r.string(),
        other_secret: r.string(),
        nonce: r.string(),
        timestamp: r.u64(),
    }
}

pub fn encode_oauth(input: &OauthInput) -> Vec<u8> {
    let mut w = Writer::default();
    w.string(&input.method)
        .string(&input.url)
        .pairs(&input.params)
        .string(&input.consumer_key)
        .string(&input.consumer_secret)
        .string(&input.other_secret)
        .string(&input.nonce)
        .u64(input.timestamp);
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn scripts_round_trip() {
        let mut a = Request::new("POST", "/v3.1/sections/x/assignments");
        a.headers = pairs(&[
            ("Authorization", "Bearer t"),
            ("Content-Type", "application/json"),
        ]);
        a.query = pairs(&[("limit", "3")]);
        a.body = br#"{"title":"t\u00e9"}"#.to_vec();
        let script = vec![
            ScriptedRequest {
                flags: 0,
                request: a,
            },
            ScriptedRequest {
                flags: 7,
                request: Request::new("GET", "/lti"),
            },
        ];
        assert_eq!(decode_script(&encode_script(&script)), script);
    }

    #[test]
    fn other_inputs_round_trip() {
        let oracle = OracleInput {
            vendor: 2,
            row: 300,
            response: Response {
                status: 404,
                headers: pairs(&[("content-type", "application/json")]),
                body: b"{\"message\":\"x\"}".to_vec(),
            },
        };
        assert_eq!(decode_oracle(&encode_oracle(&oracle)), oracle);
        let template = TemplateInput {
            template: "Invalid timezone: ${timeZone}.".into(),
            values: vec!["Mars/Olympus".into()],
            observed: "Invalid timezone: x.".into(),
        };
        assert_eq!(decode_template(&encode_template(&template)), template);
        let oauth = OauthInput {
            method: "POST".into(),
            url: "http://localhost/lti/launch".into(),
            params: pairs(&[("lti_version", "LTI-1p0")]),
            consumer_key: "k".into(),
            consumer_secret: "s".into(),
            other_secret: "t".into(),
            nonce: "n".into(),
            timestamp: 1_700_000_000,
        };
        assert_eq!(decode_oauth(&encode_oauth(&oauth)), oauth);
    }

    #[test]
    fn back_references_resolve_to_captured_values() {
        let answer = Response::json(
            201,
            &serde_json::json!({"data": {"id": "8f708b63-85b1-4815-b327-d66b5138503b"}}),
        )
        .with_header("Location", "/classes/7");
        let mut captured = Vec::new();
        capture(&answer, &mut captured);
        assert_eq!(
            captured,
            ["/classes/7", "8f708b63-85b1-4815-b327-d66b5138503b"]
        );
        let sent = Request::new(
            "DELETE",
            "/v3.1/assignments/8f708b63-85b1-4815-b327-d66b5138503b",
        )
        .with_body(b"{\"a\":\"8f708b63-85b1-4815-b327-d66b5138503b\"}".to_vec());
        let abstracted = abstract_request(&sent, &captured, 8);
        assert_eq!(abstracted.path, "/v3.1/assignments/@@1;");
        assert_eq!(abstracted.body, b"{\"a\":\"@@1;\"}");
        assert_eq!(resolve(&abstracted, &captured), sent);
        // Unknown or malformed references stay as they are.
        assert_eq!(resolve_bytes(b"@@9; @@x; @@1", &captured), b"@@9; @@x; @@1");
    }

    #[test]
    fn any_bytes_decode() {
        for data in [
            &b""[..],
            b"\xff",
            b"\x05\x00\xff\xff",
            b"\x01\x01\x04\x00POST",
        ] {
            assert!(!decode_script(data).is_empty());
            let _ = decode_oracle(data);
            let _ = decode_template(data);
            let _ = decode_oauth(data);
        }
    }
}
