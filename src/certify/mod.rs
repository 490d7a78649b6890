//! Certification: a strict run of every check of the chosen vendors, and the evidence bundle a
//! vendor hands over. The main types are [`Certification`] (the verdict per vendor and overall,
//! from a finished [`RunReport`](crate::run::RunReport)) and [`Manifest`] (what was certified
//! against what, with the SHA-256 of every file of the bundle).
//!
//! - [`verdict`]: the certification options, the run they make, and the verdicts.
//! - [`manifest`]: the manifest, spec and file hashes.
//! - [`html`]: the self-contained page a person reads.
//! - [`bundle`]: writing a bundle, verifying it, comparing a re-run, merging partial bundles.
//!
//! Not for: running checks (see `run`) or the other report formats (see `report`).

pub mod bundle;
pub mod html;
pub mod manifest;
pub mod verdict;

pub use bundle::{
    compare, merge, read, verify, write, Bundle, BundleError, Difference, Verification,
};
pub use manifest::{sha256_hex, spec_files, Manifest, ManifestError, SpecFile, MANIFEST_FORMAT};
pub use verdict::{Certification, CertifyOptions, OptionsDiffer, VendorVerdict, CERTIFY_CASES};
