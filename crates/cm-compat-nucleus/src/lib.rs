//! The `omni.kit.widget.nucleus_connector` API, kept alive as a deprecated shim over
//! [`cm_manager`].
//!
//! Every function is `#[deprecated]`, delegates to the process-wide connection manager
//! (started with `cm_manager::startup`), and logs a deprecation warning (tracing `warn`) the
//! first time it is called in a process. `docs/MIGRATION.md` maps each call to its
//! replacement. Differences from the original:
//!
//! * the manager announces a successful connection as `cm_manager::CONNECTION_SUCCEEDED_EVENT`
//!   (`omni.kit.widget.connection_manager.CONNECTION_SUCCEEDED`, payload `url`, `server_url`).
//!   While the shim is in use (any of its functions was called, or
//!   [`enable_legacy_success_event`]), every such connection is also dispatched under the old
//!   name [`NUCLEUS_CONNECTION_SUCCEEDED_EVENT`] with the old payload (`url`), so old observers
//!   keep working; the first time the old event reaches an observer, a deprecation warning is
//!   logged (once per process);
//! * old success callbacks took `(name, url, server_type)`; [`wrap_success_callback`] adapts
//!   them to the new `(name, url, server_id)` shape, passing `"omniverse"` as `server_type`.
//!
//! ```
//! #![allow(deprecated)]
//! // Before `cm_manager::startup` the shim, like the manager, does nothing.
//! assert!(!cm_compat_nucleus::connect("srv", "omniverse://srv/", None, None));
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

mod callbacks;
mod deprecation;
mod legacy_event;

use cm_manager::dialogs::AddServerDialog;

pub use callbacks::{
    LegacyFailed, LegacyReconnectFailed, LegacyReconnectSuccess, LegacySuccess, NameUrlFn,
    SuccessWithServerType, wrap_success_callback,
};
use deprecation::warn_once;

/// The old success event name. Still dispatched, beside the new event, for each successful
/// connection while the shim is in use; payload `url` (the URL that was connected, redacted).
/// Its legacy integer type is `cm_events::type_from_string` of the name, registered as an alias
/// on the manager's dispatcher. Migrate to `cm_manager::CONNECTION_SUCCEEDED_EVENT` (payload
/// `url`, `server_url`).
#[deprecated(note = "observe cm_manager::CONNECTION_SUCCEEDED_EVENT")]
pub const NUCLEUS_CONNECTION_SUCCEEDED_EVENT: &str = legacy_event::OLD_NAME;

/// Starts dispatching [`NUCLEUS_CONNECTION_SUCCEEDED_EVENT`] for every successful connection of
/// the process-wide manager (on its dispatcher), for code that observes the old event without
/// calling any other shim function (each of them does this itself). Idempotent; false before
/// `cm_manager::startup`.
#[deprecated(note = "observe cm_manager::CONNECTION_SUCCEEDED_EVENT")]
pub fn enable_legacy_success_event() -> bool {
    legacy_event::forward_for_current_manager()
}

/// Connects to `url` in the background and calls `on_success_fn(name, url, "omniverse")` or
/// `on_failed_fn(name, url)`. Shows the manager's connecting progress model meanwhile.
/// Returns whether the attempt was started (false before `cm_manager::startup`, after which
/// `on_failed_fn` is called at once).
#[deprecated(note = "use cm_manager::ensure_connection (or ManagerHandle::ensure_connection_with)")]
pub fn connect(
    name: &str,
    url: &str,
    on_success_fn: Option<LegacySuccess>,
    on_failed_fn: Option<LegacyFailed>,
) -> bool {
    warn_once(
        &deprecation::CONNECT,
        "connect",
        "cm_manager::ensure_connection",
    );
    legacy_event::forward_for_current_manager();
    let (name, url) = (name.to_owned(), url.to_owned());
    let Some(manager) = cm_manager::get_instance() else {
        if let Some(on_failed) = on_failed_fn {
            on_failed(&name, &url);
        }
        return false;
    };
    let worker = manager.clone();
    manager.spawn(async move {
        let options = cm_manager::EnsureOptions {
            show_connecting_dialog: true,
        };
        match worker.ensure_connection_with(&url, options).await {
            Ok(_) => {
                if let Some(on_success) = on_success_fn {
                    on_success.call(&name, &url, "omniverse");
                }
            }
            Err(error) => {
                tracing::debug!(%error, "legacy connect failed");
                if let Some(on_failed) = on_failed_fn {
                    on_failed(&name, &url);
                }
            }
        }
    })
}

/// Opens the add-Nucleus-server dialog; see `cm_manager::show_add_nucleus_server_dialog`.
/// `on_failed_fn` gets empty name and URL on cancel, as the dialog has no server then.
#[deprecated(
    note = "use cm_manager::show_add_nucleus_server_dialog (http/discovery: show_add_http_server_dialog, show_add_discovery_server_dialog)"
)]
pub fn connect_with_dialog(
    on_success_fn: Option<LegacySuccess>,
    on_failed_fn: Option<LegacyFailed>,
) -> Option<AddServerDialog> {
    warn_once(
        &deprecation::CONNECT_WITH_DIALOG,
        "connect_with_dialog",
        "cm_manager::show_add_nucleus_server_dialog",
    );
    legacy_event::forward_for_current_manager();
    let on_success = on_success_fn.map(wrap_success_callback);
    let on_failed =
        on_failed_fn.map(|f| -> cm_manager::dialogs::OnFailed { Box::new(move || f("", "")) });
    cm_manager::show_add_nucleus_server_dialog(on_success, on_failed)
}

/// Reconnects to the Nucleus server of `url` in the background and calls `on_success_fn(url)`
/// or `on_failed_fn(url)`. A no-op (false) for non-Nucleus URLs and before startup.
#[deprecated(note = "use cm_manager::reconnect")]
pub fn reconnect(
    url: &str,
    on_success_fn: Option<LegacyReconnectSuccess>,
    on_failed_fn: Option<LegacyReconnectFailed>,
) -> bool {
    warn_once(
        &deprecation::RECONNECT,
        "reconnect",
        "cm_manager::reconnect",
    );
    legacy_event::forward_for_current_manager();
    let Some(manager) = cm_manager::get_instance() else {
        return false;
    };
    if manager.connection_status(url).is_none() {
        return false;
    }
    let url = url.to_owned();
    let worker = manager.clone();
    manager.spawn(async move {
        match worker.reconnect_detailed(&url).await {
            Ok(_) => {
                if let Some(on_success) = on_success_fn {
                    on_success(&url);
                }
            }
            Err(_) => {
                if let Some(on_failed) = on_failed_fn {
                    on_failed(&url);
                }
            }
        }
    })
}

/// Signs out of the Nucleus server of `url` (blocking until done). A no-op for other URLs.
#[deprecated(note = "use cm_manager::disconnect")]
pub fn disconnect(url: &str) -> bool {
    warn_once(
        &deprecation::DISCONNECT,
        "disconnect",
        "cm_manager::disconnect",
    );
    legacy_event::forward_for_current_manager();
    match cm_manager::get_instance() {
        Some(manager) => manager.disconnect_blocking(url),
        None => false,
    }
}
