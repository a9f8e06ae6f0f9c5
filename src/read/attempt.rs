//! Whether a request asks to become a WebSocket at all: the one question every request
//! that passes the layer pays for.

use http::header::UPGRADE;
use http::{Extensions, HeaderMap, Method, Version};

use super::list::{Letters, contains_token};

const WEBSOCKET: Letters = Letters::new("websocket");

/// How a request asks to become a WebSocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// An HTTP/1.1 `GET` with `Upgrade: websocket` (RFC 6455 §4.1), answered with 101.
    Upgrade,
    /// An HTTP/2 extended `CONNECT` with `:protocol = websocket` (RFC 8441 §4),
    /// answered with 200.
    ExtendedConnect,
}

/// Whether the request is a WebSocket upgrade attempt. This is all the work a request
/// that is not one pays: a method and version comparison, and for a `GET` one header
/// lookup. An HTTP/1.0 request is never an attempt (RFC 9110 §7.8: a server must ignore
/// `Upgrade` in it), nor is a request upgrading to something else (`h2c`).
#[inline]
pub(crate) fn upgrade_attempt(
    method: &Method,
    version: Version,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Option<Attempt> {
    if *method == Method::GET {
        if version >= Version::HTTP_11 && contains_token(headers.get_all(UPGRADE), WEBSOCKET) {
            return Some(Attempt::Upgrade);
        }
    } else if *method == Method::CONNECT
        && version >= Version::HTTP_2
        && extensions
            .get::<hyper::ext::Protocol>()
            .is_some_and(|p| p.as_str() == "websocket")
    {
        return Some(Attempt::ExtendedConnect);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn rfc6455_4_2_1_item_1_only_http11_get_is_an_attempt() {
        let attempt = |method: Method, version: Version, upgrade: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(UPGRADE, HeaderValue::from_static(upgrade));
            upgrade_attempt(&method, version, &headers, &Extensions::new())
        };
        assert_eq!(
            attempt(Method::GET, Version::HTTP_11, "websocket"),
            Some(Attempt::Upgrade)
        );
        assert_eq!(
            attempt(Method::GET, Version::HTTP_11, "h2c, WebSocket"),
            Some(Attempt::Upgrade)
        );
        assert_eq!(attempt(Method::GET, Version::HTTP_10, "websocket"), None);
        assert_eq!(attempt(Method::POST, Version::HTTP_11, "websocket"), None);
        assert_eq!(attempt(Method::GET, Version::HTTP_11, "h2c"), None);
        assert_eq!(
            attempt(Method::GET, Version::HTTP_11, "websockets, x-websocket"),
            None
        );
        assert_eq!(attempt(Method::CONNECT, Version::HTTP_2, "websocket"), None);
    }
}
