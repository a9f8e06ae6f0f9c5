//! The layer among the tower-http middleware an existing app already carries:
//! `TraceLayer`, `CorsLayer`, `CompressionLayer` and `TimeoutLayer`, around the
//! `WebSocketLayer` or inside it, with handlers on both extractors, over HTTP/1.1 and
//! HTTP/2 (h2c). Black-box over TCP.
//!
//! What the tests find (docs/DEPLOY.md has the advice):
//! - handshakes, the echo and the layer's refusals are the same in either order with
//!   the layers' defaults; CORS never refuses a WebSocket (the origin policy does);
//! - `CompressionLayer` outside compresses the refusals' text bodies for a client that
//!   accepts gzip (browsers send `Accept-Encoding` on the handshake); it leaves the 101
//!   and HTTP/2's 200 alone, since their empty body is under its 32-byte minimum;
//! - with a predicate that compresses empty bodies too, `CompressionLayer` must sit
//!   outside: inside, HTTP/2's empty 200 becomes a gzip body, no longer an open tunnel to
//!   the layer, which answers 404 to every WebSocket over HTTP/2;
//! - `TimeoutLayer`'s limit ends with the handshake's answer: the WebSocket after the
//!   101 (or the 200) is not limited; a handler slower than it gets the 408, which
//!   passes the layer as any decline does;
//! - `TraceLayer` outside sees what the client gets (the layer's 403, 404, 426);
//!   inside, it sees no refusal of the layer, and a route's 200 where the client got
//!   the layer's 404.

use crate::common;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum::routing::any;
use axum_ws_handshake::{HandshakeError, WebSocketLayer};
use common::attempt::{BOTH, Http, accepted, refused};
use common::h2::serve_h2c;
use common::{RawResponse, TIMEOUT, axum_echo, echo};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::SizeAbove;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// `TimeoutLayer`'s limit in the test of it; the others have [`TIMEOUT`]'s, which no
/// answer reaches.
const TIME_LIMIT: Duration = Duration::from_secs(1);

/// A page long enough for `CompressionLayer` to compress (its minimum is 32 bytes).
const PAGE: &str = "<!doctype html><title>page</title><p>A page of the app, not a WebSocket.";

/// The app: a page, an echo on each extractor, a handler slower than any limit.
fn routes() -> Router {
    Router::new()
        .route("/", any(|| async { Html(PAGE) }))
        .route("/axum", any(axum_echo))
        .route("/ours", any(echo))
        .route(
            "/slow",
            any(|| async {
                tokio::time::sleep(TIMEOUT * 6).await;
                StatusCode::NO_CONTENT
            }),
        )
}

/// Where tower-http's layers sit relative to the `WebSocketLayer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// `router.layer(websocket_layer).layer(tower_http)`: they see the layer's answers.
    Outside,
    /// `router.layer(tower_http).layer(websocket_layer)`: the layer sees theirs.
    Inside,
}

const ORDERS: [Order; 2] = [Order::Outside, Order::Inside];

/// The statuses `TraceLayer`'s `on_response` saw, in order.
type Seen = Arc<Mutex<Vec<u16>>>;

/// `routes()` with `WebSocketLayer::new().subprotocols(["chat"])` and the four tower-http
/// layers in `order`, compressing as `compression` says, `TimeoutLayer` with `limit`
/// ([`TIMEOUT`] if not given); served over HTTP/1.1 and h2c.
macro_rules! serve {
    ($order:expr, $compression:expr) => {
        serve!($order, $compression, TIMEOUT)
    };
    ($order:expr, $compression:expr, $limit:expr) => {{
        let seen = Seen::default();
        let record = Arc::clone(&seen);
        let tower_http = ServiceBuilder::new()
            .layer(TraceLayer::new_for_http().on_response(
                move |response: &Response<_>, _latency: Duration, _span: &_| {
                    record.lock().unwrap().push(response.status().as_u16());
                },
            ))
            .layer(CorsLayer::permissive())
            .layer($compression)
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                $limit,
            ));
        let layer = WebSocketLayer::new().subprotocols(["chat"]);
        let app = match $order {
            Order::Outside => routes().layer(layer).layer(tower_http),
            Order::Inside => routes().layer(tower_http).layer(layer),
        };
        (serve_h2c(app, true).await, seen)
    }};
}

/// A browser's headers on a same-origin handshake offering `chat`.
fn browser(origin: &str) -> [(&str, &str); 3] {
    [
        ("Origin", origin),
        ("Sec-WebSocket-Protocol", "chat"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ]
}

/// The body as text, gunzipped if `Content-Encoding: gzip`.
fn decoded(answer: &RawResponse) -> String {
    match answer.header("content-encoding") {
        None => answer.text(),
        Some("gzip") => {
            let mut text = String::new();
            flate2::read::GzDecoder::new(&answer.body[..])
                .read_to_string(&mut text)
                .expect("a gzip body");
            text
        }
        Some(other) => panic!("content-encoding {other}"),
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_handshakes_and_echo_are_unchanged_by_tower_http_in_either_order() {
    for order in ORDERS {
        let (addr, _) = serve!(order, CompressionLayer::new());
        let origin = format!("http://{addr}");
        for http in BOTH {
            for path in ["/axum", "/ours"] {
                let (answer, mut socket) = accepted(addr, http, path, &browser(&origin)).await;
                let at = format!("{order:?} {http:?} {path}");
                assert_eq!(answer.all("sec-websocket-protocol"), ["chat"], "{at}");
                // Not compressed: the answer's body is empty, under the 32-byte minimum.
                assert!(!answer.has("content-encoding"), "{at}: {}", answer.head);
                // CORS headers on the 101 do no harm.
                assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
                socket.echo_and_close(&at).await;
            }
        }
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_refusals_are_unchanged_by_tower_http_in_either_order() {
    for order in ORDERS {
        let (addr, _) = serve!(order, CompressionLayer::new());
        let origin = format!("http://{addr}");
        let foreign = browser("https://evil.example");
        let mut version_8 = browser(&origin);
        version_8[1] = ("Sec-WebSocket-Version", "8");
        let cases = [
            ("/axum", &foreign, HandshakeError::OriginRefused),
            ("/ours", &version_8, version_8_error()),
            ("/", &browser(&origin), HandshakeError::NotWebSocketResource),
        ];
        for http in BOTH {
            for (path, headers, error) in &cases {
                let at = format!("{order:?} {http:?} {path}");
                let answer = refused(addr, http, path, *headers).await;
                assert_eq!(
                    answer.status,
                    error.status().as_u16(),
                    "{at}: {}",
                    answer.head
                );
                // CORS answers no WebSocket handshake: the layer's origin policy does.
                let body = decoded(&answer);
                assert!(body.starts_with(error.message()), "{at}: {body:?}");
                // The layer's text is compressed by a CompressionLayer outside it only.
                let compressed = answer.header("content-encoding") == Some("gzip");
                assert_eq!(compressed, order == Order::Outside, "{at}: {}", answer.head);
            }
        }
    }
}

fn version_8_error() -> HandshakeError {
    HandshakeError::UnsupportedVersion {
        supported: Default::default(),
    }
}

#[tokio::test]
async fn rfc8441_5_a_compression_of_empty_bodies_belongs_outside_the_layer() {
    // `SizeAbove::new(0)` compresses empty bodies too. Outside the layer it adds
    // `Content-Encoding: gzip` to the 101 and the 200 but the WebSocket works: hyper
    // sends no body with a 101, nor with a 2xx to a CONNECT. Inside, HTTP/2's answer
    // reaches the layer as a 200 with a gzip body: no open tunnel, so a 404.
    for order in ORDERS {
        let (addr, _) = serve!(
            order,
            CompressionLayer::new().compress_when(SizeAbove::new(0))
        );
        let origin = format!("http://{addr}");
        for http in BOTH {
            let at = format!("{order:?} {http:?}");
            if order == Order::Inside && http == Http::V2 {
                let answer = refused(addr, http, "/axum", &browser(&origin)).await;
                assert_eq!(answer.status, 404, "{at}: {}", answer.head);
                continue;
            }
            let (answer, mut socket) = accepted(addr, http, "/axum", &browser(&origin)).await;
            assert_eq!(answer.header("content-encoding"), Some("gzip"), "{at}");
            socket.echo_and_close(&at).await;
        }
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_timeout_layers_limit_ends_with_the_handshakes_answer() {
    for order in ORDERS {
        let (addr, _) = serve!(order, CompressionLayer::new(), TIME_LIMIT);
        let origin = format!("http://{addr}");
        let check = async |http: Http| {
            let at = format!("{order:?} {http:?}");
            // The WebSocket outlives the limit.
            let outlives = async {
                let (_, mut socket) = accepted(addr, http, "/axum", &browser(&origin)).await;
                tokio::time::sleep(TIME_LIMIT * 3 / 2).await;
                socket.echo_and_close(&at).await;
            };
            // A handler slower than the limit: the 408 is a decline (RFC 6455 §4.2.2
            // steps 2-3), passed unchanged.
            let slow = async {
                let answer = refused(addr, http, "/slow", &browser(&origin)).await;
                assert_eq!(answer.status, 408, "{at}: {}", answer.head);
            };
            tokio::join!(outlives, slow);
        };
        tokio::join!(check(Http::V1), check(Http::V2));
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_trace_layer_outside_sees_what_the_client_gets() {
    for order in ORDERS {
        let (addr, seen) = serve!(order, CompressionLayer::new());
        let origin = format!("http://{addr}");
        let foreign = browser("https://evil.example");
        // The accepted handshake, the layer's 403 and its 404 for the page.
        let _ = accepted(addr, Http::V1, "/axum", &browser(&origin)).await;
        let _ = refused(addr, Http::V1, "/axum", &foreign).await;
        let _ = refused(addr, Http::V1, "/", &browser(&origin)).await;
        let seen = seen.lock().unwrap().clone();
        let expected = match order {
            Order::Outside => vec![101, 403, 404],
            // The 403 never reached it, and the page's 200 is what the layer replaced.
            Order::Inside => vec![101, 200],
        };
        assert_eq!(seen, expected, "{order:?}");
    }
}
