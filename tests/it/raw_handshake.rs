//! The opening handshake byte for byte over a raw TCP socket against a real
//! `axum::serve` server: what the RFC example gets, every refusal of the status table,
//! requests the layer must let through, and the first frames after the 101.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::routing::{any, get};
use axum_ws_handshake::policy::AllowedOrigins;
use axum_ws_handshake::{Negotiated, WebSocketLayer};
use common::*;
use tower::ServiceExt;

/// Routes behind the default layer: a plain page, a WebSocket echo on any method and one
/// on GET only, and a page that reports what reached it.
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello world" }))
        .route("/ws", any(echo))
        .route("/ws-get", get(echo))
        .route("/inspect", any(inspect))
        .layer(WebSocketLayer::new())
}

/// What the inner service saw: method, version, the upgrade headers and whether the
/// layer negotiated anything.
async fn inspect(request: Request) -> String {
    let header = |name: &str| {
        request
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    format!(
        "method={} version={:?} upgrade={} connection={} key={} negotiated={}",
        request.method(),
        request.version(),
        header("upgrade"),
        header("connection"),
        header("sec-websocket-key"),
        request.extensions().get::<Negotiated>().is_some()
    )
}

/// A valid handshake on a fresh connection succeeds and the socket echoes a frame.
async fn assert_still_serves(addr: SocketAddr) {
    let mut conn = Conn::connect(addr).await;
    conn.write(&Req::handshake(addr, "/ws").bytes()).await;
    let response = conn.read_head().await;
    assert_switching_protocols(&response);
    conn.write(&client_frame(OP_TEXT, b"still here")).await;
    let frame = conn.read_frame().await;
    assert_eq!(frame.raw, b"\x81\x0astill here");
}

/// One refusal of the status table: the valid handshake to `/ws` edited, the status it
/// gets, and a word its body must name.
type Refusal = (fn(Req) -> Req, u16, &'static str);

/// Runs each refusal of a table on one server with [`assert_refused`].
async fn assert_refusals(table: &[Refusal]) -> Vec<RawResponse> {
    let addr = serve(app()).await;
    let mut responses = Vec::new();
    for &(edit, status, word) in table {
        responses.push(assert_refused(addr, edit, status, word).await);
    }
    responses
}

/// Sends the valid handshake edited by `edit` to `/ws`, asserts the refusal's status,
/// its short `text/plain` body containing `word`, the absence of anything of a 101, and
/// that the server still accepts a valid handshake afterwards.
async fn assert_refused(
    addr: SocketAddr,
    edit: fn(Req) -> Req,
    status: u16,
    word: &str,
) -> RawResponse {
    let request = edit(Req::handshake(addr, "/ws"));
    let response = exchange(addr, &request).await;
    assert_eq!(
        response.status,
        status,
        "{:?} got\n{}{}",
        String::from_utf8_lossy(&request.bytes()),
        response.head,
        response.text()
    );
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8"),
        "{}",
        response.head
    );
    let body = response.text();
    assert!(body.contains(word), "body {body:?} does not name {word:?}");
    assert!(body.len() < 200, "body is not short: {body:?}");
    assert!(!response.has("sec-websocket-accept"), "{}", response.head);
    assert!(!response.has("sec-websocket-protocol"), "{}", response.head);
    assert!(
        !response.has("sec-websocket-extensions"),
        "{}",
        response.head
    );
    if status == 426 {
        // RFC 9110 §15.5.22 and §7.8; RFC 6455 §4.4.
        assert_eq!(
            response.header("upgrade"),
            Some("websocket"),
            "{}",
            response.head
        );
        assert_eq!(
            response.header("connection"),
            Some("upgrade"),
            "{}",
            response.head
        );
        assert_eq!(
            response.header("sec-websocket-version"),
            Some("13"),
            "{}",
            response.head
        );
    } else {
        assert!(!response.has("upgrade"), "{}", response.head);
        assert!(!response.has("sec-websocket-version"), "{}", response.head);
    }
    assert_still_serves(addr).await;
    response
}

// ---------------------------------------------------------------------------------------
// Accepted handshakes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_2_accept_of_the_rfc_example_key() {
    let addr = serve(app()).await;
    let request = b"GET /ws HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\n\
        \r\n";
    let mut conn = Conn::connect(addr).await;
    conn.write(request).await;
    let response = conn.read_head().await;
    assert!(
        response
            .head
            .starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{}",
        response.head
    );
    assert_switching_protocols(&response);
    assert!(
        response.head.contains("\r\nupgrade: websocket\r\n"),
        "{}",
        response.head
    );
    assert!(
        response.head.contains("\r\nconnection: upgrade\r\n"),
        "{}",
        response.head
    );
    assert!(
        response
            .head
            .contains("\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{}",
        response.head
    );
    assert!(!response.has("sec-websocket-protocol"), "{}", response.head);
    assert!(
        !response.has("sec-websocket-extensions"),
        "{}",
        response.head
    );
    // RFC 9110 §8.6: no Content-Length in a 1xx; nothing else but Date besides.
    for (name, _) in &response.headers {
        assert!(
            ["upgrade", "connection", "sec-websocket-accept", "date"].contains(&name.as_str()),
            "unexpected header {name} in\n{}",
            response.head
        );
    }
    // The server sends nothing after the 101 until the client speaks.
    assert!(conn.pending().is_empty(), "{:?}", conn.pending());
}

#[tokio::test]
async fn rfc6455_1_2_the_full_example_with_origin_and_subprotocols() {
    let app = Router::new().route("/chat", any(echo)).layer(
        WebSocketLayer::new()
            .origin(AllowedOrigins::new(["http://example.com"]))
            .subprotocols(["chat"]),
    );
    let addr = serve(app).await;
    let request = b"GET /chat HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\
        \r\n";
    let mut conn = Conn::connect(addr).await;
    conn.write(request).await;
    let response = conn.read_head().await;
    assert_switching_protocols(&response);
    assert_eq!(response.header("sec-websocket-protocol"), Some("chat"));
    assert!(!response.has("sec-websocket-extensions"));
}

#[tokio::test]
async fn rfc6455_4_2_1_item_4_firefox_connection_keep_alive_upgrade() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/ws").set("Connection", "keep-alive, Upgrade");
    assert_switching_protocols(&exchange(addr, &request).await);
}

#[tokio::test]
async fn rfc9110_5_3_connection_split_over_two_lines() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/ws")
        .set("Connection", "keep-alive")
        .add("Connection", "Upgrade");
    assert_switching_protocols(&exchange(addr, &request).await);
}

#[tokio::test]
async fn rfc9110_5_1_header_names_and_tokens_in_odd_case() {
    let addr = serve(app()).await;
    let request = Req::new("GET", "/ws")
        .add("hOsT", addr.to_string())
        .add("UPGRADE", "WebSocket")
        .add("cOnNeCtIoN", "UPGRADE")
        .add("SEC-WEBSOCKET-KEY", RFC_KEY)
        .add("sec-websocket-VERSION", "13");
    assert_switching_protocols(&exchange(addr, &request).await);
}

#[tokio::test]
async fn rfc6455_4_1_upgrade_listing_several_protocols_is_an_attempt() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/ws").set("Upgrade", "h2c, websocket");
    assert_switching_protocols(&exchange(addr, &request).await);
}

// ---------------------------------------------------------------------------------------
// The status table
// ---------------------------------------------------------------------------------------

// One table per clause; each row is one edit of the valid handshake.

#[tokio::test]
async fn rfc6455_4_2_1_item_2_host_missing_is_400() {
    let responses = assert_refusals(&[(|r| r.remove("Host"), 400, "Host")]).await;
    assert_eq!(responses[0].status_line, "HTTP/1.1 400 Bad Request");
}

/// A `Host` "with an invalid field value" MUST get 400: duplicated, not a `uri-host
/// [":" port]`, or between brackets what RFC 3986 §3.2.2 does not allow there (only an
/// IPv6 address or `v<hex>.<...>`, IPvFuture; found by the fuzz target).
#[tokio::test]
async fn rfc9112_3_2_host_duplicated_or_invalid_is_400() {
    assert_refusals(&[
        (|r| r.add("Host", "other.example.com"), 400, "Host"),
        (|r| r.set("Host", "a b"), 400, "Host"),
        (|r| r.set("Host", "a/b"), 400, "Host"),
        (|r| r.set("Host", "a@b"), 400, "Host"),
        (|r| r.set("Host", "[::1"), 400, "Host"),
        (|r| r.set("Host", "example.com:80x"), 400, "Host"),
        (|r| r.set("Host", "[zz]"), 400, "Host"),
        (|r| r.set("Host", "[1.2.3.4]"), 400, "Host"),
        (|r| r.set("Host", "[:::]"), 400, "Host"),
        (|r| r.set("Host", "[v.1]"), 400, "Host"),
        (|r| r.set("Host", "[vz.1]"), 400, "Host"),
    ])
    .await;
}

/// Missing, without the `upgrade` token, or with a token that only contains it.
#[tokio::test]
async fn rfc6455_4_2_1_item_4_connection_without_the_upgrade_token_is_400() {
    assert_refusals(&[
        (|r| r.set("Connection", "keep-alive"), 400, "Connection"),
        (|r| r.remove("Connection"), 400, "Connection"),
        (|r| r.set("Connection", "x-upgrade"), 400, "Connection"),
    ])
    .await;
}

/// Missing, or not the base64 of 16 bytes (15, 17, unpadded).
#[tokio::test]
async fn rfc6455_4_2_1_item_5_key_missing_or_not_16_bytes_is_400() {
    const KEY: &str = "Sec-WebSocket-Key";
    assert_refusals(&[
        (|r| r.remove(KEY), 400, KEY),
        (|r| r.set(KEY, "dGhlIHNhbXBsZSBub25j"), 400, KEY),
        (|r| r.set(KEY, "dGhlIHNhbXBsZSBub25jZUE="), 400, KEY),
        (|r| r.set(KEY, "dGhlIHNhbXBsZSBub25jZQ"), 400, "16 bytes"),
    ])
    .await;
}

#[tokio::test]
async fn rfc6455_11_3_1_key_duplicated_is_400() {
    assert_refusals(&[(
        |r| r.add("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="),
        400,
        "Sec-WebSocket-Key",
    )])
    .await;
}

/// An element that is not a token, on the first line or a second one.
#[tokio::test]
async fn rfc6455_4_3_protocol_element_not_a_token_is_400() {
    const PROTOCOL: &str = "Sec-WebSocket-Protocol";
    assert_refusals(&[
        (|r| r.add(PROTOCOL, "a b"), 400, PROTOCOL),
        (
            |r| r.add(PROTOCOL, "chat").add(PROTOCOL, "a/b"),
            400,
            PROTOCOL,
        ),
    ])
    .await;
}

/// A parameter without a name; a quoted value that is not a token once unquoted.
#[tokio::test]
async fn rfc6455_9_1_malformed_extensions_are_400() {
    const EXTENSIONS: &str = "Sec-WebSocket-Extensions";
    assert_refusals(&[
        (
            |r| r.add(EXTENSIONS, "permessage-deflate; ="),
            400,
            EXTENSIONS,
        ),
        (|r| r.add(EXTENSIONS, "x; y=\"1 2\""), 400, EXTENSIONS),
    ])
    .await;
}

#[tokio::test]
async fn rfc6454_7_3_origin_duplicated_is_400() {
    assert_refusals(&[(
        |r| {
            r.add("Origin", "http://a.example")
                .add("Origin", "http://b.example")
        },
        400,
        "Origin",
    )])
    .await;
}

/// Missing, another version, not a number, a leading zero.
#[tokio::test]
async fn rfc6455_4_4_version_missing_or_not_13_is_426() {
    const VERSION: &str = "Sec-WebSocket-Version";
    let responses = assert_refusals(&[
        (|r| r.remove(VERSION), 426, VERSION),
        (|r| r.set(VERSION, "8"), 426, VERSION),
        (|r| r.set(VERSION, "abc"), 426, VERSION),
        (|r| r.set(VERSION, "013"), 426, VERSION),
    ])
    .await;
    assert_eq!(responses[1].status_line, "HTTP/1.1 426 Upgrade Required");
}

#[tokio::test]
async fn rfc6455_11_3_5_version_duplicated_is_426() {
    assert_refusals(&[(
        |r| r.add("Sec-WebSocket-Version", "13"),
        426,
        "Sec-WebSocket-Version",
    )])
    .await;
}

#[tokio::test]
async fn rfc6455_4_4_draft_hixie_76_request_learns_the_version() {
    // draft-hixie-thewebsocketprotocol-76 §1.2's example: Key1/Key2 and no version.
    // (Its 8-byte key3 body has no Content-Length, so it is left out: hyper would read it
    // as the start of a next request.)
    let responses = assert_refusals(&[(
        |r| {
            r.remove("Sec-WebSocket-Key")
                .remove("Sec-WebSocket-Version")
                .set("Upgrade", "WebSocket")
                .add("Sec-WebSocket-Key2", "12998 5 Y3 1  .P00")
                .add("Sec-WebSocket-Protocol", "sample")
                .add("Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5")
        },
        426,
        "Sec-WebSocket-Version",
    )])
    .await;
    assert_eq!(responses[0].header("sec-websocket-version"), Some("13"));
}

/// Another site's origin, and `null` (an opaque origin: a sandboxed page, a file).
#[tokio::test]
async fn rfc6455_10_2_cross_origin_is_403() {
    let responses = assert_refusals(&[
        (|r| r.add("Origin", "http://evil.example"), 403, "Origin"),
        (|r| r.add("Origin", "null"), 403, "Origin"),
    ])
    .await;
    assert_eq!(responses[0].status_line, "HTTP/1.1 403 Forbidden");
}

#[tokio::test]
async fn rfc6455_4_2_1_a_refused_connection_stays_usable() {
    // A refusal is an ordinary HTTP/1.1 response: the persistent connection carries on,
    // and the next request on it may be a valid handshake.
    let addr = serve(app()).await;
    let mut conn = Conn::connect(addr).await;
    for (request, status) in [
        (Req::handshake(addr, "/ws").remove("Sec-WebSocket-Key"), 400),
        (Req::handshake(addr, "/ws").add("Origin", "null"), 403),
        (
            Req::handshake(addr, "/ws").set("Sec-WebSocket-Version", "8"),
            426,
        ),
    ] {
        conn.write(&request.bytes()).await;
        let refused = conn.read_response().await;
        assert_eq!(refused.status, status, "{}", refused.head);
    }
    conn.write(&Req::handshake(addr, "/ws").bytes()).await;
    let response = conn.read_head().await;
    assert_switching_protocols(&response);
    conn.write(&client_frame(OP_TEXT, b"again")).await;
    assert_eq!(conn.read_frame().await.raw, b"\x81\x05again");
}

// ---------------------------------------------------------------------------------------
// After the 101
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_2_first_frame_pipelined_with_the_handshake_is_echoed() {
    let addr = serve(app()).await;
    let mut bytes = Req::handshake(addr, "/ws").bytes();
    bytes.extend_from_slice(&client_frame(OP_TEXT, b"hello"));
    let mut conn = Conn::connect(addr).await;
    conn.write(&bytes).await; // one write() call
    let response = conn.read_head().await;
    assert_switching_protocols(&response);
    let frame = conn.read_frame().await;
    assert_eq!(
        frame,
        Frame {
            fin: true,
            rsv: 0,
            opcode: OP_TEXT,
            masked: false, // RFC 6455 §5.1: a server MUST NOT mask
            payload: b"hello".to_vec(),
            raw: b"\x81\x05hello".to_vec(),
        }
    );
}

#[tokio::test]
async fn rfc6455_5_6_binary_frame_is_echoed() {
    let addr = serve(app()).await;
    let mut conn = Conn::connect(addr).await;
    conn.write(&Req::handshake(addr, "/ws").bytes()).await;
    assert_switching_protocols(&conn.read_head().await);
    conn.write(&client_frame(OP_BINARY, &[0, 1, 2, 0xff])).await;
    assert_eq!(conn.read_frame().await.raw, [0x82, 0x04, 0, 1, 2, 0xff]);
}

#[tokio::test]
async fn rfc6455_5_5_3_ping_is_answered_with_pong() {
    let addr = serve(app()).await;
    let mut conn = Conn::connect(addr).await;
    conn.write(&Req::handshake(addr, "/ws").bytes()).await;
    assert_switching_protocols(&conn.read_head().await);
    conn.write(&client_frame(OP_PING, b"are you there")).await;
    // The pong goes out when the server next reads or writes: make it write.
    conn.write(&client_frame(OP_TEXT, b"x")).await;
    let pong = conn.read_frame().await;
    assert_eq!(pong.opcode, OP_PONG, "{pong:?}");
    assert_eq!(pong.raw, b"\x8a\x0dare you there");
    assert_eq!(conn.read_frame().await.raw, b"\x81\x01x");
}

#[tokio::test]
async fn rfc6455_5_5_1_close_is_answered_with_close_then_tcp_closes() {
    let addr = serve(app()).await;
    let mut conn = Conn::connect(addr).await;
    conn.write(&Req::handshake(addr, "/ws").bytes()).await;
    assert_switching_protocols(&conn.read_head().await);
    conn.write(&client_frame(OP_CLOSE, &1000u16.to_be_bytes()))
        .await;
    // Everything until the server closes the TCP connection (each read bounded by TIMEOUT):
    // exactly one unmasked Close frame echoing the status code 1000.
    let rest = conn.read_to_end().await;
    assert_eq!(rest, [0x88, 0x02, 0x03, 0xe8], "{rest:x?}");
}

// ---------------------------------------------------------------------------------------
// Requests that are not upgrade attempts pass through untouched
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn plain_get_reaches_its_route() {
    let addr = serve(app()).await;
    let response = exchange(addr, &Req::new("GET", "/").add("Host", addr.to_string())).await;
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert_eq!(response.body, b"hello world");
    assert!(!response.has("upgrade"));
}

#[tokio::test]
async fn rfc6455_4_1_post_with_upgrade_websocket_passes_through_untouched() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/inspect")
        .method("POST")
        .add("Content-Length", "0");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(
        response.text(),
        format!(
            "method=POST version=HTTP/1.1 upgrade=websocket connection=Upgrade key={RFC_KEY} negotiated=false"
        )
    );
}

#[tokio::test]
async fn rfc6455_4_1_post_with_upgrade_websocket_gets_the_extractors_426() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/ws")
        .method("POST")
        .add("Content-Length", "0");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 426, "{}", response.head);
    assert_eq!(response.header("upgrade"), Some("websocket"));
    assert_eq!(response.header("connection"), Some("upgrade"));
    assert!(!response.has("sec-websocket-accept"));
    assert!(
        response.text().contains("WebSocket only"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn rfc6455_4_1_post_on_a_get_route_is_axums_405() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/ws-get")
        .method("POST")
        .add("Content-Length", "0");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 405, "{}", response.head);
    assert_eq!(response.header("allow"), Some("GET,HEAD"));
    assert!(!response.has("sec-websocket-accept"));
}

#[tokio::test]
async fn rfc9110_7_8_http10_get_with_upgrade_passes_through_untouched() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/inspect").version("HTTP/1.0");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(
        response.text(),
        format!(
            "method=GET version=HTTP/1.0 upgrade=websocket connection=Upgrade key={RFC_KEY} negotiated=false"
        )
    );
}

#[tokio::test]
async fn rfc9110_7_8_http10_get_with_upgrade_gets_the_extractors_426() {
    let addr = serve(app()).await;
    let request = Req::handshake(addr, "/ws").version("HTTP/1.0");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 426, "{}", response.head);
    assert_eq!(response.header("upgrade"), Some("websocket"));
    assert!(!response.has("sec-websocket-accept"));
    assert!(
        response.text().contains("WebSocket only"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn rfc9110_7_8_upgrade_h2c_passes_through_untouched() {
    let addr = serve(app()).await;
    let request = Req::new("GET", "/inspect")
        .add("Host", addr.to_string())
        .add("Connection", "Upgrade, HTTP2-Settings")
        .add("Upgrade", "h2c")
        .add("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(
        response.text(),
        "method=GET version=HTTP/1.1 upgrade=h2c connection=Upgrade, HTTP2-Settings key= negotiated=false"
    );
}

#[tokio::test]
async fn rfc9110_7_8_upgrade_h2c_on_a_websocket_route_gets_the_extractors_426() {
    // Not a WebSocket attempt, so not validated as one: no 400 for the missing key.
    let addr = serve(app()).await;
    let request = Req::new("GET", "/ws")
        .add("Host", addr.to_string())
        .add("Connection", "Upgrade, HTTP2-Settings")
        .add("Upgrade", "h2c")
        .add("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 426, "{}", response.head);
    assert_eq!(response.header("upgrade"), Some("websocket"));
    assert!(
        response.text().contains("WebSocket only"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn plain_get_on_a_websocket_route_gets_the_extractors_426() {
    let addr = serve(app()).await;
    let response = exchange(addr, &Req::new("GET", "/ws").add("Host", addr.to_string())).await;
    assert_eq!(response.status_line, "HTTP/1.1 426 Upgrade Required");
    assert_eq!(response.header("upgrade"), Some("websocket"));
    assert_eq!(response.header("connection"), Some("upgrade"));
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        response.text().contains("Upgrade: websocket"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn rfc6455_4_2_2_resource_name_a_route_without_websocket_gets_404() {
    // The layer validates the attempt and hands the agreement on; the route answers a
    // page, which is no WebSocket answer: the client gets a 404 instead (RFC 6455
    // §4.2.2 step 4, /resource name/), and the page is not sent.
    let addr = serve(app()).await;
    let response = exchange(addr, &Req::handshake(addr, "/inspect")).await;
    assert_eq!(
        response.status_line, "HTTP/1.1 404 Not Found",
        "{}",
        response.head
    );
    assert!(!response.has("upgrade"), "{}", response.head);
    assert!(
        response
            .text()
            .ends_with("(RFC 6455 §4.2.2 step 4 /resource name/)"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn rfc6455_4_2_2_steps_2_3_a_route_declining_reaches_the_client_as_it_is() {
    // 3xx, 4xx and 5xx are the handler's to send (a redirect, 401): they pass unchanged,
    // and the route saw the agreement.
    let app = Router::new()
        .route(
            "/decline",
            any(|negotiated: Option<Negotiated>| async move {
                let status = match negotiated {
                    Some(_) => StatusCode::UNAUTHORIZED,
                    None => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, [(header::WWW_AUTHENTICATE, "Bearer")], "negotiated")
            }),
        )
        .layer(WebSocketLayer::new());
    let addr = serve(app).await;
    let response = exchange(addr, &Req::handshake(addr, "/decline")).await;
    assert_eq!(response.status, 401, "{}", response.head);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert_eq!(response.text(), "negotiated");
}

// ---------------------------------------------------------------------------------------
// The extractor without the layer
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn extractor_without_the_layer_answers_500_on_an_upgrade_attempt() {
    let addr = serve(Router::new().route("/ws", any(echo))).await;
    let response = exchange(addr, &Req::handshake(addr, "/ws")).await;
    assert_eq!(response.status_line, "HTTP/1.1 500 Internal Server Error");
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let body = response.text();
    assert!(body.contains("without WebSocketLayer"), "{body}");
    assert!(!response.has("sec-websocket-accept"));
    assert!(!response.has("upgrade"));
}

#[tokio::test]
async fn extractor_without_the_layer_answers_426_to_a_plain_get() {
    let addr = serve(Router::new().route("/ws", any(echo))).await;
    let response = exchange(addr, &Req::new("GET", "/ws").add("Host", addr.to_string())).await;
    assert_eq!(response.status, 426, "{}", response.head);
    assert_eq!(response.header("upgrade"), Some("websocket"));
}

#[tokio::test]
async fn extractor_on_a_request_hyper_cannot_upgrade_answers_500() {
    // Driven with tower's oneshot, not hyper: the layer negotiates, but the request has no
    // hyper `OnUpgrade`, so the connection cannot be taken over.
    let request = http::Request::get("/ws")
        .header("host", "server.example.com")
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-key", RFC_KEY)
        .header("sec-websocket-version", "13")
        .body(Body::empty())
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 500);
    assert!(!response.headers().contains_key("sec-websocket-accept"));
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.contains("cannot be upgraded"), "{body}");
}
