//! What the benches measure, shared by the timed bench (`handshake.rs`, divan) and the
//! instruction-counting one (`instructions.rs`, callgrind): the requests, the services
//! and the floor.

#![allow(dead_code)] // each bench uses a part

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::policy::AllowedHosts;
use axum_ws_handshake::{PendingUpgrade, WebSocketLayer, WebSocketUpgrade};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderName, HeaderValue, Request};
use sha1::{Digest, Sha1};
use tower::{Layer, Service};

/// The request head Chrome 131 sends for `new WebSocket(url, ["chat", "superchat"])`
/// from a page of the same origin, in Chrome's order: with `Origin`, a subprotocol
/// offer and a permessage-deflate offer.
pub const CHROME: &[(&str, &str)] = &[
    ("host", "example.com"),
    ("connection", "Upgrade"),
    ("pragma", "no-cache"),
    ("cache-control", "no-cache"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ),
    ("upgrade", "websocket"),
    ("origin", "https://example.com"),
    ("sec-websocket-version", "13"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
    ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    (
        "sec-websocket-extensions",
        "permessage-deflate; client_max_window_bits",
    ),
    ("sec-websocket-protocol", "chat, superchat"),
];

/// A browser's plain page load.
pub const PLAIN_GET: &[(&str, &str)] = &[
    ("host", "example.com"),
    ("connection", "keep-alive"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ),
    ("accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
];

/// A request as hyper hands it over: header values are slices of one shared buffer, and
/// an upgrade request carries an `OnUpgrade` (here one whose connection never upgrades).
pub fn request(uri: &str, head: &[(&str, &str)], upgrade: bool) -> Request<Body> {
    let mut buffer = Vec::new();
    for (_, value) in head {
        buffer.extend_from_slice(value.as_bytes());
    }
    let buffer = Bytes::from(buffer);
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    let mut at = 0;
    for &(name, value) in head {
        let slice = buffer.slice(at..at + value.len());
        at += value.len();
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_maybe_shared(slice).unwrap(),
        );
    }
    if upgrade {
        let on_upgrade = hyper::upgrade::on(&mut request);
        request.extensions_mut().insert(on_upgrade);
    }
    request
}

pub fn chrome() -> Request<Body> {
    request("/ws", CHROME, true)
}

pub fn plain_get() -> Request<Body> {
    request("/", PLAIN_GET, false)
}

/// The floor of any handshake: `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)), with
/// the crates the layer uses, into a stack buffer.
#[inline(never)]
pub fn accept_floor(key: &[u8]) -> [u8; 28] {
    let digest = Sha1::new()
        .chain_update(key)
        .chain_update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .finalize();
    let mut out = [0; 28];
    STANDARD.encode_slice(digest, &mut out).unwrap();
    out
}

/// The layer as an app configures it for the Chrome handshake: same-origin (the
/// default), a subprotocol to choose, extensions declined (the default).
pub fn ws_layer() -> WebSocketLayer<
    axum_ws_handshake::policy::SameOrigin,
    axum_ws_handshake::policy::ServerPreference,
> {
    WebSocketLayer::new().subprotocols(["chat"])
}

thread_local! {
    /// Requests the handlers are done with, freed after the measured loop: the request
    /// was built outside it and hyper frees it whatever the handler did, so its drop is
    /// no part of the handshake's cost (nor, in the floor, is there a request at all).
    static SPENT: RefCell<Vec<(Parts, Body)>> = const { RefCell::new(Vec::new()) };
    /// The accepted connections of `layer_handshake`, which a server would await on a
    /// task of its own (`layer_handshake_spawned` spawns that task).
    static PENDING: RefCell<Vec<PendingUpgrade>> = const { RefCell::new(Vec::new()) };
}

/// Makes room for `count` spent requests, so that keeping them allocates nothing while
/// measuring; frees those kept before.
pub fn reserve_spent(count: usize) {
    SPENT.with_borrow_mut(|spent| {
        spent.clear();
        spent.reserve(count);
    });
    PENDING.with_borrow_mut(|pending| {
        pending.clear();
        pending.reserve(count);
    });
}

fn keep_spent(parts: Parts, body: Body) {
    SPENT.with_borrow_mut(|spent| spent.push((parts, body)));
}

/// What a handler does to accept: extract, then answer with the 101, leaving the
/// connection to await.
async fn accept_with_layer(request: Request<Body>) -> Result<Response, Infallible> {
    let (mut parts, body) = request.into_parts();
    let response = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => {
            let (response, pending) = ws.accept();
            PENDING.with_borrow_mut(|kept| kept.push(pending));
            response
        }
        Err(rejection) => rejection.into_response(),
    };
    keep_spent(parts, body);
    Ok(response)
}

/// The same, handing the connection off with `on_upgrade`: a task that waits for
/// hyper's upgrade.
async fn accept_and_spawn_with_layer(request: Request<Body>) -> Result<Response, Infallible> {
    let (mut parts, body) = request.into_parts();
    let response = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => ws.on_upgrade(|connection| async move { drop(connection) }),
        Err(rejection) => rejection.into_response(),
    };
    keep_spent(parts, body);
    Ok(response)
}

/// The same with axum's own extractor.
async fn accept_with_axum(request: Request<Body>) -> Result<Response, Infallible> {
    let (mut parts, body) = request.into_parts();
    let response =
        match axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(ws) => ws.on_upgrade(|socket| async move { drop(socket) }),
            Err(rejection) => rejection.into_response(),
        };
    keep_spent(parts, body);
    Ok(response)
}

/// The layer's whole handshake: read, validate, negotiate; the extractor; the 101 and
/// its headers (`WebSocketUpgrade::accept`).
pub fn layer_handshake() -> impl Service<Request<Body>, Response = Response, Error = Infallible> {
    ws_layer().layer(tower::service_fn(accept_with_layer))
}

/// The same with a host allow-list of three entries, the request's host the last one: what
/// the DNS-rebinding check costs when set.
pub fn layer_handshake_hosts()
-> impl Service<Request<Body>, Response = Response, Error = Infallible> {
    let hosts = AllowedHosts::new(["localhost:3000", "*.example.org", "example.com"]);
    ws_layer()
        .allowed_hosts(hosts)
        .layer(tower::service_fn(accept_with_layer))
}

/// The same answered with `on_upgrade`, which also spawns the hand-off task.
pub fn layer_handshake_spawned()
-> impl Service<Request<Body>, Response = Response, Error = Infallible> {
    ws_layer().layer(tower::service_fn(accept_and_spawn_with_layer))
}

/// The layer's part alone: read, validate, negotiate, `Negotiated` stored for the
/// handler, its answer checked; the inner service answers a 101 with an empty header
/// map that has room for the layer's subprotocol, as the extractor's has.
pub fn layer_negotiate() -> impl Service<Request<Body>, Response = Response, Error = Infallible> {
    ws_layer().layer(tower::service_fn(|request: Request<Body>| async {
        let (parts, body) = request.into_parts();
        keep_spent(parts, body);
        let mut response = Response::new(Body::empty());
        *response.status_mut() = http::StatusCode::SWITCHING_PROTOCOLS;
        *response.headers_mut() = http::HeaderMap::with_capacity(5);
        Ok::<_, Infallible>(response)
    }))
}

/// The bench's own plumbing, without a layer or a handshake: the service called and its
/// future polled, the request kept for later, an empty response. What every case pays
/// around the work it measures.
pub fn harness() -> impl Service<Request<Body>, Response = Response, Error = Infallible> {
    tower::service_fn(|request: Request<Body>| async {
        let (parts, body) = request.into_parts();
        keep_spent(parts, body);
        Ok::<_, Infallible>(Response::new(Body::empty()))
    })
}

/// axum 0.8's built-in upgrade, for scale: it checks less (no Host, Origin, key format,
/// list grammar) and negotiates nothing unless the handler asks.
pub fn axum_handshake() -> impl Service<Request<Body>, Response = Response, Error = Infallible> {
    tower::service_fn(accept_with_axum)
}

fn router() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/ws", any(|| async { "ws" }))
}

/// The routers of the pass-through bench. `with_state(())` turns handlers into routes
/// once, as `axum::serve` does.
pub fn router_without_layer() -> Router {
    router().with_state(())
}

pub fn router_with_noop_layer() -> Router {
    router()
        .layer(tower::util::MapRequestLayer::new(|r: Request<Body>| r))
        .with_state(())
}

pub fn router_with_layer() -> Router {
    router().layer(ws_layer()).with_state(())
}

/// The layer on the WebSocket route only, as the README applies it:
/// the page load's route does not go through it.
pub fn router_with_route_layer() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/ws", any(|| async { "ws" }).layer(ws_layer()))
        .with_state(())
}

/// The layer wrapped around the whole router rather than inside it (not boxed, as the
/// router alone is not).
pub fn layer_around_router() -> impl Service<Request<Body>, Response = Response, Error = Infallible>
{
    ws_layer().layer(router().with_state::<()>(()))
}

/// Polls a future that never waits (every service here answers at once).
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the service was expected to answer at once"),
    }
}

/// One request through `service`, answered.
#[inline]
pub fn call<S>(service: &mut S, request: Request<Body>) -> Response
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    ready(async {
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .unwrap();
        service.call(request).await.unwrap()
    })
}
