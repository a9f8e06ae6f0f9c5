//! The echo server: a WebSocket echo on `/echo` behind [`WebSocketLayer`], a health check
//! and a browser client.
//!
//! ```text
//! cargo run --release --example echo -- [--addr HOST:PORT] [--protocol NAME]... [--origin ORIGIN]... [--deflate]
//! ```
//!
//! - `--addr`: where to listen (default `127.0.0.1:3000`); prints `listening on http://ADDR`.
//! - `--protocol NAME` (repeatable): subprotocols in the server's order of preference;
//!   none → never select one.
//! - `--origin ORIGIN` (repeatable): the Origin allow-list (exact, or `https://*.example.com`);
//!   none → same-origin only (requests without Origin accepted, `null` refused).
//! - `--deflate`: negotiate permessage-deflate (RFC 7692) with the default
//!   [`PerMessageDeflate`] policy; messages are then compressed both ways (sockudo-ws's
//!   codec, through `on_deflate_websocket`). Without it, tokio-tungstenite, no extensions.
//!
//! On SIGTERM or SIGINT it shuts down gracefully: it stops accepting, sends every open
//! WebSocket a Close with 1001 (going away), waits up to 5 s for the close handshakes and
//! the connections to end, and exits with status 0. It logs to stderr, filtered by
//! `RUST_LOG` (default `info`).

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::deflate::{DeflateWebSocket, PerMessageDeflate};
use axum_ws_handshake::policy::OriginPolicy;
use axum_ws_handshake::{GracefulShutdown, WebSocket, WebSocketLayer, WebSocketUpgrade};
use tower::Layer;

#[path = "common/echo_loop.rs"]
mod echo_loop;
#[path = "common/origins.rs"]
mod origins;
#[path = "common/serve.rs"]
mod serve;
use origins::Origins;
use serve::{HEADER_READ_TIMEOUT, serve_with_shutdown};
#[path = "common/shutdown.rs"]
mod shutdown;
use shutdown::{Signals, init_logging, run_until_signal};

const USAGE: &str =
    "usage: echo [--addr HOST:PORT] [--protocol NAME]... [--origin ORIGIN]... [--deflate]";

struct Options {
    addr: SocketAddr,
    protocols: Vec<String>,
    origins: Vec<String>,
    deflate: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        protocols: Vec::new(),
        origins: Vec::new(),
        deflate: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--addr" => {
                let addr = value("--addr")?;
                options.addr = addr.parse().map_err(|e| format!("--addr {addr:?}: {e}"))?;
            }
            "--protocol" => options.protocols.push(value("--protocol")?),
            "--origin" => options.origins.push(value("--origin")?),
            "--deflate" => options.deflate = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// The echo on tokio-tungstenite, closing with 1001 when the server shuts down.
async fn echo(mut socket: WebSocket) {
    echo_loop::echo(&mut socket).await;
}

/// The socket's task is tracked by the shutdown, and its signal fires when it starts.
async fn echo_handler(State(shutdown): State<GracefulShutdown>, ws: WebSocketUpgrade) -> Response {
    ws.graceful_shutdown(shutdown).on_websocket(echo)
}

/// [`echo`] on the codec that implements permessage-deflate.
async fn echo_deflate(mut socket: DeflateWebSocket) {
    echo_loop::echo_deflate(&mut socket).await;
}

/// The handler behind a layer with [`PerMessageDeflate`]: `on_deflate_websocket`, since
/// `on_websocket` (tokio-tungstenite) answers 500 once deflate was negotiated.
async fn echo_deflate_handler(
    State(shutdown): State<GracefulShutdown>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.graceful_shutdown(shutdown)
        .on_deflate_websocket(echo_deflate)
}

/// The handshake's policies, from the command line.
fn layer(options: &Options) -> Result<WebSocketLayer<impl OriginPolicy>, String> {
    let origin = Origins::new(&options.origins).map_err(|e| format!("--origin: {e}"))?;
    Ok(WebSocketLayer::new().origin(origin).subprotocol(
        axum_ws_handshake::policy::ServerPreference::try_new(&options.protocols)
            .map_err(|e| format!("--protocol: {e}"))?,
    ))
}

/// The routes, without the layer: `main` wraps the whole router in it.
///
/// Around the router rather than on `/echo` alone (`any(..).layer(..)`, as the README
/// does): the handshake is this server's main traffic, and axum boxes a layered route
/// and clones the box on every request, two allocations per handshake, while around the
/// router the layer is not boxed and costs the other routes about 240 instructions (the
/// `Upgrade` lookup, the call, the move). An app serving mostly pages puts it on the
/// WebSocket route instead, which those pages then do not pay at all.
fn routes(deflate: bool, shutdown: GracefulShutdown) -> Router {
    let echo = if deflate {
        any(echo_deflate_handler)
    } else {
        any(echo_handler)
    };
    Router::new()
        .route("/echo", echo)
        .route("/health", get(|| async { "ok" }))
        .route("/", get(|| async { Html(PAGE) }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found").into_response() })
        // Each request would otherwise clone and box the routes' handlers (what
        // `axum::serve` avoids the same way, through `into_make_service`).
        .with_state(shutdown)
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if options.deflate {
        // The codec's clock calibrates once, for up to 200 ms: now rather than on the
        // first connection.
        axum_ws_handshake::deflate::init_clock();
    }
    let layer = match layer(&options) {
        Ok(layer) => layer,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let shutdown = GracefulShutdown::new();
    let routes = routes(options.deflate, shutdown.clone());
    let listener = match tokio::net::TcpListener::bind(options.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    // Before the line below: a signal sent once it is printed is handled.
    let signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(options.addr);
    println!("listening on http://{addr}");
    let server = async {
        let shutdown = shutdown.clone();
        if options.deflate {
            let layer = layer.extensions(PerMessageDeflate::new());
            serve_with_shutdown(listener, layer.layer(routes), HEADER_READ_TIMEOUT, shutdown).await;
        } else {
            serve_with_shutdown(listener, layer.layer(routes), HEADER_READ_TIMEOUT, shutdown).await;
        }
    };
    run_until_signal(server, &shutdown, signals).await;
    ExitCode::SUCCESS
}

/// A small browser client for `/echo`.
const PAGE: &str = include_str!("page/echo.html");
