//! [`ConnectError`]: why [`Handshake::connect`](super::Handshake::connect) gave no socket.

use std::error::Error as StdError;
use std::fmt;

use bytes::Bytes;
use http::Response;

/// Why [`Handshake::connect`](super::Handshake::connect) gave no socket.
///
/// The variants that carry the server's response hold its head and, for
/// [`Refused`](Self::Refused), its body; [`response`](Self::response) reaches it
/// whatever the variant.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The server declined the handshake: any status but `101` (HTTP/1.1) or a `2xx`
    /// (HTTP/2). The response, body included.
    Refused(Response<Bytes>),
    /// A `101` without `Upgrade: websocket` or without the `upgrade` token in
    /// `Connection` (RFC 6455 §4.1, the client's checks 2 and 3).
    NotWebSocket(Response<Bytes>),
    /// A `101` whose `Sec-WebSocket-Accept` is missing, repeated, or not the one for the
    /// key sent (RFC 6455 §4.1, check 4), or a handshake sent with no single key to check
    /// it against.
    InvalidAccept(Response<Bytes>),
    /// The server agreed on an extension (such as permessage-deflate): the kit's socket,
    /// tokio-tungstenite, speaks none, and a client must fail a connection on an
    /// extension it cannot use (RFC 6455 §4.1, check 5). Assert the negotiation with
    /// [`Handshake::send`](super::Handshake::send) instead.
    UnsupportedExtension(Response<Bytes>),
    /// The server chose a subprotocol the client did not offer, or more than one (RFC 6455
    /// §4.1, check 6).
    SubprotocolNotOffered(Response<Bytes>),
    /// The handshake request could not be built: an invalid path, header name or header
    /// value given to the builder.
    InvalidRequest(http::Error),
    /// The in-memory connection failed before an answer: the service ended it (a handler
    /// that panicked, say), or HTTP/2 extended CONNECT was not enabled.
    Connection(Box<dyn StdError + Send + Sync>),
}

impl ConnectError {
    /// The server's response, when the error is about one.
    pub fn response(&self) -> Option<&Response<Bytes>> {
        match self {
            Self::Refused(response)
            | Self::NotWebSocket(response)
            | Self::InvalidAccept(response)
            | Self::UnsupportedExtension(response)
            | Self::SubprotocolNotOffered(response) => Some(response),
            Self::InvalidRequest(_) | Self::Connection(_) => None,
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(response) => {
                write!(f, "the server refused the handshake: {}", response.status())?;
                let body = String::from_utf8_lossy(response.body());
                if !body.trim().is_empty() {
                    write!(f, ", {:?}", body.trim())?;
                }
                Ok(())
            }
            Self::NotWebSocket(_) => {
                f.write_str("the server's 101 lacks `Upgrade: websocket` or `Connection: upgrade`")
            }
            Self::InvalidAccept(response) => write!(
                f,
                "the server's 101 has a wrong Sec-WebSocket-Accept: {:?}",
                values(response, http::header::SEC_WEBSOCKET_ACCEPT)
            ),
            Self::UnsupportedExtension(response) => write!(
                f,
                "the server agreed on an extension the test kit's socket cannot speak \
                 (tokio-tungstenite implements none): {:?}; assert the negotiation with \
                 `send()` instead",
                values(response, http::header::SEC_WEBSOCKET_EXTENSIONS)
            ),
            Self::SubprotocolNotOffered(response) => write!(
                f,
                "the server chose a subprotocol the client did not offer: {:?}",
                values(response, http::header::SEC_WEBSOCKET_PROTOCOL)
            ),
            Self::InvalidRequest(error) => write!(f, "invalid handshake request: {error}"),
            Self::Connection(error) => write!(f, "the in-memory connection failed: {error}"),
        }
    }
}

/// The lines of header `name` in `response`, for a message.
fn values(response: &Response<Bytes>, name: http::HeaderName) -> Vec<&http::HeaderValue> {
    response.headers().get_all(name).iter().collect()
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::InvalidRequest(error) => Some(error),
            Self::Connection(error) => Some(&**error),
            _ => None,
        }
    }
}
