//! The stateful property: random call sequences against the models the specs declare pass on
//! the embedded reference, and fail, shrunk to a short numbered `curl` sequence, on every
//! mutant that breaks what the model predicts.

mod common;

use common::{options, reference, specs};
use confuzz::props::stateful::{check, property_id};
use confuzz::props::PropertyResult;
use confuzz::reference::{Config, Reference};
use confuzz::run::{RowVerdict, RunOptions};

fn run_options(shrink: bool) -> RunOptions {
    RunOptions {
        strict: true,
        shrink,
        ..options(&[])
    }
}

fn result(results: &[PropertyResult], vendor: &str) -> PropertyResult {
    results
        .iter()
        .find(|r| r.id == property_id(vendor))
        .unwrap_or_else(|| panic!("no stateful result for {vendor}: {results:#?}"))
        .clone()
}

/// The stateful results against a mutant of the reference.
fn against(mutant: &str, shrink: bool) -> Vec<PropertyResult> {
    let target = Reference::new(Config {
        mutant: Some(mutant.into()),
        ..Config::default()
    });
    check(&specs(), &target, &target.fixtures(), &run_options(shrink))
}

/// The numbered curl lines of a result's evidence.
fn curl_lines(result: &PropertyResult) -> Vec<&String> {
    result
        .evidence
        .iter()
        .filter(|l| {
            l.split_once(". curl ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .collect()
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
        assert_eq!(r.property, "stateful");
        assert!(r.requests > 24, "{} sent {} requests", r.id, r.requests);
    }
}

#[test]
fn a_deleted_assignment_still_served_fails_with_a_short_sequence() {
    let result = result(&against("clever.deleted-still-served", true), "clever");
    assert_eq!(result.verdict, RowVerdict::Failed, "{result:#?}");
    let reason = result.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("read assignment") && reason.contains("clever.assignment.deleted"),
        "{reason}"
    );
    let lines = curl_lines(&result);
    // Create, delete, read: shrinking drops every other call.
    assert!(
        (2..=4).contains(&lines.len()),
        "shrunk to a short sequence: {:#?}",
        result.evidence
    );
    assert!(lines[0].starts_with("1. curl -i -X POST "), "{lines:?}");
    assert!(
        lines.last().is_some_and(|l| !l.contains("-X ")),
        "ends with a GET: {lines:?}"
    );
    // Secrets are redacted in the reproducer.
    assert!(
        result.evidence.iter().all(|l| !l.contains("demo-district")),
        "{:#?}",
        result.evidence
    );
    assert!(result.evidence.iter().any(|l| l.contains("$CLEVER_TOKEN")));
}

#[test]
fn an_update_that_does_not_persist_fails_on_the_read_back() {
    let result = result(&against("clever.update-not-persisted", true), "clever");
    assert_eq!(result.verdict, RowVerdict::Failed, "{result:#?}");
    let reason = result.reason.as_deref().unwrap_or_default();
    assert!(reason.contains("/data/title"), "{reason}");
    assert!(curl_lines(&result).len() <= 4, "{:#?}", result.evidence);
}

#[test]
fn a_duplicate_accepted_after_an_update_fails_with_a_short_sequence() {
    let result = result(
        &against("coursekey.user-update-drops-email", true),
        "coursekey",
    );
    assert_eq!(result.verdict, RowVerdict::Failed, "{result:#?}");
    let reason = result.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("coursekey.user.email-must-be-unique"),
        "{reason}"
    );
    assert!(curl_lines(&result).len() <= 4, "{:#?}", result.evidence);
}

#[test]
fn a_delete_that_does_not_persist_fails_on_the_second_delete() {
    let result = result(
        &against("coursekey.attendance-delete-not-persisted", true),
        "coursekey",
    );
    assert_eq!(result.verdict, RowVerdict::Failed, "{result:#?}");
    // Setup (a course), create, delete, delete again (or re-create).
    assert!(curl_lines(&result).len() <= 5, "{:#?}", result.evidence);
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
        result(&a, "clever").evidence.len(),
        result(&b, "clever").evidence.len()
    );
    assert_eq!(result(&a, "clever").reason, result(&b, "clever").reason);
}

#[test]
fn row_filters_select_the_property_by_vendor_or_id() {
    let target = reference();
    let only = |rows: &[&str]| {
        let options = RunOptions {
            rows: rows.iter().map(|r| r.to_string()).collect(),
            ..run_options(false)
        };
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
    assert!(only(&["lti"]).is_empty());
}
