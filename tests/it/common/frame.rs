//! WebSocket frames as bytes (RFC 6455 §5.2), RSV bits visible: masked client frames
//! written, server frames read on a [`Conn`] after its 101.

use tokio::io::{AsyncRead, AsyncWrite};

use super::raw::Conn;

pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// The masking key of RFC 6455 §5.7's examples.
pub const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A client frame, masked with [`MASK`] as clients must (RFC 6455 §5.3), RSV1 set as
/// asked, any payload length.
pub fn masked_frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode];
    match payload.len() {
        len @ 0..=125 => out.push(0x80 | len as u8),
        len @ 126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

/// A final client frame without RSV bits.
pub fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    masked_frame(true, false, opcode, payload)
}

/// A frame as the server sent it; `payload` is unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    /// RSV1, RSV2, RSV3 as the low three bits.
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub payload: Vec<u8>,
    /// The frame's bytes exactly as received.
    pub raw: Vec<u8>,
}

impl Frame {
    /// RSV1: the message is compressed (RFC 7692 §6).
    pub fn rsv1(&self) -> bool {
        self.rsv & 0b100 != 0
    }
}

/// The frame at the start of `buf` and its length, or `None` while it is incomplete.
fn parse(buf: &[u8]) -> Option<(Frame, usize)> {
    let [b0, b1, ..] = *buf else { return None };
    let masked = b1 & 0x80 != 0;
    let (length, mut at) = match b1 & 0x7f {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let mask: Option<[u8; 4]> = if masked {
        let mask = buf.get(at..at + 4)?.try_into().ok()?;
        at += 4;
        Some(mask)
    } else {
        None
    };
    let mut payload = buf.get(at..at + length)?.to_vec();
    at += length;
    if let Some(mask) = mask {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
    }
    let frame = Frame {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x7,
        opcode: b0 & 0x0f,
        masked,
        payload,
        raw: buf[..at].to_vec(),
    };
    Some((frame, at))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Writes one masked client frame ([`masked_frame`]).
    pub async fn send_frame(&mut self, fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) {
        self.write(&masked_frame(fin, rsv1, opcode, payload)).await;
    }

    /// Reads the next server frame, or `None` when the server closed the connection
    /// (or reset it) first.
    pub async fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some((frame, used)) = parse(self.pending()) {
                assert!(!frame.masked, "server frames are not masked: {frame:?}");
                self.consume(used);
                return Some(frame);
            }
            if !self.read_more().await.unwrap_or(false) {
                return None;
            }
        }
    }

    /// Reads the next server frame, which must come.
    pub async fn read_frame(&mut self) -> Frame {
        match self.next_frame().await {
            Some(frame) => frame,
            None => panic!("EOF before a whole frame: {:?}", self.pending()),
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
                .next_frame()
                .await
                .expect("connection closed mid-message");
            if frame.opcode >= OP_CLOSE {
                assert_ne!(
                    frame.opcode, OP_CLOSE,
                    "closed instead of echoing: {frame:?}"
                );
                continue;
            }
            payload.extend_from_slice(&frame.payload);
            let fin = frame.fin;
            first.get_or_insert(frame);
            if fin {
                let first = first.unwrap();
                return (first.rsv1(), first.opcode, payload);
            }
        }
    }

    /// Expects the server to fail the connection (RFC 6455 §7.1.7): no data message
    /// back, then a Close frame with one of `codes`, or the connection closed without one
    /// (sockudo-ws closes TCP; the Close frame is a SHOULD).
    pub async fn expect_failure(&mut self, codes: &[u16]) {
        while let Some(frame) = self.next_frame().await {
            assert!(
                frame.opcode >= OP_CLOSE,
                "data after a protocol error: {frame:?}"
            );
            if frame.opcode == OP_CLOSE {
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
