//! The connection after the handshake.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::upgrade::OnUpgrade;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::Negotiated;

mod read_ahead;
use read_ahead::ReadAhead;

/// The upgraded connection, as tokio I/O, with what was negotiated for it.
///
/// Bytes the client sent right behind its handshake (its first frame, often in the same
/// TCP segment) were read by hyper along with the request; they are the first bytes read
/// from here, so a codec built on this loses nothing.
///
/// The connection that [`on_upgrade`](crate::WebSocketUpgrade::on_upgrade) and
/// [`accept`](crate::WebSocketUpgrade::accept) hand over reads from the socket exactly
/// what the codec asks for. The one under `on_websocket`'s socket over HTTP/1.1 reads
/// ahead: once a read fills the codec's (small) buffer, the next takes up to 120 KiB from
/// the socket into a buffer that is freed as soon as the codec has taken it all.
pub struct UpgradedConnection {
    io: TokioIo<hyper::upgrade::Upgraded>,
    negotiated: Negotiated,
    read_ahead: Option<ReadAhead>,
    /// The server's shutdown, if one was given (src/shutdown.rs).
    pub(crate) shutdown: Option<crate::GracefulShutdown>,
}

impl UpgradedConnection {
    pub(crate) fn new(upgraded: hyper::upgrade::Upgraded, negotiated: Negotiated) -> Self {
        Self {
            io: TokioIo::new(upgraded),
            negotiated,
            read_ahead: None,
            shutdown: None,
        }
    }

    /// Reads ahead from now on, for a codec whose reads are small (tokio-tungstenite's).
    #[cfg_attr(not(feature = "tungstenite"), allow(dead_code))]
    pub(crate) fn read_ahead(&mut self) {
        self.read_ahead.get_or_insert_with(ReadAhead::default);
    }

    /// What the handshake agreed on: the codec must speak its subprotocol and extensions.
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// Bytes read ahead from the socket and not yet read from this connection: empty
    /// unless it is the one under `on_websocket`'s socket.
    pub fn read_ahead_buffer(&self) -> &[u8] {
        self.read_ahead.as_ref().map_or(&[], ReadAhead::buffered)
    }

    /// hyper's connection, for codecs that take hyper I/O.
    ///
    /// Bytes read ahead and not yet read (only `on_websocket`'s connection reads ahead)
    /// are not in it: copy them from [`read_ahead_buffer`](Self::read_ahead_buffer)
    /// first. tokio-tungstenite's own `into_inner` likewise drops what its codec buffered.
    pub fn into_inner(self) -> hyper::upgrade::Upgraded {
        self.io.into_inner()
    }
}

impl fmt::Debug for UpgradedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpgradedConnection")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

/// The connection of an accepted handshake, once hyper has sent the response: what
/// [`WebSocketUpgrade::accept`](crate::WebSocketUpgrade::accept) leaves the caller to
/// await, on a task of its choosing.
///
/// Resolves to the [`UpgradedConnection`], or to an [`UpgradeError`] if the connection
/// ended before the response was sent.
#[must_use = "futures do nothing unless polled: spawn it, or the connection is dropped"]
pub struct PendingUpgrade {
    on_upgrade: OnUpgrade,
    negotiated: Option<Negotiated>,
    shutdown: Option<crate::GracefulShutdown>,
}

impl PendingUpgrade {
    pub(crate) fn new(
        on_upgrade: OnUpgrade,
        negotiated: Negotiated,
        shutdown: Option<crate::GracefulShutdown>,
    ) -> Self {
        Self {
            on_upgrade,
            negotiated: Some(negotiated),
            shutdown,
        }
    }
}

impl Future for PendingUpgrade {
    type Output = Result<UpgradedConnection, UpgradeError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let upgraded =
            std::task::ready!(Pin::new(&mut self.on_upgrade).poll(cx)).map_err(UpgradeError)?;
        let mut negotiated = self
            .negotiated
            .take()
            .expect("PendingUpgrade polled after completion");
        // Done here rather than while answering: it serves the connection's life, not
        // the handshake.
        negotiated.detach_from_request();
        let mut connection = UpgradedConnection::new(upgraded, negotiated);
        connection.shutdown = self.shutdown.take();
        Poll::Ready(Ok(connection))
    }
}

/// The connection ended before the handshake response was sent: the client went away,
/// or the server is shutting the connection down. Nothing was upgraded.
pub struct UpgradeError(hyper::Error);

impl fmt::Debug for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UpgradeError").field(&self.0).finish()
    }
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the WebSocket upgrade failed: {}", self.0)
    }
}

impl std::error::Error for UpgradeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Runs `on_failed` with `error`, or logs it (DEBUG) when the handler set no callback: a
/// failed upgrade is never dropped unseen.
pub(crate) fn upgrade_failed(on_failed: Option<OnFailedUpgrade>, error: UpgradeError) {
    match on_failed {
        Some(on_failed) => on_failed(error),
        None => crate::trace::upgrade_failed(&error),
    }
}

/// What [`WebSocketUpgrade::on_failed_upgrade`](crate::WebSocketUpgrade::on_failed_upgrade)
/// set.
pub(crate) type OnFailedUpgrade = Box<dyn FnOnce(UpgradeError) + Send>;

impl fmt::Debug for PendingUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingUpgrade")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl AsyncRead for UpgradedConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match &mut this.read_ahead {
            None => Pin::new(&mut this.io).poll_read(cx, buf),
            Some(ahead) => ahead.poll_read(Pin::new(&mut this.io), cx, buf),
        }
    }
}

impl AsyncWrite for UpgradedConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
