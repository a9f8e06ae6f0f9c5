//! Graceful shutdown: a signal that the sockets handed over expose, and the tracker
//! their tasks run on, so that a server can close them with 1001 (going away) and wait
//! for the close handshakes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::Response;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;

use crate::{UpgradedConnection, WebSocketUpgrade};

/// A server's shutdown, shared with the WebSockets it accepted: a signal they select on
/// to close with 1001 (going away), and the tracker their tasks are spawned on, so that
/// the server can wait for the close handshakes.
///
/// Give it to [`WebSocketUpgrade::graceful_shutdown`] (from the handler's state): the
/// task that [`on_websocket`](WebSocketUpgrade::on_websocket),
/// `on_deflate_websocket` or [`on_upgrade`](WebSocketUpgrade::on_upgrade) spawns is
/// tracked, and the socket's [`shutdown_signal`](UpgradedConnection::shutdown_signal)
/// fires on [`start`](Self::start). The crate cannot write into a socket that the
/// callback owns: the callback selects on the signal and sends the Close itself.
///
/// Made of tokio-util's [`CancellationToken`] and [`TaskTracker`]; a server that has its
/// own builds one with [`from_parts`](Self::from_parts), and can track its connection
/// tasks on [`tracker`](Self::tracker) too (over HTTP/2 a WebSocket is a stream of its
/// connection: the connection task must run until the Close has left).
///
/// ```
/// use std::time::Duration;
///
/// use axum::{Router, extract::State, response::Response, routing::any};
/// use axum_ws_handshake::tokio_tungstenite::tungstenite::protocol::CloseFrame;
/// use axum_ws_handshake::tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
/// use axum_ws_handshake::{GracefulShutdown, WebSocket, WebSocketLayer, WebSocketUpgrade};
/// use futures_util::{SinkExt, StreamExt};
///
/// async fn echo(State(shutdown): State<GracefulShutdown>, ws: WebSocketUpgrade) -> Response {
///     ws.graceful_shutdown(shutdown).on_websocket(|mut socket: WebSocket| async move {
///         let mut going_away = socket.get_ref().shutdown_signal();
///         loop {
///             tokio::select! {
///                 message = socket.next() => match message {
///                     Some(Ok(message)) if message.is_text() || message.is_binary() => {
///                         if socket.send(message).await.is_err() {
///                             return;
///                         }
///                     }
///                     Some(Ok(_)) => {}
///                     _ => return,
///                 },
///                 () = &mut going_away => break,
///             }
///         }
///         // Close 1001, then read on until the client's Close ends the stream.
///         let away = CloseFrame { code: CloseCode::Away, reason: "shutting down".into() };
///         let _ = socket.close(Some(away)).await;
///         while let Some(Ok(_)) = socket.next().await {}
///     })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let shutdown = GracefulShutdown::new();
/// let app: Router = Router::new()
///     .route("/echo", any(echo).layer(WebSocketLayer::new()))
///     .with_state(shutdown.clone());
/// // ... serve `app`; then, on SIGTERM, once the listener is closed:
/// shutdown.start();
/// let closed = tokio::time::timeout(Duration::from_secs(5), shutdown.wait()).await;
/// assert!(closed.is_ok());
/// # }
/// ```
#[derive(Clone, Default)]
pub struct GracefulShutdown {
    // One reference count to clone, and one word in `WebSocketUpgrade`.
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    token: CancellationToken,
    tracker: TaskTracker,
}

impl GracefulShutdown {
    /// A shutdown not started, with a new token and tracker.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A shutdown made of a server's own token (cancelling it starts the shutdown) and
    /// tracker (the sockets' tasks are spawned on it).
    #[must_use]
    pub fn from_parts(token: CancellationToken, tracker: TaskTracker) -> Self {
        Self {
            shared: Arc::new(Shared { token, tracker }),
        }
    }

    /// Starts the shutdown: every [`ShutdownSignal`] fires (the token is cancelled), and
    /// the tracker is closed, so that [`wait`](Self::wait) ends once its tasks have.
    pub fn start(&self) {
        self.shared.token.cancel();
        self.shared.tracker.close();
    }

    /// Whether [`start`](Self::start) was called (or the token cancelled).
    pub fn is_started(&self) -> bool {
        self.shared.token.is_cancelled()
    }

    /// A future that resolves when the shutdown starts.
    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(Some(&self.shared.token))
    }

    /// Waits until every tracked task has ended, once the shutdown has started (until
    /// then the tracker is open and this does not resolve). Bound it with a timeout: a
    /// client that never answers the Close would hold it otherwise.
    pub async fn wait(&self) {
        self.shared.tracker.wait().await;
    }

    /// The token that [`start`](Self::start) cancels.
    pub fn token(&self) -> &CancellationToken {
        &self.shared.token
    }

    /// The tracker that the sockets' tasks are spawned on. A server spawns its
    /// connection tasks here too, so that [`wait`](Self::wait) covers them.
    pub fn tracker(&self) -> &TaskTracker {
        &self.shared.tracker
    }
}

/// `on_upgrade`'s hand-off for a `ws` given a shutdown: the task, which awaits the
/// upgrade and runs the callback, is spawned on the shutdown's `tracker` from the
/// response on, so that `wait` cannot miss a socket whose upgrade is under way. The
/// connection gets the shutdown from the `PendingUpgrade`.
pub(crate) fn on_upgrade_tracked<C, Fut>(
    ws: WebSocketUpgrade,
    tracker: TaskTracker,
    callback: C,
) -> Response
where
    C: FnOnce(UpgradedConnection) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (response, pending) = ws.accept();
    spawn_tracked(
        &tracker,
        Box::pin(async move {
            if let Ok(connection) = pending.await {
                callback(connection).await;
            }
        }),
    );
    response
}

/// Boxed, as `on_upgrade` boxes the callback's future (tokio copies a task's future as it
/// spawns it), and not generic: tokio's task machinery for a tracked task is compiled
/// once, here, rather than in every crate that calls `on_upgrade`.
fn spawn_tracked(tracker: &TaskTracker, task: Pin<Box<dyn Future<Output = ()> + Send>>) {
    drop(tracker.spawn(task));
}

impl fmt::Debug for GracefulShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GracefulShutdown")
            .field("started", &self.shared.token.is_cancelled())
            .field("tracker", &self.shared.tracker)
            .finish()
    }
}

impl WebSocketUpgrade {
    /// Gives the connection `shutdown`'s signal
    /// ([`UpgradedConnection::shutdown_signal`], and the same on the deflate socket), and
    /// runs its task on `shutdown`'s tracker when the crate spawns it
    /// ([`on_upgrade`](Self::on_upgrade), `on_websocket`, `on_deflate_websocket`).
    /// After [`accept`](Self::accept) the task is the caller's to spawn (on
    /// [`GracefulShutdown::tracker`], for the shutdown to wait for it); the connection
    /// the [`PendingUpgrade`](crate::PendingUpgrade) resolves to has the signal.
    ///
    /// See [`GracefulShutdown`] for the pattern.
    pub fn graceful_shutdown(mut self, shutdown: GracefulShutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }
}

impl UpgradedConnection {
    /// A future that resolves when the server's shutdown starts, for the callback to
    /// select on beside reading the socket, then close with 1001 (going away). It never
    /// resolves for a connection accepted without
    /// [`WebSocketUpgrade::graceful_shutdown`].
    ///
    /// A tokio-tungstenite `WebSocket` reaches it through `socket.get_ref()`.
    pub fn shutdown_signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(self.shutdown.as_ref().map(|s| &s.shared.token))
    }
}

#[cfg(feature = "deflate")]
impl crate::deflate::DeflateWebSocket {
    /// A future that resolves when the server's shutdown starts: see
    /// [`UpgradedConnection::shutdown_signal`]. Send the Close with
    /// `close(1001, reason)`, then read on until the stream ends.
    pub fn shutdown_signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(self.shutdown.as_ref().map(|s| &s.shared.token))
    }
}

/// Resolves when a server's shutdown starts ([`GracefulShutdown::start`]); never, for
/// a connection accepted without one.
///
/// Owned (`'static`) and `Unpin`: select on `&mut signal` in a loop. Once it has
/// resolved, it resolves again at once.
#[must_use = "futures do nothing unless polled"]
pub struct ShutdownSignal {
    state: State,
}

enum State {
    Never,
    Waiting(Pin<Box<WaitForCancellationFutureOwned>>),
    Fired,
}

impl ShutdownSignal {
    fn new(token: Option<&CancellationToken>) -> Self {
        let state = match token {
            None => State::Never,
            Some(token) if token.is_cancelled() => State::Fired,
            // Boxed so that the signal is `Unpin`; one allocation per socket, and only
            // when a shutdown is configured.
            Some(token) => State::Waiting(Box::pin(token.clone().cancelled_owned())),
        };
        Self { state }
    }
}

impl Future for ShutdownSignal {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.state {
            State::Never => Poll::Pending,
            State::Fired => Poll::Ready(()),
            State::Waiting(cancelled) => {
                std::task::ready!(cancelled.as_mut().poll(cx));
                self.state = State::Fired;
                Poll::Ready(())
            }
        }
    }
}

impl fmt::Debug for ShutdownSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Never => "never",
            State::Waiting(_) => "waiting",
            State::Fired => "fired",
        };
        f.debug_struct("ShutdownSignal")
            .field("state", &state)
            .finish()
    }
}
