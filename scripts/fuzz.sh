#!/usr/bin/env bash
# Fuzzes the upload readers (crates/sheets): the CSV reader, the XLSX reader and the JSON
# data-drop request, each for N seconds (default 60), one at a time, under a 256 MB RSS limit.
# Usage: scripts/fuzz.sh [seconds]. Installs cargo-fuzz if missing. Only the stable toolchain is
# needed: RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's nightly flags.
# New inputs go to a scratch corpus, so fuzz/corpus (the committed seeds) stays as it is; a
# crash is kept in fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
# AddressSanitizer keeps 256 MB of freed memory by default, which alone trips the RSS limit after
# a few thousand XLSX inputs; a smaller quarantine keeps the limit about the reader's memory.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=32}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "--- installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "--- building the fuzz targets"
cargo fuzz build

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in csv xlsx json; do
  echo "--- fuzzing $target for ${seconds}s"
  mkdir -p "$scratch/$target"
  status=0
  cargo fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=256 -max_len=65536 -timeout=10 \
    -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
  grep -E '^(Done|stat::peak_rss_mb)' "$scratch/$target.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$scratch/$target.log" >&2
    echo "fuzz target $target failed: the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
