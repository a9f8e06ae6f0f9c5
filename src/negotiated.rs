//! What the layer agreed with the client, handed to the handler.

use http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, UPGRADE};
use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use crate::policy::{AgreedExtensions, SubprotocolCredential};
use crate::read::key::AcceptKey;

/// The outcome of a valid handshake: put into the request's extensions by the layer,
/// read by the [`WebSocketUpgrade`](crate::WebSocketUpgrade) extractor.
///
/// Only the layer can make one, so a handler cannot forge or change what was agreed.
///
/// It is also an extractor, for a handler on axum's own `WebSocketUpgrade`: the layer
/// writes the agreed subprotocol into axum's 101, but axum's socket does not know it.
///
/// ```
/// use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
/// use axum::response::Response;
/// use axum::{Router, routing::any};
/// use axum_ws_handshake::{Negotiated, WebSocketLayer};
///
/// async fn handler(ws: WebSocketUpgrade, negotiated: Negotiated) -> Response {
///     ws.on_upgrade(move |mut socket: WebSocket| async move {
///         let protocol = negotiated.protocol().unwrap_or("none");
///         let _ = socket.send(Message::text(format!("subprotocol: {protocol}"))).await;
///     })
/// }
///
/// let layer = WebSocketLayer::new().subprotocols(["chat"]);
/// let app: Router = Router::new().route("/ws", any(handler).layer(layer));
/// ```
#[derive(Debug, Clone)]
pub struct Negotiated {
    /// `None` over HTTP/2 extended CONNECT, which has no key (RFC 8441 §5).
    pub(crate) accept: Option<AcceptKey>,
    pub(crate) version: u8,
    pub(crate) protocol: Option<HeaderValue>,
    pub(crate) extensions: AgreedExtensions,
    pub(crate) origin: Option<KeptOrigin>,
    /// The layer's shutdown, for the extractor to track the socket with.
    pub(crate) shutdown: Option<crate::GracefulShutdown>,
    /// The credential offered as a subprotocol, if the layer takes one out: its `Debug`
    /// prints no secret, so neither does this struct's. Behind one thin pointer: every
    /// handshake moves this struct several times, and few carry a credential.
    pub(crate) credential: Option<Arc<SubprotocolCredential>>,
}

impl Negotiated {
    /// The subprotocol agreed on, if any: one the client offered.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_ref().and_then(|p| p.to_str().ok())
    }

    /// The extensions agreed on (none unless an [`ExtensionPolicy`](crate::policy::ExtensionPolicy) accepted some).
    pub fn extensions(&self) -> &AgreedExtensions {
        &self.extensions
    }

    /// The request's `Origin`, which the origin policy accepted; `None` for a client
    /// that sent none.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_ref().map(KeptOrigin::as_str)
    }

    /// The token of the first subprotocol offer that starts with the layer's
    /// [credential prefix](crate::WebSocketLayer::subprotocol_credential), unchecked:
    /// checking it is the handler's. `None` without a prefix set or such an offer.
    pub fn credential(&self) -> Option<&SubprotocolCredential> {
        self.credential.as_deref()
    }

    /// The `Sec-WebSocket-Version` the client asked for (13 unless the layer supports more).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Whether the WebSocket is carried by an HTTP/2 stream (RFC 8441), answered with
    /// 200, rather than an HTTP/1.1 connection answered with 101.
    pub fn is_extended_connect(&self) -> bool {
        self.accept.is_none()
    }

    /// The `Sec-WebSocket-Accept` value (RFC 6455 §4.2.2 step 5.4); `None` over HTTP/2.
    pub fn sec_websocket_accept(&self) -> Option<&str> {
        self.accept.as_ref().map(AcceptKey::as_str)
    }

    /// Copies what still shares the request's memory, before `self` goes with the
    /// connection for its whole life.
    ///
    /// The `Origin` kept here is a slice of the buffer hyper read the request into
    /// (16 KiB): holding it would keep that buffer alive as long as the connection is
    /// open. Its few bytes are copied instead.
    pub(crate) fn detach_from_request(&mut self) {
        if let Some(origin) = &mut self.origin {
            origin.detach();
        }
    }

    /// The headers of the server's handshake response (RFC 6455 §4.2.2 step 5), in a map
    /// of their own: a fresh response has no header to replace, so nothing is looked up
    /// or removed, and the map is allocated once at its final size. All but
    /// `Sec-WebSocket-Protocol`, which the layer writes into every accepted answer,
    /// whichever extractor made it (`answer.rs`).
    #[inline]
    pub(crate) fn response_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(5);
        if let Some(accept) = &self.accept {
            headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(
                SEC_WEBSOCKET_ACCEPT,
                HeaderValue::from_bytes(accept.as_bytes()).expect("base64 is a valid header value"),
            );
        }
        if let Some(extensions) = self.extensions.header() {
            headers.insert(SEC_WEBSOCKET_EXTENSIONS, extensions.clone());
        }
        headers
    }
}

/// Bytes of an `Origin` kept inline: `https://` and a 46-byte host and port. Browsers'
/// origins are nearly all shorter.
const INLINE_ORIGIN: usize = 54;

/// The accepted `Origin` (visible ASCII: the layer refuses any other), as [`Negotiated`]
/// keeps it.
#[derive(Clone)]
pub(crate) enum KeptOrigin {
    /// The request's own value, sharing the buffer hyper read the request into: fine
    /// while the request lives.
    Request(HeaderValue),
    /// Copied for the connection's life, inline, so that keeping it allocates nothing.
    Inline { len: u8, bytes: [u8; INLINE_ORIGIN] },
    /// Copied for the connection's life: one longer than the inline room.
    Owned(Box<str>),
}

impl KeptOrigin {
    fn as_str(&self) -> &str {
        match self {
            Self::Request(value) => value.to_str().unwrap_or_default(),
            Self::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Owned(origin) => origin,
        }
    }

    fn detach(&mut self) {
        let Self::Request(value) = self else {
            return;
        };
        let origin = value.as_bytes();
        *self = match u8::try_from(origin.len()) {
            Ok(len) if origin.len() <= INLINE_ORIGIN => {
                let mut bytes = [0; INLINE_ORIGIN];
                bytes[..origin.len()].copy_from_slice(origin);
                Self::Inline { len, bytes }
            }
            _ => Self::Owned(value.to_str().unwrap_or_default().into()),
        };
    }
}

impl fmt::Debug for KeptOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_detached_from_the_request_read_the_same() {
        let long = format!("https://{}.example", "a".repeat(60));
        for origin in ["https://example.com", "http://[::1]:3000", &long] {
            let mut kept = KeptOrigin::Request(HeaderValue::from_str(origin).unwrap());
            assert_eq!(kept.as_str(), origin);
            kept.detach();
            assert!(!matches!(kept, KeptOrigin::Request(_)));
            assert_eq!(kept.as_str(), origin);
            assert_eq!(format!("{kept:?}"), format!("{origin:?}"));
        }
        let mut kept = KeptOrigin::Request(HeaderValue::from_static("https://example.com"));
        kept.detach();
        assert!(matches!(kept, KeptOrigin::Inline { .. }), "{kept:?}");
    }
}
