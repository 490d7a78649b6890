//! Where requests use and give back the values of fixture pools (`x-pool`), read from the
//! spec: the locations operators draw at ([`op_draws`]; an endpoint's own are
//! [`Endpoint::pool_sites`]), the requests that
//! give a use back ([`released_at`]), the delete that undoes a create ([`undo_of`]) and the
//! draws a step keeps for later ([`keeps_draw`]). The case machinery (`exec::case`) counts the
//! uses of the run's [`Pool`](super::Pool) with these; the runner's planner (`run::pools`)
//! plays the same reading before a run.
//!
//! Not for: drawing values ([`Pool`](super::Pool)) or planning a run.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::spec::*;

/// Where operators draw a pool value themselves (`set: { LOCATION: { pool: NAME } }`):
/// (pool, location, the variable it is recorded as).
pub fn op_draws(ops: &[Op]) -> Vec<(String, Location, Option<String>)> {
    ops.iter()
        .flat_map(|op| match op {
            Op::Set(map) => map
                .iter()
                .filter_map(|(at, v)| Some((v.pool.clone()?, at.clone(), v.as_var.clone())))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Where a successful request to `endpoint` gives a value of a pool back: (pool, location).
pub fn released_at(spec: &VendorSpec, endpoint: &str) -> Vec<(String, Location)> {
    spec.vendor
        .fixtures
        .iter()
        .filter_map(|f| f.pool.as_ref().map(|rule| (f, rule)))
        .flat_map(|(f, rule)| {
            rule.released_by
                .iter()
                .filter(|r| r.endpoint == endpoint)
                .map(|r| (f.name.clone(), r.at.clone()))
        })
        .collect()
}

/// The delete that undoes a successful request to `endpoint` (a create) that used `value` of
/// `pool`, so the value's use comes back: an endpoint that `deletes` what `endpoint`
/// `creates` and releases the pool at one of its path parameters. Returns it with the
/// variables its path takes: the value, and the create's path parameters of the same names
/// (`path_params`). `None` when there is none, or a parameter cannot be filled that way.
pub fn undo_of<'s>(
    spec: &'s VendorSpec,
    endpoint: &Endpoint,
    pool: &str,
    value: &Value,
    path_params: &BTreeMap<String, String>,
) -> Option<(&'s Endpoint, BTreeMap<String, Value>)> {
    let made = endpoint.creates.as_deref()?;
    spec.endpoints
        .iter()
        .filter(|d| d.deletes.as_deref() == Some(made))
        .find_map(|delete| {
            let released = released_at(spec, &delete.id);
            let Some(Location::Path(at)) =
                released.iter().find(|(p, _)| p == pool).map(|(_, at)| at)
            else {
                return None;
            };
            let mut vars = BTreeMap::new();
            for (name, schema) in &delete.params.path {
                let var = schema.get("x-var").and_then(Value::as_str)?;
                let v = if name == at {
                    value.clone()
                } else {
                    Value::String(path_params.get(name)?.clone())
                };
                vars.insert(var.to_string(), v);
            }
            Some((delete, vars))
        })
}

/// Whether the draws of a step's own request are kept in a variable (its `save` reads the
/// request where the endpoint draws from a pool): such a value is used again later in the
/// case, so it is drawn fresh, one no request of the run has used.
pub fn keeps_draw(step: &Step, endpoint: &Endpoint) -> bool {
    let drawn = endpoint.pool_sites();
    step.save.values().any(|source| match source.from() {
        SaveFrom::Request(at) => drawn.iter().any(|(_, d)| d == at),
        _ => false,
    })
}
