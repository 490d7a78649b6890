#!/usr/bin/env bash
# Nightly coverage-guided fuzzing of every confuzz fuzz target (see docs/fuzzing.md).
#
#   scripts/nightly-fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]
#
# SECONDS_PER_TARGET (default: $FUZZ_SECONDS or 120) bounds each target's run; the script
# stops by itself. Targets default to all of `cargo fuzz list`. Runs on the stable toolchain
# without a sanitizer (`-s none`); FUZZ_SANITIZER=address (with RUSTC_BOOTSTRAP=1 set here)
# builds with AddressSanitizer instead. Each target runs over fuzz/corpus/<target> (grown in
# place, then minimized with `cargo fuzz cmin`) seeded from fuzz/seeds/<target> (and specs/ for
# the loader), with the
# dictionary fuzz/dict/<target>.dict. A crash is minimized into
# fuzz/regressions/<target>/ and the script prints how to replay it; it exits 1 when any
# target crashed, 0 otherwise.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
seconds="${1:-${FUZZ_SECONDS:-120}}"
shift || true
sanitizer="${FUZZ_SANITIZER:-none}"
max_len="${FUZZ_MAX_LEN:-16384}"
# The fuzz workspace has its own target dir (fuzz/target), whatever the caller exported.
unset CARGO_TARGET_DIR
if [ "$sanitizer" != none ]; then
  export RUSTC_BOOTSTRAP=1
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cargo fuzz build -O -s "$sanitizer"
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# The shipped spec files seed the loader from where they are.
extra_seeds() {
  if [ "$1" = spec_loader ]; then echo ../specs; fi
}

crashed=()
summary=()
for target in "${targets[@]}"; do
  corpus="corpus/$target"
  mkdir -p "$corpus" "artifacts/$target"
  log="artifacts/$target/fuzz.log"
  echo "== $target: ${seconds}s"
  status=0
  timeout --kill-after=30 $((seconds + 120)) \
    cargo fuzz run -O -s "$sanitizer" "$target" "$corpus" "seeds/$target" $(extra_seeds "$target") -- \
      -dict="dict/$target.dict" -max_total_time="$seconds" -max_len="$max_len" \
      -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
  rate=$(grep -a 'stat::average_exec_per_sec' "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -a '#[0-9]*' "$log" | grep -ao 'cov: [0-9]*' | tail -1)
  summary+=("$target: ${execs:-?} execs, ${rate:-?} exec/s, ${cov:-cov: ?}, exit $status")
  artifact=$(ls -t "artifacts/$target"/crash-* "artifacts/$target"/timeout-* "artifacts/$target"/oom-* 2>/dev/null | head -1 || true)
  if [ -n "$artifact" ]; then
    name="$(basename "$artifact")"
    mkdir -p "regressions/$target"
    cargo fuzz tmin -O -s "$sanitizer" "$target" "$artifact" -- -runs=2000 >"$log.tmin" 2>&1 || true
    minimized=$(ls -t "artifacts/$target"/minimized-from-* 2>/dev/null | head -1 || true)
    cp "${minimized:-$artifact}" "regressions/$target/$name"
    crashed+=("$target")
    grep -a -A8 "panicked at" "$log" | head -20 || true
    cat <<MSG
-- $target crashed; the reproducer is fuzz/regressions/$target/$name
   replay it:  cargo fuzz run -O -s $sanitizer $target fuzz/regressions/$target/$name
   on stable:  cargo test --test fuzz_replay regressions_replay
   fix the cause, keep the file: tests/fuzz_replay.rs replays it on every cargo test.
MSG
  elif [ "$status" -ne 0 ]; then
    echo "-- $target: cargo fuzz exited $status without an artifact; see $log"
    crashed+=("$target")
  fi
  # Keep the smallest corpus with the same coverage.
  cargo fuzz cmin -O -s "$sanitizer" "$target" "$corpus" -- -max_len="$max_len" >"$log.cmin" 2>&1 || true
  echo "   corpus: $(find "$corpus" -type f | wc -l) files, $(du -sk "$corpus" | cut -f1) KiB"
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#crashed[@]}" -gt 0 ]; then
  echo "crashed: ${crashed[*]}"
  exit 1
fi
echo "no crash"
