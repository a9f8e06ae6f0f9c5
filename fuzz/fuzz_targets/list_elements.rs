//! The list rule of RFC 9110 §5.6.1 (`Connection`, `Upgrade`, `Sec-WebSocket-Protocol`),
//! over header lines made of the input split at `\n`; and, on each line, the
//! `Sec-WebSocket-Key` check and the `Sec-WebSocket-Version` rule.
//!
//! Checks: the elements are exactly the model's (split at commas, OWS trimmed, empty
//! ones skipped); each is non-empty, trimmed and comma-free; writing them back as one
//! line (`a, b`) or one line each parses to the same elements; the key check and the
//! version rule agree with the model (a strict base64 decoder, `str::parse`), and an
//! accepted key gets the accept value of RFC 6455 §4.2.2.
#![no_main]

use axum_ws_handshake::fuzz as private;
use axum_ws_handshake_fuzz::{lines, model};
use http::HeaderValue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = lines(data);
    let elements = private::list_elements(&lines);

    // Lines that are not header values never reach the parser in a server.
    let valid = lines
        .iter()
        .copied()
        .filter(|line| HeaderValue::from_bytes(line).is_ok());
    let reference: Vec<&[u8]> = model::list_elements(valid);
    assert_eq!(elements, reference);

    for element in &elements {
        assert!(!element.is_empty());
        assert!(!element.contains(&b','));
        assert_eq!(model::trim_ows(element), element.as_slice());
    }

    let joined = elements.join(&b", "[..]);
    assert_eq!(private::list_elements(&[&joined]), elements);
    let one_per_line: Vec<&[u8]> = elements.iter().map(Vec::as_slice).collect();
    assert_eq!(private::list_elements(&one_per_line), elements);

    for line in &lines {
        let valid_key = private::is_valid_key(line);
        assert_eq!(valid_key, model::is_valid_key(line), "key {line:?}");
        if valid_key {
            assert_eq!(private::accept(line), model::accept_for(line));
        }
        assert_eq!(
            private::version(line),
            model::parse_version(line),
            "version {line:?}"
        );
    }
});
