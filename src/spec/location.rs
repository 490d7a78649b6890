//! The main type here is [`Location`]: a place in a request (`/a/b`, `body:/a/b`, `form:a`,
//! `query:a`, `header:A`, `path:a`), parsed once when a spec loads so that the generator, the
//! oracle and the properties never split location strings themselves. [`SaveFrom`] is where a
//! step's saved variable comes from (`request:LOCATION`, `response:/pointer`,
//! `response.header:NAME`).
//!
//! Not for: reading or writing a value at a location (`generate::Draft`, `check::CaseRecord`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A place in a request. Written in a spec as `/a/b` (a body pointer), `body:/a/b`, `form:a`,
/// `query:a`, `header:A` or `path:a`; displayed in the same spelling (a body pointer bare).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Location {
    /// A JSON pointer into the body; for a form body its text after `/` names the field.
    Body(String),
    /// A field of a form body.
    Form(String),
    /// A query parameter.
    Query(String),
    /// A header (names compare without case).
    Header(String),
    /// A path parameter (`{name}` in the endpoint's path).
    Path(String),
}

/// A location that is not one of the forms a spec may write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a location: write `/pointer`, or `body:`, `form:`, `query:`, `header:` or `path:` followed by a name")]
pub struct LocationError {
    /// The text that did not parse.
    pub text: String,
}

impl Location {
    /// The name after the part: the pointer of a body location, the name of the others.
    pub fn name(&self) -> &str {
        match self {
            Location::Body(n)
            | Location::Form(n)
            | Location::Query(n)
            | Location::Header(n)
            | Location::Path(n) => n,
        }
    }

    /// The field a body or form location names (`/title`, `body:/a/title`, `form:title`:
    /// `title`); for other parts, the name.
    pub fn field(&self) -> &str {
        match self {
            Location::Body(p) => p.rsplit('/').next().unwrap_or(p),
            other => other.name(),
        }
    }

    /// The body or form field at the top of this location (`/a/b` and `form:a`: `a`), as a form
    /// body names its fields; `None` for other parts.
    pub fn form_field(&self) -> Option<&str> {
        match self {
            Location::Body(p) => Some(p.trim_start_matches('/')),
            Location::Form(n) => Some(n),
            _ => None,
        }
    }

    /// One spelling per place, to compare what two operators touch: a form field is the body
    /// pointer `body:/a`, a header name is lower case.
    pub fn key(&self) -> String {
        match self {
            Location::Body(p) if p.starts_with('/') => format!("body:{p}"),
            Location::Body(p) | Location::Form(p) => format!("body:/{p}"),
            Location::Query(n) => format!("query:{n}"),
            Location::Header(n) => format!("header:{}", n.to_ascii_lowercase()),
            Location::Path(n) => format!("path:{n}"),
        }
    }
}

/// Locations sort as their spelling does, so a `set:` map keeps the order of its text.
impl Ord for Location {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for Location {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with('/') {
            return Ok(Location::Body(text.to_string()));
        }
        let error = || LocationError {
            text: text.to_string(),
        };
        let (part, name) = text.split_once(':').ok_or_else(error)?;
        if name.is_empty() {
            return Err(error());
        }
        let name = name.to_string();
        Ok(match part {
            "body" => Location::Body(name),
            "form" => Location::Form(name),
            "query" => Location::Query(name),
            "header" => Location::Header(name),
            "path" => Location::Path(name),
            _ => return Err(error()),
        })
    }
}

impl TryFrom<String> for Location {
    type Error = LocationError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Location> for String {
    fn from(location: Location) -> Self {
        location.to_string()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Body(p) if p.starts_with('/') => f.write_str(p),
            Location::Body(n) => write!(f, "body:{n}"),
            Location::Form(n) => write!(f, "form:{n}"),
            Location::Query(n) => write!(f, "query:{n}"),
            Location::Header(n) => write!(f, "header:{n}"),
            Location::Path(n) => write!(f, "path:{n}"),
        }
    }
}

/// Where a saved variable comes from: what was sent, or what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SaveFrom {
    /// `request:LOCATION`: the value sent there.
    Request(Location),
    /// `response:/pointer`: a value of the answer's JSON body.
    Response(String),
    /// `response.header:NAME`: an answer header.
    ResponseHeader(String),
}

/// A save source that is not one of the forms a spec may write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a save source: write `request:LOCATION`, `response:/pointer` or `response.header:NAME`")]
pub struct SaveFromError {
    /// The text that did not parse.
    pub text: String,
}

impl SaveFrom {
    /// Whether the value comes from the answer (a step that saves one needs a success).
    pub fn reads_answer(&self) -> bool {
        !matches!(self, SaveFrom::Request(_))
    }
}

impl FromStr for SaveFrom {
    type Err = SaveFromError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || SaveFromError {
            text: text.to_string(),
        };
        if let Some(header) = text.strip_prefix("response.header:") {
            Ok(SaveFrom::ResponseHeader(header.to_string()))
        } else if let Some(pointer) = text.strip_prefix("response:") {
            Ok(SaveFrom::Response(pointer.to_string()))
        } else if let Some(location) = text.strip_prefix("request:") {
            location.parse().map(SaveFrom::Request).map_err(|_| error())
        } else {
            Err(error())
        }
    }
}

impl TryFrom<String> for SaveFrom {
    type Error = SaveFromError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<SaveFrom> for String {
    fn from(source: SaveFrom) -> Self {
        source.to_string()
    }
}

impl fmt::Display for SaveFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveFrom::Request(l) => write!(f, "request:{l}"),
            SaveFrom::Response(p) => write!(f, "response:{p}"),
            SaveFrom::ResponseHeader(h) => write!(f, "response.header:{h}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_display_in_their_spelling() {
        for text in [
            "/a/b",
            "body:x",
            "form:a",
            "query:q",
            "header:X-Key",
            "path:id",
        ] {
            let location: Location = text.parse().unwrap();
            assert_eq!(location.to_string(), text);
        }
        assert_eq!(
            "body:/a/b".parse::<Location>().unwrap(),
            Location::Body("/a/b".into())
        );
        assert_eq!(Location::Body("/a/title".into()).field(), "title");
        assert_eq!(Location::Form("a".into()).key(), "body:/a");
        assert_eq!(Location::Header("X-Key".into()).key(), "header:x-key");
    }

    #[test]
    fn bad_locations_say_what_to_write() {
        for text in ["title", "cookie:a", "query:", ""] {
            let err = text.parse::<Location>().unwrap_err();
            assert!(err.to_string().contains("write `/pointer`"), "{err}");
        }
    }

    #[test]
    fn save_sources_parse_and_display_in_their_spelling() {
        for text in [
            "request:/a",
            "request:path:id",
            "response:/data/id",
            "response.header:Location",
        ] {
            let source: SaveFrom = text.parse().unwrap();
            assert_eq!(source.to_string(), text);
        }
        assert!(!"request:query:q"
            .parse::<SaveFrom>()
            .unwrap()
            .reads_answer());
        assert!("answer:/a".parse::<SaveFrom>().is_err());
        assert!("request:cookie:a".parse::<SaveFrom>().is_err());
    }
}
