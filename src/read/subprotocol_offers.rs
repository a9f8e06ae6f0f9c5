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
    /// Offers starting with this are credentials, not subprotocols: never shown to a
    /// policy, never chosen.
    credential_prefix: Option<&'a [u8]>,
}

impl<'a> SubprotocolOffers<'a> {
    /// The offers in the lines of `Sec-WebSocket-Protocol`.
    pub(crate) fn from_lines(lines: Lines<'a>) -> Self {
        Self {
            elements: ListElements::new(lines),
            credential_prefix: None,
        }
    }

    /// These offers without those starting with `prefix`, the credentials.
    pub(crate) fn skipping_credentials(mut self, prefix: Option<&'a [u8]>) -> Self {
        self.credential_prefix = prefix;
        self
    }

    /// Whether `offer` is a credential rather than a subprotocol.
    fn is_credential(&self, offer: &[u8]) -> bool {
        self.credential_prefix
            .is_some_and(|prefix| offer.starts_with(prefix))
    }

    /// Whether the client offered exactly `protocol`.
    pub fn contains(&self, protocol: &str) -> bool {
        if self.is_credential(protocol.as_bytes()) {
            return false;
        }
        // A policy's choice is nearly always a slice of the offers themselves.
        self.elements.has_slice(protocol.as_bytes()) || self.clone().any(|offer| offer == protocol)
    }
}

impl<'a> Iterator for SubprotocolOffers<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self.credential_prefix {
            None => self.elements.by_ref().find_map(as_str),
            Some(prefix) => self.next_skipping(prefix),
        }
    }
}

impl<'a> SubprotocolOffers<'a> {
    /// [`next`](Iterator::next) past the credentials: out of the loop of every handshake
    /// without a credential prefix.
    #[cold]
    #[inline(never)]
    fn next_skipping(&mut self, prefix: &[u8]) -> Option<&'a str> {
        self.elements
            .by_ref()
            .filter(|element| !element.starts_with(prefix))
            .find_map(as_str)
    }
}

/// Tokens are ASCII, so this never skips an element of a validated header.
fn as_str(element: &[u8]) -> Option<&str> {
    std::str::from_utf8(element).ok()
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

    #[test]
    fn credentials_are_neither_offered_nor_contained() {
        let mut map = HeaderMap::new();
        map.append(HEADER, HeaderValue::from_static("cred.secret, chat"));
        map.append(HEADER, HeaderValue::from_static("cred.other"));
        let line =
            std::str::from_utf8(map.get_all(HEADER).iter().next().unwrap().as_bytes()).unwrap();
        let all = SubprotocolOffers::from_lines(Lines::new(&map, &HEADER));
        assert_eq!(all.clone().count(), 3);
        assert!(all.contains(&line[..11]));
        let offers = all.skipping_credentials(Some(b"cred."));
        assert_eq!(offers.clone().collect::<Vec<_>>(), ["chat"]);
        assert!(offers.contains("chat"));
        assert!(!offers.contains(&line[..11]));
        assert!(!offers.contains("cred.other"));
        assert_eq!(format!("{offers:?}"), r#"["chat"]"#);
    }
}
