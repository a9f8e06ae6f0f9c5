//! Load and leak checks against a running echo server (the echo example, or this tool's
//! `serve`), on loopback only, bounded in count and time. Used by `.ci/steps/40-load.sh`;
//! figures in docs/HARDENING.md.
//!
//! ```text
//! cargo run --release -p ws-bench-tools --bin load -- concurrent --addr 127.0.0.1:39040 --server-pid PID [--n 10000]
//! cargo run --release -p ws-bench-tools --bin load -- sequential --addr 127.0.0.1:39040 --server-pid PID [--n 200000]
//! cargo run --release -p ws-bench-tools --bin load -- slow --addr 127.0.0.1:39040 --server-pid PID [--n 1000] [--timeout-secs 10]
//! cargo run --release -p ws-bench-tools --bin load -- serve --addr 127.0.0.1:39050 [--read-buffer-size B] [--first-request-secs S]
//! ```
//!
//! - `concurrent`: opens `n` WebSockets (at most 256 handshakes in flight), checks that
//!   each echoes a message, holds them all open and idle, and reports the server's
//!   resident memory per idle connection (VmRSS of `/proc/PID/status`, after minus
//!   before, divided by `n`); then closes them all. Fails on any failed connection.
//! - `sequential`: `n` handshakes one after another, each closed with the close
//!   handshake; the server's VmRSS is sampled every 1 %; fails on any failure or if the
//!   RSS at the end exceeds the RSS at 10 % by more than `--max-growth-kib` (1024).
//! - `slow`: `n` connections that send half a request head and stall, plus `n / 10`
//!   that send nothing; while they are held, 200 valid handshakes must succeed; then,
//!   after the header read timeout, every half-sent one must have been closed by the
//!   server. Silent ones are counted (hyper-util's auto builder has no timeout for
//!   them; docs/HARDENING.md), not failed. Needs a server with a header read timeout:
//!   `serve`, not the echo example (`axum::serve` has none).
//!
//! - `serve`: an echo app on `/echo` (the echo example's loop and layer) served by
//!   hyper-util's auto builder with a 10 s header read timeout, with two of the settings
//!   docs/HARDENING.md recommends, to measure them with the modes above:
//!   `--read-buffer-size` for tokio-tungstenite's read buffer (zero-filled up to its
//!   size, so resident for every open socket; the crate's default when not given), and
//!   `--first-request-secs`,
//!   a deadline for a connection's first request that also covers the bytes before
//!   hyper's header read timeout starts (the auto builder's HTTP/2 preface sniffing).
//!
//! Every connection and every wait is bounded by a timeout; the tool raises its own
//! RLIMIT_NOFILE (setrlimit) to what `n` needs instead of assuming it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore};
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::Message;

/// The longest any one connection step may take.
const STEP: Duration = Duration::from_secs(20);

const USAGE: &str = "usage: load (concurrent|sequential|slow) --addr HOST:PORT --server-pid PID \
                     [--n N] [--timeout-secs S] [--max-growth-kib K]\n       \
                     load serve --addr HOST:PORT [--read-buffer-size B] [--first-request-secs S]";

struct Options {
    mode: String,
    addr: SocketAddr,
    server_pid: u32,
    n: Option<usize>,
    timeout_secs: u64,
    max_growth_kib: u64,
    read_buffer_size: Option<usize>,
    first_request_secs: Option<u64>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or(USAGE)?;
    let mut options = Options {
        mode,
        addr: "127.0.0.1:3000".parse().unwrap(),
        server_pid: 0,
        n: None,
        timeout_secs: 10,
        max_growth_kib: 1024,
        read_buffer_size: None,
        first_request_secs: None,
    };
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{arg} {value:?}: {e}");
        match arg.as_str() {
            "--addr" => options.addr = value.parse().map_err(|e| bad(&e))?,
            "--server-pid" => options.server_pid = value.parse().map_err(|e| bad(&e))?,
            "--n" => options.n = Some(value.parse().map_err(|e| bad(&e))?),
            "--timeout-secs" => options.timeout_secs = value.parse().map_err(|e| bad(&e))?,
            "--max-growth-kib" => options.max_growth_kib = value.parse().map_err(|e| bad(&e))?,
            "--read-buffer-size" => {
                options.read_buffer_size = Some(value.parse().map_err(|e| bad(&e))?)
            }
            "--first-request-secs" => {
                options.first_request_secs = Some(value.parse().map_err(|e| bad(&e))?)
            }
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    if !options.addr.ip().is_loopback() {
        return Err("--addr must be a loopback address: this tool loads only this machine".into());
    }
    if options.server_pid == 0 && options.mode != "serve" {
        return Err(format!("--server-pid is required\n{USAGE}"));
    }
    Ok(options)
}

/// The server's resident set size in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// The server's open file descriptors.
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

/// Raises this process's RLIMIT_NOFILE to at least `needed` (the soft limit up to the
/// hard one, and the hard one too where the process may).
fn raise_nofile(needed: u64) -> Result<u64, String> {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).map_err(|e| e.to_string())?;
    if soft >= needed {
        return Ok(soft);
    }
    let target = needed.max(soft);
    if hard < target {
        // Needs CAP_SYS_RESOURCE; otherwise the soft limit goes as high as it can.
        if rlimit::setrlimit(rlimit::Resource::NOFILE, target, target).is_ok() {
            return Ok(target);
        }
    }
    let soft = rlimit::increase_nofile_limit(target).map_err(|e| e.to_string())?;
    if soft < needed {
        return Err(format!(
            "RLIMIT_NOFILE is {soft} (hard {hard}), {needed} needed: raise the hard limit"
        ));
    }
    Ok(soft)
}

/// Opens a WebSocket to `/echo` on a fresh connection.
async fn open(addr: SocketAddr) -> Result<tokio_tungstenite::WebSocketStream<TcpStream>, String> {
    let stream = timeout(STEP, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let url = format!("ws://{addr}/echo");
    let (socket, response) = timeout(STEP, tokio_tungstenite::client_async(url, stream))
        .await
        .map_err(|_| "handshake timed out".to_owned())?
        .map_err(|e| format!("handshake: {e}"))?;
    if response.status() != 101 {
        return Err(format!("handshake answered {}", response.status()));
    }
    Ok(socket)
}

/// Sends `text` and expects it back.
async fn echo_once(
    socket: &mut tokio_tungstenite::WebSocketStream<TcpStream>,
    text: &str,
) -> Result<(), String> {
    timeout(STEP, socket.send(Message::text(text)))
        .await
        .map_err(|_| "send timed out".to_owned())?
        .map_err(|e| format!("send: {e}"))?;
    match timeout(STEP, socket.next()).await {
        Ok(Some(Ok(Message::Text(echoed)))) if echoed.as_str() == text => Ok(()),
        Ok(other) => Err(format!("expected the echo, got {other:?}")),
        Err(_) => Err("echo timed out".to_owned()),
    }
}

/// Closes with the close handshake and waits for the server's side of it.
async fn close(mut socket: tokio_tungstenite::WebSocketStream<TcpStream>) -> Result<(), String> {
    timeout(STEP, socket.close(None))
        .await
        .map_err(|_| "close timed out".to_owned())?
        .map_err(|e| format!("close: {e}"))?;
    // Until the server's Close and its end of the TCP connection.
    while let Ok(Some(frame)) = timeout(STEP, socket.next()).await {
        if frame.is_err() {
            break;
        }
    }
    Ok(())
}

async fn concurrent(options: &Options) -> Result<(), String> {
    let n = options.n.unwrap_or(10_000);
    let limit = raise_nofile(n as u64 + 256)?;
    let pid = options.server_pid;
    println!(
        "concurrent: {n} WebSockets to {}; RLIMIT_NOFILE {limit}",
        options.addr
    );

    // Warm the server up (runtime threads, first allocations), then take the baseline.
    let socket = open(options.addr).await?;
    close(socket).await?;
    sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let fds_before = open_fds(pid);

    let started = Instant::now();
    let in_flight = Arc::new(Semaphore::new(256));
    let all_open = Arc::new(Barrier::new(n + 1));
    let release = Arc::new(tokio::sync::Notify::new());
    let failures = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (addr, in_flight, all_open, release, failures) = (
            options.addr,
            Arc::clone(&in_flight),
            Arc::clone(&all_open),
            Arc::clone(&release),
            Arc::clone(&failures),
        );
        tasks.push(tokio::spawn(async move {
            let permit = in_flight.acquire_owned().await.unwrap();
            let opened = async {
                let mut socket = open(addr).await?;
                echo_once(&mut socket, &format!("hello {i}")).await?;
                Ok::<_, String>(socket)
            }
            .await;
            drop(permit);
            let socket = match opened {
                Ok(socket) => Some(socket),
                Err(e) => {
                    if failures.fetch_add(1, Ordering::Relaxed) < 5 {
                        eprintln!("connection {i}: {e}");
                    }
                    None
                }
            };
            let released = release.notified();
            all_open.wait().await;
            released.await;
            if let Some(socket) = socket
                && let Err(e) = close(socket).await
                && failures.fetch_add(1, Ordering::Relaxed) < 5
            {
                eprintln!("closing {i}: {e}");
            }
        }));
    }
    timeout(Duration::from_secs(300), all_open.wait())
        .await
        .map_err(|_| "not all connections opened within 300 s".to_owned())?;
    let opened_in = started.elapsed();
    let failed_open = failures.load(Ordering::Relaxed);
    // Idle: no traffic for a second before measuring.
    sleep(Duration::from_secs(1)).await;
    let after = rss_kib(pid);
    let fds_after = open_fds(pid);
    let open_now = n - failed_open;
    let per_connection = (after.saturating_sub(before) as f64) * 1024.0 / open_now.max(1) as f64;
    println!(
        "concurrent: {open_now} of {n} open and echoing after {:.1} s ({failed_open} failed); \
         server fds {fds_before} -> {fds_after}",
        opened_in.as_secs_f64()
    );
    println!(
        "concurrent: server RSS {before} KiB -> {after} KiB with {open_now} idle WebSockets: \
         {per_connection:.0} bytes ({:.1} KiB) per idle connection",
        per_connection / 1024.0
    );

    let closing = Instant::now();
    release.notify_waiters();
    for task in tasks {
        task.await.map_err(|e| e.to_string())?;
    }
    let failed = failures.load(Ordering::Relaxed);
    sleep(Duration::from_secs(1)).await;
    println!(
        "concurrent: all closed in {:.1} s; server RSS after closing {} KiB, fds {}",
        closing.elapsed().as_secs_f64(),
        rss_kib(pid),
        open_fds(pid)
    );
    if failed > 0 {
        return Err(format!("{failed} of {n} connections failed"));
    }
    println!("concurrent: {n} concurrent WebSockets, 0 failures");
    Ok(())
}

async fn sequential(options: &Options) -> Result<(), String> {
    let n = options.n.unwrap_or(200_000);
    let pid = options.server_pid;
    println!(
        "sequential: {n} handshakes to {}, one at a time",
        options.addr
    );
    let started = Instant::now();
    let step = (n / 100).max(1);
    let mut samples = Vec::with_capacity(101);
    let mut failures = 0usize;
    for i in 0..n {
        let result = async {
            let socket = open(options.addr).await?;
            close(socket).await
        }
        .await;
        if let Err(e) = result {
            failures += 1;
            if failures <= 5 {
                eprintln!("handshake {i}: {e}");
            }
        }
        if (i + 1) % step == 0 {
            samples.push((i + 1, rss_kib(pid)));
        }
    }
    let elapsed = started.elapsed();
    let at = |fraction: usize| {
        samples
            .iter()
            .find(|(done, _)| *done >= n * fraction / 100)
            .map_or(0, |(_, rss)| *rss)
    };
    let (at10, at50, end) = (at(10), at(50), samples.last().map_or(0, |s| s.1));
    let max = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let min = samples.iter().map(|s| s.1).min().unwrap_or(0);
    println!(
        "sequential: {n} handshakes in {:.1} s ({:.0}/s), {failures} failures",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "sequential: server RSS at 1 % {} KiB, 10 % {at10} KiB, 50 % {at50} KiB, 100 % {end} KiB \
         (min {min}, max {max} over 100 samples); growth 10 % -> 100 %: {} KiB (limit {})",
        samples.first().map_or(0, |s| s.1),
        end as i64 - at10 as i64,
        options.max_growth_kib
    );
    if failures > 0 {
        return Err(format!("{failures} of {n} handshakes failed"));
    }
    if end > at10 + options.max_growth_kib {
        return Err(format!(
            "RSS grew by {} KiB from 10 % to the end",
            end - at10
        ));
    }
    println!("sequential: {n} handshakes, 0 failures, RSS flat from 10 % to the end");
    Ok(())
}

async fn slow(options: &Options) -> Result<(), String> {
    let n = options.n.unwrap_or(1000);
    let silent_n = n / 10;
    raise_nofile((n + silent_n) as u64 + 512)?;
    let pid = options.server_pid;
    let header_timeout = Duration::from_secs(options.timeout_secs);
    println!(
        "slow: {n} half-sent heads and {silent_n} silent connections to {}, then 200 valid \
         handshakes; header read timeout {} s",
        options.addr, options.timeout_secs
    );
    let half = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n";
    let mut stalled = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(options.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.write_all(half).await.map_err(|e| e.to_string())?;
        stalled.push(stream);
    }
    let mut silent = Vec::with_capacity(silent_n);
    for _ in 0..silent_n {
        silent.push(
            TcpStream::connect(options.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?,
        );
    }
    let held_at = Instant::now();
    println!(
        "slow: holding {} connections; server fds {}",
        n + silent_n,
        open_fds(pid)
    );

    let mut latencies = Vec::with_capacity(200);
    let mut failures = 0;
    for i in 0..200 {
        let started = Instant::now();
        let result = async {
            let mut socket = open(options.addr).await?;
            echo_once(&mut socket, "not blocked").await?;
            close(socket).await
        }
        .await;
        match result {
            Ok(()) => latencies.push(started.elapsed()),
            Err(e) => {
                failures += 1;
                eprintln!("valid handshake {i}: {e}");
            }
        }
    }
    latencies.sort();
    let pct = |p: usize| {
        latencies
            .get(latencies.len() * p / 100)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "slow: 200 valid handshakes while they are held: {failures} failures; \
         latency p50 {:?}, p99 {:?}, max {:?}",
        pct(50),
        pct(99),
        latencies.last().copied().unwrap_or_default()
    );

    // After the timeout (and a margin), hyper must have closed every half-sent head.
    let deadline = held_at + header_timeout + Duration::from_secs(3);
    sleep(deadline.saturating_duration_since(Instant::now())).await;
    let closed = |streams: &mut Vec<TcpStream>| {
        let mut closed = 0;
        for stream in streams.iter_mut() {
            let mut buf = [0u8; 256];
            match stream.try_read(&mut buf) {
                Ok(0) => closed += 1,
                Err(e) if e.kind() != std::io::ErrorKind::WouldBlock => closed += 1,
                _ => {}
            }
        }
        closed
    };
    let closed_stalled = closed(&mut stalled);
    let closed_silent = closed(&mut silent);
    println!(
        "slow: {:.1} s after they stalled: {closed_stalled} of {n} half-sent heads closed by \
         the server; {closed_silent} of {silent_n} silent connections closed; server fds {}",
        held_at.elapsed().as_secs_f64(),
        open_fds(pid)
    );
    // Read what is left so that nothing is reset under the server, then drop them all.
    for stream in stalled.iter_mut() {
        let _ = timeout(Duration::from_millis(1), stream.read(&mut [0u8; 16])).await;
    }
    drop(stalled);
    drop(silent);
    if failures > 0 {
        return Err(format!(
            "{failures} of 200 valid handshakes failed while slow ones were held"
        ));
    }
    if closed_stalled < n {
        return Err(format!(
            "{} half-sent heads still open after the header read timeout",
            n - closed_stalled
        ));
    }
    println!("slow: slow handshakes did not block others, and were cut by the header read timeout");
    Ok(())
}

/// An echo app behind the layer, served by hyper-util's auto builder, with the settings
/// to measure.
async fn serve(options: &Options) -> Result<(), String> {
    use axum::Router;
    use axum::response::Response;
    use axum::routing::any;
    use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    use std::sync::atomic::AtomicBool;
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

    raise_nofile(30_000).or_else(|_| raise_nofile(10_000))?;
    let config = options
        .read_buffer_size
        .map(|size| WebSocketConfig::default().read_buffer_size(size));
    let app = Router::new()
        .route(
            "/echo",
            any(move |ws: WebSocketUpgrade| async move {
                let ws = match config {
                    Some(config) => ws.websocket_config(config),
                    None => ws,
                };
                let response: Response = ws.on_websocket(|mut socket: WebSocket| async move {
                    while let Some(Ok(message)) = socket.next().await {
                        if (message.is_text() || message.is_binary())
                            && socket.send(message).await.is_err()
                        {
                            break;
                        }
                    }
                });
                response
            }),
        )
        .route_layer(WebSocketLayer::new());
    let header_read_timeout = Duration::from_secs(10);
    let first_request = options.first_request_secs.map(Duration::from_secs);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol();
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| format!("bind {}: {e}", options.addr))?;
    println!(
        "listening on http://{} (read buffer {:?}, first request deadline {:?})",
        options.addr, options.read_buffer_size, first_request
    );
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let seen = Arc::new(AtomicBool::new(false));
        let service = {
            let seen = Arc::clone(&seen);
            let app = app.clone();
            tower::ServiceBuilder::new()
                .map_request(move |request| {
                    seen.store(true, Ordering::Relaxed);
                    request
                })
                .service(app)
        };
        let builder = builder.clone();
        tokio::spawn(async move {
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(stream),
                TowerToHyperService::new(service),
            );
            let Some(deadline) = first_request else {
                let _ = connection.await;
                return;
            };
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                () = sleep(deadline) => {}
            }
            // No request yet: the connection is dropped, which closes it.
            if seen.load(Ordering::Relaxed) {
                let _ = connection.await;
            }
        });
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = match options.mode.as_str() {
        "concurrent" => concurrent(&options).await,
        "sequential" => sequential(&options).await,
        "slow" => slow(&options).await,
        "serve" => serve(&options).await,
        other => Err(format!("unknown mode {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("FAIL: {message}");
            ExitCode::FAILURE
        }
    }
}
