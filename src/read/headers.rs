//! The headers a handshake reads, found in one walk over the request's header map.

use http::HeaderMap;
use http::header::{
    CONNECTION, HOST, ORIGIN, SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL,
    SEC_WEBSOCKET_VERSION,
};

use super::list::Lines;

/// Declares [`HandshakeLines`], a field of lines per header, and the walk that fills it: each
/// header named once. The walk compares with the `const` names, one byte each for a
/// standard header (a `static` list compared at run time costs measurably more per
/// handshake: `cargo bench --bench instructions -- micro`); the lines
/// borrow the `static` copies, which outlive the request.
macro_rules! headers_read {
    ($($field:ident: $name:ident,)*) => {
        /// The lines of each header the handshake reads.
        #[derive(Debug)]
        pub(crate) struct HandshakeLines<'a> {
            $(pub(crate) $field: Lines<'a>,)*
        }

        mod names {
            $(pub(super) static $name: http::HeaderName = http::header::$name;)*
        }

        impl<'a> HandshakeLines<'a> {
            /// One walk over the map: cheaper than a lookup each (which hashes the name
            /// and probes) for the dozen or so headers a browser sends, and it notes
            /// repeated lines on the way.
            #[inline]
            pub(crate) fn walk(headers: &'a HeaderMap) -> Self {
                let mut lines = Self {
                    $($field: Lines::none(headers, &names::$name),)*
                };
                for (name, value) in headers {
                    $(if *name == $name {
                        lines.$field.push(value);
                        continue;
                    })*
                }
                lines
            }

            /// Each field with its header's name, for tests.
            #[cfg(test)]
            pub(crate) fn by_name(&self) -> Vec<(&'static http::HeaderName, &Lines<'a>)> {
                vec![$((&names::$name, &self.$field),)*]
            }
        }
    };
}

headers_read! {
    host: HOST,
    connection: CONNECTION,
    version: SEC_WEBSOCKET_VERSION,
    key: SEC_WEBSOCKET_KEY,
    origin: ORIGIN,
    protocols: SEC_WEBSOCKET_PROTOCOL,
    extensions: SEC_WEBSOCKET_EXTENSIONS,
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use http::header::UPGRADE;

    #[test]
    fn one_walk_finds_the_lines_each_lookup_finds() {
        let names: Vec<_> = HandshakeLines::walk(&HeaderMap::new())
            .by_name()
            .into_iter()
            .map(|(name, _)| name.clone())
            .collect();
        // Each header read with no line, one, or two lines that arrive apart, among
        // headers the handshake does not read.
        for lines_each in 0..=2 {
            for shift in 0..names.len() {
                let mut headers = HeaderMap::new();
                headers.append("x-custom", HeaderValue::from_static("x"));
                for round in 0..lines_each {
                    for i in 0..names.len() {
                        let name = names[(i + shift) % names.len()].clone();
                        let value = if round == 0 { "first" } else { "second" };
                        headers.append(name, HeaderValue::from_static(value));
                        headers.append(UPGRADE, HeaderValue::from_static("websocket"));
                    }
                }
                for (name, lines) in HandshakeLines::walk(&headers).by_name() {
                    let looked_up: Vec<_> = headers.get_all(name).iter().collect();
                    assert_eq!(looked_up.len(), lines_each, "{name}");
                    assert_eq!(lines.clone().collect::<Vec<_>>(), looked_up, "{name}");
                    let once = match looked_up.as_slice() {
                        [] => Ok(None),
                        [one] => Ok(Some(*one)),
                        _ => Err(()),
                    };
                    assert_eq!(lines.at_most_one(), once, "{name}");
                }
            }
        }
    }
}
