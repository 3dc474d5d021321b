//! The cross-cutting reliability proof for the connection-manager workspace.
//!
//! This crate is not part of the runtime: it holds what the fuzz targets in `fuzz/`
//! and the corpus replay tests share, so that every input a fuzzer ever found is
//! replayed by `cargo xtask ci` on the stable toolchain.
