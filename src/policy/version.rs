//! Which `Sec-WebSocket-Version`s the server speaks (RFC 6455 §4.2.2 /version/, §4.4).

use std::fmt;

use http::HeaderValue;

use crate::HandshakeError;
use crate::read::list::Lines;
use crate::read::version;

/// The set of protocol versions the server accepts; the default is `{13}`, RFC 6455's.
///
/// A request for any other version is answered `426 Upgrade Required` with
/// `Sec-WebSocket-Version` listing this whole set (RFC 6455 §4.4), so a client that
/// speaks one of them can retry. The set is the whole policy: unlike the other policies
/// it is not a closure, because the refusal must be able to list what *is* supported.
///
/// Only add a version if the codec behind the handshake speaks it: drafts 7 and 8
/// frame like 13, anything older does not.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SupportedVersions {
    /// Bit `v` is set when version `v` (0–255, RFC 6455 §4.3 `version`) is supported.
    bits: [u64; 4],
}

impl SupportedVersions {
    /// RFC 6455's version 13 only.
    pub const RFC6455: Self = Self {
        bits: [1 << 13, 0, 0, 0],
    };

    /// A set of versions.
    ///
    /// # Panics
    /// If `versions` is empty: a server that supports no version cannot answer a
    /// handshake, so the mistake is reported when the layer is built.
    #[must_use]
    pub fn new(versions: impl IntoIterator<Item = u8>) -> Self {
        Self::try_new(versions).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The set, or an error if `versions` is empty, for lists read at run time.
    pub fn try_new(versions: impl IntoIterator<Item = u8>) -> Result<Self, EmptyVersions> {
        let mut set = Self { bits: [0; 4] };
        for version in versions {
            set.bits[usize::from(version / 64)] |= 1 << (version % 64);
        }
        if set.bits == [0; 4] {
            Err(EmptyVersions)
        } else {
            Ok(set)
        }
    }

    /// Whether `version` is in the set.
    pub fn contains(&self, version: u8) -> bool {
        self.bits[usize::from(version / 64)] & (1 << (version % 64)) != 0
    }

    /// The versions, newest first (the order of RFC 6455 §4.4's example `13, 8, 7`).
    pub fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).rev().filter(|&v| self.contains(v))
    }

    /// The `Sec-WebSocket-Version` value of a 426 response: `13`, or `13, 8, 7`.
    pub(crate) fn header_value(&self) -> HeaderValue {
        if *self == Self::RFC6455 {
            return HeaderValue::from_static("13");
        }
        let list = self
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        HeaderValue::try_from(list).expect("digits, commas and spaces are a valid header value")
    }
}

/// The version rule as the layer runs it (RFC 6455 §4.2.1 item 6, §4.4, §11.3.5): the
/// one `Sec-WebSocket-Version` line names a version of `supported`; missing, repeated,
/// malformed or unsupported is 426, listing the set.
pub(crate) fn apply(supported: SupportedVersions, lines: &Lines<'_>) -> Result<u8, HandshakeError> {
    match lines.at_most_one() {
        Err(()) => Err(HandshakeError::DuplicateVersion { supported }),
        Ok(None) => Err(HandshakeError::MissingVersion { supported }),
        Ok(Some(value)) => version::parse(value.as_bytes())
            .filter(|&v| supported.contains(v))
            .ok_or(HandshakeError::UnsupportedVersion { supported }),
    }
}

/// [`SupportedVersions`] was given no version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmptyVersions;

impl fmt::Display for EmptyVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SupportedVersions needs at least one version")
    }
}

impl std::error::Error for EmptyVersions {}

impl Default for SupportedVersions {
    fn default() -> Self {
        Self::RFC6455
    }
}

impl fmt::Debug for SupportedVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<const N: usize> From<[u8; N]> for SupportedVersions {
    fn from(versions: [u8; N]) -> Self {
        Self::new(versions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::SEC_WEBSOCKET_VERSION;

    #[test]
    fn rfc6455_4_4_one_supported_version_or_426() {
        let set = SupportedVersions::new([13, 8]);
        let apply_to = |lines: &[&'static str]| {
            let mut map = http::HeaderMap::new();
            for line in lines {
                map.append(SEC_WEBSOCKET_VERSION, HeaderValue::from_static(line));
            }
            apply(set, &Lines::new(&map, &SEC_WEBSOCKET_VERSION))
        };
        assert_eq!(apply_to(&["13"]), Ok(13));
        assert_eq!(apply_to(&["8"]), Ok(8));
        assert_eq!(
            apply_to(&[]),
            Err(HandshakeError::MissingVersion { supported: set })
        );
        assert_eq!(
            apply_to(&["13", "13"]),
            Err(HandshakeError::DuplicateVersion { supported: set })
        );
        for bad in ["7", "013", "13, 8", ""] {
            assert_eq!(
                apply_to(&[bad]),
                Err(HandshakeError::UnsupportedVersion { supported: set }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rfc6455_4_4_header_lists_every_supported_version() {
        assert_eq!(SupportedVersions::default().header_value(), "13");
        assert_eq!(
            SupportedVersions::new([7, 13, 8]).header_value(),
            "13, 8, 7"
        );
        assert_eq!(SupportedVersions::new([0, 255]).header_value(), "255, 0");
        let set = SupportedVersions::new([13, 8]);
        assert!(set.contains(8) && set.contains(13) && !set.contains(7));
    }

    #[test]
    #[should_panic(expected = "at least one version")]
    fn an_empty_set_fails_when_built() {
        let _ = SupportedVersions::new([]);
    }

    #[test]
    fn try_new_reports_an_empty_set() {
        assert_eq!(SupportedVersions::try_new([]), Err(EmptyVersions));
        assert_eq!(
            SupportedVersions::try_new([13]),
            Ok(SupportedVersions::RFC6455)
        );
    }
}
