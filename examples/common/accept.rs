//! The examples' accept loop step, shared by the cleartext server (serve.rs) and the TLS
//! one (tls.rs).

use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The next connection, with Nagle's algorithm off (the handshake's 101 and small
/// WebSocket frames go out at once). An accept error (out of file descriptors, say) is
/// waited out instead of spun on.
pub async fn accept(listener: &TcpListener) -> TcpStream {
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
