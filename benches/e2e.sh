#!/usr/bin/env bash
# End to end over loopback: the `loadgen` tool (tools/src/bin/) against these servers,
# in one run, alternating round by round:
#   layer      axum_echo --ws layer   (this crate's layer around the router +
#              tokio-tungstenite, on the tools' tuned serving, tools/src/serve.rs)
#   axum       axum_echo --ws axum    (axum 0.8's WebSocketUpgrade, same routes, echo loop
#              and serving)
#   fastws     hyper_peers --peer fastwebsockets (bare hyper + fastwebsockets)
#   bare       hyper_peers --peer bare (bare hyper 101, no validation, no codec)
#   layerfws   hyper_peers --peer layer (this crate's layer and extractor in front of
#              fastwebsockets' codec on bare hyper: fastws with only the handshake
#              swapped, to show what the layer itself costs)
#   serve      axum_serve --ws layer (the layer on the route and on_websocket, served by
#              plain `axum::serve`: what the README's user gets)
#   axumserve  axum_serve --ws axum (axum's WebSocketUpgrade, `axum::serve`)
#   echo       examples/echo.rs (the echo example: the layer around the router,
#              `axum::serve` with TCP_NODELAY and graceful shutdown; not run by default)
# Every connection: Chrome's handshake, Sec-WebSocket-Accept checked, a Close sent, the
# server's Close read, the server's TCP close awaited.
#
# Reports, per server, medians over ROUNDS rounds of HANDSHAKES handshakes:
#   - handshakes per second, the server's CPU time (user + system) and its minor page faults
#     per handshake;
#   - resident memory per open idle connection (a fresh server, IDLE connections);
#   - user-space instructions per handshake under callgrind: two runs with CG_SMALL and
#     CG_LARGE handshakes, differenced, so that start-up cancels out; the median of
#     CG_REPEAT such pairs (servers whose runtime keeps timers, as hyper's header read
#     timeout does, vary by a few per cent from pair to pair).
#     glibc's memset and memcpy use `rep stosb`/`rep movsb` from 2 KiB on, and callgrind
#     counts every byte such an instruction writes as one instruction: tungstenite's
#     zero-filling of its 4 KiB read buffer would count 8k instructions for what the CPU
#     does in some 200 cycles. CG_GLIBC=vector (the default) sets GLIBC_TUNABLES so that
#     glibc uses its vector loops instead, which callgrind counts as the CPU runs them;
#     CG_GLIBC=default counts with glibc's own choice, as the issue's first figures were.
# With 2 or more cores the servers run on core 0 and the load generator on core 1.
#
# SKIP_LOAD=1 runs the instruction counts alone; LAYER_BIN runs another build of the
# `axum_echo` tool as the `layer` server, e.g. a worktree's at the baseline commit, to
# compare the two in the same hour (a relative path is taken from the repository's root).
#
#   bash benches/e2e.sh                 # everything (4.4 min at load 2-3 on the 2-core VM of docs/PERFORMANCE.md)
#   ROUNDS=3 SKIP_CALLGRIND=1 bash benches/e2e.sh
#   SKIP_LOAD=1 E2E_SERVERS=layer CG_REPEAT=5 LAYER_BIN=../base/target/release/axum_echo bash benches/e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-7}
HANDSHAKES=${HANDSHAKES:-30000}
CONCURRENCY=${CONCURRENCY:-16}
IDLE=${IDLE:-1000}
CG_SMALL=${CG_SMALL:-200}
CG_LARGE=${CG_LARGE:-1200}
CG_REPEAT=${CG_REPEAT:-3}
CG_GLIBC=${CG_GLIBC:-vector}
case $CG_GLIBC in
  vector) cg_env=(env GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=0x1000000:glibc.cpu.x86_rep_movsb_threshold=0x1000000) ;;
  default) cg_env=() ;;
  *) echo "CG_GLIBC must be vector or default" >&2; exit 2 ;;
esac
BASE_PORT=${BASE_PORT:-28100} # below the ephemeral range, so no client socket holds it
read -ra SERVERS <<<"${E2E_SERVERS:-layer axum fastws bare layerfws serve axumserve}"

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

command_of() { # server name, port
  case $1 in
    layer) echo "${LAYER_BIN:-$bin/axum_echo} --ws layer --addr 127.0.0.1:$2" ;;
    axum) echo "$bin/axum_echo --ws axum --addr 127.0.0.1:$2" ;;
    echo) echo "$bin/examples/echo --addr 127.0.0.1:$2" ;;
    fastws) echo "$bin/hyper_peers --peer fastwebsockets --addr 127.0.0.1:$2" ;;
    bare) echo "$bin/hyper_peers --peer bare --addr 127.0.0.1:$2" ;;
    layerfws) echo "$bin/hyper_peers --peer layer --addr 127.0.0.1:$2" ;;
    serve) echo "$bin/axum_serve --ws layer --addr 127.0.0.1:$2" ;;
    axumserve) echo "$bin/axum_serve --ws axum --addr 127.0.0.1:$2" ;;
  esac
}

declare -A pid port
started=()
stop() { # pid: SIGINT (the servers exit on it, so callgrind writes its profile), then wait
  kill -INT "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() { for p in "${started[@]}"; do stop "$p"; done; }
trap cleanup EXIT

start() { # name, port, [wrapper...]: sets pid[name]
  local name=$1 p=$2
  shift 2
  # shellcheck disable=SC2046
  local log="$out/$name.$p.log"
  : >"$log"
  "${server_cpu[@]}" "$@" $(command_of "$name" "$p") >"$log" 2>&1 &
  pid[$name]=$!
  port[$name]=$p
  started+=("$!")
  for _ in $(seq 600); do
    grep -q "listening on" "$log" && return 0
    sleep 0.1
  done
  echo "$name did not start:"
  cat "$log"
  exit 1
}

loadgen() { # name, args...
  local name=$1
  shift
  "${client_cpu[@]}" "$bin/loadgen" --addr "127.0.0.1:${port[$name]}" --label "$name" \
    --server-pid "${pid[$name]}" "$@"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
of() { if [ -f "$1" ]; then cat "$1"; fi; } # a result file, or nothing when its stage was skipped
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

echo "=== machine"
grep -m1 "model name" /proc/cpuinfo || true
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kernel: $(uname -r); $(rustc --version)"

if [ -z "${SKIP_LOAD:-}" ]; then
echo "=== throughput and server CPU: $ROUNDS rounds x $HANDSHAKES handshakes, $CONCURRENCY concurrent clients"
i=0
for s in "${SERVERS[@]}"; do
  i=$((i + 1))
  start "$s" $((BASE_PORT + i))
  loadgen "$s" --handshakes 1000 --concurrency "$CONCURRENCY" >/dev/null # warm-up
done
for round in $(seq "$ROUNDS"); do
  for s in "${SERVERS[@]}"; do
    loadgen "$s" --handshakes "$HANDSHAKES" --concurrency "$CONCURRENCY" | tee -a "$out/$s.rounds"
  done
done
for s in "${SERVERS[@]}"; do stop "${pid[$s]}"; done
started=()

echo "=== resident memory per idle connection: $IDLE connections, fresh servers"
i=10
for s in "${SERVERS[@]}"; do
  i=$((i + 1))
  start "$s" $((BASE_PORT + i))
  loadgen "$s" --handshakes 20 --concurrency 1 >/dev/null # warm-up
  loadgen "$s" --idle "$IDLE" | tee "$out/$s.idle"
  stop "${pid[$s]}"
done
started=()
fi

if [ -z "${SKIP_CALLGRIND:-}" ] && command -v valgrind >/dev/null; then
  echo "=== user-space instructions per handshake (callgrind, $CG_LARGE - $CG_SMALL handshakes, CG_GLIBC=$CG_GLIBC)"
  i=20
  for s in "${SERVERS[@]}"; do
    for r in $(seq "$CG_REPEAT"); do
      for n in "$CG_SMALL" "$CG_LARGE"; do
        i=$((i + 1))
        start "$s" $((BASE_PORT + i)) "${cg_env[@]}" valgrind --tool=callgrind -q --callgrind-out-file="$out/$s.$n.callgrind"
        loadgen "$s" --handshakes "$n" --concurrency 4 >/dev/null
        stop "${pid[$s]}"
        started=()
        grep -E "^(summary|totals):" "$out/$s.$n.callgrind" | head -1 | awk '{ print $2 }' >"$out/$s.$n.ir"
      done
      small=$(cat "$out/$s.$CG_SMALL.ir")
      large=$(cat "$out/$s.$CG_LARGE.ir")
      echo $(( (large - small) / (CG_LARGE - CG_SMALL) )) >>"$out/$s.ir-pairs"
    done
    echo "$s $(median <"$out/$s.ir-pairs") (pairs: $(tr '\n' ' ' <"$out/$s.ir-pairs"))" | tee -a "$out/instructions"
  done
fi

echo
echo "=== summary (medians of $ROUNDS rounds; \"vs axum\": the median of the rounds' ratios,"
echo "    each round's servers having run one after the other under the same load)"
printf '%-8s %12s %10s %9s %8s %12s %10s %10s\n' server "handshakes/s" "CPU us/hs" "faults/hs" "vs axum" "idle B/conn" "instr/hs" "vs fastws"
# "vs axum" needs axum among the servers; without it the column is n/a.
if [ -f "$out/axum.rounds" ]; then
  field server_cpu_us_per_handshake <"$out/axum.rounds" >"$out/axum.cpu"
fi
fastws_ir=$(awk '$1 == "fastws" { print $2 }' "$out/instructions" 2>/dev/null || true)
for s in "${SERVERS[@]}"; do
  rate=$(of "$out/$s.rounds" | field handshakes_per_second | median)
  cpu=$(of "$out/$s.rounds" | field server_cpu_us_per_handshake | median)
  faults=$(of "$out/$s.rounds" | field server_minor_faults_per_handshake | median)
  idle=$(of "$out/$s.idle" | field bytes_per_connection)
  ir=$(awk -v s="$s" '$1 == s { print $2 }' "$out/instructions" 2>/dev/null || true)
  vs_axum=n/a
  if [ -f "$out/axum.cpu" ]; then
    vs_axum=$(field server_cpu_us_per_handshake <"$out/$s.rounds" | paste - "$out/axum.cpu" |
      awk '{ printf "%.3f\n", $1 / $2 }' | median | awk '{ printf "%.2f", $1 }')
  fi
  vs_fastws=$([ -n "$ir" ] && [ -n "$fastws_ir" ] && awk -v a="$ir" -v b="$fastws_ir" 'BEGIN { printf "%.2f", a / b }' || echo n/a)
  printf '%-8s %12s %10s %9s %8s %12s %10s %10s\n' "$s" "${rate:-n/a}" "${cpu:-n/a}" "${faults:-n/a}" "$vs_axum" "${idle:-n/a}" "${ir:-n/a}" "$vs_fastws"
done
echo "raw results: $out"
