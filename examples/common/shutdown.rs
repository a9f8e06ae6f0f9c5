//! The examples' logging and graceful shutdown, shared by the cleartext server (echo.rs)
//! and the TLS one (tls.rs).

use std::io::IsTerminal;
use std::time::Duration;

use axum_ws_handshake::GracefulShutdown;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// How long the WebSockets get to finish their close handshakes after the signal.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(5);

/// Logs to stderr (stdout carries the `listening on` line that scripts read), filtered by
/// `RUST_LOG` (default `info`; e.g. `RUST_LOG=axum_ws_handshake=debug`).
pub fn init_logging() {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere than on Unix), handled from the moment this is
/// made: made before the server says it listens, a signal sent right after that line
/// shuts it down gracefully instead of killing it.
pub struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next signal's name.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Runs `server` (which returns once `shutdown` starts) until a signal; then starts the
/// shutdown: the server stops accepting, every WebSocket is sent a Close with 1001 (going
/// away), and their close handshakes and the connections are waited for, up to
/// [`SHUTDOWN_BOUND`]. A second signal ends the wait.
pub async fn run_until_signal(
    server: impl Future<Output = ()>,
    shutdown: &GracefulShutdown,
    mut signals: Signals,
) {
    let mut server = std::pin::pin!(server);
    tokio::select! {
        () = server.as_mut() => {}
        name = signals.recv() => {
            tracing::info!(
                signal = name,
                tasks = shutdown.tracker().len(),
                "shutting down: no new connections; closing WebSockets with 1001 (going away)"
            );
            shutdown.start();
        }
    }
    server.await;
    tokio::select! {
        finished = tokio::time::timeout(SHUTDOWN_BOUND, shutdown.wait()) => match finished {
            Ok(()) => tracing::info!("shut down: every connection closed"),
            Err(_) => tracing::warn!(
                tasks = shutdown.tracker().len(),
                "shut down: connections still open after {SHUTDOWN_BOUND:?}"
            ),
        },
        name = signals.recv() => tracing::warn!(
            signal = name,
            tasks = shutdown.tracker().len(),
            "shut down: second signal, not waiting any longer"
        ),
    }
}
