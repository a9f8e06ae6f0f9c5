//! Which hosts the server answers for: the `Host` / `:authority` allow-list that stops DNS
//! rebinding (RFC 9110 §7.4, §15.5.20), set with
//! [`WebSocketLayer::allowed_hosts`](crate::WebSocketLayer::allowed_hosts).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use http::request::Parts;

use crate::HandshakeError;
use crate::read::authority::split_host_port;

/// The hosts a WebSocket may be opened at, compared with the request's host: HTTP/2's
/// `:authority`, the authority of an absolute-form target, or else `Host` (RFC 9110 §7.2,
/// RFC 9112 §3.2.2). Any other host is refused with 421 Misdirected Request, before the
/// `Origin` check.
///
/// It stops DNS rebinding: a page on a name the attacker controls, re-pointed at the
/// server's address, sends that name as its host and as its `Origin`, which then agree
/// (see docs/SECURITY.md). An entry is
///
/// - a name (`app.example.com`, `localhost`), compared ASCII-case-insensitively;
/// - a pattern whose first label is `*` (`*.example.com` matches `a.example.com` and
///   `a.b.example.com`, not `example.com`: list that one too); its suffix must have two
///   labels or more, or be `localhost`, whose names never leave the machine;
/// - an IP address: `127.0.0.1`, or IPv6 in brackets (`[::1]`), compared as addresses;
///
/// each with an optional port (`localhost:3000`, `[::1]:3000`). An entry with a port
/// matches that port only; a host sent without a port has its scheme's default port
/// (80 or 443; either, when the request does not say its scheme, as over HTTP/1.1).
/// An entry without a port matches any port. A trailing dot (`example.com.`) is another
/// spelling that only an entry written with it matches. An empty list refuses every
/// host.
#[derive(Clone)]
pub struct AllowedHosts {
    entries: Arc<[Entry]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: Name,
    /// `None`: any port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Name {
    /// A lowercased reg-name, or an IPv4 address in its canonical form.
    Exact(Box<str>),
    /// `*.suffix`: the suffix, lowercased, with its leading dot.
    Wildcard(Box<str>),
    /// `[address]`.
    Ipv6(Ipv6Addr),
}

/// An entry given to [`AllowedHosts`] is not a host, an IP literal or a `*.` pattern
/// (with an optional port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidHostEntry {
    entry: String,
}

impl fmt::Display for InvalidHostEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a host (`name[:port]`, `1.2.3.4[:port]`, `[::1][:port]`) nor a \
             pattern like `*.example.com` over two labels or more",
            self.entry
        )
    }
}

impl std::error::Error for InvalidHostEntry {}

impl AllowedHosts {
    /// The allow-list.
    ///
    /// # Panics
    /// If an entry is not a host or a pattern (see [`AllowedHosts::try_new`]): a mistake
    /// in configuration is reported when the layer is built.
    #[must_use]
    pub fn new<I>(hosts: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::try_new(hosts).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The allow-list, or the first entry that is not a host or a pattern, for lists
    /// read at run time (a command line, a configuration file).
    pub fn try_new<I>(hosts: I) -> Result<Self, InvalidHostEntry>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let entries = hosts
            .into_iter()
            .map(|entry| Entry::parse(entry.as_ref()))
            .collect::<Result<Arc<[Entry]>, _>>()?;
        Ok(Self { entries })
    }

    /// `localhost`, `127.0.0.1` and `[::1]` at `port`: what a server bound to a loopback
    /// address answers for.
    #[must_use]
    pub fn loopback(port: u16) -> Self {
        let at = |name| Entry {
            name,
            port: Some(port),
        };
        Self {
            entries: Arc::new([
                at(Name::Exact("localhost".into())),
                at(Name::Exact("127.0.0.1".into())),
                at(Name::Ipv6(Ipv6Addr::LOCALHOST)),
            ]),
        }
    }

    /// Whether `host`, a valid `host[:port]` (the reader checked it), is listed; `scheme`
    /// is the request's, if it says one, for the default port.
    fn allows(&self, host: &str, scheme: Option<&str>) -> bool {
        let (name, port) = split_valid(host);
        let ipv6 = name
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .map(|inner| inner.parse::<Ipv6Addr>().ok());
        self.entries.iter().any(|entry| {
            let name_matches = match (&entry.name, ipv6) {
                (Name::Ipv6(listed), Some(address)) => address == Some(*listed),
                (_, Some(_)) | (Name::Ipv6(_), None) => false,
                // Bytes first: browsers send hosts lowercased, as the list holds them.
                (Name::Exact(listed), None) => {
                    name == &**listed || name.eq_ignore_ascii_case(listed)
                }
                (Name::Wildcard(suffix), None) => is_under(name, suffix),
            };
            name_matches && port_matches(entry.port, port, scheme)
        })
    }
}

impl Entry {
    fn parse(entry: &str) -> Result<Self, InvalidHostEntry> {
        let invalid = || InvalidHostEntry {
            entry: entry.to_owned(),
        };
        // `*` is a sub-delim, so a pattern is a valid authority: read as one, then checked.
        let (name, port) = split_host_port(entry).ok_or_else(invalid)?;
        let port = match port {
            None if entry.ends_with(':') => return Err(invalid()),
            port => port,
        };
        let name = if let Some(inner) = name.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or_else(invalid)?;
            Name::Ipv6(inner.parse().map_err(|_| invalid())?)
        } else if let Ok(address) = name.parse::<Ipv4Addr>() {
            Name::Exact(address.to_string().into())
        } else if let Some(suffix) = name.strip_prefix('*') {
            if !is_pattern_suffix(suffix) {
                return Err(invalid());
            }
            Name::Wildcard(suffix.to_ascii_lowercase().into())
        } else if is_dns_name(name) {
            Name::Exact(name.to_ascii_lowercase().into())
        } else {
            return Err(invalid());
        };
        Ok(Self { name, port })
    }
}

/// `host[:port]` split without checking it again: the name ends at the first `]` of an IP
/// literal, else at the first `:` (byte by byte: a host is too short for a substring
/// search to pay for its setup).
fn split_valid(host: &str) -> (&str, Option<u16>) {
    let bytes = host.as_bytes();
    let name_end = if bytes.first() == Some(&b'[') {
        bytes
            .iter()
            .position(|&b| b == b']')
            .map_or(host.len(), |close| close + 1)
    } else {
        bytes.iter().position(|&b| b == b':').unwrap_or(host.len())
    };
    let port = host[name_end..]
        .strip_prefix(':')
        .and_then(|digits| digits.parse().ok());
    (&host[..name_end], port)
}

/// A name a `Host` can carry and DNS can resolve: letters, digits, `-`, `_` and dots
/// (no `*`, no percent-encoding, nothing else RFC 3986 allows in a reg-name).
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `.suffix` of a `*.suffix` pattern: a name of two labels or more, or `localhost`
/// (RFC 6761 §6.3: its names resolve to loopback only). `*.com` would let every site in.
fn is_pattern_suffix(suffix: &str) -> bool {
    let Some(name) = suffix.strip_prefix('.') else {
        return false;
    };
    let mut labels = name.split('.');
    // The last label is a top-level domain, never all digits: not a pattern over IPv4.
    let top_level = labels.next_back().unwrap_or_default();
    is_dns_name(name)
        && name.split('.').all(|label| !label.is_empty())
        && !top_level.bytes().all(|b| b.is_ascii_digit())
        && (labels.next().is_some() || name.eq_ignore_ascii_case("localhost"))
}

/// Whether `name` ends with `suffix` (which starts with a dot) after at least one byte.
fn is_under(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len()
        && name.is_char_boundary(name.len() - suffix.len())
        && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn port_matches(listed: Option<u16>, sent: Option<u16>, scheme: Option<&str>) -> bool {
    match (listed, sent) {
        (None, _) => true,
        (Some(listed), Some(sent)) => listed == sent,
        (Some(listed), None) => match scheme {
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => listed == 443,
            Some(scheme) if scheme.eq_ignore_ascii_case("http") => listed == 80,
            _ => listed == 80 || listed == 443,
        },
    }
}

/// The host rule as the layer runs it: `host` is the request's host if the reader found
/// a valid one. Refused → 421.
pub(crate) fn apply(
    hosts: &AllowedHosts,
    host: Option<&str>,
    request: &Parts,
) -> Result<(), HandshakeError> {
    if host.is_some_and(|host| hosts.allows(host, request.uri.scheme_str())) {
        Ok(())
    } else {
        Err(HandshakeError::HostRefused)
    }
}

impl fmt::Debug for AllowedHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for entry in self.entries.iter() {
            let port = entry
                .port
                .map(|port| format!(":{port}"))
                .unwrap_or_default();
            match &entry.name {
                Name::Exact(name) => list.entry(&format_args!("{name}{port}")),
                Name::Wildcard(suffix) => list.entry(&format_args!("*{suffix}{port}")),
                Name::Ipv6(address) => list.entry(&format_args!("[{address}]{port}")),
            };
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(list: &[&str], host: &str) -> bool {
        AllowedHosts::new(list).allows(host, None)
    }

    #[test]
    fn rfc3986_3_2_2_names_compare_ascii_case_insensitively() {
        let list = ["App.Example.com", "localhost:3000"];
        assert!(allows(&list, "app.example.com"));
        assert!(allows(&list, "APP.EXAMPLE.COM:8080"));
        assert!(allows(&list, "LocalHost:3000"));
        assert!(!allows(&list, "app.example.com.evil.com"));
        assert!(!allows(&list, "evil-app.example.com"));
        assert!(!allows(&list, "app.example.com."));
        assert!(!allows(&list, "attacker.example:3000"));
    }

    #[test]
    fn rfc9110_7_2_a_listed_port_must_match_and_a_portless_entry_matches_any() {
        let list = ["localhost:3000", "example.net"];
        assert!(!allows(&list, "localhost:3001"));
        assert!(!allows(&list, "localhost"));
        assert!(allows(&list, "example.net"));
        assert!(allows(&list, "example.net:1"));
        assert!(allows(&list, "example.net:65535"));
        // `Host: example.net:` has an empty port: none sent.
        assert!(allows(&["example.net:80"], "example.net:"));
    }

    #[test]
    fn rfc9110_4_2_a_host_without_port_has_its_schemes_default() {
        let https = AllowedHosts::new(["example.com:443"]);
        let http = AllowedHosts::new(["example.com:80"]);
        // Over HTTP/1.1 the scheme is unknown: either default.
        assert!(https.allows("example.com", None));
        assert!(http.allows("example.com", None));
        // Over HTTP/2, or in an absolute-form target, it is known.
        assert!(https.allows("example.com", Some("https")));
        assert!(!https.allows("example.com", Some("http")));
        assert!(http.allows("example.com", Some("HTTP")));
        assert!(!AllowedHosts::new(["example.com:8443"]).allows("example.com", None));
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let list = ["*.example.com"];
        assert!(allows(&list, "a.example.com"));
        assert!(allows(&list, "a.b.Example.COM:443"));
        assert!(!allows(&list, "example.com"));
        assert!(!allows(&list, ".example.com"));
        assert!(!allows(&list, "aexample.com"));
        assert!(!allows(&list, "a.example.com.evil.com"));
        assert!(allows(&["*.example.com:8080"], "a.example.com:8080"));
        assert!(!allows(&["*.example.com:8080"], "a.example.com:8081"));
        assert!(allows(&["*.localhost"], "app.localhost:5173"));
    }

    #[test]
    fn rfc3986_3_2_2_ip_literals_compare_as_addresses() {
        let list = ["127.0.0.1:3000", "[::1]:3000", "[2001:DB8::7]"];
        assert!(allows(&list, "127.0.0.1:3000"));
        assert!(!allows(&list, "127.0.0.2:3000"));
        assert!(allows(&list, "[::1]:3000"));
        assert!(allows(&list, "[0:0:0:0:0:0:0:1]:3000"));
        assert!(!allows(&list, "[::1]:3001"));
        assert!(allows(&list, "[2001:db8:0::7]:443"));
        assert!(!allows(&list, "[::2]:3000"));
        assert!(!allows(&list, "[v1.x]:3000"));
        // An IPv4 entry is not the IPv4-mapped IPv6 address.
        assert!(!allows(&list, "[::ffff:127.0.0.1]:3000"));
    }

    #[test]
    fn loopback_lists_the_three_loopback_names_at_the_port() {
        let list = AllowedHosts::loopback(3000);
        for host in ["localhost:3000", "127.0.0.1:3000", "[::1]:3000"] {
            assert!(list.allows(host, None), "{host}");
        }
        for host in ["localhost:3001", "attacker.example:3000", "0.0.0.0:3000"] {
            assert!(!list.allows(host, None), "{host}");
        }
        assert_eq!(
            format!("{list:?}"),
            r#"[localhost:3000, 127.0.0.1:3000, [::1]:3000]"#
        );
    }

    #[test]
    fn an_empty_list_refuses_every_host() {
        let list: [&str; 0] = [];
        assert!(!allows(&list, "localhost"));
    }

    #[test]
    fn invalid_entries_fail_when_built() {
        for bad in [
            "",
            "*",
            "*.com",
            "*.",
            "*example.com",
            "a.*.com",
            "*.0.0.1",
            "*.*.example.com",
            "*.example..com",
            "http://example.com",
            "example.com/",
            "example.com:",
            "example.com:65536",
            "example.com:x",
            "::1",
            "[::1",
            "[v1.x]",
            "[127.0.0.1]",
            "a%20b",
            "user@example.com",
            "exa mple.com",
        ] {
            assert!(AllowedHosts::try_new([bad]).is_err(), "{bad:?}");
        }
        let error = AllowedHosts::try_new(["ok.example", "*.com"]).unwrap_err();
        assert!(error.to_string().starts_with("\"*.com\""), "{error}");
    }

    #[test]
    fn entries_print_normalized() {
        let list = AllowedHosts::new(["Example.COM:80", "*.Example.com", "[0::1]"]);
        assert_eq!(
            format!("{list:?}"),
            "[example.com:80, *.example.com, [::1]]"
        );
    }
}
