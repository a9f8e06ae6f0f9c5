//! Helpers for tests/deflate_*.rs: a real server on an ephemeral port, a raw HTTP/1.1
//! handshake, WebSocket frames as bytes (RFC 6455 §5.2, with RSV1 visible) and raw
//! deflate with an explicit window (RFC 7692 §7.2), so the tests see the wire itself.
//!
//! Every read is bounded by [`TIMEOUT`].
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use axum_ws_handshake::WebSocketUpgrade;
use axum_ws_handshake::deflate::DeflateWebSocket;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CONTINUATION: u8 = 0x0;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// Serves `app` on 127.0.0.1, an ephemeral port, in a background task.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("axum::serve");
    });
    addr
}

/// Echoes text and binary messages until the peer closes.
pub async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.on_deflate_websocket(|mut socket: DeflateWebSocket| async move {
        while let Some(Ok(message)) = socket.next().await {
            if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

/// The server's answer to a handshake: status, headers (names lower-cased) and the
/// connection, positioned after the head.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub conn: Conn,
}

impl Answer {
    /// Every value of header `name`, joined with ", ".
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The `Sec-WebSocket-Extensions` of a 101, asserting the status.
    pub fn extensions(&self) -> Option<String> {
        assert_eq!(self.status, 101, "expected a 101, got {}", self.status);
        self.header("sec-websocket-extensions")
    }
}

/// Sends the opening handshake of RFC 6455 §4.1 to `addr` with one
/// `Sec-WebSocket-Extensions` line per element of `extensions`, and reads the answer's
/// head.
pub async fn handshake(addr: SocketAddr, extensions: &[&str]) -> Answer {
    let mut request = format!(
        "GET /echo HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    for line in extensions {
        request.push_str(&format!("Sec-WebSocket-Extensions: {line}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = timeout(TIMEOUT, TcpStream::connect(addr))
        .await
        .expect("connect timed out")
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut conn = Conn::new(stream);
    let head = conn.read_head().await;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        conn,
    }
}

/// One WebSocket frame as it was on the wire (payload unmasked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    pub rsv1: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

/// A byte stream a WebSocket runs on: TCP, or an HTTP/2 stream.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A client connection after the handshake.
pub struct Conn {
    stream: Box<dyn Io>,
    buf: Vec<u8>,
}

impl Conn {
    /// A connection on `stream`, whose handshake is done.
    pub fn new(stream: impl Io + 'static) -> Self {
        Self {
            stream: Box::new(stream),
            buf: Vec::new(),
        }
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        let n = timeout(TIMEOUT, self.stream.read(&mut chunk))
            .await
            .expect("read timed out")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    async fn read_head(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                self.buf.drain(..end + 4);
                return head;
            }
            assert!(
                self.fill().await,
                "connection closed before the response head"
            );
        }
    }

    /// Writes one masked client frame.
    pub async fn send_frame(&mut self, fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) {
        let mut frame = vec![(u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode];
        match payload.len() {
            len @ 0..=125 => frame.push(0x80 | len as u8),
            len @ 126..=0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await.expect("write frame");
    }

    /// Reads the next server frame, or `None` when the server closed the connection.
    pub async fn read_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some((frame, used)) = parse_frame(&self.buf) {
                self.buf.drain(..used);
                return Some(frame);
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Reads frames until a whole data message arrived: its first frame's RSV1 and
    /// opcode, and its payload as sent (still compressed if RSV1 is set). Control frames
    /// on the way are skipped.
    pub async fn read_message(&mut self) -> (bool, u8, Vec<u8>) {
        let mut first: Option<Frame> = None;
        let mut payload = Vec::new();
        loop {
            let frame = self
                .read_frame()
                .await
                .expect("connection closed mid-message");
            if frame.opcode >= CLOSE {
                assert_ne!(frame.opcode, CLOSE, "closed instead of echoing: {frame:?}");
                continue;
            }
            payload.extend_from_slice(&frame.payload);
            let fin = frame.fin;
            first.get_or_insert(frame);
            if fin {
                let first = first.unwrap();
                return (first.rsv1, first.opcode, payload);
            }
        }
    }

    /// Expects the server to fail the connection (RFC 6455 §7.1.7): no data message
    /// back, then a Close frame with one of `codes`, or the connection closed without one
    /// (sockudo-ws closes TCP; the Close frame is a SHOULD).
    pub async fn expect_failure(&mut self, codes: &[u16]) {
        while let Some(frame) = self.read_frame().await {
            assert!(
                frame.opcode >= CLOSE,
                "data after a protocol error: {frame:?}"
            );
            if frame.opcode == CLOSE {
                assert!(frame.payload.len() >= 2, "Close without a code");
                let code = u16::from_be_bytes([frame.payload[0], frame.payload[1]]);
                assert!(
                    codes.contains(&code),
                    "closed with {code}, expected {codes:?}"
                );
                return;
            }
        }
    }
}

fn parse_frame(buf: &[u8]) -> Option<(Frame, usize)> {
    let [b0, b1, ..] = *buf else { return None };
    assert_eq!(b1 & 0x80, 0, "server frames are not masked");
    let (len, mut at) = match b1 & 0x7f {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        len => (len as usize, 2),
    };
    let payload = buf.get(at..at + len)?.to_vec();
    at += len;
    Some((
        Frame {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            opcode: b0 & 0x0f,
            payload,
        },
        at,
    ))
}

/// One side's raw-deflate compressor with an explicit window, as RFC 7692 §7.2.1 uses
/// it: each message flushed with a sync flush, whose 4-byte tail is removed.
pub struct Deflater(Compress);

impl Deflater {
    pub fn new(window_bits: u8) -> Self {
        Self(Compress::new_with_window_bits(
            Compression::default(),
            false,
            window_bits,
        ))
    }

    pub fn compress(&mut self, message: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(message.len() + 64);
        let start = self.0.total_in();
        loop {
            let done = (self.0.total_in() - start) as usize;
            out.reserve(4096);
            self.0
                .compress_vec(&message[done..], &mut out, FlushCompress::Sync)
                .expect("deflate");
            if (self.0.total_in() - start) as usize == message.len()
                && out.ends_with(&[0, 0, 0xff, 0xff])
                && out.len() < out.capacity()
            {
                break;
            }
        }
        out.truncate(out.len() - 4);
        out
    }
}

/// The matching decompressor (RFC 7692 §7.2.2): the tail appended back, then inflated
/// with a window of `window_bits`, so back-references beyond it are errors.
pub struct Inflater(Decompress);

impl Inflater {
    pub fn new(window_bits: u8) -> Self {
        Self(Decompress::new_with_window_bits(false, window_bits))
    }

    pub fn inflate(&mut self, payload: &[u8]) -> Result<Vec<u8>, flate2::DecompressError> {
        let mut input = payload.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(payload.len() * 4 + 1024);
        let start = self.0.total_in();
        loop {
            let done = (self.0.total_in() - start) as usize;
            out.reserve(64 * 1024);
            self.0
                .decompress_vec(&input[done..], &mut out, FlushDecompress::Sync)?;
            if (self.0.total_in() - start) as usize == input.len() && out.len() < out.capacity() {
                return Ok(out);
            }
        }
    }
}

/// Bytes that compress well but only with back-references reaching `distance` bytes:
/// a pseudo-random block of that length, repeated.
pub fn repeats_at(distance: usize, len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let block: Vec<u8> = (0..distance)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            b'a' + (state % 26) as u8
        })
        .collect();
    block.iter().copied().cycle().take(len).collect()
}
