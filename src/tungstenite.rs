//! The hand-off to tokio-tungstenite, behind the default `tungstenite` feature.

use std::future::Future;

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::{UpgradedConnection, WebSocketUpgrade};

/// A WebSocket message stream over the upgraded connection.
pub type WebSocket = WebSocketStream<UpgradedConnection>;

/// tokio-tungstenite's read buffer when the handler sets no configuration.
///
/// tungstenite allocates its read buffer up front and zero-fills the free part of it
/// before every read, up to this size: with its default of 128 KiB that is a 128 KiB
/// allocation per connection (an `mmap` past glibc's threshold) and 128 KiB of `memset`
/// per read, some 80 % of the server's user-space instructions for a short-lived
/// connection. 4 KiB, the size tungstenite's documentation suggests for servers with many
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
    /// [`ExtensionPolicy`](crate::policy::ExtensionPolicy) accepted one, the handshake is
    /// answered 500 instead of opening a connection that would break on its first
    /// compressed message.
    ///
    /// The socket is a `Stream` and `Sink` of tungstenite `Message`s (futures-util's
    /// `StreamExt` and `SinkExt`), and what the layer agreed stays reachable through it:
    ///
    /// ```
    /// use axum::response::Response;
    /// use axum_ws_handshake::tokio_tungstenite::tungstenite::Message;
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
            crate::trace::rejected(
                StatusCode::INTERNAL_SERVER_ERROR,
                "extension_not_implemented",
                None,
            );
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server misconfiguration: an extension was negotiated that tokio-tungstenite does not implement",
            )
                .into_response();
        }
        let config = self.config;
        self.spawn_accepted(move |pending| async move {
            let Ok(mut connection) = pending.await else {
                return;
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
