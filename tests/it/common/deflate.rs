//! For tests/deflate_*.rs: the handshake with extension offers, the echo handler on the
//! deflate WebSocket, and raw deflate with an explicit window (RFC 7692 §7.2), so that
//! the tests see the wire itself.

use std::net::SocketAddr;
use std::ops::Deref;

use axum::response::Response;
use axum_ws_handshake::WebSocketUpgrade;
use axum_ws_handshake::deflate::DeflateWebSocket;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use futures_util::{SinkExt, StreamExt};

use super::raw::{Conn, RawResponse, Req};

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

/// The server's answer to [`handshake`]: the response head (its fields and methods
/// through `Deref`) and the connection, positioned after the head.
pub struct Answer {
    pub response: RawResponse,
    pub conn: Conn,
}

impl Deref for Answer {
    type Target = RawResponse;

    fn deref(&self) -> &RawResponse {
        &self.response
    }
}

impl Answer {
    /// Every value of header `name`, joined with ", ".
    pub fn joined(&self, name: &str) -> Option<String> {
        let values = self.all(name);
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The `Sec-WebSocket-Extensions` of a 101, asserting the status.
    pub fn extensions(&self) -> Option<String> {
        assert_eq!(self.status, 101, "expected a 101, got {}", self.status);
        self.joined("sec-websocket-extensions")
    }
}

/// Sends the opening handshake of RFC 6455 §4.1 to `/echo` at `addr` with one
/// `Sec-WebSocket-Extensions` line per element of `extensions`, and reads the answer's
/// head.
pub async fn handshake(addr: SocketAddr, extensions: &[&str]) -> Answer {
    let mut request = Req::handshake(addr, "/echo");
    for line in extensions {
        request = request.add("Sec-WebSocket-Extensions", line);
    }
    let mut conn = Conn::connect(addr).await;
    conn.write(&request.bytes()).await;
    let response = conn.read_head().await;
    Answer { response, conn }
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
