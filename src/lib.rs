//! A strict, policy-driven WebSocket opening handshake (RFC 6455 §4.2–4.4) as a tower
//! [`Layer`](tower_layer::Layer) for axum.
//!
//! [`WebSocketLayer`] sits in front of a router. Requests that are not WebSocket upgrade
//! attempts go through untouched. An attempt is validated against RFC 6455 §4.2.1 —
//! every header, every line of it, with a real list parser — and negotiated through
//! policies: who may connect ([`policy::OriginPolicy`], same-origin by default), which
//! subprotocol ([`policy::SubprotocolPolicy`]), which versions
//! ([`policy::SupportedVersions`]) and which extensions ([`policy::ExtensionPolicy`],
//! none by default). A failure is answered with a [`HandshakeError`]: 400, 403 or 426 with
//! the headers the RFCs require and a body that says what was wrong. A success reaches the
//! handler, whose [`WebSocketUpgrade`] extractor answers with the 101 and receives the
//! connection.
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
//! let app = Router::new()
//!     .route("/echo", any(echo))
//!     .layer(WebSocketLayer::new().subprotocols(["echo.v1"]));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! # Features
//! - `tungstenite` (default): [`WebSocketUpgrade::on_websocket`] hands the handler a
//!   tokio-tungstenite [`WebSocket`]. Without it, [`WebSocketUpgrade::on_upgrade`] gives
//!   the raw [`UpgradedConnection`] for any codec.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod error;
mod extension_header;
mod extract;
mod header_list;
mod key;
mod layer;
mod negotiated;
mod on_error;
pub mod policy;
pub mod rejection;
mod request;
mod service;
mod token;
#[cfg(feature = "tungstenite")]
mod tungstenite;
mod upgraded;

pub use error::HandshakeError;
pub use extension_header::{ExtensionOffer, ExtensionOffers, ExtensionParam, ExtensionParams};
pub use extract::WebSocketUpgrade;
pub use layer::WebSocketLayer;
pub use negotiated::Negotiated;
pub use on_error::{DefaultErrorHandler, ErrorHandler};
pub use rejection::WebSocketUpgradeRejection;
pub use service::{ResponseFuture, WebSocketService};
#[cfg(feature = "tungstenite")]
pub use tokio_tungstenite;
#[cfg(feature = "tungstenite")]
pub use tungstenite::WebSocket;
pub use upgraded::UpgradedConnection;
