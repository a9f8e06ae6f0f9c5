#!/usr/bin/env bash
# permessage-deflate from outside: the echo example with --deflate, a Python
# `websockets` client (which offers deflate by default) checking RSV1 on the wire both
# ways, then Autobahn|Testsuite cases 12 and 13 (strict: no FAILED, UNCLEAN or
# UNIMPLEMENTED), in two halves run side by side. Prints its wall time.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
cargo build --release --example echo
# Wherever cargo puts it (CARGO_TARGET_DIR may be set).
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
port=39002
tmp=$(mktemp -d)
"$target_dir/release/examples/echo" --addr "127.0.0.1:$port" --deflate >"$tmp/echo.log" 2>&1 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do grep -q "listening on http://127.0.0.1:$port" "$tmp/echo.log" && break; sleep 0.1; done
cat "$tmp/echo.log"

echo "--- Python websockets: compressed round trips"
python3 -m venv "$tmp/venv"
timeout 120 "$tmp/venv/bin/pip" install -q --disable-pip-version-check 'websockets>=14,<18'
timeout 60 "$tmp/venv/bin/python" - "$port" <<'PY'
"""A client that offers permessage-deflate by default. The frames' RSV1 bits are read
where websockets' extension sees them: before decoding (received) and after encoding
(sent), so they are the bits on the wire."""
import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Opcode

OP_TEXT, OP_BINARY, OP_CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT

URL = f"ws://127.0.0.1:{sys.argv[1]}/echo"


async def main():
    async with connect(URL, open_timeout=10, close_timeout=10, max_size=None) as ws:
        offer = ws.request.headers.get("Sec-WebSocket-Extensions")
        answer = ws.response.headers.get("Sec-WebSocket-Extensions")
        print(f"offer: {offer}\nanswer: {answer}")
        [ext] = ws.protocol.extensions
        assert isinstance(ext, PerMessageDeflate), ext
        sent, received = [], []
        encode, decode = ext.encode, ext.decode

        def spy_encode(frame):
            frame = encode(frame)
            if frame.opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                sent.append((frame.opcode, frame.rsv1, len(frame.data)))
            return frame

        def spy_decode(frame, *, max_size=None):
            if frame.opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                received.append((frame.opcode, frame.rsv1, len(frame.data)))
            return decode(frame, max_size=max_size)

        ext.encode, ext.decode = spy_encode, spy_decode

        text = json.dumps([{"id": i, "name": "item", "tags": ["a", "b"]} for i in range(500)])
        data = bytes(range(256)) * 256
        fragments = [text[i : i + 1000] for i in range(0, len(text), 1000)]
        for message in (text, data, text):
            await ws.send(message)
            assert await asyncio.wait_for(ws.recv(), 10) == message
        await ws.send(fragments)  # one message, several frames
        assert await asyncio.wait_for(ws.recv(), 10) == text

        firsts = lambda frames: [f for f in frames if f[0] != OP_CONT]
        assert all(rsv1 for _, rsv1, _ in firsts(sent)), f"sent uncompressed: {sent}"
        assert all(rsv1 for _, rsv1, _ in firsts(received)), f"received uncompressed: {received}"
        assert not any(rsv1 for op, rsv1, _ in sent + received if op == OP_CONT)
        wire = sum(n for _, _, n in received)
        plain = 3 * len(text) + len(data)
        print(f"sent {len(sent)} frames, received {len(received)} frames, all messages "
              f"compressed (RSV1); server sent {wire} bytes for {plain} bytes of messages")
        assert wire * 4 < plain, "the server's messages hardly shrank"


asyncio.run(main())
PY

echo "--- Autobahn|Testsuite: cases 12, 13 (permessage-deflate) against the echo example"
bash ../shared/tools/autobahn/setup.sh
# The suite's client (Python 2, one process) is the bottleneck: 12.x and 13.x send 216 x
# 1000 messages, up to 128 KiB in 256-byte frames, and take ~35 min of one loaded core.
# Two clients on halves of equal weight (case durations measured) use both cores; the
# server takes them concurrently. Same cases, same strictness.
ab_started=$SECONDS
halves=('12.2.*,12.3.*,12.4.*,13.7.*' '12.1.*,12.5.*,13.1.*,13.2.*,13.3.*,13.4.*,13.5.*,13.6.*')
pids=()
for i in 0 1; do
  FAIL_ON=FAILED,UNCLEAN,UNIMPLEMENTED bash ../shared/tools/autobahn/run.sh \
    "ws://127.0.0.1:$port/echo" "$tmp/ab-pmd-$i" "${halves[$i]}" >"$tmp/ab-$i.log" 2>&1 &
  pids+=($!)
done
status=0
for i in 0 1; do
  wait "${pids[$i]}" || status=1
  echo "cases ${halves[$i]}:"
  cat "$tmp/ab-$i.log"
done
echo "Autobahn 12, 13: $((SECONDS - ab_started))s; this step: $((SECONDS - started))s"
exit $status
