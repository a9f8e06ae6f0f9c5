//! `quoted-string` (RFC 9110 §5.6.4), as `Sec-WebSocket-Extensions` parameters (RFC 6455
//! §9.1) and `Forwarded` values (RFC 7239 §4) write it.
//!
//! ```text
//! quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//! qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E
//! quoted-pair   = "\" ( HTAB / SP / VCHAR )
//! ```
//! (`obs-text`, bytes from 0x80, is refused: no header this crate reads needs it.)

use std::borrow::Cow;

/// Reads the quoted-string at the start of `rest` (which starts with `"`): returns the
/// bytes between the quotes, escapes still in, and moves `rest` past the closing quote.
/// `None` if it is unterminated or holds a byte the grammar forbids.
pub(crate) fn read<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let [b'"', inner @ ..] = *rest else {
        return None;
    };
    let mut i = 0;
    loop {
        match *inner.get(i)? {
            b'"' => break,
            b'\\' if inner.get(i + 1).is_some_and(|&b| is_text(b)) => i += 2,
            b'\\' => return None,
            b if is_text(b) => i += 1,
            _ => return None,
        }
    }
    *rest = &inner[i + 1..];
    Some(&inner[..i])
}

/// The bytes a quoted-string's content stands for, escapes removed: what [`read`]
/// returned is well-formed, so every backslash escapes the byte after it.
pub(crate) fn unescaped(raw: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut escaped = false;
    raw.iter().filter_map(move |&b| {
        if b == b'\\' && !escaped {
            escaped = true;
            None
        } else {
            escaped = false;
            Some(b)
        }
    })
}

/// [`unescaped`] as text, borrowed when there is nothing to unescape.
pub(crate) fn unescaped_str(raw: &[u8]) -> Cow<'_, str> {
    if raw.contains(&b'\\') {
        Cow::Owned(unescaped(raw).map(char::from).collect())
    } else {
        // `read` admits visible ASCII, space and tab only.
        Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default())
    }
}

/// HTAB, SP and visible ASCII: what `qdtext` and `quoted-pair` admit, but for the
/// quote and the backslash, which `read` handles first.
fn is_text(b: u8) -> bool {
    b == b'\t' || (0x20..0x7f).contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> Option<(String, String)> {
        let mut rest = s.as_bytes();
        let raw = read(&mut rest)?;
        Some((
            unescaped_str(raw).into_owned(),
            String::from_utf8(rest.to_vec()).unwrap(),
        ))
    }

    #[test]
    fn rfc9110_5_6_4_quoted_strings() {
        let ok = |s: &str, value: &str, rest: &str| {
            assert_eq!(quoted(s), Some((value.into(), rest.into())), "{s:?}")
        };
        ok(r#""""#, "", "");
        ok(r#""a b";x"#, "a b", ";x");
        ok(r#""a\"b""#, "a\"b", "");
        ok(r#""a\\b" c"#, "a\\b", " c");
        ok(r#""\a\b""#, "ab", "");
        ok("\"\t\"", "\t", "");
        for bad in [
            "",
            "a",
            "\"",
            "\"abc",
            r#""a\"#,
            "\"a\u{7f}\"",
            "\"\u{e9}\"",
            "\"a\nb\"",
        ] {
            assert_eq!(quoted(bad), None, "{bad:?}");
        }
    }
}
