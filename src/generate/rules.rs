//! The main function here is [`apply_rules`]: it makes a generated body obey its endpoint's
//! cross-field rules (the ones JSON Schema cannot say), keeping the body valid against its
//! schema. `generate_body` (for the tests) is generation followed by the rules.
//!
//! Rules name top-level properties of the body, which the body schema must declare. Each rule
//! changes as little as it can:
//!
//! - `exclusive`: one group is chosen (the first is the simplest), the fields of the other
//!   groups are removed and any missing field of the chosen group is generated from its schema.
//!   Fields of the groups must therefore be optional in the schema (and not `x-never` in the
//!   chosen group); required ones are an error.
//! - `before`: when both fields are present and out of order they are swapped; when equal,
//!   `then` moves one step later (an hour, a day or a minute; `first` moves one step earlier
//!   instead when `then` is `x-past` or a time of day cannot go later). Values are read by
//!   their schema's `format` (date-time, date, date-mdy, time-hm), or by trying each.
//! - `sum`: when any of the fields is present, all are made present and `total` becomes the sum
//!   of `parts`; when that sum is outside `total`'s bounds, the sum moves to the nearest
//!   reachable value and the parts change in order, each within its own bounds. Integers are
//!   summed exactly; `number` fields are summed in hundredths, which is what the number
//!   generator produces. Mixing integer and number fields is not supported.
//! - `one_of_required`: when none of the fields is present, one is chosen and generated.
//!
//! Rules apply in the order listed; a later rule sees the changes of earlier ones.

use serde_json::{Map, Value};

use super::choice::Choices;
use super::context::GenContext;
use super::error::{GenError, SchemaPath};
use super::format::{Format, Temporal};
#[cfg(test)]
use super::value::generate;
use super::value::{gen_value, presence, scaled_range, Keywords, Type};
use crate::spec::Rule;

/// Generates a body for `schema` and applies `rules` to it.
///
/// Fails as [`generate`] does, and as [`apply_rules`] does when there are rules and the
/// generated value is not an object.
#[cfg(test)]
pub fn generate_body(
    schema: &Value,
    rules: &[Rule],
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
) -> Result<Value, GenError> {
    let mut v = generate(schema, ctx, ch)?;
    if rules.is_empty() {
        return Ok(v);
    }
    match &mut v {
        Value::Object(body) => apply_rules(body, schema, rules, ctx, ch)?,
        _ => {
            return Err(GenError::Rule {
                rule: "rules".into(),
                reason: "rules apply to object bodies; give the body `type: object`".into(),
            })
        }
    }
    Ok(v)
}

/// Applies `rules` to `body`, a value generated for the object schema `schema`.
///
/// Fails when a rule names a field the schema does not declare, when a rule would have to
/// remove a required field or add an `x-never` one, or when values cannot be compared or
/// summed. The messages name the rule by its position (`rules/2`) and say what to change.
pub fn apply_rules(
    body: &mut Map<String, Value>,
    schema: &Value,
    rules: &[Rule],
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
) -> Result<(), GenError> {
    let fields = Fields::of(schema)?;
    for (i, rule) in rules.iter().enumerate() {
        let r = RuleRef { index: i, rule };
        for name in r.names() {
            fields.schema(&r, name)?;
        }
        match rule {
            Rule::Exclusive { groups } => exclusive(body, &fields, &r, groups, ctx, ch)?,
            Rule::Before { first, then } => before(body, &fields, &r, first, then)?,
            Rule::Sum { total, parts } => sum(body, &fields, &r, total, parts, ctx, ch)?,
            Rule::OneOfRequired { fields: names } => {
                if !names.iter().any(|n| body.contains_key(n)) {
                    let candidates: Vec<&String> =
                        names.iter().filter(|n| !fields.never(n)).collect();
                    if candidates.is_empty() {
                        return Err(r.error("every field is `x-never`; allow one of them"));
                    }
                    let name = candidates[ch.below(candidates.len() as u64) as usize];
                    let v = fields.generate(&r, name, ctx, ch)?;
                    body.insert(name.clone(), v);
                }
            }
        }
    }
    Ok(())
}

/// A rule and its position, for messages.
struct RuleRef<'r> {
    index: usize,
    rule: &'r Rule,
}

impl RuleRef<'_> {
    fn names(&self) -> Vec<&String> {
        match self.rule {
            Rule::Exclusive { groups } => groups.iter().flatten().collect(),
            Rule::Before { first, then } => vec![first, then],
            Rule::Sum { total, parts } => std::iter::once(total).chain(parts).collect(),
            Rule::OneOfRequired { fields } => fields.iter().collect(),
        }
    }

    fn error(&self, reason: impl Into<String>) -> GenError {
        let kind = match self.rule {
            Rule::Exclusive { .. } => "exclusive",
            Rule::Before { .. } => "before",
            Rule::Sum { .. } => "sum",
            Rule::OneOfRequired { .. } => "one_of_required",
        };
        GenError::Rule {
            rule: format!("rules/{} ({kind})", self.index),
            reason: reason.into(),
        }
    }
}

/// The body schema's properties and required list.
struct Fields<'s> {
    props: &'s Map<String, Value>,
    required: Vec<&'s str>,
}

impl<'s> Fields<'s> {
    fn of(schema: &'s Value) -> Result<Self, GenError> {
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| GenError::Rule {
                rule: "rules".into(),
                reason: "the body schema has no `properties` for the rules to name".into(),
            })?;
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Ok(Fields { props, required })
    }

    fn schema(&self, r: &RuleRef<'_>, name: &str) -> Result<&'s Value, GenError> {
        self.props.get(name).ok_or_else(|| {
            r.error(format!(
                "names `{name}`, which the body schema does not declare under `properties`"
            ))
        })
    }

    fn is_required(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    fn never(&self, name: &str) -> bool {
        self.props.get(name).is_some_and(|s| presence(s).1)
    }

    fn generate(
        &self,
        r: &RuleRef<'_>,
        name: &str,
        ctx: &GenContext<'_>,
        ch: &mut Choices<'_>,
    ) -> Result<Value, GenError> {
        let schema = self.schema(r, name)?;
        let root = SchemaPath::Root;
        let props = root.key("properties");
        gen_value(schema, ctx, ch, &props.key(name))
    }

    fn keywords(&self, r: &RuleRef<'_>, name: &str) -> Result<Keywords<'s>, GenError> {
        let schema = self.schema(r, name)?;
        let obj = schema
            .as_object()
            .ok_or_else(|| r.error(format!("the schema of `{name}` is not an object")))?;
        let root = SchemaPath::Root;
        let props = root.key("properties");
        Keywords::read(obj, &props.key(name))
    }
}

fn exclusive(
    body: &mut Map<String, Value>,
    fields: &Fields<'_>,
    r: &RuleRef<'_>,
    groups: &[Vec<String>],
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
) -> Result<(), GenError> {
    if groups.is_empty() {
        return Ok(());
    }
    let kept = &groups[ch.below(groups.len() as u64) as usize];
    for name in groups.iter().flatten() {
        if kept.contains(name) {
            continue;
        }
        if fields.is_required(name) {
            return Err(r.error(format!(
                "`{name}` is required by the body schema, so its group cannot be left out; \
                 make it optional"
            )));
        }
        body.shift_remove(name);
    }
    for name in kept {
        if body.contains_key(name) {
            continue;
        }
        if fields.never(name) {
            return Err(r.error(format!(
                "`{name}` is `x-never`, so its group can never be sent whole; drop x-never"
            )));
        }
        let v = fields.generate(r, name, ctx, ch)?;
        body.insert(name.clone(), v);
    }
    Ok(())
}

fn before(
    body: &mut Map<String, Value>,
    fields: &Fields<'_>,
    r: &RuleRef<'_>,
    first: &str,
    then: &str,
) -> Result<(), GenError> {
    let (Some(a), Some(b)) = (body.get(first), body.get(then)) else {
        return Ok(());
    };
    let read = |name: &str, v: &Value| -> Result<(Format, Temporal, String), GenError> {
        let kw = fields.keywords(r, name)?;
        let format = kw.format.and_then(Format::from_name);
        let s = v
            .as_str()
            .ok_or_else(|| r.error(format!("`{name}` is not a string")))?;
        let (f, t) = Temporal::parse(format, s).ok_or_else(|| {
            r.error(format!(
                "`{name}` = {s:?} is not a date-time, date, date-mdy or time-hm value"
            ))
        })?;
        Ok((f, t, s.to_string()))
    };
    let (fa, ta, sa) = read(first, a)?;
    let (fb, tb, sb) = read(then, b)?;
    if !ta.same_kind(&tb) {
        return Err(r.error(format!(
            "`{first}` ({}) and `{then}` ({}) cannot be compared; give both the same kind of format",
            fa.name(),
            fb.name()
        )));
    }
    let render = |t: Temporal, f: Format, like: &str| {
        t.render(f, like)
            .ok_or_else(|| r.error(format!("cannot write a value as {}", f.name())))
    };
    let (new_a, new_b) = if ta < tb {
        return Ok(());
    } else if ta > tb {
        if fa == fb {
            (sb, sa)
        } else {
            (render(tb, fa, &sa)?, render(ta, fb, &sb)?)
        }
    } else {
        let then_past = fields.keywords(r, then)?.past;
        match (then_past, tb.step(true), ta.step(false)) {
            (false, Some(later), _) => (sa, render(later, fb, &sb)?),
            (_, _, Some(earlier)) => (render(earlier, fa, &sa)?, sb),
            _ => {
                return Err(r.error(format!(
                    "`{first}` and `{then}` are equal and neither can move; widen their values"
                )))
            }
        }
    };
    body.insert(first.to_string(), Value::String(new_a));
    body.insert(then.to_string(), Value::String(new_b));
    Ok(())
}

/// A field of a sum, in units (1 or 1/100).
struct Term {
    value: i128,
    lo: i128,
    hi: i128,
}

fn sum(
    body: &mut Map<String, Value>,
    fields: &Fields<'_>,
    r: &RuleRef<'_>,
    total: &str,
    parts: &[String],
    ctx: &GenContext<'_>,
    ch: &mut Choices<'_>,
) -> Result<(), GenError> {
    if !body.contains_key(total) && !parts.iter().any(|p| body.contains_key(p)) {
        return Ok(());
    }
    let names: Vec<&str> = std::iter::once(total)
        .chain(parts.iter().map(String::as_str))
        .collect();
    let mut integer = Vec::with_capacity(names.len());
    for name in &names {
        let kw = fields.keywords(r, name)?;
        if kw.multiple_of.is_some() {
            return Err(r.error(format!(
                "`{name}` has `multipleOf`, which sums do not support; bound it with minimum/maximum"
            )));
        }
        integer.push(kw.types.contains(Type::Integer) && !kw.types.contains(Type::Number));
    }
    let all_integer = integer.iter().all(|&i| i);
    if !all_integer && integer.iter().any(|&i| i) {
        return Err(
            r.error("mixes integer and number fields; give all of them the same type".to_string())
        );
    }
    let unit: i128 = if all_integer { 1 } else { 100 };

    for name in parts {
        if !body.contains_key(name) {
            if fields.never(name) {
                return Err(r.error(format!("part `{name}` is `x-never`; drop x-never")));
            }
            let v = fields.generate(r, name, ctx, ch)?;
            body.insert(name.clone(), v);
        }
    }
    let term = |name: &str, v: Option<&Value>| -> Result<Term, GenError> {
        let kw = fields.keywords(r, name)?;
        let (lo, hi) = scaled_range(kw.lower(), kw.upper(), unit as f64);
        let lo = lo.map_or(i128::from(i64::MIN) / 4, i128::from);
        let hi = hi.map_or(i128::from(i64::MAX) / 4, i128::from);
        let value = match v {
            None => 0,
            Some(v) => {
                let f = v
                    .as_f64()
                    .ok_or_else(|| r.error(format!("`{name}` is not a number")))?;
                let scaled = f * unit as f64;
                if (scaled - scaled.round()).abs() > 1e-6 {
                    return Err(r.error(format!(
                        "`{name}` = {f} is not a whole number of hundredths, which sums work in"
                    )));
                }
                scaled.round() as i128
            }
        };
        Ok(Term { value, lo, hi })
    };
    let t = term(total, body.get(total))?;
    let mut ps = Vec::with_capacity(parts.len());
    for name in parts {
        ps.push(term(name, body.get(name))?);
    }
    let s: i128 = ps.iter().map(|p| p.value).sum();
    let reach_lo: i128 = ps.iter().map(|p| p.lo).sum::<i128>().max(t.lo);
    let reach_hi: i128 = ps.iter().map(|p| p.hi).sum::<i128>().min(t.hi);
    if reach_lo > reach_hi {
        return Err(r.error(format!(
            "no values of the parts add up to a `{total}` within its bounds; widen the bounds"
        )));
    }
    let target = s.clamp(reach_lo, reach_hi);
    let mut diff = target - s;
    for p in &mut ps {
        if diff == 0 {
            break;
        }
        let step = if diff > 0 {
            diff.min(p.hi - p.value)
        } else {
            diff.max(p.lo - p.value)
        };
        p.value += step;
        diff -= step;
    }
    let write = |units: i128| -> Value {
        if unit == 1 || units % unit == 0 {
            Value::from((units / unit) as i64)
        } else {
            serde_json::Number::from_f64(units as f64 / unit as f64)
                .map_or(Value::Null, Value::Number)
        }
    };
    body.insert(total.to_string(), write(target));
    for (name, p) in parts.iter().zip(&ps) {
        body.insert(name.clone(), write(p.value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::generate::choice::retry_sequence;
    use crate::generate::choices_strategy;
    use crate::generate::testing::{assert_valid, Env};

    /// A body shaped like the spec-format example: two exclusive ways to give a period, ordered
    /// pairs in three formats, a sum and a one-of.
    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": { "type": "string", "minLength": 1, "maxLength": 20 },
                "start": { "type": "string", "format": "date-time", "x-future": true },
                "end": { "type": "string", "format": "date-time", "x-future": true },
                "startDate": { "type": "string", "format": "date-mdy" },
                "endDate": { "type": "string", "format": "date-mdy" },
                "startTime": { "type": "string", "format": "time-hm" },
                "endTime": { "type": "string", "format": "time-hm" },
                "timeZone": { "type": "string", "format": "iana-tz" },
                "totalTime": { "type": "integer", "minimum": 0, "maximum": 600 },
                "syncTime": { "type": "integer", "minimum": 0, "maximum": 600 },
                "asyncTime": { "type": "integer", "minimum": 0, "maximum": 600 },
                "courseID": { "type": "string", "format": "hex24" },
                "addCode": { "type": "string", "pattern": "^[a-z0-9]{6}$" }
            }
        })
    }

    fn rules() -> Vec<Rule> {
        let names = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        vec![
            Rule::Exclusive {
                groups: vec![
                    names(&["start", "end"]),
                    names(&["startDate", "endDate", "startTime", "endTime", "timeZone"]),
                ],
            },
            Rule::Before {
                first: "start".into(),
                then: "end".into(),
            },
            Rule::Before {
                first: "startDate".into(),
                then: "endDate".into(),
            },
            Rule::Before {
                first: "startTime".into(),
                then: "endTime".into(),
            },
            Rule::Sum {
                total: "totalTime".into(),
                parts: names(&["syncTime", "asyncTime"]),
            },
            Rule::OneOfRequired {
                fields: names(&["courseID", "addCode"]),
            },
        ]
    }

    fn temporal(v: &Value) -> Temporal {
        Temporal::parse(None, v.as_str().unwrap()).unwrap().1
    }

    fn body(env: &Env, seq: &[u64]) -> Map<String, Value> {
        let v = generate_body(&schema(), &rules(), &env.ctx(), &mut Choices::new(seq)).unwrap();
        v.as_object().unwrap().clone()
    }

    proptest! {
        #[test]
        fn bodies_obey_their_rules_and_stay_valid(seq in choices_strategy()) {
            let env = Env::new();
            let b = body(&env, &seq);
            assert_valid(&schema(), &Value::Object(b.clone()));

            let whole = |g: &[&str]| g.iter().all(|f| b.contains_key(*f));
            let none = |g: &[&str]| g.iter().all(|f| !b.contains_key(*f));
            let a = ["start", "end"];
            let z = ["startDate", "endDate", "startTime", "endTime", "timeZone"];
            prop_assert!((whole(&a) && none(&z)) || (whole(&z) && none(&a)), "{:?}", b);

            for (first, then) in [("start", "end"), ("startDate", "endDate"), ("startTime", "endTime")] {
                if let (Some(x), Some(y)) = (b.get(first), b.get(then)) {
                    prop_assert!(temporal(x) < temporal(y), "{} {}", x, y);
                }
            }

            let sum = ["totalTime", "syncTime", "asyncTime"];
            prop_assert!(whole(&sum) || none(&sum), "{:?}", b);
            if whole(&sum) {
                let n = |f: &str| b[f].as_i64().unwrap();
                prop_assert_eq!(n("totalTime"), n("syncTime") + n("asyncTime"));
            }

            prop_assert!(b.contains_key("courseID") || b.contains_key("addCode"));
        }

        #[test]
        fn number_sums_work_in_hundredths(seq in choices_strategy()) {
            let schema = json!({
                "type": "object",
                "properties": {
                    "total": { "type": "number", "minimum": 0, "maximum": 10 },
                    "a": { "type": "number", "minimum": 0, "maximum": 8 },
                    "b": { "type": "number", "minimum": 0, "exclusiveMaximum": 8 }
                }
            });
            let rules = [Rule::Sum { total: "total".into(), parts: vec!["a".into(), "b".into()] }];
            let env = Env::new();
            let v = generate_body(&schema, &rules, &env.ctx(), &mut Choices::new(&seq)).unwrap();
            assert_valid(&schema, &v);
            if v.get("total").is_some() {
                let cents = |f: &str| (v[f].as_f64().unwrap() * 100.0).round() as i64;
                prop_assert_eq!(cents("total"), cents("a") + cents("b"));
            }
        }
    }

    #[test]
    fn exhausted_choices_keep_the_first_group_and_the_first_one_of() {
        let b = body(&Env::new(), &[]);
        let keys: Vec<&str> = b.keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["title", "start", "end", "courseID"]);
        assert!(temporal(&b["start"]) < temporal(&b["end"]));
    }

    fn apply(body: Value, schema: &Value, rules: &[Rule]) -> Result<Value, GenError> {
        let env = Env::new();
        let mut body = body.as_object().unwrap().clone();
        apply_rules(&mut body, schema, rules, &env.ctx(), &mut Choices::new(&[]))?;
        Ok(Value::Object(body))
    }

    fn before(first: &str, then: &str) -> Rule {
        Rule::Before {
            first: first.into(),
            then: then.into(),
        }
    }

    #[test]
    fn before_swaps_values_out_of_order() {
        let got = apply(
            json!({ "startDate": "12/1/2031", "endDate": "1/2/2031" }),
            &schema(),
            &[before("startDate", "endDate")],
        )
        .unwrap();
        assert_eq!(
            got,
            json!({ "startDate": "1/2/2031", "endDate": "12/1/2031" })
        );
    }

    #[test]
    fn before_moves_equal_values_apart() {
        let s = schema();
        let got = apply(
            json!({ "start": "2031-05-04T10:00:00.000Z", "end": "2031-05-04T10:00:00.000Z" }),
            &s,
            &[before("start", "end")],
        )
        .unwrap();
        assert_eq!(got["end"], json!("2031-05-04T11:00:00.000Z"));

        // A time of day that cannot go later moves the first one earlier instead.
        let got = apply(
            json!({ "startTime": "23:59", "endTime": "23:59" }),
            &s,
            &[before("startTime", "endTime")],
        )
        .unwrap();
        assert_eq!(got, json!({ "startTime": "23:58", "endTime": "23:59" }));

        // A past `then` keeps its distance from now: `first` moves earlier.
        let past = json!({
            "type": "object",
            "properties": {
                "from": { "type": "string", "format": "date" },
                "to": { "type": "string", "format": "date", "x-past": true }
            }
        });
        let got = apply(
            json!({ "from": "2029-01-01", "to": "2029-01-01" }),
            &past,
            &[before("from", "to")],
        )
        .unwrap();
        assert_eq!(got, json!({ "from": "2028-12-31", "to": "2029-01-01" }));
    }

    #[test]
    fn before_rewrites_across_formats() {
        let s = json!({
            "type": "object",
            "properties": {
                "from": { "type": "string", "format": "date" },
                "to": { "type": "string", "format": "date-mdy" }
            }
        });
        let got = apply(
            json!({ "from": "2031-12-01", "to": "01/02/2031" }),
            &s,
            &[before("from", "to")],
        )
        .unwrap();
        assert_eq!(got, json!({ "from": "2031-01-02", "to": "12/01/2031" }));
    }

    #[test]
    fn sum_moves_the_parts_when_the_total_is_out_of_bounds() {
        let rule = [Rule::Sum {
            total: "totalTime".into(),
            parts: vec!["syncTime".into(), "asyncTime".into()],
        }];
        let got = apply(
            json!({ "syncTime": 500, "asyncTime": 400 }),
            &schema(),
            &rule,
        )
        .unwrap();
        assert_eq!(
            got,
            json!({ "syncTime": 200, "asyncTime": 400, "totalTime": 600 })
        );
        // Nothing present: nothing to do.
        assert_eq!(apply(json!({}), &schema(), &rule).unwrap(), json!({}));
    }

    #[test]
    fn rule_errors_say_what_to_change() {
        let s = schema();
        let cases: Vec<(Value, Vec<Rule>, &str)> = vec![
            (
                json!({}),
                vec![before("start", "nope")],
                "rules/0 (before): names `nope`, which the body schema does not declare under `properties`",
            ),
            (
                json!({}),
                vec![Rule::Exclusive { groups: vec![vec!["start".into()], vec!["title".into()]] }],
                "rules/0 (exclusive): `title` is required by the body schema, so its group cannot be left out; make it optional",
            ),
            (
                json!({ "title": "x", "startTime": "1:00" }),
                vec![before("title", "startTime")],
                "rules/0 (before): `title` = \"x\" is not a date-time, date, date-mdy or time-hm value",
            ),
            (
                json!({ "start": "2031-05-04T10:00:00.000Z", "startTime": "1:00" }),
                vec![before("start", "startTime")],
                "cannot be compared; give both the same kind of format",
            ),
            (
                json!({ "title": "x" }),
                vec![Rule::Sum { total: "totalTime".into(), parts: vec!["title".into()] }],
                "rules/0 (sum): mixes integer and number fields",
            ),
        ];
        for (body, rules, want) in cases {
            let err = apply(body, &s, &rules).unwrap_err().to_string();
            assert!(err.contains(want), "got: {err}\nwant: {want}");
        }
        let never = json!({
            "type": "object",
            "properties": { "a": { "type": "string", "x-never": true } }
        });
        let err = apply(
            json!({}),
            &never,
            &[Rule::OneOfRequired {
                fields: vec!["a".into()],
            }],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("every field is `x-never`"),
            "{err}"
        );
    }

    #[test]
    fn exclusive_groups_are_chosen_by_the_choices() {
        let env = Env::new();
        let mut kept_second = 0;
        for seed in 0..200 {
            let b = body(&env, &retry_sequence(seed, 256));
            if b.contains_key("startDate") {
                kept_second += 1;
            }
        }
        assert!((50..150).contains(&kept_second), "{kept_second}");
    }
}
