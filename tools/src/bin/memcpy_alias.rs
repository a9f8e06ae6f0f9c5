//! How long this machine's `memcpy` takes for one message-sized copy, by how far the
//! destination is ahead of the source modulo a 4 KiB page.
//!
//! cargo run --release -p ws-bench-tools --bin memcpy_alias -- [--size BYTES]
//!
//! tungstenite copies every payload it sends into its write buffer, and where the two
//! buffers lie is an accident of the heap. On the AMD EPYC host of docs/PERFORMANCE.md,
//! glibc 2.36's copy is 30 to 60 times slower when the destination is 4 to 28 bytes
//! ahead (the distances tried are multiples of 4). The measurement is in
//! docs/PERFORMANCE.md ("Forty-one rounds"), and the workaround in docs/DEPLOY.md.
//! benches/throughput.sh prints the last line, so that a reader can tell a host with the
//! cliff from one without.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

const PAGE: usize = 4096;
const REPEAT: usize = 2000;

/// Nanoseconds per copy of `size` bytes with the destination `ahead` bytes (modulo a
/// page) ahead of the source: the best of five runs of [`REPEAT`] copies.
fn time_copy(buffers: &mut (Vec<u8>, Vec<u8>), size: usize, ahead: usize) -> f64 {
    let (source, destination) = buffers;
    // Each slice starts two pages past the first page boundary of its vector.
    let base = |v: &Vec<u8>| (PAGE - v.as_ptr() as usize % PAGE) % PAGE;
    let from = base(source) + 2 * PAGE;
    let to = base(destination) + 2 * PAGE + ahead;
    let source = &source[from..from + size];
    let destination = &mut destination[to..to + size];
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..REPEAT {
                destination.copy_from_slice(black_box(source));
                black_box(&mut *destination);
            }
            start.elapsed().as_nanos() as f64 / REPEAT as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> ExitCode {
    let mut size = 16 * 1024;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<usize>())) {
            ("--size", Some(Ok(n))) if n > 0 => size = n,
            _ => {
                eprintln!("usage: memcpy_alias [--size BYTES]");
                return ExitCode::from(2);
            }
        }
    }
    let mut buffers = (vec![1u8; size + 4 * PAGE], vec![2u8; size + 4 * PAGE]);
    time_copy(&mut buffers, size, 0); // warm-up: caches, page tables, the CPU's clock
    let mut aligned = f64::NAN;
    let mut worst = (0, 0.0);
    println!("{size}-byte copy, destination ahead of the source by (mod 4096): ns per copy");
    for ahead in (0..=64).step_by(4).chain([96, 128, 512, 2048, 4092]) {
        let ns = time_copy(&mut buffers, size, ahead);
        if ahead == 0 {
            aligned = ns;
        }
        if ns > worst.1 {
            worst = (ahead, ns);
        }
        println!("  {ahead:>4}: {ns:>8.0}");
    }
    println!(
        "memcpy size={size} aligned_ns={aligned:.0} worst_ns={:.0} worst_ahead={} slowdown={:.1}",
        worst.1,
        worst.0,
        worst.1 / aligned
    );
    ExitCode::SUCCESS
}
