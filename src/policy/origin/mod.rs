//! Who may open a WebSocket: the `Origin` check of RFC 6455 §4.2.2 and §10.2 (why it
//! matters: the [module's documentation](crate::policy)).
//!
//! One file per built-in policy: [`SameOrigin`] (the default), [`AllowedOrigins`],
//! [`ForwardedSameOrigin`]; [`AnyOrigin`] and closures here.

mod allowed;
mod forwarded;
mod same_origin;

use std::any::Any;
use std::fmt;

use http::HeaderValue;
use http::request::Parts;

use crate::HandshakeError;
use crate::read::origin::RequestScheme;

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
/// Implemented by [`SameOrigin`] (the default), [`AllowedOrigins`] (a list, also read at
/// run time with [`AllowedOrigins::try_new`]), [`ForwardedSameOrigin`], [`AnyOrigin`],
/// and by a closure through [`origin_fn`].
pub trait OriginPolicy: Send + Sync + 'static {
    /// Whether `origin` may open a WebSocket with this `request`.
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool;
}

/// An [`OriginPolicy`] from a closure over the `Origin` and the request, which Rust infers
/// without annotations:
///
/// ```
/// use std::collections::HashSet;
/// use std::sync::Arc;
///
/// use axum_ws_handshake::{WebSocketLayer, policy::origin_fn};
///
/// let allowed: Arc<HashSet<String>> = Arc::new(["https://app.example.com".to_owned()].into());
/// let layer = WebSocketLayer::new().origin(origin_fn(move |origin, _request| {
///     allowed.contains(&origin.to_ascii_lowercase())
/// }));
/// ```
#[must_use]
pub fn origin_fn<F>(f: F) -> OriginFn<F>
where
    F: Fn(&str, &Parts) -> bool + Send + Sync + 'static,
{
    OriginFn { f }
}

/// The [`OriginPolicy`] that [`origin_fn`] makes.
#[derive(Clone, Copy)]
pub struct OriginFn<F> {
    f: F,
}

impl<F> OriginPolicy for OriginFn<F>
where
    F: Fn(&str, &Parts) -> bool + Send + Sync + 'static,
{
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        (self.f)(origin, request)
    }
}

impl<F> fmt::Debug for OriginFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginFn")
            .field("f", &format_args!("{}", std::any::type_name::<F>()))
            .finish()
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
/// decided by `policy`. A refusal is 403.
///
/// `host` is the request's host if the reader found a valid one: the built-in same-origin
/// policies compare with it directly instead of looking it up and parsing it again
/// (a private shortcut, told apart by type; every other policy gets `is_allowed`).
#[inline]
pub(crate) fn apply<O: OriginPolicy>(
    policy: &O,
    required: bool,
    origin: Option<&HeaderValue>,
    host: Option<&str>,
    request: &Parts,
) -> Result<(), HandshakeError> {
    let allowed = match origin {
        None => !required,
        Some(origin) => origin
            .to_str()
            .is_ok_and(|origin| is_allowed(policy, origin, host, request)),
    };
    if allowed {
        Ok(())
    } else {
        Err(HandshakeError::OriginRefused)
    }
}

#[inline]
fn is_allowed<O: OriginPolicy>(
    policy: &O,
    origin: &str,
    host: Option<&str>,
    request: &Parts,
) -> bool {
    let policy_any = policy as &dyn Any;
    match host {
        Some(host) if policy_any.is::<SameOrigin>() => {
            SameOrigin::is_allowed_at(origin, host, RequestScheme::of(&request.uri))
        }
        Some(host) => match policy_any.downcast_ref::<ForwardedSameOrigin>() {
            Some(forwarded) => forwarded.is_allowed_at(origin, host, request),
            None => policy.is_allowed(origin, request),
        },
        None => policy.is_allowed(origin, request),
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
        let policy = origin_fn(|origin, _| origin == "https://ok.test");
        assert!(policy.is_allowed("https://ok.test", &parts()));
        assert!(!policy.is_allowed("https://no.test", &parts()));
        assert!(AnyOrigin.is_allowed("null", &parts()));
    }

    #[test]
    fn rfc6455_10_2_apply_requires_visible_ascii_and_the_policy() {
        let ok = HeaderValue::from_static("https://ok.test");
        let accents = HeaderValue::from_bytes("https://\u{e9}.test".as_bytes()).unwrap();
        assert_eq!(apply(&AnyOrigin, false, Some(&ok), None, &parts()), Ok(()));
        assert_eq!(
            apply(&AnyOrigin, false, Some(&accents), None, &parts()),
            Err(HandshakeError::OriginRefused)
        );
        assert_eq!(
            apply(
                &origin_fn(|_, _| false),
                false,
                Some(&ok),
                Some("ok.test"),
                &parts()
            ),
            Err(HandshakeError::OriginRefused)
        );
        assert_eq!(apply(&SameOrigin, false, None, None, &parts()), Ok(()));
        assert_eq!(
            apply(&AnyOrigin, true, None, None, &parts()),
            Err(HandshakeError::OriginRefused)
        );
    }

    /// The layer's shortcut for the built-in same-origin policies answers as their
    /// `is_allowed` does, for every origin, host and request scheme tried.
    #[test]
    fn rfc6454_4_the_layers_shortcut_agrees_with_is_allowed() {
        let origins = [
            "http://a.test",
            "https://a.test",
            "HTTP://A.TEST",
            "http://a.test:80",
            "https://a.test:443",
            "http://a.test:8080",
            "https://a.test:80",
            "ws://a.test",
            "chrome-extension://a.test",
            "null",
            "http://b.test",
            "http://a.test:",
            "http://a.test/",
            "http://[::1]:3000",
            "http://127.0.0.1",
        ];
        let hosts = [
            "a.test",
            "A.test",
            "a.test:80",
            "a.test:443",
            "a.test:8080",
            "[::1]:3000",
            "127.0.0.1",
            "b.test",
        ];
        let forwarded = ForwardedSameOrigin::forwarded();
        for host in hosts {
            for scheme in [None, Some("http"), Some("https"), Some("ws"), Some("ftp")] {
                let uri = match scheme {
                    None => "/ws".to_owned(),
                    Some(scheme) => format!("{scheme}://{host}/ws"),
                };
                let request = same_origin::tests::parts(Some(host), &uri);
                for origin in origins {
                    assert_eq!(
                        is_allowed(&SameOrigin, origin, Some(host), &request),
                        SameOrigin.is_allowed(origin, &request),
                        "SameOrigin: {origin} at {host}, target {uri}"
                    );
                    assert_eq!(
                        is_allowed(&forwarded, origin, Some(host), &request),
                        forwarded.is_allowed(origin, &request),
                        "ForwardedSameOrigin: {origin} at {host}, target {uri}"
                    );
                }
            }
        }
    }
}
