//! No luck in coverage: on every seed, every row (each documented variant of its trigger),
//! every valid-request check and every property subject is exercised against the reference,
//! and none comes back untested. A seed decides which requests are built, never whether a
//! check runs.

mod common;

use common::*;
use confuzz::check::CheckKind;
use confuzz::run::{RowVerdict, RunOptions};

/// Seeds swept (the first hundred after the default seed of the command line, 0).
const SEEDS: u64 = 100;

#[test]
fn a_hundred_seeds_leave_nothing_untested() {
    let set = specs();
    let mut untested = Vec::new();
    let mut checks = 0;
    for seed in 0..SEEDS {
        // A fresh reference per seed: each run starts from the reference's initial state.
        let reference = reference();
        let options = RunOptions::default()
            .seed(seed)
            .cases(1)
            .shrink(false)
            .positive(true);
        let report = run_quiet(&set, &reference, &reference.fixtures(), &options);
        for c in report.checks() {
            checks += 1;
            let (id, reason) = (&c.id, &c.reason);
            assert_ne!(
                c.verdict,
                RowVerdict::Failed,
                "seed {seed}: {id}: {reason:?}"
            );
            if c.verdict == RowVerdict::Untested {
                untested.push(format!("seed {seed}: {id}: {reason:?}"));
            }
        }
        let properties = report.of_kind(CheckKind::Property).count();
        assert!(properties >= 20, "seed {seed}: every property ran");
    }
    assert!(untested.is_empty(), "{untested:#?}");
    assert!(checks >= SEEDS as usize * 150, "{checks} checks");
}
