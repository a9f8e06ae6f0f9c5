//! `Origin` as browsers serialize it (RFC 6454 §6.2): `scheme "://" host [ ":" port ]`.

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

    /// The port, explicit or the scheme's default; `None` for a scheme without one.
    pub(crate) fn port(&self) -> Option<u16> {
        self.explicit_port
            .or_else(|| Some(default_port(self.scheme)).filter(|&p| p != 0))
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
}
