//! What a reverse proxy says the client asked for: `X-Forwarded-Host: host[:port]`, or
//! the `host` parameter of `Forwarded` (RFC 7239 §4, §5.3).

use std::borrow::Cow;

use super::quoted;
use super::token::is_tchar;

/// The one host of an `X-Forwarded-Host` line, trimmed; `Err` for a list of hops.
pub(crate) fn x_forwarded_host(line: &str) -> Result<Cow<'_, str>, ()> {
    let host = line.trim_matches([' ', '\t']);
    if host.contains(',') {
        return Err(());
    }
    Ok(Cow::Borrowed(host))
}

/// The `host` of the one `forwarded-element` in a `Forwarded` line (RFC 7239 §4):
/// `pair *( ";" pair )`, `pair = token "=" ( token / quoted-string )`. `Err` if the line
/// is malformed, lists more than one element (hops) or repeats `host`. Optional
/// whitespace is accepted around elements and pairs.
pub(crate) fn forwarded_element_host(line: &str) -> Result<Option<Cow<'_, str>>, ()> {
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
            let mut rest = &bytes[i..];
            let raw = quoted::read(&mut rest).ok_or(())?;
            i = bytes.len() - rest.len();
            quoted::unescaped_str(raw)
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
