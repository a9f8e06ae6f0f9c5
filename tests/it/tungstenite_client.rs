//! A real WebSocket client (tokio-tungstenite 0.29) against the layer and an echo
//! handler: messages both ways, control frames, the close handshake and subprotocols.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::any;
use axum_ws_handshake::WebSocketLayer;
use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{Error, ProtocolError, SubProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async, connect_async};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn server() -> SocketAddr {
    serve(
        Router::new()
            .route("/ws", any(echo))
            .layer(WebSocketLayer::new().subprotocols(["b", "a"])),
    )
    .await
}

async fn connect(addr: SocketAddr) -> Client {
    let (client, response) = timeout(TIMEOUT, connect_async(format!("ws://{addr}/ws")))
        .await
        .expect("connect timed out")
        .expect("handshake");
    assert_eq!(response.status(), 101);
    assert!(!response.headers().contains_key("sec-websocket-protocol"));
    client
}

async fn next(client: &mut Client) -> Message {
    timeout(TIMEOUT, client.next())
        .await
        .expect("no message within TIMEOUT")
        .expect("stream ended")
        .expect("read error")
}

/// Handshakes with `Sec-WebSocket-Protocol: offer` through `client_async`.
async fn connect_offering(
    addr: SocketAddr,
    offer: &str,
) -> Result<(Client, http::Response<Option<Vec<u8>>>), Error> {
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", offer.parse().unwrap());
    let tcp = TcpStream::connect(addr).await.unwrap();
    timeout(TIMEOUT, client_async(request, MaybeTlsStream::Plain(tcp)))
        .await
        .expect("handshake timed out")
}

#[tokio::test]
async fn rfc6455_5_6_text_is_echoed() {
    let mut client = connect(server().await).await;
    client.send(Message::text("hello, world")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("hello, world"));
    client.send(Message::text("é ✓")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("é ✓"));
}

#[tokio::test]
async fn rfc6455_5_6_binary_is_echoed() {
    let mut client = connect(server().await).await;
    let payload: Vec<u8> = (0..=255).collect();
    client.send(Message::binary(payload.clone())).await.unwrap();
    assert_eq!(next(&mut client).await, Message::binary(payload));
    // Larger than 125 and than 65535 bytes: the 16- and 64-bit length forms (§5.2).
    for size in [1000, 70_000] {
        let payload = vec![0x5a; size];
        client.send(Message::binary(payload.clone())).await.unwrap();
        assert_eq!(next(&mut client).await, Message::binary(payload));
    }
}

#[tokio::test]
async fn rfc6455_5_5_2_ping_is_answered_with_pong() {
    let mut client = connect(server().await).await;
    client
        .send(Message::Ping(Bytes::from_static(b"ping-1")))
        .await
        .unwrap();
    assert_eq!(
        next(&mut client).await,
        Message::Pong(Bytes::from_static(b"ping-1"))
    );
}

#[tokio::test]
async fn rfc6455_5_5_1_clean_close() {
    let mut client = connect(server().await).await;
    client
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        })))
        .await
        .unwrap();
    match next(&mut client).await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Normal),
        other => panic!("expected a Close frame, got {other:?}"),
    }
    // After the close handshake the stream ends (tungstenite reports the end once).
    let end = timeout(TIMEOUT, client.next())
        .await
        .expect("stream did not end within TIMEOUT");
    assert!(end.is_none(), "{end:?}");
}

#[tokio::test]
async fn rfc6455_4_2_2_subprotocol_is_negotiated_in_server_order() {
    let addr = server().await;
    let (mut client, response) = connect_offering(addr, "a, b").await.expect("handshake");
    assert_eq!(response.status(), 101);
    let protocols: Vec<_> = response
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .collect();
    assert_eq!(protocols, ["b"]);
    client.send(Message::text("with b")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("with b"));
}

#[tokio::test]
async fn rfc6455_4_2_2_no_subprotocol_header_when_nothing_matches() {
    let addr = server().await;
    // tungstenite fails a handshake that offered protocols and got none back (stricter
    // than RFC 6455 §4.1, which allows it), which shows the header was absent.
    match connect_offering(addr, "c, d").await {
        Err(Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(
            SubProtocolError::NoSubProtocol,
        ))) => {}
        Ok((_, response)) => panic!("handshake accepted with {:?}", response.headers()),
        Err(other) => panic!("unexpected error {other}"),
    }
    // The same handshake on the wire: a 101 without Sec-WebSocket-Protocol.
    let response = exchange(
        addr,
        &Req::handshake(addr, "/ws").add("Sec-WebSocket-Protocol", "c, d"),
    )
    .await;
    assert_switching_protocols(&response);
    assert!(!response.has("sec-websocket-protocol"), "{}", response.head);
}

#[tokio::test]
async fn rfc6455_10_2_refusal_reaches_the_client_as_an_http_403() {
    let addr = server().await;
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    let tcp = TcpStream::connect(addr).await.unwrap();
    match timeout(TIMEOUT, client_async(request, tcp)).await.unwrap() {
        Err(Error::Http(response)) => {
            assert_eq!(response.status(), 403);
            let body = response.body().as_deref().unwrap_or_default();
            assert!(String::from_utf8_lossy(body).contains("Origin"), "{body:?}");
        }
        Ok(_) => panic!("cross-origin handshake accepted"),
        Err(other) => panic!("unexpected error {other}"),
    }
}
