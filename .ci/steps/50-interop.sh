#!/usr/bin/env bash
# Real clients against the echo example: Python websockets and
# websocket-client, Node ws, and headless Chromium (Debian's) driven by playwright-core
# through the page at `/`. Each: a handshake without and with a subprotocol offer, echo
# of a text and a binary message, a clean close; a cross-origin Origin → 403; version 8
# → 426 with Sec-WebSocket-Version (not for the browser, which cannot send it). Also
# Node's http2 module sending RFC 8441's extended CONNECT over the echo example's h2c.
# Servers: echo on 127.0.0.1:39050 (no subprotocols) and 39051 (--protocol chat).
set -euo pipefail
cd "$(dirname "$0")/../.."
INTEROP_STEP=50-interop
source tests/interop/lib.sh

apt_install chromium chromium-driver
python_clients_venv
node_packages
say "chromium: $(chromium --version 2>/dev/null)"

cargo build --release --example echo
say "echo example built"
start_echo 39050
start_echo 39051 --protocol chat

"$PYTHON" tests/interop/python_clients.py \
  --url ws://127.0.0.1:39050/echo --chat-url ws://127.0.0.1:39051/echo
say "python clients passed"
node tests/interop/node_ws.mjs \
  --url ws://127.0.0.1:39050/echo --chat-url ws://127.0.0.1:39051/echo
say "node ws passed"
# RFC 8441 from a client other than hyper's: extended CONNECT over the echo example's h2c.
node tests/interop/node_h2.mjs \
  --url http://127.0.0.1:39050/echo --chat-url http://127.0.0.1:39051/echo
say "node http2 (extended CONNECT over h2c) passed"
# The page from http://127.0.0.1:PORT/ is same-origin; from http://localhost:PORT/ it is
# another origin, whose WebSocket to 127.0.0.1:PORT the layer refuses.
node tests/interop/browser.mjs \
  --url http://127.0.0.1:39050/ --chat-url http://127.0.0.1:39051/ \
  --cross-origin-url http://localhost:39050/ \
  --screenshots "$(artifacts_dir 50-interop)"
say "chromium passed"
finish
