//! Whether an upgrade attempt is a well-formed opening handshake (RFC 6455 §4.2.1), and
//! the parts of it the negotiation needs.

use http::HeaderValue;
use http::request::Parts;

use super::authority::is_authority;
use super::headers::HandshakeLines;
use super::list::{Lines, UPGRADE_TOKEN, contains_token, trim_ows};
use super::{Attempt, extension_offers, key, subprotocol_offers};
use crate::HandshakeError;

/// The parts of a well-formed handshake that the negotiation and the answer need.
#[derive(Debug)]
pub(crate) struct ClientHandshake<'a> {
    /// The host the request was sent to, if it is a valid `host[:port]`: the authority of
    /// the request target (HTTP/2's `:authority`, an absolute-form target), or else `Host`.
    pub(crate) host: Option<&'a str>,
    /// `Sec-WebSocket-Key`, trimmed; `None` over HTTP/2, which has no key (RFC 8441 §5).
    pub(crate) key: Option<&'a [u8]>,
    pub(crate) version: u8,
    pub(crate) origin: Option<&'a HeaderValue>,
    /// `Sec-WebSocket-Protocol`, a valid `1#token` list (or absent).
    pub(crate) protocols: Lines<'a>,
    /// `Sec-WebSocket-Extensions`, a valid `extension-list` (or absent).
    pub(crate) extensions: Lines<'a>,
}

impl<'a> ClientHandshake<'a> {
    /// Checks the handshake against RFC 6455 §4.2.1 and the grammars of §4.3 and §9.1,
    /// with `version_rule`, the server's, deciding the `Sec-WebSocket-Version` lines
    /// (§4.4).
    ///
    /// The version is decided before the key is read, so that a draft-hixie-76 request
    /// (which has `Sec-WebSocket-Key1`/`Key2` and no version) learns which version to
    /// speak.
    #[inline]
    pub(crate) fn read(
        parts: &'a Parts,
        attempt: Attempt,
        version_rule: impl FnOnce(&Lines<'a>) -> Result<u8, HandshakeError>,
    ) -> Result<Self, HandshakeError> {
        let HandshakeLines {
            host,
            connection,
            version,
            key,
            origin,
            protocols,
            extensions,
        } = HandshakeLines::walk(&parts.headers);
        let target = parts.uri.authority().map(|authority| authority.as_str());
        let host = if attempt == Attempt::Upgrade {
            // RFC 6455 §4.2.1 item 2; RFC 9112 §3.2: exactly one valid Host in HTTP/1.1.
            let host = host
                .at_most_one()
                .map_err(|()| HandshakeError::DuplicateHost)?
                .ok_or(HandshakeError::MissingHost)?;
            if !is_authority(host.as_bytes()) {
                return Err(HandshakeError::InvalidHost);
            }
            // §4.2.1 item 4.
            if !contains_token(connection, UPGRADE_TOKEN) {
                return Err(HandshakeError::ConnectionNotUpgrade);
            }
            match target {
                None => host.to_str().ok(),
                Some(target) => is_authority(target.as_bytes()).then_some(target),
            }
        } else {
            // RFC 8441 §4: the :authority pseudo-header plays the role of Host.
            let target = target.ok_or(HandshakeError::MissingHost)?;
            is_authority(target.as_bytes()).then_some(target)
        };

        // §4.2.1 item 6, §4.4.
        let version = version_rule(&version)?;

        // §4.2.1 item 5, §11.3.1.
        let key = if attempt == Attempt::Upgrade {
            let value = key
                .at_most_one()
                .map_err(|()| HandshakeError::DuplicateKey)?
                .ok_or(HandshakeError::MissingKey)?;
            let key = trim_ows(value.as_bytes());
            if !key::is_valid_key(key) {
                return Err(HandshakeError::InvalidKey);
            }
            Some(key)
        } else {
            None
        };

        // RFC 6454 §7.3: one Origin at most.
        let origin = origin
            .at_most_one()
            .map_err(|()| HandshakeError::DuplicateOrigin)?;

        // §4.3: Sec-WebSocket-Protocol-Client = 1#token.
        if !subprotocol_offers::is_valid(protocols.clone()) {
            return Err(HandshakeError::InvalidProtocolHeader);
        }
        // §9.1: extension-list.
        if !extension_offers::is_valid(extensions.clone()) {
            return Err(HandshakeError::InvalidExtensionsHeader);
        }

        Ok(Self {
            host,
            key,
            version,
            origin,
            protocols,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{SupportedVersions, version};
    use http::header::{
        CONNECTION, HOST, ORIGIN, SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_KEY,
        SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE,
    };
    use http::{HeaderMap, Request};

    /// A valid RFC 6455 handshake with `edit` applied to its headers.
    fn read(edit: impl FnOnce(&mut HeaderMap)) -> Result<(Option<Vec<u8>>, u8), HandshakeError> {
        let mut request = Request::get("/chat").body(()).unwrap();
        let headers = request.headers_mut();
        headers.insert(HOST, HeaderValue::from_static("server.example.com"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(
            SEC_WEBSOCKET_KEY,
            HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
        );
        headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        edit(headers);
        let (parts, ()) = request.into_parts();
        ClientHandshake::read(&parts, Attempt::Upgrade, |lines| {
            version::apply(SupportedVersions::default(), lines)
        })
        .map(|h| (h.key.map(<[u8]>::to_vec), h.version))
    }

    fn set(name: http::HeaderName, value: &'static str) -> impl FnOnce(&mut HeaderMap) {
        move |h| {
            h.insert(name, HeaderValue::from_static(value));
        }
    }

    fn add(name: http::HeaderName, value: &'static str) -> impl FnOnce(&mut HeaderMap) {
        move |h| {
            h.append(name, HeaderValue::from_static(value));
        }
    }

    #[test]
    fn rfc6455_4_2_1_the_rfc_example_is_valid() {
        assert_eq!(
            read(|_| {}),
            Ok((Some(b"dGhlIHNhbXBsZSBub25jZQ==".to_vec()), 13))
        );
    }

    #[test]
    fn rfc6455_4_2_1_item_2_host_is_required_once() {
        assert_eq!(
            read(|h| drop(h.remove(HOST))),
            Err(HandshakeError::MissingHost)
        );
        assert_eq!(
            read(add(HOST, "other.example.com")),
            Err(HandshakeError::DuplicateHost)
        );
    }

    #[test]
    fn rfc6455_4_2_1_item_4_connection_must_contain_upgrade() {
        assert!(read(set(CONNECTION, "keep-alive, Upgrade")).is_ok());
        assert!(
            read(|h| {
                h.insert(CONNECTION, HeaderValue::from_static("keep-alive"));
                h.append(CONNECTION, HeaderValue::from_static("upgrade"));
            })
            .is_ok()
        );
        for bad in ["keep-alive", "x-upgrade", "upgraded", ""] {
            assert_eq!(
                read(set(CONNECTION, bad)),
                Err(HandshakeError::ConnectionNotUpgrade),
                "{bad:?}"
            );
        }
        assert_eq!(
            read(|h| drop(h.remove(CONNECTION))),
            Err(HandshakeError::ConnectionNotUpgrade)
        );
    }

    #[test]
    fn rfc6455_4_2_1_item_5_key_once_and_16_bytes() {
        assert_eq!(
            read(|h| drop(h.remove(SEC_WEBSOCKET_KEY))),
            Err(HandshakeError::MissingKey)
        );
        assert_eq!(
            read(add(SEC_WEBSOCKET_KEY, "AAAAAAAAAAAAAAAAAAAAAA==")),
            Err(HandshakeError::DuplicateKey)
        );
        assert_eq!(
            read(set(SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ")),
            Err(HandshakeError::InvalidKey)
        );
        assert_eq!(
            read(set(SEC_WEBSOCKET_KEY, "AAAAAAAAAAAAAAAAAAAAAAAA")),
            Err(HandshakeError::InvalidKey)
        );
        assert_eq!(
            read(set(SEC_WEBSOCKET_KEY, "")),
            Err(HandshakeError::InvalidKey)
        );
    }

    #[test]
    fn rfc6455_4_4_version_once_and_supported() {
        let supported = SupportedVersions::default();
        assert_eq!(
            read(|h| drop(h.remove(SEC_WEBSOCKET_VERSION))),
            Err(HandshakeError::MissingVersion { supported })
        );
        assert_eq!(
            read(add(SEC_WEBSOCKET_VERSION, "13")),
            Err(HandshakeError::DuplicateVersion { supported })
        );
        for bad in ["8", "14", "013", "13, 8", "abc", ""] {
            assert_eq!(
                read(set(SEC_WEBSOCKET_VERSION, bad)),
                Err(HandshakeError::UnsupportedVersion { supported }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rfc6455_4_4_hixie76_gets_the_version_list() {
        let hixie = |h: &mut HeaderMap| {
            h.remove(SEC_WEBSOCKET_KEY);
            h.remove(SEC_WEBSOCKET_VERSION);
            h.insert(
                "sec-websocket-key1",
                HeaderValue::from_static("4 @1  46546xW%0l 1 5"),
            );
            h.insert(
                "sec-websocket-key2",
                HeaderValue::from_static("12998 5 Y3 1  .P00"),
            );
        };
        assert_eq!(
            read(hixie),
            Err(HandshakeError::MissingVersion {
                supported: SupportedVersions::default()
            })
        );
    }

    #[test]
    fn rfc6454_7_3_one_origin_at_most() {
        assert!(read(set(ORIGIN, "http://a.test")).is_ok());
        assert_eq!(
            read(|h| {
                h.append(ORIGIN, HeaderValue::from_static("http://a.test"));
                h.append(ORIGIN, HeaderValue::from_static("http://b.test"));
            }),
            Err(HandshakeError::DuplicateOrigin)
        );
    }

    #[test]
    fn rfc6455_4_3_protocol_and_extension_grammar() {
        assert!(read(set(SEC_WEBSOCKET_PROTOCOL, "chat, superchat")).is_ok());
        assert!(
            read(set(SEC_WEBSOCKET_PROTOCOL, "")).is_ok(),
            "an all-empty list offers nothing"
        );
        assert_eq!(
            read(set(SEC_WEBSOCKET_PROTOCOL, "chat, super chat")),
            Err(HandshakeError::InvalidProtocolHeader)
        );
        assert_eq!(
            read(add(SEC_WEBSOCKET_PROTOCOL, "a/b")),
            Err(HandshakeError::InvalidProtocolHeader)
        );
        assert!(
            read(set(
                SEC_WEBSOCKET_EXTENSIONS,
                "permessage-deflate; client_max_window_bits"
            ))
            .is_ok()
        );
        assert_eq!(
            read(set(SEC_WEBSOCKET_EXTENSIONS, "permessage-deflate; =")),
            Err(HandshakeError::InvalidExtensionsHeader)
        );
    }
}
