//! The main type here is [`Bundle`]: a certification's evidence folder, read back. [`write`](fn@write)
//! makes one (`report.json`, `junit.xml`, `report.html`, then `manifest.json` with their
//! hashes), [`verify`] checks one (the hashes hold, the specs are the ones in use, the
//! verdicts are those of the report), [`compare`] lines up two runs verdict by verdict
//! (`certify verify --rerun`), and [`merge`] makes one report of several partial ones.
//!
//! Not for: running checks (the caller runs, see [`CertifyOptions`](super::CertifyOptions)).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::html;
use super::manifest::{sha256_hex, BundleFile, Manifest, SpecFile};
use super::verdict::Certification;
use crate::report::run::{json as json_report, junit, Redactor};
use crate::run::partition::combine;
use crate::run::{RowVerdict, RunReport};
use crate::spec::SpecSet;

/// The files of a bundle, in the order the manifest lists them.
pub const FILES: [&str; 3] = ["report.json", "junit.xml", "report.html"];

/// What went wrong with a bundle: one line that names the file and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BundleError(pub String);

fn err(text: impl Into<String>) -> BundleError {
    BundleError(text.into())
}

/// A bundle read back: its manifest and its run report.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// `report.json` read back (secrets already redacted in it).
    pub report: RunReport,
}

/// Creates `dir` if missing and checks that it holds no file: where a bundle may be written.
/// Call it before a long run, so that the run is not lost to a folder in use.
pub fn ready(dir: &Path) -> Result<(), BundleError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
    let busy = std::fs::read_dir(dir)
        .map_err(|e| err(format!("cannot read {}: {e}", dir.display())))?
        .next()
        .is_some();
    if busy {
        return Err(err(format!(
            "{} is not empty: a bundle goes into a new or empty folder",
            dir.display()
        )));
    }
    Ok(())
}

/// Writes the bundle of `report` into `dir` (created if missing; it must hold no file yet).
/// `manifest` gives everything but `files` and `digest`, which are filled in; it is returned
/// as written. Every report is redacted with `redactor`; reproducers point at
/// `manifest.reproducers`.
pub fn write(
    dir: &Path,
    report: &RunReport,
    mut manifest: Manifest,
    set: &SpecSet,
    redactor: &Redactor,
) -> Result<Manifest, BundleError> {
    ready(dir)?;
    // Everything is rendered from the redacted report, so no format can re-render a secret.
    let report = redactor.redact_serialized(report).ok_or_else(|| {
        err(
            "a secret fixture value shows inside the run's numbers or words (seed, \
                 choices, timings, verdicts): a bundle keeps those as they are, so it cannot \
                 be written without showing the secret; certify with a longer, non-numeric secret",
        )
    })?;
    // The verdicts quote untested checks' reasons: taken again from the redacted report.
    let vendors: Vec<String> = manifest
        .certification
        .vendors
        .iter()
        .map(|v| v.vendor.clone())
        .collect();
    manifest.certification = Certification::of(&report, &vendors);
    // The seed, prefix and product stay as they are (a re-run needs them): a manifest that
    // would show a secret in them is refused rather than written. File hashes and the seal
    // are added after this check; they are hex digests, not values of the run.
    let mut probe = manifest.clone();
    probe.files.clear();
    let probe = probe.sealed_text();
    if redactor.redact(&probe) != probe {
        return Err(err(
            "the manifest would show a secret fixture value (in the seed, the prefix, the product \
             or the target); pass another --seed or --prefix",
        ));
    }
    let base = manifest.reproducers.clone();
    let json_text = serde_json::to_string_pretty(&json_report(&report, &base, redactor))
        .map_err(|e| err(format!("cannot serialize the JSON report: {e}")))?
        + "\n";
    let texts = [
        json_text,
        junit(&report, &base, redactor),
        html::page(&report, &manifest, set, &base, redactor),
    ];
    manifest.files.clear();
    for (name, text) in FILES.iter().zip(texts) {
        let path = dir.join(name);
        std::fs::write(&path, &text)
            .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
        manifest.files.push(BundleFile {
            name: name.to_string(),
            bytes: text.len() as u64,
            sha256: sha256_hex(text.as_bytes()),
        });
    }
    let text = manifest.sealed_text();
    let path = dir.join("manifest.json");
    std::fs::write(&path, text)
        .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
    Ok(manifest)
}

/// Reads the bundle in `dir`: its sealed manifest and its `report.json`. Does not check the
/// other hashes (see [`verify`]).
pub fn read(dir: &Path) -> Result<Bundle, BundleError> {
    let manifest = read_manifest(dir)?;
    let report = read_report(dir)?;
    Ok(Bundle {
        dir: dir.to_path_buf(),
        manifest,
        report,
    })
}

fn read_manifest(dir: &Path) -> Result<Manifest, BundleError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        err(format!(
            "cannot read {}: {e} (is {} a bundle written by `confuzz certify --out`?)",
            path.display(),
            dir.display()
        ))
    })?;
    Manifest::parse_sealed(&text).map_err(|e| err(format!("{}: {e}", dir.display())))
}

fn read_report(dir: &Path) -> Result<RunReport, BundleError> {
    let path = dir.join("report.json");
    let bytes =
        std::fs::read(&path).map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        err(format!(
            "{} is not a JSON report this confuzz reads: {e}",
            path.display()
        ))
    })
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verification {
    /// Each a reason the bundle does not hold: a changed or missing file, a spec that differs.
    pub problems: Vec<String>,
    /// Worth saying but no problem: a file that is not part of the bundle, a spec loaded now
    /// that the bundle did not load.
    pub notes: Vec<String>,
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
}

impl Verification {
    /// Whether the bundle holds.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the bundle in `dir`: the manifest's seal, the size and SHA-256 of every file it
/// lists, that its specs are `in_use` (vendor by vendor, saying which differ), and that the
/// seed, cases and verdicts of the manifest are those of `report.json`.
pub fn verify(dir: &Path, in_use: &[SpecFile]) -> Verification {
    let mut v = Verification::default();
    let m = match read_manifest(dir) {
        Ok(m) => m,
        Err(e) => {
            v.problems.push(e.0);
            return v;
        }
    };
    for f in &m.files {
        let path = dir.join(&f.name);
        match std::fs::read(&path) {
            Err(e) => v.problems.push(format!("{}: cannot read it: {e}", f.name)),
            Ok(bytes) => {
                let actual = sha256_hex(&bytes);
                if actual != f.sha256 || bytes.len() as u64 != f.bytes {
                    v.problems.push(format!(
                        "{} was changed: the manifest records {} bytes with SHA-256 {}, the file has {} bytes with SHA-256 {actual}",
                        f.name,
                        f.bytes,
                        f.sha256,
                        bytes.len()
                    ));
                }
            }
        }
    }
    for name in FILES {
        if !m.files.iter().any(|f| f.name == name) {
            v.problems
                .push(format!("the manifest does not list {name}"));
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let listed: BTreeSet<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
        let mut extra: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "manifest.json" && !listed.contains(n.as_str()))
            .collect();
        extra.sort();
        for n in extra {
            v.notes.push(format!(
                "{n} is not part of the bundle (not in the manifest)"
            ));
        }
    }
    for s in &m.specs {
        match in_use.iter().find(|u| u.vendor == s.vendor) {
            None => v.problems.push(format!(
                "spec of vendor {}: the bundle used {} (SHA-256 {}), no spec in use defines it",
                s.vendor, s.file, s.sha256
            )),
            Some(u) if u.sha256 != s.sha256 => v.problems.push(format!(
                "spec of vendor {} differs: the bundle used {} (SHA-256 {}), in use is {} (SHA-256 {})",
                s.vendor, s.file, s.sha256, u.file, u.sha256
            )),
            Some(_) => {}
        }
    }
    for u in in_use {
        if !m.specs.iter().any(|s| s.vendor == u.vendor) {
            v.notes.push(format!(
                "spec of vendor {} ({}) is in use but the bundle did not load it",
                u.vendor, u.file
            ));
        }
    }
    let r = match read_report(dir) {
        Ok(r) => r,
        Err(e) => {
            v.problems.push(e.0);
            v.manifest = Some(m);
            return v;
        }
    };
    if (
        r.seed,
        r.cases,
        r.strict,
        r.prefix.as_str(),
        r.target.as_str(),
    ) != (
        m.seed,
        m.cases,
        m.strict,
        m.prefix.as_str(),
        m.target.as_str(),
    ) {
        v.problems.push(
            "report.json and manifest.json disagree on the seed, cases, strictness, prefix or target"
                .into(),
        );
    }
    if Certification::of(&r, &m.options.vendors) != m.certification {
        v.problems
            .push("the verdicts in manifest.json are not those of report.json".into());
    }
    v.manifest = Some(m);
    v
}

/// One check whose verdict differs between two runs; `None`: the run has no such check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub id: String,
    pub before: Option<RowVerdict>,
    pub after: Option<RowVerdict>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = |v: Option<RowVerdict>| v.map(RowVerdict::as_str).unwrap_or("absent");
        write!(
            f,
            "{}: {} -> {}",
            self.id,
            word(self.before),
            word(self.after)
        )
    }
}

/// Every check of a report with its verdict, by id.
pub fn verdicts(report: &RunReport) -> BTreeMap<String, RowVerdict> {
    report.checks().map(|c| (c.id.clone(), c.verdict)).collect()
}

/// The checks whose verdicts differ between `before` and `after` (or that only one has), in
/// id order. Empty: the runs agree verdict by verdict.
pub fn compare(before: &RunReport, after: &RunReport) -> Vec<Difference> {
    let a = verdicts(before);
    let b = verdicts(after);
    let ids: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    ids.into_iter()
        .filter_map(|id| {
            let (x, y) = (a.get(id).copied(), b.get(id).copied());
            (x != y).then(|| Difference {
                id: id.clone(),
                before: x,
                after: y,
            })
        })
        .collect()
}

/// One report and manifest from partial bundles of one certification: the same product,
/// target, specs, seed, cases and options (but the vendors and partition each covers). Every
/// check must come from exactly one part. The merged manifest's `files` are left for
/// [`write`](fn@write); its date is the earliest part's, and `merged_from` names each part.
pub fn merge(parts: &[Bundle], set: &SpecSet) -> Result<(RunReport, Manifest), BundleError> {
    let Some(first) = parts.first() else {
        return Err(err("certify merge needs at least one bundle"));
    };
    let m0 = &first.manifest;
    for part in &parts[1..] {
        let m = &part.manifest;
        let name = part.dir.display();
        let first_name = first.dir.display();
        let same = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            let (a, b) = (format!("{a:?}"), format!("{b:?}"));
            if a == b {
                Ok(())
            } else {
                Err(err(format!(
                    "{name} and {first_name} are not parts of one certification: their {what} differ ({b} vs {a})"
                )))
            }
        };
        same("products", &m.product, &m0.product)?;
        same("targets", &m.target, &m0.target)?;
        same("seeds", &m.seed, &m0.seed)?;
        same("case counts", &m.cases, &m0.cases)?;
        same("prefixes", &m.prefix, &m0.prefix)?;
        same("tool versions", &m.tool, &m0.tool)?;
        let specs = |m: &Manifest| -> Vec<(String, String)> {
            m.specs
                .iter()
                .map(|s| (s.vendor.clone(), s.sha256.clone()))
                .collect()
        };
        same("specs", &specs(m), &specs(m0))?;
        m.options.same_certification(&m0.options).map_err(|d| {
            err(format!(
                "{name} and {first_name} are not parts of one certification: their options differ ({d})"
            ))
        })?;
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for part in parts {
        for id in verdicts(&part.report).into_keys() {
            if let Some(other) = seen.insert(id.clone(), part.dir.display().to_string()) {
                return Err(err(format!(
                    "check {id} is in both {other} and {}: the parts overlap",
                    part.dir.display()
                )));
            }
        }
    }
    let mut vendors: Vec<String> = Vec::new();
    for part in parts {
        for v in &part.manifest.options.vendors {
            if !vendors.contains(v) {
                vendors.push(v.clone());
            }
        }
    }
    // Report order: the vendors in load order, and the checks in the order of a whole run.
    let load_order: Vec<String> = set.specs.iter().map(|s| s.spec.vendor.id.clone()).collect();
    vendors.sort_by_key(|v| load_order.iter().position(|l| l == v).unwrap_or(usize::MAX));
    let report = combine(parts.iter().map(|p| &p.report), set);
    let mut manifest = m0.clone();
    manifest.date = parts
        .iter()
        .map(|p| p.manifest.date.clone())
        .min()
        .unwrap_or_default();
    manifest.options.vendors = vendors.clone();
    manifest.options.partition = None;
    manifest.merged_from = parts
        .iter()
        .map(|p| {
            let m = &p.manifest;
            format!(
                "{} ({}{}, {})",
                p.dir.display(),
                m.options.vendors.join(", "),
                m.options
                    .partition
                    .as_deref()
                    .map(|k| format!(", partition {k}"))
                    .unwrap_or_default(),
                m.date
            )
        })
        .collect();
    manifest.certification = Certification::of(&report, &vendors);
    manifest.files.clear();
    manifest.digest.clear();
    Ok((report, manifest))
}
