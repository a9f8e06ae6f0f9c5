//! [`Handshake`]: the opening handshake a [`TestClient`] sends, and what it checks in the
//! answer.

use std::future::poll_fn;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use http::header::{
    CACHE_CONTROL, CONNECTION, HOST, ORIGIN, PRAGMA, SEC_WEBSOCKET_ACCEPT,
    SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION,
    UPGRADE, USER_AGENT,
};
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::{Body, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use sha1::{Digest, Sha1};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::client::{HttpVersion, TestClient};
use super::error::ConnectError;
use super::response::TestResponse;
use super::settings::{Settings, Watched};
use super::socket::{TestWebSocket, UpgradedIo};

/// The host the kit sends (`Host`, or `:authority` over HTTP/2) unless told otherwise.
const DEFAULT_HOST: &str = "localhost";
/// The `User-Agent` the kit sends.
const DEFAULT_USER_AGENT: &str = "axum-ws-handshake-test";
/// The GUID every server appends to the client's key (RFC 6455 §1.3).
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// An opening handshake to send, made by [`TestClient::handshake`]; nothing is sent until
/// [`send`](Self::send) or [`connect`](Self::connect) is awaited.
///
/// By default it is what a browser sends for `new WebSocket(url)` on a page of the same
/// origin, without the permessage-deflate offer (the kit's socket speaks no extension).
/// Over HTTP/1.1, in this order:
///
/// | header | value |
/// |---|---|
/// | `Host` | `localhost` |
/// | `Connection` | `Upgrade` |
/// | `Pragma`, `Cache-Control` | `no-cache` |
/// | `User-Agent` | `axum-ws-handshake-test` |
/// | `Upgrade` | `websocket` |
/// | `Origin` | `http://` and the `Host` sent ([`origin`](Self::origin)) |
/// | `Sec-WebSocket-Version` | `13` ([`version`](Self::version)) |
/// | `Sec-WebSocket-Key` | 16 fresh random bytes, base64 |
/// | `Sec-WebSocket-Protocol` | only with [`protocols`](Self::protocols) |
/// | `Sec-WebSocket-Extensions` | only with [`extensions`](Self::extensions) |
///
/// Over [HTTP/2](Self::http2) it is an extended CONNECT (RFC 8441 §4): `:method CONNECT`,
/// `:protocol websocket`, `:scheme http`, the path, and the host as `:authority`; then
/// the same headers but for `Host`, `Connection`, `Upgrade` and `Sec-WebSocket-Key`,
/// which HTTP/2 forbids or RFC 8441 drops.
///
/// [`without`](Self::without) drops one of these headers, [`header`](Self::header)
/// appends a line after them: `.without("origin")` is a non-browser client,
/// `.header("sec-websocket-key", "x")` a second key, `.without("host").header("host",
/// "example.com")` another host (the default `Origin` follows it).
#[derive(Debug)]
#[must_use = "a handshake is sent only when `send` or `connect` is awaited"]
pub struct Handshake {
    client: TestClient,
    path: String,
    version: HttpVersion,
    origin: Option<String>,
    protocols: Vec<String>,
    extensions: Option<String>,
    websocket_version: u8,
    without: Vec<HeaderName>,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The first invalid name or value given to the builder.
    error: Option<http::Error>,
}

impl Handshake {
    pub(crate) fn new(client: TestClient, path: String) -> Self {
        Self {
            client,
            path,
            version: HttpVersion::Http1,
            origin: None,
            protocols: Vec::new(),
            extensions: None,
            websocket_version: 13,
            without: Vec::new(),
            headers: Vec::new(),
            error: None,
        }
    }

    /// The `Origin` to send, such as `https://app.example.com` (default: `http://` and the
    /// host sent: the same origin as far as the server can tell). `.without("origin")`
    /// sends none.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// The subprotocols to offer, most preferred first, in one `Sec-WebSocket-Protocol`
    /// line (default: none). [`connect`](Self::connect) refuses an answer that picks one
    /// not offered.
    pub fn protocols<I>(mut self, protocols: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The `Sec-WebSocket-Extensions` line to send, such as `"permessage-deflate;
    /// client_max_window_bits"` (default: none). The kit's socket speaks no extension:
    /// [`connect`](Self::connect) refuses an answer that agrees on one; see what the server
    /// answered with [`send`](Self::send).
    pub fn extensions(mut self, extensions: impl Into<String>) -> Self {
        self.extensions = Some(extensions.into());
        self
    }

    /// The `Sec-WebSocket-Version` to send (default: 13). A server that does not support
    /// it answers 426 with the versions it does (RFC 6455 §4.4).
    pub fn version(mut self, version: u8) -> Self {
        self.websocket_version = version;
        self
    }

    /// Appends a header line after the default ones; a name already sent gets a second
    /// line. Like `http::request::Builder::header`, an invalid name or value is reported
    /// when the handshake is sent.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(name), Ok(value)) => self.headers.push((name, value)),
            (Err(error), _) => self.fail(error.into()),
            (_, Err(error)) => self.fail(error.into()),
        }
        self
    }

    /// Drops the default header `name` (any of the table above, those set by
    /// [`origin`](Self::origin), [`protocols`](Self::protocols),
    /// [`extensions`](Self::extensions) and [`version`](Self::version) included); lines
    /// added with [`header`](Self::header) are still sent. Over HTTP/2, `.without("host")`
    /// sends no `:authority`.
    pub fn without<K>(mut self, name: K) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
    {
        match name.try_into() {
            Ok(name) => self.without.push(name),
            Err(error) => self.fail(error.into()),
        }
        self
    }

    /// Sends the handshake over HTTP/2 as an extended CONNECT (RFC 8441) instead of an
    /// HTTP/1.1 `GET`. The kit's server enables extended CONNECT in its SETTINGS, and the
    /// kit waits for them on the connection before it sends the request.
    pub fn http2(mut self) -> Self {
        self.version = HttpVersion::Http2;
        self
    }

    fn fail(&mut self, error: http::Error) {
        self.error.get_or_insert(error);
    }

    /// Sends the handshake and returns the server's response, body read: for asserting
    /// refusals, or what a successful handshake's response holds (its body is empty). The
    /// connection is closed once the response is read.
    ///
    /// # Panics
    ///
    /// When the request cannot be built (an invalid path, header name or value) or the
    /// connection fails before an answer (the service panicked, say); outside a tokio
    /// runtime.
    pub async fn send(self) -> TestResponse {
        let (response, _) = match self.exchange().await {
            Ok(exchanged) => exchanged,
            Err(error) => panic!("the test kit could not send the handshake: {error}"),
        };
        // hyper gives an accepting response (a 101, a 2xx to a CONNECT) an empty body: the
        // connection is the upgrade's.
        read_whole(response).await
    }

    /// Sends the handshake and, if the server accepts it, returns the client's socket.
    ///
    /// The answer is checked as a client must (RFC 6455 §4.1): over HTTP/1.1 a `101`
    /// with `Upgrade: websocket`, `Connection: upgrade` and the `Sec-WebSocket-Accept` of
    /// the key sent; over HTTP/2 a `2xx`; on both, no extension agreed (the socket speaks
    /// none) and a subprotocol only if the client offered it. Any other answer is an
    /// error that holds the response.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn connect(self) -> Result<TestWebSocket, ConnectError> {
        let version = self.version;
        let (mut response, sent) = self.exchange().await?;
        if !is_accepted(version, response.status()) {
            return Err(ConnectError::Refused(
                read_body(response)
                    .await
                    .map_err(ConnectError::Connection)?,
            ));
        }
        let upgrade = hyper::upgrade::on(&mut response);
        let (parts, _) = response.into_parts();
        if let Err(error) = check(version, &parts.headers, &sent) {
            return Err(error(Response::from_parts(parts, Bytes::new())));
        }
        let upgraded = upgrade
            .await
            .map_err(|error| ConnectError::Connection(error.into()))?;
        let stream =
            WebSocketStream::from_raw_socket(UpgradedIo::new(upgraded), Role::Client, None).await;
        Ok(TestWebSocket::new(stream, Response::from_parts(parts, ())))
    }

    /// Sends the request on a new connection; returns the response (its body unread) and
    /// the request's headers as sent.
    async fn exchange(self) -> Result<(Response<Incoming>, HeaderMap), ConnectError> {
        let version = self.version;
        let client = self.client.clone();
        let request = self.request().map_err(ConnectError::InvalidRequest)?;
        let sent = request.headers().clone();
        let io = client.open(version);
        let connection = |error: hyper::Error| ConnectError::Connection(error.into());
        let response = match version {
            HttpVersion::Http1 => send_http1(io, request).await?,
            HttpVersion::Http2 => {
                let (io, watch) = Watched::new(io);
                let (mut sender, connection_task) =
                    hyper::client::conn::http2::Builder::new(TokioExecutor::new())
                        .handshake(TokioIo::new(io))
                        .await
                        .map_err(connection)?;
                if watch.settled().await != Settings::Applied {
                    return Err(ConnectError::Connection(
                        "the server ended the HTTP/2 connection before its SETTINGS".into(),
                    ));
                }
                if !connection_task.is_extended_connect_protocol_enabled() {
                    return Err(ConnectError::Connection(
                        "the server's SETTINGS do not enable extended CONNECT (RFC 8441 §3)".into(),
                    ));
                }
                tokio::spawn(connection_task);
                sender.send_request(request).await.map_err(connection)?
            }
        };
        Ok((response, sent))
    }

    /// The request, as the builder describes it.
    fn request(self) -> Result<Request<String>, http::Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let path: PathAndQuery = self.path.parse()?;
        let dropped = |name: &HeaderName| self.without.contains(name);
        // The host sent: the default unless dropped, else the first one added.
        let host = if dropped(&HOST) {
            self.headers
                .iter()
                .find(|(name, _)| name == HOST)
                .map(|(_, value)| value.clone())
        } else {
            Some(HeaderValue::from_static(DEFAULT_HOST))
        };
        let origin = match self.origin {
            Some(origin) => HeaderValue::try_from(origin)?,
            None => {
                let host = host
                    .as_ref()
                    .map_or(DEFAULT_HOST.as_bytes(), |h| h.as_bytes());
                HeaderValue::from_bytes(&[b"http://", host].concat())?
            }
        };
        let mut defaults: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(11);
        let http1 = self.version == HttpVersion::Http1;
        if http1 {
            defaults.extend([
                (HOST, HeaderValue::from_static(DEFAULT_HOST)),
                (CONNECTION, HeaderValue::from_static("Upgrade")),
            ]);
        }
        defaults.extend([
            (PRAGMA, HeaderValue::from_static("no-cache")),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT)),
        ]);
        if http1 {
            defaults.push((UPGRADE, HeaderValue::from_static("websocket")));
        }
        defaults.extend([
            (ORIGIN, origin),
            (
                SEC_WEBSOCKET_VERSION,
                HeaderValue::from(u16::from(self.websocket_version)),
            ),
        ]);
        if http1 {
            defaults.push((SEC_WEBSOCKET_KEY, HeaderValue::try_from(fresh_key())?));
        }
        if !self.protocols.is_empty() {
            let offer = self.protocols.join(", ");
            defaults.push((SEC_WEBSOCKET_PROTOCOL, HeaderValue::try_from(offer)?));
        }
        if let Some(extensions) = self.extensions {
            defaults.push((SEC_WEBSOCKET_EXTENSIONS, HeaderValue::try_from(extensions)?));
        }
        defaults.retain(|(name, _)| !dropped(name));

        let builder = match self.version {
            HttpVersion::Http1 => Request::builder().method(Method::GET).uri(path),
            HttpVersion::Http2 => {
                let uri = http::Uri::builder().path_and_query(path);
                let uri = match &host {
                    Some(host) => uri.scheme("http").authority(host.as_bytes()),
                    None => uri,
                };
                Request::builder()
                    .method(Method::CONNECT)
                    .uri(uri.build()?)
                    .extension(hyper::ext::Protocol::from_static("websocket"))
            }
        };
        let mut request = builder.body(String::new())?;
        let headers = request.headers_mut();
        for (name, value) in defaults.into_iter().chain(self.headers) {
            // Over HTTP/2 the host is `:authority`, not a header.
            if !http1 && name == HOST {
                continue;
            }
            headers.append(name, value);
        }
        Ok(request)
    }
}

/// Whether `status` accepts a handshake sent over `version`: `101` over HTTP/1.1 (RFC 6455
/// §4.1), a `2xx` to an extended CONNECT over HTTP/2 (RFC 8441 §5, RFC 9110 §9.3.6).
fn is_accepted(version: HttpVersion, status: StatusCode) -> bool {
    match version {
        HttpVersion::Http1 => status == StatusCode::SWITCHING_PROTOCOLS,
        HttpVersion::Http2 => status.is_success(),
    }
}

/// The client's checks of an accepting answer (RFC 6455 §4.1, the list after "the client
/// MUST validate the server's response"): what is wrong, as the error to build from the
/// response.
fn check(
    version: HttpVersion,
    headers: &HeaderMap,
    sent: &HeaderMap,
) -> Result<(), fn(Response<Bytes>) -> ConnectError> {
    if version == HttpVersion::Http1 {
        let mut upgrade = headers.get_all(UPGRADE).iter();
        let upgrade_ok = matches!(
            (upgrade.next(), upgrade.next()),
            (Some(value), None) if value.as_bytes().trim_ascii().eq_ignore_ascii_case(b"websocket")
        );
        let connection_ok = list(headers, &CONNECTION).any(|t| t.eq_ignore_ascii_case(b"upgrade"));
        if !upgrade_ok || !connection_ok {
            return Err(ConnectError::NotWebSocket);
        }
        let mut keys = sent.get_all(SEC_WEBSOCKET_KEY).iter();
        let mut accepts = headers.get_all(SEC_WEBSOCKET_ACCEPT).iter();
        let accept_ok = match (keys.next(), keys.next(), accepts.next(), accepts.next()) {
            (Some(key), None, Some(accept), None) => {
                accept.as_bytes().trim_ascii() == accept_for(key.as_bytes()).as_bytes()
            }
            _ => false,
        };
        if !accept_ok {
            return Err(ConnectError::InvalidAccept);
        }
    }
    if list(headers, &SEC_WEBSOCKET_EXTENSIONS).next().is_some() {
        return Err(ConnectError::UnsupportedExtension);
    }
    let mut chosen = headers.get_all(SEC_WEBSOCKET_PROTOCOL).iter();
    match (chosen.next(), chosen.next()) {
        (None, _) => {}
        (Some(chosen), None)
            if list(sent, &SEC_WEBSOCKET_PROTOCOL)
                .any(|offer| offer == chosen.as_bytes().trim_ascii()) => {}
        _ => return Err(ConnectError::SubprotocolNotOffered),
    }
    Ok(())
}

/// The non-empty elements of the comma-separated list header `name`, every line of it,
/// trimmed.
fn list<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|element| !element.is_empty())
}

/// `Sec-WebSocket-Accept` for `key`: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 step 5.4).
fn accept_for(key: &[u8]) -> String {
    STANDARD.encode(Sha1::new().chain_update(key).chain_update(GUID).finalize())
}

/// A fresh `Sec-WebSocket-Key`: 16 bytes, base64 (RFC 6455 §4.1, item 7). The bytes come
/// from the standard library's randomly keyed SipHash over a counter: unpredictable
/// enough for a test (the key protects against caches, not attackers), no extra crate.
fn fresh_key() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 16];
    for (half, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_u64(count);
        hasher.write_usize(half);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    STANDARD.encode(bytes)
}

/// Sends `request` over HTTP/1.1 on `io`, upgrades enabled; returns the response, its
/// body unread.
pub(crate) async fn send_http1(
    io: tokio::io::DuplexStream,
    request: Request<String>,
) -> Result<Response<Incoming>, ConnectError> {
    let connection = |error: hyper::Error| ConnectError::Connection(error.into());
    let (mut sender, connection_task) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(connection)?;
    tokio::spawn(connection_task.with_upgrades());
    sender.send_request(request).await.map_err(connection)
}

/// `response` with its body read, for a test to assert on.
///
/// # Panics
///
/// When the body cannot be read (the connection failed).
pub(crate) async fn read_whole(response: Response<Incoming>) -> TestResponse {
    match read_body(response).await {
        Ok(response) => TestResponse::new(response),
        Err(error) => panic!("the test kit could not read the response's body: {error}"),
    }
}

/// `response` with its body read.
async fn read_body(
    response: Response<Incoming>,
) -> Result<Response<Bytes>, Box<dyn std::error::Error + Send + Sync>> {
    let (parts, mut body) = response.into_parts();
    let mut bytes = BytesMut::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(data) = frame?.into_data() {
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Response::from_parts(parts, bytes.freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_of_the_rfc_example() {
        // RFC 6455 §1.3.
        assert_eq!(
            accept_for(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn fresh_keys_are_16_bytes_and_differ() {
        let keys: Vec<String> = (0..64).map(|_| fresh_key()).collect();
        for key in &keys {
            assert_eq!(STANDARD.decode(key).unwrap().len(), 16, "{key}");
        }
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
    }
}
