//! What the layer answers when a handshake fails: one error type, one status table.

use std::fmt;

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::{CONNECTION, CONTENT_TYPE, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::policy::SupportedVersions;

/// Why the layer refused a WebSocket handshake.
///
/// Each variant knows its status code, the headers the RFCs require with it and a short
/// body naming what was wrong; [`IntoResponse`] puts them together. To answer in another
/// shape (JSON, say) while keeping status and headers, install a hook with
/// [`WebSocketLayer::on_error`](crate::WebSocketLayer::on_error) and call
/// [`HandshakeError::response_with`].
///
/// | status | variants |
/// |---|---|
/// | 400 Bad Request | a malformed handshake (RFC 6455 §4.2.1), or a required subprotocol not offered |
/// | 403 Forbidden | the `Origin` refused by the policy (§4.2.2 /origin/) |
/// | 426 Upgrade Required | `Sec-WebSocket-Version` missing, repeated or unsupported (§4.4), with `Upgrade: websocket` and the supported versions |
/// | 500 Internal Server Error | a policy broke the RFC (a server bug, never the client's) |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// No `Host` header (RFC 6455 §4.2.1 item 2; RFC 9112 §3.2 requires 400). 400.
    MissingHost,
    /// More than one `Host` header (RFC 9112 §3.2 requires 400). 400.
    DuplicateHost,
    /// A `Host` that is not `host [ ":" port ]` (RFC 9112 §3.2 requires 400). 400.
    InvalidHost,
    /// `Connection` lacks the token `upgrade` (RFC 6455 §4.2.1 item 4). 400.
    ConnectionNotUpgrade,
    /// No `Sec-WebSocket-Key` (RFC 6455 §4.2.1 item 5). 400.
    MissingKey,
    /// More than one `Sec-WebSocket-Key` (RFC 6455 §11.3.1). 400.
    DuplicateKey,
    /// A `Sec-WebSocket-Key` that is not padded base64 of 16 bytes (RFC 6455 §4.2.1 item 5). 400.
    InvalidKey,
    /// More than one `Origin` header (RFC 6454 §7.3 allows one). 400.
    DuplicateOrigin,
    /// A `Sec-WebSocket-Protocol` element that is not a token (RFC 6455 §4.3). 400.
    InvalidProtocolHeader,
    /// `Sec-WebSocket-Extensions` does not follow the grammar of RFC 6455 §9.1. 400.
    InvalidExtensionsHeader,
    /// The subprotocol policy requires one and the client offered none it supports. 400.
    NoMatchingSubprotocol,
    /// The origin policy refused the `Origin` (RFC 6455 §4.2.2 /origin/, §10.2). 403.
    OriginRefused,
    /// No `Sec-WebSocket-Version`, as in a draft-hixie-76 request (RFC 6455 §4.2.1 item 6). 426.
    MissingVersion {
        /// What the server supports, sent back in `Sec-WebSocket-Version`.
        supported: SupportedVersions,
    },
    /// More than one `Sec-WebSocket-Version` (RFC 6455 §11.3.5). 426.
    DuplicateVersion {
        /// What the server supports, sent back in `Sec-WebSocket-Version`.
        supported: SupportedVersions,
    },
    /// A version the server does not speak, or not a version at all (RFC 6455 §4.4). 426.
    UnsupportedVersion {
        /// What the server supports, sent back in `Sec-WebSocket-Version`.
        supported: SupportedVersions,
    },
    /// The extension policy accepted an extension the client did not offer, which
    /// RFC 6455 §4.2.2 forbids: a bug in the policy. 500.
    ExtensionNotOffered,
}

impl HandshakeError {
    /// The status code of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingHost
            | Self::DuplicateHost
            | Self::InvalidHost
            | Self::ConnectionNotUpgrade
            | Self::MissingKey
            | Self::DuplicateKey
            | Self::InvalidKey
            | Self::DuplicateOrigin
            | Self::InvalidProtocolHeader
            | Self::InvalidExtensionsHeader
            | Self::NoMatchingSubprotocol => StatusCode::BAD_REQUEST,
            Self::OriginRefused => StatusCode::FORBIDDEN,
            Self::MissingVersion { .. }
            | Self::DuplicateVersion { .. }
            | Self::UnsupportedVersion { .. } => StatusCode::UPGRADE_REQUIRED,
            Self::ExtensionNotOffered => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The headers the response must carry besides `Content-Type`: on a 426,
    /// `Upgrade: websocket` (RFC 9110 §15.5.22), `Connection: upgrade` (RFC 9110 §7.8)
    /// and `Sec-WebSocket-Version` with every supported version (RFC 6455 §4.4).
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        self.write_headers(&mut headers);
        headers
    }

    fn write_headers(&self, headers: &mut HeaderMap) {
        if let Self::MissingVersion { supported }
        | Self::DuplicateVersion { supported }
        | Self::UnsupportedVersion { supported } = self
        {
            headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(SEC_WEBSOCKET_VERSION, supported.header_value());
        }
    }

    /// The short text the default response carries, naming what was wrong.
    pub fn message(&self) -> &'static str {
        match self {
            Self::MissingHost => "WebSocket handshake refused: the Host header is missing",
            Self::DuplicateHost => "WebSocket handshake refused: more than one Host header",
            Self::InvalidHost => {
                "WebSocket handshake refused: the Host header is not a valid host[:port]"
            }
            Self::ConnectionNotUpgrade => {
                "WebSocket handshake refused: the Connection header must contain the token `upgrade`"
            }
            Self::MissingKey => "WebSocket handshake refused: Sec-WebSocket-Key is missing",
            Self::DuplicateKey => "WebSocket handshake refused: more than one Sec-WebSocket-Key",
            Self::InvalidKey => {
                "WebSocket handshake refused: Sec-WebSocket-Key must be 16 bytes in padded base64"
            }
            Self::DuplicateOrigin => "WebSocket handshake refused: more than one Origin header",
            Self::InvalidProtocolHeader => {
                "WebSocket handshake refused: Sec-WebSocket-Protocol must be a comma-separated list of tokens"
            }
            Self::InvalidExtensionsHeader => {
                "WebSocket handshake refused: Sec-WebSocket-Extensions is malformed (RFC 6455 section 9.1)"
            }
            Self::NoMatchingSubprotocol => {
                "WebSocket handshake refused: none of the offered subprotocols is supported"
            }
            Self::OriginRefused => "WebSocket handshake refused: this Origin is not allowed",
            Self::MissingVersion { .. } => {
                "WebSocket handshake refused: Sec-WebSocket-Version is missing (see the supported versions in Sec-WebSocket-Version)"
            }
            Self::DuplicateVersion { .. } => {
                "WebSocket handshake refused: more than one Sec-WebSocket-Version"
            }
            Self::UnsupportedVersion { .. } => {
                "WebSocket handshake refused: unsupported Sec-WebSocket-Version (see the supported versions in Sec-WebSocket-Version)"
            }
            Self::ExtensionNotOffered => {
                "WebSocket handshake failed: the server's extension policy accepted an extension the client did not offer"
            }
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

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for HandshakeError {}

impl IntoResponse for HandshakeError {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.message()));
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
            let response = error.into_response();
            assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
            assert_eq!(response.headers()[UPGRADE], "websocket");
            assert_eq!(response.headers()[CONNECTION], "upgrade");
            assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13, 8");
        }
    }

    #[test]
    fn malformed_is_400_and_origin_is_403_without_upgrade_headers() {
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
    fn response_with_keeps_status_and_headers() {
        let error = HandshakeError::UnsupportedVersion {
            supported: SupportedVersions::RFC6455,
        };
        let response = error.response_with("{}");
        assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
    }
}
