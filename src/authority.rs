//! `Host` and origin authorities: `host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3), as RFC 9112
//! §3.2 requires of `Host` and RFC 6454 §6.2 serializes in `Origin`.

/// Splits `host[:port]` and checks both against RFC 3986: the host a bracketed IP literal
/// or a non-empty reg-name / IPv4 address, the port digits. `None` if it is not one.
///
/// An empty port (`example.com:`) is allowed by the grammar and read as no port.
pub(crate) fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if !is_host(host) {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

/// `host = IP-literal / IPv4address / reg-name`, non-empty (a WebSocket server has an
/// authority: RFC 6455 §4.2.1 item 2).
fn is_host(host: &str) -> bool {
    if let Some(literal) = host.strip_prefix('[') {
        return literal.strip_suffix(']').is_some_and(is_ip_literal);
    }
    // reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4 addresses are reg-names too.
    let bytes = host.as_bytes();
    !bytes.is_empty()
        && bytes.iter().enumerate().all(|(i, &b)| match b {
            b'%' => bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)),
            _ => b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b),
        })
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
        }
    }
}
