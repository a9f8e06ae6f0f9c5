//! [`TestClient`]: the service under test, served by hyper over in-memory connections.

use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::io::DuplexStream;
use tower_service::Service;

use super::handshake::{Handshake, read_whole, send_http1};
use super::response::TestResponse;

/// How many bytes each direction of an in-memory connection holds before a write waits
/// for the other side to read.
const DUPLEX_BUFFER: usize = 64 * 1024;

/// Which of hyper's servers gets a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpVersion {
    /// HTTP/1.1, upgrades enabled.
    Http1,
    /// HTTP/2 (prior knowledge), extended CONNECT enabled (RFC 8441 §3).
    Http2,
}

/// Serves one connection of the service under test on a task of its own.
type Serve = dyn Fn(DuplexStream, HttpVersion) + Send + Sync;

/// A client for the WebSocket routes of a service (an axum `Router`, say), served by
/// hyper over in-memory connections: no TCP, no ports, and the real upgrade path of
/// hyper's HTTP/1.1 and HTTP/2 servers.
///
/// Each [`handshake`](Self::handshake) opens a new connection to a new server
/// connection task, as a browser opens a connection per WebSocket. Cloning is cheap;
/// clones serve the same service (each connection gets a clone of it, as
/// `axum::serve` does). Needs a tokio runtime when a handshake is sent.
///
/// ```
/// # use axum::{Router, routing::get};
/// use axum_ws_handshake::test::TestClient;
///
/// let client = TestClient::new(Router::new().route("/", get(|| async { "hello" })));
/// ```
#[derive(Clone)]
pub struct TestClient {
    serve: Arc<Serve>,
}

impl TestClient {
    /// A client for `service`: any tower `Service` taking hyper's requests, such as an
    /// axum `Router` (with its state provided) or a `MethodRouter`.
    #[must_use]
    pub fn new<S, B>(service: S) -> Self
    where
        S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<Box<dyn StdError + Send + Sync>>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        // Behind a mutex so that the client is `Sync` whatever the service is; it is held
        // only to clone the service for a new connection.
        let service = Mutex::new(service);
        let serve = move |io: DuplexStream, version: HttpVersion| {
            let service = service
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let service = TowerToHyperService::new(service);
            let io = TokioIo::new(io);
            // The connection's end, error or not, is seen by the client: its side of the
            // duplex is closed.
            match version {
                HttpVersion::Http1 => {
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .with_upgrades();
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
                HttpVersion::Http2 => {
                    let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .enable_connect_protocol()
                        .serve_connection(io, service);
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
            }
        };
        Self {
            serve: Arc::new(serve),
        }
    }

    /// A WebSocket opening handshake to `path` (a path and an optional query, such as
    /// `/chat?room=1`): a browser's, until the builder says otherwise. See [`Handshake`].
    pub fn handshake(&self, path: impl Into<String>) -> Handshake {
        Handshake::new(self.clone(), path.into())
    }

    /// Sends a plain `GET` for `path` (with `Host: localhost`, over HTTP/1.1) and returns
    /// the response, body read: for the app's other routes, beside its WebSockets.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// use axum_ws_handshake::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hello" })));
    /// assert_eq!(client.get("/").await.text(), "hello");
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When `path` is not a valid path and query, or the connection fails before an
    /// answer (the service panicked, say); outside a tokio runtime.
    pub async fn get(&self, path: impl AsRef<str>) -> TestResponse {
        let request = Request::get(path.as_ref())
            .header(http::header::HOST, "localhost")
            .body(String::new())
            .unwrap_or_else(|error| panic!("the test kit could not build the request: {error}"));
        let response = send_http1(self.open(HttpVersion::Http1), request)
            .await
            .unwrap_or_else(|error| panic!("the test kit could not send the request: {error}"));
        read_whole(response).await
    }

    /// A new in-memory connection to a new server connection task speaking `version`;
    /// returns the client's end. Must be called within a tokio runtime.
    pub(crate) fn open(&self, version: HttpVersion) -> DuplexStream {
        let (client, server) = tokio::io::duplex(DUPLEX_BUFFER);
        (self.serve)(server, version);
        client
    }
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClient").finish_non_exhaustive()
    }
}
