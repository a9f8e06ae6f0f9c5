//! Which `Sec-WebSocket-Version`s the server speaks (RFC 6455 §4.2.2 /version/, §4.4).

use std::fmt;

use http::HeaderValue;

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
    pub fn new(versions: impl IntoIterator<Item = u8>) -> Self {
        Self::try_new(versions).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The set, or an error if `versions` is empty, for lists read at run time.
    pub fn try_new(versions: impl IntoIterator<Item = u8>) -> Result<Self, NoVersions> {
        let mut set = Self { bits: [0; 4] };
        for version in versions {
            set.bits[usize::from(version / 64)] |= 1 << (version % 64);
        }
        if set.bits == [0; 4] {
            Err(NoVersions)
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

    /// Reads a client's `Sec-WebSocket-Version` value: RFC 6455 §4.3's `version` rule,
    /// 0–255 with no leading zeros. `None` if it is not one.
    pub(crate) fn parse(value: &[u8]) -> Option<u8> {
        match value {
            [b'0'] => Some(0),
            [b'1'..=b'9', rest @ ..] if rest.len() <= 2 && rest.iter().all(u8::is_ascii_digit) => {
                value
                    .iter()
                    .try_fold(0u8, |n, &d| n.checked_mul(10)?.checked_add(d - b'0'))
            }
            _ => None,
        }
    }
}

/// [`SupportedVersions`] was given no version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoVersions;

impl fmt::Display for NoVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SupportedVersions needs at least one version")
    }
}

impl std::error::Error for NoVersions {}

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

    #[test]
    fn rfc6455_4_3_version_grammar() {
        assert_eq!(SupportedVersions::parse(b"13"), Some(13));
        assert_eq!(SupportedVersions::parse(b"0"), Some(0));
        assert_eq!(SupportedVersions::parse(b"255"), Some(255));
        for bad in [
            &b""[..],
            b"013",
            b"00",
            b"256",
            b"1000",
            b"+13",
            b"13 ",
            b"1a",
            b"-1",
            b"13,8",
        ] {
            assert_eq!(
                SupportedVersions::parse(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
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
        assert_eq!(SupportedVersions::try_new([]), Err(NoVersions));
        assert_eq!(
            SupportedVersions::try_new([13]),
            Ok(SupportedVersions::RFC6455)
        );
    }
}
