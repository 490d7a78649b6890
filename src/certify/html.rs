//! The main function here is [`page`]: `report.html`, the one self-contained file a person
//! reads to review a certification. The verdict per vendor comes first, then every
//! requirement (row, valid-request check, property) with its status and whether its
//! expectation is documented or assumed, and for each failure the expectation, the observed
//! answer, the request and a reproducer. Filters by status and vendor, and a print style.
//!
//! Everything that comes from the target (bodies, headers, reasons quoting answers) is
//! escaped, and the page forbids every script but its own (a Content-Security-Policy with the
//! hash of its one inline script), so a hostile answer cannot run in the reviewer's browser.
//! Secrets are redacted with the same [`Redactor`] as every other report. No external asset:
//! the page works offline.
//!
//! Not for: deciding verdicts (see [`Certification`](super::Certification)).

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::manifest::Manifest;
use crate::check::result::{CheckKind, CheckResult};
use crate::report::run::{curl, numbered_curl, Redactor};
use crate::run::{Evidence, RowVerdict, RunReport};
use crate::spec::{Field, SpecSet};
use crate::target::{Request, Response};

/// Bodies and reasons longer than this are clipped on the page (`report.json` has them whole).
const CLIP: usize = 4000;

/// The one script of the page: the status and vendor filters.
const SCRIPT: &str = r#"(function () {
  var boxes = document.querySelectorAll('#filters input[data-status]');
  var vendor = document.getElementById('vendor-filter');
  var shown = document.getElementById('shown');
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.getAttribute('data-status')] = b.checked; });
    var v = vendor.value;
    var n = 0;
    document.querySelectorAll('.req').forEach(function (r) {
      var ok = on[r.getAttribute('data-status')] && (v === '' || r.getAttribute('data-vendor') === v);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  vendor.addEventListener('change', apply);
  document.getElementById('filters').hidden = false;
  apply();
})();
"#;

const STYLE: &str = r#"
:root { --ok: #17643a; --bad: #a4161a; --warn: #8a5a00; --muted: #5b6270; --line: #d7dbe2; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2230; margin: 0; background: #f6f7f9; }
main, header.top { max-width: 1100px; margin: 0 auto; padding: 16px 24px; }
header.top { background: #fff; border-bottom: 1px solid var(--line); max-width: none; }
header.top > div { max-width: 1052px; margin: 0 auto; }
h1 { font-size: 22px; margin: 4px 0 8px; }
h2 { font-size: 18px; margin: 24px 0 8px; }
h4 { margin: 12px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.overall { display: inline-block; font-size: 20px; font-weight: 700; padding: 6px 14px; border-radius: 6px; color: #fff; }
.overall.yes { background: var(--ok); } .overall.no { background: var(--bad); }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 0; font-size: 14px; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; min-width: 64px; text-align: center; font-size: 12px; font-weight: 700; padding: 1px 6px; border-radius: 4px; color: #fff; text-transform: uppercase; }
.badge.passed, .badge.certified { background: var(--ok); }
.badge.failed, .badge.not-certified { background: var(--bad); }
.badge.warned { background: var(--warn); } .badge.untested { background: var(--muted); }
#filters { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 16px 0; display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; }
#filters label { white-space: nowrap; }
.req { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 4px; padding: 8px 12px; margin: 6px 0; }
.req.failed, .req.warned { border-left-color: var(--bad); } .req.passed { border-left-color: var(--ok); } .req.untested { border-left-color: var(--muted); }
.req > .head { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
.req .id { font-weight: 600; overflow-wrap: anywhere; }
.req .kind, .req .prov, .req .count { font-size: 13px; color: var(--muted); }
.req .title { margin: 2px 0; }
.req .reason { margin: 2px 0; color: #3a2f10; overflow-wrap: anywhere; }
pre, code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f1f3f6; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
table.mm td:nth-child(2), table.mm td:nth-child(3) { font-family: ui-monospace, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
ol.seq li { margin: 4px 0; }
.muted { color: var(--muted); }
@media print {
  body { background: #fff; font-size: 11pt; }
  #filters { display: none !important; }
  .req { break-inside: avoid; border-left-width: 3px; }
  .req[hidden] { display: block !important; }
  pre { white-space: pre-wrap; border-color: #999; }
  .overall, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header.top { border: 0; }
}
"#;

/// HTML text: `&`, `<`, `>`, `"` and `'` escaped, control characters but newlines and tabs
/// dropped. Safe in element content and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn clip(text: &str) -> String {
    if text.chars().count() <= CLIP {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(CLIP).collect();
        s.push_str("\n… (clipped; report.json has it whole)");
        s
    }
}

/// Whether a check's expectation is documented or assumed, in words.
fn provenance(check: &CheckResult, set: &SpecSet) -> String {
    match check.kind {
        CheckKind::Row => {
            let Some(row) = set.rows().map(|(_, r)| r).find(|r| r.id == check.id) else {
                return "not in the loaded specs".into();
            };
            let assumed: Vec<&str> = [
                (Field::Status, "status"),
                (Field::Code, "code"),
                (Field::Name, "name"),
                (Field::Message, "message"),
                (Field::Body, "body"),
            ]
            .into_iter()
            .filter(|(f, _)| row.is_assumed(*f))
            .map(|(_, n)| n)
            .collect();
            if assumed.is_empty() {
                "documented".into()
            } else {
                format!("documented, assumed {}", assumed.join(", "))
            }
        }
        CheckKind::Valid => "assumed: any 2xx".into(),
        CheckKind::Property => format!(
            "{} property, declared in the spec",
            check.property.as_deref().unwrap_or("a")
        ),
    }
}

/// What a check's kind is called on the page.
fn kind_name(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Row => "row",
        CheckKind::Valid => "valid request",
        CheckKind::Property => "property",
    }
}

fn request_text(r: &Request) -> String {
    let mut line = format!("{} {}", r.method, r.path);
    if !r.query.is_empty() {
        line.push('?');
        line.push_str(&crate::target::encode_form(&r.query));
    }
    message_text(line, &r.headers, &r.body)
}

fn response_text(r: &Response) -> String {
    message_text(format!("HTTP {}", r.status), &r.headers, &r.body)
}

/// An HTTP message as people read it: the first line, the headers, a blank line, the body.
fn message_text(first: String, headers: &[(String, String)], body: &[u8]) -> String {
    let mut out = first;
    out.push('\n');
    for (k, v) in headers {
        let _ = writeln!(out, "{k}: {v}");
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(body));
    }
    out
}

/// `<pre>` of redacted, clipped, escaped text.
fn pre(text: &str, redactor: &Redactor) -> String {
    format!("<pre>{}</pre>", escape(&clip(&redactor.redact(text))))
}

fn evidence_html(e: &Evidence, base_url: &str, redactor: &Redactor) -> String {
    let r = |t: &str| escape(&redactor.redact(t));
    let mut out = String::from("<div class=\"evidence\"><h4>Expectation</h4>");
    let _ = write!(out, "<p>compared with <code>{}</code>", escape(&e.reading));
    if let Some(other) = &e.looks_like {
        let _ = write!(
            out,
            "; the answer is documented as row <code>{}</code>",
            escape(other)
        );
    }
    out.push_str("</p>");
    if !e.mismatches.is_empty() {
        out.push_str("<table class=\"mm\"><thead><tr><th>field</th><th>expected</th><th>observed</th><th>expectation</th></tr></thead><tbody>");
        for m in &e.mismatches {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&m.what.to_string()),
                r(&m.expected),
                r(&m.observed),
                if m.documented {
                    "documented"
                } else {
                    "assumed"
                }
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("<h4>Observed answer</h4>");
    out.push_str(&pre(&response_text(&e.response), redactor));
    let _ = write!(
        out,
        "<h4>{} request{}</h4>",
        if e.shrunk { "Minimal" } else { "Failing" },
        if e.reproduced {
            ""
        } else {
            " (did not reproduce on a re-run)"
        }
    );
    out.push_str(&pre(&request_text(&e.request), redactor));
    if !e.setup.is_empty() {
        let _ = write!(
            out,
            "<h4>Setup ({} requests, sent first)</h4><ol class=\"seq\">",
            e.setup.len()
        );
        for x in &e.setup {
            let _ = write!(
                out,
                "<li><code>{}</code> <span class=\"muted\">→ {}</span></li>",
                escape(&curl(&x.request, base_url, redactor)),
                x.response.status
            );
        }
        out.push_str("</ol>");
    }
    out.push_str("<h4>Reproducer</h4>");
    out.push_str(&pre(&curl(&e.request, base_url, redactor), redactor));
    out.push_str("</div>");
    out
}

fn sequence_html(p: &CheckResult, base_url: &str, redactor: &Redactor) -> String {
    let mut out = String::from("<div class=\"evidence\">");
    if !p.steps.is_empty() {
        out.push_str("<h4>Expectation and observed answers</h4>");
        out.push_str(&pre(&p.steps.join("\n"), redactor));
    }
    if !p.exchanges.is_empty() {
        out.push_str("<h4>Requests, in order, and their answers</h4><ol class=\"seq\">");
        for x in &p.exchanges {
            let _ = write!(
                out,
                "<li>{}{}</li>",
                pre(&request_text(&x.request), redactor),
                pre(&response_text(&x.response), redactor)
            );
        }
        out.push_str("</ol><h4>Reproducer</h4>");
        out.push_str(&pre(
            &numbered_curl(&p.exchanges, base_url, redactor).join("\n"),
            redactor,
        ));
    }
    out.push_str("</div>");
    out
}

fn requirement_html(q: &CheckResult, set: &SpecSet, base_url: &str, redactor: &Redactor) -> String {
    let status = q.verdict.as_str();
    let mut out = format!(
        "<article class=\"req {status}\" data-status=\"{status}\" data-vendor=\"{}\" id=\"{}\">",
        escape(&q.vendor),
        escape(&q.id)
    );
    // `1 case`, `12 requests`.
    let unit = q.kind.unit();
    let count = format!(
        "{} {}",
        q.count,
        if q.count == 1 {
            unit.trim_end_matches('s')
        } else {
            unit
        }
    );
    let _ = write!(
        out,
        "<div class=\"head\"><span class=\"badge {status}\">{status}</span><code class=\"id\">{}</code><span class=\"kind\">{}</span><span class=\"prov\">{}</span><span class=\"count\">{}</span></div>",
        escape(&q.id),
        kind_name(q.kind),
        escape(&provenance(q, set)),
        escape(&count)
    );
    let _ = write!(out, "<p class=\"title\">{}</p>", escape(&q.title));
    if let Some(reason) = &q.reason {
        let _ = write!(
            out,
            "<p class=\"reason\">{}</p>",
            escape(&clip(&redactor.redact(reason)))
        );
    }
    if q.fails() {
        if let Some(e) = &q.evidence {
            out.push_str(&evidence_html(e, base_url, redactor));
        } else if !q.steps.is_empty() || !q.exchanges.is_empty() {
            out.push_str(&sequence_html(q, base_url, redactor));
        }
    }
    out.push_str("</article>\n");
    out
}

/// `report.html` for `report` (already redacted or not: every text goes through `redactor`),
/// headed by `manifest` (whose `files` and `digest` are not used). `set` says which
/// expectations are documented and which assumed; `base_url` is where reproducers point.
pub fn page(
    report: &RunReport,
    manifest: &Manifest,
    set: &SpecSet,
    base_url: &str,
    redactor: &Redactor,
) -> String {
    let cert = &manifest.certification;
    let verdict = cert.word();
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'\">"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(
        out,
        "<title>{} — {verdict} — confuzz certification</title>",
        escape(&manifest.product)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    // Head: the verdicts first.
    let _ = write!(
        out,
        "<header class=\"top\"><div><h1>{}</h1><p><span class=\"overall {}\" id=\"verdict\">{verdict}</span></p>",
        escape(&manifest.product),
        if cert.certified { "yes" } else { "no" }
    );
    out.push_str("<table id=\"vendors\"><thead><tr><th>vendor</th><th>verdict</th><th>checks</th><th>passed</th><th>failed</th><th>warned</th><th>untested</th></tr></thead><tbody>");
    for v in &cert.vendors {
        let (class, word) = if v.certified {
            ("certified", "certified")
        } else {
            ("not-certified", "not certified")
        };
        let _ = write!(
            out,
            "<tr data-vendor=\"{0}\"><td>{0}</td><td><span class=\"badge {class}\">{word}</span></td><td class=\"num\">{1}</td><td class=\"num\">{2}</td><td class=\"num\">{3}</td><td class=\"num\">{4}</td><td class=\"num\">{5}</td></tr>",
            escape(&v.vendor),
            v.checks,
            v.passed,
            v.failed,
            v.warned,
            v.untested
        );
    }
    out.push_str("</tbody></table><dl class=\"facts\">");
    let spec_list: Vec<String> = manifest
        .specs
        .iter()
        .map(|s| format!("{} sha256:{}", s.file, s.sha256))
        .collect();
    let facts = [
        ("target", manifest.target.clone()),
        ("date", manifest.date.clone()),
        (
            "seed",
            format!("{} (the same seed builds the same requests)", manifest.seed),
        ),
        ("cases per row", manifest.cases.to_string()),
        (
            "mode",
            "strict: an assumed expectation that differs fails; an untested check is not certified"
                .into(),
        ),
        (
            "tool",
            format!("{} {}", manifest.tool.name, manifest.tool.version),
        ),
        ("specs", spec_list.join("\n")),
    ];
    for (k, v) in facts {
        let _ = write!(
            out,
            "<dt>{k}</dt><dd>{}</dd>",
            escape(&redactor.redact(&v)).replace('\n', "<br>")
        );
    }
    if let Some(m) = &manifest.options.mutant {
        let _ = write!(out, "<dt>mutant</dt><dd>{}</dd>", escape(m));
    }
    out.push_str("</dl></div></header>\n<main>\n");
    // The requirements.
    let reqs: Vec<&CheckResult> = report.checks().collect();
    let _ = write!(
        out,
        "<h2>Requirements (<span id=\"shown\">{0}</span> of {0} shown)</h2>",
        reqs.len()
    );
    out.push_str("<div id=\"filters\" hidden><strong>Show</strong>");
    for s in ["failed", "warned", "untested", "passed"] {
        let n = reqs.iter().filter(|q| q.verdict.as_str() == s).count();
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" data-status=\"{s}\" checked> {s} ({n})</label>"
        );
    }
    out.push_str("<label>vendor <select id=\"vendor-filter\"><option value=\"\">all</option>");
    for v in &cert.vendors {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", escape(&v.vendor));
    }
    out.push_str("</select></label></div>\n");
    // Failures first, then untested, then the rest, each in report order.
    let rank = |v: RowVerdict| match v {
        RowVerdict::Failed => 0,
        RowVerdict::Warned => 1,
        RowVerdict::Untested => 2,
        RowVerdict::Passed => 3,
    };
    let mut ordered = reqs.clone();
    ordered.sort_by_key(|q| rank(q.verdict));
    for q in ordered {
        out.push_str(&requirement_html(q, set, base_url, redactor));
    }
    out.push_str("</main>\n");
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\u{7}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
