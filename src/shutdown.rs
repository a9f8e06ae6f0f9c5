//! Graceful shutdown: a signal that the sockets handed over expose, and the tracker
//! their tasks run on, so that a server can close them with 1001 (going away) and wait
//! for the close handshakes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio_util::task::TaskTracker;

use crate::{UpgradedConnection, WebSocketUpgrade};

/// A server's shutdown, shared with the WebSockets it accepted: a signal they select on
/// to close with 1001 (going away), and the tracker their tasks are spawned on, so that
/// the server can wait for the close handshakes.
///
/// Give it to the layer ([`WebSocketLayer::graceful_shutdown`](crate::WebSocketLayer::graceful_shutdown):
/// every route behind it, and new attempts refused with 503 once it has started) or to one
/// handler's [`WebSocketUpgrade::graceful_shutdown`] (from the handler's state): the
/// task that [`on_websocket`](WebSocketUpgrade::on_websocket),
/// `on_deflate_websocket` or [`on_upgrade`](WebSocketUpgrade::on_upgrade) spawns is
/// tracked, and the socket's [`shutdown_signal`](UpgradedConnection::shutdown_signal)
/// fires on [`start`](Self::start). The crate cannot write into a socket that the
/// callback owns: the callback selects on the signal and sends the Close itself.
///
/// The tasks run on a tokio-util [`TaskTracker`]; a server can track its connection
/// tasks on [`tracker`](Self::tracker) too (over HTTP/2 a WebSocket is a stream of its
/// connection: the connection task must run until the Close has left). A server with a
/// `CancellationToken` of its own calls [`start`](Self::start) when it is cancelled.
///
/// ```
/// use std::time::Duration;
///
/// use axum::{Router, extract::State, response::Response, routing::any};
/// use axum_ws_handshake::tungstenite::{CloseCode, CloseFrame};
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
    started: AtomicBool,
    /// The wakers of the signals waiting for the start.
    waiting: Mutex<Waiting>,
    tracker: TaskTracker,
}

impl GracefulShutdown {
    /// A shutdown not started, with a tracker of its own.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the shutdown: every [`ShutdownSignal`] fires, and the tracker is closed, so
    /// that [`wait`](Self::wait) ends once its tasks have.
    pub fn start(&self) {
        self.shared.started.store(true, Ordering::Release);
        // Taken under the lock, woken after it: a waker may run code of its own.
        let wakers = self.shared.waiting().take();
        wakers.into_iter().flatten().for_each(Waker::wake);
        self.shared.tracker.close();
    }

    /// Whether [`start`](Self::start) was called.
    pub fn is_started(&self) -> bool {
        self.shared.started.load(Ordering::Acquire)
    }

    /// A future that resolves when the shutdown starts.
    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(Some(&self.shared))
    }

    /// Waits until every tracked task has ended, once the shutdown has started (until
    /// then the tracker is open and this does not resolve). Bound it with a timeout: a
    /// client that never answers the Close would hold it otherwise.
    pub async fn wait(&self) {
        self.shared.tracker.wait().await;
    }

    /// The tracker that the sockets' tasks are spawned on. A server spawns its
    /// connection tasks here too, so that [`wait`](Self::wait) covers them.
    pub fn tracker(&self) -> &TaskTracker {
        &self.shared.tracker
    }
}

impl Shared {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        // Nothing that can panic runs under the lock; a poisoned one is still sound.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The waiting signals' wakers, by slot; freed slots are reused.
#[derive(Default)]
struct Waiting {
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl Waiting {
    fn insert(&mut self, waker: Waker) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.wakers[slot] = Some(waker);
                slot
            }
            None => {
                self.wakers.push(Some(waker));
                self.wakers.len() - 1
            }
        }
    }

    fn remove(&mut self, slot: usize) {
        self.wakers[slot] = None;
        self.free.push(slot);
    }

    /// Every waker, the slots kept (their signals free them when dropped).
    fn take(&mut self) -> Vec<Option<Waker>> {
        self.wakers.iter_mut().map(Option::take).collect()
    }
}

impl fmt::Debug for GracefulShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GracefulShutdown")
            .field("started", &self.is_started())
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
    /// resolves for a connection accepted without a shutdown (the layer's
    /// [`graceful_shutdown`](crate::WebSocketLayer::graceful_shutdown) or
    /// [`WebSocketUpgrade::graceful_shutdown`]).
    ///
    /// A tokio-tungstenite `WebSocket` reaches it through `socket.get_ref()`.
    pub fn shutdown_signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(self.shutdown.as_ref().map(|s| &s.shared))
    }
}

#[cfg(feature = "deflate")]
impl crate::deflate::DeflateWebSocket {
    /// A future that resolves when the server's shutdown starts: see
    /// [`UpgradedConnection::shutdown_signal`]. Send the Close with
    /// `close(1001, reason)`, then read on until the stream ends.
    pub fn shutdown_signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(self.shutdown.as_ref().map(|s| &s.shared))
    }
}

/// Resolves when a server's shutdown starts ([`GracefulShutdown::start`]); never, for
/// a connection accepted without one.
///
/// Owned (`'static`) and `Unpin`: select on `&mut signal` in a loop. Once it has
/// resolved, it resolves again at once.
///
/// A poll costs two atomic loads while the shutdown has not started: a socket's loop
/// polls it on every message. (tokio's `Notify`, under tokio-util's `CancellationToken`,
/// takes a lock on every poll.) The lock is taken when the signal is first polled, when
/// its task's waker changes, and when it is dropped.
#[must_use = "futures do nothing unless polled"]
pub struct ShutdownSignal {
    /// `None`: a connection accepted without a shutdown; the signal never fires.
    shared: Option<Arc<Shared>>,
    /// The slot of this signal's waker in `shared`, and the waker put there.
    registered: Option<(usize, Waker)>,
}

impl ShutdownSignal {
    fn new(shared: Option<&Arc<Shared>>) -> Self {
        Self {
            shared: shared.cloned(),
            registered: None,
        }
    }
}

impl Future for ShutdownSignal {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(shared) = &this.shared else {
            return Poll::Pending;
        };
        if shared.started.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        match &mut this.registered {
            Some((_, waker)) if waker.will_wake(cx.waker()) => {}
            Some((slot, waker)) => {
                *waker = cx.waker().clone();
                shared.waiting().wakers[*slot] = Some(waker.clone());
            }
            None => {
                let waker = cx.waker().clone();
                let slot = shared.waiting().insert(waker.clone());
                this.registered = Some((slot, waker));
            }
        }
        // `start` may have taken the wakers before this one was put in: it set `started`
        // first.
        if shared.started.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for ShutdownSignal {
    fn drop(&mut self) {
        if let (Some(shared), Some((slot, _))) = (&self.shared, &self.registered) {
            shared.waiting().remove(*slot);
        }
    }
}

impl fmt::Debug for ShutdownSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.shared {
            None => "never",
            Some(shared) if shared.started.load(Ordering::Acquire) => "fired",
            Some(_) => "waiting",
        };
        f.debug_struct("ShutdownSignal")
            .field("state", &state)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    /// Counts its wake-ups.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll(signal: &mut ShutdownSignal, waker: &Waker) -> Poll<()> {
        Pin::new(signal).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_signal_fires_on_start_and_wakes_its_task_once() {
        let shutdown = GracefulShutdown::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let mut signal = shutdown.signal();
        assert!(poll(&mut signal, &waker).is_pending());
        assert!(
            poll(&mut signal, &waker).is_pending(),
            "polled again, same waker"
        );
        shutdown.start();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut signal, &waker).is_ready());
        assert!(poll(&mut signal, &waker).is_ready(), "and again once fired");
        assert!(
            poll(&mut shutdown.signal(), &waker).is_ready(),
            "a later signal"
        );
    }

    #[test]
    fn the_latest_waker_is_woken_and_dropped_signals_free_their_slot() {
        let shutdown = GracefulShutdown::new();
        let (first, second) = (
            Arc::new(Count(AtomicUsize::new(0))),
            Arc::new(Count(AtomicUsize::new(0))),
        );
        let mut signal = shutdown.signal();
        assert!(poll(&mut signal, &Waker::from(Arc::clone(&first))).is_pending());
        assert!(poll(&mut signal, &Waker::from(Arc::clone(&second))).is_pending());
        let mut dropped = shutdown.signal();
        assert!(poll(&mut dropped, &Waker::from(Arc::clone(&first))).is_pending());
        drop(dropped);
        assert_eq!(shutdown.shared.waiting().free, [1]);
        shutdown.start();
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn without_a_shutdown_the_signal_never_fires() {
        let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut signal = ShutdownSignal::new(None);
        assert!(poll(&mut signal, &waker).is_pending());
    }
}
