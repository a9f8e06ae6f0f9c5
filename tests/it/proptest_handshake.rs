//! Property tests (proptest) of the handshake: generated requests through the real
//! `WebSocketLayer` service, checked against the reference model shared with the fuzz
//! targets (`axum-ws-handshake-model`, in `fuzz/model/`). The parsers' own property
//! tests are unit tests (`src/fuzz/proptests.rs`).
//!
//! - every generated request gets exactly what the model says, so never a handler call
//!   (the 101) for an invalid one; and a valid handshake with any one defect is refused;
//! - a chosen subprotocol is always one the client offered and the server supports;
//! - an accepted key's accept value is RFC 6455's.
//!
//! Case counts are set per property below (`PROPTEST_CASES` overrides them all).

use axum_ws_handshake_model::harness::{self, OriginChoice, Spec};
use axum_ws_handshake_model::model::{self, Deflate, Extensions, Outcome, Preference, Server};
use axum_ws_handshake_model::strategies::{config, offer};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderName, HeaderValue, Method, Uri, Version};
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

const SUBPROTOCOLS: [&str; 3] = ["chat.v2", "chat.v1", "echo"];

/// A header line from `values`, as bytes (some are not ASCII).
fn pick(values: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> + Clone {
    select(values).prop_map(<[u8]>::to_vec)
}

/// Mostly one of `valid`, sometimes one of `invalid`.
fn mostly(
    valid: &'static [&'static [u8]],
    invalid: &'static [&'static [u8]],
) -> impl Strategy<Value = Vec<u8>> + Clone {
    prop_oneof![19 => pick(valid), 1 => pick(invalid)]
}

/// Zero to three lines of one header, one line most often.
fn lines(value: impl Strategy<Value = Vec<u8>> + Clone) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop_oneof![
        1 => Just(Vec::new()),
        30 => value.clone().prop_map(|v| vec![v]),
        1 => proptest::collection::vec(value, 2..=3),
    ]
}

fn host() -> impl Strategy<Value = Vec<u8>> + Clone {
    mostly(
        &[
            b"server.example.com",
            b"a.test",
            b"a.test:8080",
            b"A.Test:80",
            b"127.0.0.1:3000",
            b"[::1]:3000",
            b"a.test:",
        ],
        &[
            b"[zz]",
            b"",
            b"a b",
            b"a:b",
            b"a.test:65536",
            b"a/b",
            b"caf\xc3\xa9.test",
        ],
    )
}

fn upgrade() -> impl Strategy<Value = Vec<u8>> + Clone {
    mostly(
        &[
            b"websocket",
            b"WebSocket",
            b"h2c, websocket",
            b"websocket, h2c",
            b" websocket\t",
        ],
        &[b"websocket/13", b"websockets", b"x-websocket", b"", b","],
    )
}

fn connection() -> impl Strategy<Value = Vec<u8>> + Clone {
    mostly(
        &[
            b"Upgrade",
            b"upgrade",
            b"keep-alive, Upgrade",
            b"Upgrade, keep-alive",
        ],
        &[b"keep-alive", b"x-upgrade", b"upgraded", b"", b", ,"],
    )
}

/// A valid key for 16 random bytes, sometimes with OWS around it, or a near miss.
fn key() -> impl Strategy<Value = Vec<u8>> + Clone {
    let valid = any::<[u8; 16]>().prop_map(|bytes| STANDARD.encode(bytes).into_bytes());
    let padded = (valid.clone(), select(&[" ", "\t", "  "][..])).prop_map(|(key, ows)| {
        let mut out = ows.as_bytes().to_vec();
        out.extend_from_slice(&key);
        out.extend_from_slice(ows.as_bytes());
        out
    });
    let alphabet: Vec<u8> = b"ABCDQgw+/=-_ AZaz09".to_vec();
    let noise = proptest::collection::vec(select(alphabet), 20..=26);
    let edited =
        (valid.clone(), 0..24usize, select(&b"=-_ A\xff"[..])).prop_map(|(mut key, at, byte)| {
            key[at] = byte;
            key
        });
    prop_oneof![
        32 => valid,
        4 => padded,
        1 => noise,
        2 => edited,
        1 => pick(&[b"AAAAAAAAAAAAAAAAAAAAAB==", b"dGhlIHNhbXBsZSBub25jZQ", b""]),
    ]
}

fn version() -> impl Strategy<Value = Vec<u8>> + Clone {
    mostly(
        &[b"13", b"13", b"13", b"13", b"13", b"8", b"7"],
        &[b"0", b"255", b"256", b"013", b"13, 8", b"", b"abc", b" 13"],
    )
}

fn origin() -> impl Strategy<Value = Vec<u8>> + Clone {
    mostly(
        &[
            b"http://server.example.com",
            b"http://a.test",
            b"http://a.test:8080",
            b"https://a.example.com",
            b"https://b.a.example.com:443",
            b"HTTP://A.TEST",
        ],
        &[
            b"null",
            b"http://evil.test",
            b"http://a.test.evil.test",
            b"http://caf\xc3\xa9.test",
            b"",
        ],
    )
}

/// Subprotocol offers: a list of tokens with OWS and empty elements, or a bad element.
fn protocols() -> impl Strategy<Value = Vec<u8>> + Clone {
    let names = select(
        &[
            "chat.v1", "chat.v2", "echo", "chat.v1", "chat.v2", "Chat.V1", "x", "",
        ][..],
    );
    let list = (
        proptest::collection::vec(names, 1..=4),
        select(&[",", ", ", " ,\t"][..]),
    )
        .prop_map(|(names, sep)| names.join(sep).into_bytes());
    prop_oneof![
        19 => list,
        1 => pick(&[b"chat, super chat", b"a/b", b"chat;v=1", b"\"chat\"", b"caf\xc3\xa9"]),
    ]
}

/// RFC 7692 offers: permessage-deflate with a subset of its parameters, values valid or
/// not, sometimes a repeated one, sometimes several offers.
fn deflate_offers() -> impl Strategy<Value = Vec<u8>> + Clone {
    let param = select(
        &[
            "server_no_context_takeover",
            "client_no_context_takeover",
            "server_max_window_bits=8",
            "server_max_window_bits=10",
            "server_max_window_bits=15",
            "client_max_window_bits",
            "client_max_window_bits=9",
            "client_max_window_bits=\"12\"",
            "client_max_window_bits=15",
            "server_max_window_bits=16",
            "server_max_window_bits",
            "client_max_window_bits=010",
            "x_unknown",
        ][..],
    );
    let offer = proptest::collection::vec(param, 0..=4).prop_map(|params| {
        let mut offer = "permessage-deflate".to_owned();
        for param in params {
            offer.push_str("; ");
            offer.push_str(param);
        }
        offer
    });
    proptest::collection::vec(offer, 1..=3).prop_map(|offers| offers.join(", ").into_bytes())
}

fn extensions() -> impl Strategy<Value = Vec<u8>> + Clone {
    let written = (proptest::collection::vec(offer(), 1..=3), any::<bool>())
        .prop_map(|(offers, quoted)| model::serialize_offers(&offers, quoted).into_bytes());
    prop_oneof![
        16 => written,
        12 => deflate_offers(),
        2 => pick(&[b"", b" , ,", b"a; x = \"1\\0\" , b"]),
        2 => pick(&[
            b"a b", b"a;", b"a; x=", b"a; x=\"\"", b"a; x=\"1,2\"", b"a; x=\"1", b";x",
            b"\"a\"", b"a; x=(1)", b"caf\xc3\xa9",
        ]),
    ]
}

fn server() -> impl Strategy<Value = Server> {
    (
        any::<bool>(),
        proptest::sample::subsequence(SUBPROTOCOLS.to_vec(), 0..=3),
        any::<bool>(),
        any::<bool>(),
        select(vec![
            vec![13u8],
            vec![13],
            vec![13],
            vec![13, 8, 7],
            vec![8],
        ]),
        select(
            &[
                Extensions::None,
                Extensions::First,
                Extensions::Unoffered,
                Extensions::Deflate(Deflate::DEFAULT),
                Extensions::Deflate(Deflate::STRICT),
            ][..],
        ),
    )
        .prop_flat_map(
            |(require_origin, protocols, client, required, versions, extensions)| {
                // The server's order of preference is part of the policy: shuffle it.
                Just(protocols)
                    .prop_shuffle()
                    .prop_map(move |subprotocols| Server {
                        require_origin,
                        subprotocols: subprotocols.into_iter().map(str::to_owned).collect(),
                        preference: if client {
                            Preference::Client
                        } else {
                            Preference::Server
                        },
                        required,
                        versions: versions.clone(),
                        extensions,
                    })
            },
        )
}

/// Named header lines, each header with zero to three lines.
type Lines = Vec<(HeaderName, Vec<Vec<u8>>)>;

fn header_lines() -> impl Strategy<Value = Lines> {
    use http::header::*;
    (
        lines(host()),
        lines(upgrade()),
        lines(connection()),
        lines(key()),
        lines(version()),
        prop_oneof![2 => Just(Vec::new()), 1 => lines(origin())],
        prop_oneof![1 => Just(Vec::new()), 1 => lines(protocols())],
        prop_oneof![1 => Just(Vec::new()), 1 => lines(extensions())],
        prop_oneof![2 => Just(Vec::new()), 1 => lines(forwarding())],
        prop_oneof![2 => Just(Vec::new()), 1 => lines(forwarding())],
    )
        .prop_map(|(h, u, c, k, v, o, p, e, xfh, fwd)| {
            vec![
                (HOST, h),
                (UPGRADE, u),
                (CONNECTION, c),
                (SEC_WEBSOCKET_KEY, k),
                (SEC_WEBSOCKET_VERSION, v),
                (ORIGIN, o),
                (SEC_WEBSOCKET_PROTOCOL, p),
                (SEC_WEBSOCKET_EXTENSIONS, e),
                (HeaderName::from_static("x-forwarded-host"), xfh),
                (FORWARDED, fwd),
            ]
        })
}

fn spec_from(
    (method, version, uri, protocol): (Method, Version, &'static str, Option<&'static str>),
    lines: Lines,
    origin: OriginChoice,
    server: Server,
) -> Spec {
    let headers = lines
        .into_iter()
        .flat_map(|(name, values)| {
            values.into_iter().map(move |value| {
                (
                    name.clone(),
                    HeaderValue::from_bytes(&value).expect("generated values are header values"),
                )
            })
        })
        .collect();
    Spec {
        method,
        version,
        uri: Uri::from_static(uri),
        headers,
        protocol: protocol.map(str::to_owned),
        origin,
        server,
    }
}

/// Method, version, target and `:protocol`: mostly HTTP/1.1 GETs, some HTTP/2 CONNECTs.
fn request_line() -> impl Strategy<Value = (Method, Version, &'static str, Option<&'static str>)> {
    let method = prop_oneof![
        16 => Just(Method::GET),
        2 => Just(Method::CONNECT),
        1 => Just(Method::POST),
        1 => Just(Method::HEAD),
        1 => Just(Method::from_bytes(b"get").unwrap()),
    ];
    let version = prop_oneof![
        16 => Just(Version::HTTP_11),
        2 => Just(Version::HTTP_2),
        1 => Just(Version::HTTP_10),
        1 => Just(Version::HTTP_09),
        1 => Just(Version::HTTP_3),
    ];
    let uri = select(&["/chat", "/", "http://a.test:8080/ws", "*"][..]);
    let protocol = select(
        &[
            None,
            None,
            Some("websocket"),
            Some("WebSocket"),
            Some("chat"),
        ][..],
    );
    (method, version, uri, protocol)
}

fn origin_choice() -> impl Strategy<Value = OriginChoice> {
    select(
        &[
            OriginChoice::Same,
            OriginChoice::Any,
            OriginChoice::List,
            OriginChoice::XForwardedHost,
            OriginChoice::Forwarded,
        ][..],
    )
}

/// What a proxy may write in `X-Forwarded-Host` or `Forwarded`.
fn forwarding() -> impl Strategy<Value = Vec<u8>> + Clone {
    pick(&[
        b"a.test:8080",
        b"server.example.com",
        b"host=a.test:8080",
        b"host=\"a.test:8080\";proto=https",
        b"for=192.0.2.60;host=server.example.com",
        b"host=a.test, host=evil.test",
        b"a.test, evil.test",
        b"",
        b"host=",
    ])
}

fn spec() -> impl Strategy<Value = Spec> {
    (request_line(), header_lines(), origin_choice(), server())
        .prop_map(|(line, lines, origin, server)| spec_from(line, lines, origin, server))
}

/// A valid HTTP/1.1 handshake: every header once and valid, the origin one the policy
/// accepts, a subprotocol the server supports if it requires one, no extension the
/// policy could mis-accept.
fn valid_spec() -> impl Strategy<Value = Spec> {
    (any::<[u8; 16]>(), origin_choice(), server(), any::<bool>()).prop_map(
        |(key, origin, mut server, with_origin)| {
            use http::header::*;
            server.versions = vec![13];
            if server.extensions == Extensions::Unoffered {
                server.extensions = Extensions::None;
            }
            let mut headers = vec![
                (HOST, HeaderValue::from_static("a.test:8080")),
                (UPGRADE, HeaderValue::from_static("websocket")),
                (CONNECTION, HeaderValue::from_static("Upgrade")),
                (
                    SEC_WEBSOCKET_KEY,
                    HeaderValue::try_from(STANDARD.encode(key)).unwrap(),
                ),
                (SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13")),
                (
                    SEC_WEBSOCKET_PROTOCOL,
                    HeaderValue::from_static("echo, chat.v1, chat.v2"),
                ),
            ];
            if with_origin || server.require_origin {
                let allowed = match origin {
                    OriginChoice::Same | OriginChoice::XForwardedHost | OriginChoice::Forwarded => {
                        "http://a.test:8080"
                    }
                    OriginChoice::Any => "http://anything.test",
                    OriginChoice::List => "http://a.test",
                };
                headers.push((ORIGIN, HeaderValue::from_static(allowed)));
            }
            if server.required && server.subprotocols.is_empty() {
                server.required = false;
            }
            Spec {
                method: Method::GET,
                version: Version::HTTP_11,
                uri: Uri::from_static("/chat"),
                headers,
                protocol: None,
                origin,
                server,
            }
        },
    )
}

/// One way to break a valid handshake, and the status it must get.
#[derive(Debug, Clone, Copy)]
enum Defect {
    NoHost,
    TwoHosts,
    BadHost,
    NoConnectionUpgrade,
    NoKey,
    TwoKeys,
    ShortKey,
    NonCanonicalKey,
    NoVersion,
    TwoVersions,
    OldVersion,
    TwoOrigins,
    ForeignOrigin,
    BadProtocol,
    BadExtensions,
}

impl Defect {
    const ALL: [Defect; 15] = [
        Defect::NoHost,
        Defect::TwoHosts,
        Defect::BadHost,
        Defect::NoConnectionUpgrade,
        Defect::NoKey,
        Defect::TwoKeys,
        Defect::ShortKey,
        Defect::NonCanonicalKey,
        Defect::NoVersion,
        Defect::TwoVersions,
        Defect::OldVersion,
        Defect::TwoOrigins,
        Defect::ForeignOrigin,
        Defect::BadProtocol,
        Defect::BadExtensions,
    ];

    fn apply(self, spec: &mut Spec) -> u16 {
        use http::header::*;
        let set = |spec: &mut Spec, name: HeaderName, value: &'static str| {
            spec.headers.retain(|(n, _)| *n != name);
            spec.headers.push((name, HeaderValue::from_static(value)));
        };
        let add = |spec: &mut Spec, name: HeaderName, value: &'static str| {
            spec.headers.push((name, HeaderValue::from_static(value)));
        };
        let remove = |spec: &mut Spec, name: HeaderName| spec.headers.retain(|(n, _)| *n != name);
        match self {
            Defect::NoHost => remove(spec, HOST),
            Defect::TwoHosts => add(spec, HOST, "a.test:8080"),
            Defect::BadHost => set(spec, HOST, "a.test:8080:1"),
            Defect::NoConnectionUpgrade => set(spec, CONNECTION, "keep-alive, x-upgrade"),
            Defect::NoKey => remove(spec, SEC_WEBSOCKET_KEY),
            Defect::TwoKeys => add(spec, SEC_WEBSOCKET_KEY, "AAAAAAAAAAAAAAAAAAAAAA=="),
            Defect::ShortKey => set(spec, SEC_WEBSOCKET_KEY, "AAAAAAAAAAAAAAAAAAAA"),
            Defect::NonCanonicalKey => set(spec, SEC_WEBSOCKET_KEY, "AAAAAAAAAAAAAAAAAAAAAB=="),
            Defect::NoVersion => {
                remove(spec, SEC_WEBSOCKET_VERSION);
                return 426;
            }
            Defect::TwoVersions => {
                add(spec, SEC_WEBSOCKET_VERSION, "13");
                return 426;
            }
            Defect::OldVersion => {
                set(spec, SEC_WEBSOCKET_VERSION, "8");
                return 426;
            }
            Defect::TwoOrigins => {
                add(spec, ORIGIN, "http://a.test:8080");
                add(spec, ORIGIN, "http://a.test:8080");
            }
            Defect::ForeignOrigin => {
                set(spec, ORIGIN, "null");
                if spec.origin == OriginChoice::Any {
                    spec.origin = OriginChoice::Same;
                }
                return 403;
            }
            Defect::BadProtocol => set(spec, SEC_WEBSOCKET_PROTOCOL, "chat, super chat"),
            Defect::BadExtensions => set(spec, SEC_WEBSOCKET_EXTENSIONS, "permessage-deflate; ="),
        }
        400
    }
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(4000))]

    /// Whatever the request and the policies, the layer does exactly what the model says:
    /// no handler call for an invalid handshake, statuses from the table only. Accepted
    /// handshakes also satisfy the subprotocol and key properties, checked on their own.
    #[test]
    fn generated_requests_get_what_the_model_says(spec in spec()) {
        let outcome = harness::check(&spec);
        if let Outcome::Accepted { accept, protocol, version, .. } = &outcome {
            prop_assert!(spec.server.versions.contains(version));
            if let Some(protocol) = protocol {
                prop_assert!(spec.server.subprotocols.contains(protocol));
                let offered = spec
                    .headers
                    .iter()
                    .filter(|(n, _)| n == http::header::SEC_WEBSOCKET_PROTOCOL)
                    .flat_map(|(_, v)| v.to_str().unwrap().split(','))
                    .any(|offer| offer.trim() == protocol);
                prop_assert!(offered, "{protocol} was not offered");
            } else {
                prop_assert!(!spec.server.required);
            }
            if let Some(accept) = accept {
                let key = spec
                    .headers
                    .iter()
                    .find(|(n, _)| n == http::header::SEC_WEBSOCKET_KEY)
                    .map(|(_, v)| v.as_bytes())
                    .unwrap();
                let key = model::trim_ows(key);
                prop_assert_eq!(STANDARD.decode(key).unwrap().len(), 16);
                prop_assert_eq!(accept, &model::accept_for(key));
            }
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// A valid handshake is accepted, and the same handshake with any one defect is
    /// refused with the defect's status: never a 101 for an invalid one.
    #[test]
    fn one_defect_is_enough_to_refuse(spec in valid_spec(), defect in select(&Defect::ALL[..])) {
        let accepted = harness::check(&spec);
        prop_assert!(matches!(accepted, Outcome::Accepted { .. }), "{accepted:?}");
        let mut broken = spec.clone();
        let status = defect.apply(&mut broken);
        prop_assert_eq!(harness::check(&broken), Outcome::Refused(status), "{:?}", defect);
    }

    /// A subprotocol is chosen exactly when the server supports one the client offered,
    /// and it is one of those, in the order the policy says.
    #[test]
    fn the_chosen_subprotocol_was_offered_and_is_supported(
        spec in valid_spec(),
        offers in proptest::sample::subsequence(SUBPROTOCOLS.to_vec(), 0..=3).prop_shuffle(),
    ) {
        let mut spec = spec;
        spec.headers.retain(|(n, _)| n != http::header::SEC_WEBSOCKET_PROTOCOL);
        for offer in &offers {
            spec.headers.push((
                http::header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_str(offer).unwrap(),
            ));
        }
        let common: Vec<&&str> = offers
            .iter()
            .filter(|o| spec.server.subprotocols.iter().any(|s| s == *o))
            .collect();
        match harness::check(&spec) {
            Outcome::Accepted { protocol: Some(chosen), .. } => {
                prop_assert!(common.iter().any(|c| **c == chosen));
                let first = match spec.server.preference {
                    Preference::Client => common[0].to_string(),
                    Preference::Server => spec
                        .server
                        .subprotocols
                        .iter()
                        .find(|s| offers.contains(&s.as_str()))
                        .unwrap()
                        .clone(),
                };
                prop_assert_eq!(chosen, first);
            }
            Outcome::Accepted { protocol: None, .. } => {
                prop_assert!(common.is_empty());
                prop_assert!(!spec.server.required);
            }
            Outcome::Refused(status) => {
                prop_assert_eq!(status, 400);
                prop_assert!(common.is_empty() && spec.server.required);
            }
            Outcome::PassThrough => prop_assert!(false, "a valid handshake passed through"),
        }
    }
}

/// The request generator is not degenerate: a fair share of its requests is accepted,
/// each refusal status of the table and the pass-through appear. Prints the mix
/// (`cargo test --test it proptest_handshake -- --nocapture`).
#[test]
fn the_generator_covers_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;

    let mut runner = TestRunner::deterministic();
    let strategy = spec();
    let mut mix: BTreeMap<String, u32> = BTreeMap::new();
    let mut deflate = 0;
    let n = 4000;
    for _ in 0..n {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let outcome = harness::check(&spec);
        if let Outcome::Accepted {
            extensions: Some(extensions),
            ..
        } = &outcome
        {
            deflate += u32::from(extensions.starts_with("permessage-deflate"));
        }
        let key = match outcome {
            Outcome::PassThrough => "pass-through".to_owned(),
            Outcome::Refused(status) => format!("refused {status}"),
            Outcome::Accepted { protocol: None, .. } => "accepted".to_owned(),
            Outcome::Accepted {
                protocol: Some(_), ..
            } => "accepted with a subprotocol".to_owned(),
        };
        *mix.entry(key).or_default() += 1;
    }
    println!(
        "outcomes of {n} generated requests: {mix:?}; {deflate} accepted with permessage-deflate"
    );
    assert!(
        deflate >= n / 400,
        "only {deflate} accepted permessage-deflate"
    );
    for outcome in [
        "pass-through",
        "refused 400",
        "refused 403",
        "refused 426",
        "refused 500",
        "accepted",
        "accepted with a subprotocol",
    ] {
        let count = mix.get(outcome).copied().unwrap_or(0);
        assert!(
            count >= n / 100,
            "only {count} of {n} are {outcome}: {mix:?}"
        );
    }
}
