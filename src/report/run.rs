//! Consumers of a finished run: the console table ([`console`]), the JSON document
//! ([`json`], schema in `docs/report-format.md`), JUnit XML ([`junit`]) and `curl` reproducers
//! ([`curl`]) with secrets redacted.
//!
//! Not for: running anything. Each function reads a [`RunReport`] and returns text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::props::PropertyResult;
use crate::run::case::Exchange;
use crate::run::{Evidence, RowVerdict, RunReport};
use crate::spec::SpecSet;
use crate::target::Request;

use super::catalog::table;

/// Secret fixture values and the environment variable that stands for each in reproducers.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<(String, String)>,
}

impl Redactor {
    /// The secrets of every fixture a spec marks `secret: true`, with the values in use.
    pub fn new(set: &SpecSet, fixtures: &Map<String, Value>) -> Self {
        let mut secrets = Vec::new();
        for loaded in &set.specs {
            for f in loaded.spec.vendor.fixtures.iter().filter(|f| f.secret) {
                if let Some(Value::String(v)) = fixtures.get(&f.name) {
                    if v.len() >= 4 {
                        let var = f.name.to_uppercase().replace(['.', '-'], "_");
                        secrets.push((v.clone(), var));
                    }
                }
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        Redactor { secrets }
    }

    /// `text` with every secret replaced by `$VARIABLE`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (secret, var) in &self.secrets {
            out = out.replace(secret, &format!("${var}"));
        }
        out
    }

    /// A copy of any serializable value with every secret in its strings replaced (a saved
    /// failure, a whole JSON report). `None` if the value does not survive the round trip.
    pub fn redact_serialized<T>(&self, value: &T) -> Option<T>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let text = serde_json::to_string(value).ok()?;
        serde_json::from_str(&self.redact(&text)).ok()
    }

    /// The variables a redacted text refers to, for the line that precedes a reproducer.
    pub fn variables(&self) -> Vec<&str> {
        self.secrets.iter().map(|(_, v)| v.as_str()).collect()
    }
}

fn shell_quote(s: &str) -> String {
    // Double quotes keep `$VARIABLE` references live; escape what double quotes interpret.
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '$' => out.push('$'),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `curl` command that sends `request` to `base_url`, secrets redacted.
pub fn curl(request: &Request, base_url: &str, redactor: &Redactor) -> String {
    let mut url = format!("{}{}", base_url.trim_end_matches('/'), request.path);
    if !request.query.is_empty() {
        url.push('?');
        url.push_str(&crate::target::encode_form(&request.query));
    }
    let mut parts = vec!["curl -i".to_string()];
    if request.method != "GET" || !request.body.is_empty() {
        parts.push(format!("-X {}", request.method));
    }
    parts.push(shell_quote(&redactor.redact(&url)));
    for (k, v) in &request.headers {
        if k.eq_ignore_ascii_case("host") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        parts.push(format!(
            "-H {}",
            shell_quote(&redactor.redact(&format!("{k}: {v}")))
        ));
    }
    if !request.body.is_empty() {
        match std::str::from_utf8(&request.body) {
            Ok(text) => parts.push(format!(
                "--data-binary {}",
                shell_quote(&redactor.redact(text))
            )),
            Err(_) => parts.push("--data-binary @body.bin".to_string()),
        }
    }
    parts.join(" ")
}

/// The console report: one line per row, then details for every failure, then a summary.
pub fn console(report: &RunReport, base_url: &str, redactor: &Redactor, verbose: bool) -> String {
    let mut out = String::new();
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.verdict.as_str().to_string(),
                r.cases.to_string(),
                // Reasons quote answers, which may echo a secret: redact before clipping.
                clip(&redactor.redact(r.reason.as_deref().unwrap_or("")), 100),
            ]
        })
        .chain(report.positive.iter().map(|p| {
            vec![
                format!("{}.valid.{}", p.vendor, p.endpoint),
                p.verdict.as_str().to_string(),
                p.cases.to_string(),
                clip(&redactor.redact(p.reason.as_deref().unwrap_or("")), 100),
            ]
        }))
        .filter(|r| verbose || r[1] != "passed")
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(&["ROW", "VERDICT", "CASES", "REASON"], &rows));
    }
    let properties: Vec<Vec<String>> = report
        .properties
        .iter()
        .filter(|p| verbose || p.verdict != RowVerdict::Passed)
        .map(|p| {
            let reason = p.reason.clone().unwrap_or_else(|| p.title.clone());
            vec![
                p.id.clone(),
                p.verdict.as_str().to_string(),
                p.requests.to_string(),
                clip(&redactor.redact(&reason), 100),
            ]
        })
        .collect();
    if !properties.is_empty() {
        if !rows.is_empty() {
            out.push('\n');
        }
        out.push_str(&table(
            &["PROPERTY", "VERDICT", "REQUESTS", "REASON"],
            &properties,
        ));
    }
    let failures = report
        .rows
        .iter()
        .filter(|r| matches!(r.verdict, RowVerdict::Failed | RowVerdict::Warned))
        .map(|r| (r.id.clone(), r.verdict, r.evidence.as_ref()))
        .chain(
            report
                .positive
                .iter()
                .filter(|p| p.verdict == RowVerdict::Failed)
                .map(|p| {
                    (
                        format!("{}.valid.{}", p.vendor, p.endpoint),
                        p.verdict,
                        p.evidence.as_ref(),
                    )
                }),
        );
    for (id, verdict, evidence) in failures {
        let Some(e) = evidence else { continue };
        let _ = writeln!(out, "\n--- {id} ({})", verdict.as_str());
        out.push_str(&evidence_text(e, base_url, redactor));
    }
    for p in report
        .properties
        .iter()
        .filter(|p| p.verdict == RowVerdict::Failed)
    {
        let _ = writeln!(out, "\n--- {} ({})", p.id, p.verdict.as_str());
        out.push_str(&property_text(p, base_url, redactor));
    }
    let notes: Vec<&PropertyResult> = report
        .properties
        .iter()
        .filter(|p| verbose && !p.notes.is_empty())
        .collect();
    for p in notes {
        let _ = writeln!(out, "\n{} notes:", p.id);
        for n in &p.notes {
            let _ = writeln!(out, "  {}", redactor.redact(n));
        }
    }
    if !report.signing.is_empty() {
        out.push('\n');
        out.push_str(&signing_line(report));
        out.push('\n');
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} warned, {} untested ({} rows, {} endpoints, {} properties; seed {}; {} cases per row; {}{} in {} ms)",
        s.passed,
        s.failed,
        s.warned,
        s.untested,
        report.rows.len(),
        report.positive.len(),
        report.properties.len(),
        report.seed,
        report.cases,
        report.target,
        if report.strict { ", strict" } else { "" },
        report.elapsed_ms
    );
    out
}

/// One line naming the OAuth 1.0a convention each vendor's requests were signed with, e.g.
/// `OAuth 1.0a signatures: lti per ims-lti (the target rejects RFC 5849)`.
pub fn signing_line(report: &RunReport) -> String {
    let parts: Vec<String> = report
        .signing
        .iter()
        .map(|(vendor, convention)| {
            let rejects_rfc = report.properties.iter().any(|p| {
                p.vendor == *vendor
                    && p.property == crate::run::signing::INTEROP
                    && matches!(p.verdict, RowVerdict::Warned | RowVerdict::Failed)
            });
            if rejects_rfc {
                format!("{vendor} per {convention} (the target rejects RFC 5849)")
            } else {
                format!("{vendor} per {convention}")
            }
        })
        .collect();
    format!("OAuth 1.0a signatures: {}", parts.join(", "))
}

/// Expected vs observed, the minimal request, and its reproducer.
pub fn evidence_text(e: &Evidence, base_url: &str, redactor: &Redactor) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "compared with: {}", e.reading);
    for m in &e.mismatches {
        let _ = writeln!(
            out,
            "  {}{}: expected {:?}, observed {:?}",
            m.what,
            if m.documented { "" } else { " (assumed)" },
            redactor.redact(&m.expected),
            redactor.redact(&m.observed)
        );
    }
    if let Some(other) = &e.looks_like {
        let _ = writeln!(out, "  the answer is documented as row {other}");
    }
    let _ = writeln!(
        out,
        "answer: {} {}",
        e.response.status,
        clip(&redactor.redact(&e.response.text_body()), 300)
    );
    if !e.setup.is_empty() {
        let _ = writeln!(out, "setup ({} requests):", e.setup.len());
        for (i, x) in e.setup.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {}   # -> {}",
                i + 1,
                curl(&x.request, base_url, redactor),
                x.response.status
            );
        }
    }
    let _ = writeln!(
        out,
        "{} request{}:",
        if e.shrunk { "minimal" } else { "failing" },
        if e.reproduced {
            ""
        } else {
            " (did not reproduce on a re-run)"
        }
    );
    let _ = writeln!(out, "  {}", curl(&e.request, base_url, redactor));
    out
}

/// A failed property: why, what each numbered request showed, and the numbered sequence as
/// `curl` lines.
pub fn property_text(p: &PropertyResult, base_url: &str, redactor: &Redactor) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "checked: {}", p.title);
    if let Some(reason) = &p.reason {
        let _ = writeln!(out, "{}", redactor.redact(reason));
    }
    for line in &p.evidence {
        let _ = writeln!(out, "  {}", redactor.redact(line));
    }
    if !p.exchanges.is_empty() {
        let _ = writeln!(out, "requests, in order:");
        for line in numbered_curl(&p.exchanges, base_url, redactor) {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// The exchanges of a property as numbered `curl` lines, each with the status it got.
pub fn numbered_curl(exchanges: &[Exchange], base_url: &str, redactor: &Redactor) -> Vec<String> {
    exchanges
        .iter()
        .enumerate()
        .map(|(i, x)| {
            format!(
                "{}. {}   # -> {}",
                i + 1,
                curl(&x.request, base_url, redactor),
                x.response.status
            )
        })
        .collect()
}

fn clip(text: &str, width: usize) -> String {
    let one = text.replace('\n', "\\n");
    if one.chars().count() <= width {
        one
    } else {
        let mut s: String = one.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}

/// The version of the JSON report format (`docs/report-format.md`).
pub const REPORT_FORMAT: u32 = 1;

/// The JSON report: the run report plus a format version and reproducers.
pub fn json(report: &RunReport, base_url: &str, redactor: &Redactor) -> Value {
    let with_curl = |e: &Option<Evidence>| -> Value {
        match e {
            None => Value::Null,
            Some(e) => {
                let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
                v["curl"] = json!(curl(&e.request, base_url, redactor));
                v["setup_curl"] = json!(e
                    .setup
                    .iter()
                    .map(|x| curl(&x.request, base_url, redactor))
                    .collect::<Vec<_>>());
                v
            }
        }
    };
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "vendor": r.vendor,
                "title": r.title,
                "verdict": r.verdict,
                "cases": r.cases,
                "reason": r.reason,
                "readings": r.readings,
                "evidence": with_curl(&r.evidence),
            })
        })
        .collect();
    let positive: Vec<Value> = report
        .positive
        .iter()
        .map(|p| {
            json!({
                "id": format!("{}.valid.{}", p.vendor, p.endpoint),
                "vendor": p.vendor,
                "endpoint": p.endpoint,
                "verdict": p.verdict,
                "cases": p.cases,
                "reason": p.reason,
                "evidence": with_curl(&p.evidence),
            })
        })
        .collect();
    let properties: Vec<Value> = report
        .properties
        .iter()
        .map(|p| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            if !p.exchanges.is_empty() {
                v["curl"] = json!(numbered_curl(&p.exchanges, base_url, redactor));
            }
            v
        })
        .collect();
    let document = json!({
        "format": REPORT_FORMAT,
        "seed": report.seed,
        "prefix": report.prefix,
        "target": report.target,
        "strict": report.strict,
        "cases": report.cases,
        "conforms": report.conforms(),
        "summary": report.summary,
        "elapsed_ms": report.elapsed_ms,
        "rows": rows,
        "positive": positive,
        "properties": properties,
        "signing": report.signing,
    });
    // Secrets are redacted everywhere: the evidence, and the reasons, which quote answers.
    redactor.redact_serialized(&document).unwrap_or(Value::Null)
}

/// A run report with everything that changes from run to run removed (timings, the prefix,
/// run-unique values in evidence), for snapshots: what is left changes only when a target's
/// error behaviour does.
pub fn normalized(report: &RunReport) -> Value {
    let prefix = report.prefix.clone();
    let scrub = |e: &Option<Evidence>| -> Value {
        match e {
            None => Value::Null,
            Some(e) => json!({
                "reading": e.reading,
                "looks_like": e.looks_like,
                "mismatches": e.mismatches.iter().map(|m| json!({
                    "what": m.what,
                    "documented": m.documented,
                    "expected": m.expected,
                })).collect::<Vec<_>>(),
                "status": e.response.status,
            }),
        }
    };
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "verdict": r.verdict,
                "cases": r.cases,
                "readings": r.readings,
                "reason": r.reason.as_ref().map(|t| t.replace(&prefix, "[prefix]")),
                "evidence": scrub(&r.evidence),
            })
        })
        .collect();
    let positive: Vec<Value> = report
        .positive
        .iter()
        .map(|p| {
            json!({
                "endpoint": p.endpoint,
                "verdict": p.verdict,
                "cases": p.cases,
                "reason": p.reason,
                "evidence": scrub(&p.evidence),
            })
        })
        .collect();
    let properties: Vec<Value> = report
        .properties
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "verdict": p.verdict,
                "reason": p.reason.as_ref().map(|t| t.replace(&prefix, "[prefix]")),
                "notes": p.notes,
            })
        })
        .collect();
    let mut document = json!({
        "target": report.target,
        "seed": report.seed,
        "strict": report.strict,
        "cases": report.cases,
        "summary": report.summary,
        "rows": rows,
        "positive": positive,
    });
    // Only runs that checked properties list them, so snapshots of row-only runs keep their
    // shape.
    if !properties.is_empty() {
        document["properties"] = json!(properties);
    }
    if !report.signing.is_empty() {
        document["signing"] = json!(report.signing);
    }
    document
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: one test suite per vendor, one test case per row, per valid-request check and
/// per property result.
pub fn junit(report: &RunReport, base_url: &str, redactor: &Redactor) -> String {
    let mut suites: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut counts: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut case = |vendor: &str,
                    name: &str,
                    verdict: RowVerdict,
                    reason: Option<&str>,
                    detail: &dyn Fn() -> String| {
        let c = counts.entry(vendor.to_string()).or_default();
        c.0 += 1;
        let mut xml = format!(
            "    <testcase classname=\"{}\" name=\"{}\">",
            xml_escape(vendor),
            xml_escape(name)
        );
        match verdict {
            RowVerdict::Passed => {}
            RowVerdict::Warned => {
                let _ = write!(
                    xml,
                    "<system-out>{}</system-out>",
                    xml_escape(&redactor.redact(reason.unwrap_or("warning")))
                );
            }
            RowVerdict::Failed => {
                c.1 += 1;
                let detail = detail();
                let _ = write!(
                    xml,
                    "<failure message=\"{}\">{}</failure>",
                    xml_escape(&redactor.redact(reason.unwrap_or("failed"))),
                    xml_escape(&detail)
                );
            }
            RowVerdict::Untested => {
                c.2 += 1;
                let _ = write!(
                    xml,
                    "<skipped message=\"{}\"/>",
                    xml_escape(&redactor.redact(reason.unwrap_or("untested")))
                );
            }
        }
        xml.push_str("</testcase>");
        suites.entry(vendor.to_string()).or_default().push(xml);
    };
    let text = |e: Option<&Evidence>| {
        e.map(|e| evidence_text(e, base_url, redactor))
            .unwrap_or_default()
    };
    for r in &report.rows {
        case(&r.vendor, &r.id, r.verdict, r.reason.as_deref(), &|| {
            text(r.evidence.as_ref())
        });
    }
    for p in &report.positive {
        case(
            &p.vendor,
            &format!("{}.valid.{}", p.vendor, p.endpoint),
            p.verdict,
            p.reason.as_deref(),
            &|| text(p.evidence.as_ref()),
        );
    }
    for p in &report.properties {
        case(&p.vendor, &p.id, p.verdict, p.reason.as_deref(), &|| {
            property_text(p, base_url, redactor)
        });
    }
    let total: usize = counts.values().map(|c| c.0).sum();
    let failures: usize = counts.values().map(|c| c.1).sum();
    let skipped: usize = counts.values().map(|c| c.2).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"confuzz\" tests=\"{total}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        report.elapsed_ms as f64 / 1000.0
    );
    for (vendor, cases) in &suites {
        let (t, f, s) = counts.get(vendor).copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\" skipped=\"{s}\">",
            xml_escape(vendor)
        );
        let signing = report
            .signing
            .get(vendor)
            .map(|c| format!("<property name=\"oauth1.convention\" value=\"{c}\"/>"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    <properties><property name=\"seed\" value=\"{}\"/>{signing}</properties>",
            report.seed
        );
        for c in cases {
            out.push_str(c);
            out.push('\n');
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_lines_redact_and_quote() {
        let r = Redactor {
            secrets: vec![("s3cret-token".into(), "VENDOR_TOKEN".into())],
        };
        let req = Request::new("POST", "/a b")
            .with_bearer("s3cret-token")
            .with_json(&json!({"q": "say \"hi\""}))
            .with_query("x", "1 2");
        let line = curl(&req, "http://127.0.0.1:9", &r);
        assert!(line.contains("$VENDOR_TOKEN"), "{line}");
        assert!(!line.contains("s3cret-token"));
        assert!(line.contains("?x=1%202"));
        // The body {"q":"say \"hi\""} inside double quotes: every `"` and `\` escaped.
        assert!(
            line.contains(r#"--data-binary "{\"q\":\"say \\\"hi\\\"\"}""#),
            "{line}"
        );
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml_escape("<a & 'b'>\u{1}"),
            "&lt;a &amp; &apos;b&apos;&gt;"
        );
    }
}
