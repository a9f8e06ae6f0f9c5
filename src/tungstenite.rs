//! The hand-off to tokio-tungstenite (the default `tungstenite` feature), and the
//! tungstenite items a handler of [`on_websocket`](crate::WebSocketUpgrade::on_websocket)
//! needs: the socket's [`Message`], its settings and its Close.
//!
//! These are tokio-tungstenite's own types, re-exported so that a handler needs no
//! dependency of its own on it; a major version of tokio-tungstenite that changes them
//! is a major version of this crate.

use std::future::Future;
use std::time::Duration;

use axum_core::response::Response;
use futures_core::Stream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::upgraded::upgrade_failed;
use crate::{HandshakeError, WebSocket, WebSocketUpgrade};

pub use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
pub use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
pub use tokio_tungstenite::tungstenite::{Bytes, Error, Message, Utf8Bytes};

/// tokio-tungstenite's read buffer when the handler sets no configuration.
///
/// tungstenite allocates its read buffer up front and zero-fills the free part of it
/// before every read, up to this size: with its default of 128 KiB that is a 128 KiB
/// allocation per connection (an `mmap` past glibc's threshold) and 128 KiB of `memset`
/// per read, most of a short-lived connection's user-space work (docs/PERFORMANCE.md).
/// 4 KiB, the size tungstenite's documentation suggests for servers with many
/// connections, is what a small message needs; over HTTP/1.1 a large one is read ahead of
/// the codec in 120 KiB chunks by the [`UpgradedConnection`] under the socket.
pub(crate) const READ_BUFFER_SIZE: usize = 4 * 1024;

/// The codec configuration used unless the handler sets one: tungstenite's defaults
/// (message and frame size limits included) but for the read buffer.
pub(crate) fn default_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_BUFFER_SIZE)
}

impl WebSocketUpgrade {
    /// The tokio-tungstenite configuration (message and frame size limits, buffer sizes)
    /// of the stream [`on_websocket`](Self::on_websocket) makes. The default is
    /// tungstenite's own but for a 4 KiB read buffer (tungstenite's is 128 KiB, which it
    /// allocates per connection and zero-fills before every read). Large messages need no
    /// larger one: the connection reads ahead of the codec once its reads come back full.
    pub fn websocket_config(mut self, config: WebSocketConfig) -> Self {
        self.config = config;
        self
    }

    /// Accepts, like [`on_upgrade`](Self::on_upgrade), and hands `callback` a
    /// tokio-tungstenite [`WebSocket`] over the connection.
    ///
    /// tokio-tungstenite implements no extension: if the layer's
    /// [`ExtensionPolicy`](crate::policy::ExtensionPolicy) agreed to one, the handshake is
    /// refused with [`HandshakeError::ExtensionNotImplemented`] (500, through the layer's
    /// error hook) instead of opening a connection that would break on its first
    /// compressed message.
    ///
    /// The socket is a `Stream` and `Sink` of tungstenite `Message`s (futures-util's
    /// `StreamExt` and `SinkExt`), and what the layer agreed stays reachable through it:
    ///
    /// ```
    /// use axum::response::Response;
    /// use axum_ws_handshake::tungstenite::Message;
    /// use axum_ws_handshake::{WebSocket, WebSocketUpgrade};
    /// use futures_util::{SinkExt, StreamExt};
    ///
    /// async fn hello(ws: WebSocketUpgrade) -> Response {
    ///     ws.on_websocket(|mut socket: WebSocket| async move {
    ///         let protocol = socket.get_ref().negotiated().protocol().unwrap_or("none");
    ///         let greeting = Message::text(format!("subprotocol: {protocol}"));
    ///         if socket.send(greeting).await.is_err() {
    ///             return;
    ///         }
    ///         // Read until the client closes: tungstenite answers Pings and the Close.
    ///         while let Some(Ok(_message)) = socket.next().await {}
    ///     })
    /// }
    /// ```
    #[must_use = "return the response: the callback runs only once it has been sent"]
    pub fn on_websocket<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if !self.negotiated().extensions().is_empty() {
            return crate::answer::refusal(HandshakeError::ExtensionNotImplemented);
        }
        let config = self.config;
        self.spawn_accepted(move |pending, on_failed| async move {
            let mut connection = match pending.await {
                Ok(connection) => connection,
                Err(error) => return upgrade_failed(on_failed, error),
            };
            // Over HTTP/2 a read copies from a DATA frame already in memory, one frame
            // at most: reading ahead would add a copy and save no system call.
            if !connection.negotiated().is_extended_connect() {
                connection.read_ahead();
            }
            let socket =
                WebSocketStream::from_raw_socket(connection, Role::Server, Some(config)).await;
            callback(socket).await;
        })
    }
}

/// How long [`WebSocketUpgrade::accept_and_close`] waits for the client's Close before it
/// drops the connection.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// The longest Close reason: a control frame's 125 bytes less the code's two
/// (RFC 6455 §5.5).
const MAX_REASON: usize = 123;

impl WebSocketUpgrade {
    /// Accepts, then closes the WebSocket at once with `code` and `reason`: a refusal the
    /// page can read. A browser reports every HTTP refusal of a handshake as a close with
    /// code 1006 and no reason, so a page cannot tell an expired token from a server that
    /// is down; this one reaches its `onclose` as `code` and `reason` (RFC 6455 §7.4).
    ///
    /// For the handler's own refusals (a credential checked, a room full). An `Origin`
    /// or `Host` refusal stays the layer's HTTP refusal: a page from another site must
    /// learn nothing. The socket is tokio-tungstenite's, with
    /// [`websocket_config`](Self::websocket_config)'s limits. The close handshake is
    /// finished, or the connection dropped after
    /// five seconds without the client's Close. `reason` is cut to 123 bytes, at a
    /// character boundary.
    ///
    /// # Panics
    ///
    /// If `code` is not one a server may send (RFC 6455 §7.4.1, §7.4.2): 1000, 1001,
    /// 1008, 1011, or 3000–4999 (registered and private codes, such as 4001).
    ///
    /// ```
    /// use axum::http::HeaderMap;
    /// use axum::response::Response;
    /// use axum_ws_handshake::{WebSocket, WebSocketUpgrade};
    ///
    /// async fn handler(ws: WebSocketUpgrade, headers: HeaderMap) -> Response {
    ///     if !headers.contains_key("cookie") {
    ///         return ws.accept_and_close(4001, "sign in first");
    ///     }
    ///     ws.on_websocket(|socket: WebSocket| async move { drop(socket) })
    /// }
    /// ```
    #[must_use = "return the response: the Close is sent only once it has been sent"]
    pub fn accept_and_close(self, code: u16, reason: &str) -> Response {
        assert!(
            is_sendable(code),
            "close code {code} may not be sent (RFC 6455 §7.4): use 1000, 1001, 1008, 1011 or 3000-4999"
        );
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: cut(reason, MAX_REASON).to_owned().into(),
        };
        let config = self.config;
        self.spawn_accepted(move |pending, on_failed| async move {
            let connection = match pending.await {
                Ok(connection) => connection,
                Err(error) => return upgrade_failed(on_failed, error),
            };
            let mut socket =
                WebSocketStream::from_raw_socket(connection, Role::Server, Some(config)).await;
            if socket.close(Some(frame)).await.is_err() {
                return;
            }
            // The client's Close ends the stream; anything it sent before is dropped.
            let drained = std::future::poll_fn(|cx| {
                loop {
                    match std::task::ready!(std::pin::Pin::new(&mut socket).poll_next(cx)) {
                        Some(Ok(_)) => {}
                        _ => return std::task::Poll::Ready(()),
                    }
                }
            });
            let _ = tokio::time::timeout(CLOSE_WAIT, drained).await;
        })
    }
}

/// Whether a server may send `code` in a Close (RFC 6455 §7.4.1, §7.4.2): not the codes
/// that only report (1005, 1006, 1015), not the reserved ranges, and of the protocol's
/// own only those a server's refusal means.
fn is_sendable(code: u16) -> bool {
    matches!(code, 1000 | 1001 | 1008 | 1011 | 3000..=4999)
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_7_4_only_codes_a_server_may_send() {
        for code in [1000, 1001, 1008, 1011, 3000, 4001, 4999] {
            assert!(is_sendable(code), "{code}");
        }
        for code in [0, 999, 1002, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
            assert!(!is_sendable(code), "{code}");
        }
    }

    #[test]
    fn rfc6455_5_5_reasons_fit_a_control_frame() {
        assert_eq!(cut("short", MAX_REASON), "short");
        let long = "é".repeat(100);
        let reason = cut(&long, MAX_REASON);
        assert!(
            reason.len() <= MAX_REASON && reason.len() == 122,
            "{}",
            reason.len()
        );
    }
}
