//! The cross-cutting reliability proof for the connection-manager workspace.
//!
//! This crate is not part of the runtime: it holds what the fuzz targets in `fuzz/`
//! and the corpus replay tests share, so that every input a fuzzer ever found is
//! replayed by `cargo test` on the stable toolchain.
//!
//! Each module is one fuzz entry point: a `pub fn(&[u8])` that feeds arbitrary bytes to one
//! input surface of the workspace and **panics when an invariant is violated** (a panic is
//! what a fuzzer reports as a crash). An input that is merely rejected (a URL that does not
//! parse, a file that is not TOML) is fine; a panic inside the library, a wrong answer or a
//! file that a failed operation changed is not.
//!
//! | entry point | surface | invariants |
//! |---|---|---|
//! | [`url::check`] | `cm_url` | normalize idempotent, its output re-parses to itself; kind/root agree; root is a prefix; `redact` hides the password (parsed and unparsed); one-line errors |
//! | [`toml_load::check`] | `TomlStore::load` | clean error or entries; a malformed file refuses writes and stays byte-identical; saving the loaded entries back (in place and into a new file) re-loads the same entries (a new file refuses an entry no change may write) |
//! | [`toml_change::check`] | `TomlStore::apply`, every kind of `Change` | the result parses, loads and holds the change; foreign keys keep their values and every line outside the changed entries its bytes (comments, BOM, final line ending or its absence, CRLF) |
//! | [`migration::check`] | `plan_migration`, `migrate_if_needed` | never panic; the plan is idempotent; the migration writes exactly the plan and the result loads |
//! | [`payload_json::check`] | `cm_events::Payload` ↔ `serde_json::Value` | objects round-trip, non-objects are refused, `Variant` round-trips every JSON value |
//!
//! ```
//! // Every entry point accepts any bytes; valid and invalid input alike must not panic.
//! cm_reliability::url::check(b"omniverse://alice:pw@Server.:3009//a/../b?token=x");
//! cm_reliability::toml_load::check(b"[bookmarks]\nA = \"omniverse://a/\"\n");
//! cm_reliability::toml_change::check(b"[servers]\n\"omniverse://h\" = \"h\"");
//! cm_reliability::migration::check(b"[bookmarks]\nroot = \"omniverse://srv/\"\n");
//! cm_reliability::payload_json::check(br#"{"url": "omniverse://x/", "n": [1, 2.5, null]}"#);
//! cm_reliability::url::check(&[0xff, 0x00, b'%']);
//! ```

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod migration;
pub mod payload_json;
mod scratch;
pub mod toml_change;
pub mod toml_load;
pub mod url;

/// A fuzz entry point: takes arbitrary bytes, panics when an invariant is violated.
pub type Check = fn(&[u8]);

/// The fuzz targets by name, as in `fuzz/fuzz_targets/<name>.rs` and the corpus directories
/// `fuzz/corpus/<name>/` and `fuzz/regressions/<name>/`.
pub const TARGETS: [(&str, Check); 5] = [
    ("url", url::check),
    ("toml_load", toml_load::check),
    ("toml_change", toml_change::check),
    ("migration", migration::check),
    ("payload_json", payload_json::check),
];
