//! The README's "Test your implementation with cargo test" section, as a user follows it: its
//! `Cargo.toml` lines and its `tests/conformance.rs`, copied verbatim from README.md into a
//! crate of their own (`my_service`, whose `router()` is the example Clever service), built
//! and run offline. The service has its known bug, so the test must fail on exactly the row
//! the README shows failing.
//!
//! Ignored by default: it builds a second crate (its dependencies come from this build's
//! target dir, but confuzz itself is compiled again for it). The README's test command and
//! `.ci/run` run it: `cargo test --test readme_snippet -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The body of the first fenced block of `lang` in `text` that contains `needle`.
fn fenced(text: &str, lang: &str, needle: &str) -> String {
    let open = format!("```{lang}\n");
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find("```").expect("an unclosed fence in README.md");
        if body[..end].contains(needle) {
            return body[..end].to_string();
        }
        rest = &body[end + 3..];
    }
    panic!("README.md has no ```{lang} block containing {needle:?}");
}

/// The target dir this test was built in (`<target>/debug/deps/readme_snippet-...`), so the
/// scratch crate reuses the dependencies already built there.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// The repository's `[profile.*]` sections: the same settings, so the same artifacts.
fn profiles(manifest: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            keep = line.starts_with("[profile.");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
#[ignore = "builds a crate of its own; run by the README's test command and .ci/run"]
fn the_readme_snippet_builds_and_finds_the_example_bug() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let toml = fenced(&readme, "toml", "[dev-dependencies]");
    let test = fenced(&readme, "rust", "confuzz::testing::main");
    // The one thing a reader changes: where they cloned confuzz.
    const CLONE: &str = "\"../confuzz\"";
    assert!(
        toml.contains(CLONE),
        "the snippet's path dependency changed:\n{toml}"
    );
    let toml = toml.replace(CLONE, &format!("{:?}", repo.display().to_string()));

    let work = std::env::temp_dir().join(format!("confuzz-readme-snippet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let crate_dir = work.join("my_service");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::create_dir_all(crate_dir.join("tests")).unwrap();
    let manifest = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"my_service\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\n\
             axum = {{ version = \"0.8\", default-features = false, features = [\"http1\", \"tokio\"] }}\n\
             chrono = {{ version = \"0.4\", default-features = false, features = [\"std\", \"clock\"] }}\n\
             serde_json = \"1\"\n\n{toml}\n{}",
            profiles(&manifest)
        ),
    )
    .unwrap();
    std::fs::copy(repo.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();
    std::fs::copy(
        repo.join("examples/clever_service/app.rs"),
        crate_dir.join("src/app.rs"),
    )
    .unwrap();
    std::fs::write(
        crate_dir.join("src/lib.rs"),
        "//! The example Clever service as a crate of its own.\n\npub mod app;\n\n\
         /// The service, seeded with the demo district.\n\
         pub fn router() -> axum::Router {\n    app::router(app::Roster::demo())\n}\n",
    )
    .unwrap();
    std::fs::write(crate_dir.join("tests/conformance.rs"), &test).unwrap();

    let output = Command::new(env!("CARGO"))
        .args(["test", "--offline", "--test", "conformance"])
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        !stderr.contains("error[") && !stderr.contains("error: could not compile"),
        "the README's snippet does not build:\n{stderr}"
    );
    // The README shows these failures and these counts.
    assert!(!output.status.success(), "{stdout}\n{stderr}");
    for failing in [
        "clever.auth.no-token",
        "clever.precedence.assignment-create",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("test {failing} ")) && l.ends_with("FAILED")),
            "{failing} in {stdout}\n{stderr}"
        );
    }
    assert!(stdout.contains("running 29 tests"), "{stdout}");
    assert!(stdout.contains("status: expected 401, got 400"), "{stdout}");
    assert!(
        stdout.contains("test result: FAILED. 27 passed; 2 failed"),
        "{stdout}"
    );
}
