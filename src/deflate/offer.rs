//! One permessage-deflate offer, read and checked against RFC 7692 §7.1: the four
//! parameters an offer may carry, each at most once, with a valid value or none.

use crate::policy::ExtensionOffer;

/// The registered name of the extension (RFC 7692 §7).
pub(crate) const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// A `permessage-deflate` offer whose parameters are all known, unique and valid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Offer {
    /// §7.1.1.1: the client asks the server not to use context takeover.
    pub(crate) server_no_context_takeover: bool,
    /// §7.1.1.2: the client says it will not use context takeover.
    pub(crate) client_no_context_takeover: bool,
    /// §7.1.2.1: the largest window the client lets the server use.
    pub(crate) server_max_window_bits: Option<u8>,
    /// §7.1.2.2: `None`: absent; `Some(None)`: present without a value (the client can
    /// take a limit); `Some(Some(bits))`: the client will not use more than `bits`.
    pub(crate) client_max_window_bits: Option<Option<u8>>,
}

/// Why an offer was declined (RFC 7692 §7.1: "A server MUST decline an extension
/// negotiation offer for this extension if any of the following conditions are met").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decline {
    /// Another extension's offer.
    NotDeflate,
    /// "The negotiation offer contains an extension parameter not defined for use in an
    /// offer."
    UnknownParameter,
    /// "The negotiation offer contains multiple extension parameters with the same name."
    DuplicateParameter,
    /// "The negotiation offer contains an extension parameter with an invalid value."
    InvalidValue,
    /// "The server doesn't support the offered configuration": the server caps the
    /// client's window, and this offer gives it no way to (§7.1.2.2: without
    /// `client_max_window_bits` in the offer, the response must not carry it).
    ClientWindowUnbounded,
}

impl Offer {
    /// Reads `offer`'s parameters; any unknown, repeated or invalid one declines it.
    pub(crate) fn read(offer: &ExtensionOffer<'_>) -> Result<Self, Decline> {
        if !offer.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE) {
            return Err(Decline::NotDeflate);
        }
        let mut read = Self::default();
        let mut seen = [false; 4];
        for param in offer.params() {
            // Compared without regard to case, like the extension's name (by the layer)
            // and like parameter names elsewhere in HTTP (RFC 9110 §5.6.6).
            let known = DeflateParam::of(param.name()).ok_or(Decline::UnknownParameter)?;
            if std::mem::replace(&mut seen[known as usize], true) {
                return Err(Decline::DuplicateParameter);
            }
            let value = param.value();
            let value = value.as_deref();
            match known {
                // §7.1.1.1 and §7.1.1.2: these parameters have no value.
                DeflateParam::ServerNoContextTakeover | DeflateParam::ClientNoContextTakeover
                    if value.is_some() =>
                {
                    return Err(Decline::InvalidValue);
                }
                DeflateParam::ServerNoContextTakeover => read.server_no_context_takeover = true,
                DeflateParam::ClientNoContextTakeover => read.client_no_context_takeover = true,
                // §7.1.2.1: this parameter has a value, 8 to 15.
                DeflateParam::ServerMaxWindowBits => {
                    let bits = value.and_then(window_bits).ok_or(Decline::InvalidValue)?;
                    read.server_max_window_bits = Some(bits);
                }
                // §7.1.2.2: this parameter may have no value; if it has one, 8 to 15.
                DeflateParam::ClientMaxWindowBits => {
                    let bits = match value {
                        None => None,
                        Some(value) => Some(window_bits(value).ok_or(Decline::InvalidValue)?),
                    };
                    read.client_max_window_bits = Some(bits);
                }
            }
        }
        Ok(read)
    }
}

/// The parameters RFC 7692 §7.1 defines for an offer.
#[derive(Clone, Copy)]
enum DeflateParam {
    ServerNoContextTakeover = 0,
    ClientNoContextTakeover = 1,
    ServerMaxWindowBits = 2,
    ClientMaxWindowBits = 3,
}

impl DeflateParam {
    fn of(name: &str) -> Option<Self> {
        [
            ("server_no_context_takeover", Self::ServerNoContextTakeover),
            ("client_no_context_takeover", Self::ClientNoContextTakeover),
            ("server_max_window_bits", Self::ServerMaxWindowBits),
            ("client_max_window_bits", Self::ClientMaxWindowBits),
        ]
        .into_iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, param)| param)
    }
}

/// A window size as RFC 7692 §7.1.2 writes it: a decimal integer from 8 to 15 "without
/// leading zeros" (`08`, `+9` and `9.0` are invalid).
pub(crate) fn window_bits(value: &str) -> Option<u8> {
    match value {
        "8" => Some(8),
        "9" => Some(9),
        "10" => Some(10),
        "11" => Some(11),
        "12" => Some(12),
        "13" => Some(13),
        "14" => Some(14),
        "15" => Some(15),
        _ => None,
    }
}
