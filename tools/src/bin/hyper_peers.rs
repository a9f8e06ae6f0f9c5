//! Peers for the end-to-end bench (`benches/e2e.sh`), on a bare hyper HTTP/1.1 server:
//!
//! - `--peer fastwebsockets`: fastwebsockets' `upgrade` (checks only that a key exists
//!   and the version is 13) and an echo loop on its codec, which answers the client's
//!   Close by itself;
//! - `--peer bare`: a hyper 101 with no validation and no codec: the accept key, then
//!   the client's 8-byte Close is read and a Close is written back by hand;
//! - `--peer layer`: this crate's `WebSocketLayer` (the echo example's policies: same
//!   origin, no subprotocol, no extension) and `WebSocketUpgrade` extractor in front of
//!   the same fastwebsockets echo: beside `fastwebsockets`, it shows what the layer
//!   costs with everything else equal.
//!
//! ```text
//! cargo run --release -p ws-bench-tools --bin hyper_peers -- --peer fastwebsockets|bare|layer [--addr HOST:PORT]
//! ```
//!
//! Prints `listening on http://ADDR`; stops on Ctrl-C (SIGINT).

use ws_bench_tools::listen::listen;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;

use axum::extract::FromRequestParts;
use axum::response::IntoResponse;
use axum_ws_handshake::{WebSocketLayer, WebSocketUpgrade};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use fastwebsockets::{FragmentCollector, OpCode, Role};
use http::{Request, Response, StatusCode, header};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::Layer;

#[derive(Clone, Copy)]
enum Peer {
    FastWebSockets,
    Bare,
    Layer,
}

/// The echo loop of the fastwebsockets peers: text and binary frames back, until the
/// client's Close (which fastwebsockets answers by itself).
async fn fastwebsockets_loop<S>(socket: fastwebsockets::WebSocket<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut socket = FragmentCollector::new(socket);
    while let Ok(frame) = socket.read_frame().await {
        let echoed = match frame.opcode {
            OpCode::Close => break,
            OpCode::Text | OpCode::Binary => socket.write_frame(frame).await,
            _ => Ok(()),
        };
        if echoed.is_err() {
            break;
        }
    }
}

async fn fastwebsockets_echo(
    mut request: Request<Incoming>,
) -> Result<Response<Empty<Bytes>>, Infallible> {
    let (response, upgrade) = match fastwebsockets::upgrade::upgrade(&mut request) {
        Ok(upgrade) => upgrade,
        Err(_) => {
            let mut refused = Response::new(Empty::new());
            *refused.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(refused);
        }
    };
    tokio::spawn(async move {
        if let Ok(socket) = upgrade.await {
            fastwebsockets_loop(socket).await;
        }
    });
    Ok(response)
}

async fn bare_101(mut request: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
    let Some(key) = request.headers().get(header::SEC_WEBSOCKET_KEY) else {
        let mut refused = Response::new(Empty::new());
        *refused.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(refused);
    };
    let digest = Sha1::new()
        .chain_update(key.as_bytes())
        .chain_update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .finalize();
    let mut accept = [0u8; 28];
    STANDARD.encode_slice(digest, &mut accept).unwrap();
    let mut response = Response::new(Empty::new());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, "websocket".parse().unwrap());
    headers.insert(header::CONNECTION, "upgrade".parse().unwrap());
    headers.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        http::HeaderValue::from_bytes(&accept).unwrap(),
    );
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let mut io = TokioIo::new(upgraded);
        // The client's masked Close with a status code: 2 + 4 + 2 bytes.
        let mut frame = [0u8; 8];
        if io.read_exact(&mut frame).await.is_ok() {
            let _ = io.write_all(&[0x88, 0x02, 0x03, 0xe8]).await;
            let _ = io.shutdown().await;
        }
    });
    Ok(response)
}

/// The handler behind `WebSocketLayer`: the extractor, then fastwebsockets on the
/// upgraded connection.
async fn layer_echo(request: Request<Incoming>) -> Result<axum::response::Response, Infallible> {
    let (mut parts, _body) = request.into_parts();
    Ok(
        match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(ws) => ws.on_upgrade(|connection| async move {
                let socket = fastwebsockets::WebSocket::after_handshake(connection, Role::Server);
                fastwebsockets_loop(socket).await;
            }),
            Err(rejection) => rejection.into_response(),
        },
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 3000));
    let mut peer = None;
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
            ("--peer", Some("fastwebsockets")) => peer = Some(Peer::FastWebSockets),
            ("--peer", Some("bare")) => peer = Some(Peer::Bare),
            ("--peer", Some("layer")) => peer = Some(Peer::Layer),
            _ => peer = None,
        }
    }
    let Some(peer) = peer else {
        eprintln!("usage: hyper_peers --peer fastwebsockets|bare|layer [--addr HOST:PORT]");
        return ExitCode::from(2);
    };
    let listener = match listen(addr).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    // Made once, as a server does (each connection clones a reference to it).
    let layer = WebSocketLayer::new();
    let serve = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let layer = layer.clone();
            tokio::spawn(async move {
                let io = TokioIo::new(stream);
                let builder = http1::Builder::new();
                let _ = match peer {
                    Peer::FastWebSockets => {
                        builder
                            .serve_connection(io, service_fn(fastwebsockets_echo))
                            .with_upgrades()
                            .await
                    }
                    Peer::Bare => {
                        builder
                            .serve_connection(io, service_fn(bare_101))
                            .with_upgrades()
                            .await
                    }
                    Peer::Layer => {
                        let service = layer.layer(tower::service_fn(layer_echo));
                        builder
                            .serve_connection(io, TowerToHyperService::new(service))
                            .with_upgrades()
                            .await
                    }
                };
            });
        }
    };
    tokio::select! {
        () = serve => ExitCode::SUCCESS,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
