//! The main type here is [`Pattern`]: a JSON Schema `pattern` compiled once into a tree that
//! generates matching strings from choices, within given length bounds.
//!
//! The tree is built from `regex_syntax`'s HIR: literals, classes (restricted and ordered by
//! [`Charset::from_class`]), repetitions, alternations and concatenations, with captures dropped
//! and the start and end anchors read as "nothing here". Word boundaries are rejected (there is
//! no sound way to honour them while walking), and so are look-arounds, which `regex_syntax`
//! does not parse at all.
//!
//! Every node knows the shortest and longest string it can match, so lengths are steered rather
//! than guessed: a concatenation gives each part the range that still lets the rest fit, a
//! repetition picks a count whose copies can fill the range, an alternation picks among the
//! branches that can. Unbounded repetitions go at most [`REPEAT_SPAN`] beyond what the range
//! requires. The steering is exact for the usual patterns; when a node's lengths have gaps
//! (`(ab)+` matches no odd length) the result can miss the range, and the caller retries.
//!
//! Compiled patterns are cached process-wide by source text, so a spec's patterns are parsed
//! once per run.
//!
//! `x-unique` support: the compiler marks one repetition of a single class as the *slot* (the
//! one that always occurs and can hold the most), and generation writes the run-unique token at
//! the start of the slot, lengthening it if needed. See [`super::token`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::charset::Charset;
use super::choice::Choices;
use super::token::Token;

/// How far beyond their required count unbounded repetitions go.
pub(crate) const REPEAT_SPAN: usize = 12;

/// Why a pattern cannot be used for generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// The pattern does not parse.
    Syntax(String),
    /// It parses but uses a feature the generator cannot honour.
    Unsupported(String),
    /// It matches no string at all.
    Empty,
}

/// A compiled pattern.
#[derive(Debug)]
pub(crate) struct Pattern {
    source: String,
    root: Node,
    /// The repetition that carries unique tokens, if any.
    slot: Option<u32>,
    /// The pattern as a matcher, for the checks that fallbacks need; `None` if the `regex` crate
    /// rejects it.
    regex: OnceLock<Option<regex::Regex>>,
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    /// Shortest match, in characters.
    min: usize,
    /// Longest match, in characters; `None` for unbounded.
    max: Option<usize>,
}

#[derive(Debug)]
enum Kind {
    Empty,
    Literal(String),
    Class(Charset),
    /// The parts, and for each part the (min, max) of all the parts after it.
    Concat(Vec<Node>, Vec<(usize, Option<usize>)>),
    Alt(Vec<Node>),
    Repeat(Box<Repeat>),
}

#[derive(Debug)]
struct Repeat {
    sub: Node,
    min: u32,
    max: Option<u32>,
    id: u32,
}

/// A compiled pattern from the process-wide cache.
pub(crate) fn compiled(source: &str) -> Result<Arc<Pattern>, PatternError> {
    static CACHE: OnceLock<RwLock<HashMap<String, Arc<Pattern>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(source)
    {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(Pattern::compile(source)?);
    cache
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(source.to_string())
        .or_insert_with(|| Arc::clone(&p));
    Ok(p)
}

/// Slot candidates found while compiling, best chosen at the end.
struct SlotCandidate {
    id: u32,
    /// (always occurs, can hold a typical token, holds base-36 as is, capacity)
    score: (bool, bool, bool, u32),
}

struct Compiler {
    next_id: u32,
    slots: Vec<SlotCandidate>,
}

impl Pattern {
    fn compile(source: &str) -> Result<Pattern, PatternError> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(source)
            .map_err(|e| PatternError::Syntax(e.to_string()))?;
        let mut c = Compiler {
            next_id: 0,
            slots: Vec::new(),
        };
        let root = c.node(&hir, false)?.ok_or(PatternError::Empty)?;
        // The best candidate; the first one among equals.
        let slot = c.slots.iter().rev().max_by_key(|s| s.score).map(|s| s.id);
        Ok(Pattern {
            source: source.to_string(),
            root,
            slot,
            regex: OnceLock::new(),
        })
    }

    /// The shortest string this pattern generates, in characters.
    pub(crate) fn min_len(&self) -> usize {
        self.root.min
    }

    /// Whether `s` matches the pattern (searching, as JSON Schema does).
    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.regex
            .get_or_init(|| regex::Regex::new(&self.source).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(s))
    }

    /// A matching string of `lo..=hi` characters if the steering manages, and whether `token`
    /// was written into it.
    pub(crate) fn generate(
        &self,
        ch: &mut Choices<'_>,
        lo: usize,
        hi: Option<usize>,
        token: Option<&Token>,
    ) -> (String, bool) {
        let mut g = Walk {
            ch,
            out: String::new(),
            slot: match (self.slot, token) {
                (Some(id), Some(token)) => Some(SlotState {
                    id,
                    token,
                    placed: false,
                }),
                _ => None,
            },
        };
        g.node(&self.root, lo, hi);
        let placed = g.slot.as_ref().is_some_and(|s| s.placed);
        (g.out, placed)
    }
}

impl Compiler {
    /// `None` when the node matches nothing.
    fn node(&mut self, hir: &Hir, conditional: bool) -> Result<Option<Node>, PatternError> {
        Ok(Some(match hir.kind() {
            HirKind::Empty => leaf(Kind::Empty, 0),
            HirKind::Literal(lit) => {
                let s = String::from_utf8(lit.0.to_vec()).map_err(|_| {
                    PatternError::Unsupported("a literal that is not valid UTF-8".into())
                })?;
                let n = s.chars().count();
                leaf(Kind::Literal(s), n)
            }
            HirKind::Class(Class::Unicode(class)) => {
                if class.ranges().is_empty() {
                    return Ok(None);
                }
                leaf(Kind::Class(Charset::from_class(class)), 1)
            }
            HirKind::Class(Class::Bytes(class)) => {
                // Only reachable with `(?-u)`; keep the bytes that are characters on their own.
                let ranges: Vec<(char, char)> = class
                    .ranges()
                    .iter()
                    .filter(|r| r.start() < 0x80)
                    .map(|r| (char::from(r.start()), char::from(r.end().min(0x7f))))
                    .collect();
                if ranges.is_empty() {
                    return Ok(None);
                }
                let ranges = regex_syntax::hir::ClassUnicode::new(
                    ranges
                        .into_iter()
                        .map(|(a, b)| regex_syntax::hir::ClassUnicodeRange::new(a, b)),
                );
                leaf(Kind::Class(Charset::from_class(&ranges)), 1)
            }
            HirKind::Look(look) => match look {
                Look::Start
                | Look::End
                | Look::StartLF
                | Look::EndLF
                | Look::StartCRLF
                | Look::EndCRLF => leaf(Kind::Empty, 0),
                other => {
                    return Err(PatternError::Unsupported(format!(
                        "the word-boundary assertion {other:?}"
                    )))
                }
            },
            HirKind::Capture(cap) => return self.node(&cap.sub, conditional),
            HirKind::Concat(subs) => {
                let mut parts = Vec::with_capacity(subs.len());
                for s in subs {
                    match self.node(s, conditional)? {
                        Some(n) => parts.push(n),
                        None => return Ok(None),
                    }
                }
                let mut rest = vec![(0usize, Some(0usize)); parts.len()];
                let (mut min, mut max) = (0usize, Some(0usize));
                for (i, p) in parts.iter().enumerate().rev() {
                    rest[i] = (min, max);
                    min = min.saturating_add(p.min);
                    max = add_max(max, p.max);
                }
                Node {
                    kind: Kind::Concat(parts, rest),
                    min,
                    max,
                }
            }
            HirKind::Alternation(subs) => {
                let mut branches = Vec::with_capacity(subs.len());
                for s in subs {
                    if let Some(n) = self.node(s, true)? {
                        branches.push(n);
                    }
                }
                if branches.is_empty() {
                    return Ok(None);
                }
                let min = branches.iter().map(|b| b.min).min().unwrap_or(0);
                let max = branches
                    .iter()
                    .try_fold(0usize, |acc, b| b.max.map(|m| acc.max(m)));
                Node {
                    kind: Kind::Alt(branches),
                    min,
                    max,
                }
            }
            HirKind::Repetition(rep) => {
                let id = self.next_id;
                self.next_id += 1;
                let sub = match self.node(&rep.sub, conditional || rep.min == 0)? {
                    Some(sub) => sub,
                    None if rep.min == 0 => return Ok(Some(leaf(Kind::Empty, 0))),
                    None => return Ok(None),
                };
                if let Kind::Class(cs) = &sub.kind {
                    if cs.len() >= 2 && rep.max != Some(0) {
                        let capacity = rep.max.unwrap_or(u32::MAX);
                        self.slots.push(SlotCandidate {
                            id,
                            score: (!conditional, capacity >= 12, cs.holds_base36(), capacity),
                        });
                    }
                }
                let min = sub.min.saturating_mul(rep.min as usize);
                let max = match (sub.max, rep.max) {
                    (Some(0), _) => Some(0),
                    (Some(m), Some(r)) => m.checked_mul(r as usize),
                    _ => None,
                };
                Node {
                    kind: Kind::Repeat(Box::new(Repeat {
                        sub,
                        min: rep.min,
                        max: rep.max,
                        id,
                    })),
                    min,
                    max,
                }
            }
        }))
    }
}

fn leaf(kind: Kind, len: usize) -> Node {
    Node {
        kind,
        min: len,
        max: Some(len),
    }
}

fn add_max(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    a.zip(b).and_then(|(a, b)| a.checked_add(b))
}

fn min_max(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

struct SlotState<'t> {
    id: u32,
    token: &'t Token,
    placed: bool,
}

struct Walk<'c, 'a, 't> {
    ch: &'c mut Choices<'a>,
    out: String,
    slot: Option<SlotState<'t>>,
}

impl Walk<'_, '_, '_> {
    /// Appends a match of `node` aiming for `lo..=hi` characters; returns how many it wrote.
    fn node(&mut self, node: &Node, lo: usize, hi: Option<usize>) -> usize {
        match &node.kind {
            Kind::Empty => 0,
            Kind::Literal(s) => {
                self.out.push_str(s);
                node.min
            }
            Kind::Class(cs) => {
                let c = cs.pick(self.ch);
                self.out.push(c);
                1
            }
            Kind::Concat(parts, rest) => {
                let mut produced = 0usize;
                for (part, &(rest_min, rest_max)) in parts.iter().zip(rest) {
                    let need = lo.saturating_sub(produced);
                    let part_lo = match rest_max {
                        Some(m) => need.saturating_sub(m),
                        None => 0,
                    }
                    .max(part.min);
                    let part_hi = min_max(
                        hi.map(|h| h.saturating_sub(produced).saturating_sub(rest_min)),
                        part.max,
                    );
                    produced += self.node(part, part_lo, part_hi);
                }
                produced
            }
            Kind::Alt(branches) => {
                let fits =
                    |b: &&Node| hi.is_none_or(|h| b.min <= h) && b.max.is_none_or(|m| m >= lo);
                let count = branches.iter().filter(fits).count();
                let branch = if count == 0 {
                    &branches[self.ch.below(branches.len() as u64) as usize]
                } else {
                    let k = self.ch.below(count as u64) as usize;
                    branches.iter().filter(fits).nth(k).unwrap_or(&branches[0])
                };
                self.node(branch, lo, hi)
            }
            Kind::Repeat(rep) => self.repeat(rep, lo, hi),
        }
    }

    fn repeat(&mut self, rep: &Repeat, lo: usize, hi: Option<usize>) -> usize {
        let (smin, smax) = (rep.sub.min, rep.sub.max);
        // The fewest copies that can reach `lo`, and the most that stay within `hi`.
        let mut n_lo = rep.min as usize;
        if lo > 0 {
            n_lo = n_lo.max(match smax {
                Some(0) => 0,
                Some(m) => lo.div_ceil(m),
                None => 1,
            });
        }
        let by_len = match hi {
            Some(h) if smin > 0 => Some(h / smin),
            _ => None,
        };
        let n_hard = min_max(rep.max.map(|m| m as usize), by_len);
        if let Some(h) = n_hard {
            n_lo = n_lo.min(h.max(rep.min as usize));
        }
        let mut n_hi = min_max(n_hard, Some(n_lo + REPEAT_SPAN)).unwrap_or(n_lo);

        let mut token: Option<Vec<char>> = None;
        if let (Some(slot), Kind::Class(cs)) = (&mut self.slot, &rep.sub.kind) {
            if slot.id == rep.id && !slot.placed {
                let room = n_hard.unwrap_or(usize::MAX);
                token = slot.token.render_fitting(cs, room);
                if let Some(t) = &token {
                    slot.placed = true;
                    n_lo = n_lo.max(t.len());
                    n_hi = n_hi.max(n_lo);
                }
            }
        }

        let n = self.ch.range_usize(n_lo, n_hi.max(n_lo));
        let mut produced = 0usize;
        let mut token = token.unwrap_or_default().into_iter();
        for j in 0..n {
            if let Some(c) = token.next() {
                self.out.push(c);
                produced += 1;
                continue;
            }
            let after = n - j - 1;
            let need = lo.saturating_sub(produced);
            let c_lo = match smax {
                Some(m) => need.saturating_sub(m.saturating_mul(after)),
                None => 0,
            }
            .max(smin);
            let c_hi = min_max(
                hi.map(|h| {
                    h.saturating_sub(produced)
                        .saturating_sub(smin.saturating_mul(after))
                }),
                smax,
            );
            produced += self.node(&rep.sub, c_lo, c_hi);
        }
        produced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(p: &str, seq: &[u64], lo: usize, hi: Option<usize>) -> String {
        let p = compiled(p).unwrap();
        p.generate(&mut Choices::new(seq), lo, hi, None).0
    }

    #[test]
    fn simplest_strings() {
        assert_eq!(gen("^[A-Z]{2}-\\d{3}$", &[], 0, None), "AA-000");
        assert_eq!(gen("^[a-z]+$", &[], 0, None), "a");
        assert_eq!(gen("^(foo|ba+r)?x$", &[], 0, None), "x");
        assert_eq!(gen("^.+$", &[], 0, None), "a");
        assert_eq!(gen("^\\w+@\\w+\\.com$", &[], 0, None), "a@a.com");
        assert_eq!(gen("(?i)^abc$", &[], 0, None), "abc");
        assert_eq!(gen("abc", &[], 0, None), "abc");
    }

    #[test]
    fn lengths_are_steered() {
        assert_eq!(gen("^[a-z]+$", &[], 5, Some(7)), "aaaaa");
        assert_eq!(gen("^[a-z]*[0-9]*$", &[], 4, Some(4)), "0000");
        let s = gen("^[a-z]+[0-9]+$", &[u64::MAX; 64], 3, Some(6));
        assert!((3..=6).contains(&s.len()), "{s}");
        let s = gen("^(ab|c)+$", &[], 4, Some(4));
        assert_eq!(s.len(), 4, "{s}");
    }

    #[test]
    fn unsupported_and_empty_patterns_are_reported() {
        assert!(matches!(
            Pattern::compile("\\bword\\b"),
            Err(PatternError::Unsupported(_))
        ));
        assert!(matches!(
            Pattern::compile("(?=x)"),
            Err(PatternError::Syntax(_))
        ));
        assert!(matches!(
            Pattern::compile("[^\\s\\S]"),
            Err(PatternError::Empty)
        ));
        assert!(Pattern::compile("a|[^\\s\\S]").is_ok());
    }

    #[test]
    fn the_slot_is_the_roomiest_unconditional_class_repetition() {
        let p = Pattern::compile("^[A-Z][a-z]{0,3}-(x[0-9]+)?-[a-z0-9]{4,40}$").unwrap();
        // Ids in preorder: 0 = [a-z]{0,3}, 1 = (...)?, 2 = [0-9]+, 3 = [a-z0-9]{4,40}.
        assert_eq!(p.slot, Some(3));
        assert_eq!(Pattern::compile("^abc$").unwrap().slot, None);
    }

    #[test]
    fn compiled_patterns_are_cached() {
        let a = compiled("^cache[0-9]$").unwrap();
        let b = compiled("^cache[0-9]$").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
