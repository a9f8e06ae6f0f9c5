//! Wall-clock benches (divan): the handshake beside its SHA-1 + base64 floor, and a plain
//! GET through a router with and without the layer. Requests are built outside the
//! timed loop; responses and the spent requests are dropped outside it.
//!
//! ```text
//! cargo bench --bench handshake
//! ```
//!
//! On a shared machine the times move with the load; `benches/instructions.rs` counts
//! instructions under callgrind instead, which does not.

mod common;

use std::convert::Infallible;
use std::hint::black_box;

use axum::body::Body;
use axum::response::Response;
use divan::Bencher;
use http::Request;
use tokio::runtime::Runtime;
use tower::Service;

fn main() {
    divan::main();
}

/// The hand-off task needs a runtime to be spawned on; it is run (and ends, since the
/// benches' connections never upgrade) outside the timed loop, before each input is made.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn drain(runtime: &Runtime) {
    runtime.block_on(async {
        while tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
            > 0
        {
            tokio::task::yield_now().await;
        }
    });
}

mod micro {
    use super::*;

    /// SHA-1 + base64 of the key: what any handshake must pay.
    #[divan::bench]
    fn floor_sha1_base64() -> [u8; 28] {
        common::accept_floor(black_box(b"dGhlIHNhbXBsZSBub25jZQ=="))
    }

    fn bench<S>(bencher: Bencher, mut service: S)
    where
        S: Service<Request<Body>, Response = Response, Error = Infallible>,
    {
        let runtime = runtime();
        let _entered = runtime.enter();
        bencher
            .with_inputs(|| {
                drain(&runtime);
                // Frees the requests of the last sample outside the timed section.
                common::reserve_spent(4096);
                common::chrome()
            })
            .bench_local_values(|request| common::call(&mut service, request));
    }

    /// The layer's whole work on Chrome's handshake: read, validate, negotiate, the
    /// extractor, the 101 with its headers (`accept`).
    #[divan::bench]
    fn layer_handshake(bencher: Bencher) {
        bench(bencher, common::layer_handshake());
    }

    /// The same answered with `on_upgrade`: the hand-off task spawned too.
    #[divan::bench]
    fn layer_handshake_spawned(bencher: Bencher) {
        bench(bencher, common::layer_handshake_spawned());
    }

    /// The layer's service alone: read, validate, negotiate.
    #[divan::bench]
    fn layer_negotiate(bencher: Bencher) {
        bench(bencher, common::layer_negotiate());
    }

    /// axum 0.8's `WebSocketUpgrade` extractor and `on_upgrade`, for scale.
    #[divan::bench]
    fn axum_builtin(bencher: Bencher) {
        bench(bencher, common::axum_handshake());
    }
}

mod pass_through {
    use super::*;

    fn bench<S>(bencher: Bencher, mut service: S)
    where
        S: tower::Service<
                http::Request<axum::body::Body>,
                Response = axum::response::Response,
                Error = std::convert::Infallible,
            >,
    {
        bencher
            .with_inputs(common::plain_get)
            .bench_local_values(|request| common::call(&mut service, request));
    }

    #[divan::bench]
    fn router_without_layer(bencher: Bencher) {
        bench(bencher, common::router_without_layer());
    }

    #[divan::bench]
    fn router_with_noop_layer(bencher: Bencher) {
        bench(bencher, common::router_with_noop_layer());
    }

    #[divan::bench]
    fn router_with_layer(bencher: Bencher) {
        bench(bencher, common::router_with_layer());
    }

    #[divan::bench]
    fn layer_around_router(bencher: Bencher) {
        bench(bencher, common::layer_around_router());
    }

    #[divan::bench]
    fn router_with_route_layer(bencher: Bencher) {
        bench(bencher, common::router_with_route_layer());
    }
}
