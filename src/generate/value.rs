//! The main function here is [`generate`]: a value valid against a JSON Schema, drawn from a
//! choice sequence, honouring the spec's generation keywords.
//!
//! Order of precedence in a schema: `x-fixture`, `x-var`, `x-pool` (the value is given, not
//! generated), then `const`, `enum`, then the `type` (the first listed is the simplest; without
//! `type` it is inferred from the other keywords, and a schema with none generates `null`).
//!
//! Strings: a known `format` leads (see [`super::format`]) and a `pattern` next to it is checked
//! afterwards; otherwise a `pattern` leads (see [`super::pattern`]); otherwise the string is
//! letters and digits. `minLength`/`maxLength` steer all three. Whatever misses a bound is
//! generated again, up to [`ATTEMPTS`] times, each retry on a sequence derived from one further
//! choice (so retries differ even when every choice is 0), then reported as unsatisfiable.
//!
//! `x-unique` strings carry a run-unique token (see [`super::token`]): at the start of a plain
//! string, at the start of an email's local part, written in decimal or hexadecimal at the start
//! of `digits` and `hex24` and at the end of a `uuid`, and for patterns in the slot the pattern
//! compiler picked, or as a decimal counter suffix when the pattern still matches with one.
//! Every unique value is then claimed in the run's [`UniqueCounter`](super::UniqueCounter);
//! a value already issued is generated again with the next token.
//!
//! Keywords that constrain values but are not supported (`allOf`, `anyOf`, `oneOf`, `not`,
//! `$ref`, `if`, `patternProperties`, ...) and unknown `x-` keywords are errors, not silently
//! ignored: a generator that ignores a constraint produces invalid requests.
//!
//! Nothing here validates the result against the schema: generation is correct by construction
//! and the tests prove it with `jsonschema` over random choices.

use serde_json::{Map, Number, Value};

use super::charset::Charset;
use super::choice::{retry_sequence, Choices};
use super::context::{GenContext, PoolError};
use super::error::{GenError, SchemaPath};
use super::format::{self, Format, FormatFail, FormatRequest, When};
use super::pattern::{self, PatternError};
use super::token::Token;

/// How many times a value that misses a bound is generated again.
pub const ATTEMPTS: u64 = 32;
/// How far beyond `minLength` unbounded plain strings go.
const STRING_SPAN: usize = 16;
/// How far beyond `minItems` arrays go.
const ARRAY_SPAN: usize = 4;
/// How far from the one bound (or from zero) numbers go when the schema leaves them open.
const NUMBER_SPAN: i64 = 1000;
/// Choices in a derived retry sequence.
const RETRY_LEN: usize = 256;

/// A value valid against `schema`, chosen by `ch`.
///
/// Fails when a fixture, variable or pool element the schema names is not there, when the
/// schema uses something the generators do not support, or when no value satisfies it.
pub fn generate(
    schema: &Value,
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
) -> Result<Value, GenError> {
    gen_value(schema, ctx, ch, &SchemaPath::Root)
}

pub(crate) fn gen_value(
    schema: &Value,
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
    path: &SchemaPath<'_>,
) -> Result<Value, GenError> {
    let obj = match schema {
        Value::Bool(true) => return Ok(Value::Null),
        Value::Bool(false) => return Err(GenError::unsatisfiable(path, "the schema `false`")),
        Value::Object(o) => o,
        _ => {
            return Err(GenError::invalid(
                path,
                "a schema must be an object or a boolean",
            ))
        }
    };
    let kw = Keywords::read(obj, path)?;

    if let Some(name) = kw.fixture {
        return ctx
            .fixtures
            .get(name)
            .cloned()
            .ok_or_else(|| GenError::MissingFixture {
                path: path.to_string(),
                name: name.to_string(),
            });
    }
    if let Some(name) = kw.var {
        return ctx
            .vars
            .get(name)
            .cloned()
            .ok_or_else(|| GenError::MissingVar {
                path: path.to_string(),
                name: name.to_string(),
            });
    }
    if let Some(name) = kw.pool {
        return ctx.pool.next(name).map_err(|e| match e {
            PoolError::Exhausted { name, size } => GenError::PoolExhausted {
                path: path.to_string(),
                name,
                size,
            },
            _ => GenError::NotAPool {
                path: path.to_string(),
                name: name.to_string(),
            },
        });
    }
    if let Some(v) = kw.const_ {
        return Ok(v.clone());
    }
    if let Some(values) = kw.enum_ {
        let fits = |v: &&Value| kw.types.is_empty() || kw.types.admits(v);
        let count = values.iter().filter(fits).count();
        if count == 0 {
            return Err(GenError::unsatisfiable(
                path,
                "`enum`: none of its values has the schema's `type`",
            ));
        }
        let k = ch.below(count as u64) as usize;
        return Ok(values
            .iter()
            .filter(fits)
            .nth(k)
            .cloned()
            .unwrap_or(Value::Null));
    }

    let ty = if kw.types.is_empty() {
        kw.inferred_type()
    } else {
        kw.types.list[ch.below(kw.types.len as u64) as usize]
    };
    if kw.unique && ty != Type::String {
        return Err(GenError::unsupported(
            path,
            format!("`x-unique` on a value of type {}", ty.name()),
            "use x-unique on strings only",
        ));
    }
    match ty {
        Type::Null => Ok(Value::Null),
        Type::Boolean => Ok(Value::Bool(ch.bool())),
        Type::Integer => gen_integer(&kw, ch, path).map(Value::from),
        Type::Number => gen_number(&kw, ch, path),
        Type::String => gen_string(&kw, ctx, ch, path).map(Value::String),
        Type::Array => gen_array(&kw, ctx, ch, path),
        Type::Object => gen_object(&kw, ctx, ch, path).map(Value::Object),
    }
}

/// Runs `f` with the caller's choices on the first attempt; a retry draws one choice and runs
/// on a sequence derived from it and the attempt number. Retries thus explore new values even
/// when the caller's choices are all zeros, stay deterministic, and an exhausted sequence still
/// behaves exactly like one of zeros.
fn with_attempt<T>(attempt: u64, ch: &mut Choices<'_>, f: impl FnOnce(&mut Choices<'_>) -> T) -> T {
    if attempt == 0 {
        f(ch)
    } else {
        let seed = ch.draw() ^ attempt.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let seq = retry_sequence(seed, RETRY_LEN);
        f(&mut Choices::new(&seq))
    }
}

// ---------------------------------------------------------------------------------------------
// Strings

fn gen_string(
    kw: &Keywords<'_>,
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
    path: &SchemaPath<'_>,
) -> Result<String, GenError> {
    let min = kw.min_length.unwrap_or(0);
    let max = kw.max_length;
    if max.is_some_and(|m| m < min) {
        return Err(GenError::invalid(
            path,
            "`minLength` is greater than `maxLength`",
        ));
    }
    let format = match kw.format {
        None => None,
        Some(name) => Some(Format::from_name(name).ok_or_else(|| {
            GenError::unsupported(
                path,
                format!("the format `{name}`"),
                "use a pattern instead, or one of the formats docs/spec-format.md lists",
            )
        })?),
    };
    let when = match (kw.future, kw.past) {
        (true, true) => {
            return Err(GenError::invalid(
                path,
                "`x-future` and `x-past` contradict each other; keep one",
            ))
        }
        (true, false) => When::Future,
        (false, true) => When::Past,
        (false, false) => When::Any,
    };
    if when != When::Any && !format.is_some_and(Format::is_dated) {
        return Err(GenError::invalid(
            path,
            "`x-future`/`x-past` need `format: date-time`, `date` or `date-mdy`",
        ));
    }
    let pattern = match kw.pattern {
        None => None,
        Some(src) => Some(pattern::compiled(src).map_err(|e| pattern_error(path, src, e))?),
    };
    if let (None, Some(p)) = (format, &pattern) {
        if max.is_some_and(|m| p.min_len() > m) {
            return Err(GenError::unsatisfiable(
                path,
                format!(
                    "the pattern: its shortest match has {} characters, more than maxLength",
                    p.min_len()
                ),
            ));
        }
    }

    for attempt in 0..ATTEMPTS {
        let token = kw.unique.then(|| Token::next(ctx));
        let s = with_attempt(attempt, ch, |c| -> Result<String, GenError> {
            match (format, &pattern) {
                (Some(f), _) => {
                    let req = FormatRequest {
                        min,
                        max,
                        when,
                        token: token.as_ref(),
                    };
                    match format::generate(f, &req, ctx.now, c) {
                        Ok((s, _)) => Ok(s),
                        Err(FormatFail::Unsatisfiable(reason)) => {
                            Err(GenError::unsatisfiable(path, reason))
                        }
                        Err(FormatFail::NoUnique) => Err(GenError::unsupported(
                            path,
                            format!("`x-unique` with `format: {}` and these bounds", f.name()),
                            "drop x-unique, or use a format with room for a run-unique part \
                             (email, digits, uuid, hex24) and enough maxLength",
                        )),
                    }
                }
                (None, Some(p)) => {
                    let (s, placed) = p.generate(c, min, max, token.as_ref());
                    match &token {
                        Some(t) if !placed => {
                            let suffixed = format!("{s}{}", t.counter_suffix());
                            let n = suffixed.chars().count();
                            if max.is_none_or(|m| n <= m) && p.is_match(&suffixed) {
                                Ok(suffixed)
                            } else {
                                Ok(s)
                            }
                        }
                        _ => Ok(s),
                    }
                }
                (None, None) => plain_string(min, max, token.as_ref(), c).ok_or_else(|| {
                    GenError::unsatisfiable(
                        path,
                        format!(
                            "`x-unique` within maxLength {}: the run-unique part needs more room",
                            max.unwrap_or(0)
                        ),
                    )
                }),
            }
        })?;
        let n = s.chars().count();
        if n < min || max.is_some_and(|m| n > m) {
            continue;
        }
        if let (Some(_), Some(p)) = (format, &pattern) {
            if !p.is_match(&s) {
                continue;
            }
        }
        if kw.unique && !ctx.unique.claim(&s) {
            continue;
        }
        return Ok(s);
    }
    let mut what = String::new();
    if let Some(f) = format {
        what.push_str(&format!("`format: {}` ", f.name()));
    }
    if let Some(p) = kw.pattern {
        what.push_str(&format!("`pattern: {p}` "));
    }
    what.push_str(&format!(
        "with length {}..={}",
        min,
        max.map_or("".to_string(), |m| m.to_string())
    ));
    if kw.unique {
        what.push_str(" and `x-unique` (values already issued this run are skipped)");
    }
    Err(GenError::unsatisfiable(
        path,
        format!("{what} after {ATTEMPTS} attempts; widen the bounds or simplify the pattern"),
    ))
}

/// Letters and digits, the token first; `None` when the token cannot fit.
fn plain_string(
    min: usize,
    max: Option<usize>,
    token: Option<&Token>,
    ch: &mut Choices<'_>,
) -> Option<String> {
    let cs = Charset::alphanumeric();
    let room = max.unwrap_or(usize::MAX);
    let token = match token {
        Some(t) => t.render_fitting(cs, room)?,
        None => Vec::new(),
    };
    let lo = min.max(token.len());
    let n = ch.range_usize(lo, room.min(lo.saturating_add(STRING_SPAN)));
    let mut s: String = token.iter().collect();
    for _ in token.len()..n {
        s.push(cs.pick(ch));
    }
    Some(s)
}

fn pattern_error(path: &SchemaPath<'_>, src: &str, e: PatternError) -> GenError {
    match e {
        PatternError::Syntax(msg) => GenError::InvalidSchema {
            path: path.to_string(),
            reason: format!(
                "the pattern `{src}` does not parse (look-arounds and backreferences are not \
                 supported): {msg}"
            ),
        },
        PatternError::Unsupported(what) => GenError::unsupported(
            path,
            format!("{what} in the pattern `{src}`"),
            "rewrite the pattern without it",
        ),
        PatternError::Empty => {
            GenError::unsatisfiable(path, format!("the pattern `{src}`: it matches nothing"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// One side of a numeric range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    pub value: f64,
    pub strict: bool,
}

/// The tighter of two lower (`upper == false`) or upper bounds.
fn tighter(a: Option<Bound>, b: Option<Bound>, upper: bool) -> Option<Bound> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let a_wins = if a.value == b.value {
                a.strict
            } else if upper {
                a.value < b.value
            } else {
                a.value > b.value
            };
            Some(if a_wins { a } else { b })
        }
        (a, None) => a,
        (None, b) => b,
    }
}

impl Keywords<'_> {
    pub(crate) fn lower(&self) -> Option<Bound> {
        let from_min = self.minimum.map(|v| Bound {
            value: v,
            strict: self.exclusive_minimum == Some(Exclusive::Flag(true)),
        });
        let from_excl = match self.exclusive_minimum {
            Some(Exclusive::Value(v)) => Some(Bound {
                value: v,
                strict: true,
            }),
            _ => None,
        };
        tighter(from_min, from_excl, false)
    }

    pub(crate) fn upper(&self) -> Option<Bound> {
        let from_max = self.maximum.map(|v| Bound {
            value: v,
            strict: self.exclusive_maximum == Some(Exclusive::Flag(true)),
        });
        let from_excl = match self.exclusive_maximum {
            Some(Exclusive::Value(v)) => Some(Bound {
                value: v,
                strict: true,
            }),
            _ => None,
        };
        tighter(from_max, from_excl, true)
    }
}

/// The integers within the bounds, scaled by `unit` (1 for integers, 100 for hundredths).
pub(crate) fn scaled_range(
    lo: Option<Bound>,
    hi: Option<Bound>,
    unit: f64,
) -> (Option<i64>, Option<i64>) {
    let lo = lo.map(|b| {
        let v = b.value * unit;
        if b.strict {
            v.floor() as i64 + 1
        } else {
            v.ceil() as i64
        }
    });
    let hi = hi.map(|b| {
        let v = b.value * unit;
        if b.strict {
            v.ceil() as i64 - 1
        } else {
            v.floor() as i64
        }
    });
    (lo, hi)
}

/// Fills open ends with a window of [`NUMBER_SPAN`] (times `unit`) around the other end, or
/// around zero.
fn windowed(lo: Option<i64>, hi: Option<i64>, unit: i64) -> (i64, i64) {
    let span = NUMBER_SPAN * unit;
    match (lo, hi) {
        (Some(lo), Some(hi)) => (lo, hi),
        (Some(lo), None) => (lo, lo.saturating_add(span)),
        (None, Some(hi)) => (hi.saturating_sub(span), hi),
        (None, None) => (-span, span),
    }
}

fn integer_multiple_of(kw: &Keywords<'_>, path: &SchemaPath<'_>) -> Result<Option<i64>, GenError> {
    match kw.multiple_of {
        None => Ok(None),
        Some(m) if m >= 1.0 && m.fract() == 0.0 && m < 1e15 => Ok(Some(m as i64)),
        Some(m) => Err(GenError::unsupported(
            path,
            format!("`multipleOf: {m}`"),
            "use a whole multipleOf, or bound the value with minimum/maximum instead",
        )),
    }
}

fn gen_integer(
    kw: &Keywords<'_>,
    ch: &mut Choices<'_>,
    path: &SchemaPath<'_>,
) -> Result<i64, GenError> {
    let (lo, hi) = scaled_range(kw.lower(), kw.upper(), 1.0);
    let (lo, hi) = windowed(lo, hi, 1);
    let empty = || GenError::unsatisfiable(path, "the bounds: no integer lies within them");
    if lo > hi {
        return Err(empty());
    }
    match integer_multiple_of(kw, path)? {
        None => Ok(ch.integer(lo, hi)),
        Some(m) => {
            let k_lo = lo.div_euclid(m) + i64::from(lo.rem_euclid(m) != 0);
            let k_hi = hi.div_euclid(m);
            if k_lo > k_hi {
                return Err(GenError::unsatisfiable(
                    path,
                    format!("the bounds: no multiple of {m} lies within them"),
                ));
            }
            Ok(ch.integer(k_lo, k_hi).saturating_mul(m))
        }
    }
}

fn gen_number(
    kw: &Keywords<'_>,
    ch: &mut Choices<'_>,
    path: &SchemaPath<'_>,
) -> Result<Value, GenError> {
    if integer_multiple_of(kw, path)?.is_some() {
        return gen_integer(kw, ch, path).map(Value::from);
    }
    let (lo_b, hi_b) = (kw.lower(), kw.upper());
    let within = |v: f64| {
        lo_b.is_none_or(|b| if b.strict { v > b.value } else { v >= b.value })
            && hi_b.is_none_or(|b| if b.strict { v < b.value } else { v <= b.value })
    };
    let (ilo, ihi) = scaled_range(lo_b, hi_b, 1.0);
    let (ilo, ihi) = windowed(ilo, ihi, 1);
    let (clo, chi) = scaled_range(lo_b, hi_b, 100.0);
    let (clo, chi) = windowed(clo, chi, 100);
    let whole_ok = ilo <= ihi;
    let hundredths_ok = clo <= chi;
    let use_hundredths = !whole_ok || (hundredths_ok && ch.bool());
    if use_hundredths && hundredths_ok {
        let k = ch.integer(clo, chi);
        let v = k as f64 / 100.0;
        if within(v) {
            if let Some(n) = Number::from_f64(v) {
                return Ok(Value::Number(n));
            }
        }
    } else if whole_ok {
        return Ok(Value::from(ch.integer(ilo, ihi)));
    }
    // A range too narrow for hundredths: its midpoint.
    if let (Some(lo), Some(hi)) = (lo_b, hi_b) {
        let mid = lo.value + (hi.value - lo.value) / 2.0;
        if within(mid) {
            if let Some(n) = Number::from_f64(mid) {
                return Ok(Value::Number(n));
            }
        }
    }
    Err(GenError::unsatisfiable(
        path,
        "the bounds: no number lies within them",
    ))
}

// ---------------------------------------------------------------------------------------------
// Arrays and objects

static ANY: Value = Value::Bool(true);

fn gen_array(
    kw: &Keywords<'_>,
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
    path: &SchemaPath<'_>,
) -> Result<Value, GenError> {
    let min = kw.min_items.unwrap_or(0);
    if kw.max_items.is_some_and(|m| m < min) {
        return Err(GenError::invalid(
            path,
            "`minItems` is greater than `maxItems`",
        ));
    }
    let hi = kw.max_items.unwrap_or(usize::MAX).min(min + ARRAY_SPAN);
    let n = ch.range_usize(min, hi);
    let items = kw.items.unwrap_or(&ANY);
    let item_path = path.key("items");
    let mut out: Vec<Value> = Vec::with_capacity(n);
    for _ in 0..n {
        if !kw.unique_items {
            out.push(gen_value(items, ctx, ch, &item_path)?);
            continue;
        }
        let mut fresh = None;
        for attempt in 0..ATTEMPTS {
            let v = with_attempt(attempt, ch, |c| gen_value(items, ctx, c, &item_path))?;
            if !out.contains(&v) {
                fresh = Some(v);
                break;
            }
        }
        match fresh {
            Some(v) => out.push(v),
            // The item schema has run out of distinct values: fewer items are still valid.
            None if out.len() >= min => break,
            None => {
                return Err(GenError::unsatisfiable(
                    path,
                    format!(
                        "`uniqueItems` with {min} items: the item schema gave only {} distinct \
                         values; lower minItems or widen the items",
                        out.len()
                    ),
                ))
            }
        }
    }
    Ok(Value::Array(out))
}

/// Whether a property schema says `x-always` / `x-never`.
pub(crate) fn presence(schema: &Value) -> (bool, bool) {
    let flag = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
    (flag("x-always"), flag("x-never"))
}

fn gen_object(
    kw: &Keywords<'_>,
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
    path: &SchemaPath<'_>,
) -> Result<Map<String, Value>, GenError> {
    let empty = Map::new();
    let props = kw.properties.unwrap_or(&empty);
    let mut required = vec![false; props.len()];
    for name in kw.required.iter().flat_map(|r| r.iter()) {
        let Some(name) = name.as_str() else {
            return Err(GenError::invalid(
                path,
                "`required` must list property names",
            ));
        };
        match props.keys().position(|k| k == name) {
            Some(i) => required[i] = true,
            None => {
                return Err(GenError::invalid(
                    path,
                    format!(
                        "`{name}` is required but has no schema under `properties`; declare it"
                    ),
                ))
            }
        }
    }
    let props_path = path.key("properties");
    let mut out = Map::new();
    for ((name, sub), is_required) in props.iter().zip(required) {
        let (always, never) = presence(sub);
        let prop_path = props_path.key(name);
        if is_required && never {
            return Err(GenError::invalid(
                &prop_path,
                "a required property cannot be `x-never`; drop one of the two",
            ));
        }
        if is_required || always || (!never && ch.bool()) {
            out.insert(name.clone(), gen_value(sub, ctx, ch, &prop_path)?);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Keywords

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl Type {
    fn from_name(s: &str) -> Option<Type> {
        Some(match s {
            "null" => Type::Null,
            "boolean" => Type::Boolean,
            "integer" => Type::Integer,
            "number" => Type::Number,
            "string" => Type::String,
            "array" => Type::Array,
            "object" => Type::Object,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Boolean => "boolean",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::String => "string",
            Type::Array => "array",
            Type::Object => "object",
        }
    }
}

/// The `type` keyword: up to seven types, in the order written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Types {
    list: [Type; 7],
    len: usize,
}

impl Types {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn contains(&self, t: Type) -> bool {
        self.list[..self.len].contains(&t)
    }

    fn admits(&self, v: &Value) -> bool {
        match v {
            Value::Null => self.contains(Type::Null),
            Value::Bool(_) => self.contains(Type::Boolean),
            Value::Number(n) => {
                self.contains(Type::Number)
                    || (self.contains(Type::Integer)
                        && (n.is_i64()
                            || n.is_u64()
                            || n.as_f64().is_some_and(|f| f.fract() == 0.0)))
            }
            Value::String(_) => self.contains(Type::String),
            Value::Array(_) => self.contains(Type::Array),
            Value::Object(_) => self.contains(Type::Object),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Exclusive {
    /// Draft 4: `minimum`/`maximum` are exclusive.
    Flag(bool),
    /// Draft 6 and later: the exclusive bound itself.
    Value(f64),
}

/// The keywords of one schema object, read in one pass.
#[derive(Debug, Clone)]
pub(crate) struct Keywords<'s> {
    pub types: Types,
    pub enum_: Option<&'s Vec<Value>>,
    pub const_: Option<&'s Value>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<&'s str>,
    pub format: Option<&'s str>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<Exclusive>,
    pub exclusive_maximum: Option<Exclusive>,
    pub multiple_of: Option<f64>,
    pub items: Option<&'s Value>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub properties: Option<&'s Map<String, Value>>,
    pub required: Option<&'s Vec<Value>>,
    pub fixture: Option<&'s str>,
    pub var: Option<&'s str>,
    pub pool: Option<&'s str>,
    pub unique: bool,
    pub future: bool,
    pub past: bool,
}

impl<'s> Keywords<'s> {
    pub(crate) fn read(
        obj: &'s Map<String, Value>,
        path: &SchemaPath<'_>,
    ) -> Result<Self, GenError> {
        let mut kw = Keywords {
            types: Types {
                list: [Type::Null; 7],
                len: 0,
            },
            enum_: None,
            const_: None,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
            minimum: None,
            maximum: None,
            exclusive_minimum: None,
            exclusive_maximum: None,
            multiple_of: None,
            items: None,
            min_items: None,
            max_items: None,
            unique_items: false,
            properties: None,
            required: None,
            fixture: None,
            var: None,
            pool: None,
            unique: false,
            future: false,
            past: false,
        };
        let bad = |key: &str, want: &str| {
            GenError::invalid(&path.key(key), format!("`{key}` must be {want}"))
        };
        let count = |key: &str, v: &Value| -> Result<usize, GenError> {
            v.as_u64()
                .map(|n| n as usize)
                .ok_or_else(|| bad(key, "a non-negative integer"))
        };
        let number = |key: &str, v: &Value| v.as_f64().ok_or_else(|| bad(key, "a number"));
        let text = |key: &str, v: &'s Value| v.as_str().ok_or_else(|| bad(key, "a string"));
        let flag = |key: &str, v: &Value| v.as_bool().ok_or_else(|| bad(key, "true or false"));
        let exclusive = |key: &str, v: &Value| match v {
            Value::Bool(b) => Ok(Exclusive::Flag(*b)),
            Value::Number(n) => Ok(Exclusive::Value(n.as_f64().unwrap_or(0.0))),
            _ => Err(bad(key, "a number")),
        };
        for (key, v) in obj {
            let key = key.as_str();
            match key {
                "type" => {
                    let mut push = |name: &Value| -> Result<(), GenError> {
                        let t = name
                            .as_str()
                            .and_then(Type::from_name)
                            .ok_or_else(|| bad(key, "a JSON type name or a list of them"))?;
                        if kw.types.len < 7 && !kw.types.contains(t) {
                            kw.types.list[kw.types.len] = t;
                            kw.types.len += 1;
                        }
                        Ok(())
                    };
                    match v {
                        Value::Array(names) => names.iter().try_for_each(&mut push)?,
                        other => push(other)?,
                    }
                }
                "enum" => kw.enum_ = Some(v.as_array().ok_or_else(|| bad(key, "an array"))?),
                "const" => kw.const_ = Some(v),
                "minLength" => kw.min_length = Some(count(key, v)?),
                "maxLength" => kw.max_length = Some(count(key, v)?),
                "pattern" => kw.pattern = Some(text(key, v)?),
                "format" => kw.format = Some(text(key, v)?),
                "minimum" => kw.minimum = Some(number(key, v)?),
                "maximum" => kw.maximum = Some(number(key, v)?),
                "exclusiveMinimum" => kw.exclusive_minimum = Some(exclusive(key, v)?),
                "exclusiveMaximum" => kw.exclusive_maximum = Some(exclusive(key, v)?),
                "multipleOf" => {
                    let m = number(key, v)?;
                    if m <= 0.0 {
                        return Err(bad(key, "greater than 0"));
                    }
                    kw.multiple_of = Some(m);
                }
                "items" => match v {
                    Value::Object(_) | Value::Bool(_) => kw.items = Some(v),
                    _ => {
                        return Err(GenError::unsupported(
                            path,
                            "`items` as a list (tuple validation)",
                            "give `items` one schema for every element",
                        ))
                    }
                },
                "minItems" => kw.min_items = Some(count(key, v)?),
                "maxItems" => kw.max_items = Some(count(key, v)?),
                "uniqueItems" => kw.unique_items = flag(key, v)?,
                "properties" => {
                    kw.properties = Some(v.as_object().ok_or_else(|| bad(key, "an object"))?)
                }
                "required" => kw.required = Some(v.as_array().ok_or_else(|| bad(key, "an array"))?),
                "x-fixture" => kw.fixture = Some(text(key, v)?),
                "x-var" => kw.var = Some(text(key, v)?),
                "x-pool" => kw.pool = Some(text(key, v)?),
                "x-unique" => kw.unique = flag(key, v)?,
                "x-future" => kw.future = flag(key, v)?,
                "x-past" => kw.past = flag(key, v)?,
                "x-always" | "x-never" => {
                    flag(key, v)?;
                }
                "allOf" | "anyOf" | "oneOf" | "not" | "$ref" | "$dynamicRef" | "if" | "then"
                | "else" | "patternProperties" | "dependentRequired" | "dependentSchemas"
                | "dependencies" | "propertyNames" | "minProperties" | "maxProperties"
                | "contains" | "minContains" | "maxContains" | "prefixItems"
                | "additionalItems" | "unevaluatedItems" => {
                    return Err(GenError::unsupported(
                        path,
                        format!("the keyword `{key}`"),
                        "write the schema with the keywords docs/spec-format.md lists \
                         (an `enum` or a `pattern` often says the same)",
                    ))
                }
                k if k.starts_with("x-") => {
                    return Err(GenError::unsupported(
                        path,
                        format!("the generation keyword `{k}`"),
                        "use one of x-fixture, x-var, x-pool, x-unique, x-future, x-past, \
                         x-always, x-never",
                    ))
                }
                // Annotations and keywords that cannot make a generated value invalid
                // (`additionalProperties`: only declared properties are generated).
                _ => {}
            }
        }
        Ok(kw)
    }

    /// The type a schema without `type` describes, judged by its other keywords.
    fn inferred_type(&self) -> Type {
        if self.properties.is_some() || self.required.is_some() {
            Type::Object
        } else if self.items.is_some()
            || self.min_items.is_some()
            || self.max_items.is_some()
            || self.unique_items
        {
            Type::Array
        } else if self.min_length.is_some()
            || self.max_length.is_some()
            || self.pattern.is_some()
            || self.format.is_some()
            || self.unique
            || self.future
            || self.past
        {
            Type::String
        } else if self.minimum.is_some()
            || self.maximum.is_some()
            || self.exclusive_minimum.is_some()
            || self.exclusive_maximum.is_some()
            || self.multiple_of.is_some()
        {
            Type::Number
        } else {
            Type::Null
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::generate::choices_strategy;
    use crate::generate::testing::{assert_valid, validator, Env};

    /// The example of `generate`.
    #[test]
    fn the_simplest_value_has_the_required_properties_only() {
        use crate::generate::{generate, Choices, GenContext, Pool, UniqueCounter};
        use serde_json::json;
        use std::collections::BTreeMap;

        let (fixtures, vars) = (serde_json::Map::new(), BTreeMap::new());
        let (pool, unique) = (Pool::default(), UniqueCounter::new());
        let ctx = GenContext {
            fixtures: &fixtures,
            vars: &vars,
            run_prefix: "r1",
            now: chrono::Utc::now(),
            pool: &pool,
            unique: &unique,
        };
        let schema = json!({
            "type": "object",
            "required": ["code"],
            "properties": {
                "code": { "type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$" },
                "note": { "type": "string", "maxLength": 20 }
            }
        });
        // Exhausted choices give the simplest value: required properties only, shortest strings.
        let v = generate(&schema, &ctx, &mut Choices::new(&[])).unwrap();
        assert_eq!(v, json!({ "code": "AAA-00" }));
    }

    /// Schemas every property below runs over: each keyword, format and generation keyword the
    /// generators support, alone and combined.
    fn catalogue() -> Vec<(&'static str, Value)> {
        vec![
            ("plain string", json!({ "type": "string" })),
            (
                "bounded string",
                json!({ "type": "string", "minLength": 3, "maxLength": 8 }),
            ),
            (
                "unique string",
                json!({ "type": "string", "minLength": 1, "maxLength": 40, "x-unique": true }),
            ),
            (
                "short unique string",
                json!({ "type": "string", "maxLength": 6, "x-unique": true }),
            ),
            (
                "code pattern",
                json!({ "type": "string", "pattern": "^[A-Z]{2}-\\d{3}$" }),
            ),
            (
                "bounded pattern",
                json!({ "type": "string", "pattern": "^[a-z0-9_]+$", "minLength": 3, "maxLength": 12 }),
            ),
            (
                "alternation pattern",
                json!({ "type": "string", "pattern": "^(foo|bar|ba+z)(-[0-9]{1,3})?$" }),
            ),
            (
                "unicode pattern",
                json!({ "type": "string", "pattern": "^\\p{L}{2,5}$" }),
            ),
            (
                "negated class",
                json!({ "type": "string", "pattern": "^[^,]{1,20}$" }),
            ),
            (
                "non-space",
                json!({ "type": "string", "pattern": "^\\S+$", "maxLength": 10 }),
            ),
            (
                "unanchored pattern",
                json!({ "type": "string", "pattern": "[0-9]{2}", "maxLength": 5 }),
            ),
            (
                "case-insensitive",
                json!({ "type": "string", "pattern": "(?i)^abc[x-z]+$" }),
            ),
            (
                "grouped repeat",
                json!({ "type": "string", "pattern": "^(ab|c){2,6}$", "minLength": 5, "maxLength": 7 }),
            ),
            (
                "url pattern",
                json!({ "type": "string", "pattern": "^https?:\\/\\/[a-z]+\\.example\\.com\\/[a-z0-9\\-]*$" }),
            ),
            (
                "thousands",
                json!({ "type": "string", "pattern": "^\\d{1,3}(,\\d{3})*$", "minLength": 5 }),
            ),
            (
                "clock pattern",
                json!({ "type": "string", "pattern": "^(?:[01]\\d|2[0-3]):[0-5]\\d$" }),
            ),
            (
                "dotted email pattern",
                json!({ "type": "string", "pattern": "^[a-z]+(\\.[a-z]+)*@[a-z]+\\.(com|net)$", "maxLength": 30 }),
            ),
            (
                "capped tail",
                json!({ "type": "string", "pattern": "^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]{0,30}$", "maxLength": 10 }),
            ),
            (
                "greek only",
                json!({ "type": "string", "pattern": "^\\p{Greek}{2,4}$" }),
            ),
            ("empty match", json!({ "type": "string", "pattern": "^$" })),
            (
                "optional parts",
                json!({ "type": "string", "pattern": "^(a|b)?c{0}d(e{2,})?$", "minLength": 3 }),
            ),
            (
                "unique pattern",
                json!({ "type": "string", "pattern": "^[a-z]{3,12}$", "x-unique": true }),
            ),
            (
                "unique digits pattern",
                json!({ "type": "string", "pattern": "^[0-9]{6}$", "x-unique": true }),
            ),
            (
                "unique prefixed pattern",
                json!({ "type": "string", "pattern": "^STU-[0-9]{4,10}$", "x-unique": true }),
            ),
            (
                "unique upper pattern",
                json!({ "type": "string", "pattern": "^[A-Z][A-Z0-9]{5,19}$", "x-unique": true }),
            ),
            ("email", json!({ "type": "string", "format": "email" })),
            (
                "unique email",
                json!({ "type": "string", "format": "email", "maxLength": 40, "x-unique": true }),
            ),
            (
                "email with pattern",
                json!({ "type": "string", "format": "email", "pattern": "@example\\.(com|org)$" }),
            ),
            (
                "date-time",
                json!({ "type": "string", "format": "date-time" }),
            ),
            (
                "future date-time",
                json!({ "type": "string", "format": "date-time", "x-future": true }),
            ),
            (
                "past date-time",
                json!({ "type": "string", "format": "date-time", "x-past": true }),
            ),
            ("date", json!({ "type": "string", "format": "date" })),
            (
                "future date-mdy",
                json!({ "type": "string", "format": "date-mdy", "x-future": true }),
            ),
            ("time-hm", json!({ "type": "string", "format": "time-hm" })),
            ("iana-tz", json!({ "type": "string", "format": "iana-tz" })),
            ("uuid", json!({ "type": "string", "format": "uuid" })),
            (
                "unique uuid",
                json!({ "type": "string", "format": "uuid", "x-unique": true }),
            ),
            ("hex24", json!({ "type": "string", "format": "hex24" })),
            (
                "unique hex24",
                json!({ "type": "string", "format": "hex24", "x-unique": true }),
            ),
            (
                "weekdays",
                json!({ "type": "string", "format": "weekdays" }),
            ),
            (
                "digits",
                json!({ "type": "string", "format": "digits", "minLength": 4, "maxLength": 8 }),
            ),
            (
                "unique digits",
                json!({ "type": "string", "format": "digits", "x-unique": true }),
            ),
            ("integer", json!({ "type": "integer" })),
            (
                "bounded integer",
                json!({ "type": "integer", "minimum": -5, "maximum": 7 }),
            ),
            (
                "exclusive integer",
                json!({ "type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3 }),
            ),
            (
                "multiple of",
                json!({ "type": "integer", "minimum": 1, "maximum": 100, "multipleOf": 15 }),
            ),
            (
                "high integer",
                json!({ "type": "integer", "minimum": 1000000 }),
            ),
            ("number", json!({ "type": "number" })),
            (
                "unit number",
                json!({ "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 }),
            ),
            (
                "narrow number",
                json!({ "type": "number", "minimum": 0.001, "maximum": 0.002 }),
            ),
            ("boolean", json!({ "type": "boolean" })),
            ("null", json!({ "type": "null" })),
            (
                "nullable string",
                json!({ "type": ["string", "null"], "maxLength": 3 }),
            ),
            ("enum", json!({ "enum": ["draft", "published", 3] })),
            (
                "typed enum",
                json!({ "type": "string", "enum": [1, "a", "b"] }),
            ),
            ("const", json!({ "const": { "a": [1, 2] } })),
            ("untyped", json!({})),
            (
                "array",
                json!({ "type": "array", "items": { "type": "integer" }, "maxItems": 3 }),
            ),
            (
                "unique array",
                json!({ "type": "array", "items": { "enum": ["a", "b", "c", "d"] }, "minItems": 2, "uniqueItems": true }),
            ),
            (
                "array of objects",
                json!({
                    "type": "array", "minItems": 1,
                    "items": { "type": "object", "required": ["id"], "properties": {
                        "id": { "type": "string", "format": "uuid" },
                        "score": { "type": "number", "minimum": 0, "maximum": 100 }
                    } }
                }),
            ),
            (
                "fixtures",
                json!({
                    "type": "object", "required": ["section", "assignment", "student"],
                    "properties": {
                        "section": { "type": "string", "x-fixture": "acme.section_id" },
                        "assignment": { "type": "string", "x-var": "assignment_id" },
                        "student": { "type": "string", "x-pool": "acme.students" }
                    }
                }),
            ),
            ("typical body", typical_body()),
        ]
    }

    fn typical_body() -> Value {
        json!({
            "type": "object",
            "required": ["title", "description", "due_date", "points", "code"],
            "properties": {
                "title": { "type": "string", "minLength": 1, "maxLength": 80, "x-unique": true },
                "description": { "type": "string", "maxLength": 500 },
                "due_date": { "type": "string", "format": "date-time", "x-future": true },
                "points": { "type": "integer", "minimum": 0, "maximum": 1000 },
                "code": { "type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$" },
                "email": { "type": "string", "format": "email", "x-unique": true, "x-always": true },
                "state": { "enum": ["draft", "open", "closed"] },
                "weight": { "type": "number", "minimum": 0, "maximum": 1 },
                "tags": { "type": "array", "items": { "type": "string", "pattern": "^[a-z]{2,10}$" }, "maxItems": 5, "uniqueItems": true },
                "startDate": { "type": "string", "format": "date-mdy" },
                "startTime": { "type": "string", "format": "time-hm" },
                "timeZone": { "type": "string", "format": "iana-tz" },
                "days": { "type": "string", "format": "weekdays" },
                "room": { "type": ["string", "null"], "pattern": "^[A-Z][0-9]{3}$" },
                "owner": { "type": "string", "format": "hex24" },
                "legacy": { "type": "string", "x-never": true },
                "settings": {
                    "type": "object",
                    "properties": {
                        "late": { "type": "boolean", "x-always": true },
                        "penalty": { "type": "integer", "minimum": 0, "maximum": 100 }
                    }
                }
            }
        })
    }

    fn gen_with(env: &Env, schema: &Value, seq: &[u64]) -> Result<Value, GenError> {
        generate(schema, &env.ctx(), &mut Choices::new(seq))
    }

    #[test]
    #[ignore = "prints sample bodies"]
    fn print_samples() {
        let env = Env::new();
        for seed in 0..4 {
            let v = gen_with(&env, &typical_body(), &retry_sequence(seed, 512)).unwrap();
            println!("{}", serde_json::to_string_pretty(&v).unwrap());
        }
    }

    /// Run with `cargo test --release --lib typical_body_takes_microseconds -- --ignored
    /// --nocapture`; debug builds are several times slower.
    #[test]
    #[ignore = "a measurement; run in release with --nocapture"]
    fn typical_body_takes_microseconds() {
        let env = Env::new();
        let schema = typical_body();
        let seqs: Vec<Vec<u64>> = (0..1000).map(|i| retry_sequence(i, 512)).collect();
        // Warm the pattern cache.
        gen_with(&env, &schema, &seqs[0]).unwrap();
        let n = 20_000;
        let start = std::time::Instant::now();
        for i in 0..n {
            std::hint::black_box(gen_with(&env, &schema, &seqs[i % seqs.len()]).unwrap());
        }
        let per = start.elapsed() / n as u32;
        // A measurement, not a check: timings are never asserted.
        println!("typical body: {per:?} per value");
    }

    #[test]
    fn catalogue_schemas_are_valid_json_schemas() {
        for (name, schema) in catalogue() {
            assert!(jsonschema::meta::is_valid(&schema), "{name}");
            let _ = validator(&schema);
        }
    }

    proptest! {
        #[test]
        fn generated_values_validate(seq in choices_strategy()) {
            for (name, schema) in catalogue() {
                let env = Env::new();
                let v = gen_with(&env, &schema, &seq)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_valid(&schema, &v);
            }
        }

        #[test]
        fn same_choices_give_the_same_value(seq in choices_strategy()) {
            for (name, schema) in catalogue() {
                let a = gen_with(&Env::new(), &schema, &seq).unwrap();
                let b = gen_with(&Env::new(), &schema, &seq).unwrap();
                prop_assert_eq!(a, b, "{}", name);
            }
        }

        #[test]
        fn exhausted_choices_are_zeros(seq in proptest::collection::vec(any::<u64>(), 0..64)) {
            // Whatever a prefix decides, the rest of the value is as if every further choice
            // were 0.
            let mut padded = seq.clone();
            padded.extend(std::iter::repeat_n(0, 2048));
            for (name, schema) in catalogue() {
                let a = gen_with(&Env::new(), &schema, &seq).unwrap();
                let b = gen_with(&Env::new(), &schema, &padded).unwrap();
                prop_assert_eq!(a, b, "{}", name);
            }
        }
    }

    #[test]
    fn exhausted_choices_give_the_simplest_value() {
        let env = Env::new();
        let cases = [
            (json!({ "type": "string" }), json!("")),
            (json!({ "type": "string", "minLength": 3 }), json!("aaa")),
            (
                json!({ "type": "string", "pattern": "^[A-Z]{2}-\\d{3}$" }),
                json!("AA-000"),
            ),
            (
                json!({ "type": "string", "pattern": "^[a-z]+$", "minLength": 4 }),
                json!("aaaa"),
            ),
            (
                json!({ "type": "string", "format": "email" }),
                json!("a@example.com"),
            ),
            (
                json!({ "type": "string", "format": "date-time", "x-future": true }),
                json!("2030-06-16T12:34:57.000Z"),
            ),
            (
                json!({ "type": "string", "format": "date-mdy", "x-past": true }),
                json!("6/13/2030"),
            ),
            (json!({ "type": "integer" }), json!(0)),
            (
                json!({ "type": "integer", "minimum": 5, "maximum": 9 }),
                json!(5),
            ),
            (
                json!({ "type": "integer", "minimum": -9, "maximum": -5 }),
                json!(-5),
            ),
            (json!({ "type": "number", "exclusiveMinimum": 0 }), json!(1)),
            (
                json!({ "type": "integer", "minimum": 1, "multipleOf": 15 }),
                json!(15),
            ),
            (json!({ "type": "boolean" }), json!(false)),
            (json!({ "type": ["null", "string"] }), json!(null)),
            (json!({ "enum": ["b", "a"] }), json!("b")),
            (
                json!({ "type": "array", "items": { "type": "integer" } }),
                json!([]),
            ),
            (
                json!({ "type": "array", "items": { "enum": ["x", "y"] }, "minItems": 2, "uniqueItems": true }),
                json!(["x", "y"]),
            ),
            (
                json!({
                    "type": "object", "required": ["a"],
                    "properties": {
                        "a": { "type": "integer" },
                        "b": { "type": "string" },
                        "c": { "type": "string", "x-always": true }
                    }
                }),
                json!({ "a": 0, "c": "" }),
            ),
            (
                json!({ "type": "string", "x-unique": true }),
                json!("t3st0"),
            ),
            (
                json!({ "type": "string", "format": "email", "x-unique": true }),
                json!("t3st1@example.com"),
            ),
        ];
        for (schema, want) in cases {
            assert_eq!(gen_with(&env, &schema, &[]).unwrap(), want, "{schema}");
        }
    }

    #[test]
    fn draft_4_exclusive_flags_are_honoured() {
        let env = Env::new();
        let schema = json!({
            "type": "integer", "minimum": 1, "exclusiveMinimum": true,
            "maximum": 3, "exclusiveMaximum": true
        });
        for seed in 0..50 {
            assert_eq!(
                gen_with(&env, &schema, &retry_sequence(seed, 4)).unwrap(),
                json!(2)
            );
        }
    }

    #[test]
    fn optional_properties_follow_their_choices() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": { "type": "integer" },
                "b": { "type": "integer", "x-never": true },
                "c": { "type": "integer" }
            }
        });
        let env = Env::new();
        // a: included (1) with value choice 0; c: left out (0).
        assert_eq!(
            gen_with(&env, &schema, &[1, 0, 0]).unwrap(),
            json!({ "a": 0 })
        );
        assert_eq!(gen_with(&env, &schema, &[0, 1]).unwrap(), json!({ "c": 0 }));
        for seed in 0..200 {
            let seq = retry_sequence(seed, 16);
            let v = gen_with(&env, &schema, &seq).unwrap();
            assert!(v.get("b").is_none());
        }
    }

    fn unique_schemas() -> Vec<Value> {
        vec![
            json!({ "type": "string", "x-unique": true }),
            json!({ "type": "string", "maxLength": 8, "x-unique": true }),
            json!({ "type": "string", "format": "email", "x-unique": true }),
            json!({ "type": "string", "pattern": "^[a-z]{3,12}$", "x-unique": true }),
            json!({ "type": "string", "pattern": "^[0-9]{6}$", "x-unique": true }),
            json!({ "type": "string", "pattern": "^STU-[0-9]{4,10}$", "x-unique": true }),
            json!({ "type": "string", "pattern": "^(red|blue)-[A-Z]{2,8}$", "x-unique": true }),
            json!({ "type": "string", "format": "uuid", "x-unique": true }),
            json!({ "type": "string", "format": "hex24", "x-unique": true }),
            json!({ "type": "string", "format": "digits", "x-unique": true }),
        ]
    }

    #[test]
    fn unique_values_never_repeat_within_a_run() {
        for schema in unique_schemas() {
            let env = Env::new();
            let v = validator(&schema);
            let mut seen = HashSet::new();
            for i in 0..10_000u64 {
                // The same (empty) choices every time, and random ones: only the token differs.
                let seq = if i % 2 == 0 {
                    Vec::new()
                } else {
                    retry_sequence(i, 64)
                };
                let s = gen_with(&env, &schema, &seq).unwrap();
                assert!(v.is_valid(&s), "{schema}: {s}");
                let s = s.as_str().unwrap().to_ascii_lowercase();
                assert!(seen.insert(s.clone()), "{schema}: {s} repeated");
            }
        }
    }

    #[test]
    fn unique_values_differ_across_runs() {
        // Six digits leave no room for the run prefix: those values are unique within a run only.
        let roomy = unique_schemas()
            .into_iter()
            .filter(|s| s["pattern"] != json!("^[0-9]{6}$"));
        for schema in roomy {
            let a = Env::with_prefix("run1");
            let b = Env::with_prefix("run2");
            let mut seen = HashSet::new();
            for i in 0..1000u64 {
                let seq = retry_sequence(i, 64);
                for env in [&a, &b] {
                    let s = gen_with(env, &schema, &seq).unwrap();
                    assert!(seen.insert(s.clone()), "{schema}: {s} repeated");
                }
            }
        }
    }

    #[test]
    fn unique_values_carry_the_run_prefix_where_there_is_room() {
        let env = Env::with_prefix("Zq9");
        let cases = [
            (json!({ "type": "string", "x-unique": true }), "zq9"),
            (
                json!({ "type": "string", "format": "email", "x-unique": true }),
                "zq9",
            ),
            (
                json!({ "type": "string", "pattern": "^S-[a-z0-9]{4,20}$", "x-unique": true }),
                "S-zq9",
            ),
        ];
        for (schema, start) in cases {
            for seed in 0..20 {
                let s = gen_with(&env, &schema, &retry_sequence(seed, 32)).unwrap();
                assert!(s.as_str().unwrap().starts_with(start), "{s}");
            }
        }
    }

    #[test]
    fn unique_values_run_out_with_an_error() {
        let env = Env::new();
        let schema = json!({ "type": "string", "pattern": "^[ab]$", "x-unique": true });
        let mut got = HashSet::new();
        let err = loop {
            match gen_with(&env, &schema, &[]) {
                Ok(v) => assert!(got.insert(v)),
                Err(e) => break e,
            }
        };
        assert_eq!(got.len(), 2);
        assert!(matches!(err, GenError::Unsatisfiable { .. }), "{err}");
        assert!(err.to_string().contains("x-unique"), "{err}");
    }

    #[test]
    fn pool_elements_are_handed_out_once() {
        let env = Env::new();
        let schema = json!({ "x-pool": "acme.students" });
        let got: Vec<Value> = (0..3)
            .map(|_| gen_with(&env, &schema, &[]).unwrap())
            .collect();
        assert_eq!(got, vec![json!("s-1"), json!("s-2"), json!("s-3")]);
        assert_eq!(
            gen_with(&env, &schema, &[]).unwrap_err(),
            GenError::PoolExhausted {
                path: "#".into(),
                name: "acme.students".into(),
                size: 3
            }
        );
    }

    #[test]
    fn errors_name_the_schema_path_and_the_fix() {
        let env = Env::new();
        let object = |prop: Value| json!({ "type": "object", "required": ["f"], "properties": { "f": prop } });
        let cases = [
            (object(json!({ "x-fixture": "acme.missing" })), "at #/properties/f: fixture `acme.missing` has no value; set it in the fixtures file"),
            (object(json!({ "x-var": "nope" })), "at #/properties/f: case variable `nope` is not set; a setup step must `save` it before this request"),
            (object(json!({ "x-pool": "acme.section_id" })), "at #/properties/f: pool `acme.section_id` is not an array fixture; set `acme.section_id` to a list of values"),
            (object(json!({ "anyOf": [{ "type": "string" }] })), "at #/properties/f: the keyword `anyOf` is not supported by the generators"),
            (object(json!({ "type": "string", "x-uniq": true })), "at #/properties/f: the generation keyword `x-uniq` is not supported"),
            (object(json!({ "type": "string", "format": "uri" })), "at #/properties/f: the format `uri` is not supported"),
            (object(json!({ "type": "string", "pattern": "a(?=b)" })), "at #/properties/f: the pattern `a(?=b)` does not parse"),
            (object(json!({ "type": "string", "pattern": "\\bx" })), "at #/properties/f: the word-boundary assertion"),
            (object(json!({ "type": "string", "minLength": 5, "maxLength": 2 })), "at #/properties/f: `minLength` is greater than `maxLength`"),
            (object(json!({ "type": "string", "pattern": "^[a-z]{5}$", "maxLength": 3 })), "at #/properties/f: no value satisfies the pattern"),
            (object(json!({ "type": "string", "format": "email", "maxLength": 10 })), "at #/properties/f: no value satisfies an email within maxLength"),
            (object(json!({ "type": "string", "format": "time-hm", "x-unique": true })), "`x-unique` with `format: time-hm`"),
            (object(json!({ "type": "string", "x-future": true })), "`x-future`/`x-past` need `format: date-time`"),
            (object(json!({ "type": "integer", "minimum": 3, "maximum": 2 })), "no integer lies within them"),
            (object(json!({ "type": "integer", "x-unique": true })), "`x-unique` on a value of type integer"),
            (object(json!({ "type": "string", "x-never": true })), "a required property cannot be `x-never`"),
            (json!({ "type": "object", "required": ["g"], "properties": {} }), "`g` is required but has no schema under `properties`; declare it"),
            (json!({ "type": "array", "items": { "type": "array", "items": { "enum": [1] }, "minItems": 2, "uniqueItems": true }, "minItems": 1 }), "at #/items: no value satisfies `uniqueItems`"),
        ];
        for (schema, want) in cases {
            let err = gen_with(&env, &schema, &[]).unwrap_err().to_string();
            assert!(err.contains(want), "{schema}\n got: {err}\nwant: {want}");
        }
    }
}
