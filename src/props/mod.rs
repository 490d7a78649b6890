//! Cross-request properties: what a single request cannot show. Each property is a named check
//! over several requests (an order of checks, uniqueness under concurrency, state after a
//! rejected or deleted record, limits), driven by what the specs declare, and reported beside
//! the rows as a [`CheckResult`] of kind [`CheckKind::Property`](crate::check::CheckKind).
//!
//! A property is one entry of [`all`]: a name and a function from one vendor's spec to its
//! results (one per declared subject: an endpoint, a uniqueness key, a limit). The runner calls
//! every selected entry after the rows, one after another (a property that needs concurrency
//! makes its own threads). Requests are built by `exec::case::Session`, the machinery of the
//! rows' cases, and answers are judged by the oracle.
//!
//! Not for: single-row checks (see `run::runner`), or judging one answer (see `check`).

pub mod after_delete;
pub mod limit;
pub mod nothing_lost;
pub mod precedence;
pub mod unique;

use serde_json::{Map, Value};

use crate::check::result::check_selected;
use crate::check::{CheckResult, Oracle, Outcome};
use crate::exec::case::{CaseEnv, CaseError, Exchange, Session};
use crate::exec::options::RunOptions;
use crate::exec::seed::{case_prefix, rand_u64, rng_for};
use crate::generate::{Pool, UniqueCounter};
use crate::spec::{ErrorRow, Location, Rule, VendorSpec};
use crate::target::{Request, Response, Target};

/// One property: a name and the check that applies it to one vendor's spec.
#[derive(Clone, Copy)]
pub struct Property {
    /// The name `--properties` selects it by.
    pub name: &'static str,
    /// One line for `--help` and docs.
    pub summary: &'static str,
    /// Every result of this property for one vendor (none when the spec declares nothing it
    /// applies to, or the filters select none of its subjects).
    pub check: fn(&Context<'_>, &VendorSpec) -> Vec<CheckResult>,
    /// The ids of the results `check` gives for one vendor when nothing filters them, known
    /// before anything is sent (one libtest trial each under `testing::main`).
    pub subjects: fn(&VendorSpec) -> Vec<String>,
}

/// Every property, in report order.
pub fn all() -> Vec<Property> {
    vec![
        Property {
            name: "precedence",
            summary: "requests with two or three triggers answer the earliest row (declared order) or one of them",
            check: precedence::check,
            subjects: precedence::subjects,
        },
        Property {
            name: "nothing-lost",
            summary: "a rejected create, update or delete changes nothing: the record reads back the same and the valid twin succeeds once",
            check: nothing_lost::check,
            subjects: nothing_lost::subjects,
        },
        Property {
            name: "unique",
            summary: "concurrent identical creates: exactly one succeeds, the others answer the uniqueness row",
            check: unique::check,
            subjects: unique::subjects,
        },
        Property {
            name: "after-delete",
            summary: "requests naming a deleted record answer the documented row",
            check: after_delete::check,
            subjects: after_delete::subjects,
        },
        Property {
            name: "limit",
            summary: "the limit row answers exactly after the limit, not before",
            check: limit::check,
            subjects: limit::subjects,
        },
        Property {
            name: "stateful",
            summary: "random sequences of create, read, update and delete calls answer as a model of the declared resources predicts",
            check: stateful::check_spec,
            subjects: stateful::subjects,
        },
    ]
}

/// The properties `names` selects: `None` all, an empty list none. An unknown name is an error
/// naming the known ones.
pub fn select(names: Option<&[String]>) -> Result<Vec<Property>, crate::spec::UnknownName> {
    let known = all();
    let Some(names) = names else {
        return Ok(known);
    };
    let mut known_names: Vec<String> = known.iter().map(|p| p.name.to_string()).collect();
    known_names.push("none".to_string());
    crate::spec::check_names("property", "the properties are", names, &known_names)?;
    Ok(known
        .into_iter()
        .filter(|p| names.iter().any(|n| n == p.name))
        .collect())
}

/// What a property needs from its run.
pub struct Context<'a> {
    pub oracle: &'a Oracle,
    pub target: &'a dyn Target,
    pub fixtures: &'a Map<String, Value>,
    pub pool: &'a Pool,
    pub options: &'a RunOptions,
    /// The run prefix of created entities.
    pub prefix: &'a str,
    pub faults: Option<&'a [String]>,
    /// Read each time a request is built (see `RunOptions::clock`).
    pub clock: crate::target::Clock,
    /// The ids of the checks this part of a split run runs (`--partition`); `None`: all.
    pub only: Option<&'a std::collections::BTreeSet<String>>,
    /// The OAuth 1.0a convention of each vendor's target (see `run::signing`).
    pub signing: &'a std::collections::BTreeMap<String, crate::auth::oauth1::Convention>,
}

impl<'a> Context<'a> {
    /// Whether the run's `--row` filters select the property result `id` (by its id or a
    /// prefix of it, or by the bare vendor id), and its part of a split run is this one.
    pub fn selected(&self, spec: &VendorSpec, id: &str) -> bool {
        check_selected(&spec.vendor.id, id, &self.options.rows)
            && self.only.is_none_or(|only| only.contains(id))
    }

    /// The entity prefix of attempt `attempt` of the check `key` (stable for a seed).
    pub fn case_prefix(&self, key: &str, attempt: u32) -> String {
        case_prefix(self.prefix, key, &[], attempt)
    }

    /// The choice sequence of attempt `attempt` of the check `key` (stable for a seed).
    pub fn choices(&self, key: &str, attempt: u32) -> Vec<u64> {
        let mut rng = rng_for(self.options.seed, &format!("{key}#{attempt}"));
        (0..64).map(|_| rand_u64(&mut rng)).collect()
    }

    /// The environment of one session, under `prefix` with its own unique counter.
    pub fn env<'s>(&'s self, prefix: &'s str, unique: &'s UniqueCounter) -> CaseEnv<'s> {
        CaseEnv {
            target: self.target,
            fixtures: self.fixtures,
            run_prefix: prefix,
            pool: self.pool,
            unique,
            url_base: &self.options.url_base,
            host: self.options.host.as_deref(),
            faults: self.faults,
            clock: self.clock.clone(),
            signing: self.signing,
        }
    }

    /// Whether `response` answers `row` for the request in `record` (its alternatives and
    /// accepted rows included; an assumed difference counts only under `--strict`).
    pub fn answers(
        &self,
        spec: &VendorSpec,
        row: &ErrorRow,
        record: &crate::check::CaseRecord,
        response: &Response,
    ) -> bool {
        self.oracle
            .judge_row(spec, row, record, response, self.options.strict)
            .0
            != Outcome::Fail
    }

    /// One line naming what an answer is: its status and the row it looks like.
    pub fn describe(&self, spec: &VendorSpec, response: &Response) -> String {
        match self.oracle.classify(spec, response) {
            Some(row) => format!("{} (row {row})", response.status),
            None => format!("{} (an undocumented answer)", response.status),
        }
    }
}

/// A session's sequence of exchanges, numbered from 1 as reports print them.
pub(crate) struct Trace {
    pub exchanges: Vec<Exchange>,
}

impl Trace {
    pub fn new() -> Self {
        Trace {
            exchanges: Vec::new(),
        }
    }

    /// Takes the setup exchanges the session made since the last call.
    pub fn absorb(&mut self, session: &Session<'_, '_>, seen: &mut usize) {
        let setup = session.setup_exchanges();
        self.exchanges.extend(setup.iter().skip(*seen).cloned());
        *seen = setup.len();
    }

    /// Records one exchange and returns its number.
    pub fn push(&mut self, request: &Request, response: &Response) -> usize {
        self.exchanges.push(Exchange {
            request: request.clone(),
            response: response.clone(),
        });
        self.exchanges.len()
    }
}

/// Sends a request of a session and records it in the trace (setup exchanges first).
pub(crate) fn send(
    session: &Session<'_, '_>,
    trace: &mut Trace,
    seen: &mut usize,
    request: &Request,
) -> Result<(Response, usize), CaseError> {
    trace.absorb(session, seen);
    let response = session.send(request)?;
    let n = trace.push(request, &response);
    Ok((response, n))
}

/// The operators of a row's trigger when it is plain operators on a valid request (no setup
/// steps, not a limit), with its `pick`-th usable variant (modulo their number). A variant that
/// reuses a nonce is not usable: it needs the request sent twice, which only a row's case does.
/// `None` for a row whose trigger is not such.
pub(crate) fn plain_ops(row: &ErrorRow, pick: usize) -> Option<Vec<crate::spec::Op>> {
    use crate::spec::{OauthTamper, Op, TriggerKind};
    let t = row.trigger.as_ref()?;
    if !t.setup.is_empty() || matches!(t.kind, TriggerKind::Limit | TriggerKind::Setup) {
        return None;
    }
    let reuses = |ops: &[Op]| {
        ops.iter()
            .any(|op| matches!(op, Op::Oauth(OauthTamper::ReuseNonce)))
    };
    if reuses(&t.ops) {
        return None;
    }
    let usable: Vec<&Vec<Op>> = t.variants.iter().filter(|v| !reuses(v)).collect();
    let mut ops = t.ops.clone();
    if !t.variants.is_empty() {
        if usable.is_empty() {
            return None;
        }
        ops.extend(usable[pick % usable.len()].iter().cloned());
    }
    Some(ops)
}

/// Whether a request carries a whole uniqueness key: each of its fields is present, or stands
/// in an either-or rule of the endpoint with another field of the key that is present (a
/// course named by `courseID` or by `addCode`).
pub(crate) fn carries_key(
    record: &crate::check::CaseRecord,
    rules: &[Rule],
    fields: &[Location],
) -> bool {
    let present = |f: &Location| record.sent(f).is_some();
    let partners = |f: &str| -> Vec<String> {
        rules
            .iter()
            .flat_map(|r| match r {
                Rule::OneOfRequired { fields } if fields.iter().any(|x| x == f) => fields.clone(),
                Rule::Exclusive { groups } if groups.iter().flatten().any(|x| x == f) => {
                    groups.iter().flatten().cloned().collect()
                }
                _ => Vec::new(),
            })
            .collect()
    };
    fields.iter().any(present)
        && fields.iter().all(|f| {
            present(f)
                || f.form_field().is_some_and(|name| {
                    partners(name).iter().any(|p| {
                        fields
                            .iter()
                            .any(|g| g.form_field() == Some(p) && g != f && present(g))
                    })
                })
        })
}

/// A subject's slug for a property id: lower-case alphanumerics and dashes.
pub(crate) fn slug(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            p.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .trim_matches('-')
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_name() {
        assert_eq!(select(None).unwrap().len(), all().len());
        assert!(select(Some(&[])).unwrap().is_empty());
        let one = select(Some(&["unique".to_string()])).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].name, "unique");
        let err = select(Some(&["uniq".to_string()])).err().unwrap();
        assert_eq!((err.what, err.name.as_str()), ("property", "uniq"));
        assert!(err.known.iter().any(|k| k == "precedence"));
        let text = err.to_string();
        assert!(text.contains("unknown property `uniq`") && text.contains("precedence"));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug(&["user-create", "/userID", "/schoolID"]),
            "user-create-userid-schoolid"
        );
    }
}
pub mod stateful;
