//! A progress bar as a view model: title, message, and a fraction (or indeterminate).

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

/// What a progress bar shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProgressState {
    /// Whether the progress bar is shown.
    pub visible: bool,
    /// Title, e.g. `Connecting`.
    pub title: String,
    /// One line of detail, e.g. the (redacted) server URL.
    pub message: String,
    /// Done so far in `0.0..=1.0`; `None` for an indeterminate (spinning) bar.
    pub fraction: Option<f32>,
}

/// A progress view model: any UI renders [`ProgressModel::state`] and redraws on
/// [`ProgressModel::subscribe`] changes. Cloning shares the model.
///
/// ```
/// let progress = cm_manager::dialogs::ProgressModel::new();
/// progress.show("Connecting", "omniverse://host/");
/// progress.set_fraction(Some(0.5));
/// assert_eq!(progress.state().fraction, Some(0.5));
/// progress.hide();
/// assert!(!progress.state().visible);
/// ```
#[derive(Clone, Debug)]
pub struct ProgressModel {
    tx: Arc<watch::Sender<ProgressState>>,
}

impl Default for ProgressModel {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressModel {
    /// A hidden progress bar.
    pub fn new() -> Self {
        Self {
            tx: Arc::new(watch::channel(ProgressState::default()).0),
        }
    }

    /// What to draw now.
    pub fn state(&self) -> ProgressState {
        self.tx.borrow().clone()
    }

    /// Changes to the state (the current value is marked seen).
    pub fn subscribe(&self) -> watch::Receiver<ProgressState> {
        self.tx.subscribe()
    }

    /// Shows an indeterminate bar.
    pub fn show(&self, title: &str, message: &str) {
        self.tx.send_replace(ProgressState {
            visible: true,
            title: title.to_owned(),
            message: message.to_owned(),
            fraction: None,
        });
    }

    /// Sets the fraction done (clamped to `0.0..=1.0`), or `None` for indeterminate.
    pub fn set_fraction(&self, fraction: Option<f32>) {
        self.tx
            .send_modify(|s| s.fraction = fraction.map(|f| f.clamp(0.0, 1.0)));
    }

    /// Changes the detail line.
    pub fn set_message(&self, message: &str) {
        self.tx.send_modify(|s| s.message = message.to_owned());
    }

    /// Hides the bar.
    pub fn hide(&self) {
        self.tx.send_replace(ProgressState::default());
    }
}
