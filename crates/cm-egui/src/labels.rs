//! The accessible names of every control, as screen readers (and `egui_kittest` tests) find
//! them.
//!
//! Each text field is tied to its visible label, and every button's name says what it acts on,
//! so that names are unique within a window: a bookmark row's buttons are
//! `Rename bookmark <name>` and `Remove bookmark <name>`, not just `Rename`.
//!
//! ```
//! assert_eq!(cm_egui::labels::rename_bookmark("Projects"), "Rename bookmark Projects");
//! ```

/// The add-server dialog's name field.
pub const SERVER_NAME: &str = "Server name";
/// The add-server dialog's URL field.
pub const SERVER_URL: &str = "Server URL";
/// The add-server dialog's submit button.
pub const ADD: &str = "Add";
/// The add-server dialog's retry button (after an error).
pub const RETRY: &str = "Retry";
/// The add-server dialog's cancel button.
pub const CANCEL: &str = "Cancel";
/// The add-server dialog's close button (after success).
pub const CLOSE: &str = "Close";
/// The add-server dialog's button that goes back to editing after an error.
pub const EDIT: &str = "Edit";

/// The sign-in prompt's cancel button.
pub const CANCEL_SIGN_IN: &str = "Cancel sign-in";

/// The alert pane's dismiss button.
pub const DISMISS_ALERT: &str = "Dismiss alert";

/// The panel's button opening the add-Nucleus-server dialog.
pub const ADD_NUCLEUS_SERVER: &str = "Add Nucleus server";
/// The panel's button opening the add-HTTP-server dialog.
pub const ADD_HTTP_SERVER: &str = "Add HTTP server";
/// The panel's button opening the add-discovery-server dialog.
pub const ADD_DISCOVERY_SERVER: &str = "Add discovery server";
/// The panel's new-bookmark name field.
pub const BOOKMARK_NAME: &str = "Bookmark name";
/// The panel's new-bookmark URL field.
pub const BOOKMARK_URL: &str = "Bookmark URL";
/// The panel's add-bookmark button.
pub const ADD_BOOKMARK: &str = "Add bookmark";
/// The rename row's save button.
pub const SAVE_NAME: &str = "Save name";
/// The rename row's cancel button.
pub const CANCEL_RENAME: &str = "Cancel rename";

/// The button that starts renaming bookmark `name`.
pub fn rename_bookmark(name: &str) -> String {
    format!("Rename bookmark {name}")
}

/// The field holding the new name of bookmark `name` while renaming.
pub fn new_name_for(name: &str) -> String {
    format!("New name for bookmark {name}")
}

/// The button that removes bookmark `name`.
pub fn remove_bookmark(name: &str) -> String {
    format!("Remove bookmark {name}")
}

/// The button that removes server `name` (manual or discovery).
pub fn remove_server(name: &str) -> String {
    format!("Remove server {name}")
}

/// The button that (re)connects Nucleus server `name`.
pub fn connect_server(name: &str) -> String {
    format!("Connect server {name}")
}

/// The button that signs out of Nucleus server `name`.
pub fn sign_out_server(name: &str) -> String {
    format!("Sign out of server {name}")
}

/// The button that runs discovery again for discovery server `name`.
pub fn refresh_discovery(name: &str) -> String {
    format!("Refresh discovery server {name}")
}
