//! `--retry`: 429 and 5xx answers that a row does not expect are retried with backoff; a row
//! that expects them is never retried (its answer is the thing under test).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use confuzz::run::{run, RetryPolicy, RowVerdict, RunOptions};
use confuzz::spec::{load_str, SpecSet};
use confuzz::{FnTarget, Request, Response};
use serde_json::{json, Map, Value};

fn set(text: &str) -> SpecSet {
    SpecSet {
        specs: vec![load_str("acme.yaml", text).expect("the spec loads")],
    }
}

fn fixtures() -> Map<String, Value> {
    let mut f = Map::new();
    f.insert("acme.token".into(), json!("t0ken-acme"));
    f.insert("acme.shelf_id".into(), json!("s1"));
    f
}

/// A conforming widget service that answers 503 to the first `flaky` requests.
fn flaky_service(
    flaky: usize,
    calls: &AtomicUsize,
) -> impl Fn(&Request) -> Response + Send + Sync + '_ {
    move |req: &Request| {
        if calls.fetch_add(1, Ordering::SeqCst) < flaky {
            return Response::json(503, &json!({"message": "try again"}));
        }
        match req.json_body().and_then(|b| b.get("name").cloned()) {
            Some(_) => Response::json(200, &json!({"id": "w1"})),
            None => Response::json(400, &json!({"message": "missing required field(s): name"})),
        }
    }
}

fn options(retry: Option<RetryPolicy>) -> RunOptions {
    RunOptions {
        cases: 2,
        seed: 9,
        jobs: 1,
        positive: false,
        retry,
        ..RunOptions::default()
    }
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base: std::time::Duration::from_millis(1),
        cap: std::time::Duration::from_millis(5),
    }
}

#[test]
fn a_transient_503_fails_the_row_without_retry_and_passes_with_it() {
    let spec = set(common::MINIMAL_SPEC);

    let calls = AtomicUsize::new(0);
    let target = FnTarget::new("flaky", flaky_service(2, &calls));
    let report = run(&spec, &target, &fixtures(), &options(None), &|_| {}).unwrap();
    // The 503s were transient: the failure is reported, and so is that it did not come back.
    assert_eq!(report.checks[0].verdict, RowVerdict::Failed);
    let reason = report.checks[0].reason.as_deref().unwrap();
    assert!(
        reason.contains("did not fail again on a re-run"),
        "{reason}"
    );

    let calls = AtomicUsize::new(0);
    let target = FnTarget::new("flaky", flaky_service(2, &calls));
    let report = run(
        &spec,
        &target,
        &fixtures(),
        &options(Some(quick())),
        &|_| {},
    )
    .unwrap();
    assert_eq!(
        report.checks[0].verdict,
        RowVerdict::Passed,
        "{:?}",
        report.checks[0].reason
    );
}

#[test]
fn retries_give_up_after_the_policy_attempts() {
    let spec = set(common::MINIMAL_SPEC);
    let calls = AtomicUsize::new(0);
    let target = FnTarget::new("down", flaky_service(usize::MAX, &calls));
    let report = run(
        &spec,
        &target,
        &fixtures(),
        &options(Some(quick())),
        &|_| {},
    )
    .unwrap();
    assert_eq!(report.checks[0].verdict, RowVerdict::Failed);
    // One first try and three retries for the first case, then the re-run of the failure.
    assert!(calls.load(Ordering::SeqCst) >= 4);
}

#[test]
fn a_row_that_expects_a_5xx_is_never_retried() {
    // The same widget table with a row documenting 503 for the store fault.
    let text = common::MINIMAL_SPEC.replace(
        "rows:\n",
        r#"rows:
  - id: acme.widget.store-down
    title: The widget store fails
    group: widget
    endpoints: [widget-create]
    doc:
      heading: store unavailable
      response: '503 | {"message":"try again"}'
      line: 4
    expect:
      status: 503
      message: "try again"
    trigger:
      kind: fault
      ops:
        - fault: store
    explain:
      meaning: The store behind widgets failed.
      cause: A dependency is down.
      fix: Retry later.
"#,
    );
    let spec = set(&text);
    let calls = AtomicUsize::new(0);
    // Always 503: the row expecting 503 must see it on the first try and pass.
    let target = FnTarget::new("down", flaky_service(usize::MAX, &calls));
    let mut opts = options(Some(RetryPolicy {
        attempts: 50,
        base: std::time::Duration::from_millis(1),
        cap: std::time::Duration::from_millis(1),
    }));
    opts.rows = vec!["acme.widget.store-down".into()];
    let report = run(&spec, &target, &fixtures(), &opts, &|_| {}).unwrap();
    assert_eq!(
        report.checks[0].verdict,
        RowVerdict::Passed,
        "{:?}",
        report.checks[0].reason
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "one request per case, no retries"
    );
}
