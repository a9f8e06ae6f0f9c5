//! A credential sent as a subprotocol offer: a browser cannot set `Authorization` on a
//! WebSocket, so clients such as Kubernetes' offer `<prefix><token>` beside the real
//! subprotocol. The layer takes such offers out before the subprotocol policy sees them,
//! never answers with one, and hands the first one's token to the handler, which checks
//! it (that may need I/O). Set with
//! [`WebSocketLayer::subprotocol_credential`](crate::WebSocketLayer::subprotocol_credential).

use std::fmt;
use std::sync::Arc;

use crate::read::list::{Lines, ListElements};
use crate::read::token::is_token;

/// The prefix of Kubernetes' bearer token offer,
/// `base64url.bearer.authorization.k8s.io.<base64url token>`.
pub const KUBERNETES_BEARER_PREFIX: &str = "base64url.bearer.authorization.k8s.io.";

/// The token a client offered as a subprotocol, after the prefix: as sent, unchecked.
///
/// `Debug` and `Display` print `SubprotocolCredential(..)`, never the token, so that a
/// logged [`Negotiated`](crate::Negotiated) leaks nothing; [`expose`](Self::expose) reads it.
/// No `PartialEq`: compare the exposed token as your scheme requires (in constant time
/// against a stored secret).
#[derive(Clone)]
pub struct SubprotocolCredential(Box<str>);

impl SubprotocolCredential {
    /// The secret token, as the client sent it after the prefix (for Kubernetes' prefix,
    /// still base64url-encoded). Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SubprotocolCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubprotocolCredential(..)")
    }
}

impl fmt::Display for SubprotocolCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Checks a prefix for [`WebSocketLayer::subprotocol_credential`](crate::WebSocketLayer::subprotocol_credential):
/// a non-empty token, since offers are tokens.
pub(crate) fn checked_prefix(prefix: &str) -> Box<str> {
    assert!(
        is_token(prefix.as_bytes()),
        "{prefix:?} is not a valid subprotocol credential prefix (a non-empty RFC 9110 token)"
    );
    prefix.into()
}

/// The first offer starting with `prefix`, without it. Out of line: a handshake without
/// a prefix set pays for no more than the check that there is none.
#[cold]
#[inline(never)]
pub(crate) fn find(offers: Lines<'_>, prefix: &[u8]) -> Option<Arc<SubprotocolCredential>> {
    ListElements::new(offers)
        .find_map(|offer| offer.strip_prefix(prefix))
        .and_then(|token| std::str::from_utf8(token).ok())
        .map(|token| Arc::new(SubprotocolCredential(token.into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_print_no_secret() {
        let credential = SubprotocolCredential("c2VjcmV0".into());
        assert_eq!(credential.expose(), "c2VjcmV0");
        assert_eq!(format!("{credential:?}"), "SubprotocolCredential(..)");
        assert_eq!(credential.to_string(), "SubprotocolCredential(..)");
        assert_eq!(
            format!("{:?}", Some(&credential)),
            "Some(SubprotocolCredential(..))"
        );
    }

    #[test]
    fn kubernetes_prefix_is_valid() {
        assert_eq!(
            &*checked_prefix(KUBERNETES_BEARER_PREFIX),
            KUBERNETES_BEARER_PREFIX
        );
    }

    #[test]
    #[should_panic(expected = "not a valid subprotocol credential prefix")]
    fn empty_prefix_is_refused() {
        let _ = checked_prefix("");
    }

    #[test]
    #[should_panic(expected = "not a valid subprotocol credential prefix")]
    fn prefix_with_a_space_is_refused() {
        let _ = checked_prefix("bearer token.");
    }
}
