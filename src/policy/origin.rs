//! Who may open a WebSocket: the `Origin` check of RFC 6455 §4.2.2 and §10.2.
//!
//! Browsers attach cookies to WebSocket handshakes from any site, and the same-origin
//! policy does not stop a page from opening one. A server that does not check `Origin`
//! lets any web page act as its logged-in users: cross-site WebSocket hijacking. The
//! default policy therefore accepts only pages of the server's own origin.

use std::fmt;
use std::sync::Arc;

use http::header::HOST;
use http::request::Parts;

use crate::authority::split_host_port;

/// Decides whether a handshake carrying `Origin` may proceed; a refusal is a 403.
///
/// Called only when the request has exactly one `Origin` header, with its value as sent
/// (visible ASCII; a non-ASCII value is refused before). RFC 6455 §4.2.2 compares the
/// origin lowercased, so compare ASCII-case-insensitively. Requests without `Origin`
/// come from non-browser clients and are governed by
/// [`WebSocketLayer::require_origin`](crate::WebSocketLayer::require_origin).
///
/// Implemented by [`SameOrigin`] (the default), [`AllowedOrigins`], [`AnyOrigin`] and by
/// closures `Fn(&str, &Parts) -> bool`:
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
}

impl<F> OriginPolicy for F
where
    F: Fn(&str, &Parts) -> bool + Send + Sync + 'static,
{
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        self(origin, request)
    }
}

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
            Some(authority) => authority.as_str(),
            None => match request.headers.get(HOST).map(|h| h.to_str()) {
                Some(Ok(host)) => host,
                _ => return false,
            },
        };
        let Some((host, port)) = split_host_port(authority) else {
            return false;
        };
        let port = match port {
            Some(port) => port,
            None => default_port(origin.scheme),
        };
        host.eq_ignore_ascii_case(origin.host) && Some(port) == origin.port()
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

/// An allow-list of origins: exact ones (`https://app.example.com`, compared on the
/// lowercased serialization as RFC 6455 §4.2.2 says) and host patterns whose first
/// label is `*` (`https://*.example.com` matches `https://a.example.com` and
/// `https://a.b.example.com`, not `https://example.com`: list that one too).
///
/// `null` cannot be listed: sandboxed frames and `file:` pages of any site send it.
#[derive(Clone)]
pub struct AllowedOrigins {
    entries: Arc<[Entry]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A lowercased serialized origin.
    Exact(Box<str>),
    /// `scheme://*.suffix[:port]`: `suffix` is lowercased and starts with a dot.
    Wildcard {
        scheme: Box<str>,
        suffix: Box<str>,
        port: u16,
    },
}

/// An entry given to [`AllowedOrigins`] is not an origin or a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOrigin {
    entry: String,
}

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an origin (`scheme://host[:port]`, e.g. `https://app.example.com`) \
             nor a pattern like `https://*.example.com`",
            self.entry
        )
    }
}

impl std::error::Error for InvalidOrigin {}

impl AllowedOrigins {
    /// The allow-list.
    ///
    /// # Panics
    /// If an entry is not an origin or a pattern (see [`AllowedOrigins::try_new`]): a
    /// mistake in configuration is reported when the layer is built.
    pub fn new<I>(origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::try_new(origins).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The allow-list, or the first entry that is not an origin or a pattern, for lists
    /// read at run time (a command line, a configuration file).
    pub fn try_new<I>(origins: I) -> Result<Self, InvalidOrigin>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let entries = origins
            .into_iter()
            .map(|entry| Entry::parse(entry.as_ref()))
            .collect::<Result<Arc<[Entry]>, _>>()?;
        Ok(Self { entries })
    }
}

impl Entry {
    fn parse(entry: &str) -> Result<Self, InvalidOrigin> {
        let invalid = || InvalidOrigin {
            entry: entry.to_owned(),
        };
        let lowered = entry.trim_end_matches('/').to_ascii_lowercase();
        let origin = SerializedOrigin::parse(&lowered).ok_or_else(invalid)?;
        if let Some(suffix) = origin.host.strip_prefix('*') {
            if !suffix.starts_with('.') || suffix.len() < 2 || suffix.contains('*') {
                return Err(invalid());
            }
            let port = origin.port().ok_or_else(invalid)?;
            return Ok(Self::Wildcard {
                scheme: origin.scheme.into(),
                suffix: suffix.into(),
                port,
            });
        }
        if origin.host.contains('*') {
            return Err(invalid());
        }
        Ok(Self::Exact(lowered.into()))
    }

    fn matches(&self, origin: &str) -> bool {
        match self {
            Self::Exact(exact) => origin.eq_ignore_ascii_case(exact),
            Self::Wildcard {
                scheme,
                suffix,
                port,
            } => SerializedOrigin::parse(origin).is_some_and(|origin| {
                origin.scheme.eq_ignore_ascii_case(scheme)
                    && origin.port() == Some(*port)
                    && origin.host.len() > suffix.len()
                    && origin
                        .host
                        .is_char_boundary(origin.host.len() - suffix.len())
                    && origin.host[origin.host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
            }),
        }
    }
}

impl OriginPolicy for AllowedOrigins {
    fn is_allowed(&self, origin: &str, _request: &Parts) -> bool {
        self.entries.iter().any(|entry| entry.matches(origin))
    }
}

impl fmt::Debug for AllowedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for entry in self.entries.iter() {
            match entry {
                Entry::Exact(origin) => list.entry(origin),
                Entry::Wildcard {
                    scheme,
                    suffix,
                    port,
                } => list.entry(&format_args!("{scheme}://*{suffix}:{port}")),
            };
        }
        list.finish()
    }
}

/// An origin as browsers serialize it (RFC 6454 §6.2): `scheme "://" host [ ":" port ]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SerializedOrigin<'a> {
    scheme: &'a str,
    host: &'a str,
    explicit_port: Option<u16>,
}

impl<'a> SerializedOrigin<'a> {
    fn parse(origin: &'a str) -> Option<Self> {
        let (scheme, authority) = origin.split_once("://")?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok || authority.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, explicit_port) = split_host_port(authority)?;
        Some(Self {
            scheme,
            host,
            explicit_port,
        })
    }

    /// The port, explicit or the scheme's default; `None` for a scheme without one.
    fn port(&self) -> Option<u16> {
        self.explicit_port
            .or_else(|| Some(default_port(self.scheme)).filter(|&p| p != 0))
    }
}

/// The default port of a scheme a browser can put in `Origin`, 0 if none is known.
fn default_port(scheme: &str) -> u16 {
    if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("wss") {
        443
    } else if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("ws") {
        80
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(host: Option<&str>, uri: &str) -> Parts {
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

    #[test]
    fn rfc6455_4_2_2_allow_list_compares_lowercased_origins() {
        let list = AllowedOrigins::new(["https://App.Example.com/", "http://localhost:3000"]);
        let req = parts(Some("x"), "/");
        assert!(list.is_allowed("https://app.example.com", &req));
        assert!(list.is_allowed("HTTPS://APP.EXAMPLE.COM", &req));
        assert!(list.is_allowed("http://localhost:3000", &req));
        assert!(!list.is_allowed("http://app.example.com", &req));
        assert!(!list.is_allowed("https://app.example.com:444", &req));
        assert!(!list.is_allowed("https://app.example.com.evil.com", &req));
        assert!(!list.is_allowed("null", &req));
    }

    #[test]
    fn wildcard_patterns_match_subdomains_only() {
        let list = AllowedOrigins::new(["https://*.example.com"]);
        let req = parts(Some("x"), "/");
        assert!(list.is_allowed("https://a.example.com", &req));
        assert!(list.is_allowed("https://a.b.Example.com", &req));
        assert!(list.is_allowed("https://a.example.com:443", &req));
        assert!(!list.is_allowed("https://example.com", &req));
        assert!(!list.is_allowed("https://.example.com", &req));
        assert!(!list.is_allowed("https://aexample.com", &req));
        assert!(!list.is_allowed("http://a.example.com", &req));
        assert!(!list.is_allowed("https://a.example.com:8443", &req));
        assert!(!list.is_allowed("https://a.example.com.evil.com", &req));
    }

    #[test]
    fn invalid_entries_fail_when_built() {
        for bad in [
            "null",
            "example.com",
            "https://",
            "https://*",
            "https://a.*.com",
            "*",
            "https://x/y",
        ] {
            assert!(AllowedOrigins::try_new([bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn closures_are_policies() {
        let policy = |origin: &str, _: &Parts| origin == "https://ok.test";
        assert!(policy.is_allowed("https://ok.test", &parts(None, "/")));
        assert!(!policy.is_allowed("https://no.test", &parts(None, "/")));
        assert!(AnyOrigin.is_allowed("null", &parts(None, "/")));
    }
}
