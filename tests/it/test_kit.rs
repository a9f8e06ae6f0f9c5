//! The test kit (`axum_ws_handshake::test`, feature `test-util`): the app served by hyper
//! over an in-memory duplex, handshakes sent over HTTP/1.1 and HTTP/2, and what the kit's
//! `connect` checks in the answer. Handlers on this crate's extractor and on axum's own
//! behind the layer; hand-made answers for the checks a correct server never fails.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::ws as axum_ws;
use axum::http::header::{
    CONNECTION, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::deflate::{DeflateWebSocket, PerMessageDeflate};
use axum_ws_handshake::test::{ConnectError, Handshake, TestClient, TestWebSocket};
use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use sha1::{Digest, Sha1};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Message};

/// The longest any one step of a test may take: a broken kit fails, it does not hang.
const TIMEOUT: Duration = Duration::from_secs(5);

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(TIMEOUT, future)
        .await
        .expect("within the timeout")
}

/// Echoes text and binary messages until the client closes (this crate's extractor).
async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.on_websocket(|mut socket: WebSocket| async move {
        while let Some(Ok(message)) = socket.next().await {
            if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

/// The same on axum's own extractor, socket and messages.
async fn axum_echo(ws: axum_ws::WebSocketUpgrade) -> Response {
    ws.on_upgrade(|mut socket: axum_ws::WebSocket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            let echo = matches!(
                message,
                axum_ws::Message::Text(_) | axum_ws::Message::Binary(_)
            );
            if echo && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

/// `/echo` on this crate's extractor and `/axum` on axum's, behind `layer` on the
/// router.
fn app(layer: WebSocketLayer) -> Router {
    Router::new()
        .route("/echo", any(echo))
        .route("/axum", any(axum_echo))
        .layer(layer)
}

fn client() -> TestClient {
    TestClient::new(app(WebSocketLayer::new()))
}

/// The same handshake over HTTP/1.1 and over HTTP/2.
fn both(handshake: impl Fn() -> Handshake) -> [(&'static str, Handshake); 2] {
    [("HTTP/1.1", handshake()), ("HTTP/2", handshake().http2())]
}

async fn next(socket: &mut TestWebSocket) -> Message {
    within(socket.next())
        .await
        .expect("a message")
        .expect("a valid message")
}

/// Text and binary echoed, then the close handshake: our Close, the server's back, the
/// end of the stream.
async fn echo_and_close(mut socket: TestWebSocket) {
    within(socket.send(Message::text("hello"))).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("hello"));
    let binary = Bytes::from_iter(0..=255u8);
    within(socket.send(Message::Binary(binary.clone())))
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await, Message::Binary(binary));
    within(socket.send(Message::Close(Some(CloseFrame {
        code: 1000.into(),
        reason: "bye".into(),
    }))))
    .await
    .unwrap();
    match next(&mut socket).await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1000),
        other => panic!("expected the server's Close, got {other:?}"),
    }
    assert!(
        within(socket.next()).await.is_none(),
        "the end of the stream"
    );
}

fn text(response: &Response<Bytes>) -> &str {
    std::str::from_utf8(response.body()).expect("a UTF-8 body")
}

// ---------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_foreign_origin_is_refused_with_403() {
    let client = client();
    for (version, handshake) in both(|| client.handshake("/echo").origin("https://evil.example")) {
        let response = within(handshake.send()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{version}");
        assert!(
            !text(&response).is_empty(),
            "{version}: a body that says why"
        );
    }
}

/// `connect` gives the refusal back, body included.
#[tokio::test]
async fn connect_returns_a_refusal_with_the_response() {
    let client = client();
    for (version, handshake) in both(|| client.handshake("/echo").origin("https://evil.example")) {
        let error = within(handshake.connect()).await.unwrap_err();
        let ConnectError::Refused(response) = &error else {
            panic!("{version}: {error:?}");
        };
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{version}");
        assert_eq!(error.response().unwrap().body(), response.body());
        assert!(error.to_string().contains("403"), "{version}: {error}");
    }
}

#[tokio::test]
async fn version_8_is_refused_with_426_and_the_supported_versions() {
    let client = client();
    for (version, handshake) in both(|| client.handshake("/echo").version(8)) {
        let response = within(handshake.send()).await;
        assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED, "{version}");
        assert_eq!(
            response.headers().get(SEC_WEBSOCKET_VERSION).unwrap(),
            "13",
            "{version}"
        );
    }
}

/// `without` drops a default, `header` appends a line.
#[tokio::test]
async fn without_and_header_change_the_browsers_handshake() {
    let client = client();
    let status = async |handshake: Handshake| within(handshake.send()).await.status();
    let h = || client.handshake("/echo");
    assert_eq!(
        status(h().without(SEC_WEBSOCKET_KEY)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        status(h().header(SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")).await,
        StatusCode::BAD_REQUEST,
        "a second key"
    );
    assert_eq!(
        status(h().without("sec-websocket-version")).await,
        StatusCode::UPGRADE_REQUIRED
    );
    // No `Host`, and over HTTP/2 no `:authority`.
    for handshake in [h().without("host"), h().http2().without("host")] {
        assert_eq!(status(handshake).await, StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        status(h().header("connection", "keep-alive").without("connection")).await,
        StatusCode::BAD_REQUEST,
        "`Connection: keep-alive` only"
    );
    // Accepted: a non-browser client, and another host whose `Origin` follows it.
    for handshake in [
        h().without(ORIGIN),
        h().without("host").header("host", "example.com:8080"),
        h().http2().without(ORIGIN),
        h().http2()
            .without("host")
            .header("host", "example.com:8080"),
    ] {
        let debug = format!("{handshake:?}");
        within(handshake.connect())
            .await
            .unwrap_or_else(|error| panic!("{debug}: {error}"));
    }
    // An explicit foreign `Origin` is refused after a host change too.
    assert_eq!(
        status(
            h().without("host")
                .header("host", "example.com")
                .origin("http://localhost")
        )
        .await,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------------------------------
// What the kit sends
// ---------------------------------------------------------------------------------------

/// Declines with the request as seen in the body: method, `:protocol`, URI and header
/// lines. (A decline: over HTTP/2 a 2xx to the CONNECT would open the tunnel, with no
/// body.)
async fn mirror(request: axum::extract::Request) -> (StatusCode, String) {
    let protocol = request
        .extensions()
        .get::<hyper::ext::Protocol>()
        .map_or("-", |protocol| protocol.as_str());
    let mut out = format!("{} {} {}\n", request.method(), protocol, request.uri());
    for (name, value) in request.headers() {
        out.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
    }
    (StatusCode::BAD_REQUEST, out)
}

#[tokio::test]
async fn the_default_handshake_is_a_browsers() {
    let client = TestClient::new(Router::new().route("/mirror", any(mirror)));
    let response = within(client.handshake("/mirror?room=1").send()).await;
    let seen = text(&response);
    let (head, rest) = seen.split_once('\n').unwrap();
    assert_eq!(head, "GET - /mirror?room=1");
    let key = rest
        .lines()
        .find_map(|line| line.strip_prefix("sec-websocket-key: "))
        .expect("a key");
    assert_eq!(STANDARD.decode(key).unwrap().len(), 16, "{key}");
    assert_eq!(
        rest.replace(key, "KEY"),
        "host: localhost\nconnection: Upgrade\npragma: no-cache\ncache-control: no-cache\n\
         user-agent: axum-ws-handshake-test\nupgrade: websocket\norigin: http://localhost\n\
         sec-websocket-version: 13\nsec-websocket-key: KEY\n"
    );
    // A fresh key each time.
    let again = within(client.handshake("/mirror").send()).await;
    assert!(!text(&again).contains(key));

    let response = within(
        client
            .handshake("/mirror")
            .http2()
            .protocols(["a", "b"])
            .extensions("x-foo; bar")
            .header("x-extra", "1")
            .header("x-extra", "2")
            .without("pragma")
            .send(),
    )
    .await;
    assert_eq!(
        text(&response),
        "CONNECT websocket http://localhost/mirror\ncache-control: no-cache\n\
         user-agent: axum-ws-handshake-test\norigin: http://localhost\n\
         sec-websocket-version: 13\nsec-websocket-protocol: a, b\n\
         sec-websocket-extensions: x-foo; bar\nx-extra: 1\nx-extra: 2\n"
    );
}

#[tokio::test]
async fn an_invalid_header_is_reported() {
    let client = client();
    let error = within(client.handshake("/echo").header("bad name", "x").connect())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectError::InvalidRequest(_)),
        "{error:?}"
    );
    let error = within(client.handshake("no slash").connect())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectError::InvalidRequest(_)),
        "{error:?}"
    );
}

#[tokio::test]
#[should_panic(expected = "invalid handshake request")]
async fn send_panics_on_an_invalid_header() {
    let _ = client()
        .handshake("/echo")
        .header("x", "line\nbreak")
        .send()
        .await;
}

#[tokio::test]
#[should_panic(expected = "could not send the handshake")]
async fn send_panics_when_the_handler_panics() {
    async fn boom() -> &'static str {
        panic!("the handler panicked")
    }
    let client = TestClient::new(Router::new().route("/", get(boom)));
    let _ = within(client.handshake("/").send()).await;
}

// ---------------------------------------------------------------------------------------
// Accepted handshakes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn echo_round_trip_over_http1() {
    let socket = within(client().handshake("/echo").connect()).await.unwrap();
    assert_eq!(socket.response().status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(socket.response().version(), http::Version::HTTP_11);
    assert!(socket.headers().contains_key(SEC_WEBSOCKET_ACCEPT));
    assert_eq!(socket.protocol(), None);
    echo_and_close(socket).await;
}

#[tokio::test]
async fn echo_round_trip_over_http2() {
    let socket = within(client().handshake("/echo").http2().connect())
        .await
        .unwrap();
    assert_eq!(socket.response().status(), StatusCode::OK);
    assert_eq!(socket.response().version(), http::Version::HTTP_2);
    echo_and_close(socket).await;
}

/// The kit runs on either flavor of runtime. On two threads the server's end of an
/// HTTP/2 stream (a `NO_ERROR` reset once its socket closed) can reach the client while
/// its `send(Close)` still flushes: that `send` succeeds all the same, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_and_close_on_a_multi_thread_runtime() {
    let client = client();
    for _ in 0..100 {
        for (_, handshake) in both(|| client.handshake("/echo")) {
            echo_and_close(within(handshake.connect()).await.unwrap()).await;
        }
    }
}

/// A successful handshake's response through `send`: the 101 (or 200), its headers and
/// an empty body.
#[tokio::test]
async fn send_returns_an_accepting_response() {
    let client = TestClient::new(app(WebSocketLayer::new().subprotocols(["chat"])));
    for (version, handshake) in both(|| client.handshake("/echo").protocols(["chat"])) {
        let response = within(handshake.send()).await;
        assert!(
            matches!(
                response.status(),
                StatusCode::SWITCHING_PROTOCOLS | StatusCode::OK
            ),
            "{version}: {response:?}"
        );
        assert_eq!(
            response.headers().get(SEC_WEBSOCKET_PROTOCOL).unwrap(),
            "chat"
        );
        assert!(response.body().is_empty());
    }
}

#[tokio::test]
async fn subprotocol_negotiation() {
    let client = TestClient::new(app(WebSocketLayer::new().subprotocols(["chat.v2", "chat"])));
    for (version, handshake) in both(|| client.handshake("/echo").protocols(["chat", "chat.v2"])) {
        let socket = within(handshake.connect()).await.unwrap();
        assert_eq!(socket.protocol(), Some("chat.v2"), "{version}");
        echo_and_close(socket).await;
    }
    for (version, handshake) in both(|| client.handshake("/echo").protocols(["other"])) {
        let socket = within(handshake.connect()).await.unwrap();
        assert_eq!(socket.protocol(), None, "{version}: nothing agreed");
    }
}

/// What the server sends as soon as it has the socket, and what the client sends before
/// it reads anything, arrive: nothing is lost at the hand-over of the connection.
#[tokio::test]
async fn messages_sent_right_after_the_handshake_arrive() {
    async fn greet(ws: WebSocketUpgrade) -> Response {
        ws.on_websocket(|mut socket: WebSocket| async move {
            if socket.send(Message::text("first")).await.is_err() {
                return;
            }
            while let Some(Ok(message)) = socket.next().await {
                if message.is_text() && socket.send(message).await.is_err() {
                    break;
                }
            }
        })
    }
    let client = TestClient::new(
        Router::new()
            .route("/greet", any(greet))
            .layer(WebSocketLayer::new()),
    );
    for (version, handshake) in both(|| client.handshake("/greet")) {
        let mut socket = within(handshake.connect()).await.unwrap();
        within(socket.send(Message::text("at once"))).await.unwrap();
        assert_eq!(next(&mut socket).await, Message::text("first"), "{version}");
        assert_eq!(
            next(&mut socket).await,
            Message::text("at once"),
            "{version}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// axum's own extractor behind the layer
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn axums_extractor_behind_the_layer_echoes() {
    let client = client();
    for (version, handshake) in both(|| client.handshake("/axum")) {
        let socket = within(handshake.connect())
            .await
            .unwrap_or_else(|error| panic!("{version}: {error}"));
        assert_eq!(socket.protocol(), None, "{version}");
        echo_and_close(socket).await;
    }
    // The layer's refusals apply.
    for (version, handshake) in both(|| client.handshake("/axum").origin("https://evil.example")) {
        let response = within(handshake.send()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{version}");
    }
}

#[tokio::test]
async fn axums_extractor_gets_the_subprotocol_the_layer_chose() {
    let client = TestClient::new(app(WebSocketLayer::new().subprotocols(["chat"])));
    for (version, handshake) in both(|| client.handshake("/axum").protocols(["chat"])) {
        let socket = within(handshake.connect())
            .await
            .unwrap_or_else(|error| panic!("{version}: {error}"));
        assert_eq!(socket.protocol(), Some("chat"), "{version}");
        echo_and_close(socket).await;
    }
}

/// RFC 6455 §4.2.2 step 4: a route that is no WebSocket endpoint does not answer an
/// upgrade attempt with its page.
#[tokio::test]
async fn an_upgrade_attempt_to_a_page_is_answered_404() {
    let app = Router::new()
        .route("/", any(|| async { "a page" }))
        .route("/echo", any(echo))
        .layer(WebSocketLayer::new());
    let client = TestClient::new(app);
    for (version, handshake) in both(|| client.handshake("/")) {
        let response = within(handshake.send()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{version}");
    }
}

// ---------------------------------------------------------------------------------------
// What `connect` refuses
// ---------------------------------------------------------------------------------------

/// permessage-deflate agreed by the server (the layer with `PerMessageDeflate`): the kit's
/// socket cannot speak it, so `connect` fails; `send` shows the agreement.
#[tokio::test]
async fn connect_refuses_an_extension_it_cannot_speak() {
    async fn deflate_echo(ws: WebSocketUpgrade) -> Response {
        ws.on_deflate_websocket(|socket: DeflateWebSocket| async move { drop(socket) })
    }
    let client = TestClient::new(
        Router::new()
            .route("/deflate", any(deflate_echo))
            .layer(WebSocketLayer::new().extensions(PerMessageDeflate::new())),
    );
    for (version, handshake) in both(|| {
        client
            .handshake("/deflate")
            .extensions("permessage-deflate")
    }) {
        let error = within(handshake.connect()).await.unwrap_err();
        assert!(
            matches!(error, ConnectError::UnsupportedExtension(_)),
            "{version}: {error:?}"
        );
        let agreed = error.response().unwrap().headers()[SEC_WEBSOCKET_EXTENSIONS]
            .to_str()
            .unwrap();
        assert!(
            agreed.starts_with("permessage-deflate"),
            "{version}: {agreed}"
        );
        assert!(error.to_string().contains("permessage-deflate"), "{error}");
    }
    // Not offered, not agreed: the same route connects.
    for (version, handshake) in both(|| client.handshake("/deflate")) {
        within(handshake.connect())
            .await
            .unwrap_or_else(|error| panic!("{version}: {error}"));
    }
    // `send` shows the agreement.
    let response = within(
        client
            .handshake("/deflate")
            .extensions("permessage-deflate")
            .send(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert!(response.headers().contains_key(SEC_WEBSOCKET_EXTENSIONS));
}

/// How a hand-made answer (no layer, no extractor) differs from a correct one.
#[derive(Clone, Copy, Debug)]
enum Forgery {
    /// Nothing: a valid acceptance.
    None,
    WrongAccept,
    NoAccept,
    NoUpgrade,
    ConnectionClose,
    Protocol(&'static str),
    TwoProtocols,
    Extension,
}

/// An app whose `/` accepts every handshake by hand, with `forgery` in the answer: a 101
/// over HTTP/1.1, a 200 over HTTP/2.
fn forged(forgery: Forgery) -> TestClient {
    let handler = move |method: Method, headers: HeaderMap| async move {
        let mut response = if method == Method::CONNECT {
            StatusCode::OK.into_response()
        } else {
            let key = headers[SEC_WEBSOCKET_KEY].as_bytes();
            let accept = STANDARD.encode(
                Sha1::new()
                    .chain_update(key)
                    .chain_update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                    .finalize(),
            );
            let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
            let h = response.headers_mut();
            h.insert(UPGRADE, "websocket".parse().unwrap());
            h.insert(CONNECTION, "upgrade".parse().unwrap());
            h.insert(SEC_WEBSOCKET_ACCEPT, accept.parse().unwrap());
            response
        };
        let h = response.headers_mut();
        match forgery {
            Forgery::None => {}
            Forgery::WrongAccept => {
                h.insert(
                    SEC_WEBSOCKET_ACCEPT,
                    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".parse().unwrap(),
                );
            }
            Forgery::NoAccept => {
                h.remove(SEC_WEBSOCKET_ACCEPT);
            }
            Forgery::NoUpgrade => {
                h.remove(UPGRADE);
            }
            Forgery::ConnectionClose => {
                h.insert(CONNECTION, "close".parse().unwrap());
            }
            Forgery::Protocol(protocol) => {
                h.insert(SEC_WEBSOCKET_PROTOCOL, protocol.parse().unwrap());
            }
            Forgery::TwoProtocols => {
                h.append(SEC_WEBSOCKET_PROTOCOL, "chat".parse().unwrap());
                h.append(SEC_WEBSOCKET_PROTOCOL, "chat".parse().unwrap());
            }
            Forgery::Extension => {
                h.insert(
                    SEC_WEBSOCKET_EXTENSIONS,
                    "permessage-deflate".parse().unwrap(),
                );
            }
        }
        response
    };
    TestClient::new(Router::new().route("/", any(handler)))
}

/// Connects to `forgery`'s server, offering `chat`, over `http2` or HTTP/1.1.
async fn connect_to(forgery: Forgery, http2: bool) -> Result<TestWebSocket, ConnectError> {
    let handshake = forged(forgery).handshake("/").protocols(["chat"]);
    let handshake = if http2 { handshake.http2() } else { handshake };
    within(handshake.connect()).await
}

/// The hand-made acceptance is a valid one, with or without the offered subprotocol:
/// what the forgeries below fail on is theirs.
#[tokio::test]
async fn a_hand_made_acceptance_connects() {
    for http2 in [false, true] {
        let socket = connect_to(Forgery::None, http2).await.unwrap();
        assert_eq!(socket.protocol(), None);
        let socket = connect_to(Forgery::Protocol("chat"), http2).await.unwrap();
        assert_eq!(socket.protocol(), Some("chat"));
    }
}

#[tokio::test]
async fn connect_refuses_an_unoffered_subprotocol() {
    for http2 in [false, true] {
        for forgery in [Forgery::Protocol("evil"), Forgery::TwoProtocols] {
            let error = connect_to(forgery, http2).await.unwrap_err();
            assert!(
                matches!(error, ConnectError::SubprotocolNotOffered(_)),
                "{forgery:?}, HTTP/2 {http2}: {error:?}"
            );
        }
    }
    // Offering nothing, any choice is refused.
    for handshake in [
        forged(Forgery::Protocol("chat")).handshake("/"),
        forged(Forgery::Protocol("chat")).handshake("/").http2(),
    ] {
        let error = within(handshake.connect()).await.unwrap_err();
        assert!(
            matches!(error, ConnectError::SubprotocolNotOffered(_)),
            "{error:?}"
        );
        assert!(error.to_string().contains("chat"), "{error}");
    }
}

#[tokio::test]
async fn connect_refuses_an_extension_in_a_hand_made_answer() {
    for http2 in [false, true] {
        let error = connect_to(Forgery::Extension, http2).await.unwrap_err();
        assert!(
            matches!(error, ConnectError::UnsupportedExtension(_)),
            "HTTP/2 {http2}: {error:?}"
        );
    }
}

/// RFC 6455 §4.1: over HTTP/1.1 the client checks `Sec-WebSocket-Accept`, `Upgrade` and
/// `Connection`.
#[tokio::test]
async fn connect_verifies_the_101_over_http1() {
    for forgery in [Forgery::WrongAccept, Forgery::NoAccept] {
        let error = connect_to(forgery, false).await.unwrap_err();
        assert!(
            matches!(error, ConnectError::InvalidAccept(_)),
            "{forgery:?}: {error:?}"
        );
    }
    for forgery in [Forgery::NoUpgrade, Forgery::ConnectionClose] {
        let error = connect_to(forgery, false).await.unwrap_err();
        assert!(
            matches!(error, ConnectError::NotWebSocket(_)),
            "{forgery:?}: {error:?}"
        );
    }
}

/// The kit's types and futures can move to other tasks (`tokio::spawn`).
#[test]
fn the_kits_types_and_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<TestClient>();
    send_sync::<Handshake>();
    send_sync::<ConnectError>();
    let client = client();
    send(&client.handshake("/echo").send());
    send(&client.handshake("/echo").connect());
    fn socket_is_send(socket: TestWebSocket) -> impl Send {
        socket
    }
    let _ = socket_is_send;
}
