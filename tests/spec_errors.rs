//! A user writes a spec file and gets it wrong: every kind of mistake is rejected with the file,
//! the line (where the loader knows it), what is wrong and how to fix it, and never a panic.
//!
//! Each test starts from `VALID`, a small vendor with one endpoint and one row, and breaks one
//! thing in it. Expected lines are found in the broken text itself (`line_of`), so a test
//! says which line a human should be sent to.

use std::path::{Path, PathBuf};

mod common;

use common::{edit as edit_text, line_of, MINIMAL_SPEC as VALID};
use confuzz::spec::{load_path, load_str, SpecError, SpecErrorKind};
use proptest::prelude::*;

const FILE: &str = "acme.yaml";

/// `VALID` with `from` (which must occur exactly once) replaced by `to`.
#[track_caller]
fn edit(from: &str, to: &str) -> String {
    common::edit(VALID, from, to)
}

/// The errors of a text that must not load.
fn errors(text: &str) -> Vec<SpecError> {
    match load_str(FILE, text) {
        Ok(_) => panic!("the broken spec loaded:\n{text}"),
        Err(e) => e.0,
    }
}

/// The one error of a text that must not load, checked for what every error carries: the
/// file, the line, a message with `words` in it and a `fix:` hint.
#[track_caller]
fn rejected(text: &str, kind: SpecErrorKind, line: usize, words: &[&str]) -> SpecError {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "one error: {errors:#?}");
    let e = errors.into_iter().next().expect("one error");
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!(e.file, FILE, "{e}");
    assert_eq!(e.line, Some(line), "{e}");
    for w in words {
        assert!(e.message.contains(w), "{w:?} in {:?}", e.message);
    }
    assert!(!e.hint.is_empty(), "a hint: {e}");
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("{FILE}:{line}: ")),
        "file:line first: {shown}"
    );
    assert!(shown.contains("\n  fix: "), "a fix: line: {shown}");
    e
}

#[test]
fn the_minimal_spec_loads() {
    let loaded = load_str(FILE, VALID).expect("the minimal spec loads");
    assert_eq!(loaded.spec.vendor.id, "acme");
    assert_eq!(loaded.spec.endpoints.len(), 1);
    assert_eq!(loaded.spec.rows.len(), 1);
}

// Syntax.

#[test]
fn a_yaml_syntax_error_names_its_line() {
    let text = edit("  title: Acme widgets\n", "  title: Acme: widgets\n");
    let line = line_of(&text, "Acme: widgets");
    let e = rejected(&text, SpecErrorKind::Syntax, line, &["mapping values"]);
    assert!(e.hint.contains("YAML syntax"), "{e}");
}

#[test]
fn an_unclosed_quote_is_a_syntax_error() {
    let text = edit(
        "      fix: Send a name on every create.\n",
        "      fix: \"Send a name on every create.\n",
    );
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].kind, SpecErrorKind::Syntax);
    assert!(e[0].message.contains("quote"), "{}", e[0]);
    assert!(e[0].line.is_some(), "{}", e[0]);
    assert!(e[0].to_string().contains("fix: "), "{}", e[0]);
}

#[test]
fn a_bad_indentation_is_a_syntax_error_at_that_line() {
    let text = edit(
        "    summary: Create a widget on a shelf\n",
        "     summary: Create a widget on a shelf\n",
    );
    let line = line_of(&text, "summary:");
    rejected(&text, SpecErrorKind::Syntax, line, &[]);
}

#[test]
fn a_duplicate_key_is_rejected() {
    let text = edit(
        "  title: Acme widgets\n",
        "  title: Acme widgets\n  title: Acme gadgets\n",
    );
    let line = line_of(&text, "Acme gadgets");
    let e = rejected(&text, SpecErrorKind::Syntax, line, &["duplicate", "title"]);
    assert!(e.hint.contains("once"), "{e}");
}

#[test]
fn a_duplicate_key_inside_an_embedded_json_schema_is_rejected() {
    let text = edit(
        "          name: { type: string, minLength: 1, maxLength: 40 }\n",
        "          name: { type: string, minLength: 1, maxLength: 40, type: integer }\n",
    );
    let line = line_of(&text, "type: integer");
    rejected(&text, SpecErrorKind::Syntax, line, &["duplicate", "type"]);
}

#[test]
fn a_duplicate_key_in_block_style_schema_is_rejected() {
    let text = edit(
        "        required: [name]\n",
        "        required: [name]\n        type: array\n",
    );
    let line = line_of(&text, "type: array");
    rejected(&text, SpecErrorKind::Syntax, line, &["duplicate", "type"]);
}

// Schema violations.

#[test]
fn an_unknown_field_is_rejected_at_its_line() {
    let text = edit(
        "    summary: Create a widget on a shelf\n",
        "    summary: Create a widget on a shelf\n    colour: red\n",
    );
    let line = line_of(&text, "colour: red");
    let e = rejected(
        &text,
        SpecErrorKind::Schema,
        line,
        &["colour", "/endpoints/0"],
    );
    assert!(e.hint.contains("unknown field"), "{e}");
}

#[test]
fn an_unknown_field_in_a_row_is_rejected_at_its_line() {
    let text = edit(
        "    group: widget\n",
        "    group: widget\n    severity: high\n",
    );
    let line = line_of(&text, "severity: high");
    rejected(&text, SpecErrorKind::Schema, line, &["severity", "/rows/0"]);
}

#[test]
fn a_value_of_the_wrong_type_is_rejected() {
    let text = edit("      status: 400\n", "      status: \"400\"\n");
    let line = line_of(&text, "status: \"400\"");
    let e = rejected(
        &text,
        SpecErrorKind::Schema,
        line,
        &["/rows/0/expect/status", "integer"],
    );
    assert!(e.hint.contains("docs/spec-format.md"), "{e}");
}

#[test]
fn a_bad_enum_value_is_rejected_with_the_allowed_ones() {
    let text = edit("      kind: mutation\n", "      kind: mutilation\n");
    let line = line_of(&text, "mutilation");
    let e = rejected(
        &text,
        SpecErrorKind::Schema,
        line,
        &["/rows/0/trigger/kind", "mutilation"],
    );
    for allowed in ["mutation", "setup", "fault", "syntax"] {
        assert!(e.hint.contains(allowed), "{allowed} in the hint: {e}");
    }
}

#[test]
fn an_unknown_operator_is_rejected_at_its_line() {
    let text = edit("        - remove: [/name]\n", "        - remov: [/name]\n");
    let line = line_of(&text, "remov:");
    let e = rejected(
        &text,
        SpecErrorKind::Schema,
        line,
        &["/rows/0/trigger/ops/0", "remov"],
    );
    assert!(e.hint.contains("allowed forms"), "{e}");
}

#[test]
fn a_missing_required_field_is_rejected() {
    let text = edit("    group: widget\n", "");
    let line = line_of(&text, "id: acme.widget.missing-name");
    let e = rejected(&text, SpecErrorKind::Schema, line, &["group", "/rows/0"]);
    assert!(e.hint.contains("add the missing field"), "{e}");
}

#[test]
fn an_empty_file_is_rejected() {
    let e = errors("");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].message.contains("empty"), "{}", e[0]);
    assert!(!e[0].hint.is_empty());
    let e = errors("# nothing but a comment\n");
    assert!(e[0].message.contains("empty"), "{}", e[0]);
}

#[test]
fn a_file_that_is_not_a_mapping_is_rejected() {
    let e = errors("- format\n- vendor\n");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].kind, SpecErrorKind::Schema);
    assert!(e[0].hint.contains("format"), "{}", e[0]);
}

// Dangling endpoint references.

#[test]
fn a_row_naming_an_undeclared_endpoint_is_rejected() {
    let text = edit(
        "    endpoints: [widget-create]\n",
        "    endpoints: [widget-creat]\n",
    );
    let line = line_of(&text, "[widget-creat]");
    let e = rejected(&text, SpecErrorKind::Dangling, line, &["widget-creat"]);
    // The hint offers the declared endpoints.
    assert!(e.hint.contains("widget-create"), "{e}");
}

#[test]
fn a_pool_released_by_an_undeclared_endpoint_or_counted_by_an_undeclared_fixture_is_rejected() {
    let pool = "    - name: acme.shelf_id\n      meaning: A shelf that exists\n";
    let with = |rule: &str| {
        edit(
            pool,
            &format!(
                "{pool}    - name: acme.user_ids\n      meaning: Accounts\n      pool:\n{rule}"
            ),
        )
    };
    let text = with("        min_size: 2\n        released_by:\n          - { endpoint: widget-remove, at: \"path:user\" }\n");
    let line = line_of(&text, "endpoint: widget-remove");
    rejected(
        &text,
        SpecErrorKind::Dangling,
        line,
        &["acme.user_ids", "widget-remove"],
    );
    let text = with("        uses: { fixture: acme.limit.teams }\n        min_size: 2\n");
    let line = line_of(&text, "acme.limit.teams");
    rejected(&text, SpecErrorKind::Dangling, line, &["acme.limit.teams"]);
}

#[test]
fn a_trigger_sending_to_an_undeclared_endpoint_is_rejected() {
    let text = edit(
        "      kind: mutation\n",
        "      kind: mutation\n      endpoint: widget-delete\n",
    );
    let line = line_of(&text, "endpoint: widget-delete");
    rejected(&text, SpecErrorKind::Dangling, line, &["widget-delete"]);
}

#[test]
fn a_setup_step_sending_to_an_undeclared_endpoint_is_rejected() {
    let text = edit(
        "      kind: mutation\n",
        "      kind: mutation\n      setup:\n        - endpoint: widget-create\n        - endpoint: shelf-create\n          save: { shelf: \"response:/id\" }\n",
    );
    let line = line_of(&text, "endpoint: shelf-create");
    rejected(&text, SpecErrorKind::Dangling, line, &["shelf-create"]);
}

#[test]
fn an_endpoint_setup_step_sending_to_an_undeclared_endpoint_is_rejected() {
    let text = edit(
        "    success: [200]\n",
        "    setup:\n      - endpoint: shelf-create\n    success: [200]\n",
    );
    let line = line_of(&text, "endpoint: shelf-create");
    rejected(&text, SpecErrorKind::Dangling, line, &["shelf-create"]);
}

// Dangling fixture references.

#[test]
fn an_auth_token_naming_an_undeclared_fixture_is_rejected() {
    let text = edit("    token: acme.token\n", "    token: acme.tokn\n");
    let line = line_of(&text, "acme.tokn");
    let e = rejected(&text, SpecErrorKind::Dangling, line, &["acme.tokn"]);
    assert!(e.hint.contains("vendor.fixtures"), "{e}");
}

#[test]
fn an_x_fixture_in_a_path_parameter_naming_an_undeclared_fixture_is_rejected() {
    let text = edit("x-fixture: acme.shelf_id", "x-fixture: acme.shelf");
    let line = line_of(&text, "x-fixture: acme.shelf }");
    rejected(&text, SpecErrorKind::Dangling, line, &["acme.shelf`"]);
}

#[test]
fn an_x_fixture_deep_in_a_body_schema_naming_an_undeclared_fixture_is_rejected() {
    let text = edit(
        "          color: { type: string, enum: [red, blue] }\n",
        "          color: { type: string, x-fixture: acme.paint }\n",
    );
    let line = line_of(&text, "acme.paint");
    rejected(&text, SpecErrorKind::Dangling, line, &["acme.paint"]);
}

#[test]
fn a_set_value_naming_an_undeclared_fixture_is_rejected() {
    let text = edit(
        "        - remove: [/name]\n",
        "        - remove: [/name]\n        - set: { /color: { fixture: acme.paint } }\n",
    );
    let line = line_of(&text, "acme.paint");
    rejected(&text, SpecErrorKind::Dangling, line, &["acme.paint"]);
}

#[test]
fn a_repeat_naming_an_undeclared_fixture_is_rejected() {
    let text = edit(
        "      kind: mutation\n",
        "      kind: limit\n      setup:\n        - endpoint: widget-create\n          repeat: { fixture: acme.limit.widgets }\n",
    );
    let line = line_of(&text, "acme.limit.widgets");
    rejected(
        &text,
        SpecErrorKind::Dangling,
        line,
        &["acme.limit.widgets"],
    );
}

// Faults.

#[test]
fn an_undeclared_fault_is_rejected() {
    let text = edit("        - remove: [/name]\n", "        - fault: disk\n");
    let line = line_of(&text, "fault: disk");
    let e = rejected(&text, SpecErrorKind::Dangling, line, &["disk"]);
    assert!(e.hint.contains("vendor.faults"), "{e}");
}

#[test]
fn a_declared_fault_loads() {
    let text = edit(
        "      kind: mutation\n      ops:\n        - remove: [/name]\n",
        "      kind: fault\n      ops:\n        - fault: store\n",
    );
    let text = edit_text(
        &text,
        "      message: \"missing required field(s): ${missing}\"\n",
        "",
    );
    let text = edit_text(
        &text,
        "    bindings:\n      missing: { var: removed, separator: \", \", order: [name] }\n",
        "",
    );
    load_str(FILE, &text).expect("a row using a declared fault loads");
}

// Placeholders and bindings.

#[test]
fn a_placeholder_with_no_binding_is_rejected() {
    let text = edit(
        "      message: \"missing required field(s): ${missing}\"\n",
        "      message: \"missing required field(s): ${missing} on ${shelf}\"\n",
    );
    let line = line_of(&text, "${shelf}");
    let e = rejected(&text, SpecErrorKind::Placeholder, line, &["${shelf}"]);
    assert!(e.hint.contains("bindings"), "{e}");
}

#[test]
fn a_binding_with_no_placeholder_is_rejected() {
    let text = edit(
        "      missing: { var: removed, separator: \", \", order: [name] }\n",
        "      missing: { var: removed, separator: \", \", order: [name] }\n      shelf: { sent: \"path:shelf_id\" }\n",
    );
    let line = line_of(&text, "shelf: { sent:");
    let e = rejected(&text, SpecErrorKind::Placeholder, line, &["shelf"]);
    assert!(e.hint.contains("${shelf}"), "{e}");
}

#[test]
fn an_unclosed_placeholder_is_rejected() {
    let text = edit(
        "      message: \"missing required field(s): ${missing}\"\n",
        "      message: \"missing required field(s): ${missing\"\n",
    );
    let errors = errors(&text);
    let line = line_of(&text, "${missing\"");
    let e = errors
        .iter()
        .find(|e| e.message.contains("never closed"))
        .unwrap_or_else(|| panic!("the template error: {errors:#?}"));
    assert_eq!(e.kind, SpecErrorKind::Placeholder);
    assert_eq!(e.line, Some(line), "{e}");
}

// Schemas and patterns that do not compile.

#[test]
fn a_pattern_that_does_not_compile_is_rejected_at_its_line() {
    let text = edit(
        "          name: { type: string, minLength: 1, maxLength: 40 }\n",
        "          name: { type: string, minLength: 1, maxLength: 40, pattern: \"^[a-z(\" }\n",
    );
    let line = line_of(&text, "pattern:");
    let e = rejected(
        &text,
        SpecErrorKind::Invalid,
        line,
        &["widget-create", "regex"],
    );
    assert!(e.hint.contains("regex"), "{e}");
}

#[test]
fn a_json_schema_that_does_not_compile_is_rejected_at_its_line() {
    let text = edit(
        "          color: { type: string, enum: [red, blue] }\n",
        "          color: { type: string, enum: red }\n",
    );
    let line = line_of(&text, "enum: red");
    rejected(
        &text,
        SpecErrorKind::Invalid,
        line,
        &["widget-create", "array"],
    );

    let text = edit(
        "          color: { type: string, enum: [red, blue] }\n",
        "          color: { type: strin }\n",
    );
    let line = line_of(&text, "type: strin }");
    rejected(&text, SpecErrorKind::Invalid, line, &["widget-create"]);
}

#[test]
fn a_save_regex_that_does_not_compile_is_rejected() {
    let text = edit(
        "      kind: mutation\n",
        "      kind: mutation\n      setup:\n        - endpoint: widget-create\n          save: { shelf: { from: \"response.header:Location\", regex: \"/shelves/(.+\" } }\n",
    );
    let line = line_of(&text, "regex:");
    rejected(&text, SpecErrorKind::Invalid, line, &["shelf"]);
}

// Several problems at once are all reported, in one go.

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let text = edit("    token: acme.token\n", "    token: acme.tokn\n");
    let text = edit_text(
        &text,
        "        - remove: [/name]\n",
        "        - fault: disk\n",
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let lines: Vec<Option<usize>> = errors.iter().map(|e| e.line).collect();
    assert!(lines.contains(&Some(line_of(&text, "acme.tokn"))));
    assert!(lines.contains(&Some(line_of(&text, "fault: disk"))));
}

// JSON spec files.

/// `VALID` as JSON, one key per line.
fn valid_json() -> String {
    let value: serde_json::Value = serde_saphyr::from_str(VALID).expect("VALID is YAML");
    serde_json::to_string_pretty(&value).expect("JSON")
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("spec_errors", name)
}

#[test]
fn a_json_spec_file_loads() {
    let dir = scratch("json-loads");
    let file = dir.join("acme.json");
    std::fs::write(&file, valid_json()).expect("write");
    let set = load_path(&file).expect("a .json spec loads");
    assert_eq!(set.specs.len(), 1);
    assert_eq!(set.specs[0].spec.rows[0].id, "acme.widget.missing-name");
}

#[test]
fn a_json_spec_file_with_a_syntax_error_names_the_line() {
    let json = valid_json();
    let text = edit_text(&json, "\"status\": 400,", "\"status\": 400,,");
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].kind, SpecErrorKind::Syntax);
    assert_eq!(e[0].line, Some(line_of(&text, "400,,")), "{}", e[0]);
    assert!(e[0].to_string().contains("fix: "));
}

#[test]
fn a_json_spec_file_with_a_wrong_type_names_the_line() {
    let json = valid_json();
    let text = edit_text(&json, "\"status\": 400,", "\"status\": \"400\",");
    let line = line_of(&text, "\"status\": \"400\"");
    rejected(
        &text,
        SpecErrorKind::Schema,
        line,
        &["/rows/0/expect/status"],
    );
}

#[test]
fn a_json_spec_file_with_a_duplicate_key_is_rejected() {
    let json = valid_json();
    let text = edit_text(
        &json,
        "\"status\": 400,",
        "\"status\": 400,\n\"status\": 401,",
    );
    let line = line_of(&text, "401");
    rejected(&text, SpecErrorKind::Syntax, line, &["duplicate", "status"]);
}

#[test]
fn a_json_spec_file_with_a_dangling_endpoint_names_the_line() {
    let json = valid_json();
    let text = edit_text(&json, "\"widget-create\"\n", "\"widget-creat\"\n");
    let line = line_of(&text, "\"widget-creat\"");
    rejected(&text, SpecErrorKind::Dangling, line, &["widget-creat"]);
}

// --spec pointing at a folder.

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// `VALID` renamed to another vendor.
fn other_vendor() -> String {
    VALID
        .replace("id: acme\n", "id: zeta\n")
        .replace("acme.", "zeta.")
}

#[test]
fn a_folder_of_several_spec_files_loads_them_all_in_name_order() {
    let dir = scratch("folder-several");
    write(&dir, "zeta.yaml", &other_vendor());
    write(&dir, "acme.yml", VALID);
    write(&dir, "notes.txt", "not a spec");
    write(&dir, "spec.schema.json", "{ not even JSON");
    let set = load_path(&dir).expect("the folder loads");
    let vendors: Vec<&str> = set
        .specs
        .iter()
        .map(|s| s.spec.vendor.id.as_str())
        .collect();
    assert_eq!(vendors, ["acme", "zeta"]);
}

#[test]
fn a_folder_reports_the_problems_of_every_file() {
    let dir = scratch("folder-broken");
    write(
        &dir,
        "acme.yaml",
        &edit("    token: acme.token\n", "    token: acme.tokn\n"),
    );
    let zeta = edit_text(
        &other_vendor(),
        "      status: 400\n",
        "      status: \"400\"\n",
    );
    write(&dir, "zeta.yaml", &zeta);
    let errors = load_path(&dir).expect_err("both files are broken").0;
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let acme = errors
        .iter()
        .find(|e| e.file.ends_with("acme.yaml"))
        .expect("acme.yaml is named");
    assert_eq!(acme.line, Some(line_of(VALID, "token: acme.token")));
    assert_eq!(acme.kind, SpecErrorKind::Dangling);
    let zeta_error = errors
        .iter()
        .find(|e| e.file.ends_with("zeta.yaml"))
        .expect("zeta.yaml is named");
    assert_eq!(zeta_error.line, Some(line_of(&zeta, "status: \"400\"")));
    assert_eq!(zeta_error.kind, SpecErrorKind::Schema);
}

#[test]
fn a_folder_with_two_files_for_one_vendor_is_rejected() {
    let dir = scratch("folder-same-vendor");
    write(&dir, "acme.yaml", VALID);
    write(&dir, "acme-copy.yaml", VALID);
    let errors = load_path(&dir).expect_err("one vendor twice").0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].kind, SpecErrorKind::Duplicate);
    assert!(errors[0].message.contains("acme"), "{}", errors[0]);
    assert!(errors[0].to_string().contains("fix: "), "{}", errors[0]);
}

#[test]
fn an_empty_folder_is_rejected() {
    let dir = scratch("folder-empty");
    write(&dir, "README.md", "no specs here");
    let errors = load_path(&dir).expect_err("no spec file").0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].kind, SpecErrorKind::Io);
    assert_eq!(errors[0].file, dir.display().to_string());
    assert!(errors[0].message.contains("no spec file"), "{}", errors[0]);
    assert!(errors[0].to_string().contains("fix: "), "{}", errors[0]);
}

#[test]
fn a_missing_path_is_rejected() {
    let dir = scratch("missing");
    let path = dir.join("nowhere.yaml");
    let errors = load_path(&path).expect_err("nothing there").0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].kind, SpecErrorKind::Io);
    assert_eq!(errors[0].file, path.display().to_string());
    assert_eq!(errors[0].line, None);
    assert!(errors[0].message.contains("cannot read"), "{}", errors[0]);
    assert!(errors[0].hint.contains("--spec"), "{}", errors[0]);
}

// The loader never panics.

const SHIPPED: &[(&str, &str)] = &[
    (
        "specs/classroom.yaml",
        include_str!("../specs/classroom.yaml"),
    ),
    ("specs/clever.yaml", include_str!("../specs/clever.yaml")),
    (
        "specs/coursekey.yaml",
        include_str!("../specs/coursekey.yaml"),
    ),
    ("specs/lti.yaml", include_str!("../specs/lti.yaml")),
];

#[test]
fn the_shipped_specs_load_from_their_text() {
    for (file, text) in SHIPPED {
        load_str(file, text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

/// One way of damaging a text.
#[derive(Debug, Clone)]
enum Damage {
    /// Keep only the first `at` bytes (a fraction, in thousandths of the length).
    Truncate(u16),
    /// Replace the byte at a position with another byte.
    Replace(u16, u8),
    /// Delete a run of bytes.
    Delete(u16, u8),
    /// Insert bytes (YAML punctuation is the likeliest to reach deep into the loader).
    Insert(u16, String),
    /// Swap two lines.
    SwapLines(u16, u16),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<u16>().prop_map(|p| Damage::Truncate(p % 1000)),
        (any::<u16>(), any::<u8>()).prop_map(|(p, b)| Damage::Replace(p % 1000, b)),
        (any::<u16>(), any::<u8>()).prop_map(|(p, n)| Damage::Delete(p % 1000, n)),
        (any::<u16>(), "[-:{}\\[\\],'\" \n\t#&*!|>$a-z0-9]{1,8}")
            .prop_map(|(p, s)| Damage::Insert(p % 1000, s)),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
    ]
}

fn apply(text: &str, damages: &[Damage]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for d in damages {
        let at = |p: u16, len: usize| len * p as usize / 1000;
        match d {
            Damage::Truncate(p) => bytes.truncate(at(*p, bytes.len())),
            Damage::Replace(p, b) => {
                let i = at(*p, bytes.len());
                if let Some(slot) = bytes.get_mut(i) {
                    *slot = *b;
                }
            }
            Damage::Delete(p, n) => {
                let i = at(*p, bytes.len());
                let end = (i + *n as usize).min(bytes.len());
                bytes.drain(i..end);
            }
            Damage::Insert(p, s) => {
                let i = at(*p, bytes.len());
                bytes.splice(i..i, s.bytes());
            }
            Damage::SwapLines(a, b) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let n = lines.len();
                if n > 1 {
                    lines.swap(*a as usize % n, *b as usize % n);
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Loads and, on failure, renders every error (Display must not panic either).
fn load_never_panics(file: &str, text: &str) {
    if let Err(errors) = load_str(file, text) {
        assert!(!errors.0.is_empty(), "an error says what is wrong");
        for e in &errors.0 {
            let shown = e.to_string();
            assert!(shown.starts_with(file), "{shown}");
            if let Some(line) = e.line {
                assert!(
                    line >= 1 && line <= text.lines().count().max(1) + 1,
                    "line {line} is in the file: {shown}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_make_the_loader_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        load_never_panics("fuzz.yaml", &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn yaml_like_text_never_makes_the_loader_panic(
        text in "(format: 1\n|vendor:\n|  id: [a-z]{1,4}\n|rows:\n|endpoints:\n|  - |[-:{}\\[\\],'\" \n\t#&*!|>$a-z0-9]){0,40}"
    ) {
        load_never_panics("fuzz.yaml", &text);
    }

    #[test]
    fn a_damaged_minimal_spec_never_makes_the_loader_panic(
        damages in proptest::collection::vec(damage(), 1..4)
    ) {
        load_never_panics(FILE, &apply(VALID, &damages));
    }

    #[test]
    fn a_damaged_shipped_spec_never_makes_the_loader_panic(
        which in 0..SHIPPED.len(),
        damages in proptest::collection::vec(damage(), 1..3)
    ) {
        let (file, text) = SHIPPED[which];
        load_never_panics(file, &apply(text, &damages));
    }
}

// Lines come from the parser's own positions, wherever and however the node is written.

/// `VALID` whose row trigger has a setup step with operators of its own before the trigger's
/// operators, the last of which provokes an undeclared fault: the first `ops:` after the
/// `trigger:` key is the setup step's, not the one the error names.
fn fault_deep_in_a_row() -> String {
    edit(
        "      kind: mutation\n      ops:\n        - remove: [/name]\n",
        "      kind: mutation\n      setup:\n        - endpoint: widget-create\n          ops:\n            - set: { /color: { value: red } }\n      ops:\n        - remove: [/name]\n        - fault: disk\n",
    )
}

#[test]
fn an_error_deep_in_a_row_names_its_own_line() {
    let text = fault_deep_in_a_row();
    let line = line_of(&text, "fault: disk");
    rejected(&text, SpecErrorKind::Dangling, line, &["disk"]);
}

#[test]
fn an_error_in_a_flow_sequence_names_the_item_line() {
    let text = edit(
        "      ops:\n        - remove: [/name]\n",
        "      ops: [{ remove: [/name] }, { set: { /color: { value: red } } },\n            { fault: disk }]\n",
    );
    let line = line_of(&text, "fault: disk");
    rejected(&text, SpecErrorKind::Dangling, line, &["disk"]);

    // A row's endpoints, one flow item per line.
    let text = edit(
        "    endpoints: [widget-create]\n",
        "    endpoints: [\n      widget-create,\n      widget-remove\n    ]\n",
    );
    let line = line_of(&text, "widget-remove");
    rejected(&text, SpecErrorKind::Dangling, line, &["widget-remove"]);
}

#[test]
fn an_error_under_a_quoted_key_names_its_line() {
    // Quoted keys, one with an escape that spells the key another way than the pointer does.
    let text = edit(
        "      missing: { var: removed, separator: \", \", order: [name] }\n",
        "      'missing' : { var: removed, separator: \", \", order: [name] }\n      \"sh\\x65lf\": { sent: \"path:shelf_id\" }\n",
    );
    let line = line_of(&text, "sh\\x65lf");
    let e = rejected(&text, SpecErrorKind::Placeholder, line, &["shelf"]);
    assert!(e.hint.contains("${shelf}"), "{e}");

    let text = edit(
        "          color: { type: string, enum: [red, blue] }\n",
        "          'color' : { type: string, enum: [red, blue] }\n          \"paint\": { type: string, x-fixture: acme.paint }\n",
    );
    let line = line_of(&text, "acme.paint");
    rejected(&text, SpecErrorKind::Dangling, line, &["acme.paint"]);
}

#[test]
fn an_error_deep_in_a_json_spec_file_names_its_line() {
    let value: serde_json::Value =
        serde_saphyr::from_str(&fault_deep_in_a_row()).expect("the broken spec is YAML");
    let text = serde_json::to_string_pretty(&value).expect("JSON");
    let line = line_of(&text, "\"fault\": \"disk\"");
    rejected(&text, SpecErrorKind::Dangling, line, &["disk"]);

    // The same error in compact JSON, with the rows on lines of their own.
    let compact = serde_json::to_string(&value).expect("JSON");
    let text = compact.replacen("\"rows\":[", "\"rows\":[\n", 1);
    rejected(&text, SpecErrorKind::Dangling, 2, &["disk"]);
}

#[test]
fn an_error_in_a_file_with_comments_and_anchors_names_its_line() {
    // Comments that mention the keys the error's pointer goes through.
    let text = edit(
        "    trigger:\n      kind: mutation\n      ops:\n",
        "    trigger:\n      # ops: would remove the name; the setup below comes first.\n      kind: mutation\n      ops: # endpoint: widget-create\n",
    );
    let text = edit_text(
        &text,
        "        - remove: [/name]\n",
        "        - fault: disk\n",
    );
    let line = line_of(&text, "fault: disk");
    rejected(&text, SpecErrorKind::Dangling, line, &["disk"]);

    // An anchored fixture list, and a row that merges the first and overrides its trigger:
    // the error in the second row is at its line, not at the first row's.
    let text = edit("  fixtures:\n", "  fixtures: &fixtures # every fixture\n");
    let second = "  - <<: *row\n    id: acme.widget.no-shelf\n    trigger:\n      kind: mutation\n      ops:\n        - fault: disk\n";
    let text = edit_text(
        &text,
        "  - id: acme.widget.missing-name\n",
        "  - &row\n    id: acme.widget.missing-name\n",
    );
    let text = format!("{text}{second}");
    let line = line_of(&text, "fault: disk");
    let e = rejected(&text, SpecErrorKind::Dangling, line, &["disk"]);
    assert!(e.message.contains("disk"), "{e}");
}
