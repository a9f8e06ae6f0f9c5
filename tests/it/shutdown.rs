//! Graceful shutdown over real TCP: sockets handed over with
//! `WebSocketUpgrade::graceful_shutdown` are sent a Close with 1001 (going away) when the
//! shutdown starts, by `on_websocket` and `on_deflate_websocket` callbacks that select on
//! the socket's signal, over HTTP/1.1 and over HTTP/2 (RFC 8441, `axum::serve` with its
//! graceful shutdown); their tasks are tracked, and `GracefulShutdown::wait` ends only once the
//! close handshakes have.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Request, StatusCode, header};
use axum::routing::any;
use axum_ws_handshake::deflate::{DeflateWebSocket, PerMessageDeflate};
use axum_ws_handshake::{GracefulShutdown, WebSocket, WebSocketLayer, WebSocketUpgrade};
use common::TIMEOUT;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::{WebSocketStream, connect_async};

// ---------------------------------------------------------------------------------------
// The server side: the pattern the README and `GracefulShutdown`'s docs show
// ---------------------------------------------------------------------------------------

use common::echo_loop::{self, Ended, GOING_AWAY as REASON};

/// The example's echo; on the shutdown signal, after the Close 1001 and the close
/// handshake, `linger` is spent with the socket dropped before the task ends (a task
/// with work left after its close handshake).
async fn graceful_echo(mut socket: WebSocket, linger: Duration) {
    if echo_loop::echo(&mut socket).await == Ended::GoingAway {
        drop(socket);
        tokio::time::sleep(linger).await;
    }
}

/// The same on the deflate codec.
async fn graceful_deflate_echo(mut socket: DeflateWebSocket) {
    echo_loop::echo_deflate(&mut socket).await;
}

/// `/echo` on tokio-tungstenite with the shutdown; `/untracked` the same without it.
fn app(shutdown: &GracefulShutdown, linger: Duration) -> Router {
    Router::new()
        .route(
            "/echo",
            any(
                move |State(shutdown): State<GracefulShutdown>, ws: WebSocketUpgrade| async move {
                    ws.graceful_shutdown(shutdown)
                        .on_websocket(move |socket| graceful_echo(socket, linger))
                },
            ),
        )
        .route(
            "/untracked",
            any(move |ws: WebSocketUpgrade| async move {
                ws.on_websocket(move |socket| graceful_echo(socket, linger))
            }),
        )
        .route_layer(WebSocketLayer::new())
        .with_state(shutdown.clone())
}

/// `/echo` on the deflate codec with the shutdown, permessage-deflate negotiated.
fn deflate_app(shutdown: &GracefulShutdown) -> Router {
    Router::new()
        .route(
            "/echo",
            any(
                |State(shutdown): State<GracefulShutdown>, ws: WebSocketUpgrade| async move {
                    ws.graceful_shutdown(shutdown)
                        .on_deflate_websocket(graceful_deflate_echo)
                },
            ),
        )
        .route_layer(WebSocketLayer::new().extensions(PerMessageDeflate::new()))
        .with_state(shutdown.clone())
}

/// Serves `app` with `axum::serve` (HTTP/1.1), whose connection tasks end at the upgrade:
/// the shutdown's tracker holds the sockets' tasks only.
async fn serve(shutdown: &GracefulShutdown, linger: Duration) -> SocketAddr {
    common::serve(app(shutdown, linger)).await
}

// ---------------------------------------------------------------------------------------
// The client side
// ---------------------------------------------------------------------------------------

async fn open<S>(ws: &mut WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.send(Message::text("hello")).await.expect("send");
    let echoed = timeout(TIMEOUT, ws.next()).await.expect("an echo in time");
    assert_eq!(
        echoed.expect("an echo").expect("an echo"),
        Message::text("hello")
    );
}

/// Reads the server's Close, asserting 1001 and the reason; the client's reply goes out
/// with it (tungstenite answers a Close while reading). Then the stream must end.
async fn expect_going_away<S>(ws: &mut WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let message = timeout(TIMEOUT, ws.next())
        .await
        .expect("the server's Close in time")
        .expect("a message, not the end of the stream")
        .expect("a valid message");
    match message {
        Message::Close(Some(frame)) => {
            assert_eq!(frame.code, CloseCode::Away, "{frame:?}");
            assert_eq!(frame.reason.as_str(), REASON);
        }
        other => panic!("expected Close 1001, got {other:?}"),
    }
    let end = timeout(TIMEOUT, ws.next()).await.expect("the end in time");
    assert!(
        end.is_none(),
        "the stream ends after the close handshake: {end:?}"
    );
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn on_websocket_sockets_are_closed_with_1001_and_awaited() {
    let shutdown = GracefulShutdown::new();
    let addr = serve(&shutdown, Duration::ZERO).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = connect_async(format!("ws://{addr}/echo")).await.unwrap();
        open(&mut ws).await;
        clients.push(ws);
    }
    assert_eq!(shutdown.tracker().len(), 3, "each socket's task is tracked");
    assert!(!shutdown.is_started());

    shutdown.start();
    assert!(shutdown.is_started());
    for ws in &mut clients {
        expect_going_away(ws).await;
    }
    timeout(TIMEOUT, shutdown.wait())
        .await
        .expect("every task ends after its close handshake");
    assert!(shutdown.tracker().is_empty());
}

/// `wait` covers what a socket's task does after its close handshake, and does not end
/// before the client has answered the Close.
#[tokio::test]
async fn wait_ends_when_the_tasks_do() {
    let shutdown = GracefulShutdown::new();
    let linger = Duration::from_millis(600);
    let addr = serve(&shutdown, linger).await;
    let (mut ws, _) = connect_async(format!("ws://{addr}/echo")).await.unwrap();
    open(&mut ws).await;

    shutdown.start();
    // The client does not read, so it does not answer the Close: the task is still in
    // its close handshake.
    assert!(
        timeout(Duration::from_millis(300), shutdown.wait())
            .await
            .is_err(),
        "wait ended while a close handshake was under way"
    );
    assert_eq!(shutdown.tracker().len(), 1);
    expect_going_away(&mut ws).await;
    let answered = tokio::time::Instant::now();
    // The task lingers after the handshake: still tracked.
    assert!(
        timeout(linger / 3, shutdown.wait()).await.is_err(),
        "wait ended before the task did"
    );
    timeout(TIMEOUT, shutdown.wait()).await.expect("wait ends");
    assert!(answered.elapsed() >= linger / 2, "{:?}", answered.elapsed());
}

/// A socket accepted without `graceful_shutdown` is neither tracked nor signalled.
#[tokio::test]
async fn sockets_without_the_shutdown_are_left_alone() {
    let shutdown = GracefulShutdown::new();
    let addr = serve(&shutdown, Duration::ZERO).await;
    let (mut ws, _) = connect_async(format!("ws://{addr}/untracked"))
        .await
        .unwrap();
    open(&mut ws).await;
    assert!(shutdown.tracker().is_empty());
    shutdown.start();
    timeout(TIMEOUT, shutdown.wait())
        .await
        .expect("nothing to wait for");
    assert!(
        timeout(Duration::from_millis(300), ws.next())
            .await
            .is_err(),
        "no Close for a socket without the shutdown"
    );
    open(&mut ws).await;
}

/// A socket accepted after the shutdown started is signalled at once.
#[tokio::test]
async fn a_socket_opened_during_the_shutdown_is_closed_at_once() {
    let shutdown = GracefulShutdown::new();
    let addr = serve(&shutdown, Duration::ZERO).await;
    shutdown.start();
    let (mut ws, _) = connect_async(format!("ws://{addr}/echo")).await.unwrap();
    expect_going_away(&mut ws).await;
    timeout(TIMEOUT, shutdown.wait()).await.expect("wait ends");
}

/// `on_deflate_websocket` with permessage-deflate in force: a compressed message echoed,
/// then the shutdown's Close 1001 (never compressed: a control frame), the client's
/// Close, and the server closes the connection.
#[tokio::test]
async fn on_deflate_websocket_sockets_are_closed_with_1001_and_awaited() {
    use common::deflate::{Deflater, Inflater};
    use common::frame::{OP_CLOSE as CLOSE, OP_TEXT as TEXT};
    let shutdown = GracefulShutdown::new();
    let addr = common::serve(deflate_app(&shutdown)).await;
    let mut answer = common::deflate::handshake(addr, &["permessage-deflate"]).await;
    let agreed = answer.extensions().expect("deflate negotiated");
    assert!(agreed.starts_with("permessage-deflate"), "{agreed}");
    let conn = &mut answer.conn;
    let text = "hello, compressed ".repeat(20);
    let compressed = Deflater::new(15).compress(text.as_bytes());
    conn.send_frame(true, true, TEXT, &compressed).await;
    let (rsv1, opcode, payload) = conn.read_message().await;
    assert!(rsv1 && opcode == TEXT, "a compressed text message back");
    assert_eq!(
        Inflater::new(15).inflate(&payload).unwrap(),
        text.as_bytes()
    );
    assert_eq!(shutdown.tracker().len(), 1, "the socket's task is tracked");

    shutdown.start();
    let close = conn
        .next_frame()
        .await
        .expect("a Close before the connection ends");
    assert_eq!(close.opcode, CLOSE, "{close:?}");
    assert!(!close.rsv1());
    assert_eq!(&close.payload[..2], &1001u16.to_be_bytes());
    assert_eq!(&close.payload[2..], REASON.as_bytes());
    conn.send_frame(true, false, CLOSE, &1001u16.to_be_bytes())
        .await;
    assert_eq!(
        conn.next_frame().await,
        None,
        "the server closes after the handshake"
    );
    timeout(TIMEOUT, shutdown.wait()).await.expect("wait ends");
}

// ---------------------------------------------------------------------------------------
// HTTP/2 (RFC 8441), served by `axum::serve` with its graceful shutdown
// ---------------------------------------------------------------------------------------

/// The server as a process would run it, on a runtime of its own on another thread:
/// `axum::serve` with its graceful shutdown on the shutdown's signal (no new connection,
/// each connection asked to finish: HTTP/2 ones send GOAWAY and end once their streams,
/// WebSockets included, have), then the bounded wait, then the runtime is dropped (what
/// the process's exit does to any task left). Returns the address and the thread, which
/// yields whether the serving and the wait ended within their bound.
fn spawn_server(shutdown: GracefulShutdown) -> (SocketAddr, std::thread::JoinHandle<bool>) {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).unwrap();
            let app = app(&shutdown, Duration::ZERO);
            let serving = axum::serve(listener, app).with_graceful_shutdown(shutdown.signal());
            timeout(Duration::from_secs(5), async {
                serving.await.expect("axum::serve");
                shutdown.wait().await;
            })
            .await
            .is_ok()
        })
    });
    (addr, server)
}

/// An HTTP/2 connection over h2c, once the server has enabled extended CONNECT; the
/// connection's task is returned so that its end can be awaited.
async fn h2c(
    addr: SocketAddr,
) -> (
    hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
    tokio::task::JoinHandle<Result<(), hyper::Error>>,
) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .handshake(TokioIo::new(tcp))
        .await
        .expect("HTTP/2 handshake");
    let mut connection = Box::pin(connection);
    // Once a first request is answered, the server's SETTINGS are known.
    let probe = Request::get(format!("http://{addr}/"))
        .body(Empty::new())
        .unwrap();
    timeout(TIMEOUT, async {
        tokio::select! {
            response = sender.send_request(probe) => drop(response.expect("a response")),
            result = connection.as_mut() => panic!("the connection ended: {result:?}"),
        }
    })
    .await
    .expect("a response in time");
    assert!(connection.is_extended_connect_protocol_enabled());
    (sender, tokio::spawn(connection))
}

/// The Close 1001 reaches WebSockets over HTTP/2: their connection's task keeps running
/// until they have closed, then the connection ends (GOAWAY), and the server's wait ends
/// well within its bound.
#[tokio::test]
async fn over_http2_the_close_leaves_before_the_connection_ends() {
    let shutdown = GracefulShutdown::new();
    let (addr, server) = spawn_server(shutdown.clone());
    let (mut sender, connection) = h2c(addr).await;
    let mut sockets = Vec::new();
    for _ in 0..2 {
        let request = Request::builder()
            .method(Method::CONNECT)
            .uri(format!("http://{addr}/echo"))
            .extension(hyper::ext::Protocol::from_static("websocket"))
            .header(header::SEC_WEBSOCKET_VERSION, "13")
            .body(Empty::new())
            .unwrap();
        let response = timeout(TIMEOUT, sender.send_request(request))
            .await
            .expect("a response in time")
            .expect("a response");
        assert_eq!(response.status(), StatusCode::OK);
        let upgraded = timeout(TIMEOUT, hyper::upgrade::on(response))
            .await
            .expect("the stream in time")
            .expect("the CONNECT stream");
        let mut ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, None).await;
        open(&mut ws).await;
        sockets.push(ws);
    }
    assert_eq!(shutdown.tracker().len(), 2, "the two sockets' tasks");

    let started = std::time::Instant::now();
    shutdown.start();
    for ws in &mut sockets {
        expect_going_away(ws).await;
    }
    let ended = timeout(TIMEOUT, connection)
        .await
        .expect("the HTTP/2 connection ends after its WebSockets")
        .expect("the connection task");
    assert!(ended.is_ok(), "a graceful end (GOAWAY): {ended:?}");
    let within_bound = tokio::task::spawn_blocking(move || server.join().expect("server"))
        .await
        .unwrap();
    assert!(within_bound, "every task, connection included, ended");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // Nothing is accepted any more.
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

/// Over HTTP/1.1 the serving closes idle keep-alive connections and stops accepting, so
/// the shutdown is not held by a client that keeps a connection open.
#[tokio::test]
async fn idle_http1_connections_are_closed() {
    let shutdown = GracefulShutdown::new();
    let (addr, server) = spawn_server(shutdown.clone());
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let response = sender
        .send_request(
            Request::get("/")
                .header("host", addr.to_string())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    shutdown.start();
    timeout(TIMEOUT, connection)
        .await
        .expect("the server closes the idle connection")
        .unwrap()
        .unwrap();
    let within_bound = tokio::task::spawn_blocking(move || server.join().expect("server"))
        .await
        .unwrap();
    assert!(within_bound);
}
