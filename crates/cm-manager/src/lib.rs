//! # cm-manager: the connection manager
//!
//! One authority for "can I reach this URL right now?": [`ManagerHandle::ensure_connection`] answers at once
//! for http(s)/S3/Azure/GCS URLs, waits for the discovery a URL belongs to, and connects to
//! Nucleus (`omniverse://`) servers with sign-in, reconnect and omni.client's retry schedule,
//! sharing one attempt between all concurrent callers of a server.
//!
//! * [`StorageClient`]: the omni.client seam (stat, sign-out, reconnect, per-server
//!   [`ConnectionStatus`] streams, [`AuthCallbacks`]); [`HttpStorageClient`] speaks the stand-in
//!   protocol of `docs/PROTOCOL.md` (`omniverse://host:port` → `http://host:port`).
//! * [`ConnectionManager`]: the actix actor over the registry; [`ManagerHandle`]: the cloneable,
//!   `Send + Sync` handle whose async methods work from any runtime, with blocking variants.
//! * [`dialogs`]: the add-server, sign-in, alert and progress view models.
//! * Module-level functions ([`startup`], [`ensure_connection()`], [`get_bookmarks`],
//!   [`show_add_nucleus_server_dialog`], ...) over one process-wide manager.
//!
//! ```
//! use cm_manager::{ManagerConfig, ManagerHandle, Reachable, EnsureError};
//!
//! let manager = ManagerHandle::start(
//!     ManagerConfig::in_memory().dispatcher(cm_events::Dispatcher::new()),
//! ).unwrap();
//! assert_eq!(
//!     manager.ensure_connection_blocking("https://example.com/scene.usd"),
//!     Ok(Reachable::AlwaysReachable)
//! );
//! assert!(matches!(
//!     manager.ensure_connection_blocking("omniverse://"),
//!     Err(EnsureError::InvalidUrl(_))
//! ));
//! // Only one add-server dialog at a time.
//! let dialog = manager.show_add_http_server_dialog(None, None).unwrap();
//! assert!(manager.show_add_nucleus_server_dialog(None, None).is_none());
//! dialog.cancel();
//! manager.shutdown();
//! ```

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
mod auth;
mod browser_sign_in;
mod classify;
mod config;
pub mod dialogs;
mod ensure;
mod error;
mod handle;
mod runtime;
mod singleton;
mod status;
pub mod storage;

pub use actor::{
    ConnectionManager, EnsureNucleus, EnsureResult, Reconnect, SignOut, StopManager,
    WaitForDiscovery,
};
pub use auth::{
    AuthAnswer, AuthCallbacks, AuthRequest, CallbackId, Secret, SignInHandle, SignInOutcome,
    SignInPrompt,
};
pub use browser_sign_in::SignInFlow;
pub use cm_registry::events::CONNECTION_SUCCEEDED_EVENT;
pub use config::ManagerConfig;
pub use error::{EnsureError, Reachable, StartupError, plain_cause};
pub use handle::{EnsureOptions, ManagerHandle};
pub use singleton::{
    BookmarkChangeError, add_bookmark, disconnect, ensure_connection, ensure_connection_blocking,
    ensure_connection_with, fallback_name_for_url, get_bookmarks, get_instance, reconnect,
    remove_bookmark, rename_bookmark, show_add_discovery_server_dialog,
    show_add_http_server_dialog, show_add_nucleus_server_dialog, shutdown, startup,
    startup_in_system, try_add_bookmark, try_remove_bookmark, try_rename_bookmark,
};
pub use status::{ConnectionStatus, InvalidTransition};
pub use storage::{
    HttpStorageClient, HttpStorageConfig, ResultCode, StatInfo, StatusBoard, StatusChange,
    StorageClient, StorageError, http_base_for,
};
