//! The list rule of RFC 9110 §5.6.1 (`#element`), read over every line of a header.
//!
//! A recipient must treat `Connection: keep-alive` + `Connection: Upgrade` exactly like
//! `Connection: keep-alive, Upgrade`, ignore empty elements (`a, , b`), and compare
//! tokens whole: `x-upgrade` does not contain `upgrade`.

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// The lines of one header, like `HeaderMap::get_all(..).iter()` but `Clone`, so that a
/// policy can walk a list more than once. Allocates nothing.
///
/// Made with the first line and whether there is a second: by one lookup ([`new`]), or
/// by a walk over the whole map that [`push`]es the lines it meets. A header is nearly
/// always a single line; walks (and walks of clones) read the map again only for a
/// header of several lines.
///
/// [`new`]: Self::new
/// [`push`]: Self::push
#[derive(Debug, Clone)]
pub(crate) struct Lines<'a> {
    headers: &'a HeaderMap,
    name: &'a HeaderName,
    first: Option<&'a HeaderValue>,
    /// The header has a second line.
    more: bool,
    next: usize,
}

impl<'a> Lines<'a> {
    #[cfg(any(fuzzing, test))]
    pub(crate) fn new(headers: &'a HeaderMap, name: &'a HeaderName) -> Self {
        let mut lines = headers.get_all(name).iter();
        let first = lines.next();
        let more = lines.next().is_some();
        Self {
            headers,
            name,
            first,
            more,
            next: 0,
        }
    }

    /// No line yet: for a walk over the whole map that [`push`](Self::push)es the
    /// header's lines as it meets them, instead of looking the header up.
    pub(crate) const fn none(headers: &'a HeaderMap, name: &'a HeaderName) -> Self {
        Self {
            headers,
            name,
            first: None,
            more: false,
            next: 0,
        }
    }

    /// Notes a line of the header met by a walk over the map.
    #[inline]
    pub(crate) fn push(&mut self, line: &'a HeaderValue) {
        if self.first.is_none() {
            self.first = Some(line);
        } else {
            self.more = true;
        }
    }

    /// The only line: `Ok(None)` if there is none, `Err(())` if there are several.
    pub(crate) fn at_most_one(&self) -> Result<Option<&'a HeaderValue>, ()> {
        if self.more { Err(()) } else { Ok(self.first) }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a HeaderValue;

    #[inline]
    fn next(&mut self) -> Option<&'a HeaderValue> {
        let line = match self.next {
            0 => self.first,
            _ if !self.more => None,
            n => self.headers.get_all(self.name).iter().nth(n),
        }?;
        self.next += 1;
        Some(line)
    }
}

/// The elements of a comma-separated list header, over all of its lines, with optional
/// whitespace trimmed and empty elements skipped. Borrows; allocates nothing.
#[derive(Debug, Clone)]
pub(crate) struct ListElements<'a, I = Lines<'a>> {
    lines: I,
    rest: &'a [u8],
}

impl<'a, I: Iterator<Item = &'a HeaderValue>> ListElements<'a, I> {
    pub(crate) fn new(lines: I) -> Self {
        Self { lines, rest: &[] }
    }
}

impl<'a> ListElements<'a> {
    /// Whether `element` is one of the list's elements as a slice of the header's own
    /// bytes, told by its address: what the built-in subprotocol policies return. A
    /// non-empty token bounded by commas (or a line's ends) and whitespace is an element.
    pub(crate) fn has_slice(&self, element: &[u8]) -> bool {
        if !crate::read::token::is_token(element) {
            return false;
        }
        let address = element.as_ptr() as usize;
        self.lines.clone().any(|line| {
            let line = line.as_bytes();
            let Some(start) = address.checked_sub(line.as_ptr() as usize) else {
                return false;
            };
            let Some(end) = start
                .checked_add(element.len())
                .filter(|&end| end <= line.len())
            else {
                return false;
            };
            let before = trim_ows(&line[..start]);
            let after = trim_ows(&line[end..]);
            matches!(before.last(), None | Some(b',')) && matches!(after.first(), None | Some(b','))
        })
    }
}

impl<'a, I: Iterator<Item = &'a HeaderValue>> Iterator for ListElements<'a, I> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            while self.rest.is_empty() {
                self.rest = self.lines.next()?.as_bytes();
            }
            let (element, rest) = match self.rest.iter().position(|&b| b == b',') {
                Some(comma) => (&self.rest[..comma], &self.rest[comma + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            let element = trim_ows(element);
            if !element.is_empty() {
                return Some(element);
            }
        }
    }
}

/// A token of lowercase ASCII letters only (`websocket`, `upgrade`), checked when the
/// constant is compiled: [`contains_token`]'s comparison is exact only for such tokens.
#[derive(Clone, Copy)]
pub(crate) struct Letters(&'static str);

/// The `Connection` option that goes with `Upgrade` (RFC 9110 §7.8).
pub(crate) const UPGRADE_TOKEN: Letters = Letters::new("upgrade");

/// The `Connection` option that ends the connection after the response (RFC 9110 §9.6).
pub(crate) const CLOSE_TOKEN: Letters = Letters::new("close");

impl Letters {
    pub(crate) const fn new(token: &'static str) -> Self {
        let bytes = token.as_bytes();
        assert!(!bytes.is_empty(), "an empty element is never a token");
        let mut i = 0;
        while i < bytes.len() {
            assert!(bytes[i].is_ascii_lowercase(), "lowercase letters only");
            i += 1;
        }
        Self(token)
    }
}

/// Whether the list header holds `token`, compared ASCII-case-insensitively and whole.
///
/// Inlined: a request that is not an upgrade attempt pays its lookup of `Upgrade` and
/// finding no line, and a call would cost as much again.
#[inline(always)]
pub(crate) fn contains_token<'a>(
    lines: impl IntoIterator<Item = &'a HeaderValue>,
    token: Letters,
) -> bool {
    let token = token.0.as_bytes();
    let mut lines = lines.into_iter();
    let Some(first) = lines.next() else {
        return false;
    };
    // The usual header is one line, the token alone (`Upgrade: websocket`,
    // `Connection: Upgrade`).
    eq_lowercase(first.as_bytes(), token)
        || std::iter::once(first)
            .chain(lines)
            .any(|line| line_contains_token(line.as_bytes(), token))
}

#[inline(never)]
fn line_contains_token(line: &[u8], token: &[u8]) -> bool {
    line.split(|&b| b == b',')
        .any(|element| eq_lowercase(trim_ows(element), token))
}

/// `bytes.eq_ignore_ascii_case(letters)` for `letters` known to be lowercase ASCII
/// letters ([`Letters`]), eight bytes at a time: for such a letter `l`, `b | 0x20 == l` holds exactly
/// when `b` is `l` or its capital.
fn eq_lowercase(bytes: &[u8], letters: &[u8]) -> bool {
    debug_assert!(letters.iter().all(u8::is_ascii_lowercase));
    if bytes.len() != letters.len() {
        return false;
    }
    let mut bytes_chunks = bytes.chunks_exact(8);
    let mut letters_chunks = letters.chunks_exact(8);
    let fold = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().unwrap_or_default());
    let whole = bytes_chunks
        .by_ref()
        .zip(letters_chunks.by_ref())
        .all(|(b, l)| fold(b) | 0x2020_2020_2020_2020 == fold(l));
    whole
        && bytes_chunks
            .remainder()
            .iter()
            .zip(letters_chunks.remainder())
            .all(|(&b, &l)| b | 0x20 == l)
}

/// Whether `line` is a `#token` list (RFC 9110 §5.6.1): tokens separated by commas, each
/// with optional whitespace around it; empty elements allowed. One table lookup per byte.
pub(crate) fn is_token_list(line: &[u8]) -> bool {
    let mut at = token_list::START;
    for &b in line {
        at = token_list::STEP[usize::from(at & 3)][usize::from(b)];
    }
    at != token_list::REJECT
}

/// The automaton of `is_token_list`.
mod token_list {
    use crate::read::token::{is_tchar_const, transition_table};

    /// Before an element's token: at the start, or after a comma.
    pub(super) const START: u8 = 0;
    const TOKEN: u8 = 1;
    /// Whitespace after a token: only a comma may follow.
    const END: u8 = 2;
    pub(super) const REJECT: u8 = 3;

    const fn step(at: u8, b: u8) -> u8 {
        match (at, b) {
            (REJECT, _) => REJECT,
            (_, b',') => START,
            (START, b' ' | b'\t') => START,
            (TOKEN | END, b' ' | b'\t') => END,
            (START | TOKEN, b) if is_tchar_const(b) => TOKEN,
            _ => REJECT,
        }
    }

    /// `STEP[state][byte]`: the next state.
    pub(super) static STEP: [[u8; 256]; 4] =
        transition_table!(step, rows: 4, states: 4, reject: REJECT);
}

/// Strips optional whitespace (`OWS = *( SP / HTAB )`, RFC 9110 §5.6.3) from both ends.
pub(crate) fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use http::header::CONNECTION;

    fn map(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(CONNECTION, HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    fn elements(lines: &[&str]) -> Vec<String> {
        let headers = map(lines);
        ListElements::new(Lines::new(&headers, &CONNECTION))
            .map(|e| String::from_utf8(e.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn rfc9110_5_6_1_empty_elements_and_whitespace_are_ignored() {
        assert_eq!(elements(&[" a ,, b,\t,c\t"]), ["a", "b", "c"]);
        assert_eq!(elements(&[",", " , "]), Vec::<String>::new());
        assert_eq!(elements(&[]), Vec::<String>::new());
    }

    #[test]
    fn rfc9110_5_3_repeated_lines_are_one_list() {
        assert_eq!(
            elements(&["keep-alive", "", "Upgrade, x"]),
            ["keep-alive", "Upgrade", "x"]
        );
    }

    #[test]
    fn lines_are_walked_whole_by_every_clone() {
        for lines in [&[][..], &["a"], &["a", "b"], &["a", "b", "c"]] {
            let headers = map(lines);
            let walk = Lines::new(&headers, &CONNECTION);
            let once: Vec<_> = walk.clone().map(|l| l.to_str().unwrap()).collect();
            assert_eq!(once, lines);
            let mut partly = walk.clone();
            partly.next();
            let rest: Vec<_> = partly.clone().map(|l| l.to_str().unwrap()).collect();
            assert_eq!(rest, lines.get(1..).unwrap_or_default());
            assert_eq!(walk.count(), lines.len());
        }
    }

    #[test]
    fn tokens_match_whole_and_case_insensitively() {
        let headers = map(&["keep-alive, UpGrAdE"]);
        assert!(contains_token(headers.get_all(CONNECTION), UPGRADE_TOKEN));
        let headers = map(&["keep-alive", "Upgrade"]);
        assert!(contains_token(headers.get_all(CONNECTION), UPGRADE_TOKEN));
        for no in [
            "x-upgrade",
            "upgrades",
            "upgrade2, keep-alive",
            "up grade",
            "",
        ] {
            let headers = map(&[no]);
            assert!(
                !contains_token(headers.get_all(CONNECTION), UPGRADE_TOKEN),
                "{no:?}"
            );
        }
    }

    #[test]
    fn rfc9110_5_6_1_token_lists_in_one_pass() {
        // The one-pass check agrees with splitting, trimming and checking each element.
        let by_elements = |line: &str| {
            let value = HeaderValue::from_str(line).unwrap();
            ListElements::new(std::iter::once(&value)).all(crate::read::token::is_token)
        };
        for line in [
            "",
            "chat",
            "chat, superchat",
            " chat ,superchat ",
            ",,chat,,",
            " , ",
            "\tchat\t",
            "a b",
            "chat, super chat",
            "a/b",
            "chat;",
            "a,b c",
            "a ,",
            "a, ,b",
            "\"a\"",
            "é",
            "a\t,\tb",
        ] {
            let value = HeaderValue::from_bytes(line.as_bytes()).unwrap();
            assert_eq!(
                is_token_list(value.as_bytes()),
                by_elements(line),
                "{line:?}"
            );
        }
    }

    #[test]
    fn folding_eight_bytes_at_a_time_matches_eq_ignore_ascii_case() {
        for token in ["websocket", "upgrade", "abcdefghijklmnopq"] {
            let token = token.as_bytes();
            for at in 0..token.len() {
                for b in 0..=255u8 {
                    let mut bytes = token.to_vec();
                    bytes[at] = b;
                    assert_eq!(
                        eq_lowercase(&bytes, token),
                        bytes.eq_ignore_ascii_case(token),
                        "{bytes:?}"
                    );
                }
            }
            assert!(!eq_lowercase(&token[1..], token));
        }
    }
}
