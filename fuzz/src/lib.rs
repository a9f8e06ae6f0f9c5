//! Support for the fuzz targets: the decoding of fuzz input into requests; the
//! reference model and the harness that drives the real layer come from
//! `axum-ws-handshake-model` (`fuzz/model/`), which the property tests share.

pub use axum_ws_handshake_model::{harness, model};

use harness::{OriginChoice, Spec};
use http::{HeaderName, HeaderValue, Method, Uri, Version};
use model::{Deflate, Extensions, Preference, Server};

/// The subprotocols the server of a decoded input may support, most preferred first.
const PROTOCOLS: [&str; 3] = ["chat.v2", "chat.v1", "echo"];

/// Splits fuzz bytes into lines at `\n`, dropping one `\r` before it.
pub fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect()
}

/// Decodes a request target's input: two bytes of server configuration, then a request
/// written like HTTP/1.1 text, so that the seed corpus is readable and the fuzzer's
/// mutations stay close to real handshakes:
///
/// ```text
/// <2 config bytes>GET /chat HTTP/1.1
/// Host: server.example.com
/// Upgrade: websocket
/// ...
/// ```
///
/// Configuration: byte 0 bits 0–1 the origin policy (0 `SameOrigin`, 1 `AnyOrigin`,
/// 2 `AllowedOrigins`, 3 `ForwardedSameOrigin`: `X-Forwarded-Host` if byte 1 / 5 is even,
/// `Forwarded` if odd), bit 2 `require_origin`, bits 3–4 how many of `chat.v2, chat.v1,
/// echo` the server supports, bit 5 client preference, bit 6 `required`, bit 7 versions
/// `{13, 8, 7}` instead of `{13}`; byte 1 modulo 5 the extension policy (none, accept
/// the first offer, accept one never offered, `PerMessageDeflate` with its defaults or
/// with [`Deflate::STRICT`]).
///
/// The first line is `METHOD TARGET VERSION` (versions `HTTP/0.9`, `HTTP/1.0`,
/// `HTTP/1.1`, `HTTP/2`, `HTTP/3`); each following line is `name:value`, one space after
/// the colon dropped, the value otherwise as written (leading and trailing whitespace,
/// obs-text and all). A `:protocol` line sets the HTTP/2 `:protocol` pseudo-header.
/// Lines that `http` cannot represent (an invalid method, header name or value) are what
/// hyper never hands to a service: the method or target makes the input skipped, a bad
/// header line is dropped.
pub fn decode_request(data: &[u8]) -> Option<Spec> {
    let [config, extensions, text @ ..] = data else {
        return None;
    };
    let config = *config;
    let lines = lines(text);
    let (request_line, header_lines) = lines.split_first()?;
    let mut parts = request_line.splitn(3, |&b| b == b' ');
    let method = Method::from_bytes(parts.next()?).ok()?;
    let uri = Uri::try_from(parts.next()?).ok()?;
    let version = match parts.next()? {
        b"HTTP/0.9" => Version::HTTP_09,
        b"HTTP/1.0" => Version::HTTP_10,
        b"HTTP/1.1" => Version::HTTP_11,
        b"HTTP/2" | b"HTTP/2.0" => Version::HTTP_2,
        b"HTTP/3" | b"HTTP/3.0" => Version::HTTP_3,
        _ => return None,
    };
    let mut headers = Vec::new();
    let mut protocol = None;
    for line in header_lines {
        if let Some(value) = line.strip_prefix(b":protocol:") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            protocol = Some(String::from_utf8(value.to_vec()).ok()?);
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = &line[colon + 1..];
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            headers.push((name, value));
        }
    }
    Some(Spec {
        method,
        version,
        uri,
        headers,
        protocol,
        origin: match (config & 0b11, extensions / 5 % 2) {
            (0, _) => OriginChoice::Same,
            (1, _) => OriginChoice::Any,
            (2, _) => OriginChoice::List,
            (_, 0) => OriginChoice::XForwardedHost,
            _ => OriginChoice::Forwarded,
        },
        server: Server {
            require_origin: config & 0b100 != 0,
            subprotocols: PROTOCOLS[..usize::from(config >> 3 & 0b11)]
                .iter()
                .map(|p| p.to_string())
                .collect(),
            preference: if config & 0b10_0000 != 0 {
                Preference::Client
            } else {
                Preference::Server
            },
            required: config & 0b100_0000 != 0,
            versions: if config & 0b1000_0000 != 0 {
                vec![13, 8, 7]
            } else {
                vec![13]
            },
            extensions: match extensions % 5 {
                0 => Extensions::None,
                1 => Extensions::First,
                2 => Extensions::Unoffered,
                3 => Extensions::Deflate(Deflate::DEFAULT),
                _ => Extensions::Deflate(Deflate::STRICT),
            },
        },
    })
}
