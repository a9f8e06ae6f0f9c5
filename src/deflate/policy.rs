//! The built-in permessage-deflate policy: the server's limits, and the negotiation of
//! RFC 7692 §5 and §7.1 run against them, offer by offer.

use http::request::Parts;

use super::offer::{Decline, Offer};
use super::params::{DeflateParams, MAX_WINDOW_BITS, MIN_WINDOW_BITS};
use crate::policy::{AgreedExtensions, ExtensionOffer, ExtensionOffers, ExtensionPolicy};

/// Negotiates permessage-deflate (RFC 7692) within the server's limits.
///
/// The client's offers are considered in its order of preference. An offer with an
/// unknown, repeated or invalid parameter is declined and the next one considered
/// (RFC 7692 §5.1, §7.1); the first acceptable offer is accepted, and the response lists
/// `permessage-deflate` with only the parameters a response may carry. Offers of other
/// extensions are ignored. When nothing is acceptable, the connection opens without
/// compression.
///
/// Pair it with [`WebSocketUpgrade::on_deflate_websocket`](crate::WebSocketUpgrade::on_deflate_websocket),
/// whose codec implements what this policy agrees to.
/// [`on_websocket`](crate::WebSocketUpgrade::on_websocket) (tokio-tungstenite) does not
/// implement it, and answers 500 when it was negotiated.
///
/// | setting | default | why |
/// |---|---|---|
/// | [`server_max_window_bits`](Self::server_max_window_bits) | 12 | a 4 KiB window: a third less memory per connection than 15, for under two points of compression on API-like JSON (docs/DEFLATE.md); 15 for the best ratio |
/// | [`client_max_window_bits`](Self::client_max_window_bits) | 15 | a lower cap declines offers that cannot take it, such as Firefox's bare `permessage-deflate`, and saves no memory with this codec (its inflater keeps 32 KiB whatever the window) |
/// | [`server_no_context_takeover`](Self::server_no_context_takeover) | `false` | context takeover compresses a stream of similar messages better, and resetting saves no memory with this codec (the compressor is kept between messages) |
/// | [`client_no_context_takeover`](Self::client_no_context_takeover) | `false` | the same, for the client's messages |
/// | [`min_message_size`](Self::min_message_size) | 32 bytes | a deflate block's overhead outweighs what a message this short saves |
/// | [`compression_level`](Self::compression_level) | 6 | zlib's default trade-off of speed for size |
///
/// ```
/// use axum_ws_handshake::WebSocketLayer;
/// use axum_ws_handshake::deflate::PerMessageDeflate;
///
/// let layer = WebSocketLayer::new().extensions(
///     PerMessageDeflate::new()
///         .server_max_window_bits(15) // 32 KiB window: best ratio, more memory
///         .min_message_size(128),
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct PerMessageDeflate {
    server_max_window_bits: u8,
    client_max_window_bits: u8,
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    min_message_size: usize,
    compression_level: u32,
}

/// The server's window unless configured: see the table on [`PerMessageDeflate`].
const DEFAULT_SERVER_MAX_WINDOW_BITS: u8 = 12;

impl Default for PerMessageDeflate {
    fn default() -> Self {
        Self::new()
    }
}

impl PerMessageDeflate {
    /// The policy with the defaults of the table above.
    pub const fn new() -> Self {
        Self {
            server_max_window_bits: DEFAULT_SERVER_MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            min_message_size: 32,
            compression_level: 6,
        }
    }

    /// The largest LZ77 window the server compresses with, as a base-2 logarithm from 8
    /// (256 bytes) to 15 (32 KiB); 12 unless set. Always sent in the response when below 15, so the
    /// client can decompress with a smaller window too (RFC 7692 §7.1.2.1). A client's
    /// own smaller `server_max_window_bits` wins.
    ///
    /// The window and the compressor's tables are the bulk of a connection's memory;
    /// see docs/DEFLATE.md for figures. At 8 the server sends its messages uncompressed
    /// (see [`DeflateParams::server_max_window_bits`]).
    ///
    /// # Panics
    /// If `bits` is not within 8..=15.
    pub const fn server_max_window_bits(mut self, bits: u8) -> Self {
        assert!(
            bits >= MIN_WINDOW_BITS && bits <= MAX_WINDOW_BITS,
            "server_max_window_bits must be within 8..=15"
        );
        self.server_max_window_bits = bits;
        self
    }

    /// The largest LZ77 window the client may compress with, from 8 to 15: the window
    /// the server keeps to decompress. Below 15 it is sent as `client_max_window_bits`
    /// when the client offered that parameter (RFC 7692 §7.1.2.2), and an offer without
    /// it is declined, since nothing would then bound the client's window.
    ///
    /// With sockudo-ws's codec a smaller client window saves no server memory: zlib-rs
    /// keeps a 32 KiB inflate window whatever the negotiated size (docs/DEFLATE.md);
    /// it lowers the client's own memory.
    ///
    /// # Panics
    /// If `bits` is not within 8..=15.
    pub const fn client_max_window_bits(mut self, bits: u8) -> Self {
        assert!(
            bits >= MIN_WINDOW_BITS && bits <= MAX_WINDOW_BITS,
            "client_max_window_bits must be within 8..=15"
        );
        self.client_max_window_bits = bits;
        self
    }

    /// Whether the server always resets its compression context after each message,
    /// and says so with `server_no_context_takeover` (RFC 7692 §7.1.1.1). When `false`,
    /// the server still does so for a client that asks.
    pub const fn server_no_context_takeover(mut self, insist: bool) -> Self {
        self.server_no_context_takeover = insist;
        self
    }

    /// Whether the server always requires the client to reset its compression context
    /// after each message, with `client_no_context_takeover` in the response (RFC 7692
    /// §7.1.1.2; a client must accept it). When `false`, the parameter is sent back only
    /// if the client offered it.
    pub const fn client_no_context_takeover(mut self, insist: bool) -> Self {
        self.client_no_context_takeover = insist;
        self
    }

    /// Messages shorter than `bytes` are sent uncompressed (RSV1 clear), which
    /// RFC 7692 §6 allows on a connection that negotiated compression.
    pub const fn min_message_size(mut self, bytes: usize) -> Self {
        self.min_message_size = bytes;
        self
    }

    /// The zlib compression level, from 0 (stored, no compression) to 9 (smallest
    /// output, slowest).
    ///
    /// # Panics
    /// If `level` is above 9.
    pub const fn compression_level(mut self, level: u32) -> Self {
        assert!(level <= 9, "compression_level must be within 0..=9");
        self.compression_level = level;
        self
    }

    /// The parameters this policy agrees to for one offer, or `None` when it declines
    /// it: another extension, or a permessage-deflate offer with an unknown, repeated or
    /// invalid parameter, or one the server's limits cannot meet.
    pub fn select_offer(&self, offer: &ExtensionOffer<'_>) -> Option<DeflateParams> {
        self.accept(offer).ok()
    }

    pub(crate) fn accept(&self, offer: &ExtensionOffer<'_>) -> Result<DeflateParams, Decline> {
        let offer = Offer::read(offer)?;

        // §7.1.2.1: the response carries the offered value or a smaller one; without an
        // offered value the server may still announce a smaller window of its own.
        let server_max_window_bits = match offer.server_max_window_bits {
            Some(offered) => offered.min(self.server_max_window_bits),
            None => self.server_max_window_bits,
        };
        let respond_server_max_window_bits =
            offer.server_max_window_bits.is_some() || server_max_window_bits < MAX_WINDOW_BITS;

        // §7.1.2.2: the response carries `client_max_window_bits` only if the offer did,
        // with a value no larger than an offered one.
        let cap = self.client_max_window_bits;
        let (client_max_window_bits, respond_client_max_window_bits) =
            match offer.client_max_window_bits {
                None if cap < MAX_WINDOW_BITS => return Err(Decline::ClientWindowUnbounded),
                None => (MAX_WINDOW_BITS, false),
                Some(None) => (cap, cap < MAX_WINDOW_BITS),
                Some(Some(offered)) => (offered.min(cap), cap < offered),
            };

        Ok(DeflateParams {
            // §7.1.1.1: a server that accepts an offer with this parameter must send it;
            // it may send it unasked.
            server_no_context_takeover: offer.server_no_context_takeover
                || self.server_no_context_takeover,
            // §7.1.1.2: the client's hint is sent back (the server may then reset its
            // decompressor per message); the server may also require it unasked.
            client_no_context_takeover: offer.client_no_context_takeover
                || self.client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
            respond_server_max_window_bits,
            respond_client_max_window_bits,
            min_message_size: self.min_message_size,
            compression_level: self.compression_level,
        })
    }
}

impl ExtensionPolicy for PerMessageDeflate {
    /// Accepts the first permessage-deflate offer it can, or none. RFC 7692 §5: "The
    /// order of elements is important as it specifies the client's preference. [...] It
    /// is recommended that a server accepts PMCEs with higher preference if the server
    /// supports them."
    fn select(&self, offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
        offers
            .filter_map(|offer| self.select_offer(&offer))
            .next()
            .map_or_else(AgreedExtensions::none, |params| {
                AgreedExtensions::new(params.header_value()).with_params(params)
            })
    }
}
