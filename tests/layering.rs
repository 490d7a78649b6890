//! The top-level modules of `src/` form a strict downward order: a module may name (`crate::x`)
//! only modules of lower layers. This test reads every source file and fails on a path that
//! points up or sideways, with the file, the line and the two layers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lowest first. Modules of one layer do not name each other. The engine is `target` to
/// `run`; vendor knowledge (`reference`), the mutation score, the reports and the front ends
/// sit above it.
const LAYERS: &[&[&str]] = &[
    &["target"],
    &["auth"],
    &["spec"],
    &["check"],
    &["generate"],
    &["exec"],
    &["props"],
    &["run"],
    &["reference"],
    &["mutants"],
    &["report"],
    &["certify"],
    &["fuzzing", "serve"],
    &["harness"],
    &["cli"],
];

fn rank_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: without a `//` comment (a line comment, a doc comment, or one after
/// the code). `://` (a URL in a string) is not a comment.
fn code_of(line: &str) -> &str {
    let mut from = 0;
    while let Some(i) = line[from..].find("//") {
        let at = from + i;
        if at > 0 && line.as_bytes()[at - 1] == b':' {
            from = at + 2;
            continue;
        }
        return &line[..at];
    }
    line
}

/// The code of a file: every line without its `//` comment, lines kept (so positions map
/// back to line numbers).
fn code_text(text: &str) -> String {
    text.lines().map(code_of).collect::<Vec<_>>().join("\n")
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The top-level modules a piece of code names, each with the byte offset where it is named:
/// `crate::x` and each top-level `x` of `crate::{x, y::{z, w}}`, groups spanning lines too.
fn named_modules_at(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("crate::") {
        let at = from + i;
        from = at + "crate::".len();
        let before = code[..at].chars().next_back();
        // `confuzz_crate::x` or `$crate::x` (a macro's own crate) name no module of this crate.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[from..];
        let Some(group) = rest.strip_prefix('{') else {
            let name = identifier(rest);
            if !name.is_empty() {
                out.push((at, name));
            }
            continue;
        };
        // A group: the names at its top level, after its opening brace and after each comma.
        let mut depth = 0usize;
        let mut expect_name = true;
        for (k, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => expect_name = true,
                c if c.is_whitespace() => {}
                _ if expect_name && depth == 0 => {
                    let name = identifier(&group[k..]);
                    if !name.is_empty() {
                        // Where the name itself stands: after `crate::{` and `k` bytes.
                        out.push((from + 1 + k, name));
                    }
                    expect_name = false;
                }
                _ => {}
            }
        }
    }
    out
}

/// The top-level modules a line of code names.
fn named_modules(code: &str) -> Vec<String> {
    named_modules_at(code).into_iter().map(|(_, m)| m).collect()
}

/// The top-level module a file of `src/` belongs to (`src/run/runner.rs`: `run`); `None` for
/// `lib.rs` and `main.rs`, which only declare modules and call the CLI.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        other => Some(other.trim_end_matches(".rs").to_string()),
    }
}

/// Every path in `src/` that points to a module of the same or a higher layer.
fn upward_imports(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let Some(module) = module_of(src, file) else {
            continue;
        };
        let Some(rank) = rank_of(&module) else {
            problems.push(format!(
                "{}: module `{module}` has no layer; add it to LAYERS in tests/layering.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let code = code_text(&text);
        for (at, named) in named_modules_at(&code) {
            if named == module || named == "__private" {
                continue;
            }
            let Some(to) = rank_of(&named) else {
                // A macro or an item of lib.rs (re-exports), not a module.
                continue;
            };
            if to >= rank {
                let n = code[..at].matches('\n').count();
                problems.push(format!(
                    "{}:{}: `{module}` (layer {rank}) names `{named}` (layer {to}): {}",
                    file.display(),
                    n + 1,
                    text.lines().nth(n).unwrap_or("").trim()
                ));
            }
        }
    }
    problems
}

/// In each vendor of `src/reference/`, the `service` module dispatches to the others; no other
/// module of the vendor names it.
fn service_imports(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let reference = src.join("reference");
    let Ok(entries) = std::fs::read_dir(&reference) else {
        return problems;
    };
    let mut vendors: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    vendors.sort();
    for vendor in vendors {
        let name = vendor.file_name().unwrap().to_str().unwrap().to_string();
        let mut files = Vec::new();
        rust_files(&vendor, &mut files);
        for file in files.iter().filter(|f| !f.ends_with("service.rs")) {
            let text = std::fs::read_to_string(file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = code_of(line);
                if code.contains("super::service")
                    || code.contains(&format!("reference::{name}::service"))
                {
                    problems.push(format!(
                        "{}:{}: names the vendor's service module: {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    problems
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_names_only_lower_layers() {
    let problems = upward_imports(&src());
    assert!(
        problems.is_empty(),
        "{} paths point up or sideways (order: {}):\n{}",
        problems.len(),
        LAYERS
            .iter()
            .map(|l| l.join(" "))
            .collect::<Vec<_>>()
            .join(" < "),
        problems.join("\n")
    );
}

#[test]
fn vendor_modules_do_not_name_their_service() {
    let problems = service_imports(&src());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let mut seen = BTreeMap::new();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for file in &files {
        if let Some(module) = module_of(&src(), file) {
            seen.insert(module.clone(), rank_of(&module));
        }
    }
    let missing: Vec<&String> = seen
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(m, _)| m)
        .collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
    assert!(
        seen.contains_key("spec") && seen.contains_key("run"),
        "{seen:?}"
    );
}

/// The check fails on an upward import: a scratch tree where `spec` names `run`.
#[test]
fn an_upward_import_is_found_with_its_file_and_line() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layering-upward");
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in [
        ("spec/mod.rs", "//! specs\nuse crate::target::Request;\n"),
        (
            "spec/load.rs",
            "use std::fmt;\nuse crate::{\n    auth::oauth1,\n    run::RunOptions,\n};\n",
        ),
        ("run/mod.rs", "use crate::spec::VendorSpec;\n"),
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let problems = upward_imports(&dir);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("load.rs:4: `spec` (layer 2) names `run` (layer 7)"),
        "{problems:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_reader_finds_what_it_must() {
    assert_eq!(
        named_modules("use crate::{check::Oracle, run::RunOptions};"),
        ["check", "run"]
    );
    assert_eq!(
        named_modules("    let x = crate::run::rand_u64(rng);"),
        ["run"]
    );
    assert!(named_modules("macro: $crate::__private::insta").is_empty());
    assert_eq!(
        named_modules("use crate::{\n  a::{b, c::{d}},\n  e,\n};"),
        ["a", "e"]
    );
    assert_eq!(
        code_of("use crate::spec; // see crate::run"),
        "use crate::spec; "
    );
    assert_eq!(code_of("/// [`crate::run`]"), "");
    assert_eq!(
        code_of(r#"let u = "http://x"; crate::run::go()"#),
        r#"let u = "http://x"; crate::run::go()"#
    );
}
