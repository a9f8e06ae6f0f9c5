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

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum_ws_handshake::policy::ServerPreference;
use axum_ws_handshake::{GracefulShutdown, WebSocket, WebSocketLayer, WebSocketUpgrade};
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

const USAGE: &str = "usage: tls [--addr HOST:PORT] [--ca-out PATH] [--name NAME]... \
                     [--protocol NAME]... [--origin ORIGIN]...";

/// How long a client may take for the TLS handshake, and then for its request head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// The echo example's loop (a Close 1001 when the server shuts down), then the
/// connection shut down: over TLS that sends close_notify, without which clients such as
/// rustls report an unexpected end of stream after the close handshake
/// (tokio-tungstenite does not shut the stream down by itself). Over HTTP/2 it ends the
/// CONNECT stream.
async fn echo(mut socket: WebSocket) {
    echo_loop::echo(&mut socket).await;
    let _ = socket.get_mut().shutdown().await;
}

async fn echo_handler(State(shutdown): State<GracefulShutdown>, ws: WebSocketUpgrade) -> Response {
    ws.graceful_shutdown(shutdown).on_websocket(echo)
}

fn app(options: &Options, shutdown: GracefulShutdown) -> Result<Router, String> {
    let origin = Origins::new(&options.origins).map_err(|e| format!("--origin: {e}"))?;
    let layer = WebSocketLayer::new().origin(origin).subprotocol(
        ServerPreference::try_new(&options.protocols).map_err(|e| format!("--protocol: {e}"))?,
    );
    // `any`: over HTTP/2 the handshake is a CONNECT, not a GET.
    Ok(Router::new()
        .route("/echo", any(echo_handler))
        .route_layer(layer)
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
    let signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(options.addr);
    println!("listening on https://{addr}");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let server = serve(listener, acceptor, app, shutdown.clone());
    run_until_signal(server, &shutdown, signals).await;
    ExitCode::SUCCESS
}

#[path = "common/accept.rs"]
mod accept;
#[path = "common/echo_loop.rs"]
mod echo_loop;
#[path = "common/origins.rs"]
mod origins;
use origins::Origins;
#[path = "common/shutdown.rs"]
mod shutdown;
use shutdown::{Signals, init_logging, run_until_signal};

/// Accepts TLS connections and serves each with the protocol ALPN chose: HTTP/2 (with
/// extended CONNECT enabled) for `h2`, else HTTP/1.1 with upgrades; until `shutdown`
/// starts, then returns: the listener is dropped, and each connection is asked to finish
/// (hyper's graceful shutdown; over HTTP/2, GOAWAY, and the connection runs until its
/// WebSocket streams have ended). The connection tasks run on the shutdown's tracker.
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
            stream = accept::accept(&listener) => stream,
            () = &mut stopped => return,
        };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let stop = shutdown.clone();
        shutdown.tracker().spawn(async move {
            let mut stopped = stop.signal();
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

/// The echo example's browser client: `/echo` over `wss://` when the page is `https://`.
const PAGE: &str = include_str!("page/echo.html");
