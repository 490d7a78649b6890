//! The main type here is [`Manifest`]: what a bundle certifies against what (tool, specs with
//! their SHA-256, target, product, date, seed, case count, options, the verdicts) and the
//! SHA-256 of every other file of the bundle. The manifest seals itself: `digest` is the
//! SHA-256 of the manifest's own text with `digest` set to 64 zeros, so a changed byte
//! anywhere in the bundle shows. The schema is in `docs/report-format.md`.
//!
//! The hashes give integrity, not authenticity: anyone can recompute them. A vendor that
//! needs to prove who made a bundle signs `manifest.json` with its own tools.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::verdict::{Certification, CertifyOptions};
use crate::run::RunReport;
use crate::spec::SpecSet;

/// The version of the manifest format (`docs/report-format.md`).
pub const MANIFEST_FORMAT: u32 = 1;

/// What stands in for `digest` while the manifest's own hash is computed.
const UNSEALED: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The tool that made a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This build of confuzz.
    pub fn this() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// One spec file the run loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecFile {
    pub vendor: String,
    /// The file as the loader named it (`specs/VENDOR.yaml` for the embedded ones).
    pub file: String,
    pub sha256: String,
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What a bundle certifies against what; see the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub tool: Tool,
    /// The product certified, as given to `--product` ("Name 1.2.3").
    pub product: String,
    /// What was checked: a URL, `embedded reference`, ...
    pub target: String,
    /// Where the reproducers of the reports point.
    pub reproducers: String,
    /// When the run started, RFC 3339 in UTC.
    pub date: String,
    pub seed: u64,
    pub cases: u32,
    /// The run-unique prefix of created entities.
    pub prefix: String,
    /// Always true: a certification run is strict.
    pub strict: bool,
    pub options: CertifyOptions,
    /// Every spec file loaded (also those of vendors not certified), in load order.
    pub specs: Vec<SpecFile>,
    pub certification: Certification,
    /// The partial bundles this one was merged from (their dates and partitions), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// Every other file of the bundle.
    pub files: Vec<BundleFile>,
    /// The SHA-256 of this manifest's text with this field set to 64 zeros.
    pub digest: String,
}

impl Manifest {
    /// The manifest of a finished certification run (files and digest are filled in by
    /// [`write`](super::write)): the verdicts are computed from `report` for
    /// `options.vendors`; `date` is when the run started (RFC 3339), `reproducers` where the
    /// reports' `curl` lines point.
    pub fn new(
        product: &str,
        report: &RunReport,
        options: CertifyOptions,
        specs: Vec<SpecFile>,
        reproducers: &str,
        date: &str,
    ) -> Self {
        Manifest {
            format: MANIFEST_FORMAT,
            tool: Tool::this(),
            product: product.to_string(),
            target: report.target.clone(),
            reproducers: reproducers.to_string(),
            date: date.to_string(),
            seed: report.seed,
            cases: report.cases,
            prefix: report.prefix.clone(),
            strict: report.strict,
            certification: Certification::of(report, &options.vendors),
            options,
            specs,
            merged_from: Vec::new(),
            files: Vec::new(),
            digest: String::new(),
        }
    }

    /// The manifest's text, sealed: `digest` is set to the hash of the text.
    pub fn sealed_text(&mut self) -> String {
        self.digest = UNSEALED.into();
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        let digest = sha256_hex(text.as_bytes());
        self.digest = digest.clone();
        text.replacen(
            &format!("\"digest\": \"{UNSEALED}\""),
            &format!("\"digest\": \"{digest}\""),
            1,
        )
    }

    /// Parses a manifest's text and checks its seal. `Err` says what is wrong, in words.
    pub fn parse_sealed(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = serde_json::from_str(text).map_err(ManifestError::NotAManifest)?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(ManifestError::Format {
                found: manifest.format,
            });
        }
        let field = format!("\"digest\": \"{}\"", manifest.digest);
        if manifest.digest.len() != 64 || text.matches(&field).count() != 1 {
            return Err(ManifestError::DigestDamaged);
        }
        let unsealed = text.replacen(&field, &format!("\"digest\": \"{UNSEALED}\""), 1);
        let actual = sha256_hex(unsealed.as_bytes());
        if actual != manifest.digest {
            return Err(ManifestError::Changed {
                recorded: manifest.digest,
                actual,
            });
        }
        Ok(manifest)
    }
}

/// Why a manifest could not be read back, or the spec files of a run not hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not JSON, or not the shape of a manifest.
    #[error("manifest.json is not a manifest: {0}")]
    NotAManifest(#[source] serde_json::Error),
    /// A manifest format this version does not read.
    #[error("manifest.json has format {found}; this confuzz reads format {MANIFEST_FORMAT}")]
    Format { found: u32 },
    /// The digest field is missing, malformed or not found once in the text.
    #[error("manifest.json: its digest field is damaged")]
    DigestDamaged,
    /// The text does not hash to the digest it records: it was edited.
    #[error("manifest.json was changed after it was written: its digest is {recorded}, its text hashes to {actual}")]
    Changed { recorded: String, actual: String },
    /// A spec said to be embedded is not one of the embedded specs.
    #[error("{0} is not an embedded spec")]
    NotEmbedded(String),
    /// A spec file could not be read again to hash it.
    #[error("cannot read {file} to hash it: {source}")]
    Unreadable {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// The spec files of `set` with their SHA-256. `spec_path` is the path given to `--spec`
/// (the files are read again from where the loader named them); `None`: the embedded specs.
pub fn spec_files(set: &SpecSet, spec_path: Option<&Path>) -> Result<Vec<SpecFile>, ManifestError> {
    set.specs
        .iter()
        .map(|loaded| {
            let sha256 = match spec_path {
                None => crate::spec::load::EMBEDDED_SPECS
                    .iter()
                    .find(|(name, _)| format!("specs/{name}") == loaded.file)
                    .map(|(_, text)| sha256_hex(text.as_bytes()))
                    .ok_or_else(|| ManifestError::NotEmbedded(loaded.file.clone()))?,
                Some(_) => {
                    let bytes = std::fs::read(&loaded.file).map_err(|source| {
                        ManifestError::Unreadable {
                            file: loaded.file.clone(),
                            source,
                        }
                    })?;
                    sha256_hex(&bytes)
                }
            };
            Ok(SpecFile {
                vendor: loaded.spec.vendor.id.clone(),
                file: loaded.file.clone(),
                sha256,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_vectors() {
        // FIPS 180-2 examples.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
