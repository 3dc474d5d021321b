//! The words the widgets show and say: the accessible names of every control, as screen
//! readers (and `egui_kittest` tests) find them, and the human label of every status.
//!
//! Each text field is tied to its visible label, and every button's name says what it acts on,
//! so that names are unique within a window: a bookmark row's buttons are
//! `Rename bookmark <name>` and `Remove bookmark <name>`, not just `Rename`.
//!
//! A status is never shown by its enum name (`AuthCancelled` means nothing to a person):
//! [`connection_status`] and [`discovery_status`] are the one table of what each status reads
//! as in the panel. They match without a wildcard, so a new status does not compile until it
//! has a label.
//!
//! ```
//! use cm_manager::ConnectionStatus;
//!
//! assert_eq!(cm_egui::labels::rename_bookmark("Projects"), "Rename bookmark Projects");
//! assert_eq!(
//!     cm_egui::labels::connection_status(ConnectionStatus::AuthCancelled),
//!     "Sign-in cancelled"
//! );
//! ```

use cm_manager::ConnectionStatus;
use cm_registry::DiscoveryStatus;

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
/// The sign-in prompt's link to the sign-in page (its visible text is the URL).
pub const SIGN_IN_LINK: &str = "Sign-in page";
/// The sign-in prompt's button that opens the sign-in page in the browser (again).
pub const OPEN_SIGN_IN_PAGE: &str = "Open the sign-in page in the browser";
/// The sign-in prompt's button that copies the sign-in page's URL.
pub const COPY_SIGN_IN_LINK: &str = "Copy the sign-in link";
/// The sign-in prompt's button that copies the device flow's user code.
pub const COPY_USER_CODE: &str = "Copy the code";

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

/// What an HTTP server's row says (it needs no connection, so it has no connection status).
pub const REACHABLE: &str = "Reachable";

/// What a Nucleus server's row says for `status`.
pub const fn connection_status(status: ConnectionStatus) -> &'static str {
    match status {
        ConnectionStatus::Connecting => "Connecting…",
        ConnectionStatus::Connected => "Connected",
        ConnectionStatus::ConnectError => "Cannot reach server",
        ConnectionStatus::Disconnected => "Not connected",
        ConnectionStatus::SignedOut => "Signed out",
        ConnectionStatus::AuthAbort => "Sign-in stopped",
        ConnectionStatus::AuthCancelled => "Sign-in cancelled",
        ConnectionStatus::AuthError => "Sign-in failed",
        ConnectionStatus::AuthFailed => "Sign-in refused",
        ConnectionStatus::ServerIncompatible => "Incompatible server",
        ConnectionStatus::InvalidHost => "Unknown host",
    }
}

/// What a discovery server's row says for `status`. An error's reason is not part of it (the
/// panel shows it on a line of its own, so the row's buttons stay where they are).
pub fn discovery_status(status: &DiscoveryStatus) -> &'static str {
    match status {
        DiscoveryStatus::Pending => "Not checked yet",
        DiscoveryStatus::Discovering => "Discovering…",
        DiscoveryStatus::Ready => "Ready",
        DiscoveryStatus::Error {
            will_retry: true, ..
        } => "Failed, retrying",
        DiscoveryStatus::Error {
            will_retry: false, ..
        } => "Discovery failed",
    }
}

/// `[value, …]`, one value per arm, with a proof that the arms cover every variant: the
/// patterns also form a match without a wildcard, so a new variant does not compile until it
/// is listed here too.
macro_rules! every_value {
    ($ty:ty { $($pattern:pat => $value:expr),+ $(,)? }) => {{
        let _exhaustive = |value: &$ty| match value {
            $($pattern => ()),+
        };
        [$($value),+]
    }};
}

/// One discovery status of each label, for measuring the widest (its `Error` reasons are
/// empty: the reason is not part of the label).
pub(crate) fn every_discovery_status() -> [DiscoveryStatus; 5] {
    let no_reason: std::sync::Arc<str> = std::sync::Arc::from("");
    every_value!(DiscoveryStatus {
        DiscoveryStatus::Pending => DiscoveryStatus::Pending,
        DiscoveryStatus::Discovering => DiscoveryStatus::Discovering,
        DiscoveryStatus::Ready => DiscoveryStatus::Ready,
        DiscoveryStatus::Error { will_retry: true, .. } => DiscoveryStatus::Error {
            reason: no_reason.clone(),
            will_retry: true,
        },
        DiscoveryStatus::Error { will_retry: false, .. } => DiscoveryStatus::Error {
            reason: no_reason.clone(),
            will_retry: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;

    /// Every connection status, proven complete by the macro's match.
    fn every_connection_status() -> [ConnectionStatus; 11] {
        use ConnectionStatus::*;
        every_value!(ConnectionStatus {
            Connecting => Connecting,
            Connected => Connected,
            ConnectError => ConnectError,
            Disconnected => Disconnected,
            SignedOut => SignedOut,
            AuthAbort => AuthAbort,
            AuthCancelled => AuthCancelled,
            AuthError => AuthError,
            AuthFailed => AuthFailed,
            ServerIncompatible => ServerIncompatible,
            InvalidHost => InvalidHost,
        })
    }

    /// A label a person reads: a capital first letter, words (no `CamelCase` joins, no `_`),
    /// and not the enum's own name unless that is already an ordinary word.
    fn assert_human(label: &str, enum_name: &str) {
        assert!(
            label.starts_with(|c: char| c.is_uppercase()),
            "{label:?} should start with a capital"
        );
        let camel = label
            .chars()
            .zip(label.chars().skip(1))
            .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
        assert!(
            !camel && !label.contains('_'),
            "{label:?} reads like an identifier"
        );
        let enum_is_a_word = !enum_name
            .chars()
            .skip(1)
            .any(|c| c.is_uppercase() || c == '_');
        assert!(
            enum_is_a_word || label != enum_name,
            "{label:?} is the enum name"
        );
    }

    #[test]
    fn every_connection_status_has_its_own_human_label() {
        // The panel measures its status column over `ALL`: it must hold every status.
        assert_eq!(ConnectionStatus::ALL, every_connection_status());
        let mut seen = HashSet::new();
        for status in every_connection_status() {
            let label = connection_status(status);
            assert_human(label, status.as_str());
            assert!(seen.insert(label), "{label:?} is used twice");
        }
        assert!(!seen.contains(REACHABLE), "an HTTP row is told apart");
        assert_eq!(
            connection_status(ConnectionStatus::AuthCancelled),
            "Sign-in cancelled"
        );
    }

    #[test]
    fn every_discovery_status_has_its_own_human_label() {
        let mut seen = HashSet::new();
        for status in every_discovery_status() {
            let label = discovery_status(&status);
            assert_human(label, status.as_str());
            assert!(seen.insert(label), "{label:?} is used twice");
        }
        let failed = DiscoveryStatus::Error {
            reason: Arc::from("connection refused"),
            will_retry: false,
        };
        assert_eq!(
            discovery_status(&failed),
            "Discovery failed",
            "the reason is shown apart"
        );
    }
}
