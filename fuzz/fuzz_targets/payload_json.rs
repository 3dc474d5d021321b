//! Fuzz target `payload_json`: a thin wrapper over `cm_reliability::payload_json::check`,
//! which panics when an invariant is violated. Replayed on stable by
//! crates/cm-reliability/tests/fuzz_replay.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cm_reliability::payload_json::check(data);
});

/// LeakSanitizer suppressions built into the target, since `cargo fuzz run` passes none:
/// cm-events interns every payload key for the life of the process (leaked boxes, and old
/// lock-free lookup tables that readers may still hold are never freed). That is its design,
/// not a leak per input.
#[unsafe(no_mangle)]
pub extern "C" fn __lsan_default_suppressions() -> *const std::ffi::c_char {
    c"leak:cm_events::name::\n".as_ptr()
}
