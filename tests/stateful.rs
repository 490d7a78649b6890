//! The stateful property: random call sequences against the models the specs declare pass on
//! the embedded reference, and fail, shrunk to a short numbered `curl` sequence, on every
//! mutant that breaks what the model predicts.

mod common;

use common::{options, reference, specs};
use confuzz::check::{CheckKind, CheckResult};
use confuzz::reference::{Config, Reference};
use confuzz::report::run::{numbered_curl, Redactor};
use confuzz::run::{run, RowVerdict, RunError, RunOptions};
use confuzz::spec::SpecSet;
use confuzz::Target;
use serde_json::{Map, Value};

/// The id of a vendor's stateful result.
fn property_id(vendor: &str) -> String {
    format!("{vendor}.stateful.sequences")
}

/// The stateful property alone, in a run of `set` against `target`: its results for the
/// vendors the options' filters select, every vendor with a model when there is no filter.
fn check(
    set: &SpecSet,
    target: &dyn Target,
    fixtures: &Map<String, Value>,
    options: &RunOptions,
) -> Vec<CheckResult> {
    let mut options = options.clone().properties(["stateful"]).positive(false);
    if options.rows.is_empty() {
        options.rows = set
            .specs
            .iter()
            .filter(|s| !s.spec.models.is_empty())
            .map(|s| property_id(&s.spec.vendor.id))
            .collect();
    }
    run(set, target, fixtures, &options, &|_| {})
        .expect("the run goes on")
        .of_kind(CheckKind::Property)
        .filter(|c| c.property.as_deref() == Some("stateful"))
        .cloned()
        .collect()
}

fn run_options(shrink: bool) -> RunOptions {
    options(&[]).strict(true).shrink(shrink)
}

fn result(results: &[CheckResult], vendor: &str) -> CheckResult {
    results
        .iter()
        .find(|r| r.id == property_id(vendor))
        .unwrap_or_else(|| panic!("no stateful result for {vendor}: {results:#?}"))
        .clone()
}

/// The stateful results against a mutant of the reference.
fn against(mutant: &str, shrink: bool) -> Vec<CheckResult> {
    let target = Reference::new(Config::default().mutant(mutant));
    check(&specs(), &target, &target.fixtures(), &run_options(shrink))
}

/// The numbered curl lines the reports render from a result's exchanges, secrets of the
/// shipped specs' fixtures redacted.
fn curl_lines(result: &CheckResult) -> Vec<String> {
    let redactor = Redactor::new(&specs(), &reference().fixtures());
    numbered_curl(&result.exchanges, "http://localhost", &redactor)
}

#[test]
fn the_reference_passes_every_model() {
    let target = reference();
    let results = check(&specs(), &target, &target.fixtures(), &run_options(true));
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["clever.stateful.sequences", "coursekey.stateful.sequences"],
        "one result per vendor with a model"
    );
    for r in &results {
        assert_eq!(r.verdict, RowVerdict::Passed, "{r:#?}");
        assert_eq!(r.property.as_deref(), Some("stateful"));
        assert!(r.count > 24, "{} sent {} requests", r.id, r.count);
    }
    // Every kind of call the models declare was made and judged, with every prediction.
    let notes = |vendor: &str| result(&results, vendor).notes.join("\n");
    let clever = notes("clever");
    for kind in [
        "create assignment -> success",
        "read assignment -> success",
        "read assignment -> clever.assignment.deleted",
        "update assignment -> success",
        "delete assignment -> success",
    ] {
        assert!(clever.contains(kind), "{kind} in {clever}");
    }
    let coursekey = notes("coursekey");
    for kind in [
        "create user -> success",
        "duplicate create user -> coursekey.user.email-must-be-unique",
        "update user -> success",
        "update user -> coursekey.user.user-not-found",
        "create attendance -> success",
        "duplicate create attendance -> coursekey.attendance.mattendanceid-must-be-unique",
        "duplicate create attendance -> success",
        "delete attendance -> success",
        "delete attendance -> coursekey.attendance.attendance-does-not-exist",
    ] {
        assert!(coursekey.contains(kind), "{kind} in {coursekey}");
    }
}

/// The shrunk result against a mutant of `vendor`'s reference: it failed, its reason names
/// every one of `words`, and its sequence has at most `max_requests` numbered curl lines.
#[track_caller]
fn fails_shortly(mutant: &str, words: &[&str], max_requests: usize) -> CheckResult {
    let vendor = mutant.split('.').next().unwrap_or_default();
    let result = result(&against(mutant, true), vendor);
    assert_eq!(result.verdict, RowVerdict::Failed, "{result:#?}");
    let reason = result.reason.as_deref().unwrap_or_default();
    for w in words {
        assert!(reason.contains(w), "{w:?} in {reason}");
    }
    let lines = curl_lines(&result).len();
    assert!(
        (1..=max_requests).contains(&lines),
        "shrunk to a short sequence: {:#?}",
        result.steps
    );
    result
}

#[test]
fn a_deleted_assignment_still_served_fails_with_a_short_sequence() {
    // Create, delete, read: shrinking drops every other call.
    let result = fails_shortly(
        "clever.deleted-still-served",
        &["read assignment", "clever.assignment.deleted"],
        4,
    );
    let lines = curl_lines(&result);
    assert!(lines[0].starts_with("1. curl -i -X POST "), "{lines:?}");
    assert!(
        lines.last().is_some_and(|l| !l.contains("-X ")),
        "ends with a GET: {lines:?}"
    );
    // The token is sent, and redacted in the reproducers the reports render.
    assert!(
        result
            .exchanges
            .iter()
            .any(|x| x.request.header("authorization").is_some()),
        "{:#?}",
        result.exchanges
    );
    assert!(
        lines.iter().all(|l| !l.contains("demo-district")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains("$CLEVER_TOKEN")));
    // Each request has its step: what it was for and what came back.
    assert_eq!(
        result.steps.len(),
        result.exchanges.len(),
        "{:#?}",
        result.steps
    );
    assert!(
        result.steps[0].starts_with("request 1: "),
        "{:#?}",
        result.steps
    );
}

#[test]
fn an_update_that_does_not_persist_fails_on_the_read_back() {
    fails_shortly("clever.update-not-persisted", &["/data/title"], 4);
}

#[test]
fn a_duplicate_accepted_after_an_update_fails_with_a_short_sequence() {
    fails_shortly(
        "coursekey.user-update-drops-email",
        &["coursekey.user.email-must-be-unique"],
        4,
    );
}

#[test]
fn a_delete_that_does_not_persist_fails_on_the_second_delete() {
    // Setup (a course), create, delete, delete again (or re-create).
    fails_shortly(
        "coursekey.attendance-delete-not-persisted",
        &["attendance #1"],
        5,
    );
}

#[test]
fn every_stateful_mutant_is_caught_without_shrinking() {
    let catalog = reference().mutants();
    for name in [
        "clever.deleted-still-served",
        "clever.update-not-persisted",
        "coursekey.user-update-drops-email",
        "coursekey.attendance-delete-not-persisted",
    ] {
        assert!(
            catalog.iter().any(|(_, n, _)| *n == name),
            "{name} is in the catalog"
        );
        let vendor = name.split('.').next().unwrap_or_default();
        let result = result(&against(name, false), vendor);
        assert_eq!(result.verdict, RowVerdict::Failed, "{name}: {result:#?}");
    }
}

#[test]
fn the_same_seed_plays_the_same_sequences() {
    let a = against("clever.deleted-still-served", true);
    let b = against("clever.deleted-still-served", true);
    assert_eq!(
        result(&a, "clever").steps.len(),
        result(&b, "clever").steps.len()
    );
    assert_eq!(result(&a, "clever").reason, result(&b, "clever").reason);
}

#[test]
fn row_filters_select_the_property_by_vendor_or_id() {
    let target = reference();
    let only = |rows: &[&str]| {
        let options = run_options(false).rows(rows.iter().map(|r| r.to_string()));
        check(&specs(), &target, &target.fixtures(), &options)
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(only(&["clever"]), ["clever.stateful.sequences"]);
    assert_eq!(
        only(&["coursekey.stateful.sequences"]),
        ["coursekey.stateful.sequences"]
    );
    // LTI declares no model: asking for the property of LTI alone selects nothing, an error.
    let lti = run_options(false).rows(["lti"]).properties(["stateful"]);
    match run(&specs(), &target, &target.fixtures(), &lti, &|_| {}) {
        Err(RunError::PropertyMatchesNothing { property, .. }) => assert_eq!(property, "stateful"),
        other => panic!("expected no match: {other:?}"),
    }
}

// ---- the spec section ----------------------------------------------------------------------

const MODEL: &str = "models:
  - resource: widget
    create:
      endpoint: widget-create
      save: { widget_id: \"response:/id\" }
    delete:
      endpoint: widget-create
      missing: acme.widget.missing-name
";

/// The minimal spec with a model appended, with `from` replaced by `to` in the model.
fn with_model(from: &str, to: &str) -> String {
    format!("{}{}", common::MINIMAL_SPEC, common::edit(MODEL, from, to))
}

/// The one error of a spec that must not load.
fn load_error(text: &str) -> confuzz::spec::SpecError {
    match confuzz::spec::load_str("acme.yaml", text) {
        Ok(_) => panic!("the spec loaded:\n{text}"),
        Err(e) => {
            assert_eq!(e.0.len(), 1, "{:#?}", e.0);
            e.0.into_iter().next().expect("one error")
        }
    }
}

#[test]
fn a_model_loads_and_names_its_calls() {
    let text = format!("{}{MODEL}", common::MINIMAL_SPEC);
    let loaded = confuzz::spec::load_str("acme.yaml", &text).expect("loads");
    let model = &loaded.spec.models[0];
    assert_eq!(model.resource, "widget");
    assert_eq!(model.create.endpoint, "widget-create");
    assert_eq!(
        model.delete.as_ref().and_then(|d| d.missing.as_deref()),
        Some("acme.widget.missing-name")
    );
}

/// The one error of a spec that must not load: a dangling name, at the line of `needle`,
/// named in the message, with a hint.
#[track_caller]
fn dangling(text: &str, needle: &str) -> confuzz::spec::SpecError {
    let e = load_error(text);
    assert_eq!(e.kind, confuzz::spec::SpecErrorKind::Dangling, "{e}");
    assert_eq!(e.line, Some(common::line_of(text, needle)), "{e}");
    assert!(e.message.contains(needle), "{e}");
    assert!(!e.hint.is_empty(), "{e}");
    e
}

#[test]
fn a_model_call_to_an_undeclared_endpoint_is_rejected_at_its_line() {
    let text = with_model(
        "    delete:\n      endpoint: widget-create",
        "    delete:\n      endpoint: widget-delete",
    );
    let e = dangling(&text, "widget-delete");
    assert!(e.message.contains("delete call"), "{e}");
}

#[test]
fn a_model_naming_an_undeclared_row_is_rejected_at_its_line() {
    let text = with_model(
        "missing: acme.widget.missing-name",
        "missing: acme.widget.gone",
    );
    dangling(&text, "acme.widget.gone");
}

#[test]
fn an_unknown_key_in_a_model_is_rejected() {
    let text = with_model("    delete:\n", "    remove:\n");
    let e = load_error(&text);
    assert!(e.to_string().contains("remove"), "{e}");
}

// ---- any vendor: the engine reads the model, nothing else ---------------------------------

const WIDGETS: &str = r#"format: 1
vendor:
  id: acme
  title: Acme widgets
  source: { document: Acme widget error table, file: acme-errors.txt }
  auth: { scheme: bearer, token: acme.token }
  envelope:
    body: json
    content_type: application/json
    schema: { type: object, required: [message], properties: { message: { type: string } } }
    pointers: { message: /message }
  fixtures:
    - { name: acme.token, meaning: A token, secret: true }
endpoints:
  - id: widget-create
    summary: Create a widget
    method: POST
    path: /widgets
    body:
      encoding: json
      schema:
        type: object
        required: [name]
        properties: { name: { type: string, minLength: 1, maxLength: 40, x-unique: true } }
    success: [201]
  - id: widget-get
    summary: Read a widget
    method: GET
    path: /widgets/{widget_id}
    params: { path: { widget_id: { type: string, x-var: widget_id } } }
  - id: widget-delete
    summary: Delete a widget
    method: DELETE
    path: /widgets/{widget_id}
    params: { path: { widget_id: { type: string, x-var: widget_id } } }
rows:
  - id: acme.widget.name-taken
    title: Name already taken
    group: widget
    endpoints: [widget-create]
    doc: { heading: Name taken, response: '409 | {"message":"Name taken"}', line: 1 }
    expect: { status: 409, message: Name taken }
    explain: { meaning: m, cause: c, fix: f }
  - id: acme.widget.not-found
    title: No such widget
    group: widget
    endpoints: [widget-get, widget-delete]
    doc: { heading: Not found, response: '404 | {"message":"Widget not found"}', line: 2 }
    expect: { status: 404, message: Widget not found }
    explain: { meaning: m, cause: c, fix: f }
models:
  - resource: widget
    create:
      endpoint: widget-create
      save: { widget_id: "response:/id", name: "request:/name" }
    duplicate:
      row: acme.widget.name-taken
      ops: [{ set: { /name: { var: name } } }]
    read:
      endpoint: widget-get
      missing: acme.widget.not-found
      echo: { /name: name }
    delete:
      endpoint: widget-delete
      missing: acme.widget.not-found
    unknown:
      widget_id: { value: never-created }
"#;

/// An in-memory widget store; with `keep_names`, a deleted widget's name stays taken.
fn widgets(keep_names: bool) -> impl confuzz::Target {
    use confuzz::{FnTarget, Request, Response};
    use serde_json::json;
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    // id -> (name, deleted)
    let store: Mutex<BTreeMap<String, (String, bool)>> = Mutex::new(BTreeMap::new());
    FnTarget::new("widgets", move |request: &Request| {
        let mut store = store.lock().expect("not poisoned");
        let not_found = || Response::json(404, &json!({ "message": "Widget not found" }));
        let id = request.path.strip_prefix("/widgets/").map(str::to_string);
        match (request.method.as_str(), id) {
            ("POST", None) => {
                let body = request.json_body().unwrap_or_default();
                let name = body["name"].as_str().unwrap_or_default().to_string();
                let taken = store
                    .values()
                    .any(|(n, deleted)| *n == name && (!deleted || keep_names));
                if taken {
                    return Response::json(409, &json!({ "message": "Name taken" }));
                }
                let id = format!("w{}", store.len() + 1);
                store.insert(id.clone(), (name.clone(), false));
                Response::json(201, &json!({ "id": id, "name": name }))
            }
            ("GET", Some(id)) => match store.get(&id) {
                Some((name, false)) => Response::json(200, &json!({ "id": id, "name": name })),
                _ => not_found(),
            },
            ("DELETE", Some(id)) => match store.get_mut(&id) {
                Some((_, deleted @ false)) => {
                    *deleted = true;
                    Response::empty(204)
                }
                _ => not_found(),
            },
            _ => Response::empty(405),
        }
    })
}

fn widget_result(target: &dyn confuzz::Target) -> CheckResult {
    let set = confuzz::spec::SpecSet {
        specs: vec![confuzz::spec::load_str("acme.yaml", WIDGETS).expect("the widget spec loads")],
    };
    let fixtures = serde_json::json!({ "acme.token": "acme-secret-token" });
    let fixtures = fixtures.as_object().cloned().unwrap_or_default();
    let results = check(&set, target, &fixtures, &run_options(true));
    assert_eq!(results.len(), 1, "{results:#?}");
    results.into_iter().next().expect("one result")
}

#[test]
fn a_new_vendor_needs_only_a_model_in_its_spec() {
    let clean = widget_result(&widgets(false));
    assert_eq!(clean.id, "acme.stateful.sequences");
    assert_eq!(clean.verdict, RowVerdict::Passed, "{clean:#?}");

    let buggy = widget_result(&widgets(true));
    assert_eq!(buggy.verdict, RowVerdict::Failed, "{buggy:#?}");
    let reason = buggy.reason.as_deref().unwrap_or_default();
    // Create, delete, create the same name again: refused although the name is free.
    assert!(
        reason.contains("duplicate create widget #1 (deleted): expected a success, got 409"),
        "{reason}"
    );
    assert_eq!(buggy.exchanges.len(), 3, "{:#?}", buggy.steps);
    let redactor = Redactor::from_secrets([("acme-secret-token".into(), "ACME_TOKEN".into())]);
    let lines = numbered_curl(&buggy.exchanges, "http://localhost", &redactor);
    assert!(
        lines.iter().all(|l| !l.contains("acme-secret-token")),
        "{lines:#?}"
    );
}
