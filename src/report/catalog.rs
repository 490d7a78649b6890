//! The main functions here render the spec tables for people: [`list_json`] and [`list_table`]
//! (`confuzz list`), [`explain_matches`] (`confuzz explain`: find the rows matching what a user pasted
//! from a log) and [`lint_table`] (`confuzz lint`).
//!
//! Not for: run reports (see the other report modules).

use serde_json::{json, Value};

use crate::spec::lint::Finding;
use crate::spec::template::{Case, Template};
use crate::spec::*;

/// One documented error as `confuzz list --format json` prints it.
pub fn list_entry(spec: &VendorSpec, row: &ErrorRow) -> Value {
    let provenance = |field: Field, present: bool| -> Value {
        if !present {
            Value::Null
        } else if row.is_assumed(field) {
            json!("assumed")
        } else {
            json!("documented")
        }
    };
    let code = match &row.expect.code {
        Some(CodeExpect::Number(n)) => json!(n),
        Some(CodeExpect::Text(t)) if t == "absent" => Value::Null,
        Some(CodeExpect::Text(t)) => json!(t),
        None => Value::Null,
    };
    let trigger = match &row.trigger {
        Some(t) => {
            let mut trigger = json!({
                "kind": t.kind,
                "endpoint": row.trigger_endpoint(),
                "setup_steps": t.setup.len(),
                "ops": t.ops,
            });
            if !t.variants.is_empty() {
                trigger["variants"] = json!(t.variants);
            }
            trigger
        }
        None => json!({"kind": "none"}),
    };
    json!({
        "id": row.id,
        "vendor": spec.vendor.id,
        "title": row.title,
        "group": row.group,
        "endpoints": row.endpoints,
        "status": row.expect.status,
        "code": code,
        "name": row.expect.name,
        "message": row.expect.message,
        "body": row.body_kind(&spec.vendor.envelope),
        "trigger": trigger,
        "provenance": {
            "status": provenance(Field::Status, true),
            "code": provenance(Field::Code, row.expect.code.is_some()),
            "name": provenance(Field::Name, row.expect.name.is_some()),
            "message": provenance(Field::Message, row.expect.message.is_some()),
            "body": provenance(Field::Body, true),
        },
        "order": row.order,
        "source": {"file": spec.vendor.source.file, "line": row.doc.line, "heading": row.doc.heading},
    })
}

/// Every row of the set as a JSON array.
pub fn list_json(set: &SpecSet) -> Value {
    Value::Array(set.rows().map(|(s, r)| list_entry(s, r)).collect())
}

fn code_text(code: &Option<CodeExpect>) -> String {
    match code {
        Some(CodeExpect::Number(n)) => n.to_string(),
        Some(CodeExpect::Text(t)) if t == "absent" => "-".into(),
        Some(CodeExpect::Text(t)) => t.clone(),
        None => "-".into(),
    }
}

fn clip(text: &str, width: usize) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut s: String = one_line.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Renders rows of cells as an aligned text table with a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(header.iter().map(|h| h.to_string()).collect(), &mut out);
    for row in rows {
        line(row.clone(), &mut out);
    }
    out
}

/// `confuzz list` as a table.
pub fn list_table(set: &SpecSet) -> String {
    let rows: Vec<Vec<String>> = set
        .rows()
        .map(|(_, r)| {
            vec![
                r.id.clone(),
                r.expect.status.to_string(),
                code_text(&r.expect.code),
                r.trigger
                    .as_ref()
                    .map(|t| serde_json::to_value(t.kind).ok())
                    .and_then(|v| v.and_then(|v| v.as_str().map(str::to_string)))
                    .unwrap_or_else(|| "none".into()),
                clip(
                    r.expect
                        .message
                        .as_deref()
                        .or(r.expect.name.as_deref())
                        .unwrap_or("(empty body)"),
                    70,
                ),
            ]
        })
        .collect();
    let mut out = table(&["ROW", "STATUS", "CODE", "TRIGGER", "MESSAGE"], &rows);
    let mut per_vendor: Vec<(String, usize)> = Vec::new();
    for s in &set.specs {
        per_vendor.push((s.spec.vendor.id.clone(), s.spec.rows.len()));
    }
    let total: usize = per_vendor.iter().map(|(_, n)| n).sum();
    out.push_str(&format!(
        "\n{total} documented errors: {}\n",
        per_vendor
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out
}

/// How well a row matches an `explain` query; higher is better, 0 is no match.
///
/// An id, a vendor code or an error name match exactly; a message matches when the query is
/// the whole message (placeholders filled with anything), or contains the message's literal
/// text (a log line around it, or a message cut short), scored by how much of it.
fn score(row: &ErrorRow, query: &str) -> u32 {
    let q = query.trim().trim_matches(|c: char| c == '"' || c == '\'');
    let ql = q.to_lowercase();
    if q.is_empty() {
        return 0;
    }
    if row.id == q {
        return 100;
    }
    let code = match &row.expect.code {
        Some(CodeExpect::Number(n)) => Some(n.to_string()),
        Some(CodeExpect::Text(t)) if t != "absent" => Some(t.clone()),
        _ => None,
    };
    if code.as_deref() == Some(q) {
        return 90;
    }
    if let Some(name) = &row.expect.name {
        if name.eq_ignore_ascii_case(q) {
            return 90;
        }
    }
    // A code that appears in a pasted log line as a number of its own breaks ties.
    let code_bonus = code
        .filter(|c| c.len() >= 2)
        .map(|c| {
            ql.split(|ch: char| !ch.is_ascii_alphanumeric())
                .any(|word| word == c.to_lowercase())
        })
        .map_or(0, |found| if found { 5 } else { 0 });
    if let Some(message) = &row.expect.message {
        if let Ok(t) = Template::parse(message) {
            let literals: Vec<String> = t
                .parts
                .iter()
                .filter_map(|p| match p {
                    crate::spec::template::Part::Literal(l) => {
                        let l = l.trim().trim_end_matches(['.', ':']).trim().to_lowercase();
                        (l.len() >= 6).then_some(l)
                    }
                    _ => None,
                })
                .collect();
            // A template that is all placeholder ("any text") says nothing about a query.
            if !literals.is_empty() {
                let m = t.compile(Case::Insensitive, &|_| true);
                if m.captures(q).is_some() {
                    return 80 + code_bonus;
                }
                let matched: usize = literals
                    .iter()
                    .filter(|l| ql.contains(l.as_str()))
                    .map(|l| l.len())
                    .sum();
                if matched >= 10 {
                    return 50 + matched.min(25) as u32 + code_bonus;
                }
                if ql.len() >= 6 && message.to_lowercase().contains(&ql) {
                    return 45 + code_bonus;
                }
            }
        }
    }
    if ql.len() >= 4
        && (row.title.to_lowercase().contains(&ql) || row.doc.heading.to_lowercase().contains(&ql))
    {
        return 40;
    }
    if q.contains('.') && row.id.starts_with(q) {
        return 30;
    }
    0
}

/// The rows matching a query (an id, a vendor code, an error name, a message or part of one),
/// best first.
pub fn explain_matches<'a>(set: &'a SpecSet, query: &str) -> Vec<(&'a VendorSpec, &'a ErrorRow)> {
    let mut scored: Vec<(u32, &VendorSpec, &ErrorRow)> = set
        .rows()
        .map(|(s, r)| (score(r, query), s, r))
        .filter(|(n, _, _)| *n > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    if let Some(best) = scored.first().map(|s| s.0) {
        scored.retain(|s| s.0 == best);
    }
    scored.into_iter().map(|(_, s, r)| (s, r)).collect()
}

/// `confuzz explain` for one row, as text.
pub fn explain_text(spec: &VendorSpec, row: &ErrorRow) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}  ({})\n", row.id, spec.vendor.title));
    out.push_str(&format!("  {}\n", row.title));
    let mut answer = format!("  answer:   {}", row.expect.status);
    if let Some(c) = &row.expect.code {
        answer.push_str(&format!(", code {}", code_text(&Some(c.clone()))));
    }
    if let Some(n) = &row.expect.name {
        answer.push_str(&format!(", {n}"));
    }
    out.push_str(&answer);
    out.push('\n');
    if let Some(m) = &row.expect.message {
        out.push_str(&format!("  message:  {}\n", m.replace('\n', "\\n")));
    }
    out.push_str(&format!(
        "  endpoint: {}\n",
        row.endpoints
            .iter()
            .filter_map(|e| spec.endpoint(e))
            .map(|e| format!("{} {}{}", e.method, spec.vendor.base_path, e.path))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(&format!("  meaning:  {}\n", row.explain.meaning));
    out.push_str(&format!("  cause:    {}\n", row.explain.cause));
    out.push_str(&format!("  fix:      {}\n", row.explain.fix));
    out.push_str(&format!(
        "  source:   {} line {} (\"{}\")\n",
        spec.vendor.source.file, row.doc.line, row.doc.heading
    ));
    out
}

/// `confuzz lint` as a table.
pub fn lint_table(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings\n".into();
    }
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                f.severity.as_str().to_string(),
                f.check.to_string(),
                if f.rows.is_empty() {
                    f.vendor.clone()
                } else {
                    f.rows.join(", ")
                },
                f.message.replace('\n', "\\n"),
            ]
        })
        .collect();
    let mut out = table(&["SEVERITY", "CHECK", "ROWS", "FINDING"], &rows);
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    out.push_str(&format!(
        "\n{} findings: {} errors, {} warnings, {} info\n",
        findings.len(),
        count(crate::spec::lint::Severity::Error),
        count(crate::spec::lint::Severity::Warning),
        count(crate::spec::lint::Severity::Info)
    ));
    out
}
