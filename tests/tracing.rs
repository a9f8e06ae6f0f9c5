//! What the layer tells `tracing`: one event per refusal at DEBUG (500s at WARN) with
//! the status, a stable reason, the method, the path without its query, the `Origin`
//! escaped and cut, and the version offered; accepted handshakes at TRACE; the
//! extractor's rejections; nothing at `info`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::{any, get};
use axum_ws_handshake::policy::{
    AgreedExtensions, ExtensionOffers, ExtensionPolicy, KUBERNETES_BEARER_PREFIX, Required,
    subprotocol_fn,
};
use axum_ws_handshake::{WebSocketLayer, WebSocketUpgrade};
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode};
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// One captured event: its level, target and fields as text.
#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
}

/// Held while a test's subscriber is set.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The events `app` logs, up to `max` level, while answering `request`; and its status.
async fn events(
    app: Router,
    request: Request<Body>,
    max: LevelFilter,
) -> (StatusCode, Vec<Captured>) {
    let (status, events) = all_events(app, request, max).await;
    let ours = events
        .into_iter()
        .filter(|e| e.target == "axum_ws_handshake")
        .collect();
    (status, ours)
}

/// [`events`], with the handler's and every other target's.
async fn all_events(
    app: Router,
    request: Request<Body>,
    max: LevelFilter,
) -> (StatusCode, Vec<Captured>) {
    // One test at a time: tracing caches each callsite's interest, and the highest level
    // any subscriber wants, across all threads; a callsite first reached on one test's
    // thread while another test sets its subscriber could keep "never" (an event missed
    // about once in twenty runs of this file before).
    let _serial = SERIAL.lock().await;
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone().with_filter(max));
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let response = app.oneshot(request).await.unwrap();
    let events = capture.0.lock().unwrap().clone();
    (response.status(), events)
}

/// A browser's handshake for `uri`, from `origin`, with `edit` applied.
fn handshake(uri: &str, origin: &[u8], edit: impl FnOnce(&mut http::HeaderMap)) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    let headers = request.headers_mut();
    headers.insert("host", HeaderValue::from_static("app.example"));
    headers.insert("upgrade", HeaderValue::from_static("websocket"));
    headers.insert("connection", HeaderValue::from_static("Upgrade"));
    headers.insert(
        "sec-websocket-key",
        HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
    );
    headers.insert("sec-websocket-version", HeaderValue::from_static("13"));
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("chat, superchat"),
    );
    headers.insert("origin", HeaderValue::from_bytes(origin).unwrap());
    edit(headers);
    // What hyper puts in every request it could upgrade (this one never will).
    let on_upgrade = hyper::upgrade::on(&mut request);
    request.extensions_mut().insert(on_upgrade);
    request
}

async fn accept(ws: WebSocketUpgrade) -> Response {
    ws.accept().0
}

fn app() -> Router {
    Router::new()
        .route("/ws", any(accept))
        .route("/page", get(|| async { "a page" }))
        .layer(WebSocketLayer::new().subprotocols(["chat"]))
}

#[tokio::test]
async fn a_refusal_is_one_debug_event_with_the_path_but_not_the_query() {
    let request = handshake("/ws?token=secret", b"https://evil.example", |_| {});
    let (status, events) = events(app(), request, LevelFilter::TRACE).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let [event] = events.as_slice() else {
        panic!("{events:#?}")
    };
    assert_eq!(event.level, Level::DEBUG);
    assert_eq!(event.field("status"), Some("403"));
    assert_eq!(event.field("reason"), Some("origin_refused"));
    assert_eq!(event.field("method"), Some("GET"));
    assert_eq!(event.field("path"), Some("/ws"));
    assert_eq!(event.field("origin"), Some("https://evil.example"));
    assert_eq!(event.field("version"), None);
    assert!(
        !format!("{events:?}").contains("secret"),
        "the query string is never logged"
    );
}

#[tokio::test]
async fn a_version_refusal_names_the_version_offered() {
    let request = handshake("/ws", b"https://app.example", |h| {
        h.insert("sec-websocket-version", HeaderValue::from_static("8"));
    });
    let (status, events) = events(app(), request, LevelFilter::DEBUG).await;
    assert_eq!(status, StatusCode::UPGRADE_REQUIRED);
    let [event] = events.as_slice() else {
        panic!("{events:#?}")
    };
    assert_eq!(event.field("reason"), Some("unsupported_version"));
    assert_eq!(event.field("version"), Some("8"));
}

#[tokio::test]
async fn origins_are_logged_escaped_and_cut_to_256_bytes() {
    let mut origin = b"https://\xe9vil.example/".to_vec();
    origin.extend(std::iter::repeat_n(b'a', 400));
    let request = handshake("/ws", &origin, |_| {});
    let (status, events) = events(app(), request, LevelFilter::DEBUG).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let logged = events[0].field("origin").unwrap();
    assert!(
        logged.starts_with("https://\\xe9vil.example/aaa"),
        "{logged}"
    );
    assert!(logged.ends_with("a..."), "{logged}");
    assert_eq!(logged.len(), 256 + 3 + 3, "{logged}");
}

#[tokio::test]
async fn an_accepted_handshake_is_a_trace_event_with_what_was_agreed() {
    let request = handshake("/ws", b"https://app.example", |_| {});
    let (status, events) = events(app(), request, LevelFilter::TRACE).await;
    assert_eq!(status, StatusCode::SWITCHING_PROTOCOLS);
    let [event] = events.as_slice() else {
        panic!("{events:#?}")
    };
    assert_eq!(event.level, Level::TRACE);
    assert_eq!(event.field("protocol"), Some("chat"));
    assert_eq!(event.field("origin"), Some("https://app.example"));
}

#[tokio::test]
async fn a_credential_offered_as_a_subprotocol_is_in_no_event() {
    const MARKER: &str = "c2VjcmV0LW1hcmtlci10b2tlbg";
    /// A handler that logs everything the layer handed it, as an app might.
    async fn logging(ws: WebSocketUpgrade) -> Response {
        let credential = ws.credential().expect("the layer took the credential out");
        assert_eq!(credential.expose(), MARKER);
        tracing::trace!(negotiated = ?ws.negotiated(), %credential, "handler");
        ws.accept().0
    }
    // Policies that would choose any offer, the client's first: the credential is first.
    let app = |required: bool| {
        let layer = WebSocketLayer::new().subprotocol_credential(KUBERNETES_BEARER_PREFIX);
        let route = any(logging);
        if required {
            let layer = layer.subprotocol(Required(subprotocol_fn(|_: &str| true)));
            Router::new().route("/ws", route.layer(layer))
        } else {
            let layer = layer.subprotocol(subprotocol_fn(|_: &str| true));
            Router::new().route("/ws", route.layer(layer))
        }
    };
    let offer = |offers: &str| {
        let offers = HeaderValue::from_str(offers).unwrap();
        move |headers: &mut http::HeaderMap| {
            headers.insert("sec-websocket-protocol", offers);
        }
    };
    let with_chat = format!("{KUBERNETES_BEARER_PREFIX}{MARKER}, chat");
    let alone = format!("{KUBERNETES_BEARER_PREFIX}{MARKER}");
    let cases = [
        // Accepted: the layer's TRACE event, and the handler's.
        (
            app(false),
            handshake("/ws", b"https://app.example", offer(&with_chat)),
            101,
            2,
        ),
        // Refused by the required policy, and by the origin policy.
        (
            app(true),
            handshake("/ws", b"https://app.example", offer(&alone)),
            400,
            1,
        ),
        (
            app(false),
            handshake("/ws", b"https://evil.example", offer(&with_chat)),
            403,
            1,
        ),
    ];
    for (app, request, status, count) in cases {
        let (answered, events) = all_events(app, request, LevelFilter::TRACE).await;
        assert_eq!(answered.as_u16(), status, "{events:#?}");
        assert_eq!(events.len(), count, "{events:#?}");
        assert!(!format!("{events:?}").contains(MARKER), "{events:#?}");
    }
}

#[tokio::test]
async fn nothing_is_logged_at_info() {
    for request in [
        handshake("/ws", b"https://evil.example", |_| {}),
        handshake("/ws", b"https://app.example", |_| {}),
        handshake("/page", b"https://app.example", |_| {}),
        Request::get("/ws").body(Body::empty()).unwrap(),
    ] {
        let (_, events) = events(app(), request, LevelFilter::INFO).await;
        assert!(events.is_empty(), "{events:#?}");
    }
}

#[tokio::test]
async fn rfc6455_4_2_2_a_404_for_a_page_is_logged_with_method_and_path() {
    let request = handshake("/page?x=1", b"https://app.example", |_| {});
    let (status, events) = events(app(), request, LevelFilter::DEBUG).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let [event] = events.as_slice() else {
        panic!("{events:#?}")
    };
    assert_eq!(event.level, Level::DEBUG);
    assert_eq!(event.field("reason"), Some("not_websocket_resource"));
    assert_eq!(event.field("method"), Some("GET"));
    assert_eq!(event.field("path"), Some("/page"));
}

#[tokio::test]
async fn server_bugs_are_warnings() {
    /// Accepts an extension nobody offered.
    struct Unoffered;
    impl ExtensionPolicy for Unoffered {
        fn select(&self, _: ExtensionOffers<'_>, _: &Parts) -> AgreedExtensions {
            AgreedExtensions::new(HeaderValue::from_static("x-unoffered"))
        }
    }
    let app = Router::new()
        .route("/ws", any(accept))
        .layer(WebSocketLayer::new().extensions(Unoffered));
    let request = handshake("/ws", b"https://app.example", |_| {});
    let (status, events) = events(app, request, LevelFilter::WARN).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let [event] = events.as_slice() else {
        panic!("{events:#?}")
    };
    assert_eq!(event.level, Level::WARN);
    assert_eq!(event.field("reason"), Some("extension_not_offered"));
}

#[tokio::test]
async fn the_extractors_rejections_are_logged() {
    // Not an upgrade attempt: 426 at DEBUG.
    let request = Request::get("/ws").body(Body::empty()).unwrap();
    let (status, events) = events(app(), request, LevelFilter::DEBUG).await;
    assert_eq!(status, StatusCode::UPGRADE_REQUIRED);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].level, Level::DEBUG);
    assert_eq!(events[0].field("reason"), Some("not_upgrade_attempt"));

    // An attempt that skipped the layer: a server bug, 500 at WARN.
    let bare = Router::new().route("/ws", any(accept));
    let request = handshake("/ws", b"https://app.example", |_| {});
    let (status, events) = self::events(bare, request, LevelFilter::WARN).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].field("reason"), Some("layer_missing"));
    assert_eq!(events[0].field("path"), Some("/ws"));
}

#[test]
fn a_service_answers_alike_with_and_without_a_subscriber() {
    // The events only watch: the same refusal, with and without anyone listening.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let request = || handshake("/ws", b"https://evil.example", |_| {});
    // Under the lock too: the first event at a callsite registers it, and a registration
    // racing another test's subscriber can cache "never" for that callsite.
    let quiet = runtime
        .block_on(async {
            let _serial = SERIAL.lock().await;
            app().oneshot(request()).await
        })
        .unwrap()
        .status();
    let (loud, _) = runtime.block_on(events(app(), request(), LevelFilter::TRACE));
    assert_eq!(quiet, loud);
}
