//! The layer's look at the handler's answer to an attempt it accepted: the answer must
//! be a WebSocket answer, and speak the subprotocol the layer agreed.
//!
//! hyper decides an upgrade from the status alone, so a handler on axum's own
//! `WebSocketUpgrade` (which knows nothing of the layer's choice) or a route without any
//! WebSocket handler would otherwise open connections the client cannot use, or answer a
//! page: this is where the layer keeps RFC 6455 §4.2.2 for them.

use axum_core::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, SEC_WEBSOCKET_PROTOCOL};
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body::Body as _;

use crate::HandshakeError;
use crate::read::Attempt;
use crate::read::list::{Lines, ListElements};
use crate::trace::{self, LoggedRequest};

/// What the answer to an accepted attempt must agree with.
#[derive(Debug)]
pub(crate) struct Agreement {
    attempt: Attempt,
    protocol: Protocol,
    logged: LoggedRequest,
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
    /// For an attempt the layer accepted with `chosen`, the client having offered the
    /// subprotocols in `offers`.
    pub(crate) fn new(
        attempt: Attempt,
        chosen: Option<&HeaderValue>,
        offers: Lines<'_>,
        logged: LoggedRequest,
    ) -> Self {
        let protocol = match chosen {
            Some(chosen) => Protocol::Chosen(chosen.clone()),
            None => match offers.at_most_one() {
                Ok(None) => Protocol::NotOffered,
                Ok(Some(line)) => Protocol::Offered(line.clone()),
                Err(()) => Protocol::OfferedLines(offers.cloned().collect()),
            },
        };
        Self {
            attempt,
            protocol,
            logged,
        }
    }

    /// The answer the client gets: the handler's, with its subprotocol made to agree; a
    /// decline (3xx, 4xx, 5xx: RFC 6455 §4.2.2 steps 2–3) as it is; anything else, a 404.
    pub(crate) fn check(self, mut response: Response) -> Response {
        let status = response.status();
        if status.is_redirection() || status.is_client_error() || status.is_server_error() {
            return response;
        }
        let accepted = match self.attempt {
            Attempt::Upgrade => status == StatusCode::SWITCHING_PROTOCOLS,
            Attempt::ExtendedConnect => status.is_success() && is_tunnel(&response),
        };
        let settled = if accepted {
            self.protocol.settle(response.headers_mut())
        } else {
            Err(HandshakeError::NotWebSocketResource)
        };
        match settled {
            Ok(()) => response,
            // The request is gone, so the error hook, which is given the request, is not
            // called (docs/DECISIONS.md).
            Err(error) => {
                trace::answered(&error, &self.logged);
                error.into_response()
            }
        }
    }
}

impl Protocol {
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
