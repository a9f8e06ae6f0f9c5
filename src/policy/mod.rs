//! The decisions a server makes about a valid handshake, one file each: who may
//! connect ([`origin`]), which subprotocol is spoken ([`subprotocol`]), which protocol
//! versions ([`version`]) and which extensions ([`extensions`]).

pub mod extensions;
pub mod origin;
pub mod subprotocol;
pub mod version;

pub use extensions::{AcceptedExtensions, ExtensionPolicy, NoExtensions};
pub use origin::{
    AllowedOrigins, AnyOrigin, ForwardedSameOrigin, InvalidOrigin, OriginPolicy, SameOrigin,
};
pub use subprotocol::{
    ClientPreference, InvalidSubprotocol, Required, ServerPreference, SubprotocolPolicy,
    Subprotocols,
};
pub use version::{NoVersions, SupportedVersions};
