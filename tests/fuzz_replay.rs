//! The fuzz targets on stable: every committed input (`fuzz/seeds/`, `fuzz/corpus/`,
//! `fuzz/regressions/`, one folder per target) replays through the same library function
//! libFuzzer runs, and the generated seeds and dictionaries match the specs.
//!
//! `CONFUZZ_WRITE_FUZZ_SEEDS=1 cargo test --test fuzz_replay` rewrites `fuzz/seeds/` and
//! `fuzz/dict/` from the specs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use confuzz::fuzzing;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// (target, file) for every file under `fuzz/<kind>/<target>/`.
fn inputs(kind: &str) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(targets) = std::fs::read_dir(fuzz_dir().join(kind)) else {
        return out;
    };
    for target in targets.flatten() {
        let name = target.file_name().to_string_lossy().into_owned();
        let Ok(files) = std::fs::read_dir(target.path()) else {
            continue;
        };
        for file in files.flatten() {
            if file.path().is_file() {
                out.push((name.clone(), file.path()));
            }
        }
    }
    out.sort();
    out
}

fn replay(kind: &str) -> usize {
    let all = inputs(kind);
    let mut failures = Vec::new();
    for (target, path) in &all {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| fuzzing::check(target, &data));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(evidence)) => failures.push(format!("{}: {evidence}", path.display())),
            Err(_) => failures.push(format!("{}: panicked (see above)", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs under fuzz/{kind} fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    all.len()
}

#[test]
fn seeds_replay() {
    let n = replay("seeds");
    assert!(
        n > 100,
        "only {n} seed inputs: regenerate them (see the module docs)"
    );
}

#[test]
fn corpus_replays() {
    replay("corpus");
}

#[test]
fn regressions_replay() {
    replay("regressions");
}

#[test]
fn every_committed_folder_names_a_target() {
    let targets: BTreeSet<String> = fuzzing::target_names().into_iter().collect();
    for kind in ["seeds", "corpus", "regressions"] {
        for (target, path) in inputs(kind) {
            assert!(
                targets.contains(&target),
                "{}: `{target}` is no fuzz target ({targets:?})",
                path.display()
            );
        }
    }
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for target in fuzzing::target_names() {
        let file = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("{} is missing", file.display()));
        assert!(
            text.contains(&format!("confuzz::fuzzing::run(\"{target}\", data)")),
            "{} does not call confuzz::fuzzing::run(\"{target}\", data)",
            file.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no [[bin]] named {target}"
        );
    }
}

#[test]
fn an_unknown_target_is_an_error() {
    let err = fuzzing::check("no_such_target", b"").unwrap_err();
    assert!(err.contains("unknown fuzz target"), "{err}");
}

#[test]
fn seeds_and_dictionaries_match_the_specs() {
    let generated = fuzzing::seeds::generate().unwrap();
    let dir = fuzz_dir();
    let wanted: BTreeSet<PathBuf> = generated.iter().map(|f| dir.join(&f.path)).collect();
    let mut committed: BTreeSet<PathBuf> = inputs("seeds").into_iter().map(|(_, p)| p).collect();
    if let Ok(dicts) = std::fs::read_dir(dir.join("dict")) {
        committed.extend(dicts.flatten().map(|d| d.path()));
    }
    if std::env::var_os("CONFUZZ_WRITE_FUZZ_SEEDS").is_some() {
        for stale in committed.difference(&wanted) {
            std::fs::remove_file(stale).unwrap();
        }
        for file in &generated {
            let path = dir.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.bytes).unwrap();
        }
        return;
    }
    let mut problems = Vec::new();
    for stale in committed.difference(&wanted) {
        problems.push(format!("{} is no longer generated", stale.display()));
    }
    for file in &generated {
        let path = dir.join(&file.path);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == file.bytes => {}
            Ok(_) => problems.push(format!("{} differs", path.display())),
            Err(_) => problems.push(format!("{} is missing", path.display())),
        }
    }
    assert!(
        problems.is_empty(),
        "the fuzz seeds are out of date with the specs; run \
         `CONFUZZ_WRITE_FUZZ_SEEDS=1 cargo test --test fuzz_replay` and review:\n{}",
        problems.join("\n")
    );
}

#[test]
fn seeds_cover_every_row_of_every_reference_vendor() {
    let generated = fuzzing::seeds::generate().unwrap();
    let set = confuzz::spec::load_embedded().unwrap();
    let names: BTreeSet<&str> = generated.iter().map(|f| f.path.as_str()).collect();
    let mut missing = Vec::new();
    for (spec, row) in set.rows() {
        let vendor = &spec.vendor.id;
        let slug = row.id.strip_prefix(&format!("{vendor}.")).unwrap();
        let mutated = format!("seeds/reference_{vendor}/{slug}.mutated");
        if !names.contains(mutated.as_str()) {
            missing.push(mutated);
        }
    }
    assert!(missing.is_empty(), "rows without a seed: {missing:?}");
}
