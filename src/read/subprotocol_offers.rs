//! `Sec-WebSocket-Protocol` as a client sends it (RFC 6455 §4.3):
//! `Sec-WebSocket-Protocol-Client = 1#token`, over every header line.

use std::fmt;

use http::HeaderValue;

use super::list::{Lines, ListElements, is_token_list};

/// Whether every line of the header is a `#token` list.
pub(crate) fn is_valid<'v>(mut lines: impl Iterator<Item = &'v HeaderValue>) -> bool {
    lines.all(|line| is_token_list(line.as_bytes()))
}

/// The subprotocols a client offered in `Sec-WebSocket-Protocol`, in its order of
/// preference, over every header line. Each is a token (the layer refused the handshake
/// otherwise).
#[derive(Clone)]
pub struct SubprotocolOffers<'a> {
    elements: ListElements<'a>,
}

impl<'a> SubprotocolOffers<'a> {
    /// The offers in the lines of `Sec-WebSocket-Protocol`.
    pub(crate) fn from_lines(lines: Lines<'a>) -> Self {
        Self {
            elements: ListElements::new(lines),
        }
    }

    /// Whether the client offered exactly `protocol`.
    pub fn contains(&self, protocol: &str) -> bool {
        // A policy's choice is nearly always a slice of the offers themselves.
        self.elements.has_slice(protocol.as_bytes()) || self.clone().any(|offer| offer == protocol)
    }
}

impl<'a> Iterator for SubprotocolOffers<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Tokens are ASCII, so this never skips an element of a validated header.
        self.elements
            .by_ref()
            .find_map(|element| std::str::from_utf8(element).ok())
    }
}

impl fmt::Debug for SubprotocolOffers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use http::header::SEC_WEBSOCKET_PROTOCOL as HEADER;

    #[test]
    fn rfc6455_4_3_protocol_elements_must_be_tokens() {
        let mut map = HeaderMap::new();
        map.append(HEADER, HeaderValue::from_static("chat, , v2"));
        assert!(is_valid(map.get_all(HEADER).iter()));
        map.append(HEADER, HeaderValue::from_static("a b"));
        assert!(!is_valid(map.get_all(HEADER).iter()));
    }

    #[test]
    fn rfc6455_4_2_2_contains_by_address_or_by_value() {
        let mut map = HeaderMap::new();
        map.append(HEADER, HeaderValue::from_static("chat, superchat"));
        map.append(HEADER, HeaderValue::from_static(" v2 ,"));
        let offers = SubprotocolOffers::from_lines(Lines::new(&map, &HEADER));
        let first =
            std::str::from_utf8(map.get_all(HEADER).iter().next().unwrap().as_bytes()).unwrap();
        let second =
            std::str::from_utf8(map.get_all(HEADER).iter().nth(1).unwrap().as_bytes()).unwrap();
        // Slices of the header that are whole elements.
        assert!(offers.contains(&first[..4]));
        assert!(offers.contains(&first[6..]));
        assert!(offers.contains(&second[1..3]));
        // Slices that are not elements: a prefix, a part with the comma, the whole line.
        assert!(!offers.contains(&first[6..11]));
        assert!(!offers.contains(&first[..5]));
        assert!(!offers.contains(first));
        assert!(!offers.contains(&first[..0]));
        // Inside "superchat", "chat" is still offered: by value, as the first element.
        assert!(offers.contains(&first[11..]));
        assert!(!offers.contains(&first[12..]));
        // Strings of their own compare by value.
        assert!(offers.contains("v2"));
        assert!(!offers.contains("v3"));
    }
}
