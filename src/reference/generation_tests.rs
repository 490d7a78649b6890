//! The generators never produce a documented error: for any choice sequence, the valid request
//! of every endpoint (built by `valid_draft` with the reference fixtures, after the endpoint's
//! setup) is accepted by the embedded reference. And the same choices build the same request.
//!
//! A test of the generators' internals (drafts, choices, case execution), kept beside the
//! reference they are checked against.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{Config, Reference};
use crate::auth::oauth1::Convention;
use crate::check::Oracle;
use crate::exec::case::{execute_valid, CaseEnv, CaseRun};
use crate::exec::seed::case_prefix;
use crate::generate::draft::{valid_draft, Draft, DraftEnv};
use crate::generate::{choices_strategy, Choices, GenContext, Pool, UniqueCounter};
use crate::spec::{Endpoint, SpecSet, VendorSpec};
use crate::target::{Request, Response, Target};

fn specs() -> SpecSet {
    crate::spec::load_embedded().expect("the shipped specs load")
}

fn reference() -> Reference {
    Reference::new(Config::default())
}

struct Shared {
    set: SpecSet,
    fixtures: Map<String, Value>,
    oracle: Oracle,
    now: chrono::DateTime<chrono::Utc>,
    /// The OAuth 1.0a convention the reference verifies each vendor's requests with.
    signing: BTreeMap<String, Convention>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let set = specs();
        let oracle = Oracle::new(&set);
        let reference = reference();
        let signing = set
            .specs
            .iter()
            .map(|s| {
                let id = s.spec.vendor.id.clone();
                let convention = reference.oauth1_convention(&id);
                (id, convention)
            })
            .collect();
        Shared {
            fixtures: reference.fixtures(),
            oracle,
            set,
            now: chrono::Utc::now(),
            signing,
        }
    })
}

fn endpoints(set: &SpecSet) -> impl Iterator<Item = (&VendorSpec, &Endpoint)> {
    set.specs
        .iter()
        .flat_map(|s| s.spec.endpoints.iter().map(move |e| (&s.spec, e)))
}

/// Whether the endpoint declares this status a success (any 2xx when it declares none).
fn accepted(endpoint: &Endpoint, response: &Response) -> bool {
    if endpoint.success.is_empty() {
        (200..300).contains(&response.status)
    } else {
        endpoint.success.contains(&response.status)
    }
}

/// A valid request to `endpoint` (its setup first) sent to `target`, built from `choices`.
fn valid_request(
    target: &dyn Target,
    pool: &Pool,
    spec: &VendorSpec,
    endpoint: &Endpoint,
    choices: &[u64],
) -> CaseRun {
    let s = shared();
    let prefix = case_prefix(
        "czgen",
        &format!("{}.{}", spec.vendor.id, endpoint.id),
        choices,
        0,
    );
    let unique = UniqueCounter::new();
    let env = CaseEnv {
        target,
        fixtures: &s.fixtures,
        run_prefix: &prefix,
        pool,
        unique: &unique,
        url_base: "http://localhost",
        host: Some("localhost"),
        faults: None,
        clock: crate::target::Clock::fixed(s.now),
        signing: &s.signing,
    };
    execute_valid(&env, spec, endpoint, choices)
        .unwrap_or_else(|e| panic!("{}.{}: {e}", spec.vendor.id, endpoint.id))
}

/// The variables the endpoint's setup saves from answers (`response:...`), following setup
/// steps into their own endpoints' setups: the ids the reference chose, some at random
/// (Clever's assignment UUIDs).
fn answer_vars(spec: &VendorSpec, endpoint: &Endpoint, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for step in &endpoint.setup {
        for (name, source) in &step.save {
            if source.from().reads_answer() {
                out.push(name.clone());
            }
        }
        if let (Some(inner), true) = (spec.endpoint(&step.endpoint), depth < 4) {
            out.extend(answer_vars(spec, inner, depth + 1));
        }
    }
    out
}

/// Every request of a case (setup, then the request under test), with the values the
/// reference chose written as `${name}`; everything the harness built is compared as sent.
fn sent(run: &CaseRun, chosen_by_target: &[String]) -> Vec<String> {
    let mut chosen: Vec<(&String, String)> = run
        .record
        .vars
        .iter()
        .filter(|(name, _)| chosen_by_target.contains(name))
        .map(|(name, v)| {
            (
                name,
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect();
    chosen.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    run.setup
        .iter()
        .map(|x| &x.request)
        .chain([&run.record.request])
        .map(|request| {
            let mut text = serde_json::to_string(request).unwrap();
            for (name, value) in &chosen {
                text = text.replace(value.as_str(), &format!("${{{name}}}"));
            }
            text
        })
        .collect()
}

/// `valid_draft` for the endpoint with fresh run state, then authenticated and serialized.
fn draft_request(
    spec: &VendorSpec,
    endpoint: &Endpoint,
    vars: &BTreeMap<String, Value>,
    choices: &[u64],
    prefix: &str,
) -> (Draft, Request) {
    let s = shared();
    let prefix = case_prefix(prefix, &endpoint.id, choices, 0);
    let pool = Pool::new(&s.fixtures);
    let unique = UniqueCounter::new();
    let env = DraftEnv {
        gen: GenContext {
            fixtures: &s.fixtures,
            vars,
            run_prefix: &prefix,
            now: s.now,
            pool: &pool,
            unique: &unique,
        },
        faults: None,
        oauth1: s.signing.get(&spec.vendor.id).copied().unwrap_or_default(),
    };
    let draft = valid_draft(endpoint, &env, &mut Choices::new(choices))
        .unwrap_or_else(|e| panic!("{}.{}: {e}", spec.vendor.id, endpoint.id));
    let mut request = draft
        .finish(
            &spec.vendor,
            &env,
            "http://localhost",
            &format!("{prefix}n"),
            s.now.timestamp() as u64,
        )
        .unwrap();
    request.set_header("Host", "localhost");
    (draft, request)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_valid_request_is_accepted(choices in choices_strategy()) {
        let s = shared();
        let reference = reference();
        let pool = Pool::new(&s.fixtures);
        for (spec, endpoint) in endpoints(&s.set) {
            // The case as the runner builds it: the endpoint's setup, then its valid draft.
            let run = valid_request(&reference, &pool, spec, endpoint, &choices);
            prop_assert!(
                accepted(endpoint, &run.response),
                "{}.{} answered {} {:?} (documented as {:?}) to {:#?}",
                spec.vendor.id,
                endpoint.id,
                run.response.status,
                run.response.text_body(),
                s.oracle.classify(spec, &run.response),
                run.record.request
            );
            // An endpoint without setup: its valid draft straight from `valid_draft`.
            if endpoint.setup.is_empty() {
                let (_, request) = draft_request(spec, endpoint, &BTreeMap::new(), &choices, "czdirect");
                let response = reference.send(&request).unwrap();
                prop_assert!(
                    accepted(endpoint, &response),
                    "{}.{} answered {} {:?} to {:#?}",
                    spec.vendor.id,
                    endpoint.id,
                    response.status,
                    response.text_body(),
                    request
                );
            }
        }
    }

    #[test]
    fn the_same_choices_build_the_same_request(choices in choices_strategy()) {
        let s = shared();
        // The whole case, setup included, against two fresh references.
        let (one, two) = (reference(), reference());
        let (pool_one, pool_two) = (Pool::new(&s.fixtures), Pool::new(&s.fixtures));
        for (spec, endpoint) in endpoints(&s.set) {
            let a = valid_request(&one, &pool_one, spec, endpoint, &choices);
            let b = valid_request(&two, &pool_two, spec, endpoint, &choices);
            let chosen = answer_vars(spec, endpoint, 0);
            prop_assert_eq!(sent(&a, &chosen), sent(&b, &chosen));
            let built = |run: &CaseRun| {
                run.record
                    .vars
                    .iter()
                    .filter(|(k, _)| !chosen.contains(k) && !k.starts_with("path:"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(built(&a), built(&b));

            // The draft alone, from the variables the setup saved.
            let vars = &a.record.vars;
            prop_assert_eq!(
                draft_request(spec, endpoint, vars, &choices, "czsame"),
                draft_request(spec, endpoint, vars, &choices, "czsame")
            );
        }
    }
}

#[test]
fn the_reference_accepts_the_simplest_and_the_busiest_requests() {
    // The two ends of the choice space: every choice 0 (optional fields left out, shortest
    // values) and every choice the largest (optional fields in, longest values).
    let s = shared();
    for choices in [Vec::new(), vec![u64::MAX; 512], vec![1; 512]] {
        let reference = reference();
        let pool = Pool::new(&s.fixtures);
        for (spec, endpoint) in endpoints(&s.set) {
            let run = valid_request(&reference, &pool, spec, endpoint, &choices);
            assert!(
                accepted(endpoint, &run.response),
                "{}.{} answered {} {} to {:#?}",
                spec.vendor.id,
                endpoint.id,
                run.response.status,
                run.response.text_body(),
                run.record.request
            );
        }
    }
}
