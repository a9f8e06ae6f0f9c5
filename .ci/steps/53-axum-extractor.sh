#!/usr/bin/env bash
# An existing axum app behind the layer: examples/axum_extractor.rs (handlers on axum's
# own WebSocketUpgrade, WebSocketLayer::new().subprotocols(["chat"]) around the router)
# on 127.0.0.1:39060, against real clients. The Python clients of 50-interop with the
# one server: an offer of `x-unknown, chat` opens with `chat` selected (which axum's 101
# lacks without the layer, and websocket-client fails a connection without) and echoes;
# no offer, echo of text and binary, clean close; same-origin accepted; a foreign Origin
# 403; version 8 426. Then Python websockets' upgrade attempt to the page at `/`: 404.
set -euo pipefail
cd "$(dirname "$0")/../.."
INTEROP_STEP=53-axum-extractor
source tests/interop/lib.sh

python_clients_venv
cargo build --release --example axum_extractor
say "axum_extractor example built"
start axum-extractor-39060 "listening on http://127.0.0.1:39060" \
  "$TARGET_DIR/release/examples/axum_extractor" --addr 127.0.0.1:39060

"$PYTHON" tests/interop/python_clients.py --label axum-extractor \
  --chat-url ws://127.0.0.1:39060/echo
say "python clients passed"
# RFC 6455 §4.2.2 step 4: a route with no WebSocket answers an upgrade attempt 404.
"$PYTHON" tests/interop/expect_refused.py ws://127.0.0.1:39060/ http://127.0.0.1:39060 404
finish
