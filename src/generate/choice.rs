//! The main type here is [`Choices`]: a cursor over a sequence of `u64` choices from which every
//! generator draws its decisions, in the manner of Hypothesis.
//!
//! Generation is a pure function of the sequence (and the run state in
//! [`GenContext`](super::GenContext)): the same sequence gives the same request. A choice of `0`
//! always means "the simplest option" (the shortest string, the number closest to zero, the first
//! enum value, an optional property left out), and an exhausted sequence answers `0` to every
//! question. So when proptest shrinks the sequence (dropping elements, moving them towards zero)
//! the generated request shrinks with it, with no shrinking logic in the generators.
//!
//! Not for: deciding how many cases to run or what to do with a failure (the runner).

use proptest::strategy::Strategy;

/// The longest choice sequence [`choices_strategy`] produces.
///
/// A typical request body draws a few hundred choices; anything beyond the end of a sequence is
/// `0`, so longer sequences only add variety to the last fields. Kept moderate because shrinking
/// a long sequence costs one request per step.
pub const MAX_CHOICES: usize = 512;

/// The proptest strategy of choice sequences: up to [`MAX_CHOICES`] arbitrary `u64`s.
///
/// Shrinking removes elements and moves them towards `0`, which [`Choices`] turns into simpler
/// values.
pub fn choices_strategy() -> impl Strategy<Value = Vec<u64>> {
    proptest::collection::vec(proptest::num::u64::ANY, 0..MAX_CHOICES)
}

/// A cursor over a choice sequence.
///
/// Every method that offers more than one option consumes exactly one choice; a question with a
/// single possible answer (`below(1)`, `range(5, 5)`, `weighted(1000)`) consumes none, so that
/// trivial decisions do not shift the ones after them.
#[derive(Debug, Clone)]
pub struct Choices<'a> {
    seq: &'a [u64],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// A cursor at the start of `seq`.
    pub fn new(seq: &'a [u64]) -> Self {
        Choices { seq, pos: 0 }
    }

    /// The next raw choice, or `0` once the sequence is exhausted.
    pub fn draw(&mut self) -> u64 {
        let v = self.seq.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// How many choices have been asked for so far (including those past the end).
    #[cfg(test)]
    pub fn used(&self) -> usize {
        self.pos
    }

    /// Whether every further choice will be `0`.
    #[cfg(test)]
    pub fn is_exhausted(&self) -> bool {
        self.pos >= self.seq.len()
    }

    /// A number in `0..n` (the choice modulo `n`); `0` when `n` is `0` or `1`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        self.draw() % n
    }

    /// A number in `lo..=hi`, `lo` being the simplest; `lo` when `hi <= lo`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = u128::from(hi - lo) + 1;
        let c = u128::from(self.draw()) % span;
        // `c < span <= hi - lo + 1`, so the sum stays within `lo..=hi`.
        lo + c as u64
    }

    /// A `usize` in `lo..=hi`, `lo` being the simplest.
    pub fn range_usize(&mut self, lo: usize, hi: usize) -> usize {
        self.range(lo as u64, hi as u64) as usize
    }

    /// An integer in `lo..=hi`, the simplest being the one closest to zero.
    ///
    /// Choices count outwards from that value: for `-3..=5` the order is
    /// `0, 1, -1, 2, -2, 3, -3, 4, 5`. Empty ranges (`hi < lo`) answer `lo`.
    pub fn integer(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let (lo, hi) = (i128::from(lo), i128::from(hi));
        let span = (hi - lo + 1) as u128;
        let k = (u128::from(self.draw()) % span) as i128;
        let v = if lo >= 0 {
            lo + k
        } else if hi <= 0 {
            hi - k
        } else {
            // Zero is inside: alternate 0, 1, -1, 2, -2 ... while both sides last, then
            // continue on the longer side.
            let m = (-lo).min(hi);
            if k <= 2 * m {
                if k % 2 == 1 {
                    (k + 1) / 2
                } else {
                    -(k / 2)
                }
            } else if hi > -lo {
                m + (k - 2 * m)
            } else {
                -(m + (k - 2 * m))
            }
        };
        v as i64
    }

    /// `false` or `true`, `false` being the simplest.
    pub fn bool(&mut self) -> bool {
        self.below(2) == 1
    }

    /// `true` with probability `p_true_per_mille / 1000` for uniform choices; `0` means `false`
    /// unless `p_true_per_mille >= 1000`.
    #[cfg(test)]
    pub fn weighted(&mut self, p_true_per_mille: u32) -> bool {
        if p_true_per_mille == 0 {
            return false;
        }
        if p_true_per_mille >= 1000 {
            return true;
        }
        self.draw() % 1000 >= u64::from(1000 - p_true_per_mille)
    }
}

/// A deterministic stream of choices for retries once a caller's sequence is exhausted
/// (SplitMix64 seeded by the attempt number), so a retry explores a different value while the
/// same inputs still give the same result.
pub(crate) fn retry_sequence(seed: u64, len: usize) -> Vec<u64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example of `choices_strategy`.
    #[test]
    fn a_drawn_sequence_gives_choices_in_range() {
        use crate::generate::{choices_strategy, Choices};
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;

        let mut runner = TestRunner::deterministic();
        let seq = choices_strategy().new_tree(&mut runner).unwrap().current();
        let mut ch = Choices::new(&seq);
        assert!(ch.below(10) < 10);
    }

    #[test]
    fn exhausted_sequence_answers_zero() {
        let mut ch = Choices::new(&[]);
        assert_eq!(ch.draw(), 0);
        assert_eq!(ch.below(10), 0);
        assert_eq!(ch.range(3, 9), 3);
        assert_eq!(ch.integer(-5, 5), 0);
        assert_eq!(ch.integer(4, 9), 4);
        assert_eq!(ch.integer(-9, -4), -4);
        assert!(!ch.bool());
        assert!(!ch.weighted(999));
        assert!(ch.weighted(1000));
        assert!(ch.is_exhausted());
    }

    #[test]
    fn below_takes_the_choice_modulo_n() {
        let mut ch = Choices::new(&[17, 17, 17]);
        assert_eq!(ch.below(5), 2);
        assert_eq!(ch.below(0), 0);
        assert_eq!(ch.below(1), 0);
        // Trivial questions consumed nothing.
        assert_eq!(ch.used(), 1);
        assert_eq!(ch.range(10, 12), 12);
    }

    #[test]
    fn integer_counts_outwards_from_zero() {
        let got: Vec<i64> = (0..9).map(|c| Choices::new(&[c]).integer(-3, 5)).collect();
        assert_eq!(got, vec![0, 1, -1, 2, -2, 3, -3, 4, 5]);
        let got: Vec<i64> = (0..6).map(|c| Choices::new(&[c]).integer(-4, 1)).collect();
        assert_eq!(got, vec![0, 1, -1, -2, -3, -4]);
    }

    #[test]
    fn full_ranges_do_not_overflow() {
        assert_eq!(Choices::new(&[u64::MAX]).range(0, u64::MAX), u64::MAX);
        let v = Choices::new(&[u64::MAX]).integer(i64::MIN, i64::MAX);
        assert!((i64::MIN..=i64::MAX).contains(&v));
    }

    #[test]
    fn weighted_follows_its_probability() {
        let trues = (0..1000u64)
            .filter(|&c| Choices::new(&[c]).weighted(250))
            .count();
        assert_eq!(trues, 250);
    }

    #[test]
    fn retry_sequences_are_deterministic_and_distinct() {
        assert_eq!(retry_sequence(1, 8), retry_sequence(1, 8));
        assert_ne!(retry_sequence(1, 8), retry_sequence(2, 8));
    }

    proptest! {
        #[test]
        fn answers_stay_in_range(seq in choices_strategy(), lo in -1000i64..1000, span in 0i64..1000) {
            let mut ch = Choices::new(&seq);
            let hi = lo + span;
            for _ in 0..seq.len() + 2 {
                let v = ch.integer(lo, hi);
                prop_assert!((lo..=hi).contains(&v));
                let u = ch.range(lo.unsigned_abs(), lo.unsigned_abs() + span as u64);
                prop_assert!((lo.unsigned_abs()..=lo.unsigned_abs() + span as u64).contains(&u));
                prop_assert!(ch.below(7) < 7);
            }
        }
    }
}
