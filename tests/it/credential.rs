//! A credential offered as a subprotocol, as Kubernetes clients send a bearer token
//! from a browser (which cannot set `Authorization` on a WebSocket), black-box over TCP:
//! the layer takes it out of the offers, never answers with it, and hands its token to
//! the handler; it never satisfies a required subprotocol.

use crate::common;

use axum::Router;
use axum::extract::ws as axum_ws;
use axum::response::Response;
use axum::routing::any;
use axum_ws_handshake::policy::{KUBERNETES_BEARER_PREFIX, Required, subprotocol_fn};
use axum_ws_handshake::tungstenite::Message;
use axum_ws_handshake::{WebSocketLayer, WebSocketUpgrade};
use common::OP_TEXT;
use common::attempt::{BOTH, accepted, refused};
use common::h2::serve_h2c;
use futures_util::SinkExt;

/// The token: a marker that must appear nowhere but in the handler's hands.
const MARKER: &str = "c2VjcmV0LW1hcmtlci10b2tlbg";

/// The offer of a Kubernetes client: the credential first, then the subprotocol.
fn offers(protocol: &str) -> String {
    format!("{KUBERNETES_BEARER_PREFIX}{MARKER}, {protocol}")
}

/// Sends the handler's view of the credential as the socket's first message.
async fn tell_credential(ws: WebSocketUpgrade) -> Response {
    let credential = ws
        .credential()
        .map_or_else(|| "none".to_owned(), |c| c.expose().to_owned());
    ws.on_websocket(move |mut socket| async move {
        let _ = socket.send(Message::text(credential)).await;
    })
}

#[tokio::test]
async fn rfc6455_4_2_2_a_credential_offer_is_never_chosen_and_reaches_the_handler() {
    // A policy that would choose any offer, the client's first: only the credential
    // setting keeps it from choosing the credential.
    let layer = WebSocketLayer::new()
        .subprotocol(subprotocol_fn(|_: &str| true))
        .subprotocol_credential(KUBERNETES_BEARER_PREFIX);
    let app = Router::new().route("/ws", any(tell_credential).layer(layer));
    let addr = serve_h2c(app, true).await;
    for http in BOTH {
        let offer = offers("chat");
        let (answer, mut socket) =
            accepted(addr, http, "/ws", &[("sec-websocket-protocol", &offer)]).await;
        assert_eq!(
            answer.header("sec-websocket-protocol"),
            Some("chat"),
            "{http:?}"
        );
        assert!(!answer.head.contains(MARKER), "{http:?}: {}", answer.head);
        let (_, opcode, payload) = socket.read_message().await;
        assert_eq!(
            (opcode, payload.as_slice()),
            (OP_TEXT, MARKER.as_bytes()),
            "{http:?}"
        );
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_a_credential_alone_does_not_satisfy_a_required_subprotocol() {
    let required = WebSocketLayer::new()
        .subprotocol(Required(subprotocol_fn(|_: &str| true)))
        .subprotocol_credential(KUBERNETES_BEARER_PREFIX);
    let app = Router::new().route("/ws", any(tell_credential).layer(required));
    let addr = serve_h2c(app, true).await;
    let offer = format!("{KUBERNETES_BEARER_PREFIX}{MARKER}");
    for http in BOTH {
        let answer = refused(addr, http, "/ws", &[("sec-websocket-protocol", &offer)]).await;
        assert_eq!(answer.status, 400, "{http:?}");
        assert!(!answer.head.contains(MARKER), "{http:?}: {}", answer.head);
        assert!(
            !answer.text().contains(MARKER),
            "{http:?}: {}",
            answer.text()
        );
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_axums_extractor_choosing_the_credential_answers_none() {
    // A handler on axum's own extractor that would echo the credential back.
    let echoed = format!("{KUBERNETES_BEARER_PREFIX}{MARKER}");
    let app = Router::new()
        .route(
            "/echoing",
            any(move |ws: axum_ws::WebSocketUpgrade| {
                common::axum_echo(ws.protocols([echoed.clone()]))
            }),
        )
        .route(
            "/chat",
            any(|ws: axum_ws::WebSocketUpgrade| common::axum_echo(ws.protocols(["chat"]))),
        )
        .layer(WebSocketLayer::new().subprotocol_credential(KUBERNETES_BEARER_PREFIX));
    let addr = serve_h2c(app, true).await;
    for http in BOTH {
        let offer = offers("chat");
        let (answer, _) = accepted(
            addr,
            http,
            "/echoing",
            &[("sec-websocket-protocol", &offer)],
        )
        .await;
        assert_eq!(answer.header("sec-websocket-protocol"), None, "{http:?}");
        assert!(!answer.head.contains(MARKER), "{http:?}: {}", answer.head);
        // Its choice of a real offer stands.
        let (answer, _) =
            accepted(addr, http, "/chat", &[("sec-websocket-protocol", &offer)]).await;
        assert_eq!(
            answer.header("sec-websocket-protocol"),
            Some("chat"),
            "{http:?}"
        );
    }
}

#[tokio::test]
async fn without_the_setting_a_credential_shaped_offer_is_an_offer() {
    let app = Router::new().route(
        "/ws",
        any(tell_credential).layer(WebSocketLayer::new().subprotocols(["chat"])),
    );
    let addr = serve_h2c(app, true).await;
    let offer = offers("chat");
    let (answer, mut socket) = accepted(
        addr,
        common::attempt::Http::V1,
        "/ws",
        &[("sec-websocket-protocol", &offer)],
    )
    .await;
    assert_eq!(answer.header("sec-websocket-protocol"), Some("chat"));
    let (_, _, payload) = socket.read_message().await;
    assert_eq!(payload, b"none");
}
