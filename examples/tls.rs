//! The echo server over TLS: `wss://` and `https://`, HTTP/1.1 and HTTP/2 chosen by ALPN,
//! with WebSockets over HTTP/2 by extended CONNECT (RFC 8441). The certificate is made at
//! start: a throw-away CA and a server certificate it signs (rcgen), so a client can
//! trust the CA without any file shipped in the repository.
//!
//! ```text
//! cargo run --release --example tls -- [--addr HOST:PORT] [--ca-out PATH] [--name NAME]... [--protocol NAME]... [--origin ORIGIN]...
//! ```
//!
//! - `--addr`: where to listen (default `127.0.0.1:3443`); once bound and the CA written,
//!   prints `listening on https://ADDR`.
//! - `--ca-out PATH`: write the CA certificate (PEM) there; without it, it is printed.
//!   Trust it in a client: `ssl.create_default_context(cafile=PATH)` (Python),
//!   `{ ca: fs.readFileSync(PATH) }` (Node), `curl --cacert PATH`, a rustls `RootCertStore`.
//! - `--name NAME` (repeatable): the server certificate's names (DNS names or IP
//!   addresses); default `localhost`, `127.0.0.1` and `::1`.
//! - `--protocol`, `--origin`: as in the echo example (subprotocols in order of
//!   preference; an `Origin` allow-list, none → same-origin).
//!
//! Routes as in the echo example: `/echo` (WebSocket echo), `/health`, `/` (a browser
//! client, which connects with `wss://` when loaded over `https://`), else 404.
//!
//! On SIGTERM or SIGINT it shuts down gracefully, as the echo example does: no new
//! connections, a Close with 1001 (going away) to every WebSocket, up to 5 s for the close
//! handshakes, exit status 0. It logs to stderr, filtered by `RUST_LOG` (default `info`).
//!
//! rustls runs on ring, chosen explicitly rather than through the process default.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::policy::{AllowedOrigins, ServerPreference};
use axum_ws_handshake::tungstenite::{CloseCode, CloseFrame};
use axum_ws_handshake::{GracefulShutdown, WebSocket, WebSocketLayer, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::AsyncWriteExt;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

const USAGE: &str = "usage: tls [--addr HOST:PORT] [--ca-out PATH] [--name NAME]... \
                     [--protocol NAME]... [--origin ORIGIN]...";

/// How long a client may take for the TLS handshake, and then for its request head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the WebSockets get to finish their close handshakes after the signal.
const SHUTDOWN_BOUND: Duration = Duration::from_secs(5);

struct Options {
    addr: SocketAddr,
    ca_out: Option<String>,
    names: Vec<String>,
    protocols: Vec<String>,
    origins: Vec<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 3443)),
        ca_out: None,
        names: Vec::new(),
        protocols: Vec::new(),
        origins: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--addr" => {
                let addr = value("--addr")?;
                options.addr = addr.parse().map_err(|e| format!("--addr {addr:?}: {e}"))?;
            }
            "--ca-out" => options.ca_out = Some(value("--ca-out")?),
            "--name" => options.names.push(value("--name")?),
            "--protocol" => options.protocols.push(value("--protocol")?),
            "--origin" => options.origins.push(value("--origin")?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if options.names.is_empty() {
        options.names = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    }
    Ok(options)
}

/// A CA made for this run and a server certificate for `names` that it signs: the
/// server's TLS configuration (ALPN `h2`, then `http/1.1`) and the CA's PEM.
fn tls_config(names: &[String]) -> Result<(ServerConfig, String), String> {
    fn fail(what: &'static str) -> impl Fn(rcgen::Error) -> String {
        move |e| format!("{what}: {e}")
    }
    let ca_key = KeyPair::generate().map_err(fail("CA key"))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail("CA"))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    // A name of its own per run, so that clients trusting several of these CAs (one per
    // server) can tell them apart: OpenSSL picks an issuer by name.
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    ca.distinguished_name.push(
        DnType::CommonName,
        format!(
            "axum-ws-handshake example CA {}.{:09} pid {}",
            started.as_secs(),
            started.subsec_nanos(),
            std::process::id()
        ),
    );
    let ca = ca.self_signed(&ca_key).map_err(fail("CA certificate"))?;

    let key = KeyPair::generate().map_err(fail("server key"))?;
    let mut server = CertificateParams::new(names.to_vec()).map_err(fail("--name"))?;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    server
        .distinguished_name
        .push(DnType::CommonName, names[0].as_str());
    let server = server
        .signed_by(&key, &ca, &ca_key)
        .map_err(fail("server certificate"))?;

    let private_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![server.der().clone()], private_key)
        .map_err(|e| format!("TLS certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((config, ca.pem()))
}

/// Echoes text and binary messages until the client closes (tokio-tungstenite answers
/// pings and the client's Close while the stream is polled); when the server shuts down,
/// a Close with 1001 and the close handshake. Then the connection is shut down: over TLS
/// that sends close_notify, without which clients such as rustls report an unexpected end
/// of stream (tokio-tungstenite does not shut the stream down by itself). Over HTTP/2 it
/// ends the CONNECT stream.
async fn echo(mut socket: WebSocket) {
    let mut going_away = socket.get_ref().shutdown_signal();
    let shutting_down = loop {
        tokio::select! {
            // The signal first, so that a client sending without pause cannot hold it off.
            biased;
            () = &mut going_away => break true,
            message = socket.next() => match message {
                Some(Ok(message)) => {
                    if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                        break false;
                    }
                }
                _ => break false,
            },
        }
    };
    if shutting_down {
        let away = CloseFrame {
            code: CloseCode::Away,
            reason: "server shutting down".into(),
        };
        let _ = socket.close(Some(away)).await;
        while let Some(Ok(_)) = socket.next().await {}
    }
    let _ = socket.get_mut().shutdown().await;
}

async fn echo_handler(State(shutdown): State<GracefulShutdown>, ws: WebSocketUpgrade) -> Response {
    ws.graceful_shutdown(shutdown).on_websocket(echo)
}

fn app(options: &Options, shutdown: GracefulShutdown) -> Result<Router, String> {
    let protocols =
        ServerPreference::try_new(&options.protocols).map_err(|e| format!("--protocol: {e}"))?;
    let layer = WebSocketLayer::new().subprotocol(protocols);
    // `any`: over HTTP/2 the handshake is a CONNECT, not a GET.
    let echo = any(echo_handler);
    // The `--origin` allow-list if one was given, else the default: same-origin.
    let echo = if options.origins.is_empty() {
        echo.layer(layer)
    } else {
        let origins =
            AllowedOrigins::try_new(&options.origins).map_err(|e| format!("--origin: {e}"))?;
        echo.layer(layer.origin(origins))
    };
    Ok(Router::new()
        .route("/echo", echo)
        .route("/health", get(|| async { "ok" }))
        .route("/", get(|| async { Html(PAGE) }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found").into_response() })
        .with_state(shutdown))
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
    let shutdown = GracefulShutdown::new();
    let (app, (config, ca_pem)) = match app(&options, shutdown.clone()).and_then(|app| {
        let tls = tls_config(&options.names)?;
        Ok((app, tls))
    }) {
        Ok(ready) => ready,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(options.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    match &options.ca_out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &ca_pem) {
                eprintln!("cannot write the CA certificate to {path}: {e}");
                return ExitCode::FAILURE;
            }
            println!("CA certificate written to {path}");
        }
        None => print!("CA certificate:\n{ca_pem}"),
    }
    // Before the line below: a signal sent once it is printed is handled.
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(options.addr);
    println!("listening on https://{addr}");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let mut server = std::pin::pin!(serve(listener, acceptor, app, shutdown.clone()));
    tokio::select! {
        () = server.as_mut() => return ExitCode::SUCCESS,
        name = signals.recv() => tracing::info!(
            signal = name,
            tasks = shutdown.tracker().len(),
            "shutting down: no new connections; closing WebSockets with 1001 (going away)"
        ),
    }
    shutdown.start();
    server.await;
    tokio::select! {
        finished = tokio::time::timeout(SHUTDOWN_BOUND, shutdown.wait()) => match finished {
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

/// Accepts TLS connections and serves each with the protocol ALPN chose: HTTP/2 (with
/// extended CONNECT enabled) for `h2`, else HTTP/1.1 with upgrades; until `shutdown`
/// starts, then returns: the listener is dropped, and each connection is asked to finish
/// (hyper's graceful shutdown; over HTTP/2, GOAWAY, and the connection runs until its
/// WebSocket streams have ended). The connection tasks run on the shutdown's tracker, so
/// that [`GracefulShutdown::wait`] waits for them too.
async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    shutdown: GracefulShutdown,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HANDSHAKE_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol();
    let mut stopped = shutdown.signal();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                // Out of file descriptors, say: waited out instead of spun on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stopped => return,
        };
        // The 101 and small frames leave at once.
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let mut stopped = shutdown.signal();
        shutdown.tracker().spawn(async move {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            let stream = tokio::select! {
                handshake = handshake => match handshake {
                    Ok(Ok(stream)) => stream,
                    _ => return,
                },
                () = &mut stopped => return,
            };
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            let builder = if h2 {
                builder.http2_only()
            } else {
                builder.http1_only()
            };
            let mut connection = std::pin::pin!(
                builder.serve_connection_with_upgrades(TokioIo::new(stream), service)
            );
            tokio::select! {
                _ = connection.as_mut() => return,
                () = &mut stopped => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
}

/// Logs to stderr (stdout carries the `listening on` line that scripts read), filtered by
/// `RUST_LOG` (default `info`).
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
/// made, before the server says it listens.
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

/// The echo example's browser client: `/echo` over `wss://` when the page is `https://`.
const PAGE: &str = include_str!("page/echo.html");
