//! `Origin` as browsers serialize it (RFC 6454 §6.2): `scheme "://" host [ ":" port ]`,
//! and the schemes whose origins a same-origin check can compare (§4).

use http::Uri;

use super::authority::split_host_port;

/// An origin as browsers serialize it (RFC 6454 §6.2): `scheme "://" host [ ":" port ]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SerializedOrigin<'a> {
    pub(crate) scheme: &'a str,
    /// `host[:port]` as written.
    pub(crate) authority: &'a str,
    pub(crate) host: &'a str,
    explicit_port: Option<u16>,
}

impl<'a> SerializedOrigin<'a> {
    pub(crate) fn parse(origin: &'a str) -> Option<Self> {
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" and an
        // authority, which `split_host_port` checks whole: a path, query, fragment or
        // userinfo (`/ ? # @`) is no part of an origin's host or port and refuses it.
        let scheme_len = origin.bytes().position(|b| !is_scheme_byte(b))?;
        let (scheme, rest) = origin.split_at(scheme_len);
        if !is_scheme(scheme) {
            return None;
        }
        let authority = rest.strip_prefix("://")?;
        let (host, explicit_port) = split_host_port(authority)?;
        Some(Self {
            scheme,
            authority,
            host,
            explicit_port,
        })
    }

    /// Whether this origin's host and port are those of `authority` (`host[:port]`, the
    /// port defaulting to this origin's scheme's), ASCII-case-insensitively.
    pub(crate) fn is_at(&self, authority: &str) -> bool {
        let Some((host, port)) = split_host_port(authority) else {
            return false;
        };
        let port = match port {
            Some(port) => port,
            None => default_port(self.scheme),
        };
        host.eq_ignore_ascii_case(self.host) && Some(port) == self.port()
    }

    /// Whether this is the origin of a request to `authority` (`host[:port]`) made with
    /// `request`'s scheme (RFC 6454 §4, §5): a web scheme the request admits, then the
    /// same host and port as [`is_at`](Self::is_at) compares them.
    pub(crate) fn is_same_origin(&self, authority: &str, request: RequestScheme) -> bool {
        WebScheme::parse(self.scheme).is_some_and(|scheme| request.admits(scheme))
            && self.is_at(authority)
    }

    /// The port, explicit or the scheme's default; `None` for a scheme without one.
    pub(crate) fn port(&self) -> Option<u16> {
        self.explicit_port
            .or_else(|| Some(default_port(self.scheme)).filter(|&p| p != 0))
    }
}

/// The schemes of the pages a same-origin check can compare with a server (RFC 6454 §4:
/// an origin is the scheme, host and port of the URI a page came from). A browser sends
/// any other scheme (`chrome-extension:`, `moz-extension:`, `app:`) for documents that no
/// server served, and never `ws:` or `wss:`, which are not the scheme of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WebScheme {
    Http,
    Https,
}

impl WebScheme {
    /// `http` or `https`, ASCII-case-insensitively (RFC 3986 §3.1).
    #[inline]
    pub(crate) fn parse(scheme: &str) -> Option<Self> {
        // Browsers serialize the scheme in lowercase (RFC 6454 §6.2): compared as bytes
        // first.
        match scheme {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            _ if scheme.eq_ignore_ascii_case("http") => Some(Self::Http),
            _ if scheme.eq_ignore_ascii_case("https") => Some(Self::Https),
            _ => None,
        }
    }
}

/// What the server knows of the scheme a request was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestScheme {
    /// HTTP/1.1 with an origin-form target: `Host` has no scheme, and TLS may have ended
    /// at a proxy. Either web scheme may be the page's.
    Unknown,
    /// HTTP/2's `:scheme` (RFC 9113 §8.3.1) or an absolute-form target's scheme (RFC 9112
    /// §3.2.2); `ws` and `wss` there stand for `http` and `https` (RFC 6455 §3).
    Known(WebScheme),
    /// Any other scheme: its origin is opaque (RFC 6454 §4 step 4), no page's.
    Opaque,
}

impl RequestScheme {
    /// The scheme of `uri`, the request target as the server received it.
    #[inline]
    pub(crate) fn of(uri: &Uri) -> Self {
        let Some(scheme) = uri.scheme_str() else {
            return Self::Unknown;
        };
        if let Some(web) = WebScheme::parse(scheme) {
            return Self::Known(web);
        }
        if scheme.eq_ignore_ascii_case("ws") {
            Self::Known(WebScheme::Http)
        } else if scheme.eq_ignore_ascii_case("wss") {
            Self::Known(WebScheme::Https)
        } else {
            Self::Opaque
        }
    }

    /// Whether a page of `origin`'s scheme can be of the same origin as the request.
    #[inline]
    pub(crate) fn admits(self, origin: WebScheme) -> bool {
        match self {
            Self::Unknown => true,
            Self::Known(scheme) => scheme == origin,
            Self::Opaque => false,
        }
    }
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986 §3.1).
pub(crate) fn is_scheme(scheme: &str) -> bool {
    scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme.bytes().all(is_scheme_byte)
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// The default port of a scheme a browser can put in `Origin`, 0 if none is known.
pub(crate) fn default_port(scheme: &str) -> u16 {
    // Browsers write schemes in lowercase.
    match scheme {
        "https" | "wss" => return 443,
        "http" | "ws" => return 80,
        _ => {}
    }
    match scheme.len() {
        5 if scheme.eq_ignore_ascii_case("https") => 443,
        4 if scheme.eq_ignore_ascii_case("http") => 80,
        3 if scheme.eq_ignore_ascii_case("wss") => 443,
        2 if scheme.eq_ignore_ascii_case("ws") => 80,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6454_6_2_serialized_origins() {
        let origin = SerializedOrigin::parse("https://Example.com:8443").unwrap();
        assert_eq!(
            (origin.scheme, origin.authority, origin.host, origin.port()),
            ("https", "Example.com:8443", "Example.com", Some(8443))
        );
        assert_eq!(
            SerializedOrigin::parse("http://a.test").unwrap().port(),
            Some(80)
        );
        assert_eq!(
            SerializedOrigin::parse("wss://a.test").unwrap().port(),
            Some(443)
        );
        assert_eq!(
            SerializedOrigin::parse("foo://a.test").unwrap().port(),
            None
        );
        assert!(
            SerializedOrigin::parse("http://[::1]:3000")
                .unwrap()
                .is_at("[::1]:3000")
        );
        assert!(
            SerializedOrigin::parse("http://a.test")
                .unwrap()
                .is_at("A.test:80")
        );
        assert!(
            !SerializedOrigin::parse("https://a.test")
                .unwrap()
                .is_at("a.test:80")
        );
        for bad in [
            "null",
            "a.test",
            "1http://a.test",
            "http:/a.test",
            "http://",
            "http://u@a.test",
            "http://a.test/",
            "http://a.test?x",
        ] {
            assert_eq!(SerializedOrigin::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rfc6454_4_web_schemes() {
        assert_eq!(WebScheme::parse("http"), Some(WebScheme::Http));
        assert_eq!(WebScheme::parse("HTTPS"), Some(WebScheme::Https));
        for other in [
            "ws",
            "wss",
            "foo",
            "chrome-extension",
            "file",
            "httpx",
            "",
            "http:",
        ] {
            assert_eq!(WebScheme::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn rfc6454_4_the_request_scheme_is_the_target_uri_scheme() {
        let of = |uri: &str| RequestScheme::of(&uri.parse().unwrap());
        assert_eq!(of("/ws"), RequestScheme::Unknown);
        assert_eq!(
            of("http://a.test/ws"),
            RequestScheme::Known(WebScheme::Http)
        );
        assert_eq!(
            of("https://a.test/ws"),
            RequestScheme::Known(WebScheme::Https)
        );
        assert_eq!(of("ws://a.test/ws"), RequestScheme::Known(WebScheme::Http));
        assert_eq!(
            of("WSS://a.test/ws"),
            RequestScheme::Known(WebScheme::Https)
        );
        assert_eq!(of("foo://a.test/ws"), RequestScheme::Opaque);
        assert!(RequestScheme::Unknown.admits(WebScheme::Http));
        assert!(RequestScheme::Unknown.admits(WebScheme::Https));
        assert!(RequestScheme::Known(WebScheme::Https).admits(WebScheme::Https));
        assert!(!RequestScheme::Known(WebScheme::Https).admits(WebScheme::Http));
        assert!(!RequestScheme::Known(WebScheme::Http).admits(WebScheme::Https));
        assert!(!RequestScheme::Opaque.admits(WebScheme::Http));
    }

    #[test]
    fn rfc6454_5_same_origin_is_scheme_host_and_port() {
        fn origin(origin: &str) -> SerializedOrigin<'_> {
            SerializedOrigin::parse(origin).unwrap()
        }
        let unknown = RequestScheme::Unknown;
        let https = RequestScheme::Known(WebScheme::Https);
        assert!(origin("http://a.test").is_same_origin("a.test", unknown));
        assert!(origin("https://a.test").is_same_origin("a.test", unknown));
        assert!(origin("https://a.test").is_same_origin("a.test", https));
        assert!(origin("https://a.test").is_same_origin("A.TEST:443", https));
        assert!(!origin("http://a.test").is_same_origin("a.test", https));
        assert!(!origin("http://a.test:443").is_same_origin("a.test:443", https));
        assert!(!origin("https://a.test").is_same_origin("a.test", RequestScheme::Opaque));
        for other in [
            "ws://a.test",
            "wss://a.test",
            "foo://a.test:1",
            "chrome-extension://a.test:1",
        ] {
            let host = if other.ends_with(":1") {
                "a.test:1"
            } else {
                "a.test"
            };
            assert!(!origin(other).is_same_origin(host, unknown), "{other:?}");
        }
    }
}
