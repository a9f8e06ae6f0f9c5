//! HTTP/2 (RFC 9113) both ways: the server most HTTP/2 tests use, hyper-util's auto
//! builder over cleartext (HTTP/1.1, or h2c with prior knowledge), and hyper's client
//! with the extended CONNECT of RFC 8441.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, Request, Response, header};
use http_body_util::Empty;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::TIMEOUT;

/// A server like [`super::serve`]'s, hyper-util's auto builder (HTTP/1.1 with upgrades,
/// HTTP/2 with extended CONNECT unless `connect_protocol` is false), for the tests that
/// need a server without extended CONNECT or serve connections themselves.
pub fn builder(connect_protocol: bool) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    let mut http2 = builder.http2();
    http2.timer(TokioTimer::new());
    if connect_protocol {
        http2.enable_connect_protocol();
    }
    builder
}

/// Serves `app` in cleartext (HTTP/1.1, or h2c when the client starts with the HTTP/2
/// preface) on an ephemeral loopback port.
pub async fn serve_h2c(app: Router, connect_protocol: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let builder = builder(connect_protocol);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(app.clone());
            let builder = builder.clone();
            tokio::spawn(async move {
                let _ = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

pub type Client = SendRequest<Empty<Bytes>>;

/// An HTTP/2 connection over `io`, once the server's SETTINGS have arrived; returns the
/// sender and whether the server enabled extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL,
/// RFC 8441 §3), without which hyper's client refuses to send one. `origin` is the
/// server's `scheme://authority`.
pub async fn h2_handshake<I>(io: I, origin: &str) -> (Client, bool)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .handshake(TokioIo::new(io))
        .await
        .expect("HTTP/2 handshake");
    // The server's SETTINGS come before any of its responses (RFC 9113 §3.4): once a
    // first request is answered, the client knows them. No sleeping, however loaded the
    // machine is.
    let mut connection = Box::pin(connection);
    let probe = Request::get(format!("{origin}/"))
        .body(Empty::new())
        .unwrap();
    let answered = timeout(TIMEOUT, async {
        tokio::select! {
            response = sender.send_request(probe) => response.expect("a response to GET /"),
            result = connection.as_mut() => panic!("the connection ended: {result:?}"),
        }
    })
    .await
    .expect("a response to GET / in time");
    drop(answered);
    let enabled = connection.is_extended_connect_protocol_enabled();
    tokio::spawn(connection);
    (sender, enabled)
}

/// Connects over h2c (HTTP/2 prior knowledge) and waits for extended CONNECT to be enabled.
pub async fn h2c(addr: SocketAddr) -> Client {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (client, enabled) = h2_handshake(tcp, &format!("http://{addr}")).await;
    assert!(enabled, "the server enables extended CONNECT (RFC 8441 §3)");
    client
}

/// The RFC 8441 §5 request: CONNECT with `:protocol = websocket`, `:scheme`, `:path` and
/// `:authority` from `uri`, `Sec-WebSocket-Version: 13`, plus `headers`.
pub fn extended_connect(
    uri: &str,
    protocol: &'static str,
    headers: &[(&str, &str)],
) -> Request<Empty<Bytes>> {
    let mut request = Request::builder()
        .method(Method::CONNECT)
        .uri(uri)
        .extension(hyper::ext::Protocol::from_static(protocol))
        .header(header::SEC_WEBSOCKET_VERSION, "13");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Empty::new()).unwrap()
}

/// Sends `request`, and waits for the response's head.
pub async fn send(
    client: &mut Client,
    request: Request<Empty<Bytes>>,
) -> Response<hyper::body::Incoming> {
    timeout(TIMEOUT, client.send_request(request))
        .await
        .expect("a response in time")
        .expect("a response")
}
