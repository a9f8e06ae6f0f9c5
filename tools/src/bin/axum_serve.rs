//! Echo servers on `axum::serve` with its default configuration: what a user gets who
//! writes the README's example, beside axum's own extractor served the same way. Used by
//! `benches/e2e.sh` (handshakes) and `benches/throughput.sh` (messages).
//!
//! ```text
//! cargo run --release -p ws-bench-tools --bin axum_serve -- --ws layer|layer-4k|deflate|axum [--addr HOST:PORT]
//! ```
//!
//! - `layer`: `WebSocketLayer::new()` on the `/echo` route, `on_websocket` (the
//!   README's placement and socket);
//! - `layer-4k`: the same layer, the socket built by hand from `on_upgrade`'s raw
//!   connection with tokio-tungstenite and a 4 KiB read buffer: what `on_websocket` gave
//!   before it read ahead, kept as the baseline of small messages;
//! - `deflate`: the layer with `PerMessageDeflate`, `on_deflate_websocket` (sockudo-ws);
//! - `axum`: axum 0.8's `axum::extract::ws::WebSocketUpgrade`, no layer.
//!
//! Every variant echoes text and binary messages until the stream ends. Prints
//! `listening on http://ADDR`; stops on Ctrl-C (SIGINT).

use ws_bench_tools::listen::listen;

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::response::Response;
use axum::routing::{any, get};
use axum_ws_handshake::deflate::{DeflateWebSocket, PerMessageDeflate};
use axum_ws_handshake::{UpgradedConnection, WebSocket, WebSocketLayer, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

const USAGE: &str = "usage: axum_serve --ws layer|layer-4k|deflate|axum [--addr HOST:PORT]";

/// The echo loop on tokio-tungstenite, over whichever connection.
async fn echo<S>(mut socket: WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = socket.next().await {
        if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
            break;
        }
    }
}

async fn layer_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_websocket(|socket: WebSocket| echo(socket))
}

async fn layer_4k_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(|connection: UpgradedConnection| async move {
        let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
        echo(WebSocketStream::from_raw_socket(connection, Role::Server, Some(config)).await).await;
    })
}

async fn deflate_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_deflate_websocket(|mut socket: DeflateWebSocket| async move {
        while let Some(Ok(message)) = socket.next().await {
            if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

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

fn app(ws: &str) -> Option<Router> {
    let echo = match ws {
        "layer" => any(layer_handler).layer(WebSocketLayer::new()),
        "layer-4k" => any(layer_4k_handler).layer(WebSocketLayer::new()),
        "deflate" => {
            any(deflate_handler).layer(WebSocketLayer::new().extensions(PerMessageDeflate::new()))
        }
        "axum" => any(axum_handler),
        _ => return None,
    };
    Some(
        Router::new()
            .route("/echo", echo)
            .route("/health", get(|| async { "ok" })),
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 3000));
    let mut ws = None;
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
            ("--ws", Some(value)) => ws = Some(value),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(app) = ws.as_deref().and_then(app) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if ws.as_deref() == Some("deflate") {
        // The codec's clock calibrates once, for up to 200 ms: now rather than on the
        // first connection.
        axum_ws_handshake::deflate::init_clock();
    }
    let listener = match listen(addr).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    tokio::select! {
        result = axum::serve(listener, app) => match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("serve: {e}");
                ExitCode::FAILURE
            }
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
