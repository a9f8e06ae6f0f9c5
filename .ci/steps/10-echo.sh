#!/usr/bin/env bash
# The echo example from outside: a raw-socket smoke test, then Autobahn|Testsuite
# cases 1-7, 9, 10 (strict: no FAILED, UNCLEAN or UNIMPLEMENTED).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --example echo
# Wherever cargo puts it (CARGO_TARGET_DIR may be set).
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
port=39001
log=$(mktemp)
"$target_dir/release/examples/echo" --addr "127.0.0.1:$port" >"$log" 2>&1 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "listening on http://127.0.0.1:$port" "$log" && break; sleep 0.1; done
cat "$log"
python3 .ci/smoke.py "$port"

echo "--- Autobahn|Testsuite: cases 1-7, 9, 10 against the echo example"
bash ../shared/tools/autobahn/setup.sh
FAIL_ON=FAILED,UNCLEAN,UNIMPLEMENTED bash ../shared/tools/autobahn/run.sh \
  "ws://127.0.0.1:$port/echo" "$(mktemp -d)/autobahn"
