//! [`SameOrigin`]: the `Origin` must name the host the request was sent to.

use http::header::HOST;
use http::request::Parts;

use super::OriginPolicy;
use crate::read::origin::{SerializedOrigin, default_port, is_scheme};

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
        let host = match request.uri.authority() {
            Some(authority) => authority.as_str(),
            None => match request.headers.get(HOST).map(|host| host.to_str()) {
                Some(Ok(host)) => host,
                _ => return false,
            },
        };
        origin.is_at(host)
    }
}

impl SameOrigin {
    /// [`is_allowed`](OriginPolicy::is_allowed) for a request whose host the reader has
    /// found and checked to be a valid `host[:port]`: what the layer calls.
    pub(super) fn is_allowed_at(origin: &str, host: &str) -> bool {
        // A browser's usual handshake: `Host` spelled as the origin's authority. The
        // layer checked that `host` is a valid `host[:port]`, so that authority is one
        // too: only the scheme is left to check, and that the port is known.
        if let Some((scheme, authority)) = split_scheme(origin) {
            // Compared as bytes first: browsers send both in lowercase, and a byte
            // comparison is a tenth of a case-folding one.
            if is_scheme(scheme) && (authority == host || authority.eq_ignore_ascii_case(host)) {
                return has_port(host) || default_port(scheme) != 0;
            }
        }
        // Anything else is parsed and compared part by part.
        SerializedOrigin::parse(origin).is_some_and(|origin| origin.is_at(host))
    }
}

/// `scheme "://" rest` split at the first colon (byte by byte: a scheme is a few bytes,
/// too few for a substring search to pay for its setup).
fn split_scheme(origin: &str) -> Option<(&str, &str)> {
    let colon = origin.bytes().position(|b| b == b':')?;
    let rest = origin[colon..].strip_prefix("://")?;
    Some((&origin[..colon], rest))
}

/// Whether a valid `host[:port]` has a non-empty port.
fn has_port(host: &str) -> bool {
    let digits = host.bytes().rev().take_while(u8::is_ascii_digit).count();
    let colon = host.len().checked_sub(digits + 1);
    digits > 0 && colon.is_some_and(|colon| host.as_bytes()[colon] == b':')
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
