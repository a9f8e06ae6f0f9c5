#!/usr/bin/env bash
# Graceful shutdown from outside: the echo example with 300 open WebSockets (Python
# `websockets` clients, each echoing a message first) gets SIGTERM, and in a second run
# SIGINT; each without and with --deflate (the clients offer permessage-deflate, so the
# deflate codec compresses). Every client must receive a Close with code 1001 (going
# away), and the server must exit with status 0 within 10 s of the signal.
# .ci/shutdown.py does each run and prints its timings.
set -euo pipefail
cd "$(dirname "$0")/../.."
INTEROP_STEP=45-shutdown
source tests/interop/lib.sh

python_clients_venv
cargo build --release --example echo
say "echo example built"

port=39450
for deflate in "" --deflate; do
  for signal in TERM INT; do
    port=$((port + 1))
    "$PYTHON" .ci/shutdown.py --server "$TARGET_DIR/release/examples/echo" \
      --port "$port" --signal "$signal" --clients 300 --limit 10 $deflate
    say "SIG$signal ${deflate:-(no deflate)} passed"
  done
done
finish
