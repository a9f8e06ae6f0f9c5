//! An existing axum app behind the layer, black-box over TCP: handlers on axum's own
//! `axum::extract::ws::WebSocketUpgrade`, `WebSocketLayer` added around the router, and
//! every rule checked over HTTP/1.1 and over HTTP/2 (extended CONNECT over h2c, one
//! server for both).
//!
//! The layer's refusals apply before axum's extractor runs; the layer writes its
//! subprotocol into axum's answer and never an extension; `Negotiated` is an extractor
//! beside either `WebSocketUpgrade`; an accepted attempt answered with no WebSocket (a
//! page) gets a 404, a decline (3xx, 4xx) passes unchanged.
//!
//! axum's extractor then re-checks the request on its own, and is stricter than the
//! layer in places: see `rfc6455_4_2_1_axums_extractor_rechecks_more_strictly`.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ws as axum_ws;
use axum::http::header::{LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use axum_ws_handshake::deflate::PerMessageDeflate;
use axum_ws_handshake::{HandshakeError, Negotiated, WebSocketLayer, WebSocketUpgrade};
use common::attempt::{BOTH, Http, accepted, attempt, refused};
use common::h2::serve_h2c;
use common::{
    RawResponse, Req, assert_switching_protocols, axum_echo, axum_echo_socket, echo, echo_socket,
    exchange,
};

/// What the handlers beside `Negotiated` answer in `x-negotiated`: the subprotocol and
/// the `Origin` the layer agreed.
fn describe(negotiated: &Negotiated) -> String {
    format!(
        "{} {}",
        negotiated.protocol().unwrap_or("-"),
        negotiated.origin().unwrap_or("-")
    )
}

fn with_negotiated(negotiated: &Negotiated, response: Response) -> Response {
    ([("x-negotiated", describe(negotiated))], response).into_response()
}

/// An existing app: a page, echoes on axum's extractor choosing their subprotocol in
/// different ways, declines, `Negotiated` beside both extractors, and `/ours` (and
/// `/ours-deflate`) on this crate's extractor. No layer: each test adds its own around the whole router.
fn routes() -> Router {
    Router::new()
        // A page on `get`, as apps have them: an HTTP/2 CONNECT is not `get`, so axum
        // answers it 405.
        .route("/", get(|| async { "page" }))
        .route("/page", any(|| async { "page" }))
        .route("/echo", any(axum_echo))
        .route(
            "/chat",
            any(|ws: axum_ws::WebSocketUpgrade| axum_echo(ws.protocols(["chat"]))),
        )
        .route(
            "/other",
            any(|ws: axum_ws::WebSocketUpgrade| axum_echo(ws.protocols(["other"]))),
        )
        .route(
            "/unoffered",
            any(|mut ws: axum_ws::WebSocketUpgrade| {
                // axum sends whatever the handler sets, offered or not.
                ws.set_selected_protocol(HeaderValue::from_static("chat"));
                axum_echo(ws)
            }),
        )
        .route("/empty-200", any(|| async { StatusCode::OK }))
        .route(
            "/redirect",
            any(|| async { Redirect::temporary("/elsewhere") }),
        )
        .route(
            "/login",
            any(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    [(WWW_AUTHENTICATE, "Bearer")],
                    "log in first",
                )
            }),
        )
        .route(
            "/negotiated/axum-first",
            any(
                |ws: axum_ws::WebSocketUpgrade, negotiated: Negotiated| async move {
                    with_negotiated(&negotiated, ws.on_upgrade(axum_echo_socket))
                },
            ),
        )
        .route(
            "/negotiated/axum-last",
            any(
                |negotiated: Negotiated, ws: axum_ws::WebSocketUpgrade| async move {
                    with_negotiated(&negotiated, ws.on_upgrade(axum_echo_socket))
                },
            ),
        )
        .route(
            "/negotiated/axum-optional",
            any(
                |negotiated: Option<Negotiated>, ws: axum_ws::WebSocketUpgrade| async move {
                    let negotiated = negotiated.expect("the layer's agreement");
                    with_negotiated(&negotiated, ws.on_upgrade(axum_echo_socket))
                },
            ),
        )
        .route(
            "/negotiated/ours-first",
            any(|ws: WebSocketUpgrade, negotiated: Negotiated| async move {
                with_negotiated(&negotiated, ws.on_websocket(echo_socket))
            }),
        )
        .route(
            "/negotiated/ours-last",
            any(|negotiated: Negotiated, ws: WebSocketUpgrade| async move {
                with_negotiated(&negotiated, ws.on_websocket(echo_socket))
            }),
        )
        .route("/ours", any(echo))
        .route("/ours-deflate", any(common::deflate::echo))
}

/// The app behind the default layer, on one port for HTTP/1.1 and h2c.
async fn serve_default() -> SocketAddr {
    serve_h2c(routes().layer(WebSocketLayer::new()), true).await
}

/// The app behind `.subprotocols(["chat"])`.
async fn serve_chat() -> SocketAddr {
    serve_h2c(
        routes().layer(WebSocketLayer::new().subprotocols(["chat"])),
        true,
    )
    .await
}

/// The status, and the body ending with the refusal's clause, as the layer answers.
#[track_caller]
fn assert_layer_refused(http: Http, answer: &RawResponse, error: HandshakeError) {
    assert_eq!(
        answer.status,
        error.status().as_u16(),
        "{http:?}: {}",
        answer.head
    );
    assert!(
        answer.text() == format!("{} ({})", error.message(), error.clause()),
        "{http:?}: {:?}",
        answer.text()
    );
    assert!(
        !answer.has("sec-websocket-protocol"),
        "{http:?}: {}",
        answer.head
    );
}

// ---------------------------------------------------------------------------------------
// The layer's refusals, before axum's extractor
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_2_origin_a_foreign_origin_gets_403_before_axums_extractor() {
    let addr = serve_default().await;
    for http in BOTH {
        let answer = refused(addr, http, "/echo", &[("Origin", "https://evil.example")]).await;
        assert_layer_refused(http, &answer, HandshakeError::OriginRefused);
        // The page's own origin passes.
        let origin = format!("http://{addr}");
        let (answer, mut socket) = accepted(addr, http, "/echo", &[("Origin", &origin)]).await;
        assert!(!answer.has("sec-websocket-protocol"), "{}", answer.head);
        socket.echo_and_close("same origin").await;
    }
}

#[tokio::test]
async fn rfc6455_4_4_version_8_gets_426_before_axums_extractor() {
    // axum's extractor alone answers 400 without `Sec-WebSocket-Version`; the layer
    // answers 426 with the versions it speaks (RFC 6455 §4.4).
    let addr = serve_default().await;
    for http in BOTH {
        let answer = refused(addr, http, "/echo", &[("Sec-WebSocket-Version", "8")]).await;
        assert_eq!(answer.status, 426, "{http:?}: {}", answer.head);
        assert_eq!(answer.header("sec-websocket-version"), Some("13"));
    }
}

// ---------------------------------------------------------------------------------------
// The subprotocol (RFC 6455 §4.2.2 /subprotocol/)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_2_subprotocol_the_layers_choice_is_added_to_axums_answer() {
    // The handler chose none (axum's `protocols` was not called): without the layer's
    // fix-up its 101 would lack the header, and clients drop such a connection.
    let addr = serve_chat().await;
    for http in BOTH {
        let offer = [("Sec-WebSocket-Protocol", "x-unknown, chat")];
        let (answer, mut socket) = accepted(addr, http, "/echo", &offer).await;
        if http == Http::V1 {
            assert_switching_protocols(&answer);
        }
        assert_eq!(answer.all("sec-websocket-protocol"), ["chat"], "{http:?}");
        assert!(!answer.has("sec-websocket-extensions"), "{}", answer.head);
        socket.echo_and_close("chat").await;
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_subprotocol_a_handler_choosing_the_layers_choice_sends_it_once() {
    let addr = serve_chat().await;
    for http in BOTH {
        let offer = [("Sec-WebSocket-Protocol", "chat")];
        let (answer, mut socket) = accepted(addr, http, "/chat", &offer).await;
        assert_eq!(answer.all("sec-websocket-protocol"), ["chat"], "{http:?}");
        socket.echo_and_close("chat, once").await;
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_subprotocol_a_handler_choosing_another_gets_500() {
    // The client offers both; the layer agreed `chat`, the handler chose `other`: the
    // client would speak one, the server's socket another. A server bug: 500.
    let addr = serve_chat().await;
    for http in BOTH {
        let offer = [("Sec-WebSocket-Protocol", "chat, other")];
        let answer = refused(addr, http, "/other", &offer).await;
        assert_layer_refused(http, &answer, HandshakeError::HandlerSubprotocolMismatch);
        assert!(!answer.has("upgrade"), "{}", answer.head);
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_subprotocol_without_a_layer_choice_the_handlers_offered_choice_stands() {
    // The default layer chooses none: an app that picks its protocol in the handler
    // keeps working.
    let addr = serve_default().await;
    for http in BOTH {
        let offer = [("Sec-WebSocket-Protocol", "x-unknown, chat")];
        let (answer, mut socket) = accepted(addr, http, "/chat", &offer).await;
        assert_eq!(answer.all("sec-websocket-protocol"), ["chat"], "{http:?}");
        socket.echo_and_close("the handler's chat").await;
        // Not offered: axum's `protocols` chooses none, and none is sent.
        let (answer, mut socket) = accepted(addr, http, "/chat", &[]).await;
        assert!(!answer.has("sec-websocket-protocol"), "{}", answer.head);
        socket.echo_and_close("no protocol").await;
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_subprotocol_without_a_layer_choice_a_choice_not_offered_is_removed() {
    // axum's `set_selected_protocol` sends any value; the client did not offer it
    // (RFC 6455 §4.1: the client fails such a connection), so the layer removes it.
    let addr = serve_default().await;
    for http in BOTH {
        for offer in [&[][..], &[("Sec-WebSocket-Protocol", "other")][..]] {
            let (answer, mut socket) = accepted(addr, http, "/unoffered", offer).await;
            assert!(
                !answer.has("sec-websocket-protocol"),
                "{http:?} {offer:?}: {}",
                answer.head
            );
            socket.echo_and_close("nothing unoffered").await;
        }
        // Offered, it stands.
        let offer = [("Sec-WebSocket-Protocol", "chat")];
        let (answer, _socket) = accepted(addr, http, "/unoffered", &offer).await;
        assert_eq!(answer.all("sec-websocket-protocol"), ["chat"], "{http:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Extensions (RFC 6455 §9.1)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_9_1_the_layer_adds_no_extension_to_axums_answer() {
    // The layer agrees permessage-deflate, but axum's socket speaks no extension: its
    // answer goes out without `Sec-WebSocket-Extensions`, and the connection works,
    // uncompressed (no RSV1 on the echo).
    let layer = WebSocketLayer::new().extensions(PerMessageDeflate::new());
    let addr = serve_h2c(routes().layer(layer), true).await;
    let offer = [(
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits",
    )];
    for http in BOTH {
        let (answer, mut socket) = accepted(addr, http, "/echo", &offer).await;
        assert!(!answer.has("sec-websocket-extensions"), "{}", answer.head);
        socket.echo_and_close("uncompressed").await;
        // This crate's extractor speaks what was agreed (checked in tests/deflate*.rs).
        let (answer, _socket) = accepted(addr, http, "/ours-deflate", &offer).await;
        assert!(
            answer
                .header("sec-websocket-extensions")
                .is_some_and(|value| value.starts_with("permessage-deflate")),
            "{}",
            answer.head
        );
    }
}

// ---------------------------------------------------------------------------------------
// `Negotiated` beside either extractor
// ---------------------------------------------------------------------------------------

/// `Negotiated` read beside the extractor on each of `paths`, in its answer's
/// `x-negotiated`; the echo works after.
async fn check_negotiated(paths: &[&str]) {
    let addr = serve_chat().await;
    let origin = format!("http://{addr}");
    for http in BOTH {
        for path in paths {
            let headers = [("Origin", &*origin), ("Sec-WebSocket-Protocol", "chat")];
            let (answer, mut socket) = accepted(addr, http, path, &headers).await;
            let expected = format!("chat {origin}");
            assert_eq!(
                answer.header("x-negotiated"),
                Some(&*expected),
                "{http:?} {path}"
            );
            assert_eq!(
                answer.all("sec-websocket-protocol"),
                ["chat"],
                "{http:?} {path}"
            );
            socket.echo_and_close(path).await;
        }
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_negotiated_beside_axums_extractor_in_either_order() {
    check_negotiated(&[
        "/negotiated/axum-first",
        "/negotiated/axum-last",
        "/negotiated/axum-optional",
    ])
    .await;
}

#[tokio::test]
async fn rfc6455_4_2_2_negotiated_beside_this_crates_extractor_in_either_order() {
    check_negotiated(&["/negotiated/ours-first", "/negotiated/ours-last"]).await;
}

// ---------------------------------------------------------------------------------------
// Answers that are no WebSocket (RFC 6455 §4.2.2 steps 2-4; RFC 8441 §5)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_2_resource_name_an_upgrade_attempt_to_a_page_gets_404() {
    // The layer around the router sees the page's 200: the client gets a 404, not the
    // page (nor, over HTTP/2, a 2xx, which would open the tunnel).
    let addr = serve_default().await;
    for (http, path) in [(Http::V1, "/"), (Http::V1, "/page"), (Http::V2, "/page")] {
        let answer = refused(addr, http, path, &[]).await;
        assert_layer_refused(http, &answer, HandshakeError::NotWebSocketResource);
        assert!(!answer.text().contains("page"), "{:?}", answer.text());
    }
    // Over HTTP/2 a `get` route does not match the CONNECT: axum's 405 is a decline,
    // and passes unchanged.
    let answer = refused(addr, Http::V2, "/", &[]).await;
    assert_eq!(answer.status, 405, "{}", answer.head);
    // A path without a route: axum's own 404, unchanged.
    for http in BOTH {
        let answer = refused(addr, http, "/nowhere", &[]).await;
        assert_eq!(answer.status, 404, "{http:?}: {}", answer.head);
        assert_eq!(answer.text(), "", "{http:?}");
    }
}

#[tokio::test]
async fn rfc8441_5_known_limit_a_handlers_empty_200_is_taken_for_acceptance() {
    // Over HTTP/1.1 only a 101 accepts, so a handler's `StatusCode::OK` gets the 404.
    let addr = serve_default().await;
    let answer = refused(addr, Http::V1, "/empty-200", &[]).await;
    assert_layer_refused(Http::V1, &answer, HandshakeError::NotWebSocketResource);
    // Over HTTP/2 a 2xx accepts (RFC 8441 §5), and a 200 with an empty body, no
    // `Content-Type` and no `Content-Length` is what axum's extractor answers: the layer
    // cannot tell the two apart, and the client sees a tunnel open. No WebSocket is
    // behind it: the server's end of the stream is gone, and the first read ends.
    let (answer, socket) = attempt(addr, Http::V2, "/empty-200", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    let mut socket = socket.expect("the client takes the 200 for an open tunnel");
    assert_eq!(socket.next_frame().await, None, "no WebSocket behind it");
}

#[tokio::test]
async fn rfc6455_4_2_2_steps_2_3_a_redirect_or_a_401_passes_unchanged() {
    let addr = serve_default().await;
    for http in BOTH {
        let answer = refused(addr, http, "/redirect", &[]).await;
        assert_eq!(answer.status, 307, "{http:?}: {}", answer.head);
        assert_eq!(answer.header(LOCATION.as_str()), Some("/elsewhere"));
        let answer = refused(addr, http, "/login", &[]).await;
        assert_eq!(answer.status, 401, "{http:?}: {}", answer.head);
        assert_eq!(answer.header(WWW_AUTHENTICATE.as_str()), Some("Bearer"));
        assert_eq!(answer.text(), "log in first", "{http:?}");
    }
}

// ---------------------------------------------------------------------------------------
// axum's extractor re-checks on its own
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_1_axums_extractor_rechecks_more_strictly() {
    // The layer reads every line of `Connection` and `Upgrade` for the token (RFC 9110
    // §7.8, RFC 6455 §4.2.1) and accepts these; axum's extractor reads the first line
    // only and wants `Upgrade` to be exactly `websocket`, so it answers 400, which passes
    // the layer as any decline does. This crate's extractor accepts them. (axum's also
    // answers 400 to any `Sec-WebSocket-Version` but 13, which only a layer configured
    // with `.versions(..)` for more would let through.)
    let addr = serve_default().await;
    let requests = |path| {
        [
            (
                "Connection: upgrade on a second line",
                Req::handshake(addr, path)
                    .set("Connection", "keep-alive")
                    .add("Connection", "Upgrade"),
            ),
            (
                "Upgrade: websocket, foo",
                Req::handshake(addr, path).set("Upgrade", "websocket, foo"),
            ),
        ]
    };
    for (what, request) in requests("/echo") {
        let answer = exchange(addr, &request).await;
        assert_eq!(answer.status, 400, "axum's, {what}: {}", answer.head);
    }
    for (what, request) in requests("/ours") {
        let answer = exchange(addr, &request).await;
        assert_eq!(answer.status, 101, "ours, {what}: {}", answer.head);
        assert_switching_protocols(&answer);
    }
}
