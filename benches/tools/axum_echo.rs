//! The baseline of the end-to-end bench: the echo example's server with axum 0.8's own
//! `axum::extract::ws::WebSocketUpgrade` in place of this crate's layer and extractor.
//! Same routes (`/echo`, `/health`, `/`), same echo loop, same connection handling
//! (`examples/common/serve.rs`: hyper's builders behind a one-read HTTP/2 sniff, a 10 s
//! header read timeout), so that the two differ only in the handshake and the codec's
//! configuration.
//!
//! ```text
//! cargo run --release --example axum_echo -- [--addr HOST:PORT]
//! ```
//!
//! Prints `listening on http://ADDR`; stops on Ctrl-C (SIGINT).

#[path = "common/listen.rs"]
mod listen;
use listen::listen;

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};

#[path = "../../examples/common/serve.rs"]
mod serve;
use serve::{HEADER_READ_TIMEOUT, serve};

/// The echo example's loop: echo text and binary messages until the stream ends (axum's
/// socket answers pings and the client's Close while it is polled).
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let echoed = matches!(
            message,
            axum::extract::ws::Message::Text(_) | axum::extract::ws::Message::Binary(_)
        );
        if echoed && socket.send(message).await.is_err() {
            break;
        }
    }
}

async fn echo_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(echo)
}

fn app() -> Router {
    Router::new()
        .route("/echo", any(echo_handler))
        .route("/health", get(|| async { "ok" }))
        .route(
            "/",
            get(|| async { Html("<!doctype html><title>echo</title>") }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found").into_response() })
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 3000));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => match value.parse() {
                Ok(a) => addr = a,
                Err(e) => {
                    eprintln!("--addr {value:?}: {e}");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("usage: axum_echo [--addr HOST:PORT]");
                return ExitCode::from(2);
            }
        }
    }
    let listener = match listen(addr).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    tokio::select! {
        // `with_state` turns the handlers into routes once, as the echo example does.
        () = serve(listener, app().with_state(()), HEADER_READ_TIMEOUT) => ExitCode::SUCCESS,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
