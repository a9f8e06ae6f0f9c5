//! Serving HTTP/1.1 and h2c on one port without hyper-util's auto builder's extra read:
//! one read into a small buffer tells the HTTP/2 preface from an HTTP/1 request head,
//! and hyper is handed the connection behind a [`Rewind`] that replays those bytes, so
//! the head is parsed once, from a single `recvfrom` in the usual case.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// The HTTP/2 connection preface (RFC 9113 §3.4).
pub const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How much the sniff reads at most: a browser's WebSocket handshake fits.
const SNIFF_BUFFER: usize = 4096;

/// I/O that yields the bytes the sniff read before reading from `inner`; their buffer is
/// freed once they are read (it would otherwise stay with the connection for its life).
pub struct Rewind<T> {
    pre: Vec<u8>,
    read: usize,
    inner: T,
}

impl<T: AsyncRead + Unpin> AsyncRead for Rewind<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.read < self.pre.len() {
            let this = &mut *self;
            let n = (this.pre.len() - this.read).min(buf.remaining());
            buf.put_slice(&this.pre[this.read..this.read + n]);
            this.read += n;
            if this.read == this.pre.len() {
                this.pre = Vec::new();
                this.read = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Rewind<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Reads until the first bytes tell HTTP/2's preface from anything else (one read
/// unless the client sends fewer bytes than the preface that still match it). Returns
/// whether it is HTTP/2 and the I/O replaying what was read.
pub async fn sniff<T: AsyncRead + Unpin>(mut io: T) -> io::Result<(bool, Rewind<T>)> {
    let mut buf = Vec::with_capacity(SNIFF_BUFFER);
    let h2 = loop {
        if io.read_buf(&mut buf).await? == 0 {
            break false; // EOF: let hyper see it
        }
        let n = buf.len().min(H2_PREFACE.len());
        if buf[..n] != H2_PREFACE[..n] {
            break false;
        }
        if n == H2_PREFACE.len() {
            break true;
        }
    };
    if buf.is_empty() {
        // Closed before a byte: nothing to replay, nothing to keep.
        buf = Vec::new();
    }
    let rewind = Rewind {
        pre: buf,
        read: 0,
        inner: io,
    };
    Ok((h2, rewind))
}
