//! Why the [`WebSocketUpgrade`](crate::WebSocketUpgrade) extractor refused a request.
//!
//! One type per refusal, and [`WebSocketUpgradeRejection`] joining them, as axum's own
//! extractors do: a handler can take `Result<WebSocketUpgrade, WebSocketUpgradeRejection>`
//! and answer in its own way.

use std::fmt;

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

fn text(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The request reached a WebSocket handler without asking to upgrade (a plain `GET`, a
/// `POST`, HTTP/1.0, `Upgrade: h2c`, a `CONNECT` for another protocol): 426. Over
/// HTTP/1.1 it carries `Upgrade: websocket` and `Connection: upgrade`, telling the client
/// what this resource speaks (RFC 9110 §15.5.22); over HTTP/2 those headers are forbidden
/// (RFC 9113 §8.2.2) and the body names extended CONNECT instead (RFC 8441).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotUpgradeAttempt {
    over_http2: bool,
}

impl NotUpgradeAttempt {
    const BODY: &'static str =
        "this resource speaks WebSocket only: send a GET with `Upgrade: websocket`";
    const BODY_HTTP2: &'static str =
        "this resource speaks WebSocket only: send an extended CONNECT with `:protocol: websocket`";

    /// The refusal for a request of this HTTP version.
    #[must_use]
    pub fn for_version(version: http::Version) -> Self {
        Self {
            over_http2: version >= http::Version::HTTP_2,
        }
    }

    /// 426 Upgrade Required.
    pub fn status(&self) -> StatusCode {
        StatusCode::UPGRADE_REQUIRED
    }

    /// `not_upgrade_attempt`, for logs and metrics.
    pub fn name(&self) -> &'static str {
        "not_upgrade_attempt"
    }

    fn body(&self) -> &'static str {
        if self.over_http2 {
            Self::BODY_HTTP2
        } else {
            Self::BODY
        }
    }
}

impl IntoResponse for NotUpgradeAttempt {
    fn into_response(self) -> Response {
        let mut response = text(self.status(), self.body());
        if !self.over_http2 {
            crate::error::offer_upgrade(response.headers_mut());
        }
        response
    }
}

/// An upgrade attempt reached the extractor without passing through
/// [`WebSocketLayer`](crate::WebSocketLayer): the server is misconfigured (add the layer
/// to this route, `any(handler).layer(..)`, or to the router). 500; never a panic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerMissing;

impl LayerMissing {
    const BODY: &'static str = "server misconfiguration: WebSocketUpgrade is used without WebSocketLayer, \
                                so the handshake was not validated; add the layer to the router";

    /// 500 Internal Server Error.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// `layer_missing`, for logs and metrics.
    pub fn name(&self) -> &'static str {
        "layer_missing"
    }

    fn body(&self) -> &'static str {
        Self::BODY
    }
}

/// The connection cannot be taken over: hyper put no `OnUpgrade` in the request (a
/// server built without upgrade support, or a request not served by hyper). 500.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionNotUpgradable;

impl ConnectionNotUpgradable {
    const BODY: &'static str = "server misconfiguration: this connection cannot be upgraded \
                                (serve with axum::serve, or hyper with upgrades enabled)";

    /// 500 Internal Server Error.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// `connection_not_upgradable`, for logs and metrics.
    pub fn name(&self) -> &'static str {
        "connection_not_upgradable"
    }

    fn body(&self) -> &'static str {
        Self::BODY
    }
}

/// The 500s: their status and body, nothing else.
macro_rules! plain_rejection {
    ($($ty:ident),*) => {$(
        impl IntoResponse for $ty {
            fn into_response(self) -> Response {
                text(self.status(), self.body())
            }
        }
    )*};
}

plain_rejection!(LayerMissing, ConnectionNotUpgradable);

/// Any refusal of the [`WebSocketUpgrade`](crate::WebSocketUpgrade) extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebSocketUpgradeRejection {
    /// See [`NotUpgradeAttempt`]: 426.
    NotUpgradeAttempt(NotUpgradeAttempt),
    /// See [`LayerMissing`]: 500.
    LayerMissing(LayerMissing),
    /// See [`ConnectionNotUpgradable`]: 500.
    ConnectionNotUpgradable(ConnectionNotUpgradable),
}

/// Calls `$f` on whichever rejection `$self` holds.
macro_rules! each {
    ($self:expr, |$r:ident| $f:expr) => {
        match $self {
            Self::NotUpgradeAttempt($r) => $f,
            Self::LayerMissing($r) => $f,
            Self::ConnectionNotUpgradable($r) => $f,
        }
    };
}

impl WebSocketUpgradeRejection {
    /// The status code of the response.
    pub fn status(&self) -> StatusCode {
        each!(self, |r| r.status())
    }

    /// A stable snake_case name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        each!(self, |r| r.name())
    }

    /// The text of the default response's body.
    pub fn body_text(&self) -> &'static str {
        each!(self, |r| r.body())
    }
}

impl IntoResponse for WebSocketUpgradeRejection {
    fn into_response(self) -> Response {
        each!(self, |r| r.into_response())
    }
}

/// Each rejection: its body text as `Display`, `Error`, and `From` into the enum.
macro_rules! rejection_impls {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.body())
            }
        }

        impl std::error::Error for $ty {}

        impl From<$ty> for WebSocketUpgradeRejection {
            fn from(rejection: $ty) -> Self {
                Self::$ty(rejection)
            }
        }
    )*};
}

rejection_impls!(NotUpgradeAttempt, LayerMissing, ConnectionNotUpgradable);

impl fmt::Display for WebSocketUpgradeRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.body_text())
    }
}

impl std::error::Error for WebSocketUpgradeRejection {}
