//! What the property tests share: their configuration and the extension offers they
//! generate (the handshake's in `tests/it/proptest_handshake.rs`, the parsers' in
//! `src/fuzz/proptests.rs`).

use proptest::prelude::*;
use proptest::sample::select;

use crate::model::Offer;

/// Cases per property, unless `PROPTEST_CASES` is set.
pub fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // No regressions file in the tree: a failure prints its minimal case.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One generated extension offer: `(name, [(param, value)])`.
pub fn offer() -> impl Strategy<Value = Offer> {
    let token = select(
        &[
            "permessage-deflate",
            "x-webkit-deflate-frame",
            "x-unoffered",
            "X-Unoffered",
            "a",
            "permessage-deflate",
            "Permessage-Deflate",
            "client_max_window_bits",
            "server_max_window_bits",
            "server_no_context_takeover",
            "client_no_context_takeover",
            "8",
            "10",
            "15",
            "16",
            "010",
            "!#$%&'*+-.^_`|~",
        ][..],
    )
    .prop_map(str::to_owned);
    let param = (token.clone(), proptest::option::of(token.clone()));
    (token, proptest::collection::vec(param, 0..=3))
}
