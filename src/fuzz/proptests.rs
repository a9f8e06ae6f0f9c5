//! Property tests of the private parsers, through the same entry points as the fuzz
//! targets, against the reference model (`fuzz/model/`): a header list, and an extension
//! list, written back parse the same; an accepted key decodes to 16 bytes.

use axum_ws_handshake_model::model;
use axum_ws_handshake_model::strategies::{config, offer};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use proptest::sample::select;

use super::{accept, extension_offers, is_valid_key, list_elements};

proptest! {
    #![proptest_config(config(2000))]

    /// Any 16 bytes, encoded, are an accepted key whose accept value is RFC 6455's.
    #[test]
    fn an_accepted_key_decodes_to_16_bytes(bytes in any::<[u8; 16]>(), other in any::<Vec<u8>>()) {
        let key = STANDARD.encode(bytes);
        prop_assert!(is_valid_key(key.as_bytes()));
        prop_assert_eq!(accept(key.as_bytes()), model::accept_for(key.as_bytes()));
        // And anything the key check accepts decodes to 16 bytes.
        if is_valid_key(&other) {
            prop_assert_eq!(STANDARD.decode(&other).unwrap().len(), 16);
        }
    }
}

/// A list element as a client might write one: no comma, no OWS at its ends.
fn element() -> impl Strategy<Value = Vec<u8>> + Clone {
    let byte = prop_oneof![
        8 => select(b"abcXYZ019-._!~".to_vec()),
        1 => select(b" \t\";=/()".to_vec()),
        1 => 0x80u8..=0xff,
    ];
    proptest::collection::vec(byte, 1..12).prop_filter_map("trimmed", |e| {
        let trimmed = model::trim_ows(&e).to_vec();
        (!trimmed.is_empty()).then_some(trimmed)
    })
}

proptest! {
    #![proptest_config(config(3000))]

    /// Elements written with any separators, OWS, empty elements and line breaks parse
    /// back to the same elements; and parsing arbitrary lines, writing the elements back
    /// and parsing again is stable.
    #[test]
    fn header_lists_round_trip(
        elements in proptest::collection::vec(element(), 0..8),
        seps in proptest::collection::vec(select(&[",", ", ", " ,", ",\t", ", ,", "\n", ",\n ,"][..]), 8),
        raw in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 0..4),
    ) {
        let mut text = Vec::new();
        for (i, element) in elements.iter().enumerate() {
            if i > 0 {
                text.extend_from_slice(seps[i % seps.len()].as_bytes());
            }
            text.extend_from_slice(element);
        }
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        prop_assert_eq!(&list_elements(&lines), &elements);

        let raw: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
        let parsed = list_elements(&raw);
        let written = parsed.join(&b", "[..]);
        prop_assert_eq!(list_elements(&[&written]), parsed);
    }

    /// Offers written back, values bare or quoted, with OWS anywhere it is allowed,
    /// parse to the same offers.
    #[test]
    fn extension_lists_round_trip(
        offers in proptest::collection::vec(offer(), 0..4),
        quoted in any::<bool>(),
        spaced in any::<bool>(),
    ) {
        let mut text = model::serialize_offers(&offers, quoted);
        if spaced {
            text = text.replace("; ", " ;\t").replace('=', " = ").replace(", ", " ,, ");
        }
        prop_assert_eq!(extension_offers(&[text.as_bytes()]), Some(offers.clone()));
        // One offer per line is the same list (RFC 9110 §5.3).
        let lines: Vec<String> = offers
            .iter()
            .map(|o| model::serialize_offers(std::slice::from_ref(o), quoted))
            .collect();
        let lines: Vec<&[u8]> = lines.iter().map(String::as_bytes).collect();
        prop_assert_eq!(extension_offers(&lines), Some(offers));
    }
}
