//! The connection manager workspace, as one crate.
//!
//! This facade re-exports every library crate of the workspace under a short
//! name, for applications that want the whole system behind one dependency.
//! Each crate can also be used on its own; see its README.
//!
//! [`prelude`] holds what a typical application names; [`actix`], [`futures`] and
//! [`crossbeam_channel`] are re-exported because the facade's API hands out their types
//! (actor addresses, streams, the channel a file watcher delivers to), so an application needs
//! no dependency besides this crate. The repository README has a complete example.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use cm_compat_nucleus as compat_nucleus;
pub use cm_discovery as discovery;
pub use cm_events as events;
pub use cm_manager as manager;
pub use cm_registry as registry;
pub use cm_toml_store as toml_store;
pub use cm_url as url;

pub use actix;
pub use crossbeam_channel;
pub use futures;

/// What a typical application names: `use connection_manager::prelude::*;`.
///
/// The manager and its settings, the answers of `ensure_connection`, sign-in answers, the
/// event dispatcher and its payloads, the typed registry events and every event name.
pub mod prelude {
    pub use cm_events::{Dispatcher, Event, ObserverGuard, Payload, dispatcher};
    pub use cm_manager::{
        AuthAnswer, ConnectionStatus, EnsureError, EnsureOptions, ManagerConfig, ManagerHandle,
        Reachable, Secret, StartupError, StatusChange,
    };
    pub use cm_registry::RegistryConfig;
    pub use cm_registry::events::RegistryEvent;
    pub use cm_registry::events::{
        BOOKMARK_ADDED_EVENT, BOOKMARK_DELETED_EVENT, BOOKMARK_RENAMED_EVENT,
        CONNECTION_SUCCEEDED_EVENT, DISCOVERY_SERVER_ADDED_EVENT, DISCOVERY_SERVER_REMOVED_EVENT,
        DISCOVERY_SERVER_UPDATED_EVENT, MANUAL_SERVER_ADDED_EVENT, MANUAL_SERVER_REMOVED_EVENT,
    };
    pub use cm_registry::typed_event::CONFIG_RELOAD_FAILED_EVENT;
}
