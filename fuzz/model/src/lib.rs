//! The reference model of the handshake and the harness that checks the real layer
//! against it, shared by the fuzz targets (`fuzz/fuzz_targets/`) and the property tests
//! (`tests/it/proptest_handshake.rs` and the parsers' in `src/fuzz/`), so that both
//! check the same rules. Not published.

pub mod harness;
pub mod model;
#[cfg(feature = "proptest")]
pub mod strategies;
