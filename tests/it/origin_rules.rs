//! What an origin is (RFC 6454 §4: scheme, host and port), through the layer: the
//! same-origin policies accept only web origins (`http`, `https`) and compare the scheme
//! wherever the server knows the request's (an HTTP/2 `:scheme`, an absolute-form
//! target); `AllowedOrigins` compares its entries as origins, default port and case
//! aside (§6.2), and refuses wildcards over a whole top-level domain when built.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::any;
use axum_ws_handshake::WebSocketLayer;
use axum_ws_handshake::policy::{AllowedOrigins, ForwardedSameOrigin, OriginPolicy};
use axum_ws_handshake::test::TestClient;
use common::h2::{extended_connect, h2c, send};
use common::{Conn, Req, assert_switching_protocols, echo, serve};

fn app<O: OriginPolicy>(policy: O) -> Router {
    Router::new()
        .route("/echo", any(echo))
        .layer(WebSocketLayer::new().origin(policy))
}

/// The status of an HTTP/1.1 handshake to `addr` for `target`, with `Host` and `Origin`
/// as given and `headers` added.
async fn status(
    addr: SocketAddr,
    target: &str,
    host: &str,
    origin: &str,
    headers: &[(&str, &str)],
) -> u16 {
    let mut request = Req::handshake(addr, target)
        .set("Host", host)
        .add("Origin", origin);
    for (name, value) in headers {
        request = request.add(name, value);
    }
    let mut conn = Conn::connect(addr).await;
    conn.write(&request.bytes()).await;
    let response = conn.read_head().await;
    if response.status == 101 {
        assert_switching_protocols(&response);
    }
    response.status
}

/// The status of an HTTP/2 extended CONNECT to `uri` (its scheme is the `:scheme`, its
/// authority the `:authority`) with `Origin`.
async fn h2_status(addr: SocketAddr, uri: &str, origin: &str) -> u16 {
    let mut client = h2c(addr).await;
    let response = send(
        &mut client,
        extended_connect(uri, "websocket", &[("origin", origin)]),
    )
    .await;
    response.status().as_u16()
}

// ---------------------------------------------------------------------------------------
// SameOrigin: an origin is a scheme, a host and a port
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6454_4_same_origin_refuses_origins_that_are_not_http_or_https() {
    let addr = serve(app(axum_ws_handshake::policy::SameOrigin)).await;
    let port = addr.port();
    // Over HTTP/1.1 without TLS information the request's scheme is unknown: both web
    // schemes are the host's (unchanged behaviour).
    for origin in ["http://victim.test", "https://victim.test"] {
        assert_eq!(status(addr, "/echo", "victim.test", origin, &[]).await, 101);
    }
    for origin in [
        "ws://victim.test",
        "wss://victim.test",
        "foo://victim.test",
        "HTTP+X://victim.test",
    ] {
        assert_eq!(
            status(addr, "/echo", "victim.test", origin, &[]).await,
            403,
            "{origin}"
        );
    }
    // With the port written out, a scheme without a default port is refused too.
    let host = format!("victim.test:{port}");
    for origin in [
        format!("chrome-extension://victim.test:{port}"),
        format!("foo://victim.test:{port}"),
        format!("ws://victim.test:{port}"),
    ] {
        assert_eq!(
            status(addr, "/echo", &host, &origin, &[]).await,
            403,
            "{origin}"
        );
    }
    let own = format!("http://victim.test:{port}");
    assert_eq!(status(addr, "/echo", &host, &own, &[]).await, 101);
}

#[tokio::test]
async fn rfc6454_4_http2_scheme_https_refuses_an_http_origin() {
    // A page injected into plain-HTTP victim.test must not open wss://victim.test with
    // the user's cookies: over HTTP/2 the request's scheme is `:scheme`.
    let addr = serve(app(axum_ws_handshake::policy::SameOrigin)).await;
    let uri = format!("https://{addr}/echo");
    assert_eq!(h2_status(addr, &uri, &format!("https://{addr}")).await, 200);
    assert_eq!(h2_status(addr, &uri, &format!("http://{addr}")).await, 403);
    assert_eq!(h2_status(addr, &uri, &format!("wss://{addr}")).await, 403);
    // The default port follows the request's scheme: `:authority victim.test` over
    // https is port 443.
    let uri = "https://victim.test/echo";
    assert_eq!(h2_status(addr, uri, "https://victim.test").await, 200);
    assert_eq!(h2_status(addr, uri, "https://victim.test:443").await, 200);
    assert_eq!(h2_status(addr, uri, "http://victim.test").await, 403);
    assert_eq!(h2_status(addr, uri, "http://victim.test:443").await, 403);
}

#[tokio::test]
async fn rfc6454_4_http2_scheme_http_refuses_an_https_origin() {
    // The test kit sends `:scheme http` over its in-memory HTTP/2.
    let client = TestClient::new(app(axum_ws_handshake::policy::SameOrigin));
    let handshake = |origin: &str| client.handshake("/echo").http2().origin(origin);
    assert_eq!(handshake("http://localhost").send().await.status(), 200);
    assert_eq!(handshake("https://localhost").send().await.status(), 403);
    assert_eq!(handshake("ws://localhost").send().await.status(), 403);
}

#[tokio::test]
async fn rfc6454_4_rfc9112_3_2_2_absolute_form_target_gives_the_scheme() {
    let addr = serve(app(axum_ws_handshake::policy::SameOrigin)).await;
    let https = "https://a.test:1234/echo";
    assert_eq!(
        status(addr, https, "a.test:1234", "https://a.test:1234", &[]).await,
        101
    );
    assert_eq!(
        status(addr, https, "a.test:1234", "http://a.test:1234", &[]).await,
        403
    );
    let http = "http://a.test:1234/echo";
    assert_eq!(
        status(addr, http, "a.test:1234", "http://a.test:1234", &[]).await,
        101
    );
    assert_eq!(
        status(addr, http, "a.test:1234", "https://a.test:1234", &[]).await,
        403
    );
}

#[tokio::test]
async fn rfc6454_4_forwarded_same_origin_refuses_origins_that_are_not_http_or_https() {
    let addr = serve(app(ForwardedSameOrigin::x_forwarded_host())).await;
    let forwarded = |host: &'static str| [("X-Forwarded-Host", host)];
    let upstream = "127.0.0.1:3000";
    let public = forwarded("app.example.com");
    for origin in ["https://app.example.com", "http://app.example.com"] {
        assert_eq!(status(addr, "/echo", upstream, origin, &public).await, 101);
    }
    for origin in ["ws://app.example.com", "wss://app.example.com"] {
        assert_eq!(
            status(addr, "/echo", upstream, origin, &public).await,
            403,
            "{origin}"
        );
    }
    let with_port = forwarded("app.example.com:8443");
    let extension = "chrome-extension://app.example.com:8443";
    assert_eq!(
        status(addr, "/echo", upstream, extension, &with_port).await,
        403
    );
    // Without the header, judged as SameOrigin judges the request's own host.
    let extension = "chrome-extension://victim.test:8443";
    assert_eq!(
        status(addr, "/echo", "victim.test:8443", extension, &[]).await,
        403
    );
}

// ---------------------------------------------------------------------------------------
// AllowedOrigins: entries are origins
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rfc6454_6_2_allowed_origins_entry_with_default_port_matches_the_browser_form() {
    let list = AllowedOrigins::new(["https://API.Example.NET:443/", "http://localhost:80"]);
    let addr = serve(app(list)).await;
    let host = addr.to_string();
    // What browsers send: the serialization, which omits the default port.
    for origin in [
        "https://api.example.net",
        "https://api.example.net:443",
        "http://localhost",
    ] {
        assert_eq!(
            status(addr, "/echo", &host, origin, &[]).await,
            101,
            "{origin}"
        );
    }
    for origin in [
        "http://api.example.net",
        "https://api.example.net:80",
        "http://api.example.net:443",
        "https://localhost",
        "http://localhost:8080",
    ] {
        assert_eq!(
            status(addr, "/echo", &host, origin, &[]).await,
            403,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn rfc6454_6_2_allowed_origins_entry_without_port_matches_an_explicit_default_port() {
    let list = AllowedOrigins::new(["https://api.example.net"]);
    let addr = serve(app(list)).await;
    let host = addr.to_string();
    for origin in ["https://api.example.net", "https://API.example.net:443"] {
        assert_eq!(
            status(addr, "/echo", &host, origin, &[]).await,
            101,
            "{origin}"
        );
    }
    let origin = "https://api.example.net:8443";
    assert_eq!(status(addr, "/echo", &host, origin, &[]).await, 403);
}

#[test]
fn wildcards_over_a_top_level_domain_are_refused_when_built() {
    for pattern in [
        "https://*.com",
        "https://*.COM/",
        "http://*.com:8080",
        "https://*.com.",
        "https://*.uk",
        "https://*.0.0.1",
    ] {
        let error = AllowedOrigins::try_new(["https://app.example.com", pattern])
            .expect_err(pattern)
            .to_string();
        assert!(error.contains(pattern), "{error}");
    }
    for pattern in [
        "https://*.example.com",
        "https://*.a.example",
        "http://*.localhost:3000",
    ] {
        assert!(AllowedOrigins::try_new([pattern]).is_ok(), "{pattern}");
    }
}

#[test]
#[should_panic(expected = "https://*.com")]
fn a_wildcard_over_a_top_level_domain_panics_in_new() {
    let _ = AllowedOrigins::new(["https://*.com"]);
}

#[test]
fn rfc6454_4_allowed_origins_refuses_websocket_scheme_entries_when_built() {
    // A page's origin is never `ws:` or `wss:`: an entry with one could never match.
    for entry in [
        "wss://api.example.net",
        "ws://localhost:3000",
        "wss://*.example.net",
    ] {
        let error = AllowedOrigins::try_new([entry])
            .expect_err(entry)
            .to_string();
        assert!(error.contains("https"), "{error}");
    }
}
