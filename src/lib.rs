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
//! the headers the RFCs require and a body that says what was wrong; 404 when the route
//! answers an accepted attempt with no handshake (a page); 500 only for a server-side
//! mistake (an extension policy accepting what was not offered, a handler answering with
//! another subprotocol). A success reaches the handler, whose [`WebSocketUpgrade`]
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
//!   and [`WebSocketUpgrade::on_deflate_websocket`], whose codec compresses. Needs Rust 1.88.
//! - `tracing` (default): one event per refused handshake, target `axum_ws_handshake`
//!   (refusals at DEBUG, server bugs at WARN, accepted handshakes at TRACE).
//! - `test-util`: [`test::TestClient`], your routes' handshakes and messages in tests,
//!   without a port.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// A request's path through the modules (docs/ARCHITECTURE.md has the whole map):
// layer (the builder) → service (per request: pass through, or negotiate) → read (the
// client's handshake against its grammars, no I/O) → negotiate (the policies in the
// RFC's order; policy/ holds each rule) → error + on_error (a refusal) or the handler:
// extract (the extractors; rejection), answer (its answer made to agree) → negotiated,
// upgraded (the connection after the 101, with shutdown's signal) → tungstenite or
// deflate (the codec). trace logs along the way.
mod answer;
#[cfg(feature = "deflate")]
pub mod deflate;
mod error;
mod extract;
mod layer;
mod config;
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
pub use on_error::{DefaultErrorHandler, ErrorHandler};
pub use rejection::WebSocketUpgradeRejection;
pub use service::{ResponseFuture, WebSocketService};
pub use shutdown::{GracefulShutdown, ShutdownSignal};
pub use tokio_util::task::TaskTracker;
#[cfg(feature = "tungstenite")]
pub use tungstenite::WebSocket;
pub use upgraded::{PendingUpgrade, UpgradeError, UpgradedConnection};

/// Entry points for the fuzz targets in `fuzz/` and the property tests: the private
/// parsers, callable on arbitrary input. Not part of the API; may change at any time.
#[doc(hidden)]
pub mod __private_fuzz {
    use http::header::{CONNECTION, HeaderMap, HeaderValue, SEC_WEBSOCKET_EXTENSIONS};

    fn headers(name: http::HeaderName, lines: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            if let Ok(value) = HeaderValue::from_bytes(line) {
                map.append(name.clone(), value);
            }
        }
        map
    }

    /// The elements of a list header made of `lines` (RFC 9110 §5.6.1).
    pub fn list_elements(lines: &[&[u8]]) -> Vec<Vec<u8>> {
        let map = headers(CONNECTION, lines);
        crate::read::list::ListElements::new(map.get_all(CONNECTION).iter())
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// The offers of a `Sec-WebSocket-Extensions` header made of `lines`, as
    /// `(name, [(param, value)])`, or `None` if it is malformed (RFC 6455 §9.1).
    #[allow(clippy::type_complexity)]
    pub fn extension_offers(
        lines: &[&[u8]],
    ) -> Option<Vec<(String, Vec<(String, Option<String>)>)>> {
        let map = headers(SEC_WEBSOCKET_EXTENSIONS, lines);
        if !crate::read::extension_offers::is_valid(map.get_all(SEC_WEBSOCKET_EXTENSIONS)) {
            return None;
        }
        let offers = crate::policy::ExtensionOffers::new(&map, &SEC_WEBSOCKET_EXTENSIONS);
        Some(
            offers
                .map(|offer| {
                    let params = offer
                        .params()
                        .map(|p| (p.name().to_owned(), p.value().map(|v| v.into_owned())))
                        .collect();
                    (offer.name().to_owned(), params)
                })
                .collect(),
        )
    }

    /// Whether `key` is a valid `Sec-WebSocket-Key` (RFC 6455 §4.2.1 item 5).
    pub fn is_valid_key(key: &[u8]) -> bool {
        crate::read::key::is_valid_key(key)
    }

    /// `Sec-WebSocket-Accept` for `key` (RFC 6455 §4.2.2).
    pub fn accept(key: &[u8]) -> String {
        crate::read::key::AcceptKey::for_key(key)
            .as_str()
            .to_owned()
    }

    /// A `Sec-WebSocket-Version` value read by RFC 6455 §4.3's `version` rule.
    pub fn version(value: &[u8]) -> Option<u8> {
        crate::read::version::parse(value)
    }
}

/// The README's Rust examples, compiled (and run, unless marked `no_run`) by `cargo test
/// --doc`, so that the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
