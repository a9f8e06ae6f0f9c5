#!/usr/bin/env bash
# Behind nginx: Debian's nginx on loopback with deploy/nginx.conf in front of
# the echo example. Through the recommended proxy (39052 → echo 39050, 39053 → echo
# 39051 --protocol chat: HTTP/1.1, Upgrade/Connection forwarded, Host $http_host) the
# Python, Node and Chromium clients of 50-interop pass unchanged, the same-origin
# default included, and a cross-origin Origin is still 403. Through nginx's default Host
# (39054) a page's own origin is refused, as docs/DEPLOY.md warns. Then
# tests/it/forwarded.rs's nginx test: ForwardedSameOrigin behind nginx (39055, 39056 →
# 127.0.0.1:39057), client-sent forwarding headers replaced by nginx.
set -euo pipefail
cd "$(dirname "$0")/../.."
INTEROP_STEP=51-nginx
source tests/interop/lib.sh

apt_install nginx chromium chromium-driver
python_clients_venv
node_packages
say "$(/usr/sbin/nginx -v 2>&1)"

cargo build --release --example echo
# nginx forwards the client's Host (127.0.0.1:39052, localhost:39052) or, on 39054, its
# own upstream name (127.0.0.1:39050): the echo's default on loopback, its own port only,
# would refuse those with 421. The names without a port allow every port.
start_echo 39050 --host 127.0.0.1 --host localhost
start_echo 39051 --protocol chat --host 127.0.0.1 --host localhost
mkdir -p "$INTEROP_TMP/nginx/tmp"
/usr/sbin/nginx -p "$INTEROP_TMP/nginx" -e stderr -t -c "$PWD/deploy/nginx.conf"
# Not `start`: nginx prints nothing once it listens; wait for its ports instead.
/usr/sbin/nginx -p "$INTEROP_TMP/nginx" -e stderr -c "$PWD/deploy/nginx.conf" \
  >"$INTEROP_TMP/nginx.log" 2>&1 &
INTEROP_PIDS+=("$!")
for port in 39052 39053 39054 39055 39056; do
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done
"$PYTHON" -c 'import urllib.request as u; print(u.urlopen("http://127.0.0.1:39052/health", timeout=5).read().decode())' |
  grep -qx ok || { cat "$INTEROP_TMP/nginx.log"; exit 1; }
say "nginx listening on 127.0.0.1:39052-39056; /health through it: ok"

"$PYTHON" tests/interop/python_clients.py --label nginx \
  --url ws://127.0.0.1:39052/echo --chat-url ws://127.0.0.1:39053/echo
node tests/interop/node_ws.mjs --label nginx \
  --url ws://127.0.0.1:39052/echo --chat-url ws://127.0.0.1:39053/echo
node tests/interop/browser.mjs --label nginx \
  --url http://127.0.0.1:39052/ --chat-url http://127.0.0.1:39053/ \
  --cross-origin-url http://localhost:39052/ \
  --screenshots "$(artifacts_dir 51-nginx)"
say "python, node and chromium clients passed through nginx"

# The mistake: nginx's default Host is the upstream's, so the page's own origin is refused.
"$PYTHON" tests/interop/expect_refused.py ws://127.0.0.1:39054/echo http://127.0.0.1:39054 403

cargo test --all-features --test it -- --ignored behind_nginx
say "ForwardedSameOrigin behind nginx passed"
if [ -s "$INTEROP_TMP/nginx.log" ]; then
  say "nginx said:"
  cat "$INTEROP_TMP/nginx.log"
fi
finish
