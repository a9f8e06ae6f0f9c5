//! A strict, policy-driven WebSocket opening handshake (RFC 6455 §4.2–4.4) as a tower
//! [`Layer`](tower_layer::Layer) for axum.
//!
//! [`WebSocketLayer`] sits in front of a router. Requests that are not WebSocket upgrade
//! attempts go through untouched. An attempt is validated against RFC 6455 §4.2.1 —
//! every header, every line of it, with a real list parser — and negotiated through
//! policies: who may connect ([`policy::OriginPolicy`], same-origin by default), which
//! subprotocol ([`policy::SubprotocolPolicy`]), which versions
//! ([`policy::SupportedVersions`]) and which extensions ([`policy::ExtensionPolicy`],
//! none by default). A failure is answered with a [`HandshakeError`]: 400, 403, 421 or 426
//! with the headers the RFCs require and a body that says what was wrong; 404 when the
//! route answers an accepted attempt with no handshake (a page); 503 while the server
//! drains; 500 only for a server-side mistake (an extension policy accepting what was not
//! offered, a handler answering with another subprotocol). A success reaches the handler, whose [`WebSocketUpgrade`]
//! extractor (or axum's own, beside a [`Negotiated`]) answers with the 101 and receives
//! the connection; the layer writes the agreed subprotocol into that answer.
//!
//! ```no_run
//! use axum::{Router, routing::any};
//! use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
//! use futures_util::{SinkExt, StreamExt};
//!
//! async fn echo(ws: WebSocketUpgrade) -> axum::response::Response {
//!     ws.on_websocket(|mut socket: WebSocket| async move {
//!         while let Some(Ok(message)) = socket.next().await {
//!             if message.is_text() || message.is_binary() {
//!                 if socket.send(message).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         }
//!     })
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! // On the WebSocket route: other routes do not go through the layer at all.
//! let app = Router::new()
//!     .route("/echo", any(echo).layer(WebSocketLayer::new().subprotocols(["echo.v1"])));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! After the 101 the socket is the handler's: [`GracefulShutdown`] lets a server close
//! every socket with 1001 (going away) on shutdown and wait for the close handshakes.
//!
//! # Features
//! - `tungstenite` (default): [`WebSocketUpgrade::on_websocket`] hands the handler a
//!   tokio-tungstenite [`WebSocket`]. Without it, [`WebSocketUpgrade::on_upgrade`] gives
//!   the raw [`UpgradedConnection`] for any codec.
//! - `deflate`: permessage-deflate (RFC 7692): the [`deflate::PerMessageDeflate`] policy
//!   and [`WebSocketUpgrade::on_deflate_websocket`], whose codec compresses.
//! - `tracing` (default): one event per refused handshake, target `axum_ws_handshake`
//!   (refusals at DEBUG, server bugs at WARN, accepted handshakes at TRACE).
//! - `test-util`: [`test::TestClient`], your routes' handshakes and messages in tests,
//!   without a port.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// A request's path through the modules (docs/ARCHITECTURE.md has the whole map):
// layer (the builder) → service (per request: pass through, or negotiate) → config
// (the negotiation: draining, then read (the client's handshake against its grammars, no
// I/O), the host list and the policies in the RFC's order; policy/ holds each rule) → error + on_error (a refusal) or the handler:
// extract (the extractors; rejection), answer (its answer made to agree) → negotiated,
// upgraded (the connection after the 101, with shutdown's signal) → tungstenite or
// deflate (the codec). trace logs along the way.
mod answer;
mod config;
#[cfg(feature = "deflate")]
pub mod deflate;
mod error;
mod extract;
mod layer;
mod negotiated;
mod on_error;
pub mod policy;
mod read;
pub mod rejection;
mod service;
mod shutdown;
#[cfg(feature = "test-util")]
pub mod test;
mod trace;
#[cfg(feature = "tungstenite")]
pub mod tungstenite;
mod upgraded;

pub use error::HandshakeError;
pub use extract::WebSocketUpgrade;
pub use layer::WebSocketLayer;
pub use negotiated::Negotiated;
pub use on_error::{DefaultOnError, OnError};
pub use service::{ResponseFuture, WebSocketService};
pub use shutdown::{GracefulShutdown, ShutdownSignal};
pub use tokio_util::task::TaskTracker;
pub use upgraded::{PendingUpgrade, UpgradeError, UpgradedConnection};

/// A WebSocket message stream over the upgraded connection.
#[cfg(feature = "tungstenite")]
pub type WebSocket = tokio_tungstenite::WebSocketStream<UpgradedConnection>;

/// The private parsers for the fuzz targets in `fuzz/`, and their property tests.
#[cfg(any(fuzzing, test))]
#[doc(hidden)]
pub mod fuzz;

/// The README's Rust examples, compiled (and run, unless marked `no_run`) by `cargo test
/// --doc`, so that the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
