//! `Host` and origin authorities: `host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3), as RFC 9112
//! §3.2 requires of `Host` and RFC 6454 §6.2 serializes in `Origin`.
//!
//! Read on every handshake (`Host` by the reader, `Host` and `Origin` again by the
//! same-origin check), so in one pass over the bytes with a lookup table.

/// `unreserved / sub-delims` of RFC 3986 §2.2–2.3: the bytes of a `reg-name` besides
/// percent-encodings.
static REG_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        table[i] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            );
        i += 1;
    }
    table
};

/// Splits `host[:port]` and checks both against RFC 3986: the host a bracketed IP literal
/// or a non-empty reg-name / IPv4 address, the port digits. `None` if it is not one.
///
/// An empty port (`example.com:`) is allowed by the grammar and read as no port.
pub(crate) fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host_len, port) = split(authority.as_bytes())?;
    Some((&authority[..host_len], port))
}

/// Whether `bytes` is an authority as [`split_host_port`] reads one: for a header value
/// not yet known to be ASCII, such as `Host`, without converting it first.
pub(crate) fn is_authority(bytes: &[u8]) -> bool {
    split(bytes).is_some()
}

/// The host's length and the port.
fn split(bytes: &[u8]) -> Option<(usize, Option<u16>)> {
    let host_len = if bytes.first() == Some(&b'[') {
        let close = bytes.iter().position(|&b| b == b']')?;
        let literal = std::str::from_utf8(&bytes[1..close]).ok()?;
        if !is_ip_literal(literal) {
            return None;
        }
        close + 1
    } else {
        reg_name_len(bytes)?
    };
    let port = match &bytes[host_len..] {
        [] | [b':'] => None,
        [b':', digits @ ..] => Some(port(digits)?),
        _ => return None,
    };
    Some((host_len, port))
}

/// The length of the non-empty `reg-name` (IPv4 addresses are reg-names too) that starts
/// `bytes` and ends at its end or at a `:`; `None` if a byte on the way may not be in one.
fn reg_name_len(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        // The run of plain bytes, then what ended it.
        i += bytes[i..]
            .iter()
            .position(|&b| !REG_NAME[usize::from(b)])
            .unwrap_or(bytes.len() - i);
        match bytes.get(i) {
            None | Some(b':') => break,
            // pct-encoded = "%" HEXDIG HEXDIG
            Some(b'%') => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                i += 3;
            }
            Some(_) => return None,
        }
    }
    (i > 0).then_some(i)
}

/// `port = *DIGIT`, non-empty here, as a TCP port.
fn port(digits: &[u8]) -> Option<u16> {
    let mut port: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        port = port * 10 + u32::from(d - b'0');
        if port > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(port).ok()
}

/// The inside of `IP-literal = "[" ( IPv6address / IPvFuture ) "]"`.
fn is_ip_literal(inner: &str) -> bool {
    if let Some(future) = inner.strip_prefix(['v', 'V']) {
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        return future.split_once('.').is_some_and(|(version, address)| {
            !version.is_empty()
                && version.bytes().all(|b| b.is_ascii_hexdigit())
                && !address.is_empty()
                && address
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&b))
        });
    }
    inner.parse::<std::net::Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_3_2_authorities() {
        assert_eq!(split_host_port("example.com"), Some(("example.com", None)));
        assert_eq!(
            split_host_port("Example.com:3000"),
            Some(("Example.com", Some(3000)))
        );
        assert_eq!(
            split_host_port("127.0.0.1:80"),
            Some(("127.0.0.1", Some(80)))
        );
        assert_eq!(split_host_port("[::1]:3000"), Some(("[::1]", Some(3000))));
        assert_eq!(split_host_port("[::1]"), Some(("[::1]", None)));
        assert_eq!(
            split_host_port("[2001:db8::7]:443"),
            Some(("[2001:db8::7]", Some(443)))
        );
        assert_eq!(
            split_host_port("[::ffff:1.2.3.4]"),
            Some(("[::ffff:1.2.3.4]", None))
        );
        assert_eq!(
            split_host_port("[v1.fe80::a+en1]"),
            Some(("[v1.fe80::a+en1]", None))
        );
        assert_eq!(split_host_port("example.com:"), Some(("example.com", None)));
        assert_eq!(
            split_host_port("xn--bcher-kva.example"),
            Some(("xn--bcher-kva.example", None))
        );
        assert_eq!(split_host_port("a%20b"), Some(("a%20b", None)));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_no_authority() {
        assert!(is_authority(b"example.com:80"));
        assert!(is_authority(b"[::1]:80"));
        for bad in [&b"ex\xffample"[..], b"[\xff::1]", b"\xc3\xa9.com"] {
            assert!(!is_authority(bad), "{bad:?}");
        }
    }

    #[test]
    fn rfc9112_3_2_invalid_hosts() {
        for bad in [
            "",
            ":80",
            "a b",
            "a/b",
            "a@b",
            "[::1",
            "::1",
            "example.com:80x",
            "a:1:2",
            "[]",
            "example.com:65536",
            "a%2",
            "a%zz",
            "ex\"ample",
            "a?b",
            "a#b",
            "[::1]x",
            "é.com",
        ] {
            assert_eq!(split_host_port(bad), None, "{bad:?}");
            assert!(!is_authority(bad.as_bytes()), "{bad:?}");
        }
    }
}
