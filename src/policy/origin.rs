//! Who may open a WebSocket: the `Origin` check of RFC 6455 §4.2.2 and §10.2.
//!
//! Browsers attach cookies to WebSocket handshakes from any site, and the same-origin
//! policy does not stop a page from opening one. A server that does not check `Origin`
//! lets any web page act as its logged-in users: cross-site WebSocket hijacking. The
//! default policy therefore accepts only pages of the server's own origin.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::header::{FORWARDED, HOST};
use http::request::Parts;

use crate::authority::split_host_port;
use crate::token::is_tchar;

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
/// - One value, `host[:port]`: compared with `Origin` as [`SameOrigin`] compares `Host`.
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
/// that passes these headers through, can.) [`AllowedOrigins`] with the public origin
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
    pub fn x_forwarded_host() -> Self {
        Self {
            header: ForwardedHeader::XForwardedHost,
        }
    }

    /// Trusts the `host` parameter of `Forwarded` (RFC 7239): `Forwarded:
    /// host="app.example.com:8443";proto=https`.
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
            ForwardedHeader::XForwardedHost => {
                let host = line.trim_matches([' ', '\t']);
                if host.contains(',') {
                    return Err(());
                }
                Ok(Some(Cow::Borrowed(host)))
            }
            ForwardedHeader::Forwarded => forwarded_element_host(line),
        }
    }
}

const X_FORWARDED_HOST: &str = "x-forwarded-host";

impl OriginPolicy for ForwardedSameOrigin {
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        match self.forwarded_host(request) {
            Ok(None) => SameOrigin.is_allowed(origin, request),
            Ok(Some(host)) => SerializedOrigin::parse(origin).is_some_and(|o| o.is_at(&host)),
            Err(()) => false,
        }
    }
}

/// The `host` of the one `forwarded-element` in a `Forwarded` line (RFC 7239 §4):
/// `pair *( ";" pair )`, `pair = token "=" ( token / quoted-string )`. `Err` if the line
/// is malformed, lists more than one element (hops) or repeats `host`. Optional
/// whitespace is accepted around elements and pairs.
fn forwarded_element_host(line: &str) -> Result<Option<Cow<'_, str>>, ()> {
    let bytes = line.as_bytes();
    let mut host = None;
    let mut elements = 0;
    let mut in_element = false;
    let mut i = 0;
    let skip_ows = |i: &mut usize| {
        while *i < bytes.len() && matches!(bytes[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    loop {
        skip_ows(&mut i);
        match bytes.get(i) {
            None => break,
            // Empty list elements and empty pairs are allowed by the grammar.
            Some(b',') => {
                in_element = false;
                i += 1;
                continue;
            }
            Some(b';') => {
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        if !in_element {
            in_element = true;
            elements += 1;
            if elements > 1 {
                return Err(());
            }
        }
        let name_start = i;
        while i < bytes.len() && is_tchar(bytes[i]) {
            i += 1;
        }
        if i == name_start || bytes.get(i) != Some(&b'=') {
            return Err(());
        }
        let name = &line[name_start..i];
        i += 1;
        let value = if bytes.get(i) == Some(&b'"') {
            let (value, end) = quoted_string(line, i).ok_or(())?;
            i = end;
            value
        } else {
            let start = i;
            while i < bytes.len() && is_tchar(bytes[i]) {
                i += 1;
            }
            if i == start {
                return Err(());
            }
            Cow::Borrowed(&line[start..i])
        };
        if name.eq_ignore_ascii_case("host") && host.replace(value).is_some() {
            return Err(());
        }
        skip_ows(&mut i);
        if !matches!(bytes.get(i), None | Some(b';' | b',')) {
            return Err(());
        }
    }
    Ok(host)
}

/// The content of the quoted-string (RFC 9110 §5.6.4) starting at `line[start]`, and
/// the index after it; `None` if it is unterminated or has a forbidden byte.
fn quoted_string(line: &str, start: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = line.as_bytes();
    let mut unescaped: Option<String> = None;
    let mut i = start + 1;
    let mut run = i;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let value = match unescaped {
                    Some(mut owned) => {
                        owned.push_str(&line[run..i]);
                        Cow::Owned(owned)
                    }
                    None => Cow::Borrowed(&line[run..i]),
                };
                return Some((value, i + 1));
            }
            b'\\' => {
                let escaped = *bytes.get(i + 1)?;
                if !(escaped == b'\t' || (0x20..0x7f).contains(&escaped)) {
                    return None;
                }
                let owned = unescaped.get_or_insert_with(String::new);
                owned.push_str(&line[run..i]);
                owned.push(char::from(escaped));
                i += 2;
                run = i;
            }
            b'\t' | 0x20..=0x7e => i += 1,
            _ => return None,
        }
    }
    None
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
    /// `host[:port]` as written.
    authority: &'a str,
    host: &'a str,
    explicit_port: Option<u16>,
}

impl<'a> SerializedOrigin<'a> {
    fn parse(origin: &'a str) -> Option<Self> {
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" and an
        // authority, which `split_host_port` checks whole: a path, query, fragment or
        // userinfo (`/ ? # @`) is no part of an origin's host or port and refuses it.
        let bytes = origin.as_bytes();
        let scheme_len = bytes
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))?;
        if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let (scheme, rest) = origin.split_at(scheme_len);
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
    fn is_at(&self, authority: &str) -> bool {
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
    fn port(&self) -> Option<u16> {
        self.explicit_port
            .or_else(|| Some(default_port(self.scheme)).filter(|&p| p != 0))
    }
}

/// The default port of a scheme a browser can put in `Origin`, 0 if none is known.
fn default_port(scheme: &str) -> u16 {
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

    #[test]
    fn closures_are_policies() {
        let policy = |origin: &str, _: &Parts| origin == "https://ok.test";
        assert!(policy.is_allowed("https://ok.test", &parts(None, "/")));
        assert!(!policy.is_allowed("https://no.test", &parts(None, "/")));
        assert!(AnyOrigin.is_allowed("null", &parts(None, "/")));
    }
}
