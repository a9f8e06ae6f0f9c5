//! A `Sec-WebSocket-Version` value (RFC 6455 §4.3): `version = DIGIT | (NZDIGIT DIGIT) |
//! ("1" DIGIT DIGIT) | ("2" DIGIT DIGIT)`, a number from 0 to 255 without leading zeros.

/// The version `value` names; `None` if it is not one.
pub(crate) fn parse(value: &[u8]) -> Option<u8> {
    match value {
        [b'0'] => Some(0),
        [b'1'..=b'9', rest @ ..] if rest.len() <= 2 && rest.iter().all(u8::is_ascii_digit) => value
            .iter()
            .try_fold(0u8, |n, &d| n.checked_mul(10)?.checked_add(d - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_4_3_version_grammar() {
        assert_eq!(parse(b"13"), Some(13));
        assert_eq!(parse(b"0"), Some(0));
        assert_eq!(parse(b"255"), Some(255));
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
            assert_eq!(parse(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
