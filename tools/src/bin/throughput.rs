//! The message throughput client of `benches/throughput.sh`: one WebSocket connection
//! echoing messages one at a time, and resident memory per open connection.
//!
//! ```text
//! cargo run --release -p ws-bench-tools --bin throughput -- --addr HOST:PORT [--path /echo] [--label NAME]
//!     [--server-pid PID] [--sizes 64,16384,1048576] [--seconds S | --count N] [--http2] [--deflate]
//! cargo run --release -p ws-bench-tools --bin throughput -- --idle N --addr HOST:PORT --server-pid PID
//!     [--warm BYTES] [--label NAME]
//! ```
//!
//! Echo mode: for each size, a connection of its own sends a binary message of that size
//! (masked, one frame), reads the echo, and repeats for `--seconds`; the first echo of each size
//! is compared byte for byte, every other one by length. With `--deflate` it offers
//! `permessage-deflate; client_no_context_takeover; server_no_context_takeover` and sends
//! compressible text (English-like words) compressed once, each message on its own, so
//! that the server decompresses and compresses every message in full; the first echo is
//! decompressed and compared. With `--http2` the connection is an RFC 8441 extended
//! CONNECT over h2c (hyper's client). One line per size:
//!
//! ```text
//! label=NAME proto=h1 size=16384 messages=N seconds=S mb_per_s=X server_cpu_ns_per_kb=C server_minor_faults_per_mb=F
//! ```
//!
//! MB/s counts the messages' payload once (10^6 bytes), as does CPU per KB (10^3 bytes):
//! the server's user + system time from `/proc/PID/stat`, all threads, in ticks of 10 ms,
//! so `--seconds` should be at least 1.
//!
//! Idle mode: opens N connections, echoes one message of `--warm` bytes on each if given
//! (what a connection holds after a large message), holds them open and prints the
//! server's VmRSS growth per connection.
//!
//! Every address is the caller's: meant for loopback. Every read has a 10 s timeout.

use ws_bench_tools::client;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

const USAGE: &str = "usage: throughput --addr HOST:PORT [--path /echo] [--label NAME] \
[--server-pid PID] [--sizes 64,16384,1048576] [--seconds S | --count N] [--http2] [--deflate]\n       \
throughput --idle N --addr HOST:PORT --server-pid PID [--warm BYTES] [--label NAME]";

const READ_TIMEOUT: Duration = Duration::from_secs(10);

struct Options {
    addr: SocketAddr,
    path: String,
    label: String,
    server_pid: Option<u32>,
    sizes: Vec<usize>,
    seconds: f64,
    http2: bool,
    deflate: bool,
    idle: Option<usize>,
    warm: Option<usize>,
    count: Option<u64>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        path: "/echo".to_owned(),
        label: "server".to_owned(),
        server_pid: None,
        sizes: vec![64, 16 * 1024, 1024 * 1024],
        seconds: 2.0,
        http2: false,
        deflate: false,
        idle: None,
        warm: None,
        count: None,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| v.parse::<usize>().map_err(|e| format!("{name}: {e}"));
        match arg.as_str() {
            "--addr" => {
                let v = value("--addr")?;
                options.addr = v.parse().map_err(|e| format!("--addr {v:?}: {e}"))?;
            }
            "--path" => options.path = value("--path")?,
            "--label" => options.label = value("--label")?,
            "--server-pid" => options.server_pid = Some(number(&arg, value(&arg)?)? as u32),
            "--sizes" => {
                options.sizes = value("--sizes")?
                    .split(',')
                    .map(|s| number("--sizes", s.to_owned()))
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => {
                let v = value("--seconds")?;
                options.seconds = v.parse().map_err(|e| format!("--seconds {v:?}: {e}"))?;
            }
            "--http2" => options.http2 = true,
            "--deflate" => options.deflate = true,
            "--idle" => options.idle = Some(number(&arg, value(&arg)?)?),
            "--warm" => options.warm = Some(number(&arg, value(&arg)?)?),
            "--count" => options.count = Some(number(&arg, value(&arg)?)? as u64),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if options.http2 && options.deflate {
        return Err("--http2 and --deflate: one or the other".to_owned());
    }
    Ok(options)
}

/// What `--deflate` negotiates: each message compressed on its own, both ways.
const DEFLATE_OFFER: &str =
    "permessage-deflate; client_no_context_takeover; server_no_context_takeover";

/// An HTTP/1.1 handshake; the connection once the `101` is read and checked.
async fn open_h1(options: &Options, n: usize) -> Result<TcpStream, String> {
    let key = STANDARD.encode(
        (n as u128)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .to_le_bytes(),
    );
    let extensions = if options.deflate {
        format!("Sec-WebSocket-Extensions: {DEFLATE_OFFER}\r\n")
    } else {
        String::new()
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n{extensions}\r\n",
        path = options.path,
        host = options.addr,
    );
    let accept = client::accept_for(&key);
    let (stream, head) = client::open(options.addr, &request, &accept, READ_TIMEOUT).await?;
    let agreed = client::header(&head, "sec-websocket-extensions").unwrap_or_default();
    let name = agreed.split([';', ',']).next().unwrap_or_default().trim();
    if options.deflate && !name.eq_ignore_ascii_case("permessage-deflate") {
        return Err(format!("permessage-deflate not negotiated: {head:?}"));
    }
    Ok(stream)
}

type Upgraded = TokioIo<hyper::upgrade::Upgraded>;

/// An RFC 8441 extended CONNECT over h2c; the WebSocket's stream.
async fn open_h2(options: &Options) -> Result<Upgraded, String> {
    let tcp = TcpStream::connect(options.addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake::<_, Empty<Bytes>>(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("HTTP/2 handshake: {e}"))?;
    // hyper sends an extended CONNECT only once the server's SETTINGS enabled it: a
    // first request and its answer make sure they have arrived.
    let mut connection = Box::pin(connection);
    let origin = format!("http://{}", options.addr);
    let probe = http::Request::get(format!("{origin}/health"))
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    tokio::select! {
        response = sender.send_request(probe) => {
            response.map_err(|e| format!("GET /health: {e}"))?;
        }
        result = connection.as_mut() => return Err(format!("the connection ended: {result:?}")),
    }
    if !connection.is_extended_connect_protocol_enabled() {
        return Err("the server did not enable extended CONNECT".to_owned());
    }
    tokio::spawn(connection);
    let request = http::Request::builder()
        .method(http::Method::CONNECT)
        .uri(format!("{origin}{}", options.path))
        .extension(hyper::ext::Protocol::from_static("websocket"))
        .header("sec-websocket-version", "13")
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let response = timeout(READ_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| "timed out waiting for the CONNECT's response".to_owned())?
        .map_err(|e| format!("CONNECT: {e}"))?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("CONNECT answered {}", response.status()));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|e| format!("the CONNECT stream: {e}"))?;
    Ok(TokioIo::new(upgraded))
}

/// English-like text that compresses about as much as prose (some 3:1).
fn text(size: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "socket",
        "reads",
        "a",
        "message",
        "from",
        "client",
        "and",
        "server",
        "echo",
        "frame",
        "buffer",
        "connection",
        "of",
        "to",
        "in",
        "large",
        "small",
        "bytes",
        "data",
        "handshake",
        "upgrade",
        "stream",
        "window",
        "compress",
        "table",
        "figure",
        "measured",
    ];
    let mut out = Vec::with_capacity(size + 16);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(WORDS[(x % WORDS.len() as u64) as usize].as_bytes());
        out.push(if x.is_multiple_of(11) { b'\n' } else { b' ' });
    }
    out.truncate(size);
    out
}

/// A binary payload whose bytes differ.
fn binary(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 31 + i / 251) as u8).collect()
}

fn compress(data: &[u8]) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::default(), false);
    let mut out = Vec::with_capacity(data.len() + 1024);
    compress
        .compress_vec(data, &mut out, flate2::FlushCompress::Sync)
        .expect("deflate");
    // RFC 7692 §7.2.1: the empty stored block that the sync flush ends with is removed.
    out.truncate(out.len() - 4);
    out
}

fn inflate(data: &[u8], size: usize) -> Result<Vec<u8>, String> {
    let mut decompress = flate2::Decompress::new(false);
    let mut input = data.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(size + 1024);
    decompress
        .decompress_vec(&input, &mut out, flate2::FlushDecompress::Sync)
        .map_err(|e| format!("inflate: {e}"))?;
    Ok(out)
}

/// A client's frame: FIN, `first` (opcode and RSV1), masked.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x5a, 0x3c, 0x96, 0xe1];
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(first);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xffff => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// Reads one unmasked server frame into `payload`; returns its first byte.
async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    payload: &mut Vec<u8>,
) -> Result<u8, String> {
    let read = async {
        let mut head = [0u8; 2];
        reader.read_exact(&mut head).await?;
        if head[1] & 0x80 != 0 {
            return Err(std::io::Error::other("a masked frame from the server"));
        }
        let len = match head[1] & 0x7f {
            126 => u64::from(reader.read_u16().await?),
            127 => reader.read_u64().await?,
            n => u64::from(n),
        };
        payload.resize(len as usize, 0);
        reader.read_exact(payload).await?;
        Ok::<u8, std::io::Error>(head[0])
    };
    timeout(READ_TIMEOUT, read)
        .await
        .map_err(|_| "timed out reading a frame".to_owned())?
        .map_err(|e| format!("read: {e}"))
}

/// One message to send, and how to check its echo.
struct Message {
    frame: Vec<u8>,
    plain: Vec<u8>,
    deflate: bool,
}

impl Message {
    fn new(size: usize, deflate: bool) -> Self {
        if deflate {
            let plain = text(size);
            Self {
                frame: frame(0xc1, &compress(&plain)),
                plain,
                deflate,
            }
        } else {
            let plain = binary(size);
            Self {
                frame: frame(0x82, &plain),
                plain,
                deflate,
            }
        }
    }

    fn check(&self, first: u8, payload: &[u8], full: bool) -> Result<(), String> {
        let opcode = first & 0x0f;
        if first & 0x80 == 0 {
            return Err("a fragmented echo".to_owned());
        }
        if self.deflate {
            if opcode != 1 {
                return Err(format!("opcode {opcode}, expected text"));
            }
            if first & 0x40 == 0 {
                // Compressed from a size up: the codec may send short ones as they are.
                return if payload == self.plain.as_slice() {
                    Ok(())
                } else {
                    Err("the uncompressed echo differs".to_owned())
                };
            }
            if full && inflate(payload, self.plain.len())? != self.plain {
                return Err("the decompressed echo differs".to_owned());
            }
            return Ok(());
        }
        if opcode != 2 {
            return Err(format!("opcode {opcode}, expected binary"));
        }
        if payload.len() != self.plain.len() || (full && payload != self.plain.as_slice()) {
            return Err(format!(
                "an echo of {} bytes differs from the {} sent",
                payload.len(),
                self.plain.len()
            ));
        }
        Ok(())
    }
}

/// Echoes `message` until `seconds` have passed, or `count` times; the number of echoes.
async fn echo_for<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut BufReader<S>,
    message: &Message,
    seconds: f64,
    count_to: Option<u64>,
) -> Result<u64, String> {
    let mut payload = Vec::with_capacity(message.plain.len() + 16);
    let started = Instant::now();
    let mut count = 0u64;
    loop {
        io.write_all(&message.frame)
            .await
            .map_err(|e| format!("write: {e}"))?;
        let first = read_frame(io, &mut payload).await?;
        message.check(first, &payload, count == 0)?;
        count += 1;
        if count_to.map_or(started.elapsed().as_secs_f64() >= seconds, |n| count >= n) {
            return Ok(count);
        }
    }
}

/// The client's Close, then the server's Close and the end of the stream.
async fn close<S: AsyncRead + AsyncWrite + Unpin>(io: &mut BufReader<S>) -> Result<(), String> {
    io.write_all(&frame(0x88, &1000u16.to_be_bytes()))
        .await
        .map_err(|e| format!("write close: {e}"))?;
    let mut payload = Vec::new();
    let first = read_frame(io, &mut payload).await?;
    if first & 0x0f != 8 {
        return Err(format!("expected the server's Close, got {first:02x}"));
    }
    Ok(())
}

/// CPU time (user + system, all threads, in µs) and minor page faults of a process, from
/// `/proc/PID/stat`.
fn cpu_and_faults(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // minflt, utime and stime are fields 10, 14 and 15 of the line: indices 7, 11 and
    // 12 here, where index 0 is the state (field 3). USER_HZ is 100.
    Some(((field(11)? + field(12)?) * 10_000, field(7)?))
}

/// Resident memory of a process in KiB, from `/proc/PID/status`.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Echoes messages of `size` on `io` and prints the line for them; then closes.
async fn measure<S: AsyncRead + AsyncWrite + Unpin>(
    options: &Options,
    io: &mut BufReader<S>,
    proto: &str,
    size: usize,
) -> Result<(), String> {
    let message = Message::new(size, options.deflate);
    // Warm-up: the server's buffers grown, the TCP window open.
    echo_for(io, &message, 0.1, options.count.map(|_| 1)).await?;
    let before = options.server_pid.and_then(cpu_and_faults);
    let started = Instant::now();
    let count = echo_for(io, &message, options.seconds, options.count).await?;
    let seconds = started.elapsed().as_secs_f64();
    let after = options.server_pid.and_then(cpu_and_faults);
    let bytes = count as f64 * size as f64;
    let (cpu, faults) = match (before, after) {
        (Some(b), Some(a)) => (
            format!("{:.1}", (a.0 - b.0) as f64 * 1000.0 / (bytes / 1000.0)),
            format!("{:.2}", (a.1 - b.1) as f64 / (bytes / 1e6)),
        ),
        _ => ("n/a".to_owned(), "n/a".to_owned()),
    };
    println!(
        "label={} proto={proto} size={size} messages={count} seconds={seconds:.3} mb_per_s={:.2} server_cpu_ns_per_kb={cpu} server_minor_faults_per_mb={faults}",
        options.label,
        bytes / seconds / 1e6,
    );
    close(io).await
}

async fn idle(options: &Options, count: usize) -> Result<(), String> {
    let pid = options.server_pid.ok_or("--idle needs --server-pid")?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib(pid).ok_or("cannot read the server's VmRSS")?;
    let warm = options.warm.map(|size| Message::new(size, options.deflate));
    let mut open = Vec::with_capacity(count);
    for n in 0..count {
        let mut io = BufReader::with_capacity(64 * 1024, open_h1(options, n).await?);
        if let Some(message) = &warm {
            io.write_all(&message.frame)
                .await
                .map_err(|e| format!("write: {e}"))?;
            let mut payload = Vec::new();
            let first = read_frame(&mut io, &mut payload).await?;
            message.check(first, &payload, true)?;
        }
        open.push(io);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid).ok_or("cannot read the server's VmRSS")?;
    let per = after.saturating_sub(before) as f64 * 1024.0 / count as f64;
    println!(
        "label={} idle_connections={count} warm={} rss_before_kib={before} rss_after_kib={after} bytes_per_connection={per:.0}",
        options.label,
        options.warm.unwrap_or(0),
    );
    for mut io in open {
        close(&mut io).await?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
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
    let result = runtime.block_on(async {
        if let Some(count) = options.idle {
            return idle(&options, count).await;
        }
        // A connection per size: what TCP learnt from one size (its receive buffer, its
        // window) does not carry over to the next.
        for (n, &size) in options.sizes.iter().enumerate() {
            if options.http2 {
                let mut io = BufReader::with_capacity(256 * 1024, open_h2(&options).await?);
                measure(&options, &mut io, "h2", size).await?;
            } else {
                let mut io = BufReader::with_capacity(256 * 1024, open_h1(&options, n).await?);
                measure(&options, &mut io, "h1", size).await?;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", options.label);
            ExitCode::FAILURE
        }
    }
}
