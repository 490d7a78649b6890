//! A user runs the `confuzz` binary: `list`, `explain`, `lint`, `--help`, and mistakes on the
//! command line or in `--spec`. Exit codes: 0 success, 1 findings or no match, 2 usage, spec or
//! I/O error; never a panic or a backtrace.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use common::{edit, line_of, scratch, MINIMAL_SPEC};
use serde_json::Value;

/// Runs the binary with backtraces on, so a panic could not hide.
fn confuzz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn exits(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code; stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
    for out in [stdout(o), stderr(o)] {
        assert!(!out.contains("panicked"), "{out}");
        assert!(!out.contains("stack backtrace"), "{out}");
    }
}

#[track_caller]
fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn spec_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the spec");
    path.display().to_string()
}

/// The value at a dotted path (`trigger.kind`).
fn at<'a>(entry: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(entry, |v, key| v.get(key))
}

// list

#[test]
fn list_as_json_has_every_documented_error_with_its_fields() {
    let o = confuzz(&["list", "--format", "json"]);
    exits(&o, 0);
    let rows = json_of(&o);
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 101);

    let id = regex::Regex::new(r"^[a-z][a-z0-9]*\.[a-z0-9-]+\.[a-z0-9-]+$").expect("regex");
    let mut ids = BTreeSet::new();
    let mut per_vendor: BTreeMap<String, usize> = BTreeMap::new();
    for row in rows {
        for key in [
            "id",
            "vendor",
            "title",
            "endpoints",
            "status",
            "code",
            "name",
            "message",
            "trigger.kind",
            "provenance",
        ] {
            assert!(at(row, key).is_some(), "`{key}` in {row}");
        }
        let row_id = row["id"].as_str().expect("a string id");
        let vendor = row["vendor"].as_str().expect("a string vendor");
        assert!(id.is_match(row_id), "{row_id} reads vendor.group.slug");
        assert!(
            row_id.starts_with(&format!("{vendor}.")),
            "{row_id} starts with its vendor"
        );
        assert!(ids.insert(row_id.to_string()), "{row_id} is unique");
        assert!(row["status"].is_u64(), "{row}");
        assert!(!row["endpoints"].as_array().expect("an array").is_empty());
        assert_ne!(row["trigger"]["kind"], "none", "{row_id} has a trigger");
        assert!(row["provenance"]["status"].is_string(), "{row}");
        *per_vendor.entry(vendor.to_string()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("classroom", 9),
        ("clever", 15),
        ("coursekey", 61),
        ("lti", 16),
    ]
    .into_iter()
    .map(|(v, n)| (v.to_string(), n))
    .collect();
    assert_eq!(per_vendor, expected);
}

#[test]
fn list_of_one_vendor_has_only_its_rows() {
    let o = confuzz(&["list", "--vendor", "clever"]);
    exits(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("15 documented errors: clever 15"),
        "the summary line: {text}"
    );
    let rows = text.lines().filter(|l| l.starts_with("clever.")).count();
    assert_eq!(rows, 15, "{text}");

    let o = confuzz(&["list", "--vendor", "clever", "--format", "json"]);
    exits(&o, 0);
    let rows = json_of(&o);
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 15);
    assert!(rows.iter().all(|r| r["vendor"] == "clever"));
}

#[test]
fn list_of_an_unknown_vendor_names_the_known_ones() {
    let o = confuzz(&["list", "--vendor", "nope"]);
    exits(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("nope"), "{err}");
    assert!(err.contains("clever"), "{err}");
}

// explain

#[test]
fn explain_a_logged_message_finds_its_row_with_meaning_and_fix() {
    let o = confuzz(&["explain", "Invalid timezone: Mars/Olympus"]);
    exits(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("coursekey.course.invalid-time-zone "),
        "the CourseKey time-zone row, alone: {text}"
    );
    assert_eq!(text.matches("  meaning: ").count(), 1, "{text}");
    assert!(
        text.contains("  meaning:  The timeZone is not a name from the IANA time zone database"),
        "{text}"
    );
    assert!(
        text.contains("  fix:      Send an IANA name such as America/Los_Angeles."),
        "{text}"
    );
    assert!(text.contains("answer:   400, code 10005"), "{text}");
}

#[test]
fn explain_a_vendor_code() {
    let o = confuzz(&["explain", "1004"]);
    exits(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("lti.launch.email-attribute-name-not-in-request "),
        "{text}"
    );
    assert!(text.contains("code 1004"), "{text}");
    assert!(text.contains("  fix: "), "{text}");
}

#[test]
fn explain_an_error_name() {
    let o = confuzz(&["explain", "EMAIL_ATTRIBUTE_NAME_NOT_IN_REQUEST"]);
    exits(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("lti.launch.email-attribute-name-not-in-request "),
        "{text}"
    );
    assert_eq!(text.matches("  meaning: ").count(), 1, "{text}");
}

#[test]
fn explain_a_row_id() {
    let o = confuzz(&["explain", "clever.assignment.missing-required-fields"]);
    exits(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("clever.assignment.missing-required-fields "),
        "{text}"
    );
    assert_eq!(text.matches("  meaning: ").count(), 1, "{text}");
    assert!(
        text.contains("missing required field(s): ${missing}"),
        "{text}"
    );
}

#[test]
fn explain_as_json_carries_the_explanation() {
    let o = confuzz(&["explain", "1004", "--format", "json"]);
    exits(&o, 0);
    let rows = json_of(&o);
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["id"],
        "lti.launch.email-attribute-name-not-in-request"
    );
    for key in ["meaning", "cause", "fix"] {
        assert!(rows[0]["explain"][key].is_string(), "{key}: {}", rows[0]);
    }
}

#[test]
fn explain_something_undocumented_exits_1() {
    let o = confuzz(&["explain", "nothing like this"]);
    exits(&o, 1);
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("no documented error matches"),
        "{}",
        stderr(&o)
    );
}

// lint

#[test]
fn lint_on_the_shipped_specs_has_findings_and_exits_1() {
    let o = confuzz(&["lint"]);
    exits(&o, 1);
    let text = stdout(&o);
    assert!(
        text.contains("coursekey.course.unauthorized-school"),
        "{text}"
    );
    assert!(text.contains("placeholder-typo"), "{text}");
}

#[test]
fn lint_as_json_is_the_library_listing() {
    let o = confuzz(&["lint", "--format", "json"]);
    exits(&o, 1);
    let set = confuzz::spec::load_embedded().expect("the shipped specs load");
    let expected = serde_json::to_value(confuzz::spec::lint::lint(&set)).expect("serializes");
    assert_eq!(json_of(&o), expected);
}

#[test]
fn lint_on_a_clean_spec_exits_0() {
    let dir = scratch("cli", "lint-clean");
    let file = spec_file(&dir, "acme.yaml", MINIMAL_SPEC);
    let o = confuzz(&["lint", "--spec", &file]);
    exits(&o, 0);
    assert!(stdout(&o).contains("no findings"), "{}", stdout(&o));

    let o = confuzz(&["lint", "--spec", &file, "--format", "json"]);
    exits(&o, 0);
    assert_eq!(json_of(&o), serde_json::json!([]));
}

#[test]
fn lint_on_a_spec_folder_reads_every_file() {
    let dir = scratch("cli", "lint-folder");
    spec_file(&dir, "acme.yaml", MINIMAL_SPEC);
    let untriggered = edit(
        &MINIMAL_SPEC
            .replace("id: acme\n", "id: zeta\n")
            .replace("acme.", "zeta."),
        "    trigger:\n      kind: mutation\n      ops:\n        - remove: [/name]\n",
        "",
    );
    spec_file(&dir, "zeta.yaml", &untriggered);
    let o = confuzz(&[
        "lint",
        "--spec",
        &dir.display().to_string(),
        "--format",
        "json",
    ]);
    exits(&o, 1);
    let findings = json_of(&o);
    let findings = findings.as_array().expect("an array");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["check"], "no-trigger");
    assert_eq!(findings[0]["vendor"], "zeta");
}

// Usage errors.

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    let o = confuzz(&["frobnicate"]);
    exits(&o, 2);
    assert!(stderr(&o).contains("frobnicate"), "{}", stderr(&o));
}

#[test]
fn a_bad_format_is_a_usage_error() {
    for command in ["list", "lint"] {
        let o = confuzz(&[command, "--format", "xml"]);
        exits(&o, 2);
        let err = stderr(&o);
        assert!(err.contains("xml"), "{err}");
        assert!(err.contains("table") && err.contains("json"), "{err}");
    }
}

#[test]
fn no_subcommand_is_a_usage_error() {
    let o = confuzz(&[]);
    exits(&o, 2);
    assert!(stderr(&o).contains("Usage"), "{}", stderr(&o));
}

#[test]
fn explain_without_a_query_is_a_usage_error() {
    let o = confuzz(&["explain"]);
    exits(&o, 2);
}

#[test]
fn help_exits_0() {
    let o = confuzz(&["--help"]);
    exits(&o, 0);
    let text = stdout(&o);
    for command in ["list", "explain", "lint", "run", "replay"] {
        assert!(text.contains(command), "{command} in {text}");
    }
    let o = confuzz(&["lint", "--help"]);
    exits(&o, 0);
    assert!(stdout(&o).contains("--spec"), "{}", stdout(&o));
    exits(&confuzz(&["--version"]), 0);
}

// A bad --spec.

#[test]
fn a_bad_spec_exits_2_with_the_file_and_line() {
    let dir = scratch("cli", "bad-spec");
    let text = edit(
        MINIMAL_SPEC,
        "    endpoints: [widget-create]\n",
        "    endpoints: [widget-creat]\n",
    );
    let file = spec_file(&dir, "acme.yaml", &text);
    let line = line_of(&text, "widget-creat]");
    for command in [&["list"][..], &["lint"], &["explain", "anything"]] {
        let mut args = command.to_vec();
        args.extend(["--spec", &file]);
        let o = confuzz(&args);
        exits(&o, 2);
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("error: {file}:{line}: ")),
            "file and line first: {err}"
        );
        assert!(err.contains("widget-creat"), "{err}");
        assert!(err.contains("\n  fix: "), "{err}");
    }
}

#[test]
fn a_spec_with_a_syntax_error_exits_2_with_the_line() {
    let dir = scratch("cli", "syntax");
    let text = edit(
        MINIMAL_SPEC,
        "  title: Acme widgets\n",
        "  title: Acme: widgets\n",
    );
    let file = spec_file(&dir, "acme.yaml", &text);
    let o = confuzz(&["list", "--spec", &file]);
    exits(&o, 2);
    let line = line_of(&text, "Acme: widgets");
    assert!(
        stderr(&o).starts_with(&format!("error: {file}:{line}: ")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_spec_path_exits_2() {
    let dir = scratch("cli", "missing");
    let path = dir.join("nowhere.yaml").display().to_string();
    let o = confuzz(&["list", "--spec", &path]);
    exits(&o, 2);
    let err = stderr(&o);
    assert!(err.contains(&path), "{err}");
    assert!(err.contains("fix: "), "{err}");
}

#[test]
fn an_empty_spec_folder_exits_2() {
    let dir = scratch("cli", "empty");
    let o = confuzz(&["lint", "--spec", &dir.display().to_string()]);
    exits(&o, 2);
    assert!(stderr(&o).contains("no spec file"), "{}", stderr(&o));
}

#[test]
fn a_spec_file_of_garbage_exits_2_without_a_panic() {
    let dir = scratch("cli", "garbage");
    let file = dir.join("acme.yaml");
    std::fs::write(&file, [0xff, 0xfe, b':', b'\n', b'-', 0x00, b'[']).expect("write");
    let o = confuzz(&["list", "--spec", &file.display().to_string()]);
    exits(&o, 2);
    assert!(
        stderr(&o).contains(&file.display().to_string()),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_selects_properties_by_name_and_rejects_unknown_ones() {
    let o = confuzz(&[
        "run",
        "--row",
        "clever.after-delete",
        "--properties",
        "after-delete",
        "--seed",
        "3",
        "--verbose",
    ]);
    exits(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("PROPERTY") && out.contains("clever.after-delete.assignment-delete"),
        "{out}"
    );
    assert!(out.contains("0 rows, 0 endpoints, 1 property;"), "{out}");

    let o = confuzz(&[
        "run",
        "--vendor",
        "clever",
        "--properties",
        "none",
        "--cases",
        "1",
    ]);
    exits(&o, 0);
    assert!(stdout(&o).contains(", 0 properties;"), "{}", stdout(&o));

    let o = confuzz(&["run", "--properties", "uniq"]);
    exits(&o, 2);
    assert!(
        stderr(&o).contains("unknown property `uniq`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fixtures_lists_every_fixture_of_a_vendor_with_meaning_schema_and_secrecy() {
    let set = confuzz::spec::load_embedded().unwrap();
    let declared: Vec<String> = set
        .vendor("clever")
        .unwrap()
        .vendor
        .fixtures
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let o = confuzz(&["fixtures", "--vendor", "clever", "--format", "json"]);
    exits(&o, 0);
    let listed = json_of(&o);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, declared);
    let token = &listed[0];
    assert_eq!(token["name"], "clever.token");
    assert_eq!(token["secret"], true);
    assert!(token["meaning"].as_str().unwrap().contains("token"));
    assert!(listed[1]["schema"].is_object(), "{}", listed[1]);

    let o = confuzz(&["fixtures", "--vendor", "clever"]);
    exits(&o, 0);
    let table = stdout(&o);
    assert!(table.starts_with("FIXTURE"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("clever.token") && l.contains("secret")),
        "{table}"
    );
}

#[test]
fn a_fixtures_template_is_refused_until_filled_in_before_the_target_is_asked() {
    let o = confuzz(&["fixtures", "--vendor", "clever", "--template"]);
    exits(&o, 0);
    let template = json_of(&o);
    assert_eq!(template.as_object().unwrap().len(), 5, "{template}");
    let dir = scratch("cli", "fixtures-template");
    let path = dir.join("fixtures.json");
    std::fs::write(&path, stdout(&o)).unwrap();
    // Nothing listens on port 1: the file's mistake must be reported, not the connection.
    let path = path.display().to_string();
    let o = confuzz(&["run", "--target", "http://127.0.0.1:1", "--fixtures", &path]);
    exits(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{path}:2: fixture `clever.token` still holds the template's placeholder"
        )),
        "{err}"
    );
    let missing = dir.join("nope.json").display().to_string();
    let o = confuzz(&[
        "run",
        "--target",
        "http://127.0.0.1:1",
        "--fixtures",
        &missing,
    ]);
    exits(&o, 2);
    assert!(
        stderr(&o).contains("cannot read the fixtures file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_rejects_a_limit_no_spec_declares() {
    let o = confuzz(&["run", "--limit", "bogus.thing=3"]);
    exits(&o, 2);
    assert!(
        stderr(&o).contains("no spec declares the limit `bogus.thing`; the limits are: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_help_names_every_property_and_the_transport_options() {
    let o = confuzz(&["run", "--help"]);
    exits(&o, 0);
    let help = stdout(&o);
    for (name, _) in confuzz::run::properties() {
        assert!(help.contains(name), "{name} in {help}");
    }
    for option in ["--no-retry", "--timeout-ms", "--color"] {
        assert!(help.contains(option), "{option} in {help}");
    }
}

#[test]
fn reproducers_of_a_mutant_name_its_server_and_a_passing_replay_says_so() {
    let dir = scratch("cli", "mutant-reproducers");
    let saved = dir.display().to_string();
    let o = confuzz(&[
        "run",
        "--mutant",
        "clever.auth-statuses-swapped",
        "--row",
        "clever.auth",
        "--properties",
        "none",
        "--cases",
        "2",
        "--seed",
        "1",
        "--save-failures",
        &saved,
    ]);
    exits(&o, 1);
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "the reproducers below target `confuzz serve --mutant clever.auth-statuses-swapped --addr 127.0.0.1:8080 --fixtures-out fixtures.json`\n"
        ),
        "{out}"
    );
    // Neither reproducer sends the secret token (one sends none, one an invalid one), so no
    // export line is printed for it.
    assert!(!out.contains("export CLEVER_TOKEN"), "{out}");
    assert!(
        out.contains("curl -i -X POST 'http://127.0.0.1:8080/v3.1/"),
        "{out}"
    );

    // The saved failure, replayed against the conforming reference, passes: its request is
    // shown as such, not as a failing one.
    // The run saved into a folder of its own inside `dir`.
    let run = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .expect("the run's folder")
        .unwrap()
        .path();
    let file = std::fs::read_dir(&run)
        .unwrap()
        .next()
        .expect("a saved failure")
        .unwrap()
        .path();
    let o = confuzz(&["replay", &file.display().to_string()]);
    exits(&o, 0);
    let out = stdout(&o);
    assert!(out.contains(": passes now\n"), "{out}");
    assert!(out.contains("\nrequest:\n"), "{out}");
    assert!(!out.contains("failing request"), "{out}");
}

#[test]
fn run_exit_codes_follow_what_went_untested_and_why() {
    // A fault hook the target lacks: allowed, with a closing line; --strict fails it.
    let args = [
        "run",
        "--row",
        "classroom.internal",
        "--faults",
        "none",
        "--cases",
        "1",
        "--seed",
        "3",
        "--no-positive",
    ];
    let o = confuzz(&args);
    exits(&o, 0);
    assert!(
        stdout(&o).contains("untested because of the set-up: 1 check"),
        "{}",
        stdout(&o)
    );
    let strict: Vec<&str> = args.iter().copied().chain(["--strict"]).collect();
    exits(&confuzz(&strict), 1);

    // A pool too small for the selected checks: a set-up error before the first request,
    // naming the pool, the size needed and the size given. (One user id serves three valid
    // student creates, since one user may join several courses, but not a course of 5.)
    let one_id = |row: &str| {
        confuzz(&[
            "run",
            "--row",
            row,
            "--pool",
            "classroom.user_ids=1",
            "--cases",
            "3",
            "--seed",
            "3",
        ])
    };
    exits(&one_id("classroom.valid.student-create"), 0);
    let o = one_id("classroom.precondition.course-member-limit-reached");
    exits(&o, 2);
    assert!(
        stderr(&o).contains(
            "pool `classroom.user_ids` is too small for the selected checks: one case of each needs at least 6 values, the fixture gives 1"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));

    // A filter that selects nothing: a usage error naming it and the nearest ids.
    let o = confuzz(&[
        "run",
        "--row",
        "coursekey.unique.nonexistent",
        "--cases",
        "1",
    ]);
    exits(&o, 2);
    assert!(
        stderr(&o).contains("coursekey.unique.nonexistent") && stderr(&o).contains("nearest"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_run_stopped_before_its_end_without_a_failure_exits_2_and_says_so() {
    // The embedded reference conforms; a time limit far below the run's length stops it early,
    // so nothing failed and not everything ran: that proves nothing either way.
    let o = confuzz(&[
        "run",
        "--cases",
        "256",
        "--max-duration",
        "20ms",
        "--format",
        "json",
    ]);
    exits(&o, 2);
    let report = json_of(&o);
    assert_eq!(report["outcome"], "stopped", "{report}");
    assert_eq!(report["conforms"], false, "{report}");
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert!(
        report["stopped"]
            .as_str()
            .is_some_and(|s| s.contains("maximum duration")),
        "{report}"
    );
}
