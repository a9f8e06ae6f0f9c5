//! What the bench and CI tools share (the binaries in `src/bin/`): where a server
//! listens, the raw handshake of the bench clients, and the tuned HTTP/1.1 + h2c serving
//! that the baselines of the end-to-end and throughput benches run on.
//!
//! Not published: the examples show what a user writes (`axum::serve`); this crate holds
//! what only the benches and CI need.

pub mod client;
pub mod listen;
pub mod serve;
pub mod sniff;
