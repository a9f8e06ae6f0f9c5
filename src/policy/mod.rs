//! The decisions a server makes about a valid handshake, one trait each: who may connect
//! ([`OriginPolicy`]), which subprotocol is spoken ([`SubprotocolPolicy`]), which protocol
//! versions ([`SupportedVersions`]) and which extensions ([`ExtensionPolicy`]); each with
//! its built-ins, and closures through [`origin_fn`] and [`subprotocol_fn`]; and, a list
//! rather than a decision, the hosts the server answers for ([`AllowedHosts`]). Each rule
//! (who decides, what is refused, with which status) is one file of this module.
//!
//! # Why the origin is checked
//!
//! Browsers attach cookies to WebSocket handshakes from any site, and the same-origin
//! policy does not stop a page from opening one. A server that does not check `Origin`
//! lets any web page act as its logged-in users: cross-site WebSocket hijacking. The
//! default policy therefore accepts only pages of the server's own origin.

pub(crate) mod credential;
pub(crate) mod extensions;
pub(crate) mod host;
pub(crate) mod origin;
pub(crate) mod subprotocol;
pub(crate) mod version;

pub use credential::{KUBERNETES_BEARER_PREFIX, SubprotocolCredential};
pub use extensions::{
    AgreedExtensions, ExtensionOffer, ExtensionOffers, ExtensionParam, ExtensionParams,
    ExtensionPolicy, NoExtensions,
};
pub use host::{AllowedHosts, InvalidHostEntry};
pub use origin::{
    AllowedOrigins, AnyOrigin, ForwardedSameOrigin, InvalidOrigin, OriginFn, OriginPolicy,
    SameOrigin, origin_fn,
};
pub use subprotocol::{
    ClientPreference, InvalidSubprotocol, Required, ServerPreference, SubprotocolFn,
    SubprotocolOffers, SubprotocolPolicy, subprotocol_fn,
};
pub use version::{EmptyVersions, SupportedVersions};
