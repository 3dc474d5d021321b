//! The connection registry: the one owner of bookmarks, discovery servers and
//! manual servers, persisted in `omniverse.toml` and announced as events.
//!
//! [`ConnectionRegistry`] is an actix actor; start it with
//! [`ConnectionRegistry::start`] and use the returned [`RegistryHandle`]:
//!
//! ```
//! # actix::System::new().block_on(async {
//! use cm_registry::{ConnectionRegistry, RegistryConfig, events};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let dispatcher = cm_events::Dispatcher::new(); // default: the global one
//! let registry = ConnectionRegistry::start(
//!     RegistryConfig::new(dir.path().join("omniverse.toml")).dispatcher(dispatcher.clone()),
//! );
//! let _sub = dispatcher.observe("doc", 0, events::BOOKMARK_ADDED_EVENT, None, |e| {
//!     println!("bookmark {} -> {}", e["name"].as_str().unwrap(), e["url"].as_str().unwrap());
//! });
//!
//! registry.add_bookmark("Projects", "omniverse://my-server/Projects/").await.unwrap();
//! let sid = registry.add_manual_server("my-server", "omniverse://my-server/").await.unwrap();
//! let owner = registry.find_server_for_url("omniverse://my-server/Projects/a.usd").unwrap();
//! assert_eq!(owner.id(), sid);
//! let text = std::fs::read_to_string(dir.path().join("omniverse.toml")).unwrap();
//! assert!(text.contains(r#""omniverse://my-server" = "my-server""#));
//! # });
//! ```
//!
//! # How a change flows
//!
//! A request (a [`messages`] type, usually sent by a [`RegistryHandle`]
//! method) is validated and applied to the state on the actor's thread, then
//! written to the file in one fine-grained, locked, atomic `TomlStore::apply`,
//! then published as a new [`RegistrySnapshot`], then announced through
//! cm-events (see [`events`]), and only then answered. Requests are handled one
//! at a time, so events come out in the order of the changes.
//!
//! Background parts never touch the state: the file watcher sends
//! `FileChanged`, each discovery actor sends `DiscoveryUpdate`, and the registry
//! handles them like any other message. A reload diffs the file against memory
//! and announces exactly the difference (nothing for the registry's own writes;
//! a bookmark that changed only its name is a rename). A file that cannot be
//! parsed changes nothing and is reported in
//! [`StorageStatus::last_load_error`].
//!
//! # Reads
//!
//! Readers never wait on the actor: [`RegistryHandle::snapshot`] (any thread)
//! loads the current immutable snapshot, and lookups such as
//! [`RegistrySnapshot::find_server_for_url`] run on it with an origin index.
//! [`SnapshotReader::wait_for`] awaits a condition without polling.
//!
//! # URLs
//!
//! Every URL is stored in cm-url's normalised form **without user info**: the
//! registry holds locations, not credentials, and what it holds goes to the
//! file. One spelling per location also makes duplicate checks, lookups and the
//! reload diff exact. A manual server is stored as its server root; a
//! discovery URL must be `http(s)`.
//!
//! # Failed saves
//!
//! A change whose save fails (for example, the file on disk is malformed, which
//! is never overwritten) stays in effect in memory, is published and announced,
//! and the request answers [`RegistryError::NotSaved`]. The edit is kept and
//! written first by the next successful save, and before a reload of the
//! repaired file is diffed. [`StorageStatus`] shows the error and the number of
//! unsaved edits.
//!
//! Without an actor, [`RegistryModel`] gives the same state and reload diff as
//! plain Rust.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod actor;
mod align;
mod bookmark_diff;
pub mod bookmarks;
mod config;
mod diff;
mod discovery;
mod error;
mod event_dispatch;
pub mod events;
mod file_edit;
mod file_load;
mod file_save;
mod handle;
mod ids;
mod index;
pub mod messages;
mod snapshot;
mod standalone;
mod state;
pub mod system_thread;
pub mod typed_event;
mod url_policy;
mod values;

pub use actor::ConnectionRegistry;
pub use bookmarks::Bookmarks;
pub use config::RegistryConfig;
pub use error::RegistryError;
pub use file_save::StoreError;
pub use handle::RegistryHandle;
pub use ids::ServerId;
pub use snapshot::{RegistrySnapshot, SnapshotReader, StorageStatus};
pub use standalone::{RegistryModel, SectionsApplied};
pub use system_thread::{OwnedRegistry, StartError};
pub use typed_event::{NotARegistryEvent, RegistryEvents};
pub use url_policy::{UrlError, UrlKind};
pub use values::{Bookmark, DiscoveryServer, DiscoveryStatus, ManualServer, ServerMatch};
