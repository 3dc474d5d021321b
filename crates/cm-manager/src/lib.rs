//! cm-manager: the connection manager.

mod actor;
mod auth;
mod config;
pub mod dialogs;
mod ensure;
mod error;
mod handle;
mod runtime;
mod server_dialogs;
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
pub use config::ManagerConfig;
pub use error::{EnsureError, Reachable, StartupError};
pub use handle::{EnsureOptions, ManagerHandle};
pub use status::{ConnectionStatus, InvalidTransition};
pub use storage::{
    HttpStorageClient, HttpStorageConfig, ResultCode, StatInfo, StatusBoard, StatusChange, StorageClient,
    StorageError, http_base_for,
};
pub use singleton::{
    add_bookmark, disconnect, ensure_connection, ensure_connection_blocking,
    ensure_connection_with_dialog, fallback_name_for_url, get_bookmarks, get_instance, reconnect,
    remove_bookmark, rename_bookmark, show_add_discovery_server_dialog,
    show_add_http_server_dialog, show_add_nucleus_server_dialog, shutdown, startup,
    startup_in_system,
};
pub use cm_registry::events::CONNECTION_SUCCEEDED_EVENT;
