//! The main type here is [`UnknownName`]: the error of a selection by name (a vendor, a
//! property) that names something that does not exist, with the names that do.

use std::fmt;

/// A name that selects nothing: what kind of thing it was meant to name, and the names known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// `vendor`, `property`, ...
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// Where the known names come from, e.g. `the loaded specs have`.
    pub among: &'static str,
    /// Every name that would have been accepted.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}`; {}: {}",
            self.what,
            self.name,
            self.among,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

/// For callers that report errors as text.
impl From<UnknownName> for String {
    fn from(e: UnknownName) -> String {
        e.to_string()
    }
}

/// The first of `names` that is not among `known`, as an error.
pub fn check_names(
    what: &'static str,
    among: &'static str,
    names: &[String],
    known: &[String],
) -> Result<(), UnknownName> {
    match names.iter().find(|n| !known.contains(n)) {
        None => Ok(()),
        Some(name) => Err(UnknownName {
            what,
            name: name.clone(),
            among,
            known: known.to_vec(),
        }),
    }
}
