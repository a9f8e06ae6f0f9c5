//! Behind a reverse proxy: the default same-origin check reads `Host` and nothing else;
//! `ForwardedSameOrigin` reads `X-Forwarded-Host` or `Forwarded: host=` instead, when
//! asked to. First over raw HTTP/1.1 requests written as a proxy would send them, then
//! (ignored unless nginx runs with deploy/nginx.conf, as .ci/steps/51-nginx.sh does)
//! through a real nginx.

use crate::common;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::any;
use axum_ws_handshake::WebSocketLayer;
use axum_ws_handshake::policy::ForwardedSameOrigin;
use common::{Conn, Req, TIMEOUT, assert_switching_protocols, echo, serve};
use futures_util::{SinkExt, StreamExt};
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

/// The status of the answer to a handshake from "the proxy": `Host` and `headers` as
/// given, on a real connection to `addr`.
async fn status(addr: SocketAddr, host: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = Req::handshake(addr, "/echo").set("Host", host);
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

async fn default_server() -> SocketAddr {
    serve(
        Router::new()
            .route("/echo", any(echo))
            .layer(WebSocketLayer::new()),
    )
    .await
}

async fn forwarded_server(policy: ForwardedSameOrigin) -> SocketAddr {
    serve(
        Router::new()
            .route("/echo", any(echo))
            .layer(WebSocketLayer::new().origin(policy)),
    )
    .await
}

#[tokio::test]
async fn the_default_reads_host_and_ignores_forwarding_headers() {
    let addr = default_server().await;
    let host = addr.to_string();
    let own = format!("http://{addr}");
    // The client's forwarding headers change nothing: Host decides.
    let xfh = [
        ("X-Forwarded-Host", "evil.example"),
        ("Origin", "http://evil.example"),
    ];
    assert_eq!(status(addr, &host, &xfh).await, 403);
    let fwd = [
        ("Forwarded", "host=evil.example"),
        ("Origin", "http://evil.example"),
    ];
    assert_eq!(status(addr, &host, &fwd).await, 403);
    let xfh = [
        ("X-Forwarded-Host", "app.example.com"),
        ("Origin", own.as_str()),
    ];
    assert_eq!(status(addr, &host, &xfh).await, 101);
    // A proxy that sends its upstream's name as Host breaks the default check…
    let rewritten = [
        ("X-Forwarded-Host", host.as_str()),
        ("Origin", own.as_str()),
    ];
    assert_eq!(status(addr, "upstream.internal", &rewritten).await, 403);
    // …unless it forwards the client's Host (nginx: proxy_set_header Host $http_host).
    assert_eq!(status(addr, &host, &[("Origin", own.as_str())]).await, 101);
}

#[tokio::test]
async fn x_forwarded_host_replaces_host_when_trusted() {
    let addr = forwarded_server(ForwardedSameOrigin::x_forwarded_host()).await;
    let proxied = |value: &'static str, origin: &'static str| {
        [("X-Forwarded-Host", value), ("Origin", origin)]
    };
    let cases = [
        (proxied("app.example.com", "https://app.example.com"), 101),
        (
            proxied("app.example.com:8443", "https://app.example.com:8443"),
            101,
        ),
        (proxied("APP.example.com", "http://app.EXAMPLE.com"), 101),
        (proxied("app.example.com", "http://upstream.internal"), 403),
        (proxied("app.example.com", "https://evil.example"), 403),
        (proxied("app.example.com", "null"), 403),
        // A hop list or a malformed value: nothing says which one to trust.
        (
            proxied("evil.example, app.example.com", "https://app.example.com"),
            403,
        ),
        (
            proxied("evil.example, app.example.com", "https://evil.example"),
            403,
        ),
        (proxied("app.example.com/x", "https://app.example.com"), 403),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            status(addr, "upstream.internal", &headers).await,
            expected,
            "{headers:?}"
        );
    }
    // Two lines (a client's value and a proxy's appended one): refused.
    let two = [
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Host", "app.example.com"),
        ("Origin", "https://app.example.com"),
    ];
    assert_eq!(status(addr, "upstream.internal", &two).await, 403);
    // Not through the proxy (no header): judged by Host, as the default does.
    let own = format!("http://{addr}");
    assert_eq!(
        status(addr, &addr.to_string(), &[("Origin", own.as_str())]).await,
        101
    );
    assert_eq!(
        status(addr, "upstream.internal", &[("Origin", own.as_str())]).await,
        403
    );
    // No Origin: a non-browser client, let through by default (require_origin is off).
    assert_eq!(
        status(addr, "upstream.internal", &[("X-Forwarded-Host", "a.test")]).await,
        101
    );
}

#[tokio::test]
async fn rfc7239_forwarded_host_replaces_host_when_trusted() {
    let addr = forwarded_server(ForwardedSameOrigin::forwarded()).await;
    let proxied =
        |value: &'static str, origin: &'static str| [("Forwarded", value), ("Origin", origin)];
    let cases = [
        (
            proxied(
                r#"for=192.0.2.60;proto=https;host="app.example.com""#,
                "https://app.example.com",
            ),
            101,
        ),
        (
            proxied(
                r#"host="app.example.com:8443";proto=https"#,
                "https://app.example.com:8443",
            ),
            101,
        ),
        (proxied("host=app.example.com", "https://evil.example"), 403),
        (
            proxied(
                "for=192.0.2.43, host=app.example.com",
                "https://app.example.com",
            ),
            403,
        ),
        (
            proxied(
                "host=app.example.com;host=evil.example",
                "https://evil.example",
            ),
            403,
        ),
        (
            proxied("host=app.example.com:443", "https://app.example.com"),
            403,
        ),
        // No host parameter: the proxy says nothing about the host; Host decides.
        (
            proxied("for=192.0.2.60;proto=http", "http://upstream.internal"),
            101,
        ),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            status(addr, "upstream.internal", &headers).await,
            expected,
            "{headers:?}"
        );
    }
    // X-Forwarded-Host is not what this variant reads.
    let xfh = [
        ("X-Forwarded-Host", "app.example.com"),
        ("Origin", "https://app.example.com"),
    ];
    assert_eq!(status(addr, "upstream.internal", &xfh).await, 403);
}

// ---------------------------------------------------------------------------------------
// Through nginx
// ---------------------------------------------------------------------------------------

/// Where deploy/nginx.conf expects this test's server, and the nginx ports in front of
/// it: 39055 rewrites Host and sets X-Forwarded-Host, 39056 sets Forwarded.
const UPSTREAM: &str = "127.0.0.1:39057";
const VIA_X_FORWARDED_HOST: &str = "127.0.0.1:39055";
const VIA_FORWARDED: &str = "127.0.0.1:39056";

/// Opens a WebSocket to `url` with `headers`; echoes one message if it opened. The
/// handshake's status either way.
async fn ws_status(url: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().append(name, value.parse().unwrap());
    }
    match timeout(TIMEOUT, connect_async(request))
        .await
        .expect("in time")
    {
        Ok((mut ws, response)) => {
            ws.send(Message::text("through nginx")).await.unwrap();
            let echoed = timeout(TIMEOUT, ws.next()).await.unwrap().unwrap().unwrap();
            assert_eq!(echoed, Message::text("through nginx"));
            ws.close(None).await.unwrap();
            response.status().as_u16()
        }
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("{url}: {other}"),
    }
}

#[tokio::test]
#[ignore = "needs nginx with deploy/nginx.conf on 127.0.0.1:39055-39056; run by .ci/steps/51-nginx.sh"]
async fn behind_nginx_forwarding_headers() {
    let listener = tokio::net::TcpListener::bind(UPSTREAM)
        .await
        .expect("bind the upstream port of deploy/nginx.conf");
    let app = Router::new()
        .route("/default", any(echo))
        .route_layer(WebSocketLayer::new())
        .merge(
            Router::new()
                .route("/xfh", any(echo))
                .route_layer(WebSocketLayer::new().origin(ForwardedSameOrigin::x_forwarded_host())),
        )
        .merge(
            Router::new()
                .route("/fwd", any(echo))
                .route_layer(WebSocketLayer::new().origin(ForwardedSameOrigin::forwarded())),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });

    for (proxy, path) in [(VIA_X_FORWARDED_HOST, "/xfh"), (VIA_FORWARDED, "/fwd")] {
        let url = format!("ws://{proxy}{path}");
        let own = format!("http://{proxy}");
        assert_eq!(
            ws_status(&url, &[("origin", &own)]).await,
            101,
            "{url} same-origin"
        );
        assert_eq!(ws_status(&url, &[]).await, 101, "{url} without Origin");
        let cross = [("origin", "http://evil.example")];
        assert_eq!(ws_status(&url, &cross).await, 403, "{url} cross-origin");
        // A client's own forwarding headers are replaced by nginx's proxy_set_header.
        let forged = [
            ("origin", "http://evil.example"),
            ("x-forwarded-host", "evil.example"),
            ("forwarded", "host=evil.example"),
        ];
        assert_eq!(ws_status(&url, &forged).await, 403, "{url} forged");
    }
    // The default policy behind the same proxy: Host is `upstream.internal`, so a page
    // served through the proxy is refused. This is what the option is for.
    let url = format!("ws://{VIA_X_FORWARDED_HOST}/default");
    let own = format!("http://{VIA_X_FORWARDED_HOST}");
    assert_eq!(ws_status(&url, &[("origin", &own)]).await, 403);
}
