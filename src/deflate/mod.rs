//! permessage-deflate (RFC 7692), behind the `deflate` feature: a negotiation policy and a
//! codec that really compresses.
//!
//! Two pieces that go together:
//! - [`PerMessageDeflate`], an [`ExtensionPolicy`](crate::policy::ExtensionPolicy) for
//!   [`WebSocketLayer::extensions`](crate::WebSocketLayer::extensions): it negotiates
//!   every parameter of RFC 7692 §7.1 within the server's limits (window sizes, context
//!   takeover, the smallest message worth compressing);
//! - [`WebSocketUpgrade::on_deflate_websocket`](crate::WebSocketUpgrade::on_deflate_websocket),
//!   which hands the handler a [`DeflateWebSocket`] running what was agreed, on
//!   sockudo-ws's codec.
//!
//! Call `on_deflate_websocket` in the handlers behind a layer with `PerMessageDeflate`.
//! `on_websocket` (tokio-tungstenite, which implements no extension) answers such a
//! handshake 500 once the client offered deflate, rather than opening a connection that
//! breaks on its first compressed message; `on_deflate_websocket` answers 500 when
//! another policy accepted an extension it does not implement.
//!
//! ```no_run
//! use axum::{Router, response::Response, routing::any};
//! use axum_ws_handshake::deflate::{DeflateWebSocket, PerMessageDeflate};
//! use axum_ws_handshake::{WebSocketLayer, WebSocketUpgrade};
//! use futures_util::{SinkExt, StreamExt};
//!
//! async fn echo(ws: WebSocketUpgrade) -> Response {
//!     ws.on_deflate_websocket(|mut socket: DeflateWebSocket| async move {
//!         while let Some(Ok(message)) = socket.next().await {
//!             if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new().route(
//!     "/echo",
//!     any(echo).layer(WebSocketLayer::new().extensions(PerMessageDeflate::new())),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! The codec is sockudo-ws's: its window handling, RSV1 checks and hand-off of an
//! already-upgraded stream were checked against RFC 7692 (docs/DEFLATE.md says how, and
//! why not another crate). It reads its clock through `quanta`, which calibrates on
//! first use for up to 200 ms: call [`init_clock`] at startup to keep that
//! off the first connection.

mod offer;
mod params;
mod policy;
mod socket;

pub use params::DeflateParams;
pub use policy::PerMessageDeflate;
pub use socket::DeflateWebSocket;
pub use sockudo_ws::{Config as WebSocketConfig, Error, Message, init_clock};

#[cfg(test)]
mod tests;
