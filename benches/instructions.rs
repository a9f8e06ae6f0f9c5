//! Instruction counts (callgrind) of the same cases as `handshake.rs`: repeatable on a
//! loaded machine, where times are not.
//!
//! ```text
//! cargo bench --bench instructions            # every case, with the ratios
//! cargo bench --bench instructions -- micro   # cases whose name contains "micro"
//! ```
//!
//! Run without `--bench` (as `cargo test --all-targets` does), it only checks that every
//! case runs.
//!
//! The bench runs itself under `valgrind --tool=callgrind` once per case and count,
//! collecting only inside `measured` (`--toggle-collect`), where the prepared requests go
//! through the service one after another; request construction and response drops are
//! outside. Each case runs with two counts of requests and reports the difference per
//! request, so that nothing paid once is counted. Set `KEEP_CALLGRIND=DIR` to keep the
//! profiles for `callgrind_annotate`.

mod common;

use std::convert::Infallible;
use std::hint::black_box;
use std::process::{Command, ExitCode};

use axum::body::Body;
use axum::response::Response;
use http::Request;
use tower::Service;

const SMALL: u64 = 1_000;
const LARGE: u64 = 6_000;

/// The cases, by name; `measure` runs each.
const CASES: &[&str] = &[
    "micro/floor_sha1_base64",
    "micro/harness",
    "micro/layer_handshake",
    "micro/layer_handshake_spawned",
    "micro/layer_handshake_hosts",
    "micro/layer_negotiate",
    "micro/axum_builtin",
    "pass_through/router_without_layer",
    "pass_through/router_with_noop_layer",
    "pass_through/router_with_layer",
    "pass_through/layer_around_router",
    "pass_through/router_with_route_layer",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, case, count] = args.as_slice()
        && flag == "--run"
    {
        run(case, count.parse().expect("a count"));
        return ExitCode::SUCCESS;
    }
    // `cargo bench` passes `--bench`; anything else is a filter.
    let filter = args.iter().find(|a| !a.starts_with("--"));
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs bench targets without `--bench`: check that
        // every case runs, natively and briefly, as divan does, and measure nothing.
        for case in CASES {
            run(case, 2);
        }
        println!(
            "{} cases ran once; `cargo bench` counts instructions",
            CASES.len()
        );
        return ExitCode::SUCCESS;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("valgrind not found: instruction counts skipped (apt-get install valgrind)");
        return ExitCode::SUCCESS;
    }
    let mut results = Vec::new();
    for case in CASES {
        if filter.is_some_and(|f| !case.contains(f.as_str())) {
            continue;
        }
        let small = count_instructions(case, SMALL);
        let large = count_instructions(case, LARGE);
        let per_request = (large - small) as f64 / (LARGE - SMALL) as f64;
        println!("{case:40} {per_request:>10.1} instructions");
        results.push((*case, per_request));
    }
    let get = |name: &str| results.iter().find(|(c, _)| *c == name).map(|r| r.1);
    let ratio = |a: &str, b: &str| {
        if let (Some(a_), Some(b_)) = (get(a), get(b)) {
            println!("{a} / {b} = {:.3}", a_ / b_);
        }
    };
    println!();
    ratio("micro/layer_handshake", "micro/floor_sha1_base64");
    // The same without the bench's plumbing (calling a service, polling its future,
    // keeping the spent request), which any request pays and the floor does not.
    if let (Some(layer), Some(harness), Some(floor)) = (
        get("micro/layer_handshake"),
        get("micro/harness"),
        get("micro/floor_sha1_base64"),
    ) {
        println!(
            "(micro/layer_handshake - micro/harness) / micro/floor_sha1_base64 = {:.3}",
            (layer - harness) / floor
        );
    }
    ratio("micro/layer_handshake_spawned", "micro/floor_sha1_base64");
    ratio("micro/layer_handshake_hosts", "micro/layer_handshake");
    ratio("micro/layer_negotiate", "micro/floor_sha1_base64");
    ratio("micro/axum_builtin", "micro/floor_sha1_base64");
    ratio(
        "pass_through/router_with_layer",
        "pass_through/router_without_layer",
    );
    ratio(
        "pass_through/router_with_noop_layer",
        "pass_through/router_without_layer",
    );
    ratio(
        "pass_through/router_with_layer",
        "pass_through/router_with_noop_layer",
    );
    ratio(
        "pass_through/layer_around_router",
        "pass_through/router_without_layer",
    );
    ratio(
        "pass_through/router_with_route_layer",
        "pass_through/router_without_layer",
    );
    ExitCode::SUCCESS
}

/// Runs `case` with `count` requests under callgrind; the instructions executed inside
/// `measured`.
fn count_instructions(case: &str, count: u64) -> u64 {
    let dir = std::env::var("KEEP_CALLGRIND")
        .unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let out = format!(
        "{dir}/callgrind.{}.{count}.{}",
        case.replace('/', "."),
        std::process::id()
    );
    let status = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=*measured*",
            &format!("--callgrind-out-file={out}"),
            "-q",
        ])
        .arg(std::env::current_exe().unwrap())
        .args(["--run", case, &count.to_string()])
        .status()
        .expect("valgrind runs");
    assert!(status.success(), "{case}: {status}");
    let profile = std::fs::read_to_string(&out).unwrap();
    if std::env::var_os("KEEP_CALLGRIND").is_none() {
        let _ = std::fs::remove_file(&out);
    }
    profile
        .lines()
        .find_map(|line| {
            line.strip_prefix("summary: ")
                .or(line.strip_prefix("totals: "))
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no total in {out}"))
}

fn run(case: &str, count: u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _entered = runtime.enter();
    let (group, name) = case.split_once('/').expect("group/name");
    if name == "floor_sha1_base64" {
        let keys = vec![&b"dGhlIHNhbXBsZSBub25jZQ=="[..]; count as usize];
        let mut out = Vec::with_capacity(keys.len());
        measured_floor(&keys, &mut out);
        black_box(out);
        return;
    }
    let make = match group {
        "micro" => common::chrome,
        "pass_through" => common::plain_get,
        _ => panic!("unknown case {case}"),
    };
    match name {
        "layer_handshake" => serve(common::layer_handshake(), make, count),
        "layer_handshake_spawned" => serve(common::layer_handshake_spawned(), make, count),
        "layer_handshake_hosts" => serve(common::layer_handshake_hosts(), make, count),
        "layer_negotiate" => serve(common::layer_negotiate(), make, count),
        "harness" => serve(common::harness(), make, count),
        "axum_builtin" => serve(common::axum_handshake(), make, count),
        "router_without_layer" => serve(common::router_without_layer(), make, count),
        "router_with_noop_layer" => serve(common::router_with_noop_layer(), make, count),
        "router_with_layer" => serve(common::router_with_layer(), make, count),
        "layer_around_router" => serve(common::layer_around_router(), make, count),
        "router_with_route_layer" => serve(common::router_with_route_layer(), make, count),
        _ => panic!("unknown case {case}"),
    }
}

fn serve<S>(mut service: S, make: fn() -> Request<Body>, count: u64)
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    // Warm up: lazily initialised state is paid before measuring.
    for _ in 0..10 {
        drop(common::call(&mut service, make()));
    }
    let requests: Vec<_> = (0..count).map(|_| make()).collect();
    let mut responses = Vec::with_capacity(requests.len());
    common::reserve_spent(requests.len());
    measured(&mut service, requests, &mut responses);
    black_box(responses);
    common::reserve_spent(0);
}

#[inline(never)]
fn measured<S>(service: &mut S, requests: Vec<Request<Body>>, responses: &mut Vec<Response>)
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    for request in requests {
        responses.push(common::call(service, request));
    }
}

#[inline(never)]
fn measured_floor(keys: &[&[u8]], out: &mut Vec<[u8; 28]>) {
    for key in keys {
        out.push(common::accept_floor(black_box(key)));
    }
}
