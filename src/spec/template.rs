//! The main type here is [`Template`]: a documented message with `${name}` placeholders, such
//! as `Invalid timezone: ${tz}. Use the IANA TZDB standard`. It compiles to an anchored regex
//! that captures each placeholder, so the oracle can then compare every captured value with
//! what the harness sent (bound, never wildcarded).
//!
//! Not for: deciding what a placeholder must equal; that is the row's binding, read by `check`.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Placeholder(String),
}

/// A parsed message template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<Part>,
}

/// A template that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// How a compiled template treats case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    Insensitive,
}

/// A template compiled to a regex, with the placeholder name of each capture group.
#[derive(Debug, Clone)]
pub struct Matcher {
    regex: Regex,
    names: Vec<String>,
}

impl Template {
    /// Parses `${name}` placeholders; names are letters, digits, `_` and `.`.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            literal.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(TemplateError(format!(
                    "`${{` at byte {} is never closed",
                    text.len() - rest.len() + start
                )));
            };
            let name = &after[..end];
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(TemplateError(format!(
                    "`${{{name}}}` is not a placeholder name"
                )));
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Placeholder(name.to_string()));
            rest = &after[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    /// The placeholder names, in order of appearance.
    pub fn placeholders(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Placeholder(n) => Some(n.as_str()),
                Part::Literal(_) => None,
            })
            .collect()
    }

    /// Renders the template with values (for expected-message display and reference tests).
    pub fn render(&self, values: &BTreeMap<String, String>) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.clone(),
                Part::Placeholder(n) => values
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| format!("${{{n}}}")),
            })
            .collect()
    }

    /// Compiles to an anchored regex. Whitespace right before a placeholder is optional, present
    /// or not in the template (documents print it inconsistently); a placeholder named in `optional_tail` that ends
    /// the template matches "a space and any text, or nothing".
    pub fn compile(&self, case: Case, optional_tail: &dyn Fn(&str) -> bool) -> Matcher {
        let mut pattern = String::from("^");
        let mut names = Vec::new();
        let n = self.parts.len();
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(lit) => {
                    let next_is_placeholder =
                        matches!(self.parts.get(i + 1), Some(Part::Placeholder(_)));
                    let next_is_tail = match self.parts.get(i + 1) {
                        Some(Part::Placeholder(p)) => i + 2 == n && optional_tail(p),
                        _ => false,
                    };
                    let body = if next_is_placeholder {
                        lit.trim_end()
                    } else {
                        lit.as_str()
                    };
                    pattern.push_str(&regex::escape(body));
                    // Documents print the space before a value inconsistently ("fields:x" and
                    // "fields: x" for one message), so it is optional either way.
                    if next_is_placeholder && !next_is_tail {
                        pattern.push_str(r"\s*");
                    }
                }
                Part::Placeholder(name) => {
                    let last = i + 1 == n;
                    let previous_had_space = match i.checked_sub(1).and_then(|j| self.parts.get(j))
                    {
                        Some(Part::Literal(l)) => l.ends_with(char::is_whitespace),
                        _ => false,
                    };
                    if last && optional_tail(name) {
                        if i == 0 || !previous_had_space {
                            pattern.push_str("(.*)");
                        } else {
                            pattern.push_str(r"(?:\s+(.*))?");
                        }
                    } else if last {
                        pattern.push_str("(.*)");
                    } else {
                        pattern.push_str("(.*?)");
                    }
                    names.push(name.clone());
                }
            }
        }
        pattern.push('$');
        let regex = regex::RegexBuilder::new(&pattern)
            .case_insensitive(case == Case::Insensitive)
            .dot_matches_new_line(true)
            .build()
            .unwrap_or_else(|_| Regex::new("^$").expect("trivial regex compiles"));
        Matcher { regex, names }
    }
}

impl Matcher {
    /// The captured placeholder values when `text` matches, `None` when it does not.
    pub fn captures(&self, text: &str) -> Option<BTreeMap<String, String>> {
        let caps = self.regex.captures(text)?;
        Some(
            self.names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (
                        name.clone(),
                        caps.get(i + 1)
                            .map(|m| m.as_str().to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> Matcher {
        Template::parse(t)
            .unwrap()
            .compile(Case::Sensitive, &|_| false)
    }

    #[test]
    fn parses_placeholders_and_literals() {
        let t = Template::parse("Invalid timezone: ${tz}. Use the IANA TZDB standard").unwrap();
        assert_eq!(t.placeholders(), vec!["tz"]);
        assert_eq!(t.parts.len(), 3);
        assert!(Template::parse("a ${b").is_err());
        assert!(Template::parse("a ${} b").is_err());
        assert!(Template::parse("cost $5")
            .unwrap()
            .placeholders()
            .is_empty());
    }

    #[test]
    fn captures_bound_values() {
        let m = plain("Invalid timezone: ${tz}. Use the IANA TZDB standard");
        let caps = m
            .captures("Invalid timezone: Mars/Olympus. Use the IANA TZDB standard")
            .unwrap();
        assert_eq!(caps["tz"], "Mars/Olympus");
        assert!(m
            .captures("Invalid timezone: X. Use the IANA standard")
            .is_none());
    }

    #[test]
    fn tolerates_missing_space_before_placeholder() {
        let m = plain("User missing the following fields: ${missing}");
        assert_eq!(
            m.captures("User missing the following fields:email")
                .unwrap()["missing"],
            "email"
        );
        assert_eq!(
            m.captures("User missing the following fields: email")
                .unwrap()["missing"],
            "email"
        );
    }

    #[test]
    fn tolerates_a_space_the_template_does_not_print() {
        let m = plain("User missing the following fields:${missing}");
        assert_eq!(
            m.captures("User missing the following fields: email")
                .unwrap()["missing"],
            "email"
        );
        assert_eq!(
            m.captures("User missing the following fields:email")
                .unwrap()["missing"],
            "email"
        );
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        let m = plain("submission_types.${i} in body should be one of [link file text discussion]");
        assert_eq!(
            m.captures("submission_types.3 in body should be one of [link file text discussion]")
                .unwrap()["i"],
            "3"
        );
        assert!(m
            .captures("submission_typesX3 in body should be one of [link file text discussion]")
            .is_none());
    }

    #[test]
    fn optional_tail_needs_a_space_or_nothing() {
        let m = Template::parse("@CourseNotModifiable ${detail}")
            .unwrap()
            .compile(Case::Sensitive, &|n| n == "detail");
        assert!(m.captures("@CourseNotModifiable").is_some());
        assert_eq!(
            m.captures("@CourseNotModifiable The course is archived.")
                .unwrap()["detail"],
            "The course is archived."
        );
        assert!(m.captures("@CourseNotModifiableX").is_none());
    }

    #[test]
    fn case_insensitive_when_asked() {
        let m = Template::parse("Invalid character ' ' in string escape code")
            .unwrap()
            .compile(Case::Insensitive, &|_| false);
        assert!(m
            .captures("invalid character ' ' in string escape code")
            .is_some());
    }
}
