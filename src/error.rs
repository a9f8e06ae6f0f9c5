//! What the layer answers when a handshake fails: one error type, one status table.

use std::fmt;

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::{CONNECTION, CONTENT_TYPE, RETRY_AFTER, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::policy::SupportedVersions;
use crate::read::list::{CLOSE_TOKEN, UPGRADE_TOKEN, contains_token};

/// Why the layer refused a WebSocket handshake.
///
/// Each variant knows its status code, the headers the RFCs require with it, a short
/// message naming what was wrong, a stable [`name`](Self::name) for logs and metrics and
/// the RFC clause it enforces; [`IntoResponse`] puts them together, the body being the
/// message and the clause. To answer in another shape (JSON, say) while keeping status
/// and headers, install a hook with
/// [`WebSocketLayer::on_error`](crate::WebSocketLayer::on_error) and call
/// [`HandshakeError::response_with`].
///
/// | status | variants |
/// |---|---|
/// | 400 Bad Request | a malformed handshake (RFC 6455 §4.2.1), or a required subprotocol not offered |
/// | 403 Forbidden | the `Origin` refused by the policy (§4.2.2 /origin/) |
/// | 404 Not Found | the route answered the attempt with no WebSocket (§4.2.2 /resource name/) |
/// | 421 Misdirected Request | a host not in the allow-list (RFC 9110 §15.5.20) |
/// | 426 Upgrade Required | `Sec-WebSocket-Version` missing, repeated or unsupported (§4.4), with `Upgrade: websocket` and the supported versions |
/// | 500 Internal Server Error | a policy or the handler broke the RFC (a server bug, never the client's) |
/// | 503 Service Unavailable | the server is shutting down (RFC 9110 §15.6.4), with `Retry-After` and, over HTTP/1.1, `Connection: close` |
///
/// A variant's exact row of that table: [`status`](Self::status), [`name`](Self::name),
/// [`clause`](Self::clause) and [`message`](Self::message).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// No `Host` header.
    MissingHost,
    /// More than one `Host` header.
    DuplicateHost,
    /// A `Host` that is not `host [ ":" port ]`.
    InvalidHost,
    /// `Connection` lacks the token `upgrade`.
    ConnectionNotUpgrade,
    /// No `Sec-WebSocket-Key`.
    MissingKey,
    /// More than one `Sec-WebSocket-Key`.
    DuplicateKey,
    /// A `Sec-WebSocket-Key` that is not padded base64 of 16 bytes.
    InvalidKey,
    /// More than one `Origin` header.
    DuplicateOrigin,
    /// A `Sec-WebSocket-Protocol` element that is not a token.
    InvalidProtocolHeader,
    /// `Sec-WebSocket-Extensions` is not an extension-list.
    InvalidExtensionsHeader,
    /// The subprotocol policy requires one and the client offered none it supports.
    NoMatchingSubprotocol,
    /// The host (`Host`, `:authority`) is not one the server answers for
    /// ([`WebSocketLayer::allowed_hosts`](crate::WebSocketLayer::allowed_hosts)).
    HostRefused,
    /// The origin policy refused the `Origin`, or it is missing and required.
    OriginRefused,
    /// No `Sec-WebSocket-Version`, as in a draft-hixie-76 request.
    MissingVersion {
        /// What the server supports, sent back in `Sec-WebSocket-Version`.
        supported: SupportedVersions,
    },
    /// More than one `Sec-WebSocket-Version`.
    DuplicateVersion {
        /// What the server supports, sent back in `Sec-WebSocket-Version`.
        supported: SupportedVersions,
    },
    /// A version the server does not speak, or not a version at all.
    UnsupportedVersion {
        /// What the server supports, sent back in `Sec-WebSocket-Version`.
        supported: SupportedVersions,
    },
    /// The extension policy accepted an extension the client did not offer: a bug in
    /// the policy.
    ExtensionNotOffered,
    /// The extension policy accepted two extensions that both use the RSV1 bit (two
    /// compressions, or one twice): a bug in the policy.
    ExtensionsConflict,
    /// The route answered the accepted attempt with neither a handshake response nor a
    /// decline (a 200 page, say): it has no WebSocket to offer.
    NotWebSocketResource,
    /// The handler answered with a subprotocol other than the one the layer agreed (set
    /// on axum's own `WebSocketUpgrade`, say): a server bug.
    HandlerSubprotocolMismatch,
    /// The layer's [graceful shutdown](crate::WebSocketLayer::graceful_shutdown) has
    /// started: the server takes no new socket. 503 with `Retry-After` (and `Connection:
    /// close` over HTTP/1.1), so that the client or a load balancer tries another server.
    ShuttingDown,
    /// The handler accepted with a codec that does not implement an extension the
    /// extension policy agreed to (`on_websocket` after `PerMessageDeflate`, say): a server
    /// bug, refused rather than opening a connection that breaks on its first message.
    ExtensionNotImplemented,
}

/// What the status table says of one variant.
struct Row {
    status: StatusCode,
    name: &'static str,
    clause: &'static str,
    message: &'static str,
    /// The default response's body: the message and the clause.
    body: &'static str,
}

/// One row of the table: status, stable name, the RFC clause, the message.
macro_rules! row {
    ($status:ident, $name:literal, $clause:literal, $message:literal) => {
        &Row {
            status: StatusCode::$status,
            name: $name,
            clause: $clause,
            message: $message,
            body: concat!($message, " (", $clause, ")"),
        }
    };
}

impl HandshakeError {
    /// The status table: every fact of every variant, in one place.
    fn row(&self) -> &'static Row {
        match self {
            Self::MissingHost => row!(
                BAD_REQUEST,
                "missing_host",
                "RFC 6455 §4.2.1 item 2",
                "WebSocket handshake refused: the Host header is missing"
            ),
            Self::DuplicateHost => row!(
                BAD_REQUEST,
                "duplicate_host",
                "RFC 9112 §3.2",
                "WebSocket handshake refused: more than one Host header"
            ),
            Self::InvalidHost => row!(
                BAD_REQUEST,
                "invalid_host",
                "RFC 9112 §3.2",
                "WebSocket handshake refused: the Host header is not a valid host[:port]"
            ),
            Self::ConnectionNotUpgrade => row!(
                BAD_REQUEST,
                "connection_not_upgrade",
                "RFC 6455 §4.2.1 item 4",
                "WebSocket handshake refused: the Connection header must contain the token `upgrade`"
            ),
            Self::MissingKey => row!(
                BAD_REQUEST,
                "missing_key",
                "RFC 6455 §4.2.1 item 5",
                "WebSocket handshake refused: Sec-WebSocket-Key is missing"
            ),
            Self::DuplicateKey => row!(
                BAD_REQUEST,
                "duplicate_key",
                "RFC 6455 §11.3.1",
                "WebSocket handshake refused: more than one Sec-WebSocket-Key"
            ),
            Self::InvalidKey => row!(
                BAD_REQUEST,
                "invalid_key",
                "RFC 6455 §4.2.1 item 5",
                "WebSocket handshake refused: Sec-WebSocket-Key must be 16 bytes in padded base64"
            ),
            Self::DuplicateOrigin => row!(
                BAD_REQUEST,
                "duplicate_origin",
                "RFC 6454 §7.3",
                "WebSocket handshake refused: more than one Origin header"
            ),
            Self::InvalidProtocolHeader => row!(
                BAD_REQUEST,
                "invalid_protocol_header",
                "RFC 6455 §4.3",
                "WebSocket handshake refused: Sec-WebSocket-Protocol must be a comma-separated list of tokens"
            ),
            Self::InvalidExtensionsHeader => row!(
                BAD_REQUEST,
                "invalid_extensions_header",
                "RFC 6455 §9.1",
                "WebSocket handshake refused: Sec-WebSocket-Extensions is malformed"
            ),
            Self::NoMatchingSubprotocol => row!(
                BAD_REQUEST,
                "no_matching_subprotocol",
                "RFC 6455 §4.2.2 /subprotocol/",
                "WebSocket handshake refused: none of the offered subprotocols is supported"
            ),
            Self::HostRefused => row!(
                MISDIRECTED_REQUEST,
                "host_refused",
                "RFC 9110 §7.4, §15.5.20",
                "WebSocket handshake refused: this server does not answer for this Host"
            ),
            Self::OriginRefused => row!(
                FORBIDDEN,
                "origin_refused",
                "RFC 6455 §4.2.2 /origin/, §10.2",
                "WebSocket handshake refused: this Origin is not allowed"
            ),
            Self::MissingVersion { .. } => row!(
                UPGRADE_REQUIRED,
                "missing_version",
                "RFC 6455 §4.2.1 item 6, §4.4",
                "WebSocket handshake refused: Sec-WebSocket-Version is missing (see the supported versions in Sec-WebSocket-Version)"
            ),
            Self::DuplicateVersion { .. } => row!(
                UPGRADE_REQUIRED,
                "duplicate_version",
                "RFC 6455 §11.3.5, §4.4",
                "WebSocket handshake refused: more than one Sec-WebSocket-Version"
            ),
            Self::UnsupportedVersion { .. } => row!(
                UPGRADE_REQUIRED,
                "unsupported_version",
                "RFC 6455 §4.2.2 /version/, §4.4",
                "WebSocket handshake refused: unsupported Sec-WebSocket-Version (see the supported versions in Sec-WebSocket-Version)"
            ),
            Self::ExtensionNotOffered => row!(
                INTERNAL_SERVER_ERROR,
                "extension_not_offered",
                "RFC 6455 §4.2.2 /extensions/",
                "WebSocket handshake failed: the server's extension policy accepted an extension the client did not offer"
            ),
            Self::ExtensionsConflict => row!(
                INTERNAL_SERVER_ERROR,
                "extensions_conflict",
                "RFC 7692 §5",
                "WebSocket handshake failed: the server's extension policy accepted two extensions that both use the RSV1 bit"
            ),
            Self::NotWebSocketResource => row!(
                NOT_FOUND,
                "not_websocket_resource",
                "RFC 6455 §4.2.2 step 4 /resource name/",
                "WebSocket handshake refused: there is no WebSocket at this path"
            ),
            Self::HandlerSubprotocolMismatch => row!(
                INTERNAL_SERVER_ERROR,
                "handler_subprotocol_mismatch",
                "RFC 6455 §4.2.2 /subprotocol/",
                "WebSocket handshake failed: the handler chose another subprotocol than the server's policy"
            ),
            Self::ShuttingDown => row!(
                SERVICE_UNAVAILABLE,
                "shutting_down",
                "RFC 9110 §15.6.4",
                "WebSocket handshake refused: the server is shutting down; retry (see Retry-After)"
            ),
            Self::ExtensionNotImplemented => row!(
                INTERNAL_SERVER_ERROR,
                "extension_not_implemented",
                "RFC 6455 §9.1",
                "WebSocket handshake failed: the server agreed to an extension its WebSocket codec does not implement"
            ),
        }
    }

    /// The status code of the response.
    pub fn status(&self) -> StatusCode {
        self.row().status
    }

    /// A stable snake_case name (`origin_refused`), for logs and metrics.
    pub fn name(&self) -> &'static str {
        self.row().name
    }

    /// The RFC clause the refusal enforces, e.g. `RFC 6455 §4.2.1 item 5`.
    pub fn clause(&self) -> &'static str {
        self.row().clause
    }

    /// A short sentence naming what was wrong.
    pub fn message(&self) -> &'static str {
        self.row().message
    }

    /// The headers the response must carry besides `Content-Type`: on a 426,
    /// `Upgrade: websocket` (RFC 9110 §15.5.22), `Connection: upgrade` (RFC 9110 §7.8)
    /// and `Sec-WebSocket-Version` with every supported version (RFC 6455 §4.4); on the
    /// draining 503, `Retry-After` (§10.2.3) and `Connection: close` (§9.6), which the
    /// layer drops over HTTP/2.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        self.write_headers(&mut headers);
        headers
    }

    /// For a refused version, the versions its `Sec-WebSocket-Version` names.
    pub(crate) fn supported_versions(&self) -> Option<SupportedVersions> {
        match self {
            Self::MissingVersion { supported }
            | Self::DuplicateVersion { supported }
            | Self::UnsupportedVersion { supported } => Some(*supported),
            _ => None,
        }
    }

    fn write_headers(&self, headers: &mut HeaderMap) {
        if let Some(versions) = self.supported_versions() {
            offer_upgrade(headers);
            headers.insert(SEC_WEBSOCKET_VERSION, versions.header_value());
        }
        if *self == Self::ShuttingDown {
            send_elsewhere(headers);
        }
    }

    /// A response with this error's status and headers and `body` as the body (for
    /// example `axum::Json(...)`): the way to reshape errors without losing what the
    /// RFCs require.
    pub fn response_with(&self, body: impl IntoResponse) -> Response {
        let mut response = body.into_response();
        *response.status_mut() = self.status();
        self.write_headers(response.headers_mut());
        response
    }
}

/// What a 426 over HTTP/1.1 must carry, added where missing: `Upgrade: websocket`
/// (RFC 9110 §15.5.22) and, with it, the `upgrade` option in `Connection` (§7.8), beside
/// any option already there. The layer's, the hook's and the extractor's 426s all get
/// it here.
pub(crate) fn offer_upgrade(headers: &mut HeaderMap) {
    if !headers.contains_key(UPGRADE) {
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    }
    if !contains_token(headers.get_all(CONNECTION), UPGRADE_TOKEN) {
        headers.append(CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// What a draining server's 503 carries, added where missing: `Retry-After` (RFC 9110
/// §10.2.3), and the `close` option in `Connection` (§9.6), so that the client's next
/// attempt opens a new connection, which a load balancer may send elsewhere. Over HTTP/2
/// the layer drops `Connection` again (RFC 9113 §8.2.2).
pub(crate) fn send_elsewhere(headers: &mut HeaderMap) {
    if !headers.contains_key(RETRY_AFTER) {
        headers.insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
    if !contains_token(headers.get_all(CONNECTION), CLOSE_TOKEN) {
        headers.append(CONNECTION, HeaderValue::from_static("close"));
    }
}

/// How long a client is asked to wait before it tries again while the server drains: a
/// load balancer has taken the server out by then, or a new one has started.
const RETRY_AFTER_SECONDS: &str = "1";

/// Asserts what RFC 6455 §4.4 and RFC 9110 §15.5.22 ask of a version refusal over
/// HTTP/1.1: a 426 offering the upgrade and naming `versions`.
#[cfg(test)]
pub(crate) fn assert_offers_upgrade(response: &Response, versions: &str) {
    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(response.headers()[UPGRADE], "websocket");
    assert_eq!(response.headers()[CONNECTION], "upgrade");
    assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], versions);
}

/// The message and the clause: the default body.
impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.row().body)
    }
}

impl std::error::Error for HandshakeError {}

impl IntoResponse for HandshakeError {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.row().body));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        self.write_headers(headers);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_4_4_version_errors_are_426_with_upgrade_and_versions() {
        let supported = SupportedVersions::new([13, 8]);
        for error in [
            HandshakeError::MissingVersion { supported },
            HandshakeError::DuplicateVersion { supported },
            HandshakeError::UnsupportedVersion { supported },
        ] {
            assert_offers_upgrade(&error.into_response(), "13, 8");
        }
    }

    #[test]
    fn rfc6455_4_2_1_malformed_is_400_and_origin_is_403_without_upgrade_headers() {
        let response = HandshakeError::InvalidKey.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(!response.headers().contains_key(UPGRADE));
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            HandshakeError::OriginRefused.status(),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn names_are_unique_snake_case_and_clauses_cite_an_rfc() {
        let supported = SupportedVersions::RFC6455;
        let all = [
            HandshakeError::MissingHost,
            HandshakeError::DuplicateHost,
            HandshakeError::InvalidHost,
            HandshakeError::ConnectionNotUpgrade,
            HandshakeError::MissingKey,
            HandshakeError::DuplicateKey,
            HandshakeError::InvalidKey,
            HandshakeError::DuplicateOrigin,
            HandshakeError::InvalidProtocolHeader,
            HandshakeError::InvalidExtensionsHeader,
            HandshakeError::NoMatchingSubprotocol,
            HandshakeError::HostRefused,
            HandshakeError::OriginRefused,
            HandshakeError::MissingVersion { supported },
            HandshakeError::DuplicateVersion { supported },
            HandshakeError::UnsupportedVersion { supported },
            HandshakeError::ExtensionNotOffered,
            HandshakeError::ExtensionsConflict,
            HandshakeError::NotWebSocketResource,
            HandshakeError::HandlerSubprotocolMismatch,
            HandshakeError::ExtensionNotImplemented,
            HandshakeError::ShuttingDown,
        ];
        let mut names: Vec<_> = all.iter().map(HandshakeError::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "{names:?}");
        for error in &all {
            assert!(
                error
                    .name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                error.name()
            );
            assert!(error.clause().starts_with("RFC "), "{}", error.clause());
            assert!(error.to_string().starts_with(error.message()));
        }
    }

    #[test]
    fn default_bodies_name_the_clause() {
        let error = HandshakeError::InvalidKey;
        assert_eq!(
            error.to_string(),
            "WebSocket handshake refused: Sec-WebSocket-Key must be 16 bytes in padded base64 \
             (RFC 6455 §4.2.1 item 5)"
        );
        assert_eq!(error.name(), "invalid_key");
        assert_eq!(error.clause(), "RFC 6455 §4.2.1 item 5");
    }

    #[test]
    fn response_with_keeps_status_and_headers() {
        let error = HandshakeError::UnsupportedVersion {
            supported: SupportedVersions::RFC6455,
        };
        let response = error.response_with("{}");
        assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
    }
}
