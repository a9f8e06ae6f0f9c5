//! The benches' tuned connection handling: `axum_echo`'s servers (this crate's layer and
//! axum's extractor, so that the two differ only in the handshake and the codec) run on
//! it. What the examples do instead is `axum::serve`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tower::Service;

use crate::sniff;

/// How long a client may take to send its first bytes, and then its request head (each:
/// a client has up to twice this for its first request). `axum::serve` sets no limit, so
/// a client that opens connections and never finishes a request holds them forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves HTTP/1.1 (with upgrades) and HTTP/2 over cleartext (with extended CONNECT,
/// RFC 8441, for WebSockets over HTTP/2) on every accepted connection, with Nagle's
/// algorithm off: what `axum::serve` does, plus a header read timeout.
///
/// Not hyper-util's auto builder: its HTTP/2 preface sniff reads 24 bytes on their own,
/// which costs a `recvfrom` and makes hyper parse the head from two reads (rescanning it
/// for its end). [`sniff::sniff`] reads once into a buffer, and hyper's own builders get
/// the connection behind a [`sniff::Rewind`] that replays those bytes.
pub async fn serve<S>(listener: TcpListener, app: S, header_read_timeout: Duration)
where
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
    loop {
        let stream = accept(&listener).await;
        let builders = Arc::clone(&builders);
        let app = app.clone();
        tokio::spawn(async move {
            // A client that sends nothing, or stalls in the HTTP/2 preface.
            let sniffed = tokio::time::timeout(header_read_timeout, sniff::sniff(stream)).await;
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
                let _ = Box::pin(connection).await;
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
            tokio::select! {
                _ = connection.as_mut() => return,
                () = tokio::time::sleep(header_read_timeout) => {}
            }
            if first_request.load(Ordering::Relaxed) {
                let _ = connection.await;
            }
        });
    }
}

/// The next connection, with Nagle's algorithm off (the handshake's 101 and small
/// WebSocket frames go out at once). An accept error (out of file descriptors, say) is
/// waited out instead of spun on.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                return stream;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
