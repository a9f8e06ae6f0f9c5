//! Helpers shared by the integration tests, black-box over real TCP:
//!
//! - here: the server on an ephemeral loopback port (`axum::serve`: HTTP/1.1, and h2c
//!   with extended CONNECT), the echo handlers, the RFC 6455 key and [`TIMEOUT`];
//! - [`raw`]: an HTTP/1.1 client on a raw socket that writes exact bytes and parses what
//!   comes back;
//! - [`frame`]: WebSocket frames as bytes (RFC 6455 §5.2), written and read on a
//!   [`raw::Conn`];
//! - [`h2`]: an h2c server with or without extended CONNECT (hyper-util's auto builder)
//!   and an HTTP/2 client that sends the extended CONNECT of RFC 8441;
//! - [`attempt`]: one handshake over HTTP/1.1 or HTTP/2 alike, its answer in one shape
//!   and its WebSocket when accepted;
//! - [`deflate`]: a handshake offering extensions, the deflate echo handler, and raw
//!   deflate with an explicit window (RFC 7692 §7.2), so that tests see the wire itself;
//! - [`echo_loop`]: the echo that ends in a Close 1001 when the server shuts down.
//!
//! Every read is bounded by [`TIMEOUT`], so no test can hang.
#![allow(dead_code)]

pub mod attempt;
#[cfg(feature = "deflate")]
pub mod deflate;
pub mod echo_loop;
pub mod frame;
pub mod h2;
pub mod raw;

// Not every test uses both.
#[allow(unused_imports)]
pub use frame::*;
#[allow(unused_imports)]
pub use raw::*;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use axum_ws_handshake::{WebSocket, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

/// The longest any single network operation of a test may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The key of RFC 6455 §1.3 / §4.2.1 and its accept value (§4.2.2 step 5.4).
pub const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Serves `app` with `axum::serve` on 127.0.0.1, an ephemeral port, in a background
/// task of the test's runtime; returns the address. HTTP/1.1 with upgrades, and h2c
/// (prior knowledge) with extended CONNECT (RFC 8441).
pub async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("axum::serve");
    });
    addr
}

/// A handler that accepts and echoes text and binary messages until the peer closes.
/// tokio-tungstenite answers pings and the close handshake itself while it reads.
pub async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.on_websocket(echo_socket)
}

pub async fn echo_socket(mut socket: WebSocket) {
    echo_messages(&mut socket).await;
}

/// Echoes text and binary messages until the stream ends or a send fails.
pub async fn echo_messages(socket: &mut WebSocket) {
    while let Some(Ok(message)) = socket.next().await {
        if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
            break;
        }
    }
}

/// [`echo`] on axum's own extractor, socket and messages, behind the layer: what an
/// existing axum app's handler looks like.
pub async fn axum_echo(ws: axum::extract::ws::WebSocketUpgrade) -> Response {
    ws.on_upgrade(axum_echo_socket)
}

pub async fn axum_echo_socket(mut socket: axum::extract::ws::WebSocket) {
    use axum::extract::ws::Message;
    while let Some(Ok(message)) = socket.recv().await {
        let echo = matches!(message, Message::Text(_) | Message::Binary(_));
        if echo && socket.send(message).await.is_err() {
            break;
        }
    }
}
