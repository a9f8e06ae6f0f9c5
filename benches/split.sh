#!/usr/bin/env bash
# Where a server's time per echoed message goes: kernel or user space. perf samples the
# server process (cpu-clock, so it works in a VM without hardware counters) while
# the `throughput` tool (tools/src/bin/) echoes COUNT binary messages of SIZE bytes on one
# connection; the samples of each binary (the kernel, the server, libc, ...) are turned
# into microseconds per message. axum 0.8's built-in and the layer with on_websocket
# (both the `axum_serve` tool under axum::serve) alternate, REPS times each, with
# the server on core 0 and the client on core 1, as benches/throughput.sh runs them.
#
#   bash benches/split.sh                      # 16 KiB, 20,000 messages, 3 repetitions
#   SIZE=1048576 COUNT=500 bash benches/split.sh
#
# Needs perf, run as root or with perf_event_paranoid <= 1: otherwise perf samples user
# space only, and the script stops rather than report a kernel share of 0.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-16384}
COUNT=${COUNT:-20000}
REPS=${REPS:-3}
PORT=${PORT:-28490}
command -v perf >/dev/null || { echo "perf is not installed"; exit 1; }

cargo build --release -p ws-bench-tools --bin axum_serve --bin throughput
bin="${CARGO_TARGET_DIR:-target}/release"
out=$(mktemp -d)
pin_server=() pin_client=()
if [ "$(nproc)" -ge 2 ]; then pin_server=(taskset -c 0); pin_client=(taskset -c 1); fi

echo "=== $(grep -m1 'model name' /proc/cpuinfo || true); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== $SIZE-byte messages, $COUNT per run, $REPS runs per server: microseconds per message"
for rep in $(seq "$REPS"); do
  for server in axum layer; do
    "${pin_server[@]}" "$bin/axum_serve" --ws "$server" --addr "127.0.0.1:$PORT" >"$out/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$out/server.log" && break; sleep 0.1; done
    # Warm-up, outside the profile.
    "${pin_client[@]}" "$bin/throughput" --addr "127.0.0.1:$PORT" --server-pid "$pid" \
      --sizes "$SIZE" --count 200 >/dev/null
    # A fixed period, 100,000 ns of CPU time a sample: no sampling rate to be lowered.
    perf record -q -e cpu-clock -c 100000 -p "$pid" -o "$out/$server.$rep.data" \
      2>>"$out/perf.log" &
    perf_pid=$!
    sleep 0.3
    line=$("${pin_client[@]}" "$bin/throughput" --addr "127.0.0.1:$PORT" --server-pid "$pid" \
      --sizes "$SIZE" --count "$COUNT" --label "$server")
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null || true
    kill -INT "$pid"
    wait "$pid" 2>/dev/null || true
    # One sample is 100 us of the server's CPU time. Kernel: the kernel and its modules,
    # every bracketed object but the vDSO, which runs in user space.
    split=$(perf report -i "$out/$server.$rep.data" --no-children -n --sort dso -g none 2>>"$out/perf.log" |
      awk -v n="$COUNT" '/^ +[0-9.]+%/ {
          us = $2 * 100 / n; total += us
          if ($3 ~ /^\[/ && $3 != "[vdso]") kernel += us; else user += us
        }
        END { printf "kernel=%.1f user=%.1f total=%.1f", kernel, user, total }')
    case $split in
      kernel=0.0*)
        echo "no kernel samples: perf could not profile the kernel (root, or perf_event_paranoid <= 1)"
        cat "$out/perf.log"
        exit 1
        ;;
    esac
    echo "$line $split" | tee -a "$out/$server.runs"
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
printf '%-6s %12s %12s %12s %8s\n' server "kernel us" "user us" "total us" "MB/s"
for server in axum layer; do
  f="$out/$server.runs"
  printf '%-6s %12s %12s %12s %8s\n' "$server" \
    "$(sed -n 's/.* kernel=\([^ ]*\).*/\1/p' "$f" | median)" \
    "$(sed -n 's/.* user=\([^ ]*\).*/\1/p' "$f" | median)" \
    "$(sed -n 's/.* total=\([^ ]*\).*/\1/p' "$f" | median)" \
    "$(sed -n 's/.* mb_per_s=\([^ ]*\).*/\1/p' "$f" | median)"
done
echo "(medians of $REPS runs; raw: $out)"
