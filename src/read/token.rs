//! The `token` rule of RFC 9110 §5.6.2, which every WebSocket handshake list is made of.

/// `tchar` of RFC 9110 §5.6.2 as a lookup table: one load per byte, no branches on ranges.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = is_tchar_const(i as u8);
        i += 1;
    }
    table
};

/// `tchar`, for tables built at compile time.
pub(crate) const fn is_tchar_const(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// The transition table `[[next state; 256]; ROWS]` of a byte automaton whose states are
/// `0..STATES`, built at compile time from its `step(state, byte)` function; rows from
/// `STATES` on hold `reject`. Used by the list grammars' one-lookup-a-byte checks.
macro_rules! transition_table {
    ($step:ident, rows: $rows:expr, states: $states:expr, reject: $reject:expr) => {{
        let mut table = [[$reject; 256]; $rows];
        let mut at = 0;
        while at < $states {
            let mut b = 0;
            while b < 256 {
                table[at as usize][b] = $step(at, b as u8);
                b += 1;
            }
            at += 1;
        }
        table
    }};
}
pub(crate) use transition_table;

/// Whether `byte` may appear in a token.
#[inline]
pub(crate) fn is_tchar(byte: u8) -> bool {
    TCHAR[byte as usize]
}

/// Whether `bytes` is a non-empty `token` (RFC 9110 §5.6.2: `token = 1*tchar`).
#[inline]
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9110_5_6_2_token_characters() {
        for ok in ["websocket", "Upgrade", "chat.v2", "a!#$%&'*+-.^_`|~9"] {
            assert!(is_token(ok.as_bytes()), "{ok:?} is a token");
        }
        for bad in [
            "", "a b", "a,b", "a;b", "\"a\"", "a=b", "a/b", "é", "a\tb", "(a)",
        ] {
            assert!(!is_token(bad.as_bytes()), "{bad:?} is not a token");
        }
    }
}
