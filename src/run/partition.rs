//! The main type here is [`Partition`]: one part `K/N` of a run split across machines
//! (`confuzz run --partition K/N`). [`assign`] splits the checks of a run into `N` parts, and
//! [`merge`] makes one report of the parts' reports (`confuzz merge`).
//!
//! The split is by check id and deterministic: every part computes the same assignment from the
//! same specs and options. Checks that share a target's state stay in one part: every check
//! gives a group key (its own id, or a key it shares with others, see `runner::group_key`), the
//! groups are assigned largest first, each to the part with the fewest checks so far (ties:
//! the lowest part, then group keys in order). So the draws of a vendor's `x-pool` fixtures
//! all happen in one part, in the order of the whole run, and parts running at once against
//! one target never take the same pool element; created entities are named per check id
//! already (`runner::case_prefix`), so they never collide either.
//!
//! Not for: running checks (see `runner`), or rendering a report (see `report::run`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::runner::RunOptions;
use super::runner::RunReport;
use crate::check::result::Summary;
pub use crate::exec::options::Partition;
use crate::spec::SpecSet;
use crate::target::RetrySummary;

/// What decides the requests of a run besides its seed, prefix, cases and strictness (which
/// the report carries on their own): reports of one split run have equal options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSettings {
    /// The vendors loaded, in load order.
    pub vendors: Vec<String>,
    /// The `--row` filters.
    #[serde(default)]
    pub rows: Vec<String>,
    /// The properties selected (`None`: all).
    #[serde(default)]
    pub properties: Option<Vec<String>>,
    /// Whether valid-request checks ran.
    pub positive: bool,
    /// Whether failures were shrunk.
    pub shrink: bool,
    /// The fault hooks used (`None`: every fault a spec declares).
    #[serde(default)]
    pub faults: Option<Vec<String>>,
    /// Whether the transport policy retried.
    pub retry: bool,
    /// At most this many requests per second.
    #[serde(default)]
    pub rate: Option<u32>,
}

impl RunSettings {
    /// The settings of a run of `set` with `options`.
    pub fn of(set: &SpecSet, options: &RunOptions) -> Self {
        RunSettings {
            vendors: set.specs.iter().map(|s| s.spec.vendor.id.clone()).collect(),
            rows: options.rows.clone(),
            properties: options.properties.clone(),
            positive: options.positive,
            shrink: options.shrink,
            faults: options.faults.clone(),
            retry: options.retry.is_some(),
            rate: options.rate,
        }
    }
}

/// The SHA-256 (hex) of the loaded specs as the run read them (their parsed content, in load
/// order): two runs with equal fingerprints checked the same tables.
pub fn fingerprint(set: &SpecSet) -> String {
    let mut hash = Sha256::new();
    for loaded in &set.specs {
        let text = serde_json::to_string(&loaded.spec).unwrap_or_default();
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The part of every check: `checks` are `(id, group key)` in report order; checks with the
/// same group key get the same part. Groups go largest first (more checks), each to the part
/// with the fewest checks so far; ties go to the lower part, and groups of equal size in the
/// order of their first check. Returns the part (1-based) of every id.
pub fn assign(checks: &[(String, String)], count: u32) -> BTreeMap<String, u32> {
    let count = count.max(1);
    // Groups in the order of their first check.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, key) in checks {
        let at = *index.entry(key.as_str()).or_insert_with(|| {
            groups.push((key.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(id.as_str());
    }
    // A stable sort: equal sizes keep their order.
    groups.sort_by_key(|(_, ids)| std::cmp::Reverse(ids.len()));
    let mut load = vec![0usize; count as usize];
    let mut out = BTreeMap::new();
    for (_, ids) in groups {
        let part = (0..load.len()).min_by_key(|&p| (load[p], p)).unwrap_or(0);
        load[part] += ids.len();
        for id in ids {
            out.insert(id.to_string(), part as u32 + 1);
        }
    }
    out
}

/// Why partial reports could not be merged: one line that names the files and what differs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// One report of the reports of a split run, as the whole run would have made it: its checks in
/// the order of the whole run (the order of `set`: rows, valid-request checks, properties), its
/// summary counted again. `parts` are `(name, report)`, the name (a file) for error messages.
///
/// Refuses reports of other specs (their fingerprints differ, or differ from `set`'s: load the
/// specs and vendors of the run), seeds, prefixes, cases, strictness or options, reports that
/// are no part (made without `--partition`), of different part counts, a part given twice or
/// missing, and a check in two parts.
pub fn merge(parts: &[(String, RunReport)], set: &SpecSet) -> Result<RunReport, MergeError> {
    let err = |text: String| Err(MergeError(text));
    let Some((first_name, first)) = parts.first() else {
        return err("merge needs at least one report".into());
    };
    for (name, r) in parts {
        if r.spec.is_none() || r.options.is_none() {
            return err(format!(
                "{name} has no spec fingerprint or options: it was written by an older confuzz; run that part again"
            ));
        }
        if r.partition.is_none() {
            return err(format!(
                "{name} is the report of a whole run, not of a part: merge the reports of `confuzz run --partition K/N --format json`"
            ));
        }
    }
    let in_use = fingerprint(set);
    if first.spec.as_deref() != Some(in_use.as_str()) {
        return err(format!(
            "{first_name} was made with other specs than those in use (spec fingerprint {} vs {in_use}): pass the --spec and --vendor of the run",
            first.spec.as_deref().unwrap_or_default()
        ));
    }
    for (name, r) in &parts[1..] {
        let differ = |what: &str, a: String, b: String| {
            err(format!(
                "{name} and {first_name} are not parts of one run: their {what} differ ({a} vs {b})"
            ))
        };
        if r.spec != first.spec {
            return differ(
                "specs (fingerprints)",
                r.spec.clone().unwrap_or_default(),
                first.spec.clone().unwrap_or_default(),
            );
        }
        if r.seed != first.seed {
            return differ("seeds", r.seed.to_string(), first.seed.to_string());
        }
        if r.prefix != first.prefix {
            return differ("prefixes", r.prefix.clone(), first.prefix.clone());
        }
        if r.cases != first.cases {
            return differ("case counts", r.cases.to_string(), first.cases.to_string());
        }
        if r.strict != first.strict {
            return differ("strictness", r.strict.to_string(), first.strict.to_string());
        }
        if r.options != first.options {
            let (a, b) = (
                serde_json::to_value(&r.options).unwrap_or_default(),
                serde_json::to_value(&first.options).unwrap_or_default(),
            );
            let (key, x, y) = a
                .as_object()
                .into_iter()
                .flatten()
                .find(|(k, v)| b.get(k.as_str()) != Some(*v))
                .map(|(k, v)| (k.clone(), v.to_string(), b[k.as_str()].to_string()))
                .unwrap_or_else(|| ("options".into(), a.to_string(), b.to_string()));
            return differ(&format!("options ({key})"), x, y);
        }
    }
    // Every part of 1..=N exactly once.
    let count = first.partition.map(|p| p.count).unwrap_or(1);
    let mut given: BTreeMap<u32, &str> = BTreeMap::new();
    for (name, r) in parts {
        let p = r.partition.unwrap_or(Partition { index: 1, count });
        if p.count != count {
            return err(format!(
                "{name} is part {p} and {first_name} part {} of a split into {count}: the splits differ",
                first.partition.unwrap_or(p)
            ));
        }
        if let Some(other) = given.insert(p.index, name) {
            return err(format!(
                "part {p} is given twice: {other} and {name}; the parts overlap"
            ));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !given.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return err(format!(
            "the merge lacks part{} {}: run `confuzz run --partition {}` with the same seed and options and merge its report too",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            missing[0]
        ));
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, r) in parts {
        for check in r.checks() {
            if let Some(other) = seen.insert(check.id.as_str(), name) {
                return err(format!(
                    "check {} is in both {other} and {name}: the parts overlap",
                    check.id
                ));
            }
        }
    }
    let mut merged = combine(parts.iter().map(|(_, r)| r), set);
    merged.partition = None;
    Ok(merged)
}

/// The reports of parts of one run (already checked to belong together) as one report: the
/// fields of the first, the checks of all in the order of the whole run of `set` (unknown ids
/// last, in the order given), the summary counted again, the longest elapsed time (the parts
/// may have run side by side), the retries added up, every stop reason, and the targets
/// (one, or each distinct one joined by `, `).
pub fn combine<'r>(parts: impl IntoIterator<Item = &'r RunReport>, set: &SpecSet) -> RunReport {
    let parts: Vec<&RunReport> = parts.into_iter().collect();
    let order: BTreeMap<String, usize> = super::runner::report_order(set)
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    let mut checks: Vec<_> = parts.iter().flat_map(|p| p.checks().cloned()).collect();
    checks.sort_by_key(|c| order.get(&c.id).copied().unwrap_or(usize::MAX));
    let mut targets: Vec<&str> = Vec::new();
    for p in &parts {
        if !targets.contains(&p.target.as_str()) {
            targets.push(&p.target);
        }
    }
    let transport = parts.iter().fold(RetrySummary::default(), |mut sum, p| {
        let t = &p.transport;
        sum.retries += t.retries;
        sum.retry_after_too_long += t.retry_after_too_long;
        for (cause, n) in &t.causes {
            *sum.causes.entry(cause.clone()).or_default() += n;
        }
        sum
    });
    let reasons: BTreeSet<&str> = parts.iter().filter_map(|p| p.stopped.as_deref()).collect();
    let first = parts.first();
    RunReport {
        seed: first.map(|r| r.seed).unwrap_or_default(),
        prefix: first.map(|r| r.prefix.clone()).unwrap_or_default(),
        target: targets.join(", "),
        strict: first.is_some_and(|r| r.strict),
        cases: first.map(|r| r.cases).unwrap_or_default(),
        summary: Summary::of(&checks),
        checks,
        elapsed_ms: parts.iter().map(|p| p.elapsed_ms).max().unwrap_or(0),
        transport,
        stopped: (!reasons.is_empty()).then(|| reasons.into_iter().collect::<Vec<_>>().join("; ")),
        // The conventions every part found, by vendor.
        signing: parts.iter().flat_map(|p| p.signing.clone()).collect(),
        spec: first.and_then(|r| r.spec.clone()),
        options: first.and_then(|r| r.options.clone()),
        partition: first.and_then(|r| r.partition),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_or_say_what_to_write() {
        assert_eq!(
            "2/3".parse::<Partition>(),
            Ok(Partition { index: 2, count: 3 })
        );
        assert_eq!(Partition { index: 2, count: 3 }.to_string(), "2/3");
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/b", ""] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert!(e.contains("write K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn groups_stay_together_and_go_largest_first() {
        let checks: Vec<(String, String)> = [
            ("a.1", "a.1"),
            ("b.1", "b.state"),
            ("a.2", "a.2"),
            ("b.2", "b.state"),
            ("b.3", "b.state"),
            ("a.3", "a.3"),
        ]
        .iter()
        .map(|(i, k)| (i.to_string(), k.to_string()))
        .collect();
        let parts = assign(&checks, 2);
        // The group of three first, to part 1; the singletons fill part 2, still the lighter.
        assert_eq!(parts["b.1"], 1);
        assert_eq!(parts["b.2"], 1);
        assert_eq!(parts["b.3"], 1);
        assert_eq!(parts["a.1"], 2);
        assert_eq!(parts["a.2"], 2);
        assert_eq!(parts["a.3"], 2);
        assert_eq!(parts.len(), 6);
        // One part: everything in it.
        assert!(assign(&checks, 1).values().all(|&p| p == 1));
        // More parts than groups: some parts are empty, none is out of range.
        assert!(assign(&checks, 9).values().all(|&p| (1..=9).contains(&p)));
    }
}
