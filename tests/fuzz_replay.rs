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
fn shipped_specs_replay_through_the_loader() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut n = 0;
    for file in std::fs::read_dir(specs).unwrap().flatten() {
        if file.path().extension().is_some_and(|e| e == "yaml") {
            let data = std::fs::read(file.path()).unwrap();
            fuzzing::check("spec_loader", &data)
                .unwrap_or_else(|e| panic!("{}: {e}", file.path().display()));
            n += 1;
        }
    }
    assert!(n >= 4, "only {n} spec files");
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
    assert!(
        matches!(&err, fuzzing::FuzzError::UnknownTarget { name, known }
            if name == "no_such_target" && known.iter().any(|t| t == "spec_loader")),
        "{err:?}"
    );
    assert!(err.to_string().contains("unknown fuzz target"), "{err}");
    let err = fuzzing::check_reference(Default::default(), "acme", b"").unwrap_err();
    assert!(matches!(err, fuzzing::FuzzError::NoSpec(_)), "{err:?}");
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

/// The reference property catches deviations: replaying a vendor's seeds against a mutant
/// whose answers leave the documented ones fails, where the clean reference passes
/// (`seeds_replay`).
#[test]
fn the_reference_property_catches_undocumented_answers_of_mutants() {
    for mutant in [
        "clever.method-not-allowed-body",
        "lti.errors-as-text-html",
        "classroom.internal-plain-text",
        "coursekey.invalid-email-500",
    ] {
        let vendor = mutant.split('.').next().unwrap();
        let caught = inputs("seeds")
            .into_iter()
            .filter(|(target, _)| *target == format!("reference_{vendor}"))
            .filter_map(|(_, path)| {
                let config = confuzz::reference::Config::default().mutant(mutant.to_string());
                fuzzing::check_reference(config, vendor, &std::fs::read(path).unwrap()).err()
            })
            .next();
        let evidence = caught.unwrap_or_else(|| panic!("no seed catches mutant {mutant}"));
        assert!(
            matches!(&evidence, fuzzing::FuzzError::Violated(text) if text.contains("neither a success")),
            "{mutant}: {evidence:?}"
        );
    }
}

/// Generic answers match on status, body kind, code, name and message; nothing else does.
#[test]
fn generic_answers_are_matched_as_declared() {
    let set = confuzz::spec::load_embedded().unwrap();
    let oracle = confuzz::check::Oracle::new(&set);
    let clever = set.vendor("clever").unwrap();
    let answer = |status, message: &str| {
        confuzz::Response::json(status, &serde_json::json!({ "message": message }))
    };
    assert_eq!(
        oracle.generic_answer(clever, &answer(404, "Not Found")),
        Some("unknown-route")
    );
    assert_eq!(
        oracle.generic_answer(
            clever,
            &answer(400, "invalid character 'x' after object key")
        ),
        Some("json-syntax-error")
    );
    assert_eq!(
        oracle.generic_answer(clever, &answer(404, "Not found")),
        None
    );
    assert_eq!(
        oracle.generic_answer(clever, &answer(405, "Not Found")),
        None
    );
    assert_eq!(
        oracle.generic_answer(clever, &confuzz::Response::text(404, "Not Found")),
        None
    );
    let coursekey = set.vendor("coursekey").unwrap();
    let with_code = confuzz::Response::json(
        401,
        &serde_json::json!({"error": {"code": 7, "message": "Unauthorized"}}),
    );
    assert_eq!(
        oracle.generic_answer(coursekey, &with_code),
        None,
        "code: absent"
    );
}

/// The regression inputs of the reference targets are the undocumented answers fuzzing found;
/// each is named after the generic answer now declared for it, and still provokes exactly it.
#[test]
fn reference_regressions_provoke_the_generic_answer_they_are_named_after() {
    let set = confuzz::spec::load_embedded().unwrap();
    let oracle = confuzz::check::Oracle::new(&set);
    for (target, path) in inputs("regressions") {
        let Some(vendor) = target.strip_prefix("reference_") else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let exchanges = fuzzing::replay_script(
            confuzz::reference::Config::default(),
            vendor,
            &std::fs::read(&path).unwrap(),
        )
        .unwrap();
        let (_, answer, _) = exchanges.last().unwrap();
        let spec = set.vendor(vendor).unwrap();
        assert_eq!(
            oracle.generic_answer(spec, answer),
            Some(name.as_str()),
            "{}: answered {} {}",
            path.display(),
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
}
