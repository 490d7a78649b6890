//! A run split into parts (`--partition K/N`) and merged again (`confuzz merge`): the merged
//! report is the whole run's, every check runs in exactly one part, parts that run at once
//! against one target do not collide, and reports that are not parts of one run are refused.

mod common;

use std::collections::BTreeMap;

use common::{reference, specs};
use confuzz::reference::{Config, Reference};
use confuzz::report::run::{json, Redactor};
use confuzz::run::{merge, Partition, RowVerdict, RunOptions, RunReport};
use confuzz::spec::SpecSet;
use confuzz::target::Clock;
use confuzz::Target;
use serde_json::Value;

const SEED: u64 = 7;

/// The instant every request is built at and every reference judges by (the time of the
/// first call): OAuth timestamps are then the same in every run, so two runs with one seed
/// send the same bytes.
fn at() -> chrono::DateTime<chrono::Utc> {
    static AT: std::sync::OnceLock<chrono::DateTime<chrono::Utc>> = std::sync::OnceLock::new();
    *AT.get_or_init(chrono::Utc::now)
}

/// A fresh reference judging time by [`at`].
fn fresh() -> Reference {
    Reference::new(Config::default().clock(Clock::fixed(at())))
}

fn options(partition: Option<Partition>) -> RunOptions {
    RunOptions::default()
        .cases(4)
        .seed(SEED)
        .jobs(2)
        .now(Some(at()))
        .partition(partition)
}

fn part(k: u32, n: u32) -> Option<Partition> {
    Some(Partition { index: k, count: n })
}

fn run_on(set: &SpecSet, target: &dyn Target, partition: Option<Partition>) -> RunReport {
    let fixtures = reference().fixtures();
    confuzz::run::run(set, target, &fixtures, &options(partition), &|_| {})
        .expect("the run goes on")
}

/// Each part against a fresh reference, as on machines of their own.
fn parts(set: &SpecSet, n: u32) -> Vec<(String, RunReport)> {
    (1..=n)
        .map(|k| (format!("part-{k}.json"), run_on(set, &fresh(), part(k, n))))
        .collect()
}

/// The JSON report with what changes from run to run (timings) left out.
fn comparable(report: &RunReport) -> Value {
    let mut v = json(report, "http://127.0.0.1:8080", &Redactor::default());
    v.as_object_mut().expect("an object").remove("elapsed_ms");
    for check in v["checks"].as_array_mut().expect("checks") {
        check.as_object_mut().expect("an object").remove("time_ms");
    }
    v
}

/// A report read back from its JSON text, as `confuzz merge` reads it.
fn through_json(report: &RunReport) -> RunReport {
    let text = serde_json::to_string(&json(report, "http://127.0.0.1:8080", &Redactor::default()))
        .expect("serializes");
    serde_json::from_str(&text).expect("reads back")
}

#[test]
fn merged_parts_are_the_whole_run() {
    let set = specs();
    let whole = run_on(&set, &fresh(), None);
    assert!(whole.conforms(), "{:?}", whole.summary);
    assert!(whole.checks().count() > 150);
    for n in [2, 3] {
        let parts: Vec<(String, RunReport)> = parts(&set, n)
            .into_iter()
            .map(|(name, r)| (name, through_json(&r)))
            .collect();
        for (name, p) in &parts {
            assert!(p.checks().count() > 0, "{name} of {n} is empty");
            assert!(p.checks().count() < whole.checks().count());
        }
        let merged = merge(&parts, &set).expect("the parts merge");
        let (m, w) = (comparable(&merged), comparable(&whole));
        for (a, b) in m["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .zip(w["checks"].as_array().into_iter().flatten())
        {
            assert_eq!(a, b, "a check of the merge of {n} parts differs");
        }
        assert_eq!(m, w, "the merge of {n} parts differs from the whole run");
    }
}

#[test]
fn every_check_runs_in_exactly_one_part() {
    let set = specs();
    let whole = run_on(&set, &fresh(), None);
    let all: Vec<&str> = whole.checks().map(|c| c.id.as_str()).collect();
    for n in 1..=4 {
        let mut owner: BTreeMap<String, u32> = BTreeMap::new();
        for (k, (_, report)) in (1..=n).zip(parts(&set, n)) {
            assert_eq!(report.partition, part(k, n));
            for c in report.checks() {
                if let Some(other) = owner.insert(c.id.clone(), k) {
                    panic!("{} is in parts {other} and {k} of {n}", c.id);
                }
            }
        }
        let mut ids: Vec<&str> = owner.keys().map(String::as_str).collect();
        let mut expected = all.clone();
        ids.sort();
        expected.sort();
        assert_eq!(ids, expected, "the {n} parts do not cover the run");
        // What shares a target's state shares a part: a vendor's properties, its limit rows
        // and its checks that draw pool elements.
        let classroom_state = [
            "classroom.valid.student-create",
            "classroom.limit.course-members",
            "classroom.nothing-lost.course-create",
        ];
        let at: Vec<Option<&u32>> = classroom_state.iter().map(|id| owner.get(*id)).collect();
        assert!(at.iter().all(|p| p.is_some() && *p == at[0]), "{at:?}");
        let coursekey: Vec<u32> = owner
            .iter()
            .filter(|(id, _)| {
                id.starts_with("coursekey.")
                    && whole
                        .check(id)
                        .is_some_and(|c| c.kind == confuzz::check::CheckKind::Property)
            })
            .map(|(_, k)| *k)
            .collect();
        assert!(coursekey.windows(2).all(|w| w[0] == w[1]), "{coursekey:?}");
    }
}

/// One reference that every part shares, as one staging server that several CI jobs check at
/// once; its pool of classroom users is about what one whole run takes (121 to 130).
fn shared_reference() -> Reference {
    Reference::new(
        Config::default()
            .pools([("classroom.user_ids".to_string(), 130)])
            .clock(Clock::fixed(at())),
    )
}

fn at_once(set: &SpecSet, target: &Reference, parts: &[Partition]) -> Vec<RunReport> {
    let fixtures = target.fixtures();
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|p| {
                let fixtures = &fixtures;
                scope.spawn(move || {
                    confuzz::run::run(set, target, fixtures, &options(Some(*p)), &|_| {})
                        .expect("the run goes on")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a part panicked"))
            .collect()
    })
}

#[test]
fn parts_at_once_against_one_target_do_not_collide() {
    let set = specs();
    let target = shared_reference();
    let n = 3;
    let all: Vec<Partition> = (1..=n).map(|k| Partition { index: k, count: n }).collect();
    let reports = at_once(&set, &target, &all);
    for r in &reports {
        let bad: Vec<String> = r
            .checks()
            .filter(|c| matches!(c.verdict, RowVerdict::Failed | RowVerdict::Untested))
            .map(|c| format!("{}: {:?}", c.id, c.reason))
            .collect();
        assert!(bad.is_empty(), "part {:?}: {bad:?}", r.partition);
    }
    let named: Vec<(String, RunReport)> = reports
        .into_iter()
        .enumerate()
        .map(|(i, r)| (format!("part-{}", i + 1), r))
        .collect();
    assert!(merge(&named, &set).expect("merges").conforms());
}

#[test]
fn the_same_part_twice_at_once_collides() {
    // The check above can see a collision: two runs of the part that holds the classroom
    // users, at once against one target, take the same users and create the same entities.
    let set = specs();
    let target = shared_reference();
    let which = (1..=3)
        .zip(parts(&set, 3))
        .find(|(_, (_, r))| r.check("classroom.limit.course-members").is_some())
        .map(|(k, _)| k)
        .expect("some part holds the classroom state");
    let twice = [Partition {
        index: which,
        count: 3,
    }; 2];
    let reports = at_once(&set, &target, &twice);
    let not_passed: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.checks())
        .filter(|c| c.verdict != RowVerdict::Passed)
        .map(|c| c.id.as_str())
        .collect();
    // The same pool users (classroom) and the same entity names (coursekey) twice.
    assert!(
        not_passed.iter().any(|id| id.starts_with("classroom."))
            && not_passed.iter().any(|id| id.starts_with("coursekey.")),
        "two runs of one part at once did not collide: {not_passed:?}"
    );
}

fn refused(parts: &[(String, RunReport)], set: &SpecSet) -> String {
    merge(parts, set).expect_err("refused").to_string()
}

#[test]
fn reports_of_other_runs_are_refused() {
    let set = specs();
    let good = parts(&set, 2);
    let with = |i: usize, f: &dyn Fn(&mut RunReport)| {
        let mut p = good.clone();
        f(&mut p[i].1);
        p
    };
    let e = refused(&with(1, &|r| r.seed += 1), &set);
    assert!(
        e.contains("part-2.json and part-1.json") && e.contains("seeds differ"),
        "{e}"
    );
    let e = refused(&with(1, &|r| r.cases += 1), &set);
    assert!(e.contains("case counts differ"), "{e}");
    let e = refused(
        &with(1, &|r| {
            if let Some(o) = r.options.as_mut() {
                o.rows = vec!["clever".into()];
            }
        }),
        &set,
    );
    assert!(e.contains("options (rows) differ"), "{e}");
    let e = refused(&with(1, &|r| r.spec = Some("0".repeat(64))), &set);
    assert!(e.contains("specs (fingerprints) differ"), "{e}");
    // Specs other than those in use: another vendor set.
    let clever = set
        .clone()
        .only_vendors(&["clever".to_string()])
        .expect("clever");
    let e = refused(&good, &clever);
    assert!(e.contains("part-1.json was made with other specs"), "{e}");
    // Overlapping, missing, mismatched splits and whole runs.
    let e = refused(&[good[0].clone(), good[0].clone()], &set);
    assert!(e.contains("part 1/2 is given twice"), "{e}");
    let e = refused(&good[..1], &set);
    assert!(e.contains("lacks part 2/2"), "{e}");
    let e = refused(&with(1, &|r| r.partition = part(2, 3)), &set);
    assert!(e.contains("the splits differ"), "{e}");
    let e = refused(&with(0, &|r| r.partition = None), &set);
    assert!(
        e.contains("part-1.json is the report of a whole run"),
        "{e}"
    );
    let e = refused(
        &with(1, &|r| {
            let c = good[0].1.checks().next().cloned().expect("a check");
            r.checks.push(c);
        }),
        &set,
    );
    assert!(e.contains("is in both part-1.json and part-2.json"), "{e}");
    assert!(merge(&good, &set).is_ok());
}

/// Runs the binary; a panic could not hide (backtraces on).
fn confuzz(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

/// The JSON report of part `k/n` of a run of the binary, written to `dir/NAME.json`.
fn cli_part(
    dir: &std::path::Path,
    name: &str,
    seed: u32,
    k: u32,
    n: u32,
    extra: &[&str],
) -> String {
    let p = format!("{k}/{n}");
    let seed = seed.to_string();
    let mut args = vec![
        "run",
        "--vendor",
        "clever",
        "--cases",
        "2",
        "--seed",
        &seed,
        "--partition",
        &p,
        "--format",
        "json",
        "--color",
        "never",
    ];
    args.extend_from_slice(extra);
    let o = confuzz(&args);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, &o.stdout).expect("writes");
    path.display().to_string()
}

#[test]
fn the_binary_splits_and_merges() {
    let dir = common::scratch("partition", "cli");
    let a = cli_part(&dir, "a", 7, 1, 2, &[]);
    let b = cli_part(&dir, "b", 7, 2, 2, &[]);
    let junit = dir.join("junit.xml").display().to_string();
    let o = confuzz(&["merge", &a, &b, "--format", "json", "--junit", &junit]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let merged: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert_eq!(merged["partition"], Value::Null);
    assert_eq!(merged["seed"], 7);
    let whole = confuzz(&[
        "run", "--vendor", "clever", "--cases", "2", "--seed", "7", "--format", "json",
    ]);
    let whole: Value = serde_json::from_slice(&whole.stdout).expect("a JSON report");
    let ids = |v: &Value| -> Vec<String> {
        v["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&merged), ids(&whole));
    assert_eq!(merged["spec"], whole["spec"]);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    assert_eq!(xml.matches("<testcase").count(), ids(&whole).len());
    // The console, and the exit code of a run that fails: a part against a mutant.
    let c = cli_part(
        &dir,
        "c",
        7,
        1,
        2,
        &["--mutant", "clever.auth-statuses-swapped"],
    );
    let d = cli_part(
        &dir,
        "d",
        7,
        2,
        2,
        &["--mutant", "clever.auth-statuses-swapped"],
    );
    let o = confuzz(&["merge", &c, &d]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("clever.auth"));
    // Refusals: a missing part, another seed, a partition that is none.
    let o = confuzz(&["merge", &a]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("lacks part 2/2") && !e.contains("panicked"),
        "{e}"
    );
    let e8 = cli_part(&dir, "seed-8", 8, 2, 2, &[]);
    let o = confuzz(&["merge", &a, &e8]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("seeds differ"));
    let o = confuzz(&["run", "--partition", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("write K/N"));
    let o = confuzz(&["merge", &junit]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a JSON report"));
}
