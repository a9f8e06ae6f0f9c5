//! Drives a request through the real `WebSocketLayer` service and checks the answer
//! against [`model`](crate::model): the inner service stands in for the handler and
//! records what reached it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::response::Response;
use axum_ws_handshake::deflate::PerMessageDeflate;
use axum_ws_handshake::policy::{
    AgreedExtensions, AllowedOrigins, AnyOrigin, ClientPreference, ExtensionOffers,
    ExtensionPolicy, ForwardedSameOrigin, OriginPolicy, SameOrigin, ServerPreference,
    SubprotocolOffers, SubprotocolPolicy,
};
use axum_ws_handshake::{Negotiated, WebSocketLayer};
use http::header::{CONNECTION, SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, StatusCode, Uri, Version};
use tower::{Layer, ServiceExt};

use crate::model::{self, Extensions, Outcome, Preference, Server};

/// Which origin policy the layer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginChoice {
    /// `SameOrigin`, the default.
    Same,
    /// `AnyOrigin`.
    Any,
    /// `AllowedOrigins` of [`ALLOWED`].
    List,
    /// `ForwardedSameOrigin::x_forwarded_host()`.
    XForwardedHost,
    /// `ForwardedSameOrigin::forwarded()` (RFC 7239 `host=`).
    Forwarded,
}

/// The allow-list of [`OriginChoice::List`].
pub const ALLOWED: [&str; 2] = ["http://a.test", "https://*.example.com"];

/// A request and the server it is sent to.
#[derive(Debug, Clone)]
pub struct Spec {
    pub method: Method,
    pub version: Version,
    pub uri: Uri,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The HTTP/2 `:protocol` pseudo-header.
    pub protocol: Option<String>,
    pub origin: OriginChoice,
    pub server: Server,
}

impl Spec {
    fn request(&self) -> http::Request<()> {
        let mut request = http::Request::new(());
        *request.method_mut() = self.method.clone();
        *request.version_mut() = self.version;
        *request.uri_mut() = self.uri.clone();
        for (name, value) in &self.headers {
            request.headers_mut().append(name.clone(), value.clone());
        }
        if let Some(protocol) = &self.protocol {
            request
                .extensions_mut()
                .insert(hyper::ext::Protocol::from(protocol.as_str()));
        }
        request
    }
}

/// A subprotocol policy chosen at run time, delegating to the crate's own policies.
struct DynProtocols(Box<dyn SubprotocolPolicy>);

impl SubprotocolPolicy for DynProtocols {
    fn select<'a>(&self, offers: SubprotocolOffers<'a>) -> Option<&'a str> {
        self.0.select(offers)
    }

    fn is_required(&self) -> bool {
        self.0.is_required()
    }
}

/// The extension policies of [`Extensions`].
struct ModelExtensions(Extensions);

impl ExtensionPolicy for ModelExtensions {
    fn select(&self, mut offers: ExtensionOffers<'_>, _request: &Parts) -> AgreedExtensions {
        match self.0 {
            Extensions::None => AgreedExtensions::none(),
            Extensions::First => match offers.next() {
                Some(offer) => AgreedExtensions::new(
                    HeaderValue::from_str(offer.name()).expect("a token is a header value"),
                ),
                None => AgreedExtensions::none(),
            },
            Extensions::Unoffered => {
                AgreedExtensions::new(HeaderValue::from_static(model::UNOFFERED))
            }
            Extensions::Deflate(config) => PerMessageDeflate::new()
                .server_max_window_bits(config.server_bits)
                .client_max_window_bits(config.client_cap)
                .server_no_context_takeover(config.insist)
                .client_no_context_takeover(config.insist)
                .select(offers, _request),
        }
    }
}

fn origin_policy(choice: OriginChoice) -> impl Fn(&str, &Parts) -> bool + Send + Sync + 'static {
    let list = AllowedOrigins::new(ALLOWED);
    move |origin: &str, parts: &Parts| match choice {
        OriginChoice::Same => SameOrigin.is_allowed(origin, parts),
        OriginChoice::Any => AnyOrigin.is_allowed(origin, parts),
        OriginChoice::List => list.is_allowed(origin, parts),
        OriginChoice::XForwardedHost => forwarded(
            ForwardedSameOrigin::x_forwarded_host(),
            "x-forwarded-host",
            origin,
            parts,
        ),
        OriginChoice::Forwarded => {
            forwarded(ForwardedSameOrigin::forwarded(), "forwarded", origin, parts)
        }
    }
}

/// A forwarded-host policy's verdict, checked against `SameOrigin` where they must agree:
/// without the forwarding header the request is judged by its own `Host`.
fn forwarded(policy: ForwardedSameOrigin, header: &str, origin: &str, parts: &Parts) -> bool {
    let verdict = policy.is_allowed(origin, parts);
    if !parts.headers.contains_key(header) {
        assert_eq!(
            verdict,
            SameOrigin.is_allowed(origin, parts),
            "{policy:?} without {header} differs from SameOrigin on {origin:?}"
        );
    }
    // Several lines of the forwarding header are never trusted.
    if parts.headers.get_all(header).iter().count() > 1 {
        assert!(!verdict, "{policy:?} trusted several {header} lines");
    }
    verdict
}

fn protocol_policy(server: &Server) -> DynProtocols {
    let policy: Box<dyn SubprotocolPolicy> = match (server.preference, server.required) {
        (Preference::Server, false) => Box::new(ServerPreference::new(&server.subprotocols)),
        (Preference::Server, true) => {
            Box::new(ServerPreference::new(&server.subprotocols).required())
        }
        (Preference::Client, false) => Box::new(ClientPreference::new(&server.subprotocols)),
        (Preference::Client, true) => {
            Box::new(ClientPreference::new(&server.subprotocols).required())
        }
    };
    DynProtocols(policy)
}

/// What reached the inner service.
type Seen = Arc<Mutex<Option<Parts>>>;

/// Polls a future that must be ready at once: nothing in the layer waits.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("not ready on the first poll"),
    }
}

/// Runs `spec` through the layer and returns what it did, with the refusal's body text,
/// checking on the way that a refusal has a status of the table and the headers it
/// requires.
pub fn observe(spec: &Spec) -> (Outcome, String) {
    let layer = WebSocketLayer::new()
        .origin(axum_ws_handshake::policy::origin_fn(origin_policy(
            spec.origin,
        )))
        .require_origin(spec.server.require_origin)
        .subprotocol(protocol_policy(&spec.server))
        .versions(axum_ws_handshake::policy::SupportedVersions::new(
            spec.server.versions.iter().copied(),
        ))
        .extensions(ModelExtensions(spec.server.extensions));
    let seen: Seen = Arc::default();
    let inner = {
        let seen = Arc::clone(&seen);
        tower::service_fn(move |request: http::Request<()>| {
            let seen = Arc::clone(&seen);
            async move {
                // An upgrade attempt the layer accepted is answered as a WebSocket handler
                // answers it (the layer would replace anything else with a 404).
                let mut response = Response::new(Body::empty());
                if let Some(negotiated) = request.extensions().get::<Negotiated>()
                    && !negotiated.is_extended_connect()
                {
                    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                }
                *seen.lock().unwrap() = Some(request.into_parts().0);
                Ok::<_, Infallible>(response)
            }
        })
    };
    // A refusal is ready at once, and so is the inner service.
    let response = match ready(layer.layer(inner).oneshot(spec.request())) {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let seen = seen.lock().unwrap().take();
    match seen {
        None => {
            let status = response.status().as_u16();
            assert!(
                model::REFUSAL_STATUSES.contains(&status),
                "refused with {status}, not a status of the table"
            );
            let headers = response.headers();
            let http2 = matches!(spec.version, Version::HTTP_2 | Version::HTTP_3);
            if status == 426 {
                // RFC 6455 §4.4; RFC 9110 §15.5.22 and §7.8; over HTTP/2 neither
                // connection-specific header (RFC 9113 §8.2.2).
                if http2 {
                    assert!(!headers.contains_key(UPGRADE) && !headers.contains_key(CONNECTION));
                } else {
                    assert_eq!(headers.get(UPGRADE).unwrap(), "websocket");
                    assert_eq!(headers.get(CONNECTION).unwrap(), "upgrade");
                }
                let mut versions = spec.server.versions.clone();
                versions.sort_unstable_by(|a, b| b.cmp(a));
                versions.dedup();
                let listed = versions
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                assert_eq!(headers.get(SEC_WEBSOCKET_VERSION).unwrap(), &listed);
            } else {
                assert!(!headers.contains_key(UPGRADE), "{status} with Upgrade");
                assert!(!headers.contains_key(SEC_WEBSOCKET_VERSION));
            }
            let body = ready(axum::body::to_bytes(response.into_body(), 4096))
                .expect("a refusal's body is a short text");
            (
                Outcome::Refused(status),
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
        Some(parts) => {
            let negotiated = parts.extensions.get::<Negotiated>();
            let upgrade = negotiated.is_some_and(|n| !n.is_extended_connect());
            assert_eq!(
                response.status(),
                if upgrade { 101 } else { 200 },
                "the inner service's response"
            );
            // The layer writes the subprotocol it agreed into the answer, and nothing else.
            assert_eq!(
                response
                    .headers()
                    .get(SEC_WEBSOCKET_PROTOCOL)
                    .map(|p| p.to_str().unwrap()),
                negotiated.and_then(Negotiated::protocol),
            );
            // The layer never changes what it passes on, but for its `Negotiated`.
            assert_eq!(parts.method, spec.method);
            assert_eq!(parts.uri, spec.uri);
            assert_eq!(parts.headers, spec.request().headers().clone());
            let outcome = match parts.extensions.get::<Negotiated>() {
                None => Outcome::PassThrough,
                Some(negotiated) => Outcome::Accepted {
                    accept: negotiated.sec_websocket_accept().map(str::to_owned),
                    version: negotiated.version(),
                    protocol: negotiated.protocol().map(str::to_owned),
                    extensions: negotiated
                        .extensions()
                        .header()
                        .map(|h| model::canonical_extensions(h.to_str().unwrap())),
                },
            };
            (outcome, String::new())
        }
    }
}

/// What the model says `spec` must get.
pub fn expected(spec: &Spec) -> Outcome {
    let request = spec.request();
    let (parts, ()) = request.into_parts();
    let policy = origin_policy(spec.origin);
    model::expect(
        &model::Request {
            method: &parts.method,
            version: parts.version,
            uri: &parts.uri,
            headers: &parts.headers,
            protocol: spec.protocol.as_deref(),
        },
        &spec.server,
        |origin| policy(origin, &parts),
    )
}

/// Runs `spec` through the layer and asserts that it did what the model says; returns
/// the outcome.
pub fn check(spec: &Spec) -> Outcome {
    let (observed, body) = observe(spec);
    let expected = expected(spec);
    assert_eq!(
        observed, expected,
        "the layer and the model disagree on\n{spec:#?}\nthe layer's answer: {body:?}"
    );
    observed
}
