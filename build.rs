//! Embeds every spec file under `specs/` (and the meta-schema) into the binary, so every
//! command works from any directory. Adding a vendor is adding a file: nothing to register.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not with `env!`: a build script compiled in one checkout and reused by
    // another (a copied target dir) must still embed the specs of the checkout being built.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo");
    let dir = Path::new(&manifest).join("specs");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    (n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
                        && n != "spec.schema.json"
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub const EMBEDDED_SPECS: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"))
        .join("embedded_specs.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
