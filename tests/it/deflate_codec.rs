//! The data path of permessage-deflate, checked on the wire with a raw client that
//! compresses and decompresses with explicit windows (RFC 7692 §7.2): compressed round
//! trips both ways, the window the server announced, context takeover, uncompressed
//! messages on a deflate connection, large and fragmented messages, RSV1 where
//! RFC 7692 §6.1 forbids it, and deflate over an HTTP/2 stream (RFC 8441).
#![cfg(feature = "deflate")]

use crate::common;

use axum::Router;
use axum::routing::any;
use axum_ws_handshake::WebSocketLayer;
use axum_ws_handshake::deflate::PerMessageDeflate;
use common::deflate::{Deflater, Inflater, echo, handshake, repeats_at};
use common::{
    Conn, OP_BINARY as BINARY, OP_CLOSE as CLOSE, OP_CONTINUATION as CONTINUATION, OP_PING as PING,
    OP_TEXT as TEXT, serve,
};

/// The policy without the default cap of the server's window (12 bits).
fn uncapped() -> PerMessageDeflate {
    PerMessageDeflate::new().server_max_window_bits(15)
}

/// A server with the echo handler behind `policy`; the connection after a 101 that
/// agreed `expected` for `offer`.
async fn connect(policy: PerMessageDeflate, offer: &str, expected: Option<&str>) -> Conn {
    let app = Router::new()
        .route("/echo", any(echo))
        .layer(WebSocketLayer::new().extensions(policy));
    let addr = serve(app).await;
    let offers: &[&str] = if offer.is_empty() { &[] } else { &[offer] };
    let answer = handshake(addr, offers).await;
    assert_eq!(answer.extensions().as_deref(), expected);
    answer.conn
}

/// JSON-like text, the kind of message compression is for.
fn text(i: usize) -> Vec<u8> {
    format!(
        r#"{{"id":{i},"type":"update","user":{{"name":"Ada Lovelace","roles":["admin","editor"]}},"items":[{}]}}"#,
        (0..40)
            .map(|n| format!(r#"{{"sku":"item-{n}","qty":{},"price":"{}.99"}}"#, n % 7, n * 3))
            .collect::<Vec<_>>()
            .join(",")
    )
    .into_bytes()
}

#[tokio::test]
async fn compressed_round_trip_with_a_browser_offer() {
    // Chrome's offer, the default policy: the server announces its 12-bit window;
    // context takeover both ways, the client's window 15 bits.
    let mut conn = connect(
        PerMessageDeflate::new(),
        "permessage-deflate; client_max_window_bits",
        Some("permessage-deflate; server_max_window_bits=12"),
    )
    .await;
    let mut deflate = Deflater::new(15);
    let mut inflate = Inflater::new(12);
    let mut sizes = Vec::new();
    for i in 0..20 {
        let message = text(i);
        // Context takeover: from the second message on, the client's compressed
        // messages refer back to earlier ones, which the server must still hold.
        conn.send_frame(true, true, TEXT, &deflate.compress(&message))
            .await;
        let (rsv1, opcode, payload) = conn.read_message().await;
        assert!(rsv1, "message {i} came back uncompressed");
        assert_eq!(opcode, TEXT);
        assert_eq!(inflate.inflate(&payload).unwrap(), message, "message {i}");
        sizes.push((message.len(), payload.len()));
    }
    // Really compressed, and better once the server's window holds earlier messages.
    let (plain, first) = sizes[0];
    assert!(first * 2 < plain, "first message: {first} of {plain} bytes");
    let (plain, last) = sizes[19];
    assert!(
        last * 10 < plain,
        "with context takeover: {last} of {plain} bytes"
    );
}

#[tokio::test]
async fn binary_messages_round_trip_too() {
    let mut conn = connect(uncapped(), "permessage-deflate", Some("permessage-deflate")).await;
    let mut deflate = Deflater::new(15);
    let mut inflate = Inflater::new(15);
    let message = repeats_at(1000, 20_000);
    conn.send_frame(true, true, BINARY, &deflate.compress(&message))
        .await;
    let (rsv1, opcode, payload) = conn.read_message().await;
    assert!(rsv1);
    assert_eq!(opcode, BINARY);
    assert_eq!(inflate.inflate(&payload).unwrap(), message);
}

#[tokio::test]
async fn a_message_sent_uncompressed_on_a_deflate_connection_still_works() {
    let mut conn = connect(uncapped(), "permessage-deflate", Some("permessage-deflate")).await;
    let mut deflate = Deflater::new(15);
    let mut inflate = Inflater::new(15);
    // RSV1 clear: an uncompressed message (RFC 7692 §6), between compressed ones.
    for (i, compressed) in [true, false, true, false].into_iter().enumerate() {
        let message = text(i);
        if compressed {
            conn.send_frame(true, true, TEXT, &deflate.compress(&message))
                .await;
        } else {
            conn.send_frame(true, false, TEXT, &message).await;
        }
        let (rsv1, _, payload) = conn.read_message().await;
        assert!(
            rsv1,
            "the echo of message {i} is long enough to be compressed"
        );
        assert_eq!(inflate.inflate(&payload).unwrap(), message, "message {i}");
    }
    // Below min_message_size (32 bytes), the server sends uncompressed.
    conn.send_frame(true, false, TEXT, b"short").await;
    assert_eq!(conn.read_message().await, (false, TEXT, b"short".to_vec()));
    // An empty compressed message (RFC 7692 §7.2.3.6: a single 0x00 byte, or nothing).
    conn.send_frame(true, true, TEXT, &[0x00]).await;
    assert_eq!(conn.read_message().await, (false, TEXT, Vec::new()));
}

#[tokio::test]
async fn the_server_keeps_the_window_it_announced() {
    // The message repeats every 4 KiB: a compressor keeping a 32 KiB window while
    // announcing less would refer 4 KiB back, and a decoder with the announced window
    // would fail ("invalid distance too far back").
    let message = repeats_at(4096, 64 * 1024);
    for bits in 9..=15u8 {
        let offer = format!("permessage-deflate; server_max_window_bits={bits}");
        let mut conn = connect(uncapped(), &offer, Some(&offer)).await;
        conn.send_frame(true, false, BINARY, &message).await;
        let (rsv1, _, payload) = conn.read_message().await;
        assert!(rsv1, "{bits} bits: not compressed");
        let decoded = Inflater::new(bits)
            .inflate(&payload)
            .unwrap_or_else(|e| panic!("{bits} bits: the server used a larger window: {e}"));
        assert_eq!(decoded, message, "{bits} bits");
        if bits >= 13 {
            // The 4 KiB period fits the window: it compresses to a fraction.
            assert!(
                payload.len() * 4 < message.len(),
                "{bits} bits: {} bytes",
                payload.len()
            );
        }
    }
}

#[tokio::test]
async fn a_server_cap_is_kept_without_the_client_asking() {
    let message = repeats_at(4096, 64 * 1024);
    let mut conn = connect(
        PerMessageDeflate::new().server_max_window_bits(10),
        "permessage-deflate",
        Some("permessage-deflate; server_max_window_bits=10"),
    )
    .await;
    conn.send_frame(true, false, BINARY, &message).await;
    let (rsv1, _, payload) = conn.read_message().await;
    assert!(rsv1);
    assert_eq!(Inflater::new(10).inflate(&payload).unwrap(), message);
}

#[tokio::test]
async fn an_8_bit_server_window_is_honoured_by_sending_uncompressed() {
    let offer = "permessage-deflate; server_max_window_bits=8";
    let mut conn = connect(uncapped(), offer, Some(offer)).await;
    let mut deflate = Deflater::new(15);
    let message = text(1);
    // The client still compresses (its own window is 15 bits).
    conn.send_frame(true, true, TEXT, &deflate.compress(&message))
        .await;
    assert_eq!(conn.read_message().await, (false, TEXT, message));
}

#[tokio::test]
async fn server_no_context_takeover_makes_every_message_decodable_alone() {
    let offer = "permessage-deflate; server_no_context_takeover";
    let mut conn = connect(uncapped(), offer, Some(offer)).await;
    for i in 0..5 {
        let message = text(i);
        conn.send_frame(true, false, TEXT, &message).await;
        let (rsv1, _, payload) = conn.read_message().await;
        assert!(rsv1);
        // A fresh decoder per message: no reference to an earlier one.
        assert_eq!(
            Inflater::new(15).inflate(&payload).unwrap(),
            message,
            "message {i}"
        );
    }
}

#[tokio::test]
async fn client_no_context_takeover_is_decoded_message_by_message() {
    let offer = "permessage-deflate; client_no_context_takeover";
    let mut conn = connect(uncapped(), offer, Some(offer)).await;
    let mut inflate = Inflater::new(15);
    for i in 0..5 {
        let message = text(i);
        // A fresh compressor per message, as the client promised.
        conn.send_frame(true, true, TEXT, &Deflater::new(15).compress(&message))
            .await;
        let (_, _, payload) = conn.read_message().await;
        assert_eq!(inflate.inflate(&payload).unwrap(), message, "message {i}");
    }
}

#[tokio::test]
async fn large_and_fragmented_messages_echo() {
    let mut conn = connect(uncapped(), "permessage-deflate", Some("permessage-deflate")).await;
    let mut deflate = Deflater::new(15);
    let mut inflate = Inflater::new(15);

    // 1 MiB compressed into one message, sent as 256-byte fragments: RSV1 on the first
    // frame only (RFC 7692 §6.1), a ping between fragments.
    let large = repeats_at(20_000, 1 << 20);
    let compressed = deflate.compress(&large);
    let fragments: Vec<&[u8]> = compressed.chunks(256).collect();
    assert!(fragments.len() > 50, "{} fragments", fragments.len());
    for (i, fragment) in fragments.iter().enumerate() {
        let (opcode, rsv1) = if i == 0 {
            (BINARY, true)
        } else {
            (CONTINUATION, false)
        };
        conn.send_frame(i + 1 == fragments.len(), rsv1, opcode, fragment)
            .await;
        if i == fragments.len() / 2 {
            conn.send_frame(true, false, PING, b"mid").await;
        }
    }
    let (rsv1, opcode, payload) = conn.read_message().await;
    assert!(rsv1);
    assert_eq!(opcode, BINARY);
    assert_eq!(inflate.inflate(&payload).unwrap(), large);

    // An uncompressed fragmented text message after it.
    let message = text(7);
    let parts: Vec<&[u8]> = message.chunks(100).collect();
    for (i, part) in parts.iter().enumerate() {
        let opcode = if i == 0 { TEXT } else { CONTINUATION };
        conn.send_frame(i + 1 == parts.len(), false, opcode, part)
            .await;
    }
    let (rsv1, opcode, payload) = conn.read_message().await;
    assert!(rsv1);
    assert_eq!(opcode, TEXT);
    assert_eq!(inflate.inflate(&payload).unwrap(), message);
}

#[tokio::test]
async fn rfc7692_6_1_rsv1_on_a_control_frame_fails_the_connection() {
    let mut conn = connect(uncapped(), "permessage-deflate", Some("permessage-deflate")).await;
    conn.send_frame(true, true, PING, b"").await;
    conn.expect_failure(&[1002]).await;
}

#[tokio::test]
async fn rfc7692_6_1_rsv1_on_a_continuation_frame_fails_the_connection() {
    let mut conn = connect(uncapped(), "permessage-deflate", Some("permessage-deflate")).await;
    conn.send_frame(false, false, TEXT, b"abc").await;
    conn.send_frame(true, true, CONTINUATION, b"def").await;
    conn.expect_failure(&[1002]).await;
}

#[tokio::test]
async fn rfc6455_5_2_rsv1_without_deflate_fails_the_connection() {
    // Nothing offered, so nothing negotiated: RSV1 has no meaning here.
    let mut conn = connect(uncapped(), "", None).await;
    conn.send_frame(true, false, TEXT, b"plain").await;
    assert_eq!(conn.read_message().await, (false, TEXT, b"plain".to_vec()));
    conn.send_frame(true, true, TEXT, &Deflater::new(15).compress(b"x"))
        .await;
    conn.expect_failure(&[1002]).await;
}

#[tokio::test]
async fn a_corrupt_compressed_message_fails_the_connection() {
    let mut conn = connect(uncapped(), "permessage-deflate", Some("permessage-deflate")).await;
    // BTYPE=11 is reserved (RFC 1951 §3.2.3): not deflate data. Never echoed.
    conn.send_frame(true, true, BINARY, &[0xff, 0xff, 0xff])
        .await;
    conn.expect_failure(&[1002, 1007, 1011]).await;
}

#[tokio::test]
async fn rfc8441_deflate_over_http2_round_trips_and_closes() {
    use axum::http::header;
    use common::h2::{extended_connect, h2_handshake, send, serve_h2c};
    use hyper_util::rt::TokioIo;

    // h2c with extended CONNECT enabled (RFC 8441 §3).
    let app = Router::new()
        .route("/echo", any(echo))
        .layer(WebSocketLayer::new().extensions(PerMessageDeflate::new()));
    let addr = serve_h2c(app, true).await;

    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server's SETTINGS (with ENABLE_CONNECT_PROTOCOL) arrive before any response.
    let (mut client, _) = h2_handshake(tcp, &format!("http://{addr}")).await;

    let request = extended_connect(
        &format!("http://{addr}/echo"),
        "websocket",
        &[(
            header::SEC_WEBSOCKET_EXTENSIONS.as_str(),
            "permessage-deflate; client_max_window_bits",
        )],
    );
    let response = send(&mut client, request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::SEC_WEBSOCKET_EXTENSIONS],
        "permessage-deflate; server_max_window_bits=12"
    );
    let upgraded = hyper::upgrade::on(response).await.unwrap();
    let mut conn = Conn::new(TokioIo::new(upgraded));

    let mut deflate = Deflater::new(15);
    let mut inflate = Inflater::new(12);
    for i in 0..3 {
        let message = text(i);
        conn.send_frame(true, true, TEXT, &deflate.compress(&message))
            .await;
        let (rsv1, _, payload) = conn.read_message().await;
        assert!(rsv1);
        assert_eq!(inflate.inflate(&payload).unwrap(), message);
    }
    // The close handshake: the server's Close reaches us before the stream ends.
    conn.send_frame(true, false, CLOSE, &1000u16.to_be_bytes())
        .await;
    let close = conn.next_frame().await.expect("the server's Close");
    assert_eq!(close.opcode, CLOSE);
    assert_eq!(close.payload[..2], 1000u16.to_be_bytes());
    assert!(
        conn.next_frame().await.is_none(),
        "the stream ends after the Close"
    );
}
