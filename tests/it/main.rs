//! The integration tests, one binary with one module per concern (a binary per file
//! would be a link step each). Tests that need the process to themselves have their own
//! binaries: tests/allocations.rs (a counting global allocator) and tests/tracing.rs
//! (tracing's process-wide callsite interest).

mod common;

mod axum_extractor;
mod bad_input;
mod credential;
mod deflate_codec;
mod deflate_memory;
mod deflate_negotiation;
mod forwarded;
mod host_rules;
mod http2;
mod layer_api;
mod origin_rules;
mod policies;
mod proptest_handshake;
mod raw_handshake;
mod read_ahead;
mod shutdown;
mod test_kit;
mod tower_http;
mod tungstenite_client;
