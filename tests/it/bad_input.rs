//! The bad-input table: malformed handshakes over real TCP, each with the answer it must
//! get, and after each a valid handshake on the same server that must still succeed.
//!
//! The server is `axum::serve`. Routes: `/echo` behind the default layer (same-origin, no
//! subprotocol, version 13, no extensions), `/chat` behind a layer that requires the
//! subprotocol `chat.v1`, `/health`.
//!
//! Answers come from three places, and the table says which: the layer (400, 403, 426),
//! the `WebSocketUpgrade` extractor for requests that are not upgrade attempts (426 with
//! `Upgrade: websocket`), and hyper itself for heads it cannot parse (400, 431) or that
//! end before they are whole (the connection closed without a response).

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get};
use axum_ws_handshake::WebSocketLayer;
use axum_ws_handshake::policy::ServerPreference;
use common::{RFC_ACCEPT, RFC_KEY, Req, echo};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

/// How long a row may wait for an answer or a close.
const WAIT: Duration = Duration::from_secs(8);

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

fn app() -> Router {
    let echo_routes = Router::new()
        .route("/echo", any(echo))
        .route_layer(WebSocketLayer::new());
    let chat = Router::new().route("/chat", any(echo)).route_layer(
        WebSocketLayer::new().subprotocol(ServerPreference::new(["chat.v1"]).required()),
    );
    echo_routes
        .merge(chat)
        .route("/health", get(|| async { "ok" }))
}

/// Serves `app()` with `axum::serve`, on an ephemeral port.
async fn serve() -> SocketAddr {
    common::serve(app()).await
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// How a row's bytes are sent.
#[derive(Clone, Copy, Debug)]
enum Send {
    /// In one write.
    Whole,
    /// One byte per write, `ms` apart.
    ByteAtATime { ms: u64 },
    /// The first `n` bytes, then the client shuts its side down.
    HalfThenShutdown { n: usize },
}

/// What a row must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A response with this status (a 101 is checked to be the RFC's).
    Status(u16),
    /// The server closes the connection without a response (a head it never received
    /// whole).
    Close,
    /// A response with this status, or a reset: the server answers and closes while the
    /// client is still sending more than it will read, and the kernel may deliver the
    /// reset before the response.
    StatusOrReset(u16),
}

struct Row {
    name: &'static str,
    bytes: Vec<u8>,
    send: Send,
    expect: Expect,
}

fn row(name: &'static str, head: Req, expect: u16) -> Row {
    Row {
        name,
        bytes: head.bytes(),
        send: Send::Whole,
        expect: Expect::Status(expect),
    }
}

fn raw(name: &'static str, bytes: impl AsRef<[u8]>, expect: Expect) -> Row {
    Row {
        name,
        bytes: bytes.as_ref().to_vec(),
        send: Send::Whole,
        expect,
    }
}

fn sent(name: &'static str, head: Req, send: Send, expect: Expect) -> Row {
    Row {
        name,
        bytes: head.bytes(),
        send,
        expect,
    }
}

/// `n` subprotocol offers, none of them `chat.v1`.
fn many_tokens(n: usize) -> String {
    (0..n)
        .map(|i| format!("proto{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table. The layer's refusals of one header each, per RFC clause, are
/// raw_handshake.rs's tables; the rows here are the rest: methods, versions, heads hyper
/// cannot parse, oversize and slow heads, and the odd values of each header.
fn rows(addr: SocketAddr) -> Vec<Row> {
    use Expect::*;
    let hs = || Req::handshake(addr, "/echo");
    let chat = || Req::handshake(addr, "/chat");
    let garbage: Vec<u8> = (0..512u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    vec![
        // Methods: only GET is an upgrade attempt; the rest reach the handler, whose
        // extractor answers 426 with `Upgrade: websocket` (RFC 9110 §15.5.22).
        row("POST", hs().line("POST /echo HTTP/1.1"), 426),
        row("PUT", hs().line("PUT /echo HTTP/1.1"), 426),
        row("DELETE", hs().line("DELETE /echo HTTP/1.1"), 426),
        row("HEAD", hs().line("HEAD /echo HTTP/1.1"), 426),
        row(
            "lowercase get (another method)",
            hs().line("get /echo HTTP/1.1"),
            426,
        ),
        row(
            "extension method",
            hs().line("WEBSOCKET /echo HTTP/1.1"),
            426,
        ),
        row(
            "method with a delimiter",
            hs().line("G(T /echo HTTP/1.1"),
            400,
        ),
        row("no method", hs().line(" /echo HTTP/1.1"), 400),
        row(
            "CONNECT over HTTP/1.1",
            hs().line(format!("CONNECT {addr} HTTP/1.1")),
            404,
        ),
        // Versions.
        row(
            "HTTP/1.0 (RFC 9110 §7.8: Upgrade ignored)",
            hs().line("GET /echo HTTP/1.0"),
            426,
        ),
        row("HTTP/1.2", hs().line("GET /echo HTTP/1.2"), 400),
        row(
            "HTTP/2.0 in an HTTP/1 request line",
            hs().line("GET /echo HTTP/2.0"),
            400,
        ),
        row("lowercase version", hs().line("GET /echo http/1.1"), 400),
        row("HTTP/0.9 request line", hs().line("GET /echo"), 400),
        row("no target", hs().line("GET HTTP/1.1"), 400),
        row("target with a space", hs().line("GET /e cho HTTP/1.1"), 400),
        // Host (RFC 6455 §4.2.1 item 2, RFC 9112 §3.2).
        row("empty Host", hs().set("Host", ""), 400),
        row(
            "Host with a bad port",
            hs().set("Host", "127.0.0.1:99999"),
            400,
        ),
        row(
            "Host with two ports",
            hs().set("Host", format!("{addr}:1")),
            400,
        ),
        row("Host not UTF-8", hs().set("Host", b"caf\xe9.test"), 400),
        // Upgrade and Connection (§4.2.1 items 3, 4).
        row("no Upgrade (not an attempt)", hs().remove("Upgrade"), 426),
        row(
            "Upgrade: websocket/13 (not an attempt)",
            hs().set("Upgrade", "websocket/13"),
            426,
        ),
        row(
            "Upgrade: h2c (not an attempt)",
            hs().set("Upgrade", "h2c"),
            426,
        ),
        row(
            "Upgrade not UTF-8 (not an attempt)",
            hs().set("Upgrade", b"websocket\xff"),
            426,
        ),
        row(
            "Connection: upgraded",
            hs().set("Connection", "upgraded"),
            400,
        ),
        // Sec-WebSocket-Version (§4.2.1 item 6, §4.4): 426 with the supported versions.
        row("version 14", hs().set("Sec-WebSocket-Version", "14"), 426),
        row(
            "version list",
            hs().set("Sec-WebSocket-Version", "13, 8"),
            426,
        ),
        // Sec-WebSocket-Key (§4.2.1 item 5).
        row("empty key", hs().set("Sec-WebSocket-Key", ""), 400),
        row(
            "non-canonical key",
            hs().set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAB=="),
            400,
        ),
        row(
            "URL-safe key",
            hs().set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ-_"),
            400,
        ),
        row(
            "key with a space",
            hs().set("Sec-WebSocket-Key", "dGhlIHNhbXBs ZSBub25jZQ=="),
            400,
        ),
        row(
            "key not UTF-8",
            hs().set("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZ\xff=="),
            400,
        ),
        row(
            "key of 4 KiB",
            hs().set("Sec-WebSocket-Key", "A".repeat(4096)),
            400,
        ),
        // Origin (§4.2.2, §10.2; RFC 6454 §7.3).
        row(
            "Origin of another port",
            hs().add("Origin", "http://127.0.0.1:1"),
            403,
        ),
        row(
            "Origin with a path",
            hs().add("Origin", format!("http://{addr}/x")),
            403,
        ),
        row(
            "Origin not UTF-8",
            hs().add("Origin", b"http://caf\xe9.test"),
            403,
        ),
        row(
            "two Origins",
            hs().add("Origin", format!("http://{addr}"))
                .add("Origin", format!("http://{addr}")),
            400,
        ),
        // Sec-WebSocket-Protocol (§4.3: 1#token).
        row(
            "protocol with a space",
            hs().add("Sec-WebSocket-Protocol", "chat, super chat"),
            400,
        ),
        row(
            "protocol quoted",
            hs().add("Sec-WebSocket-Protocol", "\"chat\""),
            400,
        ),
        row(
            "protocol not UTF-8",
            hs().add("Sec-WebSocket-Protocol", b"ch\xe4t"),
            400,
        ),
        row("required protocol not offered", chat(), 400),
        row(
            "required protocol, other offers",
            chat().add("Sec-WebSocket-Protocol", "chat.v2, Chat.v1"),
            400,
        ),
        row(
            "2,000 offers, none supported",
            chat().add("Sec-WebSocket-Protocol", many_tokens(2000)),
            400,
        ),
        row(
            "2,000 offers, the last not a token",
            chat().add(
                "Sec-WebSocket-Protocol",
                format!("{}, chat.v1, a b", many_tokens(2000)),
            ),
            400,
        ),
        row(
            "500 lines of offers, none supported",
            (0..500).fold(chat(), |h, i| {
                h.add("Sec-WebSocket-Protocol", format!("p{i}"))
            }),
            431,
        ),
        // Sec-WebSocket-Extensions (§9.1).
        row(
            "extensions without a comma",
            hs().add("Sec-WebSocket-Extensions", "a b"),
            400,
        ),
        row(
            "extension quoted value unterminated",
            hs().add("Sec-WebSocket-Extensions", "a; x=\"1"),
            400,
        ),
        row(
            "extension empty quoted value",
            hs().add("Sec-WebSocket-Extensions", "a; x=\"\""),
            400,
        ),
        row(
            "extension not UTF-8",
            hs().add("Sec-WebSocket-Extensions", b"deflate; x=\xff"),
            400,
        ),
        row(
            "1,000 extensions, the last malformed",
            hs().add(
                "Sec-WebSocket-Extensions",
                format!("{}, a;", many_tokens(1000)),
            ),
            400,
        ),
        // Heads hyper cannot parse: it answers 400 itself and closes.
        row(
            "header name with a space",
            hs().add("Sec WebSocket-Key", RFC_KEY),
            400,
        ),
        row(
            "space before the colon (RFC 9112 §5.1)",
            hs().add("Host ", "x"),
            400,
        ),
        row(
            "header line without a colon",
            hs().raw_line("NoColonHere"),
            400,
        ),
        row("NUL in a header value", hs().add("X-Test", b"a\0b"), 400),
        row(
            "obs-fold continuation line (RFC 9112 §5.2)",
            hs().add("X-Test", "a\r\n folded"),
            400,
        ),
        row("bad Content-Length", hs().add("Content-Length", "abc"), 400),
        raw("binary garbage", &garbage, Status(400)),
        // Oversize heads: hyper's limits (100 header lines, ~400 KiB of buffer).
        row(
            "101 header lines (hyper allows 100)",
            (0..101).fold(hs(), |h, i| h.add(format!("X-{i}"), "1")),
            431,
        ),
        Row {
            name: "a 1 MiB header value",
            bytes: hs().add("X-Big", "a".repeat(1 << 20)).bytes(),
            send: Send::Whole,
            expect: StatusOrReset(431),
        },
        Row {
            name: "a 1 MiB target",
            bytes: hs()
                .line(format!("GET /{} HTTP/1.1", "a".repeat(1 << 20)))
                .bytes(),
            send: Send::Whole,
            expect: StatusOrReset(431),
        },
        // Line endings: bare LF is tolerated (RFC 9112 §2.2 lets a recipient accept it).
        row("bare LF line endings (tolerated)", hs().eol(b"\n"), 101),
        // Slow and incomplete heads.
        sent(
            "valid, a byte at a time (tolerated)",
            hs(),
            Send::ByteAtATime { ms: 1 },
            Status(101),
        ),
        sent(
            "bad key, a byte at a time",
            hs().set("Sec-WebSocket-Key", "AAAA"),
            Send::ByteAtATime { ms: 1 },
            Status(400),
        ),
        sent(
            "half a head, then the client shuts down",
            hs(),
            Send::HalfThenShutdown { n: 60 },
            Close,
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Running a row
// ---------------------------------------------------------------------------------------

/// What came back on a connection.
#[derive(Debug)]
enum Got {
    Response { status: u16, head: String },
    Closed,
    Reset,
}

/// Reads a response head, or how the connection ended.
async fn read_answer(stream: &mut TcpStream) -> Got {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("bad status line in {head:?}"));
            return Got::Response { status, head };
        }
        match timeout(WAIT, stream.read(&mut chunk)).await {
            Err(_) => panic!("no answer and no close within {WAIT:?}; read {buf:?}"),
            Ok(Ok(0)) => {
                assert!(buf.is_empty(), "closed after a partial response {buf:?}");
                return Got::Closed;
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => return Got::Reset,
            Ok(Err(e)) => panic!("read: {e}"),
        }
    }
}

async fn send(stream: &mut TcpStream, bytes: &[u8], how: Send) {
    match how {
        // The server may answer and close before it has read everything: a failed
        // write is then expected, and the answer is read next.
        Send::Whole => {
            let _ = stream.write_all(bytes).await;
        }
        Send::ByteAtATime { ms } => {
            for byte in bytes {
                if stream.write_all(std::slice::from_ref(byte)).await.is_err() {
                    break;
                }
                sleep(Duration::from_millis(ms)).await;
            }
        }
        Send::HalfThenShutdown { n } => {
            stream.write_all(&bytes[..n]).await.unwrap();
            stream.shutdown().await.unwrap();
        }
    }
}

async fn run(addr: SocketAddr, row: &Row) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).unwrap();
    send(&mut stream, &row.bytes, row.send).await;
    let got = read_answer(&mut stream).await;
    match (row.expect, &got) {
        (Expect::Status(want) | Expect::StatusOrReset(want), Got::Response { status, head })
            if *status == want =>
        {
            check_head(want, head)
        }
        (Expect::StatusOrReset(_), Got::Reset) => Ok(()),
        (Expect::Close, Got::Closed) => Ok(()),
        _ => Err(format!("expected {:?}, got {got:?}", row.expect)),
    }
}

/// The headers a status needs: a 101 is the RFC's answer to the RFC key; a 426 says
/// what to upgrade to; a refusal carries no `Sec-WebSocket-Accept`.
fn check_head(status: u16, head: &str) -> Result<(), String> {
    let lower = head.to_ascii_lowercase();
    let has = |line: &str| lower.lines().any(|l| l.trim() == line);
    let ok = match status {
        101 => {
            has(&format!(
                "sec-websocket-accept: {}",
                RFC_ACCEPT.to_ascii_lowercase()
            )) && has("upgrade: websocket")
        }
        426 => has("upgrade: websocket") && !lower.contains("sec-websocket-accept"),
        _ => !lower.contains("sec-websocket-accept"),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("wrong headers for {status}:\n{head}"))
    }
}

/// A valid handshake on a fresh connection is answered 101 and its socket echoes.
async fn assert_still_serves(addr: SocketAddr, after: &str) {
    let url = format!("ws://{addr}/echo");
    let (mut socket, response) = timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .unwrap_or_else(|_| panic!("after {after:?}: the valid handshake timed out"))
        .unwrap_or_else(|e| panic!("after {after:?}: the valid handshake failed: {e}"));
    assert_eq!(response.status(), 101, "after {after:?}");
    socket.send("still here".into()).await.unwrap();
    let echoed = timeout(WAIT, socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(echoed.into_text().unwrap(), "still here", "after {after:?}");
    socket.close(None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_its_answer_and_the_server_stays_up() {
    let addr = serve().await;
    let rows = rows(addr);
    assert!(rows.len() >= 60, "only {} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        if let Err(e) = run(addr, row).await {
            failures.push(format!("{}: {e}", row.name));
        }
        assert_still_serves(addr, row.name).await;
    }
    println!("{} rows, {} failed", rows.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
