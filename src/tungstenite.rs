//! The hand-off to tokio-tungstenite, behind the default `tungstenite` feature.

use std::future::Future;

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::{UpgradedConnection, WebSocketUpgrade};

/// A WebSocket message stream over the upgraded connection.
pub type WebSocket = WebSocketStream<UpgradedConnection>;

/// The codec configuration used unless the handler sets one.
pub(crate) fn default_config() -> WebSocketConfig {
    WebSocketConfig::default()
}

impl WebSocketUpgrade {
    /// The tokio-tungstenite configuration (message and frame size limits, buffer sizes)
    /// of the stream [`on_websocket`](Self::on_websocket) makes.
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
    pub fn on_websocket<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if !self.negotiated().extensions().is_empty() {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server misconfiguration: an extension was negotiated that tokio-tungstenite does not implement",
            )
                .into_response();
        }
        let config = self.config;
        self.on_upgrade(move |connection| async move {
            let socket =
                WebSocketStream::from_raw_socket(connection, Role::Server, Some(config)).await;
            callback(socket).await;
        })
    }
}
