//! `Sec-WebSocket-Extensions` (RFC 6455 §9.1) over header lines made of the input split
//! at `\n`.
//!
//! Checks: valid exactly when the model's part-by-part reading says so, with the same
//! offers, parameters and unescaped values; every name and value is a token; the offers
//! written back (values bare, then quoted) parse to the same offers; the lines joined
//! into one with commas are the same list.
#![no_main]

use axum_ws_handshake::fuzz as private;
use axum_ws_handshake_fuzz::{lines, model};
use http::HeaderValue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = lines(data);
    let offers = private::extension_offers(&lines);

    let valid: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|line| HeaderValue::from_bytes(line).is_ok())
        .collect();
    assert_eq!(offers, model::extension_offers(valid.iter().copied()));

    let Some(offers) = offers else { return };
    for (name, params) in &offers {
        assert!(model::is_token(name.as_bytes()));
        for (param, value) in params {
            assert!(model::is_token(param.as_bytes()));
            assert!(value.as_ref().is_none_or(|v| model::is_token(v.as_bytes())));
        }
    }
    for quoted in [false, true] {
        let text = model::serialize_offers(&offers, quoted);
        assert_eq!(
            private::extension_offers(&[text.as_bytes()]).as_ref(),
            Some(&offers),
            "{text:?}"
        );
    }
    let joined = valid.join(&b","[..]);
    assert_eq!(private::extension_offers(&[&joined]), Some(offers));
});
