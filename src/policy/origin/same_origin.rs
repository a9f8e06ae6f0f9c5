//! [`SameOrigin`]: the `Origin` must be the origin of the request itself.

use http::header::HOST;
use http::request::Parts;

use super::OriginPolicy;
use crate::read::origin::{RequestScheme, SerializedOrigin, WebScheme};

/// Accepts an `Origin` that is the origin of the request itself (RFC 6454 §4: scheme,
/// host and port): an `http` or `https` origin whose host and port are the request's own
/// (its `Host`, or the authority of an absolute or HTTP/2 request target), compared
/// ASCII-case-insensitively, with the scheme's default port filled in (`http://a.test`
/// matches `Host: a.test:80`). The scheme is compared wherever the server knows the
/// request's: HTTP/2's `:scheme` and an absolute-form target's; over HTTP/1.1 otherwise
/// both `http` and `https` are the host's, since TLS may end at a proxy. `null`, other
/// schemes (`ws:`, `chrome-extension:`) and anything unparsable are refused. The default
/// policy.
///
/// Behind a reverse proxy the proxy must forward the client's `Host` with its port (for
/// nginx: `proxy_set_header Host $http_host;`), and one that speaks HTTP/2 to the server
/// must forward the client's `:scheme`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SameOrigin;

impl OriginPolicy for SameOrigin {
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        let Some(origin) = SerializedOrigin::parse(origin) else {
            return false;
        };
        let host = match request.uri.authority() {
            Some(authority) => authority.as_str(),
            None => match request.headers.get(HOST).map(|host| host.to_str()) {
                Some(Ok(host)) => host,
                _ => return false,
            },
        };
        origin.is_same_origin(host, RequestScheme::of(&request.uri))
    }
}

impl SameOrigin {
    /// [`is_allowed`](OriginPolicy::is_allowed) for a request whose host the reader has
    /// found and checked to be a valid `host[:port]`: what the layer calls.
    #[inline]
    pub(super) fn is_allowed_at(origin: &str, host: &str, scheme: RequestScheme) -> bool {
        // A browser's usual handshake: `Host` spelled as the origin's authority. The
        // layer checked that `host` is a valid `host[:port]`, so that authority is one
        // too, with the same port whichever default fills it in once the schemes agree:
        // only the scheme is left to check.
        if let Some((origin_scheme, authority)) = split_scheme(origin) {
            // Compared as bytes first: browsers send both in lowercase, and a byte
            // comparison is a tenth of a case-folding one.
            if authority == host || authority.eq_ignore_ascii_case(host) {
                return WebScheme::parse(origin_scheme).is_some_and(|s| scheme.admits(s));
            }
        }
        // Anything else is parsed and compared part by part.
        SerializedOrigin::parse(origin).is_some_and(|origin| origin.is_same_origin(host, scheme))
    }
}

/// `scheme "://" rest` split at the first colon (byte by byte: a scheme is a few bytes,
/// too few for a substring search to pay for its setup).
fn split_scheme(origin: &str) -> Option<(&str, &str)> {
    let colon = origin.bytes().position(|b| b == b':')?;
    let rest = origin[colon..].strip_prefix("://")?;
    Some((&origin[..colon], rest))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use http::Request;

    pub(crate) fn parts(host: Option<&str>, uri: &str) -> Parts {
        let mut builder = Request::get(uri);
        if let Some(host) = host {
            builder = builder.header(HOST, host);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn rfc6455_10_2_same_origin_compares_host_and_port() {
        let policy = SameOrigin;
        let req = parts(Some("Example.com:3000"), "/ws");
        assert!(policy.is_allowed("http://example.COM:3000", &req));
        assert!(policy.is_allowed("https://example.com:3000", &req));
        assert!(!policy.is_allowed("http://example.com:3001", &req));
        assert!(!policy.is_allowed("http://example.com", &req));
        assert!(!policy.is_allowed("http://evil.com:3000", &req));
        assert!(!policy.is_allowed("http://example.com.evil.com:3000", &req));
        assert!(!policy.is_allowed("null", &req));
        assert!(!policy.is_allowed("example.com:3000", &req));
        assert!(!policy.is_allowed("http://user@example.com:3000", &req));
        assert!(!policy.is_allowed("http://example.com:3000/path", &req));
    }

    #[test]
    fn same_origin_fills_in_default_ports() {
        let policy = SameOrigin;
        assert!(policy.is_allowed("http://a.test", &parts(Some("a.test"), "/")));
        assert!(policy.is_allowed("http://a.test", &parts(Some("a.test:80"), "/")));
        assert!(policy.is_allowed("https://a.test", &parts(Some("a.test"), "/")));
        assert!(policy.is_allowed("https://a.test", &parts(Some("a.test:443"), "/")));
        assert!(!policy.is_allowed("https://a.test", &parts(Some("a.test:80"), "/")));
        assert!(policy.is_allowed("http://[::1]:3000", &parts(Some("[::1]:3000"), "/")));
        assert!(!policy.is_allowed("http://[::1]:3000", &parts(Some("[::2]:3000"), "/")));
    }

    #[test]
    fn rfc6454_4_same_origin_accepts_web_schemes_only() {
        let req = parts(Some("a.test:3000"), "/ws");
        assert!(SameOrigin.is_allowed("http://a.test:3000", &req));
        assert!(SameOrigin.is_allowed("HTTPS://a.test:3000", &req));
        for other in [
            "ws://a.test:3000",
            "wss://a.test:3000",
            "foo://a.test:3000",
            "chrome-extension://a.test:3000",
        ] {
            assert!(!SameOrigin.is_allowed(other, &req), "{other:?}");
            let unknown = RequestScheme::Unknown;
            assert!(
                !SameOrigin::is_allowed_at(other, "a.test:3000", unknown),
                "{other:?}"
            );
        }
        let default_port = parts(Some("a.test"), "/ws");
        assert!(!SameOrigin.is_allowed("ws://a.test", &default_port));
        assert!(!SameOrigin.is_allowed("wss://a.test", &default_port));
    }

    #[test]
    fn rfc6454_4_same_origin_compares_a_known_request_scheme() {
        // An HTTP/2 request as hyper gives it: `:scheme` and `:authority` in the URI.
        let h2 = parts(None, "https://a.test/ws");
        assert!(SameOrigin.is_allowed("https://a.test", &h2));
        assert!(SameOrigin.is_allowed("https://a.test:443", &h2));
        assert!(!SameOrigin.is_allowed("http://a.test", &h2));
        let h2c = parts(None, "http://a.test:8080/ws");
        assert!(SameOrigin.is_allowed("http://a.test:8080", &h2c));
        assert!(!SameOrigin.is_allowed("https://a.test:8080", &h2c));
        // The layer's fast path agrees, byte-equal authorities included.
        let https = RequestScheme::Known(WebScheme::Https);
        assert!(SameOrigin::is_allowed_at("https://a.test", "a.test", https));
        assert!(SameOrigin::is_allowed_at(
            "https://a.test",
            "A.test:443",
            https
        ));
        assert!(!SameOrigin::is_allowed_at("http://a.test", "a.test", https));
        assert!(!SameOrigin::is_allowed_at(
            "http://a.test:443",
            "a.test:443",
            https
        ));
        assert!(!SameOrigin::is_allowed_at(
            "https://a.test",
            "a.test",
            RequestScheme::Opaque
        ));
    }

    #[test]
    fn same_origin_prefers_the_request_target_authority() {
        let req = parts(Some("ignored.test"), "http://a.test:8080/ws");
        assert!(SameOrigin.is_allowed("http://a.test:8080", &req));
        assert!(!SameOrigin.is_allowed("http://ignored.test", &req));
        assert!(!SameOrigin.is_allowed("http://a.test", &parts(None, "/ws")));
    }
}
