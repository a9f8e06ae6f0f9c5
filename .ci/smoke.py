"""Smoke test of the running echo example over raw sockets (standard library only).

Checks /health, the RFC 6455 example handshake with its exact Sec-WebSocket-Accept,
a masked text frame echoed back, the close handshake, and three refusals: a version, a
cross-origin Origin, and a DNS-rebinding host (the example on loopback answers for
localhost, 127.0.0.1 and [::1] at its port only).
"""
import os
import socket
import struct
import sys

PORT = int(sys.argv[1])
HOST = f"127.0.0.1:{PORT}"


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return s


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return lines[0], headers, rest


def handshake(extra="", host=HOST):
    return (
        f"GET /echo HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    ).encode()


def frame(opcode, payload):
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


def read_frame(s, buf):
    while len(buf) < 2:
        buf += s.recv(4096)
    opcode, length = buf[0] & 0x0F, buf[1] & 0x7F
    assert buf[1] & 0x80 == 0, "server frames must not be masked"
    while len(buf) < 2 + length:
        buf += s.recv(4096)
    return opcode, buf[2 : 2 + length], buf[2 + length :]


s = connect()
s.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
status, _, body = read_head(s)
assert status == "HTTP/1.1 200 OK", status
print("health:", status)

s = connect()
s.sendall(handshake("Sec-WebSocket-Version: 13\r\n") + frame(0x1, b"hello"))
status, headers, rest = read_head(s)
assert status == "HTTP/1.1 101 Switching Protocols", status
assert headers["sec-websocket-accept"] == ["s3pPLMBiTxaQ9kYGzzhZRbK+xOo="], headers
opcode, payload, rest = read_frame(s, rest)
assert (opcode, payload) == (0x1, b"hello"), (opcode, payload)
print("handshake + pipelined frame echoed:", payload)
s.sendall(frame(0x8, struct.pack("!H", 1000)))
opcode, payload, rest = read_frame(s, rest)
assert opcode == 0x8 and payload[:2] == struct.pack("!H", 1000), (opcode, payload)
print("close handshake completed with code 1000")

s = connect()
s.sendall(handshake("Sec-WebSocket-Version: 8\r\n"))
status, headers, _ = read_head(s)
assert status.startswith("HTTP/1.1 426"), status
assert headers["sec-websocket-version"] == ["13"], headers
print("version 8:", status, headers["sec-websocket-version"])

s = connect()
s.sendall(handshake("Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n"))
status, _, _ = read_head(s)
assert status.startswith("HTTP/1.1 403"), status
print("cross-origin:", status)

# DNS rebinding: a page on attacker.example, re-pointed at 127.0.0.1, is same-origin with
# its own Host; the host list refuses it before the Origin check.
rebound = f"attacker.example:{PORT}"
s = connect()
s.sendall(handshake(f"Sec-WebSocket-Version: 13\r\nOrigin: http://{rebound}\r\n", rebound))
status, _, _ = read_head(s)
assert status.startswith("HTTP/1.1 421"), status
print("rebinding host:", status)
for host in [f"localhost:{PORT}", f"127.0.0.1:{PORT}", f"[::1]:{PORT}"]:
    s = connect()
    s.sendall(handshake(f"Sec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n", host))
    status, _, _ = read_head(s)
    assert status == "HTTP/1.1 101 Switching Protocols", (host, status)
    print(f"{host}:", status)
print("smoke test passed")
