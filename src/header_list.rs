//! The list rule of RFC 9110 §5.6.1 (`#element`), read over every line of a header.
//!
//! A recipient must treat `Connection: keep-alive` + `Connection: Upgrade` exactly like
//! `Connection: keep-alive, Upgrade`, ignore empty elements (`a, , b`), and compare
//! tokens whole: `x-upgrade` does not contain `upgrade`.

use http::header::{GetAll, HeaderMap, HeaderName, HeaderValue};

/// The lines of one header, like `HeaderMap::get_all(..).iter()` but `Clone`, so that a
/// policy can walk a list more than once. Allocates nothing.
#[derive(Debug, Clone)]
pub(crate) struct Lines<'a> {
    headers: &'a HeaderMap,
    name: HeaderName,
    next: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(headers: &'a HeaderMap, name: HeaderName) -> Self {
        Self {
            headers,
            name,
            next: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a HeaderValue;

    fn next(&mut self) -> Option<&'a HeaderValue> {
        // Headers are rarely split over more than a line or two: a lookup per line is cheap.
        let line = self.headers.get_all(&self.name).iter().nth(self.next)?;
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

/// Whether the list header holds `token`, compared ASCII-case-insensitively and whole.
pub(crate) fn contains_token(values: GetAll<'_, HeaderValue>, token: &str) -> bool {
    ListElements::new(values.iter()).any(|element| element.eq_ignore_ascii_case(token.as_bytes()))
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
        ListElements::new(Lines::new(&headers, CONNECTION))
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
    fn tokens_match_whole_and_case_insensitively() {
        let headers = map(&["keep-alive, UpGrAdE"]);
        assert!(contains_token(headers.get_all(CONNECTION), "upgrade"));
        let headers = map(&["keep-alive", "Upgrade"]);
        assert!(contains_token(headers.get_all(CONNECTION), "upgrade"));
        for no in [
            "x-upgrade",
            "upgrades",
            "upgrade2, keep-alive",
            "up grade",
            "",
        ] {
            let headers = map(&[no]);
            assert!(
                !contains_token(headers.get_all(CONNECTION), "upgrade"),
                "{no:?}"
            );
        }
    }
}
