//! What the spec, lint and command-line tests share: a minimal valid spec to break, and a way
//! to edit it.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

/// A minimal spec that loads and lints clean: one vendor (`acme`), one endpoint, one row.
pub const MINIMAL_SPEC: &str = r#"format: 1
vendor:
  id: acme
  title: Acme widgets
  source:
    document: Acme widget error table
    file: acme-errors.txt
  auth:
    scheme: bearer
    token: acme.token
  envelope:
    body: json
    content_type: application/json
    schema:
      type: object
      required: [message]
      properties:
        message: { type: string }
    pointers:
      message: /message
  fixtures:
    - name: acme.token
      meaning: A bearer token that may create widgets
      secret: true
    - name: acme.shelf_id
      meaning: A shelf that exists
  faults:
    - name: store
      meaning: The widget store fails
endpoints:
  - id: widget-create
    summary: Create a widget on a shelf
    method: POST
    path: /shelves/{shelf_id}/widgets
    params:
      path:
        shelf_id: { type: string, x-fixture: acme.shelf_id }
    body:
      encoding: json
      schema:
        type: object
        required: [name]
        properties:
          name: { type: string, minLength: 1, maxLength: 40 }
          color: { type: string, enum: [red, blue] }
    success: [200]
rows:
  - id: acme.widget.missing-name
    title: Missing name on widget create
    group: widget
    endpoints: [widget-create]
    doc:
      heading: missing required field(s)
      response: '400 | {"message":"missing required field(s): name"}'
      line: 3
    expect:
      status: 400
      message: "missing required field(s): ${missing}"
    bindings:
      missing: { var: removed, separator: ", ", order: [name] }
    trigger:
      kind: mutation
      ops:
        - remove: [/name]
    explain:
      meaning: The create request has no name.
      cause: The client built the body without the name field.
      fix: Send a name on every create.
"#;

/// `text` with `from` (which must occur exactly once) replaced by `to`.
#[track_caller]
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "the test edits a text that occurs once: {from:?}"
    );
    text.replacen(from, to, 1)
}

/// The 1-based number of the one line containing `needle`.
#[track_caller]
pub fn line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{needle:?} is on exactly one line");
    lines[0]
}

/// A fresh, empty scratch folder under the target directory.
pub fn scratch(test: &str, name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(test)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}
