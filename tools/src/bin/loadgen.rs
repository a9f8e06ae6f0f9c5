//! A WebSocket handshake load generator for the end-to-end bench (`benches/e2e.sh`).
//!
//! ```text
//! cargo run --release -p ws-bench-tools --bin loadgen -- --addr HOST:PORT [--path /echo] [--handshakes N]
//!     [--concurrency C] [--server-pid PID] [--idle K] [--label NAME]
//! ```
//!
//! Each client connects, sends Chrome's handshake (with `Origin`, a subprotocol offer and
//! a permessage-deflate offer), checks the `101` and its `Sec-WebSocket-Accept`, sends a
//! Close, reads the server's Close and waits for the server to close the TCP connection.
//! `--concurrency` clients do that until `--handshakes` are done. Prints one line:
//!
//! ```text
//! label=NAME handshakes=N failures=0 seconds=S handshakes_per_second=R server_cpu_us_per_handshake=U server_minor_faults_per_handshake=F
//! ```
//!
//! The server's CPU time (user + system, every thread) and minor page faults are read
//! from `/proc/PID/stat` before and after when `--server-pid` is given: faults are
//! kernel time a server spends when its allocator returns memory to the kernel and
//! touches it again (axum's 128 KiB read buffer can, depending on the heap's layout).
//!
//! With `--idle K`, it instead opens K connections, handshakes each, holds them open and
//! prints how much the server's resident memory grew per connection (`/proc/PID/status`),
//! then closes them all.
//!
//! Every address is the caller's: meant for loopback. Every read has a 5 s timeout.

use ws_bench_tools::client;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const USAGE: &str = "usage: loadgen --addr HOST:PORT [--path /echo] [--handshakes N] \
[--concurrency C] [--server-pid PID] [--idle K] [--label NAME]";

const READ_TIMEOUT: Duration = Duration::from_secs(5);

struct Options {
    addr: SocketAddr,
    path: String,
    handshakes: u64,
    concurrency: u64,
    server_pid: Option<u32>,
    idle: Option<u64>,
    label: String,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        path: "/echo".to_owned(),
        handshakes: 10_000,
        concurrency: 16,
        server_pid: None,
        idle: None,
        label: "server".to_owned(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| v.parse::<u64>().map_err(|e| format!("{name}: {e}"));
        match arg.as_str() {
            "--addr" => {
                let v = value("--addr")?;
                options.addr = v.parse().map_err(|e| format!("--addr {v:?}: {e}"))?;
            }
            "--path" => options.path = value("--path")?,
            "--handshakes" => options.handshakes = number(&arg, value(&arg)?)?,
            "--concurrency" => options.concurrency = number(&arg, value(&arg)?)?.max(1),
            "--server-pid" => options.server_pid = Some(number(&arg, value(&arg)?)? as u32),
            "--idle" => options.idle = Some(number(&arg, value(&arg)?)?),
            "--label" => options.label = value("--label")?,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// One client's side of the handshake.
struct Client {
    request: String,
    accept: String,
}

impl Client {
    /// Chrome 131's handshake for `new WebSocket(url, ["chat", "superchat"])` from a
    /// page of the server's own origin; the key is derived from `n`.
    fn new(options: &Options, n: u64) -> Self {
        let mut nonce = [0u8; 16];
        let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for byte in &mut nonce {
            // xorshift64: keys differ per connection, as a browser's do.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *byte = x as u8;
        }
        let key = STANDARD.encode(nonce);
        let accept = client::accept_for(&key);
        let host = options.addr;
        let request = format!(
            "GET {path} HTTP/1.1\r\n\
             Host: {host}\r\n\
             Connection: Upgrade\r\n\
             Pragma: no-cache\r\n\
             Cache-Control: no-cache\r\n\
             User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
             Upgrade: websocket\r\n\
             Origin: http://{host}\r\n\
             Sec-WebSocket-Version: 13\r\n\
             Accept-Encoding: gzip, deflate, br, zstd\r\n\
             Accept-Language: en-US,en;q=0.9\r\n\
             Sec-WebSocket-Key: {key}\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
             Sec-WebSocket-Protocol: chat, superchat\r\n\
             \r\n",
            path = options.path,
        );
        Self { request, accept }
    }

    /// Connects and handshakes; the open connection.
    async fn open(&self, addr: SocketAddr) -> Result<TcpStream, String> {
        let (stream, _) = client::open(addr, &self.request, &self.accept, READ_TIMEOUT).await?;
        Ok(stream)
    }
}

/// Sends a masked Close (1000), reads the server's Close, then waits for the server to
/// close the connection (RFC 6455 §7.1.1: the server closes TCP first).
async fn close(mut stream: TcpStream) -> Result<(), String> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let code = 1000u16.to_be_bytes();
    let frame = [
        0x88,
        0x82,
        mask[0],
        mask[1],
        mask[2],
        mask[3],
        code[0] ^ mask[0],
        code[1] ^ mask[1],
    ];
    stream
        .write_all(&frame)
        .await
        .map_err(|e| format!("write close: {e}"))?;
    let mut received = Vec::with_capacity(8);
    let mut buf = [0u8; 64];
    loop {
        let n = timeout(READ_TIMEOUT, stream.read(&mut buf))
            .await
            .map_err(|_| "timed out waiting for the server to close".to_owned())?
            .map_err(|e| format!("read close: {e}"))?;
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buf[..n]);
    }
    match received.as_slice() {
        [0x88, len, rest @ ..] if usize::from(*len) == rest.len() => Ok(()),
        other => Err(format!("expected the server's Close, got {other:02x?}")),
    }
}

/// CPU time (user + system, all threads, in µs) and minor page faults of a process, from
/// `/proc/PID/stat`.
fn cpu_and_faults(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // minflt, utime and stime are fields 10, 14 and 15 of the line: indices 7, 11 and
    // 12 here, where index 0 is the state (field 3).
    let ticks = field(11)? + field(12)?;
    // USER_HZ is 100 on every Linux configuration we run on.
    Some((ticks * 10_000, field(7)?))
}

/// Resident memory of a process in KiB, from `/proc/PID/status`.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn load(options: Arc<Options>) -> (u64, u64) {
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..options.concurrency {
        let (options, next, failures) = (options.clone(), next.clone(), failures.clone());
        clients.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= options.handshakes {
                    break;
                }
                let client = Client::new(&options, n);
                let result = match client.open(options.addr).await {
                    Ok(stream) => close(stream).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = result
                    && failures.fetch_add(1, Ordering::Relaxed) < 5
                {
                    eprintln!("{}: handshake {n}: {e}", options.label);
                }
            }
        }));
    }
    for client in clients {
        let _ = client.await;
    }
    let failures = failures.load(Ordering::Relaxed);
    (options.handshakes - failures, failures)
}

async fn idle(options: Arc<Options>, count: u64, pid: u32) -> Result<(), String> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib(pid).ok_or("cannot read the server's VmRSS")?;
    let mut open = Vec::new();
    for n in 0..count {
        let client = Client::new(&options, n);
        open.push(client.open(options.addr).await?);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid).ok_or("cannot read the server's VmRSS")?;
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / count as f64;
    println!(
        "label={} idle_connections={count} rss_before_kib={before} rss_after_kib={after} bytes_per_connection={per:.0}",
        options.label
    );
    for stream in open {
        close(stream).await?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => Arc::new(options),
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    // One thread: pinned to its own core with `taskset`, it stays off the server's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        if let Some(count) = options.idle {
            let Some(pid) = options.server_pid else {
                eprintln!("--idle needs --server-pid");
                return ExitCode::from(2);
            };
            return match idle(options.clone(), count, pid).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{}: {e}", options.label);
                    ExitCode::FAILURE
                }
            };
        }
        let before = options.server_pid.and_then(cpu_and_faults);
        let started = Instant::now();
        let (done, failures) = load(options.clone()).await;
        let seconds = started.elapsed().as_secs_f64();
        let after = options.server_pid.and_then(cpu_and_faults);
        let (cpu, faults) = match (before, after) {
            (Some(b), Some(a)) if done > 0 => (
                format!("{:.1}", (a.0 - b.0) as f64 / done as f64),
                format!("{:.1}", (a.1 - b.1) as f64 / done as f64),
            ),
            _ => ("n/a".to_owned(), "n/a".to_owned()),
        };
        println!(
            "label={} handshakes={done} failures={failures} seconds={seconds:.3} handshakes_per_second={:.0} server_cpu_us_per_handshake={cpu} server_minor_faults_per_handshake={faults}",
            options.label,
            done as f64 / seconds,
        );
        if failures == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}
