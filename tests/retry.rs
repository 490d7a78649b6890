//! `--retry`: 429, 502, 503 and 504 answers that a check does not expect are retried with
//! backoff, for rows, valid-request checks and properties alike; a check that expects them is
//! never retried (its answer is the thing under test), nor a 500, nor a shrinking failure.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use confuzz::check::CheckKind;
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
    RunOptions::default()
        .cases(2)
        .seed(9)
        .jobs(1)
        .positive(false)
        .retry(retry)
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base: std::time::Duration::from_millis(1),
        cap: std::time::Duration::from_millis(5),
        max_wait: std::time::Duration::from_millis(5),
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
    // One first try and three retries for the first case; then it shrinks, and neither the
    // shrink candidates nor the re-run of the minimal case are retried.
    assert!(calls.load(Ordering::SeqCst) > 4, "it shrank");
    assert_eq!(report.transport.retries, 3, "{:?}", report.transport);
    assert_eq!(report.transport.causes.get("503"), Some(&3));
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
        max_wait: std::time::Duration::from_millis(1),
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

#[test]
fn a_500_is_an_answer_not_a_reason_to_retry() {
    let spec = set(common::MINIMAL_SPEC);
    let calls = AtomicUsize::new(0);
    let target = FnTarget::new("broken", |_: &Request| {
        calls.fetch_add(1, Ordering::SeqCst);
        Response::json(500, &json!({"message": "boom"}))
    });
    let mut opts = options(Some(quick()));
    opts.shrink = false;
    let report = run(&spec, &target, &fixtures(), &opts, &|_| {}).unwrap();
    assert_eq!(report.checks[0].verdict, RowVerdict::Failed);
    assert_eq!(report.transport.retries, 0);
}

/// The embedded reference behind a layer that answers 503 the first time it sees a request,
/// and the reference's answer when the same request comes again.
struct FirstTimeUnavailable {
    reference: confuzz::reference::Reference,
    seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl confuzz::Target for FirstTimeUnavailable {
    fn send(&self, request: &Request) -> Result<Response, confuzz::TargetError> {
        let key = serde_json::to_string(request).unwrap();
        if self.seen.lock().unwrap().insert(key) {
            return Ok(Response::json(503, &json!({"message": "try again"})));
        }
        Ok(self.reference.handle(request))
    }

    fn describe(&self) -> String {
        "first time unavailable".into()
    }
}

#[test]
fn rows_valid_requests_and_properties_are_retried_alike() {
    let set = common::specs()
        .only_vendors(&["clever".to_string()])
        .unwrap();
    let run_with = |retry: Option<RetryPolicy>| {
        let target = FirstTimeUnavailable {
            reference: common::reference(),
            seen: Default::default(),
        };
        let options = RunOptions::default()
            .cases(2)
            .seed(3)
            .retry(retry)
            .rows(["clever"]);
        run(
            &set,
            &target,
            &target.reference.fixtures(),
            &options,
            &|_| {},
        )
        .unwrap()
    };
    let without = run_with(None);
    let failed = |report: &confuzz::run::RunReport| {
        let of = |kind| {
            report
                .of_kind(kind)
                .filter(|r| r.verdict == RowVerdict::Failed)
                .count()
        };
        (
            of(CheckKind::Row),
            of(CheckKind::Valid),
            of(CheckKind::Property),
        )
    };
    let (rows, positive, properties) = failed(&without);
    assert!(
        rows > 0 && positive > 0 && properties > 0,
        "{:?}",
        failed(&without)
    );

    let with = run_with(Some(quick()));
    assert_eq!(failed(&with), (0, 0, 0), "{:#?}", with.summary);
    assert!(with.of_kind(CheckKind::Valid).count() > 0);
    assert!(with.of_kind(CheckKind::Property).count() > 0);
    assert!(with.transport.retries > 0);
}
