//! A test kit for your WebSocket routes (feature `test-util`): handshakes and messages
//! against your app, with no TCP and no port.
//!
//! [`TestClient::new`] takes the app (an axum `Router`, or any tower `Service` of hyper's
//! requests) and serves each connection with hyper's own HTTP/1.1 or HTTP/2 server over
//! an in-memory [`tokio::io::duplex`]. A handshake takes the real path: the layer, the
//! handler and its extractor (this crate's [`WebSocketUpgrade`](crate::WebSocketUpgrade)
//! or axum's own behind the layer), hyper's `101` and its hand-over of the connection.
//!
//! - [`TestClient::handshake`] builds the request: a browser's by default (same-origin
//!   `Origin`, a fresh key, version 13), changed with [`Handshake`]'s methods;
//! - [`Handshake::send`] returns the response (status, headers, body), for asserting
//!   refusals;
//! - [`Handshake::connect`] checks the answer as a client must (RFC 6455 §4.1) and returns
//!   a [`TestWebSocket`], a `Stream` + `Sink` of tungstenite
//!   [`Message`](crate::tungstenite::Message)s with the response's headers at
//!   hand, or a [`ConnectError`] holding the response.
//!
//! ```
//! use axum::{Router, http::StatusCode, response::Response, routing::any};
//! use axum_ws_handshake::test::TestClient;
//! use axum_ws_handshake::tungstenite::Message;
//! use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
//! use futures_util::{SinkExt, StreamExt};
//!
//! async fn echo(ws: WebSocketUpgrade) -> Response {
//!     ws.on_websocket(|mut socket: WebSocket| async move {
//!         while let Some(Ok(message)) = socket.next().await {
//!             if message.is_text() && socket.send(message).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new().route("/echo", any(echo).layer(WebSocketLayer::new().subprotocols(["chat"])));
//! let client = TestClient::new(app);
//!
//! // Another site's page is refused.
//! let response = client.handshake("/echo").origin("https://evil.example").send().await;
//! assert_eq!(response.status(), StatusCode::FORBIDDEN);
//!
//! // A message and its echo, over HTTP/1.1 and over HTTP/2 (RFC 8441).
//! for handshake in [client.handshake("/echo"), client.handshake("/echo").http2()] {
//!     let mut socket = handshake.protocols(["chat"]).connect().await.unwrap();
//!     assert_eq!(socket.protocol(), Some("chat"));
//!     socket.send(Message::text("hello")).await.unwrap();
//!     assert_eq!(socket.next().await.unwrap().unwrap(), Message::text("hello"));
//! }
//! # }
//! ```
//!
//! Each handshake opens its own connection, served on tasks of the test's tokio runtime
//! (`#[tokio::test]`, either flavor). HTTP/2 is h2c with prior knowledge; the kit waits
//! for the server's SETTINGS, which enable extended CONNECT (RFC 8441 §3), before it
//! sends the request.
//!
//! # What it cannot do
//!
//! - **`ConnectInfo`**, and anything else about the transport: there is no socket
//!   address, nor `into_make_service_with_connect_info`; a handler that extracts
//!   `ConnectInfo<SocketAddr>` answers 500 unless the router has axum's
//!   `MockConnectInfo` layer, which makes one up. Serve the app on a listener to test
//!   real addresses.
//! - **TLS**: HTTP/1.1 is cleartext and HTTP/2 is h2c (`:scheme http`): no `wss://`, no
//!   ALPN, no client certificates. The default `Origin` is `http://localhost`.
//! - **Your server's configuration**: connections are served by hyper's builders with
//!   their defaults (upgrades and extended CONNECT on, no header read timeout, one
//!   connection per handshake), not by `axum::serve` or your own serving code; the
//!   HTTP/1.1 `Upgrade: h2c` route to HTTP/2 is not taken.
//! - **Exact bytes**: hyper's client writes the request, lowercasing header names,
//!   writing the lines of one name together and refusing what HTTP forbids (a bare CR,
//!   obs-fold, `Connection` or `Upgrade` over HTTP/2, which it drops). Write bytes on a
//!   TCP socket to test a parser.
//! - **Extensions**: the socket (tokio-tungstenite) speaks none, permessage-deflate
//!   included; [`Handshake::connect`] refuses an answer that agrees on one
//!   ([`ConnectError::UnsupportedExtension`]); [`Handshake::send`] shows what the server
//!   answered.
//! - **Time**: nothing is timed out. A handler that never answers makes `send` and
//!   `connect` wait forever; wrap them in `tokio::time::timeout`.

mod client;
mod error;
mod handshake;
mod response;
mod settings;
mod socket;

pub use client::TestClient;
pub use error::ConnectError;
pub use handshake::Handshake;
pub use response::TestResponse;
pub use socket::TestWebSocket;
