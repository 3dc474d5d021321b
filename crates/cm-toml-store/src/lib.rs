//! omniverse.toml persistence for the connection manager: format-preserving,
//! crash-safe and safe for several processes at once, with a debounced file
//! watcher and the one-time migration of old-style files.
//!
//! # The file
//!
//! ```toml
//! [bookmarks]                       # name = url
//! Astronaut = "https://bucket.s3.amazonaws.com/Samples/Astronaut/"
//!
//! [servers]                         # url = name, each URL once
//! "omniverse://my-server" = "my-server"
//!
//! [[discovery_servers]]
//! name = "My Storage"
//! url = "https://discovery.example.com/"
//! cached_addresses = ["omniverse://storage.example.com/"]
//! ```
//!
//! Everything else in the file (other sections, comments, blank lines, key
//! order) is left exactly as it is: edits go through `toml_edit`, and only
//! the entries an edit names are touched.
//!
//! # Using it
//!
//! * [`TomlStore::load`] reads the typed [`Sections`] plus [`LoadWarning`]s
//!   for entries that were skipped (wrong type) or kept but look wrong
//!   (invalid URL).
//! * [`TomlStore::apply`] applies [`Change`]s (add/remove/rename bookmark,
//!   set/remove server or discovery server) to the file as it is on disk, under
//!   a cross-process lock, in one atomic replace. Prefer it: a process changes
//!   only what it changed.
//! * [`TomlStore::save_sections`] makes the file hold exactly a given state.
//! * [`TomlStore::watch`] starts a [`TomlFileWatcher`] that reports external
//!   edits as [`FileChanged`] messages, ignoring this process's own saves.
//! * [`TomlStore::migrate_if_needed`] performs the one-time migration of a
//!   file that has `[bookmarks]` but neither `[servers]` nor
//!   `[[discovery_servers]]`; [`plan_migration`] is its pure dry run.
//!
//! # Guarantees
//!
//! * Writes are atomic (temp file + fsync + rename + directory fsync); a crash
//!   leaves the old or the new complete file.
//! * A file that is not valid TOML, or whose sections have the wrong type, is
//!   never overwritten; the error names the file, line and column.
//! * Two processes editing at once lose nothing.
//! * A change is refused ([`StoreError::Refused`], nothing written) when it would write what
//!   the loader skips (an invalid URL), a name or URL over its limit, a file over
//!   [`MAX_FILE_BYTES`], or replace an entry the loader skipped for its type.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod atomic_write;
mod change;
mod commit_check;
mod document;
mod error;
mod last_parsed;
mod lock;
mod migration;
mod path;
mod permissions;
mod position;
mod reconcile;
mod refusal;
mod render;
mod sections;
mod seen;
mod splice;
mod store;
mod url_rules;
mod watch_set;
mod watcher;
mod written_mark;

pub use atomic_write::Durability;
pub use change::Change;
pub use error::{LoadWarning, Section, StoreError, WarningKind};
pub use lock::{LockHolder, LockWait, LockWaiting};
pub use migration::{MigrationPlan, MigrationReport, plan_migration};
pub use path::{CONFIG_DIR_VAR, FILE_NAME, resolve_config_path, resolve_config_path_with};
pub use refusal::{MAX_NAME_BYTES, MAX_URL_BYTES, Refusal};
pub use sections::{BookmarkEntry, DiscoveryEntry, Loaded, Sections, ServerEntry};
pub use store::{MAX_FILE_BYTES, TomlStore};
pub use watcher::{FileChanged, Subscriber, TomlFileWatcher, WatchBackend, WatchConfig};
