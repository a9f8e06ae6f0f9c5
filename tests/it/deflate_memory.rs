//! Per-connection memory of permessage-deflate, measured: a server process per
//! configuration, N connections that each exchanged a compressed message, the server's
//! VmRSS from /proc/PID/status before and after, divided by N. Also the share of bytes
//! the server's messages take on the wire, over 50 API-like JSON messages.
//!
//! A measurement, not a check (run it on a quiet machine):
//!
//! ```text
//! cargo test --release --test it deflate_memory -- --ignored --nocapture
//! ```
#![cfg(all(feature = "deflate", target_os = "linux"))]

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use axum_ws_handshake::WebSocketLayer;
use axum_ws_handshake::deflate::PerMessageDeflate;
use common::OP_TEXT as TEXT;
use common::deflate::{Deflater, Inflater, echo, handshake};

const CONNECTIONS: usize = 500;
const SERVER_ENV: &str = "DEFLATE_MEMORY_SERVER";
/// Chrome's offer.
const OFFER: &str = "permessage-deflate; client_max_window_bits";

/// A configuration: a label, the policy as `server_bits,client_bits,server_nct`, and
/// whether the client offers deflate at all.
const CONFIGS: &[(&str, &str, bool)] = &[
    ("no deflate (nothing offered)", "12,15,0", false),
    ("server window 15 bits", "15,15,0", true),
    ("server window 12 bits (default)", "12,15,0", true),
    ("server window 10 bits", "10,15,0", true),
    ("server window 9 bits", "9,15,0", true),
    ("server window 8 bits (sends uncompressed)", "8,15,0", true),
    ("15 bits, server_no_context_takeover", "15,15,1", true),
    ("12 bits, client window 9 bits", "12,9,0", true),
];

fn policy(spec: &str) -> PerMessageDeflate {
    let [server, client, nct]: [u8; 3] = spec
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    PerMessageDeflate::new()
        .server_max_window_bits(server)
        .client_max_window_bits(client)
        .server_no_context_takeover(nct == 1)
}

/// API-like JSON of about 14 KiB: records with the same keys and varied values.
fn message(seed: u64) -> Vec<u8> {
    const WORDS: [&str; 20] = [
        "order",
        "invoice",
        "customer",
        "shipped",
        "pending",
        "refund",
        "express",
        "standard",
        "warehouse",
        "berlin",
        "paris",
        "lisbon",
        "oslo",
        "priority",
        "gift",
        "note",
        "cancelled",
        "delivered",
        "returned",
        "open",
    ];
    let mut x = seed * 7919 + 1;
    let records: Vec<String> = (0..120)
        .map(|i| {
            x = (x * 1_103_515_245 + 12_345) % (1 << 31);
            let word = |shift: u64| WORDS[((x >> shift) % 20) as usize];
            let items: Vec<String> = [3, 11, 17][..(x % 3 + 1) as usize]
                .iter()
                .map(|&s| format!("\"{}\"", word(s)))
                .collect();
            format!(
                r#"{{"id": {}, "status": "{}", "city": "{}", "amount": {}.{:02}, "items": [{}], "ts": {}}}"#,
                seed * 1000 + i,
                word(0),
                word(8),
                x % 1000,
                x % 100,
                items.join(", "),
                1_700_000_000 + x % 86_400
            )
        })
        .collect();
    format!("[{}]", records.join(", ")).into_bytes()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
#[ignore = "a measurement: cargo test --release --test it deflate_memory -- --ignored --nocapture"]
fn per_connection_memory() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{CONNECTIONS} connections, each exchanged one {} byte message; offer: {OFFER}",
        message(0).len()
    );
    println!(
        "{:44} {:>9} {:>9} {:>9} {:>10}",
        "configuration", "RSS KiB", "KiB/conn", "+deflate", "wire/plain"
    );
    let mut baseline = None;
    for &(label, spec, offers) in CONFIGS {
        let mut server = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "deflate_memory::memory_server",
                "--ignored",
                "--nocapture",
            ])
            .env(SERVER_ENV, spec)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let port: u16 = BufReader::new(server.stdout.take().unwrap())
            .lines()
            .find_map(|line| line.ok()?.strip_prefix("memory-server-port=")?.parse().ok())
            .unwrap();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let (before, after, ratio) = runtime.block_on(async {
            let offer: &[&str] = if offers { &[OFFER] } else { &[] };
            let first = message(0);
            let compressed = Deflater::new(15).compress(&first);
            // Warm up: the runtime's threads, the clock, allocator arenas.
            for _ in 0..5 {
                let mut conn = handshake(addr, offer).await.conn;
                conn.send_frame(
                    true,
                    offers,
                    TEXT,
                    if offers { &compressed } else { &first },
                )
                .await;
                conn.read_message().await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            let before = rss_kib(server.id());
            let mut open = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                let mut conn = handshake(addr, offer).await.conn;
                conn.send_frame(
                    true,
                    offers,
                    TEXT,
                    if offers { &compressed } else { &first },
                )
                .await;
                conn.read_message().await;
                open.push(conn);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let after = rss_kib(server.id());
            drop(open);

            // The compression ratio of the server's messages on one connection.
            let answer = handshake(addr, offer).await;
            let window = answer
                .joined("sec-websocket-extensions")
                .and_then(|e| e.split("server_max_window_bits=").nth(1).map(str::to_owned))
                .map_or(15, |rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().unwrap()
                });
            let mut conn = answer.conn;
            let (mut deflate, mut inflate) = (Deflater::new(15), Inflater::new(window.max(9)));
            let (mut plain, mut wire) = (0, 0);
            for i in 1..=50 {
                let m = message(i);
                if offers {
                    conn.send_frame(true, true, TEXT, &deflate.compress(&m))
                        .await;
                } else {
                    conn.send_frame(true, false, TEXT, &m).await;
                }
                let (rsv1, _, payload) = conn.read_message().await;
                wire += payload.len();
                plain += m.len();
                let echoed = if rsv1 {
                    inflate.inflate(&payload).unwrap()
                } else {
                    payload
                };
                assert_eq!(echoed, m);
            }
            (before, after, wire as f64 / plain as f64)
        });
        let _ = server.kill();
        let _ = server.wait();
        let per = (after - before) as f64 / CONNECTIONS as f64;
        let base = *baseline.get_or_insert(per);
        println!(
            "{label:44} {before:>4}->{after:<6} {per:>7.1} {:>+9.1} {:>9.1}%",
            per - base,
            100.0 * ratio
        );
    }
}

/// The server process of [`per_connection_memory`]: serves the echo behind the policy
/// in `DEFLATE_MEMORY_SERVER` until killed. Does nothing when run on its own.
#[test]
#[ignore = "the server process of per_connection_memory"]
fn memory_server() {
    let Ok(spec) = std::env::var(SERVER_ENV) else {
        return;
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            axum_ws_handshake::deflate::init_clock();
            let app = Router::new()
                .route("/echo", any(echo))
                .layer(WebSocketLayer::new().extensions(policy(&spec)));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!(
                "memory-server-port={}",
                listener.local_addr().unwrap().port()
            );
            axum::serve(listener, app).await.unwrap();
        });
}
