#!/usr/bin/env bash
# Graceful shutdown from outside. The echo example with 300 open WebSockets (Python
# `websockets` clients, each echoing a message first) gets SIGTERM, and in another run
# SIGINT; each without and with --deflate (the clients offer permessage-deflate, so the
# deflate codec compresses). Every client must receive a Close with code 1001 (going
# away), and the server must exit with status 0 within 10 s of the signal
# (.ci/shutdown.py, which prints the timings). Then the same over HTTP/2: 100
# WebSockets on two h2c connections (Node's http2 module, extended CONNECT), each of
# which must get its Close 1001, then GOAWAY (.ci/shutdown_h2.mjs). Then the tls
# example: 300 clients over wss://, and 100 WebSockets over h2 by ALPN.
set -euo pipefail
cd "$(dirname "$0")/../.."
INTEROP_STEP=45-shutdown
source tests/interop/lib.sh

python_clients_venv
say "node $(node --version)"
cargo build --release --example echo --example tls
say "echo and tls examples built"
bin="$TARGET_DIR/release/examples"

port=39450
for signal in TERM INT; do
  for deflate in "" --deflate; do
    port=$((port + 1))
    "$PYTHON" .ci/shutdown.py --server "$bin/echo" --port "$port" --signal "$signal" \
      --clients 300 --limit 10 $deflate
    say "echo, SIG$signal ${deflate:-(no deflate)}: passed"
  done
  port=$((port + 1))
  node .ci/shutdown_h2.mjs --server "$bin/echo" --port "$port" --signal "$signal" \
    --sessions 2 --streams 50 --limit 10
  say "echo over h2c, SIG$signal: passed"
  port=$((port + 1))
  "$PYTHON" .ci/shutdown.py --server "$bin/tls" --port "$port" --signal "$signal" \
    --clients 300 --limit 10 --tls
  say "tls over wss://, SIG$signal: passed"
  port=$((port + 1))
  node .ci/shutdown_h2.mjs --server "$bin/tls" --port "$port" --signal "$signal" \
    --sessions 2 --streams 50 --limit 10 --tls
  say "tls over h2, SIG$signal: passed"
done
finish
