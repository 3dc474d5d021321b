//! Fuzz target `toml_change`: a thin wrapper over `cm_reliability::toml_change::check`, which panics when an
//! invariant is violated. Replayed on stable by crates/cm-reliability/tests/fuzz_replay.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cm_reliability::toml_change::check(data);
});
