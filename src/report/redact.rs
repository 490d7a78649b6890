//! The main type here is [`Redactor`]: it replaces every secret fixture value by `$VARIABLE`
//! in what the reports print, before anything is serialized: in text, in bytes, and in a
//! whole JSON value (strings, object keys, numbers, and bodies carried as base64).
//!
//! A secret is found however it was given (a string, a number, `true`) and however a target
//! echoed it in a form the reports decode or print: as it is, JSON-escaped (`\"`, `\\`, `\/`,
//! `\uXXXX`), percent- or form-encoded (either hex case), XML-escaped, shell-quoted, or in
//! base64 (alone or at any offset of a longer base64 text). Every length counts: a one-letter
//! secret is redacted wherever that letter appears. If in doubt, more is redacted.
//!
//! Not for: deciding what is secret (the specs mark fixtures `secret: true`).

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::spec::SpecSet;

/// Secret fixture values and the environment variable that stands for each in reproducers.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, and the index of its variable in `variables`.
    forms: Vec<(Vec<u8>, usize)>,
    variables: Vec<String>,
    matcher: Option<AhoCorasick>,
}

/// The text of a fixture value that counts as the secret: strings as they are, numbers and
/// booleans as JSON writes them, the leaves of arrays and objects each.
fn secret_texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Bool(b) => out.push(b.to_string()),
        Value::Null => {}
        Value::Array(items) => items.iter().for_each(|v| secret_texts(v, out)),
        Value::Object(map) => map.values().for_each(|v| secret_texts(v, out)),
    }
}

/// JSON string escaping, without the quotes, with `/` escaped or not and non-ASCII as
/// `\uXXXX` or not: the spellings JSON encoders use.
fn json_escapes(secret: &str) -> Vec<String> {
    let plain = serde_json::to_string(secret).unwrap_or_default();
    let plain = plain[1..plain.len().saturating_sub(1).max(1)].to_string();
    let mut ascii = String::new();
    for c in secret.chars() {
        match c {
            '"' => ascii.push_str("\\\""),
            '\\' => ascii.push_str("\\\\"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    ascii.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => ascii.push(c),
        }
    }
    let upper_hex = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("\\u") {
            out.push_str(&rest[..i + 2]);
            let hex: String = rest[i + 2..].chars().take(4).collect();
            out.push_str(&hex.to_uppercase());
            rest = &rest[i + 2 + hex.len()..];
        }
        out.push_str(rest);
        out
    };
    let quoted_as_unicode = secret.replace('"', "\\u0022").replace('\\', "\\u005c");
    let mut v = vec![
        plain.clone(),
        plain.replace('/', "\\/"),
        ascii.clone(),
        ascii.replace('/', "\\/"),
        upper_hex(&ascii),
        quoted_as_unicode,
    ];
    // A JSON text inside a JSON string (a body quoted in a report) escapes twice.
    if let Ok(twice) = serde_json::to_string(&plain) {
        v.push(twice[1..twice.len() - 1].to_string());
    }
    v
}

/// Percent- and form-encoded spellings, in either hex case.
fn url_encodings(secret: &str) -> Vec<String> {
    let upper = crate::target::percent_encode(secret);
    let lower = {
        let mut out = String::new();
        let mut chars = upper.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                for _ in 0..2 {
                    if let Some(h) = chars.next() {
                        out.push(h.to_ascii_lowercase());
                    }
                }
            }
        }
        out
    };
    vec![
        upper.replace("%20", "+"),
        lower.replace("%20", "+"),
        upper,
        lower,
    ]
}

fn xml_escape(secret: &str) -> Vec<String> {
    let named = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    let numeric = secret
        .replace('&', "&#38;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    vec![named, numeric]
}

/// `text` escaped for a double-quoted shell word (the reproducers' spelling): `"`, `\\` and
/// `` ` `` get a backslash, a line feed becomes `\\n`; `$` stays live for `$VARIABLE`s.
pub(crate) fn shell_escape(secret: &str) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        match c {
            '"' | '\\' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Base64 of the secret in the standard and URL-safe alphabets, with and without padding, and
/// the part of it that stays the same at each offset inside a longer base64 text.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut v = Vec::new();
    for engine in [&STANDARD, &URL_SAFE] {
        v.push(engine.encode(secret));
    }
    for (offset, engine) in [(0usize, &STANDARD_NO_PAD), (0, &URL_SAFE_NO_PAD)]
        .into_iter()
        .chain(
            [1usize, 2]
                .into_iter()
                .flat_map(|o| [(o, &STANDARD_NO_PAD), (o, &URL_SAFE_NO_PAD)]),
        )
    {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret);
        let text = engine.encode(&bytes);
        // Characters that mix the secret with its neighbours are dropped at both ends.
        let skip = if offset == 0 {
            0
        } else {
            (offset * 8).div_ceil(6)
        };
        let keep = (bytes.len() * 8) / 6;
        if keep > skip && keep - skip >= 4 {
            v.push(text[skip..keep].to_string());
        }
    }
    v
}

/// Every spelling of `secret` that is redacted.
fn forms(secret: &str) -> Vec<String> {
    let mut v = vec![secret.to_string()];
    v.extend(json_escapes(secret));
    v.extend(url_encodings(secret));
    v.extend(xml_escape(secret));
    v.push(shell_escape(secret));
    v.extend(base64_forms(secret.as_bytes()));
    v.retain(|f| !f.is_empty());
    v.sort();
    v.dedup();
    v
}

impl Redactor {
    /// The secrets of every fixture a spec marks `secret: true`, with the values in use.
    pub fn new(set: &SpecSet, fixtures: &Map<String, Value>) -> Self {
        let mut secrets = Vec::new();
        for loaded in &set.specs {
            for f in loaded.spec.vendor.fixtures.iter().filter(|f| f.secret) {
                if let Some(value) = fixtures.get(&f.name) {
                    let var = super::run::secret_variable(&f.name);
                    let mut texts = Vec::new();
                    secret_texts(value, &mut texts);
                    secrets.extend(texts.into_iter().map(|t| (t, var.clone())));
                }
            }
        }
        Self::from_secrets(secrets)
    }

    /// A redactor for `(secret, VARIABLE)` pairs.
    pub fn from_secrets(secrets: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut variables: Vec<String> = Vec::new();
        let mut forms_out: Vec<(Vec<u8>, usize)> = Vec::new();
        for (secret, var) in secrets {
            if secret.is_empty() {
                continue;
            }
            let index = match variables.iter().position(|v| *v == var) {
                Some(i) => i,
                None => {
                    variables.push(var);
                    variables.len() - 1
                }
            };
            for form in forms(&secret) {
                if !forms_out.iter().any(|(f, _)| f == form.as_bytes()) {
                    forms_out.push((form.into_bytes(), index));
                }
            }
        }
        let matcher = if forms_out.is_empty() {
            None
        } else {
            // Leftmost-longest: a secret that contains another is replaced whole.
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(forms_out.iter().map(|(f, _)| f))
                .ok()
        };
        Redactor {
            forms: forms_out,
            variables,
            matcher,
        }
    }

    /// Whether there is anything to redact.
    fn has_secrets(&self) -> bool {
        !self.forms.is_empty()
    }

    /// `bytes` with every spelling of every secret replaced by `$VARIABLE`.
    pub fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        if !self.has_secrets() {
            return bytes.to_vec();
        }
        let Some(matcher) = &self.matcher else {
            // The matcher could not be built: fail closed, nothing of the text is shown.
            return b"[redacted]".to_vec();
        };
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        for m in matcher.find_iter(bytes) {
            out.extend_from_slice(&bytes[last..m.start()]);
            out.push(b'$');
            out.extend_from_slice(self.variables[self.forms[m.pattern().as_usize()].1].as_bytes());
            last = m.end();
        }
        out.extend_from_slice(&bytes[last..]);
        out
    }

    /// `text` with every spelling of every secret replaced by `$VARIABLE`.
    pub fn redact(&self, text: &str) -> String {
        let bytes = self.redact_bytes(text.as_bytes());
        // Replacing whole UTF-8 sequences by ASCII keeps the text UTF-8; a match that cut a
        // character (a form that starts mid-character cannot exist) is shown lossily.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// A copy of a JSON value with every secret redacted in its strings and object keys, in
    /// numbers (a number that shows a secret becomes a redacted string), and inside bodies
    /// carried as `{"base64": ...}` (decoded, redacted as bytes, encoded again).
    pub fn redact_value(&self, value: &Value) -> Value {
        if !self.has_secrets() {
            return value.clone();
        }
        match value {
            Value::String(s) => Value::String(self.redact(s)),
            Value::Number(_) | Value::Bool(_) => {
                let text = value.to_string();
                let redacted = self.redact(&text);
                if redacted == text {
                    value.clone()
                } else {
                    Value::String(redacted)
                }
            }
            Value::Null => Value::Null,
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Object(map) => {
                if let (1, Some(Value::String(b64))) = (map.len(), map.get("base64")) {
                    let engine = base64::engine::general_purpose::STANDARD;
                    return match engine.decode(b64) {
                        Ok(bytes) => {
                            let mut out = Map::new();
                            out.insert(
                                "base64".into(),
                                Value::String(engine.encode(self.redact_bytes(&bytes))),
                            );
                            Value::Object(out)
                        }
                        Err(_) => Value::String(self.redact(b64)),
                    };
                }
                Value::Object(
                    map.iter()
                        .map(|(k, v)| (self.redact(k), self.redact_value(v)))
                        .collect(),
                )
            }
        }
    }

    /// A copy of any serializable value with every secret redacted, through its JSON value.
    /// `None` (never the unredacted value) when the redacted value no longer fits the type,
    /// e.g. a secret that is also a word the type spells.
    pub fn redact_serialized<T>(&self, value: &T) -> Option<T>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let value = serde_json::to_value(value).ok()?;
        serde_json::from_value(self.redact_value(&value)).ok()
    }

    /// Where secrets stand in `text`: `(start, end, VARIABLE)` of each match, leftmost-longest,
    /// in order. `None` when there are secrets but no matcher could be built (fail closed:
    /// the caller shows nothing of the text).
    pub(crate) fn spans<'r>(&'r self, text: &str) -> Option<Vec<(usize, usize, &'r str)>> {
        if !self.has_secrets() {
            return Some(Vec::new());
        }
        let matcher = self.matcher.as_ref()?;
        Some(
            matcher
                .find_iter(text.as_bytes())
                .map(|m| {
                    let var = self.variables[self.forms[m.pattern().as_usize()].1].as_str();
                    (m.start(), m.end(), var)
                })
                .collect(),
        )
    }

    /// The variables a redacted text refers to, for the line that precedes a reproducer.
    pub fn variables(&self) -> Vec<&str> {
        self.variables.iter().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redactor(secret: &str) -> Redactor {
        Redactor::from_secrets([(secret.to_string(), "TOKEN".to_string())])
    }

    #[test]
    fn every_spelling_of_a_secret_is_redacted() {
        let r = redactor("a\"b\\c/d é");
        for text in [
            "a\"b\\c/d é",
            "a\\\"b\\\\c/d é",
            "a\\\"b\\\\c\\/d \\u00e9",
            "a%22b%5Cc%2Fd%20%C3%A9",
            "a%22b%5cc%2fd+%c3%a9",
            "a&quot;b\\c/d é",
        ] {
            let out = r.redact(&format!("<{text}>"));
            assert_eq!(out, "<$TOKEN>", "{text}");
        }
    }

    #[test]
    fn short_secrets_and_numbers_are_redacted_too() {
        let r = redactor("ab");
        assert_eq!(r.redact("xaby"), "x$TOKENy");
        let r = Redactor::from_secrets([("31337".to_string(), "T".to_string())]);
        assert_eq!(
            r.redact_value(&json!({"seed": 1313370, "ok": 31337, "s": "31337"})),
            json!({"seed": "1$T0", "ok": "$T", "s": "$T"})
        );
        let r = Redactor::from_secrets([("false".to_string(), "T".to_string())]);
        assert_eq!(r.redact_value(&json!([false, true])), json!(["$T", true]));
    }

    #[test]
    fn secrets_inside_base64_bodies_are_redacted() {
        use base64::engine::general_purpose::STANDARD;
        let r = redactor("s3cret-token");
        for prefix in [&b"\xff"[..], b"\xff\xfe", b"\xff\xfe\xfd"] {
            let mut body = prefix.to_vec();
            body.extend_from_slice(b"s3cret-token\xff");
            let value = json!({"body": {"base64": STANDARD.encode(&body)}});
            let out = r.redact_value(&value);
            let decoded = STANDARD
                .decode(out["body"]["base64"].as_str().unwrap())
                .unwrap();
            assert!(!decoded.windows(12).any(|w| w == b"s3cret-token"));
            // The same base64 text seen as a plain string is redacted at every offset.
            let plain = r.redact(&STANDARD.encode(&body));
            assert!(plain.contains("$TOKEN"), "{plain}");
        }
    }

    #[test]
    fn a_typed_round_trip_that_cannot_hold_the_redaction_gives_nothing() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Typed {
            n: u64,
        }
        let r = redactor("42");
        assert!(r.redact_serialized(&Typed { n: 42 }).is_none());
    }
}
