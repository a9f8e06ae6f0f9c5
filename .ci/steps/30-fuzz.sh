#!/usr/bin/env bash
# Fuzzing: each cargo-fuzz target in fuzz/ runs for FUZZ_SECONDS (default 60)
# from the seed corpus in fuzz/seeds/<target>, with a fresh working corpus outside the
# repo. Prints each target's executions; any crash, leak or disagreement with the model
# fails the step and prints the input that caused it.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
# cargo-fuzz passes nightly flags (-Zsanitizer=address); the machine has one stable
# toolchain.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
cargo fuzz --version

(cd fuzz && cargo fmt --all -- --check)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd fuzz && cargo fuzz build)

total=0
for target in list_elements extension_offers request; do
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
  log="$work/$target.log"
  echo "--- $target: ${seconds}s from $(ls fuzz/seeds/$target | wc -l) seeds"
  set +e
  (cd fuzz && cargo fuzz run "$target" "$work/corpus/$target" "seeds/$target" -- \
      -dict=handshake.dict -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/$target/") >"$log" 2>&1
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    tail -n 80 "$log"
    for input in "$work/artifacts/$target"/*; do
      [ -f "$input" ] || continue
      echo "--- failing input $input (base64):"
      base64 "$input"
    done
    echo "FAIL: fuzz target $target exited $status"
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')
  echo "$target: $runs executions in ${seconds}s, no crash; corpus $(ls "$work/corpus/$target" | wc -l) inputs"
  total=$((total + runs))
done
echo "fuzzing: $total executions in all, no crash"
