//! The raw HTTP/1.1 opening handshake of the bench clients: the bytes written are the
//! caller's, so that no client library sits between them and the count.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// The `Sec-WebSocket-Accept` a server must answer to `key` (RFC 6455 §4.2.2).
pub fn accept_for(key: &str) -> String {
    STANDARD.encode(
        Sha1::new()
            .chain_update(key.as_bytes())
            .chain_update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
            .finalize(),
    )
}

/// Connects (`TCP_NODELAY`), writes `request`, and reads the response head: it must be a
/// `101` with `accept` as its `Sec-WebSocket-Accept`, and nothing may follow it before a
/// frame is sent. The open connection and the head, without its blank line.
pub async fn open(
    addr: SocketAddr,
    request: &str,
    accept: &str,
    read_timeout: Duration,
) -> Result<(TcpStream, String), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let end = loop {
        let n = timeout(read_timeout, stream.read(&mut buf))
            .await
            .map_err(|_| "timed out reading the response".to_owned())?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed before the response ended".to_owned());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
    };
    if end + 4 != head.len() {
        return Err("bytes after the 101 before any frame was sent".to_owned());
    }
    head.truncate(end);
    let head = String::from_utf8(head).map_err(|e| e.to_string())?;
    let status = head.split("\r\n").next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 101 ") {
        return Err(format!("status: {status:?}"));
    }
    let answered = header(&head, "sec-websocket-accept");
    if answered != Some(accept) {
        return Err(format!(
            "Sec-WebSocket-Accept {answered:?}, expected {accept:?}"
        ));
    }
    Ok((stream, head))
}

/// The first value of header `name` in a response head, trimmed.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}
