//! The main type here is [`Charset`]: a set of characters in a chosen order, picked from by index
//! so that choice `0` gives the simplest character.
//!
//! Pattern classes are restricted before they get here: to their printable ASCII part when they
//! have one, else to their ASCII part, else kept whole. Within a set the order is lower-case
//! letters, digits, upper-case letters, other characters, and the space last, so `.` and `\S`
//! shrink to `a`, not to a blank that a target might trim away.

use std::sync::OnceLock;

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};

use super::choice::Choices;

/// An ordered set of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Charset {
    /// Disjoint ranges, in pick order; none spans a surrogate code point.
    ranges: Vec<(char, char)>,
    len: u64,
}

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl Charset {
    /// The set of `ranges` in exactly this order. Ranges that span the surrogate block are split
    /// around it.
    pub(crate) fn from_ranges(ranges: impl IntoIterator<Item = (char, char)>) -> Self {
        let mut out = Vec::new();
        for (a, b) in ranges {
            if a > b {
                continue;
            }
            let (lo, hi) = (a as u32, b as u32);
            if lo < 0xD800 && hi > 0xDFFF {
                out.push((a, '\u{D7FF}'));
                out.push(('\u{E000}', b));
            } else {
                out.push((a, b));
            }
        }
        let len = out
            .iter()
            .map(|&(a, b)| u64::from(b as u32 - a as u32) + 1)
            .sum();
        Charset { ranges: out, len }
    }

    /// A regex class, restricted and ordered as the module explains.
    pub(crate) fn from_class(class: &ClassUnicode) -> Self {
        let printable = class_of(&[(' ', '~')]);
        let ascii = class_of(&[('\0', '\x7f')]);
        let mut pool = class.clone();
        pool.intersect(&printable);
        if pool.ranges().is_empty() {
            pool = class.clone();
            pool.intersect(&ascii);
        }
        if pool.ranges().is_empty() {
            pool = class.clone();
        }
        let mut ordered = Vec::new();
        let mut rest = pool.clone();
        for window in [('a', 'z'), ('0', '9'), ('A', 'Z')] {
            let w = class_of(&[window]);
            let mut part = pool.clone();
            part.intersect(&w);
            ordered.extend(part.ranges().iter().map(|r| (r.start(), r.end())));
            rest.difference(&w);
        }
        let space = class_of(&[(' ', ' ')]);
        let has_space = {
            let mut s = rest.clone();
            s.intersect(&space);
            !s.ranges().is_empty()
        };
        rest.difference(&space);
        ordered.extend(rest.ranges().iter().map(|r| (r.start(), r.end())));
        if has_space {
            ordered.push((' ', ' '));
        }
        Charset::from_ranges(ordered)
    }

    /// `a-z`, `0-9`, `A-Z`: the characters of unconstrained strings.
    pub(crate) fn alphanumeric() -> &'static Charset {
        static CS: OnceLock<Charset> = OnceLock::new();
        CS.get_or_init(|| Charset::from_ranges([('a', 'z'), ('0', '9'), ('A', 'Z')]))
    }

    /// `a-z`, `0-9`: email local parts.
    pub(crate) fn lower_alphanumeric() -> &'static Charset {
        static CS: OnceLock<Charset> = OnceLock::new();
        CS.get_or_init(|| Charset::from_ranges([('a', 'z'), ('0', '9')]))
    }

    /// `0-9`.
    pub(crate) fn digits() -> &'static Charset {
        static CS: OnceLock<Charset> = OnceLock::new();
        CS.get_or_init(|| Charset::from_ranges([('0', '9')]))
    }

    /// `0-9`, `a-f`.
    pub(crate) fn hex() -> &'static Charset {
        static CS: OnceLock<Charset> = OnceLock::new();
        CS.get_or_init(|| Charset::from_ranges([('0', '9'), ('a', 'f')]))
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The character at `i` in pick order.
    pub(crate) fn char_at(&self, mut i: u64) -> char {
        for &(a, b) in &self.ranges {
            let n = u64::from(b as u32 - a as u32) + 1;
            if i < n {
                // In range and never a surrogate (ranges are split around them).
                return char::from_u32(a as u32 + i as u32).unwrap_or(a);
            }
            i -= n;
        }
        self.ranges.first().map_or('a', |r| r.0)
    }

    /// A character chosen by `ch`; the first one for choice `0`.
    pub(crate) fn pick(&self, ch: &mut Choices<'_>) -> char {
        self.char_at(ch.below(self.len))
    }

    pub(crate) fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= c && c <= b)
    }

    /// Whether every base-36 digit (`0-9a-z`) is in the set, so a token can be written as is.
    pub(crate) fn holds_base36(&self) -> bool {
        BASE36.iter().all(|&b| self.contains(char::from(b)))
    }

    /// Writes a number given by its base-36 digits (most significant first) with this set's
    /// characters: the digits themselves when the set holds them all, else the number in base
    /// `len()` (with a leading 1 digit so that leading zeros still count). `None` for sets of
    /// fewer than two characters.
    pub(crate) fn render_base36(&self, digits: &[u8]) -> Option<Vec<char>> {
        if self.holds_base36() {
            return Some(
                digits
                    .iter()
                    .map(|&d| char::from(BASE36[d as usize]))
                    .collect(),
            );
        }
        if self.len < 2 {
            return None;
        }
        let mut number: Vec<u8> = Vec::with_capacity(digits.len() + 1);
        number.push(1);
        number.extend_from_slice(digits);
        let base = u128::from(self.len);
        let mut out = Vec::new();
        // Long division of the base-36 number by `base`, collecting remainders.
        while !(number.is_empty() || number.iter().all(|&d| d == 0)) {
            let mut rem: u128 = 0;
            let mut quotient = Vec::with_capacity(number.len());
            for &d in &number {
                let acc = rem * 36 + u128::from(d);
                let q = acc / base;
                rem = acc % base;
                if !(quotient.is_empty() && q == 0) {
                    quotient.push(q as u8);
                }
            }
            out.push(self.char_at(rem as u64));
            number = quotient;
        }
        out.reverse();
        Some(out)
    }
}

/// The base-36 digits of `n`, most significant first.
pub(crate) fn base36_digits(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        out.push((n % 36) as u8);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    out
}

fn class_of(ranges: &[(char, char)]) -> ClassUnicode {
    ClassUnicode::new(ranges.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_prefer_printable_ascii_and_simple_characters() {
        let dot = class_of(&[('\0', '\t'), ('\x0b', '\u{10FFFF}')]);
        let cs = Charset::from_class(&dot);
        assert_eq!(cs.len(), 95);
        assert_eq!(cs.char_at(0), 'a');
        assert_eq!(cs.char_at(26), '0');
        assert_eq!(cs.char_at(36), 'A');
        assert_eq!(cs.char_at(94), ' ');
        assert!(!cs.contains('é'));

        let greek = class_of(&[('α', 'ω')]);
        let cs = Charset::from_class(&greek);
        assert_eq!(cs.char_at(0), 'α');
        assert_eq!(cs.len(), 25);
    }

    #[test]
    fn surrogates_are_never_picked() {
        let cs = Charset::from_ranges([('\u{D700}', '\u{E0FF}')]);
        assert_eq!(cs.len(), 0x100 + 0x100);
        assert_eq!(cs.char_at(0x100), '\u{E000}');
    }

    #[test]
    fn tokens_render_in_any_alphabet_of_two_or_more() {
        let digits = base36_digits(36 * 36 + 5);
        assert_eq!(digits, vec![1, 0, 5]);
        let direct = Charset::alphanumeric().render_base36(&[10, 1]).unwrap();
        assert_eq!(direct, vec!['a', '1']);
        // "1" ++ [a, 1] in base 36 = 1*1296 + 10*36 + 1 = 1657.
        let dec: String = Charset::digits()
            .render_base36(&[10, 1])
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(dec, "1657");
        let hex: String = Charset::hex()
            .render_base36(&[0])
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(hex, "24");
        assert_eq!(Charset::from_ranges([('x', 'x')]).render_base36(&[1]), None);
    }

    #[test]
    fn distinct_tokens_render_distinctly() {
        let cs = Charset::digits();
        let mut seen = std::collections::HashSet::new();
        for n in 0..5000u64 {
            let s: String = cs
                .render_base36(&base36_digits(n))
                .unwrap()
                .into_iter()
                .collect();
            assert!(seen.insert(s));
        }
    }
}
