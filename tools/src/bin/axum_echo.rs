//! The tuned pair of the end-to-end and throughput benches: the echo example's routes
//! (`/echo`, `/health`, `/`) and echo loop with either this crate's layer and extractor
//! around the router (`--ws layer`) or axum 0.8's own `axum::extract::ws::WebSocketUpgrade`
//! (`--ws axum`, the default), both on the same connection handling
//! ([`ws_bench_tools::serve`]: hyper's builders behind a one-read HTTP/2 sniff, a 10 s
//! header read timeout), so that the two differ only in the handshake and the codec's
//! configuration.
//!
//! ```text
//! cargo run --release -p ws-bench-tools --bin axum_echo -- [--ws axum|layer] [--addr HOST:PORT]
//! ```
//!
//! Prints `listening on http://ADDR`; stops on Ctrl-C (SIGINT).

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::WebSocketLayer;
use futures_util::{SinkExt, StreamExt};
use tower::Layer;
use ws_bench_tools::listen::listen;
use ws_bench_tools::serve::{HEADER_READ_TIMEOUT, serve};

const USAGE: &str = "usage: axum_echo [--ws axum|layer] [--addr HOST:PORT]";

/// The echo loop on axum's socket: text and binary messages back until the stream ends
/// (axum's socket answers pings and the client's Close while it is polled).
async fn axum_handler(ws: axum::extract::ws::WebSocketUpgrade) -> Response {
    ws.on_upgrade(|mut socket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            let echoed = matches!(
                message,
                axum::extract::ws::Message::Text(_) | axum::extract::ws::Message::Binary(_)
            );
            if echoed && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

/// The same loop on this crate's socket (tokio-tungstenite).
async fn layer_handler(ws: axum_ws_handshake::WebSocketUpgrade) -> Response {
    ws.on_websocket(|mut socket| async move {
        while let Some(Ok(message)) = socket.next().await {
            if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

fn routes(echo: axum::routing::MethodRouter) -> Router {
    Router::new()
        .route("/echo", echo)
        .route("/health", get(|| async { "ok" }))
        .route(
            "/",
            get(|| async { Html("<!doctype html><title>echo</title>") }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found").into_response() })
        // Turns the handlers into routes once, instead of on every request.
        .with_state(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 3000));
    let mut layer = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().as_deref()) {
            ("--addr", Some(value)) => match value.parse() {
                Ok(a) => addr = a,
                Err(e) => {
                    eprintln!("--addr {value:?}: {e}");
                    return ExitCode::from(2);
                }
            },
            ("--ws", Some("axum")) => layer = false,
            ("--ws", Some("layer")) => layer = true,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let listener = match listen(addr).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let server = async {
        if layer {
            // Around the router, not boxed per route: the layer's cheapest placement.
            let app = WebSocketLayer::new().layer(routes(any(layer_handler)));
            serve(listener, app, HEADER_READ_TIMEOUT).await;
        } else {
            serve(listener, routes(any(axum_handler)), HEADER_READ_TIMEOUT).await;
        }
    };
    tokio::select! {
        () = server => ExitCode::SUCCESS,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
