//! Reading ahead for a codec that reads in small pieces.
//!
//! tokio-tungstenite reads at most its `read_buffer_size` per read and zero-fills that
//! much first, so its buffer is both what an idle connection holds and how much one read
//! can take: 4 KiB keeps idle connections small but makes a 1 MiB message 256 reads from
//! the socket. Here the codec keeps its small reads; once one comes back full (a large
//! message, or many, are arriving), the next read from the socket takes up to [`CHUNK`]
//! into a buffer of ours, without zero-filling it, and the codec's reads are served from
//! that buffer. The buffer exists only while it holds bytes, so an idle connection holds
//! nothing here, and small messages (reads that never fill the codec's buffer) go
//! straight to the socket as before.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

/// The most one read from the socket takes when reading ahead.
///
/// About what axum's 128 KiB reads take at once, but below glibc's 128 KiB `mmap`
/// threshold (which counts the allocator's header too), so that the buffer comes from
/// and returns to the heap rather than being mapped and faulted in each time.
pub(crate) const CHUNK: usize = 120 * 1024;

/// The read-ahead state of one connection: 16 bytes, of which there are several copies
/// in the future of each connection's task, so what is read ahead lives behind a box.
#[derive(Debug, Default)]
pub(crate) struct ReadAhead {
    /// What was read ahead and not yet handed to the codec; `None` once all of it has
    /// been, so that an idle connection holds nothing here.
    chunk: Option<Box<Chunk>>,
    /// Whether data is arriving faster than the codec's reads take it: set when a read
    /// fills what the codec offered, cleared when a read ahead brings no more than a
    /// direct read would have taken.
    streaming: bool,
}

/// Bytes read ahead: `buf[pos..]` is still to be handed out, and is never empty.
#[derive(Debug)]
struct Chunk {
    buf: Vec<u8>,
    pos: usize,
}

impl ReadAhead {
    /// Reads into `out` from what was read ahead, or from `io`.
    ///
    /// Inlined: small messages only ever take the direct read, which should cost them
    /// no more than a check.
    #[inline]
    pub(crate) fn poll_read<R>(
        &mut self,
        io: Pin<&mut R>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>
    where
        R: AsyncRead + ?Sized,
    {
        let wanted = out.remaining();
        if self.chunk.is_some() || (self.streaming && wanted < CHUNK && wanted > 0) {
            return self.poll_read_ahead(io, cx, out);
        }
        let result = io.poll_read(cx, out);
        if let Poll::Ready(Ok(())) = result {
            self.streaming = wanted > 0 && out.remaining() == 0;
        }
        result
    }

    /// Hands out what was read ahead, or reads up to [`CHUNK`] ahead first.
    fn poll_read_ahead<R>(
        &mut self,
        io: Pin<&mut R>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>
    where
        R: AsyncRead + ?Sized,
    {
        if self.chunk.is_none() {
            let mut chunk = Box::new(Chunk {
                buf: Vec::with_capacity(CHUNK),
                pos: 0,
            });
            match tokio_util::io::poll_read_buf(io, cx, &mut chunk.buf) {
                Poll::Ready(Ok(read)) => {
                    // No more than a direct read would have taken: the burst is over.
                    self.streaming = read > out.remaining();
                    if read == 0 {
                        return Poll::Ready(Ok(()));
                    }
                    self.chunk = Some(chunk);
                }
                Poll::Ready(Err(e)) => {
                    self.streaming = false;
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        self.hand_out(out);
        Poll::Ready(Ok(()))
    }

    /// Moves what fits of the chunk into `out`; frees it once all of it has been.
    fn hand_out(&mut self, out: &mut ReadBuf<'_>) {
        let Some(chunk) = &mut self.chunk else {
            return;
        };
        let rest = &chunk.buf[chunk.pos..];
        let n = rest.len().min(out.remaining());
        out.put_slice(&rest[..n]);
        chunk.pos += n;
        if chunk.pos == chunk.buf.len() {
            self.chunk = None;
        }
    }

    /// The bytes read ahead and not yet handed out.
    pub(crate) fn buffered(&self) -> &[u8] {
        self.chunk
            .as_ref()
            .map_or(&[], |chunk| &chunk.buf[chunk.pos..])
    }

    /// The capacity held, for tests.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.chunk.as_ref().map_or(0, |chunk| chunk.buf.capacity())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::task::Waker;

    use super::*;

    /// A socket that returns scripted reads: `Some(bytes)` (at most what the reader
    /// offers; the rest stays for the next read), `None` for `Pending`; an empty script
    /// is the end of the stream.
    #[derive(Default)]
    struct Script {
        reads: VecDeque<Option<Vec<u8>>>,
        /// How much each read was offered.
        offered: Vec<usize>,
    }

    impl Script {
        fn new(reads: impl IntoIterator<Item = Option<Vec<u8>>>) -> Self {
            Self {
                reads: reads.into_iter().collect(),
                offered: Vec::new(),
            }
        }
    }

    impl AsyncRead for Script {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.offered.push(buf.remaining());
            match self.reads.pop_front() {
                None => Poll::Ready(Ok(())),
                Some(None) => Poll::Pending,
                Some(Some(mut bytes)) => {
                    let n = bytes.len().min(buf.remaining());
                    buf.put_slice(&bytes[..n]);
                    if n < bytes.len() {
                        self.reads.push_front(Some(bytes.split_off(n)));
                    }
                    Poll::Ready(Ok(()))
                }
            }
        }
    }

    /// One read of up to `size` bytes: `None` if pending.
    fn read(ahead: &mut ReadAhead, io: &mut Script, size: usize) -> Option<Vec<u8>> {
        let mut storage = vec![0u8; size];
        let mut out = ReadBuf::new(&mut storage);
        let mut cx = Context::from_waker(Waker::noop());
        match ahead.poll_read(Pin::new(io), &mut cx, &mut out) {
            Poll::Ready(Ok(())) => Some(out.filled().to_vec()),
            Poll::Ready(Err(e)) => panic!("{e}"),
            Poll::Pending => None,
        }
    }

    fn bytes(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect()
    }

    #[test]
    fn small_reads_go_straight_to_the_socket() {
        let mut io = Script::new([Some(bytes(70, 1)), None, Some(bytes(70, 2))]);
        let mut ahead = ReadAhead::default();
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(bytes(70, 1)));
        assert_eq!(read(&mut ahead, &mut io, 4096), None);
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(bytes(70, 2)));
        assert_eq!(io.offered, [4096, 4096, 4096]);
        assert_eq!(ahead.capacity(), 0);
    }

    #[test]
    fn a_full_read_makes_the_next_one_read_ahead() {
        let message = bytes(40_000, 3);
        let mut io = Script::new([Some(message.clone())]);
        let mut ahead = ReadAhead::default();
        let mut received = Vec::new();
        while received.len() < message.len() {
            received.extend(read(&mut ahead, &mut io, 4096).expect("ready"));
        }
        assert_eq!(received, message);
        // One direct read that came back full, then one read ahead took the rest.
        assert_eq!(io.offered, [4096, CHUNK]);
        assert_eq!(ahead.capacity(), 0, "freed once drained");
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(Vec::new()), "the end");
    }

    #[test]
    fn a_large_message_arrives_whole_across_chunks_and_pauses() {
        let message = bytes(300_000, 4);
        let parts = message.chunks(50_000).map(|c| Some(c.to_vec()));
        let mut script = Vec::new();
        for part in parts {
            script.push(part);
            script.push(None);
        }
        let mut io = Script::new(script);
        let mut ahead = ReadAhead::default();
        let mut received = Vec::new();
        let mut pending = 0;
        while received.len() < message.len() {
            match read(&mut ahead, &mut io, 4096) {
                Some(part) => received.extend(part),
                None => {
                    pending += 1;
                    assert_eq!(ahead.capacity(), 0, "nothing held while waiting");
                }
            }
        }
        assert_eq!(received, message);
        assert_eq!(pending, 5);
        // Still streaming after a pause: every read after the first goes ahead.
        assert!(
            io.offered[1..].iter().all(|&n| n == CHUNK),
            "{:?}",
            io.offered
        );
    }

    #[test]
    fn a_short_read_ahead_ends_the_burst() {
        let mut io = Script::new([
            Some(bytes(4096, 5)),
            Some(bytes(100, 6)),
            Some(bytes(10, 7)),
        ]);
        let mut ahead = ReadAhead::default();
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(bytes(4096, 5)));
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(bytes(100, 6)));
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(bytes(10, 7)));
        assert_eq!(io.offered, [4096, CHUNK, 4096]);
    }

    #[test]
    fn a_large_reader_is_never_read_ahead_for() {
        let mut io = Script::new([Some(bytes(CHUNK, 8)), Some(bytes(CHUNK, 9))]);
        let mut ahead = ReadAhead::default();
        assert_eq!(read(&mut ahead, &mut io, CHUNK), Some(bytes(CHUNK, 8)));
        assert_eq!(read(&mut ahead, &mut io, CHUNK), Some(bytes(CHUNK, 9)));
        assert_eq!(io.offered, [CHUNK, CHUNK]);
    }

    #[test]
    fn bytes_read_ahead_are_handed_out_before_the_end_of_the_stream() {
        let mut io = Script::new([Some(bytes(4096, 10)), Some(bytes(5000, 11))]);
        let mut ahead = ReadAhead::default();
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(bytes(4096, 10)));
        let mut rest = read(&mut ahead, &mut io, 4096).unwrap();
        assert_eq!(ahead.buffered(), &bytes(5000, 11)[4096..]);
        rest.extend(read(&mut ahead, &mut io, 4096).unwrap());
        assert_eq!(rest, bytes(5000, 11));
        assert_eq!(read(&mut ahead, &mut io, 4096), Some(Vec::new()), "the end");
        assert_eq!(
            read(&mut ahead, &mut io, 4096),
            Some(Vec::new()),
            "still the end"
        );
    }

    #[test]
    fn an_empty_reader_reads_nothing_ahead() {
        let mut io = Script::new([Some(bytes(10, 12)), Some(bytes(10, 13))]);
        let mut ahead = ReadAhead {
            streaming: true,
            ..ReadAhead::default()
        };
        assert_eq!(read(&mut ahead, &mut io, 0), Some(Vec::new()));
        assert_eq!(ahead.capacity(), 0);
        assert_eq!(read(&mut ahead, &mut io, 1), Some(bytes(1, 12)));
    }

    #[test]
    fn an_error_is_passed_on_and_ends_the_burst() {
        struct Failing;
        impl AsyncRead for Failing {
            fn poll_read(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                _: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()))
            }
        }
        let mut ahead = ReadAhead {
            streaming: true,
            ..ReadAhead::default()
        };
        let mut storage = [0u8; 16];
        let mut out = ReadBuf::new(&mut storage);
        let mut cx = Context::from_waker(Waker::noop());
        let result = ahead.poll_read(Pin::new(&mut Failing), &mut cx, &mut out);
        assert!(
            matches!(result, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::ConnectionReset)
        );
        assert!(!ahead.streaming);
        assert_eq!(ahead.capacity(), 0);
    }
}
