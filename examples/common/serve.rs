//! The examples' connection handling, shared by the echo example, its axum baseline in
//! the end-to-end bench (so that the two differ only in the handshake and the codec) and
//! the tests that probe the echo example's serving with bad input.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::Request;
use axum::response::Response;
use axum_ws_handshake::{GracefulShutdown, ShutdownSignal};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower::Service;

#[path = "accept.rs"]
mod accept;
#[path = "sniff.rs"]
pub mod sniff;

/// How long a client may take to send its first bytes, and then its request head (each:
/// a client has up to twice this for its first request). `axum::serve` sets no limit, so
/// a client that opens connections and never finishes a request holds them forever.
#[allow(dead_code)] // tests/bad_input.rs sets its own
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves HTTP/1.1 (with upgrades) and HTTP/2 over cleartext (with extended CONNECT,
/// RFC 8441, for WebSockets over HTTP/2) on every accepted connection: what
/// `axum::serve` does, plus a header read timeout (`header_read_timeout`; the examples
/// pass [`HEADER_READ_TIMEOUT`]).
///
/// Not hyper-util's auto builder: its HTTP/2 preface sniff reads 24 bytes on their own,
/// which costs a `recvfrom` and makes hyper parse the head from two reads (rescanning it
/// for its end). [`sniff::sniff`] reads once into a buffer, and hyper's own builders get
/// the connection behind a [`sniff::Rewind`] that replays those bytes.
#[allow(dead_code)] // the echo example serves with a shutdown
pub async fn serve<S>(listener: tokio::net::TcpListener, app: S, header_read_timeout: Duration)
where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    serve_until(listener, app, header_read_timeout, None).await;
}

/// [`serve`] until `shutdown` starts, then returns: the listener is dropped (no new
/// connection is accepted) and each connection is asked to finish (hyper's graceful
/// shutdown: an idle HTTP/1.1 connection is closed at once, one in a request after its
/// response; an HTTP/2 one sends GOAWAY and ends once its streams have, WebSockets
/// included). The connection tasks run on the shutdown's tracker, so that
/// [`GracefulShutdown::wait`] waits for them too: over HTTP/2 a WebSocket's Close can
/// only leave while its connection's task runs.
#[allow(dead_code)] // the tests that share this file serve without one
pub async fn serve_with_shutdown<S>(
    listener: tokio::net::TcpListener,
    app: S,
    header_read_timeout: Duration,
    shutdown: GracefulShutdown,
) where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    serve_until(listener, app, header_read_timeout, Some(shutdown)).await;
}

/// Runs `connection` to its end; once `cancelled` (if any) resolves, asks it with
/// `graceful` to finish first.
async fn finish<C: Future>(
    mut connection: Pin<Box<C>>,
    cancelled: Option<&mut ShutdownSignal>,
    graceful: impl FnOnce(Pin<&mut C>),
) {
    if let Some(cancelled) = cancelled {
        tokio::select! {
            biased;
            _ = connection.as_mut() => return,
            () = cancelled => graceful(connection.as_mut()),
        }
    }
    let _ = connection.await;
}

async fn serve_until<S>(
    listener: tokio::net::TcpListener,
    app: S,
    header_read_timeout: Duration,
    shutdown: Option<GracefulShutdown>,
) where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    http2.timer(TokioTimer::new()).enable_connect_protocol();
    // Shared: one reference count per connection instead of two builders' clones.
    let builders = Arc::new((http1, http2));
    // Each signal below is polled by every `select!` its task runs, at the cost of two
    // atomic loads; `biased` polls in the order written, without a random draw per
    // wake-up.
    let mut stopped = shutdown.as_ref().map(GracefulShutdown::signal);
    loop {
        let stream = match stopped.as_mut() {
            None => accept::accept(&listener).await,
            Some(stopped) => tokio::select! {
                biased;
                // Returning drops the listener: connections are refused from now on.
                () = stopped => return,
                stream = accept::accept(&listener) => stream,
            },
        };
        let builders = Arc::clone(&builders);
        let app = app.clone();
        let stop = shutdown.clone();
        let task = async move {
            let mut cancelled = stop.as_ref().map(GracefulShutdown::signal);
            // A client that sends nothing, or stalls in the HTTP/2 preface; or any client
            // still silent when the shutdown starts.
            let sniffed = tokio::time::timeout(header_read_timeout, sniff::sniff(stream));
            let sniffed = match cancelled.as_mut() {
                None => sniffed.await,
                Some(cancelled) => tokio::select! {
                    biased;
                    sniffed = sniffed => sniffed,
                    () = cancelled => return,
                },
            };
            let Ok(Ok((is_http2, io))) = sniffed else {
                return;
            };
            let io = TokioIo::new(io);
            if !is_http2 {
                // hyper's header read timeout runs from the first poll. The connection is
                // boxed so that the task's future stays small: tokio copies it as it
                // spawns, stores and finishes it.
                let connection = builders
                    .0
                    .serve_connection(io, TowerToHyperService::new(app))
                    .with_upgrades();
                finish(Box::pin(connection), cancelled.as_mut(), |c| {
                    c.graceful_shutdown()
                })
                .await;
                return;
            }
            // HTTP/2 has no header read timeout: a connection that has made no request
            // when it runs out is dropped.
            let first_request = Arc::new(AtomicBool::new(false));
            let seen = Arc::clone(&first_request);
            let service =
                TowerToHyperService::new(tower::util::MapRequest::new(app, move |request| {
                    seen.store(true, Ordering::Relaxed);
                    request
                }));
            let mut connection = Box::pin(builders.1.serve_connection(io, service));
            let idle = tokio::time::sleep(header_read_timeout);
            match cancelled.as_mut() {
                None => tokio::select! {
                    _ = connection.as_mut() => return,
                    () = idle => {}
                },
                Some(cancelled) => tokio::select! {
                    biased;
                    _ = connection.as_mut() => return,
                    // GOAWAY below; the connection ends once its streams have.
                    () = cancelled => {}
                    () = idle => {}
                },
            }
            let stopping = stop.as_ref().is_some_and(GracefulShutdown::is_started);
            if first_request.load(Ordering::Relaxed) || stopping {
                finish(connection, cancelled.as_mut(), |c| c.graceful_shutdown()).await;
            }
        };
        match &shutdown {
            None => drop(tokio::spawn(task)),
            Some(shutdown) => drop(shutdown.tracker().spawn(task)),
        }
    }
}
