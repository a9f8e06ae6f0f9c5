//! What a permessage-deflate negotiation agreed: the typed parameters the codec runs with,
//! and the response's `Sec-WebSocket-Extensions` value that tells the client.

use std::fmt::Write as _;

use http::HeaderValue;
use sockudo_ws::{DeflateConfig, DeflateWindowBits};

use super::offer::PERMESSAGE_DEFLATE;

/// The largest LZ77 window, 32 KiB, which a side may use unless told otherwise
/// (RFC 7692 §7.1.2.1, §7.1.2.2).
pub(crate) const MAX_WINDOW_BITS: u8 = 15;

/// The smallest window RFC 7692 allows, 256 bytes (§7.1.2.1).
pub(crate) const MIN_WINDOW_BITS: u8 = 8;

/// The permessage-deflate parameters agreed with one client: what each side may do, and
/// how this server compresses.
///
/// Made by [`PerMessageDeflate`](super::PerMessageDeflate) and attached to the handshake's
/// [`AgreedExtensions`](crate::policy::AgreedExtensions), where
/// [`WebSocketUpgrade::on_deflate_websocket`](crate::WebSocketUpgrade::on_deflate_websocket)
/// finds it. Read it from a handler with
/// `ws.negotiated().extensions().params::<DeflateParams>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
    pub(crate) server_max_window_bits: u8,
    pub(crate) client_max_window_bits: u8,
    /// Whether the response carries `server_max_window_bits` (always when the client
    /// offered it: RFC 7692 §7.1.2.1).
    pub(crate) respond_server_max_window_bits: bool,
    /// Whether the response carries `client_max_window_bits` (only if the client offered
    /// it: RFC 7692 §7.1.2.2).
    pub(crate) respond_client_max_window_bits: bool,
    pub(crate) min_message_size: usize,
    pub(crate) compression_level: u32,
}

impl DeflateParams {
    /// Whether the server resets its compression context after every message
    /// (`server_no_context_takeover`, RFC 7692 §7.1.1.1).
    pub fn server_no_context_takeover(&self) -> bool {
        self.server_no_context_takeover
    }

    /// Whether the client resets its compression context after every message
    /// (`client_no_context_takeover`, RFC 7692 §7.1.1.2).
    pub fn client_no_context_takeover(&self) -> bool {
        self.client_no_context_takeover
    }

    /// The base-2 logarithm of the largest LZ77 window the server may compress with,
    /// 8–15 (`server_max_window_bits`, RFC 7692 §7.1.2.1).
    ///
    /// At 8 the server sends every message uncompressed, which RFC 7692 §6 allows: no
    /// deflate implementation here keeps a window of 256 bytes (zlib refuses it), and a
    /// compressor that claimed 8 while keeping 512 bytes would break the client.
    pub fn server_max_window_bits(&self) -> u8 {
        self.server_max_window_bits
    }

    /// The base-2 logarithm of the largest LZ77 window the client may compress with,
    /// 8–15 (`client_max_window_bits`, RFC 7692 §7.1.2.2; 15 unless the client allowed a
    /// limit).
    pub fn client_max_window_bits(&self) -> u8 {
        self.client_max_window_bits
    }

    /// Messages shorter than this are sent uncompressed.
    pub fn min_message_size(&self) -> usize {
        self.min_message_size
    }

    /// The zlib compression level, 0–9.
    pub fn compression_level(&self) -> u32 {
        self.compression_level
    }

    /// Whether the server compresses its messages at all: `false` when the agreed
    /// window is 8 bits (see [`server_max_window_bits`](Self::server_max_window_bits)).
    pub fn server_compresses(&self) -> bool {
        self.server_max_window_bits > MIN_WINDOW_BITS
    }

    /// The response's `Sec-WebSocket-Extensions` value: `permessage-deflate` with only
    /// the parameters RFC 7692 §7.1 allows in a response, e.g.
    /// `permessage-deflate; server_no_context_takeover; client_max_window_bits=12`.
    pub fn header_value(&self) -> HeaderValue {
        let mut value = String::from(PERMESSAGE_DEFLATE);
        if self.server_no_context_takeover {
            value.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            value.push_str("; client_no_context_takeover");
        }
        if self.respond_server_max_window_bits {
            let _ = write!(
                value,
                "; server_max_window_bits={}",
                self.server_max_window_bits
            );
        }
        if self.respond_client_max_window_bits {
            let _ = write!(
                value,
                "; client_max_window_bits={}",
                self.client_max_window_bits
            );
        }
        HeaderValue::try_from(value).expect("tokens, digits, ';' and spaces make a header value")
    }

    /// The codec's configuration: sockudo-ws's deflate, server side.
    pub(crate) fn codec_config(&self) -> DeflateConfig {
        DeflateConfig {
            // zlib's smallest raw-deflate window is 9 bits. At 8 the compressor is
            // never used (the threshold below), so its window is never sent.
            server_max_window_bits: window(self.server_max_window_bits),
            // A decoder with a larger window than the peer's decodes its stream: every
            // distance the peer can send is within it.
            client_max_window_bits: window(self.client_max_window_bits),
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
            compression_level: self.compression_level,
            compression_threshold: if self.server_compresses() {
                self.min_message_size
            } else {
                usize::MAX
            },
        }
    }
}

/// sockudo-ws's window type, 9–15 bits; 8 becomes 9 (see the callers).
fn window(bits: u8) -> DeflateWindowBits {
    DeflateWindowBits::try_from(bits.clamp(MIN_WINDOW_BITS + 1, MAX_WINDOW_BITS))
        .expect("9..=15 are valid window sizes")
}
