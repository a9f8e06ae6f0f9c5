//! Who may open a WebSocket: the `Origin` check of RFC 6455 §4.2.2 and §10.2.
//!
//! Browsers attach cookies to WebSocket handshakes from any site, and the same-origin
//! policy does not stop a page from opening one. A server that does not check `Origin`
//! lets any web page act as its logged-in users: cross-site WebSocket hijacking. The
//! default policy therefore accepts only pages of the server's own origin.

//!
//! One file per built-in policy: [`SameOrigin`] (the default), [`AllowedOrigins`],
//! [`ForwardedSameOrigin`]; [`AnyOrigin`] and closures here.

mod allowed;
mod forwarded;
mod same_origin;

use http::HeaderValue;
use http::request::Parts;

use crate::HandshakeError;

pub use allowed::{AllowedOrigins, InvalidOrigin};
pub use forwarded::ForwardedSameOrigin;
pub use same_origin::SameOrigin;

/// Decides whether a handshake carrying `Origin` may proceed; a refusal is a 403.
///
/// Called only when the request has exactly one `Origin` header, with its value as sent
/// (visible ASCII; a non-ASCII value is refused before). RFC 6455 §4.2.2 compares the
/// origin lowercased, so compare ASCII-case-insensitively. Requests without `Origin`
/// come from non-browser clients and are governed by
/// [`WebSocketLayer::require_origin`](crate::WebSocketLayer::require_origin).
///
/// Implemented by [`SameOrigin`] (the default), [`AllowedOrigins`],
/// [`ForwardedSameOrigin`], [`AnyOrigin`] and by closures `Fn(&str, &Parts) -> bool`:
///
/// ```
/// use axum_ws_handshake::WebSocketLayer;
/// use http::request::Parts;
///
/// let layer = WebSocketLayer::new().origin(|origin: &str, _request: &Parts| {
///     origin.eq_ignore_ascii_case("https://app.example.com")
/// });
/// ```
pub trait OriginPolicy: Send + Sync + 'static {
    /// Whether `origin` may open a WebSocket with this `request`.
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool;

    /// [`is_allowed`](Self::is_allowed), told the host the request was sent to: the
    /// authority of its target, or else its one `Host`, which the layer has checked to be
    /// a valid `host[:port]`. What the layer calls when it knows the host (the default
    /// ignores `host`): a policy that compares with it saves looking it up again.
    fn is_allowed_at(&self, origin: &str, host: &str, request: &Parts) -> bool {
        let _ = host;
        self.is_allowed(origin, request)
    }
}

impl<F> OriginPolicy for F
where
    F: Fn(&str, &Parts) -> bool + Send + Sync + 'static,
{
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        self(origin, request)
    }
}

/// Accepts any `Origin`, `null` included.
///
/// **Think twice.** With this policy any web page the user visits can open a WebSocket to
/// your server with the user's cookies and act as them (cross-site WebSocket hijacking).
/// Use it only when the WebSocket authenticates by other means than ambient credentials
/// (cookies, HTTP auth, client certificates), e.g. a token sent in the first message.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnyOrigin;

impl OriginPolicy for AnyOrigin {
    fn is_allowed(&self, _origin: &str, _request: &Parts) -> bool {
        true
    }
}

/// The origin rule as the layer runs it (RFC 6455 §4.2.2 /origin/, §10.2): without
/// `Origin`, a non-browser client, let through unless `required`; an `Origin` that is not
/// visible ASCII, which no policy could allow and no browser sends, refused; any other
/// judged by `policy`, told the request's `host` if it is a valid one. A refusal is 403.
pub(crate) fn judge<O: OriginPolicy>(
    policy: &O,
    required: bool,
    origin: Option<&HeaderValue>,
    host: Option<&str>,
    request: &Parts,
) -> Result<(), HandshakeError> {
    let allowed = match origin {
        None => !required,
        Some(origin) => origin.to_str().is_ok_and(|origin| match host {
            Some(host) => policy.is_allowed_at(origin, host, request),
            None => policy.is_allowed(origin, request),
        }),
    };
    if allowed {
        Ok(())
    } else {
        Err(HandshakeError::OriginRefused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts() -> Parts {
        Request::get("/").body(()).unwrap().into_parts().0
    }

    #[test]
    fn closures_are_policies() {
        let policy = |origin: &str, _: &Parts| origin == "https://ok.test";
        assert!(policy.is_allowed("https://ok.test", &parts()));
        assert!(!policy.is_allowed("https://no.test", &parts()));
        assert!(AnyOrigin.is_allowed("null", &parts()));
    }

    #[test]
    fn rfc6455_10_2_judge_requires_visible_ascii_and_the_policy() {
        let ok = HeaderValue::from_static("https://ok.test");
        let accents = HeaderValue::from_bytes("https://\u{e9}.test".as_bytes()).unwrap();
        assert_eq!(judge(&AnyOrigin, false, Some(&ok), None, &parts()), Ok(()));
        assert_eq!(
            judge(&AnyOrigin, false, Some(&accents), None, &parts()),
            Err(HandshakeError::OriginRefused)
        );
        assert_eq!(
            judge(
                &|_: &str, _: &Parts| false,
                false,
                Some(&ok),
                Some("ok.test"),
                &parts()
            ),
            Err(HandshakeError::OriginRefused)
        );
        assert_eq!(judge(&SameOrigin, false, None, None, &parts()), Ok(()));
        assert_eq!(
            judge(&AnyOrigin, true, None, None, &parts()),
            Err(HandshakeError::OriginRefused)
        );
    }
}
