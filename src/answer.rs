//! The layer's look at the handler's answer to an attempt it accepted: the answer must
//! be a WebSocket answer, and speak the subprotocol the layer agreed.
//!
//! hyper decides an upgrade from the status alone, so a handler on axum's own
//! `WebSocketUpgrade` (which knows nothing of the layer's choice) or a route without any
//! WebSocket handler would otherwise open connections the client cannot use, or answer a
//! page: this is where the layer keeps RFC 6455 §4.2.2 for them.

use axum_core::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, SEC_WEBSOCKET_PROTOCOL};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, Version};
use http_body::Body as _;

use crate::HandshakeError;
use crate::on_error::{self, OnError};
use crate::read::Attempt;
use crate::read::list::{Lines, ListElements};
use crate::trace;

/// What the answer to an accepted attempt must agree with.
#[derive(Debug)]
pub(crate) struct Agreement {
    attempt: Attempt,
    protocol: Protocol,
    /// The request's head, for a refusal found in the handler's answer, the request itself
    /// having gone to the handler; kept only when something will read it (see
    /// [`Agreement::new`]). Boxed: it rides in every accepted attempt's response future.
    request: Option<Box<RequestHead>>,
    /// Whether a layer outside this one negotiated the attempt too. This one, the
    /// innermost, decided what the handler got; its answer is marked [`Settled`] so that
    /// the outer layer leaves it as it is.
    nested: bool,
}

/// What the error hook and the log are shown of the request of a refusal found in the
/// handler's answer.
#[derive(Debug)]
struct RequestHead {
    method: Method,
    uri: Uri,
    version: Version,
}

impl RequestHead {
    /// What the attempt implies of its request: `GET` over HTTP/1.1, or `CONNECT` over
    /// HTTP/2, for the target `/`.
    fn implied_by(attempt: Attempt) -> Self {
        let (method, version) = match attempt {
            Attempt::Upgrade => (Method::GET, Version::HTTP_11),
            Attempt::ExtendedConnect => (Method::CONNECT, Version::HTTP_2),
        };
        Self {
            method,
            uri: Uri::default(),
            version,
        }
    }

    /// The request parts the hook is given: this head, no headers.
    fn into_parts(self) -> Parts {
        let (mut parts, ()) = Request::new(()).into_parts();
        (parts.method, parts.uri, parts.version) = (self.method, self.uri, self.version);
        parts
    }
}

/// The mark of an answer that an inner layer has checked: an outer layer passes it on
/// untouched, so that nested layers cannot disagree on what was agreed.
#[derive(Debug, Clone, Copy)]
struct Settled;

/// A refusal made on the handler's side (a codec that cannot speak what was agreed),
/// carried to the layer in the answer's extensions so that it goes through the error
/// hook like every other refusal.
#[derive(Debug, Clone)]
struct HandlerRefusal(HandshakeError);

/// The answer of a handler that refuses the handshake with `error`: the default
/// response, which the layer hands to its error hook.
pub(crate) fn refusal(error: HandshakeError) -> Response {
    // The layer looks for these on 500s only: the handler's side refuses for server bugs.
    debug_assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = error.clone().into_response();
    response.extensions_mut().insert(HandlerRefusal(error));
    response
}

/// The subprotocol rule for the answer (RFC 6455 §4.2.2 /subprotocol/).
#[derive(Debug)]
enum Protocol {
    /// The layer chose this one: the answer carries it, or it is added; another is a 500.
    Chosen(HeaderValue),
    /// The layer chose none: a handler's choice among the client's offers stands,
    /// another is removed. The client's one `Sec-WebSocket-Protocol` line...
    Offered(HeaderValue),
    /// ... or its several lines (rare: boxed, to keep every other answer's check small).
    OfferedLines(Box<[HeaderValue]>),
    /// ... or none: any choice of the handler's is removed.
    NotOffered,
}

impl Agreement {
    /// For `request`'s attempt, which the layer accepted with `chosen`, the client having
    /// offered the subprotocols in `offers`. The request's head is copied if `keep_request`:
    /// when the error hook may read it (any hook but the default, which ignores it) or a
    /// refusal's log event would name it. Otherwise a refusal shows the hook the method
    /// and version the attempt implies, and the target `/`.
    ///
    /// Offers starting with `credentials` carry a credential: a handler's choice of one
    /// is removed from the answer as one not offered, so that the secret never goes back
    /// on the wire, nor into a log of the response.
    pub(crate) fn new(
        request: &Parts,
        attempt: Attempt,
        chosen: Option<&HeaderValue>,
        offers: Lines<'_>,
        credentials: Option<&[u8]>,
        keep_request: bool,
    ) -> Self {
        let protocol = match (chosen, credentials) {
            (Some(chosen), _) => Protocol::Chosen(chosen.clone()),
            (None, Some(prefix)) => Protocol::offered_beside(offers, prefix),
            (None, None) => match offers.at_most_one() {
                Ok(None) => Protocol::NotOffered,
                Ok(Some(line)) => Protocol::Offered(line.clone()),
                Err(()) => Protocol::OfferedLines(offers.cloned().collect()),
            },
        };
        Self {
            attempt,
            protocol,
            request: keep_request.then(|| {
                Box::new(RequestHead {
                    method: request.method.clone(),
                    uri: request.uri.clone(),
                    version: request.version,
                })
            }),
            nested: false,
        }
    }

    /// Notes that a layer outside this one negotiated the attempt too.
    pub(crate) fn nested(mut self, nested: bool) -> Self {
        self.nested = nested;
        self
    }

    /// The answer the client gets: the handler's, with its subprotocol made to agree; a
    /// decline (3xx, 4xx, 5xx: RFC 6455 §4.2.2 steps 2–3) as it is; a refusal of the
    /// handler's side or an answer that is no handshake (a page: 404), through `on_error`.
    pub(crate) fn check<H: OnError>(self, mut response: Response, on_error: &H) -> Response {
        if response.extensions().get::<Settled>().is_some() {
            return response;
        }
        let Self {
            attempt,
            protocol,
            request,
            nested,
        } = self;
        let status = response.status();
        let error =
            if status.is_redirection() || status.is_client_error() || status.is_server_error() {
                match handler_refusal(&mut response) {
                    Some(error) => error,
                    None => return settled(response, nested),
                }
            } else {
                let accepted = match attempt {
                    Attempt::Upgrade => status == StatusCode::SWITCHING_PROTOCOLS,
                    Attempt::ExtendedConnect => status.is_success() && is_tunnel(&response),
                };
                let agreed = if accepted {
                    protocol.settle(response.headers_mut())
                } else {
                    Err(HandshakeError::NotWebSocketResource)
                };
                match agreed {
                    Ok(()) => return settled(response, nested),
                    Err(error) => error,
                }
            };
        let head = match request {
            Some(head) => {
                trace::answered(&error, Some((&head.method, &head.uri)));
                *head
            }
            None => {
                trace::answered(&error, None);
                RequestHead::implied_by(attempt)
            }
        };
        settled(
            on_error::respond(on_error, error, &head.into_parts()),
            nested,
        )
    }
}

/// `response`, marked for the layers outside this one if there are any.
#[inline]
pub(crate) fn settled(mut response: Response, nested: bool) -> Response {
    if nested {
        response.extensions_mut().insert(Settled);
    }
    response
}

/// The refusal a handler's side answered with, if this is one (a 500: cheap to tell
/// from every other answer before the extensions are looked at).
fn handler_refusal(response: &mut Response) -> Option<HandshakeError> {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return None;
    }
    response
        .extensions_mut()
        .remove::<HandlerRefusal>()
        .map(|HandlerRefusal(error)| error)
}

impl Protocol {
    /// The rule for offers some of which are credentials: the others, in a line of
    /// their own (rare: only requests that carry a credential pay for it).
    #[cold]
    #[inline(never)]
    fn offered_beside(offers: Lines<'_>, prefix: &[u8]) -> Self {
        let others: Vec<&[u8]> = ListElements::new(offers)
            .filter(|offer| !offer.starts_with(prefix))
            .collect();
        if others.is_empty() {
            return Self::NotOffered;
        }
        match HeaderValue::from_bytes(&others.join(&b", "[..])) {
            Ok(line) => Self::Offered(line),
            Err(_) => Self::NotOffered,
        }
    }

    #[inline]
    fn settle(self, headers: &mut HeaderMap) -> Result<(), HandshakeError> {
        let answered = Answered::find(headers);
        match (self, answered) {
            (Self::Chosen(chosen), Answered::None) => {
                headers.insert(SEC_WEBSOCKET_PROTOCOL, chosen);
            }
            (Self::Chosen(chosen), Answered::One(answer)) if same(answer, &chosen) => {}
            (Self::Chosen(_), _) => return Err(HandshakeError::HandlerSubprotocolMismatch),
            (_, Answered::None) => {}
            (offers, answered) => {
                let lines = match &offers {
                    Self::Offered(line) => std::slice::from_ref(line),
                    Self::OfferedLines(lines) => lines,
                    _ => &[],
                };
                let offered = matches!(answered, Answered::One(answer)
                    if ListElements::new(lines.iter()).any(|offer| offer == answer.as_bytes()));
                if !offered {
                    headers.remove(SEC_WEBSOCKET_PROTOCOL);
                }
            }
        }
        Ok(())
    }
}

/// The answer's `Sec-WebSocket-Protocol`, found by a walk over its few headers (cheaper
/// than hashing the name for a lookup).
enum Answered<'a> {
    None,
    One(&'a HeaderValue),
    Several,
}

impl<'a> Answered<'a> {
    #[inline]
    fn find(headers: &'a HeaderMap) -> Self {
        let mut found = Self::None;
        for (name, value) in headers {
            if *name == SEC_WEBSOCKET_PROTOCOL {
                found = match found {
                    Self::None => Self::One(value),
                    _ => Self::Several,
                };
            }
        }
        found
    }
}

/// Equal values; this crate's own extractor answers with the very value chosen, told by
/// its address without comparing bytes.
fn same(answer: &HeaderValue, chosen: &HeaderValue) -> bool {
    let (answer, chosen) = (answer.as_bytes(), chosen.as_bytes());
    std::ptr::eq(answer, chosen) || answer == chosen
}

/// Whether a 2xx to an extended CONNECT opens the tunnel as a WebSocket handshake does:
/// an empty body already at its end, with no `Content-Type` or `Content-Length`. No signal
/// is perfect: a handler that answers an empty 200 of its own looks the same.
fn is_tunnel(response: &Response) -> bool {
    let headers = response.headers();
    response.body().is_end_stream()
        && !headers.contains_key(CONTENT_TYPE)
        && !headers.contains_key(CONTENT_LENGTH)
}
