#!/usr/bin/env bash
# Message throughput over loopback: the `throughput` tool (tools/src/bin/) against these
# servers, in one run, alternating round by round:
#   axum      axum_serve --ws axum      (axum 0.8's WebSocketUpgrade, axum::serve)
#   layer     axum_serve --ws layer     (this crate's layer on the route, on_websocket:
#             tokio-tungstenite reading ahead; axum::serve)
#   layer-4k  axum_serve --ws layer-4k  (the same with the socket built from on_upgrade's
#             raw connection: tokio-tungstenite, 4 KiB reads, no read-ahead)
#   echo      examples/echo.rs          (the echo example: the layer around the router,
#             axum::serve with TCP_NODELAY, graceful shutdown)
#   fastws    hyper_peers --peer fastwebsockets (bare hyper + fastwebsockets)
# and, reported on their own rows:
#   deflate   axum_serve --ws deflate   (on_deflate_websocket, sockudo-ws), compressible
#             16 KiB text, each message compressed on its own both ways
#   axum_echo/h2, echo/h2  axum_echo --ws axum (axum's WebSocketUpgrade on the tools' tuned
#             serving, tools/src/serve.rs) and the echo example, over HTTP/2 (RFC 8441
#             extended CONNECT over h2c). Both set TCP_NODELAY: without it (axum::serve's
#             default) 16 KiB messages over HTTP/2 took some 45 ms each
#
# One connection per server and round echoes binary messages of each size one at a time
# for SECONDS_EACH seconds; each round starts with the next server in the list. Reported
# per server and size, medians over ROUNDS rounds: MB/s (payload, once), the server's
# CPU (user + system from /proc/PID/stat) per KB, its minor page faults per MB, and the
# medians of the rounds' ratios to axum's (over HTTP/2: to axum_echo/h2's) and to
# layer-4k's.
# Then resident memory per connection, fresh servers: VmRSS growth over IDLE connections
# with no message since the handshake, and over WARM_CONNECTIONS connections that have
# each echoed one WARM_SIZE message (what a connection keeps after a large message).
# With 2 or more cores the servers run on core 0 and the client on core 1.
#
# The summary also prints the quartiles of the rounds' MB/s ratios: at 16 KiB the servers
# are within that spread of each other (docs/PERFORMANCE.md, "Forty-one rounds").
#
# The machine section prints the last line of the memcpy_alias tool, the host's
# memcpy cliff, which can cost a server whose buffers fall on it a tenth of its CPU at
# 16 KiB (same section). MEMCPY=vector runs every server and the client with glibc's
# vector copy (GLIBC_TUNABLES), to compare the servers without the cliff; MEMCPY=default
# runs them as a user would.
#
#   bash benches/throughput.sh                        # everything (12 min with the build, on 2 cores)
#   ROUNDS=3 SERVERS="axum layer" bash benches/throughput.sh
#   MEMCPY=vector SIZES=16384 SERVERS="axum layer echo" EXTRA= bash benches/throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-15}
SECONDS_EACH=${SECONDS_EACH:-1}
SIZES=${SIZES:-64,16384,1048576}
DEFLATE_SIZES=${DEFLATE_SIZES:-16384}
IDLE=${IDLE:-2000}
WARM_CONNECTIONS=${WARM_CONNECTIONS:-200}
WARM_SIZE=${WARM_SIZE:-1048576}
MEMCPY=${MEMCPY:-default}
case $MEMCPY in
  vector) export GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=0x1000000 ;;
  default) ;;
  *) echo "MEMCPY must be vector or default" >&2; exit 2 ;;
esac
BASE_PORT=${BASE_PORT:-28400} # below the ephemeral range, so no client socket holds it
read -ra SERVERS <<<"${SERVERS:-axum layer layer-4k echo fastws}"
read -ra EXTRA <<<"${EXTRA-deflate axum_echo/h2 echo/h2}" # EXTRA= runs none

cargo build --release --example echo
cargo build --release -p ws-bench-tools
bin="${CARGO_TARGET_DIR:-target}/release"
out=$(mktemp -d)

if [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 0)
  client_cpu=(taskset -c 1)
else
  server_cpu=()
  client_cpu=()
fi

command_of() { # server name (a row's name without /h2), port
  case $1 in
    axum) echo "$bin/axum_serve --ws axum --addr 127.0.0.1:$2" ;;
    layer) echo "$bin/axum_serve --ws layer --addr 127.0.0.1:$2" ;;
    layer-4k) echo "$bin/axum_serve --ws layer-4k --addr 127.0.0.1:$2" ;;
    deflate) echo "$bin/axum_serve --ws deflate --addr 127.0.0.1:$2" ;;
    echo) echo "$bin/examples/echo --addr 127.0.0.1:$2" ;;
    axum_echo) echo "$bin/axum_echo --ws axum --addr 127.0.0.1:$2" ;;
    fastws) echo "$bin/hyper_peers --peer fastwebsockets --addr 127.0.0.1:$2" ;;
    *) echo "unknown server $1" >&2; exit 2 ;;
  esac
}
client_args() { # row name
  case $1 in
    */h2) echo "--http2 --sizes $SIZES" ;;
    deflate) echo "--deflate --sizes $DEFLATE_SIZES" ;;
    *) echo "--sizes $SIZES" ;;
  esac
}

declare -A pid port
started=()
stop() { # pid: SIGINT, then wait
  kill -INT "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() { for p in "${started[@]}"; do stop "$p"; done; }
trap cleanup EXIT

start() { # row name, port: sets pid[row] and port[row]
  local row=$1 p=$2 log="$out/${1//\//-}.$2.log"
  : >"$log"
  # shellcheck disable=SC2046
  "${server_cpu[@]}" $(command_of "${row%/h2}" "$p") >"$log" 2>&1 &
  pid[$row]=$!
  port[$row]=$p
  started+=("$!")
  for _ in $(seq 600); do
    grep -q "listening on" "$log" && return 0
    sleep 0.1
  done
  echo "$row did not start:"
  cat "$log"
  exit 1
}

client() { # row name, args...
  local row=$1
  shift
  "${client_cpu[@]}" "$bin/throughput" --addr "127.0.0.1:${port[$row]}" --label "$row" \
    --server-pid "${pid[$row]}" "$@"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

echo "=== machine"
grep -m1 "model name" /proc/cpuinfo || true
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kernel: $(uname -r); $(rustc --version)"
echo "libc: $(ldd --version 2>&1 | head -1); MEMCPY=$MEMCPY"
# The host's cliff, whatever MEMCPY sets for the servers.
env -u GLIBC_TUNABLES "${server_cpu[@]}" "$bin/memcpy_alias" | tail -1

ROWS=("${SERVERS[@]}" "${EXTRA[@]}")
echo "=== echo: $ROUNDS rounds x ${SECONDS_EACH}s per size, sizes $SIZES (deflate: $DEFLATE_SIZES)"
i=0
for row in "${ROWS[@]}"; do
  i=$((i + 1))
  start "$row" $((BASE_PORT + i))
  # shellcheck disable=SC2046
  client "$row" $(client_args "$row") --seconds 0.2 >/dev/null # warm-up
done
for round in $(seq "$ROUNDS"); do
  echo "--- round $round (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  # Each round starts one server later, so that no server always runs first (after the
  # client's pause) or always right after the same neighbour.
  shift_by=$(((round - 1) % ${#ROWS[@]}))
  order=("${ROWS[@]:shift_by}" "${ROWS[@]:0:shift_by}")
  for row in "${order[@]}"; do
    # shellcheck disable=SC2046
    client "$row" $(client_args "$row") --seconds "$SECONDS_EACH" | tee -a "$out/${row//\//-}.rounds"
  done
done
for row in "${ROWS[@]}"; do stop "${pid[$row]}"; done
started=()

echo "=== resident memory per connection, fresh servers: $IDLE idle; $WARM_CONNECTIONS after one $WARM_SIZE-byte echo"
i=20
for row in "${SERVERS[@]}" deflate; do
  for mode in idle warm; do
    i=$((i + 1))
    start "$row" $((BASE_PORT + i))
    extra=()
    [ "$row" = deflate ] && extra=(--deflate)
    if [ "$mode" = idle ]; then
      client "$row" --idle "$IDLE" "${extra[@]}" | tee "$out/$row.idle"
    else
      client "$row" --idle "$WARM_CONNECTIONS" --warm "$WARM_SIZE" "${extra[@]}" | tee "$out/$row.warm"
    fi
    stop "${pid[$row]}"
    started=()
  done
done

echo
echo "=== summary (medians of $ROUNDS rounds; \"vs axum\", \"vs 4k\": the median of the rounds'"
echo "    ratios to axum's (axum_echo/h2's) and layer-4k's figure for the same size, each"
echo "    round's servers having run one after the other under the same load)"
printf '%-13s %8s %8s %8s %10s %8s %8s %8s %9s\n' server size "MB/s" "vs axum" "CPU ns/KB" "vs axum" "MB/s" "CPU" "faults/MB"
printf '%-13s %8s %8s %8s %10s %8s %8s %8s %9s\n' "" "" "" "" "" "" "vs 4k" "vs 4k" ""
ratio() { # file, baseline file, size, field: the median of the rounds' ratios, or n/a
  if [ -f "$2" ] && grep -q " size=$3 " "$2"; then
    paste <(grep " size=$3 " "$1" | field "$4") <(grep " size=$3 " "$2" | field "$4") |
      awk '{ printf "%.4f\n", $1 / $2 }' | median | awk '{ printf "%.2f", $1 }'
  else
    echo n/a
  fi
}
for row in "${ROWS[@]}"; do
  f="$out/${row//\//-}.rounds"
  base="$out/axum.rounds"
  today="$out/layer-4k.rounds"
  if [[ $row == */h2 ]]; then
    base="$out/axum_echo-h2.rounds"
    today=none
  fi
  for size in $(grep -o ' size=[0-9]*' "$f" | cut -d= -f2 | sort -nu); do
    rate=$(grep " size=$size " "$f" | field mb_per_s | median | awk '{ printf "%.2f", $1 }')
    cpu=$(grep " size=$size " "$f" | field server_cpu_ns_per_kb | median | awk '{ printf "%.0f", $1 }')
    faults=$(grep " size=$size " "$f" | field server_minor_faults_per_mb | median | awk '{ printf "%.2f", $1 }')
    printf '%-13s %8s %8s %8s %10s %8s %8s %8s %9s\n' "$row" "$size" "$rate" \
      "$(ratio "$f" "$base" "$size" mb_per_s)" "$cpu" "$(ratio "$f" "$base" "$size" server_cpu_ns_per_kb)" \
      "$(ratio "$f" "$today" "$size" mb_per_s)" "$(ratio "$f" "$today" "$size" server_cpu_ns_per_kb)" "$faults"
  done
done
echo
[ -f "$out/axum.rounds" ] && echo "quartiles of the rounds' MB/s ratios to axum's"
for row in "${SERVERS[@]}"; do
  [ "$row" = axum ] || [ ! -f "$out/axum.rounds" ] && continue
  f="$out/${row//\//-}.rounds"
  for size in $(grep -o ' size=[0-9]*' "$f" | cut -d= -f2 | sort -nu); do
    paste <(grep " size=$size " "$f" | field mb_per_s) \
      <(grep " size=$size " "$out/axum.rounds" | field mb_per_s) |
      awk '{ printf "%.4f\n", $1 / $2 }' | sort -g |
      awk -v row="$row" -v size="$size" '{ v[NR] = $1 }
        END { printf "  %-11s %8s  %.2f-%.2f\n", row, size, v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'
  done
done
echo
printf '%-13s %16s %22s\n' server "idle B/conn" "after $WARM_SIZE B/conn"
for row in "${SERVERS[@]}" deflate; do
  printf '%-13s %16s %22s\n' "$row" "$(field bytes_per_connection <"$out/$row.idle")" "$(field bytes_per_connection <"$out/$row.warm")"
done
echo "raw results: $out"
