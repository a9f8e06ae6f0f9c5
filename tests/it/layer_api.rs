//! The layer's contract with the app around it: nested layers agree with the handler,
//! every refusal (those found in the handler's answer included) goes through `on_error`,
//! a failed upgrade reaches `on_failed_upgrade`, and the extractor's accessors.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{any, get};
use axum_ws_handshake::deflate::PerMessageDeflate;
use axum_ws_handshake::policy::AnyOrigin;
use axum_ws_handshake::test::TestClient;
use axum_ws_handshake::tungstenite::Message;
use axum_ws_handshake::{
    GracefulShutdown, HandshakeError, OnError, WebSocket, WebSocketLayer, WebSocketUpgrade,
};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(TIMEOUT, future)
        .await
        .expect("within the timeout")
}

/// Tells the client what the handler was handed: its subprotocol and origin.
async fn tell(ws: WebSocketUpgrade) -> Response {
    let told = format!(
        "protocol={} origin={}",
        ws.protocol().unwrap_or("none"),
        ws.origin().unwrap_or("none")
    );
    ws.on_websocket(|mut socket: WebSocket| async move {
        let _ = socket.send(Message::text(told)).await;
        while let Some(Ok(_)) = socket.next().await {}
    })
}

/// The protocol the 101 carried, and what the handler said it was handed.
async fn agreed(client: &TestClient, path: &str, offers: &[&str]) -> (Option<String>, String) {
    let mut socket = within(
        client
            .handshake(path)
            .protocols(offers.iter().copied())
            .connect(),
    )
    .await
    .expect("accepted");
    let told = within(socket.next()).await.unwrap().unwrap();
    (
        socket.protocol().map(str::to_owned),
        told.into_text().unwrap().to_string(),
    )
}

/// A router-wide layer choosing `chat.v1` around a route whose own layer chooses
/// differently: the client and the handler hear the inner layer's choice, whatever it is.
#[tokio::test]
async fn nested_layers_agree_on_the_innermost_choice() {
    let app = Router::new()
        .route("/default", any(tell))
        .route("/none", any(tell).layer(WebSocketLayer::new()))
        .route(
            "/v2",
            any(tell).layer(WebSocketLayer::new().subprotocols(["chat.v2"])),
        )
        .layer(WebSocketLayer::new().subprotocols(["chat.v1"]));
    let client = TestClient::new(app);
    let offers = ["chat.v1", "chat.v2"];

    let (protocol, told) = agreed(&client, "/default", &offers).await;
    assert_eq!(protocol.as_deref(), Some("chat.v1"));
    assert!(told.starts_with("protocol=chat.v1 "), "{told}");

    let (protocol, told) = agreed(&client, "/none", &offers).await;
    assert_eq!(protocol, None);
    assert!(told.starts_with("protocol=none "), "{told}");

    let (protocol, told) = agreed(&client, "/v2", &offers).await;
    assert_eq!(protocol.as_deref(), Some("chat.v2"));
    assert!(told.starts_with("protocol=chat.v2 "), "{told}");
}

/// Every layer an attempt crosses may refuse it: a route layer allowing any origin does
/// not lift the router-wide same-origin check.
#[tokio::test]
async fn rfc6455_10_2_an_outer_layer_refuses_before_an_inner_one_allows() {
    let app = Router::new()
        .route(
            "/open",
            any(tell).layer(WebSocketLayer::new().origin(AnyOrigin)),
        )
        .layer(WebSocketLayer::new());
    let client = TestClient::new(app);
    let response = within(
        client
            .handshake("/open")
            .origin("https://evil.example")
            .send(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, told) = agreed(&client, "/open", &[]).await;
    assert_eq!(told, "protocol=none origin=http://localhost");
}

/// A hook that answers JSON naming the error and the path it was raised on.
struct Json;

impl OnError for Json {
    fn on_error(&self, error: HandshakeError, request: &Parts) -> Response {
        let body = format!(
            "{{\"error\":\"{}\",\"path\":\"{}\"}}",
            error.name(),
            request.uri.path()
        );
        error.response_with(([(CONTENT_TYPE, "application/json")], body))
    }
}

/// Refusals found in the handler's answer reach the hook, with the request's path: a
/// codec that cannot speak the agreed extension (500), a route with no WebSocket (404).
#[tokio::test]
async fn refusals_in_the_handlers_answer_go_through_on_error() {
    let layer = WebSocketLayer::new()
        .extensions(PerMessageDeflate::new())
        .on_error(Json);
    let app = Router::new()
        .route("/plain", any(tell))
        .route("/page", any(|| async { "a page" }))
        .layer(layer);
    let client = TestClient::new(app);

    let response = within(
        client
            .handshake("/plain")
            .extensions("permessage-deflate")
            .send(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(
        response.text(),
        r#"{"error":"extension_not_implemented","path":"/plain"}"#
    );

    let response = within(client.handshake("/page").send()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.text(),
        r#"{"error":"not_websocket_resource","path":"/page"}"#
    );

    // Without deflate offered nothing is agreed, and the plain socket serves.
    let (_, told) = agreed(&client, "/plain", &[]).await;
    assert!(told.starts_with("protocol=none"), "{told}");
}

/// The default hook answers the same refusal with the status table's text.
#[tokio::test]
async fn extension_not_implemented_is_a_typed_500_by_default() {
    let layer = WebSocketLayer::new().extensions(PerMessageDeflate::new());
    let client = TestClient::new(Router::new().route("/plain", any(tell).layer(layer)));
    let response = within(
        client
            .handshake("/plain")
            .extensions("permessage-deflate")
            .send(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.text(),
        HandshakeError::ExtensionNotImplemented.to_string()
    );
}

/// The test kit reaches the app's other routes too.
#[tokio::test]
async fn the_test_kit_gets_plain_routes() {
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .layer(WebSocketLayer::new());
    let response = within(TestClient::new(app).get("/health")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "ok");
}

/// A client that leaves while the 101 is being written: the handler's
/// `on_failed_upgrade` callback gets the error, and the socket callback never runs.
#[tokio::test]
async fn a_client_gone_before_the_101_reaches_on_failed_upgrade() {
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel();
    let failed_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(failed_tx)));
    let handler = move |ws: WebSocketUpgrade| {
        let failed = failed_tx.lock().unwrap().take();
        async move {
            ws.on_failed_upgrade(move |error| {
                if let Some(failed) = failed {
                    let _ = failed.send(error.to_string());
                }
            })
            .on_upgrade(|_| async { panic!("no connection to hand over") })
        }
    };
    let app = Router::new().route("/ws", any(handler).layer(WebSocketLayer::new()));
    // A connection too narrow for the 101 at once: the client reads its first bytes and
    // leaves while the rest waits to be written.
    let (mut client, server) = tokio::io::duplex(16);
    tokio::spawn(
        hyper::server::conn::http1::Builder::new()
            .serve_connection(
                hyper_util::rt::TokioIo::new(server),
                hyper_util::service::TowerToHyperService::new(app),
            )
            .with_upgrades(),
    );
    let request = "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
                   Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                   Sec-WebSocket-Version: 13\r\n\r\n";
    within(client.write_all(request.as_bytes())).await.unwrap();
    let mut start = [0; 12];
    within(client.read_exact(&mut start)).await.unwrap();
    assert_eq!(&start, b"HTTP/1.1 101");
    drop(client);
    let error = within(failed_rx).await.expect("on_failed_upgrade ran");
    assert!(error.starts_with("the WebSocket upgrade failed"), "{error}");
}

/// A layer given the server's shutdown tracks the sockets its handlers accept and hands
/// them its signal, with no `graceful_shutdown` call in the handler; once the shutdown
/// has started, new attempts are 503 with `Retry-After`, and `Connection: close` over
/// HTTP/1.1 only.
#[tokio::test]
async fn rfc9110_15_6_4_a_draining_layer_answers_503_with_retry_after() {
    let shutdown = GracefulShutdown::new();
    let handler = |ws: WebSocketUpgrade| async move {
        ws.on_websocket(|mut socket: WebSocket| async move {
            socket.get_ref().shutdown_signal().await;
            let _ = socket.send(Message::text("going away")).await;
        })
    };
    let layer = WebSocketLayer::new().graceful_shutdown(shutdown.clone());
    let client = TestClient::new(Router::new().route("/ws", any(handler).layer(layer)));

    let mut socket = within(client.handshake("/ws").connect()).await.unwrap();
    shutdown.start();
    let told = within(socket.next()).await.unwrap().unwrap();
    assert_eq!(told, Message::text("going away"));
    within(shutdown.wait()).await;

    let response = within(client.handshake("/ws").send()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[RETRY_AFTER], "1");
    assert_eq!(response.headers()[CONNECTION], "close");
    assert_eq!(response.text(), HandshakeError::ShuttingDown.to_string());

    let response = within(client.handshake("/ws").http2().send()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[RETRY_AFTER], "1");
    assert!(!response.headers().contains_key(CONNECTION));
}

/// A hook that reshapes the 503 keeps `Retry-After` and `Connection: close`.
#[tokio::test]
async fn rfc9110_10_2_3_a_hooks_503_keeps_retry_after() {
    let shutdown = GracefulShutdown::new();
    shutdown.start();
    let layer = WebSocketLayer::new()
        .graceful_shutdown(shutdown)
        .on_error(|error: HandshakeError| (error.status(), "busy"));
    let client = TestClient::new(Router::new().route("/ws", any(tell).layer(layer)));
    let response = within(client.handshake("/ws").send()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.text(), "busy");
    assert_eq!(response.headers()[RETRY_AFTER], "1");
    assert_eq!(response.headers()[CONNECTION], "close");
}

/// A refusal the page can read: the handler accepts and closes at once, and the client
/// gets the code and reason (a browser shows every HTTP refusal as 1006), over HTTP/1.1
/// and HTTP/2.
#[tokio::test]
async fn rfc6455_7_4_2_a_handler_refuses_with_a_close_the_page_can_read() {
    let handler = |ws: WebSocketUpgrade| async move { ws.accept_and_close(4001, "token expired") };
    let app = Router::new().route("/ws", any(handler).layer(WebSocketLayer::new()));
    let client = TestClient::new(app);
    for handshake in [client.handshake("/ws"), client.handshake("/ws").http2()] {
        let mut socket = within(handshake.connect()).await.expect("accepted");
        let closed = within(socket.next()).await.unwrap().unwrap();
        let Message::Close(Some(frame)) = closed else {
            panic!("a Close, not {closed:?}");
        };
        assert_eq!(u16::from(frame.code), 4001);
        assert_eq!(frame.reason, "token expired");
        // The client's Close answered, the stream ends.
        assert!(within(socket.next()).await.is_none_or(|end| end.is_err()));
    }
}

/// A router-wide layer's shutdown still tracks and signals the sockets of a route whose
/// own layer has none.
#[tokio::test]
async fn nested_layers_keep_the_outer_layers_shutdown() {
    let shutdown = GracefulShutdown::new();
    let handler = |ws: WebSocketUpgrade| async move {
        ws.on_websocket(|mut socket: WebSocket| async move {
            socket.get_ref().shutdown_signal().await;
            let _ = socket.send(Message::text("going away")).await;
        })
    };
    let app = Router::new()
        .route(
            "/ws",
            any(handler).layer(WebSocketLayer::new().subprotocols(["x"])),
        )
        .layer(WebSocketLayer::new().graceful_shutdown(shutdown.clone()));
    let client = TestClient::new(app);
    let mut socket = within(client.handshake("/ws").connect()).await.unwrap();
    shutdown.start();
    let told = within(socket.next()).await.unwrap().unwrap();
    assert_eq!(told, Message::text("going away"));
    within(shutdown.wait()).await;
}
