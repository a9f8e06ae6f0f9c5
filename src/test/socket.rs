//! [`TestWebSocket`]: the client's end of an accepted handshake.

use std::error::Error as _;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use http::{HeaderMap, Response};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
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
    stream: WebSocketStream<UpgradedIo>,
    response: Response<()>,
}

impl TestWebSocket {
    pub(crate) fn new(stream: WebSocketStream<UpgradedIo>, response: Response<()>) -> Self {
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

/// hyper's upgraded connection, but for one error.
///
/// Over HTTP/2 a server that is done with a stream while the client may still send (its
/// WebSocket closed, say) resets it with `NO_ERROR` (RFC 9113 §8.1: stop sending, the
/// response is complete). hyper reads that reset as the end of the stream, but a flush
/// that was waiting for hyper to take the last bytes reports it as an error: a client
/// that sent its Close and gets the server's back could see its own `send` fail, on a
/// multi-thread runtime now and then. Here a flush or shutdown ended by `NO_ERROR` is a
/// success, as the read is; a write after it still fails.
pub(crate) struct UpgradedIo(TokioIo<Upgraded>);

impl UpgradedIo {
    pub(crate) fn new(upgraded: Upgraded) -> Self {
        Self(TokioIo::new(upgraded))
    }
}

/// Whether `error` is hyper's report of an HTTP/2 stream reset with `NO_ERROR`.
fn is_no_error_reset(error: &io::Error) -> bool {
    error
        .get_ref()
        .and_then(|error| error.downcast_ref::<hyper::Error>())
        .and_then(|error| error.source())
        .and_then(|error| error.downcast_ref::<h2::Error>())
        .and_then(h2::Error::reason)
        == Some(h2::Reason::NO_ERROR)
}

/// `result`, a success if it is the error of a `NO_ERROR` reset.
fn no_error_reset_is_done(result: Poll<io::Result<()>>) -> Poll<io::Result<()>> {
    match result {
        Poll::Ready(Err(error)) if is_no_error_reset(&error) => Poll::Ready(Ok(())),
        result => result,
    }
}

impl AsyncRead for UpgradedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for UpgradedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        no_error_reset_is_done(Pin::new(&mut self.0).poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        no_error_reset_is_done(Pin::new(&mut self.0).poll_shutdown(cx))
    }
}
