//! What the integration tests share. For the spec, lint and command-line tests: a minimal
//! valid spec to break, and a way to edit it. For the engine tests: the shipped specs, the
//! embedded reference, quiet runs of a few rows, and targets that rewrite the reference's
//! answers.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use confuzz::check::CheckResult;
use confuzz::check::Mismatch;
use confuzz::reference::{Config, Reference};
use confuzz::run::{run, RowVerdict, RunOptions, RunReport};
use confuzz::spec::{ErrorRow, SpecSet, VendorSpec};
use confuzz::{FnTarget, Request, Response, Target};
use serde_json::{Map, Value};

/// A minimal spec that loads and lints clean: one vendor (`acme`), one endpoint, one row.
pub const MINIMAL_SPEC: &str = r#"format: 1
vendor:
  id: acme
  title: Acme widgets
  source:
    document: Acme widget error table
    file: acme-errors.txt
  auth:
    scheme: bearer
    token: acme.token
  envelope:
    body: json
    content_type: application/json
    schema:
      type: object
      required: [message]
      properties:
        message: { type: string }
    pointers:
      message: /message
  fixtures:
    - name: acme.token
      meaning: A bearer token that may create widgets
      secret: true
    - name: acme.shelf_id
      meaning: A shelf that exists
  faults:
    - name: store
      meaning: The widget store fails
endpoints:
  - id: widget-create
    summary: Create a widget on a shelf
    method: POST
    path: /shelves/{shelf_id}/widgets
    params:
      path:
        shelf_id: { type: string, x-fixture: acme.shelf_id }
    body:
      encoding: json
      schema:
        type: object
        required: [name]
        properties:
          name: { type: string, minLength: 1, maxLength: 40 }
          color: { type: string, enum: [red, blue] }
    success: [200]
rows:
  - id: acme.widget.missing-name
    title: Missing name on widget create
    group: widget
    endpoints: [widget-create]
    doc:
      heading: missing required field(s)
      response: '400 | {"message":"missing required field(s): name"}'
      line: 3
    expect:
      status: 400
      message: "missing required field(s): ${missing}"
    bindings:
      missing: { var: removed, separator: ", ", order: [name] }
    trigger:
      kind: mutation
      ops:
        - remove: [/name]
    explain:
      meaning: The create request has no name.
      cause: The client built the body without the name field.
      fix: Send a name on every create.
"#;

/// `text` with `from` (which must occur exactly once) replaced by `to`.
#[track_caller]
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "the test edits a text that occurs once: {from:?}"
    );
    text.replacen(from, to, 1)
}

/// The 1-based number of the one line containing `needle`.
#[track_caller]
pub fn line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{needle:?} is on exactly one line");
    lines[0]
}

/// A fresh, empty scratch folder under the target directory.
pub fn scratch(test: &str, name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(test)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// The seed of every run in these tests (any seed must do; a fixed one keeps failures
/// reproducible).
pub const SEED: u64 = 20240611;

/// The shipped specs.
pub fn specs() -> SpecSet {
    confuzz::spec::load_embedded().expect("the shipped specs load")
}

/// A fresh embedded reference with every vendor.
pub fn reference() -> Reference {
    Reference::new(Config::default())
}

/// Run options for the given rows (ids or prefixes): a few cases each, no valid-request checks.
pub fn options(rows: &[&str]) -> RunOptions {
    RunOptions::default()
        .seed(SEED)
        .cases(8)
        .rows(rows.iter().map(|r| r.to_string()))
        .positive(false)
}

/// Runs quietly and returns the report; a run that cannot go on is a test failure.
pub fn run_quiet(
    set: &SpecSet,
    target: &dyn Target,
    fixtures: &Map<String, Value>,
    options: &RunOptions,
) -> RunReport {
    run(set, target, fixtures, options, &|_| {}).expect("the run goes on")
}

/// Runs the given rows of the shipped specs against `target`, with the reference fixtures.
pub fn run_rows(target: &dyn Target, rows: &[&str], strict: bool) -> RunReport {
    let fixtures = reference().fixtures();
    let options = options(rows).strict(strict);
    run_quiet(&specs(), target, &fixtures, &options)
}

/// The result of one row.
pub fn row<'a>(report: &'a RunReport, id: &str) -> &'a CheckResult {
    report
        .of_kind(confuzz::check::CheckKind::Row)
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("row {id} is not in the report"))
}

/// The result of one valid-request check.
pub fn positive<'a>(report: &'a RunReport, endpoint: &str) -> &'a CheckResult {
    report
        .of_kind(confuzz::check::CheckKind::Valid)
        .find(|p| p.endpoint.as_deref() == Some(endpoint))
        .unwrap_or_else(|| panic!("endpoint {endpoint} is not in the report"))
}

/// The row's only failing or warning reading: asserts its verdict and returns its mismatches.
pub fn mismatches(result: &CheckResult, verdict: RowVerdict) -> &[Mismatch] {
    assert_eq!(
        result.verdict, verdict,
        "{}: {:?} ({:?})",
        result.id, result.reason, result.evidence
    );
    &result
        .evidence
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no evidence: {:?}", result.id, result.reason))
        .mismatches
}

/// The mismatch of that kind (`status`, `code`, `placeholder:NAME`, ...).
pub fn mismatch<'a>(mismatches: &'a [Mismatch], what: &str) -> &'a Mismatch {
    mismatches
        .iter()
        .find(|m| m.what.to_string() == what)
        .unwrap_or_else(|| panic!("no `{what}` mismatch in {mismatches:#?}"))
}

/// Asserts a row passed and returns which readings its answers matched.
pub fn assert_passed(result: &CheckResult) {
    assert_eq!(
        result.verdict,
        RowVerdict::Passed,
        "{}: {:?} {:#?}",
        result.id,
        result.reason,
        result.evidence
    );
    assert!(result.count > 0, "{} ran no case", result.id);
}

/// The embedded reference behind a function that may rewrite each answer.
pub fn rewriting<F>(name: &str, rewrite: F) -> impl Target
where
    F: Fn(&Request, Response) -> Response + Send + Sync,
{
    let reference = reference();
    FnTarget::new(name, move |request: &Request| {
        rewrite(request, reference.handle(request))
    })
}

/// The `message` (or `error.message`) of a JSON answer, if any.
pub fn message_of(response: &Response) -> Option<String> {
    let json = response.json_body()?;
    json.pointer("/message")
        .or_else(|| json.pointer("/error/message"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A spec row by id, with its vendor.
pub fn spec_row<'a>(set: &'a SpecSet, id: &str) -> (&'a VendorSpec, &'a ErrorRow) {
    set.rows()
        .find(|(_, r)| r.id == id)
        .unwrap_or_else(|| panic!("no row {id} in the shipped specs"))
}

/// The same row in a mutable copy of the specs, to make a deliberately different spec.
pub fn spec_row_mut<'a>(set: &'a mut SpecSet, id: &str) -> &'a mut ErrorRow {
    set.specs
        .iter_mut()
        .flat_map(|s| s.spec.rows.iter_mut())
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no row {id} in the shipped specs"))
}
