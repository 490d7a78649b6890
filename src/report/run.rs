//! Consumers of a finished run: the console table ([`console`]), the JSON document
//! ([`json`](fn@json), schema in `docs/report-format.md`), JUnit XML ([`junit`]) and `curl` reproducers
//! ([`curl`]) with secrets redacted.
//!
//! Not for: running anything. Each function reads a [`RunReport`] through
//! [`RunReport::checks`] and returns text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::check::result::{Cause, CheckKind, CheckResult, Evidence, Exchange, RowVerdict};
use crate::run::pools::FEWER_CASES;
use crate::run::RunReport;
use crate::target::Request;

use super::catalog::table;

pub use super::redact::Redactor;

/// The environment variable that stands for a secret fixture in reproducers:
/// `acme.token` is `ACME_TOKEN`.
pub fn secret_variable(fixture: &str) -> String {
    fixture.to_uppercase().replace(['.', '-'], "_")
}

/// A piece of reproducer text: literal bytes, or a secret that the shell reads from its
/// variable.
enum Piece<'t> {
    Text(&'t str),
    Secret(&'t str),
}

/// `text` cut into literal pieces and the secrets found in it (as their variables). When the
/// secrets cannot be searched for, the whole text is one placeholder: nothing of it shows.
fn pieces<'t>(redactor: &'t Redactor, text: &'t str) -> Vec<Piece<'t>> {
    let Some(spans) = redactor.spans(text) else {
        return vec![Piece::Text("[redacted]")];
    };
    let mut out = Vec::new();
    let mut last = 0;
    for (start, end, var) in spans {
        if start > last {
            out.push(Piece::Text(&text[last..start]));
        }
        out.push(Piece::Secret(var));
        last = end;
    }
    if last < text.len() || out.is_empty() {
        out.push(Piece::Text(&text[last..]));
    }
    out
}

/// One shell word that bash and sh both read back as exactly `text`: printable runs in single
/// quotes, a single quote as `\'`, control characters as `$'\ooo'`, and each secret as
/// `"$VARIABLE"` (so reproducers never print it and still send it).
fn shell_word(pieces: &[Piece<'_>]) -> String {
    let mut out = String::new();
    let mut open = false;
    let close = |out: &mut String, open: &mut bool| {
        if *open {
            out.push('\'');
            *open = false;
        }
    };
    for piece in pieces {
        match piece {
            Piece::Secret(var) => {
                close(&mut out, &mut open);
                out.push_str(&format!("\"${var}\""));
            }
            Piece::Text(text) => {
                for c in text.chars() {
                    if c == '\'' {
                        close(&mut out, &mut open);
                        out.push_str("\\'");
                    } else if c.is_control() && (c as u32) < 0x80 {
                        close(&mut out, &mut open);
                        out.push_str(&format!("$'\\{:03o}'", c as u32));
                    } else {
                        if !open {
                            out.push('\'');
                            open = true;
                        }
                        out.push(c);
                    }
                }
            }
        }
    }
    close(&mut out, &mut open);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// A `printf` format that writes exactly `bytes` (octal escapes for everything but plain
/// printable ASCII), single-quoted: how a body that is not text reaches `curl` (`@-`).
fn printf_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    for (i, &b) in bytes.iter().enumerate() {
        // A leading `-` would read as an option of printf.
        let plain = (b.is_ascii_graphic() && !matches!(b, b'\'' | b'\\' | b'%') || b == b' ')
            && !(i == 0 && b == b'-');
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out.push('\'');
    out
}

/// A `curl` command that sends `request` to `base_url` byte for byte, secrets redacted: pasted
/// into bash or sh (with the secrets' variables set) it sends the method, path, query, headers
/// and body the harness sent. A body that is not UTF-8 text (or holds a NUL) is piped in with
/// `printf`, so the line needs no file.
pub fn curl(request: &Request, base_url: &str, redactor: &Redactor) -> String {
    curl_with_body_file(request, base_url, redactor, None)
}

/// Whether `curl` sends this body from a file or a pipe rather than from the command line: a
/// body that is not UTF-8 text, or holds a NUL.
pub fn is_binary_body(body: &[u8]) -> bool {
    std::str::from_utf8(body).map_or(true, |text| text.contains('\0'))
}

/// [`curl`], with a binary body ([`is_binary_body`]) read from `body_file`
/// (`--data-binary @FILE`) when one is given: the file a saved failure writes beside itself,
/// holding the body as sent (secrets redacted).
pub fn curl_with_body_file(
    request: &Request,
    base_url: &str,
    redactor: &Redactor,
    body_file: Option<&std::path::Path>,
) -> String {
    let url = format!(
        "{}{}",
        base_url.trim_end_matches('/'),
        crate::target::path_and_query(request, "")
    );
    let mut parts = vec!["curl -i".to_string()];
    // `[]{}` are curl's URL globs, and it would resolve `/./` and `/../` itself.
    if url.contains(['[', ']', '{', '}']) {
        parts.push("-g".to_string());
    }
    if url.contains("/.") {
        parts.push("--path-as-is".to_string());
    }
    if request.method != "GET" || !request.body.is_empty() {
        let method = &request.method;
        if method.bytes().all(|b| b.is_ascii_alphanumeric()) {
            parts.push(format!("-X {method}"));
        } else {
            parts.push(format!("-X {}", shell_word(&[Piece::Text(method)])));
        }
    }
    parts.push(shell_word(&pieces(redactor, &url)));
    let mut content_type = false;
    for (k, v) in &request.headers {
        if k.eq_ignore_ascii_case("host") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        content_type |= k.eq_ignore_ascii_case("content-type");
        // `-H 'Name;'` is how curl sends a header with an empty value.
        let header = if v.is_empty() {
            format!("{k};")
        } else {
            format!("{k}: {v}")
        };
        parts.push(format!("-H {}", shell_word(&pieces(redactor, &header))));
    }
    let mut piped = None;
    if !request.body.is_empty() {
        if !content_type {
            // Otherwise curl adds a form content type the harness did not send.
            parts.push("-H 'Content-Type:'".to_string());
        }
        match std::str::from_utf8(&request.body) {
            Ok(text) if !text.contains('\0') => {
                parts.push(format!(
                    "--data-binary {}",
                    shell_word(&pieces(redactor, text))
                ));
            }
            _ => match body_file {
                Some(path) => {
                    let at = format!("@{}", path.display());
                    parts.push(format!("--data-binary {}", shell_word(&[Piece::Text(&at)])));
                }
                None => {
                    piped = Some(format!(
                        "printf {} | ",
                        printf_bytes(&redactor.redact_bytes(&request.body))
                    ));
                    parts.push("--data-binary @-".to_string());
                }
            },
        }
    }
    format!("{}{}", piped.unwrap_or_default(), parts.join(" "))
}

/// `text` safe to print on a terminal: control characters of the target's answers (ESC, CSI,
/// OSC, CR, NUL, DEL, C1) and the bidirectional overrides are shown escaped (`\x1b`,
/// `\u{202e}`), so an answer cannot move the cursor, clear the screen, set the clipboard or
/// reorder what is printed. Line feeds and tabs stay.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The console report: one line per check (passed ones only when `verbose`), then the
/// details of every failure and warning, then a summary.
pub fn console(report: &RunReport, base_url: &str, redactor: &Redactor, verbose: bool) -> String {
    let mut out = String::new();
    // Rows and valid-request checks count cases and share a table; properties count requests.
    let mut singles = Vec::new();
    let mut sequences = Vec::new();
    for c in report
        .checks()
        .filter(|c| verbose || c.verdict != RowVerdict::Passed)
    {
        let (table, reason) = match c.kind {
            CheckKind::Row | CheckKind::Valid => {
                (&mut singles, c.reason.clone().unwrap_or_default())
            }
            CheckKind::Property => (
                &mut sequences,
                c.reason.clone().unwrap_or_else(|| c.title.clone()),
            ),
        };
        table.push(vec![
            c.id.clone(),
            verdict_text(c),
            c.count.to_string(),
            // Reasons quote answers, which may echo a secret: redact before clipping.
            clip(&redactor.redact(&reason), 100),
        ]);
    }
    if !singles.is_empty() {
        out.push_str(&table(&["ROW", "VERDICT", "CASES", "REASON"], &singles));
    }
    if !sequences.is_empty() {
        if !singles.is_empty() {
            out.push('\n');
        }
        out.push_str(&table(
            &["PROPERTY", "VERDICT", "REQUESTS", "REASON"],
            &sequences,
        ));
    }
    for c in report.checks().filter(|c| c.fails()) {
        let Some(detail) = detail_text(c, base_url, redactor) else {
            continue;
        };
        let _ = writeln!(out, "\n--- {} ({})", c.id, c.verdict.as_str());
        out.push_str(&detail);
    }
    for c in report.checks().filter(|c| verbose && !c.notes.is_empty()) {
        let _ = writeln!(out, "\n{} notes:", c.id);
        for n in &c.notes {
            let _ = writeln!(out, "  {}", redactor.redact(n));
        }
    }
    if !report.signing.is_empty() {
        out.push('\n');
        out.push_str(&signing_line(report));
        out.push('\n');
    }
    let s = &report.summary;
    let counts: Vec<String> = CheckKind::ALL
        .iter()
        .map(|&k| match report.of_kind(k).count() {
            1 => format!("1 {}", k.singular()),
            n => format!("{n} {}", k.plural()),
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} warned, {} untested ({}; seed {}; {} cases per row; {}{} in {} ms)",
        s.passed,
        s.failed,
        s.warned,
        s.untested,
        counts.join(", "),
        report.seed,
        report.cases,
        report.target,
        if report.strict { ", strict" } else { "" },
        report.elapsed_ms
    );
    if report.transport.retries > 0 || report.transport.retry_after_too_long > 0 {
        let causes: Vec<String> = report
            .transport
            .causes
            .iter()
            .map(|(cause, n)| format!("{n} after {cause}"))
            .collect();
        let _ = writeln!(
            out,
            "retries: {} ({}); {} answers asked to wait longer than the retry policy allows",
            report.transport.retries,
            if causes.is_empty() {
                "none".to_string()
            } else {
                causes.join(", ")
            },
            report.transport.retry_after_too_long
        );
    }
    if let Some(reason) = &report.stopped {
        let _ = writeln!(
            out,
            "stopped early: {reason}; the checks it did not finish are untested"
        );
    }
    let fewer: Vec<&str> = report
        .checks()
        .filter(|c| c.notes.iter().any(|n| n.starts_with(FEWER_CASES)))
        .map(|c| c.id.as_str())
        .collect();
    if !fewer.is_empty() {
        let _ = writeln!(
            out,
            "fewer cases: {} checks that draw from a pool ran fewer than {} cases, since the pool cannot serve more (their notes say which pool; -v shows them): {}",
            fewer.len(),
            report.cases,
            fewer.join(", ")
        );
    }
    out.push_str(&untested_text(report, redactor));
    // Everything above quotes the target's answers: secrets out, terminal controls escaped.
    terminal_safe(&redactor.redact(&out))
}

/// A check's verdict as the tables print it: an untested check with its cause.
fn verdict_text(c: &CheckResult) -> String {
    match (c.verdict, c.cause) {
        (RowVerdict::Untested, cause) => {
            format!("untested ({})", cause.unwrap_or(Cause::Harness).as_str())
        }
        (verdict, _) => verdict.as_str().to_string(),
    }
}

/// The closing lines about untested checks, one group per cause, each check with its reason:
/// the harness's own (a harness error, exit 2), then the set-up's and the target's (allowed,
/// counted; `--strict` fails them).
pub fn untested_text(report: &RunReport, redactor: &Redactor) -> String {
    let mut out = String::new();
    for (cause, heading) in [
        (
            Cause::Harness,
            "harness error: the harness could not carry out",
        ),
        (Cause::Setup, "untested because of the set-up:"),
        (Cause::Target, "untested because of the target:"),
    ] {
        let untested: Vec<&CheckResult> = report.untested_because(cause).collect();
        if untested.is_empty() {
            continue;
        }
        let n = untested.len();
        let note = match cause {
            Cause::Harness => "the verdict is incomplete",
            _ if report.strict => "--strict fails them",
            _ => "allowed; --strict fails them",
        };
        let checks = if n == 1 { "check" } else { "checks" };
        let _ = writeln!(out, "{heading} {n} {checks} ({note}):");
        for c in untested {
            let reason = c.reason.as_deref().unwrap_or("no reason given");
            let _ = writeln!(out, "  {}: {}", c.id, clip(&redactor.redact(reason), 160));
        }
    }
    out
}

/// One line naming the OAuth 1.0a convention each vendor's requests were signed with, e.g.
/// `OAuth 1.0a signatures: lti per ims-lti (the target rejects RFC 5849)`.
pub fn signing_line(report: &RunReport) -> String {
    let parts: Vec<String> = report
        .signing
        .iter()
        .map(|(vendor, convention)| {
            let rejects_rfc = report.checks().any(|c| {
                c.vendor == *vendor
                    && c.property.as_deref() == Some(crate::run::signing::INTEROP)
                    && matches!(c.verdict, RowVerdict::Warned | RowVerdict::Failed)
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

/// What shows a failed or warned check: the minimal case of a single-case check, or the
/// request sequence of a property. `None` when there is nothing to show beyond the reason.
pub fn detail_text(check: &CheckResult, base_url: &str, redactor: &Redactor) -> Option<String> {
    match (&check.evidence, check.kind) {
        (Some(e), _) => Some(evidence_text(e, base_url, redactor)),
        (None, CheckKind::Property) => Some(sequence_text(check, base_url, redactor)),
        (None, CheckKind::Row | CheckKind::Valid) => None,
    }
}

/// Expected vs observed, the minimal request, and its reproducer.
pub fn evidence_text(e: &Evidence, base_url: &str, redactor: &Redactor) -> String {
    evidence_text_labelled(
        e,
        base_url,
        redactor,
        if e.shrunk {
            "minimal request"
        } else {
            "failing request"
        },
    )
}

/// [`evidence_text`] with the request under `label` (a replay that passes shows "request").
pub fn evidence_text_labelled(
    e: &Evidence,
    base_url: &str,
    redactor: &Redactor,
    label: &str,
) -> String {
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
        "{label}{}:",
        if e.reproduced {
            ""
        } else {
            " (did not reproduce on a re-run)"
        }
    );
    let _ = writeln!(out, "  {}", curl(&e.request, base_url, redactor));
    terminal_safe(&redactor.redact(&out))
}

/// A failed sequence: what was checked, why it failed, what each numbered request showed, and
/// the numbered sequence as `curl` lines.
pub fn sequence_text(p: &CheckResult, base_url: &str, redactor: &Redactor) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "checked: {}", p.title);
    if let Some(reason) = &p.reason {
        let _ = writeln!(out, "{}", redactor.redact(reason));
    }
    for line in &p.steps {
        let _ = writeln!(out, "  {}", redactor.redact(line));
    }
    if !p.exchanges.is_empty() {
        let _ = writeln!(out, "requests, in order:");
        for line in numbered_curl(&p.exchanges, base_url, redactor) {
            let _ = writeln!(out, "  {line}");
        }
    }
    terminal_safe(&redactor.redact(&out))
}

/// The exchanges of a sequence as numbered `curl` lines, each with the status it got.
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
pub const REPORT_FORMAT: u32 = 2;

/// The JSON report: the run report plus a format version and reproducers.
pub fn json(report: &RunReport, base_url: &str, redactor: &Redactor) -> Value {
    let checks: Vec<Value> = report
        .checks()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
            if let Some(e) = &c.evidence {
                v["evidence"]["curl"] = json!(curl(&e.request, base_url, redactor));
                v["evidence"]["setup_curl"] = json!(e
                    .setup
                    .iter()
                    .map(|x| curl(&x.request, base_url, redactor))
                    .collect::<Vec<_>>());
            }
            if !c.exchanges.is_empty() {
                v["curl"] = json!(numbered_curl(&c.exchanges, base_url, redactor));
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
        "outcome": report.outcome(),
        "summary": report.summary,
        "untested": {
            "harness": report.untested_because(Cause::Harness).count(),
            "setup": report.untested_because(Cause::Setup).count(),
            "target": report.untested_because(Cause::Target).count(),
        },
        "elapsed_ms": report.elapsed_ms,
        "transport": report.transport,
        "stopped": report.stopped,
        "spec": report.spec,
        "options": report.options,
        "partition": report.partition,
        "signing": report.signing,
        "checks": checks,
    });
    // Secrets are redacted everywhere, on the values: the evidence, and the reasons, which
    // quote answers.
    redactor.redact_value(&document)
}

/// A run report with everything that changes from run to run removed (timings, the prefix,
/// run-unique values in evidence, observed texts, the request counts of properties), for
/// snapshots: what is left changes only when a target's error behaviour does.
pub fn normalized(report: &RunReport) -> Value {
    let prefix = report.prefix.clone();
    let checks: Vec<Value> = report
        .checks()
        .map(|c| {
            let mut v = json!({
                "kind": c.kind,
                "id": c.id,
                "verdict": c.verdict,
            });
            // How many requests a property sends depends on timing; cases do not.
            match c.kind {
                CheckKind::Row | CheckKind::Valid => v["count"] = json!(c.count),
                CheckKind::Property => {}
            }
            if !c.readings.is_empty() {
                v["readings"] = json!(c.readings);
            }
            v["reason"] = json!(c.reason.as_ref().map(|t| t.replace(&prefix, "[prefix]")));
            if !c.notes.is_empty() {
                v["notes"] = json!(c.notes);
            }
            if let Some(e) = &c.evidence {
                v["evidence"] = json!({
                    "reading": e.reading,
                    "looks_like": e.looks_like,
                    "mismatches": e.mismatches.iter().map(|m| json!({
                        "what": m.what,
                        "documented": m.documented,
                        "expected": m.expected,
                    })).collect::<Vec<_>>(),
                    "status": e.response.status,
                });
            }
            v
        })
        .collect();
    let mut document = json!({
        "target": report.target,
        "seed": report.seed,
        "strict": report.strict,
        "cases": report.cases,
        "summary": report.summary,
        "checks": checks,
    });
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

/// JUnit XML: one test suite per vendor, one test case per check (row, valid-request check,
/// property result), with its wall time when it was measured.
pub fn junit(report: &RunReport, base_url: &str, redactor: &Redactor) -> String {
    let mut suites: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut counts: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for check in report.checks() {
        let vendor = check.vendor.as_str();
        let reason = check.reason.as_deref();
        let c = counts.entry(vendor.to_string()).or_default();
        c.0 += 1;
        let mut xml = format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml_escape(vendor),
            xml_escape(&check.id)
        );
        if let Some(ms) = check.time_ms {
            let _ = write!(xml, " time=\"{:.3}\"", ms as f64 / 1000.0);
        }
        xml.push('>');
        match check.verdict {
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
                let detail = detail_text(check, base_url, redactor).unwrap_or_default();
                let _ = write!(
                    xml,
                    "<failure message=\"{}\">{}</failure>",
                    xml_escape(&redactor.redact(reason.unwrap_or("failed"))),
                    xml_escape(&detail)
                );
            }
            RowVerdict::Untested => {
                // A harness error is an error; under --strict any untested check fails;
                // otherwise it is skipped with its cause.
                let cause = check.cause.unwrap_or(Cause::Harness);
                let message = xml_escape(&redactor.redact(&format!(
                    "untested ({}): {}",
                    cause.as_str(),
                    reason.unwrap_or("no reason given")
                )));
                let element = if cause == Cause::Harness {
                    "error"
                } else if report.strict {
                    "failure"
                } else {
                    "skipped"
                };
                if element == "skipped" {
                    c.2 += 1;
                } else {
                    c.1 += 1;
                }
                let _ = write!(xml, "<{element} message=\"{message}\"/>");
            }
        }
        xml.push_str("</testcase>");
        suites.entry(vendor.to_string()).or_default().push(xml);
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
    // Every part was redacted before escaping; the whole document again, for a secret that
    // only shows once escaped.
    redactor.redact(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_lines_redact_and_quote() {
        let r = Redactor::from_secrets([("s3cret-token".into(), "VENDOR_TOKEN".into())]);
        let req = Request::new("POST", "/a b")
            .with_bearer("s3cret-token")
            .with_json(&json!({"q": "say 'hi' $HOME\n"}))
            .with_query("x", "1 2");
        let line = curl(&req, "http://127.0.0.1:9", &r);
        assert!(line.contains("\"$VENDOR_TOKEN\""), "{line}");
        assert!(!line.contains("s3cret-token"));
        assert!(
            line.contains("'http://127.0.0.1:9/a%20b?x=1%202'"),
            "{line}"
        );
        // Single quotes keep `$HOME` and `\n` as they are; a quote is `\'`.
        assert!(
            line.contains(r#"--data-binary '{"q":"say '\''hi'\'' $HOME\n"}'"#),
            "{line}"
        );
        // A newline byte in a header value is `$'\012'`; a body that is not text is piped in.
        let req = Request::new("PUT", "/x")
            .with_header("X-Two", "a\nb")
            .with_body(vec![0, 0xff, b'%', b'\'']);
        let line = curl(&req, "http://h", &r);
        assert!(line.contains("-H 'X-Two: a'$'\\012''b'"), "{line}");
        assert!(
            line.starts_with("printf '\\000\\377\\045\\047' | curl -i -X PUT"),
            "{line}"
        );
        assert!(line.ends_with("--data-binary @-"), "{line}");
    }

    #[test]
    fn terminal_controls_are_escaped() {
        let text = "a\u{1b}[2Jb\u{1b}]52;c;aGk=\u{7}\r\0\u{9b}\u{202e}z\nok\t.";
        assert_eq!(
            terminal_safe(text),
            "a\\x1b[2Jb\\x1b]52;c;aGk=\\x07\\r\\0\\u{9b}\\u{202e}z\nok\t."
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
