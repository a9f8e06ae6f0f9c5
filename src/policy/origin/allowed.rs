//! [`AllowedOrigins`]: a list of origins and `https://*.example.com` patterns.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use super::OriginPolicy;
use crate::read::origin::SerializedOrigin;

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
    #[must_use]
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
}
