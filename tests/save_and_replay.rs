//! `confuzz run --save-failures DIR` saves every kind of failed check (a row, a valid-request
//! check, a property), and `confuzz replay FILE` judges each again: it still fails against the
//! mutant that failed it, and passes against the conforming reference.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::scratch;
use serde_json::{json, Value};

fn confuzz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn exits(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", text(o));
    assert!(!text(o).contains("panicked"), "{}", text(o));
}

/// Runs the one check `id` against `mutant`, saving its failure in `dir`; returns the file.
fn save(dir: &Path, vendor: &str, id: &str, mutant: &str) -> PathBuf {
    let o = confuzz(&[
        "run",
        "--vendor",
        vendor,
        "--row",
        id,
        "--mutant",
        mutant,
        "--seed",
        "3",
        "--cases",
        "4",
        "--save-failures",
        dir.to_str().unwrap(),
    ]);
    exits(&o, 1);
    // Every run saves into a fresh `run-<time>` folder of its own inside `dir`.
    let runs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("run-"))
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "one run folder in {}: {}",
        dir.display(),
        text(&o)
    );
    let file = runs[0].join(format!("{id}.json"));
    assert!(file.is_file(), "{} not saved: {}", file.display(), text(&o));
    file
}

/// Replays `file` against the mutant (it still fails) and the reference (it passes now).
fn replays(file: &Path, mutant: &str) -> String {
    let path = file.to_str().unwrap();
    let again = confuzz(&["replay", path, "--mutant", mutant]);
    exits(&again, 1);
    let out = text(&again);
    assert!(out.contains("still fails"), "{out}");
    let fixed = confuzz(&["replay", path]);
    exits(&fixed, 0);
    assert!(text(&fixed).contains("passes now"), "{}", text(&fixed));
    out
}

fn saved(file: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn a_failed_row_is_saved_and_replayed() {
    let dir = scratch("save_and_replay", "row");
    let (id, mutant) = ("clever.auth.no-token", "clever.auth-statuses-swapped");
    let file = save(&dir, "clever", id, mutant);
    let doc = saved(&file);
    assert_eq!(
        (doc["format"].as_u64(), &doc["check"]["kind"]),
        (Some(2), &json!("row"))
    );
    let out = replays(&file, mutant);
    assert!(
        out.contains("status: expected \"401\", observed \"403\""),
        "{out}"
    );
    assert!(out.contains("curl -i -X POST"), "{out}");

    // A file saved in format 1 (rows only) still replays.
    let e = &doc["check"]["evidence"];
    let old = json!({
        "format": 1,
        "row": id,
        "vendor": "clever",
        "seed": doc["seed"],
        "prefix": doc["prefix"],
        "choices": e["choices"],
        "strict": false,
        "setup": e["setup"],
        "request": e["request"],
        "response": e["response"],
        "mismatches": e["mismatches"],
    });
    let old_file = dir.join("format-1.json");
    std::fs::write(&old_file, old.to_string()).unwrap();
    replays(&old_file, mutant);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_valid_request_check_is_saved_and_replayed() {
    let dir = scratch("save_and_replay", "valid");
    let (id, mutant) = (
        "classroom.valid.registration-create",
        "classroom.domain-feed-needs-course",
    );
    let file = save(&dir, "classroom", id, mutant);
    let doc = saved(&file);
    assert_eq!(doc["check"]["kind"], "valid");
    assert!(doc["check"]["evidence"]["choices"].is_array(), "{doc}");
    let out = replays(&file, mutant);
    assert!(out.contains("a valid request was rejected"), "{out}");
    assert!(out.contains("curl -i -X POST"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_property_is_saved_and_replayed_by_re_running_its_subject() {
    let dir = scratch("save_and_replay", "property");
    let (id, mutant) = (
        "clever.after-delete.assignment-delete",
        "clever.deleted-revived-by-patch",
    );
    let file = save(&dir, "clever", id, mutant);
    let doc = saved(&file);
    assert_eq!(doc["check"]["kind"], "property");
    assert_eq!(doc["check"]["property"], "after-delete");
    assert!(
        !doc["check"]["exchanges"].as_array().unwrap().is_empty(),
        "{doc}"
    );
    let out = replays(&file, mutant);
    assert!(
        out.contains("PATCH assignment-update of the deleted record"),
        "{out}"
    );
    assert!(out.contains("requests, in order:"), "{out}");
    assert!(out.contains("4. curl -i -X PATCH"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_is_not_a_saved_failure_is_refused_with_its_line() {
    let dir = scratch("save_and_replay", "bad");
    let file = dir.join("bad.json");
    std::fs::write(&file, "{\n  \"format\": 2,\n  \"seed\": \"x\"\n}\n").unwrap();
    let o = confuzz(&["replay", file.to_str().unwrap()]);
    exits(&o, 2);
    assert!(
        text(&o).contains("bad.json:3: not a saved failure"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_cannot_be_replayed_is_a_typed_error_naming_the_file() {
    use confuzz::run::replay::{ReplayError, SavedFailure};
    let dir = scratch("save_and_replay", "typed");
    let cases = [
        ("shape.json", "{\n  \"format\": 2,\n  \"seed\": \"x\"\n}\n"),
        ("future.json", "{ \"format\": 9 }"),
        ("bare.json", "{ \"seed\": 1 }"),
    ];
    for (name, body) in cases {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let load = |name: &str| SavedFailure::load(&dir.join(name)).unwrap_err();
    let e = load("shape.json");
    assert!(matches!(e, ReplayError::NotSaved { line: 3, .. }), "{e:?}");
    assert!(
        e.to_string().contains("shape.json:3: not a saved failure"),
        "{e}"
    );
    let e = load("future.json");
    assert!(matches!(e, ReplayError::Format { found: 9, .. }), "{e:?}");
    assert!(e.to_string().contains("format 9 is not one"), "{e}");
    let e = load("bare.json");
    assert!(matches!(e, ReplayError::NoFormat { .. }), "{e:?}");
    assert!(e.to_string().contains("\n  fix: "), "{e}");
    let e = load("missing.json");
    assert!(matches!(e, ReplayError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("missing.json: cannot read"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_case_that_cannot_be_rebuilt_is_a_case_error_a_caller_can_name() {
    use confuzz::reference::{Config, Reference};
    use confuzz::run::replay::{replay, ReplayError, ReplayTarget, SavedFailure};
    use confuzz::run::CaseError;
    let dir = scratch("save_and_replay", "case-error");
    let file = save(
        &dir,
        "clever",
        "clever.auth.no-token",
        "clever.auth-statuses-swapped",
    );
    let saved = SavedFailure::load(&file).expect("the saved failure reads back");
    let set = confuzz::spec::load_embedded().unwrap();
    let reference = Reference::new(Config::default());
    // No fixtures: the case cannot be built again.
    let fixtures = serde_json::Map::new();
    let to = ReplayTarget {
        target: &reference,
        fixtures: &fixtures,
        url_base: "http://localhost",
        host: None,
        faults: None,
    };
    match replay(&saved, &set, &to) {
        Err(ReplayError::Case(e)) => {
            let e: &CaseError = &e;
            assert!(matches!(e, CaseError::MissingFixture(_)), "{e:?}");
            assert!(e.to_string().starts_with("needs fixture `clever."), "{e}");
        }
        other => panic!("not a case error: {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
