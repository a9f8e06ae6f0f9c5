//! The hook that turns a [`HandshakeError`] into the response the client sees.

use axum_core::response::{IntoResponse, Response};
use http::Version;
use http::header::{CONNECTION, UPGRADE};
use http::request::Parts;

use crate::HandshakeError;

/// Shapes the layer's error responses, set with
/// [`WebSocketLayer::on_error`](crate::WebSocketLayer::on_error).
///
/// Implemented by [`DefaultErrorHandler`] (a short `text/plain` body) and by closures
/// `Fn(HandshakeError) -> impl IntoResponse`. Keep the status of the error:
/// [`HandshakeError::response_with`] puts its status and headers on any body. The
/// headers the RFCs require (a refused version's `Sec-WebSocket-Version`, and `Upgrade`
/// and `Connection` on a 426) are put back by the layer if a hook leaves them out.
///
/// ```
/// use axum_ws_handshake::{HandshakeError, WebSocketLayer};
///
/// let layer = WebSocketLayer::new().on_error(|error: HandshakeError| {
///     let body = format!("{{\"error\":\"{error}\"}}");
///     error.response_with(([(http::header::CONTENT_TYPE, "application/json")], body))
/// });
/// ```
///
/// A closure does not see the request; implement the trait on a type when the answer
/// depends on it (here, JSON for an API's paths only):
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use axum_ws_handshake::{ErrorHandler, HandshakeError, WebSocketLayer};
/// use http::{header::CONTENT_TYPE, request::Parts};
///
/// struct ApiErrors;
///
/// impl ErrorHandler for ApiErrors {
///     fn handle(&self, error: HandshakeError, request: &Parts) -> Response {
///         if !request.uri.path().starts_with("/api/") {
///             return error.into_response();
///         }
///         let body = format!("{{\"error\":\"{}\"}}", error.name());
///         error.response_with(([(CONTENT_TYPE, "application/json")], body))
///     }
/// }
///
/// let layer = WebSocketLayer::new().on_error(ApiErrors);
/// ```
pub trait ErrorHandler: Send + Sync + 'static {
    /// The response for `error`, raised by `request`.
    fn handle(&self, error: HandshakeError, request: &Parts) -> Response;
}

impl<F, R> ErrorHandler for F
where
    F: Fn(HandshakeError) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn handle(&self, error: HandshakeError, _request: &Parts) -> Response {
        self(error).into_response()
    }
}

/// Answers with [`HandshakeError`]'s own response: its status, its headers and a short
/// `text/plain` body.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultErrorHandler;

impl ErrorHandler for DefaultErrorHandler {
    fn handle(&self, error: HandshakeError, _request: &Parts) -> Response {
        error.into_response()
    }
}

/// The hook's response to `error`, with the headers the RFCs require for it put back if
/// the hook left them out: a refused version MUST name the supported ones (RFC 6455
/// §4.4, §4.2.2 /version/), and its 426 MUST carry `Upgrade` (RFC 9110 §15.5.22), with
/// `Connection: upgrade` (§7.8). The hook shapes the body and may change the status;
/// it cannot make the answer break these. Over HTTP/2 the connection-specific
/// `Connection` and `Upgrade` are dropped: RFC 9113 §8.2.2 forbids them there.
pub(crate) fn respond<H: ErrorHandler>(
    handler: &H,
    error: HandshakeError,
    request: &Parts,
) -> Response {
    // Empty, and not allocated, for every error but the version's.
    let required = error.headers();
    let mut response = handler.handle(error, request);
    for (name, value) in &required {
        if !response.headers().contains_key(name) {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if request.version >= Version::HTTP_2 {
        response.headers_mut().remove(CONNECTION);
        response.headers_mut().remove(UPGRADE);
    }
    response
}

#[cfg(test)]
mod tests {
    use http::header::SEC_WEBSOCKET_VERSION;
    use http::{Request, StatusCode};

    use super::*;
    use crate::policy::SupportedVersions;

    fn parts(version: Version) -> Parts {
        Request::get("/ws")
            .version(version)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    fn unsupported() -> HandshakeError {
        HandshakeError::UnsupportedVersion {
            supported: SupportedVersions::RFC6455,
        }
    }

    /// RFC 6455 §4.4 over HTTP/1.1: the 426 names the versions and offers the upgrade,
    /// with the default handler and with a hook that drops every header.
    #[test]
    fn rfc6455_4_4_the_426_keeps_its_headers_over_http11() {
        let bare = |_: HandshakeError| StatusCode::UPGRADE_REQUIRED;
        for response in [
            respond(
                &DefaultErrorHandler,
                unsupported(),
                &parts(Version::HTTP_11),
            ),
            respond(&bare, unsupported(), &parts(Version::HTTP_11)),
        ] {
            assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
            assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
            assert_eq!(response.headers()[UPGRADE], "websocket");
            assert_eq!(response.headers()[CONNECTION], "upgrade");
        }
    }

    /// RFC 9113 §8.2.2: over HTTP/2 the 426 keeps `Sec-WebSocket-Version` but carries
    /// no connection-specific `Connection` or `Upgrade`, whatever the hook wrote.
    #[test]
    fn rfc9113_8_2_2_the_426_over_http2_has_no_connection_specific_headers() {
        let adds = |error: HandshakeError| {
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert(CONNECTION, http::HeaderValue::from_static("keep-alive"));
            response
        };
        for response in [
            respond(&DefaultErrorHandler, unsupported(), &parts(Version::HTTP_2)),
            respond(&adds, unsupported(), &parts(Version::HTTP_2)),
        ] {
            assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
            assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
            assert!(!response.headers().contains_key(UPGRADE));
            assert!(!response.headers().contains_key(CONNECTION));
        }
    }
}
