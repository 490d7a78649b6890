//! Consumers of a mutation score: the console table ([`console`]), the JSON document ([`json`](fn@json),
//! described in `docs/report-format.md`) and the catalog listing ([`catalog_table`]).
//!
//! Not for: computing the score (see `mutants`).

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::mutants::{Check, Mutant, MutationReport};

use super::catalog;

/// How many ids the table shows per mutant before it counts the rest.
const SHOWN: usize = 2;

fn killed_by(ids: &[String]) -> String {
    if ids.is_empty() {
        return "-".into();
    }
    let shown = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        format!("{shown} (+{} more)", ids.len() - SHOWN)
    } else {
        shown
    }
}

fn check_line(c: &Check) -> String {
    format!(
        "  {} {}: {}",
        c.id,
        c.verdict.as_str(),
        c.reason.as_deref().unwrap_or("")
    )
}

/// One line per mutant (killed or survived, and by which checks), the survivors described,
/// the reference's false alarms, and the score.
pub fn console(report: &MutationReport) -> String {
    let rows: Vec<Vec<String>> = report
        .mutants
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                if m.killed { "killed" } else { "SURVIVED" }.to_string(),
                killed_by(&m.killed_by),
            ]
        })
        .collect();
    let mut out = catalog::table(&["MUTANT", "RESULT", "KILLED BY"], &rows);
    for m in report.mutants.iter().filter(|m| !m.killed) {
        let _ = writeln!(
            out,
            "\n--- {} survived {} checks: {}",
            m.name, m.checks, m.description
        );
        for c in &m.untested {
            let _ = writeln!(out, "{}", check_line(c));
        }
    }
    let r = &report.reference;
    if r.clean {
        let _ = writeln!(
            out,
            "\nreference: clean ({} checks passed, strict)",
            r.checks
        );
    } else {
        let _ = writeln!(
            out,
            "\nreference: NOT clean ({} of {} checks did not pass, strict):",
            r.failures.len(),
            r.checks
        );
        for c in &r.failures {
            let _ = writeln!(out, "{}", check_line(c));
        }
    }
    let _ = writeln!(
        out,
        "mutation score: {}/{} killed ({:.1}%); seed {}; {} cases per row; strict; {:.1} s",
        report.killed,
        report.total,
        report.score * 100.0,
        report.seed,
        report.cases,
        report.elapsed_ms as f64 / 1000.0
    );
    out
}

/// The JSON document: `format`, `passed`, then the report's own fields.
pub fn json(report: &MutationReport) -> Value {
    let mut doc = json!({ "format": 1, "passed": report.passed() });
    if let (Some(doc), Ok(Value::Object(fields))) =
        (doc.as_object_mut(), serde_json::to_value(report))
    {
        doc.extend(fields);
    }
    doc
}

/// The catalog without running it: vendor, name and description of each mutant.
pub fn catalog_table(mutants: &[Mutant]) -> String {
    let rows: Vec<Vec<String>> = mutants
        .iter()
        .map(|(vendor, name, description)| {
            vec![
                name.to_string(),
                vendor.to_string(),
                description.to_string(),
            ]
        })
        .collect();
    catalog::table(&["MUTANT", "VENDOR", "DEVIATION"], &rows)
}
