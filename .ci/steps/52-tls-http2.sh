#!/usr/bin/env bash
# wss:// and WebSockets over HTTP/2 with TLS: examples/tls.rs (rustls, a CA and
# certificate generated at start, ALPN h2 and http/1.1) on 127.0.0.1:39058 and 39059
# (--protocol chat), each writing its CA certificate for the clients to trust. Python
# websockets / websocket-client and Node ws over wss:// (HTTP/1.1); Node's http2 module
# with extended CONNECT over h2 (ALPN); Chromium trusting the CAs through an NSS database,
# loading the page over https:// and opening its WebSocket over HTTP/2 (RFC 8441:
# answered 200, no Sec-WebSocket-Accept). tests/http2.rs covers the same in-process with
# hyper's client (run by the README's test command).
set -euo pipefail
cd "$(dirname "$0")/../.."
INTEROP_STEP=52-tls-http2
source tests/interop/lib.sh

apt_install chromium chromium-driver libnss3-tools
python_clients_venv
node_packages

cargo build --release --example tls
say "tls example built"
start tls-39058 "listening on https://127.0.0.1:39058" \
  "$TARGET_DIR/release/examples/tls" --addr 127.0.0.1:39058 --ca-out "$INTEROP_TMP/ca-39058.pem"
start tls-39059 "listening on https://127.0.0.1:39059" \
  "$TARGET_DIR/release/examples/tls" --addr 127.0.0.1:39059 --ca-out "$INTEROP_TMP/ca-39059.pem" \
  --protocol chat
cat "$INTEROP_TMP/ca-39058.pem" "$INTEROP_TMP/ca-39059.pem" >"$INTEROP_TMP/cas.pem"

"$PYTHON" tests/interop/python_clients.py --label wss --ca "$INTEROP_TMP/cas.pem" \
  --url wss://localhost:39058/echo --chat-url wss://localhost:39059/echo
node tests/interop/node_ws.mjs --label wss --ca "$INTEROP_TMP/cas.pem" \
  --url wss://localhost:39058/echo --chat-url wss://localhost:39059/echo
node tests/interop/node_h2.mjs --label h2+TLS --ca "$INTEROP_TMP/cas.pem" \
  --url https://localhost:39058/echo --chat-url https://localhost:39059/echo
node tests/interop/browser.mjs --label "wss, HTTP/2" --expect-h2 \
  --ca "$INTEROP_TMP/ca-39058.pem" --ca "$INTEROP_TMP/ca-39059.pem" \
  --url https://localhost:39058/ --chat-url https://localhost:39059/ \
  --cross-origin-url https://127.0.0.1:39058/ \
  --screenshots "$(artifacts_dir 52-tls-http2)"
say "python, node ws, node http2 and chromium passed over TLS"
finish
