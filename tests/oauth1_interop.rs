//! Which OAuth 1.0a convention a target verifies with is found before the rows, every request
//! is signed that way, and a target that rejects RFC 5849 signatures is an interop finding of
//! its own, never the failure of a documented row.
//!
//! Two LTI providers: the embedded reference, which verifies as the `ims-lti` validator does,
//! and a provider written here that verifies per RFC 5849 (with the crate's verifier in RFC
//! mode) and base64 secrets with `+ / =`, in front of the reference's launch pipeline.

mod common;

use std::collections::BTreeMap;

use common::*;
use confuzz::auth::oauth1::Convention;
use confuzz::check::CheckKind;
use confuzz::reference::Reference;
use confuzz::report::run::{console, json, junit, Redactor};
use confuzz::run::{RowVerdict, RunOptions, RunReport};
use confuzz::spec::SpecSet;
use confuzz::{Request, Response, Target, TargetError};
use serde_json::{Map, Value};

const INTEROP: &str = "lti.interop.oauth1";

/// An LTI 1.1 provider that verifies launches per RFC 5849 section 3.4 with its own secrets,
/// then hands verified launches to the reference's pipeline (credentials, Zoom, classes),
/// re-signed the way the reference reads them. A launch that does not verify per RFC 5849
/// reaches the pipeline with a signature no convention accepts, so it answers 1001 there.
struct RfcProvider {
    inner: Reference,
    /// Consumer key -> (this provider's secret, the reference's secret).
    secrets: BTreeMap<String, (String, String)>,
}

/// Base64 secrets with `+ / =`, as many LMSs issue them.
const RFC_CONSUMER_SECRET: &str = "dGhpcyBpcyBh+c2VjcmV0/Lw==";
const RFC_BARE_SECRET: &str = "YmFyZS9zZWNyZXQrPQ+/==";

impl RfcProvider {
    fn new() -> Self {
        let inner = lti_reference();
        let fixtures = inner.fixtures();
        let text = |name: &str| fixtures[name].as_str().unwrap_or_default().to_string();
        let secrets = BTreeMap::from([
            (
                text("lti.consumer_key"),
                (RFC_CONSUMER_SECRET.to_string(), text("lti.consumer_secret")),
            ),
            (
                text("lti.bare_key"),
                (RFC_BARE_SECRET.to_string(), text("lti.bare_secret")),
            ),
        ]);
        RfcProvider { inner, secrets }
    }

    /// The fixtures a user of this provider writes: the reference's, with this provider's
    /// secrets.
    fn fixtures(&self) -> Map<String, Value> {
        let mut fixtures = self.inner.fixtures();
        fixtures.insert("lti.consumer_secret".into(), RFC_CONSUMER_SECRET.into());
        fixtures.insert("lti.bare_secret".into(), RFC_BARE_SECRET.into());
        fixtures
    }
}

impl Target for RfcProvider {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        let mut body = request.form_pairs();
        let key = body
            .iter()
            .find(|(k, _)| k == "oauth_consumer_key")
            .map(|(_, v)| v.clone());
        let signed = body.iter().any(|(k, _)| k == "oauth_signature");
        let Some((mine, theirs)) = key.and_then(|k| self.secrets.get(&k)) else {
            return self.inner.send(request);
        };
        if !signed {
            return self.inner.send(request);
        }
        let url = format!(
            "http://{}{}",
            request.header("Host").unwrap_or("localhost"),
            request.path
        );
        let mut params = body.clone();
        params.extend(request.query.iter().cloned());
        let verified = Convention::Rfc5849.verify(&request.method, &url, &params, mine, "");
        body.retain(|(k, _)| k != "oauth_signature");
        let signature = if verified {
            let mut all = body.clone();
            all.extend(request.query.iter().cloned());
            let resigned = self.inner.oauth1_convention("lti").with_signature(
                &request.method,
                &url,
                &all,
                theirs,
            );
            resigned.last().map(|(_, v)| v.clone()).unwrap_or_default()
        } else {
            "rejected-by-rfc5849".to_string()
        };
        body.push(("oauth_signature".into(), signature));
        let mut forwarded = request.clone().with_form(&body);
        forwarded.query = request.query.clone();
        self.inner.send(&forwarded)
    }

    fn describe(&self) -> String {
        "an RFC 5849 LTI provider".into()
    }
}

fn lti_reference() -> Reference {
    Reference::with_vendors(confuzz::reference::Config::default(), &["lti".to_string()])
        .expect("the lti reference exists")
}

fn lti_specs() -> SpecSet {
    specs()
        .only_vendors(&["lti".to_string()])
        .expect("lti is shipped")
}

/// A full run of the LTI table: every row, the valid-request checks and the properties.
fn full_run(target: &dyn Target, fixtures: &Map<String, Value>, strict: bool) -> RunReport {
    let options = RunOptions::default().seed(SEED).cases(8).strict(strict);
    run_quiet(&lti_specs(), target, fixtures, &options)
}

fn interop(report: &RunReport) -> &confuzz::check::CheckResult {
    report
        .checks()
        .find(|p| p.id == INTEROP)
        .expect("the run reports the interop check")
}

/// Every check but the interop finding passed, with one line per check that did not.
fn assert_everything_else_passes(report: &RunReport) {
    let bad: Vec<String> = report
        .checks()
        .filter(|c| c.id != INTEROP && c.verdict != RowVerdict::Passed)
        .map(|c| format!("{} {:?}: {:?}", c.id, c.verdict, c.reason))
        .collect();
    assert!(
        bad.is_empty(),
        "checks that did not pass:\n{}",
        bad.join("\n")
    );
    assert_eq!(
        report.of_kind(CheckKind::Row).count(),
        lti_specs().specs[0].spec.rows.len()
    );
}

#[test]
fn an_rfc5849_provider_with_a_base64_secret_passes_a_full_run() {
    let provider = RfcProvider::new();
    let fixtures = provider.fixtures();
    let report = full_run(&provider, &fixtures, true);
    assert_eq!(report.signing.get("lti"), Some(&Convention::Rfc5849));
    let finding = interop(&report);
    assert_eq!(finding.verdict, RowVerdict::Passed, "{finding:?}");
    assert!(finding.notes.iter().any(|n| n == "verifies per rfc5849"));
    assert_everything_else_passes(&report);
    assert!(report.conforms());
    eprintln!(
        "{}",
        console(
            &report,
            "http://localhost",
            &Redactor::new(&lti_specs(), &fixtures),
            false
        )
    );
}

#[test]
fn the_ims_lti_reference_is_an_interop_finding_and_passes_every_row() {
    let reference = lti_reference();
    let fixtures = reference.fixtures();
    let report = full_run(&reference, &fixtures, false);
    assert_eq!(report.signing.get("lti"), Some(&Convention::ImsLti));
    let finding = interop(&report);
    assert_eq!(finding.verdict, RowVerdict::Warned, "{finding:?}");
    let reason = finding.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("rejects requests signed per RFC 5849"),
        "{reason}"
    );
    assert!(reason.contains("ims-lti"), "{reason}");
    // The two probe launches, the RFC 5849 one rejected with 1001, are the evidence.
    assert_eq!(finding.exchanges.len(), 2);
    assert_eq!(finding.exchanges[0].response.status, 400);
    assert!(finding.exchanges[0].response.text_body().contains("1001"));
    assert_eq!(finding.exchanges[1].response.status, 303);
    assert_everything_else_passes(&report);
    assert!(report.conforms(), "a warning only");

    // The reports say which convention the target uses.
    let redactor = Redactor::new(&lti_specs(), &fixtures);
    let text = console(&report, "http://localhost", &redactor, false);
    assert!(
        text.contains("OAuth 1.0a signatures: lti per ims-lti (the target rejects RFC 5849)"),
        "{text}"
    );
    assert!(text.contains(INTEROP), "{text}");
    eprintln!("{text}");
    let document = json(&report, "http://localhost", &redactor);
    assert_eq!(document["signing"]["lti"], "ims-lti");
    let xml = junit(&report, "http://localhost", &redactor);
    assert!(
        xml.contains("<property name=\"oauth1.convention\" value=\"ims-lti\"/>"),
        "{xml}"
    );
    assert!(xml.contains(&format!("name=\"{INTEROP}\"")), "{xml}");
}

#[test]
fn under_strict_the_interop_finding_fails_and_no_row_does() {
    let reference = lti_reference();
    let fixtures = reference.fixtures();
    let options = options(&["lti.launch"]).strict(true);
    let report = run_quiet(&lti_specs(), &reference, &fixtures, &options);
    assert_eq!(interop(&report).verdict, RowVerdict::Failed);
    assert!(!report.conforms());
    assert_eq!(report.summary.failed, 1, "only the interop finding fails");
    assert!(report
        .of_kind(CheckKind::Row)
        .all(|r| r.verdict == RowVerdict::Passed));
}

/// Signed the other way, every launch of the reference would fail its signature check: the
/// detection is what makes the rows pass. Against a provider that accepts neither probe, the
/// convention is unknown: the finding is untested and signing falls back to RFC 5849.
#[test]
fn a_provider_that_accepts_no_probe_leaves_the_convention_untested() {
    let reference = lti_reference();
    let fixtures = reference.fixtures();
    let refuses_extensions = confuzz::FnTarget::new("refuses ext_ parameters", |r: &Request| {
        if r.form_pairs().iter().any(|(k, _)| k.starts_with("ext_")) {
            Response::text(400, "unknown parameter")
        } else {
            reference.handle(r)
        }
    });
    let report = run_quiet(
        &lti_specs(),
        &refuses_extensions,
        &fixtures,
        &options(&["lti.launch.failed-imslti-validation"]),
    );
    let finding = interop(&report);
    assert_eq!(finding.verdict, RowVerdict::Untested, "{finding:?}");
    assert!(finding
        .reason
        .as_deref()
        .unwrap_or_default()
        .contains("no convention's valid request was accepted"));
    assert_eq!(report.signing.get("lti"), Some(&Convention::Rfc5849));
}

/// The spec declares the reference's convention as a variant of its auth: the reference
/// verifies as its vendor does, and the harness may sign that way.
#[test]
fn the_lti_spec_declares_the_reference_convention_as_a_variant() {
    let set = lti_specs();
    let auth = &set.specs[0].spec.vendor.auth;
    let confuzz::spec::Auth::Oauth1 {
        variants,
        extension_prefix,
        ..
    } = auth
    else {
        panic!("lti signs with OAuth 1.0a: {auth:?}");
    };
    assert_eq!(variants, &[lti_reference().oauth1_convention("lti")]);
    assert_eq!(extension_prefix.as_deref(), Some("ext_"));
}
