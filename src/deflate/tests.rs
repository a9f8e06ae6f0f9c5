//! Unit tests of the pieces not visible through the layer: why an offer is declined, and
//! how agreed parameters become the codec's configuration. The negotiation table, rule by
//! rule, runs through the real layer in tests/it/deflate_negotiation.rs.

use http::header::SEC_WEBSOCKET_EXTENSIONS;
use http::{HeaderMap, HeaderValue};
use sockudo_ws::DeflateWindowBits;

use super::offer::{Decline, window_bits};
use super::{DeflateParams, PerMessageDeflate};
use crate::policy::ExtensionOffers;

fn first_offer(policy: &PerMessageDeflate, line: &str) -> Result<DeflateParams, Decline> {
    let mut map = HeaderMap::new();
    map.insert(
        SEC_WEBSOCKET_EXTENSIONS,
        HeaderValue::from_str(line).unwrap(),
    );
    let offer = ExtensionOffers::new(&map, &SEC_WEBSOCKET_EXTENSIONS)
        .next()
        .expect("one offer");
    policy.accept(&offer)
}

#[test]
fn rfc7692_7_1_2_window_bits_are_8_to_15_without_leading_zeros() {
    for (value, bits) in (8..=15).map(|bits| (bits.to_string(), bits)) {
        assert_eq!(window_bits(&value), Some(bits));
    }
    for bad in [
        "7",
        "16",
        "08",
        "+9",
        "9.0",
        "",
        "1O",
        "015",
        "-8",
        "99999999999",
    ] {
        assert_eq!(window_bits(bad), None, "{bad:?}");
    }
}

#[test]
fn rfc7692_7_1_decline_reasons() {
    let policy = PerMessageDeflate::new();
    let cases = [
        ("x-webkit-deflate-frame", Decline::NotDeflate),
        ("permessage-deflate; x", Decline::UnknownParameter),
        (
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            Decline::DuplicateParameter,
        ),
        (
            "permessage-deflate; client_max_window_bits; client_max_window_bits=9",
            Decline::DuplicateParameter,
        ),
        (
            "permessage-deflate; server_max_window_bits=9; SERVER_MAX_WINDOW_BITS=9",
            Decline::DuplicateParameter,
        ),
        (
            "permessage-deflate; server_max_window_bits",
            Decline::InvalidValue,
        ),
        (
            "permessage-deflate; server_max_window_bits=16",
            Decline::InvalidValue,
        ),
        (
            "permessage-deflate; client_max_window_bits=7",
            Decline::InvalidValue,
        ),
        (
            "permessage-deflate; server_no_context_takeover=1",
            Decline::InvalidValue,
        ),
        (
            "permessage-deflate; client_no_context_takeover=\"x\"",
            Decline::InvalidValue,
        ),
    ];
    for (line, reason) in cases {
        assert_eq!(first_offer(&policy, line), Err(reason), "{line}");
    }
    let capped = PerMessageDeflate::new().client_max_window_bits(12);
    assert_eq!(
        first_offer(&capped, "permessage-deflate"),
        Err(Decline::ClientWindowUnbounded)
    );
}

#[test]
fn rfc7692_7_1_codec_gets_the_agreed_windows_and_takeover() {
    let policy = PerMessageDeflate::new()
        .min_message_size(100)
        .compression_level(1);
    let params = first_offer(
        &policy,
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11; client_no_context_takeover",
    )
    .unwrap();
    let config = params.codec_config();
    assert_eq!(config.server_max_window_bits, DeflateWindowBits::Bits10);
    assert_eq!(config.client_max_window_bits, DeflateWindowBits::Bits11);
    assert!(!config.server_no_context_takeover);
    assert!(config.client_no_context_takeover);
    assert_eq!(config.compression_threshold, 100);
    assert_eq!(config.compression_level, 1);
    assert!(params.server_compresses());
}

#[test]
fn an_8_bit_server_window_is_kept_by_never_compressing() {
    let params = first_offer(
        &PerMessageDeflate::new(),
        "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
    )
    .unwrap();
    assert_eq!(params.server_max_window_bits(), 8);
    assert_eq!(params.client_max_window_bits(), 8);
    assert!(!params.server_compresses());
    let config = params.codec_config();
    // The compressor is never used: no message reaches the threshold.
    assert_eq!(config.compression_threshold, usize::MAX);
    // A 9-bit decoder decodes whatever a client keeping 8 bits sends.
    assert_eq!(config.client_max_window_bits, DeflateWindowBits::Bits9);
    assert_eq!(
        params.header_value(),
        "permessage-deflate; server_max_window_bits=8"
    );
}

#[test]
#[should_panic(expected = "server_max_window_bits must be within 8..=15")]
fn server_window_cap_out_of_range_panics() {
    let _ = PerMessageDeflate::new().server_max_window_bits(16);
}

#[test]
#[should_panic(expected = "client_max_window_bits must be within 8..=15")]
fn client_window_cap_out_of_range_panics() {
    let _ = PerMessageDeflate::new().client_max_window_bits(7);
}

#[test]
#[should_panic(expected = "compression_level must be within 0..=9")]
fn compression_level_out_of_range_panics() {
    let _ = PerMessageDeflate::new().compression_level(10);
}
