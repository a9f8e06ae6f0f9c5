//! The connection after the handshake.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::Negotiated;

/// The upgraded connection, as tokio I/O, with what was negotiated for it.
///
/// Bytes the client sent right behind its handshake (its first frame, often in the same
/// TCP segment) were read by hyper along with the request; they are the first bytes read
/// from here, so a codec built on this loses nothing.
pub struct UpgradedConnection {
    io: TokioIo<hyper::upgrade::Upgraded>,
    negotiated: Negotiated,
}

impl UpgradedConnection {
    pub(crate) fn new(upgraded: hyper::upgrade::Upgraded, negotiated: Negotiated) -> Self {
        Self {
            io: TokioIo::new(upgraded),
            negotiated,
        }
    }

    /// What the handshake agreed on: the codec must speak its subprotocol and extensions.
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// hyper's connection, for codecs that take hyper I/O.
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

impl AsyncRead for UpgradedConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
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
