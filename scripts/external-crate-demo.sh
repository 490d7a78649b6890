#!/usr/bin/env bash
# confuzz as a user meets it: a dev-dependency of their own service crate.
#
# Makes a crate outside this repository, in a temporary folder: the example Clever service
# (examples/clever_service/app.rs) as its library, confuzz as a path dev-dependency, and
# examples/clever_service/conformance.rs as its `harness = false` test `tests/conformance.rs`.
# Then, offline:
#   1. `cargo test` fails, one test per documented row, valid-request check and property
#      subject, on the service's bug (401 documented, 400 answered) with the expectation, the
#      answer and a curl reproducer; the property tests run too;
#   2. cargo's test-name filter runs only the matching rows;
#   3. the bug is fixed with sed, and `cargo test` passes;
#   4. a bug no single request shows is put in with sed (an update brings a deleted assignment
#      back): `cargo test` fails again, in property tests only, with the request sequence.
# Exits 0 when all four happen as described, 1 otherwise.
#
# Builds reuse CARGO_TARGET_DIR (default: this repository's target/), so dependencies already
# built for the repository are not built again. Needs the dependencies in cargo's cache, which
# a `cargo build --all-targets` of the repository puts there.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export CARGO_TERM_COLOR=never
work="$(mktemp -d "${TMPDIR:-/tmp}/confuzz-external-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
crate="$work/clever-demo"
mkdir -p "$crate/src" "$crate/tests"

cat > "$crate/Cargo.toml" <<EOF
[package]
name = "clever-demo"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
chrono = { version = "0.4", default-features = false, features = ["std", "clock"] }
serde_json = "1"

[dev-dependencies]
confuzz = { path = "$repo" }

[[test]]
name = "conformance"
harness = false

# The repository's profile, so the dependencies it built are reused.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
opt-level = 1
EOF
# The repository's lock file pins the same versions it built (and that cargo has cached).
cp "$repo/Cargo.lock" "$crate/Cargo.lock"
cp "$repo/examples/clever_service/app.rs" "$crate/src/app.rs"
printf '//! A Clever grade-passback service.\n\npub mod app;\n' > "$crate/src/lib.rs"
sed 's/^mod app;$/use clever_demo::app;/' "$repo/examples/clever_service/conformance.rs" \
  > "$crate/tests/conformance.rs"

cd "$crate"
say() { printf '\n== %s\n' "$*"; }
# cargo's own progress lines are noise here; the test binary's output is the point.
run_tests() { cargo test --offline --test conformance "$@" 2>&1 | grep -v -E '^\s+(Compiling|Finished|Running|Locking|Adding)' ; return "${PIPESTATUS[0]}"; }

say "building $crate (offline, target dir $CARGO_TARGET_DIR)"
start=$(date +%s)
cargo build --offline --tests --quiet
echo "built in $(( $(date +%s) - start )) s"

say "cargo test: the service as written"
if run_tests | tee "$work/first.out"; then
  echo "UNEXPECTED: the tests passed on the buggy service"; exit 1
fi
if ! grep -q -E '^test clever\.stateful\.sequences +\.\.\. ok' "$work/first.out"; then
  echo "UNEXPECTED: no property test ran"; exit 1
fi

say "cargo test -- no-token: cargo's filter selects rows"
if run_tests -- no-token; then
  echo "UNEXPECTED: the filtered test passed on the buggy service"; exit 1
fi

say "the fix"
cp src/app.rs "$work/app.rs.orig"
sed -i 's/StatusCode::BAD_REQUEST, NO_AUTHORIZATION/StatusCode::UNAUTHORIZED, NO_AUTHORIZATION/' src/app.rs
diff -u "$work/app.rs.orig" src/app.rs | sed "s|$work/app.rs.orig|a/src/app.rs|; s|^+++ src/app.rs|+++ b/src/app.rs|" || true

say "cargo test: the fixed service"
if ! run_tests; then
  echo "UNEXPECTED: the tests failed on the fixed service"; exit 1
fi

say "a bug only a property shows: an update brings a deleted assignment back"
cp src/app.rs "$work/app.rs.fixed"
sed -i '/^async fn update_assignment/,/^}/ s/^    let id = service.assignment(&headers, &section_id, &assignment_id)?;$/    service.section(\&headers, \&section_id)?;\n    if let Some(a) = service.assignments().get_mut(\&assignment_id.to_ascii_lowercase()) {\n        a.deleted = false;\n    }\n&/' src/app.rs
diff -u "$work/app.rs.fixed" src/app.rs | sed "s|$work/app.rs.fixed|a/src/app.rs|; s|^+++ src/app.rs|+++ b/src/app.rs|" || true
if run_tests | tee "$work/revived.out"; then
  echo "UNEXPECTED: the tests passed on a service that revives deleted assignments"; exit 1
fi
failed=$(sed -n 's/^test \([^ ]*\) *\.\.\. FAILED$/\1/p' "$work/revived.out" | sort -u)
echo "failed: $(echo $failed)"
if ! grep -qx 'clever.after-delete.assignment-delete' <<<"$failed"; then
  echo "UNEXPECTED: the after-delete property test did not fail"; exit 1
fi
if grep -qv -E '^clever\.(precedence|nothing-lost|unique|after-delete|limit|stateful)\.' <<<"$failed"; then
  echo "UNEXPECTED: a row or valid-request test failed on a bug only a property shows"; exit 1
fi
say "as expected: failing on the bug, passing once it is fixed, and failing in property tests on a bug only a sequence shows"
