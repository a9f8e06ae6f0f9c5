//! An HTTP/1.1 client on a raw socket: requests written byte for byte ([`Req`]), and
//! responses read off the wire and parsed ([`Conn`], [`RawResponse`]). A [`Conn`] keeps
//! what it read past a response head: after a 101, the WebSocket's first bytes.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::{RFC_ACCEPT, RFC_KEY, TIMEOUT};

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// An HTTP/1.1 request written out byte for byte: method, target, version and header
/// lines in the order given, with their names spelled as given. Any byte can go
/// anywhere: the request line can be replaced whole, lines added after the headers as
/// they are, the line ending changed.
#[derive(Debug, Clone)]
pub struct Req {
    method: Vec<u8>,
    target: Vec<u8>,
    version: Vec<u8>,
    /// The request line, if set whole (then method, target and version are unused).
    line: Option<Vec<u8>>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Lines written as they are after the headers.
    raw_lines: Vec<Vec<u8>>,
    eol: &'static [u8],
}

impl Req {
    /// A bare request without headers.
    pub fn new(method: &str, target: impl AsRef<[u8]>) -> Self {
        Self {
            method: method.into(),
            target: target.as_ref().to_vec(),
            version: b"HTTP/1.1".to_vec(),
            line: None,
            headers: Vec::new(),
            raw_lines: Vec::new(),
            eol: b"\r\n",
        }
    }

    /// The valid opening handshake of RFC 6455 §1.2 / §4.1 (without Origin and
    /// subprotocols), to `target` on the server at `addr` (its `Host`).
    pub fn handshake(addr: SocketAddr, target: &str) -> Self {
        Self::new("GET", target)
            .add("Host", addr.to_string())
            .add("Upgrade", "websocket")
            .add("Connection", "Upgrade")
            .add("Sec-WebSocket-Key", RFC_KEY)
            .add("Sec-WebSocket-Version", "13")
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = method.into();
        self
    }

    pub fn version(mut self, version: &str) -> Self {
        self.version = version.into();
        self
    }

    /// Replaces the request line whole.
    pub fn line(mut self, line: impl AsRef<[u8]>) -> Self {
        self.line = Some(line.as_ref().to_vec());
        self
    }

    /// Appends a header line.
    pub fn add(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.as_ref().to_vec(), value.as_ref().to_vec()));
        self
    }

    /// Appends a line as it is, after the headers.
    pub fn raw_line(mut self, line: impl AsRef<[u8]>) -> Self {
        self.raw_lines.push(line.as_ref().to_vec());
        self
    }

    /// Removes every line of the header `name` (case-insensitive).
    pub fn remove(mut self, name: &str) -> Self {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()));
        self
    }

    /// Replaces every line of the header `name` with one line (kept at the position of
    /// the first), or appends it.
    pub fn set(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        let value = value.as_ref().to_vec();
        let name_matches = |n: &[u8]| n.eq_ignore_ascii_case(name.as_bytes());
        match self.headers.iter().position(|(n, _)| name_matches(n)) {
            Some(first) => {
                self.headers[first].1 = value;
                let mut index = 0;
                self.headers.retain(|(n, _)| {
                    let keep = index <= first || !name_matches(n);
                    index += 1;
                    keep
                });
            }
            None => self.headers.push((name.as_bytes().to_vec(), value)),
        }
        self
    }

    /// The line ending (`\r\n` unless set).
    pub fn eol(mut self, eol: &'static [u8]) -> Self {
        self.eol = eol;
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = match &self.line {
            Some(line) => line.clone(),
            None => [&self.method[..], &self.target, &self.version].join(&b' '),
        };
        out.extend_from_slice(self.eol);
        for (name, value) in &self.headers {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(self.eol);
        }
        for line in &self.raw_lines {
            out.extend_from_slice(line);
            out.extend_from_slice(self.eol);
        }
        out.extend_from_slice(self.eol);
        out
    }
}

// ---------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The head exactly as received, up to and including the blank line.
    pub head: String,
    /// `HTTP/1.1 101 Switching Protocols`.
    pub status_line: String,
    pub status: u16,
    /// Header lines in order, names lowercased, values as sent; repeated headers kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of header `name`, which must appear at most once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(
            all.len() <= 1,
            "{name} appears {} times in\n{}",
            all.len(),
            self.head
        );
        all.first().copied()
    }

    pub fn has(&self, name: &str) -> bool {
        !self.all(name).is_empty()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A connection to the server (TCP, or an HTTP/2 stream after an extended CONNECT), with
/// what has been read but not yet consumed.
pub struct Conn<S = TcpStream> {
    stream: S,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Self {
        let stream = timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self::new(stream)
    }
}

impl<S> Conn<S> {
    /// The same connection on `wrap(stream)` (boxed, say), what was read kept.
    pub fn map_stream<T>(self, wrap: impl FnOnce(S) -> T) -> Conn<T> {
        Conn {
            stream: wrap(self.stream),
            buf: self.buf,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// A connection on `stream`, nothing read yet.
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Writes `bytes` with one `write_all`.
    pub async fn write(&mut self, bytes: &[u8]) {
        timeout(TIMEOUT, self.stream.write_all(bytes))
            .await
            .expect("write timed out")
            .expect("write");
    }

    /// Reads more bytes into the buffer: `Ok(false)` at EOF.
    pub(super) async fn read_more(&mut self) -> std::io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = timeout(TIMEOUT, self.stream.read(&mut chunk))
            .await
            .unwrap_or_else(|_| panic!("read timed out ({TIMEOUT:?})"))?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Reads more bytes into the buffer; `false` at EOF, a panic on a read error.
    async fn fill(&mut self) -> bool {
        self.read_more().await.expect("read")
    }

    /// Takes exactly `n` bytes, reading as needed.
    pub async fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(
                self.fill().await,
                "EOF after {} of {n} bytes: {:?}",
                self.buf.len(),
                String::from_utf8_lossy(&self.buf)
            );
        }
        self.buf.drain(..n).collect()
    }

    /// Reads a response head up to `\r\n\r\n` and parses it; the body stays unread.
    pub async fn read_head(&mut self) -> RawResponse {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(
                self.fill().await,
                "EOF before the end of the response head: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        };
        let head: Vec<u8> = self.buf.drain(..end).collect();
        let head = String::from_utf8(head).expect("response head is not UTF-8");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap().to_owned();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        assert!(
            version.starts_with("HTTP/1."),
            "bad status line {status_line:?}"
        );
        let status = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (name, value) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("bad header line {line:?}"));
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        RawResponse {
            head,
            status_line,
            status,
            headers,
            body: Vec::new(),
        }
    }

    /// Reads a whole response: the head, then the body by `Content-Length`, chunked
    /// coding, or to EOF. A 101 has no body: what follows it is the WebSocket.
    pub async fn read_response(&mut self) -> RawResponse {
        let mut response = self.read_head().await;
        if response.status == 101 || response.status == 204 || response.status == 304 {
            return response;
        }
        if let Some(length) = response.header("content-length") {
            let length: usize = length.parse().expect("content-length");
            response.body = self.take(length).await;
        } else if response
            .header("transfer-encoding")
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            loop {
                let line = self.take_line().await;
                let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16)
                    .expect("chunk size");
                if size == 0 {
                    while !self.take_line().await.is_empty() {}
                    break;
                }
                let chunk = self.take(size).await;
                response.body.extend_from_slice(&chunk);
                assert_eq!(self.take(2).await, b"\r\n");
            }
        } else {
            response.body = self.read_to_end().await;
        }
        response
    }

    async fn take_line(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..i + 2).collect();
                return String::from_utf8_lossy(&line[..i]).into_owned();
            }
            assert!(self.fill().await, "EOF in chunked body");
        }
    }

    /// Everything until the server closes the connection.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        while self.fill().await {}
        std::mem::take(&mut self.buf)
    }

    /// Bytes already read but not consumed.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Drops the first `n` bytes of [`Self::pending`].
    pub(super) fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
    }
}

/// Connects, writes `request` in one write, reads the whole response.
pub async fn exchange(addr: SocketAddr, request: &Req) -> RawResponse {
    let mut conn = Conn::connect(addr).await;
    conn.write(&request.bytes()).await;
    conn.read_response().await
}

/// Asserts that `response` is the 101 of a successful handshake for the RFC key
/// (RFC 6455 §4.2.2 step 5).
#[track_caller]
pub fn assert_switching_protocols(response: &RawResponse) {
    assert_eq!(
        response.status_line, "HTTP/1.1 101 Switching Protocols",
        "{}",
        response.head
    );
    assert_eq!(
        response.header("upgrade"),
        Some("websocket"),
        "{}",
        response.head
    );
    assert_eq!(
        response.header("connection"),
        Some("upgrade"),
        "{}",
        response.head
    );
    assert_eq!(
        response.header("sec-websocket-accept"),
        Some(RFC_ACCEPT),
        "{}",
        response.head
    );
}
