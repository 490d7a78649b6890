#!/bin/bash -eu
# Builds every fuzz target with the sanitizer the runner asks for (cargo fuzz reads
# $SANITIZER and the flags OSS-Fuzz's base-builder-rust sets), and ships each target with its
# seed corpus (the generated seeds and the committed corpus) and its dictionary.
cd "$SRC/confuzz"
cargo fuzz build -O
release=fuzz/target/x86_64-unknown-linux-gnu/release
for target in $(cargo fuzz list); do
  cp "$release/$target" "$OUT/"
  cp "fuzz/dict/$target.dict" "$OUT/$target.dict"
  files=$(find fuzz/seeds/$target fuzz/regressions/$target -type f 2>/dev/null || true)
  if [ "$target" = spec_loader ]; then
    files="$files $(find specs -name '*.yaml')"
  fi
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    zip -q -j "$OUT/${target}_seed_corpus.zip" $files
  fi
done
