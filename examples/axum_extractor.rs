//! An existing axum app, its WebSocket handler on axum's own `WebSocketUpgrade`, with
//! [`WebSocketLayer`] added around the router. The handler is not changed.
//!
//! ```text
//! cargo run --example axum_extractor -- [--addr HOST:PORT]
//! ```
//!
//! `--addr`: where to listen (default `127.0.0.1:3000`); prints `listening on http://ADDR`.
//!
//! - `/echo`: the echo. The layer checks the handshake first (a foreign `Origin` gets 403,
//!   a version other than 13 gets 426), agrees the subprotocol `chat` when the client
//!   offers it and writes it into axum's 101, which would otherwise lack it. axum's
//!   socket does not know of it (`WebSocket::protocol` is `None`): a handler that needs
//!   it takes `axum_ws_handshake::Negotiated` beside `WebSocketUpgrade`.
//! - `/`: a page. An upgrade attempt to it gets 404 from the layer, not the page.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{Html, Response};
use axum::routing::{any, get};
use axum_ws_handshake::WebSocketLayer;

const USAGE: &str = "usage: axum_extractor [--addr HOST:PORT]";

/// The app's handler, as it was before the layer came.
async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(|mut socket: WebSocket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            let data = matches!(message, Message::Text(_) | Message::Binary(_));
            if data && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = match args.as_slice() {
        [] => "127.0.0.1:3000",
        [flag, addr] if flag == "--addr" => addr.as_str(),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        // `any`: a WebSocket comes as a GET over HTTP/1.1, a CONNECT over HTTP/2.
        .route("/echo", any(echo))
        // The one line added. Around the router rather than on `/echo`, so that it also
        // answers upgrade attempts to the app's other routes (404).
        .layer(WebSocketLayer::new().subprotocols(["chat"]));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // HTTP/1.1 and HTTP/2 (h2c, with extended CONNECT for WebSockets).
    axum::serve(listener, app).await
}

/// A page whose script opens a WebSocket to `/echo` offering `chat`.
const PAGE: &str = r#"<!doctype html>
<title>axum extractor behind the layer</title>
<pre id="log"></pre>
<script>
  const log = (line) => (document.getElementById("log").textContent += line + "\n");
  const ws = new WebSocket(new URL("/echo", location.href.replace(/^http/, "ws")), ["chat"]);
  ws.onopen = () => { log(`open, subprotocol ${ws.protocol}`); ws.send("hello"); };
  ws.onmessage = (event) => { log(`echo: ${event.data}`); ws.close(1000); };
  ws.onclose = (event) => log(`closed ${event.code}`);
</script>
"#;
