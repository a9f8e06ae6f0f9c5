"""Asserts that a WebSocket handshake to URL with `Origin: ORIGIN` is refused with STATUS
(Python websockets). For configurations that must refuse, such as a proxy that does not
forward the client's Host.

usage: expect_refused.py URL ORIGIN STATUS
"""

import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


async def main(url, origin, status):
    try:
        async with connect(url, origin=origin, open_timeout=5):
            pass
    except InvalidStatus as error:
        got = error.response.status_code
        body = error.response.body.decode(errors="replace").strip()
        if got != status:
            sys.exit(f"FAIL {url} with Origin {origin}: {got} {body!r}, expected {status}")
        print(f"PASS {url} with Origin {origin}: {got} {body!r}")
        return
    sys.exit(f"FAIL {url} with Origin {origin}: the handshake succeeded, expected {status}")


asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
