//! Which subprotocol the connection speaks (RFC 6455 §4.2.2 /subprotocol/).

use std::fmt;
use std::sync::Arc;

use http::header::HeaderValue;
#[cfg(test)]
use http::header::{HeaderMap, SEC_WEBSOCKET_PROTOCOL};

use crate::header_list::{Lines, ListElements, is_token_list};
use crate::token::is_token;

/// Chooses one of the subprotocols the client offered, or none.
///
/// The layer enforces RFC 6455 §4.2.2 around any policy: a choice that is not one of the
/// client's offers is ignored, and without a choice the response carries no
/// `Sec-WebSocket-Protocol` at all. Offers are compared exactly (case-sensitively), as
/// browsers compare the server's answer.
///
/// Implemented by [`ServerPreference`] (the default, with an empty list: never choose),
/// [`ClientPreference`], [`Required`] and by closures `Fn(&str) -> bool`, which choose
/// the client's first offer they accept:
///
/// ```
/// use axum_ws_handshake::WebSocketLayer;
///
/// let layer = WebSocketLayer::new().subprotocol(|offer: &str| offer.starts_with("v2."));
/// ```
pub trait SubprotocolPolicy: Send + Sync + 'static {
    /// The chosen offer, or `None`.
    fn select<'a>(&self, offers: Subprotocols<'a>) -> Option<&'a str>;

    /// Whether a handshake without a chosen subprotocol is refused with 400.
    fn is_required(&self) -> bool {
        false
    }

    /// The chosen offer as the value of the response's `Sec-WebSocket-Protocol`.
    ///
    /// The default copies `chosen` into a new value. A policy that keeps its protocols
    /// as ready header values can return a clone of the one chosen, which shares its
    /// bytes instead of allocating. The layer uses the value only if it spells `chosen`.
    fn header_value(&self, chosen: &str) -> Option<HeaderValue> {
        HeaderValue::from_str(chosen).ok()
    }
}

impl<F> SubprotocolPolicy for F
where
    F: Fn(&str) -> bool + Send + Sync + 'static,
{
    fn select<'a>(&self, mut offers: Subprotocols<'a>) -> Option<&'a str> {
        offers.find(|offer| self(offer))
    }
}

/// The subprotocols a client offered in `Sec-WebSocket-Protocol`, in its order of
/// preference, over every header line. Each is a token (the layer refused the handshake
/// otherwise).
#[derive(Clone)]
pub struct Subprotocols<'a> {
    elements: ListElements<'a>,
}

impl<'a> Subprotocols<'a> {
    /// The offers in the request's headers.
    #[cfg(test)]
    pub(crate) fn new(headers: &'a HeaderMap) -> Self {
        Self::from_lines(Lines::new(headers, &SEC_WEBSOCKET_PROTOCOL))
    }

    /// The offers in the lines of `Sec-WebSocket-Protocol`.
    pub(crate) fn from_lines(lines: Lines<'a>) -> Self {
        Self {
            elements: ListElements::new(lines),
        }
    }

    /// Whether every element of the header is a token (RFC 6455 §4.3, `1#token`).
    pub(crate) fn validate<'v>(mut lines: impl Iterator<Item = &'v HeaderValue>) -> bool {
        lines.all(|line| is_token_list(line.as_bytes()))
    }

    /// Whether the client offered exactly `protocol`.
    pub fn contains(&self, protocol: &str) -> bool {
        // A policy's choice is nearly always a slice of the offers themselves.
        self.elements.has_slice(protocol.as_bytes()) || self.clone().any(|offer| offer == protocol)
    }
}

impl<'a> Iterator for Subprotocols<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Tokens are ASCII, so this never skips an element of a validated header.
        self.elements
            .by_ref()
            .find_map(|element| std::str::from_utf8(element).ok())
    }
}

impl fmt::Debug for Subprotocols<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// The server's supported subprotocols, in a list that the server's preference orders
/// or that the client's does ([`ServerPreference`], [`ClientPreference`]). Kept as header
/// values, so that the one chosen goes into the response without a copy.
#[derive(Clone, Default)]
struct Supported {
    protocols: Arc<[HeaderValue]>,
}

impl Supported {
    fn try_new<I>(protocols: I) -> Result<Self, InvalidSubprotocol>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let protocols = protocols
            .into_iter()
            .map(|p| {
                let p = p.as_ref();
                match HeaderValue::from_str(p) {
                    // Cloned once here: a value made from a copy shares its bytes from its
                    // first clone on, and later clones (one per handshake) allocate nothing.
                    Ok(value) if is_token(p.as_bytes()) => Ok(value.clone()),
                    _ => Err(InvalidSubprotocol { name: p.to_owned() }),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { protocols })
    }

    fn contains(&self, offer: &str) -> bool {
        self.protocols
            .iter()
            .any(|p| p.as_bytes() == offer.as_bytes())
    }

    /// The protocol spelled `chosen`, shared.
    fn header_value(&self, chosen: &str) -> Option<HeaderValue> {
        self.protocols
            .iter()
            .find(|p| p.as_bytes() == chosen.as_bytes())
            .cloned()
            .or_else(|| HeaderValue::from_str(chosen).ok())
    }
}

impl fmt::Debug for Supported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.protocols.iter()).finish()
    }
}

/// A subprotocol name given to a policy is not a token (RFC 6455 §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSubprotocol {
    name: String,
}

impl fmt::Display for InvalidSubprotocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a valid subprotocol name (an RFC 9110 token)",
            self.name
        )
    }
}

impl std::error::Error for InvalidSubprotocol {}

macro_rules! supported_constructors {
    ($ty:ident) => {
        impl $ty {
            /// The policy over `protocols`.
            ///
            /// # Panics
            /// If a name is not a token (see `try_new`): a mistake in configuration is
            /// reported when the layer is built.
            pub fn new<I>(protocols: I) -> Self
            where
                I: IntoIterator,
                I::Item: AsRef<str>,
            {
                Self::try_new(protocols).unwrap_or_else(|error| panic!("{error}"))
            }

            /// The policy, or the first name that is not a token, for lists read at run
            /// time.
            pub fn try_new<I>(protocols: I) -> Result<Self, InvalidSubprotocol>
            where
                I: IntoIterator,
                I::Item: AsRef<str>,
            {
                Supported::try_new(protocols).map(|supported| Self { supported })
            }

            /// Refuses handshakes (400) that agree on no subprotocol.
            pub fn required(self) -> Required<Self> {
                Required(self)
            }
        }
    };
}

/// Chooses the first of the server's protocols that the client offered: the server's
/// order decides. The default policy, with an empty list: no subprotocol is ever
/// chosen and the response has no `Sec-WebSocket-Protocol`.
#[derive(Debug, Clone, Default)]
pub struct ServerPreference {
    supported: Supported,
}

supported_constructors!(ServerPreference);

impl SubprotocolPolicy for ServerPreference {
    fn select<'a>(&self, offers: Subprotocols<'a>) -> Option<&'a str> {
        self.supported.protocols.iter().find_map(|supported| {
            offers
                .clone()
                .find(|o| supported.as_bytes() == o.as_bytes())
        })
    }

    fn header_value(&self, chosen: &str) -> Option<HeaderValue> {
        self.supported.header_value(chosen)
    }
}

/// Chooses the client's first offer that the server supports: the client's order decides.
#[derive(Debug, Clone, Default)]
pub struct ClientPreference {
    supported: Supported,
}

supported_constructors!(ClientPreference);

impl SubprotocolPolicy for ClientPreference {
    fn select<'a>(&self, mut offers: Subprotocols<'a>) -> Option<&'a str> {
        offers.find(|offer| self.supported.contains(offer))
    }

    fn header_value(&self, chosen: &str) -> Option<HeaderValue> {
        self.supported.header_value(chosen)
    }
}

/// Wraps a policy so that a handshake agreeing on no subprotocol is refused with 400
/// ([`HandshakeError::NoMatchingSubprotocol`](crate::HandshakeError::NoMatchingSubprotocol)),
/// for endpoints that cannot speak without one.
#[derive(Debug, Clone, Default)]
pub struct Required<P>(pub P);

impl<P: SubprotocolPolicy> SubprotocolPolicy for Required<P> {
    fn select<'a>(&self, offers: Subprotocols<'a>) -> Option<&'a str> {
        self.0.select(offers)
    }

    fn is_required(&self) -> bool {
        true
    }

    fn header_value(&self, chosen: &str) -> Option<HeaderValue> {
        self.0.header_value(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: http::HeaderName = SEC_WEBSOCKET_PROTOCOL;

    fn with_offers(lines: &[&str], f: impl FnOnce(Subprotocols<'_>)) {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(HEADER, HeaderValue::from_str(line).unwrap());
        }
        f(Subprotocols::new(&map));
    }

    #[test]
    fn rfc6455_4_2_2_server_preference_picks_an_offered_protocol() {
        let policy = ServerPreference::new(["b", "a"]);
        with_offers(&["a, b"], |o| assert_eq!(policy.select(o), Some("b")));
        with_offers(&["a", "c"], |o| assert_eq!(policy.select(o), Some("a")));
        with_offers(&["c"], |o| assert_eq!(policy.select(o), None));
        with_offers(&[], |o| assert_eq!(policy.select(o), None));
    }

    #[test]
    fn client_preference_follows_the_client_order() {
        let policy = ClientPreference::new(["b", "a"]);
        with_offers(&["a, b"], |o| assert_eq!(policy.select(o), Some("a")));
        with_offers(&["c, b"], |o| assert_eq!(policy.select(o), Some("b")));
    }

    #[test]
    fn offers_match_exactly_and_case_sensitively() {
        let policy = ServerPreference::new(["chat"]);
        with_offers(&["Chat, chats, xchat"], |o| {
            assert_eq!(policy.select(o), None)
        });
    }

    #[test]
    fn the_default_never_chooses() {
        with_offers(&["chat"], |o| {
            assert_eq!(ServerPreference::default().select(o), None)
        });
    }

    #[test]
    fn closures_choose_the_first_accepted_offer() {
        let policy = |offer: &str| offer.starts_with("v2");
        with_offers(&["v1, v2.a, v2.b"], |o| {
            assert_eq!(policy.select(o), Some("v2.a"))
        });
        assert!(!policy.is_required());
        assert!(Required(policy).is_required());
    }

    #[test]
    fn rfc6455_4_3_protocol_elements_must_be_tokens() {
        let mut map = HeaderMap::new();
        map.append(HEADER, HeaderValue::from_static("chat, , v2"));
        assert!(Subprotocols::validate(map.get_all(HEADER).iter()));
        map.append(HEADER, HeaderValue::from_static("a b"));
        assert!(!Subprotocols::validate(map.get_all(HEADER).iter()));
        assert!(ServerPreference::try_new(["ok", "not ok"]).is_err());
        assert!(ServerPreference::try_new([""]).is_err());
    }

    #[test]
    fn rfc6455_4_2_2_contains_by_address_or_by_value() {
        let mut map = HeaderMap::new();
        map.append(HEADER, HeaderValue::from_static("chat, superchat"));
        map.append(HEADER, HeaderValue::from_static(" v2 ,"));
        let offers = Subprotocols::new(&map);
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
