//! What the layer agreed with the client, handed to the handler.

use http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_PROTOCOL, UPGRADE,
};
use http::{HeaderMap, HeaderValue};

use crate::key::AcceptKey;
use crate::policy::AcceptedExtensions;

/// The outcome of a valid handshake: put into the request's extensions by the layer,
/// read by the [`WebSocketUpgrade`](crate::WebSocketUpgrade) extractor.
///
/// Only the layer can make one, so a handler cannot forge or change what was agreed.
#[derive(Debug, Clone)]
pub struct Negotiated {
    /// `None` over HTTP/2 extended CONNECT, which has no key (RFC 8441 §5).
    pub(crate) accept: Option<AcceptKey>,
    pub(crate) version: u8,
    pub(crate) protocol: Option<HeaderValue>,
    pub(crate) extensions: AcceptedExtensions,
    pub(crate) origin: Option<HeaderValue>,
}

impl Negotiated {
    /// The subprotocol agreed on, if any: one the client offered.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_ref().and_then(|p| p.to_str().ok())
    }

    /// The extensions agreed on (none unless an [`ExtensionPolicy`](crate::policy::ExtensionPolicy) accepted some).
    pub fn extensions(&self) -> &AcceptedExtensions {
        &self.extensions
    }

    /// The request's `Origin`, which the origin policy accepted; `None` for a client
    /// that sent none.
    pub fn origin(&self) -> Option<&HeaderValue> {
        self.origin.as_ref()
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
    pub fn accept(&self) -> Option<&str> {
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
            if let Ok(copy) = HeaderValue::from_bytes(origin.as_bytes()) {
                *origin = copy;
            }
        }
    }

    /// The headers of the server's handshake response (RFC 6455 §4.2.2 step 5), in a map
    /// of their own: a fresh response has no header to replace, so nothing is looked up
    /// or removed, and the map is allocated once at its final size.
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
        if let Some(protocol) = &self.protocol {
            headers.insert(SEC_WEBSOCKET_PROTOCOL, protocol.clone());
        }
        if let Some(extensions) = self.extensions.header() {
            headers.insert(SEC_WEBSOCKET_EXTENSIONS, extensions.clone());
        }
        headers
    }
}
