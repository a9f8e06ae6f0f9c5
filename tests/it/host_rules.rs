//! The host allow-list against DNS rebinding: `WebSocketLayer::allowed_hosts` refuses a
//! handshake whose host (`Host`, an absolute-form target's authority, HTTP/2's
//! `:authority`) is not listed with 421 Misdirected Request, before the `Origin` check,
//! over raw HTTP/1.1 on a real server and over HTTP/2 with the test kit.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::policy::AllowedHosts;
use axum_ws_handshake::test::TestClient;
use axum_ws_handshake::{HandshakeError, OnError, WebSocketLayer};
use common::*;

/// The port the listed hosts name: the tests write `Host` themselves, so it need not be
/// the one the server listens on.
const PORT: u16 = 3000;

fn routes() -> Router {
    Router::new()
        .route("/ws", any(echo))
        .route("/health", get(|| async { "ok" }))
}

async fn server(hosts: AllowedHosts) -> SocketAddr {
    serve(routes().layer(WebSocketLayer::new().allowed_hosts(hosts))).await
}

/// The handshake a page at `http://{host}` sends to `ws://{host}/ws`: `Host` and `Origin`
/// agree, so the same-origin check alone accepts it.
fn from_page_at(addr: SocketAddr, host: &str) -> Req {
    Req::handshake(addr, "/ws")
        .set("Host", host)
        .add("Origin", format!("http://{host}"))
}

async fn status(addr: SocketAddr, request: &Req) -> u16 {
    let response = exchange(addr, request).await;
    if response.status == 101 {
        assert_switching_protocols(&response);
    } else {
        assert!(!response.has("sec-websocket-accept"), "{}", response.head);
    }
    response.status
}

#[tokio::test]
async fn rfc9110_15_5_20_a_rebinding_host_is_421_before_the_origin_check() {
    let rebound = format!("attacker.example:{PORT}");
    // Without a list, the rebinding page passes: its Origin is its Host.
    let open = serve(routes().layer(WebSocketLayer::new())).await;
    assert_eq!(status(open, &from_page_at(open, &rebound)).await, 101);

    let addr = server(AllowedHosts::loopback(PORT)).await;
    let response = exchange(addr, &from_page_at(addr, &rebound)).await;
    assert_eq!(response.status, 421, "{}", response.head);
    assert!(!response.has("sec-websocket-accept"), "{}", response.head);
    assert!(
        response.text().contains("RFC 9110 §7.4, §15.5.20"),
        "{}",
        response.text()
    );
    // Before the Origin check: a foreign Origin too gets 421, not 403.
    let request = from_page_at(addr, &rebound).set("Origin", "http://evil.example");
    assert_eq!(status(addr, &request).await, 421);
    // A client without Origin (not a browser) is held to the list as well.
    let request = from_page_at(addr, &rebound).remove("Origin");
    assert_eq!(status(addr, &request).await, 421);
    // The page's own names pass, and the Origin check still runs after the host's.
    for host in [
        format!("localhost:{PORT}"),
        format!("127.0.0.1:{PORT}"),
        format!("[::1]:{PORT}"),
    ] {
        assert_eq!(
            status(addr, &from_page_at(addr, &host)).await,
            101,
            "{host}"
        );
        let cross = from_page_at(addr, &host).set("Origin", "http://evil.example");
        assert_eq!(status(addr, &cross).await, 403, "{host}");
    }
}

#[tokio::test]
async fn rfc3986_3_2_2_hosts_compare_ascii_case_insensitively() {
    let addr = server(AllowedHosts::new(["App.Example.com", "localhost:3000"])).await;
    for host in [
        "app.example.com",
        "APP.EXAMPLE.COM:8080",
        "LocalHost:3000",
        "localhost:3000",
    ] {
        assert_eq!(status(addr, &from_page_at(addr, host)).await, 101, "{host}");
    }
    for host in [
        "app.example.com.evil.com",
        "evil-app.example.com",
        "evil.com",
    ] {
        assert_eq!(status(addr, &from_page_at(addr, host)).await, 421, "{host}");
    }
}

#[tokio::test]
async fn rfc9110_7_2_a_listed_port_must_match_and_a_portless_entry_matches_any() {
    let addr = server(AllowedHosts::new(["localhost:3000", "127.0.0.1"])).await;
    assert_eq!(
        status(addr, &from_page_at(addr, "localhost:3000")).await,
        101
    );
    assert_eq!(
        status(addr, &from_page_at(addr, "localhost:3001")).await,
        421
    );
    // No port sent: the default (80 or 443 over HTTP/1.1), not 3000.
    assert_eq!(status(addr, &from_page_at(addr, "localhost")).await, 421);
    for host in ["127.0.0.1", "127.0.0.1:1", "127.0.0.1:3001"] {
        assert_eq!(status(addr, &from_page_at(addr, host)).await, 101, "{host}");
    }
}

#[tokio::test]
async fn rfc9110_7_2_wildcards_match_subdomains_only() {
    let addr = server(AllowedHosts::new(["*.example.com"])).await;
    for host in ["a.example.com", "a.b.example.com:8443"] {
        assert_eq!(status(addr, &from_page_at(addr, host)).await, 101, "{host}");
    }
    for host in ["example.com", "aexample.com", "a.example.com.evil.com"] {
        assert_eq!(status(addr, &from_page_at(addr, host)).await, 421, "{host}");
    }
}

#[tokio::test]
async fn rfc9112_3_2_2_an_absolute_form_target_is_the_host_checked() {
    let addr = server(AllowedHosts::loopback(PORT)).await;
    let listed = format!("localhost:{PORT}");
    let rebound = format!("attacker.example:{PORT}");
    // The target's authority decides; Host is ignored (RFC 9112 §3.2.2).
    let request = from_page_at(addr, &listed).line(format!("GET http://{rebound}/ws HTTP/1.1"));
    assert_eq!(status(addr, &request).await, 421);
    let request = from_page_at(addr, &listed)
        .set("Host", &rebound)
        .line(format!("GET http://{listed}/ws HTTP/1.1"));
    assert_eq!(status(addr, &request).await, 101);
    // Its scheme gives a target without a port its default port (RFC 9110 §4.2.1).
    let addr = server(AllowedHosts::new(["example.com:443"])).await;
    let request = from_page_at(addr, "example.com").line("GET http://example.com/ws HTTP/1.1");
    assert_eq!(status(addr, &request).await, 421);
    let addr = server(AllowedHosts::new(["example.com:80"])).await;
    let request = from_page_at(addr, "example.com").line("GET http://example.com/ws HTTP/1.1");
    assert_eq!(status(addr, &request).await, 101);
}

#[tokio::test]
async fn rfc8441_4_the_authority_of_an_http2_connect_is_checked() {
    let client = TestClient::new(
        routes().layer(WebSocketLayer::new().allowed_hosts(AllowedHosts::loopback(PORT))),
    );
    let at = |host: &str| {
        client
            .handshake("/ws")
            .without("host")
            .header("host", host)
            .http2()
    };
    // The kit's default Origin follows the host: a rebinding page's handshake.
    let refused = at(&format!("attacker.example:{PORT}")).send().await;
    assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
    for host in [format!("localhost:{PORT}"), format!("[::1]:{PORT}")] {
        at(&host).connect().await.expect(&host);
    }
    // The same over HTTP/1.1 through the kit.
    let refused = client
        .handshake("/ws")
        .without("host")
        .header("host", format!("attacker.example:{PORT}"))
        .send()
        .await;
    assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
}

/// Names the refusal in the body, to see what reached the hook.
struct Named;

impl OnError for Named {
    fn on_error(&self, error: HandshakeError, _request: &Parts) -> Response {
        let body = format!("{} {}", error.name(), error.clause());
        error.response_with(body)
    }
}

#[tokio::test]
async fn rfc9110_15_5_20_the_refusal_goes_through_on_error() {
    let layer = WebSocketLayer::new()
        .allowed_hosts(AllowedHosts::loopback(PORT))
        .on_error(Named);
    let addr = serve(routes().layer(layer)).await;
    let response = exchange(addr, &from_page_at(addr, "attacker.example:3000")).await;
    assert_eq!(response.status, 421);
    assert_eq!(response.text(), "host_refused RFC 9110 §7.4, §15.5.20");
    let error = HandshakeError::HostRefused;
    assert_eq!(error.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(error.into_response().status(), 421);
}

#[tokio::test]
async fn requests_that_are_not_upgrades_pass_whatever_their_host() {
    let addr = server(AllowedHosts::loopback(PORT)).await;
    let request = Req::new("GET", "/health").add("Host", "attacker.example:3000");
    let response = exchange(addr, &request).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(response.text(), "ok");
}
