//! [`TestWebSocket`]: the client's end of an accepted handshake.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use http::{HeaderMap, Response};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Error, Message};

/// The client's end of an accepted handshake: a `Stream` and a `Sink` of tungstenite
/// [`Message`]s (tokio-tungstenite in the client role, which masks what it sends, answers
/// pings and completes the close handshake), with the server's handshake response at
/// hand.
///
/// Use `futures_util`'s `StreamExt::next` and `SinkExt::send`; `SinkExt::close` sends a
/// Close frame. Dropping the socket closes the connection without one.
pub struct TestWebSocket {
    stream: WebSocketStream<TokioIo<Upgraded>>,
    response: Response<()>,
}

impl TestWebSocket {
    pub(crate) fn new(stream: WebSocketStream<TokioIo<Upgraded>>, response: Response<()>) -> Self {
        Self { stream, response }
    }

    /// The server's handshake response: `101 Switching Protocols` over HTTP/1.1, `200 OK`
    /// over HTTP/2, its version and headers.
    pub fn response(&self) -> &Response<()> {
        &self.response
    }

    /// The headers of the server's handshake response.
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The subprotocol the server chose (`Sec-WebSocket-Protocol`), already checked to be
    /// one the client offered.
    pub fn protocol(&self) -> Option<&str> {
        self.headers()
            .get(http::header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    }
}

impl fmt::Debug for TestWebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestWebSocket")
            .field("response", &self.response)
            .finish_non_exhaustive()
    }
}

impl Stream for TestWebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.stream).poll_next(cx)
    }
}

impl Sink<Message> for TestWebSocket {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.stream).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        Pin::new(&mut self.stream).start_send(message)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.stream).poll_close(cx)
    }
}
