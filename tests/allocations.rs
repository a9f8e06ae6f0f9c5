//! Allocations counted by a global allocator: the layer adds none to requests that are
//! not upgrade attempts, and a bounded, small number to a handshake.
//!
//! Counting is per thread (the futures are polled on the test's own thread), so tests
//! running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::get;
use axum_ws_handshake::WebSocketLayer;
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use tower::{Layer, Service, ServiceExt};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Polls a future that never waits (every service here answers at once) to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the service was expected to answer at once"),
    }
}

/// Allocations made while `service` answers `request` (the request is built outside).
fn allocations<S>(service: &mut S, request: Request<Body>) -> u64
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    let before = ALLOCATIONS.with(Cell::get);
    let response = ready(async { service.ready().await.unwrap().call(request).await.unwrap() });
    let after = ALLOCATIONS.with(Cell::get);
    drop(response);
    after - before
}

/// A request whose header values are shared `Bytes`, as hyper's are (slices of its read
/// buffer): cloning one costs a reference count, not an allocation.
fn request(uri: &str, headers: &[(&'static str, &'static str)]) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    for &(name, value) in headers {
        request
            .headers_mut()
            .append(name, HeaderValue::from_static(value));
    }
    request
}

fn plain_get() -> Request<Body> {
    request("/", &[("host", "example.com"), ("accept", "*/*")])
}

/// Stands in for the `OnUpgrade` that hyper puts in the extensions of every upgrade
/// request before the layer sees it: the extension map already exists then.
#[derive(Clone)]
struct HyperOnUpgrade;

/// Chrome's handshake: same-origin, a subprotocol offer and a deflate offer.
fn chrome_handshake() -> Request<Body> {
    let mut request = request(
        "/ws",
        &[
            ("host", "example.com"),
            ("connection", "Upgrade"),
            ("pragma", "no-cache"),
            ("cache-control", "no-cache"),
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
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
        ],
    );
    request.extensions_mut().insert(HyperOnUpgrade);
    request
}

/// An inner service that allocates nothing, so a difference is the layer's own.
fn bare() -> impl Service<Request<Body>, Response = Response, Error = Infallible> + Clone {
    tower::service_fn(|_request: Request<Body>| async {
        Ok::<_, Infallible>(Response::new(Body::empty()))
    })
}

/// An inner service that answers like this crate's extractor: a 101 whose header map has
/// room for the handshake's headers (the map is its only allocation, counted apart), so
/// that the layer's subprotocol goes in without growing it.
fn accepting() -> impl Service<Request<Body>, Response = Response, Error = Infallible> + Clone {
    tower::service_fn(|_request: Request<Body>| async {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        *response.headers_mut() = HeaderMap::with_capacity(5);
        Ok::<_, Infallible>(response)
    })
}

fn router() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
}

#[test]
fn pass_through_adds_no_allocation() {
    let mut without = bare();
    let mut with = WebSocketLayer::new().layer(bare());
    assert_eq!(allocations(&mut without, plain_get()), 0);
    assert_eq!(
        allocations(&mut with, plain_get()),
        0,
        "the layer allocated on a plain GET"
    );
}

#[test]
fn pass_through_in_a_router_costs_what_any_layer_costs() {
    // `Router::layer` boxes every route anew, whatever the layer: compare with a layer
    // that does nothing, and report the router without any layer. `with_state(())` turns
    // handlers into routes once, as `axum::serve` does (`Router::into_service` defers it
    // to every request, where axum also boxes a clone of any layer that is not zero-sized).
    let mut without = router().with_state::<()>(());
    let mut noop = router()
        .layer(tower::util::MapRequestLayer::new(|r: Request<Body>| r))
        .with_state::<()>(());
    let mut with = router().layer(WebSocketLayer::new()).with_state::<()>(());
    for service in [&mut without, &mut noop, &mut with] {
        allocations(service, plain_get()); // warm up
    }
    let (without, noop, with) = (
        allocations(&mut without, plain_get()),
        allocations(&mut noop, plain_get()),
        allocations(&mut with, plain_get()),
    );
    println!(
        "plain GET through a Router: {without} allocations without a layer, {noop} with a no-op layer, {with} with WebSocketLayer"
    );
    assert_eq!(
        with, noop,
        "WebSocketLayer must cost no more than a layer that does nothing"
    );
}

#[test]
fn a_handshake_costs_one_allocation() {
    let inner = allocations(&mut accepting(), chrome_handshake());
    assert_eq!(inner, 2, "the inner service's header map");

    let mut layered = WebSocketLayer::new().layer(accepting());
    let own = allocations(&mut layered, chrome_handshake()) - inner;
    println!("Chrome handshake, no subprotocol chosen: {own} allocations made by the layer");
    // The boxed `Negotiated` in the request's extensions.
    assert_eq!(own, 1);

    let mut layered = WebSocketLayer::new()
        .subprotocols(["superchat", "chat"])
        .layer(accepting());
    let own = allocations(&mut layered, chrome_handshake()) - inner;
    println!(
        "Chrome handshake, subprotocol chosen from a list: {own} allocations made by the layer"
    );
    // No more: the chosen protocol's header value is the policy's own, shared, and goes
    // into the answer's header map, which has room for it.
    assert_eq!(own, 1);

    let mut layered = WebSocketLayer::new()
        .subprotocol(axum_ws_handshake::policy::subprotocol_fn(|offer| {
            offer == "chat"
        }))
        .layer(accepting());
    let own = allocations(&mut layered, chrome_handshake()) - inner;
    println!("Chrome handshake, subprotocol chosen by a closure: {own} allocations");
    // A closure's choice is copied out of the offered list into a header value, which the
    // handler's `Negotiated` and the answer then share: `bytes` allocates the sharing on
    // a copied value's first clone.
    assert_eq!(own, 3);
}

/// With permessage-deflate agreed: the check that the policy accepted only what was
/// offered, and at most one extension on RSV1, reads the accepted value where it is.
#[cfg(feature = "deflate")]
#[test]
fn a_deflate_handshake_allocates_only_for_what_was_agreed() {
    let inner = allocations(&mut accepting(), chrome_handshake());
    let mut layered = WebSocketLayer::new()
        .extensions(axum_ws_handshake::deflate::PerMessageDeflate::new())
        .layer(accepting());
    let own = allocations(&mut layered, chrome_handshake()) - inner;
    println!("Chrome handshake, permessage-deflate agreed: {own} allocations made by the layer");
    // The layer's checks of the policy's answer allocate nothing: they read it in place
    // (10 when they copied it into a header map of its own); the rest is the boxed
    // `Negotiated` and what the policy builds for the agreement.
    assert_eq!(own, 8);
}

/// A refused version (426): the `Sec-WebSocket-Version` value naming a set other than
/// RFC 6455's own is formatted once, by the error's response, and not again to check the
/// hook's answer for it.
#[test]
fn a_version_refusal_names_the_versions_once() {
    let offer_8 = || {
        let mut request = chrome_handshake();
        request
            .headers_mut()
            .insert("sec-websocket-version", HeaderValue::from_static("8"));
        request
    };
    let mut layered = WebSocketLayer::new()
        .versions(axum_ws_handshake::policy::SupportedVersions::new([13, 7]))
        .layer(accepting());
    let own = allocations(&mut layered, offer_8());
    println!("version 8 refused, versions 13 and 7 named: {own} allocations");
    // 11 when it was formatted twice: once more, before the hook ran, to check its
    // answer for it.
    assert_eq!(own, 7);
    let response = ready(layered.call(offer_8())).unwrap();
    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(response.headers()["sec-websocket-version"], "13, 7");
}
