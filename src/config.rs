//! The negotiation: what the layer runs for every upgrade attempt, in the order of
//! RFC 6455 §4.2.2 step 4. Each step is one policy's whole rule, kept in `policy/`.

use std::any::type_name;
use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use crate::answer::Agreement;
use crate::negotiated::{KeptOrigin, Negotiated};
use crate::on_error::{self, OnError};
use crate::policy::{
    AllowedHosts, ExtensionOffers, ExtensionPolicy, OriginPolicy, SubprotocolOffers,
    SubprotocolPolicy, SupportedVersions, credential, extensions, host, origin, subprotocol,
    version,
};
use crate::read::key::AcceptKey;
use crate::read::{Attempt, ClientHandshake};
use crate::trace;
use crate::{GracefulShutdown, HandshakeError};

/// The layer's configuration, shared by the layer, its clones and every service it
/// makes behind one `Arc`. Each policy sits in an `Arc` of its own so that builder
/// methods can copy the configuration without requiring policies to be `Clone`.
pub(crate) struct Config<O, P, E, H> {
    /// The hosts answered for; `None`: any.
    pub(crate) hosts: Option<AllowedHosts>,
    pub(crate) origin: Arc<O>,
    pub(crate) require_origin: bool,
    pub(crate) subprotocol: Arc<P>,
    /// Offers starting with this carry a credential: taken out before the subprotocol
    /// policy sees them (`policy/credential.rs`).
    pub(crate) credential_prefix: Option<Box<str>>,
    pub(crate) versions: SupportedVersions,
    pub(crate) extensions: Arc<E>,
    pub(crate) on_error: Arc<H>,
    /// Set by `WebSocketLayer::graceful_shutdown`: once started, attempts are refused.
    pub(crate) shutdown: Option<GracefulShutdown>,
}

impl<O, P, E, H> Clone for Config<O, P, E, H> {
    fn clone(&self) -> Self {
        Self {
            hosts: self.hosts.clone(),
            origin: Arc::clone(&self.origin),
            require_origin: self.require_origin,
            subprotocol: Arc::clone(&self.subprotocol),
            credential_prefix: self.credential_prefix.clone(),
            versions: self.versions,
            extensions: Arc::clone(&self.extensions),
            on_error: Arc::clone(&self.on_error),
            shutdown: self.shutdown.clone(),
        }
    }
}

impl<O, P, E, H> fmt::Debug for Config<O, P, E, H> {
    /// Policies may be closures, which have no `Debug`: their type names stand in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("hosts", &self.hosts)
            .field("origin", &type_name::<O>())
            .field("require_origin", &self.require_origin)
            .field("subprotocol", &type_name::<P>())
            .field("credential_prefix", &self.credential_prefix)
            .field("versions", &self.versions)
            .field("extensions", &type_name::<E>())
            .field("on_error", &type_name::<H>())
            .field("shutdown", &self.shutdown)
            .finish()
    }
}

impl<O, P, E, H> Config<O, P, E, H>
where
    O: OriginPolicy,
    P: SubprotocolPolicy,
    E: ExtensionPolicy,
    H: OnError,
{
    /// Reads the handshake, deciding its version on the way (§4.4), then whether the
    /// server answers for its host, who may connect, the subprotocol and the extensions:
    /// what the handler gets, and what its answer must agree with.
    pub(crate) fn negotiate(
        &self,
        parts: &Parts,
        attempt: Attempt,
    ) -> Result<(Negotiated, Agreement), HandshakeError> {
        // A draining server takes no new socket (RFC 9110 §15.6.4), whatever the request.
        if self
            .shutdown
            .as_ref()
            .is_some_and(GracefulShutdown::is_started)
        {
            return Err(HandshakeError::ShuttingDown);
        }
        let handshake =
            ClientHandshake::read(parts, attempt, |lines| version::apply(self.versions, lines))?;
        if let Some(hosts) = &self.hosts {
            host::apply(hosts, handshake.host, parts)?;
        }
        origin::apply(
            &*self.origin,
            self.require_origin,
            handshake.origin,
            handshake.host,
            parts,
        )?;
        let prefix = self.credential_prefix.as_deref().map(str::as_bytes);
        let credential =
            prefix.and_then(|prefix| credential::find(handshake.protocols.clone(), prefix));
        let protocol = subprotocol::apply(
            &*self.subprotocol,
            SubprotocolOffers::from_lines(handshake.protocols.clone()).skipping_credentials(prefix),
        )?;
        let extensions = extensions::apply(
            &*self.extensions,
            ExtensionOffers::from_lines(handshake.extensions),
            parts,
        )?;
        let negotiated = Negotiated {
            accept: handshake.key.map(AcceptKey::for_key),
            version: handshake.version,
            protocol,
            extensions,
            origin: handshake
                .origin
                .map(|origin| KeptOrigin::Request(origin.clone())),
            shutdown: self.shutdown.clone(),
            credential,
        };
        trace::accepted(&negotiated, parts);
        let agreement = Agreement::new(
            parts,
            attempt,
            negotiated.protocol.as_ref(),
            handshake.protocols,
            // Only when there is one to take out of the offers a handler may answer with.
            prefix.filter(|_| negotiated.credential.is_some()),
            !on_error::is_default::<H>() || trace::logs_answers(),
        );
        Ok((negotiated, agreement))
    }
}
