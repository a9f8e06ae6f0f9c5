#!/usr/bin/env bash
# Every figure of docs/PERFORMANCE.md, in one run (7 min on the 2-core VM of docs/PERFORMANCE.md):
#   1. instruction counts under callgrind: the handshake beside its SHA-1 + base64 floor,
#      and a plain GET through a router with and without the layer;
#   2. the same cases timed (divan);
#   3. end to end over loopback against axum's built-in upgrade, fastwebsockets and a
#      bare hyper 101: handshakes/s, server CPU and instructions per handshake, memory
#      per idle connection;
#   4. message throughput over loopback beside axum's built-in and fastwebsockets: MB/s
#      and server CPU per KB echoing 64 B, 16 KiB and 1 MiB messages, memory per idle
#      connection and after a 1 MiB message, the deflate socket, HTTP/2.
# Needs valgrind (apt-get install valgrind) for 1 and 3's instruction counts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench instructions
cargo bench --bench handshake
bash benches/e2e.sh
bash benches/throughput.sh
