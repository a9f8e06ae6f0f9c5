//! How long this machine's `memcpy` takes for one message-sized copy, by how far the
//! destination is ahead of the source modulo a 4 KiB page.
//!
//! cargo run --release --example memcpy_alias -- [--size BYTES]
//!
//! Every codec here copies a message at least once (tungstenite copies the payload into
//! its write buffer), and where the two buffers lie is an accident of the heap. On AMD
//! Zen 3/4 cores glibc before 2.39 copies from 2 KiB up with `rep movsb`, which runs some
//! thirty times slower when the destination is 1 to 31 bytes ahead of the source modulo
//! 4 KiB. One server binary can then pay several microseconds per 16 KiB message that
//! another, whose buffers happen to lie elsewhere, does not. The benches print this
//! table's last line so that a reader can tell a host with the cliff from one without.
//! `GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=0x1000000` makes glibc use its
//! vector loop instead (`MEMCPY=vector` in benches/throughput.sh).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

const PAGE: usize = 4096;
const REPEAT: usize = 2000;

/// Nanoseconds per copy of `size` bytes with the destination `ahead` bytes (modulo a
/// page) ahead of the source: the best of five runs of [`REPEAT`] copies.
fn time_copy(buffers: &mut (Vec<u8>, Vec<u8>), size: usize, ahead: usize) -> f64 {
    let (source, destination) = buffers;
    // Both buffers start at a page boundary plus the same offset within the vector.
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
    let aligned = time_copy(&mut buffers, size, 0);
    let mut worst = (0, aligned);
    println!("{size}-byte copy, destination ahead of the source by (mod 4096): ns per copy");
    for ahead in (0..=64).step_by(4).chain([96, 128, 512, 2048, 4092]) {
        let ns = time_copy(&mut buffers, size, ahead);
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
