//! The echo server: a WebSocket echo on `/echo` behind [`WebSocketLayer`], a health check
//! and a browser client, served by `axum::serve`.
//!
//! ```text
//! cargo run --release --example echo -- [--addr HOST:PORT] [--host NAME]... [--protocol NAME]... [--origin ORIGIN]... [--deflate]
//! ```
//!
//! - `--addr`: where to listen (default `127.0.0.1:3000`); prints `listening on http://ADDR`.
//! - `--host NAME` (repeatable): the hosts WebSockets may be opened at (`Host`, or
//!   `:authority` over HTTP/2), against DNS rebinding: `app.example.com`,
//!   `*.example.com`, `localhost:3000`, `[::1]`; a port must match, none matches any.
//!   Others get 421. None → on a loopback address `localhost`, `127.0.0.1` and `[::1]` at
//!   the bound port; elsewhere any host. Behind a proxy on loopback, list the names the
//!   proxy forwards as `Host`.
//! - `--protocol NAME` (repeatable): subprotocols in the server's order of preference;
//!   none → never select one.
//! - `--origin ORIGIN` (repeatable): the Origin allow-list (exact, or `https://*.example.com`);
//!   none → same-origin only (requests without Origin accepted, `null` refused).
//! - `--deflate`: negotiate permessage-deflate (RFC 7692) with the default
//!   [`PerMessageDeflate`] policy; messages are then compressed both ways (sockudo-ws's
//!   codec, through `on_deflate_websocket`). Without it, tokio-tungstenite, no extensions.
//!
//! It speaks HTTP/1.1 and, on the same port, HTTP/2 without TLS (h2c), where WebSockets
//! open with the extended CONNECT of RFC 8441: `axum::serve` enables it.
//!
//! On SIGTERM or SIGINT it shuts down gracefully: it stops accepting, sends every open
//! WebSocket a Close with 1001 (going away), waits up to 5 s for the close handshakes and
//! the connections to end, and exits with status 0. It logs to stderr, filtered by
//! `RUST_LOG` (default `info`).
//!
//! `axum::serve` sets no deadline for a request head: a client that sends half of one
//! holds its connection until it closes it. Serve behind a proxy that has one (nginx's
//! `client_header_timeout`, 60 s unless set), or with hyper-util's builder and
//! `header_read_timeout`, as `examples/tls.rs` does.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, Response};
use axum::routing::{any, get};
use axum::serve::ListenerExt;
use axum_ws_handshake::deflate::{DeflateWebSocket, PerMessageDeflate};
use axum_ws_handshake::policy::{
    AllowedHosts, AllowedOrigins, InvalidOrigin, OriginPolicy, SameOrigin, ServerPreference,
};
use axum_ws_handshake::tungstenite::{CloseCode, CloseFrame};
use axum_ws_handshake::{GracefulShutdown, WebSocket, WebSocketLayer, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

const USAGE: &str = "usage: echo [--addr HOST:PORT] [--host NAME]... [--protocol NAME]... \
                     [--origin ORIGIN]... [--deflate]";

/// How long the WebSockets get to finish their close handshakes after the signal.
const SHUTDOWN_BOUND: Duration = Duration::from_secs(5);

/// The reason sent with the Close 1001.
const GOING_AWAY: &str = "server shutting down";

struct Options {
    addr: SocketAddr,
    hosts: Vec<String>,
    protocols: Vec<String>,
    origins: Vec<String>,
    deflate: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        hosts: Vec::new(),
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
            "--host" => options.hosts.push(value("--host")?),
            "--protocol" => options.protocols.push(value("--protocol")?),
            "--origin" => options.origins.push(value("--origin")?),
            "--deflate" => options.deflate = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// The `--host` list if one was given; else, on a loopback address, the loopback names at
/// the bound port (a server there must not answer for a name an attacker points at it);
/// else none: any host.
fn allowed_hosts(listed: &[String], addr: SocketAddr) -> Result<Option<AllowedHosts>, String> {
    match listed {
        [] if addr.ip().is_loopback() => Ok(Some(AllowedHosts::loopback(addr.port()))),
        [] => Ok(None),
        list => AllowedHosts::try_new(list)
            .map(Some)
            .map_err(|e| format!("--host: {e}")),
    }
}

/// The `--origin` allow-list if one was given, else same-origin.
enum Origins {
    Listed(AllowedOrigins),
    Same,
}

impl Origins {
    fn new(listed: &[String]) -> Result<Self, InvalidOrigin> {
        Ok(match listed {
            [] => Self::Same,
            list => Self::Listed(AllowedOrigins::try_new(list)?),
        })
    }
}

impl OriginPolicy for Origins {
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        match self {
            Self::Listed(list) => list.is_allowed(origin, request),
            Self::Same => SameOrigin.is_allowed(origin, request),
        }
    }
}

/// Echoes text and binary messages until the client closes. tokio-tungstenite answers
/// pings and the client's Close while the stream is polled, so the loop runs until the
/// stream ends. When the server shuts down: a Close with 1001, then the close handshake.
async fn echo(mut socket: WebSocket) {
    let mut going_away = socket.get_ref().shutdown_signal();
    loop {
        tokio::select! {
            // The signal first, so that a client sending without pause cannot hold it off.
            biased;
            () = &mut going_away => break,
            message = socket.next() => match message {
                Some(Ok(message)) => {
                    if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                        return;
                    }
                }
                _ => return,
            },
        }
    }
    let away = CloseFrame {
        code: CloseCode::Away,
        reason: GOING_AWAY.into(),
    };
    let _ = socket.close(Some(away)).await;
    while let Some(Ok(_)) = socket.next().await {}
}

/// [`echo`] on the codec that implements permessage-deflate: messages arrive
/// decompressed and are compressed on the way back.
async fn echo_deflate(mut socket: DeflateWebSocket) {
    let mut going_away = socket.shutdown_signal();
    loop {
        tokio::select! {
            biased;
            () = &mut going_away => break,
            message = socket.next() => match message {
                Some(Ok(message)) => {
                    if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                        return;
                    }
                }
                _ => return,
            },
        }
    }
    let _ = socket.close(1001, GOING_AWAY).await;
    while let Some(Ok(_)) = socket.next().await {}
}

/// The socket's task is tracked by the layer's shutdown, and its signal fires when it
/// starts.
async fn echo_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_websocket(echo)
}

/// Behind a layer with [`PerMessageDeflate`]: `on_deflate_websocket`, since
/// `on_websocket` (tokio-tungstenite) answers 500 once deflate was negotiated.
async fn echo_deflate_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_deflate_websocket(echo_deflate)
}

/// The routes behind the handshake's policies, from the command line and the address
/// bound (`addr`, its port chosen by the system for `--addr HOST:0`).
fn app(options: &Options, addr: SocketAddr, shutdown: GracefulShutdown) -> Result<Router, String> {
    let origins = Origins::new(&options.origins).map_err(|e| format!("--origin: {e}"))?;
    let protocols =
        ServerPreference::try_new(&options.protocols).map_err(|e| format!("--protocol: {e}"))?;
    // The shutdown: sockets tracked and signalled, and attempts during it answered 503.
    let mut layer = WebSocketLayer::new()
        .origin(origins)
        .subprotocol(protocols)
        .graceful_shutdown(shutdown);
    match allowed_hosts(&options.hosts, addr)? {
        Some(hosts) => {
            tracing::info!(?hosts, "WebSocket handshakes accepted at these hosts only");
            layer = layer.allowed_hosts(hosts);
        }
        None => tracing::info!("WebSocket handshakes accepted at any host"),
    }
    let routes = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/", get(|| async { Html(PAGE) }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") });
    // `any`: over HTTP/2 the handshake is a CONNECT, not a GET. The layer around every
    // route: an upgrade attempt to one without a WebSocket (the page) gets a 404.
    let app = if options.deflate {
        let layer = layer.extensions(PerMessageDeflate::new());
        routes
            .route("/echo", any(echo_deflate_handler))
            .layer(layer)
    } else {
        routes.route("/echo", any(echo_handler)).layer(layer)
    };
    Ok(app)
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
    let listener = match tokio::net::TcpListener::bind(options.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(options.addr);
    let shutdown = GracefulShutdown::new();
    let app = match app(&options, addr, shutdown.clone()) {
        Ok(app) => app,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    // Nagle's algorithm off, which `axum::serve` leaves on: the 101 and small frames leave
    // at once, and over HTTP/2 a large message does not wait for an ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // Before the line below: a signal sent once it is printed is handled.
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{addr}");

    // Once the shutdown starts, `axum::serve` accepts no more connections and asks each
    // to finish: an idle HTTP/1.1 one closes, an HTTP/2 one sends GOAWAY and runs until
    // its WebSocket streams have ended. The sockets send their Close 1001 meanwhile.
    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown.signal());
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        result = server.as_mut() => {
            if let Err(e) = result {
                eprintln!("serve: {e}");
                return ExitCode::FAILURE;
            }
            return ExitCode::SUCCESS;
        }
        name = signals.recv() => tracing::info!(
            signal = name,
            tasks = shutdown.tracker().len(),
            "shutting down: no new connections; closing WebSockets with 1001 (going away)"
        ),
    }
    shutdown.start();
    let finished = async {
        let _ = server.await;
        shutdown.wait().await;
    };
    tokio::select! {
        finished = tokio::time::timeout(SHUTDOWN_BOUND, finished) => match finished {
            Ok(()) => tracing::info!("shut down: every connection closed"),
            Err(_) => tracing::warn!(
                tasks = shutdown.tracker().len(),
                "shut down: connections still open after {SHUTDOWN_BOUND:?}"
            ),
        },
        name = signals.recv() => tracing::warn!(
            signal = name,
            "shut down: second signal, not waiting any longer"
        ),
    }
    ExitCode::SUCCESS
}

/// Logs to stderr (stdout carries the `listening on` line that scripts read), filtered by
/// `RUST_LOG` (default `info`; e.g. `RUST_LOG=axum_ws_handshake=debug`).
fn init_logging() {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere than on Unix), handled from the moment this is
/// made: made before the server says it listens, a signal sent right after that line
/// shuts it down gracefully instead of killing it.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next signal's name.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// A small browser client for `/echo`.
const PAGE: &str = include_str!("page/echo.html");
