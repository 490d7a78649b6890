//! The main type here is [`Token`]: the run-unique part worked into an `x-unique` value.
//!
//! A token is the run prefix's ASCII letters and digits (lowercased) followed by the next value of
//! the run's [`UniqueCounter`](super::UniqueCounter) in base 36: `q7x2` then `0`, `1`, ... `a`,
//! ... `10`. It is kept as base-36 digits so it can be written in whatever alphabet the schema
//! leaves room for (see [`Charset::render_base36`]): as is where letters and digits are allowed,
//! as a decimal or hexadecimal number where only those are. When the whole token does not fit,
//! the counter part alone is used: still unique within the run, no longer across runs.

use super::charset::{base36_digits, Charset};
use super::context::GenContext;

#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Run prefix then counter.
    full: Vec<u8>,
    /// Counter only.
    short: Vec<u8>,
}

impl Token {
    /// Takes the next counter value of the run.
    pub(crate) fn next(ctx: &GenContext<'_>) -> Token {
        let short = base36_digits(ctx.unique.next());
        let mut full: Vec<u8> = ctx
            .run_prefix
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .filter_map(|c| c.to_ascii_lowercase().to_digit(36))
            .map(|d| d as u8)
            .collect();
        full.extend_from_slice(&short);
        Token { full, short }
    }

    /// The token written with `cs`, whole if it fits in `room` characters, else the counter part
    /// if that fits.
    pub(crate) fn render_fitting(&self, cs: &Charset, room: usize) -> Option<Vec<char>> {
        [&self.full, &self.short]
            .into_iter()
            .filter_map(|digits| cs.render_base36(digits))
            .find(|chars| chars.len() <= room)
    }

    /// The counter part in decimal, for appending where nothing else fits.
    pub(crate) fn counter_suffix(&self) -> String {
        Charset::digits()
            .render_base36(&self.short)
            .unwrap_or_default()
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Pool, UniqueCounter};
    use std::collections::BTreeMap;

    #[test]
    fn tokens_carry_the_prefix_then_the_counter() {
        let fixtures = serde_json::Map::new();
        let vars = BTreeMap::new();
        let pool = Pool::default();
        let unique = UniqueCounter::new();
        let ctx = GenContext {
            fixtures: &fixtures,
            vars: &vars,
            run_prefix: "Q7-x2",
            now: chrono::Utc::now(),
            pool: &pool,
            unique: &unique,
        };
        let cs = Charset::alphanumeric();
        let a: String = Token::next(&ctx)
            .render_fitting(cs, 10)
            .unwrap()
            .into_iter()
            .collect();
        let b: String = Token::next(&ctx)
            .render_fitting(cs, 10)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(a, "q7x20");
        assert_eq!(b, "q7x21");
        let short: String = Token::next(&ctx)
            .render_fitting(cs, 2)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(short, "2");
        assert!(Token::next(&ctx).render_fitting(cs, 0).is_none());
        assert_eq!(Token::next(&ctx).counter_suffix(), "40");
    }
}
