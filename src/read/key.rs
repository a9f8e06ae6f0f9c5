//! `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 §4.2.1 item 5, §4.2.2 step 5.4).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

/// The GUID every server appends to the client's key (RFC 6455 §1.3).
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Whether `key` is padded base64 (RFC 4648 §4) that decodes to exactly 16 bytes.
///
/// Sixteen bytes encode to 22 characters and `==`. The 22nd character carries only two
/// data bits, so its four low bits must be zero for the encoding to be canonical
/// (RFC 4648 §3.5): `AAAAAAAAAAAAAAAAAAAAAB==` is refused. No decoding, no allocation.
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let Some((data, padding)) = key.split_last_chunk::<2>() else {
        return false;
    };
    data.len() == 22
        && padding == b"=="
        && data.iter().all(|&b| SEXTET[b as usize] != NOT_BASE64)
        && SEXTET[data[21] as usize] & 0b1111 == 0
}

/// Marks a byte outside the base64 alphabet in [`SEXTET`].
const NOT_BASE64: u8 = 0xff;

/// The value of each base64 alphabet character (RFC 4648 §4, table 1), [`NOT_BASE64`]
/// for every other byte: one load per character of the key.
static SEXTET: [u8; 256] = {
    let mut table = [NOT_BASE64; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => NOT_BASE64,
        };
        i += 1;
    }
    table
};

/// `Sec-WebSocket-Accept` for a client key: base64(SHA-1(key + GUID)), 28 ASCII bytes,
/// kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AcceptKey([u8; 28]);

impl AcceptKey {
    /// Computes the accept value for `key` (RFC 6455 §4.2.2 step 5.4). The key is used as
    /// sent (after trimming whitespace); the server need not decode it.
    pub(crate) fn for_key(key: &[u8]) -> Self {
        let digest = Sha1::new().chain_update(key).chain_update(GUID).finalize();
        let mut out = [0u8; 28];
        let written = STANDARD
            .encode_slice(digest, &mut out)
            .expect("20 bytes always encode to 28 base64 characters");
        debug_assert_eq!(written, 28);
        Self(out)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 28] {
        &self.0
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only base64 alphabet characters were written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for AcceptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AcceptKey").field(&self.as_str()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_4_2_2_accept_of_the_rfc_example_key() {
        let accept = AcceptKey::for_key(b"dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(accept.as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn rfc6455_4_2_1_key_must_decode_to_16_bytes() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAA=="));
        assert!(is_valid_key(b"/+/+/+/+/+/+/+/+/+/+/w=="));
        for bad in [
            &b""[..],
            b"dGhlIHNhbXBsZSBub25jZQ", // unpadded (RFC 4648 §4 requires padding)
            b"dGhlIHNhbXBsZSBub25jZQ=", // short padding
            b"dGhlIHNhbXBsZSBub25jZQ===", // over-long
            b"dGhlIHNhbXBsZSBub25jZUE=", // 17 bytes
            b"dGhlIHNhbXBsZSBub25j",   // 15 bytes
            b"dGhlIHNhbXBsZSBub25jZQ-_", // URL-safe alphabet
            b"dGhlIHNhbXBs ZSBub25jZQ==", // inner space
            b"AAAAAAAAAAAAAAAAAAAAAB==", // non-canonical trailing bits
            b"========================",
        ] {
            assert!(
                !is_valid_key(bad),
                "{:?} must be refused",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn key_check_agrees_with_a_strict_base64_decoder() {
        // Every 24-byte candidate built from a few interesting characters at each position.
        let alphabet = b"AQgwB+/=-_ ";
        for (i, &c) in alphabet.iter().enumerate() {
            for pos in 0..24 {
                let mut key = *b"dGhlIHNhbXBsZSBub25jZQ==";
                key[pos] = c;
                let decoded = STANDARD.decode(key);
                let expected = decoded.is_ok_and(|d| d.len() == 16);
                assert_eq!(is_valid_key(&key), expected, "case {i} at {pos}: {key:?}");
            }
        }
    }
}
