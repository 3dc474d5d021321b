//! The module-level API: one process-wide manager, started by [`startup`] and stopped by
//! [`shutdown`], behind free functions that mirror the original extension's module functions.
//!
//! Before `startup` (and after `shutdown`) every function is a no-op that answers
//! `EnsureError::NotRunning`, `false`, an empty list or `None`, as the original does when the
//! extension is not loaded; the dialog functions also call `on_failed`, so a caller waiting
//! for one of its callbacks is not left hanging. The bookmark functions keep Kit's `bool`
//! answer and log the reason of a `false` at warn; their `try_` forms return it.
//!
//! ```
//! # fn main() -> Result<(), cm_manager::StartupError> {
//! use cm_manager::{EnsureError, Reachable};
//!
//! assert_eq!(cm_manager::ensure_connection_blocking("https://example.com/"), Err(EnsureError::NotRunning));
//! cm_manager::startup(cm_manager::ManagerConfig::in_memory().dispatcher(cm_events::Dispatcher::new()))?;
//! assert_eq!(cm_manager::ensure_connection_blocking("https://example.com/"), Ok(Reachable::AlwaysReachable));
//! assert_eq!(cm_manager::fallback_name_for_url("omniverse://my-server/x"), "my-server");
//! cm_manager::shutdown();
//! # Ok(()) }
//! ```

use parking_lot::RwLock;

use crate::config::ManagerConfig;
use crate::dialogs::{AddServerDialog, OnFailed, OnSuccess, ServerKind};
use crate::error::{EnsureError, Reachable, StartupError};
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

/// [`ManagerHandle::ensure_connection`] on the process-wide manager;
/// [`EnsureError::NotRunning`] before startup. Kit's boolean answer is `.is_ok()`.
pub async fn ensure_connection(url: &str) -> Result<Reachable, EnsureError> {
    ensure_connection_with(url, EnsureOptions::default()).await
}

/// [`ManagerHandle::ensure_connection_with`] on the process-wide manager (for example to show
/// the connecting progress model, as Kit's `show_connecting_dialog` does).
pub async fn ensure_connection_with(
    url: &str,
    options: EnsureOptions,
) -> Result<Reachable, EnsureError> {
    match get_instance() {
        Some(manager) => manager.ensure_connection_with(url, options).await,
        None => Err(EnsureError::NotRunning),
    }
}

/// Blocking [`ensure_connection`]; [`EnsureError::NotRunning`] before startup.
pub fn ensure_connection_blocking(url: &str) -> Result<Reachable, EnsureError> {
    get_instance().map_or(Err(EnsureError::NotRunning), |manager| {
        manager.ensure_connection_blocking(url)
    })
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

/// Why a module-level bookmark change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BookmarkChangeError {
    /// Before [`startup`] or after [`shutdown`].
    #[error("the connection manager is not running")]
    NotRunning,
    /// The registry refused the change (the reason says why).
    #[error(transparent)]
    Refused(#[from] cm_registry::RegistryError),
}

/// Adds a bookmark (Kit's answer: whether it was added). The reason of a `false` is logged at
/// warn; [`try_add_bookmark`] returns it.
pub async fn add_bookmark(name: &str, url: &str) -> bool {
    logged("add_bookmark", try_add_bookmark(name, url).await)
}

/// Adds a bookmark, or says why not.
pub async fn try_add_bookmark(name: &str, url: &str) -> Result<(), BookmarkChangeError> {
    let manager = get_instance().ok_or(BookmarkChangeError::NotRunning)?;
    Ok(manager.registry().add_bookmark(name, url).await?)
}

/// Removes the bookmark called `name` (Kit's answer; the reason of a `false` is logged at
/// warn, [`try_remove_bookmark`] returns it).
pub async fn remove_bookmark(name: &str) -> bool {
    logged("remove_bookmark", try_remove_bookmark(name).await)
}

/// Removes the bookmark called `name` and returns it, or says why not.
pub async fn try_remove_bookmark(name: &str) -> Result<Bookmark, BookmarkChangeError> {
    let manager = get_instance().ok_or(BookmarkChangeError::NotRunning)?;
    Ok(manager.registry().remove_bookmark(name).await?)
}

/// Renames `old_name` to `new_name`, pointing at `url` (Kit's answer; the reason of a `false`
/// is logged at warn, [`try_rename_bookmark`] returns it).
pub async fn rename_bookmark(old_name: &str, new_name: &str, url: &str) -> bool {
    logged(
        "rename_bookmark",
        try_rename_bookmark(old_name, new_name, url).await,
    )
}

/// Renames `old_name` to `new_name`, pointing at `url`, or says why not.
pub async fn try_rename_bookmark(
    old_name: &str,
    new_name: &str,
    url: &str,
) -> Result<(), BookmarkChangeError> {
    let manager = get_instance().ok_or(BookmarkChangeError::NotRunning)?;
    Ok(manager
        .registry()
        .rename_bookmark(old_name, new_name, url)
        .await?)
}

fn logged<T>(call: &str, result: Result<T, BookmarkChangeError>) -> bool {
    match result {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(call, %error, "bookmark change refused");
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
