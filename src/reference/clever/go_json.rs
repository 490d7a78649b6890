//! The main function here is [`unmarshal`]: JSON request bodies read the way Go's
//! `encoding/json` reads them, with Go's own error wording. The Clever API is written in Go, so
//! a malformed body answers with the text of a Go `SyntaxError` (`invalid character ',' looking
//! for beginning of value`) or `UnmarshalTypeError` (`json: cannot unmarshal number into Go
//! struct field AssignmentRequest.title of type string`).
//!
//! [`check_valid`] is a port of the state machine in Go's `encoding/json/scanner.go`: one state
//! per Go state function, the same messages, the same end-of-input rule (the scanner is fed one
//! space at the end, so `"\` ends with `invalid character ' ' in string escape code` and `{`
//! with `unexpected end of JSON input`). After a body passes it, [`unmarshal`] walks it
//! iteratively (no recursion, so deep nesting is harmless) and decodes the declared fields the
//! way `json.Unmarshal` decodes into a struct: keys match field names case-insensitively, unknown
//! keys are ignored, `null` leaves a field unset, and the first type mismatch is the error.
//!
//! Not for: producing JSON (responses use `serde_json`).

use std::collections::BTreeMap;
use std::fmt;

/// Go's `maxNestingDepth`.
const MAX_NESTING_DEPTH: usize = 10_000;

/// A Go `*json.SyntaxError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The message exactly as Go's `Error()` prints it.
    pub msg: String,
    /// The scanner state that failed (`"in string escape code"`, ...); empty at end of input.
    pub context: &'static str,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

/// Go's `scanner.parseState` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParseState {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// Go's state functions, one variant each. The literal states `stateT` .. `stateNul` share one
/// variant: the word being read and how many of its bytes were seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    /// After `\u` and this many hex digits (0..=3).
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Literal(&'static [u8], usize),
    Error,
}

/// What one step reports (Go's `scanContinue` family collapses into `Continue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Continue,
    End,
    Error,
}

struct Scanner {
    step: State,
    parse_state: Vec<ParseState>,
    end_top: bool,
    err: Option<SyntaxError>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            step: State::BeginValue,
            parse_state: Vec::new(),
            end_top: false,
            err: None,
        }
    }

    fn step(&mut self, c: u8) -> Op {
        match self.step {
            State::BeginValueOrEmpty => self.begin_value_or_empty(c),
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => self.begin_string_or_empty(c),
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => self.end_top_state(c),
            State::InString => self.in_string(c),
            State::InStringEsc => self.in_string_esc(c),
            State::InStringEscU(seen) => self.in_string_esc_u(c, seen),
            State::Neg => self.neg(c),
            State::One => self.one(c),
            State::Zero => self.zero(c),
            State::Dot => self.dot(c),
            State::Dot0 => self.dot0(c),
            State::E => self.e(c),
            State::ESign => self.e_sign(c),
            State::E0 => self.e0(c),
            State::Literal(word, seen) => self.literal(c, word, seen),
            State::Error => Op::Error,
        }
    }

    /// Go's `eof`: feeds one space so that a pending number completes, then reports.
    fn eof(&mut self) -> Result<(), SyntaxError> {
        if let Some(err) = &self.err {
            return Err(err.clone());
        }
        if self.end_top {
            return Ok(());
        }
        self.step(b' ');
        if self.end_top {
            return Ok(());
        }
        Err(self.err.take().unwrap_or(SyntaxError {
            msg: "unexpected end of JSON input".to_string(),
            context: "",
        }))
    }

    fn error(&mut self, c: u8, context: &'static str) -> Op {
        self.step = State::Error;
        self.err = Some(SyntaxError {
            msg: format!("invalid character {} {context}", quote_char(c)),
            context,
        });
        Op::Error
    }

    fn push_parse_state(&mut self, c: u8, state: ParseState) -> Op {
        self.parse_state.push(state);
        if self.parse_state.len() <= MAX_NESTING_DEPTH {
            Op::Continue
        } else {
            self.error(c, "exceeded max depth")
        }
    }

    fn pop_parse_state(&mut self) {
        self.parse_state.pop();
        if self.parse_state.is_empty() {
            self.step = State::EndTop;
            self.end_top = true;
        } else {
            self.step = State::EndValue;
        }
    }

    fn set_top(&mut self, state: ParseState) {
        if let Some(top) = self.parse_state.last_mut() {
            *top = state;
        }
    }

    /// `stateBeginValueOrEmpty`: after `[`.
    fn begin_value_or_empty(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::Continue;
        }
        if c == b']' {
            return self.end_value(c);
        }
        self.begin_value(c)
    }

    /// `stateBeginValue`: at the beginning of the input or of a value.
    fn begin_value(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::Continue;
        }
        match c {
            b'{' => {
                self.step = State::BeginStringOrEmpty;
                self.push_parse_state(c, ParseState::ObjectKey)
            }
            b'[' => {
                self.step = State::BeginValueOrEmpty;
                self.push_parse_state(c, ParseState::ArrayValue)
            }
            b'"' => {
                self.step = State::InString;
                Op::Continue
            }
            b'-' => {
                self.step = State::Neg;
                Op::Continue
            }
            b'0' => {
                self.step = State::Zero;
                Op::Continue
            }
            b't' => {
                self.step = State::Literal(b"true", 1);
                Op::Continue
            }
            b'f' => {
                self.step = State::Literal(b"false", 1);
                Op::Continue
            }
            b'n' => {
                self.step = State::Literal(b"null", 1);
                Op::Continue
            }
            b'1'..=b'9' => {
                self.step = State::One;
                Op::Continue
            }
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    /// `stateBeginStringOrEmpty`: after `{`.
    fn begin_string_or_empty(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::Continue;
        }
        if c == b'}' {
            self.set_top(ParseState::ObjectValue);
            return self.end_value(c);
        }
        self.begin_string(c)
    }

    /// `stateBeginString`: after `{"key": value,`.
    fn begin_string(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::Continue;
        }
        if c == b'"' {
            self.step = State::InString;
            return Op::Continue;
        }
        self.error(c, "looking for beginning of object key string")
    }

    /// `stateEndValue`: after a complete value such as `{}`, `true` or `["x"`.
    fn end_value(&mut self, c: u8) -> Op {
        let Some(&top) = self.parse_state.last() else {
            // Completed top-level before the current byte.
            self.step = State::EndTop;
            self.end_top = true;
            return self.end_top_state(c);
        };
        if is_space(c) {
            self.step = State::EndValue;
            return Op::Continue;
        }
        match top {
            ParseState::ObjectKey => {
                if c == b':' {
                    self.set_top(ParseState::ObjectValue);
                    self.step = State::BeginValue;
                    return Op::Continue;
                }
                self.error(c, "after object key")
            }
            ParseState::ObjectValue => {
                if c == b',' {
                    self.set_top(ParseState::ObjectKey);
                    self.step = State::BeginString;
                    return Op::Continue;
                }
                if c == b'}' {
                    self.pop_parse_state();
                    return Op::Continue;
                }
                self.error(c, "after object key:value pair")
            }
            ParseState::ArrayValue => {
                if c == b',' {
                    self.step = State::BeginValue;
                    return Op::Continue;
                }
                if c == b']' {
                    self.pop_parse_state();
                    return Op::Continue;
                }
                self.error(c, "after array element")
            }
        }
    }

    /// `stateEndTop`: only spaces may follow the top-level value. Like Go, the complaint is
    /// recorded now and reported on the next byte or at the end.
    fn end_top_state(&mut self, c: u8) -> Op {
        if !is_space(c) {
            self.error(c, "after top-level value");
        }
        Op::End
    }

    /// `stateInString`: after `"`.
    fn in_string(&mut self, c: u8) -> Op {
        if c == b'"' {
            self.step = State::EndValue;
            return Op::Continue;
        }
        if c == b'\\' {
            self.step = State::InStringEsc;
            return Op::Continue;
        }
        if c < 0x20 {
            return self.error(c, "in string literal");
        }
        Op::Continue
    }

    /// `stateInStringEsc`: after `"\`.
    fn in_string_esc(&mut self, c: u8) -> Op {
        match c {
            b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                self.step = State::InString;
                Op::Continue
            }
            b'u' => {
                self.step = State::InStringEscU(0);
                Op::Continue
            }
            _ => self.error(c, "in string escape code"),
        }
    }

    /// `stateInStringEscU`, `...U1`, `...U12`, `...U123`: after `"\u` and `seen` hex digits.
    fn in_string_esc_u(&mut self, c: u8, seen: u8) -> Op {
        if is_hex(c) {
            self.step = if seen >= 3 {
                State::InString
            } else {
                State::InStringEscU(seen + 1)
            };
            return Op::Continue;
        }
        self.error(c, "in \\u hexadecimal character escape")
    }

    /// `stateNeg`: after `-` in a number.
    fn neg(&mut self, c: u8) -> Op {
        match c {
            b'0' => {
                self.step = State::Zero;
                Op::Continue
            }
            b'1'..=b'9' => {
                self.step = State::One;
                Op::Continue
            }
            _ => self.error(c, "in numeric literal"),
        }
    }

    /// `state1`: after a non-zero integer such as `1` or `100`.
    fn one(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.step = State::One;
            return Op::Continue;
        }
        self.zero(c)
    }

    /// `state0`: after `0`.
    fn zero(&mut self, c: u8) -> Op {
        match c {
            b'.' => {
                self.step = State::Dot;
                Op::Continue
            }
            b'e' | b'E' => {
                self.step = State::E;
                Op::Continue
            }
            _ => self.end_value(c),
        }
    }

    /// `stateDot`: after `1.`.
    fn dot(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.step = State::Dot0;
            return Op::Continue;
        }
        self.error(c, "after decimal point in numeric literal")
    }

    /// `stateDot0`: after `3.14`.
    fn dot0(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            return Op::Continue;
        }
        if c == b'e' || c == b'E' {
            self.step = State::E;
            return Op::Continue;
        }
        self.end_value(c)
    }

    /// `stateE`: after `314e`.
    fn e(&mut self, c: u8) -> Op {
        if c == b'+' || c == b'-' {
            self.step = State::ESign;
            return Op::Continue;
        }
        self.e_sign(c)
    }

    /// `stateESign`: after `314e-`.
    fn e_sign(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.step = State::E0;
            return Op::Continue;
        }
        self.error(c, "in exponent of numeric literal")
    }

    /// `stateE0`: after `314e-2`.
    fn e0(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            return Op::Continue;
        }
        self.end_value(c)
    }

    /// `stateT` .. `stateNul`: inside `true`, `false` or `null`.
    fn literal(&mut self, c: u8, word: &'static [u8], seen: usize) -> Op {
        let Some(&expected) = word.get(seen) else {
            return self.end_value(c);
        };
        if c == expected {
            self.step = if seen + 1 == word.len() {
                State::EndValue
            } else {
                State::Literal(word, seen + 1)
            };
            return Op::Continue;
        }
        self.error(c, literal_context(word, expected))
    }
}

/// The context strings of Go's literal states, e.g. `in literal true (expecting 'r')`.
fn literal_context(word: &[u8], expected: u8) -> &'static str {
    match (word, expected) {
        (b"true", b'r') => "in literal true (expecting 'r')",
        (b"true", b'u') => "in literal true (expecting 'u')",
        (b"true", _) => "in literal true (expecting 'e')",
        (b"false", b'a') => "in literal false (expecting 'a')",
        (b"false", b'l') => "in literal false (expecting 'l')",
        (b"false", b's') => "in literal false (expecting 's')",
        (b"false", _) => "in literal false (expecting 'e')",
        (_, b'u') => "in literal null (expecting 'u')",
        _ => "in literal null (expecting 'l')",
    }
}

/// Go's `quoteChar`: the byte as a rune (Latin-1), quoted like `strconv.Quote` but with single
/// quotes, e.g. `' '`, `'\n'`, `'\x00'`, `'\u0080'`, `'Ã'`.
pub fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => format!("'{}'", strconv_quote_rune_body(char::from(c))),
    }
}

/// The body of `strconv.Quote(string(r))` for a rune up to U+00FF.
fn strconv_quote_rune_body(r: char) -> String {
    let code = u32::from(r);
    if r == '\\' || r == '"' {
        return format!("\\{r}");
    }
    if strconv_is_print(code) {
        return r.to_string();
    }
    match r {
        '\u{07}' => "\\a".to_string(),
        '\u{08}' => "\\b".to_string(),
        '\u{0c}' => "\\f".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        '\t' => "\\t".to_string(),
        '\u{0b}' => "\\v".to_string(),
        _ if code < 0x20 || code == 0x7f => format!("\\x{code:02x}"),
        _ => format!("\\u{code:04x}"),
    }
}

/// `strconv.IsPrint` for runes up to U+00FF.
fn strconv_is_print(code: u32) -> bool {
    match code {
        0x20..=0x7e => true,
        0xa1..=0xff => code != 0xad,
        _ => false,
    }
}

/// Go's `checkValid`: whether `data` is one valid JSON value, with Go's error otherwise.
pub fn check_valid(data: &[u8]) -> Result<(), SyntaxError> {
    let mut scanner = Scanner::new();
    for &c in data {
        if scanner.step(c) == Op::Error {
            return Err(scanner.err.take().unwrap_or(SyntaxError {
                msg: "unexpected end of JSON input".to_string(),
                context: "",
            }));
        }
    }
    scanner.eof()
}

/// The kind of a JSON value, named as Go names it in `UnmarshalTypeError.Value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Bool,
    Null,
    Array,
    Object,
}

impl Kind {
    fn go_name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Null => "null",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// One value inside a body that [`check_valid`] accepted: its exact bytes.
#[derive(Debug, Clone, Copy)]
struct Raw<'a>(&'a [u8]);

impl<'a> Raw<'a> {
    fn kind(self) -> Kind {
        match self.0.first() {
            Some(b'"') => Kind::String,
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b't') | Some(b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    fn text(self) -> String {
        String::from_utf8_lossy(self.0).into_owned()
    }

    /// The members of an object, in document order.
    fn members(self) -> Vec<(String, Raw<'a>)> {
        let b = self.0;
        let mut out = Vec::new();
        let mut i = skip_space(b, 1);
        while let Some(&c) = b.get(i) {
            if c != b'"' {
                break;
            }
            let key_end = string_end(b, i);
            let key = decode_string(b.get(i..key_end).unwrap_or_default());
            i = skip_space(b, key_end);
            if b.get(i) != Some(&b':') {
                break;
            }
            i = skip_space(b, i + 1);
            let end = value_end(b, i);
            out.push((key, Raw(b.get(i..end).unwrap_or_default())));
            i = skip_space(b, end);
            if b.get(i) != Some(&b',') {
                break;
            }
            i = skip_space(b, i + 1);
        }
        out
    }

    /// The elements of an array, in order.
    fn elements(self) -> Vec<Raw<'a>> {
        let b = self.0;
        let mut out = Vec::new();
        let mut i = skip_space(b, 1);
        while let Some(&c) = b.get(i) {
            if c == b']' {
                break;
            }
            let end = value_end(b, i);
            if end == i {
                break;
            }
            out.push(Raw(b.get(i..end).unwrap_or_default()));
            i = skip_space(b, end);
            if b.get(i) != Some(&b',') {
                break;
            }
            i = skip_space(b, i + 1);
        }
        out
    }
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_space(c)) {
        i += 1;
    }
    i
}

/// The index just past the string that starts with the quote at `i`.
fn string_end(b: &[u8], i: usize) -> usize {
    let mut k = i + 1;
    loop {
        match b.get(k) {
            None => return b.len(),
            Some(b'\\') => k += 2,
            Some(b'"') => return k + 1,
            Some(_) => k += 1,
        }
    }
}

/// The index just past the value that starts at `i`. Iterative: nesting depth costs nothing.
fn value_end(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut k = i;
    loop {
        match b.get(k) {
            None => return b.len(),
            Some(b'"') => {
                k = string_end(b, k);
                if depth == 0 {
                    return k.min(b.len());
                }
            }
            Some(b'{') | Some(b'[') => {
                depth += 1;
                k += 1;
            }
            Some(b'}') | Some(b']') => {
                if depth == 0 {
                    return k;
                }
                depth -= 1;
                k += 1;
                if depth == 0 {
                    return k;
                }
            }
            Some(_) if depth == 0 => {
                while b
                    .get(k)
                    .is_some_and(|&c| !matches!(c, b',' | b'}' | b']') && !is_space(c))
                {
                    k += 1;
                }
                return k;
            }
            Some(_) => k += 1,
        }
    }
}

/// Go's `unquote` for a validated string literal (quotes included): escapes decoded, a lone
/// surrogate escape and every byte of an invalid UTF-8 sequence become U+FFFD.
fn decode_string(span: &[u8]) -> String {
    let inner = span
        .strip_prefix(b"\"")
        .and_then(|s| s.strip_suffix(b"\""))
        .unwrap_or(span);
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while let Some(&c) = inner.get(i) {
        if c == b'\\' {
            let escaped = inner.get(i + 1).copied().unwrap_or(b'\\');
            i += 2;
            let simple = match escaped {
                b'b' => Some('\u{08}'),
                b'f' => Some('\u{0c}'),
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                b'u' => None,
                other => Some(char::from(other)),
            };
            if let Some(ch) = simple {
                out.push(ch);
                continue;
            }
            let Some(first) = hex4(inner, i) else {
                out.push('\u{fffd}');
                continue;
            };
            i += 4;
            if (0xd800..0xe000).contains(&first) {
                let second = (inner.get(i) == Some(&b'\\') && inner.get(i + 1) == Some(&b'u'))
                    .then(|| hex4(inner, i + 2))
                    .flatten();
                if let (true, Some(low)) = ((0xd800..0xdc00).contains(&first), second) {
                    if (0xdc00..0xe000).contains(&low) {
                        let code = 0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00);
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        i += 6;
                        continue;
                    }
                }
                out.push('\u{fffd}');
                continue;
            }
            out.push(char::from_u32(first).unwrap_or('\u{fffd}'));
        } else if c < 0x80 {
            out.push(char::from(c));
            i += 1;
        } else {
            // Go's utf8.DecodeRune: one valid rune, or U+FFFD for one byte.
            let width = match c {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 1,
            };
            match inner
                .get(i..i + width)
                .and_then(|s| std::str::from_utf8(s).ok())
            {
                Some(s) => {
                    out.push_str(s);
                    i += width;
                }
                None => {
                    out.push('\u{fffd}');
                    i += 1;
                }
            }
        }
    }
    out
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let digits = b.get(i..i + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// The Go type of a declared struct field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoType {
    /// `string`
    String,
    /// `[]string`
    StringSlice,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
}

impl GoType {
    fn name(self) -> &'static str {
        match self {
            GoType::String => "string",
            GoType::StringSlice => "[]string",
            GoType::Int64 => "int64",
            GoType::Float64 => "float64",
        }
    }
}

/// A decoded field value.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    String(String),
    Strings(Vec<String>),
    Int(i64),
    Float(f64),
}

/// A Go struct as `json.Unmarshal` sees it: its name and its fields by JSON name.
pub struct GoStruct {
    /// The package-qualified type name, e.g. `models.AssignmentRequest`.
    pub type_name: &'static str,
    /// The bare struct name used in field errors, e.g. `AssignmentRequest`.
    pub struct_name: &'static str,
    pub fields: &'static [(&'static str, GoType)],
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON: a Go `SyntaxError`.
    Syntax(SyntaxError),
    /// JSON of the wrong shape: the text of the first Go `UnmarshalTypeError`.
    Type(String),
}

/// The fields a body set, by their declared JSON name. Fields that were absent or `null` are
/// not in the map (Go leaves them at their zero value).
pub type Decoded = BTreeMap<&'static str, GoValue>;

/// Go's `json.Unmarshal(body, &target)` for a struct of plain fields.
pub fn unmarshal(body: &[u8], target: &GoStruct) -> Result<Decoded, DecodeError> {
    check_valid(body).map_err(DecodeError::Syntax)?;
    let start = skip_space(body, 0);
    let top = Raw(body.get(start..value_end(body, start)).unwrap_or_default());
    let mut decoded = Decoded::new();
    match top.kind() {
        Kind::Null => return Ok(decoded),
        Kind::Object => {}
        other => {
            return Err(DecodeError::Type(format!(
                "json: cannot unmarshal {} into Go value of type {}",
                other.go_name(),
                target.type_name
            )))
        }
    }
    let mut first_error: Option<String> = None;
    for (key, raw) in top.members() {
        // Go prefers an exact match and falls back to a case-insensitive one.
        let field = target
            .fields
            .iter()
            .find(|(name, _)| *name == key)
            .or_else(|| {
                target
                    .fields
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&key))
            });
        let Some(&(name, ty)) = field else {
            continue;
        };
        let type_error = |value: String, go_type: &str| {
            format!(
                "json: cannot unmarshal {value} into Go struct field {}.{name} of type {go_type}",
                target.struct_name
            )
        };
        let kind = raw.kind();
        let result = match (ty, kind) {
            (GoType::StringSlice, Kind::Null) => {
                decoded.remove(name);
                Ok(None)
            }
            (_, Kind::Null) => Ok(None),
            (GoType::String, Kind::String) => Ok(Some(GoValue::String(decode_string(raw.0)))),
            (GoType::Int64, Kind::Number) => raw
                .text()
                .parse::<i64>()
                .map(|n| Some(GoValue::Int(n)))
                .map_err(|_| type_error(format!("number {}", raw.text()), ty.name())),
            (GoType::Float64, Kind::Number) => match raw.text().parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Some(GoValue::Float(f))),
                _ => Err(type_error(format!("number {}", raw.text()), ty.name())),
            },
            (GoType::StringSlice, Kind::Array) => {
                let mut items = Vec::new();
                let mut item_error = None;
                for element in raw.elements() {
                    match element.kind() {
                        Kind::String => items.push(decode_string(element.0)),
                        Kind::Null => items.push(String::new()),
                        other => {
                            item_error.get_or_insert_with(|| {
                                type_error(other.go_name().to_string(), "string")
                            });
                            items.push(String::new());
                        }
                    }
                }
                match item_error {
                    Some(e) => Err(e),
                    None => Ok(Some(GoValue::Strings(items))),
                }
            }
            (_, other) => Err(type_error(other.go_name().to_string(), ty.name())),
        };
        match result {
            Ok(Some(value)) => {
                decoded.insert(name, value);
            }
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(DecodeError::Type(e)),
        None => Ok(decoded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(input: &[u8]) -> String {
        match check_valid(input) {
            Ok(()) => "ok".to_string(),
            Err(e) => e.msg,
        }
    }

    #[test]
    fn valid_documents_pass() {
        for input in [
            &b"{}"[..],
            b" {\"a\": [1, -0.5e+3, true, false, null, \"\\u00e9\\n\"]} ",
            b"[]",
            b"0",
            b"\"x\"",
            b"{\"a\":{\"b\":[{}]}}",
        ] {
            assert_eq!(syntax(input), "ok", "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn go_scanner_messages() {
        let table: &[(&[u8], &str)] = &[
            (b"", "unexpected end of JSON input"),
            (b"{", "unexpected end of JSON input"),
            (b"{\"a\":", "unexpected end of JSON input"),
            (
                b"{\"a\": ,}",
                "invalid character ',' looking for beginning of value",
            ),
            (
                b"{\"a\":1:",
                "invalid character ':' after object key:value pair",
            ),
            (b"{\"a\" 1}", "invalid character '1' after object key"),
            (
                b"{a:1}",
                "invalid character 'a' looking for beginning of object key string",
            ),
            (
                b"{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            (b"[1 2]", "invalid character '2' after array element"),
            (b"{}x", "invalid character 'x' after top-level value"),
            (b"{} {}", "invalid character '{' after top-level value"),
            (b"\"a\\ b\"", "invalid character ' ' in string escape code"),
            (b"\"a\\x\"", "invalid character 'x' in string escape code"),
            (b"\"a\\", "invalid character ' ' in string escape code"),
            (
                b"\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            (b"\"a\tb\"", "invalid character '\\t' in string literal"),
            (b"\"a\nb\"", "invalid character '\\n' in string literal"),
            (b"\"a\x00\"", "invalid character '\\x00' in string literal"),
            (b"\"a\x1b\"", "invalid character '\\x1b' in string literal"),
            (b"-x", "invalid character 'x' in numeric literal"),
            (b"-", "invalid character ' ' in numeric literal"),
            (
                b"1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            (
                b"1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                b"1e",
                "invalid character ' ' in exponent of numeric literal",
            ),
            (
                b"1e+x",
                "invalid character 'x' in exponent of numeric literal",
            ),
            (b"01", "invalid character '1' after top-level value"),
            (
                b"tru",
                "invalid character ' ' in literal true (expecting 'e')",
            ),
            (
                b"trUe",
                "invalid character 'U' in literal true (expecting 'u')",
            ),
            (
                b"fals3",
                "invalid character '3' in literal false (expecting 'e')",
            ),
            (
                b"nil",
                "invalid character 'i' in literal null (expecting 'u')",
            ),
            (
                b"'a'",
                "invalid character '\\'' looking for beginning of value",
            ),
            (
                b"{\"a\":\"b\"\"c\"}",
                "invalid character '\"' after object key:value pair",
            ),
            (
                b"\\",
                "invalid character '\\\\' looking for beginning of value",
            ),
            (
                b"\x7f",
                "invalid character '\\x7f' looking for beginning of value",
            ),
            (
                b"\x80",
                "invalid character '\\u0080' looking for beginning of value",
            ),
            (
                b"\xa0",
                "invalid character '\\u00a0' looking for beginning of value",
            ),
            (
                b"\xad",
                "invalid character '\\u00ad' looking for beginning of value",
            ),
            (
                b"\xc3\xa9",
                "invalid character '\u{c3}' looking for beginning of value",
            ),
            (
                b"\x07",
                "invalid character '\\a' looking for beginning of value",
            ),
            (
                b"\x0b",
                "invalid character '\\v' looking for beginning of value",
            ),
            (
                b"[}",
                "invalid character '}' looking for beginning of value",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(
                syntax(input),
                *expected,
                "input {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn depth_limit_is_gos() {
        let ok = "[".repeat(MAX_NESTING_DEPTH) + &"]".repeat(MAX_NESTING_DEPTH);
        assert_eq!(syntax(ok.as_bytes()), "ok");
        let deep = "[".repeat(MAX_NESTING_DEPTH + 1);
        assert_eq!(
            syntax(deep.as_bytes()),
            "invalid character '[' exceeded max depth"
        );
    }

    const SAMPLE: GoStruct = GoStruct {
        type_name: "models.Sample",
        struct_name: "Sample",
        fields: &[
            ("title", GoType::String),
            ("tags", GoType::StringSlice),
            ("count", GoType::Int64),
            ("score", GoType::Float64),
        ],
    };

    #[test]
    fn unmarshal_decodes_like_go() {
        let body = br#"{"Title":"a\u00e9\ud83d\ude00\ud800x","tags":["x",null],"count":3,"score":1.5,"other":[[[{}]]]}"#;
        let decoded = unmarshal(body, &SAMPLE).unwrap();
        assert_eq!(
            decoded.get("title"),
            Some(&GoValue::String("a\u{e9}\u{1f600}\u{fffd}x".into()))
        );
        assert_eq!(
            decoded.get("tags"),
            Some(&GoValue::Strings(vec!["x".into(), String::new()]))
        );
        assert_eq!(decoded.get("count"), Some(&GoValue::Int(3)));
        assert_eq!(decoded.get("score"), Some(&GoValue::Float(1.5)));
        assert_eq!(unmarshal(b"null", &SAMPLE).unwrap(), Decoded::new());
        let lossy = unmarshal(b"{\"title\":\"\xe2\x82A\xff\"}", &SAMPLE).unwrap();
        assert_eq!(
            lossy.get("title"),
            Some(&GoValue::String("\u{fffd}\u{fffd}A\u{fffd}".into()))
        );
    }

    #[test]
    fn unmarshal_type_errors_use_go_wording() {
        let err = |body: &[u8]| match unmarshal(body, &SAMPLE) {
            Err(DecodeError::Type(t)) => t,
            other => format!("{other:?}"),
        };
        assert_eq!(
            err(br#"{"title":5,"count":"x"}"#),
            "json: cannot unmarshal number into Go struct field Sample.title of type string"
        );
        assert_eq!(
            err(br#"{"count":1.5}"#),
            "json: cannot unmarshal number 1.5 into Go struct field Sample.count of type int64"
        );
        assert_eq!(
            err(br#"{"tags":"x"}"#),
            "json: cannot unmarshal string into Go struct field Sample.tags of type []string"
        );
        assert_eq!(
            err(br#"{"tags":[1]}"#),
            "json: cannot unmarshal number into Go struct field Sample.tags of type string"
        );
        assert_eq!(
            err(br#"{"score":1e999}"#),
            "json: cannot unmarshal number 1e999 into Go struct field Sample.score of type float64"
        );
        assert_eq!(
            err(b"[1]"),
            "json: cannot unmarshal array into Go value of type models.Sample"
        );
    }

    #[test]
    fn deep_unknown_fields_are_ignored_without_recursion() {
        let depth = MAX_NESTING_DEPTH - 1;
        let body = format!(
            "{{\"other\":{}{},\"title\":\"t\"}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let decoded = unmarshal(body.as_bytes(), &SAMPLE).unwrap();
        assert_eq!(decoded.get("title"), Some(&GoValue::String("t".into())));
    }
}
