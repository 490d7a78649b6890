//! The example service checked against Clever's documented errors: one test per row of the
//! table and one per endpoint for valid requests, in cargo's test output.
//!
//! In a crate of your own this file is `tests/conformance.rs`, declared in `Cargo.toml` with
//! `[[test]] name = "conformance"` and `harness = false`. Here it runs as an example:
//!
//! ```sh
//! cargo run --example clever_conformance                      # every Clever row
//! cargo run --example clever_conformance -- missing-required  # the rows whose id matches
//! ```

use confuzz::Harness;
use serde_json::json;

mod app;

fn main() -> std::process::ExitCode {
    let roster = app::Roster::demo();
    // The fixtures: the values the service is seeded with, by the names the Clever spec uses
    // (`confuzz list --vendor clever` and specs/clever.yaml declare them).
    let fixtures = json!({
        "clever.token": roster.token,
        "clever.section_id": roster.section_id,
        "clever.teacher_id": roster.teacher_id,
        "clever.student_id": roster.student_ids[0],
        "clever.unenrolled_student_id": "5f1b2c3d4e5f6a7b8c9d0e99",
    });
    confuzz::testing::main(
        Harness::embedded()
            .vendor("clever")
            .service(app::router(roster))
            .fixtures(fixtures)
            .cases(32)
            .seed(1),
    )
}
