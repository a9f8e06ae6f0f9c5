//! The handler's side: the extractor that answers a negotiated handshake.

use std::fmt;
use std::future::Future;

use axum_core::body::Body;
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::Response;
use http::StatusCode;
use http::request::Parts;
use hyper::upgrade::OnUpgrade;

use crate::negotiated::Negotiated;
use crate::read::upgrade_attempt;
use crate::rejection::{
    ConnectionNotUpgradable, LayerMissing, NotUpgradeAttempt, WebSocketUpgradeRejection,
};
use crate::trace;
use crate::upgraded::{
    OnFailedUpgrade, PendingUpgrade, UpgradeError, UpgradedConnection, upgrade_failed,
};

/// Extractor for a WebSocket handshake that [`WebSocketLayer`](crate::WebSocketLayer)
/// has validated and negotiated.
///
/// The handler may look at what was agreed ([`protocol`](Self::protocol),
/// [`negotiated`](Self::negotiated)), then either accept with
/// [`on_upgrade`](Self::on_upgrade) (or `on_websocket` with the default `tungstenite`
/// feature), which builds the `101 Switching Protocols`, or decline by returning any other
/// response instead (a 401 with `WWW-Authenticate`, a redirect: RFC 6455 §4.2.2 steps 2–3).
/// Headers such as `Set-Cookie` can be added to the 101 with axum's usual tuples.
///
/// Refusals are [`WebSocketUpgradeRejection`]s: a request that does not ask for a
/// WebSocket gets 426; an upgrade attempt that did not go through the layer gets 500.
///
/// The handler decides after the layer's checks and before anything is sent, so it can
/// refuse a client the policies let through:
///
/// ```
/// use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
/// use axum::response::{IntoResponse, Response};
/// use axum::{Router, routing::any};
/// use axum_ws_handshake::{WebSocketLayer, WebSocketUpgrade};
///
/// async fn handler(ws: WebSocketUpgrade, headers: HeaderMap) -> Response {
///     if !headers.contains_key(AUTHORIZATION) {
///         return StatusCode::UNAUTHORIZED.into_response(); // no 101: the handshake fails
///     }
///     ws.on_upgrade(|connection| async move {
///         // Run a codec over `connection` (tokio I/O).
///         drop(connection);
///     })
/// }
///
/// let app: Router = Router::new().route("/ws", any(handler).layer(WebSocketLayer::new()));
/// ```
#[must_use = "answer the handshake with `on_upgrade` (or decline with another response)"]
pub struct WebSocketUpgrade {
    negotiated: Negotiated,
    on_upgrade: OnUpgrade,
    #[cfg(feature = "tungstenite")]
    pub(crate) config: tokio_tungstenite::tungstenite::protocol::WebSocketConfig,
    /// Set by `deflate_config`; boxed, as few handlers set it.
    #[cfg(feature = "deflate")]
    pub(crate) deflate_config: Option<Box<sockudo_ws::Config>>,
    /// The layer's, or the one `graceful_shutdown` set (src/shutdown.rs).
    pub(crate) shutdown: Option<crate::GracefulShutdown>,
    /// Set by `on_failed_upgrade`.
    on_failed: Option<OnFailedUpgrade>,
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = WebSocketUpgradeRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let negotiated = negotiated(parts)?.clone();
        let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
            return Err(rejected(parts, ConnectionNotUpgradable.into()));
        };
        let shutdown = negotiated.shutdown.clone();
        Ok(Self {
            negotiated,
            on_upgrade,
            #[cfg(feature = "tungstenite")]
            config: crate::tungstenite::default_config(),
            #[cfg(feature = "deflate")]
            deflate_config: None,
            shutdown,
            on_failed: None,
        })
    }
}

/// What the layer agreed for this request, or why there is nothing: not an upgrade
/// attempt (426), or one that did not pass the layer (500).
fn negotiated(parts: &Parts) -> Result<&Negotiated, WebSocketUpgradeRejection> {
    parts
        .extensions
        .get::<Negotiated>()
        .ok_or_else(|| rejected(parts, missing(parts)))
}

fn missing(parts: &Parts) -> WebSocketUpgradeRejection {
    let attempt = upgrade_attempt(
        &parts.method,
        parts.version,
        &parts.headers,
        &parts.extensions,
    );
    match attempt {
        Some(_) => LayerMissing.into(),
        None => NotUpgradeAttempt::for_version(parts.version).into(),
    }
}

/// `rejection`, logged.
fn rejected(parts: &Parts, rejection: WebSocketUpgradeRejection) -> WebSocketUpgradeRejection {
    trace::rejected(rejection.status(), rejection.name(), Some(parts));
    rejection
}

/// What the layer agreed with the client, for any handler behind it: beside this crate's
/// [`WebSocketUpgrade`], or beside axum's own `WebSocketUpgrade`, whose socket knows
/// only the subprotocol the handler chose. A copy: extractors may come in any order. It
/// keeps no slice of the request, so holding it for the connection's life costs the
/// few bytes of the `Origin` and nothing of hyper's read buffer.
///
/// Refused as [`WebSocketUpgrade`] is; `Option<Negotiated>` is `None` instead.
impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = WebSocketUpgradeRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut negotiated = negotiated(parts)?.clone();
        negotiated.detach_from_request();
        Ok(negotiated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Negotiated {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let mut negotiated = parts.extensions.get::<Negotiated>().cloned();
        if let Some(negotiated) = &mut negotiated {
            negotiated.detach_from_request();
        }
        Ok(negotiated)
    }
}

impl WebSocketUpgrade {
    /// Everything the layer agreed with the client.
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// The chosen subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.negotiated.protocol()
    }

    /// The request's `Origin`, which the origin policy allowed; `None` for a client that
    /// sent none.
    pub fn origin(&self) -> Option<&str> {
        self.negotiated.origin()
    }

    /// The credential offered as a subprotocol: see [`Negotiated::credential`].
    pub fn credential(&self) -> Option<&crate::policy::SubprotocolCredential> {
        self.negotiated.credential()
    }

    /// Runs `callback` with the error if the connection ends before the handshake
    /// response is sent (the client went away first), instead of the default: a DEBUG
    /// event. For [`on_upgrade`](Self::on_upgrade) and the codecs' `on_*` methods;
    /// [`accept`](Self::accept) hands the error to its caller.
    ///
    /// ```
    /// use axum::response::Response;
    /// use axum_ws_handshake::WebSocketUpgrade;
    ///
    /// async fn handler(ws: WebSocketUpgrade) -> Response {
    ///     ws.on_failed_upgrade(|error| eprintln!("{error}"))
    ///         .on_upgrade(|connection| async move { drop(connection) })
    /// }
    /// ```
    pub fn on_failed_upgrade<C>(mut self, callback: C) -> Self
    where
        C: FnOnce(UpgradeError) + Send + 'static,
    {
        self.on_failed = Some(Box::new(callback));
        self
    }

    /// Accepts: returns the handshake response (101 over HTTP/1.1, 200 over HTTP/2) and,
    /// once hyper has sent it, runs `callback` on its own task with the connection.
    ///
    /// If the upgrade fails (the client went away before the 101 was sent), `callback`
    /// never runs.
    ///
    /// The connection is plain tokio I/O, so any codec can run over it: here
    /// fastwebsockets'. It speaks no extension, which is what the layer agrees to unless
    /// its [`ExtensionPolicy`](crate::policy::ExtensionPolicy) accepts one.
    ///
    /// ```
    /// use axum::response::Response;
    /// use axum_ws_handshake::WebSocketUpgrade;
    /// use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
    ///
    /// async fn echo(ws: WebSocketUpgrade) -> Response {
    ///     ws.on_upgrade(|connection| async move {
    ///         let socket = WebSocket::after_handshake(connection, Role::Server);
    ///         let mut socket = FragmentCollector::new(socket); // whole messages
    ///         while let Ok(frame) = socket.read_frame().await {
    ///             let echoed = match frame.opcode {
    ///                 OpCode::Close => break,
    ///                 OpCode::Text | OpCode::Binary => socket.write_frame(frame).await,
    ///                 _ => Ok(()),
    ///             };
    ///             if echoed.is_err() {
    ///                 break;
    ///             }
    ///         }
    ///     })
    /// }
    /// ```
    #[must_use = "return the response: the callback runs only once it has been sent"]
    pub fn on_upgrade<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(UpgradedConnection) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.spawn_accepted(|pending, on_failed| async move {
            match pending.await {
                Ok(connection) => callback(connection).await,
                Err(error) => upgrade_failed(on_failed, error),
            }
        })
    }

    /// Accepts, and spawns the task that `task` makes of the pending upgrade and the
    /// failure callback: the one hand-off behind [`on_upgrade`](Self::on_upgrade) and
    /// the codecs' `on_*` methods. A codec builds its socket inside this task rather
    /// than in a callback of `on_upgrade`'s: one future fewer to build and move per
    /// connection.
    pub(crate) fn spawn_accepted<F, T>(mut self, task: F) -> Response
    where
        F: FnOnce(PendingUpgrade, Option<OnFailedUpgrade>) -> T,
        T: Future<Output = ()> + Send + 'static,
    {
        // Given a shutdown, the task runs on its tracker from the response on, so that
        // `wait` cannot miss a socket whose upgrade is under way.
        let tracker = self.shutdown.as_ref().map(|s| s.tracker().clone());
        let on_failed = self.on_failed.take();
        let (response, pending) = self.accept();
        spawn_hand_off(tracker.as_ref(), Box::pin(task(pending, on_failed)));
        response
    }

    /// Accepts, and leaves the hand-off to the caller: the handshake response (101 over
    /// HTTP/1.1, 200 over HTTP/2) to return, and the connection to await once hyper has
    /// sent it. For servers that run connections on tasks they track (a `JoinSet`,
    /// tokio-util's `TaskTracker`, for a graceful shutdown) or on another runtime;
    /// [`on_upgrade`](Self::on_upgrade) spawns a tokio task instead.
    ///
    /// ```
    /// use axum::response::Response;
    /// use axum_ws_handshake::WebSocketUpgrade;
    /// use tokio::task::JoinSet;
    ///
    /// fn accept(ws: WebSocketUpgrade, connections: &mut JoinSet<()>) -> Response {
    ///     let (response, pending) = ws.accept();
    ///     connections.spawn(async move {
    ///         if let Ok(connection) = pending.await {
    ///             // Run a codec over `connection` (tokio I/O).
    ///             drop(connection);
    ///         }
    ///     });
    ///     response
    /// }
    /// ```
    pub fn accept(self) -> (Response, PendingUpgrade) {
        let response = self.response();
        (
            response,
            PendingUpgrade::new(self.on_upgrade, self.negotiated, self.shutdown),
        )
    }

    /// The server's handshake response (RFC 6455 §4.2.2 step 5; RFC 8441 §5).
    fn response(&self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = if self.negotiated.is_extended_connect() {
            StatusCode::OK
        } else {
            StatusCode::SWITCHING_PROTOCOLS
        };
        *response.headers_mut() = self.negotiated.response_headers();
        response
    }
}

impl fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

/// Spawns the hand-off task of [`WebSocketUpgrade::spawn_accepted`], on the shutdown's
/// tracker if there is one. The task is boxed (a codec's future is large, and tokio copies a
/// task's future as it spawns and finishes it) and
/// this is not generic, so that tokio's task machinery is compiled once, here, rather than
/// in every crate that calls `on_upgrade`.
fn spawn_hand_off(
    tracker: Option<&tokio_util::task::TaskTracker>,
    task: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
) {
    match tracker {
        None => drop(tokio::spawn(task)),
        Some(tracker) => drop(tracker.spawn(task)),
    }
}
