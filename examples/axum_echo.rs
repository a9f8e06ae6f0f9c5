//! The baseline of the end-to-end bench: the echo example's server with axum 0.8's own
//! `axum::extract::ws::WebSocketUpgrade` in place of this crate's layer and extractor.
//! Same routes (`/echo`, `/health`, `/`), same echo loop, same connection handling
//! (hyper-util's auto builder with a 10 s header read timeout), so that the two differ
//! only in the handshake and the codec's configuration.
//!
//! ```text
//! cargo run --release --example axum_echo -- [--addr HOST:PORT]
//! ```
//!
//! Prints `listening on http://ADDR`; stops on Ctrl-C (SIGINT).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;

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

const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The echo example's `serve`.
async fn serve(listener: tokio::net::TcpListener, app: Router) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol();
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        tokio::spawn(async move {
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await;
        });
    }
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
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "listening on http://{}",
        listener.local_addr().unwrap_or(addr)
    );
    tokio::select! {
        () = serve(listener, app()) => ExitCode::SUCCESS,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
