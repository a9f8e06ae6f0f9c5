//! Entry points for the fuzz targets in `fuzz/` and the parsers' property tests: the
//! private parsers, callable on arbitrary input. Built only under `--cfg fuzzing` (which
//! cargo-fuzz sets) and for the unit tests; not part of the API.

use http::header::{CONNECTION, HeaderMap, HeaderValue, SEC_WEBSOCKET_EXTENSIONS};

fn headers(name: http::HeaderName, lines: &[&[u8]]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in lines {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            map.append(name.clone(), value);
        }
    }
    map
}

/// The elements of a list header made of `lines` (RFC 9110 §5.6.1).
pub fn list_elements(lines: &[&[u8]]) -> Vec<Vec<u8>> {
    let map = headers(CONNECTION, lines);
    crate::read::list::ListElements::new(map.get_all(CONNECTION).iter())
        .map(<[u8]>::to_vec)
        .collect()
}

/// The offers of a `Sec-WebSocket-Extensions` header made of `lines`, as
/// `(name, [(param, value)])`, or `None` if it is malformed (RFC 6455 §9.1).
#[allow(clippy::type_complexity)]
pub fn extension_offers(lines: &[&[u8]]) -> Option<Vec<(String, Vec<(String, Option<String>)>)>> {
    let map = headers(SEC_WEBSOCKET_EXTENSIONS, lines);
    if !crate::read::extension_offers::is_valid(map.get_all(SEC_WEBSOCKET_EXTENSIONS)) {
        return None;
    }
    let offers = crate::policy::ExtensionOffers::new(&map, &SEC_WEBSOCKET_EXTENSIONS);
    Some(
        offers
            .map(|offer| {
                let params = offer
                    .params()
                    .map(|p| (p.name().to_owned(), p.value().map(|v| v.into_owned())))
                    .collect();
                (offer.name().to_owned(), params)
            })
            .collect(),
    )
}

/// Whether `key` is a valid `Sec-WebSocket-Key` (RFC 6455 §4.2.1 item 5).
pub fn is_valid_key(key: &[u8]) -> bool {
    crate::read::key::is_valid_key(key)
}

/// `Sec-WebSocket-Accept` for `key` (RFC 6455 §4.2.2).
pub fn accept(key: &[u8]) -> String {
    crate::read::key::AcceptKey::for_key(key)
        .as_str()
        .to_owned()
}

/// A `Sec-WebSocket-Version` value read by RFC 6455 §4.3's `version` rule.
pub fn version(value: &[u8]) -> Option<u8> {
    crate::read::version::parse(value)
}

#[cfg(test)]
mod proptests;
