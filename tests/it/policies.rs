//! Every policy of the layer, accepting and refusing, through a real server over a raw
//! socket: origins, subprotocols, versions, extensions, the error hook, per-route
//! layers, and handlers that decline or decorate the 101.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, SET_COOKIE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::policy::{
    self, AgreedExtensions, AllowedOrigins, AnyOrigin, ClientPreference, ExtensionOffers,
    ExtensionPolicy, Required, ServerPreference, SubprotocolOffers, SubprotocolPolicy,
};
use axum_ws_handshake::{
    HandshakeError, OnError, WebSocketLayer, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use common::*;

/// Accepts, echoing, and reports what was negotiated in headers of the 101.
async fn report(ws: WebSocketUpgrade) -> Response {
    let negotiated = ws.negotiated();
    let headers = [
        ("x-version", negotiated.version().to_string()),
        (
            "x-protocol",
            negotiated.protocol().unwrap_or("-").to_owned(),
        ),
        (
            "x-origin",
            negotiated.origin().map_or("-".to_owned(), str::to_owned),
        ),
    ];
    (headers, ws.on_websocket(echo_socket)).into_response()
}

/// `report` at `/ws` and `/other` behind `layer`.
fn app<L>(layer: L) -> Router
where
    L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
    L::Service: tower::Service<axum::extract::Request, Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Response: IntoResponse + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
{
    Router::new()
        .route("/ws", any(report))
        .route("/other", any(report))
        .layer(layer)
}

fn handshake(addr: SocketAddr) -> Req {
    Req::handshake(addr, "/ws")
}

fn with_origin(addr: SocketAddr, origin: &str) -> Req {
    handshake(addr).add("Origin", origin)
}

fn with_protocols(addr: SocketAddr, lines: &[&str]) -> Req {
    lines.iter().fold(handshake(addr), |request, line| {
        request.add("Sec-WebSocket-Protocol", line)
    })
}

/// Asserts a 101 for the RFC key; returns it.
async fn accepted(addr: SocketAddr, request: &Req) -> RawResponse {
    let response = exchange(addr, request).await;
    assert_switching_protocols(&response);
    response
}

/// Asserts a refusal with `status`; returns it.
async fn refused(addr: SocketAddr, request: &Req, status: u16) -> RawResponse {
    let response = exchange(addr, request).await;
    assert_eq!(
        response.status,
        status,
        "request:\n{}\nresponse:\n{}{}",
        String::from_utf8_lossy(&request.bytes()),
        response.head,
        response.text()
    );
    assert!(!response.has("sec-websocket-accept"), "{}", response.head);
    response
}

fn other_port(addr: SocketAddr) -> u16 {
    if addr.port() == u16::MAX {
        addr.port() - 1
    } else {
        addr.port() + 1
    }
}

// ---------------------------------------------------------------------------------------
// Origin
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_10_2_same_origin_accepts_its_own_host_and_port() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let origin = format!("http://{addr}");
    let response = accepted(addr, &with_origin(addr, &origin)).await;
    assert_eq!(response.header("x-origin"), Some(origin.as_str()));
    // Compared ASCII-case-insensitively, Host included.
    let port = addr.port();
    let request = handshake(addr)
        .set("Host", format!("LocalHost:{port}"))
        .add("Origin", format!("http://localhost:{port}"));
    accepted(addr, &request).await;
}

#[tokio::test]
async fn rfc6455_10_2_same_origin_refuses_another_host() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let origin = format!("http://localhost:{}", addr.port());
    let response = refused(addr, &with_origin(addr, &origin), 403).await;
    assert!(response.text().contains("Origin"), "{}", response.text());
}

#[tokio::test]
async fn rfc6455_10_2_same_origin_refuses_another_port() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let origin = format!("http://127.0.0.1:{}", other_port(addr));
    refused(addr, &with_origin(addr, &origin), 403).await;
    // No port means the scheme's default, not the server's.
    refused(addr, &with_origin(addr, "http://127.0.0.1"), 403).await;
}

#[tokio::test]
async fn rfc6455_10_2_same_origin_with_ipv6_literal_hosts() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let port = addr.port();
    let host = |h: &str| handshake(addr).set("Host", h);
    accepted(
        addr,
        &host(&format!("[::1]:{port}")).add("Origin", format!("http://[::1]:{port}")),
    )
    .await;
    refused(
        addr,
        &host(&format!("[::1]:{port}")).add("Origin", format!("http://[::2]:{port}")),
        403,
    )
    .await;
    // No port in Host: the Origin's default port is the one compared.
    accepted(addr, &host("[::1]").add("Origin", "http://[::1]")).await;
    refused(addr, &host("[::1]").add("Origin", "http://[::1]:8080"), 403).await;
}

#[tokio::test]
async fn rfc9112_3_2_2_same_origin_uses_the_absolute_form_target_authority() {
    // RFC 9112 §3.2.2: with an absolute-form target the server uses its authority, not Host.
    let addr = serve(app(WebSocketLayer::new())).await;
    let absolute = |origin: &str| {
        Req::handshake(addr, "http://a.test:1234/ws")
            .set("Host", "b.test")
            .add("Origin", origin)
    };
    accepted(addr, &absolute("http://a.test:1234")).await;
    refused(addr, &absolute("http://b.test"), 403).await;
}

#[tokio::test]
async fn rfc6455_10_2_same_origin_refuses_null() {
    let addr = serve(app(WebSocketLayer::new())).await;
    refused(addr, &with_origin(addr, "null"), 403).await;
}

#[tokio::test]
async fn rfc6455_4_2_1_item_7_same_origin_accepts_a_request_without_origin() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let response = accepted(addr, &handshake(addr)).await;
    assert_eq!(response.header("x-origin"), Some("-"));
}

#[tokio::test]
async fn rfc6455_4_2_1_item_7_require_origin_refuses_a_request_without_origin() {
    let addr = serve(app(WebSocketLayer::new().require_origin(true))).await;
    let response = refused(addr, &handshake(addr), 403).await;
    assert!(response.text().contains("Origin"), "{}", response.text());
    accepted(addr, &with_origin(addr, &format!("http://{addr}"))).await;
    refused(addr, &with_origin(addr, "http://evil.example"), 403).await;
}

#[tokio::test]
async fn rfc6455_4_2_2_allowed_origins_exact() {
    let layer = WebSocketLayer::new().origin(AllowedOrigins::new(["https://app.example.com"]));
    let addr = serve(app(layer)).await;
    accepted(addr, &with_origin(addr, "https://app.example.com")).await;
    // RFC 6455 §4.2.2 compares the lowercased origin.
    accepted(addr, &with_origin(addr, "https://APP.example.com")).await;
    for origin in [
        "https://other.example.com",
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://app.example.com.evil.test",
        "https://example.com",
        "null",
        &format!("http://{addr}"), // not same-origin any more: only the list counts
    ] {
        refused(addr, &with_origin(addr, origin), 403).await;
    }
    // Without Origin the list is not consulted (require_origin is off).
    accepted(addr, &handshake(addr)).await;
}

#[tokio::test]
async fn rfc6455_4_2_2_allowed_origins_wildcard() {
    let layer = WebSocketLayer::new().origin(AllowedOrigins::new(["https://*.example.com"]));
    let addr = serve(app(layer)).await;
    for origin in ["https://a.example.com", "https://a.b.example.com"] {
        let response = accepted(addr, &with_origin(addr, origin)).await;
        assert_eq!(response.header("x-origin"), Some(origin));
    }
    for origin in [
        "https://example.com",
        "https://evilexample.com",
        "https://a.example.com.evil.test",
        "http://a.example.com",
        "https://a.example.com:8443",
        "null",
    ] {
        refused(addr, &with_origin(addr, origin), 403).await;
    }
}

#[tokio::test]
async fn rfc6455_10_2_any_origin_accepts_everything() {
    let addr = serve(app(WebSocketLayer::new().origin(AnyOrigin))).await;
    for origin in ["null", "http://evil.example", "https://x.test:1"] {
        let response = accepted(addr, &with_origin(addr, origin)).await;
        assert_eq!(response.header("x-origin"), Some(origin));
    }
    accepted(addr, &handshake(addr)).await;
}

#[tokio::test]
async fn rfc6455_10_2_non_ascii_origin_is_refused_even_by_any_origin() {
    // OriginPolicy's contract: a value that is not visible ASCII never reaches the policy.
    let addr = serve(app(WebSocketLayer::new().origin(AnyOrigin))).await;
    let mut bytes = handshake(addr).bytes();
    bytes.truncate(bytes.len() - 2);
    bytes.extend_from_slice(b"Origin: http://\xc3\xa4.test\r\n\r\n");
    let mut conn = Conn::connect(addr).await;
    conn.write(&bytes).await;
    let response = conn.read_response().await;
    assert_eq!(response.status, 403, "{}", response.head);
}

#[tokio::test]
async fn rfc6455_10_2_closure_origin_policy_sees_origin_and_request() {
    let layer = WebSocketLayer::new().origin(policy::origin_fn(|origin, request| {
        origin == "https://ok.test" && request.uri.path() == "/ws"
    }));
    let addr = serve(app(layer)).await;
    accepted(addr, &with_origin(addr, "https://ok.test")).await;
    refused(addr, &with_origin(addr, "https://no.test"), 403).await;
    let other = Req::handshake(addr, "/other").add("Origin", "https://ok.test");
    refused(addr, &other, 403).await;
}

// ---------------------------------------------------------------------------------------
// SubprotocolOffers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_2_2_server_preference_picks_in_server_order() {
    let addr = serve(app(WebSocketLayer::new().subprotocols(["b", "a"]))).await;
    let cases: [(&[&str], Option<&str>); 6] = [
        (&["a, b"], Some("b")),
        (&["a", "b"], Some("b")), // one list over two lines
        (&["a"], Some("a")),
        (&["c, a"], Some("a")),
        (&["B, A"], None), // compared case-sensitively
        (&["c"], None),
    ];
    for (offer, chosen) in cases {
        let response = accepted(addr, &with_protocols(addr, offer)).await;
        assert_eq!(
            response.header("sec-websocket-protocol"),
            chosen,
            "{offer:?}"
        );
        assert_eq!(response.header("x-protocol"), Some(chosen.unwrap_or("-")));
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_client_preference_picks_in_client_order() {
    let layer = WebSocketLayer::new().subprotocol(ClientPreference::new(["b", "a"]));
    let addr = serve(app(layer)).await;
    let cases: [(&[&str], Option<&str>); 4] = [
        (&["a, b"], Some("a")),
        (&["b, a"], Some("b")),
        (&["c", "b"], Some("b")),
        (&["c"], None),
    ];
    for (offer, chosen) in cases {
        let response = accepted(addr, &with_protocols(addr, offer)).await;
        assert_eq!(
            response.header("sec-websocket-protocol"),
            chosen,
            "{offer:?}"
        );
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_closure_subprotocol_policy_takes_the_first_accepted_offer() {
    let layer =
        WebSocketLayer::new().subprotocol(policy::subprotocol_fn(|offer| offer.starts_with("v2.")));
    let addr = serve(app(layer)).await;
    let response = accepted(addr, &with_protocols(addr, &["v1, v2.a, v2.b"])).await;
    assert_eq!(response.header("sec-websocket-protocol"), Some("v2.a"));
    let response = accepted(addr, &with_protocols(addr, &["v1"])).await;
    assert_eq!(response.header("sec-websocket-protocol"), None);
}

#[tokio::test]
async fn rfc6455_4_2_2_default_never_chooses_a_subprotocol() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let response = accepted(addr, &with_protocols(addr, &["chat, superchat"])).await;
    assert_eq!(response.header("sec-websocket-protocol"), None);
}

/// A broken policy that "chooses" a protocol the client never offered.
#[derive(Clone)]
struct ChoosesUnoffered {
    required: bool,
}

impl SubprotocolPolicy for ChoosesUnoffered {
    fn select<'a>(&self, _offers: SubprotocolOffers<'a>) -> Option<&'a str> {
        Some("not-offered")
    }

    fn is_required(&self) -> bool {
        self.required
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_a_choice_the_client_did_not_offer_is_ignored() {
    // §4.2.2 /subprotocol/: the value must be one of the client's offers, or none at all.
    let layer = WebSocketLayer::new().subprotocol(ChoosesUnoffered { required: false });
    let addr = serve(app(layer)).await;
    for request in [with_protocols(addr, &["chat"]), handshake(addr)] {
        let response = accepted(addr, &request).await;
        assert!(!response.has("sec-websocket-protocol"), "{}", response.head);
        assert_eq!(response.header("x-protocol"), Some("-"));
    }
    let layer = WebSocketLayer::new().subprotocol(ChoosesUnoffered { required: true });
    let addr = serve(app(layer)).await;
    refused(addr, &with_protocols(addr, &["chat"]), 400).await;
    // Offered, it is a valid choice.
    let response = accepted(addr, &with_protocols(addr, &["chat, not-offered"])).await;
    assert_eq!(
        response.header("sec-websocket-protocol"),
        Some("not-offered")
    );
}

#[tokio::test]
async fn rfc6455_4_2_2_required_subprotocol_refuses_400_when_nothing_matches() {
    let layer = WebSocketLayer::new().subprotocol(ServerPreference::new(["chat"]).required());
    let addr = serve(app(layer)).await;
    let response = accepted(addr, &with_protocols(addr, &["other, chat"])).await;
    assert_eq!(response.header("sec-websocket-protocol"), Some("chat"));
    let response = refused(addr, &with_protocols(addr, &["other"]), 400).await;
    assert!(
        response.text().contains("subprotocol"),
        "{}",
        response.text()
    );
    assert!(!response.has("sec-websocket-protocol"));
    refused(addr, &handshake(addr), 400).await;
}

#[tokio::test]
async fn rfc6455_4_2_2_required_wrapper_around_client_preference() {
    let layer = WebSocketLayer::new().subprotocol(Required(ClientPreference::new(["x", "y"])));
    let addr = serve(app(layer)).await;
    let response = accepted(addr, &with_protocols(addr, &["y, x"])).await;
    assert_eq!(response.header("sec-websocket-protocol"), Some("y"));
    refused(addr, &with_protocols(addr, &["z"]), 400).await;
}

// ---------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_4_4_versions_13_and_8_accept_8() {
    let addr = serve(app(WebSocketLayer::new().versions([13, 8]))).await;
    let response = accepted(addr, &handshake(addr).set("Sec-WebSocket-Version", "8")).await;
    assert_eq!(response.header("x-version"), Some("8"));
    let response = accepted(addr, &handshake(addr)).await;
    assert_eq!(response.header("x-version"), Some("13"));
}

#[tokio::test]
async fn rfc6455_4_4_versions_13_and_8_list_both_in_the_426() {
    let addr = serve(app(WebSocketLayer::new().versions([13, 8]))).await;
    for request in [
        handshake(addr).set("Sec-WebSocket-Version", "7"),
        handshake(addr).remove("Sec-WebSocket-Version"),
    ] {
        let response = refused(addr, &request, 426).await;
        assert_eq!(response.header("sec-websocket-version"), Some("13, 8"));
        assert_eq!(response.header("upgrade"), Some("websocket"));
        assert_eq!(response.header("connection"), Some("upgrade"));
    }
}

// ---------------------------------------------------------------------------------------
// The error hook
// ---------------------------------------------------------------------------------------

fn json_errors(error: HandshakeError) -> Response {
    let body = format!(
        "{{\"status\":{},\"error\":\"{}\"}}",
        error.status().as_u16(),
        error.message()
    );
    error.response_with(([(CONTENT_TYPE, "application/json")], body))
}

#[tokio::test]
async fn rfc6455_4_4_on_error_json_body_keeps_426_headers() {
    let addr = serve(app(WebSocketLayer::new().on_error(json_errors))).await;
    let response = refused(
        addr,
        &handshake(addr).set("Sec-WebSocket-Version", "8"),
        426,
    )
    .await;
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("upgrade"), Some("websocket"));
    assert_eq!(response.header("connection"), Some("upgrade"));
    assert_eq!(response.header("sec-websocket-version"), Some("13"));
    let expected = format!(
        "{{\"status\":426,\"error\":\"{}\"}}",
        HandshakeError::UnsupportedVersion {
            supported: Default::default()
        }
        .message()
    );
    assert_eq!(response.text(), expected);
}

/// RFC 6455 §4.4 and §4.2.2 /version/: a refusal of the version MUST carry
/// `Sec-WebSocket-Version`, whatever the hook answers; RFC 9110 §15.5.22 and §7.8: a
/// 426 MUST carry `Upgrade`, and with it `Connection: upgrade`. A hook that shapes the
/// body or the status cannot drop them.
#[tokio::test]
async fn rfc6455_4_4_a_hook_that_drops_the_version_headers_gets_them_back() {
    let bare = |_: HandshakeError| (http::StatusCode::UPGRADE_REQUIRED, "too old");
    let addr = serve(app(WebSocketLayer::new().on_error(bare))).await;
    let response = refused(
        addr,
        &handshake(addr).set("Sec-WebSocket-Version", "8"),
        426,
    )
    .await;
    assert_eq!(response.text(), "too old");
    assert_eq!(response.header("sec-websocket-version"), Some("13"));
    assert_eq!(response.header("upgrade"), Some("websocket"));
    assert_eq!(response.header("connection"), Some("upgrade"));

    let as_400 = |_: HandshakeError| http::StatusCode::BAD_REQUEST;
    let addr = serve(app(WebSocketLayer::new().on_error(as_400))).await;
    let response = refused(addr, &handshake(addr).remove("Sec-WebSocket-Version"), 400).await;
    assert_eq!(response.header("sec-websocket-version"), Some("13"));
    // Other refusals get nothing added.
    let response = refused(addr, &handshake(addr).remove("Sec-WebSocket-Key"), 400).await;
    assert!(!response.has("sec-websocket-version"), "{}", response.head);
    assert!(!response.has("upgrade"), "{}", response.head);
}

#[tokio::test]
async fn rfc6455_10_2_on_error_json_body_for_403_and_400() {
    let addr = serve(app(WebSocketLayer::new().on_error(json_errors))).await;
    let response = refused(addr, &with_origin(addr, "null"), 403).await;
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(!response.has("upgrade"));
    assert_eq!(
        response.text(),
        format!(
            "{{\"status\":403,\"error\":\"{}\"}}",
            HandshakeError::OriginRefused.message()
        )
    );
    let response = refused(addr, &handshake(addr).remove("Sec-WebSocket-Key"), 400).await;
    assert_eq!(
        response.text(),
        format!(
            "{{\"status\":400,\"error\":\"{}\"}}",
            HandshakeError::MissingKey.message()
        )
    );
}

/// An error handler that reads the request it refuses.
#[derive(Clone)]
struct NamesThePath;

impl OnError for NamesThePath {
    fn on_error(&self, error: HandshakeError, request: &Parts) -> Response {
        error.response_with(format!("refused at {}: {:?}", request.uri.path(), error))
    }
}

#[tokio::test]
async fn on_error_handler_sees_the_request() {
    let addr = serve(app(WebSocketLayer::new().on_error(NamesThePath))).await;
    let request = Req::handshake(addr, "/other").add("Origin", "null");
    let response = refused(addr, &request, 403).await;
    assert_eq!(response.text(), "refused at /other: OriginRefused");
}

// ---------------------------------------------------------------------------------------
// Per-route layers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6455_10_2_route_layer_gives_each_route_its_own_policy() {
    let a = Router::new()
        .route("/a", any(report))
        .route_layer(WebSocketLayer::new().origin(AllowedOrigins::new(["https://a.test"])));
    let b = Router::new().route("/b", any(report)).route_layer(
        WebSocketLayer::new()
            .origin(AllowedOrigins::new(["https://b.test"]))
            .subprotocols(["b.v1"]),
    );
    let addr = serve(a.merge(b)).await;
    let to = |path: &str, origin: &str| {
        Req::handshake(addr, path)
            .add("Origin", origin)
            .add("Sec-WebSocket-Protocol", "b.v1")
    };
    let response = accepted(addr, &to("/a", "https://a.test")).await;
    assert_eq!(response.header("sec-websocket-protocol"), None);
    refused(addr, &to("/a", "https://b.test"), 403).await;
    let response = accepted(addr, &to("/b", "https://b.test")).await;
    assert_eq!(response.header("sec-websocket-protocol"), Some("b.v1"));
    refused(addr, &to("/b", "https://a.test"), 403).await;
    // route_layer runs on matched routes only: an unknown path is axum's 404.
    let response = exchange(
        addr,
        &to("/c", "https://a.test").remove("Sec-WebSocket-Key"),
    )
    .await;
    assert_eq!(response.status, 404, "{}", response.head);
}

#[tokio::test]
async fn rfc6455_10_2_method_router_layer() {
    let app = Router::new()
        .route(
            "/any",
            any(report).layer(WebSocketLayer::new().origin(AnyOrigin)),
        )
        .route("/same", any(report).layer(WebSocketLayer::new()));
    let addr = serve(app).await;
    let to = |path: &str| Req::handshake(addr, path).add("Origin", "https://elsewhere.test");
    accepted(addr, &to("/any")).await;
    refused(addr, &to("/same"), 403).await;
}

// ---------------------------------------------------------------------------------------
// Handlers: declining, decorating, remapping
// ---------------------------------------------------------------------------------------

async fn authed(headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if headers
        .get(AUTHORIZATION)
        .is_none_or(|v| v != "Bearer secret")
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer realm=\"ws\"")],
            "log in first",
        )
            .into_response();
    }
    ws.on_websocket(echo_socket)
}

#[tokio::test]
async fn rfc6455_4_2_2_step_2_handler_declines_with_401() {
    let app = Router::new()
        .route("/ws", any(authed))
        .layer(WebSocketLayer::new());
    let addr = serve(app).await;
    let response = refused(addr, &handshake(addr), 401).await;
    assert_eq!(response.status_line, "HTTP/1.1 401 Unauthorized");
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer realm=\"ws\"")
    );
    assert_eq!(response.text(), "log in first");
    assert!(!response.has("upgrade"));
    assert!(!response.has("sec-websocket-protocol"));

    let mut conn = Conn::connect(addr).await;
    conn.write(
        &handshake(addr)
            .add("Authorization", "Bearer secret")
            .bytes(),
    )
    .await;
    assert_switching_protocols(&conn.read_head().await);
    conn.write(&client_frame(OP_TEXT, b"authed")).await;
    assert_eq!(conn.read_frame().await.raw, b"\x81\x06authed");
}

#[tokio::test]
async fn rfc6455_4_2_2_step_5_handler_adds_set_cookie_to_the_101() {
    let app = Router::new()
        .route(
            "/ws",
            any(|ws: WebSocketUpgrade| async move {
                (
                    [(SET_COOKIE, "session=abc; HttpOnly")],
                    ws.on_websocket(echo_socket),
                )
            }),
        )
        .layer(WebSocketLayer::new());
    let addr = serve(app).await;
    let mut conn = Conn::connect(addr).await;
    conn.write(&handshake(addr).bytes()).await;
    let response = conn.read_head().await;
    assert_switching_protocols(&response);
    assert_eq!(response.all("set-cookie"), ["session=abc; HttpOnly"]);
    conn.write(&client_frame(OP_TEXT, b"cookie")).await;
    assert_eq!(conn.read_frame().await.raw, b"\x81\x06cookie");
}

async fn lenient(ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    match ws {
        Ok(ws) => ws.on_websocket(echo_socket),
        Err(WebSocketUpgradeRejection::NotUpgradeAttempt(_)) => {
            (StatusCode::OK, "the page for browsers without WebSocket").into_response()
        }
        Err(other) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("remapped {}: {other}", other.status().as_u16()),
        )
            .into_response(),
    }
}

#[tokio::test]
async fn handler_remaps_the_extractor_rejection() {
    let app = Router::new()
        .route("/ws", any(lenient))
        .layer(WebSocketLayer::new());
    let addr = serve(app).await;
    let response = exchange(addr, &Req::new("GET", "/ws").add("Host", addr.to_string())).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(response.text(), "the page for browsers without WebSocket");
    accepted(addr, &handshake(addr)).await;

    // Without the layer an upgrade attempt is LayerMissing, remapped here.
    let addr = serve(Router::new().route("/ws", any(lenient))).await;
    let response = exchange(addr, &handshake(addr)).await;
    assert_eq!(response.status, 503, "{}", response.head);
    let body = response.text();
    assert!(body.starts_with("remapped 500: "), "{body}");
    assert!(body.contains("WebSocketLayer"), "{body}");
}

// ---------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------

/// Typed parameters the test policy hands to the codec.
#[derive(Debug, Clone, PartialEq)]
struct XTestParams {
    level: String,
}

/// Accepts the offered `x-test` extension, echoing its `level` parameter.
#[derive(Clone)]
struct AcceptXTest;

impl ExtensionPolicy for AcceptXTest {
    fn select(&self, mut offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
        let Some(offer) = offers.find(|offer| offer.name() == "x-test") else {
            return AgreedExtensions::none();
        };
        let level = offer
            .params()
            .find(|param| param.name() == "level")
            .and_then(|param| param.value())
            .map_or("1".to_owned(), |value| value.into_owned());
        let header = HeaderValue::from_str(&format!("x-test; level={level}")).unwrap();
        AgreedExtensions::new(header).with_params(XTestParams { level })
    }
}

/// Accepts `header` whatever the client offered: a broken policy.
#[derive(Clone)]
struct AcceptAnyway(&'static str);

impl ExtensionPolicy for AcceptAnyway {
    fn select(&self, _offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
        AgreedExtensions::new(HeaderValue::from_static(self.0))
    }
}

/// Accepts with the raw connection (the codec would speak the extension), reporting the
/// typed parameters in a header.
async fn raw_upgrade(ws: WebSocketUpgrade) -> Response {
    let level = ws
        .negotiated()
        .extensions()
        .params::<XTestParams>()
        .map_or("-".to_owned(), |p| p.level.clone());
    (
        [("x-level", level)],
        ws.on_upgrade(|connection| async move { drop(connection) }),
    )
        .into_response()
}

fn extension_app<E: ExtensionPolicy + Clone>(policy: E) -> Router {
    Router::new()
        .route("/ws", any(raw_upgrade))
        .route("/tungstenite", any(echo))
        .layer(WebSocketLayer::new().extensions(policy))
}

#[tokio::test]
async fn rfc6455_9_1_extension_policy_accepts_an_offered_extension() {
    let addr = serve(extension_app(AcceptXTest)).await;
    let request = handshake(addr).add(
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits, x-test; level=\"7\"",
    );
    let response = accepted(addr, &request).await;
    assert_eq!(
        response.all("sec-websocket-extensions"),
        ["x-test; level=7"]
    );
    assert_eq!(response.header("x-level"), Some("7"));
}

#[tokio::test]
async fn rfc6455_9_1_extension_policy_accepting_nothing_sends_no_header() {
    let addr = serve(extension_app(AcceptXTest)).await;
    let request = handshake(addr).add("Sec-WebSocket-Extensions", "permessage-deflate");
    let response = accepted(addr, &request).await;
    assert!(
        !response.has("sec-websocket-extensions"),
        "{}",
        response.head
    );
    assert_eq!(response.header("x-level"), Some("-"));
}

#[tokio::test]
async fn rfc6455_4_2_2_extension_not_offered_is_500() {
    let addr = serve(extension_app(AcceptAnyway("x-never"))).await;
    for request in [
        handshake(addr),
        handshake(addr).add("Sec-WebSocket-Extensions", "permessage-deflate"),
    ] {
        let response = refused(addr, &request, 500).await;
        assert!(
            !response.has("sec-websocket-extensions"),
            "{}",
            response.head
        );
        assert!(!response.has("upgrade"), "{}", response.head);
        assert!(
            response.text().contains("did not offer"),
            "{}",
            response.text()
        );
    }
}

/// RFC 7692 §5: a server MUST NOT accept a PMCE together with another extension that
/// uses the RSV1 bit as well: two compressions (or the same one twice) could not tell
/// their frames apart. A policy that does is the server's bug: 500, nothing agreed.
#[tokio::test]
async fn rfc7692_5_two_extensions_on_rsv1_are_500() {
    for accepted in [
        "permessage-deflate, permessage-deflate",
        "permessage-deflate, x-webkit-deflate-frame",
        "permessage-deflate; client_max_window_bits=10, PERMESSAGE-DEFLATE",
    ] {
        let addr = serve(extension_app(AcceptAnyway(accepted))).await;
        let request = handshake(addr).add(
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits, permessage-deflate, x-webkit-deflate-frame",
        );
        let response = refused(addr, &request, 500).await;
        assert!(
            !response.has("sec-websocket-extensions"),
            "{}",
            response.head
        );
        assert!(response.text().contains("RSV1"), "{}", response.text());
    }
    // One extension on RSV1 beside one that is not: accepted.
    let addr = serve(extension_app(AcceptAnyway("permessage-deflate, x-test"))).await;
    let request = handshake(addr).add("Sec-WebSocket-Extensions", "permessage-deflate, x-test");
    let response = accepted(addr, &request).await;
    assert_eq!(
        response.all("sec-websocket-extensions"),
        ["permessage-deflate, x-test"]
    );
}

#[tokio::test]
async fn rfc6455_9_1_extension_policy_with_a_malformed_header_is_500() {
    let addr = serve(extension_app(AcceptAnyway("x-test;"))).await;
    let request = handshake(addr).add("Sec-WebSocket-Extensions", "x-test");
    let response = refused(addr, &request, 500).await;
    assert!(
        !response.has("sec-websocket-extensions"),
        "{}",
        response.head
    );
}

#[tokio::test]
async fn rfc6455_9_1_tungstenite_handler_refuses_a_negotiated_extension_with_500() {
    let addr = serve(extension_app(AcceptXTest)).await;
    let request = Req::handshake(addr, "/tungstenite").add("Sec-WebSocket-Extensions", "x-test");
    let response = refused(addr, &request, 500).await;
    assert!(
        !response.has("sec-websocket-extensions"),
        "{}",
        response.head
    );
    assert_eq!(
        response.text(),
        HandshakeError::ExtensionNotImplemented.to_string()
    );
}

#[tokio::test]
async fn rfc6455_9_1_no_extensions_by_default() {
    let addr = serve(app(WebSocketLayer::new())).await;
    let mut conn = Conn::connect(addr).await;
    let request = handshake(addr).add(
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits",
    );
    conn.write(&request.bytes()).await;
    let response = conn.read_head().await;
    assert_switching_protocols(&response);
    assert!(
        !response.has("sec-websocket-extensions"),
        "{}",
        response.head
    );
    // Frames stay uncompressed: RSV1 clear.
    conn.write(&client_frame(OP_TEXT, b"plain")).await;
    let frame = conn.read_frame().await;
    assert_eq!(frame.rsv, 0);
    assert_eq!(frame.raw, b"\x81\x05plain");
}

#[tokio::test]
async fn extension_policy_is_not_run_for_requests_that_are_not_attempts() {
    // A plain GET (no upgrade) never runs the extension policy: the route answers.
    let app = Router::new()
        .route("/", get(|| async { "page" }))
        .layer(WebSocketLayer::new().extensions(AcceptAnyway("x-never")));
    let addr = serve(app).await;
    let response = exchange(addr, &Req::new("GET", "/").add("Host", addr.to_string())).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "page");
}
