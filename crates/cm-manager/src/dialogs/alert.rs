//! An alert pane as a view model: one message with a severity, or nothing.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

/// How serious an alert is (picks the icon and colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AlertLevel {
    /// Neutral information.
    Info,
    /// Something to look at; work continues.
    Warning,
    /// Something failed.
    Error,
}

/// One alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Severity.
    pub level: AlertLevel,
    /// The text (URLs in it are redacted by whoever builds it).
    pub message: String,
}

/// An alert pane view model: render [`AlertModel::state`] (`None` = hidden).
///
/// ```
/// use cm_manager::dialogs::{AlertLevel, AlertModel};
/// let alert = AlertModel::new();
/// alert.error("could not connect");
/// assert_eq!(alert.state().unwrap().level, AlertLevel::Error);
/// alert.clear();
/// assert!(alert.state().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct AlertModel {
    tx: Arc<watch::Sender<Option<Alert>>>,
}

impl Default for AlertModel {
    fn default() -> Self {
        Self::new()
    }
}

impl AlertModel {
    /// A hidden pane.
    pub fn new() -> Self {
        Self {
            tx: Arc::new(watch::channel(None).0),
        }
    }

    /// What to draw now (`None` = nothing).
    pub fn state(&self) -> Option<Alert> {
        self.tx.borrow().clone()
    }

    /// Changes to the state.
    pub fn subscribe(&self) -> watch::Receiver<Option<Alert>> {
        self.tx.subscribe()
    }

    /// Shows `message` at `level`.
    pub fn show(&self, level: AlertLevel, message: &str) {
        self.tx.send_replace(Some(Alert {
            level,
            message: message.to_owned(),
        }));
    }

    /// Shows an info alert.
    pub fn info(&self, message: &str) {
        self.show(AlertLevel::Info, message);
    }

    /// Shows a warning.
    pub fn warning(&self, message: &str) {
        self.show(AlertLevel::Warning, message);
    }

    /// Shows an error.
    pub fn error(&self, message: &str) {
        self.show(AlertLevel::Error, message);
    }

    /// Hides the pane.
    pub fn clear(&self) {
        self.tx.send_replace(None);
    }
}
