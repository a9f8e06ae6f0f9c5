//! Whole requests through the real `WebSocketLayer` service: arbitrary methods, versions,
//! targets and header bytes, under every combination of the policies (see
//! `axum_ws_handshake_fuzz::decode_request` for the input format).
//!
//! Checks (`harness::check`): the layer does exactly what the model of the README's
//! status table says — passes non-attempts through untouched, refuses with the model's
//! status (always one of 400, 403, 426, 500, with the headers a 426 needs), or calls the
//! handler with the model's accept value, version, subprotocol and extensions — and
//! never panics. A handler call for an invalid handshake, or a chosen subprotocol the
//! client did not offer, is a disagreement with the model.
#![no_main]

use axum_ws_handshake_fuzz::{decode_request, harness};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(spec) = decode_request(data) {
        harness::check(&spec);
    }
});
