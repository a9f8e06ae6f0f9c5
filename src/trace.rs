//! What the layer tells `tracing` (feature `tracing`, on by default), target
//! `axum_ws_handshake`: every refused handshake at DEBUG (a flood must not fill logs at
//! `info`), server bugs (500s) at WARN, accepted handshakes at TRACE. Fields are
//! captured only when the event is enabled, so without a subscriber it costs a level
//! check. The path is logged, never the query string, which may carry tokens; header
//! values are escaped and cut to [`MAX_VALUE`] bytes.

#[cfg(feature = "tracing")]
use std::fmt;

#[cfg(feature = "tracing")]
use http::HeaderValue;
#[cfg(feature = "tracing")]
use http::header::{ORIGIN, SEC_WEBSOCKET_VERSION};
use http::request::Parts;
use http::{Method, Uri};

use crate::{HandshakeError, Negotiated};

/// The longest header value logged; the rest is cut.
#[cfg(feature = "tracing")]
const MAX_VALUE: usize = 256;

/// A refusal by the layer, before the handler.
#[inline]
pub(crate) fn refused(error: &HandshakeError, request: &Parts) {
    #[cfg(feature = "tracing")]
    if enabled(error.status()) {
        let version = matches!(
            error,
            HandshakeError::MissingVersion { .. }
                | HandshakeError::DuplicateVersion { .. }
                | HandshakeError::UnsupportedVersion { .. }
        );
        Refusal {
            status: error.status(),
            reason: error.name(),
            request: Some((&request.method, &request.uri)),
            origin: request.headers.get(ORIGIN).map(value),
            version: version.then(|| Lines(request.headers.get_all(SEC_WEBSOCKET_VERSION))),
        }
        .log();
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (error, request);
}

/// An accepted handshake, handed to the handler. One level check when nothing listens.
#[inline(always)]
pub(crate) fn accepted(negotiated: &Negotiated, request: &Parts) {
    #[cfg(feature = "tracing")]
    if tracing::level_enabled!(tracing::Level::TRACE) {
        log_accepted(negotiated, request);
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (negotiated, request);
}

#[cfg(feature = "tracing")]
#[cold]
#[inline(never)]
fn log_accepted(negotiated: &Negotiated, request: &Parts) {
    tracing::event!(
        target: "axum_ws_handshake",
        tracing::Level::TRACE,
        method = %request.method,
        path = request.uri.path(),
        origin = negotiated.origin(),
        protocol = negotiated.protocol(),
        extensions = negotiated
            .extensions()
            .header()
            .map(|header| tracing::field::display(value(header))),
        "WebSocket handshake accepted"
    );
}

/// A refusal found in the handler's answer: a refusal of the handler's side, a 404 for
/// an answer that is no handshake, a 500 for a subprotocol mismatch.
pub(crate) fn answered(error: &HandshakeError, request: Option<(&Method, &Uri)>) {
    #[cfg(feature = "tracing")]
    if enabled(error.status()) {
        Refusal {
            status: error.status(),
            reason: error.name(),
            request,
            origin: None,
            version: None,
        }
        .log();
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (error, request);
}

/// Whether a refusal found in a handler's answer is logged with its request: DEBUG
/// enabled for this crate. At WARN alone, the 500s of that kind are logged without their
/// path, so that an app logging at `info` does not copy every handshake's target.
#[inline]
pub(crate) fn logs_answers() -> bool {
    #[cfg(feature = "tracing")]
    return tracing::enabled!(target: "axum_ws_handshake", tracing::Level::DEBUG);
    #[cfg(not(feature = "tracing"))]
    false
}

/// An upgrade that failed after the handshake response (the client went away first),
/// with no `on_failed_upgrade` callback to tell.
pub(crate) fn upgrade_failed(error: &crate::UpgradeError) {
    #[cfg(feature = "tracing")]
    tracing::event!(
        target: "axum_ws_handshake",
        tracing::Level::DEBUG,
        %error,
        "WebSocket upgrade failed"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A refusal by an extractor or a codec hand-off, with its status and stable name.
pub(crate) fn rejected(status: http::StatusCode, reason: &'static str, request: Option<&Parts>) {
    #[cfg(feature = "tracing")]
    if enabled(status) {
        Refusal {
            status,
            reason,
            request: request.map(|r| (&r.method, &r.uri)),
            origin: None,
            version: None,
        }
        .log();
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (status, reason, request);
}

/// Whether a refusal with `status` is logged: 500s, server bugs, at WARN; the rest at
/// DEBUG, a draining server's 503s included (one per attempt during a deploy).
#[cfg(feature = "tracing")]
fn enabled(status: http::StatusCode) -> bool {
    if status == http::StatusCode::INTERNAL_SERVER_ERROR {
        tracing::level_enabled!(tracing::Level::WARN)
    } else {
        tracing::level_enabled!(tracing::Level::DEBUG)
    }
}

/// One refusal's event: its fields, captured once the level is known to be enabled.
#[cfg(feature = "tracing")]
struct Refusal<'a> {
    status: http::StatusCode,
    reason: &'static str,
    request: Option<(&'a Method, &'a Uri)>,
    origin: Option<Escaped<'a>>,
    version: Option<Lines<'a>>,
}

#[cfg(feature = "tracing")]
impl Refusal<'_> {
    fn log(self) {
        use tracing::field::display;
        let method = self.request.map(|(method, _)| display(method));
        let path = self.request.map(|(_, uri)| uri.path());
        macro_rules! event {
            ($level:ident) => {
                tracing::event!(
                    target: "axum_ws_handshake",
                    tracing::Level::$level,
                    status = self.status.as_u16(),
                    reason = self.reason,
                    method,
                    path,
                    origin = self.origin.map(display),
                    version = self.version.map(display),
                    "WebSocket handshake refused"
                )
            };
        }
        if self.status == http::StatusCode::INTERNAL_SERVER_ERROR {
            event!(WARN);
        } else {
            event!(DEBUG);
        }
    }
}

/// A header value as sent: printable ASCII as it is, other bytes escaped, cut to
/// [`MAX_VALUE`] bytes.
#[cfg(feature = "tracing")]
fn value(value: &HeaderValue) -> Escaped<'_> {
    Escaped(value.as_bytes())
}

#[cfg(feature = "tracing")]
struct Escaped<'a>(&'a [u8]);

#[cfg(feature = "tracing")]
impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = self.0.len() > MAX_VALUE;
        for &b in &self.0[..self.0.len().min(MAX_VALUE)] {
            fmt::Display::fmt(&b.escape_ascii(), f)?;
        }
        if cut {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// Every line of a header, escaped, joined by `, `.
#[cfg(feature = "tracing")]
struct Lines<'a>(http::header::GetAll<'a, HeaderValue>);

#[cfg(feature = "tracing")]
impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            fmt::Display::fmt(&value(line), f)?;
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_cut() {
        let sent = HeaderValue::from_bytes(b"https://\xe9vil.test\t\"x\"").unwrap();
        assert_eq!(
            value(&sent).to_string(),
            "https://\\xe9vil.test\\t\\\"x\\\""
        );
        let long = HeaderValue::from_str(&"a".repeat(300)).unwrap();
        assert_eq!(value(&long).to_string(), format!("{}...", "a".repeat(256)));
    }
}
