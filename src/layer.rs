//! The layer: configuration, and the negotiation it runs for every upgrade attempt.

use std::any::type_name;
use std::fmt;
use std::sync::Arc;

use http::header::SEC_WEBSOCKET_EXTENSIONS;
use http::header::{CONNECTION, UPGRADE};
use http::request::Parts;
use http::{HeaderValue, Version};
use tower_layer::Layer;

use crate::HandshakeError;
use crate::extension_header::{self, ExtensionOffers};
use crate::key::AcceptKey;
use crate::negotiated::{KeptOrigin, Negotiated};
use crate::on_error::{DefaultErrorHandler, ErrorHandler};
use crate::policy::{
    ExtensionPolicy, NoExtensions, OriginPolicy, SameOrigin, ServerPreference, SubprotocolPolicy,
    Subprotocols, SupportedVersions,
};
use crate::request::{Attempt, ClientHandshake};
use crate::service::WebSocketService;

/// Validates and negotiates WebSocket handshakes in front of an axum router.
///
/// Requests that are not upgrade attempts pass through untouched. An attempt is checked
/// against RFC 6455 §4.2.1 and the policies; a failure is answered with a
/// [`HandshakeError`] response, a success goes on to the handler with a [`Negotiated`]
/// in its extensions, which the [`WebSocketUpgrade`](crate::WebSocketUpgrade) extractor
/// turns into the 101.
///
/// | setting | default |
/// |---|---|
/// | [`origin`](Self::origin) | [`SameOrigin`]: `Origin` must match `Host`; `null` refused |
/// | [`require_origin`](Self::require_origin) | `false`: a request without `Origin` (not a browser) is let through |
/// | [`subprotocol`](Self::subprotocol) | [`ServerPreference`] with no protocols: none is ever chosen |
/// | [`versions`](Self::versions) | `{13}` |
/// | [`extensions`](Self::extensions) | [`NoExtensions`] |
/// | [`on_error`](Self::on_error) | [`DefaultErrorHandler`]: status, headers and a short text body |
///
/// ```
/// use axum::{Router, routing::any};
/// use axum_ws_handshake::{WebSocketLayer, WebSocketUpgrade, policy::AllowedOrigins};
///
/// let layer = WebSocketLayer::new()
///     .origin(AllowedOrigins::new(["https://app.example.com"]))
///     .subprotocols(["chat.v2", "chat.v1"]);
/// let app: Router = Router::new().route(
///     "/ws",
///     any(|ws: WebSocketUpgrade| async move {
///         ws.on_upgrade(|connection| async move { drop(connection) })
///     })
///     .layer(layer),
/// );
/// ```
///
/// On a route, as here, the layer sees only that route's requests. Around the whole
/// router (`Router::layer`, or `layer.layer(router)`) it checks upgrade attempts to
/// every route and the fallback, and every other request pays for one `Upgrade` header
/// lookup (the README's Performance section has the figures).
///
/// ```
/// # use axum_ws_handshake::WebSocketLayer;
/// # let app: axum::Router = axum::Router::new();
/// let app: axum::Router = app.layer(WebSocketLayer::new());
/// ```
#[must_use]
pub struct WebSocketLayer<
    O = SameOrigin,
    P = ServerPreference,
    E = NoExtensions,
    H = DefaultErrorHandler,
> {
    /// Shared with every service the layer makes: `layer()` runs per request on some of
    /// axum's routes, so it must cost no more than a reference count.
    config: Arc<Config<O, P, E, H>>,
}

/// Everything the service needs, shared by all its clones behind one `Arc`. Each policy
/// sits in an `Arc` of its own so that builder methods can copy the configuration
/// without requiring policies to be `Clone`.
pub(crate) struct Config<O, P, E, H> {
    origin: Arc<O>,
    require_origin: bool,
    subprotocol: Arc<P>,
    versions: SupportedVersions,
    extensions: Arc<E>,
    on_error: Arc<H>,
}

impl<O, P, E, H> Clone for Config<O, P, E, H> {
    fn clone(&self) -> Self {
        Self {
            origin: Arc::clone(&self.origin),
            require_origin: self.require_origin,
            subprotocol: Arc::clone(&self.subprotocol),
            versions: self.versions,
            extensions: Arc::clone(&self.extensions),
            on_error: Arc::clone(&self.on_error),
        }
    }
}

impl WebSocketLayer {
    /// The layer with the secure defaults of the table above.
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                origin: Arc::new(SameOrigin),
                require_origin: false,
                subprotocol: Arc::new(ServerPreference::default()),
                versions: SupportedVersions::default(),
                extensions: Arc::new(NoExtensions),
                on_error: Arc::new(DefaultErrorHandler),
            }),
        }
    }
}

impl Default for WebSocketLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<O, P, E, H> WebSocketLayer<O, P, E, H> {
    /// The configuration, to be rebuilt by a builder method (copied, which costs a few
    /// reference counts, only if this layer was cloned before).
    fn into_config(self) -> Config<O, P, E, H> {
        Arc::unwrap_or_clone(self.config)
    }

    /// Who may connect, judged on `Origin` (RFC 6455 §4.2.2, §10.2); refused → 403.
    /// See [`OriginPolicy`] for closures and the built-ins.
    pub fn origin<O2: OriginPolicy>(self, policy: O2) -> WebSocketLayer<O2, P, E, H> {
        let c = self.into_config();
        WebSocketLayer {
            config: Arc::new(Config {
                origin: Arc::new(policy),
                require_origin: c.require_origin,
                subprotocol: c.subprotocol,
                versions: c.versions,
                extensions: c.extensions,
                on_error: c.on_error,
            }),
        }
    }

    /// Whether a handshake without `Origin` is refused (403). Off by default: browsers
    /// always send `Origin` (RFC 6455 §4.2.1 item 7), so its absence means a non-browser
    /// client, which cross-site hijacking cannot use. Turn it on to admit browsers only.
    pub fn require_origin(self, require: bool) -> Self {
        let mut config = self.into_config();
        config.require_origin = require;
        Self {
            config: Arc::new(config),
        }
    }

    /// How the subprotocol is chosen (RFC 6455 §4.2.2 /subprotocol/). See
    /// [`SubprotocolPolicy`].
    pub fn subprotocol<P2: SubprotocolPolicy>(self, policy: P2) -> WebSocketLayer<O, P2, E, H> {
        let c = self.into_config();
        WebSocketLayer {
            config: Arc::new(Config {
                origin: c.origin,
                require_origin: c.require_origin,
                subprotocol: Arc::new(policy),
                versions: c.versions,
                extensions: c.extensions,
                on_error: c.on_error,
            }),
        }
    }

    /// The subprotocols the server speaks, most preferred first: the first one the
    /// client also offered is chosen. Shorthand for
    /// `.subprotocol(ServerPreference::new(protocols))`.
    ///
    /// # Panics
    /// If a name is not a token.
    pub fn subprotocols<I>(self, protocols: I) -> WebSocketLayer<O, ServerPreference, E, H>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.subprotocol(ServerPreference::new(protocols))
    }

    /// The protocol versions accepted; others get 426 listing these (RFC 6455 §4.4).
    pub fn versions(self, versions: impl Into<SupportedVersions>) -> Self {
        let mut config = self.into_config();
        config.versions = versions.into();
        Self {
            config: Arc::new(config),
        }
    }

    /// Which extensions are accepted (RFC 6455 §9.1). See [`ExtensionPolicy`].
    pub fn extensions<E2: ExtensionPolicy>(self, policy: E2) -> WebSocketLayer<O, P, E2, H> {
        let c = self.into_config();
        WebSocketLayer {
            config: Arc::new(Config {
                origin: c.origin,
                require_origin: c.require_origin,
                subprotocol: c.subprotocol,
                versions: c.versions,
                extensions: Arc::new(policy),
                on_error: c.on_error,
            }),
        }
    }

    /// How refusals are answered. See [`ErrorHandler`].
    pub fn on_error<H2: ErrorHandler>(self, handler: H2) -> WebSocketLayer<O, P, E, H2> {
        let c = self.into_config();
        WebSocketLayer {
            config: Arc::new(Config {
                origin: c.origin,
                require_origin: c.require_origin,
                subprotocol: c.subprotocol,
                versions: c.versions,
                extensions: c.extensions,
                on_error: Arc::new(handler),
            }),
        }
    }
}

impl<S, O, P, E, H> Layer<S> for WebSocketLayer<O, P, E, H> {
    type Service = WebSocketService<S, O, P, E, H>;

    fn layer(&self, inner: S) -> Self::Service {
        WebSocketService::new(inner, Arc::clone(&self.config))
    }
}

impl<O, P, E, H> Clone for WebSocketLayer<O, P, E, H> {
    fn clone(&self) -> Self {
        Self {
            config: Arc::clone(&self.config),
        }
    }
}

impl<O, P, E, H> fmt::Debug for WebSocketLayer<O, P, E, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketLayer")
            .field("config", &self.config)
            .finish()
    }
}

impl<O, P, E, H> fmt::Debug for Config<O, P, E, H> {
    /// Policies may be closures, which have no `Debug`: their type names stand in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("origin", &type_name::<O>())
            .field("require_origin", &self.require_origin)
            .field("subprotocol", &type_name::<P>())
            .field("versions", &self.versions)
            .field("extensions", &type_name::<E>())
            .field("on_error", &type_name::<H>())
            .finish()
    }
}

impl<O, P, E, H> Config<O, P, E, H>
where
    O: OriginPolicy,
    P: SubprotocolPolicy,
    E: ExtensionPolicy,
    H: ErrorHandler,
{
    /// Reads the handshake and runs the policies, in the order of RFC 6455 §4.2.2 step 4.
    pub(crate) fn negotiate(
        &self,
        parts: &Parts,
        attempt: Attempt,
    ) -> Result<Negotiated, HandshakeError> {
        let handshake = ClientHandshake::read(parts, attempt, self.versions)?;

        match handshake.origin {
            None if self.require_origin => return Err(HandshakeError::OriginRefused),
            None => {}
            Some(origin) => match origin.to_str() {
                Ok(origin) if self.origin.is_allowed(origin, parts) => {}
                _ => return Err(HandshakeError::OriginRefused),
            },
        }

        let offers = Subprotocols::from_lines(handshake.protocols);
        // §4.2.2 /subprotocol/: a value the client offered, or none at all.
        let protocol = self
            .subprotocol
            .select(offers.clone())
            .filter(|chosen| offers.contains(chosen))
            .and_then(|chosen| {
                self.subprotocol
                    .header_value(chosen)
                    .filter(|value| value.as_bytes() == chosen.as_bytes())
                    .or_else(|| HeaderValue::from_str(chosen).ok())
            });
        if protocol.is_none() && self.subprotocol.is_required() {
            return Err(HandshakeError::NoMatchingSubprotocol);
        }

        let offers = ExtensionOffers::from_lines(handshake.extensions);
        let extensions = self.extensions.negotiate(offers.clone(), parts)?;
        if let Some(accepted) = extensions.header() {
            // §4.2.2 /extensions/: "Extensions not listed by the client MUST NOT be listed."
            let mut map = http::HeaderMap::with_capacity(1);
            map.insert(SEC_WEBSOCKET_EXTENSIONS, accepted.clone());
            extension_header::validate(map.get_all(SEC_WEBSOCKET_EXTENSIONS))
                .map_err(|_| HandshakeError::ExtensionNotOffered)?;
            let all_offered =
                ExtensionOffers::new(&map, &SEC_WEBSOCKET_EXTENSIONS).all(|accepted| {
                    offers
                        .clone()
                        .any(|offer| offer.name().eq_ignore_ascii_case(accepted.name()))
                });
            if !all_offered {
                return Err(HandshakeError::ExtensionNotOffered);
            }
        }

        Ok(Negotiated {
            accept: handshake.key.map(AcceptKey::for_key),
            version: handshake.version,
            protocol,
            extensions,
            origin: handshake
                .origin
                .map(|origin| KeptOrigin::Request(origin.clone())),
        })
    }

    /// The hook's response to `error`. Over HTTP/2 the connection-specific `Connection`
    /// and `Upgrade` of a 426 are dropped: RFC 9113 §8.2.2 forbids them there.
    pub(crate) fn error_response(
        &self,
        error: HandshakeError,
        parts: &Parts,
    ) -> axum_core::response::Response {
        let mut response = self.on_error.handle(error, parts);
        if parts.version >= Version::HTTP_2 {
            response.headers_mut().remove(CONNECTION);
            response.headers_mut().remove(UPGRADE);
        }
        response
    }
}
