//! The main type here is [`GenError`]: why no valid value could be generated, where in the schema,
//! and what to change.
//!
//! Also [`SchemaPath`], the cheap breadcrumb the generators carry down a schema and render only
//! when something fails.

use std::fmt;

/// Why generation failed.
///
/// `path` is a JSON pointer fragment into the schema being generated (`#/properties/due_date`,
/// `#/items`); the caller knows which endpoint and parameter the schema belongs to and adds that.
/// Each message reads after "cannot generate a value: " and ends with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// `x-fixture` names a fixture that has no value.
    #[error("at {path}: fixture `{name}` has no value; set it in the fixtures file")]
    MissingFixture { path: String, name: String },
    /// `x-var` names a case variable that no setup step saved.
    #[error(
        "at {path}: case variable `{name}` is not set; a setup step must `save` it before this request"
    )]
    MissingVar { path: String, name: String },
    /// `x-pool` names a fixture that is missing or not an array.
    #[error("at {path}: pool `{name}` is not an array fixture; set `{name}` to a list of values")]
    NotAPool { path: String, name: String },
    /// Every element of an `x-pool` fixture has been used in this run.
    #[error(
        "at {path}: pool `{name}` is used up (all {size} values were taken); add values to the fixture or run fewer cases"
    )]
    PoolExhausted {
        path: String,
        name: String,
        size: usize,
    },
    /// The schema uses something the generators do not know how to satisfy.
    #[error("at {path}: {what} is not supported by the generators; {fix}")]
    Unsupported {
        path: String,
        what: String,
        fix: String,
    },
    /// The schema itself is malformed or contradicts itself.
    #[error("at {path}: {reason}")]
    InvalidSchema { path: String, reason: String },
    /// The schema is well-formed but no value was found that satisfies all of it.
    #[error("at {path}: no value satisfies {reason}")]
    Unsatisfiable { path: String, reason: String },
    /// A cross-field rule cannot be applied to the body.
    #[error("{rule}: {reason}")]
    Rule { rule: String, reason: String },
}

impl GenError {
    pub(crate) fn unsupported(path: &SchemaPath<'_>, what: impl Into<String>, fix: &str) -> Self {
        GenError::Unsupported {
            path: path.to_string(),
            what: what.into(),
            fix: fix.into(),
        }
    }

    pub(crate) fn invalid(path: &SchemaPath<'_>, reason: impl Into<String>) -> Self {
        GenError::InvalidSchema {
            path: path.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsatisfiable(path: &SchemaPath<'_>, reason: impl Into<String>) -> Self {
        GenError::Unsatisfiable {
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}

/// Where the generator is in a schema: a linked list on the stack, rendered as
/// `#/properties/a/items` only when an error needs it, so descending costs nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SchemaPath<'p> {
    Root,
    Key(&'p SchemaPath<'p>, &'p str),
}

impl<'p> SchemaPath<'p> {
    pub(crate) fn key(&'p self, key: &'p str) -> SchemaPath<'p> {
        SchemaPath::Key(self, key)
    }
}

impl fmt::Display for SchemaPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaPath::Root => f.write_str("#"),
            SchemaPath::Key(parent, key) => {
                parent.fmt(f)?;
                f.write_str("/")?;
                // JSON pointer escaping: `~` then `/`.
                for c in key.chars() {
                    match c {
                        '~' => f.write_str("~0")?,
                        '/' => f.write_str("~1")?,
                        c => fmt::Write::write_char(f, c)?,
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_as_json_pointer_fragments() {
        let root = SchemaPath::Root;
        assert_eq!(root.to_string(), "#");
        let props = root.key("properties");
        let field = props.key("a/b~c");
        assert_eq!(field.to_string(), "#/properties/a~1b~0c");
    }

    #[test]
    fn messages_name_the_place_and_the_fix() {
        let e = GenError::MissingFixture {
            path: "#/properties/section".into(),
            name: "acme.section_id".into(),
        };
        assert_eq!(
            e.to_string(),
            "at #/properties/section: fixture `acme.section_id` has no value; set it in the fixtures file"
        );
    }
}
