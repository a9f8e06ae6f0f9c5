//! permessage-deflate negotiation through the real layer: a table per rule of RFC 7692
//! §5 and §7.1, each row an offer (one header line per element) and the
//! `Sec-WebSocket-Extensions` of the 101, or no header when every offer was declined.
#![cfg(feature = "deflate")]

use crate::common;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::any;
use axum_ws_handshake::deflate::{DeflateParams, PerMessageDeflate};
use axum_ws_handshake::policy::{AgreedExtensions, ExtensionOffers, ExtensionPolicy};
use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
use common::deflate::{echo, handshake};
use common::serve;

/// A row: the client's header lines, and the response's extensions (`None`: declined).
type Row<'a> = (&'a [&'a str], Option<&'a str>);

async fn check(policy: PerMessageDeflate, rows: &[Row<'_>]) {
    let app = Router::new()
        .route("/echo", any(echo))
        .layer(WebSocketLayer::new().extensions(policy));
    let addr = serve(app).await;
    for (offer, expected) in rows {
        let answer = handshake(addr, offer).await;
        assert_eq!(
            answer.extensions().as_deref(),
            *expected,
            "offer {offer:?} with {policy:?}"
        );
    }
}

const DEFLATE: Option<&str> = Some("permessage-deflate");

/// The policy without the default cap of the server's window (12 bits), so that the rule
/// tables show only what each offer asks for.
fn uncapped() -> PerMessageDeflate {
    PerMessageDeflate::new().server_max_window_bits(15)
}

#[tokio::test]
async fn rfc7692_7_1_2_1_the_default_policy_caps_the_server_window_at_12_bits_and_says_so() {
    check(
        PerMessageDeflate::new(),
        &[
            (
                &["permessage-deflate; client_max_window_bits"],
                Some("permessage-deflate; server_max_window_bits=12"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=15"],
                Some("permessage-deflate; server_max_window_bits=12"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=9"],
                Some("permessage-deflate; server_max_window_bits=9"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_5_offers_are_considered_in_the_client_order() {
    check(
        uncapped(),
        &[
            // The first acceptable offer wins, whether in one line or several.
            (
                &["permessage-deflate; server_max_window_bits=10, permessage-deflate"],
                Some("permessage-deflate; server_max_window_bits=10"),
            ),
            (
                &[
                    "permessage-deflate",
                    "permessage-deflate; server_max_window_bits=10",
                ],
                DEFLATE,
            ),
            // Other extensions are not accepted, nor in the way.
            (&["x-webkit-deflate-frame, permessage-deflate"], DEFLATE),
            (&["x-custom; a=1", "permessage-deflate"], DEFLATE),
            (&["x-webkit-deflate-frame"], None),
            // No offer, no extension.
            (&[], None),
            (&[""], None),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_unknown_parameter_declines_the_offer_and_the_next_is_considered() {
    check(
        uncapped(),
        &[
            (&["permessage-deflate; x"], None),
            (&["permessage-deflate; mem_level=8"], None),
            // A response-only parameter is still unknown in an offer.
            (&["permessage-deflate; server_max_window_bit=10"], None),
            (
                &["permessage-deflate; x, permessage-deflate; client_no_context_takeover"],
                Some("permessage-deflate; client_no_context_takeover"),
            ),
            (&["permessage-deflate; x", "permessage-deflate"], DEFLATE),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_duplicate_parameter_declines_the_offer_and_the_next_is_considered() {
    check(
        uncapped(),
        &[
            (
                &["permessage-deflate; server_no_context_takeover; server_no_context_takeover"],
                None,
            ),
            (
                &["permessage-deflate; client_no_context_takeover; client_no_context_takeover"],
                None,
            ),
            (
                &["permessage-deflate; server_max_window_bits=10; server_max_window_bits=10"],
                None,
            ),
            (
                &["permessage-deflate; client_max_window_bits; client_max_window_bits=10"],
                None,
            ),
            // Names compare without regard to case, so this is a duplicate too.
            (
                &["permessage-deflate; server_max_window_bits=9; Server_Max_Window_Bits=9"],
                None,
            ),
            (
                &["permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate; server_no_context_takeover"],
                Some("permessage-deflate; server_no_context_takeover"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_invalid_value_declines_the_offer_and_the_next_is_considered() {
    check(
        uncapped(),
        &[
            // §7.1.1: the takeover parameters have no value.
            (&["permessage-deflate; server_no_context_takeover=1"], None),
            (&["permessage-deflate; client_no_context_takeover=\"true\""], None),
            // §7.1.2.1: server_max_window_bits has a value, 8 to 15, no leading zero.
            (&["permessage-deflate; server_max_window_bits"], None),
            (&["permessage-deflate; server_max_window_bits=7"], None),
            (&["permessage-deflate; server_max_window_bits=16"], None),
            (&["permessage-deflate; server_max_window_bits=010"], None),
            (&["permessage-deflate; server_max_window_bits=ten"], None),
            // §7.1.2.2: client_max_window_bits, if it has a value, 8 to 15.
            (&["permessage-deflate; client_max_window_bits=0"], None),
            (&["permessage-deflate; client_max_window_bits=16"], None),
            (&["permessage-deflate; client_max_window_bits=09"], None),
            // A quoted value is the same value (RFC 6455 §9.1).
            (
                &["permessage-deflate; server_max_window_bits=\"10\""],
                Some("permessage-deflate; server_max_window_bits=10"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=15"],
                Some("permessage-deflate; server_max_window_bits=15"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_1_1_server_no_context_takeover() {
    // Asked for: always granted and said so.
    check(
        uncapped(),
        &[
            (
                &["permessage-deflate; server_no_context_takeover"],
                Some("permessage-deflate; server_no_context_takeover"),
            ),
            (&["permessage-deflate"], DEFLATE),
        ],
    )
    .await;
    // Insisted on: sent unasked, which a client must accept.
    check(
        uncapped().server_no_context_takeover(true),
        &[(
            &["permessage-deflate"],
            Some("permessage-deflate; server_no_context_takeover"),
        )],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_1_2_client_no_context_takeover() {
    // The client's hint is sent back; without it, nothing is said.
    check(
        uncapped(),
        &[
            (
                &["permessage-deflate; client_no_context_takeover"],
                Some("permessage-deflate; client_no_context_takeover"),
            ),
            (&["permessage-deflate"], DEFLATE),
        ],
    )
    .await;
    // Insisted on: required of every client, offered or not.
    check(
        uncapped().client_no_context_takeover(true),
        &[(
            &["permessage-deflate"],
            Some("permessage-deflate; client_no_context_takeover"),
        )],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_2_1_server_max_window_bits() {
    check(
        uncapped(),
        &[
            // Offered: the response carries the same value (the server's cap is 15).
            (
                &["permessage-deflate; server_max_window_bits=10"],
                Some("permessage-deflate; server_max_window_bits=10"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=15"],
                Some("permessage-deflate; server_max_window_bits=15"),
            ),
            // 8 is honoured: the server then sends its messages uncompressed.
            (
                &["permessage-deflate; server_max_window_bits=8"],
                Some("permessage-deflate; server_max_window_bits=8"),
            ),
            // Not offered and not capped: not sent.
            (&["permessage-deflate"], DEFLATE),
        ],
    )
    .await;
    check(
        uncapped().server_max_window_bits(11),
        &[
            // A smaller value than offered is an acceptance too.
            (
                &["permessage-deflate; server_max_window_bits=13"],
                Some("permessage-deflate; server_max_window_bits=11"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=9"],
                Some("permessage-deflate; server_max_window_bits=9"),
            ),
            // Sent unasked, so the client can decompress with less memory.
            (
                &["permessage-deflate"],
                Some("permessage-deflate; server_max_window_bits=11"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_2_2_client_max_window_bits() {
    check(
        uncapped(),
        &[
            // Offered without a value, server without a cap: nothing to say.
            (&["permessage-deflate; client_max_window_bits"], DEFLATE),
            // Offered with a value: the client keeps to it; nothing to say.
            (&["permessage-deflate; client_max_window_bits=10"], DEFLATE),
        ],
    )
    .await;
    check(
        uncapped().client_max_window_bits(12),
        &[
            (
                &["permessage-deflate; client_max_window_bits"],
                Some("permessage-deflate; client_max_window_bits=12"),
            ),
            (
                &["permessage-deflate; client_max_window_bits=14"],
                Some("permessage-deflate; client_max_window_bits=12"),
            ),
            // Already within the cap: a value would only repeat the client's.
            (&["permessage-deflate; client_max_window_bits=10"], DEFLATE),
            // Not offered: the response must not carry it, so the cap cannot be imposed
            // and the offer is declined; the next one can take it.
            (&["permessage-deflate"], None),
            (
                &["permessage-deflate, permessage-deflate; client_max_window_bits"],
                Some("permessage-deflate; client_max_window_bits=12"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_1_every_parameter_at_once_keeps_the_response_order() {
    check(
        PerMessageDeflate::new()
            .server_max_window_bits(12)
            .client_max_window_bits(11),
        &[(
            &["permessage-deflate; client_max_window_bits; server_max_window_bits=14; client_no_context_takeover; server_no_context_takeover"],
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11",
            ),
        )],
    )
    .await;
}

#[tokio::test]
async fn rfc7692_7_usual_client_offers_are_accepted() {
    check(
        uncapped(),
        &[
            // Chrome, Edge, Safari; also Python websockets' default.
            (&["permessage-deflate; client_max_window_bits"], DEFLATE),
            // Firefox.
            (&["permessage-deflate"], DEFLATE),
            // Autobahn|Testsuite 13.7.x: three offers, the first acceptable.
            (
                &["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, permessage-deflate; client_no_context_takeover; client_max_window_bits"],
                Some(
                    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
                ),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn rfc6455_9_1_malformed_extensions_header_is_400() {
    let app = Router::new()
        .route("/echo", any(echo))
        .layer(WebSocketLayer::new().extensions(PerMessageDeflate::new()));
    let addr = serve(app).await;
    for bad in [
        "permessage-deflate; =",
        "permessage-deflate server_no_context_takeover",
    ] {
        assert_eq!(handshake(addr, &[bad]).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn params_reach_the_handler() {
    async fn handler(ws: WebSocketUpgrade) -> Response {
        let params = *ws
            .negotiated()
            .extensions()
            .params::<DeflateParams>()
            .expect("deflate agreed");
        assert_eq!(params.server_max_window_bits(), 10);
        assert_eq!(params.client_max_window_bits(), 15);
        assert!(params.server_no_context_takeover());
        assert!(!params.client_no_context_takeover());
        assert_eq!(params.min_message_size(), 32);
        assert_eq!(params.compression_level(), 6);
        ws.on_deflate_websocket(|socket| async move {
            assert_eq!(
                socket.deflate().map(|p| p.server_max_window_bits()),
                Some(10)
            );
        })
    }
    let app = Router::new()
        .route("/echo", any(handler))
        .layer(WebSocketLayer::new().extensions(PerMessageDeflate::new()));
    let addr = serve(app).await;
    let answer = handshake(
        addr,
        &["permessage-deflate; server_max_window_bits=10; server_no_context_takeover; client_max_window_bits"],
    )
    .await;
    assert_eq!(answer.status, 101);
}

#[tokio::test]
async fn on_websocket_refuses_a_deflate_handshake_with_500() {
    // tokio-tungstenite implements no extension: the wrong hand-off for this layer.
    let app = Router::new()
        .route(
            "/echo",
            any(|ws: WebSocketUpgrade| async move {
                ws.on_websocket(|socket: WebSocket| async move { drop(socket) })
            }),
        )
        .layer(WebSocketLayer::new().extensions(PerMessageDeflate::new()));
    let addr = serve(app).await;
    assert_eq!(
        handshake(addr, &["permessage-deflate"]).await.status,
        500,
        "a deflate handshake must not reach tokio-tungstenite"
    );
    // Without an offer, nothing was negotiated, and it opens.
    assert_eq!(handshake(addr, &[]).await.status, 101);
}

#[tokio::test]
async fn on_deflate_websocket_refuses_an_extension_it_does_not_implement_with_500() {
    /// Accepts `x-foo`, which no codec here implements.
    struct Foo;
    impl ExtensionPolicy for Foo {
        fn select(&self, _offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
            AgreedExtensions::new(HeaderValue::from_static("x-foo"))
        }
    }
    /// Writes a permessage-deflate header by hand, without parameters for the codec.
    struct HandWritten;
    impl ExtensionPolicy for HandWritten {
        fn select(&self, _offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
            AgreedExtensions::new(HeaderValue::from_static(
                "permessage-deflate; server_no_context_takeover",
            ))
        }
    }
    let foo = serve(
        Router::new()
            .route("/echo", any(echo))
            .layer(WebSocketLayer::new().extensions(Foo)),
    )
    .await;
    assert_eq!(handshake(foo, &["x-foo"]).await.status, 500);
    let hand_written = serve(
        Router::new()
            .route("/echo", any(echo))
            .layer(WebSocketLayer::new().extensions(HandWritten)),
    )
    .await;
    assert_eq!(
        handshake(hand_written, &["permessage-deflate"])
            .await
            .status,
        500
    );
}

#[tokio::test]
async fn no_extension_policy_opens_a_plain_connection() {
    let addr = serve(
        Router::new()
            .route("/echo", any(echo))
            .layer(WebSocketLayer::new()),
    )
    .await;
    assert_eq!(
        handshake(addr, &["permessage-deflate"]).await.extensions(),
        None
    );
}
