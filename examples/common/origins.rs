//! The examples' origin policy: the `--origin` allow-list if one was given, else
//! same-origin.

use axum::http::request::Parts;
use axum_ws_handshake::policy::{AllowedOrigins, InvalidOrigin, OriginPolicy, SameOrigin};

/// One policy type for both cases. A closure would do, but only a type can pass on
/// `is_allowed_at`, which tells `SameOrigin` the host the layer has already read.
pub enum Origins {
    Listed(AllowedOrigins),
    Same,
}

impl Origins {
    pub fn new(listed: &[String]) -> Result<Self, InvalidOrigin> {
        Ok(match listed {
            [] => Self::Same,
            list => Self::Listed(AllowedOrigins::try_new(list)?),
        })
    }
}

impl OriginPolicy for Origins {
    fn is_allowed(&self, origin: &str, request: &Parts) -> bool {
        match self {
            Self::Listed(list) => list.is_allowed(origin, request),
            Self::Same => SameOrigin.is_allowed(origin, request),
        }
    }

    fn is_allowed_at(&self, origin: &str, host: &str, request: &Parts) -> bool {
        match self {
            Self::Listed(list) => list.is_allowed_at(origin, host, request),
            Self::Same => SameOrigin.is_allowed_at(origin, host, request),
        }
    }
}
