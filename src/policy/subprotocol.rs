//! Which subprotocol the connection speaks (RFC 6455 §4.2.2 /subprotocol/).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use http::header::HeaderValue;

use crate::HandshakeError;
use crate::read::token::is_token;

pub use crate::read::subprotocol_offers::SubprotocolOffers;

/// Chooses one of the subprotocols the client offered, or none.
///
/// The layer enforces RFC 6455 §4.2.2 around any policy: a choice that is
/// not one of the client's offers is ignored, and without a choice the response carries
/// no `Sec-WebSocket-Protocol` at all. Offers are compared exactly (case-sensitively), as
/// browsers compare the server's answer.
///
/// Implemented by [`ServerPreference`] (the default, with an empty list: never choose),
/// [`ClientPreference`], [`Required`], and by a closure through [`subprotocol_fn`].
pub trait SubprotocolPolicy: Send + Sync + 'static {
    /// The chosen offer, or `None`.
    fn select<'a>(&self, offers: SubprotocolOffers<'a>) -> Option<&'a str>;

    /// Whether a handshake without a chosen subprotocol is refused with 400.
    fn is_required(&self) -> bool {
        false
    }
}

/// A [`SubprotocolPolicy`] that chooses the client's first offer `accepts` returns `true`
/// for, inferred without annotations:
///
/// ```
/// use axum_ws_handshake::{WebSocketLayer, policy::subprotocol_fn};
///
/// let layer = WebSocketLayer::new().subprotocol(subprotocol_fn(|offer| offer.starts_with("v2.")));
/// ```
#[must_use]
pub fn subprotocol_fn<F>(accepts: F) -> SubprotocolFn<F>
where
    F: Fn(&str) -> bool + Send + Sync + 'static,
{
    SubprotocolFn { accepts }
}

/// The [`SubprotocolPolicy`] that [`subprotocol_fn`] makes.
#[derive(Clone, Copy)]
pub struct SubprotocolFn<F> {
    accepts: F,
}

impl<F> SubprotocolPolicy for SubprotocolFn<F>
where
    F: Fn(&str) -> bool + Send + Sync + 'static,
{
    fn select<'a>(&self, mut offers: SubprotocolOffers<'a>) -> Option<&'a str> {
        offers.find(|offer| (self.accepts)(offer))
    }
}

impl<F> fmt::Debug for SubprotocolFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubprotocolFn")
            .field("accepts", &format_args!("{}", std::any::type_name::<F>()))
            .finish()
    }
}

/// The subprotocol rule as the layer runs it (RFC 6455 §4.2.2 /subprotocol/): the
/// policy's choice if the client offered it, as the value of the response's
/// `Sec-WebSocket-Protocol`; otherwise none, which is refused (400) if the policy
/// [requires](SubprotocolPolicy::is_required) one.
pub(crate) fn apply<P: SubprotocolPolicy>(
    policy: &P,
    offers: SubprotocolOffers<'_>,
) -> Result<Option<HeaderValue>, HandshakeError> {
    let protocol = policy
        .select(offers.clone())
        .filter(|chosen| offers.contains(chosen))
        .and_then(|chosen| {
            shared_value(policy, chosen).or_else(|| HeaderValue::from_str(chosen).ok())
        });
    if protocol.is_none() && policy.is_required() {
        return Err(HandshakeError::NoMatchingSubprotocol);
    }
    Ok(protocol)
}

/// The chosen protocol as a header value that shares its bytes with the built-in policy's
/// list, saving the copy that `HeaderValue::from_str` makes: a private shortcut, told
/// apart by type.
fn shared_value<P: SubprotocolPolicy>(policy: &P, chosen: &str) -> Option<HeaderValue> {
    let policy = policy as &dyn Any;
    let supported = if let Some(policy) = policy.downcast_ref::<ServerPreference>() {
        &policy.supported
    } else if let Some(policy) = policy.downcast_ref::<ClientPreference>() {
        &policy.supported
    } else if let Some(policy) = policy.downcast_ref::<Required<ServerPreference>>() {
        &policy.0.supported
    } else if let Some(policy) = policy.downcast_ref::<Required<ClientPreference>>() {
        &policy.0.supported
    } else {
        return None;
    };
    supported.header_value(chosen)
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
            #[must_use]
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
            #[must_use]
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
    fn select<'a>(&self, offers: SubprotocolOffers<'a>) -> Option<&'a str> {
        self.supported.protocols.iter().find_map(|supported| {
            offers
                .clone()
                .find(|o| supported.as_bytes() == o.as_bytes())
        })
    }
}

/// Chooses the client's first offer that the server supports: the client's order decides.
#[derive(Debug, Clone, Default)]
pub struct ClientPreference {
    supported: Supported,
}

supported_constructors!(ClientPreference);

impl SubprotocolPolicy for ClientPreference {
    fn select<'a>(&self, mut offers: SubprotocolOffers<'a>) -> Option<&'a str> {
        offers.find(|offer| self.supported.contains(offer))
    }
}

/// Wraps a policy so that a handshake agreeing on no subprotocol is refused with 400
/// ([`HandshakeError::NoMatchingSubprotocol`]),
/// for endpoints that cannot speak without one.
#[derive(Debug, Clone, Default)]
pub struct Required<P>(pub P);

impl<P: SubprotocolPolicy> SubprotocolPolicy for Required<P> {
    fn select<'a>(&self, offers: SubprotocolOffers<'a>) -> Option<&'a str> {
        self.0.select(offers)
    }

    fn is_required(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::read::list::Lines;
    use http::HeaderMap;
    use http::header::SEC_WEBSOCKET_PROTOCOL as HEADER;

    fn with_offers(lines: &[&str], f: impl FnOnce(SubprotocolOffers<'_>)) {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(HEADER, HeaderValue::from_str(line).unwrap());
        }
        f(SubprotocolOffers::from_lines(Lines::new(&map, &HEADER)));
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
    fn rfc6455_4_2_2_subprotocol_offers_match_exactly_and_case_sensitively() {
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
        let policy = subprotocol_fn(|offer| offer.starts_with("v2"));
        with_offers(&["v1, v2.a, v2.b"], |o| {
            assert_eq!(policy.select(o), Some("v2.a"))
        });
        assert!(!policy.is_required());
        assert!(Required(policy).is_required());
    }

    #[test]
    fn policy_names_must_be_tokens() {
        assert!(ServerPreference::try_new(["ok", "not ok"]).is_err());
        assert!(ServerPreference::try_new([""]).is_err());
    }

    /// A policy that chooses `choice` whatever was offered.
    struct Broken {
        choice: &'static str,
        required: bool,
    }

    impl SubprotocolPolicy for Broken {
        fn select<'a>(&self, _offers: SubprotocolOffers<'a>) -> Option<&'a str> {
            Some(self.choice)
        }

        fn is_required(&self) -> bool {
            self.required
        }
    }

    #[test]
    fn rfc6455_4_2_2_apply_sends_only_an_offered_protocol_as_chosen() {
        let broken = |choice, required| Broken { choice, required };
        with_offers(&["chat, v2"], |o| {
            assert_eq!(
                apply(&broken("v2", false), o),
                Ok(Some(HeaderValue::from_static("v2")))
            )
        });
        // A choice the client did not offer is dropped, or refused when required.
        with_offers(&["chat"], |o| {
            assert_eq!(apply(&broken("v9", false), o), Ok(None))
        });
        with_offers(&["chat"], |o| {
            assert_eq!(
                apply(&broken("v9", true), o),
                Err(HandshakeError::NoMatchingSubprotocol)
            )
        });
        let required = ServerPreference::new(["chat"]).required();
        with_offers(&["x, chat"], |o| {
            assert_eq!(
                apply(&required, o),
                Ok(Some(HeaderValue::from_static("chat")))
            )
        });
        with_offers(&["x, chat"], |o| {
            assert_eq!(
                apply(&ClientPreference::new(["chat"]), o),
                Ok(Some(HeaderValue::from_static("chat")))
            )
        });
    }
}
