//! [`AllowedOrigins`]: a list of origins and `https://*.example.com` patterns.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use super::OriginPolicy;
use crate::read::origin::{SerializedOrigin, default_port};

/// An allow-list of origins: exact ones (`https://app.example.com`) and host patterns
/// whose first label is `*` (`https://*.example.com` matches `https://a.example.com` and
/// `https://a.b.example.com`, not `https://example.com`: list that one too).
///
/// Entries and the `Origin` sent are compared as origins (RFC 6454 §4, §6.2): scheme and
/// host ASCII-case-insensitively, the port with the scheme's default filled in. So
/// `https://API.Example.NET:443/` matches the `https://api.example.net` a browser sends.
/// Hosts are otherwise compared as written (`[::1]` is not `[0::1]`).
///
/// Refused when built ([`InvalidOrigin`]), since none can be meant: `null`, which
/// sandboxed frames and `file:` pages of any site send; `ws:` and `wss:` entries, which
/// are a server's URL and never a page's origin; and a pattern over a top-level domain
/// or an IP address (`https://*.com`, `https://*.0.0.1`), which matches sites of every
/// owner. Only single-label suffixes are recognized: `https://*.co.uk` is accepted, so
/// write your own domain after `*.`. `http://*.localhost:PORT` is accepted: every name
/// under `localhost` is this machine (RFC 6761 §6.3).
#[derive(Clone)]
pub struct AllowedOrigins {
    entries: Arc<[Entry]>,
}

/// An origin or a pattern, lowercased, its port resolved (`None` only for a scheme
/// without a default port, written without one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    scheme: Box<str>,
    host: Host,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Exact(Box<str>),
    /// `*.suffix`: the suffix starts with a dot.
    Wildcard(Box<str>),
}

/// An entry given to [`AllowedOrigins`] is not an origin or a pattern, or one refused
/// (see [`AllowedOrigins`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOrigin {
    entry: String,
    reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Malformed,
    WebSocketScheme,
    PublicWildcard,
}

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entry = &self.entry;
        match self.reason {
            Reason::Malformed => write!(
                f,
                "{entry:?} is not an origin (`scheme://host[:port]`, e.g. \
                 `https://app.example.com`) nor a pattern like `https://*.example.com`"
            ),
            Reason::WebSocketScheme => write!(
                f,
                "{entry:?} is a WebSocket URL, never a page's origin: list the origin of \
                 the pages, `http://` or `https://` (e.g. `https://app.example.com`)"
            ),
            Reason::PublicWildcard => write!(
                f,
                "{entry:?} matches every site under a top-level domain or an IP address: \
                 write your own domain after `*.` (e.g. `https://*.example.com`)"
            ),
        }
    }
}

impl std::error::Error for InvalidOrigin {}

impl AllowedOrigins {
    /// The allow-list.
    ///
    /// # Panics
    /// If an entry is not an origin or a pattern, or is refused (see
    /// [`AllowedOrigins::try_new`]): a mistake in configuration is reported when the
    /// layer is built.
    #[must_use]
    pub fn new<I>(origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::try_new(origins).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The allow-list, or the first entry that is not an origin or a pattern or is
    /// refused, for lists read at run time (a command line, a configuration file).
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
        let refuse = |reason| InvalidOrigin {
            entry: entry.to_owned(),
            reason,
        };
        let lowered = entry.trim_end_matches('/').to_ascii_lowercase();
        let origin = SerializedOrigin::parse(&lowered).ok_or_else(|| refuse(Reason::Malformed))?;
        if matches!(origin.scheme, "ws" | "wss") {
            return Err(refuse(Reason::WebSocketScheme));
        }
        let host = match origin.host.strip_prefix('*') {
            Some(suffix) => {
                // `.label[.label…][.]`: a dot, then labels that are not empty.
                let labels = suffix
                    .strip_prefix('.')
                    .map(|l| l.strip_suffix('.').unwrap_or(l));
                if labels.is_none_or(|l| l.split('.').any(str::is_empty)) || suffix.contains('*') {
                    return Err(refuse(Reason::Malformed));
                }
                if is_public(suffix) {
                    return Err(refuse(Reason::PublicWildcard));
                }
                Host::Wildcard(suffix.into())
            }
            None if origin.host.contains('*') => return Err(refuse(Reason::Malformed)),
            None => Host::Exact(origin.host.into()),
        };
        Ok(Self {
            scheme: origin.scheme.into(),
            host,
            port: origin.port(),
        })
    }

    /// Whether `origin` is this entry's, or matches its pattern.
    fn matches(&self, origin: &SerializedOrigin<'_>) -> bool {
        origin.scheme.eq_ignore_ascii_case(&self.scheme)
            && origin.port() == self.port
            && match &self.host {
                Host::Exact(host) => origin.host.eq_ignore_ascii_case(host),
                Host::Wildcard(suffix) => {
                    let host = origin.host.as_bytes();
                    host.len() > suffix.len()
                        && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
                }
            }
    }
}

/// Whether a wildcard's `.suffix` is one no single owner has: one label (a top-level
/// domain, `.com`, `.uk`), or ending in a number (an IPv4 address's tail, as the URL
/// standard reads a host whose last label is numeric). Any name under `localhost` is
/// this machine's (RFC 6761 §6.3), so `*.localhost` is not public.
fn is_public(suffix: &str) -> bool {
    let name = suffix[1..].strip_suffix('.').unwrap_or(&suffix[1..]);
    let last = name.rsplit('.').next().unwrap_or(name);
    let numeric = !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit());
    numeric || (!name.contains('.') && name != "localhost")
}

impl OriginPolicy for AllowedOrigins {
    fn is_allowed(&self, origin: &str, _request: &Parts) -> bool {
        SerializedOrigin::parse(origin)
            .is_some_and(|origin| self.entries.iter().any(|entry| entry.matches(&origin)))
    }
}

impl fmt::Debug for AllowedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for entry in self.entries.iter() {
            list.entry(&entry.to_string());
        }
        list.finish()
    }
}

/// The entry as a browser would serialize it (RFC 6454 §6.2: no default port).
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match &self.host {
            Host::Exact(host) => f.write_str(host)?,
            Host::Wildcard(suffix) => write!(f, "*{suffix}")?,
        }
        match self.port {
            Some(port) if port != default_port(&self.scheme) => write!(f, ":{port}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::origin::same_origin::tests::parts;

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
    fn rfc6454_6_2_entries_are_compared_as_origins() {
        let list = AllowedOrigins::new([
            "https://API.Example.NET:443/",
            "http://localhost:80",
            "https://*.Example.ORG:443",
            "chrome-extension://abcdef",
        ]);
        let req = parts(Some("x"), "/");
        for ok in [
            "https://api.example.net",
            "https://api.example.net:443",
            "HTTPS://Api.Example.Net",
            "http://localhost",
            "https://a.example.org",
            "chrome-extension://abcdef",
        ] {
            assert!(list.is_allowed(ok, &req), "{ok:?}");
        }
        for bad in [
            "http://api.example.net",
            "https://api.example.net:80",
            "http://localhost:443",
            "https://localhost",
            "http://a.example.org",
            "chrome-extension://abcdef:1",
            "https://api.example.net/",
        ] {
            assert!(!list.is_allowed(bad, &req), "{bad:?}");
        }
        assert_eq!(
            format!("{list:?}"),
            r#"["https://api.example.net", "http://localhost", "https://*.example.org", "chrome-extension://abcdef"]"#
        );
    }

    #[test]
    fn rfc6454_4_websocket_scheme_entries_fail_when_built() {
        for entry in [
            "ws://localhost:3000",
            "WSS://api.example.net",
            "wss://*.example.net",
        ] {
            let error = AllowedOrigins::try_new([entry]).unwrap_err();
            assert_eq!(error.reason, Reason::WebSocketScheme, "{entry:?}");
        }
    }

    #[test]
    fn wildcards_over_a_public_suffix_fail_when_built() {
        for entry in [
            "https://*.com",
            "https://*.COM.",
            "http://*.uk:8080",
            "https://*.0.0.1",
            "https://*.1",
            "https://*.example.123",
        ] {
            let error = AllowedOrigins::try_new([entry]).unwrap_err();
            assert_eq!(error.reason, Reason::PublicWildcard, "{entry:?}");
        }
        for entry in [
            "https://*.example.com",
            "https://*.example.com.",
            "http://*.localhost:3000",
            "https://*.a1.example",
        ] {
            assert!(AllowedOrigins::try_new([entry]).is_ok(), "{entry:?}");
        }
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
            "https://*..example.com",
            "https://*.example..com",
            "https://*.",
            "https://*.example.com..",
        ] {
            assert!(AllowedOrigins::try_new([bad]).is_err(), "{bad:?}");
        }
    }
}
