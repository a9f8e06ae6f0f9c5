//! The hook that turns a [`HandshakeError`] into the response the client sees.

use std::any::TypeId;

use axum_core::response::{IntoResponse, Response};
use http::header::{CONNECTION, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::request::Parts;
use http::{StatusCode, Version};

use crate::HandshakeError;
use crate::error::{offer_upgrade, send_elsewhere};

/// Shapes the layer's error responses, set with
/// [`WebSocketLayer::on_error`](crate::WebSocketLayer::on_error).
///
/// Implemented by [`DefaultOnError`] (a short `text/plain` body) and by closures
/// `Fn(HandshakeError) -> impl IntoResponse`, whose argument is named with its type, as
/// tower-http's hooks are (`|error: HandshakeError| ..`). [`HandshakeError::response_with`] puts the
/// error's status and headers on any body. Whatever a hook answers, the layer puts back
/// what the RFCs require if it is missing: a refused version's `Sec-WebSocket-Version`,
/// and on a 426 `Upgrade` with the `upgrade` option in `Connection`.
///
/// ```
/// use axum_ws_handshake::{HandshakeError, WebSocketLayer};
///
/// let layer = WebSocketLayer::new().on_error(|error: HandshakeError| {
///     let body = format!("{{\"error\":\"{error}\"}}");
///     error.response_with(([(axum::http::header::CONTENT_TYPE, "application/json")], body))
/// });
/// ```
///
/// A closure does not see the request; implement the trait on a type when the answer
/// depends on it (here, JSON for an API's paths only):
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use axum_ws_handshake::{HandshakeError, OnError, WebSocketLayer};
/// use axum::http::{header::CONTENT_TYPE, request::Parts};
///
/// struct ApiErrors;
///
/// impl OnError for ApiErrors {
///     fn on_error(&self, error: HandshakeError, request: &Parts) -> Response {
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
pub trait OnError: Send + Sync + 'static {
    /// The response for `error`, raised by `request`. For an error found in the handler's
    /// answer (`NotWebSocketResource`, `HandlerSubprotocolMismatch`,
    /// `ExtensionNotImplemented`) the request has gone to the handler: `request` then
    /// holds its method, URI and version, and no headers.
    fn on_error(&self, error: HandshakeError, request: &Parts) -> Response;
}

impl<F, R> OnError for F
where
    F: Fn(HandshakeError) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn on_error(&self, error: HandshakeError, _request: &Parts) -> Response {
        self(error).into_response()
    }
}

/// Answers with [`HandshakeError`]'s own response: its status, its headers and a short
/// `text/plain` body.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultOnError;

impl OnError for DefaultOnError {
    fn on_error(&self, error: HandshakeError, _request: &Parts) -> Response {
        error.into_response()
    }
}

/// Whether `H` is the default hook, which ignores the request and is a unit: the layer
/// then neither copies the request's head for it nor counts a reference to it.
pub(crate) fn is_default<H: OnError>() -> bool {
    TypeId::of::<H>() == TypeId::of::<DefaultOnError>()
}

/// The hook's response to `error`, with what the RFCs require put back if the hook left
/// it out: a refused version names the supported ones, whatever the status (RFC 6455
/// §4.4, §4.2.2 /version/); a 426 carries `Upgrade` (RFC 9110 §15.5.22) and, with it,
/// the `upgrade` option in `Connection` (§7.8), beside any option the hook wrote. The
/// hook keeps its body and status. Over HTTP/2 the connection-specific `Connection` and
/// `Upgrade` are dropped: RFC 9113 §8.2.2 forbids them there.
pub(crate) fn respond<H: OnError>(handler: &H, error: HandshakeError, request: &Parts) -> Response {
    let versions = error.supported_versions();
    let draining = error == HandshakeError::ShuttingDown;
    let mut response = handler.on_error(error, request);
    let status = response.status();
    let headers = response.headers_mut();
    // Formatted only if the hook left it out: the default handler has written it.
    if let Some(versions) = versions
        && !headers.contains_key(SEC_WEBSOCKET_VERSION)
    {
        headers.insert(SEC_WEBSOCKET_VERSION, versions.header_value());
    }
    if draining {
        send_elsewhere(headers);
    }
    if request.version >= Version::HTTP_2 {
        headers.remove(CONNECTION);
        headers.remove(UPGRADE);
    } else if status == StatusCode::UPGRADE_REQUIRED {
        offer_upgrade(headers);
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
            respond(&DefaultOnError, unsupported(), &parts(Version::HTTP_11)),
            respond(&bare, unsupported(), &parts(Version::HTTP_11)),
        ] {
            crate::error::assert_offers_upgrade(&response, "13");
        }
    }

    /// RFC 9110 §7.8: with `Upgrade`, `Connection` names `upgrade` too, beside what the
    /// hook wrote there; a version refusal turned into a 400 keeps only
    /// `Sec-WebSocket-Version` (RFC 6455 §4.4), since `Upgrade` is a 426's (§15.5.22).
    #[test]
    fn rfc9110_7_8_a_hooks_connection_option_gets_upgrade_beside_it() {
        let close = |error: HandshakeError| {
            let mut response = error.into_response();
            response.headers_mut().remove(UPGRADE);
            response
                .headers_mut()
                .insert(CONNECTION, http::HeaderValue::from_static("close"));
            response
        };
        let response = respond(&close, unsupported(), &parts(Version::HTTP_11));
        assert_eq!(response.headers()[UPGRADE], "websocket");
        let connection: Vec<_> = response.headers().get_all(CONNECTION).iter().collect();
        assert_eq!(connection, ["close", "upgrade"]);

        let as_400 = |_: HandshakeError| StatusCode::BAD_REQUEST;
        let response = respond(&as_400, unsupported(), &parts(Version::HTTP_11));
        assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
        assert!(!response.headers().contains_key(UPGRADE));
        assert!(!response.headers().contains_key(CONNECTION));
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
            respond(&DefaultOnError, unsupported(), &parts(Version::HTTP_2)),
            respond(&adds, unsupported(), &parts(Version::HTTP_2)),
        ] {
            assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
            assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
            assert!(!response.headers().contains_key(UPGRADE));
            assert!(!response.headers().contains_key(CONNECTION));
        }
    }

    /// RFC 9110 §10.2.3 and RFC 9113 §8.2.2: a draining server's 503 keeps `Retry-After`
    /// over both versions, and `Connection: close` over HTTP/1.1 only.
    #[test]
    fn rfc9113_8_2_2_the_draining_503_over_http2_has_no_connection() {
        let http2 = respond(
            &DefaultOnError,
            HandshakeError::ShuttingDown,
            &parts(Version::HTTP_2),
        );
        assert_eq!(http2.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(http2.headers()[http::header::RETRY_AFTER], "1");
        assert!(!http2.headers().contains_key(CONNECTION));
        let http11 = respond(
            &DefaultOnError,
            HandshakeError::ShuttingDown,
            &parts(Version::HTTP_11),
        );
        assert_eq!(http11.headers()[http::header::RETRY_AFTER], "1");
        assert_eq!(http11.headers()[CONNECTION], "close");
    }
}
