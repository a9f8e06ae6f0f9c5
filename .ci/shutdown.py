"""Graceful shutdown of the echo example (or, with --tls, the tls example over wss://),
from outside.

Starts the server (the binary given), opens --clients WebSockets with Python
`websockets` (which offers permessage-deflate: with --deflate the server's codec
compresses), has each echo a message, then sends the server --signal. Checks that every
client receives a Close with code 1001 (going away) and that the server exits with
status 0 within --limit seconds of the signal. Prints the timings.

    python shutdown.py --server PATH --port PORT --signal TERM|INT [--clients N]
                       [--deflate | --tls]
"""
import argparse
import asyncio
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

parser = argparse.ArgumentParser()
parser.add_argument("--server", required=True)
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--signal", choices=["TERM", "INT"], required=True)
parser.add_argument("--clients", type=int, default=300)
parser.add_argument("--deflate", action="store_true")
parser.add_argument("--tls", action="store_true")
parser.add_argument("--limit", type=float, default=10.0)
args = parser.parse_args()

ADDR = f"127.0.0.1:{args.port}"
URL = f"wss://localhost:{args.port}/echo" if args.tls else f"ws://{ADDR}/echo"
SIGNAL = {"TERM": signal.SIGTERM, "INT": signal.SIGINT}[args.signal]
NAME = f"SIG{args.signal}{' --deflate' if args.deflate else ''}{' over wss://' if args.tls else ''}"
TMP = tempfile.mkdtemp()
CA = os.path.join(TMP, "ca.pem")
SSL = None


def fail(message, log=None):
    print(f"FAIL ({NAME}): {message}")
    if log is not None:
        log.seek(0)
        print("--- server log\n" + log.read().decode(errors="replace"))
    sys.exit(1)


def start_server(log):
    global SSL
    command = [args.server, "--addr", ADDR] + (["--deflate"] if args.deflate else [])
    if args.tls:
        command += ["--ca-out", CA]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    expected = f"listening on {'https' if args.tls else 'http'}://{ADDR}"
    deadline = time.monotonic() + 10
    os.set_blocking(server.stdout.fileno(), False)
    out = b""
    while expected.encode() not in out:
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            fail(f"the server did not print {expected!r}: {out!r}", log)
        chunk = server.stdout.read()
        if chunk:
            out += chunk
        else:
            time.sleep(0.02)
    if args.tls:
        SSL = ssl.create_default_context(cafile=CA)
    return server


async def client(i, opened, signalled):
    """Opens, echoes once, reports open, then waits for the server's Close."""
    async with connect(URL, ssl=SSL, open_timeout=10, close_timeout=10, max_size=None) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
        if args.deflate != ("permessage-deflate" in extensions):
            raise AssertionError(f"client {i}: Sec-WebSocket-Extensions {extensions!r}")
        message = f"client {i}: " + "hello " * 40
        await ws.send(message)
        echoed = await asyncio.wait_for(ws.recv(), 10)
        if echoed != message:
            raise AssertionError(f"client {i}: echoed {echoed!r}")
        opened.release()
        await signalled.wait()
        try:
            extra = await asyncio.wait_for(ws.recv(), args.limit)
            raise AssertionError(f"client {i}: a message instead of a Close: {extra!r}")
        except ConnectionClosed as closed:
            received = closed.rcvd
            # The server's Close came first, and ours answered it.
            return (
                received.code if received else None,
                received.reason if received else None,
                closed.rcvd_then_sent,
                time.monotonic(),
            )


async def main():
    log = tempfile.TemporaryFile()
    server = start_server(log)
    try:
        opened = asyncio.Semaphore(0)
        signalled = asyncio.Event()
        started = time.monotonic()
        tasks = [asyncio.create_task(client(i, opened, signalled)) for i in range(args.clients)]

        async def all_open():
            for _ in range(args.clients):
                await opened.acquire()

        waiting = asyncio.create_task(all_open())
        done, _ = await asyncio.wait([waiting, *tasks], timeout=60, return_when=asyncio.FIRST_COMPLETED)
        while waiting not in done:
            failed = [t for t in done if t is not waiting]
            if failed:
                failed[0].result()  # raises
                fail("a client ended before the shutdown", log)
            if not done:
                fail("the clients did not all open within 60 s", log)
            done, _ = await asyncio.wait([waiting, *tasks], timeout=60, return_when=asyncio.FIRST_COMPLETED)
        print(f"{NAME}: {args.clients} WebSockets open and echoing in {time.monotonic() - started:.2f} s")

        signalled.set()
        sent = time.monotonic()
        server.send_signal(SIGNAL)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            fail(f"{len(errors)} clients failed, e.g.: {errors[0]!r}", log)
        codes = {}
        for code, _, _, _ in results:
            codes[code] = codes.get(code, 0) + 1
        if codes != {1001: args.clients}:
            fail(f"close codes received: {codes} (expected 1001 for all {args.clients})", log)
        if not all(server_first for _, _, server_first, _ in results):
            fail("a client sent its Close before the server's", log)
        reasons = {reason for _, reason, _, _ in results}
        last_close = max(at for _, _, _, at in results) - sent
        remaining = max(0.0, args.limit - (time.monotonic() - sent))
        try:
            status = await asyncio.to_thread(server.wait, remaining)
        except subprocess.TimeoutExpired:
            fail(f"the server did not exit within {args.limit:.0f} s of the signal", log)
        exited = time.monotonic() - sent
        if status != 0:
            fail(f"the server exited with status {status}", log)
        print(
            f"{NAME}: {args.clients}/{args.clients} clients got Close 1001 {sorted(reasons)} "
            f"within {last_close:.2f} s; the server exited 0 {exited:.2f} s after the signal"
        )
        log.seek(0)
        print("--- server log\n" + log.read().decode(errors="replace").rstrip())
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(TMP, ignore_errors=True)


asyncio.run(main())
