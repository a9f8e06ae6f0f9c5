//! The hand-off to a codec that implements permessage-deflate: sockudo-ws, given the
//! upgraded connection and the parameters the policy agreed.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum_core::response::Response;
use futures_core::Stream;
use futures_sink::Sink;
use sockudo_ws::{CompressedWebSocketStream, Config, Error, Message, WebSocketStream};

use super::DeflateParams;
use crate::upgraded::upgrade_failed;
use crate::{HandshakeError, Negotiated, UpgradedConnection, WebSocketUpgrade};

impl WebSocketUpgrade {
    /// The sockudo-ws settings (message and frame size limits, keep-alive pings, idle
    /// timeout, buffers) of the socket [`on_deflate_websocket`](Self::on_deflate_websocket)
    /// makes; sockudo-ws's defaults otherwise. Its `compression` field is not read: the
    /// negotiation decides.
    pub fn deflate_config(mut self, config: super::WebSocketConfig) -> Self {
        self.deflate_config = Some(Box::new(config));
        self
    }

    /// Accepts, like [`on_upgrade`](Self::on_upgrade), and hands `callback` a
    /// [`DeflateWebSocket`]: a sockudo-ws WebSocket that compresses and decompresses
    /// messages with the parameters [`PerMessageDeflate`](super::PerMessageDeflate)
    /// agreed, or a plain one when the client offered nothing acceptable.
    ///
    /// The codec's settings are sockudo-ws's defaults, unless
    /// [`deflate_config`](Self::deflate_config) set others.
    ///
    /// If the layer's [`ExtensionPolicy`](crate::policy::ExtensionPolicy) accepted an
    /// extension other than [`PerMessageDeflate`](super::PerMessageDeflate)'s
    /// permessage-deflate, the handshake is refused with
    /// [`HandshakeError::ExtensionNotImplemented`] (500, through the layer's error hook)
    /// instead of opening a connection that would break on its first message.
    #[must_use = "return the response: the callback runs only once it has been sent"]
    pub fn on_deflate_websocket<C, Fut>(mut self, callback: C) -> Response
    where
        C: FnOnce(DeflateWebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Ok(params) = agreed(self.negotiated()) else {
            return crate::answer::refusal(HandshakeError::ExtensionNotImplemented);
        };
        let config = self
            .deflate_config
            .take()
            .map_or_else(Config::default, |c| *c);
        self.spawn_accepted(move |pending, on_failed| async move {
            match pending.await {
                Ok(connection) => callback(DeflateWebSocket::new(connection, config, params)).await,
                Err(error) => upgrade_failed(on_failed, error),
            }
        })
    }
}

/// The permessage-deflate parameters to run with: `Ok(None)` when no extension was
/// negotiated, `Err` when one was that this codec does not implement (another extension,
/// or a `permessage-deflate` header that [`PerMessageDeflate`](super::PerMessageDeflate)
/// did not write, whose parameters the codec cannot know).
fn agreed(negotiated: &Negotiated) -> Result<Option<DeflateParams>, ()> {
    let extensions = negotiated.extensions();
    let Some(header) = extensions.header() else {
        return Ok(None);
    };
    match extensions.params::<DeflateParams>() {
        Some(params) if params.header_value() == header => Ok(Some(*params)),
        _ => Err(()),
    }
}

/// A WebSocket message stream over the upgraded connection that speaks
/// permessage-deflate when it was negotiated (RFC 7692).
///
/// A [`Stream`] of received [`Message`]s and a [`Sink`] of messages to send, like
/// tokio-tungstenite's: use `futures_util`'s `StreamExt::next` and `SinkExt::send`.
/// Pings are answered and the client's Close is replied to while the stream is polled,
/// so read until it ends. Messages are decompressed on receipt; sent messages are
/// compressed (RSV1 set) from [`DeflateParams::min_message_size`] up, and sent as they
/// are below it. A frame with RSV1 where RFC 7692 §6.1 forbids it (control frames,
/// continuation frames, or any frame when deflate was not negotiated) fails the
/// connection with 1002.
pub struct DeflateWebSocket {
    inner: Inner,
    params: Option<DeflateParams>,
    negotiated: Negotiated,
    /// The server's shutdown, if one was given (src/shutdown.rs).
    pub(crate) shutdown: Option<crate::GracefulShutdown>,
}

// One per connection, never in a collection: boxing the larger variant would cost an
// allocation per connection to save its size on the other.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Plain(WebSocketStream<UpgradedConnection>),
    Compressed(CompressedWebSocketStream<UpgradedConnection>),
}

impl DeflateWebSocket {
    fn new(connection: UpgradedConnection, config: Config, params: Option<DeflateParams>) -> Self {
        // Over HTTP/2 (RFC 8441) the stream must be ended after the Close is sent, or
        // the Close may be dropped with it.
        let negotiated = connection.negotiated().clone();
        let shutdown = connection.shutdown.clone();
        let http2 = negotiated.is_extended_connect();
        let inner = match params {
            Some(params) => {
                let stream =
                    CompressedWebSocketStream::server(connection, config, params.codec_config());
                Inner::Compressed(if http2 {
                    stream.with_immediate_write_shutdown()
                } else {
                    stream
                })
            }
            None => {
                let stream = WebSocketStream::server(connection, config);
                Inner::Plain(if http2 {
                    stream.with_immediate_write_shutdown()
                } else {
                    stream
                })
            }
        };
        Self {
            inner,
            params,
            negotiated,
            shutdown,
        }
    }

    /// The permessage-deflate parameters in force, or `None` when the connection does
    /// not compress (the client offered nothing the policy accepted).
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.params.as_ref()
    }

    /// What the handshake agreed on.
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// Starts the close handshake with `code` and `reason` (RFC 6455 §5.5.1) and waits
    /// until it completes.
    pub async fn close(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Plain(stream) => stream.close(code, reason).await,
            Inner::Compressed(stream) => stream.close(code, reason).await,
        }
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        match &self.inner {
            Inner::Plain(stream) => stream.is_closed(),
            Inner::Compressed(stream) => stream.is_closed(),
        }
    }
}

impl fmt::Debug for DeflateWebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeflateWebSocket")
            .field("deflate", &self.params)
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl Stream for DeflateWebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.get_mut().inner {
            Inner::Plain(stream) => Pin::new(stream).poll_next(cx),
            Inner::Compressed(stream) => Pin::new(stream).poll_next(cx),
        }
    }
}

impl Sink<Message> for DeflateWebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match &mut self.get_mut().inner {
            Inner::Plain(stream) => Pin::new(stream).poll_ready(cx),
            Inner::Compressed(stream) => Pin::new(stream).poll_ready(cx),
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        match &mut self.get_mut().inner {
            Inner::Plain(stream) => Pin::new(stream).start_send(message),
            Inner::Compressed(stream) => Pin::new(stream).start_send(message),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match &mut self.get_mut().inner {
            Inner::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Inner::Compressed(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match &mut self.get_mut().inner {
            Inner::Plain(stream) => Pin::new(stream).poll_close(cx),
            Inner::Compressed(stream) => Pin::new(stream).poll_close(cx),
        }
    }
}
