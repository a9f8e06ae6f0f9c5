//! Waiting for the server's SETTINGS on an HTTP/2 connection.
//!
//! hyper's client sends an extended CONNECT (RFC 8441) only once the server's SETTINGS
//! enabled it, and its handshake returns before they arrive. h2 applies the server's
//! SETTINGS when it queues their acknowledgement (RFC 9113 §6.5.3), so the client's
//! SETTINGS frame with the ACK flag on the wire says they are applied: the client's end
//! of the connection is watched for it, with no request sent.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The client connection preface (RFC 9113 §3.4), before the first frame.
const PREFACE_LEN: usize = 24;
/// A frame header: length (3 bytes), type, flags, stream (4 bytes) (RFC 9113 §4.1).
const FRAME_HEADER_LEN: usize = 9;
/// The SETTINGS frame type and its ACK flag (RFC 9113 §6.5).
const SETTINGS: u8 = 0x4;
const ACK: u8 = 0x1;

/// What became of the server's SETTINGS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settings {
    /// Not acknowledged yet.
    Pending,
    /// Acknowledged by the client, hence applied.
    Applied,
    /// The connection ended (or failed) first.
    Closed,
}

#[derive(Debug)]
struct State {
    settings: Settings,
    waker: Option<Waker>,
}

/// The side that waits for [`Settings::Applied`].
#[derive(Debug, Clone)]
pub(crate) struct SettingsWatch(Arc<Mutex<State>>);

impl SettingsWatch {
    fn set(&self, settings: Settings) {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if state.settings == Settings::Pending {
            state.settings = settings;
            if let Some(waker) = state.waker.take() {
                waker.wake();
            }
        }
    }

    /// Resolves once the server's SETTINGS are applied or the connection ended.
    pub(crate) async fn settled(&self) -> Settings {
        std::future::poll_fn(|cx| {
            let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            match state.settings {
                Settings::Pending => {
                    state.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
                settled => Poll::Ready(settled),
            }
        })
        .await
    }
}

/// The client's end of an HTTP/2 connection, passed through unchanged, whose writes are
/// read frame by frame until the SETTINGS acknowledgement.
#[derive(Debug)]
pub(crate) struct Watched<T> {
    io: T,
    watch: SettingsWatch,
    /// `None` once the acknowledgement was seen.
    frames: Option<FrameScanner>,
}

impl<T> Watched<T> {
    /// `io` and the watch that learns when the server's SETTINGS are applied.
    pub(crate) fn new(io: T) -> (Self, SettingsWatch) {
        let watch = SettingsWatch(Arc::new(Mutex::new(State {
            settings: Settings::Pending,
            waker: None,
        })));
        let watched = Self {
            io,
            watch: watch.clone(),
            frames: Some(FrameScanner::default()),
        };
        (watched, watch)
    }

    fn closed(&mut self) {
        if self.frames.take().is_some() {
            self.watch.set(Settings::Closed);
        }
    }
}

impl<T> Drop for Watched<T> {
    fn drop(&mut self) {
        self.closed();
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.io).poll_read(cx, buf);
        match &result {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                self.closed();
            }
            Poll::Ready(Err(_)) => self.closed(),
            _ => {}
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.io).poll_write(cx, buf);
        match &result {
            Poll::Ready(Ok(written)) => {
                if let Some(frames) = &mut self.frames
                    && frames.scan(&buf[..*written])
                {
                    self.frames = None;
                    self.watch.set(Settings::Applied);
                }
            }
            Poll::Ready(Err(_)) => self.closed(),
            Poll::Pending => {}
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Splits the client's bytes into frames, however the writes cut them.
#[derive(Debug)]
struct FrameScanner {
    /// Bytes of the preface still to skip.
    preface: usize,
    header: [u8; FRAME_HEADER_LEN],
    /// Bytes of `header` filled.
    filled: usize,
    /// Bytes of the current frame's payload still to skip.
    payload: usize,
}

impl Default for FrameScanner {
    fn default() -> Self {
        Self {
            preface: PREFACE_LEN,
            header: [0; FRAME_HEADER_LEN],
            filled: 0,
            payload: 0,
        }
    }
}

impl FrameScanner {
    /// Reads `bytes`, the next the client wrote; returns whether they complete the header
    /// of a SETTINGS frame with the ACK flag.
    fn scan(&mut self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            let skip = if self.preface > 0 {
                &mut self.preface
            } else {
                &mut self.payload
            };
            if *skip > 0 {
                let n = (*skip).min(bytes.len());
                *skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (FRAME_HEADER_LEN - self.filled).min(bytes.len());
            self.header[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == FRAME_HEADER_LEN {
                self.filled = 0;
                let [l0, l1, l2, kind, flags, ..] = self.header;
                if kind == SETTINGS && flags & ACK != 0 {
                    return true;
                }
                self.payload = u32::from_be_bytes([0, l0, l1, l2]) as usize;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preface, the client's SETTINGS (one setting), a WINDOW_UPDATE, then the ACK.
    fn client_bytes() -> Vec<u8> {
        let mut bytes = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        bytes.extend([0, 0, 6, SETTINGS, 0, 0, 0, 0, 0]);
        bytes.extend([0, 2, 0, 0, 0, 0]);
        bytes.extend([0, 0, 4, 0x8, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]);
        bytes.extend([0, 0, 0, SETTINGS, ACK, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn finds_the_ack_however_the_writes_cut_the_bytes() {
        let bytes = client_bytes();
        for cut in 1..bytes.len() {
            let mut scanner = FrameScanner::default();
            let found = bytes.chunks(cut).map(|chunk| scanner.scan(chunk));
            assert_eq!(
                found.filter(|&f| f).count(),
                1,
                "writes of {cut} bytes: the ACK found once"
            );
        }
    }

    #[test]
    fn a_settings_frame_without_the_ack_flag_is_not_the_ack() {
        let bytes = client_bytes();
        let mut scanner = FrameScanner::default();
        assert!(!scanner.scan(&bytes[..bytes.len() - 1]));
        // The ACK flag inside a payload is not a frame header.
        let mut scanner = FrameScanner::default();
        let mut bytes = bytes[..24].to_vec();
        bytes.extend([0, 0, 9, 0x0, 0, 0, 0, 0, 1]);
        bytes.extend([0, 0, 0, SETTINGS, ACK, 0, 0, 0, 0]);
        assert!(!scanner.scan(&bytes));
    }
}
