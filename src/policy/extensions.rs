//! Which extensions the connection uses (RFC 6455 §4.2.2 /extensions/, §9.1).

use http::HeaderValue;
use http::request::Parts;

use crate::HandshakeError;
use crate::read::extension_offers;

pub use crate::read::extension_offers::{
    ExtensionOffer, ExtensionOffers, ExtensionParam, ExtensionParams,
};

/// Accepts some of the extensions a client offered, and only those the codec after the
/// handshake really implements: an extension agreed on but not spoken breaks the
/// connection on its first message.
///
/// The policy returns [`AgreedExtensions`]: the `Sec-WebSocket-Extensions` value of the
/// response, and typed parameters for the codec. The layer checks that every accepted
/// extension was offered (RFC 6455 §4.2.2: "Extensions not listed by the client MUST NOT
/// be listed") and that at most one of them uses the RSV1 bit (RFC 7692 §5: every
/// `permessage-*` extension does); it answers 500 otherwise. A policy declines what it does not like; it does not refuse the
/// handshake (a handler can, with any response).
///
/// A policy of your own may accept only what the socket after the handshake implements:
/// this one goes with a handler that runs a codec speaking `x-timestamps` over
/// [`on_upgrade`](crate::WebSocketUpgrade::on_upgrade)'s connection (`on_websocket`
/// answers 500 to any accepted extension, `on_deflate_websocket` to any but its own).
///
/// ```
/// use axum_ws_handshake::WebSocketLayer;
/// use axum_ws_handshake::policy::{AgreedExtensions, ExtensionOffers, ExtensionPolicy};
/// use axum::http::{HeaderValue, request::Parts};
///
/// /// Accepts `x-timestamps` when it is offered without parameters.
/// struct Timestamps;
///
/// impl ExtensionPolicy for Timestamps {
///     fn select(&self, mut offers: ExtensionOffers<'_>, _: &Parts) -> AgreedExtensions {
///         let offered = offers.any(|offer| {
///             offer.name().eq_ignore_ascii_case("x-timestamps") && offer.params().next().is_none()
///         });
///         if offered {
///             AgreedExtensions::new(HeaderValue::from_static("x-timestamps"))
///         } else {
///             AgreedExtensions::none()
///         }
///     }
/// }
///
/// let layer = WebSocketLayer::new().extensions(Timestamps);
/// ```
pub trait ExtensionPolicy: Send + Sync + 'static {
    /// Chooses among `offers` (in the client's order of preference, already checked
    /// against the grammar of RFC 6455 §9.1).
    fn select(&self, offers: ExtensionOffers<'_>, request: &Parts) -> AgreedExtensions;
}

/// The extension rule as the layer runs it (RFC 6455 §4.2.2 /extensions/, RFC 7692 §5):
/// what the policy accepted, if it is an `extension-list` of extensions the client
/// offered, with at most one of them on the RSV1 bit; anything else is the policy's bug,
/// answered 500.
pub(crate) fn apply<E: ExtensionPolicy>(
    policy: &E,
    offers: ExtensionOffers<'_>,
    request: &Parts,
) -> Result<AgreedExtensions, HandshakeError> {
    let accepted = policy.select(offers.clone(), request);
    let Some(header) = accepted.header() else {
        return Ok(accepted);
    };
    if !extension_offers::is_valid([header]) {
        return Err(HandshakeError::ExtensionNotOffered);
    }
    let mut on_rsv1 = 0;
    for agreed in ExtensionOffers::in_value(header) {
        // §4.2.2: "Extensions not listed by the client MUST NOT be listed."
        let offered = offers
            .clone()
            .any(|offer| offer.name().eq_ignore_ascii_case(agreed.name()));
        if !offered {
            return Err(HandshakeError::ExtensionNotOffered);
        }
        on_rsv1 += usize::from(uses_rsv1(agreed.name()));
    }
    // RFC 7692 §5: "A server MUST NOT accept a PMCE extension negotiation offer together
    // with another extension if the PMCE will conflict with the extension on their use of
    // the RSV1 bit."
    if on_rsv1 > 1 {
        return Err(HandshakeError::ExtensionsConflict);
    }
    Ok(accepted)
}

/// Whether the extension named `name` marks its frames with the RSV1 bit: every
/// per-message compression extension (RFC 7692 §6; their names start `permessage-`),
/// and the per-frame compression drafts that browsers once spoke.
fn uses_rsv1(name: &str) -> bool {
    const PREFIX: &str = "permessage-";
    let per_message = name
        .get(..PREFIX.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(PREFIX));
    per_message
        || [
            "deflate-frame",
            "x-webkit-deflate-frame",
            "perframe-deflate",
        ]
        .iter()
        .any(|per_frame| name.eq_ignore_ascii_case(per_frame))
}

#[cfg(test)]
mod tests {
    use super::uses_rsv1;

    #[test]
    fn rfc7692_6_compression_extensions_use_rsv1() {
        for name in [
            "permessage-deflate",
            "PerMessage-Deflate",
            "permessage-bzip2",
            "x-webkit-deflate-frame",
            "deflate-frame",
            "perframe-deflate",
        ] {
            assert!(uses_rsv1(name), "{name}");
        }
        for name in [
            "x-test",
            "permessage",
            "mux",
            "x-webkit-deflate-framed",
            "é",
        ] {
            assert!(!uses_rsv1(name), "{name}");
        }
    }
}

/// Accepts no extension: the response never carries `Sec-WebSocket-Extensions`. The
/// default, and the only correct choice for a codec without extensions.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExtensions;

impl ExtensionPolicy for NoExtensions {
    fn select(&self, _offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
        AgreedExtensions::none()
    }
}

/// What an [`ExtensionPolicy`] agreed to: the response's `Sec-WebSocket-Extensions`
/// and, for the codec, typed parameters (e.g. the negotiated window sizes of
/// permessage-deflate) kept in a type map.
#[derive(Debug, Clone, Default)]
pub struct AgreedExtensions {
    header: Option<HeaderValue>,
    params: http::Extensions,
}

impl AgreedExtensions {
    /// No extension.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// The extensions listed in `header`, the `Sec-WebSocket-Extensions` value of the
    /// response (e.g. `permessage-deflate; server_no_context_takeover`).
    #[must_use]
    pub fn new(header: HeaderValue) -> Self {
        Self {
            header: Some(header),
            params: http::Extensions::new(),
        }
    }

    /// Attaches typed parameters for the codec.
    #[must_use]
    pub fn with_params<T: Clone + Send + Sync + 'static>(mut self, params: T) -> Self {
        self.params.insert(params);
        self
    }

    /// The typed parameters of type `T`, if the policy attached some.
    pub fn params<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.params.get::<T>()
    }

    /// The response's `Sec-WebSocket-Extensions` value; `None` when nothing was accepted.
    pub fn header(&self) -> Option<&HeaderValue> {
        self.header.as_ref()
    }

    /// Whether no extension was accepted.
    pub fn is_empty(&self) -> bool {
        self.header.is_none()
    }
}
