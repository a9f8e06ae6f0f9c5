//! The decisions a server makes about a valid handshake, one file each, each file the
//! whole rule (who decides, what is refused, with which status): who may connect
//! ([`origin`]), which subprotocol is spoken ([`subprotocol`]), which protocol versions
//! ([`version`]) and which extensions ([`extensions`]).

pub mod extensions;
pub mod origin;
pub mod subprotocol;
pub mod version;

pub use extensions::{
    AgreedExtensions, ExtensionOffer, ExtensionOffers, ExtensionParam, ExtensionParams,
    ExtensionPolicy, NoExtensions,
};
pub use origin::{
    AllowedOrigins, AnyOrigin, ForwardedSameOrigin, InvalidOrigin, OriginPolicy, SameOrigin,
};
pub use subprotocol::{
    ClientPreference, InvalidSubprotocol, Required, ServerPreference, SubprotocolPolicy,
    SubprotocolOffers,
};
pub use version::{NoVersions, SupportedVersions};
