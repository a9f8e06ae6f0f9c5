//! [`ForwardedSameOrigin`]: [`SameOrigin`] against the host a reverse proxy forwards.

use std::borrow::Cow;

use http::header::FORWARDED;
use http::request::Parts;

use super::{OriginPolicy, SameOrigin};
use crate::read::forwarded::{forwarded_element_host, x_forwarded_host};
use crate::read::origin::{RequestScheme, SerializedOrigin};

/// [`SameOrigin`] judged against the host a reverse proxy says the client asked for:
/// the value of `X-Forwarded-Host` ([`x_forwarded_host`](Self::x_forwarded_host)) or the
/// `host=` parameter of `Forwarded` (RFC 7239 §5.3, [`forwarded`](Self::forwarded))
/// instead of `Host`. For a proxy that sends the upstream's name as `Host` (nginx's
/// default, `$proxy_host`) and the public one in a forwarding header. Not the default,
/// and not needed when the proxy forwards `Host` as the client sent it (nginx:
/// `proxy_set_header Host $http_host;`), which [`SameOrigin`] then reads.
///
/// - The header absent, or `Forwarded` without `host=`: the request is judged by its
///   own `Host` (or `:authority`) as [`SameOrigin`] judges it.
/// - One value, `host[:port]`: compared with `Origin` as [`SameOrigin`] compares `Host`,
///   an `http` or `https` origin either way (the request's own scheme is the proxy's hop,
///   not the client's; the forwarded protocol is not read).
/// - Anything else is refused: a malformed value, or more than one (several header
///   lines, a comma-separated list of hops, a repeated `host=`), since nothing tells which
///   one the trusted proxy wrote. Make the proxy *replace* the header (nginx's
///   `proxy_set_header` does), not append to it.
///
/// **The risk.** Any client can send these headers. Unless the proxy overwrites them on
/// every request and the server cannot be reached except through that proxy, the host
/// compared is whatever the client chose, and the check is only as good as the proxy's
/// configuration. (A page in a browser cannot add headers to a WebSocket handshake, so a
/// hijacking page cannot forge them itself; but a non-browser client, or any other hop
/// that passes these headers through, can.) [`AllowedOrigins`](super::AllowedOrigins) with the public origin
/// reads no forwarding header and is the safer choice behind a proxy.
///
/// ```
/// use axum_ws_handshake::WebSocketLayer;
/// use axum_ws_handshake::policy::ForwardedSameOrigin;
///
/// // nginx: proxy_set_header X-Forwarded-Host $http_host;
/// let layer = WebSocketLayer::new().origin(ForwardedSameOrigin::x_forwarded_host());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardedSameOrigin {
    header: ForwardedHeader,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ForwardedHeader {
    XForwardedHost,
    Forwarded,
}

impl ForwardedSameOrigin {
    /// Trusts `X-Forwarded-Host: host[:port]`.
    #[must_use]
    pub fn x_forwarded_host() -> Self {
        Self {
            header: ForwardedHeader::XForwardedHost,
        }
    }

    /// Trusts the `host` parameter of `Forwarded` (RFC 7239): `Forwarded:
    /// host="app.example.com:8443";proto=https`.
    #[must_use]
    pub fn forwarded() -> Self {
        Self {
            header: ForwardedHeader::Forwarded,
        }
    }

    /// The forwarded host: `Ok(None)` if the proxy said none, `Err` if what it said
    /// cannot be trusted to be one value.
    fn forwarded_host<'a>(&self, request: &'a Parts) -> Result<Option<Cow<'a, str>>, ()> {
        let name = match self.header {
            ForwardedHeader::XForwardedHost => X_FORWARDED_HOST,
            ForwardedHeader::Forwarded => FORWARDED.as_str(),
        };
        let mut lines = request.headers.get_all(name).iter();
        let Some(line) = lines.next() else {
            return Ok(None);
        };
        if lines.next().is_some() {
            return Err(());
        }
        let line = line.to_str().map_err(|_| ())?;
        match self.header {
            ForwardedHeader::XForwardedHost => x_forwarded_host(line).map(Some),
            ForwardedHeader::Forwarded => forwarded_element_host(line),
        }
    }
}

const X_FORWARDED_HOST: &str = "x-forwarded-host";

impl OriginPolicy for ForwardedSameOrigin {
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        match self.forwarded_host(request) {
            Ok(None) => SameOrigin.is_allowed(origin, request),
            Ok(Some(host)) => is_at_forwarded(origin, &host),
            Err(()) => false,
        }
    }
}

impl ForwardedSameOrigin {
    /// [`is_allowed`](OriginPolicy::is_allowed) told the request's valid host, as
    /// [`SameOrigin::is_allowed_at`].
    pub(super) fn is_allowed_at(&self, origin: &str, host: &str, request: &Parts) -> bool {
        match self.forwarded_host(request) {
            Ok(None) => SameOrigin::is_allowed_at(origin, host, RequestScheme::of(&request.uri)),
            Ok(Some(host)) => is_at_forwarded(origin, &host),
            Err(()) => false,
        }
    }
}

/// Whether `origin` is a web origin at the forwarded `host`. The scheme of the request
/// is the proxy's hop, not the client's, so either web scheme may be the page's.
fn is_at_forwarded(origin: &str, host: &str) -> bool {
    SerializedOrigin::parse(origin)
        .is_some_and(|origin| origin.is_same_origin(host, RequestScheme::Unknown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::origin::same_origin::tests::parts;
    use http::Request;
    use http::header::HOST;

    fn forwarded_parts(host: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::get("/ws").header(HOST, host);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn x_forwarded_host_replaces_host() {
        let policy = ForwardedSameOrigin::x_forwarded_host();
        let behind =
            |value: &str| forwarded_parts("127.0.0.1:3000", &[("x-forwarded-host", value)]);
        assert!(policy.is_allowed("https://app.example.com", &behind("app.example.com")));
        assert!(policy.is_allowed("https://App.Example.com", &behind("app.example.COM:443")));
        assert!(policy.is_allowed("http://app.test:8080", &behind(" app.test:8080 ")));
        assert!(!policy.is_allowed("http://127.0.0.1:3000", &behind("app.example.com")));
        assert!(!policy.is_allowed("https://app.example.com:8443", &behind("app.example.com")));
        assert!(!policy.is_allowed("https://evil.example", &behind("app.example.com")));
        assert!(!policy.is_allowed("null", &behind("app.example.com")));
        // A hop list, an empty or malformed value: refused, whatever the Host says.
        for bad in [
            "a.test, app.example.com",
            "",
            "app.example.com/x",
            "a b",
            "[::1",
        ] {
            assert!(
                !policy.is_allowed("https://app.example.com", &behind(bad)),
                "{bad:?}"
            );
            assert!(
                !policy.is_allowed("http://127.0.0.1:3000", &behind(bad)),
                "{bad:?}"
            );
        }
        let two_lines = forwarded_parts(
            "127.0.0.1:3000",
            &[
                ("x-forwarded-host", "evil.example"),
                ("x-forwarded-host", "app.example.com"),
            ],
        );
        assert!(!policy.is_allowed("https://app.example.com", &two_lines));
        assert!(!policy.is_allowed("https://evil.example", &two_lines));
    }

    #[test]
    fn rfc6454_4_forwarded_hosts_accept_web_origins_only() {
        let policy = ForwardedSameOrigin::x_forwarded_host();
        let behind =
            |value: &str| forwarded_parts("127.0.0.1:3000", &[("x-forwarded-host", value)]);
        let public = behind("app.example.com:8443");
        assert!(policy.is_allowed("https://app.example.com:8443", &public));
        assert!(policy.is_allowed("http://app.example.com:8443", &public));
        for other in [
            "ws://app.example.com:8443",
            "wss://app.example.com:8443",
            "chrome-extension://app.example.com:8443",
        ] {
            assert!(!policy.is_allowed(other, &public), "{other:?}");
            assert!(
                !policy.is_allowed_at(other, "127.0.0.1:3000", &public),
                "{other:?}"
            );
        }
        // An h2c hop from the proxy (`:scheme http`) does not make a page's https wrong.
        let mut h2c_hop = parts(None, "http://10.0.0.2:3000/ws");
        h2c_hop
            .headers
            .insert("x-forwarded-host", "app.example.com".parse().unwrap());
        assert!(policy.is_allowed("https://app.example.com", &h2c_hop));
        assert!(policy.is_allowed_at("https://app.example.com", "10.0.0.2:3000", &h2c_hop));
        // Without the header, the request's own scheme counts, as for SameOrigin.
        let h2 = parts(None, "https://a.test/ws");
        assert!(!policy.is_allowed("http://a.test", &h2));
        assert!(!policy.is_allowed_at("http://a.test", "a.test", &h2));
    }

    #[test]
    fn without_the_header_forwarded_same_origin_is_same_origin() {
        for policy in [
            ForwardedSameOrigin::x_forwarded_host(),
            ForwardedSameOrigin::forwarded(),
        ] {
            let direct = forwarded_parts("a.test:3000", &[]);
            assert!(policy.is_allowed("http://a.test:3000", &direct));
            assert!(!policy.is_allowed("http://b.test:3000", &direct));
            let h2 = parts(None, "https://a.test/ws");
            assert!(policy.is_allowed("https://a.test", &h2));
            assert!(!policy.is_allowed("https://b.test", &h2));
        }
        // Each variant reads its own header only.
        let other = forwarded_parts("a.test", &[("forwarded", "host=b.test")]);
        assert!(ForwardedSameOrigin::x_forwarded_host().is_allowed("http://a.test", &other));
        assert!(!ForwardedSameOrigin::x_forwarded_host().is_allowed("http://b.test", &other));
    }

    #[test]
    fn rfc7239_forwarded_host_parameter() {
        let policy = ForwardedSameOrigin::forwarded();
        let behind = |value: &str| forwarded_parts("10.0.0.2:3000", &[("forwarded", value)]);
        for ok in [
            "host=app.example.com",
            "for=192.0.2.60;proto=https;by=203.0.113.43;host=app.example.com",
            "HOST=\"app.example.com:443\"",
            "proto=https; host=\"app.example.com\" ",
            "for=\"[2001:db8:cafe::17]:4711\";host=app.example.com",
            "host=\"app.ex\\ample.com\"",
            ", host=app.example.com ,",
        ] {
            assert!(
                policy.is_allowed("https://app.example.com", &behind(ok)),
                "{ok:?}"
            );
            assert!(
                !policy.is_allowed("https://evil.example", &behind(ok)),
                "{ok:?}"
            );
        }
        // No host= at all: judged by Host.
        assert!(policy.is_allowed("http://10.0.0.2:3000", &behind("for=192.0.2.60;proto=http")));
        for bad in [
            "for=192.0.2.43, host=app.example.com",
            "host=app.example.com, for=198.51.100.17",
            "host=app.example.com;host=app.example.com",
            "host=app.example.com:443",
            "host=\"app.example.com",
            "host=",
            "host",
            "=app.example.com",
            "host=app.example.com for=x",
            "host=\"a b\"",
            "host=\"app.example.com\"x",
        ] {
            assert!(
                !policy.is_allowed("https://app.example.com", &behind(bad)),
                "{bad:?}"
            );
            assert!(
                !policy.is_allowed("http://10.0.0.2:3000", &behind(bad)),
                "{bad:?}"
            );
        }
        let two_lines = forwarded_parts(
            "10.0.0.2:3000",
            &[
                ("forwarded", "host=evil.example"),
                ("forwarded", "host=app.example.com"),
            ],
        );
        assert!(!policy.is_allowed("https://app.example.com", &two_lines));
    }
}
