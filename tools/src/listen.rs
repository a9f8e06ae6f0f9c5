//! Where the bench servers listen: bound, and announced on stdout the way the bench
//! scripts wait for (`listening on http://ADDR`).

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::net::TcpListener;

/// Binds `addr` and prints where it listens; on failure, says why on stderr.
pub async fn listen(addr: SocketAddr) -> Result<TcpListener, ExitCode> {
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        eprintln!("cannot listen on {addr}: {e}");
        ExitCode::FAILURE
    })?;
    println!(
        "listening on http://{}",
        listener.local_addr().unwrap_or(addr)
    );
    Ok(listener)
}
