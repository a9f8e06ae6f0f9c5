//! [`SameOrigin`]: the `Origin` must name the host the request was sent to.

use http::header::HOST;
use http::request::Parts;

use super::OriginPolicy;
use crate::read::origin::SerializedOrigin;

/// Accepts an `Origin` whose host and port are the request's own (its `Host`, or the
/// authority of an absolute or HTTP/2 request target), compared ASCII-case-insensitively,
/// with the scheme's default port filled in (`http://a.test` matches `Host: a.test:80`).
/// `null` and anything unparsable are refused. The default policy.
///
/// Behind a reverse proxy the proxy must forward the client's `Host` with its port (for
/// nginx: `proxy_set_header Host $http_host;`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SameOrigin;

impl OriginPolicy for SameOrigin {
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        let Some(origin) = SerializedOrigin::parse(origin) else {
            return false;
        };
        let authority = match request.uri.authority() {
            Some(authority) => authority.as_str().as_bytes(),
            None => match request.headers.get(HOST) {
                Some(host) => host.as_bytes(),
                None => return false,
            },
        };
        // A browser's usual handshake: `Host` spelled as the origin's authority, which
        // `parse` has just checked. Anything else is split and compared part by part.
        if origin.authority.as_bytes().eq_ignore_ascii_case(authority) {
            return origin.port().is_some();
        }
        std::str::from_utf8(authority).is_ok_and(|authority| origin.is_at(authority))
    }
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
    fn same_origin_prefers_the_request_target_authority() {
        let req = parts(Some("ignored.test"), "http://a.test:8080/ws");
        assert!(SameOrigin.is_allowed("http://a.test:8080", &req));
        assert!(!SameOrigin.is_allowed("http://ignored.test", &req));
        assert!(!SameOrigin.is_allowed("http://a.test", &parts(None, "/ws")));
    }
}
