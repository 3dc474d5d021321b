//! The module-level API: one process-wide manager, started by [`startup`] and stopped by
//! [`shutdown`], behind free functions that mirror the original extension's module functions.
//!
//! Before `startup` (and after `shutdown`) every function is a no-op that answers `false`, an
//! empty list or `None`, as the original does when the extension is not loaded; the dialog
//! functions also call `on_failed`, so a caller waiting for one of its callbacks is not left
//! hanging.
//!
//! ```
//! # fn main() -> Result<(), cm_manager::StartupError> {
//! assert!(!cm_manager::ensure_connection_blocking("https://example.com/"));
//! cm_manager::startup(cm_manager::ManagerConfig::in_memory().dispatcher(cm_events::Dispatcher::new()))?;
//! assert!(cm_manager::ensure_connection_blocking("https://example.com/"));
//! assert_eq!(cm_manager::fallback_name_for_url("omniverse://my-server/x"), "my-server");
//! cm_manager::shutdown();
//! # Ok(()) }
//! ```

use parking_lot::RwLock;

use crate::config::ManagerConfig;
use crate::dialogs::{AddServerDialog, OnFailed, OnSuccess, ServerKind};
use crate::error::StartupError;
use crate::handle::{EnsureOptions, ManagerHandle};
use cm_registry::Bookmark;

static INSTANCE: RwLock<Option<ManagerHandle>> = RwLock::new(None);

/// Starts the process-wide manager on a dedicated thread (see [`ManagerHandle::start`]) and
/// installs it. Fails with [`StartupError::AlreadyRunning`] if one is installed.
pub fn startup(config: ManagerConfig) -> Result<ManagerHandle, StartupError> {
    install(|| ManagerHandle::start(config))
}

/// Like [`startup`], but hosts the actors in the current actix System (for actor users).
pub fn startup_in_system(config: ManagerConfig) -> Result<ManagerHandle, StartupError> {
    install(|| ManagerHandle::start_in_system(config))
}

fn install(
    start: impl FnOnce() -> Result<ManagerHandle, StartupError>,
) -> Result<ManagerHandle, StartupError> {
    let mut instance = INSTANCE.write();
    if instance.is_some() {
        return Err(StartupError::AlreadyRunning);
    }
    let handle = start()?;
    *instance = Some(handle.clone());
    Ok(handle)
}

/// Uninstalls and stops the process-wide manager; false if none was running.
pub fn shutdown() -> bool {
    let handle = INSTANCE.write().take();
    match handle {
        Some(handle) => {
            handle.shutdown();
            true
        }
        None => false,
    }
}

/// The process-wide manager, if started.
pub fn get_instance() -> Option<ManagerHandle> {
    INSTANCE.read().clone()
}

/// [`ManagerHandle::ensure_connection`] on the process-wide manager; `false` before startup.
pub async fn ensure_connection(url: &str) -> bool {
    match get_instance() {
        Some(manager) => manager.ensure_connection(url).await,
        None => false,
    }
}

/// [`ensure_connection`] that can show the connecting progress model
/// ([`ManagerHandle::connecting_dialog`]).
pub async fn ensure_connection_with_dialog(url: &str, show_connecting_dialog: bool) -> bool {
    match get_instance() {
        Some(manager) => manager
            .ensure_connection_with(
                url,
                EnsureOptions {
                    show_connecting_dialog,
                },
            )
            .await
            .is_ok(),
        None => false,
    }
}

/// Blocking [`ensure_connection`]; `false` before startup.
pub fn ensure_connection_blocking(url: &str) -> bool {
    get_instance().is_some_and(|manager| manager.ensure_connection_blocking(url))
}

/// [`ManagerHandle::disconnect`]: signs out of a Nucleus server; a no-op otherwise.
pub async fn disconnect(url: &str) -> bool {
    match get_instance() {
        Some(manager) => manager.disconnect(url).await,
        None => false,
    }
}

/// [`ManagerHandle::reconnect`]: reconnects to a Nucleus server in the background.
pub fn reconnect(url: &str) -> bool {
    get_instance().is_some_and(|manager| manager.reconnect(url))
}

/// The bookmarks in display order; empty before startup.
pub fn get_bookmarks() -> Vec<Bookmark> {
    get_instance().map(|m| m.bookmarks()).unwrap_or_default()
}

/// Adds a bookmark; false before startup or when the registry refuses (the reason is logged).
pub async fn add_bookmark(name: &str, url: &str) -> bool {
    match get_instance() {
        Some(manager) => logged(manager.registry().add_bookmark(name, url).await),
        None => false,
    }
}

/// Removes the bookmark called `name`.
pub async fn remove_bookmark(name: &str) -> bool {
    match get_instance() {
        Some(manager) => logged(manager.registry().remove_bookmark(name).await),
        None => false,
    }
}

/// Renames `old_name` to `new_name`, pointing at `url`.
pub async fn rename_bookmark(old_name: &str, new_name: &str, url: &str) -> bool {
    match get_instance() {
        Some(manager) => logged(
            manager
                .registry()
                .rename_bookmark(old_name, new_name, url)
                .await,
        ),
        None => false,
    }
}

fn logged<T>(result: Result<T, cm_registry::RegistryError>) -> bool {
    match result {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(%error, "bookmark change refused");
            false
        }
    }
}

/// A display name for a server URL (works without startup): see `cm_url::fallback_name_for_url`.
pub fn fallback_name_for_url(url: &str) -> String {
    cm_url::fallback_name_for_url(url)
}

fn show(
    kind: ServerKind,
    on_success: Option<OnSuccess>,
    on_failed: Option<OnFailed>,
) -> Option<AddServerDialog> {
    match get_instance() {
        Some(manager) => manager.show_add_server_dialog(kind, on_success, on_failed),
        None => {
            tracing::warn!("add-server dialog requested before the connection manager started");
            if let Some(on_failed) = on_failed {
                on_failed();
            }
            None
        }
    }
}

/// Opens the add-discovery-server dialog (see [`ManagerHandle::show_add_server_dialog`]).
pub fn show_add_discovery_server_dialog(
    on_success: Option<OnSuccess>,
    on_failed: Option<OnFailed>,
) -> Option<AddServerDialog> {
    show(ServerKind::Discovery, on_success, on_failed)
}

/// Opens the add-Nucleus-server dialog.
pub fn show_add_nucleus_server_dialog(
    on_success: Option<OnSuccess>,
    on_failed: Option<OnFailed>,
) -> Option<AddServerDialog> {
    show(ServerKind::Nucleus, on_success, on_failed)
}

/// Opens the add-HTTP-server dialog.
pub fn show_add_http_server_dialog(
    on_success: Option<OnSuccess>,
    on_failed: Option<OnFailed>,
) -> Option<AddServerDialog> {
    show(ServerKind::Http, on_success, on_failed)
}
