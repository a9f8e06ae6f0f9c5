"""Two Python WebSocket clients against a running echo server: `websockets` (asyncio)
and `websocket-client` (blocking). Each does the same checks:

- a handshake without a subprotocol offer; echo of a text and a binary message; a clean
  close (the server's Close frame carries 1000);
- an offer of `chat` to the server at --url, which selects none (websocket-client
  then fails the connection: see the check); left out without --url;
- an offer of `x-unknown, chat` to the server at --chat-url (started with
  `--protocol chat`), which selects `chat`; an echo over it;
- an `Origin` naming the server's own host and port: accepted;
- a cross-origin `Origin`: 403;
- `Sec-WebSocket-Version: 8` alone: 426 with `Sec-WebSocket-Version: 13`.

usage: python_clients.py [--url ws://HOST:PORT/echo] --chat-url ws://HOST:PORT/echo
                         [--ca CA.pem] [--label NAME]

Without `--url`, one server that selects `chat` serves every check: the --chat-url.
`--ca`: trust this PEM for wss:// URLs. Prints one PASS/FAIL line per check and closes
with `N passed, N failed`; exits non-zero on any failure. Every network step has a
5-second limit.
"""

import argparse
import asyncio
import ssl
import sys
import traceback
from urllib.parse import urlsplit

import websocket  # websocket-client
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

TIMEOUT = 5
CROSS_ORIGIN = "http://evil.example"
TEXT = "hello, ünïcode"
BINARY = bytes(range(256)) + b"\x00\xff"

results = []


def check(client, name, fn):
    try:
        detail = fn()
    except Exception as error:  # noqa: BLE001: a failed check of any kind is reported
        results.append(False)
        print(f"FAIL {client}: {name}: {error!r}")
        traceback.print_exc(limit=3)
    else:
        results.append(True)
        print(f"PASS {client}: {name}" + (f" ({detail})" if detail else ""))


def same_origin(url):
    """The Origin a page served by this server would send: http(s)://host:port."""
    parts = urlsplit(url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return f"{scheme}://{parts.netloc}"


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


# --- websockets (asyncio) ----------------------------------------------------------------


class Version8Connection(ClientConnection):
    """A connection whose opening handshake says `Sec-WebSocket-Version: 8` instead of
    13: `additional_headers` would add a second line, which is another refusal (a
    repeated version), so the request the protocol object builds is edited instead."""

    def __init__(self, protocol, *args, **kwargs):
        build = protocol.connect

        def connect_v8():
            request = build()
            del request.headers["Sec-WebSocket-Version"]
            request.headers["Sec-WebSocket-Version"] = "8"
            return request

        protocol.connect = connect_v8
        super().__init__(protocol, *args, **kwargs)


def run_websockets(args, ssl_context):
    client = f"websockets {websockets.__version__}{args.label}"
    options = {"open_timeout": TIMEOUT, "close_timeout": TIMEOUT}
    if ssl_context is not None:
        options["ssl"] = ssl_context

    def run(coroutine):
        return lambda: asyncio.run(asyncio.wait_for(coroutine(), TIMEOUT * 3))

    async def echo_and_close():
        async with connect(args.url, **options) as ws:
            expect(ws.subprotocol is None, f"subprotocol {ws.subprotocol!r}")
            await ws.send(TEXT)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            expect(got == TEXT, f"text echo {got!r}")
            await ws.send(BINARY)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            expect(got == BINARY, f"binary echo {got!r}")
            await ws.close(1000, "bye")
            received = ws.protocol.close_rcvd
            expect(received is not None and received.code == 1000, f"close {received!r}")
            return f"text, {len(BINARY)} binary bytes, server Close {received.code}"

    async def offer_to_plain():
        async with connect(args.url, subprotocols=["chat"], **options) as ws:
            expect(ws.subprotocol is None, f"subprotocol {ws.subprotocol!r}")
            return "none selected"

    async def offer_to_chat():
        async with connect(args.chat_url, subprotocols=["x-unknown", "chat"], **options) as ws:
            expect(ws.subprotocol == "chat", f"subprotocol {ws.subprotocol!r}")
            await ws.send(TEXT)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            expect(got == TEXT, f"echo {got!r}")
            return "chat selected, echo"

    async def origin_ok():
        async with connect(args.url, origin=same_origin(args.url), **options) as ws:
            await ws.send("origin")
            expect(await asyncio.wait_for(ws.recv(), TIMEOUT) == "origin", "echo")
            return same_origin(args.url)

    async def refused(expected_status, **kwargs):
        try:
            async with connect(args.url, **options, **kwargs):
                pass
        except InvalidStatus as error:
            response = error.response
            expect(
                response.status_code == expected_status,
                f"status {response.status_code}, body {response.body!r}",
            )
            return response
        raise AssertionError("the handshake succeeded")

    async def cross_origin():
        response = await refused(403, origin=CROSS_ORIGIN)
        return f"{response.status_code} {response.body.decode(errors='replace').strip()!r}"

    async def version_8():
        response = await refused(426, create_connection=Version8Connection)
        versions = response.headers.get_all("Sec-WebSocket-Version")
        expect(versions == ["13"], f"Sec-WebSocket-Version {versions!r}")
        return f"426, Sec-WebSocket-Version: {versions[0]}"

    check(client, "handshake, no offer; echo text + binary; clean close", run(echo_and_close))
    if args.plain:
        check(client, "offer chat to a server without protocols", run(offer_to_plain))
    check(client, "offer x-unknown, chat to --protocol chat", run(offer_to_chat))
    check(client, "same-origin Origin accepted", run(origin_ok))
    check(client, "cross-origin Origin refused", run(cross_origin))
    check(client, "version 8 refused", run(version_8))


# --- websocket-client --------------------------------------------------------------------


def run_websocket_client(args, ssl_context):
    client = f"websocket-client {websocket.__version__}{args.label}"
    options = {"timeout": TIMEOUT}
    if ssl_context is not None:
        options["sslopt"] = {"context": ssl_context}

    def echo_and_close():
        # websocket-client sends `Origin: http://HOST:PORT` of the URL by default:
        # the same origin, so the default policy accepts it.
        ws = websocket.create_connection(args.url, **options)
        try:
            expect(not ws.getsubprotocol(), f"subprotocol {ws.getsubprotocol()!r}")
            ws.send(TEXT)
            got = ws.recv()
            expect(got == TEXT, f"text echo {got!r}")
            ws.send_binary(BINARY)
            got = ws.recv()
            expect(got == BINARY, f"binary echo {got!r}")
            ws.send_close(1000, b"bye")
            opcode, data = ws.recv_data(control_frame=True)
            expect(opcode == websocket.ABNF.OPCODE_CLOSE, f"opcode {opcode}")
            code = int.from_bytes(data[:2], "big")
            expect(code == 1000, f"close code {code}")
            return f"text, {len(BINARY)} binary bytes, server Close {code}"
        finally:
            ws.shutdown()

    def offer_to_plain():
        # The server selects none and answers 101 without Sec-WebSocket-Protocol, which
        # RFC 6455 §4.1 lets a client accept; websocket-client fails the connection
        # instead (its _validate wants one of its offers back). Checked as its behaviour.
        try:
            ws = websocket.create_connection(args.url, subprotocols=["chat"], **options)
        except websocket.WebSocketException as error:
            expect(str(error) == "Invalid WebSocket Header", f"{error!r}")
            return "none selected; websocket-client then fails the connection by its own rule"
        ws.close()
        raise AssertionError("websocket-client accepted a 101 without its subprotocol")

    def offer_to_chat():
        ws = websocket.create_connection(
            args.chat_url, subprotocols=["x-unknown", "chat"], **options
        )
        try:
            expect(ws.getsubprotocol() == "chat", f"subprotocol {ws.getsubprotocol()!r}")
            ws.send(TEXT)
            expect(ws.recv() == TEXT, "echo")
            return "chat selected, echo"
        finally:
            ws.close()

    def origin_ok():
        ws = websocket.create_connection(args.url, origin=same_origin(args.url), **options)
        try:
            ws.send("origin")
            expect(ws.recv() == "origin", "echo")
            return same_origin(args.url)
        finally:
            ws.close()

    def refused(expected_status, **kwargs):
        try:
            ws = websocket.create_connection(args.url, **options, **kwargs)
        except websocket.WebSocketBadStatusException as error:
            expect(error.status_code == expected_status, f"status {error.status_code}")
            return error
        ws.close()
        raise AssertionError("the handshake succeeded")

    def cross_origin():
        error = refused(403, origin=CROSS_ORIGIN)
        return f"{error.status_code}"

    def version_8():
        # A `Sec-WebSocket-Version` given in `header` replaces the library's own.
        error = refused(426, header={"Sec-WebSocket-Version": "8"})
        headers = {k.lower(): v for k, v in (error.resp_headers or {}).items()}
        expect(headers.get("sec-websocket-version") == "13", f"headers {headers!r}")
        return "426, Sec-WebSocket-Version: 13"

    check(client, "handshake, no offer; echo text + binary; clean close", echo_and_close)
    if args.plain:
        check(client, "offer chat to a server without protocols", offer_to_plain)
    check(client, "offer x-unknown, chat to --protocol chat", offer_to_chat)
    check(client, "same-origin Origin accepted", origin_ok)
    check(client, "cross-origin Origin refused", cross_origin)
    check(client, "version 8 refused", version_8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--chat-url", required=True)
    parser.add_argument("--ca")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    # A server that selects no subprotocol, or only the one that selects `chat`.
    args.plain = args.url is not None
    if args.url is None:
        args.url = args.chat_url
    if args.label:
        args.label = f" [{args.label}]"
    ssl_context = None
    if args.ca:
        ssl_context = ssl.create_default_context(cafile=args.ca)
    run_websockets(args, ssl_context)
    run_websocket_client(args, ssl_context)
    passed = sum(results)
    failed = len(results) - passed
    print(f"python clients{args.label}")
    print(f"python: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
