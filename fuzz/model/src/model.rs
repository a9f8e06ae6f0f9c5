//! A reference model of what the layer must answer, written from the RFCs and the
//! README's status table, independently of the crate's parsers: list headers are split
//! with `str::split`, keys are checked with the `base64` crate's strict decoder, the
//! extension grammar is read part by part after splitting on `,` and `;`.
//!
//! Where the RFCs leave a choice, the model follows docs/DECISIONS.md.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{
    CONNECTION, HOST, ORIGIN, SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL,
    SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::{HeaderMap, HeaderName, Method, Uri, Version};
use sha1::{Digest, Sha1};

/// RFC 6455 §1.3.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The statuses the layer may answer with (README "Responses"; `HandshakeError::status`).
pub const REFUSAL_STATUSES: [u16; 4] = [400, 403, 426, 500];

/// How the subprotocol is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    /// `ServerPreference`: the first of the server's list that the client offered.
    Server,
    /// `ClientPreference`: the client's first offer that the server lists.
    Client,
}

/// What the extension policy of the harness does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extensions {
    /// `NoExtensions`.
    None,
    /// Accepts the client's first offer, by name, without parameters.
    First,
    /// Accepts `x-unoffered` whatever was offered: a buggy policy, answered 500 unless
    /// the client happened to offer it (RFC 6455 §4.2.2 /extensions/).
    Unoffered,
    /// `PerMessageDeflate` (RFC 7692) with these limits.
    Deflate(Deflate),
}

/// A `PerMessageDeflate` configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deflate {
    /// `server_max_window_bits`, 8..=15.
    pub server_bits: u8,
    /// `client_max_window_bits`, 8..=15.
    pub client_cap: u8,
    /// `server_no_context_takeover(true)` and `client_no_context_takeover(true)`.
    pub insist: bool,
}

impl Deflate {
    /// `PerMessageDeflate::new()`.
    pub const DEFAULT: Self = Self {
        server_bits: 12,
        client_cap: 15,
        insist: false,
    };
    /// The widest server window, a bounded client window, no context takeover.
    pub const STRICT: Self = Self {
        server_bits: 15,
        client_cap: 10,
        insist: true,
    };
}

/// An RFC 7692 §7.1 offer's parameters.
struct DeflateOffer {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: offered without a value.
    client_max_window_bits: Option<Option<u8>>,
}

/// RFC 7692 §7.1.2: "a decimal integer (without leading zeros) in the range of 8 to 15".
fn window_bits(value: &str) -> Option<u8> {
    // Digits only: Rust's integer parser also takes a leading `+`, which the RFC does not.
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u8 = value.parse().ok()?;
    ((8..=15).contains(&bits) && !value.starts_with('0') && value.len() <= 2).then_some(bits)
}

/// Reads a permessage-deflate offer (RFC 7692 §7): `None` if it is another extension or
/// must be declined (§7.1: an unknown parameter, a repeated one, an invalid value).
fn deflate_offer((name, params): &Offer) -> Option<DeflateOffer> {
    if !name.eq_ignore_ascii_case("permessage-deflate") {
        return None;
    }
    let mut offer = DeflateOffer {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: None,
        client_max_window_bits: None,
    };
    let mut seen = Vec::new();
    for (pname, value) in params {
        let pname = pname.to_ascii_lowercase();
        if seen.contains(&pname) {
            return None;
        }
        seen.push(pname.clone());
        match (pname.as_str(), value.as_deref()) {
            ("server_no_context_takeover", None) => offer.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => offer.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => {
                offer.server_max_window_bits = Some(window_bits(v)?)
            }
            ("client_max_window_bits", None) => offer.client_max_window_bits = Some(None),
            ("client_max_window_bits", Some(v)) => {
                offer.client_max_window_bits = Some(Some(window_bits(v)?))
            }
            _ => return None,
        }
    }
    Some(offer)
}

/// The response's parameters for an acceptable offer, sorted: RFC 7692 §7.1.1–7.1.2
/// under the limits of `config`, with the crate's choices where the RFC allows several
/// (documented on `PerMessageDeflate`): the server announces a window below 15 even when
/// not asked; a bounded client window needs the offer's `client_max_window_bits`; a
/// `*_no_context_takeover` offered is sent back.
fn deflate_response(
    offer: &DeflateOffer,
    config: Deflate,
) -> Option<Vec<(String, Option<String>)>> {
    let mut params = Vec::new();
    // §7.1.1.1: must be sent back if offered; may be sent unasked.
    if offer.server_no_context_takeover || config.insist {
        params.push(("server_no_context_takeover".to_owned(), None));
    }
    // §7.1.1.2: the server may send it unasked.
    if offer.client_no_context_takeover || config.insist {
        params.push(("client_no_context_takeover".to_owned(), None));
    }
    // §7.1.2.1: if offered, the response carries a value no larger.
    match offer.server_max_window_bits {
        Some(offered) => params.push((
            "server_max_window_bits".to_owned(),
            Some(offered.min(config.server_bits).to_string()),
        )),
        None if config.server_bits < 15 => params.push((
            "server_max_window_bits".to_owned(),
            Some(config.server_bits.to_string()),
        )),
        None => {}
    }
    // §7.1.2.2: only if offered, with a value no larger than an offered one.
    match offer.client_max_window_bits {
        None if config.client_cap < 15 => return None,
        None => {}
        Some(None) if config.client_cap < 15 => params.push((
            "client_max_window_bits".to_owned(),
            Some(config.client_cap.to_string()),
        )),
        Some(None) => {}
        Some(Some(offered)) if config.client_cap < offered => params.push((
            "client_max_window_bits".to_owned(),
            Some(config.client_cap.to_string()),
        )),
        Some(Some(_)) => {}
    }
    params.sort();
    Some(params)
}

/// An extension response header in a canonical form: parsed, parameters sorted, written
/// back. Two responses that say the same are equal in this form.
pub fn canonical_extensions(header: &str) -> String {
    let Some(mut offers) = extension_offers([header.as_bytes()]) else {
        return format!("<malformed: {header}>");
    };
    for (_, params) in &mut offers {
        params.sort();
    }
    serialize_offers(&offers, false)
}

/// The name the [`Extensions::Unoffered`] policy accepts.
pub const UNOFFERED: &str = "x-unoffered";

/// The server configuration the model knows.
#[derive(Debug, Clone)]
pub struct Server {
    pub require_origin: bool,
    pub subprotocols: Vec<String>,
    pub preference: Preference,
    pub required: bool,
    pub versions: Vec<u8>,
    pub extensions: Extensions,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            require_origin: false,
            subprotocols: Vec::new(),
            preference: Preference::Server,
            required: false,
            versions: vec![13],
            extensions: Extensions::None,
        }
    }
}

/// What the layer must do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not an upgrade attempt: the inner service gets it untouched.
    PassThrough,
    /// Refused by the layer with this status; the inner service is not called.
    Refused(u16),
    /// Accepted: the inner service gets it with a `Negotiated` holding these.
    Accepted {
        /// `Sec-WebSocket-Accept` (HTTP/1.1), `None` over HTTP/2.
        accept: Option<String>,
        version: u8,
        protocol: Option<String>,
        /// The response's `Sec-WebSocket-Extensions`.
        extensions: Option<String>,
    },
}

/// A request as the layer sees it.
pub struct Request<'a> {
    pub method: &'a Method,
    pub version: Version,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    /// The HTTP/2 `:protocol` pseudo-header (RFC 8441 §4).
    pub protocol: Option<&'a str>,
}

/// `tchar` of RFC 9110 §5.6.2, spelled out.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `token = 1*tchar`.
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

/// Trims `OWS = *( SP / HTAB )` from both ends.
pub fn trim_ows(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// RFC 9110 §5.6.1: the non-empty elements of a list header over all of `lines`.
pub fn list_elements<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Vec<&'a [u8]> {
    lines
        .into_iter()
        .flat_map(|line| line.split(|&b| b == b','))
        .map(trim_ows)
        .filter(|e| !e.is_empty())
        .collect()
}

fn lines<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Vec<&'a [u8]> {
    headers.get_all(name).iter().map(|v| v.as_bytes()).collect()
}

fn has_token(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    list_elements(lines(headers, name))
        .iter()
        .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
}

/// RFC 6455 §4.2.1 item 5: padded base64 of exactly 16 bytes, canonical (RFC 4648 §3.5).
pub fn is_valid_key(key: &[u8]) -> bool {
    key.len() == 24 && STANDARD.decode(key).is_ok_and(|d| d.len() == 16)
}

/// RFC 6455 §4.2.2 step 5.4.
pub fn accept_for(key: &[u8]) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key);
    sha1.update(GUID.as_bytes());
    STANDARD.encode(sha1.finalize())
}

/// RFC 6455 §4.3 `version`: `DIGIT / (NZDIGIT DIGIT) / ("1" DIGIT DIGIT) / ("2" DIGIT2 DIGIT)`.
pub fn parse_version(value: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(value).ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse::<u8>().ok()
}

/// One parsed offer: the extension's name and its `(param, unescaped value)`s.
pub type Offer = (String, Vec<(String, Option<String>)>);

/// RFC 6455 §9.1 `extension-list` over every line, or `None` if any line is malformed.
/// Empty list elements are skipped (RFC 9110 §5.6.1). Quoted values must unescape to a
/// token, so neither `,` nor `;` nor `"` can appear in a valid one, and splitting on them
/// first is safe: an invalid header still comes out invalid.
pub fn extension_offers<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<Offer>> {
    let mut offers = Vec::new();
    for line in lines {
        for element in line.split(|&b| b == b',') {
            let element = trim_ows(element);
            if element.is_empty() {
                continue;
            }
            let mut parts = element.split(|&b| b == b';');
            let name = trim_ows(parts.next()?);
            if !is_token(name) {
                return None;
            }
            let mut params = Vec::new();
            for part in parts {
                let part = trim_ows(part);
                let (pname, value) = match part.iter().position(|&b| b == b'=') {
                    None => (part, None),
                    Some(eq) => (
                        trim_ows(&part[..eq]),
                        Some(param_value(trim_ows(&part[eq + 1..]))?),
                    ),
                };
                if !is_token(pname) {
                    return None;
                }
                params.push((ascii(pname), value));
            }
            offers.push((ascii(name), params));
        }
    }
    Some(offers)
}

/// `token / quoted-string`, where the quoted string must unescape to a token.
fn param_value(value: &[u8]) -> Option<String> {
    if is_token(value) {
        return Some(ascii(value));
    }
    let inner = value.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::new();
    let mut bytes = inner.iter();
    while let Some(&b) = bytes.next() {
        let c = if b == b'\\' { *bytes.next()? } else { b };
        if !is_tchar(c) {
            return None;
        }
        out.push(c);
    }
    (!out.is_empty()).then(|| ascii(&out))
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("tokens are ASCII")
}

/// Writes offers back as one header value: `name; p=v; q, other`.
pub fn serialize_offers(offers: &[Offer], quote_values: bool) -> String {
    offers
        .iter()
        .map(|(name, params)| {
            let mut out = name.clone();
            for (pname, value) in params {
                out.push_str("; ");
                out.push_str(pname);
                if let Some(value) = value {
                    if quote_values {
                        out.push_str(&format!("=\"{value}\""));
                    } else {
                        out.push('=');
                        out.push_str(value);
                    }
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// RFC 9112 §3.2 `Host = uri-host [ ":" port ]`, RFC 3986 §3.2.2–3.2.3: an IP literal
/// (IPv6 as `std::net::Ipv6Addr` reads it, or IPvFuture), or a non-empty reg-name
/// (IPv4 addresses are reg-names too); a port of digits that fits 16 bits, or empty.
pub fn is_valid_host(value: &[u8]) -> bool {
    host_check(value, is_ip_literal)
}

fn host_check(value: &[u8], is_ip_literal: impl Fn(&str) -> bool) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    let (host_ok, port) = if let Some(rest) = text.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => "",
            _ => match after.strip_prefix(':') {
                Some(port) => port,
                None => return false,
            },
        };
        (is_ip_literal(literal), port)
    } else {
        let (host, port) = text.split_once(':').unwrap_or((text, ""));
        (is_reg_name(host), port)
    };
    host_ok
        && port.bytes().all(|b| b.is_ascii_digit())
        && (port.is_empty() || port.parse::<u16>().is_ok())
}

fn is_unreserved_or_sub_delim(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b)
}

/// `reg-name = *( unreserved / pct-encoded / sub-delims )`, here non-empty.
fn is_reg_name(host: &str) -> bool {
    let bytes = host.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if !(i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit())
            {
                return false;
            }
            i += 3;
        } else if is_unreserved_or_sub_delim(bytes[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    !bytes.is_empty()
}

/// `IPv6address / IPvFuture` between the brackets of an `IP-literal`.
fn is_ip_literal(literal: &str) -> bool {
    if let Some(future) = literal.strip_prefix(['v', 'V']) {
        return future.split_once('.').is_some_and(|(version, rest)| {
            !version.is_empty()
                && version.bytes().all(|b| b.is_ascii_hexdigit())
                && !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b == b':' || is_unreserved_or_sub_delim(b))
        });
    }
    literal.parse::<std::net::Ipv6Addr>().is_ok()
}

/// `HeaderValue::to_str` succeeds: visible ASCII and HTAB only.
fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// What the layer must answer. `origin_allowed` is the origin policy's verdict (the
/// policies are public types with their own unit tests; the model checks how the layer
/// uses them: when, with which value, and what a refusal is).
pub fn expect(
    request: &Request<'_>,
    server: &Server,
    origin_allowed: impl Fn(&str) -> bool,
) -> Outcome {
    use Outcome::*;
    let headers = request.headers;
    // Is it an attempt? RFC 6455 §4.1 (HTTP/1.1 GET + Upgrade), RFC 9110 §7.8 (ignore
    // Upgrade in HTTP/1.0), RFC 8441 §4 (HTTP/2 extended CONNECT).
    let http11_or_later = !matches!(request.version, Version::HTTP_09 | Version::HTTP_10);
    let http2_or_later = matches!(request.version, Version::HTTP_2 | Version::HTTP_3);
    let upgrade = *request.method == Method::GET
        && http11_or_later
        && has_token(headers, &UPGRADE, "websocket");
    let connect = *request.method == Method::CONNECT
        && http2_or_later
        && request.protocol == Some("websocket");
    if !upgrade && !connect {
        return PassThrough;
    }

    // Checks in the README's order; the first failure answers.
    if upgrade {
        match lines(headers, &HOST).as_slice() {
            [host] if is_valid_host(host) => {}
            _ => return Refused(400),
        }
        if !has_token(headers, &CONNECTION, "upgrade") {
            return Refused(400);
        }
    } else if request.uri.authority().is_none() {
        return Refused(400);
    }
    let version_lines = lines(headers, &SEC_WEBSOCKET_VERSION);
    let version = match version_lines.as_slice() {
        [one] => match parse_version(one) {
            Some(v) if server.versions.contains(&v) => v,
            _ => return Refused(426),
        },
        _ => return Refused(426),
    };
    let key = if upgrade {
        match lines(headers, &SEC_WEBSOCKET_KEY).as_slice() {
            [one] if is_valid_key(trim_ows(one)) => Some(trim_ows(one)),
            _ => return Refused(400),
        }
    } else {
        None
    };
    let origins = lines(headers, &ORIGIN);
    if origins.len() > 1 {
        return Refused(400);
    }
    let offers = list_elements(lines(headers, &SEC_WEBSOCKET_PROTOCOL));
    if !offers.iter().all(|o| is_token(o)) {
        return Refused(400);
    }
    let Some(extension_offers) = extension_offers(lines(headers, &SEC_WEBSOCKET_EXTENSIONS)) else {
        return Refused(400);
    };
    match origins.first() {
        None if server.require_origin => return Refused(403),
        None => {}
        Some(origin)
            if !is_visible_ascii(origin)
                || !origin_allowed(std::str::from_utf8(origin).expect("ASCII")) =>
        {
            return Refused(403);
        }
        Some(_) => {}
    }
    let offers: Vec<&str> = offers
        .iter()
        .map(|o| std::str::from_utf8(o).expect("tokens are ASCII"))
        .collect();
    let protocol = match server.preference {
        Preference::Server => server
            .subprotocols
            .iter()
            .find(|s| offers.contains(&s.as_str()))
            .cloned(),
        Preference::Client => offers
            .iter()
            .find(|o| server.subprotocols.iter().any(|s| s == *o))
            .map(|o| o.to_string()),
    };
    if protocol.is_none() && server.required {
        return Refused(400);
    }
    let extensions = match server.extensions {
        Extensions::None => None,
        Extensions::First => extension_offers.first().map(|(name, _)| name.clone()),
        Extensions::Deflate(config) => extension_offers
            .iter()
            .find_map(|offer| deflate_response(&deflate_offer(offer)?, config))
            .map(|params| serialize_offers(&[("permessage-deflate".to_owned(), params)], false)),
        Extensions::Unoffered => {
            if !extension_offers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(UNOFFERED))
            {
                return Refused(500);
            }
            Some(UNOFFERED.to_owned())
        }
    };
    Accepted {
        accept: key.map(accept_for),
        version,
        protocol,
        extensions,
    }
}
