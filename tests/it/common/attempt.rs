//! One WebSocket handshake over either HTTP version, answered in one shape: over
//! HTTP/1.1 the raw request of [`Req::handshake`], over HTTP/2 the extended CONNECT of
//! [`h2::extended_connect`] on a new h2c connection. The answer is a [`RawResponse`]
//! (HTTP/2's head rebuilt from hyper's response) and, when the server accepted (101, or
//! a 2xx to the CONNECT), the WebSocket as a [`Conn`] for the frames of [`super::frame`].
//! The server must speak both on one port: [`h2::serve_h2c`].

use std::net::SocketAddr;

use axum::http::{HeaderName, HeaderValue};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::timeout;

use super::frame::{OP_CLOSE, OP_TEXT};
use super::raw::{Conn, RawResponse, Req};
use super::{TIMEOUT, h2};

/// The HTTP version a handshake is sent over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// `GET` with `Upgrade: websocket` (RFC 6455 §4.1), accepted with 101.
    V1,
    /// Extended CONNECT over h2c (RFC 8441 §4), accepted with a 2xx.
    V2,
}

/// Both, for the tests that check the same rule over each.
pub const BOTH: [Http; 2] = [Http::V1, Http::V2];

/// Any byte stream a WebSocket runs on: a TCP connection, an HTTP/2 stream.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The WebSocket of an accepted handshake, over either version.
pub type Socket = Conn<Box<dyn Io>>;

/// Sends a handshake for `path` to `addr` over `http`: the valid one of
/// [`Req::handshake`] (HTTP/1.1) or [`h2::extended_connect`] (HTTP/2), each header of
/// `headers` replacing the default of that name or added. Returns the answer, and the
/// WebSocket if the server accepted.
pub async fn attempt(
    addr: SocketAddr,
    http: Http,
    path: &str,
    headers: &[(&str, &str)],
) -> (RawResponse, Option<Socket>) {
    match http {
        Http::V1 => {
            let mut request = Req::handshake(addr, path);
            for (name, value) in headers {
                request = request.set(name, value);
            }
            let mut conn = Conn::connect(addr).await;
            conn.write(&request.bytes()).await;
            let response = conn.read_response().await;
            let socket =
                (response.status == 101).then(|| conn.map_stream(|tcp| Box::new(tcp) as _));
            (response, socket)
        }
        Http::V2 => {
            let mut client = h2::h2c(addr).await;
            let mut request =
                h2::extended_connect(&format!("http://{addr}{path}"), "websocket", &[]);
            for (name, value) in headers {
                request.headers_mut().insert(
                    HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                    HeaderValue::from_str(value).expect("a header value"),
                );
            }
            let response = h2::send(&mut client, request).await;
            let status = response.status();
            let mut answer = RawResponse {
                head: format!("{response:?}"),
                status_line: format!("HTTP/2 {status}"),
                status: status.as_u16(),
                headers: response
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                        (name.as_str().to_owned(), value)
                    })
                    .collect(),
                body: Vec::new(),
            };
            if status.is_success() {
                let upgraded = timeout(TIMEOUT, hyper::upgrade::on(response))
                    .await
                    .expect("the CONNECT stream in time")
                    .expect("the CONNECT stream");
                let socket: Socket = Conn::new(Box::new(TokioIo::new(upgraded)));
                return (answer, Some(socket));
            }
            answer.body = timeout(TIMEOUT, response.into_body().collect())
                .await
                .expect("the body in time")
                .expect("the body")
                .to_bytes()
                .to_vec();
            (answer, None)
        }
    }
}

/// [`attempt`], which must be accepted: the answer and its WebSocket.
pub async fn accepted(
    addr: SocketAddr,
    http: Http,
    path: &str,
    headers: &[(&str, &str)],
) -> (RawResponse, Socket) {
    match attempt(addr, http, path, headers).await {
        (answer, Some(socket)) => (answer, socket),
        (answer, None) => panic!(
            "{http:?} {path}: not accepted:\n{}{}",
            answer.head,
            answer.text()
        ),
    }
}

/// [`attempt`], which must be refused: the answer.
pub async fn refused(
    addr: SocketAddr,
    http: Http,
    path: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    match attempt(addr, http, path, headers).await {
        (answer, None) => answer,
        (answer, Some(_)) => panic!("{http:?} {path}: accepted:\n{}", answer.head),
    }
}

impl Socket {
    /// A text message echoed uncompressed (no RSV1: no extension is in use), then the
    /// close handshake: our Close 1000, the server's Close 1000 back.
    pub async fn echo_and_close(&mut self, text: &str) {
        self.send_frame(true, false, OP_TEXT, text.as_bytes()).await;
        assert_eq!(
            self.read_message().await,
            (false, OP_TEXT, text.as_bytes().to_vec()),
            "the echo of {text:?}"
        );
        self.send_frame(true, false, OP_CLOSE, &1000u16.to_be_bytes())
            .await;
        let close = self.read_frame().await;
        assert_eq!(close.opcode, OP_CLOSE, "{close:?}");
        assert_eq!(close.payload.get(..2), Some(&1000u16.to_be_bytes()[..]));
    }
}
