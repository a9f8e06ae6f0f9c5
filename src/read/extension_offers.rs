//! `Sec-WebSocket-Extensions` as RFC 6455 §9.1 writes it:
//!
//! ```text
//! extension-list  = 1#extension
//! extension       = extension-token *( ";" extension-param )
//! extension-param = token [ "=" (token | quoted-string) ]
//!     ; a quoted-string's unescaped value MUST conform to the token ABNF
//! ```
//!
//! The reader checks the whole header once ([`is_valid`]); policies then walk the offers
//! with borrowing iterators that allocate nothing (a quoted value with escapes is the one
//! case that copies, when asked for).

use std::borrow::Cow;
use std::fmt;

use http::header::HeaderValue;

use super::list::Lines;
use super::quoted;
use super::token::is_tchar;

/// The header is not an `extension-list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Malformed;

/// Whether every line of a `Sec-WebSocket-Extensions` header is an `extension-list`.
pub(crate) fn is_valid<'v>(lines: impl IntoIterator<Item = &'v HeaderValue>) -> bool {
    lines
        .into_iter()
        .all(|line| is_extension_list(line.as_bytes()))
}

/// Whether `line` is an `extension-list` (empty elements and optional whitespace around
/// `,`, `;` and `=` allowed): the grammar the iterators below read, checked with one
/// table lookup per byte, as every handshake with an offer pays it.
fn is_extension_list(line: &[u8]) -> bool {
    let mut at = list::ELEMENT;
    for &b in line {
        at = list::STEP[usize::from(at & 15)][usize::from(b)];
    }
    list::is_accepting(at)
}

/// The automaton of `is_extension_list`: its states and its transition table.
mod list {
    use crate::read::token::{is_tchar_const as tchar, transition_table};

    /// Before an extension: at the start, or after a comma.
    pub(super) const ELEMENT: u8 = 0;
    const EXTENSION_NAME: u8 = 1;
    /// After an extension's name or a parameter: `;`, `,` or the end may follow.
    const AFTER_ITEM: u8 = 2;
    /// After a `;`: a parameter's name must follow.
    const PARAM: u8 = 3;
    const PARAM_NAME: u8 = 4;
    /// Whitespace after a parameter's name: `=`, `;`, `,` or the end may follow.
    const AFTER_PARAM_NAME: u8 = 5;
    /// After `=`: a token or a quoted string must follow.
    const VALUE: u8 = 6;
    const VALUE_TOKEN: u8 = 7;
    /// Inside quotes, before the first character.
    const QUOTED_START: u8 = 8;
    const QUOTED: u8 = 9;
    /// After a backslash in quotes: a tchar must follow.
    const ESCAPED: u8 = 10;
    /// Malformed; every byte keeps it here.
    const REJECT: u8 = 11;

    pub(super) fn is_accepting(at: u8) -> bool {
        matches!(
            at,
            ELEMENT | EXTENSION_NAME | AFTER_ITEM | PARAM_NAME | AFTER_PARAM_NAME | VALUE_TOKEN
        )
    }

    const fn step(at: u8, b: u8) -> u8 {
        let ows = b == b' ' || b == b'\t';
        // Where an item (an extension's name, a parameter) may end.
        let item_end = matches!(
            at,
            EXTENSION_NAME | AFTER_ITEM | PARAM_NAME | AFTER_PARAM_NAME | VALUE_TOKEN
        );
        match at {
            ELEMENT if ows || b == b',' => ELEMENT,
            ELEMENT | EXTENSION_NAME if tchar(b) => EXTENSION_NAME,
            EXTENSION_NAME | AFTER_ITEM | VALUE_TOKEN if ows => AFTER_ITEM,
            PARAM if ows => PARAM,
            PARAM | PARAM_NAME if tchar(b) => PARAM_NAME,
            PARAM_NAME | AFTER_PARAM_NAME if ows => AFTER_PARAM_NAME,
            PARAM_NAME | AFTER_PARAM_NAME if b == b'=' => VALUE,
            VALUE if ows => VALUE,
            VALUE | VALUE_TOKEN if tchar(b) => VALUE_TOKEN,
            VALUE if b == b'"' => QUOTED_START,
            QUOTED_START | QUOTED if b == b'\\' => ESCAPED,
            QUOTED if b == b'"' => AFTER_ITEM,
            QUOTED_START | QUOTED | ESCAPED if tchar(b) => QUOTED,
            _ if item_end && b == b';' => PARAM,
            _ if item_end && b == b',' => ELEMENT,
            _ => REJECT,
        }
    }

    /// `STEP[state][byte]`: the next state. Sixteen rows, so that a state masked to four
    /// bits indexes it without a bounds check; the rows past `REJECT` reject too.
    pub(super) static STEP: [[u8; 256]; 16] =
        transition_table!(step, rows: 16, states: REJECT, reject: REJECT);
}

/// The extensions a client offered, in its order of preference, over every header line.
///
/// Built by the layer only after the header passed the `extension-list` grammar check,
/// so iteration cannot fail.
#[derive(Clone)]
pub struct ExtensionOffers<'a> {
    /// The header's lines still to read; `None` for a single value.
    lines: Option<Lines<'a>>,
    rest: &'a [u8],
}

impl<'a> ExtensionOffers<'a> {
    /// The offers in `headers[name]`.
    #[cfg(any(fuzzing, test))]
    pub(crate) fn new(headers: &'a http::HeaderMap, name: &'a http::HeaderName) -> Self {
        Self::from_lines(Lines::new(headers, name))
    }

    /// The offers in the lines of one header.
    pub(crate) fn from_lines(lines: Lines<'a>) -> Self {
        Self {
            lines: Some(lines),
            rest: &[],
        }
    }

    /// The extensions listed in one header value that passed [`is_valid`] (a policy's
    /// answer), read where it is.
    pub(crate) fn in_value(value: &'a HeaderValue) -> Self {
        Self {
            lines: None,
            rest: value.as_bytes(),
        }
    }
}

impl<'a> Iterator for ExtensionOffers<'a> {
    type Item = ExtensionOffer<'a>;

    fn next(&mut self) -> Option<ExtensionOffer<'a>> {
        loop {
            if let Ok(Some((name, params))) = next_extension(&mut self.rest) {
                return Some(ExtensionOffer {
                    name: ascii(name),
                    params,
                });
            }
            self.rest = self.lines.as_mut()?.next()?.as_bytes();
        }
    }
}

impl fmt::Debug for ExtensionOffers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// One offered extension: its name and parameters, as the client wrote them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExtensionOffer<'a> {
    name: &'a str,
    params: &'a [u8],
}

impl<'a> ExtensionOffer<'a> {
    /// The extension's token, e.g. `permessage-deflate`.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The offer's parameters in the order written, duplicates included: a policy
    /// decides what a duplicate means (RFC 7692 §7.1 declines such an offer).
    pub fn params(&self) -> ExtensionParams<'a> {
        ExtensionParams { rest: self.params }
    }
}

impl fmt::Debug for ExtensionOffer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionOffer")
            .field("name", &self.name)
            .field("params", &self.params())
            .finish()
    }
}

/// The parameters of one [`ExtensionOffer`].
#[derive(Clone)]
pub struct ExtensionParams<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for ExtensionParams<'a> {
    type Item = ExtensionParam<'a>;

    fn next(&mut self) -> Option<ExtensionParam<'a>> {
        next_param(&mut self.rest).ok().flatten()
    }
}

impl fmt::Debug for ExtensionParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// One `extension-param`: a name and an optional value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExtensionParam<'a> {
    name: &'a str,
    value: Option<RawValue<'a>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RawValue<'a> {
    Token(&'a str),
    /// The bytes between the quotes, escapes still in.
    Quoted(&'a [u8]),
}

impl<'a> ExtensionParam<'a> {
    /// The parameter's name, e.g. `client_max_window_bits`.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The value, unquoted and unescaped (`x="10"` and `x=10` both give `10`); `None`
    /// when the parameter has no value.
    pub fn value(&self) -> Option<Cow<'a, str>> {
        match self.value? {
            RawValue::Token(token) => Some(Cow::Borrowed(token)),
            RawValue::Quoted(raw) => Some(quoted::unescaped_str(raw)),
        }
    }
}

impl fmt::Debug for ExtensionParam<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value() {
            Some(value) => write!(f, "{}={}", self.name, value),
            None => f.write_str(self.name),
        }
    }
}

/// An extension's name and the raw text of its parameters (`; a=1; b`).
type RawExtension<'a> = (&'a [u8], &'a [u8]);

/// Reads the next `extension` of a line. Skips empty list elements; `Ok(None)` at the end
/// of the line.
fn next_extension<'a>(rest: &mut &'a [u8]) -> Result<Option<RawExtension<'a>>, Malformed> {
    skip(rest, |b| matches!(b, b' ' | b'\t' | b','));
    if rest.is_empty() {
        return Ok(None);
    }
    let name = token(rest)?;
    let params_start = *rest;
    while next_param(rest)?.is_some() {}
    let params = &params_start[..params_start.len() - rest.len()];
    skip(rest, |b| matches!(b, b' ' | b'\t'));
    match rest.first() {
        None => {}
        Some(b',') => *rest = &rest[1..],
        Some(_) => return Err(Malformed),
    }
    Ok(Some((name, params)))
}

/// Reads the next `";" extension-param`; `Ok(None)` when the next thing is not a `;`.
fn next_param<'a>(rest: &mut &'a [u8]) -> Result<Option<ExtensionParam<'a>>, Malformed> {
    let mut cursor = *rest;
    skip(&mut cursor, |b| matches!(b, b' ' | b'\t'));
    let [b';', after @ ..] = cursor else {
        return Ok(None);
    };
    cursor = after;
    skip(&mut cursor, |b| matches!(b, b' ' | b'\t'));
    let name = ascii(token(&mut cursor)?);
    let mut lookahead = cursor;
    skip(&mut lookahead, |b| matches!(b, b' ' | b'\t'));
    let value = if let [b'=', after @ ..] = lookahead {
        cursor = after;
        skip(&mut cursor, |b| matches!(b, b' ' | b'\t'));
        Some(if cursor.first() == Some(&b'"') {
            RawValue::Quoted(quoted_token(&mut cursor)?)
        } else {
            RawValue::Token(ascii(token(&mut cursor)?))
        })
    } else {
        None
    };
    *rest = cursor;
    Ok(Some(ExtensionParam { name, value }))
}

/// Reads a quoted-string whose unescaped value is a token; returns the bytes between the
/// quotes. RFC 6455 §9.1: "the value after quoted-string unescaping MUST conform to the
/// 'token' ABNF".
fn quoted_token<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], Malformed> {
    let raw = quoted::read(rest).ok_or(Malformed)?;
    let mut value = quoted::unescaped(raw).peekable();
    if value.peek().is_none() || !value.all(is_tchar) {
        return Err(Malformed);
    }
    Ok(raw)
}

/// Reads a non-empty run of tchars.
fn token<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], Malformed> {
    let len = rest
        .iter()
        .position(|&b| !is_tchar(b))
        .unwrap_or(rest.len());
    if len == 0 {
        return Err(Malformed);
    }
    let (token, after) = rest.split_at(len);
    *rest = after;
    Ok(token)
}

fn skip(rest: &mut &[u8], what: impl Fn(u8) -> bool) {
    let len = rest.iter().position(|&b| !what(b)).unwrap_or(rest.len());
    *rest = &rest[len..];
}

/// Bytes already checked to be tchars are ASCII.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use http::header::SEC_WEBSOCKET_EXTENSIONS;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(
                SEC_WEBSOCKET_EXTENSIONS,
                HeaderValue::from_str(line).unwrap(),
            );
        }
        map
    }

    /// The offers as `name; p=v; q` strings, after validation.
    fn offers(lines: &[&str]) -> Result<Vec<String>, Malformed> {
        let map = headers(lines);
        if !is_valid(map.get_all(SEC_WEBSOCKET_EXTENSIONS)) {
            return Err(Malformed);
        }
        Ok(ExtensionOffers::new(&map, &SEC_WEBSOCKET_EXTENSIONS)
            .map(|offer| {
                let mut s = offer.name().to_owned();
                for p in offer.params() {
                    s.push_str(&format!("; {p:?}"));
                }
                s
            })
            .collect())
    }

    #[test]
    fn rfc6455_9_1_extension_list_grammar_accepts() {
        assert_eq!(
            offers(&["permessage-deflate; client_max_window_bits"]).unwrap(),
            ["permessage-deflate; client_max_window_bits"]
        );
        assert_eq!(
            offers(&["a ;x=1 ; y = \"2\" , b", "c;z"]).unwrap(),
            ["a; x=1; y=2", "b", "c; z"]
        );
        assert_eq!(offers(&[" , a,, ", ""]).unwrap(), ["a"]);
        assert_eq!(offers(&["a; x=\"1\\0\""]).unwrap(), ["a; x=10"]);
        assert_eq!(offers(&[]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn rfc6455_9_1_extension_list_grammar_refuses() {
        for bad in [
            "a b",           // two tokens without a comma
            "a;",            // param without a name
            "a;=1",          // ditto
            "a; x=",         // '=' without a value
            "a; x=\"\"",     // empty quoted value is not a token
            "a; x=\"1 2\"",  // unescaped value not a token
            "a; x=\"1,2\"",  // ditto
            "a; x=\"1",      // unterminated
            "a; x=\"\\\"\"", // escaped quote is not a tchar
            "a; x=1 2",      // trailing junk
            ";x",            // no extension token
            "a; x=(1)",      // not a token
            "\"a\"",         // extension name quoted
            "a; x=1; x=2 y", // junk after a duplicate
        ] {
            assert_eq!(offers(&[bad]), Err(Malformed), "{bad:?} must be refused");
        }
    }

    #[test]
    fn params_keep_order_and_duplicates() {
        let map = headers(&["d; a=1; a=2; b"]);
        let offer = ExtensionOffers::new(&map, &SEC_WEBSOCKET_EXTENSIONS)
            .next()
            .unwrap();
        let params: Vec<_> = offer
            .params()
            .map(|p| (p.name(), p.value().map(Cow::into_owned)))
            .collect();
        assert_eq!(
            params,
            [
                ("a", Some("1".to_owned())),
                ("a", Some("2".to_owned())),
                ("b", None)
            ]
        );
    }

    /// The reference for `is_extension_list`: the parser the iterators use.
    fn parses(line: &[u8]) -> bool {
        let mut rest = line;
        loop {
            match next_extension(&mut rest) {
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(Malformed) => return false,
            }
        }
    }

    #[test]
    fn rfc6455_9_1_one_pass_check_agrees_with_the_parser() {
        // Every line of up to six bytes over the grammar's alphabet.
        let alphabet = b"a ,;=\"\\(\t";
        let mut lines = vec![Vec::new()];
        let mut checked = 0;
        for _ in 0..6 {
            let mut longer = Vec::new();
            for line in &lines {
                for &b in alphabet {
                    let mut next: Vec<u8> = line.clone();
                    next.push(b);
                    assert_eq!(
                        is_extension_list(&next),
                        parses(&next),
                        "{:?}",
                        String::from_utf8_lossy(&next)
                    );
                    checked += 1;
                    longer.push(next);
                }
            }
            lines = longer;
        }
        assert!(checked > 300_000);
        for line in [
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; client_max_window_bits=10; server_no_context_takeover, x-webkit-deflate-frame",
            "a ;x=1 ; y = \"2\" , b",
            "a; x=\"1\\0\"",
        ] {
            assert!(is_extension_list(line.as_bytes()), "{line:?}");
        }
    }
}
