//! The layer: its configuration, built with conventional builder methods.

use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use crate::config::Config;
use crate::on_error::{DefaultOnError, OnError};
use crate::policy::{
    AllowedHosts, ExtensionPolicy, NoExtensions, OriginPolicy, SameOrigin, ServerPreference,
    SubprotocolPolicy, SupportedVersions,
};
use crate::service::WebSocketService;
use crate::shutdown::GracefulShutdown;
#[cfg(doc)]
use crate::{HandshakeError, Negotiated};

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
/// | [`allowed_hosts`](Self::allowed_hosts) | none: any `Host` (the layer cannot know the server's address) |
/// | [`origin`](Self::origin) | [`SameOrigin`]: `Origin` must match `Host`; `null` refused |
/// | [`require_origin`](Self::require_origin) | `false`: a request without `Origin` (not a browser) is let through |
/// | [`subprotocol`](Self::subprotocol) | [`ServerPreference`] with no protocols: none is ever chosen |
/// | [`subprotocol_credential`](Self::subprotocol_credential) | none: every offer is a subprotocol |
/// | [`versions`](Self::versions) | `{13}` |
/// | [`extensions`](Self::extensions) | [`NoExtensions`] |
/// | [`on_error`](Self::on_error) | [`DefaultOnError`]: status, headers and a short text body |
/// | [`graceful_shutdown`](Self::graceful_shutdown) | none: sockets are not tracked, attempts are never refused as draining |
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
    H = DefaultOnError,
> {
    /// Shared with every service the layer makes: `layer()` runs per request on some of
    /// axum's routes, so it must cost no more than a reference count.
    config: Arc<Config<O, P, E, H>>,
}

impl WebSocketLayer {
    /// The layer with the secure defaults of the table above.
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                hosts: None,
                origin: Arc::new(SameOrigin),
                require_origin: false,
                subprotocol: Arc::new(ServerPreference::default()),
                credential_prefix: None,
                versions: SupportedVersions::default(),
                extensions: Arc::new(NoExtensions),
                on_error: Arc::new(DefaultOnError),
                shutdown: None,
            }),
        }
    }
}

impl Default for WebSocketLayer {
    fn default() -> Self {
        Self::new()
    }
}

/// The four policies of a configuration, as the type-changing builders replace one.
type Policies<O, P, E, H> = (Arc<O>, Arc<P>, Arc<E>, Arc<H>);

impl<O, P, E, H> WebSocketLayer<O, P, E, H> {
    /// The configuration with `edit` applied. It is taken out of the `Arc` (copied, which
    /// costs a few reference counts, only if this layer was cloned before).
    fn edit(self, edit: impl FnOnce(&mut Config<O, P, E, H>)) -> Self {
        let mut config = Arc::unwrap_or_clone(self.config);
        edit(&mut config);
        Self {
            config: Arc::new(config),
        }
    }

    /// The configuration with one policy replaced by `replace`, which may change its type:
    /// what every type-changing builder method does.
    fn replace<O2, P2, E2, H2>(
        self,
        replace: impl FnOnce(Policies<O, P, E, H>) -> Policies<O2, P2, E2, H2>,
    ) -> WebSocketLayer<O2, P2, E2, H2> {
        let Config {
            hosts,
            origin,
            require_origin,
            subprotocol,
            credential_prefix,
            versions,
            extensions,
            on_error,
            shutdown,
        } = Arc::unwrap_or_clone(self.config);
        let (origin, subprotocol, extensions, on_error) =
            replace((origin, subprotocol, extensions, on_error));
        WebSocketLayer {
            config: Arc::new(Config {
                hosts,
                origin,
                require_origin,
                subprotocol,
                credential_prefix,
                versions,
                extensions,
                on_error,
                shutdown,
            }),
        }
    }

    /// The hosts the server answers for, against DNS rebinding: a handshake whose `Host`
    /// (`:authority` over HTTP/2, or an absolute-form target's authority) is not listed
    /// is refused with 421 Misdirected Request (RFC 9110 §15.5.20), before the `Origin`
    /// check. See [`AllowedHosts`] for the entries.
    ///
    /// Unset, any host is accepted: the layer cannot know the address the server is
    /// bound to. Set it on a server reachable at a loopback or private address:
    ///
    /// ```
    /// use axum_ws_handshake::{WebSocketLayer, policy::AllowedHosts};
    ///
    /// let layer = WebSocketLayer::new().allowed_hosts(AllowedHosts::loopback(3000));
    /// let layer = WebSocketLayer::new()
    ///     .allowed_hosts(AllowedHosts::new(["app.example.com", "*.example.com"]));
    /// ```
    pub fn allowed_hosts(self, hosts: AllowedHosts) -> Self {
        self.edit(|config| config.hosts = Some(hosts))
    }

    /// Who may connect, judged on `Origin` (RFC 6455 §4.2.2, §10.2); refused → 403.
    /// See [`OriginPolicy`] for closures and the built-ins.
    pub fn origin<O2: OriginPolicy>(self, policy: O2) -> WebSocketLayer<O2, P, E, H> {
        self.replace(|(_, p, e, h)| (Arc::new(policy), p, e, h))
    }

    /// Whether a handshake without `Origin` is refused (403). Off by default: browsers
    /// always send `Origin` (RFC 6455 §4.2.1 item 7), so its absence means a non-browser
    /// client, which cross-site hijacking cannot use. Turn it on to admit browsers only.
    pub fn require_origin(self, require: bool) -> Self {
        self.edit(|config| config.require_origin = require)
    }

    /// How the subprotocol is chosen (RFC 6455 §4.2.2 /subprotocol/). See
    /// [`SubprotocolPolicy`].
    pub fn subprotocol<P2: SubprotocolPolicy>(self, policy: P2) -> WebSocketLayer<O, P2, E, H> {
        self.replace(|(o, _, e, h)| (o, Arc::new(policy), e, h))
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

    /// Takes a credential out of the subprotocol offers: a browser cannot set
    /// `Authorization` on a WebSocket, so a client offers `<prefix><token>` beside the
    /// subprotocol it speaks ([`KUBERNETES_BEARER_PREFIX`](crate::policy::KUBERNETES_BEARER_PREFIX)
    /// is Kubernetes' prefix). Offers starting with `prefix` are never shown to the
    /// subprotocol policy, never chosen (a handler's choice of one, on axum's extractor, is
    /// removed from the answer) and never logged; the first one's token is
    /// [`Negotiated::credential`]. It does not count as a subprotocol: a
    /// [required](crate::policy::Required) one must still be offered. Checking the token is
    /// the handler's; a request without one reaches it too.
    ///
    /// The handler checks the token (here against a constant; a real one asks its session
    /// store), and refuses with a Close the page can read:
    ///
    /// ```
    /// use axum::{Router, response::Response, routing::any};
    /// use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
    /// use axum_ws_handshake::policy::KUBERNETES_BEARER_PREFIX;
    ///
    /// async fn exec(ws: WebSocketUpgrade) -> Response {
    ///     let valid = ws.credential().is_some_and(|token| token.expose() == "c2VjcmV0");
    ///     if !valid {
    ///         return ws.accept_and_close(4001, "missing or expired token");
    ///     }
    ///     ws.on_websocket(|socket: WebSocket| async move { drop(socket) })
    /// }
    ///
    /// let layer = WebSocketLayer::new()
    ///     .subprotocols(["v5.channel.k8s.io"])
    ///     .subprotocol_credential(KUBERNETES_BEARER_PREFIX);
    /// let app: Router = Router::new().route("/exec", any(exec).layer(layer));
    /// ```
    ///
    /// # Panics
    /// If `prefix` is not a token (offers are tokens, so no offer could start with it).
    pub fn subprotocol_credential(self, prefix: &str) -> Self {
        let prefix = crate::policy::credential::checked_prefix(prefix);
        self.edit(|config| config.credential_prefix = Some(prefix))
    }

    /// The protocol versions accepted; others get 426 listing these (RFC 6455 §4.4).
    pub fn versions(self, versions: impl Into<SupportedVersions>) -> Self {
        let versions = versions.into();
        self.edit(|config| config.versions = versions)
    }

    /// Which extensions are accepted (RFC 6455 §9.1). See [`ExtensionPolicy`].
    pub fn extensions<E2: ExtensionPolicy>(self, policy: E2) -> WebSocketLayer<O, P, E2, H> {
        self.replace(|(o, p, _, h)| (o, p, Arc::new(policy), h))
    }

    /// The server's graceful shutdown. Every socket that the layer's handlers accept with
    /// this crate's `on_*` hand-offs is tracked by it and gets its signal, as with
    /// [`WebSocketUpgrade::graceful_shutdown`](crate::WebSocketUpgrade::graceful_shutdown);
    /// and once [`start`](GracefulShutdown::start) has run, upgrade attempts are refused
    /// with [`HandshakeError::ShuttingDown`]: `503 Service Unavailable` with
    /// `Retry-After: 1`, and `Connection: close` over HTTP/1.1, so that a load balancer or
    /// a client tries another server while this one drains.
    pub fn graceful_shutdown(self, shutdown: GracefulShutdown) -> Self {
        self.edit(|config| config.shutdown = Some(shutdown))
    }

    /// How refusals are answered. See [`OnError`].
    pub fn on_error<H2: OnError>(self, handler: H2) -> WebSocketLayer<O, P, E, H2> {
        self.replace(|(o, p, e, _)| (o, p, e, Arc::new(handler)))
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
