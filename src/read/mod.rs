//! Reading the client's opening handshake, apart from I/O and from the server's choices:
//! pure functions over the request's head, borrowing from it. One file per thing read,
//! as h2's `frame/` has one per frame:
//!
//! - [`attempt`]: whether a request asks to become a WebSocket at all;
//! - [`handshake`]: whether the attempt is well-formed (RFC 6455 §4.2.1), over the lines
//!   [`headers`] finds in one walk;
//! - the grammars: [`token`], [`list`] (`#element` over repeated lines), [`quoted`]
//!   (`quoted-string`), [`authority`] (`Host`), [`key`] (`Sec-WebSocket-Key` and its
//!   accept value), [`version`], [`subprotocol_offers`], [`extension_offers`] (`extension-list`),
//!   [`origin`] (a serialized origin) and [`forwarded`] (`Forwarded`,
//!   `X-Forwarded-Host`).
//!
//! The offers a policy sees ([`subprotocol_offers::SubprotocolOffers`],
//! [`extension_offers::ExtensionOffers`]) are public, re-exported from [`crate::policy`].

pub(crate) mod attempt;
pub(crate) mod authority;
pub(crate) mod extension_offers;
pub(crate) mod forwarded;
pub(crate) mod handshake;
pub(crate) mod headers;
pub(crate) mod key;
pub(crate) mod list;
pub(crate) mod origin;
pub(crate) mod quoted;
pub(crate) mod subprotocol_offers;
pub(crate) mod token;
pub(crate) mod version;

pub(crate) use attempt::{Attempt, upgrade_attempt};
pub(crate) use handshake::ClientHandshake;
